// SPDX-License-Identifier: GPL-2.0
/*
 * The data ring of a socket: mapping its indexes page and data ring,
 * its event channel, and the data pump between the ring and the kernel
 * socket.  The backend's counterpart of frontend/dataring.c; CONNECT
 * (active.c) and ACCEPT (passive.c) map rings here, and an ACTIVE
 * socket's work is pvcb_dring_pump().
 *
 * Shared indexes page (struct pvc_indexes): we own in_prod, in_error,
 * out_cons and out_error; the frontend owns in_cons and out_prod.  We
 * keep private copies of the indexes we own and never read them back,
 * and every index the frontend owns is checked with pvc_ring_readable()
 * or pvc_ring_writable() before it is used: an impossible one stops the
 * socket (both errors set to -EIO) and never leads to a copy.
 *
 * Barriers mirror the frontend's (the spec's "Workflow" section):
 *   out ring (we consume): read out_prod, virt_rmb, read out[], virt_mb,
 *     write out_cons.
 *   in ring (we produce):  read in_cons, virt_mb, write in[], virt_wmb,
 *     write in_prod; and in_prod before in_error.
 *
 * notify-mitigation (Documentation/notify-mitigation.rst), when the
 * frontend accepted it: after moving in_prod or out_cons we signal only
 * if the frontend armed in_prod_event or out_cons_event for it (notify.h
 * decides; full barriers P1/C1), and before the work stops for lack of
 * data in out[] or of space in in[] it arms out_prod_event at the
 * next byte or in_cons_event at half a ring free, full barrier (C2/P2),
 * and looks again.  Errors are always signalled.  Without the
 * extension no event index is read or written and every run that moved
 * data signals, as in v1.  The work item is the only waiter per
 * direction on this side.
 *
 * Filling in[] from sk_data_ready: once a socket is ACTIVE, the bytes
 * that arrive are copied into in[] by sk_data_ready itself, in softirq
 * (tcp_read_sock()), and published with the same barriers and the same
 * signalling rule; the work runs only for what that path leaves: a
 * full in[], end of file, errors, and the frontend's moves of in_cons.
 * r->in_lock makes the two take turns (struct pvcb_dring).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <xen/events.h>

#include "pvcalls-back.h"
#include "validate.h"

/* Pump rounds per run before the work yields the CPU. */
#define PVCB_PUMP_ROUNDS	16

/* Counters: one writer each, read racily by debugfs. */
static void pvcb_add(u64 *c, u64 n)
{
	WRITE_ONCE(*c, *c + n);
}

static void pvcb_count(u64 *c)
{
	pvcb_add(c, 1);
}

/* Counters only: which direction the frontend moved since the last event. */
static void pvcb_data_irq_count(struct pvcb_dring *r)
{
	/* NULL until pvcb_dring_map() publishes it, after the bind */
	struct pvc_indexes *intf = READ_ONCE(r->intf);
	u32 out_prod, in_cons;

	atomic64_inc(&pvcb_stats.notify.data_events_received);
	if (!intf)
		return;
	out_prod = READ_ONCE(intf->out_prod);
	in_cons = READ_ONCE(intf->in_cons);
	if (out_prod != r->irq_out_prod)
		pvcb_count(&r->st_out.events_received);
	if (in_cons != r->irq_in_cons)
		pvcb_count(&r->st_in.events_received);
	r->irq_out_prod = out_prod;
	r->irq_in_cons = in_cons;
}

/*
 * The channel's handler: dev_id is the ringmap (ringmap.c), whose owner
 * is the socket using it, or NULL while it waits in the cache, and then
 * the event is nobody's.
 */
static irqreturn_t pvcb_data_irq(int irq, void *dev_id)
{
	struct pvcb_ringmap *m = dev_id;
	struct pvcb_sock *s;

	atomic64_inc(&pvcb_stats.events);
	spin_lock(&m->owner_lock);
	s = m->owner;
	if (s) {
		/* the late EOI is sent by the socket work once it has run */
		pvcb_data_irq_count(&s->ring);
		atomic_set(&s->ring.eoi_pending, 1);
		queue_work(pvcb_wq, &s->work);
	}
	spin_unlock(&m->owner_lock);
	if (!s) {
		atomic64_inc(&pvcb_stats.spurious_eois);
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
	}
	return IRQ_HANDLED;
}

