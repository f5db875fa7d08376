/* import.c: `import SOURCE from "FILE" …` (spec §6).
 *
 * Two passes over the file, memory-mapped (or, for a pipe, read into memory
 * once and rewound): the first infers the type of every column that feeds a
 * new custom field or a map expression; the second converts each row to a
 * record. Rows are then written in key order (one
 * sorted bulk insert: LMDB appends instead of seeking), all in the caller's
 * single write transaction, so a failed import leaves nothing behind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "csv.h"
#include "eval.h"
#include "exec.h"

enum { INF_EMPTY, INF_BOOL, INF_INT, INF_NUM, INF_DATE, INF_DATETIME, INF_TEXT };

typedef struct column {
    const char *header; /* as written in the file */
    const char *norm;   /* normalised and distinct: account_name, note_1 */
    int inferred;       /* INF_* of all its values */
    int loose;          /* INF_* of the values that are not text, leading zeros allowed */
    int type;           /* T_* its values are converted to for map expressions */
    int next;           /* next suffix to try when another column has this name */
    bool used;          /* feeds a map expression */
    bool infer;         /* its type is needed */
} column;

typedef struct target {
    int slot;    /* field slot in the entity's schema */
    int type;    /* field type */
    int col;     /* source column, or -1 for an expression */
    node *e;     /* map expression */
    bool keyish; /* an id: blanks around it and integral floats' ".0" go */
    const char *name;
} target;

typedef struct importer {
    session *s;
    store_txn *t;
    const stmt *st;
    arena *a;
    diag *d;
    int entity;
    column *cols;
    int ncols;
    target *tg;
    int ntg;
    const char **mapfield; /* normalised target of each map */
    bool us;
    long rows, imported, skipped, created, bad;
    rbuf recs; /* encoded records, back to back */
    struct pending {
        size_t off; /* record at recs.data + off */
        uint32_t len;
        uint32_t seq;
        uint32_t koff, klen; /* the key text inside the record, for sorting */
        uint64_t kprefix[2]; /* its first 16 bytes, big-endian: most comparisons end here */
        int64_t at;          /* interactions: at, INT64_MIN for null */
    } * pend;
    size_t npend, cappend;
    regex_obj *regexes; /* compiled by map expressions; freed at the end */
} importer;

/* `Account Name` -> account_name: lower case, runs of other characters to one '_';
 * nothing left is column_N (N = INDEX + 1), or "" when INDEX < 0. */
static const char *normalise(arena *a, const char *s, size_t n, int index)
{
    char *out = arena_alloc(a, n + 16);
    size_t k = 0;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
            if (sep && k) out[k++] = '_';
            out[k++] = (char)c;
            sep = false;
        } else if (c >= 'A' && c <= 'Z') {
            if (sep && k) out[k++] = '_';
            out[k++] = (char)(c + 32);
            sep = false;
        } else {
            sep = true;
        }
    }
    if (k == 0 && index >= 0) k = (size_t)snprintf(out, n + 16, "column_%d", index + 1);
    out[k] = 0;
    return out;
}

static bool ci_eq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn) return false;
    for (size_t i = 0; i < an; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return false;
    }
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int parse_bool(const char *s, size_t n)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (int i = 0; i < 5; i++) {
        if (ci_eq(s, n, yes[i])) return 1;
        if (ci_eq(s, n, no[i])) return 0;
    }
    return -1;
}

/* The narrowest INF_* type that S fits. *ZEROS is set for a number written
 * with a leading zero (007, -012, 00.5): a zip code or phone number, text
 * unless an expression needs a number. */
static int classify(const char *s, size_t n, bool us, bool *zeros)
{
    int64_t i;
    double x;
    bool has_time;
    trim(&s, &n);
    *zeros = false;
    if (n == 0) return INF_EMPTY;
    int k = parse_int(s, n, &i) ? INF_INT : parse_num(s, n, &x) ? INF_NUM : INF_EMPTY;
    if (k != INF_EMPTY) {
        size_t d = s[0] == '-' || s[0] == '+';
        *zeros = n > d + 1 && s[d] == '0' && s[d + 1] >= '0' && s[d + 1] <= '9';
        return k;
    }
    if (parse_date(s, n, &i)) return INF_DATE;
    if (parse_datetime(s, n, &i)) return INF_DATETIME;
    if (us && parse_date_us(s, n, &i, &has_time)) return has_time ? INF_DATETIME : INF_DATE;
    if (ci_eq(s, n, "true") || ci_eq(s, n, "false")) return INF_BOOL;
    return INF_TEXT;
}

static int widen(int a, int b)
{
    if (a == INF_EMPTY || a == b) return b;
    if (b == INF_EMPTY) return a;
    if ((a == INF_INT && b == INF_NUM) || (a == INF_NUM && b == INF_INT)) return INF_NUM;
    if ((a == INF_DATE && b == INF_DATETIME) || (a == INF_DATETIME && b == INF_DATE))
        return INF_DATETIME;
    return INF_TEXT;
}

static int inf_type(int inf)
{
    static const int map[] = {T_TEXT, T_BOOL, T_INT, T_NUM, T_DATE, T_DATETIME, T_TEXT};
    return map[inf];
}

static const char *const stages[] = {"prospect",    "onboarding", "active",
                                     "development", "at_risk",    "closed"};

/* `At Risk` -> at_risk (stage and kind values): the N bytes at S, ASCII
 * letters lower-cased, spaces and '-' turned into '_', into OUT. */
static void fold_word(const char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = c == ' ' || c == '-' ? '_' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
}

static bool blank(const char *s, size_t n)
{
    trim(&s, &n);
    return n == 0;
}

/* Whether record OLD is an account an interactions import made for an id it
 * did not know: nothing but its id (and derived fields) set. An accounts
 * import fills it even under on conflict skip: it is no account to keep. */
static bool stub_account(importer *im, const uint8_t *old, size_t len)
{
    if (im->entity != ENT_ACCOUNTS) return false;
    const schema *sc = store_schema(im->t, ENT_ACCOUNTS);
    for (int k = 1; k < sc->n; k++)
        if (!(sc->f[k].flags & FLD_DERIVED) && rec_get(old, len, (unsigned)k).type != T_NULL)
            return false;
    return true;
}

