/* shell.c: statements from text, dot-commands and the terminal loop; see shell.h. */
#include "shell.h"

#include <errno.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static const char *lookup_var(void *ctx, const char *name)
{
    shell *sh = ctx;
    for (int i = 0; i < sh->nvars; i++)
        if (strcmp(sh->vars[i].name, name) == 0) return sh->vars[i].value;
    return NULL;
}

void shell_init(shell *sh, store *db)
{
    memset(sh, 0, sizeof *sh);
    sh->s.db = db;
    sh->s.out = stdout;
    sh->s.ro = (render_opts){.mode = isatty(1) ? MODE_TABLE : MODE_CSV,
                             .headers = true,
                             .maxrows = 40,
                             .elide = isatty(1)};
    sh->s.po.vars = lookup_var;
    sh->s.po.vars_ctx = sh;
    sh->s.cancel = &interrupted;
    sh->bail = true;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void shell_free(shell *sh)
{
    for (int i = 0; i < sh->nvars; i++) {
        free(sh->vars[i].name);
        free(sh->vars[i].value);
    }
    free(sh->vars);
    free((char *)sh->s.ro.nullvalue);
}

void shell_set_var(shell *sh, const char *name, const char *text)
{
    for (int i = 0; i < sh->nvars; i++) {
        if (strcmp(sh->vars[i].name, name) == 0) {
            free(sh->vars[i].value);
            sh->vars[i].value = xstrdup(text);
            return;
        }
    }
    sh->vars = xrealloc(sh->vars, sizeof(shell_var) * (size_t)(sh->nvars + 1));
    sh->vars[sh->nvars].name = xstrdup(name);
    sh->vars[sh->nvars].value = xstrdup(text);
    sh->nvars++;
}

/* ---- dot-commands ---- */

static const char *const help_text =
    "Statements end with ';'. A query is a source and stages joined by '|':\n"
    "  accounts where tier = 1 | sort revenue desc | limit 10;\n"
    "  interactions where kind = \"order\" | group by account agg sum(amount) as total;\n"
    "  import accounts from \"accounts.csv\";\n"
    "Sources: accounts, managers, interactions, history.\n"
    "Stages: where, sort, limit, select, group by … agg, agg, count, export.\n"
    "Dot-commands:\n"
    "  .bail on|off          stop at the first error\n"
    "  .headers on|off       header row in csv, tsv, table and markdown\n"
    "  .help                 this text\n"
    "  .maxrows N            table rows shown on a terminal before eliding\n"
    "  .mode MODE            table, csv, tsv, json, jsonl or markdown\n"
    "  .nullvalue TEXT       how null is shown\n"
    "  .quit                 leave the shell\n"
    "  .read FILE            run a script\n"
    "  .schema [SOURCE]      fields of the sources\n"
    "  .set NAME VALUE       define $NAME\n"
    "See docs/language.md for the whole language.\n";

static bool on_off(const char *arg, bool *out)
{
    if (strcmp(arg, "on") == 0) return *out = true, true;
    if (strcmp(arg, "off") == 0) return *out = false, true;
    return false;
}

/* .schema [SOURCE]: one row per field. */
static int dot_schema(shell *sh, const char *arg)
{
    bool known = !*arg;
    for (int e = 0; e < ENT_NENTITIES; e++)
        known |= strcmp(arg, source_name(e)) == 0;
    if (!known) {
        fprintf(stderr, "error: unknown source '%s' (accounts, managers, interactions, history)\n",
                arg);
        return 1;
    }
    store_txn *t;
    int rc = store_begin(sh->s.db, false, &t);
    if (rc) {
        fprintf(stderr, "error: cannot read %s: %s\n", store_path(sh->s.db), store_strerror(rc));
        return 1;
    }
    static const char *const names[] = {"source", "field", "type", "kind"};
    renderer *r = render_begin(sh->s.out, &sh->s.ro, 4, names);
    for (int e = 0; e < ENT_NENTITIES; e++) {
        if (*arg && strcmp(arg, source_name(e)) != 0) continue;
        const schema *sc = store_schema(t, e);
        for (int i = 0; i < sc->n; i++) {
            const field_def *f = &sc->f[i];
            const char *kind = f->flags & FLD_KEY       ? "key"
                               : f->flags & FLD_DERIVED ? "derived"
                               : f->flags & FLD_CUSTOM  ? "custom"
                                                        : "built-in";
            const char *tn = vtype_name(f->type);
            value v[4] = {v_text(source_name(e), strlen(source_name(e))),
                          v_text(f->name, strlen(f->name)), v_text(tn, strlen(tn)),
                          v_text(kind, strlen(kind))};
            render_row(r, v);
        }
    }
    render_end(r);
    store_abort(t);
    return 0;
}

/* Runs one dot-command line (without its newline). Returns 0 or 1. */
static int dot_command(shell *sh, char *line)
{
    char *cmd = line + 1, *arg = cmd;
    while (*arg && *arg != ' ' && *arg != '\t')
        arg++;
    if (*arg) *arg++ = 0;
    while (*arg == ' ' || *arg == '\t')
        arg++;
    size_t n = strlen(arg);
    while (n && (arg[n - 1] == ' ' || arg[n - 1] == '\t' || arg[n - 1] == '\r'))
        arg[--n] = 0;

    if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0) {
        sh->quit = true;
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        fputs(help_text, sh->s.out);
        return 0;
    }
    if (strcmp(cmd, "mode") == 0) {
        int m = render_mode_parse(arg);
        if (m < 0) {
            fprintf(stderr, "error: unknown mode '%s' (table, csv, tsv, json, jsonl, markdown)\n",
                    arg);
            return 1;
        }
        sh->s.ro.mode = m;
        return 0;
    }
    if (strcmp(cmd, "headers") == 0 || strcmp(cmd, "bail") == 0) {
        bool *flag = cmd[0] == 'h' ? &sh->s.ro.headers : &sh->bail;
        if (!on_off(arg, flag)) {
            fprintf(stderr, "error: .%s takes on or off\n", cmd);
            return 1;
        }
        return 0;
    }
    if (strcmp(cmd, "nullvalue") == 0) {
        free((char *)sh->s.ro.nullvalue);
        sh->s.ro.nullvalue = xstrdup(arg);
        return 0;
    }
    if (strcmp(cmd, "maxrows") == 0) {
        char *end;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 0) {
            fprintf(stderr, "error: .maxrows takes a number of rows\n");
            return 1;
        }
        sh->s.ro.maxrows = (int)v;
        return 0;
    }
    if (strcmp(cmd, "schema") == 0) return dot_schema(sh, arg);
    if (strcmp(cmd, "set") == 0) {
        char *val = arg;
        while (*val && *val != ' ' && *val != '\t')
            val++;
        if (*val) *val++ = 0;
        while (*val == ' ' || *val == '\t')
            val++;
        if (!*arg) {
            fprintf(stderr, "error: .set takes a name and a value\n");
            return 1;
        }
        shell_set_var(sh, arg, val);
        return 0;
    }
    if (strcmp(cmd, "read") == 0) {
        if (!*arg) {
            fprintf(stderr, "error: .read takes a file name\n");
            return 1;
        }
        if (sh->depth >= 16) {
            fprintf(stderr, "error: .read nested too deeply (over 16 levels)\n");
            return 1;
        }
        sh->depth++;
        int rc = shell_run_file(sh, arg);
        sh->depth--;
        return rc;
    }
    fprintf(stderr, "error: unknown dot-command '.%s' (try .help)\n", cmd);
    return 1;
}

