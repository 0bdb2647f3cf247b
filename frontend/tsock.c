// SPDX-License-Identifier: GPL-2.0
/*
 * Transport sockets: the Xen side of one PV Calls socket, the core of
 * the transport (objects, states, contexts and locks: front.h).
 *
 * The operation after the lazy SOCKET is sent from @submit_work, since
 * a command callback must not wait for a ring slot it may itself be
 * holding up.  Close sends PVC_CMD_RELEASE; only its answer (or the
 * device going away) unbinds the event channel and ends the grants of
 * the data ring, and only then is the owner told (->released) that we
 * are done with it.  A RELEASE that finds no free slot is never
 * dropped: it waits on pvct_release_list, holding its command's
 * reference, and is sent from pvct_retry_work (on pvc_front.wq) once a
 * slot frees, or finished here once the device is gone.
 */
#include <linux/in.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "front.h"

static atomic_t pvct_gen = ATOMIC_INIT(0);

static void pvct_submit_work(struct work_struct *work);
static void pvct_release_work(struct work_struct *work);
static void pvct_retry_work(struct work_struct *work);

/*
 * Delayed releases, oldest first, and how many are waiting or being
 * retried: pvct_release_kick() looks at the count, which covers the
 * window where pvct_retry_work has taken one off the list.
 */
static LIST_HEAD(pvct_release_list);
static DEFINE_SPINLOCK(pvct_release_lock);
static atomic_t pvct_release_waiting = ATOMIC_INIT(0);
static DECLARE_WORK(pvct_retry, pvct_retry_work);

/* The listener's part (tsock_listen.c), set once by pvct_init(). */
static const struct pvct_listen_ops *pvct_lops;

static int pvc_ret(const struct pvc_response *rsp)
{
	/* The backend's errno is data: anything odd becomes EIO. */
	if (rsp->ret > 0 || rsp->ret < -MAX_ERRNO)
		return -EIO;
	return rsp->ret;
}

