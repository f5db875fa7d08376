/* cohort.c: cohort retention (spec §9); see cohort.h and docs/metrics.md.
 *
 * Periods are numbered by an integer index per unit (months since year 0,
 * quarters, years, ISO weeks counted from a Monday), so that period k of a
 * cohort is simply index(cohort) + k. Each account keeps the sorted list of
 * indexes it was active in (and, for revenue, the amount per index); the
 * cohort of a first-interaction retention is the smallest of them, so the
 * input may arrive in any order. */
#include "cohort.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

enum { DAYMAP = 40 * 366 }; /* days in the period table of acct_activity() */

#define MAX_PERIODS 10000 /* columns p0 … pN at most (N < MAX_PERIODS) */

typedef struct acct {
    const char *id; /* statement arena */
    uint32_t idlen;
    int32_t cohort; /* from created: the created period; else unused */
    uint32_t n, cap;
    int32_t *ks;  /* active period indexes, ascending; owned */
    double *sums; /* revenue: amount per active period; owned */
} acct;

struct cohort {
    store_cursor *icur; /* the interactions of one account after another */
    store_txn *t;
    arena *a;
    diag *d;
    const char *src;
    const stage *st;
    const stage *export; /* a following export stage, or NULL */
    int entity;
    int unit;
    bool revenue, from_created;
    /* accounts, and an open-addressing table of their index + 1 */
    acct *accts;
    size_t naccts, capaccts;
    uint32_t *table;
    size_t tcap;
    bool ordered; /* every account so far came after the one before (by id):
                   * a new id past the last is new, and the table is not
                   * built until the order breaks */
    size_t last;  /* index + 1 of the account seen last (input comes grouped by account) */
    /* the latest activity date, and the day whose period index is cached */
    bool have_data;
    int64_t last_day;
    int64_t cached_day;
    int32_t cached_k;
    int32_t *daymap; /* period index of days daybase .. daybase + DAYMAP - 1, or NULL */
    int64_t daybase;
    /* accounts input: the activity set */
    node *cond;
    filter *fast;            /* COND compiled, or its first conjuncts */
    node *rest[FILTER_REST]; /* the conjuncts FAST leaves out */
    int nrest;
    plan_ctx pc;
    ectx ec;
    arena scratch;
};

/* Index of the period of kind UNIT holding day DAYS. */
static int64_t period_index(int unit, int64_t days)
{
    if (unit == U_WEEK) return floor_div(days + 3, 7); /* 1970-01-01 is a Thursday */
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    switch (unit) {
    case U_MONTH: return y * 12 + (m - 1);
    case U_QUARTER: return y * 4 + (m - 1) / 3;
    default: return y;
    }
}

/* The period (a T_PERIOD value) of index K. */
static value period_at(int unit, int64_t k)
{
    int64_t start;
    switch (unit) {
    case U_WEEK: start = k * 7 - 3; break;
    case U_MONTH:
        start = days_from_civil(floor_div(k, 12), (int)(k - floor_div(k, 12) * 12) + 1, 1);
        break;
    case U_QUARTER:
        start = days_from_civil(floor_div(k, 4), (int)(k - floor_div(k, 4) * 4) * 3 + 1, 1);
        break;
    default: start = days_from_civil(k, 1, 1); break;
    }
    return period_of(unit, start);
}

/* ---- accounts ---- */

/* The account with id S, created (with *CREATED set) when new. */
/* Puts account I into the table (which has room). */
static void table_add(cohort *c, size_t i)
{
    size_t j = hash_bytes(c->accts[i].id, c->accts[i].idlen, 0) & (c->tcap - 1);
    while (c->table[j])
        j = (j + 1) & (c->tcap - 1);
    c->table[j] = (uint32_t)(i + 1);
}