/*
 * Give @s the ring of indexes page @ref and channel @evtchn: a cached
 * one that still matches, or a new mapping (ringmap.c).  Either way the
 * indexes are read anew and nothing is armed.  Under s->lock (or before
 * @s is visible).  On error nothing is left mapped or bound for @s.
 */
int pvcb_dring_map(struct pvcb_sock *s, u32 ref, u32 evtchn)
{
	struct pvcb_dring *r = &s->ring;
	struct pvcb_ringmap *m;
	struct pvc_indexes *intf;
	int err;

	m = pvcb_ringmap_get(s->fe, ref, evtchn, pvcb_data_irq, &err);
	if (!m)
		return err;
	intf = m->intf;
	r->map = m;
	r->order = m->order;
	r->size = pvc_ring_size(m->order);
	r->irq = m->irq;
	r->in_prod = READ_ONCE(intf->in_prod);
	r->out_cons = READ_ONCE(intf->out_cons);
	/* where the frontend's in_cons starts: it moves forward from here */
	r->last_in_cons = READ_ONCE(intf->in_cons);
	r->worked = false;
	r->last_spurious = false;
	r->in_done = false;
	r->out_done = false;
	r->notify = s->fe->notify;
	r->out_prod_armed.valid = false;
	r->in_cons_armed.valid = false;
	atomic_set(&r->eoi_pending, 0);
	memset(&r->st_in, 0, sizeof(r->st_in));
	memset(&r->st_out, 0, sizeof(r->st_out));
	WRITE_ONCE(r->intf, intf);
	/* from here the channel's events are s's */
	pvcb_ringmap_set_owner(m, s);
	return 0;
}

/* After this the channel's handler no longer queues s's work. */
void pvcb_dring_unbind(struct pvcb_sock *s)
{
	if (s->ring.map)
		pvcb_ringmap_set_owner(s->ring.map, NULL);
}

/*
 * Undo pvcb_dring_map: the ring goes to the frontend's cache (@keep,
 * for a RELEASE with reuse; ringmap.c decides whether there is room) or
 * is unmapped.  A cached ring's channel stays bound, so the late EOI of
 * an event s's work took but did not answer is sent here: s's work is
 * cancelled by now.  Idempotent.
 */
void pvcb_dring_unmap(struct pvcb_sock *s, bool keep)
{
	struct pvcb_dring *r = &s->ring;
	struct pvcb_ringmap *m = r->map;

	if (!m)
		return;
	pvcb_dring_unbind(s);
	if (atomic_xchg(&r->eoi_pending, 0) && keep)
		xen_irq_lateeoi(m->irq, 0);
	r->map = NULL;
	r->intf = NULL;
	r->irq = -1;
	pvcb_ringmap_put(s->fe, m, keep);
}

/*
 * The frontend broke the ring protocol on this socket: stop the socket,
 * not the device.  The kernel socket stays until RELEASE.
 */
static void pvcb_dring_broken(struct pvcb_sock *s)
{
	struct pvcb_dring *r = &s->ring;

	spin_lock_bh(&r->in_lock);	/* sk_data_ready may be filling in[] */
	r->in_done = true;
	WRITE_ONCE(r->intf->in_error, -EIO);
	spin_unlock_bh(&r->in_lock);
	r->out_done = true;
	WRITE_ONCE(r->intf->out_error, -EIO);
	atomic64_inc(&pvcb_stats.protocol_errors);
	if (pvcb_log_ok(s->fe))
		dev_warn(&s->fe->dev->dev,
			 "socket %llu: impossible data ring index, socket stopped\n",
			 (unsigned long long)s->id);
}

/*
 * Most kvecs one socket call takes: 32 pages (all of one direction of
 * a default order-4 ring, which needs 8 + 2 with the unaligned start and
 * the wrap), 512 bytes of stack.  A larger ring moves in more calls.
 */
#define PVCB_MAX_VEC	34

