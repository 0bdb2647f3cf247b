/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace view of the PV Calls socket family, as xen-pvcalls-front
 * (over Xen) or pvcalls-loopback (over this machine's own TCP) provides it.
 *
 *	int fd = socket(pvcalls_family(), SOCK_STREAM, 0);
 *
 * then use it as a TCP socket with struct sockaddr_in addresses
 * (sin_family = AF_INET).  The family number is chosen when the module
 * loads; pvcalls_family() reads it from sysfs.
 */
#ifndef _UAPI_PVCALLS_H
#define _UAPI_PVCALLS_H

#include <stdio.h>

#define AF_PVCALLS_DEFAULT	19
#define PVCALLS_FAMILY_PARAM \
	"/sys/module/xen_pvcalls_front/parameters/family"
#define PVCALLS_LOOPBACK_FAMILY_PARAM \
	"/sys/module/pvcalls_loopback/parameters/family"

/* The family in use, or AF_PVCALLS_DEFAULT if it cannot be read. */
static inline int pvcalls_family(void)
{
	FILE *f = fopen(PVCALLS_FAMILY_PARAM, "r");
	int fam = 0;

	if (!f)
		f = fopen(PVCALLS_LOOPBACK_FAMILY_PARAM, "r");
	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = 0;
		fclose(f);
	}
	return fam > 0 ? fam : AF_PVCALLS_DEFAULT;
}

#endif /* _UAPI_PVCALLS_H */
