// SPDX-License-Identifier: GPL-2.0
/*
 * Answering notifications: create the PV Calls socket and place it in
 * the target, either as the return value of its socket() (socket mode) or
 * in place of the fd its connect()/bind() names (address mode).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <linux/seccomp.h>

#include "pvcalls-run.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* Test mode: let the tests tell a moved socket from an untouched one. */
static int mark(const struct config *cfg, int fd)
{
	int prio = SUBSTITUTE_MARK;

	if (!cfg->substitute)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
}

/* Our own copy is always close-on-exec; the target's flags are separate. */
int new_socket(const struct config *cfg, int nonblock)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
	int fd;

	fd = socket(cfg->family, type, 0);
	if (fd < 0)
		return -1;
	if (mark(cfg, fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void respond(int listener, const struct seccomp_notif *n, int error,
		    unsigned int flags)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = n->id;
	resp.error = error;
	resp.flags = flags;
	/* ENOENT: the target died or was interrupted; nothing to answer. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		warnx_("answering pid %d: %s", n->pid, strerror(errno));
}

static bool still_valid(int listener, const struct seccomp_notif *n)
{
	__u64 id = n->id;

	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void handle_socket(const struct config *cfg, int listener, const void *req)
{
	const struct seccomp_notif *n = req;
	int type = (int)n->data.args[1];
	struct seccomp_notif_addfd addfd;
	int fd, tfd, err;

	if (!still_valid(listener, n))
		return;
	fd = new_socket(cfg, type & SOCK_NONBLOCK);
	if (fd < 0) {
		err = errno;
		vlog(cfg, "pid %d: socket() not moved: %s", n->pid,
		     strerror(err));
		respond(listener, n, -err, 0);
		return;
	}
	memset(&addfd, 0, sizeof(addfd));
	addfd.id = n->id;
	addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
	addfd.srcfd = fd;
	addfd.newfd_flags = (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0;
	/* On success this also answers the call: the fd is its result. */
	tfd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	err = errno;
	close(fd);
	if (tfd >= 0) {
		vlog(cfg, "pid %d: socket(AF_INET, SOCK_STREAM%s%s) = %d, moved to family %d",
		     n->pid, type & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "",
		     type & SOCK_CLOEXEC ? "|SOCK_CLOEXEC" : "", tfd,
		     cfg->family);
		return;
	}
	/* e.g. EMFILE in the target; ENOENT: it is gone */
	if (err != ENOENT)
		respond(listener, n, -err, 0);
}

/* The thread group of thread tid, which pidfd_open() wants. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* FD_CLOEXEC of the target's fd: only /proc/PID/fdinfo shows it. */
static bool target_cloexec(pid_t tid, int tfd)
{
	char path[64], line[128];
	unsigned int flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", tid, tfd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	fclose(f);
	return flags & O_CLOEXEC;
}

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -1;
	return v;
}

/*
 * Options a program may set before connect() or bind().  Each one whose
 * value differs from a fresh IPv4 TCP socket's is set again on the new
 * socket, which is what the program would have got in socket mode; the
 * frontend refuses what PV Calls v1 cannot carry, and we say so.
 */