/* Converts the text of one field to TYPE. Returns 0, or -1 with *WHY set.
 * Text results point at S (valid until the next row) or into arena A. */
static int convert(importer *im, const char *s, size_t n, int type, bool keyish, value *out,
                   const char **why)
{
    int64_t i;
    double x;
    bool has_time;
    if (type != T_TEXT || keyish) trim(&s, &n); /* ids too: " m01" is m01 */
    if (n == 0) return *out = v_null(), 0;
    switch (type) {
    case T_TEXT:
        if (keyish && n > 2 && parse_num(s, n, &x) && x == (double)(int64_t)x) {
            /* 17850.0 -> 17850: spreadsheets turn numeric ids into floats */
            const char *dot = memchr(s, '.', n);
            if (dot && !memchr(s, 'e', n) && !memchr(s, 'E', n)) n = (size_t)(dot - s);
        }
        *out = v_text(s, n);
        return 0;
    case T_INT:
        if (parse_int(s, n, &i)) return *out = v_int(i), 0;
        if (parse_num(s, n, &x) && x == (double)(int64_t)x && x > -9.2e18 && x < 9.2e18)
            return *out = v_int((int64_t)x), 0;
        *why = "expected an integer";
        return -1;
    case T_NUM:
        if (parse_num(s, n, &x)) return *out = v_num(x), 0;
        *why = "expected a number";
        return -1;
    case T_DATE:
        if (parse_date(s, n, &i)) return *out = v_date(i), 0;
        if (parse_datetime(s, n, &i) || (im->us && parse_date_us(s, n, &i, &has_time))) {
            int64_t d = i / 86400 - (i % 86400 < 0);
            return *out = v_date(d), 0;
        }
        *why = im->us ? "expected a date (M/D/YYYY or YYYY-MM-DD)" : "expected a date (YYYY-MM-DD)";
        return -1;
    case T_DATETIME:
        if (parse_datetime(s, n, &i)) return *out = v_datetime(i), 0;
        if (parse_date(s, n, &i)) return *out = v_datetime(i * 86400), 0;
        if (im->us && parse_date_us(s, n, &i, &has_time)) return *out = v_datetime(i), 0;
        *why = im->us ? "expected a date and time (M/D/YYYY H:MM)"
                      : "expected a date and time (YYYY-MM-DD HH:MM:SS)";
        return -1;
    case T_BOOL: {
        int b = parse_bool(s, n);
        if (b >= 0) return *out = v_bool(b), 0;
        *why = "expected true or false";
        return -1;
    }
    default: *why = "unsupported type"; return -1;
    }
}

/* Converts a computed value to field type TYPE (a map expression's result). */
static int coerce_to(importer *im, value v, int type, bool keyish, value *out, const char **why)
{
    if (v.type == T_NULL || v.type == type) return *out = v, 0;
    if (v.type == T_TEXT) return convert(im, v.s, v.len, type, keyish, out, why);
    if (type == T_NUM && v.type == T_INT) return *out = v_num((double)v.i), 0;
    if (type == T_INT && v.type == T_NUM && v.n == (double)(int64_t)v.n)
        return *out = v_int((int64_t)v.n), 0;
    if (type == T_DATETIME && v.type == T_DATE) return *out = v_datetime(v.i * 86400), 0;
    if (type == T_DATE && v.type == T_DATETIME)
        return *out = v_date(v.i / 86400 - (v.i % 86400 < 0)), 0;
    if (type == T_TEXT && v.type != T_PERIOD && v.type != T_DURATION) {
        char buf[FMT_BUF];
        int n = format_value(&v, buf);
        *out = v_text(arena_strndup(im->a, buf, (size_t)n), (size_t)n);
        return 0;
    }
    *why = "the mapped value has the wrong type";
    return -1;
}

/* Field-specific rules beyond the type (spec §2). */
static int check_field(importer *im, int slot, value *v, const char **why)
{
    if (v->type == T_NULL) return 0;
    if (im->entity == ENT_ACCOUNTS && slot == A_TIER && (v->i < 1 || v->i > 3)) {
        *why = "tier must be 1, 2 or 3";
        return -1;
    }
    if (im->entity == ENT_ACCOUNTS && slot == A_STAGE) {
        char buf[32];
        const char *ts = v->s;
        size_t tn = v->len;
        trim(&ts, &tn);
        if (tn < sizeof buf) {
            fold_word(ts, tn, buf);
            buf[tn] = 0;
            for (int i = 0; i < 6; i++)
                if (strcmp(buf, stages[i]) == 0)
                    return *v = v_text(stages[i], strlen(stages[i])), 0;
        }
        *why = "stage must be prospect, onboarding, active, development, at_risk or closed";
        return -1;
    }
    if (im->entity == ENT_INTERACTIONS && slot == I_KIND && v->type == T_TEXT) {
        /* "Order " counts as an order */
        const char *ts = v->s;
        size_t tn = v->len;
        trim(&ts, &tn);
        if (tn == 0) return *v = v_null(), 0;
        char *out = arena_alloc(im->a, tn);
        fold_word(ts, tn, out);
        *v = v_text(out, tn);
        return 0;
    }
    if (im->entity == ENT_INTERACTIONS && slot == I_NPS && (v->i < 0 || v->i > 10)) {
        *why = "nps must be from 0 to 10";
        return -1;
    }
    if (im->entity == ENT_INTERACTIONS && slot == I_CSAT && (v->i < 1 || v->i > 5)) {
        *why = "csat must be from 1 to 5";
        return -1;
    }
    if ((slot == 0 || (im->entity == ENT_INTERACTIONS && slot == I_ACCOUNT)) && v->type == T_TEXT) {
        if (blank(v->s, v->len)) return *v = v_null(), 0; /* an empty key: the row is skipped */
        if (v->len > STORE_KEY_MAX) {
            *why = "an id is longer than 480 bytes";
            return -1;
        }
        if (memchr(v->s, 0, v->len)) {
            *why = "an id cannot hold a NUL byte";
            return -1;
        }
    }
    return 0;
}

