/* mutate.c: set, retier and assign (spec §5), their preview, confirmation and
 * audit trail; and undo.
 *
 * A mutation runs in one write transaction: the pipeline before it selects
 * the accounts (exec_collect), the change set is computed in full (each
 * account's old and new values), previewed or confirmed, then written with
 * one history row per changed field. Any failure aborts the transaction, so
 * either all of it lands or none of it does. */
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "exec.h"

/* One changed field of one account. */
typedef struct change {
    uint32_t acc; /* index into the collected accounts */
    int slot;
    value old, new;
} change;

typedef struct mut {
    session *s;
    store_txn *t;
    arena *a;
    diag *d;
    const stmt *st;
    const stage *m;
    const char *src;
    /* the accounts the pipeline selected, copied out of the map */
    rbuf recs;
    size_t *offs;
    uint32_t *lens;
    size_t n, cap;
    /* fields a stage added to the rows (rfm), ext.n values per account in extv */
    extfields ext;
    value *extv;
    /* the change set */
    change *ch;
    size_t nch, capch;
    regex_obj *regexes;
} mut;

static const char *const stages_ok[] = {"prospect",    "onboarding", "active",
                                        "development", "at_risk",    "closed"};

static const uint8_t *acc_rec(const mut *m, size_t i, size_t *len)
{
    *len = m->lens[i];
    return m->recs.data + m->offs[i];
}

static value acc_field(const mut *m, size_t i, int slot)
{
    size_t len;
    const uint8_t *r = acc_rec(m, i, &len);
    return rec_get(r, len, (unsigned)slot);
}

/* The values of the added fields of account I, or NULL when there are none. */
static const value *acc_ext(const mut *m, size_t i)
{
    return m->ext.n ? &m->extv[i * (size_t)m->ext.n] : NULL;
}

static int collect(void *ctx, const uint8_t *rec, size_t len, const value *ext)
{
    mut *m = ctx;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->offs = xrealloc(m->offs, m->cap * sizeof *m->offs);
        m->lens = xrealloc(m->lens, m->cap * sizeof *m->lens);
        if (m->ext.n) m->extv = xrealloc(m->extv, m->cap * (size_t)m->ext.n * sizeof *m->extv);
    }
    for (int k = 0; k < m->ext.n; k++) { /* copied: they live only as long as the pipeline */
        value v = ext ? ext[k] : v_null();
        if (v.type == T_TEXT) v.s = arena_strndup(m->a, v.s, v.len);
        m->extv[m->n * (size_t)m->ext.n + (size_t)k] = v;
    }
    rbuf_reserve(&m->recs, len);
    m->offs[m->n] = m->recs.len;
    m->lens[m->n] = (uint32_t)len;
    memcpy(m->recs.data + m->recs.len, rec, len);
    m->recs.len += len;
    m->n++;
    return 0;
}

/* Records that account I's SLOT goes from its value to NEW (if different). */
static void add_change(mut *m, size_t i, int slot, value nv)
{
    value ov = acc_field(m, i, slot);
    bool same = ov.type == T_NULL || nv.type == T_NULL ? ov.type == nv.type : value_eq(&ov, &nv);
    if (same) return;
    if (m->nch == m->capch) {
        m->capch = m->capch ? m->capch * 2 : 1024;
        m->ch = xrealloc(m->ch, m->capch * sizeof *m->ch);
    }
    if (nv.type == T_TEXT) nv.s = arena_strndup(m->a, nv.s, nv.len);
    m->ch[m->nch++] = (change){(uint32_t)i, slot, ov, nv};
}

/* Checks NV against field SLOT's type and rules; converts int to num and date to datetime. */
static int check_value(mut *m, int slot, value *nv, const node *at)
{
    const field_def *f = &store_schema(m->t, ENT_ACCOUNTS)->f[slot];
    if (nv->type == T_NULL) return 0;
    if (nv->type != f->type) {
        if (f->type == T_NUM && nv->type == T_INT)
            *nv = v_num((double)nv->i);
        else if (f->type == T_DATETIME && nv->type == T_DATE)
            *nv = v_datetime(nv->i * 86400);
        else if (f->type == T_INT && nv->type == T_NUM && nv->n == (double)(int64_t)nv->n)
            *nv = v_int((int64_t)nv->n);
        else
            return diag_set(m->d, DIAG_RUNTIME, at->off, at->len, "%s is %s, not %s", f->name,
                            vtype_name(f->type), vtype_name(nv->type));
    }
    if (slot == A_TIER && (nv->i < 1 || nv->i > 3))
        return diag_set(m->d, DIAG_RUNTIME, at->off, at->len,
                        "tier must be 1, 2, 3 or null, not %lld", (long long)nv->i);
    if (slot == A_MANAGER) {
        const uint8_t *r;
        size_t len;
        if (store_get(m->t, ENT_MANAGERS, nv->s, nv->len, &r, &len) != 0)
            return diag_set(m->d, DIAG_RUNTIME, at->off, at->len, "no manager '%.*s'",
                            (int)(nv->len > 40 ? 40 : nv->len), nv->s);
        return 0;
    }
    if (slot == A_STAGE) {
        for (int k = 0; k < 6; k++)
            if (nv->len == strlen(stages_ok[k]) && memcmp(nv->s, stages_ok[k], nv->len) == 0)
                return 0;
        return diag_set(m->d, DIAG_RUNTIME, at->off, at->len,
                        "stage must be prospect, onboarding, active, development, at_risk or "
                        "closed, not '%.*s'",
                        (int)(nv->len > 40 ? 40 : nv->len), nv->s);
    }
    return 0;
}

