// SPDX-License-Identifier: GPL-2.0
/*
 * The cases of the hostile frontend, in order.  Each sends something a
 * malicious guest could and checks the backend's answer: the errno in
 * the response, or for data ring abuse the -EIO the backend publishes
 * in the indexes page when it stops that one socket.  Between the
 * attacks, honest requests check that the backend still serves us.
 *
 * Sockets (ids are ours, any u64): A/B1/B2 plain, L a listener on
 * 127.0.0.1:HF_PORT, X and X2 connect to L, C is accepted from L.  X, C
 * and X2 are left open on purpose: the backend must free them (grants,
 * evtchns, kernel sockets) when the last case makes it close the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <xen/events.h>

#include "hostile.h"
#include "hx.h"

/* dom0 loopback ports in the guest-server range (8001-8999) */
#define HF_PORT		8901
#define HF_PORT_CLOSED	8902
#define HF_PORT_FULL	8903
#define HF_PORT_TAKEN	8904
#define HF_PORT_BACK	8905
#define HF_PORT_RACE	8906
#define HF_PORT_REUSE	8907
/* connections offered to a listener of backlog 1: some must hang */
#define HF_NR_FULL	4
#define HF_LOOPBACK	0x7f000001

#define ID_A	0x100
#define ID_B1	0x101
#define ID_B2	0x102
#define ID_L	0x200
#define ID_X	0x201
#define ID_Y	0x202
#define ID_X2	0x203
#define ID_C	0x204
#define ID_N1	0x205
#define ID_D	0x206
#define ID_L2	0x300
#define ID_P	0x301	/* ID_P + i: the connections to L2 */
#define ID_L3	0x310
#define ID_Q	0x311
#define ID_P5	0x312
#define ID_L4	0x320
#define ID_E	0x321
#define ID_F	0x322
#define ID_L5	0x330
#define ID_E5	0x331
#define ID_G	0x332
#define ID_L6	0x340
#define ID_R	0x341	/* ID_R + i: the connections of the reuse case */
#define ID_NONE	0xdead0000beefULL

#define BOGUS_REF	0xfffffff0U

/* Orders for the data rings we offer: small, so a case is cheap. */
#define HF_ORDER	1

static void hf_sin(u8 *addr, u16 family, u16 port, u32 ip)
{
	__be16 p = htons(port);
	__be32 a = htonl(ip);

	memset(addr, 0, PVC_ADDR_MAX);
	memcpy(addr, &family, sizeof(family));
	memcpy(addr + 2, &p, sizeof(p));
	memcpy(addr + 4, &a, sizeof(a));
}

static int hf_socket(struct hf *h, u64 id, u32 domain, u32 type, u32 proto)
{
	struct pvc_request req;

	hf_req_init(h, &req, PVC_CMD_SOCKET, id);
	req.u.socket.domain = domain;
	req.u.socket.type = type;
	req.u.socket.protocol = proto;
	return hf_cmd(h, &req);
}

static int hf_simple(struct hf *h, u32 cmd, u64 id)
{
	struct pvc_request req;

	hf_req_init(h, &req, cmd, id);
	return hf_cmd(h, &req);
}

static void hf_connect_req(struct hf *h, struct pvc_request *req, u64 id,
			   u16 family, u16 port, u32 len, u32 ref, u32 evtchn)
{
	hf_req_init(h, req, PVC_CMD_CONNECT, id);
	hf_sin(req->u.connect.addr, family, port, HF_LOOPBACK);
	req->u.connect.len = len;
	req->u.connect.ref = ref;
	req->u.connect.evtchn = evtchn;
}

static int hf_connect(struct hf *h, u64 id, u16 port, u32 ref, u32 evtchn)
{
	struct pvc_request req;

	hf_connect_req(h, &req, id, PVC_AF_INET, port, 16, ref, evtchn);
	return hf_cmd(h, &req);
}

static int hf_bind(struct hf *h, u64 id, u16 family, u16 port, u32 len)
{
	struct pvc_request req;

	hf_req_init(h, &req, PVC_CMD_BIND, id);
	hf_sin(req.u.bind.addr, family, port, HF_LOOPBACK);
	req.u.bind.len = len;
	return hf_cmd(h, &req);
}

static void hf_accept_req(struct hf *h, struct pvc_request *req, u64 id,
			  u64 id_new, u32 ref, u32 evtchn)
{
	hf_req_init(h, req, PVC_CMD_ACCEPT, id);
	req->u.accept.id_new = id_new;
	req->u.accept.ref = ref;
	req->u.accept.evtchn = evtchn;
}

/* "ok" when @got is @want; the comment says what came back. */
static void hf_expect(struct hf *h, const char *name, int got, int want)
{
	if (got == HF_NO_ANSWER)
		hf_tap(h, false, name, "no answer in %u ms", HF_ANSWER_MS);
	else if (got == HF_BAD_ECHO)
		hf_tap(h, false, name, "answer does not echo cmd/id");
	else
		hf_tap(h, got == want, name, "ret %d, want %d", got, want);
}

