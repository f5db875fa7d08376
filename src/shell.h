/* shell.h: running statements from -c arguments, scripts, piped input and a
 * person at a terminal; dot-commands; variables. main.c is a thin layer on it. */
#ifndef KASH_SHELL_H
#define KASH_SHELL_H

#include <stdbool.h>

#include "exec.h"

typedef struct shell_var {
    char *name, *value; /* owned */
} shell_var;

typedef struct shell {
    session s;
    bool bail;       /* stop at the first failing statement */
    bool failed;     /* some statement failed */
    bool quit;       /* .quit was run */
    int depth;       /* .read nesting */
    shell_var *vars; /* owned */
    int nvars;
} shell;

/* Sets up SH over the open store DB, writing results to stdout. */
void shell_init(shell *sh, store *db);
void shell_free(shell *sh);
/* Defines (or redefines) variable NAME. */
void shell_set_var(shell *sh, const char *name, const char *text);

/* Runs the statements and dot-commands in TEXT. FILE names the script in
 * messages (NULL for -c and the terminal); FIRST_LINE is TEXT's first line
 * number. Returns 0 when all succeeded, 1 when one failed, 130 when
 * interrupted (and stops at the first failure when bail is set). */
int shell_run_text(shell *sh, const char *text, size_t len, const char *file, int first_line);
/* Runs a script file ("-" = standard input). Returns as shell_run_text(), or 2
 * when the file cannot be read. */
int shell_run_file(shell *sh, const char *path);
/* The interactive loop on a terminal, until end of input or .quit. */
int shell_interactive(shell *sh);

#endif
