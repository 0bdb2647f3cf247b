// SPDX-License-Identifier: GPL-2.0
/*
 * Socket objects: the per-frontend id table, allocation and release,
 * sk callbacks and the per-socket work item.  The work does what the
 * socket's state needs through s->run, which the file that sets the
 * state provides (active.c, passive.c, dring.c): this file never calls
 * up into active.c or passive.c.
 *
 * An sk callback runs in softirq context and queues s->work; but for
 * sk_data_ready of an ACTIVE socket with notify-mitigation, which first
 * copies what fits into the data ring (dring.c).  A callback
 * finds s through sk_user_data under sk_callback_lock; release restores
 * the saved callbacks and clears sk_user_data under the same lock, so
 * once that is done no callback can reach s any more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <xen/events.h>

#include "pvcalls-back.h"

/* Which debugfs counter a state belongs to, if any. */
static atomic_t *pvcb_state_counter(enum pvcb_state state)
{
	switch (state) {
	case PVCB_ACTIVE:
		return &pvcb_stats.active_sockets;
	case PVCB_BOUND:
	case PVCB_LISTENING:
		return &pvcb_stats.passive_sockets;
	default:
		return NULL;
	}
}

/*
 * Change state, keeping the debugfs counters exact, and set what s->work
 * does in it (@run, NULL for nothing).  Under s->lock.
 */
void pvcb_set_state(struct pvcb_sock *s, enum pvcb_state state,
		    bool (*run)(struct pvcb_sock *s))
{
	atomic_t *old = pvcb_state_counter(s->state);
	atomic_t *new = pvcb_state_counter(state);

	if (old != new) {
		if (old)
			atomic_dec(old);
		if (new)
			atomic_inc(new);
	}
	s->state = state;
	s->run = run;
}

/*
 * The socket is connected and its ring mapped: its work is the pump,
 * and sk_data_ready may fill in[] itself from now on.  Under s->lock.
 */
void pvcb_sock_activate(struct pvcb_sock *s)
{
	pvcb_set_state(s, PVCB_ACTIVE, pvcb_dring_pump);
	if (s->ring.notify)	/* v1: one event per copy there, see there */
		/* the ring's fields before the flag: pvcb_dring_fill_direct() */
		smp_store_release(&s->ring.direct, true);
}

static void pvcb_sock_work(struct work_struct *work)
{
	struct pvcb_sock *s = container_of(work, struct pvcb_sock, work);
	bool eoi = atomic_xchg(&s->ring.eoi_pending, 0);
	bool progress = false;

	atomic64_inc(&pvcb_stats.data_runs);
	mutex_lock(&s->lock);
	if (s->dead) {
		/* release sends it: the channel may stay bound for reuse */
		if (eoi)
			atomic_set(&s->ring.eoi_pending, 1);
		goto out;
	}

	if (s->run)
		progress = s->run(s);
	/*
	 * An event is spurious only if no run since the previous EOI made
	 * progress: runs queued by sk callbacks often move the data an
	 * event announced before the run that event queued.  The evtchn may
	 * have been unbound by a failed connect.  s->ring.irq is already
	 * set when the bind-time event gets here: pvcb_dring_map() binds
	 * under s->lock and sets it before the lock is dropped.
	 */
	if (progress)
		s->ring.worked = true;
	if (eoi && s->ring.irq >= 0) {
		/*
		 * Linux keeps the channel masked for a growing delay (1, 2,
		 * 4... jiffies, up to 1 s) from the second spurious EOI in a
		 * row on; count those, they stall the socket.
		 */
		if (!s->ring.worked && s->ring.last_spurious)
			atomic64_inc(&pvcb_stats.delayed_eois);
		s->ring.last_spurious = !s->ring.worked;
		if (!s->ring.worked)
			atomic64_inc(&pvcb_stats.spurious_eois);
		atomic64_inc(&pvcb_stats.data_eois);
		xen_irq_lateeoi(s->ring.irq,
				s->ring.worked ? 0 : XEN_EOI_FLAG_SPURIOUS);
		s->ring.worked = false;
	}
out:
	mutex_unlock(&s->lock);
}

struct pvcb_sock *pvcb_sock_alloc(struct pvcb_frontend *fe, u64 id,
				  struct socket *sock)
{
	struct pvcb_sock *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->id = id;
	s->fe = fe;
	s->sock = sock;
	s->state = PVCB_NEW;
	s->ring.irq = -1;
	spin_lock_init(&s->ring.in_lock);
	mutex_init(&s->lock);
	INIT_WORK(&s->work, pvcb_sock_work);
	INIT_HLIST_NODE(&s->node);
	atomic_inc(&pvcb_stats.sockets);
	return s;
}

