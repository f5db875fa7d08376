/* complete.c: what Tab offers, from the tokens before the cursor; see complete.h. */
#include "complete.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "csv.h"
#include "lex.h"
#include "parse.h"
#include "record.h"
#include "render.h"
#include "rfm.h"

const char complete_quotes[] = "\"'`";

const char *complete_breaks(bool dot_line)
{
    return dot_line ? " \t\n" : " \t\n\"'`()|,;=<>!~+*/%.";
}

/* ---- the candidate list ---- */

typedef struct clist {
    char **v;
    int n, cap;
    const char *word; /* what is typed so far, and its length */
    size_t wlen;
    int quote;  /* the open quote before the word, or 0 */
    bool upper; /* the word is in capitals: so are the keywords offered */
    bool bare;  /* file names need no quotes (dot-command arguments) */
} clist;

static void push(clist *c, char *s)
{
    if (c->n + 1 >= c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = xrealloc(c->v, sizeof(char *) * (size_t)c->cap);
    }
    c->v[c->n++] = s;
    c->v[c->n] = NULL;
}

static bool prefix_ci(const char *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || tolower((unsigned char)s[i]) != tolower((unsigned char)p[i])) return false;
    return true;
}

static bool prefix_cs(const char *s, const char *p, size_t n)
{
    return strncmp(s, p, n) == 0 && strlen(s) >= n;
}

/* A keyword (or any word the lexer reads case-insensitively). */
static void add_kw(clist *c, const char *kw)
{
    if (c->quote || !prefix_ci(kw, c->word, c->wlen)) return;
    char *s = xstrdup(kw);
    if (c->upper)
        for (char *p = s; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    push(c, s);
}

static void add_kws(clist *c, const char *const *kws)
{
    for (; *kws; kws++)
        add_kw(c, *kws);
}

/* A word offered as it is: dot-commands and their arguments. */
static void add_raw(clist *c, const char *w)
{
    if (prefix_ci(w, c->word, c->wlen)) push(c, xstrdup(w));
}

/* A function, with its opening parenthesis. */
static void add_func(clist *c, const char *name)
{
    if (c->quote || !prefix_ci(name, c->word, c->wlen)) return;
    size_t n = strlen(name);
    char *s = xmalloc(n + 2);
    memcpy(s, name, n);
    if (c->upper)
        for (size_t i = 0; i < n; i++)
            s[i] = (char)toupper((unsigned char)s[i]);
    s[n] = '(';
    s[n + 1] = 0;
    push(c, s);
}

static bool plain_ident(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_')) return false;
    return !lex_reserved(s, strlen(s));
}

/* A field or column name: backticked when it must be. */
static void add_field(clist *c, const char *name)
{
    if (c->quote && c->quote != '`') return;
    if (!prefix_ci(name, c->word, c->wlen)) return;
    if (c->quote == '`' || plain_ident(name)) {
        push(c, xstrdup(name));
        return;
    }
    size_t n = strlen(name), k = 0;
    char *s = xmalloc(2 * n + 3);
    s[k++] = '`';
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '`') s[k++] = '`';
        s[k++] = name[i];
    }
    s[k++] = '`';
    s[k] = 0;
    push(c, s);
}

/* A string value (a manager id): in double quotes unless a quote is open. */
static void add_string(clist *c, const char *val, size_t len)
{
    if (c->quote == '`') return;
    if (len < c->wlen || strncmp(val, c->word, c->wlen) != 0) return;
    if (c->quote) {
        char *s = xmalloc(len + 1);
        memcpy(s, val, len);
        s[len] = 0;
        push(c, s);
        return;
    }
    char *s = xmalloc(len + 3);
    s[0] = '"';
    memcpy(s + 1, val, len);
    s[len + 1] = '"';
    s[len + 2] = 0;
    push(c, s);
}

/* A file name; a directory ends in '/' and stays open for more. */
static void add_path(clist *c, const char *path, bool dir)
{
    if (c->quote == '`') return;
    size_t n = strlen(path);
    bool q = !c->quote && !(c->bare && !strpbrk(path, " \t\"'"));
    char *s = xmalloc(n + 4), *p = s;
    if (q) *p++ = '"';
    memcpy(p, path, n);
    p += n;
    if (dir)
        *p++ = '/';
    else if (q)
        *p++ = '"';
    *p = 0;
    push(c, s);
}

static void add_var(clist *c, const char *name)
{
    size_t n = strlen(name);
    char *s = xmalloc(n + 2);
    s[0] = '$';
    memcpy(s + 1, name, n + 1);
    if (prefix_cs(s, c->word, c->wlen))
        push(c, s);
    else
        free(s);
}

static bool has_ext(const char *name, const char *const *exts)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return false;
    for (; *exts; exts++)
        if (strcasecmp(dot + 1, *exts) == 0) return true;
    return false;
}

/* Files and directories whose path starts with the word; with EXTS only
 * files of those extensions (all files when none has one). */
