// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket data rings: an indexes page plus 1 << order data pages,
 * granted to the backend, and one event channel.
 *
 * in[] (first half) is written by the backend and read here; out[]
 * (second half) is written here and read by the backend.  The indexes
 * the backend owns (in_prod, in_error, out_cons, out_error) are read
 * once per operation with READ_ONCE and checked with dring.h: an
 * impossible value makes the socket fail with EIO, never a wild copy.
 * The caller gives the backend's domain, the orders and the notify mode
 * (struct pvcf_dring_conf), serialises senders and serialises receivers.
 *
 * notify-mitigation (Documentation/notify-mitigation.rst), when the
 * caller says it is in force: we signal after moving out_prod or in_cons only
 * when the backend armed out_prod_event or in_cons_event for it
 * (notify.h decides), and before a waiter sleeps, pvcf_dring_poll() arms
 * in_prod_event or out_cons_event at the next byte and re-checks.  This
 * side can have several waiters per direction (recv, poll, close's
 * drain), so it follows the spec's "Several waiters on one side".
 * Without the extension nothing here reads or writes an event index and
 * every transfer is signalled, as in v1.
 *
 * Ring reuse (Documentation/pvcalls.rst): a ring is an object of its
 * own, the dev_id of its event channel's interrupt, which calls the
 * socket that owns the ring (pvcf_dring_attach()).  A closing socket may
 * keep a place in a bounded pool of idle rings (pvcf_dring_reserve());
 * its RELEASE answered, the ring goes there, still granted and bound,
 * and the next connect or accept of its order takes it, indexes cleared,
 * instead of a new one (pvcf_dring_get()).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "front.h"

/*
 * Like xenbus_alloc_evtchn(), but a failure only fails this socket: the
 * xenbus helper would also mark the whole device fatal.
 */
static int pvcf_alloc_evtchn(domid_t domid, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound alloc = {
		.dom = DOMID_SELF,
		.remote_dom = domid,
	};
	int ret;

	ret = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
	if (!ret)
		*port = alloc.port;
	return ret;
}

