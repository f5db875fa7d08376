/* main.c: the kash command line (spec §1). Everything else is in libkash. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "shell.h"

static const char usage[] =
    "usage: kash [OPTIONS] [DB]\n"
    "Query and reshape account-management data kept in one LMDB file.\n"
    "\n"
    "  DB                 database file (default: $KASH_DB, else ./kash.db)\n"
    "  -c STMT            run a statement, then exit (repeatable)\n"
    "  -f FILE            run a script ('-' = standard input), then exit (repeatable)\n"
    "  -i                 stay interactive after -c/-f\n"
    "  -m MODE            output mode: table, csv, tsv, json, jsonl, markdown\n"
    "  -D NAME=VALUE      set variable $NAME (repeatable)\n"
    "  --readonly         open read-only: any change is an error\n"
    "  --dry-run          mutations print their preview and change nothing\n"
    "  --yes              mutations run without asking\n"
    "  --bail, --no-bail  stop, or go on, at the first failing statement\n"
    "  --no-init          skip ~/.kashrc\n"
    "  --safe             for scripts of unknown origin: no import, export, .read,\n"
    "                     .output, .once or ~/.kashrc\n"
    "  --version          print the version\n"
    "  --help             print this help\n"
    "\n"
    "Without -c or -f: the interactive shell on a terminal, else statements are read\n"
    "from standard input. Exit status: 0 success, 1 a statement failed, 2 usage\n"
    "error or the database cannot be opened, 130 interrupted.\n";

typedef struct action {
    char kind; /* 'c' or 'f' */
    const char *arg;
} action;

/* Defines the -D variables (again after ~/.kashrc: the command line wins). */
static void define(shell *sh, char **defs, int n)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(defs[i], '=');
        *eq = 0;
        shell_set_var(sh, defs[i], eq + 1);
        *eq = '=';
    }
}

/* LMDB keeps no checksums: a damaged database file can end inside a page it
 * maps (SIGBUS), hold pages that send its cursors astray (SIGSEGV) or trip
 * its internal assertions (SIGABRT, after LMDB printed which). Say so instead
 * of dying with a bare signal. Nothing has been written: a write transaction
 * only reaches the file at its commit. */
static void on_fault(int sig)
{
    static const char bus[] = "kash: database file is damaged (a page lies past its end)\n";
    static const char segv[] = "kash: fatal error reading the database: the file is probably "
                               "damaged (or this is a bug in kash: please report it)\n";
    const char *msg = sig == SIGBUS ? bus : segv;
    size_t len = sig == SIGBUS ? sizeof bus - 1 : sizeof segv - 1;
    if (write(2, msg, len) < 0) _exit(2);
    _exit(2);
}

#if defined(__SANITIZE_ADDRESS__)
#define KASH_SANITIZED 1 /* the sanitizer's own SIGSEGV report is worth more */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KASH_SANITIZED 1
#endif
#endif

