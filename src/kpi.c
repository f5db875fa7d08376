/* kpi.c: KPIs and the account-management report (spec §10); see kpi.h and
 * docs/metrics.md.
 *
 * Every KPI of a period is a ratio of sums over accounts and their
 * interactions. The periods asked for (windows: `over P`, each period of
 * `per UNIT from … to …`, or the report's current, previous and year-to-date
 * spans), together with the previous period of each (for grr and nrr), cut
 * the time line at a sorted set of boundary days into segments. Interactions
 * are folded into per-segment sums: per group (revenue, orders, survey
 * responses: these add up across accounts) and per account (revenue and
 * upsells, needed per account because grr caps each account and upsell_rate
 * counts accounts). A window is then a range of segments, so overlapping
 * windows (year to date holds the current period) cost nothing extra.
 * Account membership (customer at the start or end, new, churned) comes from
 * the account's own created and closed dates. */
#include "kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "lex.h"
#include "record.h"

#define MAX_WINDOWS 10000 /* periods of `per … from … to …` */

/* A period to report on, and the one before it (grr, nrr). Days; ends exclusive. */
typedef struct window {
    int64_t start, end, pstart, pend;
    int bs, be, bps, bpe; /* their indexes among the boundaries */
    value label;          /* the period, for the period column */
} window;

/* Sums over the accounts of one group, for one window. Money adds up
 * exactly (xsum), so that two threads' shares of the accounts add up to the
 * digits of one. */
typedef struct wsum {
    int64_t s, e, n, churned, upsell;
    xsum cac, clv, cur, prev, capped;
} wsum;

/* Sums over the interactions of one group, for one segment. */
typedef struct ssum {
    xsum revenue, csat_sum;
    int64_t orders, nps_n, promoters, detractors, csat_n, csat_good;
} ssum;

typedef struct kgroup {
    value *keys; /* statement arena */
    uint64_t hash;
    wsum *w; /* [nwin]; owned */
    ssum *s; /* [nseg]; owned */
} kgroup;

/* The interaction columns, walked along as the accounts come in id order
 * (see iwalk_account()). */
typedef struct iwalk {
    store_cols *sc;
    colblock *b; /* the current block; NULL before the first */
    uint32_t i;  /* its next row */
    bool off;    /* not used: no columns, or accounts out of id order */
    bool end;    /* past the last block */
    bool seek;   /* the next account does not follow the last (kpi_jump()) */
    const colvec *acct, *at, *kind, *amount, *nps, *csat;
    uint8_t *kclass; /* ikind() of each value of a dictionary of kinds, or NULL */
    size_t capk;
    char *last; /* the last account read (from records: columns come in order) */
    size_t lastlen, lastcap;
} iwalk;

struct kpi {
    store_cursor *icur; /* the interactions of one account after another */
    iwalk iw;
    store_txn *t;
    arena *a;
    diag *d;
    const char *src;
    const stage *st;
    bool report;
    bool clv;     /* clv is asked for: it needs the orders before the first boundary */
    bool byrev;   /* nrr, grr or clv: each account's revenue per segment is needed */
    bool byups;   /* upsell_rate: each account's upsells per segment */
    bool prezero; /* prerev and preups are all zero */
    window *win;
    int nwin;
    int64_t *bounds; /* sorted distinct boundary days */
    int nb;          /* segments: nb - 1 */
    /* the by keys */
    item *keys;
    int nkeys;
    const char **keynames;
    plan_ctx pc;
    ectx ec;
    arena scratch;
    /* groups, and an open-addressing table of their index + 1 */
    kgroup *groups;
    size_t ngroups, capgroups;
    size_t *table;
    size_t tcap;
    /* per account, reused: revenue and upsells per segment, then their prefix sums */
    xsum *rev, *prerev;
    int64_t *ups, *preups;
};

