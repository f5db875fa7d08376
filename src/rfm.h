/* rfm.h: RFM scoring, the engine of the `rfm over PERIOD` stage.
 *
 * An rfm object takes the account records that reach the stage, one at a
 * time. For each it reads the account's interactions once (a key range, in
 * time order: store_interactions_of()) and keeps three numbers of its
 * `order`s in the period: the days from the last one to the period's last
 * day (recency), how many (frequency) and the sum of their amounts
 * (monetary). When the input is complete, rfm_score() turns them into
 * quintile scores 1–5 over the accounts with at least one order, and
 * rfm_fields() hands out each account's added fields. Memory grows with the
 * accounts, not with interactions. See docs/metrics.md for the definitions. */
#ifndef KASH_RFM_H
#define KASH_RFM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "eval.h"
#include "parse.h"
#include "store.h"

/* The fields the stage adds to account rows, in this order. */
enum {
    RFM_R,            /* int 1–5: recency score (5 = ordered most recently) */
    RFM_F,            /* int 1–5: frequency score */
    RFM_M,            /* int 1–5: monetary score */
    RFM_RFM,          /* text: the three digits, "555" */
    RFM_RECENCY_DAYS, /* int: days from the last order in the period to its last day */
    RFM_ORDERS,       /* int: orders in the period (0 when none) */
    RFM_MONETARY,     /* num: sum of their amounts, null amounts as 0 (0 when none) */
    RFM_NFIELDS
};

/* Names and types (RFM_NFIELDS of each) of the added fields, as the planner sees them. */
extern const extfields rfm_fields_def;

typedef struct rfm rfm;

/* Plans rfm stage ST (S_RFM) over rows of ENTITY: ENT_ACCOUNTS records, or
 * anything else (-1 for computed rows) for an error. T is the transaction
 * the rows come from; it must outlive the object, and so must the records
 * given to rfm_add() (read transactions keep them; nothing is written while
 * the stage runs). CANCEL (may be NULL) is polled while reading. Returns an
 * object owned by the caller (rfm_free()), or NULL with D set. */
rfm *rfm_plan(store_txn *t, diag *d, const stage *st, int entity, volatile sig_atomic_t *cancel);

/* Takes one account record: reads its orders in the period and keeps the
 * record pointer. Returns 0, or -1 with D set (a read error, or interrupted). */
int rfm_add(rfm *r, const uint8_t *rec, size_t len);

/* Scores the accounts added so far. Call once, after the last rfm_add(). */
void rfm_score(rfm *r);

/* Number of accounts added. */
size_t rfm_count(const rfm *r);

/* Account I (in the order added): its record, and its RFM_NFIELDS added
 * values (owned by R, valid until rfm_free(); text points into R). */
const uint8_t *rfm_record(const rfm *r, size_t i, size_t *len);
const value *rfm_fields(const rfm *r, size_t i);

void rfm_free(rfm *r);

/* Quintile scores with ties kept together: OUT[i] = 1 + 5 * (rank - 1) / N
 * (integer division), rank = 1 + the number of X[j] smaller than X[i] (SQL's
 * RANK() in ascending order). NaNs rank above every number, equal to each
 * other. X and OUT hold N elements. */
void rfm_quintiles(const double *x, size_t n, uint8_t *out);

#endif
