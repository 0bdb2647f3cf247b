// SPDX-License-Identifier: GPL-2.0
/* Data integrity and volume: large transfers, ring wrap, EOF ordering,
 * full rings, many connections, running out of resources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "common.h"
#include "tests.h"

#define FRONT_STATS "/sys/kernel/debug/xen-pvcalls-front/stats"

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
	uint64_t hash, want, total = xfer_size(t->arg);
	int fd = dom0_accept_one(t), rc;
	char c;

	if (fd < 0)
		return T_FAIL;
	rc = xfer_recv(fd, total, t->index, &hash, 0, SYNC_MS);
	if (rc)
		return rc;
	if (ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "hash %016llx, guest sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
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
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	if (ctl_signal("hash", hash) || ctl_wait("got", NULL, 120000))
		return T_FAIL;
	close(fd);
	return T_PASS;
}

int g_xfer_in(struct tctx *t)
{
	uint64_t hash, want, total = xfer_size(t->arg);
	int fd = guest_connect_dom0(t), rc;
	double t0 = now_sec();

	if (fd < 0)
		return T_FAIL;
	rc = xfer_recv(fd, total, t->index, &hash, 1, SYNC_MS);
	if (rc)
		return rc;
	if (ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "hash %016llx, dom0 sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
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
 * "Full ring is not an error": dom0 does not read for a while; the
 * guest's nonblocking sends fill everything and then get EAGAIN (never
 * another error); once dom0 reads, every byte arrives.
 */
int g_full_ring(struct tctx *t)
{
	static char buf[65536];
	uint64_t total = 0, extra = 1 << 20, hash = HASH_INIT;
	int fd = guest_connect_dom0(t);
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(!set_nonblock(fd, 1), "O_NONBLOCK: %s", errname(errno));
	for (;;) {
		CHECK(total < (512ull << 20), "512 MiB queued, never full");
		pattern(buf, sizeof(buf), total, t->arg);
		n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n < 0)
			break;
		hash = fnv(hash, buf, n);
		total += n;
	}
	CHECK(errno == EAGAIN, "nonblocking send to a full ring: %s",
	      errname(errno));
	CHECK_ERRNO((int)send(fd, buf, 1, MSG_NOSIGNAL), EAGAIN);
	diag("full after %llu bytes", (unsigned long long)total);
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

/*
 * Open and connect sockets until the transport runs out (ENOBUFS, the
 * errno the frontend promises for exhausted grants/rings) or a cap; then
 * close them all and check the frontend freed every socket.
 */
int g_enobufs(struct tctx *t)
{
	int *fds = calloc(opt.max_sockets, sizeof(int));
	long long base = -1, now = -1;
	int n, e = 0, i, fd;

	CHECK(fds, "calloc");
	if (!opt.inet_mode) {
		base = front_sockets();
		CHECK(base >= 0, "no 'sockets' in %s", FRONT_STATS);
	}
	if (ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	for (n = 0; n < opt.max_sockets; n++) {
		fd = test_socket();
		if (fd < 0) {
			e = errno;
			break;
		}
		fds[n] = fd;
		set_timeouts(fd, 0, 10000);
		{
			struct sockaddr_in a = lo_addr(t->port_d);

			if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
				e = errno;
				close(fd);
				break;
			}
		}
	}
	diag("%d sockets connected, then %s", n, e ? errname(e) : "cap");
	CHECK(!e || e == ENOBUFS || (opt.inet_mode && e == EMFILE),
	      "socket %d failed with %s, want ENOBUFS", n, errname(e));
	CHECK(n > 0, "not even one socket");
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (ctl_signal("done", n))
		return T_FAIL;
	/* resources came back: one more works */
	fd = connect_to(1, t->port_d + 100);
	CHECK(fd < 0 && errno == ECONNREFUSED,
	      "after closing all, a new connect: %s, want ECONNREFUSED",
	      fd < 0 ? errname(errno) : "connected");
	if (opt.inet_mode)
		return T_PASS;
	for (i = 0; i < 100; i++) {
		now = front_sockets();
		if (now == base)
			break;
		sleep_ms(100);
	}
	CHECK(now == base, "frontend 'sockets' is %lld after closing all, was %lld before",
	      now, base);
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
