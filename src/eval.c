/* eval.c: planning and evaluating expressions; see eval.h.
 *
 * Nulls follow SQL's three-valued logic: an operator with a null operand
 * gives null, `and`/`or` are Kleene's, and a `where` keeps only rows whose
 * condition is true, so that a comparison with null never selects a row. */
#include "eval.h"

#include "lex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct regex_obj {
    regex_obj *next;
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    char *pattern; /* dynamic patterns: the text compiled, owned */
    size_t plen;
    unsigned flags;
};

static bool is_num(int t)
{
    return t == T_INT || t == T_NUM;
}
static bool is_temporal(int t)
{
    return t == T_DATE || t == T_DATETIME;
}

/* Whether values of type T are values a row can hold: they order (min, max,
 * greatest) and have a text form (text(x), x ~ re, ||); periods and
 * durations are neither. */
static bool is_scalar(int t)
{
    return t != T_PERIOD && t != T_DURATION;
}

/* ---- planning ---- */

void plan_source(plan_ctx *pc, store_txn *txn, arena *a, diag *d, int entity, regex_obj **re)
{
    memset(pc, 0, sizeof *pc);
    pc->txn = txn;
    pc->a = a;
    pc->d = d;
    pc->entity = entity;
    pc->regexes = re;
    switch (entity) {
    case ENT_ACCOUNTS:
        pc->parents[pc->nparents++] = (parent_def){"manager", ENT_MANAGERS, A_MANAGER};
        break;
    case ENT_INTERACTIONS:
        pc->parents[pc->nparents++] = (parent_def){"account", ENT_ACCOUNTS, I_ACCOUNT};
        pc->parents[pc->nparents++] = (parent_def){"manager", ENT_MANAGERS, I_MANAGER};
        break;
    case ENT_HISTORY:
        pc->parents[pc->nparents++] = (parent_def){"account", ENT_ACCOUNTS, H_ACCOUNT};
        break;
    default: break;
    }
}

static int type_error(plan_ctx *pc, const node *n, const char *fmt, const char *a, const char *b)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, a, b);
    return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "%s", msg);
}

/* Makes N a reference to column COL of computed rows. */
static int as_column(plan_ctx *pc, node *n, int col)
{
    n->kind = N_FIELD;
    n->n = 0;
    n->qual = NULL;
    n->name = pc->colnames[col];
    n->scope = SC_COL;
    n->slot = col;
    n->type = pc->coltypes[col];
    return 0;
}

static int resolve_field(plan_ctx *pc, node *n)
{
    if (n->bound) return 0;
    for (int i = 0; n->qual && pc->entity < 0 && i < pc->ncols; i++)
        if (strcmp(pc->colnames[i], n->name) ==
            0) /* group by manager.region | sort manager.region */
            return as_column(pc, n, i);
    if (n->qual) {
        for (int k = 0; k < pc->nparents && pc->entity >= 0; k++) {
            if (strcmp(pc->parents[k].qual, n->qual) != 0) continue;
            int slot = store_field(pc->txn, pc->parents[k].entity, n->name);
            if (slot < 0)
                return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "unknown field '%s' of %s",
                                n->name, source_name(pc->parents[k].entity));
            n->scope = SC_PARENT0 + k;
            n->slot = slot;
            n->type = store_schema(pc->txn, pc->parents[k].entity)->f[slot].type;
            return 0;
        }
        return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "unknown field '%s.%s'", n->qual,
                        n->name);
    }
    if (pc->entity >= 0) {
        for (int i = 0; i < pc->ext.n; i++) { /* they shadow record fields of the same name */
            if (strcmp(pc->ext.names[i], n->name) == 0) {
                n->scope = SC_EXT;
                n->slot = i;
                n->type = pc->ext.types[i];
                return 0;
            }
        }
        int slot = store_field(pc->txn, pc->entity, n->name);
        if (slot >= 0) {
            n->scope = SC_REC;
            n->slot = slot;
            n->type = store_schema(pc->txn, pc->entity)->f[slot].type;
            return 0;
        }
        return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "unknown field '%s' of %s", n->name,
                        source_name(pc->entity));
    }
    for (int i = 0; i < pc->ncols; i++) {
        if (strcmp(pc->colnames[i], n->name) == 0) {
            n->scope = SC_COL;
            n->slot = i;
            n->type = pc->coltypes[i];
            return 0;
        }
    }
    return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "unknown column '%s'", n->name);
}

/* Compiles PAT with FLAGS (LEX_RE_*) into a regex object on PC's list. */
static regex_obj *regex_compile(regex_obj **list, const char *pat, size_t plen, unsigned flags,
                                char *err, size_t errlen, size_t *erroff)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (flags & LEX_RE_I) opts |= PCRE2_CASELESS;
    if (flags & LEX_RE_M) opts |= PCRE2_MULTILINE;
    if (flags & LEX_RE_S) opts |= PCRE2_DOTALL;
    if (flags & LEX_RE_X) opts |= PCRE2_EXTENDED;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, plen, opts, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(code, buf, sizeof buf);
        snprintf(err, errlen, "%s", (char *)buf);
        *erroff = off;
        return NULL;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter if unavailable */
    regex_obj *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->code = re;
    r->md = pcre2_match_data_create_from_pattern(re, NULL);
    r->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(r->mctx, 10000000);
    pcre2_set_depth_limit(r->mctx, 100000);
    r->flags = flags;
    r->next = *list;
    *list = r;
    return r;
}

void eval_free_regexes(regex_obj **list)
{
    for (regex_obj *r = *list, *next; r; r = next) {
        next = r->next;
        pcre2_match_data_free(r->md);
        pcre2_match_context_free(r->mctx);
        pcre2_code_free(r->code);
        free(r->pattern);
        free(r);
    }
    *list = NULL;
}

static bool comparable(int a, int b)
{
    if (a == T_NULL || b == T_NULL) return true;
    if (is_num(a) && is_num(b)) return true;
    if (is_temporal(a) && is_temporal(b)) return true;
    return a == b && a != T_PERIOD;
}

/* The type two branches (case, if, coalesce) share, or -1. */
static int common_type(int a, int b)
{
    if (a == T_NULL) return b;
    if (b == T_NULL || a == b) return a;
    if (is_num(a) && is_num(b)) return T_NUM;
    if (is_temporal(a) && is_temporal(b)) return T_DATETIME;
    return -1;
}

static int plan_call(plan_ctx *pc, node *n);
static int plan_agg(plan_ctx *pc, node *n);

static int plan_bin(plan_ctx *pc, node *n)
{
    int l = n->a[0]->type, r = n->a[1]->type;
    const char *ln = vtype_name(l), *rn = vtype_name(r);
    switch (n->op) {
    case OP_AND:
    case OP_OR:
        if ((l != T_BOOL && l != T_NULL) || (r != T_BOOL && r != T_NULL))
            return type_error(pc, n, "'%s' needs conditions on both sides%s",
                              n->op == OP_AND ? "and" : "or", "");
        n->type = T_BOOL;
        return 0;
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        if (!comparable(l, r)) return type_error(pc, n, "cannot compare %s with %s", ln, rn);
        n->type = T_BOOL;
        return 0;
    case OP_ADD:
    case OP_SUB:
        if (l == T_NULL || r == T_NULL)
            n->type = l == T_NULL ? r : l;
        else if (l == T_INT && r == T_INT)
            n->type = T_INT;
        else if (is_num(l) && is_num(r))
            n->type = T_NUM;
        else if (is_temporal(l) && (r == T_DURATION || r == T_INT))
            n->type = (uint8_t)l;
        else if (n->op == OP_ADD && l == T_DURATION && is_temporal(r))
            n->type = (uint8_t)r;
        else if (n->op == OP_SUB && l == T_DATE && r == T_DATE)
            n->type = T_INT;
        else if (n->op == OP_SUB && is_temporal(l) && is_temporal(r))
            n->type = T_NUM;
        else
            return type_error(
                pc, n, n->op == OP_ADD ? "cannot add %s and %s" : "cannot subtract %2$s from %1$s",
                ln, rn);
        if (n->type == T_DURATION) return type_error(pc, n, "cannot add %s and %s", ln, rn);
        return 0;
    case OP_CONCAT: /* any values, as text(x) writes them */
        if (!is_scalar(l) || !is_scalar(r))
            return type_error(pc, n, "cannot join %s and %s with '||'", ln, rn);
        n->type = T_TEXT;
        return 0;
    default: /* * / % */
        if ((!is_num(l) && l != T_NULL) || (!is_num(r) && r != T_NULL))
            return type_error(pc, n, "arithmetic needs numbers, not %s and %s", ln, rn);
        n->type = n->op == OP_DIV ? T_NUM : (l == T_INT && r == T_INT) ? T_INT : T_NUM;
        if (n->op == OP_MOD && (l == T_NULL || r == T_NULL)) n->type = T_NUM;
        return 0;
    }
}

static int plan_match(plan_ctx *pc, node *n)
{
    node *l = n->a[0], *r = n->a[1];
    if (!is_scalar(l->type)) /* a number or date matches as written out (as text(x)) */
        return type_error(pc, l, "'~' matches text, not %s%s", vtype_name(l->type), "");
    if (r->type != T_TEXT && r->type != T_NULL)
        return type_error(pc, r, "the pattern of '~' must be a regex or text, not %s%s",
                          vtype_name(r->type), "");
    if (r->kind == N_LIT && r->v.type == T_TEXT) {
        char err[256];
        size_t eoff = 0;
        unsigned flags = r->v.unit & 0x80 ? (r->v.unit & 0x7F) : 0;
        regex_obj *re = regex_compile(pc->regexes, r->v.s, r->v.len, flags, err, sizeof err, &eoff);
        if (!re) return diag_set(pc->d, DIAG_SEMANTIC, r->off, r->len, "bad regex: %s", err);
        n->aux = re;
    }
    n->type = T_BOOL;
    return 0;
}

