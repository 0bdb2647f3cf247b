/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs statistics shared by the frontend and the backend (kernel
 * only): the counters of one direction of a data ring, the notification
 * counters of all data rings, and the printing of "name value" lines.
 * Each side produces one direction (frontend: out[], backend: in[]) and
 * consumes the other.
 */
#ifndef XEN_PVCALLS_STATS_H
#define XEN_PVCALLS_STATS_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/*
 * Counters of one direction of one socket's data ring (debugfs
 * "sockets").  Who writes which field is said where each side embeds
 * them; readers use READ_ONCE().
 */
struct pvc_dir_stats {
	u64 events_sent;	/* events we sent about this direction */
	u64 events_received;	/* events that moved this direction */
	u64 bytes;		/* bytes we produced or consumed */
	u64 full;		/* producer: found the ring full */
	u64 empty;		/* consumer: found the ring empty */
};

/* One direction on a "sockets" line: " in_events_sent N ... in_empty N" */
static inline void pvc_seq_dir_stats(struct seq_file *m, const char *dir,
				     const struct pvc_dir_stats *st)
{
	seq_printf(m, " %s_events_sent %llu %s_events_received %llu %s_bytes %llu %s_full %llu %s_empty %llu",
		   dir, READ_ONCE(st->events_sent),
		   dir, READ_ONCE(st->events_received),
		   dir, READ_ONCE(st->bytes), dir, READ_ONCE(st->full),
		   dir, READ_ONCE(st->empty));
}

/* One "name value" line of a "stats" file. */
static inline void pvc_seq_stat(struct seq_file *m, const char *name,
				const atomic_t *v)
{
	seq_printf(m, "%s %d\n", name, atomic_read(v));
}

static inline void pvc_seq_stat64(struct seq_file *m, const char *name,
				  const atomic64_t *v)
{
	seq_printf(m, "%s %lld\n", name, (long long)atomic64_read(v));
}

/*
 * Notification counters of the data rings, all sockets of one side
 * (Documentation/notify-mitigation.rst): events sent, received and
 * suppressed, waits for an event, and how often the ring this side
 * produces into was found full or the one it consumes from empty.
 */
struct pvc_notify_stats {
	atomic64_t data_events_sent;
	atomic64_t data_events_received;
	atomic64_t data_events_suppressed;
	atomic64_t data_event_waits;
	atomic64_t ring_full;
	atomic64_t ring_empty;
};

/*
 * Their lines of a "stats" file, in this order: the test bed and
 * bench/report.py read them by name.
 */
static inline void pvc_seq_notify_stats(struct seq_file *m,
					const struct pvc_notify_stats *st)
{
	pvc_seq_stat64(m, "data_events_sent", &st->data_events_sent);
	pvc_seq_stat64(m, "data_events_received", &st->data_events_received);
	pvc_seq_stat64(m, "data_events_suppressed",
		       &st->data_events_suppressed);
	pvc_seq_stat64(m, "data_event_waits", &st->data_event_waits);
	pvc_seq_stat64(m, "ring_full", &st->ring_full);
	pvc_seq_stat64(m, "ring_empty", &st->ring_empty);
}

#endif /* XEN_PVCALLS_STATS_H */
