// SPDX-License-Identifier: GPL-2.0
/*
 * Exhaustive checks of the data ring index arithmetic on small rings:
 * every producer/consumer distance in a window of several rings around
 * index 0 (where the free-running 32-bit counters wrap) and around
 * 2^31, plus random full-range indexes.  The oracle is the plain
 * definition: bytes queued = prod - cons in 64-bit signed arithmetic
 * after unwrapping, valid only when 0 <= queued <= size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <xen-pvcalls/dring.h>
#include "host.h"

static const uint32_t sizes[] = { 1, 2, 4, 8, 16, 32, 64, 4096 };
#define NSIZES (ARRAY_SIZE(sizes))

/* Consumer indexes to start from: both sides of the 2^32 wrap and 2^31. */
static const uint32_t bases[] = { 0, 0x80000000u, 0xffffffffu };

static char why[200];

/* Check readable/writable for one (cons, delta) pair. Returns 0 if right. */
static int check_pair(uint32_t size, uint32_t cons, int64_t delta)
{
	uint32_t prod = cons + (uint32_t)delta;
	uint32_t avail = 0xdeadbeef, space = 0xdeadbeef;
	int rr = pvc_ring_readable(prod, cons, size, &avail);
	int rw = pvc_ring_writable(prod, cons, size, &space);
	int valid = delta >= 0 && delta <= (int64_t)size;

	if (valid) {
		if (rr != 0 || avail != (uint32_t)delta) {
			snprintf(why, sizeof(why),
				 "readable(prod=%u cons=%u size=%u) = %d avail %u, want 0 avail %lld",
				 prod, cons, size, rr, avail, (long long)delta);
			return -1;
		}
		if (rw != 0 || space != size - (uint32_t)delta) {
			snprintf(why, sizeof(why),
				 "writable(prod=%u cons=%u size=%u) = %d space %u, want 0 space %lld",
				 prod, cons, size, rw, space,
				 (long long)(size - delta));
			return -1;
		}
	} else if (rr != -1 || rw != -1) {
		snprintf(why, sizeof(why),
			 "impossible prod=%u cons=%u size=%u (distance %lld) accepted: readable %d writable %d",
			 prod, cons, size, (long long)delta, rr, rw);
		return -1;
	}
	return 0;
}

/* Every distance from -3 rings to +4 rings, cons at every offset of a
 * window of 8 rings straddling each base.
 */
