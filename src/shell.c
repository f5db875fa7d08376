/* shell.c: statements from text and streams, dot-commands, and the terminal
 * loop with readline, history, completion, Ctrl-C and progress; see shell.h. */
#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "complete.h"
#include "parse.h"

enum {
    READ_DEPTH_MAX = 16, /* .read nesting */
    HISTORY_MAX = 2000,  /* entries kept in ~/.kash_history */
};
#define PROGRESS_AFTER 1.0 /* seconds before a statement shows progress */

/* ---- signals ---- */

static volatile sig_atomic_t interrupted; /* Ctrl-C; the session's cancel flag */
static volatile sig_atomic_t resized;     /* SIGWINCH, for readline */
static volatile sig_atomic_t running;     /* a statement is running */
static volatile sig_atomic_t at_terminal; /* the interactive shell is on */

/* Ctrl-C asks the running statement to stop. In a script, between statements
 * (waiting for input, say) it ends kash at once with 130; so does a second
 * Ctrl-C while a statement has not yet stopped (LMDB keeps the file whole,
 * and results are flushed after each statement). */
static void on_sigint(int sig)
{
    (void)sig;
    if (running ? interrupted : !at_terminal) {
        static const char msg[] = "\nerror: interrupted\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(130);
    }
    interrupted = 1;
}

static void on_sigwinch(int sig)
{
    (void)sig;
    resized = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- variables ---- */

static const char *lookup_var(void *ctx, const char *name)
{
    shell *sh = ctx;
    for (int i = 0; i < sh->nvars; i++)
        if (strcmp(sh->vars[i].name, name) == 0) return sh->vars[i].value;
    return NULL;
}

bool shell_var_name_ok(const char *name)
{
    if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') || *name == '_'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

int shell_set_var(shell *sh, const char *name, const char *text)
{
    if (!shell_var_name_ok(name)) return -1;
    for (int i = 0; i < sh->nvars; i++) {
        if (strcmp(sh->vars[i].name, name) == 0) {
            free(sh->vars[i].value);
            sh->vars[i].value = xstrdup(text);
            return 0;
        }
    }
    sh->vars = xrealloc(sh->vars, sizeof(shell_var) * (size_t)(sh->nvars + 1));
    sh->vars[sh->nvars].name = xstrdup(name);
    sh->vars[sh->nvars].value = xstrdup(text);
    sh->nvars++;
    return 0;
}

/* ---- the screen and progress ---- */

static void progress_clear(shell *sh)
{
    if (sh->drawn_at > 0) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        sh->drawn_at = 0;
    }
}

/* Writes to standard output through a stream that first wipes the progress
 * line, and notes that output has begun (progress then stays away). */
static ssize_t screen_write(void *ctx, const char *buf, size_t n)
{
    shell *sh = ctx;
    progress_clear(sh);
    sh->output_started = true;
    size_t k = fwrite(buf, 1, n, stdout);
    fflush(stdout);
    return k == 0 && n ? -1 : (ssize_t)k;
}

static void thousands(char *out, size_t cap, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), k = 0;
    for (int i = 0; i < n && (size_t)k + 2 < cap; i++) {
        if (i && (n - i) % 3 == 0) out[k++] = ',';
        out[k++] = tmp[i];
    }
    out[k] = 0;
}

/* The session's progress callback: after PROGRESS_AFTER seconds, a line on
 * standard error (a terminal) with rows, rate and percent, redrawn at most
 * ten times a second, as long as the statement has written nothing to it. */
static void on_progress(session *s, uint64_t rows, uint64_t done, uint64_t total)
{
    shell *sh = (shell *)s; /* the session is the shell's first member */
    if (!sh->progress_ok || sh->output_started) return;
    double t = now_seconds(), el = t - sh->t0;
    if (el < PROGRESS_AFTER || t - sh->drawn_at < 0.1) return;
    char r[32], rate[32], pct[16] = "";
    thousands(r, sizeof r, rows);
    thousands(rate, sizeof rate, (uint64_t)((double)rows / el));
    if (total > 0) {
        double p = 100.0 * (double)done / (double)total;
        snprintf(pct, sizeof pct, ", %d%%", p > 99 ? 99 : (int)p);
    }
    fprintf(stderr, "\r%s rows, %s rows/s%s (Ctrl-C cancels)\033[K", r, rate, pct);
    fflush(stderr);
    sh->drawn_at = t;
}

/* Sends results to F (NULL: the screen). PIPE: F came from popen(). */
static void set_output(shell *sh, FILE *f, const char *name, bool pipe, bool once)
{
    fflush(sh->s.out);
    if (sh->redirect) {
        if (sh->redirect_pipe) {
            pclose(sh->redirect);
            signal(SIGPIPE, SIG_DFL);
        } else {
            fclose(sh->redirect);
        }
    }
    free(sh->redirect_name);
    sh->redirect = f;
    sh->redirect_name = f ? xstrdup(name) : NULL;
    sh->redirect_pipe = pipe;
    sh->once = f && once;
    if (pipe) signal(SIGPIPE, SIG_IGN); /* a pager that quits early is no error */
    sh->s.out = f ? f : sh->screen ? sh->screen : stdout;
    sh->s.ro.elide = !f && isatty(1);
}