static const struct {
	int level, name;
	const char *str;
	bool halve;	/* the kernel reports twice what was set */
} copied_opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", false },
	{ SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", false },
	{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", false },
	{ SOL_SOCKET, SO_RCVTIMEO, "SO_RCVTIMEO", false },
	{ SOL_SOCKET, SO_SNDTIMEO, "SO_SNDTIMEO", false },
	{ SOL_SOCKET, SO_LINGER, "SO_LINGER", false },
	{ SOL_SOCKET, SO_RCVLOWAT, "SO_RCVLOWAT", false },
	{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", true },
	{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", true },
	{ SOL_SOCKET, SO_MARK, "SO_MARK", false },
	{ SOL_SOCKET, SO_BINDTOIFINDEX, "SO_BINDTOIFINDEX", false },
	{ SOL_SOCKET, SO_OOBINLINE, "SO_OOBINLINE", false },
	{ SOL_IP, IP_TOS, "IP_TOS", false },
	{ SOL_IP, IP_TTL, "IP_TTL", false },
	{ SOL_IP, IP_FREEBIND, "IP_FREEBIND", false },
	{ SOL_IP, IP_TRANSPARENT, "IP_TRANSPARENT", false },
	{ SOL_IP, IP_BIND_ADDRESS_NO_PORT, "IP_BIND_ADDRESS_NO_PORT", false },
	{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", false },
	{ IPPROTO_TCP, TCP_CORK, "TCP_CORK", false },
	{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", false },
	{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", false },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", false },
	{ IPPROTO_TCP, TCP_SYNCNT, "TCP_SYNCNT", false },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT", false },
	{ IPPROTO_TCP, TCP_LINGER2, "TCP_LINGER2", false },
	{ IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG", false },
	{ IPPROTO_TCP, TCP_CONGESTION, "TCP_CONGESTION", false },
	{ IPPROTO_TCP, TCP_FASTOPEN, "TCP_FASTOPEN", false },
};

/* Copies what the program changed; says what could not be carried. */
static void copy_options(int from, int to, pid_t pid)
{
	unsigned char a[32], b[32];
	socklen_t la, lb;
	size_t i;
	int ref, v;

	/* A fresh socket of the kind the program made holds the defaults. */
	ref = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ref < 0)
		ref = to;
	for (i = 0; i < ARRAY_SIZE(copied_opts); i++) {
		la = sizeof(a);
		lb = sizeof(b);
		if (getsockopt(from, copied_opts[i].level, copied_opts[i].name,
			       a, &la))
			continue;
		if (!getsockopt(ref, copied_opts[i].level, copied_opts[i].name,
				b, &lb) && la == lb && !memcmp(a, b, la))
			continue;
		if (copied_opts[i].halve && la == sizeof(int)) {
			memcpy(&v, a, sizeof(v));
			v /= 2;
			memcpy(a, &v, sizeof(v));
		}
		if (setsockopt(to, copied_opts[i].level, copied_opts[i].name,
			       a, la))
			warnx_("pid %d: %s set before the move is lost: %s",
			       pid, copied_opts[i].str, strerror(errno));
	}
	if (ref != to)
		close(ref);
}

/*
 * connect() or bind() of fd tfd to an address in the target's memory.
 * Anything that is not a fresh IPv4 TCP socket with a selected address
 * continues untouched, and the kernel gives its usual answer.
 */
void handle_connect_bind(const struct config *cfg, int listener,
			 const void *req)
{
	const struct seccomp_notif *n = req;
	bool is_connect = n->data.nr == __NR_connect;
	const char *call = is_connect ? "connect" : "bind";
	int tfd = (int)n->data.args[0];
	struct sockaddr_in sin, bound;
	socklen_t blen = sizeof(bound);
	struct seccomp_notif_addfd addfd;
	struct iovec local, remote;
	int pidfd = -1, dup = -1, s = -1, nonblock;
	char str[INET_ADDRSTRLEN];
	bool cloexec;
	pid_t tgid;

	local.iov_base = &sin;
	local.iov_len = sizeof(sin);
	remote.iov_base = (void *)(uintptr_t)n->data.args[1];
	remote.iov_len = sizeof(sin);
	if (process_vm_readv(n->pid, &local, 1, &remote, 1, 0) != sizeof(sin)) {
		/* EFAULT and the like: the kernel will say it again */
		if (errno == EPERM)
			goto denied;
		goto cont;
	}
	/* The pid was the target's while the call is pending: check now. */
	if (!still_valid(listener, n))
		return;
	if (sin.sin_family != AF_INET)
		goto cont;
	if (!select_address(cfg, &sin)) {
		inet_ntop(AF_INET, &sin.sin_addr, str, sizeof(str));
		vlog(cfg, "pid %d: %s(%d, %s:%u): not selected, left alone",
		     n->pid, call, tfd, str, ntohs(sin.sin_port));
		goto cont;
	}

	tgid = tgid_of(n->pid);
	if (tgid < 0)
		goto cont;
	pidfd = syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		goto cont;
	if (!still_valid(listener, n))
		goto out;
	dup = syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
	if (dup < 0 && errno == EPERM)
		goto denied;
	if (dup < 0 ||
	    sockopt_int(dup, SOL_SOCKET, SO_DOMAIN) != AF_INET ||
	    sockopt_int(dup, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    sockopt_int(dup, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP)
		goto cont;
	/* Test mode: moved sockets are AF_INET too; the mark tells them. */
	if (cfg->substitute &&
	    sockopt_int(dup, SOL_SOCKET, SO_PRIORITY) == SUBSTITUTE_MARK)
		goto cont;

	/* Connected already: the kernel answers EISCONN itself. */
	if (getpeername(dup, (struct sockaddr *)&bound, &blen) == 0)
		goto cont;
	blen = sizeof(bound);
	if (getsockname(dup, (struct sockaddr *)&bound, &blen) == 0 &&
	    bound.sin_port) {
		/*
		 * Already bound (bind then connect, or a second bind): a PV
		 * Calls v1 socket cannot be bound and then connected, and
		 * moving would drop the binding.  Say so, do not pretend.
		 */
		if (is_connect) {
			warnx_("pid %d: connect() of a bound socket is not moved: EOPNOTSUPP",
			       n->pid);
			respond(listener, n, -EOPNOTSUPP, 0);
			goto out;
		}
		goto cont;
	}

	nonblock = fcntl(dup, F_GETFL);
	nonblock = nonblock >= 0 && (nonblock & O_NONBLOCK);
	cloexec = target_cloexec(n->pid, tfd);
	s = new_socket(cfg, nonblock);
	if (s < 0) {
		respond(listener, n, -errno, 0);
		goto out;
	}
	copy_options(dup, s, n->pid);
	/* IP_TOS changes the priority: mark again */
	mark(cfg, s);

	memset(&addfd, 0, sizeof(addfd));
	addfd.id = n->id;
	addfd.flags = SECCOMP_ADDFD_FLAG_SETFD;
	addfd.srcfd = s;
	addfd.newfd = tfd;
	addfd.newfd_flags = cloexec ? O_CLOEXEC : 0;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0) {
		if (errno != ENOENT)
			respond(listener, n, -errno, 0);
		goto out;
	}
	inet_ntop(AF_INET, &sin.sin_addr, str, sizeof(str));
	vlog(cfg, "pid %d: %s(%d, %s:%u): fd %d moved to family %d",
	     n->pid, call, tfd, str, ntohs(sin.sin_port), tfd, cfg->family);
cont:
	/* The kernel now runs the call itself, on whatever tfd is. */
	respond(listener, n, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	goto out;
denied:
	/*
	 * We may not look into the target (Yama ptrace_scope, a target
	 * that changed its credentials): refuse rather than let a socket
	 * that should move stay where it is.
	 */
	warnx_("pid %d: %s(): cannot inspect the process (EPERM): refused",
	       n->pid, call);
	respond(listener, n, -EPERM, 0);
out:
	if (s >= 0)
		close(s);
	if (dup >= 0)
		close(dup);
	if (pidfd >= 0)
		close(pidfd);
}
