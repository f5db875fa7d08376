/* record.h: the compact binary form of a row, as stored in LMDB.
 *
 * A record is a row of slots, one per field of its entity's schema, in schema
 * order. Layout (little-endian):
 *
 *   u16 nslots | u8 flags | u8 tag[nslots] | end[nslots] | data
 *
 * tag is the slot's vtype (T_NULL for null); end[i] is the offset in data
 * where slot i's bytes end (slot i starts where slot i-1 ends): u8 each when
 * flags & REC_NARROW (data up to 255 bytes, the common case), u32 when
 * flags & REC_WIDE, else u16. Data per tag: T_BOOL, T_INT, T_DATE and
 * T_DATETIME as a sign-extended integer of 0 (zero), 1, 2, 4 or 8 bytes;
 * T_NUM as an 8-byte double, or, when the number is a whole count of
 * hundredths (a price, a score), as that count in 0, 1, 2 or 4 bytes, read
 * back as count / 100.0, the same double bit for bit; T_TEXT as its bytes.
 * Reading a slot is O(1) and allocation-free; a record shorter than the
 * schema reads as null in the missing slots, so adding a custom field
 * rewrites nothing. */
#ifndef KASH_RECORD_H
#define KASH_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "value.h"

enum { REC_WIDE = 1, REC_NARROW = 2 };

/* A growable output buffer; owned by whoever declares it, freed with rbuf_free(). */
typedef struct rbuf {
    uint8_t *data;
    size_t len, cap;
} rbuf;

void rbuf_reserve(rbuf *b, size_t extra);
void rbuf_free(rbuf *b);

/* Encodes N values into B (replacing its contents). Expression-only types
 * (durations, periods) must not be passed. */
void rec_encode(rbuf *b, const value *vals, int n);
/* Encodes into B the record R of N bytes with slot SLOT set to V (slots
 * past R's end read null; B must not hold R). */
void rec_with(rbuf *b, const uint8_t *r, size_t n, unsigned slot, value v);

/* Number of slots in a record (0 for an empty or short buffer). */
static inline unsigned rec_nslots(const uint8_t *r, size_t n)
{
    return n < 3 ? 0 : (unsigned)(r[0] | r[1] << 8);
}

/* A record with its header read once, for reading several of its slots
 * (rec_get() reads the header again each time). */
typedef struct rec_view {
    const uint8_t *r;
    size_t n;
    unsigned ns;  /* slots; 0 for a malformed record (every slot then reads as null) */
    unsigned esz; /* bytes per end offset */
    size_t data;  /* where the data starts */
} rec_view;

__attribute__((always_inline)) static inline rec_view rec_view_of(const uint8_t *r, size_t n)
{
    rec_view v = {r, n, rec_nslots(r, n), 0, 0};
    v.esz = v.ns && (r[2] & REC_NARROW) ? 1 : v.ns && (r[2] & REC_WIDE) ? 4 : 2;
    v.data = 3 + (size_t)v.ns + (size_t)v.ns * v.esz;
    if (v.data > n) v.ns = 0; /* a header longer than the record: malformed */
    return v;
}

/* Slot SLOT of the record viewed by RV; see rec_get(). */
__attribute__((always_inline)) static inline value rec_view_get(const rec_view *rv, unsigned slot)
{
    value v = {.type = T_NULL};
    if (slot >= rv->ns) return v;
    const uint8_t *r = rv->r;
    unsigned tag = r[3 + slot];
    if (tag == T_NULL) return v;
    const uint8_t *ends = r + 3 + rv->ns;
    unsigned esz = rv->esz;
    size_t data = rv->data;
    uint32_t start = 0, end;
    if (esz == 1) {
        end = ends[slot];
        if (slot) start = ends[slot - 1];
    } else if (esz == 4) {
        memcpy(&end, ends + 4 * slot, 4);
        if (slot) memcpy(&start, ends + 4 * (slot - 1), 4);
    } else {
        uint16_t e16;
        memcpy(&e16, ends + 2 * slot, 2);
        end = e16;
        if (slot) memcpy(&e16, ends + 2 * (slot - 1), 2), start = e16;
    }
    if (end < start || data + end > rv->n) return v;
    const uint8_t *p = r + data + start;
    uint32_t len = end - start;
    v.type = (uint8_t)tag;
    switch (tag) {
    case T_NUM:
        switch (len) {
        case 8: memcpy(&v.n, p, 8); break;
        case 0: v.n = 0; break;
        case 1: v.n = (int8_t)p[0] / 100.0; break;
        case 2: {
            int16_t x;
            memcpy(&x, p, 2);
            v.n = x / 100.0;
            break;
        }
        case 4: {
            int32_t x;
            memcpy(&x, p, 4);
            v.n = x / 100.0;
            break;
        }
        default: return (value){.type = T_NULL};
        }
        break;
    case T_TEXT:
        v.s = (const char *)p;
        v.len = len;
        break;
    case T_BOOL:
    case T_INT:
    case T_DATE:
    case T_DATETIME:
        switch (len) {
        case 0: v.i = 0; break;
        case 1: v.i = (int8_t)p[0]; break;
        case 2: {
            int16_t x;
            memcpy(&x, p, 2);
            v.i = x;
            break;
        }
        case 4: {
            int32_t x;
            memcpy(&x, p, 4);
            v.i = x;
            break;
        }
        case 8: memcpy(&v.i, p, 8); break;
        default: return (value){.type = T_NULL};
        }
        break;
    default: return (value){.type = T_NULL};
    }
    return v;
}

/* Reads slot SLOT of the record R of N bytes. Text values point into R.
 * Out-of-range slots and malformed records read as null. */
__attribute__((always_inline)) static inline value rec_get(const uint8_t *r, size_t n,
                                                           unsigned slot)
{
    if (slot >= rec_nslots(r, n)) return (value){.type = T_NULL};
    rec_view rv = rec_view_of(r, n);
    return rec_view_get(&rv, slot);
}

/* Decodes all slots (at most MAX) into OUT; returns the count decoded. */
int rec_decode(const uint8_t *r, size_t n, value *out, int max);

#endif