/* After a result: .once is over. */
static void result_done(shell *sh)
{
    fflush(sh->s.out);
    if (sh->once) set_output(sh, NULL, NULL, false, false);
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
    sh->s.confirm = true;
    sh->s.progress = on_progress;
    sh->bail = true;
    sh->progress_ok = isatty(2) && !getenv("KASH_NO_PROGRESS");
    if (sh->progress_ok && isatty(1)) {
        cookie_io_functions_t io = {.write = screen_write};
        sh->screen = fopencookie(sh, "w", io);
        if (sh->screen) {
            setvbuf(sh->screen, NULL, _IOLBF, 1 << 16); /* as a terminal is */
            sh->s.out = sh->screen;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void shell_free(shell *sh)
{
    if (sh->redirect) set_output(sh, NULL, NULL, false, false);
    if (sh->screen) {
        fclose(sh->screen);
        sh->screen = NULL;
    }
    for (int i = 0; i < sh->nvars; i++) {
        free(sh->vars[i].name);
        free(sh->vars[i].value);
    }
    free(sh->vars);
    free((char *)sh->s.ro.nullvalue);
}

/* ---- dot-commands ---- */

/* One dot-command line of the source text. */
typedef struct dotline {
    const char *text;    /* the whole source, for error positions */
    size_t cmd, cmd_end; /* the command word, '.' included */
    size_t arg, arg_end; /* the argument, trimmed */
    char *name;          /* the command without '.' (arena) */
    char *args;          /* the argument, trimmed (arena) */
    char *raw;           /* everything after the first blank, untrimmed (arena) */
    diag *d;
    arena *a;
} dotline;

static int dot_error(dotline *l, size_t off, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int dot_error(dotline *l, size_t off, size_t len, const char *fmt, ...)
{
    char msg[sizeof l->d->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return diag_set(l->d, DIAG_SEMANTIC, off, len, "%s", msg);
}

/* An error about the argument (or the command, when there is none). */
static int arg_error(dotline *l, const char *msg)
{
    if (l->arg < l->arg_end) return dot_error(l, l->arg, l->arg_end - l->arg, "%s", msg);
    return dot_error(l, l->cmd, l->cmd_end - l->cmd, "%s", msg);
}

/* The argument as a file name: "quotes" or 'quotes' come off. */
static char *file_arg(dotline *l)
{
    char *s = l->args;
    size_t n = strlen(s);
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s[n - 1] = 0;
        return s + 1;
    }
    return s;
}

static int on_off(shell *sh, dotline *l, bool *flag)
{
    if (!*l->args) {
        fprintf(sh->s.out, ".%s %s\n", l->name, *flag ? "on" : "off");
        return 0;
    }
    if (strcmp(l->args, "on") == 0) return *flag = true, 0;
    if (strcmp(l->args, "off") == 0) return *flag = false, 0;
    char msg[128];
    snprintf(msg, sizeof msg, ".%s takes on or off", l->name);
    return arg_error(l, msg);
}

static int dot_bail(shell *sh, dotline *l)
{
    int rc = on_off(sh, l, &sh->bail);
    if (rc == 0 && *l->args) sh->bail_set = true;
    return rc;
}

static int dot_confirm(shell *sh, dotline *l)
{
    return on_off(sh, l, &sh->s.confirm);
}

static int dot_dryrun(shell *sh, dotline *l)
{
    return on_off(sh, l, &sh->s.dryrun);
}

static int dot_headers(shell *sh, dotline *l)
{
    return on_off(sh, l, &sh->s.ro.headers);
}

static int dot_timer(shell *sh, dotline *l)
{
    return on_off(sh, l, &sh->timer);
}

static int dot_mode(shell *sh, dotline *l)
{
    if (!*l->args) {
        fprintf(sh->s.out, ".mode %s\n", render_mode_name(sh->s.ro.mode));
        return 0;
    }
    int m = render_mode_parse(l->args);
    if (m < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown mode '%.100s' (table, csv, tsv, json, jsonl, markdown)",
                 l->args);
        return arg_error(l, msg);
    }
    sh->s.ro.mode = m;
    return 0;
}

static int dot_maxrows(shell *sh, dotline *l)
{
    if (!*l->args) {
        fprintf(sh->s.out, ".maxrows %d\n", sh->s.ro.maxrows);
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(l->args, &end, 10);
    if (*end || v < 0 || v > 1000000000 || errno)
        return arg_error(l, ".maxrows takes a number of rows (0 = show all)");
    sh->s.ro.maxrows = (int)v;
    return 0;
}

static int dot_nullvalue(shell *sh, dotline *l)
{
    free((char *)sh->s.ro.nullvalue);
    sh->s.ro.nullvalue = xstrdup(l->args);
    return 0;
}

static int dot_quit(shell *sh, dotline *l)
{
    (void)l;
    sh->quit = true;
    return 0;
}

static int dot_output(shell *sh, dotline *l)
{
    bool once = l->name[0] == 'o' && l->name[1] == 'n';
    if (!*l->args) {
        if (once) return arg_error(l, ".once takes a file name (or |COMMAND)");
        set_output(sh, NULL, NULL, false, false);
        return 0;
    }
    char *name = file_arg(l);
    fflush(sh->s.out);
    if (name[0] == '|') {
        const char *cmd = name + 1;
        while (*cmd == ' ')
            cmd++;
        FILE *p = *cmd ? popen(cmd, "w") : NULL;
        if (!p) return arg_error(l, *cmd ? "cannot start the command" : "no command after '|'");
        set_output(sh, p, name, true, once);
        return 0;
    }
    FILE *f = fopen(name, "w");
    if (!f) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot write %.300s: %s", name, strerror(errno));
        return arg_error(l, msg);
    }
    set_output(sh, f, name, false, once);
    return 0;
}

static int dot_read(shell *sh, dotline *l)
{
    char *name = file_arg(l);
    if (!*name) return arg_error(l, ".read takes a file name");
    if (sh->depth >= READ_DEPTH_MAX) {
        char msg[128];
        snprintf(msg, sizeof msg, ".read nested too deeply (over %d levels)", READ_DEPTH_MAX);
        return arg_error(l, msg);
    }
    FILE *f = strcmp(name, "-") == 0 ? NULL : fopen(name, "rb");
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        f = NULL;
        errno = EISDIR;
    }
    if (!f) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot open %.300s: %s", name,
                 strcmp(name, "-") == 0 ? "standard input cannot be read here" : strerror(errno));
        return arg_error(l, msg);
    }
    fclose(f);
    sh->depth++;
    int rc = shell_run_file(sh, name);
    sh->depth--;
    return rc == 2 ? 1 : rc;
}