static acct *acct_find(cohort *c, const char *s, size_t n, bool *created)
{
    *created = false;
    acct *last = c->last ? &c->accts[c->last - 1] : NULL;
    int vs_last = last ? bytes_cmp(s, n, last->id, last->idlen) : 1;
    if (vs_last == 0) return last;
    if (c->ordered && vs_last < 0) { /* the order breaks: index what came so far */
        c->ordered = false;
        size_t cap = 1024;
        while (cap < 2 * c->naccts + 2)
            cap *= 2;
        free(c->table);
        c->table = xcalloc(cap, sizeof *c->table);
        c->tcap = cap;
        for (size_t i = 0; i < c->naccts; i++)
            table_add(c, i);
    }
    if (!c->ordered) {
        if (c->naccts * 2 >= c->tcap) {
            free(c->table);
            c->tcap = c->tcap ? c->tcap * 2 : 1024;
            c->table = xcalloc(c->tcap, sizeof *c->table);
            for (size_t i = 0; i < c->naccts; i++)
                table_add(c, i);
        }
        size_t j = hash_bytes(s, n, 0) & (c->tcap - 1);
        for (; c->table[j]; j = (j + 1) & (c->tcap - 1)) {
            acct *a = &c->accts[c->table[j] - 1];
            if (a->idlen == n && memcmp(a->id, s, n) == 0) {
                c->last = c->table[j];
                return a;
            }
        }
    }
    if (c->naccts == c->capaccts) {
        c->capaccts = c->capaccts ? c->capaccts * 2 : 1024;
        c->accts = xrealloc(c->accts, c->capaccts * sizeof *c->accts);
    }
    acct *a = &c->accts[c->naccts];
    memset(a, 0, sizeof *a);
    a->id = arena_strndup(c->a, s, n);
    a->idlen = (uint32_t)n;
    a->cohort = INT32_MIN;
    c->last = ++c->naccts;
    if (!c->ordered) table_add(c, c->naccts - 1);
    *created = true;
    return a;
}

/* Notes an interaction of the set on DAY: the data end is the latest. */
static void note_day(cohort *c, int64_t day)
{
    if (!c->have_data || day > c->last_day) c->last_day = day;
    c->have_data = true;
}

/* Records that account A was active on DAY, with AMOUNT (null adds nothing). */
static int acct_activity(cohort *c, acct *a, int64_t day, value amount)
{
    int32_t k;
    if (!c->daymap) { /* a table of the period of each day, some decades around the first */
        c->daybase = day - DAYMAP / 2;
        c->daymap = xmalloc(sizeof *c->daymap * DAYMAP);
        for (int64_t i = 0; i < DAYMAP; i++) {
            int64_t k64 = period_index(c->unit, c->daybase + i);
            c->daymap[i] = k64 < INT32_MIN / 2 || k64 > INT32_MAX / 2 ? INT32_MIN : (int32_t)k64;
        }
    }
    if (day - c->daybase >= 0 && day - c->daybase < DAYMAP) {
        k = c->daymap[day - c->daybase];
    } else if (day == c->cached_day) {
        k = c->cached_k;
    } else {
        int64_t k64 = period_index(c->unit, day);
        k = k64 < INT32_MIN / 2 || k64 > INT32_MAX / 2 ? INT32_MIN : (int32_t)k64;
        c->cached_day = day;
        c->cached_k = k;
    }
    if (k == INT32_MIN) return diag_setf(c->d, DIAG_SEMANTIC, "retention: date out of range");
    note_day(c, day);
    /* find K in the sorted list: the commonest case is the last entry or past it */
    uint32_t i;
    if (a->n == 0 || a->ks[a->n - 1] < k) {
        i = a->n;
    } else if (a->ks[a->n - 1] == k) {
        i = a->n - 1;
    } else {
        uint32_t lo = 0, hi = a->n;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (a->ks[mid] < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
    }
    if (i == a->n || a->ks[i] != k) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 4;
            a->ks = xrealloc(a->ks, a->cap * sizeof *a->ks);
            if (c->revenue) a->sums = xrealloc(a->sums, a->cap * sizeof *a->sums);
        }
        memmove(a->ks + i + 1, a->ks + i, (a->n - i) * sizeof *a->ks);
        a->ks[i] = k;
        if (c->revenue) {
            memmove(a->sums + i + 1, a->sums + i, (a->n - i) * sizeof *a->sums);
            a->sums[i] = 0;
        }
        a->n++;
    }
    double x;
    if (c->revenue && num_of(amount, &x)) a->sums[i] += x;
    return 0;
}

