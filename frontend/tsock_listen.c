// SPDX-License-Identifier: GPL-2.0
/*
 * Listening transport sockets: accept and readiness.
 *
 * v1 lets at most one PVC_CMD_ACCEPT or PVC_CMD_POLL be outstanding on
 * a passive socket, and the backend answers an accept only once a
 * connection has arrived.  So a listener runs a small state machine
 * (enum pvcf_lstate):
 *
 *   IDLE --poll()/nonblocking accept--> POLLING --answer--> READY
 *   IDLE or READY --accept--> ACCEPTING --answer--> DONE --taken--> IDLE
 *
 * A blocking accept sends ACCEPT straight away; a nonblocking one (and
 * poll/epoll) sends POLL to learn that a connection is waiting, then
 * ACCEPT, which the backend can answer at once.  The child socket of an
 * ACCEPT (its ring granted to the backend) belongs to the listener until
 * taken; an accept interrupted by a signal leaves it there for the next
 * call.  On close, the backend answers the outstanding accept or poll
 * (ECONNABORTED) before it answers RELEASE; until that answer (or the
 * device going away) the command keeps its slot, the listener and the
 * child with its granted ring, since the backend may still accept a
 * connection into them.  The answer then releases the child.
 */
#include <linux/module.h>

#include "front.h"

static void pvcf_poll_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx;

	spin_lock_irq(&t->lock);
	if (t->l.state == PVCF_L_POLLING) {
		if (!rsp->ret) {
			t->l.state = PVCF_L_READY;
		} else {
			t->l.state = PVCF_L_IDLE;
			if (!t->releasing)
				t->l.err = rsp->ret < 0 && rsp->ret >= -MAX_ERRNO ?
					rsp->ret : -EIO;
		}
	}
	spin_unlock_irq(&t->lock);
	pvcf_event(t, PVCALLS_EV_RX, 0);
	pvcf_put(t);
}

static void pvcf_accept_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx, *drop = NULL, *c;
	bool names = !rsp->ret && pvcf_socket_names();

	spin_lock_irq(&t->lock);
	c = t->l.child;
	if (t->l.state == PVCF_L_ACCEPTING && c) {
		/* one lockdep class: listener then child (front.h) */
		spin_lock_nested(&c->lock, SINGLE_DEPTH_NESTING);
		if (!rsp->ret && !t->releasing) {
			c->state = PVCF_CONNECTED;
			if (names)
				pvcf_names_read_locked(c);
			t->l.state = PVCF_L_DONE;
		} else {
			t->l.child = NULL;
			t->l.state = PVCF_L_IDLE;
			drop = c;
			/* a failed accept left nothing at the backend */
			if (rsp->ret)
				c->sock_sent = false;
			if (rsp->ret && !t->releasing)
				t->l.err = rsp->ret < 0 &&
					rsp->ret >= -MAX_ERRNO ? rsp->ret : -EIO;
		}
		spin_unlock(&c->lock);
	}
	spin_unlock_irq(&t->lock);
	if (drop)
		pvcf_destroy_async(drop);
	pvcf_event(t, PVCALLS_EV_RX, 0);
	pvcf_put(t);
}

/* Send POLL for @t, now in POLLING; back to IDLE if it cannot go out. */
static int pvcf_send_poll(struct pvcalls_endpoint *t, bool may_sleep)
{
	struct pvc_request req;
	int ret;

	pvcf_req_init(&req, PVC_CMD_POLL);
	req.u.poll.id = t->id;
	ret = pvcf_submit(t, &req, pvcf_poll_done, may_sleep, NULL);
	if (ret) {
		spin_lock_irq(&t->lock);
		t->l.state = PVCF_L_IDLE;
		spin_unlock_irq(&t->lock);
	}
	return ret;
}

static void pvcf_poll_work(struct work_struct *work)
{
	struct pvcalls_endpoint *t = container_of(work, struct pvcalls_endpoint,
					       l.poll_work);
	bool go;
	int ret;

	spin_lock_irq(&t->lock);
	go = t->l.state == PVCF_L_IDLE && !t->releasing && !t->l.err &&
		!t->dead;
	if (go)
		t->l.state = PVCF_L_POLLING;
	spin_unlock_irq(&t->lock);
	if (go) {
		ret = pvcf_send_poll(t, true);
		/* no slot for a while: a poller asks again, and kicks us */
		if (ret == -ETIMEDOUT)
			pvcf_event(t, PVCALLS_EV_RX, 0);
	}
	pvcf_put(t);
}

/* Ask for readiness in the background; never sleeps. */
static void pvcf_kick_poll(struct pvcalls_endpoint *t)
{
	kref_get(&t->ref);
	if (!queue_work(pvcf_front.sock_wq, &t->l.poll_work))
		pvcf_put(t);	/* already queued: not the last reference */
}

