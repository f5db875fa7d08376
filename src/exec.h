/* exec.h: running parsed statements against the store.
 *
 * A session holds what outlives statements: the open store, output settings
 * and variables. exec_stmt() plans and runs one statement in one transaction
 * (read-only for queries, one write transaction for an import) and writes its
 * result to the session's output. */
#ifndef KASH_EXEC_H
#define KASH_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "eval.h"
#include "parse.h"
#include "render.h"
#include "store.h"

typedef struct session {
    store *db;                     /* owned by whoever opened it */
    render_opts ro;                /* output mode, headers, nullvalue, maxrows */
    FILE *out;                     /* results; not owned */
    parser_opts po;                /* variables for $NAME */
    bool interactive;              /* a person is watching: confirmations, progress */
    volatile sig_atomic_t *cancel; /* set by SIGINT; polled by long loops (may be NULL) */
    bool confirm;                  /* ask before a mutation of more than one account (.confirm) */
    bool dryrun;                   /* mutations print their preview and change nothing (.dryrun) */
    bool safe; /* --safe: no import, export, .read, .output, .once or init file */
    /* Asks QUESTION of the person at the terminal; true for yes. NULL: never asked. */
    bool (*ask)(void *ctx, const char *question);
    void *ask_ctx;
    /* Called every few thousand rows by long loops (may be NULL): ROWS so far,
     * DONE of TOTAL units of work (rows or bytes; TOTAL 0 = unknown). */
    void (*progress)(struct session *s, uint64_t rows, uint64_t done, uint64_t total);
} session;

/* Plans and runs ST, whose text is in SRC. Returns 0, or -1 with D set. A
 * failed statement changes nothing in the database. */
int exec_stmt(session *s, const stmt *st, const char *src, arena *a, diag *d);

/* Runs the stages of ST before its last one inside transaction T, which must
 * leave account records, and calls FN with each (the record is valid until
 * the next write in T) and the values of the fields a stage such as rfm added
 * to it (EXT->n of them, valid until FN returns; NULL when none). Before the
 * first call *EXT (may be NULL) is set to those fields' names and types
 * (which live as long as the statement). Returns 0, FN's non-zero value, or
 * -1 with D set. */
int exec_collect(session *s, store_txn *t, const stmt *st, const char *src, arena *a, diag *d,
                 int (*fn)(void *ctx, const uint8_t *rec, size_t len, const value *ext), void *ctx,
                 extfields *ext);

/* Mutations (mutate.c): set, retier and assign, with preview, confirmation
 * and audit; and undo. Each is one write transaction. */
int mutate_run(session *s, const stmt *st, const char *src, arena *a, diag *d);
int undo_run(session *s, const stmt *st, const char *src, arena *a, diag *d);

/* Imports (import.c): runs an ST_IMPORT statement inside write transaction T. */
int import_run(session *s, store_txn *t, const stmt *st, const char *src, arena *a, diag *d);

/* Targets (kpi.c): `.target [KPI [VALUE]]` on DB. No ARGS lists the targets
 * set, KPI shows one, KPI VALUE sets it (VALUE a number literal: 90%, 1.5M,
 * 0.9, -3; or `none` to remove it), in its own write transaction. Listings go
 * to OUT in the mode of RO. Returns 0, or -1 with a message in ERR (ERRLEN bytes). */
int kpi_target_command(store *db, FILE *out, const render_opts *ro, const char *args, char *err,
                       size_t errlen);

/* True when the cancel flag is up. */
static inline bool exec_cancelled(const session *s)
{
    return s->cancel && *s->cancel;
}

#endif
