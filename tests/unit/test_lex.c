/* test_lex.c: unit tests for the lexer (lex.h, spec §3).
 *
 * Every input is copied into a heap buffer of exactly its length, without a
 * terminating NUL, so that the sanitizers catch any read past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

static diag D;
static lexer LX;
static token T;
static char *BUF; /* the current input, exactly its length; owned */

/* Starts lexing the N bytes at S (copied to a buffer of exactly N bytes). */
static void start_n(const char *s, size_t n)
{
    free(BUF);
    BUF = malloc(n ? n : 1);
    assert_non_null(BUF);
    memcpy(BUF, s, n);
    diag_clear(&D);
    lex_init(&LX, BUF, n, &D);
}

static void start(const char *s)
{
    start_n(s, strlen(s));
}

static int next(void)
{
    return lex_next(&LX, &T);
}

static int teardown(void **state)
{
    (void)state;
    free(BUF);
    BUF = NULL;
    return 0;
}

/* Lexes SRC to the end and checks the kinds, which end with -1 (the final
 * TK_EOF is checked without being listed). */
static void check_kinds(const char *src, const int *kinds)
{
    start(src);
    for (size_t i = 0; kinds[i] >= 0; i++) {
        int k = next();
        if (k != kinds[i])
            fail_msg("%s: token %zu is %s, expected %s (%s)", src, i, lex_token_names[k],
                     lex_token_names[kinds[i]], D.msg);
    }
    int k = next();
    if (k != TK_EOF) fail_msg("%s: expected end of input, found %s", src, lex_token_names[k]);
}
#define KINDS(src, ...) check_kinds(src, (const int[]){__VA_ARGS__, -1})

/* Lexes SRC, which must be one token of KIND and nothing else. */
static void one(const char *src, int kind)
{
    start(src);
    int k = next();
    if (k != kind)
        fail_msg("%s: got %s, expected %s (%s)", src, lex_token_names[k], lex_token_names[kind],
                 D.msg);
    assert_int_equal(T.off, 0);
    assert_int_equal(T.len, strlen(src));
    token t2;
    assert_int_equal(lex_next(&LX, &t2), TK_EOF);
}

/* Lexes the N bytes at SRC until an error, which must be MSG at [OFF, OFF+LEN). */
static void check_error_n(const char *src, size_t n, size_t off, size_t len, const char *msg)
{
    start_n(src, n);
    int k;
    for (int i = 0; (k = next()) != TK_ERROR; i++)
        if (k == TK_EOF || i > 1000) fail_msg("%.*s: no error, expected '%s'", (int)n, src, msg);
    if (strcmp(D.msg, msg) != 0)
        fail_msg("%.*s: message '%s', expected '%s'", (int)n, src, D.msg, msg);
    assert_int_equal(D.code, DIAG_SYNTAX);
    assert_true(D.located);
    if (D.off != off || D.len != len)
        fail_msg("%.*s: error at %zu+%zu, expected %zu+%zu", (int)n, src, D.off, D.len, off, len);
    assert_int_equal(T.kind, TK_ERROR);
    assert_int_equal(T.off, off);
    assert_int_equal(T.len, len);
}

static void check_error(const char *src, size_t off, size_t len, const char *msg)
{
    check_error_n(src, strlen(src), off, len, msg);
}

/* The value of SRC, one numeric token of KIND. */
static value num(const char *src, int kind)
{
    one(src, kind);
    return lex_number(&LX, &T);
}

static void check_int(const char *src, int64_t want)
{
    value v = num(src, TK_INT);
    assert_int_equal(v.type, T_INT);
    if (v.i != want) fail_msg("%s: %lld, expected %lld", src, (long long)v.i, (long long)want);
}

static void check_num(const char *src, int kind, double want)
{
    value v = num(src, kind);
    assert_int_equal(v.type, T_NUM);
    if (v.n != want) fail_msg("%s: %.17g, expected %.17g", src, v.n, want);
}

/* The value of SRC, one temporal token of KIND. */
static value temporal(const char *src, int kind)
{
    one(src, kind);
    return lex_temporal(&LX, &T);
}

static void check_period(const char *src, int unit, int32_t first, int32_t end)
{
    value v = temporal(src, TK_PERIOD);
    assert_int_equal(v.type, T_PERIOD);
    assert_int_equal(v.unit, unit);
    if (v.p.start != first || v.p.end != end)
        fail_msg("%s: [%d, %d), expected [%d, %d)", src, v.p.start, v.p.end, first, end);
}

static void check_duration(const char *src, int unit, int64_t n)
{
    value v = temporal(src, TK_DURATION);
    assert_int_equal(v.type, T_DURATION);
    assert_int_equal(v.unit, unit);
    assert_int_equal(v.i, n);
}

/* SRC is one string token whose text is the N bytes at WANT. */
static void check_string_n(const char *src, const char *want, size_t n)
{
    one(src, TK_STRING);
    char *out = malloc(T.len);
    assert_non_null(out);
    size_t got = lex_string(&LX, &T, out);
    if (got != n || memcmp(out, want, n) != 0)
        fail_msg("%s: decoded '%.*s' (%zu bytes), expected %zu bytes", src, (int)got, out, got, n);
    free(out);
}

static void check_string(const char *src, const char *want)
{
    check_string_n(src, want, strlen(want));
}

/* ---- tests ---- */

static void test_token_names(void **state)
{
    (void)state;
    for (int k = 0; k < TK_NKINDS; k++)
        assert_non_null(lex_token_names[k]);
    assert_string_equal(lex_token_names[TK_EOF], "end of input");
    assert_string_equal(lex_token_names[TK_IDENT], "identifier");
    assert_string_equal(lex_token_names[TK_QIDENT], "quoted identifier");
    assert_string_equal(lex_token_names[TK_PERCENT], "percentage");
    assert_string_equal(lex_token_names[TK_DURATION], "duration");
    assert_string_equal(lex_token_names[TK_SEMI], "';'");
    assert_string_equal(lex_token_names[TK_NE], "'!='");
    assert_string_equal(lex_token_names[TK_NMATCH], "'!~'");
    assert_string_equal(lex_token_names[TK_MOD], "'%'");
}

