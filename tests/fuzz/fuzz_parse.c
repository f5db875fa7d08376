/* fuzz_parse.c: the lexer and parser on arbitrary text, statement after statement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *var(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "q") == 0 ? "2024-Q3" : strcmp(name, "n") == 0 ? "42" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    arena a;
    arena_init(&a);
    parser_opts po = {var, NULL};
    size_t pos = 0;
    for (int guard = 0; guard < 10000 && pos < size; guard++) {
        diag d;
        diag_clear(&d);
        stmt *st;
        size_t before = pos;
        int k = parse_statement(&a, src, size, &pos, &po, &st, &d);
        arena_reset(&a);
        if (k == 0) break;
        if (pos <= before) abort(); /* the parser must always make progress */
    }
    (void)parse_is_complete(src, size);
    /* the bare lexer too, with every regex rescan it allows */
    diag d;
    diag_clear(&d);
    lexer lx;
    lex_init(&lx, src, size, &d);
    token t;
    for (int k; (k = lex_next(&lx, &t)) != TK_EOF;) {
        if (k == TK_ERROR) break;
        if (k == TK_SLASH && (t.off & 1)) lex_regex(&lx, &t);
    }
    arena_free(&a);
    return 0;
}
