/* value.c: typed values, the calendar, parsing and formatting their text
 * forms, comparison and hashing, UTF-8 helpers; see value.h.
 *
 * Nothing here allocates (except parse_num's rare slow path for numbers
 * longer than its stack buffer) or depends on the process locale. */
#include "value.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ---- type names ---- */

static const char *const type_names[T_NTYPES] = {
    [T_NULL] = "null",         [T_BOOL] = "bool",         [T_INT] = "int",
    [T_NUM] = "num",           [T_TEXT] = "text",         [T_DATE] = "date",
    [T_DATETIME] = "datetime", [T_DURATION] = "duration", [T_PERIOD] = "period",
};

/* Name of a type as users see it; "?" for a number that is no type. */
const char *vtype_name(int type)
{
    if (type < 0 || type >= T_NTYPES) return "?";
    return type_names[type];
}

/* ASCII case-insensitive equality of two NUL-terminated strings (no locale). */
static bool ascii_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y) return false;
        if (!x) return true;
    }
}

/* Parses a type name or one of the common aliases other tools use
 * (integer, float, string, timestamp...), ignoring ASCII case. */
int vtype_parse(const char *name)
{
    static const struct {
        const char *name;
        int type;
    } aliases[] = {
        {"integer", T_INT}, {"float", T_NUM},    {"double", T_NUM},
        {"string", T_TEXT}, {"boolean", T_BOOL}, {"timestamp", T_DATETIME},
    };
    if (!name) return -1;
    for (int t = 0; t < T_NTYPES; t++)
        if (ascii_ieq(name, type_names[t])) return t;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (ascii_ieq(name, aliases[i].name)) return aliases[i].type;
    return -1;
}

/* ---- calendar ---- */

/* Remainder with the sign of B. */
static inline int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* Gregorian leap year. */
static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Length of month M (1-12) of year Y. */
static int days_in_month(int64_t y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar over any year that does not overflow. */
int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Hinnant's civil_from_days, the inverse of days_from_civil(). */
void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Monday ... 6 = Sunday; 1970-01-01 was a Thursday. */
int weekday_from_days(int64_t days)
{
    return (int)((floor_mod(days, 7) + 3) % 7);
}

/* ISO 8601: a week belongs to the year that holds its Thursday. */
void iso_week_from_days(int64_t days, int64_t *iso_year, int *week)
{
    int64_t thursday = days - weekday_from_days(days) + 3;
    int64_t y;
    int m, d;
    civil_from_days(thursday, &y, &m, &d);
    *iso_year = y;
    *week = (int)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
}

/* Week 1 is the week holding January 4th. */
int64_t days_from_iso_week(int64_t y, int w)
{
    int64_t jan4 = days_from_civil(y, 1, 4);
    return jan4 - weekday_from_days(jan4) + (int64_t)(w - 1) * 7;
}

/* Number of ISO weeks (52 or 53) of ISO year Y: the week of December 28th. */
static int iso_weeks_in_year(int64_t y)
{
    int64_t iy;
    int w;
    iso_week_from_days(days_from_civil(y, 12, 28), &iy, &w);
    return w;
}

/* Month arithmetic on (year, month) with the day clamped to the month's end,
 * so that Jan 31 + 1 month is the last day of February. */
int64_t days_add_months(int64_t days, int64_t n)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t mi = y * 12 + (m - 1) + n;
    y = floor_div(mi, 12);
    m = (int)floor_mod(mi, 12) + 1;
    int dim = days_in_month(y, m);
    if (d > dim) d = dim;
    return days_from_civil(y, m, d);
}

/* A T_PERIOD value of kind KIND over [start, end). */
static value make_period(int kind, int64_t start, int64_t end)
{
    value v = {.type = T_PERIOD, .unit = (uint8_t)kind};
    v.p.start = (int32_t)start;
    v.p.end = (int32_t)end;
    return v;
}

/* The calendar period of kind KIND (U_DAY ... U_YEAR) containing DAYS;
 * null for an unknown kind. */
value period_of(int kind, int64_t days)
{
    int64_t y, start;
    int m, d;
    switch (kind) {
    case U_DAY: return make_period(kind, days, days + 1);
    case U_WEEK: start = days - weekday_from_days(days); return make_period(kind, start, start + 7);
    case U_MONTH:
        civil_from_days(days, &y, &m, &d);
        start = days_from_civil(y, m, 1);
        return make_period(kind, start, days_add_months(start, 1));
    case U_QUARTER:
        civil_from_days(days, &y, &m, &d);
        start = days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
        return make_period(kind, start, days_add_months(start, 3));
    case U_YEAR:
        civil_from_days(days, &y, &m, &d);
        return make_period(kind, days_from_civil(y, 1, 1), days_from_civil(y + 1, 1, 1));
    }
    return v_null();
}

/* Moves P by N periods of its own kind; a non-period gives null. Periods are
 * recomputed from their start, so a shifted month is a whole month. */
value period_shift(value p, int64_t n)
{
    if (p.type != T_PERIOD) return v_null();
    switch (p.unit) {
    case U_DAY: return period_of(U_DAY, p.p.start + n);
    case U_WEEK: return period_of(U_WEEK, p.p.start + n * 7);
    case U_MONTH: return period_of(U_MONTH, days_add_months(p.p.start, n));
    case U_QUARTER: return period_of(U_QUARTER, days_add_months(p.p.start, n * 3));
    case U_YEAR: return period_of(U_YEAR, days_add_months(p.p.start, n * 12));
    }
    return v_null();
}

