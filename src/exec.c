/* exec.c: query pipelines as a chain of push operators; see exec.h.
 *
 * The source scans its records and pushes each row into the first operator;
 * each operator filters, transforms or buffers rows and pushes on. A row is
 * either a source record (decoded lazily, slot by slot) or a computed array of
 * values (after select, group, agg, count). Record pointers stay valid for the
 * whole read transaction, so buffering a source row copies nothing. */
#include "exec.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cohort.h"
#include "eval.h"
#include "kpi.h"
#include "rfm.h"

typedef struct prow {
    const uint8_t *rec; /* source record, or NULL */
    size_t reclen;
    colblock *cb; /* or a source row as row CI of a block of account columns */
    uint32_t ci;
    value *cols;      /* computed row, or NULL */
    const value *ext; /* a source row's added fields (shape.ext), or NULL */
} prow;

/* What rows look like at some point of the pipeline. */
typedef struct shape {
    bool src;      /* source records of pipeline->entity */
    extfields ext; /* source rows: fields a stage added (rfm), carried in prow.ext */
    int ncols;     /* computed rows */
    const char **names;
    uint8_t *types;
} shape;

typedef struct pipeline pipeline;
typedef struct op op;

struct op {
    int (*push)(op *o, const prow *r); /* 0 go on, 1 stop sending, -1 error */
    /* Rows SEL[0..N) of a block of account columns (all N rows when SEL is
     * NULL), as push() of each would take them; NULL: push_block() pushes
     * them one by one. */
    int (*block)(op *o, colblock *b, const uint32_t *sel, uint32_t n);
    int (*done)(op *o); /* input finished: flush */
    void (*free)(op *o);
    op *next;
    op *all; /* every operator planned, for freeing whether or not planning finished */
    pipeline *p;
    const stage *st;
};

struct pipeline {
    session *s;
    arena *a;      /* statement arena: plans and computed rows */
    arena scratch; /* per-row temporaries, reset after each row */
    diag *d;
    const char *src;
    store_txn *txn;
    int entity;
    ectx ec;
    plan_ctx pc0; /* source planning context (parents) */
    regex_obj *regexes;
    op *ops;     /* newest first, through op.all */
    int nstages; /* stages of the statement that run (a mutation runs all but its last) */
    /* sink for exec_collect() */
    int (*collect)(void *ctx, const uint8_t *rec, size_t len, const value *ext);
    void *collect_ctx;
    extfields *collect_ext; /* OUT: the fields the collected rows carry */
    int collect_rc;         /* what collect returned when it stopped the scan */
    long rows_out;
    uint32_t blockno; /* the block of columns being pushed, when two threads share them */
    bool one_thread;  /* no second thread (see push_cols_shared()) */
};

/* Points the evaluation context at row R. */
static void bind_row(pipeline *p, const prow *r)
{
    if (r->cols) {
        p->ec.cols = r->cols;
    } else if (r->cb) {
        ectx_colrow(&p->ec, r->cb, r->ci);
        p->ec.ext = NULL;
    } else {
        if (r->rec != p->ec.rec) ectx_row(&p->ec, r->rec, r->reclen);
        p->ec.ext = r->ext;
    }
}

static int push_next(op *o, const prow *r)
{
    return o->next->push(o->next, r);
}

/* Pushes rows SEL[0..N) (all N when SEL is NULL) of block B into O, one by one. */
static int push_rows(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        prow r = {.cb = b, .ci = sel ? sel[j] : j};
        int k = o->push(o, &r);
        if (k) return k;
    }
    return 0;
}

/* The same, all at once when O can. */
static int push_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    return o->block ? o->block(o, b, sel, n) : push_rows(o, b, sel, n);
}
static int done_nothing(op *o)
{
    (void)o;
    return 0;
}
static void free_nothing(op *o)
{
    (void)o;
}

/* Sets up a planning context for rows of shape SH. */
static void plan_for(pipeline *p, plan_ctx *pc, const shape *sh)
{
    if (sh->src) {
        *pc = p->pc0;
        pc->ext = sh->ext;
    } else {
        plan_source(pc, p->txn, p->a, p->d, -1, &p->regexes);
        pc->ncols = sh->ncols;
        pc->colnames = sh->names;
        pc->coltypes = sh->types;
        pc->src = p->src;
    }
    pc->aggs = NULL;
    pc->naggs = pc->aggcap = 0;
    pc->allow_agg = false;
}

/* ---- where ---- */

typedef struct where_op {
    op o;
    node *cond;
    filter *fast; /* compiled form of COND, or of its first conjuncts, or NULL */
    /* the conjuncts FAST leaves out, in order; without FAST, all the
     * conjuncts of COND when one of them reads only a parent; none: COND */
    node *rest[FILTER_REST];
    int nrest;
    int8_t parent[FILTER_REST]; /* REST[i] reads the row only through its parent K
                                 * (account.x of an interaction): K, else -1 */
    uint32_t *sel;              /* where_block(): the rows that pass */
    uint32_t cap;
    uint8_t *memo; /* where_block(): per conjunct of a parent and key code, its
                    * answer: 0, 1, or 2 when not yet known */
    size_t capmemo;
} where_op;

/* Whether row R passes: 1, 0, or -1 on error. */
static int where_test(where_op *w, const prow *r)
{
    pipeline *p = w->o.p;
    int k = -1; /* the whole condition decides */
    if (w->fast && (r->rec || r->cb)) {
        k = r->cb ? filter_run_cols(w->fast, r->cb, r->ci) : filter_run(w->fast, r->rec, r->reclen);
        if (k == 0) return 0;
        if (k > 0 && !w->nrest) return 1;
    } else if (!w->fast && w->nrest) {
        k = 1;
    }
    bind_row(p, r);
    p->ec.a = &p->scratch;
    if (k > 0) /* the compiled conjuncts hold (or there are none): the others decide, in order */
        for (int i = 0; i < w->nrest && k > 0; i++)
            k = eval_cond(&p->ec, w->rest[i]);
    else
        k = eval_cond(&p->ec, w->cond);
    arena_reset(&p->scratch);
    p->ec.a = p->a;
    return k;
}

/* The rows W->sel[0..N) of block B that pass the conjuncts W->rest, in
 * order, left in W->sel: their number, or -1 on error. A conjunct that
 * reads the row only through its parent (an interaction's account.region)
 * is evaluated once for the rows of one parent in the block: they share a
 * code of its key column. */
static int rest_block(where_op *w, colblock *b, uint32_t n)
{
    pipeline *p = w->o.p;
    const colvec *kc[FILTER_REST];
    size_t stride = 0;
    for (int i = 0; i < w->nrest; i++) {
        kc[i] = NULL;
        if (w->parent[i] < 0) continue;
        const colvec *c = colblock_col(b, (unsigned)p->ec.parents[w->parent[i]].key_slot);
        if (c->kind != COL_DICT) continue;
        kc[i] = c;
        if (stride < c->ndict + 1u) stride = c->ndict + 1u; /* + 1: the rows of a null key */
    }
    if (stride) {
        if (w->capmemo < stride * (size_t)w->nrest) {
            free(w->memo);
            w->memo = xmalloc(w->capmemo = stride * (size_t)w->nrest);
        }
        memset(w->memo, 2, stride * (size_t)w->nrest);
    }
    uint32_t m = 0;
    int k = 1;
    p->ec.a = &p->scratch;
    for (uint32_t j = 0; j < n && k >= 0; j++) {
        prow r = {.cb = b, .ci = w->sel[j]};
        bind_row(p, &r);
        k = 1;
        for (int i = 0; i < w->nrest && k > 0; i++) {
            uint8_t *known = NULL;
            if (kc[i]) {
                const colvec *c = kc[i];
                uint32_t code = col_isnull(c, r.ci) ? c->ndict : col_code(c, r.ci);
                known = &w->memo[(size_t)i * stride + code];
                if (*known != 2) {
                    k = *known;
                    continue;
                }
            }
            k = eval_cond(&p->ec, w->rest[i]);
            if (known && k >= 0) *known = (uint8_t)k;
        }
        arena_reset(&p->scratch);
        if (k > 0) w->sel[m++] = r.ci;
    }
    p->ec.a = p->a;
    return k < 0 ? -1 : (int)m;
}

static int where_push(op *o, const prow *r)
{
    int k = where_test((where_op *)o, r);
    if (k < 0) return -1;
    return k ? push_next(o, r) : 0;
}

/* The rows of a block that pass, passed on together, when the next stage
 * takes blocks (count, group, where); before a stage that may stop early
 * (limit), row by row, so that no row past its end is tested: a row's error
 * there would not be raised. */
static int where_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    where_op *w = (where_op *)o;
    if (!o->next->block) return push_rows(o, b, sel, n);
    if (w->cap < n) {
        free(w->sel);
        w->sel = xmalloc(sizeof *w->sel * (w->cap = n));
    }
    uint32_t m = 0;
    int f = -1;
    if (w->fast) {
        f = filter_block(w->fast, b, sel, n, w->sel);
    } else if (w->nrest) {
        for (uint32_t j = 0; j < n; j++)
            w->sel[j] = sel ? sel[j] : j;
        f = (int)n;
    }
    if (f >= 0 && w->nrest) { /* the compiled conjuncts hold: the others decide, in order */
        int k = rest_block(w, b, (uint32_t)f);
        if (k < 0) return -1;
        m = (uint32_t)k;
    } else if (f >= 0) {
        m = (uint32_t)f;
    } else { /* row by row (a value of an unexpected type) */
        for (uint32_t j = 0; j < n; j++) {
            prow r = {.cb = b, .ci = sel ? sel[j] : j};
            int k = where_test(w, &r);
            if (k < 0) return -1;
            if (k) w->sel[m++] = r.ci;
        }
    }
    return m ? push_block(o->next, b, w->sel, m) : 0;
}

static void where_free(op *o)
{
    free(((where_op *)o)->sel);
    free(((where_op *)o)->memo);
}

/* The parent K when N reads its row through parent K's fields only (and
 * reads one), -1 when it reads anything else of the row, -2 when nothing. */
static int parent_only(const node *n)
{
    if (n->kind == N_AGG) return -1;
    if (n->kind == N_FIELD)
        return n->scope == SC_PARENT0 || n->scope == SC_PARENT1 ? n->scope - SC_PARENT0 : -1;
    int k = -2;
    for (int i = 0; i < n->n; i++) {
        int c = parent_only(n->a[i]);
        if (c == -1 || (c >= 0 && k >= 0 && c != k)) return -1;
        if (c >= 0) k = c;
    }
    return k;
}

/* The conjuncts of N's `and` chain, left to right, after the K in OUT: the
 * new count, or -1 when there are more than FILTER_REST. */
static int conjuncts(node *n, node **out, int k)
{
    if (n->kind == N_BIN && n->op == OP_AND) {
        k = conjuncts(n->a[0], out, k);
        return k < 0 ? -1 : conjuncts(n->a[1], out, k);
    }
    if (k == FILTER_REST) return -1;
    out[k] = n;
    return k + 1;
}

/* Sets up W's conjuncts: those the compiled filter leaves (or, without
 * one, all of them when one reads only a parent), and which read only a
 * parent. */
static void where_plan(where_op *w, bool src)
{
    if (src) w->fast = filter_compile_prefix(w->o.p->a, w->cond, w->rest, &w->nrest);
    if (src && !w->fast) {
        int k = conjuncts(w->cond, w->rest, 0);
        bool any = false;
        for (int i = 0; i < k; i++)
            any = any || parent_only(w->rest[i]) >= 0;
        w->nrest = any ? k : 0;
    }
    for (int i = 0; i < w->nrest; i++) {
        int k = parent_only(w->rest[i]);
        w->parent[i] = (int8_t)(k >= 0 ? k : -1);
    }
}

/* ---- sort (bounded when a limit follows) ---- */

typedef struct sort_row {
    prow r;
    value *keys;
    size_t seq;
    uint8_t *own; /* a row of columns kept: its record, built (sort_own()), or NULL */
} sort_row;

typedef struct sort_op {
    op o;
    item *keys;
    int nkeys;
    sort_row *rows;
    size_t n, cap;
    size_t keep;    /* rows a following limit can use; 0 = all */
    size_t skip;    /* of them, the first ones it skips (its offset) */
    size_t seq;     /* arrival order, the last tie-breaker */
    bool ordered;   /* rows come in this sort's order (store_scan_by_revenue(),
                     * key_sort()): the first KEEP are the answer */
    bool lead;      /* rows come in the order of the first key (time_sort()): the
                     * answer is among those up to the KEEP-th with a non-null first
                     * key and its ties */
    bool back;      /* and in the reverse of the order a scan gives them: ties go
                     * by the arrival order reversed */
    size_t nlead;   /* rows with a non-null first key, */
    size_t lead_at; /* the last of them */
    arena ka[2];    /* the rows' keys, in ka[cur]; a top-N's cutback moves the kept
                     * ones to the other, so that memory does not grow with the input */
    int cur;
    bool cut; /* a top-N has cut back: rows[keep - 1] is the worst it keeps, and
               * a row that sorts after it is dropped at once */
    arena kt; /* the keys of a row being weighed against it */
    rbuf enc; /* sort_own(): a record being built, */
    value *vals;
    unsigned nvals;
    uint32_t *sel; /* sort_block(): the rows of a block not dropped at once */
    uint32_t nsel;
} sort_op;

static value keep_value(arena *a, value v);