/*
 * Describe @len bytes at free-running index @idx of the direction that
 * starts at byte @base of the data ring, as kvecs that each stay inside
 * one mapped page.  Returns the number of kvecs; *@total is the bytes
 * they cover: all of @len, or what PVCB_MAX_VEC kvecs hold.
 */
static int pvcb_ring_vec(const struct pvcb_dring *r, u32 base, u32 idx,
			 u32 len, struct kvec *vec, u32 *total)
{
	struct pvc_ring_span sp;
	int piece, n = 0;

	*total = 0;
	pvc_ring_span(idx, len, r->size, &sp);
	for (piece = 0; piece < 2; piece++) {
		u32 off = base + sp.off[piece];
		u32 left = sp.len[piece];

		while (left && n < PVCB_MAX_VEC) {
			u32 chunk = min_t(u32, left,
					  PAGE_SIZE - (off & ~PAGE_MASK));

			vec[n].iov_base = pvcb_gmap_addr(&r->map->dmap, off);
			vec[n].iov_len = chunk;
			n++;
			*total += chunk;
			off += chunk;
			left -= chunk;
		}
	}
	return n;
}

/*
 * Arm event index @field at @val for a wait, unless an earlier wait of
 * this socket already left @val there (@armed).  That
 * store was followed by virt_mb(), so the caller's read of the peer's
 * index, made after it, is already ordered after the store: storing
 * it again would only repeat the barrier.  A stream that only moves one
 * way finds the other direction empty at every run, and re-arming it
 * each time cost a full barrier and a write to the shared page per
 * run.  Returns true when it stored: the caller issues the barrier and
 * reads the peer's index again.  A frontend that overwrites our field
 * only delays its own wake-ups.
 */
static bool pvcb_arm(u32 *field, u32 val, struct pvcb_armed *armed)
{
	if (armed->valid && armed->val == val)
		return false;
	armed->val = val;
	armed->valid = true;
	WRITE_ONCE(*field, val);
	atomic64_inc(&pvcb_stats.notify.data_event_waits);
	return true;
}

/*
 * We moved our index of a direction (in_prod or out_cons) from @old to
 * @new and published it: must the frontend hear of it?  In v1 always;
 * with notify-mitigation only when the move crossed the frontend's
 * event index @event (in_prod_event or out_cons_event).
 */
static bool pvcb_must_signal(struct pvcb_dring *r, u32 old, u32 new,
			     const u32 *event)
{
	if (!r->notify)
		return true;
	/*
	 * Our index before the frontend's event index (P1 after in_prod,
	 * C1 after out_cons): pairs with the frontend's virt_mb() between
	 * arming that event index and re-reading our index (C2, P2).
	 * Either it sees our move or we see its event index.
	 */
	virt_mb();
	if (pvc_notify_crossed(old, new, READ_ONCE(*event)))
		return true;
	atomic64_inc(&pvcb_stats.notify.data_events_suppressed);
	return false;
}

/*
 * out_prod and the bytes it covers: 0 and *@avail, or -EPROTO on an
 * impossible out_prod.
 */
static int pvcb_out_avail(struct pvcb_dring *r, u32 *avail)
{
	u32 prod = READ_ONCE(r->intf->out_prod);

	/*
	 * Read out[] only after out_prod (CR): pairs with the frontend's
	 * virt_wmb() between writing out[] and advancing out_prod (PW).
	 */
	virt_rmb();
	if (pvc_ring_readable(prod, r->out_cons, r->size, avail))
		return -EPROTO;
	return 0;
}

/*
 * out ring -> socket.  Returns bytes moved, 0 when nothing (more) can
 * move now, -EPROTO on an impossible out_prod.
 */
