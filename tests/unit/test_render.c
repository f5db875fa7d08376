/* test_render.c: unit tests of render.c, comparing whole outputs of every
 * mode byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "value.h"

#define S(lit) lit, sizeof(lit) - 1

/* The sample result: every type, text needing quoting and escaping, nulls,
 * wide characters. */
enum { NCOLS = 6, NROWS = 3 };
static const char *const names[NCOLS] = {"id", "n", "amt", "d", "ok", "note"};

/* Fills ROWS with the sample result. */
static void sample(value rows[NROWS][NCOLS])
{
    value r0[NCOLS] = {v_text(S("A1")), v_int(12),    v_num(2.5),
                       v_date(19813),   v_bool(true), v_text(S("plain"))};
    value r1[NCOLS] = {v_text(S("B,2")), v_int(-3),     v_num(0.1 + 0.2),
                       v_null(),         v_bool(false), v_text(S("say \"hi\"\nbye"))};
    value r2[NCOLS] = {v_text(S("\xe6\x97\xa5\xe6\x9c\xac")),
                       v_null(),
                       v_num(1e20),
                       v_date(19723),
                       v_null(),
                       v_text(S(""))};
    memcpy(rows[0], r0, sizeof r0);
    memcpy(rows[1], r1, sizeof r1);
    memcpy(rows[2], r2, sizeof r2);
}

/* Renders NROWS rows of NCOLS columns with OPTS (and an optional footnote)
 * and returns the output (free it). Checks render_end's row count. */
static char *render(const render_opts *opts, int ncols, const char *const *cols, const value *rows,
                    int nrows, const char *note)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    renderer *r = render_begin(f, opts, ncols, cols);
    assert_non_null(r);
    for (int i = 0; i < nrows; i++)
        render_row(r, rows + (size_t)i * (size_t)ncols);
    if (note) render_footnote(r, note);
    assert_int_equal(render_end(r), nrows);
    fclose(f);
    return buf;
}

/* Renders the sample in MODE and compares with WANT. */
static void check_sample(render_opts opts, const char *want)
{
    value rows[NROWS][NCOLS];
    sample(rows);
    char *got = render(&opts, NCOLS, names, &rows[0][0], NROWS, NULL);
    assert_string_equal(got, want);
    free(got);
}

/* Mode names, both ways. */
static void test_mode_names(void **state)
{
    (void)state;
    static const char *const modes[] = {"table", "csv", "tsv", "json", "jsonl", "markdown"};
    for (int m = 0; m < MODE_NMODES; m++) {
        assert_string_equal(render_mode_name(m), modes[m]);
        assert_int_equal(render_mode_parse(modes[m]), m);
    }
    assert_int_equal(render_mode_parse("box"), -1);
    assert_int_equal(render_mode_parse(""), -1);
    assert_string_equal(render_mode_name(-1), "?");
    assert_string_equal(render_mode_name(MODE_NMODES), "?");
}

/* The sample as a box table: widths by display width, numbers right. */
static void test_table(void **state)
{
    (void)state;
    check_sample((render_opts){.mode = MODE_TABLE, .headers = true},
                 "┌──────┬────┬───────┬────────────┬───────┬───────────────┐\n"
                 "│ id   │  n │   amt │ d          │ ok    │ note          │\n"
                 "├──────┼────┼───────┼────────────┼───────┼───────────────┤\n"
                 "│ A1   │ 12 │   2.5 │ 2024-03-31 │ true  │ plain         │\n"
                 "│ B,2  │ -3 │   0.3 │            │ false │ say \"hi\"\\nbye │\n"
                 "│ 日本 │    │ 1e+20 │ 2024-01-01 │       │               │\n"
                 "└──────┴────┴───────┴────────────┴───────┴───────────────┘\n");
}

/* A table without its header row, nulls shown as NULL. */
static void test_table_nullvalue_noheaders(void **state)
{
    (void)state;
    check_sample((render_opts){.mode = MODE_TABLE, .headers = false, .nullvalue = "NULL"},
                 "┌──────┬──────┬───────┬────────────┬───────┬───────────────┐\n"
                 "│ A1   │   12 │   2.5 │ 2024-03-31 │ true  │ plain         │\n"
                 "│ B,2  │   -3 │   0.3 │ NULL       │ false │ say \"hi\"\\nbye │\n"
                 "│ 日本 │ NULL │ 1e+20 │ 2024-01-01 │ NULL  │               │\n"
                 "└──────┴──────┴───────┴────────────┴───────┴───────────────┘\n");
}