static int sort_cmp(const void *a, const void *b, void *ctx)
{
    const sort_op *s = ctx;
    const sort_row *x = a, *y = b;
    /* Ctrl-C: every pair equal, so that a sort of millions ends at once
     * (its order no longer matters; the caller then stops) */
    if (exec_cancelled(s->o.p->s)) return 0;
    for (int i = 0; i < s->nkeys; i++) {
        const value *u = &x->keys[i], *v = &y->keys[i];
        bool un = u->type == T_NULL, vn = v->type == T_NULL;
        if (un || vn) { /* nulls last, whatever the direction, unless nulls first */
            if (un != vn) return un != s->keys[i].nulls_first ? 1 : -1;
            continue;
        }
        int c = value_cmp(u, v);
        if (c) return s->keys[i].desc ? -c : c;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keeps row SR, a row of block B of columns, as a record of its own: the
 * block is gone by the time the sort gives its rows. */
static void sort_own(sort_op *s, sort_row *sr, colblock *b, uint32_t i)
{
    if (b->nslots > s->nvals) {
        s->nvals = b->nslots;
        s->vals = xrealloc(s->vals, sizeof *s->vals * s->nvals);
    }
    for (unsigned k = 0; k < b->nslots; k++)
        s->vals[k] = col_get(colblock_col(b, k), i);
    rec_encode(&s->enc, s->vals, (int)b->nslots);
    sr->own = xmalloc(s->enc.len ? s->enc.len : 1);
    memcpy(sr->own, s->enc.data, s->enc.len);
    sr->r = (prow){.rec = sr->own, .reclen = s->enc.len};
}

/* Puts the K first of rows R[0..N) in sort_cmp()'s order (a total order:
 * the arrival order breaks ties) before the others, in no particular order:
 * Hoare's selection, median of three. */
static void select_rows(sort_row *r, size_t n, size_t k, sort_op *s)
{
    size_t lo = 0, hi = n; /* position K's boundary lies in [lo, hi] */
    while (hi - lo > 16 && k > lo && k < hi) {
        size_t mid = lo + (hi - lo) / 2;
        sort_row t;
        if (sort_cmp(&r[mid], &r[lo], s) < 0) t = r[mid], r[mid] = r[lo], r[lo] = t;
        if (sort_cmp(&r[hi - 1], &r[lo], s) < 0) t = r[hi - 1], r[hi - 1] = r[lo], r[lo] = t;
        if (sort_cmp(&r[hi - 1], &r[mid], s) < 0) t = r[hi - 1], r[hi - 1] = r[mid], r[mid] = t;
        sort_row p = r[mid];
        ptrdiff_t i = (ptrdiff_t)lo - 1, j = (ptrdiff_t)hi;
        for (;;) { /* [lo, j] before P or P, [j + 1, hi) P or after */
            do
                i++;
            while (sort_cmp(&r[i], &p, s) < 0);
            do
                j--;
            while (sort_cmp(&r[j], &p, s) > 0);
            if (i >= j) break;
            t = r[i], r[i] = r[j], r[j] = t;
        }
        if (k <= (size_t)j)
            hi = (size_t)j + 1;
        else
            lo = (size_t)j + 1;
    }
    if (k > lo && k < hi) qsort_r(r + lo, hi - lo, sizeof *r, sort_cmp, s);
}

/* A copy in TO of the N keys of a row that stays, text included. */
static value *keep_keys(arena *to, const value *keys, int n)
{
    value *k = arena_alloc(to, sizeof(value) * (size_t)n);
    for (int j = 0; j < n; j++)
        k[j] = keep_value(to, keys[j]);
    return k;
}

static int sort_push(op *o, const prow *r)
{
    sort_op *s = (sort_op *)o;
    pipeline *p = o->p;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->rows = xrealloc(s->rows, s->cap * sizeof *s->rows);
    }
    bind_row(p, r);
    sort_row *sr = &s->rows[s->n];
    sr->r = *r;
    sr->own = NULL;
    sr->seq = s->back ? SIZE_MAX - s->seq++ : s->seq++;
    arena *a = p->ec.a;
    p->ec.a = s->cut ? &s->kt : &s->ka[s->cur]; /* (computed keys too) */
    sr->keys = arena_alloc(p->ec.a, sizeof(value) * (size_t)s->nkeys);
    int rc = 0;
    for (int i = 0; i < s->nkeys && rc == 0; i++)
        rc = eval(&p->ec, s->keys[i].e, &sr->keys[i]);
    p->ec.a = a;
    if (rc) return -1;
    if (s->cut) { /* kept only if it sorts before the worst kept (ties: the earlier first) */
        bool in = sort_cmp(sr, &s->rows[s->keep - 1], s) < 0;
        if (in) sr->keys = keep_keys(&s->ka[s->cur], sr->keys, s->nkeys);
        arena_reset(&s->kt);
        if (!in) return 0;
    }
    if (r->cb) sort_own(s, sr, r->cb, r->ci);
    s->n++;
    if (s->ordered && s->n == s->keep) return 1;
    if (s->lead) {
        const value *k = &sr->keys[0];
        if (k->type == T_NULL) return 0; /* (last in the sort, whatever the order) */
        if (s->nlead >= s->keep && !value_eq(k, &s->rows[s->lead_at].keys[0])) {
            s->n--; /* past the KEEP-th key and its ties: done */
            return 1;
        }
        s->nlead++;
        s->lead_at = s->n - 1;
        return 0;
    }
    /* top-N: cut back whenever twice the rows needed pile up, the first
     * KEEP picked (unsorted) and the worst of them put last */
    if (s->keep && s->n >= 2 * s->keep + 1024) {
        select_rows(s->rows, s->n, s->keep, s);
        size_t w = 0;
        for (size_t i = 1; i < s->keep; i++)
            if (sort_cmp(&s->rows[i], &s->rows[w], s) > 0) w = i;
        sort_row t = s->rows[w];
        s->rows[w] = s->rows[s->keep - 1], s->rows[s->keep - 1] = t;
        for (size_t i = s->keep; i < s->n; i++)
            free(s->rows[i].own);
        s->n = s->keep;
        arena *to = &s->ka[!s->cur];
        arena_reset(to);
        for (size_t i = 0; i < s->n; i++)
            s->rows[i].keys = keep_keys(to, s->rows[i].keys, s->nkeys);
        arena_reset(&s->ka[s->cur]);
        s->cur = !s->cur;
        s->cut = true;
    }
    return 0;
}

static int sort_done(op *o)
{
    sort_op *s = (sort_op *)o;
    if (s->n && !s->ordered && s->keep) {
        /* a limit takes rows [skip, keep): the first KEEP picked from the
         * rest, the first SKIP of them (which it only counts) from the
         * others, and only those in between sorted */
        size_t keep = s->keep < s->n ? s->keep : s->n, skip = s->skip < keep ? s->skip : keep;
        if (keep < s->n) select_rows(s->rows, s->n, keep, s);
        if (skip) select_rows(s->rows, keep, skip, s);
        qsort_r(s->rows + skip, keep - skip, sizeof *s->rows, sort_cmp, s);
    } else if (s->n && !s->ordered) {
        qsort_r(s->rows, s->n, sizeof *s->rows, sort_cmp, s);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (exec_cancelled(o->p->s)) return diag_setf(o->p->d, DIAG_INTERRUPT, "interrupted");
        int rc = push_next(o, &s->rows[i].r);
        if (rc) return rc < 0 ? -1 : 0;
    }
    return 0;
}

/* sort_push() of rows SEL[0..N) of block B of columns: once the sort has
 * cut back and its first key is a field held as integers or prices, only
 * the rows whose value could sort at or before the worst kept one, picked
 * by comparing the stored offsets (nulls sort last, so never). */
static int sort_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    sort_op *s = (sort_op *)o;
    const node *e = s->keys[0].e;
    if (s->cut && e->kind == N_FIELD && e->scope == SC_REC && !s->keys[0].nulls_first) {
        if (n > s->nsel) s->sel = xrealloc(s->sel, sizeof *s->sel * (s->nsel = n));
        int m = col_keep_cmp(colblock_col(b, (unsigned)e->slot), s->keys[0].desc ? OP_GE : OP_LE,
                             s->rows[s->keep - 1].keys[0], sel, n, s->sel);
        if (m >= 0) sel = s->sel, n = (uint32_t)m;
    }
    return push_rows(o, b, sel, n);
}

static void sort_free(op *o)
{
    sort_op *s = (sort_op *)o;
    for (size_t i = 0; i < s->n; i++)
        free(s->rows[i].own);
    rbuf_free(&s->enc);
    free(s->vals);
    free(s->sel);
    free(s->rows);
    arena_free(&s->ka[0]);
    arena_free(&s->ka[1]);
    arena_free(&s->kt);
}

/* ---- limit ---- */

typedef struct limit_op {
    op o;
    int64_t skip, left;
} limit_op;

static int limit_push(op *o, const prow *r)
{
    limit_op *l = (limit_op *)o;
    if (l->skip > 0) {
        l->skip--;
        return 0;
    }
    if (l->left <= 0) return 1;
    l->left--;
    int rc = push_next(o, r);
    if (rc) return rc;
    return l->left <= 0 ? 1 : 0;
}

/* ---- select ---- */

typedef struct select_op {
    op o;
    item *items;
    int n;
} select_op;

static int select_push(op *o, const prow *r)
{
    select_op *s = (select_op *)o;
    pipeline *p = o->p;
    bind_row(p, r);
    value *cols = arena_alloc(p->a, sizeof(value) * (size_t)(s->n ? s->n : 1));
    for (int i = 0; i < s->n; i++)
        if (eval(&p->ec, s->items[i].e, &cols[i])) return -1;
    prow out = {.cols = cols};
    return push_next(o, &out);
}

/* ---- group by / agg ---- */

typedef struct dset { /* a set of values, for count_distinct */
    value *v;         /* the N values in order while they come so (!HASHED), else a
                       * table: open addressing on value_hash, CAP a power of two */
    size_t n, cap;
    size_t last; /* HASHED: the slot of the value last added or found, + 1 (0: none) */
    bool hashed;
} dset;

typedef struct acc {
    int64_t count;
    union {       /* by the aggregate (one per group: a million groups of a few) */
        xsum sum; /* sum/avg: exact for integers and prices, so in any order */
        struct {
            value best;  /* min/max */
            uint32_t at; /* the number of the block of columns BEST came from, when
                          * two threads share the blocks: of equal ones the first wins */
        };
        struct {
            double *xs; /* median/percentile samples */
            size_t nx, capx;
        };
        dset set; /* count_distinct */
    };
} acc;

typedef struct group {
    value *keys;
    acc *accs;
    uint64_t hash;
} group;

enum { GROUP_KCOLS = 4 }; /* keys read as codes from the columns, at most */

typedef struct group_op {
    op o;
    item *keys;
    int nkeys;
    item *aggs; /* output expressions containing aggregates */
    int naggs;
    node **fns; /* the aggregate calls inside them */
    int nfns;
    group *groups;
    size_t ngroups, capgroups;
    size_t *table; /* open addressing: group index + 1, 0 = empty */
    size_t tcap;
    bool ordered;    /* the groups were made in key order: no table yet */
    bool always_one; /* agg: one row even without input */
    /* rows from account columns (see group_push_cols()) */
    int keyslot[GROUP_KCOLS]; /* the keys are these fields (text, or an integer type) */
    int nkeyslot;             /* (their number: 0 when not all are) */
    int keyfn[GROUP_KCOLS];   /* or year(), month() … (F_YEAR …) of that date field; -1 */
    struct datepart *dp;      /* [GROUP_KCOLS] those keys' codes of a block: part_column() */
    int keyparent;            /* or, the one key reads the row only through parent K
                               * (account.tier): K, and KEYSLOT[0] is the parent's key field */
    int *argslot;             /* [nfns]: the aggregate's argument is this field, or -1 */
    uint32_t *bycode;         /* the current block's key dictionary: group index + 1, 0 = not yet */
    uint32_t capcode;
    uint64_t serial; /* the block BYCODE is for */
    uint32_t *gi;    /* group_block(): each row's key code, then (when some
                      * aggregate folds row by row) its group */
    uint32_t capgi;
    /* group_block(): per key code of the block, the rows, and the non-null
     * rows and sum of offsets of column SUMSLOT */
    uint32_t *all, *cnt, *row; /* ROW: a row of each key code */
    uint64_t *sum;
    uint32_t capsum;
    int sumslot;
    struct keycache *kcache; /* see key_group() */
    uint32_t nkcache;
    struct keydict *kd; /* [nkeyslot] several keys held as codes: see combo_group() */
    uint64_t *cword;    /* their combinations met, as words of key ids (open addressing) */
    uint32_t *cgi;      /* and each one's group index + 1, 0 = empty slot */
    size_t ncomb, capcomb;
    size_t chits; /* lookups that found their combination in that table */
    bool nocombo; /* the table did not pay: most combinations were new */
} group_op;

/* The distinct values of one of several group keys held as codes, each with
 * a dense id (see combo_group()). */
typedef struct keydict {
    value *v;        /* [n] by id (text in the pipeline's arena) */
    uint32_t *table; /* open addressing: id + 1, 0 = empty; CAP slots */
    uint32_t n, cap;
    uint32_t *bycode; /* the current block's codes: id + 1, 0 = not yet */
    uint32_t capcode;
} keydict;

/* A key of few bytes and the index of its group (see key_group()). */
enum { KCACHE_BITS = 11 };
typedef struct keycache {
    uint64_t word; /* the bytes of a text, or an integer */
    uint32_t tag;  /* 0: empty; a text's length + 1; 16 + an integer's type */
    uint32_t gi;
} keycache;

/* Copies text of V into arena A so it outlives the row. */
static value keep_value(arena *a, value v)
{
    if (v.type == T_TEXT) v.s = arena_strndup(a, v.s, v.len);
    return v;
}

