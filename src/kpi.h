/* kpi.h: account-management KPIs and the report (spec §10), the engine of
 * the `kpi` and `report` stages, and the targets of `.target`.
 *
 * A kpi object takes account records (the whole of `kpi …;`, or the rows of
 * an accounts pipeline) one at a time. For each it reads the account's
 * interactions once, in time order (store_interactions_of()), and folds them
 * and the account's created/closed dates into per-group, per-period sums; the
 * KPIs are ratios of those sums, computed at the end. Memory grows with the
 * groups and periods asked for, not with interactions. See docs/metrics.md
 * for the definitions. */
#ifndef KASH_KPI_H
#define KASH_KPI_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "eval.h"
#include "parse.h"
#include "render.h"
#include "store.h"

typedef struct kpi kpi;

/* Plans `kpi` or `report` stage ST over rows of ENTITY (ENT_ACCOUNTS records;
 * anything else, or -1 for computed rows, is an error), which carry the added
 * fields EXT (rfm's; may be NULL: none) for the by keys. NREST: how many stages
 * follow ST (any is an error: kpi and report end the query). T, A (statement
 * arena), SRC (statement text) and REGEXES (compiled regexes of the by keys,
 * freed by the caller with eval_free_regexes()) outlive the object. Returns an
 * object owned by the caller (kpi_free()), or NULL with D set. */
kpi *kpi_plan(store_txn *t, arena *a, diag *d, const char *src, const stage *st, int nrest,
              int entity, const extfields *ext, regex_obj **regexes);

/* Folds in one account (and its interactions): the record REC of LEN bytes,
 * or row CI of the block of account columns CB when CB is set, with the
 * values of its added fields (EXT->n of them, or NULL). Returns 0, or -1
 * with D set. */
int kpi_add(kpi *k, const uint8_t *rec, size_t len, colblock *cb, uint32_t ci, const value *ext);

/* Tells K that the next account does not follow the last one it was given
 * (another thread took the accounts in between, or none of them passed a
 * filter): its interactions are then found by a seek rather than by reading
 * on. Only a speed-up; the answer is the same without it. */
void kpi_jump(kpi *k);

/* Adds the sums of W (a kpi of the same statement, given the other accounts:
 * a second thread's) into K. False, with K unusable, when both hold a sum of
 * money that is not whole hundredths in one group (its digits would depend
 * on the split). */
bool kpi_merge(kpi *k, const kpi *w);

/* Writes the result to OUT in the mode of RO. Returns 0, or -1 with D set. */
int kpi_finish(kpi *k, FILE *out, const render_opts *ro);

void kpi_free(kpi *k);

/* The target of KPI (a kpiid) stored in T: 1 with *OUT set, 0 when none. */
int kpi_target_get(store_txn *t, int kpi, double *out);

/* kpi_target_command() (`.target`) is declared in exec.h, beside the other
 * entry points the shell calls. */

#endif
