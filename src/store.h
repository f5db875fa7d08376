/* store.h: kash's data in one LMDB file.
 *
 * The store knows entities, schemas and records; it knows nothing of the
 * language. Named databases inside the file:
 *
 *   meta          schema version, custom-field dictionary, counters, targets
 *   accounts      id -> record (schema ENT_ACCOUNTS)
 *   managers      id -> record
 *   interactions  account NUL at(be64) seq(be32) of its first row -> a block
 *                 of an account's rows in time order, so that an account's
 *                 history is one key range (see "interactions, in blocks" in
 *                 store.c and docs/storage.md)
 *   mgr_accounts  manager id -> account id (sorted duplicates)
 *   history       batch(be64) seq(be32) -> record (schema ENT_HISTORY)
 *   by_revenue    revenue(8 bytes, descending) account id -> empty: the
 *                 accounts whose revenue is a number, in the order of
 *                 `sort revenue desc, id` (since version 4; see
 *                 store_scan_by_revenue())
 *   acols         first account id of a block NUL slot(be16) -> that field of
 *                 a block of about COL_ROWS accounts as a column (columns.h;
 *                 since version 5; see store_cols_open())
 *   icols         key of an interactions block, slot(be16) -> that field of
 *                 the interactions of a run of blocks (at least COL_ROWS
 *                 rows) as a column (since version 6)
 *
 * Derived fields are stored in the records and kept right by the store's
 * writers: an account's activity fields by store_activity_add(), a manager's
 * load and load_revenue by every store_put() of an account.
 *
 * Return codes are ints: 0 for success, LMDB's codes (MDB_NOTFOUND, errno
 * values) or the STORE_E* codes below; store_strerror() names them. */
#ifndef KASH_STORE_H
#define KASH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columns.h"
#include "record.h"
#include "value.h"

enum {
    STORE_VERSION = 8,      /* schema version written into new databases */
    STORE_VERSION_READ = 3, /* oldest version still read, upgraded by the first write
                             * (version 8: manager_of, reassigned accounts' managers
                             * beside their records; 7: a batch's history rows after the first
                             * leave out its statement; 6: icols, the interaction columns;
                             * 5: acols, the account columns; 4: the
                             * by_revenue index, all three built by the first write of
                             * an older file; 3: interactions in blocks;
                             * 2: narrow record headers, numbers in hundredths) */
};

enum {
    STORE_NOTFOUND = -30798, /* = MDB_NOTFOUND: no such key */
    STORE_EVERSION = -31900, /* database of another schema version */
    STORE_ENOTKASH,          /* an LMDB file without kash's databases */
    STORE_EKEY,              /* key empty or too long */
    STORE_EREADONLY,         /* write attempted on a read-only store */
    STORE_ETRUNCATED,        /* the file is shorter than its own page count says */
    STORE_ECANCELLED,        /* the caller's cancel callback said stop */
    STORE_ECORRUPT,          /* a malformed value in the file */
};

typedef enum entity_kind {
    ENT_ACCOUNTS,
    ENT_MANAGERS,
    ENT_INTERACTIONS,
    ENT_HISTORY,
    ENT_NENTITIES
} entity_kind;

/* Slots of the built-in fields, in schema order. Custom fields follow. */
enum {
    A_ID,
    A_NAME,
    A_MANAGER,
    A_TIER,
    A_STAGE,
    A_INDUSTRY,
    A_REGION,
    A_REVENUE,
    A_STRATEGIC,
    A_GROWTH,
    A_CAC,
    A_CREATED,
    A_CLOSED,
    A_FIRST_ORDER,
    A_LAST_ORDER,
    A_LAST_CONTACT,
    A_ORDERS,
    A_LIFETIME_REVENUE,
    A_NBUILTIN
};
enum { M_ID, M_NAME, M_REGION, M_CAPACITY, M_ACTIVE, M_LOAD, M_LOAD_REVENUE, M_NBUILTIN };
enum { I_ACCOUNT, I_AT, I_KIND, I_MANAGER, I_AMOUNT, I_NPS, I_CSAT, I_NOTE, I_NBUILTIN };
enum { H_BATCH, H_AT, H_USER, H_STATEMENT, H_ACCOUNT, H_FIELD, H_OLD, H_NEW, H_UNDONE, H_NBUILTIN };

enum {
    FLD_KEY = 1,     /* the entity's key */
    FLD_DERIVED = 2, /* computed by the store; read-only to users */
    FLD_CUSTOM = 4,  /* added by an import or a set */
};

typedef struct field_def {
    const char *name; /* owned by the store */
    uint8_t type;     /* vtype */
    uint8_t flags;    /* FLD_* */
} field_def;

typedef struct schema {
    int n;        /* fields, built-ins first */
    field_def *f; /* owned by the store */
} schema;

typedef struct store store;
typedef struct store_txn store_txn;
typedef struct store_cursor store_cursor;

enum { STORE_RDONLY = 1 };