static void add_files(clist *c, const char *const *exts)
{
    char *w = xmalloc(c->wlen + 1);
    memcpy(w, c->word, c->wlen);
    w[c->wlen] = 0;
    char *slash = strrchr(w, '/');
    const char *base = slash ? slash + 1 : w;
    size_t dlen = slash ? (size_t)(slash - w) + 1 : 0;
    char *dir = xmalloc(dlen + 2);
    memcpy(dir, w, dlen);
    dir[dlen] = 0;
    if (!dlen) strcpy(dir, ".");
    for (int pass = 0; pass < 2; pass++) {
        int before = c->n;
        DIR *d = opendir(dir);
        if (!d) break;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            const char *nm = e->d_name;
            if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
            if (nm[0] == '.' && base[0] != '.') continue;
            if (strncmp(nm, base, strlen(base)) != 0) continue;
            size_t pl = dlen + strlen(nm);
            char *path = xmalloc(pl + 1);
            memcpy(path, w, dlen);
            strcpy(path + dlen, nm);
            struct stat st;
            bool isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
            if (isdir || pass == 1 || !exts || has_ext(nm, exts)) add_path(c, path, isdir);
            free(path);
        }
        closedir(d);
        bool files = false;
        for (int i = before; i < c->n; i++)
            files |= c->v[i][strlen(c->v[i]) - 1] != '/';
        if (files || !exts) break;
        for (int i = before; i < c->n; i++) /* none of those kinds: offer every file */
            free(c->v[i]);
        c->n = before;
        if (c->v) c->v[c->n] = NULL;
    }
    free(dir);
    free(w);
}

/* ---- tokens of the statement before the cursor ---- */

typedef struct cx {
    const complete_env *env;
    clist *c;
    lexer lx; /* over the input, for keyword tests and literal text */
    token *t; /* the current statement's tokens */
    int n;
    arena a;
    store_txn *txn; /* opened on first use */
    bool txn_tried;
} cx;

static bool kw(const cx *x, int i, const char *w)
{
    return i >= 0 && i < x->n && lex_is(&x->lx, &x->t[i], w);
}

static bool kind(const cx *x, int i, int k)
{
    return i >= 0 && i < x->n && x->t[i].kind == k;
}

/* The name a token stands for (identifier, `quoted`, or "string"), in the arena. */
static const char *tok_name(cx *x, int i)
{
    const token *t = &x->t[i];
    char *buf = arena_alloc(&x->a, t->len + 1);
    size_t n;
    if (t->kind == TK_QIDENT)
        n = lex_qident(&x->lx, t, buf);
    else if (t->kind == TK_STRING)
        n = lex_string(&x->lx, t, buf);
    else
        memcpy(buf, x->lx.src + t->off, n = t->len);
    buf[n] = 0;
    return buf;
}

static size_t skip_blank(const char *s, size_t len, size_t i)
{
    for (;;) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
            continue;
        }
        return i;
    }
}

enum { SCAN_STMT, SCAN_DOT, SCAN_NONE };

/* Lexes TEXT[0..END) into the tokens of the statement the cursor is in
 * (those after the last top-level ';'). Returns SCAN_DOT with *DOT at the '.'
 * when the cursor is on a dot-command line, SCAN_NONE inside a regex or after
 * a lexical error, else SCAN_STMT. */
static int scan(cx *x, const char *text, size_t end, size_t *dot)
{
    diag d;
    diag_clear(&d);
    lex_init(&x->lx, text, end, &d);
    int cap = 0, depth = 0;
    x->n = 0;
    size_t pos = 0;
    for (;;) {
        if (x->n == 0) { /* a dot-command line at a statement boundary */
            pos = skip_blank(text, end, pos);
            size_t bol = pos;
            while (bol > 0 && (text[bol - 1] == ' ' || text[bol - 1] == '\t'))
                bol--;
            if (pos < end && text[pos] == '.' && (bol == 0 || text[bol - 1] == '\n')) {
                const char *nl = memchr(text + pos, '\n', end - pos);
                if (!nl) {
                    *dot = pos;
                    return SCAN_DOT;
                }
                pos = (size_t)(nl - text) + 1;
                continue;
            }
            x->lx.pos = pos;
        }
        token t;
        int k = lex_next(&x->lx, &t);
        if (k == TK_EOF) return SCAN_STMT;
        if (k == TK_ERROR) return SCAN_NONE;
        if (k == TK_SLASH) { /* a regex where an operand goes */
            int p = x->n ? x->t[x->n - 1].kind : TK_EOF;
            if (p == TK_MATCH || p == TK_NMATCH || p == TK_LPAREN || p == TK_COMMA || p == TK_EQ ||
                p == TK_NE) {
                if (lex_regex(&x->lx, &t) != TK_REGEX) return SCAN_NONE;
                k = TK_REGEX;
            }
        }
        if (k == TK_SEMI && depth == 0) {
            x->n = 0;
            pos = x->lx.pos;
            continue;
        }
        if (k == TK_LPAREN) depth++;
        if (k == TK_RPAREN && depth > 0) depth--;
        if (x->n == cap) {
            cap = cap ? cap * 2 : 64;
            token *nt = arena_alloc(&x->a, sizeof(token) * (size_t)cap);
            if (x->n) memcpy(nt, x->t, sizeof(token) * (size_t)x->n);
            x->t = nt;
        }
        x->t[x->n++] = t;
        pos = x->lx.pos;
    }
}

