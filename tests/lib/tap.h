/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result lines of the user-space test programs, in the form the bed's
 * parsers read (testbed/report.sh, testbed/check.sh, run.sh):
 *
 *   TAP version 13              tap_plan(N)
 *   1..N
 *   ok N name                   tap_ok(name, NULL)
 *   ok N name # detail          tap_ok(name, "fmt", ...)
 *   not ok N name # why         tap_fail(name, "fmt", ...)
 *   ok N name # SKIP why        tap_skip(name, "fmt", ...)
 *   either of the first three   tap_result(ok, ...), tap_check(ok, ...)
 *   # text                      tap_diag("fmt", ...)
 *   # WHO: P passed, F failed, S skipped      tap_done("WHO")
 *
 * Results are numbered from 1 (or from tap_next()) in the order they
 * are printed; each line is flushed at once.  Link tests/lib/tap.c.
 */
#ifndef PVC_TESTS_TAP_H
#define PVC_TESTS_TAP_H

#include <stddef.h>	/* NULL: no detail */

#define TAP_PRINTF(a, b)	__attribute__((format(printf, a, b)))

struct tap_counts {
	int n;			/* number of the last result printed */
	int passed, failed, skipped;
};

extern struct tap_counts tap_counts;

/* "TAP version 13" and the plan "1..@n". */
void tap_plan(int n);
/* The next result gets number @n. */
void tap_next(int n);
/* A passed case; @fmt (may be NULL) gives a detail after " # ". */
void tap_ok(const char *name, const char *fmt, ...) TAP_PRINTF(2, 3);
/* A failed case and why (@fmt NULL: "failed"). */
void tap_fail(const char *name, const char *fmt, ...) TAP_PRINTF(2, 3);
/* A skipped case and why: "ok N name # SKIP why". */
void tap_skip(const char *name, const char *fmt, ...) TAP_PRINTF(2, 3);
/* tap_ok() or tap_fail() with the same detail; returns @ok. */
int tap_result(int ok, const char *name, const char *fmt, ...) TAP_PRINTF(3, 4);
/* tap_ok(@name) if @ok, else tap_fail(@name, @why...); returns @ok. */
int tap_check(int ok, const char *name, const char *why, ...) TAP_PRINTF(3, 4);
/* A comment line "# ...". */
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);
/* The summary line (without "WHO: " if @who is NULL); 1 if any failed. */
int tap_done(const char *who);

#endif
