/* parse.c: recursive-descent parser for kash statements; see parse.h.
 *
 * One static function per rule of grammar/kash.ebnf, its production in the
 * comment above it. Binary operators use precedence climbing over the
 * priority table binprio[] (as in Lua's lparser.c); nesting deeper than
 * MAX_DEPTH is an error, never a stack overflow. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lex.h"

#define MAX_DEPTH      200  /* nesting of brackets and prefix operators while parsing */
#define MAX_TREE_DEPTH 1000 /* height of an expression tree (long a + b + … chains) */

const char *const fn_names[F_NFUNCS] = {
    "lower", "upper", "len",     "trim", "substr",  "coalesce",     "round",    "abs",
    "year",  "month", "quarter", "week", "day",     "days_between", "age",      "if",
    "floor", "ceil",  "date",    "text", "replace", "nullif",       "greatest", "least",
    "sqrt",  "power", "exp",     "ln",   "num",
};
const char *const agg_names[AG_NAGGS] = {"count", "count_distinct", "sum",       "avg", "min",
                                         "max",   "median",         "percentile"};
const char *const kpi_names[K_NKPIS] = {
    "customers",  "new_customers", "churned",  "retention_rate",
    "churn_rate", "revenue",       "orders",   "aov",
    "nps",        "csat",          "csat_avg", "clv",
    "cac",        "upsell_rate",   "grr",      "nrr",
};
static const char *const source_names[] = {"accounts", "managers", "interactions", "history"};

const char *source_name(int source)
{
    return source_names[source];
}

int kpi_lookup(const char *name, size_t len)
{
    for (int i = 0; i < K_NKPIS; i++)
        if (strlen(kpi_names[i]) == len && memcmp(kpi_names[i], name, len) == 0) return i;
    return -1;
}

typedef struct parser {
    lexer lx;
    token t;    /* current token */
    token prev; /* the one before */
    arena *a;
    diag *d;
    const parser_opts *o;
    int depth;
} parser;

/* ---- tokens ---- */

static void next(parser *p)
{
    p->prev = p->t;
    if (lex_next(&p->lx, &p->t) == TK_ERROR) p->t.kind = TK_ERROR;
}

static bool failed(const parser *p)
{
    return p->d->code != DIAG_OK;
}

/* Describes the current token for messages: 'foo' for words, else its kind. */
static const char *describe(parser *p, const token *t)
{
    switch (t->kind) {
    case TK_EOF: return "end of input";
    case TK_IDENT:
    case TK_QIDENT:
    case TK_INT:
    case TK_NUM:
    case TK_DATE:
    case TK_PERIOD:
    case TK_DURATION: {
        size_t n = t->len > 40 ? 40 : t->len;
        return arena_printf(p->a, "'%.*s'", (int)n, p->lx.src + t->off);
    }
    default: return lex_token_names[t->kind];
    }
}

/* Records "expected WHAT but found TOKEN" at the current token. Returns NULL. */
static void *expected(parser *p, const char *what)
{
    if (p->t.kind == TK_ERROR) return NULL; /* the lexer said why */
    diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len, "expected %s but found %s", what,
             describe(p, &p->t));
    return NULL;
}

static bool is_kw(parser *p, const char *kw)
{
    return lex_is(&p->lx, &p->t, kw);
}

/* Consumes keyword KW if it is the current token. */
static bool accept_kw(parser *p, const char *kw)
{
    if (!is_kw(p, kw)) return false;
    next(p);
    return true;
}

static bool expect_kw(parser *p, const char *kw)
{
    if (accept_kw(p, kw)) return true;
    expected(p, arena_printf(p->a, "'%s'", kw));
    return false;
}

static bool accept(parser *p, int kind)
{
    if (p->t.kind != kind) return false;
    next(p);
    return true;
}

static bool expect(parser *p, int kind)
{
    if (accept(p, kind)) return true;
    expected(p, lex_token_names[kind]);
    return false;
}

static node *new_node(parser *p, int kind, uint32_t off, uint32_t len)
{
    node *n = arena_calloc(p->a, 1, sizeof *n);
    n->kind = (uint8_t)kind;
    n->off = off;
    n->len = len;
    n->slot = -1;
    return n;
}

/* True when the token after the current one is keyword KW. */
static bool peek_is(parser *p, const char *kw)
{
    lexer ahead = p->lx;
    diag d;
    diag_clear(&d);
    ahead.err = &d;
    token t;
    lex_next(&ahead, &t);
    return lex_is(&ahead, &t, kw);
}

/* Makes room for one more of N elements of SIZE in *ARR (an arena array of
 * *CAP, doubled when full) and returns the new element, zeroed. */
static void *push_elem(parser *p, void *arr, int n, int *cap, size_t size)
{
    void **a = arr;
    if (n == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        void *na = arena_alloc(p->a, size * (size_t)ncap);
        if (n) memcpy(na, *a, size * (size_t)n);
        *a = na;
        *cap = ncap;
    }
    return memset((char *)*a + size * (size_t)n, 0, size);
}

/* Sets N's height from its arguments; false (with an error) past MAX_TREE_DEPTH. */
static bool deepen(parser *p, node *n)
{
    int h = 0;
    for (int i = 0; i < n->n; i++)
        if (n->a[i] && n->a[i]->depth > h) h = n->a[i]->depth;
    n->depth = (uint16_t)(h + 1);
    if (n->depth <= MAX_TREE_DEPTH) return true;
    diag_set(p->d, DIAG_SYNTAX, n->off, n->len,
             "expression too long or nested too deeply (over %d levels)", MAX_TREE_DEPTH);
    return false;
}

/* Widens N's span to end where the previous token ended. */
static node *finish(parser *p, node *n)
{
    uint32_t end = p->prev.off + p->prev.len;
    if (end > n->off) n->len = end - n->off;
    return n;
}

static node *new_bin(parser *p, int kind, int op, node *l, node *r)
{
    node *n = new_node(p, kind, l->off, 0);
    n->op = (uint8_t)op;
    n->n = 2;
    n->a = arena_alloc(p->a, 2 * sizeof(node *));
    n->a[0] = l;
    n->a[1] = r;
    finish(p, n);
    return deepen(p, n) ? n : NULL;
}

/* The text of an identifier or quoted identifier token, NUL-terminated. */
static const char *ident_text(parser *p, const token *t)
{
    if (t->kind == TK_QIDENT) {
        char *s = arena_alloc(p->a, t->len + 1);
        s[lex_qident(&p->lx, t, s)] = 0;
        return s;
    }
    return arena_strndup(p->a, p->lx.src + t->off, t->len);
}

/* name -> IDENT | QIDENT (a reserved word must be quoted) */
static const char *name(parser *p, const char *what)
{
    if (p->t.kind == TK_QIDENT ||
        (p->t.kind == TK_IDENT && !lex_reserved(p->lx.src + p->t.off, p->t.len))) {
        const char *s = ident_text(p, &p->t);
        next(p);
        return s;
    }
    expected(p, what);
    return NULL;
}