/* Wait (bounded) until both errors of @d's indexes page read @err. */
static bool hf_wait_errors(struct hf_dring *d, s32 err, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	for (;;) {
		if (READ_ONCE(d->intf->in_error) == err &&
		    READ_ONCE(d->intf->out_error) == err)
			return true;
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
}

/* Unknown commands, bad socket() arguments, unknown and reused ids. */
static void hf_cases_commands(struct hf *h)
{
	static const u32 cmds[] = { PVC_CMD_SOCKET, PVC_CMD_CONNECT,
				    PVC_CMD_RELEASE, PVC_CMD_BIND,
				    PVC_CMD_LISTEN, PVC_CMD_ACCEPT,
				    PVC_CMD_POLL };
	struct pvc_request r1, r2;
	struct pvc_response p1, p2;
	unsigned int i;
	int ret, bad;

	hf_expect(h, "unknown command 7 answered -EOPNOTSUPP",
		  hf_simple(h, 7, ID_A), -EOPNOTSUPP);
	hf_expect(h, "unknown command 0xffffffff answered -EOPNOTSUPP",
		  hf_simple(h, 0xffffffff, ID_A), -EOPNOTSUPP);
	hf_expect(h, "socket(AF_INET6) answered -EAFNOSUPPORT",
		  hf_socket(h, ID_A, 10, 1, 0), -EAFNOSUPPORT);
	hf_expect(h, "socket(SOCK_DGRAM) answered -ESOCKTNOSUPPORT",
		  hf_socket(h, ID_A, 2, 2, 0), -ESOCKTNOSUPPORT);
	hf_expect(h, "socket(IPPROTO_UDP) answered -EPROTONOSUPPORT",
		  hf_socket(h, ID_A, 2, 1, 17), -EPROTONOSUPPORT);
	hf_expect(h, "socket A created", hf_socket(h, ID_A, 2, 1, 0), 0);
	hf_expect(h, "duplicate socket id answered -EEXIST",
		  hf_socket(h, ID_A, 2, 1, 6), -EEXIST);

	/* every command but SOCKET on an id that does not exist */
	bad = 0;
	for (i = 1; i < ARRAY_SIZE(cmds); i++) {
		hf_req_init(h, &r1, cmds[i], ID_NONE);
		/* a good address: the id is what is wrong */
		if (cmds[i] == PVC_CMD_CONNECT) {
			hf_sin(r1.u.connect.addr, PVC_AF_INET, HF_PORT,
			       HF_LOOPBACK);
			r1.u.connect.len = 16;
		} else if (cmds[i] == PVC_CMD_BIND) {
			hf_sin(r1.u.bind.addr, PVC_AF_INET, HF_PORT,
			       HF_LOOPBACK);
			r1.u.bind.len = 16;
		}
		ret = hf_cmd(h, &r1);
		if (ret != -ENOENT && !bad)
			bad = ret ? ret : -1;
	}
	hf_tap(h, !bad, "every command on an unknown id answered -ENOENT",
	       bad ? "got %d" : NULL, bad);

	/* two requests in flight with the same req_id: both answered */
	hf_req_init(h, &r1, PVC_CMD_SOCKET, ID_B1);
	r1.u.socket.domain = 2;
	r1.u.socket.type = 1;
	r2 = r1;
	r2.u.socket.id = ID_B2;
	hf_push(h, &r1);
	hf_push(h, &r2);
	hf_kick(h);
	ret = hf_wait(h, r1.req_id, &p1, HF_ANSWER_MS) ||
	      hf_wait(h, r1.req_id, &p2, HF_ANSWER_MS);
	hf_tap(h, !ret && !p1.ret && !p2.ret && p1.u.any.id != p2.u.any.id,
	       "two requests with one req_id both answered", ret ?
	       "an answer is missing" : "rets %d %d", p1.ret, p2.ret);
	hf_simple(h, PVC_CMD_RELEASE, ID_B1);
	hf_simple(h, PVC_CMD_RELEASE, ID_B2);

	hf_expect(h, "release A", hf_simple(h, PVC_CMD_RELEASE, ID_A), 0);
	hf_expect(h, "release of a released id answered -ENOENT",
		  hf_simple(h, PVC_CMD_RELEASE, ID_A), -ENOENT);
	hf_expect(h, "a released id can be used again",
		  hf_socket(h, ID_A, 2, 1, 0), 0);
}

/* Address lengths and families of BIND and CONNECT. */
static void hf_cases_addresses(struct hf *h)
{
	static const u32 lens[] = { 0, 2, 15, 29, 0x80000000U, 0xffffffffU };
	static const u16 fams[] = { 0, 1, 10, 0xffff };
	struct pvc_request req;
	unsigned int i;
	int ret, bad = 0;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ret = hf_bind(h, ID_A, PVC_AF_INET, HF_PORT, lens[i]);
		hf_connect_req(h, &req, ID_A, PVC_AF_INET, HF_PORT, lens[i],
			       0, 0);
		if (ret == -EINVAL)
			ret = hf_cmd(h, &req);
		if (ret != -EINVAL && !bad)
			bad = ret ? ret : -1;
	}
	hf_tap(h, !bad,
	       "bind/connect with address length 0, 2, 15, 29, 2^31, 2^32-1 answered -EINVAL",
	       bad ? "got %d" : NULL, bad);
	bad = 0;
	for (i = 0; i < ARRAY_SIZE(fams); i++) {
		ret = hf_bind(h, ID_A, fams[i], HF_PORT, 16);
		hf_connect_req(h, &req, ID_A, fams[i], HF_PORT, 16, 0, 0);
		if (ret == -EAFNOSUPPORT)
			ret = hf_cmd(h, &req);
		if (ret != -EAFNOSUPPORT && !bad)
			bad = ret ? ret : -1;
	}
	hf_tap(h, !bad,
	       "bind/connect with family 0, 1, 10, 0xffff answered -EAFNOSUPPORT",
	       bad ? "got %d" : NULL, bad);
}

/*
 * CONNECT with bad ring orders, grants and event channels.  @x is an
 * honest ring; each case spoils one thing and puts it back.  A failed
 * connect must leave the socket as it was: the last one succeeds.
 */