/* The next character of text *S..E (which begins at START) that
 * same_text() compares, past blanks outside quotes and the '*' of "(*)",
 * lower-cased outside quotes; *Q is the open quote. 0 at the end. */
static char text_next(const char *start, const char **s, const char *e, char *q)
{
    for (;;) {
        if (*s == e) return 0;
        char c = **s;
        if (!*q && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            (*s)++;
            continue;
        }
        if (!*q && c == '*' && *s + 1 < e && (*s)[1] == ')') { /* count(*) is count() */
            const char *b = *s;
            while (b > start && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            if (b > start && b[-1] == '(') {
                (*s)++;
                continue;
            }
        }
        (*s)++;
        if (*q ? c == *q : (c == '"' || c == '\'' || c == '`')) *q = *q ? 0 : c;
        return !*q && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
}

/* Whether column name NAME is the source text S (LEN bytes), blanks outside
 * quotes, letter case (function names are keywords) and the '*' of
 * count(*) aside. */
static bool same_text(const char *name, const char *s, size_t len)
{
    const char *a = name, *ae = name + strlen(name), *b = s, *e = s + len;
    char qa = 0, qs = 0;
    for (;;) {
        char x = text_next(name, &a, ae, &qa), y = text_next(s, &b, e, &qs);
        if (x != y) return false;
        if (!x) return true;
    }
}

/* The column of computed rows whose name is N's text (an expression a
 * group by or agg named so: year(created), sum(amount)), or -1. */
static int named_column(const plan_ctx *pc, const node *n)
{
    for (int i = 0; pc->src && pc->entity < 0 && i < pc->ncols; i++)
        if (same_text(pc->colnames[i], pc->src + n->off, n->len)) return i;
    return -1;
}

static int plan_node(plan_ctx *pc, node *n);

/* Replaces planned node N, whose operands are all constants, by its value
 * (1 / 3, today - 90d, upper("x")): percentile() then takes 1/3 as its
 * fraction, and a where term against it compiles as against a literal. N
 * stays as it is when its evaluation fails: the error then comes, as in
 * SQL, only when a row evaluates it. */
static void fold_const(plan_ctx *pc, node *n)
{
    if (n->kind == N_LIT || n->kind == N_FIELD || n->kind == N_AGG) return;
    for (int i = 0; i < n->n; i++)
        if (n->a[i]->kind != N_LIT) return;
    ectx c;
    diag d;
    ectx_init(&c, pc); /* (text results go to PC's arena, which the plan lives in) */
    diag_clear(&d);
    c.d = &d;
    value v;
    /* (the value must be of the planned type: the plan of a second thread
     * plans the folded tree again, and must come out the same) */
    if (eval(&c, n, &v) != 0 || v.type != n->type) return;
    n->kind = N_LIT;
    n->v = v;
    n->n = 0;
    n->aux = NULL;
}

int plan_expr(plan_ctx *pc, node *n)
{
    if (plan_node(pc, n)) return -1;
    fold_const(pc, n);
    return 0;
}

static int plan_node(plan_ctx *pc, node *n)
{
    /* computed rows: an expression written as a column's name is that column,
     * as SQL's ORDER BY and HAVING name a select item (group by year(created)
     * agg count() | sort year(created), count() desc) */
    if (n->kind != N_LIT && (n->kind != N_FIELD || n->qual) &&
        !(n->kind == N_AGG && pc->allow_agg)) {
        int col = named_column(pc, n);
        if (col >= 0) return as_column(pc, n, col);
    }
    if (n->kind == N_AGG) return plan_agg(pc, n);
    for (int i = 0; i < n->n; i++)
        if (plan_expr(pc, n->a[i])) return -1;
    switch (n->kind) {
    case N_LIT: n->type = n->v.type; return 0;
    case N_FIELD: return resolve_field(pc, n);
    case N_NEG: {
        int t = n->a[0]->type;
        if (!is_num(t) && t != T_DURATION && t != T_NULL)
            return type_error(pc, n, "cannot negate %s%s", vtype_name(t), "");
        n->type = (uint8_t)t;
        return 0;
    }
    case N_NOT:
        if (n->a[0]->type != T_BOOL && n->a[0]->type != T_NULL)
            return type_error(pc, n, "'not' needs a condition, not %s%s", vtype_name(n->a[0]->type),
                              "");
        n->type = T_BOOL;
        return 0;
    case N_BIN: return plan_bin(pc, n);
    case N_MATCH: return plan_match(pc, n);
    case N_IN:
        for (int i = 1; i < n->n; i++)
            if (!comparable(n->a[0]->type, n->a[i]->type))
                return type_error(pc, n->a[i], "cannot compare %s with %s",
                                  vtype_name(n->a[0]->type), vtype_name(n->a[i]->type));
        n->type = T_BOOL;
        return 0;
    case N_INPER: {
        node *y = n->a[1];
        if (y->kind == N_LIT && y->v.type == T_INT && y->v.i >= 1 && y->v.i <= 9999) {
            y->v = period_of(U_YEAR, days_from_civil(y->v.i, 1, 1)); /* in 2024, in $year */
            y->type = T_PERIOD;
        }
        int l = n->a[0]->type, r = n->a[1]->type;
        if (!is_temporal(l) && l != T_NULL)
            return type_error(pc, n->a[0], "'in PERIOD' needs a date or datetime, not %s%s",
                              vtype_name(l), "");
        if (r != T_PERIOD && r != T_DATE && r != T_NULL)
            return type_error(pc, n->a[1], "expected a period such as 2024-Q3 after 'in', not %s%s",
                              vtype_name(r), "");
        n->type = T_BOOL;
        return 0;
    }
    case N_BETWEEN:
        for (int i = 1; i < 3; i++)
            if (!comparable(n->a[0]->type, n->a[i]->type))
                return type_error(pc, n->a[i], "cannot compare %s with %s",
                                  vtype_name(n->a[0]->type), vtype_name(n->a[i]->type));
        n->type = T_BOOL;
        return 0;
    case N_ISNULL: n->type = T_BOOL; return 0;
    case N_CALL: return plan_call(pc, n);
    case N_CASE: {
        int t = T_NULL;
        for (int i = 0; i + 1 < n->n || (i < n->n && n->has_else); i += 2) {
            bool is_else = n->has_else && i == n->n - 1;
            if (!is_else) {
                int ct = n->a[i]->type;
                if (ct != T_BOOL && ct != T_NULL)
                    return type_error(pc, n->a[i], "'when' needs a condition, not %s%s",
                                      vtype_name(ct), "");
            }
            node *res = is_else ? n->a[i] : n->a[i + 1];
            int ct = common_type(t, res->type);
            if (ct < 0)
                return type_error(pc, res, "case results mix %s and %s", vtype_name(t),
                                  vtype_name(res->type));
            t = ct;
            if (is_else) break;
        }
        n->type = (uint8_t)t;
        return 0;
    }
    default: return 0;
    }
}

static int want_args(plan_ctx *pc, node *n, int lo, int hi)
{
    if (n->n >= lo && n->n <= hi) return 0;
    const char *fname = n->kind == N_AGG ? agg_names[n->op] : fn_names[n->op];
    if (lo == hi)
        return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "%s() takes %d argument%s", fname, lo,
                        lo == 1 ? "" : "s");
    return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len, "%s() takes %d to %d arguments", fname,
                    lo, hi);
}

static int want_type(plan_ctx *pc, node *n, int i, bool (*ok)(int), const char *what)
{
    int t = n->a[i]->type;
    if (t == T_NULL || ok(t)) return 0;
    return diag_set(pc->d, DIAG_SEMANTIC, n->a[i]->off, n->a[i]->len, "%s() needs %s, not %s",
                    n->kind == N_AGG ? agg_names[n->op] : fn_names[n->op], what, vtype_name(t));
}

static bool is_text(int t)
{
    return t == T_TEXT;
}
static bool is_numeric(int t)
{
    return is_num(t);
}

static bool is_num_or_text(int t)
{
    return is_num(t) || t == T_TEXT;
}
static bool is_int(int t)
{
    return t == T_INT;
}
static bool is_cond(int t)
{
    return t == T_BOOL;
}
static bool is_dateish(int t)
{
    return is_temporal(t);
}
static bool is_dateable(int t)
{
    return is_temporal(t) || t == T_TEXT;
}