/* ---- parsing ---- */

/* Reads exactly K ASCII digits at S into *OUT. */
static inline bool digits(const char *s, int k, int *out)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (c > 9) return false;
        v = v * 10 + (int)c;
    }
    *out = v;
    return true;
}

/* Reads one or two ASCII digits at S[*i] (before N) into *OUT, advancing *i. */
static bool digits12(const char *s, size_t n, size_t *i, int *out)
{
    size_t j = *i;
    if (j >= n || (unsigned)(unsigned char)s[j] - '0' > 9) return false;
    int v = s[j++] - '0';
    if (j < n && (unsigned)(unsigned char)s[j] - '0' <= 9) v = v * 10 + (s[j++] - '0');
    *out = v;
    *i = j;
    return true;
}

/* A real calendar date: month 1-12, day within the month. */
static bool valid_ymd(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* YYYY-MM-DD exactly, with a real calendar date. */
bool parse_date(const char *s, size_t n, int64_t *days)
{
    int y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d)) return false;
    if (!valid_ymd(y, m, d)) return false;
    *days = days_from_civil(y, m, d);
    return true;
}

/* YYYY-MM-DD, 'T' or ' ', HH:MM, optional :SS, optional .fraction (digits,
 * truncated), then optional Z, +HH:MM, -HH:MM, +HHMM or -HHMM. */
bool parse_datetime(const char *s, size_t n, int64_t *secs)
{
    int64_t days;
    int hh, mm, ss = 0;
    if (n < 16 || (s[10] != 'T' && s[10] != ' ')) return false;
    if (!parse_date(s, 10, &days)) return false;
    if (!digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm)) return false;
    if (hh > 23 || mm > 59) return false;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (n - i < 3 || !digits(s + i + 1, 2, &ss) || ss > 59) return false;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t j = ++i;
            while (i < n && (unsigned)(unsigned char)s[i] - '0' <= 9)
                i++;
            if (i == j) return false;
        }
    }
    int64_t t = days * 86400 + hh * 3600 + mm * 60 + ss;
    if (i < n) {
        if (s[i] == 'Z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i] == '-' ? -1 : 1, oh, om;
            i++;
            if (n - i < 4 || !digits(s + i, 2, &oh)) return false;
            i += 2;
            if (s[i] == ':') i++;
            if (n - i < 2 || !digits(s + i, 2, &om)) return false;
            i += 2;
            if (oh > 23 || om > 59) return false;
            t -= sign * (oh * 3600 + om * 60); /* local = UTC + offset */
        } else {
            return false;
        }
    }
    if (i != n) return false;
    *secs = t;
    return true;
}

/* M/D/YYYY (one or two digit month and day, four digit year), optionally
 * followed by ' H:MM' or ' H:MM:SS' (one or two digit hour). */
bool parse_date_us(const char *s, size_t n, int64_t *secs, bool *has_time)
{
    size_t i = 0;
    int m, d, y, hh = 0, mm = 0, ss = 0;
    if (!digits12(s, n, &i, &m) || i >= n || s[i++] != '/') return false;
    if (!digits12(s, n, &i, &d) || i >= n || s[i++] != '/') return false;
    if (n - i < 4 || !digits(s + i, 4, &y)) return false;
    i += 4;
    if (!valid_ymd(y, m, d)) return false;
    bool timed = false;
    if (i < n) {
        if (s[i++] != ' ') return false;
        if (!digits12(s, n, &i, &hh) || i >= n || s[i++] != ':') return false;
        if (n - i < 2 || !digits(s + i, 2, &mm)) return false;
        i += 2;
        if (i < n) {
            if (s[i] != ':' || n - i != 3 || !digits(s + i + 1, 2, &ss)) return false;
            i += 3;
        }
        if (hh > 23 || mm > 59 || ss > 59) return false;
        timed = true;
    }
    if (i != n) return false;
    *secs = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    *has_time = timed;
    return true;
}

/* YYYY, YYYY-Qn, YYYY-MM or YYYY-Wnn (a week that exists in that ISO year). */
bool parse_period(const char *s, size_t n, value *out)
{
    int y, a;
    if (n < 4 || !digits(s, 4, &y)) return false;
    if (n == 4) {
        *out = make_period(U_YEAR, days_from_civil(y, 1, 1), days_from_civil(y + 1, 1, 1));
        return true;
    }
    if (s[4] != '-') return false;
    if (n == 7 && s[5] == 'Q') {
        if (s[6] < '1' || s[6] > '4') return false;
        *out = period_of(U_QUARTER, days_from_civil(y, (s[6] - '1') * 3 + 1, 1));
        return true;
    }
    if (n == 7) {
        if (!digits(s + 5, 2, &a) || a < 1 || a > 12) return false;
        *out = period_of(U_MONTH, days_from_civil(y, a, 1));
        return true;
    }
    if (n == 8 && s[5] == 'W') {
        if (!digits(s + 6, 2, &a) || a < 1 || a > iso_weeks_in_year(y)) return false;
        int64_t start = days_from_iso_week(y, a);
        *out = make_period(U_WEEK, start, start + 7);
        return true;
    }
    return false;
}