static void hf_cases_connect(struct hf *h, struct hf_dring *x,
			     struct hf_dring *y)
{
	struct page *spare;
	int ret, rref = -1, roref;

	hf_expect(h, "listener L bound to 127.0.0.1:8901",
		  hf_bind(h, ID_L, PVC_AF_INET, HF_PORT, 16), 0);
	ret = hf_simple(h, PVC_CMD_LISTEN, ID_L);	/* backlog 0: clamped */
	hf_expect(h, "listen with backlog 0", ret, 0);
	hf_expect(h, "socket X created", hf_socket(h, ID_X, 2, 1, 0), 0);

	x->intf->ring_order = 0;
	hf_expect(h, "connect with ring_order 0 answered -EINVAL",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), -EINVAL);
	x->intf->ring_order = h->max_order + 1;
	hf_expect(h, "connect with ring_order max-page-order + 1 answered -EINVAL",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), -EINVAL);
	x->intf->ring_order = 0xffffffff;
	hf_expect(h, "connect with ring_order 2^32-1 answered -EINVAL",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), -EINVAL);
	x->intf->ring_order = x->order;

	hf_expect(h, "connect with a bogus indexes grant ref answered -EINVAL",
		  hf_connect(h, ID_X, HF_PORT, BOGUS_REF, x->port), -EINVAL);

	/* a grant we revoked again: its entry is empty */
	spare = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (spare) {
		rref = hf_grant_page(h, spare, false);
		if (rref >= 0 && !gnttab_end_foreign_access_ref(rref))
			rref = -1;
	}
	if (rref >= 0)
		hf_expect(h, "connect with a revoked grant ref answered -EINVAL",
			  hf_connect(h, ID_X, HF_PORT, rref, x->port),
			  -EINVAL);
	else
		hf_tap(h, false, "connect with a revoked grant ref answered -EINVAL",
		       "could not set up the revoked grant");
	/* (the ref and page are left as they are: the guest powers off) */

	/* the indexes page granted read-only: the backend maps it rw */
	roref = hf_grant_page(h, x->ipage, true);
	if (roref >= 0) {
		hf_expect(h, "connect with a read-only indexes grant answered -EINVAL",
			  hf_connect(h, ID_X, HF_PORT, roref, x->port),
			  -EINVAL);
		gnttab_end_foreign_access_ref(roref);
	} else {
		hf_tap(h, false, "connect with a read-only indexes grant answered -EINVAL",
		       "granting: %d", roref);
	}

	x->intf->ref[1] = BOGUS_REF;
	hf_expect(h, "connect with a bogus data ring grant ref answered -EINVAL",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), -EINVAL);
	x->intf->ref[1] = x->refs[1];

	ret = hf_connect(h, ID_X, HF_PORT, x->iref, 0);
	hf_tap(h, ret < 0 && ret > HF_NO_ANSWER,
	       "connect with event channel 0 answered an error", "ret %d",
	       ret);
	ret = hf_connect(h, ID_X, HF_PORT, x->iref, 0xfffff);
	hf_tap(h, ret < 0 && ret > HF_NO_ANSWER,
	       "connect with event channel 0xfffff answered an error",
	       "ret %d", ret);
	ret = hf_connect(h, ID_X, HF_PORT, x->iref, h->port);
	hf_tap(h, ret < 0 && ret > HF_NO_ANSWER,
	       "connect with the command ring's event channel answered an error",
	       "ret %d", ret);

	hf_expect(h, "connect after all those failures succeeds",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), 0);
	hf_expect(h, "connect of a connected socket answered -EISCONN",
		  hf_connect(h, ID_X, HF_PORT, x->iref, x->port), -EISCONN);

	/*
	 * Y offers X's indexes page (mapped by the backend already) with an
	 * evtchn of its own, to a closed port: mapped twice, then refused.
	 */
	hf_expect(h, "socket Y created", hf_socket(h, ID_Y, 2, 1, 0), 0);
	ret = hf_connect(h, ID_Y, HF_PORT_CLOSED, x->iref, y->port);
	hf_tap(h, ret == -ECONNREFUSED || ret == 0,
	       "connect with a grant ref already in use answered", "ret %d",
	       ret);
	hf_expect(h, "release Y", hf_simple(h, PVC_CMD_RELEASE, ID_Y), 0);
}

/* ACCEPT abuse, then an honest connection and data through it. */
static void hf_cases_accept(struct hf *h, struct hf_dring *x2,
			    struct hf_dring *c, struct hf_dring *dd)
{
	static const char ping[] = "hostile-ping";
	struct pvc_request req;
	struct pvc_response rsp;
	char got[sizeof(ping)];
	unsigned long end;
	u32 n = sizeof(ping) - 1, prod, poll_id;
	bool stopped;
	int ret;

	hf_accept_req(h, &req, ID_L, ID_L, c->iref, c->port);
	hf_expect(h, "accept with id_new of an existing socket answered -EEXIST",
		  hf_cmd(h, &req), -EEXIST);
	/* X's connection is queued on L: this accept takes it and fails */
	hf_accept_req(h, &req, ID_L, ID_N1, BOGUS_REF, c->port);
	hf_expect(h, "accept with a bogus grant ref answered -EINVAL",
		  hf_cmd(h, &req), -EINVAL);

	hf_expect(h, "socket X2 created", hf_socket(h, ID_X2, 2, 1, 0), 0);
	hf_expect(h, "X2 connects to L",
		  hf_connect(h, ID_X2, HF_PORT, x2->iref, x2->port), 0);
	hf_accept_req(h, &req, ID_L, ID_C, c->iref, c->port);
	hf_expect(h, "L accepts X2's connection as C", hf_cmd(h, &req), 0);

