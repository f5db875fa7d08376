/* eval.h: resolving and typing expressions (planning), then evaluating them on rows.
 *
 * Planning binds every field to where its value lives (a slot of the source
 * record, of a parent record such as an interaction's account, or a column of
 * a computed row), gives every node a static type, compiles regex literals,
 * and reports type errors at their source position. Evaluation is then a
 * walk over the tree with no lookups by name. */
#ifndef KASH_EVAL_H
#define KASH_EVAL_H

#include "arena.h"
#include "diag.h"
#include "parse.h"
#include "store.h"

enum { SC_REC, SC_COL, SC_PARENT0, SC_PARENT1, SC_EXT };

/* Fields a stage adds to source rows that stay source rows (rfm's r, f, m,
 * rfm, …): the rows are still records of their entity, each carrying an array
 * of these values besides. They shadow record fields of the same name. */
typedef struct extfields {
    int n;
    const char *const *names;
    const uint8_t *types;
} extfields;

/* A parent reachable by qualified fields: account.x from interactions,
 * manager.x from accounts. */
typedef struct parent_def {
    const char *qual; /* "account" or "manager" */
    int entity;       /* ENT_ACCOUNTS or ENT_MANAGERS */
    int key_slot;     /* slot of the row holding the parent's key */
} parent_def;

typedef struct regex_obj regex_obj;

/* What a planned expression can see. */
typedef struct plan_ctx {
    store_txn *txn;
    arena *a;
    diag *d;
    int entity;    /* source entity of SC_REC fields, or -1 for computed rows */
    extfields ext; /* fields added to the source rows (SC_EXT), none when ext.n is 0 */
    int nparents;
    parent_def parents[2];
    int ncols; /* computed rows: columns */
    const char *const *colnames;
    const uint8_t *coltypes;
    const char *src; /* computed rows: statement text, so that an aggregate call outside an agg
                        names the column of the same text (`sort count() desc` after a group) */
    bool allow_agg;  /* aggregates allowed (group/agg items) */
    bool in_agg;     /* planning an aggregate's arguments */
    node **aggs;     /* OUT: aggregate nodes met, in order; arena */
    int naggs, aggcap;
    regex_obj **regexes; /* IN/OUT: list of compiled regexes to free; see eval_free_regexes() */
} plan_ctx;

/* Sets up PC to see the rows of ENTITY (with their parents). */
void plan_source(plan_ctx *pc, store_txn *txn, arena *a, diag *d, int entity, regex_obj **re);
/* Resolves and types N. Returns 0, or -1 with PC->d set. */
int plan_expr(plan_ctx *pc, node *n);
/* year(), month(), quarter(), day() or week() (FN: F_YEAR …) of day DAYS. */
int64_t eval_datepart(int fn, int64_t days);
/* Whether FN is one of those. */
bool is_datepart(int fn);

/* Default column name of an expression: its field name, else its source text. */
const char *expr_name(arena *a, const node *n, const char *src);
/* Frees every regex compiled while planning (arena memory aside). */
void eval_free_regexes(regex_obj **list);

/* The row being evaluated and what evaluation may need. */
typedef struct ectx {
    store_txn *txn;
    arena *a; /* where computed text goes: caller resets it as lifetimes allow */
    diag *d;
    const char *src;    /* statement source, for nothing but messages */
    const uint8_t *rec; /* current source record */
    size_t reclen;
    colblock *cb; /* or: the current source row is row CI of this block of columns */
    uint32_t ci;
    const value *cols;    /* current computed row */
    const value *ext;     /* the extra fields of the current source row (SC_EXT), or NULL */
    const value *aggvals; /* N_AGG results (by node slot) when finishing a group */
    int nparents;
    parent_def parents[2];
    uint64_t rowid; /* bumped per source row: invalidates parent lookups */
    struct {
        uint64_t rowid;
        bool found;         /* the row has this parent: */
        const uint8_t *rec; /* its record, */
        size_t len;
        colblock *cb; /* or (with PCOLS) row CI of this block of its columns */
        uint32_t ci;
        const char *key; /* its key */
        size_t keylen;
    } pcache[2];
    /* set by the caller: parent K of a row of columns is read from these
     * columns of the parent (see parent_cols_open()), else from its record */
    struct parent_cols *pcols[2];
    char coerce[FMT_BUF];
} ectx;