/* Resolves the column names in a map expression to normalised column names. */
static int resolve_columns(importer *im, node *n)
{
    if (n->kind == N_FIELD) {
        if (n->qual)
            return diag_set(im->d, DIAG_SEMANTIC, n->off, n->len,
                            "a map expression refers to columns of the file, not '%s.%s'", n->qual,
                            n->name);
        int found = -1;
        for (int i = 0; i < im->ncols && found < 0; i++)
            if (strcmp(im->cols[i].header, n->name) == 0) found = i;
        const char *nn = normalise(im->a, n->name, strlen(n->name), 0);
        for (int i = 0; i < im->ncols && found < 0; i++)
            if (strcmp(im->cols[i].norm, nn) == 0) found = i;
        if (found < 0)
            return diag_set(im->d, DIAG_SEMANTIC, n->off, n->len, "no column '%s' in %s", n->name,
                            im->st->file);
        n->name = im->cols[found].norm;
        im->cols[found].used = im->cols[found].infer = true;
        return 0;
    }
    for (int i = 0; i < n->n; i++)
        if (resolve_columns(im, n->a[i])) return -1;
    return 0;
}

static bool is_keyish(int entity, int slot)
{
    switch (entity) {
    case ENT_ACCOUNTS: return slot == A_ID || slot == A_MANAGER;
    case ENT_MANAGERS: return slot == M_ID;
    case ENT_INTERACTIONS: return slot == I_ACCOUNT || slot == I_MANAGER;
    default: return false;
    }
}

static target *add_target(importer *im, int slot, int col, node *e, const char *nm)
{
    target *tg = &im->tg[im->ntg++];
    const schema *sc = store_schema(im->t, im->entity);
    *tg = (target){slot, sc->f[slot].type, col, e, is_keyish(im->entity, slot), nm};
    return tg;
}

/* Adds a custom field, or widens an existing custom field's type to fit TYPE. */
static int ensure_field(importer *im, const char *nm, int type, int *slot)
{
    *slot = store_field(im->t, im->entity, nm);
    int rc = 0;
    if (*slot < 0) {
        rc = store_field_add(im->t, im->entity, nm, type, slot);
    } else {
        const field_def *f = &store_schema(im->t, im->entity)->f[*slot];
        if (f->flags & FLD_CUSTOM && f->type != type) {
            int w = (f->type == T_INT && type == T_NUM)         ? T_NUM
                    : (f->type == T_DATE && type == T_DATETIME) ? T_DATETIME
                    : (f->type == T_NUM && type == T_INT)       ? -1
                    : (f->type == T_DATETIME && type == T_DATE) ? -1
                    : (f->type == T_TEXT)                       ? -1
                                                                : T_TEXT;
            if (w >= 0) rc = store_field_retype(im->t, im->entity, *slot, w);
        }
    }
    if (rc) return diag_setf(im->d, DIAG_IO, "cannot add field '%s': %s", nm, store_strerror(rc));
    return 0;
}

/* Infers the types of the columns that need it (first pass). */
static int infer_types(importer *im, csv_reader *r)
{
    bool any = false;
    for (int i = 0; i < im->ncols; i++)
        any |= im->cols[i].infer;
    if (!any) return 0;
    csv_field *f;
    int nf, rc;
    while ((rc = csv_next(r, &f, &nf)) != 0) {
        if (rc < 0) continue; /* reported in the second pass */
        for (int i = 0; i < im->ncols && i < nf; i++) {
            column *c = &im->cols[i];
            if (!c->infer || (c->inferred == INF_TEXT && (!c->used || c->loose == INF_TEXT)))
                continue;
            bool zeros;
            int k = classify(f[i].s, f[i].len, im->us, &zeros);
            c->inferred = widen(c->inferred, zeros ? INF_TEXT : k);
            c->loose = widen(c->loose, k == INF_TEXT ? INF_EMPTY : k);
        }
        if (exec_cancelled(im->s)) return diag_setf(im->d, DIAG_INTERRUPT, "interrupted");
    }
    return 0;
}

/* Normalises the map targets as headers are (`Sales Rep` -> sales_rep) and
 * rejects a field mapped twice, at its second target. */
static int map_fields(importer *im)
{
    const stmt *st = im->st;
    im->mapfield = arena_alloc(im->a, sizeof(char *) * (size_t)(st->nmaps + 1));
    for (int i = 0; i < st->nmaps; i++) {
        const mapping *m = &st->maps[i];
        const char *nm = normalise(im->a, m->field, strlen(m->field), -1);
        if (!*nm)
            return diag_set(im->d, DIAG_SEMANTIC, m->off, m->len, "'%s' is not a field name",
                            m->field);
        for (int k = 0; k < i; k++)
            if (strcmp(im->mapfield[k], nm) == 0)
                return diag_set(im->d, DIAG_SEMANTIC, m->off, m->len, "'%s' is mapped twice", nm);
        im->mapfield[i] = nm;
    }
    return 0;
}

/* Gives every column a distinct name: a normalised name met before gets a
 * suffix _1, _2, … (x, X, x -> x, x_1, x_2), the first one free, as DuckDB's
 * read_csv does. A hash table of the names given keeps this linear. */
static void distinct_names(importer *im)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)im->ncols)
        cap *= 2;
    int *table = arena_alloc(im->a, sizeof(int) * cap); /* column + 1, 0 = empty */
    memset(table, 0, sizeof(int) * cap);
    for (int i = 0; i < im->ncols; i++) {
        column *c = &im->cols[i];
        const char *nm = c->norm;
        column *base = NULL;
        for (;;) {
            size_t j = hash_bytes(nm, strlen(nm), 0) & (cap - 1);
            while (table[j] && strcmp(im->cols[table[j] - 1].norm, nm) != 0)
                j = (j + 1) & (cap - 1);
            if (!table[j]) {
                c->norm = nm;
                table[j] = i + 1;
                break;
            }
            if (!base) base = &im->cols[table[j] - 1];
            size_t n = strlen(c->norm) + 16;
            char *next = arena_alloc(im->a, n);
            snprintf(next, n, "%s_%d", c->norm, ++base->next);
            nm = next;
        }
    }
}

/* Matches columns to fields by name, and marks the ones whose types must be
 * inferred (new custom fields). Map expressions' columns are resolved first. */
