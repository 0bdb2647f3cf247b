// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus side of the backend: probe, the v1 handshake, the state
 * machine and teardown, all in this one file.
 *
 * Handshake (docs/misc/pvcalls.pandoc): at probe we publish "versions",
 * "max-page-order" and "function-calls" and go to InitWait.  When the
 * frontend is Initialised (or already Connected) we read "version",
 * "ring-ref" and "port", map the command ring, bind its evtchn and go
 * to Connected.  Extensions: "feature-socket-names" and
 * "feature-notify-mitigation" are offered with the v1 keys (or removed,
 * when their parameter is off) and in force when the frontend accepted
 * them.  On frontend Closing/Closed or device removal everything
 * the frontend gave us is released (pvcb_disconnect).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen-pvcalls/xs.h>

#include "pvcalls-back.h"
#include "validate.h"

/*
 * Our offer, in one transaction.  The notify offer is removed when we do
 * not make it: the backend node outlives the module, and one written by
 * an earlier load must not speak for this one.
 */
static int pvcb_publish_features(struct xenbus_device *dev)
{
	const struct pvc_xs_key keys[] = {
		{ PVC_XS_VERSIONS, PVC_PROTOCOL_VERSION },
		{ PVC_XS_MAX_PAGE_ORDER, pvcb_max_page_order },
		{ PVC_XS_FUNCTION_CALLS, 1 },
		PVC_XS_KEY_IF(pvcb_socket_names, PVC_XS_FEATURE_NAMES, 1),
		PVC_XS_KEY_OR_RM(pvcb_in_order, PVC_XS_FEATURE_IN_ORDER, 1),
		PVC_XS_KEY_OR_RM(pvcb_notify, PVC_XS_FEATURE_NOTIFY,
				 PVC_NOTIFY_VERSION),
	};

	return pvc_xs_write_keys(dev, keys, ARRAY_SIZE(keys));
}

/* One unsigned key of the frontend; a missing or bad one is fatal. */
static int pvcb_read_u32(struct pvcb_frontend *fe, const char *key, u32 *val)
{
	struct xenbus_device *dev = fe->dev;
	int err = xenbus_scanf(XBT_NIL, dev->otherend, key, "%u", val);

	if (err == 1)
		return 0;
	err = err < 0 ? err : -EINVAL;
	pvcb_fatal(fe, err, "frontend %s: missing or bad %s", dev->otherend,
		   key);
	return err;
}

/* Read the frontend's transport parameters; log clearly what is wrong. */
static int pvcb_read_frontend(struct pvcb_frontend *fe, u32 *ref, u32 *port)
{
	struct xenbus_device *dev = fe->dev;
	char *version;
	int err;

	version = xenbus_read(XBT_NIL, dev->otherend, PVC_XS_VERSION, NULL);
	if (IS_ERR(version)) {
		err = PTR_ERR(version);
		pvcb_fatal(fe, err, "frontend %s has no %s key",
			   dev->otherend, PVC_XS_VERSION);
		return err;
	}
	err = pvcb_parse_version(version);
	if (err) {
		pvcb_fatal(fe, err,
			   "frontend %s asks for protocol version \"%.16s\", only \"1\" is supported",
			   dev->otherend, version);
		kfree(version);
		return err;
	}
	kfree(version);

	err = pvcb_read_u32(fe, PVC_XS_RING_REF, ref);
	if (!err)
		err = pvcb_read_u32(fe, PVC_XS_PORT, port);
	return err;
}

/* Extensions the frontend accepted; absent keys mean plain v1. */
static bool pvcb_frontend_wants(struct xenbus_device *dev, const char *key)
{
	unsigned int val = xenbus_read_unsigned(dev->otherend, key, 0);

	return val == 1;
}

