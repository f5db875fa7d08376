/* store.c: kash's data in one LMDB file; see store.h. */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"

_Static_assert(STORE_NOTFOUND == MDB_NOTFOUND, "STORE_NOTFOUND must be LMDB's code");

enum {
    DB_META,
    DB_ACCOUNTS,
    DB_MANAGERS,
    DB_INTERACTIONS,
    DB_MGR_ACCOUNTS,
    DB_HISTORY,
    DB_BY_REVENUE,
    DB_ACOLS,
    DB_ICOLS,
    DB_MANAGER_OF,
    DB_N
};
static const char *const db_names[DB_N] = {
    "meta",    "accounts",   "managers", "interactions", "mgr_accounts",
    "history", "by_revenue", "acols",    "icols",        "manager_of"};
/* The named database holding each entity's rows. */
static const int entity_db[ENT_NENTITIES] = {DB_ACCOUNTS, DB_MANAGERS, DB_INTERACTIONS, DB_HISTORY};

#define KEY_MAX STORE_KEY_MAX

/* ---- built-in schemas ---- */

static const field_def accounts_builtin[A_NBUILTIN] = {
    {"id", T_TEXT, FLD_KEY},
    {"name", T_TEXT, 0},
    {"manager", T_TEXT, 0},
    {"tier", T_INT, 0},
    {"stage", T_TEXT, 0},
    {"industry", T_TEXT, 0},
    {"region", T_TEXT, 0},
    {"revenue", T_NUM, 0},
    {"strategic", T_NUM, 0},
    {"growth", T_NUM, 0},
    {"cac", T_NUM, 0},
    {"created", T_DATE, 0},
    {"closed", T_DATE, 0},
    {"first_order", T_DATETIME, FLD_DERIVED},
    {"last_order", T_DATETIME, FLD_DERIVED},
    {"last_contact", T_DATETIME, FLD_DERIVED},
    {"orders", T_INT, FLD_DERIVED},
    {"lifetime_revenue", T_NUM, FLD_DERIVED},
};
static const field_def managers_builtin[M_NBUILTIN] = {
    {"id", T_TEXT, FLD_KEY},
    {"name", T_TEXT, 0},
    {"region", T_TEXT, 0},
    {"capacity", T_INT, 0},
    {"active", T_BOOL, 0},
    {"load", T_INT, FLD_DERIVED},
    {"load_revenue", T_NUM, FLD_DERIVED},
};
static const field_def interactions_builtin[I_NBUILTIN] = {
    {"account", T_TEXT, FLD_KEY}, {"at", T_DATETIME, 0}, {"kind", T_TEXT, 0},
    {"manager", T_TEXT, 0},       {"amount", T_NUM, 0},  {"nps", T_INT, 0},
    {"csat", T_INT, 0},           {"note", T_TEXT, 0},
};
static const field_def history_builtin[H_NBUILTIN] = {
    {"batch", T_INT, FLD_KEY}, {"at", T_DATETIME, 0},  {"user", T_TEXT, 0},
    {"statement", T_TEXT, 0},  {"account", T_TEXT, 0}, {"field", T_TEXT, 0},
    {"old", T_TEXT, 0},        {"new", T_TEXT, 0},     {"undone", T_BOOL, 0},
};
static const field_def *const builtin[ENT_NENTITIES] = {accounts_builtin, managers_builtin,
                                                        interactions_builtin, history_builtin};
static const int nbuiltin[ENT_NENTITIES] = {A_NBUILTIN, M_NBUILTIN, I_NBUILTIN, H_NBUILTIN};

/* ---- the store ---- */

struct store {
    char *path;
    bool rdonly;
    MDB_env *env; /* NULL until the file exists */
    MDB_dbi dbi[DB_N];
    bool rev_open;   /* dbi[DB_BY_REVENUE] is open for every transaction: a version-3
                      * file has none until a write that adds it commits */
    bool cols_open;  /* the same for dbi[DB_ACOLS] (version 5) */
    bool icols_open; /* and for dbi[DB_ICOLS] (version 6) */
    bool mof_open;   /* and for dbi[DB_MANAGER_OF] (version 8) */
    bool no_mof;     /* $KASH_NO_MANAGER_OF: no writes to it */
    size_t psize;    /* LMDB's page size */
    schema schemas[ENT_NENTITIES];
    uint64_t schema_gen; /* meta "schema_gen" the schemas were loaded at; UINT64_MAX = stale */
};

/* A pending change to one manager's load, applied before managers are read and at commit. */
typedef struct mgr_delta {
    char *id;     /* owned */
    bool touched; /* an account of this manager changed: recompute its load */
} mgr_delta;

struct store_txn {
    store *s;
    MDB_txn *txn; /* NULL for reads of a database not yet created */
    bool write;
    bool rev_ok;       /* by_revenue is there and right: a version-4 file, or a writer */
    bool rev_stale;    /* by_revenue is rebuilt whole before it is read and at commit,
                        * instead of kept by each put (see rev_build()) */
    bool rev_opened;   /* s->dbi[DB_BY_REVENUE] was opened by this transaction: LMDB
                        * lets other transactions use it once this one commits */
    uint64_t rev_puts; /* accounts written with by_revenue kept by each put */
    bool cols_ok;      /* acols is there and right: a version-5 file, read */
    bool cols_stale;   /* acols is rebuilt whole at commit (see cols_build()) */
    bool cols_opened;  /* s->dbi[DB_ACOLS] was opened by this transaction */
    rbuf cdirty;       /* ids of the accounts written (u16 length, bytes): their
                        * blocks of acols are rewritten at commit (cols_update()) */
    size_t ncdirty;
    rbuf cslots;       /* byte per slot, 1: a written account changed that field */
    bool cslots_all;   /* an account was added: every field of its block changed */
    bool icols_ok;     /* icols is there and right: a version-6 file, read */
    bool icols_stale;  /* icols is rebuilt whole at commit (see icols_build()) */
    bool icols_opened; /* s->dbi[DB_ICOLS] was opened by this transaction */
    bool mof_opened;   /* s->dbi[DB_MANAGER_OF] was opened by this transaction */
    size_t mof_n;      /* accounts in manager_of (see mof_get()) */
    uint64_t mof_gen;  /* bumped by every write to manager_of: walks seek again */
    arena *filled;     /* accounts given back by store_get() with their manager */
    rbuf icdirty;      /* accounts whose interactions were written (u16 length, bytes) */
    size_t nicdirty;
    bool seq_loaded;
    uint32_t seq;
    mgr_delta *deltas; /* open-addressing table of ndelta_cap slots */
    size_t ndeltas, delta_cap;
    MDB_cursor *icur;       /* interactions cursor for ordered inserts */
    MDB_cursor *kcur[DB_N]; /* accounts and managers: a put in key order after the last
                             * finds its page without a search from the root */
    MDB_cursor *hcur;       /* history: appends */
    int64_t hbatch;         /* the batch whose first row's statement is HSTMT (0: none) */
    rbuf hstmt;             /* (see store_history_put()) */
    rbuf buf;               /* scratch for re-encoding records */
    rbuf key;               /* scratch for keys */
    /* Interactions of one account waiting to join its blocks (see iflush()). */
    struct irow {
        uint64_t atk; /* at as in keys */
        uint32_t seq;
        uint32_t len;
        size_t off; /* record at ipend.data + off */
    } * irows;
    size_t nirows, capirows;
    rbuf ipend;  /* their records, and the account's id at iacct */
    char *iacct; /* owned */
    size_t iacctlen, iacctcap;
    rbuf iblk;   /* the block being built */
    rbuf imerge; /* rows of blocks being rewritten */
    rbuf ilast;  /* the last key appended, while appends hold (see iflush) */
    bool ilast_valid;
    bool ilast_checked; /* ilast was read from the database */
    uint64_t iadded;    /* rows added in this transaction */
};

typedef struct ahead ahead;

/* A walk over manager_of beside a walk over the accounts in id order (see
 * mof_walk()). */
typedef struct mofwalk {
    MDB_cursor *cur;
    rbuf from, key; /* (see mof_walk()) */
    bool known, done;
    uint64_t gen;
} mofwalk;

struct store_cursor {
    MDB_cursor *cur;
    ahead *ah;       /* a long read scan's read-ahead thread, or NULL */
    bool noahead;    /* none to be had: don't ask again */
    unsigned reaims; /* store_interactions_reuse() calls */
    bool fwd;        /* re-aimed at a later account: see forward_to() */
    store_txn *t;
    store *s;     /* read transactions only: see release_pages() */
    size_t since; /* bytes read since the last release */
    size_t every; /* release_every() */
    char *prefix; /* owned copy */
    size_t plen, pcap;
    bool started;
    bool blocks;        /* interactions: values are blocks of rows */
    const uint8_t *blk; /* the current block */
    size_t blklen, off; /* its size, and where its next row starts */
    /* store_scan_by_revenue(): CUR walks by_revenue, each key's account is
     * looked up with ACUR; then CUR scans the accounts for the rest */
    int rev;          /* 0 not such a cursor, 1 in the index, 2 in the accounts */
    bool asc;         /* revenue ascending */
    uint8_t grp[8];   /* ascending: the revenue (key prefix) being walked */
    MDB_cursor *acur; /* accounts */
    /* history: rows given back their batch's statement (see hist_row()) */
    bool hist;
    uint8_t hbatch[8]; /* the batch of HSTMT, as in keys */
    bool hstmt_ok;
    rbuf hstmt;
    /* accounts: rows given back their manager from manager_of (see acct_row()) */
    bool acct;
    mofwalk mof;
    /* rows filled in by hist_row() or acct_row() are built in FBUF and copied
     * to FILLED, which lives as long as the cursor */
    rbuf fbuf;
    arena *filled;
    bool transient; /* or they live only until the next row, in FBUF (store_cursor_transient()) */
    /* store_interactions_back(): the blocks from the last, each one's rows
     * (their offsets in BLK) from its last */
    bool back;
    size_t *offs, noffs, capoffs;
};

static void mof_count(store_txn *t);
static int mof_fold(store_txn *t);
static int mof_apply(store_txn *t, mofwalk *w, const MDB_val *id, const uint8_t *rec, size_t len,
                     rbuf *out);
static void mofwalk_free(mofwalk *w);
static const uint8_t *fill_copy(arena **a, const rbuf *b);

/* Bytes a scan reads between two release_pages(): 64 MB, or $KASH_RELEASE_BYTES
 * (tests set it small to release all the time). */
static size_t release_every(void)
{
    const char *e = getenv("KASH_RELEASE_BYTES");
    unsigned long long x = e && *e ? strtoull(e, NULL, 10) : 0;
    return x > 0 ? (size_t)x : (size_t)64 << 20;
}

/* Drops this process's mappings of the file's pages, P being any pointer
 * into the map: a long scan touches every page of the file and would
 * otherwise keep them all in its resident set. The page cache keeps them; a
 * pointer into the map still reads the same bytes (the page faults back in),
 * and a read transaction's pages never change under it. The map's bounds come
 * from /proc/self/maps, looked up each time (mdb_env_info() gives its address
 * only with MDB_FIXEDMAP, and a map can move when it grows): map_bounds()
 * finds the part in use of the map holding P. */
static bool map_bounds(store *s, const void *p, uintptr_t *lo, uintptr_t *hi)
{
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info)) return false;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return false;
    unsigned long a, b;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx", &a, &b) != 2 || (uintptr_t)p < a || (uintptr_t)p >= b) continue;
        size_t used = (size_t)(info.me_last_pgno + 1) * s->psize;
        *lo = a;
        *hi = a + (used < b - a ? used : b - a);
        found = true;
    }
    fclose(f);
    return found;
}

static void release_pages(store *s, const void *p)
{
    uintptr_t lo, hi;
    if (map_bounds(s, p, &lo, &hi)) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

const char *store_strerror(int rc)
{
    switch (rc) {
    case 0: return "success";
    case STORE_EVERSION:
        return "database was written by another version of kash (schema version mismatch)";
    case STORE_ENOTKASH: return "not a kash database";
    case STORE_EKEY: return "key is empty or longer than 480 bytes";
    case STORE_ECANCELLED: return "interrupted";
    case STORE_ECORRUPT: return "database file is damaged (a malformed value)";
    case STORE_EREADONLY: return "database is open read-only";
    case STORE_ETRUNCATED: return "database file is truncated (shorter than its pages)";
    case MDB_INVALID: return "not a kash database (not an LMDB file, or corrupted)";
    case MDB_MAP_FULL: return "database is full (map size reached)";
    case MDB_VERSION_MISMATCH: return "database was written by an incompatible LMDB version";
    case MDB_CORRUPTED: return "database is corrupted";
    default: return mdb_strerror(rc);
    }
}

const char *store_path(const store *s)
{
    return s->path;
}
bool store_readonly(const store *s)
{
    return s->rdonly;
}

static void schema_reset(store *s)
{
    for (int e = 0; e < ENT_NENTITIES; e++) {
        schema *sc = &s->schemas[e];
        for (int i = nbuiltin[e]; i < sc->n; i++)
            free((char *)sc->f[i].name);
        free(sc->f);
        sc->n = nbuiltin[e];
        sc->f = xmalloc(sizeof(field_def) * (size_t)sc->n);
        memcpy(sc->f, builtin[e], sizeof(field_def) * (size_t)sc->n);
    }
}

static uint64_t meta_u64(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    uint64_t x = 0;
    if (mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size == 8) memcpy(&x, v.mv_data, 8);
    return x;
}

static int meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t x)
{
    MDB_val k = {strlen(key), (void *)key}, v = {8, &x};
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* Custom fields are stored per entity under "fields/N" as a list of
 * u8 type, u8 flags, u16 name length, name. */
static int schema_load(store *s, MDB_txn *txn)
{
    uint64_t gen = meta_u64(txn, s->dbi[DB_META], "schema_gen");
    if (gen == s->schema_gen) return 0;
    schema_reset(s);
    for (int e = 0; e < ENT_NENTITIES; e++) {
        char key[16];
        snprintf(key, sizeof key, "fields/%d", e);
        MDB_val k = {strlen(key), key}, v;
        if (mdb_get(txn, s->dbi[DB_META], &k, &v) != 0) continue;
        const uint8_t *p = v.mv_data, *end = p + v.mv_size;
        schema *sc = &s->schemas[e];
        while (end - p >= 4) {
            uint16_t nl;
            memcpy(&nl, p + 2, 2);
            if (end - p < 4 + nl) return MDB_CORRUPTED;
            sc->f = xrealloc(sc->f, sizeof(field_def) * (size_t)(sc->n + 1));
            sc->f[sc->n].type = p[0];
            sc->f[sc->n].flags = p[1];
            char *name = xmalloc(nl + 1u);
            memcpy(name, p + 4, nl);
            name[nl] = 0;
            sc->f[sc->n].name = name;
            sc->n++;
            p += 4 + nl;
        }
    }
    s->schema_gen = gen;
    return 0;
}

static int schema_save(store_txn *t, int e)
{
    store *s = t->s;
    schema *sc = &s->schemas[e];
    rbuf b = {0};
    for (int i = nbuiltin[e]; i < sc->n; i++) {
        size_t nl = strlen(sc->f[i].name);
        rbuf_reserve(&b, 4 + nl);
        b.data[b.len] = sc->f[i].type;
        b.data[b.len + 1] = sc->f[i].flags;
        uint16_t n16 = (uint16_t)nl;
        memcpy(b.data + b.len + 2, &n16, 2);
        memcpy(b.data + b.len + 4, sc->f[i].name, nl);
        b.len += 4 + nl;
    }
    char key[16];
    snprintf(key, sizeof key, "fields/%d", e);
    MDB_val k = {strlen(key), key}, v = {b.len, b.data};
    int rc = mdb_put(t->txn, s->dbi[DB_META], &k, &v, 0);
    rbuf_free(&b);
    if (rc) return rc;
    uint64_t gen = meta_u64(t->txn, s->dbi[DB_META], "schema_gen") + 1;
    rc = meta_put_u64(t->txn, s->dbi[DB_META], "schema_gen", gen);
    if (rc == 0) s->schema_gen = gen;
    return rc;
}

static size_t map_size(void)
{
    const char *e = getenv("KASH_MAPSIZE");
    if (e && *e) {
        char *end;
        unsigned long long x = strtoull(e, &end, 10);
        if (*end == 0 && x >= 65536) return (size_t)x;
    }
    return sizeof(size_t) >= 8 ? (size_t)1 << 38 : (size_t)1 << 30; /* 256 GiB: sparse */
}

/* Opens (creating when CREATE) the environment and its databases, and checks the version. */
static int env_open(store *s, bool create)
{
    int rc = mdb_env_create(&s->env);
    if (rc) return rc;
    mdb_env_set_maxdbs(s->env, DB_N + 2);
    mdb_env_set_mapsize(s->env, map_size());
    mdb_env_set_maxreaders(s->env, 126);
    unsigned flags = MDB_NOSUBDIR | MDB_NOTLS | (s->rdonly ? MDB_RDONLY : 0);
    rc = mdb_env_open(s->env, s->path, flags, 0600);
    if ((rc == EACCES || rc == EROFS) && s->rdonly && !create) {
        /* a read-only directory or lock file: read without the lock file */
        mdb_env_close(s->env);
        if ((rc = mdb_env_create(&s->env)) != 0) return rc;
        mdb_env_set_maxdbs(s->env, DB_N + 2);
        mdb_env_set_mapsize(s->env, map_size());
        rc = mdb_env_open(s->env, s->path, flags | MDB_NOLOCK, 0600);
    }
    if (rc) goto fail;
    /* pages past the end of the file would be read as SIGBUS: refuse instead */
    MDB_envinfo info;
    MDB_stat est;
    struct stat fst;
    if ((rc = mdb_env_stat(s->env, &est)) != 0) goto fail;
    s->psize = est.ms_psize;
    if (mdb_env_info(s->env, &info) == 0 && stat(s->path, &fst) == 0 &&
        (uint64_t)(info.me_last_pgno + 1) * s->psize > (uint64_t)fst.st_size) {
        rc = STORE_ETRUNCATED;
        goto fail;
    }
    int dead;
    mdb_reader_check(s->env, &dead);

    MDB_txn *txn;
    rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn);
    if (rc) goto fail;
    for (int i = 0; i < DB_N; i++) {
        unsigned f = create ? MDB_CREATE : 0;
        if (i == DB_MGR_ACCOUNTS) f |= MDB_DUPSORT;
        rc = mdb_dbi_open(txn, db_names[i], f, &s->dbi[i]);
        if (i == DB_BY_REVENUE || i == DB_ACOLS || i == DB_ICOLS || i == DB_MANAGER_OF) {
            /* an older file: the first write adds it */
            if (i == DB_BY_REVENUE) s->rev_open = rc == 0;
            if (i == DB_ACOLS) s->cols_open = rc == 0;
            if (i == DB_ICOLS) s->icols_open = rc == 0;
            if (i == DB_MANAGER_OF) s->mof_open = rc == 0;
            if (rc == MDB_NOTFOUND) rc = 0;
        }
        if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) rc = STORE_ENOTKASH;
        if (rc) break;
    }
    if (rc == 0) {
        uint64_t v = meta_u64(txn, s->dbi[DB_META], "version");
        if (create && v == 0) {
            v = STORE_VERSION;
            rc = meta_put_u64(txn, s->dbi[DB_META], "version", v);
        }
        if (rc == 0 && (v < STORE_VERSION_READ || v > STORE_VERSION))
            rc = v == 0 ? STORE_ENOTKASH : STORE_EVERSION;
    }
    if (rc == 0) rc = schema_load(s, txn);
    if (rc) {
        mdb_txn_abort(txn);
        goto fail;
    }
    rc = mdb_txn_commit(txn); /* even read-only: an aborted txn would close the handles */
    if (rc) goto fail;
    return 0;