static int match_columns(importer *im, int *colslot)
{
    const stmt *st = im->st;
    for (int i = 0; i < st->nmaps; i++)
        if (resolve_columns(im, st->maps[i].e)) return -1;
    for (int i = 0; i < im->ncols; i++) {
        colslot[i] = -1;
        column *c = &im->cols[i];
        bool mapped = false;
        for (int k = 0; k < st->nmaps && !mapped; k++)
            mapped = strcmp(im->mapfield[k], c->norm) == 0;
        if (mapped) continue;
        int slot = store_field(im->t, im->entity, c->norm);
        if (slot < 0 && c->used)
            continue; /* an input to a map expression, not a field of its own */
        if (slot >= 0) {
            const field_def *f = &store_schema(im->t, im->entity)->f[slot];
            if (f->flags & FLD_DERIVED) { /* recomputed from the data (re-imported exports) */
                if (!c->used && strcmp(c->header, f->name) != 0) /* (not kash's own export) */
                    fprintf(stderr,
                            "warning: %s: column '%s' is not imported: %s is computed from the "
                            "%s (map it to another name to keep it: map crm_%s = `%s`)\n",
                            st->file, c->header, f->name,
                            im->entity == ENT_MANAGERS ? "accounts" : "interactions", f->name,
                            c->header);
                continue;
            }
            if (f->flags & FLD_CUSTOM) c->infer = true; /* may need widening */
            colslot[i] = slot;
        } else {
            c->infer = true;
            colslot[i] = -2; /* new custom field */
        }
    }
    return 0;
}

/* Calls FN(IM, column, ARG) for each column that expression N reads. */
static void each_column(importer *im, const node *n, void (*fn)(importer *, int, void *), void *arg)
{
    if (n->kind == N_FIELD) {
        for (int i = 0; i < im->ncols; i++)
            if (strcmp(im->cols[i].norm, n->name) == 0) fn(im, i, arg);
        return;
    }
    for (int i = 0; i < n->n; i++)
        each_column(im, n->a[i], fn, arg);
}

/* Columns of a map expression that could be read as another type. */
struct candidates {
    const bool *typed; /* columns whose type an earlier map settled */
    const uint8_t *types;
    int col[8];
    int n;
};

static void add_candidate(importer *im, int col, void *arg)
{
    struct candidates *c = arg;
    int loose = im->cols[col].loose;
    if (c->typed[col] || c->types[col] != T_TEXT || loose == INF_EMPTY || loose == INF_TEXT) return;
    for (int k = 0; k < c->n; k++)
        if (c->col[k] == col) return;
    if (c->n < 8) c->col[c->n++] = col;
}

static void set_typed(importer *im, int col, void *arg)
{
    (void)im;
    ((bool *)arg)[col] = true;
}

/* Plans the map expressions over the columns' inferred TYPES. A column that is
 * text only because some of its values are not numbers (1,234.50 among
 * prices) or zip-code-like numbers (007) is read as the type of its other
 * values when an expression does not type-check otherwise: as few such
 * columns as make it type-check, one, then two, …; their values that do not
 * convert are then bad rows ("expected a number in column …"). A column keeps
 * the type the first map that reads it settled. */
static int plan_maps(importer *im, plan_ctx *pc, uint8_t *types)
{
    const stmt *st = im->st;
    bool *typed = arena_calloc(im->a, (size_t)im->ncols + 1, sizeof(bool));
    for (int i = 0; i < st->nmaps; i++) {
        node *e = st->maps[i].e;
        if (plan_expr(pc, e)) {
            struct candidates c = {typed, types, {0}, 0};
            each_column(im, e, add_candidate, &c);
            diag first = *im->d;
            bool ok = false;
            for (int size = 1; size <= c.n && !ok; size++) {
                for (unsigned mask = 1; mask < 1u << c.n && !ok; mask++) {
                    if (__builtin_popcount(mask) != size) continue;
                    for (int k = 0; k < c.n; k++)
                        types[c.col[k]] =
                            (uint8_t)inf_type(mask >> k & 1 ? im->cols[c.col[k]].loose : INF_TEXT);
                    diag_clear(im->d);
                    ok = plan_expr(pc, e) == 0;
                }
            }
            if (!ok) {
                *im->d = first;
                return -1;
            }
        }
        each_column(im, e, set_typed, typed);
    }
    for (int i = 0; i < im->ncols; i++)
        im->cols[i].type = types[i];
    return 0;
}

/* After inference: creates custom fields and the list of targets. */
static int make_targets(importer *im, const int *colslot)
{
    const stmt *st = im->st;
    im->tg = arena_alloc(im->a, sizeof(target) * (size_t)(im->ncols + st->nmaps + 1));
    const char **names = arena_alloc(im->a, sizeof(char *) * (size_t)(im->ncols + 1));
    uint8_t *types = arena_alloc(im->a, (size_t)(im->ncols + 1));
    for (int i = 0; i < im->ncols; i++) {
        names[i] = im->cols[i].norm;
        types[i] = (uint8_t)inf_type(im->cols[i].inferred);
    }
    plan_ctx pc;
    plan_source(&pc, im->t, im->a, im->d, -1, NULL);
    pc.regexes = &im->regexes;
    pc.ncols = im->ncols;
    pc.colnames = names;
    pc.coltypes = types;
    for (int i = 0; i < im->ncols; i++) {
        column *c = &im->cols[i];
        if (colslot[i] == -1) continue;
        int slot = colslot[i];
        bool custom = slot >= 0 && (store_schema(im->t, im->entity)->f[slot].flags & FLD_CUSTOM);
        /* an all-empty column says nothing about an existing field's type */
        if (c->infer && (slot == -2 || (custom && c->inferred != INF_EMPTY))) {
            if (ensure_field(im, c->norm, inf_type(c->inferred), &slot)) return -1;
        }
        add_target(im, slot, i, NULL, c->header);
    }
    if (plan_maps(im, &pc, types)) return -1;
    for (int i = 0; i < st->nmaps; i++) {
        const mapping *m = &st->maps[i];
        const char *field = im->mapfield[i];
        int slot = store_field(im->t, im->entity, field);
        if (slot >= 0) {
            const field_def *f = &store_schema(im->t, im->entity)->f[slot];
            if (f->flags & FLD_DERIVED)
                return diag_set(im->d, DIAG_SEMANTIC, m->off, m->len,
                                "cannot import into '%s': it is derived from the data", field);
        } else if (ensure_field(im, field, m->e->type == T_NULL ? T_TEXT : m->e->type, &slot)) {
            return -1;
        }
        /* a column mapped by a plain reference keeps its field's conversion rules */
        int col = -1;
        if (m->e->kind == N_FIELD)
            for (int k = 0; k < im->ncols && col < 0; k++)
                if (strcmp(im->cols[k].norm, m->e->name) == 0) col = k;
        add_target(im, slot, col, col >= 0 ? NULL : m->e, field);
    }
    for (int i = 0; i < im->ntg; i++) /* types may have been widened meanwhile */
        im->tg[i].type = store_schema(im->t, im->entity)->f[im->tg[i].slot].type;
    int keyslot = 0; /* id, or account for interactions: both slot 0 */
    for (int i = 0; i < im->ntg; i++)
        if (im->tg[i].slot == keyslot) return 0;
    const char *key = im->entity == ENT_INTERACTIONS ? "account" : "id";
    return diag_set(im->d, DIAG_SEMANTIC, st->file_off, st->file_len,
                    "%s has no '%s' column (map one, e.g. map %s = `Your Column`)", st->file, key,
                    key);
}

