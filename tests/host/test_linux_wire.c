// SPDX-License-Identifier: GPL-2.0
/*
 * Our wire.h against Linux's own v1 header, <xen/interface/io/pvcalls.h>:
 * the size of each struct and the offset and size of every field must
 * be the same, and so must the command numbers.  The Makefile copies
 * Linux's header from the installed kernel headers or extracts it from
 * linux-source at test time (build/host-upstream/); with neither, the
 * test reports a skip.  Its kernel includes come from linux-stub/.
 */
#include <stddef.h>
#include <xen-pvcalls/wire.h>
#include "host.h"

#ifdef HAVE_LINUX_PVCALLS
#include <stdint.h>
#include "pvcalls.h"

struct pair {
	const char *name;
	size_t ours, theirs;
};

#define REQUEST		struct pvc_request
#define RESPONSE	struct pvc_response
#define INDEXES		struct pvc_indexes
#define L_REQUEST	struct xen_pvcalls_request
#define L_RESPONSE	struct xen_pvcalls_response
#define L_INDEXES	struct pvcalls_data_intf
/* Linux's include/linux/stddef.h has one; userspace does not */
#define sizeof_field(t, f)	sizeof(((t *)0)->f)

/* our struct @o and field @f against Linux's @l and @lf */
#define STRUCT(o, l)		{ "sizeof " #o, sizeof(o), sizeof(l) }
#define OFF(o, f, l, lf)	{ "offset of " #o "." #f, offsetof(o, f), offsetof(l, lf) }
#define SIZE(o, f, l, lf)	{ "size of " #o "." #f, sizeof_field(o, f), sizeof_field(l, lf) }