	/* X2 -> C through dom0's loopback, after all the garbage */
	hf_dring_write(x2, x2->size, ping, n);
	virt_wmb();	/* data before out_prod: pairs with the backend's virt_rmb() */
	WRITE_ONCE(x2->intf->out_prod, n);
	notify_remote_via_evtchn(x2->port);
	end = jiffies + msecs_to_jiffies(HF_ANSWER_MS);
	while ((prod = READ_ONCE(c->intf->in_prod)) < n &&
	       time_before(jiffies, end))
		msleep(20);
	virt_rmb();	/* in_prod before data: pairs with the backend's virt_wmb() */
	memset(got, 0, sizeof(got));
	if (prod == n)
		hf_dring_read(c, 0, got, n);
	hf_tap(h, prod == n && !memcmp(got, ping, n),
	       "data still flows X2 -> C through the backend",
	       "C in_prod %u, want %u", prod, n);

	/* the producer more than a ring ahead */
	WRITE_ONCE(x2->intf->out_prod, READ_ONCE(x2->intf->out_cons) +
		   x2->size + 1);
	notify_remote_via_evtchn(x2->port);
	stopped = hf_wait_errors(x2, -EIO, HF_ANSWER_MS);
	hf_tap(h, stopped,
	       "out_prod more than a ring ahead: socket stopped with -EIO",
	       "in_error %d out_error %d", READ_ONCE(x2->intf->in_error),
	       READ_ONCE(x2->intf->out_error));

	/* the consumer ahead of the producer */
	WRITE_ONCE(c->intf->in_cons, READ_ONCE(c->intf->in_prod) + 1);
	notify_remote_via_evtchn(c->port);
	stopped = hf_wait_errors(c, -EIO, HF_ANSWER_MS);
	hf_tap(h, stopped,
	       "in_cons ahead of in_prod: socket stopped with -EIO",
	       "in_error %d out_error %d", READ_ONCE(c->intf->in_error),
	       READ_ONCE(c->intf->out_error));

	/* outstanding POLL and ACCEPT answered when L goes */
	hf_req_init(h, &req, PVC_CMD_POLL, ID_L);
	poll_id = req.req_id;
	hf_push(h, &req);
	hf_kick(h);
	ret = hf_wait(h, poll_id, &rsp, 300);
	hf_tap(h, ret == -ETIMEDOUT, "poll with nothing queued stays pending",
	       ret ? NULL : "answered %d", rsp.ret);
	hf_expect(h, "a second poll answered -EALREADY",
		  hf_simple(h, PVC_CMD_POLL, ID_L), -EALREADY);
	hf_accept_req(h, &req, ID_L, ID_D, dd->iref, dd->port);
	hf_push(h, &req);
	hf_kick(h);
	hf_expect(h, "release L with a poll and an accept outstanding",
		  hf_simple(h, PVC_CMD_RELEASE, ID_L), 0);
	ret = hf_wait(h, req.req_id, &rsp, 10);
	hf_tap(h, !ret && rsp.ret == -ECONNABORTED,
	       "the outstanding accept answered -ECONNABORTED", ret ?
	       "no answer" : "ret %d", rsp.ret);
	ret = hf_wait(h, poll_id, &rsp, 10);
	hf_tap(h, !ret && rsp.ret == -ECONNABORTED,
	       "the outstanding poll answered -ECONNABORTED", ret ?
	       "no answer" : "ret %d", rsp.ret);
}

/* Commands valid in themselves but not in the socket's state. */
static void hf_cases_states(struct hf *h)
{
	struct pvc_request req;
	int e1, e2, e3, e4;

	/* X is connected (active); A is new */
	e1 = hf_simple(h, PVC_CMD_POLL, ID_X);
	e2 = hf_simple(h, PVC_CMD_LISTEN, ID_X);
	e3 = hf_bind(h, ID_X, PVC_AF_INET, HF_PORT_CLOSED, 16);
	hf_accept_req(h, &req, ID_A, ID_N1, 0, 0);
	e4 = hf_cmd(h, &req);
	hf_tap(h, e1 == -EINVAL && e2 == -EINVAL && e3 == -EINVAL &&
	       e4 == -EINVAL,
	       "poll/listen/bind on a connected socket, accept on a new one answered -EINVAL",
	       "rets %d %d %d %d", e1, e2, e3, e4);
}

/*
 * RELEASE of a socket whose CONNECT is still under way: L2 has a
 * backlog of 1 and nobody accepts, so after the first connections the
 * SYNs of the next are dropped and their CONNECTs stay outstanding.
 * Releasing such a socket must answer its CONNECT (-ECONNABORTED) and
 * unmap its ring.
 */
