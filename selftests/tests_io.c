// SPDX-License-Identifier: GPL-2.0
/* The data path calls, their flags and socket options. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "common.h"
#include "tests.h"

enum io_method { IO_SEND, IO_WRITE, IO_SENDMSG, IO_WRITEV, IO_METHODS };
static const char *const io_names[] = { "send/recv", "write/read",
					"sendmsg/recvmsg", "writev/readv" };

/* One call of the given family, split over up to 3 iovecs. */
static ssize_t io_call(int fd, enum io_method m, int out, char *buf, size_t len)
{
	size_t a = len / 3, b = len / 3;
	struct iovec iov[3] = {
		{ buf, a }, { buf + a, b }, { buf + a + b, len - a - b },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };

	switch (m) {
	case IO_SEND:
		return out ? send(fd, buf, len, 0) : recv(fd, buf, len, 0);
	case IO_WRITE:
		return out ? write(fd, buf, len) : read(fd, buf, len);
	case IO_SENDMSG:
		return out ? sendmsg(fd, &msg, 0) : recvmsg(fd, &msg, 0);
	default:
		return out ? writev(fd, iov, 3) : readv(fd, iov, 3);
	}
}

int g_io_variants(struct tctx *t)
{
	static char out[70000], in[70000];
	int fd = guest_connect_dom0(t), m;
	size_t len, done;
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	for (m = 0; m < IO_METHODS; m++) {
		len = 1000 + 20000 * m + m;
		pattern(out, len, 0, 100 + m);
		for (done = 0; done < len; done += n) {
			n = io_call(fd, m, 1, out + done, len - done);
			CHECK(n > 0, "%s: send returned %zd %s", io_names[m], n,
			      errname(errno));
		}
		for (done = 0; done < len; done += n) {
			CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0,
			      "%s: no echo after %zu bytes", io_names[m], done);
			n = io_call(fd, m, 0, in + done, len - done);
			CHECK(n > 0, "%s: receive returned %zd %s", io_names[m],
			      n, errname(errno));
		}
		CHECK(!memcmp(in, out, len), "%s: echo differs", io_names[m]);
	}
	/* zero-length calls are no-ops */
	CHECK(send(fd, out, 0, 0) == 0, "send of 0 bytes: %s", errname(errno));
	close(fd);
	return T_PASS;
}

int d_send_pieces(struct tctx *t)
{
	char buf[3000];
	int fd = dom0_accept_one(t), i, rc;

	if (fd < 0)
		return T_FAIL;
	pattern(buf, sizeof(buf), 0, 7);
	/* three pieces apart in time: MSG_WAITALL must wait for all */
	for (i = 0; i < 3; i++) {
		sleep_ms(200);
		CHECK(send_all(fd, buf + i * 1000, 1000, SYNC_MS) == 1000,
		      "send: %s", errname(errno));
	}
	rc = ctl_wait("done", NULL, SYNC_MS);
	close(fd);
	return rc;
}

int g_msg_waitall(struct tctx *t)
{
	char buf[3000];
	int fd = guest_connect_dom0(t);
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	set_timeouts(fd, 15000, 0);	/* bounds the wait */
	n = recv(fd, buf, sizeof(buf), MSG_WAITALL);
	CHECK(n == (ssize_t)sizeof(buf), "recv(MSG_WAITALL) = %zd %s", n,
	      n < 0 ? errname(errno) : "");
	CHECK(pattern_check(buf, sizeof(buf), 0, 7) < 0, "data differs");
	close(fd);
	return ctl_signal("done", 0);
}

int d_send_abcdefgh(struct tctx *t)
{
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	CHECK(send_all(fd, "abcdefgh", 8, SYNC_MS) == 8, "send: %s",
	      errname(errno));
	rc = ctl_wait("done", NULL, SYNC_MS);
	close(fd);
	return rc;
}

int g_msg_peek(struct tctx *t)
{
	char buf[16];
	int fd = guest_connect_dom0(t);
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0, "no data");
	sleep_ms(200);	/* all 8 bytes arrive together, but let them land */
	n = recv(fd, buf, 3, MSG_PEEK);
	CHECK(n == 3 && !memcmp(buf, "abc", 3), "peek 3 = %zd", n);
	n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	CHECK(n == 8 && !memcmp(buf, "abcdefgh", 8), "peek all = %zd", n);
	n = recv(fd, buf, 2, 0);
	CHECK(n == 2 && !memcmp(buf, "ab", 2), "read 2 = %zd", n);
	n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	CHECK(n == 6 && !memcmp(buf, "cdefgh", 6), "peek rest = %zd", n);
	n = recv(fd, buf, sizeof(buf), 0);
	CHECK(n == 6 && !memcmp(buf, "cdefgh", 6), "read rest = %zd", n);
	CHECK_ERRNO((int)recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT),
		    EAGAIN);
	close(fd);
	return ctl_signal("done", 0);
}

