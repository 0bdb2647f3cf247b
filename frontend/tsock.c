// SPDX-License-Identifier: GPL-2.0
/*
 * Transport sockets: the Xen side of one PV Calls socket, the core of
 * the transport (objects, states, contexts and locks: front.h).
 *
 * The operation after the lazy SOCKET is sent from @submit_work, since
 * a command callback must not wait for a ring slot it may itself be
 * holding up.  Close sends PVC_CMD_RELEASE; only its answer (or the
 * device going away) gives the data ring back, and only then is the
 * owner told (->released) that we are done with it.  The ring is then
 * freed (grants ended, event channel unbound), or, when close kept a
 * place for it and sent reuse = 1 and the backend answered with
 * success, put in the pool of idle rings for a later connect or accept
 * (ring reuse, Documentation/pvcalls.rst).  A RELEASE that finds no
 * free slot is never dropped: it waits on pvcf_release_list, holding its
 * command's reference, and is sent from pvcf_retry_work (on
 * pvcf_front.wq) once a slot frees, or finished here once the device is
 * gone.
 */
#include <linux/in.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "front.h"

static atomic_t pvcf_gen = ATOMIC_INIT(0);

static void pvcf_submit_work(struct work_struct *work);
static void pvcf_release_work(struct work_struct *work);
static void pvcf_retry_work(struct work_struct *work);

/*
 * Delayed releases, oldest first, and how many are waiting or being
 * retried: pvcf_release_kick() looks at the count, which covers the
 * window where pvcf_retry_work has taken one off the list.
 */
static LIST_HEAD(pvcf_release_list);
static DEFINE_SPINLOCK(pvcf_release_lock);
static atomic_t pvcf_release_waiting = ATOMIC_INIT(0);
static DECLARE_WORK(pvcf_retry, pvcf_retry_work);

/* The listener's part (tsock_listen.c), set once by pvcf_tsock_init(). */
static const struct pvcf_listen_ops *pvcf_lops;

static int pvcf_ret(const struct pvc_response *rsp)
{
	/* The backend's errno is data: anything odd becomes EIO. */
	if (rsp->ret > 0 || rsp->ret < -MAX_ERRNO)
		return -EIO;
	return rsp->ret;
}

/* socket-names extension (Documentation/pvcalls.rst) negotiated? */
bool pvcf_socket_names(void)
{
	struct pvcf_dev_info info;

	return !pvcf_dev_get(&info) && info.socket_names;
}

/* in-order extension (Documentation/pvcalls.rst) offered and used? */
static bool pvcf_in_order(void)
{
	struct pvcf_dev_info info;

	return !pvcf_dev_get(&info) && info.in_order;
}

/*
 * Autobind before connect only where it is the one way getsockname() can
 * learn the local port: with a backend of ours (one that offered an
 * extension key) and socket-names not negotiated.  With socket-names the
 * backend reports the connection's names in the CONNECT answer, so no
 * BIND is needed.  A backend that offers no extension key may be Linux's
 * own pvcalls-back: its BIND makes a socket of its own, which its CONNECT
 * does not use and its RELEASE does not free (Documentation/pvcalls.rst,
 * "Linux's pair"), so an autobind there would hold a dom0 port per
 * connection until the device goes and report a port that is not the
 * connection's.
 */
static bool pvcf_may_autobind(void)
{
	struct pvcf_dev_info info;

	return !pvcf_dev_get(&info) && info.ext_offered && !info.socket_names;
}

static bool pvcf_name_get(const struct pvc_name *wire, struct sockaddr_in *sin)
{
	if (READ_ONCE(wire->family) != PVC_AF_INET)
		return false;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = (__force __be16)READ_ONCE(wire->port);
	sin->sin_addr.s_addr = (__force __be32)READ_ONCE(wire->addr);
	return true;
}

/*
 * @t's CONNECT or ACCEPT was just answered with success and socket-names
 * is negotiated (asked before taking @t->lock: it sleeps): take the names
 * the backend wrote into the indexes page before answering.  The command
 * ring's virt_rmb() after reading rsp_prod, in its interrupt handler,
 * orders these reads after the response: whoever runs this callback took
 * the ring's lock after the handler (cmdring.c).  It pairs with the
 * backend's virt_wmb() in RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, issued
 * after it wrote the names.
 * The names are only ever reported back to the user, never trusted.
 */
void pvcf_names_read_locked(struct pvcalls_endpoint *t)
{
	struct sockaddr_in local, peer;

	lockdep_assert_held(&t->lock);
	if (!t->has_ring ||
	    !pvcf_name_get(&t->ring->intf->local_name, &local) ||
	    !pvcf_name_get(&t->ring->intf->peer_name, &peer))
		return;
	t->local_name = local;
	t->peer_name = peer;
	t->names_known = true;
}

struct pvcalls_endpoint *pvcf_alloc(void)
{
	struct pvcalls_endpoint *t;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	kref_init(&t->ref);
	spin_lock_init(&t->lock);
	mutex_init(&t->rx_mutex);
	mutex_init(&t->tx_mutex);
	pvcf_lops->init(t);
	INIT_WORK(&t->submit_work, pvcf_submit_work);
	INIT_WORK(&t->release_work, pvcf_release_work);
	init_waitqueue_head(&t->drain_wq);
	init_completion(&t->released);
	INIT_LIST_HEAD(&t->release_entry);
	ret = xa_alloc(&pvcf_front.socks, &t->xa_id, t, xa_limit_31b,
		       GFP_KERNEL);
	if (ret) {
		kfree(t);
		return NULL;
	}
	t->id = (u64)(u32)atomic_inc_return(&pvcf_gen) << 32 | t->xa_id;
	atomic_inc(&pvcf_stats.sockets);
	return t;
}

