/* test_columns.c: unit tests of the column encoding (columns.h): every kind
 * reads back what was encoded, bit for bit and type for type, nulls in place;
 * malformed columns are refused rather than misread. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool same_value(const value *a, const value *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case T_NULL: return true;
    case T_NUM: return memcmp(&a->n, &b->n, 8) == 0;
    case T_TEXT: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    default: return a->i == b->i;
    }
}

/* Encodes N values, views them, checks every row and the expected KIND. */
static void roundtrip(const value *vals, uint32_t n, int kind)
{
    rbuf b = {0};
    col_encode(&b, vals, n);
    colvec cv;
    assert_true(col_view(&cv, b.data, b.len));
    assert_int_equal(cv.n, n);
    if (kind >= 0) assert_int_equal(cv.kind, kind);
    for (uint32_t i = 0; i < n; i++) {
        value v = col_get(&cv, i);
        if (!same_value(&v, &vals[i])) fail_msg("row %u of kind %d differs", i, cv.kind);
    }
    /* every truncation is refused or still reads within bounds */
    for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 64) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.data, cut);
        colvec t;
        if (col_view(&t, copy, cut))
            for (uint32_t i = 0; i < t.n; i++)
                (void)col_get(&t, i);
        else
            assert_int_equal(t.kind, COL_NULL);
        free(copy);
    }
    rbuf_free(&b);
}

static const char *const words[] = {"EMEA", "NA", "APAC", "LATAM", "", "a longer region name"};

static void test_kinds(void **state)
{
    (void)state;
    enum { N = 1500 };
    value *v = calloc(N, sizeof *v);
    char(*txt)[24] = calloc(N, 24);
    /* all null */
    roundtrip(v, N, COL_NULL);
    roundtrip(v, 0, COL_NULL);
    /* ints of every width, with and without nulls; dates, datetimes, bools */
    static const int64_t spans[] = {0, 100, 60000, 4000000000LL, INT64_MAX};
    for (int s = 0; s < 5; s++) {
        for (int withnull = 0; withnull < 2; withnull++) {
            for (uint32_t i = 0; i < N; i++) {
                int64_t x = spans[s] ? (int64_t)(rnd() % (uint64_t)spans[s]) - spans[s] / 2 : 7;
                v[i] = withnull && i % 7 == 3 ? v_null() : v_int(x);
            }
            if (s == 4) v[5] = v_int(INT64_MIN), v[6] = v_int(INT64_MAX);
            roundtrip(v, N, COL_INT);
        }
    }
    for (uint32_t i = 0; i < N; i++)
        v[i] = i % 5 ? v_date((int32_t)(rnd() % 20000)) : v_null();
    roundtrip(v, N, COL_INT);
    for (uint32_t i = 0; i < N; i++)
        v[i] = v_datetime((int64_t)(rnd() % 2000000000));
    roundtrip(v, N, COL_INT);
    for (uint32_t i = 0; i < N; i++)
        v[i] = v_bool(rnd() & 1);
    roundtrip(v, N, COL_INT);
    /* prices: hundredths, negative and -0.0 aside */
    for (uint32_t i = 0; i < N; i++)
        v[i] = i % 11 ? v_num((double)((int64_t)(rnd() % 100000000) - 500000) / 100.0) : v_null();
    roundtrip(v, N, COL_HUND);
    v[17] = v_num(-0.0);
    roundtrip(v, N, COL_F64);
    for (uint32_t i = 0; i < N; i++)
        v[i] = v_num((double)rnd() / 3.0);
    v[3] = v_num(NAN), v[4] = v_num(INFINITY), v[5] = v_num(-INFINITY), v[6] = v_num(1e300);
    roundtrip(v, N, COL_F64);
    /* text: few values (a dictionary), many (plain), with nulls and empties */
    for (uint32_t i = 0; i < N; i++) {
        const char *w = words[rnd() % 6];
        v[i] = i % 13 == 0 ? v_null() : v_text(w, strlen(w));
    }
    roundtrip(v, N, COL_DICT);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(txt[i], 24, "A-%06u", (unsigned)(rnd() % 1000000));
        v[i] = i % 9 == 4 ? v_null() : v_text(txt[i], strlen(txt[i]));
    }
    roundtrip(v, N, COL_TEXT);
    /* 300 distinct values in 1500 rows: two-byte codes */
    for (uint32_t i = 0; i < N; i++) {
        snprintf(txt[i], 24, "m%03u", (unsigned)(i % 300));
        v[i] = v_text(txt[i], strlen(txt[i]));
    }
    roundtrip(v, N, COL_DICT);
    /* a block of 1024 with 512 distinct values (the most for a dictionary),
     * then 513 and 700 (plain text): the dictionary's table never fills */
    static const uint32_t distinct[] = {512, 513, 700};
    static const int kinds[] = {COL_DICT, COL_TEXT, COL_TEXT};
    for (int d = 0; d < 3; d++) {
        for (uint32_t i = 0; i < 1024; i++) {
            snprintf(txt[i], 24, "v%u", (unsigned)(i % distinct[d]));
            v[i] = v_text(txt[i], strlen(txt[i]));
        }
        roundtrip(v, 1024, kinds[d]);
    }
    /* several types in one column (a retyped custom field) */
    for (uint32_t i = 0; i < N; i++) {
        switch (rnd() % 5) {
        case 0: v[i] = v_null(); break;
        case 1: v[i] = v_int((int64_t)rnd()); break;
        case 2: v[i] = v_num(1.5 * (double)i); break;
        case 3: v[i] = v_text(words[i % 6], strlen(words[i % 6])); break;
        default: v[i] = v_date((int32_t)i); break;
        }
    }
    v[0] = v_int(1), v[1] = v_text("x", 1);
    roundtrip(v, N, COL_ANY);
    /* one row of each */
    value one[] = {v_int(-5), v_num(2.5), v_text("solo", 4), v_bool(1), v_num(0.1 + 0.2)};
    for (int i = 0; i < 5; i++)
        roundtrip(&one[i], 1, -1);
    free(v);
    free(txt);
}