static void test_eof(void **state)
{
    (void)state;
    start("");
    assert_int_equal(next(), TK_EOF);
    assert_int_equal(T.off, 0);
    assert_int_equal(T.len, 0);
    start("  \t\r\n\f\v ");
    assert_int_equal(next(), TK_EOF);
    assert_int_equal(T.off, 8);
    assert_int_equal(T.len, 0);
    assert_int_equal(next(), TK_EOF); /* stays at the end */
    assert_int_equal(T.off, 8);

    lexer lx;
    token t;
    lex_init(&lx, NULL, 0, NULL);
    assert_int_equal(lex_next(&lx, &t), TK_EOF);
    assert_int_equal(D.code, DIAG_OK);
}

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        int kind;
        uint32_t off, len;
    } want[] = {
        {TK_IDENT, 0, 8}, {TK_IDENT, 9, 5},  {TK_IDENT, 15, 4}, {TK_EQ, 20, 1},   {TK_INT, 22, 1},
        {TK_PIPE, 24, 1}, {TK_IDENT, 26, 5}, {TK_INT, 32, 2},   {TK_SEMI, 34, 1}, {TK_EOF, 35, 0},
    };
    start("accounts where tier = 1 | limit 10;");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(next(), want[i].kind);
        assert_int_equal(T.off, want[i].off);
        assert_int_equal(T.len, want[i].len);
    }
}

static void test_identifiers(void **state)
{
    (void)state;
    one("foo", TK_IDENT);
    one("_", TK_IDENT);
    one("_bar9", TK_IDENT);
    one("Last_Contact", TK_IDENT);
    KINDS("a b\tc\nd", TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT);
    KINDS("account.region", TK_IDENT, TK_DOT, TK_IDENT);
    KINDS("count()", TK_IDENT, TK_LPAREN, TK_RPAREN);
    KINDS("x2024-03", TK_IDENT, TK_MINUS, TK_INT);
    KINDS("abc\"s\"", TK_IDENT, TK_STRING);
}

static void test_lex_is(void **state)
{
    (void)state;
    start("WHERE where Wher wheres `where`");
    next();
    assert_true(lex_is(&LX, &T, "where"));
    assert_false(lex_is(&LX, &T, "wher"));
    assert_false(lex_is(&LX, &T, "wheres"));
    next();
    assert_true(lex_is(&LX, &T, "where"));
    assert_true(lex_is(&LX, &T, "WHERE"));
    next();
    assert_false(lex_is(&LX, &T, "where"));
    next();
    assert_false(lex_is(&LX, &T, "where"));
    assert_int_equal(next(), TK_QIDENT);
    assert_false(lex_is(&LX, &T, "where")); /* backticks make it a name */
    start("'where'");
    next();
    assert_false(lex_is(&LX, &T, "where"));
}