/* ---- set ---- */

static int plan_set(mut *m)
{
    const stage *sg = m->m;
    int *slots = arena_alloc(m->a, sizeof(int) * (size_t)sg->nitems);
    plan_ctx pc;
    plan_source(&pc, m->t, m->a, m->d, ENT_ACCOUNTS, &m->regexes);
    pc.ext = m->ext;
    for (int k = 0; k < sg->nitems; k++) {
        const item *it = &sg->items[k];
        int slot = store_field(m->t, ENT_ACCOUNTS, it->name);
        if (slot < 0)
            return diag_set(m->d, DIAG_SEMANTIC, it->e->off, it->e->len,
                            "accounts have no field '%s' (custom fields come from imports)",
                            it->name);
        const field_def *f = &store_schema(m->t, ENT_ACCOUNTS)->f[slot];
        if (f->flags & (FLD_KEY | FLD_DERIVED))
            return diag_set(m->d, DIAG_SEMANTIC, it->e->off, it->e->len,
                            "cannot set '%s': it is %s", it->name,
                            f->flags & FLD_KEY ? "the account's id" : "derived from the data");
        for (int j = 0; j < k; j++)
            if (slots[j] == slot)
                return diag_set(m->d, DIAG_SEMANTIC, it->e->off, it->e->len, "'%s' is set twice",
                                it->name);
        slots[k] = slot;
        if (plan_expr(&pc, it->e)) return -1;
        int et = it->e->type;
        bool ok = et == T_NULL || et == f->type || (f->type == T_NUM && et == T_INT) ||
                  (f->type == T_DATETIME && et == T_DATE) || (f->type == T_INT && et == T_NUM);
        if (!ok)
            return diag_set(m->d, DIAG_SEMANTIC, it->e->off, it->e->len, "%s is %s, not %s",
                            f->name, vtype_name(f->type), vtype_name(et));
    }
    ectx ec;
    ectx_init(&ec, &pc);
    arena scratch;
    arena_init(&scratch);
    ec.a = &scratch;
    int ret = 0;
    for (size_t i = 0; i < m->n && ret == 0; i++) {
        size_t len;
        const uint8_t *r = acc_rec(m, i, &len);
        ectx_row(&ec, r, len);
        ec.ext = acc_ext(m, i);
        for (int k = 0; k < sg->nitems && ret == 0; k++) {
            value nv;
            if (eval(&ec, sg->items[k].e, &nv) || check_value(m, slots[k], &nv, sg->items[k].e))
                ret = -1;
            else
                add_change(m, i, slots[k], nv);
        }
        arena_reset(&scratch); /* add_change copied the text it keeps */
        if ((i & 0x3FFF) == 0 && exec_cancelled(m->s))
            ret = diag_setf(m->d, DIAG_INTERRUPT, "interrupted: nothing was changed");
    }
    arena_free(&scratch);
    return ret;
}

/* ---- retier ---- */

typedef struct ranked {
    size_t i;
    double x;
    bool null;
    value id;
} ranked;

static int rank_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->null != y->null) return x->null ? 1 : -1;
    if (!x->null && x->x != y->x) return x->x > y->x ? -1 : 1;
    return value_cmp(&x->id, &y->id);
}