/* .schema [SOURCE]: one row per field. */
static int dot_schema(shell *sh, dotline *l)
{
    const char *arg = l->args;
    bool known = !*arg;
    for (int e = 0; e < ENT_NENTITIES; e++)
        known |= strcmp(arg, source_name(e)) == 0;
    if (!known) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "unknown source '%.100s' (accounts, managers, interactions, history)", arg);
        return arg_error(l, msg);
    }
    store_txn *t;
    int rc = store_begin(sh->s.db, false, &t);
    if (rc)
        return diag_setf(l->d, DIAG_IO, "cannot read %s: %s", store_path(sh->s.db),
                         store_strerror(rc));
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
    result_done(sh);
    return 0;
}

/* .stats: the database file and the size of each source. */
static int dot_stats(shell *sh, dotline *l)
{
    store_txn *t;
    int rc = store_begin(sh->s.db, false, &t);
    if (rc)
        return diag_setf(l->d, DIAG_IO, "cannot read %s: %s", store_path(sh->s.db),
                         store_strerror(rc));
    static const char *const names[] = {"stat", "value"};
    renderer *r = render_begin(sh->s.out, &sh->s.ro, 2, names);
    char buf[64];
    struct stat st;
    int custom = 0;
    for (int e = 0; e < ENT_NENTITIES; e++) {
        const schema *sc = store_schema(t, e);
        for (int i = 0; i < sc->n; i++)
            custom += (sc->f[i].flags & FLD_CUSTOM) != 0;
    }
#define ROW(k, s)                                                                                  \
    do {                                                                                           \
        const char *v_ = (s);                                                                      \
        value v[2] = {v_text(k, strlen(k)), v_text(v_, strlen(v_))};                               \
        render_row(r, v);                                                                          \
    } while (0)
    ROW("database", store_path(sh->s.db));
    snprintf(buf, sizeof buf, "%lld",
             stat(store_path(sh->s.db), &st) == 0 ? (long long)st.st_size : 0LL);
    ROW("file_bytes", buf);
    ROW("read_only", store_readonly(sh->s.db) ? "true" : "false");
    for (int e = 0; e < ENT_NENTITIES; e++) {
        snprintf(buf, sizeof buf, "%zu", store_count(t, e));
        ROW(source_name(e), buf);
    }
    snprintf(buf, sizeof buf, "%d", custom);
    ROW("custom_fields", buf);
#undef ROW
    render_end(r);
    store_abort(t);
    result_done(sh);
    return 0;
}

static int dot_set(shell *sh, dotline *l)
{
    if (!*l->args) { /* the variables */
        static const char *const names[] = {"name", "value"};
        renderer *r = render_begin(sh->s.out, &sh->s.ro, 2, names);
        for (int i = 0; i < sh->nvars; i++) {
            value v[2] = {v_text(sh->vars[i].name, strlen(sh->vars[i].name)),
                          v_text(sh->vars[i].value, strlen(sh->vars[i].value))};
            render_row(r, v);
        }
        render_end(r);
        result_done(sh);
        return 0;
    }
    char *name = l->args, *val = name;
    while (*val && *val != ' ' && *val != '\t')
        val++;
    size_t nlen = (size_t)(val - name);
    if (*val) *val++ = 0;
    while (*val == ' ' || *val == '\t')
        val++;
    if (!shell_var_name_ok(name))
        return dot_error(l, l->arg, nlen, "'%.100s' cannot name a variable (letters, digits, _)",
                         name);
    if (!*val) return arg_error(l, ".set takes a name and a value: .set NAME VALUE");
    shell_set_var(sh, name, val);
    return 0;
}

static int dot_show(shell *sh, dotline *l)
{
    (void)l;
    FILE *o = sh->s.out;
    fprintf(o, ".bail %s\n", sh->bail ? "on" : "off");
    fprintf(o, ".confirm %s\n", sh->s.confirm ? "on" : "off");
    fprintf(o, ".dryrun %s\n", sh->s.dryrun ? "on" : "off");
    fprintf(o, ".headers %s\n", sh->s.ro.headers ? "on" : "off");
    fprintf(o, ".maxrows %d\n", sh->s.ro.maxrows);
    fprintf(o, ".mode %s\n", render_mode_name(sh->s.ro.mode));
    const char *nv = sh->s.ro.nullvalue ? sh->s.ro.nullvalue : "";
    fprintf(o, ".nullvalue%s%s\n", *nv ? " " : "", nv);
    if (sh->redirect)
        fprintf(o, ".%s %s\n", sh->once ? "once" : "output", sh->redirect_name);
    else
        fprintf(o, ".output\n");
    fprintf(o, ".timer %s\n", sh->timer ? "on" : "off");
    for (int i = 0; i < sh->nvars; i++)
        fprintf(o, ".set %s %s\n", sh->vars[i].name, sh->vars[i].value);
    return 0;
}