/* Reports a bad row: an error, or with `on error skip` a warning. Returns -1 to abort. */
static int bad_row(importer *im, uint32_t line, uint32_t col, const char *fmt, const char *a,
                   const char *b)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a, b);
    if (!im->st->skip_errors)
        return diag_setf(im->d, DIAG_DATA, "%s:%u:%u: %s", im->st->file, line, col, msg);
    if (im->bad < 20)
        fprintf(stderr, "warning: %s:%u:%u: %s (row skipped)\n", im->st->file, line, col, msg);
    im->bad++;
    im->skipped++;
    return 0;
}

/* Reports field CF of column HEADER, which failed with WHY: see bad_row(). */
static int bad_field(importer *im, const csv_field *cf, const char *why, const char *header)
{
    char shown[48];
    snprintf(shown, sizeof shown, "%.*s%s", cf->len > 40 ? 40 : (int)cf->len, cf->s,
             cf->len > 40 ? "…" : "");
    char msg[200];
    snprintf(msg, sizeof msg, "%s in column '%s'", why, header);
    return bad_row(im, cf->line, cf->col, "%s, found '%s'", msg, shown);
}

/* Converts one CSV record to values in VALS; returns 1 to keep it, 0 to skip, -1 to abort. */
static int convert_row(importer *im, csv_field *f, int nf, value *vals, value *colvals, ectx *ec)
{
    uint32_t line = nf ? f[0].line : 1;
    if (nf != im->ncols) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%d", im->ncols);
        snprintf(b, sizeof b, "%d", nf);
        uint32_t col = nf ? f[nf - 1].col + f[nf - 1].len : 1;
        return bad_row(im, line, col, "expected %s fields, found %s", a, b) ? -1 : 0;
    }
    const char *why = NULL;
    bool need_cols = false;
    for (int i = 0; i < im->ntg; i++)
        need_cols |= im->tg[i].e != NULL;
    if (need_cols) {
        for (int i = 0; i < im->ncols; i++) {
            colvals[i] = v_null();
            if (!im->cols[i].used) continue;
            if (convert(im, f[i].s, f[i].len, im->cols[i].type, false, &colvals[i], &why))
                return bad_field(im, &f[i], why, im->cols[i].header) ? -1 : 0;
        }
    }
    for (int i = 0; i < im->ntg; i++) {
        target *tg = &im->tg[i];
        value v;
        if (tg->col >= 0) {
            csv_field *cf = &f[tg->col];
            if (convert(im, cf->s, cf->len, tg->type, tg->keyish, &v, &why) ||
                check_field(im, tg->slot, &v, &why))
                return bad_field(im, cf, why, im->cols[tg->col].header) ? -1 : 0;
        } else {
            ec->cols = colvals;
            diag_clear(im->d);
            if (eval(ec, tg->e, &v)) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", im->d->msg);
                diag_clear(im->d);
                return bad_row(im, line, 1, "map %s: %s", tg->name, msg) ? -1 : 0;
            }
            if (coerce_to(im, v, tg->type, tg->keyish, &v, &why) ||
                check_field(im, tg->slot, &v, &why))
                return bad_row(im, line, 1, "map %s: %s", tg->name, why) ? -1 : 0;
        }
        vals[tg->slot] = v;
    }
    if (vals[0].type != T_TEXT || vals[0].len == 0) {
        im->skipped++;
        return 0;
    }
    return 1;
}

static int pend_cmp_key(const importer *im, const struct pending *x, const struct pending *y)
{
    for (int i = 0; i < 2; i++)
        if (x->kprefix[i] != y->kprefix[i]) return x->kprefix[i] < y->kprefix[i] ? -1 : 1;
    if (x->klen > 16 && y->klen > 16) {
        const uint8_t *kx = im->recs.data + x->off + x->koff,
                      *ky = im->recs.data + y->off + y->koff;
        size_t n = x->klen < y->klen ? x->klen : y->klen;
        int c = memcmp(kx, ky, n);
        if (c) return c;
    }
    if (x->klen != y->klen) return x->klen < y->klen ? -1 : 1;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Fills in the sort keys once the record buffer has stopped moving. */
static void pend_keys(importer *im)
{
    for (size_t i = 0; i < im->npend; i++) {
        struct pending *p = &im->pend[i];
        const uint8_t *rec = im->recs.data + p->off;
        value k = rec_get(rec, p->len, 0);
        p->koff = (uint32_t)((const uint8_t *)k.s - rec);
        p->klen = k.len;
        p->kprefix[0] = p->kprefix[1] = 0;
        for (uint32_t j = 0; j < 16; j++)
            p->kprefix[j / 8] = p->kprefix[j / 8] << 8 | (j < k.len ? (uint8_t)k.s[j] : 0);
        p->at = INT64_MIN;
        if (im->entity == ENT_INTERACTIONS) {
            value at = rec_get(rec, p->len, I_AT);
            if (at.type == T_DATETIME)
                p->at = at.i;
            else if (at.type == T_DATE)
                p->at = at.i * 86400;
        }
    }
}

/* Sorts the pending rows by key (stable: a bottom-up merge sort), polling
 * for Ctrl-C so that even a sort of ten million rows stops at once. */
static int sort_pending(importer *im)
{
    size_t n = im->npend;
    struct pending *a = im->pend, *b = xmalloc(sizeof *b * (n ? n : 1));
    enum { RUN = 32 };
    for (size_t lo = 0; lo < n; lo += RUN) { /* insertion-sorted runs */
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            struct pending x = a[i];
            size_t j = i;
            for (; j > lo && pend_cmp_key(im, &x, &a[j - 1]) < 0; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
    }
    size_t polled = 0;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                b[k++] = pend_cmp_key(im, &a[j], &a[i]) < 0 ? a[j++] : a[i++];
                if ((++polled & 0xFFFF) == 0 && exec_cancelled(im->s)) {
                    free(a == im->pend ? b : a);
                    return diag_setf(im->d, DIAG_INTERRUPT, "interrupted: nothing was imported");
                }
            }
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        struct pending *t = a;
        a = b;
        b = t;
    }
    if (a != im->pend) {
        memcpy(im->pend, a, sizeof *a * n);
        b = a;
    }
    free(b);
    return 0;
}

