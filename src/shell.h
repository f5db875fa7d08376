/* shell.h: running statements from -c arguments, scripts, piped input and a
 * person at a terminal (spec §1, §7); dot-commands; variables; ~/.kashrc.
 * main.c is a thin layer on it.
 *
 * Text is run statement by statement as it arrives: a script or piped input
 * is read line by line and each statement runs as soon as its ';' (or its
 * line, for a dot-command) has been read; a statement left open at the end of
 * the input runs too. Errors go to standard error (FILE:LINE:COLUMN in
 * scripts), results to the session's output. */
#ifndef KASH_SHELL_H
#define KASH_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "exec.h"

typedef struct shell_var {
    char *name, *value; /* owned */
} shell_var;

typedef struct shell {
    session s;
    bool bail;       /* stop at the first failing statement */
    bool bail_set;   /* bail was chosen (--bail, --no-bail, .bail), not defaulted */
    bool in_init;    /* ~/.kashrc is running: its errors never stop it */
    bool failed;     /* some statement failed */
    bool quit;       /* .quit was run */
    bool timer;      /* .timer on */
    int depth;       /* .read nesting */
    shell_var *vars; /* owned */
    int nvars;
    /* where results go: standard output, or a .output/.once file or pipe */
    FILE *screen;   /* standard output, wrapped to clear the progress line; owned */
    FILE *redirect; /* owned; NULL when results go to the screen */
    char *redirect_name;
    bool redirect_pipe; /* opened with popen() */
    bool once;          /* the redirect ends after the next result */
    /* the running statement, for .timer and progress */
    double t0;        /* start, seconds (monotonic) */
    double drawn_at;  /* when progress was last drawn; 0 when not showing */
    bool progress_ok; /* standard error is a terminal */
    bool output_started;
} shell;

/* Sets up SH over the open store DB, writing results to standard output,
 * and installs the SIGINT handler (Ctrl-C cancels the running statement). */
void shell_init(shell *sh, store *db);
void shell_free(shell *sh);
/* True when NAME can name a variable: [A-Za-z_][A-Za-z0-9_]*. */
bool shell_var_name_ok(const char *name);
/* Defines (or redefines) variable NAME as TEXT, the source of a literal
 * ($NAME is replaced by it). Returns 0, or -1 when NAME is not a valid name. */
int shell_set_var(shell *sh, const char *name, const char *text);

/* Runs the statements and dot-commands in TEXT (a trailing statement without
 * ';' included). FILE names the script in messages (NULL for -c and the
 * terminal); FIRST_LINE is TEXT's first line number. Returns 0 when all
 * succeeded, 1 when one failed, 130 when interrupted; stops at the first
 * failure when bail is set. */
int shell_run_text(shell *sh, const char *text, size_t len, const char *file, int first_line);
/* Runs a script file ("-" = standard input), reading it as it goes. Returns
 * as shell_run_text(), or 2 when the file cannot be opened or read. */
int shell_run_file(shell *sh, const char *path);
/* Runs ~/.kashrc when there is one. Its errors are reported but neither stop
 * it nor count towards the exit status. Returns 0, or 130 when interrupted. */
int shell_run_init(shell *sh);
/* The interactive shell (readline, history, completion) until end of input or
 * .quit. Returns 0, or 1 when some statement failed. */
int shell_interactive(shell *sh);

#endif
