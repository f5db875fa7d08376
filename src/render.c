/* render.c: result sets in the output modes of spec §8; see render.h.
 *
 * csv, tsv, json and jsonl stream each row as it comes. table and markdown
 * size their columns from the whole result, so they buffer rows as display
 * text (one allocation per row, copied from the caller's values). A table
 * that elides keeps only its first rows and a ring of its last ones, so its
 * memory is bounded by maxrows whatever the size of the result. */
#include "render.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"

static const char *const mode_names[MODE_NMODES] = {
    [MODE_TABLE] = "table", [MODE_CSV] = "csv",     [MODE_TSV] = "tsv",
    [MODE_JSON] = "json",   [MODE_JSONL] = "jsonl", [MODE_MARKDOWN] = "markdown",
};

/* Mode number of NAME ("table", "csv", ...), -1 when unknown. */
int render_mode_parse(const char *name)
{
    if (!name) return -1;
    for (int m = 0; m < MODE_NMODES; m++)
        if (!strcmp(name, mode_names[m])) return m;
    return -1;
}

/* Name of mode MODE; "?" when it is none. */
const char *render_mode_name(int mode)
{
    if (mode < 0 || mode >= MODE_NMODES) return "?";
    return mode_names[mode];
}

int render_export_mode(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return -1;
    static const int modes[] = {MODE_CSV, MODE_TSV, MODE_JSON, MODE_JSONL};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcasecmp(dot + 1, mode_names[modes[i]]) == 0) return modes[i];
    return -1;
}

/* ---- a growable byte buffer ---- */

typedef struct sbuf {
    char *p; /* owned */
    size_t len, cap;
} sbuf;

/* Makes room for EXTRA more bytes; allocates even for none, so that b->p is
 * never NULL after a reserve. */
static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->p && b->cap - b->len >= extra) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

/* Appends the N bytes at S. */
static void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Appends "\xHH" (or "\uHHHH" when WIDE) for the code C. */
static void sb_hex(sbuf *b, unsigned c, bool wide)
{
    static const char hex[] = "0123456789abcdef";
    char t[6] = {'\\', wide ? 'u' : 'x'};
    int n = 2;
    if (wide) t[n++] = hex[c >> 12 & 15], t[n++] = hex[c >> 8 & 15];
    t[n++] = hex[c >> 4 & 15];
    t[n++] = hex[c & 15];
    sb_put(b, t, (size_t)n);
}

/* Length of the UTF-8 character starting at S (N bytes left), or 0 when the
 * bytes there are not a valid character. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (k > n) return 0;
    return utf8_valid_prefix((const char *)s, k) == k ? k : 0;
}

/* Appends text for a table or markdown cell: control characters, C1
 * controls and invalid bytes become escapes (\n, \t, \r, \xHH, \u00HH) so
 * that the grid never breaks; markdown also escapes '|' and '\\' (GFM reads
 * \\| as an escaped bar: the backslash would be lost). */
static void sb_display(sbuf *b, const char *text, size_t n, bool md)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] >= 0x20 && s[j] < 0x7F && !(md && (s[j] == '|' || s[j] == '\\')))
            j++;
        sb_put(b, text + i, j - i);
        if (j == n) break;
        i = j;
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == '\n')
                sb_put(b, "\\n", 2);
            else if (c == '\t')
                sb_put(b, "\\t", 2);
            else if (c == '\r')
                sb_put(b, "\\r", 2);
            else if (c == '|' || c == '\\')
                sb_put(b, c == '|' ? "\\|" : "\\\\", 2);
            else
                sb_hex(b, c, false);
            i++;
            continue;
        }
        size_t k = utf8_char(s + i, n - i);
        if (!k) {
            sb_hex(b, c, false);
            i++;
        } else if (c == 0xC2 && s[i + 1] < 0xA0) { /* U+0080..U+009F */
            sb_hex(b, (c & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu), true);
            i += 2;
        } else {
            sb_put(b, text + i, k);
            i += k;
        }
    }
}

/* Appends V as a table (MD false) or markdown cell shows it. */
static void sb_cell(sbuf *b, const value *v, const char *nullvalue, bool md)
{
    char buf[FMT_BUF];
    if (v->type == T_NULL) {
        sb_display(b, nullvalue, strlen(nullvalue), md);
    } else if (v->type == T_TEXT) {
        sb_display(b, v->s, v->len, md);
    } else {
        int n = format_value(v, buf);
        sb_put(b, buf, (size_t)n);
    }
}

