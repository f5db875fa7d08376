/* rfm.c: RFM scores of accounts; see rfm.h and docs/metrics.md.
 *
 * Each account added gets its recency (days from its last order in the
 * period to the period's last day), frequency (orders in the period) and
 * monetary value (their amounts summed) from one read of its interactions.
 * Scoring sorts the accounts that ordered by each of the three and cuts the
 * ranks into quintiles, ties kept together, as SQL's
 *   1 + 5 * (RANK() OVER (ORDER BY x) - 1) / COUNT(*) OVER ()
 * does (recency ordered by days descending: the longest ago scores 1). */
#include "rfm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static const char *const field_names[RFM_NFIELDS] = {
    "r", "f", "m", "rfm", "rfm_recency_days", "rfm_orders", "rfm_monetary"};
static const uint8_t field_types[RFM_NFIELDS] = {T_INT, T_INT, T_INT, T_TEXT, T_INT, T_INT, T_NUM};
const extfields rfm_fields_def = {RFM_NFIELDS, field_names, field_types};

/* One account of the input. */
typedef struct racc {
    const uint8_t *rec; /* in the transaction's map */
    size_t len;
    int64_t last;   /* day of its last order in the period */
    int64_t orders; /* 0: not scored */
    double money;
} racc;

struct rfm {
    store_cursor *icur; /* the interactions of one account after another */
    store_txn *t;
    diag *d;
    volatile sig_atomic_t *cancel;
    int64_t start, end; /* the period in days, end exclusive */
    racc *a;
    size_t n, cap;
    value *vals; /* after scoring: RFM_NFIELDS per account */
    char *codes; /* after scoring: "555" and a NUL per account */
};

/* ---- quintiles ---- */

typedef struct keyed {
    double x;
    size_t i;
} keyed;

/* Ascending, NaN above everything (a total order, as qsort needs). */
static int keyed_cmp(const void *a, const void *b)
{
    double x = ((const keyed *)a)->x, y = ((const keyed *)b)->x;
    bool xn = isnan(x), yn = isnan(y);
    if (xn || yn) return xn - yn;
    return x < y ? -1 : x > y;
}

void rfm_quintiles(const double *x, size_t n, uint8_t *out)
{
    if (n == 0) return;
    keyed *k = xmalloc(sizeof *k * n);
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){x[i], i};
    qsort(k, n, sizeof *k, keyed_cmp);
    size_t rank0 = 0; /* rank - 1 of the current run of equal values */
    for (size_t j = 0; j < n; j++) {
        if (j > 0 && keyed_cmp(&k[j - 1], &k[j]) != 0) rank0 = j;
        /* 5 * rank0 < 5 * n fits: n is bounded by memory */
        out[k[j].i] = (uint8_t)(1 + 5 * rank0 / n);
    }
    free(k);
}

/* ---- planning ---- */

rfm *rfm_plan(store_txn *t, diag *d, const stage *st, int entity, volatile sig_atomic_t *cancel)
{
    if (entity != ENT_ACCOUNTS) {
        diag_set(d, DIAG_SEMANTIC, st->off, st->len, "'rfm' needs accounts rows, not %s",
                 entity < 0 ? "computed rows (select, group, agg, count)" : source_name(entity));
        return NULL;
    }
    rfm *r = xcalloc(1, sizeof *r);
    r->t = t;
    r->d = d;
    r->cancel = cancel;
    r->start = st->period.p.start;
    r->end = st->period.p.end;
    return r;
}

void rfm_free(rfm *r)
{
    if (!r) return;
    store_cursor_close(r->icur);
    free(r->a);
    free(r->vals);
    free(r->codes);
    free(r);
}

/* ---- reading an account's orders ---- */

/* Folds the orders of account ID in the period into A. */
static int read_orders(rfm *r, value id, racc *a)
{
    int rc = store_interactions_reuse(r->t, id.s, id.len, &r->icur);
    store_cursor *cur = r->icur;
    if (rc) return diag_setf(r->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    const uint8_t *ir;
    size_t n;
    while ((rc = store_next(cur, &ir, &n)) == 1) {
        int64_t day;
        if (!day_of(rec_get(ir, n, I_AT), &day)) continue;
        if (day >= r->end) break; /* time order: the rest is later still */
        if (day < r->start || !text_is(rec_get(ir, n, I_KIND), "order")) continue;
        a->orders++;
        if (day > a->last) a->last = day;
        double amt;
        if (num_of(rec_get(ir, n, I_AMOUNT), &amt)) a->money += amt;
    }
    if (rc < 0) return diag_setf(r->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    return 0;
}

int rfm_add(rfm *r, const uint8_t *rec, size_t len)
{
    if ((r->n & 0xFF) == 0 && r->cancel && *r->cancel)
        return diag_setf(r->d, DIAG_INTERRUPT, "interrupted");
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->a = xrealloc(r->a, r->cap * sizeof *r->a);
    }
    racc *a = &r->a[r->n++];
    *a = (racc){.rec = rec, .len = len, .last = INT64_MIN};
    value id = rec_get(rec, len, A_ID);
    if (id.type != T_TEXT || id.len == 0) return 0;
    return read_orders(r, id, a);
}

/* ---- scoring ---- */

void rfm_score(rfm *r)
{
    size_t n = r->n;
    r->vals = xmalloc(sizeof(value) * RFM_NFIELDS * (n ? n : 1));
    r->codes = xmalloc(4 * (n ? n : 1));
    /* the scored accounts: those with an order in the period */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        ns += r->a[i].orders > 0;
    double *x = xmalloc(sizeof(double) * (ns ? ns : 1));
    uint8_t *sc = xmalloc(3 * (ns ? ns : 1));
    for (int k = 0; k < 3; k++) {
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            const racc *a = &r->a[i];
            if (a->orders == 0) continue;
            x[j++] = k == 0   ? (double)(a->last - r->end) /* = -(days + 1): more days rank lower */
                     : k == 1 ? (double)a->orders
                              : a->money;
        }
        rfm_quintiles(x, ns, sc + (size_t)k * ns);
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        const racc *a = &r->a[i];
        value *v = &r->vals[i * RFM_NFIELDS];
        char *code = &r->codes[i * 4];
        v[RFM_ORDERS] = v_int(a->orders);
        v[RFM_MONETARY] = v_num(a->money);
        if (a->orders == 0) {
            v[RFM_R] = v[RFM_F] = v[RFM_M] = v[RFM_RFM] = v[RFM_RECENCY_DAYS] = v_null();
            code[0] = 0;
            continue;
        }
        for (int k = 0; k < 3; k++) {
            uint8_t s = sc[(size_t)k * ns + j];
            v[RFM_R + k] = v_int(s);
            code[k] = (char)('0' + s);
        }
        code[3] = 0;
        v[RFM_RFM] = (value){.type = T_TEXT, .len = 3, .s = code};
        v[RFM_RECENCY_DAYS] = v_int(r->end - 1 - a->last);
        j++;
    }
    free(x);
    free(sc);
}

size_t rfm_count(const rfm *r)
{
    return r->n;
}

const uint8_t *rfm_record(const rfm *r, size_t i, size_t *len)
{
    *len = r->a[i].len;
    return r->a[i].rec;
}

const value *rfm_fields(const rfm *r, size_t i)
{
    return &r->vals[i * RFM_NFIELDS];
}
