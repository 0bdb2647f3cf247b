// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls-hostile-front: xenbus side and results (see hostile.h).
 *
 * TEST ONLY.  It binds the guest's "pvcalls" device like the real
 * frontend (so the two must not be loaded together), does the v1
 * handshake honestly, and once the backend is Connected runs every case
 * of hf_cases.c from a work item.  The last case overfills the command
 * ring, after which the backend is expected to close the device; we
 * then close our end too.  Results: /sys/kernel/debug/pvcalls-hostile/
 * results, complete once it holds the line "# done".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "hostile.h"
#include "hx.h"

static struct hf hf_dev;
static struct work_struct hf_work;
static bool hf_started;

static DEFINE_MUTEX(hf_out_lock);
static char hf_out[16384];
static size_t hf_out_len;
static struct dentry *hf_dir;

static __printf(1, 2) void hf_out_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	mutex_lock(&hf_out_lock);
	va_start(ap, fmt);
	n = vscnprintf(hf_out + hf_out_len, sizeof(hf_out) - hf_out_len, fmt,
		       ap);
	va_end(ap);
	pr_info("%s", hf_out + hf_out_len);
	hf_out_len += n;
	mutex_unlock(&hf_out_lock);
}

void hf_tap(struct hf *h, bool ok, const char *name, const char *fmt, ...)
{
	char why[160] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vscnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	h->tests++;
	if (!ok)
		h->failures++;
	hf_out_add("%sok %u %s%s%s\n", ok ? "" : "not ", h->tests, name,
		   why[0] ? " # " : "", why);
}

static ssize_t hf_results_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&hf_out_lock);
	ret = simple_read_from_buffer(buf, count, ppos, hf_out, hf_out_len);
	mutex_unlock(&hf_out_lock);
	return ret;
}

static const struct file_operations hf_results_fops = {
	.owner = THIS_MODULE,
	.read = hf_results_read,
	.llseek = default_llseek,
};

static void hf_cases_work(struct work_struct *work)
{
	struct hf *h = &hf_dev;

	hf_out_add("# hostile frontend: backend domain %u, max-page-order %u\n",
		   h->domid, h->max_order);
	hf_run_cases(h);
	hf_out_add("# done: %u cases, %u failed\n", h->tests, h->failures);
}

static irqreturn_t hf_cmd_irq(int irq, void *dev_id)
{
	struct hf *h = dev_id;

	wake_up(&h->wq);
	return IRQ_HANDLED;
}

/* The honest part: command ring, evtchn, xenstore keys, Initialised. */
static int hf_init(struct xenbus_device *dev)
{
	struct hf *h = &hf_dev;
	struct pvc_xs_key keys[] = {
		{ PVC_XS_VERSION, PVC_PROTOCOL_VERSION },
		{ PVC_XS_RING_REF },
		{ PVC_XS_PORT },
	};
	void *addr;
	int ret;

	h->dev = dev;
	h->domid = dev->otherend_id;
	h->max_order = xenbus_read_unsigned(dev->otherend,
					    PVC_XS_MAX_PAGE_ORDER, 0);
	ret = xenbus_setup_ring(dev, GFP_KERNEL, &addr, 1, &h->ring_ref);
	if (ret)
		return ret;
	SHARED_RING_INIT((struct pvc_sring *)addr);
	FRONT_RING_INIT(&h->ring, (struct pvc_sring *)addr, XEN_PAGE_SIZE);
	ret = hx_alloc_bind(dev, &h->port, hf_cmd_irq, "pvcalls-hostile", h);
	if (ret < 0)
		return ret;
	h->irq = ret;
	keys[1].val = h->ring_ref;
	keys[2].val = h->port;
	ret = pvc_xs_write_keys(dev, keys, ARRAY_SIZE(keys));
	if (ret)
		return ret;
	return xenbus_switch_state(dev, XenbusStateInitialised);
}

static void hf_backend_changed(struct xenbus_device *dev,
			       enum xenbus_state state)
{
	int ret;

	switch (state) {
	case XenbusStateInitWait:
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialising) {
			ret = hf_init(dev);
			if (ret) {
				xenbus_dev_fatal(dev, ret, "hostile init");
				break;
			}
		}
		if (state == XenbusStateConnected &&
		    dev->state == XenbusStateInitialised && !hf_started) {
			xenbus_switch_state(dev, XenbusStateConnected);
			hf_started = true;
			schedule_work(&hf_work);
		}
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		/*
		 * The backend closing on a connected frontend (the overflow
		 * case): answer Closed; the rings stay ours.  In any other
		 * state the cases run the disconnect themselves
		 * (hf_reconnect), and this callback may be a late one: @state
		 * was read before the case went on to Initialised, and
		 * answering it now would close the new session.  So only
		 * Connected, and the backend's state read again after it.
		 */
		if (dev->state != XenbusStateConnected)
			break;
		state = xenbus_read_driver_state(dev->otherend);
		if (state == XenbusStateClosing || state == XenbusStateClosed)
			xenbus_frontend_closed(dev);
		break;
	default:
		break;
	}
}

static int hf_probe(struct xenbus_device *dev,
		    const struct xenbus_device_id *id)
{
	return 0;
}

static void hf_remove(struct xenbus_device *dev)
{
	/* the module is never unloaded in the bed: the guest powers off */
}

static struct xenbus_driver hf_driver = {
	.name = "pvcalls",
	.ids = pvc_xs_ids,
	.probe = hf_probe,
	.remove = hf_remove,
	.otherend_changed = hf_backend_changed,
	.not_essential = true,
};

unsigned int hf_slow = 1;
module_param_named(slow, hf_slow, uint, 0444);
MODULE_PARM_DESC(slow, "Waits for an answer this many times longer (1-20, default 1)");

static int __init hf_module_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	hf_slow = clamp_t(unsigned int, hf_slow, 1, 20);
	init_waitqueue_head(&hf_dev.wq);
	hf_dev.irq = -1;
	hf_dev.next_req_id = 0x4000;
	INIT_WORK(&hf_work, hf_cases_work);
	hf_dir = debugfs_create_dir("pvcalls-hostile", NULL);
	debugfs_create_file("results", 0444, hf_dir, NULL, &hf_results_fops);
	ret = xenbus_register_frontend(&hf_driver);
	if (ret) {
		pr_err("registering the pvcalls xenbus frontend: %d (is xen-pvcalls-front loaded?)\n",
		       ret);
		debugfs_remove_recursive(hf_dir);
	}
	return ret;
}

static void __exit hf_module_exit(void)
{
	xenbus_unregister_driver(&hf_driver);
	flush_work(&hf_work);
	debugfs_remove_recursive(hf_dir);
}

module_init(hf_module_init);
module_exit(hf_module_exit);

MODULE_DESCRIPTION("TEST ONLY: hostile PV Calls frontend");
MODULE_LICENSE("GPL");
