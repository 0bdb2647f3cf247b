/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstore reads shared by the frontend and the backend (kernel only).
 */
#ifndef XEN_PVCALLS_XS_H
#define XEN_PVCALLS_XS_H

#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xenbus.h>

/*
 * Is @dir/@node exactly "1"?  For keys whose value may only be "1"
 * (notify-mitigation): xenbus_read_unsigned() would also take "01" or
 * "1x", which a peer that means "1" never writes.  A missing key is no.
 */
static inline bool pvc_xs_is_one(const char *dir, const char *node)
{
	char *val = xenbus_read(XBT_NIL, dir, node, NULL);
	bool one;

	if (IS_ERR(val))
		return false;
	one = !strcmp(val, "1");
	kfree(val);
	return one;
}

#endif /* XEN_PVCALLS_XS_H */