static int dot_target(shell *sh, dotline *l)
{
    char err[512];
    if (kpi_target_command(sh->s.db, sh->s.out, &sh->s.ro, l->args, err, sizeof err))
        return arg_error(l, err);
    result_done(sh);
    return 0;
}

/* .complete TEXT: what Tab would offer at the end of TEXT, one per line. */
static int dot_complete(shell *sh, dotline *l)
{
    const char **names = xmalloc(sizeof(char *) * (size_t)(sh->nvars + 1));
    for (int i = 0; i < sh->nvars; i++)
        names[i] = sh->vars[i].name;
    complete_env env = {.db = sh->s.db, .vars = names, .nvars = sh->nvars};
    size_t len = strlen(l->raw);
    int quote;
    size_t word = complete_word_start(l->raw, len, &quote);
    char **list;
    int n = complete_words(&env, l->raw, len, word, quote, &list);
    for (int i = 0; i < n; i++)
        fprintf(sh->s.out, "%s\n", list[i]);
    complete_free(list);
    free(names);
    result_done(sh);
    return 0;
}

static int dot_help(shell *sh, dotline *l);

typedef struct dotcmd {
    const char *name;
    int (*run)(shell *sh, dotline *l);
    const char *usage; /* for .help */
    const char *brief;
    const char *more; /* for .help NAME; may be NULL */
} dotcmd;

static const dotcmd dotcmds[] = {
    {"bail", dot_bail, ".bail on|off", "stop at the first failing statement, or go on",
     "Default: on for -c, -f and piped input, off in the interactive shell.\n"
     "With it on, the interactive shell exits at the first failure.\n"},
    {"complete", dot_complete, ".complete TEXT", "what Tab would offer at the end of TEXT",
     "Prints the completions, one a line, as the shell offers them on Tab after TEXT\n"
     "(a space at the end of TEXT starts a new word).\n"},
    {"confirm", dot_confirm, ".confirm on|off",
     "ask before a mutation changes more than one account",
     "Default: on (--yes turns it off). Only the interactive shell asks.\n"},
    {"dryrun", dot_dryrun, ".dryrun on|off", "mutations print their preview and change nothing",
     NULL},
    {"exit", dot_quit, ".exit", "leave the shell (as .quit)", NULL},
    {"headers", dot_headers, ".headers on|off", "header row in csv, tsv, table and markdown", NULL},
    {"help", dot_help, ".help [TOPIC]", "this text, or more on a TOPIC",
     "Topics: keys, sources, stages, functions, variables, scripts, and each dot-command\n"
     "(.help mode).\n"},
    {"maxrows", dot_maxrows, ".maxrows N",
     "table rows shown on a terminal before eliding (0 = all)",
     "A table of more rows shows its first and last rows around an elision row, and\n"
     "a footer 'N rows (M shown)'. Only on a terminal: files and pipes get every row.\n"},
    {"mode", dot_mode, ".mode [MODE]", "table, csv, tsv, json, jsonl or markdown",
     "Default: table on a terminal, csv otherwise (-m MODE on the command line).\n"},
    {"nullvalue", dot_nullvalue, ".nullvalue TEXT", "how null is shown (default: nothing)", NULL},
    {"once", dot_output, ".once FILE", "the next result to FILE ('|CMD': a command)",
     "The statement after it writes to FILE (created or emptied); then results go\n"
     "back where they went. '.once |less -S' pages one result.\n"},
    {"output", dot_output, ".output [FILE]",
     "results to FILE ('|CMD': a command); alone: the screen", NULL},
    {"quit", dot_quit, ".quit", "leave the shell", NULL},
    {"read", dot_read, ".read FILE", "run a script (nested up to 16 deep)",
     "FILE is relative to the current directory. Its errors name FILE:LINE:COLUMN.\n"},
    {"schema", dot_schema, ".schema [SOURCE]", "fields of the sources, custom fields included",
     NULL},
    {"set", dot_set, ".set [NAME VALUE]", "define $NAME, or list the variables",
     "VALUE is the rest of the line, read as a literal where $NAME is used:\n"
     "  .set who m07            accounts where manager = $who;\n"
     "  .set since 2024-01-01   interactions where at >= $since | count;\n"
     "-D NAME=VALUE on the command line does the same.\n"},
    {"show", dot_show, ".show", "the current settings, as the commands that set them", NULL},
    {"stats", dot_stats, ".stats", "the database file and the size of each source", NULL},
    {"target", dot_target, ".target KPI VALUE",
     "store a KPI target for the report (.target alone lists them)", NULL},
    {"timer", dot_timer, ".timer on|off", "print how long each statement took", NULL},
};
enum { NDOTCMDS = sizeof dotcmds / sizeof dotcmds[0] };

static const char *const help_text =
    "Statements end with ';'. A query is a source and stages joined by '|':\n"
    "  accounts where tier = 1 | sort revenue desc | limit 10;\n"
    "  interactions where kind = \"order\" | group by account agg sum(amount) as total;\n"
    "  import accounts from \"accounts.csv\";\n"
    "Sources: accounts, managers, interactions, history.\n"
    "Stages: where, sort, limit, select, group by … agg, agg, count, export, rfm, retention,\n"
    "kpi, report; set, retier, assign change accounts.\n"
    "Dot-commands (one line each, no ';'):\n";