static void pvcf_free(struct kref *ref)
{
	struct pvcalls_endpoint *t = container_of(ref, struct pvcalls_endpoint,
						  ref);

	xa_erase(&pvcf_front.socks, t->xa_id);
	atomic_dec(&pvcf_stats.sockets);
	kfree(t);
}

void pvcf_put(struct pvcalls_endpoint *t)
{
	kref_put(&t->ref, pvcf_free);
}

/* Tell the owner; under @lock so that release cannot race with it. */
static void pvcf_event_locked(struct pvcalls_endpoint *t, unsigned int ev,
			      int err)
{
	lockdep_assert_held(&t->lock);
	if (t->up)
		t->up->event(t->owner, ev, err);
}

void pvcf_event(struct pvcalls_endpoint *t, unsigned int ev, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	pvcf_event_locked(t, ev, err);
	spin_unlock_irqrestore(&t->lock, flags);
}

/* Submit a command holding a reference for its callback. */
int pvcf_submit(struct pvcalls_endpoint *t, struct pvc_request *req,
		pvcf_cmd_cb cb, bool may_sleep, u32 *req_id)
{
	int ret;

	kref_get(&t->ref);
	ret = pvcf_cmd_submit(&pvcf_front.cmd, req, cb, t, may_sleep, req_id);
	if (ret)
		pvcf_put(t);
	return ret;
}

/*
 * An event of @t's data ring (hard irq, under the ring's owner_lock):
 * true if it announced something.
 */
static bool pvcf_data_event(struct pvcf_dring *d, void *owner)
{
	struct pvcalls_endpoint *t = owner;
	unsigned int ev = 0;
	bool rx, tx, err_seen = t->err_seen;
	int err = 0;

	pvcf_dring_events(d, &rx, &tx);
	if (rx)
		ev |= PVCALLS_EV_RX;
	if (tx) {
		ev |= PVCALLS_EV_TX;
		wake_up(&t->drain_wq);
	}
	if (rx && !err_seen) {
		/* A reset or other peer error is what SO_ERROR reports. */
		err = READ_ONCE(d->intf->in_error);
		if (err < 0 && err >= -MAX_ERRNO && err != -ENOTCONN)
			t->err_seen = true;
		else
			err = 0;
	}
	if (ev)
		pvcf_event(t, ev, err);
	return ev != 0;
}

/*
 * Give @t a data ring, a pooled one or a new one (dataring.c), before
 * the CONNECT or ACCEPT that names it is built: a pooled ring's indexes
 * are cleared by then.
 */
int pvcf_ring_setup(struct pvcalls_endpoint *t)
{
	struct pvcf_dring_conf conf = { .def_order = pvcf_ring_order_param };
	struct pvcf_dev_info info;
	struct pvcf_dring *d;
	int ret;

	ret = pvcf_dev_get(&info);
	if (ret)
		return ret;
	conf.domid = info.domid;
	conf.max_order = info.max_order;
	conf.notify = info.notify;
	d = pvcf_dring_get(&conf, t->ring_bytes);
	if (IS_ERR(d))
		return PTR_ERR(d);
	pvcf_dring_attach(d, pvcf_data_event, t);
	spin_lock_irq(&t->lock);
	t->ring = d;
	t->has_ring = true;
	spin_unlock_irq(&t->lock);
	return 0;
}

/*
 * Give the ring back unless someone else already did: into the pool
 * with @reuse (RELEASE reuse = 1 answered with success), else freed.
 */
static void pvcf_ring_put(struct pvcalls_endpoint *t, bool reuse)
{
	struct pvcf_dring *d = NULL;

	spin_lock_irq(&t->lock);
	if (t->has_ring)
		d = t->ring;
	t->has_ring = false;
	t->ring = NULL;
	spin_unlock_irq(&t->lock);
	if (d)
		pvcf_dring_put(d, reuse);
}

/* The operation in flight failed: back to @prev_state, report @err. */
static void pvcf_op_failed(struct pvcalls_endpoint *t, int err)
{
	bool connecting;

	spin_lock_irq(&t->lock);
	/*
	 * A failed connect's ring is ours again (the backend unmaps before
	 * it answers), except during close: then a connect aborted by our
	 * RELEASE is answered before the RELEASE itself, and the ring is
	 * left to pvcf_release_done().
	 */
	connecting = t->state == PVCF_CONNECTING && !t->releasing;
	t->autobind_tries = 0;
	t->state = t->prev_state;
	t->op_ret = err;
	/*
	 * Together with op_ret, so that a caller seeing the failure also
	 * sees SO_ERROR; only connect reports through SO_ERROR.
	 */
	pvcf_event_locked(t, PVCALLS_EV_STATE | PVCALLS_EV_TX,
			  connecting ? err : 0);
	spin_unlock_irq(&t->lock);
	if (connecting)
		pvcf_ring_put(t, false);
}