/* socket-names extension (Documentation/pvcalls.rst) negotiated? */
bool pvct_socket_names(void)
{
	struct pvc_dev_info info;

	return !pvc_dev_get(&info) && info.socket_names;
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
static bool pvct_may_autobind(void)
{
	struct pvc_dev_info info;

	return !pvc_dev_get(&info) && info.ext_offered && !info.socket_names;
}

static bool pvct_name_get(const struct pvc_name *wire, struct sockaddr_in *sin)
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
 * ring's virt_rmb() after reading rsp_prod (cmdring.c) orders these reads
 * after the response; it pairs with the backend's virt_wmb() in
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, issued after it wrote the names.
 * The names are only ever reported back to the user, never trusted.
 */
void pvct_names_read_locked(struct pvcalls_tsock *t)
{
	struct sockaddr_in local, peer;

	lockdep_assert_held(&t->lock);
	if (!t->ring.intf ||
	    !pvct_name_get(&t->ring.intf->local_name, &local) ||
	    !pvct_name_get(&t->ring.intf->peer_name, &peer))
		return;
	t->local_name = local;
	t->peer_name = peer;
	t->names_known = true;
}

struct pvcalls_tsock *pvct_alloc(void)
{
	struct pvcalls_tsock *t;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	kref_init(&t->ref);
	spin_lock_init(&t->lock);
	mutex_init(&t->rx_mutex);
	mutex_init(&t->tx_mutex);
	pvct_lops->init(t);
	INIT_WORK(&t->submit_work, pvct_submit_work);
	INIT_WORK(&t->release_work, pvct_release_work);
	init_waitqueue_head(&t->drain_wq);
	init_completion(&t->released);
	INIT_LIST_HEAD(&t->release_entry);
	t->ring.irq = -1;
	ret = xa_alloc(&pvc_front.socks, &t->xa_id, t, xa_limit_31b, GFP_KERNEL);
	if (ret) {
		kfree(t);
		return NULL;
	}
	t->id = (u64)(u32)atomic_inc_return(&pvct_gen) << 32 | t->xa_id;
	atomic_inc(&pvc_stats.sockets);
	return t;
}

static void pvct_free(struct kref *ref)
{
	struct pvcalls_tsock *t = container_of(ref, struct pvcalls_tsock, ref);

	xa_erase(&pvc_front.socks, t->xa_id);
	atomic_dec(&pvc_stats.sockets);
	kfree(t);
}

void pvct_put(struct pvcalls_tsock *t)
{
	kref_put(&t->ref, pvct_free);
}

/* Tell the owner; under @lock so that release cannot race with it. */
static void pvct_event_locked(struct pvcalls_tsock *t, unsigned int ev, int err)
{
	lockdep_assert_held(&t->lock);
	if (t->up)
		t->up->event(t->owner, ev, err);
}

void pvct_event(struct pvcalls_tsock *t, unsigned int ev, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	pvct_event_locked(t, ev, err);
	spin_unlock_irqrestore(&t->lock, flags);
}

/* Submit a command holding a reference for its callback. */
int pvct_submit(struct pvcalls_tsock *t, struct pvc_request *req, pvc_cmd_cb cb,
		bool may_sleep, u32 *req_id)
{
	int ret;

	kref_get(&t->ref);
	ret = pvc_cmd_submit(&pvc_front.cmd, req, cb, t, may_sleep, req_id);
	if (ret)
		pvct_put(t);
	return ret;
}

static irqreturn_t pvct_data_interrupt(int irq, void *arg)
{
	struct pvcalls_tsock *t = arg;
	unsigned int ev = 0;
	bool rx, tx, err_seen = t->err_seen;
	int err = 0;

	pvc_dring_events(&t->ring, &rx, &tx);
	if (rx)
		ev |= PVCALLS_EV_RX;
	if (tx) {
		ev |= PVCALLS_EV_TX;
		wake_up(&t->drain_wq);
	}
	if (rx && !err_seen) {
		/* A reset or other peer error is what SO_ERROR reports. */
		err = READ_ONCE(t->ring.intf->in_error);
		if (err < 0 && err >= -MAX_ERRNO && err != -ENOTCONN)
			t->err_seen = true;
		else
			err = 0;
	}
	if (ev)
		pvct_event(t, ev, err);
	pvc_lateeoi(irq, ev != 0);
	return IRQ_HANDLED;
}

int pvct_ring_setup(struct pvcalls_tsock *t)
{
	struct pvc_dring_conf conf = { .def_order = pvc_ring_order_param };
	struct pvc_dev_info info;
	int ret;

	ret = pvc_dev_get(&info);
	if (ret)
		return ret;
	conf.domid = info.domid;
	conf.max_order = info.max_order;
	conf.notify = info.notify;
	ret = pvc_dring_alloc(&t->ring, &conf, t->ring_bytes,
			      pvct_data_interrupt, t);
	if (ret)
		return ret;
	spin_lock_irq(&t->lock);
	t->has_ring = true;
	spin_unlock_irq(&t->lock);
	return 0;
}

/* Give the ring back unless someone else already did. */
static void pvct_ring_put(struct pvcalls_tsock *t)
{
	bool had;

	spin_lock_irq(&t->lock);
	had = t->has_ring;
	t->has_ring = false;
	spin_unlock_irq(&t->lock);
	if (had)
		pvc_dring_free(&t->ring);
}

/* The operation in flight failed: back to @prev_state, report @err. */
static void pvct_op_failed(struct pvcalls_tsock *t, int err)
{
	bool connecting;

	spin_lock_irq(&t->lock);
	/*
	 * A failed connect's ring is ours again (the backend unmaps before
	 * it answers), except during close: then a connect aborted by our
	 * RELEASE is answered before the RELEASE itself, and the ring is
	 * left to pvct_release_done().
	 */
	connecting = t->state == PVCT_CONNECTING && !t->releasing;
	t->autobind_tries = 0;
	t->state = t->prev_state;
	t->op_ret = err;
	/*
	 * Together with op_ret, so that a caller seeing the failure also
	 * sees SO_ERROR; only connect reports through SO_ERROR.
	 */
	pvct_event_locked(t, PVCALLS_EV_STATE | PVCALLS_EV_TX,
			  connecting ? err : 0);
	spin_unlock_irq(&t->lock);
	if (connecting)
		pvct_ring_put(t);
}

/*
 * Autobind: v1 never tells the frontend which local port a connect got,
 * yet getsockname() must report it.  So, unless socket-names reports the
 * names (pvct_may_autobind()), before connecting an unbound socket we
 * bind it to a port of Linux's default ephemeral range (retrying when it
 * is taken), then connect from it.  If no port can be had, or the
 * backend may be Linux's own, we connect without and getsockname()
 * reports port 0.
 */
#define PVCT_AUTOBIND_TRIES	8
#define PVCT_EPHEMERAL_LOW	32768
#define PVCT_EPHEMERAL_HIGH	60999

static atomic_t pvct_next_port = ATOMIC_INIT(0);

static void pvct_autobind_req(struct pvcalls_tsock *t, struct pvc_request *req)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	u32 span = PVCT_EPHEMERAL_HIGH - PVCT_EPHEMERAL_LOW + 1;

	/*
	 * Walk the range from a random start rather than picking at
	 * random: a port comes back only after the whole range was used,
	 * so a new connection does not collide with a TIME_WAIT 4-tuple
	 * of a recent one (connect would fail with EADDRNOTAVAIL).
	 */
	if (!atomic_read(&pvct_next_port))
		atomic_cmpxchg(&pvct_next_port, 0, get_random_u32_below(span) + 1);
	sin.sin_addr.s_addr = t->autobind_addr;
	sin.sin_port = htons(PVCT_EPHEMERAL_LOW +
			     (u32)atomic_inc_return(&pvct_next_port) % span);
	t->autobind_port = sin.sin_port;
	pvc_req_init(req, PVC_CMD_BIND);
	req->u.bind.id = t->id;
	memcpy(req->u.bind.addr, &sin, sizeof(sin));
	req->u.bind.len = sizeof(sin);
}