int main(int argc, char **argv)
{
    signal(SIGBUS, on_fault);
    signal(SIGABRT, on_fault);
#ifndef KASH_SANITIZED
    signal(SIGSEGV, on_fault);
#endif
    enum {
        O_READONLY = 256,
        O_BAIL,
        O_NO_BAIL,
        O_NO_INIT,
        O_VERSION,
        O_HELP,
        O_DRY_RUN,
        O_YES,
        O_SAFE
    };
    static const struct option longopts[] = {
        {"readonly", no_argument, NULL, O_READONLY}, {"bail", no_argument, NULL, O_BAIL},
        {"no-bail", no_argument, NULL, O_NO_BAIL},   {"no-init", no_argument, NULL, O_NO_INIT},
        {"version", no_argument, NULL, O_VERSION},   {"help", no_argument, NULL, O_HELP},
        {"dry-run", no_argument, NULL, O_DRY_RUN},   {"yes", no_argument, NULL, O_YES},
        {"safe", no_argument, NULL, O_SAFE},         {NULL, 0, NULL, 0},
    };
    action *acts = calloc((size_t)argc, sizeof *acts);
    char **defs = calloc((size_t)argc, sizeof *defs);
    int nacts = 0, ndefs = 0, bail = -1, mode = -1;
    bool stay = false, readonly = false, no_init = false, dry_run = false, yes = false;
    bool safe = false;
    int code = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:f:im:D:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
        case 'f': acts[nacts++] = (action){(char)c, optarg}; break;
        case 'i': stay = true; break;
        case 'm':
            if ((mode = render_mode_parse(optarg)) < 0) {
                fprintf(stderr,
                        "kash: unknown mode '%s' (table, csv, tsv, json, jsonl, markdown)\n",
                        optarg);
                code = 2;
                goto done;
            }
            break;
        case 'D': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg) {
                fprintf(stderr, "kash: -D wants NAME=VALUE, not '%s'\n", optarg);
                code = 2;
                goto done;
            }
            *eq = 0;
            bool ok = shell_var_name_ok(optarg);
            *eq = '=';
            if (!ok) {
                fprintf(stderr, "kash: -D %s: a variable name is letters, digits and _\n", optarg);
                code = 2;
                goto done;
            }
            defs[ndefs++] = optarg;
            break;
        }
        case O_READONLY: readonly = true; break;
        case O_BAIL: bail = 1; break;
        case O_NO_BAIL: bail = 0; break;
        case O_NO_INIT: no_init = true; break;
        case O_DRY_RUN: dry_run = true; break;
        case O_YES: yes = true; break;
        case O_SAFE: safe = no_init = true; break; /* scripts of unknown origin */
        case O_VERSION:
            printf("kash %s\n", KASH_VERSION);
            code = 0;
            goto done;
        case O_HELP:
            fputs(usage, stdout);
            code = 0;
            goto done;
        case ':':
            fprintf(stderr, "kash: option -%c needs an argument\n%s", optopt, usage);
            code = 2;
            goto done;
        default:
            if (optopt)
                fprintf(stderr, "kash: unknown option -%c\n", optopt);
            else
                fprintf(stderr, "kash: unknown option %s\n", argv[optind - 1]);
            fputs("Try 'kash --help'.\n", stderr);
            code = 2;
            goto done;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "kash: one database at a time (got '%s' and '%s')\n", argv[optind],
                argv[optind + 1]);
        code = 2;
        goto done;
    }
    const char *path = optind < argc ? argv[optind] : getenv("KASH_DB");
    if (!path || !*path) path = "kash.db";

    store *db;
    int rc = store_open(path, readonly ? STORE_RDONLY : 0, &db);
    if (rc) {
        fprintf(stderr, "kash: cannot open %s: %s\n", path, store_strerror(rc));
        code = 2;
        goto done;
    }
    shell sh;
    shell_init(&sh, db);
    sh.s.confirm = !yes;
    sh.s.dryrun = dry_run;
    /* the shell when nothing else is asked for and a person is typing */
    bool terminal = stay || (nacts == 0 && isatty(0));
    sh.bail = !terminal || nacts > 0; /* scripts bail by default, the shell goes on */
    define(&sh, defs, ndefs);
    sh.s.safe = safe;
    int ret = no_init ? 0 : shell_run_init(&sh);
    define(&sh, defs, ndefs);
    if (mode >= 0) sh.s.ro.mode = mode;
    if (bail >= 0) sh.bail = bail, sh.bail_set = true;

    bool stopped = ret != 0;
    for (int i = 0; i < nacts && !sh.quit && !stopped; i++) {
        int r = acts[i].kind == 'c' ? shell_run_text(&sh, acts[i].arg, strlen(acts[i].arg), NULL, 1)
                                    : shell_run_file(&sh, acts[i].arg);
        if (r > ret) ret = r;
        stopped = r && (sh.bail || r == 130 || r == 2);
    }
    if (!sh.quit && ret != 130 && ret != 2 && (stay || (nacts == 0 && !stopped))) {
        int r;
        if (terminal) {
            if (!sh.bail_set) sh.bail = false;
            r = shell_interactive(&sh);
        } else {
            r = shell_run_file(&sh, "-");
        }
        if (r > ret) ret = r;
    }
    if (ret == 0 && sh.failed) ret = 1;
    shell_free(&sh);
    store_close(db);
    code = ret;
done:
    free(acts);
    free(defs);
    return code;
}
