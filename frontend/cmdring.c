// SPDX-License-Identifier: GPL-2.0
/*
 * The command ring: one shared page of 32 request/response slots.
 *
 * Every request in flight owns one slot of @slots, named on the wire by
 * req_id = slot index | generation << 8.  A slot is freed only when its
 * answer is reaped or when the device goes away: never earlier, since
 * the backend may still act on a command it holds (a slot of the shared
 * ring stays taken until it answers, and an ACCEPT names the grants of
 * its child's ring).  The generation makes a late or forged response
 * for a freed slot harmless.  Responses are
 * copied out of shared memory before they are looked at, and anything
 * unexpected (req_id out of range, unknown, duplicate, wrong command)
 * is logged and ignored.
 *
 * Responses are taken by the interrupt handler, under @lock: each is
 * copied out of the shared page into the slot it answers, which is
 * marked answered and put on @answers, the list of answered slots in
 * ring order, and rsp_cons moves on.  The slot stays busy, and its
 * callback waits, until the answer is reaped: pvcf_cmd_reap() takes the
 * oldest answer off the list, frees its slot and runs its callback, one
 * at a time, in process context with no lock held, under @reap_lock, so
 * callbacks never run concurrently nor out of ring order (the in-order
 * extension's SOCKET answer is noted before its command's).
 *
 * Who reaps.  For each answer the handler asks the transport
 * (->answered(ctx), hard irq): when a task is waiting for an operation
 * of that socket (connect, bind, listen, accept), the transport wakes it
 * and the task reaps (pvcalls_transport_ops ->settle(), transport.h),
 * with no context switch to a worker; else @work, on the ordered
 * workqueue given at init, reaps.  A task reaps every answer on the
 * list, other sockets' too, and once more when it stops waiting for any
 * reason, after which its socket's answers go to @work again: an answer
 * is never left on the list with nobody to reap it.  Nobody sleeps
 * waiting for a particular response here: callers get a callback and
 * keep their own state, so a signal in a waiter never frees anything the
 * response still needs.
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
 * Locking: @lock (irqsave) protects the ring producer and consumer,
 * the slots, @answers, the counts, @live and @broken; the handler holds
 * it while it calls ->answered(), which takes the socket's lock.
 * @reap_lock (a mutex) is held while callbacks run, with no other lock.
 * A ring found broken, or the device going down, finishes the answered
 * slots by reaping them and the others with an error
 * (pvcf_cmd_fail_all()), under @reap_lock: each callback runs once.
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

/*
 * Under @lock: the slot @rsp answers, if it is one in flight that has
 * no answer yet (req_id in range, generation and command matching).
 */
static struct pvcf_slot *pvcf_slot_find_locked(struct pvcf_cmdring *cr,
					       const struct pvc_response *rsp)
{
	u32 idx = rsp->req_id & PVCF_SLOT_MASK;
	struct pvcf_slot *s;

	if (idx >= PVCF_NR_SLOTS)
		return NULL;
	s = &cr->slots[idx];
	if (!s->busy || s->answered || s->gen != rsp->req_id >> PVCF_SLOT_BITS ||
	    s->cmd != rsp->cmd)
		return NULL;
	return s;
}

/* Under @lock: free slot @s; the caller gets cb/ctx. */
static void pvcf_slot_free_locked(struct pvcf_cmdring *cr, struct pvcf_slot *s,
				  pvcf_cmd_cb *cb, void **ctx)
{
	*cb = s->cb;
	*ctx = s->ctx;
	s->busy = false;
	s->answered = false;
	s->cb = NULL;
	s->ctx = NULL;
	cr->nr_busy--;
	cr->nr_kind[pvcf_kind(s->cmd)]--;
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
 * Run the callbacks of the answered slots, oldest first, one at a time,
 * each after its slot is freed.  Under @reap_lock, so that callbacks
 * never run concurrently or out of ring order, whoever reaps.
 */
static void pvcf_cmd_reap_locked(struct pvcf_cmdring *cr, bool waiter)
{
	struct pvc_response rsp;
	struct pvcf_slot *s;
	unsigned long flags;
	pvcf_cmd_cb cb;
	void *ctx;

	lockdep_assert_held(&cr->reap_lock);
	for (;;) {
		spin_lock_irqsave(&cr->lock, flags);
		if (cr->ans_head == cr->ans_tail) {
			spin_unlock_irqrestore(&cr->lock, flags);
			return;
		}
		s = &cr->slots[cr->answers[cr->ans_head++ % PVCF_NR_SLOTS]];
		rsp = s->rsp;
		pvcf_slot_free_locked(cr, s, &cb, &ctx);
		spin_unlock_irqrestore(&cr->lock, flags);
		pvcf_slots_freed(cr);
		if (waiter)
			atomic64_inc(&pvcf_stats.answers_reaped_by_waiter);
		cb(ctx, &rsp);
	}
}

/* Are answers waiting for pvcf_cmd_reap()?  Never sleeps. */
bool pvcf_cmd_unreaped(struct pvcf_cmdring *cr)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&cr->lock, flags);
	ret = cr->ans_head != cr->ans_tail;
	spin_unlock_irqrestore(&cr->lock, flags);
	return ret;
}