/* ---- csv, tsv and json syntax ---- */

/* Writes one csv/tsv field, quoted (quotes doubled) when it holds the
 * separator, a quote, CR or LF, starts or ends with a space, or is empty and
 * QUOTE_EMPTY is set (empty text, as opposed to null). */
static void put_csv(FILE *out, char sep, const char *s, size_t n, bool quote_empty)
{
    bool quote = n ? s[0] == ' ' || s[n - 1] == ' ' : quote_empty;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, out);
        return;
    }
    putc('"', out);
    for (size_t i = 0, j; i < n; i = j + 1) {
        const char *q = memchr(s + i, '"', n - i);
        j = q ? (size_t)(q - s) : n;
        fwrite(s + i, 1, j - i, out);
        if (q) fputs("\"\"", out);
    }
    putc('"', out);
}

/* One csv/tsv cell: null as NULLVALUE, text quoted as needed, anything else
 * plainly (numbers, dates and bools never need quoting). */
static void put_csv_value(FILE *out, char sep, const value *v, const char *nullvalue)
{
    char buf[FMT_BUF];
    if (v->type == T_NULL) {
        put_csv(out, sep, nullvalue, strlen(nullvalue), false);
    } else if (v->type == T_TEXT) {
        put_csv(out, sep, v->s, v->len, true);
    } else {
        int n = format_value(v, buf);
        put_csv(out, sep, buf, (size_t)n, false);
    }
}

/* Writes a JSON string: '"' and '\' escaped, \n \r \t short, other control
 * characters as \u00XX, valid UTF-8 as is, invalid bytes as \ufffd. */
static void put_json_string(FILE *out, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, valid_end = 0;
    putc('"', out);
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] >= 0x20 && s[j] != '"' && s[j] != '\\' &&
               (s[j] < 0x80 || j < valid_end))
            j++;
        fwrite(text + i, 1, j - i, out);
        if (j == n) break;
        i = j;
        unsigned c = s[i];
        if (c >= 0x80) {
            valid_end = i + utf8_valid_prefix(text + i, n - i);
            if (valid_end == i) { /* invalid byte here */
                fputs("\\ufffd", out);
                i++;
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default: fprintf(out, "\\u%04x", c); break;
        }
        i++;
    }
    putc('"', out);
}

/* A JSON literal: null, true/false, a number (NaN and infinities as null,
 * which JSON cannot write), or a string for text and temporal values. */
static void put_json_value(FILE *out, const value *v)
{
    char buf[FMT_BUF];
    int n;
    switch (v->type) {
    case T_NULL: fputs("null", out); return;
    case T_BOOL: fputs(v->i ? "true" : "false", out); return;
    case T_INT: fprintf(out, "%lld", (long long)v->i); return;
    case T_NUM:
        if (!isfinite(v->n)) {
            fputs("null", out);
        } else {
            n = format_num(v->n, buf);
            fwrite(buf, 1, (size_t)n, out);
        }
        return;
    case T_TEXT: put_json_string(out, v->s, v->len); return;
    }
    n = format_value(v, buf);
    put_json_string(out, buf, (size_t)n);
}

/* Writes V as one cell of MODE would, without padding. */
void render_value(FILE *out, int mode, const value *v, const char *nullvalue)
{
    if (!nullvalue) nullvalue = "";
    switch (mode) {
    case MODE_CSV: put_csv_value(out, ',', v, nullvalue); return;
    case MODE_TSV: put_csv_value(out, '\t', v, nullvalue); return;
    case MODE_JSON:
    case MODE_JSONL: put_json_value(out, v); return;
    }
    sbuf b = {0};
    sb_reserve(&b, 0);
    sb_cell(&b, v, nullvalue, mode == MODE_MARKDOWN);
    fwrite(b.p, 1, b.len, out);
    free(b.p);
}

/* ---- the renderer ---- */

enum { K_NULL, K_NUM, K_OTHER }; /* how a buffered cell aligns */

/* One buffered cell; its text is in the row's block after the cells. */
typedef struct cell {
    uint32_t off, len, width;
    uint8_t kind;
} cell;