fail:
    mdb_env_close(s->env);
    s->env = NULL;
    return rc;
}

int store_open(const char *path, unsigned flags, store **out)
{
    *out = NULL;
    store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->rdonly = flags & STORE_RDONLY;
    s->schema_gen = UINT64_MAX;
    const char *e = getenv("KASH_NO_MANAGER_OF");
    s->no_mof = e && *e;
    schema_reset(s);
    struct stat st;
    int rc = 0;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            rc = EISDIR;
        } else {
            if (!s->rdonly && access(path, W_OK) != 0) s->rdonly = true;
            rc = env_open(s, false);
        }
    } else if (errno != ENOENT) {
        rc = errno;
    } else {
        /* a missing file is fine (created on first write); a missing directory is not */
        char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            if (slash == dir)
                slash[1] = 0;
            else
                *slash = 0;
            if (stat(dir, &st) != 0)
                rc = errno;
            else if (!S_ISDIR(st.st_mode))
                rc = ENOTDIR;
        }
        free(dir);
    }
    if (rc) {
        store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void store_close(store *s)
{
    if (!s) return;
    if (s->env) mdb_env_close(s->env);
    for (int e = 0; e < ENT_NENTITIES; e++) {
        for (int i = nbuiltin[e]; i < s->schemas[e].n; i++)
            free((char *)s->schemas[e].f[i].name);
        free(s->schemas[e].f);
    }
    free(s->path);
    free(s);
}

int store_begin(store *s, bool write, store_txn **out)
{
    *out = NULL;
    if (write && s->rdonly) return STORE_EREADONLY;
    if (!s->env && write) {
        int rc = env_open(s, true);
        if (rc) return rc;
    }
    store_txn *t = xcalloc(1, sizeof *t);
    t->s = s;
    t->write = write;
    if (s->env) {
        int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
        if (rc == 0) rc = schema_load(s, t->txn);
        uint64_t version = rc == 0 ? meta_u64(t->txn, s->dbi[DB_META], "version") : 0;
        if (rc == 0 && write && !s->rev_open) {
            rc = mdb_dbi_open(t->txn, db_names[DB_BY_REVENUE], MDB_CREATE, &s->dbi[DB_BY_REVENUE]);
            t->rev_opened = rc == 0;
        }
        if (rc == 0 && write && !s->cols_open) {
            rc = mdb_dbi_open(t->txn, db_names[DB_ACOLS], MDB_CREATE, &s->dbi[DB_ACOLS]);
            t->cols_opened = rc == 0;
        }
        if (rc == 0 && write && !s->icols_open) {
            rc = mdb_dbi_open(t->txn, db_names[DB_ICOLS], MDB_CREATE, &s->dbi[DB_ICOLS]);
            t->icols_opened = rc == 0;
        }
        if (rc == 0 && write && !s->mof_open) {
            rc = mdb_dbi_open(t->txn, db_names[DB_MANAGER_OF], MDB_CREATE, &s->dbi[DB_MANAGER_OF]);
            t->mof_opened = rc == 0;
        }
        /* whatever this transaction writes is in the current format: an older
         * database is upgraded with it (older kash then refuses the file);
         * version 4 brought by_revenue, 5 acols, 6 icols, built from the
         * accounts and interactions at commit; 7 history rows without their
         * batch's statement, read as well as whole ones (hist_row()); 8
         * manager_of, empty in an older file */
        if (rc == 0 && write && version < STORE_VERSION) {
            rc = meta_put_u64(t->txn, s->dbi[DB_META], "version", STORE_VERSION);
            if (version < 4) t->rev_stale = true;
            if (version < 5) t->cols_stale = true;
            if (version < 6) t->icols_stale = true;
        }
        t->rev_ok = write || (s->rev_open && version >= 4);
        t->cols_ok = !write && s->cols_open && version >= 5;
        t->icols_ok = !write && s->icols_open && version >= 6;
        if (rc == 0) mof_count(t);
        if (rc) {
            if (t->txn) mdb_txn_abort(t->txn);
            free(t);
            return rc;
        }
    }
    *out = t;
    return 0;
}

int store_twin(store_txn *t, store_txn **out)
{
    *out = NULL;
    if (!t->txn || t->write) return STORE_NOTFOUND;
    MDB_txn *x;
    int rc = mdb_txn_begin(t->s->env, NULL, MDB_RDONLY, &x);
    if (rc) return rc;
    if (mdb_txn_id(x) != mdb_txn_id(t->txn)) { /* a write committed since T began */
        mdb_txn_abort(x);
        return STORE_NOTFOUND;
    }
    store_txn *u = xcalloc(1, sizeof *u);
    u->s = t->s;
    u->txn = x;
    u->rev_ok = t->rev_ok;
    u->cols_ok = t->cols_ok;
    u->icols_ok = t->icols_ok;
    mof_count(u);
    *out = u;
    return 0;
}

bool store_txn_writable(const store_txn *t)
{
    return t->write;
}

static void txn_free(store_txn *t)
{
    for (size_t i = 0; i < t->delta_cap; i++)
        free(t->deltas[i].id);
    free(t->deltas);
    rbuf_free(&t->buf);
    rbuf_free(&t->hstmt);
    rbuf_free(&t->key);
    free(t->irows);
    free(t->iacct);
    rbuf_free(&t->ipend);
    rbuf_free(&t->iblk);
    rbuf_free(&t->imerge);
    rbuf_free(&t->ilast);
    rbuf_free(&t->cdirty);
    rbuf_free(&t->cslots);
    rbuf_free(&t->icdirty);
    if (t->filled) arena_free(t->filled);
    free(t->filled);
    free(t);
}

static int flush_deltas(store_txn *t);
static int iflush(store_txn *t);
static int rev_build(store_txn *t);
static int cols_build(store_txn *t);
static int cols_update(store_txn *t);
static int cols_walk(store_txn *t, int entity, store_cols **out);
static int hist_row(store_cursor *c, const MDB_val *k, const uint8_t **rec, size_t *len);
static int icols_build(store_txn *t);
static int icols_update(store_txn *t);
static int block_row(const uint8_t *b, size_t n, size_t *off, uint32_t *seq, const uint8_t **rec,
                     size_t *len);

static void close_cursors(store_txn *t)
{
    if (t->icur) mdb_cursor_close(t->icur);
    if (t->hcur) mdb_cursor_close(t->hcur);
    for (int i = 0; i < DB_N; i++)
        if (t->kcur[i]) mdb_cursor_close(t->kcur[i]);
}

int store_commit(store_txn *t)
{
    int rc = 0;
    if (t->txn) {
        if (t->write) {
            rc = iflush(t);
            if (rc == 0 &&
                (t->icols_stale || 4 * t->iadded >= store_count(t, ENT_INTERACTIONS) + 4096))
                rc = icols_build(t);
            else if (rc == 0 && t->nicdirty)
                rc = icols_update(t);
            if (rc == 0 && t->rev_stale) rc = rev_build(t);
            if (rc == 0 && t->mof_n && 4 * t->mof_n >= store_count(t, ENT_ACCOUNTS) + 4096)
                rc = mof_fold(t);
            if (rc == 0 && t->cols_stale)
                rc = cols_build(t);
            else if (rc == 0 && t->ncdirty)
                rc = cols_update(t);
            /* after the columns: the loads may be summed from them */
            if (rc == 0) rc = flush_deltas(t);
            if (rc == 0 && t->iadded)
                rc = meta_put_u64(t->txn, t->s->dbi[DB_META], "interactions",
                                  meta_u64(t->txn, t->s->dbi[DB_META], "interactions") + t->iadded);
            if (rc == 0 && t->seq_loaded) {
                rc = meta_put_u64(t->txn, t->s->dbi[DB_META], "seq", t->seq);
            }
            close_cursors(t);
            if (rc) {
                mdb_txn_abort(t->txn);
                t->s->schema_gen = UINT64_MAX;
            } else {
                rc = mdb_txn_commit(t->txn);
                if (rc) t->s->schema_gen = UINT64_MAX;
            }
            if (rc == 0 && t->rev_opened) t->s->rev_open = true;
            if (rc == 0 && t->cols_opened) t->s->cols_open = true;
            if (rc == 0 && t->icols_opened) t->s->icols_open = true;
            if (rc == 0 && t->mof_opened) t->s->mof_open = true;
        } else {
            mdb_txn_abort(t->txn);
        }
    }
    txn_free(t);
    return rc;
}

void store_abort(store_txn *t)
{
    if (t->txn) {
        close_cursors(t);
        mdb_txn_abort(t->txn);
        if (t->write) t->s->schema_gen = UINT64_MAX; /* fields added in T are gone */
    }
    txn_free(t);
}

/* ---- schema ---- */

const schema *store_schema(store_txn *t, int entity)
{
    return &t->s->schemas[entity];
}

int store_field(store_txn *t, int entity, const char *name)
{
    const schema *sc = &t->s->schemas[entity];
    for (int i = 0; i < sc->n; i++)
        if (strcmp(sc->f[i].name, name) == 0) return i;
    return -1;
}

int store_field_add(store_txn *t, int entity, const char *name, int type, int *slot)
{
    if (!t->write) return STORE_EREADONLY;
    schema *sc = &t->s->schemas[entity];
    sc->f = xrealloc(sc->f, sizeof(field_def) * (size_t)(sc->n + 1));
    sc->f[sc->n] = (field_def){xstrdup(name), (uint8_t)type, FLD_CUSTOM};
    *slot = sc->n++;
    return schema_save(t, entity);
}

int store_field_retype(store_txn *t, int entity, int slot, int type)
{
    if (!t->write) return STORE_EREADONLY;
    schema *sc = &t->s->schemas[entity];
    if (slot < nbuiltin[entity] || slot >= sc->n) return EINVAL;
    sc->f[slot].type = (uint8_t)type;
    return schema_save(t, entity);
}

value store_coerce(value v, int type, char *buf)
{
    if (v.type == T_NULL || v.type == type) return v;
    switch (type) {
    case T_NUM:
        if (v.type == T_INT) return v_num((double)v.i);
        break;
    case T_DATETIME:
        if (v.type == T_DATE) return v_datetime(v.i * 86400);
        break;
    case T_TEXT: {
        int n = format_value(&v, buf);
        return v_text(buf, (size_t)n);
    }
    default: break;
    }
    return v;
}

/* ---- keys ---- */

static void be64(uint8_t *p, uint64_t x)
{
    for (int i = 7; i >= 0; i--)
        p[i] = (uint8_t)x, x >>= 8;
}

static void be32(uint8_t *p, uint32_t x)
{
    for (int i = 3; i >= 0; i--)
        p[i] = (uint8_t)x, x >>= 8;
}

/* The key of an account or manager record: its id. */
static int key_of(const uint8_t *rec, size_t len, MDB_val *k)
{
    value id = rec_get(rec, len, 0);
    if (id.type != T_TEXT || id.len == 0 || id.len > KEY_MAX) return STORE_EKEY;
    k->mv_data = (void *)id.s;
    k->mv_size = id.len;
    return 0;
}

/* ---- the revenue index ----
 *
 * by_revenue has a key per account whose revenue is a number: 8 bytes that
 * sort as the revenue descending, then the id; the value is empty. So a
 * forward walk is the order of `sort revenue desc, id`. */

/* The key prefix of revenue V, false when V is not a number (null: the
 * account is not in the index). The double's bits made to sort as an
 * unsigned integer (sign bit set for positives, all bits flipped for
 * negatives), then complemented for the descending order. -0.0 is 0.0 and
 * every NaN the same NaN: value_cmp() has them equal, and NaN above every
 * number (`set revenue = 1e308 * 10 - 1e308 * 10` stores one). */
static bool rev_bits(value v, uint64_t *out)
{
    double x;
    if (!num_of(v, &x)) return false;
    uint64_t b = UINT64_C(0x7FF8000000000000);
    if (x == 0) x = 0;
    if (!isnan(x)) memcpy(&b, &x, 8);
    b = b >> 63 ? ~b : b | UINT64_C(1) << 63;
    *out = ~b;
    return true;
}

/* Keeps by_revenue right for account ID written as REC over OLD (NULL: new). */
static int rev_put(store_txn *t, const MDB_val *id, const uint8_t *old, size_t oldlen,
                   const uint8_t *rec, size_t len)
{
    uint64_t o = 0, n = 0;
    bool ho = old && rev_bits(rec_get(old, oldlen, A_REVENUE), &o);
    bool hn = rev_bits(rec_get(rec, len, A_REVENUE), &n);
    if (ho == hn && o == n) return 0;
    uint8_t key[8 + KEY_MAX];
    memcpy(key + 8, id->mv_data, id->mv_size);
    MDB_val k = {8 + id->mv_size, key}, v = {0, NULL};
    MDB_dbi ix = t->s->dbi[DB_BY_REVENUE];
    int rc = 0;
    if (ho) {
        be64(key, o);
        rc = mdb_del(t->txn, ix, &k, NULL);
        if (rc == MDB_NOTFOUND) rc = 0;
    }
    if (rc == 0 && hn) {
        be64(key, n);
        rc = mdb_put(t->txn, ix, &k, &v, 0);
    }
    return rc;
}

struct rev_row {
    uint64_t rev;
    size_t off, len; /* the id at ids + off */
};

/* Sorts ROWS by rev, equal ones kept in their order (the accounts' id order):
 * a radix sort, 16 bits a pass (1M accounts: qsort 0.2 s, this 0.05 s). */
static void rev_sort(struct rev_row *rows, size_t n)
{
    struct rev_row *tmp = xmalloc(sizeof *tmp * n), *from = rows, *to = tmp;
    size_t *at = xmalloc(sizeof *at * 65536);
    for (int shift = 0; shift < 64; shift += 16) {
        memset(at, 0, sizeof *at * 65536);
        for (size_t i = 0; i < n; i++)
            at[from[i].rev >> shift & 0xFFFF]++;
        for (size_t d = 0, sum = 0; d < 65536; d++) {
            size_t c = at[d];
            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[at[from[i].rev >> shift & 0xFFFF]++] = from[i];
        struct rev_row *x = from;
        from = to;
        to = x;
    }
    free(at);
    free(tmp); /* four passes: the result is back in ROWS */
}

/* Fills by_revenue afresh from the accounts: on the first write of a
 * version-3 file, and for a write of many accounts, which does not keep it
 * row by row (see store_put()). The keys are sorted and appended
 * (MDB_APPEND), which fills the pages; plain puts leave them half full. */
static int rev_build(store_txn *t)
{
    MDB_dbi ix = t->s->dbi[DB_BY_REVENUE];
    struct rev_row *rows = NULL;
    size_t n = 0, cap = 0;
    rbuf ids = {0};
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_drop(t->txn, ix, 0);
    if (rc == 0) rc = mdb_cursor_open(t->txn, t->s->dbi[DB_ACCOUNTS], &c);
    if (rc) return rc;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint64_t r;
        if (!rev_bits(rec_get(v.mv_data, v.mv_size, A_REVENUE), &r)) continue;
        if (k.mv_size > KEY_MAX) continue; /* cannot be: store_put() refuses such ids */
        if (n == cap) rows = xrealloc(rows, sizeof *rows * (cap = cap ? 2 * cap : 4096));
        rbuf_reserve(&ids, k.mv_size);
        rows[n++] = (struct rev_row){r, ids.len, k.mv_size};
        memcpy(ids.data + ids.len, k.mv_data, k.mv_size);
        ids.len += k.mv_size;
    }
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND) rc = 0;
    if (rc == 0 && n) {
        rev_sort(rows, n);
        uint8_t key[8 + KEY_MAX];
        if ((rc = mdb_cursor_open(t->txn, ix, &c)) == 0) {
            for (size_t i = 0; i < n && rc == 0; i++) {
                be64(key, rows[i].rev);
                memcpy(key + 8, ids.data + rows[i].off, rows[i].len);
                k = (MDB_val){8 + rows[i].len, key};
                v = (MDB_val){0, NULL};
                rc = mdb_cursor_put(c, &k, &v, MDB_APPEND);
            }
            mdb_cursor_close(c);
        }
    }
    if (rc == 0) t->rev_stale = false;
    free(rows);
    rbuf_free(&ids);
    return rc;
}

