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

static void pvcb_show_dir(struct seq_file *m, const char *dir,
			  const struct pvcb_dir_stats *st)
{
	seq_printf(m, " %s_events_sent %llu %s_events_received %llu %s_bytes %llu %s_full %llu %s_empty %llu",
		   dir, READ_ONCE(st->events_sent),
		   dir, READ_ONCE(st->events_received),
		   dir, READ_ONCE(st->bytes), dir, READ_ONCE(st->full),
		   dir, READ_ONCE(st->empty));
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
			pvcb_show_dir(m, "in", &s->ring.st_in);
			pvcb_show_dir(m, "out", &s->ring.st_out);
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
	seq_printf(m, "notify_mitigation %d\n",
		   atomic_read(&pvcb_stats.notify_frontends));
	seq_printf(m, "data_events_sent %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_events_sent));
	seq_printf(m, "data_events_received %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_events_received));
	seq_printf(m, "data_events_suppressed %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_events_suppressed));
	seq_printf(m, "data_event_waits %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_event_waits));
	seq_printf(m, "ring_full %lld\n",
		   (long long)atomic64_read(&pvcb_stats.ring_full));
	seq_printf(m, "ring_empty %lld\n",
		   (long long)atomic64_read(&pvcb_stats.ring_empty));
	seq_printf(m, "data_eois %lld\n",
		   (long long)atomic64_read(&pvcb_stats.data_eois));
	seq_printf(m, "delayed_eois %lld\n",
		   (long long)atomic64_read(&pvcb_stats.delayed_eois));
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
	debugfs_create_file("sockets", 0444, pvcb_debugfs_dir, NULL,
			    &pvcb_sockets_fops);
}

void pvcb_stats_exit(void)
{
	debugfs_remove_recursive(pvcb_debugfs_dir);
}
