/* record.c: encoding rows; see record.h for the layout. */
#include "record.h"

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

static size_t slot_width(const value *v)
{
    switch (v->type) {
    case T_NUM: return 8;
    case T_TEXT: return v->len;
    case T_BOOL:
    case T_INT:
    case T_DATE:
    case T_DATETIME: return int_width(v->i);
    default: return 0;
    }
}

void rec_encode(rbuf *b, const value *vals, int n)
{
    size_t datalen = 0;
    for (int i = 0; i < n; i++)
        datalen += slot_width(&vals[i]);
    int wide = datalen > UINT16_MAX;
    size_t hdr = 3 + (size_t)n + (size_t)n * (wide ? 4 : 2);
    b->len = 0;
    rbuf_reserve(b, hdr + datalen);
    uint8_t *r = b->data;
    r[0] = (uint8_t)(n & 0xFF);
    r[1] = (uint8_t)(n >> 8);
    r[2] = wide ? REC_WIDE : 0;
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
        case T_NUM: memcpy(data + off, &v->n, 8); break;
        case T_TEXT:
            if (w) memcpy(data + off, v->s, w);
            break;
        case T_BOOL:
        case T_INT:
        case T_DATE:
        case T_DATETIME: {
            int64_t x = t == T_BOOL ? (v->i != 0) : v->i;
            if (w == 1) {
                int8_t y = (int8_t)x;
                memcpy(data + off, &y, 1);
            } else if (w == 2) {
                int16_t y = (int16_t)x;
                memcpy(data + off, &y, 2);
            } else if (w == 4) {
                int32_t y = (int32_t)x;
                memcpy(data + off, &y, 4);
            } else if (w == 8) {
                memcpy(data + off, &x, 8);
            }
            break;
        }
        default: break;
        }
        off += (uint32_t)w;
        if (wide) {
            memcpy(ends + 4 * i, &off, 4);
        } else {
            uint16_t o16 = (uint16_t)off;
            memcpy(ends + 2 * i, &o16, 2);
        }
    }
    b->len = hdr + datalen;
}

int rec_decode(const uint8_t *r, size_t n, value *out, int max)
{
    int ns = (int)rec_nslots(r, n);
    if (ns > max) ns = max;
    for (int i = 0; i < ns; i++)
        out[i] = rec_get(r, n, (unsigned)i);
    return ns;
}
