/* csv.c: RFC 4180 reader over a memory-mapped file; see csv.h.
 *
 * The reader walks the input once. Unquoted fields and quoted fields without
 * doubled quotes are slices of the input; quoted fields with doubled quotes
 * are unescaped into one buffer per record, and their pointers are filled in
 * when the record is complete (the buffer may move while it grows). UTF-8 is
 * validated as the bytes are scanned: a fast scan skips plain ASCII eight
 * bytes at a time and stops only at separators, quotes, control characters
 * and non-ASCII bytes.
 *
 * Errors come in two kinds. Content errors (invalid UTF-8, NUL, a field too
 * long) leave the record's structure intact, so the reader finishes the
 * record and resumes after it. Structural errors (a stray character after a
 * closing quote) resume at the next physical line; an unterminated quote
 * swallows the rest of the input, so the reader resumes at its end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct csv_reader {
    const unsigned char *buf; /* the input: LEN bytes, not NUL-terminated */
    size_t len;
    size_t pos; /* offset of the next unread byte */
    void *map;  /* owned mapping of MAPLEN bytes, or NULL */
    size_t maplen;
    unsigned char *owned; /* owned copy of a non-mappable file, or NULL */
    unsigned char sep;
    uint64_t seprep; /* SEP in every byte, for the word-at-a-time scan */

    uint32_t line;     /* physical line at POS */
    uint32_t rec_line; /* line where the last record started */
    /* Column cursor on the current line: the byte at CP_OFF is in column
     * CP_COL. DIRTY is set when a non-ASCII byte was scanned after CP_OFF, so
     * the next column must count code points instead of bytes. */
    size_t cp_off;
    size_t cp_col;
    int dirty;

    csv_field *fields; /* owned; reused between records */
    size_t fcap;
    char *ubuf; /* owned; unescaped quoted fields of one record */
    size_t ucap, ulen;

    int rec_bad;     /* the current record has a content error */
    const char *err; /* last error, NULL if none yet */
    uint32_t err_line, err_col;
    csv_field scratch; /* fields beyond an array that cannot grow */
};

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Whether C stops the fast scan: a control character below '\x0e' (NUL,
 * TAB, LF, CR among them), a non-ASCII byte or STOP (separator or quote). */
static inline int is_stop(unsigned c, unsigned stop)
{
    return c < 0x0e || c >= 0x80 || c == stop;
}

/* Returns the first byte in [P, END) that is_stop() for the byte STOP
 * (repeated in every byte of STOPREP), or END. Plain ASCII, the bulk of any
 * CSV file, is skipped a word at a time. Each mask's lowest set bit is exact
 * (borrows only travel upwards past a matching byte), hence so is their
 * union's. */
static inline const unsigned char *scan(const unsigned char *p, const unsigned char *end,
                                        unsigned stop, uint64_t stoprep)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
        uint64_t x, y, m;
        memcpy(&x, p, 8);
        y = x ^ stoprep;
        m = ((x - 0x0e * ONES) | x | ((y - ONES) & ~y)) & HIGHS;
        if (m) return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#else
    (void)stoprep;
#endif
    while (p < end && !is_stop(*p, stop))
        p++;
    return p;
}

/* Length of the well-formed UTF-8 sequence at P (a non-ASCII byte) that ends
 * before END, or 0 if it is malformed: a stray continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF, or cut short. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], lo = 0x80, hi = 0xbf;
    size_t n, i;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* Number of code points in [P, END): bytes that are not continuation bytes.
 * Used only for columns of lines holding non-ASCII text. */
static size_t count_cp(const unsigned char *p, const unsigned char *end)
{
    size_t n = 0;
    for (; p < end; p++)
        n += (*p & 0xc0) != 0x80;
    return n;
}