static int pvcb_pump_out(struct pvcb_sock *s, bool *notify)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct pvcb_dring *r = &s->ring;
	struct kvec vec[PVCB_MAX_VEC];
	u32 avail, old;
	int n, ret;

	if (r->out_done)
		return 0;
	if (pvcb_out_avail(r, &avail))
		return -EPROTO;
	if (!avail) {
		pvcb_count(&r->st_out.empty);
		atomic64_inc(&pvcb_stats.notify.ring_empty);
		/* wait for the next byte: out[] is empty, out_cons + 1 */
		if (!r->notify ||
		    !pvcb_arm(&r->intf->out_prod_event,
			      pvc_notify_prod_event(r->out_cons, 1, r->size),
			      &r->out_prod_armed))
			return 0;
		/*
		 * out_prod_event before re-reading out_prod (C2): pairs with
		 * the frontend's virt_mb() between moving out_prod and
		 * reading out_prod_event (P1).  Either it sees our index and
		 * signals, or we see its bytes here.
		 */
		virt_mb();
		if (pvcb_out_avail(r, &avail))
			return -EPROTO;
		if (!avail)
			return 0;
	}

	n = pvcb_ring_vec(r, r->size, r->out_cons, avail, vec, &avail);
	ret = kernel_sendmsg(s->sock, &msg, vec, n, avail);
	if (ret == -EAGAIN || ret == 0)
		return 0;	/* sk_write_space requeues the work */
	if (ret < 0) {
		/* no data of ours to order against: just publish */
		WRITE_ONCE(r->intf->out_error, ret);
		r->out_done = true;
		*notify = true;
		return 0;
	}
	/*
	 * Finish reading out[] before the frontend may overwrite it (CM):
	 * pairs with the frontend's barrier between reading out_cons and
	 * writing out[] (PM).
	 */
	virt_mb();
	old = r->out_cons;
	r->out_cons += ret;
	WRITE_ONCE(r->intf->out_cons, r->out_cons);
	pvcb_add(&r->st_out.bytes, ret);
	if (pvcb_must_signal(r, old, r->out_cons, &r->intf->out_cons_event))
		*notify = true;
	return ret;
}

/*
 * in_cons and the space it leaves: 0 and *@space, or -EPROTO on an
 * impossible in_cons.  in_cons only ever moves forward: a move back
 * would hand us bytes we gave away already, and a frontend moving it
 * back and forth would make every event look like progress (*@moved)
 * to the spurious-event accounting.
 */
static int pvcb_in_space(struct pvcb_dring *r, u32 *space, bool *moved)
{
	u32 cons = READ_ONCE(r->intf->in_cons);

	/*
	 * Overwrite in[] only after the frontend is done reading it (PM):
	 * pairs with the frontend's virt_mb() between reading in[] and
	 * advancing in_cons (CM).
	 */
	virt_mb();
	if (pvc_ring_writable(r->in_prod, cons, r->size, space) ||
	    (s32)(cons - r->last_in_cons) < 0)
		return -EPROTO;
	/* a move sk_data_ready saw counts here, for the late EOI */
	if (cons != r->last_in_cons || r->in_cons_moved) {
		r->last_in_cons = cons;
		r->in_cons_moved = false;
		*moved = true;
	}
	return 0;
}

/*
 * Would a read of @sk only say -EAGAIN?  Nothing queued, and no end of
 * file or error to report.  Data that lands in the backlog while
 * someone owns the socket reaches the receive queue when the owner
 * releases it, and sk_data_ready queues the work then; every arrival
 * after this look is copied by sk_data_ready or queues the work:
 * skipping the read loses nothing.
 */
