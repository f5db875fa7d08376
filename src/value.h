/* value.h: the typed values kash computes with, and their text forms.
 *
 * A value is 16 bytes and owns nothing: a text value points at bytes owned by
 * someone else (an LMDB page valid for the transaction, the statement arena,
 * a CSV buffer). Dates are days since 1970-01-01, datetimes seconds since
 * 1970-01-01T00:00:00, both proleptic Gregorian without time zones. */
#ifndef KASH_VALUE_H
#define KASH_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Storable types first (their numbers are written into records: never
 * reorder), then the expression-only types. */
typedef enum vtype {
    T_NULL = 0,
    T_BOOL = 1,
    T_INT = 2,
    T_NUM = 3,
    T_TEXT = 4,
    T_DATE = 5,
    T_DATETIME = 6,
    T_DURATION = 7, /* expression only: n units of `unit` */
    T_PERIOD = 8,   /* expression only: [p.start, p.end) in days */
    T_NTYPES
} vtype;

/* Units of T_DURATION and kinds of T_PERIOD. */
enum { U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR };

typedef struct value {
    uint8_t type; /* vtype */
    uint8_t unit; /* T_DURATION unit, T_PERIOD kind (U_*) */
    uint32_t len; /* T_TEXT: byte length */
    union {
        int64_t i;     /* T_BOOL 0/1, T_INT, T_DATE days, T_DATETIME seconds, T_DURATION count */
        double n;      /* T_NUM */
        const char *s; /* T_TEXT: LEN bytes, not NUL-terminated */
        struct {
            int32_t start, end; /* T_PERIOD: days, end exclusive */
        } p;
    };
} value;

static inline value v_null(void)
{
    return (value){.type = T_NULL};
}
static inline value v_bool(bool b)
{
    return (value){.type = T_BOOL, .i = b};
}
static inline value v_int(int64_t i)
{
    return (value){.type = T_INT, .i = i};
}
static inline value v_num(double n)
{
    return (value){.type = T_NUM, .n = n};
}
static inline value v_date(int64_t d)
{
    return (value){.type = T_DATE, .i = d};
}
static inline value v_datetime(int64_t s)
{
    return (value){.type = T_DATETIME, .i = s};
}
static inline value v_text(const char *s, size_t len)
{
    return (value){.type = T_TEXT, .len = (uint32_t)len, .s = s};
}

/* Name of a type as users see it: "int", "num", "text", ... */
const char *vtype_name(int type);
/* Parses a type name; returns -1 when unknown. */
int vtype_parse(const char *name);

/* ---- sums ---- */

/* Whether D is a whole count of hundredths that reads back as D bit for
 * bit, as count / 100.0 (-0.0 does not): how records and columns store
 * prices; the count in *C. */
static inline bool num_hundredths(double d, int64_t *c)
{
    if (!(d > -9e15 && d < 9e15)) return false;
    int64_t k = (int64_t)__builtin_llround(d * 100);
    double back = (double)k / 100.0;
    if (memcmp(&back, &d, sizeof d) != 0) return false;
    *c = k;
    return true;
}

/* A sum whose value does not depend on the order of its terms when they are
 * integers or whole hundredths (prices, scores: num_hundredths()): those add
 * up exactly, counted in hundredths, and the sum is rounded once at the end
 * (past 2^53 hundredths, twice). Any other number (a computed ratio) adds
 * to REST in the order met. So a scan of records, of blocks of columns or
 * of two threads' shares of the blocks gives the same digits. */
/* A 128-bit integer (gcc and clang: no ISO C type is wide enough), for
 * exact products and differences of int64 values. */
__extension__ typedef __int128 i128;
typedef i128 xcents;
typedef struct xsum {
    xcents cents;
    double rest;
    bool inexact; /* REST holds a term */
} xsum;

static inline void xsum_cents(xsum *s, xcents c)
{
    s->cents += c;
}
static inline void xsum_int(xsum *s, int64_t i)
{
    s->cents += (xcents)i * 100;
}
static inline void xsum_num(xsum *s, double d)
{
    int64_t c;
    if (num_hundredths(d, &c)) {
        s->cents += c;
    } else {
        s->rest += d;
        s->inexact = true;
    }
}
/* Adds B's terms to A's: the same sum as one of all the terms when at most
 * one of them is inexact (REST then comes whole from that one). */
static inline void xsum_merge(xsum *a, const xsum *b)
{
    a->cents += b->cents;
    a->rest += b->rest;
    a->inexact |= b->inexact;
}
/* xsum_merge() for two shares of one sum's terms, taken in an order of
 * their own (threads): false, adding nothing, when both are inexact (the
 * sum's digits would then depend on the split). */
static inline bool xsum_join(xsum *a, const xsum *b)
{
    if (a->inexact && b->inexact) return false;
    xsum_merge(a, b);
    return true;
}
/* A minus B's terms. */
static inline void xsum_sub(xsum *a, const xsum *b)
{
    a->cents -= b->cents;
    a->rest -= b->rest;
    a->inexact |= b->inexact;
}
static inline double xsum_value(const xsum *s)
{
    return (double)s->cents / 100.0 + s->rest;
}

/* ---- calendar ---- */