static const struct {
    const char *name, *text;
} help_topics[] = {
    {"keys", "Keys in the interactive shell (GNU readline; ~/.inputrc is read):\n"
             "  Tab           complete keywords, sources, stages, fields, manager ids, files\n"
             "  Up, Down      history (~/.kash_history; a multi-line statement is one entry)\n"
             "  Ctrl-R        search the history\n"
             "  Ctrl-C        cancel the running statement, or clear the line\n"
             "  Ctrl-D        leave (on an empty line)\n"
             "A statement runs when its ';' is typed; until then the prompt is '  ...> '.\n"},
    {"sources", "Sources: accounts, managers, interactions and history (read-only).\n"
                "Paths: account.FIELD from an interaction, manager.FIELD from an account.\n"
                ".schema [SOURCE] lists the fields, custom fields included.\n"},
    {"stages", "Stages, joined by '|':\n"
               "  where EXPR                     keep the rows where EXPR is true\n"
               "  sort KEY [asc|desc], ...       order\n"
               "  limit N [offset M]             the first N rows\n"
               "  select EXPR [as NAME], ...     new columns\n"
               "  group by KEY, ... [agg AGG [as NAME], ...]\n"
               "  agg AGG [as NAME], ...         one row of aggregates\n"
               "  count                          the number of rows\n"
               "  export \"FILE\"                  write FILE (.csv .tsv .json .jsonl)\n"
               "  rfm over PERIOD                add r, f, m and rfm (RFM scores 1-5) to accounts\n"
               "  retention by month ...         cohort retention (docs/metrics.md)\n"
               "  kpi KPI, ... over PERIOD       KPIs; report for PERIOD: the report\n"
               "  set, retier, assign            change accounts (docs/mutations.md)\n"},
    {"functions",
     "Functions: lower upper len trim substr replace coalesce nullif if greatest least\n"
     "round abs floor ceil sqrt power exp ln num text date year month quarter week day\n"
     "days_between age, and case when ... then ... else ... end. a || b joins text;\n"
     "x like \"a%\" / ilike match SQL patterns, x ~ /re/i a regex.\n"
     "Aggregates: count() count(x) count(distinct x) count_distinct sum avg min max\n"
     "median percentile(x, p).\n"},
    {"variables", "$NAME is replaced by the literal given with -D NAME=VALUE or .set NAME VALUE:\n"
                  "  kash -D manager=m07 -f weekly.kash      accounts where manager = $manager;\n"
                  "Using an undefined variable is an error that names it.\n"},
    {"scripts", "kash -f FILE (repeatable; '-' = standard input), or statements piped in.\n"
                "Scripts stop at the first error (--no-bail or .bail off goes on), report it as\n"
                "FILE:LINE:COLUMN, and exit 0 (all succeeded), 1 (a statement failed), 2 (usage\n"
                "error or unusable database) or 130 (Ctrl-C). ~/.kashrc runs first (--no-init).\n"},
};

static int dot_help(shell *sh, dotline *l)
{
    FILE *o = sh->s.out;
    const char *topic = l->args[0] == '.' ? l->args + 1 : l->args;
    if (!*topic) {
        fputs(help_text, o);
        for (int i = 0; i < NDOTCMDS; i++)
            if (strcmp(dotcmds[i].name, "exit") != 0)
                fprintf(o, "  %-20s %s\n", dotcmds[i].usage, dotcmds[i].brief);
        fputs("More: .help TOPIC (keys, sources, stages, functions, variables, scripts, or a\n"
              "dot-command); docs/shell.md and docs/language.md.\n",
              o);
        return 0;
    }
    for (size_t i = 0; i < sizeof help_topics / sizeof help_topics[0]; i++) {
        if (strcmp(topic, help_topics[i].name) == 0) {
            fputs(help_topics[i].text, o);
            return 0;
        }
    }
    for (int i = 0; i < NDOTCMDS; i++) {
        if (strcmp(topic, dotcmds[i].name) == 0) {
            fprintf(o, "%s\n  %s\n", dotcmds[i].usage, dotcmds[i].brief);
            if (dotcmds[i].more) fputs(dotcmds[i].more, o);
            return 0;
        }
    }
    char msg[256];
    snprintf(msg, sizeof msg,
             "no help on '%.100s' (topics: keys, sources, stages, functions, variables, "
             "scripts, or a dot-command)",
             l->args);
    return arg_error(l, msg);
}

/* Runs the dot-command on TEXT[AT..EOL). Returns 0, -1 with D set, or the
 * status of a nested .read (already reported). */
