/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of xen-pvcalls-back.  See main.c for the design:
 * states, locking order and object lifetimes.
 */
#ifndef PVCALLS_BACK_H
#define PVCALLS_BACK_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/in.h>
#include <net/sock.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/interface/io/ring.h>

#include <xen-pvcalls/wire.h>
#include <xen-pvcalls/dring.h>
#include <xen-pvcalls/notify.h>
#include <xen-pvcalls/stats.h>

/* Module parameters (main.c), fixed after load. */
extern unsigned int pvcb_max_page_order;
extern unsigned int pvcb_max_sockets;
extern unsigned int pvcb_max_backlog;
extern bool pvcb_socket_names;
extern bool pvcb_notify;
extern bool pvcb_in_order;
extern unsigned int pvcb_ring_cache;
extern unsigned int pvcb_ring_cache_ms;
extern struct workqueue_struct *pvcb_wq;

/* Grants mapped onto ballooned pages, one page per grant (grant.c). */
struct pvcb_gmap {
	unsigned int nr;		/* 0: nothing mapped */
	struct page **pages;		/* nr of each, allocated by the map */
	grant_handle_t *handles;
	/*
	 * For gnttab_unmap_refs_sync(), which initialises a delayed work in
	 * it: kept here, not on the stack, because DEBUG_OBJECTS warns about
	 * a work on the stack that is not declared with the _ONSTACK
	 * initialiser, and the grant table code cannot declare it so.
	 */
	struct gntab_unmap_queue_data unmap_q;
};

/* One connected frontend: one xenbus device. */
struct pvcb_frontend {
	struct xenbus_device *dev;
	bool connected;			/* under xenbus' otherend serialisation */
	bool socket_names;		/* extension negotiated; fixed while connected */
	bool notify;			/* notify-mitigation, the same */
	struct list_head list;		/* pvcb_fe_list (debugfs) */

	/* Command ring, mapped from the frontend. */
	struct pvc_back_ring ring;
	struct pvcb_gmap ring_map;
	void *ring_addr;		/* in ring_map */
	int irq;			/* command ring evtchn, lateeoi */
	atomic_t eoi_irq;		/* irq awaiting its late EOI, or -1 */
	bool worked;			/* cmd_work: requests taken since last EOI */
	bool closing;			/* READ_ONCE: stop taking commands */
	struct work_struct cmd_work;
	spinlock_t rsp_lock;		/* ring.req_cons/rsp_prod_pvt, ring push */
	atomic_t releasing;		/* RELEASEs taken, not yet answered */
	spinlock_t release_lock;	/* release_list */
	struct list_head release_list;	/* released sockets, in RELEASE order */
	struct work_struct release_work;	/* tears them down, answers */

	/* Sockets by frontend id, and idle rings kept for reuse. */
	struct mutex lock;		/* socks, nr_socks, ring_cache, nr_cached */
	DECLARE_HASHTABLE(socks, 10);
	unsigned int nr_socks;
	struct list_head ring_cache;	/* struct pvcb_ringmap, oldest first */
	unsigned int nr_cached;
	struct delayed_work cache_expiry;

	/*
	 * dom0's log: what the frontend makes us print is rate-limited per
	 * frontend (pvcb_log_ok()); a stale Connected is noted once until
	 * the next connect.
	 */
	struct ratelimit_state log_rs;
	bool stale_noted;
};

/*
 * Lines a frontend can make dom0 log: at most PVCB_LOG_BURST in each
 * PVCB_LOG_INTERVAL, the rest counted and reported when the device goes.
 */
#define PVCB_LOG_INTERVAL	(10 * 60 * HZ)
#define PVCB_LOG_BURST		10

static inline bool pvcb_log_ok(struct pvcb_frontend *fe)
{
	return __ratelimit(&fe->log_rs);
}

/*
 * xenbus_dev_fatal() for what the frontend caused: the device goes to
 * Closing either way, the log line and the error node only while the
 * frontend's budget lasts.
 */