static void pvcf_free_evtchn(evtchn_port_t port)
{
	struct evtchn_close close = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

static void pvcf_dring_free_pages(struct pvcf_dring *d, unsigned int nrefs)
{
	unsigned int i;

	/*
	 * gnttab_end_foreign_access() keeps a page reference while the
	 * backend still maps it, so freeing below never hands a page the
	 * backend can see back to the allocator.
	 */
	for (i = 0; d->refs && i < nrefs; i++)
		gnttab_end_foreign_access(d->refs[i], NULL);
	kfree(d->refs);
	d->refs = NULL;
	vfree(d->data);
	d->data = NULL;
	if (d->iref != INVALID_GRANT_REF)
		gnttab_end_foreign_access(d->iref, NULL);
	d->iref = INVALID_GRANT_REF;
	if (d->intf)
		free_page((unsigned long)d->intf);
	d->intf = NULL;
}

/*
 * Pages and grants for one order; -ENOSPC/-ENOMEM to try a smaller one.
 * The pages are virtually contiguous (vmalloc): the copies see one flat
 * ring, and a large ring needs no physically contiguous memory.
 */
static int pvcf_dring_grant(struct pvcf_dring *d, unsigned int order,
			    domid_t domid)
{
	unsigned int i, n = 1U << order;
	grant_ref_t head;
	int ret;

	d->refs = kmalloc_array(n, sizeof(*d->refs), GFP_KERNEL);
	d->data = __vmalloc(XEN_PAGE_SIZE << order,
			    GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	ret = -ENOMEM;
	if (!d->refs || !d->data)
		goto err;
	d->order = order;
	ret = gnttab_alloc_grant_references(n + 1, &head);
	if (ret)
		goto err;
	d->iref = gnttab_claim_grant_reference(&head);
	gnttab_grant_foreign_access_ref(d->iref, domid,
					virt_to_gfn(d->intf), 0);
	for (i = 0; i < n; i++) {
		void *page = d->data + i * XEN_PAGE_SIZE;

		d->refs[i] = gnttab_claim_grant_reference(&head);
		gnttab_grant_foreign_access_ref(d->refs[i], domid,
						xen_page_to_gfn(vmalloc_to_page(page)),
						0);
		d->intf->ref[i] = d->refs[i];
	}
	gnttab_free_grant_references(head);	/* none left; harmless */
	d->intf->ring_order = order;
	d->size = pvc_ring_size(order);
	return 0;

err:
	vfree(d->data);
	d->data = NULL;
	kfree(d->refs);
	d->refs = NULL;
	return ret;
}

/*
 * Every event of a ring's channel comes here, and every one gets its
 * late EOI here, with or without a socket: a channel left with an EOI
 * outstanding would give its next socket no event.  An event of a ring
 * with no socket (idle in the pool: the backend has released it) is
 * spurious.
 */
static irqreturn_t pvcf_dring_interrupt(int irq, void *dev_id)
{
	struct pvcf_dring *d = dev_id;
	unsigned long flags;
	bool worked = false;

	spin_lock_irqsave(&d->owner_lock, flags);
	if (d->owner)
		worked = d->event(d, d->owner);
	spin_unlock_irqrestore(&d->owner_lock, flags);
	pvcf_lateeoi(irq, worked);
	return IRQ_HANDLED;
}

/*
 * Route the ring's events to @event(@owner), or to nobody (NULL).
 * Process context, no lock held: it waits for a running event call of
 * the old owner, which may then go away.
 */
void pvcf_dring_attach(struct pvcf_dring *d, pvcf_dring_event_t event,
		       void *owner)
{
	spin_lock_irq(&d->owner_lock);
	d->event = event;
	d->owner = owner;
	spin_unlock_irq(&d->owner_lock);
}

/*
 * Pages and grants of order @want, falling back to smaller orders when
 * memory or grant references run short.  At the first shortage the idle
 * rings of the pool, which hold both, are freed and @want is tried once
 * more: a pooled ring must not cost a new socket its ring order.
 */
static int pvcf_dring_grant_fallback(struct pvcf_dring *d, unsigned int want,
				     domid_t domid)
{
	unsigned int order = want;
	bool drained = false;

	while (pvcf_dring_grant(d, order, domid)) {
		if (!drained) {
			drained = true;
			if (pvcf_dring_pool_drain())
				continue;
		}
		if (order == 1) {
			atomic64_inc(&pvcf_stats.ring_enobufs);
			return -ENOBUFS;
		}
		order--;
	}
	if (order < want)
		atomic64_inc(&pvcf_stats.ring_fallbacks);
	return 0;
}

/* Unbind (waits for a running handler) and give back everything. */
static void pvcf_dring_free(struct pvcf_dring *d)
{
	if (d->irq >= 0)
		unbind_from_irqhandler(d->irq, d);
	if (d->intf)
		pvcf_dring_free_pages(d, 1U << d->order);
	kfree(d);
}

/*
 * A new ring of order @want granted to @conf->domid, with its event
 * channel bound and no owner.  Process context, no locks held (binding
 * sleeps).
 */
static struct pvcf_dring *pvcf_dring_new(const struct pvcf_dring_conf *conf,
					 unsigned int want)
{
	struct pvcf_dring *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->iref = INVALID_GRANT_REF;
	d->irq = -1;
	d->domid = conf->domid;
	spin_lock_init(&d->owner_lock);
	spin_lock_init(&d->arm_lock);
	INIT_LIST_HEAD(&d->pool_entry);
	d->intf = (void *)get_zeroed_page(GFP_KERNEL);
	if (!d->intf) {
		kfree(d);
		return ERR_PTR(-ENOMEM);
	}
	ret = pvcf_dring_grant_fallback(d, want, conf->domid);
	if (ret) {
		pvcf_dring_free_pages(d, 0);
		kfree(d);
		return ERR_PTR(ret);
	}
	d->poolable = d->order == pvc_ring_order_for(0, conf->def_order,
						     conf->max_order);

	ret = pvcf_alloc_evtchn(conf->domid, &d->port);
	/* idle rings hold event channels too: free them, try once more */
	if (ret == -ENOSPC && pvcf_dring_pool_drain())
		ret = pvcf_alloc_evtchn(conf->domid, &d->port);
	if (ret == -ENOSPC) {
		/*
		 * The domain's event channels are all in use (xl's
		 * max_event_channels, 1023 by default): like running out
		 * of grants, a shortage of a resource, not of the device.
		 */
		atomic64_inc(&pvcf_stats.evtchn_enobufs);
		ret = -ENOBUFS;
	}
	if (ret)
		goto err;
	ret = bind_evtchn_to_irqhandler_lateeoi(d->port, pvcf_dring_interrupt,
						0, "pvcalls-data", d);
	if (ret < 0) {
		pvcf_free_evtchn(d->port);
		goto err;
	}
	d->irq = ret;
	return d;

err:
	pvcf_dring_free(d);
	return ERR_PTR(ret);
}

/*
 * The pool of idle rings (ring reuse, Documentation/pvcalls.rst): rings
 * whose socket closed with RELEASE reuse = 1 and whose RELEASE was
 * answered, still granted to the backend and bound, waiting for the next
 * connect or accept.  @reserved counts places promised to RELEASEs in
 * flight, so that @nr_idle + @reserved never exceeds the bound given by
 * the caller.  Process context only, never with another lock held.
 */
static struct {
	spinlock_t lock;		/* the fields below */
	struct list_head idle;
	unsigned int nr_idle, reserved;
} pvcf_pool = {
	.lock = __SPIN_LOCK_UNLOCKED(pvcf_pool.lock),
	.idle = LIST_HEAD_INIT(pvcf_pool.idle),
};

/* An idle ring of @order for @domid, out of the pool; NULL if none. */
static struct pvcf_dring *pvcf_pool_take(unsigned int order, domid_t domid)
{
	struct pvcf_dring *d;

	spin_lock(&pvcf_pool.lock);
	d = list_first_entry_or_null(&pvcf_pool.idle, struct pvcf_dring,
				     pool_entry);
	/* every idle ring has the default order, so the first will do */
	if (d && (d->order != order || d->domid != domid))
		d = NULL;
	if (d) {
		list_del_init(&d->pool_entry);
		pvcf_pool.nr_idle--;
		atomic_dec(&pvcf_stats.rings_pooled);
	}
	spin_unlock(&pvcf_pool.lock);
	return d;
}

/*
 * A pooled ring for a new socket, before the CONNECT or ACCEPT that
 * names it goes out: the backend released it and its interrupt has no
 * owner, so nothing else reads or writes what is cleared here.  The
 * indexes page is cleared up to ring_order, which stays with ref[] as
 * the backend mapped them: indexes, errors, event indexes, and the
 * names the backend wrote for the last socket (socket-names), which
 * must not pass for this one's.  These stores reach the backend before
 * the request does: the command ring's virt_wmb() before req_prod
 * orders them.
 */
static void pvcf_dring_reset(struct pvcf_dring *d, bool notify)
{
	memset(d->intf, 0, offsetof(struct pvc_indexes, ring_order));
	memset(&d->sock, 0, sizeof(d->sock));
	d->notify = notify;
}

/*
 * A ring for a socket that wants @ring_bytes (pvc_ring_order_for() with
 * @conf's orders): an idle one from the pool when it has the order, else
 * a new one.  Either way the indexes are 0 and nothing is armed; the
 * caller routes its events with pvcf_dring_attach().  ERR_PTR -ENOBUFS
 * when grants or event channels run out.  Process context, no locks.
 */
struct pvcf_dring *pvcf_dring_get(const struct pvcf_dring_conf *conf,
				  unsigned int ring_bytes)
{
	unsigned int want = pvc_ring_order_for(ring_bytes, conf->def_order,
					       conf->max_order);
	struct pvcf_dring *d;

	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct pvc_indexes) +
		     (1 << PVC_MAX_RING_ORDER) * sizeof(grant_ref_t) >
		     XEN_PAGE_SIZE);
	d = pvcf_pool_take(want, conf->domid);
	if (d) {
		pvcf_dring_reset(d, conf->notify);
		atomic64_inc(&pvcf_stats.rings_reused);
	} else {
		d = pvcf_dring_new(conf, want);
		if (IS_ERR(d))
			return d;
		d->notify = conf->notify;
	}
	atomic_inc(&pvcf_stats.rings[d->order]);
	return d;
}