static int dot_command(shell *sh, const char *text, size_t at, size_t eol, arena *a, diag *d)
{
    dotline l = {.text = text, .cmd = at, .d = d, .a = a};
    size_t e = at + 1;
    while (e < eol && text[e] != ' ' && text[e] != '\t' && text[e] != '\r')
        e++;
    l.cmd_end = e;
    l.name = arena_strndup(a, text + at + 1, e - at - 1);
    size_t raw = e < eol ? e + 1 : e, end = eol;
    if (end > raw && text[end - 1] == '\r') end--;
    l.raw = arena_strndup(a, text + raw, end - raw);
    size_t b = e;
    while (b < end && (text[b] == ' ' || text[b] == '\t'))
        b++;
    while (end > b && (text[end - 1] == ' ' || text[end - 1] == '\t'))
        end--;
    l.arg = b;
    l.arg_end = end;
    l.args = arena_strndup(a, text + b, end - b);
    bool files =
        strcmp(l.name, "read") == 0 || strcmp(l.name, "output") == 0 || strcmp(l.name, "once") == 0;
    if (files && sh->s.safe)
        return dot_error(&l, at, e - at, ".%s is not allowed in --safe mode", l.name);
    for (int i = 0; i < NDOTCMDS; i++)
        if (strcmp(l.name, dotcmds[i].name) == 0) return dotcmds[i].run(sh, &l);
    return dot_error(&l, at, e - at, "unknown dot-command '.%.100s' (try .help)", l.name);
}

/* ---- running text ---- */

/* Skips blank space and -- comments from I. */
static size_t skip_blank(const char *text, size_t len, size_t i)
{
    for (;;) {
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                           text[i] == '\n' || text[i] == '\f' || text[i] == '\v'))
            i++;
        if (i + 1 < len && text[i] == '-' && text[i + 1] == '-') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        return i;
    }
}

/* Runs one parsed statement: timer, progress and .once around exec_stmt(). */
static int run_stmt(shell *sh, const stmt *st, const char *text, arena *a, diag *d)
{
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    sh->t0 = now_seconds();
    sh->drawn_at = 0;
    sh->output_started = false;
    running = 1;
    int rc = exec_stmt(&sh->s, st, text, a, d);
    running = 0;
    progress_clear(sh);
    fflush(sh->s.out);
    if (sh->timer) {
        getrusage(RUSAGE_SELF, &r1);
        double real = now_seconds() - sh->t0;
        double user = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                      (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6;
        double sys = (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                     (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
        if (getenv("KASH_TEST")) real = user = sys = 0; /* golden tests */
        fprintf(stderr, "Run Time: real %.3f user %.3f sys %.3f\n", real, user, sys);
    }
    result_done(sh);
    return rc;
}

/* Whether a statement that ended with RC stops the script: Ctrl-C always,
 * a failure under .bail on (but not in ~/.kashrc). */
static bool stops(const shell *sh, int rc)
{
    return rc == 130 || (rc && sh->bail && !sh->in_init);
}

/* Runs the statements and dot-commands of TEXT from *POS. Unless AT_END, stops
 * before a statement whose ';' has not arrived yet (or a dot-command whose
 * line has not ended), leaving *POS there. Returns 0, 1 or 130. */
static int run_text(shell *sh, const char *text, size_t len, size_t *posp, const char *file,
                    int first_line, bool at_end)
{
    arena a;
    arena_init(&a);
    diag d;
    diag_src src = {text, len, file, first_line};
    size_t pos = *posp;
    int ret = 0;
    while (!sh->quit) {
        size_t i = skip_blank(text, len, pos);
        if (i >= len) {
            if (at_end) pos = len;
            break;
        }
        if (interrupted) { /* Ctrl-C between statements: the rest is not run */
            fprintf(stderr, "error: interrupted\n");
            ret = 130;
            break;
        }
        size_t bol = i;
        while (bol > 0 && (text[bol - 1] == ' ' || text[bol - 1] == '\t'))
            bol--;
        diag_clear(&d);
        if (text[i] == '.' && (bol == 0 || text[bol - 1] == '\n')) {
            size_t eol = i;
            while (eol < len && text[eol] != '\n')
                eol++;
            if (eol == len && !at_end) break;
            int rc = dot_command(sh, text, i, eol, &a, &d);
            fflush(sh->s.out);
            pos = eol;
            arena_reset(&a);
            if (rc < 0) {
                if (!file) d.located = false; /* the line is the one just typed */
                diag_print(stderr, &d, &src);
                rc = 1;
            }
            if (rc) {
                sh->failed = true;
                if (rc > ret) ret = rc;
                if (stops(sh, rc)) break;
            }
            continue;
        }
        if (!at_end && !parse_is_complete(text + i, len - i)) break;
        stmt *st;
        int k = parse_statement(&a, text, len, &pos, &sh->s.po, &st, &d);
        if (k == 0) break;
        if (k > 0) run_stmt(sh, st, text, &a, &d);
        fflush(sh->s.out);
        arena_reset(&a);
        if (d.code != DIAG_OK) {
            diag_print(stderr, &d, &src);
            sh->failed = true;
            int rc = d.code == DIAG_INTERRUPT ? 130 : 1;
            if (rc > ret) ret = rc;
            if (stops(sh, rc)) break;
        }
    }
    arena_free(&a);
    *posp = pos;
    return ret;
}

int shell_run_text(shell *sh, const char *text, size_t len, const char *file, int first_line)
{
    size_t pos = 0;
    return run_text(sh, text, len, &pos, file, first_line, true);
}

/* A growing buffer of the lines not yet run, starting at a line start. */
typedef struct pending {
    char *buf;
    size_t len, cap;
    size_t pos;     /* where the statements not yet run begin */
    int first_line; /* line number of buf[0] */
} pending;

static void pending_add(pending *p, const char *s, size_t n)
{
    if (p->len + n + 1 > p->cap) {
        while (p->len + n + 1 > p->cap)
            p->cap = p->cap ? p->cap * 2 : 4096;
        p->buf = xrealloc(p->buf, p->cap);
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = 0;
}

/* Drops the lines before the one holding pos. */
static void pending_trim(pending *p)
{
    size_t bol = p->pos;
    while (bol > 0 && p->buf[bol - 1] != '\n')
        bol--;
    for (size_t i = 0; i < bol; i++)
        p->first_line += p->buf[i] == '\n';
    memmove(p->buf, p->buf + bol, p->len - bol);
    p->len -= bol;
    p->pos -= bol;
    if (p->buf) p->buf[p->len] = 0;
}

static bool pending_blank(const pending *p)
{
    return skip_blank(p->buf, p->len, p->pos) >= p->len;
}

/* Runs the script read from F line by line; NAME names it in messages. */
static int run_stream(shell *sh, FILE *f, const char *name)
{
    pending p = {.first_line = 1};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int ret = 0;
    bool stop = false, first = true;
    while (!stop && !sh->quit) {
        errno = 0;
        n = getline(&line, &cap, f);
        if (n < 0) {
            if (ferror(f) && !interrupted) {
                fprintf(stderr, "error: cannot read %s: %s\n", name, strerror(errno));
                ret = 2;
                stop = true;
            }
            break;
        }
        const char *s = line;
        if (first && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3; /* BOM */
        first = false;
        pending_add(&p, s, (size_t)n);
        if (s[n - 1] != '\n' && !feof(f)) continue;
        int rc = run_text(sh, p.buf, p.len, &p.pos, name, p.first_line, false);
        if (rc > ret) ret = rc;
        if (stops(sh, rc)) stop = true;
        pending_trim(&p);
    }
    if (!stop && !sh->quit) {
        if (interrupted) {
            fprintf(stderr, "error: interrupted\n");
            ret = 130;
        } else if (!pending_blank(&p)) {
            int rc = run_text(sh, p.buf, p.len, &p.pos, name, p.first_line, true);
            if (rc > ret) ret = rc;
        }
    }
    free(line);
    free(p.buf);
    return ret;
}

int shell_run_file(shell *sh, const char *path)
{
    bool std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(EISDIR));
        if (!std) fclose(f);
        return 2;
    }
    int rc = run_stream(sh, f, std ? "stdin" : path);
    if (!std) fclose(f);
    return rc;
}

static char *home_file(const char *name)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home) return NULL;
    size_t n = strlen(home) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", home, name);
    return p;
}

int shell_run_init(shell *sh)
{
    char *path = home_file(".kashrc");
    if (!path) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT) fprintf(stderr, "kash: cannot read %s: %s\n", path, strerror(errno));
        free(path);
        return 0;
    }
    bool failed = sh->failed, bail = sh->bail;
    sh->bail = false;
    sh->in_init = true; /* (a .bail on in it is for the session, not for itself) */
    int rc = run_stream(sh, f, path);
    sh->in_init = false;
    fclose(f);
    free(path);
    sh->failed = failed;
    if (!sh->bail_set) sh->bail = bail;
    return rc == 130 ? 130 : 0;
}