#define pvcb_fatal(fe, err, fmt, ...)					\
	do {								\
		struct pvcb_frontend *fe_ = (fe);			\
									\
		if (pvcb_log_ok(fe_))					\
			xenbus_dev_fatal(fe_->dev, err, fmt, ##__VA_ARGS__); \
		else							\
			xenbus_switch_state(fe_->dev, XenbusStateClosing); \
	} while (0)

enum pvcb_state {
	PVCB_NEW,		/* socket created, not yet used */
	PVCB_CONNECTING,	/* non-blocking connect under way, rings mapped */
	PVCB_ACTIVE,		/* connected, rings mapped, data pump running */
	PVCB_BOUND,		/* bound (passive) */
	PVCB_LISTENING,		/* listening (passive) */
};

/*
 * An event index this side wrote, followed by virt_mb(): while it
 * still holds the value a wait needs, the wait need not write it again.
 */
struct pvcb_armed {
	u32 val;
	bool valid;		/* false until the first arming */
};

/*
 * A data ring's mapping and event channel (ringmap.c): one socket's at
 * a time, or idle in its frontend's cache.
 */
struct pvcb_ringmap {
	struct pvcb_gmap imap;		/* the indexes page */
	struct pvcb_gmap dmap;		/* in pages, then out pages */
	struct pvc_indexes *intf;	/* in imap */
	u32 ref;			/* imap's grant: the cache's key */
	u32 evtchn;			/* the frontend's port */
	u32 order;			/* read once when mapped */
	grant_ref_t *refs;		/* dmap's grants, as read then */
	int irq;			/* lateeoi, dev_id is the ringmap */
	spinlock_t owner_lock;		/* owner, against the handler */
	struct pvcb_sock *owner;	/* NULL while cached */
	struct list_head cache_node;	/* in fe->ring_cache, under fe->lock */
	unsigned long cached_at;	/* jiffies */
};

/* The data ring of one active socket, mapped from the frontend. */
struct pvcb_dring {
	struct pvcb_ringmap *map;	/* NULL when none */
	struct pvc_indexes *intf;	/* map's, while s has it */
	u32 order;			/* read once from the indexes page */
	u32 size;			/* bytes per direction */
	int irq;			/* map's evtchn irq; -1 if none */
	atomic_t eoi_pending;
	bool worked;			/* progress since the last EOI */
	bool last_spurious;		/* the previous EOI was flagged spurious */
	/*
	 * The in direction is filled by the work or, for an ACTIVE socket
	 * with notify-mitigation (@direct), by sk_data_ready itself
	 * (dring.c); @in_lock makes them take turns: the work marks itself
	 * (@in_filling) under it, and sk_data_ready copies under it only
	 * when the work is not marked.  in_prod, in_done, last_in_cons,
	 * in_cons_moved, in_cons_armed and st_in belong to whoever holds
	 * the turn (st_in.events_sent: to in_lock).
	 */
	spinlock_t in_lock;
	bool in_filling;		/* under in_lock */
	bool direct;			/* set once: smp_store_release() */
	bool in_cons_moved;		/* sk_data_ready saw in_cons move */
	u32 in_prod;			/* our private copy: we own in_prod */
	u32 out_cons;			/* our private copy: we own out_cons */
	bool in_done;			/* in_error published: no more reads */
	bool out_done;			/* out_error published: no more sends */
	u32 last_in_cons;		/* in_cons seen last: only moves forward */
	bool notify;			/* notify-mitigation in force */
	/* the event indexes we wrote last (pvcb_arm()) */
	struct pvcb_armed out_prod_armed, in_cons_armed;
	/* only the event handler: which direction an event moved */
	u32 irq_out_prod, irq_in_cons;
	/*
	 * debugfs "sockets" counters.  The socket work (under s->lock), the
	 * event handler or the in direction's turn (above) writes each.
	 */
	struct pvc_dir_stats st_in, st_out;
};

struct pvcb_sock {
	struct hlist_node node;		/* in fe->socks, under fe->lock */
	u64 id;
	struct pvcb_frontend *fe;
	struct socket *sock;

	struct mutex lock;		/* everything below */
	enum pvcb_state state;
	bool dead;			/* being released: work must do nothing */
	bool cb_installed;
	struct work_struct work;	/* connect completion, pump, accept */
	struct pvcb_dring ring;		/* CONNECTING and ACTIVE */
	/*
	 * What s->work does in this state, set with the state by the file
	 * that puts the socket in it (pvcb_set_state()); NULL: nothing.
	 * Returns whether it made progress, for the late EOI.
	 */
	bool (*run)(struct pvcb_sock *s);

	/* saved sk callbacks, restored under sk_callback_lock */
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);

	/* Outstanding requests answered later (by the work item). */
	bool connect_pending;
	u32 connect_req_id;
	enum pvcb_state connect_prev;	/* state to return to on failure */
	struct sockaddr_in connect_addr;
	bool accept_pending;
	struct pvc_request accept_req;	/* local copy */
	bool poll_pending;
	u32 poll_req_id;

	/* RELEASE: out of the table, on fe->release_list until torn down */
	struct list_head release_node;
	u32 release_req_id;
	bool release_reuse;		/* RELEASE's reuse: keep the ring */
};

/* commands.c: the command work, dispatch, SOCKET and RELEASE */
void pvcb_cmd_work(struct work_struct *work);
void pvcb_release_work(struct work_struct *work);
irqreturn_t pvcb_cmd_irq(int irq, void *dev_id);

/* cmdring.c: the two ends of the command ring */
bool pvcb_next_request(struct pvcb_frontend *fe, struct pvc_request *req,
		       bool *broken);
void pvcb_respond(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		  int ret);
void pvcb_respond_pad(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		      int ret, u32 pad);
void pvcb_respond_late(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		       int ret);

/* sockets.c: id table, lifetime, sk callbacks */
struct pvcb_sock *pvcb_sock_alloc(struct pvcb_frontend *fe, u64 id,
				  struct socket *sock);