/* ---- account columns ----
 *
 * acols holds every field of the accounts again, a block of about COL_ROWS
 * accounts (in id order) at a time, each field of a block as one value in
 * the form of columns.h, keyed by the block's first id, a NUL and the slot
 * (be16). A block covers the ids from its first up to the next block's
 * first (the first block: from the lowest). Blocks are derived from the
 * records alone and rewritten at commit: every block holding an account the
 * transaction wrote (cols_update()), or all of them (cols_build()) when a
 * quarter of the accounts were written or the file is older than version 5.
 * A block lacks the slots of fields added after it was written: null. */

enum { COLKEY_MAX = KEY_MAX + 16 }; /* an interaction block key (KEY_MAX + 13) and a slot */

/* The key of column SLOT of the block whose first key is FIRST (N bytes):
 * in acols (NUL) the first account id, a NUL and the slot; in icols the
 * first interaction block's key and the slot. */
static size_t col_key(uint8_t *key, const void *first, size_t n, bool nul, unsigned slot)
{
    memcpy(key, first, n);
    if (nul) key[n++] = 0;
    key[n] = (uint8_t)(slot >> 8);
    key[n + 1] = (uint8_t)slot;
    return n + 2;
}

/* Appends id ID of N bytes to LIST: a u16 length, then the bytes. */
static void id_add(rbuf *list, const void *id, size_t n)
{
    rbuf_reserve(list, 2 + n);
    uint16_t len = (uint16_t)n;
    memcpy(list->data + list->len, &len, 2);
    memcpy(list->data + list->len + 2, id, n);
    list->len += 2 + n;
}

static bool value_same(const value *a, const value *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case T_NULL: return true;
    case T_TEXT: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case T_NUM: return memcmp(&a->n, &b->n, sizeof a->n) == 0; /* bit for bit */
    default: return a->i == b->i;
    }
}

/* Notes that account ID was written in T, from record OLD (NULL: added) to
 * NEW: its block is rewritten at commit, and of a block that keeps its
 * accounts only the fields some written account changed (t->cslots). */
static void cols_dirty(store_txn *t, const void *id, size_t n, const uint8_t *old, size_t oldlen,
                       const uint8_t *new, size_t newlen)
{
    if (t->cols_stale) return;
    if (4 * ++t->ncdirty >= store_count(t, ENT_ACCOUNTS) + 4096) {
        t->cols_stale = true; /* cheaper to write them all */
        rbuf_free(&t->cdirty);
        return;
    }
    id_add(&t->cdirty, id, n);
    if (!old) {
        t->cslots_all = true;
        return;
    }
    if (t->cslots_all) return;
    rec_view a = rec_view_of(old, oldlen), b = rec_view_of(new, newlen);
    unsigned ns = a.ns > b.ns ? a.ns : b.ns;
    if (t->cslots.len < ns) {
        rbuf_reserve(&t->cslots, ns - t->cslots.len);
        memset(t->cslots.data + t->cslots.len, 0, ns - t->cslots.len);
        t->cslots.len = ns;
    }
    for (unsigned s = 0; s < ns; s++) {
        if (t->cslots.data[s]) continue;
        value x = rec_view_get(&a, s), y = rec_view_get(&b, s);
        if (!value_same(&x, &y)) t->cslots.data[s] = 1;
    }
}

/* Blocks being written: the records of the rows of one block, and the
 * encoded columns. */
typedef struct colwriter {
    store_txn *t;
    MDB_cursor *acur; /* the rows: accounts or interactions */
    MDB_cursor *ccur; /* their columns: acols or icols */
    bool nul;         /* keys of acols: first id NUL slot (see col_key()) */
    unsigned nslots;
    size_t cap; /* room in recs, lens and vals */
    const uint8_t **recs;
    size_t *lens;
    value *vals;
    rbuf *cols; /* [nslots] */
    rbuf first; /* the block's first id */
    rbuf next;  /* where reading goes on: the id after the block */
    rbuf old;   /* an old value, for comparison */
    rbuf cut;   /* icols_read(): where a block may be cut, after ncut rows */
    size_t ncut;
    const rbuf *only; /* when set, only the slots marked in it are encoded and
                       * written (a block that keeps its accounts) */
    mofwalk mof;      /* accounts: their managers in manager_of */
    rbuf fill;        /* an account's record with its manager from there, */
    arena *filled;    /* copied here until the next cols_read() */
} colwriter;

static bool cols_want(const colwriter *w, unsigned slot)
{
    return !w->only || (slot < w->only->len && w->only->data[slot]);
}

/* Makes room in W for N rows. */
static void colwriter_room(colwriter *w, size_t n)
{
    if (n <= w->cap) return;
    w->cap = n > 2 * w->cap ? n : 2 * w->cap;
    w->recs = xrealloc(w->recs, sizeof *w->recs * w->cap);
    w->lens = xrealloc(w->lens, sizeof *w->lens * w->cap);
    w->vals = xrealloc(w->vals, sizeof *w->vals * w->cap * (w->nslots ? w->nslots : 1));
}

/* A writer of the columns of ENTITY (accounts or interactions), with cursors
 * over their rows and columns. */
static int colwriter_init(colwriter *w, store_txn *t, int entity)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->nul = entity == ENT_ACCOUNTS;
    w->nslots = (unsigned)t->s->schemas[entity].n;
    colwriter_room(w, 2 * COL_ROWS + 1);
    w->cols = xcalloc(w->nslots ? w->nslots : 1, sizeof *w->cols);
    bool acc = entity == ENT_ACCOUNTS;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[acc ? DB_ACCOUNTS : DB_INTERACTIONS], &w->acur);
    if (rc == 0) rc = mdb_cursor_open(t->txn, t->s->dbi[acc ? DB_ACOLS : DB_ICOLS], &w->ccur);
    return rc;
}

static void colwriter_free(colwriter *w)
{
    if (w->acur) mdb_cursor_close(w->acur);
    if (w->ccur) mdb_cursor_close(w->ccur);
    for (unsigned i = 0; i < w->nslots; i++)
        rbuf_free(&w->cols[i]);
    free(w->cols);
    free(w->recs);
    free(w->lens);
    free(w->vals);
    rbuf_free(&w->first);
    rbuf_free(&w->next);
    rbuf_free(&w->old);
    rbuf_free(&w->cut);
    mofwalk_free(&w->mof);
    rbuf_free(&w->fill);
    if (w->filled) arena_free(w->filled);
    free(w->filled);
}

static void rbuf_set(rbuf *b, const void *p, size_t n)
{
    b->len = 0;
    rbuf_reserve(b, n ? n : 1);
    memcpy(b->data, p, n);
    b->len = n;
}

/* Encodes the N records in W->recs as columns; in acols, keeps the first id
 * as the block's first key (icols_read() sets that of icols). */
static void cols_encode(colwriter *w, size_t n)
{
    if (w->nul) {
        value id = rec_get(w->recs[0], w->lens[0], 0);
        rbuf_set(&w->first, id.s, id.len);
    }
    /* each record's header read once: the values of slot S at vals + S * n */
    for (size_t i = 0; i < n; i++) {
        rec_view rv = rec_view_of(w->recs[i], w->lens[i]);
        for (unsigned s = 0; s < w->nslots; s++)
            if (cols_want(w, s)) w->vals[s * n + i] = rec_view_get(&rv, s);
    }
    for (unsigned s = 0; s < w->nslots; s++)
        if (cols_want(w, s)) col_encode(&w->cols[s], w->vals + s * n, (uint32_t)n);
}

/* Writes the encoded block; with SAME, the block's keys exist and a column
 * equal to the one stored is not written again. */
static int cols_put(colwriter *w, bool same, unsigned flags)
{
    uint8_t key[COLKEY_MAX];
    int rc = 0;
    for (unsigned s = 0; s < w->nslots && rc == 0; s++) {
        if (!cols_want(w, s)) continue;
        size_t klen = col_key(key, w->first.data, w->first.len, w->nul, s);
        MDB_val k = {klen, key}, v = {w->cols[s].len, w->cols[s].data}, ov;
        if (same && mdb_cursor_get(w->ccur, &k, &ov, MDB_SET_KEY) == 0 && ov.mv_size == v.mv_size &&
            memcmp(ov.mv_data, v.mv_data, v.mv_size) == 0)
            continue;
        k = (MDB_val){klen, key}; /* (SET_KEY pointed K into the page the put changes) */
        rc = mdb_cursor_put(w->ccur, &k, &v, flags);
    }
    return rc;
}

/* Reads into W->recs the accounts from W->next on (from the first with
 * FROM_START), up to MAX of them and short of id END (none: END NULL):
 * returns how many in *N, and leaves W->next at the id after them (empty
 * when none). */
static int cols_read(colwriter *w, bool from_start, const rbuf *end, size_t max, size_t *n)
{
    MDB_val k = {w->next.len, w->next.data}, v;
    int rc = from_start ? mdb_cursor_get(w->acur, &k, &v, MDB_FIRST)
                        : mdb_cursor_get(w->acur, &k, &v, MDB_SET_RANGE);
    *n = 0;
    if (w->filled) arena_reset(w->filled);
    for (; rc == 0; rc = mdb_cursor_get(w->acur, &k, &v, MDB_NEXT)) {
        if (end && bytes_cmp(k.mv_data, k.mv_size, end->data, end->len) >= 0) break;
        if (*n == max) {
            rbuf_set(&w->next, k.mv_data, k.mv_size);
            return 0;
        }
        w->recs[*n] = v.mv_data;
        w->lens[*n] = v.mv_size;
        int r2 = mof_apply(w->t, &w->mof, &k, v.mv_data, v.mv_size, &w->fill);
        if (r2 == 0)
            w->recs[*n] = fill_copy(&w->filled, &w->fill), w->lens[*n] = w->fill.len;
        else if (r2 != MDB_NOTFOUND)
            return r2;
        (*n)++;
    }
    w->next.len = 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int icols_read(colwriter *w, bool from_start, const rbuf *end, size_t min, size_t cut,
                      size_t *n);

/* Where build_all() puts the columns in the file. LMDB keeps a value too
 * big for half a page in overflow pages of its own, which it takes in the
 * order the values are written: written block by block, the columns of a
 * field lie among those of every other field, and a query reading two
 * fields of every block has the kernel map them all (64 KB around each
 * fault). So build_all() appends each block's keys in order, but a big
 * column first as a placeholder of the size of the page number that takes
 * its place (the leaf keeps its size: no split), and writes the values of
 * a run of blocks (LATER_BYTES of them) afterwards, field by field: each
 * field's columns of the run lie together. The keys and values are those
 * of the plain appends; only the order of the pages differs.
 * $KASH_COLS_RUN sets the bytes of a run (tests: 1 writes each block's at
 * once, as plain appends would place them). */
enum { LATER_BYTES = 16 << 20 };

typedef struct later {
    size_t nodemax; /* LMDB's largest node in a leaf page (mdb.c: me_nodemax) */
    rbuf q;         /* u16 slot, u16 key length, u32 value length, key, value */
    size_t n;
} later;

/* Appends the block encoded in W, deferring its big columns to L. */
static int cols_put_later(colwriter *w, later *l)
{
    uint8_t key[COLKEY_MAX], hold[sizeof(size_t)] = {0};
    int rc = 0;
    for (unsigned s = 0; s < w->nslots && rc == 0; s++) {
        size_t klen = col_key(key, w->first.data, w->first.len, w->nul, s);
        MDB_val k = {klen, key}, v = {w->cols[s].len, w->cols[s].data};
        if (8 + klen + v.mv_size > l->nodemax) { /* NODESIZE + key + data */
            uint16_t hs = (uint16_t)s, hk = (uint16_t)klen;
            uint32_t hv = (uint32_t)v.mv_size;
            rbuf_reserve(&l->q, 8 + klen + v.mv_size);
            uint8_t *p = l->q.data + l->q.len;
            memcpy(p, &hs, 2), memcpy(p + 2, &hk, 2), memcpy(p + 4, &hv, 4);
            memcpy(p + 8, key, klen), memcpy(p + 8 + klen, v.mv_data, v.mv_size);
            l->q.len += 8 + klen + v.mv_size;
            l->n++;
            v = (MDB_val){sizeof hold, hold};
        }
        rc = mdb_cursor_put(w->ccur, &k, &v, MDB_APPEND);
    }
    return rc;
}

/* Writes the deferred columns of L over their placeholders, field by field. */
static int later_flush(store_txn *t, MDB_dbi dbi, later *l, unsigned nslots)
{
    int rc = 0;
    for (unsigned s = 0; s < nslots && rc == 0 && l->n; s++) {
        for (size_t off = 0; off < l->q.len && rc == 0;) {
            uint16_t hs, hk;
            uint32_t hv;
            const uint8_t *p = l->q.data + off;
            memcpy(&hs, p, 2), memcpy(&hk, p + 2, 2), memcpy(&hv, p + 4, 4);
            off += 8u + hk + hv;
            if (hs != s) continue;
            MDB_val k = {hk, (void *)(p + 8)}, v = {hv, (void *)(p + 8 + hk)};
            rc = mdb_put(t->txn, dbi, &k, &v, 0);
        }
    }
    l->q.len = 0, l->n = 0;
    return rc;
}

/* Writes all the columns of ENTITY (accounts or interactions) afresh, by
 * appends: blocks of COL_ROWS rows (interactions: whole interaction blocks,
 * at least COL_ROWS rows), each field's columns of a run of blocks
 * together (above). */
static int build_all(store_txn *t, int entity)
{
    colwriter w;
    MDB_dbi dbi = t->s->dbi[entity == ENT_ACCOUNTS ? DB_ACOLS : DB_ICOLS];
    later l = {.nodemax = (((t->s->psize - 16) / 2) & ~(size_t)1) - 2};
    int rc = colwriter_init(&w, t, entity);
    if (rc == 0) rc = mdb_drop(t->txn, dbi, 0);
    const char *e = getenv("KASH_COLS_RUN");
    size_t run = e && *e ? strtoull(e, NULL, 10) : LATER_BYTES;
    bool start = true;
    while (rc == 0 && (start || w.next.len)) {
        size_t n;
        rc = entity == ENT_ACCOUNTS ? cols_read(&w, start, NULL, COL_ROWS, &n)
                                    : icols_read(&w, start, NULL, COL_ROWS, SIZE_MAX, &n);
        start = false;
        if (rc || n == 0) break;
        cols_encode(&w, n);
        rc = cols_put_later(&w, &l);
        if (rc == 0 && l.q.len >= run) rc = later_flush(t, dbi, &l, w.nslots);
    }
    if (rc == 0) rc = later_flush(t, dbi, &l, w.nslots);
    rbuf_free(&l.q);
    colwriter_free(&w);
    return rc;
}

static int cols_build(store_txn *t)
{
    int rc = build_all(t, ENT_ACCOUNTS);
    if (rc == 0)
        t->cols_stale = false, t->ncdirty = 0, t->cdirty.len = 0, t->cslots.len = 0,
        t->cslots_all = false;
    return rc;
}

/* Deletes every column of the block whose first key is W->first. */
static int cols_delete(colwriter *w)
{
    uint8_t key[COLKEY_MAX];
    size_t klen = col_key(key, w->first.data, w->first.len, w->nul, 0);
    MDB_val k = {klen, key}, v;
    int rc = mdb_cursor_get(w->ccur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == klen && memcmp(k.mv_data, key, klen - 2) == 0) {
        if ((rc = mdb_cursor_del(w->ccur, 0)) == 0)
            rc = mdb_cursor_get(w->ccur, &k, &v, MDB_GET_CURRENT);
    }
    return rc == MDB_NOTFOUND || rc == EINVAL ? 0 : rc;
}

static int id_cmp(const void *a, const void *b, void *ctx)
{
    const uint8_t *base = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint16_t xl, yl;
    memcpy(&xl, base + x, 2);
    memcpy(&yl, base + y, 2);
    return bytes_cmp(base + x + 2, xl, base + y + 2, yl);
}

/* The offsets in LIST of its N ids (each a u16 length and the bytes), in
 * id order. */
static size_t *sorted_ids(const rbuf *list, size_t n)
{
    size_t *ids = xmalloc(sizeof *ids * (n ? n : 1));
    for (size_t i = 0, off = 0; i < n; i++) {
        ids[i] = off;
        uint16_t l;
        memcpy(&l, list->data + off, 2);
        off += 2 + l;
    }
    qsort_r(ids, n, sizeof *ids, id_cmp, list->data);
    return ids;
}

/* Rewrites the blocks holding the accounts written in T. */
static int cols_update(store_txn *t)
{
    size_t n = t->ncdirty, *ids = sorted_ids(&t->cdirty, n);
    colwriter w;
    rbuf end = {0}, blk = {0};
    int rc = colwriter_init(&w, t, ENT_ACCOUNTS);
    size_t i = 0;
    while (rc == 0 && i < n) {
        uint16_t l;
        memcpy(&l, t->cdirty.data + ids[i], 2);
        const uint8_t *id = t->cdirty.data + ids[i] + 2;
        /* the block holding ID: the last whose first id is <= ID, else the first */
        uint8_t key[COLKEY_MAX];
        MDB_val k = {col_key(key, id, l, true, 0xFFFF), key}, v;
        bool has_blk = true, first_blk = false, has_end = false;
        rc = mdb_cursor_get(w.ccur, &k, &v, MDB_SET_RANGE);
        if (rc == 0)
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_PREV);
        else if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_LAST);
        if (rc == MDB_NOTFOUND) /* before the first block, or none at all */
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_FIRST);
        if (rc == MDB_NOTFOUND) has_blk = false, rc = 0;
        if (rc) break;
        if (has_blk) {
            if (k.mv_size < 3) {
                rc = STORE_ECORRUPT;
                break;
            }
            rbuf_set(&blk, k.mv_data, k.mv_size - 3);
            MDB_val fk, fv;
            if ((rc = mdb_cursor_get(w.ccur, &fk, &fv, MDB_FIRST)) != 0) break;
            first_blk = fk.mv_size == k.mv_size && memcmp(fk.mv_data, blk.data, blk.len) == 0 &&
                        ((uint8_t *)fk.mv_data)[blk.len] == 0;
            k = (MDB_val){col_key(key, blk.data, blk.len, true, 0xFFFF), key};
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_SET_RANGE);
            if (rc == 0 && k.mv_size >= 3) has_end = true, rbuf_set(&end, k.mv_data, k.mv_size - 3);
            if (rc == MDB_NOTFOUND) rc = 0;
            if (rc) break;
        }
        /* the dirty ids of this block: all up to END */
        while (i < n) {
            memcpy(&l, t->cdirty.data + ids[i], 2);
            if (has_end && bytes_cmp(t->cdirty.data + ids[i] + 2, l, end.data, end.len) >= 0) break;
            i++;
        }
        /* read the block's accounts again and write it, or them: a block
         * grown past twice COL_ROWS is cut in blocks of COL_ROWS */
        bool start = !has_blk || first_blk;
        if (!start) rbuf_set(&w.next, blk.data, blk.len);
        bool whole = true; /* the first piece is the whole block */
        for (int piece = 0; rc == 0; piece++) {
            size_t got;
            rc = cols_read(&w, start, has_end ? &end : NULL, piece == 0 ? 2 * COL_ROWS : COL_ROWS,
                           &got);
            start = false;
            if (rc) break;
            if (piece == 0 && w.next.len) {
                whole = false; /* more than 2 * COL_ROWS: cut after COL_ROWS */
                value cut = rec_get(w.recs[COL_ROWS], w.lens[COL_ROWS], 0);
                rbuf_set(&w.next, cut.s, cut.len);
                got = COL_ROWS;
            }
            if (got == 0) break;
            value first = rec_get(w.recs[0], w.lens[0], 0);
            bool same = piece == 0 && whole && has_blk && first.len == blk.len &&
                        memcmp(first.s, blk.data, blk.len) == 0;
            /* a block that keeps its accounts (none added): only the fields changed */
            w.only = same && !t->cslots_all ? &t->cslots : NULL;
            cols_encode(&w, got);
            if (piece == 0 && has_blk && !same) {
                rbuf keep = w.first;
                w.first = blk;
                rc = cols_delete(&w);
                blk = w.first;
                w.first = keep;
                if (rc) break;
            }
            rc = cols_put(&w, same, 0);
            if (!w.next.len) break;
        }
    }
    if (rc == 0) t->ncdirty = 0, t->cdirty.len = 0, t->cslots.len = 0, t->cslots_all = false;
    free(ids);
    rbuf_free(&end);
    rbuf_free(&blk);
    colwriter_free(&w);
    return rc;
}