/* Sets account A's cohort from its record REC (the created date). */
static void acct_created(cohort *c, acct *a, const uint8_t *rec, size_t len)
{
    int64_t day;
    if (rec && day_of(rec_get(rec, len, A_CREATED), &day)) {
        int64_t k = period_index(c->unit, day);
        if (k > INT32_MIN / 2 && k < INT32_MAX / 2) a->cohort = (int32_t)k;
    }
}

/* Folds in an interaction of account ID at AT, of AMOUNT (read only for
 * revenue). */
static int add_interaction(cohort *c, value at, value id, value amount)
{
    int64_t day;
    if (!day_of(at, &day)) return 0; /* no date: no period */
    if (id.type != T_TEXT) return 0;
    bool created;
    acct *a = acct_find(c, id.s, id.len, &created);
    if (created && c->from_created) {
        const uint8_t *arec = NULL;
        size_t alen = 0;
        int rc = store_get(c->t, ENT_ACCOUNTS, id.s, id.len, &arec, &alen);
        if (rc && rc != STORE_NOTFOUND)
            return diag_setf(c->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
        acct_created(c, a, rc ? NULL : arec, alen);
    }
    if (c->from_created && a->cohort == INT32_MIN) { /* in no cohort: only the data end */
        note_day(c, day);
        return 0;
    }
    return acct_activity(c, a, day, amount);
}

/* Folds in account record REC: its cohort and its activity interactions. */
static int add_account(cohort *c, const uint8_t *rec, size_t len)
{
    value id = rec_get(rec, len, A_ID);
    if (id.type != T_TEXT) return 0;
    bool created;
    acct *a = acct_find(c, id.s, id.len, &created);
    if (!created) return 0; /* the same account twice (it counts once) */
    /* from created without a created date: in no cohort, but its activity
     * still counts for the data end */
    bool nocohort = false;
    if (c->from_created) {
        acct_created(c, a, rec, len);
        nocohort = a->cohort == INT32_MIN;
    }
    int rc = store_interactions_reuse(c->t, id.s, id.len, &c->icur);
    store_cursor *cur = c->icur;
    if (rc) return diag_setf(c->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    const uint8_t *ir;
    size_t il;
    int ret = 0;
    while (ret == 0 && (rc = store_next(cur, &ir, &il)) == 1) {
        if (c->cond) {
            /* the compiled conjuncts first, then the others on the rows they pass */
            int k = c->fast ? filter_run(c->fast, ir, il) : -1;
            if (k != 0 && (k < 0 || c->nrest)) {
                ectx_row(&c->ec, ir, il);
                c->ec.a = &c->scratch;
                if (k < 0)
                    k = eval_cond(&c->ec, c->cond);
                else
                    for (int i = 0; i < c->nrest && k > 0; i++)
                        k = eval_cond(&c->ec, c->rest[i]);
                arena_reset(&c->scratch);
                if (k < 0) ret = -1;
            }
            if (k <= 0) continue;
        }
        int64_t day;
        if (!day_of(rec_get(ir, il, I_AT), &day)) continue;
        if (nocohort) {
            note_day(c, day);
            continue;
        }
        value amount = c->revenue ? rec_get(ir, il, I_AMOUNT) : v_null();
        if (acct_activity(c, a, day, amount)) ret = -1;
    }
    if (ret == 0 && rc < 0) ret = diag_setf(c->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    return ret;
}

int cohort_add(cohort *c, const uint8_t *rec, size_t len)
{
    if (c->entity == ENT_ACCOUNTS) return add_account(c, rec, len);
    return add_interaction(c, rec_get(rec, len, I_AT), rec_get(rec, len, I_ACCOUNT),
                           c->revenue ? rec_get(rec, len, I_AMOUNT) : v_null());
}

int cohort_add_block(cohort *c, colblock *b, const uint32_t *sel, uint32_t n)
{
    const colvec *at = colblock_col(b, I_AT), *id = colblock_col(b, I_ACCOUNT),
                 *amount = c->revenue ? colblock_col(b, I_AMOUNT) : NULL;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (add_interaction(c, col_get(at, i), col_get(id, i),
                            amount ? col_get(amount, i) : v_null()))
            return -1;
    }
    return 0;
}

/* ---- planning ---- */

cohort *cohort_plan(store_txn *t, arena *a, diag *d, const char *src, const stage *st,
                    const stage *rest, int nrest, int entity, regex_obj **regexes)
{
    if (nrest > 1 || (nrest == 1 && rest[0].kind != S_EXPORT)) {
        const stage *x = &rest[nrest == 1 || rest[0].kind != S_EXPORT ? 0 : 1];
        diag_set(d, DIAG_SEMANTIC, x->off, x->len,
                 "'retention' must be the last stage (only export may follow it)");
        return NULL;
    }
    if (nrest == 1 && render_export_mode(rest[0].file) < 0) {
        diag_set(d, DIAG_SEMANTIC, rest[0].file_off, rest[0].file_len,
                 "cannot tell the export format from '%s': use .csv, .tsv, .json or .jsonl",
                 rest[0].file);
        return NULL;
    }
    bool act = st->ret & RET_ACTIVITY;
    if (entity < 0) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                 "'retention' needs interaction rows (or accounts rows with 'activity "
                 "interactions'), not computed rows (select, group, agg, count)");
        return NULL;
    }
    if (entity == ENT_ACCOUNTS && !act) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                 "'retention' over accounts needs 'activity interactions [where …]': the "
                 "interactions that count as activity");
        return NULL;
    }
    if (entity == ENT_INTERACTIONS && act) {
        diag_set(d, DIAG_SEMANTIC, st->act_off, st->act_len,
                 "'activity interactions' goes with accounts rows: here the interactions of "
                 "the pipeline are the activity");
        return NULL;
    }
    if (entity != ENT_ACCOUNTS && entity != ENT_INTERACTIONS) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                 "'retention' needs interaction rows (or accounts rows with 'activity "
                 "interactions'), not %s",
                 source_name(entity));
        return NULL;
    }
    cohort *c = xcalloc(1, sizeof *c);
    c->t = t;
    c->a = a;
    c->d = d;
    c->src = src;
    c->st = st;
    c->export = nrest == 1 ? &rest[0] : NULL;
    c->entity = entity;
    c->unit = st->unit;
    c->revenue = st->ret & RET_REVENUE;
    c->from_created = st->ret & RET_FROM_CREATED;
    c->cached_day = INT64_MIN;
    c->ordered = true;
    arena_init(&c->scratch);
    if (act && st->e) {
        plan_source(&c->pc, t, a, d, ENT_INTERACTIONS, regexes);
        if (plan_expr(&c->pc, st->e)) {
            cohort_free(c);
            return NULL;
        }
        if (st->e->type != T_BOOL && st->e->type != T_NULL) {
            diag_set(d, DIAG_SEMANTIC, st->e->off, st->e->len, "'where' needs a condition, not %s",
                     vtype_name(st->e->type));
            cohort_free(c);
            return NULL;
        }
        c->cond = st->e;
        c->fast = filter_compile_prefix(a, st->e, c->rest, &c->nrest);
        ectx_init(&c->ec, &c->pc);
        c->ec.src = src;
    }
    return c;
}