/*
 * Closing @d's socket: keep a place in the pool for @d if it has the
 * default order and the pool (at most @pool_max rings) has room.  True:
 * the caller sends RELEASE with reuse = 1 and hands the answer to
 * pvcf_dring_put().  Process context, no locks.
 */
bool pvcf_dring_reserve(struct pvcf_dring *d, unsigned int pool_max)
{
	bool ok;

	if (!d->poolable)
		return false;
	spin_lock(&pvcf_pool.lock);
	ok = pvcf_pool.nr_idle + pvcf_pool.reserved < pool_max;
	if (ok)
		pvcf_pool.reserved++;
	spin_unlock(&pvcf_pool.lock);
	d->reserved = ok;
	return ok;
}

/*
 * The socket is done with @d: its events go to nobody from now on.
 * @reuse (only after RELEASE with reuse = 1 was answered with success:
 * the backend has let go of the socket) puts a reserved ring into the
 * pool; any other ring is unbound and freed, and its place, if it had
 * one, is given up.  Process context, no locks held.
 */
void pvcf_dring_put(struct pvcf_dring *d, bool reuse)
{
	bool pooled = false;

	pvcf_dring_attach(d, NULL, NULL);
	atomic_dec(&pvcf_stats.rings[d->order]);
	if (d->reserved) {
		d->reserved = false;
		spin_lock(&pvcf_pool.lock);
		pvcf_pool.reserved--;
		if (reuse) {
			/* last in, first out: the likeliest still cached in dom0 */
			list_add(&d->pool_entry, &pvcf_pool.idle);
			pvcf_pool.nr_idle++;
			atomic_inc(&pvcf_stats.rings_pooled);
			pooled = true;
		}
		spin_unlock(&pvcf_pool.lock);
	}
	if (!pooled)
		pvcf_dring_free(d);
}

