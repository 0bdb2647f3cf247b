// SPDX-License-Identifier: GPL-2.0
/* Readiness: poll, select, epoll level and edge triggered, hangups. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include "common.h"
#include "tests.h"

/* dom0: accept; on each "send N" send N bytes; stop at "send 0". */
int d_send_on_request(struct tctx *t)
{
	char buf[4096];
	uint64_t n;
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	memset(buf, 'd', sizeof(buf));
	for (;;) {
		if (ctl_wait("send", &n, 60000)) {
			close(fd);
			return shm->peer_done[0] ? (shm->reason[0] = 0, T_PASS)
						 : T_FAIL;
		}
		if (!n)
			break;
		CHECK(n <= sizeof(buf) && send_all(fd, buf, n, SYNC_MS) ==
		      (ssize_t)n, "send: %s", errname(errno));
		if (ctl_signal("sent", 0))
			return T_FAIL;
	}
	close(fd);
	return T_PASS;
}

static int request(uint64_t n)
{
	if (ctl_signal("send", n))
		return -1;
	return n ? ctl_wait("sent", NULL, SYNC_MS) : 0;
}

static int select_rw(int fd, int *rd, int *wr, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set r, w;
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	n = select(fd + 1, &r, &w, NULL, &tv);
	*rd = FD_ISSET(fd, &r);
	*wr = FD_ISSET(fd, &w);
	return n;
}

int g_poll_select(struct tctx *t)
{
	int fd = guest_connect_dom0(t), r, rd, wr;
	char buf[8];

	if (fd < 0)
		return T_FAIL;
	r = wait_fd(fd, POLLIN | POLLOUT, 0);
	CHECK(r == POLLOUT, "idle connected socket: revents %#x, want POLLOUT",
	      r);
	CHECK(select_rw(fd, &rd, &wr, 0) == 1 && !rd && wr,
	      "select on an idle socket: readable %d writable %d", rd, wr);
	if (request(3))
		return T_FAIL;
	r = wait_fd(fd, POLLIN, SYNC_MS);
	CHECK(r & POLLIN, "no POLLIN with data queued (%#x)", r);
	/* level triggered: still readable until read */
	r = wait_fd(fd, POLLIN, 0);
	CHECK(r & POLLIN, "POLLIN gone before reading (%#x)", r);
	CHECK(select_rw(fd, &rd, &wr, 1000) == 2 && rd && wr,
	      "select with data: readable %d writable %d", rd, wr);
	CHECK(recv(fd, buf, sizeof(buf), 0) == 3, "recv: %s", errname(errno));
	r = wait_fd(fd, POLLIN, 100);
	CHECK(r == 0, "POLLIN after draining (%#x)", r);
	CHECK(select_rw(fd, &rd, &wr, 100) == 1 && !rd,
	      "select after draining: readable %d", rd);
	close(fd);
	return request(0);
}

static int ep_wait(int ep, int ms)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, ms);

	return n > 0 ? (int)ev.events : n;
}

int g_epoll(struct tctx *t)
{
	int fd = guest_connect_dom0(t), lt, et, r;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	char buf[16];

	if (fd < 0)
		return T_FAIL;
	lt = epoll_create1(0);
	et = epoll_create1(0);
	CHECK(lt >= 0 && et >= 0, "epoll_create1: %s", errname(errno));
	CHECK(!epoll_ctl(lt, EPOLL_CTL_ADD, fd, &ev), "EPOLL_CTL_ADD: %s",
	      errname(errno));
	ev.events = EPOLLIN | EPOLLET;
	CHECK(!epoll_ctl(et, EPOLL_CTL_ADD, fd, &ev), "EPOLL_CTL_ADD ET: %s",
	      errname(errno));
	r = ep_wait(lt, 0);
	CHECK(r == EPOLLOUT, "idle socket, level: %#x, want EPOLLOUT", r);
	r = ep_wait(et, 0);
	CHECK(r == 0, "idle socket, edge: %#x, want nothing", r);
	if (request(10))
		return T_FAIL;
	r = ep_wait(et, SYNC_MS);
	CHECK(r > 0 && (r & EPOLLIN), "edge: no EPOLLIN for new data (%#x)", r);
	r = ep_wait(et, 100);
	CHECK(r == 0, "edge: EPOLLIN reported twice for one arrival (%#x)", r);
	r = ep_wait(lt, 0);
	CHECK(r > 0 && (r & EPOLLIN) && (r & EPOLLOUT),
	      "level: %#x, want EPOLLIN|EPOLLOUT", r);
	r = ep_wait(lt, 0);
	CHECK(r > 0 && (r & EPOLLIN), "level: EPOLLIN not repeated (%#x)", r);
	CHECK(recv(fd, buf, 4, 0) == 4, "recv: %s", errname(errno));
	r = ep_wait(et, 100);
	CHECK(r == 0, "edge: event after a partial read (%#x)", r);
	r = ep_wait(lt, 0);
	CHECK(r > 0 && (r & EPOLLIN), "level: no EPOLLIN with 6 bytes left");
	if (request(5))
		return T_FAIL;
	r = ep_wait(et, SYNC_MS);
	CHECK(r > 0 && (r & EPOLLIN), "edge: no EPOLLIN for more data (%#x)",
	      r);
	CHECK(recv(fd, buf, sizeof(buf), 0) == 11, "recv of the rest");
	r = ep_wait(lt, 100);
	CHECK(r == EPOLLOUT, "level after draining: %#x, want EPOLLOUT", r);
	close(lt);
	close(et);
	close(fd);
	return request(0);
}