/*
 * Autobind: v1 never tells the frontend which local port a connect got,
 * yet getsockname() must report it.  So, unless socket-names reports the
 * names (pvcf_may_autobind()), before connecting an unbound socket we
 * bind it to a port of Linux's default ephemeral range (retrying when it
 * is taken), then connect from it.  If no port can be had, or the
 * backend may be Linux's own, we connect without and getsockname()
 * reports port 0.
 */
#define PVCF_AUTOBIND_TRIES	8
#define PVCF_EPHEMERAL_LOW	32768
#define PVCF_EPHEMERAL_HIGH	60999

static atomic_t pvcf_next_port = ATOMIC_INIT(0);

static void pvcf_autobind_req(struct pvcalls_endpoint *t,
			      struct pvc_request *req)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	u32 span = PVCF_EPHEMERAL_HIGH - PVCF_EPHEMERAL_LOW + 1;

	/*
	 * Walk the range from a random start rather than picking at
	 * random: a port comes back only after the whole range was used,
	 * so a new connection does not collide with a TIME_WAIT 4-tuple
	 * of a recent one (connect would fail with EADDRNOTAVAIL).
	 */
	if (!atomic_read(&pvcf_next_port))
		atomic_cmpxchg(&pvcf_next_port, 0,
			       get_random_u32_below(span) + 1);
	sin.sin_addr.s_addr = t->autobind_addr;
	sin.sin_port = htons(PVCF_EPHEMERAL_LOW +
			     (u32)atomic_inc_return(&pvcf_next_port) % span);
	t->autobind_port = sin.sin_port;
	pvcf_req_init(req, PVC_CMD_BIND);
	req->u.bind.id = t->id;
	memcpy(req->u.bind.addr, &sin, sizeof(sin));
	req->u.bind.len = sizeof(sin);
}

/* The autobind BIND answered @ret: try another port, or connect. */
static void pvcf_autobind_done(struct pvcalls_endpoint *t, int ret)
{
	struct pvc_request req;

	if (ret == -ENETDOWN || ret == -ECONNABORTED) {
		t->autobind_tries = 0;
		pvcf_op_failed(t, ret);
		return;
	}
	if (ret == -EADDRINUSE && --t->autobind_tries) {
		pvcf_autobind_req(t, &req);
	} else {
		if (!ret) {
			t->local_addr = t->autobind_addr;
			WRITE_ONCE(t->local_port, t->autobind_port);
		}
		t->autobind_tries = 0;
		memcpy(&req, &t->connect_req, sizeof(req));
	}
	spin_lock_irq(&t->lock);
	memcpy(&t->pending, &req, sizeof(req));
	spin_unlock_irq(&t->lock);
	kref_get(&t->ref);
	if (!queue_work(pvcf_front.sock_wq, &t->submit_work))
		pvcf_put(t);
}

/*
 * in-order: the result of the SOCKET sent with the command just answered
 * (0 if it succeeded, was not sent with it, or is still unanswered); a
 * late answer is ignored from now on.
 */
static int pvcf_sock_err_take(struct pvcalls_endpoint *t)
{
	int err;

	spin_lock_irq(&t->lock);
	err = t->sock_err == -EINPROGRESS ? 0 : t->sock_err;
	t->sock_err = 0;
	spin_unlock_irq(&t->lock);
	return err;
}

static void pvcf_op_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx;
	int sock_err = pvcf_sock_err_take(t);
	int ret = pvcf_ret(rsp);
	bool names = !ret && pvcf_socket_names();

	if (ret && sock_err) {
		/* the command failed because its SOCKET did: report that */
		pvcf_op_failed(t, sock_err);
		pvcf_put(t);
		return;
	}
	if (t->autobind_tries && t->state == PVCF_CONNECTING) {
		pvcf_autobind_done(t, ret);
		pvcf_put(t);
		return;
	}
	if (ret) {
		pvcf_op_failed(t, ret);
	} else {
		spin_lock_irq(&t->lock);
		switch (t->state) {
		case PVCF_CONNECTING:
			t->state = PVCF_CONNECTED;
			if (names)
				pvcf_names_read_locked(t);
			break;
		case PVCF_BINDING:
			t->state = PVCF_BOUND;
			/* socket-names: the answer's pad is the bound port */
			if (names && rsp->pad && rsp->pad <= U16_MAX)
				WRITE_ONCE(t->local_port, (__force __be16)rsp->pad);
			break;
		default:
			break;
		}
		t->op_ret = 0;
		pvcf_event_locked(t, PVCALLS_EV_STATE | PVCALLS_EV_TX, 0);
		spin_unlock_irq(&t->lock);
	}
	pvcf_put(t);
}

static void pvcf_submit_work(struct work_struct *work)
{
	struct pvcalls_endpoint *t = container_of(work, struct pvcalls_endpoint,
						  submit_work);
	bool releasing;
	int ret;

	spin_lock_irq(&t->lock);
	releasing = t->releasing;
	spin_unlock_irq(&t->lock);
	ret = releasing ? -ECONNABORTED :
		pvcf_submit(t, &t->pending, pvcf_op_done, true, NULL);
	if (ret)
		pvcf_op_failed(t, ret);
	pvcf_put(t);
}

