/* columns.c: encoding and viewing columns; see columns.h for the layout. */
#include "columns.h"

#include <math.h>
#include <stdlib.h>

#include "arena.h"

enum { HDR = 8 };

static unsigned uwidth(uint64_t range)
{
    if (range == 0) return 0;
    if (range <= UINT8_MAX) return 1;
    if (range <= UINT16_MAX) return 2;
    if (range <= UINT32_MAX) return 4;
    return 8;
}

static void put_uint(uint8_t *p, uint64_t x, unsigned w)
{
    switch (w) {
    case 1: p[0] = (uint8_t)x; break;
    case 2: {
        uint16_t y = (uint16_t)x;
        memcpy(p, &y, 2);
        break;
    }
    case 4: {
        uint32_t y = (uint32_t)x;
        memcpy(p, &y, 4);
        break;
    }
    case 8: memcpy(p, &x, 8); break;
    default: break;
    }
}

static void put_u32(rbuf *b, uint32_t x)
{
    rbuf_reserve(b, 4);
    memcpy(b->data + b->len, &x, 4);
    b->len += 4;
}

static void put_bytes(rbuf *b, const void *p, size_t n)
{
    rbuf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Offsets of X[i] - min over N rows (nulls 0) at WIDTH. */
static void put_offsets(rbuf *b, const int64_t *x, const value *vals, uint32_t n, int64_t base,
                        unsigned w)
{
    rbuf_reserve(b, 8 + (size_t)n * w);
    memcpy(b->data + b->len, &base, 8);
    b->len += 8;
    for (uint32_t i = 0; i < n; i++, b->len += w)
        put_uint(b->data + b->len, vals[i].type == T_NULL ? 0 : (uint64_t)x[i] - (uint64_t)base, w);
}

/* Text of few distinct values as a dictionary and codes; false (OUT as it
 * was) when there are more than N/2 of them or 65536. */
static bool put_dict(rbuf *out, const value *vals, uint32_t n)
{
    uint32_t limit = n / 2 < 65536 ? n / 2 : 65536;
    uint32_t cap = 64;
    while (cap < 2 * (limit + 1)) /* at most half full */
        cap *= 2;
    uint32_t *slot = xcalloc(cap, sizeof *slot);            /* dict index + 1 */
    uint32_t *first = xmalloc(sizeof *first * (limit + 1)); /* a row holding value k */
    uint16_t *codes = xmalloc(sizeof *codes * (n ? n : 1));
    uint32_t nd = 0;
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        if (vals[i].type == T_NULL) {
            codes[i] = 0;
            continue;
        }
        size_t j = hash_bytes(vals[i].s, vals[i].len, 0) & (cap - 1);
        for (;; j = (j + 1) & (cap - 1)) {
            if (!slot[j]) {
                if (nd == limit) {
                    ok = false;
                    break;
                }
                first[nd] = i;
                slot[j] = ++nd;
                codes[i] = (uint16_t)(nd - 1);
                break;
            }
            const value *d = &vals[first[slot[j] - 1]];
            if (d->len == vals[i].len && memcmp(d->s, vals[i].s, d->len) == 0) {
                codes[i] = (uint16_t)(slot[j] - 1);
                break;
            }
        }
    }
    if (ok) {
        unsigned w = nd <= 256 ? 1 : 2;
        out->data[0] = COL_DICT;
        out->data[2] = (uint8_t)w;
        put_u32(out, nd);
        uint32_t end = 0;
        for (uint32_t k = 0; k < nd; k++)
            put_u32(out, end += vals[first[k]].len);
        for (uint32_t k = 0; k < nd; k++)
            put_bytes(out, vals[first[k]].s, vals[first[k]].len);
        rbuf_reserve(out, (size_t)n * w);
        for (uint32_t i = 0; i < n; i++, out->len += w)
            put_uint(out->data + out->len, codes[i], w);
    }
    free(slot);
    free(first);
    free(codes);
    return ok;
}

void col_encode(rbuf *out, const value *vals, uint32_t n)
{
    uint32_t nnull = 0;
    int type = T_NULL;
    bool mixed = false;
    for (uint32_t i = 0; i < n; i++) {
        if (vals[i].type == T_NULL)
            nnull++;
        else if (type == T_NULL)
            type = vals[i].type;
        else if (vals[i].type != type)
            mixed = true;
    }
    out->len = 0;
    rbuf_reserve(out, HDR + (n + 7) / 8);
    uint8_t *h = out->data;
    h[0] = COL_NULL, h[1] = (uint8_t)type, h[2] = 0, h[3] = 0;
    memcpy(h + 4, &n, 4);
    out->len = HDR;
    if (nnull == n) return;
    if (nnull) {
        h[3] = COL_HASNULL;
        memset(out->data + HDR, 0, (n + 7) / 8);
        for (uint32_t i = 0; i < n; i++)
            if (vals[i].type != T_NULL) out->data[HDR + i / 8] |= (uint8_t)(1u << (i & 7));
        out->len += (n + 7) / 8;
    }
    size_t body = out->len;
    if (mixed || type == T_TEXT) {
        if (!mixed && put_dict(out, vals, n)) return;
        out->len = body;
        out->data[0] = mixed ? COL_ANY : COL_TEXT;
        rbuf_reserve(out, 4 * (size_t)n);
        size_t ends = out->len;
        out->len += 4 * (size_t)n;
        rbuf one = {0};
        uint32_t end = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (mixed) {
                rec_encode(&one, &vals[i], 1);
                put_bytes(out, one.data, one.len);
                end += (uint32_t)one.len;
            } else if (vals[i].type == T_TEXT) {
                put_bytes(out, vals[i].s, vals[i].len);
                end += vals[i].len;
            }
            memcpy(out->data + ends + 4 * (size_t)i, &end, 4);
        }
        rbuf_free(&one);
        return;
    }
    int64_t *x = xmalloc(sizeof *x * n);
    int kind = type == T_NUM ? COL_HUND : COL_INT;
    for (uint32_t i = 0; i < n && kind != COL_F64; i++) {
        if (vals[i].type == T_NULL)
            x[i] = 0;
        else if (type != T_NUM)
            x[i] = vals[i].i;
        else if (!num_hundredths(vals[i].n, &x[i]))
            kind = COL_F64;
    }
    out->data[0] = (uint8_t)kind;
    if (kind == COL_F64) {
        rbuf_reserve(out, 8 * (size_t)n);
        for (uint32_t i = 0; i < n; i++, out->len += 8) {
            double d = vals[i].type == T_NULL ? 0 : vals[i].n;
            memcpy(out->data + out->len, &d, 8);
        }
    } else {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (uint32_t i = 0; i < n; i++) {
            if (vals[i].type == T_NULL) continue;
            if (x[i] < lo) lo = x[i];
            if (x[i] > hi) hi = x[i];
        }
        unsigned w = uwidth((uint64_t)hi - (uint64_t)lo);
        out->data[2] = (uint8_t)w;
        put_offsets(out, x, vals, n, lo, w);
    }
    free(x);
}

