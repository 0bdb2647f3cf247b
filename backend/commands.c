// SPDX-License-Identifier: GPL-2.0
/*
 * The command work: fe->cmd_work takes the requests off the command ring
 * (cmdring.c), carries each out through pvcb_cmd_handlers[] and answers
 * it, unless its handler leaves the answer to socket work.  SOCKET and
 * RELEASE are carried out here; the other commands in active.c and
 * passive.c.  One request is carried out, as far as it goes without
 * waiting, before the next is taken, and an answer due at once is
 * written before that too: the promise of the in-order extension
 * (Documentation/pvcalls.rst), which lets a frontend name a socket
 * whose SOCKET it has not seen answered.  RELEASE takes its socket out
 * of the table here and leaves the teardown (unmapping, unbinding,
 * closing) and the answer to the socket's release work, so that the
 * commands after it, a new connect above all, do not wait for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/nospec.h>
#include <linux/wait_bit.h>
#include <xen/events.h>

#include "pvcalls-back.h"
#include "validate.h"

/* Requests handled per run before the work yields the CPU. */
#define PVCB_CMD_BUDGET	64

static int pvcb_cmd_socket(struct pvcb_frontend *fe,
			   const struct pvc_request *req)
{
	struct socket *sock;
	struct pvcb_sock *s;
	int err;

	err = pvcb_check_socket(req->u.socket.domain, req->u.socket.type,
				req->u.socket.protocol);
	if (err)
		return err;
	if (pvcb_id_in_use(fe, req->u.socket.id))
		return -EEXIST;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	s = pvcb_sock_alloc(fe, req->u.socket.id, sock);
	if (!s) {
		sock_release(sock);
		return -ENOMEM;
	}
	err = pvcb_sock_insert(fe, s);
	if (err)
		pvcb_sock_destroy(s, false);
	return err;
}

/*
 * The teardown of each released socket, then its answer, one socket at
 * a time in the order the RELEASEs came: a teardown blocks (unbind,
 * unmap, cancel_work_sync), and one work per frontend, rather than one
 * per socket, keeps a burst of closes from making dom0 start a worker
 * thread for each.  The sockets are out of the table, so no command
 * finds them; disconnect waits for every one (fe->releasing) before it
 * touches the ring.
 */
void pvcb_release_work(struct work_struct *work)
{
	struct pvcb_frontend *fe = container_of(work, struct pvcb_frontend,
						release_work);
	struct pvcb_sock *s;
	u32 req_id;
	u64 id;

	for (;;) {
		spin_lock(&fe->release_lock);
		s = list_first_entry_or_null(&fe->release_list,
					     struct pvcb_sock, release_node);
		if (s)
			list_del(&s->release_node);
		spin_unlock(&fe->release_lock);
		if (!s)
			return;
		req_id = s->release_req_id;
		id = s->id;
		/* answers outstanding connect/accept/poll of s before ours */
		pvcb_sock_destroy(s, true);
		/* freed: a new socket may take its place before the answer */
		pvcb_sock_uncount(fe);
		pvcb_respond_late(fe, req_id, PVC_CMD_RELEASE, id, 0);
		/* only the address of fe->releasing is used once it is 0 */
		if (atomic_dec_and_test(&fe->releasing))
			wake_up_var(&fe->releasing);
	}
}

static int pvcb_cmd_release(struct pvcb_frontend *fe,
			    const struct pvc_request *req)
{
	struct pvcb_sock *s;

	mutex_lock(&fe->lock);
	s = pvcb_sock_lookup(fe, req->u.release.id);
	if (s)
		pvcb_sock_unlist(fe, s);	/* counted until freed */
	mutex_unlock(&fe->lock);
	if (!s)
		return -ENOENT;
	s->release_req_id = req->req_id;
	/* a hint: only 1 asks for it; reuse of a passive socket is ignored */
	s->release_reuse = req->u.release.reuse == 1;
	atomic_inc(&fe->releasing);
	spin_lock(&fe->release_lock);
	list_add_tail(&s->release_node, &fe->release_list);
	spin_unlock(&fe->release_lock);
	queue_work(pvcb_wq, &fe->release_work);
	return 1;
}

/*
 * A command handler carries out the request @req (a private copy) for
 * @fe.  It returns 1 when the response is sent by someone else (the
 * handler itself, or socket work later), else the response's ret.
 */