int g_msg_dontwait(struct tctx *t)
{
	char c;
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	CHECK_ERRNO((int)recv(fd, &c, 1, MSG_DONTWAIT), EAGAIN);
	CHECK(send(fd, "x", 1, MSG_DONTWAIT) == 1, "send(MSG_DONTWAIT): %s",
	      errname(errno));
	if (ctl_wait("sent", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0, "no reply");
	CHECK(recv(fd, &c, 1, MSG_DONTWAIT) == 1 && c == 'y',
	      "recv(MSG_DONTWAIT) of the reply: %s", errname(errno));
	CHECK_ERRNO((int)recv(fd, &c, 1, MSG_DONTWAIT), EAGAIN);
	close(fd);
	return T_PASS;
}

int d_msg_dontwait(struct tctx *t)
{
	char c;
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	CHECK(recv_all(fd, &c, 1, SYNC_MS) == 1 && c == 'x', "no 'x'");
	CHECK(send(fd, "y", 1, 0) == 1, "send: %s", errname(errno));
	if (ctl_signal("sent", 0))
		return T_FAIL;
	CHECK(recv_all(fd, &c, 1, SYNC_MS) == 0, "no EOF");
	close(fd);
	return T_PASS;
}

/*
 * A call that should block for a 0.3 s socket timeout returned after @dt
 * s of CLOCK_MONOTONIC and @ct s of tick_sec().  The kernel counts the
 * timeout in jiffies, so the lower bound is checked on the tick clock
 * (see tick_sec()): a call that returns at once still fails it.  The
 * upper bound, on the real clock, catches one that does not time out.
 */
static int timeo_ok(double dt, double ct)
{
	return ct > 0.25 && dt < 5;
}

int g_so_rcvtimeo(struct tctx *t)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	double t0, dt, c0, ct;
	char c;
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	CHECK(!set_timeouts(fd, 300, 0), "SO_RCVTIMEO: %s", errname(errno));
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) &&
	      tv.tv_sec == 0 && tv.tv_usec >= 290000 && tv.tv_usec <= 310000,
	      "SO_RCVTIMEO reads back %ld.%06ld", (long)tv.tv_sec,
	      (long)tv.tv_usec);
	c0 = tick_sec();
	t0 = now_sec();
	CHECK_ERRNO((int)recv(fd, &c, 1, 0), EAGAIN);
	dt = now_sec() - t0;
	ct = tick_sec() - c0;
	diag("SO_RCVTIMEO: %.3f s, tick clock %.3f s", dt, ct);
	CHECK(timeo_ok(dt, ct),
	      "recv timed out after %.3f s (tick clock %.3f s), want 0.3", dt, ct);
	close(fd);
	return ctl_signal("done", 0);
}

