/* test_csv.c: unit tests for the CSV reader (csv.h).
 *
 * Most tests render a whole input with dump(): each record as {f1|f2|...},
 * each error as <E line:col message>, so one string shows records, field
 * contents and error positions. Inputs are copied into exact-size heap
 * buffers so that the sanitizers catch any read past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A growing string for building expected and actual renderings. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

/* Appends N bytes at P to B. */
static void sb_add(sbuf *b, const char *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        while (b->cap - b->len < n + 1)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Appends a formatted string to B. */
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_add(b, tmp, (size_t)n);
}

/* Reads LEN bytes at IN with separator SEP to the end, rendering records and
 * errors. Returns a malloc'd string. A bound on calls catches a reader that
 * never reaches the end. */
static char *dump_sep(const char *in, size_t len, char sep)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, in, len);
    csv_reader *r = csv_open_mem(copy, len, sep);
    assert_non_null(r);
    sbuf b = {0};
    sb_add(&b, "", 0);
    for (size_t calls = 0;; calls++) {
        csv_field *f;
        int nf, rc = csv_next(r, &f, &nf);
        assert_true(calls <= len + 1);
        if (rc == 0) break;
        if (rc < 0) {
            uint32_t line, col;
            const char *msg = csv_error(r, &line, &col);
            assert_non_null(msg);
            sb_printf(&b, "<E%u:%u %s>", line, col, msg);
            continue;
        }
        assert_int_equal(rc, 1);
        sb_add(&b, "{", 1);
        for (int i = 0; i < nf; i++) {
            if (i) sb_add(&b, "|", 1);
            sb_add(&b, f[i].s, f[i].len);
        }
        sb_add(&b, "}", 1);
    }
    assert_int_equal(csv_offset(r), len);
    csv_close(r);
    free(copy);
    return b.s;
}

static char *dump(const char *in, size_t len)
{
    return dump_sep(in, len, ',');
}