/* Optional sign and ASCII digits; fails on overflow of int64. */
bool parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
    if (i == n) return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; i < n; i++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (c > 9) return false;
        if (v > (limit - c) / 10) return false;
        v = v * 10 + c;
    }
    if (!neg)
        *out = (int64_t)v;
    else
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return true;
}

/* strtod in the "C" locale whatever the process locale says, so that the
 * decimal point is always '.'. */
static double strtod_c(const char *s, char **end)
{
    static locale_t c_locale;
    if (!c_locale) c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale) return strtod_l(s, end, c_locale);
    return strtod(s, end);
}

/* A decimal number: [sign] digits [. digits] | [sign] . digits, then an
 * optional exponent. Short inputs (at most 19 significant digits, mantissa
 * below 2^53, power of ten at most 22) are computed exactly with one IEEE
 * multiplication or division, which is correctly rounded (Clinger's fast
 * path); the rest go to strtod in the C locale. Overflow to infinity fails. */
bool parse_num(const char *s, size_t n, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
    uint64_t mant = 0;
    int sig = 0;       /* significant digits accumulated in mant */
    bool exact = true; /* false once a nonzero digit did not fit */
    int64_t exp10 = 0; /* value = mant * 10^exp10 (when exact) */
    size_t ndigits = 0;
    for (; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++, ndigits++) {
        unsigned c = (unsigned)(unsigned char)s[i] - '0';
        if (sig < 19) {
            mant = mant * 10 + c;
            if (mant) sig++;
        } else {
            exp10++;
            if (c) exact = false;
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++, ndigits++) {
            unsigned c = (unsigned)(unsigned char)s[i] - '0';
            if (sig < 19) {
                mant = mant * 10 + c;
                if (mant) sig++;
                exp10--;
            } else if (c) {
                exact = false;
            }
        }
    }
    if (!ndigits) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        size_t j = i;
        int64_t e = 0;
        for (; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++)
            if (e < 100000) e = e * 10 + (s[i] - '0');
        if (i == j) return false;
        exp10 += eneg ? -e : e;
    }
    if (i != n) return false;

#if FLT_EVAL_METHOD == 0
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (exact && mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10[-exp10] : v * pow10[exp10];
        *out = neg ? -v : v;
        return true;
    }
    if (mant == 0 && exact) { /* zero with any exponent */
        *out = neg ? -0.0 : 0.0;
        return true;
    }
#endif
    char small[128], *buf = small;
    if (n >= sizeof small) buf = malloc(n + 1);
    if (!buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    double v = strtod_c(buf, &end);
    bool ok = end == buf + n && !(errno == ERANGE && isinf(v));
    if (buf != small) free(buf);
    if (ok) *out = v;
    return ok;
}

/* ---- formatting ---- */

/* Rewrites a locale's decimal point (if snprintf used one other than '.') in
 * the LEN bytes of BUF to '.', returning the new length. */
static int c_point(char *buf, int len)
{
    int j = 0;
    bool in_point = false;
    for (int i = 0; i < len; i++) {
        char c = buf[i];
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e') {
            buf[j++] = c;
            in_point = false;
        } else if (!in_point) {
            buf[j++] = '.';
            in_point = true;
        }
    }
    buf[j] = 0;
    return j;
}

/* Decimal digits of V without snprintf (integers are most cells). */
static int format_i64(int64_t v, char *buf)
{
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = 0;
    return len;
}

/* Integral values within ±1e15 as integers, others with 15 significant
 * digits, so that 0.1 + 0.2 prints as 0.3; never "-0". */
int format_num(double n, char *buf)
{
    if (isnan(n)) return (int)(memcpy(buf, "nan", 4), 3);
    if (isinf(n)) {
        if (n > 0) return (int)(memcpy(buf, "inf", 4), 3);
        return (int)(memcpy(buf, "-inf", 5), 4);
    }
    if (n == trunc(n) && fabs(n) <= 1e15) return format_i64((int64_t)n, buf); /* -0.0 becomes 0 */
    /* A whole count of hundredths (a price), as %.15g prints it without
     * printf: below 1e13 its decimal has at most 15 digits, so it is the
     * one %.15g finds nearest the double. */
    if (fabs(n) < 1e13) {
        int64_t k = llround(n * 100);
        if ((double)k / 100.0 == n) {
            uint64_t u = k < 0 ? (uint64_t)-k : (uint64_t)k;
            int len = 0;
            if (k < 0) buf[len++] = '-';
            len += format_i64((int64_t)(u / 100), buf + len);
            buf[len++] = '.';
            buf[len++] = (char)('0' + u / 10 % 10);
            if (u % 10) buf[len++] = (char)('0' + u % 10);
            buf[len] = 0;
            return len;
        }
    }
    int len = snprintf(buf, FMT_BUF, "%.15g", n);
    if (len == 2 && buf[0] == '-' && buf[1] == '0') return (int)(memcpy(buf, "0", 2), 1);
    return c_point(buf, len);
}