static const struct pair pairs[] = {
	STRUCT(REQUEST, L_REQUEST),
	OFF(REQUEST, req_id, L_REQUEST, req_id),
	SIZE(REQUEST, req_id, L_REQUEST, req_id),
	OFF(REQUEST, cmd, L_REQUEST, cmd),
	SIZE(REQUEST, cmd, L_REQUEST, cmd),
	OFF(REQUEST, u, L_REQUEST, u),
	SIZE(REQUEST, u, L_REQUEST, u),
	OFF(REQUEST, u.socket.id, L_REQUEST, u.socket.id),
	SIZE(REQUEST, u.socket.id, L_REQUEST, u.socket.id),
	OFF(REQUEST, u.socket.domain, L_REQUEST, u.socket.domain),
	SIZE(REQUEST, u.socket.domain, L_REQUEST, u.socket.domain),
	OFF(REQUEST, u.socket.type, L_REQUEST, u.socket.type),
	SIZE(REQUEST, u.socket.type, L_REQUEST, u.socket.type),
	OFF(REQUEST, u.socket.protocol, L_REQUEST, u.socket.protocol),
	SIZE(REQUEST, u.socket.protocol, L_REQUEST, u.socket.protocol),
	OFF(REQUEST, u.connect.id, L_REQUEST, u.connect.id),
	SIZE(REQUEST, u.connect.id, L_REQUEST, u.connect.id),
	OFF(REQUEST, u.connect.addr, L_REQUEST, u.connect.addr),
	SIZE(REQUEST, u.connect.addr, L_REQUEST, u.connect.addr),
	OFF(REQUEST, u.connect.len, L_REQUEST, u.connect.len),
	SIZE(REQUEST, u.connect.len, L_REQUEST, u.connect.len),
	OFF(REQUEST, u.connect.flags, L_REQUEST, u.connect.flags),
	SIZE(REQUEST, u.connect.flags, L_REQUEST, u.connect.flags),
	OFF(REQUEST, u.connect.ref, L_REQUEST, u.connect.ref),
	SIZE(REQUEST, u.connect.ref, L_REQUEST, u.connect.ref),
	OFF(REQUEST, u.connect.evtchn, L_REQUEST, u.connect.evtchn),
	SIZE(REQUEST, u.connect.evtchn, L_REQUEST, u.connect.evtchn),
	OFF(REQUEST, u.release.id, L_REQUEST, u.release.id),
	SIZE(REQUEST, u.release.id, L_REQUEST, u.release.id),
	OFF(REQUEST, u.release.reuse, L_REQUEST, u.release.reuse),
	SIZE(REQUEST, u.release.reuse, L_REQUEST, u.release.reuse),
	OFF(REQUEST, u.bind.id, L_REQUEST, u.bind.id),
	SIZE(REQUEST, u.bind.id, L_REQUEST, u.bind.id),
	OFF(REQUEST, u.bind.addr, L_REQUEST, u.bind.addr),
	SIZE(REQUEST, u.bind.addr, L_REQUEST, u.bind.addr),
	OFF(REQUEST, u.bind.len, L_REQUEST, u.bind.len),
	SIZE(REQUEST, u.bind.len, L_REQUEST, u.bind.len),
	OFF(REQUEST, u.listen.id, L_REQUEST, u.listen.id),
	SIZE(REQUEST, u.listen.id, L_REQUEST, u.listen.id),
	OFF(REQUEST, u.listen.backlog, L_REQUEST, u.listen.backlog),
	SIZE(REQUEST, u.listen.backlog, L_REQUEST, u.listen.backlog),
	OFF(REQUEST, u.accept.id, L_REQUEST, u.accept.id),
	SIZE(REQUEST, u.accept.id, L_REQUEST, u.accept.id),
	OFF(REQUEST, u.accept.id_new, L_REQUEST, u.accept.id_new),
	SIZE(REQUEST, u.accept.id_new, L_REQUEST, u.accept.id_new),
	OFF(REQUEST, u.accept.ref, L_REQUEST, u.accept.ref),
	SIZE(REQUEST, u.accept.ref, L_REQUEST, u.accept.ref),
	OFF(REQUEST, u.accept.evtchn, L_REQUEST, u.accept.evtchn),
	SIZE(REQUEST, u.accept.evtchn, L_REQUEST, u.accept.evtchn),
	OFF(REQUEST, u.poll.id, L_REQUEST, u.poll.id),
	SIZE(REQUEST, u.poll.id, L_REQUEST, u.poll.id),
	OFF(REQUEST, u.dummy, L_REQUEST, u.dummy.dummy),
	SIZE(REQUEST, u.dummy, L_REQUEST, u.dummy.dummy),
	STRUCT(RESPONSE, L_RESPONSE),
	/* every command's member of the union is the same u64 id */
	OFF(RESPONSE, req_id, L_RESPONSE, req_id),
	SIZE(RESPONSE, req_id, L_RESPONSE, req_id),
	OFF(RESPONSE, cmd, L_RESPONSE, cmd),
	SIZE(RESPONSE, cmd, L_RESPONSE, cmd),
	OFF(RESPONSE, ret, L_RESPONSE, ret),
	SIZE(RESPONSE, ret, L_RESPONSE, ret),
	OFF(RESPONSE, pad, L_RESPONSE, pad),
	SIZE(RESPONSE, pad, L_RESPONSE, pad),
	OFF(RESPONSE, u, L_RESPONSE, u),
	SIZE(RESPONSE, u, L_RESPONSE, u),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.socket.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.socket.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.connect.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.connect.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.release.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.release.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.bind.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.bind.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.listen.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.listen.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.accept.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.accept.id),
	OFF(RESPONSE, u.any.id, L_RESPONSE, u.poll.id),
	SIZE(RESPONSE, u.any.id, L_RESPONSE, u.poll.id),
	OFF(RESPONSE, u.dummy, L_RESPONSE, u.dummy.dummy),
	SIZE(RESPONSE, u.dummy, L_RESPONSE, u.dummy.dummy),
	STRUCT(INDEXES, L_INDEXES),
	OFF(INDEXES, in_cons, L_INDEXES, in_cons),
	SIZE(INDEXES, in_cons, L_INDEXES, in_cons),
	OFF(INDEXES, in_prod, L_INDEXES, in_prod),
	SIZE(INDEXES, in_prod, L_INDEXES, in_prod),
	OFF(INDEXES, in_error, L_INDEXES, in_error),
	SIZE(INDEXES, in_error, L_INDEXES, in_error),
	OFF(INDEXES, out_cons, L_INDEXES, out_cons),
	SIZE(INDEXES, out_cons, L_INDEXES, out_cons),
	OFF(INDEXES, out_prod, L_INDEXES, out_prod),
	SIZE(INDEXES, out_prod, L_INDEXES, out_prod),
	OFF(INDEXES, out_error, L_INDEXES, out_error),
	SIZE(INDEXES, out_error, L_INDEXES, out_error),
	OFF(INDEXES, ring_order, L_INDEXES, ring_order),
	SIZE(INDEXES, ring_order, L_INDEXES, ring_order),
	OFF(INDEXES, ref, L_INDEXES, ref),
	SIZE(INDEXES, ref[0], L_INDEXES, ref[0]),
};

