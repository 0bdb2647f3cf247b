/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Decisions of the PV Calls notify-mitigation extension, shared by the
 * frontend, the backend and the userspace tests (it compiles in both).
 * Documentation/notify-mitigation.rst is the specification.
 *
 * Each direction of a data ring gets two event indexes in the padding of
 * the indexes page, in the style of Xen's ring.h req_event/rsp_event:
 *
 *   *_prod_event  written by the consumer: "send me an event when prod
 *                 reaches this value" (it waits for data),
 *   *_cons_event  written by the producer: "send me an event when cons
 *                 reaches this value" (it waits for space).
 *
 * A side writes its event index only before it waits, so a peer that
 * keeps moving data sends no events at all.  The decision after moving an
 * index is pvc_notify_crossed().
 *
 * As in dring.h, no barriers live here: the callers own the ordering.
 * The pattern, with the barrier pairs named as in the specification:
 *
 *   producer publishes:  store prod; virt_mb() [P1]; load prod_event;
 *                        signal if pvc_notify_producer_must_signal()
 *   consumer waits:      store prod_event; virt_mb() [C2]; reload prod
 *                        and error; sleep only if still not enough
 *   consumer consumes:   store cons; virt_mb() [C1]; load cons_event;
 *                        signal if pvc_notify_consumer_must_signal()
 *   producer waits:      store cons_event; virt_mb() [P2]; reload cons
 *                        (and out_error); sleep only if still no space
 *
 * P1 pairs with C2, C1 with P2.  Whoever stores an *_error field sends
 * an event afterwards, always.  A side with several waiters per
 * direction arms "next byte" under a lock and follows the rules of
 * "Several waiters on one side" (pvc_notify_reached()).
 */
#ifndef XEN_PVCALLS_NOTIFY_H
#define XEN_PVCALLS_NOTIFY_H

#include "wire.h"

#ifndef __KERNEL__
#include <stdbool.h>
#endif

/* xenstore: the backend offers, the frontend accepts; value "1" only */
#define PVC_XS_FEATURE_NOTIFY	"feature-notify-mitigation" /* backend */
#define PVC_XS_NOTIFY		"notify-mitigation"	/* frontend */
#define PVC_NOTIFY_VERSION	1

/*
 * The event indexes are fields of struct pvc_indexes (wire.h), carved
 * from the padding that v1 peers neither read nor write.
 */
#define PVC_NOTIFY_IN_PROD_EVENT \
	__builtin_offsetof(struct pvc_indexes, in_prod_event)	/* frontend */
#define PVC_NOTIFY_IN_CONS_EVENT \
	__builtin_offsetof(struct pvc_indexes, in_cons_event)	/* backend */
#define PVC_NOTIFY_OUT_PROD_EVENT \
	__builtin_offsetof(struct pvc_indexes, out_prod_event)	/* backend */
#define PVC_NOTIFY_OUT_CONS_EVENT \
	__builtin_offsetof(struct pvc_indexes, out_cons_event)	/* frontend */

/*
 * The event index at byte offset @off of an indexes page (4-byte
 * aligned).  Access it with READ_ONCE()/WRITE_ONCE() like the other
 * shared indexes.
 */
static inline __u32 *pvc_notify_field(struct pvc_indexes *ix,
				      unsigned int off)
{
	return (__u32 *)((__u8 *)ix + off);
}

/*
 * Did moving an index from @old to @new reach @event, i.e. is @event in
 * (old, new] modulo 2^32?  A stale @event (already passed) gives false;
 * after 2^32 bytes it may give one spurious true, which is harmless.
 */
static inline bool pvc_notify_crossed(__u32 old, __u32 new, __u32 event)
{
	return (__u32)(new - event) < (__u32)(new - old);
}

/*
 * Has free-running index @idx reached @armed (within 2^31 behind or
 * ahead)?  For a side with several waiters: when the fresh peer index
 * has reached the index armed before, wake all local waiters before
 * arming again (see "Several waiters on one side").
 */
static inline bool pvc_notify_reached(__u32 idx, __u32 armed)
{
	return (__s32)(idx - armed) >= 0;
}

/*
 * Clamp a byte count a waiter asks for to 1..@size / 2.  A consumer that
 * waits for "need" queued bytes and a producer that waits for "want"
 * free bytes can both be unsatisfied only if need + want > size + 1; with
 * both at most half the ring they never wait for each other.
 */
static inline __u32 pvc_notify_clamp(__u32 bytes, __u32 size)
{
	if (bytes == 0)
		return 1;
	return bytes > size / 2 ? size / 2 : bytes;
}

/*
 * Value a consumer stores in *_prod_event before it waits for @need
 * bytes to be queued (more than one for MSG_PEEK | MSG_WAITALL,
 * SO_RCVLOWAT and the like; clamped to 1..size / 2, so a bigger wish
 * wakes the consumer with half a ring, and it returns what is there).
 */
static inline __u32 pvc_notify_prod_event(__u32 cons, __u32 need,
					  __u32 size)
{
	return cons + pvc_notify_clamp(need, size);
}

/*
 * Value a producer stores in *_cons_event before it waits for @want
 * bytes of free space (clamped to 1..size / 2): space >= want once
 * cons >= prod - size + want.  A producer waits only when it cannot
 * write at all; @want > 1 only batches its wake-ups.
 */
static inline __u32 pvc_notify_cons_event(__u32 prod, __u32 want,
					  __u32 size)
{
	return prod - size + pvc_notify_clamp(want, size);
}

/*
 * Producer, after moving prod from @old_prod to @new_prod, virt_mb() [P1]
 * and reading the consumer's @prod_event: is the consumer waiting for
 * bytes this publication provides?
 */
static inline bool pvc_notify_consumer_wants_event(__u32 old_prod,
						   __u32 new_prod,
						   __u32 prod_event)
{
	return pvc_notify_crossed(old_prod, new_prod, prod_event);
}

/*
 * Consumer, after moving cons from @old_cons to @new_cons, virt_mb() [C1]
 * and reading the producer's @cons_event: is the producer waiting for
 * the space this consumption frees?
 */
static inline bool pvc_notify_producer_wants_event(__u32 old_cons,
						   __u32 new_cons,
						   __u32 cons_event)
{
	return pvc_notify_crossed(old_cons, new_cons, cons_event);
}

/*
 * Must the producer send an event after publishing?  Always in v1
 * (@mitigate false); with the extension only when the consumer asked.
 */
static inline bool pvc_notify_producer_must_signal(bool mitigate,
						   __u32 old_prod,
						   __u32 new_prod,
						   __u32 prod_event)
{
	return !mitigate ||
	       pvc_notify_consumer_wants_event(old_prod, new_prod,
					       prod_event);
}

/* Must the consumer send an event after consuming?  As above. */
static inline bool pvc_notify_consumer_must_signal(bool mitigate,
						   __u32 old_cons,
						   __u32 new_cons,
						   __u32 cons_event)
{
	return !mitigate ||
	       pvc_notify_producer_wants_event(old_cons, new_cons,
					       cons_event);
}

#endif /* XEN_PVCALLS_NOTIFY_H */
