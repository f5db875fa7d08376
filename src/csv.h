/* csv.h: an RFC 4180 reader over a memory-mapped file.
 *
 * Fields are slices of the mapped file when they need no unquoting, else of
 * a buffer inside the reader; either way they stay valid only until the next
 * csv_next() call. A UTF-8 byte order mark at the start is skipped. Records
 * end at LF or CRLF (a lone CR too); quoted fields may hold separators,
 * doubled quotes and newlines. */
#ifndef KASH_CSV_H
#define KASH_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef struct csv_reader csv_reader;

typedef struct csv_field {
    const char *s; /* LEN bytes, unquoted; not NUL-terminated */
    uint32_t len;
    uint32_t col;  /* 1-based column (in code points) where the field starts */
    uint32_t line; /* 1-based line where the field starts */
    uint8_t quoted;
} csv_field;

/* Opens PATH for reading with separator SEP (',' or '\t'). Returns 0 or an
 * errno value (the file cannot be opened or mapped). *OUT is owned by the
 * caller: free with csv_close(). An empty file is fine (no records). */
int csv_open(const char *path, char sep, csv_reader **out);
/* A reader over the LEN bytes at BUF, which must outlive it (tests, fuzzing). */
csv_reader *csv_open_mem(const char *buf, size_t len, char sep);
void csv_close(csv_reader *r);

/* Reads the next record. Returns 1 and sets *FIELDS (array owned by the
 * reader) and *NFIELDS; 0 at end of input; -1 on malformed input, with
 * csv_error() describing it. Blank lines are skipped (a record of one empty
 * unquoted field). After an error the reader resynchronises at the next line
 * and may be called again (so importers can skip bad rows). */
int csv_next(csv_reader *r, csv_field **fields, int *nfields);
/* Message and position of the last error, e.g. "unterminated quoted field",
 * "invalid UTF-8", "unexpected character after closing quote". */
const char *csv_error(const csv_reader *r, uint32_t *line, uint32_t *col);

/* Starts reading again from the first record, as after csv_open(): a second
 * pass over the same input, which a pipe or FIFO could not give by opening
 * it again (csv_open() reads such files whole into memory). */
void csv_rewind(csv_reader *r);

/* Bytes consumed so far and total size, for progress. */
size_t csv_offset(const csv_reader *r);
size_t csv_size(const csv_reader *r);
/* Line number where the last returned record started. */
uint32_t csv_record_line(const csv_reader *r);

#endif
