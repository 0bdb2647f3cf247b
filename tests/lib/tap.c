// SPDX-License-Identifier: GPL-2.0
/* Result lines of the user-space test programs: see tap.h. */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

struct tap_counts tap_counts;

void tap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

void tap_next(int n)
{
	tap_counts.n = n - 1;
}

/* "[not ]ok N name[ # [SKIP ]detail]" */
static void tap_line(int ok, const char *name, const char *skip,
		     const char *dflt, const char *fmt, va_list ap)
{
	char detail[1024] = "";

	if (fmt)
		vsnprintf(detail, sizeof(detail), fmt, ap);
	if (!detail[0] && dflt)
		snprintf(detail, sizeof(detail), "%s", dflt);
	printf("%sok %d %s%s%s%s\n", ok ? "" : "not ", ++tap_counts.n, name,
	       detail[0] || skip ? " # " : "", skip ? skip : "", detail);
	fflush(stdout);
}

void tap_ok(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(1, name, NULL, NULL, fmt, ap);
	va_end(ap);
	tap_counts.passed++;
}

void tap_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(0, name, NULL, "failed", fmt, ap);
	va_end(ap);
	tap_counts.failed++;
}

void tap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(1, name, "SKIP ", NULL, fmt, ap);
	va_end(ap);
	tap_counts.skipped++;
}

/* ok or not ok with @fmt's detail, counted */
static int tap_either(int ok, const char *name, const char *fmt, va_list ap)
{
	tap_line(ok, name, NULL, ok ? NULL : "failed", fmt, ap);
	if (ok)
		tap_counts.passed++;
	else
		tap_counts.failed++;
	return ok;
}

int tap_result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ok = tap_either(ok, name, fmt, ap);
	va_end(ap);
	return ok;
}

int tap_check(int ok, const char *name, const char *why, ...)
{
	va_list ap;

	va_start(ap, why);
	ok = tap_either(ok, name, ok ? NULL : why, ap);
	va_end(ap);
	return ok;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_done(const char *who)
{
	printf("# %s%s%d passed, %d failed, %d skipped\n", who ? who : "",
	       who ? ": " : "", tap_counts.passed, tap_counts.failed,
	       tap_counts.skipped);
	fflush(stdout);
	return tap_counts.failed ? 1 : 0;
}