/* The sample as csv, with and without header and nullvalue. */
static void test_csv(void **state)
{
    (void)state;
    check_sample((render_opts){.mode = MODE_CSV, .headers = true},
                 "id,n,amt,d,ok,note\n"
                 "A1,12,2.5,2024-03-31,true,plain\n"
                 "\"B,2\",-3,0.3,,false,\"say \"\"hi\"\"\nbye\"\n"
                 "日本,,1e+20,2024-01-01,,\"\"\n");
    check_sample((render_opts){.mode = MODE_CSV, .headers = false, .nullvalue = "NULL"},
                 "A1,12,2.5,2024-03-31,true,plain\n"
                 "\"B,2\",-3,0.3,NULL,false,\"say \"\"hi\"\"\nbye\"\n"
                 "日本,NULL,1e+20,2024-01-01,NULL,\"\"\n");
}

/* The sample as tsv: a comma needs no quotes, a newline does. */
static void test_tsv(void **state)
{
    (void)state;
    check_sample((render_opts){.mode = MODE_TSV, .headers = true},
                 "id\tn\tamt\td\tok\tnote\n"
                 "A1\t12\t2.5\t2024-03-31\ttrue\tplain\n"
                 "B,2\t-3\t0.3\t\tfalse\t\"say \"\"hi\"\"\nbye\"\n"
                 "日本\t\t1e+20\t2024-01-01\t\t\"\"\n");
}

/* The sample as one json array; nullvalue does not apply. */
static void test_json(void **state)
{
    (void)state;
    check_sample((render_opts){.mode = MODE_JSON, .headers = true, .nullvalue = "NULL"},
                 "[\n"
                 "{\"id\":\"A1\",\"n\":12,\"amt\":2.5,\"d\":\"2024-03-31\",\"ok\":true,\"note\":"
                 "\"plain\"},\n"
                 "{\"id\":\"B,2\",\"n\":-3,\"amt\":0.3,\"d\":null,\"ok\":false,"
                 "\"note\":\"say \\\"hi\\\"\\nbye\"},\n"
                 "{\"id\":\"日本\",\"n\":null,\"amt\":1e+20,\"d\":\"2024-01-01\",\"ok\":null,"
                 "\"note\":\"\"}\n"
                 "]\n");
}

/* The sample as json lines. */
static void test_jsonl(void **state)
{
    (void)state;
    check_sample(
        (render_opts){.mode = MODE_JSONL, .headers = false},
        "{\"id\":\"A1\",\"n\":12,\"amt\":2.5,\"d\":\"2024-03-31\",\"ok\":true,\"note\":\"plain\"}\n"
        "{\"id\":\"B,2\",\"n\":-3,\"amt\":0.3,\"d\":null,\"ok\":false,"
        "\"note\":\"say \\\"hi\\\"\\nbye\"}\n"
        "{\"id\":\"日本\",\"n\":null,\"amt\":1e+20,\"d\":\"2024-01-01\",\"ok\":null,\"note\":\"\"}"
        "\n");
}

/* The sample as a markdown table: with its header row even when headers
 * are off (a table without one is not markdown). */
static void test_markdown(void **state)
{
    (void)state;
    for (int h = 0; h < 2; h++)
        check_sample((render_opts){.mode = MODE_MARKDOWN, .headers = h},
                     "| id   |  n |   amt | d          | ok    | note          |\n"
                     "|------|---:|------:|------------|-------|---------------|\n"
                     "| A1   | 12 |   2.5 | 2024-03-31 | true  | plain         |\n"
                     "| B,2  | -3 |   0.3 |            | false | say \"hi\"\\nbye |\n"
                     "| 日本 |    | 1e+20 | 2024-01-01 |       |               |\n");
}

/* '|' and '\\' in markdown cells and headers are escaped; widths count the
 * escapes. */