/* ISO 8601 date; years outside 0-9999 print with as many digits as needed. */
int format_date(int64_t days, char *buf)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) { /* the common case, without snprintf */
        int yy = (int)y;
        buf[0] = (char)('0' + yy / 1000);
        buf[1] = (char)('0' + yy / 100 % 10);
        buf[2] = (char)('0' + yy / 10 % 10);
        buf[3] = (char)('0' + yy % 10);
        buf[4] = '-';
        buf[5] = (char)('0' + m / 10);
        buf[6] = (char)('0' + m % 10);
        buf[7] = '-';
        buf[8] = (char)('0' + d / 10);
        buf[9] = (char)('0' + d % 10);
        buf[10] = 0;
        return 10;
    }
    return snprintf(buf, FMT_BUF, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* Date, a space (like sqlite3 and DuckDB), then HH:MM:SS. */
int format_datetime(int64_t secs, char *buf)
{
    int64_t days = floor_div(secs, 86400);
    int t = (int)floor_mod(secs, 86400);
    int len = format_date(days, buf);
    int hh = t / 3600, mm = t / 60 % 60, ss = t % 60;
    char *p = buf + len;
    p[0] = ' ';
    p[1] = (char)('0' + hh / 10);
    p[2] = (char)('0' + hh % 10);
    p[3] = ':';
    p[4] = (char)('0' + mm / 10);
    p[5] = (char)('0' + mm % 10);
    p[6] = ':';
    p[7] = (char)('0' + ss / 10);
    p[8] = (char)('0' + ss % 10);
    p[9] = 0;
    return len + 9;
}

/* The text form of a period, the same syntax parse_period() reads (a day
 * period prints as its date). */
int format_period(value p, char *buf)
{
    int64_t y;
    int m, d, w;
    switch (p.unit) {
    case U_DAY: return format_date(p.p.start, buf);
    case U_WEEK:
        iso_week_from_days(p.p.start, &y, &w);
        return snprintf(buf, FMT_BUF, "%04lld-W%02d", (long long)y, w);
    case U_MONTH:
        civil_from_days(p.p.start, &y, &m, &d);
        return snprintf(buf, FMT_BUF, "%04lld-%02d", (long long)y, m);
    case U_QUARTER:
        civil_from_days(p.p.start, &y, &m, &d);
        return snprintf(buf, FMT_BUF, "%04lld-Q%d", (long long)y, (m - 1) / 3 + 1);
    case U_YEAR:
        civil_from_days(p.p.start, &y, &m, &d);
        return snprintf(buf, FMT_BUF, "%04lld", (long long)y);
    }
    buf[0] = 0;
    return 0;
}

/* Count then unit suffix, as the language writes duration literals. */
int format_duration(value d, char *buf)
{
    static const char *const suffix[] = {"d", "w", "mo", "q", "y"};
    const char *u = d.unit <= U_YEAR ? suffix[d.unit] : "?";
    return snprintf(buf, FMT_BUF, "%lld%s", (long long)d.i, u);
}

/* Plain text form of any non-text, non-null value; "" for text and null,
 * which callers print themselves. */
int format_value(const value *v, char *buf)
{
    switch (v->type) {
    case T_BOOL:
        if (v->i) return (int)(memcpy(buf, "true", 5), 4);
        return (int)(memcpy(buf, "false", 6), 5);
    case T_INT: return format_i64(v->i, buf);
    case T_NUM: return format_num(v->n, buf);
    case T_DATE: return format_date(v->i, buf);
    case T_DATETIME: return format_datetime(v->i, buf);
    case T_PERIOD: return format_period(*v, buf);
    case T_DURATION: return format_duration(*v, buf);
    }
    buf[0] = 0;
    return 0;
}

/* ---- comparison ---- */

/* Sort families: values of different families order by family alone. */
enum { F_BOOL, F_NUMBER, F_TEXT, F_TIME, F_PERIOD, F_DURATION, F_NULL };

/* Days in one unit of a duration, for ordering: U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR. */
static const int64_t duration_days[5] = {1, 7, 30, 90, 360};

/* Sort family of a type; null and unknown types last. */
static int family(int type)
{
    switch (type) {
    case T_BOOL: return F_BOOL;
    case T_INT:
    case T_NUM: return F_NUMBER;
    case T_TEXT: return F_TEXT;
    case T_DATE:
    case T_DATETIME: return F_TIME;
    case T_PERIOD: return F_PERIOD;
    case T_DURATION: return F_DURATION;
    }
    return F_NULL;
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Two doubles, with NaN after every number and equal to itself. */
static int cmp_num(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return CMP(a, b);
}

/* An int64 against a double, exactly: no rounding of the integer to double. */
static int cmp_int_num(int64_t i, double d)
{
    if (isnan(d)) return -1;
    if (d >= 9223372036854775808.0) return -1; /* 2^63 */
    if (d < -9223372036854775808.0) return 1;
    double t = trunc(d); /* in [-2^63, 2^63): converts exactly */
    int64_t ti = (int64_t)t;
    if (i != ti) return CMP(i, ti);
    return CMP(t, d); /* i == trunc(d): d's fraction decides */
}

/* A date (days) against a datetime (seconds): the date is its midnight.
 * Compares days first so that nothing overflows. */
static int cmp_date_datetime(int64_t days, int64_t secs)
{
    int64_t sd = floor_div(secs, 86400);
    if (days != sd) return CMP(days, sd);
    return floor_mod(secs, 86400) ? -1 : 0;
}

/* The total order of sort and group by; see value.h. */
int value_cmp(const value *a, const value *b)
{
    int fa = family(a->type), fb = family(b->type);
    if (fa != fb) return CMP(fa, fb); /* F_NULL is the last family */
    switch (fa) {
    case F_NULL: return 0;
    case F_BOOL: return CMP(a->i, b->i);
    case F_NUMBER:
        if (a->type == T_INT && b->type == T_INT) return CMP(a->i, b->i);
        if (a->type == T_NUM && b->type == T_NUM) return cmp_num(a->n, b->n);
        if (a->type == T_INT) return cmp_int_num(a->i, b->n);
        return -cmp_int_num(b->i, a->n);
    case F_TEXT: return bytes_cmp(a->s, a->len, b->s, b->len);
    case F_TIME:
        if (a->type == b->type) return CMP(a->i, b->i);
        if (a->type == T_DATE) return cmp_date_datetime(a->i, b->i);
        return -cmp_date_datetime(b->i, a->i);
    case F_PERIOD:
        if (a->p.start != b->p.start) return CMP(a->p.start, b->p.start);
        if (a->p.end != b->p.end) return CMP(a->p.end, b->p.end);
        return CMP(a->unit, b->unit);
    case F_DURATION: { /* by length in days, a month counting 30 (as DuckDB's intervals) */
        i128 x = (i128)a->i * duration_days[a->unit % 5];
        i128 y = (i128)b->i * duration_days[b->unit % 5];
        return CMP(x, y);
    }
    }
    return 0;
}

/* value_cmp() == 0, with a fast path for the same type. */
bool value_eq(const value *a, const value *b)
{
    if (a->type == b->type) {
        switch (a->type) {
        case T_NULL: return true;
        case T_BOOL:
        case T_INT:
        case T_DATE:
        case T_DATETIME: return a->i == b->i;
        case T_TEXT: return a->len == b->len && (!a->len || !memcmp(a->s, b->s, a->len));
        }
    }
    return value_cmp(a, b) == 0;
}

/* ---- hashing ---- */

/* Rotates X left by R bits (0 < R < 64). */
static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    k *= UINT64_C(0xc4ceb9fe1a85ec53);
    k ^= k >> 33;
    return k;
}

/* A 64-bit word of hash input, tagged by family and salted by SEED. */
static inline uint64_t hash_word(uint64_t seed, uint64_t tag, uint64_t x)
{
    return fmix64(fmix64(x ^ (tag * UINT64_C(0x9e3779b97f4a7c15))) + seed);
}

/* Eight bytes at P in native order, unaligned. */
static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* MurmurHash3 x64_128 over N bytes, folded to 64 bits: two lanes of 8 bytes
 * per step, fast on long strings and well mixed on short ones. */
uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    const uint64_t c1 = UINT64_C(0x87c37b91114253d5), c2 = UINT64_C(0x4cf5ad432745937f);
    uint64_t h1 = seed, h2 = seed ^ UINT64_C(0x6a09e667f3bcc909);
    size_t blocks = n / 16;
    for (size_t b = 0; b < blocks; b++, p += 16) {
        uint64_t k1 = load64(p), k2 = load64(p + 8);
        k1 *= c1, k1 = rotl64(k1, 31), k1 *= c2, h1 ^= k1;
        h1 = rotl64(h1, 27), h1 += h2, h1 = h1 * 5 + 0x52dce729;
        k2 *= c2, k2 = rotl64(k2, 33), k2 *= c1, h2 ^= k2;
        h2 = rotl64(h2, 31), h2 += h1, h2 = h2 * 5 + 0x38495ab5;
    }
    uint64_t k1 = 0, k2 = 0;
    size_t tail = n & 15;
    for (size_t i = tail; i > 8; i--)
        k2 = (k2 << 8) | p[i - 1];
    for (size_t i = tail < 8 ? tail : 8; i > 0; i--)
        k1 = (k1 << 8) | p[i - 1];
    if (tail > 8) k2 *= c2, k2 = rotl64(k2, 33), k2 *= c1, h2 ^= k2;
    if (tail) k1 *= c1, k1 = rotl64(k1, 31), k1 *= c2, h1 ^= k1;
    h1 ^= n, h2 ^= n;
    h1 += h2, h2 += h1;
    h1 = fmix64(h1), h2 = fmix64(h2);
    h1 += h2;
    return h1;
}

