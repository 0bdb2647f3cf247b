// SPDX-License-Identifier: GPL-2.0
/* Closing, shutting down and interrupting: the calls must return. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "common.h"
#include "tests.h"

int d_send_then_wait_close(struct tctx *t)
{
	static char buf[100000];
	char c;
	int fd = dom0_accept_one(t), r;

	if (fd < 0)
		return T_FAIL;
	memset(buf, 'u', sizeof(buf));
	CHECK(send_all(fd, buf, sizeof(buf), SYNC_MS) == sizeof(buf),
	      "send: %s", errname(errno));
	if (ctl_wait("closed", NULL, SYNC_MS))
		return T_FAIL;
	/* Linux resets a connection closed with unread data; a transport
	 * that had already consumed it may end with a FIN instead.  Either
	 * way the peer must see the end, and soon.
	 */
	r = wait_fd(fd, POLLIN, SYNC_MS);
	CHECK(r > 0, "no event after the guest closed");
	r = recv(fd, &c, 1, 0);
	CHECK(r == 0 || (r < 0 && errno == ECONNRESET),
	      "recv after the guest closed: %d %s", r, errname(errno));
	diag("dom0 saw %s", r == 0 ? "EOF" : "ECONNRESET");
	close(fd);
	return T_PASS;
}

int g_close_unread(struct tctx *t)
{
	char buf[10];
	double t0;
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	CHECK(recv_all(fd, buf, sizeof(buf), SYNC_MS) == sizeof(buf),
	      "recv: %s", errname(errno));
	sleep_ms(200);	/* let the rest arrive unread */
	t0 = now_sec();
	CHECK(!close(fd), "close: %s", errname(errno));
	CHECK(now_sec() - t0 < 2, "close took %.1f s", now_sec() - t0);
	return ctl_signal("closed", 0);
}

enum blocked_call { B_RECV, B_ACCEPT, B_POLL };

struct blocker {
	int fd;
	enum blocked_call call;
	atomic_int done;
	int ret, err;
};

static void *block_thread(void *arg)
{
	struct blocker *b = arg;
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	char c;

	switch (b->call) {
	case B_RECV:
		b->ret = recv(b->fd, &c, 1, 0);
		break;
	case B_ACCEPT:
		b->ret = accept(b->fd, NULL, NULL);
		break;
	case B_POLL:
		b->ret = poll(&p, 1, 60000);
		if (b->ret > 0)
			b->ret = p.revents;
		break;
	}
	b->err = errno;
	b->done = 1;
	return NULL;
}

/*
 * Another thread blocks in @call on @fd; we shut the socket down and
 * close it.  Linux wakes the blocked call on shutdown (close alone does
 * not wake it: the call holds its own file reference).
 */
static int close_while_blocked(int fd, enum blocked_call call, int do_shutdown)
{
	struct blocker b = { .fd = fd, .call = call };
	struct timespec ts;
	pthread_t th;
	int i;

	CHECK(!pthread_create(&th, NULL, block_thread, &b), "pthread_create");
	sleep_ms(300);
	CHECK(!b.done, "call returned before close: %d %s", b.ret,
	      errname(b.err));
	if (do_shutdown)
		shutdown(fd, SHUT_RDWR);
	CHECK(!close(fd), "close: %s", errname(errno));
	for (i = 0; i < 1000 && !b.done; i++)
		sleep_ms(10);
	CHECK(b.done, "blocked call still blocked 10 s after close");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	CHECK(!pthread_timedjoin_np(th, NULL, &ts), "thread did not end");
	diag("blocked call returned %d %s", b.ret, errname(b.err));
	switch (call) {
	case B_RECV:
		CHECK(b.ret == 0 ||
		      (b.ret < 0 && (b.err == EAGAIN || b.err == EBADF)),
		      "recv returned %d %s", b.ret, errname(b.err));
		break;
	case B_ACCEPT:
		CHECK(b.ret < 0, "accept returned a socket");
		break;
	case B_POLL:
		CHECK(b.ret > 0, "poll returned %d %s", b.ret, errname(b.err));
		break;
	}
	return T_PASS;
}

int g_close_blocked_recv(struct tctx *t)
{
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	return close_while_blocked(fd, B_RECV, 1);
}