/* The autobind BIND answered @ret: try another port, or connect. */
static void pvct_autobind_done(struct pvcalls_tsock *t, int ret)
{
	struct pvc_request req;

	if (ret == -ENETDOWN || ret == -ECONNABORTED) {
		t->autobind_tries = 0;
		pvct_op_failed(t, ret);
		return;
	}
	if (ret == -EADDRINUSE && --t->autobind_tries) {
		pvct_autobind_req(t, &req);
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
	if (!queue_work(pvc_front.sock_wq, &t->submit_work))
		pvct_put(t);
}

static void pvct_op_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_tsock *t = ctx;
	int ret = pvc_ret(rsp);
	bool names = !ret && pvct_socket_names();

	if (t->autobind_tries && t->state == PVCT_CONNECTING) {
		pvct_autobind_done(t, ret);
		pvct_put(t);
		return;
	}
	if (ret) {
		pvct_op_failed(t, ret);
	} else {
		spin_lock_irq(&t->lock);
		switch (t->state) {
		case PVCT_CONNECTING:
			t->state = PVCT_CONNECTED;
			if (names)
				pvct_names_read_locked(t);
			break;
		case PVCT_BINDING:
			t->state = PVCT_BOUND;
			/* socket-names: the answer's pad is the bound port */
			if (names && rsp->pad && rsp->pad <= U16_MAX)
				WRITE_ONCE(t->local_port, (__force __be16)rsp->pad);
			break;
		default:
			break;
		}
		t->op_ret = 0;
		pvct_event_locked(t, PVCALLS_EV_STATE | PVCALLS_EV_TX, 0);
		spin_unlock_irq(&t->lock);
	}
	pvct_put(t);
}

static void pvct_submit_work(struct work_struct *work)
{
	struct pvcalls_tsock *t = container_of(work, struct pvcalls_tsock,
					       submit_work);
	bool releasing;
	int ret;

	spin_lock_irq(&t->lock);
	releasing = t->releasing;
	spin_unlock_irq(&t->lock);
	ret = releasing ? -ECONNABORTED :
		pvct_submit(t, &t->pending, pvct_op_done, true, NULL);
	if (ret)
		pvct_op_failed(t, ret);
	pvct_put(t);
}

