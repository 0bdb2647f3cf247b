// SPDX-License-Identifier: GPL-2.0
/*
 * The permissions a guest user has: binding a privileged port or using
 * the family from another network namespace is refused as Linux refuses
 * it for TCP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "common.h"
#include "tests.h"

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
