// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-in/copy-out simulation over tiny rings: a producer writes a
 * pseudo-random byte stream in random-sized pieces, a consumer reads it
 * in other random-sized pieces, both using only the shared helpers
 * (writable/readable/span) as the modules do.  Indexes start just below
 * 2^32 so the free-running counters wrap during the run.  The stream is
 * verified by an FNV-1a hash of everything sent against everything
 * received, and byte by byte against the generator.
 */
#include <stdint.h>
#include <string.h>
#include <xen-pvcalls/dring.h>
#include "host.h"

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t seed;

static uint32_t rnd32(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(seed >> 33);
}

/* Byte @i of the stream: depends on i in a non-periodic way. */
static uint8_t stream_byte(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ull;

	return (uint8_t)((x >> 29) ^ (x >> 47) ^ i);
}

static int simulate(uint32_t size, uint32_t start, uint64_t total,
		    char *why, size_t whylen)
{
	uint8_t ring[64], buf[64];
	uint32_t prod = start, cons = start;
	uint64_t sent = 0, got = 0, hs = 0xcbf29ce484222325ull, hr = hs;
	struct pvc_ring_span sp;
	uint32_t room, avail, n, k;
	int spin = 0;

	memset(ring, 0xaa, sizeof(ring));
	while (got < total) {
		if (++spin > 100000000) {
			snprintf(why, whylen, "no progress");
			return -1;
		}
		/* producer: a random-sized write, at most what fits */
		if (pvc_ring_writable(prod, cons, size, &room)) {
			snprintf(why, whylen, "writable rejected prod=%u cons=%u",
				 prod, cons);
			return -1;
		}
		n = rnd32() % (size + 1);
		if (n > room)
			n = room;
		if (n > total - sent)
			n = (uint32_t)(total - sent);
		for (k = 0; k < n; k++)
			buf[k] = stream_byte(sent + k);
		pvc_ring_span(prod, n, size, &sp);
		memcpy(ring + sp.off[0], buf, sp.len[0]);
		memcpy(ring + sp.off[1], buf + sp.len[0], sp.len[1]);
		hs = fnv(hs, buf, n);
		sent += n;
		prod += n;

		/* consumer: a random-sized read, at most what is queued */
		if (pvc_ring_readable(prod, cons, size, &avail)) {
			snprintf(why, whylen, "readable rejected prod=%u cons=%u",
				 prod, cons);
			return -1;
		}
		n = rnd32() % (size + 1);
		if (n > avail)
			n = avail;
		pvc_ring_span(cons, n, size, &sp);
		memcpy(buf, ring + sp.off[0], sp.len[0]);
		memcpy(buf + sp.len[0], ring + sp.off[1], sp.len[1]);
		for (k = 0; k < n; k++)
			if (buf[k] != stream_byte(got + k)) {
				snprintf(why, whylen,
					 "byte %llu: got %#x want %#x",
					 (unsigned long long)(got + k), buf[k],
					 stream_byte(got + k));
				return -1;
			}
		hr = fnv(hr, buf, n);
		got += n;
		cons += n;
	}
	if (hs != hr) {
		snprintf(why, whylen, "hash sent %016llx received %016llx",
			 (unsigned long long)hs, (unsigned long long)hr);
		return -1;
	}
	return 0;
}

void test_copy(void)
{
	static const uint32_t sizes[] = { 1, 2, 4, 8, 16, 32, 64 };
	static const uint32_t starts[] = { 0, 0xffffff00u, 0xfffffff9u };
	char name[128], why[160];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < ARRAY_SIZE(starts); j++) {
			seed = 1000 * i + j + 1;
			why[0] = 0;
			snprintf(name, sizeof(name),
				 "copy_sim_random_sizes_hash size=%u start=%#x",
				 sizes[i], starts[j]);
			tap_check(!simulate(sizes[i], starts[j], 200000, why,
					     sizeof(why)), name, "%s", why);
		}
}
