/* diag.c: recording and printing errors; see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

#include "value.h"

void diag_clear(diag *d)
{
    d->code = DIAG_OK;
    d->off = d->len = 0;
    d->located = false;
    d->msg[0] = 0;
}

static int vset(diag *d, int code, bool located, size_t off, size_t len, const char *fmt,
                va_list ap)
{
    if (d->code != DIAG_OK) return -1;
    d->code = code;
    d->located = located;
    d->off = off;
    d->len = len;
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    return -1;
}

int diag_set(diag *d, int code, size_t off, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(d, code, true, off, len, fmt, ap);
    va_end(ap);
    return -1;
}

int diag_setf(diag *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(d, code, false, 0, 0, fmt, ap);
    va_end(ap);
    return -1;
}

void diag_linecol(const char *text, size_t len, size_t off, int *line, int *col)
{
    if (off > len) off = len;
    int l = 1;
    size_t bol = 0;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') l++, bol = i + 1;
    *line = l;
    *col = (int)utf8_len(text + bol, off - bol) + 1;
}

void diag_print(FILE *f, const diag *d, const diag_src *src)
{
    if (d->code == DIAG_OK) return;
    if (!d->located || !src || !src->text) {
        fprintf(f, "error: %s\n", d->msg);
        return;
    }
    int line, col;
    diag_linecol(src->text, src->len, d->off, &line, &col);
    line += src->first_line - 1;
    if (src->file)
        fprintf(f, "%s:%d:%d: error: %s\n", src->file, line, col, d->msg);
    else
        fprintf(f, "error: line %d, column %d: %s\n", line, col, d->msg);

    /* The source line, tabs kept so the caret lines up, and the caret. */
    size_t off = d->off > src->len ? src->len : d->off;
    size_t bol = off, eol = off;
    while (bol > 0 && src->text[bol - 1] != '\n')
        bol--;
    while (eol < src->len && src->text[eol] != '\n' && src->text[eol] != '\r')
        eol++;
    /* a long line shows a window around the error, cut at character boundaries */
    bool cut_left = false, cut_right = false;
    if (eol - bol > 200) {
        if (off - bol > 80) {
            bol = off - 80;
            while (bol < off && ((unsigned char)src->text[bol] & 0xC0) == 0x80)
                bol++;
            cut_left = true;
        }
        size_t want = off + (d->len < 80 ? d->len : 80) + 80;
        if (want < eol) {
            eol = want;
            while (eol > off && ((unsigned char)src->text[eol] & 0xC0) == 0x80)
                eol--;
            cut_right = true;
        }
    }
    fprintf(f, "  %s%.*s%s\n  %s", cut_left ? "…" : "", (int)(eol - bol), src->text + bol,
            cut_right ? "…" : "", cut_left ? " " : "");
    for (size_t i = bol; i < off;) {
        unsigned char c = (unsigned char)src->text[i];
        if (c == '\t') {
            fputc('\t', f);
            i++;
            continue;
        }
        size_t n = 1;
        while (i + n < off && ((unsigned char)src->text[i + n] & 0xC0) == 0x80)
            n++;
        size_t w = utf8_width(src->text + i, n);
        for (size_t k = 0; k < w; k++)
            fputc(' ', f);
        i += n;
    }
    fputc('^', f);
    size_t tlen = d->len;
    if (off + tlen > eol) tlen = eol > off ? eol - off : 0;
    size_t w = tlen ? utf8_width(src->text + off, tlen) : 0;
    for (size_t k = 1; k < w; k++)
        fputc('~', f);
    fputc('\n', f);
}