static const char *string_lit(parser *p, const char *what, uint32_t *off, uint32_t *len)
{
    if (p->t.kind != TK_STRING) return expected(p, what);
    char *s = arena_alloc(p->a, p->t.len + 1);
    s[lex_string(&p->lx, &p->t, s)] = 0;
    if (off) *off = p->t.off, *len = p->t.len;
    next(p);
    return s;
}

/* ---- literals ---- */

/* Today's date (local time), or $KASH_TODAY when set (reproducible tests). */
int64_t parse_today(void)
{
    const char *e = getenv("KASH_TODAY");
    int64_t d;
    if (e && parse_date(e, strlen(e), &d)) return d;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t parse_now(void)
{
    const char *e = getenv("KASH_TODAY");
    int64_t d;
    if (e && parse_date(e, strlen(e), &d)) return d * 86400 + 12 * 3600;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* The value of a variable's text: a single literal token (number, date,
 * period, duration, string, regex, true/false/null), optionally negated,
 * else the text itself. */
static value var_value(parser *p, const char *text)
{
    size_t n = strlen(text);
    diag d;
    diag_clear(&d);
    lexer lx;
    lex_init(&lx, text, n, &d);
    token t, t2;
    int k = lex_next(&lx, &t);
    if (k == TK_SLASH && lex_regex(&lx, &t) == TK_REGEX && lex_next(&lx, &t2) == TK_EOF &&
        !d.code) { /* .set re /^acme/i: a regex, as if written in its place */
        const char *pat;
        size_t plen;
        unsigned flags;
        lex_regex_parts(&lx, &t, &pat, &plen, &flags);
        value v = v_text(arena_strndup(p->a, pat, plen), plen);
        v.unit = (uint8_t)(flags | 0x80); /* 0x80 marks a regex literal */
        return v;
    }
    diag_clear(&d);
    lex_init(&lx, text, n, &d);
    k = lex_next(&lx, &t);
    bool neg = false;
    if (k == TK_MINUS) {
        neg = true;
        k = lex_next(&lx, &t);
    }
    if (lex_next(&lx, &t2) != TK_EOF || d.code) return v_text(text, n);
    switch (k) {
    case TK_INT:
    case TK_NUM:
    case TK_PERCENT: {
        value v = lex_number(&lx, &t);
        if (neg && v.type == T_INT)
            v.i = -v.i;
        else if (neg)
            v.n = -v.n;
        return v;
    }
    case TK_DATE:
    case TK_DATETIME:
    case TK_PERIOD:
    case TK_DURATION:
        if (!neg) return lex_temporal(&lx, &t);
        break;
    case TK_STRING:
        if (!neg) {
            char *s = arena_alloc(p->a, t.len + 1);
            size_t sl = lex_string(&lx, &t, s);
            return v_text(s, sl);
        }
        break;
    case TK_IDENT:
        if (neg) break;
        if (lex_is(&lx, &t, "true")) return v_bool(true);
        if (lex_is(&lx, &t, "false")) return v_bool(false);
        if (lex_is(&lx, &t, "null")) return v_null();
        break;
    default: break;
    }
    return v_text(text, n);
}

static node *expr(parser *p);
static node *subexpr(parser *p, int limit);

/* arglist -> '(' [ expr { ',' expr } ] ')' ; count(*) takes no arguments */
static node *call(parser *p, const token *fname)
{
    const char *nm = arena_strndup(p->a, p->lx.src + fname->off, fname->len);
    for (char *c = (char *)nm; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    node *n = new_node(p, N_CALL, fname->off, fname->len);
    int id = -1;
    for (int i = 0; i < AG_NAGGS && id < 0; i++)
        if (strcmp(nm, agg_names[i]) == 0) id = i, n->kind = N_AGG;
    for (int i = 0; i < F_NFUNCS && id < 0; i++)
        if (strcmp(nm, fn_names[i]) == 0) id = i;
    if (id < 0 && strcmp(nm, "length") == 0) id = F_LEN; /* SQL's name for len */
    if (id < 0) {
        diag_set(p->d, DIAG_SEMANTIC, fname->off, fname->len, "unknown function '%s'", nm);
        return NULL;
    }
    n->op = (uint8_t)id;
    next(p); /* ( */
    node *args[16];
    int na = 0;
    if (n->kind == N_AGG && id == AG_COUNT && p->t.kind == TK_STAR) {
        next(p);
    } else if (n->kind == N_AGG && is_kw(p, "distinct")) { /* SQL's count(distinct x) */
        if (id != AG_COUNT) {
            diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len,
                     "'distinct' is only for count(distinct x) (count_distinct(x))");
            return NULL;
        }
        next(p);
        n->op = AG_COUNT_DISTINCT;
        if (!(args[na++] = expr(p))) return NULL;
    } else if (p->t.kind != TK_RPAREN) {
        do {
            if (na == 16) {
                diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len, "too many arguments");
                return NULL;
            }
            if (!(args[na++] = expr(p))) return NULL;
        } while (accept(p, TK_COMMA));
    }
    if (!expect(p, TK_RPAREN)) return NULL;
    n->n = na;
    n->a = arena_alloc(p->a, sizeof(node *) * (size_t)(na ? na : 1));
    memcpy(n->a, args, sizeof(node *) * (size_t)na);
    finish(p, n);
    return deepen(p, n) ? n : NULL;
}

/* case -> CASE WHEN expr THEN expr { WHEN expr THEN expr } [ ELSE expr ] END */
static node *case_expr(parser *p)
{
    node *n = new_node(p, N_CASE, p->t.off, p->t.len);
    next(p);
    node *args[64];
    int na = 0;
    if (!is_kw(p, "when")) return expected(p, "'when'");
    while (accept_kw(p, "when")) {
        if (na + 3 > 64) {
            diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len, "too many when clauses");
            return NULL;
        }
        if (!(args[na++] = expr(p)) || !expect_kw(p, "then") || !(args[na++] = expr(p)))
            return NULL;
    }
    if (accept_kw(p, "else")) {
        if (!(args[na++] = expr(p))) return NULL;
        n->has_else = true;
    }
    if (!expect_kw(p, "end")) return NULL;
    n->n = na;
    n->a = arena_alloc(p->a, sizeof(node *) * (size_t)na);
    memcpy(n->a, args, sizeof(node *) * (size_t)na);
    finish(p, n);
    return deepen(p, n) ? n : NULL;
}

/* primary -> literal | VAR | field | call | case | '(' expr ')' | regex
 * field   -> name [ '.' name ] */