/* Key text of pending row P. */
static const uint8_t *pend_key(const importer *im, const struct pending *p)
{
    return im->recs.data + p->off + p->koff;
}

static int at_cmp(const void *x, const void *y)
{
    const struct pending *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* One account met in an import of interactions: the key prefix of its rows,
 * so that most comparisons touch no record. */
struct acct_key {
    uint64_t kprefix[2];
    uint32_t klen;
    uint32_t row; /* one of its rows */
    uint32_t g;   /* its number in order of appearance */
};

static bool acct_key_eq(const importer *im, const struct acct_key *a, const struct pending *p)
{
    if (a->kprefix[0] != p->kprefix[0] || a->kprefix[1] != p->kprefix[1] || a->klen != p->klen)
        return false;
    return a->klen <= 16 ||
           memcmp(pend_key(im, &im->pend[a->row]) + 16, pend_key(im, p) + 16, a->klen - 16) == 0;
}

static int acct_key_cmp(const void *x, const void *y, void *ctx)
{
    const struct acct_key *a = x, *b = y;
    const importer *im = ctx;
    for (int i = 0; i < 2; i++)
        if (a->kprefix[i] != b->kprefix[i]) return a->kprefix[i] < b->kprefix[i] ? -1 : 1;
    if (a->klen > 16 && b->klen > 16) {
        int c = memcmp(pend_key(im, &im->pend[a->row]), pend_key(im, &im->pend[b->row]),
                       a->klen < b->klen ? a->klen : b->klen);
        if (c) return c;
    }
    return (a->klen > b->klen) - (a->klen < b->klen);
}

/* Sorts pending interactions into key order (account, at, file order) in
 * linear time: a hash table finds each row's account, a counting sort groups
 * the rows by account (the accounts themselves sorted by id), then each
 * account's rows are sorted by time, which in a CRM export they usually
 * already are. Polls for Ctrl-C. */
static int sort_interactions(importer *im)
{
    size_t n = im->npend, cap = 1024, nacc = 0, acap = 0;
    uint32_t *grp = xmalloc(sizeof *grp * (n ? n : 1)); /* row -> account */
    struct acct_key *acc = NULL;                        /* accounts, as met */
    uint32_t *table = xcalloc(cap, sizeof *table);      /* 1 + account, 0 = empty */
    int ret = 0;
    for (size_t i = 0; i < n && ret == 0; i++) {
        if ((i & 0xFFFF) == 0 && exec_cancelled(im->s)) ret = -1;
        if (2 * nacc >= cap) {
            cap *= 2;
            free(table);
            table = xcalloc(cap, sizeof *table);
            for (size_t g = 0; g < nacc; g++) {
                size_t j = hash_bytes(acc[g].kprefix, 16, acc[g].klen) & (cap - 1);
                while (table[j])
                    j = (j + 1) & (cap - 1);
                table[j] = (uint32_t)g + 1;
            }
        }
        const struct pending *p = &im->pend[i];
        size_t j = hash_bytes(p->kprefix, 16, p->klen) & (cap - 1);
        while (table[j] && !acct_key_eq(im, &acc[table[j] - 1], p))
            j = (j + 1) & (cap - 1);
        if (!table[j]) {
            if (nacc == acap) acc = xrealloc(acc, sizeof *acc * (acap = acap ? 2 * acap : 1024));
            acc[nacc] = (struct acct_key){
                {p->kprefix[0], p->kprefix[1]}, p->klen, (uint32_t)i, (uint32_t)nacc};
            table[j] = (uint32_t)++nacc;
        }
        grp[i] = table[j] - 1;
    }
    free(table);
    uint32_t *cnt = xcalloc(nacc + 1, sizeof *cnt);        /* account -> its rows */
    uint32_t *start = xmalloc(sizeof *start * (nacc + 1)); /* account -> next slot */
    if (ret == 0) {
        qsort_r(acc, nacc, sizeof *acc, acct_key_cmp, im);
        for (size_t i = 0; i < n; i++)
            cnt[grp[i]]++;
        uint32_t pos = 0;
        for (size_t o = 0; o < nacc; o++) {
            start[acc[o].g] = pos;
            pos += cnt[acc[o].g];
        }
    }
    struct pending *out = ret == 0 ? xmalloc(sizeof *out * (n ? n : 1)) : NULL;
    if (out) mem_huge(out, sizeof *out * n); /* written at random */
    for (size_t i = 0; i < n && ret == 0; i++) {
        if ((i & 0xFFFF) == 0 && exec_cancelled(im->s)) ret = -1;
        out[start[grp[i]]++] = im->pend[i]; /* stable: file order within an account */
    }
    /* each account's rows by time */
    for (size_t o = 0, lo = 0; o < nacc && ret == 0; o++) {
        if ((o & 0x3FFF) == 0 && exec_cancelled(im->s)) ret = -1;
        size_t hi = lo + cnt[acc[o].g];
        bool sorted = true;
        for (size_t i = lo + 1; i < hi && sorted; i++)
            sorted = at_cmp(&out[i - 1], &out[i]) <= 0;
        if (!sorted) qsort(out + lo, hi - lo, sizeof *out, at_cmp);
        lo = hi;
    }
    if (ret == 0) {
        free(im->pend);
        im->pend = out;
        im->cappend = n;
    } else {
        free(out);
    }
    free(grp);
    free(acc);
    free(cnt);
    free(start);
    return ret ? diag_setf(im->d, DIAG_INTERRUPT, "interrupted: nothing was imported") : 0;
}

static int store_fail(importer *im, int rc)
{
    if (rc == STORE_EKEY)
        return diag_setf(im->d, DIAG_DATA, "%s: an id is longer than 480 bytes", im->st->file);
    return diag_setf(im->d, DIAG_IO, "cannot write: %s", store_strerror(rc));
}

/* Writes accounts or managers, merging each into the existing row. */
static int write_keyed(importer *im)
{
    const schema *sc = store_schema(im->t, im->entity);
    int n = sc->n;
    value *vals = xmalloc(sizeof(value) * (size_t)n);
    rbuf out = {0};
    int ret = 0;
    for (size_t i = 0; i < im->npend && ret == 0; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(im->s)) {
            ret = diag_setf(im->d, DIAG_INTERRUPT, "interrupted: nothing was imported");
            break;
        }
        const uint8_t *rec = im->recs.data + im->pend[i].off;
        size_t len = im->pend[i].len;
        value id = rec_get(rec, len, 0);
        const uint8_t *old;
        size_t oldlen;
        int rc = store_get(im->t, im->entity, id.s, id.len, &old, &oldlen);
        if (rc == 0) {
            if (im->st->skip_conflict && !stub_account(im, old, oldlen)) {
                im->skipped++;
                continue;
            }
            for (int k = 0; k < n; k++)
                vals[k] = rec_get(old, oldlen, (unsigned)k);
            /* copy: OLD dies with the next write */
            rbuf tmp = {0};
            rec_encode(&tmp, vals, n);
            for (int k = 0; k < n; k++)
                vals[k] = rec_get(tmp.data, tmp.len, (unsigned)k);
            for (int k = 0; k < im->ntg; k++) {
                int slot = im->tg[k].slot;
                vals[slot] = rec_get(rec, len, (unsigned)slot);
            }
            rec_encode(&out, vals, n);
            rbuf_free(&tmp);
            rc = store_put(im->t, im->entity, out.data, out.len);
        } else if (rc == STORE_NOTFOUND) {
            rc = store_put(im->t, im->entity, rec, len);
        }
        if (rc)
            ret = store_fail(im, rc);
        else
            im->imported++;
    }
    rbuf_free(&out);
    free(vals);
    return ret;
}

