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
} session;

/* Plans and runs ST, whose text is in SRC. Returns 0, or -1 with D set. A
 * failed statement changes nothing in the database. */
int exec_stmt(session *s, const stmt *st, const char *src, arena *a, diag *d);

/* Imports (import.c): runs an ST_IMPORT statement inside write transaction T. */
int import_run(session *s, store_txn *t, const stmt *st, const char *src, arena *a, diag *d);

/* True when the cancel flag is up. */
static inline bool exec_cancelled(const session *s)
{
    return s->cancel && *s->cancel;
}

#endif
