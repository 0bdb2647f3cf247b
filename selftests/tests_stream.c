// SPDX-License-Identifier: GPL-2.0
/*
 * The GiB streams: opt.stream bytes (1 GiB unless told)
 * one way over one connection, written in sizes from 1 byte to 1 MiB
 * and read in sizes from 1 byte to 1 MiB (the guest's reads below two
 * rings, see below), both drawn log-uniform (an octave 0..20 at random,
 * then a size within it) from a seed that the guest picks and prints,
 * so a failing run can be repeated with --seed.  With 8 writes per
 * octave or more, every octave must have been written.
 *
 * The receiver checks every byte against the pattern as it arrives and
 * both sides hash the stream; the hashes must match, and the receiver
 * must see EOF right after the last byte.  The guest prints the
 * throughput, the write sizes used and, going guest to dom0, how many
 * distinct ring offsets a write started at and ran over the ring's end.
 *
 * Ring wrap at every offset, dom0 to guest: a stream of B bytes passes
 * the end of an R-byte ring B/R times, and 1 GiB is exactly R times R
 * for the 32 KiB ring of an order-4 socket, so each pass can wrap at its
 * own offset.  The guest's reads arrange it: the frontend copies a
 * recv() out of the ring in one piece from its consumer index, so for
 * pass j the guest reads up to R - s_j bytes before the end, waits
 * (SO_RCVLOWAT, poll, then SIOCINQ: a low-water mark counts only up to
 * half the ring) until s_j + 1 bytes are there and reads at least that
 * much in one call: a copy that starts s_j bytes before the end and
 * runs over it.  s_j runs over a seeded permutation of 1..R-1, and
 * every offset must have been covered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "common.h"
#include "tests.h"

#define OCTAVES	21		/* sizes 2^0 .. 2^20 */
#define MAX_IO	(1u << 20)

/* xorshift64*: the size sequence of a seed, on both sides alike */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void rng_init(uint64_t *s, uint64_t seed, uint64_t stream)
{
	*s = (seed ^ (stream * 0x9e3779b97f4a7c15ull)) | 1;
}

/* A size in [2^k, 2^(k+1)) for a random octave k, and exactly 1 MiB at
 * the top one: every octave is as likely, so 1-byte writes are as
 * common as 512 KiB ones.
 */
static size_t rnd_size(uint64_t *s)
{
	uint64_t r = rng_next(s);
	int k = (int)(r % OCTAVES);

	if (k == OCTAVES - 1)
		return MAX_IO;
	return ((size_t)1 << k) + (size_t)((r >> 8) % ((uint64_t)1 << k));
}

struct stream_fig {
	uint64_t ios;			/* write or read calls */
	uint64_t per_oct[OCTAVES];
	size_t min, max;
};

static void fig_add(struct stream_fig *f, size_t n)
{
	int oct = 63 - __builtin_clzll(n);	/* n > 0 */

	if (oct > OCTAVES - 1)
		oct = OCTAVES - 1;
	f->ios++;
	f->per_oct[oct]++;
	if (!f->min || n < f->min)
		f->min = n;
	if (n > f->max)
		f->max = n;
}

/* With this many calls (8 per octave on average at least), every octave
 * must have been drawn: asserted, so a broken size generator shows.
 */
static int fig_check(const char *what, const struct stream_fig *f)
{
	int k;

	if (f->ios < 8 * OCTAVES)
		return 0;
	for (k = 0; k < OCTAVES; k++)
		CHECK(f->per_oct[k], "no %s of %zu..%zu bytes in %llu calls", what,
		      (size_t)1 << k, ((size_t)2 << k) - 1,
		      (unsigned long long)f->ios);
	CHECK(f->min == 1 && f->max == MAX_IO,
	      "%s sizes %zu..%zu, want 1..%u", what, f->min, f->max, MAX_IO);
	return 0;
}

/* Ring bytes per direction of a new socket (frontend ring_order). */
static uint64_t ring_bytes(void)
{
	long order = read_param("/sys/module/xen_pvcalls_front/parameters/ring_order",
				PVC_DEFAULT_RING_ORDER);

	if (order < 1 || order > PVC_MAX_RING_ORDER)
		order = PVC_DEFAULT_RING_ORDER;
	return pvc_ring_size(order);
}

static void rings_per_order(long long *n)
{
	int i;

	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		n[i] = front_rings(i);
}

/*
 * Ring bytes per direction of the socket just connected: the order
 * whose count of rings went up by one (nothing else connects meanwhile).
 * 0 if that cannot be told.
 */