static void pvct_socket_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_tsock *t = ctx;
	int ret = pvc_ret(rsp);

	if (ret) {
		pvct_op_failed(t, ret);
		pvct_put(t);
		return;
	}
	/* Our reference moves to the work. */
	if (!queue_work(pvc_front.sock_wq, &t->submit_work))
		pvct_put(t);
}

/*
 * Start @req (connect/bind/listen) in state @busy, creating the backend
 * socket first if needed.  Called with no lock held.
 */
static int pvct_start(struct pvcalls_tsock *t, struct pvc_request *req)
{
	struct pvc_request sreq;
	bool first;
	int ret;

	pvc_req_init(&sreq, PVC_CMD_SOCKET);
	sreq.u.socket.id = t->id;
	sreq.u.socket.domain = PVC_AF_INET;
	sreq.u.socket.type = PVC_SOCK_STREAM;
	sreq.u.socket.protocol = 0;
	spin_lock_irq(&t->lock);
	first = !t->sock_sent;
	t->sock_sent = true;
	memcpy(&t->pending, req, sizeof(*req));
	spin_unlock_irq(&t->lock);

	if (first)
		ret = pvct_submit(t, &sreq, pvct_socket_done, true, NULL);
	else
		ret = pvct_submit(t, &t->pending, pvct_op_done, true, NULL);
	if (ret && first) {
		spin_lock_irq(&t->lock);
		t->sock_sent = false;
		spin_unlock_irq(&t->lock);
	}
	return ret;
}