/* Consistent with value_eq(): a number hashes as its integer value when it
 * has one, a date as its midnight in seconds. */
uint64_t value_hash(const value *v, uint64_t seed)
{
    switch (v->type) {
    case T_BOOL: return hash_word(seed, F_BOOL, (uint64_t)v->i);
    case T_INT: return hash_word(seed, F_NUMBER, (uint64_t)v->i);
    case T_NUM: {
        double d = v->n;
        if (isnan(d)) return hash_word(seed, F_NUMBER, UINT64_C(0x7ff8000000000000) ^ 1);
        if (d == trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            return hash_word(seed, F_NUMBER, (uint64_t)(int64_t)d);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return hash_word(seed, F_NUMBER, bits);
    }
    case T_TEXT: return hash_bytes(v->s, v->len, seed ^ F_TEXT);
    case T_DATE: return hash_word(seed, F_TIME, (uint64_t)v->i * 86400u);
    case T_DATETIME: return hash_word(seed, F_TIME, (uint64_t)v->i);
    case T_PERIOD:
        return hash_word(seed, F_PERIOD,
                         ((uint64_t)(uint32_t)v->p.start << 32 | (uint32_t)v->p.end) ^
                             (uint64_t)v->unit << 61);
    case T_DURATION:
        return hash_word(seed, F_DURATION, (uint64_t)v->i * (uint64_t)duration_days[v->unit % 5]);
    }
    return hash_word(seed, F_NULL, 0);
}

/* ---- UTF-8 ---- */

/* Decodes one code point at S (N > 0 bytes). Returns its length and sets
 * *CP, or returns 0 when the sequence is invalid (overlong, surrogate, above
 * U+10FFFF, truncated or a stray continuation byte). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        *cp = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        uint32_t v = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v =
            (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF) return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/* Encodes code point CP at OUT; returns its length. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18), o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* glibc's C.UTF-8 locale: its case mappings are Unicode's simple ones. */
static locale_t utf8_locale;
static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

size_t utf8_case(const char *s, size_t n, char *out, bool upper)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, utf8_locale_init);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = u[i] < 0x80 ? (cp = u[i], 1) : utf8_decode(u + i, n - i, &cp);
        if (k == 0) { /* not UTF-8: the byte as it is */
            out[o++] = s[i++];
            continue;
        }
        i += k;
        if (cp < 0x80) {
            out[o++] = (char)(upper ? (cp >= 'a' && cp <= 'z' ? cp - 32 : cp)
                                    : (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            continue;
        }
        if (utf8_locale) {
            wint_t m =
                upper ? towupper_l((wint_t)cp, utf8_locale) : towlower_l((wint_t)cp, utf8_locale);
            if (m > 0 && m <= 0x10FFFF && !(m >= 0xD800 && m <= 0xDFFF)) cp = (uint32_t)m;
        }
        o += utf8_encode(cp, out + o);
    }
    return o;
}

