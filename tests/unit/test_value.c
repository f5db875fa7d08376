/* test_value.c: unit tests of value.c (calendar, parsing, formatting,
 * comparison, hashing, UTF-8). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "value.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- type names ---- */

/* Type names and aliases, both ways. */
static void test_type_names(void **state)
{
    (void)state;
    static const char *const names[] = {"null", "bool",     "int",      "num",   "text",
                                        "date", "datetime", "duration", "period"};
    for (int t = 0; t < T_NTYPES; t++) {
        assert_string_equal(vtype_name(t), names[t]);
        assert_int_equal(vtype_parse(names[t]), t);
    }
    assert_int_equal(vtype_parse("integer"), T_INT);
    assert_int_equal(vtype_parse("float"), T_NUM);
    assert_int_equal(vtype_parse("double"), T_NUM);
    assert_int_equal(vtype_parse("string"), T_TEXT);
    assert_int_equal(vtype_parse("boolean"), T_BOOL);
    assert_int_equal(vtype_parse("timestamp"), T_DATETIME);
    assert_int_equal(vtype_parse("INT"), T_INT);
    assert_int_equal(vtype_parse("Text"), T_TEXT);
    assert_int_equal(vtype_parse("blob"), -1);
    assert_int_equal(vtype_parse(""), -1);
    assert_int_equal(vtype_parse("in"), -1);
    assert_string_equal(vtype_name(-1), "?");
    assert_string_equal(vtype_name(T_NTYPES), "?");
}

/* ---- calendar ---- */

/* Day numbers checked against Python's datetime. */
static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(2024, 3, 31), 19813);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(days_from_civil(2100, 12, 31), 47846);
    assert_int_equal(days_from_civil(1, 1, 1), -719162);
    assert_int_equal(days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(days_from_civil(1969, 12, 31), -1);
}

/* Every day from 1900 to 2100 follows the previous one and round-trips. */
static void test_civil_every_day(void **state)
{
    (void)state;
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expect = days_from_civil(1900, 1, 1);
    for (int y = 1900; y <= 2100; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int last = dim[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= last; d++, expect++) {
                assert_int_equal(days_from_civil(y, m, d), expect);
                int64_t yy;
                int mm, dd;
                civil_from_days(expect, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
            }
        }
    }
    assert_int_equal(expect, days_from_civil(2101, 1, 1));
}