/* Move to @busy from an allowed state; returns 0 or the errno. */
static int pvct_enter(struct pvcalls_tsock *t, enum pvct_state busy)
{
	int ret = 0;

	spin_lock_irq(&t->lock);
	if (t->dead) {
		ret = t->dead_err;
	} else if (t->op_ret == -EINPROGRESS) {
		ret = busy == PVCT_CONNECTING && t->state == busy ?
			-EALREADY : -EINVAL;
	} else if (busy == PVCT_CONNECTING) {
		if (t->state == PVCT_CONNECTED || t->state == PVCT_LISTENING)
			ret = -EISCONN;
		else if (t->state != PVCT_NEW && t->state != PVCT_BOUND)
			ret = -EINVAL;
	} else if (busy == PVCT_BINDING) {
		if (t->state != PVCT_NEW)
			ret = -EINVAL;
	} else if (busy == PVCT_LISTENING) {
		if (t->state != PVCT_NEW && t->state != PVCT_BOUND)
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

static void pvct_leave(struct pvcalls_tsock *t, int err)
{
	spin_lock_irq(&t->lock);
	t->state = t->prev_state;
	t->op_ret = err;
	spin_unlock_irq(&t->lock);
}

static int pvct_connect(struct pvcalls_tsock *t, const struct sockaddr_in *sin,
			unsigned int ring_bytes)
{
	struct pvc_request req;
	int ret;

	pvc_req_init(&req, PVC_CMD_CONNECT);
	ret = pvct_enter(t, PVCT_CONNECTING);
	if (ret)
		return ret;
	t->ring_bytes = ring_bytes;
	ret = pvct_ring_setup(t);
	if (ret) {
		pvct_leave(t, ret);
		return ret;
	}
	req.u.connect.id = t->id;
	memcpy(req.u.connect.addr, sin, sizeof(*sin));
	req.u.connect.len = sizeof(*sin);
	req.u.connect.ref = t->ring.iref;
	req.u.connect.evtchn = t->ring.port;
	/* v1 without socket-names: bind first (see "Autobind" above) */
	if (t->prev_state == PVCT_NEW && !t->local_port &&
	    pvct_may_autobind()) {
		struct pvc_request breq;

		memcpy(&t->connect_req, &req, sizeof(req));
		t->autobind_tries = PVCT_AUTOBIND_TRIES;
		/* Linux connects to 127/8 from 127.0.0.1: bind that. */
		t->autobind_addr = ipv4_is_loopback(sin->sin_addr.s_addr) ?
			htonl(INADDR_LOOPBACK) : htonl(INADDR_ANY);
		pvct_autobind_req(t, &breq);
		ret = pvct_start(t, &breq);
		if (ret)
			t->autobind_tries = 0;
	} else {
		ret = pvct_start(t, &req);
	}
	if (ret) {
		pvct_leave(t, ret);
		pvct_ring_put(t);
	}
	return ret;
}

static int pvct_bind(struct pvcalls_tsock *t, const struct sockaddr_in *sin)
{
	struct pvc_request req;
	int ret;

	pvc_req_init(&req, PVC_CMD_BIND);
	ret = pvct_enter(t, PVCT_BINDING);
	if (ret)
		return ret;
	req.u.bind.id = t->id;
	memcpy(req.u.bind.addr, sin, sizeof(*sin));
	req.u.bind.len = sizeof(*sin);
	t->local_addr = sin->sin_addr.s_addr;
	ret = pvct_start(t, &req);
	if (ret)
		pvct_leave(t, ret);
	return ret;
}

static int pvct_listen(struct pvcalls_tsock *t, int backlog,
		       unsigned int ring_bytes)
{
	struct pvc_request req;
	int ret;

	pvc_req_init(&req, PVC_CMD_LISTEN);
	/* for the connections accepted from now on */
	WRITE_ONCE(t->ring_bytes, ring_bytes);
	spin_lock_irq(&t->lock);
	ret = t->state == PVCT_LISTENING && !t->op_ret;
	spin_unlock_irq(&t->lock);
	if (ret)
		return 0;	/* v1 cannot change the backlog later */
	ret = pvct_enter(t, PVCT_LISTENING);
	if (ret)
		return ret;
	req.u.listen.id = t->id;
	req.u.listen.backlog = clamp(backlog, 0, SOMAXCONN);
	ret = pvct_start(t, &req);
	if (ret)
		pvct_leave(t, ret);
	return ret;
}

/*
 * Complete @sin, the family's idea of the local name: with the names the
 * backend reported (socket-names) when it did, else with the port of the
 * autobind or of a bind to port 0.
 */
static void pvct_local_addr(struct pvcalls_tsock *t, struct sockaddr_in *sin)
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
static void pvct_peer_addr(struct pvcalls_tsock *t, struct sockaddr_in *sin)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->names_known)
		*sin = t->peer_name;
	spin_unlock_irqrestore(&t->lock, flags);
}

static int pvct_op_result(struct pvcalls_tsock *t)
{
	int ret;

	spin_lock_irq(&t->lock);
	ret = t->op_ret;
	spin_unlock_irq(&t->lock);
	return ret;
}

static struct pvcalls_tsock *pvct_create(void)
{
	return pvct_alloc() ?: ERR_PTR(-ENOMEM);
}

static void pvct_set_owner(struct pvcalls_tsock *t, void *owner,
			   const struct pvcalls_upcalls *up)
{
	spin_lock_irq(&t->lock);
	t->owner = owner;
	t->up = up;
	spin_unlock_irq(&t->lock);
}

static void pvct_release_done(void *ctx, const struct pvc_response *rsp)
{
	struct pvcalls_tsock *t = ctx;
	const struct pvcalls_upcalls *up;
	void *owner;

	if (rsp->ret && rsp->ret != -ENETDOWN)
		pr_debug("pvcalls: release of %#llx: %d\n", t->id, rsp->ret);
	pvct_lops->released(t);
	complete(&t->released);
	/* The backend has let go of the ring (or is gone): free it. */
	pvct_ring_put(t);
	spin_lock_irq(&t->lock);
	up = t->up;
	owner = t->owner;
	t->up = NULL;
	t->owner = NULL;
	spin_unlock_irq(&t->lock);
	if (up)
		up->released(owner);
	pvct_put(t);	/* the command's reference */
	pvct_put(t);	/* the socket's life */
}