int g_so_sndtimeo(struct tctx *t)
{
	static char buf[65536];
	uint64_t total = 0, hash = HASH_INIT;
	double t0 = 0, dt, c0 = 0, ct;
	int fd = guest_connect_dom0(t), e;
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(!set_timeouts(fd, 0, 300), "SO_SNDTIMEO: %s", errname(errno));
	/* dom0 does not read: the send eventually times out */
	for (;;) {
		CHECK(total < (512ull << 20), "512 MiB sent and no timeout");
		pattern(buf, sizeof(buf), total, 21);
		c0 = tick_sec();
		t0 = now_sec();
		n = send(fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		hash = fnv(hash, buf, n);
		total += n;
	}
	e = errno;
	dt = now_sec() - t0;
	ct = tick_sec() - c0;
	diag("SO_SNDTIMEO: %.3f s, tick clock %.3f s", dt, ct);
	CHECK(e == EAGAIN, "send with a full buffer: %s, want EAGAIN",
	      errname(e));
	CHECK(timeo_ok(dt, ct),
	      "send timed out after %.3f s (tick clock %.3f s), want 0.3", dt, ct);
	diag("SO_SNDTIMEO: %llu bytes queued", (unsigned long long)total);
	if (ctl_signal("full", total) || ctl_signal("hash", hash))
		return T_FAIL;
	if (ctl_wait("got", NULL, 120000))
		return T_FAIL;
	close(fd);
	return T_PASS;
}

/* Accept, wait for "full" (bytes the guest queued), then read them all. */
int d_read_after_full(struct tctx *t)
{
	uint64_t total, want, hash;
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	if (ctl_wait("full", &total, 120000) || ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	rc = xfer_recv(fd, total, t->arg, &hash, 0, SYNC_MS);
	if (rc)
		return rc;
	CHECK(hash == want, "hash %016llx, guest sent %016llx",
	      (unsigned long long)hash, (unsigned long long)want);
	close(fd);
	return ctl_signal("got", 0);
}

int g_sockopt_identity(struct tctx *t)
{
	int fd = test_socket(), v;
	socklen_t len = sizeof(v);

	(void)t;
	CHECK(fd >= 0, "socket: %s", errname(errno));
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) && v == SOCK_STREAM,
	      "SO_TYPE %d", v);
	len = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) &&
	      v == opt.family, "SO_DOMAIN %d, want %d", v, opt.family);
	len = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) && v == 0,
	      "SO_ERROR %d", v);
	len = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) && v == 0,
	      "SO_ACCEPTCONN %d on a new socket", v);
	close(fd);
	return T_PASS;
}

int g_tcp_options(struct tctx *t)
{
	struct linger lg = { 1, 5 }, lg2;
	struct tcp_info ti;
	int fd = test_socket(), one = 1, v, rc;
	int sz = 256 * 1024;
	socklen_t len;

	CHECK(fd >= 0, "socket: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
	      "SO_REUSEADDR: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
	      "SO_KEEPALIVE: %s", errname(errno));
	CHECK(!setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
	      "TCP_NODELAY: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	      "SO_LINGER: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)),
	      "SO_SNDBUF: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)),
	      "SO_RCVBUF: %s", errname(errno));
	len = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len) && v,
	      "SO_REUSEADDR reads back %d", v);
	len = sizeof(v);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len) && v,
	      "SO_KEEPALIVE reads back %d", v);
	len = sizeof(v);
	CHECK(!getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) && v,
	      "TCP_NODELAY reads back %d", v);
	len = sizeof(lg2);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg2, &len) &&
	      lg2.l_onoff && lg2.l_linger == 5, "SO_LINGER reads back %d/%d",
	      lg2.l_onoff, lg2.l_linger);
	close(fd);
	fd = guest_connect_dom0(t);
	if (fd < 0)
		return T_FAIL;
	/* TCP_INFO (iperf3 asks for it every second) knows the state */
	len = sizeof(ti);
	memset(&ti, 0xff, sizeof(ti));
	CHECK(!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len),
	      "TCP_INFO: %s", errname(errno));
	CHECK(len > 0 && ti.tcpi_state == TCP_ESTABLISHED,
	      "TCP_INFO: length %u, state %u, want %d", len, ti.tcpi_state,
	      TCP_ESTABLISHED);
	/* and on a connected socket, then data still flows */
	CHECK(!setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
	      "TCP_NODELAY after connect: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
	      "SO_KEEPALIVE after connect: %s", errname(errno));
	rc = echo_exchange(fd, 65536, 1000, 31, SYNC_MS);
	close(fd);
	return rc;
}