static uint64_t new_ring_bytes(const long long *before)
{
	long long after[PVC_MAX_RING_ORDER + 1];
	int i, order = 0;

	rings_per_order(after);
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		if (after[i] == before[i] + 1)
			order = order ? -1 : i;
	return order > 0 ? pvc_ring_size(order) : 0;
}

/*
 * Read @total bytes as stream_recv_noeof() does, arranging that each
 * pass over the end of the @ring-byte ring is one copy starting at its
 * own offset (see the top of the file).  *@covered: how many offsets
 * were; *@short_reads: how many reads got fewer bytes than poll() had
 * said were there (each leaves one offset uncovered).
 */
static int stream_recv_sweep(int fd, uint64_t total, uint64_t seed,
			     uint64_t ring, uint64_t *hash,
			     struct stream_fig *f, uint64_t *covered,
			     uint64_t *short_reads)
{
	static unsigned char buf[MAX_IO];
	uint64_t off = 0, rs, passes, j = 1, target, next, i, lowat;
	uint32_t *split, tmp;
	struct shash h;
	int64_t bad;
	size_t n;
	ssize_t r;
	int one = 1, ilowat;

	/* passes inside the stream with a distinct offset each */
	passes = total ? (total - 1) / ring : 0;
	if (passes > ring - 1)
		passes = ring - 1;
	split = malloc((ring - 1) * sizeof(*split));
	CHECK(split, "malloc");
	rng_init(&rs, seed, 3);
	for (i = 0; i < ring - 1; i++)
		split[i] = (uint32_t)(i + 1);
	for (i = ring - 2; i > 0; i--) {	/* Fisher-Yates */
		uint64_t k = rng_next(&rs) % (i + 1);

		tmp = split[i];
		split[i] = split[k];
		split[k] = tmp;
	}
	*covered = 0;
	*short_reads = 0;
	rng_init(&rs, seed, 2);
	shash_init(&h);
	target = passes ? ring - split[0] : total;
	while (off < total) {
		int wrap = passes && j <= passes && off == target;

		n = rnd_size(&rs);
		lowat = 1;
		if (wrap) {
			/* s + 1 bytes at least, and not past the next pass */
			next = j < passes ? (j + 1) * ring - split[j] : total;
			lowat = split[j - 1] + 1;
			if (n > next - off)
				n = next - off;
			if (n > ring)
				n = ring;
			if (n < lowat)
				n = lowat;
			ilowat = (int)lowat;
			CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &ilowat,
					  sizeof(ilowat)),
			      "SO_RCVLOWAT %d: %s", ilowat, errname(errno));
			CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0,
			      "no %llu bytes readable for %d s at stream offset %llu",
			      (unsigned long long)lowat, SYNC_MS / 1000,
			      (unsigned long long)off);
			/* beyond half a ring poll() returns early: count */
			CHECK(wait_inq(fd, ilowat, SYNC_MS) > 0,
			      "SIOCINQ never reached %d at stream offset %llu: %s",
			      ilowat, (unsigned long long)off, errname(errno));
		} else if (passes && j <= passes && n > target - off) {
			n = target - off;	/* stop where the pass starts */
		} else if (n > total - off) {
			n = total - off;
		}
		r = recv(fd, buf, n, MSG_DONTWAIT);
		if (wrap)
			setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof(one));
		if (r == 0) {
			free(split);
			return fail("EOF at stream offset %llu of %llu",
				    (unsigned long long)off,
				    (unsigned long long)total);
		}
		if (r < 0) {
			CHECK(!wrap, "recv after poll for %llu bytes at %llu: %s",
			      (unsigned long long)lowat,
			      (unsigned long long)off, errname(errno));
			CHECK(errno == EAGAIN || errno == EINTR,
			      "recv at %llu: %s", (unsigned long long)off,
			      errname(errno));
			CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0,
			      "no data for %d s at stream offset %llu",
			      SYNC_MS / 1000, (unsigned long long)off);
			continue;
		}
		CHECK(off + r <= total, "%llu bytes, %llu sent",
		      (unsigned long long)(off + r), (unsigned long long)total);
		if (wrap && (uint64_t)r < lowat && !(*short_reads)++)
			/* PV Calls: poll counts exactly, so a bug (TCP may
			 * report POLLIN early under memory pressure)
			 */
			printf("# poll said %llu bytes were readable at stream offset %llu, recv got %zd: that offset is not covered\n",
			       (unsigned long long)lowat,
			       (unsigned long long)off, r);
		bad = pattern_check(buf, r, off, seed);
		CHECK(bad < 0, "data corrupt at stream offset %lld", (long long)bad);
		shash_update(&h, buf, r);
		fig_add(f, n);
		off += r;
		if (wrap) {
			*covered += (uint64_t)r >= lowat;
			j++;
			target = j <= passes ? j * ring - split[j - 1] : total;
		}
	}
	free(split);
	*hash = shash_final(&h);
	return 0;
}