/* Asserts that the string literal IN renders as WANT. */
#define CHECK_CSV(in, want)                                                                        \
    do {                                                                                           \
        char *got_ = dump(in, sizeof(in) - 1);                                                     \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

#define CHECK_TSV(in, want)                                                                        \
    do {                                                                                           \
        char *got_ = dump_sep(in, sizeof(in) - 1, '\t');                                           \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

/* A reader over a string literal (no terminating NUL). */
#define OPEN(in) csv_open_mem(in, sizeof(in) - 1, ',')

static void test_simple(void **state)
{
    (void)state;
    CHECK_CSV("a,b,c\n1,2,3\n", "{a|b|c}{1|2|3}");
    CHECK_CSV("id,name\n17850,Alice Smith\n", "{id|name}{17850|Alice Smith}");
    CHECK_CSV(" a , b \n", "{ a | b }");
    CHECK_CSV("x", "{x}");
    CHECK_CSV("", "");
    CHECK_CSV("abcdefghijklmnopqrstuvwxyz,0123456789abcdefghij\n",
              "{abcdefghijklmnopqrstuvwxyz|0123456789abcdefghij}");
}

static void test_quoted_separators(void **state)
{
    (void)state;
    CHECK_CSV("\"a,b\",c\n", "{a,b|c}");
    CHECK_CSV("x,\"1,2,3\"\n", "{x|1,2,3}");
    CHECK_CSV("\"\",\",\"\n", "{|,}");
}

static void test_doubled_quotes(void **state)
{
    (void)state;
    CHECK_CSV("\"say \"\"hi\"\"\",x\n", "{say \"hi\"|x}");
    CHECK_CSV("\"\"\"\"\n", "{\"}");
    CHECK_CSV("\"\"\"\"\"\"\n", "{\"\"}");
    CHECK_CSV("\"a\"\"b\",plain,\"c\"\"d\"\"e\",\"f\"\n", "{a\"b|plain|c\"d\"e|f}");
    /* unquoted fields take quotes literally */
    CHECK_CSV("ab\"c,d\"\"e\n", "{ab\"c|d\"\"e}");
}

/* Many unescaped fields in one record: the unescape buffer grows several
 * times and every field must still point at the right bytes. */
static void test_doubled_quotes_buffer_growth(void **state)
{
    (void)state;
    sbuf in = {0}, want = {0};
    sb_add(&want, "{", 1);
    for (int i = 0; i < 200; i++) {
        char raw[64], esc[80];
        snprintf(raw, sizeof raw, "field %d \"quoted\" %0*d", i, i % 40, 7);
        char *e = esc;
        *e++ = '"';
        for (const char *c = raw; *c; c++) {
            if (*c == '"') *e++ = '"';
            *e++ = *c;
        }
        *e++ = '"';
        if (i) {
            sb_add(&in, ",", 1);
            sb_add(&want, "|", 1);
        }
        sb_add(&in, esc, (size_t)(e - esc));
        sb_add(&want, raw, strlen(raw));
        if (i % 3 == 0) {
            sb_add(&in, ",plain", 6);
            sb_add(&want, "|plain", 6);
        }
    }
    sb_add(&in, "\n", 1);
    sb_add(&want, "}", 1);
    char *got = dump(in.s, in.len);
    assert_string_equal(got, want.s);
    free(got);
    free(in.s);
    free(want.s);
}

static void test_embedded_newlines(void **state)
{
    (void)state;
    CHECK_CSV("\"a\nb\",c\r\n\"x\r\ny\"\n", "{a\nb|c}{x\r\ny}");
    CHECK_CSV("\"a\rb\"\n", "{a\rb}");
    CHECK_CSV("\"line1\n\n\nline4\"", "{line1\n\n\nline4}");

    csv_reader *r = OPEN("\"a\nb\",c\r\n\"x\r\ny\",\"\"\"q\n\"\n");
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(csv_record_line(r), 1);
    assert_int_equal(f[0].line, 1);
    assert_int_equal(f[0].col, 1);
    assert_int_equal(f[1].line, 2);
    assert_int_equal(f[1].col, 4);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(csv_record_line(r), 3);
    assert_int_equal(f[1].line, 4);
    assert_int_equal(f[1].col, 4);
    assert_int_equal(f[1].len, 3);
    assert_memory_equal(f[1].s, "\"q\n", 3);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_line_endings(void **state)
{
    (void)state;
    CHECK_CSV("a,b\r\nc,d\r\n", "{a|b}{c|d}");
    CHECK_CSV("a\rb\r\nc\n", "{a}{b}{c}");
    CHECK_CSV("a,b\rc,d", "{a|b}{c|d}");
    CHECK_CSV("a,b\nc,d", "{a|b}{c|d}");
    CHECK_CSV("a,\"b\"", "{a|b}");
    CHECK_CSV("a,\"b\"\r", "{a|b}");

    csv_reader *r = OPEN("a\rb\r\nc\n\nd");
    csv_field *f;
    int nf;
    uint32_t want[] = {1, 2, 3, 5};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(csv_next(r, &f, &nf), 1);
        assert_int_equal(csv_record_line(r), want[i]);
        assert_int_equal(f[0].line, want[i]);
    }
    assert_int_equal(csv_next(r, &f, &nf), 0);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_bom(void **state)
{
    (void)state;
    CHECK_CSV("\xEF\xBB\xBFid,name\n1,x\n", "{id|name}{1|x}");
    CHECK_CSV("\xEF\xBB\xBF", "");
    CHECK_CSV("\xEF\xBB\xBF\n", "");
    CHECK_CSV("\xEF\xBB", "<E1:1 invalid UTF-8>");
    /* only at the start: elsewhere U+FEFF is data */
    CHECK_CSV("a\n\xEF\xBB\xBF"
              "b\n",
              "{a}{\xEF\xBB\xBF"
              "b}");

    csv_reader *r = OPEN("\xEF\xBB\xBFid,\"name\"\n");
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(f[0].col, 1);
    assert_int_equal(f[1].col, 4);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_empty_fields(void **state)
{
    (void)state;
    CHECK_CSV("a,,c\n", "{a||c}");
    CHECK_CSV("a,b,\n", "{a|b|}");
    CHECK_CSV("a,b,", "{a|b|}");
    CHECK_CSV(",\n", "{|}");
    CHECK_CSV(",,\r\n", "{||}");
    CHECK_CSV("\"\"\n", "{}");

    csv_reader *r = OPEN(",\"\",x,\n\"\"");
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 4);
    uint8_t quoted[] = {0, 1, 0, 0};
    uint32_t cols[] = {1, 2, 5, 7};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f[i].quoted, quoted[i]);
        assert_int_equal(f[i].col, cols[i]);
    }
    assert_int_equal(f[1].len, 0);
    assert_int_equal(f[3].len, 0);
    /* a quoted empty field alone is a record, not a blank line */
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 1);
    assert_int_equal(f[0].quoted, 1);
    assert_int_equal(f[0].len, 0);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_blank_lines(void **state)
{
    (void)state;
    CHECK_CSV("\n\na\n\r\n\rb\n\n", "{a}{b}");
    CHECK_CSV("\n", "");
    CHECK_CSV("\r\n\r\n", "");
    CHECK_CSV(" \n", "{ }");
    CHECK_CSV("\t\n", "{\t}");

    csv_reader *r = OPEN("\n\na\n\r\n\rb\n\n");
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(csv_record_line(r), 3);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(csv_record_line(r), 6);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_tsv(void **state)
{
    (void)state;
    CHECK_TSV("a\tb,c\t\"x\ty\"\n", "{a|b,c|x\ty}");
    CHECK_TSV("a\t\t\n\tb\r\n", "{a||}{|b}");
    CHECK_TSV("\"a\"\"b\"\tc", "{a\"b|c}");
    CHECK_TSV("\"a\"x\tb\nc\n", "<E1:4 unexpected character after closing quote>{c}");
    /* in CSV mode a tab is data */
    CHECK_CSV("a\tb,c\n", "{a\tb|c}");
}

static void test_error_unterminated(void **state)
{
    (void)state;
    CHECK_CSV("a,b\nc,\"xyz\nmore", "{a|b}<E2:3 unterminated quoted field>");
    CHECK_CSV("\"", "<E1:1 unterminated quoted field>");
    CHECK_CSV("\"abc\"\"", "<E1:1 unterminated quoted field>");
    CHECK_CSV("é,\"x\n\n\ny,z\n", "<E1:3 unterminated quoted field>");

    csv_reader *r = OPEN("ok\n\"never closed\nx,y\n");
    csv_field *f;
    int nf;
    uint32_t line = 0, col = 0;
    assert_null(csv_error(r, &line, &col));
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(csv_next(r, &f, &nf), -1);
    assert_string_equal(csv_error(r, &line, &col), "unterminated quoted field");
    assert_int_equal(line, 2);
    assert_int_equal(col, 1);
    assert_int_equal(csv_record_line(r), 2);
    assert_int_equal(csv_offset(r), csv_size(r));
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_error_after_quote(void **state)
{
    (void)state;
    CHECK_CSV("a\n\"abc\"x,d\ne,f\n", "{a}<E2:6 unexpected character after closing quote>{e|f}");
    CHECK_CSV("\"abc\" ,d\n", "<E1:6 unexpected character after closing quote>");
    CHECK_CSV("x,\"ü\"ü\r\ny\r\n", "<E1:6 unexpected character after closing quote>{y}");
    CHECK_CSV("\"a\"\"\"b\n", "<E1:6 unexpected character after closing quote>");
    /* the position is on the line where the field closes */
    CHECK_CSV("\"a\nbé\",\"x\"y\nz", "<E2:8 unexpected character after closing quote>{z}");
    /* a doubled quote at the end leaves the field open */
    CHECK_CSV("\"a\"\"", "<E1:1 unterminated quoted field>");
}

static void test_error_utf8(void **state)
{
    (void)state;
    CHECK_CSV("é,\xff\n", "<E1:3 invalid UTF-8>");
    CHECK_CSV("ok\nab,c\xC3(\nnext\n", "{ok}<E2:5 invalid UTF-8>{next}");
    /* overlong forms */
    CHECK_CSV("\xC0\xAF\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("\xC1\xBF\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("x\xE0\x80\xAF\n", "<E1:2 invalid UTF-8>");
    CHECK_CSV("\xF0\x80\x80\xAF\n", "<E1:1 invalid UTF-8>");
    /* surrogates, beyond U+10FFFF, stray continuation bytes */
    CHECK_CSV("\xED\xA0\x80\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("\xF4\x90\x80\x80\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("\xF5\x80\x80\x80\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("a\x80\n", "<E1:2 invalid UTF-8>");
    CHECK_CSV("a,\"b\xBF\"\n", "<E1:5 invalid UTF-8>");
    /* truncated sequences, at the end of the buffer and before a separator */
    CHECK_CSV("ab\xE2\x82", "<E1:3 invalid UTF-8>");
    CHECK_CSV("ab\xF0\x9F\x98", "<E1:3 invalid UTF-8>");
    CHECK_CSV("\xC3", "<E1:1 invalid UTF-8>");
    /* an unterminated quote wins: it explains why the rest is skipped */
    CHECK_CSV("\"\xE2\x82", "<E1:1 unterminated quoted field>");
    CHECK_CSV("\xff,\"abc\n", "<E1:3 unterminated quoted field>");
    CHECK_CSV("\xE2\x82,x\n", "<E1:1 invalid UTF-8>");
    CHECK_CSV("\xE2\n\x82\n", "<E1:1 invalid UTF-8><E2:1 invalid UTF-8>");
    /* the whole valid range is accepted */
    CHECK_CSV("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,\xEF\xBF\xBF,"
              "\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF\n",
              "{\xC2\x80|\xDF\xBF|\xE0\xA0\x80|\xED\x9F\xBF|\xEE\x80\x80|\xEF\xBF\xBF|"
              "\xF0\x90\x80\x80|\xF4\x8F\xBF\xBF}");
    /* the first error of a record is reported */
    CHECK_CSV("\xff,\x00\n", "<E1:1 invalid UTF-8>");
}

/* An error inside a quoted field spanning lines skips the whole record. */
static void test_error_in_multiline_field(void **state)
{
    (void)state;
    CHECK_CSV("\"a\nb\xff\nc\",d\ne\n", "<E2:2 invalid UTF-8>{e}");
    CHECK_CSV("\"a\nb\0\",d\ne\n", "<E2:2 NUL byte in field>{e}");
    /* a content error followed by a structural one resyncs at the latter */
    CHECK_CSV("\xff,\"a\nb\"x\nc\nd\n", "<E1:1 invalid UTF-8>{c}{d}");
}

static void test_error_nul(void **state)
{
    (void)state;
    CHECK_CSV("a\0b\nc\n", "<E1:2 NUL byte in field>{c}");
    CHECK_CSV("\"x,\0\"\n", "<E1:4 NUL byte in field>");
    CHECK_CSV("\0", "<E1:1 NUL byte in field>");
    CHECK_CSV("ü\0", "<E1:2 NUL byte in field>");
}

static void test_columns(void **state)
{
    (void)state;
    csv_reader *r =
        OPEN("ab,\"c\",é,x\nü,ß,\"x\"y\n€€€,\"\xF0\x9F\x98\x80\n\xF0\x9F\x98\x80\",z\n");
    csv_field *f;
    int nf;
    uint32_t line, col;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 4);
    uint32_t cols[] = {1, 4, 8, 10};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f[i].col, cols[i]);
        assert_int_equal(f[i].line, 1);
    }
    assert_int_equal(csv_next(r, &f, &nf), -1);
    assert_string_equal(csv_error(r, &line, &col), "unexpected character after closing quote");
    assert_int_equal(line, 2);
    assert_int_equal(col, 8);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(csv_record_line(r), 3);
    assert_int_equal(nf, 3);
    assert_int_equal(f[1].col, 5);
    assert_int_equal(f[1].line, 3);
    assert_int_equal(f[2].col, 4);
    assert_int_equal(f[2].line, 4);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

static void test_resync(void **state)
{
    (void)state;
    CHECK_CSV("h1,h2\n\"bad\"x,1\nok,2\nbad\xff,3\n\"a\"\"b\",4\n\"x\"\"y\n",
              "{h1|h2}<E2:6 unexpected character after closing quote>{ok|2}"
              "<E4:4 invalid UTF-8>{a\"b|4}<E6:1 unterminated quoted field>");
    CHECK_CSV("\"a\"b\r\nc\r\n", "<E1:4 unexpected character after closing quote>{c}");
    CHECK_CSV("\"a\"b\rc\r", "<E1:4 unexpected character after closing quote>{c}");
    CHECK_CSV("\"a\"b", "<E1:4 unexpected character after closing quote>");

    /* line numbers stay right after resynchronising */
    csv_reader *r = OPEN("x\n\"a\"b,\"c\nd\"\ne,f\n");
    csv_field *f;
    int nf;
    uint32_t line, col;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(csv_next(r, &f, &nf), -1);
    assert_non_null(csv_error(r, &line, &col));
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    /* resumes on line 3, where d" is an unquoted field */
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 1);
    assert_int_equal(csv_record_line(r), 3);
    assert_int_equal(f[0].len, 2);
    assert_memory_equal(f[0].s, "d\"", 2);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(csv_record_line(r), 4);
    assert_int_equal(f[1].line, 4);
    assert_int_equal(f[1].col, 3);
    csv_close(r);
}

static void test_long_field(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *in = malloc(2 * n + 16), *want = malloc(2 * n + 16);
    assert_non_null(in);
    assert_non_null(want);

    /* unquoted, with non-ASCII text scattered through it */
    for (size_t i = 0; i < n; i++)
        in[i] = (char)('a' + i % 26);
    memcpy(in + 1000, "é", 2);
    memcpy(in + n - 10, "€", 3);
    memcpy(in + n, ",x\n", 3);
    csv_reader *r = csv_open_mem(in, n + 3, ',');
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(f[0].len, n);
    assert_ptr_equal(f[0].s, in);
    assert_int_equal(f[1].col, n - 1 - 2 + 2);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);

    /* quoted, with doubled quotes every 100 bytes */
    size_t len = 0, wlen = 0;
    in[len++] = '"';
    for (size_t i = 0; i < n; i++) {
        char c = i % 100 == 99 ? '"' : (char)('A' + i % 26);
        if (c == '"') in[len++] = '"';
        in[len++] = c;
        want[wlen++] = c;
    }
    in[len++] = '"';
    r = csv_open_mem(in, len, ',');
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 1);
    assert_int_equal(f[0].len, wlen);
    assert_memory_equal(f[0].s, want, wlen);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
    free(in);
    free(want);
}

static void test_many_fields(void **state)
{
    (void)state;
    sbuf in = {0};
    for (int rec = 0; rec < 3; rec++) {
        for (int i = 0; i < 10000; i++) {
            if (i % 7 == 3)
                sb_printf(&in, "%s\"q%d\"\"\"", i ? "," : "", i);
            else
                sb_printf(&in, "%sf%d", i ? "," : "", i);
        }
        sb_add(&in, "\n", 1);
    }
    csv_reader *r = csv_open_mem(in.s, in.len, ',');
    csv_field *f;
    int nf;
    for (int rec = 0; rec < 3; rec++) {
        assert_int_equal(csv_next(r, &f, &nf), 1);
        assert_int_equal(nf, 10000);
        for (int i = 0; i < 10000; i++) {
            char want[32];
            int n = i % 7 == 3 ? snprintf(want, sizeof want, "q%d\"", i)
                               : snprintf(want, sizeof want, "f%d", i);
            assert_int_equal(f[i].len, n);
            assert_memory_equal(f[i].s, want, (size_t)n);
            assert_int_equal(f[i].quoted, i % 7 == 3);
        }
    }
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
    free(in.s);
}

/* Writes LEN bytes to a new temporary file; returns its path (static). */
static const char *write_temp(const char *data, size_t len)
{
    static char path[64];
    strcpy(path, "/tmp/test_csv_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_open_file(void **state)
{
    (void)state;
    static const char data[] = "\xEF\xBB\xBFid,name\r\n1,\"Smith, J\"\r\n2,\"O\"\"Neil\"";
    const char *path = write_temp(data, sizeof data - 1);
    csv_reader *r = NULL;
    csv_field *f;
    int nf;
    assert_int_equal(csv_open(path, ',', &r), 0);
    assert_non_null(r);
    assert_int_equal(csv_size(r), sizeof data - 1);
    assert_true(csv_offset(r) < csv_size(r));
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_memory_equal(f[0].s, "id", 2);
    assert_int_equal(csv_offset(r), 12);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(f[1].len, 8);
    assert_memory_equal(f[1].s, "Smith, J", 8);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(f[1].len, 6);
    assert_memory_equal(f[1].s, "O\"Neil", 6);
    assert_int_equal(csv_record_line(r), 3);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    assert_int_equal(csv_offset(r), csv_size(r));
    csv_close(r);
    unlink(path);

    /* TSV */
    path = write_temp("a\tb\n1\t2\n", 8);
    assert_int_equal(csv_open(path, '\t', &r), 0);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(csv_next(r, &f, &nf), 1);
    assert_memory_equal(f[1].s, "2", 1);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
    unlink(path);
}

static void test_open_empty_and_missing(void **state)
{
    (void)state;
    const char *path = write_temp("", 0);
    csv_reader *r = NULL;
    csv_field *f;
    int nf;
    assert_int_equal(csv_open(path, ',', &r), 0);
    assert_non_null(r);
    assert_int_equal(csv_size(r), 0);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    assert_int_equal(nf, 0);
    assert_int_equal(csv_offset(r), 0);
    csv_close(r);
    unlink(path);

    r = (csv_reader *)&r;
    assert_int_equal(csv_open("/nonexistent/dir/file.csv", ',', &r), ENOENT);
    assert_null(r);
    assert_int_equal(csv_open("/tmp", ',', &r), EISDIR);
    assert_null(r);
    csv_close(NULL);

    /* an empty buffer, and a NULL one */
    r = csv_open_mem("", 0, ',');
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
    r = csv_open_mem(NULL, 0, ',');
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

/* Renders the records and errors R has left, like dump_sep(), with each
 * record's line. */
static char *dump_reader(csv_reader *r)
{
    sbuf b = {0};
    sb_add(&b, "", 0);
    csv_field *f;
    int nf, rc;
    while ((rc = csv_next(r, &f, &nf)) != 0) {
        uint32_t line, col;
        if (rc < 0) {
            const char *msg = csv_error(r, &line, &col);
            sb_printf(&b, "<E%u:%u %s>", line, col, msg);
            continue;
        }
        sb_printf(&b, "%u{", csv_record_line(r));
        for (int i = 0; i < nf; i++) {
            if (i) sb_add(&b, "|", 1);
            sb_add(&b, f[i].s, f[i].len);
        }
        sb_add(&b, "}", 1);
    }
    return b.s;
}

/* Reads a fixture from tests/data/csv through csv_open() and renders it like
 * dump_sep(); NULL when the fixture cannot be found (CSV_DATA_DIR, else a
 * path relative to this source file as the compiler named it). */
static char *dump_fixture(const char *name, char sep)
{
    char path[1024];
    const char *dir = getenv("CSV_DATA_DIR");
    if (dir) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
    } else {
        const char *slash = strrchr(__FILE__, '/');
        int n = slash ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof path, "%.*s/../data/csv/%s", n, slash ? __FILE__ : ".", name);
    }
    csv_reader *r;
    if (csv_open(path, sep, &r) != 0) return NULL;
    char *s = dump_reader(r);
    assert_int_equal(csv_offset(r), csv_size(r));
    csv_close(r);
    return s;
}

/* The fixtures a reviewer can open: an export with a BOM, CRLF, quoting and
 * UTF-8; rows with every kind of error; a TSV file. */
static void test_fixtures(void **state)
{
    (void)state;
    char *got = dump_fixture("crm_export.csv", ',');
    if (!got) {
        skip();
        return;
    }
    assert_string_equal(got, "1{Account ID|Account Name|OwnerId|Tier|Notes}"
                             "2{17850|Smith, Jones & Co|M01|gold|}"
                             "3{13047|Café Müller|M02|silver|said \"call back\"}"
                             "4{12583|Œuvre\r\nLtd|M01||multi-line name}"
                             "7{13748|北京贸易|M03|bronze|}"
                             "8{15100|Plain Name|M02|gold|last row has no line break}");
    free(got);

    got = dump_fixture("bad_rows.csv", ',');
    assert_non_null(got);
    assert_string_equal(got, "1{id|name|amount}2{1|ok|10}"
                             "<E3:8 unexpected character after closing quote>"
                             "<E4:13 invalid UTF-8>5{4|ok again|40}"
                             "<E6:6 NUL byte in field><E7:3 unterminated quoted field>");
    free(got);

    got = dump_fixture("managers.tsv", '\t');
    assert_non_null(got);
    assert_string_equal(got, "1{id|name|region}2{M01|Anna Berg|North, East}"
                             "3{M02|Bo \"B\" Ek|South}4{M03|Chen Wei|}");
    free(got);
}

/* Files that cannot be mapped are read instead. */
static void test_open_device(void **state)
{
    (void)state;
    csv_reader *r;
    csv_field *f;
    int nf;
    assert_int_equal(csv_open("/dev/null", ',', &r), 0);
    assert_int_equal(csv_size(r), 0);
    assert_int_equal(csv_next(r, &f, &nf), 0);
    csv_close(r);
}

/* A second pass with csv_rewind() reads the same records, errors and
 * positions as the first, also from a pipe, which cannot be opened twice
 * (import reads its file twice). */
static void test_rewind(void **state)
{
    (void)state;
    static const char data[] =
        "\xEF\xBB\xBFid,n\xC3\xA9\n1,\"a\nb\"\n2,x\"y\"z\n3,\xff\n4,\"q\"\"\"";
    const char *want = "1{id|n\xC3\xA9}2{1|a\nb}4{2|x\"y\"z}<E5:3 invalid UTF-8>6{4|q\"}";
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, sizeof data - 1), (ssize_t)(sizeof data - 1));
    close(fds[1]);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    csv_reader *r;
    assert_int_equal(csv_open(path, ',', &r), 0);
    close(fds[0]);
    assert_int_equal(csv_size(r), sizeof data - 1);
    for (int pass = 0; pass < 2; pass++) {
        char *got = dump_reader(r);
        assert_string_equal(got, want);
        free(got);
        assert_int_equal(csv_offset(r), csv_size(r));
        csv_rewind(r);
        assert_int_equal(csv_offset(r), 3); /* after the BOM */
    }
    csv_close(r);

    /* part-way through a memory reader */
    r = csv_open_mem("a,b\n1,2\n", 8, ',');
    csv_field *f;
    int nf;
    assert_int_equal(csv_next(r, &f, &nf), 1);
    csv_rewind(r);
    char *got = dump_reader(r);
    assert_string_equal(got, "1{a|b}2{1|2}");
    free(got);
    csv_close(r);
}

