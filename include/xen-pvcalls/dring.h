/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Index arithmetic of a PV Calls data ring, shared by frontend, backend
 * and the host-side unit tests and fuzzers (it compiles in userspace).
 *
 * A direction of the ring ("in" or "out") is a byte array of @size bytes,
 * a power of two, with free-running 32-bit producer and consumer indexes.
 * The bytes queued are prod - cons (mod 2^32); a well-behaved peer never
 * lets that exceed @size.  The index the peer owns is read from shared
 * memory and may be anything, so every helper here that takes one also
 * says whether it is possible; callers treat an impossible index as a
 * protocol error of that socket (EIO in the frontend, socket dropped in
 * the backend), never as data.
 *
 * No memory barriers live here: the callers own the ordering, next to
 * the shared-memory accesses it orders.
 */
#ifndef XEN_PVCALLS_DRING_H
#define XEN_PVCALLS_DRING_H

#include "wire.h"

#define PVC_XEN_PAGE_SHIFT	12

/* Bytes of one direction for a data ring of 1 << @order pages. */
static inline __u32 pvc_ring_size(__u32 order)
{
	return (1U << (order + PVC_XEN_PAGE_SHIFT)) / 2;
}

/*
 * The order of ring a socket buffer of @bytes asks for: the smallest
 * whose pages hold @bytes (the doubled SO_SNDBUF/SO_RCVBUF value Linux
 * stores, so that each direction holds what the user gave), or @dflt for
 * 0; at least 1, at most @max and PVC_MAX_RING_ORDER.
 */
static inline __u32 pvc_ring_order_for(__u32 bytes, __u32 dflt, __u32 max)
{
	__u32 order = dflt;

	if (bytes) {
		order = 1;
		while (order < PVC_MAX_RING_ORDER &&
		       (1ULL << (order + PVC_XEN_PAGE_SHIFT)) < bytes)
			order++;
	}
	if (order > max)
		order = max;
	if (order > PVC_MAX_RING_ORDER)
		order = PVC_MAX_RING_ORDER;
	return order ? order : 1;
}

static inline __u32 pvc_ring_mask(__u32 idx, __u32 size)
{
	return idx & (size - 1);
}

/*
 * Bytes a consumer may read.  Returns 0 and sets *avail, or -1 when
 * @prod is more than a ring ahead of @cons (impossible from an honest
 * producer).
 */
static inline int pvc_ring_readable(__u32 prod, __u32 cons, __u32 size,
				    __u32 *avail)
{
	__u32 queued = prod - cons;

	if (queued > size)
		return -1;
	*avail = queued;
	return 0;
}

/*
 * Bytes a producer may write.  Returns 0 and sets *space, or -1 when the
 * peer's @cons is ahead of @prod or more than a ring behind it.
 */
static inline int pvc_ring_writable(__u32 prod, __u32 cons, __u32 size,
				    __u32 *space)
{
	__u32 queued = prod - cons;

	if (queued > size)
		return -1;
	*space = size - queued;
	return 0;
}

/*
 * A run of @len bytes starting at free-running index @idx lies in at most
 * two contiguous pieces of the array: [off[0], off[0] + len[0]) and, when
 * it wraps, [0, len[1]).  @len must not exceed @size.
 */
struct pvc_ring_span {
	__u32 off[2];
	__u32 len[2];
};

static inline void pvc_ring_span(__u32 idx, __u32 len, __u32 size,
				 struct pvc_ring_span *s)
{
	__u32 off = pvc_ring_mask(idx, size);
	__u32 first = size - off;

	if (first > len)
		first = len;
	s->off[0] = off;
	s->len[0] = first;
	s->off[1] = 0;
	s->len[1] = len - first;
}

#endif /* XEN_PVCALLS_DRING_H */
