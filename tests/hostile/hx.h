/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xenbus plumbing of both hostile modules (test only, kernel only)
 * beyond what they share with the drivers (<xen-pvcalls/xs.h>): the other
 * end's state waited for, and event channels bound to a handler.
 */
#ifndef PVCALLS_HOSTILE_XS_H
#define PVCALLS_HOSTILE_XS_H

#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <xen/events.h>
#include <xen/xenbus.h>
#include <xen-pvcalls/xs.h>

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