/* Puts the N values of S, from V[0..N) (in order, or a table of OLDCAP
 * slots), into a new table of CAP slots. */
static void dset_table(dset *s, size_t oldcap, size_t cap)
{
    value *nv = xcalloc(cap, sizeof(value));
    for (size_t i = 0; i < (s->hashed ? oldcap : s->n); i++) {
        if (s->v[i].type == T_NULL) continue;
        size_t j = value_hash(&s->v[i], 0) & (cap - 1);
        while (nv[j].type != T_NULL)
            j = (j + 1) & (cap - 1);
        nv[j] = s->v[i];
    }
    free(s->v);
    s->v = nv;
    s->cap = cap;
    s->hashed = true;
}

static bool dset_add(dset *s, value v, arena *a)
{
    /* values that come in order (interactions by account) are new when
     * after the last one: no hashing until one comes before it */
    if (!s->hashed) {
        int c = s->n ? value_cmp(&v, &s->v[s->n - 1]) : 1;
        if (c == 0) return false;
        if (c > 0) {
            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 16;
                s->v = xrealloc(s->v, s->cap * sizeof(value));
            }
            s->v[s->n++] = keep_value(a, v);
            return true;
        }
        size_t cap = 16;
        while (s->n * 2 >= cap)
            cap *= 2;
        dset_table(s, 0, cap);
    }
    /* rows often come grouped by the value: a repeat of the last one needs
     * no hashing */
    if (s->last && value_eq(&s->v[s->last - 1], &v)) return false;
    if (s->n * 2 >= s->cap) dset_table(s, s->cap, s->cap * 2);
    size_t j = value_hash(&v, 0) & (s->cap - 1);
    while (s->v[j].type != T_NULL) {
        if (value_eq(&s->v[j], &v)) {
            s->last = j + 1;
            return false;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->v[j] = keep_value(a, v);
    s->n++;
    s->last = j + 1;
    return true;
}

/* -1, 0 or 1 as the N keys A come before, equal or after the N keys B. */
static int keys_cmp(const value *a, const value *b, int n)
{
    for (int i = 0; i < n; i++) {
        int c = value_cmp(&a[i], &b[i]);
        if (c) return c;
    }
    return 0;
}

/* A new group of KEYS (hash H), copied into G's arena, its accumulators zero. */
static group group_make(group_op *g, const value *keys, uint64_t h)
{
    arena *a = g->o.p->a;
    group gr = {.hash = h, .keys = keep_keys(a, keys, g->nkeys)};
    gr.accs = arena_calloc(a, (size_t)(g->nfns ? g->nfns : 1), sizeof(acc));
    return gr;
}

/* Rebuilds G's table for its groups, at least twice as big as their number. */
static void group_table(group_op *g)
{
    size_t cap = g->tcap ? g->tcap : 64;
    while (g->ngroups * 2 >= cap)
        cap *= 2;
    size_t *t = xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < g->ngroups; i++) {
        size_t j = g->groups[i].hash & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = i + 1;
    }
    free(g->table);
    g->table = t;
    g->tcap = cap;
}

/* The group of KEYS, made when new (*CREATED). While the keys come in
 * order (interactions by account, each thread's share of them too), a key
 * after the last group's is new: no table is kept (G->ordered) until a key
 * comes before it. */
static group *group_find(group_op *g, const value *keys, bool *created)
{
    uint64_t h = keys_hash(keys, g->nkeys);
    size_t j = 0;
    if (g->ordered && g->ngroups) {
        group *last = &g->groups[g->ngroups - 1];
        int c = keys_cmp(keys, last->keys, g->nkeys);
        if (c == 0) {
            *created = false;
            return last;
        }
        if (c < 0) g->ordered = false;
    }
    if (!g->ordered) {
        if (g->ngroups * 2 >= g->tcap) group_table(g);
        j = h & (g->tcap - 1);
        while (g->table[j]) {
            group *gr = &g->groups[g->table[j] - 1];
            if (gr->hash == h && keys_eq(gr->keys, keys, g->nkeys)) {
                *created = false;
                return gr;
            }
            j = (j + 1) & (g->tcap - 1);
        }
    }
    if (g->ngroups == g->capgroups) {
        g->capgroups = g->capgroups ? g->capgroups * 2 : 64;
        g->groups = xrealloc(g->groups, g->capgroups * sizeof *g->groups);
    }
    g->groups[g->ngroups] = group_make(g, keys, h);
    if (!g->ordered) g->table[j] = g->ngroups + 1;
    *created = true;
    return &g->groups[g->ngroups++];
}

/* Folds V, one row's argument of aggregate FN, into accumulator A. */
static void acc_fold(pipeline *p, const node *fn, acc *a, value v)
{
    if (fn->op == AG_COUNT && fn->n == 0) {
        a->count++;
        return;
    }
    if (v.type == T_NULL) return;
    switch (fn->op) {
    case AG_COUNT: a->count++; break;
    case AG_COUNT_DISTINCT:
        if (dset_add(&a->set, v, p->a)) a->count++;
        break;
    case AG_SUM:
    case AG_AVG:
        a->count++;
        if (v.type == T_INT)
            xsum_int(&a->sum, v.i);
        else
            xsum_num(&a->sum, v.n);
        break;
    case AG_MIN:
    case AG_MAX: {
        int c = a->count++ ? value_cmp(&v, &a->best) : 0;
        if (a->count == 1 || (fn->op == AG_MIN ? c < 0 : c > 0)) {
            a->best = keep_value(p->a, v);
            a->at = p->blockno;
        }
        break;
    }
    case AG_MEDIAN:
    case AG_PERCENTILE:
        if (a->nx == a->capx) {
            a->capx = a->capx ? a->capx * 2 : 16;
            a->xs = xrealloc(a->xs, a->capx * sizeof(double));
        }
        a->xs[a->nx++] = v.type == T_INT ? (double)v.i : v.n;
        a->count++;
        break;
    default: break;
    }
}

/* Folds one row's argument values into accumulator A of aggregate FN. */
static int acc_add(pipeline *p, const node *fn, acc *a)
{
    value v = v_null();
    if (fn->n > 0 && eval(&p->ec, fn->a[0], &v)) return -1;
    acc_fold(p, fn, a, v);
    return 0;
}

/* Moves the K-th smallest of XS[0..N) to XS[K], none greater before it and
 * none less after it (Hoare's selection, median-of-three pivots): linear
 * time on average, where sorting the samples took n log n. */