/*
 * Free every idle ring: ends their grants (a page a caching backend
 * still maps is kept by gnttab_end_foreign_access() until it unmaps),
 * unbinds and closes their event channels.  Returns how many.  When the
 * device goes down, at module unload, and when a new ring finds no
 * grants or event channels.  Process context, no locks held.
 */
unsigned int pvcf_dring_pool_drain(void)
{
	struct pvcf_dring *d, *next;
	unsigned int n = 0;
	LIST_HEAD(idle);

	spin_lock(&pvcf_pool.lock);
	list_splice_init(&pvcf_pool.idle, &idle);
	atomic_sub(pvcf_pool.nr_idle, &pvcf_stats.rings_pooled);
	pvcf_pool.nr_idle = 0;
	spin_unlock(&pvcf_pool.lock);
	list_for_each_entry_safe(d, next, &idle, pool_entry) {
		list_del_init(&d->pool_entry);
		pvcf_dring_free(d);
		n++;
	}
	return n;
}

/*
 * Which directions moved since the last interrupt.  Only called from
 * the owner's event call (under @owner_lock), so the seen_* fields need
 * no other lock.
 */
void pvcf_dring_events(struct pvcf_dring *d, bool *rx, bool *tx)
{
	u32 in_prod = READ_ONCE(d->intf->in_prod);
	u32 out_cons = READ_ONCE(d->intf->out_cons);
	s32 in_error = READ_ONCE(d->intf->in_error);
	s32 out_error = READ_ONCE(d->intf->out_error);

	/* only what changed: a flood of empty events finds nothing */
	*rx = in_prod != d->sock.seen_in_prod ||
	      in_error != d->sock.seen_in_error;
	*tx = out_cons != d->sock.seen_out_cons ||
	      out_error != d->sock.seen_out_error;
	/* read by the arming code, see pvcf_dring_arm() */
	WRITE_ONCE(d->sock.seen_in_prod, in_prod);
	d->sock.seen_in_error = in_error;
	WRITE_ONCE(d->sock.seen_out_cons, out_cons);
	d->sock.seen_out_error = out_error;

	atomic64_inc(&pvcf_stats.notify.data_events_received);
	if (*rx)
		WRITE_ONCE(d->sock.st_in.events_received,
			   d->sock.st_in.events_received + 1);
	if (*tx)
		WRITE_ONCE(d->sock.st_out.events_received,
			   d->sock.st_out.events_received + 1);
}

/*
 * The late EOI of one of our event channels, sent by its handler once
 * it has done what the event asked for.  @worked false: the event
 * announced nothing, and Xen delays the channel's next event a little
 * more at each such EOI in a row.
 */
