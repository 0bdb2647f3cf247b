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

bool pvc_notify_param = true;
module_param_named(notify_mitigation, pvc_notify_param, bool, 0444);
MODULE_PARM_DESC(notify_mitigation,
		 "Accept the notify-mitigation extension (0: behave as a plain v1 frontend)");

unsigned int pvc_ring_order_param = PVC_DEFAULT_RING_ORDER;
module_param_named(ring_order, pvc_ring_order_param, uint, 0444);
MODULE_PARM_DESC(ring_order,
		 "data ring order of a socket without SO_SNDBUF/SO_RCVBUF (1-9, default 4; clamped to the backend's max-page-order)");

static struct dentry *pvc_debugfs;

static int pvc_stats_show(struct seq_file *m, void *v)
{
	struct pvc_dev_info info;
	unsigned int i;

	pvc_seq_stat(m, "sockets", &pvc_stats.sockets);
	pvc_seq_stat64(m, "commands", &pvc_stats.commands);
	pvc_seq_stat64(m, "bytes_sent", &pvc_stats.bytes_sent);
	pvc_seq_stat64(m, "bytes_received", &pvc_stats.bytes_received);
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		seq_printf(m, "rings_order%u %d\n", i,
			   atomic_read(&pvc_stats.rings[i]));
	pvc_seq_stat64(m, "ring_fallbacks", &pvc_stats.ring_fallbacks);
	pvc_seq_stat64(m, "ring_enobufs", &pvc_stats.ring_enobufs);
	pvc_seq_stat64(m, "evtchn_enobufs", &pvc_stats.evtchn_enobufs);
	pvc_seq_stat64(m, "events", &pvc_stats.events);
	pvc_seq_stat64(m, "spurious_eois", &pvc_stats.spurious_eois);
	pvc_seq_stat64(m, "releases_delayed", &pvc_stats.releases_delayed);
	seq_printf(m, "notify_mitigation %d\n", pvc_dev_notify());
	/* the backend's max-page-order, as clamped here; 0 while down */
	seq_printf(m, "max_page_order %u\n",
		   pvc_dev_get(&info) ? 0 : info.max_order);
	pvc_seq_notify_stats(m, &pvc_stats.notify);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvc_stats);

static int pvc_sockets_open(struct inode *inode, struct file *file)
{
	return single_open(file, pvct_show_sockets, NULL);
}

static const struct file_operations pvc_sockets_fops = {
	.owner = THIS_MODULE,
	.open = pvc_sockets_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init pvc_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	pvc_ring_order_param = clamp_t(unsigned int, pvc_ring_order_param, 1,
				       PVC_MAX_RING_ORDER);
	pvct_init(&pvct_listen_ops);
	ret = pvc_front_setup();
	if (ret)
		return ret;
	ret = pvcalls_family_init(&pvcalls_xen_transport);
	if (ret)
		goto err_front;
	ret = pvc_xenbus_init();
	if (ret)
		goto err_family;
	pvc_debugfs = debugfs_create_dir("xen-pvcalls-front", NULL);
	debugfs_create_file("stats", 0444, pvc_debugfs, NULL,
			    &pvc_stats_fops);
	debugfs_create_file("sockets", 0444, pvc_debugfs, NULL,
			    &pvc_sockets_fops);
	return 0;

err_family:
	pvcalls_family_exit();
err_front:
	pvc_front_teardown();
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
	pvc_front_teardown();
}

module_init(pvc_init);
module_exit(pvc_exit);
MODULE_DESCRIPTION("Xen PV Calls frontend with a socket family");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:pvcalls");
