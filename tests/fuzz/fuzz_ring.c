// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the data ring index arithmetic
 * (include/xen-pvcalls/dring.h and notify.h, the headers both modules
 * use) and of the ring_order check that guards it (backend/validate.c).
 *
 * The input is a ring order from an indexes page, then steps of 9 bytes:
 * an operation and two 32-bit values a hostile peer controls.  We play
 * the backend's side: we own in_prod and out_cons, the peer writes
 * in_cons and out_prod.  Each ring direction is a heap block of exactly
 * its size, and every byte the helpers say we may touch is touched, so
 * AddressSanitizer reports any access a forged index could steer out of
 * the ring.  Invariants checked:
 *   - only orders 1..max are accepted, and their size is a power of two
 *     no larger than 8 pages;
 *   - an accepted peer index never yields more readable or writable
 *     bytes than the ring holds, and readable + writable == size;
 *   - spans of an accepted length stay in the ring and never overlap;
 *   - what an honest producer writes comes out unchanged and in order;
 *   - the notify-mitigation decisions match their definitions.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen-pvcalls/dring.h>
#include <xen-pvcalls/notify.h>
#include "validate.h"

#define MUST(c)	do { if (!(c)) { \
	fprintf(stderr, "invariant broken: %s (line %d)\n", #c, __LINE__); \
	abort(); } } while (0)

struct side {
	uint8_t *in, *out;	/* the two directions, exactly size bytes */
	uint8_t *fifo;		/* the honest pair's ring, as big */
	uint32_t size;
	uint32_t in_prod;	/* ours */
	uint32_t out_cons;	/* ours */
	uint32_t peer_in_cons;	/* last accepted peer index */
	/* an honest producer/consumer pair on fifo[] */
	uint32_t h_prod, h_cons;
	uint8_t h_next_w, h_next_r;
};