static void hf_case_release_connecting(struct hf *h, struct hf_dring *p)
{
	struct pvc_request req;
	struct pvc_response rsp;
	u32 ids[HF_NR_FULL];
	int i, pending = -1, ret;

	if (hf_socket(h, ID_L2, 2, 1, 0) ||
	    hf_bind(h, ID_L2, PVC_AF_INET, HF_PORT_FULL, 16)) {
		hf_tap(h, false, "release with a connect outstanding", "L2 setup");
		return;
	}
	hf_req_init(h, &req, PVC_CMD_LISTEN, ID_L2);
	req.u.listen.backlog = 1;
	hf_cmd(h, &req);
	for (i = 0; i < HF_NR_FULL; i++) {
		hf_socket(h, ID_P + i, 2, 1, 0);
		hf_connect_req(h, &req, ID_P + i, PVC_AF_INET, HF_PORT_FULL,
			       16, p[i].iref, p[i].port);
		ids[i] = req.req_id;
		hf_push(h, &req);
	}
	hf_kick(h);
	for (i = 0; i < HF_NR_FULL; i++)
		if (hf_wait(h, ids[i], &rsp, 1500) == -ETIMEDOUT &&
		    pending < 0)
			pending = i;
	if (pending < 0) {
		hf_tap(h, true, "release with a connect outstanding",
		       "SKIP every connect completed: no hanging connect to release");
		return;
	}
	hf_expect(h, "release of a socket with a connect outstanding",
		  hf_simple(h, PVC_CMD_RELEASE, ID_P + pending), 0);
	ret = hf_wait(h, ids[pending], &rsp, 10);
	hf_tap(h, !ret && rsp.ret == -ECONNABORTED,
	       "its outstanding connect answered -ECONNABORTED",
	       ret ? "no answer" : "ret %d (connect %d of %d)", rsp.ret,
	       pending + 1, HF_NR_FULL);
	/* the others stay: L2 and its queue are the backend's to free */
}

/*
 * An ACCEPT waits for a connection; meanwhile the frontend creates a
 * socket with the accept's id_new.  The connection must then be
 * refused (-EEXIST), not given a second socket with the same id.
 */
static void hf_case_accept_id_taken(struct hf *h, struct hf_dring *q,
				    struct hf_dring *p5)
{
	struct pvc_request req;
	struct pvc_response rsp;
	u32 accept_id;
	int ret;

	if (hf_socket(h, ID_L3, 2, 1, 0) ||
	    hf_bind(h, ID_L3, PVC_AF_INET, HF_PORT_TAKEN, 16) ||
	    hf_simple(h, PVC_CMD_LISTEN, ID_L3)) {
		hf_tap(h, false, "accept whose id_new is taken meanwhile", "L3 setup");
		return;
	}
	hf_accept_req(h, &req, ID_L3, ID_Q, q->iref, q->port);
	accept_id = req.req_id;
	hf_push(h, &req);
	hf_kick(h);
	hf_expect(h, "socket with the id_new of an outstanding accept created",
		  hf_socket(h, ID_Q, 2, 1, 0), 0);
	hf_socket(h, ID_P5, 2, 1, 0);
	hf_expect(h, "a connection for that accept comes",
		  hf_connect(h, ID_P5, HF_PORT_TAKEN, p5->iref, p5->port), 0);
	ret = hf_wait(h, accept_id, &rsp, HF_ANSWER_MS);
	hf_tap(h, !ret && rsp.ret == -EEXIST,
	       "the accept whose id_new was taken answered -EEXIST",
	       ret ? "no answer" : "ret %d", rsp.ret);
	hf_expect(h, "the socket that took the id is still there (release)",
		  hf_simple(h, PVC_CMD_RELEASE, ID_Q), 0);
}

/*
 * in_cons moved backwards: the bytes it gives back were handed over
 * already, and a consumer that moves back and forth would make every
 * event look like progress to the backend's spurious-event accounting.
 * The backend must stop that socket (-EIO), as for any impossible index.
 */
static void hf_case_in_cons_backward(struct hf *h, struct hf_dring *e,
				     struct hf_dring *f)
{
	static const char data[] = "backward";
	struct pvc_request req;
	u32 n = sizeof(data) - 1, prod;
	unsigned long end;
	bool stopped;

	if (hf_socket(h, ID_L4, 2, 1, 0) ||
	    hf_bind(h, ID_L4, PVC_AF_INET, HF_PORT_BACK, 16) ||
	    hf_simple(h, PVC_CMD_LISTEN, ID_L4) ||
	    hf_socket(h, ID_E, 2, 1, 0) ||
	    hf_connect(h, ID_E, HF_PORT_BACK, e->iref, e->port)) {
		hf_tap(h, false, "in_cons moved backwards", "E/L4 setup");
		return;
	}
	hf_accept_req(h, &req, ID_L4, ID_F, f->iref, f->port);
	if (hf_cmd(h, &req)) {
		hf_tap(h, false, "in_cons moved backwards", "accept F");
		return;
	}
	/* E -> F: n bytes, then F consumes them all (a forward move) */
	hf_dring_write(e, e->size, data, n);
	virt_wmb();	/* data before out_prod: pairs with the backend's virt_rmb() */
	WRITE_ONCE(e->intf->out_prod, n);
	notify_remote_via_evtchn(e->port);
	end = jiffies + msecs_to_jiffies(HF_ANSWER_MS);
	while ((prod = READ_ONCE(f->intf->in_prod)) < n &&
	       time_before(jiffies, end))
		msleep(20);
	WRITE_ONCE(f->intf->in_cons, prod);
	notify_remote_via_evtchn(f->port);
	msleep(100);
	hf_tap(h, prod == n && !READ_ONCE(f->intf->in_error) &&
	       !READ_ONCE(f->intf->out_error),
	       "in_cons moved forward to in_prod: the socket goes on",
	       "in_prod %u, in_error %d out_error %d", prod,
	       READ_ONCE(f->intf->in_error), READ_ONCE(f->intf->out_error));
	/*
	 * Back to before 0: still within a ring of in_prod, and backwards
	 * whether or not the backend has seen the forward move yet.
	 */
	WRITE_ONCE(f->intf->in_cons, 0U - n / 2);
	notify_remote_via_evtchn(f->port);
	stopped = hf_wait_errors(f, -EIO, HF_ANSWER_MS);
	hf_tap(h, stopped,
	       "in_cons moved backwards: socket stopped with -EIO",
	       "in_error %d out_error %d", READ_ONCE(f->intf->in_error),
	       READ_ONCE(f->intf->out_error));
	/* E, F and L4 stay: the backend frees them at close */
}