/*
 * Wake every waiter of the directions in @wake (PVC_DRING_WAKE_IN/OUT):
 * a waiter that re-armed an event index found that others may have
 * missed their event (dataring.c, pvc_dring_arm_in()).
 */
static void pvct_wake(struct pvcalls_tsock *t, unsigned int wake)
{
	unsigned int ev = 0;

	if (wake & PVC_DRING_WAKE_IN)
		ev |= PVCALLS_EV_RX;
	if (wake & PVC_DRING_WAKE_OUT) {
		ev |= PVCALLS_EV_TX;
		wake_up(&t->drain_wq);
	}
	if (ev)
		pvct_event(t, ev, 0);
}

/* Bytes still in out[] that the backend can take. */
static bool pvct_out_pending(struct pvcalls_tsock *t)
{
	unsigned int wake = 0;
	bool pending = false;

	spin_lock_irq(&t->lock);
	if (t->state == PVCT_CONNECTED && t->has_ring && !t->dead)
		pending = pvc_dring_out_pending(&t->ring, &wake);
	spin_unlock_irq(&t->lock);
	pvct_wake(t, wake);
	return pending;
}

/* Finish @t's release here, with its command's reference. */
static void pvct_release_local(struct pvcalls_tsock *t)
{
	struct pvc_response rsp = { .ret = -ENETDOWN };

	pvct_release_done(t, &rsp);
}

/* Queue @t's RELEASE with the command's reference; -EAGAIN: no slot. */
static int pvct_submit_release(struct pvcalls_tsock *t)
{
	struct pvc_request req;

	pvc_req_init(&req, PVC_CMD_RELEASE);
	req.u.release.id = t->id;
	return pvc_cmd_submit(&pvc_front.cmd, &req, pvct_release_done, t,
			      false, NULL);
}

/*
 * Tell the backend to release @t, holding a reference for the command.
 * Never waits for a slot: without one the release waits on the list.
 */
static void pvct_send_release(struct pvcalls_tsock *t)
{
	int ret;

	kref_get(&t->ref);
	ret = pvct_submit_release(t);
	if (!ret)
		return;
	if (ret != -EAGAIN) {
		/*
		 * The device is gone (the backend let go of everything) or
		 * the ring is broken (nothing will be answered): finish.
		 */
		pvct_release_local(t);
		return;
	}
	atomic_inc(&pvct_release_waiting);
	atomic64_inc(&pvc_stats.releases_delayed);
	spin_lock(&pvct_release_lock);
	list_add_tail(&t->release_entry, &pvct_release_list);
	spin_unlock(&pvct_release_lock);
	/* a slot may have freed before we were on the list */
	queue_work(pvc_front.wq, &pvct_retry);
}

static void pvct_retry_work(struct work_struct *work)
{
	struct pvcalls_tsock *t;
	int ret;

	for (;;) {
		spin_lock(&pvct_release_lock);
		t = list_first_entry_or_null(&pvct_release_list,
					     struct pvcalls_tsock,
					     release_entry);
		if (t)
			list_del_init(&t->release_entry);
		spin_unlock(&pvct_release_lock);
		if (!t)
			return;
		ret = pvct_submit_release(t);
		if (ret == -EAGAIN) {
			/*
			 * Still first.  The next slot freed runs us again:
			 * the count still includes @t.
			 */
			spin_lock(&pvct_release_lock);
			list_add(&t->release_entry, &pvct_release_list);
			spin_unlock(&pvct_release_lock);
			return;
		}
		atomic_dec(&pvct_release_waiting);
		if (ret)
			pvct_release_local(t);
	}
}

/* The command ring freed slots (or went away): retry delayed releases. */
static void pvct_release_kick(void)
{
	if (atomic_read(&pvct_release_waiting))
		queue_work(pvc_front.wq, &pvct_retry);
}

