// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing the transport fairly, and the permissions a guest user has:
 * blocked accepts must not starve other users of the command ring, and
 * binding a privileged port or using the family from another network
 * namespace is refused as Linux refuses it for TCP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "common.h"
#include "tests.h"

#define N_BLOCKED	40
#define BLOCKED_PORT	9001	/* 9001..9040: clear of 7001+ and 8001+ */
#define FEW_SECONDS	10

static void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM interrupts a blocked call (EINTR) after @secs; 0 disarms. */
static void bound_call(unsigned int secs)
{
	struct sigaction sa;

	if (secs) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;	/* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
	}
	alarm(secs);
}

/*
 * 40 processes each listen on a port of their own, then all block in
 * accept() (more than the command ring's 32 slots), then are killed.
 * Afterwards a new connection must work within a few seconds and every
 * one of the 40 ports must be free to listen on again.
 */
int g_blocked_accepts_killed(struct tctx *t)
{
	long long delayed = opt.inet_mode ? -1 :
		read_stat(FRONT_STATS, "releases_delayed");
	int ready[2], go[2], i, n, fd, e;
	pid_t pids[N_BLOCKED];
	char c;

	CHECK(!pipe(ready) && !pipe(go), "pipe: %s", errname(errno));
	for (i = 0; i < N_BLOCKED; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			e = errno;
			while (i--)
				kill(pids[i], SIGKILL);
			return fail("fork: %s", errname(e));
		}
		if (!pids[i]) {
			int lfd = listen_on(1, INADDR_ANY, BLOCKED_PORT + i, 4);

			close(go[1]);
			c = lfd >= 0 ? 'y' : 'n';
			if (write(ready[1], &c, 1) != 1 || lfd < 0)
				_exit(1);
			/* all at once, once every listener is there */
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			accept(lfd, NULL, NULL);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (n = 0, e = 0; n < N_BLOCKED; n++) {
		bound_call(30);
		if (read(ready[0], &c, 1) != 1)
			break;
		if (c != 'y')
			e++;
	}
	bound_call(0);
	close(ready[0]);
	close(go[1]);		/* EOF: every child goes into accept() */
	/* let the last ones get into accept() before they are killed */
	sleep_ms(3000);
	for (i = 0; i < N_BLOCKED; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < N_BLOCKED; i++)
		waitpid(pids[i], NULL, 0);
	CHECK(n == N_BLOCKED && !e, "%d of %d listeners set up", n - e,
	      N_BLOCKED);
	if (delayed >= 0) {
		/* information only: how many closes found the ring full */
		printf("# %s: %lld releases waited for a slot\n", t->name,
		       read_stat(FRONT_STATS, "releases_delayed") - delayed);
		fflush(stdout);
	}

	if (ctl_signal("go", 0) || ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	bound_call(FEW_SECONDS);
	fd = connect_to(1, t->port_d);
	e = errno;
	bound_call(0);
	CHECK(fd >= 0, "connect after the killed accepts: %s (bound %d s)",
	      errname(e), FEW_SECONDS);
	ctl_signal("done", 0);
	close(fd);

	for (i = 0; i < N_BLOCKED; i++) {
		bound_call(FEW_SECONDS);
		fd = listen_on(1, INADDR_ANY, BLOCKED_PORT + i, 4);
		e = errno;
		bound_call(0);
		CHECK(fd >= 0, "listen on port %d again: %s (%d of %d ports free)",
		      BLOCKED_PORT + i, errname(e), i, N_BLOCKED);
		close(fd);
	}
	return T_PASS;
}

/* dom0: once the guest says "go", accept one connection and hold it. */
int d_hold_on_request(struct tctx *t)
{
	/* the guest sets up and kills its 40 listeners first */
	if (ctl_wait("go", NULL, 120000))
		return T_FAIL;
	return dom0_hold(t);
}

/* In a child: become nobody (uid and gid 65534, no groups). */
static int become_nobody(void)
{
	return setgroups(0, NULL) || setgid(65534) || setuid(65534) ? -1 : 0;
}

static int bind_port(int port)
{
	struct sockaddr_in a = any_addr(port);
	int fd = test_socket(), r, e;

	if (fd < 0)
		return -1;
	r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* The child's exit status: 0, or 1 + the step that went wrong. */
static int run_child(int (*fn)(struct tctx *t), struct tctx *t,
		     const char *what)
{
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (!pid)
		_exit(fn(t));
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", errname(errno));
	CHECK(WIFEXITED(status), "%s: child died (status %#x)", what, status);
	return WEXITSTATUS(status);
}

/*
 * As nobody: bind below ip_unprivileged_port_start (1024 by default)
 * gives EACCES; a high port binds.  Status codes for the parent.
 */
static int nobody_binds(struct tctx *t)
{
	if (become_nobody())
		return 10;
	if (bind_port(80) != -1)
		return 11;
	if (errno != EACCES)
		return 12;
	if (bind_port(t->port_g))
		return 13;
	return 0;
}

int g_bind_privileged_port_eacces(struct tctx *t)
{
	long start = read_param("/proc/sys/net/ipv4/ip_unprivileged_port_start",
				1024);
	int rc;

	if (getuid())
		return skip("needs root to drop privileges");
	CHECK(start > 80, "ip_unprivileged_port_start is %ld", start);
	/* root (CAP_NET_BIND_SERVICE) may bind a low port */
	CHECK(!bind_port(t->port_g - 8001 + 900), "root bind port %d: %s",
	      t->port_g - 8001 + 900, errname(errno));
	rc = run_child(nobody_binds, t, "nobody");
	CHECK(rc != 10, "cannot become nobody");
	CHECK(rc != 11, "nobody bound port 80, want EACCES");
	CHECK(rc != 12, "nobody binding port 80: wrong errno, want EACCES");
	CHECK(rc != 13, "nobody cannot bind port %d", t->port_g);
	CHECK(!rc, "child status %d", rc);
	return T_PASS;
}

/* In a new network namespace the family gives EAFNOSUPPORT. */
static int netns_socket(struct tctx *t)
{
	int fd;

	(void)t;
	if (unshare(CLONE_NEWNET))
		return 10;
	fd = test_socket();
	if (fd >= 0)
		return 11;
	if (errno != EAFNOSUPPORT)
		return 12;
	return 0;
}

int g_netns_socket_eafnosupport(struct tctx *t)
{
	int rc, fd;

	if (opt.inet_mode)
		return skip("AF_INET exists in every network namespace");
	if (getuid())
		return skip("needs root to unshare the network namespace");
	rc = run_child(netns_socket, t, "unshare");
	CHECK(rc != 10, "unshare(CLONE_NEWNET) failed");
	CHECK(rc != 11, "socket() in a new network namespace succeeded, want EAFNOSUPPORT");
	CHECK(rc != 12, "socket() in a new network namespace: wrong errno, want EAFNOSUPPORT");
	CHECK(!rc, "child status %d", rc);
	/* the initial namespace still has it */
	fd = test_socket();
	CHECK(fd >= 0, "socket(): %s", errname(errno));
	close(fd);
	return T_PASS;
}