/* Floor division for a positive divisor (C's / truncates toward zero). */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* The day of a date or datetime value (days since 1970-01-01); false for
 * anything else (null). Inline: the division by a constant is a multiply. */
static inline bool day_of(value v, int64_t *day)
{
    if (v.type == T_DATE) {
        *day = v.i;
        return true;
    }
    if (v.type == T_DATETIME) {
        *day = floor_div(v.i, 86400);
        return true;
    }
    return false;
}

/* Days since 1970-01-01 of a civil date (any year, m 1-12, d 1-31). */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday. */
int weekday_from_days(int64_t days);
/* ISO 8601 week-numbering year and week (1-53) of a day. */
void iso_week_from_days(int64_t days, int64_t *iso_year, int *week);
/* First day (a Monday) of ISO week W of ISO year Y. */
int64_t days_from_iso_week(int64_t y, int w);
/* Adds N months to a date, clamping the day to the month's end (Jan 31 + 1mo = Feb 28/29). */
int64_t days_add_months(int64_t days, int64_t n);

/* The period of kind U_* containing DAYS. */
value period_of(int kind, int64_t days);
/* The period following (n > 0) or preceding (n < 0) P by N periods. */
value period_shift(value p, int64_t n);

/* ---- parsing text (whole string must match; return true on success) ---- */

/* YYYY-MM-DD */
bool parse_date(const char *s, size_t n, int64_t *days);
/* YYYY-MM-DD then 'T' or ' ' then HH:MM[:SS[.frac]] then optional Z or
 * +HH:MM / -HH:MM (converted to UTC). Fractions are truncated. */
bool parse_datetime(const char *s, size_t n, int64_t *secs);
/* M/D/YYYY with optional ' H:MM[:SS]'; *has_time tells which. */
bool parse_date_us(const char *s, size_t n, int64_t *secs, bool *has_time);
/* 2024-Q1, 2024-03, 2024-W05, 2024 (a year): a T_PERIOD value. */
bool parse_period(const char *s, size_t n, value *out);
/* Optional sign, digits; fails on overflow. */
bool parse_int(const char *s, size_t n, int64_t *out);
/* Decimal or exponent number as strtod accepts it (no hex, inf or nan). */
bool parse_num(const char *s, size_t n, double *out);

/* ---- formatting (return the length written, buffer NUL-terminated) ---- */

enum { FMT_BUF = 64 }; /* enough for any non-text value */

/* Integers plainly; nums with up to 15 significant digits, integral ones
 * without a decimal point, never "-0"; NaN and infinities as "nan", "inf", "-inf". */
int format_num(double n, char *buf);
int format_date(int64_t days, char *buf);     /* 2024-03-31 */
int format_datetime(int64_t secs, char *buf); /* 2024-03-31 14:05:00 */
int format_period(value p, char *buf);        /* 2024-Q1, 2024-03, 2024-W05, 2024, 2024-03-31 */
int format_duration(value d, char *buf);      /* 90d, 12w, 6mo, 2q, 1y */
/* Any non-text, non-null value in its plain text form (bool: true/false). */
int format_value(const value *v, char *buf);

/* ---- comparison ---- */

/* Total order used by sort and group: null after everything, then by type
 * family: bools, numbers (int and num compared numerically), text (bytewise),
 * dates and datetimes (a date is its midnight). Returns <0, 0, >0. */
int value_cmp(const value *a, const value *b);
/* Equality consistent with value_cmp() == 0. */
bool value_eq(const value *a, const value *b);
/* Grouping keys: a row of N values in which null is a key like any other
 * (null equals null). keys_hash is consistent with keys_eq. */
uint64_t keys_hash(const value *keys, int n);
/* Whether V is the text S. */
static inline bool text_is(value v, const char *s)
{
    size_t n = strlen(s);
    return v.type == T_TEXT && v.len == n && memcmp(v.s, s, n) == 0;
}

/* V as a double when it is a number (int or num); false otherwise (null). */
static inline bool num_of(value v, double *x)
{
    if (v.type == T_INT) return *x = (double)v.i, true;
    if (v.type == T_NUM) return *x = v.n, true;
    return false;
}

/* Orders byte strings as memcmp does, a prefix before the longer string
 * (text values, LMDB's keys): -1, 0 or 1. */
static inline int bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

/* A well-mixed 64-bit hash of N bytes (MurmurHash3 x64_128, folded). */
uint64_t hash_bytes(const void *data, size_t n, uint64_t seed);
bool keys_eq(const value *a, const value *b, int n);

/* Hash consistent with value_eq (1 and 1.0 hash alike; a date and its midnight datetime alike). */
uint64_t value_hash(const value *v, uint64_t seed);

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 prefix of S (n when all of it is valid). */
size_t utf8_valid_prefix(const char *s, size_t n);
/* Display width of valid UTF-8 text in terminal columns (East Asian wide = 2,
 * combining marks = 0). */
size_t utf8_width(const char *s, size_t n);
/* Number of code points. */
size_t utf8_len(const char *s, size_t n);
/* Writes S (N bytes) to OUT (room for 2 * N bytes) in upper or lower case
 * (Unicode's simple case mappings, one code point for one: İ → i, ß stays);
 * invalid bytes are copied as they are. Returns the bytes written. */
size_t utf8_case(const char *s, size_t n, char *out, bool upper);

#endif