/* Close: also used for accepted children nobody took. */
void pvct_destroy(struct pvcalls_tsock *t)
{
	bool sent, holds_port;

	if (!t->drain_started && pvct_out_pending(t)) {
		/* Let the backend take what is queued; close must not wait. */
		t->drain_started = true;
		queue_work(pvc_front.sock_wq, &t->release_work);
		return;
	}
	if (t->drain_started)
		wait_event_timeout(t->drain_wq, !pvct_out_pending(t),
				   PVC_CMD_TIMEOUT);

	spin_lock_irq(&t->lock);
	t->releasing = true;
	sent = t->sock_sent;
	holds_port = t->state == PVCT_BOUND || t->state == PVCT_LISTENING;
	spin_unlock_irq(&t->lock);
	pvct_lops->close(t);

	if (!sent) {
		/* Nothing at the backend: finish here. */
		kref_get(&t->ref);
		pvct_release_local(t);
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
		pvct_send_release(t);
		wait_for_completion_timeout(&t->released, PVC_CMD_TIMEOUT);
		pvct_put(t);
	} else {
		pvct_send_release(t);
	}
}

static void pvct_release_work(struct work_struct *work)
{
	pvct_destroy(container_of(work, struct pvcalls_tsock, release_work));
}

/* Close from a command callback, which must not wait for a ring slot. */
void pvct_destroy_async(struct pvcalls_tsock *t)
{
	queue_work(pvc_front.sock_wq, &t->release_work);
}

/* The device went down: every socket is dead with @err. */
static void pvct_kill_all(int err)
{
	struct pvcalls_tsock *t;
	unsigned long idx;

	xa_lock(&pvc_front.socks);
	xa_for_each(&pvc_front.socks, idx, t) {
		spin_lock_irq(&t->lock);
		t->dead = true;
		t->dead_err = err;
		if (t->up)
			t->up->event(t->owner, PVCALLS_EV_RX | PVCALLS_EV_TX |
				     PVCALLS_EV_STATE, 0);
		spin_unlock_irq(&t->lock);
		wake_up(&t->drain_wq);
	}
	xa_unlock(&pvc_front.socks);
}

/*
 * debugfs "sockets": one line per socket with a data ring, its counters
 * per direction (in: backend to us, out: us to the backend).  The
 * xarray lock keeps every socket found from being freed meanwhile.
 */
int pvct_show_sockets(struct seq_file *m, void *unused)
{
	struct pvcalls_tsock *t;
	unsigned long idx;

	xa_lock(&pvc_front.socks);
	xa_for_each(&pvc_front.socks, idx, t) {
		spin_lock_irq(&t->lock);
		if (t->has_ring) {
			seq_printf(m, "socket %#llx order %u notify %d", t->id,
				   t->ring.order, t->ring.notify);
			pvc_seq_dir_stats(m, "in", &t->ring.st_in);
			pvc_seq_dir_stats(m, "out", &t->ring.st_out);
			seq_putc(m, '\n');
		}
		spin_unlock_irq(&t->lock);
	}
	xa_unlock(&pvc_front.socks);
	return 0;
}

/*
 * 0 when the data ring may be used; *@dead is then 0 or the error the
 * socket died of (device gone, protocol error).
 */
static int pvct_usable(struct pvcalls_tsock *t, int *dead)
{
	int ret = 0;

	spin_lock_irq(&t->lock);
	if (t->state != PVCT_CONNECTED || !t->has_ring)
		ret = -ENOTCONN;
	*dead = t->dead ? t->dead_err : 0;
	spin_unlock_irq(&t->lock);
	return ret;
}

static void pvct_protocol_error(struct pvcalls_tsock *t)
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

static ssize_t pvct_send(struct pvcalls_tsock *t, struct msghdr *msg,
			 size_t len)
{
	ssize_t ret;
	int dead;

	ret = pvct_usable(t, &dead);
	if (ret || dead)
		return ret ?: dead;
	if (mutex_lock_interruptible(&t->tx_mutex))
		return -ERESTARTSYS;
	ret = pvc_dring_send(&t->ring, msg, len);
	mutex_unlock(&t->tx_mutex);
	if (ret > 0)
		atomic64_add(ret, &pvc_stats.bytes_sent);
	if (ret == -EIO)
		pvct_protocol_error(t);
	return ret;
}