/* Tiny deterministic PRNG for the robustness test. */
static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

/* Random inputs over an alphabet rich in CSV syntax: the reader must never
 * crash, read out of bounds or loop, fields must lie inside the input or
 * come from quoted fields, and offsets must only grow. */
static void test_random_inputs(void **state)
{
    (void)state;
    static const char alphabet[] = {',',        '"',        '"',        '\n',       '\r',
                                    'a',        'b',        ' ',        '\t',       '\0',
                                    (char)0xC3, (char)0xA9, (char)0xE2, (char)0x82, (char)0xAC,
                                    (char)0xFF, (char)0xEF, (char)0xBB, (char)0xBF};
    uint64_t seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rnd(&seed) % 64;
        char *buf = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            buf[i] = alphabet[rnd(&seed) % sizeof alphabet];
        char sep = iter % 5 == 0 ? '\t' : ',';
        csv_reader *r = csv_open_mem(buf, len, sep);
        csv_field *f;
        int nf, rc;
        size_t last = 0, calls = 0;
        while ((rc = csv_next(r, &f, &nf)) != 0) {
            assert_true(++calls <= len + 1);
            assert_true(csv_offset(r) > last);
            last = csv_offset(r);
            if (rc < 0) {
                uint32_t line, col;
                assert_non_null(csv_error(r, &line, &col));
                assert_true(line >= 1 && col >= 1);
                continue;
            }
            assert_true(nf >= 1);
            for (int i = 0; i < nf; i++) {
                assert_true(f[i].line >= 1 && f[i].col >= 1);
                assert_true(f[i].len <= len);
                if (!f[i].quoted) assert_true(f[i].s >= buf && f[i].s + f[i].len <= buf + len);
                assert_true(f[i].len == 0 || memchr(f[i].s, 0, f[i].len) == NULL);
            }
        }
        assert_int_equal(csv_offset(r), len);
        csv_close(r);
        free(buf);
    }
}