/*
 * A socket for a connection that a listener's work accepts.  Its work
 * and its lock get lockdep classes of their own (INIT_WORK() makes one
 * per call site): when the setup fails, the listener's work, holding
 * the listener's lock, cancels the accepted socket's work, which takes
 * the accepted socket's lock.  In the listener's classes that reads as
 * a work waiting for itself and as a lock cycle.  Neither is there: the
 * accepted socket's work never takes the listener's lock, and the
 * workqueue runs the two works concurrently (WQ_UNBOUND).
 */
struct pvcb_sock *pvcb_sock_alloc_accepted(struct pvcb_frontend *fe, u64 id,
					   struct socket *sock)
{
	static struct lock_class_key accepted_lock;
	struct pvcb_sock *s = pvcb_sock_alloc(fe, id, sock);

	if (s) {
		INIT_WORK(&s->work, pvcb_sock_work);
		lockdep_set_class(&s->lock, &accepted_lock);
	}
	return s;
}

/* Under fe->lock. */
struct pvcb_sock *pvcb_sock_lookup(struct pvcb_frontend *fe, u64 id)
{
	struct pvcb_sock *s;

	lockdep_assert_held(&fe->lock);
	hash_for_each_possible(fe->socks, s, node, id)
		if (s->id == id)
			return s;
	return NULL;
}

bool pvcb_id_in_use(struct pvcb_frontend *fe, u64 id)
{
	bool used;

	mutex_lock(&fe->lock);
	used = pvcb_sock_lookup(fe, id);
	mutex_unlock(&fe->lock);
	return used;
}

/*
 * Make @s visible to commands.  After this the caller must not touch
 * @s: a RELEASE may free it at once.  On error @s is still the caller's.
 */
int pvcb_sock_insert(struct pvcb_frontend *fe, struct pvcb_sock *s)
{
	int err = 0;

	mutex_lock(&fe->lock);
	if (fe->nr_socks >= pvcb_max_sockets)
		err = -EMFILE;
	else if (pvcb_sock_lookup(fe, s->id))
		err = -EEXIST;
	if (!err) {
		hash_add(fe->socks, &s->node, s->id);
		fe->nr_socks++;
	}
	mutex_unlock(&fe->lock);
	return err;
}

/*
 * Under fe->lock: take @s out of the table.  It still counts against
 * pvcb_max_sockets until pvcb_sock_uncount(), once it is freed.
 */
void pvcb_sock_unlist(struct pvcb_frontend *fe, struct pvcb_sock *s)
{
	lockdep_assert_held(&fe->lock);
	hash_del(&s->node);
}

void pvcb_sock_uncount(struct pvcb_frontend *fe)
{
	mutex_lock(&fe->lock);
	fe->nr_socks--;
	mutex_unlock(&fe->lock);
}

/* Under fe->lock: out of the table, and no longer counted. */
void pvcb_sock_unhash(struct pvcb_frontend *fe, struct pvcb_sock *s)
{
	pvcb_sock_unlist(fe, s);
	fe->nr_socks--;
}

/* Under fe->lock: take any socket out of the table, or NULL if empty. */
struct pvcb_sock *pvcb_sock_unhash_any(struct pvcb_frontend *fe)
{
	struct pvcb_sock *s;
	unsigned int bkt;

	hash_for_each(fe->socks, bkt, s, node) {
		pvcb_sock_unhash(fe, s);
		return s;
	}
	return NULL;
}

/*
 * sk_user_data carries SK_USER_DATA_NOCOPY so that connections cloned
 * from a listening socket do not inherit a pointer to it.  The extra
 * check that s owns @sk covers any other inheritance.
 */
static struct pvcb_sock *pvcb_sk_owner(struct sock *sk)
{
	uintptr_t v = (uintptr_t)sk->sk_user_data;
	struct pvcb_sock *s = (struct pvcb_sock *)(v & ~SK_USER_DATA_NOCOPY);

	if (!s || s->sock->sk != sk)
		return NULL;
	return s;
}

/*
 * Bytes that fit in an ACTIVE socket's in[] are copied here, where
 * notify-mitigation is in force (dring.c); the work is queued for the
 * rest, and for everything else.
 */
