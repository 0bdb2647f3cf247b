/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstore plumbing shared by the frontend, the backend and the hostile
 * test modules (kernel only): the device they bind, a key read, and our
 * own keys written in one transaction.
 */
#ifndef XEN_PVCALLS_XS_H
#define XEN_PVCALLS_XS_H

#include <linux/err.h>
#include <linux/kernel.h>
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

/* The xenbus device every PV Calls driver binds. */
static const struct xenbus_device_id pvc_xs_ids[] __maybe_unused = {
	{ "pvcalls" },
	{ "" }
};

/* What pvc_xs_write_keys() does with one key; writing it is the default. */
enum pvc_xs_op {
	PVC_XS_WRITE = 0,
	PVC_XS_SKIP,		/* leave the key as it is */
	PVC_XS_REMOVE,		/* remove it; a key already absent is fine */
};

/* One unsigned key of our own node. */
struct pvc_xs_key {
	const char *node;
	unsigned int val;
	enum pvc_xs_op op;
};

/* @node = @val if @cond, else not written. */
#define PVC_XS_KEY_IF(cond, node, val) \
	{ (node), (val), (cond) ? PVC_XS_WRITE : PVC_XS_SKIP }

/*
 * @node = @val if @cond, else removed: for keys that speak for this load
 * of the module, as our nodes outlive it.
 */
#define PVC_XS_KEY_OR_RM(cond, node, val) \
	{ (node), (val), (cond) ? PVC_XS_WRITE : PVC_XS_REMOVE }

static inline int pvc_xs_key_apply(struct xenbus_transaction xbt,
				   const char *dir,
				   const struct pvc_xs_key *key)
{
	int ret;

	switch (key->op) {
	case PVC_XS_WRITE:
		return xenbus_printf(xbt, dir, key->node, "%u", key->val);
	case PVC_XS_REMOVE:
		ret = xenbus_rm(xbt, dir, key->node);
		return ret == -ENOENT ? 0 : ret;
	default:
		return 0;
	}
}

/*
 * Apply @n keys to @dev's node, in order, in one transaction (started
 * over while xenstore answers -EAGAIN); 0 or an errno.
 */
static inline int pvc_xs_write_keys(struct xenbus_device *dev,
				    const struct pvc_xs_key *keys,
				    unsigned int n)
{
	struct xenbus_transaction xbt;
	unsigned int i;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = pvc_xs_key_apply(xbt, dev->nodename, &keys[i]);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

#endif /* XEN_PVCALLS_XS_H */