static bool pvcb_sock_idle(struct sock *sk)
{
	return skb_queue_empty_lockless(&sk->sk_receive_queue) &&
	       !READ_ONCE(sk->sk_err) &&
	       !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/*
 * @n bytes were just copied into in[] after in_prod: publish them.
 * Returns whether the frontend must be signalled for them.
 */
static bool pvcb_in_publish(struct pvcb_dring *r, u32 n)
{
	u32 old = r->in_prod;

	/*
	 * in[] before in_prod (PW): pairs with the frontend's virt_rmb()
	 * between reading in_prod and reading in[] (CR).
	 */
	virt_wmb();
	r->in_prod += n;
	WRITE_ONCE(r->intf->in_prod, r->in_prod);
	pvcb_add(&r->st_in.bytes, n);
	return pvcb_must_signal(r, old, r->in_prod, &r->intf->in_prod_event);
}

/*
 * socket -> in ring, the work's way, while it holds the in direction's
 * turn.  Returns bytes moved, 0 when nothing (more) can move now,
 * -EPROTO on an impossible in_cons.
 */
static int pvcb_pump_in_turn(struct pvcb_sock *s, bool *notify, bool *moved)
{
	struct msghdr msg = { };
	struct pvcb_dring *r = &s->ring;
	struct kvec vec[PVCB_MAX_VEC];
	u32 space;
	int n, ret;

	if (r->in_done)
		return 0;
	if (pvcb_in_space(r, &space, moved))
		return -EPROTO;
	if (pvcb_sock_idle(s->sock->sk))
		return 0;
	if (!space) {
		pvcb_count(&r->st_in.full);
		atomic64_inc(&pvcb_stats.notify.ring_full);
		if (!r->notify)
			return 0;	/* the frontend signals every read */
		/*
		 * Wait for half the ring (want size / 2): the work is the
		 * only waiter for space in in[], and a frontend that reads
		 * in small pieces would otherwise send an event for each.
		 */
		if (!pvcb_arm(&r->intf->in_cons_event,
			      pvc_notify_cons_event(r->in_prod, r->size / 2,
						    r->size),
			      &r->in_cons_armed))
			return 0;
		/*
		 * in_cons_event before re-reading in_cons (P2): pairs with
		 * the frontend's virt_mb() between moving in_cons and
		 * reading in_cons_event (C1).
		 */
		virt_mb();
		if (pvcb_in_space(r, &space, moved))
			return -EPROTO;
		if (!space)
			return 0;
	}

	n = pvcb_ring_vec(r, 0, r->in_prod, space, vec, &space);
	ret = kernel_recvmsg(s->sock, &msg, vec, n, space, MSG_DONTWAIT);
	if (ret == -EAGAIN)
		return 0;	/* sk_data_ready fills or requeues */
	if (ret > 0) {
		if (pvcb_in_publish(r, ret))
			*notify = true;
		return ret;
	}
	/*
	 * 0 is the peer's orderly shutdown: -ENOTCONN by the spec; else an
	 * error such as -ECONNRESET.  Either way all data is already
	 * published, and in_prod must be visible before in_error (EW): pairs
	 * with the frontend's virt_rmb() between reading in_error and
	 * in_prod (ER).  An error is always signalled, extension or not.
	 */
	virt_wmb();
	WRITE_ONCE(r->intf->in_error, ret ? ret : -ENOTCONN);
	r->in_done = true;
	*notify = true;
	return 0;
}

/* Take or give back the in direction's turn (see struct pvcb_dring). */
static void pvcb_in_turn(struct pvcb_dring *r, bool take)
{
	spin_lock_bh(&r->in_lock);
	r->in_filling = take;
	spin_unlock_bh(&r->in_lock);
}

/*
 * socket -> in ring from the work.  While it holds the turn,
 * sk_data_ready only queues the work, which then runs once more.
 */
static int pvcb_pump_in(struct pvcb_sock *s, bool *notify, bool *moved)
{
	int ret;

	pvcb_in_turn(&s->ring, true);
	ret = pvcb_pump_in_turn(s, notify, moved);
	pvcb_in_turn(&s->ring, false);
	return ret;
}

/* tcp_read_sock() actor: copy from @skb into in[] after what is copied. */
static int pvcb_fill_actor(read_descriptor_t *desc, struct sk_buff *skb,
			   unsigned int offset, size_t len)
{
	struct pvcb_dring *r = desc->arg.data;
	struct kvec vec[PVCB_MAX_VEC];
	u32 want = min_t(size_t, len, desc->count), total;
	int i, n;

	if (!want)
		return 0;
	n = pvcb_ring_vec(r, 0, r->in_prod + desc->written, want, vec, &total);
	for (i = 0; i < n; i++) {
		if (skb_copy_bits(skb, offset, vec[i].iov_base, vec[i].iov_len))
			return -EFAULT;	/* cannot happen: len is in @skb */
		offset += vec[i].iov_len;
	}
	desc->written += total;
	desc->count -= total;
	return total;
}

/*
 * sk_data_ready of an ACTIVE socket, in softirq with the socket's
 * spinlock held and no owner: copy what fits into in[] and publish it,
 * as the work would, without waking the work.  Returns true when
 * nothing is left for the work: the receive queue is empty and there
 * is no end of file or error to report.  Anything unusual (the work
 * holds the turn, an owner, in[] full, an impossible in_cons, urgent
 * data) returns false, and the work does it as before.  in_cons is
 * checked by pvcb_in_space(), as the work checks it, and a move is left
 * for the work's spurious-event accounting (in_cons_moved).  Only with
 * notify-mitigation: in v1 each copy here would be one event, where one
 * work run sends one for all it moved.
 */
bool pvcb_dring_fill_direct(struct pvcb_sock *s)
{
	struct pvcb_dring *r = &s->ring;
	struct sock *sk = s->sock->sk;
	read_descriptor_t desc = { .arg.data = r };
	bool done = false, moved = false;
	u32 space;
	int copied;

	/* pairs with pvcb_sock_activate(): the ring's fields are set */
	if (!smp_load_acquire(&r->direct) || sock_owned_by_user_nocheck(sk))
		return false;
	/* BH is off: the caller holds sk_callback_lock with read_lock_bh() */
	spin_lock(&r->in_lock);
	if (r->in_filling || r->in_done)
		goto out;
	if (pvcb_in_space(r, &space, &moved))
		goto out;
	/* the move stays noted for the work's late-EOI accounting */
	r->in_cons_moved = moved;
	if (!space)
		goto out;
	desc.count = space;
	copied = tcp_read_sock(sk, &desc, pvcb_fill_actor);
	if (copied > 0 && pvcb_in_publish(r, copied)) {
		notify_remote_via_irq(r->irq);
		atomic64_inc(&pvcb_stats.notify.data_events_sent);
		pvcb_count(&r->st_in.events_sent);
	}
	done = pvcb_sock_idle(sk);
out:
	spin_unlock(&r->in_lock);
	return done;
}

/*
 * One event for the directions flagged in *@out and *@in, if any; the
 * flags are cleared.  Returns whether it sent one.
 */
static bool pvcb_dring_signal(struct pvcb_dring *r, bool *out, bool *in)
{
	if (!*out && !*in)
		return false;
	notify_remote_via_irq(r->irq);
	atomic64_inc(&pvcb_stats.notify.data_events_sent);
	/* one event may serve both directions: counted in each */
	if (*out)
		pvcb_count(&r->st_out.events_sent);
	if (*in) {
		/* sk_data_ready counts there too, under the lock */
		spin_lock_bh(&r->in_lock);
		pvcb_count(&r->st_in.events_sent);
		spin_unlock_bh(&r->in_lock);
	}
	*out = false;
	*in = false;
	return true;
}

/*
 * The work of an ACTIVE socket, under s->lock: move data both ways
 * until nothing moves.  With notify-mitigation a move only asks for an
 * event when it crossed the index the frontend armed, that is when the
 * frontend waits for it: the event goes at once, and the frontend works
 * while this loop goes on.  In v1 every move asks for one, and one
 * event after the loop serves them all.  Returns whether anything
 * moved.
 */
bool pvcb_dring_pump(struct pvcb_sock *s)
{
	bool notify_out = false, notify_in = false, moved = false;
	struct pvcb_dring *r = &s->ring;
	bool signalled = false;
	int out, in, round;

	for (round = 0; round < PVCB_PUMP_ROUNDS; round++) {
		out = pvcb_pump_out(s, &notify_out);
		in = pvcb_pump_in(s, &notify_in, &moved);
		if (out < 0 || in < 0) {
			pvcb_dring_broken(s);
			notify_out = true;
			notify_in = true;
			break;
		}
		if (out || in)
			moved = true;
		if (!out && !in)
			break;
		if (r->notify)
			signalled |= pvcb_dring_signal(r, &notify_out,
						       &notify_in);
	}
	if (round == PVCB_PUMP_ROUNDS)
		pvcb_sock_kick(s);	/* more to do: yield, then go on */
	signalled |= pvcb_dring_signal(r, &notify_out, &notify_in);
	return signalled || moved;
}