/* ---- interaction columns ----
 *
 * icols holds every field of the interactions again, as acols does for the
 * accounts: blocks of rows in key order (account, then time), each field of
 * a block as a column, keyed by the key of the block's first interaction
 * block and the slot (be16). A block of columns holds whole interaction
 * blocks, at least COL_ROWS rows (the last may hold fewer) and fewer than
 * 2 * COL_ROWS plus one interaction block's. It covers the keys from its
 * first up to the next block's first (the first block: from the lowest).
 * Written at commit: the blocks covering the accounts whose interactions the
 * transaction wrote (icols_update()), or all of them (icols_build()) when a
 * quarter of the interactions are new or the file is older than version 6. */

/* Notes that account ACCT's interactions were written in T. */
static void icols_dirty(store_txn *t, const char *acct, size_t n)
{
    if (t->icols_stale) return;
    id_add(&t->icdirty, acct, n);
    t->nicdirty++;
}

/* Reads into W->recs the rows of whole interaction blocks, from the block
 * at or after key W->next (the first with FROM_START) and short of block key
 * END (none: NULL), until at least MIN rows: *N rows, W->first the first
 * block's key, W->next the key of the block after them (empty when none).
 * The first block boundary at or past CUT rows is noted in W->cut and
 * W->ncut (0 when none). */
static int icols_read(colwriter *w, bool from_start, const rbuf *end, size_t min, size_t cut,
                      size_t *n)
{
    MDB_val k = {w->next.len, w->next.data}, v;
    int rc = from_start ? mdb_cursor_get(w->acur, &k, &v, MDB_FIRST)
                        : mdb_cursor_get(w->acur, &k, &v, MDB_SET_RANGE);
    *n = 0;
    w->ncut = 0;
    for (; rc == 0; rc = mdb_cursor_get(w->acur, &k, &v, MDB_NEXT)) {
        if (end && bytes_cmp(k.mv_data, k.mv_size, end->data, end->len) >= 0) break;
        if (*n && *n >= cut && !w->ncut) {
            rbuf_set(&w->cut, k.mv_data, k.mv_size);
            w->ncut = *n;
        }
        if (*n >= min) {
            rbuf_set(&w->next, k.mv_data, k.mv_size);
            return 0;
        }
        if (*n == 0) rbuf_set(&w->first, k.mv_data, k.mv_size);
        size_t off = 0, len;
        uint32_t seq;
        const uint8_t *rec;
        int r;
        while ((r = block_row(v.mv_data, v.mv_size, &off, &seq, &rec, &len)) == 1) {
            colwriter_room(w, *n + 1);
            w->recs[*n] = rec;
            w->lens[(*n)++] = len;
        }
        if (r < 0) return STORE_ECORRUPT;
    }
    w->next.len = 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int icols_build(store_txn *t)
{
    int rc = build_all(t, ENT_INTERACTIONS);
    if (rc == 0) t->icols_stale = false, t->nicdirty = 0, t->icdirty.len = 0;
    return rc;
}

/* Rewrites the blocks covering the accounts whose interactions T wrote: for
 * each, every block from the one holding the key ACCOUNT NUL (below all of
 * the account's) to the first starting at or after ACCOUNT 0x01 (above
 * them), read again from the interactions and cut anew. */
static int icols_update(store_txn *t)
{
    size_t n = t->nicdirty, *ids = sorted_ids(&t->icdirty, n);
    colwriter w;
    rbuf end = {0};
    uint8_t key[COLKEY_MAX];
    int rc = colwriter_init(&w, t, ENT_INTERACTIONS);
    size_t i = 0;
    while (rc == 0 && i < n) {
        uint16_t l;
        memcpy(&l, t->icdirty.data + ids[i], 2);
        const uint8_t *id = t->icdirty.data + ids[i] + 2;
        /* the block holding ID NUL: the last whose first key is below it,
         * else the first (from the start: it covers all below it) */
        memcpy(key, id, l);
        key[l] = 0;
        MDB_val k = {l + 1u, key}, v;
        bool from_start = false, has_end = false;
        rc = mdb_cursor_get(w.ccur, &k, &v, MDB_SET_RANGE);
        if (rc == 0)
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_PREV);
        else if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_LAST);
        if (rc == MDB_NOTFOUND) from_start = true, rc = 0;
        if (rc) break;
        if (!from_start) {
            if (k.mv_size < 3) {
                rc = STORE_ECORRUPT;
                break;
            }
            rbuf_set(&w.next, k.mv_data, k.mv_size - 2);
            MDB_val fk, fv;
            if ((rc = mdb_cursor_get(w.ccur, &fk, &fv, MDB_FIRST)) != 0) break;
            from_start =
                fk.mv_size == w.next.len + 2 && memcmp(fk.mv_data, w.next.data, w.next.len) == 0;
        }
        /* END: the first block at or after ID 0x01 */
        key[l] = 1;
        k = (MDB_val){l + 1u, key};
        rc = mdb_cursor_get(w.ccur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size < 3) rc = STORE_ECORRUPT;
        if (rc == 0) has_end = true, rbuf_set(&end, k.mv_data, k.mv_size - 2);
        if (rc == MDB_NOTFOUND) rc = 0;
        if (rc) break;
        /* the dirty accounts all of whose keys are below END */
        for (i++; i < n && has_end; i++) {
            memcpy(&l, t->icdirty.data + ids[i], 2);
            memcpy(key, t->icdirty.data + ids[i] + 2, l);
            key[l] = 1;
            if (bytes_cmp(key, l + 1u, end.data, end.len) > 0) break;
        }
        if (!has_end) i = n;
        /* delete the blocks from the first up to END, and write them again */
        if (from_start) {
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_FIRST);
        } else {
            k = (MDB_val){col_key(key, w.next.data, w.next.len, false, 0), key};
            rc = mdb_cursor_get(w.ccur, &k, &v, MDB_SET_RANGE);
        }
        while (rc == 0 && (!has_end || bytes_cmp(k.mv_data, k.mv_size, end.data, end.len) < 0)) {
            if ((rc = mdb_cursor_del(w.ccur, 0)) == 0)
                rc = mdb_cursor_get(w.ccur, &k, &v, MDB_GET_CURRENT);
        }
        if (rc == MDB_NOTFOUND || rc == EINVAL) rc = 0;
        /* pieces of 2 * COL_ROWS rows at most, but for the one interaction
         * block that reaches the limit; when more follow, cut at the first
         * block boundary past COL_ROWS */
        bool start = from_start;
        while (rc == 0) {
            size_t got;
            rc = icols_read(&w, start, has_end ? &end : NULL, 2 * COL_ROWS, COL_ROWS, &got);
            start = false;
            if (rc || got == 0) break;
            if (w.next.len && w.ncut) {
                got = w.ncut;
                rbuf_set(&w.next, w.cut.data, w.cut.len);
            }
            cols_encode(&w, got);
            rc = cols_put(&w, false, 0);
            if (!w.next.len) break;
        }
    }
    if (rc == 0) t->nicdirty = 0, t->icdirty.len = 0;
    free(ids);
    rbuf_free(&end);
    colwriter_free(&w);
    return rc;
}

/* ---- reading the account columns ---- */

/* What the kernel maps of the file on a page fault: the page and its
 * neighbours, 64 KB in all (fault_around_bytes). */
enum { FAULT_AROUND = 64 << 10 };

struct store_cols {
    store_txn *t;
    MDB_cursor *cur;
    colblock b;
    MDB_dbi dbi; /* acols or icols */
    bool nul;    /* acols: see col_key() */
    rbuf first;  /* the block's first key */
    bool started;
    bool again;          /* the next block is the one at FIRST (store_cols_seek()) */
    size_t since, every; /* bytes mapped since release_pages(); read transactions only */
    uintptr_t last;      /* the end of the last value read */
    uint8_t key[COLKEY_MAX];
};

/* Counts what reading V maps of the file, for release_pages(): the bytes
 * from the last value read when V comes a little after it (blocks written
 * in order lie in order in the file), else a fault's worth around it. */
static void cols_mapped(store_cols *c, const MDB_val *v)
{
    uintptr_t p = (uintptr_t)v->mv_data;
    c->since += p >= c->last && p - c->last <= FAULT_AROUND ? p - c->last + v->mv_size
                                                            : FAULT_AROUND + v->mv_size;
    c->last = p + v->mv_size;
}

int store_cols_open(store_txn *t, int entity, store_cols **out)
{
    *out = NULL;
    bool ok = entity == ENT_ACCOUNTS ? t->cols_ok : entity == ENT_INTERACTIONS && t->icols_ok;
    if (!t->txn || !ok) return STORE_NOTFOUND;
    return cols_walk(t, entity, out);
}

/* store_cols_open() in any transaction: in a writer, the columns are those
 * last written (see cols_update()). */
