// SPDX-License-Identifier: GPL-2.0
/*
 * The command ring: one shared page of 32 request/response slots.
 *
 * Every request in flight owns one slot of @slots, named on the wire by
 * req_id = slot index | generation << 8.  A slot is freed only when its
 * response arrives or when the device goes away: never earlier, since
 * the backend may still act on a command it holds (a slot of the shared
 * ring stays taken until it answers, and an ACCEPT names the grants of
 * its child's ring).  The generation makes a late or forged response
 * for a freed slot harmless.  Responses are
 * copied out of shared memory before they are looked at, and anything
 * unexpected (req_id out of range, unknown, duplicate, wrong command)
 * is logged and ignored.
 *
 * Responses are handled by @work on the ordered workqueue given at init
 * (front.h, "Execution contexts").  Nobody sleeps waiting for a
 * particular response here: callers get a callback and keep their own
 * state, so a signal in a waiter never frees anything the response
 * still needs.
 *
 * Requests may go in batches (pvcf_cmd_submit_batch()): their slots
 * are taken together, in order, behind one notification.  The in-order
 * extension sends a socket's SOCKET with its first command so.
 *
 * Sharing the slots.  ACCEPT and POLL are answered only when a
 * connection comes, CONNECT only when dom0's TCP connects or gives up:
 * each kind may hold at most PVCF_MAX_LONG slots, so that whatever one
 * user leaves blocked, SOCKET, BIND, LISTEN and RELEASE still find
 * slots.  The last PVCF_RELEASE_RESERVE free slots are RELEASE's only:
 * close never waits behind other commands, and the backend answers a
 * listener's outstanding ACCEPT and POLL (ECONNABORTED) before its
 * RELEASE, so closing a listener frees their slots at once.  A command
 * over its kind's cap waits as for a full ring.
 *
 * Locking: @lock (irqsave) protects the ring producer, the slots, the
 * counts and @live.  Callbacks run without it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "front.h"

#define PVCF_SLOT_BITS	8
#define PVCF_SLOT_MASK	((1U << PVCF_SLOT_BITS) - 1)

/* Slots only RELEASE may take, and the most each long-lived kind holds. */
#define PVCF_RELEASE_RESERVE	2
#define PVCF_MAX_LONG		12
static_assert(PVCF_RELEASE_RESERVE + 2 * PVCF_MAX_LONG < PVCF_NR_SLOTS);
static_assert(PVCF_KIND_CONNECT - PVCF_KIND_PASSIVE == 1);

static enum pvcf_kind pvcf_kind(u32 cmd)
{
	switch (cmd) {
	case PVC_CMD_RELEASE:
		return PVCF_KIND_RELEASE;
	case PVC_CMD_ACCEPT:
	case PVC_CMD_POLL:
		return PVCF_KIND_PASSIVE;
	case PVC_CMD_CONNECT:
		return PVCF_KIND_CONNECT;
	default:
		return PVCF_KIND_SHORT;
	}
}

/* May the commands @cmds[0..@n) all take a slot now? */
static bool pvcf_slots_free_locked(struct pvcf_cmdring *cr,
				   const struct pvcf_cmd *cmds, unsigned int n)
{
	unsigned int need[PVCF_NR_KINDS] = { 0 };
	unsigned int limit = PVCF_NR_SLOTS, i;
	enum pvcf_kind kind;

	if (!cr->live || RING_FREE_REQUESTS(&cr->ring) < n)
		return false;
	for (i = 0; i < n; i++) {
		kind = pvcf_kind(cmds[i].req->cmd);
		need[kind]++;
		if (kind != PVCF_KIND_RELEASE)
			limit = PVCF_NR_SLOTS - PVCF_RELEASE_RESERVE;
	}
	/* the long-lived kinds, PASSIVE and CONNECT, have their caps */
	for (kind = PVCF_KIND_PASSIVE; kind <= PVCF_KIND_CONNECT; kind++)
		if (cr->nr_kind[kind] + need[kind] > PVCF_MAX_LONG)
			return false;
	return cr->nr_busy + n <= limit;
}