static node *primary(parser *p)
{
    token t = p->t;
    node *n;
    switch (t.kind) {
    case TK_INT:
    case TK_NUM:
    case TK_PERCENT:
        n = new_node(p, N_LIT, t.off, t.len);
        n->v = lex_number(&p->lx, &t);
        next(p);
        return n;
    case TK_DATE:
    case TK_DATETIME:
    case TK_PERIOD:
    case TK_DURATION:
        n = new_node(p, N_LIT, t.off, t.len);
        n->v = lex_temporal(&p->lx, &t);
        next(p);
        return n;
    case TK_STRING: {
        n = new_node(p, N_LIT, t.off, t.len);
        char *s = arena_alloc(p->a, t.len + 1);
        size_t sl = lex_string(&p->lx, &t, s);
        s[sl] = 0;
        n->v = v_text(s, sl);
        next(p);
        return n;
    }
    case TK_SLASH: {
        if (lex_regex(&p->lx, &p->t) == TK_ERROR) {
            p->t.kind = TK_ERROR;
            return NULL;
        }
        /* a regex literal is a text value; its flags ride in unit */
        const char *pat;
        size_t plen;
        unsigned flags;
        lex_regex_parts(&p->lx, &p->t, &pat, &plen, &flags);
        n = new_node(p, N_LIT, p->t.off, p->t.len);
        n->v = v_text(arena_strndup(p->a, pat, plen), plen);
        n->v.unit = (uint8_t)(flags | 0x80); /* 0x80 marks a regex literal */
        next(p);
        return n;
    }
    case TK_VAR: {
        const char *vn = arena_strndup(p->a, p->lx.src + t.off + 1, t.len - 1);
        const char *text = p->o && p->o->vars ? p->o->vars(p->o->vars_ctx, vn) : NULL;
        if (!text) {
            diag_set(p->d, DIAG_SEMANTIC, t.off, t.len, "undefined variable '$%s'", vn);
            return NULL;
        }
        n = new_node(p, N_LIT, t.off, t.len);
        n->v = var_value(p, arena_strndup(p->a, text, strlen(text)));
        next(p);
        return n;
    }
    case TK_LPAREN:
        next(p);
        n = expr(p);
        if (!n || !expect(p, TK_RPAREN)) return NULL;
        n->off = t.off; /* the span takes in the parentheses: it names the column */
        return finish(p, n);
    case TK_IDENT:
        if (lex_is(&p->lx, &t, "null") || lex_is(&p->lx, &t, "true") ||
            lex_is(&p->lx, &t, "false") || lex_is(&p->lx, &t, "today") ||
            lex_is(&p->lx, &t, "now")) {
            n = new_node(p, N_LIT, t.off, t.len);
            if (lex_is(&p->lx, &t, "true"))
                n->v = v_bool(true);
            else if (lex_is(&p->lx, &t, "false"))
                n->v = v_bool(false);
            else if (lex_is(&p->lx, &t, "today"))
                n->v = v_date(parse_today());
            else if (lex_is(&p->lx, &t, "now"))
                n->v = v_datetime(parse_now());
            else
                n->v = v_null();
            next(p);
            return n;
        }
        if (lex_is(&p->lx, &t, "case")) return case_expr(p);
        if (lex_reserved(p->lx.src + t.off, t.len)) return expected(p, "an expression");
        next(p);
        if (p->t.kind == TK_LPAREN) return call(p, &t);
        /* fallthrough */
    case TK_QIDENT: {
        if (t.kind == TK_QIDENT) next(p);
        n = new_node(p, N_FIELD, t.off, t.len);
        n->name = ident_text(p, &t);
        if (p->t.kind == TK_DOT) {
            next(p);
            n->qual = n->name;
            if (!(n->name = name(p, "a field name after '.'"))) return NULL;
            finish(p, n);
            if (p->t.kind == TK_DOT) {
                diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len,
                         "a path goes one step, to the parent: %s.%s has no fields", n->qual,
                         n->name);
                return NULL;
            }
        }
        return n;
    }
    default: return expected(p, "an expression");
    }
}

/* Priorities of binary operators: {left, right}; higher binds tighter. */
static const struct {
    uint8_t left, right;
} binprio[] = {
    [OP_OR] = {2, 2},     [OP_AND] = {4, 4},   [OP_EQ] = {8, 8},    [OP_NE] = {8, 8},
    [OP_LT] = {8, 8},     [OP_LE] = {8, 8},    [OP_GT] = {8, 8},    [OP_GE] = {8, 8},
    [OP_CONCAT] = {9, 9}, /* below + - (as PostgreSQL): name || " " || n + 1 */
    [OP_ADD] = {10, 10},  [OP_SUB] = {10, 10}, [OP_MUL] = {12, 12}, [OP_DIV] = {12, 12},
    [OP_MOD] = {12, 12},
};
#define NOT_PRIORITY   6
#define CMP_PRIORITY   8
#define UNARY_PRIORITY 14

/* The binary operator at the current token, or -1. */
static int binop_of(parser *p)
{
    switch (p->t.kind) {
    case TK_EQ: return OP_EQ;
    case TK_NE: return OP_NE;
    case TK_LT: return OP_LT;
    case TK_LE: return OP_LE;
    case TK_GT: return OP_GT;
    case TK_GE: return OP_GE;
    case TK_PLUS: return OP_ADD;
    case TK_MINUS: return OP_SUB;
    case TK_STAR: return OP_MUL;
    case TK_SLASH: return OP_DIV;
    case TK_MOD: return OP_MOD;
    case TK_CONCAT: return OP_CONCAT;
    case TK_IDENT:
        if (is_kw(p, "or")) return OP_OR;
        if (is_kw(p, "and")) return OP_AND;
        return -1;
    default: return -1;
    }
}

/* True when the current token starts a comparison-level special form:
 * ~, !~, [not] in, [not] between, is [not] null. */
static bool special_cmp(parser *p)
{
    if (p->t.kind == TK_MATCH || p->t.kind == TK_NMATCH) return true;
    return is_kw(p, "in") || is_kw(p, "between") || is_kw(p, "is") || is_kw(p, "not") ||
           is_kw(p, "like") || is_kw(p, "ilike");
}

/* SQL's LIKE pattern S (N bytes) as a regex matching the whole text: % any
 * run of characters, _ one, \ takes the next literally. Arena memory. */
static char *like_regex(parser *p, const char *s, size_t n, size_t *len)
{
    char *re = arena_alloc(p->a, 2 * n + 8), *o = re;
    o += sprintf(o, "\\A");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            o += sprintf(o, ".*");
        } else if (c == '_') {
            *o++ = '.';
        } else {
            if (c == '\\' && i + 1 < n) c = s[++i];
            if (strchr("\\^$.|?*+()[]{}", c) && c) *o++ = '\\';
            *o++ = c;
        }
    }
    o += sprintf(o, "\\z");
    *len = (size_t)(o - re);
    return re;
}