static int pvcf_start_accept(struct pvcalls_endpoint *t, enum pvcf_lstate was)
{
	struct pvc_request req;
	struct pvcalls_endpoint *c;
	int ret;

	pvcf_req_init(&req, PVC_CMD_ACCEPT);
	c = pvcf_alloc();
	if (!c) {
		ret = -ENOMEM;
		goto fail;
	}
	c->ring_bytes = READ_ONCE(t->ring_bytes);
	ret = pvcf_ring_setup(c);
	if (ret)
		goto fail_child;
	c->sock_sent = true;	/* the backend creates it on accept */
	c->state = PVCF_NEW;
	req.u.accept.id = t->id;
	req.u.accept.id_new = c->id;
	req.u.accept.ref = c->ring->iref;
	req.u.accept.evtchn = c->ring->port;

	spin_lock_irq(&t->lock);
	t->l.child = c;
	spin_unlock_irq(&t->lock);
	ret = pvcf_submit(t, &req, pvcf_accept_done, true, NULL);
	if (!ret)
		return -EINPROGRESS;
	spin_lock_irq(&t->lock);
	t->l.child = NULL;
	spin_unlock_irq(&t->lock);
	c->sock_sent = false;
fail_child:
	pvcf_destroy(c);
fail:
	spin_lock_irq(&t->lock);
	t->l.state = was;
	spin_unlock_irq(&t->lock);
	return ret;
}

static int pvcf_accept(struct pvcalls_endpoint *t, bool nonblock,
		       struct pvcalls_endpoint **child)
{
	enum pvcf_lstate was;
	int ret;

	spin_lock_irq(&t->lock);
	if (t->state != PVCF_LISTENING || t->op_ret) {
		spin_unlock_irq(&t->lock);
		return -EINVAL;
	}
	if (t->dead) {
		spin_unlock_irq(&t->lock);
		return t->dead_err;
	}
	was = t->l.state;
	switch (was) {
	case PVCF_L_DONE:
		*child = t->l.child;
		t->l.child = NULL;
		t->l.state = PVCF_L_IDLE;
		spin_unlock_irq(&t->lock);
		return 0;
	case PVCF_L_ACCEPTING:
		spin_unlock_irq(&t->lock);
		return -EINPROGRESS;
	case PVCF_L_POLLING:
		spin_unlock_irq(&t->lock);
		return nonblock ? -EAGAIN : -EINPROGRESS;
	case PVCF_L_IDLE:
		if (t->l.err) {
			ret = t->l.err;
			t->l.err = 0;
			spin_unlock_irq(&t->lock);
			return ret;
		}
		if (nonblock) {
			t->l.state = PVCF_L_POLLING;
			spin_unlock_irq(&t->lock);
			/* no wait for a slot: poll() asks in the background */
			ret = pvcf_send_poll(t, false);
			return ret ?: -EAGAIN;
		}
		fallthrough;
	case PVCF_L_READY:
		t->l.state = PVCF_L_ACCEPTING;
		spin_unlock_irq(&t->lock);
		return pvcf_start_accept(t, was);
	}
	spin_unlock_irq(&t->lock);
	return -EINVAL;
}

static bool pvcf_accept_busy(struct pvcalls_endpoint *t)
{
	bool busy;

	spin_lock_irq(&t->lock);
	busy = !t->dead && (t->l.state == PVCF_L_ACCEPTING ||
			    t->l.state == PVCF_L_POLLING);
	spin_unlock_irq(&t->lock);
	return busy;
}

static __poll_t pvcf_listen_poll(struct pvcalls_endpoint *t)
{
	__poll_t mask = 0;
	bool kick = false;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	/* Nothing to say while listen() is in flight or failed. */
	if (t->op_ret)
		mask = 0;
	else if (t->dead || t->l.err)
		mask = EPOLLERR;
	else if (t->l.state == PVCF_L_READY || t->l.state == PVCF_L_DONE)
		mask = EPOLLIN | EPOLLRDNORM;
	else if (t->l.state == PVCF_L_IDLE && !t->releasing)
		kick = true;
	spin_unlock_irqrestore(&t->lock, flags);
	if (kick)
		pvcf_kick_poll(t);
	return mask;
}

/*
 * The backend answered RELEASE for listener @t (or is gone): release an
 * accepted child nobody took.  An accept or poll still outstanding keeps
 * its child until it is answered (pvcf_accept_done()).
 */
static void pvcf_listen_release(struct pvcalls_endpoint *t)
{
	struct pvcalls_endpoint *c = NULL;

	spin_lock_irq(&t->lock);
	if (t->l.state == PVCF_L_DONE) {
		c = t->l.child;
		t->l.child = NULL;
		t->l.state = PVCF_L_IDLE;
	}
	spin_unlock_irq(&t->lock);
	if (c)
		pvcf_destroy_async(c);
}

static void pvcf_listen_init(struct pvcalls_endpoint *t)
{
	INIT_WORK(&t->l.poll_work, pvcf_poll_work);
}

/*
 * Close started (any socket): a poll work not yet running is dropped.
 * Not _sync: a running one may wait long for a slot.  A POLL it still
 * sends is harmless: the backend answers it, with ECONNABORTED before
 * our RELEASE or ENOENT after it.
 */
static void pvcf_listen_close(struct pvcalls_endpoint *t)
{
	if (cancel_work(&t->l.poll_work))
		pvcf_put(t);
}

const struct pvcf_listen_ops pvcf_listen_ops = {
	.init = pvcf_listen_init,
	.accept = pvcf_accept,
	.accept_busy = pvcf_accept_busy,
	.poll = pvcf_listen_poll,
	.close = pvcf_listen_close,
	.released = pvcf_listen_release,
};