/* The longest id (bytes) a store takes: LMDB's default key limit is 511,
 * and interaction keys add 13 bytes to their account's id. */
enum { STORE_KEY_MAX = 480 };

/* Opens the database at PATH. A missing file is not created until the first
 * write transaction (reads then see an empty database). *OUT is owned by the
 * caller; free with store_close(). */
int store_open(const char *path, unsigned flags, store **out);
void store_close(store *s);
const char *store_strerror(int rc);
const char *store_path(const store *s);
bool store_readonly(const store *s);

/* Begins a transaction; a write transaction creates the file if needed. Only
 * one write transaction runs at a time (LMDB); a second writer waits.
 * Record pointers handed out stay valid until the transaction ends or, in a
 * write transaction, until the next write. */
int store_begin(store *s, bool write, store_txn **out);
int store_commit(store_txn *t); /* frees T whatever the outcome */
void store_abort(store_txn *t); /* frees T */
bool store_txn_writable(const store_txn *t);
/* A second read transaction of read transaction T's snapshot, for another
 * thread (a transaction is used by one thread at a time; the file is opened
 * MDB_NOTLS): STORE_NOTFOUND when T writes or a write has committed since T
 * began. *OUT: store_abort(). */
int store_twin(store_txn *t, store_txn **out);

/* The schema of an entity as of this transaction. Valid until the
 * transaction ends or a field is added or retyped. */
const schema *store_schema(store_txn *t, int entity);
/* Slot of field NAME (exact, case-sensitive), or -1. */
int store_field(store_txn *t, int entity, const char *name);
/* Manager ID's load (open accounts) and their revenue summed exactly as
 * load_revenue is (xsum: whole hundredths add up exactly), from the accounts
 * as T sees them. */
int store_manager_load(store_txn *t, const char *id, size_t n, int64_t *load, xsum *rev);
/* Adds custom field NAME of TYPE; returns its slot or a negative code in *RC. */
int store_field_add(store_txn *t, int entity, const char *name, int type, int *slot);
/* Changes a custom field's type (values already stored are converted when read). */
int store_field_retype(store_txn *t, int entity, int slot, int type);

/* Point lookup by key (accounts, managers, history; interactions are read
 * with store_interactions_of()). STORE_NOTFOUND when absent. */
int store_get(store_txn *t, int entity, const char *key, size_t klen, const uint8_t **rec,
              size_t *reclen);
/* Inserts or replaces a row; the key is taken from the record (id, or account
 * and at for interactions). Keeps mgr_accounts, by_revenue and managers'
 * load fields right. For interactions, SEQ orders rows of one account at one instant:
 * pass store_next_seq(). */
int store_put(store_txn *t, int entity, const uint8_t *rec, size_t len);
int store_put_interaction(store_txn *t, const uint8_t *rec, size_t len, uint32_t seq);
/* store_put() of an account or manager given as its N values (rather than
 * encoded, then decoded again). VALS has room for the entity's built-in
 * fields at least; the derived ones are written into it. Text values must
 * stay valid until the call returns (not in a page this write may change). */
int store_put_values(store_txn *t, int entity, value *vals, int n);
uint32_t store_next_seq(store_txn *t);

/* Activity to fold into an account's derived fields. */
typedef struct activity {
    int64_t first_order, last_order, last_contact; /* datetimes; INT64_MIN/MAX when none */
    int64_t orders;
    double revenue;
    bool has_revenue;
} activity;
void activity_init(activity *a);
/* Folds one interaction (kind, at, amount) into A. */
void activity_add(activity *a, const char *kind, size_t kindlen, const value *at,
                  const value *amount);
/* Folds A into account ID's derived fields (the account must exist). */
int store_activity_add(store_txn *t, const char *id, size_t idlen, const activity *a);
/* The same for N accounts, ITEMS sorted by id (accounts missing are passed
 * over: create them first). A bulk fold rewrites the accounts database
 * packed rather than splitting its pages. CANCELLED (may be NULL) is polled:
 * when it returns non-zero, STORE_ECANCELLED. */
typedef struct account_activity {
    const char *id;
    size_t len;
    activity act;
} account_activity;
int store_activity_add_all(store_txn *t, const account_activity *items, size_t n,
                           int (*cancelled)(void *ctx), void *ctx);

/* Scans every row of ENTITY in key order, or with PREFIX only the rows whose
 * key starts with it (an account's interactions: its id then a NUL byte; see
 * store_interactions_of()). *OUT owned by the caller: store_cursor_close(). */
int store_scan(store_txn *t, int entity, const char *prefix, size_t plen, store_cursor **out);
int store_interactions_of(store_txn *t, const char *account, size_t len, store_cursor **out);
/* The same, newest first: the rows in the reverse of their key order (time
 * descending; of equal times, the one stored later first). */