static int plan_retier(mut *m)
{
    const stage *sg = m->m;
    plan_ctx pc;
    plan_source(&pc, m->t, m->a, m->d, ENT_ACCOUNTS, &m->regexes);
    pc.ext = m->ext;
    if (plan_expr(&pc, sg->e)) return -1;
    if (sg->e->type != T_INT && sg->e->type != T_NUM && sg->e->type != T_NULL)
        return diag_set(m->d, DIAG_SEMANTIC, sg->e->off, sg->e->len,
                        "retier ranks by a number, not %s", vtype_name(sg->e->type));
    /* the bands: top|share first, then next…, then rest; tiers are constants */
    double cum[16];
    int tiers[16];
    bool has_rest = false, share = false;
    int rest_tier = 0;
    double c = 0;
    for (int k = 0; k < sg->nbands; k++) {
        const band *b = &sg->bands[k];
        if (has_rest)
            return diag_set(m->d, DIAG_SEMANTIC, b->off, b->len, "'rest' must be the last band");
        if (k == 0 && b->kind != BAND_TOP && b->kind != BAND_SHARE)
            return diag_set(m->d, DIAG_SEMANTIC, b->off, b->len,
                            "the first band must be 'top P%%' or 'share P%%'");
        if (k > 0 && (b->kind == BAND_TOP || b->kind == BAND_SHARE))
            return diag_set(m->d, DIAG_SEMANTIC, b->off, b->len,
                            "only the first band is 'top' or 'share'; use 'next P%%' after it");
        if (k == 0) share = b->kind == BAND_SHARE;
        if (plan_expr(&pc, b->tier)) return -1;
        node *tn = b->tier;
        int tier = -1;
        if (tn->kind == N_LIT && tn->v.type == T_NULL) tier = 0;
        if (tn->kind == N_LIT && tn->v.type == T_INT && tn->v.i >= 1 && tn->v.i <= 3)
            tier = (int)tn->v.i;
        if (tier < 0)
            return diag_set(m->d, DIAG_SEMANTIC, tn->off, tn->len,
                            "a band's tier is 1, 2, 3 or null");
        if (b->kind == BAND_REST) {
            has_rest = true;
            rest_tier = tier;
            continue;
        }
        c += b->pct;
        if (c > 1 + 1e-9)
            return diag_set(m->d, DIAG_SEMANTIC, b->off, b->len,
                            "the bands add up to %.10g%%, over 100%%", c * 100);
        cum[k] = c;
        tiers[k] = tier;
    }
    int nb = sg->nbands - (has_rest ? 1 : 0);
    ranked *rk = xmalloc(sizeof(ranked) * (m->n ? m->n : 1));
    ectx ec;
    ectx_init(&ec, &pc);
    arena scratch;
    arena_init(&scratch);
    ec.a = &scratch;
    double total = 0;
    int ret = 0;
    for (size_t i = 0; i < m->n && ret == 0; i++) {
        size_t len;
        const uint8_t *r = acc_rec(m, i, &len);
        ectx_row(&ec, r, len);
        ec.ext = acc_ext(m, i);
        value v;
        if (eval(&ec, sg->e, &v)) {
            ret = -1;
            break;
        }
        rk[i] = (ranked){.i = i, .null = v.type == T_NULL, .id = rec_get(r, len, A_ID)};
        if (!rk[i].null) rk[i].x = v.type == T_INT ? (double)v.i : v.n;
        if (!rk[i].null && rk[i].x != rk[i].x) rk[i].null = true; /* NaN ranks last */
        if (!rk[i].null) total += rk[i].x;
        arena_reset(&scratch);
    }
    arena_free(&scratch);
    if (ret == 0) {
        qsort(rk, m->n, sizeof *rk, rank_cmp);
        /* an account is in the first band whose cumulative share the accounts
         * ranked above it have not reached (spec §5) */
        double above = 0;
        for (size_t r = 0; r < m->n; r++) {
            int tier = -1;
            if (!rk[r].null) {
                for (int k = 0; k < nb && tier < 0; k++) {
                    /* "not yet reached", with a margin for the rounding of
                     * summed percentages (0.1 + 0.2 is 0.30000000000000004) */
                    double limit = share ? cum[k] * total : cum[k] * (double)m->n;
                    limit -= 1e-9 * (limit < 0 ? -limit : limit);
                    bool in = share ? above < limit : (double)r < limit;
                    if (in) tier = tiers[k];
                }
                above += rk[r].x;
            }
            if (tier < 0 && has_rest) tier = rest_tier;
            if (tier < 0) continue; /* no band and no rest: unchanged */
            add_change(m, rk[r].i, A_TIER, tier ? v_int(tier) : v_null());
        }
    }
    free(rk);
    return ret;
}

/* ---- assign ---- */

typedef struct target {
    value id;     /* text owned by the arena */
    int64_t load; /* open accounts held, less those being reassigned */
    int64_t capacity;
    xsum revenue; /* load_revenue, likewise: exact (see pick()) */
    int64_t overflow;
} target;

static int target_cmp(const void *a, const void *b)
{
    const target *x = a, *y = b;
    return value_cmp(&x->id, &y->id);
}

/* Fills T from manager record R. */
static void target_from(mut *m, target *t, const uint8_t *r, size_t len)
{
    value id = rec_get(r, len, M_ID), load = rec_get(r, len, M_LOAD),
          cap = rec_get(r, len, M_CAPACITY), rev = rec_get(r, len, M_LOAD_REVENUE);
    t->id = v_text(arena_strndup(m->a, id.s, id.len), id.len);
    t->load = load.type == T_INT ? load.i : 0;
    t->capacity = cap.type == T_INT ? cap.i : 0;
    t->revenue = (xsum){0};
    xsum_num(&t->revenue, rev.type == T_NUM ? rev.n : 0);
    t->overflow = 0;
}

static bool is_open(const mut *m, size_t i)
{
    return acc_field(m, i, A_CLOSED).type == T_NULL;
}

static double revenue_of(const mut *m, size_t i)
{
    value r = acc_field(m, i, A_REVENUE);
    return r.type == T_NUM ? r.n : r.type == T_INT ? (double)r.i : 0;
}