/* Event storms on the command and a data evtchn, then a full ring. */
static void hf_cases_storm_and_ring(struct hf *h, struct hf_dring *x2)
{
	struct pvc_request req;
	struct pvc_response rsp;
	u32 ids[32];
	unsigned long t0;
	unsigned int i, answered = 0;
	int ret;

	t0 = jiffies;
	for (i = 0; i < 20000; i++) {
		notify_remote_via_evtchn(h->port);
		notify_remote_via_evtchn(x2->port);
		if (!(i % 1000))
			cond_resched();
	}
	ret = hf_simple(h, 7, ID_A);
	hf_tap(h, ret == -EOPNOTSUPP,
	       "commands answered after a storm of 2 x 20000 events",
	       "ret %d, storm + answer took %u ms", ret,
	       jiffies_to_msecs(jiffies - t0));

	/* exactly a ring's worth of requests at once */
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		hf_req_init(h, &req, 7, i);
		ids[i] = req.req_id;
		hf_push(h, &req);
	}
	hf_kick(h);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		if (!hf_wait(h, ids[i], &rsp, HF_ANSWER_MS) &&
		    rsp.ret == -EOPNOTSUPP)
			answered++;
	hf_tap(h, answered == ARRAY_SIZE(ids),
	       "a full ring of 32 requests all answered", "%u answered",
	       answered);
}

/*
 * req_prod far ahead: more requests than the ring holds.  The backend
 * must refuse the whole ring (it closes the device) without reading
 * past it.  This ends the session: what comes after it reconnects.
 */
static void hf_case_overflow(struct hf *h)
{
	enum xenbus_state st;

	h->ring.req_prod_pvt += RING_SIZE(&h->ring) + 1;
	RING_PUSH_REQUESTS(&h->ring);
	hf_kick(h);
	st = hx_wait_otherend(h->dev, BIT(XenbusStateClosing) |
			      BIT(XenbusStateClosed), HF_ANSWER_MS * 2);
	hf_tap(h, st == XenbusStateClosing || st == XenbusStateClosed,
	       "req_prod a ring + 1 ahead: the backend closes the device",
	       "backend state %s", xenbus_strstate(st));
}

/* Poll the backend's xenbus state until it is @want; false on timeout. */
static bool hf_wait_backend(struct hf *h, enum xenbus_state want,
			    unsigned int ms)
{
	return hx_wait_otherend(h->dev, BIT(want), ms) == want;
}

/* A fresh, empty command ring for the next session (same grant). */
static void hf_ring_reset(struct hf *h)
{
	struct pvc_sring *sring = h->ring.sring;

	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&h->ring, sring, XEN_PAGE_SIZE);
	h->nr_stash = 0;
}

/* A data ring offered again in the next session: indexes back to 0. */
static void hf_dring_reset(struct hf_dring *d)
{
	WRITE_ONCE(d->intf->in_cons, 0);
	WRITE_ONCE(d->intf->in_prod, 0);
	WRITE_ONCE(d->intf->in_error, 0);
	WRITE_ONCE(d->intf->out_cons, 0);
	WRITE_ONCE(d->intf->out_prod, 0);
	WRITE_ONCE(d->intf->out_error, 0);
}

/* Closing, then Initialised again: a full disconnect and reconnect. */
static bool hf_reconnect(struct hf *h)
{
	if (xenbus_read_driver_state(h->dev->otherend) != XenbusStateClosed) {
		/*
		 * Closed, as hf_backend_changed() answers the backend's
		 * Closing: writing Closing here could overwrite that answer
		 * before the backend reads it, and leave both ends Closing.
		 */
		xenbus_switch_state(h->dev, XenbusStateClosed);
		if (!hf_wait_backend(h, XenbusStateClosed, HF_ANSWER_MS * 2))
			return false;
	}
	hf_ring_reset(h);
	xenbus_switch_state(h->dev, XenbusStateInitialised);
	if (!hf_wait_backend(h, XenbusStateConnected, HF_ANSWER_MS * 2))
		return false;
	xenbus_switch_state(h->dev, XenbusStateConnected);
	return true;
}

#define HF_RACE_CYCLES	12

static struct hf *hf_closer_h;

static void hf_closer(struct work_struct *work)
{
	xenbus_switch_state(hf_closer_h->dev, XenbusStateClosing);
}

static DECLARE_WORK(hf_closer_work, hf_closer);

/*
 * Completions that coincide with the device's teardown: a listener
 * with an ACCEPT and a POLL outstanding, and a CONNECT to it, all sent
 * at once, and the frontend going Closing without waiting for their
 * answers.  The backend's socket works answer the three while its
 * disconnect stops the command work and frees everything: they must
 * not leave the command work queued behind the disconnect (it would
 * run on a freed frontend once the device goes).  Even cycles send the
 * commands first and go Closing after a delay; odd cycles go Closing
 * from another thread and send the commands after a delay; the delays
 * vary, so that the teardown falls before, between and after the
 * completions.  Each cycle reconnects and checks that commands are
 * answered.
 */
static void hf_case_teardown_race(struct hf *h, struct hf_dring *e,
				  struct hf_dring *g)
{
	struct pvc_request req[3];
	unsigned int i, j, ok = 0, delay;
	const char *why = NULL;
	char buf[80];
	int ret;

