// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile frontend's command ring and data rings.  Plain and
 * synchronous: one case at a time pushes requests and waits, bounded,
 * for their answers.  Nothing here trusts the backend either: a wrong
 * echo or a missing answer is a test failure, never a crash.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <xen/events.h>
#include <xen/page.h>

#include "hostile.h"
#include "hx.h"

void hf_req_init(struct hf *h, struct pvc_request *req, u32 cmd, u64 id)
{
	memset(req, 0, sizeof(*req));
	req->req_id = h->next_req_id++;
	req->cmd = cmd;
	/* id is the first field of every command's arguments */
	req->u.socket.id = id;
}

/* Queue one request (the caller kicks). */
void hf_push(struct hf *h, const struct pvc_request *req)
{
	*RING_GET_REQUEST(&h->ring, h->ring.req_prod_pvt) = *req;
	h->ring.req_prod_pvt++;
	/* its virt_wmb() orders the request before req_prod */
	RING_PUSH_REQUESTS(&h->ring);
}

void hf_kick(struct hf *h)
{
	notify_remote_via_evtchn(h->port);
}

/* Take every response on the ring into the stash. */
static void hf_collect(struct hf *h)
{
	RING_IDX rp;

	for (;;) {
		rp = READ_ONCE(h->ring.sring->rsp_prod);
		/* pairs with the backend's virt_wmb() before rsp_prod */
		virt_rmb();
		while (h->ring.rsp_cons != rp) {
			struct pvc_response rsp;

			RING_COPY_RESPONSE(&h->ring, h->ring.rsp_cons, &rsp);
			h->ring.rsp_cons++;
			if (h->nr_stash < HF_STASH)
				h->stash[h->nr_stash++] = rsp;
			else
				pr_warn("stash full: response %u dropped\n",
					rsp.req_id);
		}
		/* asks for an event on the next response; rechecks */
		h->ring.sring->rsp_event = h->ring.rsp_cons + 1;
		/* pairs with the backend's in RING_PUSH_RESPONSES_AND_CHECK_NOTIFY */
		virt_mb();
		if (READ_ONCE(h->ring.sring->rsp_prod) == h->ring.rsp_cons)
			break;
	}
}

static bool hf_take(struct hf *h, u32 req_id, struct pvc_response *rsp)
{
	unsigned int i;

	for (i = 0; i < h->nr_stash; i++) {
		if (h->stash[i].req_id != req_id)
			continue;
		*rsp = h->stash[i];
		h->stash[i] = h->stash[--h->nr_stash];
		return true;
	}
	return false;
}

static bool hf_has_response(struct hf *h)
{
	return READ_ONCE(h->ring.sring->rsp_prod) != h->ring.rsp_cons;
}

/*
 * Wait up to @ms for the response to @req_id.  Returns 0, or
 * -ETIMEDOUT.  The wait polls too: a missed event costs 20 ms, not a
 * failure.
 */
int hf_wait(struct hf *h, u32 req_id, struct pvc_response *rsp,
	    unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	for (;;) {
		hf_collect(h);
		if (hf_take(h, req_id, rsp))
			return 0;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		wait_event_timeout(h->wq, hf_has_response(h),
				   msecs_to_jiffies(20));
	}
}

/*
 * Send one request and wait for its answer.  Returns the answer's ret,
 * HF_NO_ANSWER, or HF_BAD_ECHO when the response does not echo the
 * command.
 */
int hf_cmd(struct hf *h, const struct pvc_request *req)
{
	struct pvc_response rsp;

	hf_push(h, req);
	hf_kick(h);
	if (hf_wait(h, req->req_id, &rsp, HF_ANSWER_MS))
		return HF_NO_ANSWER;
	if (rsp.cmd != req->cmd || rsp.u.any.id != req->u.socket.id)
		return HF_BAD_ECHO;
	return rsp.ret;
}

int hf_grant_page(struct hf *h, struct page *page, bool readonly)
{
	return gnttab_grant_foreign_access(h->domid, xen_page_to_gfn(page),
					   readonly);
}

static irqreturn_t hf_data_irq(int irq, void *dev_id)
{
	struct hf_dring *d = dev_id;

	wake_up(&d->h->wq);
	return IRQ_HANDLED;
}

/*
 * An honest data ring of 1 << @order pages: indexes page, grants, an
 * unbound evtchn for the backend.  Returns 0 or a negative errno; on
 * error the caller calls hf_dring_free() all the same.
 */
int hf_dring_alloc(struct hf *h, struct hf_dring *d, unsigned int order)
{
	unsigned int i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->h = h;
	d->irq = -1;
	d->iref = INVALID_GRANT_REF;
	for (i = 0; i < ARRAY_SIZE(d->refs); i++)
		d->refs[i] = INVALID_GRANT_REF;
	if (order < 1 || order > HF_MAX_ORDER)
		return -EINVAL;
	d->order = order;
	d->size = pvc_ring_size(order);
	d->ipage = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!d->ipage)
		return -ENOMEM;
	d->intf = page_address(d->ipage);
	ret = hf_grant_page(h, d->ipage, false);
	if (ret < 0)
		return ret;
	d->iref = ret;
	d->intf->ring_order = order;
	for (i = 0; i < (1U << order); i++) {
		d->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!d->pages[i])
			return -ENOMEM;
		ret = hf_grant_page(h, d->pages[i], false);
		if (ret < 0)
			return ret;
		d->refs[i] = ret;
		d->intf->ref[i] = ret;
	}
	ret = hx_alloc_bind(h->dev, &d->port, hf_data_irq,
			    "pvcalls-hostile-data", d);
	if (ret < 0)
		return ret;
	d->irq = ret;
	return 0;
}

/*
 * Give up our side.  The backend may still have the pages mapped (a
 * socket it keeps until the device closes): gnttab_end_foreign_access()
 * frees each page only once the backend has unmapped it.
 */
void hf_dring_free(struct hf_dring *d)
{
	unsigned int i;

	if (d->irq >= 0)
		unbind_from_irqhandler(d->irq, d);	/* closes the port */
	d->irq = -1;
	for (i = 0; i < ARRAY_SIZE(d->pages); i++) {
		if (!d->pages[i])
			continue;
		if (d->refs[i] != INVALID_GRANT_REF)
			gnttab_end_foreign_access(d->refs[i], d->pages[i]);
		else
			__free_page(d->pages[i]);
		d->pages[i] = NULL;
	}
	if (d->ipage) {
		if (d->iref != INVALID_GRANT_REF)
			gnttab_end_foreign_access(d->iref, d->ipage);
		else
			__free_page(d->ipage);
	}
	d->ipage = NULL;
	d->intf = NULL;
}

/* Byte @off of the data ring (in half first, then out half). */
static u8 *hf_dring_byte(struct hf_dring *d, u32 off)
{
	return (u8 *)page_address(d->pages[off >> PAGE_SHIFT]) +
	       (off & ~PAGE_MASK);
}

void hf_dring_write(struct hf_dring *d, u32 off, const void *buf, u32 len)
{
	const u8 *p = buf;
	u32 i;

	for (i = 0; i < len; i++)
		*hf_dring_byte(d, off + i) = p[i];
}

void hf_dring_read(struct hf_dring *d, u32 off, void *buf, u32 len)
{
	u8 *p = buf;
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = *hf_dring_byte(d, off + i);
}