static void test_markdown_pipes(void **state)
{
    (void)state;
    const char *cols[] = {"a|b", "n"};
    value rows[] = {v_text(S("x|y\\|z")), v_num(1.5)};
    render_opts o = {.mode = MODE_MARKDOWN, .headers = true};
    char *got = render(&o, 2, cols, rows, 1, "note 1");
    assert_string_equal(got, "| a\\|b      |   n |\n"
                             "|-----------|----:|\n"
                             "| x\\|y\\\\\\|z | 1.5 |\n"
                             "note 1\n");
    free(got);
}

/* Empty results: the header alone, "[]" in json, nothing in jsonl. */
static void test_empty(void **state)
{
    (void)state;
    const char *cols[] = {"id", "revenue"};
    struct {
        render_opts o;
        const char *want;
    } cases[] = {
        {{.mode = MODE_TABLE, .headers = true},
         "┌────┬─────────┐\n"
         "│ id │ revenue │\n"
         "├────┼─────────┤\n"
         "└────┴─────────┘\n"},
        {{.mode = MODE_TABLE, .headers = false}, "┌──┬──┐\n└──┴──┘\n"},
        {{.mode = MODE_CSV, .headers = true}, "id,revenue\n"},
        {{.mode = MODE_CSV, .headers = false}, ""},
        {{.mode = MODE_TSV, .headers = true}, "id\trevenue\n"},
        {{.mode = MODE_JSON, .headers = true}, "[]\n"},
        {{.mode = MODE_JSONL, .headers = true}, ""},
        {{.mode = MODE_MARKDOWN, .headers = true}, "| id | revenue |\n|----|---------|\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = render(&cases[i].o, 2, cols, NULL, 0, NULL);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

/* With no columns a table prints nothing (rows are still counted). */
static void test_zero_columns(void **state)
{
    (void)state;
    value dummy[1];
    for (int m = MODE_TABLE; m <= MODE_TSV; m++) {
        render_opts o = {.mode = m, .headers = true};
        char *got = render(&o, 0, NULL, dummy, 3, NULL);
        assert_string_equal(got, "");
        free(got);
    }
    render_opts o = {.mode = MODE_JSON, .headers = true};
    char *got = render(&o, 0, NULL, dummy, 2, NULL);
    assert_string_equal(got, "[\n{},\n{}\n]\n");
    free(got);
}

/* Rows 1..N of (i, "row i" with a long row for width checks). */
static value *numbered_rows(int n, char (*text)[16])
{
    value *rows = calloc((size_t)n * 2, sizeof *rows);
    for (int i = 0; i < n; i++) {
        int len = snprintf(text[i], 16, "row %d", i + 1);
        rows[2 * i] = v_int(i + 1);
        rows[2 * i + 1] = v_text(text[i], (size_t)len);
    }
    return rows;
}

/* Head and tail around an elision row, the footer, and when not to elide. */
static void test_elision(void **state)
{
    (void)state;
    const char *cols[] = {"i", "label"};
    char text[200][16];
    value *rows = numbered_rows(200, text);
    render_opts o = {.mode = MODE_TABLE, .headers = true, .maxrows = 4, .elide = true};
    char *got = render(&o, 2, cols, rows, 10, NULL);
    assert_string_equal(got, "┌────┬────────┐\n"
                             "│  i │ label  │\n"
                             "├────┼────────┤\n"
                             "│  1 │ row 1  │\n"
                             "│  2 │ row 2  │\n"
                             "│ …  │   …    │\n"
                             "│  9 │ row 9  │\n"
                             "│ 10 │ row 10 │\n"
                             "└────┴────────┘\n"
                             "10 rows (4 shown)\n");
    free(got);

    /* odd maxrows: one more row at the head; a footnote after the footer;
     * widths come from the rows shown (not row 100) */
    o.maxrows = 5;
    got = render(&o, 2, cols, rows, 200, "* incomplete");
    assert_string_equal(got, "┌─────┬─────────┐\n"
                             "│   i │ label   │\n"
                             "├─────┼─────────┤\n"
                             "│   1 │ row 1   │\n"
                             "│   2 │ row 2   │\n"
                             "│   3 │ row 3   │\n"
                             "│  …  │    …    │\n"
                             "│ 199 │ row 199 │\n"
                             "│ 200 │ row 200 │\n"
                             "└─────┴─────────┘\n"
                             "200 rows (5 shown)\n"
                             "* incomplete\n");
    free(got);

    /* maxrows 1: the first row only */
    o.maxrows = 1;
    got = render(&o, 2, cols, rows, 3, NULL);
    assert_string_equal(got, "┌───┬───────┐\n"
                             "│ i │ label │\n"
                             "├───┼───────┤\n"
                             "│ 1 │ row 1 │\n"
                             "│ … │   …   │\n"
                             "└───┴───────┘\n"
                             "3 rows (1 shown)\n");
    free(got);

    /* exactly maxrows rows: no elision, no footer */
    o.maxrows = 4;
    got = render(&o, 2, cols, rows, 4, NULL);
    assert_string_equal(got, "┌───┬───────┐\n"
                             "│ i │ label │\n"
                             "├───┼───────┤\n"
                             "│ 1 │ row 1 │\n"
                             "│ 2 │ row 2 │\n"
                             "│ 3 │ row 3 │\n"
                             "│ 4 │ row 4 │\n"
                             "└───┴───────┘\n");
    free(got);

    /* three rows, maxrows 4: the ring holds one row, not yet full */
    got = render(&o, 2, cols, rows, 3, NULL);
    assert_string_equal(got, "┌───┬───────┐\n"
                             "│ i │ label │\n"
                             "├───┼───────┤\n"
                             "│ 1 │ row 1 │\n"
                             "│ 2 │ row 2 │\n"
                             "│ 3 │ row 3 │\n"
                             "└───┴───────┘\n");
    free(got);

    /* elide off (not a terminal), or maxrows 0: everything */
    o.elide = false;
    got = render(&o, 2, cols, rows, 12, NULL);
    assert_non_null(strstr(got, "│  7 │ row 7  │\n"));
    assert_null(strstr(got, "…"));
    assert_null(strstr(got, "shown"));
    free(got);
    o.elide = true;
    o.maxrows = 0;
    got = render(&o, 2, cols, rows, 12, NULL);
    assert_non_null(strstr(got, "│  7 │ row 7  │\n"));
    assert_null(strstr(got, "…"));
    free(got);

    /* elision is for tables only */
    o.mode = MODE_MARKDOWN;
    o.maxrows = 2;
    got = render(&o, 2, cols, rows, 12, NULL);
    assert_non_null(strstr(got, "|  7 | row 7  |\n"));
    assert_null(strstr(got, "shown"));
    free(got);
    free(rows);
}

/* A long result through a small window: only head and tail are kept. */
static void test_elision_stream(void **state)
{
    (void)state;
    const char *cols[] = {"k"};
    render_opts o = {.mode = MODE_TABLE, .headers = true, .maxrows = 40, .elide = true};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    renderer *r = render_begin(f, &o, 1, cols);
    for (int i = 0; i < 300000; i++) {
        char t[32];
        int n = snprintf(t, sizeof t, "key-%d", i);
        value v = v_text(t, (size_t)n);
        render_row(r, &v);
    }
    assert_int_equal(render_end(r), 300000);
    fclose(f);
    assert_non_null(strstr(buf, "│ key-19     │\n│     …      │\n│ key-299980 │\n"));
    assert_null(strstr(buf, "key-20 "));
    assert_non_null(strstr(buf, "└────────────┘\n300000 rows (40 shown)\n"));
    free(buf);
}

/* Text is copied when buffered: the caller may reuse its buffers. */
static void test_copies_text(void **state)
{
    (void)state;
    char colname[8] = "name";
    const char *dyn[] = {colname};
    render_opts o = {.mode = MODE_TABLE, .headers = true, .nullvalue = NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    renderer *r = render_begin(f, &o, 1, dyn);
    strcpy(colname, "XXXX");
    char t[8];
    strcpy(t, "abc");
    value v = v_text(t, 3);
    render_row(r, &v);
    strcpy(t, "zzz");
    render_footnote(r, t);
    strcpy(t, "yyy");
    render_end(r);
    fclose(f);
    assert_string_equal(buf, "┌──────┐\n"
                             "│ name │\n"
                             "├──────┤\n"
                             "│ abc  │\n"
                             "└──────┘\n"
                             "zzz\n");
    free(buf);
}

/* Control characters, C1 controls and invalid bytes become escapes in a
 * table; wide and combining characters are measured by display width. */
static void test_table_escapes(void **state)
{
    (void)state;
    const char *cols[] = {"t", "w"};
    value rows[] = {
        v_text(S("a\tb\r\x01")), v_text(S("\xf0\x9f\x98\x80")),
        v_text(S("bad\xff")),    v_text(S("cafe\xcc\x81")),
        v_text(S("\xc2\x85!")),  v_text(S("\xef\xbc\xa1\xef\xbc\xa2")),
    };
    render_opts o = {.mode = MODE_TABLE, .headers = true};
    char *got = render(&o, 2, cols, rows, 3, NULL);
    assert_string_equal(got, "┌────────────┬──────┐\n"
                             "│ t          │ w    │\n"
                             "├────────────┼──────┤\n"
                             "│ a\\tb\\r\\x01 │ 😀   │\n"
                             "│ bad\\xff    │ cafe\xcc\x81 │\n"
                             "│ \\u0085!    │ ＡＢ │\n"
                             "└────────────┴──────┘\n");
    free(got);
}

/* A column is right-aligned only when all its values are numbers; in a mixed
 * column numbers still align right, text left, and the header left. An
 * all-null column is left-aligned. */
static void test_alignment(void **state)
{
    (void)state;
    const char *cols[] = {"mixed", "nulls", "num"};
    value rows[] = {
        v_int(5), v_null(),      v_num(-1.25), v_text(S("text")), v_null(),
        v_null(), v_num(1234.5), v_null(),     v_int(100000),
    };
    render_opts o = {.mode = MODE_TABLE, .headers = true};
    char *got = render(&o, 3, cols, rows, 3, NULL);
    assert_string_equal(got, "┌────────┬───────┬────────┐\n"
                             "│ mixed  │ nulls │    num │\n"
                             "├────────┼───────┼────────┤\n"
                             "│      5 │       │  -1.25 │\n"
                             "│ text   │       │        │\n"
                             "│ 1234.5 │       │ 100000 │\n"
                             "└────────┴───────┴────────┘\n");
    free(got);
    o.mode = MODE_MARKDOWN;
    got = render(&o, 3, cols, rows, 3, NULL);
    assert_string_equal(got, "| mixed  | nulls |    num |\n"
                             "|--------|-------|-------:|\n"
                             "|      5 |       |  -1.25 |\n"
                             "| text   |       |        |\n"
                             "| 1234.5 |       | 100000 |\n");
    free(got);
}

/* Footnotes print after table and markdown output only. */
static void test_footnotes(void **state)
{
    (void)state;
    const char *cols[] = {"x"};
    value rows[] = {v_int(1)};
    render_opts o = {.mode = MODE_TABLE, .headers = true};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    renderer *r = render_begin(f, &o, 1, cols);
    render_row(r, rows);
    render_footnote(r, "first");
    render_footnote(r, "second");
    render_end(r);
    fclose(f);
    assert_string_equal(buf, "┌───┐\n│ x │\n├───┤\n│ 1 │\n└───┘\nfirst\nsecond\n");
    free(buf);
    for (int m = MODE_CSV; m <= MODE_JSONL; m++) {
        o.mode = m;
        char *got = render(&o, 1, cols, rows, 1, "dropped");
        assert_null(strstr(got, "dropped"));
        free(got);
    }
}

/* CSV quoting rules: separator, quote, CR, LF, edge spaces, empty text; the
 * header is quoted by the same rules. */
static void test_csv_quoting(void **state)
{
    (void)state;
    const char *cols[] = {"a b", "c,d", ""};
    value rows[] = {
        v_text(S(" lead")), v_text(S("trail ")), v_text(S("mid dle")),
        v_text(S("cr\rx")), v_text(S("q\"")),    v_text(S("tab\there")),
        v_null(),           v_text(S("")),       v_text(S("\"\"")),
    };
    render_opts o = {.mode = MODE_CSV, .headers = true};
    char *got = render(&o, 3, cols, rows, 3, NULL);
    assert_string_equal(got, "a b,\"c,d\",\"\"\n"
                             "\" lead\",\"trail \",mid dle\n"
                             "\"cr\rx\",\"q\"\"\",tab\there\n"
                             ",\"\",\"\"\"\"\"\"\n");
    free(got);
    o.mode = MODE_TSV;
    o.nullvalue = "\\N";
    got = render(&o, 3, cols, rows, 3, NULL);
    assert_string_equal(got, "a b\tc,d\t\"\"\n"
                             "\" lead\"\t\"trail \"\tmid dle\n"
                             "\"cr\rx\"\t\"q\"\"\"\t\"tab\there\"\n"
                             "\\N\t\"\"\t\"\"\"\"\"\"\n");
    free(got);
}

/* JSON strings: escapes, control characters, invalid UTF-8, and the values
 * JSON has no literal for. */
static void test_json_values(void **state)
{
    (void)state;
    const char *cols[] = {"s\"k", "v"};
    value rows[] = {
        v_text(S("back\\slash\x01\x1f\t\r/")),
        v_num(NAN),
        v_text(S("bad\xff\xc3(\xe6\x97\xa5")),
        v_num(-INFINITY),
        v_datetime(1711893900),
        period_of(U_QUARTER, 19813),
        (value){.type = T_DURATION, .unit = U_MONTH, .i = 6},
        v_num(-0.0),
        v_int(INT64_MIN),
        v_num(1e-7),
    };
    render_opts o = {.mode = MODE_JSONL};
    char *got = render(&o, 2, cols, rows, 5, NULL);
    assert_string_equal(got, "{\"s\\\"k\":\"back\\\\slash\\u0001\\u001f\\t\\r/\",\"v\":null}\n"
                             "{\"s\\\"k\":\"bad\\ufffd\\ufffd(日\",\"v\":null}\n"
                             "{\"s\\\"k\":\"2024-03-31 14:05:00\",\"v\":\"2024-Q1\"}\n"
                             "{\"s\\\"k\":\"6mo\",\"v\":0}\n"
                             "{\"s\\\"k\":-9223372036854775808,\"v\":1e-07}\n");
    free(got);
}

/* render_value writes one cell in each mode's syntax. */
static void test_render_value(void **state)
{
    (void)state;
    struct {
        int mode;
        value v;
        const char *nullvalue, *want;
    } cases[] = {
        {MODE_TABLE, v_text(S("a\nb")), NULL, "a\\nb"},
        {MODE_TABLE, v_null(), NULL, ""},
        {MODE_TABLE, v_null(), "NULL", "NULL"},
        {MODE_TABLE, v_num(0.1 + 0.2), NULL, "0.3"},
        {MODE_TABLE, v_bool(true), NULL, "true"},
        {MODE_MARKDOWN, v_text(S("a|b")), NULL, "a\\|b"},
        {MODE_TABLE, v_text(S("a|b")), NULL, "a|b"},
        {MODE_CSV, v_text(S("a,b")), NULL, "\"a,b\""},
        {MODE_CSV, v_text(S("")), NULL, "\"\""},
        {MODE_CSV, v_null(), NULL, ""},
        {MODE_CSV, v_null(), "n,a", "\"n,a\""},
        {MODE_CSV, v_date(19813), NULL, "2024-03-31"},
        {MODE_CSV, v_text(S("a\nb")), NULL, "\"a\nb\""},
        {MODE_TSV, v_text(S("a,b")), NULL, "a,b"},
        {MODE_TSV, v_text(S("a\tb")), NULL, "\"a\tb\""},
        {MODE_JSON, v_null(), "NULL", "null"},
        {MODE_JSON, v_text(S("x\"y")), NULL, "\"x\\\"y\""},
        {MODE_JSONL, v_int(42), NULL, "42"},
        {MODE_JSON, v_bool(false), NULL, "false"},
        {MODE_JSON, v_date(0), NULL, "\"1970-01-01\""},
        {MODE_JSON, v_num(2.0), NULL, "2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        render_value(f, cases[i].mode, &cases[i].v, cases[i].nullvalue);
        fclose(f);
        assert_string_equal(buf, cases[i].want);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_nullvalue_noheaders),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_markdown_pipes),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_zero_columns),
        cmocka_unit_test(test_elision),
        cmocka_unit_test(test_elision_stream),
        cmocka_unit_test(test_copies_text),
        cmocka_unit_test(test_table_escapes),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_footnotes),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_render_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