/* The manager targets of an assign, checked: known and active. */
static int load_targets(mut *m, target **out, int *nout)
{
    const stage *sg = m->m;
    target *tg = NULL;
    int n = 0;
    if (sg->target_where) {
        plan_ctx pc;
        plan_source(&pc, m->t, m->a, m->d, ENT_MANAGERS, &m->regexes);
        if (sg->e) {
            if (plan_expr(&pc, sg->e)) return -1;
            if (sg->e->type != T_BOOL && sg->e->type != T_NULL)
                return diag_set(m->d, DIAG_SEMANTIC, sg->e->off, sg->e->len,
                                "'where' needs a condition, not %s", vtype_name(sg->e->type));
        }
        ectx ec;
        ectx_init(&ec, &pc);
        store_cursor *c;
        int rc = store_scan(m->t, ENT_MANAGERS, NULL, 0, &c);
        if (rc) return diag_setf(m->d, DIAG_IO, "cannot read managers: %s", store_strerror(rc));
        const uint8_t *r;
        size_t len;
        int ret = 0;
        while (ret == 0 && store_next(c, &r, &len) == 1) {
            ectx_row(&ec, r, len);
            int k = sg->e ? eval_cond(&ec, sg->e) : 1;
            if (k < 0) ret = -1;
            if (k <= 0) continue;
            value act = rec_get(r, len, M_ACTIVE);
            if (act.type == T_BOOL && !act.i) continue; /* inactive managers take no accounts */
            tg = xrealloc(tg, sizeof *tg * (size_t)(n + 1));
            target_from(m, &tg[n++], r, len);
        }
        store_cursor_close(c);
        if (ret) {
            free(tg);
            return -1;
        }
        if (n == 0) {
            free(tg);
            return diag_set(m->d, DIAG_SEMANTIC, sg->off, sg->len,
                            "no active manager matches: nobody to assign to");
        }
    } else {
        tg = xmalloc(sizeof *tg * (size_t)sg->nitems);
        for (int k = 0; k < sg->nitems; k++) {
            const node *e = sg->items[k].e;
            const uint8_t *r;
            size_t len;
            int rc = store_get(m->t, ENT_MANAGERS, e->v.s, e->v.len, &r, &len);
            if (rc) {
                free(tg);
                return diag_set(m->d, DIAG_SEMANTIC, e->off, e->len, "no manager '%.*s'",
                                (int)e->v.len, e->v.s);
            }
            value act = rec_get(r, len, M_ACTIVE);
            if (act.type == T_BOOL && !act.i) {
                free(tg);
                return diag_set(m->d, DIAG_SEMANTIC, e->off, e->len, "manager '%.*s' is not active",
                                (int)e->v.len, e->v.s);
            }
            for (int j = 0; j < n; j++) {
                if (value_eq(&tg[j].id, &e->v)) {
                    free(tg);
                    return diag_set(m->d, DIAG_SEMANTIC, e->off, e->len,
                                    "manager '%.*s' is listed twice", (int)e->v.len, e->v.s);
                }
            }
            target_from(m, &tg[n++], r, len);
        }
    }
    qsort(tg, (size_t)n, sizeof *tg, target_cmp);
    *out = tg;
    *nout = n;
    return 0;
}

typedef struct by_revenue {
    size_t i;
    double rev;
    bool null;
    value id;
} by_revenue;

static int by_revenue_cmp(const void *a, const void *b)
{
    const by_revenue *x = a, *y = b;
    if (x->null != y->null) return x->null ? 1 : -1;
    if (!x->null && x->rev != y->rev) return x->rev > y->rev ? -1 : 1;
    return value_cmp(&x->id, &y->id);
}

/* -1, 0 or 1 as sum A is below, equal to or above B: exactly, when both
 * are whole hundredths. */
static int xsum_cmp(const xsum *a, const xsum *b)
{
    if (!a->inexact && !b->inexact) return (a->cents > b->cents) - (a->cents < b->cents);
    double x = xsum_value(a), y = xsum_value(b);
    return (x > y) - (x < y);
}

/* The best target for the next account: most spare capacity, then lowest
 * load, then id; or by revenue: lowest load_revenue, then load, then id.
 * Revenue sums are exact (prices add up in hundredths), so that managers
 * left with the same revenue tie as the rule says: a double sum taken
 * apart again (1000.10 + 2000.20 - 1000.10 - 2000.20) is not quite 0. */
static int pick(const target *tg, int n, bool by_rev)
{
    int best = 0;
    for (int k = 1; k < n; k++) {
        const target *a = &tg[k], *b = &tg[best];
        if (by_rev) {
            int c = xsum_cmp(&a->revenue, &b->revenue);
            if (c != 0) {
                if (c < 0) best = k;
                continue;
            }
        } else {
            int64_t sa = a->capacity - a->load, sb = b->capacity - b->load;
            if (sa != sb) {
                if (sa > sb) best = k;
                continue;
            }
        }
        if (a->load < b->load) best = k; /* ids ascend: the first of equals stays */
    }
    return best;
}

static int plan_assign(mut *m, target **tgout, int *ntg)
{
    const stage *sg = m->m;
    target *tg = NULL;
    int n = 0;
    if (load_targets(m, &tg, &n)) return -1;
    *tgout = tg;
    *ntg = n;
    int strategy = sg->strategy;
    if (strategy == ASSIGN_DEFAULT) strategy = ASSIGN_ROUND_ROBIN;
    bool by_rev = strategy == ASSIGN_BALANCED_REVENUE;
    for (int k = 0; by_rev && k < n; k++) { /* summed anew: a stored sum may be rounded */
        int64_t load;
        int rc = store_manager_load(m->t, tg[k].id.s, tg[k].id.len, &load, &tg[k].revenue);
        if (rc) return diag_setf(m->d, DIAG_IO, "cannot read: %s", store_strerror(rc));
    }
    /* the accounts being assigned are first taken off their managers */
    for (size_t i = 0; i < m->n; i++) {
        value cur = acc_field(m, i, A_MANAGER);
        if (cur.type != T_TEXT || !is_open(m, i)) continue;
        for (int k = 0; k < n; k++) {
            if (value_eq(&tg[k].id, &cur)) {
                tg[k].load--;
                xsum_num(&tg[k].revenue, -revenue_of(m, i));
            }
        }
    }
    if (strategy == ASSIGN_ROUND_ROBIN) {
        /* accounts in id order dealt over the targets in id order */
        by_revenue *ord = xmalloc(sizeof *ord * (m->n ? m->n : 1));
        for (size_t i = 0; i < m->n; i++)
            ord[i] = (by_revenue){.i = i, .null = true, .id = acc_field(m, i, A_ID)};
        qsort(ord, m->n, sizeof *ord, by_revenue_cmp); /* all null: by id */
        for (size_t r = 0; r < m->n; r++) {
            target *t = &tg[r % (size_t)n];
            add_change(m, ord[r].i, A_MANAGER, t->id);
            if (is_open(m, ord[r].i)) t->load++;
        }
        free(ord);
        return 0;
    }
    by_revenue *ord = xmalloc(sizeof *ord * (m->n ? m->n : 1));
    for (size_t i = 0; i < m->n; i++) {
        value r = acc_field(m, i, A_REVENUE);
        ord[i] = (by_revenue){
            .i = i, .null = r.type == T_NULL, .rev = revenue_of(m, i), .id = acc_field(m, i, A_ID)};
    }
    qsort(ord, m->n, sizeof *ord, by_revenue_cmp);
    for (size_t r = 0; r < m->n; r++) {
        size_t i = ord[r].i;
        target *t = &tg[pick(tg, n, by_rev)];
        add_change(m, i, A_MANAGER, t->id);
        if (!is_open(m, i)) continue;
        if (t->load >= t->capacity) t->overflow++;
        t->load++;
        xsum_num(&t->revenue, revenue_of(m, i));
    }
    free(ord);
    return 0;
}