static bool pvcf_slots_available(struct pvcf_cmdring *cr,
				 const struct pvcf_cmd *cmds, unsigned int n)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&cr->lock, flags);
	ok = !cr->live || pvcf_slots_free_locked(cr, cmds, n);
	spin_unlock_irqrestore(&cr->lock, flags);
	return ok;
}

/* Give @cmd a free slot and put its request on the ring (not pushed). */
static void pvcf_cmd_queue_locked(struct pvcf_cmdring *cr,
				  const struct pvcf_cmd *cmd)
{
	struct pvc_request *req = cmd->req;
	unsigned int i;

	for (i = 0; i < PVCF_NR_SLOTS; i++)
		if (!cr->slots[i].busy)
			break;
	cr->slots[i].busy = true;
	cr->slots[i].gen = ++cr->gen & (U32_MAX >> PVCF_SLOT_BITS);
	cr->slots[i].cmd = req->cmd;
	cr->slots[i].cb = cmd->cb;
	cr->slots[i].ctx = cmd->ctx;
	cr->nr_busy++;
	cr->nr_kind[pvcf_kind(req->cmd)]++;
	req->req_id = i | cr->slots[i].gen << PVCF_SLOT_BITS;
	memcpy(RING_GET_REQUEST(&cr->ring, cr->ring.req_prod_pvt), req,
	       sizeof(*req));
	cr->ring.req_prod_pvt++;
}

/*
 * Queue the requests @cmds[0..@n) together: all or none, in this order,
 * behind one notification.  Each @cb(@ctx, rsp) runs exactly once iff
 * this returns 0; each request's req_id is written back into it.
 * Without @may_sleep, too few slots give -EAGAIN; with it, we wait
 * (interruptibly, bounded) until all of them are free.
 */
int pvcf_cmd_submit_batch(struct pvcf_cmdring *cr, struct pvcf_cmd *cmds,
			  unsigned int n, bool may_sleep)
{
	unsigned long flags;
	unsigned int i;
	int notify;
	long left;

	if (WARN_ON_ONCE(!n || n > PVCF_MAX_BATCH))
		return -EINVAL;
	for (;;) {
		spin_lock_irqsave(&cr->lock, flags);
		if (!cr->live || cr->broken) {
			spin_unlock_irqrestore(&cr->lock, flags);
			return -ENETDOWN;
		}
		if (pvcf_slots_free_locked(cr, cmds, n))
			break;
		spin_unlock_irqrestore(&cr->lock, flags);
		if (!may_sleep)
			return -EAGAIN;
		left = wait_event_interruptible_timeout(cr->slot_wq,
							pvcf_slots_available(cr, cmds, n),
							PVCF_CMD_TIMEOUT);
		if (left < 0)
			return left;
		if (!left)
			return -ETIMEDOUT;
	}
	for (i = 0; i < n; i++)
		pvcf_cmd_queue_locked(cr, &cmds[i]);
	/*
	 * The macro's virt_wmb() publishes every request before req_prod;
	 * pairs with the backend's virt_rmb() after it reads req_prod.
	 */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&cr->ring, notify);
	if (notify)
		notify_remote_via_irq(cr->irq);
	spin_unlock_irqrestore(&cr->lock, flags);
	atomic64_add(n, &pvcf_stats.commands);
	return 0;
}

/* Queue one request: pvcf_cmd_submit_batch() of one; @req_id may be NULL. */
int pvcf_cmd_submit(struct pvcf_cmdring *cr, struct pvc_request *req,
		    pvcf_cmd_cb cb, void *ctx, bool may_sleep, u32 *req_id)
{
	struct pvcf_cmd cmd = { .req = req, .cb = cb, .ctx = ctx };
	int ret = pvcf_cmd_submit_batch(cr, &cmd, 1, may_sleep);

	if (!ret && req_id)
		*req_id = req->req_id;
	return ret;
}

