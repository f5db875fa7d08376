/* fuzz_stmt.c: whole statements (parse, plan, run) against a small fixed
 * database built once from tests/data, read-only so that runs stay independent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store *db;
static session sess;

/* Builds the database on first use: $KASH_FUZZ_DB, made from $KASH_FUZZ_DATA. */
static void setup(void)
{
    const char *path = getenv("KASH_FUZZ_DB");
    if (!path) path = "/tmp/kash_fuzz.db";
    if (getenv("KASH_FUZZ_REBUILD")) { /* a fresh database for each replay */
        char lock[4096];
        snprintf(lock, sizeof lock, "%s-lock", path);
        unlink(path);
        unlink(lock);
    }
    if (access(path, F_OK) != 0) {
        const char *dir = getenv("KASH_FUZZ_DATA");
        if (!dir) dir = "tests/data";
        store *w;
        if (store_open(path, 0, &w)) abort();
        session s = {.db = w, .out = fopen("/dev/null", "w"), .ro = {.mode = MODE_CSV}};
        const char *srcs[] = {"managers", "accounts", "interactions"};
        for (int i = 0; i < 3; i++) {
            char text[4096];
            snprintf(text, sizeof text, "import %s from \"%s/%s.csv\";", srcs[i], dir, srcs[i]);
            arena a;
            arena_init(&a);
            diag d;
            diag_clear(&d);
            size_t pos = 0;
            stmt *st;
            if (parse_statement(&a, text, strlen(text), &pos, NULL, &st, &d) == 1)
                exec_stmt(&s, st, text, &a, &d);
            arena_free(&a);
        }
        fclose(s.out);
        store_close(w);
    }
    if (store_open(path, STORE_RDONLY, &db)) abort();
    sess = (session){.db = db, .out = fopen("/dev/null", "w"), .ro = {.mode = MODE_TABLE, .headers = true}};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) setup();
    const char *src = (const char *)data;
    arena a;
    arena_init(&a);
    size_t pos = 0;
    for (int guard = 0; guard < 100 && pos < size; guard++) {
        diag d;
        diag_clear(&d);
        stmt *st;
        int k = parse_statement(&a, src, size, &pos, NULL, &st, &d);
        if (k == 0) break;
        /* no exports or imports: the fuzzer must not write files */
        if (k > 0 && st->kind == ST_QUERY && !(st->nstages && st->stages[st->nstages - 1].kind == S_EXPORT))
            exec_stmt(&sess, st, src, &a, &d);
        arena_reset(&a);
    }
    arena_free(&a);
    return 0;
}