struct pvcb_sock *pvcb_sock_alloc_accepted(struct pvcb_frontend *fe, u64 id,
					   struct socket *sock);
int pvcb_sock_insert(struct pvcb_frontend *fe, struct pvcb_sock *s);
struct pvcb_sock *pvcb_sock_lookup(struct pvcb_frontend *fe, u64 id);
struct pvcb_sock *pvcb_sock_unhash_any(struct pvcb_frontend *fe);
void pvcb_sock_unhash(struct pvcb_frontend *fe, struct pvcb_sock *s);
void pvcb_sock_unlist(struct pvcb_frontend *fe, struct pvcb_sock *s);
void pvcb_sock_uncount(struct pvcb_frontend *fe);
bool pvcb_id_in_use(struct pvcb_frontend *fe, u64 id);
void pvcb_sock_install_callbacks(struct pvcb_sock *s, struct pvcb_sock *parent);
void pvcb_set_state(struct pvcb_sock *s, enum pvcb_state state,
		    bool (*run)(struct pvcb_sock *s));
void pvcb_sock_activate(struct pvcb_sock *s);
void pvcb_sock_destroy(struct pvcb_sock *s, bool respond);
void pvcb_release_all(struct pvcb_frontend *fe);

/* Queue the socket's work: it does what its state needs (s->run). */
static inline void pvcb_sock_kick(struct pvcb_sock *s)
{
	queue_work(pvcb_wq, &s->work);
}

/* names.c: the socket-names extension */
void pvcb_names_publish(struct pvcb_sock *s);
int pvcb_names_bound_port(struct pvcb_sock *s, u32 *port);

/* active.c: CONNECT and its completion */
int pvcb_cmd_connect(struct pvcb_frontend *fe, const struct pvc_request *req);

/* dring.c: a socket's data ring: mapping, evtchn, the data pump */
int pvcb_dring_map(struct pvcb_sock *s, u32 ref, u32 evtchn);
void pvcb_dring_unbind(struct pvcb_sock *s);
void pvcb_dring_unmap(struct pvcb_sock *s, bool keep);

/* ringmap.c: a ring's mapping and channel, and the cache of idle ones */
struct pvcb_ringmap *pvcb_ringmap_get(struct pvcb_frontend *fe, u32 ref,
				      u32 evtchn, irq_handler_t handler,
				      int *err);
void pvcb_ringmap_set_owner(struct pvcb_ringmap *m, struct pvcb_sock *s);
void pvcb_ringmap_put(struct pvcb_frontend *fe, struct pvcb_ringmap *m,
		      bool keep);
void pvcb_ring_cache_expiry(struct work_struct *work);
void pvcb_ring_cache_empty(struct pvcb_frontend *fe);
bool pvcb_dring_pump(struct pvcb_sock *s);
bool pvcb_dring_fill_direct(struct pvcb_sock *s);

/* passive.c: bind, listen, accept, poll */
int pvcb_cmd_bind(struct pvcb_frontend *fe, const struct pvc_request *req);
int pvcb_cmd_listen(struct pvcb_frontend *fe, const struct pvc_request *req);
int pvcb_cmd_accept(struct pvcb_frontend *fe, const struct pvc_request *req);
int pvcb_cmd_poll(struct pvcb_frontend *fe, const struct pvc_request *req);

/* grant.c */
int pvcb_gmap_map(struct pvcb_gmap *g, domid_t domid, const grant_ref_t *refs,
		  unsigned int nr);
void pvcb_gmap_unmap(struct pvcb_gmap *g);
void *pvcb_gmap_addr(const struct pvcb_gmap *g, u32 off);

/* xenbus.c */
int pvcb_xenbus_register(void);
void pvcb_xenbus_unregister(void);

/* stats.c */
struct pvcb_stats {
	atomic_t frontends;
	atomic_t sockets;
	atomic_t active_sockets;
	atomic_t passive_sockets;
	atomic_t mapped_rings;
	atomic_t evtchns;
	atomic_t cached_rings;		/* idle in a ring cache (ringmap.c) */
	atomic64_t rings_reused;	/* taken from a ring cache */
	atomic64_t commands;
	atomic64_t protocol_errors;
	atomic64_t events;		/* evtchn interrupts, all channels */
	atomic64_t spurious_eois;	/* late EOIs flagged spurious */
	/* data rings (Documentation/notify-mitigation.rst) */
	atomic_t notify_frontends;	/* connected, extension in force */
	/* ring_full: in[] found full; ring_empty: out[] found empty */
	struct pvc_notify_stats notify;
	atomic64_t data_eois;		/* late EOIs of data rings */
	atomic64_t delayed_eois;	/* spurious right after spurious */
	atomic64_t data_runs;		/* runs of the socket work */
};

extern struct pvcb_stats pvcb_stats;
void pvcb_stats_init(void);
void pvcb_stats_exit(void);
void pvcb_fe_list_add(struct pvcb_frontend *fe);
void pvcb_fe_list_del(struct pvcb_frontend *fe);

#endif /* PVCALLS_BACK_H */