/* ---- preview ---- */

typedef struct pv_row {
    int slot;
    value old, new;
} pv_row;

static int pv_cmp(const void *a, const void *b)
{
    const pv_row *x = a, *y = b;
    if (x->slot != y->slot) return x->slot - y->slot;
    int c = value_cmp(&x->old, &y->old);
    return c ? c : value_cmp(&x->new, &y->new);
}

/* Number of distinct accounts in the change set. */
static size_t accounts_changed(const mut *m)
{
    size_t k = 0;
    for (size_t j = 0; j < m->nch; j++)
        if (j == 0 || m->ch[j].acc != m->ch[j - 1].acc) k++;
    return k;
}

/* Each field's old -> new value counts; for assign, the managers' loads. */
static void preview(mut *m, const target *tg, int ntg)
{
    pv_row *rows = xmalloc(sizeof *rows * (m->nch ? m->nch : 1));
    for (size_t j = 0; j < m->nch; j++)
        rows[j] = (pv_row){m->ch[j].slot, m->ch[j].old, m->ch[j].new};
    qsort(rows, m->nch, sizeof *rows, pv_cmp);
    static const char *const names[] = {"field", "old", "new", "accounts"};
    renderer *r = render_begin(m->s->out, &m->s->ro, 4, names);
    const schema *sc = store_schema(m->t, ENT_ACCOUNTS);
    for (size_t j = 0; j < m->nch;) {
        size_t k = j;
        while (k < m->nch && pv_cmp(&rows[k], &rows[j]) == 0)
            k++;
        const char *fname = sc->f[rows[j].slot].name;
        value v[4] = {v_text(fname, strlen(fname)), rows[j].old, rows[j].new,
                      v_int((int64_t)(k - j))};
        render_row(r, v);
        j = k;
    }
    render_end(r);
    free(rows);
    if (m->m->kind != S_ASSIGN) return;
    /* managers that lose or gain accounts: load before, after, capacity */
    static const char *const mnames[] = {"manager", "load_before", "load_after", "capacity"};
    r = render_begin(m->s->out, &m->s->ro, 4, mnames);
    typedef struct mrow {
        value id;
        int64_t before, delta, capacity;
        bool has_cap;
    } mrow;
    mrow *mr = NULL;
    int nm = 0;
    for (size_t j = 0; j < m->nch; j++) {
        if (!is_open(m, m->ch[j].acc)) continue;
        for (int side = 0; side < 2; side++) {
            value id = side ? m->ch[j].new : m->ch[j].old;
            if (id.type != T_TEXT) continue;
            int k = 0;
            while (k < nm && !value_eq(&mr[k].id, &id))
                k++;
            if (k == nm) {
                mr = xrealloc(mr, sizeof *mr * (size_t)(nm + 1));
                mr[nm] = (mrow){.id = id};
                const uint8_t *rec;
                size_t len;
                if (store_get(m->t, ENT_MANAGERS, id.s, id.len, &rec, &len) == 0) {
                    value l = rec_get(rec, len, M_LOAD), c = rec_get(rec, len, M_CAPACITY);
                    mr[nm].before = l.type == T_INT ? l.i : 0;
                    mr[nm].capacity = c.type == T_INT ? c.i : 0;
                    mr[nm].has_cap = c.type == T_INT;
                }
                nm++;
            }
            mr[k].delta += side ? 1 : -1;
        }
    }
    for (int a = 1; a < nm; a++) /* by id: few managers, insertion sort */
        for (int b = a; b > 0 && value_cmp(&mr[b - 1].id, &mr[b].id) > 0; b--) {
            mrow tmp = mr[b];
            mr[b] = mr[b - 1];
            mr[b - 1] = tmp;
        }
    for (int k = 0; k < nm; k++) {
        value v[4] = {mr[k].id, v_int(mr[k].before), v_int(mr[k].before + mr[k].delta),
                      mr[k].has_cap ? v_int(mr[k].capacity) : v_null()};
        render_row(r, v);
    }
    render_end(r);
    free(mr);
    for (int k = 0; k < ntg; k++)
        if (tg[k].overflow)
            fprintf(stderr, "warning: %.*s is over capacity by %lld account%s\n", (int)tg[k].id.len,
                    tg[k].id.s, (long long)tg[k].overflow, tg[k].overflow == 1 ? "" : "s");
}

