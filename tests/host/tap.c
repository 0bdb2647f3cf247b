// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include "tap.h"

int tap_count;
int tap_failures;

void tap_result(int ok, const char *name, const char *reason)
{
	tap_count++;
	if (ok) {
		printf("ok %d %s\n", tap_count, name);
	} else {
		tap_failures++;
		printf("not ok %d %s # %s\n", tap_count, name,
		       reason ? reason : "failed");
	}
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}
