/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the Xen transport of the PV Calls frontend, and the
 * implementation notes of the whole frontend.
 *
 * Names (Documentation/structure.rst): pvcalls_ for the socket family
 * and its interface to the transports (af_pvcalls.c, transport.h), pvcf_
 * for this Xen transport, pvcl_ for the loopback transport (loopback.c),
 * and pvc_ only for the wire code shared with the backend
 * (include/xen-pvcalls/).
 *
 * Layers (each file calls only those below it; upcalls go through
 * function pointers registered at module init by main.c's
 * pvcf_module_init())
 *   af_pvcalls.c     the socket family; reaches the transport only
 *                    through pvcalls_transport_ops (transport.h); also
 *                    linked, with loopback.c, into pvcalls-loopback
 *   tsock_listen.c   listening sockets: POLL, ACCEPT, their children
 *   tsock.c          endpoints: ids, states, commands, close
 *   xenbus.c         the device: probe, handshake, down
 *   cmdring.c        the command ring
 *   dataring.c       data rings: a library told the domain, the orders
 *                    and the notify mode by its caller
 *
 * Objects and lifetimes
 *   pvcf_front: the device, one per domain and one object for the
 *     module's life.  Probe attaches the xenbus device; InitWait
 *     negotiates @info and connects the command ring; Connected sets
 *     @up; Closing, Closed or remove take it down (pvcf_front_down()).
 *     It holds the command ring, the socket table and the workqueues.
 *   struct pvcalls_endpoint, this transport's definition of transport.h's
 *     endpoint: one per family socket, and one per child of an ACCEPT.
 *     Named on the wire by @id (table index and a generation), never a
 *     pointer.  @ref counts one reference for its life, dropped when the
 *     release completes, plus one per command in flight and per queued
 *     submit or poll work (@release_work runs before the release
 *     completes, under the life reference).
 *   The family's struct sock: the family holds one sock reference, the
 *     transport another from ->set_owner() until ->released(), which it
 *     calls once, after its last upcall, when the backend has answered
 *     RELEASE (or the device is gone).  Each struct sock pins the module
 *     (pvcalls_proto.owner), so the module cannot go while a socket
 *     exists.
 *   pvcf_dring: a connected (or connecting, or accepted) socket's data
 *     ring, granted to the backend, an object of its own (the dev_id of
 *     its event channel's interrupt, which calls the ring's owner, its
 *     socket).  Given back only once the backend has let go of it (a
 *     failed CONNECT or ACCEPT answered, RELEASE answered, or the device
 *     gone) or never had it (its command never went out): then freed,
 *     or, after a RELEASE sent with reuse = 1 and answered with success,
 *     kept with no owner in the pool of idle rings (dataring.c; at most
 *     ring_pool, a place reserved when the RELEASE is sent), still
 *     granted and bound, for the next connect or accept of its order.
 *     The pool is emptied when the device goes down, at module unload,
 *     and when a new ring finds no grants or event channels.  A device
 *     going down leaves the rings of sockets allocated until the
 *     sockets close.
 *   Command ring slots: a slot is freed only by its answer or by the
 *     device going down, never earlier; whatever a command names (its
 *     socket, an ACCEPT's child and ring) stays allocated until then.
 *
 * States
 *   pvcalls_endpoint.state (one operation at a time, op_ret -EINPROGRESS
 *   while it runs; a failure goes back to prev_state):
 *     NEW/BOUND -> CONNECTING -> CONNECTED
 *     NEW -> BINDING -> BOUND;  NEW/BOUND -> LISTENING
 *     an accepted child: NEW -> CONNECTED when its ACCEPT is answered
 *   The backend's socket is made lazily: the first operation sends
 *   SOCKET, then the operation itself (from @submit_work).
 *   pvcf_listener.state: see tsock_listen.c.  dead: the device went
 *   down or the backend broke the data ring; it only ever gets set.
 *
 * Execution contexts
 *   Family calls: process context.  connect, bind, listen, accept,
 *   shutdown and getname hold the family's socket lock (lock_sock) and
 *   drop it while they wait; send and recv do not take it (the
 *   transport's tx_mutex and rx_mutex serialise the copies, so a blocked
 *   reader never holds up a writer); release runs after dropping it.
 *   poll and watch never sleep.
 *   Upcalls (->event) come from hard irq, workqueue, xenwatch or a task
 *   that reaps (below), and touch only sk_err and the wait queue, never
 *   the socket lock, so the transport never waits on a socket lock
 *   holder.
 *   Data ring interrupt (hard irq, lateeoi): under the ring's
 *   owner_lock, calls its socket's event function, which reads the
 *   indexes, makes the event upcall and wakes @drain_wq; an event of a
 *   ring with no socket (idle in the pool) is acknowledged as spurious.
 *   Every event gets its EOI there.  Command ring interrupt (hard irq,
 *   lateeoi, under the command ring's lock): copies the new responses
 *   into their slots, in ring order on the list of answers (cmdring.c),
 *   and for each asks the transport (pvcf_front_upcalls.answered): when
 *   a task waits for an operation of the command's socket (@waiters),
 *   it makes the socket's event upcall to wake it; else it queues the
 *   command work.
 *   Callbacks of answered commands ("reaping", pvcf_cmd_reap()): one at
 *   a time, in ring order, in process context with no lock held but
 *   the command ring's reap mutex, by the command work or by a task
 *   that waits for an operation (connect, bind, listen, accept: the
 *   family's ->settle() after each wakeup and once when it stops
 *   waiting), which reaps every answer on the list, other sockets'
 *   too.  So a blocking operation's answer reaches its task with one
 *   context switch.  Callbacks may sleep but never wait for a command
 *   ring slot, never take a family socket lock and never reap.
 *   pvcf_front.wq (ordered): the command work (it reaps; a ring found
 *   broken, it fails every command still in flight with EIO), and the
 *   retry of releases that found no slot.
 *   pvcf_front.sock_wq: work that may wait for a slot: @submit_work,
 *   @release_work (close's drain; a child nobody took), the listener's
 *   poll work.
 *   xenbus (xenwatch): probe, handshake, down.  Down stops the command
 *   ring and runs the callback of every command in flight, with its
 *   answer if one was taken, else with ENETDOWN (so a socket waiting
 *   for an answer finishes), then makes the down
 *   upcall: every socket is marked dead and woken.  The callbacks of
 *   that ENETDOWN run in xenwatch, after the command work has stopped,
 *   under the reap mutex, after those of the answers already taken.
 *
 * Locking order (outer first)
 *   family socket lock -> xarray lock (pvcf_front.socks) -> listener's
 *   pvcalls_endpoint.lock -> child's pvcalls_endpoint.lock
 *   (spin_lock_nested) -> pvcf_dring.arm_lock
 *   pvcf_dring.owner_lock -> pvcalls_endpoint.lock (the data interrupt)
 *   command ring lock -> pvcalls_endpoint.lock (the command interrupt's
 *   ->answered upcall)
 *   owner_lock, pvcalls_endpoint.lock, arm_lock and the command ring
 *   lock are taken in hard irq, so with interrupts off.  The event
 *   upcall is made under pvcalls_endpoint.lock (so release cannot race
 *   with it): it only wakes the socket's wait queue.  The command ring's
 *   reap mutex is outermost: held while callbacks run, taken with no
 *   lock held (by a waiting task after it dropped the socket lock).
 *   pvcf_release_lock, the pool's lock (dataring.c) and pvcf_front.lock
 *   (a mutex: pvcf_dev_get()) are taken alone, with no spinlock held;
 *   commands are submitted with no lock held, since a submitter may
 *   wait for a slot.  tx_mutex and rx_mutex are held only around a copy
 *   to or from the ring and take no other lock.
 */
#ifndef PVCALLS_FRONT_H
#define PVCALLS_FRONT_H

#include <linux/in.h>
#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/ring.h>
#include <xen-pvcalls/wire.h>
#include <xen-pvcalls/dring.h>
#include <xen-pvcalls/notify.h>
#include <xen-pvcalls/stats.h>

#include "transport.h"

#define PVCF_NR_SLOTS	__CONST_RING_SIZE(pvc, XEN_PAGE_SIZE)
/* How long a command may stay unanswered before a waiter gives up. */
#define PVCF_CMD_TIMEOUT	(30 * HZ)

/* Counters shown in debugfs (stats). */
struct pvcf_stats {
	atomic_t sockets;
	atomic64_t commands;
	/* requests sent before their socket's SOCKET was answered */
	atomic64_t commands_pipelined;
	atomic64_t bytes_sent;
	atomic64_t bytes_received;
	/*
	 * Data rings serving sockets now, per order (index 0 unused), and
	 * totals of the grant fallback: rings granted below the order asked
	 * for, and ring allocations that failed even at order 1 (ENOBUFS).
	 * The grant exhaustion selftest reads them.
	 */
	atomic_t rings[PVC_MAX_RING_ORDER + 1];
	/*
	 * Ring reuse: idle rings in the pool now (not in @rings), and the
	 * connects and accepts that took one instead of a new ring.
	 */
	atomic_t rings_pooled;
	atomic64_t rings_reused;
	atomic64_t ring_fallbacks;
	atomic64_t ring_enobufs;
	/* sockets refused because the domain had no event channel left */
	atomic64_t evtchn_enobufs;
	/* RELEASEs that found no free slot and waited on the list */
	atomic64_t releases_delayed;
	/*
	 * Command answers the interrupt left to a waiting task instead of
	 * the command work, and callbacks run by waiting tasks (theirs and
	 * any other answer they found; the rest ran on the command work).
	 */
	atomic64_t answers_direct;
	atomic64_t answers_reaped_by_waiter;
	/*
	 * Interrupts of our event channels (command ring and data rings,
	 * all bound lateeoi), and the EOIs of those that found nothing to
	 * do, flagged spurious: Xen then delays the next event of that
	 * channel, so a backend that floods events cannot keep us busy.
	 */
	atomic64_t events;
	atomic64_t spurious_eois;
	/*
	 * data rings, all sockets: ring_full counts out[] found full by a
	 * send, ring_empty in[] found empty by a recv
	 */
	struct pvc_notify_stats notify;
};

extern struct pvcf_stats pvcf_stats;
extern unsigned int pvcf_ring_order_param;
extern unsigned int pvcf_ring_pool_param;
extern bool pvcf_socket_names_param;
extern bool pvcf_notify_param;
extern bool pvcf_in_order_param;

/* ---- command ring (cmdring.c) ---- */

/*
 * Called once per submitted command, in process context with no lock
 * held: with the backend's response, or with a made-up one (ret
 * -ENETDOWN, or -EIO once the backend broke the ring) when the device
 * goes away first.  Until then, whatever the command names (the socket,
 * an accepted child's ring and grants) stays allocated.
 */
typedef void (*pvcf_cmd_cb)(void *ctx, const struct pvc_response *rsp);

/*
 * Every request starts here: all 64 bytes go to the shared ring, the
 * padding and the unused part of the union included, so every byte is
 * cleared first rather than left to an initialiser (which need not
 * clear padding).  Whole requests are copied with memcpy() for the same
 * reason.
 */
static inline void pvcf_req_init(struct pvc_request *req, u32 cmd)
{
	memset(req, 0, sizeof(*req));
	req->cmd = cmd;
}

/* Kinds of command, for the caps on the slots each may hold (cmdring.c). */
enum pvcf_kind {
	PVCF_KIND_SHORT,	/* answered at once: SOCKET, BIND, LISTEN */
	PVCF_KIND_RELEASE,
	PVCF_KIND_PASSIVE,	/* ACCEPT, POLL: answered when a peer comes */
	PVCF_KIND_CONNECT,	/* answered when dom0's connect ends */
	PVCF_NR_KINDS
};

struct pvcf_slot {
	bool busy;
	bool answered;		/* @rsp holds the answer, on the list */
	u32 gen;
	u32 cmd;
	pvcf_cmd_cb cb;
	void *ctx;
	struct pvc_response rsp;	/* a private copy */
};

struct pvcf_front_upcalls;

/* The command ring; only cmdring.c looks inside. */
struct pvcf_cmdring {
	spinlock_t lock;	/* ring indexes, slots, answers, counts, live, broken */
	bool live;		/* ring set up: submissions allowed */
	bool broken;		/* backend misbehaved on the ring */
	struct pvc_front_ring ring;
	struct pvcf_slot slots[PVCF_NR_SLOTS];
	unsigned int nr_busy;
	unsigned int nr_kind[PVCF_NR_KINDS];	/* busy slots per kind */
	u32 gen;
	wait_queue_head_t slot_wq;
	int irq;
	grant_ref_t ref;
	RING_IDX eoi_cons;	/* rsp_cons at the last non-spurious EOI */
	/*
	 * Answered slots whose callbacks have not run, oldest first:
	 * indexes of @slots at @answers[n % PVCF_NR_SLOTS] for n from
	 * @ans_head (the next to reap) up to @ans_tail.
	 */
	u8 answers[PVCF_NR_SLOTS];
	unsigned int ans_head, ans_tail;
	struct mutex reap_lock;		/* held while callbacks run */
	struct workqueue_struct *wq;	/* ordered: answers nobody reaps */
	struct work_struct work;
	/* the transport's upcalls (struct pvcf_front_upcalls) */
	void (*slots_freed)(void);
	bool (*answered)(void *ctx);
};

void pvcf_cmdring_init(struct pvcf_cmdring *cr, struct workqueue_struct *wq,
		       const struct pvcf_front_upcalls *up);
/* One request of a batch, with the callback of its answer. */
struct pvcf_cmd {
	struct pvc_request *req;
	pvcf_cmd_cb cb;
	void *ctx;
};

/* The most requests pvcf_cmd_submit_batch() puts on the ring at once. */
#define PVCF_MAX_BATCH	2

int pvcf_cmd_submit_batch(struct pvcf_cmdring *cr, struct pvcf_cmd *cmds,
			  unsigned int n, bool may_sleep);
int pvcf_cmd_submit(struct pvcf_cmdring *cr, struct pvc_request *req,
		    pvcf_cmd_cb cb, void *ctx, bool may_sleep, u32 *req_id);
void pvcf_cmd_reap(struct pvcf_cmdring *cr, bool waiter);
bool pvcf_cmd_unreaped(struct pvcf_cmdring *cr);
int pvcf_cmdring_connect(struct pvcf_cmdring *cr, struct xenbus_device *dev,
			 grant_ref_t *ref, evtchn_port_t *port);
void pvcf_cmdring_set_live(struct pvcf_cmdring *cr, bool live);
void pvcf_cmdring_disconnect(struct pvcf_cmdring *cr,
			     struct xenbus_device *dev);

/* ---- device (xenbus.c) ---- */

/* Backend domain and ring order in use; valid while the device is up. */
struct pvcf_dev_info {
	domid_t domid;
	unsigned int max_order;
	bool socket_names;	/* extension negotiated (pvcalls.rst) */
	bool notify;		/* notify-mitigation negotiated */
	bool in_order;		/* in-order offered and used (pvcalls.rst) */
	bool ext_offered;	/* backend wrote an extension key */
};

/*
 * What the device reports up to the endpoints, registered once by
 * tsock.c at module init (pvcf_tsock_init()): the device and its command
 * ring never call up by name.
 */
struct pvcf_front_upcalls {
	/* The device went down: every socket is dead with @err. */
	void (*down)(int err);
	/* Command ring slots were freed, or the ring went away. */
	void (*slots_freed)(void);
	/*
	 * A command of @ctx (its socket) was answered; hard irq, under
	 * the command ring's lock.  True when a task waiting on that
	 * socket was woken and will reap the answer (pvcf_cmd_reap()),
	 * false to leave it to the command work.
	 */
	bool (*answered)(void *ctx);
};

/*
 * The device (see the notes at the top of this file): one per domain, and
 * one object for the module's life, since sockets and their work come
 * and go independently of the xenbus device; probe attaches that.
 */
struct pvcf_front {
	struct mutex lock;		/* @xdev, @info, @up */
	struct xenbus_device *xdev;
	struct pvcf_dev_info info;	/* negotiated at InitWait */
	bool up;			/* Connected, until it goes down */
	struct pvcf_cmdring cmd;
	struct xarray socks;		/* endpoints, by xa_id */
	/*
	 * @wq (ordered): the command work (answers no waiting task reaps),
	 * and the retry of releases that found no slot (it never waits for
	 * one).  @sock_wq: per-socket
	 * work that may wait for a command ring slot, so never on @wq.
	 */
	struct workqueue_struct *wq, *sock_wq;
	const struct pvcf_front_upcalls *upcalls;
};

extern struct pvcf_front pvcf_front;

int pvcf_front_setup(void);
void pvcf_front_teardown(void);
void pvcf_front_register(const struct pvcf_front_upcalls *up);
int pvcf_dev_get(struct pvcf_dev_info *info);
int pvcf_dev_notify(void);
int pvcf_xenbus_init(void);
void pvcf_xenbus_exit(void);

/* ---- data rings (dataring.c) ---- */

struct pvcf_dring;

/*
 * What a ring's interrupt calls for the socket that owns the ring, with
 * the ring's @owner_lock held (hard irq): true when the event announced
 * something (the late EOI is then not flagged spurious).
 */
typedef bool (*pvcf_dring_event_t)(struct pvcf_dring *d, void *owner);

/*
 * A data ring, an object of its own: its event channel's interrupt gets
 * the ring, never the socket, as dev_id, and calls whoever owns the
 * ring now.  It outlives its socket when it goes into the pool of idle
 * rings (ring reuse, Documentation/pvcalls.rst).
 */
struct pvcf_dring {
	struct pvc_indexes *intf;	/* indexes page, shared */
	void *data;			/* in[] then out[], shared */
	unsigned int order;
	u32 size;			/* bytes of one direction */
	grant_ref_t iref;
	grant_ref_t *refs;		/* 1 << order, a private copy */
	domid_t domid;			/* the grantee */
	evtchn_port_t port;
	int irq;			/* < 0 when not bound */
	/*
	 * The socket the ring serves and what its interrupt calls for it;
	 * NULL while the ring has no socket (in the pool, or just made).
	 * Switched under @owner_lock, which the interrupt holds while it
	 * calls @event: once pvcf_dring_attach() has switched, no event
	 * call for the old owner is running or will run.
	 */
	spinlock_t owner_lock;
	void *owner;
	pvcf_dring_event_t event;
	/*
	 * Ring reuse.  @poolable: the ring has the order a socket gets
	 * with no SO_SNDBUF/SO_RCVBUF (fixed when it is made).  @reserved:
	 * a place in the pool is kept for the ring while its RELEASE
	 * (reuse = 1) is in flight; set by close, cleared when the answer
	 * gives the ring back, one after the other.  @pool_entry: on the
	 * pool's list while idle, under the pool's lock.
	 */
	bool poolable, reserved;
	struct list_head pool_entry;
	/*
	 * notify-mitigation in force on this ring (fixed for a socket, set
	 * when the ring is given to it).
	 */
	bool notify;
	spinlock_t arm_lock;	/* sock.in_armed ... sock.out_was_armed */
	/*
	 * What this side keeps about the socket the ring serves, cleared
	 * when a pooled ring is given to a new socket.
	 */
	struct {
		/*
		 * The indexes this side owns, private copies: the shared
		 * page gets them written, never read back (the backend
		 * could rewrite them there).  One writer each: the caller
		 * serialises senders (out_prod) and receivers (in_cons)
		 * (tsock.c: tx_mutex, rx_mutex); poll reads them without
		 * that (READ_ONCE).
		 */
		u32 out_prod, in_cons;
		/* Only the owner's event call (the interrupt) uses these. */
		u32 seen_in_prod, seen_out_cons;
		s32 seen_in_error, seen_out_error;
		/*
		 * notify-mitigation: the event indexes armed last (under
		 * @arm_lock: all waiters of one direction arm one after
		 * the other).
		 */
		u32 in_armed, out_armed;
		bool in_was_armed, out_was_armed;
		/*
		 * debugfs "sockets" counters (full: a send found no space,
		 * empty: a recv found nothing).  Each field has one writer
		 * (the send path, the receive path or the interrupt), so
		 * plain WRITE_ONCE() increments do.
		 */
		struct pvc_dir_stats st_in, st_out;
	} sock;
};

/*
 * What a ring is made for, from its user: dataring.c reads no device
 * state and no module parameter.
 */
struct pvcf_dring_conf {
	domid_t domid;			/* the backend, grantee of the pages */
	unsigned int def_order;		/* ring order for ring_bytes 0 */
	unsigned int max_order;		/* the backend's max-page-order */
	bool notify;			/* notify-mitigation negotiated */
};

/* *wake of pvcf_dring_poll() and co: directions whose waiters to wake. */
#define PVCF_DRING_WAKE_IN	0x1
#define PVCF_DRING_WAKE_OUT	0x2

struct pvcf_dring *pvcf_dring_get(const struct pvcf_dring_conf *conf,
				  unsigned int ring_bytes);
void pvcf_dring_attach(struct pvcf_dring *d, pvcf_dring_event_t event,
		       void *owner);
bool pvcf_dring_reserve(struct pvcf_dring *d, unsigned int pool_max);
void pvcf_dring_put(struct pvcf_dring *d, bool reuse);
unsigned int pvcf_dring_pool_drain(void);
void pvcf_dring_events(struct pvcf_dring *d, bool *rx, bool *tx);
void pvcf_lateeoi(int irq, bool worked);
ssize_t pvcf_dring_send(struct pvcf_dring *d, struct msghdr *msg, size_t len);
ssize_t pvcf_dring_recv(struct pvcf_dring *d, struct msghdr *msg, size_t len,
			bool peek);
__poll_t pvcf_dring_poll(struct pvcf_dring *d, int rcvlowat, __poll_t events,
			 unsigned int *wake);
__poll_t pvcf_dring_watch(struct pvcf_dring *d, __poll_t events,
			  unsigned int *wake);
bool pvcf_dring_out_pending(struct pvcf_dring *d, unsigned int *wake);
int pvcf_dring_queued(struct pvcf_dring *d, u32 *inq, u32 *outq);

/* ---- endpoints (tsock.c, tsock_listen.c) ---- */

enum pvcf_state {
	PVCF_NEW,		/* nothing at the backend, or a failed connect */
	PVCF_CONNECTING,
	PVCF_CONNECTED,
	PVCF_BINDING,
	PVCF_BOUND,
	PVCF_LISTENING,		/* listen in flight or done: see op_ret */
};

enum pvcf_lstate {
	PVCF_L_IDLE,		/* nothing outstanding */
	PVCF_L_POLLING,		/* PVC_CMD_POLL in flight */
	PVCF_L_READY,		/* the backend has a connection for us */
	PVCF_L_ACCEPTING,	/* PVC_CMD_ACCEPT in flight for @child */
	PVCF_L_DONE,		/* @child accepted, not yet taken */
};

/*
 * A listening socket's part, only tsock_listen.c's; under the socket's
 * @lock except @poll_work.
 */
struct pvcf_listener {
	enum pvcf_lstate state;
	struct pvcalls_endpoint *child;
	int err;		/* failed poll/accept, reported once */
	struct work_struct poll_work;
};

/*
 * @lock covers the fields from @state to @dead_err, @has_ring, @ring,
 * @owner, @up, @pending, the names and @l (but @l.poll_work), and every
 * change of them.  The others need it not:
 *  - @id, @xa_id: fixed at creation;
 *  - @ring_bytes: under the family's socket lock (connect and listen
 *    write it, accept reads the listener's);
 *  - @connect_req, the autobind fields: used by the one operation in
 *    flight (pvcf_enter() admits one at a time): written by its caller
 *    under the family's socket lock before its first command goes out,
 *    then only by the command callbacks and @submit_work of that
 *    operation, which run one after the other (each queued or
 *    submitted by the one before).  The state those read without
 *    @lock changes only in that chain;
 *  - @local_addr, @local_port: written there too (by bind's caller, by
 *    the autobind's callback) and read by ->local_addr(): @local_port
 *    with READ_ONCE(), @local_addr under @lock, so a getsockname()
 *    during a connect sees the address of before or after the autobind;
 *  - an accepted child's @state and @sock_sent: the listener's alone
 *    until its ACCEPT goes out, then under the child's lock;
 *  - @drain_started, @reuse_ring: close only (the family's release,
 *    then @release_work, one after the other), read by the RELEASE it
 *    sends and by that RELEASE's answer; @err_seen: the data interrupt
 *    only;
 *  - @ring: set and cleared with @has_ring, under @lock; read without
 *    it by the connect or accept that set it up (to name it in the
 *    request), and while @state is CONNECTED, when only the RELEASE
 *    answer takes it away, after the family's last call.  The ring's
 *    own fields have their own rules (struct pvcf_dring).
 */
struct pvcalls_endpoint {
	struct kref ref;	/* one per outstanding command + one for life */
	u64 id;			/* wire id: opaque handle */
	u32 xa_id;
	spinlock_t lock;	/* see above; taken in hard irq */
	enum pvcf_state state, prev_state;
	int op_ret;		/* -EINPROGRESS or result of the last op */
	bool sock_sent;		/* PVC_CMD_SOCKET submitted */
	/*
	 * in-order extension: SOCKET sent together with the operation's
	 * command: -EINPROGRESS until SOCKET is answered, then its result;
	 * 0 when not in use.  Under @lock.
	 */
	int sock_err;
	bool releasing;		/* close started; no new commands */
	/* tasks waiting for an operation of ours: they reap our answers */
	unsigned int waiters;
	bool dead;		/* device gone or protocol error */
	int dead_err;
	bool has_ring;
	unsigned int ring_bytes;	/* sizes the ring: see ->connect() */
	void *owner;
	const struct pvcalls_upcalls *up;
	struct pvc_request pending;	/* command to send after SOCKET */
	struct pvc_request connect_req;	/* sent once autobind is done */
	unsigned int autobind_tries;	/* > 0 while autobinding */
	__be16 autobind_port, local_port;
	__be32 autobind_addr, local_addr;
	/* socket-names extension: what the backend reported, if it did */
	bool names_known;
	struct sockaddr_in local_name, peer_name;
	bool err_seen;			/* only the data interrupt uses it */
	bool drain_started;		/* close waits for out[] to empty */
	wait_queue_head_t drain_wq;	/* woken by the data interrupt */
	struct completion released;	/* the backend answered RELEASE */
	struct list_head release_entry;	/* on the delayed releases' list */
	struct work_struct submit_work;	/* sends @pending */
	struct work_struct release_work;
	/* close reserved a place in the pool: RELEASE says reuse = 1 */
	bool reuse_ring;
	struct pvcf_dring *ring;	/* valid while @has_ring */
	struct mutex rx_mutex, tx_mutex;	/* serialise copies */
	struct pvcf_listener l;	/* listening sockets */
};

struct pvcalls_endpoint *pvcf_alloc(void);
void pvcf_put(struct pvcalls_endpoint *t);
void pvcf_event(struct pvcalls_endpoint *t, unsigned int ev, int err);
int pvcf_submit(struct pvcalls_endpoint *t, struct pvc_request *req,
		pvcf_cmd_cb cb, bool may_sleep, u32 *req_id);
void pvcf_destroy(struct pvcalls_endpoint *t);
void pvcf_destroy_async(struct pvcalls_endpoint *t);
int pvcf_ring_setup(struct pvcalls_endpoint *t);
bool pvcf_socket_names(void);
void pvcf_names_read_locked(struct pvcalls_endpoint *t);
struct seq_file;
int pvcf_show_sockets(struct seq_file *m, void *unused);

/*
 * The listener (tsock_listen.c) above the core (tsock.c): it calls the
 * core's functions above; the core reaches it only through these.
 */
struct pvcf_listen_ops {
	/* a new socket, no lock */
	void (*init)(struct pvcalls_endpoint *t);
	/* the transport ops ->accept() and ->accept_busy() */
	int (*accept)(struct pvcalls_endpoint *t, bool nonblock,
		      struct pvcalls_endpoint **child);
	bool (*accept_busy)(struct pvcalls_endpoint *t);
	/* ->poll() when listening */
	__poll_t (*poll)(struct pvcalls_endpoint *t);
	/* close started */
	void (*close)(struct pvcalls_endpoint *t);
	/* RELEASE answered */
	void (*released)(struct pvcalls_endpoint *t);
};

extern const struct pvcf_listen_ops pvcf_listen_ops;
void pvcf_tsock_init(const struct pvcf_listen_ops *lops);

#endif /* PVCALLS_FRONT_H */