static void pvcf_socket_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx;
	int ret = pvcf_ret(rsp);

	if (ret) {
		pvcf_op_failed(t, ret);
		pvcf_put(t);
		return;
	}
	/* Our reference moves to the work. */
	if (!queue_work(pvcf_front.sock_wq, &t->submit_work))
		pvcf_put(t);
}

/* in-order: SOCKET, sent with the operation's command, was answered. */
static void pvcf_socket_noted(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx;

	spin_lock_irq(&t->lock);
	if (t->sock_err == -EINPROGRESS)
		t->sock_err = pvcf_ret(rsp);
	spin_unlock_irq(&t->lock);
	pvcf_put(t);
}

/*
 * in-order extension (Documentation/pvcalls.rst): SOCKET and @req in one
 * batch, each answer holding a reference of its own.
 */
static int pvcf_submit_with_socket(struct pvcalls_endpoint *t,
				   struct pvc_request *sreq,
				   struct pvc_request *req)
{
	struct pvcf_cmd cmds[] = {
		{ .req = sreq, .cb = pvcf_socket_noted, .ctx = t },
		{ .req = req, .cb = pvcf_op_done, .ctx = t },
	};
	int ret;

	spin_lock_irq(&t->lock);
	t->sock_err = -EINPROGRESS;
	spin_unlock_irq(&t->lock);
	kref_get(&t->ref);
	kref_get(&t->ref);
	ret = pvcf_cmd_submit_batch(&pvcf_front.cmd, cmds, ARRAY_SIZE(cmds),
				    true);
	if (ret) {
		pvcf_sock_err_take(t);
		pvcf_put(t);
		pvcf_put(t);
		return ret;
	}
	atomic64_inc(&pvcf_stats.commands_pipelined);
	return 0;
}

/* An operation that could not start: back to the state before it. */
static void pvcf_leave(struct pvcalls_endpoint *t, int err)
{
	spin_lock_irq(&t->lock);
	t->state = t->prev_state;
	t->op_ret = err;
	spin_unlock_irq(&t->lock);
}

/*
 * Start @req (connect/bind/listen, in the state pvcf_enter() moved to),
 * creating the backend socket first if needed: with the in-order
 * extension in the same batch, else once SOCKET is answered.  If it
 * cannot be sent, go back to the state before.  Called with no lock held.
 */
static int pvcf_start(struct pvcalls_endpoint *t, struct pvc_request *req)
{
	struct pvc_request sreq;
	bool first;
	int ret;

	pvcf_req_init(&sreq, PVC_CMD_SOCKET);
	sreq.u.socket.id = t->id;
	sreq.u.socket.domain = PVC_AF_INET;
	sreq.u.socket.type = PVC_SOCK_STREAM;
	sreq.u.socket.protocol = 0;
	spin_lock_irq(&t->lock);
	first = !t->sock_sent;
	t->sock_sent = true;
	memcpy(&t->pending, req, sizeof(*req));
	spin_unlock_irq(&t->lock);

	if (first && pvcf_in_order())
		ret = pvcf_submit_with_socket(t, &sreq, &t->pending);
	else if (first)
		ret = pvcf_submit(t, &sreq, pvcf_socket_done, true, NULL);
	else
		ret = pvcf_submit(t, &t->pending, pvcf_op_done, true, NULL);
	if (ret && first) {
		spin_lock_irq(&t->lock);
		t->sock_sent = false;
		spin_unlock_irq(&t->lock);
	}
	if (ret)
		pvcf_leave(t, ret);
	return ret;
}

/* Move to @busy from an allowed state; returns 0 or the errno. */
static int pvcf_enter(struct pvcalls_endpoint *t, enum pvcf_state busy)
{
	int ret = 0;

	spin_lock_irq(&t->lock);
	if (t->dead) {
		ret = t->dead_err;
	} else if (t->op_ret == -EINPROGRESS) {
		ret = busy == PVCF_CONNECTING && t->state == busy ?
			-EALREADY : -EINVAL;
	} else if (busy == PVCF_CONNECTING) {
		if (t->state == PVCF_CONNECTED || t->state == PVCF_LISTENING)
			ret = -EISCONN;
		else if (t->state != PVCF_NEW && t->state != PVCF_BOUND)
			ret = -EINVAL;
	} else if (busy == PVCF_BINDING) {
		if (t->state != PVCF_NEW)
			ret = -EINVAL;
	} else if (busy == PVCF_LISTENING) {
		if (t->state != PVCF_NEW && t->state != PVCF_BOUND)
			ret = -EINVAL;
	}
	if (!ret) {
		t->prev_state = t->state;
		t->state = busy;
		t->op_ret = -EINPROGRESS;
	}
	spin_unlock_irq(&t->lock);
	return ret;
}

