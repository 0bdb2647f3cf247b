/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xenbus plumbing of both hostile modules (test only, kernel only):
 * the device they bind, keys written in one transaction, the other end's
 * state waited for, and event channels bound to a handler.
 */
#ifndef PVCALLS_HOSTILE_XS_H
#define PVCALLS_HOSTILE_XS_H

#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <xen/events.h>
#include <xen/xenbus.h>

/*
 * The xenbus device both modules bind instead of the real drivers (not
 * every file that includes this registers a driver).
 */
static const struct xenbus_device_id hx_ids[] __maybe_unused = {
	{ "pvcalls" },
	{ "" }
};

/* One unsigned key of our own node. */
struct hx_key {
	const char *node;
	unsigned int val;
};

/* Write @n keys into @dev's node in one transaction; 0 or an errno. */
static inline int hx_write_keys(struct xenbus_device *dev,
				const struct hx_key *keys, unsigned int n)
{
	struct xenbus_transaction xbt;
	unsigned int i;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = xenbus_printf(xbt, dev->nodename, keys[i].node, "%u",
				    keys[i].val);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

/*
 * Poll the other end's state until it is one of @states (a mask of
 * BIT(XenbusState...)) or @ms have passed; returns the last state read.
 */
static inline enum xenbus_state hx_wait_otherend(struct xenbus_device *dev,
						 unsigned long states,
						 unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	enum xenbus_state st;

	for (;;) {
		st = xenbus_read_driver_state(dev->otherend);
		if ((BIT(st) & states) || time_after(jiffies, end))
			return st;
		msleep(20);
	}
}

/*
 * A new event channel for the other end, bound to @handler; the irq
 * or a negative errno (the channel is freed again on error).
 */
static inline int hx_alloc_bind(struct xenbus_device *dev,
				evtchn_port_t *port, irq_handler_t handler,
				const char *name, void *arg)
{
	int ret = xenbus_alloc_evtchn(dev, port);

	if (ret)
		return ret;
	ret = bind_evtchn_to_irqhandler(*port, handler, 0, name, arg);
	if (ret < 0) {
		xenbus_free_evtchn(dev, *port);
		*port = 0;
	}
	return ret;
}

/* The other end's channel @port bound to @handler: the irq or an errno. */
static inline int hx_bind_peer(struct xenbus_device *dev,
			       evtchn_port_t port, irq_handler_t handler,
			       const char *name, void *arg)
{
	return bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, port,
							     handler, 0,
							     name, arg);
}

#endif /* PVCALLS_HOSTILE_XS_H */