/* ---- time ---- */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Index of boundary DAY (which is one). */
static int bound_index(const kpi *k, int64_t day)
{
    int lo = 0, hi = k->nb;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (k->bounds[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Segment of DAY: -1 before the first boundary, -2 at or after the last. */
static int segment_of(const kpi *k, int64_t day)
{
    if (day < k->bounds[0]) return -1;
    if (day >= k->bounds[k->nb - 1]) return -2;
    int lo = 0, hi = k->nb - 1; /* the last boundary <= day */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (k->bounds[mid] <= day)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Sets the windows and boundaries; false with D set when there are too many. */
static bool make_windows(kpi *k)
{
    const stage *st = k->st;
    value p = st->period;
    if (k->report) {
        k->nwin = 3;
        k->win = xcalloc(3, sizeof *k->win);
        value prev = period_shift(p, -1);
        k->win[0] = (window){.start = p.p.start, .end = p.p.end, .label = p};
        k->win[1] = (window){.start = prev.p.start, .end = prev.p.end, .label = prev};
        /* year to date: from the start of P's year to P's end; its previous span (NRR) is
         * the same one a year earlier */
        int64_t y, ys, pys, pend;
        if (p.unit == U_WEEK) {
            /* an ISO week: from the Monday of week 1 of its ISO year; a year earlier, week 1
             * to the same week of the ISO year before (its last week, when it has no 53rd) */
            int w;
            iso_week_from_days(p.p.start, &y, &w);
            ys = days_from_iso_week(y, 1);
            pys = days_from_iso_week(y - 1, 1);
            pend = days_from_iso_week(y - 1, w) + 7;
            if (pend > ys) pend = ys;
        } else {
            int m, dd;
            civil_from_days(p.p.start, &y, &m, &dd);
            ys = days_from_civil(y, 1, 1);
            pys = days_add_months(ys, -12);
            pend = days_add_months(p.p.end, -12);
        }
        k->win[2] = (window){.start = ys, .end = p.p.end, .pstart = pys, .pend = pend, .label = p};
        for (int i = 0; i < 2; i++) {
            value pp = period_shift(k->win[i].label, -1);
            k->win[i].pstart = pp.p.start;
            k->win[i].pend = pp.p.end;
        }
    } else if (st->unit) {
        value first = period_of(st->unit, st->period.p.start);
        value last = period_of(st->unit, st->period_to.p.end - 1);
        if (last.p.start < first.p.start) {
            diag_set(k->d, DIAG_SEMANTIC, st->per_off, st->per_len,
                     "the first period is after the last");
            return false;
        }
        int n = 0;
        for (value q = first; q.p.start <= last.p.start; q = period_shift(q, 1))
            if (++n > MAX_WINDOWS) {
                diag_set(k->d, DIAG_SEMANTIC, st->per_off, st->per_len,
                         "too many periods (over %d)", MAX_WINDOWS);
                return false;
            }
        k->nwin = n;
        k->win = xcalloc((size_t)n, sizeof *k->win);
        value q = first;
        for (int i = 0; i < n; i++, q = period_shift(q, 1)) {
            value pq = period_shift(q, -1);
            k->win[i] = (window){.start = q.p.start,
                                 .end = q.p.end,
                                 .pstart = pq.p.start,
                                 .pend = pq.p.end,
                                 .label = q};
        }
    } else {
        value pq = period_shift(p, -1);
        k->nwin = 1;
        k->win = xcalloc(1, sizeof *k->win);
        k->win[0] = (window){
            .start = p.p.start, .end = p.p.end, .pstart = pq.p.start, .pend = pq.p.end, .label = p};
    }
    k->bounds = xmalloc(sizeof(int64_t) * 4 * (size_t)k->nwin);
    int nb = 0;
    for (int i = 0; i < k->nwin; i++) {
        const window *w = &k->win[i];
        k->bounds[nb++] = w->start;
        k->bounds[nb++] = w->end;
        k->bounds[nb++] = w->pstart;
        k->bounds[nb++] = w->pend;
    }
    qsort(k->bounds, (size_t)nb, sizeof *k->bounds, cmp_i64);
    int u = 0;
    for (int i = 0; i < nb; i++)
        if (u == 0 || k->bounds[u - 1] != k->bounds[i]) k->bounds[u++] = k->bounds[i];
    k->nb = u;
    for (int i = 0; i < k->nwin; i++) {
        window *w = &k->win[i];
        w->bs = bound_index(k, w->start);
        w->be = bound_index(k, w->end);
        w->bps = bound_index(k, w->pstart);
        w->bpe = bound_index(k, w->pend);
    }
    size_t nseg = (size_t)(k->nb - 1 > 0 ? k->nb - 1 : 1);
    k->rev = xcalloc(nseg, sizeof *k->rev);
    k->ups = xcalloc(nseg, sizeof *k->ups);
    k->prerev = xcalloc((size_t)k->nb, sizeof *k->prerev);
    k->preups = xcalloc((size_t)k->nb, sizeof *k->preups);
    return true;
}

/* ---- planning ---- */

kpi *kpi_plan(store_txn *t, arena *a, diag *d, const char *src, const stage *st, int nrest,
              int entity, const extfields *ext, regex_obj **regexes)
{
    const char *what = st->kind == S_REPORT ? "report" : "kpi";
    if (nrest > 0) {
        const stage *x = st + 1;
        diag_set(d, DIAG_SEMANTIC, x->off, x->len, "'%s' must be the last stage", what);
        return NULL;
    }
    if (entity != ENT_ACCOUNTS) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len, "'%s' needs accounts rows, not %s", what,
                 entity < 0 ? "computed rows (select, group, agg, count)" : source_name(entity));
        return NULL;
    }
    kpi *k = xcalloc(1, sizeof *k);
    k->t = t;
    k->a = a;
    k->d = d;
    k->src = src;
    k->st = st;
    k->report = st->kind == S_REPORT;
    k->clv = k->byrev = k->byups = k->report;
    k->prezero = true;
    for (int i = 0; i < st->nkpis; i++) {
        int kid = st->kpis[i];
        k->clv |= kid == K_CLV;
        k->byrev |= kid == K_CLV || kid == K_NRR || kid == K_GRR;
        k->byups |= kid == K_UPSELL_RATE;
    }
    arena_init(&k->scratch);
    if (!make_windows(k)) {
        kpi_free(k);
        return NULL;
    }
    plan_source(&k->pc, t, a, d, ENT_ACCOUNTS, regexes);
    if (ext) k->pc.ext = *ext;
    k->keys = st->items;
    k->nkeys = k->report ? 0 : st->nitems;
    if (k->nkeys > 64) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len, "too many group keys (over 64)");
        kpi_free(k);
        return NULL;
    }
    k->keynames = arena_alloc(a, sizeof(char *) * (size_t)(k->nkeys ? k->nkeys : 1));
    for (int i = 0; i < k->nkeys; i++) {
        if (plan_expr(&k->pc, k->keys[i].e)) {
            kpi_free(k);
            return NULL;
        }
        k->keynames[i] = k->keys[i].name ? k->keys[i].name : expr_name(a, k->keys[i].e, src);
    }
    ectx_init(&k->ec, &k->pc);
    k->ec.src = src;
    const char *off = getenv("KASH_NO_COLUMNS");
    k->iw.off = (off && *off) || store_cols_open(t, ENT_INTERACTIONS, &k->iw.sc) != 0;
    return k;
}