/* Valid prefix length, skipping ASCII eight bytes at a time. */
size_t utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8 && !(load64(p + i) & UINT64_C(0x8080808080808080))) {
            i += 8;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (!k) break;
        i += k;
    }
    return i;
}

/* Code points; each byte of an invalid sequence counts as one. */
size_t utf8_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, count = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp);
        i += k ? k : 1;
        count++;
    }
    return count;
}

typedef struct {
    uint32_t lo, hi;
} cp_range;

/* Width 0: nonspacing and enclosing marks (Mn, Me), format characters (Cf,
 * except the soft hyphen and the visible prepended concatenation marks),
 * Hangul conjoining vowels and finals, emoji skin-tone modifiers (drawn
 * inside the emoji they follow). Generated from Unicode 14.0 data. */
static const cp_range zero_width[] = {
    {0x0300, 0x036F},   {0x0483, 0x0489},   {0x0591, 0x05BD},   {0x05BF, 0x05BF},
    {0x05C1, 0x05C2},   {0x05C4, 0x05C5},   {0x05C7, 0x05C7},   {0x0610, 0x061A},
    {0x061C, 0x061C},   {0x064B, 0x065F},   {0x0670, 0x0670},   {0x06D6, 0x06DC},
    {0x06DF, 0x06E4},   {0x06E7, 0x06E8},   {0x06EA, 0x06ED},   {0x0711, 0x0711},
    {0x0730, 0x074A},   {0x07A6, 0x07B0},   {0x07EB, 0x07F3},   {0x07FD, 0x07FD},
    {0x0816, 0x0819},   {0x081B, 0x0823},   {0x0825, 0x0827},   {0x0829, 0x082D},
    {0x0859, 0x085B},   {0x0898, 0x089F},   {0x08CA, 0x08E1},   {0x08E3, 0x0902},
    {0x093A, 0x093A},   {0x093C, 0x093C},   {0x0941, 0x0948},   {0x094D, 0x094D},
    {0x0951, 0x0957},   {0x0962, 0x0963},   {0x0981, 0x0981},   {0x09BC, 0x09BC},
    {0x09C1, 0x09C4},   {0x09CD, 0x09CD},   {0x09E2, 0x09E3},   {0x09FE, 0x09FE},
    {0x0A01, 0x0A02},   {0x0A3C, 0x0A3C},   {0x0A41, 0x0A42},   {0x0A47, 0x0A48},
    {0x0A4B, 0x0A4D},   {0x0A51, 0x0A51},   {0x0A70, 0x0A71},   {0x0A75, 0x0A75},
    {0x0A81, 0x0A82},   {0x0ABC, 0x0ABC},   {0x0AC1, 0x0AC5},   {0x0AC7, 0x0AC8},
    {0x0ACD, 0x0ACD},   {0x0AE2, 0x0AE3},   {0x0AFA, 0x0AFF},   {0x0B01, 0x0B01},
    {0x0B3C, 0x0B3C},   {0x0B3F, 0x0B3F},   {0x0B41, 0x0B44},   {0x0B4D, 0x0B4D},
    {0x0B55, 0x0B56},   {0x0B62, 0x0B63},   {0x0B82, 0x0B82},   {0x0BC0, 0x0BC0},
    {0x0BCD, 0x0BCD},   {0x0C00, 0x0C00},   {0x0C04, 0x0C04},   {0x0C3C, 0x0C3C},
    {0x0C3E, 0x0C40},   {0x0C46, 0x0C48},   {0x0C4A, 0x0C4D},   {0x0C55, 0x0C56},
    {0x0C62, 0x0C63},   {0x0C81, 0x0C81},   {0x0CBC, 0x0CBC},   {0x0CBF, 0x0CBF},
    {0x0CC6, 0x0CC6},   {0x0CCC, 0x0CCD},   {0x0CE2, 0x0CE3},   {0x0D00, 0x0D01},
    {0x0D3B, 0x0D3C},   {0x0D41, 0x0D44},   {0x0D4D, 0x0D4D},   {0x0D62, 0x0D63},
    {0x0D81, 0x0D81},   {0x0DCA, 0x0DCA},   {0x0DD2, 0x0DD4},   {0x0DD6, 0x0DD6},
    {0x0E31, 0x0E31},   {0x0E34, 0x0E3A},   {0x0E47, 0x0E4E},   {0x0EB1, 0x0EB1},
    {0x0EB4, 0x0EBC},   {0x0EC8, 0x0ECD},   {0x0F18, 0x0F19},   {0x0F35, 0x0F35},
    {0x0F37, 0x0F37},   {0x0F39, 0x0F39},   {0x0F71, 0x0F7E},   {0x0F80, 0x0F84},
    {0x0F86, 0x0F87},   {0x0F8D, 0x0F97},   {0x0F99, 0x0FBC},   {0x0FC6, 0x0FC6},
    {0x102D, 0x1030},   {0x1032, 0x1037},   {0x1039, 0x103A},   {0x103D, 0x103E},
    {0x1058, 0x1059},   {0x105E, 0x1060},   {0x1071, 0x1074},   {0x1082, 0x1082},
    {0x1085, 0x1086},   {0x108D, 0x108D},   {0x109D, 0x109D},   {0x1160, 0x11FF},
    {0x135D, 0x135F},   {0x1712, 0x1714},   {0x1732, 0x1733},   {0x1752, 0x1753},
    {0x1772, 0x1773},   {0x17B4, 0x17B5},   {0x17B7, 0x17BD},   {0x17C6, 0x17C6},
    {0x17C9, 0x17D3},   {0x17DD, 0x17DD},   {0x180B, 0x180F},   {0x1885, 0x1886},
    {0x18A9, 0x18A9},   {0x1920, 0x1922},   {0x1927, 0x1928},   {0x1932, 0x1932},
    {0x1939, 0x193B},   {0x1A17, 0x1A18},   {0x1A1B, 0x1A1B},   {0x1A56, 0x1A56},
    {0x1A58, 0x1A5E},   {0x1A60, 0x1A60},   {0x1A62, 0x1A62},   {0x1A65, 0x1A6C},
    {0x1A73, 0x1A7C},   {0x1A7F, 0x1A7F},   {0x1AB0, 0x1ACE},   {0x1B00, 0x1B03},
    {0x1B34, 0x1B34},   {0x1B36, 0x1B3A},   {0x1B3C, 0x1B3C},   {0x1B42, 0x1B42},
    {0x1B6B, 0x1B73},   {0x1B80, 0x1B81},   {0x1BA2, 0x1BA5},   {0x1BA8, 0x1BA9},
    {0x1BAB, 0x1BAD},   {0x1BE6, 0x1BE6},   {0x1BE8, 0x1BE9},   {0x1BED, 0x1BED},
    {0x1BEF, 0x1BF1},   {0x1C2C, 0x1C33},   {0x1C36, 0x1C37},   {0x1CD0, 0x1CD2},
    {0x1CD4, 0x1CE0},   {0x1CE2, 0x1CE8},   {0x1CED, 0x1CED},   {0x1CF4, 0x1CF4},
    {0x1CF8, 0x1CF9},   {0x1DC0, 0x1DFF},   {0x200B, 0x200F},   {0x202A, 0x202E},
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0x20D0, 0x20F0},   {0x2CEF, 0x2CF1},
    {0x2D7F, 0x2D7F},   {0x2DE0, 0x2DFF},   {0x302A, 0x302D},   {0x3099, 0x309A},
    {0xA66F, 0xA672},   {0xA674, 0xA67D},   {0xA69E, 0xA69F},   {0xA6F0, 0xA6F1},
    {0xA802, 0xA802},   {0xA806, 0xA806},   {0xA80B, 0xA80B},   {0xA825, 0xA826},
    {0xA82C, 0xA82C},   {0xA8C4, 0xA8C5},   {0xA8E0, 0xA8F1},   {0xA8FF, 0xA8FF},
    {0xA926, 0xA92D},   {0xA947, 0xA951},   {0xA980, 0xA982},   {0xA9B3, 0xA9B3},
    {0xA9B6, 0xA9B9},   {0xA9BC, 0xA9BD},   {0xA9E5, 0xA9E5},   {0xAA29, 0xAA2E},
    {0xAA31, 0xAA32},   {0xAA35, 0xAA36},   {0xAA43, 0xAA43},   {0xAA4C, 0xAA4C},
    {0xAA7C, 0xAA7C},   {0xAAB0, 0xAAB0},   {0xAAB2, 0xAAB4},   {0xAAB7, 0xAAB8},
    {0xAABE, 0xAABF},   {0xAAC1, 0xAAC1},   {0xAAEC, 0xAAED},   {0xAAF6, 0xAAF6},
    {0xABE5, 0xABE5},   {0xABE8, 0xABE8},   {0xABED, 0xABED},   {0xD7B0, 0xD7FF},
    {0xFB1E, 0xFB1E},   {0xFE00, 0xFE0F},   {0xFE20, 0xFE2F},   {0xFEFF, 0xFEFF},
    {0xFFF9, 0xFFFB},   {0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A},
    {0x10A01, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A},
    {0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC},
    {0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11001, 0x11001}, {0x11038, 0x11046},
    {0x11070, 0x11070}, {0x11073, 0x11074}, {0x1107F, 0x11081}, {0x110B3, 0x110B6},
    {0x110B9, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102}, {0x11127, 0x1112B},
    {0x1112D, 0x11134}, {0x11173, 0x11173}, {0x11180, 0x11181}, {0x111B6, 0x111BE},
    {0x111C9, 0x111CC}, {0x111CF, 0x111CF}, {0x1122F, 0x11231}, {0x11234, 0x11234},
    {0x11236, 0x11237}, {0x1123E, 0x1123E}, {0x112DF, 0x112DF}, {0x112E3, 0x112EA},
    {0x11300, 0x11301}, {0x1133B, 0x1133C}, {0x11340, 0x11340}, {0x11366, 0x1136C},
    {0x11370, 0x11374}, {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446},
    {0x1145E, 0x1145E}, {0x114B3, 0x114B8}, {0x114BA, 0x114BA}, {0x114BF, 0x114C0},
    {0x114C2, 0x114C3}, {0x115B2, 0x115B5}, {0x115BC, 0x115BD}, {0x115BF, 0x115C0},
    {0x115DC, 0x115DD}, {0x11633, 0x1163A}, {0x1163D, 0x1163D}, {0x1163F, 0x11640},
    {0x116AB, 0x116AB}, {0x116AD, 0x116AD}, {0x116B0, 0x116B5}, {0x116B7, 0x116B7},
    {0x1171D, 0x1171F}, {0x11722, 0x11725}, {0x11727, 0x1172B}, {0x1182F, 0x11837},
    {0x11839, 0x1183A}, {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11943},
    {0x119D4, 0x119D7}, {0x119DA, 0x119DB}, {0x119E0, 0x119E0}, {0x11A01, 0x11A0A},
    {0x11A33, 0x11A38}, {0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A56},
    {0x11A59, 0x11A5B}, {0x11A8A, 0x11A96}, {0x11A98, 0x11A99}, {0x11C30, 0x11C36},
    {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0},
    {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6}, {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A},
    {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91},
    {0x11D95, 0x11D95}, {0x11D97, 0x11D97}, {0x11EF3, 0x11EF4}, {0x13430, 0x13438},
    {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36}, {0x16F4F, 0x16F4F}, {0x16F8F, 0x16F92},
    {0x16FE4, 0x16FE4}, {0x1BC9D, 0x1BC9E}, {0x1BCA0, 0x1BCA3}, {0x1CF00, 0x1CF2D},
    {0x1CF30, 0x1CF46}, {0x1D167, 0x1D169}, {0x1D173, 0x1D182}, {0x1D185, 0x1D18B},
    {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C},
    {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF},
    {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024},
    {0x1E026, 0x1E02A}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF},
    {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A}, {0x1F3FB, 0x1F3FF}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