int d_shut_wr_on_request(struct tctx *t)
{
	char buf[16];
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	if (ctl_wait("shut", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	CHECK(recv_to_eof(fd, buf, sizeof(buf), SYNC_MS) == 0,
	      "no EOF from the guest");
	close(fd);
	return T_PASS;
}

int g_epoll_rdhup_hup(struct tctx *t)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int fd = guest_connect_dom0(t), ep, r;
	char c;

	if (fd < 0)
		return T_FAIL;
	ep = epoll_create1(0);
	CHECK(ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev),
	      "epoll: %s", errname(errno));
	CHECK(ep_wait(ep, 0) == 0, "event on an idle socket");
	if (ctl_signal("shut", 0))
		return T_FAIL;
	r = ep_wait(ep, SYNC_MS);
	CHECK(r > 0 && (r & EPOLLIN) && (r & EPOLLRDHUP),
	      "peer SHUT_WR: %#x, want EPOLLIN|EPOLLRDHUP", r);
	CHECK(!(r & (EPOLLHUP | EPOLLERR)), "peer SHUT_WR: %#x has HUP/ERR", r);
	CHECK(recv(fd, &c, 1, 0) == 0, "no EOF");
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	r = ep_wait(ep, SYNC_MS);
	CHECK(r > 0 && (r & EPOLLHUP), "both directions shut: %#x, no EPOLLHUP",
	      r);
	close(ep);
	close(fd);
	return T_PASS;
}

/* dom0: accept, then close with SO_LINGER 0: the guest sees a reset. */
int d_reset(struct tctx *t)
{
	struct linger lg = { 1, 0 };
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	if (ctl_wait("reset", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	      "SO_LINGER: %s", errname(errno));
	close(fd);
	return T_PASS;
}

int g_econnreset(struct tctx *t)
{
	int fd = guest_connect_dom0(t), r;
	char c;

	if (fd < 0)
		return T_FAIL;
	if (ctl_signal("reset", 0))
		return T_FAIL;
	r = wait_fd(fd, POLLIN, SYNC_MS);
	CHECK(r > 0, "no poll event after the peer's reset");
	CHECK_ERRNO((int)recv(fd, &c, 1, 0), ECONNRESET);
	close(fd);
	return T_PASS;
}

int g_epoll_err(struct tctx *t)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int fd = guest_connect_dom0(t), ep, r, err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return T_FAIL;
	ep = epoll_create1(0);
	CHECK(ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev),
	      "epoll: %s", errname(errno));
	if (ctl_signal("reset", 0))
		return T_FAIL;
	r = ep_wait(ep, SYNC_MS);
	CHECK(r > 0 && (r & EPOLLERR) && (r & EPOLLHUP),
	      "after the peer's reset: %#x, want EPOLLERR|EPOLLHUP", r);
	CHECK(!getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) &&
	      err == ECONNRESET, "SO_ERROR %s, want ECONNRESET", errname(err));
	close(ep);
	close(fd);
	return T_PASS;
}