bool complete_is_dot_line(const char *text, size_t len)
{
    cx x = {0};
    arena_init(&x.a);
    size_t dot;
    bool r = scan(&x, text, len, &dot) == SCAN_DOT;
    arena_free(&x.a);
    return r;
}

size_t complete_word_start(const char *text, size_t len, int *quote)
{
    /* an open quote on the current line: the word starts after it */
    size_t bol = len;
    while (bol > 0 && text[bol - 1] != '\n')
        bol--;
    int q = 0;
    size_t qpos = 0;
    for (size_t i = bol; i < len; i++) {
        char ch = text[i];
        if (q) {
            if (ch == '\\' && q != '`' && i + 1 < len)
                i++;
            else if (ch == q)
                q = 0;
        } else if (strchr(complete_quotes, ch) && ch) {
            q = ch;
            qpos = i;
        }
    }
    *quote = q;
    if (q) return qpos + 1;
    const char *brk = complete_breaks(complete_is_dot_line(text, len));
    size_t i = len;
    while (i > bol && !strchr(brk, text[i - 1]))
        i--;
    return i;
}

/* ---- what goes where ---- */

static const char *const source_kws[] = {"accounts", "managers", "interactions", "history", NULL};
static const char *const stage_kws[] = {"where", "sort",  "limit",  "select", "group",
                                        "agg",   "count", "export", NULL};
static const char *const mutation_kws[] = {"set", "retier", "assign", "preview", NULL};
static const char *const operand_kws[] = {"not",   "case",  "null", "true",
                                          "false", "today", "now",  NULL};
static const char *const import_exts[] = {"csv", "tsv", "txt", NULL};
static const char *const export_exts[] = {"csv", "tsv", "json", "jsonl", NULL};

static store_txn *txn(cx *x)
{
    if (!x->txn_tried) {
        x->txn_tried = true;
        if (x->env->db && store_begin(x->env->db, false, &x->txn) != 0) x->txn = NULL;
    }
    return x->txn;
}