/* Round trips far into the past and future, including negative years. */
static void test_civil_wide_range(void **state)
{
    (void)state;
    for (int64_t days = -400000000; days <= 400000000; days += 9973) {
        int64_t y;
        int m, d;
        civil_from_days(days, &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        assert_int_equal(days_from_civil(y, m, d), days);
    }
    int64_t y;
    int m, d;
    civil_from_days(days_from_civil(-1, 12, 31), &y, &m, &d);
    assert_int_equal(y, -1);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    assert_int_equal(days_from_civil(0, 3, 1) - days_from_civil(0, 2, 28), 2); /* year 0 is leap */
}

/* Known weekdays, before and after the epoch. */
static void test_weekdays(void **state)
{
    (void)state;
    assert_int_equal(weekday_from_days(0), 3);                            /* Thursday */
    assert_int_equal(weekday_from_days(days_from_civil(2024, 3, 31)), 6); /* Sunday */
    assert_int_equal(weekday_from_days(days_from_civil(2000, 1, 1)), 5);  /* Saturday */
    assert_int_equal(weekday_from_days(days_from_civil(1900, 1, 1)), 0);  /* Monday */
    assert_int_equal(weekday_from_days(-1), 2);                           /* Wednesday */
    assert_int_equal(weekday_from_days(days_from_civil(1, 1, 1)), 0);     /* Monday */
    assert_int_equal(weekday_from_days(-7000003), weekday_from_days(-7000003 + 7 * 1234));
}

/* Checks the ISO week of Y-M-D. */
static void check_iso(int y, int m, int d, int64_t iy, int iw)
{
    int64_t gy;
    int gw;
    iso_week_from_days(days_from_civil(y, m, d), &gy, &gw);
    assert_int_equal(gy, iy);
    assert_int_equal(gw, iw);
}

/* Days at the ends of ISO years. */
static void test_iso_week_edges(void **state)
{
    (void)state;
    check_iso(2020, 12, 31, 2020, 53);
    check_iso(2021, 1, 3, 2020, 53);
    check_iso(2021, 1, 4, 2021, 1);
    check_iso(2024, 12, 30, 2025, 1);
    check_iso(2024, 12, 29, 2024, 52);
    check_iso(2024, 1, 1, 2024, 1);
    check_iso(2008, 12, 29, 2009, 1);
    check_iso(2010, 1, 3, 2009, 53);
    check_iso(2005, 1, 1, 2004, 53);
    check_iso(2026, 12, 31, 2026, 53);
    check_iso(2024, 3, 31, 2024, 13);
    assert_int_equal(days_from_iso_week(2020, 53), days_from_civil(2020, 12, 28));
    assert_int_equal(days_from_iso_week(2025, 1), days_from_civil(2024, 12, 30));
    assert_int_equal(days_from_iso_week(2021, 1), days_from_civil(2021, 1, 4));
    assert_int_equal(days_from_iso_week(2009, 1), days_from_civil(2008, 12, 29));
}

/* ISO weeks of every day 1900-2100 agree with glibc's strftime %G/%V and
 * with days_from_iso_week(). */
static void test_iso_week_every_day(void **state)
{
    (void)state;
    for (int64_t days = days_from_civil(1900, 1, 1); days <= days_from_civil(2100, 12, 31);
         days++) {
        int64_t iy;
        int w;
        iso_week_from_days(days, &iy, &w);
        time_t t = (time_t)(days * 86400);
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char buf[32], want[32];
        strftime(want, sizeof want, "%G-%V", &tm);
        snprintf(buf, sizeof buf, "%04lld-%02d", (long long)iy, w);
        assert_string_equal(buf, want);
        assert_int_equal(days_from_iso_week(iy, w) + weekday_from_days(days), days);
        assert_int_equal(weekday_from_days(days), (tm.tm_wday + 6) % 7);
    }
}

/* Checks days_add_months(Y-M-D, N) = Y2-M2-D2. */
static void check_add(int y, int m, int d, int64_t n, int y2, int m2, int d2)
{
    assert_int_equal(days_add_months(days_from_civil(y, m, d), n), days_from_civil(y2, m2, d2));
}

/* Month arithmetic clamps the day to the month's end. */
static void test_add_months(void **state)
{
    (void)state;
    check_add(2024, 1, 31, 1, 2024, 2, 29);
    check_add(2023, 1, 31, 1, 2023, 2, 28);
    check_add(2024, 3, 31, -1, 2024, 2, 29);
    check_add(2024, 5, 31, 1, 2024, 6, 30);
    check_add(2024, 12, 15, 1, 2025, 1, 15);
    check_add(2024, 1, 15, -13, 2022, 12, 15);
    check_add(2024, 2, 29, 12, 2025, 2, 28);
    check_add(2024, 2, 29, 48, 2028, 2, 29);
    check_add(2024, 6, 10, 0, 2024, 6, 10);
    check_add(2000, 1, 1, -24001, -1, 12, 1);
}

/* Checks that P is a period of KIND over [start, end) given as dates. */
static void check_period(value p, int kind, int y1, int m1, int d1, int y2, int m2, int d2)
{
    assert_int_equal(p.type, T_PERIOD);
    assert_int_equal(p.unit, kind);
    assert_int_equal(p.p.start, days_from_civil(y1, m1, d1));
    assert_int_equal(p.p.end, days_from_civil(y2, m2, d2));
}

/* Periods of each kind containing a day; shifting back and forth. */
static void test_period_of(void **state)
{
    (void)state;
    int64_t day = days_from_civil(2024, 2, 29);
    check_period(period_of(U_DAY, day), U_DAY, 2024, 2, 29, 2024, 3, 1);
    check_period(period_of(U_WEEK, day), U_WEEK, 2024, 2, 26, 2024, 3, 4);
    check_period(period_of(U_MONTH, day), U_MONTH, 2024, 2, 1, 2024, 3, 1);
    check_period(period_of(U_QUARTER, day), U_QUARTER, 2024, 1, 1, 2024, 4, 1);
    check_period(period_of(U_YEAR, day), U_YEAR, 2024, 1, 1, 2025, 1, 1);
    /* Sunday belongs to the week that started on Monday */
    check_period(period_of(U_WEEK, days_from_civil(2024, 3, 31)), U_WEEK, 2024, 3, 25, 2024, 4, 1);
    check_period(period_of(U_WEEK, days_from_civil(2024, 3, 25)), U_WEEK, 2024, 3, 25, 2024, 4, 1);
    check_period(period_of(U_QUARTER, days_from_civil(2024, 12, 31)), U_QUARTER, 2024, 10, 1, 2025,
                 1, 1);
    check_period(period_of(U_MONTH, days_from_civil(1969, 12, 31)), U_MONTH, 1969, 12, 1, 1970, 1,
                 1);
    assert_int_equal(period_of(99, day).type, T_NULL);
    /* every day lies in its periods */
    for (int64_t d = -800; d < 800; d++) {
        for (int k = U_DAY; k <= U_YEAR; k++) {
            value p = period_of(k, d);
            assert_true(p.p.start <= d && d < p.p.end);
            value q = period_shift(p, 1);
            assert_int_equal(q.p.start, p.p.end);
            value back = period_shift(q, -1);
            assert_true(value_eq(&p, &back));
        }
    }
}

/* Shifting periods across month, quarter, week and year ends. */
static void test_period_shift(void **state)
{
    (void)state;
    value m = period_of(U_MONTH, days_from_civil(2024, 1, 15));
    check_period(period_shift(m, 1), U_MONTH, 2024, 2, 1, 2024, 3, 1);
    check_period(period_shift(m, -1), U_MONTH, 2023, 12, 1, 2024, 1, 1);
    check_period(period_shift(m, 23), U_MONTH, 2025, 12, 1, 2026, 1, 1);
    value q = period_of(U_QUARTER, days_from_civil(2024, 11, 1));
    check_period(period_shift(q, 1), U_QUARTER, 2025, 1, 1, 2025, 4, 1);
    check_period(period_shift(q, -4), U_QUARTER, 2023, 10, 1, 2024, 1, 1);
    value w = period_of(U_WEEK, days_from_civil(2020, 12, 31));
    check_period(period_shift(w, 1), U_WEEK, 2021, 1, 4, 2021, 1, 11);
    check_period(period_shift(w, -52), U_WEEK, 2019, 12, 30, 2020, 1, 6);
    value y = period_of(U_YEAR, days_from_civil(2024, 6, 1));
    check_period(period_shift(y, -2), U_YEAR, 2022, 1, 1, 2023, 1, 1);
    value d = period_of(U_DAY, days_from_civil(2024, 2, 28));
    check_period(period_shift(d, 2), U_DAY, 2024, 3, 1, 2024, 3, 2);
    check_period(period_shift(m, 0), U_MONTH, 2024, 1, 1, 2024, 2, 1);
    assert_int_equal(period_shift(v_int(3), 1).type, T_NULL);
}

/* ---- parsing ---- */

/* YYYY-MM-DD: real dates only, whole string. */
static void test_parse_date(void **state)
{
    (void)state;
    int64_t d = 12345;
    assert_true(parse_date(S("2024-03-31"), &d));
    assert_int_equal(d, 19813);
    assert_true(parse_date(S("2024-02-29"), &d));
    assert_int_equal(d, 19782);
    assert_true(parse_date(S("1970-01-01"), &d));
    assert_int_equal(d, 0);
    assert_true(parse_date(S("2000-02-29"), &d));
    assert_true(parse_date(S("0001-01-01"), &d));
    assert_int_equal(d, -719162);
    static const char *const bad[] = {
        "2023-02-29",  "1900-02-29", "2024-13-01", "2024-00-10",       "2024-01-00", "2024-04-31",
        "2024-1-01",   "2024/01/01", "24-01-01",   "2024-01-011",      "2024-01-1",  " 2024-01-01",
        "2024-01-01 ", "",           "2024-0a-01", "2024-01-01T00:00", "+024-01-01", "2024-01--1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 777;
        assert_false(parse_date(bad[i], strlen(bad[i]), &d));
        assert_int_equal(d, 777);
    }
    /* the length is what counts, not a NUL */
    assert_true(parse_date("2024-03-31xyz", 10, &d));
    assert_int_equal(d, 19813);
}

/* parse_datetime of STR gives the seconds of Y-M-D h:m:s. */
static void check_dt(const char *str, int y, int m, int d, int hh, int mm, int ss)
{
    int64_t secs = -1;
    assert_true(parse_datetime(str, strlen(str), &secs));
    assert_int_equal(secs, days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss);
}

/* ISO datetimes with separators, seconds, fractions and offsets. */
static void test_parse_datetime(void **state)
{
    (void)state;
    check_dt("2024-03-31T14:05:00", 2024, 3, 31, 14, 5, 0);
    check_dt("2024-03-31 14:05:00", 2024, 3, 31, 14, 5, 0);
    check_dt("2024-03-31 14:05", 2024, 3, 31, 14, 5, 0);
    check_dt("2024-03-31T14:05:07.999", 2024, 3, 31, 14, 5, 7);
    check_dt("2024-03-31T14:05:07.1234567890123", 2024, 3, 31, 14, 5, 7);
    check_dt("2024-03-31T14:05:07Z", 2024, 3, 31, 14, 5, 7);
    check_dt("2024-03-31T14:05Z", 2024, 3, 31, 14, 5, 0);
    check_dt("2024-03-31T14:05:07.5Z", 2024, 3, 31, 14, 5, 7);
    check_dt("2024-03-31T14:05:00+02:00", 2024, 3, 31, 12, 5, 0);
    check_dt("2024-03-31T14:05:00-05:30", 2024, 3, 31, 19, 35, 0);
    check_dt("2024-03-31T14:05:00+0200", 2024, 3, 31, 12, 5, 0);
    check_dt("2024-03-31T14:05:00-0000", 2024, 3, 31, 14, 5, 0);
    check_dt("2024-01-01T01:00:00+02:00", 2023, 12, 31, 23, 0, 0);
    check_dt("2024-12-31 23:30-01:00", 2025, 1, 1, 0, 30, 0);
    check_dt("1969-12-31 23:59:59", 1969, 12, 31, 23, 59, 59);
    check_dt("2024-03-31 00:00:00", 2024, 3, 31, 0, 0, 0);
    int64_t s;
    assert_true(parse_datetime(S("1970-01-01T00:00:00"), &s));
    assert_int_equal(s, 0);
    assert_true(parse_datetime(S("2024-03-31T14:05:00"), &s));
    assert_int_equal(s, 1711893900);
    static const char *const bad[] = {
        "2024-03-31",
        "2024-03-31T",
        "2024-03-31T14",
        "2024-03-31T14:5",
        "2024-03-31T24:00",
        "2024-03-31T23:60",
        "2024-03-31T23:59:60",
        "2024-03-31T14:05:00.",
        "2024-03-31T14:05:00.5x",
        "2024-03-31T14:05:0",
        "2024-03-31t14:05:00",
        "2024-03-31_14:05:00",
        "2024-03-31  14:05:00",
        "2024-03-31T14:05:00 ",
        "2024-03-31T14:05:00z",
        "2024-03-31T14:05:00+2",
        "2024-03-31T14:05:00+02",
        "2024-03-31T14:05:00+02:0",
        "2024-03-31T14:05:00+24:00",
        "2024-03-31T14:05:00+02:60",
        "2024-03-31T14:05:00Z+01:00",
        "2024-03-31T14:05:00+02:00:00",
        "2023-02-29T00:00:00",
        "2024-13-01T00:00:00",
        "2024-03-31T14:05:",
        "2024-03-31T14-05-00",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = 777;
        if (parse_datetime(bad[i], strlen(bad[i]), &s)) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(s, 777);
    }
}

/* parse_date_us of STR gives Y-M-D h:m:s and HAS_TIME. */
static void check_us(const char *str, int y, int m, int d, int hh, int mm, int ss, bool has)
{
    int64_t secs = -1;
    bool timed = !has;
    if (!parse_date_us(str, strlen(str), &secs, &timed)) fail_msg("rejected \"%s\"", str);
    assert_int_equal(secs, days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss);
    assert_int_equal(timed, has);
}

/* US M/D/YYYY dates with and without a time. */
static void test_parse_date_us(void **state)
{
    (void)state;
    check_us("12/1/2010", 2010, 12, 1, 0, 0, 0, false);
    check_us("1/2/2011", 2011, 1, 2, 0, 0, 0, false);
    check_us("01/02/2011", 2011, 1, 2, 0, 0, 0, false);
    check_us("2/29/2024", 2024, 2, 29, 0, 0, 0, false);
    check_us("12/1/2010 8:26", 2010, 12, 1, 8, 26, 0, true);
    check_us("12/1/2010 08:26", 2010, 12, 1, 8, 26, 0, true);
    check_us("12/31/2010 23:59:58", 2010, 12, 31, 23, 59, 58, true);
    check_us("1/1/1970 0:00", 1970, 1, 1, 0, 0, 0, true);
    static const char *const bad[] = {
        "13/1/2010",         "0/1/2010",
        "2/30/2024",         "2/29/2023",
        "12/1/10",           "12/1/20100",
        "123/1/2010",        "12/123/2010",
        "12-1-2010",         "12/1/2010 ",
        "12/1/2010 8",       "12/1/2010 8:5",
        "12/1/2010 24:00",   "12/1/2010 8:60",
        "12/1/2010 8:26:60", "12/1/2010 8:26:",
        "12/1/2010 8:26:5",  "12/1/2010T8:26",
        "/1/2010",           "12//2010",
        "12/1/2010 8:26 AM", "",
        "1/1/2010  8:00",    " 1/1/2010",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t s = 777;
        bool t = true;
        if (parse_date_us(bad[i], strlen(bad[i]), &s, &t)) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(s, 777);
    }
}

/* Years, quarters, months and ISO weeks. */
static void test_parse_period(void **state)
{
    (void)state;
    value p;
    assert_true(parse_period(S("2024-Q1"), &p));
    check_period(p, U_QUARTER, 2024, 1, 1, 2024, 4, 1);
    assert_true(parse_period(S("2024-Q4"), &p));
    check_period(p, U_QUARTER, 2024, 10, 1, 2025, 1, 1);
    assert_true(parse_period(S("2024-03"), &p));
    check_period(p, U_MONTH, 2024, 3, 1, 2024, 4, 1);
    assert_true(parse_period(S("2024-12"), &p));
    check_period(p, U_MONTH, 2024, 12, 1, 2025, 1, 1);
    assert_true(parse_period(S("2024-W05"), &p));
    check_period(p, U_WEEK, 2024, 1, 29, 2024, 2, 5);
    assert_true(parse_period(S("2025-W01"), &p));
    check_period(p, U_WEEK, 2024, 12, 30, 2025, 1, 6);
    assert_true(parse_period(S("2020-W53"), &p));
    check_period(p, U_WEEK, 2020, 12, 28, 2021, 1, 4);
    assert_true(parse_period(S("2026-W53"), &p));
    assert_true(parse_period(S("2024"), &p));
    check_period(p, U_YEAR, 2024, 1, 1, 2025, 1, 1);
    static const char *const bad[] = {
        "2024-Q0",  "2024-Q5",  "2024-Q",     "2024-q1", "2024-13",  "2024-00",   "2024-3",
        "2024-W00", "2021-W53", "2024-W54",   "2024-W5", "2024-w05", "2024-W005", "24",
        "20244",    "2024-",    "2024-03-01", "",        " 2024",    "2024 ",     "2024-Q1 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = v_int(7);
        if (parse_period(bad[i], strlen(bad[i]), &p)) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(p.type, T_INT);
    }
}

/* Integers up to the int64 limits, nothing else. */
static void test_parse_int(void **state)
{
    (void)state;
    int64_t i;
    assert_true(parse_int(S("0"), &i));
    assert_int_equal(i, 0);
    assert_true(parse_int(S("-0"), &i));
    assert_int_equal(i, 0);
    assert_true(parse_int(S("+5"), &i));
    assert_int_equal(i, 5);
    assert_true(parse_int(S("-42"), &i));
    assert_int_equal(i, -42);
    assert_true(parse_int(S("007"), &i));
    assert_int_equal(i, 7);
    assert_true(parse_int(S("9223372036854775807"), &i));
    assert_true(i == INT64_MAX);
    assert_true(parse_int(S("-9223372036854775808"), &i));
    assert_true(i == INT64_MIN);
    assert_true(parse_int(S("00000000000000000000000000012"), &i));
    assert_int_equal(i, 12);
    static const char *const bad[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999",
        "",
        "+",
        "-",
        "1a",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "--1",
        "+-1",
        "0x10",
        "1,000",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        i = 777;
        if (parse_int(bad[k], strlen(bad[k]), &i)) fail_msg("accepted \"%s\"", bad[k]);
        assert_int_equal(i, 777);
    }
}

/* parse_num of STR gives exactly what strtod gives, or fails when that
 * overflows to infinity. */
static void check_num(const char *str)
{
    double got = -12345.0, want = strtod(str, NULL);
    if (isinf(want)) {
        if (parse_num(str, strlen(str), &got)) fail_msg("accepted overflow \"%s\"", str);
        return;
    }
    if (!parse_num(str, strlen(str), &got)) fail_msg("rejected \"%s\"", str);
    if (memcmp(&got, &want, sizeof got)) fail_msg("\"%s\": %.17g, want %.17g", str, got, want);
}

/* Decimal numbers, correctly rounded; hex, inf, nan and spaces rejected. */
static void test_parse_num(void **state)
{
    (void)state;
    static const char *const good[] = {
        "0",
        "-0",
        "+0",
        "1",
        "1.5",
        ".5",
        "5.",
        "-.5e3",
        "1e10",
        "1E-5",
        "0.1",
        "0.3",
        "123.456",
        "1e-400",
        "1e308",
        "1.7976931348623157e308",
        "4.9e-324",
        "2.2250738585072014e-308",
        "9007199254740993",
        "9007199254740992.5",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000001",
        "1e22",
        "1e23",
        "8.589973e9",
        "3.14159265358979323846264338327950288",
        "0e999999999",
        "-0.0e-5",
        "17850.0",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.000000000000000111022302462515654042363166809082031250000001",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1e+5",
        "00012.5000",
        "9999999999999999999",
        "99999999999999999999e-20",
        "1844674407370955161.5",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        check_num(good[i]);
    double d;
    assert_true(parse_num(S("-0"), &d));
    assert_true(signbit(d) && d == 0);
    assert_true(parse_num(S("0.1"), &d));
    assert_true(d == 0.1);
    /* a long input takes the slow path beyond the stack buffer */
    char longnum[400];
    memset(longnum, '1', sizeof longnum - 1);
    longnum[sizeof longnum - 1] = 0;
    longnum[1] = '.';
    check_num(longnum);
    static const char *const bad[] = {
        "",      " 1",  "1 ",    "0x10",   "0X1p3", "inf", "-inf", "nan", "NaN",   "infinity",
        ".",     "-.",  "e5",    "1e",     "1e+",   "1e-", "+",    "-",   "1.2.3", "1,5",
        "1e5.5", "--1", "1e400", "-1e400", "1_000", "1d",  "\t1",  "1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 777;
        if (parse_num(bad[i], strlen(bad[i]), &d)) fail_msg("accepted \"%s\"", bad[i]);
        assert_true(d == 777);
    }
    /* the length is what counts, not a NUL */
    assert_true(parse_num("12.5e3xyz", 6, &d));
    assert_true(d == 12.5e3);
}

/* Random decimal strings of all shapes parse exactly like strtod. */
static void test_parse_num_random(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252u;
    for (int iter = 0; iter < 200000; iter++) {
        char buf[80];
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t r = x;
        if (r & 1) buf[n++] = '-';
        r >>= 1;
        int intd = (int)(r % 21);
        r /= 21;
        int fracd = (int)(r % 21);
        r /= 21;
        for (int i = 0; i < intd; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[n++] = (char)('0' + x % 10);
        }
        if (fracd || !intd) {
            buf[n++] = '.';
            for (int i = 0; i < fracd || (!intd && i < 1); i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[n++] = (char)('0' + x % 10);
            }
        }
        if (r % 3 == 0) {
            r /= 3;
            buf[n++] = 'e';
            n += (size_t)snprintf(buf + n, 8, "%d", (int)(r % 700) - 350);
        }
        buf[n] = 0;
        check_num(buf);
    }
}

/* ---- formatting ---- */

/* format_num of N prints WANT. */
static void check_fmt(double n, const char *want)
{
    char buf[FMT_BUF];
    int len = format_num(n, buf);
    assert_string_equal(buf, want);
    assert_int_equal(len, (int)strlen(want));
}

/* Integral nums without a point, others with 15 significant digits. */
static void test_format_num(void **state)
{
    (void)state;
    check_fmt(0.1 + 0.2, "0.3");
    check_fmt(1.0 / 3.0, "0.333333333333333");
    check_fmt(1e20, "1e+20");
    check_fmt(-0.0, "0");
    check_fmt(0.0, "0");
    check_fmt(2.0, "2");
    check_fmt(-3.0, "-3");
    check_fmt(1234567.891, "1234567.891");
    check_fmt(1e15, "1000000000000000");
    check_fmt(-1e15, "-1000000000000000");
    check_fmt(1e16, "1e+16");
    check_fmt(123456789012.5, "123456789012.5");
    check_fmt(0.5, "0.5");
    check_fmt(-2.5, "-2.5");
    check_fmt(1e-7, "1e-07");
    check_fmt(0.3819, "0.3819");
    check_fmt(NAN, "nan");
    check_fmt(INFINITY, "inf");
    check_fmt(-INFINITY, "-inf");
    check_fmt(-1e-300, "-1e-300");
    check_fmt(146924.69, "146924.69");
    check_fmt(-0.05, "-0.05");
    check_fmt(0.1, "0.1");
    check_fmt(-12.3, "-12.3");
    check_fmt(9999999999999.99, "9999999999999.99");
    check_fmt(0.995, "0.995");
    /* whole counts of hundredths (printed without printf below 1e13) as
     * %.15g prints them, over every magnitude up to 1.1e13 */
    char buf[FMT_BUF], want[FMT_BUF];
    uint64_t x = 7;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int64_t k = (int64_t)((x >> 11) % (UINT64_C(1) << (1 + i % 50)));
        double n = (double)(i & 1 ? -k : k) / 100.0;
        format_num(n, buf);
        snprintf(want, sizeof want, "%.15g", n);
        if (strcmp(buf, strcmp(want, "-0") ? want : "0") != 0)
            fail_msg("%.17g: \"%s\", %%.15g gives \"%s\"", n, buf, want);
    }
}

/* Dates, datetimes, periods and durations in their text forms. */
static void test_format_temporal(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    assert_int_equal(format_date(19813, buf), 10);
    assert_string_equal(buf, "2024-03-31");
    format_date(0, buf);
    assert_string_equal(buf, "1970-01-01");
    format_date(days_from_civil(1, 2, 3), buf);
    assert_string_equal(buf, "0001-02-03");
    format_date(days_from_civil(12345, 6, 7), buf);
    assert_string_equal(buf, "12345-06-07");
    assert_int_equal(format_datetime(1711893900, buf), 19);
    assert_string_equal(buf, "2024-03-31 14:05:00");
    format_datetime(-1, buf);
    assert_string_equal(buf, "1969-12-31 23:59:59");
    format_datetime(0, buf);
    assert_string_equal(buf, "1970-01-01 00:00:00");
    format_datetime(days_from_civil(2024, 2, 29) * 86400 + 86399, buf);
    assert_string_equal(buf, "2024-02-29 23:59:59");

    value p;
    static const char *const periods[] = {"2024-Q1",  "2024-03",  "2024-W05", "2024",
                                          "2020-W53", "2025-W01", "1999-12",  "2000-Q4"};
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        assert_true(parse_period(periods[i], strlen(periods[i]), &p));
        assert_int_equal(format_period(p, buf), (int)strlen(periods[i]));
        assert_string_equal(buf, periods[i]);
    }
    format_period(period_of(U_DAY, 19813), buf);
    assert_string_equal(buf, "2024-03-31");
    format_period(period_of(U_WEEK, days_from_civil(2024, 12, 31)), buf);
    assert_string_equal(buf, "2025-W01");
    format_period(period_of(U_WEEK, days_from_civil(2021, 1, 3)), buf);
    assert_string_equal(buf, "2020-W53");

    value d = {.type = T_DURATION, .unit = U_DAY, .i = 90};
    format_duration(d, buf);
    assert_string_equal(buf, "90d");
    d.unit = U_WEEK, d.i = 12;
    format_duration(d, buf);
    assert_string_equal(buf, "12w");
    d.unit = U_MONTH, d.i = 6;
    format_duration(d, buf);
    assert_string_equal(buf, "6mo");
    d.unit = U_QUARTER, d.i = 2;
    format_duration(d, buf);
    assert_string_equal(buf, "2q");
    d.unit = U_YEAR, d.i = 1;
    assert_int_equal(format_duration(d, buf), 2);
    assert_string_equal(buf, "1y");
    d.unit = U_DAY, d.i = -3;
    format_duration(d, buf);
    assert_string_equal(buf, "-3d");
}