/*
 * Run the callbacks of every answer received so far (process context,
 * no lock held; may sleep).  @waiter: called by a task that waits for
 * an operation (counted in the stats), else by the command work.  With
 * none listed it returns at once, even while another reaper runs a
 * callback: that callback makes its own upcall.
 */
void pvcf_cmd_reap(struct pvcf_cmdring *cr, bool waiter)
{
	if (!pvcf_cmd_unreaped(cr))
		return;
	mutex_lock(&cr->reap_lock);
	pvcf_cmd_reap_locked(cr, waiter);
	mutex_unlock(&cr->reap_lock);
}

/*
 * Finish every command still in flight: the answered ones with their
 * answers, the others with @err: each callback runs once, as if the
 * backend had answered, so its owner stops waiting and frees what it
 * holds.  Process context, with the ring stopped (not live, or broken),
 * so that no new answer comes in meanwhile.
 */
static void pvcf_cmd_fail_all(struct pvcf_cmdring *cr, int err)
{
	struct pvc_response rsp = { .ret = err };
	unsigned long flags;
	unsigned int i;
	pvcf_cmd_cb cb;
	void *ctx;

	mutex_lock(&cr->reap_lock);
	pvcf_cmd_reap_locked(cr, false);
	for (i = 0; i < PVCF_NR_SLOTS; i++) {
		struct pvcf_slot *s = &cr->slots[i];

		spin_lock_irqsave(&cr->lock, flags);
		/* answered: on the list, reaped above or by a later reap */
		if (!s->busy || s->answered) {
			spin_unlock_irqrestore(&cr->lock, flags);
			continue;
		}
		rsp.req_id = i | s->gen << PVCF_SLOT_BITS;
		rsp.cmd = s->cmd;
		pvcf_slot_free_locked(cr, s, &cb, &ctx);
		spin_unlock_irqrestore(&cr->lock, flags);
		cb(ctx, &rsp);
	}
	mutex_unlock(&cr->reap_lock);
	pvcf_slots_freed(cr);
}

static void pvcf_cmd_work(struct work_struct *work)
{
	struct pvcf_cmdring *cr = container_of(work, struct pvcf_cmdring, work);
	unsigned long flags;
	bool broken;

	spin_lock_irqsave(&cr->lock, flags);
	broken = cr->live && cr->broken;
	spin_unlock_irqrestore(&cr->lock, flags);
	/*
	 * No answer can be trusted from now on: the commands in flight
	 * fail with EIO instead of waiting for ever (new ones get ENETDOWN
	 * from pvcf_cmd_submit).  The answers taken before the backend
	 * broke the ring are still reaped with their answers.
	 */
	if (broken)
		pvcf_cmd_fail_all(cr, -EIO);
	else
		pvcf_cmd_reap(cr, false);
}

/*
 * Under @lock, in hard irq or process context: copy the new responses
 * out of the shared ring onto the list of answered slots, in ring order,
 * and tell the transport of each (->answered: may a waiter reap it?).
 * Returns true when the command work must run: an answer no waiter
 * takes, or a broken ring.  *@took: responses were consumed.  Bounded
 * (see below): it runs in hard irq.
 */
