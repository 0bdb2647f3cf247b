// SPDX-License-Identifier: GPL-2.0
/* Helpers of the selftest suite: reporting, sockets, bounded I/O, data. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "common.h"

static void set_reason(const char *prefix, const char *fmt, va_list ap)
{
	size_t n;

	if (!shm || shm->reason[0])
		return;	/* keep the first reason: later ones are fallout */
	n = snprintf(shm->reason, sizeof(shm->reason), "%s", prefix);
	vsnprintf(shm->reason + n, sizeof(shm->reason) - n, fmt, ap);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason("", fmt, ap);
	va_end(ap);
	return T_FAIL;
}

int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason("", fmt, ap);
	va_end(ap);
	return T_SKIP;
}

void diag(const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	fprintf(stderr, "# [%s] ", opt.side == SIDE_GUEST ? "guest" : "dom0");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

const char *errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ 0, "0" }, { EAGAIN, "EAGAIN" }, { EINVAL, "EINVAL" },
		{ EPIPE, "EPIPE" }, { EINTR, "EINTR" }, { EBADF, "EBADF" },
		{ ENOBUFS, "ENOBUFS" }, { ENOMEM, "ENOMEM" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" },
		{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EPROTOTYPE, "EPROTOTYPE" },
		{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
		{ ECONNABORTED, "ECONNABORTED" }, { EINPROGRESS, "EINPROGRESS" },
		{ EALREADY, "EALREADY" }, { EISCONN, "EISCONN" },
		{ ENOTCONN, "ENOTCONN" }, { EADDRINUSE, "EADDRINUSE" },
		{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EIO, "EIO" }, { EMFILE, "EMFILE" }, { ENFILE, "ENFILE" },
		{ EFAULT, "EFAULT" }, { ENOTSOCK, "ENOTSOCK" },
		{ ENOPROTOOPT, "ENOPROTOOPT" }, { EPERM, "EPERM" },
		{ EACCES, "EACCES" }, { EHOSTUNREACH, "EHOSTUNREACH" },
		{ ENETUNREACH, "ENETUNREACH" }, { ENOSPC, "ENOSPC" },
	};
	static char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The clock that socket timeouts (SO_RCVTIMEO, SO_SNDTIMEO) run on.  The
 * kernel counts them in jiffies, and CLOCK_MONOTONIC_COARSE is advanced
 * by the same tick work that advances jiffies (tick_do_update_jiffies64()
 * then update_wall_time()).  A tick that runs late (a guest vCPU not run
 * for 100+ ms under QEMU TCG) leaves both behind CLOCK_MONOTONIC, then
 * both jump: a timeout measured with now_sec() can then look 0.05 s long
 * although 75 jiffies passed.  Measure timeouts with both.
 */
double tick_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int test_socket(void)
{
	return socket(opt.family, SOCK_STREAM, 0);
}

int inet_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0);
}

struct sockaddr_in any_addr(int port)
{
	struct sockaddr_in a = lo_addr(port);

	a.sin_addr.s_addr = htonl(INADDR_ANY);
	return a;
}

int connect_to(int guest, int port)
{
	struct sockaddr_in a = lo_addr(port);

	return sock_connect(guest ? opt.family : AF_INET, &a);
}

int listen_on(int guest, uint32_t addr, int port, int backlog)
{
	struct sockaddr_in a = lo_addr(port);

	a.sin_addr.s_addr = htonl(addr);
	return sock_listen(guest ? opt.family : AF_INET, &a, backlog);
}

int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	double end = now_sec() + ms / 1000.0;
	int r;

	for (;;) {
		r = poll(&p, 1, ms);
		if (r >= 0)
			return r ? p.revents : 0;
		if (errno != EINTR)
			return -1;
		ms = (int)((end - now_sec()) * 1000);
		if (ms < 0)
			return 0;
	}
}

/*
 * Wait until @bytes are readable on @fd (SIOCINQ): 1 when they are, 0
 * after @ms, -1 on an error, an ioctl failure or end of file with fewer
 * queued.  For a count above what poll() can wait for (a low-water mark
 * counts up to half the ring, or half TCP's receive buffer), so it
 * polls the count every 200 us: nothing signals "this many bytes".
 */
int wait_inq(int fd, int bytes, int ms)
{
	const struct timespec pause = { .tv_nsec = 200 * 1000 };
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	double end = now_sec() + ms / 1000.0;
	int q;

	for (;;) {
		if (ioctl(fd, SIOCINQ, &q))
			return -1;
		if (q >= bytes)
			return 1;
		if (poll(&p, 1, 0) > 0 && p.revents & (POLLERR | POLLRDHUP))
			return ioctl(fd, SIOCINQ, &q) || q < bytes ? -1 : 1;
		if (now_sec() > end)
			return 0;
		nanosleep(&pause, NULL);
	}
}