/* format_value per type; text and null write "". */
/* utf8_case of S is WANT. */
static void check_case(const char *s, bool upper, const char *want)
{
    char out[256];
    size_t n = utf8_case(s, strlen(s), out, upper);
    out[n] = '\0';
    assert_string_equal(out, want);
}

static void test_utf8_case(void **state)
{
    (void)state;
    check_case("Hello, World 42", true, "HELLO, WORLD 42");
    check_case("Hello, World 42", false, "hello, world 42");
    check_case("İZMİR ıi", false, "izmir ıi");          /* dotted capital I */
    check_case("ıi", true, "II");                       /* dotless small i: 2 bytes to 1 */
    check_case("Αθήνα Ελλάδα", true, "ΑΘΉΝΑ ΕΛΛΆΔΑ");   /* accented Greek */
    check_case("ґанок Київ", true, "ҐАНОК КИЇВ");       /* Ukrainian */
    check_case("ÀÉÎÕÜŸŒ", false, "àéîõüÿœ");            /* Latin-1 and beyond */
    check_case("ɐ", true, "Ɐ");                         /* 2 bytes to 3 */
    check_case("𐐨", true, "𐐀");                         /* Deseret: 4 bytes */
    check_case("straße 東京 😀", true, "STRAßE 東京 😀"); /* no simple mapping: kept */
    check_case("a\xff\xc3"
               "b\xe2\x82",
               true,
               "A\xff\xc3"
               "B\xe2\x82"); /* invalid bytes copied */
}