/* Width 2: East Asian Wide and Fullwidth (CJK, kana, Hangul syllables,
 * fullwidth forms, the emoji terminals draw two columns wide), plus all of
 * the unified ideograph blocks and planes 2 and 3 (unassigned too).
 * Generated from Unicode 14.0 EastAsianWidth data, with the emoji blocks
 * that later versions filled (U+1FA70-1FAFF) wide as a whole. */
static const cp_range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x2E99},
    {0x2E9B, 0x2EF3},   {0x2F00, 0x2FD5},   {0x2FF0, 0x2FFB},   {0x3000, 0x303E},
    {0x3041, 0x3096},   {0x3099, 0x30FF},   {0x3105, 0x312F},   {0x3131, 0x318E},
    {0x3190, 0x31E3},   {0x31F0, 0x321E},   {0x3220, 0x3247},   {0x3250, 0x4DBF},
    {0x4E00, 0xA48C},   {0xA490, 0xA4C6},   {0xA960, 0xA97C},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE52},   {0xFE54, 0xFE66},
    {0xFE68, 0xFE6B},   {0xFF01, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x18D00, 0x18D08},
    {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122},
    {0x1B150, 0x1B152}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
    {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
    {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
    {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
    {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
    {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
    {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

/* Binary search of CP in a sorted table of N disjoint ranges. */
static bool in_ranges(uint32_t cp, const cp_range *t, size_t n)
{
    if (cp < t[0].lo || cp > t[n - 1].hi) return false;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp > t[mid].hi)
            lo = mid + 1;
        else if (cp < t[mid].lo)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* Terminal columns of one code point: 0, 1 or 2. Controls take none (the
 * renderer escapes them before measuring). */
static int cp_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
    if (cp < 0x300) return 1;
    if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0])) return 0;
    if (in_ranges(cp, wide, sizeof wide / sizeof wide[0])) return 2;
    return 1;
}

/* Sum of code point widths; each invalid byte counts one column (renderers
 * show it as one replacement character or escape). */
size_t utf8_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, w = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            w += p[i] >= 0x20 && p[i] != 0x7F;
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (!k) {
            w++;
            i++;
            continue;
        }
        w += (size_t)cp_width(cp);
        i += k;
    }
    return w;
}

uint64_t keys_hash(const value *keys, int n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < n; i++)
        h = keys[i].type == T_NULL ? h * 31 + 7 : value_hash(&keys[i], h);
    return h;
}

bool keys_eq(const value *a, const value *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].type == T_NULL || b[i].type == T_NULL) {
            if (a[i].type != b[i].type) return false;
        } else if (!value_eq(&a[i], &b[i])) {
            return false;
        }
    }
    return true;
}