int g_so_rcvlowat(struct tctx *t)
{
	char buf[256];
	int fd = guest_connect_dom0(t), lowat = 100, r, q = -1;
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)),
	      "SO_RCVLOWAT: %s", errname(errno));
	if (ctl_signal("send", 50) || ctl_wait("sent", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(wait_inq(fd, 50, SYNC_MS) > 0, "SIOCINQ never 50: %s",
	      errname(errno));
	CHECK(!ioctl(fd, SIOCINQ, &q) && q == 50, "SIOCINQ %d, want 50", q);
	CHECK(!ioctl(fd, SIOCOUTQ, &q) && q == 0, "SIOCOUTQ %d, want 0", q);
	r = wait_fd(fd, POLLIN, 500);
	CHECK(r == 0, "POLLIN (%#x) with 50 bytes queued and SO_RCVLOWAT 100",
	      r);
	if (ctl_signal("send", 60) || ctl_wait("sent", NULL, SYNC_MS))
		return T_FAIL;
	r = wait_fd(fd, POLLIN, SYNC_MS);
	CHECK(r > 0 && (r & POLLIN), "no POLLIN with 110 bytes queued");
	CHECK(!ioctl(fd, SIOCINQ, &q) && q == 110, "SIOCINQ %d, want 110", q);
	n = recv(fd, buf, sizeof(buf), 0);
	CHECK(n == 110, "recv = %zd, want 110", n);
	CHECK(pattern_check(buf, n, 0, 41) < 0, "data differs");
	CHECK(!ioctl(fd, SIOCINQ, &q) && q == 0, "SIOCINQ %d after recv", q);
	close(fd);
	return ctl_signal("send", 0);
}

/*
 * Regression "reader and backend wait for each other": a low-water mark
 * above half the ring, and reads smaller than what is queued.  Once the
 * ring was full the backend waited for half a ring of space while the
 * guest, having read a little, waited for more than the ring then held.
 * A low-water mark counts up to half the ring (TCP: half its receive
 * buffer), so poll() must keep saying POLLIN until end of file.  dom0
 * sends t->arg bytes (d_write_close) and closes.
 */
/*
 * The ring order a socket buffer of @sz bytes (as getsockopt() reports
 * it: doubled) asks for, capped at the backend's max-page-order (the
 * rule is unit-tested in tests/host); 0 where that cannot be seen
 * (AF_INET mode, no debugfs).
 */
static int sockbuf_ring_order(int sz)
{
	long long offer = opt.inet_mode ? -1 :
			  read_stat(FRONT_STATS, "max_page_order");

	if (offer < 1)
		return 0;
	return pvc_ring_order_for(sz, PVC_DEFAULT_RING_ORDER, offer);
}

/*
 * One more ring of @order since @before, when that is told apart from
 * the default order-4 rings other sockets may be taking or giving back.
 */
static int check_ring_order(struct tctx *t, int order, long long before)
{
	long long after;

	if (order <= PVC_DEFAULT_RING_ORDER) {
		printf("# %s: the backend offers order %d: ring size not checked\n",
		       t->name, order);
		return 0;
	}
	after = front_rings(order);
	CHECK(after - before == 1, "rings_order%d %lld -> %lld, want one more",
	      order, before, after);
	printf("# %s: an order-%d ring (%d KiB each way)\n", t->name, order,
	       2 << order);
	return 0;
}

/*
 * SO_SNDBUF before connect() sizes the data ring (256 KiB asked, so
 * order 7 where the backend offers it), and 8 MiB echo through it,
 * pattern-checked: the larger ring wraps many times both ways.
 */
int g_sockbuf_sizes_ring(struct tctx *t)
{
	struct sockaddr_in a = lo_addr(t->port_d);
	int fd = test_socket(), sz = 256 * 1024, got = 0, order;
	socklen_t len = sizeof(got);
	long long before = 0;

	CHECK(fd >= 0, "socket: %s", errname(errno));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)),
	      "SO_SNDBUF: %s", errname(errno));
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) && got >= sz,
	      "SO_SNDBUF reads back %d for %d", got, sz);
	order = sockbuf_ring_order(got);
	if (order)
		before = front_rings(order);
	if (ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(!connect(fd, (struct sockaddr *)&a, sizeof(a)),
	      "connect: %s", errname(errno));
	if (order && check_ring_order(t, order, before))
		return T_FAIL;
	return echo_and_close(fd, 8 << 20, 65536, 13);
}

/*
 * A listener's SO_RCVBUF sizes the rings of the connections it accepts
 * (TCP's accepted sockets inherit the listener's buffers); dom0 then
 * echoes 1 MiB through one.
 */
int g_sockbuf_of_listener(struct tctx *t)
{
	struct sockaddr_in a = any_addr(t->port_g);
	int lfd = test_socket(), fd, one = 1, sz = 128 * 1024, got = 0;
	socklen_t len = sizeof(got);
	long long before = 0;
	int order, rc;

	CHECK(lfd >= 0, "socket: %s", errname(errno));
	CHECK(!setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
	      "SO_REUSEADDR: %s", errname(errno));
	CHECK(!setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)),
	      "SO_RCVBUF: %s", errname(errno));
	CHECK(!getsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got >= sz,
	      "SO_RCVBUF reads back %d for %d", got, sz);
	CHECK(!bind(lfd, (struct sockaddr *)&a, sizeof(a)), "bind: %s",
	      errname(errno));
	order = sockbuf_ring_order(got);
	if (order)
		before = front_rings(order);
	CHECK(!listen(lfd, 4), "listen: %s", errname(errno));
	if (ctl_signal("listening", 0))
		return T_FAIL;
	fd = accept_timeout(lfd, SYNC_MS);
	CHECK(fd >= 0, "accept: %s", errname(errno));
	/* the ring of the connection accepted, and none for the listener */
	if (order && check_ring_order(t, order, before))
		return T_FAIL;
	close(lfd);
	rc = echo_until_eof(fd, SYNC_MS);
	close(fd);
	return rc;
}

