// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls-hostile-back: TEST ONLY.  A PV Calls backend for dom0 that
 * binds the "pvcalls" backend device instead of xen-pvcalls-back (so
 * that one must be unloaded first), does the v1 handshake, and then
 * answers the guest's real frontend with what a malicious backend
 * could send.  It follows a script keyed on the order of the guest's
 * SOCKET commands; the guest program (hb_guest.c) does one case per
 * socket, in the same order, and checks that its socket fails with
 * EIO (or is left alone), never hangs, never crashes the guest:
 *
 *   sockets 1-7  CONNECT never answered (the guest gives up on a
 *                signal and closes): each leaves one request without
 *                its response, which is what lets us send responses
 *                of our own below without having more responses than
 *                requests on the ring (the frontend rightly calls that
 *                a broken ring)
 *   socket 8     before the real answer to its SOCKET: req_id out of
 *                range, negative, of an unknown slot, of a stale
 *                generation, with the wrong command, the (stale) answer
 *                to socket 1's connect, and after it a duplicate; then
 *                in_prod more than a ring ahead
 *   socket 9     in_error set to 5 (not an errno)
 *   socket 10    out_cons ahead of out_prod
 *   socket 11    out_error set to INT_MIN
 *   socket 12    CONNECT answered with ret 12345 (not an errno)
 *   socket 13    out_prod (the guest's own index) rewritten: a ring
 *                ahead of out_cons, as if out[] were full
 *   socket 14    in_cons (the guest's own index) rewritten a ring back
 *                from in_prod, 2 bytes "ab" in in[]
 *   socket 15    a storm of events on its data evtchn and on the
 *                command evtchn, after the answer to its CONNECT
 *   socket 16    SOCKET answered -ENOMEM: the CONNECT that came with
 *                it finds no socket (-ENOENT)
 *   socket 17    SOCKET answered -ENOMEM, yet the CONNECT that came
 *                with it maps the rings and succeeds (the in-order
 *                promise broken); its RELEASE unmaps them
 *   socket 18    the CONNECT answered (rings mapped, "io" in in[])
 *                before the SOCKET that came with it, both with success
 *   socket 19    the CONNECT answered -ECONNREFUSED before the SOCKET
 *                that came with it, answered -ENOMEM
 *   socket 20    rsp_prod moved far past the guest's requests; nothing
 *                is answered after that (last: the ring is broken)
 *
 * It offers the in-order extension (Documentation/pvcalls.rst), so the
 * frontend puts each socket's SOCKET and CONNECT on the ring together:
 * cases 16-19 are about the answers to such a pair.  It also offers
 * socket-names without ever writing a name (the indexes page keeps the
 * frontend's zeroes, family 0, which the frontend ignores; BIND answers
 * have pad 0): with an extension key offered and socket-names not
 * negotiated, the frontend would bind before every connect (its
 * autobind), and the command sent with SOCKET would be that BIND, not
 * the CONNECT each case is about.
 *
 * Nothing here is careful about the guest: it is a test tool, and only
 * loaded in the test bed's dom0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/ring.h>

#include <xen-pvcalls/wire.h>
#include <xen-pvcalls/dring.h>

#include "hx.h"

/* xenbus_map_ring_valloc() maps at most 16 grants: offer order 4 only. */
#define HB_MAX_ORDER	XENBUS_MAX_RING_GRANT_ORDER

#define HB_SOCKS	24
#define HB_UNANSWERED	7
/* the cases of the in-order pairs, and the one that breaks the ring */
#define HB_SOCK_FAILS	16
#define HB_SOCK_LIE	17
#define HB_REORDER	18
#define HB_REORDER_FAIL	19
#define HB_RSP_FAR	20
/* a slot no request of the script ever uses (at most 10 are in flight) */
#define HB_FREE_SLOT	31
/* events of the storm of socket 15, on each channel */
#define HB_STORM	20000

struct hb_sock {
	u64 id;
	unsigned int k;			/* 1-based order of its SOCKET */
	void *intf_addr;		/* mapped indexes page, or NULL */
	void *data_addr;		/* mapped data ring */
	int irq;
};

struct hb {
	struct xenbus_device *dev;
	struct pvc_back_ring ring;
	void *ring_addr;
	int irq;
	bool connected;
	struct work_struct work;
	unsigned int nr_socket_cmds;
	struct hb_sock socks[HB_SOCKS];
	unsigned int nr_unanswered;	/* connects of sockets 1-7 */
	struct pvc_request unanswered[HB_UNANSWERED];
	/* a SOCKET answered only after the CONNECT that came with it */
	bool deferred;
	struct pvc_request deferred_req;
	bool broken;			/* rsp_prod moved: answer nothing more */
};

static void hb_put(struct hb *h, u32 req_id, u32 cmd, u64 id, s32 ret)
{
	struct pvc_response *rsp;

	rsp = RING_GET_RESPONSE(&h->ring, h->ring.rsp_prod_pvt);
	memset(rsp, 0, sizeof(*rsp));
	rsp->req_id = req_id;
	rsp->cmd = cmd;
	rsp->ret = ret;
	rsp->u.any.id = id;
	h->ring.rsp_prod_pvt++;
	/* its virt_wmb() orders the response before rsp_prod */
	RING_PUSH_RESPONSES(&h->ring);
	/* always: a hostile peer does not care for rsp_event */
	notify_remote_via_irq(h->irq);
}

static struct hb_sock *hb_find(struct hb *h, u64 id)
{
	unsigned int i;

	for (i = 0; i < HB_SOCKS; i++)
		if (h->socks[i].k && h->socks[i].id == id)
			return &h->socks[i];
	return NULL;
}

static irqreturn_t hb_data_irq(int irq, void *dev_id)
{
	xen_irq_lateeoi(irq, 0);
	return IRQ_HANDLED;
}

static void hb_unmap(struct hb *h, struct hb_sock *s)
{
	if (s->irq > 0)
		unbind_from_irqhandler(s->irq, s);
	s->irq = 0;
	if (s->data_addr)
		xenbus_unmap_ring_vfree(h->dev, s->data_addr);
	s->data_addr = NULL;
	if (s->intf_addr)
		xenbus_unmap_ring_vfree(h->dev, s->intf_addr);
	s->intf_addr = NULL;
}

/* Map the ring of a CONNECT like an honest backend; 0 or an errno. */
static int hb_map(struct hb *h, struct hb_sock *s, const struct pvc_request *req)
{
	grant_ref_t refs[1 << HB_MAX_ORDER];
	struct pvc_indexes *intf;
	u32 order, i;
	int ret;

	refs[0] = req->u.connect.ref;
	ret = xenbus_map_ring_valloc(h->dev, refs, 1, &s->intf_addr);
	if (ret)
		return ret;
	intf = s->intf_addr;
	order = READ_ONCE(intf->ring_order);
	if (order < 1 || order > HB_MAX_ORDER)
		return -EINVAL;
	for (i = 0; i < (1U << order); i++)
		refs[i] = intf->ref[i];
	ret = xenbus_map_ring_valloc(h->dev, refs, 1U << order, &s->data_addr);
	if (ret)
		return ret;
	ret = hx_bind_peer(h->dev, req->u.connect.evtchn, hb_data_irq,
			   "pvcalls-hostile-back", s);
	if (ret < 0)
		return ret;
	s->irq = ret;
	return 0;
}

/* The SOCKET held back for a reordered case, answered now with @ret. */
static void hb_answer_deferred(struct hb *h, struct hb_sock *s, s32 ret)
{
	if (!h->deferred || h->deferred_req.u.socket.id != s->id)
		return;
	h->deferred = false;
	hb_put(h, h->deferred_req.req_id, h->deferred_req.cmd, s->id, ret);
	if (ret)
		s->k = 0;	/* a failed SOCKET leaves no socket */
}

static void hb_socket(struct hb *h, const struct pvc_request *req)
{
	unsigned int k = ++h->nr_socket_cmds;
	struct hb_sock *s = NULL;
	unsigned int i;

	for (i = 0; i < HB_SOCKS && !s; i++)
		if (!h->socks[i].k)
			s = &h->socks[i];
	if (!s) {
		hb_put(h, req->req_id, req->cmd, req->u.socket.id, -EMFILE);
		return;
	}
	s->k = k;
	s->id = req->u.socket.id;
	pr_info("SOCKET %u (id %#llx, req_id %#x)\n", k, s->id, req->req_id);

	switch (k) {
	case HB_UNANSWERED + 1:
		/* one forged answer per request left unanswered */
		hb_put(h, 0xffffffff, req->cmd, s->id, 0);
		hb_put(h, 0x80000000, req->cmd, s->id, -EIO);
		/* the real one's generation, a slot that is not in use */
		hb_put(h, (req->req_id & ~0xffU) | HB_FREE_SLOT, req->cmd, s->id, 0);
		hb_put(h, req->req_id + 0x100, req->cmd, s->id, 0);
		hb_put(h, req->req_id, PVC_CMD_POLL, s->id, 0);
		if (h->nr_unanswered)
			hb_put(h, h->unanswered[0].req_id, PVC_CMD_CONNECT,
			       h->unanswered[0].u.connect.id, 0);
		hb_put(h, req->req_id, req->cmd, s->id, 0);
		/* a duplicate of the real answer, after it */
		break;
	case HB_SOCK_FAILS:
		hb_put(h, req->req_id, req->cmd, s->id, -ENOMEM);
		s->k = 0;	/* no socket: its CONNECT gets -ENOENT */
		return;
	case HB_SOCK_LIE:
		/* the socket is kept: its CONNECT succeeds all the same */
		hb_put(h, req->req_id, req->cmd, s->id, -ENOMEM);
		return;
	case HB_REORDER:
	case HB_REORDER_FAIL:
		/* answered after the CONNECT that follows it */
		h->deferred_req = *req;
		h->deferred = true;
		return;
	case HB_RSP_FAR:
		/* rsp_prod far past anything the guest asked for */
		h->ring.rsp_prod_pvt += 1000;
		RING_PUSH_RESPONSES(&h->ring);
		notify_remote_via_irq(h->irq);
		h->broken = true;
		return;
	}
	hb_put(h, req->req_id, req->cmd, s->id, 0);
}

static void hb_connect(struct hb *h, const struct pvc_request *req)
{
	struct hb_sock *s = hb_find(h, req->u.connect.id);
	struct pvc_indexes *intf;
	u32 size;
	int ret;

	if (!s) {
		hb_put(h, req->req_id, req->cmd, req->u.connect.id, -ENOENT);
		return;
	}
	pr_info("CONNECT of socket %u\n", s->k);
	if (s->k <= HB_UNANSWERED) {
		if (h->nr_unanswered < HB_UNANSWERED)
			h->unanswered[h->nr_unanswered++] = *req;
		return;		/* never answered */
	}
	if (s->k == HB_UNANSWERED + 5) {
		hb_put(h, req->req_id, req->cmd, s->id, 12345);
		return;
	}
	if (s->k == HB_REORDER_FAIL) {
		hb_put(h, req->req_id, req->cmd, s->id, -ECONNREFUSED);
		hb_answer_deferred(h, s, -ENOMEM);
		return;
	}
	ret = hb_map(h, s, req);
	if (ret) {
		hb_unmap(h, s);
		hb_put(h, req->req_id, req->cmd, s->id, ret);
		return;
	}
	intf = s->intf_addr;
	size = pvc_ring_size(intf->ring_order);
	/* the lies are in place before the guest learns it is connected */
	switch (s->k - HB_UNANSWERED) {
	case 1:
		WRITE_ONCE(intf->in_prod, READ_ONCE(intf->in_cons) + size + 1);
		break;
	case 2:
		WRITE_ONCE(intf->in_error, 5);
		break;
	case 3:
		WRITE_ONCE(intf->out_cons, READ_ONCE(intf->out_prod) + 1);
		break;
	case 4:
		WRITE_ONCE(intf->out_error, S32_MIN);
		break;
	case 6:
		/* the guest owns out_prod: it must not read it back */
		WRITE_ONCE(intf->out_prod, READ_ONCE(intf->out_cons) + size);
		break;
	case 7:
		/* "ab" in in[], and the guest's in_cons a ring back */
		memcpy(s->data_addr, "ab", 2);
		virt_wmb();	/* in[] before in_prod */
		WRITE_ONCE(intf->in_prod, READ_ONCE(intf->in_cons) + 2);
		WRITE_ONCE(intf->in_cons, READ_ONCE(intf->in_prod) - size);
		break;
	case HB_REORDER - HB_UNANSWERED:
		/* "io" in in[], for the guest to read */
		memcpy(s->data_addr, "io", 2);
		virt_wmb();	/* in[] before in_prod */
		WRITE_ONCE(intf->in_prod, READ_ONCE(intf->in_cons) + 2);
		break;
	}
	virt_wmb();	/* the indexes before the answer: the guest reads them after it */
	hb_put(h, req->req_id, req->cmd, s->id, 0);
	notify_remote_via_irq(s->irq);
	hb_answer_deferred(h, s, 0);
	if (s->k - HB_UNANSWERED == 8) {
		unsigned int i;

		/* events that announce nothing, on both channels */
		for (i = 0; i < HB_STORM; i++) {
			notify_remote_via_irq(s->irq);
			notify_remote_via_irq(h->irq);
			if (!(i % 1000))
				cond_resched();
		}
	}
}

static void hb_release(struct hb *h, const struct pvc_request *req)
{
	struct hb_sock *s = hb_find(h, req->u.release.id);

	if (s) {
		pr_info("RELEASE of socket %u%s\n", s->k,
			s->intf_addr ? ", rings mapped" : "");
		/* a SOCKET still held back is answered before its RELEASE */
		hb_answer_deferred(h, s, 0);
		hb_unmap(h, s);
		s->k = 0;
	}
	hb_put(h, req->req_id, req->cmd, req->u.release.id, s ? 0 : -ENOENT);
}

/* Bytes of a request its command gives a meaning; the rest must be 0. */
static unsigned int hb_used(u32 cmd)
{
	switch (cmd) {
	case PVC_CMD_SOCKET:
		return offsetofend(struct pvc_request, u.socket.protocol);
	case PVC_CMD_CONNECT:
		return offsetofend(struct pvc_request, u.connect.evtchn);
	case PVC_CMD_RELEASE:
		return offsetofend(struct pvc_request, u.release.reuse);
	case PVC_CMD_BIND:
		return offsetofend(struct pvc_request, u.bind.len);
	case PVC_CMD_LISTEN:
		return offsetofend(struct pvc_request, u.listen.backlog);
	case PVC_CMD_ACCEPT:
		return offsetofend(struct pvc_request, u.accept.evtchn);
	case PVC_CMD_POLL:
		return offsetofend(struct pvc_request, u.poll.id);
	}
	return sizeof(struct pvc_request);
}

/*
 * The guest must not leak its memory through a request's padding or
 * the unused part of its union: the bed counts these lines.
 */
static void hb_check_unused(const struct pvc_request *req)
{
	const u8 *b = (const u8 *)req;
	unsigned int i;

	for (i = hb_used(req->cmd); i < sizeof(*req); i++)
		if (b[i]) {
			pr_err("request %#x (cmd %u) with nonzero unused bytes (byte %u)\n",
			       req->req_id, req->cmd, i);
			return;
		}
}

static void hb_work(struct work_struct *work)
{
	struct hb *h = container_of(work, struct hb, work);
	struct pvc_request req;
	RING_IDX rp;

	if (!h->connected || h->broken)
		return;
	rp = READ_ONCE(h->ring.sring->req_prod);
	virt_rmb();	/* requests after req_prod: pairs with the guest's virt_wmb() */
	while (h->ring.req_cons != rp) {
		RING_COPY_REQUEST(&h->ring, h->ring.req_cons, &req);
		h->ring.req_cons++;
		hb_check_unused(&req);
		switch (req.cmd) {
		case PVC_CMD_SOCKET:
			hb_socket(h, &req);
			break;
		case PVC_CMD_CONNECT:
			hb_connect(h, &req);
			break;
		case PVC_CMD_RELEASE:
			hb_release(h, &req);
			break;
		case PVC_CMD_BIND:
		case PVC_CMD_LISTEN:
			hb_put(h, req.req_id, req.cmd, req.u.socket.id, 0);
			break;
		default:
			hb_put(h, req.req_id, req.cmd, req.u.socket.id,
			       -EOPNOTSUPP);
			break;
		}
	}
	h->ring.sring->req_event = h->ring.req_cons + 1;
	virt_mb();	/* pairs with the guest's in RING_PUSH_REQUESTS_AND_CHECK_NOTIFY */
	if (READ_ONCE(h->ring.sring->req_prod) != h->ring.req_cons)
		schedule_work(&h->work);
}

static irqreturn_t hb_cmd_irq(int irq, void *dev_id)
{
	struct hb *h = dev_id;

	schedule_work(&h->work);
	xen_irq_lateeoi(irq, 0);
	return IRQ_HANDLED;
}

static void hb_connect_frontend(struct xenbus_device *dev)
{
	struct hb *h = dev_get_drvdata(&dev->dev);
	grant_ref_t ref;
	unsigned int port;
	int ret;

	if (h->connected)
		return;
	if (xenbus_scanf(XBT_NIL, dev->otherend, PVC_XS_RING_REF, "%u",
			 &ref) != 1 ||
	    xenbus_scanf(XBT_NIL, dev->otherend, PVC_XS_PORT, "%u",
			 &port) != 1) {
		xenbus_dev_fatal(dev, -EINVAL, "reading ring-ref/port");
		return;
	}
	ret = xenbus_map_ring_valloc(dev, &ref, 1, &h->ring_addr);
	if (ret)
		return;
	BACK_RING_INIT(&h->ring, (struct pvc_sring *)h->ring_addr,
		       XEN_PAGE_SIZE);
	ret = hx_bind_peer(dev, port, hb_cmd_irq, "pvcalls-hostile-back", h);
	if (ret < 0) {
		xenbus_unmap_ring_vfree(dev, h->ring_addr);
		h->ring_addr = NULL;
		return;
	}
	h->irq = ret;
	h->connected = true;
	xenbus_switch_state(dev, XenbusStateConnected);
	schedule_work(&h->work);
}

static void hb_disconnect(struct hb *h)
{
	unsigned int i;

	if (!h->connected)
		return;
	h->connected = false;
	unbind_from_irqhandler(h->irq, h);
	cancel_work_sync(&h->work);
	for (i = 0; i < HB_SOCKS; i++)
		hb_unmap(h, &h->socks[i]);
	xenbus_unmap_ring_vfree(h->dev, h->ring_addr);
	h->ring_addr = NULL;
}

static int hb_probe(struct xenbus_device *dev,
		    const struct xenbus_device_id *id)
{
	static const struct pvc_xs_key keys[] = {
		{ PVC_XS_VERSIONS, PVC_PROTOCOL_VERSION },
		{ PVC_XS_MAX_PAGE_ORDER, HB_MAX_ORDER },
		{ PVC_XS_FUNCTION_CALLS, 1 },
		/* both "1": see the header comment */
		{ PVC_XS_FEATURE_IN_ORDER, 1 },
		{ PVC_XS_FEATURE_NAMES, 1 },
	};
	struct hb *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int ret;

	if (!h)
		return -ENOMEM;
	h->dev = dev;
	INIT_WORK(&h->work, hb_work);
	dev_set_drvdata(&dev->dev, h);
	ret = pvc_xs_write_keys(dev, keys, ARRAY_SIZE(keys));
	if (!ret)
		ret = xenbus_switch_state(dev, XenbusStateInitWait);
	if (ret) {
		dev_set_drvdata(&dev->dev, NULL);
		kfree(h);
	}
	return ret;
}

static void hb_remove(struct xenbus_device *dev)
{
	struct hb *h = dev_get_drvdata(&dev->dev);

	if (!h)
		return;
	hb_disconnect(h);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(h);
}

static void hb_frontend_changed(struct xenbus_device *dev,
				enum xenbus_state state)
{
	struct hb *h = dev_get_drvdata(&dev->dev);

	switch (state) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitWait)
			hb_connect_frontend(dev);
		break;
	case XenbusStateClosing:
		hb_disconnect(h);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		hb_disconnect(h);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;
	case XenbusStateUnknown:
		device_unregister(&dev->dev);
		break;
	default:
		break;
	}
}

static struct xenbus_driver hb_driver = {
	.name = "pvcalls",
	.ids = pvc_xs_ids,
	.probe = hb_probe,
	.remove = hb_remove,
	.otherend_changed = hb_frontend_changed,
};

static int __init hb_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	return xenbus_register_backend(&hb_driver);
}

static void __exit hb_exit(void)
{
	xenbus_unregister_driver(&hb_driver);
}

module_init(hb_init);
module_exit(hb_exit);

MODULE_DESCRIPTION("TEST ONLY: hostile PV Calls backend");
MODULE_LICENSE("GPL");
