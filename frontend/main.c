// SPDX-License-Identifier: GPL-2.0
/*
 * xen-pvcalls-front: module parameters, statistics in debugfs, and the
 * order in which the pieces come up and go down.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <xen/xen.h>

#include "front.h"

struct pvc_stats pvc_stats;

bool pvc_socket_names_param = true;
module_param_named(socket_names, pvc_socket_names_param, bool, 0444);
MODULE_PARM_DESC(socket_names,
		 "Accept the socket-names extension (0: behave as a plain v1 frontend)");

unsigned int pvc_ring_order_param = PVC_MAX_RING_ORDER;
module_param_named(ring_order, pvc_ring_order_param, uint, 0444);
MODULE_PARM_DESC(ring_order,
		 "data ring order per socket (1-4, clamped to the backend's max-page-order)");

static struct dentry *pvc_debugfs;

static int pvc_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "sockets %d\n", atomic_read(&pvc_stats.sockets));
	seq_printf(m, "commands %lld\n",
		   (long long)atomic64_read(&pvc_stats.commands));
	seq_printf(m, "bytes_sent %lld\n",
		   (long long)atomic64_read(&pvc_stats.bytes_sent));
	seq_printf(m, "bytes_received %lld\n",
		   (long long)atomic64_read(&pvc_stats.bytes_received));
	/* events per MiB each way for the bench (bench/README.md) */
	seq_printf(m, "events_received %lld\n",
		   (long long)atomic64_read(&pvc_stats.data_events));
	seq_printf(m, "notify_sent %lld\n",
		   (long long)atomic64_read(&pvc_stats.data_notifies));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvc_stats);

static int __init pvc_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	pvc_ring_order_param = clamp_t(unsigned int, pvc_ring_order_param, 1,
				       PVC_MAX_RING_ORDER);
	ret = pvc_workqueue_init();
	if (ret)
		return ret;
	ret = pvcalls_family_init(&pvcalls_xen_transport);
	if (ret)
		goto err_wq;
	ret = pvc_xenbus_init();
	if (ret)
		goto err_family;
	pvc_debugfs = debugfs_create_dir("xen-pvcalls-front", NULL);
	debugfs_create_file("stats", 0444, pvc_debugfs, NULL,
			    &pvc_stats_fops);
	return 0;

err_family:
	pvcalls_family_exit();
err_wq:
	pvc_workqueue_exit();
	return ret;
}

/*
 * Only reached with no socket left (each pins the module), so no
 * transport socket exists; unregistering the driver takes the device
 * down and frees the command ring.
 */
static void __exit pvc_exit(void)
{
	debugfs_remove_recursive(pvc_debugfs);
	pvc_xenbus_exit();
	pvcalls_family_exit();
	pvc_workqueue_exit();
}

module_init(pvc_init);
module_exit(pvc_exit);
MODULE_DESCRIPTION("Xen PV Calls frontend with a socket family");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:pvcalls");