/* cmpform -> ('~' | '!~') subexpr
 *          | [NOT] IN ( '(' expr { ',' expr } ')' | period )
 *          | [NOT] BETWEEN subexpr AND subexpr
 *          | IS [NOT] NULL */
static node *special(parser *p, node *l)
{
    token optok = p->t;
    if (p->t.kind == TK_MATCH || p->t.kind == TK_NMATCH) {
        next(p);
        node *r = subexpr(p, CMP_PRIORITY);
        if (!r) return NULL;
        node *n = new_bin(p, N_MATCH, 0, l, r);
        n->negate = optok.kind == TK_NMATCH;
        return n;
    }
    if (accept_kw(p, "is")) {
        bool neg = accept_kw(p, "not");
        if (!expect_kw(p, "null")) return NULL;
        node *n = new_node(p, N_ISNULL, l->off, 0);
        n->negate = neg;
        n->n = 1;
        n->a = arena_alloc(p->a, sizeof(node *));
        n->a[0] = l;
        finish(p, n);
        return deepen(p, n) ? n : NULL;
    }
    bool neg = accept_kw(p, "not");
    if (is_kw(p, "like") || is_kw(p, "ilike")) { /* a regex match of the whole text */
        bool caseless = is_kw(p, "ilike");
        next(p);
        node *r = subexpr(p, CMP_PRIORITY);
        if (!r) return NULL;
        if (r->kind != N_LIT || r->v.type != T_TEXT || (r->v.unit & 0x80)) {
            diag_set(p->d, DIAG_SYNTAX, r->off, r->len,
                     "'%s' needs a string pattern ('%%' any text, '_' one character); for a "
                     "computed one use '~'",
                     caseless ? "ilike" : "like");
            return NULL;
        }
        size_t len;
        r->v.s = like_regex(p, r->v.s, r->v.len, &len);
        r->v.len = (uint32_t)len;
        r->v.unit = (uint8_t)(0x80 | LEX_RE_S | (caseless ? LEX_RE_I : 0));
        node *n = new_bin(p, N_MATCH, 0, l, r);
        n->negate = neg;
        return n;
    }
    if (accept_kw(p, "between")) {
        node *lo = subexpr(p, CMP_PRIORITY);
        if (!lo || !expect_kw(p, "and")) return NULL;
        node *hi = subexpr(p, CMP_PRIORITY);
        if (!hi) return NULL;
        node *n = new_node(p, N_BETWEEN, l->off, 0);
        n->negate = neg;
        n->n = 3;
        n->a = arena_alloc(p->a, 3 * sizeof(node *));
        n->a[0] = l, n->a[1] = lo, n->a[2] = hi;
        finish(p, n);
        return deepen(p, n) ? n : NULL;
    }
    if (!accept_kw(p, "in"))
        return expected(p, neg ? "'in', 'between' or 'like' after 'not'" : "'in'");
    if (accept(p, TK_LPAREN)) {
        node *args[1024];
        int na = 0;
        args[na++] = l;
        do {
            if (na == 1024) {
                diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len, "list too long (over 1023 values)");
                return NULL;
            }
            if (!(args[na++] = expr(p))) return NULL;
        } while (accept(p, TK_COMMA));
        if (!expect(p, TK_RPAREN)) return NULL;
        node *n = new_node(p, N_IN, l->off, 0);
        n->negate = neg;
        n->n = na;
        n->a = arena_alloc(p->a, sizeof(node *) * (size_t)na);
        memcpy(n->a, args, sizeof(node *) * (size_t)na);
        finish(p, n);
        return deepen(p, n) ? n : NULL;
    }
    /* in PERIOD: a bare 4-digit integer is a year */
    node *r;
    if (p->t.kind == TK_INT && p->t.len == 4) {
        value y = lex_number(&p->lx, &p->t);
        r = new_node(p, N_LIT, p->t.off, p->t.len);
        r->v = period_of(U_YEAR, days_from_civil(y.i, 1, 1));
        next(p);
    } else if (!(r = subexpr(p, CMP_PRIORITY))) {
        return NULL;
    }
    node *n = new_bin(p, N_INPER, 0, l, r);
    n->negate = neg;
    return n;
}

/* subexpr -> (NOT subexpr | '-' subexpr | primary) { binop subexpr | cmpform }
 * where each binop binds tighter than LIMIT. */
static node *subexpr(parser *p, int limit)
{
    if (++p->depth > MAX_DEPTH) {
        diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len,
                 "expression nested too deeply (over %d levels)", MAX_DEPTH);
        return NULL;
    }
    node *l;
    token t = p->t;
    if (is_kw(p, "not")) {
        next(p);
        node *e = subexpr(p, NOT_PRIORITY);
        if (!e) return NULL;
        l = new_node(p, N_NOT, t.off, 0);
        l->n = 1;
        l->a = arena_alloc(p->a, sizeof(node *));
        l->a[0] = e;
        finish(p, l);
        if (!deepen(p, l)) return NULL;
    } else if (p->t.kind == TK_MINUS) {
        next(p);
        node *e = subexpr(p, UNARY_PRIORITY);
        if (!e) return NULL;
        if (e->kind == N_LIT && (e->v.type == T_INT || e->v.type == T_NUM) &&
            e->off == t.off + t.len) {
            /* fold -literal into one literal (INT64_MIN itself cannot be written: the lexer refuses
             * 9223372036854775808) */
            if (e->v.type == T_INT)
                e->v.i = -e->v.i;
            else
                e->v.n = -e->v.n;
            e->off = t.off;
            e->len += t.len;
            l = e;
        } else {
            l = new_node(p, N_NEG, t.off, 0);
            l->n = 1;
            l->a = arena_alloc(p->a, sizeof(node *));
            l->a[0] = e;
            finish(p, l);
            if (!deepen(p, l)) return NULL;
        }
    } else {
        l = primary(p);
    }
    while (l && !failed(p)) {
        int op = binop_of(p);
        if (op >= 0 && binprio[op].left > limit) {
            next(p);
            node *r = subexpr(p, binprio[op].right);
            if (!r) return NULL;
            l = new_bin(p, N_BIN, op, l, r);
        } else if (CMP_PRIORITY > limit && special_cmp(p)) {
            /* "not" here only as "not in" / "not between" */
            if (is_kw(p, "not") && !peek_is(p, "in") && !peek_is(p, "between") &&
                !peek_is(p, "like") && !peek_is(p, "ilike"))
                break;
            l = special(p, l);
        } else {
            break;
        }
    }
    p->depth--;
    return failed(p) ? NULL : l;
}

/* expr -> subexpr (at the loosest priority) */
static node *expr(parser *p)
{
    return subexpr(p, 0);
}

/* ---- stages ---- */