void kpi_free(kpi *k)
{
    if (!k) return;
    store_cursor_close(k->icur);
    store_cols_close(k->iw.sc);
    free(k->iw.kclass);
    free(k->iw.last);
    for (size_t i = 0; i < k->ngroups; i++) {
        free(k->groups[i].w);
        free(k->groups[i].s);
    }
    free(k->groups);
    free(k->table);
    free(k->win);
    free(k->bounds);
    free(k->rev);
    free(k->ups);
    free(k->prerev);
    free(k->preups);
    arena_free(&k->scratch);
    free(k);
}

/* ---- groups ---- */

/* The group of KEYS, created when new. */
static kgroup *group_of(kpi *k, const value *keys)
{
    uint64_t h = keys_hash(keys, k->nkeys);
    if (k->ngroups * 2 >= k->tcap) {
        size_t cap = k->tcap ? k->tcap * 2 : 64;
        size_t *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < k->ngroups; i++) {
            size_t j = k->groups[i].hash & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = i + 1;
        }
        free(k->table);
        k->table = t;
        k->tcap = cap;
    }
    size_t j = h & (k->tcap - 1);
    while (k->table[j]) {
        kgroup *g = &k->groups[k->table[j] - 1];
        if (g->hash == h && keys_eq(g->keys, keys, k->nkeys)) return g;
        j = (j + 1) & (k->tcap - 1);
    }
    if (k->ngroups == k->capgroups) {
        k->capgroups = k->capgroups ? k->capgroups * 2 : 16;
        k->groups = xrealloc(k->groups, k->capgroups * sizeof *k->groups);
    }
    kgroup *g = &k->groups[k->ngroups];
    g->hash = h;
    g->keys = arena_alloc(k->a, sizeof(value) * (size_t)(k->nkeys ? k->nkeys : 1));
    for (int i = 0; i < k->nkeys; i++) {
        g->keys[i] = keys[i];
        if (keys[i].type == T_TEXT) g->keys[i].s = arena_strndup(k->a, keys[i].s, keys[i].len);
    }
    g->w = xcalloc((size_t)k->nwin, sizeof *g->w);
    g->s = xcalloc((size_t)(k->nb > 1 ? k->nb - 1 : 1), sizeof *g->s);
    k->table[j] = ++k->ngroups;
    return g;
}

/* ---- folding in an account ---- */

/* What the KPIs tell apart of an interaction's kind. */
enum { IK_OTHER, IK_ORDER, IK_UPSELL };

static int ikind(value kind)
{
    if (text_is(kind, "order")) return IK_ORDER;
    return text_is(kind, "upsell") || text_is(kind, "cross_sell") ? IK_UPSELL : IK_OTHER;
}

/* Folds an interaction of segment J (>= 0) of kind IK into G's segment sums
 * and the account's own arrays. */
static void fold_in(kpi *k, kgroup *g, int j, int ik, value amount, value nps, value csat,
                    bool *touched)
{
    ssum *s = &g->s[j];
    double x;
    if (ik == IK_ORDER) {
        s->orders++;
        if (num_of(amount, &x)) {
            xsum_num(&s->revenue, x);
            if (k->byrev) {
                xsum_num(&k->rev[j], x);
                *touched = true;
            }
        }
    } else if (ik == IK_UPSELL && k->byups) {
        k->ups[j]++;
        *touched = true;
    }
    if (num_of(nps, &x)) {
        s->nps_n++;
        if (x >= 9) s->promoters++;
        if (x <= 6) s->detractors++;
    }
    if (num_of(csat, &x)) {
        s->csat_n++;
        xsum_num(&s->csat_sum, x);
        if (x >= 4) s->csat_good++;
    }
}

/* Folds the interactions of account ID into G's segment sums and the
 * account's own arrays, from its records. *BEFORE: order revenue before the
 * first boundary. Returns 0, or -1 with D set. */