static void pvcb_sk_data_ready(struct sock *sk)
{
	struct pvcb_sock *s;

	read_lock_bh(&sk->sk_callback_lock);
	s = pvcb_sk_owner(sk);
	if (s && !pvcb_dring_fill_direct(s))
		queue_work(pvcb_wq, &s->work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void pvcb_sk_write_space(struct sock *sk)
{
	void (*saved)(struct sock *sk) = NULL;
	struct pvcb_sock *s;

	read_lock_bh(&sk->sk_callback_lock);
	s = pvcb_sk_owner(sk);
	if (s) {
		saved = s->saved_write_space;
		queue_work(pvcb_wq, &s->work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	/*
	 * The stock TCP write_space clears SOCK_NOSPACE; without it TCP
	 * keeps calling us on every ACK.
	 */
	if (saved)
		saved(sk);
}

static void pvcb_sk_state_change(struct sock *sk)
{
	struct pvcb_sock *s;

	/* connect completion, peer FIN or reset: the work looks at it */
	read_lock_bh(&sk->sk_callback_lock);
	s = pvcb_sk_owner(sk);
	if (s)
		queue_work(pvcb_wq, &s->work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Route the socket's events to s->work.  @parent is the listening
 * socket @s was accepted from, or NULL: an accepted sk is a clone of
 * its listener and already carries our callbacks, so the callbacks to
 * restore later are the listener's saved ones, not the current ones.
 */
void pvcb_sock_install_callbacks(struct pvcb_sock *s, struct pvcb_sock *parent)
{
	struct sock *sk = s->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (!s->cb_installed) {
		if (parent && sk->sk_data_ready == pvcb_sk_data_ready) {
			s->saved_data_ready = parent->saved_data_ready;
			s->saved_write_space = parent->saved_write_space;
			s->saved_state_change = parent->saved_state_change;
		} else {
			s->saved_data_ready = sk->sk_data_ready;
			s->saved_write_space = sk->sk_write_space;
			s->saved_state_change = sk->sk_state_change;
		}
		sk->sk_user_data = (void *)((uintptr_t)s | SK_USER_DATA_NOCOPY);
		sk->sk_data_ready = pvcb_sk_data_ready;
		sk->sk_write_space = pvcb_sk_write_space;
		sk->sk_state_change = pvcb_sk_state_change;
		s->cb_installed = true;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

static void pvcb_sock_restore_callbacks(struct pvcb_sock *s)
{
	struct sock *sk = s->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (s->cb_installed) {
		sk->sk_data_ready = s->saved_data_ready;
		sk->sk_write_space = s->saved_write_space;
		sk->sk_state_change = s->saved_state_change;
		sk->sk_user_data = NULL;
		s->cb_installed = false;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * @s is being released and its work is cancelled: answer the requests
 * still outstanding on it (with @respond), then forget them.
 */
static void pvcb_sock_abort_requests(struct pvcb_sock *s, bool respond)
{
	struct pvcb_frontend *fe = s->fe;

	if (s->connect_pending) {
		s->connect_pending = false;
		if (respond)
			pvcb_respond(fe, s->connect_req_id, PVC_CMD_CONNECT,
				     s->id, -ECONNABORTED);
	}
	if (s->accept_pending) {
		s->accept_pending = false;
		if (respond)
			pvcb_respond(fe, s->accept_req.req_id, PVC_CMD_ACCEPT,
				     s->id, -ECONNABORTED);
	}
	if (s->poll_pending) {
		s->poll_pending = false;
		if (respond)
			pvcb_respond(fe, s->poll_req_id, PVC_CMD_POLL, s->id,
				     -ECONNABORTED);
	}
}

/*
 * Free a socket that is no longer in the table (or never was).  With
 * @respond, requests of @s still outstanding are answered with an error
 * first; RELEASE wants that, disconnect does not (the frontend is gone).
 * May run under the lock of the listener @s was accepted from.
 */
void pvcb_sock_destroy(struct pvcb_sock *s, bool respond)
{
	bool keep;

	/* 1. the work stops doing anything from its next run */
	mutex_lock(&s->lock);
	s->dead = true;
	/* only a connected socket's ring is whole and worth keeping */
	keep = s->release_reuse && s->state == PVCB_ACTIVE;
	mutex_unlock(&s->lock);

	/* 2. nothing can queue s->work any more once these are done */
	if (s->sock)
		pvcb_sock_restore_callbacks(s);
	pvcb_dring_unbind(s);

	/* 3. wait for a run in progress; none can start after this */
	cancel_work_sync(&s->work);

	pvcb_sock_abort_requests(s, respond);

	pvcb_dring_unmap(s, keep);
	if (s->sock)
		sock_release(s->sock);
	pvcb_set_state(s, PVCB_NEW, NULL);
	atomic_dec(&pvcb_stats.sockets);
	kfree(s);
}

/* Disconnect: free every socket of @fe.  Commands are stopped already. */
void pvcb_release_all(struct pvcb_frontend *fe)
{
	struct pvcb_sock *s;

	/*
	 * Destroying a listener cancels its work, the only thing that can
	 * add sockets now (a completing accept), so this terminates.
	 */
	for (;;) {
		mutex_lock(&fe->lock);
		s = pvcb_sock_unhash_any(fe);
		mutex_unlock(&fe->lock);
		if (!s)
			break;
		pvcb_sock_destroy(s, false);
	}
}