void col_view_nulls(colvec *cv, uint32_t n)
{
    memset(cv, 0, sizeof *cv);
    cv->kind = COL_NULL;
    cv->n = n;
}

/* Whether the N u32 ends at P rise and stay within LIMIT. */
static bool ends_ok(const uint8_t *p, uint32_t n, size_t limit)
{
    uint32_t last = 0;
    bool down = false; /* no early exit: the loop vectorizes */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = col_u32(p, i);
        down |= e < last;
        last = e;
    }
    return !down && last <= limit;
}

/* Whether each of the N codes of WIDTH bytes at D is below NDICT (> 0). */
static bool codes_below(const uint8_t *d, uint32_t n, unsigned width, uint32_t ndict)
{
    uint32_t i = 0, top = 0;
    if (width == 1 && ndict <= 128) {
        /* eight codes at a time: byte B has its high bit set in B | (B + 128 -
         * NDICT) exactly when B >= NDICT (a byte of 128 or more may carry
         * into the next, but is itself caught) */
        const uint64_t ones = UINT64_C(0x0101010101010101);
        uint64_t add = ones * (128 - ndict), bad = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t x;
            memcpy(&x, d + i, 8);
            bad |= (x | (x + add)) & (ones * 0x80);
        }
        if (bad) return false;
    }
    if (width == 1)
        for (; i < n; i++)
            top = d[i] > top ? d[i] : top;
    else
        for (; i < n; i++) {
            uint16_t c;
            memcpy(&c, d + 2 * (size_t)i, 2);
            top = c > top ? c : top;
        }
    return top < ndict;
}

bool col_view(colvec *cv, const uint8_t *p, size_t len)
{
    uint32_t n = 0;
    if (len >= HDR) memcpy(&n, p + 4, 4);
    col_view_nulls(cv, n);
    if (len < HDR) return false;
    size_t at = HDR;
    const uint8_t *nulls = NULL;
    if (p[3] & COL_HASNULL) {
        if (len - at < (n + 7) / 8) return false;
        nulls = p + at;
        at += (n + 7) / 8;
    }
    const uint8_t *b = p + at;
    size_t rest = len - at;
    colvec v = {.kind = p[0], .type = p[1], .width = p[2], .n = n, .nulls = nulls};
    switch (v.kind) {
    case COL_NULL: break;
    case COL_INT:
    case COL_HUND:
        if (v.width != 0 && v.width != 1 && v.width != 2 && v.width != 4 && v.width != 8)
            return false;
        if (rest < 8 || (rest - 8) / (v.width ? v.width : 1) < (v.width ? n : 0)) return false;
        if (v.kind == COL_INT && v.type != T_BOOL && v.type != T_INT && v.type != T_DATE &&
            v.type != T_DATETIME)
            return false;
        memcpy(&v.base, b, 8);
        v.data = b + 8;
        break;
    case COL_F64:
        if (rest / 8 < n) return false;
        v.data = b;
        break;
    case COL_DICT: {
        if (rest < 4 || (v.width != 1 && v.width != 2)) return false;
        memcpy(&v.ndict, b, 4);
        if ((rest - 4) / 4 < v.ndict) return false;
        v.dict_ends = b + 4;
        size_t dbytes = v.ndict ? col_u32(v.dict_ends, v.ndict - 1) : 0;
        size_t head = 4 + 4 * (size_t)v.ndict;
        if (!ends_ok(v.dict_ends, v.ndict, rest - head)) return false;
        v.dict = b + head;
        if (v.ndict == 0 || (rest - head - dbytes) / v.width < n) return false;
        v.data = v.dict + dbytes;
        if (!codes_below(v.data, n, v.width, v.ndict)) return false; /* (nulls' codes are 0) */
        break;
    }
    case COL_TEXT:
    case COL_ANY:
        if (rest / 4 < n || !ends_ok(b, n, rest - 4 * (size_t)n)) return false;
        v.data = b;
        v.bytes = b + 4 * (size_t)n;
        break;
    default: return false;
    }
    *cv = v;
    return true;
}
