// SPDX-License-Identifier: GPL-2.0
/*
 * Passive sockets: BIND, LISTEN, ACCEPT and POLL.
 *
 * ACCEPT and POLL are answered when a connection is there, by the
 * listener's work, which the listener's sk_data_ready queues.  One of
 * each may be outstanding per listener; releasing the listener answers
 * them with an error (sockets.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>

#include "pvcalls-back.h"
#include "validate.h"

static bool pvcb_passive_work(struct pvcb_sock *s);

/*
 * Look up a socket for a command and take its lock; NULL if the id is
 * unknown.
 */
static struct pvcb_sock *pvcb_find_lock(struct pvcb_frontend *fe, u64 id)
{
	struct pvcb_sock *s;

	/* only the command work takes sockets out of the table: s stays valid */
	mutex_lock(&fe->lock);
	s = pvcb_sock_lookup(fe, id);
	mutex_unlock(&fe->lock);
	if (s)
		mutex_lock(&s->lock);
	return s;
}

int pvcb_cmd_bind(struct pvcb_frontend *fe, const struct pvc_request *req)
{
	struct pvcb_inet_addr ia;
	struct sockaddr_in sin;
	struct pvcb_sock *s;
	u32 port;
	int err;

	err = pvcb_parse_inet_addr(req->u.bind.addr, req->u.bind.len, &ia);
	if (err)
		return err;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_port, &ia.port, sizeof(ia.port));
	memcpy(&sin.sin_addr.s_addr, &ia.addr, sizeof(ia.addr));

	s = pvcb_find_lock(fe, req->u.bind.id);
	if (!s)
		return -ENOENT;
	if (s->state != PVCB_NEW) {
		err = -EINVAL;	/* as Linux: already bound or connected */
		goto out;
	}
	/*
	 * v1 has no setsockopt; a guest server restarting on its port must
	 * not fail on the TIME_WAIT connections of its previous run.
	 */
	sock_set_reuseaddr(s->sock->sk);
	err = kernel_bind(s->sock, (struct sockaddr *)&sin, sizeof(sin));
	if (!err) {
		pvcb_set_state(s, PVCB_BOUND, NULL);
		/* socket-names: the answer carries the port dom0 chose */
		if (fe->socket_names && !pvcb_names_bound_port(s, &port)) {
			pvcb_respond_pad(fe, req->req_id, req->cmd,
					 req->u.bind.id, 0, port);
			err = 1;	/* answered */
		}
	}
out:
	mutex_unlock(&s->lock);
	return err;
}

int pvcb_cmd_listen(struct pvcb_frontend *fe, const struct pvc_request *req)
{
	struct pvcb_sock *s;
	int err;

	s = pvcb_find_lock(fe, req->u.listen.id);
	if (!s)
		return -ENOENT;
	switch (s->state) {
	case PVCB_NEW:		/* Linux binds an ephemeral port */
	case PVCB_BOUND:
	case PVCB_LISTENING:	/* changes the backlog */
		break;
	default:
		err = -EINVAL;
		goto out;
	}
	/* before listen, so that no connection goes unnoticed */
	pvcb_sock_install_callbacks(s, NULL);
	err = kernel_listen(s->sock,
			    pvcb_clamp_backlog(req->u.listen.backlog,
					       pvcb_max_backlog));
	if (!err)
		pvcb_set_state(s, PVCB_LISTENING, pvcb_passive_work);
out:
	mutex_unlock(&s->lock);
	return err;
}

int pvcb_cmd_accept(struct pvcb_frontend *fe, const struct pvc_request *req)
{
	struct pvcb_sock *s;
	int err;

	s = pvcb_find_lock(fe, req->u.accept.id);
	if (!s)
		return -ENOENT;
	/* checked again when the connection comes */
	if (pvcb_id_in_use(fe, req->u.accept.id_new)) {
		err = -EEXIST;
	} else if (s->state != PVCB_LISTENING) {
		err = -EINVAL;
	} else if (s->accept_pending) {
		err = -EALREADY;
	} else {
		s->accept_req = *req;
		s->accept_pending = true;
		pvcb_sock_kick(s);
		err = 1;	/* answered by pvcb_try_accept */
	}
	mutex_unlock(&s->lock);
	return err;
}

