// SPDX-License-Identifier: GPL-2.0
/*
 * The PV Calls socket family: TCP-like stream sockets whose calls are
 * carried out by a transport (pvcalls_transport_ops, transport.h).
 *
 * Sockets and states.  struct pvcalls_sock embeds the struct sock; ->t is
 * its endpoint (the transport's side of it, transport.h).  sock->state
 * and sk->sk_state follow inet:
 *   SS_UNCONNECTED/TCP_CLOSE     new, or after a failed connect
 *   SS_CONNECTING/TCP_SYN_SENT   connect in flight
 *   SS_CONNECTED/TCP_ESTABLISHED connected or accepted
 *   SS_UNCONNECTED/TCP_LISTEN    listening
 * A connect finishing in the background moves TCP_SYN_SENT on only when
 * a caller holding the socket lock looks (pvcalls_sync_state()); poll()
 * derives the same answer without the lock (pvcalls_state()).
 *
 * Locking, references and execution contexts: the implementation notes
 * at the top of front.h, written with the Xen transport's; the family's
 * part there (socket lock, upcall contexts, sock references, module
 * pinning) holds for every transport.
 *
 * Blocking: every wait is wait_event_interruptible_timeout() on
 * sk_sleep() with a condition asked of the transport; a caller holding
 * the socket lock drops it meanwhile (pvcalls_wait_unlocked()).  A wait
 * for an operation (connect, bind, listen, accept) lets the transport
 * finish it in the waiting task (->wait_start(), ->unsettled() and
 * ->settle(), transport.h), so that its end costs no switch to a worker.
 * Timeouts come from SO_RCVTIMEO/SO_SNDTIMEO (sock_rcvtimeo/
 * sock_sndtimeo), signals give sock_intr_errno() (EINTR, or ERESTARTSYS
 * honouring SA_RESTART).
 * Close while another thread sleeps in recv/accept/poll on the same
 * socket cannot free anything under it: the VFS keeps the file, hence
 * the socket, until that call returns (as with TCP, it keeps waiting
 * for data, a timeout or a signal).
 *
 * Permissions, as TCP has them: bind() below the caller's network
 * namespace's ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE in
 * that namespace (EACCES).  Sockets exist only in the initial network
 * namespace, dom0's network being no part of any other (socket() gives
 * EAFNOSUPPORT elsewhere), unless the admin sets allow_netns; the admin
 * may also keep the family to one group (group=GID, EACCES for others).
 *
 * What v1 cannot carry and is emulated here (documented for users):
 *  - shutdown(SHUT_WR) stops local sends (EPIPE) but sends no FIN: the
 *    peer sees end of file only at close.  close() returns at once; the
 *    transport keeps the socket until the backend has taken what is
 *    left in the send ring (bounded wait), then releases it.
 *    shutdown(SHUT_RD) makes reads return 0 once the ring is empty.
 *  - TCP-level options (TCP_NODELAY...) are accepted and remembered,
 *    with no effect; TCP_INFO gives the state and zero counters;
 *    SO_LINGER, SO_KEEPALIVE are stored by the generic code only.
 *    SO_SNDBUF and SO_RCVBUF set before connect() or listen() size the
 *    data ring (pvcalls_ring_bytes()), up to what the backend offers.
 *  - getsockname() gives the bound address; after connect() of an
 *    unbound socket, the address and port the transport bound it to
 *    before connecting (v1 reports no local address): 127.0.0.1 for a
 *    loopback destination, else 0.0.0.0.  A port chosen
 *    by dom0's kernel (listen() without bind()) shows as 0.
 *    getpeername() of an accepted socket gives 0.0.0.0:0 since v1 does
 *    not report the peer.
 */
#include <linux/in.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <asm/ioctls.h>
#include <linux/cred.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "transport.h"

/* Longest a nonblocking accept waits for an answer it knows is coming. */
#define PVCALLS_NB_ACCEPT_WAIT	(5 * HZ)
/* Longest bind/listen wait for the backend. */
#define PVCALLS_OP_TIMEOUT		(30 * HZ)