static int cols_walk(store_txn *t, int entity, store_cols **out)
{
    *out = NULL;
    store_cols *c = xcalloc(1, sizeof *c);
    c->t = t;
    c->nul = entity == ENT_ACCOUNTS;
    c->dbi = t->s->dbi[c->nul ? DB_ACOLS : DB_ICOLS];
    c->every = t->write ? SIZE_MAX : release_every();
    c->b.c = c;
    c->b.nslots = (unsigned)t->s->schemas[entity].n;
    c->b.v = xcalloc(c->b.nslots ? c->b.nslots : 1, sizeof *c->b.v);
    c->b.at = xcalloc(c->b.nslots ? c->b.nslots : 1, sizeof *c->b.at);
    int rc = mdb_cursor_open(t->txn, c->dbi, &c->cur);
    if (rc) {
        store_cols_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void store_cols_close(store_cols *c)
{
    if (!c) return;
    if (c->cur) mdb_cursor_close(c->cur);
    free(c->b.v);
    free(c->b.at);
    rbuf_free(&c->first);
    free(c);
}

const colvec *store_cols_load(colblock *b, unsigned slot)
{
    store_cols *c = b->c;
    colvec *cv = slot < b->nslots ? &b->v[slot] : &b->nulls;
    MDB_val k = {col_key(c->key, c->first.data, c->first.len, c->nul, slot), c->key}, v;
    int rc = slot < b->nslots ? mdb_get(c->t->txn, c->dbi, &k, &v) : MDB_NOTFOUND;
    if (rc == 0) {
        cols_mapped(c, &v);
        if (!col_view(cv, v.mv_data, v.mv_size) || cv->n != b->n) {
            col_view_nulls(cv, b->n);
            b->err = STORE_ECORRUPT;
        }
    } else {
        col_view_nulls(cv, b->n);
        if (rc != MDB_NOTFOUND) b->err = rc;
    }
    if (slot < b->nslots) b->at[slot] = b->serial;
    return cv;
}

/* Points *V at a column of the block whose slot 0 (the ids) is K and *V,
 * for its header's row count: the first held in the leaf page beside its
 * key, if one of the next few is (a column of up to ~2 KB: tier, stage,
 * kind…), rather than the ids, which lie in pages of their own. Every
 * column of a block holds its number of rows, so whichever is read gives
 * the same; what differs is the page: the ids' first page would cost a
 * page fault per few blocks, the leaf is mapped already. */
static void cols_header(store_cols *c, const MDB_val *k, MDB_val *v)
{
    uintptr_t mask = ~(uintptr_t)(c->t->s->psize - 1), page = (uintptr_t)k->mv_data & mask;
    size_t plen = k->mv_size - 2; /* the block's keys: this prefix, then a slot */
    MDB_val k2 = *k, v2 = *v;
    for (int i = 0; i < 4; i++) {
        if (((uintptr_t)v2.mv_data & mask) == page) {
            if (i) *v = v2;
            return;
        }
        if (mdb_cursor_get(c->cur, &k2, &v2, MDB_NEXT) != 0 || k2.mv_size != k->mv_size ||
            memcmp(k2.mv_data, k->mv_data, plen) != 0 || ((uintptr_t)k2.mv_data & mask) != page)
            return;
    }
}

int store_cols_next(store_cols *c, colblock **out)
{
    MDB_val k, v;
    int rc;
    if (!c->started) {
        c->started = true;
        rc = mdb_cursor_get(c->cur, &k, &v, MDB_FIRST);
    } else {
        unsigned slot = c->again ? 0 : 0xFFFF;
        k = (MDB_val){col_key(c->key, c->first.data, c->first.len, c->nul, slot), c->key};
        rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
        c->again = false;
    }
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    const uint8_t *kb = k.mv_data;
    /* every block has its slot 0 (account ids), the first of its keys */
    size_t sfx = c->nul ? 3 : 2;
    if (k.mv_size < sfx + 1 || (c->nul && kb[k.mv_size - 3] != 0) || kb[k.mv_size - 2] ||
        kb[k.mv_size - 1])
        return STORE_ECORRUPT;
    rbuf_set(&c->first, kb, k.mv_size - sfx);
    cols_header(c, &k, &v);
    uint32_t n = 0; /* the rows, from a column's header (the columns are read when asked for) */
    if (v.mv_size >= 8) memcpy(&n, (const uint8_t *)v.mv_data + 4, 4);
    if (n == 0) return STORE_ECORRUPT;
    cols_mapped(c, &v);
    if (c->since >= c->every) { /* as store_next() does */
        release_pages(c->t->s, v.mv_data);
        c->since = 0;
    }
    c->b.n = n;
    c->b.serial++;
    col_view_nulls(&c->b.nulls, n);
    if (c->b.err) return c->b.err;
    *out = &c->b;
    return 1;
}

int store_cols_seek(store_cols *c, const char *id, size_t n)
{
    if (n > KEY_MAX) return STORE_EKEY;
    /* the last key below ID NUL, which every key of ID's rows follows: the
     * last slot of the last block whose first row is of an earlier id */
    memcpy(c->key, id, n);
    c->key[n] = 0;
    MDB_val k = {n + 1, c->key}, v;
    int rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(c->cur, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
    if (rc == MDB_NOTFOUND) { /* none: from the first block */
        c->started = false;
        return 0;
    }
    if (rc) return rc;
    size_t sfx = c->nul ? 3 : 2;
    if (k.mv_size < sfx + 1) return STORE_ECORRUPT;
    rbuf_set(&c->first, k.mv_data, k.mv_size - sfx);
    c->started = c->again = true;
    return 0;
}

/* ---- manager load deltas ---- */

static mgr_delta *delta_slot(store_txn *t, const char *id, size_t n)
{
    if (t->ndeltas * 2 >= t->delta_cap) {
        size_t cap = t->delta_cap ? t->delta_cap * 2 : 64;
        mgr_delta *old = t->deltas;
        size_t oldcap = t->delta_cap;
        t->deltas = xcalloc(cap, sizeof *t->deltas);
        t->delta_cap = cap;
        for (size_t i = 0; i < oldcap; i++) {
            if (!old[i].id) continue;
            size_t j = hash_bytes(old[i].id, strlen(old[i].id), 0) & (cap - 1);
            while (t->deltas[j].id)
                j = (j + 1) & (cap - 1);
            t->deltas[j] = old[i];
        }
        free(old);
    }
    size_t j = hash_bytes(id, n, 0) & (t->delta_cap - 1);
    while (t->deltas[j].id) {
        if (strlen(t->deltas[j].id) == n && memcmp(t->deltas[j].id, id, n) == 0)
            return &t->deltas[j];
        j = (j + 1) & (t->delta_cap - 1);
    }
    char *copy = xmalloc(n + 1);
    memcpy(copy, id, n);
    copy[n] = 0;
    t->deltas[j] = (mgr_delta){copy, false};
    t->ndeltas++;
    return &t->deltas[j];
}

/* Marks the manager of an account record as needing its load recomputed. */
static void contribute(store_txn *t, const uint8_t *rec, size_t len)
{
    value m = rec_get(rec, len, A_MANAGER);
    if (m.type != T_TEXT || m.len == 0) return;
    delta_slot(t, m.s, m.len)->touched = true;
}

static int put_raw(store_txn *t, int db, MDB_val *k, const uint8_t *rec, size_t len)
{
    MDB_val v = {len, (void *)rec};
    return mdb_put(t->txn, t->s->dbi[db], k, &v, 0);
}

static int compute_load(store_txn *t, MDB_val *id, int64_t *load, xsum *rev);
static int loads_of_columns(store_txn *t, int64_t *load, xsum *rev);

/* Whether the touched managers' loads are better summed from the account
 * columns (one pass over three columns of every account) than from their
 * accounts' records (a lookup per account): when they hold more than a
 * 64th of the accounts, as their loads so far tell. */
static bool loads_by_columns(store_txn *t)
{
    if (t->cols_stale) return false; /* the columns are built at commit only */
    uint64_t held = 0;
    for (size_t i = 0; i < t->delta_cap; i++) {
        mgr_delta *d = &t->deltas[i];
        if (!d->id || !d->touched) continue;
        MDB_val k = {strlen(d->id), d->id}, v;
        if (mdb_get(t->txn, t->s->dbi[DB_MANAGERS], &k, &v) != 0) continue;
        value l = rec_get(v.mv_data, v.mv_size, M_LOAD);
        if (l.type == T_INT && l.i > 0) held += (uint64_t)l.i;
    }
    return held * 64 >= store_count(t, ENT_ACCOUNTS);
}

static int flush_deltas(store_txn *t)
{
    if (!t->ndeltas) return 0;
    int nvals = M_NBUILTIN;
    value *vals = xmalloc(sizeof(value) * (size_t)nvals);
    int64_t *loads = NULL;
    xsum *revs = NULL;
    int rc = 0;
    if (loads_by_columns(t)) {
        if (t->ncdirty) rc = cols_update(t);
        loads = xcalloc(t->delta_cap, sizeof *loads);
        revs = xcalloc(t->delta_cap, sizeof *revs);
        if (rc == 0) rc = loads_of_columns(t, loads, revs);
    }
    for (size_t i = 0; i < t->delta_cap && rc == 0; i++) {
        mgr_delta *d = &t->deltas[i];
        if (!d->id || !d->touched) continue;
        MDB_val k = {strlen(d->id), d->id}, v;
        rc = mdb_get(t->txn, t->s->dbi[DB_MANAGERS], &k, &v);
        if (rc == MDB_NOTFOUND) {
            /* no such manager (yet): its load is computed from the index when it is added */
            d->touched = false;
            rc = 0;
            continue;
        }
        if (rc) break;
        int n = (int)rec_nslots(v.mv_data, v.mv_size);
        if (n > nvals) {
            vals = xrealloc(vals, sizeof(value) * (size_t)n);
            nvals = n;
        }
        rec_decode(v.mv_data, v.mv_size, vals, n);
        for (int j = n; j < M_NBUILTIN; j++)
            vals[j] = v_null();
        if (n < M_NBUILTIN) n = M_NBUILTIN;
        /* recomputed from the accounts, not adjusted: a sum kept by adding and
         * subtracting drifts in the last digits, and undo must restore it exactly */
        int64_t load;
        xsum rev;
        if (loads)
            load = loads[i], rev = revs[i];
        else
            rc = compute_load(t, &k, &load, &rev);
        if (rc) break;
        vals[M_LOAD] = v_int(load);
        vals[M_LOAD_REVENUE] = v_num(xsum_value(&rev));
        rec_encode(&t->buf, vals, n);
        rc = put_raw(t, DB_MANAGERS, &k, t->buf.data, t->buf.len);
        d->touched = false;
    }
    free(vals);
    free(loads);
    free(revs);
    return rc;
}

int store_manager_load(store_txn *t, const char *id, size_t n, int64_t *load, xsum *rev)
{
    MDB_val k = {n, (void *)id};
    return compute_load(t, &k, load, rev);
}

/* The load of manager ID and the sum of its accounts' revenue, exact when
 * they are whole hundredths (xsum), so that it does not depend on the order
 * of the accounts (loads_of_columns() gives the same) and a mutation can
 * take accounts off it and find exact ties (mutate.c). */
static int compute_load(store_txn *t, MDB_val *id, int64_t *load, xsum *rev)
{
    *load = 0;
    *rev = (xsum){0};
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_MGR_ACCOUNTS], &c);
    if (rc) return rc;
    /* the index gives a manager's accounts in id order: one cursor over the
     * accounts finds each on the page of the one before, mostly */
    MDB_cursor *ac;
    if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_ACCOUNTS], &ac)) != 0) {
        mdb_cursor_close(c);
        return rc;
    }
    MDB_val k = *id, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
        MDB_val ak = v, av;
        if (mdb_cursor_get(ac, &ak, &av, MDB_SET_KEY) != 0) continue;
        if (rec_get(av.mv_data, av.mv_size, A_CLOSED).type != T_NULL) continue;
        double r;
        (*load)++;
        if (num_of(rec_get(av.mv_data, av.mv_size, A_REVENUE), &r)) xsum_num(rev, r);
    }
    mdb_cursor_close(ac);
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The slot of touched manager ID in t->deltas, or -1. */
static long delta_find(store_txn *t, const char *id, size_t n)
{
    if (!t->delta_cap) return -1;
    size_t j = hash_bytes(id, n, 0) & (t->delta_cap - 1);
    for (; t->deltas[j].id; j = (j + 1) & (t->delta_cap - 1))
        if (strlen(t->deltas[j].id) == n && memcmp(t->deltas[j].id, id, n) == 0)
            return t->deltas[j].touched ? (long)j : -1;
    return -1;
}

/* The loads of the touched managers (by slot of t->deltas) summed from the
 * account columns, which must be current (after cols_update()): as
 * compute_load() sums them, in id order, so bit for bit the same. */
static int loads_of_columns(store_txn *t, int64_t *load, xsum *rev)
{
    store_cols *c;
    int rc = cols_walk(t, ENT_ACCOUNTS, &c);
    if (rc) return rc;
    long *map = NULL; /* a dictionary's codes to delta slots */
    size_t mapcap = 0;
    colblock *b;
    while ((rc = store_cols_next(c, &b)) == 1) {
        const colvec *m = colblock_col(b, A_MANAGER), *cl = colblock_col(b, A_CLOSED),
                     *rv = colblock_col(b, A_REVENUE);
        if (m->kind == COL_DICT) {
            if (m->ndict > mapcap) {
                mapcap = m->ndict;
                map = xrealloc(map, sizeof *map * mapcap);
            }
            for (uint32_t k = 0; k < m->ndict; k++) {
                value v = col_dict_value(m, k);
                map[k] = delta_find(t, v.s, v.len);
            }
        }
        for (uint32_t i = 0; i < b->n; i++) {
            long d;
            if (m->kind == COL_DICT) {
                d = col_isnull(m, i) ? -1 : map[col_code(m, i)];
            } else {
                value v = col_get(m, i);
                d = v.type == T_TEXT ? delta_find(t, v.s, v.len) : -1;
            }
            if (d < 0 || col_get(cl, i).type != T_NULL) continue;
            double r;
            load[d]++;
            if (num_of(col_get(rv, i), &r)) xsum_num(&rev[d], r);
        }
        if ((rc = b->err) != 0) break;
    }
    free(map);
    store_cols_close(c);
    return rc;
}

/* ---- manager_of ----
 *
 * A reassignment changes one field of many accounts, spread over the whole
 * accounts database: rewriting their records would copy nearly every page of
 * it (100,000 of 1M accounts touch 40,000 of its 44,000 pages, 170 MB). So a
 * write that changes an account's manager and nothing else puts the manager
 * in manager_of (account id -> a one-slot record) and leaves the record as
 * it was: an account in manager_of has that manager, whatever its record's
 * slot holds. Every read of an account record goes through it: store_get(),
 * scans (acct_row()), the revenue index's walk, the columns' builds and the
 * old record of a write. A write that changes more of the account writes the
 * record whole and takes the account out of manager_of; a refill of all the
 * accounts (store_activity_add_all()) takes them all out, and so does a
 * commit that leaves a quarter of the accounts in it (mof_fold()): reading
 * the records then costs more than rewriting them once. $KASH_NO_MANAGER_OF
 * set writes records as before (to compare). */

static void mof_count(store_txn *t)
{
    MDB_stat st;
    bool open = t->s->mof_open || t->mof_opened;
    t->mof_n =
        t->txn && open && mdb_stat(t->txn, t->s->dbi[DB_MANAGER_OF], &st) == 0 ? st.ms_entries : 0;
    t->mof_gen++;
}

/* The manager manager_of holds for account ID: 0 with *M (pointing into the
 * map), MDB_NOTFOUND when it holds none, or an error. */
static int mof_get(store_txn *t, const MDB_val *id, value *m)
{
    if (!t->mof_n) return MDB_NOTFOUND;
    MDB_val k = *id, v;
    int rc = mdb_get(t->txn, t->s->dbi[DB_MANAGER_OF], &k, &v);
    if (rc == 0) *m = rec_get(v.mv_data, v.mv_size, 0);
    return rc;
}

/* mof_get() for the accounts of a walk in id order: W's cursor follows the
 * walk, so that most accounts cost a comparison rather than a search. W's
 * KEY is the first key at or after FROM (none: DONE), as of GEN: it answers
 * for the ids from FROM up to KEY; a write to manager_of since (mof_gen), or
 * an id before FROM, makes it search again. */
static int mof_walk(store_txn *t, mofwalk *w, const MDB_val *id, value *m)
{
    if (!t->mof_n) return MDB_NOTFOUND;
    int rc;
    if (!w->cur && (rc = mdb_cursor_open(t->txn, t->s->dbi[DB_MANAGER_OF], &w->cur)) != 0)
        return rc;
    bool valid = w->known && w->gen == t->mof_gen &&
                 bytes_cmp(id->mv_data, id->mv_size, w->from.data, w->from.len) >= 0;
    int cmp = !valid    ? -1
              : w->done ? 1
                        : bytes_cmp(w->key.data, w->key.len, id->mv_data, id->mv_size);
    if (cmp > 0) return MDB_NOTFOUND;
    MDB_val k, v;
    if (cmp == 0) {
        if ((rc = mdb_cursor_get(w->cur, &k, &v, MDB_GET_CURRENT)) != 0) return rc;
        *m = rec_get(v.mv_data, v.mv_size, 0);
        return 0;
    }
    /* past KEY: the next key, if it is not before ID, else a search */
    rc = valid ? mdb_cursor_get(w->cur, &k, &v, MDB_NEXT) : MDB_NOTFOUND;
    if (rc == 0 && bytes_cmp(k.mv_data, k.mv_size, id->mv_data, id->mv_size) < 0) rc = MDB_NOTFOUND;
    if (rc == MDB_NOTFOUND) {
        k = *id;
        rc = mdb_cursor_get(w->cur, &k, &v, MDB_SET_RANGE);
    }
    if (rc && rc != MDB_NOTFOUND) return rc;
    rbuf_set(&w->from, id->mv_data, id->mv_size);
    w->known = true;
    w->gen = t->mof_gen;
    w->done = rc == MDB_NOTFOUND;
    if (w->done) return MDB_NOTFOUND;
    rbuf_set(&w->key, k.mv_data, k.mv_size);
    if (bytes_cmp(k.mv_data, k.mv_size, id->mv_data, id->mv_size) != 0) return MDB_NOTFOUND;
    *m = rec_get(v.mv_data, v.mv_size, 0);
    return 0;
}

static void mofwalk_free(mofwalk *w)
{
    if (w->cur) mdb_cursor_close(w->cur);
    rbuf_free(&w->from);
    rbuf_free(&w->key);
    memset(w, 0, sizeof *w);
}

/* Account record REC, LEN of id ID with the manager manager_of holds for it
 * (found by W, or by a search when W is NULL): 0 with the record in OUT,
 * MDB_NOTFOUND when REC is right as it is, or an error. */
static int mof_apply(store_txn *t, mofwalk *w, const MDB_val *id, const uint8_t *rec, size_t len,
                     rbuf *out)
{
    value m;
    int rc = w ? mof_walk(t, w, id, &m) : mof_get(t, id, &m);
    if (rc == 0) rec_with(out, rec, len, A_MANAGER, m);
    return rc;
}

/* Writes account ID's manager M into manager_of. */
static int mof_put(store_txn *t, const MDB_val *id, value m)
{
    rbuf b = {0};
    rec_encode(&b, &m, 1);
    MDB_val k = *id, v = {b.len, b.data};
    int rc = mdb_put(t->txn, t->s->dbi[DB_MANAGER_OF], &k, &v, 0);
    rbuf_free(&b);
    mof_count(t);
    return rc;
}

static int mof_del(store_txn *t, const MDB_val *id)
{
    MDB_val k = *id;
    int rc = mdb_del(t->txn, t->s->dbi[DB_MANAGER_OF], &k, NULL);
    mof_count(t);
    return rc;
}