void cohort_free(cohort *c)
{
    if (!c) return;
    store_cursor_close(c->icur);
    for (size_t i = 0; i < c->naccts; i++) {
        free(c->accts[i].ks);
        free(c->accts[i].sums);
    }
    free(c->accts);
    free(c->table);
    free(c->daymap);
    arena_free(&c->scratch);
    free(c);
}

/* ---- the table ---- */

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return a < b ? -1 : a > b;
}

/* Row of cohort K among the sorted distinct cohorts CS[0..N). */
static size_t cohort_row(const int32_t *cs, size_t n, int32_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cs[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The cohort of account A, or INT32_MIN when it has none. */
static int32_t cohort_of(const cohort *c, const acct *a)
{
    if (c->from_created) return a->cohort;
    return a->n ? a->ks[0] : INT32_MIN;
}

int cohort_finish(cohort *c, FILE *out, const render_opts *ro)
{
    const stage *st = c->st;
    bool counts = st->ret & RET_COUNTS, cumulative = st->ret & RET_CUMULATIVE;
    /* the distinct cohorts, in time order */
    int32_t *cs = xmalloc((c->naccts ? c->naccts : 1) * sizeof *cs);
    size_t ncs = 0;
    int64_t maxk = 0; /* largest k at which an account is active */
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < c->naccts; i++) {
        const acct *a = &c->accts[i];
        int32_t co = cohort_of(c, a);
        if (co == INT32_MIN) continue;
        cs[ncs++] = co;
        if (co < lo) lo = co;
        if (co > hi) hi = co;
        if (a->n && a->ks[a->n - 1] - co > maxk) maxk = a->ks[a->n - 1] - co;
    }
    /* row of each cohort: a direct table when the cohorts span a short range
     * (they do: months or weeks of a few years), else sorting */
    uint32_t *rowof = NULL; /* cohort - lo -> row + 1 */
    if (ncs && (int64_t)hi - lo < 4 * (int64_t)ncs + 4096) {
        rowof = xcalloc((size_t)((int64_t)hi - lo + 1), sizeof *rowof);
        for (size_t i = 0; i < ncs; i++)
            rowof[cs[i] - lo] = 1;
        size_t nd = 0;
        for (int64_t k = lo; k <= hi; k++)
            if (rowof[k - lo]) {
                cs[nd] = (int32_t)k;
                rowof[k - lo] = (uint32_t)++nd;
            }
        ncs = nd;
    } else {
        qsort(cs, ncs, sizeof *cs, cmp_i32);
        size_t nd = 0;
        for (size_t i = 0; i < ncs; i++)
            if (nd == 0 || cs[nd - 1] != cs[i]) cs[nd++] = cs[i];
        ncs = nd;
    }
    int64_t np = (st->ret & RET_PERIODS ? st->periods : maxk) + 1; /* columns p0 … */
    if (np > MAX_PERIODS) {
        free(cs), free(rowof);
        return diag_set(c->d, DIAG_SEMANTIC, st->off, st->len,
                        "the retention table would have %lld periods (over %d): narrow the "
                        "input or give 'periods N'",
                        (long long)np, MAX_PERIODS);
    }
    /* cells: accounts (or sums) per cohort × period, and cohort sizes */
    size_t ncells = (ncs ? ncs : 1) * (size_t)np;
    int64_t *cnt = xcalloc(ncells, sizeof *cnt);
    double *sum = c->revenue ? xcalloc(ncells, sizeof *sum) : NULL;
    int64_t *size = xcalloc(ncs ? ncs : 1, sizeof *size);
    for (size_t i = 0; i < c->naccts; i++) {
        const acct *a = &c->accts[i];
        int32_t co = cohort_of(c, a);
        if (co == INT32_MIN) continue;
        size_t row = rowof ? rowof[co - lo] - 1 : cohort_row(cs, ncs, co);
        size[row]++;
        int64_t *rc = cnt + row * (size_t)np;
        if (cumulative) { /* counted in p0 … p(last active): marked at the end, summed below */
            if (a->n && a->ks[a->n - 1] >= co) {
                int64_t last = a->ks[a->n - 1] - co;
                rc[last < np ? last : np - 1]++;
            }
            continue;
        }
        for (uint32_t j = 0; j < a->n; j++) {
            int64_t k = (int64_t)a->ks[j] - co;
            if (k < 0 || k >= np) continue; /* before the cohort (from created), or past pN */
            rc[k]++;
            if (sum) sum[row * (size_t)np + (size_t)k] += a->sums[j];
        }
    }
    if (cumulative)
        for (size_t r = 0; r < ncs; r++)
            for (int64_t k = np - 2; k >= 0; k--)
                cnt[r * (size_t)np + (size_t)k] += cnt[r * (size_t)np + (size_t)k + 1];

    /* the data's last period, and whether the data end inside it */
    int64_t lastp = c->have_data ? period_index(c->unit, c->last_day) : INT64_MIN;
    value lastv = c->have_data ? period_at(c->unit, lastp) : v_null();
    bool incomplete = c->have_data && c->last_day < (int64_t)lastv.p.end - 1;

    /* output */
    FILE *f = NULL;
    render_opts o = *ro;
    if (c->export) {
        f = fopen(c->export->file, "w");
        if (!f) {
            free(cs), free(rowof), free(cnt), free(sum), free(size);
            return diag_set(c->d, DIAG_IO, c->export->file_off, c->export->file_len,
                            "cannot write %s: %s", c->export->file, strerror(errno));
        }
        out = f;
        o = (render_opts){.mode = render_export_mode(c->export->file), .headers = true};
    }
    bool table = o.mode == MODE_TABLE || o.mode == MODE_MARKDOWN;
    int ncols = 2 + (int)np + (table ? 0 : 1);
    const char **names = arena_alloc(c->a, sizeof(char *) * (size_t)ncols);
    names[0] = "cohort";
    names[1] = "size";
    for (int64_t k = 0; k < np; k++)
        names[2 + k] = arena_printf(c->a, "p%lld", (long long)k);
    if (!table) names[ncols - 1] = "complete";
    renderer *r = render_begin(out, &o, ncols, names);
    value *vals = xmalloc(sizeof(value) * (size_t)ncols);
    char buf[FMT_BUF];
    int first_inc = -1, last_inc = -1; /* rows whose shown cells reach into an incomplete period */
    for (size_t row = 0; row < ncs; row++) {
        int64_t co = cs[row];
        value pv = period_at(c->unit, co);
        int n = format_period(pv, buf);
        vals[0] = v_text(arena_strndup(c->a, buf, (size_t)n), (size_t)n);
        vals[1] = v_int(size[row]);
        const int64_t *rc = cnt + row * (size_t)np;
        const double *rs = sum ? sum + row * (size_t)np : NULL;
        for (int64_t k = 0; k < np; k++) {
            value v = v_null();
            if (c->have_data && co + k <= lastp) {
                if (rs && counts)
                    v = v_num(rs[k]);
                else if (rs)
                    v = rs[0] != 0 ? v_num(rs[k] / rs[0]) : v_null();
                else if (counts)
                    v = v_int(rc[k]);
                else
                    v = v_num((double)rc[k] / (double)size[row]);
                if (table && !counts && v.type == T_NUM) v.n = round(v.n * 1e4) / 1e4;
            }
            vals[2 + k] = v;
        }
        bool row_inc = incomplete && lastp - co >= 0 && lastp - co < np;
        if (row_inc) {
            if (first_inc < 0) first_inc = (int)row;
            last_inc = (int)row;
        }
        if (!table) vals[ncols - 1] = v_bool(!row_inc);
        render_row(r, vals);
    }
    if (table && first_inc >= 0) {
        char pb[FMT_BUF], db[FMT_BUF], c1[FMT_BUF], c2[FMT_BUF];
        format_period(lastv, pb);
        format_date(c->last_day, db);
        format_period(period_at(c->unit, cs[first_inc]), c1);
        format_period(period_at(c->unit, cs[last_inc]), c2);
        const char *note;
        if (first_inc == last_inc)
            note = arena_printf(c->a, "p%lld of %s (period %s) is incomplete: data end %s",
                                (long long)(lastp - cs[first_inc]), c1, pb, db);
        else
            note = arena_printf(c->a,
                                "p%lld of %s … p%lld of %s (period %s) are incomplete: data "
                                "end %s",
                                (long long)(lastp - cs[first_inc]), c1,
                                (long long)(lastp - cs[last_inc]), c2, pb, db);
        render_footnote(r, note);
    }
    render_end(r);
    free(vals);
    free(cs), free(rowof), free(cnt), free(sum), free(size);
    if (f) {
        int bad = ferror(f);
        if (fclose(f) != 0 || bad)
            return diag_setf(c->d, DIAG_IO, "cannot write %s: %s", c->export->file,
                             strerror(errno));
    }
    return 0;
}
