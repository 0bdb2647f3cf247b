// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls-loopback: the PV Calls socket family (af_pvcalls.c) served by
 * this kernel's own TCP instead of a Xen backend.  Each socket of the
 * family is backed by a kernel TCP socket in the initial network
 * namespace, so a connection goes wherever a TCP connection from this
 * machine would, and a listener of the family takes connections from
 * this machine's TCP.  No Xen is needed: the family's selftests run in
 * any Linux VM (with KASAN too), and programs written for the family
 * can be tried on a laptop.
 *
 * The ops of transport.h map to the kernel socket calls, always
 * nonblocking (the family does the waiting): connect and accept finish
 * in the background and are seen through the socket's callbacks,
 * sk_state_change, sk_data_ready and sk_write_space, which become the
 * family's event upcalls.  The errnos are TCP's own.  What the Xen
 * transport adds, the rings and their sizes, the command ring and its
 * limits, has no counterpart here.
 *
 * Locking: the callbacks run in softirq context; they find the
 * endpoint in sk_user_data under sk_callback_lock (read), and
 * release clears it under the same lock (write) before it frees
 * anything, so no callback runs on a freed socket.  @lock (taken in
 * softirq) protects the state and the owner.
 */
#include <linux/debugfs.h>
#include <linux/in.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "transport.h"

enum pvcl_state {
	PVCL_NEW,		/* unconnected, or after a failed connect */
	PVCL_CONNECTING,
	PVCL_CONNECTED,		/* connected or accepted */
	PVCL_LISTENING,
};

struct pvcalls_endpoint {
	struct socket *sock;	/* the kernel TCP socket */
	spinlock_t lock;	/* the fields below; taken in softirq */
	enum pvcl_state state;
	int op_ret;		/* -EINPROGRESS or the last op's result */
	bool err_reported;	/* a connection's error went to SO_ERROR */
	void *owner;
	const struct pvcalls_upcalls *up;
	/* the socket's own callbacks, put back at release */
	void (*orig_state_change)(struct sock *sk);
	void (*orig_data_ready)(struct sock *sk);
	void (*orig_write_space)(struct sock *sk);
};

static atomic_t pvcl_sockets = ATOMIC_INIT(0);
static struct dentry *pvcl_debugfs;

/* Tell the owner, if there is one yet. */
static void pvcl_event_locked(struct pvcalls_endpoint *t, unsigned int ev,
			      int err)
{
	lockdep_assert_held(&t->lock);
	if (t->up)
		t->up->event(t->owner, ev, err);
}

static void pvcl_event(struct pvcalls_endpoint *t, unsigned int ev, int err)
{
	spin_lock_bh(&t->lock);
	pvcl_event_locked(t, ev, err);
	spin_unlock_bh(&t->lock);
}

static enum pvcl_state pvcl_state(struct pvcalls_endpoint *t)
{
	enum pvcl_state state;

	spin_lock_bh(&t->lock);
	state = t->state;
	spin_unlock_bh(&t->lock);
	return state;
}

/*
 * Connect finished (established, or closed by a refusal, a timeout or
 * an ICMP error), or a connection changed state (FIN, reset).
 */
static void pvcl_state_changed(struct pvcalls_endpoint *t, struct sock *sk)
{
	unsigned int ev = PVCALLS_EV_RX | PVCALLS_EV_TX;
	int state = READ_ONCE(sk->sk_state), err = 0;

	spin_lock_bh(&t->lock);
	if (t->state == PVCL_CONNECTING && t->op_ret == -EINPROGRESS) {
		if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) {
			spin_unlock_bh(&t->lock);
			return;
		}
		ev |= PVCALLS_EV_STATE;
		if (state == TCP_CLOSE) {
			/* read and clear, as connect() would: SO_ERROR */
			err = sock_error(sk) ?: -ECONNREFUSED;
			t->state = PVCL_NEW;
			t->op_ret = err;
		} else {
			t->state = PVCL_CONNECTED;
			t->op_ret = 0;
		}
	} else if (t->state == PVCL_CONNECTED && !t->err_reported) {
		/* a reset: what SO_ERROR gives, once; recv reports it too */
		err = -READ_ONCE(sk->sk_err);
		t->err_reported = err != 0;
	}
	pvcl_event_locked(t, ev, err);
	spin_unlock_bh(&t->lock);
}

/*
 * The endpoint of @sk, or NULL: a connection not yet accepted
 * has none (SK_USER_DATA_NOCOPY keeps its listener's from being cloned
 * into it).  Under sk_callback_lock.
 */
