// SPDX-License-Identifier: GPL-2.0
/*
 * The pvcalls xenbus device: probe, handshake, teardown.
 *
 * There is one PV Calls frontend per domain.  Handshake (v1):
 *   backend InitWait: read "versions" (must list 1), "max-page-order"
 *     (>= 1) and "function-calls" (1); set up the command ring; write
 *     "version", "ring-ref", "port"; switch to Initialised.
 *   backend Connected: the command ring goes live; we are Connected.
 * Any other answer is logged and the device is not connected.
 *
 * Teardown lives in pvcf_front_down() only: it stops the command ring
 * (finishing outstanding commands with -ENETDOWN), then the down upcall
 * marks every socket dead and frees the idle rings kept for reuse.  The
 * data rings of sockets stay allocated until their socket closes.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen-pvcalls/xs.h>

#include "front.h"

struct pvcf_front pvcf_front = {
	.lock = __MUTEX_INITIALIZER(pvcf_front.lock),
	.socks = XARRAY_INIT(pvcf_front.socks, XA_FLAGS_ALLOC1),
};

/*
 * At module init, after the transport registered (pvcf_front_register())
 * and before any socket: the workqueues and the command ring.
 */
int pvcf_front_setup(void)
{
	pvcf_front.wq = alloc_ordered_workqueue("pvcalls-front",
						WQ_MEM_RECLAIM);
	if (!pvcf_front.wq)
		return -ENOMEM;
	pvcf_front.sock_wq = alloc_workqueue("pvcalls-front-sock",
					     WQ_MEM_RECLAIM, 0);
	if (!pvcf_front.sock_wq) {
		destroy_workqueue(pvcf_front.wq);
		return -ENOMEM;
	}
	pvcf_cmdring_init(&pvcf_front.cmd, pvcf_front.wq, pvcf_front.upcalls);
	return 0;
}

/* Waits for work still running after the last socket went away. */
void pvcf_front_teardown(void)
{
	destroy_workqueue(pvcf_front.sock_wq);
	destroy_workqueue(pvcf_front.wq);
}

/* Once, at module init, before pvcf_front_setup(). */
void pvcf_front_register(const struct pvcf_front_upcalls *up)
{
	pvcf_front.upcalls = up;
}

int pvcf_dev_get(struct pvcf_dev_info *info)
{
	int ret = -ENETDOWN;

	mutex_lock(&pvcf_front.lock);
	if (pvcf_front.up) {
		*info = pvcf_front.info;
		ret = 0;
	}
	mutex_unlock(&pvcf_front.lock);
	return ret;
}

static bool pvcf_versions_ok(const char *versions)
{
	char *copy, *p, *tok;
	bool ok = false;

	copy = kstrdup(versions, GFP_KERNEL);
	if (!copy)
		return false;
	p = copy;
	while ((tok = strsep(&p, ",")))
		if (!strcmp(strim(tok), "1"))
			ok = true;
	kfree(copy);
	return ok;
}

/* notify-mitigation in force on the device (debugfs): 1 or 0. */
int pvcf_dev_notify(void)
{
	int on;

	mutex_lock(&pvcf_front.lock);
	on = pvcf_front.up && pvcf_front.info.notify;
	mutex_unlock(&pvcf_front.lock);
	return on;
}

/*
 * Read and check the backend's keys into @info (all but the domain);
 * 0 or an errno, logged.
 */
static int pvcf_read_backend(struct xenbus_device *dev,
			     struct pvcf_dev_info *info)
{
	unsigned int calls, order;
	char *versions;
	int ret = 0;

	versions = xenbus_read(XBT_NIL, dev->otherend, PVC_XS_VERSIONS, NULL);
	if (IS_ERR(versions)) {
		dev_err(&dev->dev, "backend %s has no \"%s\" key\n",
			dev->otherend, PVC_XS_VERSIONS);
		return -EPROTO;
	}
	if (!pvcf_versions_ok(versions)) {
		dev_err(&dev->dev, "backend versions \"%s\" do not include 1\n",
			versions);
		ret = -EPROTO;
	}
	kfree(versions);
	if (ret)
		return ret;