/* Field names of ENTITY (with DERIVED, the read-only ones too). */
static void add_schema(cx *x, int entity, bool derived)
{
    store_txn *t = txn(x);
    if (!t) return;
    const schema *sc = store_schema(t, entity);
    for (int i = 0; i < sc->n; i++)
        if (derived || !(sc->f[i].flags & FLD_DERIVED)) add_field(x->c, sc->f[i].name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_manager_ids(cx *x)
{
    store_txn *t = txn(x);
    store_cursor *cur;
    if (!t || store_scan(t, ENT_MANAGERS, NULL, 0, &cur) != 0) return;
    const uint8_t *rec;
    size_t len;
    while (store_next(cur, &rec, &len) == 1) {
        value v = rec_get(rec, len, M_ID);
        if (v.type == T_TEXT) add_string(x->c, v.s, v.len);
    }
    store_cursor_close(cur);
}

/* The rows in play at a stage: the source's fields, or the columns a
 * select, group or agg made. */
typedef struct shape {
    int entity;
    bool src; /* still the source's rows: account.x and manager.x paths work */
    bool rfm; /* accounts rows after rfm: r, f, m, rfm, … too */
    const char **names;
    int n, cap;
} shape;

static void shape_add(cx *x, shape *s, const char *name)
{
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 16;
        const char **nn = arena_alloc(&x->a, sizeof(char *) * (size_t)nc);
        if (s->n) memcpy(nn, s->names, sizeof(char *) * (size_t)s->n);
        s->names = nn;
        s->cap = nc;
    }
    s->names[s->n++] = name;
}

/* Adds the name of the item in tokens [A, B): its AS name, the field it is,
 * or its source text (as the planner names columns). */
static void item_name(cx *x, shape *s, int a, int b)
{
    if (a >= b) return;
    if (b - a >= 3 && kw(x, b - 2, "as"))
        shape_add(x, s, tok_name(x, b - 1));
    else if (b - a == 1 && (kind(x, a, TK_IDENT) || kind(x, a, TK_QIDENT)))
        shape_add(x, s, tok_name(x, a));
    else if (b - a == 3 && kind(x, a + 1, TK_DOT))
        shape_add(x, s, tok_name(x, a + 2));
    else {
        size_t off = x->t[a].off, end = x->t[b - 1].off + x->t[b - 1].len;
        shape_add(x, s, arena_strndup(&x->a, x->lx.src + off, end - off));
    }
}

/* Adds the names of the comma-separated items in [A, B), stopping at a
 * top-level keyword STOP (may be NULL); returns where it stopped. */
static int items(cx *x, shape *s, int a, int b, const char *stop)
{
    int depth = 0, from = a, i = a;
    for (; i < b; i++) {
        int k = x->t[i].kind;
        if (k == TK_LPAREN) depth++;
        if (k == TK_RPAREN) depth--;
        if (depth == 0 && stop && kw(x, i, stop)) break;
        if (depth == 0 && k == TK_COMMA) {
            item_name(x, s, from, i);
            from = i + 1;
        }
    }
    item_name(x, s, from, i);
    return i;
}

/* The shape after the complete stage in tokens [A, B). */
static void apply_stage(cx *x, shape *s, int a, int b)
{
    shape o = {.entity = s->entity};
    if (kw(x, a, "select")) {
        items(x, &o, a + 1, b, NULL);
    } else if (kw(x, a, "group")) {
        int i = items(x, &o, a + 2, b, "agg");
        if (i < b) items(x, &o, i + 1, b, NULL);
    } else if (kw(x, a, "agg")) {
        items(x, &o, a + 1, b, NULL);
    } else if (kw(x, a, "count")) {
        shape_add(x, &o, "count");
    } else if (kw(x, a, "rfm")) { /* the rows stay, with fields added */
        s->rfm = s->src && s->entity == ENT_ACCOUNTS;
        return;
    } else {
        return;
    }
    *s = o;
}

static void add_shape(cx *x, const shape *s)
{
    if (s->src) {
        add_schema(x, s->entity, true);
        for (int i = 0; s->rfm && i < rfm_fields_def.n; i++)
            add_field(x->c, rfm_fields_def.names[i]);
        return;
    }
    for (int i = 0; i < s->n; i++)
        add_field(x->c, s->names[i]);
}

/* True when token I ends an operand (so an operator may follow). */
static bool ends_operand(const cx *x, int i)
{
    if (i < 0 || i >= x->n) return false;
    switch (x->t[i].kind) {
    case TK_IDENT: {
        static const char *const ops[] = {"and",  "or",    "not",   "in",     "is",    "between",
                                          "like", "ilike", "as",    "asc",    "desc",  "when",
                                          "then", "else",  "case",  "by",     "where", "select",
                                          "sort", "agg",   "group", "offset", NULL};
        for (const char *const *o = ops; *o; o++)
            if (lex_is(&x->lx, &x->t[i], *o)) return false;
        return true;
    }
    default: return lex_ends_operand(x->t[i].kind);
    }
}

/* Index of the unclosed '(' before the end, or -1. */
static int open_paren(const cx *x, int from)
{
    int depth = 0;
    for (int i = x->n - 1; i >= from; i--) {
        if (x->t[i].kind == TK_RPAREN) depth++;
        if (x->t[i].kind == TK_LPAREN && depth-- == 0) return i;
    }
    return -1;
}

/* True when token I is the field that holds manager ids. */
static bool manager_field(cx *x, const shape *s, int i)
{
    if (!kind(x, i, TK_IDENT) || kind(x, i - 1, TK_DOT)) return false;
    if (kind(x, i + 1, TK_DOT)) return false;
    if (s->entity == ENT_MANAGERS) return s->src && kw(x, i, "id");
    return (s->entity == ENT_ACCOUNTS || s->entity == ENT_INTERACTIONS) && kw(x, i, "manager");
}

enum {
    EX_ITEMS = 1,     /* select, group and agg items: "as" */
    EX_SORT = 2,      /* sort keys: asc, desc */
    EX_AGG = 4,       /* aggregates allowed */
    EX_GROUPKEYS = 8, /* group keys: agg may follow */
    EX_PREVIEW = 16,  /* the end of a mutation: preview may follow */
    EX_BANDS = 32,    /* retier by EXPR: the bands follow */
    EX_ASSIGN = 64,   /* assign to managers where EXPR: the strategy follows */
};

/* An expression from token E to the cursor, over the rows of S. */
static void expression(cx *x, const shape *s, int e, unsigned flags)
{
    clist *c = x->c;
    int n = x->n, p = n - 1;
    int cases = 0;
    for (int i = e; i < n; i++)
        cases += kw(x, i, "case") - kw(x, i, "end");
    if (p >= e && kind(x, p, TK_DOT)) { /* a path: account.x, manager.x */
        if (!s->src || !kind(x, p - 1, TK_IDENT)) return;
        if (s->entity == ENT_INTERACTIONS && kw(x, p - 1, "account"))
            add_schema(x, ENT_ACCOUNTS, true);
        else if (s->entity == ENT_ACCOUNTS && kw(x, p - 1, "manager"))
            add_schema(x, ENT_MANAGERS, true);
        return;
    }
    if (p >= e && kw(x, p, "as")) return; /* a new name */
    if (p >= e && kw(x, p, "is")) {
        static const char *const w[] = {"not", "null", NULL};
        add_kws(c, w);
        return;
    }
    if (p >= e && kw(x, p, "not") && kw(x, p - 1, "is")) {
        add_kw(c, "null");
        return;
    }
    if (p >= e && kw(x, p, "not") && ends_operand(x, p - 1)) {
        static const char *const w[] = {"in", "between", "like", "ilike", NULL};
        add_kws(c, w);
        return;
    }
    if (p >= e && kw(x, p, "in")) return; /* a list or a period */
    if (p >= e && kw(x, p, "case")) {
        add_kw(c, "when");
        return;
    }
    if (p >= e && ends_operand(x, p)) {
        static const char *const ops[] = {"and",     "or",   "not",   "in", "is",
                                          "between", "like", "ilike", NULL};
        add_kws(c, ops);
        if (flags & EX_ITEMS) add_kw(c, "as");
        if (flags & EX_SORT) {
            add_kw(c, "asc");
            add_kw(c, "desc");
        }
        if (flags & EX_GROUPKEYS) add_kw(c, "agg");
        if (flags & (EX_PREVIEW | EX_ASSIGN)) add_kw(c, "preview");
        if (flags & EX_ASSIGN) {
            add_kw(c, "round-robin");
            add_kw(c, "balanced");
        }
        if (flags & EX_BANDS) {
            static const char *const w[] = {"top", "share", "next", "rest", NULL};
            add_kws(c, w);
        }
        if (cases > 0) {
            static const char *const w[] = {"when", "then", "else", "end", NULL};
            add_kws(c, w);
        }
        return;
    }
    /* an operand: manager ids where they are compared with manager */
    if ((kind(x, p, TK_EQ) || kind(x, p, TK_NE)) && manager_field(x, s, p - 1)) {
        add_manager_ids(x);
        return;
    }
    if (kind(x, p, TK_LPAREN) || kind(x, p, TK_COMMA)) {
        int k = open_paren(x, e);
        if (k > 0 && kw(x, k - 1, "in") &&
            (manager_field(x, s, k - 2) || (kw(x, k - 2, "not") && manager_field(x, s, k - 3)))) {
            add_manager_ids(x);
            return;
        }
    }
    add_shape(x, s);
    for (int i = 0; i < F_NFUNCS; i++)
        add_func(c, fn_names[i]);
    if (flags & EX_AGG)
        for (int i = 0; i < AG_NAGGS; i++)
            add_func(c, agg_names[i]);
    add_kws(c, operand_kws);
}

/* The start of the current comma-separated part from token E: E itself, or
 * just after the last top-level comma. */
static int part_start(const cx *x, int e)
{
    int from = e, depth = 0;
    for (int i = e; i < x->n; i++) {
        depth += kind(x, i, TK_LPAREN) - kind(x, i, TK_RPAREN);
        if (depth == 0 && kind(x, i, TK_COMMA)) from = i + 1;
    }
    return from;
}

/* set FIELD = EXPR, ... */
static void set_stage(cx *x, const shape *s, int e)
{
    int from = part_start(x, e);
    if (from == x->n) { /* a field that can be set: not the key, not derived */
        store_txn *t = txn(x);
        if (!t) return;
        const schema *sc = store_schema(t, ENT_ACCOUNTS);
        for (int i = 0; i < sc->n; i++)
            if (!(sc->f[i].flags & (FLD_DERIVED | FLD_KEY))) add_field(x->c, sc->f[i].name);
        return;
    }
    if (kind(x, from + 1, TK_EQ)) expression(x, s, from + 2, EX_PREVIEW);
}

/* retier by EXPR band, ...   band = top P% | share P% | next P% | rest, then = TIER */
static void retier_stage(cx *x, const shape *s, int e)
{
    static const char *const bands[] = {"top", "share", "next", "rest", NULL};
    if (x->n == e) {
        add_kw(x->c, "by");
        return;
    }
    if (!kw(x, e, "by")) return;
    int b = -1; /* the first band keyword */
    for (int i = e + 1; i < x->n && b < 0; i++)
        for (int k = 0; bands[k]; k++)
            if (kw(x, i, bands[k]) && !kind(x, i - 1, TK_DOT)) b = i;
    if (b < 0) {
        expression(x, s, e + 1, EX_BANDS);
        return;
    }
    int from = part_start(x, b);
    if (from == x->n) {
        add_kws(x->c, bands);
        return;
    }
    if (x->n > from + 1 && kind(x, x->n - 1, TK_EQ)) return; /* a tier: 1, 2 or 3 */
    if (ends_operand(x, x->n - 1) && kind(x, x->n - 2, TK_EQ)) add_kw(x->c, "preview");
}

/* assign to TARGETS [round-robin | balanced [by revenue]] [preview] (spec §5) */
static void assign_stage(cx *x, int s)
{
    static const char *const after[] = {"round-robin", "balanced", "preview", NULL};
    int n = x->n, p = n - 1;
    if (n == s + 1) {
        add_kw(x->c, "to");
        return;
    }
    if (!kw(x, s + 1, "to")) return;
    if (n == s + 2) {
        add_manager_ids(x);
        add_kw(x->c, "managers");
        return;
    }
    if (kw(x, p, "balanced")) {
        add_kw(x->c, "by");
        add_kw(x->c, "preview");
        return;
    }
    if (kw(x, p, "by") && kw(x, p - 1, "balanced")) {
        add_kw(x->c, "revenue");
        return;
    }
    if (kw(x, p, "robin") || kw(x, p, "revenue")) {
        add_kw(x->c, "preview");
        return;
    }
    if (kind(x, s + 2, TK_LPAREN)) {
        if (open_paren(x, s + 2) == s + 2) {
            if (kind(x, p, TK_LPAREN) || kind(x, p, TK_COMMA)) add_manager_ids(x);
        } else if (kind(x, p, TK_RPAREN)) {
            add_kws(x->c, after);
        }
        return;
    }
    if (kind(x, s + 2, TK_STRING)) {
        if (n == s + 3) add_kws(x->c, after);
        return;
    }
    if (kw(x, s + 2, "managers")) {
        if (n == s + 3) {
            add_kw(x->c, "where");
            add_kws(x->c, after);
            return;
        }
        if (kw(x, s + 3, "where")) {
            shape m = {.entity = ENT_MANAGERS, .src = true};
            expression(x, &m, s + 4, EX_ASSIGN);
        }
    }
}

/* retention by PERIOD { periods N | counts | cumulative | revenue | from created
 *                      | activity interactions [where EXPR] } */
static void retention_stage(cx *x, int s)
{
    static const char *const units[] = {"week", "month", "quarter", "year", NULL};
    static const char *const opts[] = {"periods", "counts",   "cumulative", "revenue",
                                       "from",    "activity", NULL};
    int n = x->n, p = n - 1;
    if (n == s + 1) {
        add_kw(x->c, "by");
        return;
    }
    if (n == s + 2) {
        if (kw(x, s + 1, "by")) add_kws(x->c, units);
        return;
    }
    for (int i = s + 3; i < n; i++) { /* activity interactions where EXPR */
        if (kw(x, i, "where") && kw(x, i - 1, "interactions") && kw(x, i - 2, "activity")) {
            shape in = {.entity = ENT_INTERACTIONS, .src = true};
            expression(x, &in, i + 1, 0);
            if (ends_operand(x, p)) add_kws(x->c, opts);
            return;
        }
    }
    if (kw(x, p, "periods")) return; /* a number */
    if (kw(x, p, "from")) {
        add_kw(x->c, "created");
        return;
    }
    if (kw(x, p, "activity")) {
        add_kw(x->c, "interactions");
        return;
    }
    if (kw(x, p, "interactions")) add_kw(x->c, "where");
    add_kws(x->c, opts);
}

static void query(cx *x)
{
    int entity = -1;
    for (int i = 0; source_kws[i]; i++)
        if (kw(x, 0, source_kws[i])) entity = i; /* source_kind = entity_kind */
    if (entity < 0) return;
    shape sh = {.entity = entity, .src = true};
    int s = 1, depth = 0;
    for (int i = 1; i < x->n; i++) {
        int k = x->t[i].kind;
        if (k == TK_LPAREN) depth++;
        if (k == TK_RPAREN) depth--;
        if (k == TK_PIPE && depth == 0) {
            apply_stage(x, &sh, s, i);
            s = i + 1;
        }
    }
    int n = x->n;
    if (s == n) {
        if (s == 1) {
            add_kw(x->c, "where");
        } else {
            add_kws(x->c, stage_kws);
            if (entity == ENT_ACCOUNTS || entity == ENT_INTERACTIONS) add_kw(x->c, "retention");
            if (entity == ENT_ACCOUNTS) {
                add_kws(x->c, mutation_kws);
                add_kw(x->c, "kpi");
                add_kw(x->c, "report");
                add_kw(x->c, "rfm");
            }
        }
        return;
    }
    if (kw(x, s, "where")) {
        expression(x, &sh, s + 1, 0);
    } else if (kw(x, s, "sort")) {
        int e = kw(x, s + 1, "by") ? s + 2 : s + 1;
        if (n == s + 1) add_kw(x->c, "by");
        expression(x, &sh, e, EX_SORT);
    } else if (kw(x, s, "select")) {
        expression(x, &sh, s + 1, EX_ITEMS);
    } else if (kw(x, s, "group")) {
        if (n == s + 1) {
            add_kw(x->c, "by");
            return;
        }
        int a = -1, depth2 = 0;
        for (int i = s + 2; i < n; i++) {
            depth2 += kind(x, i, TK_LPAREN) - kind(x, i, TK_RPAREN);
            if (depth2 == 0 && kw(x, i, "agg")) a = i;
        }
        if (a < 0)
            expression(x, &sh, s + 2, EX_ITEMS | EX_GROUPKEYS);
        else
            expression(x, &sh, a + 1, EX_ITEMS | EX_AGG);
    } else if (kw(x, s, "agg")) {
        expression(x, &sh, s + 1, EX_ITEMS | EX_AGG);
    } else if (kw(x, s, "limit")) {
        if (n == s + 2 && ends_operand(x, s + 1)) add_kw(x->c, "offset");
    } else if (kw(x, s, "export")) {
        if (n == s + 1) add_files(x->c, export_exts);
    } else if (kw(x, s, "assign")) {
        assign_stage(x, s);
    } else if (kw(x, s, "retention")) {
        retention_stage(x, s);
    } else if (kw(x, s, "set")) {
        set_stage(x, &sh, s + 1);
    } else if (kw(x, s, "retier")) {
        retier_stage(x, &sh, s + 1);
    } else if (kw(x, s, "rfm")) { /* rfm over PERIOD */
        if (n == s + 1) add_kw(x->c, "over");
    }
}

/* Columns of the CSV file FILE (its header line). */
static void add_columns(cx *x, const char *file)
{
    const char *dot = strrchr(file, '.');
    char sep = dot && strcasecmp(dot, ".tsv") == 0 ? '\t' : ',';
    csv_reader *r;
    if (csv_open(file, sep, &r) != 0) return;
    csv_field *f;
    int nf;
    if (csv_next(r, &f, &nf) == 1)
        for (int i = 0; i < nf; i++)
            add_field(x->c, arena_strndup(&x->a, f[i].s, f[i].len));
    csv_close(r);
}

/* import SOURCE from "FILE" { map FIELD = EXPR, ... | on error ... | on conflict ... | dates ... }
 */
static void import_stmt(cx *x)
{
    clist *c = x->c;
    int n = x->n, p = n - 1;
    static const char *const targets[] = {"accounts", "managers", "interactions", NULL};
    if (n == 1) {
        add_kws(c, targets);
        return;
    }
    int entity = -1;
    for (int i = 0; targets[i]; i++)
        if (kw(x, 1, targets[i])) entity = i;
    if (entity < 0) return;
    if (n == 2) {
        add_kw(c, "from");
        return;
    }
    if (n == 3) {
        if (kw(x, 2, "from")) add_files(c, import_exts);
        return;
    }
    if (!kind(x, 3, TK_STRING)) return;
    static const char *const clauses[] = {"map", "on", "dates", NULL};
    if (kw(x, p, "on")) {
        static const char *const w[] = {"error", "conflict", NULL};
        add_kws(c, w);
        return;
    }
    if (kw(x, p, "error") && kw(x, p - 1, "on")) {
        static const char *const w[] = {"skip", "abort", NULL};
        add_kws(c, w);
        return;
    }
    if (kw(x, p, "conflict") && kw(x, p - 1, "on")) {
        static const char *const w[] = {"update", "skip", NULL};
        add_kws(c, w);
        return;
    }
    if (kw(x, p, "dates")) {
        static const char *const w[] = {"us", "iso", NULL};
        add_kws(c, w);
        return;
    }
    /* inside a map clause? */
    int m = -1, depth = 0;
    for (int i = 4; i < n; i++) {
        depth += kind(x, i, TK_LPAREN) - kind(x, i, TK_RPAREN);
        if (depth == 0 && (kw(x, i, "map") || kw(x, i, "on") || kw(x, i, "dates"))) m = i;
    }
    if (m < 0 || !kw(x, m, "map")) {
        add_kws(c, clauses);
        return;
    }
    /* the start of the current mapping: after map or a top-level comma */
    int from = m + 1;
    depth = 0;
    for (int i = m + 1; i < n; i++) {
        depth += kind(x, i, TK_LPAREN) - kind(x, i, TK_RPAREN);
        if (depth == 0 && kind(x, i, TK_COMMA)) from = i + 1;
    }
    if (from == n) { /* the field to fill */
        add_schema(x, entity, false);
        return;
    }
    if (from + 1 == n) return; /* '=' comes next */
    if (!kind(x, from + 1, TK_EQ)) return;
    const char *file = tok_name(x, 3);
    if (n > from + 2 && ends_operand(x, p)) {
        static const char *const ops[] = {"and",     "or",   "not",   "in", "is",
                                          "between", "like", "ilike", NULL};
        add_kws(c, ops);
        add_kws(c, clauses);
        return;
    }
    if (n > from + 2 && (kw(x, p, "is") || kw(x, p, "in") || kw(x, p, "as"))) return;
    add_columns(x, file);
    for (int i = 0; i < F_NFUNCS; i++)
        add_func(c, fn_names[i]);
    add_kws(c, operand_kws);
}

/* ---- dot-commands ---- */

enum { A_NONE, A_ONOFF, A_MODE, A_FILE, A_SOURCE, A_TOPIC, A_VAR };
static const struct {
    const char *name;
    int arg;
} dots[] = {
    {"bail", A_ONOFF}, {"complete", A_NONE},  {"confirm", A_ONOFF}, {"dryrun", A_ONOFF},
    {"exit", A_NONE},  {"headers", A_ONOFF},  {"help", A_TOPIC},    {"maxrows", A_NONE},
    {"mode", A_MODE},  {"nullvalue", A_NONE}, {"once", A_FILE},     {"output", A_FILE},
    {"quit", A_NONE},  {"read", A_FILE},      {"schema", A_SOURCE}, {"set", A_VAR},
    {"show", A_NONE},  {"stats", A_NONE},     {"target", A_NONE},   {"timer", A_ONOFF},
};
static const char *const help_topics[] = {"keys",      "sources", "stages", "functions",
                                          "variables", "scripts", NULL};

static void dot_command(cx *x, const char *text, size_t dot, size_t word)
{
    clist *c = x->c;
    if (word <= dot) {
        for (size_t i = 0; i < sizeof dots / sizeof dots[0]; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, ".%s", dots[i].name);
            add_raw(c, buf);
        }
        return;
    }
    size_t e = dot + 1;
    while (e < word && text[e] != ' ' && text[e] != '\t')
        e++;
    if (e >= word) return;            /* the word is still the command */
    for (size_t i = e; i < word; i++) /* only the first argument is completed ... */
        if (text[i] != ' ' && text[i] != '\t' && !(c->quote && i + 1 == word)) return;
    int arg = -1;
    for (size_t i = 0; i < sizeof dots / sizeof dots[0]; i++)
        if (strlen(dots[i].name) == e - dot - 1 &&
            memcmp(dots[i].name, text + dot + 1, e - dot - 1) == 0)
            arg = dots[i].arg;
    switch (arg) {
    case A_ONOFF:
        add_raw(c, "on");
        add_raw(c, "off");
        break;
    case A_MODE:
        for (int m = 0; m < MODE_NMODES; m++)
            add_raw(c, render_mode_name(m));
        break;
    case A_FILE:
        c->bare = true;
        add_files(c, NULL);
        break;
    case A_SOURCE:
        for (int i = 0; source_kws[i]; i++)
            add_raw(c, source_kws[i]);
        break;
    case A_TOPIC:
        for (int i = 0; help_topics[i]; i++)
            add_raw(c, help_topics[i]);
        for (size_t i = 0; i < sizeof dots / sizeof dots[0]; i++)
            add_raw(c, dots[i].name);
        break;
    case A_VAR:
        for (int i = 0; i < x->env->nvars; i++)
            add_raw(c, x->env->vars[i]);
        break;
    default: break;
    }
}