/* Saturates a column or length to 32 bits. */
static inline uint32_t clamp32(size_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Moves to a new physical line starting at P. */
static inline void new_line(csv_reader *r, const unsigned char *p)
{
    if (r->line != UINT32_MAX) r->line++;
    r->cp_off = (size_t)(p - r->buf);
    r->cp_col = 1;
    r->dirty = 0;
}

/* Column of the byte at P, which is on the current line at or after the
 * cursor. After non-ASCII text the cursor moves to P, so that counting code
 * points costs O(length) per line overall; on ASCII it is a subtraction. */
static inline uint32_t col_at(csv_reader *r, const unsigned char *p)
{
    size_t off = (size_t)(p - r->buf);
    if (r->dirty) {
        r->cp_col += count_cp(r->buf + r->cp_off, p);
        r->cp_off = off;
        r->dirty = 0;
    }
    return clamp32(r->cp_col + (off - r->cp_off));
}

/* Records error MSG at LINE:COL unless the current record already has one
 * (the first error of a record is the one reported). */
static void set_error(csv_reader *r, const char *msg, uint32_t line, uint32_t col)
{
    if (r->rec_bad) return;
    r->rec_bad = 1;
    r->err = msg;
    r->err_line = line;
    r->err_col = col;
}

/* Records a content error at the byte P on the current line, without moving
 * the column cursor. */
static void content_error(csv_reader *r, const unsigned char *p, const char *msg)
{
    if (r->rec_bad) return;
    size_t col = r->cp_col + count_cp(r->buf + r->cp_off, p);
    set_error(r, msg, r->line, clamp32(col));
}

/* Handles the byte at P that stopped a scan and is neither a separator, quote
 * nor line break: validates a UTF-8 sequence or rejects a NUL. Returns the
 * byte after it. */
static const unsigned char *odd_byte(csv_reader *r, const unsigned char *p,
                                     const unsigned char *end)
{
    if (*p >= 0x80) {
        size_t n = utf8_seq(p, end);
        r->dirty = 1;
        if (n) return p + n;
        content_error(r, p, "invalid UTF-8");
    } else if (*p == 0) {
        content_error(r, p, "NUL byte in field");
    }
    return p + 1;
}

/* Doubles the fields array for a field starting at P. Returns 0, or -1 with
 * an error recorded when it cannot grow (too many fields, out of memory). */
static int grow_fields(csv_reader *r, const unsigned char *p)
{
    size_t ncap = r->fcap ? r->fcap * 2 : 64;
    csv_field *nfields = NULL;
    if (ncap <= (size_t)INT_MAX && ncap <= SIZE_MAX / sizeof *nfields)
        nfields = realloc(r->fields, ncap * sizeof *nfields);
    if (!nfields) {
        set_error(r, "too many fields", r->line, col_at(r, p));
        return -1;
    }
    r->fields = nfields;
    r->fcap = ncap;
    return 0;
}

/* Appends [FROM, TO) to the unescape buffer. Returns 0, or -1 (error
 * recorded) when out of memory. */
static int ubuf_append(csv_reader *r, const unsigned char *from, const unsigned char *to)
{
    size_t n = (size_t)(to - from);
    if (r->rec_bad) return 0; /* the record is discarded anyway */
    if (r->ucap - r->ulen < n) {
        size_t ncap = r->ucap ? r->ucap : 256;
        char *nb;
        while (ncap - r->ulen < n) {
            if (ncap > SIZE_MAX / 2) {
                ncap = SIZE_MAX;
                break;
            }
            ncap *= 2;
        }
        nb = ncap - r->ulen >= n ? realloc(r->ubuf, ncap) : NULL;
        if (!nb) {
            set_error(r, "out of memory", r->line, clamp32(r->cp_col));
            return -1;
        }
        r->ubuf = nb;
        r->ucap = ncap;
    }
    memcpy(r->ubuf + r->ulen, from, n);
    r->ulen += n;
    return 0;
}

/* Skips from P to the start of the next physical line (or the end). */
static const unsigned char *skip_line(csv_reader *r, const unsigned char *p,
                                      const unsigned char *end)
{
    while (p < end && *p != '\n' && *p != '\r')
        p++;
    if (p < end) {
        if (*p++ == '\r' && p < end && *p == '\n') p++;
        new_line(r, p);
    }
    return p;
}

/* Puts R at the start of its input, skipping a byte order mark. */
static void reader_start(csv_reader *r)
{
    r->pos = 0;
    r->line = 1;
    r->rec_line = 1;
    r->cp_off = 0;
    r->cp_col = 1;
    r->dirty = 0;
    r->rec_bad = 0;
    r->err = NULL;
    if (r->len >= 3 && r->buf[0] == 0xef && r->buf[1] == 0xbb && r->buf[2] == 0xbf) {
        r->pos = 3;
        r->cp_off = 3;
    }
}

/* Starts a reader over LEN bytes at BUF. */
static csv_reader *reader_new(const unsigned char *buf, size_t len, char sep)
{
    static const unsigned char empty[1];
    csv_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->buf = len ? buf : empty; /* no arithmetic on a null pointer */
    r->len = len;
    r->sep = (unsigned char)sep;
    r->seprep = r->sep * ONES;
    reader_start(r);
    return r;
}

void csv_rewind(csv_reader *r)
{
    reader_start(r);
}

/* A reader over a caller's buffer: nothing is copied or owned. */
csv_reader *csv_open_mem(const char *buf, size_t len, char sep)
{
    return reader_new((const unsigned char *)buf, buf ? len : 0, sep);
}

/* Reads a file that cannot be mapped (a pipe, a terminal) into memory.
 * Returns 0 or an errno value. */
static int read_all(int fd, unsigned char **out, size_t *outlen)
{
    size_t cap = 65536, len = 0;
    unsigned char *b = malloc(cap), *nb;
    if (!b) return ENOMEM;
    for (;;) {
        ssize_t n;
        if (len == cap) {
            if (cap > SIZE_MAX / 2 || !(nb = realloc(b, cap * 2))) {
                free(b);
                return ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        n = read(fd, b + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(b);
            return e;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    *out = b;
    *outlen = len;
    return 0;
}

/* Maps a regular file (an empty one needs no mapping: mmap refuses length
 * 0); reads anything else, such as a pipe, into memory. */
int csv_open(const char *path, char sep, csv_reader **out)
{
    struct stat st;
    void *map = NULL;
    unsigned char *owned = NULL;
    size_t len = 0;
    int fd, e = 0;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    if (fstat(fd, &st) < 0) {
        e = errno;
    } else if (S_ISDIR(st.st_mode)) {
        e = EISDIR;
    } else if (S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > SIZE_MAX) {
            e = EFBIG;
        } else if (st.st_size > 0) {
            len = (size_t)st.st_size;
            map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
            if (map == MAP_FAILED) {
                e = errno;
                map = NULL;
            } else {
                madvise(map, len, MADV_SEQUENTIAL);
            }
        }
    } else {
        e = read_all(fd, &owned, &len);
    }
    close(fd);
    if (e) return e;

    csv_reader *r = reader_new(map ? map : owned, len, sep);
    if (!r) {
        if (map) munmap(map, len);
        free(owned);
        return ENOMEM;
    }
    r->map = map;
    r->maplen = len;
    r->owned = owned;
    *out = r;
    return 0;
}

/* Unmaps or frees the input and the reader's buffers. */
void csv_close(csv_reader *r)
{
    if (!r) return;
    if (r->map) munmap(r->map, r->maplen);
    free(r->owned);
    free(r->fields);
    free(r->ubuf);
    free(r);
}

/* Reads the quoted field whose opening quote is at P into F. Returns the byte
 * after the closing quote, or NULL when the input ends first. */
static const unsigned char *quoted_field(csv_reader *r, csv_field *f, const unsigned char *p,
                                         const unsigned char *end)
{
    const unsigned char *start = ++p, *seg = p;
    size_t ustart = r->ulen;
    int copying = 0;

    for (;;) {
        p = scan(p, end, '"', '"' * ONES);
        if (p == end) return NULL;
        switch (*p) {
        case '"':
            if (p + 1 < end && p[1] == '"') {
                /* keep one quote of the pair: the segment ends after it */
                ubuf_append(r, seg, p + 1);
                copying = 1;
                p += 2;
                seg = p;
                continue;
            }
            f->s = (const char *)start;
            f->len = 0;
            if ((size_t)(p - start) > UINT32_MAX) {
                set_error(r, "field too long", f->line, f->col);
            } else if (copying) {
                ubuf_append(r, seg, p);
                f->s = NULL; /* in the unescape buffer, fixed up later */
                f->len = (uint32_t)(r->ulen - ustart);
            } else {
                f->len = (uint32_t)(p - start);
            }
            return p + 1;
        case '\n': new_line(r, ++p); break;
        case '\r':
            if (++p < end && *p == '\n') p++;
            new_line(r, p);
            break;
        default: /* a control or non-ASCII byte */ p = odd_byte(r, p, end); break;
        }
    }
}

/* Skips blank lines, then reads fields up to the record's line break. On a
 * content error the record is read to its end and dropped; on a structural
 * error the reader skips to the next line. */
int csv_next(csv_reader *r, csv_field **fields, int *nfields)
{
    const unsigned char *p = r->buf + r->pos, *end = r->buf + r->len;
    const unsigned sep = r->sep;
    size_t nf = 0;

    *fields = r->fields;
    *nfields = 0;

    /* blank lines */
    for (;;) {
        if (p == end) {
            r->pos = r->len;
            return 0;
        }
        if (*p == '\n') {
            new_line(r, ++p);
        } else if (*p == '\r') {
            if (++p < end && *p == '\n') p++;
            new_line(r, p);
        } else {
            break;
        }
    }

    r->rec_line = r->line;
    r->rec_bad = 0;
    r->ulen = 0;
    for (;;) {
        /* past a failed growth, fields land in a scratch slot */
        csv_field *f = nf < r->fcap || !grow_fields(r, p) ? &r->fields[nf++] : &r->scratch;
        f->line = r->line;
        f->col = col_at(r, p);
        if (p < end && *p == '"') {
            const unsigned char *q = quoted_field(r, f, p, end);
            f->quoted = 1;
            if (!q) {
                /* this error wins: it explains why the rest is skipped */
                r->rec_bad = 0;
                set_error(r, "unterminated quoted field", f->line, f->col);
                r->pos = r->len;
                return -1;
            }
            p = q;
            if (p < end && *p != sep && *p != '\n' && *p != '\r') {
                content_error(r, p, "unexpected character after closing quote");
                r->pos = (size_t)(skip_line(r, p, end) - r->buf);
                return -1;
            }
        } else {
            const unsigned char *start = p;
            for (;;) {
                p = scan(p, end, sep, r->seprep);
                if (p == end || *p == sep || *p == '\n' || *p == '\r') break;
                p = odd_byte(r, p, end); /* a control or non-ASCII byte */
            }
            f->s = (const char *)start; /* quotes in it are literal */
            f->quoted = 0;
            if ((size_t)(p - start) > UINT32_MAX) {
                set_error(r, "field too long", f->line, f->col);
                f->len = UINT32_MAX;
            } else {
                f->len = (uint32_t)(p - start);
            }
        }
        if (p == end) break;
        if (*p == sep) {
            p++;
            continue;
        }
        if (*p++ == '\r' && p < end && *p == '\n') p++;
        new_line(r, p);
        break;
    }
    r->pos = (size_t)(p - r->buf);
    if (r->rec_bad) return -1;

    if (r->ulen) {
        /* buffered fields were appended in field order */
        size_t off = 0;
        for (size_t i = 0; i < nf; i++) {
            if (!r->fields[i].s) {
                r->fields[i].s = r->ubuf + off;
                off += r->fields[i].len;
            }
        }
    }
    *fields = r->fields;
    *nfields = (int)nf;
    return 1;
}

/* The last error persists until another one replaces it; NULL if none. */
const char *csv_error(const csv_reader *r, uint32_t *line, uint32_t *col)
{
    if (line) *line = r->err ? r->err_line : 0;
    if (col) *col = r->err ? r->err_col : 0;
    return r->err;
}

size_t csv_offset(const csv_reader *r)
{
    return r->pos;
}

size_t csv_size(const csv_reader *r)
{
    return r->len;
}

uint32_t csv_record_line(const csv_reader *r)
{
    return r->rec_line;
}