static int add_interactions(kpi *k, kgroup *g, value id, xsum *before, bool *touched)
{
    int rc = store_interactions_reuse(k->t, id.s, id.len, &k->icur);
    store_cursor *cur = k->icur;
    if (rc) return diag_setf(k->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    const uint8_t *r;
    size_t n;
    while ((rc = store_next(cur, &r, &n)) == 1) {
        int64_t day;
        rec_view rv = rec_view_of(r, n);
        if (!day_of(rec_view_get(&rv, I_AT), &day)) continue;
        int j = segment_of(k, day);
        if (j == -2) break; /* time order: the rest is later still */
        int ik = ikind(rec_view_get(&rv, I_KIND));
        double x;
        if (j == -1) {
            if (ik == IK_ORDER && num_of(rec_view_get(&rv, I_AMOUNT), &x)) xsum_num(before, x);
            continue;
        }
        fold_in(k, g, j, ik, rec_view_get(&rv, I_AMOUNT), rec_view_get(&rv, I_NPS),
                rec_view_get(&rv, I_CSAT), touched);
    }
    if (rc < 0) return diag_setf(k->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    return 0;
}

/* The account of row I of the walk's block. */
static value iwalk_acct(const iwalk *w, uint32_t i)
{
    return col_get(w->acct, i);
}

/* Moves the walk to its next block: 1, 0 at the end, -1 with D set. */
static int iwalk_next(kpi *k)
{
    iwalk *w = &k->iw;
    int rc = store_cols_next(w->sc, &w->b);
    if (rc == 0) {
        w->end = true;
        w->b = NULL;
        return 0;
    }
    if (rc == 1) {
        colblock *b = w->b;
        w->i = 0;
        w->acct = colblock_col(b, I_ACCOUNT);
        w->at = colblock_col(b, I_AT);
        w->kind = colblock_col(b, I_KIND);
        w->amount = colblock_col(b, I_AMOUNT);
        w->nps = colblock_col(b, I_NPS);
        w->csat = colblock_col(b, I_CSAT);
        const colvec *kc = w->kind;
        if (kc->kind == COL_DICT) {
            if (kc->ndict > w->capk) w->kclass = xrealloc(w->kclass, w->capk = kc->ndict);
            for (uint32_t c = 0; c < kc->ndict; c++)
                w->kclass[c] = (uint8_t)ikind(col_dict_value(kc, c));
        }
        if ((rc = b->err) == 0) return 1;
    }
    return diag_setf(k->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
}

/* The rows [I, E) of the walk's block, of the account being added, when
 * their times are integers and their kinds a dictionary: the loop of
 * iwalk_account() with a row's time compared as it is stored (seconds or
 * days) with the first and last boundaries. */
static void iwalk_run(kpi *k, kgroup *g, uint32_t i, uint32_t e, xsum *before, bool *touched)
{
    iwalk *w = &k->iw;
    const colvec *at = w->at, *kc = w->kind;
    int64_t unit = at->type == T_DATETIME ? 86400 : 1;
    int64_t lo = k->bounds[0] * unit, hi = k->bounds[k->nb - 1] * unit;
    if (!k->clv) /* no order before the first boundary counts: skip them */
        while (i < e && col_int(at, i) < lo)
            i++; /* (null times, first in key order, read 0: below LO) */
    for (uint32_t r = i; r < e; r++) {
        if (col_isnull(at, r)) continue;
        int64_t t = col_int(at, r);
        if (t >= hi) break; /* time order: the rest of the run is later still */
        int ik = col_isnull(kc, r) ? IK_OTHER : w->kclass[col_code(kc, r)];
        double x;
        if (t < lo) {
            if (ik == IK_ORDER && num_of(col_get(w->amount, r), &x)) xsum_num(before, x);
            continue;
        }
        int j = segment_of(k, floor_div(t, unit));
        fold_in(k, g, j, ik, col_get(w->amount, r), col_get(w->nps, r), col_get(w->csat, r),
                touched);
    }
}

/* add_interactions() from the interaction columns, walked along with the
 * accounts: an account's rows are found by going on from where the last
 * account's ended, which holds while the accounts come in id order (a scan
 * of the accounts, filtered or not). 1 when done, 0 when the walk cannot
 * serve ID (no columns, or an account out of order: it and all after it read
 * their records), -1 with D set. */
static int iwalk_account(kpi *k, kgroup *g, value id, xsum *before, bool *touched)
{
    iwalk *w = &k->iw;
    if (w->off) return 0;
    if (!k->ec.cb) { /* (rows of the account columns come in id order) */
        if (w->last && bytes_cmp(id.s, id.len, w->last, w->lastlen) <= 0) {
            w->off = true;
            return 0;
        }
        if (id.len + 1 > w->lastcap) w->last = xrealloc(w->last, w->lastcap = id.len + 1);
        memcpy(w->last, id.s, id.len);
        w->lastlen = id.len;
    }
    if (w->seek) {
        w->seek = false;
        int rc = store_cols_seek(w->sc, id.s, id.len);
        if (rc) return diag_setf(k->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
        w->b = NULL;
        w->end = false;
    }
    for (;;) {
        if (!w->b || w->i >= w->b->n) {
            if (w->end) return 1;
            int rc = iwalk_next(k);
            if (rc <= 0) return rc < 0 ? -1 : 1;
            continue;
        }
        uint32_t n = w->b->n, i = w->i, e = i + 1;
        value a = iwalk_acct(w, i);
        int c = a.type == T_TEXT ? bytes_cmp(a.s, a.len, id.s, id.len) : -1;
        if (c > 0) return 1; /* ID has no (more) rows */
        /* the run of rows of account A */
        if (w->acct->kind == COL_DICT) {
            uint32_t code = col_code(w->acct, i);
            while (e < n && col_code(w->acct, e) == code)
                e++;
        } else {
            for (value b; e < n && (b = iwalk_acct(w, e)).type == a.type && b.len == a.len &&
                          memcmp(b.s, a.s, a.len) == 0;)
                e++;
        }
        w->i = e;
        if (c < 0) continue;
        if (w->at->kind == COL_INT && w->kind->kind == COL_DICT &&
            (w->at->type == T_DATETIME || w->at->type == T_DATE)) {
            iwalk_run(k, g, i, e, before, touched);
            continue;
        }
        for (uint32_t r = i; r < e; r++) {
            int64_t day;
            if (!day_of(col_get(w->at, r), &day)) continue;
            int j = segment_of(k, day);
            if (j == -2) break; /* time order: the rest of the run is later still */
            const colvec *kc = w->kind;
            int ik = kc->kind != COL_DICT ? ikind(col_get(kc, r))
                     : col_isnull(kc, r)  ? IK_OTHER
                                          : w->kclass[col_code(kc, r)];
            double x;
            if (j == -1) {
                if (ik == IK_ORDER && num_of(col_get(w->amount, r), &x)) xsum_num(before, x);
                continue;
            }
            fold_in(k, g, j, ik, col_get(w->amount, r), col_get(w->nps, r), col_get(w->csat, r),
                    touched);
        }
    }
}

/* Whether sum A is below sum B (exact ones compare exactly). */
static bool xsum_less(const xsum *a, const xsum *b)
{
    if (!a->inexact && !b->inexact) return a->cents < b->cents;
    return xsum_value(a) < xsum_value(b);
}

/* Customer at day T: created <= T and (closed is null or closed > T). */
static bool customer_at(bool has_created, int64_t created, bool has_closed, int64_t closed,
                        int64_t t)
{
    return has_created && created <= t && (!has_closed || closed > t);
}

int kpi_add(kpi *k, const uint8_t *rec, size_t len, colblock *cb, uint32_t ci, const value *ext)
{
    if (cb)
        ectx_colrow(&k->ec, cb, ci);
    else
        ectx_row(&k->ec, rec, len);
    value id = ectx_field(&k->ec, A_ID);
    if (id.type != T_TEXT) return 0;
    value keys[64];
    k->ec.ext = ext;
    k->ec.a = &k->scratch;
    for (int i = 0; i < k->nkeys; i++)
        if (eval(&k->ec, k->keys[i].e, &keys[i])) {
            arena_reset(&k->scratch);
            return -1;
        }
    kgroup *g = group_of(k, keys);
    arena_reset(&k->scratch);

    int nseg = k->nb - 1;
    xsum before = {0};
    bool touched = false;
    int walked = iwalk_account(k, g, id, &before, &touched);
    if (walked < 0 || (!walked && add_interactions(k, g, id, &before, &touched))) return -1;
    /* prefix sums: pre[i] = sum of segments below boundary i */
    if (touched) {
        k->prerev[0] = (xsum){0}, k->preups[0] = 0;
        for (int j = 0; j < nseg; j++) {
            k->prerev[j + 1] = k->prerev[j];
            xsum_merge(&k->prerev[j + 1], &k->rev[j]);
            k->preups[j + 1] = k->preups[j] + k->ups[j];
        }
        memset(k->rev, 0, sizeof *k->rev * (size_t)(nseg > 0 ? nseg : 1));
        memset(k->ups, 0, sizeof *k->ups * (size_t)(nseg > 0 ? nseg : 1));
        k->prezero = false;
    } else if (!k->prezero) {
        memset(k->prerev, 0, sizeof *k->prerev * (size_t)k->nb);
        memset(k->preups, 0, sizeof *k->preups * (size_t)k->nb);
        k->prezero = true;
    }

    int64_t created = 0, closed = 0;
    bool hcr = day_of(ectx_field(&k->ec, A_CREATED), &created);
    bool hcl = day_of(ectx_field(&k->ec, A_CLOSED), &closed);
    double cac = 0;
    bool hcac = num_of(ectx_field(&k->ec, A_CAC), &cac);
    for (int i = 0; i < k->nwin; i++) {
        const window *w = &k->win[i];
        wsum *s = &g->w[i];
        if (customer_at(hcr, created, hcl, closed, w->start)) {
            s->s++;
            if (k->preups[w->be] - k->preups[w->bs] > 0) s->upsell++;
            if (k->byrev) {
                xsum cur = k->prerev[w->be], prev = k->prerev[w->bpe];
                xsum_sub(&cur, &k->prerev[w->bs]);
                xsum_sub(&prev, &k->prerev[w->bps]);
                xsum_merge(&s->cur, &cur);
                xsum_merge(&s->prev, &prev);
                xsum_merge(&s->capped, xsum_less(&cur, &prev) ? &cur : &prev);
            }
        }
        if (customer_at(hcr, created, hcl, closed, w->end - 1)) {
            s->e++;
            if (k->clv) { /* all orders before the window's end */
                xsum_merge(&s->clv, &before);
                xsum_merge(&s->clv, &k->prerev[w->be]);
            }
        }
        if (hcr && created >= w->start && created < w->end) {
            s->n++;
            if (hcac) xsum_num(&s->cac, cac);
        }
        if (hcl && closed >= w->start && closed < w->end) s->churned++;
    }
    return 0;
}

void kpi_jump(kpi *k)
{
    k->iw.seek = true;
}

bool kpi_merge(kpi *k, const kpi *w)
{
    int nseg = k->nb > 1 ? k->nb - 1 : 1;
    for (size_t i = 0; i < w->ngroups; i++) {
        const kgroup *from = &w->groups[i];
        kgroup *to = group_of(k, from->keys);
        for (int j = 0; j < k->nwin; j++) {
            wsum *a = &to->w[j];
            const wsum *b = &from->w[j];
            a->s += b->s, a->e += b->e, a->n += b->n;
            a->churned += b->churned, a->upsell += b->upsell;
            if (!xsum_join(&a->cac, &b->cac) || !xsum_join(&a->clv, &b->clv) ||
                !xsum_join(&a->cur, &b->cur) || !xsum_join(&a->prev, &b->prev) ||
                !xsum_join(&a->capped, &b->capped))
                return false;
        }
        for (int j = 0; j < nseg; j++) {
            ssum *a = &to->s[j];
            const ssum *b = &from->s[j];
            a->orders += b->orders, a->nps_n += b->nps_n;
            a->promoters += b->promoters, a->detractors += b->detractors;
            a->csat_n += b->csat_n, a->csat_good += b->csat_good;
            if (!xsum_join(&a->revenue, &b->revenue) || !xsum_join(&a->csat_sum, &b->csat_sum))
                return false;
        }
    }
    return true;
}

/* ---- the KPIs ---- */

/* Sums of G's segments [BS, BE). */
static ssum range_sum(const kpi *k, const kgroup *g, int bs, int be)
{
    ssum r = {0};
    for (int j = bs; j < be; j++) {
        const ssum *s = &g->s[j];
        xsum_merge(&r.revenue, &s->revenue);
        r.orders += s->orders;
        r.nps_n += s->nps_n;
        r.promoters += s->promoters;
        r.detractors += s->detractors;
        r.csat_n += s->csat_n;
        xsum_merge(&r.csat_sum, &s->csat_sum);
        r.csat_good += s->csat_good;
    }
    return r;
}

static value ratio(double num, double den)
{
    return den != 0 ? v_num(num / den) : v_null();
}

/* KPI K of group G in window I. */
static value kpi_value(const kpi *k, const kgroup *g, int i, int kid)
{
    const window *w = &k->win[i];
    const wsum *s = &g->w[i];
    ssum r = range_sum(k, g, w->bs, w->be);
    switch (kid) {
    case K_CUSTOMERS: return v_int(s->e);
    case K_NEW_CUSTOMERS: return v_int(s->n);
    case K_CHURNED: return v_int(s->churned);
    case K_RETENTION_RATE: return ratio((double)(s->e - s->n), (double)s->s);
    case K_CHURN_RATE: return ratio((double)s->churned, (double)s->s);
    case K_REVENUE: return v_num(xsum_value(&r.revenue));
    case K_ORDERS: return v_int(r.orders);
    case K_AOV: return ratio(xsum_value(&r.revenue), (double)r.orders);
    case K_NPS: return ratio(100.0 * (double)(r.promoters - r.detractors), (double)r.nps_n);
    case K_CSAT: return ratio((double)r.csat_good, (double)r.csat_n);
    case K_CSAT_AVG: return ratio(xsum_value(&r.csat_sum), (double)r.csat_n);
    case K_CLV: return ratio(xsum_value(&s->clv), (double)s->e);
    case K_CAC: return ratio(xsum_value(&s->cac), (double)s->n);
    case K_UPSELL_RATE: return ratio((double)s->upsell, (double)s->s);
    case K_GRR: return ratio(xsum_value(&s->capped), xsum_value(&s->prev));
    case K_NRR: return ratio(xsum_value(&s->cur), xsum_value(&s->prev));
    default: return v_null();
    }
}

enum { KF_COUNT, KF_RATE, KF_MONEY, KF_SCORE };

/* How a KPI is shown in table mode. */
static int kpi_format(int kid)
{
    switch (kid) {
    case K_CUSTOMERS:
    case K_NEW_CUSTOMERS:
    case K_CHURNED:
    case K_ORDERS: return KF_COUNT;
    case K_REVENUE:
    case K_AOV:
    case K_CLV:
    case K_CAC: return KF_MONEY;
    case K_NPS:
    case K_CSAT_AVG: return KF_SCORE;
    default: return KF_RATE;
    }
}

/* True when lower values of KPI are better. */
static bool lower_is_better(int kid)
{
    return kid == K_CHURN_RATE || kid == K_CAC;
}

static int group_cmp(const void *a, const void *b, void *ctx)
{
    const kpi *k = ctx;
    const kgroup *x = a, *y = b;
    for (int i = 0; i < k->nkeys; i++) {
        int c = value_cmp(&x->keys[i], &y->keys[i]);
        if (c) return c;
    }
    return 0;
}

static value text_value(arena *a, const char *s)
{
    return v_text(arena_strndup(a, s, strlen(s)), strlen(s));
}

/* X rounded half away from zero to DIGITS decimals, as round(x, digits) and
 * the kpi table do (printf alone would round a binary tie such as 142.625 to
 * even); a zero comes out as +0, never -0. */
static double round_dec(double x, int digits)
{
    double m = pow(10, digits);
    double y = round(x * m) / m;
    return isfinite(y) ? y + 0.0 : x;
}

/* V as table text in format F: rates as percents, money with two decimals. */
static value shown(arena *a, value v, int f)
{
    if (v.type != T_NUM && v.type != T_INT) return v;
    double x = v.type == T_INT ? (double)v.i : v.n;
    switch (f) {
    case KF_RATE: return text_value(a, arena_printf(a, "%.2f%%", round_dec(x, 4) * 100));
    case KF_MONEY: return text_value(a, arena_printf(a, "%.2f", round_dec(x, 2)));
    case KF_SCORE: return text_value(a, arena_printf(a, "%.1f", round_dec(x, 1)));
    default: return text_value(a, arena_printf(a, "%.0f", round_dec(x, 0)));
    }
}

static int finish_kpi(kpi *k, FILE *out, const render_opts *ro)
{
    const stage *st = k->st;
    bool table = ro->mode == MODE_TABLE || ro->mode == MODE_MARKDOWN;
    if (k->nkeys == 0 && k->ngroups == 0) group_of(k, NULL); /* one row even without accounts */
    if (k->ngroups > 1) qsort_r(k->groups, k->ngroups, sizeof *k->groups, group_cmp, k);
    bool per = st->unit != 0;
    int lead = (per ? 1 : 0) + k->nkeys;
    int ncols = lead + st->nkpis;
    const char **names = arena_alloc(k->a, sizeof(char *) * (size_t)ncols);
    int c = 0;
    if (per) names[c++] = "period";
    for (int i = 0; i < k->nkeys; i++)
        names[c++] = k->keynames[i];
    for (int i = 0; i < st->nkpis; i++)
        names[c++] = kpi_names[st->kpis[i]];
    renderer *r = render_begin(out, ro, ncols, names);
    value *vals = xmalloc(sizeof(value) * (size_t)ncols);
    char buf[FMT_BUF];
    for (int i = 0; i < k->nwin; i++) {
        value label = v_null();
        if (per) {
            int n = format_period(k->win[i].label, buf);
            label = v_text(arena_strndup(&k->scratch, buf, (size_t)n), (size_t)n);
        }
        for (size_t gi = 0; gi < k->ngroups; gi++) {
            const kgroup *g = &k->groups[gi];
            c = 0;
            if (per) vals[c++] = label;
            for (int j = 0; j < k->nkeys; j++)
                vals[c++] = g->keys[j];
            for (int j = 0; j < st->nkpis; j++) {
                value v = kpi_value(k, g, i, st->kpis[j]);
                if (table && v.type == T_NUM) /* round for reading; csv/json keep all digits */
                    v.n = round_dec(v.n, kpi_format(st->kpis[j]) == KF_RATE ? 4 : 2);
                vals[c++] = v;
            }
            render_row(r, vals);
        }
        arena_reset(&k->scratch);
    }
    render_end(r);
    free(vals);
    return 0;
}

/* The report's rows: metric label and KPI. */
static const struct {
    const char *label;
    int kid;
} report_rows[] = {
    {"customers", K_CUSTOMERS},
    {"retention rate", K_RETENTION_RATE},
    {"churn rate", K_CHURN_RATE},
    {"revenue", K_REVENUE},
    {"AOV", K_AOV},
    {"CLV", K_CLV},
    {"CAC", K_CAC},
    {"NPS", K_NPS},
    {"CSAT", K_CSAT},
    {"upsell rate", K_UPSELL_RATE},
    {"NRR", K_NRR},
};

static int finish_report(kpi *k, FILE *out, const render_opts *ro)
{
    bool table = ro->mode == MODE_TABLE || ro->mode == MODE_MARKDOWN;
    if (k->ngroups == 0) group_of(k, NULL);
    const kgroup *g = &k->groups[0];
    static const char *const names[] = {"metric", "current", "previous", "ytd", "target", "status"};
    renderer *r = render_begin(out, ro, 6, names);
    for (size_t i = 0; i < sizeof report_rows / sizeof report_rows[0]; i++) {
        int kid = report_rows[i].kid;
        value vals[6];
        vals[0] = text_value(&k->scratch, report_rows[i].label);
        for (int w = 0; w < 3; w++)
            vals[1 + w] = kpi_value(k, g, w, kid);
        double target;
        vals[4] = kpi_target_get(k->t, kid, &target) ? v_num(target) : v_null();
        vals[5] = v_null();
        if (vals[4].type != T_NULL && vals[1].type != T_NULL) {
            double cur = vals[1].type == T_INT ? (double)vals[1].i : vals[1].n;
            bool ok = lower_is_better(kid) ? cur <= target : cur >= target;
            vals[5] = text_value(&k->scratch, ok ? "on target" : "below target");
        }
        if (table)
            for (int c = 1; c <= 4; c++)
                vals[c] = shown(&k->scratch, vals[c], kpi_format(kid));
        render_row(r, vals);
        arena_reset(&k->scratch);
    }
    render_end(r);
    return 0;
}

int kpi_finish(kpi *k, FILE *out, const render_opts *ro)
{
    return k->report ? finish_report(k, out, ro) : finish_kpi(k, out, ro);
}

/* ---- targets ---- */

static const char *target_key(int kid, char *buf, size_t n)
{
    snprintf(buf, n, "target/%s", kpi_names[kid]);
    return buf;
}

int kpi_target_get(store_txn *t, int kid, double *out)
{
    char key[64], text[64];
    const void *v;
    size_t n;
    if (store_meta_get(t, target_key(kid, key, sizeof key), &v, &n) || n == 0 || n >= sizeof text)
        return 0;
    memcpy(text, v, n);
    text[n] = 0;
    return parse_num(text, n, out) ? 1 : 0;
}

/* Parses VALUE as a number literal (optionally negative): 90%, 1.5M, 0.9. */
static bool target_value(const char *s, double *out)
{
    diag d;
    diag_clear(&d);
    lexer lx;
    lex_init(&lx, s, strlen(s), &d);
    token t, t2;
    int kind = lex_next(&lx, &t);
    bool neg = kind == TK_MINUS;
    if (neg) kind = lex_next(&lx, &t);
    if (kind != TK_INT && kind != TK_NUM && kind != TK_PERCENT) return false;
    if (lex_next(&lx, &t2) != TK_EOF || d.code != DIAG_OK) return false;
    value v = lex_number(&lx, &t);
    double x = v.type == T_INT ? (double)v.i : v.n;
    if (!isfinite(x)) return false;
    *out = neg ? -x : x;
    return true;
}

static int target_list(store *db, FILE *out, const render_opts *ro, int only, char *err,
                       size_t errlen)
{
    store_txn *t;
    int rc = store_begin(db, false, &t);
    if (rc) {
        snprintf(err, errlen, "cannot read %s: %s", store_path(db), store_strerror(rc));
        return -1;
    }
    static const char *const names[] = {"kpi", "target"};
    renderer *r = render_begin(out, ro, 2, names);
    for (int i = 0; i < K_NKPIS; i++) {
        if (only >= 0 && i != only) continue;
        double x;
        bool has = kpi_target_get(t, i, &x);
        if (!has && only < 0) continue;
        value v[2] = {v_text(kpi_names[i], strlen(kpi_names[i])), has ? v_num(x) : v_null()};
        render_row(r, v);
    }
    render_end(r);
    store_abort(t);
    return 0;
}

int kpi_target_command(store *db, FILE *out, const render_opts *ro, const char *args, char *err,
                       size_t errlen)
{
    while (*args == ' ' || *args == '\t')
        args++;
    if (!*args) return target_list(db, out, ro, -1, err, errlen);
    const char *e = args;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    int kid = kpi_lookup(args, (size_t)(e - args));
    if (kid < 0) {
        snprintf(err, errlen,
                 "unknown KPI '%.*s' (customers, new_customers, churned, retention_rate, "
                 "churn_rate, revenue, orders, aov, nps, csat, csat_avg, clv, cac, upsell_rate, "
                 "grr, nrr)",
                 (int)(e - args > 40 ? 40 : e - args), args);
        return -1;
    }
    while (*e == ' ' || *e == '\t')
        e++;
    if (!*e) return target_list(db, out, ro, kid, err, errlen);
    char text[64] = "";
    size_t n = 0;
    if (strcmp(e, "none") != 0) {
        double x;
        if (!target_value(e, &x)) {
            snprintf(err, errlen, "a target is a number such as 90%%, 0.9, 1.5M or 250");
            return -1;
        }
        n = (size_t)snprintf(text, sizeof text, "%.17g", x);
    }
    store_txn *t;
    int rc = store_begin(db, true, &t);
    if (rc) {
        if (rc == STORE_EREADONLY)
            snprintf(err, errlen, "cannot set a target: the database is read-only");
        else
            snprintf(err, errlen, "cannot write %s: %s", store_path(db), store_strerror(rc));
        return -1;
    }
    char key[64];
    rc = store_meta_put(t, target_key(kid, key, sizeof key), text, n);
    if (rc) {
        store_abort(t);
        snprintf(err, errlen, "cannot write the target: %s", store_strerror(rc));
        return -1;
    }
    rc = store_commit(t);
    if (rc) {
        snprintf(err, errlen, "cannot write the target: %s", store_strerror(rc));
        return -1;
    }
    return 0;
}