static bool pvcf_cmd_collect_locked(struct pvcf_cmdring *cr, bool *took)
{
	bool need_work = false;
	RING_IDX prod, cons;
	int more;

	lockdep_assert_held(&cr->lock);
	do {
		prod = READ_ONCE(cr->ring.sring->rsp_prod);
		/*
		 * Pairs with the backend's virt_wmb() before it moved
		 * rsp_prod; whoever reaps the answer reads after this, as
		 * it takes @lock after us.
		 */
		virt_rmb();
		cons = cr->ring.rsp_cons;
		if (prod - cons > cr->ring.req_prod_pvt - cons) {
			cr->broken = true;
			pr_err_ratelimited("pvcalls: backend moved rsp_prod past our requests; command ring stopped\n");
			return true;
		}
		/*
		 * Each pass but the last takes one response at least, and
		 * no request goes out meanwhile (we hold @lock): at most
		 * PVCF_NR_SLOTS + 1 passes, whatever the backend does to
		 * rsp_prod.  rsp_event stays as the last pass left it.
		 */
		if (prod == cons)
			break;
		for (; cons != prod; cons++) {
			struct pvc_response rsp;
			struct pvcf_slot *s;

			*took = true;
			/* A private copy: the backend may rewrite the slot. */
			RING_COPY_RESPONSE(&cr->ring, cons, &rsp);
			s = pvcf_slot_find_locked(cr, &rsp);
			if (!s) {
				pr_warn_ratelimited("pvcalls: ignoring response with unknown req_id %#x cmd %u\n",
						    rsp.req_id, rsp.cmd);
				continue;
			}
			s->rsp = rsp;
			s->answered = true;
			cr->answers[cr->ans_tail++ % PVCF_NR_SLOTS] = s - cr->slots;
			if (cr->answered && cr->answered(s->ctx))
				atomic64_inc(&pvcf_stats.answers_direct);
			else
				need_work = true;
		}
		cr->ring.rsp_cons = cons;
		RING_FINAL_CHECK_FOR_RESPONSES(&cr->ring, more);
	} while (more);
	return need_work;
}

/*
 * The responses are taken here, in hard irq; their callbacks run later
 * in process context (pvcf_cmd_reap()).  An event is real if it brought
 * a response, or if responses were taken since the last real event
 * (pvcf_cmdring_set_live() also takes them).  A ring found broken makes
 * every event spurious.
 */
static irqreturn_t pvcf_cmd_interrupt(int irq, void *dev_id)
{
	struct pvcf_cmdring *cr = dev_id;
	bool worked = false, need_work = false;
	unsigned long flags;

	spin_lock_irqsave(&cr->lock, flags);
	if (cr->live && !cr->broken) {
		worked = cr->ring.rsp_cons != cr->eoi_cons;
		need_work = pvcf_cmd_collect_locked(cr, &worked);
		if (cr->broken)
			worked = false;
	}
	cr->eoi_cons = cr->ring.rsp_cons;
	spin_unlock_irqrestore(&cr->lock, flags);
	if (need_work)
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
	bool need_work = false, took = false;
	unsigned long flags;

	spin_lock_irqsave(&cr->lock, flags);
	cr->live = live && cr->ring.sring;
	cr->broken = false;
	/* answers that came before the ring was live */
	if (cr->live)
		need_work = pvcf_cmd_collect_locked(cr, &took);
	spin_unlock_irqrestore(&cr->lock, flags);
	if (need_work)
		queue_work(cr->wq, &cr->work);
}

/*
 * Device going away: stop the ring, then finish every command still in
 * flight, with its answer if it came, else with -ENETDOWN, so that its
 * owner frees what it holds.  Runs in process context, not on the
 * ring's workqueue.
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
 * Before first use: answers nobody waits for are reaped on @wq, and
 * @up (its members may be NULL) is told of answers and freed slots
 * (struct pvcf_front_upcalls).
 */
void pvcf_cmdring_init(struct pvcf_cmdring *cr, struct workqueue_struct *wq,
		       const struct pvcf_front_upcalls *up)
{
	spin_lock_init(&cr->lock);
	mutex_init(&cr->reap_lock);
	init_waitqueue_head(&cr->slot_wq);
	INIT_WORK(&cr->work, pvcf_cmd_work);
	cr->irq = -1;
	cr->wq = wq;
	cr->slots_freed = up->slots_freed;
	cr->answered = up->answered;
}
