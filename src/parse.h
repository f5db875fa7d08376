/* parse.h: the abstract syntax of kash statements and the parser that builds it.
 *
 * The parser is recursive descent, one static function per rule of
 * grammar/kash.ebnf. Every node carries the byte span of its source so that
 * later phases can point errors at it. All nodes live in the statement arena. */
#ifndef KASH_PARSE_H
#define KASH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "value.h"

/* Expression nodes. */
typedef enum nkind {
    N_LIT,     /* v */
    N_FIELD,   /* name, or qual.name */
    N_NEG,     /* -a[0] */
    N_NOT,     /* not a[0] */
    N_BIN,     /* a[0] op a[1] */
    N_MATCH,   /* a[0] ~ a[1] (negate: !~) */
    N_IN,      /* a[0] in (a[1..n-1]) (negate: not in) */
    N_INPER,   /* a[0] in PERIOD a[1] (negate: not in) */
    N_BETWEEN, /* a[0] between a[1] and a[2] (negate) */
    N_ISNULL,  /* a[0] is null (negate: is not null) */
    N_CALL,    /* fn(a...) */
    N_AGG,     /* aggregate fn(a...) */
    N_CASE,    /* case when a[0] then a[1] ... [else a[n-1]] end; has_else */
} nkind;

/* Binary operators, loosest first within their families. */
typedef enum binop {
    OP_OR,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_CONCAT /* || */
} binop;

/* Scalar functions. fn_names[] in parse.c is in the same order. */
typedef enum fnid {
    F_LOWER,
    F_UPPER,
    F_LEN,
    F_TRIM,
    F_SUBSTR,
    F_COALESCE,
    F_ROUND,
    F_ABS,
    F_YEAR,
    F_MONTH,
    F_QUARTER,
    F_WEEK,
    F_DAY,
    F_DAYS_BETWEEN,
    F_AGE,
    F_IF,
    F_FLOOR,
    F_CEIL,
    F_DATE,
    F_TEXT,
    F_REPLACE,
    F_NULLIF,
    F_GREATEST,
    F_LEAST,
    F_SQRT,
    F_POWER,
    F_EXP,
    F_LN,
    F_NUM,
    F_NFUNCS
} fnid;

/* Aggregates. agg_names[] in parse.c is in the same order. */
typedef enum aggid {
    AG_COUNT,
    AG_COUNT_DISTINCT,
    AG_SUM,
    AG_AVG,
    AG_MIN,
    AG_MAX,
    AG_MEDIAN,
    AG_PERCENTILE,
    AG_NAGGS
} aggid;

/* KPIs of spec §10. kpi_names[] in parse.c is in the same order. */
typedef enum kpiid {
    K_CUSTOMERS,
    K_NEW_CUSTOMERS,
    K_CHURNED,
    K_RETENTION_RATE,
    K_CHURN_RATE,
    K_REVENUE,
    K_ORDERS,
    K_AOV,
    K_NPS,
    K_CSAT,
    K_CSAT_AVG,
    K_CLV,
    K_CAC,
    K_UPSELL_RATE,
    K_GRR,
    K_NRR,
    K_NKPIS
} kpiid;

extern const char *const fn_names[F_NFUNCS];
extern const char *const kpi_names[K_NKPIS];
/* The kpiid named NAME (exact, lower-case), or -1. */
int kpi_lookup(const char *name, size_t len);
extern const char *const agg_names[AG_NAGGS];

typedef struct node node;
struct node {
    uint8_t kind;      /* nkind */
    uint8_t op;        /* binop, fnid or aggid */
    uint8_t type;      /* static type set by the planner (vtype; T_NULL = unknown or null) */
    bool negate;       /* not in, not between, is not null, !~ */
    bool has_else;     /* N_CASE */
    bool bound;        /* N_FIELD resolved before planning (a group key in an agg item, a
                          column of select's `*`) */
    uint16_t depth;    /* height of the tree below: bounded so that planning and evaluation
                          (which recurse) never exhaust the stack */
    uint32_t off, len; /* source span */
    int n;             /* number of args */
    node **a;          /* args */
    value v;           /* N_LIT */
    const char *qual;  /* N_FIELD: "account" or "manager" in account.x, else NULL */
    const char *name;  /* N_FIELD name */
    /* set by the planner */
    int scope; /* N_FIELD: where the value lives (eval.h) */
    int slot;  /* N_FIELD slot/column, N_AGG accumulator index */
    void *aux; /* N_MATCH: compiled regex; N_IN: lookup set */
};

/* A stage of a pipeline. */
typedef enum skind {
    S_WHERE,
    S_SORT,
    S_LIMIT,
    S_SELECT,
    S_GROUP,
    S_AGG,
    S_COUNT,
    S_EXPORT,
    S_SET, /* mutations (spec §5) end an accounts pipeline */
    S_RETIER,
    S_ASSIGN,
    S_RETENTION, /* cohort retention (spec §9, cohort.h); ends a query */
    S_KPI,       /* kpi … (spec §10, kpi.h); ends an accounts query */
    S_REPORT,    /* report for PERIOD (spec §10, kpi.h); ends an accounts query */
    S_RFM,       /* rfm over PERIOD (rfm.h): adds r, f, m, rfm, … to accounts rows */
    S_NKINDS
} skind;

/* A band of `retier by EXPR …`: top P% / share P% / next P% / rest = TIER. */
enum { BAND_TOP, BAND_SHARE, BAND_NEXT, BAND_REST };
typedef struct band {
    uint8_t kind; /* BAND_* */
    double pct;   /* fraction 0..1 (not for rest) */
    node *tier;   /* the tier given (an expression: 1, 2, 3 or null) */
    uint32_t off, len;
} band;