static void select_kth(double *xs, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (lo < hi) {
        double a = xs[lo], b = xs[lo + (hi - lo) / 2], c = xs[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        ptrdiff_t i = lo, j = hi;
        while (i <= j) { /* each scan stops at a value equal to the pivot */
            while (xs[i] < pivot)
                i++;
            while (xs[j] > pivot)
                j--;
            if (i <= j) {
                double t = xs[i];
                xs[i++] = xs[j];
                xs[j--] = t;
            }
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return; /* between the two parts: equal to the pivot */
    }
}

/* Continuous percentile (linear interpolation between closest ranks), as
 * DuckDB's quantile_cont and PostgreSQL's percentile_cont. Reorders XS. */
static double percentile_of(double *xs, size_t n, double f)
{
    double pos = f * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = (size_t)ceil(pos);
    select_kth(xs, n, lo);
    double x = xs[lo], y = x;
    if (hi != lo) { /* the next rank: the least of those after LO */
        y = xs[hi];
        for (size_t i = hi + 1; i < n; i++)
            if (xs[i] < y) y = xs[i];
    }
    return x + (y - x) * (pos - (double)lo);
}

static value acc_result(const node *fn, acc *a)
{
    switch (fn->op) {
    case AG_COUNT:
    case AG_COUNT_DISTINCT: return v_int(a->count);
    case AG_SUM:
        if (!a->count) return v_null();
        if (fn->type == T_INT && !a->sum.inexact && a->sum.cents / 100 >= INT64_MIN &&
            a->sum.cents / 100 <= INT64_MAX)
            return v_int((int64_t)(a->sum.cents / 100)); /* else a number, as past int64 */
        return v_num(xsum_value(&a->sum));
    case AG_AVG: return a->count ? v_num(xsum_value(&a->sum) / (double)a->count) : v_null();
    case AG_MIN:
    case AG_MAX: return a->count ? a->best : v_null();
    case AG_MEDIAN: return a->nx ? v_num(percentile_of(a->xs, a->nx, 0.5)) : v_null();
    case AG_PERCENTILE: {
        const node *pn = fn->a[1];
        double f = pn->v.type == T_INT ? (double)pn->v.i : pn->v.n;
        return a->nx ? v_num(percentile_of(a->xs, a->nx, f)) : v_null();
    }
    default: return v_null();
    }
}

/* Whether a key column holds its keys as codes: a dictionary, or integers
 * within 256 of the block's least (offsets of one byte or none). */
static bool coded_keys(const colvec *kc)
{
    return kc->kind == COL_DICT || (kc->kind == COL_INT && kc->width <= 1);
}

/* The number of codes of a coded key column, null's the last (a column of
 * part_column() gives the span of its offsets in NDICT). */
static uint32_t key_codes(const colvec *kc)
{
    return (kc->kind == COL_DICT || kc->ndict ? kc->ndict : 256) + 1;
}

/* The key columns of a block, each holding codes (coded_keys()): a row's
 * code combines theirs, the first varying fastest. */
typedef struct keycols {
    int n;
    const colvec *cv[GROUP_KCOLS];
    uint32_t null[GROUP_KCOLS]; /* each one's code of null: key_codes() - 1 */
    uint32_t mul[GROUP_KCOLS];  /* the product of the key_codes() of those before */
    uint32_t ncodes;            /* of all: the product of their key_codes() */
} keycols;

/* The code of row I. */
static inline uint32_t key_code(const keycols *kk, uint32_t i)
{
    uint32_t code = col_isnull(kk->cv[0], i) ? kk->null[0] : col_code(kk->cv[0], i);
    for (int k = 1; k < kk->n; k++) {
        const colvec *kc = kk->cv[k];
        code += (col_isnull(kc, i) ? kk->null[k] : col_code(kc, i)) * kk->mul[k];
    }
    return code;
}

/* Readies g->bycode for block B, whose key columns are KK. */
static void codes_of_block(group_op *g, colblock *b, const keycols *kk)
{
    if (g->serial == b->serial) return;
    uint32_t ncodes = kk->ncodes;
    if (ncodes > g->capcode) {
        free(g->bycode);
        g->capcode = ncodes;
        g->bycode = xmalloc(sizeof *g->bycode * g->capcode);
    }
    memset(g->bycode, 0, sizeof *g->bycode * ncodes);
    for (int k = 0; kk->n > 1 && k < kk->n; k++) {
        if (!g->kd) g->kd = xcalloc((size_t)g->nkeyslot, sizeof *g->kd);
        keydict *d = &g->kd[k];
        uint32_t n = key_codes(kk->cv[k]);
        if (n > d->capcode) {
            free(d->bycode);
            d->bycode = xmalloc(sizeof *d->bycode * (d->capcode = n));
        }
        memset(d->bycode, 0, sizeof *d->bycode * n);
    }
    g->serial = b->serial;
}

/* A word's hash, for a table of a power-of-two size. */
static inline uint64_t word_hash(uint64_t w)
{
    w *= UINT64_C(0x9E3779B97F4A7C15);
    return w ^ w >> 32;
}

/* The value of code CODE of coded key column KC, whose null is code NUL. */
static value code_value(const colvec *kc, uint32_t nul, uint32_t code)
{
    return code == nul ? v_null()
           : kc->kind == COL_DICT
               ? col_dict_value(kc, code)
               : (value){.type = kc->type, .i = (int64_t)((uint64_t)kc->base + code)};
}

/* The id of value V in D (a new one when D has not met it). */
static uint32_t dict_id(pipeline *p, keydict *d, value v)
{
    if (2 * (d->n + 1) > d->cap) {
        free(d->table);
        d->cap = d->cap ? d->cap * 2 : 64;
        d->table = xcalloc(d->cap, sizeof *d->table);
        d->v = xrealloc(d->v, sizeof *d->v * d->cap / 2);
        for (uint32_t id = 0; id < d->n; id++) {
            size_t j = keys_hash(&d->v[id], 1) & (d->cap - 1);
            while (d->table[j])
                j = (j + 1) & (d->cap - 1);
            d->table[j] = id + 1;
        }
    }
    size_t j = keys_hash(&v, 1) & (d->cap - 1);
    for (; d->table[j]; j = (j + 1) & (d->cap - 1))
        if (keys_eq(&d->v[d->table[j] - 1], &v, 1)) return d->table[j] - 1;
    d->v[d->n] = keep_value(p->a, v);
    d->table[j] = ++d->n;
    return d->n - 1;
}

/* The group of code CODE of several key columns KK, row I having it: each
 * key's code of the block gives that key's id (its value looked up once a
 * block), the ids side by side make a word, and a word met before gives its
 * group without hashing or comparing the values. A combination whose ids do
 * not fit the word (over 2^21 values of a key, with three keys) is asked of
 * group_find() each time, and all are once most of 4,096 or more were new
 * (keys that each block has of its own, such as account and kind: the table
 * would only add to group_find()'s). */
static uint32_t combo_group(group_op *g, const keycols *kk, uint32_t code, uint32_t i)
{
    unsigned bits = 64 / (unsigned)kk->n;
    uint64_t w = 0;
    bool fits = !g->nocombo;
    for (int k = kk->n - 1; fits && k >= 0; k--) {
        keydict *d = &g->kd[k];
        uint32_t c = code / kk->mul[k] % key_codes(kk->cv[k]);
        if (!d->bycode[c])
            d->bycode[c] = dict_id(g->o.p, d, code_value(kk->cv[k], kk->null[k], c)) + 1;
        uint64_t id = d->bycode[c] - 1;
        fits = fits && id >> bits == 0;
        w = w << bits | id;
    }
    size_t j = 0;
    if (fits) {
        if (2 * (g->ncomb + 1) > g->capcomb) { /* a table twice the size */
            size_t cap = g->capcomb ? g->capcomb * 2 : 1024;
            uint64_t *cw = xmalloc(sizeof *cw * cap);
            uint32_t *cg = xcalloc(cap, sizeof *cg);
            for (size_t s = 0; s < g->capcomb; s++) {
                if (!g->cgi[s]) continue;
                size_t t = word_hash(g->cword[s]) & (cap - 1);
                while (cg[t])
                    t = (t + 1) & (cap - 1);
                cw[t] = g->cword[s], cg[t] = g->cgi[s];
            }
            free(g->cword);
            free(g->cgi);
            g->cword = cw, g->cgi = cg, g->capcomb = cap;
        }
        for (j = word_hash(w) & (g->capcomb - 1); g->cgi[j]; j = (j + 1) & (g->capcomb - 1))
            if (g->cword[j] == w) return g->chits++, g->cgi[j] - 1;
        if (g->ncomb >= 4096 && g->ncomb > g->chits) fits = false, g->nocombo = true;
    }
    value keys[GROUP_KCOLS];
    for (int k = 0; k < kk->n; k++)
        keys[k] = col_get(kk->cv[k], i);
    bool created;
    uint32_t gi = (uint32_t)(group_find(g, keys, &created) - g->groups);
    if (fits) {
        g->cword[j] = w, g->cgi[j] = gi + 1;
        g->ncomb++;
    }
    return gi;
}

/* The index of the group of KEY, the one key: every block of columns has
 * its own dictionary, so the same few keys (managers, regions) are looked up
 * again in each; a text of up to 8 bytes or an integer is found in a table
 * of the first 1024 such keys met, words compared, before group_find() (a
 * value hash, then the values compared) is asked. */
static uint32_t key_group(group_op *g, const value *key)
{
    uint64_t w = 0;
    uint32_t tag = 0;
    if (key->type == T_TEXT && key->len <= 8) {
        memcpy(&w, key->s, key->len);
        tag = (uint32_t)key->len + 1;
    } else if (key->type == T_INT || key->type == T_BOOL || key->type == T_DATE ||
               key->type == T_DATETIME) {
        w = (uint64_t)key->i;
        tag = 16 + (uint32_t)key->type;
    }
    keycache *e = NULL;
    if (tag) {
        const size_t mask = ((size_t)1 << KCACHE_BITS) - 1;
        if (!g->kcache) g->kcache = xcalloc(mask + 1, sizeof *g->kcache);
        size_t j = ((w ^ tag) * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - KCACHE_BITS);
        for (e = &g->kcache[j]; e->tag; e = &g->kcache[j = (j + 1) & mask])
            if (e->tag == tag && e->word == w) return e->gi;
        if (g->nkcache >= (mask + 1) / 2) e = NULL; /* full enough */
    }
    bool created;
    uint32_t gi = (uint32_t)(group_find(g, key, &created) - g->groups);
    if (e) {
        *e = (keycache){.word = w, .tag = tag, .gi = gi};
        g->nkcache++;
    }
    return gi;
}

/* The index of the group of code CODE of key columns KK of block B, looked
 * up the first time the block shows it, with the keys of row I, which has
 * that code. A key read through the parent (KK: the parent's key) is
 * evaluated on row I. -1 on error. */
static int64_t group_of_key(group_op *g, colblock *b, const keycols *kk, uint32_t code, uint32_t i)
{
    if (!g->bycode[code] && g->keyparent >= 0) {
        pipeline *p = g->o.p;
        arena *a = p->ec.a;
        value key;
        bind_row(p, &(prow){.cb = b, .ci = i});
        p->ec.a = &p->scratch;
        int e = eval(&p->ec, g->keys[0].e, &key);
        if (!e) g->bycode[code] = key_group(g, &key) + 1;
        arena_reset(&p->scratch);
        p->ec.a = a;
        if (e) return -1;
    } else if (!g->bycode[code] && kk->n == 1) { /* the value of the code, no row needed */
        value key = code_value(kk->cv[0], kk->null[0], code);
        g->bycode[code] = key_group(g, &key) + 1;
    } else if (!g->bycode[code]) {
        g->bycode[code] = combo_group(g, kk, code, i) + 1;
    }
    return g->bycode[code] - 1;
}

/* A key year(at), month(created) … of a block of columns, made a column of
 * codes of its own: the part of each row's day, as offsets of one byte from
 * the block's least (so the codes machinery groups by it as by a field). */
typedef struct datepart {
    colvec cv;
    uint64_t serial; /* the block CV is for */
    bool ok;         /* the block's parts span at most 256 values */
    uint8_t *buf;    /* the codes */
    int64_t *part;   /* the parts, before the least is known */
    uint32_t cap;
} datepart;

/* Key K of G, FN(field) (keyfn), of block B as a column of codes, or NULL
 * when the parts span over 256 values or the field is not held as integers. */
static const colvec *part_column(group_op *g, colblock *b, int k)
{
    if (!g->dp) g->dp = xcalloc(GROUP_KCOLS, sizeof *g->dp);
    datepart *d = &g->dp[k];
    if (d->serial == b->serial) return d->ok ? &d->cv : NULL;
    d->serial = b->serial;
    d->ok = false;
    const colvec *src = colblock_col(b, (unsigned)g->keyslot[k]);
    if (src->kind != COL_INT && src->kind != COL_NULL) return NULL;
    if (src->n > d->cap) {
        d->cap = src->n;
        d->buf = xrealloc(d->buf, d->cap);
        d->part = xrealloc(d->part, sizeof *d->part * d->cap);
    }
    int64_t lo = INT64_MAX, hi = INT64_MIN, memo_day = INT64_MIN, memo = 0, *part = d->part;
    for (uint32_t i = 0; i < src->n; i++) {
        if (src->kind == COL_NULL || col_isnull(src, i)) continue;
        int64_t v = col_int(src, i), day = src->type == T_DATE ? v : floor_div(v, 86400);
        if (day != memo_day) memo_day = day, memo = eval_datepart(g->keyfn[k], day);
        part[i] = memo;
        if (memo < lo) lo = memo;
        if (memo > hi) hi = memo;
    }
    if (lo <= hi && hi - lo > 255) return NULL;
    for (uint32_t i = 0; i < src->n; i++)
        d->buf[i] = src->kind == COL_NULL || col_isnull(src, i) ? 0 : (uint8_t)(part[i] - lo);
    d->cv = (colvec){.kind = COL_INT,
                     .type = T_INT,
                     .width = 1,
                     .n = src->n,
                     .nulls = src->kind == COL_NULL ? NULL : src->nulls,
                     .base = lo <= hi ? lo : 0,
                     .data = d->buf,
                     .ndict = lo <= hi ? (uint32_t)(hi - lo + 1) : 1};
    if (src->kind == COL_NULL) d->cv.kind = COL_NULL;
    d->ok = true;
    return &d->cv;
}

/* The key columns of block B into *KK, when they can give the groups of its
 * rows by code: each holds codes, of its key's type (or of the parent's key,
 * for a key read through the parent), and several make at most 8,192. */
static bool key_columns(group_op *g, colblock *b, keycols *kk)
{
    kk->n = g->nkeyslot;
    kk->ncodes = 1;
    for (int k = 0; k < kk->n; k++) {
        const colvec *kc = kk->cv[k] =
            g->keyfn[k] >= 0 ? part_column(g, b, k) : colblock_col(b, (unsigned)g->keyslot[k]);
        if (!kc) return false;
        if (!coded_keys(kc) || (g->keyparent < 0 && kc->type != g->keys[k].e->type)) return false;
        kk->null[k] = key_codes(kc) - 1;
        kk->mul[k] = kk->ncodes;
        kk->ncodes *= key_codes(kc);
        if (k > 0 && kk->ncodes > 8192) return false;
    }
    return kk->n > 0;
}

/* The group of row I of block B, whose key columns are KK: each of the
 * block's keys is looked up once. NULL on error. */
static group *group_of_code(group_op *g, colblock *b, const keycols *kk, uint32_t i)
{
    codes_of_block(g, b, kk);
    int64_t k =
        group_of_key(g, b, kk, key_code(kk, i), i); /* (before reading g->groups: it may move) */
    return k < 0 ? NULL : &g->groups[k];
}

/* group_push() of row R->ci of a block of columns, when the keys are fields
 * held there as codes (key_columns()); aggregates of a
 * field read it without the tree walk. 1 when done, 0 when the block is not
 * of that form. */
static int group_push_cols(group_op *g, const prow *r)
{
    pipeline *p = g->o.p;
    keycols kk;
    if (!key_columns(g, r->cb, &kk)) return 0;
    group *gr = group_of_code(g, r->cb, &kk, r->ci);
    if (!gr) return -1;
    for (int i = 0; i < g->nfns; i++) {
        const node *fn = g->fns[i];
        value v = v_null();
        if (g->argslot[i] >= 0) {
            v = col_get(colblock_col(r->cb, (unsigned)g->argslot[i]), r->ci);
            if (v.type != fn->a[0]->type && v.type != T_NULL && eval(&p->ec, fn->a[0], &v))
                return -1; /* (a retyped field: let eval convert) */
        } else if (fn->n > 0 && eval(&p->ec, fn->a[0], &v)) {
            return -1;
        }
        acc_fold(p, fn, &gr->accs[i], v);
    }
    return 1;
}

/* Whether aggregate I can be folded by group_block() from block B: count(),
 * count, sum or avg of a number field held as numbers or integers, min or
 * max of one held as integers or hundredths. */
static bool block_agg(group_op *g, colblock *b, int i)
{
    const node *fn = g->fns[i];
    if (fn->op == AG_COUNT && fn->n == 0) return true;
    if (g->argslot[i] < 0) return false;
    const colvec *cv = colblock_col(b, (unsigned)g->argslot[i]);
    int type = fn->a[0]->type;
    if (cv->kind == COL_NULL) return true;
    switch (fn->op) {
    case AG_COUNT: return cv->kind != COL_ANY;
    case AG_SUM:
    case AG_AVG:
        return ((cv->kind == COL_HUND || cv->kind == COL_F64) && type == T_NUM) ||
               (cv->kind == COL_INT && cv->type == T_INT && type == T_INT);
    case AG_MIN:
    case AG_MAX:
        return (cv->kind == COL_HUND && type == T_NUM) || (cv->kind == COL_INT && cv->type == type);
    default: return false;
    }
}

/* Whether column CV holds integers or hundredths in offsets of at most 4
 * bytes, whose sum over a block fits 64 bits. */
static bool small_offsets(const colvec *cv)
{
    return (cv->kind == COL_INT || cv->kind == COL_HUND) && cv->width <= 4;
}

/* Whether group_block() folds aggregate FN of column CV by key code: a
 * count of rows or of non-null values, or a sum or avg of small_offsets(). */
static bool by_code(const node *fn, const colvec *cv)
{
    return fn->op == AG_COUNT || ((fn->op == AG_SUM || fn->op == AG_AVG) && small_offsets(cv));
}

/* Counts for column CV the non-null rows of each key code of the block
 * (g->cnt) and, SUMS, the sum of their offsets (g->sum): CODES[j] is the
 * code of row SEL[j] (or j). */
static void fold_codes(group_op *g, const uint32_t *codes, const uint32_t *sel, uint32_t n,
                       const colvec *cv, bool sums)
{
    unsigned w = sums ? cv->width : 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j, c = codes[j];
        if (col_isnull(cv, i)) continue;
        g->cnt[c]++;
        if (w) g->sum[c] += col_uint(cv->data + (size_t)i * w, w);
    }
}

/* The rows of a block at once, when group_push_cols() would take them and
 * every aggregate is of block_agg(): the same sums as group_push() makes
 * row by row. Counts and sums of integers and hundredths add up per key
 * code of the block first (by_code()), then once per code into its group. */
static int group_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    group_op *g = (group_op *)o;
    keycols kk;
    bool fits = key_columns(g, b, &kk);
    for (int i = 0; i < g->nfns && fits; i++)
        fits = block_agg(g, b, i);
    if (!fits) return push_rows(o, b, sel, n);
    if (g->capgi < n) {
        free(g->gi);
        g->gi = xmalloc(sizeof *g->gi * (g->capgi = n));
    }
    uint32_t ncodes = kk.ncodes;
    codes_of_block(g, b, &kk);
    if (ncodes > g->capsum) {
        g->capsum = ncodes;
        g->all = xrealloc(g->all, sizeof *g->all * ncodes);
        g->cnt = xrealloc(g->cnt, sizeof *g->cnt * ncodes);
        g->row = xrealloc(g->row, sizeof *g->row * ncodes);
        g->sum = xrealloc(g->sum, sizeof *g->sum * ncodes);
    }
    memset(g->all, 0, sizeof *g->all * ncodes);
    g->sumslot = -2;
    uint32_t *codes = g->gi;
    if (kk.n == 1 && g->keyparent < 0) /* the codes give the keys */
        for (uint32_t j = 0; j < n; j++)
            g->all[codes[j] = key_code(&kk, sel ? sel[j] : j)]++;
    else /* the keys are read (or evaluated) on a row of each code: the last */
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j, c = codes[j] = key_code(&kk, i);
            g->all[c]++;
            g->row[c] = i;
        }
    for (uint32_t c = 0; c < ncodes; c++) /* every key of the block has its group */
        if (g->all[c] && group_of_key(g, b, &kk, c, g->row[c]) < 0) return -1;
    bool rows = false;
    for (int f = 0; f < g->nfns; f++) {
        const node *fn = g->fns[f];
        const colvec *cv = fn->n ? colblock_col(b, (unsigned)g->argslot[f]) : NULL;
        if (cv && cv->kind == COL_NULL) continue;
        if (cv && !by_code(fn, cv)) {
            rows = true;
            continue;
        }
        if (cv && g->sumslot != g->argslot[f]) { /* (sum and avg of one column: once) */
            memset(g->cnt, 0, sizeof *g->cnt * ncodes);
            memset(g->sum, 0, sizeof *g->sum * ncodes);
            fold_codes(g, codes, sel, n, cv, small_offsets(cv));
            g->sumslot = g->argslot[f];
        }
        const uint32_t *cnt = cv ? g->cnt : g->all;
        for (uint32_t c = 0; c < ncodes; c++) {
            if (!cnt[c]) continue;
            acc *a = &g->groups[g->bycode[c] - 1].accs[f];
            a->count += cnt[c];
            if (fn->op == AG_COUNT) continue;
            xcents s = (xcents)g->sum[c] + (xcents)cv->base * cnt[c];
            xsum_cents(&a->sum, cv->kind == COL_INT ? s * 100 : s);
        }
    }
    if (!rows) return 0;
    for (uint32_t j = 0; j < n; j++) /* the codes become groups */
        g->gi[j] = g->bycode[codes[j]] - 1;
    for (int f = 0; f < g->nfns; f++) {
        const node *fn = g->fns[f];
        if (!fn->n) continue;
        const colvec *cv = colblock_col(b, (unsigned)g->argslot[f]);
        if (cv->kind == COL_NULL || by_code(fn, cv)) continue;
        if (fn->op == AG_MIN || fn->op == AG_MAX) { /* as acc_fold(): the first, then better ones */
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                if (col_isnull(cv, i)) continue;
                acc *a = &g->groups[g->gi[j]].accs[f];
                value v = col_get(cv, i);
                int c = a->count++ ? value_cmp(&v, &a->best) : 0;
                if (a->count == 1 || (fn->op == AG_MIN ? c < 0 : c > 0)) {
                    a->best = v;
                    a->at = g->o.p->blockno;
                }
            }
            continue;
        }
        for (uint32_t j = 0; j < n; j++) { /* sum and avg of other numbers */
            uint32_t i = sel ? sel[j] : j;
            if (col_isnull(cv, i)) continue;
            acc *a = &g->groups[g->gi[j]].accs[f];
            a->count++;
            if (cv->kind == COL_INT) {
                xsum_int(&a->sum, col_int(cv, i));
                continue;
            }
            if (cv->kind == COL_HUND) /* (a count of hundredths, as xsum_num() finds) */
                xsum_cents(&a->sum, col_int(cv, i));
            else
                xsum_num(&a->sum, col_num(cv, i));
        }
    }
    return 0;
}

