/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one interface between the PV Calls socket family (af_pvcalls.c) and
 * its transports: the Xen one (the command ring and data rings: tsock.c
 * and the files below it) and the loopback one (this kernel's TCP:
 * loopback.c).  The family never touches Xen; a transport never touches
 * struct socket.
 *
 * An endpoint (struct pvcalls_endpoint), the transport's side of one
 * family socket (unconnected, a connection or a listener), is opaque to
 * the family: each transport defines it, the Xen one in front.h, the loopback one in
 * loopback.c.  Its owner is the family's struct sock: the transport
 * calls the upcalls with that pointer until it calls ->released(), after
 * which it never touches the owner again.  The family keeps the owner
 * alive (a sock reference) until ->released() runs.
 *
 * Return conventions: 0 or a negative errno; -EINPROGRESS means "an
 * operation is in flight, wait for an upcall and ask again".
 */
#ifndef PVCALLS_FRONT_TRANSPORT_H
#define PVCALLS_FRONT_TRANSPORT_H

#include <linux/types.h>
#include <linux/poll.h>

struct msghdr;
struct sockaddr_in;
struct pvcalls_endpoint;

/* Events passed to pvcalls_upcalls.event(). */
#define PVCALLS_EV_RX		0x1	/* data, EOF, error or a connection */
#define PVCALLS_EV_TX		0x2	/* space in the send ring */
#define PVCALLS_EV_STATE	0x4	/* connect/bind/listen ended */

struct pvcalls_upcalls {
	/*
	 * Something changed.  @err is a negative errno when an operation
	 * failed asynchronously (for SO_ERROR), else 0.  Called from
	 * hard interrupt, workqueue context or any task's ->settle():
	 * must not sleep.
	 */
	void (*event)(void *owner, unsigned int ev, int err);
	/* The transport is done with @owner; called once, may sleep. */
	void (*released)(void *owner);
};

struct pvcalls_transport_ops {
	/* New unconnected socket, no backend state yet; ERR_PTR on error. */
	struct pvcalls_endpoint *(*create)(void);
	/* Attach the family's socket; before it, no upcall is made. */
	void (*set_owner)(struct pvcalls_endpoint *t, void *owner,
			  const struct pvcalls_upcalls *up);
	/* Close: the transport frees everything, then calls ->released(). */
	void (*release)(struct pvcalls_endpoint *t);

	/*
	 * Start connect/bind/listen; completion is seen via op_result().
	 * @ring_bytes: the socket buffer the user asked for (SO_SNDBUF,
	 * SO_RCVBUF), which sizes the data ring of the connection, or of
	 * each connection the listener accepts; 0 for the default.
	 */
	int (*connect)(struct pvcalls_endpoint *t,
		       const struct sockaddr_in *sin, unsigned int ring_bytes);
	int (*bind)(struct pvcalls_endpoint *t, const struct sockaddr_in *sin);
	int (*listen)(struct pvcalls_endpoint *t, int backlog,
		      unsigned int ring_bytes);
	/* Local address and port of a connect, or 0 for unknown parts. */
	void (*local_addr)(struct pvcalls_endpoint *t, struct sockaddr_in *sin);
	/* Replace @sin with the peer's name where the transport knows it. */
	void (*peer_addr)(struct pvcalls_endpoint *t, struct sockaddr_in *sin);
	/* -EINPROGRESS while the last operation runs, then its result. */
	int (*op_result)(struct pvcalls_endpoint *t);

	/*
	 * Take an accepted connection.  @nonblock: only ask the backend
	 * whether one is pending (PVC_CMD_POLL) unless it already said so.
	 * Returns 0 and *@child, -EAGAIN (nothing yet), -EINPROGRESS (an
	 * accept is in flight) or an error.
	 */
	int (*accept)(struct pvcalls_endpoint *t, bool nonblock,
		      struct pvcalls_endpoint **child);
	/* True while accept() would return -EINPROGRESS. */
	bool (*accept_busy)(struct pvcalls_endpoint *t);

	/*
	 * Waiting for an operation: optional, all three or none (NULL when
	 * the transport finishes its operations without the waiter's help,
	 * as the loopback one does).  A task that is about to wait for
	 * op_result() or accept_busy() of @t calls ->wait_start(t) first;
	 * then, in TASK_RUNNING, ->settle(t, false) after each wakeup and
	 * ->settle(t, true) once when it stops waiting, for any reason.
	 * While a task waits, the transport may leave the end of @t's
	 * operation to it: it only wakes the wait queue, and the waiter's
	 * ->settle() finishes it (it may finish other sockets' operations
	 * too).  ->unsettled() is part of the wait condition: true while
	 * ->settle() has something to do.  ->wait_start() and
	 * ->unsettled() never sleep; ->settle() may, and is called with
	 * no lock held.
	 */
	void (*wait_start)(struct pvcalls_endpoint *t);
	bool (*unsettled)(struct pvcalls_endpoint *t);
	void (*settle)(struct pvcalls_endpoint *t, bool end);

	/*
	 * Readiness of a connected or listening socket: EPOLLIN,
	 * EPOLLOUT, EPOLLRDHUP (peer closed), EPOLLERR (peer error or
	 * protocol error).  Never sleeps.  @rcvlowat: bytes for EPOLLIN.
	 * @events: what the caller is about to wait for (EPOLLIN,
	 * EPOLLOUT); the transport makes sure an event wakes the socket's
	 * wait queue when that becomes true (call it after
	 * prepare_to_wait() or poll_wait()).
	 */
	__poll_t (*poll)(struct pvcalls_endpoint *t, int rcvlowat,
			 __poll_t events);
	/*
	 * Like poll, but make sure the next arrival of input (EPOLLIN) or
	 * of space (EPOLLOUT) wakes the wait queue even if it is ready
	 * now: for waiters that do not call poll again before they sleep
	 * (edge-triggered epoll after a recv, or after a send that found
	 * no space).  Returns the readiness read afterwards.
	 */
	__poll_t (*watch)(struct pvcalls_endpoint *t, __poll_t events);

	/*
	 * Copy to/from the data ring, never blocking.  send: bytes queued,
	 * -EAGAIN when the ring is full, or an errno.  recv: bytes copied,
	 * 0 at end of file, -EAGAIN when empty, or an errno.
	 */
	ssize_t (*send)(struct pvcalls_endpoint *t, struct msghdr *msg,
			size_t len);
	ssize_t (*recv)(struct pvcalls_endpoint *t, struct msghdr *msg,
			size_t len, bool peek);
	/*
	 * Bytes readable now and bytes sent that the peer has not taken
	 * yet (SIOCINQ, SIOCOUTQ); both 0 unless connected.
	 */
	void (*queued)(struct pvcalls_endpoint *t, int *inq, int *outq);
};

/* The transports: xen-pvcalls-front's and pvcalls-loopback's (loopback.c). */
extern const struct pvcalls_transport_ops pvcalls_xen_transport;
extern const struct pvcalls_transport_ops pvcalls_loopback_transport;

/* Family core, af_pvcalls.c */
int pvcalls_family_init(const struct pvcalls_transport_ops *ops);
void pvcalls_family_exit(void);

#endif /* PVCALLS_FRONT_TRANSPORT_H */