/* A deliberately naive reader with the same semantics, byte by byte, for
 * differential testing: renders like dump_sep(). */
typedef struct ref {
    const unsigned char *in;
    size_t len, i, line_start;
    uint32_t line;
    const char *err;
    uint32_t err_line, err_col;
} ref;

/* Column of offset O on the current line, in code points. */
static uint32_t ref_col(const ref *x, size_t o)
{
    uint32_t col = 1;
    for (size_t k = x->line_start; k < o; k++)
        col += (x->in[k] & 0xc0) != 0x80;
    return col;
}

/* Records the first error of a record. */
static void ref_err(ref *x, const char *msg, uint32_t line, uint32_t col)
{
    if (x->err) return;
    x->err = msg;
    x->err_line = line;
    x->err_col = col;
}

/* Consumes a line break at the current offset (LF, CRLF or CR). */
static void ref_newline(ref *x)
{
    if (x->in[x->i++] == '\r' && x->i < x->len && x->in[x->i] == '\n') x->i++;
    x->line++;
    x->line_start = x->i;
}

/* Length of a valid UTF-8 sequence at offset I, or 0: decodes and checks
 * the ranges the slow way. */
static size_t ref_utf8(const ref *x, size_t i)
{
    unsigned c = x->in[i];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (!n || c >= 0xf8 || x->len - i < n) return 0;
    uint32_t cp = c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        if ((x->in[i + k] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (x->in[i + k] & 0x3f);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* Takes one content byte (or sequence) at the current offset into REC. */
static void ref_byte(ref *x, sbuf *rec)
{
    unsigned c = x->in[x->i];
    size_t n = 1;
    if (c == 0) {
        ref_err(x, "NUL byte in field", x->line, ref_col(x, x->i));
    } else if (c >= 0x80 && !(n = ref_utf8(x, x->i))) {
        ref_err(x, "invalid UTF-8", x->line, ref_col(x, x->i));
        n = 1;
    }
    sb_add(rec, (const char *)x->in + x->i, n);
    x->i += n;
}

static char *ref_dump(const char *in, size_t len, char sep)
{
    ref x = {(const unsigned char *)in, len, 0, 0, 1, NULL, 0, 0};
    sbuf out = {0}, rec = {0};
    sb_add(&out, "", 0);
    if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) x.i = x.line_start = 3;
    for (;;) {
        while (x.i < len && (in[x.i] == '\n' || in[x.i] == '\r'))
            ref_newline(&x);
        if (x.i == len) break;
        x.err = NULL;
        rec.len = 0;
        sb_add(&rec, "{", 1);
        for (int first = 1;; first = 0) {
            if (!first) sb_add(&rec, "|", 1);
            if (x.i < len && in[x.i] == '"') {
                uint32_t fline = x.line, fcol = ref_col(&x, x.i);
                x.i++;
                for (;;) {
                    if (x.i == len) {
                        x.err = NULL;
                        ref_err(&x, "unterminated quoted field", fline, fcol);
                        goto error;
                    }
                    char c = in[x.i];
                    if (c == '"' && x.i + 1 < len && in[x.i + 1] == '"') {
                        sb_add(&rec, "\"", 1);
                        x.i += 2;
                    } else if (c == '"') {
                        x.i++;
                        break;
                    } else if (c == '\n' || c == '\r') {
                        size_t from = x.i;
                        ref_newline(&x);
                        sb_add(&rec, in + from, x.i - from);
                    } else {
                        ref_byte(&x, &rec);
                    }
                }
                if (x.i < len && in[x.i] != sep && in[x.i] != '\n' && in[x.i] != '\r') {
                    ref_err(&x, "unexpected character after closing quote", x.line,
                            ref_col(&x, x.i));
                    while (x.i < len && in[x.i] != '\n' && in[x.i] != '\r')
                        x.i++;
                    if (x.i < len) ref_newline(&x);
                    goto error;
                }
            } else {
                while (x.i < len && in[x.i] != sep && in[x.i] != '\n' && in[x.i] != '\r')
                    ref_byte(&x, &rec);
            }
            if (x.i == len) break;
            if (in[x.i] == sep) {
                x.i++;
                continue;
            }
            ref_newline(&x);
            break;
        }
        if (!x.err) {
            sb_add(&rec, "}", 1);
            sb_add(&out, rec.s, rec.len);
            continue;
        }
    error:
        sb_printf(&out, "<E%u:%u %s>", x.err_line, x.err_col, x.err);
        if (x.i == len) break;
    }
    free(rec.s);
    return out.s;
}

/* The reader agrees with the naive one on random inputs of all lengths
 * (word-at-a-time scanning, column cursors, unescaping, resynchronising). */
static void test_differential(void **state)
{
    (void)state;
    static const char alphabet[] = {
        ',',        ',',        '"',        '"',        '\n',       '\r',       'a',
        'b',        'c',        'd',        'e',        'x',        'y',        'z',
        ' ',        '\t',       '\0',       (char)0xC3, (char)0xA9, (char)0xE2, (char)0x82,
        (char)0xAC, (char)0xFF, (char)0xF0, (char)0x9F, (char)0x98, (char)0x80};
    uint64_t seed = 777;
    for (int iter = 0; iter < 30000; iter++) {
        size_t len = rnd(&seed) % (iter % 10 == 0 ? 600 : 80);
        /* mostly plain text, so that the word-at-a-time path runs */
        unsigned plain = rnd(&seed) % 4;
        char *buf = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++) {
            uint32_t v = rnd(&seed);
            buf[i] =
                v % 8 < plain * 2 ? (char)('f' + v % 16) : alphabet[(v >> 8) % sizeof alphabet];
        }
        char sep = iter % 4 == 0 ? '\t' : ',';
        char *want = ref_dump(buf, len, sep), *got = dump_sep(buf, len, sep);
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "input (%zu bytes):", len);
            for (size_t i = 0; i < len; i++)
                fprintf(stderr, " %02x", (unsigned char)buf[i]);
            fprintf(stderr, "\n");
        }
        assert_string_equal(got, want);
        free(want);
        free(got);
        free(buf);
    }
}