typedef int (*pvcb_cmd_fn)(struct pvcb_frontend *fe,
			   const struct pvc_request *req);

/* Indexed by the command; every v1 command has one. */
static const pvcb_cmd_fn pvcb_cmd_handlers[PVC_CMD_MAX + 1] = {
	[PVC_CMD_SOCKET]	= pvcb_cmd_socket,
	[PVC_CMD_CONNECT]	= pvcb_cmd_connect,
	[PVC_CMD_RELEASE]	= pvcb_cmd_release,
	[PVC_CMD_BIND]		= pvcb_cmd_bind,
	[PVC_CMD_LISTEN]	= pvcb_cmd_listen,
	[PVC_CMD_ACCEPT]	= pvcb_cmd_accept,
	[PVC_CMD_POLL]		= pvcb_cmd_poll,
};

/*
 * Carry out one request.  The command comes from the frontend: checked
 * against the table's bounds, and clamped under speculation too, before
 * it indexes the table.
 */
static int pvcb_dispatch(struct pvcb_frontend *fe,
			 const struct pvc_request *req)
{
	int err = pvcb_check_cmd(req->cmd);
	pvcb_cmd_fn fn;

	if (err)
		return err;
	fn = pvcb_cmd_handlers[array_index_nospec(req->cmd,
						  ARRAY_SIZE(pvcb_cmd_handlers))];
	return fn ? fn(fe, req) : -EOPNOTSUPP;
}

void pvcb_cmd_work(struct work_struct *work)
{
	struct pvcb_frontend *fe = container_of(work, struct pvcb_frontend,
						cmd_work);
	int eoi_irq = atomic_xchg(&fe->eoi_irq, -1);
	bool broken = false;
	unsigned int done = 0;
	struct pvc_request req;
	int ret;

	while (!READ_ONCE(fe->closing)) {
		if (!pvcb_next_request(fe, &req, &broken))
			break;
		atomic64_inc(&pvcb_stats.commands);
		done++;
		ret = pvcb_dispatch(fe, &req);
		if (ret <= 0)
			pvcb_respond(fe, req.req_id, req.cmd, req.u.socket.id,
				     ret);
		if (done >= PVCB_CMD_BUDGET) {
			/* let others run; continue in a fresh run */
			queue_work(pvcb_wq, &fe->cmd_work);
			break;
		}
	}

	if (broken) {
		atomic64_inc(&pvcb_stats.protocol_errors);
		pvcb_fatal(fe, -EPROTO,
			   "frontend %s: impossible command ring producer index, closing",
			   fe->dev->otherend);
		/* leave the evtchn masked: the device is going away */
		WRITE_ONCE(fe->closing, true);
		return;
	}
	/*
	 * Closing: disconnect unbinds the evtchn, and a run it has not
	 * waited for yet must not EOI an irq that may be gone by now.
	 */
	if (READ_ONCE(fe->closing))
		return;
	/*
	 * An event is spurious only if no run since the previous EOI found
	 * work: a run queued by a late response often takes the requests
	 * before the run their event queued, and that is not a flood.
	 */
	if (done)
		fe->worked = true;
	if (eoi_irq >= 0) {
		if (!fe->worked)
			atomic64_inc(&pvcb_stats.spurious_eois);
		xen_irq_lateeoi(eoi_irq,
				fe->worked ? 0 : XEN_EOI_FLAG_SPURIOUS);
		fe->worked = false;
	}
}

irqreturn_t pvcb_cmd_irq(int irq, void *dev_id)
{
	struct pvcb_frontend *fe = dev_id;

	if (READ_ONCE(fe->closing)) {
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	/*
	 * The late EOI is sent by pvcb_cmd_work once it has run, to the irq
	 * handed over here rather than to fe->irq: Xen marks a channel
	 * pending when it is bound, so this can run, and the work after
	 * it, before bind_interdomain_evtchn_to_irqhandler_lateeoi() has
	 * returned and fe->irq is set.  An EOI sent to -1 then would leave
	 * the channel masked and every later command unseen.
	 */
	atomic64_inc(&pvcb_stats.events);
	atomic_set(&fe->eoi_irq, irq);
	queue_work(pvcb_wq, &fe->cmd_work);
	return IRQ_HANDLED;
}