static int pvcf_connect(struct pvcalls_endpoint *t,
			const struct sockaddr_in *sin, unsigned int ring_bytes)
{
	struct pvc_request req;
	int ret;

	pvcf_req_init(&req, PVC_CMD_CONNECT);
	ret = pvcf_enter(t, PVCF_CONNECTING);
	if (ret)
		return ret;
	t->ring_bytes = ring_bytes;
	ret = pvcf_ring_setup(t);
	if (ret) {
		pvcf_leave(t, ret);
		return ret;
	}
	req.u.connect.id = t->id;
	memcpy(req.u.connect.addr, sin, sizeof(*sin));
	req.u.connect.len = sizeof(*sin);
	req.u.connect.ref = t->ring->iref;
	req.u.connect.evtchn = t->ring->port;
	/* v1 without socket-names: bind first (see "Autobind" above) */
	if (t->prev_state == PVCF_NEW && !t->local_port &&
	    pvcf_may_autobind()) {
		struct pvc_request breq;

		memcpy(&t->connect_req, &req, sizeof(req));
		t->autobind_tries = PVCF_AUTOBIND_TRIES;
		/* Linux connects to 127/8 from 127.0.0.1: bind that. */
		t->autobind_addr = ipv4_is_loopback(sin->sin_addr.s_addr) ?
			htonl(INADDR_LOOPBACK) : htonl(INADDR_ANY);
		pvcf_autobind_req(t, &breq);
		ret = pvcf_start(t, &breq);
		if (ret)
			t->autobind_tries = 0;
	} else {
		ret = pvcf_start(t, &req);
	}
	if (ret)
		pvcf_ring_put(t, false);
	return ret;
}

static int pvcf_bind(struct pvcalls_endpoint *t, const struct sockaddr_in *sin)
{
	struct pvc_request req;
	int ret;

	pvcf_req_init(&req, PVC_CMD_BIND);
	ret = pvcf_enter(t, PVCF_BINDING);
	if (ret)
		return ret;
	req.u.bind.id = t->id;
	memcpy(req.u.bind.addr, sin, sizeof(*sin));
	req.u.bind.len = sizeof(*sin);
	t->local_addr = sin->sin_addr.s_addr;
	return pvcf_start(t, &req);
}

static int pvcf_listen(struct pvcalls_endpoint *t, int backlog,
		       unsigned int ring_bytes)
{
	struct pvc_request req;
	int ret;

	pvcf_req_init(&req, PVC_CMD_LISTEN);
	/* for the connections accepted from now on */
	WRITE_ONCE(t->ring_bytes, ring_bytes);
	spin_lock_irq(&t->lock);
	ret = t->state == PVCF_LISTENING && !t->op_ret;
	spin_unlock_irq(&t->lock);
	if (ret)
		return 0;	/* v1 cannot change the backlog later */
	ret = pvcf_enter(t, PVCF_LISTENING);
	if (ret)
		return ret;
	req.u.listen.id = t->id;
	req.u.listen.backlog = clamp(backlog, 0, SOMAXCONN);
	return pvcf_start(t, &req);
}

/*
 * Complete @sin, the family's idea of the local name: with the names the
 * backend reported (socket-names) when it did, else with the port of the
 * autobind or of a bind to port 0.
 */
static void pvcf_local_addr(struct pvcalls_endpoint *t, struct sockaddr_in *sin)
{
	__be16 port = READ_ONCE(t->local_port);
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->names_known) {
		*sin = t->local_name;
	} else if (port && !sin->sin_port) {
		sin->sin_addr.s_addr = t->local_addr;
		sin->sin_port = port;
	}
	spin_unlock_irqrestore(&t->lock, flags);
}

/* The peer's name, if the backend reported it (socket-names). */
static void pvcf_peer_addr(struct pvcalls_endpoint *t, struct sockaddr_in *sin)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->names_known)
		*sin = t->peer_name;
	spin_unlock_irqrestore(&t->lock, flags);
}

static int pvcf_op_result(struct pvcalls_endpoint *t)
{
	int ret;

	spin_lock_irq(&t->lock);
	ret = t->op_ret;
	spin_unlock_irq(&t->lock);
	return ret;
}

static struct pvcalls_endpoint *pvcf_create(void)
{
	return pvcf_alloc() ?: ERR_PTR(-ENOMEM);
}

static void pvcf_set_owner(struct pvcalls_endpoint *t, void *owner,
			   const struct pvcalls_upcalls *up)
{
	spin_lock_irq(&t->lock);
	t->owner = owner;
	t->up = up;
	spin_unlock_irq(&t->lock);
}

static void pvcf_release_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_endpoint *t = ctx;
	const struct pvcalls_upcalls *up;
	bool reuse;
	void *owner;

	if (rsp->ret && rsp->ret != -ENETDOWN)
		pr_debug("pvcalls: release of %#llx: %d\n", t->id, rsp->ret);
	pvcf_lops->released(t);
	complete(&t->released);
	/*
	 * The backend has let go of the ring (or is gone).  Only a RELEASE
	 * sent with reuse = 1 and answered with success gives the pool a
	 * ring: a failed one, or the device gone (ENETDOWN), may have left
	 * it in use or the backend changed, so it is freed.  A socket
	 * found dead went through a device going down or a broken ring.
	 */
	spin_lock_irq(&t->lock);
	reuse = t->reuse_ring && !rsp->ret && !t->dead;
	spin_unlock_irq(&t->lock);
	pvcf_ring_put(t, reuse);
	spin_lock_irq(&t->lock);
	up = t->up;
	owner = t->owner;
	t->up = NULL;
	t->owner = NULL;
	spin_unlock_irq(&t->lock);
	if (up)
		up->released(owner);
	pvcf_put(t);	/* the command's reference */
	pvcf_put(t);	/* the socket's life */
}

/*
 * Wake every waiter of the directions in @wake (PVCF_DRING_WAKE_IN/OUT):
 * a waiter that re-armed an event index found that others may have
 * missed their event (dataring.c, pvcf_dring_arm()).
 */