struct pvcalls_sock {
	struct sock sk;		/* first: sk_alloc() allocates it all */
	struct pvcalls_endpoint *t;
	struct sockaddr_in local, peer;
	bool op_pending;	/* an interrupted bind/listen still runs */
	int tcp_nodelay, tcp_cork;
};

static const struct pvcalls_transport_ops *tops;

static inline struct pvcalls_sock *pvcalls_sk(struct sock *sk)
{
	return container_of(sk, struct pvcalls_sock, sk);
}

static const struct proto_ops pvcalls_stream_ops;

static bool pvcalls_allow_netns;
module_param_named(allow_netns, pvcalls_allow_netns, bool, 0644);
MODULE_PARM_DESC(allow_netns,
		 "Allow sockets in network namespaces other than the initial one (default 0: socket() there fails with EAFNOSUPPORT)");

static int pvcalls_group = -1;
module_param_named(group, pvcalls_group, int, 0644);
MODULE_PARM_DESC(group,
		 "Only members of this group (GID in the initial user namespace) may create sockets, others get EACCES (default -1: everyone)");

/* May the caller have a socket of the family in @net? */
static int pvcalls_may_create(struct net *net, int kern)
{
	int gid = READ_ONCE(pvcalls_group);

	if (!net_eq(net, &init_net) && !READ_ONCE(pvcalls_allow_netns))
		return -EAFNOSUPPORT;
	if (!kern && gid >= 0 && !in_group_p(make_kgid(&init_user_ns, gid)))
		return -EACCES;
	return 0;
}

static struct proto pvcalls_proto = {
	.name = "PVCALLS",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct pvcalls_sock),
};

static struct net_proto_family pvcalls_family_ops;

static void pvcalls_wake(struct sock *sk, __poll_t mask)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, mask);
	rcu_read_unlock();
}

static void pvcalls_up_event(void *owner, unsigned int ev, int err)
{
	struct sock *sk = owner;
	__poll_t mask = 0;

	/* Only a failed connect passes @err: it is what SO_ERROR gives. */
	if (err)
		WRITE_ONCE(sk->sk_err, -err);
	if (ev & PVCALLS_EV_RX)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (ev & PVCALLS_EV_TX)
		mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	if (ev & PVCALLS_EV_STATE)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM |
			EPOLLERR | EPOLLHUP | EPOLLRDHUP;
	pvcalls_wake(sk, mask);
}

static void pvcalls_up_released(void *owner)
{
	sock_put(owner);
}

static const struct pvcalls_upcalls pvcalls_sock_upcalls = {
	.event = pvcalls_up_event,
	.released = pvcalls_up_released,
};

/* Effective state, without the socket lock. */
static int pvcalls_state(struct sock *sk)
{
	int state = READ_ONCE(sk->sk_state);
	int r;

	if (state != TCP_SYN_SENT)
		return state;
	r = tops->op_result(pvcalls_sk(sk)->t);
	if (r == -EINPROGRESS)
		return state;
	return r ? TCP_CLOSE : TCP_ESTABLISHED;
}

/* Under lock_sock: make a finished background connect visible. */
static void pvcalls_sync_state(struct sock *sk)
{
	WRITE_ONCE(sk->sk_state, pvcalls_state(sk));
}

static struct sock *pvcalls_sk_alloc(struct net *net, struct socket *sock,
				     struct pvcalls_endpoint *t, int kern)
{
	struct sock *sk;

	sk = sk_alloc(net, pvcalls_family_ops.family, GFP_KERNEL,
		      &pvcalls_proto, kern);
	if (!sk)
		return NULL;
	sock_init_data(sock, sk);
	sock->ops = &pvcalls_stream_ops;
	sk->sk_protocol = IPPROTO_TCP;
	pvcalls_sk(sk)->t = t;
	pvcalls_sk(sk)->local.sin_family = AF_INET;
	pvcalls_sk(sk)->peer.sin_family = AF_INET;
	sock_hold(sk);		/* the transport's, until ->released() */
	tops->set_owner(t, sk, &pvcalls_sock_upcalls);
	return sk;
}