int g_close_blocked_recv_timeo(struct tctx *t)
{
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	/* no shutdown: the blocked recv ends by its own timeout */
	set_timeouts(fd, 2000, 0);
	return close_while_blocked(fd, B_RECV, 0);
}

int g_close_blocked_poll(struct tctx *t)
{
	int fd = guest_connect_dom0(t);

	if (fd < 0)
		return T_FAIL;
	return close_while_blocked(fd, B_POLL, 1);
}

int g_close_blocked_accept(struct tctx *t)
{
	int lfd = listen_on(1, INADDR_ANY, t->port_g, 16);

	CHECK(lfd >= 0, "listen: %s", errname(errno));
	return close_while_blocked(lfd, B_ACCEPT, 1);
}

/* lock-free atomics are async-signal-safe, unlike plain ints */
static atomic_int signals;

static void on_signal(int sig)
{
	(void)sig;
	signals++;
}

struct kicker {
	pthread_t target;
	int then_request;
};

static void *kick_thread(void *arg)
{
	struct kicker *k = arg;

	sleep_ms(300);
	pthread_kill(k->target, SIGUSR1);
	if (k->then_request) {
		sleep_ms(300);
		ctl_signal("send", 1);
	}
	return NULL;
}

static int recv_with_signal(struct tctx *t, int restart)
{
	struct sigaction sa;
	struct kicker k = { pthread_self(), restart };
	int fd = guest_connect_dom0(t);
	pthread_t th;
	double t0;
	ssize_t n;
	char c;
	int e;

	if (fd < 0)
		return T_FAIL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
	CHECK(!pthread_create(&th, NULL, kick_thread, &k), "pthread_create");
	t0 = now_sec();
	n = recv(fd, &c, 1, 0);
	e = errno;
	pthread_join(th, NULL);
	CHECK(signals == 1, "%d signals delivered", (int)signals);
	if (!restart) {
		CHECK(n == -1 && e == EINTR, "recv = %zd %s, want EINTR", n,
		      errname(e));
		CHECK(now_sec() - t0 < 5, "EINTR after %.1f s", now_sec() - t0);
		ctl_signal("send", 0);
	} else {
		CHECK(n == 1 && c == 'd', "restarted recv = %zd %s", n,
		      n < 0 ? errname(e) : "");
		ctl_signal("send", 0);
	}
	close(fd);
	return T_PASS;
}

int g_signal_eintr(struct tctx *t)
{
	return recv_with_signal(t, 0);
}

int g_signal_restart(struct tctx *t)
{
	return recv_with_signal(t, 1);
}

static atomic_int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

int d_accept_close(struct tctx *t)
{
	int fd = dom0_accept_one(t);

	if (fd < 0)
		return T_FAIL;
	close(fd);
	return ctl_signal("closed", 0);
}

int g_epipe_sigpipe(struct tctx *t)
{
	int fd = guest_connect_dom0(t), i, before;
	char c;
	ssize_t n = 0;

	if (fd < 0)
		return T_FAIL;
	signal(SIGPIPE, on_sigpipe);
	if (ctl_wait("closed", NULL, SYNC_MS))
		return T_FAIL;
	CHECK(recv_all(fd, &c, 1, SYNC_MS) == 0, "no EOF after the peer closed");
	/* the first send may still be accepted (TCP learns of the closed
	 * peer from its reset); then EPIPE and SIGPIPE
	 */
	for (i = 0; i < 200; i++) {
		n = send(fd, "x", 1, 0);
		if (n < 0)
			break;
		sleep_ms(20);
	}
	CHECK(n < 0 && errno == EPIPE, "send to a closed peer: %zd %s", n,
	      n < 0 ? errname(errno) : "(accepted 200 times)");
	CHECK(sigpipes == 1, "%d SIGPIPEs, want 1", (int)sigpipes);
	before = sigpipes;
	CHECK_ERRNO((int)send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK(sigpipes == before, "SIGPIPE despite MSG_NOSIGNAL");
	CHECK_ERRNO((int)write(fd, "x", 1), EPIPE);
	CHECK(sigpipes == before + 1, "write: no SIGPIPE");
	close(fd);
	return T_PASS;
}