static int import_cancelled(void *ctx)
{
    return exec_cancelled(ctx);
}

/* Writes interactions in key order (LMDB appends), then creates unknown
 * accounts and folds each account's activity into its derived fields, all in
 * id order: the account pages rewritten stay together (and packed, see
 * store_activity_add_all) instead of being interleaved with interactions. */
static int write_interactions(importer *im)
{
    account_activity *accts = NULL;
    size_t nacc = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < im->npend && rc == 0; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(im->s)) rc = STORE_ECANCELLED;
        if (i + 16 < im->npend) __builtin_prefetch(im->recs.data + im->pend[i + 16].off);
        const uint8_t *rec = im->recs.data + im->pend[i].off;
        size_t len = im->pend[i].len;
        value acc = rec_get(rec, len, I_ACCOUNT);
        if (!nacc || accts[nacc - 1].len != acc.len || memcmp(accts[nacc - 1].id, acc.s, acc.len)) {
            if (nacc == cap) accts = xrealloc(accts, sizeof *accts * (cap = cap ? 2 * cap : 1024));
            accts[nacc].id = acc.s;
            accts[nacc].len = acc.len;
            activity_init(&accts[nacc++].act);
        }
        value kind = rec_get(rec, len, I_KIND), at = rec_get(rec, len, I_AT),
              amount = rec_get(rec, len, I_AMOUNT);
        activity_add(&accts[nacc - 1].act, kind.type == T_TEXT ? kind.s : "",
                     kind.type == T_TEXT ? kind.len : 0, &at, &amount);
        if (rc == 0) rc = store_put_interaction(im->t, rec, len, im->pend[i].seq);
        if (rc == 0) im->imported++;
    }
    value acc_vals[A_NBUILTIN];
    rbuf nb = {0};
    for (size_t i = 0; i < nacc && rc == 0; i++) {
        if ((i & 0x3FFF) == 0 && exec_cancelled(im->s)) rc = STORE_ECANCELLED;
        const uint8_t *ar;
        size_t al;
        if (rc == 0) rc = store_get(im->t, ENT_ACCOUNTS, accts[i].id, accts[i].len, &ar, &al);
        if (rc == STORE_NOTFOUND) { /* an unknown account: created */
            for (int k = 0; k < A_NBUILTIN; k++)
                acc_vals[k] = v_null();
            acc_vals[A_ID] = v_text(accts[i].id, accts[i].len);
            rec_encode(&nb, acc_vals, A_NBUILTIN);
            rc = store_put(im->t, ENT_ACCOUNTS, nb.data, nb.len);
            im->created++;
        }
    }
    rbuf_free(&nb);
    if (rc == 0) rc = store_activity_add_all(im->t, accts, nacc, import_cancelled, im->s);
    free(accts);
    if (rc == STORE_ECANCELLED)
        return diag_setf(im->d, DIAG_INTERRUPT, "interrupted: nothing was imported");
    return rc ? store_fail(im, rc) : 0;
}

/* Prints the one-row summary in the session's output mode. */
static void summary(importer *im, double secs)
{
    static const char *const names[] = {"rows", "imported", "skipped", "created", "seconds"};
    value v[5] = {v_int(im->rows), v_int(im->imported), v_int(im->skipped), v_int(im->created),
                  v_num(getenv("KASH_TEST") ? 0 : (double)(int64_t)(secs * 1000) / 1000)};
    if (im->bad > 20) fprintf(stderr, "warning: %ld more rows skipped with errors\n", im->bad - 20);
    render_opts ro = im->s->ro;
    renderer *r = render_begin(im->s->out, &ro, 5, names);
    render_row(r, v);
    render_end(r);
}