/* Options of `retention` (flags in stage.ret). */
enum {
    RET_PERIODS = 1,       /* periods N given */
    RET_COUNTS = 2,        /* counts (or sums) instead of rates */
    RET_CUMULATIVE = 4,    /* "on or after" instead of "on" */
    RET_REVENUE = 8,       /* sums of amounts instead of accounts */
    RET_FROM_CREATED = 16, /* cohort from the account's created date */
    RET_ACTIVITY = 32,     /* activity interactions [where e]: the input is accounts */
};

/* Strategies of `assign to`. */
enum { ASSIGN_DEFAULT, ASSIGN_ROUND_ROBIN, ASSIGN_BALANCED, ASSIGN_BALANCED_REVENUE };

typedef struct item {
    node *e;
    const char *name; /* AS name, or NULL: the planner names it */
    bool desc;        /* sort keys */
    bool nulls_first; /* sort keys: nulls first (else last, whatever the direction) */
    bool star;        /* select's `*`: every column of the input (E: where the `*` is) */
} item;

typedef struct stage {
    uint8_t kind;      /* skind */
    uint32_t off, len; /* the stage keyword */
    node *e;           /* S_WHERE condition */
    item *items;       /* S_SORT keys, S_SELECT items, S_GROUP keys */
    int nitems;
    item *aggs; /* S_GROUP and S_AGG aggregates */
    int naggs;
    int64_t limit, offset; /* S_LIMIT */
    const char *file;      /* S_EXPORT */
    uint32_t file_off, file_len;
    /* S_SET: items are FIELD = EXPR (name = field, e = value) */
    /* S_RETIER: e = the ranking expression, bands */
    band *bands;
    int nbands;
    /* S_ASSIGN: targets are the ids in items (literals), or managers where e (target_where) */
    bool target_where; /* assign to managers [where e] */
    uint8_t strategy;  /* ASSIGN_* */
    bool preview;      /* the mutation ends in `preview` */
    /* S_RETENTION: by unit; e = the activity condition (activity interactions where e) */
    uint8_t unit;              /* U_WEEK, U_MONTH, U_QUARTER or U_YEAR */
    uint8_t ret;               /* RET_* */
    int64_t periods;           /* periods N: columns p0 … pN (when RET_PERIODS) */
    uint32_t act_off, act_len; /* the activity clause, for messages */
    /* S_KPI: kpis[nkpis] (kpiid), items = the by keys, unit = U_MONTH/U_QUARTER/U_YEAR for
     * `per UNIT from period to period_to`, else 0 (U_DAY) for `over period`.
     * S_REPORT and S_RFM: period. */
    uint8_t *kpis;
    int nkpis;
    value period, period_to;   /* T_PERIOD */
    uint32_t per_off, per_len; /* the period (or from … to) clause, for messages */
} stage;

/* `kpi …;` and `report for P;` on their own are parsed as ST_QUERY statements over all
 * accounts with that one stage (source accounts, src_len 0). */
typedef enum stkind {
    ST_QUERY,
    ST_IMPORT,
    ST_UNDO, /* undo [BATCH] [force] */
} stkind;

typedef enum source_kind { SRC_ACCOUNTS, SRC_MANAGERS, SRC_INTERACTIONS, SRC_HISTORY } source_kind;

/* One column mapping of an import: field = expr. */
typedef struct mapping {
    const char *field;
    uint32_t off, len;
    node *e;
} mapping;

typedef struct stmt {
    uint8_t kind;      /* stkind */
    uint32_t off, len; /* the whole statement, without the ';' */
    /* ST_QUERY */
    uint8_t source; /* source_kind */
    uint32_t src_off, src_len;
    stage *stages; /* a leading "where" is stages[0] */
    int nstages;
    /* ST_IMPORT: into source, from file */
    const char *file;
    uint32_t file_off, file_len;
    mapping *maps;
    int nmaps;
    bool skip_errors;   /* on error skip */
    bool skip_conflict; /* on conflict skip */
    bool dates_us;      /* dates us */
    /* ST_UNDO */
    int64_t batch; /* 0 = the newest batch not yet undone */
    bool force;
} stmt;

/* Looks up the text of variable NAME; NULL when undefined. */
typedef const char *(*var_lookup)(void *ctx, const char *name);

typedef struct parser_opts {
    var_lookup vars; /* may be NULL: every variable is undefined */
    void *vars_ctx;
} parser_opts;

/* Parses the statement starting at *POS in SRC (skipping blank space and
 * comments before it). Returns 1 with *OUT set (in arena A) and *POS just
 * past its ';' (or at the end of SRC when the last statement lacks one);
 * 0 when only blank space and comments remain; -1 on error, with D set and
 * *POS past the next ';' (so a caller can go on with the next statement). */
int parse_statement(arena *a, const char *src, size_t len, size_t *pos, const parser_opts *o,
                    stmt **out, diag *d);

/* Parses a standalone expression (tests, import mappings given on their own). */
node *parse_expression(arena *a, const char *src, size_t len, const parser_opts *o, diag *d);

/* True when SRC[0..LEN) holds a complete statement: a ';' outside strings,
 * backticks, regexes and comments, or a dot-command line. For the shell's
 * continuation prompt. */
bool parse_is_complete(const char *src, size_t len);

/* Today's date and the current datetime in local time, as `today` and `now`
 * evaluate; $KASH_TODAY=YYYY-MM-DD pins both (now is its noon) for tests. */
int64_t parse_today(void);
int64_t parse_now(void);

/* Name of a source (accounts, managers, ...). */
const char *source_name(int source);

#endif
