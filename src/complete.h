/* complete.h: what Tab offers in the shell (spec §7).
 *
 * Given the input typed so far, complete_words() works out where the cursor
 * is (statement start, a stage, an expression, an import clause, a
 * dot-command and its argument...) and lists the words that fit there:
 * keywords, sources, stages, functions, the field names of the rows in play
 * (custom fields included, and the columns a select or group made), manager
 * ids, file names, variables, dot-commands and their arguments. It knows
 * nothing of readline: shell.c hands it readline's line and cursor, and the
 * .complete dot-command hands it text, so that tests see what Tab would. */
#ifndef KASH_COMPLETE_H
#define KASH_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef struct complete_env {
    store *db;               /* schemas and manager ids; may be NULL (built-in fields only) */
    const char *const *vars; /* names of the defined variables, without '$' */
    int nvars;
} complete_env;

/* The characters that quote a word ('"', '\'', '`'): readline's
 * rl_completer_quote_characters. */
extern const char complete_quotes[];
/* The characters that end a word: readline's word break characters. On a
 * dot-command line (DOT_LINE) only blanks do, so that ".mo" and "data/x.csv"
 * are one word each. */
const char *complete_breaks(bool dot_line);
/* True when the input TEXT[0..LEN) (LEN = the cursor) ends on a dot-command
 * line: a line starting with '.' at a statement boundary. */
bool complete_is_dot_line(const char *text, size_t len);
/* Where the word before the cursor LEN starts, found the way readline finds
 * it with the two settings above; *QUOTE gets the open quote character the
 * word follows, or 0. */
size_t complete_word_start(const char *text, size_t len, int *quote);

/* Lists the candidates for the word TEXT[WORD..LEN), where TEXT is the input
 * typed so far up to the cursor (the earlier lines of an open statement
 * included) and QUOTE the open quote before the word or 0. A candidate
 * replaces the word: fields that need it come in backticks and strings
 * (manager ids, file names) in double quotes unless a quote is already open.
 * A candidate ending in '/' is a directory and one ending in '(' a function:
 * nothing should be appended to them. Returns the number of candidates and
 * sets *OUT to a NULL-terminated array of them, sorted and without
 * duplicates (owned by the caller: complete_free()), or to NULL when none. */
int complete_words(const complete_env *env, const char *text, size_t len, size_t word, int quote,
                   char ***out);
void complete_free(char **list);

#endif