static void pvcf_wake(struct pvcalls_endpoint *t, unsigned int wake)
{
	unsigned int ev = 0;

	if (wake & PVCF_DRING_WAKE_IN)
		ev |= PVCALLS_EV_RX;
	if (wake & PVCF_DRING_WAKE_OUT) {
		ev |= PVCALLS_EV_TX;
		wake_up(&t->drain_wq);
	}
	if (ev)
		pvcf_event(t, ev, 0);
}

/* Bytes still in out[] that the backend can take. */
static bool pvcf_out_pending(struct pvcalls_endpoint *t)
{
	unsigned int wake = 0;
	bool pending = false;

	spin_lock_irq(&t->lock);
	if (t->state == PVCF_CONNECTED && t->has_ring && !t->dead)
		pending = pvcf_dring_out_pending(t->ring, &wake);
	spin_unlock_irq(&t->lock);
	pvcf_wake(t, wake);
	return pending;
}

/* Finish @t's release here, with its command's reference. */
static void pvcf_release_local(struct pvcalls_endpoint *t)
{
	struct pvc_response rsp = { .ret = -ENETDOWN };

	pvcf_release_done(t, &rsp);
}

/* Queue @t's RELEASE with the command's reference; -EAGAIN: no slot. */
static int pvcf_submit_release(struct pvcalls_endpoint *t)
{
	struct pvc_request req;

	pvcf_req_init(&req, PVC_CMD_RELEASE);
	req.u.release.id = t->id;
	req.u.release.reuse = t->reuse_ring;
	return pvcf_cmd_submit(&pvcf_front.cmd, &req, pvcf_release_done, t,
			       false, NULL);
}

/*
 * Tell the backend to release @t, holding a reference for the command.
 * Never waits for a slot: without one the release waits on the list.
 */
static void pvcf_send_release(struct pvcalls_endpoint *t)
{
	int ret;

	kref_get(&t->ref);
	ret = pvcf_submit_release(t);
	if (!ret)
		return;
	if (ret != -EAGAIN) {
		/*
		 * The device is gone (the backend let go of everything) or
		 * the ring is broken (nothing will be answered): finish.
		 */
		pvcf_release_local(t);
		return;
	}
	atomic_inc(&pvcf_release_waiting);
	atomic64_inc(&pvcf_stats.releases_delayed);
	spin_lock(&pvcf_release_lock);
	list_add_tail(&t->release_entry, &pvcf_release_list);
	spin_unlock(&pvcf_release_lock);
	/* a slot may have freed before we were on the list */
	queue_work(pvcf_front.wq, &pvcf_retry);
}

static void pvcf_retry_work(struct work_struct *work)
{
	struct pvcalls_endpoint *t;
	int ret;

	for (;;) {
		spin_lock(&pvcf_release_lock);
		t = list_first_entry_or_null(&pvcf_release_list,
					     struct pvcalls_endpoint,
					     release_entry);
		if (t)
			list_del_init(&t->release_entry);
		spin_unlock(&pvcf_release_lock);
		if (!t)
			return;
		ret = pvcf_submit_release(t);
		if (ret == -EAGAIN) {
			/*
			 * Still first.  The next slot freed runs us again:
			 * the count still includes @t.
			 */
			spin_lock(&pvcf_release_lock);
			list_add(&t->release_entry, &pvcf_release_list);
			spin_unlock(&pvcf_release_lock);
			return;
		}
		atomic_dec(&pvcf_release_waiting);
		if (ret)
			pvcf_release_local(t);
	}
}

/* The command ring freed slots (or went away): retry delayed releases. */
static void pvcf_release_kick(void)
{
	if (atomic_read(&pvcf_release_waiting))
		queue_work(pvcf_front.wq, &pvcf_retry);
}

/* Close: also used for accepted children nobody took. */
void pvcf_destroy(struct pvcalls_endpoint *t)
{
	struct pvcf_dring *ring;
	bool sent, holds_port;

	if (!t->drain_started && pvcf_out_pending(t)) {
		/* Let the backend take what is queued; close must not wait. */
		t->drain_started = true;
		queue_work(pvcf_front.sock_wq, &t->release_work);
		return;
	}
	if (t->drain_started)
		wait_event_timeout(t->drain_wq, !pvcf_out_pending(t),
				   PVCF_CMD_TIMEOUT);

	spin_lock_irq(&t->lock);
	t->releasing = true;
	sent = t->sock_sent;
	holds_port = t->state == PVCF_BOUND || t->state == PVCF_LISTENING;
	/*
	 * Only a connected socket's ring may be kept for reuse: no CONNECT
	 * or ACCEPT of it is in flight, so only our RELEASE's answer gives
	 * it back.
	 */
	ring = t->state == PVCF_CONNECTED && t->has_ring && !t->dead ?
		t->ring : NULL;
	spin_unlock_irq(&t->lock);
	pvcf_lops->close(t);

	if (!sent) {
		/* Nothing at the backend: finish here. */
		kref_get(&t->ref);
		pvcf_release_local(t);
	} else if (holds_port) {
		/*
		 * As with TCP, once close() of a bound or listening socket
		 * returns its port is free: a connect to it is refused and
		 * a bind gets it.  So wait (bounded, and uninterruptibly: a
		 * killed process closes with a signal pending) for the
		 * backend to release it.  RELEASE has slots of its own, so
		 * it never waits long behind blocked commands.  Never
		 * called so from a command callback: those only close
		 * accepted children, which hold no port.
		 */
		kref_get(&t->ref);	/* ours, across the wait */
		pvcf_send_release(t);
		wait_for_completion_timeout(&t->released, PVCF_CMD_TIMEOUT);
		pvcf_put(t);
	} else {
		/* Read by the RELEASE request and its answer. */
		t->reuse_ring = ring &&
				pvcf_dring_reserve(ring, pvcf_ring_pool_param);
		pvcf_send_release(t);
	}
}

