// SPDX-License-Identifier: GPL-2.0
/*
 * The two ends of the command ring: take the next request as a private
 * copy, and produce a response.
 *
 * Responses are produced both by the command work and by socket work
 * items (a connect or accept that completes later), so the producer
 * side of the ring is under fe->rsp_lock.  Consuming is done by
 * fe->cmd_work only (commands.c), but the overflow checks read
 * rsp_prod_pvt, so they are under the lock too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <xen/events.h>

#include "pvcalls-back.h"

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

/*
 * Take the next request, if any, as a private copy: the frontend may
 * rewrite the shared slot at any time, so everything after this looks
 * at @req only.  Returns false when there is nothing (more) to take.
 */
bool pvcb_next_request(struct pvcb_frontend *fe, struct pvc_request *req,
		       bool *broken)
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