/* Look @req_id up and free its slot; the caller gets cb/ctx. */
static bool pvcf_slot_take_locked(struct pvcf_cmdring *cr, u32 req_id,
				  u32 cmd, bool check_cmd,
				  pvcf_cmd_cb *cb, void **ctx)
{
	u32 idx = req_id & PVCF_SLOT_MASK;
	struct pvcf_slot *s;

	if (idx >= PVCF_NR_SLOTS)
		return false;
	s = &cr->slots[idx];
	if (!s->busy || s->gen != req_id >> PVCF_SLOT_BITS)
		return false;
	if (check_cmd && s->cmd != cmd)
		return false;
	*cb = s->cb;
	*ctx = s->ctx;
	s->busy = false;
	s->cb = NULL;
	s->ctx = NULL;
	cr->nr_busy--;
	cr->nr_kind[pvcf_kind(s->cmd)]--;
	return true;
}

/*
 * Slots were freed: wake who waits for one, and tell the transport
 * (which retries the releases that found none).
 */
static void pvcf_slots_freed(struct pvcf_cmdring *cr)
{
	wake_up(&cr->slot_wq);
	if (cr->slots_freed)
		cr->slots_freed();
}

/*
 * Finish every command still in flight with @err: its callback runs
 * once, as if the backend had answered, so its owner stops waiting and
 * frees what it holds.  Process context.
 */
static void pvcf_cmd_fail_all(struct pvcf_cmdring *cr, int err)
{
	struct pvc_response rsp = { .ret = err };
	unsigned long flags;
	unsigned int i;
	pvcf_cmd_cb cb;
	void *ctx;

	for (i = 0; i < PVCF_NR_SLOTS; i++) {
		spin_lock_irqsave(&cr->lock, flags);
		if (!cr->slots[i].busy) {
			spin_unlock_irqrestore(&cr->lock, flags);
			continue;
		}
		rsp.req_id = i | cr->slots[i].gen << PVCF_SLOT_BITS;
		rsp.cmd = cr->slots[i].cmd;
		pvcf_slot_take_locked(cr, rsp.req_id, rsp.cmd, true, &cb, &ctx);
		spin_unlock_irqrestore(&cr->lock, flags);
		cb(ctx, &rsp);
	}
	pvcf_slots_freed(cr);
}

static void pvcf_cmd_work(struct work_struct *work)
{
	struct pvcf_cmdring *cr = container_of(work, struct pvcf_cmdring, work);
	unsigned int n, i;
	unsigned long flags;
	RING_IDX prod, cons;
	int more;

again:
	n = 0;
	spin_lock_irqsave(&cr->lock, flags);
	if (!cr->live || cr->broken) {
		spin_unlock_irqrestore(&cr->lock, flags);
		return;
	}
	prod = READ_ONCE(cr->ring.sring->rsp_prod);
	/* Pairs with the backend's virt_wmb() before it moved rsp_prod. */
	virt_rmb();
	if (prod - cr->ring.rsp_cons > cr->ring.req_prod_pvt - cr->ring.rsp_cons) {
		cr->broken = true;
		spin_unlock_irqrestore(&cr->lock, flags);
		pr_err_ratelimited("pvcalls: backend moved rsp_prod past our requests; command ring stopped\n");
		/*
		 * No answer can be trusted from now on: the commands in
		 * flight fail with EIO instead of waiting for ever (new ones
		 * get ENETDOWN from pvcf_cmd_submit).
		 */
		pvcf_cmd_fail_all(cr, -EIO);
		return;
	}
	for (cons = cr->ring.rsp_cons; cons != prod; cons++) {
		struct pvcf_done *d = &cr->done[n];

		/* A private copy: the backend may rewrite the slot. */
		RING_COPY_RESPONSE(&cr->ring, cons, &d->rsp);
		if (pvcf_slot_take_locked(cr, d->rsp.req_id, d->rsp.cmd, true,
					  &d->cb, &d->ctx))
			n++;
		else
			pr_warn_ratelimited("pvcalls: ignoring response with unknown req_id %#x cmd %u\n",
					    d->rsp.req_id, d->rsp.cmd);
	}
	cr->ring.rsp_cons = cons;
	RING_FINAL_CHECK_FOR_RESPONSES(&cr->ring, more);
	spin_unlock_irqrestore(&cr->lock, flags);

	if (n)
		pvcf_slots_freed(cr);
	for (i = 0; i < n; i++)
		cr->done[i].cb(cr->done[i].ctx, &cr->done[i].rsp);
	if (more)
		goto again;
}