static int plan_call(plan_ctx *pc, node *n)
{
    switch (n->op) {
    case F_LOWER:
    case F_UPPER:
    case F_TRIM:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_text, "text")) return -1;
        n->type = T_TEXT;
        return 0;
    case F_LEN:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_text, "text")) return -1;
        n->type = T_INT;
        return 0;
    case F_SUBSTR:
        if (want_args(pc, n, 2, 3) || want_type(pc, n, 0, is_text, "text") ||
            want_type(pc, n, 1, is_int, "an integer") ||
            (n->n == 3 && want_type(pc, n, 2, is_int, "an integer")))
            return -1;
        n->type = T_TEXT;
        return 0;
    case F_COALESCE: {
        if (want_args(pc, n, 1, 16)) return -1;
        int t = T_NULL;
        for (int i = 0; i < n->n; i++) {
            int ct = common_type(t, n->a[i]->type);
            if (ct < 0)
                return type_error(pc, n->a[i], "coalesce() mixes %s and %s", vtype_name(t),
                                  vtype_name(n->a[i]->type));
            t = ct;
        }
        n->type = (uint8_t)t;
        return 0;
    }
    case F_ROUND:
        if (want_args(pc, n, 1, 2) || want_type(pc, n, 0, is_numeric, "a number") ||
            (n->n == 2 && want_type(pc, n, 1, is_int, "an integer")))
            return -1;
        n->type = n->a[0]->type == T_INT ? T_INT : T_NUM;
        return 0;
    case F_FLOOR:
    case F_CEIL:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_numeric, "a number")) return -1;
        n->type = n->a[0]->type == T_INT ? T_INT : T_NUM;
        return 0;
    case F_ABS:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_numeric, "a number")) return -1;
        n->type = n->a[0]->type;
        return 0;
    case F_YEAR:
    case F_MONTH:
    case F_QUARTER:
    case F_WEEK:
    case F_DAY:
    case F_AGE:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_dateish, "a date")) return -1;
        n->type = T_INT;
        return 0;
    case F_DAYS_BETWEEN:
        if (want_args(pc, n, 2, 2) || want_type(pc, n, 0, is_dateish, "a date") ||
            want_type(pc, n, 1, is_dateish, "a date"))
            return -1;
        n->type = T_INT;
        return 0;
    case F_DATE:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_dateable, "a date or text")) return -1;
        n->type = T_DATE;
        return 0;
    case F_TEXT:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_scalar, "a value")) return -1;
        n->type = T_TEXT;
        return 0;
    case F_REPLACE:
        if (want_args(pc, n, 3, 3)) return -1;
        for (int i = 0; i < 3; i++)
            if (want_type(pc, n, i, is_text, "text")) return -1;
        n->type = T_TEXT;
        return 0;
    case F_NULLIF:
        if (want_args(pc, n, 2, 2)) return -1;
        if (!comparable(n->a[0]->type, n->a[1]->type))
            return type_error(pc, n->a[1], "cannot compare %s with %s", vtype_name(n->a[0]->type),
                              vtype_name(n->a[1]->type));
        n->type = n->a[0]->type;
        return 0;
    case F_GREATEST:
    case F_LEAST: {
        if (want_args(pc, n, 1, 16)) return -1;
        int t = T_NULL;
        for (int i = 0; i < n->n; i++) {
            int ct = common_type(t, n->a[i]->type);
            if (ct < 0 || !is_scalar(ct))
                return diag_set(pc->d, DIAG_SEMANTIC, n->a[i]->off, n->a[i]->len,
                                "%s() mixes %s and %s", fn_names[n->op], vtype_name(t),
                                vtype_name(n->a[i]->type));
            t = ct;
        }
        n->type = (uint8_t)t;
        return 0;
    }
    case F_SQRT:
    case F_EXP:
    case F_LN:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_numeric, "a number")) return -1;
        n->type = T_NUM;
        return 0;
    case F_NUM:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_num_or_text, "text or a number"))
            return -1;
        n->type = T_NUM;
        return 0;
    case F_POWER:
        if (want_args(pc, n, 2, 2) || want_type(pc, n, 0, is_numeric, "a number") ||
            want_type(pc, n, 1, is_numeric, "a number"))
            return -1;
        n->type = T_NUM;
        return 0;
    case F_IF: {
        if (want_args(pc, n, 3, 3) || want_type(pc, n, 0, is_cond, "a condition")) return -1;
        int t = common_type(n->a[1]->type, n->a[2]->type);
        if (t < 0)
            return type_error(pc, n, "if() branches mix %s and %s", vtype_name(n->a[1]->type),
                              vtype_name(n->a[2]->type));
        n->type = (uint8_t)t;
        return 0;
    }
    default: return 0;
    }
}

static int plan_agg(plan_ctx *pc, node *n)
{
    if (!pc->allow_agg && !pc->in_agg && pc->src && pc->entity < 0 && pc->ncols) {
        /* after a group or select: say what there is */
        char cols[200];
        size_t k = 0;
        cols[0] = '\0';
        for (int i = 0; i < pc->ncols && i <= 6 && k < sizeof cols - 60; i++)
            k += (size_t)snprintf(cols + k, sizeof cols - k, "%s%.40s", i ? ", " : "",
                                  i < 6 ? pc->colnames[i] : "…");
        return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len,
                        "aggregate %s() is only allowed in 'group by … agg' or 'agg'; the "
                        "columns here are %s",
                        agg_names[n->op], cols);
    }
    if (!pc->allow_agg)
        return diag_set(pc->d, DIAG_SEMANTIC, n->off, n->len,
                        "aggregate %s() is only allowed in 'group by … agg' or 'agg'",
                        agg_names[n->op]);
    pc->allow_agg = false; /* no aggregates inside aggregates */
    pc->in_agg = true;
    for (int i = 0; i < n->n; i++)
        if (plan_expr(pc, n->a[i])) return -1;
    pc->allow_agg = true;
    pc->in_agg = false;
    switch (n->op) {
    case AG_COUNT:
        if (want_args(pc, n, 0, 1)) return -1;
        n->type = T_INT;
        break;
    case AG_COUNT_DISTINCT:
        if (want_args(pc, n, 1, 1)) return -1;
        n->type = T_INT;
        break;
    case AG_SUM:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_numeric, "numbers")) return -1;
        n->type = n->a[0]->type == T_INT ? T_INT : T_NUM;
        break;
    case AG_AVG:
    case AG_MEDIAN:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_numeric, "numbers")) return -1;
        n->type = T_NUM;
        break;
    case AG_MIN:
    case AG_MAX:
        if (want_args(pc, n, 1, 1) || want_type(pc, n, 0, is_scalar, "values that order"))
            return -1;
        n->type = n->a[0]->type;
        break;
    case AG_PERCENTILE: {
        if (want_args(pc, n, 2, 2) || want_type(pc, n, 0, is_numeric, "numbers")) return -1;
        node *p = n->a[1];
        double f = p->kind == N_LIT && p->v.type == T_NUM   ? p->v.n
                   : p->kind == N_LIT && p->v.type == T_INT ? (double)p->v.i
                                                            : -1;
        if (!(f >= 0 && f <= 1))
            return diag_set(
                pc->d, DIAG_SEMANTIC, p->off, p->len,
                "percentile() needs a constant fraction from 0 to 1 (e.g. 0.9 or 90%%)");
        n->type = T_NUM;
        break;
    }
    default: break;
    }
    if (pc->naggs == pc->aggcap) {
        int cap = pc->aggcap ? pc->aggcap * 2 : 8;
        node **v = arena_alloc(pc->a, sizeof(node *) * (size_t)cap);
        if (pc->naggs) memcpy(v, pc->aggs, sizeof(node *) * (size_t)pc->naggs);
        pc->aggs = v;
        pc->aggcap = cap;
    }
    n->slot = pc->naggs;
    pc->aggs[pc->naggs++] = n;
    return 0;
}

const char *expr_name(arena *a, const node *n, const char *src)
{
    if (n->kind == N_FIELD) return n->name;
    return arena_strndup(a, src + n->off, n->len);
}

/* ---- evaluation ---- */

void ectx_init(ectx *c, const plan_ctx *pc)
{
    memset(c, 0, sizeof *c);
    c->txn = pc->txn;
    c->a = pc->a;
    c->d = pc->d;
    c->nparents = pc->nparents;
    memcpy(c->parents, pc->parents, sizeof c->parents);
    c->rowid = 1;
}

struct parent_cols {
    store_cols *c;
    colblock *b; /* the block last found in, or NULL */
    const colvec *ids;
    uint32_t at; /* the row last found */
    bool broken; /* a walk failed: records from then on */
};

parent_cols *parent_cols_open(store_txn *t)
{
    store_cols *c;
    if (store_cols_open(t, ENT_ACCOUNTS, &c) != 0) return NULL;
    parent_cols *w = xcalloc(1, sizeof *w);
    w->c = c;
    return w;
}

void parent_cols_close(parent_cols *w)
{
    if (!w) return;
    store_cols_close(w->c);
    free(w);
}

/* ID's place against the ids of block W->b: -1 before its first, 1 after
 * its last, else 0 with its row (or where it would be) in *AT. */
