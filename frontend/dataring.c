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
 *
 * Callers serialise senders (tx_mutex) and receivers (rx_mutex), so
 * out_prod and in_cons have a single writer here.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "front.h"

/*
 * Like xenbus_alloc_evtchn(), but a failure only fails this socket: the
 * xenbus helper would also mark the whole device fatal.
 */
static int pvc_alloc_evtchn(domid_t domid, evtchn_port_t *port)
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

static void pvc_free_evtchn(evtchn_port_t port)
{
	struct evtchn_close close = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

static void pvc_dring_free_pages(struct pvc_dring *d, unsigned int nrefs)
{
	unsigned int i;

	/*
	 * gnttab_end_foreign_access() keeps a page reference while the
	 * backend still maps it, so freeing below never hands a page the
	 * backend can see back to the allocator.
	 */
	for (i = 0; i < nrefs; i++)
		gnttab_end_foreign_access(d->refs[i], NULL);
	if (d->data)
		free_pages_exact(d->data, XEN_PAGE_SIZE << d->order);
	d->data = NULL;
	if (d->iref != INVALID_GRANT_REF)
		gnttab_end_foreign_access(d->iref, NULL);
	d->iref = INVALID_GRANT_REF;
	if (d->intf)
		free_page((unsigned long)d->intf);
	d->intf = NULL;
}

/* Pages and grants for one order; -ENOSPC/-ENOMEM to try a smaller one. */
static int pvc_dring_grant(struct pvc_dring *d, unsigned int order,
			   domid_t domid)
{
	unsigned int i, n = 1U << order;
	grant_ref_t head;
	int ret;

	d->data = alloc_pages_exact(XEN_PAGE_SIZE << order,
				    GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!d->data)
		return -ENOMEM;
	d->order = order;
	ret = gnttab_alloc_grant_references(n + 1, &head);
	if (ret) {
		free_pages_exact(d->data, XEN_PAGE_SIZE << order);
		d->data = NULL;
		return ret;
	}
	d->iref = gnttab_claim_grant_reference(&head);
	gnttab_grant_foreign_access_ref(d->iref, domid,
					virt_to_gfn(d->intf), 0);
	for (i = 0; i < n; i++) {
		void *page = d->data + i * XEN_PAGE_SIZE;

		d->refs[i] = gnttab_claim_grant_reference(&head);
		gnttab_grant_foreign_access_ref(d->refs[i], domid,
						virt_to_gfn(page), 0);
		d->intf->ref[i] = d->refs[i];
	}
	gnttab_free_grant_references(head);	/* none left; harmless */
	d->intf->ring_order = order;
	d->size = pvc_ring_size(order);
	return 0;
}

/*
 * Allocate and grant a ring of the configured order, falling back to
 * smaller orders when memory or grant references run short, and bind
 * its event channel.  Process context, no locks held (binding sleeps).
 */
int pvc_dring_alloc(struct pvc_dring *d, irq_handler_t handler, void *arg)
{
	struct pvc_dev_info info;
	unsigned int order;
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct pvc_indexes) +
		     (1 << PVC_MAX_RING_ORDER) * sizeof(grant_ref_t) >
		     XEN_PAGE_SIZE);
	memset(d, 0, sizeof(*d));
	d->iref = INVALID_GRANT_REF;
	d->irq = -1;

	ret = pvc_dev_get(&info);
	if (ret)
		return ret;
	d->intf = (void *)get_zeroed_page(GFP_KERNEL);
	if (!d->intf)
		return -ENOMEM;

	order = min(pvc_ring_order_param, info.max_order);
	for (;;) {
		ret = pvc_dring_grant(d, order, info.domid);
		if (!ret)
			break;
		if (order == 1) {
			pvc_dring_free_pages(d, 0);
			return -ENOBUFS;
		}
		order--;
	}

	ret = pvc_alloc_evtchn(info.domid, &d->port);
	if (ret)
		goto err;
	ret = bind_evtchn_to_irqhandler(d->port, handler, 0, "pvcalls-data",
					arg);
	if (ret < 0) {
		pvc_free_evtchn(d->port);
		goto err;
	}
	d->irq = ret;
	d->irq_arg = arg;
	return 0;

err:
	pvc_dring_free_pages(d, 1U << d->order);
	return ret;
}

/* Unbind (waits for a running handler) and give back everything. */
void pvc_dring_free(struct pvc_dring *d)
{
	if (d->irq >= 0)
		unbind_from_irqhandler(d->irq, d->irq_arg);
	d->irq = -1;
	if (d->intf)
		pvc_dring_free_pages(d, 1U << d->order);
}

/*
 * Which directions moved since the last interrupt.  Only called from
 * the socket's interrupt handler, so the seen_* fields need no lock.
 */