static void test_format_value(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    value v = v_bool(true);
    assert_int_equal(format_value(&v, buf), 4);
    assert_string_equal(buf, "true");
    v = v_bool(false);
    assert_int_equal(format_value(&v, buf), 5);
    assert_string_equal(buf, "false");
    v = v_int(INT64_MIN);
    format_value(&v, buf);
    assert_string_equal(buf, "-9223372036854775808");
    v = v_int(INT64_MAX);
    assert_int_equal(format_value(&v, buf), 19);
    assert_string_equal(buf, "9223372036854775807");
    v = v_int(0);
    format_value(&v, buf);
    assert_string_equal(buf, "0");
    v = v_int(12);
    format_value(&v, buf);
    assert_string_equal(buf, "12");
    v = v_num(2.5);
    format_value(&v, buf);
    assert_string_equal(buf, "2.5");
    v = v_date(19813);
    format_value(&v, buf);
    assert_string_equal(buf, "2024-03-31");
    v = v_datetime(1711893900);
    format_value(&v, buf);
    assert_string_equal(buf, "2024-03-31 14:05:00");
    v = period_of(U_QUARTER, 19813);
    format_value(&v, buf);
    assert_string_equal(buf, "2024-Q1");
    v = (value){.type = T_DURATION, .unit = U_MONTH, .i = 6};
    format_value(&v, buf);
    assert_string_equal(buf, "6mo");
    v = v_text(S("hello"));
    strcpy(buf, "junk");
    assert_int_equal(format_value(&v, buf), 0);
    assert_string_equal(buf, "");
    v = v_null();
    strcpy(buf, "junk");
    assert_int_equal(format_value(&v, buf), 0);
    assert_string_equal(buf, "");
}