/* wait_fd() as 0 when ready, else -1 and errno (ETIMEDOUT: @ms passed) */
static int wait_ready(int fd, short events, int ms)
{
	int r = wait_fd(fd, events, ms);

	if (r > 0)
		return 0;
	if (r == 0)
		errno = ETIMEDOUT;
	return -1;
}

int accept_timeout(int lfd, int ms)
{
	if (wait_ready(lfd, POLLIN, ms))
		return -1;
	return accept(lfd, NULL, NULL);
}

int set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int set_timeouts(int fd, int rcv_ms, int snd_ms)
{
	struct timeval r = { rcv_ms / 1000, (rcv_ms % 1000) * 1000 };
	struct timeval s = { snd_ms / 1000, (snd_ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof(r)))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s, sizeof(s));
}

/*
 * Bounded I/O: a nonblocking attempt, then poll for at most @ms before
 * each retry, so neither a dead peer nor a dead transport can hang us.
 */
ssize_t send_all(int fd, const void *buf, size_t len, int ms)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(fd, p + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_ready(fd, POLLOUT, ms))
			return -1;
	}
	return done;
}

ssize_t recv_all(int fd, void *buf, size_t len, int ms)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = recv(fd, p + done, len - done, MSG_DONTWAIT);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0) {
			errno = 0;	/* early EOF */
			return done;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_ready(fd, POLLIN, ms))
			return -1;
	}
	return done;
}

ssize_t recv_wait(int fd, void *buf, size_t len, int ms)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		if (wait_fd(fd, POLLIN, ms) <= 0)
			return RECV_IDLE;
	}
}

ssize_t recv_to_eof(int fd, void *buf, size_t cap, int ms)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, p + done, cap - done, MSG_DONTWAIT);
		if (n > 0) {
			done += n;
			if (done == cap)
				return done;
			continue;
		}
		if (n == 0)
			return done;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_ready(fd, POLLIN, ms))
			return -1;
	}
}

uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* splitmix64: word k of stream @seed, so any offset is cheap to compute */
static uint64_t pat_word(uint64_t seed, uint64_t k)
{
	uint64_t z = seed * 0x632be59bd9b4e019ull + k * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void pattern(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	unsigned char *p = buf;
	size_t i = 0;

	while (i < len) {
		uint64_t w = pat_word(seed, (off + i) / 8);
		unsigned int b = (off + i) % 8;

		/*
		 * Whole words as one store (byte b of the stream word is
		 * bits 8b..8b+7, i.e. little-endian order): the GiB
		 * streams spend their guest CPU here under emulation.
		 */
		if (!b && len - i >= 8) {
			unsigned char le[8];

			for (b = 0; b < 8; b++)
				le[b] = (unsigned char)(w >> (8 * b));
			memcpy(p + i, le, 8);
			i += 8;
			continue;
		}
		for (; b < 8 && i < len; b++, i++)
			p[i] = (unsigned char)(w >> (8 * b));
	}
}

/*
 * A stream hash that does not depend on how the stream was cut into
 * writes or reads: each 8-byte word of the stream (at a multiple of 8)
 * is mixed with its index and the mixes are summed, so a byte changed,
 * lost, duplicated or moved changes the result.  Word at a time, it is
 * several times cheaper than FNV-1a, which goes byte by byte.
 */
static uint64_t shash_mix(uint64_t w, uint64_t k)
{
	uint64_t z = w ^ (k * 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 31)) * 0x7fb5d329728ea185ull;
	z = (z ^ (z >> 27)) * 0x81dadef4bc2dd44dull;
	return z ^ (z >> 33);
}

void shash_init(struct shash *s)
{
	memset(s, 0, sizeof(*s));
}

void shash_update(struct shash *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	while (len) {
		unsigned int b = s->off % 8;

		if (!b && len >= 8) {
			memcpy(&w, p, 8);
			s->sum += shash_mix(w, s->off / 8);
			s->off += 8;
			p += 8;
			len -= 8;
			continue;
		}
		s->part |= (uint64_t)*p++ << (8 * b);
		s->off++;
		len--;
		if (b == 7) {
			s->sum += shash_mix(s->part, s->off / 8 - 1);
			s->part = 0;
		}
	}
}

uint64_t shash_final(const struct shash *s)
{
	uint64_t h = s->sum;

	if (s->off % 8)
		h += shash_mix(s->part, s->off / 8);
	return shash_mix(h, s->off);
}

int64_t pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed)
{
	unsigned char tmp[4096];
	const unsigned char *p = buf;
	size_t i, n, j;

	for (i = 0; i < len; i += n) {
		n = len - i < sizeof(tmp) ? len - i : sizeof(tmp);
		pattern(tmp, n, off + i, seed);
		if (memcmp(tmp, p + i, n))
			for (j = 0; j < n; j++)
				if (tmp[j] != p[i + j])
					return off + i + j;
	}
	return -1;
}

#define XBUF (1024 * 1024)

