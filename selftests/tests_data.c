// SPDX-License-Identifier: GPL-2.0
/* Data integrity and volume: large transfers, ring wrap, EOF ordering,
 * full rings, many connections, running out of resources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <xen/gntalloc.h>
#include "common.h"
#include "tests.h"

static uint64_t xfer_size(size_t chunk)
{
	uint64_t cap = chunk * opt.max_writes;

	return opt.big < cap ? opt.big : cap;
}

/* guest -> dom0: arg is the write size */
int g_xfer_out(struct tctx *t)
{
	uint64_t hash, total = xfer_size(t->arg);
	int fd = guest_connect_dom0(t), rc;
	double t0 = now_sec();

	if (fd < 0)
		return T_FAIL;
	rc = xfer_send(fd, total, t->arg, t->index, &hash, SYNC_MS);
	if (rc)
		return rc;
	if (ctl_signal("hash", hash) || ctl_wait("got", NULL, 120000))
		return T_FAIL;
	diag("%s: %llu bytes in %.2f s", t->name, (unsigned long long)total,
	     now_sec() - t0);
	close(fd);
	return T_PASS;
}

int d_xfer_out(struct tctx *t)
{
	uint64_t hash, total = xfer_size(t->arg);
	int fd = dom0_accept_one(t), rc;
	char c;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_recv(fd, total, t->index, &hash, 0, SYNC_MS);
	if (rc)
		return rc;
	if (check_peer_hash(hash, "hash", "guest"))
		return T_FAIL;
	if (ctl_signal("got", 0))
		return T_FAIL;
	/* the guest closes now: nothing more, then end of file */
	CHECK(recv_all(fd, &c, 1, SYNC_MS) == 0, "no EOF after the guest closed");
	close(fd);
	return T_PASS;
}

/* dom0 -> guest */
int d_xfer_in(struct tctx *t)
{
	uint64_t hash, total = xfer_size(t->arg);
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_send(fd, total, t->arg, t->index, &hash, SYNC_MS);
	if (rc)
		return rc;
	return send_eof_and_hash(fd, hash);
}

int g_xfer_in(struct tctx *t)
{
	uint64_t hash, total = xfer_size(t->arg);
	int fd = guest_connect_dom0(t), rc;
	double t0 = now_sec();

	if (fd < 0)
		return T_FAIL;
	rc = xfer_recv(fd, total, t->index, &hash, 1, SYNC_MS);
	if (rc)
		return rc;
	if (check_peer_hash(hash, "hash", "dom0"))
		return T_FAIL;
	diag("%s: %llu bytes in %.2f s", t->name, (unsigned long long)total,
	     now_sec() - t0);
	close(fd);
	return ctl_signal("got", 0);
}

/*
 * Ping-pong messages of lengths 1, 2, ..., N through an echo.  Message L
 * starts at stream offset T(L-1) = L(L-1)/2; triangular numbers modulo a
 * power of two 2^k hit every residue as L runs over 2^k values, so with
 * N = ring size every ring offset is the start of some message, and the
 * lengths sweep every size that can wrap from there.
 */
int g_ring_wrap(struct tctx *t)
{
	static char out[65536], in[65536];
	uint64_t off = 0;
	uint32_t len, n = opt.wrap_n;
	int fd = guest_connect_dom0(t);
	ssize_t r;

	if (fd < 0)
		return T_FAIL;
	if (n > sizeof(out))
		n = sizeof(out);
	for (len = 1; len <= n; len++) {
		pattern(out, len, off, 51);
		CHECK(send_all(fd, out, len, SYNC_MS) == len,
		      "send of message %u: %s", len, errname(errno));
		r = recv_all(fd, in, len, SYNC_MS);
		CHECK(r == len, "echo of message %u: %zd %s", len, r,
		      errname(errno));
		CHECK(!memcmp(in, out, len),
		      "echo of message %u (stream offset %llu) differs", len,
		      (unsigned long long)off);
		off += len;
	}
	diag("ring wrap: %u messages, %llu bytes each way", n,
	     (unsigned long long)off);
	close(fd);
	return T_PASS;
}