static ssize_t pvct_recv(struct pvcalls_tsock *t, struct msghdr *msg,
			 size_t len, bool peek)
{
	ssize_t ret;
	int dead;

	ret = pvct_usable(t, &dead);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&t->rx_mutex))
		return -ERESTARTSYS;
	/* After a protocol error the indexes mean nothing: stop reading. */
	ret = dead == -EIO ? -EIO : pvc_dring_recv(&t->ring, msg, len, peek);
	mutex_unlock(&t->rx_mutex);
	if (ret > 0 && !peek)
		atomic64_add(ret, &pvc_stats.bytes_received);
	if (ret == -EIO)
		pvct_protocol_error(t);
	/* Bytes already in the ring stay readable after the device died. */
	if (ret == -EAGAIN && dead)
		return dead;
	return ret;
}

static void pvct_queued(struct pvcalls_tsock *t, int *inq, int *outq)
{
	u32 in, out;
	int dead;

	*inq = 0;
	*outq = 0;
	/* After a protocol error the indexes mean nothing. */
	if (pvct_usable(t, &dead) || dead == -EIO)
		return;
	if (pvc_dring_queued(&t->ring, &in, &out)) {
		pvct_protocol_error(t);
		return;
	}
	*inq = in;
	*outq = out;
}

static __poll_t pvct_poll(struct pvcalls_tsock *t, int rcvlowat,
			  __poll_t events)
{
	enum pvct_state state;
	unsigned int wake;
	bool ring, dead;
	__poll_t mask;

	spin_lock_irq(&t->lock);
	state = t->state;
	ring = t->has_ring;
	dead = t->dead;
	spin_unlock_irq(&t->lock);

	if (state == PVCT_LISTENING)
		return pvct_lops->poll(t);
	if (state != PVCT_CONNECTED || !ring)
		return 0;
	/*
	 * The ring stays allocated while we look: only release frees it,
	 * and the family does not release a socket it is polling.
	 */
	mask = pvc_dring_poll(&t->ring, rcvlowat, dead ? 0 : events, &wake);
	pvct_wake(t, wake);
	if (dead)
		mask |= EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP;
	return mask;
}

static __poll_t pvct_watch(struct pvcalls_tsock *t, __poll_t events)
{
	unsigned int wake;
	__poll_t mask;
	int dead;

	if (pvct_usable(t, &dead) || dead)
		return 0;
	mask = pvc_dring_watch(&t->ring, events, &wake);
	pvct_wake(t, wake);
	return mask;
}

static int pvct_accept(struct pvcalls_tsock *t, bool nonblock,
		       struct pvcalls_tsock **child)
{
	return pvct_lops->accept(t, nonblock, child);
}

static bool pvct_accept_busy(struct pvcalls_tsock *t)
{
	return pvct_lops->accept_busy(t);
}

static const struct pvc_front_upcalls pvct_front_upcalls = {
	.down = pvct_kill_all,
	.slots_freed = pvct_release_kick,
};

/* Wire the layers: the listener above us, the device below. */
void pvct_init(const struct pvct_listen_ops *lops)
{
	pvct_lops = lops;
	pvc_front_register(&pvct_front_upcalls);
}

const struct pvcalls_transport_ops pvcalls_xen_transport = {
	.create = pvct_create,
	.set_owner = pvct_set_owner,
	.release = pvct_destroy,
	.connect = pvct_connect,
	.bind = pvct_bind,
	.listen = pvct_listen,
	.local_addr = pvct_local_addr,
	.peer_addr = pvct_peer_addr,
	.op_result = pvct_op_result,
	.accept = pvct_accept,
	.accept_busy = pvct_accept_busy,
	.poll = pvct_poll,
	.watch = pvct_watch,
	.send = pvct_send,
	.recv = pvct_recv,
	.queued = pvct_queued,
};
EXPORT_SYMBOL_GPL(pvcalls_xen_transport);	/* pvcalls_family_claim() */