static void test_reserved(void **state)
{
    (void)state;
    static const char *const yes[] = {"and",   "or",      "not",  "in",   "is",    "null",   "true",
                                      "false", "between", "case", "when", "then",  "else",   "end",
                                      "today", "now",     "AND",  "Null", "TODAY", "BeTwEeN"};
    static const char *const no[] = {"",      "a",     "an",       "andx",   "order", "select",
                                     "where", "count", "nulls",    "ends",   "no",    "tod",
                                     "sort",  "limit", "accounts", "nowhere"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!lex_reserved(yes[i], strlen(yes[i]))) fail_msg("%s should be reserved", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (lex_reserved(no[i], strlen(no[i]))) fail_msg("%s should not be reserved", no[i]);
    /* Only LEN bytes count: "notable" cut to 3 is "not". */
    assert_true(lex_reserved("notable", 3));
    assert_false(lex_reserved("notable", 7));
}

static void test_qident(void **state)
{
    (void)state;
    char out[64];
    one("`order`", TK_QIDENT);
    assert_int_equal(lex_qident(&LX, &T, out), 5);
    assert_memory_equal(out, "order", 5);

    one("`a``b`", TK_QIDENT);
    assert_int_equal(lex_qident(&LX, &T, out), 3);
    assert_memory_equal(out, "a`b", 3);

    one("````", TK_QIDENT);
    assert_int_equal(lex_qident(&LX, &T, out), 1);
    assert_memory_equal(out, "`", 1);

    one("`net revenue (€)`", TK_QIDENT);
    assert_int_equal(lex_qident(&LX, &T, out), strlen("net revenue (€)"));
    assert_memory_equal(out, "net revenue (€)", strlen("net revenue (€)"));

    KINDS("`x`.`y`", TK_QIDENT, TK_DOT, TK_QIDENT);
    KINDS("`a` `b`", TK_QIDENT, TK_QIDENT);
}

static void test_qident_errors(void **state)
{
    (void)state;
    check_error("`abc", 0, 1, "unterminated quoted identifier");
    check_error("x = `ab\ncd`", 4, 1, "unterminated quoted identifier");
    check_error("`ab``", 0, 1, "unterminated quoted identifier");
    check_error("``", 0, 2, "empty quoted identifier");
    check_error("a ``;", 2, 2, "empty quoted identifier");
    check_error_n("`a\0b`", 5, 2, 1, "control character in quoted identifier");
    check_error("`a\tb`", 2, 1, "control character in quoted identifier");
    check_error("`a\x7f`", 2, 1, "control character in quoted identifier");
    check_error("`ab\xff`", 3, 1, "invalid UTF-8 in quoted identifier");
    check_error("`\xc3`", 1, 1, "invalid UTF-8 in quoted identifier");
}

static void test_variables(void **state)
{
    (void)state;
    one("$name", TK_VAR);
    one("$_x1", TK_VAR);
    KINDS("$a+$b", TK_VAR, TK_PLUS, TK_VAR);
    KINDS("tier = $Tier;", TK_IDENT, TK_EQ, TK_VAR, TK_SEMI);
    check_error("$", 0, 1, "expected a variable name after '$'");
    check_error("x = $ y", 4, 1, "expected a variable name after '$'");
    check_error("$1abc", 0, 5, "expected a variable name after '$'");
    check_error("$$x", 0, 1, "expected a variable name after '$'");
}

static void test_integers(void **state)
{
    (void)state;
    check_int("0", 0);
    check_int("1500", 1500);
    check_int("007", 7);
    check_int("2024", 2024); /* a plain year is an integer */
    check_int("9223372036854775807", INT64_MAX);
    check_int("1k", 1000);
    check_int("1K", 1000);
    check_int("2M", 2000000);
    check_int("3B", 3000000000);
    check_int("9223372036854775k", 9223372036854775000);
    check_int("9223372036B", 9223372036000000000);
    /* Leading zeros do not count against the range. */
    char big[600];
    memset(big, '0', 550);
    strcpy(big + 550, "42");
    check_int(big, 42);
    KINDS("-5", TK_MINUS, TK_INT); /* no negative literals */
}

static void test_integer_range(void **state)
{
    (void)state;
    check_error("9223372036854775808", 0, 19, "integer literal out of range");
    check_error("x = 99999999999999999999999;", 4, 23, "integer literal out of range");
    check_error("9223372036854776k", 0, 17, "integer literal out of range");
    check_error("9223372037B", 0, 11, "integer literal out of range");
    check_error("10000000000000M", 0, 15, "integer literal out of range");
}

static void test_numbers(void **state)
{
    (void)state;
    check_num("2.5", TK_NUM, 2.5);
    check_num("0.1", TK_NUM, 0.1);
    check_num("1e6", TK_NUM, 1e6);
    check_num("1E6", TK_NUM, 1e6);
    check_num("1e+3", TK_NUM, 1000.0);
    check_num("2.5e-3", TK_NUM, 2.5e-3);
    check_num("1.5k", TK_NUM, 1500.0);
    check_num("0.1k", TK_NUM, 100.0);
    check_num("1.5M", TK_NUM, 1.5e6);
    check_num("2.5B", TK_NUM, 2.5e9);
    check_num("1e3k", TK_NUM, 1e6);
    check_num("0.3", TK_NUM, 0.3); /* correctly rounded, like strtod */
    check_num("123456789.123456789", TK_NUM, 123456789.123456789);
    check_num("1e-400", TK_NUM, 0.0); /* underflow is zero */
    check_num("99999999999999999999999.0", TK_NUM, 99999999999999999999999.0);
    check_num("1e308", TK_NUM, 1e308);
    check_num("1e0000000000000000000000002", TK_NUM, 100.0);
    check_num("1e-0000000000000000000000002", TK_NUM, 0.01);

    check_error("1e309", 0, 5, "number literal out of range");
    check_error("1e99999999999999999999", 0, 22, "number literal out of range");
    check_error("1.7e308k", 0, 8, "number literal out of range");

    char big[600] = "1.";
    memset(big + 2, '5', 398);
    big[400] = 0;
    check_num(big, TK_NUM, 1.5555555555555556); /* 399 digits: the limit is 400 */
    memset(big + 2, '5', 450);
    big[452] = 0;
    check_error(big, 0, 452, "number literal too long");

    /* A '.' needs a digit after it to belong to the number. */
    KINDS("1.x", TK_INT, TK_DOT, TK_IDENT);
    KINDS("1..2", TK_INT, TK_DOT, TK_DOT, TK_INT);
    KINDS(".5", TK_DOT, TK_INT);
    KINDS("1.5.3", TK_NUM, TK_DOT, TK_INT);
    KINDS("3*2.5", TK_INT, TK_STAR, TK_NUM);
}

static void test_malformed_numbers(void **state)
{
    (void)state;
    check_error("12abc", 0, 5, "malformed number");
    check_error("x = 3x;", 4, 2, "malformed number");
    check_error("1_000", 0, 5, "malformed number");
    check_error("1e", 0, 2, "malformed number");
    check_error("1e+", 0, 2, "malformed number");
    check_error("1.5e", 0, 4, "malformed number");
    check_error("2kb", 0, 3, "malformed number");
    check_error("2kk", 0, 3, "malformed number");
    check_error("1m", 0, 2, "malformed number"); /* M is millions; m no unit */
    check_error("1b", 0, 2, "malformed number");
    check_error("1.5d", 0, 4, "malformed number"); /* durations count whole units */
    check_error("1e2d", 0, 4, "malformed number");
    check_error("90days", 0, 6, "malformed number");
    check_error("6mon", 0, 4, "malformed number");
    check_error("2D", 0, 2, "malformed number");
    check_error("2Md", 0, 3, "malformed number");
    check_error("0x1F", 0, 4, "malformed number");
    check_error("12.5abc", 0, 7, "malformed number");
}

static void test_percent(void **state)
{
    (void)state;
    check_num("90%", TK_PERCENT, 0.9);
    check_num("12.5%", TK_PERCENT, 0.125);
    check_num("100%", TK_PERCENT, 1.0);
    check_num("0%", TK_PERCENT, 0.0);
    check_num("1k%", TK_PERCENT, 10.0);
    check_num("1e2%", TK_PERCENT, 1.0);
    check_num("33%", TK_PERCENT, 0.33);
    KINDS("90% ", TK_PERCENT);
    KINDS("x >= 90%;", TK_IDENT, TK_GE, TK_PERCENT, TK_SEMI);
    KINDS("(50%)", TK_LPAREN, TK_PERCENT, TK_RPAREN);
    KINDS("50%,", TK_PERCENT, TK_COMMA);
    KINDS("10% 3", TK_PERCENT, TK_INT);
    KINDS("10%-3", TK_PERCENT, TK_MINUS, TK_INT);
    KINDS("x*10%", TK_IDENT, TK_STAR, TK_PERCENT);
    KINDS("50%%", TK_PERCENT, TK_MOD);
    /* Followed by an operand: the '%' is modulo. */
    KINDS("10%3", TK_INT, TK_MOD, TK_INT);
    KINDS("10%a", TK_INT, TK_MOD, TK_IDENT);
    KINDS("10%_x", TK_INT, TK_MOD, TK_IDENT);
    KINDS("10%(3)", TK_INT, TK_MOD, TK_LPAREN, TK_INT, TK_RPAREN);
    KINDS("10%$n", TK_INT, TK_MOD, TK_VAR);
    KINDS("10%.5", TK_INT, TK_MOD, TK_DOT, TK_INT);
    KINDS("10%`n`", TK_INT, TK_MOD, TK_QIDENT);
    KINDS("2.5%2", TK_NUM, TK_MOD, TK_INT);
    KINDS("10 % 3", TK_INT, TK_MOD, TK_INT);
    KINDS("a%b", TK_IDENT, TK_MOD, TK_IDENT);
    KINDS("90d%7", TK_DURATION, TK_MOD, TK_INT);
    KINDS("90d%", TK_DURATION, TK_MOD);
}

static void test_durations(void **state)
{
    (void)state;
    check_duration("90d", U_DAY, 90);
    check_duration("12w", U_WEEK, 12);
    check_duration("6mo", U_MONTH, 6);
    check_duration("2q", U_QUARTER, 2);
    check_duration("1y", U_YEAR, 1);
    check_duration("0d", U_DAY, 0);
    check_duration("007y", U_YEAR, 7);
    check_duration("9223372036854775807d", U_DAY, INT64_MAX);
    KINDS("today - 90d", TK_IDENT, TK_MINUS, TK_DURATION);
    KINDS("1y;", TK_DURATION, TK_SEMI);
    KINDS("3mo)", TK_DURATION, TK_RPAREN);
    check_error("9223372036854775808d", 0, 20, "duration out of range");
    /* Not durations: */
    check_int("6M", 6000000);
    KINDS("6 mo", TK_INT, TK_IDENT);
}

static void test_dates(void **state)
{
    (void)state;
    value v = temporal("2024-03-31", TK_DATE);
    assert_int_equal(v.type, T_DATE);
    assert_int_equal(v.i, 19813);
    assert_int_equal(temporal("2024-02-29", TK_DATE).i, 19782);
    assert_int_equal(temporal("2000-02-29", TK_DATE).i, 11016);
    assert_int_equal(temporal("1970-01-01", TK_DATE).i, 0);
    assert_int_equal(temporal("1969-12-31", TK_DATE).i, -1);
    assert_int_equal(temporal("0001-01-01", TK_DATE).i, -719162);
    assert_int_equal(temporal("9999-12-31", TK_DATE).i, 2932896);
    KINDS("created >= 2024-01-01;", TK_IDENT, TK_GE, TK_DATE, TK_SEMI);
    KINDS("2024-03-31 - 90d", TK_DATE, TK_MINUS, TK_DURATION);
    KINDS("2024-03-31-1", TK_DATE, TK_MINUS, TK_INT);
    KINDS("2024-03-31.x", TK_DATE, TK_DOT, TK_IDENT);
}

static void test_date_errors(void **state)
{
    (void)state;
    check_error("2024-02-30", 0, 10, "invalid date");
    check_error("2023-02-29", 0, 10, "invalid date");
    check_error("1900-02-29", 0, 10, "invalid date");
    check_error("2024-04-31", 0, 10, "invalid date");
    check_error("2024-13-01", 0, 10, "invalid date");
    check_error("2024-00-10", 0, 10, "invalid date");
    check_error("2024-03-00", 0, 10, "invalid date");
    check_error("x < 2024-03-", 4, 8, "invalid date");
    check_error("2024-03-1", 0, 9, "invalid date");
    check_error("2024-03-1 ", 0, 9, "invalid date");
    check_error("2024-03-311", 0, 11, "invalid date");
    check_error("2024-03-31x", 0, 11, "invalid date");
    check_error("2024-03-31_1", 0, 12, "invalid date");
    check_error("2024-03-x", 0, 9, "invalid date");
}

static void test_datetimes(void **state)
{
    (void)state;
    value v = temporal("2024-03-31T14:05:00", TK_DATETIME);
    assert_int_equal(v.type, T_DATETIME);
    assert_int_equal(v.i, 19813LL * 86400 + 14 * 3600 + 5 * 60);
    assert_int_equal(temporal("2024-03-31T14:05", TK_DATETIME).i, 19813LL * 86400 + 50700);
    assert_int_equal(temporal("2024-03-31T23:59:59", TK_DATETIME).i, 19814LL * 86400 - 1);
    assert_int_equal(temporal("1969-12-31T23:59:59", TK_DATETIME).i, -1);
    assert_int_equal(temporal("2024-03-31t00:00:01", TK_DATETIME).i, 19813LL * 86400 + 1);
    /* A fraction of a second is dropped. */
    assert_int_equal(temporal("2024-03-31T14:05:07.999", TK_DATETIME).i, 19813LL * 86400 + 50707);
    KINDS("at >= 2024-03-31T14:05:00 and", TK_IDENT, TK_GE, TK_DATETIME, TK_IDENT);
    KINDS("2024-03-31T14:05;", TK_DATETIME, TK_SEMI);
    KINDS("2024-03-31T14:05:00.", TK_DATETIME, TK_DOT);
    check_error("2024-03-31 14:05", 13, 1, "unexpected character ':'");
}

static void test_datetime_errors(void **state)
{
    (void)state;
    check_error("2024-03-31T24:00", 0, 16, "invalid time");
    check_error("2024-03-31T14:60", 0, 16, "invalid time");
    check_error("2024-03-31T14:05:60", 0, 19, "invalid time");
    check_error("2024-03-31T1:05", 0, 15, "invalid time");
    check_error("2024-03-31T14:5", 0, 15, "invalid time");
    check_error("2024-03-31T145", 0, 14, "invalid time");
    check_error("2024-03-31T", 0, 11, "invalid time");
    check_error("2024-03-31T;", 0, 11, "invalid time");
    check_error("2024-03-31Tx", 0, 12, "invalid time");
    check_error("2024-03-31T14:05:00Z", 0, 20, "invalid time");
    check_error("2024-03-31T14:05.5", 0, 18, "invalid time");
    check_error("2024-03-31T14:05:00:00", 0, 22, "invalid time");
    check_error("2024-03-31T14:05:", 0, 17, "invalid time");
    check_error("2024-02-30T14:05", 0, 10, "invalid date");
}

static void test_periods(void **state)
{
    (void)state;
    check_period("2024-Q1", U_QUARTER, 19723, 19814);
    check_period("2024-Q2", U_QUARTER, 19814, 19905);
    check_period("2024-Q3", U_QUARTER, 19905, 19997);
    check_period("2024-Q4", U_QUARTER, 19997, 20089);
    check_period("2024-q4", U_QUARTER, 19997, 20089);
    check_period("2024-03", U_MONTH, 19783, 19814);
    check_period("2024-02", U_MONTH, 19754, 19783);
    check_period("2024-12", U_MONTH, 20058, 20089);
    check_period("2024-01", U_MONTH, 19723, 19754);
    check_period("2024-W01", U_WEEK, 19723, 19730); /* 2024 starts on a Monday */
    check_period("2024-W05", U_WEEK, 19751, 19758);
    check_period("2024-w05", U_WEEK, 19751, 19758);
    check_period("2021-W01", U_WEEK, 18631, 18638); /* 2021-01-04 */
    check_period("2020-W53", U_WEEK, 18624, 18631); /* 2020 began on a Wednesday, leap */
    check_period("2026-W53", U_WEEK, 20815, 20822); /* 2026 begins on a Thursday */
    check_period("2021-W52", U_WEEK, 18624 + 7 * 52, 18624 + 7 * 53);
    KINDS("at in 2024-Q3 and", TK_IDENT, TK_IDENT, TK_PERIOD, TK_IDENT);
    KINDS("2024-Q3)", TK_PERIOD, TK_RPAREN);
    KINDS("2024-03;", TK_PERIOD, TK_SEMI);
    KINDS("2024-03.x", TK_PERIOD, TK_DOT, TK_IDENT);
    KINDS("2024-03%", TK_PERIOD, TK_MOD);
}

static void test_period_errors(void **state)
{
    (void)state;
    check_error("2024-Q0", 0, 7, "invalid period");
    check_error("2024-Q5", 0, 7, "invalid period");
    check_error("2024-Q12", 0, 8, "invalid period");
    check_error("2024-Q1x", 0, 8, "invalid period");
    check_error("2024-W00", 0, 8, "invalid period");
    check_error("2024-W5", 0, 7, "invalid period");
    check_error("2024-W54", 0, 8, "invalid period");
    check_error("2021-W53", 0, 8, "invalid period");
    check_error("2024-W053", 0, 9, "invalid period");
    check_error("2024-13", 0, 7, "invalid period");
    check_error("2024-00", 0, 7, "invalid period");
    check_error("2024-03x", 0, 8, "invalid period");
    check_error("x in 2024-13;", 5, 7, "invalid period");
}

static void test_not_dates(void **state)
{
    (void)state;
    KINDS("2024 - 03", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024- 03", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024 -03", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024-1", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024-123", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024-x", TK_INT, TK_MINUS, TK_IDENT);
    KINDS("2024-Q", TK_INT, TK_MINUS, TK_IDENT);
    KINDS("2024-W", TK_INT, TK_MINUS, TK_IDENT);
    KINDS("2024-(1)", TK_INT, TK_MINUS, TK_LPAREN, TK_INT, TK_RPAREN);
    KINDS("12345-03", TK_INT, TK_MINUS, TK_INT);
    KINDS("202-03", TK_INT, TK_MINUS, TK_INT);
    KINDS("2024.5-03", TK_NUM, TK_MINUS, TK_INT);
    KINDS("2024-", TK_INT, TK_MINUS);
    KINDS("2024--03", TK_INT); /* a comment */
}

static void test_strings(void **state)
{
    (void)state;
    check_string("\"abc\"", "abc");
    check_string("'abc'", "abc");
    check_string("\"\"", "");
    check_string("''", "");
    check_string("\"it's\"", "it's");
    check_string("'say \"hi\"'", "say \"hi\"");
    check_string("\"a\\nb\\tc\\rd\"", "a\nb\tc\rd");
    check_string("\"\\\\ \\' \\\" \\/\"", "\\ ' \" /");
    check_string("'\\''", "'");
    check_string("\"\\x41\\x7f\\x7F\"", "A\x7f\x7f");
    check_string("\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9");
    check_string("\"\\u20ac\"", "\xe2\x82\xac");
    check_string("\"\\uffff\"", "\xef\xbf\xbf");
    check_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
    check_string("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf");
    check_string("\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"",
                 "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");
    check_string("\"line1\nline2\"", "line1\nline2");
    check_string("\"-- not a comment\"", "-- not a comment");
    check_string_n("\"a\\0b\"", "a\0b", 3);
    check_string_n("\"\\u0000\"", "\0", 1);
    check_string_n("\"\\x00\"", "\0", 1);

    /* Raw NUL and control bytes are allowed inside strings. */
    start_n("\"a\0b\"", 5);
    assert_int_equal(next(), TK_STRING);
    char out[8];
    assert_int_equal(lex_string(&LX, &T, out), 3);
    assert_memory_equal(out, "a\0b", 3);

    KINDS("name = \"x\";", TK_IDENT, TK_EQ, TK_STRING, TK_SEMI);
    KINDS("\"a\"\"b\"", TK_STRING, TK_STRING);
    KINDS("'a''b'", TK_STRING, TK_STRING);
}

static void test_string_errors(void **state)
{
    (void)state;
    check_error("\"abc", 0, 1, "unterminated string");
    check_error("x = 'abc", 4, 1, "unterminated string");
    check_error("'abc\"", 0, 1, "unterminated string");
    check_error("\"abc\\\"", 0, 1, "unterminated string");
    check_error("\"abc\\", 0, 1, "unterminated string");
    check_error("\"\\q unterminated", 0, 1, "unterminated string");
    check_error("\"a\\qb\"", 2, 2, "invalid escape '\\q' in string");
    check_error("\"\\a\"", 1, 2, "invalid escape '\\a' in string");
    check_error("\"\\1\"", 1, 2, "invalid escape '\\1' in string");
    check_error("\"a\\\nb\"", 2, 1, "invalid escape in string");
    check_error("\"\\\xc3\xa9\"", 1, 1, "invalid escape in string");
    check_error("\"\\x80\"", 1, 2,
                "invalid escape '\\x' in string (two hex digits 00-7F expected)");
    check_error("\"\\xff\"", 1, 2,
                "invalid escape '\\x' in string (two hex digits 00-7F expected)");
    check_error("\"\\x4\"", 1, 2, "invalid escape '\\x' in string (two hex digits 00-7F expected)");
    check_error("\"\\xg0\"", 1, 2,
                "invalid escape '\\x' in string (two hex digits 00-7F expected)");
    const char *u = "invalid escape '\\u' in string (four hex digits expected, not an unpaired "
                    "surrogate)";
    check_error("\"\\u12\"", 1, 2, u);
    check_error("\"\\u12g4\"", 1, 2, u);
    check_error("\"\\ud800\"", 1, 2, u);
    check_error("\"\\udc00\"", 1, 2, u);
    check_error("\"\\ud800\\u0041\"", 1, 2, u);
    check_error("\"\\ud800\\ud800\"", 1, 2, u);
    check_error("\"\\ud800x\"", 1, 2, u);
    check_error("\"ab\xff\"", 3, 1, "invalid UTF-8 in string");
    check_error("\"\xc0\x80\"", 1, 1, "invalid UTF-8 in string");         /* overlong */
    check_error("\"\xed\xa0\x80\"", 1, 1, "invalid UTF-8 in string");     /* surrogate */
    check_error("\"\xf4\x90\x80\x80\"", 1, 1, "invalid UTF-8 in string"); /* > U+10FFFF */
    check_error("\"\xe2\x82\"", 1, 1, "invalid UTF-8 in string");         /* truncated */
    check_error("\"\x80\"", 1, 1, "invalid UTF-8 in string");
}

static void test_regex(void **state)
{
    (void)state;
    const char *pat;
    size_t n;
    unsigned fl;

    start("name ~ /health|care/i and");
    assert_int_equal(next(), TK_IDENT);
    assert_int_equal(next(), TK_MATCH);
    assert_int_equal(next(), TK_SLASH);
    assert_int_equal(lex_regex(&LX, &T), TK_REGEX);
    assert_int_equal(T.off, 7);
    assert_int_equal(T.len, 14);
    lex_regex_parts(&LX, &T, &pat, &n, &fl);
    assert_int_equal(n, 11);
    assert_memory_equal(pat, "health|care", 11);
    assert_int_equal(fl, LEX_RE_I);
    assert_int_equal(next(), TK_IDENT);
    assert_true(lex_is(&LX, &T, "and"));
    assert_int_equal(next(), TK_EOF);

    static const struct {
        const char *src, *pat;
        unsigned flags;
    } cases[] = {
        {"/abc/", "abc", 0},
        {"//", "", 0},
        {"/a/imsx", "a", LEX_RE_I | LEX_RE_M | LEX_RE_S | LEX_RE_X},
        {"/a/xsmi", "a", LEX_RE_I | LEX_RE_M | LEX_RE_S | LEX_RE_X},
        {"/a/ii", "a", LEX_RE_I},
        {"/a/m", "a", LEX_RE_M},
        {"/a/s", "a", LEX_RE_S},
        {"/a\\/b/", "a\\/b", 0},
        {"/a\\\\/", "a\\\\", 0},
        {"/\\d+\\.\\d*/", "\\d+\\.\\d*", 0},
        {"/[a-z]+ \"x\" 'y'/", "[a-z]+ \"x\" 'y'", 0},
        {"/caf\xc3\xa9/i", "caf\xc3\xa9", LEX_RE_I},
        {"/\\\xc3\xa9/", "\\\xc3\xa9", 0},
        {"/-- x/", "-- x", 0},
        {"/a\tb/", "a\tb", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(cases[i].src);
        assert_int_equal(next(), TK_SLASH);
        if (lex_regex(&LX, &T) != TK_REGEX) fail_msg("%s: %s", cases[i].src, D.msg);
        assert_int_equal(T.off, 0);
        assert_int_equal(T.len, strlen(cases[i].src));
        lex_regex_parts(&LX, &T, &pat, &n, &fl);
        if (n != strlen(cases[i].pat) || memcmp(pat, cases[i].pat, n) != 0)
            fail_msg("%s: pattern '%.*s'", cases[i].src, (int)n, pat);
        assert_int_equal(fl, cases[i].flags);
        assert_int_equal(next(), TK_EOF);
    }

    /* Whatever the parser peeked after the slash is dropped by the rescan. */
    start("x ~ /a b/ ;");
    next();
    next();
    assert_int_equal(next(), TK_SLASH);
    token slash = T, peek;
    assert_int_equal(lex_next(&LX, &peek), TK_IDENT);
    assert_int_equal(lex_regex(&LX, &slash), TK_REGEX);
    lex_regex_parts(&LX, &slash, &pat, &n, &fl);
    assert_int_equal(n, 3);
    assert_memory_equal(pat, "a b", 3);
    assert_int_equal(next(), TK_SEMI);

    /* Without the rescan a slash is division. */
    KINDS("a/b/2", TK_IDENT, TK_SLASH, TK_IDENT, TK_SLASH, TK_INT);
}

/* Rescans the first '/' in SRC as a regex: it must fail with MSG at [OFF, OFF+LEN). */
static void check_regex_error(const char *src, size_t off, size_t len, const char *msg)
{
    start(src);
    int k;
    while ((k = next()) != TK_SLASH)
        assert_int_not_equal(k, TK_EOF);
    assert_int_equal(lex_regex(&LX, &T), TK_ERROR);
    if (strcmp(D.msg, msg) != 0) fail_msg("%s: '%s', expected '%s'", src, D.msg, msg);
    assert_int_equal(D.off, off);
    assert_int_equal(D.len, len);
    assert_int_equal(T.kind, TK_ERROR);
    assert_int_equal(T.off, off);
}

static void test_regex_errors(void **state)
{
    (void)state;
    check_regex_error("/abc", 0, 1, "unterminated regex");
    check_regex_error("x ~ /ab\ncd/", 4, 1, "unterminated regex");
    check_regex_error("x ~ /ab\rcd/", 4, 1, "unterminated regex");
    check_regex_error("/ab\\/", 0, 1, "unterminated regex");
    check_regex_error("/ab\\", 0, 1, "unterminated regex");
    check_regex_error("/ab\\\n/", 0, 1, "unterminated regex");
    check_regex_error("/a/q", 3, 1, "unknown regex flag 'q'");
    check_regex_error("x ~ /a/iq;", 8, 1, "unknown regex flag 'q'");
    check_regex_error("/a/I", 3, 1, "unknown regex flag 'I'");
    check_regex_error("/a/i2", 4, 1, "unknown regex flag '2'");
    check_regex_error("/a/g", 3, 1, "unknown regex flag 'g'");
    check_regex_error("/a\xff/", 2, 1, "invalid UTF-8 in regex");
    check_regex_error("/\\\xff/", 2, 1, "invalid UTF-8 in regex");

    /* Only a TK_SLASH can be rescanned. */
    start("x");
    next();
    assert_int_equal(lex_regex(&LX, &T), TK_ERROR);
    assert_string_equal(D.msg, "expected a regex");
}

static void test_operators(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int kind;
    } ops[] = {
        {"=", TK_EQ},   {"==", TK_EQ},   {"!=", TK_NE},  {"<>", TK_NE},    {"<", TK_LT},
        {"<=", TK_LE},  {">", TK_GT},    {">=", TK_GE},  {"~", TK_MATCH},  {"!~", TK_NMATCH},
        {"+", TK_PLUS}, {"-", TK_MINUS}, {"*", TK_STAR}, {"/", TK_SLASH},  {"%", TK_MOD},
        {";", TK_SEMI}, {",", TK_COMMA}, {".", TK_DOT},  {"(", TK_LPAREN}, {")", TK_RPAREN},
        {"|", TK_PIPE},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        one(ops[i].src, ops[i].kind);
    KINDS("a<=b>=c<>d!=e==f", TK_IDENT, TK_LE, TK_IDENT, TK_GE, TK_IDENT, TK_NE, TK_IDENT, TK_NE,
          TK_IDENT, TK_EQ, TK_IDENT);
    KINDS("===", TK_EQ, TK_EQ);
    KINDS("=<", TK_EQ, TK_LT);
    KINDS("<<", TK_LT, TK_LT);
    KINDS("> =", TK_GT, TK_EQ);
    KINDS("||", TK_CONCAT); /* SQL's concatenation */
    KINDS("| |", TK_PIPE, TK_PIPE);
    KINDS("|||", TK_CONCAT, TK_PIPE);
    KINDS("=~", TK_EQ, TK_MATCH);
    KINDS("x!~/a/", TK_IDENT, TK_NMATCH, TK_SLASH, TK_IDENT, TK_SLASH);
    KINDS("5 - -3", TK_INT, TK_MINUS, TK_MINUS, TK_INT);
    KINDS("-(1)", TK_MINUS, TK_LPAREN, TK_INT, TK_RPAREN);
}

static void test_comments(void **state)
{
    (void)state;
    KINDS("a -- comment\nb", TK_IDENT, TK_IDENT);
    KINDS("a--b", TK_IDENT);
    KINDS("-- only a comment", -1);
    KINDS("--", -1);
    KINDS("a --\n--\n  -- x\r\nb;", TK_IDENT, TK_IDENT, TK_SEMI);
    KINDS("5--3", TK_INT);
    KINDS("- -", TK_MINUS, TK_MINUS);
    KINDS("-- \xff\xfe bytes in comments are not checked\n1", TK_INT);
    KINDS("a -- \"not a string\nb", TK_IDENT, TK_IDENT);
    start("x -- c\ny");
    next();
    next();
    assert_int_equal(T.off, 7);
}

static void test_bad_chars(void **state)
{
    (void)state;
    check_error("!", 0, 1, "unexpected character '!'");
    check_error("a ! b", 2, 1, "unexpected character '!'");
    check_error("#", 0, 1, "unexpected character '#'");
    check_error("x @ y", 2, 1, "unexpected character '@'");
    check_error("a\\b", 1, 1, "unexpected character '\\'");
    check_error("{", 0, 1, "unexpected character '{'");
    check_error("a:b", 1, 1, "unexpected character ':'");
    check_error("?", 0, 1, "unexpected character '?'");
    check_error("&", 0, 1, "unexpected character '&'");
    check_error("^", 0, 1, "unexpected character '^'");
    check_error("[", 0, 1, "unexpected character '['");
    check_error_n("a\0b", 3, 1, 1, "unexpected character '\\x00'");
    check_error_n("\0", 1, 0, 1, "unexpected character '\\x00'");
    check_error("\x01", 0, 1, "unexpected character '\\x01'");
    check_error("\x1b[0m", 0, 1, "unexpected character '\\x1B'");
    check_error("\x7f", 0, 1, "unexpected character '\\x7F'");
    check_error("caf\xc3\xa9", 3, 2, "unexpected character '\xc3\xa9' (U+00E9)");
    check_error("\xe2\x80\x9cx\xe2\x80\x9d", 0, 3, "unexpected character '\xe2\x80\x9c' (U+201C)");
    check_error("a\xc2\xa0=", 1, 2, "unexpected character '\xc2\xa0' (U+00A0)");
    check_error("\xf0\x9f\x98\x80", 0, 4, "unexpected character '\xf0\x9f\x98\x80' (U+1F600)");
    check_error("a\xe2\x80\x8b", 1, 3, "unexpected character U+200B");
    check_error("\xe2\x80\xae", 0, 3, "unexpected character U+202E");
    check_error("\xc2\x85", 0, 2, "unexpected character U+0085");
    check_error("a \xef\xbb\xbf", 2, 3, "unexpected character U+FEFF");
    check_error("\xff", 0, 1, "invalid UTF-8");
    check_error("ab\x80", 2, 1, "invalid UTF-8");
    check_error("\xc3", 0, 1, "invalid UTF-8");
    check_error("\xc3(", 0, 1, "invalid UTF-8");
    check_error("\xc0\xaf", 0, 1, "invalid UTF-8");
    check_error("\xed\xb0\x80", 0, 1, "invalid UTF-8");
    check_error("\xf5\x80\x80\x80", 0, 1, "invalid UTF-8");
    check_error("\xe0\x80\x80", 0, 1, "invalid UTF-8");
    check_error("\xf0\x80\x80\x80", 0, 1, "invalid UTF-8");

    /* A byte order mark is skipped at the start only. */
    KINDS("\xef\xbb\xbf"
          "accounts;",
          TK_IDENT, TK_SEMI);
    start("\xef\xbb\xbf");
    assert_int_equal(next(), TK_EOF);
    check_error("\xef\xbb", 0, 1, "invalid UTF-8");
}

static void test_first_error_wins(void **state)
{
    (void)state;
    start("# @ x");
    assert_int_equal(next(), TK_ERROR);
    assert_int_equal(next(), TK_ERROR); /* the scan moved on past the bad byte */
    assert_int_equal(T.off, 2);
    assert_int_equal(next(), TK_IDENT);
    assert_int_equal(next(), TK_EOF);
    assert_string_equal(D.msg, "unexpected character '#'");
    assert_int_equal(D.off, 0);

    /* No diag: errors are still reported as tokens. */
    lexer lx;
    token t;
    lex_init(&lx, "#", 1, NULL);
    assert_int_equal(lex_next(&lx, &t), TK_ERROR);
    assert_int_equal(lex_next(&lx, &t), TK_EOF);
}

static void test_value_of_wrong_kind(void **state)
{
    (void)state;
    char out[16];
    const char *pat;
    size_t n;
    unsigned fl;
    start("abc");
    next();
    assert_int_equal(lex_number(&LX, &T).type, T_NULL);
    assert_int_equal(lex_temporal(&LX, &T).type, T_NULL);
    assert_int_equal(lex_string(&LX, &T, out), 0);
    assert_int_equal(lex_qident(&LX, &T, out), 0);
    lex_regex_parts(&LX, &T, &pat, &n, &fl);
    assert_int_equal(n, 0);
    assert_int_equal(fl, 0);
    start("1.5");
    next();
    assert_int_equal(lex_temporal(&LX, &T).type, T_NULL);
    start("2024-03");
    next();
    assert_int_equal(lex_number(&LX, &T).type, T_NULL);
}

/* A whole statement from spec §4, token by token. */
static void test_statement(void **state)
{
    (void)state;
    const char *src =
        "interactions where kind = \"order\" and at in 2024-Q3 and account.region = 'EMEA'\n"
        "  | group by account agg count() as orders, sum(amount) as total -- per account\n"
        "  | sort total desc | limit 5;";
    KINDS(src, TK_IDENT, TK_IDENT, TK_IDENT, TK_EQ, TK_STRING, TK_IDENT, TK_IDENT, TK_IDENT,
          TK_PERIOD, TK_IDENT, TK_IDENT, TK_DOT, TK_IDENT, TK_EQ, TK_STRING, TK_PIPE, TK_IDENT,
          TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_LPAREN, TK_RPAREN, TK_IDENT, TK_IDENT,
          TK_COMMA, TK_IDENT, TK_LPAREN, TK_IDENT, TK_RPAREN, TK_IDENT, TK_IDENT, TK_PIPE, TK_IDENT,
          TK_IDENT, TK_IDENT, TK_PIPE, TK_IDENT, TK_INT, TK_SEMI);
    KINDS("accounts where tier = 1 and revenue >= 1M and last_contact < today - 90d", TK_IDENT,
          TK_IDENT, TK_IDENT, TK_EQ, TK_INT, TK_IDENT, TK_IDENT, TK_GE, TK_INT, TK_IDENT, TK_IDENT,
          TK_LT, TK_IDENT, TK_MINUS, TK_DURATION);
}

/* Deterministic pseudo-random inputs: every call must stay inside the
 * buffer (the sanitizers check), make progress and give tokens inside it. */
static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void lex_all(const char *src, size_t len)
{
    start_n(src, len);
    char *out = malloc(len + 1);
    assert_non_null(out);
    for (size_t steps = 0;; steps++) {
        size_t before = LX.pos;
        int k = next();
        assert_true(k >= 0 && k < TK_NKINDS);
        assert_true((size_t)T.off + T.len <= len);
        if (k == TK_EOF) break;
        assert_true(LX.pos > before || k == TK_ERROR);
        assert_true(steps <= len + 1);
        if (k == TK_SLASH && rng() % 2) k = lex_regex(&LX, &T);
        assert_true((size_t)T.off + T.len <= len);
        switch (k) {
        case TK_INT:
        case TK_NUM:
        case TK_PERCENT: {
            value v = lex_number(&LX, &T);
            assert_int_equal(v.type, k == TK_INT ? T_INT : T_NUM);
            if (k != TK_INT) assert_false(isinf(v.n) || isnan(v.n));
            break;
        }
        case TK_DATE:
        case TK_DATETIME:
        case TK_PERIOD:
        case TK_DURATION: {
            value v = lex_temporal(&LX, &T);
            assert_int_not_equal(v.type, T_NULL);
            if (k == TK_PERIOD) assert_true(v.p.start < v.p.end);
            break;
        }
        case TK_STRING: assert_true(lex_string(&LX, &T, out) <= T.len - 2); break;
        case TK_QIDENT: assert_true(lex_qident(&LX, &T, out) <= T.len - 2); break;
        case TK_REGEX: {
            const char *pat;
            size_t n;
            unsigned fl;
            lex_regex_parts(&LX, &T, &pat, &n, &fl);
            assert_true(pat > LX.src && pat + n <= LX.src + len);
            break;
        }
        case TK_ERROR: assert_int_equal(D.code, DIAG_SYNTAX); break;
        }
        if (k == TK_ERROR && LX.pos == before) break; /* at the end after an error */
    }
    free(out);
}

static void test_random_inputs(void **state)
{
    (void)state;
    static const char alphabet[] =
        "0123456789--QqWwTt:.eE+%kKMBdwmoqy\"'`$/\\ \n_aZ;()~!<>=|\x80\xc3\xa9\xff";
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        size_t len = rng() % sizeof buf;
        for (size_t j = 0; j < len; j++)
            buf[j] = i % 2 ? (char)rng() : alphabet[rng() % (sizeof alphabet - 1)];
        lex_all(buf, len);
    }
    /* Every prefix of a busy statement. */
    const char *s = "x = `a``b` and $v in 2024-W05 or d >= 2024-03-31T14:05:00.5 or n ~ /a\\/b/ix "
                    "and p = 12.5% % 7 + 1.5e3k - 90d -- c\n'\\u00e9\\n' 2024-Q4 2024-12;";
    for (size_t n = 0; n <= strlen(s); n++)
        lex_all(s, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_token_names, teardown),
        cmocka_unit_test_teardown(test_eof, teardown),
        cmocka_unit_test_teardown(test_offsets, teardown),
        cmocka_unit_test_teardown(test_identifiers, teardown),
        cmocka_unit_test_teardown(test_lex_is, teardown),
        cmocka_unit_test_teardown(test_reserved, teardown),
        cmocka_unit_test_teardown(test_qident, teardown),
        cmocka_unit_test_teardown(test_qident_errors, teardown),
        cmocka_unit_test_teardown(test_variables, teardown),
        cmocka_unit_test_teardown(test_integers, teardown),
        cmocka_unit_test_teardown(test_integer_range, teardown),
        cmocka_unit_test_teardown(test_numbers, teardown),
        cmocka_unit_test_teardown(test_malformed_numbers, teardown),
        cmocka_unit_test_teardown(test_percent, teardown),
        cmocka_unit_test_teardown(test_durations, teardown),
        cmocka_unit_test_teardown(test_dates, teardown),
        cmocka_unit_test_teardown(test_date_errors, teardown),
        cmocka_unit_test_teardown(test_datetimes, teardown),
        cmocka_unit_test_teardown(test_datetime_errors, teardown),
        cmocka_unit_test_teardown(test_periods, teardown),
        cmocka_unit_test_teardown(test_period_errors, teardown),
        cmocka_unit_test_teardown(test_not_dates, teardown),
        cmocka_unit_test_teardown(test_strings, teardown),
        cmocka_unit_test_teardown(test_string_errors, teardown),
        cmocka_unit_test_teardown(test_regex, teardown),
        cmocka_unit_test_teardown(test_regex_errors, teardown),
        cmocka_unit_test_teardown(test_operators, teardown),
        cmocka_unit_test_teardown(test_comments, teardown),
        cmocka_unit_test_teardown(test_bad_chars, teardown),
        cmocka_unit_test_teardown(test_first_error_wins, teardown),
        cmocka_unit_test_teardown(test_value_of_wrong_kind, teardown),
        cmocka_unit_test_teardown(test_statement, teardown),
        cmocka_unit_test_teardown(test_random_inputs, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