/* the extensions' fields, which must lie inside Linux's padding */
static const struct {
	const char *name;
	size_t off, size;
	int pad;		/* 1: pad1, 2: pad2 */
} ext[] = {
	{ "in_prod_event", offsetof(INDEXES, in_prod_event),
	  sizeof_field(INDEXES, in_prod_event), 1 },
	{ "in_cons_event", offsetof(INDEXES, in_cons_event),
	  sizeof_field(INDEXES, in_cons_event), 1 },
	{ "local_name", offsetof(INDEXES, local_name),
	  sizeof_field(INDEXES, local_name), 1 },
	{ "peer_name", offsetof(INDEXES, peer_name), sizeof_field(INDEXES, peer_name), 1 },
	{ "out_prod_event", offsetof(INDEXES, out_prod_event),
	  sizeof_field(INDEXES, out_prod_event), 2 },
	{ "out_cons_event", offsetof(INDEXES, out_cons_event),
	  sizeof_field(INDEXES, out_cons_event), 2 },
};

static const struct pair commands[] = {
	{ "PVC_CMD_SOCKET", PVC_CMD_SOCKET, PVCALLS_SOCKET },
	{ "PVC_CMD_CONNECT", PVC_CMD_CONNECT, PVCALLS_CONNECT },
	{ "PVC_CMD_RELEASE", PVC_CMD_RELEASE, PVCALLS_RELEASE },
	{ "PVC_CMD_BIND", PVC_CMD_BIND, PVCALLS_BIND },
	{ "PVC_CMD_LISTEN", PVC_CMD_LISTEN, PVCALLS_LISTEN },
	{ "PVC_CMD_ACCEPT", PVC_CMD_ACCEPT, PVCALLS_ACCEPT },
	{ "PVC_CMD_POLL", PVC_CMD_POLL, PVCALLS_POLL },
};

static void compare(const struct pair *p, size_t n, const char *what)
{
	char name[160], why[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "linux_wire %s %s as Linux's",
			 p[i].name, what);
		snprintf(why, sizeof(why), "ours %zu, Linux's %zu",
			 p[i].ours, p[i].theirs);
		tap_check(p[i].ours == p[i].theirs, name, "%s", why);
	}
}

void test_linux_wire(void)
{
	char name[160];
	size_t i;

	compare(pairs, ARRAY_SIZE(pairs), "is the same");
	compare(commands, ARRAY_SIZE(commands), "has the number");
	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		size_t pad = ext[i].pad == 1 ? offsetof(L_INDEXES, pad1) :
					       offsetof(L_INDEXES, pad2);
		size_t len = ext[i].pad == 1 ? sizeof_field(L_INDEXES, pad1) :
					       sizeof_field(L_INDEXES, pad2);

		snprintf(name, sizeof(name),
			 "linux_wire struct pvc_indexes.%s in Linux's pad%d",
			 ext[i].name, ext[i].pad);
		tap_check(ext[i].off >= pad &&
			  ext[i].off + ext[i].size <= pad + len, name,
			  "overlaps a v1 field");
	}
}
#else
void test_linux_wire(void)
{
	tap_skip("linux_wire layout as Linux's pvcalls.h",
		 "no kernel headers or linux-source");
}
#endif