static void test_index_window(uint32_t size)
{
	int64_t delta, off;
	size_t b;
	int bad = 0;
	char name[96];

	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (off = -4 * (int64_t)size; off <= 4 * (int64_t)size && !bad;
		     off++)
			for (delta = -3 * (int64_t)size;
			     delta <= 4 * (int64_t)size; delta++)
				if (check_pair(size, bases[b] + (uint32_t)off,
					       delta)) {
					bad = 1;
					break;
				}
	snprintf(name, sizeof(name),
		 "dring_readable_writable_every_offset_and_wrap size=%u", size);
	tap_check(!bad, name, "%s", why);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, good enough for test inputs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static void test_index_random(void)
{
	int i, bad = 0;

	for (i = 0; i < 2000000 && !bad; i++) {
		uint32_t size = sizes[rnd() % NSIZES];
		uint32_t cons = (uint32_t)rnd();
		/* half the draws near the ring, half anywhere in 2^32 */
		uint32_t dist = (i & 1) ? (uint32_t)(rnd() % (3 * (uint64_t)size))
				       : (uint32_t)rnd();
		uint32_t prod = cons + dist;
		uint32_t a, sp;

		if (dist <= size) {
			bad = check_pair(size, cons, dist) != 0;
		} else if (pvc_ring_readable(prod, cons, size, &a) != -1 ||
			   pvc_ring_writable(prod, cons, size, &sp) != -1) {
			snprintf(why, sizeof(why),
				 "impossible prod=%u cons=%u size=%u accepted",
				 prod, cons, size);
			bad = 1;
		}
	}
	tap_check(!bad, "dring_random_full_range_indexes", "%s", why);
}

static void test_sizes(void)
{
	static const uint32_t want[] = { 2048, 4096, 8192, 16384, 32768, 65536,
					 131072, 262144, 524288, 1048576 };
	uint32_t order;
	char name[64];

	for (order = 0; order <= PVC_MAX_RING_ORDER; order++) {
		snprintf(name, sizeof(name), "dring_size order=%u == %u", order,
			 want[order]);
		tap_check(pvc_ring_size(order) == want[order], name, "got %u",
			  pvc_ring_size(order));
	}
}

/* SO_SNDBUF/SO_RCVBUF as Linux stores them -> ring order. */
static void test_order_for(void)
{
	static const struct {
		uint32_t bytes, dflt, max, want;
	} c[] = {
		{ 0, 4, 9, 4 },		/* no buffer set: the default */
		{ 0, 4, 2, 2 },		/* ... within the backend's offer */
		{ 0, 0, 9, 1 },
		{ 1, 4, 9, 1 },		/* a tiny buffer: the smallest ring */
		{ 4608, 4, 9, 1 },	/* SO_SNDBUF 2304 (the minimum) */
		{ 8192, 4, 9, 1 },	/* 4 KiB each way */
		{ 8193, 4, 9, 2 },
		{ 65536, 4, 9, 4 },	/* 32 KiB asked: the default ring */
		{ 425984, 4, 9, 7 },	/* 208 KiB (wmem_max) asked */
		{ 2097152, 4, 9, 9 },	/* 1 MiB asked: 1 MiB each way */
		{ 2097153, 4, 9, 9 },	/* more: the largest ring */
		{ 0x7fffffff, 4, 9, 9 },
		{ 0xffffffff, 4, 9, 9 },
		{ 2097152, 4, 4, 4 },	/* a backend offering 4 */
		{ 2097152, 4, 40, 9 },	/* an offer beyond the wire's */
		{ 0, 12, 40, 9 },
	};
	unsigned int i;
	int bad = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]) && !bad; i++) {
		uint32_t o = pvc_ring_order_for(c[i].bytes, c[i].dflt, c[i].max);

		if (o != c[i].want) {
			snprintf(why, sizeof(why),
				 "%u bytes, default %u, max %u: order %u, want %u",
				 c[i].bytes, c[i].dflt, c[i].max, o, c[i].want);
			bad = 1;
		}
	}
	for (i = 1; i <= 0x10000000u && !bad; i = i * 3 + 1) {
		uint32_t o = pvc_ring_order_for(i, 4, 9);

		/* the ring holds the buffer unless the largest is too small */
		if ((o < 9 && (4096u << o) < i) ||
		    (o > 1 && (4096u << (o - 1)) >= i)) {
			snprintf(why, sizeof(why), "%u bytes: order %u", i, o);
			bad = 1;
		}
	}
	tap_check(!bad, "dring_order_for_socket_buffer", "%s", why);
}

/* A span must map byte k of the run to array offset (idx + k) % size. */
static int check_span(uint32_t size, uint32_t idx, uint32_t len, int bytes)
{
	struct pvc_ring_span s;
	uint32_t k;

	pvc_ring_span(idx, len, size, &s);
	if (s.len[0] > len || s.len[1] > len ||
	    s.len[0] + s.len[1] != len || s.off[0] >= size || s.off[1] != 0 ||
	    s.off[0] + s.len[0] > size ||
	    (s.len[1] && s.off[0] + s.len[0] != size)) {
		snprintf(why, sizeof(why),
			 "span(idx=%u len=%u size=%u) = [%u,+%u) [%u,+%u)",
			 idx, len, size, s.off[0], s.len[0], s.off[1],
			 s.len[1]);
		return -1;
	}
	for (k = 0; bytes && k < len; k++) {
		uint32_t at = k < s.len[0] ? s.off[0] + k : s.off[1] + k - s.len[0];

		if (at != (uint32_t)(idx + k) % size) {
			snprintf(why, sizeof(why),
				 "span(idx=%u len=%u size=%u): byte %u at %u, want %u",
				 idx, len, size, k, at, (idx + k) % size);
			return -1;
		}
	}
	return 0;
}

static void test_span(uint32_t size)
{
	int64_t off;
	uint32_t len;
	size_t b;
	int bad = 0;
	char name[96];

	for (b = 0; b < ARRAY_SIZE(bases) && !bad; b++)
		for (off = -2 * (int64_t)size; off <= 2 * (int64_t)size && !bad;
		     off++)
			for (len = 0; len <= size; len++)
				if (check_span(size, bases[b] + (uint32_t)off,
					       len, size <= 64)) {
					bad = 1;
					break;
				}
	snprintf(name, sizeof(name), "dring_span_every_offset_and_length size=%u",
		 size);
	tap_check(!bad, name, "%s", why);
}

void test_dring(void)
{
	size_t i;

	test_sizes();
	test_order_for();
	for (i = 0; i < NSIZES; i++)
		if (sizes[i] <= 64)
			test_index_window(sizes[i]);
	test_index_random();
	for (i = 0; i < NSIZES; i++)
		if (sizes[i] <= 64)
			test_span(sizes[i]);
	/* a real ring size: every offset and length, boundaries only */
	test_span(4096);
}
