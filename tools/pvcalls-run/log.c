// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to stderr, prefixed with our name so they are told apart from
 * PROGRAM's own.
 */
#include <stdarg.h>
#include <stdio.h>

#include "pvcalls-run.h"

static void vmsg(const char *fmt, va_list ap)
{
	char buf[512];

	/* one write per line, so lines of several processes do not mix */
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "pvcalls-run: %s\n", buf);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void vlog(const struct config *cfg, const char *fmt, ...)
{
	va_list ap;

	if (!cfg->verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}