/* item -> expr [ AS name ] */
/* A list of items: sort keys (SORTKEYS: asc/desc), else expressions with `as`;
 * STAR: `*` may stand for every input column (select). */
static bool item_list(parser *p, item **out, int *n, bool sortkeys, bool star)
{
    int cap = 0, k = 0;
    item *v = NULL;
    do {
        item *it = push_elem(p, &v, k++, &cap, sizeof *it);
        if (star && p->t.kind == TK_STAR) {
            it->e = new_node(p, N_LIT, p->t.off, p->t.len); /* a placeholder: plan_select() */
            it->star = true;
            next(p);
            continue;
        }
        if (!(it->e = expr(p))) return false;
        if (sortkeys) {
            if (accept_kw(p, "desc"))
                it->desc = true;
            else
                accept_kw(p, "asc");
            if (accept_kw(p, "nulls")) { /* SQL's NULLS FIRST | LAST */
                if (accept_kw(p, "first"))
                    it->nulls_first = true;
                else if (!accept_kw(p, "last"))
                    return expected(p, "'first' or 'last' after 'nulls'") != NULL;
            }
        } else if (accept_kw(p, "as")) {
            if (p->t.kind == TK_STRING) {
                if (!(it->name = string_lit(p, "a column name", NULL, NULL))) return false;
            } else if (!(it->name = name(p, "a column name after 'as'"))) {
                return false;
            }
        }
    } while (accept(p, TK_COMMA));
    *out = v;
    *n = k;
    return true;
}

/* An integer for limit/offset: INT or a variable holding one. */
static bool int_arg(parser *p, int64_t *out, const char *what)
{
    node *e = subexpr(p, UNARY_PRIORITY - 1);
    if (!e) return false;
    if (e->kind != N_LIT || e->v.type != T_INT || e->v.i < 0) {
        diag_set(p->d, DIAG_SEMANTIC, e->off, e->len, "%s must be a non-negative integer", what);
        return false;
    }
    *out = e->v.i;
    return true;
}

/* set -> SET name '=' expr { ',' name '=' expr } */
static bool set_stage(parser *p, stage *s)
{
    s->kind = S_SET;
    int cap = 0;
    do {
        item *it = push_elem(p, &s->items, s->nitems++, &cap, sizeof *it);
        if (!(it->name = name(p, "a field name after 'set'"))) return false;
        if (!expect(p, TK_EQ) || !(it->e = expr(p))) return false;
    } while (accept(p, TK_COMMA));
    return true;
}

/* A band's share: a percentage (20%), or a plain number read as percent (20). */
static bool band_pct(parser *p, double *out)
{
    if (p->t.kind != TK_PERCENT && p->t.kind != TK_INT && p->t.kind != TK_NUM) {
        expected(p, "a percentage such as 20%");
        return false;
    }
    value v = lex_number(&p->lx, &p->t);
    double x = v.type == T_INT ? (double)v.i : v.n;
    if (p->t.kind != TK_PERCENT) x /= 100;
    if (!(x >= 0 && x <= 1)) {
        diag_set(p->d, DIAG_SEMANTIC, p->t.off, p->t.len,
                 "a band's percentage must be from 0%% to 100%%");
        return false;
    }
    *out = x;
    next(p);
    return true;
}

/* retier -> RETIER BY expr band { ',' band }
 * band   -> ( TOP pct | SHARE pct | NEXT pct | REST ) '=' subexpr */
static bool retier_stage(parser *p, stage *s)
{
    s->kind = S_RETIER;
    if (!expect_kw(p, "by") || !(s->e = expr(p))) return false;
    band bands[16];
    int n = 0;
    do {
        if (n == 16) {
            diag_set(p->d, DIAG_SYNTAX, p->t.off, p->t.len, "too many bands (over 16)");
            return false;
        }
        band *b = &bands[n++];
        memset(b, 0, sizeof *b);
        b->off = p->t.off;
        if (accept_kw(p, "top"))
            b->kind = BAND_TOP;
        else if (accept_kw(p, "share"))
            b->kind = BAND_SHARE;
        else if (accept_kw(p, "next"))
            b->kind = BAND_NEXT;
        else if (accept_kw(p, "rest"))
            b->kind = BAND_REST;
        else {
            expected(p, "a band: top P%, share P%, next P% or rest");
            return false;
        }
        if (b->kind != BAND_REST && !band_pct(p, &b->pct)) return false;
        b->len = p->prev.off + p->prev.len - b->off;
        if (!expect(p, TK_EQ) || !(b->tier = subexpr(p, CMP_PRIORITY))) return false;
    } while (accept(p, TK_COMMA));
    s->bands = arena_alloc(p->a, sizeof(band) * (size_t)n);
    memcpy(s->bands, bands, sizeof(band) * (size_t)n);
    s->nbands = n;
    return true;
}

/* assign  -> ASSIGN TO targets [ ROUND-ROBIN | BALANCED [ BY REVENUE ] ]
 * targets -> string | '(' string { ',' string } ')' | MANAGERS [ WHERE expr ] */
static bool assign_stage(parser *p, stage *s)
{
    s->kind = S_ASSIGN;
    if (!expect_kw(p, "to")) return false;
    if (accept_kw(p, "managers")) {
        s->target_where = true;
        if (accept_kw(p, "where") && !(s->e = expr(p))) return false;
    } else {
        bool list = accept(p, TK_LPAREN);
        int cap = 0;
        do {
            node *e = primary(p);
            if (!e) return false;
            if (e->kind != N_LIT || e->v.type != T_TEXT) {
                diag_set(p->d, DIAG_SEMANTIC, e->off, e->len,
                         "expected a manager id in quotes, a list of them, or managers where …");
                return false;
            }
            item *it = push_elem(p, &s->items, s->nitems++, &cap, sizeof *it);
            it->e = e;
            it->name = e->v.s;
        } while (list && accept(p, TK_COMMA));
        if (list && !expect(p, TK_RPAREN)) return false;
    }
    if (is_kw(p, "round")) { /* round-robin lexes as round - robin */
        next(p);
        if (!expect(p, TK_MINUS) || !expect_kw(p, "robin")) return false;
        s->strategy = ASSIGN_ROUND_ROBIN;
    } else if (accept_kw(p, "balanced")) {
        s->strategy = ASSIGN_BALANCED;
        if (accept_kw(p, "by")) {
            if (!expect_kw(p, "revenue")) return false;
            s->strategy = ASSIGN_BALANCED_REVENUE;
        }
    }
    return true;
}

/* retention -> RETENTION BY ( WEEK | MONTH | QUARTER | YEAR )
 *              { PERIODS int | COUNTS | CUMULATIVE | REVENUE | FROM CREATED
 *              | ACTIVITY INTERACTIONS [ WHERE expr ] } */