/* ---- the terminal: readline in callback mode ---- */

static shell *term_sh;        /* the shell completion works for */
static pending *term_pending; /* the open statement's earlier lines */
static char *term_line;       /* the line readline handed over */
static bool term_got;

static void on_line(char *line)
{
    term_line = line;
    term_got = true;
    rl_callback_handler_remove();
}

/* Reads a line with PROMPT. Returns 1 with *OUT (malloc'd), 0 at end of
 * input, -1 when Ctrl-C cleared the line. */
static int read_line(const char *prompt, char **out)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    term_got = false;
    term_line = NULL;
    fflush(stdout);
    rl_callback_handler_install(prompt, on_line);
    int ret = 1;
    while (!term_got) {
        if (resized) {
            resized = 0;
            rl_resize_terminal();
        }
        if (interrupted) { /* Ctrl-C: drop the line, a new prompt */
            interrupted = 0;
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            fputs("^C\n", rl_outstream);
            rl_callback_handler_remove();
            using_history();
            ret = -1;
            break;
        }
        int fd = fileno(rl_instream);
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        int k = pselect(fd + 1, &fds, NULL, NULL, NULL, &old);
        if (k < 0) {
            if (errno == EINTR) continue;
            rl_callback_handler_remove();
            break;
        }
        rl_callback_read_char();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (ret < 0) return -1;
    *out = term_line;
    return term_line ? 1 : 0;
}

/* The session's question: "Apply 12 changes? [y/N]". */
static bool ask(void *ctx, const char *question)
{
    shell *sh = ctx;
    if (!sh->s.interactive) return false;
    fflush(sh->s.out);
    progress_clear(sh);
    size_t n = strlen(question);
    char *prompt = xmalloc(n + 2);
    memcpy(prompt, question, n + 1);
    if (n && question[n - 1] != ' ') strcat(prompt, " ");
    char *answer = NULL;
    int r = read_line(prompt, &answer);
    free(prompt);
    bool yes = r == 1 && (answer[0] == 'y' || answer[0] == 'Y');
    free(answer);
    sh->t0 = now_seconds(); /* progress counts from the answer */
    return yes;
}

static char **term_matches;
static int term_next;

static char *match_generator(const char *text, int state)
{
    (void)text;
    if (state == 0) term_next = 0;
    if (!term_matches || !term_matches[term_next]) return NULL;
    return xstrdup(term_matches[term_next++]);
}

/* The input typed so far up to the cursor: the open statement's earlier lines
 * and the current line. Owned by the caller. */
