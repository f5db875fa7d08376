/* test_rfm.c: unit tests of rfm.c's quintile scores (rfm_quintiles): ranks
 * with ties kept together, as SQL's 1 + 5 * (RANK() - 1) / COUNT(*). The
 * stage itself is tested end to end by tests/golden/rfm*.kash and against
 * sqlite3 by tests/suites/sqlite/84_rfm_*. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "rfm.h"

/* Scores X[0..N) and checks them against WANT. */
static void check(const double *x, size_t n, const uint8_t *want)
{
    uint8_t out[64];
    assert_true(n <= 64);
    rfm_quintiles(x, n, out);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != want[i]) fail_msg("x[%zu] = %g: score %d, want %d", i, x[i], out[i], want[i]);
    }
}

/* Ten distinct values: two per quintile, whatever the input order. */
static void test_distinct(void **state)
{
    (void)state;
    double x[] = {7, 1, 9, 3, 5, 2, 10, 4, 8, 6};
    uint8_t want[] = {4, 1, 5, 2, 3, 1, 5, 2, 4, 3};
    check(x, 10, want);
}

/* Ties share the lowest rank, so a run of equal values crossing a quintile
 * boundary stays in the lower quintile (the frequencies of tests/golden/rfm.kash). */
static void test_ties(void **state)
{
    (void)state;
    double f[] = {1, 1, 1, 2, 2, 3, 3, 3, 4, 6};
    uint8_t wf[] = {1, 1, 1, 2, 2, 3, 3, 3, 5, 5};
    check(f, 10, wf);
    double m[] = {100, 0, 500, 500, 250, 500, 2000, 1000, 1000, 3000};
    uint8_t wm[] = {1, 1, 2, 2, 2, 2, 5, 4, 4, 5};
    check(m, 10, wm);
    double same[] = {4, 4, 4, 4, 4, 4, 4};
    uint8_t ws[] = {1, 1, 1, 1, 1, 1, 1};
    check(same, 7, ws);
}

/* Fewer than five values: the scores skip (rank r of n gives 1 + 5 * (r - 1) / n). */
static void test_small(void **state)
{
    (void)state;
    rfm_quintiles(NULL, 0, NULL); /* nothing to do, nothing touched */
    double one[] = {42};
    uint8_t w1[] = {1};
    check(one, 1, w1);
    double two[] = {5, 3};
    uint8_t w2[] = {3, 1};
    check(two, 2, w2);
    double three[] = {2, 1, 3};
    uint8_t w3[] = {2, 1, 4};
    check(three, 3, w3);
    double four[] = {4, 3, 2, 1};
    uint8_t w4[] = {4, 3, 2, 1};
    check(four, 4, w4);
    double six[] = {1, 2, 3, 4, 5, 6}; /* 1 + 5 * (r - 1) / 6: 1 1 2 3 4 5 */
    uint8_t w6[] = {1, 1, 2, 3, 4, 5};
    check(six, 6, w6);
}

/* Negative values and zeros order as numbers (-0 equals 0); NaN ranks above
 * every number, all NaNs tied. */
static void test_signs_nan(void **state)
{
    (void)state;
    double x[] = {-5, 0, -0.0, 3, NAN, -1e300, NAN, 1e300, 2, 1};
    /* ascending: -1e300 -5 (0 -0) 1 2 3 1e300 (NaN NaN); ranks 1 2 3 3 5 6 7 8 9 9 */
    uint8_t want[] = {1, 2, 2, 4, 5, 1, 5, 4, 3, 3};
    check(x, 10, want);
}

/* The rank of X[i]: 1 + how many are smaller (NaN above all). */
static size_t brute_rank(const double *x, size_t n, size_t i)
{
    size_t r = 1;
    for (size_t j = 0; j < n; j++) {
        bool less = isnan(x[i]) ? !isnan(x[j]) : (!isnan(x[j]) && x[j] < x[i]);
        r += less;
    }
    return r;
}

/* Random inputs with many ties against the definition, O(n^2). */
static void test_random(void **state)
{
    (void)state;
    srand(12345);
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + (size_t)(rand() % 200);
        int spread = 1 + rand() % 40;
        double *x = malloc(sizeof(double) * n);
        uint8_t *out = malloc(n);
        for (size_t i = 0; i < n; i++)
            x[i] = rand() % 17 == 0 ? NAN : (double)(rand() % spread) * 0.5;
        rfm_quintiles(x, n, out);
        size_t count[6] = {0};
        for (size_t i = 0; i < n; i++) {
            size_t r = brute_rank(x, n, i);
            uint8_t want = (uint8_t)(1 + 5 * (r - 1) / n);
            if (out[i] != want)
                fail_msg("trial %d, n %zu: x[%zu] = %g has rank %zu, score %d, want %d", trial, n,
                         i, x[i], r, out[i], want);
            count[out[i]]++;
        }
        assert_int_equal(count[0], 0);
        free(x);
        free(out);
    }
}

/* Many distinct values: each quintile holds a fifth. */
static void test_large(void **state)
{
    (void)state;
    size_t n = 100000;
    double *x = malloc(sizeof(double) * n);
    uint8_t *out = malloc(n);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919) % n); /* a permutation of 0 … n-1 */
    rfm_quintiles(x, n, out);
    size_t count[6] = {0};
    for (size_t i = 0; i < n; i++) {
        count[out[i]]++;
        assert_int_equal(out[i], 1 + (size_t)x[i] * 5 / n);
    }
    for (int s = 1; s <= 5; s++)
        assert_int_equal(count[s], n / 5);
    free(x);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct), cmocka_unit_test(test_ties),
        cmocka_unit_test(test_small),    cmocka_unit_test(test_signs_nan),
        cmocka_unit_test(test_random),   cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