static bool retention_stage(parser *p, stage *s)
{
    static const char *const units[] = {"week", "month", "quarter", "year"};
    static const char *const flags[] = {"counts", "cumulative", "revenue"};
    s->kind = S_RETENTION;
    if (!expect_kw(p, "by")) return false;
    for (int u = 0; u < 4 && !s->unit; u++)
        if (accept_kw(p, units[u])) s->unit = (uint8_t)(U_WEEK + u);
    if (!s->unit) return expected(p, "week, month, quarter or year"), false;
    uint32_t cum_off = 0, cum_len = 0, rev_off = 0, rev_len = 0;
    for (;;) {
        token t = p->t;
        int flag = 0;
        if (accept_kw(p, "periods")) {
            flag = RET_PERIODS;
        } else if (accept_kw(p, "from")) {
            flag = RET_FROM_CREATED;
        } else if (accept_kw(p, "activity")) {
            flag = RET_ACTIVITY;
        } else {
            for (int i = 0; i < 3 && !flag; i++)
                if (accept_kw(p, flags[i])) flag = RET_COUNTS << i;
            if (!flag) break;
        }
        if (s->ret & flag) {
            diag_set(p->d, DIAG_SYNTAX, t.off, t.len, "'%.*s' is given twice", (int)t.len,
                     p->lx.src + t.off);
            return false;
        }
        s->ret |= (uint8_t)flag;
        if (flag == RET_PERIODS) {
            if (!int_arg(p, &s->periods, "periods")) return false;
            if (s->periods > 10000) {
                diag_set(p->d, DIAG_SEMANTIC, p->prev.off, p->prev.len,
                         "periods must be at most 10000");
                return false;
            }
        } else if (flag == RET_FROM_CREATED) {
            if (!expect_kw(p, "created")) return false;
        } else if (flag == RET_ACTIVITY) {
            s->act_off = t.off;
            if (!expect_kw(p, "interactions")) return false;
            if (accept_kw(p, "where") && !(s->e = expr(p))) return false;
            s->act_len = p->prev.off + p->prev.len - t.off;
        } else if (flag == RET_CUMULATIVE) {
            cum_off = t.off, cum_len = t.len;
        } else if (flag == RET_REVENUE) {
            rev_off = t.off, rev_len = t.len;
        }
    }
    if ((s->ret & RET_CUMULATIVE) && (s->ret & RET_REVENUE)) {
        bool rev_last = rev_off > cum_off;
        diag_set(p->d, DIAG_SEMANTIC, rev_last ? rev_off : cum_off, rev_last ? rev_len : cum_len,
                 "'cumulative' and 'revenue' do not combine: cumulative counts accounts");
        return false;
    }
    return true;
}

/* period_arg -> four_digit_int | subexpr(4)
 * A constant period: 2024-Q3, 2024-03, 2024-W05, 2024 (a year), a date (one
 * day), or a variable holding one. Sets *OUT to a T_PERIOD value. */
static bool period_arg(parser *p, value *out)
{
    node *e;
    if (p->t.kind == TK_INT && p->t.len == 4) {
        value y = lex_number(&p->lx, &p->t);
        *out = period_of(U_YEAR, days_from_civil(y.i, 1, 1));
        next(p);
        return true;
    }
    if (!(e = subexpr(p, CMP_PRIORITY))) return false;
    if (e->kind == N_LIT && e->v.type == T_INT && e->v.i >= 1 && e->v.i <= 9999) {
        *out = period_of(U_YEAR, days_from_civil(e->v.i, 1, 1)); /* $year */
        return true;
    }
    if (e->kind == N_LIT && e->v.type == T_DATE) {
        *out = period_of(U_DAY, e->v.i);
        return true;
    }
    if (e->kind != N_LIT || e->v.type != T_PERIOD) {
        diag_set(p->d, DIAG_SEMANTIC, e->off, e->len,
                 "expected a period such as 2024-Q3, 2024-03, 2024-W05 or 2024");
        return false;
    }
    *out = e->v;
    return true;
}

/* kpi -> KPI kpi_name { ',' kpi_name } [ BY item { ',' item } ]
 *        ( OVER period_arg | PER ( MONTH | QUARTER | YEAR ) FROM period_arg TO period_arg ) */
static bool kpi_stage(parser *p, stage *s)
{
    static const char *const units[] = {"month", "quarter", "year"};
    s->kind = S_KPI;
    int cap = 0;
    do {
        if (p->t.kind != TK_IDENT && p->t.kind != TK_QIDENT)
            return expected(p, "a KPI name"), false;
        const char *nm = ident_text(p, &p->t);
        int k = kpi_lookup(nm, strlen(nm));
        if (k < 0) {
            diag_set(p->d, DIAG_SEMANTIC, p->t.off, p->t.len,
                     "unknown KPI '%.40s' (customers, new_customers, churned, retention_rate, "
                     "churn_rate, revenue, orders, aov, nps, csat, csat_avg, clv, cac, "
                     "upsell_rate, grr, nrr)",
                     nm);
            return false;
        }
        *(uint8_t *)push_elem(p, &s->kpis, s->nkpis++, &cap, 1) = (uint8_t)k;
        next(p);
    } while (accept(p, TK_COMMA));
    if (accept_kw(p, "by") && !item_list(p, &s->items, &s->nitems, false, false)) return false;
    s->per_off = p->t.off;
    if (accept_kw(p, "over")) {
        if (!period_arg(p, &s->period)) return false;
    } else if (accept_kw(p, "per")) {
        for (int u = 0; u < 3 && !s->unit; u++)
            if (accept_kw(p, units[u])) s->unit = (uint8_t)(U_MONTH + u);
        if (!s->unit) return expected(p, "month, quarter or year"), false;
        if (!expect_kw(p, "from") || !period_arg(p, &s->period)) return false;
        if (!expect_kw(p, "to") || !period_arg(p, &s->period_to)) return false;
    } else {
        return expected(p, s->nitems ? "'over' or 'per'" : "',', 'by', 'over' or 'per'"), false;
    }
    s->per_len = p->prev.off + p->prev.len - s->per_off;
    return true;
}

/* report -> REPORT FOR period_arg */
static bool report_stage(parser *p, stage *s)
{
    s->kind = S_REPORT;
    if (!expect_kw(p, "for")) return false;
    s->per_off = p->t.off;
    if (!period_arg(p, &s->period)) return false;
    s->per_len = p->prev.off + p->prev.len - s->per_off;
    return true;
}

/* rfm -> RFM OVER period_arg */
static bool rfm_stage(parser *p, stage *s)
{
    s->kind = S_RFM;
    if (!expect_kw(p, "over")) return false;
    s->per_off = p->t.off;
    if (!period_arg(p, &s->period)) return false;
    s->per_len = p->prev.off + p->prev.len - s->per_off;
    return true;
}

