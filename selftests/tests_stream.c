// SPDX-License-Identifier: GPL-2.0
/*
 * The GiB streams (issue 3 item 6): opt.stream bytes (1 GiB unless told)
 * one way over one connection, written in sizes from 1 byte to 1 MiB
 * and read in sizes from 1 byte to 1 MiB, both drawn log-uniform (an
 * octave 0..20 at random, then a size within it) from a seed that the
 * guest picks and prints, so a failing run can be repeated with --seed.
 *
 * The receiver checks every byte against the pattern as it arrives and
 * both sides hash the stream; the hashes must match, and the receiver
 * must see EOF right after the last byte.  The guest prints the
 * throughput, the write sizes used and, going guest to dom0, how many
 * distinct ring offsets a write started at and ran over the ring's end.
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
 * common as 512 KiB ones.  *@oct gets the octave.
 */
static size_t rnd_size(uint64_t *s, int *oct)
{
	uint64_t r = rng_next(s);
	int k = (int)(r % OCTAVES);

	*oct = k;
	if (k == OCTAVES - 1)
		return MAX_IO;
	return ((size_t)1 << k) + (size_t)((r >> 8) % ((uint64_t)1 << k));
}

struct stream_fig {
	uint64_t ios;			/* write or read calls */
	uint64_t per_oct[OCTAVES];
	size_t min, max;
};

static void fig_add(struct stream_fig *f, size_t n, int oct)
{
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
	long order = read_param("/sys/module/xen_pvcalls_front/parameters/ring_order", 4);

	if (order < 1 || order > 4)
		order = 4;
	return 4096ull << (order - 1);
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
	int oct;

	rng_init(&rs, seed, 1);
	shash_init(&h);
	while (off < total) {
		size_t n = rnd_size(&rs, &oct);

		if (n > total - off)
			n = total - off;
		pattern(buf, n, off, seed);
		shash_update(&h, buf, n);
		if (send_all(fd, buf, n, SYNC_MS) != (ssize_t)n)
			return fail("send of %zu bytes at stream offset %llu: %s",
				    n, (unsigned long long)off, errname(errno));
		fig_add(f, n, oct);
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
	int oct;

	rng_init(&rs, seed, 2);
	shash_init(&h);
	while (off < total) {
		size_t n = rnd_size(&rs, &oct);

		/* a short read is fine: TCP returns what is there */
		r = recv(fd, buf, n, MSG_DONTWAIT);
		if (r == 0)
			return fail("EOF at stream offset %llu of %llu",
				    (unsigned long long)off,
				    (unsigned long long)total);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return fail("recv at %llu: %s",
					    (unsigned long long)off,
					    errname(errno));
			if (wait_fd(fd, POLLIN, SYNC_MS) <= 0)
				return fail("no data for %d s at stream offset %llu",
					    SYNC_MS / 1000,
					    (unsigned long long)off);
			continue;
		}
		CHECK(off + r <= total, "%llu bytes, %llu sent",
		      (unsigned long long)(off + r), (unsigned long long)total);
		bad = pattern_check(buf, r, off, seed);
		CHECK(bad < 0, "data corrupt at stream offset %lld", (long long)bad);
		shash_update(&h, buf, r);
		fig_add(f, n, oct);
		off += r;
	}
	*hash = shash_final(&h);
	return fig_check("read", f);
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

int d_stream_out(struct tctx *t)
{
	struct stream_fig f = { 0 };
	uint64_t seed, hash, want;
	int fd, rc;

	if (ctl_wait("seed", &seed, SYNC_MS))
		return T_FAIL;
	fd = dom0_accept_one(t);
	if (fd < 0)
		return T_FAIL;
	/* the guest closes only after "got": EOF is checked after that */
	rc = stream_recv_noeof(fd, opt.stream, seed, &hash, &f);
	if (rc)
		return rc;
	if (ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "stream hash %016llx, guest sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
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
	int fd, rc;

	if (ctl_wait("seed", &seed, SYNC_MS))
		return T_FAIL;
	fd = dom0_accept_one(t);
	if (fd < 0)
		return T_FAIL;
	rc = stream_send(fd, opt.stream, seed, &hash, &f, NULL, 0);
	if (rc)
		return rc;
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	if (ctl_signal("hash", hash) || ctl_wait("got", NULL, 120000))
		return T_FAIL;
	close(fd);
	return T_PASS;
}

int g_stream_in(struct tctx *t)
{
	struct stream_fig f = { 0 };
	uint64_t hash, want;
	double t0;
	int fd, rc;

	if (ctl_signal("seed", opt.seed))
		return T_FAIL;
	fd = guest_connect_dom0(t);
	if (fd < 0)
		return T_FAIL;
	t0 = now_sec();
	rc = stream_recv_noeof(fd, opt.stream, opt.seed, &hash, &f);
	if (rc)
		return rc;
	rc = stream_eof(fd, opt.stream);
	if (rc)
		return rc;
	if (ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "stream hash %016llx, dom0 sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
	print_rate(t, opt.stream, now_sec() - t0, &f, "read");
	close(fd);
	return ctl_signal("got", 0);
}