static void pvcf_release_work(struct work_struct *work)
{
	pvcf_destroy(container_of(work, struct pvcalls_endpoint, release_work));
}

/* Close from a command callback, which must not wait for a ring slot. */
void pvcf_destroy_async(struct pvcalls_endpoint *t)
{
	queue_work(pvcf_front.sock_wq, &t->release_work);
}

/*
 * The device went down: every socket is dead with @err, and the idle
 * rings, all of the backend that went, are freed.  No RELEASE can be
 * answered with success any more (the command ring stopped before this
 * upcall), so none can join the pool afterwards.
 */
static void pvcf_down(int err)
{
	struct pvcalls_endpoint *t;
	unsigned long idx;

	xa_lock(&pvcf_front.socks);
	xa_for_each(&pvcf_front.socks, idx, t) {
		spin_lock_irq(&t->lock);
		t->dead = true;
		t->dead_err = err;
		if (t->up)
			t->up->event(t->owner, PVCALLS_EV_RX | PVCALLS_EV_TX |
				     PVCALLS_EV_STATE, 0);
		spin_unlock_irq(&t->lock);
		wake_up(&t->drain_wq);
	}
	xa_unlock(&pvcf_front.socks);
	pvcf_dring_pool_drain();
}

/*
 * debugfs "sockets": one line per socket with a data ring, its counters
 * per direction (in: backend to us, out: us to the backend).  The
 * xarray lock keeps every socket found from being freed meanwhile.
 */
int pvcf_show_sockets(struct seq_file *m, void *unused)
{
	struct pvcalls_endpoint *t;
	unsigned long idx;

	xa_lock(&pvcf_front.socks);
	xa_for_each(&pvcf_front.socks, idx, t) {
		spin_lock_irq(&t->lock);
		if (t->has_ring) {
			seq_printf(m, "socket %#llx order %u notify %d", t->id,
				   t->ring->order, t->ring->notify);
			pvc_seq_dir_stats(m, "in", &t->ring->sock.st_in);
			pvc_seq_dir_stats(m, "out", &t->ring->sock.st_out);
			seq_putc(m, '\n');
		}
		spin_unlock_irq(&t->lock);
	}
	xa_unlock(&pvcf_front.socks);
	return 0;
}

/*
 * The data ring when it may be used, else NULL (not connected); *@dead
 * is 0 or the error the socket died of (device gone, protocol error).
 * The ring stays @t's until release: the family makes no call on a
 * socket it released.
 */
static struct pvcf_dring *pvcf_usable(struct pvcalls_endpoint *t, int *dead)
{
	struct pvcf_dring *d = NULL;

	spin_lock_irq(&t->lock);
	if (t->state == PVCF_CONNECTED && t->has_ring)
		d = t->ring;
	*dead = t->dead ? t->dead_err : 0;
	spin_unlock_irq(&t->lock);
	return d;
}

static void pvcf_protocol_error(struct pvcalls_endpoint *t)
{
	spin_lock_irq(&t->lock);
	if (!t->dead) {
		t->dead = true;
		t->dead_err = -EIO;
		pr_warn_ratelimited("pvcalls: impossible data ring index from backend on socket %#llx\n",
				    t->id);
	}
	spin_unlock_irq(&t->lock);
}

static ssize_t pvcf_send(struct pvcalls_endpoint *t, struct msghdr *msg,
			 size_t len)
{
	struct pvcf_dring *d;
	ssize_t ret;
	int dead;

	d = pvcf_usable(t, &dead);
	if (!d || dead)
		return d ? dead : -ENOTCONN;
	if (mutex_lock_interruptible(&t->tx_mutex))
		return -ERESTARTSYS;
	ret = pvcf_dring_send(d, msg, len);
	mutex_unlock(&t->tx_mutex);
	if (ret > 0)
		atomic64_add(ret, &pvcf_stats.bytes_sent);
	if (ret == -EIO)
		pvcf_protocol_error(t);
	return ret;
}

static ssize_t pvcf_recv(struct pvcalls_endpoint *t, struct msghdr *msg,
			 size_t len, bool peek)
{
	struct pvcf_dring *d;
	ssize_t ret;
	int dead;

	d = pvcf_usable(t, &dead);
	if (!d)
		return -ENOTCONN;
	if (mutex_lock_interruptible(&t->rx_mutex))
		return -ERESTARTSYS;
	/* After a protocol error the indexes mean nothing: stop reading. */
	ret = dead == -EIO ? -EIO : pvcf_dring_recv(d, msg, len, peek);
	mutex_unlock(&t->rx_mutex);
	if (ret > 0 && !peek)
		atomic64_add(ret, &pvcf_stats.bytes_received);
	if (ret == -EIO)
		pvcf_protocol_error(t);
	/* Bytes already in the ring stay readable after the device died. */
	if (ret == -EAGAIN && dead)
		return dead;
	return ret;
}