/*
 * Regression "EOF reported before ring drained": dom0 writes and closes
 * at once; the guest starts reading only afterwards and must get every
 * byte before end of file.
 */
int d_write_close(struct tctx *t)
{
	uint64_t hash;
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_send(fd, t->arg, 65536, 61, &hash, SYNC_MS);
	if (rc)
		return rc;
	close(fd);
	return ctl_signal("closed", hash);
}

int g_eof_after_data(struct tctx *t)
{
	uint64_t hash, want;
	int fd = guest_connect_dom0(t), rc;

	if (fd < 0)
		return T_FAIL;
	if (ctl_wait("closed", &want, SYNC_MS))
		return T_FAIL;
	sleep_ms(300);
	rc = xfer_recv(fd, t->arg, 61, &hash, 1, SYNC_MS);
	if (rc)
		return rc;
	CHECK(hash == want, "hash differs");
	close(fd);
	return T_PASS;
}

/* The guest closes right after its last write: all of it still arrives
 * (Linux flushes queued data before the FIN).
 */
int g_send_close(struct tctx *t)
{
	uint64_t hash;
	int fd = guest_connect_dom0(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_send(fd, t->arg, 65536, 62, &hash, SYNC_MS);
	if (rc)
		return rc;
	close(fd);
	return T_PASS;
}

int d_recv_eof(struct tctx *t)
{
	uint64_t hash;
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_recv(fd, t->arg, 62, &hash, 1, SYNC_MS);
	close(fd);
	return rc;
}

/*
 * Fill @fd with nonblocking sends of the test pattern until one fails,
 * adding what was sent to *@total and *@hash.  Returns that send's errno.
 */
static int fill_until_error(int fd, char *buf, size_t len, uint64_t *total,
			    uint64_t *hash, int seed)
{
	ssize_t n;

	for (;;) {
		if (*total >= (512ull << 20))
			return 0;
		pattern(buf, len, *total, seed);
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0)
			return errno;
		*hash = fnv(*hash, buf, n);
		*total += n;
	}
}

/*
 * "Full ring is not an error": dom0 does not read for a while; the
 * guest's nonblocking sends fill everything and then get EAGAIN (never
 * another error); once dom0 reads, every byte arrives.
 *
 * The first EAGAIN only says the ring was full at that instant: the
 * backend may still be moving bytes into dom0's socket, whose buffers
 * grow as it goes, and the ring then has room again.  So the guest keeps
 * filling until poll() has seen no room for a second; only then must a
 * 1-byte send fail too.
 */
int g_full_ring(struct tctx *t)
{
	static char buf[65536];
	uint64_t total = 0, extra = 1 << 20, hash = HASH_INIT;
	int fd = guest_connect_dom0(t), err, refills = 0;
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(!set_nonblock(fd, 1), "O_NONBLOCK: %s", errname(errno));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int r;

		err = fill_until_error(fd, buf, sizeof(buf), &total, &hash,
				       t->arg);
		CHECK(err, "512 MiB queued, never full");
		CHECK(err == EAGAIN, "nonblocking send to a full ring: %s",
		      errname(err));
		r = poll(&p, 1, 1000);
		CHECK(r >= 0, "poll: %s", errname(errno));
		if (!r)
			break;
		CHECK(p.revents == POLLOUT, "poll on a full ring: revents %#x",
		      p.revents);
		CHECK(++refills < 100, "room again after %d refills", refills);
	}
	CHECK_ERRNO((int)send(fd, buf, 1, MSG_NOSIGNAL), EAGAIN);
	diag("full after %llu bytes, %d refills", (unsigned long long)total,
	     refills);
	if (ctl_signal("full", total + extra))
		return T_FAIL;
	/* now dom0 reads: queue more behind, waiting for room each time */
	while (extra) {
		size_t m = extra < sizeof(buf) ? extra : sizeof(buf);

		pattern(buf, m, total, t->arg);
		n = send_all(fd, buf, m, SYNC_MS);
		CHECK(n == (ssize_t)m, "send after full: %s", errname(errno));
		hash = fnv(hash, buf, m);
		total += m;
		extra -= m;
	}
	if (ctl_signal("hash2", hash))
		return T_FAIL;
	if (ctl_wait("got", NULL, 120000))
		return T_FAIL;
	close(fd);
	return T_PASS;
}

