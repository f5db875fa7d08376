/* render.h: result sets to text in the output modes of spec §8.
 *
 * A renderer receives column names once, then rows of values, then an end.
 * Streaming modes write each row at once; table mode buffers (copying text)
 * to size its columns, keeping only the head and tail when eliding. */
#ifndef KASH_RENDER_H
#define KASH_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "value.h"

typedef enum out_mode {
    MODE_TABLE,
    MODE_CSV,
    MODE_TSV,
    MODE_JSON,
    MODE_JSONL,
    MODE_MARKDOWN,
    MODE_NMODES
} out_mode;

/* Parses a mode name ("table", "csv", ...); -1 when unknown. */
int render_mode_parse(const char *name);
const char *render_mode_name(int mode);
/* The mode an export to PATH writes, from its extension (.csv, .tsv, .json,
 * .jsonl); -1 for any other. */
int render_export_mode(const char *path);

typedef struct render_opts {
    int mode;              /* out_mode */
    bool headers;          /* csv/tsv header line; table/markdown header row */
    const char *nullvalue; /* how table/markdown/csv/tsv show null; NULL = "" */
    int maxrows;           /* table: elide beyond this many rows when elide is set; <= 0 never */
    bool elide;            /* set when writing to a terminal */
} render_opts;

typedef struct renderer renderer;

/* Starts a result of NCOLS columns named NAMES (copied) on OUT.
 * Returns an object owned by the caller, finished with render_end(). */
renderer *render_begin(FILE *out, const render_opts *opts, int ncols, const char *const *names);
/* Writes or buffers one row of NCOLS values (text is copied when buffered). */
void render_row(renderer *r, const value *vals);
/* Flushes, writes any footer, and frees R. Returns the number of rows. */
long render_end(renderer *r);
/* Frees R after a failed statement: streamed rows stay written, buffered
 * ones (table, markdown) and a pending header are dropped. */
void render_abort(renderer *r);
/* Appends a footnote printed after the table (table/markdown) or dropped (other modes). */
void render_footnote(renderer *r, const char *text);

/* Writes V as the given mode would write one cell (no padding, with csv or
 * json quoting as the mode needs). Used by export and by tests. */
void render_value(FILE *out, int mode, const value *v, const char *nullvalue);

#endif