/* Every datetime text form written is read back as the same value. */
static void test_format_parse_roundtrip(void **state)
{
    (void)state;
    char buf[FMT_BUF];
    for (int64_t s = -5000000000; s < 5000000000; s += 7777777) {
        int len = format_datetime(s, buf);
        int64_t back;
        assert_true(parse_datetime(buf, (size_t)len, &back));
        assert_int_equal(back, s);
        len = format_date(s / 86400, buf);
        assert_true(parse_date(buf, (size_t)len, &back));
        assert_int_equal(back, s / 86400);
    }
    for (double x = -1e6; x < 1e6; x += 1234.5678) {
        int len = format_num(x, buf);
        double back;
        assert_true(parse_num(buf, (size_t)len, &back));
        assert_true(fabs(back - x) <= fabs(x) * 1e-14);
    }
}

/* ---- comparison and hashing ---- */

/* value_cmp(A, B) has sign SIGN, the reverse the opposite sign, and
 * value_eq and value_hash agree. */
static void check_cmp(value a, value b, int sign)
{
    int c = value_cmp(&a, &b), r = value_cmp(&b, &a);
    assert_int_equal((c > 0) - (c < 0), sign);
    assert_int_equal((r > 0) - (r < 0), -sign);
    assert_int_equal(value_eq(&a, &b), sign == 0);
    assert_int_equal(value_eq(&b, &a), sign == 0);
    if (sign == 0) assert_true(value_hash(&a, 42) == value_hash(&b, 42));
}

