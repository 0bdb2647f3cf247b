/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PV Calls selftest suite: shared declarations.
 *
 * The suite is one table of test pairs (tests.c).  Each pair has a guest
 * function and a dom0 function; the two sides run in separate domains
 * (or, with --family inet, as two processes on one host over loopback)
 * and meet on a control connection (control.c).  Each side of each test
 * runs in a forked child with a hard time limit, so a broken transport
 * turns into "not ok", never a hang.
 */
#ifndef PVC_SELFTEST_COMMON_H
#define PVC_SELFTEST_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <xen-pvcalls/dring.h>
#include "sock.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum side { SIDE_GUEST, SIDE_DOM0 };

/* Test results, also the exit codes of the per-test child processes. */
#define T_PASS	0
#define T_FAIL	1
#define T_SKIP	2

struct options {
	enum side side;
	int family;		/* family of the guest's test sockets */
	int inet_mode;		/* guest family is AF_INET (host sanity mode) */
	int loopback;		/* guest family is pvcalls-loopback's */
	const char *ctl_addr;	/* dom0 control address (127.0.0.1) */
	int ctl_port;		/* 7000 */
	uint64_t big;		/* bytes per large transfer */
	uint64_t max_writes;	/* cap on write calls per transfer */
	uint64_t stream;	/* bytes per random-size stream (1 GiB) */
	uint64_t seed;		/* of the streams' sizes and data */
	uint32_t wrap_n;	/* ring wrap sweep: lengths 1..wrap_n */
	int max_sockets;	/* cap of the ENOBUFS test */
	int cycles;		/* connect/transfer/close cycles (load) */
	int load_conns;		/* concurrent connections (load) */
	int wait_secs;		/* dom0: how long to wait for the guest */
	int slow;		/* waits times this on a debug kernel (1) */
	const char *only;	/* comma-separated test names, or NULL */
	int v1_only;		/* only the tests whose not_v1 is NULL */
	int verbose;
};

extern struct options opt;

/* Shared between a test's parent runner and its forked child. */
struct shared {
	char reason[256];	/* why the test failed or was skipped */
	char peer_done[256];	/* peer's DONE line if a child consumed it */
};

extern struct shared *shm;

struct tctx {
	const char *name;
	int index;		/* position in the table, from 0 */
	int port_d;		/* a dom0 server port for this test (7001+) */
	int port_g;		/* a guest server port for this test (8001+) */
	long arg;		/* the table entry's argument */
};

typedef int (*test_fn)(struct tctx *t);

struct test_pair {
	const char *name;
	test_fn run_guest;	/* runs in the guest; NULL: nothing to do */
	test_fn run_dom0;	/* runs in dom0; NULL: nothing to do */
	int timeout_s;		/* seconds per side, 0: default */
	int big;		/* scale timeout: 1 with opt.big, 2 opt.stream */
	long arg;		/* passed to both functions in tctx.arg */
	/*
	 * NULL: a plain v1 backend (one that offers no extension, such as
	 * Linux's) can carry the test, and --v1 runs it.  Else why not.
	 */
	const char *not_v1;
};

extern const struct test_pair test_table[];
extern const int test_count;

/* --- pvcalls-loopback (loopback.c) --- */
int loopback_family(void);	/* is the family pvcalls-loopback's? */
/* Why @name does not apply to pvcalls-loopback, or NULL. */
const char *loopback_skip(const char *name);

/* --- reporting (util.c) --- */
int fail(const char *fmt, ...) __printf(1, 2);
int skip(const char *fmt, ...) __printf(1, 2);
void diag(const char *fmt, ...) __printf(1, 2);
#define CHECK(cond, ...) do { if (!(cond)) return fail(__VA_ARGS__); } while (0)
/* Expect a call to fail with errno @e. */
#define CHECK_ERRNO(call, e) do {					\
	int __r = (call);						\
	if (__r != -1 || errno != (e))					\
		return fail("%s = %d errno %s, want %s", #call, __r,	\
			    __r == -1 ? errname(errno) : "-", errname(e));	\
} while (0)
const char *errname(int e);
double now_sec(void);
double tick_sec(void);		/* the jiffies-driven clock, see util.c */
void sleep_ms(int ms);

/* --- sockets (util.c) --- */
int test_socket(void);		/* guest: socket of opt.family */
int inet_socket(void);		/* dom0: AF_INET */
struct sockaddr_in any_addr(int port);
/* Connect a new socket (guest family when @guest) to 127.0.0.1:@port. */
int connect_to(int guest, int port);
/* A listener on @addr:@port with SO_REUSEADDR; guest family when @guest. */
int listen_on(int guest, uint32_t addr, int port, int backlog);
/* accept() after waiting up to @ms for a connection; -1 on timeout. */
int accept_timeout(int lfd, int ms);
/* poll() one fd; returns revents, 0 on timeout, -1 on error. */
int wait_fd(int fd, short events, int ms);
int wait_inq(int fd, int bytes, int ms);
int set_nonblock(int fd, int on);
int set_timeouts(int fd, int rcv_ms, int snd_ms);
/* Write/read exactly @len bytes, each wait bounded by @ms; -1 on error. */
ssize_t send_all(int fd, const void *buf, size_t len, int ms);
ssize_t recv_all(int fd, void *buf, size_t len, int ms);
/*
 * One recv() of up to @len bytes, retried after EAGAIN/EINTR once
 * poll() says data is there: what recv() returned (0 at EOF, -1 with
 * errno), or RECV_IDLE if poll() found nothing for @ms (or failed).
 */