static struct pvcalls_endpoint *pvcl_of(struct sock *sk)
{
	return __locked_read_sk_user_data_with_flags(sk, SK_USER_DATA_NOCOPY);
}

static void pvcl_sk_state_change(struct sock *sk)
{
	struct pvcalls_endpoint *t;

	read_lock_bh(&sk->sk_callback_lock);
	t = pvcl_of(sk);
	if (t)
		pvcl_state_changed(t, sk);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Data, or a connection for a listener. */
static void pvcl_sk_data_ready(struct sock *sk)
{
	struct pvcalls_endpoint *t;

	read_lock_bh(&sk->sk_callback_lock);
	t = pvcl_of(sk);
	if (t)
		pvcl_event(t, PVCALLS_EV_RX, 0);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP calls this when acknowledged data freed space and a sender found
 * none (SOCK_NOSPACE): wake once there is enough to write.
 */
static void pvcl_sk_write_space(struct sock *sk)
{
	struct pvcalls_endpoint *t;

	read_lock_bh(&sk->sk_callback_lock);
	t = pvcl_of(sk);
	if (t && sk->sk_socket && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		pvcl_event(t, PVCALLS_EV_TX, 0);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * An endpoint for @sock, its callbacks ours.  @parent: the
 * listener of an accepted connection, which inherited the listener's
 * callbacks (ours): the originals are the listener's.
 */
static struct pvcalls_endpoint *pvcl_attach(struct socket *sock,
					    struct pvcalls_endpoint *parent,
					    enum pvcl_state state)
{
	struct sock *sk = sock->sk;
	struct pvcalls_endpoint *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	spin_lock_init(&t->lock);
	t->sock = sock;
	t->state = state;
	write_lock_bh(&sk->sk_callback_lock);
	if (parent) {
		t->orig_state_change = parent->orig_state_change;
		t->orig_data_ready = parent->orig_data_ready;
		t->orig_write_space = parent->orig_write_space;
	} else {
		t->orig_state_change = sk->sk_state_change;
		t->orig_data_ready = sk->sk_data_ready;
		t->orig_write_space = sk->sk_write_space;
	}
	__rcu_assign_sk_user_data_with_flags(sk, t, SK_USER_DATA_NOCOPY);
	sk->sk_state_change = pvcl_sk_state_change;
	sk->sk_data_ready = pvcl_sk_data_ready;
	sk->sk_write_space = pvcl_sk_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
	atomic_inc(&pvcl_sockets);
	return t;
}

static struct pvcalls_endpoint *pvcl_create(void)
{
	struct socket *sock;
	struct pvcalls_endpoint *t;
	int ret;

	ret = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		return ERR_PTR(ret);
	t = pvcl_attach(sock, NULL, PVCL_NEW);
	if (!t) {
		sock_release(sock);
		return ERR_PTR(-ENOMEM);
	}
	return t;
}

static void pvcl_set_owner(struct pvcalls_endpoint *t, void *owner,
			   const struct pvcalls_upcalls *up)
{
	spin_lock_bh(&t->lock);
	t->owner = owner;
	t->up = up;
	spin_unlock_bh(&t->lock);
}

/*
 * Close: no callback runs once the originals are back, then the kernel
 * socket is closed as close() closes a TCP socket (queued data is still
 * sent, unread data resets the connection, a listener's port is free).
 */
static void pvcl_release(struct pvcalls_endpoint *t)
{
	struct sock *sk = t->sock->sk;
	const struct pvcalls_upcalls *up;
	void *owner;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_state_change = t->orig_state_change;
	sk->sk_data_ready = t->orig_data_ready;
	sk->sk_write_space = t->orig_write_space;
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);

	spin_lock_bh(&t->lock);
	up = t->up;
	owner = t->owner;
	t->up = NULL;
	spin_unlock_bh(&t->lock);

	sock_release(t->sock);
	if (up)
		up->released(owner);
	atomic_dec(&pvcl_sockets);
	kfree(t);
}

static int pvcl_connect(struct pvcalls_endpoint *t,
			const struct sockaddr_in *sin, unsigned int ring_bytes)
{
	struct socket *sock = t->sock;
	int ret = 0;

	spin_lock_bh(&t->lock);
	if (t->state == PVCL_CONNECTING)
		ret = -EALREADY;
	else if (t->state != PVCL_NEW)
		ret = -EISCONN;
	spin_unlock_bh(&t->lock);
	if (ret)
		return ret;
	/*
	 * After a failed connect the kernel socket still says
	 * SS_CONNECTING (the failure came in the background): make it
	 * ready for another try, as inet_stream_connect() does when it
	 * reports the failure itself.
	 */
	lock_sock(sock->sk);
	if (sock->sk->sk_state == TCP_CLOSE)
		sock->state = SS_UNCONNECTED;
	release_sock(sock->sk);

	spin_lock_bh(&t->lock);
	t->state = PVCL_CONNECTING;
	t->op_ret = -EINPROGRESS;
	t->err_reported = false;
	spin_unlock_bh(&t->lock);
	/* The callback may finish it before this returns. */
	ret = kernel_connect(sock, (struct sockaddr *)sin, sizeof(*sin),
			     O_NONBLOCK);
	if (ret == -EINPROGRESS)
		return 0;
	spin_lock_bh(&t->lock);
	if (t->op_ret == -EINPROGRESS) {
		t->state = ret ? PVCL_NEW : PVCL_CONNECTED;
		t->op_ret = ret;
	}
	spin_unlock_bh(&t->lock);
	return ret;
}

static int pvcl_bind(struct pvcalls_endpoint *t, const struct sockaddr_in *sin)
{
	int ret;

	ret = kernel_bind(t->sock, (struct sockaddr *)sin, sizeof(*sin));
	if (!ret) {
		spin_lock_bh(&t->lock);
		t->op_ret = 0;
		spin_unlock_bh(&t->lock);
	}
	return ret;
}

static int pvcl_listen(struct pvcalls_endpoint *t, int backlog,
		       unsigned int ring_bytes)
{
	enum pvcl_state state = pvcl_state(t);
	int ret;

	if (state == PVCL_CONNECTING || state == PVCL_CONNECTED)
		return -EINVAL;
	ret = kernel_listen(t->sock, backlog);
	if (ret)
		return ret;
	spin_lock_bh(&t->lock);
	t->state = PVCL_LISTENING;
	t->op_ret = 0;
	spin_unlock_bh(&t->lock);
	return 0;
}

/* The kernel socket knows both names: they replace the family's idea. */
static void pvcl_local_addr(struct pvcalls_endpoint *t, struct sockaddr_in *sin)
{
	struct sockaddr_in addr;

	if (kernel_getsockname(t->sock, (struct sockaddr *)&addr) >= 0)
		*sin = addr;
}

static void pvcl_peer_addr(struct pvcalls_endpoint *t, struct sockaddr_in *sin)
{
	struct sockaddr_in addr;

	if (kernel_getpeername(t->sock, (struct sockaddr *)&addr) >= 0)
		*sin = addr;
}

static int pvcl_op_result(struct pvcalls_endpoint *t)
{
	int ret;

	spin_lock_bh(&t->lock);
	ret = t->op_ret;
	spin_unlock_bh(&t->lock);
	return ret;
}

static int pvcl_accept(struct pvcalls_endpoint *t, bool nonblock,
		       struct pvcalls_endpoint **child)
{
	struct socket *newsock;
	struct pvcalls_endpoint *c;
	int ret;

	if (pvcl_state(t) != PVCL_LISTENING)
		return -EINVAL;
	ret = kernel_accept(t->sock, &newsock, O_NONBLOCK);
	if (ret == -EAGAIN)
		return nonblock ? -EAGAIN : -EINPROGRESS;
	if (ret)
		return ret;
	c = pvcl_attach(newsock, t, PVCL_CONNECTED);
	if (!c) {
		sock_release(newsock);
		return -ENOMEM;
	}
	*child = c;
	return 0;
}

/* A blocking accept waits while no connection is queued. */
static bool pvcl_accept_busy(struct pvcalls_endpoint *t)
{
	return pvcl_state(t) == PVCL_LISTENING &&
		reqsk_queue_empty(&inet_csk(t->sock->sk)->icsk_accept_queue);
}

/*
 * TCP's readiness, EPOLLIN held back below @rcvlowat bytes unless the
 * receive buffer or window cannot take more (TCP's own rule for its
 * SO_RCVLOWAT).  tcp_poll() sets SOCK_NOSPACE when there is no room, so
 * sk_write_space follows when there is; sk_data_ready comes with every
 * arrival.
 */
static __poll_t pvcl_poll(struct pvcalls_endpoint *t, int rcvlowat,
			  __poll_t events)
{
	struct socket *sock = t->sock;
	enum pvcl_state state = pvcl_state(t);
	__poll_t mask;

	if (state != PVCL_CONNECTED && state != PVCL_LISTENING)
		return 0;
	mask = sock->ops->poll(NULL, sock, NULL);
	if (state == PVCL_LISTENING)
		return mask & (EPOLLIN | EPOLLRDNORM);
	if (rcvlowat > 1 && (mask & EPOLLIN) &&
	    !(mask & (EPOLLERR | EPOLLRDHUP | EPOLLHUP)) &&
	    !tcp_epollin_ready(sock->sk, rcvlowat))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	return mask;
}

/* Arm sk_write_space even if there is room now. */
static __poll_t pvcl_watch(struct pvcalls_endpoint *t, __poll_t events)
{
	if (pvcl_state(t) != PVCL_CONNECTED)
		return 0;
	if (events & EPOLLOUT) {
		set_bit(SOCK_NOSPACE, &t->sock->flags);
		smp_mb__after_atomic();	/* flag before TCP's next look */
	}
	return pvcl_poll(t, 1, events);
}

/*
 * One nonblocking call of the kernel socket on at most @len bytes of
 * the family's @msg (its iterator moves on by what was copied).
 */
static ssize_t pvcl_xfer(struct pvcalls_endpoint *t, struct msghdr *msg,
			 size_t len, bool out, int flags)
{
	size_t count = iov_iter_count(&msg->msg_iter);
	unsigned int saved = msg->msg_flags;
	ssize_t ret;

	if (pvcl_state(t) != PVCL_CONNECTED)
		return -ENOTCONN;
	len = min(len, count);
	iov_iter_truncate(&msg->msg_iter, len);
	msg->msg_flags = flags | MSG_DONTWAIT | MSG_NOSIGNAL;
	if (out)
		ret = sock_sendmsg(t->sock, msg);
	else
		ret = sock_recvmsg(t->sock, msg, msg->msg_flags);
	msg->msg_flags = saved;
	iov_iter_reexpand(&msg->msg_iter,
			  iov_iter_count(&msg->msg_iter) + count - len);
	return ret;
}

static ssize_t pvcl_send(struct pvcalls_endpoint *t, struct msghdr *msg,
			 size_t len)
{
	return pvcl_xfer(t, msg, len, true, 0);
}

static ssize_t pvcl_recv(struct pvcalls_endpoint *t, struct msghdr *msg,
			 size_t len, bool peek)
{
	return pvcl_xfer(t, msg, len, false, peek ? MSG_PEEK : 0);
}

/* As TCP's SIOCINQ and SIOCOUTQ. */
static void pvcl_queued(struct pvcalls_endpoint *t, int *inq, int *outq)
{
	struct sock *sk = t->sock->sk;

	*inq = 0;
	*outq = 0;
	if (pvcl_state(t) != PVCL_CONNECTED)
		return;
	lock_sock(sk);
	*inq = tcp_inq(sk);
	*outq = READ_ONCE(tcp_sk(sk)->write_seq) - tcp_sk(sk)->snd_una;
	release_sock(sk);
}

const struct pvcalls_transport_ops pvcalls_loopback_transport = {
	.create = pvcl_create,
	.set_owner = pvcl_set_owner,
	.release = pvcl_release,
	.connect = pvcl_connect,
	.bind = pvcl_bind,
	.listen = pvcl_listen,
	.local_addr = pvcl_local_addr,
	.peer_addr = pvcl_peer_addr,
	.op_result = pvcl_op_result,
	.accept = pvcl_accept,
	.accept_busy = pvcl_accept_busy,
	.poll = pvcl_poll,
	.watch = pvcl_watch,
	.send = pvcl_send,
	.recv = pvcl_recv,
	.queued = pvcl_queued,
};
EXPORT_SYMBOL_GPL(pvcalls_loopback_transport);	/* pvcalls_family_claim() */

/* debugfs "stats": the sockets held, which the selftests check for 0. */
static int pvcl_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "sockets %d\n", atomic_read(&pvcl_sockets));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvcl_stats);

static int __init pvcl_init(void)
{
	int ret;

	ret = pvcalls_family_init(&pvcalls_loopback_transport);
	if (ret)
		return ret;
	pvcl_debugfs = debugfs_create_dir("pvcalls-loopback", NULL);
	debugfs_create_file("stats", 0444, pvcl_debugfs, NULL,
			    &pvcl_stats_fops);
	return 0;
}

/* Only reached with no socket left: each pins the module. */
static void __exit pvcl_exit(void)
{
	debugfs_remove_recursive(pvcl_debugfs);
	pvcalls_family_exit();
}

module_init(pvcl_init);
module_exit(pvcl_exit);
MODULE_DESCRIPTION("PV Calls socket family over this kernel's TCP (no Xen)");
MODULE_LICENSE("GPL");