/* Ints and nums compare exactly, NaN last among numbers. */
static void test_cmp_numbers(void **state)
{
    (void)state;
    check_cmp(v_int(1), v_num(1.0), 0);
    check_cmp(v_int(0), v_num(-0.0), 0);
    check_cmp(v_num(0.0), v_num(-0.0), 0);
    check_cmp(v_int(1), v_num(1.5), -1);
    check_cmp(v_int(2), v_num(1.5), 1);
    check_cmp(v_int(-2), v_num(-1.5), -1);
    check_cmp(v_int(-1), v_num(-1.5), 1);
    check_cmp(v_int(3), v_int(7), -1);
    check_cmp(v_num(0.1), v_num(0.2), -1);
    /* exact comparison where converting to double would round */
    check_cmp(v_int((INT64_C(1) << 53) + 1), v_num(9007199254740992.0), 1);
    check_cmp(v_int(INT64_C(1) << 53), v_num(9007199254740992.0), 0);
    check_cmp(v_int(INT64_MAX), v_num(9223372036854775808.0), -1);
    check_cmp(v_int(INT64_MIN), v_num(-9223372036854775808.0), 0);
    check_cmp(v_int(INT64_MIN), v_num(-9223372036854777856.0), 1);
    check_cmp(v_int(INT64_MAX), v_num(1e300), -1);
    check_cmp(v_int(INT64_MIN), v_num(-INFINITY), 1);
    check_cmp(v_int(INT64_MAX), v_num(INFINITY), -1);
    check_cmp(v_int(INT64_MAX - 1), v_int(INT64_MAX), -1);
    check_cmp(v_int(INT64_MIN), v_int(INT64_MAX), -1);
    /* NaN after every number, equal to itself */
    check_cmp(v_num(NAN), v_num(NAN), 0);
    check_cmp(v_num(NAN), v_num(INFINITY), 1);
    check_cmp(v_num(NAN), v_int(INT64_MAX), 1);
    check_cmp(v_num(NAN), v_null(), -1);
}

/* Order across and within type families; null last. */
static void test_cmp_families(void **state)
{
    (void)state;
    value t = v_text(S("abc"));
    value ordered[] = {v_bool(false),
                       v_bool(true),
                       v_int(-5),
                       v_num(2.5),
                       v_int(1000),
                       v_text(S("")),
                       v_text(S("ab")),
                       t,
                       v_text(S("abd")),
                       v_text(S("\xc3\xa9")),
                       v_date(-1),
                       v_datetime(-1),
                       v_date(0),
                       v_datetime(1),
                       v_date(1),
                       period_of(U_MONTH, 0),
                       period_of(U_DAY, 40),
                       (value){.type = T_DURATION, .unit = U_WEEK, .i = 1},
                       (value){.type = T_DURATION, .unit = U_DAY, .i = 400},
                       v_null()};
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            check_cmp(ordered[i], ordered[j], (i > j) - (i < j));
    /* null after everything, equal to null */
    check_cmp(v_null(), v_null(), 0);
    check_cmp(v_null(), v_int(INT64_MAX), 1);
    check_cmp(v_null(), v_text(S("zzz")), 1);
    check_cmp(v_null(), v_date(INT32_MAX), 1);
    /* text: bytewise, not NUL-terminated, prefix first */
    char a[] = "abcX", b[] = "abcY";
    check_cmp(v_text(a, 3), v_text(b, 3), 0);
    check_cmp(v_text(a, 4), v_text(b, 4), -1);
    check_cmp(v_text(a, 3), v_text(b, 4), -1);
    check_cmp(v_text(S("\x7f")), v_text(S("\x80")), -1);
    check_cmp(v_text(S("a\0b")), v_text(S("a\0c")), -1);
    /* a date is its midnight */
    check_cmp(v_date(19813), v_datetime(19813 * 86400), 0);
    check_cmp(v_date(19813), v_datetime(19813 * 86400 + 1), -1);
    check_cmp(v_date(19813), v_datetime(19813 * 86400 - 1), 1);
    check_cmp(v_date(-3), v_datetime(-3 * 86400), 0);
    check_cmp(v_date(-3), v_datetime(-3 * 86400 - 1), 1);
    check_cmp(v_date(INT64_MAX / 2), v_datetime(INT64_MAX), 1); /* no overflow */
    check_cmp(v_date(INT64_MAX / 86400), v_datetime(INT64_MAX), -1);
    check_cmp(v_date(INT64_MIN / 86400 - 1), v_datetime(INT64_MIN), -1);
    check_cmp(v_bool(true), v_bool(true), 0);
    /* periods by start then end; durations by length in days (a month is 30) */
    value q = period_of(U_QUARTER, 0), m = period_of(U_MONTH, 0);
    check_cmp(m, q, -1);
    check_cmp(q, period_of(U_QUARTER, 30), 0);
    check_cmp(period_of(U_YEAR, 0), q, 1);
    check_cmp((value){.type = T_DURATION, .unit = U_MONTH, .i = 1},
              (value){.type = T_DURATION, .unit = U_MONTH, .i = 2}, -1);
    check_cmp((value){.type = T_DURATION, .unit = U_MONTH, .i = 3},
              (value){.type = T_DURATION, .unit = U_MONTH, .i = 3}, 0);
    check_cmp((value){.type = T_DURATION, .unit = U_DAY, .i = 7},
              (value){.type = T_DURATION, .unit = U_WEEK, .i = 1}, 0);
    check_cmp((value){.type = T_DURATION, .unit = U_DAY, .i = 60},
              (value){.type = T_DURATION, .unit = U_WEEK, .i = 7}, 1);
    check_cmp((value){.type = T_DURATION, .unit = U_MONTH, .i = 3},
              (value){.type = T_DURATION, .unit = U_QUARTER, .i = 1}, 0);
    check_cmp((value){.type = T_DURATION, .unit = U_YEAR, .i = 1},
              (value){.type = T_DURATION, .unit = U_MONTH, .i = 11}, 1);
}