/* Writes the managers in manager_of into their records and empties it. */
static int mof_fold(store_txn *t)
{
    MDB_cursor *c, *ac;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_MANAGER_OF], &c);
    if (rc) return rc;
    if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_ACCOUNTS], &ac)) != 0) {
        mdb_cursor_close(c);
        return rc;
    }
    rbuf m = {0};
    MDB_val k, v, av;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        rbuf_set(&m, v.mv_data, v.mv_size); /* (the put below may move V's page) */
        MDB_val ak = k;
        if ((rc = mdb_cursor_get(ac, &ak, &av, MDB_SET_KEY)) != 0) break;
        rec_with(&t->buf, av.mv_data, av.mv_size, A_MANAGER, rec_get(m.data, m.len, 0));
        av = (MDB_val){t->buf.len, t->buf.data};
        /* K, not AK: SET_KEY pointed AK into the page the put rewrites */
        if ((rc = mdb_cursor_put(ac, &k, &av, MDB_CURRENT)) != 0) break;
    }
    mdb_cursor_close(ac);
    mdb_cursor_close(c);
    rbuf_free(&m);
    if (rc == MDB_NOTFOUND) rc = mdb_drop(t->txn, t->s->dbi[DB_MANAGER_OF], 0);
    mof_count(t);
    return rc;
}

/* A copy of B in *A (an arena made on first use). */
static const uint8_t *fill_copy(arena **a, const rbuf *b)
{
    if (!*a) {
        *a = xmalloc(sizeof **a);
        arena_init(*a);
    }
    uint8_t *p = arena_alloc(*a, b->len ? b->len : 1);
    memcpy(p, b->data, b->len);
    return p;
}

/* Gives back the row scan C built in its FBUF: 1 with *REC, *LEN. */
static int filled_row(store_cursor *c, const uint8_t **rec, size_t *len)
{
    *len = c->fbuf.len;
    *rec = c->transient ? c->fbuf.data : fill_copy(&c->filled, &c->fbuf);
    return 1;
}

/* Gives back the account row REC of key K of scan C with its manager from
 * manager_of: 1, or an error. */
static int acct_row(store_cursor *c, const MDB_val *k, const uint8_t **rec, size_t *len)
{
    int rc = mof_apply(c->t, c->rev == 1 ? NULL : &c->mof, k, *rec, *len, &c->fbuf);
    if (rc == MDB_NOTFOUND) return 1;
    if (rc) return rc > 0 ? -rc : rc;
    return filled_row(c, rec, len);
}

/* ---- reads ---- */

int store_get(store_txn *t, int entity, const char *key, size_t klen, const uint8_t **rec,
              size_t *reclen)
{
    /* interactions have no key of their own (they live in blocks): scan them */
    if (!t->txn || entity == ENT_INTERACTIONS) return MDB_NOTFOUND;
    if (entity == ENT_MANAGERS && t->ndeltas) {
        int rc = flush_deltas(t);
        if (rc) return rc;
    }
    if (klen == 0 || klen > KEY_MAX) return MDB_NOTFOUND;
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->dbi[entity_db[entity]], &k, &v);
    if (rc) return rc;
    *rec = v.mv_data;
    *reclen = v.mv_size;
    if (entity == ENT_ACCOUNTS && t->mof_n) {
        /* the copy lives as long as the transaction, as the map's rows do */
        rc = mof_apply(t, NULL, &k, v.mv_data, v.mv_size, &t->buf);
        if (rc == 0) *rec = fill_copy(&t->filled, &t->buf), *reclen = t->buf.len;
        if (rc == MDB_NOTFOUND) rc = 0;
    }
    return rc;
}

size_t store_count(store_txn *t, int entity)
{
    if (entity == ENT_INTERACTIONS)
        return t->txn ? (size_t)(meta_u64(t->txn, t->s->dbi[DB_META], "interactions") + t->iadded +
                                 t->nirows)
                      : 0;
    MDB_stat st;
    if (!t->txn || mdb_stat(t->txn, t->s->dbi[entity_db[entity]], &st)) return 0;
    return st.ms_entries;
}

/* ---- read-ahead ----
 *
 * A long scan spends about a third of its time in the kernel mapping the
 * file's pages into the process (a page fault per 16 pages) and more waiting
 * for those bytes. A read scan of a big database therefore runs a second
 * thread that has the kernel map the next megabytes of the file ahead of the
 * address the scan reads at (madvise MADV_POPULATE_READ, Linux 5.14): the scan
 * finds its pages mapped and its bytes on their way. A database written in
 * key order lies in the file in about that order; where the scan jumps, the
 * thread follows. It only maps pages, never reads the database, so it needs
 * no transaction. $KASH_AHEAD=0 turns it off (to measure), =1 starts it for
 * every scan however small (to test). */
struct ahead {
    pthread_t th;
    uintptr_t lo, hi;     /* the part of the map in use */
    atomic_uintptr_t at;  /* where the scan reads */
    atomic_uint released; /* bumped by each release_pages(): start over */
    atomic_bool stop;
};

enum {
    AHEAD_WINDOW = 8 << 20, /* how far ahead of the scan pages are mapped */
    AHEAD_CHUNK = 1 << 20,  /* per madvise() */
    AHEAD_MIN_PAGES = 4096, /* databases smaller than 16 MB are not worth a thread */
};

static void *ahead_run(void *arg)
{
    ahead *a = arg;
    uintptr_t from = 0, to = 0;
    unsigned gen = 0;
    struct timespec nap = {0, 20000};
    while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
        uintptr_t at = atomic_load_explicit(&a->at, memory_order_relaxed) & ~(uintptr_t)4095;
        unsigned g = atomic_load_explicit(&a->released, memory_order_relaxed);
        if (at < from || at > to || g != gen) from = to = at, gen = g;
        if (to >= at + AHEAD_WINDOW || to >= a->hi) {
            nanosleep(&nap, NULL);
            continue;
        }
        size_t n = a->hi - to < AHEAD_CHUNK ? a->hi - to : AHEAD_CHUNK;
        if (madvise((void *)to, n, MADV_POPULATE_READ) && errno != EINTR)
            break; /* an older kernel */
        to += n;
    }
    return NULL;
}

/* Starts a read-ahead thread for a scan reading at P in the map, or returns
 * NULL (small database, turned off, no thread to be had). */
static ahead *ahead_start(store_cursor *c, const void *p)
{
    MDB_stat st;
    uintptr_t lo, hi;
    const char *e = getenv("KASH_AHEAD");
    if (e && *e == '0') return NULL;
    bool always = e && *e == '1';
    if (!always && (mdb_stat(mdb_cursor_txn(c->cur), mdb_cursor_dbi(c->cur), &st) ||
                    st.ms_leaf_pages + st.ms_overflow_pages < AHEAD_MIN_PAGES))
        return NULL;
    if (!map_bounds(c->s, p, &lo, &hi)) return NULL;
    ahead *a = xcalloc(1, sizeof *a);
    a->lo = lo;
    a->hi = hi;
    atomic_store(&a->at, (uintptr_t)p);
    /* signals (Ctrl-C) go to the scanning thread, never to this one */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&a->th, NULL, ahead_run, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) return a;
    free(a);
    return NULL;
}

static void ahead_stop(ahead *a)
{
    if (!a) return;
    atomic_store(&a->stop, true);
    pthread_join(a->th, NULL);
    free(a);
}

int store_scan(store_txn *t, int entity, const char *prefix, size_t plen, store_cursor **out)
{
    *out = NULL;
    if (entity == ENT_MANAGERS && t->ndeltas) {
        int rc = flush_deltas(t);
        if (rc) return rc;
    }
    if (entity == ENT_INTERACTIONS && t->nirows) {
        int rc = iflush(t);
        if (rc) return rc;
    }
    store_cursor *c = xcalloc(1, sizeof *c);
    c->t = t;
    c->blocks = entity == ENT_INTERACTIONS;
    c->hist = entity == ENT_HISTORY;
    c->acct = entity == ENT_ACCOUNTS;
    if (t->txn) {
        int rc = mdb_cursor_open(t->txn, t->s->dbi[entity_db[entity]], &c->cur);
        if (rc) {
            free(c);
            return rc;
        }
        if (!t->write) c->s = t->s, c->every = release_every();
    }
    if (plen) {
        c->prefix = xmalloc(plen);
        memcpy(c->prefix, prefix, plen);
        c->plen = c->pcap = plen;
    }
    *out = c;
    return 0;
}

int store_interactions_back(store_txn *t, const char *account, size_t len, store_cursor **out)
{
    int rc = store_interactions_of(t, account, len, out);
    if (rc == 0) (*out)->back = true, (*out)->s = NULL; /* (no release: one account) */
    return rc;
}