/*
 * Write @total bytes of pattern @seed in random sizes.  @wrap, if not
 * NULL, is a bitmap of @ring bits: the ring offsets at which a write
 * started and ran over the ring's end.
 */
static int stream_send(int fd, uint64_t total, uint64_t seed, uint64_t *hash,
		       struct stream_fig *f, unsigned char *wrap, uint64_t ring)
{
	static unsigned char buf[MAX_IO];
	uint64_t off = 0, rs;
	struct shash h;

	rng_init(&rs, seed, 1);
	shash_init(&h);
	while (off < total) {
		size_t n = rnd_size(&rs);

		if (n > total - off)
			n = total - off;
		pattern(buf, n, off, seed);
		shash_update(&h, buf, n);
		if (send_all(fd, buf, n, SYNC_MS) != (ssize_t)n)
			return fail("send of %zu bytes at stream offset %llu: %s",
				    n, (unsigned long long)off, errname(errno));
		fig_add(f, n);
		if (wrap && off % ring + n > ring)
			wrap[off % ring / 8] |= 1 << (off % ring % 8);
		off += n;
	}
	*hash = shash_final(&h);
	return fig_check("write", f);
}

/*
 * Read @total bytes in random sizes, each piece checked against the
 * pattern at its stream offset (not the EOF: see stream_eof()).
 */
static int stream_recv_noeof(int fd, uint64_t total, uint64_t seed,
			     uint64_t *hash, struct stream_fig *f)
{
	static unsigned char buf[MAX_IO];
	uint64_t off = 0, rs;
	struct shash h;
	int64_t bad;
	ssize_t r;

	rng_init(&rs, seed, 2);
	shash_init(&h);
	while (off < total) {
		size_t n = rnd_size(&rs);

		/* a short read is fine: TCP returns what is there */
		r = recv_wait(fd, buf, n, SYNC_MS);
		if (r == 0)
			return fail("EOF at stream offset %llu of %llu",
				    (unsigned long long)off,
				    (unsigned long long)total);
		if (r == RECV_IDLE)
			return fail("no data for %d s at stream offset %llu",
				    SYNC_MS / 1000, (unsigned long long)off);
		if (r < 0)
			return fail("recv at %llu: %s",
				    (unsigned long long)off, errname(errno));
		CHECK(off + r <= total, "%llu bytes, %llu sent",
		      (unsigned long long)(off + r), (unsigned long long)total);
		bad = pattern_check(buf, r, off, seed);
		CHECK(bad < 0, "data corrupt at stream offset %lld", (long long)bad);
		shash_update(&h, buf, r);
		fig_add(f, n);
		off += r;
	}
	*hash = shash_final(&h);
	return 0;
}

/* After the whole stream: end of file, not one byte more. */
static int stream_eof(int fd, uint64_t total)
{
	ssize_t r;
	char c;

	r = recv_all(fd, &c, 1, SYNC_MS);
	CHECK(r == 0, "no EOF after %llu bytes: %s", (unsigned long long)total,
	      r > 0 ? "more data" : errname(errno));
	return 0;
}

static void print_rate(struct tctx *t, uint64_t total, double secs,
		       const struct stream_fig *f, const char *what)
{
	printf("# %s: %llu bytes in %.1f s: %.2f MiB/s (%.1f Mbit/s), seed %llu\n",
	       t->name, (unsigned long long)total, secs,
	       total / secs / (1 << 20), total * 8 / secs / 1e6,
	       (unsigned long long)opt.seed);
	printf("# %s: %llu %s calls of %zu..%zu bytes, per octave 2^0..2^20:",
	       t->name, (unsigned long long)f->ios, what, f->min, f->max);
	for (int k = 0; k < OCTAVES; k++)
		printf(" %llu", (unsigned long long)f->per_oct[k]);
	printf("\n");
}