static int pvcb_connect(struct xenbus_device *dev)
{
	struct pvcb_frontend *fe = dev_get_drvdata(&dev->dev);
	grant_ref_t gref;
	u32 ref, port;
	void *addr;
	int err, irq;

	if (fe->connected)
		return 0;

	err = pvcb_read_frontend(fe, &ref, &port);
	if (err)
		return err;
	fe->socket_names = pvcb_socket_names &&
			   pvcb_frontend_wants(dev, PVC_XS_NAMES);
	/* notify-mitigation: in force iff we offered and the value is "1" */
	fe->notify = pvcb_notify &&
		     pvc_xs_is_one(dev->otherend, PVC_XS_NOTIFY);

	/* mapped with the same helper as the socket rings (grant.c) */
	gref = ref;
	err = pvcb_gmap_map(&fe->ring_map, dev->otherend_id, &gref, 1);
	if (err) {
		pvcb_fatal(fe, err, "mapping command ring grant %u", ref);
		return err;
	}
	addr = pvcb_gmap_addr(&fe->ring_map, 0);
	fe->ring_addr = addr;
	BACK_RING_INIT(&fe->ring, (struct pvc_sring *)addr, XEN_PAGE_SIZE);
	WRITE_ONCE(fe->closing, false);
	atomic_set(&fe->eoi_irq, -1);

	irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, port,
							    pvcb_cmd_irq, 0,
							    "pvcalls-back",
							    fe);
	if (irq < 0) {
		pvcb_fatal(fe, irq, "binding command evtchn %u", port);
		pvcb_gmap_unmap(&fe->ring_map);
		fe->ring_addr = NULL;
		return irq;
	}
	atomic_inc(&pvcb_stats.evtchns);
	fe->irq = irq;
	fe->connected = true;
	fe->stale_noted = false;
	atomic_inc(&pvcb_stats.frontends);
	if (fe->notify)
		atomic_inc(&pvcb_stats.notify_frontends);

	err = xenbus_switch_state(dev, XenbusStateConnected);
	if (err && pvcb_log_ok(fe))
		dev_warn(&dev->dev, "switching to Connected: %d\n", err);
	if (pvcb_log_ok(fe))
		dev_info(&dev->dev, "frontend %s connected (ring-ref %u, port %u, notify-mitigation %s)\n",
			 dev->otherend, ref, port, fe->notify ? "on" : "off");

	/* requests may already be waiting */
	queue_work(pvcb_wq, &fe->cmd_work);
	return 0;
}

/* Undo pvcb_connect and free every socket.  Idempotent. */
static void pvcb_disconnect(struct pvcb_frontend *fe)
{
	if (!fe->connected)
		return;

	/*
	 * 1. no new command is consumed from now on, so no new release
	 * work is queued; those queued finish (and answer) first
	 */
	WRITE_ONCE(fe->closing, true);
	cancel_work_sync(&fe->cmd_work);
	wait_var_event(&fe->releasing, !atomic_read(&fe->releasing));
	/* and the release work has left its loop, which still reads fe */
	flush_work(&fe->release_work);

	/*
	 * 2. sockets: their works may still answer on the command ring
	 * and notify through fe->irq, both still valid here.
	 */
	pvcb_release_all(fe);
	pvcb_ring_cache_empty(fe);

	/* 3. the command ring itself */
	unbind_from_irqhandler(fe->irq, fe);
	atomic_dec(&pvcb_stats.evtchns);
	fe->irq = -1;
	/*
	 * 4. cmd_work again: a socket work's late response or the handler
	 * of an event that came before the unbind may have queued it after
	 * step 1 (both test fe->closing, then queue).  Neither can run any
	 * more, so after this wait nothing touches fe until the next
	 * connect; remove frees it.
	 */
	cancel_work_sync(&fe->cmd_work);
	atomic_set(&fe->eoi_irq, -1);
	pvcb_gmap_unmap(&fe->ring_map);
	fe->ring_addr = NULL;

	fe->connected = false;
	atomic_dec(&pvcb_stats.frontends);
	if (fe->notify)
		atomic_dec(&pvcb_stats.notify_frontends);
	if (pvcb_log_ok(fe))
		dev_info(&fe->dev->dev, "frontend %s disconnected\n",
			 fe->dev->otherend);
}

