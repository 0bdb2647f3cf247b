// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for test-host.sh, run under pvcalls-run in its test mode
 * (--substitute-family inet), where a moved socket is a plain AF_INET
 * socket with priority 5 (IP_TOS only ever sets 0, 2, 4 or 6).  Each
 * command prints one line of key=value words that the script compares.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define MARK 5

static int moved(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &v, &len);
	return v == MARK;
}

static void describe(const char *name, int fd)
{
	if (fd < 0) {
		printf("%s errno=%s\n", name, strerrorname_np(errno));
		return;
	}
	printf("%s moved=%d nonblock=%d cloexec=%d\n", name, moved(fd),
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
}

static int cmd_flags(void)
{
	describe("plain", socket(AF_INET, SOCK_STREAM, 0));
	describe("tcp", socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
	describe("nonblock", socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	describe("cloexec", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	describe("both", socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
				SOCK_CLOEXEC, IPPROTO_TCP));
	return 0;
}

static int cmd_others(void)
{
	int sv[2];

	describe("udp", socket(AF_INET, SOCK_DGRAM, 0));
	describe("raw-proto", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	describe("sctp-ish", socket(AF_INET, SOCK_SEQPACKET, 0));
	describe("inet6", socket(AF_INET6, SOCK_STREAM, 0));
	describe("inet6-udp", socket(AF_INET6, SOCK_DGRAM, 0));
	describe("unix", socket(AF_UNIX, SOCK_STREAM, 0));
	describe("mptcp", socket(AF_INET, SOCK_STREAM, 262));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0)
		describe("socketpair", sv[0]);
	describe("uring", syscall(__NR_io_uring_setup, 4, NULL));
	return 0;
}

/* socket(AF_INET, SOCK_STREAM, 0) through the i386 entry (int 0x80). */
static int cmd_i386(void)
{
	long ret;

	asm volatile ("int $0x80" : "=a"(ret)
		      : "a"(359), "b"(AF_INET), "c"(SOCK_STREAM), "d"(0)
		      : "memory");
	if (ret < 0) {
		errno = -ret;
		describe("i386", -1);
	} else {
		describe("i386", ret);
	}
	asm volatile ("int $0x80" : "=a"(ret)
		      : "a"(359), "b"(AF_UNIX), "c"(SOCK_STREAM), "d"(0)
		      : "memory");
	printf("i386-unix ok=%d\n", ret >= 0);
	return 0;
}

static int per_thread = 50;

static void *thread_fn(void *arg)
{
	long n = 0;
	int i, fd;

	for (i = 0; i < per_thread; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			n += moved(fd);
			close(fd);
		}
	}
	*(long *)arg = n;
	return NULL;
}

static int cmd_threads(int nthreads)
{
	pthread_t t[64];
	long n[64], total = 0;
	int i;

	if (nthreads > 64)
		nthreads = 64;
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, thread_fn, &n[i]);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		total += n[i];
	}
	printf("threads moved=%ld of=%d\n", total, nthreads * per_thread);
	return 0;
}

static int cmd_fork(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		describe("child", socket(AF_INET, SOCK_STREAM, 0));
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			describe("grandchild", socket(AF_INET, SOCK_STREAM, 0));
			_exit(0);
		}
		waitpid(pid, &status, 0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return 0;
}

/* Creates sockets in a loop until killed: for the target-death test. */
static int cmd_spam(void)
{
	pthread_t t[4];
	long n[4];
	int i;

	per_thread = 1 << 30;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_fn, &n[i]);
	pthread_join(t[0], NULL);
	return 0;
}

static int connect_to(int fd, const char *addr, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* connect, with options set before, then check they survived. */
static int cmd_connect(const char *addr, int port)
{
	struct timeval tv = { 7, 0 }, got;
	socklen_t len = sizeof(got);
	int one = 1, nodelay = 0, tos = 0x10, fd;
	char buf[16];

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_IP, IP_TOS, &tos, sizeof(tos));
	tos = 0;
	if (connect_to(fd, addr, port)) {
		printf("connect errno=%s\n", strerrorname_np(errno));
		return 0;
	}
	getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
	len = sizeof(nodelay);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
	len = sizeof(tos);
	getsockopt(fd, SOL_IP, IP_TOS, &tos, &len);
	if (write(fd, "ping\n", 5) != 5)
		return 1;
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, 5) != 5)
		buf[0] = 0;
	printf("connect moved=%d fd=%d rcvtimeo=%ld nodelay=%d tos=%d reply=%.4s\n",
	       moved(fd), fd, (long)got.tv_sec, !!nodelay, tos, buf);
	return 0;
}

/* non-blocking connect: EINPROGRESS, poll by a second connect(). */
static int cmd_nbconnect(const char *addr, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r, i;

	r = connect_to(fd, addr, port);
	for (i = 0; r && (errno == EINPROGRESS || errno == EALREADY) &&
	     i < 100; i++) {
		usleep(10000);
		r = connect_to(fd, addr, port);
	}
	printf("nbconnect moved=%d nonblock=%d result=%s\n", moved(fd),
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	       r ? strerrorname_np(errno) : "ok");
	return 0;
}

static int cmd_bindconnect(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (connect_to(fd, addr, port))
		printf("bindconnect errno=%s\n", strerrorname_np(errno));
	else
		printf("bindconnect moved=%d\n", moved(fd));
	return 0;
}

/* TCP Fast Open: sendto(MSG_FASTOPEN), setsockopt(TCP_FASTOPEN_CONNECT) */
static int cmd_tfo(const char *addr, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0)
		printf("tfo-sendto errno=%s\n", strerrorname_np(errno));
	else
		printf("tfo-sendto sent\n");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
		       sizeof(one)))
		printf("tfo-connect errno=%s\n", strerrorname_np(errno));
	else
		printf("tfo-connect set\n");
	return 0;
}

/* Cost of socket() + close(): the supervisor's round trip. */
static int cmd_bench(int count)
{
	struct timespec a, b;
	int i, fd;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return 1;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("bench socket+close %.1f us\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
	       count / 1e3);
	return 0;
}

/* Echo server on 127.0.0.1:port, a child per connection, until killed. */
static int cmd_echoserver(int port)
{
	int one = 1, lfd, cfd;
	struct sockaddr_in sin;
	char buf[4096];
	ssize_t n;

	signal(SIGCHLD, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 16))
		return 1;
	for (;;) {
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			while ((n = read(cfd, buf, sizeof(buf))) > 0)
				if (write(cfd, buf, n) != n)
					break;
			_exit(0);
		}
		close(cfd);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "flags"))
		return cmd_flags();
	if (!strcmp(argv[1], "others"))
		return cmd_others();
	if (!strcmp(argv[1], "i386"))
		return cmd_i386();
	if (!strcmp(argv[1], "threads") && argc > 2)
		return cmd_threads(atoi(argv[2]));
	if (!strcmp(argv[1], "fork"))
		return cmd_fork();
	if (!strcmp(argv[1], "spam"))
		return cmd_spam();
	if (!strcmp(argv[1], "connect") && argc > 3)
		return cmd_connect(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "nbconnect") && argc > 3)
		return cmd_nbconnect(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "bindconnect") && argc > 3)
		return cmd_bindconnect(argv[2], atoi(argv[3]));
	if (!strcmp(argv[1], "echoserver") && argc > 2)
		return cmd_echoserver(atoi(argv[2]));
	if (!strcmp(argv[1], "bench") && argc > 2)
		return cmd_bench(atoi(argv[2]));
	if (!strcmp(argv[1], "tfo") && argc > 3)
		return cmd_tfo(argv[2], atoi(argv[3]));
	return 2;
}