	hf_closer_h = h;
	for (i = 0; i < HF_RACE_CYCLES; i++) {
		hf_dring_reset(e);
		hf_dring_reset(g);
		if (hf_socket(h, ID_L5, 2, 1, 0) ||
		    hf_bind(h, ID_L5, PVC_AF_INET, HF_PORT_RACE, 16) ||
		    hf_simple(h, PVC_CMD_LISTEN, ID_L5) ||
		    hf_socket(h, ID_E5, 2, 1, 0)) {
			why = "listener setup";
			break;
		}
		hf_accept_req(h, &req[0], ID_L5, ID_G, g->iref, g->port);
		hf_req_init(h, &req[1], PVC_CMD_POLL, ID_L5);
		hf_connect_req(h, &req[2], ID_E5, PVC_AF_INET, HF_PORT_RACE,
			       16, e->iref, e->port);
		delay = (i / 2) * 2000;
		if (i % 2) {
			schedule_work(&hf_closer_work);
		} else {
			for (j = 0; j < ARRAY_SIZE(req); j++)
				hf_push(h, &req[j]);
			hf_kick(h);
		}
		if (delay)
			usleep_range(delay, delay + 100);
		if (i % 2) {
			for (j = 0; j < ARRAY_SIZE(req); j++)
				hf_push(h, &req[j]);
			hf_kick(h);
			flush_work(&hf_closer_work);
		} else {
			xenbus_switch_state(h->dev, XenbusStateClosing);
		}
		if (!hf_reconnect(h)) {
			why = "no reconnect";
			break;
		}
		ret = hf_simple(h, 7, ID_A);
		if (ret != -EOPNOTSUPP) {
			snprintf(buf, sizeof(buf),
				 "answer %d after reconnecting, backend %s",
				 ret, xenbus_strstate(xenbus_read_driver_state(h->dev->otherend)));
			why = buf;
			break;
		}
		ok++;
	}
	hf_tap(h, ok == HF_RACE_CYCLES,
	       "completions during teardown: every disconnect and reconnect clean",
	       "%u of %u cycles%s%s", ok, HF_RACE_CYCLES,
	       why ? ", then " : "", why ? why : "");
}

#define HF_FLOOD_WRITES		10000
/* writers at once: one xenstore round trip is slow in a TCG guest */
#define HF_FLOOD_WRITERS	10

struct hf_flooder {
	struct work_struct work;
	struct hf *h;
	unsigned int done;
	int err;
};

static atomic_t hf_flooders_left;

static void hf_flood_work(struct work_struct *work)
{
	struct hf_flooder *f = container_of(work, struct hf_flooder, work);
	unsigned int i;

	for (i = 0; i < HF_FLOOD_WRITES / HF_FLOOD_WRITERS && !f->err; i++) {
		f->err = xenbus_printf(XBT_NIL, f->h->dev->nodename, "state",
				       "%d", i % 2 ? XenbusStateClosed :
				       XenbusStateConnected);
		if (!f->err)
			f->done++;
	}
	atomic_dec(&hf_flooders_left);
}

/*
 * A guest that writes its xenbus state over and over: dom0 must not
 * log a line per write.  Connected while the backend is not connected
 * (a frontend of an earlier session) and Closed, alternately, from
 * several writers at once; the bed's dom0 counts the lines its backend
 * logged around this guest.  The writes bypass xenbus_switch_state():
 * our own state stays Closed, so our otherend_changed does not react
 * to the backend's answers.
 */
static void hf_case_state_flood(struct hf *h)
{
	static struct hf_flooder fl[HF_FLOOD_WRITERS];
	unsigned int i, done = 0;
	int err = 0;

	/* straight to Closed: our otherend_changed answers nothing now */
	xenbus_switch_state(h->dev, XenbusStateClosed);
	if (!hf_wait_backend(h, XenbusStateClosed, HF_ANSWER_MS * 2)) {
		hf_tap(h, false, "xenbus state written 10000 times", "no Closed");
		return;
	}
	atomic_set(&hf_flooders_left, HF_FLOOD_WRITERS);
	for (i = 0; i < HF_FLOOD_WRITERS; i++) {
		fl[i].h = h;
		INIT_WORK(&fl[i].work, hf_flood_work);
		queue_work(system_unbound_wq, &fl[i].work);
	}
	/*
	 * Minutes in a slow bed: wait in short sleeps, not in one
	 * flush_work() that the hung-task detector would report.
	 */
	while (atomic_read(&hf_flooders_left))
		msleep(100);
	for (i = 0; i < HF_FLOOD_WRITERS; i++) {
		flush_work(&fl[i].work);
		done += fl[i].done;
		if (fl[i].err)
			err = fl[i].err;
	}
	if (!err)
		err = xenbus_printf(XBT_NIL, h->dev->nodename, "state", "%d",
				    XenbusStateClosed);
	hf_tap(h, done == HF_FLOOD_WRITES && !err,
	       "xenbus state written 10000 times (dom0 counts its log lines)",
	       "%u writes, error %d", done, err);
}

static int hf_release_reuse(struct hf *h, u64 id)
{
	struct pvc_request req;

	hf_req_init(h, &req, PVC_CMD_RELEASE, id);
	req.u.release.reuse = 1;
	return hf_cmd(h, &req);
}

/* socket @id, then connect it to L6 with ring @ref and channel @evtchn */
static int hf_reuse_connect(struct hf *h, u64 id, u32 ref, u32 evtchn)
{
	int ret = hf_socket(h, id, 2, 1, 0);

	return ret ? ret : hf_connect(h, id, HF_PORT_REUSE, ref, evtchn);
}

