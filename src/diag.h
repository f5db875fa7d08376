/* diag.h: the first error of a statement, as a value.
 *
 * Errors are recorded, never printed where they are found: the parser, the
 * planner and the executor each set the statement's diag and return non-zero.
 * Line and column are computed only when printing. */
#ifndef KASH_DIAG_H
#define KASH_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
    DIAG_OK = 0,
    DIAG_SYNTAX,    /* lexer or parser */
    DIAG_SEMANTIC,  /* unknown field, type mismatch, bad argument */
    DIAG_RUNTIME,   /* failed while running: division of text, bad regex at run time */
    DIAG_IO,        /* file or database failure */
    DIAG_DATA,      /* malformed input data (import); message carries FILE:LINE:COLUMN */
    DIAG_INTERRUPT, /* cancelled by Ctrl-C */
};

typedef struct diag {
    int code;     /* DIAG_*; DIAG_OK when no error */
    size_t off;   /* byte offset of the offending token in the source */
    size_t len;   /* its length; 0 for "at end" */
    bool located; /* false when the error has no position in the source */
    char msg[512];
} diag;

void diag_clear(diag *d);
/* Records an error at [off, off+len) unless one is already recorded (the first wins). Returns -1.
 */
int diag_set(diag *d, int code, size_t off, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Records an error without a source position. Returns -1. */
int diag_setf(diag *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Where a statement's source came from, for messages. */
typedef struct diag_src {
    const char *text; /* the whole source buffer (script, -c argument or shell input) */
    size_t len;
    const char *file; /* script path, or NULL for -c and the shell */
    int first_line;   /* line number of text[0] (1 normally) */
} diag_src;

/* Prints D to F. Located errors print
 *   FILE:LINE:COLUMN: error: MESSAGE      (scripts)
 *   error: line L, column C: MESSAGE      (-c and the shell)
 * then the source line and a caret under the token; others print "error: MESSAGE". */
void diag_print(FILE *f, const diag *d, const diag_src *src);
/* Line (1-based) and column (1-based, in code points) of byte OFF in TEXT. */
void diag_linecol(const char *text, size_t len, size_t off, int *line, int *col);

#endif