struct renderer {
    FILE *out;
    int mode;
    bool headers;
    char *nullvalue; /* owned copy; "" when none */
    int ncols;
    char **names;  /* owned copies */
    long nrows;    /* rows received */
    bool buffered; /* table or markdown */
    /* Buffered rows: each a block of NCOLS cells followed by their text
     * (owned). HEAD holds the first rows, up to HEADMAX; when eliding, RING
     * holds the last RINGCAP rows received after them, oldest at RINGSTART. */
    cell **head;
    size_t nhead, headcap, headmax;
    cell **ring;
    size_t nring, ringcap, ringstart;
    bool *has_num;   /* per column: some value is a number */
    bool *has_other; /* per column: some non-null value is not a number */
    sbuf scratch;
    char **notes; /* owned footnotes */
    size_t nnotes, notecap;
};

/* Starts a result; see render.h. Nothing is written until the first row or the end. */
renderer *render_begin(FILE *out, const render_opts *opts, int ncols, const char *const *names)
{
    renderer *r = xcalloc(1, sizeof *r);
    r->out = out;
    r->mode = opts ? opts->mode : MODE_TABLE;
    if (r->mode < 0 || r->mode >= MODE_NMODES) r->mode = MODE_TABLE;
    /* a markdown table needs its header row (sqlite3 keeps it too) */
    r->headers = !opts || opts->headers || r->mode == MODE_MARKDOWN;
    r->nullvalue = xstrdup(opts && opts->nullvalue ? opts->nullvalue : "");
    r->ncols = ncols > 0 ? ncols : 0;
    r->names = xcalloc((size_t)r->ncols + 1, sizeof *r->names);
    for (int c = 0; c < r->ncols; c++)
        r->names[c] = xstrdup(names && names[c] ? names[c] : "");
    r->buffered = r->mode == MODE_TABLE || r->mode == MODE_MARKDOWN;
    r->headmax = SIZE_MAX;
    if (r->mode == MODE_TABLE && opts && opts->elide && opts->maxrows > 0) {
        r->headmax = ((size_t)opts->maxrows + 1) / 2;
        r->ringcap = (size_t)opts->maxrows / 2;
        if (r->ringcap) r->ring = xcalloc(r->ringcap, sizeof *r->ring);
    }
    r->has_num = xcalloc((size_t)r->ncols + 1, sizeof *r->has_num);
    r->has_other = xcalloc((size_t)r->ncols + 1, sizeof *r->has_other);
    return r;
}

/* The csv/tsv header line, written before the first row or at the end, so
 * that a statement failing before any row prints nothing. */
static void put_csv_header(renderer *r)
{
    if ((r->mode != MODE_CSV && r->mode != MODE_TSV) || !r->headers || !r->ncols) return;
    char sep = r->mode == MODE_CSV ? ',' : '\t';
    for (int c = 0; c < r->ncols; c++) {
        if (c) putc(sep, r->out);
        put_csv(r->out, sep, r->names[c], strlen(r->names[c]), true);
    }
    putc('\n', r->out);
}

/* Formats VALS as display text into one block of cells and text. */
static cell *make_row(renderer *r, const value *vals)
{
    sbuf *b = &r->scratch;
    size_t ncols = (size_t)r->ncols, hdr = ncols * sizeof(cell);
    b->len = 0;
    sb_reserve(b, hdr);
    b->len = hdr;
    for (size_t c = 0; c < ncols; c++) {
        size_t start = b->len;
        sb_cell(b, &vals[c], r->nullvalue, r->mode == MODE_MARKDOWN);
        cell cl = {
            .off = (uint32_t)(start - hdr),
            .len = (uint32_t)(b->len - start),
            .width = (uint32_t)utf8_width(b->p + start, b->len - start),
            .kind = vals[c].type == T_NULL                           ? K_NULL
                    : vals[c].type == T_INT || vals[c].type == T_NUM ? K_NUM
                                                                     : K_OTHER,
        };
        memcpy(b->p + c * sizeof(cell), &cl, sizeof cl); /* b->p may have moved */
    }
    cell *row = xmalloc(b->len);
    memcpy(row, b->p, b->len);
    return row;
}

/* Text of cell C of ROW. */
static const char *cell_text(const renderer *r, const cell *row, int c)
{
    return (const char *)(row + r->ncols) + row[c].off;
}