/* Grouping keys: null is a key equal only to null; equal keys hash alike. */
static void test_group_keys(void **state)
{
    (void)state;
    value a[3] = {v_int(1), v_null(), v_text("x", 1)};
    value b[3] = {v_num(1.0), v_null(), v_text("x", 1)};
    value c[3] = {v_int(1), v_int(0), v_text("x", 1)};
    assert_true(keys_eq(a, b, 3));
    assert_true(keys_hash(a, 3) == keys_hash(b, 3));
    assert_false(keys_eq(a, c, 3));
    assert_false(keys_eq(c, a, 3));
    assert_false(keys_hash(a, 3) == keys_hash(c, 3));
    assert_true(keys_eq(a, c, 1));
    assert_true(keys_eq(NULL, NULL, 0));
}

/* value_hash of a value that is not an lvalue. */
static uint64_t hash_of(value v, uint64_t seed)
{
    return value_hash(&v, seed);
}

/* Equal values hash alike across int/num and date/datetime. */
static void test_hash(void **state)
{
    (void)state;
    value a = v_int(1), b = v_num(1.0);
    assert_true(value_hash(&a, 0) == value_hash(&b, 0));
    a = v_int(0), b = v_num(-0.0);
    assert_true(value_hash(&a, 7) == value_hash(&b, 7));
    a = v_int(INT64_MIN), b = v_num(-9223372036854775808.0);
    assert_true(value_hash(&a, 7) == value_hash(&b, 7));
    a = v_date(19813), b = v_datetime(19813 * 86400);
    assert_true(value_hash(&a, 3) == value_hash(&b, 3));
    a = v_date(-19813), b = v_datetime(-19813 * 86400);
    assert_true(value_hash(&a, 3) == value_hash(&b, 3));
    a = v_num(NAN), b = v_num(-NAN);
    assert_true(value_hash(&a, 3) == value_hash(&b, 3));
    char s1[] = "hello world, a longer string to hash",
         s2[] = "hello world, a longer string to hash";
    a = v_text(s1, strlen(s1)), b = v_text(s2, strlen(s2));
    assert_true(value_hash(&a, 3) == value_hash(&b, 3));
    /* seeds matter; different families differ */
    assert_true(value_hash(&a, 3) != value_hash(&a, 4));
    a = v_int(1), b = v_bool(true);
    assert_true(value_hash(&a, 0) != value_hash(&b, 0));
    a = v_null();
    assert_true(value_hash(&a, 0) == hash_of(v_null(), 0));
}

/* qsort order of uint64_t. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* No collisions among many small ints, strings of every length, keys that
 * differ in one character, and non-integral nums. */
static void test_hash_collisions(void **state)
{
    (void)state;
    enum { N = 50000 };
    uint64_t *h = malloc(4 * N * sizeof *h);
    char *text = malloc(N + 1);
    memset(text, 'x', N);
    size_t k = 0;
    for (int i = 0; i < N; i++)
        h[k++] = hash_of(v_int(i), 99);
    for (int i = 0; i < N; i++)
        h[k++] = hash_of(v_text(text, (size_t)i), 99);
    for (int i = 0; i < N; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "acct%07d", i);
        h[k++] = hash_of(v_text(buf, strlen(buf)), 99);
    }
    for (int i = 0; i < N; i++)
        h[k++] = hash_of(v_num(i + 0.5), 99);
    qsort(h, k, sizeof *h, cmp_u64);
    for (size_t i = 1; i < k; i++)
        assert_true(h[i] != h[i - 1]);
    free(text);
    free(h);
}

/* ---- UTF-8 ---- */

/* Overlongs, surrogates, out-of-range and truncated sequences end the prefix. */
static void test_utf8_valid(void **state)
{
    (void)state;
    assert_int_equal(utf8_valid_prefix(S("hello, world")), 12);
    assert_int_equal(utf8_valid_prefix(S("caf\xc3\xa9")), 5);
    assert_int_equal(utf8_valid_prefix(S("\xe6\x97\xa5\xe6\x9c\xac")), 6);
    assert_int_equal(utf8_valid_prefix(S("\xf0\x9f\x98\x80!")), 5);
    assert_int_equal(utf8_valid_prefix(S("\xf4\x8f\xbf\xbf")), 4); /* U+10FFFF */
    assert_int_equal(utf8_valid_prefix(S("\xed\x9f\xbf")), 3);     /* U+D7FF */
    assert_int_equal(utf8_valid_prefix(S("\xee\x80\x80")), 3);     /* U+E000 */
    assert_int_equal(utf8_valid_prefix(S("ab\xc0\x80")), 2);       /* overlong NUL */
    assert_int_equal(utf8_valid_prefix(S("ab\xc1\xbf")), 2);       /* overlong */
    assert_int_equal(utf8_valid_prefix(S("\xe0\x80\x80")), 0);     /* overlong 3 */
    assert_int_equal(utf8_valid_prefix(S("\xe0\x9f\xbf")), 0);     /* overlong 3 */
    assert_int_equal(utf8_valid_prefix(S("\xf0\x80\x80\x80")), 0); /* overlong 4 */
    assert_int_equal(utf8_valid_prefix(S("\xf0\x8f\xbf\xbf")), 0); /* overlong 4 */
    assert_int_equal(utf8_valid_prefix(S("x\xed\xa0\x80")), 1);    /* surrogate */
    assert_int_equal(utf8_valid_prefix(S("x\xed\xbf\xbf")), 1);    /* surrogate */
    assert_int_equal(utf8_valid_prefix(S("\xf4\x90\x80\x80")), 0); /* > U+10FFFF */
    assert_int_equal(utf8_valid_prefix(S("\xf5\x80\x80\x80")), 0);
    assert_int_equal(utf8_valid_prefix(S("\xff")), 0);
    assert_int_equal(utf8_valid_prefix(S("abc\x80")), 3); /* stray continuation */
    assert_int_equal(utf8_valid_prefix(S("abc\xc3")), 3); /* truncated */
    assert_int_equal(utf8_valid_prefix(S("abc\xe6\x97")), 3);
    assert_int_equal(utf8_valid_prefix(S("abc\xc3x")), 3);
    assert_int_equal(utf8_valid_prefix(S("0123456789abcdef\xc3\xa9"
                                         "0123456789\xff")),
                     28);
    assert_int_equal(utf8_valid_prefix("", 0), 0);
    /* a NUL byte is valid UTF-8 */
    assert_int_equal(utf8_valid_prefix(S("a\0b")), 3);
    /* the length bounds the scan */
    assert_int_equal(utf8_valid_prefix("\xc3\xa9", 1), 0);
}

/* Code point counts and terminal widths. */
/* xsum: whole hundredths and integers add exactly, in any order; other
 * numbers go to the rest in order; merging two halves gives the whole. */
