/* main.c: the kash command line (spec §1). Everything else is in libkash. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    "  --bail, --no-bail  stop, or go on, at the first failing statement\n"
    "  --no-init          skip ~/.kashrc\n"
    "  --version          print the version\n"
    "  --help             print this help\n"
    "\n"
    "Exit status: 0 success, 1 a statement failed, 2 usage error or the database\n"
    "cannot be opened, 130 interrupted.\n";

typedef struct action {
    char kind; /* 'c' or 'f' */
    const char *arg;
} action;

int main(int argc, char **argv)
{
    enum { O_READONLY = 256, O_BAIL, O_NO_BAIL, O_NO_INIT, O_VERSION, O_HELP, O_DRY_RUN, O_YES };
    static const struct option longopts[] = {
        {"readonly", no_argument, NULL, O_READONLY},
        {"bail", no_argument, NULL, O_BAIL},
        {"no-bail", no_argument, NULL, O_NO_BAIL},
        {"no-init", no_argument, NULL, O_NO_INIT},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, O_HELP},
        {"dry-run", no_argument, NULL, O_DRY_RUN},
        {"yes", no_argument, NULL, O_YES},
        {NULL, 0, NULL, 0},
    };
    action *acts = calloc((size_t)argc, sizeof *acts);
    const char **defs = calloc((size_t)argc, sizeof *defs);
    int nacts = 0, ndefs = 0, bail = -1, mode = -1;
    bool stay = false, readonly = false;
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
                return 2;
            }
            break;
        case 'D':
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "kash: -D wants NAME=VALUE, not '%s'\n", optarg);
                return 2;
            }
            defs[ndefs++] = optarg;
            break;
        case O_READONLY: readonly = true; break;
        case O_BAIL: bail = 1; break;
        case O_NO_BAIL: bail = 0; break;
        case O_NO_INIT: break; /* no init file is read yet */
        case O_DRY_RUN:
        case O_YES: break; /* no mutations yet */
        case O_VERSION: printf("kash %s\n", KASH_VERSION); return 0;
        case O_HELP: fputs(usage, stdout); return 0;
        case ':':
            fprintf(stderr, "kash: option -%c needs an argument\n%s", optopt, usage);
            return 2;
        default:
            if (optopt)
                fprintf(stderr, "kash: unknown option -%c\n", optopt);
            else
                fprintf(stderr, "kash: unknown option %s\n", argv[optind - 1]);
            fputs("Try 'kash --help'.\n", stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "kash: one database at a time (got '%s' and '%s')\n", argv[optind],
                argv[optind + 1]);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : getenv("KASH_DB");
    if (!path || !*path) path = "kash.db";

    store *db;
    int rc = store_open(path, readonly ? STORE_RDONLY : 0, &db);
    if (rc) {
        fprintf(stderr, "kash: cannot open %s: %s\n", path, store_strerror(rc));
        return 2;
    }
    shell sh;
    shell_init(&sh, db);
    if (mode >= 0) sh.s.ro.mode = mode;
    for (int i = 0; i < ndefs; i++) {
        char *eq = strchr(defs[i], '=');
        *eq = 0;
        shell_set_var(&sh, defs[i], eq + 1);
    }
    bool tty = isatty(0);
    sh.bail = bail != 0; /* scripts bail by default */
    int ret = 0;
    for (int i = 0; i < nacts && !sh.quit; i++) {
        int r = acts[i].kind == 'c' ? shell_run_text(&sh, acts[i].arg, strlen(acts[i].arg), NULL, 1)
                                    : shell_run_file(&sh, acts[i].arg);
        if (r > ret) ret = r;
        if (r && (sh.bail || r == 130 || r == 2)) break;
    }
    if ((nacts == 0 || stay) && !sh.quit && (ret == 0 || stay)) {
        if (tty) {
            sh.bail = bail == 1; /* the shell goes on after errors by default */
            int r = shell_interactive(&sh);
            if (nacts == 0) ret = r;
        } else if (nacts == 0) {
            ret = shell_run_file(&sh, "-");
        }
    }
    shell_free(&sh);
    store_close(db);
    free(acts);
    free(defs);
    return ret;
}
