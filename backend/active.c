// SPDX-License-Identifier: GPL-2.0
/*
 * Active sockets: CONNECT and its completion.  The data ring that
 * CONNECT maps and the pump that then runs are dring.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>

#include "pvcalls-back.h"
#include "validate.h"

/*
 * A connect is under way: see whether it finished, and if so answer it.
 * Calling connect again on a non-blocking socket reports that, like
 * connect(2) does after poll.  @inline_answer: called by the command work
 * itself, which needs no poke after the answer.  Returns true when the
 * socket became active.
 */
static bool pvcb_connect_finish(struct pvcb_sock *s, bool inline_answer)
{
	int err = kernel_connect(s->sock, (struct sockaddr *)&s->connect_addr,
				 sizeof(s->connect_addr), O_NONBLOCK);

	if (err == -EALREADY || err == -EINPROGRESS)
		return false;
	if (err == -EISCONN)	/* the first connect already completed */
		err = 0;

	s->connect_pending = false;
	if (err) {
		pvcb_set_state(s, s->connect_prev, NULL);
		pvcb_dring_unmap(s, false);
	} else {
		pvcb_names_publish(s);
		pvcb_sock_activate(s);
	}
	if (inline_answer)
		pvcb_respond(s->fe, s->connect_req_id, PVC_CMD_CONNECT, s->id,
			     err);
	else
		pvcb_respond_late(s->fe, s->connect_req_id, PVC_CMD_CONNECT,
				  s->id, err);
	return !err;
}

/*
 * s->work of a socket CONNECT made CONNECTING, under s->lock: once the
 * connect completes the socket is ACTIVE and its work the pump.
 */
static bool pvcb_active_work(struct pvcb_sock *s)
{
	if (!pvcb_connect_finish(s, false))
		return s->state != PVCB_CONNECTING;
	return pvcb_dring_pump(s);
}

int pvcb_cmd_connect(struct pvcb_frontend *fe, const struct pvc_request *req)
{
	struct pvcb_inet_addr ia;
	struct pvcb_sock *s;
	int err;

	err = pvcb_parse_inet_addr(req->u.connect.addr, req->u.connect.len,
				   &ia);
	if (err)
		return err;

	/* only the command work takes sockets out of the table: s stays valid */
	mutex_lock(&fe->lock);
	s = pvcb_sock_lookup(fe, req->u.connect.id);
	mutex_unlock(&fe->lock);
	if (!s)
		return -ENOENT;

	mutex_lock(&s->lock);
	switch (s->state) {
	case PVCB_NEW:
	case PVCB_BOUND:
		break;
	case PVCB_CONNECTING:
		err = -EALREADY;
		goto out;
	default:	/* as Linux: connect on a listening socket */
		err = -EISCONN;
		goto out;
	}

	err = pvcb_dring_map(s, req->u.connect.ref, req->u.connect.evtchn);
	if (err)
		goto out;
	pvcb_sock_install_callbacks(s, NULL);

	memset(&s->connect_addr, 0, sizeof(s->connect_addr));
	s->connect_addr.sin_family = AF_INET;
	memcpy(&s->connect_addr.sin_port, &ia.port, sizeof(ia.port));
	memcpy(&s->connect_addr.sin_addr.s_addr, &ia.addr, sizeof(ia.addr));
	s->connect_prev = s->state;
	s->connect_req_id = req->req_id;
	s->connect_pending = true;
	pvcb_set_state(s, PVCB_CONNECTING, pvcb_active_work);

	/*
	 * Never blocks.  A connect to dom0 itself has usually finished
	 * when this returns (loopback runs the handshake on the way), and
	 * is answered here; any other completion is noticed by s->work.
	 */
	err = kernel_connect(s->sock, (struct sockaddr *)&s->connect_addr,
			     sizeof(s->connect_addr), O_NONBLOCK);
	if (err == 0 || err == -EINPROGRESS) {
		if (!pvcb_connect_finish(s, true) &&
		    s->state == PVCB_CONNECTING)
			pvcb_sock_kick(s);
		err = 1;	/* answered by pvcb_connect_finish */
		goto out;
	}
	s->connect_pending = false;
	pvcb_set_state(s, s->connect_prev, NULL);
	pvcb_dring_unmap(s, false);
out:
	mutex_unlock(&s->lock);
	return err;
}