/* stage -> WHERE expr
 *        | SORT expr [ASC|DESC] { ',' expr [ASC|DESC] }
 *        | LIMIT int [ OFFSET int ]
 *        | SELECT item { ',' item }
 *        | GROUP BY item { ',' item } [ AGG item { ',' item } ]
 *        | AGG item { ',' item }
 *        | COUNT
 *        | EXPORT string
 *        | set | retier | assign | retention | kpi | report | rfm */
static bool stage_rule(parser *p, stage *s)
{
    memset(s, 0, sizeof *s);
    s->off = p->t.off;
    s->len = p->t.len;
    if (accept_kw(p, "where")) {
        s->kind = S_WHERE;
        return (s->e = expr(p)) != NULL;
    }
    if (accept_kw(p, "sort")) {
        s->kind = S_SORT;
        accept_kw(p, "by"); /* "sort by x" reads naturally too */
        return item_list(p, &s->items, &s->nitems, true, false);
    }
    if (accept_kw(p, "limit")) {
        s->kind = S_LIMIT;
        s->offset = 0;
        if (!int_arg(p, &s->limit, "limit")) return false;
        if (accept_kw(p, "offset") && !int_arg(p, &s->offset, "offset")) return false;
        return true;
    }
    if (accept_kw(p, "select")) {
        s->kind = S_SELECT;
        if (accept_kw(p, "distinct")) { /* SQL's select distinct: a group by without agg */
            s->kind = S_GROUP;
            return item_list(p, &s->items, &s->nitems, false, false);
        }
        return item_list(p, &s->items, &s->nitems, false, true);
    }
    if (accept_kw(p, "group")) {
        s->kind = S_GROUP;
        if (!expect_kw(p, "by") || !item_list(p, &s->items, &s->nitems, false, false)) return false;
        if (accept_kw(p, "agg")) return item_list(p, &s->aggs, &s->naggs, false, false);
        return true;
    }
    if (accept_kw(p, "agg")) {
        s->kind = S_AGG;
        return item_list(p, &s->aggs, &s->naggs, false, false);
    }
    if (accept_kw(p, "count")) {
        s->kind = S_COUNT;
        return true;
    }
    if (accept_kw(p, "export")) {
        s->kind = S_EXPORT;
        return (s->file = string_lit(p, "a file name in quotes", &s->file_off, &s->file_len));
    }
    if (accept_kw(p, "set")) return set_stage(p, s);
    if (accept_kw(p, "retier")) return retier_stage(p, s);
    if (accept_kw(p, "assign")) return assign_stage(p, s);
    if (accept_kw(p, "retention")) return retention_stage(p, s);
    if (accept_kw(p, "kpi")) return kpi_stage(p, s);
    if (accept_kw(p, "report")) return report_stage(p, s);
    if (accept_kw(p, "rfm")) return rfm_stage(p, s);
    expected(p, "a stage (where, sort, limit, select, group, agg, count, export, set, retier, "
                "assign, retention, kpi, report, rfm)");
    return false;
}

static int source_of(parser *p)
{
    for (int i = 0; i < 4; i++)
        if (is_kw(p, source_names[i])) return i;
    return -1;
}

/* query -> source [ WHERE expr ] { '|' stage } [ [ '|' ] PREVIEW ] */
static bool query(parser *p, stmt *st)
{
    st->kind = ST_QUERY;
    st->source = (uint8_t)source_of(p);
    st->src_off = p->t.off;
    st->src_len = p->t.len;
    next(p);
    int cap = 0;
    if (is_kw(p, "where")) {
        if (!stage_rule(p, push_elem(p, &st->stages, st->nstages++, &cap, sizeof(stage))))
            return false;
    }
    while (accept(p, TK_PIPE)) {
        stage *last = push_elem(p, &st->stages, st->nstages++, &cap, sizeof(stage));
        if (!stage_rule(p, last)) return false;
        bool mutation = last->kind == S_SET || last->kind == S_RETIER || last->kind == S_ASSIGN;
        if (mutation && accept_kw(p, "preview")) last->preview = true;
        if (mutation && p->t.kind == TK_PIPE && peek_is(p, "preview")) { /* "| preview" */
            next(p);
            next(p);
            last->preview = true;
        }
    }
    return true;
}

/* kpi_stmt    -> KPI …           (as accounts | kpi …)
 * report_stmt -> REPORT FOR …    (as accounts | report for …) */
static bool kpi_stmt(parser *p, stmt *st)
{
    st->kind = ST_QUERY;
    st->source = SRC_ACCOUNTS;
    st->src_off = p->t.off;
    st->src_len = 0;
    st->stages = arena_alloc(p->a, sizeof(stage));
    st->nstages = 1;
    return stage_rule(p, st->stages);
}

/* undo -> UNDO [ INT ] [ FORCE ] */
static bool undo_stmt(parser *p, stmt *st)
{
    st->kind = ST_UNDO;
    next(p);
    if (p->t.kind == TK_INT) {
        value v = lex_number(&p->lx, &p->t);
        if (v.i <= 0) {
            diag_set(p->d, DIAG_SEMANTIC, p->t.off, p->t.len, "a batch number is 1 or more");
            return false;
        }
        st->batch = v.i;
        next(p);
    }
    st->force = accept_kw(p, "force");
    return true;
}

/* import -> IMPORT source FROM string { MAP mapping { ',' mapping } | option }
 * mapping -> name '=' expr
 * option -> ON ERROR (SKIP | ABORT) | ON CONFLICT (UPDATE | SKIP) | DATES (US | ISO)
 * Each option at most once: a second one is an error, even when it agrees. */