static char *typed_so_far(size_t *len)
{
    size_t pl = term_pending ? term_pending->len - term_pending->pos : 0;
    size_t n = pl + (size_t)rl_point;
    char *s = xmalloc(n + 1);
    if (pl) memcpy(s, term_pending->buf + term_pending->pos, pl);
    memcpy(s + pl, rl_line_buffer, (size_t)rl_point);
    s[n] = 0;
    *len = n;
    return s;
}

static char **attempt_completion(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    size_t len;
    char *in = typed_so_far(&len);
    size_t word = len - (size_t)(rl_point - start);
    shell *sh = term_sh;
    const char **names = xmalloc(sizeof(char *) * (size_t)(sh->nvars + 1));
    for (int i = 0; i < sh->nvars; i++)
        names[i] = sh->vars[i].name;
    complete_env env = {.db = sh->s.db, .vars = names, .nvars = sh->nvars};
    int n = complete_words(&env, in, len, word, rl_completion_quote_character, &term_matches);
    free(names);
    free(in);
    char **m = NULL;
    if (n) {
        if (n == 1) {
            char last = term_matches[0][strlen(term_matches[0]) - 1];
            if (last == '/' || last == '(') { /* a directory or a function: more to type */
                rl_completion_suppress_append = 1;
                rl_completion_suppress_quote = 1;
            }
            if (!rl_completion_quote_character && last == '"') rl_completion_suppress_quote = 1;
        }
        m = rl_completion_matches(text, match_generator);
    }
    complete_free(term_matches);
    term_matches = NULL;
    return m;
}

static char *word_breaks(void)
{
    size_t len;
    char *in = typed_so_far(&len);
    bool dot = complete_is_dot_line(in, len);
    free(in);
    return (char *)complete_breaks(dot);
}

static char *history_path(void)
{
    const char *e = getenv("KASH_HISTORY");
    if (e) return *e ? xstrdup(e) : NULL;
    return home_file(".kash_history");
}

/* Adds ENTRY to the history and appends it to the file (created 0600). */
static void remember(const char *path, const char *entry)
{
    if (!*entry) return;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last && strcmp(last->line, entry) == 0) return;
    add_history(entry);
    if (!path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        close(fd);
        append_history(1, path);
    }
}

static void setup_readline(shell *sh, const char *hist)
{
    term_sh = sh;
    rl_readline_name = "kash"; /* for $if kash in ~/.inputrc */
    rl_catch_signals = 0;      /* our handlers: Ctrl-C clears the line */
    rl_catch_sigwinch = 0;
    if (!isatty(1) && isatty(2)) rl_outstream = stderr; /* prompts stay out of results */
    rl_attempted_completion_function = attempt_completion;
    rl_completion_word_break_hook = word_breaks;
    rl_completer_word_break_characters = (char *)complete_breaks(false);
    rl_completer_quote_characters = complete_quotes;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigwinch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
    /* history: entries stamped, so that multi-line statements come back whole */
    history_comment_char = '#';
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    stifle_history(HISTORY_MAX);
    if (hist && read_history(hist) == 0 && history_length >= HISTORY_MAX)
        write_history(hist); /* the file keeps the newest HISTORY_MAX */
    using_history();
}

int shell_interactive(shell *sh)
{
    sh->s.interactive = true;
    at_terminal = 1;
    sh->s.ask = ask;
    sh->s.ask_ctx = sh;
    char *hist = history_path();
    setup_readline(sh, hist);
    pending p = {.first_line = 1};
    term_pending = &p;
    while (!sh->quit) {
        bool open = !pending_blank(&p);
        if (!open) p.len = p.pos = 0;
        char *line;
        interrupted = 0; /* a Ctrl-C that came too late to stop the last statement */
        int r = read_line(open ? "  ...> " : "kash> ", &line);
        if (r < 0) { /* Ctrl-C at the prompt: the statement typed so far goes */
            p.len = p.pos = 0;
            continue;
        }
        if (r == 0) { /* Ctrl-D; what is typed runs only when it was piped in */
            fputc('\n', rl_outstream);
            if (open && !isatty(fileno(rl_instream))) {
                interrupted = 0;
                size_t from = skip_blank(p.buf, p.len, p.pos), n = p.len;
                while (n > from && (p.buf[n - 1] == '\n' || p.buf[n - 1] == ' '))
                    n--;
                char *entry = xmalloc(n - from + 1);
                memcpy(entry, p.buf + from, n - from);
                entry[n - from] = 0;
                remember(hist, entry);
                free(entry);
                run_text(sh, p.buf, p.len, &p.pos, NULL, 1, true);
            }
            break;
        }
        pending_add(&p, line, strlen(line));
        pending_add(&p, "\n", 1);
        free(line);
        if (pending_blank(&p)) continue;
        size_t from = skip_blank(p.buf, p.len, p.pos);
        if (!parse_is_complete(p.buf + from, p.len - from)) continue;
        char *entry = xmalloc(p.len - from);
        memcpy(entry, p.buf + from, p.len - from - 1); /* without the last newline */
        entry[p.len - from - 1] = 0;
        remember(hist, entry);
        free(entry);
        interrupted = 0;
        int rc = run_text(sh, p.buf, p.len, &p.pos, NULL, 1, false);
        if (rc == 130) p.len = p.pos = 0; /* cancelled: the rest of the input goes too */
        if (rc == 1 && sh->bail) break;
        pending_trim(&p);
        p.first_line = 1;
    }
    term_pending = NULL;
    free(p.buf);
    free(hist);
    return sh->failed ? 1 : 0;
}