/* A header of one column holding another separator: a file split at ';' or
 * tabs read as CSV (or one split at commas named .tsv) would otherwise fail
 * later with a puzzling "no 'id' column". Returns -1 with the error set. */
static int wrong_separator(importer *im, const csv_field *h, char sep)
{
    const char *seen = NULL;
    if (sep == ',' && memchr(h->s, '\t', h->len))
        seen = "a tab";
    else if (sep == ',' && memchr(h->s, ';', h->len))
        seen = "';'";
    else if (sep == '\t' && memchr(h->s, ',', h->len))
        seen = "','";
    if (!seen) return 0;
    const stmt *st = im->st;
    return diag_set(im->d, DIAG_SEMANTIC, st->file_off, st->file_len,
                    "%s has one column, with %s in its header: kash splits .tsv files at tabs "
                    "and other files at commas",
                    st->file, seen);
}

int import_run(session *s, store_txn *t, const stmt *st, const char *src, arena *a, diag *d)
{
    (void)src;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    importer im = {.s = s, .t = t, .st = st, .a = a, .d = d, .us = st->dates_us};
    im.entity = st->source;
    const char *dot = strrchr(st->file, '.');
    char sep = dot && strcasecmp(dot, ".tsv") == 0 ? '\t' : ',';
    csv_reader *r;
    int rc = csv_open(st->file, sep, &r);
    if (rc)
        return diag_set(d, DIAG_IO, st->file_off, st->file_len, "cannot open %s: %s", st->file,
                        strerror(rc));
    csv_field *f;
    int nf;
    int ret = 0;
    rc = csv_next(r, &f, &nf);
    if (rc < 0) {
        uint32_t line, col;
        const char *msg = csv_error(r, &line, &col);
        ret = diag_setf(d, DIAG_DATA, "%s:%u:%u: %s", st->file, line, col, msg);
    }
    if (rc <= 0) { /* empty file: nothing to do */
        csv_close(r);
        if (ret == 0) summary(&im, 0);
        return ret;
    }
    if (nf == 1 && !f[0].quoted && wrong_separator(&im, &f[0], sep)) {
        csv_close(r);
        return -1;
    }
    im.ncols = nf;
    im.cols = arena_calloc(a, (size_t)nf, sizeof(column));
    for (int i = 0; i < nf; i++) {
        im.cols[i].header = arena_strndup(a, f[i].s, f[i].len);
        im.cols[i].norm = normalise(a, f[i].s, f[i].len, i);
    }
    distinct_names(&im);
    int *colslot = arena_alloc(a, sizeof(int) * (size_t)nf);
    if (map_fields(&im) || match_columns(&im, colslot) || infer_types(&im, r) ||
        make_targets(&im, colslot)) {
        csv_close(r);
        eval_free_regexes(&im.regexes);
        return -1;
    }
    /* the second pass: the same input (a pipe cannot be opened again) */
    csv_rewind(r);
    csv_next(r, &f, &nf); /* the header again */

    const schema *sc = store_schema(t, im.entity);
    value *vals = xmalloc(sizeof(value) * (size_t)sc->n);
    value *colvals = xmalloc(sizeof(value) * (size_t)(im.ncols + 1));
    plan_ctx pc;
    plan_source(&pc, t, a, d, -1, NULL);
    ectx ec;
    ectx_init(&ec, &pc);
    arena scratch;
    arena_init(&scratch);
    ec.a = &scratch;
    im.a = &scratch;
    uint32_t seq = 0;
    rbuf one = {0}; /* one encoded row */
    while (ret == 0 && (rc = csv_next(r, &f, &nf)) != 0) {
        if ((im.rows & 0x3FFF) == 0 && s->progress)
            s->progress(s, im.rows, csv_offset(r), csv_size(r));
        if ((im.rows & 0x3FFF) == 0 && exec_cancelled(s)) {
            ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was imported");
            break;
        }
        im.rows++;
        if (rc < 0) {
            uint32_t line, col;
            const char *msg = csv_error(r, &line, &col);
            if (bad_row(&im, line, col, "%s%s", msg, "")) ret = -1;
            continue;
        }
        for (int i = 0; i < sc->n; i++)
            vals[i] = v_null();
        int k = convert_row(&im, f, nf, vals, colvals, &ec);
        if (k < 0) ret = -1;
        if (k > 0) {
            size_t off = im.recs.len;
            rec_encode(&one, vals, sc->n);
            rbuf_reserve(&im.recs, one.len);
            memcpy(im.recs.data + off, one.data, one.len);
            im.recs.len += one.len;
            if (im.npend == im.cappend) {
                im.cappend = im.cappend ? im.cappend * 2 : 1024;
                im.pend = xrealloc(im.pend, im.cappend * sizeof *im.pend);
                mem_huge(im.pend, im.cappend * sizeof *im.pend);
            }
            im.pend[im.npend++] =
                (struct pending){.off = off, .len = (uint32_t)one.len, .seq = ++seq};
        }
        arena_reset(&scratch);
    }
    csv_close(r);
    if (ret == 0) {
        pend_keys(&im);
        ret = im.entity == ENT_INTERACTIONS ? sort_interactions(&im) : sort_pending(&im);
    }
    if (ret == 0) {
        if (im.entity == ENT_INTERACTIONS) {
            /* seq numbers continue the database's own */
            for (size_t i = 0; i < im.npend; i++)
                im.pend[i].seq = store_next_seq(t);
            ret = write_interactions(&im);
        } else {
            ret = write_keyed(&im);
        }
    }
    if (ret == 0 && exec_cancelled(s))
        ret = diag_setf(d, DIAG_INTERRUPT, "interrupted: nothing was imported");
    arena_free(&scratch);
    rbuf_free(&one);
    eval_free_regexes(&im.regexes);
    free(vals);
    free(colvals);
    free(im.pend);
    rbuf_free(&im.recs);
    if (ret) return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    im.a = a;
    summary(&im, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