int g_rcvlowat_above_half_ring(struct tctx *t)
{
	int fd = guest_connect_dom0(t), lowat = 1 << 20, r, q = -1;
	uint64_t off = 0, want, polls = 0, h = HASH_INIT;
	char buf[1000];
	ssize_t n;

	if (fd < 0)
		return T_FAIL;
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)),
	      "SO_RCVLOWAT: %s", errname(errno));
	for (;;) {
		r = wait_fd(fd, POLLIN, SYNC_MS);
		CHECK(r > 0 && (r & POLLIN),
		      "no POLLIN for %d s at offset %llu (SIOCINQ %d)",
		      SYNC_MS / 1000, (unsigned long long)off,
		      ioctl(fd, SIOCINQ, &q) ? -1 : q);
		polls++;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (!n)
			break;
		CHECK(n > 0, "recv at offset %llu: %s",
		      (unsigned long long)off, errname(errno));
		CHECK(pattern_check(buf, n, off, 61) < 0,
		      "data differs near offset %llu", (unsigned long long)off);
		h = fnv(h, buf, n);
		off += n;
	}
	CHECK(off == (uint64_t)t->arg, "EOF after %llu of %llu bytes",
	      (unsigned long long)off, (unsigned long long)t->arg);
	if (ctl_wait("closed", &want, SYNC_MS))
		return T_FAIL;
	CHECK(h == want, "hash %016llx, dom0 sent %016llx",
	      (unsigned long long)h, (unsigned long long)want);
	diag("%s: %llu bytes in %llu poll+recv rounds", t->name,
	     (unsigned long long)off, (unsigned long long)polls);
	close(fd);
	return T_PASS;
}

int d_so_rcvlowat(struct tctx *t)
{
	char buf[256];
	uint64_t n, off = 0;
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	for (;;) {
		if (ctl_wait("send", &n, SYNC_MS))
			return T_FAIL;
		if (!n)
			break;
		pattern(buf, n, off, 41);
		CHECK(send_all(fd, buf, n, SYNC_MS) == (ssize_t)n, "send: %s",
		      errname(errno));
		off += n;
		sleep_ms(100);
		if (ctl_signal("sent", 0))
			return T_FAIL;
	}
	close(fd);
	return T_PASS;
}

/*
 * shutdown(SHUT_WR) as far as v1 carries it (Documentation/pvcalls.rst):
 * data sent before it arrives, later sends fail with EPIPE, the peer's
 * answer is still readable, and the peer sees end of file at close.  v1
 * has no command to send the FIN itself, so the peer's EOF before close
 * is not asserted (a TCP peer would see it at shutdown).
 */
int g_shutdown_wr(struct tctx *t)
{
	char buf[16];
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	CHECK(send_all(fd, "x", 1, SYNC_MS) == 1, "send: %s", errname(errno));
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	CHECK_ERRNO((int)send(fd, "y", 1, MSG_NOSIGNAL), EPIPE);
	CHECK(recv_all(fd, buf, 3, SYNC_MS) == 3 && !memcmp(buf, "bye", 3),
	      "no 'bye' after SHUT_WR");
	CHECK_ERRNO(shutdown(test_socket(), SHUT_WR), ENOTCONN);
	close(fd);
	return T_PASS;
}

int d_shutdown_wr(struct tctx *t)
{
	char buf[16];
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	CHECK(recv_all(fd, buf, 1, SYNC_MS) == 1 && buf[0] == 'x',
	      "want 'x' sent before the guest's SHUT_WR");
	CHECK(send_all(fd, "bye", 3, SYNC_MS) == 3, "send: %s", errname(errno));
	/* v1: the guest's close, not its SHUT_WR, ends our input */
	CHECK(recv_to_eof(fd, buf, sizeof(buf), SYNC_MS) == 0,
	      "want EOF and nothing after 'x' once the guest closed");
	close(fd);
	return T_PASS;
}