static void test_xsum(void **state)
{
    (void)state;
    xsum s = {0};
    xsum_num(&s, 0.1);
    xsum_num(&s, 0.2);
    assert_false(s.inexact);
    assert_true(xsum_value(&s) == 0.3); /* 0.1 + 0.2 is 0.30000000000000004 */

    /* xsum_join(): shares add up unless both hold other numbers */
    xsum j = {0}, e = {0}, i1 = {0}, i2 = {0};
    xsum_num(&e, 2.5);
    xsum_num(&i1, 1.0 / 3);
    xsum_num(&i2, 1.0 / 7);
    assert_true(xsum_join(&j, &e) && xsum_join(&j, &i1));
    assert_true(j.inexact && xsum_value(&j) == 2.5 + 1.0 / 3);
    assert_false(xsum_join(&j, &i2));
    assert_true(xsum_value(&j) == 2.5 + 1.0 / 3); /* (nothing added) */

    /* a million prices, forwards, backwards and in two merged halves */
    enum { N = 1000000 };
    double *x = malloc(sizeof *x * N);
    uint64_t r = 42;
    for (int i = 0; i < N; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (double)(int64_t)(r >> 24 & 0xFFFFFFFFFull) / 100.0 * (i % 7 ? 1 : -1);
    }
    xsum f = {0}, b = {0}, h1 = {0}, h2 = {0};
    double naive = 0;
    for (int i = 0; i < N; i++) {
        xsum_num(&f, x[i]);
        xsum_num(&b, x[N - 1 - i]);
        xsum_num(i < N / 3 ? &h1 : &h2, x[i]);
        naive += x[i];
    }
    xsum_merge(&h2, &h1);
    assert_false(f.inexact);
    assert_true(xsum_value(&f) == xsum_value(&b));
    assert_true(xsum_value(&f) == xsum_value(&h2));
    assert_true(fabs(xsum_value(&f) - naive) < 1e-6 * fabs(naive) + 1);
    free(x);

    /* integers and counts of hundredths are the same terms as their numbers */
    xsum i = {0}, c = {0}, d = {0};
    xsum_int(&i, 3);
    xsum_cents(&c, 300);
    xsum_num(&d, 3.0);
    assert_true(xsum_value(&i) == 3.0 && xsum_value(&c) == 3.0 && xsum_value(&d) == 3.0);

    /* past 2^53 hundredths the sum is still exact before its rounding */
    xsum big = {0};
    for (int k = 0; k < 1000; k++)
        xsum_num(&big, 8e15);
    assert_true(xsum_value(&big) == 8e18);

    /* a number that is no count of hundredths: the rest, in order */
    xsum q = {0};
    xsum_num(&q, 1.5);
    xsum_num(&q, 1.0 / 3);
    xsum_num(&q, -0.0);
    assert_true(q.inexact);
    assert_true(xsum_value(&q) == 1.5 + 1.0 / 3);
    xsum nan = {0};
    xsum_num(&nan, NAN);
    assert_true(isnan(xsum_value(&nan)));
}

static void test_utf8_len_width(void **state)
{
    (void)state;
    assert_int_equal(utf8_len(S("abc")), 3);
    assert_int_equal(utf8_len(S("caf\xc3\xa9")), 4);
    assert_int_equal(utf8_len(S("\xe6\x97\xa5\xe6\x9c\xac")), 2);
    assert_int_equal(utf8_len(S("\xf0\x9f\x98\x80")), 1);
    assert_int_equal(utf8_len(S("a\xff"
                                "b")),
                     3);
    assert_int_equal(utf8_len("", 0), 0);

    assert_int_equal(utf8_width(S("abc")), 3);
    assert_int_equal(utf8_width(S("caf\xc3\xa9")), 4);
    assert_int_equal(utf8_width(S("cafe\xcc\x81")), 4);                         /* e + U+0301 */
    assert_int_equal(utf8_width(S("\xe6\x97\xa5\xe6\x9c\xac")), 4);             /* 日本 */
    assert_int_equal(utf8_width(S("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4")), 6); /* 한국어 */
    assert_int_equal(utf8_width(S("\xef\xbd\xb1")), 1);                         /* halfwidth ｱ */
    assert_int_equal(utf8_width(S("\xef\xbc\xa1")), 2);                         /* fullwidth Ａ */
    assert_int_equal(utf8_width(S("\xe3\x81\x82")), 2);                         /* あ */
    assert_int_equal(utf8_width(S("\xe3\x80\x80")), 2);     /* ideographic space */
    assert_int_equal(utf8_width(S("\xf0\x9f\x98\x80")), 2); /* 😀 */
    assert_int_equal(utf8_width(S("\xf0\x9f\x9a\x80")), 2); /* 🚀 */
    /* 👍 then a skin-tone modifier, drawn as one emoji */
    assert_int_equal(utf8_width(S("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd")), 2);
    assert_int_equal(utf8_width(S("\xf0\xa0\x80\x80")), 2);         /* U+20000 */
    assert_int_equal(utf8_width(S("\xe2\x80\x8b")), 0);             /* zero-width space */
    assert_int_equal(utf8_width(S("\xe2\x80\x8d")), 0);             /* ZWJ */
    assert_int_equal(utf8_width(S("\xef\xbb\xbf")), 0);             /* BOM */
    assert_int_equal(utf8_width(S("\xef\xb8\x8f")), 0);             /* VS16 */
    assert_int_equal(utf8_width(S("\xe2\x94\x80")), 1);             /* box drawing ─ */
    assert_int_equal(utf8_width(S("\xe2\x80\xa6")), 1);             /* … */
    assert_int_equal(utf8_width(S("\xc3\x9f\xd0\x96")), 2);         /* ß Ж */
    assert_int_equal(utf8_width(S("\xe1\x84\x80\xe1\x85\xa1")), 2); /* conjoining jamo */
    assert_int_equal(utf8_width(S("a\xff"
                                  "b")),
                     3);                            /* invalid byte: 1 */
    assert_int_equal(utf8_width(S("\xe6\x97")), 2); /* truncated: 1 each */
    assert_int_equal(utf8_width(S("a\tb\n")), 2);   /* controls: 0 */
    assert_int_equal(utf8_width("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_civil_every_day),
        cmocka_unit_test(test_civil_wide_range),
        cmocka_unit_test(test_weekdays),
        cmocka_unit_test(test_iso_week_edges),
        cmocka_unit_test(test_iso_week_every_day),
        cmocka_unit_test(test_add_months),
        cmocka_unit_test(test_period_of),
        cmocka_unit_test(test_period_shift),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_datetime),
        cmocka_unit_test(test_parse_date_us),
        cmocka_unit_test(test_parse_period),
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_parse_num),
        cmocka_unit_test(test_parse_num_random),
        cmocka_unit_test(test_format_num),
        cmocka_unit_test(test_format_temporal),
        cmocka_unit_test(test_utf8_case),
        cmocka_unit_test(test_format_value),
        cmocka_unit_test(test_format_parse_roundtrip),
        cmocka_unit_test(test_cmp_numbers),
        cmocka_unit_test(test_cmp_families),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_group_keys),
        cmocka_unit_test(test_hash_collisions),
        cmocka_unit_test(test_xsum),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_len_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