void pvcf_lateeoi(int irq, bool worked)
{
	atomic64_inc(&pvcf_stats.events);
	if (!worked)
		atomic64_inc(&pvcf_stats.spurious_eois);
	xen_irq_lateeoi(irq, worked ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

/* Send the socket's event after a transfer of direction @st. */
static void pvcf_dring_signal(struct pvcf_dring *d, struct pvc_dir_stats *st)
{
	notify_remote_via_irq(d->irq);
	WRITE_ONCE(st->events_sent, st->events_sent + 1);
	atomic64_inc(&pvcf_stats.notify.data_events_sent);
}

/*
 * This side is done with the bytes from @old to @new: move out_prod
 * (@out: they are written into out[]) or in_cons (they are read from
 * in[]) there, and signal, unless the extension is in force and the
 * backend did not ask for it.
 */
static void pvcf_dring_advance(struct pvcf_dring *d, bool out, u32 old,
			       u32 new)
{
	struct pvc_indexes *intf = d->intf;
	u32 ev = 0;
	bool sig;

	if (out) {
		/*
		 * out[] before out_prod (PW).  Pairs with the backend's
		 * virt_rmb() between reading out_prod and reading out[] (CR).
		 */
		virt_wmb();
		WRITE_ONCE(d->sock.out_prod, new);
		WRITE_ONCE(intf->out_prod, new);
		WRITE_ONCE(d->sock.st_out.bytes,
			   d->sock.st_out.bytes + (new - old));
	} else {
		/*
		 * Finish reading in[] before handing the space back (CM).
		 * Pairs with the backend's barrier between reading in_cons
		 * and writing in[] (PM).
		 */
		virt_mb();
		WRITE_ONCE(d->sock.in_cons, new);
		WRITE_ONCE(intf->in_cons, new);
		WRITE_ONCE(d->sock.st_in.bytes,
			   d->sock.st_in.bytes + (new - old));
	}
	if (d->notify) {
		/*
		 * The move before the read of the backend's event index (P1
		 * for out_prod, C1 for in_cons): pairs with the backend's
		 * virt_mb() between arming out_prod_event or in_cons_event
		 * and re-reading our index (C2, P2), so either it sees the
		 * move or we see its index.
		 */
		virt_mb();
		ev = out ? READ_ONCE(intf->out_prod_event) :
			   READ_ONCE(intf->in_cons_event);
	}
	sig = out ? pvc_notify_producer_must_signal(d->notify, old, new, ev) :
		    pvc_notify_consumer_must_signal(d->notify, old, new, ev);
	if (sig)
		pvcf_dring_signal(d, out ? &d->sock.st_out : &d->sock.st_in);
	else
		atomic64_inc(&pvcf_stats.notify.data_events_suppressed);
}

/*
 * A reader looked at in[] without taking what is there (poll() for
 * input, SIOCINQ, MSG_PEEK).  The backend waits for half a ring of
 * space ("Thresholds" in notify-mitigation.rst), and a reader that
 * waits for more bytes than the ring holds without reading them (it
 * watches SIOCINQ, or peeks for a whole message) would never give it
 * that.  So while the backend waits (in_cons has not reached
 * in_cons_event) and the ring is not full, signal the space there is.
 * The backend then fills the ring, and a full ring is all a reader can
 * wait for; looks made before it has done so may signal again, which
 * costs an event each and nothing else.  A look that reads
 * in_cons_event before an arming the backend is making becomes visible
 * misses nothing: the backend re-reads in_cons after arming (P2) and
 * takes any space it finds, so it sleeps only on a full ring, and the
 * reader must look again to learn more.
 */
static void pvcf_dring_looked(struct pvcf_dring *d)
{
	struct pvc_indexes *intf = d->intf;
	u32 cons = READ_ONCE(d->sock.in_cons);

	if (!d->notify ||
	    pvc_notify_reached(cons, READ_ONCE(intf->in_cons_event)) ||
	    READ_ONCE(intf->in_prod) - cons >= d->size)
		return;
	pvcf_dring_signal(d, &d->sock.st_in);
}

/*
 * Copy @len bytes at ring index @idx from @msg into the out ring (@out),
 * or from the in ring into @msg.
 */
static int pvcf_dring_copy(struct pvcf_dring *d, bool out, u32 idx, u32 len,
			   struct msghdr *msg)
{
	void *base = out ? d->data + d->size : d->data;
	struct pvc_ring_span s;
	size_t n;
	int i;

	pvc_ring_span(idx, len, d->size, &s);
	for (i = 0; i < 2; i++) {
		if (!s.len[i])
			continue;
		if (out)
			n = copy_from_iter(base + s.off[i], s.len[i],
					   &msg->msg_iter);
		else
			n = copy_to_iter(base + s.off[i], s.len[i],
					 &msg->msg_iter);
		if (n != s.len[i])
			return -EFAULT;
	}
	return 0;
}

ssize_t pvcf_dring_send(struct pvcf_dring *d, struct msghdr *msg, size_t len)
{
	struct pvc_indexes *intf = d->intf;
	u32 prod, cons, space;
	s32 err;

	err = READ_ONCE(intf->out_error);
	cons = READ_ONCE(intf->out_cons);
	prod = d->sock.out_prod;
	/*
	 * Read out_cons before writing into the space it frees.  Pairs
	 * with the backend's barrier between reading out[] and moving
	 * out_cons forward.
	 */
	virt_mb();
	if (err)
		return err < 0 && err >= -MAX_ERRNO ? err : -EIO;
	if (pvc_ring_writable(prod, cons, d->size, &space))
		return -EIO;
	if (!space) {
		WRITE_ONCE(d->sock.st_out.full, d->sock.st_out.full + 1);
		atomic64_inc(&pvcf_stats.notify.ring_full);
		return -EAGAIN;
	}
	len = min_t(size_t, len, space);
	if (pvcf_dring_copy(d, true, prod, len, msg))
		return -EFAULT;
	pvcf_dring_advance(d, true, prod, prod + len);
	return len;
}

ssize_t pvcf_dring_recv(struct pvcf_dring *d, struct msghdr *msg, size_t len,
			bool peek)
{
	struct pvc_indexes *intf = d->intf;
	u32 prod, cons, avail;
	s32 err;

	err = READ_ONCE(intf->in_error);
	/*
	 * in_error first: the backend sets it after its last in_prod
	 * update, so the in_prod read after this barrier covers every
	 * byte sent before the error.  Pairs with the backend's barrier
	 * between moving in_prod and setting in_error.
	 */
	virt_rmb();
	prod = READ_ONCE(intf->in_prod);
	cons = d->sock.in_cons;
	/* in_prod before in[]; pairs with the backend's virt_wmb(). */
	virt_rmb();
	if (pvc_ring_readable(prod, cons, d->size, &avail))
		return -EIO;
	if (!avail) {
		if (!err) {
			WRITE_ONCE(d->sock.st_in.empty,
				   d->sock.st_in.empty + 1);
			atomic64_inc(&pvcf_stats.notify.ring_empty);
			return -EAGAIN;
		}
		if (err == -ENOTCONN)
			return 0;	/* orderly end of file */
		return err < 0 && err >= -MAX_ERRNO ? err : -EIO;
	}
	len = min_t(size_t, len, avail);
	if (pvcf_dring_copy(d, false, cons, len, msg))
		return -EFAULT;
	if (peek) {
		pvcf_dring_looked(d);
		return len;
	}
	pvcf_dring_advance(d, false, cons, cons + len);
	return len;
}

/*
 * The ring's state as poll() sees it, from one reading of the indexes:
 * the mask, and whether a waiter for input (fewer than @rcvlowat bytes,
 * no error) or for space (none, no error) would have to sleep.
 */
static __poll_t pvcf_dring_mask(struct pvcf_dring *d, int rcvlowat,
				bool *rx_wait, bool *tx_wait)
{
	struct pvc_indexes *intf = d->intf;
	u32 in_prod, in_cons, out_prod, out_cons, avail, space;
	s32 in_err, out_err;
	__poll_t mask = 0;

	in_err = READ_ONCE(intf->in_error);
	out_err = READ_ONCE(intf->out_error);
	/*
	 * Errors before indexes, as in pvcf_dring_recv() (ER): pairs with
	 * the backend's barrier between moving in_prod and setting
	 * in_error (EW).
	 */
	virt_rmb();
	in_prod = READ_ONCE(intf->in_prod);
	in_cons = READ_ONCE(d->sock.in_cons);
	out_prod = READ_ONCE(d->sock.out_prod);
	out_cons = READ_ONCE(intf->out_cons);

	*rx_wait = false;
	*tx_wait = false;
	if (pvc_ring_readable(in_prod, in_cons, d->size, &avail) ||
	    pvc_ring_writable(out_prod, out_cons, d->size, &space))
		return EPOLLERR | EPOLLIN | EPOLLOUT | EPOLLHUP;

	/*
	 * A low-water mark counts up to half the ring, as TCP caps
	 * SO_RCVLOWAT at half its receive buffer: a backend waiting for
	 * half a ring of space (notify-mitigation) and a reader waiting
	 * for more than the other half would wait for each other.
	 */
	if (avail && avail >= pvc_notify_clamp((u32)rcvlowat, d->size))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (in_err) {
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
		if (in_err != -ENOTCONN)
			mask |= EPOLLERR;
	}
	if (out_err)
		mask |= EPOLLOUT | EPOLLERR;
	else if (space)
		mask |= EPOLLOUT | EPOLLWRNORM;
	*rx_wait = !(mask & EPOLLIN);
	*tx_wait = !(mask & EPOLLOUT);
	return mask;
}

/*
 * Arm the event index of direction @dir at the next byte, under
 * @arm_lock ("Several waiters on one side"): PVCF_DRING_WAKE_IN arms
 * in_prod_event at in_prod + 1 (need = avail + 1, from a fresh read),
 * PVCF_DRING_WAKE_OUT arms out_cons_event at out_cons + 1 (space 1).
 * Returns @dir when the backend's index has reached what was armed
 * before: a backend update that reached that index may have read the
 * new one and not signalled, so every waiter of that direction must look
 * again.  Unless our interrupt handler has already seen the index there:
 * then the event was received and the handler wakes (or has woken) every
 * waiter, so a wake from here would only be a spurious edge for epoll.
 * Else 0.
 *
 * If the event index already holds the value (the backend's index has
 * not moved since this side armed it last), the store and the barrier
 * are skipped: that arming's barrier came before its unlock of
 * @arm_lock, so the caller's re-check, after our lock, is ordered after
 * it as if we had just armed ("Consumer: wait for data").  A blocked
 * reader would otherwise arm three times per wait (its watch, then each
 * check of its wait).
 */
static unsigned int pvcf_dring_arm(struct pvcf_dring *d, unsigned int dir)
{
	struct pvc_indexes *intf = d->intf;
	bool in = dir == PVCF_DRING_WAKE_IN;
	/* the backend's index, and the event index armed for it */
	u32 *peer = in ? &intf->in_prod : &intf->out_cons;
	u32 *event = in ? &intf->in_prod_event : &intf->out_cons_event;
	u32 *seen = in ? &d->sock.seen_in_prod : &d->sock.seen_out_cons;
	u32 *armed = in ? &d->sock.in_armed : &d->sock.out_armed;
	bool *was_armed = in ? &d->sock.in_was_armed : &d->sock.out_was_armed;
	unsigned long flags;
	u32 idx, val;
	bool wake;

	spin_lock_irqsave(&d->arm_lock, flags);
	idx = READ_ONCE(*peer);
	/* out: space >= 1 once out_cons passes out_prod - size + 1 */
	val = in ? pvc_notify_prod_event(idx, 1, d->size) :
		   pvc_notify_cons_event(idx + d->size, 1, d->size);
	if (*was_armed && *armed == val) {
		spin_unlock_irqrestore(&d->arm_lock, flags);
		return 0;	/* not reached: no wake due either */
	}
	wake = *was_armed && pvc_notify_reached(idx, *armed) &&
	       !pvc_notify_reached(READ_ONCE(*seen), *armed);
	*armed = val;
	*was_armed = true;
	WRITE_ONCE(*event, val);
	/*
	 * The event index before the caller re-reads the backend's index
	 * and error: in_prod_event (C2) pairs with the backend's virt_mb()
	 * between moving in_prod and reading in_prod_event (P1);
	 * out_cons_event (P2) with its virt_mb() between moving out_cons
	 * and reading out_cons_event (C1).
	 */
	virt_mb();
	spin_unlock_irqrestore(&d->arm_lock, flags);
	atomic64_inc(&pvcf_stats.notify.data_event_waits);
	return wake ? dir : 0;
}

/* Has the backend's index reached what this side armed last? */
static bool pvcf_dring_in_reached(struct pvcf_dring *d)
{
	return pvc_notify_reached(READ_ONCE(d->intf->in_prod),
				  READ_ONCE(d->sock.in_armed));
}

/* Re-arming rounds of one poll before it lets the waiters look again. */
#define PVCF_ARM_ROUNDS	4

/*
 * Readiness for poll() and for every wait of the socket family (its
 * wait conditions ask this, after prepare_to_wait()).  With the
 * extension, a direction that is not ready is armed and checked again
 * before we say so, so the waiter cannot miss the event that makes it
 * ready.  Only the directions in @events (EPOLLIN, EPOLLOUT) are armed:
 * a sender waiting for space needs no event for input.  *@wake gets
 * PVCF_DRING_WAKE_IN/OUT when the caller must wake every waiter of that
 * direction (see pvcf_dring_arm()); the caller's own wait then ends
 * too and it asks again.
 */
__poll_t pvcf_dring_poll(struct pvcf_dring *d, int rcvlowat, __poll_t events,
			 unsigned int *wake)
{
	bool rx_wait, tx_wait;
	__poll_t mask;
	int round;

	*wake = 0;
	if (events & (EPOLLIN | EPOLLRDNORM))
		pvcf_dring_looked(d);
	mask = pvcf_dring_mask(d, rcvlowat, &rx_wait, &tx_wait);
	if (!d->notify || mask & EPOLLERR)
		return mask;
	rx_wait = rx_wait && (events & (EPOLLIN | EPOLLRDNORM));
	tx_wait = tx_wait && (events & (EPOLLOUT | EPOLLWRNORM));
	if (!rx_wait && !tx_wait)
		return mask;
	if (tx_wait)
		*wake |= pvcf_dring_arm(d, PVCF_DRING_WAKE_OUT);
	for (round = 0; rx_wait; round++) {
		*wake |= pvcf_dring_arm(d, PVCF_DRING_WAKE_IN);
		mask = pvcf_dring_mask(d, rcvlowat, &rx_wait, &tx_wait);
		/*
		 * Bytes that came in while we armed, too few for @rcvlowat,
		 * are past the armed index and will not be signalled: arm
		 * again from the fresh in_prod.  A peer that keeps moving
		 * in_prod gets a bounded number of rounds, then the waiters
		 * look again.
		 */
		if (!rx_wait || mask & EPOLLERR || !pvcf_dring_in_reached(d))
			return mask;
		if (round == PVCF_ARM_ROUNDS) {
			*wake |= PVCF_DRING_WAKE_IN;
			return mask;
		}
	}
	return pvcf_dring_mask(d, rcvlowat, &rx_wait, &tx_wait);
}

/*
 * Arm the directions in @events at the next byte whatever the ring holds
 * now, for waiters that will not ask pvcf_dring_poll() before they sleep
 * (edge-triggered epoll after a recv or a send).  Returns the readiness
 * read after arming; *@wake as for pvcf_dring_poll().
 */
__poll_t pvcf_dring_watch(struct pvcf_dring *d, __poll_t events,
			  unsigned int *wake)
{
	bool rx_wait, tx_wait;

	*wake = 0;
	if (d->notify && (events & EPOLLIN))
		*wake |= pvcf_dring_arm(d, PVCF_DRING_WAKE_IN);
	if (d->notify && (events & EPOLLOUT))
		*wake |= pvcf_dring_arm(d, PVCF_DRING_WAKE_OUT);
	return pvcf_dring_mask(d, 1, &rx_wait, &tx_wait);
}

/*
 * Bytes still in out[] that the backend can take?  For close's drain,
 * another waiter for space in out[]: with the extension it arms
 * out_cons_event before it says yes.
 */
bool pvcf_dring_out_pending(struct pvcf_dring *d, unsigned int *wake)
{
	struct pvc_indexes *intf = d->intf;

	*wake = 0;
	if (READ_ONCE(intf->out_error) ||
	    READ_ONCE(d->sock.out_prod) == READ_ONCE(intf->out_cons))
		return false;
	if (!d->notify)
		return true;
	*wake = pvcf_dring_arm(d, PVCF_DRING_WAKE_OUT);
	return !READ_ONCE(intf->out_error) &&
	       READ_ONCE(d->sock.out_prod) != READ_ONCE(intf->out_cons);
}

/*
 * Bytes readable in in[] and bytes of out[] the backend has not taken
 * yet (SIOCINQ, SIOCOUTQ), from one reading of the indexes.  -EIO on
 * indexes no backend can produce.
 */
int pvcf_dring_queued(struct pvcf_dring *d, u32 *inq, u32 *outq)
{
	struct pvc_indexes *intf = d->intf;
	u32 space;

	if (pvc_ring_readable(READ_ONCE(intf->in_prod),
			      READ_ONCE(d->sock.in_cons), d->size, inq) ||
	    pvc_ring_writable(READ_ONCE(d->sock.out_prod),
			      READ_ONCE(intf->out_cons), d->size, &space))
		return -EIO;
	*outq = d->size - space;
	pvcf_dring_looked(d);
	return 0;
}
