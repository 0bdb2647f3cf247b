// SPDX-License-Identifier: GPL-2.0
/*
 * The control connection between the guest and dom0 halves of the suite.
 *
 * Line protocol (one line per write, so a killed child never leaves half
 * a line behind it):
 *   guest: HELLO params...   dom0: HELLO
 *   guest: READY name        dom0: READY name      (barrier: both start)
 *   either: SYNC tag value                          (in-test barriers)
 *   both:  DONE name rc reason                      (barrier: both ended)
 *   guest: BYE
 * Lines are read one byte at a time: the parent runner and the per-test
 * child share the socket, and nothing may sit in a private buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "common.h"

int ctl_fd = -1;

static struct sockaddr_in ctl_addr(void)
{
	struct sockaddr_in a = lo_addr(opt.ctl_port);

	inet_pton(AF_INET, opt.ctl_addr, &a.sin_addr);
	return a;
}

int ctl_open_guest(int wait_secs)
{
	struct sockaddr_in a = ctl_addr();
	double end = now_sec() + wait_secs;
	int fd, e = 0;

	/* dom0's listener may come up after us: retry refusals, bounded */
	while (now_sec() < end) {
		fd = socket(opt.family, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		set_timeouts(fd, 0, 10000);	/* bounds a blocking connect */
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			set_timeouts(fd, 0, 0);
			ctl_fd = fd;
			return 0;
		}
		e = errno;
		close(fd);
		if (e != ECONNREFUSED && e != EINPROGRESS && e != ETIMEDOUT &&
		    e != EAGAIN)
			break;
		sleep_ms(500);
	}
	errno = e ? e : ETIMEDOUT;
	return -1;
}

int ctl_listen_dom0(void)
{
	struct sockaddr_in a = ctl_addr();

	return sock_listen(AF_INET, &a, 4);
}

int ctl_accept_dom0(int lfd, int wait_secs)
{
	int fd = accept_timeout(lfd, wait_secs * 1000);

	if (fd < 0)
		return -1;
	ctl_fd = fd;
	return 0;
}

int ctl_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	/* reasons may contain anything: keep it one line */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	return send_all(ctl_fd, line, n, 10000) == n ? 0 : -1;
}

int ctl_readline(char *buf, size_t len, int ms)
{
	double end = now_sec() + ms / 1000.0;
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = recv(ctl_fd, &c, 1, MSG_DONTWAIT);
		if (r == 1) {
			if (c == '\n')
				break;
			if (n + 1 < len)
				buf[n++] = c;
			continue;
		}
		if (r == 0)
			return -1;	/* peer gone */
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		ms = (int)((end - now_sec()) * 1000);
		if (ms <= 0 || wait_fd(ctl_fd, POLLIN, ms) <= 0)
			return -1;
	}
	buf[n] = 0;
	return 0;
}

int ctl_signal(const char *tag, uint64_t val)
{
	if (ctl_printf("SYNC %s %llu", tag, (unsigned long long)val))
		return fail("control: cannot send SYNC %s", tag);
	return 0;
}

int ctl_wait(const char *tag, uint64_t *val, int ms)
{
	char line[512], want[128];
	unsigned long long v;
	size_t n;

	n = snprintf(want, sizeof(want), "SYNC %s ", tag);
	if (ctl_readline(line, sizeof(line), ms))
		return fail("control: no SYNC %s from peer in %d ms", tag, ms);
	if (!strncmp(line, "DONE ", 5)) {
		/* the peer's side ended early: its reason says why */
		snprintf(shm->peer_done, sizeof(shm->peer_done), "%.250s", line);
		return fail("peer ended before SYNC %s", tag);
	}
	if (strncmp(line, want, n))
		return fail("control: got '%.60s' waiting for SYNC %s", line,
			    tag);
	v = strtoull(line + n, NULL, 10);
	if (val)
		*val = v;
	return 0;
}