void pvc_dring_events(struct pvc_dring *d, bool *rx, bool *tx)
{
	u32 in_prod = READ_ONCE(d->intf->in_prod);
	u32 out_cons = READ_ONCE(d->intf->out_cons);
	s32 in_error = READ_ONCE(d->intf->in_error);
	s32 out_error = READ_ONCE(d->intf->out_error);

	*rx = in_prod != d->seen_in_prod || in_error != d->seen_in_error;
	*tx = out_cons != d->seen_out_cons || out_error;
	d->seen_in_prod = in_prod;
	d->seen_in_error = in_error;
	d->seen_out_cons = out_cons;
}

static int pvc_copy_to_ring(void *base, u32 size, u32 idx, u32 len,
			    struct msghdr *msg)
{
	struct pvc_ring_span s;
	int i;

	pvc_ring_span(idx, len, size, &s);
	for (i = 0; i < 2; i++)
		if (s.len[i] && copy_from_iter(base + s.off[i], s.len[i],
					       &msg->msg_iter) != s.len[i])
			return -EFAULT;
	return 0;
}

static int pvc_copy_from_ring(const void *base, u32 size, u32 idx, u32 len,
			      struct msghdr *msg)
{
	struct pvc_ring_span s;
	int i;

	pvc_ring_span(idx, len, size, &s);
	for (i = 0; i < 2; i++)
		if (s.len[i] && copy_to_iter(base + s.off[i], s.len[i],
					     &msg->msg_iter) != s.len[i])
			return -EFAULT;
	return 0;
}

ssize_t pvc_dring_send(struct pvc_dring *d, struct msghdr *msg, size_t len)
{
	struct pvc_indexes *intf = d->intf;
	u32 prod, cons, space;
	s32 err;

	err = READ_ONCE(intf->out_error);
	cons = READ_ONCE(intf->out_cons);
	prod = intf->out_prod;
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
	if (!space)
		return -EAGAIN;
	if (len > space)
		len = space;
	if (pvc_copy_to_ring(d->data + d->size, d->size, prod, len, msg))
		return -EFAULT;
	/*
	 * out[] before out_prod.  Pairs with the backend's virt_rmb()
	 * between reading out_prod and reading out[].
	 */
	virt_wmb();
	WRITE_ONCE(intf->out_prod, prod + len);
	atomic64_inc(&pvc_stats.data_notifies);
	notify_remote_via_irq(d->irq);
	return len;
}

ssize_t pvc_dring_recv(struct pvc_dring *d, struct msghdr *msg, size_t len,
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
	cons = intf->in_cons;
	/* in_prod before in[]; pairs with the backend's virt_wmb(). */
	virt_rmb();
	if (pvc_ring_readable(prod, cons, d->size, &avail))
		return -EIO;
	if (!avail) {
		if (!err)
			return -EAGAIN;
		if (err == -ENOTCONN)
			return 0;	/* orderly end of file */
		return err < 0 && err >= -MAX_ERRNO ? err : -EIO;
	}
	if (len > avail)
		len = avail;
	if (pvc_copy_from_ring(d->data, d->size, cons, len, msg))
		return -EFAULT;
	if (peek)
		return len;
	/*
	 * Finish reading in[] before handing the space back.  Pairs with
	 * the backend's barrier between reading in_cons and writing in[].
	 */
	virt_mb();
	WRITE_ONCE(intf->in_cons, cons + len);
	atomic64_inc(&pvc_stats.data_notifies);
	notify_remote_via_irq(d->irq);
	return len;
}

__poll_t pvc_dring_poll(struct pvc_dring *d, int rcvlowat)
{
	struct pvc_indexes *intf = d->intf;
	u32 in_prod, in_cons, out_prod, out_cons, avail, space;
	s32 in_err, out_err;
	__poll_t mask = 0;

	in_err = READ_ONCE(intf->in_error);
	out_err = READ_ONCE(intf->out_error);
	/*
	 * Errors before indexes, as in pvc_dring_recv(): pairs with the
	 * backend's barrier between moving in_prod and setting in_error.
	 */
	virt_rmb();
	in_prod = READ_ONCE(intf->in_prod);
	in_cons = intf->in_cons;
	out_prod = intf->out_prod;
	out_cons = READ_ONCE(intf->out_cons);

	if (pvc_ring_readable(in_prod, in_cons, d->size, &avail) ||
	    pvc_ring_writable(out_prod, out_cons, d->size, &space))
		return EPOLLERR | EPOLLIN | EPOLLOUT | EPOLLHUP;

	if (avail && avail >= min_t(u32, rcvlowat, d->size))
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
	return mask;
}
