/* record.c: encoding rows; see record.h for the layout. */
#include "record.h"

#include <math.h>
#include <stdlib.h>

#include "arena.h"

void rbuf_reserve(rbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    mem_huge(b->data, cap); /* an import's rows are read back in sorted order */
}

void rbuf_free(rbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Bytes needed for an integer: 0 for zero, else the narrowest of 1, 2, 4, 8. */
static unsigned int_width(int64_t i)
{
    if (i == 0) return 0;
    if (i >= INT8_MIN && i <= INT8_MAX) return 1;
    if (i >= INT16_MIN && i <= INT16_MAX) return 2;
    if (i >= INT32_MIN && i <= INT32_MAX) return 4;
    return 8;
}

/* A number that is a whole count of hundredths, read back bit for bit as
 * count / 100.0: its count in *C and width (0, 1, 2 or 4); else 8. */
static unsigned num_width(double d, int64_t *c)
{
    if (!(d > -2e7 && d < 2e7)) return 8; /* NaN and big numbers too */
    int64_t k = llround(d * 100);
    double back = (double)k / 100.0;
    if (memcmp(&back, &d, sizeof d) != 0) return 8; /* -0.0 too */
    *c = k;
    return int_width(k);
}

static size_t slot_width(const value *v)
{
    int64_t c;
    switch (v->type) {
    case T_NUM: return num_width(v->n, &c);
    case T_TEXT: return v->len;
    case T_BOOL:
    case T_INT:
    case T_DATE:
    case T_DATETIME: return int_width(v->i);
    default: return 0;
    }
}

/* Writes X in W bytes (0, 1, 2, 4 or 8; little-endian hosts). */
static void put_int(uint8_t *p, int64_t x, size_t w)
{
    if (w == 1) {
        int8_t y = (int8_t)x;
        memcpy(p, &y, 1);
    } else if (w == 2) {
        int16_t y = (int16_t)x;
        memcpy(p, &y, 2);
    } else if (w == 4) {
        int32_t y = (int32_t)x;
        memcpy(p, &y, 4);
    } else if (w == 8) {
        memcpy(p, &x, 8);
    }
}

void rec_encode(rbuf *b, const value *vals, int n)
{
    size_t datalen = 0;
    for (int i = 0; i < n; i++)
        datalen += slot_width(&vals[i]);
    unsigned esz = datalen <= UINT8_MAX ? 1 : datalen <= UINT16_MAX ? 2 : 4;
    size_t hdr = 3 + (size_t)n + (size_t)n * esz;
    b->len = 0;
    rbuf_reserve(b, hdr + datalen);
    uint8_t *r = b->data;
    r[0] = (uint8_t)(n & 0xFF);
    r[1] = (uint8_t)(n >> 8);
    r[2] = esz == 1 ? REC_NARROW : esz == 4 ? REC_WIDE : 0;
    uint8_t *ends = r + 3 + n;
    uint8_t *data = r + hdr;
    uint32_t off = 0;
    for (int i = 0; i < n; i++) {
        const value *v = &vals[i];
        int t = v->type;
        if (t >= T_DURATION) t = T_NULL;
        r[3 + i] = (uint8_t)t;
        size_t w = t == T_NULL ? 0 : slot_width(v);
        switch (t) {
        case T_NUM: {
            int64_t c = 0;
            if (num_width(v->n, &c) == 8)
                memcpy(data + off, &v->n, 8);
            else
                put_int(data + off, c, w);
            break;
        }
        case T_TEXT:
            if (w) memcpy(data + off, v->s, w);
            break;
        case T_BOOL:
        case T_INT:
        case T_DATE:
        case T_DATETIME: {
            put_int(data + off, t == T_BOOL ? (v->i != 0) : v->i, w);
            break;
        }
        default: break;
        }
        off += (uint32_t)w;
        if (esz == 1) {
            ends[i] = (uint8_t)off;
        } else if (esz == 4) {
            memcpy(ends + 4 * i, &off, 4);
        } else {
            uint16_t o16 = (uint16_t)off;
            memcpy(ends + 2 * i, &o16, 2);
        }
    }
    b->len = hdr + datalen;
}

void rec_with(rbuf *b, const uint8_t *r, size_t n, unsigned slot, value v)
{
    value local[16], *vals = local;
    int nv = (int)rec_nslots(r, n);
    if (nv <= (int)slot) nv = (int)slot + 1;
    if (nv > 16) vals = xmalloc(sizeof *vals * (size_t)nv);
    for (int i = 0; i < nv; i++)
        vals[i] = rec_get(r, n, (unsigned)i);
    vals[slot] = v;
    rec_encode(b, vals, nv);
    if (vals != local) free(vals);
}

int rec_decode(const uint8_t *r, size_t n, value *out, int max)
{
    int ns = (int)rec_nslots(r, n);
    if (ns > max) ns = max;
    for (int i = 0; i < ns; i++)
        out[i] = rec_get(r, n, (unsigned)i);
    return ns;
}