/* store_next() of a cursor of store_interactions_back(). */
static int back_next(store_cursor *c, const uint8_t **rec, size_t *reclen)
{
    for (;;) {
        uint32_t seq;
        if (c->noffs) {
            size_t off = c->offs[--c->noffs];
            return block_row(c->blk, c->blklen, &off, &seq, rec, reclen) > 0 ? 1 : STORE_ECORRUPT;
        }
        MDB_val k, v;
        int rc;
        if (!c->started) {
            /* the last key of the account: the one before ID 0x01 */
            c->started = true;
            c->prefix[c->plen - 1] = 1;
            k = (MDB_val){c->plen, c->prefix};
            rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
            c->prefix[c->plen - 1] = 0;
            if (rc == 0 || rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(c->cur, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
        } else {
            rc = mdb_cursor_get(c->cur, &k, &v, MDB_PREV);
        }
        if (rc == MDB_NOTFOUND) return 0;
        if (rc) return rc > 0 ? -rc : rc;
        if (k.mv_size < c->plen || memcmp(k.mv_data, c->prefix, c->plen) != 0) return 0;
        c->blk = v.mv_data;
        c->blklen = v.mv_size;
        for (size_t off = 0, next = 0;; off = next) {
            const uint8_t *r;
            size_t l;
            int got = block_row(c->blk, c->blklen, &next, &seq, &r, &l);
            if (got < 0) return STORE_ECORRUPT;
            if (got == 0) break;
            if (c->noffs == c->capoffs) {
                c->capoffs = c->capoffs ? 2 * c->capoffs : 64;
                c->offs = xrealloc(c->offs, sizeof *c->offs * c->capoffs);
            }
            c->offs[c->noffs++] = off;
        }
    }
}

int store_interactions_reuse(store_txn *t, const char *account, size_t len, store_cursor **cp)
{
    if (!*cp) return store_interactions_of(t, account, len, cp);
    store_cursor *c = *cp;
    if (c->t->nirows) {
        int rc = iflush(c->t);
        if (rc) return rc;
    }
    if (len > KEY_MAX) len = KEY_MAX + 1; /* matches nothing */
    /* forward from where the last account's rows ended: see forward_to() */
    c->fwd = c->s && c->started && bytes_cmp(c->prefix, c->plen - 1, account, len) < 0;
    if (c->pcap < len + 1) c->prefix = xrealloc(c->prefix, c->pcap = len + 1);
    memcpy(c->prefix, account, len);
    c->prefix[len] = 0;
    c->plen = len + 1;
    c->started = false;
    c->reaims++;
    c->blk = NULL;
    c->blklen = c->off = 0;
    return 0;
}

int store_interactions_of(store_txn *t, const char *account, size_t len, store_cursor **out)
{
    char buf[KEY_MAX + 2];
    if (len > KEY_MAX) len = KEY_MAX + 1; /* matches nothing */
    memcpy(buf, account, len);
    buf[len] = 0;
    return store_scan(t, ENT_INTERACTIONS, buf, len + 1, out);
}

static int block_row(const uint8_t *b, size_t n, size_t *off, uint32_t *seq, const uint8_t **rec,
                     size_t *len);

/* Scans read the file's pages in order, and a database written in key order
 * (an import) lies in consecutive pages: the CPU's prefetcher stops at each
 * 4 KB page, so the scan asks for the bytes two pages ahead (a prefetch never
 * faults; a page not mapped yet is simply skipped). 10M interactions counted
 * in 0.19 s of CPU instead of 0.42. */
enum { PREFETCH_AHEAD = 8192 };

static inline void prefetch_ahead(const void *p)
{
    /* in integers: a pointer past its object would be undefined behaviour */
    __builtin_prefetch((const void *)((uintptr_t)p + PREFETCH_AHEAD));
}

/* Moves C to the first key at or after its prefix, as MDB_SET_RANGE does,
 * by stepping forward from where it is: a cursor re-aimed at the next
 * account in id order (kpi, rfm, retention by account) is there already or a
 * block or two short, and a search from the root for each of a million
 * accounts costs more than the reading. C's current key is below the prefix
 * (a block of the account before) or the first key after that account's
 * blocks (where its scan stopped): either way no key between it and the
 * prefix is skipped. */
static int forward_to(store_cursor *c, MDB_val *k, MDB_val *v)
{
    int rc = mdb_cursor_get(c->cur, k, v, MDB_GET_CURRENT);
    for (int i = 0; rc == 0 && i < 4; i++) {
        if (bytes_cmp(k->mv_data, k->mv_size, c->prefix, c->plen) >= 0) return 0;
        rc = mdb_cursor_get(c->cur, k, v, MDB_NEXT);
    }
    if (rc && rc != EINVAL) return rc; /* EINVAL: not positioned */
    k->mv_data = (void *)c->prefix;
    k->mv_size = c->plen;
    return mdb_cursor_get(c->cur, k, v, MDB_SET_RANGE);
}

/* Steps C to its next LMDB item: 1 with K and V, 0 past the end or the prefix. */
static int cursor_step(store_cursor *c, MDB_val *k, MDB_val *v)
{
    int rc;
    if (!c->started) {
        c->started = true;
        if (c->plen && c->fwd) {
            rc = forward_to(c, k, v);
        } else if (c->plen) {
            k->mv_data = (void *)c->prefix;
            k->mv_size = c->plen;
            rc = mdb_cursor_get(c->cur, k, v, MDB_SET_RANGE);
        } else {
            rc = mdb_cursor_get(c->cur, k, v, MDB_FIRST);
        }
    } else {
        rc = mdb_cursor_get(c->cur, k, v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc > 0 ? -rc : rc;
    if (c->plen && (k->mv_size < c->plen || memcmp(k->mv_data, c->prefix, c->plen) != 0)) return 0;
    /* a whole database, or one account's interactions after another (kpi, rfm) */
    if (c->s && (!c->plen || c->reaims > 64) && !c->ah && !c->noahead) {
        c->ah = ahead_start(c, v->mv_data);
        c->noahead = !c->ah;
    }
    if (c->ah) atomic_store_explicit(&c->ah->at, (uintptr_t)v->mv_data, memory_order_relaxed);
    if (c->s && (c->since += v->mv_size + k->mv_size) >= c->every) {
        release_pages(c->s, v->mv_data);
        if (c->ah) atomic_fetch_add(&c->ah->released, 1);
        c->since = 0;
    }
    return 1;
}

/* Steps C to its next key of by_revenue: 1 with K, 0 at the end. Descending
 * is the keys' order; ascending walks the runs of equal revenue backwards and
 * each run forwards, so that ties still come in id order. */
static int rev_step(store_cursor *c, MDB_val *k)
{
    MDB_val v;
    int rc;
    bool first = !c->started;
    c->started = true;
    if (!c->asc) {
        rc = mdb_cursor_get(c->cur, k, &v, first ? MDB_FIRST : MDB_NEXT);
    } else {
        if (first) {
            rc = mdb_cursor_get(c->cur, k, &v, MDB_LAST);
        } else {
            rc = mdb_cursor_get(c->cur, k, &v, MDB_NEXT);
            if (rc == 0 && k->mv_size > 8 && memcmp(k->mv_data, c->grp, 8) == 0) return 1;
            if (rc == 0 || rc == MDB_NOTFOUND) {
                /* the run is done: the key before its first ends the run before */
                MDB_val g = {8, c->grp};
                rc = mdb_cursor_get(c->cur, &g, &v, MDB_SET_RANGE);
                if (rc == 0) rc = mdb_cursor_get(c->cur, k, &v, MDB_PREV);
            }
        }
        /* K ends a run: go to its first key */
        if (rc == 0 && k->mv_size > 8) {
            memcpy(c->grp, k->mv_data, 8);
            *k = (MDB_val){8, c->grp};
            rc = mdb_cursor_get(c->cur, k, &v, MDB_SET_RANGE);
        }
    }
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc > 0 ? -rc : rc;
    return k->mv_size > 8 ? 1 : MDB_CORRUPTED;
}

/* store_next() of a cursor of store_scan_by_revenue(). */
static int rev_next(store_cursor *c, const uint8_t **rec, size_t *reclen)
{
    MDB_val k, v;
    uint64_t r;
    if (c->rev == 1) {
        int rc = rev_step(c, &k);
        if (rc == 1) {
            MDB_val id = {k.mv_size - 8, (uint8_t *)k.mv_data + 8};
            rc = mdb_cursor_get(c->acur, &id, &v, MDB_SET_KEY);
            if (rc == MDB_NOTFOUND) return MDB_CORRUPTED; /* a key of no account */
            if (rc) return rc > 0 ? -rc : rc;
            if (c->s && (c->since += v.mv_size) >= c->every) {
                release_pages(c->s, v.mv_data);
                c->since = 0;
            }
            *rec = v.mv_data;
            *reclen = v.mv_size;
            return acct_row(c, &id, rec, reclen);
        }
        if (rc < 0) return rc;
        /* the index is done: now the accounts it leaves out, in id order */
        mdb_cursor_close(c->cur);
        c->cur = c->acur;
        c->acur = NULL;
        c->started = false;
        c->rev = 2;
    }
    int rc;
    while ((rc = cursor_step(c, &k, &v)) == 1) {
        if (rev_bits(rec_get(v.mv_data, v.mv_size, A_REVENUE), &r)) continue;
        *rec = v.mv_data;
        *reclen = v.mv_size;
        return acct_row(c, &k, rec, reclen);
    }
    return rc;
}

int store_next(store_cursor *c, const uint8_t **rec, size_t *reclen)
{
    if (!c->cur) return 0;
    if (c->rev) return rev_next(c, rec, reclen);
    if (c->back) return back_next(c, rec, reclen);
    MDB_val k, v;
    if (!c->blocks) {
        int rc = cursor_step(c, &k, &v);
        if (rc == 1) {
            /* every line of the record: one per record leaves the rest of a
             * 150-byte account to a miss each (a 1M-account pass 0.12 -> 0.05 s) */
            for (size_t o = 0; o < v.mv_size; o += 64)
                prefetch_ahead((const uint8_t *)v.mv_data + o);
            *rec = v.mv_data;
            *reclen = v.mv_size;
            if (c->hist) return hist_row(c, &k, rec, reclen);
            if (c->acct) return acct_row(c, &k, rec, reclen);
        }
        return rc;
    }
    for (;;) {
        uint32_t seq;
        if (c->blk) prefetch_ahead(c->blk + c->off);
        int r = block_row(c->blk, c->blklen, &c->off, &seq, rec, reclen);
        if (r > 0) return 1;
        if (r < 0) return STORE_ECORRUPT;
        int rc = cursor_step(c, &k, &v);
        if (rc != 1) return rc;
        c->blk = v.mv_data;
        c->blklen = v.mv_size;
        c->off = 0;
    }
}

bool store_cursor_ahead(const store_cursor *c)
{
    return c->ah != NULL;
}

int store_scan_by_revenue(store_txn *t, bool desc, store_cursor **out)
{
    *out = NULL;
    if (!t->txn || !t->rev_ok) return STORE_NOTFOUND;
    if (t->rev_stale) {
        int rc = rev_build(t);
        if (rc) return rc;
    }
    store_cursor *c = xcalloc(1, sizeof *c);
    c->t = t;
    c->rev = 1;
    c->asc = !desc;
    if (!t->write) c->s = t->s, c->every = release_every();
    int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_BY_REVENUE], &c->cur);
    if (rc == 0) rc = mdb_cursor_open(t->txn, t->s->dbi[DB_ACCOUNTS], &c->acur);
    if (rc) {
        store_cursor_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void store_cursor_close(store_cursor *c)
{
    if (!c) return;
    ahead_stop(c->ah);
    if (c->cur) mdb_cursor_close(c->cur);
    if (c->acur) mdb_cursor_close(c->acur);
    free((char *)c->prefix);
    free(c->offs);
    rbuf_free(&c->hstmt);
    rbuf_free(&c->fbuf);
    mofwalk_free(&c->mof);
    if (c->filled) arena_free(c->filled);
    free(c->filled);
    free(c);
}

int store_accounts_of(store_txn *t, const char *manager, size_t len,
                      int (*fn)(void *ctx, const char *id, size_t idlen), void *ctx)
{
    if (!t->txn || len == 0 || len > KEY_MAX) return 0;
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_MGR_ACCOUNTS], &c);
    if (rc) return rc;
    MDB_val k = {len, (void *)manager}, v;
    int ret = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0 && ret == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP))
        ret = fn(ctx, v.mv_data, v.mv_size);
    mdb_cursor_close(c);
    if (ret) return ret;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- writes ---- */

/* Whether account records A and B differ in nothing but the manager. */
static bool manager_only(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    rec_view x = rec_view_of(a, alen), y = rec_view_of(b, blen);
    unsigned ns = x.ns > y.ns ? x.ns : y.ns;
    for (unsigned s = 0; s < ns; s++) {
        if (s == A_MANAGER) continue;
        value u = rec_view_get(&x, s), v = rec_view_get(&y, s);
        if (!value_same(&u, &v)) return false;
    }
    return true;
}

/* Copies the derived slots [FROM, TO) of OLD (or their defaults when OLD is
 * NULL) over the values of a record being written. */
static void keep_derived(value *vals, int from, int to, const uint8_t *old, size_t oldlen,
                         const value *defaults)
{
    for (int i = from; i < to; i++)
        vals[i] = old ? rec_get(old, oldlen, (unsigned)i) : defaults[i - from];
}

int store_put(store_txn *t, int entity, const uint8_t *rec, size_t len)
{
    if (!t->write) return STORE_EREADONLY;
    if (entity == ENT_INTERACTIONS) return store_put_interaction(t, rec, len, store_next_seq(t));
    int n = (int)rec_nslots(rec, len);
    value *vals = xmalloc(sizeof(value) * (size_t)(n > A_NBUILTIN ? n : A_NBUILTIN));
    rec_decode(rec, len, vals, n);
    int rc = store_put_values(t, entity, vals, n);
    free(vals);
    return rc;
}

int store_put_values(store_txn *t, int entity, value *vals, int n)
{
    if (!t->write) return STORE_EREADONLY;
    if (entity == ENT_INTERACTIONS || n < 1) return STORE_EKEY;
    if (vals[0].type != T_TEXT || vals[0].len == 0 || vals[0].len > KEY_MAX) return STORE_EKEY;
    MDB_val k = {vals[0].len, (void *)vals[0].s};
    int rc = 0;
    int db = entity_db[entity];
    if (entity == ENT_MANAGERS && (rc = flush_deltas(t)) != 0) return rc;
    if (!t->kcur[db] && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->kcur[db])) != 0) return rc;
    MDB_cursor *cur = t->kcur[db];
    MDB_val ov;
    rc = mdb_cursor_get(cur, &k, &ov, MDB_SET_KEY);
    if (rc && rc != MDB_NOTFOUND) return rc;
    bool found = rc == 0;
    const uint8_t *old = rc == 0 ? ov.mv_data : NULL;
    size_t oldlen = rc == 0 ? ov.mv_size : 0;
    rc = 0;

    for (int i = n; i < nbuiltin[entity]; i++)
        vals[i] = v_null();
    if (n < nbuiltin[entity]) n = nbuiltin[entity];

    /* OLD points into the map and dies with the first write: copy it; an
     * account's with its manager from manager_of (RAW: as stored) */
    uint8_t *oldcopy = NULL;
    rbuf raw = {0};
    bool in_mof = false;
    if (old && entity == ENT_ACCOUNTS && t->mof_n) {
        rc = mof_apply(t, NULL, &k, old, oldlen, &t->buf);
        in_mof = rc == 0;
        if (in_mof) {
            rbuf_set(&raw, old, oldlen);
            old = t->buf.data;
            oldlen = t->buf.len;
        }
        if (rc == MDB_NOTFOUND) rc = 0;
    }
    if (old) {
        oldcopy = xmalloc(oldlen);
        memcpy(oldcopy, old, oldlen);
        old = oldcopy;
    }
    if (entity == ENT_ACCOUNTS) {
        static const value adef[] = {{.type = T_NULL},
                                     {.type = T_NULL},
                                     {.type = T_NULL},
                                     {.type = T_INT, .i = 0},
                                     {.type = T_NUM, .n = 0}};
        keep_derived(vals, A_FIRST_ORDER, A_NBUILTIN, old, oldlen, adef);
    } else if (entity == ENT_MANAGERS) {
        value mdef[2] = {v_int(0), v_num(0)};
        xsum rev;
        if (!old && (rc = compute_load(t, &k, &mdef[0].i, &rev)) == 0) mdef[1].n = xsum_value(&rev);
        keep_derived(vals, M_LOAD, M_NBUILTIN, old, oldlen, mdef);
    }
    rbuf nb = {0};
    if (rc == 0) {
        rec_encode(&nb, vals, n);
        /* the key must point into stable memory across the writes below */
        rc = key_of(nb.data, nb.len, &k);
    }
    if (rc == 0 && entity == ENT_ACCOUNTS && old && !t->s->no_mof &&
        manager_only(old, oldlen, nb.data, nb.len)) {
        /* the record stays as it is (see manager_of); RM is its manager */
        value nm = rec_get(nb.data, nb.len, A_MANAGER), om = rec_get(old, oldlen, A_MANAGER);
        value rm = in_mof ? rec_get(raw.data, raw.len, A_MANAGER) : om;
        if (!value_same(&nm, &om)) /* back to the record's, or another */
            rc = value_same(&nm, &rm) ? mof_del(t, &k) : mof_put(t, &k, nm);
    } else if (rc == 0) {
        /* the cursor still points at the old row unless loads were computed */
        MDB_val v = {nb.len, nb.data};
        if (found && entity == ENT_ACCOUNTS)
            rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
        else
            rc = mdb_cursor_put(cur, &k, &v, 0);
        if (rc == 0 && in_mof) rc = mof_del(t, &k);
    }
    if (rc == 0 && entity == ENT_ACCOUNTS) {
        value om = old ? rec_get(old, oldlen, A_MANAGER) : v_null();
        value nm = rec_get(nb.data, nb.len, A_MANAGER);
        bool same = om.type == nm.type &&
                    (om.type != T_TEXT || (om.len == nm.len && memcmp(om.s, nm.s, om.len) == 0));
        /* the managers' loads change only with manager, closed or revenue */
        bool affects = !old;
        for (int f = 0; old && !affects && f < 3; f++) {
            static const int slots[3] = {A_MANAGER, A_CLOSED, A_REVENUE};
            value a = rec_get(old, oldlen, (unsigned)slots[f]);
            value b = rec_get(nb.data, nb.len, (unsigned)slots[f]);
            affects = a.type != b.type || (a.type != T_NULL && !value_eq(&a, &b));
        }
        if (affects) {
            if (old) contribute(t, old, oldlen);
            contribute(t, nb.data, nb.len);
        }
        if (!same) {
            MDB_dbi ix = t->s->dbi[DB_MGR_ACCOUNTS];
            if (om.type == T_TEXT && om.len && om.len <= KEY_MAX) {
                MDB_val mk = {om.len, (void *)om.s}, mv = k;
                int r2 = mdb_del(t->txn, ix, &mk, &mv);
                if (r2 && r2 != MDB_NOTFOUND) rc = r2;
            }
            if (rc == 0 && nm.type == T_TEXT && nm.len && nm.len <= KEY_MAX) {
                MDB_val mk = {nm.len, (void *)nm.s}, mv = k;
                rc = mdb_put(t->txn, ix, &mk, &mv, 0);
            }
        }
        /* a write of many accounts (an import) has the index rebuilt at
         * commit instead: puts in id order land all over it (a 1M-account
         * import took 4.1 s, 6.5 s with them, 4.4 s with the rebuild).
         * Checked at the first put and every 65536th: the puts so far are a
         * quarter of the accounts (an import into an empty database: at once) */
        if (!t->rev_stale && (t->rev_puts++ & 0xFFFF) == 0 &&
            4 * t->rev_puts >= store_count(t, ENT_ACCOUNTS))
            t->rev_stale = t->cols_stale = true;
        if (rc == 0 && !t->rev_stale) rc = rev_put(t, &k, old, oldlen, nb.data, nb.len);
        if (rc == 0) cols_dirty(t, k.mv_data, k.mv_size, old, oldlen, nb.data, nb.len);
    }
    rbuf_free(&nb);
    rbuf_free(&raw);
    free(oldcopy);
    return rc;
}

uint32_t store_next_seq(store_txn *t)
{
    if (!t->seq_loaded) {
        t->seq = t->txn ? (uint32_t)meta_u64(t->txn, t->s->dbi[DB_META], "seq") : 0;
        t->seq_loaded = true;
    }
    return ++t->seq;
}

/* ---- interactions, in blocks ----
 *
 * An account's interactions are kept in blocks of consecutive rows, each block
 * one LMDB value keyed by its first row (account NUL at seq, see
 * at_key()), so that a scan steps the cursor once per block rather
 * than once per row and rows carry no key of their own. A block holds rows
 * back to back, each
 *
 *   u32 seq | len (LEB128) | record of LEN bytes
 *
 * in (at, seq) order, within a block and across an account's blocks, and is
 * at most BLOCK_MAX bytes unless one row alone is bigger. Writes collect one
 * account's new rows in the transaction (irows) and merge them into its
 * blocks when a row of another account comes, before any read of
 * interactions, and at commit. */
enum { BLOCK_MAX = 1800 };

static uint64_t at_key(value at)
{
    if (at.type == T_DATE) return (uint64_t)(at.i * 86400) ^ (UINT64_C(1) << 63);
    return at.type == T_NULL ? 0 : (uint64_t)at.i ^ (UINT64_C(1) << 63);
}

static int irow_cmp(const void *x, const void *y)
{
    const struct irow *a = x, *b = y;
    if (a->atk != b->atk) return a->atk < b->atk ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Reads the row at *OFF of block B (N bytes): 1 with the row, 0 at the end,
 * -1 when malformed. */
static int block_row(const uint8_t *b, size_t n, size_t *off, uint32_t *seq, const uint8_t **rec,
                     size_t *len)
{
    size_t o = *off;
    if (o >= n) return 0;
    if (n - o < 5) return -1;
    memcpy(seq, b + o, 4);
    o += 4;
    uint64_t l = 0;
    for (int shift = 0;; shift += 7) {
        if (o >= n || shift > 28) return -1;
        uint8_t c = b[o++];
        l |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) break;
    }
    if (l > n - o) return -1;
    *rec = b + o;
    *len = (size_t)l;
    *off = o + (size_t)l;
    return 1;
}

static void block_add(rbuf *b, uint32_t seq, const uint8_t *rec, size_t len)
{
    rbuf_reserve(b, 4 + 5 + len);
    uint8_t *p = b->data + b->len;
    memcpy(p, &seq, 4);
    p += 4;
    size_t l = len;
    do {
        *p++ = (uint8_t)((l & 0x7F) | (l > 0x7F ? 0x80 : 0));
        l >>= 7;
    } while (l);
    memcpy(p, rec, len);
    b->len = (size_t)(p - b->data) + len;
}

/* Writes the block being built (its first row gives the key). */
static int block_emit(store_txn *t, const char *acct, size_t alen)
{
    if (!t->iblk.len) return 0;
    size_t off = 0;
    uint32_t seq;
    const uint8_t *rec;
    size_t len;
    if (block_row(t->iblk.data, t->iblk.len, &off, &seq, &rec, &len) != 1) return MDB_CORRUPTED;
    rbuf_reserve(&t->key, alen + 13);
    uint8_t *k = t->key.data;
    memcpy(k, acct, alen);
    k[alen] = 0;
    be64(k + alen + 1, at_key(rec_get(rec, len, I_AT)));
    be32(k + alen + 9, seq);
    MDB_val kv = {alen + 13, k}, v = {t->iblk.len, t->iblk.data};
    int rc = MDB_KEYEXIST;
    if (t->ilast_valid) rc = mdb_cursor_put(t->icur, &kv, &v, MDB_APPEND);
    if (rc == MDB_KEYEXIST) {
        rc = mdb_cursor_put(t->icur, &kv, &v, 0);
        t->ilast_valid = false;
    } else if (rc == 0) {
        t->ilast.len = 0;
        rbuf_reserve(&t->ilast, kv.mv_size);
        memcpy(t->ilast.data, k, kv.mv_size);
        t->ilast.len = kv.mv_size;
    }
    t->iblk.len = 0;
    return rc;
}

/* Adds one row to the blocks being built, emitting the block when full. */
static int block_push(store_txn *t, uint32_t seq, const uint8_t *rec, size_t len)
{
    if (t->iblk.len && t->iblk.len + 9 + len > BLOCK_MAX) {
        int rc = block_emit(t, t->iacct, t->iacctlen);
        if (rc) return rc;
    }
    block_add(&t->iblk, seq, rec, len);
    return 0;
}

/* Whether K is the key of a block of account ACCT (ALEN bytes). */
static bool is_block_of(const MDB_val *k, const char *acct, size_t alen)
{
    return k->mv_size == alen + 13 && memcmp(k->mv_data, acct, alen) == 0 &&
           ((const uint8_t *)k->mv_data)[alen] == 0;
}

/* Merges the pending rows of account iacct into its blocks: the blocks from
 * the one where the first new row goes to the account's last are read,
 * deleted and written again with the new rows among them; earlier blocks stay
 * as they are. While every block written so far went at the end of the
 * database (an import in key order), a later account cannot have blocks yet,
 * and the search is skipped. */