	if (xenbus_scanf(XBT_NIL, dev->otherend, PVC_XS_MAX_PAGE_ORDER, "%u",
			 &order) != 1 || order < 1) {
		dev_err(&dev->dev, "backend \"%s\" missing or below 1\n",
			PVC_XS_MAX_PAGE_ORDER);
		return -EPROTO;
	}
	if (xenbus_scanf(XBT_NIL, dev->otherend, PVC_XS_FUNCTION_CALLS, "%u",
			 &calls) != 1 || calls != 1) {
		dev_err(&dev->dev, "backend \"%s\" missing or not 1\n",
			PVC_XS_FUNCTION_CALLS);
		return -EPROTO;
	}
	/*
	 * extensions: an absent key means a plain v1 backend.  One that
	 * offers none may be Linux's own pvcalls-back, whose BIND makes a
	 * socket of its own (Documentation/pvcalls.rst, "Linux's pair").
	 */
	info->max_order = min_t(unsigned int, order, PVC_MAX_RING_ORDER);
	info->ext_offered =
		xenbus_exists(XBT_NIL, dev->otherend, PVC_XS_FEATURE_NAMES) ||
		xenbus_exists(XBT_NIL, dev->otherend, PVC_XS_FEATURE_NOTIFY) ||
		xenbus_exists(XBT_NIL, dev->otherend, PVC_XS_FEATURE_IN_ORDER);
	info->socket_names = pvcf_socket_names_param &&
		xenbus_read_unsigned(dev->otherend, PVC_XS_FEATURE_NAMES, 0) == 1;
	/* in-order: the backend's promise alone; we write nothing back */
	info->in_order = pvcf_in_order_param &&
		pvc_xs_is_one(dev->otherend, PVC_XS_FEATURE_IN_ORDER);
	/*
	 * notify-mitigation (Documentation/notify-mitigation.rst): the
	 * backend offers it with exactly "1"; anything else, or our
	 * parameter off, means plain v1.
	 */
	info->notify = pvcf_notify_param &&
		       pvc_xs_is_one(dev->otherend, PVC_XS_FEATURE_NOTIFY);
	return 0;
}

/*
 * Our keys, in one transaction.  The notify acceptance is removed when we
 * do not accept: our nodes outlive the module, and one written by an
 * earlier load must not speak for this one.
 */
static int pvcf_publish(struct xenbus_device *dev, grant_ref_t ref,
			evtchn_port_t port, bool names, bool notify)
{
	const struct pvc_xs_key keys[] = {
		{ PVC_XS_VERSION, PVC_PROTOCOL_VERSION },
		{ PVC_XS_RING_REF, ref },
		{ PVC_XS_PORT, port },
		PVC_XS_KEY_IF(names, PVC_XS_NAMES, 1),
		PVC_XS_KEY_OR_RM(notify, PVC_XS_NOTIFY, PVC_NOTIFY_VERSION),
	};

	return pvc_xs_write_keys(dev, keys, ARRAY_SIZE(keys));
}

static void pvcf_front_init(struct xenbus_device *dev)
{
	struct pvcf_dev_info info = { .domid = dev->otherend_id };
	evtchn_port_t port;
	grant_ref_t ref;
	int ret;

	ret = pvcf_read_backend(dev, &info);
	if (ret) {
		xenbus_dev_fatal(dev, ret, "incompatible PV Calls backend");
		return;
	}
	ret = pvcf_cmdring_connect(&pvcf_front.cmd, dev, &ref, &port);
	if (ret) {
		xenbus_dev_fatal(dev, ret, "setting up the command ring");
		return;
	}
	ret = pvcf_publish(dev, ref, port, info.socket_names, info.notify);
	if (ret) {
		pvcf_cmdring_disconnect(&pvcf_front.cmd, dev);
		xenbus_dev_fatal(dev, ret, "writing xenstore keys");
		return;
	}
	mutex_lock(&pvcf_front.lock);
	pvcf_front.info = info;
	mutex_unlock(&pvcf_front.lock);
	xenbus_switch_state(dev, XenbusStateInitialised);
}

