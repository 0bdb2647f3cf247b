// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs counters: /sys/kernel/debug/xen-pvcalls-back/stats, one
 * "name value" line each.  Everything except the totals (commands,
 * protocol_errors, events, spurious_eois, data_eois, delayed_eois,
 * notify_sent, data_runs) counts resources held right now, so it reads 0 once
 * no frontend is connected: the test bed checks that after a guest is
 * destroyed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pvcalls-back.h"

struct pvcb_stats pvcb_stats;
static struct dentry *pvcb_debugfs_dir;

static int pvcb_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "frontends %d\n", atomic_read(&pvcb_stats.frontends));
	seq_printf(m, "sockets %d\n", atomic_read(&pvcb_stats.sockets));
	seq_printf(m, "active_sockets %d\n",
		   atomic_read(&pvcb_stats.active_sockets));
	seq_printf(m, "passive_sockets %d\n",
		   atomic_read(&pvcb_stats.passive_sockets));
	seq_printf(m, "mapped_rings %d\n",
		   atomic_read(&pvcb_stats.mapped_rings));
	seq_printf(m, "evtchns %d\n", atomic_read(&pvcb_stats.evtchns));
	seq_printf(m, "commands %lld\n",
		   (long long)atomic64_read(&pvcb_stats.commands));
	seq_printf(m, "protocol_errors %lld\n",
		   (long long)atomic64_read(&pvcb_stats.protocol_errors));
	seq_printf(m, "events %lld\n",
		   (long long)atomic64_read(&pvcb_stats.events));
	seq_printf(m, "spurious_eois %lld\n",
		   (long long)atomic64_read(&pvcb_stats.spurious_eois));
	seq_printf(m, "data_eois %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_eois));
	seq_printf(m, "delayed_eois %lld\n",
		   (long long)atomic64_read(&pvcb_stats.delayed_eois));
	seq_printf(m, "notify_sent %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_notifies));
	seq_printf(m, "data_runs %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_runs));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvcb_stats);

void pvcb_stats_init(void)
{
	/* debugfs is a debugging aid: failures are deliberately ignored */
	pvcb_debugfs_dir = debugfs_create_dir("xen-pvcalls-back", NULL);
	debugfs_create_file("stats", 0444, pvcb_debugfs_dir, NULL,
			    &pvcb_stats_fops);
}

void pvcb_stats_exit(void)
{
	debugfs_remove_recursive(pvcb_debugfs_dir);
}