#define RECV_IDLE (-2)
ssize_t recv_wait(int fd, void *buf, size_t len, int ms);
/* Read until EOF (returns bytes read) or error/timeout (-1). */
ssize_t recv_to_eof(int fd, void *buf, size_t cap, int ms);

/* --- data pattern and hashing (util.c) --- */
#define HASH_INIT 0xcbf29ce484222325ull
uint64_t fnv(uint64_t h, const void *p, size_t n);
/* Fill @buf with stream bytes [@off, @off + @len) of stream @seed. */
void pattern(void *buf, size_t len, uint64_t off, uint64_t seed);
/* A stream hash independent of how the stream is cut (util.c). */
struct shash {
	uint64_t sum, off, part;
};
void shash_init(struct shash *s);
void shash_update(struct shash *s, const void *buf, size_t len);
uint64_t shash_final(const struct shash *s);
/* Returns the first mismatching stream offset, or -1 if all match. */
int64_t pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed);
/*
 * Stream @total bytes of pattern @seed in writes of @chunk bytes; the
 * hash of what was sent goes to *@hash.  Returns 0 or fails the test.
 */
int xfer_send(int fd, uint64_t total, size_t chunk, uint64_t seed,
	      uint64_t *hash, int ms);
/* Receive exactly @total bytes of pattern @seed and verify; then EOF if
 * @want_eof. Returns 0 or fails the test.
 */
int xfer_recv(int fd, uint64_t total, uint64_t seed, uint64_t *hash,
	      int want_eof, int ms);
/* Echo everything until EOF (dom0 echo servers). */
int echo_until_eof(int fd, int ms);
/* Send @len bytes of pattern and read the echo back concurrently. */
int echo_exchange(int fd, size_t len, size_t chunk, uint64_t seed, int ms);
/* Read a "name value" line from a stats file; -1 if absent. */
long long read_stat(const char *path, const char *name);
/*
 * The frontend's debugfs stats: xen-pvcalls-front's, or pvcalls-loopback's
 * where that module carries the family (it has only "sockets").
 */
const char *front_stats(void);
#define FRONT_STATS front_stats()
/* The frontend's rings held of @order (debugfs rings_order<N>); -1 if absent. */
long long front_rings(int order);
/* Read a module parameter as an integer, or @dflt. */
long read_param(const char *path, long dflt);

/* accept4() after waiting up to @ms for a connection. */
int accept4_timeout(int lfd, int ms, int flags);
/* Both sides' usual opening: dom0 listens on port_d and signals, the
 * guest waits and connects.  Return an fd, or -1 having failed the test.
 */
int dom0_accept_one(struct tctx *t);
int guest_connect_dom0(struct tctx *t);
/* Guest listens on port_g and signals; dom0 waits and connects. */
int guest_listen(struct tctx *t);
int dom0_connect_guest(struct tctx *t);
/*
 * The usual endings of a hashed transfer.  The sender, once all is
 * written: shut down writing, give the peer the hash, wait for its
 * "got", close @fd; returns T_PASS.  The receiver, once all is read:
 * the peer's hash must be @hash ("@what <hash>, @peer sent <hash>"
 * otherwise); returns 0.  Either fails the test on an error.
 */
int send_eof_and_hash(int fd, uint64_t hash);
/*
 * The guest's half of an echo with dom0_echo on @fd: @len bytes there and
 * back, pattern-checked, nothing more after them, then close (dom0's echo
 * ends at the EOF this sends).
 */
int echo_and_close(int fd, size_t len, size_t chunk, uint64_t seed);
int check_peer_hash(uint64_t hash, const char *what, const char *peer);
/* A dom0 peer that accepts one connection and echoes until EOF. */
int dom0_echo(struct tctx *t);
/* A dom0 peer that accepts one connection and holds it until "done". */
int dom0_hold(struct tctx *t);

/* --- control connection (control.c) --- */
extern int ctl_fd;
int ctl_open_guest(int wait_secs);
int ctl_listen_dom0(void);
int ctl_accept_dom0(int lfd, int wait_secs);
int ctl_printf(const char *fmt, ...) __printf(1, 2);
/* Read one line (without newline) waiting up to @ms; -1 on EOF/timeout. */
int ctl_readline(char *buf, size_t len, int ms);
/* In-test barrier: tell the peer @tag (with a value). */
int ctl_signal(const char *tag, uint64_t val);
/* Wait for the peer's @tag; fails if the peer finished the test first. */
int ctl_wait(const char *tag, uint64_t *val, int ms);
/* The peers' in-test barriers: 20 s, longer on a slow (debug) kernel. */
#define SYNC_MS (20000 * opt.slow)

/* --- runner (runner.c) --- */
int run_guest(void);
int run_dom0(void);

#endif
