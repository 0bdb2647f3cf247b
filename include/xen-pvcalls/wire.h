/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * PV Calls wire format, protocol version 1, as both of our modules speak it.
 *
 * Written from Xen's docs/misc/pvcalls.pandoc.  Where the specification's
 * byte diagram of the indexes page and its C structure disagree, the
 * structure wins: it is what every deployed peer uses.
 *
 * This header compiles in the kernel and in userspace (host unit tests,
 * fuzzers), so it only uses fixed-width types and no kernel helpers.
 * Every field crosses a trust boundary: readers must validate it.
 */
#ifndef XEN_PVCALLS_WIRE_H
#define XEN_PVCALLS_WIRE_H

/* <linux/types.h> gives the __u32 family in the kernel and in userspace. */
#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif
#define PVC_STATIC_ASSERT(c, m)	static_assert(c, m)

/* xenstore keys and values of the v1 handshake */
#define PVC_XS_VERSION		"version"	/* frontend: "1" */
#define PVC_XS_RING_REF		"ring-ref"	/* frontend: command ring */
#define PVC_XS_PORT		"port"		/* frontend: event channel */
#define PVC_XS_VERSIONS		"versions"	/* backend: "1" */
#define PVC_XS_MAX_PAGE_ORDER	"max-page-order" /* backend */
#define PVC_XS_FUNCTION_CALLS	"function-calls" /* backend: "1" */
#define PVC_PROTOCOL_VERSION	1
/* socket-names extension (Documentation/pvcalls.rst): value "1" only */
#define PVC_XS_FEATURE_NAMES	"feature-socket-names"	/* backend offers */
#define PVC_XS_NAMES		"socket-names"		/* frontend accepts */
/* in-order extension (Documentation/pvcalls.rst): backend offers "1" */
#define PVC_XS_FEATURE_IN_ORDER	"feature-in-order"

/*
 * A Linux v1 frontend refuses a backend whose max-page-order is below 4
 * (it maps order-4 data rings by default), so that is our floor too, and
 * the default order of both sides: 16 pages, 32 KiB each way.
 */
#define PVC_MIN_MAX_PAGE_ORDER	4
#define PVC_DEFAULT_RING_ORDER	4
/*
 * The largest order either side handles: the indexes page lists one
 * grant per data page after its first 132 bytes, so it could hold 991;
 * 1 << 9 = 512 pages is the largest power of two that fits, a 1 MiB
 * ring each way.
 */
#define PVC_MAX_RING_ORDER	9

/* Commands (xen_pvcalls_request.cmd) */
#define PVC_CMD_SOCKET		0
#define PVC_CMD_CONNECT		1
#define PVC_CMD_RELEASE		2
#define PVC_CMD_BIND		3
#define PVC_CMD_LISTEN		4
#define PVC_CMD_ACCEPT		5
#define PVC_CMD_POLL		6
#define PVC_CMD_MAX		PVC_CMD_POLL

/* The only socket v1 carries: AF_INET, SOCK_STREAM, protocol 0. */
#define PVC_AF_INET		2
#define PVC_SOCK_STREAM		1
#define PVC_ADDR_MAX		28	/* bytes of addr[] in connect/bind */

/*
 * One command request.  64 bytes on every architecture: the union is
 * padded to 56 bytes.  @req_id is the frontend's own, echoed back; @id
 * names a socket and is chosen by the frontend (an opaque handle, never
 * a pointer).
 */
struct pvc_request {
	__u32 req_id;
	__u32 cmd;
	union {
		struct {
			__u64 id;
			__u32 domain;
			__u32 type;
			__u32 protocol;
		} socket;
		struct {
			__u64 id;
			__u8 addr[PVC_ADDR_MAX];
			__u32 len;
			__u32 flags;
			__u32 ref;	/* grant of the indexes page */
			__u32 evtchn;
		} connect;
		struct {
			__u64 id;
			__u8 reuse;
		} release;
		struct {
			__u64 id;
			__u8 addr[PVC_ADDR_MAX];
			__u32 len;
		} bind;
		struct {
			__u64 id;
			__u32 backlog;
		} listen;
		struct {
			__u64 id;	/* the listening socket */
			__u64 id_new;	/* the accepted socket */
			__u32 ref;
			__u32 evtchn;
		} accept;
		struct {
			__u64 id;
		} poll;
		__u8 dummy[56];
	} u;
};

/* One command response: 24 bytes.  @ret is 0 or a negative errno. */
struct pvc_response {
	__u32 req_id;
	__u32 cmd;
	__s32 ret;
	__u32 pad;
	union {
		struct {
			__u64 id;
		} any;	/* every command echoes the socket id here */
		__u8 dummy[8];
	} u;
};

/*
 * A socket name, filled in by the backend when the socket-names extension
 * is negotiated (Documentation/pvcalls.rst): the fields of a sockaddr_in,
 * port and address in network byte order as in sockaddr_in.
 */
struct pvc_name {
	__u16 family;		/* PVC_AF_INET, or 0: not filled in */
	__u16 port;
	__u32 addr;
};

/*
 * The indexes page of one active socket.  The data ring that follows
 * it is 1 << ring_order pages: the first half is "in" (backend writes,
 * frontend reads), the second half is "out" (frontend writes, backend
 * reads).  Indexes are free-running 32-bit counters; a ring holds at
 * most its size in bytes.  Both *_error fields are written by the backend
 * only: 0, or the negative errno its socket gave reading (in_error) or
 * writing (out_error).  in_error = -ENOTCONN is an orderly end of file.
 * After an error the backend moves no more data in that direction.
 */
