/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host-side unit tests: one result line per test case (tests/lib/
 * tap.h), numbered across every test file linked into the runner.
 */
#ifndef PVC_HOST_TESTS_H
#define PVC_HOST_TESTS_H

#include <stdio.h>

#include "../lib/tap.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
