// SPDX-License-Identifier: GPL-2.0
/*
 * The wire structs must match the PV Calls v1 layout byte for byte:
 * every deployed peer (Linux pvcalls-front/back, Xen's header) uses it.
 * The expected offsets below are written out by hand from the v1 layout,
 * not computed from our header.
 */
#include <stddef.h>
#include <string.h>
#include <xen-pvcalls/wire.h>
#include "host.h"

struct layout {
	const char *name;
	size_t got;
	size_t want;
};

#define L(expr, want) { #expr, expr, want }
#define OFF(type, field) offsetof(struct type, field)

static const struct layout layouts[] = {
	L(sizeof(struct pvc_request), 64),
	L(sizeof(struct pvc_response), 24),
	/* request header and union */
	L(OFF(pvc_request, req_id), 0),
	L(OFF(pvc_request, cmd), 4),
	L(OFF(pvc_request, u), 8),
	L(sizeof(((struct pvc_request *)0)->u), 56),
	L(OFF(pvc_request, u.socket.id), 8),
	L(OFF(pvc_request, u.socket.domain), 16),
	L(OFF(pvc_request, u.socket.type), 20),
	L(OFF(pvc_request, u.socket.protocol), 24),
	L(OFF(pvc_request, u.connect.id), 8),
	L(OFF(pvc_request, u.connect.addr), 16),
	L(sizeof(((struct pvc_request *)0)->u.connect.addr), 28),
	L(OFF(pvc_request, u.connect.len), 44),
	L(OFF(pvc_request, u.connect.flags), 48),
	L(OFF(pvc_request, u.connect.ref), 52),
	L(OFF(pvc_request, u.connect.evtchn), 56),
	L(OFF(pvc_request, u.release.id), 8),
	L(OFF(pvc_request, u.release.reuse), 16),
	L(OFF(pvc_request, u.bind.id), 8),
	L(OFF(pvc_request, u.bind.addr), 16),
	L(OFF(pvc_request, u.bind.len), 44),
	L(OFF(pvc_request, u.listen.id), 8),
	L(OFF(pvc_request, u.listen.backlog), 16),
	L(OFF(pvc_request, u.accept.id), 8),
	L(OFF(pvc_request, u.accept.id_new), 16),
	L(OFF(pvc_request, u.accept.ref), 24),
	L(OFF(pvc_request, u.accept.evtchn), 28),
	L(OFF(pvc_request, u.poll.id), 8),
	/* response */
	L(OFF(pvc_response, req_id), 0),
	L(OFF(pvc_response, cmd), 4),
	L(OFF(pvc_response, ret), 8),
	L(OFF(pvc_response, u), 16),
	L(OFF(pvc_response, u.any.id), 16),
	/* indexes page */
	L(OFF(pvc_indexes, in_cons), 0),
	L(OFF(pvc_indexes, in_prod), 4),
	L(OFF(pvc_indexes, in_error), 8),
#ifdef HAVE_NOTIFY
	/* notify-mitigation event indexes, carved from v1 padding */
	L(OFF(pvc_indexes, in_prod_event), 12),
	L(OFF(pvc_indexes, in_cons_event), 16),
	L(OFF(pvc_indexes, out_prod_event), 76),
	L(OFF(pvc_indexes, out_cons_event), 80),
#endif
	L(OFF(pvc_indexes, out_cons), 64),
	L(OFF(pvc_indexes, out_prod), 68),
	L(OFF(pvc_indexes, out_error), 72),
	L(OFF(pvc_indexes, ring_order), 128),
	L(OFF(pvc_indexes, ref), 132),
	L(sizeof(struct pvc_indexes), 132),
};

static const struct {
	const char *name;
	long got, want;
} constants[] = {
	{ "PVC_CMD_SOCKET", PVC_CMD_SOCKET, 0 },
	{ "PVC_CMD_CONNECT", PVC_CMD_CONNECT, 1 },
	{ "PVC_CMD_RELEASE", PVC_CMD_RELEASE, 2 },
	{ "PVC_CMD_BIND", PVC_CMD_BIND, 3 },
	{ "PVC_CMD_LISTEN", PVC_CMD_LISTEN, 4 },
	{ "PVC_CMD_ACCEPT", PVC_CMD_ACCEPT, 5 },
	{ "PVC_CMD_POLL", PVC_CMD_POLL, 6 },
	{ "PVC_PROTOCOL_VERSION", PVC_PROTOCOL_VERSION, 1 },
	{ "PVC_AF_INET", PVC_AF_INET, 2 },
	{ "PVC_SOCK_STREAM", PVC_SOCK_STREAM, 1 },
};

static const struct {
	const char *got, *want;
} xskeys[] = {
	{ PVC_XS_VERSION, "version" },
	{ PVC_XS_RING_REF, "ring-ref" },
	{ PVC_XS_PORT, "port" },
	{ PVC_XS_VERSIONS, "versions" },
	{ PVC_XS_MAX_PAGE_ORDER, "max-page-order" },
	{ PVC_XS_FUNCTION_CALLS, "function-calls" },
};

void test_wire(void)
{
	char name[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		snprintf(name, sizeof(name), "wire_layout %s == %zu",
			 layouts[i].name, layouts[i].want);
		tap_check(layouts[i].got == layouts[i].want, name, "got %zu",
			  layouts[i].got);
	}
	for (i = 0; i < ARRAY_SIZE(constants); i++) {
		snprintf(name, sizeof(name), "wire_const %s == %ld",
			 constants[i].name, constants[i].want);
		tap_check(constants[i].got == constants[i].want, name,
			  "got %ld", constants[i].got);
	}
	for (i = 0; i < ARRAY_SIZE(xskeys); i++) {
		snprintf(name, sizeof(name), "wire_xenstore_key %s",
			 xskeys[i].want);
		tap_check(!strcmp(xskeys[i].got, xskeys[i].want), name, "%s",
			  xskeys[i].got);
	}
}