static int group_push(op *o, const prow *r)
{
    group_op *g = (group_op *)o;
    pipeline *p = o->p;
    bind_row(p, r);
    if (r->cb && g->nkeyslot) {
        p->ec.a = &p->scratch;
        int k = group_push_cols(g, r);
        arena_reset(&p->scratch);
        p->ec.a = p->a;
        if (k) return k < 0 ? -1 : 0;
    }
    p->ec.a = &p->scratch;
    value keys[64];
    for (int i = 0; i < g->nkeys; i++)
        if (eval(&p->ec, g->keys[i].e, &keys[i])) return -1;
    bool created;
    group *gr = group_find(g, keys, &created);
    for (int i = 0; i < g->nfns; i++)
        if (acc_add(p, g->fns[i], &gr->accs[i])) return -1;
    arena_reset(&p->scratch);
    p->ec.a = p->a;
    return 0;
}

static int group_cmp(const void *a, const void *b, void *ctx)
{
    const group_op *g = ctx;
    if (exec_cancelled(g->o.p->s)) return 0; /* as sort_cmp() */
    return keys_cmp(((const group *)a)->keys, ((const group *)b)->keys, g->nkeys);
}

static int group_done(op *o)
{
    group_op *g = (group_op *)o;
    pipeline *p = o->p;
    if (g->always_one && g->ngroups == 0) {
        bool created;
        group_find(g, NULL, &created);
    }
    /* groups in key order, nulls last, so results are deterministic (made
     * in that order while G->ordered) */
    if (g->ngroups && !g->ordered) qsort_r(g->groups, g->ngroups, sizeof *g->groups, group_cmp, g);
    int ncols = g->nkeys + g->naggs;
    value *aggvals = arena_alloc(p->a, sizeof(value) * (size_t)(g->nfns ? g->nfns : 1));
    int rc = 0;
    for (size_t i = 0; i < g->ngroups && rc == 0; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(p->s))
            return diag_setf(p->d, DIAG_INTERRUPT, "interrupted");
        group *gr = &g->groups[i];
        for (int k = 0; k < g->nfns; k++)
            aggvals[k] = acc_result(g->fns[k], &gr->accs[k]);
        value *cols = arena_alloc(p->a, sizeof(value) * (size_t)(ncols ? ncols : 1));
        memcpy(cols, gr->keys, sizeof(value) * (size_t)g->nkeys);
        p->ec.aggvals = aggvals;
        p->ec.cols = cols; /* group keys, for agg items that use them */
        for (int k = 0; k < g->naggs; k++)
            if (eval(&p->ec, g->aggs[k].e, &cols[g->nkeys + k])) return -1;
        p->ec.aggvals = NULL;
        prow out = {.cols = cols};
        rc = push_next(o, &out);
    }
    return rc < 0 ? -1 : 0;
}

static void group_free(op *o)
{
    group_op *g = (group_op *)o;
    for (size_t i = 0; i < g->ngroups; i++) {
        for (int k = 0; k < g->nfns; k++) {
            int f = g->fns[k]->op;
            if (f == AG_MEDIAN || f == AG_PERCENTILE) free(g->groups[i].accs[k].xs);
            if (f == AG_COUNT_DISTINCT) free(g->groups[i].accs[k].set.v);
        }
    }
    free(g->groups);
    free(g->table);
    free(g->bycode);
    free(g->gi);
    free(g->all);
    free(g->cnt);
    free(g->row);
    free(g->sum);
    free(g->kcache);
    for (int k = 0; g->kd && k < g->nkeyslot; k++) {
        free(g->kd[k].v);
        free(g->kd[k].table);
        free(g->kd[k].bycode);
    }
    free(g->kd);
    free(g->cword);
    free(g->cgi);
    for (int k = 0; g->dp && k < GROUP_KCOLS; k++) {
        free(g->dp[k].buf);
        free(g->dp[k].part);
    }
    free(g->dp);
}

/* ---- count ---- */

typedef struct count_op {
    op o;
    int64_t n;
} count_op;

static int count_push(op *o, const prow *r)
{
    (void)r;
    ((count_op *)o)->n++;
    return 0;
}

static int count_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    (void)b, (void)sel;
    ((count_op *)o)->n += n;
    return 0;
}

static int count_done(op *o)
{
    value *cols = arena_alloc(o->p->a, sizeof(value));
    cols[0] = v_int(((count_op *)o)->n);
    prow out = {.cols = cols};
    return push_next(o, &out) < 0 ? -1 : 0;
}

/* ---- sinks: the renderer, or an export file ---- */

typedef struct sink_op {
    op o;
    renderer *r;
    FILE *f; /* export file, owned */
    const char *path;
    char *tmp;   /* the file F is, renamed to PATH when all is written; or NULL */
    mode_t mode; /* the mode PATH gets then */
    bool src;    /* rows are source records: decode them */
    int ncols;
    int nrec;         /* source rows: columns from the record, then the added fields */
    const int *slots; /* their slots (NULL: 0 … nrec-1) */
    const uint8_t *types;
    value *buf;
} sink_op;

static int sink_push(op *o, const prow *r)
{
    sink_op *s = (sink_op *)o;
    const value *vals = r->cols;
    if (!vals) {
        char tmp[FMT_BUF];
        for (int i = 0; i < s->nrec; i++) {
            value v = rec_get(r->rec, r->reclen, (unsigned)(s->slots ? s->slots[i] : i));
            if (v.type != s->types[i] && v.type != T_NULL) v = store_coerce(v, s->types[i], tmp);
            s->buf[i] = v;
            if (v.type == T_TEXT && v.s == tmp)
                s->buf[i].s = arena_strndup(&o->p->scratch, tmp, v.len);
        }
        for (int k = s->nrec; k < s->ncols; k++)
            s->buf[k] = r->ext ? r->ext[k - s->nrec] : v_null();
        vals = s->buf;
    }
    render_row(s->r, vals);
    arena_reset(&o->p->scratch);
    o->p->rows_out++;
    return 0;
}

static int sink_done(op *o)
{
    sink_op *s = (sink_op *)o;
    render_end(s->r);
    s->r = NULL;
    if (s->f) {
        int bad = ferror(s->f);
        if (fclose(s->f) != 0 || bad) {
            s->f = NULL;
            return diag_setf(o->p->d, DIAG_IO, "cannot write %s: %s", s->path, strerror(errno));
        }
        s->f = NULL;
        if (s->tmp && (chmod(s->tmp, s->mode) != 0 || rename(s->tmp, s->path) != 0))
            return diag_setf(o->p->d, DIAG_IO, "cannot write %s: %s", s->path, strerror(errno));
        free(s->tmp);
        s->tmp = NULL;
    }
    return 0;
}

/* Opens export file S->path: a new file beside it (S->tmp) that replaces it
 * once every row is written, so that a failed export leaves the old file as
 * it was; a device, pipe or symbolic link is written in place. */
static FILE *export_open(sink_op *s)
{
    struct stat st;
    bool exists = lstat(s->path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) return fopen(s->path, "w");
    mode_t mask = umask(0);
    umask(mask);
    s->mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
    size_t n = strlen(s->path);
    s->tmp = xmalloc(n + 16);
    snprintf(s->tmp, n + 16, "%s.tmp-XXXXXX", s->path);
    int fd = mkstemp(s->tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) close(fd), unlink(s->tmp);
        free(s->tmp);
        s->tmp = NULL;
        errno = e;
    }
    return f;
}

static void sink_free(op *o)
{
    sink_op *s = (sink_op *)o;
    if (s->r) render_abort(s->r); /* the statement failed */
    if (s->f) fclose(s->f);
    if (s->tmp) unlink(s->tmp); /* the statement failed: the old file stays */
    free(s->tmp);
    free(s->buf);
}

/* ---- the collector of exec_collect() ---- */

static int collect_push(op *o, const prow *r)
{
    int rc = o->p->collect(o->p->collect_ctx, r->rec, r->reclen, r->ext);
    if (rc) o->p->collect_rc = rc;
    return rc ? -1 : 0;
}

/* ---- retention (cohort.c) ---- */

typedef struct retention_op {
    op o;
    cohort *c;
} retention_op;

static int retention_push(op *o, const prow *r)
{
    if (r->cb) return cohort_add_block(((retention_op *)o)->c, r->cb, &r->ci, 1);
    return cohort_add(((retention_op *)o)->c, r->rec, r->reclen);
}

static int retention_block(op *o, colblock *b, const uint32_t *sel, uint32_t n)
{
    return cohort_add_block(((retention_op *)o)->c, b, sel, n);
}

static int retention_done(op *o)
{
    return cohort_finish(((retention_op *)o)->c, o->p->s->out, &o->p->s->ro);
}

static void retention_free(op *o)
{
    cohort_free(((retention_op *)o)->c);
}

/* ---- kpi and report (kpi.c) ---- */

typedef struct kpi_op {
    op o;
    kpi *k;
    uint32_t block; /* the block of columns of the last row (UINT32_MAX: none yet) */
} kpi_op;

static int kpi_push(op *o, const prow *r)
{
    kpi_op *ko = (kpi_op *)o;
    if (r->cb && o->p->blockno != ko->block) { /* rows from the columns: see kpi_jump() */
        if (o->p->blockno != ko->block + 1) kpi_jump(ko->k);
        ko->block = o->p->blockno;
    }
    return kpi_add(ko->k, r->rec, r->reclen, r->cb, r->ci, r->ext);
}

static int kpi_done(op *o)
{
    return kpi_finish(((kpi_op *)o)->k, o->p->s->out, &o->p->s->ro);
}

static void kpi_op_free(op *o)
{
    kpi_free(((kpi_op *)o)->k);
}

/* ---- rfm (rfm.c): scores the accounts, then passes them on with their added fields ---- */

typedef struct rfm_op {
    op o;
    rfm *r;
} rfm_op;

static int rfm_push(op *o, const prow *r)
{
    return rfm_add(((rfm_op *)o)->r, r->rec, r->reclen);
}

static int rfm_done(op *o)
{
    rfm *r = ((rfm_op *)o)->r;
    rfm_score(r);
    size_t n = rfm_count(r);
    for (size_t i = 0; i < n; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(o->p->s))
            return diag_setf(o->p->d, DIAG_INTERRUPT, "interrupted");
        prow out = {.ext = rfm_fields(r, i)};
        out.rec = rfm_record(r, i, &out.reclen);
        int rc = push_next(o, &out);
        if (rc) return rc < 0 ? -1 : 0;
    }
    return 0;
}

