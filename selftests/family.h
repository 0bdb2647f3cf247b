/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvcalls_family(): from the frontend's program header when the tree has
 * it, else the same logic (module parameter, falling back to 19).
 */
#ifndef PVC_SELFTEST_FAMILY_H
#define PVC_SELFTEST_FAMILY_H

#if __has_include("../include/uapi/pvcalls.h")
#include "../include/uapi/pvcalls.h"
#else
#include <stdio.h>
#define AF_PVCALLS_DEFAULT 19
static inline int pvcalls_family(void)
{
	FILE *f = fopen("/sys/module/xen_pvcalls_front/parameters/family", "r");
	int fam = 0;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = 0;
		fclose(f);
	}
	return fam > 0 ? fam : AF_PVCALLS_DEFAULT;
}
#endif

#endif