/* guest -> dom0 */
int g_stream_out(struct tctx *t)
{
	uint64_t ring = ring_bytes(), hash, total = opt.stream, seen = 0, i;
	unsigned char *wrap = calloc(ring / 8, 1);
	struct stream_fig f = { 0 };
	double t0;
	int fd, rc;

	CHECK(wrap, "calloc");
	if (ctl_signal("seed", opt.seed))
		return T_FAIL;
	fd = guest_connect_dom0(t);
	if (fd < 0)
		return T_FAIL;
	t0 = now_sec();
	rc = stream_send(fd, total, opt.seed, &hash, &f,
			 opt.inet_mode ? NULL : wrap, ring);
	if (rc)
		return rc;
	if (ctl_signal("hash", hash) || ctl_wait("got", NULL, 120000))
		return T_FAIL;
	print_rate(t, total, now_sec() - t0, &f, "write");
	if (!opt.inet_mode) {
		for (i = 0; i < ring; i++)
			seen += !!(wrap[i / 8] & (1 << (i % 8)));
		printf("# %s: writes ran over the ring's end from %llu of its %llu offsets\n",
		       t->name, (unsigned long long)seen,
		       (unsigned long long)ring);
	}
	free(wrap);
	close(fd);
	return T_PASS;
}

/*
 * dom0's opening of a stream test: the guest's seed, then its
 * connection.  Returns an fd, or -1 having failed the test.
 */
static int dom0_stream_accept(struct tctx *t, uint64_t *seed)
{
	if (ctl_wait("seed", seed, SYNC_MS))
		return -1;
	return dom0_accept_one(t);
}

int d_stream_out(struct tctx *t)
{
	struct stream_fig f = { 0 };
	uint64_t seed, hash;
	int fd = dom0_stream_accept(t, &seed), rc;

	if (fd < 0)
		return T_FAIL;
	/* the guest closes only after "got": EOF is checked after that */
	rc = stream_recv_noeof(fd, opt.stream, seed, &hash, &f);
	if (rc)
		return rc;
	if (check_peer_hash(hash, "stream hash", "guest"))
		return T_FAIL;
	if (ctl_signal("got", 0))
		return T_FAIL;
	rc = stream_eof(fd, opt.stream);
	close(fd);
	return rc;
}

/* dom0 -> guest */
int d_stream_in(struct tctx *t)
{
	struct stream_fig f = { 0 };
	uint64_t seed, hash;
	int fd = dom0_stream_accept(t, &seed), rc;

	if (fd < 0)
		return T_FAIL;
	rc = stream_send(fd, opt.stream, seed, &hash, &f, NULL, 0);
	if (rc)
		return rc;
	return send_eof_and_hash(fd, hash);
}

int g_stream_in(struct tctx *t)
{
	uint64_t hash, ring = 0, covered = 0, passes, shorts = 0;
	struct stream_fig f = { 0 };
	long long rings[PVC_MAX_RING_ORDER + 1];
	double t0;
	int fd, rc;

	if (ctl_signal("seed", opt.seed))
		return T_FAIL;
	if (!opt.inet_mode)
		rings_per_order(rings);
	fd = guest_connect_dom0(t);
	if (fd < 0)
		return T_FAIL;
	t0 = now_sec();
	if (!opt.inet_mode) {
		ring = new_ring_bytes(rings);
		CHECK(ring, "cannot tell the new socket's ring order from %s",
		      FRONT_STATS);
		rc = stream_recv_sweep(fd, opt.stream, opt.seed, ring, &hash,
				       &f, &covered, &shorts);
	} else if (getenv("PVCALLS_TEST_SWEEP_RING")) {
		/* the read pattern over TCP (no ring): checks the test */
		ring = strtoull(getenv("PVCALLS_TEST_SWEEP_RING"), NULL, 0);
		CHECK(ring >= 2, "PVCALLS_TEST_SWEEP_RING below 2");
		rc = stream_recv_sweep(fd, opt.stream, opt.seed, ring, &hash,
				       &f, &covered, &shorts);
	} else {
		rc = stream_recv_noeof(fd, opt.stream, opt.seed, &hash, &f);
	}
	if (rc)
		return rc;
	rc = stream_eof(fd, opt.stream);
	if (rc)
		return rc;
	if (check_peer_hash(hash, "stream hash", "dom0"))
		return T_FAIL;
	print_rate(t, opt.stream, now_sec() - t0, &f, "read");
	if (ring) {
		passes = (opt.stream - 1) / ring;
		if (passes > ring - 1)
			passes = ring - 1;
		printf("# %s: reads ran over the ring's end from %llu of its %llu offsets 1..%llu (one read each; the stream passes the end %llu times)\n",
		       t->name, (unsigned long long)covered,
		       (unsigned long long)ring - 1,
		       (unsigned long long)ring - 1,
		       (unsigned long long)((opt.stream - 1) / ring));
		/* over TCP (the host check) only the read pattern counts */
		CHECK(opt.inet_mode || covered == passes,
		      "%llu offsets covered, want %llu (%llu short reads)",
		      (unsigned long long)covered, (unsigned long long)passes,
		      (unsigned long long)shorts);
	}
	close(fd);
	return ctl_signal("got", 0);
}