static void rfm_op_free(op *o)
{
    rfm_free(((rfm_op *)o)->r);
}

/* ---- planning the pipeline ---- */

static op *new_op(pipeline *p, size_t size, const stage *st, int (*push)(op *, const prow *),
                  int (*done)(op *))
{
    op *o = arena_calloc(p->a, 1, size);
    o->p = p;
    o->st = st;
    o->push = push;
    o->done = done ? done : done_nothing;
    o->free = free_nothing;
    o->all = p->ops;
    p->ops = o;
    return o;
}

/* Fields in an agg item must be inside an aggregate or name a group key (by
 * its field or its alias); those become references to the key's column. */
static int bind_agg_fields(pipeline *p, node *n, bool inside, const item *keys, int nkeys,
                           const uint8_t *keytypes)
{
    if (n->kind == N_AGG) inside = true;
    if (n->kind == N_FIELD && !inside) {
        for (int k = 0; k < nkeys; k++) {
            const node *ke = keys[k].e;
            bool same_field = ke->kind == N_FIELD && strcmp(ke->name, n->name) == 0 &&
                              ((!ke->qual && !n->qual) ||
                               (ke->qual && n->qual && strcmp(ke->qual, n->qual) == 0));
            bool alias = !n->qual && keys[k].name && strcmp(keys[k].name, n->name) == 0;
            if (same_field || alias) {
                n->scope = SC_COL;
                n->slot = k;
                n->type = keytypes[k];
                n->bound = true;
                return 0;
            }
        }
        return diag_set(p->d, DIAG_SEMANTIC, n->off, n->len,
                        "'%s' must be inside an aggregate such as sum() or be a group key",
                        n->name);
    }
    for (int i = 0; i < n->n; i++)
        if (bind_agg_fields(p, n->a[i], inside, keys, nkeys, keytypes)) return -1;
    return 0;
}

/* The columns a row of source shape SH shows: the record's fields but those an
 * added field shadows (their slots in *SLOTS), then the added fields. Their
 * names and types go to arrays from P's arena; returns how many are the
 * record's (*NREC) plus added ones. */
static int src_columns(pipeline *p, const shape *sh, const char ***names, uint8_t **types,
                       int **slots, int *nrec)
{
    const schema *sc = store_schema(p->txn, p->entity);
    int max = sc->n + sh->ext.n, n = 0;
    *names = arena_alloc(p->a, sizeof(char *) * (size_t)(max ? max : 1));
    *types = arena_alloc(p->a, (size_t)(max ? max : 1));
    *slots = arena_alloc(p->a, sizeof(int) * (size_t)(max ? max : 1));
    for (int i = 0; i < sc->n; i++) {
        bool shadowed = false;
        for (int k = 0; k < sh->ext.n && !shadowed; k++)
            shadowed = strcmp(sh->ext.names[k], sc->f[i].name) == 0;
        if (shadowed) continue;
        (*slots)[n] = i, (*names)[n] = sc->f[i].name, (*types)[n] = sc->f[i].type;
        n++;
    }
    *nrec = n;
    for (int k = 0; k < sh->ext.n; k++, n++)
        (*slots)[n] = k, (*names)[n] = sh->ext.names[k], (*types)[n] = sh->ext.types[k];
    return n;
}

/* The items of select stage SG into *OUT, each `*` made one field item per
 * column of input shape SH (bound to it, pointing at the `*`). Returns their
 * number. */
static int star_items(pipeline *p, const stage *sg, const shape *sh, item **out)
{
    int nstar = 0, ncols = sh->ncols, nrec = 0;
    for (int i = 0; i < sg->nitems; i++)
        nstar += sg->items[i].star;
    *out = sg->items;
    if (!nstar) return sg->nitems;
    const char **names = sh->names;
    const uint8_t *types = sh->types;
    int *slots = NULL;
    if (sh->src) {
        uint8_t *t;
        ncols = src_columns(p, sh, &names, &t, &slots, &nrec);
        types = t;
    }
    int n = 0;
    item *v = arena_alloc(p->a, sizeof(item) * (size_t)(sg->nitems + nstar * ncols));
    for (int i = 0; i < sg->nitems; i++) {
        if (!sg->items[i].star) {
            v[n++] = sg->items[i];
            continue;
        }
        const node *at = sg->items[i].e;
        for (int c = 0; c < ncols; c++) {
            node *f = arena_calloc(p->a, 1, sizeof *f);
            f->kind = N_FIELD;
            f->off = at->off, f->len = at->len;
            f->bound = true;
            f->name = names[c];
            f->type = types[c];
            f->scope = !sh->src ? SC_COL : c < nrec ? SC_REC : SC_EXT;
            f->slot = sh->src ? slots[c] : c;
            v[n++] = (item){.e = f};
        }
    }
    *out = v;
    return n;
}

/* Plans a list of items against SH; fills names and types of the output columns. */
static int plan_items(pipeline *p, plan_ctx *pc, item *items, int n, const char **names,
                      uint8_t *types)
{
    for (int i = 0; i < n; i++) {
        if (plan_expr(pc, items[i].e)) return -1;
        if (names) names[i] = items[i].name ? items[i].name : expr_name(p->a, items[i].e, p->src);
        if (types) types[i] = items[i].e->type;
    }
    return 0;
}

static op *plan_group(pipeline *p, const stage *st, shape *sh)
{
    group_op *g = (group_op *)new_op(p, sizeof(group_op), st, group_push, group_done);
    g->ordered = true;
    g->o.free = group_free;
    g->o.block = group_block;
    g->keys = st->items;
    g->nkeys = st->kind == S_GROUP ? st->nitems : 0;
    g->aggs = st->aggs;
    g->naggs = st->naggs;
    g->always_one = st->kind == S_AGG;
    if (g->nkeys > 64) {
        diag_set(p->d, DIAG_SEMANTIC, st->off, st->len, "too many group keys (over 64)");
        return NULL;
    }
    int ncols = g->nkeys + g->naggs;
    const char **names = arena_alloc(p->a, sizeof(char *) * (size_t)(ncols ? ncols : 1));
    uint8_t *types = arena_alloc(p->a, (size_t)(ncols ? ncols : 1));
    plan_ctx pc;
    plan_for(p, &pc, sh);
    if (plan_items(p, &pc, g->keys, g->nkeys, names, types)) return NULL;
    for (int i = 0; i < g->naggs; i++)
        if (bind_agg_fields(p, g->aggs[i].e, false, g->keys, g->nkeys, types)) return NULL;
    pc.allow_agg = true;
    if (plan_items(p, &pc, g->aggs, g->naggs, names + g->nkeys, types + g->nkeys)) return NULL;
    g->fns = pc.aggs;
    g->nfns = pc.naggs;
    /* what group_push_cols() can read straight from the columns */
    for (int i = 0; sh->src && i < g->nkeys && i < GROUP_KCOLS; i++) {
        const node *k = g->keys[i].e;
        g->keyfn[i] = -1;
        if (k->kind == N_CALL && is_datepart(k->op) && k->n == 1 && k->a[0]->kind == N_FIELD &&
            k->a[0]->scope == SC_REC && (k->a[0]->type == T_DATE || k->a[0]->type == T_DATETIME))
            g->keyfn[i] = k->op, k = k->a[0]; /* year(at): from the codes of its parts */
        if (k->kind != N_FIELD || k->scope != SC_REC ||
            (k->type != T_TEXT && k->type != T_INT && k->type != T_BOOL && k->type != T_DATE &&
             k->type != T_DATETIME))
            break;
        g->keyslot[i] = k->slot;
        if (i == g->nkeys - 1) g->nkeyslot = g->nkeys;
    }
    g->keyparent = sh->src && g->nkeys == 1 ? parent_only(g->keys[0].e) : -1;
    if (g->keyparent >= 0) {
        g->keyslot[0] = pc.parents[g->keyparent].key_slot;
        g->nkeyslot = 1;
    } else {
        g->keyparent = -1;
    }
    g->argslot = arena_alloc(p->a, sizeof(int) * (size_t)(g->nfns ? g->nfns : 1));
    for (int i = 0; i < g->nfns; i++) {
        const node *a0 = g->fns[i]->n > 0 ? g->fns[i]->a[0] : NULL;
        g->argslot[i] = a0 && a0->kind == N_FIELD && a0->scope == SC_REC ? a0->slot : -1;
    }
    /* aggregates are evaluated with no current row: their own args aside */
    sh->src = false;
    sh->ext = (extfields){0};
    sh->ncols = ncols;
    sh->names = names;
    sh->types = types;
    return &g->o;
}

static op *plan_sink(pipeline *p, const stage *st, const shape *sh)
{
    sink_op *s = (sink_op *)new_op(p, sizeof(sink_op), st, sink_push, sink_done);
    s->o.free = sink_free;
    const char **names = sh->names;
    int ncols = sh->ncols;
    if (sh->src) {
        uint8_t *types;
        int *slots;
        ncols = src_columns(p, sh, &names, &types, &slots, &s->nrec);
        s->slots = sh->ext.n ? slots : NULL;
        s->types = types;
        s->buf = xmalloc(sizeof(value) * (size_t)(ncols ? ncols : 1));
        s->src = true;
    }
    s->ncols = ncols;
    render_opts ro = p->s->ro;
    FILE *out = p->s->out;
    if (st) { /* export */
        int mode = render_export_mode(st->file);
        if (mode < 0) {
            diag_set(p->d, DIAG_SEMANTIC, st->file_off, st->file_len,
                     "cannot tell the export format from '%s': use .csv, .tsv, .json or .jsonl",
                     st->file);
            return NULL;
        }
        if (p->s->safe) {
            diag_set(p->d, DIAG_SEMANTIC, st->off, st->len, "export is not allowed in --safe mode");
            return NULL;
        }
        s->path = st->file;
        s->f = export_open(s);
        if (!s->f) {
            diag_set(p->d, DIAG_IO, st->file_off, st->file_len, "cannot write %s: %s", st->file,
                     strerror(errno));
            return NULL;
        }
        s->path = st->file;
        out = s->f;
        ro = (render_opts){.mode = mode, .headers = true, .nullvalue = NULL};
    }
    s->r = render_begin(out, &ro, ncols, names);
    return &s->o;
}

/* Builds the operator chain for ST's stages; returns the first operator. */
static op *plan_pipeline(pipeline *p, const stmt *st)
{
    shape sh = {.src = true};
    op *first = NULL, *last = NULL;
    for (int i = 0; i < p->nstages; i++) {
        const stage *sg = &st->stages[i];
        plan_ctx pc;
        plan_for(p, &pc, &sh);
        op *o = NULL;
        switch (sg->kind) {
        case S_WHERE: {
            where_op *w = (where_op *)new_op(p, sizeof(where_op), sg, where_push, NULL);
            w->o.block = where_block;
            w->o.free = where_free;
            w->cond = sg->e;
            if (plan_expr(&pc, w->cond)) return NULL;
            where_plan(w, sh.src);
            if (w->cond->type != T_BOOL && w->cond->type != T_NULL) {
                diag_set(p->d, DIAG_SEMANTIC, w->cond->off, w->cond->len,
                         "'where' needs a condition, not %s", vtype_name(w->cond->type));
                return NULL;
            }
            o = &w->o;
            break;
        }
        case S_SORT: {
            sort_op *s = (sort_op *)new_op(p, sizeof(sort_op), sg, sort_push, sort_done);
            s->o.free = sort_free;
            s->o.block = sort_block;
            arena_init(&s->ka[0]);
            arena_init(&s->ka[1]);
            arena_init(&s->kt);
            s->keys = sg->items;
            s->nkeys = sg->nitems;
            if (plan_items(p, &pc, s->keys, s->nkeys, NULL, NULL)) return NULL;
            if (i + 1 < p->nstages && st->stages[i + 1].kind == S_LIMIT) {
                /* a limit past any table's rows (up to 2^63 each) sorts them all */
                uint64_t keep =
                    (uint64_t)st->stages[i + 1].limit + (uint64_t)st->stages[i + 1].offset;
                s->keep = keep < (UINT64_C(1) << 40) ? (size_t)keep : 0;
                s->skip = s->keep ? (size_t)st->stages[i + 1].offset : 0;
            }
            o = &s->o;
            break;
        }
        case S_LIMIT: {
            limit_op *l = (limit_op *)new_op(p, sizeof(limit_op), sg, limit_push, NULL);
            l->skip = sg->offset;
            l->left = sg->limit;
            o = &l->o;
            break;
        }
        case S_SELECT: {
            select_op *s = (select_op *)new_op(p, sizeof(select_op), sg, select_push, NULL);
            s->n = star_items(p, sg, &sh, &s->items);
            const char **names = arena_alloc(p->a, sizeof(char *) * (size_t)s->n);
            uint8_t *types = arena_alloc(p->a, (size_t)s->n);
            if (plan_items(p, &pc, s->items, s->n, names, types)) return NULL;
            sh = (shape){.src = false, .ncols = s->n, .names = names, .types = types};
            o = &s->o;
            break;
        }
        case S_GROUP:
        case S_AGG:
            if (!(o = plan_group(p, sg, &sh))) return NULL;
            break;
        case S_COUNT: {
            o = new_op(p, sizeof(count_op), sg, count_push, count_done);
            o->block = count_block;
            const char **names = arena_alloc(p->a, sizeof(char *));
            uint8_t *types = arena_alloc(p->a, 1);
            names[0] = "count";
            types[0] = T_INT;
            sh = (shape){.src = false, .ncols = 1, .names = names, .types = types};
            break;
        }
        case S_EXPORT:
            if (i + 1 < p->nstages) {
                const stage *nx = &st->stages[i + 1];
                diag_set(p->d, DIAG_SEMANTIC, nx->off, nx->len, "'export' must be the last stage");
                return NULL;
            }
            if (!(o = plan_sink(p, sg, &sh))) return NULL;
            break;
        case S_RETENTION: { /* cohort.c renders the table; only an export may follow */
            retention_op *r =
                (retention_op *)new_op(p, sizeof(retention_op), sg, retention_push, retention_done);
            r->o.free = retention_free;
            r->o.block = retention_block;
            if (p->s->safe && i + 1 < p->nstages) {
                diag_set(p->d, DIAG_SEMANTIC, sg[1].off, sg[1].len,
                         "export is not allowed in --safe mode");
                return NULL;
            }
            r->c = cohort_plan(p->txn, p->a, p->d, p->src, sg, sg + 1, st->nstages - i - 1,
                               sh.src ? p->entity : -1, &p->regexes);
            if (!r->c) return NULL;
            o = &r->o;
            break;
        }
        case S_KPI:
        case S_REPORT: { /* kpi.c renders the result; it ends the query */
            kpi_op *k = (kpi_op *)new_op(p, sizeof(kpi_op), sg, kpi_push, kpi_done);
            k->o.free = kpi_op_free;
            k->block = UINT32_MAX;
            k->k = kpi_plan(p->txn, p->a, p->d, p->src, sg, st->nstages - i - 1,
                            sh.src ? p->entity : -1, &sh.ext, &p->regexes);
            if (!k->k) return NULL;
            o = &k->o;
            break;
        }
        case S_RFM: { /* the rows stay accounts rows, with r, f, m, rfm, … added */
            rfm_op *r = (rfm_op *)new_op(p, sizeof(rfm_op), sg, rfm_push, rfm_done);
            r->o.free = rfm_op_free;
            r->r = rfm_plan(p->txn, p->d, sg, sh.src ? p->entity : -1, p->s->cancel);
            if (!r->r) return NULL;
            sh.ext = rfm_fields_def;
            o = &r->o;
            break;
        }
        default: /* set, retier, assign: handled by mutate.c when they end the pipeline */
            diag_set(p->d, DIAG_SEMANTIC, sg->off, sg->len,
                     "'%.*s' changes accounts and must be the last stage", (int)sg->len,
                     p->src + sg->off);
            return NULL;
        }
        if (last)
            last->next = o;
        else
            first = o;
        last = o;
        if (sg->kind == S_EXPORT || sg->kind == S_RETENTION || sg->kind == S_KPI ||
            sg->kind == S_REPORT)
            return first;
    }
    op *sink;
    if (p->collect) {
        if (!sh.src || p->entity != ENT_ACCOUNTS) {
            const stage *m = &st->stages[p->nstages];
            diag_set(p->d, DIAG_SEMANTIC, m->off, m->len,
                     "this change applies to accounts: it must follow accounts rows, not %s",
                     sh.src ? "rows of another source"
                            : "computed rows (select, group, agg, count)");
            return NULL;
        }
        sink = new_op(p, sizeof(op), NULL, collect_push, NULL);
        if (p->collect_ext) *p->collect_ext = sh.ext;
    } else {
        sink = plan_sink(p, NULL, &sh);
    }
    if (!sink) return NULL;
    if (last)
        last->next = sink;
    else
        first = sink;
    return first;
}