static int pcols_place(parent_cols *w, value id, uint32_t *at)
{
    const colvec *ids = w->ids;
    uint32_t n = w->b->n, lo = 0, hi = n;
    value first = col_get(ids, 0), last = col_get(ids, n - 1);
    if (bytes_cmp(id.s, id.len, first.s, first.len) < 0) return -1;
    if (bytes_cmp(id.s, id.len, last.s, last.len) > 0) return 1;
    for (uint32_t i = w->at; i < n && i < w->at + 4; i++) { /* the next few: the usual case */
        value v = col_get(ids, i);
        int c = bytes_cmp(id.s, id.len, v.s, v.len);
        if (c <= 0) {
            if (c == 0 || i == 0 ||
                bytes_cmp(id.s, id.len, col_get(ids, i - 1).s, col_get(ids, i - 1).len) > 0)
                return *at = i, 0;
            break;
        }
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        value v = col_get(ids, mid);
        if (bytes_cmp(v.s, v.len, id.s, id.len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return 0;
}

/* Moves W to the next block: true when there is one. */
static bool pcols_next(parent_cols *w)
{
    int rc = store_cols_next(w->c, &w->b);
    if (rc < 0) w->broken = true;
    if (rc <= 0) return w->b = NULL, false;
    w->ids = colblock_col(w->b, 0);
    w->at = 0;
    if (w->b->err) { /* malformed ids: the records from then on */
        w->broken = true;
        w->b = NULL;
        return false;
    }
    return true;
}

int parent_cols_find(parent_cols *w, const char *s, size_t n, colblock **b, uint32_t *row)
{
    value id = v_text(s, n);
    uint32_t at;
    int side = 2;
    if (w->broken) return -1;
    if (w->b) side = pcols_place(w, id, &at);
    if (side > 0 && w->b && pcols_next(w)) side = pcols_place(w, id, &at); /* the next block */
    if (side != 0) { /* far, or back: seek (the block before ID's, when ID begins one) */
        if (store_cols_seek(w->c, id.s, id.len) != 0) return w->broken = true, -1;
        side = 1;
        for (int i = 0; i < 2 && side > 0; i++)
            side = pcols_next(w) ? pcols_place(w, id, &at) : -2;
        if (w->broken) return -1;
        if (side != 0) return 0;
    }
    w->at = at;
    *b = w->b;
    *row = at;
    if (at >= w->b->n) return 0;
    value v = col_get(w->ids, at);
    return v.len == id.len && memcmp(v.s, id.s, id.len) == 0;
}

/* Looks up the parent K of the current row into c->pcache[K]: whether the
 * row has one. */
static bool parent_find(ectx *c, int k)
{
    if (c->pcache[k].rowid == c->rowid) return c->pcache[k].found;
    c->pcache[k].rowid = c->rowid;
    value key = ectx_field(c, (unsigned)c->parents[k].key_slot);
    if (key.type != T_TEXT) return c->pcache[k].found = false;
    /* rows of one account come together: reuse the last lookup */
    if (c->pcache[k].found && c->pcache[k].keylen == key.len &&
        memcmp(c->pcache[k].key, key.s, key.len) == 0)
        return true;
    c->pcache[k].found = false;
    c->pcache[k].cb = NULL;
    colblock *b;
    uint32_t i;
    int f = c->cb && c->pcols[k] ? parent_cols_find(c->pcols[k], key.s, key.len, &b, &i) : -1;
    if (f > 0) {
        c->pcache[k].cb = b;
        c->pcache[k].ci = i;
        value pk = col_get(colblock_col(b, 0), i);
        c->pcache[k].key = pk.s;
        c->pcache[k].keylen = pk.len;
        return c->pcache[k].found = true;
    }
    const uint8_t *r;
    size_t rl;
    if (f == 0 || store_get(c->txn, c->parents[k].entity, key.s, key.len, &r, &rl) != 0)
        return false;
    c->pcache[k].rec = r;
    c->pcache[k].len = rl;
    /* the key text inside the parent record is its slot 0 */
    value pk = rec_get(r, rl, 0);
    c->pcache[k].key = pk.s;
    c->pcache[k].keylen = pk.len;
    return c->pcache[k].found = true;
}

/* Field SLOT of the parent K of the current row (null when it has none). */
static value parent_field(ectx *c, int k, unsigned slot)
{
    if (!parent_find(c, k)) return v_null();
    if (c->pcache[k].cb) return col_get(colblock_col(c->pcache[k].cb, slot), c->pcache[k].ci);
    return rec_get(c->pcache[k].rec, c->pcache[k].len, slot);
}

static int rt_error(ectx *c, const node *n, const char *msg)
{
    return diag_set(c->d, DIAG_RUNTIME, n->off, n->len, "%s", msg);
}

static double as_num(const value *v)
{
    return v->type == T_INT ? (double)v->i : v->n;
}

/* Seconds of a date or datetime. */
static int64_t as_secs(const value *v)
{
    return v->type == T_DATE ? v->i * 86400 : v->i;
}
static int64_t as_days(const value *v)
{
    if (v->type == T_DATE) return v->i;
    int64_t d = v->i / 86400;
    if (v->i % 86400 < 0) d--;
    return d;
}

bool is_datepart(int fn)
{
    return fn == F_YEAR || fn == F_MONTH || fn == F_QUARTER || fn == F_DAY || fn == F_WEEK;
}

int64_t eval_datepart(int fn, int64_t days)
{
    if (fn == F_WEEK) { /* the ISO week */
        int64_t iy;
        int w;
        iso_week_from_days(days, &iy, &w);
        return w;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return fn == F_YEAR ? y : fn == F_MONTH ? m : fn == F_DAY ? d : (m + 2) / 3;
}

/* V written out as csv output writes it (2.5, 2024-03-31, true). */
static value as_text(ectx *c, value v)
{
    if (v.type == T_TEXT || v.type == T_NULL) return v;
    char *s = arena_alloc(c->a, FMT_BUF);
    int n = format_value(&v, s);
    return v_text(s, (size_t)n);
}

/* *OUT = date or datetime V plus N units; an error at N when the result
 * falls outside the years 0000-9999 that dates are written in. */
static int add_duration(ectx *c, const node *n, value v, int unit, int64_t k, value *out)
{
    static const int64_t first = -719528, last = 2932896; /* 0000-01-01, 9999-12-31 */
    int64_t days = as_days(&v);
    int64_t secs = v.type == T_DATETIME ? v.i - days * 86400 : 0;
    if (k > 4000000 || k < -4000000) return rt_error(c, n, "date out of range (years 0000-9999)");
    switch (unit) {
    case U_DAY: days += k; break;
    case U_WEEK: days += 7 * k; break;
    case U_MONTH: days = days_add_months(days, k); break;
    case U_QUARTER: days = days_add_months(days, 3 * k); break;
    case U_YEAR: days = days_add_months(days, 12 * k); break;
    default: break;
    }
    if (days < first || days > last) return rt_error(c, n, "date out of range (years 0000-9999)");
    *out = v.type == T_DATE ? v_date(days) : v_datetime(days * 86400 + secs);
    return 0;
}

static int eval_bin(ectx *c, const node *n, value *out)
{
    value l, r;
    if (n->op == OP_AND || n->op == OP_OR) {
        if (eval(c, n->a[0], &l)) return -1;
        bool stop = n->op == OP_AND ? (l.type == T_BOOL && !l.i) : (l.type == T_BOOL && l.i);
        if (stop) return *out = v_bool(n->op == OP_OR), 0;
        if (eval(c, n->a[1], &r)) return -1;
        if (r.type == T_BOOL && (n->op == OP_AND ? !r.i : r.i))
            return *out = v_bool(n->op == OP_OR), 0;
        if (l.type == T_NULL || r.type == T_NULL) return *out = v_null(), 0;
        return *out = v_bool(n->op == OP_AND), 0;
    }
    if (eval(c, n->a[0], &l) || eval(c, n->a[1], &r)) return -1;
    if (l.type == T_NULL || r.type == T_NULL) return *out = v_null(), 0;
    if (l.type == r.type && n->op <= OP_GE) { /* the common case, without value_cmp */
        int cmp;
        if (l.type == T_TEXT) {
            if (n->op == OP_EQ || n->op == OP_NE) {
                bool eq = l.len == r.len && memcmp(l.s, r.s, l.len) == 0;
                return *out = v_bool(eq == (n->op == OP_EQ)), 0;
            }
            cmp = bytes_cmp(l.s, l.len, r.s, r.len);
        } else if (l.type == T_NUM) {
            cmp = (l.n > r.n) - (l.n < r.n);
            if (isnan(l.n) || isnan(r.n)) cmp = value_cmp(&l, &r);
        } else if (l.type != T_PERIOD && l.type != T_DURATION) {
            cmp = (l.i > r.i) - (l.i < r.i);
        } else {
            cmp = value_cmp(&l, &r);
        }
        switch (n->op) {
        case OP_EQ: return *out = v_bool(cmp == 0), 0;
        case OP_NE: return *out = v_bool(cmp != 0), 0;
        case OP_LT: return *out = v_bool(cmp < 0), 0;
        case OP_LE: return *out = v_bool(cmp <= 0), 0;
        case OP_GT: return *out = v_bool(cmp > 0), 0;
        default: return *out = v_bool(cmp >= 0), 0;
        }
    }
    switch (n->op) {
    case OP_EQ: *out = v_bool(value_cmp(&l, &r) == 0); return 0;
    case OP_NE: *out = v_bool(value_cmp(&l, &r) != 0); return 0;
    case OP_LT: *out = v_bool(value_cmp(&l, &r) < 0); return 0;
    case OP_LE: *out = v_bool(value_cmp(&l, &r) <= 0); return 0;
    case OP_GT: *out = v_bool(value_cmp(&l, &r) > 0); return 0;
    case OP_GE: *out = v_bool(value_cmp(&l, &r) >= 0); return 0;
    default: break;
    }
    if (n->op == OP_CONCAT) {
        l = as_text(c, l), r = as_text(c, r);
        char *s = arena_alloc(c->a, (size_t)l.len + r.len + 1);
        memcpy(s, l.s, l.len);
        memcpy(s + l.len, r.s, r.len);
        s[l.len + r.len] = '\0';
        return *out = v_text(s, (size_t)l.len + r.len), 0;
    }
    bool sub = n->op == OP_SUB;
    if (is_temporal(l.type)) {
        if (r.type == T_DURATION) return add_duration(c, n, l, r.unit, sub ? -r.i : r.i, out);
        if (r.type == T_INT) return add_duration(c, n, l, U_DAY, sub ? -r.i : r.i, out);
        if (is_temporal(r.type)) {
            if (l.type == T_DATE && r.type == T_DATE) return *out = v_int(l.i - r.i), 0;
            return *out = v_num((double)(as_secs(&l) - as_secs(&r)) / 86400.0), 0;
        }
    }
    if (l.type == T_DURATION && is_temporal(r.type)) return add_duration(c, n, r, l.unit, l.i, out);
    if (!is_num(l.type) || !is_num(r.type)) return rt_error(c, n, "arithmetic needs numbers");
    if (l.type == T_INT && r.type == T_INT && n->op != OP_DIV) {
        int64_t x;
        bool ovf = false;
        switch (n->op) {
        case OP_ADD: ovf = __builtin_add_overflow(l.i, r.i, &x); break;
        case OP_SUB: ovf = __builtin_sub_overflow(l.i, r.i, &x); break;
        case OP_MUL: ovf = __builtin_mul_overflow(l.i, r.i, &x); break;
        default: /* OP_MOD */
            if (r.i == 0) return *out = v_null(), 0;
            x = r.i == -1 ? 0 : l.i % r.i;
            break;
        }
        if (ovf) return rt_error(c, n, "integer overflow");
        return *out = v_int(x), 0;
    }
    double a = as_num(&l), b = as_num(&r), x;
    switch (n->op) {
    case OP_ADD: x = a + b; break;
    case OP_SUB: x = a - b; break;
    case OP_MUL: x = a * b; break;
    case OP_DIV:
        if (b == 0) return *out = v_null(), 0;
        x = a / b;
        break;
    default:
        if (b == 0) return *out = v_null(), 0;
        x = fmod(a, b);
        break;
    }
    if (!isfinite(x)) return rt_error(c, n, "number out of range"); /* 1e308 * 10 */
    return *out = v_num(x), 0;
}

static int eval_match(ectx *c, const node *n, value *out)
{
    value l, r;
    if (eval(c, n->a[0], &l)) return -1;
    if (l.type == T_NULL) return *out = v_null(), 0;
    if (l.type != T_TEXT) l = as_text(c, l);
    regex_obj *re = n->aux;
    if (!re) {
        if (eval(c, n->a[1], &r)) return -1;
        if (r.type == T_NULL) return *out = v_null(), 0;
        /* a pattern computed per row is compiled for that row */
        char err[256];
        size_t eoff;
        regex_obj *list = NULL;
        re = regex_compile(&list, r.s, r.len, 0, err, sizeof err, &eoff);
        if (!re)
            return diag_set(c->d, DIAG_RUNTIME, n->a[1]->off, n->a[1]->len, "bad regex: %s", err);
        int rc = pcre2_match(re->code, (PCRE2_SPTR)l.s, l.len, 0, 0, re->md, re->mctx);
        eval_free_regexes(&list);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
            return rt_error(c, n, "regex match failed (too complex?)");
        *out = v_bool((rc >= 0) != n->negate);
        return 0;
    }
    int rc = pcre2_match(re->code, (PCRE2_SPTR)l.s, l.len, 0, 0, re->md, re->mctx);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
            rc == PCRE2_ERROR_JIT_STACKLIMIT)
            return rt_error(c, n, "regex match limit exceeded (catastrophic backtracking?)");
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(rc, buf, sizeof buf);
        return rt_error(c, n, (const char *)buf);
    }
    *out = v_bool((rc >= 0) != n->negate);
    return 0;
}

/* Text helpers: results go to the context's arena. */
static value text_case(ectx *c, value v, bool upper)
{
    char *s = arena_alloc(c->a, 2 * (size_t)v.len + 1);
    size_t n = utf8_case(v.s, v.len, s, upper);
    s[n] = '\0';
    return v_text(s, n);
}

/* Byte offset of code point K (0-based) in V, clamped to its length. */
static size_t cp_offset(value v, int64_t k)
{
    size_t i = 0;
    while (k > 0 && i < v.len) {
        i++;
        while (i < v.len && ((unsigned char)v.s[i] & 0xC0) == 0x80)
            i++;
        k--;
    }
    return i;
}

/* X rounded half away from zero to DIGITS decimals (negative: tens, hundreds, …). */
static double round_to(double x, int64_t digits)
{
    if (!isfinite(x) || digits > 15) return x;
    if (digits < 0) {
        if (digits < -308) return 0.0 * x; /* every double is below 10^309 */
        double m = pow(10, (double)-digits);
        return round(x / m) * m;
    }
    double m = pow(10, (double)digits);
    double y = round(x * m) / m;
    return isfinite(y) ? y : x;
}

/* *OUT = A[0] with every A[1] in it replaced by A[2] (an empty A[1]
 * replaces nothing, as in sqlite3). */
static int replace_text(ectx *c, const value *a, value *out)
{
    const value *s = &a[0], *from = &a[1], *to = &a[2];
    if (from->len == 0) return *out = *s, 0;
    size_t k = 0; /* occurrences */
    for (const char *q = s->s, *e = s->s + s->len;
         (q = memmem(q, (size_t)(e - q), from->s, from->len)); q += from->len)
        k++;
    char *buf = arena_alloc(c->a, (size_t)s->len + k * to->len + 1), *o = buf;
    const char *q = s->s, *e = s->s + s->len;
    for (const char *m; (m = memmem(q, (size_t)(e - q), from->s, from->len)); q = m + from->len) {
        memcpy(o, q, (size_t)(m - q)), o += m - q;
        memcpy(o, to->s, to->len), o += to->len;
    }
    memcpy(o, q, (size_t)(e - q)), o += e - q;
    *o = '\0';
    return *out = v_text(buf, (size_t)(o - buf)), 0;
}

/* A branch's value of coalesce, if or case, typed as N is: a date where a
 * datetime is planned becomes its midnight, so that a column does not mix
 * 2024-03-01 with 2024-03-01 10:00:00. Returns 0. */
static int as_planned(const node *n, value *v)
{
    if (n->type == T_DATETIME && v->type == T_DATE) *v = v_datetime(v->i * 86400);
    return 0;
}

static int eval_call(ectx *c, const node *n, value *out)
{
    value a[3] = {0};
    if (n->op == F_COALESCE) {
        for (int i = 0; i < n->n; i++) {
            if (eval(c, n->a[i], out)) return -1;
            if (out->type != T_NULL) return as_planned(n, out);
        }
        return 0;
    }
    if (n->op == F_GREATEST || n->op == F_LEAST) { /* nulls skipped, as DuckDB and PostgreSQL */
        *out = v_null();
        for (int i = 0; i < n->n; i++) {
            value v;
            if (eval(c, n->a[i], &v)) return -1;
            if (v.type == T_NULL) continue;
            int cmp = out->type == T_NULL ? 0 : value_cmp(&v, out);
            if (out->type == T_NULL || (n->op == F_GREATEST ? cmp > 0 : cmp < 0)) *out = v;
        }
        return out->type == T_NULL ? 0 : as_planned(n, out);
    }
    if (n->op == F_NULLIF) { /* a, or null where a = b */
        value b;
        if (eval(c, n->a[0], out) || eval(c, n->a[1], &b)) return -1;
        if (out->type != T_NULL && b.type != T_NULL && value_cmp(out, &b) == 0) *out = v_null();
        return 0;
    }
    if (n->op == F_IF) {
        int k = eval_cond(c, n->a[0]);
        if (k < 0 || eval(c, n->a[k ? 1 : 2], out)) return -1;
        return as_planned(n, out);
    }
    for (int i = 0; i < n->n && i < 3; i++) {
        if (eval(c, n->a[i], &a[i])) return -1;
        if (a[i].type == T_NULL) return *out = v_null(), 0;
    }
    switch (n->op) {
    case F_LOWER: *out = text_case(c, a[0], false); return 0;
    case F_UPPER: *out = text_case(c, a[0], true); return 0;
    case F_LEN: *out = v_int((int64_t)utf8_len(a[0].s, a[0].len)); return 0;
    case F_TRIM: {
        size_t b = 0, e = a[0].len;
        while (b < e &&
               (a[0].s[b] == ' ' || a[0].s[b] == '\t' || a[0].s[b] == '\n' || a[0].s[b] == '\r'))
            b++;
        while (e > b && (a[0].s[e - 1] == ' ' || a[0].s[e - 1] == '\t' || a[0].s[e - 1] == '\n' ||
                         a[0].s[e - 1] == '\r'))
            e--;
        *out = v_text(a[0].s + b, e - b);
        return 0;
    }
    case F_SUBSTR: {
        /* SQL: the characters at positions [start, start + count), 1-based;
         * positions before 1 eat into the count; a negative start counts
         * from the end (-1 is the last character), and a negative count takes
         * the characters before start, as in sqlite3 and DuckDB. Saturating
         * arithmetic. */
        int64_t start = a[1].i, count = n->n == 3 ? a[2].i : INT64_MAX, end;
        if (start < 0) start += (int64_t)utf8_len(a[0].s, a[0].len) + 1; /* (no overflow) */
        if (count < 0) {
            if (count == INT64_MIN || __builtin_add_overflow(start, count, &start))
                return *out = v_text("", 0), 0;
            count = -count;
        }
        if (n->n < 3 || __builtin_add_overflow(start, count, &end)) end = INT64_MAX;
        if (start < 1) start = 1;
        if (end <= start) return *out = v_text("", 0), 0;
        size_t b = cp_offset(a[0], start - 1);
        value rest = v_text(a[0].s + b, a[0].len - b);
        *out = v_text(rest.s, cp_offset(rest, end - start));
        return 0;
    }
    case F_ROUND:
        if (a[0].type == T_INT) {
            *out = a[0];
            if (n->n < 2 || a[1].i >= 0) return 0;
            if (a[1].i < -18) return *out = v_int(0), 0; /* |int64| < 10^19 */
            int64_t m = 1, q = a[0].i, rem, r;
            for (int64_t k = 0; k < -a[1].i; k++)
                m *= 10;
            rem = q % m;
            q /= m;
            /* half away from zero, comparing rem with m - rem to avoid rem * 2 */
            if (rem > 0 && rem >= m - rem)
                q++;
            else if (rem < 0 && -rem >= m + rem)
                q--;
            if (__builtin_mul_overflow(q, m, &r)) return rt_error(c, n, "integer overflow");
            out->i = r;
            return 0;
        }
        *out = v_num(round_to(a[0].n, n->n == 2 ? a[1].i : 0));
        return 0;
    case F_FLOOR:
    case F_CEIL:
        if (a[0].type == T_INT) return *out = a[0], 0;
        *out = v_num(n->op == F_FLOOR ? floor(a[0].n) : ceil(a[0].n));
        return 0;
    case F_ABS:
        if (a[0].type == T_INT) {
            if (a[0].i == INT64_MIN) return rt_error(c, n, "integer overflow");
            *out = v_int(a[0].i < 0 ? -a[0].i : a[0].i);
        } else {
            *out = v_num(fabs(a[0].n));
        }
        return 0;
    case F_YEAR:
    case F_MONTH:
    case F_QUARTER:
    case F_DAY:
    case F_WEEK: *out = v_int(eval_datepart(n->op, as_days(&a[0]))); return 0;
    case F_DAYS_BETWEEN: *out = v_int(as_days(&a[1]) - as_days(&a[0])); return 0;
    case F_AGE: {
        *out = v_int(parse_today() - as_days(&a[0]));
        return 0;
    }
    case F_TEXT: *out = as_text(c, a[0]); return 0;
    case F_NUM: { /* TRY_CAST: text that is no number (blanks around it aside) is null */
        if (a[0].type != T_TEXT) return *out = v_num(as_num(&a[0])), 0;
        const char *s = a[0].s;
        size_t len = a[0].len;
        while (len && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        double x;
        return *out = parse_num(s, len, &x) ? v_num(x) : v_null(), 0;
    }
    case F_REPLACE: return replace_text(c, a, out);
    case F_SQRT:
    case F_EXP:
    case F_LN:
    case F_POWER: {
        double x = as_num(&a[0]), y = n->op == F_POWER ? as_num(&a[1]) : 0;
        if ((n->op == F_SQRT && x < 0) || (n->op == F_LN && x <= 0))
            return *out = v_null(), 0; /* outside the domain: null, as sqlite3 */
        double r = n->op == F_SQRT  ? sqrt(x)
                   : n->op == F_EXP ? exp(x)
                   : n->op == F_LN  ? log(x)
                                    : pow(x, y);
        if (isnan(r)) return *out = v_null(), 0; /* (-8) ^ 0.5 */
        if (!isfinite(r)) return rt_error(c, n, "number out of range");
        return *out = v_num(r), 0;
    }
    case F_DATE:
        if (a[0].type == T_TEXT) {
            int64_t d, s;
            if (parse_date(a[0].s, a[0].len, &d)) return *out = v_date(d), 0;
            if (parse_datetime(a[0].s, a[0].len, &s)) {
                value dt = v_datetime(s);
                return *out = v_date(as_days(&dt)), 0;
            }
            return *out = v_null(), 0;
        }
        *out = v_date(as_days(&a[0]));
        return 0;
    default: return rt_error(c, n, "unknown function");
    }
}

int eval(ectx *c, const node *n, value *out)
{
    switch (n->kind) {
    case N_LIT: *out = n->v; return 0;
    case N_FIELD: {
        value v;
        if (n->scope == SC_REC) {
            v = ectx_field(c, (unsigned)n->slot);
        } else if (n->scope == SC_COL) {
            v = c->cols[n->slot];
        } else if (n->scope == SC_EXT) {
            v = c->ext ? c->ext[n->slot] : v_null();
        } else {
            v = parent_field(c, n->scope - SC_PARENT0, (unsigned)n->slot);
        }
        if (v.type != n->type && v.type != T_NULL && n->type != T_NULL) {
            v = store_coerce(v, n->type, c->coerce);
            /* one buffer serves every coercion: give text a home of its own */
            if (v.type == T_TEXT && v.s == c->coerce) v.s = arena_strndup(c->a, v.s, v.len);
        }
        *out = v;
        return 0;
    }
    case N_NEG:
        if (eval(c, n->a[0], out)) return -1;
        if (out->type == T_INT) {
            if (out->i == INT64_MIN) return rt_error(c, n, "integer overflow");
            out->i = -out->i;
        } else if (out->type == T_NUM) {
            out->n = -out->n;
        } else if (out->type == T_DURATION) {
            out->i = -out->i;
        }
        return 0;
    case N_NOT:
        if (eval(c, n->a[0], out)) return -1;
        if (out->type == T_BOOL) out->i = !out->i;
        return 0;
    case N_BIN: return eval_bin(c, n, out);
    case N_MATCH: return eval_match(c, n, out);
    case N_IN: {
        value l, r;
        if (eval(c, n->a[0], &l)) return -1;
        if (l.type == T_NULL) return *out = v_null(), 0;
        bool saw_null = false;
        for (int i = 1; i < n->n; i++) {
            if (eval(c, n->a[i], &r)) return -1;
            if (r.type == T_NULL) {
                saw_null = true;
                continue;
            }
            if (value_cmp(&l, &r) == 0) return *out = v_bool(!n->negate), 0;
        }
        *out = saw_null ? v_null() : v_bool(n->negate);
        return 0;
    }
    case N_INPER: {
        value l, r;
        if (eval(c, n->a[0], &l) || eval(c, n->a[1], &r)) return -1;
        if (l.type == T_NULL || r.type == T_NULL) return *out = v_null(), 0;
        if (r.type == T_DATE) r = period_of(U_DAY, r.i);
        int64_t d = as_days(&l);
        *out = v_bool((d >= r.p.start && d < r.p.end) != n->negate);
        return 0;
    }
    case N_BETWEEN: {
        value x, lo, hi;
        if (eval(c, n->a[0], &x) || eval(c, n->a[1], &lo) || eval(c, n->a[2], &hi)) return -1;
        /* x >= lo and x <= hi, Kleene's and: false when either side is, so
         * 1 between null and 0 is false, not null (as in SQL) */
        if (x.type == T_NULL) return *out = v_null(), 0;
        bool under = lo.type != T_NULL && value_cmp(&x, &lo) < 0;
        bool over = hi.type != T_NULL && value_cmp(&x, &hi) > 0;
        if (!under && !over && (lo.type == T_NULL || hi.type == T_NULL)) return *out = v_null(), 0;
        *out = v_bool(!under && !over ? !n->negate : n->negate);
        return 0;
    }
    case N_ISNULL:
        if (eval(c, n->a[0], out)) return -1;
        *out = v_bool((out->type == T_NULL) != n->negate);
        return 0;
    case N_CALL: return eval_call(c, n, out);
    case N_AGG:
        if (!c->aggvals) return rt_error(c, n, "aggregate outside of a group");
        *out = c->aggvals[n->slot];
        return 0;
    case N_CASE:
        for (int i = 0; i + 1 < n->n; i += 2) {
            int k = eval_cond(c, n->a[i]);
            if (k < 0) return -1;
            if (k) return eval(c, n->a[i + 1], out) ? -1 : as_planned(n, out);
        }
        *out = v_null();
        if (n->has_else && eval(c, n->a[n->n - 1], out)) return -1;
        return as_planned(n, out);
    default: return rt_error(c, n, "cannot evaluate this expression");
    }
}

int eval_cond(ectx *c, const node *n)
{
    value v;
    if (eval(c, n, &v)) return -1;
    return v.type == T_BOOL && v.i;
}

/* ---- compiled filters ---- */

enum { FT_CMP, FT_RANGE, FT_INLIST, FT_ISNULL };

typedef struct fterm {
    uint8_t kind; /* FT_* */
    uint8_t op; /* FT_CMP: OP_EQ..OP_GE; FT_ISNULL: 1 = is not null; FT_RANGE/INLIST: 1 = negated */
    uint8_t type; /* the field's type, as the record must hold it */
    unsigned slot;
    value k; /* FT_CMP constant */
    int64_t lo,
        hi; /* FT_RANGE: [lo, hi) in the field's unit (days or seconds), or [lo, hi] for between */
    double nlo, nhi;
    bool closed; /* between: both ends included */
    const value *list;
    int nlist;
} fterm;

struct filter {
    int n;
    fterm t[16];
};

static bool lit_of(const node *n, value *v)
{
    if (n->kind != N_LIT) return false;
    *v = n->v;
    return true;
}

static bool rec_field(const node *n)
{
    return n->kind == N_FIELD && n->scope == SC_REC &&
           (n->type == T_TEXT || n->type == T_INT || n->type == T_NUM || n->type == T_DATE ||
            n->type == T_DATETIME || n->type == T_BOOL);
}

/* The constant K made comparable with a field of TYPE, or false. */
static bool fit_const(int type, value *k)
{
    if (k->type == type) return true;
    if (type == T_NUM && k->type == T_INT) { /* exactly, or the tree compares it exactly */
        double d = (double)k->i;
        if (!(d > -9.2e18 && d < 9.2e18) || (int64_t)d != k->i) return false;
        return *k = v_num(d), true;
    }
    if (type == T_DATETIME && k->type == T_DATE) return *k = v_datetime(k->i * 86400), true;
    return false;
}

static bool add_term(filter *f, const node *n)
{
    if (n->kind == N_BIN && n->op == OP_AND) return add_term(f, n->a[0]) && add_term(f, n->a[1]);
    if (f->n == 16) return false;
    fterm *t = &f->t[f->n];
    memset(t, 0, sizeof *t);
    if (n->kind == N_BIN && n->op >= OP_EQ && n->op <= OP_GE) {
        static const uint8_t flip[] = {[OP_EQ] = OP_EQ, [OP_NE] = OP_NE, [OP_LT] = OP_GT,
                                       [OP_LE] = OP_GE, [OP_GT] = OP_LT, [OP_GE] = OP_LE};
        const node *fl = n->a[0], *lit = n->a[1];
        int op = n->op;
        if (!rec_field(fl)) fl = n->a[1], lit = n->a[0], op = flip[op];
        if (!rec_field(fl) || !lit_of(lit, &t->k) || t->k.type == T_NULL) return false;
        if (t->k.unit & 0x80) return false; /* a regex literal is no string constant */
        if (!fit_const(fl->type, &t->k)) return false;
        /* an int field against a fractional constant: leave it to the tree */
        if (fl->type == T_INT && t->k.type != T_INT) return false;
        t->kind = FT_CMP;
        t->op = (uint8_t)op;
    } else if (n->kind == N_INPER && rec_field(n->a[0]) &&
               (n->a[0]->type == T_DATE || n->a[0]->type == T_DATETIME)) {
        value p;
        if (!lit_of(n->a[1], &p)) return false;
        if (p.type == T_DATE) p = period_of(U_DAY, p.i);
        if (p.type != T_PERIOD) return false;
        int64_t mul = n->a[0]->type == T_DATETIME ? 86400 : 1;
        t->kind = FT_RANGE;
        t->op = n->negate;
        t->lo = (int64_t)p.p.start * mul;
        t->hi = (int64_t)p.p.end * mul;
    } else if (n->kind == N_BETWEEN && rec_field(n->a[0]) && n->a[0]->type != T_TEXT &&
               n->a[0]->type != T_BOOL) {
        value lo, hi;
        int ft = n->a[0]->type;
        if (!lit_of(n->a[1], &lo) || !lit_of(n->a[2], &hi) || !fit_const(ft, &lo) ||
            !fit_const(ft, &hi))
            return false;
        if (ft == T_INT && (lo.type != T_INT || hi.type != T_INT)) return false;
        t->kind = FT_RANGE;
        t->op = n->negate;
        t->closed = true;
        if (ft == T_NUM)
            t->nlo = lo.n, t->nhi = hi.n;
        else
            t->lo = lo.i, t->hi = hi.i;
    } else if (n->kind == N_IN && rec_field(n->a[0]) &&
               (n->a[0]->type == T_TEXT || n->a[0]->type == T_INT)) {
        int ft = n->a[0]->type; /* text against texts, int against ints */
        value *list = malloc(sizeof(value) * (size_t)(n->n - 1));
        if (!list) return false;
        for (int i = 1; i < n->n; i++) {
            if (!lit_of(n->a[i], &list[i - 1]) || list[i - 1].type != ft) {
                free(list);
                return false;
            }
        }
        /* the list lives as long as the plan: copy it into the node's arena-held term */
        t->list = list;
        t->nlist = n->n - 1;
        t->kind = FT_INLIST;
        t->op = n->negate;
    } else if (n->kind == N_ISNULL && n->a[0]->kind == N_FIELD && n->a[0]->scope == SC_REC) {
        t->kind = FT_ISNULL;
        t->op = n->negate;
        t->slot = (unsigned)n->a[0]->slot;
        f->n++;
        return true;
    } else {
        return false;
    }
    t->slot = (unsigned)n->a[0]->slot;
    if (t->kind == FT_CMP) t->slot = (unsigned)(rec_field(n->a[0]) ? n->a[0] : n->a[1])->slot;
    t->type = (uint8_t)(t->kind == FT_CMP ? t->k.type : n->a[0]->type);
    f->n++;
    return true;
}

filter *filter_compile(arena *a, const node *n)
{
    filter f = {0};
    if (!add_term(&f, n)) {
        for (int i = 0; i < f.n + 1 && i < 16; i++)
            if (f.t[i].kind == FT_INLIST) free((void *)f.t[i].list);
        return NULL;
    }
    filter *out = arena_alloc(a, sizeof f);
    *out = f;
    /* lists move into the arena so nothing needs freeing */
    for (int i = 0; i < f.n; i++) {
        if (f.t[i].kind != FT_INLIST) continue;
        value *l = arena_alloc(a, sizeof(value) * (size_t)f.t[i].nlist);
        memcpy(l, f.t[i].list, sizeof(value) * (size_t)f.t[i].nlist);
        free((void *)f.t[i].list);
        out->t[i].list = l;
    }
    return out;
}

filter *filter_compile_prefix(arena *a, node *n, node **rest, int *nrest)
{
    *nrest = 0;
    filter *f = filter_compile(a, n);
    node *spine[FILTER_REST];
    int depth = 0;
    for (node *m = n; !f && depth < FILTER_REST && m->kind == N_BIN && m->op == OP_AND;
         m = m->a[0]) {
        spine[depth++] = m;
        if ((f = filter_compile(a, m->a[0])) != NULL)
            for (int j = depth - 1; j >= 0; j--)
                rest[(*nrest)++] = spine[j]->a[1];
    }
    return f;
}

/* Equality of N bytes; short texts (kinds, stages, regions) without a call. */
static inline bool text_eq(const char *a, const char *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* Whether V passes term T: 1, 0, or -1 for a value of an unexpected type. */
__attribute__((always_inline)) static inline int term_run(const fterm *t, value v)
{
    if (t->kind == FT_ISNULL) return (v.type == T_NULL) != t->op;
    if (v.type == T_NULL) return 0;
    if (v.type != t->type) return -1;
    int cmp;
    switch (t->kind) {
    case FT_CMP:
        if (v.type == T_TEXT) {
            if (t->op == OP_EQ || t->op == OP_NE) {
                bool eq = v.len == t->k.len && text_eq(v.s, t->k.s, v.len);
                return eq == (t->op == OP_EQ);
            }
            cmp = bytes_cmp(v.s, v.len, t->k.s, t->k.len);
        } else if (v.type == T_NUM) {
            if (isnan(v.n) || isnan(t->k.n)) return -1;
            cmp = (v.n > t->k.n) - (v.n < t->k.n);
        } else {
            cmp = (v.i > t->k.i) - (v.i < t->k.i);
        }
        switch (t->op) {
        case OP_EQ:
            if (cmp != 0) return 0;
            break;
        case OP_NE:
            if (cmp == 0) return 0;
            break;
        case OP_LT:
            if (cmp >= 0) return 0;
            break;
        case OP_LE:
            if (cmp > 0) return 0;
            break;
        case OP_GT:
            if (cmp <= 0) return 0;
            break;
        default:
            if (cmp < 0) return 0;
            break;
        }
        break;
    case FT_RANGE: {
        bool in;
        if (v.type == T_NUM) {
            if (isnan(v.n)) return -1;
            in = v.n >= t->nlo && v.n <= t->nhi;
        } else {
            in = v.i >= t->lo && (t->closed ? v.i <= t->hi : v.i < t->hi);
        }
        if (in == t->op) return 0;
        break;
    }
    case FT_INLIST: {
        bool in = false;
        if (v.type == T_INT)
            for (int k = 0; k < t->nlist && !in; k++)
                in = v.i == t->list[k].i;
        else
            for (int k = 0; k < t->nlist && !in; k++)
                in = v.len == t->list[k].len && text_eq(v.s, t->list[k].s, v.len);
        if (in == t->op) return 0;
        break;
    }
    default: return -1;
    }
    return 1;
}

int filter_run(const filter *f, const uint8_t *rec, size_t len)
{
    rec_view rv = rec_view_of(rec, len);
    for (int i = 0; i < f->n; i++) {
        int k = term_run(&f->t[i], rec_view_get(&rv, f->t[i].slot));
        if (k <= 0) return k;
    }
    return 1;
}

int filter_run_cols(const filter *f, colblock *b, uint32_t i)
{
    for (int j = 0; j < f->n; j++) {
        int k = term_run(&f->t[j], col_get(colblock_col(b, f->t[j].slot), i));
        if (k <= 0) return k;
    }
    return 1;
}

/* ---- compiled filters over a block of columns ---- */

/* The rows I of IN (the first M rows when IN is NULL) for which PRED holds,
 * into OUT, as the function's return value. */
#define KEEP_IF(pred)                                                                              \
    do {                                                                                           \
        uint32_t o_ = 0;                                                                           \
        for (uint32_t j_ = 0; j_ < m; j_++) {                                                      \
            uint32_t i = in ? in[j_] : j_;                                                         \
            if (pred) out[o_++] = i;                                                               \
        }                                                                                          \
        return (int)o_;                                                                            \
    } while (0)

/* Whether row I of CV has a value. */
#define HAS(i) (!cv->nulls || (cv->nulls[(i) >> 3] >> ((i)&7) & 1))

/* KEEP_IF for the comparison OP of X (an expression of row I) with K. */
#define KEEP_CMP(op, x, k)                                                                         \
    switch (op) {                                                                                  \
    case OP_EQ: KEEP_IF(HAS(i) && (x) == (k));                                                     \
    case OP_NE: KEEP_IF(HAS(i) && (x) != (k));                                                     \
    case OP_LT: KEEP_IF(HAS(i) && (x) < (k));                                                      \
    case OP_LE: KEEP_IF(HAS(i) && (x) <= (k));                                                     \
    case OP_GT: KEEP_IF(HAS(i) && (x) > (k));                                                      \
    default: KEEP_IF(HAS(i) && (x) >= (k));                                                        \
    }

/* An integer term over a column of offsets from its base, as a range of
 * the offsets themselves: a row passes when it has a value and its offset
 * is in [LO, HI] (none when LO > HI), or, with NEG, is not. */
typedef struct urange {
    uint64_t lo, hi;
    bool neg;
} urange;

/* The offsets from BASE of the integers in [A, B] (exact; B < A: none). */
static urange urange_of(int64_t base, i128 a, i128 b, bool neg)
{
    i128 lo = a - base, hi = b - base;
    if (lo < 0) lo = 0;
    if (hi > (i128)UINT64_MAX) hi = UINT64_MAX;
    if (lo > hi) return (urange){1, 0, neg};
    return (urange){(uint64_t)lo, (uint64_t)hi, neg};
}

/* The integers X for which X OP K holds, as an interval [*A, *B]. */
static void cmp_interval(int op, i128 k, i128 *a, i128 *b)
{
    const i128 lo = INT64_MIN, hi = INT64_MAX;
    switch (op) {
    case OP_EQ:
    case OP_NE: *a = k, *b = k; break; /* (NE: negated by the caller) */
    case OP_LT: *a = lo, *b = k - 1; break;
    case OP_LE: *a = lo, *b = k; break;
    case OP_GT: *a = k + 1, *b = hi; break;
    default: *a = k, *b = hi; break;
    }
}

/* The smallest count of hundredths C with C / 100.0 > K (STRICT) or >= K,
 * as col_num() computes it (monotonic in C); false when K is near or past
 * the ends of int64 or the search does not settle (counts beyond 2^53,
 * whose doubles repeat): the caller then goes row by row. */
static bool hund_first(double k, bool strict, i128 *c)
{
    double t = k * 100.0;
    if (!(t > -9.2e18 && t < 9.2e18)) return false; /* (and infinities) */
    int64_t x = (int64_t)floor(t);
    for (int i = 0; i < 64; i++) {
        bool here = strict ? (double)x / 100.0 > k : (double)x / 100.0 >= k;
        bool below =
            x > INT64_MIN && (strict ? (double)(x - 1) / 100.0 > k : (double)(x - 1) / 100.0 >= k);
        if (here && !below) return *c = x, true;
        x += here ? -1 : 1; /* (stays inside int64: |x| < 9.3e18) */
    }
    return false;
}

/* T over a column of integers (COL_INT of T's type, or COL_HUND against a
 * number) as a range of offsets; false when T is not of that form. */
static bool term_urange(const fterm *t, const colvec *cv, urange *u)
{
    i128 a, b;
    if (cv->kind == COL_INT && cv->type == t->type) {
        if (t->kind == FT_CMP)
            cmp_interval(t->op, t->k.i, &a, &b);
        else if (t->kind == FT_RANGE)
            a = t->lo, b = t->closed ? (i128)t->hi : (i128)t->hi - 1;
        else
            return false;
        *u = urange_of(cv->base, a, b, t->kind == FT_RANGE ? t->op : t->op == OP_NE);
        return true;
    }
    if (cv->kind != COL_HUND || t->type != T_NUM) return false;
    i128 ge, gt; /* the first counts at or above, and above, the constant */
    if (t->kind == FT_CMP && !isnan(t->k.n)) {
        if (!hund_first(t->k.n, false, &ge) || !hund_first(t->k.n, true, &gt)) return false;
        switch (t->op) {
        case OP_EQ:
        case OP_NE: a = ge, b = gt - 1; break;
        case OP_LT: a = INT64_MIN, b = ge - 1; break;
        case OP_LE: a = INT64_MIN, b = gt - 1; break;
        case OP_GT: a = gt, b = INT64_MAX; break;
        default: a = ge, b = INT64_MAX; break;
        }
        *u = urange_of(cv->base, a, b, t->op == OP_NE);
        return true;
    }
    if (t->kind == FT_RANGE && !isnan(t->nlo) && !isnan(t->nhi)) { /* closed: nlo <= x <= nhi */
        if (!hund_first(t->nlo, false, &a) || !hund_first(t->nhi, true, &gt)) return false;
        *u = urange_of(cv->base, a, gt - 1, t->op);
        return true;
    }
    return false;
}

/* The rows of IN (M of them; the first M when IN is NULL) of column CV
 * whose offsets pass U, into OUT: one loop per width, the offsets compared
 * as they are stored. */
static int keep_urange(const colvec *cv, urange u, const uint32_t *in, uint32_t m, uint32_t *out)
{
    uint64_t span = u.hi - u.lo;
    bool none = u.lo > u.hi;
    const uint8_t *p = cv->data;
    uint32_t o = 0;
#define KEEP_U(load)                                                                               \
    for (uint32_t j = 0; j < m; j++) {                                                             \
        uint32_t i = in ? in[j] : j;                                                               \
        uint64_t x = (load);                                                                       \
        bool pass = !none && x - u.lo <= span;                                                     \
        out[o] = i;                                                                                \
        o += HAS(i) && pass != u.neg;                                                              \
    }                                                                                              \
    break
    switch (cv->width) {
    case 0: KEEP_U(0);
    case 1: KEEP_U(p[i]);
    case 2: KEEP_U(col_uint(p + 2 * (size_t)i, 2));
    case 4: KEEP_U(col_uint(p + 4 * (size_t)i, 4));
    default: KEEP_U(col_uint(p + 8 * (size_t)i, 8));
    }
#undef KEEP_U
    return (int)o;
}

int col_keep_cmp(const colvec *cv, int op, value k, const uint32_t *in, uint32_t m, uint32_t *out)
{
    fterm t = {.kind = FT_CMP, .op = (uint8_t)op, .type = (uint8_t)k.type, .k = k};
    urange u;
    if (k.type == T_NULL || !term_urange(&t, cv, &u)) return -1;
    return keep_urange(cv, u, in, m, out);
}

/* term_run() over rows of a column: the rows of IN (M of them; the first M
 * when IN is NULL) that pass T, into OUT; -1 when a row needs the tree (a
 * value of another type, a NaN). */
static int term_block(const fterm *t, const colvec *cv, const uint32_t *in, uint32_t m,
                      uint32_t *out)
{
    if (t->kind == FT_ISNULL) KEEP_IF((cv->kind == COL_NULL || !HAS(i)) != t->op);
    if (cv->kind == COL_NULL) return 0; /* a null passes no other term */
    if (cv->kind == COL_DICT && t->type == T_TEXT && cv->ndict <= 4096) {
        uint8_t pass[4096];
        for (uint32_t k = 0; k < cv->ndict; k++)
            pass[k] = term_run(t, col_dict_value(cv, k)) > 0;
        KEEP_IF(HAS(i) && pass[col_code(cv, i)]);
    }
    urange u; /* (every comparison and range of integers, most of prices) */
    if (term_urange(t, cv, &u)) return keep_urange(cv, u, in, m, out);
    if (cv->kind == COL_INT && cv->type == t->type && t->kind == FT_INLIST && cv->width <= 1) {
        uint8_t member[256] = {0}; /* a byte of offsets: a table of 256 */
        for (int k = 0; k < t->nlist; k++) {
            uint64_t off = (uint64_t)t->list[k].i - (uint64_t)cv->base;
            if (off < 256) member[off] = 1;
        }
        KEEP_IF(HAS(i) && member[col_code(cv, i)] != t->op);
    }
    if (cv->kind == COL_HUND && t->type == T_NUM && !isnan(t->k.n)) {
        if (t->kind == FT_CMP) KEEP_CMP(t->op, col_num(cv, i), t->k.n);
        if (t->kind == FT_RANGE)
            KEEP_IF(HAS(i) && (col_num(cv, i) >= t->nlo && col_num(cv, i) <= t->nhi) != t->op);
    }
    uint32_t o = 0; /* any other: value by value */
    for (uint32_t j = 0; j < m; j++) {
        uint32_t i = in ? in[j] : j;
        int k = term_run(t, col_get(cv, i));
        if (k < 0) return -1;
        if (k) out[o++] = i;
    }
    return (int)o;
}

#undef KEEP_CMP
#undef HAS
#undef KEEP_IF

int filter_block(const filter *f, colblock *b, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    const uint32_t *in = sel;
    int m = (int)n;
    if (f->n == 0)
        for (uint32_t j = 0; j < n; j++)
            out[j] = sel ? sel[j] : j;
    for (int j = 0; j < f->n && m > 0; j++) {
        m = term_block(&f->t[j], colblock_col(b, f->t[j].slot), in, (uint32_t)m, out);
        if (m < 0) return -1;
        in = out;
    }
    return m;
}