/* Writes a row at once (streaming modes) or buffers it (table, markdown). */
void render_row(renderer *r, const value *vals)
{
    FILE *out = r->out;
    if (r->nrows++ == 0) put_csv_header(r);
    switch (r->mode) {
    case MODE_CSV:
    case MODE_TSV:
        if (!r->ncols) return;
        for (int c = 0; c < r->ncols; c++) {
            if (c) putc(r->mode == MODE_CSV ? ',' : '\t', out);
            put_csv_value(out, r->mode == MODE_CSV ? ',' : '\t', &vals[c], r->nullvalue);
        }
        putc('\n', out);
        return;
    case MODE_JSON:
    case MODE_JSONL:
        if (r->mode == MODE_JSON) fputs(r->nrows == 1 ? "[\n" : ",\n", out);
        putc('{', out);
        for (int c = 0; c < r->ncols; c++) {
            if (c) putc(',', out);
            put_json_string(out, r->names[c], strlen(r->names[c]));
            putc(':', out);
            put_json_value(out, &vals[c]);
        }
        putc('}', out);
        if (r->mode == MODE_JSONL) putc('\n', out);
        return;
    }

    for (int c = 0; c < r->ncols; c++) {
        int t = vals[c].type;
        if (t == T_INT || t == T_NUM)
            r->has_num[c] = true;
        else if (t != T_NULL)
            r->has_other[c] = true;
    }
    if (r->nhead < r->headmax) {
        if (r->nhead == r->headcap) {
            r->headcap = r->headcap ? r->headcap * 2 : 64;
            r->head = xrealloc(r->head, r->headcap * sizeof *r->head);
        }
        r->head[r->nhead++] = make_row(r, vals);
    } else if (r->ringcap) {
        cell *row = make_row(r, vals);
        if (r->nring < r->ringcap) {
            r->ring[(r->ringstart + r->nring++) % r->ringcap] = row;
        } else {
            free(r->ring[r->ringstart]);
            r->ring[r->ringstart] = row;
            r->ringstart = (r->ringstart + 1) % r->ringcap;
        }
    }
}

/* Keeps a copy of TEXT for after the table; other modes drop it. */
void render_footnote(renderer *r, const char *text)
{
    if (!r->buffered || !text) return;
    if (r->nnotes == r->notecap) {
        r->notecap = r->notecap ? r->notecap * 2 : 4;
        r->notes = xrealloc(r->notes, r->notecap * sizeof *r->notes);
    }
    r->notes[r->nnotes++] = xstrdup(text);
}

/* Writes N spaces. */
static void put_spaces(FILE *out, size_t n)
{
    static const char sp[] = "                                ";
    for (; n > sizeof sp - 1; n -= sizeof sp - 1)
        fwrite(sp, 1, sizeof sp - 1, out);
    fwrite(sp, 1, n, out);
}

/* Writes S (LEN bytes, WIDTH columns) padded to W columns. */
static void put_padded(FILE *out, const char *s, size_t len, size_t width, size_t w, bool right)
{
    size_t pad = w > width ? w - width : 0;
    if (right) put_spaces(out, pad);
    fwrite(s, 1, len, out);
    if (!right) put_spaces(out, pad);
}

/* A box border line: LEFT, runs of '─' over each column's padded width
 * joined by MID, then RIGHT. */
static void put_border(const renderer *r, const size_t *w, const char *left, const char *mid,
                       const char *right)
{
    FILE *out = r->out;
    fputs(left, out);
    for (int c = 0; c < r->ncols; c++) {
        if (c) fputs(mid, out);
        for (size_t i = 0; i < w[c] + 2; i++)
            fputs("─", out);
    }
    fputs(right, out);
    putc('\n', out);
}

/* One buffered row between vertical bars: '│' for a table, '|' for markdown.
 * Numbers align right, other values left, nulls like their column. */
static void put_row(const renderer *r, const cell *row, const size_t *w, const bool *right)
{
    const char *bar = r->mode == MODE_TABLE ? "│" : "|";
    FILE *out = r->out;
    fputs(bar, out);
    for (int c = 0; c < r->ncols; c++) {
        bool rt = row[c].kind == K_NUM || (row[c].kind == K_NULL && right[c]);
        putc(' ', out);
        put_padded(out, cell_text(r, row, c), row[c].len, row[c].width, w[c], rt);
        putc(' ', out);
        fputs(bar, out);
    }
    putc('\n', out);
}

