/* cohort.h: cohort retention (spec §9), the engine of the `retention` stage.
 *
 * A cohort object folds the rows of a pipeline into per-account state (the
 * account's cohort period and the periods it was active in, with their
 * amounts for `revenue`) in one pass, then writes the cohort × period table.
 * Memory grows with accounts and their active periods, not with
 * interactions. See docs/metrics.md for the definitions. */
#ifndef KASH_COHORT_H
#define KASH_COHORT_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "eval.h"
#include "parse.h"
#include "render.h"
#include "store.h"

typedef struct cohort cohort;

/* Plans retention stage ST over rows of ENTITY: ENT_INTERACTIONS records (the
 * interaction set), ENT_ACCOUNTS records (with `activity interactions …`), or
 * -1 for computed rows (an error). REST/NREST: the stages after ST, of which
 * only one `export` may follow. T, A (statement arena), SRC (statement text)
 * and REGEXES (compiled regexes, freed by the caller with
 * eval_free_regexes()) outlive the object. Returns an object owned by the
 * caller (cohort_free()), or NULL with D set. */
cohort *cohort_plan(store_txn *t, arena *a, diag *d, const char *src, const stage *st,
                    const stage *rest, int nrest, int entity, regex_obj **regexes);

/* Folds in one source record of the planned entity. Returns 0, or -1 with D set. */
int cohort_add(cohort *c, const uint8_t *rec, size_t len);
/* Folds in rows SEL[0 .. N) (all N rows when SEL is NULL) of block B of
 * the interaction columns, as cohort_add() would their records. */
int cohort_add_block(cohort *c, colblock *b, const uint32_t *sel, uint32_t n);

/* Writes the table to OUT in the mode of RO (or to the export file). Returns
 * 0, or -1 with D set. */
int cohort_finish(cohort *c, FILE *out, const render_opts *ro);

void cohort_free(cohort *c);

#endif