static bool pvcb_accept_queue_empty(struct pvcb_sock *s)
{
	return reqsk_queue_empty(&inet_csk(s->sock->sk)->icsk_accept_queue);
}

int pvcb_cmd_poll(struct pvcb_frontend *fe, const struct pvc_request *req)
{
	struct pvcb_sock *s;
	int err;

	s = pvcb_find_lock(fe, req->u.poll.id);
	if (!s)
		return -ENOENT;
	if (s->state != PVCB_LISTENING) {
		err = -EINVAL;	/* v1: poll is for passive sockets only */
	} else if (s->poll_pending) {
		err = -EALREADY;
	} else if (!pvcb_accept_queue_empty(s)) {
		err = 0;	/* a connection is waiting: ready now */
	} else {
		s->poll_req_id = req->req_id;
		s->poll_pending = true;
		/* a connection may have come in since the check */
		pvcb_sock_kick(s);
		err = 1;	/* answered by pvcb_passive_work */
	}
	mutex_unlock(&s->lock);
	return err;
}

/*
 * Set up the accepted connection @newsock as socket id_new and make it
 * visible.  Returns 0 or a negative errno; @newsock is consumed.
 */
static int pvcb_accept_one(struct pvcb_sock *s, struct socket *newsock)
{
	const struct pvc_request *req = &s->accept_req;
	struct pvcb_frontend *fe = s->fe;
	struct pvcb_sock *c;
	int err;

	c = pvcb_sock_alloc_accepted(fe, req->u.accept.id_new, newsock);
	if (!c) {
		sock_release(newsock);
		return -ENOMEM;
	}

	/*
	 * c's evtchn may fire at once: its work must wait for the setup.
	 * s->lock is held: c->lock is of another lockdep class (see
	 * pvcb_sock_alloc_accepted()), so this nesting needs no annotation.
	 */
	mutex_lock(&c->lock);
	err = pvcb_dring_map(c, req->u.accept.ref, req->u.accept.evtchn);
	if (!err) {
		pvcb_names_publish(c);
		pvcb_sock_activate(c);
		pvcb_sock_install_callbacks(c, s);
		/* data may have arrived before the callbacks were ours */
		pvcb_sock_kick(c);
	}
	mutex_unlock(&c->lock);

	/* the last touch of c: from here a RELEASE may free it */
	if (!err)
		err = pvcb_sock_insert(fe, c);
	if (err)
		pvcb_sock_destroy(c, false);
	return err;
}

static void pvcb_try_accept(struct pvcb_sock *s)
{
	struct socket *newsock;
	int err;

	err = kernel_accept(s->sock, &newsock, O_NONBLOCK);
	if (err == -EAGAIN)
		return;		/* sk_data_ready will bring us back */
	if (!err)
		err = pvcb_accept_one(s, newsock);

	s->accept_pending = false;
	pvcb_respond_late(s->fe, s->accept_req.req_id, PVC_CMD_ACCEPT, s->id,
			  err);
}

/*
 * s->work of a LISTENING socket, under s->lock.  A listener has no
 * evtchn, so there is no late EOI its progress could matter to.
 */
static bool pvcb_passive_work(struct pvcb_sock *s)
{
	if (s->accept_pending)
		pvcb_try_accept(s);
	if (s->poll_pending && !pvcb_accept_queue_empty(s)) {
		s->poll_pending = false;
		pvcb_respond_late(s->fe, s->poll_req_id, PVC_CMD_POLL, s->id, 0);
	}
	return false;
}