/* A prefix that restricts the scan, from `where id = "X"` (accounts,
 * managers) or `where account = "X"` (interactions) among the top-level
 * conjuncts of the first stage. The condition itself still runs. */
static bool key_prefix(const stmt *st, int entity, value *key)
{
    if (st->nstages == 0 || st->stages[0].kind != S_WHERE) return false;
    int keyslot = entity == ENT_INTERACTIONS ? I_ACCOUNT : 0;
    if (entity == ENT_HISTORY) return false;
    const node *stack[64];
    int sp = 0;
    stack[sp++] = st->stages[0].e;
    while (sp) {
        const node *n = stack[--sp];
        if (n->kind == N_BIN && n->op == OP_AND && sp < 62) {
            stack[sp++] = n->a[0];
            stack[sp++] = n->a[1];
        } else if (n->kind == N_BIN && n->op == OP_EQ) {
            const node *f = n->a[0], *l = n->a[1];
            if (f->kind == N_LIT) f = n->a[1], l = n->a[0];
            if (f->kind == N_FIELD && f->scope == SC_REC && f->slot == keyslot &&
                l->kind == N_LIT && l->v.type == T_TEXT && l->v.len > 0) {
                *key = l->v;
                return true;
            }
        }
    }
    return false;
}

/* The sort of `accounts [where …] | sort revenue [asc|desc] [, id [asc]] |
 * limit N [offset M]`, whose rows store_scan_by_revenue() can give in its
 * order (nulls last; ties in id order, as the scan brings them to the stable
 * sort): it then takes the first N + M that pass and stops, rather than
 * reading every account. *DESC is the direction. NULL for any other
 * pipeline, or when $KASH_NO_INDEX is set (to compare the two). */
static sort_op *revenue_sort(pipeline *p, const stmt *st, op *first, bool *desc)
{
    const char *off = getenv("KASH_NO_INDEX");
    if (p->entity != ENT_ACCOUNTS || (off && *off)) return NULL;
    int i = st->nstages > 0 && st->stages[0].kind == S_WHERE;
    if (i + 1 >= p->nstages || st->stages[i].kind != S_SORT || st->stages[i + 1].kind != S_LIMIT)
        return NULL;
    const stage *sg = &st->stages[i];
    if (sg->nitems > 2 || (sg->nitems == 2 && sg->items[1].desc)) return NULL;
    for (int k = 0; k < sg->nitems; k++) {
        const node *e = sg->items[k].e;
        if (sg->items[k].nulls_first) return NULL; /* (the index has them last) */
        if (e->kind != N_FIELD || e->scope != SC_REC || e->slot != (k ? A_ID : A_REVENUE))
            return NULL;
    }
    op *o = i ? first->next : first;
    if (!o || o->st != sg || ((sort_op *)o)->keep == 0) return NULL;
    *desc = sg->items[0].desc;
    return (sort_op *)o;
}

/* The sort of P's pipeline (FIRST) when a scan in key order gives the rows
 * in its order already: accounts or managers through nothing but where into
 * a sort whose first key is `id` ascending (ids are unique, so no later key
 * ever decides). NULL otherwise, or with $KASH_NO_INDEX set (to compare). */
static sort_op *key_sort(const pipeline *p, op *first)
{
    const char *off = getenv("KASH_NO_INDEX");
    if ((p->entity != ENT_ACCOUNTS && p->entity != ENT_MANAGERS) || (off && *off)) return NULL;
    op *o = first;
    while (o && o->push == where_push)
        o = o->next;
    if (!o || o->push != sort_push) return NULL;
    sort_op *s = (sort_op *)o;
    const node *e = s->nkeys ? s->keys[0].e : NULL;
    if (!e || s->keys[0].desc || e->kind != N_FIELD || e->scope != SC_REC || e->slot != 0)
        return NULL;
    return s;
}

/* The sort of P's pipeline (FIRST) when one account's interactions (the
 * scan of key_prefix()) give the rows in the order of its first key: through
 * nothing but where into a sort, followed by a limit, whose first key is
 * `at` (an account's rows are in time order; a date is its midnight, as
 * value_cmp() has it). *BACK when that key is descending: the rows are then
 * read newest first (store_interactions_back()). NULL otherwise, or with
 * $KASH_NO_INDEX set (to compare). */
static sort_op *time_sort(const pipeline *p, op *first, bool *back)
{
    const char *off = getenv("KASH_NO_INDEX");
    if (p->entity != ENT_INTERACTIONS || (off && *off)) return NULL;
    op *o = first;
    while (o && o->push == where_push)
        o = o->next;
    if (!o || o->push != sort_push || ((sort_op *)o)->keep == 0) return NULL;
    sort_op *s = (sort_op *)o;
    const node *e = s->nkeys ? s->keys[0].e : NULL;
    if (!e || e->kind != N_FIELD || e->scope != SC_REC || e->slot != I_AT || s->keys[0].nulls_first)
        return NULL;
    *back = s->keys[0].desc;
    return s;
}

/* Whether FIRST and the stages after it keep nothing of a source row past
 * its push (they copy what they keep): where, limit, select, count, group
 * and agg. */
static bool rows_transient(const op *first)
{
    for (const op *o = first; o; o = o->next)
        if (o->push != where_push && o->push != limit_push && o->push != select_push &&
            o->push != count_push && o->push != group_push)
            return false;
    return true;
}

/* Whether sort S, fed P's source, keeps few enough rows to read the columns:
 * a top-N of at most 1,024 rows or a 256th of the source's. It keeps each
 * row that enters as a record of its own (sort_own()), and the more enter
 * the more that costs: over 1M accounts, a limit of 1,000 takes 38 ms from
 * the columns and 62 ms from the records, one of 10,000, 90 and 70 ms. */
static bool few_kept(const sort_op *s, const pipeline *p)
{
    size_t rows = store_count(p->txn, p->entity) / 256;
    return s->keep > 0 && s->keep <= (rows > 1024 ? rows : 1024);
}

/* Whether the rows of P can come from the columns (store_cols_open()): the
 * accounts or interactions, going through nothing but where and limit to a
 * count, group, select, kpi or report, none of which keeps a source row, or
 * the interactions to a retention, or to a sort followed by a limit that
 * keeps few rows (few_kept()) but for one that a scan in key order gives in
 * order (key_sort()). Not for
 * `SOURCE | count`, which needs no rows at all, nor when $KASH_NO_COLUMNS is
 * set (to compare). */
static bool columns_fit(const pipeline *p, const op *first)
{
    const char *off = getenv("KASH_NO_COLUMNS");
    if ((p->entity != ENT_ACCOUNTS && p->entity != ENT_INTERACTIONS) || (off && *off) ||
        first->push == count_push)
        return false;
    for (const op *o = first; o; o = o->next) {
        if (o->push == where_push || o->push == limit_push) continue;
        return o->push == count_push || o->push == group_push || o->push == select_push ||
               o->push == kpi_push ||
               (o->push == retention_push && p->entity == ENT_INTERACTIONS) ||
               (o->push == sort_push && few_kept((const sort_op *)o, p) &&
                !key_sort(p, (op *)first));
    }
    return false;
}

/* What the threads walking one source's columns share (one thread, or two:
 * see push_cols_shared()). */
typedef struct walkshare {
    atomic_uint next;  /* the number of the next run of blocks not yet taken */
    atomic_bool stop;  /* a thread failed: the other stops too */
    atomic_ulong rows; /* rows taken, for the progress line */
    unsigned run;      /* blocks taken at once (0: one) */
} walkshare;

/* Pushes the rows of the blocks of SC that WS hands out into FIRST, as rows
 * of their block of columns: a run of blocks at a time, to whichever thread
 * asks first (each walks every block and takes those of the run whose
 * number it drew; alone, it takes them all). The first thread (REPORT)
 * shows the progress of all. */