int xfer_send(int fd, uint64_t total, size_t chunk, uint64_t seed,
	      uint64_t *hash, int ms)
{
	static unsigned char buf[XBUF + 8];
	uint64_t off = 0, h = HASH_INIT;

	if (chunk > XBUF)
		chunk = XBUF;
	while (off < total) {
		size_t n = total - off < chunk ? total - off : chunk;

		pattern(buf, n, off, seed);
		h = fnv(h, buf, n);
		if (send_all(fd, buf, n, ms) != (ssize_t)n)
			return fail("send at offset %llu of %llu: %s",
				    (unsigned long long)off,
				    (unsigned long long)total, errname(errno));
		off += n;
	}
	*hash = h;
	return 0;
}

int xfer_recv(int fd, uint64_t total, uint64_t seed, uint64_t *hash,
	      int want_eof, int ms)
{
	static unsigned char buf[XBUF];
	uint64_t off = 0, h = HASH_INIT;
	int64_t bad;
	ssize_t n;
	char c;

	while (off < total) {
		size_t want = total - off < XBUF ? total - off : XBUF;

		n = recv_wait(fd, buf, want, ms);
		if (n == 0)
			return fail("EOF after %llu of %llu bytes",
				    (unsigned long long)off,
				    (unsigned long long)total);
		if (n == RECV_IDLE)
			return fail("no data for %d ms at %llu of %llu",
				    ms, (unsigned long long)off,
				    (unsigned long long)total);
		if (n < 0)
			return fail("recv at %llu of %llu: %s",
				    (unsigned long long)off,
				    (unsigned long long)total, errname(errno));
		bad = pattern_check(buf, n, off, seed);
		if (bad >= 0)
			return fail("data corrupt at stream offset %lld",
				    (long long)bad);
		h = fnv(h, buf, n);
		off += n;
	}
	*hash = h;
	if (want_eof) {
		n = recv_all(fd, &c, 1, ms);
		if (n != 0)
			return fail("no EOF after %llu bytes: %s",
				    (unsigned long long)total,
				    n > 0 ? "extra data" : errname(errno));
	}
	return 0;
}

int echo_until_eof(int fd, int ms)
{
	static char buf[65536];
	ssize_t n;

	for (;;) {
		n = recv_wait(fd, buf, sizeof(buf), ms);
		if (n == 0)
			return 0;
		if (n == RECV_IDLE)
			return fail("echo: no data for %d ms", ms);
		if (n < 0)
			return fail("echo recv: %s", errname(errno));
		if (send_all(fd, buf, n, ms) != n)
			return fail("echo send: %s", errname(errno));
	}
}

int echo_exchange(int fd, size_t len, size_t chunk, uint64_t seed, int ms)
{
	static unsigned char out[65536], in[65536];
	uint64_t sent = 0, got = 0, hs = HASH_INIT, hr = HASH_INIT;
	struct pollfd p = { .fd = fd };
	int64_t bad;
	ssize_t n;

	if (chunk > sizeof(out))
		chunk = sizeof(out);
	while (got < len) {
		p.events = POLLIN | (sent < len ? POLLOUT : 0);
		n = poll(&p, 1, ms);
		if (n == 0)
			return fail("echo stalled: sent %llu got %llu of %zu",
				    (unsigned long long)sent,
				    (unsigned long long)got, len);
		if (n < 0 && errno != EINTR)
			return fail("poll: %s", errname(errno));
		if (sent < len && (p.revents & POLLOUT)) {
			size_t m = len - sent < chunk ? len - sent : chunk;

			pattern(out, m, sent, seed);
			n = send(fd, out, m, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return fail("send: %s", errname(errno));
			if (n > 0) {
				hs = fnv(hs, out, n);
				sent += n;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
			if (n == 0)
				return fail("EOF after %llu echoed bytes",
					    (unsigned long long)got);
			if (n < 0 && errno != EAGAIN)
				return fail("recv: %s", errname(errno));
			if (n > 0) {
				bad = pattern_check(in, n, got, seed);
				if (bad >= 0)
					return fail("echo corrupt at offset %lld",
						    (long long)bad);
				hr = fnv(hr, in, n);
				got += n;
			}
		}
	}
	if (hs != hr)
		return fail("hash sent %016llx echoed %016llx",
			    (unsigned long long)hs, (unsigned long long)hr);
	return 0;
}

long long read_stat(const char *path, const char *name)
{
	char line[256], key[128];
	long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", key, &v) == 2 &&
		    !strcmp(key, name)) {
			fclose(f);
			return v;
		}
	fclose(f);
	return -1;
}

/* Keeps errno: callers read counters between a call and its errno check. */
const char *front_stats(void)
{
	struct stat st;
	int e = errno;
	bool loopback = !stat("/sys/module/pvcalls_loopback", &st);

	errno = e;
	return loopback ? "/sys/kernel/debug/pvcalls-loopback/stats" :
			  "/sys/kernel/debug/xen-pvcalls-front/stats";
}

long long front_rings(int order)
{
	char k[32];

	snprintf(k, sizeof(k), "rings_order%d", order);
	return read_stat(FRONT_STATS, k);
}

long read_param(const char *path, long dflt)
{
	long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}