static int pvcalls_create(struct net *net, struct socket *sock, int protocol,
			  int kern)
{
	struct pvcalls_endpoint *t;
	int err;

	err = pvcalls_may_create(net, kern);
	if (err)
		return err;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	sock->state = SS_UNCONNECTED;
	t = tops->create();
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (!pvcalls_sk_alloc(net, sock, t, kern)) {
		tops->release(t);
		return -ENOMEM;
	}
	return 0;
}

static int pvcalls_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	sk->sk_state = TCP_CLOSE;
	sk->sk_state_change(sk);	/* wake anyone left */
	sock_orphan(sk);
	release_sock(sk);
	tops->release(pvcalls_sk(sk)->t);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/* The user's address, checked as TCP does, into @sin (sin_zero cleared). */
static int pvcalls_get_addr(const struct sockaddr *addr, int len,
			    struct sockaddr_in *sin)
{
	if (len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (addr->sa_family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(sin, addr, sizeof(*sin));
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return 0;
}

/* The transport's help with waits (transport.h), if it wants to give it. */
static void pvcalls_wait_start(struct pvcalls_endpoint *t)
{
	if (tops->wait_start)
		tops->wait_start(t);
}

static bool pvcalls_unsettled(struct pvcalls_endpoint *t)
{
	return tops->unsettled && tops->unsettled(t);
}

static void pvcalls_settle(struct pvcalls_endpoint *t, bool end)
{
	if (tops->settle)
		tops->settle(t, end);
}

static bool pvcalls_op_done(struct sock *sk)
{
	return tops->op_result(pvcalls_sk(sk)->t) != -EINPROGRESS;
}

static bool pvcalls_accept_ready(struct sock *sk)
{
	return !tops->accept_busy(pvcalls_sk(sk)->t) ||
		(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/*
 * Wait up to @timeo for @cond(@sk) with the socket lock dropped, and
 * take it again: what wait_event_interruptible_timeout() returns (< 0
 * for a signal, 0 for the timeout, else the time left), but > 0 whenever
 * @cond holds at the end.  The transport's ->settle() runs after each
 * wakeup and once more at the end, outside the wait condition (it may
 * sleep): it may be what makes @cond true.
 */
static long pvcalls_wait_unlocked(struct sock *sk,
				  bool (*cond)(struct sock *sk), long timeo)
{
	struct pvcalls_endpoint *t = pvcalls_sk(sk)->t;
	long left = timeo;

	release_sock(sk);
	pvcalls_wait_start(t);
	for (;;) {
		left = wait_event_interruptible_timeout(*sk_sleep(sk),
							cond(sk) ||
							pvcalls_unsettled(t),
							left);
		if (left <= 0 || cond(sk))
			break;
		pvcalls_settle(t, false);
	}
	pvcalls_settle(t, true);
	if (left <= 0 && cond(sk))
		left = 1;
	lock_sock(sk);
	return left;
}

/*
 * Wait for the transport's bind/listen; called and returns with the
 * socket lock held.
 */
static int pvcalls_wait_op(struct sock *sk)
{
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	long left;

	left = pvcalls_wait_unlocked(sk, pvcalls_op_done,
				     PVCALLS_OP_TIMEOUT);
	if (left < 0) {
		ps->op_pending = true;
		return sock_intr_errno(MAX_SCHEDULE_TIMEOUT);
	}
	if (!left) {
		ps->op_pending = true;
		return -ETIMEDOUT;
	}
	ps->op_pending = false;
	return tops->op_result(ps->t);
}

static int pvcalls_bind(struct socket *sock, struct sockaddr *addr, int len)
{
	struct sock *sk = sock->sk;
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	struct sockaddr_in sin;
	int err;

	err = pvcalls_get_addr(addr, len, &sin);
	if (err)
		return err;
	/* As inet_bind(): a privileged port needs the capability. */
	if (sin.sin_port &&
	    inet_port_requires_bind_service(sock_net(sk), ntohs(sin.sin_port)) &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	lock_sock(sk);
	if (!ps->op_pending) {
		err = -EINVAL;
		if (sk->sk_state != TCP_CLOSE || sock->state != SS_UNCONNECTED)
			goto out;
		err = tops->bind(ps->t, &sin);
		if (err)
			goto out;
	}
	err = pvcalls_wait_op(sk);
	if (!err)
		ps->local = sin;
out:
	release_sock(sk);
	return err;
}

/*
 * The socket buffer the user set (SO_SNDBUF, SO_RCVBUF: the doubled
 * value the generic code stores), the larger of the two, or 0 when
 * neither was set: it sizes the data ring, as a TCP socket's buffers
 * bound what it has in flight.  Under lock_sock().
 */
static unsigned int pvcalls_ring_bytes(const struct sock *sk)
{
	unsigned int bytes = 0;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		bytes = READ_ONCE(sk->sk_sndbuf);
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		bytes = max_t(unsigned int, bytes, READ_ONCE(sk->sk_rcvbuf));
	return bytes;
}

static int pvcalls_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		goto out;
	if (!ps->op_pending) {
		err = tops->listen(ps->t, backlog, pvcalls_ring_bytes(sk));
		if (err)
			goto out;
	}
	err = pvcalls_wait_op(sk);
	if (!err) {
		sk->sk_max_ack_backlog = backlog;
		sk->sk_state = TCP_LISTEN;
	}
out:
	release_sock(sk);
	return err;
}

static int pvcalls_connect(struct socket *sock, struct sockaddr *addr, int len,
			   int flags)
{
	struct sock *sk = sock->sk;
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	struct sockaddr_in sin;
	long timeo, left;
	int err;

	err = pvcalls_get_addr(addr, len, &sin);
	if (err)
		return err;

	lock_sock(sk);
	pvcalls_sync_state(sk);
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	default:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE || ps->op_pending)
			goto out;
		WRITE_ONCE(sk->sk_err, 0);
		err = tops->connect(ps->t, &sin, pvcalls_ring_bytes(sk));
		if (err)
			goto out;
		ps->peer = sin;
		sock->state = SS_CONNECTING;
		/*
		 * Even if the answer is in already (a transport may finish
		 * at once): a nonblocking connect gives EINPROGRESS, as
		 * TCP's always does, and the next look sorts it out.
		 */
		sk->sk_state = TCP_SYN_SENT;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if (sk->sk_state == TCP_SYN_SENT) {
		if (!timeo)
			goto out;
		left = pvcalls_wait_unlocked(sk, pvcalls_op_done, timeo);
		pvcalls_sync_state(sk);
		if (sk->sk_state == TCP_SYN_SENT) {
			err = left < 0 ? sock_intr_errno(timeo) : -EINPROGRESS;
			goto out;
		}
	}
	if (sk->sk_state == TCP_CLOSE) {
		/* sk_err was set with the result: read and clear it. */
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int pvcalls_accept(struct socket *sock, struct socket *newsock,
			  int flags, bool kern)
{
	struct sock *sk = sock->sk, *newsk;
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	bool nonblock = flags & O_NONBLOCK;
	struct pvcalls_endpoint *child;
	long timeo, wait, left;
	int err;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, nonblock);
	for (;;) {
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN ||
		    (sk->sk_shutdown & RCV_SHUTDOWN))
			goto out;
		err = tops->accept(ps->t, nonblock, &child);
		if (err != -EINPROGRESS)
			break;
		wait = nonblock ? PVCALLS_NB_ACCEPT_WAIT : timeo;
		err = -EAGAIN;
		if (!wait)
			goto out;
		left = pvcalls_wait_unlocked(sk, pvcalls_accept_ready,
					     wait);
		if (left < 0) {
			err = sock_intr_errno(timeo);
			goto out;
		}
		if (!left)
			goto out;	/* -EAGAIN, as TCP on SO_RCVTIMEO */
		if (!nonblock)
			timeo = left;
	}
	if (err)
		goto out;

	newsk = pvcalls_sk_alloc(sock_net(sk), newsock, child, kern);
	if (!newsk) {
		tops->release(child);
		err = -ENOMEM;
		goto out;
	}
	pvcalls_sk(newsk)->local = ps->local;
	newsk->sk_state = TCP_ESTABLISHED;
	newsock->state = SS_CONNECTED;
out:
	release_sock(sk);
	return err;
}

static int pvcalls_getname(struct socket *sock, struct sockaddr *addr, int peer)
{
	struct sock *sk = sock->sk;
	struct pvcalls_sock *ps = pvcalls_sk(sk);
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	int err = sizeof(*sin);

	lock_sock(sk);
	pvcalls_sync_state(sk);
	if (peer) {
		if (sk->sk_state != TCP_ESTABLISHED)
			err = -ENOTCONN;
		else
			*sin = ps->peer;
		if (err > 0)
			tops->peer_addr(ps->t, sin);
	} else {
		*sin = ps->local;
		tops->local_addr(ps->t, sin);
	}
	release_sock(sk);
	return err;
}

static __poll_t pvcalls_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct pvcalls_endpoint *t = pvcalls_sk(sk)->t;
	int state, shutdown;
	__poll_t mask = 0, tmask;

	sock_poll_wait(file, sock, wait);
	state = pvcalls_state(sk);
	shutdown = READ_ONCE(sk->sk_shutdown);

	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	switch (state) {
	case TCP_LISTEN:
		mask |= tops->poll(t, 0, 0);
		break;
	case TCP_ESTABLISHED:
		tmask = tops->poll(t, sock_rcvlowat(sk, 0, INT_MAX),
				   poll_requested_events(wait));
		if (tmask & EPOLLERR)
			tmask |= EPOLLHUP;
		if ((tmask & EPOLLRDHUP) && (shutdown & SEND_SHUTDOWN))
			tmask |= EPOLLHUP;
		mask |= tmask;
		break;
	case TCP_CLOSE:
		mask |= EPOLLOUT | EPOLLWRNORM;
		break;
	default:
		break;
	}
	return mask;
}

/* Not connecting and not connected: a waiting caller must look again. */
static bool pvcalls_gone(struct sock *sk)
{
	int state = pvcalls_state(sk);

	return state != TCP_SYN_SENT && state != TCP_ESTABLISHED;
}

/* Is anyone (a blocked call, poll, an epoll registration) on the queue? */
static bool pvcalls_has_waiters(struct sock *sk)
{
	struct socket_wq *wq;
	bool ret;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	ret = skwq_has_sleeper(wq);
	rcu_read_unlock();
	return ret;
}

static bool pvcalls_tx_ready(struct sock *sk)
{
	return (tops->poll(pvcalls_sk(sk)->t, 1, EPOLLOUT) &
		(EPOLLOUT | EPOLLERR)) ||
		READ_ONCE(sk->sk_err) || pvcalls_gone(sk) ||
		(READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN);
}

static bool pvcalls_rx_ready(struct sock *sk, int target)
{
	return (tops->poll(pvcalls_sk(sk)->t, target, EPOLLIN) &
		(EPOLLIN | EPOLLERR | EPOLLHUP)) ||
		READ_ONCE(sk->sk_err) ||
		(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) || pvcalls_gone(sk);
}

/*
 * The wait of a send (@dir EPOLLOUT) or a receive (EPOLLIN, for @target
 * bytes) that found the ring full or empty.  The first time, it asks the
 * transport for an event (*@watched), and returns at once if the ring
 * changed meanwhile.  Then it sleeps for what is left of *@timeo.
 * Returns 0 to try again, -EAGAIN when no time is left, or the errno of
 * an interrupting signal.
 */
static int pvcalls_wait_ready(struct sock *sk, __poll_t dir, int target,
			      bool *watched, long *timeo)
{
	long left;

	if (!*watched) {
		*watched = true;
		if (tops->watch(pvcalls_sk(sk)->t, dir) &
		    (dir | EPOLLERR | EPOLLHUP))
			return 0;
	}
	if (!*timeo)
		return -EAGAIN;
	if (dir == EPOLLIN)
		left = wait_event_interruptible_timeout(*sk_sleep(sk),
							pvcalls_rx_ready(sk, target),
							*timeo);
	else
		left = wait_event_interruptible_timeout(*sk_sleep(sk),
							pvcalls_tx_ready(sk),
							*timeo);
	if (left < 0)
		return sock_intr_errno(*timeo);
	if (!left)
		return -EAGAIN;
	*timeo = left;
	return 0;
}

static int pvcalls_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct pvcalls_endpoint *t = pvcalls_sk(sk)->t;
	int flags = msg->msg_flags;
	size_t sent = 0;
	bool watched = false;
	long timeo;
	ssize_t n;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	while (sent < len || !len) {
		if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		if (!len) {
			/* A zero-byte send only reports the state. */
			if (pvcalls_state(sk) != TCP_ESTABLISHED)
				err = -EPIPE;
			break;
		}
		n = tops->send(t, msg, len - sent);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (n == -ENOTCONN && pvcalls_state(sk) == TCP_SYN_SENT)
			n = -EAGAIN;	/* wait for the connection */
		else if (n == -ENOTCONN)
			n = -EPIPE;
		if (n != -EAGAIN) {
			err = n;
			break;
		}
		/*
		 * Full: ask for an event when space frees, as TCP wakes
		 * after a send hit the limit; an edge-triggered epoll
		 * waiter relies on it.
		 */
		err = pvcalls_wait_ready(sk, EPOLLOUT, 1, &watched, &timeo);
		if (err)
			break;
	}
	if (sent)
		return sent;
	if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

static int pvcalls_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
			   int flags)
{
	struct sock *sk = sock->sk;
	struct pvcalls_endpoint *t = pvcalls_sk(sk)->t;
	bool peek = flags & MSG_PEEK, watched = false;
	size_t copied = 0;
	long timeo;
	int target, err = 0;
	ssize_t n;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (pvcalls_state(sk) == TCP_LISTEN)
		return -ENOTCONN;
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	while (copied < len) {
		n = tops->recv(t, msg, len - copied, peek);
		if (n > 0) {
			copied += n;
			if (peek || copied >= target)
				break;
			continue;
		}
		if (!n)
			break;		/* end of file */
		if (n == -ENOTCONN && pvcalls_state(sk) == TCP_SYN_SENT)
			n = -EAGAIN;
		if (n != -EAGAIN) {
			err = n;
			break;
		}
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			break;
		/* Empty: ask for an event at the next arrival (see below). */
		err = pvcalls_wait_ready(sk, EPOLLIN, target - copied, &watched,
					 &timeo);
		if (err)
			break;
	}
	/*
	 * TCP wakes its waiters on every arrival, even with unread data
	 * left; with notify-mitigation the backend signals only when asked.
	 * So if anyone waits on this socket (an edge-triggered epoll
	 * registration waits without asking again), ask for the next one.
	 */
	if (copied && !peek && pvcalls_has_waiters(sk))
		tops->watch(t, EPOLLIN);
	return copied ?: err;
}

static int pvcalls_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 -> RCV_, SEND_, both bits */
	how++;
	if (how < RCV_SHUTDOWN || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	pvcalls_sync_state(sk);
	if (sk->sk_state != TCP_ESTABLISHED && sk->sk_state != TCP_LISTEN)
		err = -ENOTCONN;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/*
 * SIOCINQ (FIONREAD) and SIOCOUTQ as TCP answers them: bytes readable,
 * and bytes sent that the peer has not taken; EINVAL on a listener.
 * The data ring has nothing sent but unacknowledged, so SIOCOUTQNSD
 * answers as SIOCOUTQ.  Anything else goes on to the generic socket
 * ioctls.
 */
static int pvcalls_ioctl(struct socket *sock, unsigned int cmd,
			 unsigned long arg)
{
	struct sock *sk = sock->sk;
	int inq, outq;

	switch (cmd) {
	case SIOCINQ:
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (pvcalls_state(sk) == TCP_LISTEN)
		return -EINVAL;
	tops->queued(pvcalls_sk(sk)->t, &inq, &outq);
	return put_user(cmd == SIOCINQ ? inq : outq, (int __user *)arg);
}

static int pvcalls_setsockopt(struct socket *sock, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	struct pvcalls_sock *ps = pvcalls_sk(sock->sk);
	int val;

	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	/* v1 has no way to pass these on: accepted, remembered, no-op. */
	switch (optname) {
	case TCP_NODELAY:
		ps->tcp_nodelay = !!val;
		return 0;
	case TCP_CORK:
		ps->tcp_cork = !!val;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
	case TCP_QUICKACK:
	case TCP_USER_TIMEOUT:
	case TCP_DEFER_ACCEPT:
	case TCP_LINGER2:
	case TCP_SYNCNT:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int pvcalls_getsockopt(struct socket *sock, int level, int optname,
			      char __user *optval, int __user *optlen)
{
	struct pvcalls_sock *ps = pvcalls_sk(sock->sk);
	int len, val;

	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname == TCP_INFO) {
		/*
		 * Monitoring programs (iperf3, ss-like tools) ask for it.
		 * v1 tells the guest nothing about dom0's TCP connection:
		 * only the state is known, every counter reads 0.
		 */
		struct tcp_info info = {
			.tcpi_state = pvcalls_state(sock->sk)
		};

		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	switch (optname) {
	case TCP_NODELAY:
		val = ps->tcp_nodelay;
		break;
	case TCP_CORK:
		val = ps->tcp_cork;
		break;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

static const struct proto_ops pvcalls_stream_ops = {
	.owner = THIS_MODULE,
	.release = pvcalls_release,
	.bind = pvcalls_bind,
	.connect = pvcalls_connect,
	.socketpair = sock_no_socketpair,
	.accept = pvcalls_accept,
	.getname = pvcalls_getname,
	.poll = pvcalls_poll,
	.ioctl = pvcalls_ioctl,
	.listen = pvcalls_listen,
	.shutdown = pvcalls_shutdown,
	.setsockopt = pvcalls_setsockopt,
	.getsockopt = pvcalls_getsockopt,
	.sendmsg = pvcalls_sendmsg,
	.recvmsg = pvcalls_recvmsg,
	.mmap = sock_no_mmap,
	.sendpage = sock_no_sendpage,
};

static struct net_proto_family pvcalls_family_ops = {
	.create = pvcalls_create,
	.owner = THIS_MODULE,
};

static int pvcalls_family;
module_param_named(family, pvcalls_family, int, 0444);
MODULE_PARM_DESC(family,
		 "socket family number (0: first free of 19, 25, 13); shows the one in use");

/*
 * One module at a time carries the family (xen-pvcalls-front or
 * pvcalls-loopback), so that programs find it by one number.  Each
 * exports its transport ops under its own name: a module loading while
 * the other one's ops are there gets EBUSY.
 */
static const char *const pvcalls_transports[] = {
	"pvcalls_xen_transport", "pvcalls_loopback_transport",
};

static int pvcalls_family_claim(const struct pvcalls_transport_ops *ops)
{
	const void *other;
	int i;

	for (i = 0; i < ARRAY_SIZE(pvcalls_transports); i++) {
		other = __symbol_get(pvcalls_transports[i]);
		if (!other)
			continue;
		__symbol_put(pvcalls_transports[i]);
		if (other != ops) {
			pr_err("pvcalls: the family is already held by the module of %s\n",
			       pvcalls_transports[i]);
			return -EBUSY;
		}
	}
	return 0;
}

int pvcalls_family_init(const struct pvcalls_transport_ops *ops)
{
	static const int candidates[] = { 19, 25, 13 };
	int i, err;

	err = pvcalls_family_claim(ops);
	if (err)
		return err;
	tops = ops;
	err = proto_register(&pvcalls_proto, 1);
	if (err)
		return err;
	if (pvcalls_family) {
		pvcalls_family_ops.family = pvcalls_family;
		err = sock_register(&pvcalls_family_ops);
	} else {
		err = -EEXIST;
		for (i = 0; i < ARRAY_SIZE(candidates) && err; i++) {
			pvcalls_family_ops.family = candidates[i];
			err = sock_register(&pvcalls_family_ops);
		}
	}
	if (err) {
		pr_err("pvcalls: cannot register a socket family (%d)\n", err);
		proto_unregister(&pvcalls_proto);
		return err;
	}
	pvcalls_family = pvcalls_family_ops.family;
	pr_info("pvcalls: socket family %d\n", pvcalls_family);
	return 0;
}

void pvcalls_family_exit(void)
{
	sock_unregister(pvcalls_family_ops.family);
	proto_unregister(&pvcalls_proto);
}