static int pvcb_probe(struct xenbus_device *dev,
		      const struct xenbus_device_id *id)
{
	struct pvcb_frontend *fe;
	int err;

	fe = kzalloc(sizeof(*fe), GFP_KERNEL);
	if (!fe) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating backend state");
		return -ENOMEM;
	}
	fe->dev = dev;
	fe->irq = -1;
	atomic_set(&fe->eoi_irq, -1);
	spin_lock_init(&fe->rsp_lock);
	atomic_set(&fe->releasing, 0);
	spin_lock_init(&fe->release_lock);
	INIT_LIST_HEAD(&fe->release_list);
	INIT_WORK(&fe->release_work, pvcb_release_work);
	mutex_init(&fe->lock);
	hash_init(fe->socks);
	INIT_LIST_HEAD(&fe->ring_cache);
	INIT_DELAYED_WORK(&fe->cache_expiry, pvcb_ring_cache_expiry);
	INIT_WORK(&fe->cmd_work, pvcb_cmd_work);
	ratelimit_state_init(&fe->log_rs, PVCB_LOG_INTERVAL, PVCB_LOG_BURST);
	/* the lines held back are reported once, at remove */
	ratelimit_set_flags(&fe->log_rs, RATELIMIT_MSG_ON_RELEASE);
	dev_set_drvdata(&dev->dev, fe);

	err = pvcb_publish_features(dev);
	if (err) {
		xenbus_dev_fatal(dev, err, "writing backend features");
		goto fail;
	}
	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err)
		goto fail;
	pvcb_fe_list_add(fe);
	return 0;

fail:
	dev_set_drvdata(&dev->dev, NULL);
	kfree(fe);
	return err;
}

static void pvcb_remove(struct xenbus_device *dev)
{
	struct pvcb_frontend *fe = dev_get_drvdata(&dev->dev);

	if (!fe)
		return;
	pvcb_disconnect(fe);
	pvcb_fe_list_del(fe);
	if (fe->log_rs.missed)
		dev_info(&dev->dev, "%d more lines about frontend %s were not logged\n",
			 fe->log_rs.missed, dev->otherend);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(fe);
}

static void pvcb_frontend_changed(struct xenbus_device *dev,
				  enum xenbus_state state)
{
	struct pvcb_frontend *fe = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "frontend %s: %s\n", dev->otherend,
		xenbus_strstate(state));

	switch (state) {
	case XenbusStateInitialising:
		/* a frontend coming back after it closed */
		if (dev->state == XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateInitWait);
		break;

	case XenbusStateConnected:
		if (fe->connected)
			break;
		/*
		 * Connected to an earlier instance of this backend (we were
		 * unbound or reloaded): its ring indexes and evtchn belong to
		 * that session.  Wait until it starts over (Initialising or
		 * Initialised) rather than reuse them.  Said once until the
		 * next connect: the frontend may write Connected again and
		 * again.
		 */
		if (!fe->stale_noted && pvcb_log_ok(fe))
			dev_info(&dev->dev,
				 "frontend %s is still connected to a previous backend session; waiting for it to reconnect\n",
				 dev->otherend);
		fe->stale_noted = true;
		break;

	case XenbusStateInitialised:
		if (fe->connected)
			break;
		/* a frontend that reconnects without passing Initialising */
		if (dev->state == XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateInitWait);
		if (dev->state != XenbusStateInitWait) {
			/* e.g. Closing after a fatal error: wait for Closed */
			dev_dbg(&dev->dev, "ignoring frontend %s in our state %s\n",
				xenbus_strstate(state),
				xenbus_strstate(dev->state));
			break;
		}
		pvcb_connect(dev);
		break;

	case XenbusStateClosing:
		pvcb_disconnect(fe);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		pvcb_disconnect(fe);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;	/* the toolstack removed the device */
	case XenbusStateUnknown:
		device_unregister(&dev->dev);
		break;

	default:
		/* InitWait, Reconfiguring...: nothing for us to do */
		break;
	}
}

static struct xenbus_driver pvcb_driver = {
	.name = "pvcalls",
	.ids = pvc_xs_ids,
	.probe = pvcb_probe,
	.remove = pvcb_remove,
	.otherend_changed = pvcb_frontend_changed,
};

int pvcb_xenbus_register(void)
{
	int err = xenbus_register_backend(&pvcb_driver);

	if (err == -EBUSY)
		pr_err("another PV Calls backend (e.g. the in-tree pvcalls_back) already owns the pvcalls xenbus device; not loading\n");
	else if (err)
		pr_err("registering the pvcalls xenbus backend failed: %d\n",
		       err);
	return err;
}

void pvcb_xenbus_unregister(void)
{
	xenbus_unregister_driver(&pvcb_driver);
}