void ectx_init(ectx *c, const plan_ctx *pc);
/* Points C at a new source record. */
static inline void ectx_row(ectx *c, const uint8_t *rec, size_t len)
{
    c->rec = rec;
    c->reclen = len;
    c->cb = NULL;
    c->rowid++;
}
/* Points C at row I of a block of account columns. */
static inline void ectx_colrow(ectx *c, colblock *b, uint32_t i)
{
    c->rec = NULL;
    c->reclen = 0;
    c->cb = b;
    c->ci = i;
    c->rowid++;
}
/* Slot SLOT of the current source row. */
static inline value ectx_field(const ectx *c, unsigned slot)
{
    return c->cb ? col_get(colblock_col(c->cb, slot), c->ci) : rec_get(c->rec, c->reclen, slot);
}

/* The account columns as parents (account.x) of rows of interaction
 * columns: their ids are found by a walk over the blocks, forwards, as the
 * interactions come in account order (a seek when one goes back or far),
 * instead of a record lookup per account. NULL when T has no account
 * columns (a writer). */
typedef struct parent_cols parent_cols;
parent_cols *parent_cols_open(store_txn *t);
/* Finds account ID (N bytes): 1 with its block and row in *B and *ROW
 * (valid until the next call), 0 when there is none, -1 when the columns
 * cannot tell (read the record). */
int parent_cols_find(parent_cols *w, const char *id, size_t n, colblock **b, uint32_t *row);
void parent_cols_close(parent_cols *w);

/* Evaluates N into *OUT. Returns 0, or -1 with C->d set. */
int eval(ectx *c, const node *n, value *out);
/* Evaluates a condition: 1 true, 0 false or null, -1 error. */
int eval_cond(ectx *c, const node *n);

/* A compiled form of the commonest conditions: a conjunction of terms
 * comparing a field of the source record with constants (=, !=, <, <=, >,
 * >=, in PERIOD, in (list), between, is [not] null). Runs on the record bytes
 * without the tree walk. */
typedef struct filter filter;

/* Compiles N, or returns NULL when it is not of that shape. Lives in A. */
filter *filter_compile(arena *a, const node *n);
/* Compiles N, or else the longest left part of its `and` chain that compiles:
 * `a and b and c` is ((a and b) and c), and with a filter of (a and b), c goes
 * to REST (at most FILTER_REST conjuncts, in order), to be evaluated on the
 * rows the filter passes, as and's short circuit would. *NREST is 0 when the
 * filter is all of N; NULL when not even the first conjunct compiles. A null
 * in a compiled conjunct ends the row there: the same answer, but an error a
 * later conjunct would raise on such a row is not raised. */
enum { FILTER_REST = 16 };
filter *filter_compile_prefix(arena *a, node *n, node **rest, int *nrest);
/* 1 when REC passes, 0 when not, -1 when the record holds a value of an
 * unexpected type (a retyped custom field): evaluate the tree instead. */
int filter_run(const filter *f, const uint8_t *rec, size_t len);
/* The same for row I of a block of columns. */
int filter_run_cols(const filter *f, colblock *b, uint32_t i);
/* The same for rows of a block at once: of the rows SEL[0..N) of B (rows
 * 0..N-1 when SEL is NULL), those that pass, into OUT (room for N, may be
 * SEL), in order; returns how many, or -1 when some row needs
 * filter_run_cols() (a value of an unexpected type, a NaN). */
int filter_block(const filter *f, colblock *b, const uint32_t *sel, uint32_t n, uint32_t *out);
/* The rows of IN (M of them; the first M when IN is NULL) of column CV
 * whose value V is not null and `V OP K` (OP_EQ .. OP_GE), into OUT (may
 * be IN), in order, comparing the stored offsets as filter_block() does;
 * -1 when CV is not a column of integers of K's type, or of prices and K a
 * number. */
int col_keep_cmp(const colvec *cv, int op, value k, const uint32_t *in, uint32_t m, uint32_t *out);

#endif
