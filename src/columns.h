/* columns.h: one field of many rows, stored together (a column of a block).
 *
 * The store keeps, beside the account records, each field of each block of
 * about COL_ROWS accounts (in id order) as one LMDB value in this form, so
 * that a query reading two or three fields of every account reads those
 * bytes only (see "account columns" in docs/storage.md). A column holds the
 * values exactly as the records do: col_get() of row I gives what rec_get()
 * of the I-th record's slot gives, bit for bit (types included: a retyped
 * custom field's old values keep their old type, as in the records).
 *
 * Layout (little-endian):
 *
 *   u8 kind | u8 type | u8 width | u8 flags | u32 n | [nulls] | body
 *
 * nulls (when flags & COL_HASNULL) is a bitmap of ceil(n/8) bytes, bit set
 * for a row that has a value; without it no row is null. By kind:
 *
 *   COL_NULL   every row null; no body
 *   COL_INT    TYPE bool, int, date or datetime: i64 base, then n unsigned
 *              offsets from it of WIDTH (0, 1, 2, 4 or 8) bytes
 *   COL_HUND   numbers that are whole counts of hundredths: as COL_INT, each
 *              read back as count / 100.0 (as records read theirs)
 *   COL_F64    other numbers: n doubles
 *   COL_DICT   text of few distinct values: u32 ndict, u32 end[ndict], the
 *              values' bytes, then n codes of WIDTH (1 or 2) bytes
 *   COL_TEXT   other text: u32 end[n], then the bytes
 *   COL_ANY    values of several types (a retyped field): u32 end[n], then
 *              each row's value as a one-slot record
 *
 * A null row reads offset, code or length 0. Reading a row is O(1) and copies
 * nothing: text points into the column. */
#ifndef KASH_COLUMNS_H
#define KASH_COLUMNS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "record.h"
#include "value.h"

enum { COL_ROWS = 960 }; /* rows in a block, as the store cuts them */

enum { COL_NULL, COL_INT, COL_HUND, COL_F64, COL_DICT, COL_TEXT, COL_ANY };
enum { COL_HASNULL = 1 };

/* A column read in place. */
typedef struct colvec {
    uint8_t kind, type, width;
    uint32_t n;
    const uint8_t *nulls; /* bitmap, or NULL when no row is null */
    int64_t base;
    const uint8_t *data;  /* offsets, doubles, codes or ends */
    const uint8_t *bytes; /* text and COL_ANY records, after the ends */
    uint32_t ndict;
    const uint8_t *dict_ends; /* COL_DICT: u32 end of each value in DICT */
    const uint8_t *dict;
} colvec;

/* Encodes the N values of VALS as a column into OUT (replacing its contents). */
void col_encode(rbuf *out, const value *vals, uint32_t n);
/* Views the column of LEN bytes at P; false when malformed (*CV then reads
 * as N rows of null, N from the header when there is one). */
bool col_view(colvec *cv, const uint8_t *p, size_t len);
/* A column of N nulls (a block written before its field existed). */
void col_view_nulls(colvec *cv, uint32_t n);

static inline uint64_t col_uint(const uint8_t *p, unsigned w)
{
    switch (w) {
    case 1: return p[0];
    case 2: {
        uint16_t x;
        memcpy(&x, p, 2);
        return x;
    }
    case 4: {
        uint32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    case 8: {
        uint64_t x;
        memcpy(&x, p, 8);
        return x;
    }
    default: return 0;
    }
}

static inline bool col_isnull(const colvec *cv, uint32_t i)
{
    return cv->nulls && !(cv->nulls[i >> 3] >> (i & 7) & 1);
}

static inline uint32_t col_u32(const uint8_t *p, uint32_t i)
{
    uint32_t x;
    memcpy(&x, p + 4 * (size_t)i, 4);
    return x;
}

/* Row I's code in a COL_DICT column, or its offset from the base in a
 * COL_INT or COL_HUND one of WIDTH <= 4 (only meaningful when not null). */
static inline uint32_t col_code(const colvec *cv, uint32_t i)
{
    return (uint32_t)col_uint(cv->data + (size_t)i * cv->width, cv->width);
}

/* Row I's integer in a COL_INT column, or its count of hundredths in a
 * COL_HUND one: the base plus the row's offset (the base for a null row). */
static inline int64_t col_int(const colvec *cv, uint32_t i)
{
    return (int64_t)((uint64_t)cv->base + col_uint(cv->data + (size_t)i * cv->width, cv->width));
}

/* Value K of a COL_DICT column's dictionary. */
static inline value col_dict_value(const colvec *cv, uint32_t k)
{
    uint32_t start = k ? col_u32(cv->dict_ends, k - 1) : 0;
    return (value){.type = T_TEXT,
                   .len = col_u32(cv->dict_ends, k) - start,
                   .s = (const char *)cv->dict + start};
}

/* Row I's number in a COL_HUND or COL_F64 column (0 for a null row). */
static inline double col_num(const colvec *cv, uint32_t i)
{
    if (cv->kind == COL_HUND) return (double)col_int(cv, i) / 100.0;
    double x;
    memcpy(&x, cv->data + 8 * (size_t)i, 8);
    return x;
}

/* Row I (< cv->n) of the column. */
__attribute__((always_inline)) static inline value col_get(const colvec *cv, uint32_t i)
{
    value v = {.type = T_NULL};
    if (cv->kind == COL_NULL || col_isnull(cv, i)) return v;
    switch (cv->kind) {
    case COL_INT:
        v.type = cv->type;
        v.i = col_int(cv, i);
        return v;
    case COL_HUND:
    case COL_F64:
        v.type = T_NUM;
        v.n = col_num(cv, i);
        return v;
    case COL_DICT: return col_dict_value(cv, col_code(cv, i));
    case COL_TEXT:
    case COL_ANY: {
        uint32_t start = i ? col_u32(cv->data, i - 1) : 0, end = col_u32(cv->data, i);
        if (cv->kind == COL_TEXT)
            return (value){
                .type = T_TEXT, .len = end - start, .s = (const char *)cv->bytes + start};
        return rec_get(cv->bytes + start, end - start, 0);
    }
    default: return v;
    }
}

#endif