static void pvcf_queued(struct pvcalls_endpoint *t, int *inq, int *outq)
{
	struct pvcf_dring *d;
	u32 in, out;
	int dead;

	*inq = 0;
	*outq = 0;
	d = pvcf_usable(t, &dead);
	/* After a protocol error the indexes mean nothing. */
	if (!d || dead == -EIO)
		return;
	if (pvcf_dring_queued(d, &in, &out)) {
		pvcf_protocol_error(t);
		return;
	}
	*inq = in;
	*outq = out;
}

static __poll_t pvcf_poll(struct pvcalls_endpoint *t, int rcvlowat,
			  __poll_t events)
{
	struct pvcf_dring *d = NULL;
	enum pvcf_state state;
	unsigned int wake;
	__poll_t mask;
	bool dead;

	spin_lock_irq(&t->lock);
	state = t->state;
	if (t->has_ring)
		d = t->ring;
	dead = t->dead;
	spin_unlock_irq(&t->lock);

	if (state == PVCF_LISTENING)
		return pvcf_lops->poll(t);
	if (state != PVCF_CONNECTED || !d)
		return 0;
	/*
	 * The ring stays @t's while we look: only release gives it back,
	 * and the family does not release a socket it is polling.
	 */
	mask = pvcf_dring_poll(d, rcvlowat, dead ? 0 : events, &wake);
	pvcf_wake(t, wake);
	if (dead)
		mask |= EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP;
	return mask;
}

static __poll_t pvcf_watch(struct pvcalls_endpoint *t, __poll_t events)
{
	struct pvcf_dring *d;
	unsigned int wake;
	__poll_t mask;
	int dead;

	d = pvcf_usable(t, &dead);
	if (!d || dead)
		return 0;
	mask = pvcf_dring_watch(d, events, &wake);
	pvcf_wake(t, wake);
	return mask;
}

static int pvcf_accept(struct pvcalls_endpoint *t, bool nonblock,
		       struct pvcalls_endpoint **child)
{
	return pvcf_lops->accept(t, nonblock, child);
}

static bool pvcf_accept_busy(struct pvcalls_endpoint *t)
{
	return pvcf_lops->accept_busy(t);
}

/*
 * A command of @ctx was answered (hard irq, under the command ring's
 * lock, before its callback runs, so the command's reference keeps @t).
 * With a task waiting on @t, wake it to reap the answer itself.
 */
static bool pvcf_answered(void *ctx)
{
	struct pvcalls_endpoint *t = ctx;
	unsigned long flags;
	bool waited;

	spin_lock_irqsave(&t->lock, flags);
	waited = t->waiters;
	if (waited)
		pvcf_event_locked(t, PVCALLS_EV_STATE, 0);
	spin_unlock_irqrestore(&t->lock, flags);
	return waited;
}

/* A task is about to wait for @t's operation (transport.h). */
static void pvcf_wait_start(struct pvcalls_endpoint *t)
{
	spin_lock_irq(&t->lock);
	t->waiters++;
	spin_unlock_irq(&t->lock);
}

static bool pvcf_unsettled(struct pvcalls_endpoint *t)
{
	return pvcf_cmd_unreaped(&pvcf_front.cmd);
}

/*
 * Woken, or done waiting (@end): run the callbacks of the answers
 * received, @t's and any other.  Once @end has dropped our count, @t's
 * later answers go to the command work.
 */
static void pvcf_settle(struct pvcalls_endpoint *t, bool end)
{
	if (end) {
		spin_lock_irq(&t->lock);
		t->waiters--;
		spin_unlock_irq(&t->lock);
	}
	pvcf_cmd_reap(&pvcf_front.cmd, true);
}

static const struct pvcf_front_upcalls pvcf_tsock_upcalls = {
	.down = pvcf_down,
	.slots_freed = pvcf_release_kick,
	.answered = pvcf_answered,
};

/* Wire the layers: the listener above us, the device below. */
void pvcf_tsock_init(const struct pvcf_listen_ops *lops)
{
	pvcf_lops = lops;
	pvcf_front_register(&pvcf_tsock_upcalls);
}

const struct pvcalls_transport_ops pvcalls_xen_transport = {
	.create = pvcf_create,
	.set_owner = pvcf_set_owner,
	.release = pvcf_destroy,
	.connect = pvcf_connect,
	.bind = pvcf_bind,
	.listen = pvcf_listen,
	.local_addr = pvcf_local_addr,
	.peer_addr = pvcf_peer_addr,
	.op_result = pvcf_op_result,
	.accept = pvcf_accept,
	.accept_busy = pvcf_accept_busy,
	.wait_start = pvcf_wait_start,
	.unsettled = pvcf_unsettled,
	.settle = pvcf_settle,
	.poll = pvcf_poll,
	.watch = pvcf_watch,
	.send = pvcf_send,
	.recv = pvcf_recv,
	.queued = pvcf_queued,
};
EXPORT_SYMBOL_GPL(pvcalls_xen_transport);	/* pvcalls_family_claim() */