static int iflush(store_txn *t)
{
    if (!t->nirows) return 0;
    int rc = 0;
    const char *acct = t->iacct;
    size_t alen = t->iacctlen;
    bool sorted = true;
    for (size_t i = 1; i < t->nirows && sorted; i++)
        sorted = irow_cmp(&t->irows[i - 1], &t->irows[i]) < 0;
    if (!sorted) qsort(t->irows, t->nirows, sizeof *t->irows, irow_cmp);
    if (!t->icur && (rc = mdb_cursor_open(t->txn, t->s->dbi[DB_INTERACTIONS], &t->icur)) != 0)
        return rc;

    /* the blocks to rewrite, rows copied into imerge (their keys after them) */
    t->imerge.len = 0;
    /* acct NUL past the last key appended: no blocks of it can exist */
    int vs_last = 1;
    if (t->ilast_valid && t->ilast.len)
        vs_last = memcmp(acct, t->ilast.data, alen + 1 < t->ilast.len ? alen + 1 : t->ilast.len);
    if (vs_last < 0) t->ilast_valid = false;
    bool fresh = t->ilast_valid && vs_last > 0;
    rbuf keys = {0};
    if (!fresh) {
        uint8_t first[KEY_MAX + 14];
        memcpy(first, acct, alen);
        first[alen] = 0;
        be64(first + alen + 1, t->irows[0].atk);
        be32(first + alen + 9, t->irows[0].seq);
        MDB_val k = {alen + 13, first}, v, pk, pv;
        int r = mdb_cursor_get(t->icur, &k, &v, MDB_SET_RANGE);
        bool start = false;
        if (r == 0 || r == MDB_NOTFOUND) {
            /* the block before the first new row may hold rows after it */
            int r2 = mdb_cursor_get(t->icur, &pk, &pv, r == 0 ? MDB_PREV : MDB_LAST);
            if (r2 == 0 && is_block_of(&pk, acct, alen)) {
                k = pk, v = pv, start = true;
            } else if (r2 != 0 && r2 != MDB_NOTFOUND) {
                rc = r2;
            } else if (r == 0) {
                k = (MDB_val){alen + 13, first};
                r = mdb_cursor_get(t->icur, &k, &v, MDB_SET_RANGE);
                start = r == 0;
                if (r != MDB_NOTFOUND) rc = r;
            }
        } else {
            rc = r;
        }
        for (; start && rc == 0 && is_block_of(&k, acct, alen);
             rc = mdb_cursor_get(t->icur, &k, &v, MDB_NEXT)) {
            rbuf_reserve(&t->imerge, v.mv_size);
            memcpy(t->imerge.data + t->imerge.len, v.mv_data, v.mv_size);
            t->imerge.len += v.mv_size;
            uint16_t kl = (uint16_t)k.mv_size;
            rbuf_reserve(&keys, 2 + k.mv_size);
            memcpy(keys.data + keys.len, &kl, 2);
            memcpy(keys.data + keys.len + 2, k.mv_data, k.mv_size);
            keys.len += 2 + k.mv_size;
        }
        if (rc == MDB_NOTFOUND) rc = 0;
        for (size_t o = 0; rc == 0 && o < keys.len;) {
            uint16_t kl;
            memcpy(&kl, keys.data + o, 2);
            MDB_val dk = {kl, keys.data + o + 2};
            o += 2 + kl;
            rc = mdb_del(t->txn, t->s->dbi[DB_INTERACTIONS], &dk, NULL);
            t->ilast_valid = false;
        }
    }
    rbuf_free(&keys);

    /* merge the old rows (in order) with the new ones */
    size_t off = 0, ni = 0;
    uint32_t oseq = 0;
    const uint8_t *orec = NULL;
    size_t olen = 0;
    int have = rc == 0 ? block_row(t->imerge.data, t->imerge.len, &off, &oseq, &orec, &olen) : 0;
    t->iblk.len = 0;
    while (rc == 0 && (have > 0 || ni < t->nirows)) {
        bool take_old = have > 0;
        if (have > 0 && ni < t->nirows) {
            struct irow o = {at_key(rec_get(orec, olen, I_AT)), oseq, 0, 0};
            take_old = irow_cmp(&o, &t->irows[ni]) < 0;
        }
        if (take_old) {
            rc = block_push(t, oseq, orec, olen);
            have = block_row(t->imerge.data, t->imerge.len, &off, &oseq, &orec, &olen);
        } else {
            const struct irow *r = &t->irows[ni++];
            rc = block_push(t, r->seq, t->ipend.data + r->off, r->len);
        }
    }
    if (have < 0) rc = MDB_CORRUPTED;
    if (rc == 0) rc = block_emit(t, acct, alen);
    if (rc == 0) icols_dirty(t, acct, alen);
    t->iadded += t->nirows;
    t->nirows = 0;
    t->ipend.len = 0;
    return rc;
}

int store_put_interaction(store_txn *t, const uint8_t *rec, size_t len, uint32_t seq)
{
    if (!t->write) return STORE_EREADONLY;
    value acc = rec_get(rec, len, I_ACCOUNT);
    if (acc.type != T_TEXT || acc.len == 0 || acc.len > KEY_MAX || memchr(acc.s, 0, acc.len))
        return STORE_EKEY;
    if (t->nirows && (acc.len != t->iacctlen || memcmp(acc.s, t->iacct, acc.len) != 0)) {
        int rc = iflush(t);
        if (rc) return rc;
    }
    if (!t->nirows) {
        if (acc.len + 1 > t->iacctcap) t->iacct = xrealloc(t->iacct, t->iacctcap = acc.len + 1);
        memcpy(t->iacct, acc.s, acc.len);
        t->iacct[acc.len] = 0;
        t->iacctlen = acc.len;
        if (!t->ilast_checked) {
            /* appends are safe only past the database's last key */
            t->ilast_checked = true;
            t->ilast_valid = true;
            t->ilast.len = 0;
            MDB_cursor *c;
            MDB_val k, v;
            int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_INTERACTIONS], &c);
            if (rc) return rc;
            rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
            if (rc == 0) {
                rbuf_reserve(&t->ilast, k.mv_size);
                memcpy(t->ilast.data, k.mv_data, k.mv_size);
                t->ilast.len = k.mv_size;
            }
            mdb_cursor_close(c);
            if (rc && rc != MDB_NOTFOUND) return rc;
        }
    }
    if (t->nirows == t->capirows) {
        t->capirows = t->capirows ? 2 * t->capirows : 64;
        t->irows = xrealloc(t->irows, sizeof *t->irows * t->capirows);
    }
    rbuf_reserve(&t->ipend, len);
    t->irows[t->nirows++] =
        (struct irow){at_key(rec_get(rec, len, I_AT)), seq, (uint32_t)len, t->ipend.len};
    memcpy(t->ipend.data + t->ipend.len, rec, len);
    t->ipend.len += len;
    return 0;
}

void activity_init(activity *a)
{
    a->first_order = INT64_MAX;
    a->last_order = INT64_MIN;
    a->last_contact = INT64_MIN;
    a->orders = 0;
    a->revenue = 0;
    a->has_revenue = false;
}

void activity_add(activity *a, const char *kind, size_t kindlen, const value *at,
                  const value *amount)
{
    int64_t ts = INT64_MIN;
    if (at->type == T_DATETIME)
        ts = at->i;
    else if (at->type == T_DATE)
        ts = at->i * 86400;
    if (ts != INT64_MIN && ts > a->last_contact) a->last_contact = ts;
    if (kindlen == 5 && memcmp(kind, "order", 5) == 0) {
        a->orders++;
        if (ts != INT64_MIN) {
            if (ts < a->first_order) a->first_order = ts;
            if (ts > a->last_order) a->last_order = ts;
        }
        if (amount->type == T_NUM && isfinite(amount->n)) {
            a->revenue += amount->n;
            a->has_revenue = true;
        } else if (amount->type == T_INT) {
            a->revenue += (double)amount->i;
            a->has_revenue = true;
        }
    }
}

/* Encodes into OUT the account record REC with activity A folded into its
 * derived fields. */
static void fold_activity(const uint8_t *rec, size_t len, const activity *a, rbuf *out)
{
    int n = (int)rec_nslots(rec, len);
    value *vals = xmalloc(sizeof(value) * (size_t)(n > A_NBUILTIN ? n : A_NBUILTIN));
    rec_decode(rec, len, vals, n);
    for (int i = n; i < A_NBUILTIN; i++)
        vals[i] = v_null();
    if (n < A_NBUILTIN) n = A_NBUILTIN;
    value *fo = &vals[A_FIRST_ORDER], *lo = &vals[A_LAST_ORDER], *lc = &vals[A_LAST_CONTACT];
    if (a->first_order != INT64_MAX && (fo->type != T_DATETIME || a->first_order < fo->i))
        *fo = v_datetime(a->first_order);
    if (a->last_order != INT64_MIN && (lo->type != T_DATETIME || a->last_order > lo->i))
        *lo = v_datetime(a->last_order);
    if (a->last_contact != INT64_MIN && (lc->type != T_DATETIME || a->last_contact > lc->i))
        *lc = v_datetime(a->last_contact);
    vals[A_ORDERS] = v_int((vals[A_ORDERS].type == T_INT ? vals[A_ORDERS].i : 0) + a->orders);
    double rev = vals[A_LIFETIME_REVENUE].type == T_NUM ? vals[A_LIFETIME_REVENUE].n : 0;
    vals[A_LIFETIME_REVENUE] = v_num(rev + a->revenue);
    rec_encode(out, vals, n);
    free(vals);
}

int store_activity_add(store_txn *t, const char *id, size_t idlen, const activity *a)
{
    if (!t->write) return STORE_EREADONLY;
    MDB_val k = {idlen, (void *)id}, v;
    int rc = mdb_get(t->txn, t->s->dbi[DB_ACCOUNTS], &k, &v);
    if (rc) return rc;
    fold_activity(v.mv_data, v.mv_size, a, &t->buf);
    cols_dirty(t, id, idlen, v.mv_data, v.mv_size, t->buf.data, t->buf.len);
    return put_raw(t, DB_ACCOUNTS, &k, t->buf.data, t->buf.len);
}

int store_activity_add_all(store_txn *t, const account_activity *items, size_t n,
                           int (*cancelled)(void *ctx), void *ctx)
{
    if (!t->write) return STORE_EREADONLY;
    MDB_dbi dbi = t->s->dbi[DB_ACCOUNTS];
    if (4 * n < store_count(t, ENT_ACCOUNTS)) {
        for (size_t i = 0; i < n; i++) {
            if ((i & 0x3FFF) == 0 && cancelled && cancelled(ctx)) return STORE_ECANCELLED;
            int rc = store_activity_add(t, items[i].id, items[i].len, &items[i].act);
            if (rc) return rc;
        }
        return 0;
    }
    /* Most accounts change and each grows: updated in place, nearly every
     * page would split in two. Instead every record is copied (changed or
     * not, with its manager from manager_of, which is emptied) and the
     * database refilled by appends, which leaves it packed. */
    t->cols_stale = true;
    struct kv {
        size_t koff, klen, voff, vlen;
    } *kv = NULL;
    size_t nkv = 0, cap = 0, next = 0;
    rbuf all = {0}, one = {0}, fill = {0};
    mofwalk mof = {0};
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc) return rc;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if ((nkv & 0x3FFF) == 0 && cancelled && cancelled(ctx)) {
            rc = STORE_ECANCELLED;
            break;
        }
        while (next < n && bytes_cmp(items[next].id, items[next].len, k.mv_data, k.mv_size) < 0)
            next++; /* no such account: callers create them first */
        const uint8_t *rec = v.mv_data;
        size_t len = v.mv_size;
        int r2 = mof_apply(t, &mof, &k, rec, len, &fill);
        if (r2 == 0) {
            rec = fill.data;
            len = fill.len;
        } else if (r2 != MDB_NOTFOUND) {
            rc = r2;
            break;
        }
        if (next < n && bytes_cmp(items[next].id, items[next].len, k.mv_data, k.mv_size) == 0) {
            fold_activity(rec, len, &items[next++].act, &one);
            rec = one.data;
            len = one.len;
        }
        if (nkv == cap) kv = xrealloc(kv, sizeof *kv * (cap = cap ? 2 * cap : 4096));
        rbuf_reserve(&all, k.mv_size + len);
        kv[nkv++] = (struct kv){all.len, k.mv_size, all.len + k.mv_size, len};
        memcpy(all.data + all.len, k.mv_data, k.mv_size);
        memcpy(all.data + all.len + k.mv_size, rec, len);
        all.len += k.mv_size + len;
    }
    mdb_cursor_close(c);
    mofwalk_free(&mof);
    if (rc == MDB_NOTFOUND) rc = mdb_drop(t->txn, dbi, 0);
    if (rc == 0 && t->mof_n) {
        rc = mdb_drop(t->txn, t->s->dbi[DB_MANAGER_OF], 0);
        mof_count(t);
    }
    if (rc == 0) rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc == 0) {
        for (size_t i = 0; i < nkv && rc == 0; i++) {
            k = (MDB_val){kv[i].klen, all.data + kv[i].koff};
            v = (MDB_val){kv[i].vlen, all.data + kv[i].voff};
            rc = mdb_cursor_put(c, &k, &v, MDB_APPEND);
        }
        mdb_cursor_close(c);
    }
    free(kv);
    rbuf_free(&all);
    rbuf_free(&one);
    rbuf_free(&fill);
    return rc;
}

/* ---- the audit trail ---- */

int64_t store_last_batch(store_txn *t)
{
    return t->txn ? (int64_t)meta_u64(t->txn, t->s->dbi[DB_META], "batch") : 0;
}

int64_t store_next_batch(store_txn *t)
{
    if (!t->write || !t->txn) return 0;
    int64_t b = store_last_batch(t) + 1;
    if (meta_put_u64(t->txn, t->s->dbi[DB_META], "batch", (uint64_t)b)) return 0;
    return b;
}

/* The history row of key K read by C, REC of LEN bytes, with its batch's
 * statement when it was left out (see store_history_put()): a copy that
 * lives as long as C. 1, or an error. */
static int hist_row(store_cursor *c, const MDB_val *k, const uint8_t **rec, size_t *len)
{
    const uint8_t *kb = k->mv_data;
    if (k->mv_size != 12 || ((kb[8] | kb[9] | kb[10]) == 0 && kb[11] <= 1) ||
        rec_get(*rec, *len, H_STATEMENT).type != T_NULL)
        return 1;
    if (!c->hstmt_ok || memcmp(c->hbatch, kb, 8) != 0) {
        uint8_t key[12];
        memcpy(key, kb, 8);
        be32(key + 8, 1);
        MDB_val fk = {sizeof key, key}, fv;
        int rc = mdb_get(c->t->txn, c->t->s->dbi[DB_HISTORY], &fk, &fv);
        value st = rc == 0 ? rec_get(fv.mv_data, fv.mv_size, H_STATEMENT) : v_null();
        if (rc && rc != MDB_NOTFOUND) return rc;
        if (st.type != T_TEXT) return 1; /* (no first row to take it from: left null) */
        rbuf_set(&c->hstmt, st.s, st.len);
        memcpy(c->hbatch, kb, 8);
        c->hstmt_ok = true;
    }
    rec_with(&c->fbuf, *rec, *len, H_STATEMENT, v_text((const char *)c->hstmt.data, c->hstmt.len));
    return filled_row(c, rec, len);
}

void store_cursor_transient(store_cursor *c)
{
    c->transient = true;
}

/* A batch's rows after the first do not repeat its statement (which would
 * be most of a big reassignment's history): a row of seq > 1 whose
 * statement is that of the batch's first row, written before it in this
 * transaction, is stored with a null statement, and hist_row() gives it
 * back. (Statements are never null otherwise.) */
int store_history_put(store_txn *t, int64_t batch, uint32_t seq, const uint8_t *rec, size_t len)
{
    if (!t->write) return STORE_EREADONLY;
    value st = rec_get(rec, len, H_STATEMENT);
    if (seq == 1) {
        t->hbatch = st.type == T_TEXT ? batch : 0;
        if (t->hbatch) rbuf_set(&t->hstmt, st.s, st.len);
    } else if (batch == t->hbatch && st.type == T_TEXT && st.len == t->hstmt.len &&
               memcmp(st.s, t->hstmt.data, st.len) == 0) {
        rec_with(&t->buf, rec, len, H_STATEMENT, v_null());
        rec = t->buf.data;
        len = t->buf.len;
    }
    uint8_t key[12];
    be64(key, (uint64_t)batch);
    be32(key + 8, seq);
    MDB_val k = {sizeof key, key}, v = {len, (void *)rec};
    int rc = 0;
    if (!t->hcur && (rc = mdb_cursor_open(t->txn, t->s->dbi[DB_HISTORY], &t->hcur)) != 0) return rc;
    rc = mdb_cursor_put(t->hcur, &k, &v, MDB_APPEND); /* batches and rows come in order */
    if (rc == MDB_KEYEXIST) rc = mdb_cursor_put(t->hcur, &k, &v, 0);
    return rc;
}

int store_history_of(store_txn *t, int64_t batch, store_cursor **out)
{
    uint8_t key[8];
    be64(key, (uint64_t)batch);
    return store_scan(t, ENT_HISTORY, (const char *)key, sizeof key, out);
}

/* ---- meta ---- */

int store_meta_get(store_txn *t, const char *key, const void **val, size_t *len)
{
    if (!t->txn) return MDB_NOTFOUND;
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->dbi[DB_META], &k, &v);
    if (rc) return rc;
    *val = v.mv_data;
    *len = v.mv_size;
    return 0;
}

int store_meta_put(store_txn *t, const char *key, const void *val, size_t len)
{
    if (!t->write) return STORE_EREADONLY;
    MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};
    return mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0);
}