static int push_cols(pipeline *p, op *first, store_cols *sc, walkshare *ws, bool report)
{
    session *s = p->s;
    size_t total = report && s->progress ? store_count(p->txn, p->entity) : 0;
    unsigned run = ws->run ? ws->run : 1;
    unsigned want = atomic_fetch_add(&ws->next, 1), at = 0;
    colblock *b;
    int rc;
    while ((rc = atomic_load(&ws->stop) ? 0 : store_cols_next(sc, &b)) == 1) {
        if (at++ / run != want) continue;
        unsigned long n = atomic_fetch_add(&ws->rows, b->n);
        if (total) s->progress(s, n, n, total);
        if (exec_cancelled(s)) return diag_setf(p->d, DIAG_INTERRUPT, "interrupted");
        p->blockno = at - 1;
        int k = push_block(first, b, NULL, b->n);
        if (k) return k < 0 ? -1 : 0;
        if ((rc = b->err) != 0) break;
        if (at % run == 0) want = atomic_fetch_add(&ws->next, 1);
    }
    if (rc) return diag_setf(p->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    return 0;
}

/* ---- two threads over the columns ---- */

/* The operator whose state two threads can build apart and then add up,
 * when FIRST is where stages and then it: a count, a group or agg of
 * count, sum, avg, min and max, or a kpi or report (sums are exact for
 * integers and prices, xsum, so their digits do not depend on who added
 * what). NULL otherwise. */
static op *shared_sink(op *first)
{
    op *o = first;
    while (o && o->push == where_push)
        o = o->next;
    if (!o || (o->push != count_push && o->push != group_push && o->push != kpi_push)) return NULL;
    if (o->push == group_push) {
        const group_op *g = (const group_op *)o;
        for (int i = 0; i < g->nfns; i++) {
            int f = g->fns[i]->op;
            if (f != AG_COUNT && f != AG_SUM && f != AG_AVG && f != AG_MIN && f != AG_MAX)
                return NULL;
        }
    }
    return o;
}

/* Whether a walk of P's source over the columns should take two threads:
 * when the machine has two cores and the source over 100,000 rows (a
 * thread costs about 0.1 ms to start and plan); $KASH_THREADS=1 never,
 * =2 always (the tests' way of running small inputs both ways). */
static bool two_threads(const pipeline *p)
{
    const char *e = getenv("KASH_THREADS");
    if (p->one_thread || (e && strcmp(e, "1") == 0)) return false;
    if (e && strcmp(e, "2") == 0) return true;
    return sysconf(_SC_NPROCESSORS_ONLN) >= 2 && store_count(p->txn, p->entity) >= 100000;
}

/* The second thread: its own plan of the statement up to the shared
 * operator, its own transaction of the same snapshot and its own walk. */
typedef struct share {
    pipeline q;
    arena a;
    diag d;
    op *first, *sink;
    store_cols *sc;
    walkshare *ws;
    int ret;
} share;

static void *share_run(void *arg)
{
    share *w = arg;
    w->ret = push_cols(&w->q, w->first, w->sc, w->ws, false);
    if (w->ret) atomic_store(&w->ws->stop, true);
    return NULL;
}

/* Adds the accumulators of FROM (a group of the other thread) into TO:
 * counts and exact sums add up, min and max keep the better, of two equal
 * the one from the earlier block. False when both hold an inexact sum
 * (xsum), whose digits would then depend on the split. */
static bool group_join(group_op *g, group *to, const group *from)
{
    for (int k = 0; k < g->nfns; k++) {
        acc *a = &to->accs[k];
        const acc *b = &from->accs[k];
        int f = g->fns[k]->op;
        if (f == AG_SUM || f == AG_AVG) {
            if (!xsum_join(&a->sum, &b->sum)) return false;
        } else if ((f == AG_MIN || f == AG_MAX) && b->count) {
            int c = a->count ? value_cmp(&b->best, &a->best) : 0;
            if (!a->count || (f == AG_MIN ? c < 0 : c > 0) || (c == 0 && b->at < a->at)) {
                a->best = keep_value(g->o.p->a, b->best);
                a->at = b->at;
            }
        }
        a->count += b->count;
    }
    return true;
}

/* Adds the groups of W into G (group_join()); false as it is, or when the
 * statement is cancelled. */
static bool group_merge(group_op *g, group_op *w)
{
    if (g->ordered && w->ordered) { /* both in key order: merged as two sorted lists */
        size_t ng = g->ngroups, nw = w->ngroups, n = 0, i = 0, j = 0;
        group *out = xmalloc(sizeof *out * (ng + nw ? ng + nw : 1));
        while (i < ng || j < nw) {
            int c = i == ng   ? 1
                    : j == nw ? -1
                              : keys_cmp(g->groups[i].keys, w->groups[j].keys, g->nkeys);
            if (c < 0) {
                out[n++] = g->groups[i++];
                continue;
            }
            out[n] = c > 0 ? group_make(g, w->groups[j].keys, w->groups[j].hash) : g->groups[i++];
            if (!group_join(g, &out[n++], &w->groups[j++])) {
                free(out);
                return false;
            }
        }
        free(g->groups);
        g->groups = out;
        g->ngroups = n;
        g->capgroups = ng + nw ? ng + nw : 1;
        return true;
    }
    for (size_t i = 0; i < w->ngroups; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(g->o.p->s)) return false;
        bool created;
        group *to = group_find(g, w->groups[i].keys, &created);
        if (!group_join(g, to, &w->groups[i])) return false;
    }
    return true;
}

/* Sets up (ON) or closes the account columns as the parents of rows of
 * interaction columns (parent_cols_open()). */
static void parents_from_cols(ectx *ec, store_txn *t, bool on)
{
    for (int k = 0; k < ec->nparents; k++) {
        if (!on) parent_cols_close(ec->pcols[k]);
        ec->pcols[k] = on && ec->parents[k].entity == ENT_ACCOUNTS ? parent_cols_open(t) : NULL;
    }
}

/* Runs the walk of SC into FIRST on two threads, when FIRST leads to a
 * shared_sink() and two_threads(): 0 done, -1 error (D set), 1 not done
 * (walk it on one thread), 2 undone: the statement must run again on one
 * thread (group_merge() refused). */
static int push_cols_shared(pipeline *p, const stmt *st, op *first, store_cols *sc)
{
    op *sink = shared_sink(first);
    store_txn *t2;
    if (!sink || !sink->st || !two_threads(p) || store_twin(p->txn, &t2) != 0) return 1;
    share w = {.q = {.s = p->s,
                     .a = &w.a,
                     .d = &w.d,
                     .src = p->src,
                     .txn = t2,
                     .entity = p->entity,
                     .nstages = (int)(sink->st - st->stages) + 1}};
    arena_init(&w.a);
    arena_init(&w.q.scratch);
    plan_source(&w.q.pc0, t2, &w.a, &w.d, p->entity, &w.q.regexes);
    w.first = plan_pipeline(&w.q, st);
    ectx_init(&w.q.ec, &w.q.pc0);
    w.q.ec.src = p->src;
    parents_from_cols(&w.q.ec, t2, true);
    w.sink = w.first ? shared_sink(w.first) : NULL;
    int ret = 1;
    /* kpi walks the interactions along with the accounts, and seeks them
     * at each run it takes (kpi_jump()): runs of 16 blocks */
    walkshare ws = {.run = sink->push == kpi_push ? 16 : 1};
    w.ws = &ws;
    pthread_t th;
    if (w.sink && w.sink->push == sink->push && store_cols_open(t2, p->entity, &w.sc) == 0 &&
        pthread_create(&th, NULL, share_run, &w) == 0) {
        ret = push_cols(p, first, sc, &ws, true);
        if (ret) atomic_store(&ws.stop, true);
        pthread_join(th, NULL);
        if (ret == 0 && w.ret) {
            *p->d = w.d;
            ret = -1;
        }
        if (ret == 0 && sink->push == count_push)
            ((count_op *)sink)->n += ((count_op *)w.sink)->n;
        else if (ret == 0 && sink->push == kpi_push)
            ret = kpi_merge(((kpi_op *)sink)->k, ((kpi_op *)w.sink)->k) ? 0 : 2;
        else if (ret == 0 && !group_merge((group_op *)sink, (group_op *)w.sink))
            ret = exec_cancelled(p->s) ? diag_setf(p->d, DIAG_INTERRUPT, "interrupted") : 2;
    }
    for (op *o = w.q.ops; o; o = o->all)
        o->free(o);
    parents_from_cols(&w.q.ec, NULL, false);
    store_cols_close(w.sc);
    eval_free_regexes(&w.q.regexes);
    arena_free(&w.q.scratch);
    arena_free(&w.a);
    store_abort(t2);
    return ret;
}

/* Runs P's pipeline over ST's source inside P->txn. */
static int run_pipeline_once(pipeline *p, const stmt *st)
{
    session *s = p->s;
    diag *d = p->d;
    int entity = p->entity;
    arena_init(&p->scratch);
    plan_source(&p->pc0, p->txn, p->a, d, entity, &p->regexes);
    op *first = plan_pipeline(p, st);
    ectx_init(&p->ec, &p->pc0);
    p->ec.src = p->src;
    int ret = first ? 0 : -1, rc;
    store_cursor *cur = NULL;
    store_cols *cols = NULL;
    sort_op *sort = NULL;
    size_t budget = 0; /* rows the index may give before the scan takes over */
    if (ret == 0) {
        value key;
        bool desc;
        if (key_prefix(st, entity, &key)) {
            bool back = false;
            if ((sort = time_sort(p, first, &back)) != NULL) sort->lead = true, sort->back = back;
            if (entity == ENT_INTERACTIONS && back)
                rc = store_interactions_back(p->txn, key.s, key.len, &cur);
            else if (entity == ENT_INTERACTIONS)
                rc = store_interactions_of(p->txn, key.s, key.len, &cur);
            else
                rc = store_scan(p->txn, entity, key.s, key.len, &cur);
        } else if ((sort = revenue_sort(p, st, first, &desc)) != NULL &&
                   (rc = store_scan_by_revenue(p->txn, desc, &cur)) != STORE_NOTFOUND) {
            sort->ordered = true;
            budget = store_count(p->txn, entity) / 32 + 1000;
        } else if (columns_fit(p, first) && store_cols_open(p->txn, entity, &cols) == 0) {
            rc = 0; /* the rows come from the columns */
        } else {    /* (STORE_NOTFOUND: a version-3 file has no index yet) */
            rc = store_scan(p->txn, entity, NULL, 0, &cur);
            if ((sort = key_sort(p, first)) != NULL) sort->ordered = true;
            if (rc == 0 && rows_transient(first)) store_cursor_transient(cur);
        }
        if (rc) ret = diag_setf(d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    }
    if (ret == 0 && cols) {
        parents_from_cols(&p->ec, p->txn, true);
        ret = push_cols_shared(p, st, first, cols);
        walkshare alone = {0};
        if (ret == 1) ret = push_cols(p, first, cols, &alone, true);
        for (op *o = first; o && ret == 0; o = o->next)
            if (o->done(o)) ret = -1;
    } else if (ret == 0 && first->push == count_push && st->stages[0].kind == S_COUNT) {
        /* `SOURCE | count`: the store keeps the number */
        ((count_op *)first)->n = (int64_t)store_count(p->txn, entity);
        for (op *o = first; o && ret == 0; o = o->next)
            if (o->done(o)) ret = -1;
    } else if (ret == 0) {
        const uint8_t *rec;
        size_t len;
        unsigned long n = 0;
        while ((rc = store_next(cur, &rec, &len)) == 1) {
            if ((n & 0x3FFF) == 0 && s->progress) s->progress(s, n, n, store_count(p->txn, entity));
            if ((++n & 0x3FFF) == 0 && exec_cancelled(s)) {
                ret = diag_setf(d, DIAG_INTERRUPT, "interrupted");
                break;
            }
            prow r = {.rec = rec, .reclen = len};
            int k = first->push(first, &r);
            if (k < 0) ret = -1;
            if (k) break;
            if (budget && --budget == 0) {
                /* few accounts pass the filter: the index would look up nearly
                 * every account by id (1M in 1.2 s), a scan reads them in order
                 * (0.1 s). Start again with the scan and a sort. */
                sort->ordered = false;
                sort->n = sort->seq = 0;
                store_cursor_close(cur);
                if ((rc = store_scan(p->txn, entity, NULL, 0, &cur)) != 0) {
                    ret = diag_setf(d, DIAG_IO, "cannot read: %s", store_strerror(rc));
                    break;
                }
            }
        }
        if (rc < 0) ret = diag_setf(d, DIAG_IO, "cannot read: %s", store_strerror(rc));
        for (op *o = first; o && ret == 0; o = o->next)
            if (o->done(o)) ret = -1;
    }
    for (op *o = p->ops; o; o = o->all)
        o->free(o);
    parents_from_cols(&p->ec, NULL, false);
    store_cursor_close(cur);
    store_cols_close(cols);
    eval_free_regexes(&p->regexes);
    arena_free(&p->scratch);
    if (ret && p->collect_rc) return p->collect_rc;
    return ret;
}

static int run_pipeline(pipeline *p, const stmt *st)
{
    int ret = run_pipeline_once(p, st);
    if (ret == 2) { /* see push_cols_shared() */
        p->ops = NULL;
        p->regexes = NULL;
        p->one_thread = true;
        ret = run_pipeline_once(p, st);
    }
    return ret;
}

static int run_query(session *s, const stmt *st, const char *src, arena *a, diag *d)
{
    pipeline p = {.s = s, .a = a, .d = d, .src = src, .entity = st->source, .nstages = st->nstages};
    int rc = store_begin(s->db, false, &p.txn);
    if (rc)
        return diag_setf(d, DIAG_IO, "cannot read %s: %s", store_path(s->db), store_strerror(rc));
    int ret = run_pipeline(&p, st);
    store_abort(p.txn);
    return ret;
}

int exec_collect(session *s, store_txn *t, const stmt *st, const char *src, arena *a, diag *d,
                 int (*fn)(void *ctx, const uint8_t *rec, size_t len, const value *ext), void *ctx,
                 extfields *ext)
{
    pipeline p = {.s = s,
                  .a = a,
                  .d = d,
                  .src = src,
                  .entity = st->source,
                  .txn = t,
                  .nstages = st->nstages - 1,
                  .collect = fn,
                  .collect_ctx = ctx,
                  .collect_ext = ext};
    return run_pipeline(&p, st);
}

static int run_import(session *s, const stmt *st, const char *src, arena *a, diag *d)
{
    if (s->safe)
        return diag_set(d, DIAG_SEMANTIC, st->off, 6, "import is not allowed in --safe mode");
    store_txn *t;
    int rc = store_begin(s->db, true, &t);
    if (rc) {
        if (rc == STORE_EREADONLY)
            return diag_set(d, DIAG_SEMANTIC, st->off, 6,
                            "cannot import: the database is read-only");
        return diag_setf(d, DIAG_IO, "cannot write %s: %s", store_path(s->db), store_strerror(rc));
    }
    if (import_run(s, t, st, src, a, d)) {
        store_abort(t);
        return -1;
    }
    if (s->dryrun) { /* read, checked and counted as for real; nothing kept */
        store_abort(t);
        fprintf(stderr, "preview: nothing was imported (--dry-run)\n");
        return 0;
    }
    rc = store_commit(t);
    if (rc) return diag_setf(d, DIAG_IO, "cannot commit the import: %s", store_strerror(rc));
    return 0;
}

int exec_stmt(session *s, const stmt *st, const char *src, arena *a, diag *d)
{
    switch (st->kind) {
    case ST_QUERY: {
        int last = st->nstages ? st->stages[st->nstages - 1].kind : -1;
        if (last == S_SET || last == S_RETIER || last == S_ASSIGN)
            return mutate_run(s, st, src, a, d);
        return run_query(s, st, src, a, d);
    }
    case ST_UNDO: return undo_run(s, st, src, a, d);
    case ST_IMPORT: return run_import(s, st, src, a, d);
    default: return diag_setf(d, DIAG_SEMANTIC, "unsupported statement");
    }
}