/* Garbage never reads outside the buffer (ASan would say) and mostly is refused. */
static void test_garbage(void **state)
{
    (void)state;
    uint8_t buf[256];
    for (int round = 0; round < 20000; round++) {
        size_t len = rnd() % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rnd();
        if (len >= 8) buf[0] = (uint8_t)(rnd() % 8), buf[5] = buf[6] = buf[7] = 0, buf[4] %= 40;
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        colvec cv;
        if (col_view(&cv, copy, len))
            for (uint32_t i = 0; i < cv.n; i++)
                (void)col_get(&cv, i);
        free(copy);
    }
}

/* A code beyond the dictionary is refused wherever it lies, for every size
 * of dictionary of one-byte codes (eight codes are checked at a time up to
 * 128 values), and one just inside is not. */
static void test_bad_code(void **state)
{
    (void)state;
    enum { N = 700 };
    value *v = calloc(N, sizeof *v);
    char(*txt)[8] = calloc(N, 8);
    static const uint32_t sizes[] = {1, 2, 7, 8, 100, 127, 128, 129, 200, 255};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t nd = sizes[s];
        for (uint32_t i = 0; i < N; i++) {
            snprintf(txt[i], 8, "v%u", i % nd);
            v[i] = v_text(txt[i], strlen(txt[i]));
        }
        rbuf b = {0};
        col_encode(&b, v, N);
        colvec cv;
        assert_true(col_view(&cv, b.data, b.len));
        assert_int_equal(cv.kind, COL_DICT);
        assert_int_equal(cv.width, 1);
        assert_int_equal(cv.ndict, nd);
        uint8_t *codes = (uint8_t *)cv.data;
        static const uint32_t at[] = {0, 1, 7, 8, 9, 15, 16, 511, 693, 695, 696, 699};
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            uint8_t keep = codes[at[k]];
            static const unsigned over[] = {0, 1, 127, 128, 255};
            for (size_t o = 0; o < sizeof over / sizeof over[0]; o++) {
                if (nd + over[o] > 255) continue;
                codes[at[k]] = (uint8_t)(nd + over[o]);
                if (col_view(&cv, b.data, b.len))
                    fail_msg("%u values: code %u at row %u passed", nd, nd + over[o], at[k]);
            }
            codes[at[k]] = (uint8_t)(nd - 1);
            assert_true(col_view(&cv, b.data, b.len));
            codes[at[k]] = keep;
        }
        rbuf_free(&b);
    }
    free(txt);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_bad_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