static bool import_stmt(parser *p, stmt *st)
{
    st->kind = ST_IMPORT;
    next(p);
    int src = source_of(p);
    if (src < 0 || src == SRC_HISTORY) {
        expected(p, "accounts, managers or interactions");
        return false;
    }
    st->source = (uint8_t)src;
    st->src_off = p->t.off;
    st->src_len = p->t.len;
    next(p);
    if (!expect_kw(p, "from")) return false;
    if (!(st->file = string_lit(p, "a file name in quotes", &st->file_off, &st->file_len)))
        return false;
    int cap = 0;
    mapping *m = NULL;
    unsigned seen = 0; /* options given: 1 on error, 2 on conflict, 4 dates */
    for (;;) {
        uint32_t opt_off = p->t.off;
        unsigned opt = 0;
        if (accept_kw(p, "map")) {
            do {
                /* one array across all map clauses */
                mapping *mp = push_elem(p, &m, st->nmaps++, &cap, sizeof *mp);
                mp->off = p->t.off;
                mp->len = p->t.len;
                if (!(mp->field = name(p, "a field name"))) return false;
                if (!expect(p, TK_EQ)) return false;
                if (!(mp->e = expr(p))) return false;
            } while (accept(p, TK_COMMA));
            st->maps = m;
        } else if (accept_kw(p, "on")) {
            if (accept_kw(p, "error")) {
                opt = 1;
                if (accept_kw(p, "skip"))
                    st->skip_errors = true;
                else if (accept_kw(p, "abort"))
                    st->skip_errors = false;
                else
                    return expected(p, "'skip' or 'abort'"), false;
            } else if (accept_kw(p, "conflict")) {
                opt = 2;
                if (accept_kw(p, "skip"))
                    st->skip_conflict = true;
                else if (accept_kw(p, "update"))
                    st->skip_conflict = false;
                else
                    return expected(p, "'update' or 'skip'"), false;
            } else {
                return expected(p, "'error' or 'conflict'"), false;
            }
        } else if (accept_kw(p, "dates")) {
            opt = 4;
            if (accept_kw(p, "us"))
                st->dates_us = true;
            else if (accept_kw(p, "iso"))
                st->dates_us = false;
            else
                return expected(p, "'us' or 'iso'"), false;
        } else {
            return true;
        }
        if (seen & opt) {
            static const char *const names[] = {"", "on error", "on conflict", "", "dates"};
            diag_set(p->d, DIAG_SEMANTIC, opt_off, p->prev.off + p->prev.len - opt_off,
                     "'%s' is given twice", names[opt]);
            return false;
        }
        seen |= opt;
    }
}

/* Skips blank space and comments; true when something else remains. */
static bool skip_blank(const char *src, size_t len, size_t *pos)
{
    size_t i = *pos;
    for (;;) {
        while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r' ||
                           src[i] == '\f' || src[i] == '\v'))
            i++;
        if (i + 1 < len && src[i] == '-' && src[i + 1] == '-') {
            while (i < len && src[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    *pos = i;
    return i < len;
}

/* After an error: moves *POS past the next ';' token (or to the end). */
static void recover(const char *src, size_t len, size_t from, size_t *pos)
{
    diag d;
    diag_clear(&d);
    lexer lx;
    lex_init(&lx, src, len, &d);
    lx.pos = from;
    token t;
    for (;;) {
        int k = lex_next(&lx, &t);
        if (k == TK_EOF) break;
        if (k == TK_ERROR) {
            /* skip the bad byte and go on */
            diag_clear(&d);
            lx.pos = t.off + (t.len ? t.len : 1);
            if (lx.pos > len) lx.pos = len;
            continue;
        }
        if (k == TK_SEMI) break;
    }
    *pos = lx.pos;
}

/* statement -> ( query | import | undo | kpi_stmt | report_stmt | ';' ) ( ';' | end of input ) */
int parse_statement(arena *a, const char *src, size_t len, size_t *pos, const parser_opts *o,
                    stmt **out, diag *d)
{
    *out = NULL;
    if (!skip_blank(src, len, pos)) return 0;
    parser p = {.a = a, .d = d, .o = o};
    lex_init(&p.lx, src, len, d);
    p.lx.pos = *pos;
    next(&p);
    while (p.t.kind == TK_SEMI) { /* empty statements */
        next(&p);
        if (p.t.kind == TK_EOF) {
            *pos = len;
            return 0;
        }
    }
    size_t start = p.t.off;
    stmt *st = arena_calloc(a, 1, sizeof *st);
    st->off = (uint32_t)start;
    bool ok;
    if (source_of(&p) >= 0)
        ok = query(&p, st);
    else if (is_kw(&p, "import"))
        ok = import_stmt(&p, st);
    else if (is_kw(&p, "undo"))
        ok = undo_stmt(&p, st);
    else if (is_kw(&p, "kpi") || is_kw(&p, "report"))
        ok = kpi_stmt(&p, st);
    else {
        expected(&p, "a statement (a source such as accounts, import, undo, kpi or report)");
        ok = false;
    }
    if (ok && p.t.kind != TK_SEMI && p.t.kind != TK_EOF) {
        expected(&p, st->kind == ST_QUERY && st->src_len ? "'|' or ';'" : "';'");
        ok = false;
    }
    if (!ok || failed(&p)) {
        if (d->code == DIAG_OK) diag_set(d, DIAG_SYNTAX, p.t.off, p.t.len, "syntax error");
        /* go on after the ';' that ends this statement */
        size_t from = p.t.kind == TK_SEMI ? p.t.off : p.t.off + p.t.len;
        if (p.t.kind == TK_SEMI)
            *pos = p.t.off + 1;
        else
            recover(src, len, from > len ? len : from, pos);
        return -1;
    }
    st->len = (uint32_t)(p.prev.off + p.prev.len - start);
    *pos = p.t.kind == TK_SEMI ? p.t.off + 1 : len;
    *out = st;
    return 1;
}

node *parse_expression(arena *a, const char *src, size_t len, const parser_opts *o, diag *d)
{
    parser p = {.a = a, .d = d, .o = o};
    lex_init(&p.lx, src, len, d);
    next(&p);
    node *e = expr(&p);
    if (e && p.t.kind != TK_EOF) e = expected(&p, "end of expression");
    return failed(&p) ? NULL : e;
}

/* True when a '/' after token PREV would start an operand (a regex), not divide. */
static bool operand_expected(const lexer *lx, const token *prev, bool first)
{
    static const char *const kws[] = {"where",  "select", "by",   "agg",  "sort", "limit",
                                      "offset", "map",    "from", "then", "else"};
    if (first) return true;
    switch (prev->kind) {
    case TK_IDENT:
        if (lex_reserved(lx->src + prev->off, prev->len)) return true;
        for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
            if (lex_is(lx, prev, kws[i])) return true;
        return false;
    default: return !lex_ends_operand(prev->kind);
    }
}

bool parse_is_complete(const char *src, size_t len)
{
    size_t i = 0;
    if (!skip_blank(src, len, &i)) return false;
    if (src[i] == '.') return true;
    diag d;
    diag_clear(&d);
    lexer lx;
    lex_init(&lx, src, len, &d);
    lx.pos = i;
    token t, prev = {0};
    int depth = 0;
    bool first = true;
    for (;;) {
        int k = lex_next(&lx, &t);
        if (k == TK_SLASH && operand_expected(&lx, &prev, first)) k = lex_regex(&lx, &t);
        if (k == TK_EOF) return false;
        if (k == TK_ERROR) {
            /* an unterminated string, identifier or regex wants more input; other errors are
             * complete */
            char c = src[t.off];
            if ((c == '"' || c == '\'' || c == '`' || c == '/') && lx.pos >= len) return false;
            if (c == '/' && t.off + t.len >= len) return false;
            if (t.off + 1 >= len) return false;
            return true;
        }
        if (k == TK_LPAREN)
            depth++;
        else if (k == TK_RPAREN && depth > 0)
            depth--;
        else if (k == TK_SEMI && depth == 0)
            return true;
        prev = t;
        first = false;
    }
}