/* The header row: names escaped like cells, aligned like their columns. */
static void put_header(renderer *r, const size_t *w, const bool *right)
{
    const char *bar = r->mode == MODE_TABLE ? "│" : "|";
    FILE *out = r->out;
    fputs(bar, out);
    for (int c = 0; c < r->ncols; c++) {
        r->scratch.len = 0;
        sb_display(&r->scratch, r->names[c], strlen(r->names[c]), r->mode == MODE_MARKDOWN);
        size_t width = utf8_width(r->scratch.p, r->scratch.len);
        putc(' ', out);
        put_padded(out, r->scratch.p, r->scratch.len, width, w[c], right[c]);
        putc(' ', out);
        fputs(bar, out);
    }
    putc('\n', out);
}

/* Writes the buffered table or markdown result, its elision footer and
 * footnotes. */
static void flush_buffered(renderer *r)
{
    FILE *out = r->out;
    int nc = r->ncols;
    bool elided = (size_t)r->nrows > r->nhead + r->nring;
    size_t *w = xcalloc((size_t)nc + 1, sizeof *w);
    bool *right = xcalloc((size_t)nc + 1, sizeof *right);
    for (int c = 0; c < nc; c++) {
        right[c] = r->has_num[c] && !r->has_other[c];
        if (r->headers) {
            r->scratch.len = 0;
            sb_display(&r->scratch, r->names[c], strlen(r->names[c]), r->mode == MODE_MARKDOWN);
            w[c] = utf8_width(r->scratch.p, r->scratch.len);
        }
        for (size_t i = 0; i < r->nhead; i++)
            if (r->head[i][c].width > w[c]) w[c] = r->head[i][c].width;
        for (size_t i = 0; i < r->nring; i++)
            if (r->ring[i][c].width > w[c]) w[c] = r->ring[i][c].width;
        if (elided && w[c] < 1) w[c] = 1;
    }

    if (nc && r->mode == MODE_TABLE) {
        put_border(r, w, "┌", "┬", "┐");
        if (r->headers) {
            put_header(r, w, right);
            put_border(r, w, "├", "┼", "┤");
        }
    } else if (nc && r->headers) {
        put_header(r, w, right);
        putc('|', out);
        for (int c = 0; c < nc; c++) {
            for (size_t i = 0; i < w[c] + 1; i++)
                putc('-', out);
            putc(right[c] ? ':' : '-', out);
            putc('|', out);
        }
        putc('\n', out);
    }
    if (nc) {
        for (size_t i = 0; i < r->nhead; i++)
            put_row(r, r->head[i], w, right);
        if (elided) {
            fputs("│", out);
            for (int c = 0; c < nc; c++) {
                size_t left = (w[c] - 1) / 2;
                putc(' ', out);
                put_spaces(out, left);
                fputs("…", out);
                put_spaces(out, w[c] - 1 - left);
                fputs(" │", out);
            }
            putc('\n', out);
        }
        for (size_t i = 0; i < r->nring; i++)
            put_row(r, r->ring[(r->ringstart + i) % r->ringcap], w, right);
        if (r->mode == MODE_TABLE) put_border(r, w, "└", "┴", "┘");
        if (elided) fprintf(out, "%ld rows (%zu shown)\n", r->nrows, r->nhead + r->nring);
    }
    for (size_t i = 0; i < r->nnotes; i++)
        fprintf(out, "%s\n", r->notes[i]);
    free(w);
    free(right);
}

/* Finishes the result (closing json's array, drawing buffered output),
 * flushes OUT and frees R. */
long render_end(renderer *r)
{
    if (!r) return 0;
    long n = r->nrows;
    if (n == 0) put_csv_header(r);
    if (r->mode == MODE_JSON) fputs(n ? "\n]\n" : "[]\n", r->out);
    if (r->buffered) flush_buffered(r);
    return render_abort(r), n;
}

void render_abort(renderer *r)
{
    if (!r) return;
    fflush(r->out);

    for (size_t i = 0; i < r->nhead; i++)
        free(r->head[i]);
    for (size_t i = 0; i < r->nring; i++)
        free(r->ring[(r->ringstart + i) % r->ringcap]);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    for (int c = 0; c < r->ncols; c++)
        free(r->names[c]);
    free(r->head);
    free(r->ring);
    free(r->notes);
    free(r->names);
    free(r->has_num);
    free(r->has_other);
    free(r->scratch.p);
    free(r->nullvalue);
    free(r);
}
