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

struct pvcf_stats pvcf_stats;

bool pvcf_socket_names_param = true;
module_param_named(socket_names, pvcf_socket_names_param, bool, 0444);
MODULE_PARM_DESC(socket_names,
		 "Accept the socket-names extension (0: behave as a plain v1 frontend)");

bool pvcf_notify_param = true;
module_param_named(notify_mitigation, pvcf_notify_param, bool, 0444);
MODULE_PARM_DESC(notify_mitigation,
		 "Accept the notify-mitigation extension (0: behave as a plain v1 frontend)");

bool pvcf_in_order_param = true;
module_param_named(in_order, pvcf_in_order_param, bool, 0444);
MODULE_PARM_DESC(in_order,
		 "Use the in-order extension: a socket's first command goes with SOCKET (0: wait for each SOCKET answer, as a plain v1 frontend)");

unsigned int pvcf_ring_order_param = PVC_DEFAULT_RING_ORDER;
module_param_named(ring_order, pvcf_ring_order_param, uint, 0444);
MODULE_PARM_DESC(ring_order,
		 "data ring order of a socket without SO_SNDBUF/SO_RCVBUF (1-9, default 4; clamped to the backend's max-page-order)");

unsigned int pvcf_ring_pool_param = 8;
module_param_named(ring_pool, pvcf_ring_pool_param, uint, 0444);
MODULE_PARM_DESC(ring_pool,
		 "idle data rings kept, granted and bound, for the next connect or accept (0..64, default 8; 0: no ring reuse)");

static struct dentry *pvcf_debugfs;

static int pvcf_stats_show(struct seq_file *m, void *v)
{
	struct pvcf_dev_info info;
	bool up = !pvcf_dev_get(&info);
	unsigned int i;

	pvc_seq_stat(m, "sockets", &pvcf_stats.sockets);
	pvc_seq_stat64(m, "commands", &pvcf_stats.commands);
	pvc_seq_stat64(m, "commands_pipelined", &pvcf_stats.commands_pipelined);
	pvc_seq_stat64(m, "bytes_sent", &pvcf_stats.bytes_sent);
	pvc_seq_stat64(m, "bytes_received", &pvcf_stats.bytes_received);
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		seq_printf(m, "rings_order%u %d\n", i,
			   atomic_read(&pvcf_stats.rings[i]));
	pvc_seq_stat(m, "rings_pooled", &pvcf_stats.rings_pooled);
	pvc_seq_stat64(m, "rings_reused", &pvcf_stats.rings_reused);
	pvc_seq_stat64(m, "ring_fallbacks", &pvcf_stats.ring_fallbacks);
	pvc_seq_stat64(m, "ring_enobufs", &pvcf_stats.ring_enobufs);
	pvc_seq_stat64(m, "evtchn_enobufs", &pvcf_stats.evtchn_enobufs);
	pvc_seq_stat64(m, "events", &pvcf_stats.events);
	pvc_seq_stat64(m, "spurious_eois", &pvcf_stats.spurious_eois);
	pvc_seq_stat64(m, "releases_delayed", &pvcf_stats.releases_delayed);
	pvc_seq_stat64(m, "answers_direct", &pvcf_stats.answers_direct);
	pvc_seq_stat64(m, "answers_reaped_by_waiter",
		       &pvcf_stats.answers_reaped_by_waiter);
	seq_printf(m, "notify_mitigation %d\n", pvcf_dev_notify());
	seq_printf(m, "in_order %d\n", up && info.in_order);
	/* the backend's max-page-order, as clamped here; 0 while down */
	seq_printf(m, "max_page_order %u\n", up ? info.max_order : 0);
	pvc_seq_notify_stats(m, &pvcf_stats.notify);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvcf_stats);

static int pvcf_sockets_show(struct seq_file *m, void *v)
{
	return pvcf_show_sockets(m, v);
}
DEFINE_SHOW_ATTRIBUTE(pvcf_sockets);

static int __init pvcf_module_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	pvcf_ring_order_param = clamp_t(unsigned int, pvcf_ring_order_param, 1,
					PVC_MAX_RING_ORDER);
	/* each idle ring holds grants and an event channel of the guest */
	pvcf_ring_pool_param = min(pvcf_ring_pool_param, 64U);
	pvcf_tsock_init(&pvcf_listen_ops);
	ret = pvcf_front_setup();
	if (ret)
		return ret;
	ret = pvcalls_family_init(&pvcalls_xen_transport);
	if (ret)
		goto err_front;
	ret = pvcf_xenbus_init();
	if (ret)
		goto err_family;
	pvcf_debugfs = debugfs_create_dir("xen-pvcalls-front", NULL);
	debugfs_create_file("stats", 0444, pvcf_debugfs, NULL,
			    &pvcf_stats_fops);
	debugfs_create_file("sockets", 0444, pvcf_debugfs, NULL,
			    &pvcf_sockets_fops);
	return 0;

err_family:
	pvcalls_family_exit();
err_front:
	pvcf_front_teardown();
	return ret;
}

/*
 * Only reached with no socket left (each pins the module), so no
 * endpoint exists; unregistering the driver takes the device
 * down and frees the command ring and the idle rings.  A device
 * unbound earlier freed them then; nothing can have pooled a ring
 * since (that takes a RELEASE answered by a live device), but the pool
 * is emptied here once more so that no ring outlives the module.
 */
static void __exit pvcf_module_exit(void)
{
	debugfs_remove_recursive(pvcf_debugfs);
	pvcf_xenbus_exit();
	pvcf_dring_pool_drain();
	pvcalls_family_exit();
	pvcf_front_teardown();
}

module_init(pvcf_module_init);
module_exit(pvcf_module_exit);
MODULE_DESCRIPTION("Xen PV Calls frontend with a socket family");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:pvcalls");