/*
 * The EOI is sent here, not by the work: the work may run after the
 * irq is unbound.  An event is real if a response is waiting or the
 * work took one since the last real event (it often takes a response
 * before the event that announced it gets here).  A ring found broken
 * makes every event spurious.
 */
static irqreturn_t pvcf_cmd_interrupt(int irq, void *dev_id)
{
	struct pvcf_cmdring *cr = dev_id;
	unsigned long flags;
	bool worked;

	spin_lock_irqsave(&cr->lock, flags);
	worked = cr->live && !cr->broken &&
		 (cr->ring.rsp_cons != cr->eoi_cons ||
		  RING_HAS_UNCONSUMED_RESPONSES(&cr->ring));
	cr->eoi_cons = cr->ring.rsp_cons;
	spin_unlock_irqrestore(&cr->lock, flags);
	queue_work(cr->wq, &cr->work);
	pvcf_lateeoi(irq, worked);
	return IRQ_HANDLED;
}

/* Allocate, grant and bind the command ring (device not live yet). */
int pvcf_cmdring_connect(struct pvcf_cmdring *cr, struct xenbus_device *dev,
			 grant_ref_t *ref, evtchn_port_t *port)
{
	struct pvc_sring *sring;
	int ret, irq;

	ret = xenbus_setup_ring(dev, GFP_KERNEL, (void **)&sring, 1, &cr->ref);
	if (ret)
		return ret;
	XEN_FRONT_RING_INIT(&cr->ring, sring, XEN_PAGE_SIZE);
	cr->eoi_cons = 0;
	ret = xenbus_alloc_evtchn(dev, port);
	if (ret)
		goto err_ring;
	irq = bind_evtchn_to_irqhandler_lateeoi(*port, pvcf_cmd_interrupt, 0,
						"pvcalls-front", cr);
	if (irq < 0) {
		xenbus_free_evtchn(dev, *port);
		ret = irq;
		goto err_ring;
	}
	cr->irq = irq;
	*ref = cr->ref;
	return 0;

err_ring:
	xenbus_teardown_ring((void **)&sring, 1, &cr->ref);
	cr->ring.sring = NULL;
	return ret;
}

void pvcf_cmdring_set_live(struct pvcf_cmdring *cr, bool live)
{
	unsigned long flags;

	spin_lock_irqsave(&cr->lock, flags);
	cr->live = live && cr->ring.sring;
	cr->broken = false;
	spin_unlock_irqrestore(&cr->lock, flags);
	if (live)
		queue_work(cr->wq, &cr->work);
}

/*
 * Device going away: stop the ring, then finish every command still in
 * flight with -ENETDOWN so that its owner frees what it holds.  Runs
 * in process context, not on the ring's workqueue.
 */
void pvcf_cmdring_disconnect(struct pvcf_cmdring *cr, struct xenbus_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&cr->lock, flags);
	cr->live = false;
	spin_unlock_irqrestore(&cr->lock, flags);

	if (cr->irq >= 0) {
		/* Closes the event channel; waits for a running handler. */
		unbind_from_irqhandler(cr->irq, cr);
		cr->irq = -1;
	}
	flush_work(&cr->work);
	pvcf_cmd_fail_all(cr, -ENETDOWN);

	if (cr->ring.sring) {
		struct pvc_sring *sring = cr->ring.sring;

		/* Ends the grant; the page is freed once unmapped. */
		xenbus_teardown_ring((void **)&sring, 1, &cr->ref);
		cr->ring.sring = NULL;
	}
}

/*
 * Before first use: responses are handled on @wq (ordered), and
 * @slots_freed (may be NULL) is told whenever slots free up.
 */
void pvcf_cmdring_init(struct pvcf_cmdring *cr, struct workqueue_struct *wq,
		       void (*slots_freed)(void))
{
	spin_lock_init(&cr->lock);
	init_waitqueue_head(&cr->slot_wq);
	INIT_WORK(&cr->work, pvcf_cmd_work);
	cr->irq = -1;
	cr->wq = wq;
	cr->slots_freed = slots_freed;
}