int complete_words(const complete_env *env, const char *text, size_t len, size_t word, int quote,
                   char ***out)
{
    clist c = {.word = text + word, .wlen = len - word, .quote = quote};
    bool lower = false;
    for (size_t i = 0; i < c.wlen; i++) {
        c.upper |= isupper((unsigned char)c.word[i]) != 0;
        lower |= islower((unsigned char)c.word[i]) != 0;
    }
    c.upper &= !lower;
    cx x = {.env = env, .c = &c};
    arena_init(&x.a);
    size_t dot = 0;
    size_t end = quote ? word - 1 : word;
    int k = scan(&x, text, end, &dot);
    if (k == SCAN_DOT) {
        dot_command(&x, text, dot, word);
    } else if (k == SCAN_STMT && !quote && c.wlen && c.word[0] == '$') {
        for (int i = 0; i < env->nvars; i++)
            add_var(&c, env->vars[i]);
    } else if (k == SCAN_STMT && x.n == 0) {
        if (c.wlen && c.word[0] == '.' && !quote) {
            /* a dot-command being typed where a statement may start */
            dot_command(&x, text, word, word);
        } else {
            add_kws(&c, source_kws);
            add_kw(&c, "import");
            add_kw(&c, "undo");
            add_kw(&c, "kpi");
            add_kw(&c, "report");
        }
    } else if (k == SCAN_STMT && kw(&x, 0, "import")) {
        import_stmt(&x);
    } else if (k == SCAN_STMT && kw(&x, 0, "undo")) {
        if (x.n == 1 || (x.n == 2 && kind(&x, 1, TK_INT))) add_kw(&c, "force");
    } else if (k == SCAN_STMT) {
        query(&x);
    }
    if (x.txn) store_abort(x.txn);
    arena_free(&x.a);
    /* sorted, without duplicates */
    if (c.n) {
        qsort(c.v, (size_t)c.n, sizeof(char *), cmp_str);
        int w = 0;
        for (int i = 0; i < c.n; i++) {
            if (w && strcmp(c.v[w - 1], c.v[i]) == 0)
                free(c.v[i]);
            else
                c.v[w++] = c.v[i];
        }
        c.n = w;
        c.v[w] = NULL;
    }
    *out = c.n ? c.v : NULL;
    if (!c.n) free(c.v);
    return c.n;
}

void complete_free(char **list)
{
    if (!list) return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}
