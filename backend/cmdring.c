// SPDX-License-Identifier: GPL-2.0
/*
 * The command ring: consume requests in process context, dispatch them,
 * produce responses.
 *
 * Responses are produced both here and by socket work items (a connect
 * or accept that completes later), so the producer side of the ring is
 * under fe->rsp_lock.  Consuming is done by fe->cmd_work only, but the
 * overflow checks read rsp_prod_pvt, so they are under the lock too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <xen/events.h>

#include "pvcalls-back.h"
#include "validate.h"

/* Requests handled per run before the work yields the CPU. */
#define PVCB_CMD_BUDGET	64

/* @pad is 0 but where an extension gives it a meaning (the bound port) */
void pvcb_respond_pad(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		      int ret, u32 pad)
{
	struct pvc_response *rsp;
	int notify;

	spin_lock(&fe->rsp_lock);
	rsp = RING_GET_RESPONSE(&fe->ring, fe->ring.rsp_prod_pvt);
	rsp->req_id = req_id;
	rsp->cmd = cmd;
	rsp->ret = ret;
	rsp->pad = pad;
	rsp->u.any.id = id;
	fe->ring.rsp_prod_pvt++;
	/*
	 * The macro's virt_wmb() orders the response before rsp_prod; it
	 * pairs with the frontend's virt_rmb() after it reads rsp_prod.
	 */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fe->ring, notify);
	spin_unlock(&fe->rsp_lock);
	if (notify)
		notify_remote_via_irq(fe->irq);
}

void pvcb_respond(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		  int ret)
{
	pvcb_respond_pad(fe, req_id, cmd, id, ret, 0);
}

/*
 * Answer a request that completed in socket work.  A response frees a
 * ring slot, and the command work may have stopped for lack of one, so
 * poke it (a no-op run if there is nothing to do).
 */
void pvcb_respond_late(struct pvcb_frontend *fe, u32 req_id, u32 cmd, u64 id,
		       int ret)
{
	pvcb_respond(fe, req_id, cmd, id, ret);
	if (!READ_ONCE(fe->closing))
		queue_work(pvcb_wq, &fe->cmd_work);
}

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

static int pvcb_cmd_release(struct pvcb_frontend *fe,
			    const struct pvc_request *req)
{
	struct pvcb_sock *s;

	mutex_lock(&fe->lock);
	s = pvcb_sock_lookup(fe, req->u.release.id);
	if (s)
		pvcb_sock_unhash(fe, s);
	mutex_unlock(&fe->lock);
	if (!s)
		return -ENOENT;
	/* answers outstanding connect/accept/poll of s before we answer */
	pvcb_sock_destroy(s, true);
	return 0;
}

/*
 * Carry out one request (a private copy).  Returns 1 when the response
 * will be sent later by socket work, else the response's ret.
 */
static int pvcb_dispatch(struct pvcb_frontend *fe,
			 const struct pvc_request *req)
{
	int err = pvcb_check_cmd(req->cmd);

	if (err)
		return err;

	switch (req->cmd) {
	case PVC_CMD_SOCKET:
		return pvcb_cmd_socket(fe, req);
	case PVC_CMD_CONNECT:
		return pvcb_cmd_connect(fe, req);
	case PVC_CMD_RELEASE:
		return pvcb_cmd_release(fe, req);
	case PVC_CMD_BIND:
		return pvcb_cmd_bind(fe, req);
	case PVC_CMD_LISTEN:
		return pvcb_cmd_listen(fe, req);
	case PVC_CMD_ACCEPT:
		return pvcb_cmd_accept(fe, req);
	case PVC_CMD_POLL:
		return pvcb_cmd_poll(fe, req);
	}
	return -EOPNOTSUPP;
}

/*
 * Take the next request, if any, as a private copy: the frontend may
 * rewrite the shared slot at any time, so everything after this looks
 * at @req only.  Returns false when there is nothing (more) to take.
 */
static bool pvcb_next_request(struct pvcb_frontend *fe,
			      struct pvc_request *req, bool *broken)
{
	RING_IDX rp;
	bool got = false;
	int more;

	spin_lock(&fe->rsp_lock);
	rp = READ_ONCE(fe->ring.sring->req_prod);
	/* pairs with the virt_wmb() in the frontend's RING_PUSH_REQUESTS */
	virt_rmb();
	if (RING_REQUEST_PROD_OVERFLOW(&fe->ring, rp)) {
		*broken = true;
		goto out;
	}
	if (fe->ring.req_cons == rp) {
		/* its virt_mb() pairs with the frontend's in RING_PUSH_REQUESTS_AND_CHECK_NOTIFY */
		RING_FINAL_CHECK_FOR_REQUESTS(&fe->ring, more);
		if (!more)
			goto out;
		rp = READ_ONCE(fe->ring.sring->req_prod);
		virt_rmb(); /* as above */
	}
	/* no free response slot: wait until async responses make room */
	if (RING_REQUEST_CONS_OVERFLOW(&fe->ring, fe->ring.req_cons))
		goto out;
	RING_COPY_REQUEST(&fe->ring, fe->ring.req_cons, req);
	fe->ring.req_cons++;
	got = true;
out:
	spin_unlock(&fe->rsp_lock);
	return got;
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