/* ---- running text ---- */

int shell_run_text(shell *sh, const char *text, size_t len, const char *file, int first_line)
{
    arena a;
    arena_init(&a);
    diag d;
    diag_src src = {text, len, file, first_line};
    size_t pos = 0;
    int ret = 0;
    while (pos < len && !sh->quit) {
        /* a line whose first non-blank character is '.' is a dot-command */
        size_t i = pos;
        for (;;) { /* blank space and -- comments */
            while (i < len &&
                   (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
                i++;
            if (i + 1 < len && text[i] == '-' && text[i + 1] == '-') {
                while (i < len && text[i] != '\n')
                    i++;
                continue;
            }
            break;
        }
        size_t bol = i;
        while (bol > 0 && text[bol - 1] != '\n')
            bol--;
        bool blank_before = true;
        for (size_t k = bol; k < i; k++)
            blank_before &= text[k] == ' ' || text[k] == '\t';
        if (i < len && text[i] == '.' && blank_before) {
            size_t eol = i;
            while (eol < len && text[eol] != '\n')
                eol++;
            char *line = arena_strndup(&a, text + i, eol - i);
            int rc = dot_command(sh, line);
            fflush(sh->s.out);
            pos = eol;
            arena_reset(&a);
            if (rc) {
                sh->failed = true;
                ret = 1;
                if (sh->bail) break;
            }
            continue;
        }
        diag_clear(&d);
        stmt *st;
        interrupted = 0;
        int k = parse_statement(&a, text, len, &pos, &sh->s.po, &st, &d);
        if (k == 0) break;
        if (k > 0) exec_stmt(&sh->s, st, text, &a, &d);
        fflush(sh->s.out);
        if (d.code != DIAG_OK) {
            diag_print(stderr, &d, &src);
            sh->failed = true;
            ret = d.code == DIAG_INTERRUPT ? 130 : 1;
            if (sh->bail || d.code == DIAG_INTERRUPT) {
                arena_reset(&a);
                break;
            }
        }
        arena_reset(&a);
    }
    arena_free(&a);
    return ret;
}

/* Reads all of F into a malloc'd buffer. Returns NULL with errno set on failure. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        errno = e;
        return NULL;
    }
    *len = n;
    return buf;
}

int shell_run_file(shell *sh, const char *path)
{
    bool std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    size_t len;
    char *text = slurp(f, &len);
    int e = errno;
    if (!std) fclose(f);
    if (!text) {
        fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(e));
        return 2;
    }
    int rc = shell_run_text(sh, text, len, std ? "stdin" : path, 1);
    free(text);
    return rc;
}

int shell_interactive(shell *sh)
{
    char *buf = NULL;
    size_t len = 0;
    sh->s.interactive = true;
    while (!sh->quit) {
        char *line = readline(len ? "  ...> " : "kash> ");
        if (!line) {
            if (len) putchar('\n');
            break;
        }
        size_t ln = strlen(line);
        buf = xrealloc(buf, len + ln + 2);
        memcpy(buf + len, line, ln);
        len += ln;
        buf[len++] = '\n';
        buf[len] = 0;
        free(line);
        if (!parse_is_complete(buf, len)) continue;
        char *entry = xmalloc(len);
        memcpy(entry, buf, len - 1);
        entry[len - 1] = 0;
        if (*entry) add_history(entry);
        free(entry);
        shell_run_text(sh, buf, len, NULL, 1);
        len = 0;
    }
    free(buf);
    return sh->failed ? 1 : 0;
}