int d_full_ring(struct tctx *t)
{
	uint64_t total, want, hash;
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	if (ctl_wait("full", &total, 120000))
		return T_FAIL;
	sleep_ms(500);	/* stay full a little longer */
	rc = xfer_recv(fd, total, t->arg, &hash, 0, SYNC_MS);
	if (rc)
		return rc;
	if (ctl_wait("hash2", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "hash %016llx, guest sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
	close(fd);
	return ctl_signal("got", 0);
}

#define NCONN 100
#define CONN_BYTES 16384

int g_concurrent(struct tctx *t)
{
	static char out[CONN_BYTES], in[CONN_BYTES];
	int fds[NCONN], i;
	char c;

	if (ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	for (i = 0; i < NCONN; i++) {
		fds[i] = connect_to(1, t->port_d);
		CHECK(fds[i] >= 0, "connection %d: %s", i, errname(errno));
	}
	/* all 100 carry data at the same time */
	for (i = 0; i < NCONN; i++) {
		pattern(out, sizeof(out), 0, 1000 + i);
		CHECK(send_all(fds[i], out, sizeof(out), SYNC_MS) == sizeof(out),
		      "send on connection %d: %s", i, errname(errno));
	}
	for (i = 0; i < NCONN; i++) {
		pattern(out, sizeof(out), 0, 1000 + i);
		CHECK(recv_all(fds[i], in, sizeof(in), SYNC_MS) == sizeof(in),
		      "echo on connection %d: %s", i, errname(errno));
		CHECK(fnv(HASH_INIT, in, sizeof(in)) ==
		      fnv(HASH_INIT, out, sizeof(out)),
		      "connection %d: echo hash differs", i);
		CHECK(recv(fds[i], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		      "connection %d: more echo than sent", i);
		close(fds[i]);
	}
	return T_PASS;
}

int d_concurrent(struct tctx *t)
{
	static char buf[65536];
	struct pollfd p[NCONN];
	int lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 256);
	int i, open = NCONN, r;
	ssize_t n;

	CHECK(lfd >= 0, "listen: %s", errname(errno));
	if (ctl_signal("listening", 0))
		return T_FAIL;
	for (i = 0; i < NCONN; i++) {
		p[i].fd = accept_timeout(lfd, SYNC_MS);
		p[i].events = POLLIN;
		CHECK(p[i].fd >= 0, "accept %d: %s", i, errname(errno));
	}
	close(lfd);
	while (open) {
		r = poll(p, NCONN, SYNC_MS);
		CHECK(r > 0, "echo stalled with %d connections open", open);
		for (i = 0; i < NCONN; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				continue;
			CHECK(n >= 0, "recv: %s", errname(errno));
			if (n == 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open--;
				continue;
			}
			CHECK(send_all(p[i].fd, buf, n, SYNC_MS) == n,
			      "echo send: %s", errname(errno));
		}
	}
	return T_PASS;
}

int g_dom0_client(struct tctx *t)
{
	int lfd = guest_listen(t), fd, rc;

	if (lfd < 0)
		return T_FAIL;
	fd = accept_timeout(lfd, SYNC_MS);
	CHECK(fd >= 0, "accept: %s", errname(errno));
	close(lfd);
	rc = echo_until_eof(fd, SYNC_MS);
	close(fd);
	return rc;
}

int d_dom0_client(struct tctx *t)
{
	int fd = dom0_connect_guest(t), rc;
	char c;

	if (fd < 0)
		return T_FAIL;
	rc = echo_exchange(fd, 1 << 20, 65536, 71, SYNC_MS);
	if (rc)
		return rc;
	shutdown(fd, SHUT_WR);
	CHECK(recv_all(fd, &c, 1, SYNC_MS) == 0, "no EOF from the guest");
	close(fd);
	return T_PASS;
}

static long long front_sockets(void)
{
	struct stat st;

	if (stat("/sys/kernel/debug/xen-pvcalls-front", &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	return read_stat(FRONT_STATS, "sockets");
}

/* The frontend's ring counters (debugfs), see frontend/main.c. */
struct ring_fig {
	long long order[PVC_MAX_RING_ORDER + 1];	/* rings held, per order */
	long long rings, fallbacks, enobufs;
};

static void ring_fig(struct ring_fig *f)
{
	int i;

	f->rings = 0;
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++) {
		f->order[i] = front_rings(i);
		f->rings += f->order[i];
	}
	f->fallbacks = read_stat(FRONT_STATS, "ring_fallbacks");
	f->enobufs = read_stat(FRONT_STATS, "ring_enobufs");
}

/*
 * One round: open and connect sockets until the transport runs out or
 * the cap; *@e is the errno (0 at the cap), *@peak the ring counters
 * with all of them open.  Returns how many were connected; all closed.
 */
static int enobufs_round(struct tctx *t, int *fds, int *e,
			 struct ring_fig *peak, int keep)
{
	struct sockaddr_in a = lo_addr(t->port_d);
	int n, i, fd;

	*e = 0;
	for (n = 0; n < opt.max_sockets; n++) {
		fd = test_socket();
		if (fd < 0) {
			*e = errno;
			break;
		}
		set_timeouts(fd, 0, 10000);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			*e = errno;
			close(fd);
			break;
		}
		fds[n] = fd;
	}
	if (!opt.inet_mode)
		ring_fig(peak);
	for (i = 0; !keep && i < n; i++)
		close(fds[i]);
	return n;
}

/*
 * Exact fallback, with the grant table full (sockets open until
 * ENOBUFS): one order-4 socket is closed, and grant references are held
 * through /dev/xen/gntalloc so that exactly 9, then 3, then 5 stay free.
 * Each new socket must then get the largest ring that fits: order 3
 * (9 grants: 8 pages and the indexes page), order 1 (3), order 2 (5),
 * and with none free, ENOBUFS.  Returns T_PASS or fails; the extra
 * sockets are added to @fds/@n for the caller to close.
 */
#define GNTALLOC "/dev/xen/gntalloc"
#define GA_MAX 64

static int ga_alloc(int ga)
{
	struct ioctl_gntalloc_alloc_gref a = {
		.domid = 0, .flags = GNTALLOC_FLAG_WRITABLE, .count = 1,
	};

	if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &a))
		return -1;
	return (int)(a.index / 4096);	/* offsets are page-sized */
}

static void ga_free(int ga, int idx)
{
	struct ioctl_gntalloc_dealloc_gref d = {
		.index = (uint64_t)idx * 4096, .count = 1,
	};

	ioctl(ga, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
}

static int connect_order(struct tctx *t, int want, int *fds, int *n)
{
	struct sockaddr_in a = lo_addr(t->port_d);
	struct ring_fig b, f;
	int fd = test_socket(), r, e, i;

	CHECK(fd >= 0, "socket: %s", errname(errno));
	ring_fig(&b);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	e = errno;
	ring_fig(&f);
	if (!want) {
		CHECK(r && e == ENOBUFS,
		      "connect with no grant free: %s, want ENOBUFS",
		      r ? errname(e) : "connected");
		close(fd);
		return T_PASS;
	}
	CHECK(!r, "connect with %d grants free: %s", (1 << want) + 1,
	      errname(e));
	fds[(*n)++] = fd;
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		CHECK(f.order[i] - b.order[i] == (i == want),
		      "with %d grants free the ring is not order %d (order%d rings %lld -> %lld)",
		      (1 << want) + 1, want, i, b.order[i], f.order[i]);
	CHECK(f.fallbacks - b.fallbacks == 1, "ring_fallbacks +%lld, want +1",
	      f.fallbacks - b.fallbacks);
	printf("# %s: %d grants free: order-%d ring, as expected\n", t->name,
	       (1 << want) + 1, want);
	return T_PASS;
}

static int exact_fallback(struct tctx *t, int *fds, int *n)
{
	int ga, held[GA_MAX], nh = 0, i, free_now, rc = T_FAIL, tries;
	struct ring_fig f0, f;

	if (system("modprobe xen-gntalloc 2>/dev/null")) {
		/* checked below: the device is needed */
	}
	ga = open(GNTALLOC, O_RDWR);
	CHECK(ga >= 0, "%s: %s", GNTALLOC, errname(errno));
	ring_fig(&f0);
	CHECK(f0.order[4] > 0 && *n > 0, "no order-4 ring to give back");
	/* fds[0] was the first socket of the round: order 4 */
	close(fds[0]);
	fds[0] = fds[--(*n)];
	/*
	 * Count the free grants by taking them all (one reference each):
	 * 17 from that ring plus the 0-2 that were too few for a ring.  The
	 * release is asynchronous, so retry (bounded) until the ring is gone
	 * and at least 17 are there.
	 */
	for (tries = 0; tries < 100; tries++) {
		ring_fig(&f);
		if (f.order[4] == f0.order[4] - 1) {
			while (nh < GA_MAX && (i = ga_alloc(ga)) >= 0)
				held[nh++] = i;
			if (nh >= 17)
				break;
			while (nh)
				ga_free(ga, held[--nh]);
		}
		sleep_ms(100);
	}
	free_now = nh;
	printf("# %s: one order-4 ring closed: %d grants free (17 + %d left over)\n",
	       t->name, free_now, free_now - 17);
	if (free_now < 17 || free_now > 19) {
		fail("%d grants free after closing an order-4 ring, want 17-19",
		     free_now);
		goto out;
	}
	/* 9 free: order 3; then 3: order 1; then 5: order 2; then none */
	for (i = 0; i < 9; i++)
		ga_free(ga, held[--nh]);
	if (connect_order(t, 3, fds, n))
		goto out;
	for (i = 0; i < 3; i++)
		ga_free(ga, held[--nh]);
	if (connect_order(t, 1, fds, n))
		goto out;
	if (connect_order(t, 0, fds, n))
		goto out;
	for (i = 0; i < 5; i++)
		ga_free(ga, held[--nh]);
	if (connect_order(t, 2, fds, n))
		goto out;
	rc = connect_order(t, 0, fds, n);
out:
	while (nh)
		ga_free(ga, held[--nh]);
	close(ga);
	return rc;
}

/* Wait (bounded) for the frontend's socket and ring counts to be back. */
static int front_back_to(long long socks, long long rings)
{
	struct ring_fig f;
	long long now = -1;
	int i;

	for (i = 0; i < 300; i++) {
		now = front_sockets();
		ring_fig(&f);
		if (now == socks && f.rings == rings)
			return 0;
		sleep_ms(100);
	}
	return fail("after closing all: frontend sockets %lld (was %lld), rings %lld (was %lld)",
		    now, socks, f.rings, rings);
}

/*
 * Open and connect sockets until the grant table runs out (ENOBUFS,
 * once even an order-1 ring cannot be granted; the bed's "grants" guest
 * has few grant frames so that this comes early) or a cap.  Checks the
 * errno, that the frontend tried every smaller order before failing
 * and counts the smaller rings it granted, then closes everything and
 * checks that all came back: a second round gets exactly as many
 * sockets with the same ring orders.
 */
int g_enobufs(struct tctx *t)
{
	int *fds = calloc(opt.max_sockets, sizeof(int));
	struct ring_fig f0, p1, p2;
	long long base = -1, below;
	int n1, n2, e1, e2, fd, i, max_order, rc;

	CHECK(fds, "calloc");
	if (!opt.inet_mode) {
		base = front_sockets();
		CHECK(base >= 0, "no 'sockets' in %s", FRONT_STATS);
		ring_fig(&f0);
		CHECK(f0.enobufs >= 0, "no 'ring_enobufs' in %s", FRONT_STATS);
	}
	if (ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	n1 = enobufs_round(t, fds, &e1, &p1, 0);
	printf("# %s: round 1: %d sockets connected, then %s\n", t->name, n1,
	       e1 ? errname(e1) : "the cap");
	CHECK(!e1 || e1 == ENOBUFS || (opt.inet_mode && e1 == EMFILE),
	      "socket %d failed with %s, want ENOBUFS", n1, errname(e1));
	CHECK(n1 > 0, "not even one socket");
	if (opt.inet_mode) {
		free(fds);
		if (ctl_signal("done", n1))
			return T_FAIL;
		return T_PASS;
	}
	/* the order asked for (the backend in the bed allows 4) */
	max_order = read_param("/sys/module/xen_pvcalls_front/parameters/ring_order", 4);
	printf("# %s: rings at the peak: order4 %lld order3 %lld order2 %lld order1 %lld; fallbacks %lld, ENOBUFS %lld\n",
	       t->name, p1.order[4] - f0.order[4], p1.order[3] - f0.order[3],
	       p1.order[2] - f0.order[2], p1.order[1] - f0.order[1],
	       p1.fallbacks - f0.fallbacks, p1.enobufs - f0.enobufs);
	CHECK(p1.rings - f0.rings == n1, "%lld rings for %d connected sockets",
	      p1.rings - f0.rings, n1);
	if (front_back_to(base, f0.rings))
		return T_FAIL;
	if (!e1) {
		/* the cap came first (quick scenario): only the freeing */
		free(fds);
		return ctl_signal("done", n1) ? T_FAIL : T_PASS;
	}
	/* the failure came only after order 1 was tried too */
	CHECK(p1.enobufs - f0.enobufs == 1,
	      "ring_enobufs went up by %lld, want 1 (order 1 tried and failed)",
	      p1.enobufs - f0.enobufs);
	/* every ring below the largest order counted as a fallback */
	below = 0;
	for (i = 1; i < max_order; i++)
		below += p1.order[i] - f0.order[i];
	CHECK(p1.fallbacks - f0.fallbacks == below,
	      "ring_fallbacks went up by %lld, %lld rings below order %d",
	      p1.fallbacks - f0.fallbacks, below, max_order);

	/* everything came back: the same count, the same orders again */
	n2 = enobufs_round(t, fds, &e2, &p2, 1);
	printf("# %s: round 2: %d sockets connected, then %s\n", t->name, n2,
	       e2 ? errname(e2) : "the cap");
	CHECK(e2 == ENOBUFS, "round 2 ended with %s, want ENOBUFS",
	      e2 ? errname(e2) : "the cap");
	for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
		CHECK(p2.order[i] - f0.order[i] == p1.order[i] - f0.order[i],
		      "round 2: %lld order-%d rings, round 1 had %lld",
		      p2.order[i] - f0.order[i], i, p1.order[i] - f0.order[i]);
	CHECK(n2 == n1, "round 2 connected %d sockets, round 1 %d: grants lost",
	      n2, n1);
	/* still full: each smaller order exactly when only it fits */
	rc = exact_fallback(t, fds, &n2);
	for (i = 0; i < n2; i++)
		close(fds[i]);
	if (rc)
		return rc;
	if (front_back_to(base, f0.rings))
		return T_FAIL;
	free(fds);
	if (ctl_signal("done", n1 + n2))
		return T_FAIL;
	/* resources came back: a new connect reaches the backend */
	fd = connect_to(1, t->port_d + 100);
	CHECK(fd < 0 && errno == ECONNREFUSED,
	      "after closing all, a new connect: %s, want ECONNREFUSED",
	      fd < 0 ? errname(errno) : "connected");
	return T_PASS;
}

int d_enobufs(struct tctx *t)
{
	int lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 4096), fd, r;
	struct pollfd p[2];
	uint64_t n;

	CHECK(lfd >= 0, "listen: %s", errname(errno));
	if (ctl_signal("listening", 0))
		return T_FAIL;
	p[0].fd = lfd;
	p[0].events = POLLIN;
	p[1].fd = ctl_fd;
	p[1].events = POLLIN;
	for (;;) {
		r = poll(p, 2, 120000);
		CHECK(r > 0, "no connection or end for 120 s");
		if (p[0].revents & POLLIN) {
			fd = accept(lfd, NULL, NULL);
			if (fd >= 0)
				close(fd);	/* only the count matters */
		}
		if (p[1].revents)
			break;
	}
	if (ctl_wait("done", &n, SYNC_MS))
		return T_FAIL;
	close(lfd);
	return T_PASS;
}