static void pvcf_front_connect(struct xenbus_device *dev)
{
	mutex_lock(&pvcf_front.lock);
	pvcf_front.up = true;
	mutex_unlock(&pvcf_front.lock);
	pvcf_cmdring_set_live(&pvcf_front.cmd, true);
	xenbus_switch_state(dev, XenbusStateConnected);
	dev_info(&dev->dev, "connected to backend domain %u, ring order %u, notify-mitigation %s, in-order %s\n",
		 pvcf_front.info.domid,
		 min(pvcf_ring_order_param, pvcf_front.info.max_order),
		 pvcf_front.info.notify ? "on" : "off",
		 pvcf_front.info.in_order ? "on" : "off");
}

/* The one place that takes the device down. */
static void pvcf_front_down(struct xenbus_device *dev)
{
	mutex_lock(&pvcf_front.lock);
	pvcf_front.up = false;
	mutex_unlock(&pvcf_front.lock);
	pvcf_cmdring_disconnect(&pvcf_front.cmd, dev);
	pvcf_front.upcalls->down(-ENETDOWN);
}

static void pvcf_backend_changed(struct xenbus_device *dev,
				 enum xenbus_state backend_state)
{
	switch (backend_state) {
	case XenbusStateInitWait:
		if (dev->state == XenbusStateInitialising)
			pvcf_front_init(dev);
		break;
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialising)
			pvcf_front_init(dev);
		if (dev->state == XenbusStateInitialised)
			pvcf_front_connect(dev);
		break;
	case XenbusStateClosed:
		/*
		 * Nothing to take down yet, and when we have just started
		 * over (pvcf_probe) the backend will answer Initialising.
		 */
		if (dev->state == XenbusStateClosed ||
		    dev->state == XenbusStateInitialising)
			break;
		fallthrough;
	case XenbusStateClosing:
		pvcf_front_down(dev);
		xenbus_frontend_closed(dev);
		break;
	default:
		break;
	}
}

static int pvcf_probe(struct xenbus_device *dev,
		      const struct xenbus_device_id *id)
{
	mutex_lock(&pvcf_front.lock);
	if (pvcf_front.xdev) {
		mutex_unlock(&pvcf_front.lock);
		dev_err(&dev->dev, "only one PV Calls device per domain\n");
		return -EBUSY;
	}
	pvcf_front.xdev = dev;
	mutex_unlock(&pvcf_front.lock);
	/*
	 * A device unbound before (an unload of this module) was left
	 * Closed: start over, so the backend offers itself again (it goes
	 * back to InitWait when it sees Initialising).
	 */
	if (dev->state == XenbusStateClosed)
		xenbus_switch_state(dev, XenbusStateInitialising);
	/* The otherend watch calls pvcf_backend_changed() with its state. */
	return 0;
}

static void pvcf_remove(struct xenbus_device *dev)
{
	pvcf_front_down(dev);
	mutex_lock(&pvcf_front.lock);
	pvcf_front.xdev = NULL;
	mutex_unlock(&pvcf_front.lock);
}

static struct xenbus_driver pvcf_driver = {
	.name = "pvcalls",
	.ids = pvc_xs_ids,
	.probe = pvcf_probe,
	.remove = pvcf_remove,
	.otherend_changed = pvcf_backend_changed,
	.not_essential = true,
};

int pvcf_xenbus_init(void)
{
	int ret;

	ret = xenbus_register_frontend(&pvcf_driver);
	if (ret == -EBUSY)
		pr_err("pvcalls: another PV Calls frontend (e.g. the in-tree pvcalls_front) already owns the pvcalls xenbus device\n");
	return ret;
}

void pvcf_xenbus_exit(void)
{
	xenbus_unregister_driver(&pvcf_driver);
}