/* ---- applying, with the audit batch ---- */

static int change_cmp(const void *a, const void *b)
{
    const change *x = a, *y = b;
    if (x->acc != y->acc) return x->acc < y->acc ? -1 : 1;
    return x->slot - y->slot;
}

/* Writes a history row; V holds the typed old and new values. */
static int audit_row(store_txn *t, int64_t batch, uint32_t seq, int64_t at, const char *user,
                     const char *stmt_text, size_t stmt_len, value account, const char *field,
                     value old, value new, rbuf *buf)
{
    value h[H_NBUILTIN] = {v_int(batch),
                           v_datetime(at),
                           v_text(user, strlen(user)),
                           v_text(stmt_text, stmt_len),
                           account,
                           v_text(field, strlen(field)),
                           old,
                           new,
                           v_bool(false)};
    rec_encode(buf, h, H_NBUILTIN);
    return store_history_put(t, batch, seq, buf->data, buf->len);
}

static const char *user_name(void)
{
    const char *u = getenv("USER");
    return u && *u ? u : "unknown";
}

/* When a batch was written: local time, like `now`. */
static int64_t batch_time(void)
{
    return parse_now();
}

/* Writes the change set and its audit batch; returns the batch number or -1. */
static int64_t apply(mut *m, const char *text, size_t textlen)
{
    qsort(m->ch, m->nch, sizeof *m->ch, change_cmp);
    int64_t batch = store_next_batch(m->t);
    if (!batch) return diag_setf(m->d, DIAG_IO, "cannot start an audit batch");
    int64_t at = batch_time();
    const char *user = user_name();
    const schema *sc = store_schema(m->t, ENT_ACCOUNTS);
    int n = sc->n;
    value *vals = xmalloc(sizeof(value) * (size_t)n);
    rbuf hb = {0};
    uint32_t seq = 0;
    int rc = 0;
    for (size_t j = 0; j < m->nch && rc == 0;) {
        size_t i = m->ch[j].acc;
        size_t len;
        const uint8_t *r = acc_rec(m, i, &len);
        for (int k = 0; k < n; k++)
            vals[k] = rec_get(r, len, (unsigned)k);
        value id = vals[A_ID];
        for (; j < m->nch && m->ch[j].acc == i && rc == 0; j++) {
            vals[m->ch[j].slot] = m->ch[j].new;
            rc = audit_row(m->t, batch, ++seq, at, user, text, textlen, id,
                           sc->f[m->ch[j].slot].name, m->ch[j].old, m->ch[j].new, &hb);
        }
        /* the values point into M's copies of the records: nothing the write touches */
        if (rc == 0) rc = store_put_values(m->t, ENT_ACCOUNTS, vals, n);
        if ((j & 0xFFF) == 0 && exec_cancelled(m->s)) {
            free(vals);
            rbuf_free(&hb);
            return diag_setf(m->d, DIAG_INTERRUPT, "interrupted: nothing was changed");
        }
    }
    free(vals);
    rbuf_free(&hb);
    if (rc) return diag_setf(m->d, DIAG_IO, "cannot write: %s", store_strerror(rc));
    return batch;
}

/* The one-row result of a mutation or undo. */
static void summary(session *s, int64_t accounts, int64_t changes, int64_t batch)
{
    static const char *const names[] = {"accounts", "changes", "batch"};
    value v[3] = {v_int(accounts), v_int(changes), batch ? v_int(batch) : v_null()};
    renderer *r = render_begin(s->out, &s->ro, 3, names);
    render_row(r, v);
    render_end(r);
}

int mutate_run(session *s, const stmt *st, const char *src, arena *a, diag *d)
{
    const stage *sg = &st->stages[st->nstages - 1];
    if (st->source != SRC_ACCOUNTS)
        return diag_set(d, DIAG_SEMANTIC, sg->off, sg->len,
                        "only accounts can be changed (this pipeline reads %s)",
                        source_name(st->source));
    bool dry = sg->preview || s->dryrun;
    store_txn *t;
    int rc = store_begin(s->db, !dry, &t);
    if (rc == STORE_EREADONLY)
        return diag_set(d, DIAG_SEMANTIC, sg->off, sg->len,
                        "cannot change accounts: the database is read-only");
    if (rc)
        return diag_setf(d, DIAG_IO, "cannot write %s: %s", store_path(s->db), store_strerror(rc));
    mut m = {.s = s, .t = t, .a = a, .d = d, .st = st, .m = sg, .src = src};
    target *tg = NULL;
    int ntg = 0;
    int ret = exec_collect(s, t, st, src, a, d, collect, &m, &m.ext);
    if (ret == 0) {
        if (sg->kind == S_SET)
            ret = plan_set(&m);
        else if (sg->kind == S_RETIER)
            ret = plan_retier(&m);
        else
            ret = plan_assign(&m, &tg, &ntg);
    }
    if (ret == 0 && exec_cancelled(s)) /* a preview too: nothing half-shown */
        ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was changed");
    if (ret == 0) {
        if (m.nch) qsort(m.ch, m.nch, sizeof *m.ch, change_cmp);
        size_t nacc = accounts_changed(&m);
        bool ask = !dry && s->interactive && s->confirm && s->ask && nacc > 1;
        if (dry || ask) preview(&m, tg, ntg);
        if (dry) {
            fprintf(stderr, "preview: %zu account%s would change; nothing was written\n", nacc,
                    nacc == 1 ? "" : "s");
            store_abort(t);
            t = NULL;
        } else if (ask) {
            char q[96];
            snprintf(q, sizeof q, "Apply %zu changes? [y/N] ", nacc);
            if (!s->ask(s->ask_ctx, q)) {
                fprintf(stderr, "cancelled: nothing was changed\n");
                store_abort(t);
                t = NULL;
            }
        }
        if (t) {
            if (!ask) /* warnings the preview would have shown */
                for (int k = 0; k < ntg; k++)
                    if (tg[k].overflow)
                        fprintf(stderr, "warning: %.*s is over capacity by %lld account%s\n",
                                (int)tg[k].id.len, tg[k].id.s, (long long)tg[k].overflow,
                                tg[k].overflow == 1 ? "" : "s");
            int64_t batch = m.nch ? apply(&m, src + st->off, st->len) : 0;
            if (batch >= 0 && exec_cancelled(s)) /* the last moment a Ctrl-C can stop it */
                batch = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was changed");
            if (batch < 0) {
                ret = -1;
            } else {
                rc = store_commit(t);
                t = NULL;
                if (rc)
                    ret = diag_setf(d, DIAG_IO, "cannot commit: %s", store_strerror(rc));
                else
                    summary(s, (int64_t)nacc, (int64_t)m.nch, batch);
            }
        }
    }
    if (t) store_abort(t);
    free(tg);
    free(m.offs);
    free(m.lens);
    free(m.extv);
    free(m.ch);
    rbuf_free(&m.recs);
    eval_free_regexes(&m.regexes);
    return ret;
}