static uint32_t get32(const uint8_t **p, size_t *n)
{
	uint32_t v = 0;
	size_t k = *n < 4 ? *n : 4;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

/* Every byte of a span of @len at @idx, checked and touched. */
static void touch_span(uint8_t *ring, uint32_t size, uint32_t idx,
		       uint32_t len, int write, uint8_t *val, int verify)
{
	struct pvc_ring_span sp;
	int piece;
	uint32_t i;

	MUST(len <= size);
	pvc_ring_span(idx, len, size, &sp);
	MUST(sp.len[0] + sp.len[1] == len);
	MUST(sp.off[0] < size);
	MUST(sp.off[0] == (idx & (size - 1)));
	MUST(sp.len[0] <= size - sp.off[0]);
	MUST(sp.off[1] == 0);
	/* the wrapped piece ends before the first starts: no overlap */
	MUST(sp.len[1] == 0 || sp.len[1] <= sp.off[0]);
	for (piece = 0; piece < 2; piece++)
		for (i = 0; i < sp.len[piece]; i++) {
			uint8_t *b = &ring[sp.off[piece] + i];

			if (write) {
				*b = (*val)++;
			} else if (verify) {
				MUST(*b == *val);
				(*val)++;
			} else {
				*val ^= *b;
			}
		}
}

/* out direction: the peer publishes out_prod, we consume. */
static void step_out(struct side *s, uint32_t peer_prod, uint32_t want)
{
	uint32_t avail = 0xdeadbeef, space = 0, n;
	uint8_t sink = 0;

	if (pvc_ring_readable(peer_prod, s->out_cons, s->size, &avail)) {
		/* rejected: it must be more than a ring ahead */
		MUST((uint32_t)(peer_prod - s->out_cons) > s->size);
		MUST(pvc_ring_writable(peer_prod, s->out_cons, s->size,
				       &space) == -1);
		return;
	}
	MUST(avail <= s->size);
	MUST(avail == (uint32_t)(peer_prod - s->out_cons));
	MUST(!pvc_ring_writable(peer_prod, s->out_cons, s->size, &space));
	MUST(avail + space == s->size);
	n = avail ? want % (avail + 1) : 0;
	touch_span(s->out, s->size, s->out_cons, n, 0, &sink, 0);
	s->out_cons += n;
}

/* in direction: the peer publishes in_cons, we produce. */
static void step_in(struct side *s, uint32_t peer_cons, uint32_t want)
{
	uint32_t space = 0xdeadbeef, avail = 0, n;
	uint8_t v = 0x5a;

	if (pvc_ring_writable(s->in_prod, peer_cons, s->size, &space)) {
		/* ahead of us, or more than a ring behind */
		MUST((uint32_t)(s->in_prod - peer_cons) > s->size);
		return;
	}
	MUST(space <= s->size);
	MUST(!pvc_ring_readable(s->in_prod, peer_cons, s->size, &avail));
	MUST(avail + space == s->size);
	n = space ? want % (space + 1) : 0;
	touch_span(s->in, s->size, s->in_prod, n, 1, &v, 0);
	s->in_prod += n;
	s->peer_in_cons = peer_cons;
	/* after our write the ring still holds at most its size */
	MUST((uint32_t)(s->in_prod - s->peer_in_cons) <= s->size);
}

/* An honest producer and consumer, both ours: FIFO order is kept. */
static void step_fifo(struct side *s, uint32_t wlen, uint32_t rlen)
{
	uint32_t space, avail;

	MUST(!pvc_ring_writable(s->h_prod, s->h_cons, s->size, &space));
	wlen = space ? wlen % (space + 1) : 0;
	touch_span(s->fifo, s->size, s->h_prod, wlen, 1, &s->h_next_w, 0);
	s->h_prod += wlen;
	MUST(!pvc_ring_readable(s->h_prod, s->h_cons, s->size, &avail));
	MUST(avail <= s->size);
	rlen = avail ? rlen % (avail + 1) : 0;
	touch_span(s->fifo, s->size, s->h_cons, rlen, 0, &s->h_next_r, 1);
	s->h_cons += rlen;
}

/* notify.h decisions against their definitions. */
static void step_notify(uint32_t size, uint32_t a, uint32_t b)
{
	uint32_t old = a, new = a + (b & 0xffff), event = a + (b >> 16) - 8;
	uint32_t d_new = new - old, d_ev = event - old, c, ev, space;
	int want = d_ev != 0 && d_ev <= d_new;

	MUST(pvc_notify_crossed(old, new, event) == want);
	MUST(pvc_notify_crossed(a, b, b) == (a != b));
	MUST(!pvc_notify_crossed(a, a, b));
	MUST(pvc_notify_reached(a, b) == ((int32_t)(a - b) >= 0));
	MUST(pvc_notify_producer_must_signal(false, a, b, event));
	MUST(pvc_notify_consumer_must_signal(true, old, new, event) == want);

	c = pvc_notify_clamp(b, size);
	MUST(c >= 1 && c <= size / 2);
	MUST(b < 1 || b > size / 2 || c == b);

	/* a consumer waiting for b bytes is woken when they are queued */
	ev = pvc_notify_prod_event(a, b, size);
	MUST(ev - a == c);
	/* a producer waiting for b bytes of space: there when cons = ev */
	ev = pvc_notify_cons_event(a, b, size);
	MUST(!pvc_ring_writable(a, ev, size, &space));
	MUST(space == c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct side s;
	uint32_t order, max, a, b;
	uint8_t op;

	if (size < 2)
		return -1;
	order = data[0];
	max = data[1];
	data += 2;
	size -= 2;
	if (pvcb_check_ring_order(order, max)) {
		MUST(order < 1 || order > max || order > PVC_MAX_RING_ORDER);
		return 0;
	}
	MUST(order >= 1 && order <= PVC_MAX_RING_ORDER && order <= max);

	memset(&s, 0, sizeof(s));
	s.size = pvc_ring_size(order);
	MUST(s.size && !(s.size & (s.size - 1)));
	MUST(s.size * 2 == (1u << order) * 4096u);
	s.in = malloc(s.size);
	s.out = malloc(s.size);
	s.fifo = malloc(s.size);
	if (!s.in || !s.out || !s.fifo)
		abort();
	memset(s.out, 0x33, s.size);
	/* free-running counters start anywhere, as a peer's do */
	s.in_prod = s.peer_in_cons = get32(&data, &size);
	s.out_cons = get32(&data, &size);
	s.h_prod = s.h_cons = s.out_cons ^ s.in_prod;

	while (size >= 9) {
		op = data[0];
		data++;
		size--;
		a = get32(&data, &size);
		b = get32(&data, &size);
		switch (op % 4) {
		case 0:
			step_out(&s, a, b);
			break;
		case 1:
			step_in(&s, a, b);
			break;
		case 2:
			step_fifo(&s, a, b);
			break;
		default:
			step_notify(s.size, a, b);
			break;
		}
	}
	free(s.in);
	free(s.out);
	free(s.fifo);
	return 0;
}