/* With CSV_BENCH=1, prints the reader's throughput over ~100 MB of typical
 * export data (numbers, names, dates, some quoted fields, a little UTF-8). */
static void test_bench(void **state)
{
    (void)state;
    const char *env = getenv("CSV_BENCH");
    if (!env || strcmp(env, "1") != 0) {
        skip();
        return;
    }
    size_t target = 100u << 20;
    sbuf in = {0};
    uint64_t seed = 42;
    sb_printf(&in, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
                   "Country\n");
    static const char *desc[] = {
        "WHITE HANGING HEART T-LIGHT HOLDER", "\"SET 7 BABUSHKA, NESTING BOXES\"",
        "CREAM CUPID HEARTS COAT HANGER", "\"GLASS \"\"STAR\"\" FROSTED\"", "Café crème mug"};
    static const char *country[] = {"United Kingdom", "France", "Deutschland", "España"};
    while (in.len < target) {
        uint32_t a = rnd(&seed);
        sb_printf(&in, "%u,%u%c,%s,%u,2011-%02u-%02u %02u:%02u,%u.%02u,%u.0,%s\n",
                  536365 + a % 50000, 20000 + a % 70000, 'A' + (int)(a % 26), desc[a % 5],
                  1 + a % 48, 1 + a % 12, 1 + a % 28, a % 24, a % 60, a % 20, a % 100,
                  12346 + a % 6000, country[a % 4]);
    }
    csv_reader *r = csv_open_mem(in.s, in.len, ',');
    csv_field *f;
    int nf, rc;
    size_t rows = 0, bytes = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((rc = csv_next(r, &f, &nf)) == 1) {
        rows++;
        bytes += f[nf - 1].len;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(rc, 0);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("csv bench: %zu rows, %.1f MB in %.3f s: %.0f MB/s, %.1f Mrows/s (check %zu)\n", rows,
           (double)in.len / 1e6, s, (double)in.len / 1e6 / s, (double)rows / 1e6 / s, bytes);
    csv_close(r);
    free(in.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoted_separators),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_doubled_quotes_buffer_growth),
        cmocka_unit_test(test_embedded_newlines),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_error_unterminated),
        cmocka_unit_test(test_error_after_quote),
        cmocka_unit_test(test_error_utf8),
        cmocka_unit_test(test_error_in_multiline_field),
        cmocka_unit_test(test_error_nul),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_resync),
        cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_many_fields),
        cmocka_unit_test(test_open_file),
        cmocka_unit_test(test_open_empty_and_missing),
        cmocka_unit_test(test_open_device),
        cmocka_unit_test(test_rewind),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_random_inputs),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