/* ---- undo ---- */

/* Batch metadata in meta "batch/N": the batch that undid N, and the one N undid. */
typedef struct batch_meta {
    int64_t undone_by, undo_of;
} batch_meta;

static batch_meta get_meta(store_txn *t, int64_t b)
{
    char key[32];
    snprintf(key, sizeof key, "batch/%lld", (long long)b);
    const void *v;
    size_t len;
    batch_meta bm = {0, 0};
    if (store_meta_get(t, key, &v, &len) == 0 && len == sizeof bm) memcpy(&bm, v, sizeof bm);
    return bm;
}

static int put_meta(store_txn *t, int64_t b, batch_meta bm)
{
    char key[32];
    snprintf(key, sizeof key, "batch/%lld", (long long)b);
    return store_meta_put(t, key, &bm, sizeof bm);
}

typedef struct hrow {
    value account, old, new;
    const char *field;
    uint32_t seq;
    uint8_t *rec; /* a copy of the history row, owned */
    size_t len;
} hrow;

int undo_run(session *s, const stmt *st, const char *src, arena *a, diag *d)
{
    store_txn *t;
    /* nothing ever written: nothing to undo, and no file made for it */
    int rc = store_begin(s->db, false, &t);
    int64_t any = rc || store_readonly(s->db) ? 1 : store_last_batch(t);
    if (!rc) store_abort(t);
    if (any == 0)
        return st->batch ? diag_set(d, DIAG_SEMANTIC, st->off, st->len, "there is no batch %lld",
                                    (long long)st->batch)
                         : diag_set(d, DIAG_SEMANTIC, st->off, st->len, "nothing to undo");
    rc = store_begin(s->db, true, &t);
    if (rc == STORE_EREADONLY)
        return diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                        "cannot undo: the database is read-only");
    if (rc)
        return diag_setf(d, DIAG_IO, "cannot write %s: %s", store_path(s->db), store_strerror(rc));
    int64_t last = store_last_batch(t), b = st->batch;
    if (b > last || (b == 0 && last == 0)) {
        store_abort(t);
        return b ? diag_set(d, DIAG_SEMANTIC, st->off, st->len, "there is no batch %lld",
                            (long long)b)
                 : diag_set(d, DIAG_SEMANTIC, st->off, st->len, "nothing to undo");
    }
    if (b == 0) { /* the newest batch neither undone nor an undo itself */
        for (b = last; b > 0; b--) {
            batch_meta bm = get_meta(t, b);
            if (!bm.undone_by && !bm.undo_of) break;
        }
        if (b == 0) {
            store_abort(t);
            return diag_set(d, DIAG_SEMANTIC, st->off, st->len, "nothing to undo");
        }
    } else if (get_meta(t, b).undone_by) {
        int64_t by = get_meta(t, b).undone_by;
        store_abort(t);
        return diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                        "batch %lld was already undone (by batch %lld)", (long long)b,
                        (long long)by);
    }
    /* the rows of the batch, copied */
    hrow *rows = NULL;
    size_t n = 0;
    store_cursor *c;
    rc = store_history_of(t, b, &c);
    const uint8_t *r;
    size_t len;
    bool cancelled = false;
    while (rc == 0 && !cancelled && store_next(c, &r, &len) == 1) {
        if ((n & 0x3FFF) == 0x3FFF) cancelled = exec_cancelled(s);
        rows = xrealloc(rows, sizeof *rows * (n + 1));
        hrow *h = &rows[n++];
        h->rec = xmalloc(len);
        memcpy(h->rec, r, len);
        h->len = len;
        h->seq = (uint32_t)n;
        h->account = rec_get(h->rec, len, H_ACCOUNT);
        value f = rec_get(h->rec, len, H_FIELD);
        h->field = arena_strndup(a, f.s, f.len);
        h->old = rec_get(h->rec, len, H_OLD);
        h->new = rec_get(h->rec, len, H_NEW);
    }
    store_cursor_close(c);
    int ret = 0;
    const schema *sc = store_schema(t, ENT_ACCOUNTS);
    int nf = sc->n;
    value *vals = xmalloc(sizeof(value) * (size_t)nf);
    /* conflicts: the field no longer holds what the batch wrote */
    size_t conflicts = 0;
    if (cancelled) ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was changed");
    for (size_t i = 0; i < n && ret == 0; i++) {
        if ((i & 0x3FFF) == 0x3FFF && exec_cancelled(s)) {
            ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was changed");
            break;
        }
        int slot = store_field(t, ENT_ACCOUNTS, rows[i].field);
        const uint8_t *ar;
        size_t al;
        value cur = v_null();
        if (slot >= 0 &&
            store_get(t, ENT_ACCOUNTS, rows[i].account.s, rows[i].account.len, &ar, &al) == 0)
            cur = rec_get(ar, al, (unsigned)slot);
        bool same = cur.type == T_NULL || rows[i].new.type == T_NULL ? cur.type == rows[i].new.type
                                                                     : value_eq(&cur, &rows[i].new);
        if (!same && !st->force && conflicts++ == 0) {
            char was[FMT_BUF], now[FMT_BUF];
            int wl = rows[i].new.type == T_TEXT ? 0 : format_value(&rows[i].new, was);
            int nl = cur.type == T_TEXT ? 0 : format_value(&cur, now);
            diag_set(d, DIAG_SEMANTIC, st->off, st->len,
                     "cannot undo batch %lld: account %.*s changed since (%s is %.*s, the batch "
                     "set %.*s); 'undo %lld force' restores it anyway",
                     (long long)b, (int)rows[i].account.len, rows[i].account.s, rows[i].field,
                     cur.type == T_TEXT   ? (int)cur.len
                     : cur.type == T_NULL ? 4
                                          : nl,
                     cur.type == T_TEXT   ? cur.s
                     : cur.type == T_NULL ? "null"
                                          : now,
                     rows[i].new.type == T_TEXT   ? (int)rows[i].new.len
                     : rows[i].new.type == T_NULL ? 4
                                                  : wl,
                     rows[i].new.type == T_TEXT   ? rows[i].new.s
                     : rows[i].new.type == T_NULL ? "null"
                                                  : was,
                     (long long)b);
            ret = -1;
        }
    }
    int64_t nb = 0;
    size_t naccounts = 0;
    if (ret == 0 && s->dryrun) { /* like every change: shown, not made */
        fprintf(stderr,
                "preview: undo of batch %lld would restore %zu change%s; nothing was written\n",
                (long long)b, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++)
            free(rows[i].rec);
        free(rows);
        free(vals);
        store_abort(t);
        return 0;
    }
    if (ret == 0) {
        nb = store_next_batch(t);
        int64_t at = batch_time();
        char *text = arena_strndup(a, src + st->off, st->len);
        rbuf out = {0}, hb = {0};
        uint32_t seq = 0;
        /* newest change first, so that an account changed twice ends at its oldest value */
        const char *prev = NULL;
        size_t prevlen = 0;
        for (size_t k = n; k-- > 0 && rc == 0;) {
            hrow *h = &rows[k];
            int slot = store_field(t, ENT_ACCOUNTS, h->field);
            const uint8_t *ar;
            size_t al;
            if (slot < 0 || store_get(t, ENT_ACCOUNTS, h->account.s, h->account.len, &ar, &al))
                continue; /* the account or field is gone: nothing to restore */
            for (int i = 0; i < nf; i++)
                vals[i] = rec_get(ar, al, (unsigned)i);
            value cur = vals[slot];
            vals[slot] = h->old;
            rec_encode(&out, vals, nf); /* copies: AR dies with the next write */
            rc = audit_row(t, nb, ++seq, at, user_name(), text, strlen(text), h->account, h->field,
                           cur, h->old, &hb);
            if (rc == 0) rc = store_put(t, ENT_ACCOUNTS, out.data, out.len);
            if ((k & 0xFFF) == 0 && exec_cancelled(s)) break;
            if (!prev || prevlen != h->account.len || memcmp(prev, h->account.s, prevlen) != 0)
                naccounts++;
            prev = h->account.s;
            prevlen = h->account.len;
        }
        /* mark the batch's rows undone */
        for (size_t k = 0; k < n && rc == 0; k++) {
            rec_with(&hb, rows[k].rec, rows[k].len, H_UNDONE, v_bool(true));
            rc = store_history_put(t, b, rows[k].seq, hb.data, hb.len);
        }
        if (rc == 0) rc = put_meta(t, b, (batch_meta){nb, get_meta(t, b).undo_of});
        if (rc == 0) rc = put_meta(t, nb, (batch_meta){0, b});
        rbuf_free(&out);
        rbuf_free(&hb);
        if (rc) ret = diag_setf(d, DIAG_IO, "cannot write: %s", store_strerror(rc));
    }
    free(vals);
    for (size_t i = 0; i < n; i++)
        free(rows[i].rec);
    free(rows);
    if (ret == 0 && exec_cancelled(s)) /* the last moment a Ctrl-C can still undo it all */
        ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was changed");
    if (ret) {
        store_abort(t);
        return ret;
    }
    rc = store_commit(t);
    if (rc) return diag_setf(d, DIAG_IO, "cannot commit: %s", store_strerror(rc));
    summary(s, (int64_t)naccounts, (int64_t)n, nb);
    return 0;
}
