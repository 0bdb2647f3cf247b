// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs counters: /sys/kernel/debug/xen-pvcalls-back/stats, one
 * "name value" line each.  Everything except the totals (commands,
 * protocol_errors, events, spurious_eois, data_*, ring_*, *_eois) counts
 * resources held right now, so it reads 0 once no frontend is connected:
 * the test bed checks that after a guest is destroyed.  sockets: one
 * line per active socket with its data ring counters.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pvcalls-back.h"

struct pvcb_stats pvcb_stats;
static struct dentry *pvcb_debugfs_dir;

/* Every probed frontend, for the sockets file. */
static LIST_HEAD(pvcb_fe_list);
static DEFINE_MUTEX(pvcb_fe_list_lock);

void pvcb_fe_list_add(struct pvcb_frontend *fe)
{
	mutex_lock(&pvcb_fe_list_lock);
	list_add_tail(&fe->list, &pvcb_fe_list);
	mutex_unlock(&pvcb_fe_list_lock);
}

void pvcb_fe_list_del(struct pvcb_frontend *fe)
{
	mutex_lock(&pvcb_fe_list_lock);
	list_del(&fe->list);
	mutex_unlock(&pvcb_fe_list_lock);
}

/*
 * One line per active (or connecting) socket: its frontend domain, id
 * and counters per direction (in: to the frontend, out: from it).
 * Sockets leave fe->socks under fe->lock before they are freed, so the
 * ones found while holding it stay valid; the counters are read racily.
 */
static int pvcb_sockets_show(struct seq_file *m, void *unused)
{
	struct pvcb_frontend *fe;
	struct pvcb_sock *s;
	unsigned int bkt;

	mutex_lock(&pvcb_fe_list_lock);
	list_for_each_entry(fe, &pvcb_fe_list, list) {
		mutex_lock(&fe->lock);
		hash_for_each(fe->socks, bkt, s, node) {
			enum pvcb_state state = READ_ONCE(s->state);

			if (state != PVCB_ACTIVE && state != PVCB_CONNECTING)
				continue;
			seq_printf(m, "domain %u socket %#llx order %u notify %d",
				   fe->dev->otherend_id,
				   (unsigned long long)s->id,
				   READ_ONCE(s->ring.order),
				   READ_ONCE(s->ring.notify));
			pvc_seq_dir_stats(m, "in", &s->ring.st_in);
			pvc_seq_dir_stats(m, "out", &s->ring.st_out);
			seq_putc(m, '\n');
		}
		mutex_unlock(&fe->lock);
	}
	mutex_unlock(&pvcb_fe_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvcb_sockets);

static int pvcb_stats_show(struct seq_file *m, void *unused)
{
	pvc_seq_stat(m, "frontends", &pvcb_stats.frontends);
	pvc_seq_stat(m, "sockets", &pvcb_stats.sockets);
	pvc_seq_stat(m, "active_sockets", &pvcb_stats.active_sockets);
	pvc_seq_stat(m, "passive_sockets", &pvcb_stats.passive_sockets);
	pvc_seq_stat(m, "mapped_rings", &pvcb_stats.mapped_rings);
	pvc_seq_stat(m, "evtchns", &pvcb_stats.evtchns);
	pvc_seq_stat(m, "cached_rings", &pvcb_stats.cached_rings);
	pvc_seq_stat64(m, "rings_reused", &pvcb_stats.rings_reused);
	pvc_seq_stat64(m, "commands", &pvcb_stats.commands);
	pvc_seq_stat64(m, "protocol_errors", &pvcb_stats.protocol_errors);
	pvc_seq_stat64(m, "events", &pvcb_stats.events);
	pvc_seq_stat64(m, "spurious_eois", &pvcb_stats.spurious_eois);
	pvc_seq_stat(m, "notify_mitigation", &pvcb_stats.notify_frontends);
	pvc_seq_notify_stats(m, &pvcb_stats.notify);
	pvc_seq_stat64(m, "data_eois", &pvcb_stats.data_eois);
	pvc_seq_stat64(m, "delayed_eois", &pvcb_stats.delayed_eois);
	pvc_seq_stat64(m, "data_runs", &pvcb_stats.data_runs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvcb_stats);

void pvcb_stats_init(void)
{
	/* debugfs is a debugging aid: failures are deliberately ignored */
	pvcb_debugfs_dir = debugfs_create_dir("xen-pvcalls-back", NULL);
	debugfs_create_file("stats", 0444, pvcb_debugfs_dir, NULL,
			    &pvcb_stats_fops);
	debugfs_create_file("sockets", 0444, pvcb_debugfs_dir, NULL,
			    &pvcb_sockets_fops);
}

void pvcb_stats_exit(void)
{
	debugfs_remove_recursive(pvcb_debugfs_dir);
}