int store_interactions_back(store_txn *t, const char *account, size_t len, store_cursor **out);
/* The same, reusing *OUT: opened the first time (*OUT NULL), then pointed at
 * each next account's interactions. Reading many accounts' histories, one
 * cursor serves them all (accounts in id order then move it forward). */
int store_interactions_reuse(store_txn *t, const char *account, size_t len, store_cursor **out);
/* Every account, in the order of `sort revenue desc, id` (DESC) or `sort
 * revenue, id` (not DESC): first the accounts of the by_revenue index (a
 * number as revenue; NaN above every number, as value_cmp() has it), each
 * looked up by id, then those with a null revenue in id order, by a scan of
 * all accounts. In a write transaction the index includes the writes made in
 * it so far. STORE_NOTFOUND when the file has no index (a version-3 file not
 * written since, or one upgraded by another process after this one opened
 * it): scan instead. *OUT as for store_scan(). */
int store_scan_by_revenue(store_txn *t, bool desc, store_cursor **out);
/* Next row: returns 1 with REC set, 0 at the end, or a negative/errno code. */
int store_next(store_cursor *c, const uint8_t **rec, size_t *reclen);
void store_cursor_close(store_cursor *c);
/* Whether a read-ahead thread maps the file ahead of C (long read scans; see
 * "read-ahead" in store.c). For tests. */
bool store_cursor_ahead(const store_cursor *c);
/* Tells C that its caller keeps no record past the next store_next(): the
 * history rows it gives back whole (see store_history_put()) then share one
 * buffer instead of each living until the cursor is closed. */
void store_cursor_transient(store_cursor *c);
/* The accounts as columns: a block of rows at a time, every field of the
 * block as a column (columns.h), read when first asked for. The rows of all
 * blocks are the accounts in id order, as store_scan() gives them. */
typedef struct store_cols store_cols;
typedef struct colblock {
    uint32_t n;      /* rows */
    uint64_t serial; /* changes with every block */
    unsigned nslots; /* the accounts' schema: slots that may have a column */
    colvec *v;       /* [nslots]: v[i] is read when at[i] == serial */
    uint64_t *at;
    colvec nulls; /* for slots beyond nslots */
    store_cols *c;
    int err; /* a malformed column was met (its rows read as null) */
} colblock;
/* Opens a walk over the blocks of ENTITY (accounts, or interactions in
 * their key order: account, then time); STORE_NOTFOUND when T cannot have
 * it (a write transaction, whose columns are written at commit; a file older
 * than version 5 (accounts) or 6 (interactions), until its first write).
 * *OUT: store_cols_close(). */
int store_cols_open(store_txn *t, int entity, store_cols **out);
/* The next block in *B: 1, 0 at the end, or a negative/errno code. */
int store_cols_next(store_cols *c, colblock **b);
/* Makes the next store_cols_next() of C give the block where the rows of
 * id ID (N bytes) begin, or the one before it: the last block whose first
 * row is of an id below ID, or the first block. For a walk of the
 * interactions that skips accounts (kpi on two threads). 0, or an error. */
int store_cols_seek(store_cols *c, const char *id, size_t n);
void store_cols_close(store_cols *c);
const colvec *store_cols_load(colblock *b, unsigned slot);
/* Column SLOT of block B (all null when the block has none). */
static inline const colvec *colblock_col(colblock *b, unsigned slot)
{
    if (slot < b->nslots && b->at[slot] == b->serial) return &b->v[slot];
    return store_cols_load(b, slot);
}

/* Number of rows of an entity (O(1)). */
size_t store_count(store_txn *t, int entity);

/* Account ids held by a manager, via mgr_accounts: calls FN for each; stops
 * when FN returns non-zero and returns that value. */
int store_accounts_of(store_txn *t, const char *manager, size_t len,
                      int (*fn)(void *ctx, const char *id, size_t idlen), void *ctx);

/* ---- the audit trail ---- */

/* The next batch number (1, 2, …), reserved in T. */
int64_t store_next_batch(store_txn *t);
/* Writes history row SEQ of batch BATCH (a record of schema ENT_HISTORY);
 * writing the same batch and seq again replaces it. A row after the first
 * whose statement is the first's (written before it in T) is stored
 * without it; cursors give it back whole (docs/storage.md, "The audit
 * history"). */
int store_history_put(store_txn *t, int64_t batch, uint32_t seq, const uint8_t *rec, size_t len);
/* Scans the rows of one batch in order (store_next/store_cursor_close). */
int store_history_of(store_txn *t, int64_t batch, store_cursor **out);
/* Newest batch number reserved so far (0 when none). */
int64_t store_last_batch(store_txn *t);

/* Small named values in meta (targets, settings). */
int store_meta_get(store_txn *t, const char *key, const void **val, size_t *len);
int store_meta_put(store_txn *t, const char *key, const void *val, size_t len);

/* Converts V to TYPE when it is of another storable type (a custom field that
 * was retyped): int->num, anything->text formats it into BUF (FMT_BUF bytes). */
value store_coerce(value v, int type, char *buf);

#endif