/*
 * Ring reuse: a ring released with reuse = 1 may stay mapped in dom0.
 * Named again as it was, it serves again; named with another channel,
 * or after its indexes page changed its order or one of its grants,
 * the request fails with -EINVAL and the backend forgets it, so a new
 * connect with the page restored maps it afresh.  The last one is left
 * released for reuse: the device's close must free it.
 */
static void hf_case_reuse(struct hf *h, struct hf_dring *r, struct hf_dring *o)
{
	struct pvc_request req;
	u32 ref0 = r->intf->ref[0];

	if (hf_socket(h, ID_L6, 2, 1, 0) ||
	    hf_bind(h, ID_L6, PVC_AF_INET, HF_PORT_REUSE, 16)) {
		hf_tap(h, false, "reuse: listener L6 set up", NULL);
		return;
	}
	hf_req_init(h, &req, PVC_CMD_LISTEN, ID_L6);
	req.u.listen.backlog = 16;
	hf_expect(h, "reuse: listener L6 listening", hf_cmd(h, &req), 0);

	hf_expect(h, "reuse: connect R0", hf_reuse_connect(h, ID_R, r->iref, r->port), 0);
	hf_expect(h, "reuse: release R0 with reuse 1", hf_release_reuse(h, ID_R), 0);
	hf_expect(h, "reuse: connect R1 naming R0's ring as it was",
		  hf_reuse_connect(h, ID_R + 1, r->iref, r->port), 0);
	hf_expect(h, "reuse: release R1 with reuse 1", hf_release_reuse(h, ID_R + 1), 0);

	r->intf->ref[0] = o->refs[0];
	hf_expect(h, "reuse: ring named again with ref[0] changed answered -EINVAL",
		  hf_reuse_connect(h, ID_R + 2, r->iref, r->port), -EINVAL);
	r->intf->ref[0] = ref0;
	hf_expect(h, "reuse: the restored ring maps afresh",
		  hf_connect(h, ID_R + 2, HF_PORT_REUSE, r->iref, r->port), 0);
	hf_expect(h, "reuse: release R2 with reuse 1", hf_release_reuse(h, ID_R + 2), 0);

	hf_expect(h, "reuse: ring named again with another channel answered -EINVAL",
		  hf_reuse_connect(h, ID_R + 3, r->iref, o->port), -EINVAL);
	hf_expect(h, "reuse: connect R3 with its own channel",
		  hf_connect(h, ID_R + 3, HF_PORT_REUSE, r->iref, r->port), 0);
	hf_expect(h, "reuse: release R3 with reuse 1", hf_release_reuse(h, ID_R + 3), 0);

	r->intf->ring_order = r->order + 1;
	hf_expect(h, "reuse: ring named again with another order answered -EINVAL",
		  hf_reuse_connect(h, ID_R + 4, r->iref, r->port), -EINVAL);
	r->intf->ring_order = r->order;
	hf_expect(h, "reuse: connect R4, then release it with reuse 1 and leave it",
		  hf_connect(h, ID_R + 4, HF_PORT_REUSE, r->iref, r->port) ?:
		  hf_release_reuse(h, ID_R + 4), 0);
}

void hf_run_cases(struct hf *h)
{
	static struct hf_dring x, y, x2, c, dd, p[HF_NR_FULL], q, p5;
	static struct hf_dring e, f, e5, g, r, o;
	bool ok;
	int i;

	ok = !hf_dring_alloc(h, &x, HF_ORDER) &&
	     !hf_dring_alloc(h, &y, HF_ORDER) &&
	     !hf_dring_alloc(h, &x2, HF_ORDER) &&
	     !hf_dring_alloc(h, &c, HF_ORDER) &&
	     !hf_dring_alloc(h, &dd, HF_ORDER) &&
	     !hf_dring_alloc(h, &q, HF_ORDER) &&
	     !hf_dring_alloc(h, &p5, HF_MAX_ORDER) &&
	     !hf_dring_alloc(h, &e, HF_ORDER) &&
	     !hf_dring_alloc(h, &f, HF_ORDER) &&
	     !hf_dring_alloc(h, &e5, HF_ORDER) &&
	     !hf_dring_alloc(h, &g, HF_ORDER) &&
	     !hf_dring_alloc(h, &r, HF_ORDER) &&
	     !hf_dring_alloc(h, &o, HF_ORDER);
	for (i = 0; i < HF_NR_FULL && ok; i++)
		ok = !hf_dring_alloc(h, &p[i], HF_ORDER);
	hf_tap(h, ok, "data rings set up in the guest", NULL);
	if (!ok)
		return;
	hf_cases_commands(h);
	hf_cases_addresses(h);
	hf_expect(h, "socket L created", hf_socket(h, ID_L, 2, 1, 0), 0);
	hf_cases_connect(h, &x, &y);
	hf_cases_accept(h, &x2, &c, &dd);
	/* while no request is outstanding: the full ring */
	hf_cases_storm_and_ring(h, &x2);
	hf_cases_states(h);
	hf_case_release_connecting(h, p);
	hf_case_accept_id_taken(h, &q, &p5);
	hf_case_in_cons_backward(h, &e, &f);
	hf_case_reuse(h, &r, &o);
	/*
	 * X, X2, C, A, L2 with its queue and connecting sockets, L3 and P5
	 * (an order-4 ring), L4, E and F stay open: the backend frees them
	 * when the first reconnect below closes the session.
	 */
	hf_case_teardown_race(h, &e5, &g);
	hf_case_overflow(h);
	/* after the overflow the backend is Closing: start over, then flood */
	hf_expect(h, "reconnect after the overflow", hf_reconnect(h), true);
	hf_case_state_flood(h);
	/* the rings stay granted: the backend may still hold them */
}