struct pvc_indexes {
	__u32 in_cons, in_prod;
	__s32 in_error;
	__u32 in_prod_event;	/* notify-mitigation: frontend writes */
	__u32 in_cons_event;	/* notify-mitigation: backend writes */
	struct pvc_name local_name;	/* socket-names: backend writes */
	struct pvc_name peer_name;	/* socket-names: backend writes */
	__u8 pad1[28];
	__u32 out_cons, out_prod;
	__s32 out_error;
	__u32 out_prod_event;	/* notify-mitigation: backend writes */
	__u32 out_cons_event;	/* notify-mitigation: frontend writes */
	__u8 pad2[44];
	__u32 ring_order;
	__u32 ref[];
};

/*
 * The v1 layout, byte for byte (every deployed peer uses it); the host
 * test tests/host/test_linux_wire.c compares it with Linux's
 * <xen/interface/io/pvcalls.h> too.
 */
#define PVC_ASSERT_AT(type, field, off)					\
	PVC_STATIC_ASSERT(__builtin_offsetof(struct type, field) == (off), \
			  #type "." #field " at " #off)

PVC_STATIC_ASSERT(sizeof(struct pvc_request) == 64, "request is 64 bytes");
PVC_ASSERT_AT(pvc_request, req_id, 0);
PVC_ASSERT_AT(pvc_request, cmd, 4);
PVC_ASSERT_AT(pvc_request, u, 8);
PVC_ASSERT_AT(pvc_request, u.socket.id, 8);
PVC_ASSERT_AT(pvc_request, u.socket.domain, 16);
PVC_ASSERT_AT(pvc_request, u.socket.type, 20);
PVC_ASSERT_AT(pvc_request, u.socket.protocol, 24);
PVC_ASSERT_AT(pvc_request, u.connect.id, 8);
PVC_ASSERT_AT(pvc_request, u.connect.addr, 16);
PVC_ASSERT_AT(pvc_request, u.connect.len, 44);
PVC_ASSERT_AT(pvc_request, u.connect.flags, 48);
PVC_ASSERT_AT(pvc_request, u.connect.ref, 52);
PVC_ASSERT_AT(pvc_request, u.connect.evtchn, 56);
PVC_ASSERT_AT(pvc_request, u.release.id, 8);
PVC_ASSERT_AT(pvc_request, u.release.reuse, 16);
PVC_ASSERT_AT(pvc_request, u.bind.id, 8);
PVC_ASSERT_AT(pvc_request, u.bind.addr, 16);
PVC_ASSERT_AT(pvc_request, u.bind.len, 44);
PVC_ASSERT_AT(pvc_request, u.listen.id, 8);
PVC_ASSERT_AT(pvc_request, u.listen.backlog, 16);
PVC_ASSERT_AT(pvc_request, u.accept.id, 8);
PVC_ASSERT_AT(pvc_request, u.accept.id_new, 16);
PVC_ASSERT_AT(pvc_request, u.accept.ref, 24);
PVC_ASSERT_AT(pvc_request, u.accept.evtchn, 28);
PVC_ASSERT_AT(pvc_request, u.poll.id, 8);
PVC_STATIC_ASSERT(sizeof(struct pvc_response) == 24, "response is 24 bytes");
PVC_ASSERT_AT(pvc_response, req_id, 0);
PVC_ASSERT_AT(pvc_response, cmd, 4);
PVC_ASSERT_AT(pvc_response, ret, 8);
/* socket-names: the port a BIND got, in v1's padding */
PVC_ASSERT_AT(pvc_response, pad, 12);
PVC_ASSERT_AT(pvc_response, u.any.id, 16);
PVC_ASSERT_AT(pvc_indexes, in_cons, 0);
PVC_ASSERT_AT(pvc_indexes, in_prod, 4);
PVC_ASSERT_AT(pvc_indexes, in_error, 8);
PVC_ASSERT_AT(pvc_indexes, out_cons, 64);
PVC_ASSERT_AT(pvc_indexes, out_prod, 68);
PVC_ASSERT_AT(pvc_indexes, out_error, 72);
PVC_ASSERT_AT(pvc_indexes, ring_order, 128);
PVC_ASSERT_AT(pvc_indexes, ref, 132);
/* the extensions' fields, carved from v1's padding (pvcalls.rst) */
PVC_ASSERT_AT(pvc_indexes, in_prod_event, 12);
PVC_ASSERT_AT(pvc_indexes, in_cons_event, 16);
PVC_ASSERT_AT(pvc_indexes, local_name, 20);
PVC_ASSERT_AT(pvc_indexes, peer_name, 28);
PVC_STATIC_ASSERT(28 + sizeof(struct pvc_name) <= 64, "names end in pad1");
PVC_ASSERT_AT(pvc_indexes, out_prod_event, 76);
PVC_ASSERT_AT(pvc_indexes, out_cons_event, 80);
PVC_STATIC_ASSERT(132 + (4 << PVC_MAX_RING_ORDER) <= 4096,
		  "the refs of the largest ring fit in the indexes page");

#ifdef __KERNEL__
#include <xen/interface/io/ring.h>

/* The command ring: struct pvc_sring, pvc_front_ring and pvc_back_ring. */
DEFINE_RING_TYPES(pvc, struct pvc_request, struct pvc_response);
#endif

#endif /* XEN_PVCALLS_WIRE_H */
