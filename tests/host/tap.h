/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny TAP-style reporting for the host-side unit tests: one
 * "ok N name" / "not ok N name # reason" line per test case, numbered
 * across every test file linked into the runner.
 */
#ifndef PVC_HOST_TAP_H
#define PVC_HOST_TAP_H

#include <stdio.h>

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

extern int tap_count;
extern int tap_failures;

/* Report one test case; @reason is printed only on failure (may be NULL). */
void tap_result(int ok, const char *name, const char *reason);
/* printf-style diagnostics ("# ..."), for the first few failures only. */
void tap_diag(const char *fmt, ...) __printf(1, 2);

void test_wire(void);
void test_dring(void);
void test_copy(void);
void test_linux_wire(void);
#ifdef HAVE_NOTIFY
void test_notify(void);
#endif
#ifdef HAVE_VALIDATE
void test_validate(void);
#endif

#endif
