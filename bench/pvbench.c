// SPDX-License-Identifier: GPL-2.0
/*
 * pvbench: one benchmark program for every transport of the bench.  The
 * same code runs over a PV Calls socket (--family pvcalls) and over plain
 * TCP (--family inet: netfront/netback or dom0 loopback); only the family
 * and the address differ.
 *
 *   pvbench server [--port P] [--max-seconds S]
 *   pvbench client --family pvcalls|inet --addr A [--port P]
 *                  --transport NAME [--side guest|dom0] [--seconds S]
 *                  [--reps N] [--sizes 64,1024,...] [--tests LIST]
 *                  [--scale-n N] [--scale-max N] [--sockbuf BYTES]
 *                  [--config NAME]
 *   pvbench quit --family F --addr A [--port P]
 *
 * The server always runs in dom0 as an AF_INET server (PV Calls sockets
 * of the backend live in dom0's network namespace, so a guest's PV Calls
 * connect to 127.0.0.1:P lands there too).  Each connection starts with a
 * fixed header saying what it is for; an INFO connection returns dom0's
 * /proc/stat, /proc/meminfo and the backend's debugfs stats, taken by the
 * client before and after every measurement.
 *
 * --sockbuf BYTES (> 0): every data socket of the stream tests sets
 * SO_SNDBUF and SO_RCVBUF to BYTES before connect(), and those tests are
 * named with a suffix from BYTES (stream-guest-to-dom0-buf1m, ...), so
 * that they are rows of their own beside the default ones.  A PV Calls
 * frontend may size the socket's data ring from what the kernel stored
 * (twice BYTES, capped by net.core.wmem_max / rmem_max); the lines give
 * what getsockopt() read back (so_sndbuf, so_rcvbuf).
 *
 * connect: each connect() timed alone, from socket() to connect()
 * returning (blocking; the socket's two timeouts are set in between),
 * then the CRR exchange and close untimed; p50 and p99 per repetition.
 *
 * --config NAME: every line carries "config":"NAME" (the bench's
 * defaults pass says "defaults"), so that the report keeps its figures
 * apart from those measured with raised limits.
 *
 * The client prints one line per repetition:
 *   BENCH {"transport":...,"test":...,"metric":...,"rep":N,"value":...}
 * The host (bench/report.py) turns them into medians, min and max.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "uapi/pvcalls.h"

#define MAGIC		0x70766231u	/* "pvb1" */
#define DEF_PORT	7900
#define FRONT_STATS	"/sys/kernel/debug/xen-pvcalls-front/stats"
#define BACK_STATS	"/sys/kernel/debug/xen-pvcalls-back/stats"
#define INFO_MAX	8192
#define MAX_KEYS	64

enum test {
	T_SINK = 1,	/* client -> server: bytes, then a 1-byte ack */
	T_SOURCE,	/* server -> client: bytes */
	T_ECHO,		/* 1-byte request/response until EOF */
	T_CRR,		/* header is the request, 1-byte response, close */
	T_HOLD,		/* server keeps the connection open */
	T_RELEASE,	/* server closes every held connection */
	T_INFO,		/* server's /proc/stat, meminfo, backend stats */
	T_QUIT,
};

struct hdr {
	uint32_t magic;
	uint32_t test;
	uint64_t bytes;
	uint32_t msg;
	uint32_t pad;
};

/* ---------- common helpers ---------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		p += n;
		len -= n;
	}
	return 1;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void raise_nofile(void)
{
	struct rlimit rl = { 65536, 65536 };

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static size_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return n;
}

/*
 * From /proc/stat: the "cpu" line as it is, then the domain's context
 * switches and interrupts as "stat:" counters beside the PV Calls ones
 * (per MiB they show where CPU time goes that the event counts do not,
 * a wake-up per batch, say).  Read with getline(): the "intr" line of a
 * Xen domain holds a count per IRQ and can be longer than INFO_MAX.
 */
static size_t proc_stat_info(char *buf, size_t len)
{
	unsigned long long v;
	char *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0 && n < len) {
		if (!strncmp(line, "cpu ", 4))
			n += snprintf(buf + n, len - n, "%s", line);
		/* named so that report.py's sent/received patterns miss them */
		else if (sscanf(line, "ctxt %llu", &v) == 1)
			n += snprintf(buf + n, len - n,
				      "stat:context_switches %llu\n", v);
		else if (sscanf(line, "intr %llu", &v) == 1)
			n += snprintf(buf + n, len - n, "stat:interrupts %llu\n",
				      v);
	}
	free(line);
	fclose(f);
	return n < len ? n : len;
}

/*
 * What a domain says about itself: proc_stat_info(), MemFree,
 * MemAvailable and Slab, then the PV Calls debugfs stats (if any), one
 * "name value" a line.
 */
static size_t self_info(char *buf, size_t len, const char *stats)
{
	char tmp[INFO_MAX];
	size_t n = 0;
	char *l, *save;

	n += proc_stat_info(buf, len);
	slurp("/proc/meminfo", tmp, sizeof(tmp));
	for (l = strtok_r(tmp, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "MemFree:", 8) || !strncmp(l, "Slab:", 5) ||
		    !strncmp(l, "MemAvailable:", 13))
			n += snprintf(buf + n, len - n, "%s\n", l);
	}
	slurp(stats, tmp, sizeof(tmp));
	for (l = strtok_r(tmp, "\n", &save); l && n < len - 1;
	     l = strtok_r(NULL, "\n", &save))
		n += snprintf(buf + n, len - n, "stat:%s\n", l);
	return n < len ? n : len - 1;
}

struct info {
	int valid;
	double cpu_busy_s;	/* user+nice+system+irq+softirq */
	long memfree_kb, memavail_kb, slab_kb;
	int nkeys;
	char key[MAX_KEYS][48];
	long long val[MAX_KEYS];
};

static void parse_info(const char *text, struct info *in)
{
	char tmp[INFO_MAX], *l, *save;
	long hz = sysconf(_SC_CLK_TCK);

	memset(in, 0, sizeof(*in));
	snprintf(tmp, sizeof(tmp), "%s", text);
	for (l = strtok_r(tmp, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long u, ni, sy, id, io, irq, sirq;
		char k[48];
		long long v;

		if (sscanf(l, "cpu %llu %llu %llu %llu %llu %llu %llu",
			   &u, &ni, &sy, &id, &io, &irq, &sirq) == 7) {
			in->cpu_busy_s = (double)(u + ni + sy + irq + sirq) / hz;
			in->valid = 1;
		} else if (sscanf(l, "MemFree: %lld", &v) == 1) {
			in->memfree_kb = v;
		} else if (sscanf(l, "MemAvailable: %lld", &v) == 1) {
			in->memavail_kb = v;
		} else if (sscanf(l, "Slab: %lld", &v) == 1) {
			in->slab_kb = v;
		} else if (sscanf(l, "stat:%47s %lld", k, &v) == 2 &&
			   in->nkeys < MAX_KEYS) {
			strcpy(in->key[in->nkeys], k);
			in->val[in->nkeys++] = v;
		}
	}
}

/* ---------- server ---------- */

struct targ {
	int fd;
	struct hdr h;
};

static int *held;
static int nheld, held_cap;

static void *conn_thread(void *arg)
{
	struct targ *ta = arg;
	int fd = ta->fd;
	struct hdr h = ta->h;
	size_t sz = h.msg ? h.msg : 1;
	uint64_t left = h.bytes;
	char *buf;
	char c;

	free(ta);
	buf = malloc(sz);
	if (!buf)
		goto out;
	memset(buf, 'x', sz);
	switch (h.test) {
	case T_SINK:
		while (left) {
			size_t want = left < sz ? left : sz;
			ssize_t n = read(fd, buf, want);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			left -= n;
		}
		c = left ? 'E' : 'K';
		write_full(fd, &c, 1);
		break;
	case T_SOURCE:
		while (left) {
			size_t want = left < sz ? left : sz;

			if (write_full(fd, buf, want))
				break;
			left -= want;
		}
		/* the client closes first: wait for it, do not linger */
		if (read(fd, &c, 1) < 0)
			break;
		break;
	case T_ECHO:
		while (read(fd, &c, 1) == 1)
			if (write_full(fd, &c, 1))
				break;
		break;
	}
	free(buf);
out:
	close(fd);
	return NULL;
}

/* Connections the main thread answers itself (short) or keeps (HOLD). */
static int server_inline(int fd, struct hdr *h)
{
	char buf[INFO_MAX];
	uint32_t n;
	char c = 'K';
	int i;

	switch (h->test) {
	case T_CRR:
		write_full(fd, &c, 1);
		close(fd);
		return 1;
	case T_HOLD:
		if (nheld == held_cap) {
			int cap = held_cap ? held_cap * 2 : 1024;
			int *nh = realloc(held, cap * sizeof(*held));

			if (!nh) {
				close(fd);
				return 1;
			}
			held = nh;
			held_cap = cap;
		}
		held[nheld++] = fd;
		return 1;
	case T_RELEASE:
		for (i = 0; i < nheld; i++)
			close(held[i]);
		n = nheld;
		nheld = 0;
		write_full(fd, &n, sizeof(n));
		close(fd);
		return 1;
	case T_INFO:
		n = self_info(buf, sizeof(buf), BACK_STATS);
		write_full(fd, &n, sizeof(n));
		write_full(fd, buf, n);
		close(fd);
		return 1;
	case T_QUIT:
		close(fd);
		exit(0);
	}
	return 0;
}

static int server(int port, int max_seconds)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	struct timeval tv = { 30, 0 }, none = { 0, 0 };
	pthread_attr_t attr;
	int one = 1, ls;

	signal(SIGPIPE, SIG_IGN);
	if (max_seconds > 0)
		alarm(max_seconds);	/* never outlive the run */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (void *)&a, sizeof(a)) || listen(ls, 1024)) {
		perror("pvbench server: listen");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	fprintf(stderr, "pvbench server: listening on port %d\n", port);
	for (;;) {
		struct targ *ta;
		pthread_t t;
		struct hdr h;
		int fd = accept(ls, NULL, NULL);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
			continue;
		}
		/* a client that never sends its header cannot stall us */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (read_full(fd, &h, sizeof(h)) != 1 || h.magic != MAGIC) {
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
		if (server_inline(fd, &h))
			continue;
		ta = malloc(sizeof(*ta));
		if (!ta) {
			close(fd);
			continue;
		}
		ta->fd = fd;
		ta->h = h;
		if (pthread_create(&t, &attr, conn_thread, ta)) {
			free(ta);
			close(fd);
		}
	}
}

/* ---------- client ---------- */

static int fam = AF_INET;
static struct sockaddr_in peer;
static const char *transport = "?";
static int side_guest = 1;	/* client in the guest (else in dom0) */
static double seconds = 2.0;
static int reps = 3;
static int sockbuf;		/* --sockbuf: SO_SNDBUF/SO_RCVBUF of streams */
static int got_sndbuf, got_rcvbuf;	/* what the last such socket read back */
static const char *config;	/* --config: "config" of every line */
static double last_connect_s;	/* socket() to connect() of the last open */

/*
 * Failed connects in a row: a transport that cannot connect three times
 * running is given up (its remaining figures are errors), so a broken
 * transport costs a few timeouts, not one per figure.
 */
static int fail_streak;
#define DEAD (fail_streak >= 3)

/*
 * SO_SNDBUF and SO_RCVBUF of BYTES, before connect(); reads back what the
 * kernel stored (Linux doubles the value, capped by net.core.wmem_max /
 * rmem_max).  Returns 0 or -errno: a figure without the buffers asked for
 * would be mislabelled, so a refusal fails the transfer.
 */
static int set_bufs(int fd, int bytes)
{
	socklen_t len = sizeof(int);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got_sndbuf, &len))
		got_sndbuf = -1;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got_rcvbuf, &len))
		got_rcvbuf = -1;
	return 0;
}

/* A connection for TEST; bufs > 0: SO_SNDBUF/SO_RCVBUF set to it first. */
static int conn_open_buf(uint32_t test, uint64_t bytes, uint32_t msg,
			 int nodelay, int bufs)
{
	struct hdr h = { MAGIC, test, bytes, msg, 0 };
	struct timeval tv = { 120, 0 }, ctv = { 30, 0 };
	int one = 1, fd, err;

	double t0;

	if (DEAD)
		return -ENETUNREACH;
	t0 = now();
	fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (bufs > 0) {
		err = set_bufs(fd, bufs);
		if (err) {
			close(fd);
			return err;
		}
	}
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a broken transport ends a test, it never hangs the run */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &ctv, sizeof(ctv));
	errno = 0;
	if (connect(fd, (void *)&peer, sizeof(peer))) {
		err = errno ? errno : EIO;
		close(fd);
		/* refusals and resource limits are answers, not a dead path */
		if (err == EINPROGRESS || err == ETIMEDOUT || err == EHOSTUNREACH ||
		    err == ENETUNREACH || err == ECONNREFUSED)
			fail_streak++;
		return -err;
	}
	last_connect_s = now() - t0;
	fail_streak = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (write_full(fd, &h, sizeof(h))) {
		err = errno ? errno : EIO;
		close(fd);
		return -err;
	}
	return fd;
}

static int conn_open(uint32_t test, uint64_t bytes, uint32_t msg, int nodelay)
{
	return conn_open_buf(test, bytes, msg, nodelay, 0);
}

static int remote_info(struct info *in)
{
	char buf[INFO_MAX];
	uint32_t n;
	int fd = conn_open(T_INFO, 0, 0, 0), ok;

	memset(in, 0, sizeof(*in));
	if (fd < 0)
		return fd;
	ok = read_full(fd, &n, sizeof(n)) == 1 && n < sizeof(buf) &&
	     read_full(fd, buf, n) == 1;
	close(fd);
	if (!ok)
		return -EIO;
	buf[n] = 0;
	parse_info(buf, in);
	return 0;
}

static void local_info(struct info *in)
{
	char buf[INFO_MAX];

	self_info(buf, sizeof(buf), FRONT_STATS);
	parse_info(buf, in);
}

struct snap {
	struct info loc, rem;
};

static void snap(struct snap *s)
{
	local_info(&s->loc);
	remote_info(&s->rem);
}

static int is_event_key(const char *k)
{
	return (strstr(k, "event") || strstr(k, "notif") || strstr(k, "kick") ||
		strstr(k, "irq") || strstr(k, "eoi") || strstr(k, "runs") ||
		!strcmp(k, "context_switches") || !strcmp(k, "interrupts")) &&
		strcmp(k, "evtchns");
}

static void json_events(FILE *o, const char *pfx, const struct info *a,
			const struct info *b, int *first)
{
	int i, j;

	for (i = 0; i < b->nkeys; i++) {
		if (!is_event_key(b->key[i]))
			continue;
		for (j = 0; j < a->nkeys; j++)
			if (!strcmp(a->key[j], b->key[i]))
				break;
		if (j == a->nkeys)
			continue;
		fprintf(o, "%s\"%s:%s\":%lld", *first ? "" : ",", pfx,
			b->key[i], b->val[i] - a->val[j]);
		*first = 0;
	}
}

/* One result line; the snapshots (optional) give CPU and event deltas. */
static void emit(const char *test, const char *metric, unsigned int msg,
		 int rep, double value, const char *unit, double bytes,
		 double secs, const struct snap *s0, const struct snap *s1,
		 const char *extra)
{
	FILE *o = stdout;

	fprintf(o, "BENCH {\"transport\":\"%s\",\"test\":\"%s\","
		"\"metric\":\"%s\",\"msg_size\":%u,\"rep\":%d,"
		"\"value\":%.6g,\"unit\":\"%s\",\"bytes\":%.0f,\"secs\":%.6g",
		transport, test, metric, msg, rep, value, unit, bytes, secs);
	if (config)
		fprintf(o, ",\"config\":\"%s\"", config);
	if (s0 && s1) {
		double dl = s1->loc.cpu_busy_s - s0->loc.cpu_busy_s;
		double dr = s1->rem.cpu_busy_s - s0->rem.cpu_busy_s;
		int first = 1;

		/* dom0 numbers come from the server's INFO; a client in dom0
		 * reads the same counters, so it adds nothing
		 */
		if (s0->rem.valid && s1->rem.valid)
			fprintf(o, ",\"cpu_dom0_s\":%.4f", dr);
		if (side_guest && s0->loc.valid && s1->loc.valid)
			fprintf(o, ",\"cpu_guest_s\":%.4f", dl);
		fprintf(o, ",\"events\":{");
		if (side_guest)
			json_events(o, "front", &s0->loc, &s1->loc, &first);
		json_events(o, "back", &s0->rem, &s1->rem, &first);
		fprintf(o, "}");
	}
	if (extra)
		fprintf(o, ",%s", extra);
	fprintf(o, "}\n");
	fflush(o);
}

static void emit_error(const char *test, unsigned int msg, const char *what,
		       int err)
{
	printf("BENCH-ERROR {\"transport\":\"%s\",\"test\":\"%s\","
	       "\"msg_size\":%u,\"what\":\"%s\",\"error\":\"%s\"%s%s%s}\n",
	       transport, test, msg, what, strerror(err),
	       config ? ",\"config\":\"" : "", config ? config : "",
	       config ? "\"" : "");
	fflush(stdout);
}

static char *databuf(size_t sz)
{
	char *b = malloc(sz);

	if (b)
		memset(b, 'y', sz);
	return b;
}

/*
 * One stream transfer; returns seconds (header sent to last byte), <0 err.
 * bufs > 0: the data socket's SO_SNDBUF/SO_RCVBUF (--sockbuf).
 */
static double stream_once(int to_dom0, uint32_t msg, uint64_t bytes, int bufs)
{
	char *buf = databuf(msg);
	uint64_t left = bytes;
	double t0, t1 = -EIO;
	int fd;
	char c;

	if (!buf)
		return -ENOMEM;
	fd = conn_open_buf(to_dom0 ? T_SINK : T_SOURCE, bytes, msg, 0, bufs);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	t0 = now();
	if (to_dom0) {
		while (left) {
			size_t want = left < msg ? left : msg;

			if (write_full(fd, buf, want))
				goto out;
			left -= want;
		}
		if (read_full(fd, &c, 1) != 1 || c != 'K')
			goto out;
	} else {
		while (left) {
			ssize_t n = read(fd, buf, left < msg ? left : msg);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			left -= n;
		}
	}
	t1 = now() - t0;
out:
	if (t1 < 0)
		t1 = -(errno ? errno : EIO);
	close(fd);
	free(buf);
	return t1;
}

/* Bytes that take about `seconds` at the rate a probe transfer shows. */
static uint64_t calibrate(int to_dom0, uint32_t msg, int bufs)
{
	uint64_t probe = (uint64_t)msg * 512, b;
	double t;

	if (probe < 256 << 10)
		probe = 256 << 10;
	if (probe > 8 << 20)
		probe = 8 << 20;
	probe -= probe % msg;
	t = stream_once(to_dom0, msg, probe, bufs);
	if (t <= 0)
		return 0;
	b = probe / t * seconds;
	if (b > (2ULL << 30))
		b = 2ULL << 30;
	b -= b % msg;
	if (b < (uint64_t)msg * 8)
		b = (uint64_t)msg * 8;
	return b;
}

static double last_rate_64k;	/* bytes/s, guest->dom0 at 64 KiB */

/* "-buf1m", "-buf256k", "-buf5000": the test name suffix of --sockbuf */
static void buf_suffix(char *out, size_t len, int bytes)
{
	if (bytes <= 0)
		snprintf(out, len, "%s", "");
	else if (bytes % (1 << 20) == 0)
		snprintf(out, len, "-buf%dm", bytes >> 20);
	else if (bytes % 1024 == 0)
		snprintf(out, len, "-buf%dk", bytes >> 10);
	else
		snprintf(out, len, "-buf%d", bytes);
}

static void test_stream(int to_dom0, uint32_t msg)
{
	const char *base = to_dom0 ? "stream-guest-to-dom0" :
				     "stream-dom0-to-guest";
	char name[64], sfx[24], extra[96], *ex = NULL;
	uint64_t bytes;
	struct snap s0, s1;
	double t;
	int r;

	buf_suffix(sfx, sizeof(sfx), sockbuf);
	snprintf(name, sizeof(name), "%s%s", base, sfx);
	got_sndbuf = got_rcvbuf = 0;
	bytes = calibrate(to_dom0, msg, sockbuf);

	if (!bytes) {
		emit_error(name, msg, "calibration transfer", errno ? errno : EIO);
		return;
	}
	for (r = 0; r < reps; r++) {
		snap(&s0);
		t = stream_once(to_dom0, msg, bytes, sockbuf);
		snap(&s1);
		if (t <= 0) {
			emit_error(name, msg, "transfer", (int)-t);
			continue;
		}
		if (to_dom0 && msg == 65536 && !sockbuf)
			last_rate_64k = bytes / t;
		if (sockbuf) {
			snprintf(extra, sizeof(extra),
				 "\"sockbuf\":%d,\"so_sndbuf\":%d,\"so_rcvbuf\":%d",
				 sockbuf, got_sndbuf, got_rcvbuf);
			ex = extra;
		}
		if (t > 3 * seconds) {
			/* the probe overestimated the rate: keep reps short */
			uint64_t nb = bytes * seconds / t;

			nb -= nb % msg;
			bytes = nb > msg ? nb : msg;
		}
		emit(name, "throughput", msg, r, bytes * 8 / t / 1e6, "Mbit/s",
		     bytes, t, &s0, &s1, ex);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_rr(void)
{
	size_t cap = 1 << 20, n = 0;
	double *lat = malloc(cap * sizeof(*lat));
	double t0, t, end;
	int r, fd;
	char c = 'q';

	for (r = 0; r < reps && lat; r++) {
		fd = conn_open(T_ECHO, 0, 1, 1);
		if (fd < 0) {
			emit_error("rr", 1, "connect", -fd);
			continue;
		}
		n = 0;
		t0 = now();
		end = t0 + seconds;
		for (t = t0; t < end && n < cap;) {
			double a = t;

			if (write_full(fd, &c, 1) || read_full(fd, &c, 1) != 1)
				break;
			t = now();
			lat[n++] = (t - a) * 1e6;
		}
		close(fd);
		if (!n) {
			emit_error("rr", 1, "request/response", errno ? errno : EIO);
			continue;
		}
		t = now() - t0;
		qsort(lat, n, sizeof(*lat), cmp_double);
		emit("rr", "latency-p50", 1, r, lat[n / 2], "us", 0, t, NULL,
		     NULL, NULL);
		emit("rr", "latency-p99", 1, r, lat[n * 99 / 100], "us", 0, t,
		     NULL, NULL, NULL);
		emit("rr", "rate", 1, r, n / t, "transactions/s", 0, t, NULL,
		     NULL, NULL);
	}
	free(lat);
}

static void test_crr(void)
{
	double t0, end;
	long n;
	int r, fd, err;
	char c;

	for (r = 0; r < reps; r++) {
		n = 0;
		err = 0;
		t0 = now();
		end = t0 + seconds;
		while (now() < end) {
			fd = conn_open(T_CRR, 0, 0, 1);
			if (fd < 0) {
				err = -fd;
				break;
			}
			if (read_full(fd, &c, 1) != 1) {
				err = errno ? errno : EIO;
				close(fd);
				break;
			}
			close(fd);
			n++;
		}
		if (err)
			emit_error("crr", 0, "connect/request/close", err);
		if (n)
			emit("crr", "rate", 0, r, n / (now() - t0),
			     "connections/s", 0, now() - t0, NULL, NULL, NULL);
	}
}

/*
 * Connect latency: connections one after the other for `seconds`, each
 * connect() timed alone (conn_open_buf: socket() to connect() returning);
 * the CRR request, its answer and the close stay outside the time, but
 * each connection is complete before the next starts.
 */
static void test_connect(void)
{
	size_t cap = 1 << 16, n;
	double *lat = malloc(cap * sizeof(*lat));
	char extra[48], c;
	double t0, end, t;
	int r, fd, err;

	for (r = 0; r < reps && lat; r++) {
		n = 0;
		err = 0;
		t0 = now();
		end = t0 + seconds;
		while (now() < end && n < cap) {
			fd = conn_open(T_CRR, 0, 0, 0);
			if (fd < 0) {
				err = -fd;
				break;
			}
			lat[n++] = last_connect_s * 1e6;
			if (read_full(fd, &c, 1) != 1) {
				err = errno ? errno : EIO;
				close(fd);
				break;
			}
			close(fd);
		}
		t = now() - t0;
		if (err)
			emit_error("connect", 0, "connect/request/close", err);
		if (!n)
			continue;
		qsort(lat, n, sizeof(*lat), cmp_double);
		snprintf(extra, sizeof(extra), "\"samples\":%zu", n);
		emit("connect", "latency-p50", 0, r, lat[n / 2], "us", 0, t,
		     NULL, NULL, extra);
		emit("connect", "latency-p99", 0, r, lat[n * 99 / 100], "us", 0,
		     t, NULL, NULL, extra);
	}
	free(lat);
}

struct cc_arg {
	uint64_t bytes;
	double secs;
};

static void *cc_thread(void *p)
{
	struct cc_arg *a = p;

	a->secs = stream_once(1, 65536, a->bytes, 0);
	return NULL;
}

static void test_concurrent(int nstreams)
{
	struct cc_arg a[64];
	pthread_t t[64];
	struct snap s0, s1;
	uint64_t each;
	double t0, t1, total;
	int r, i, ok;

	if (nstreams > 64)
		nstreams = 64;
	if (last_rate_64k <= 0) {
		each = calibrate(1, 65536, 0);
		last_rate_64k = each / seconds;
	}
	each = last_rate_64k * seconds / nstreams;
	each -= each % 65536;
	if (each < 65536)
		each = 65536;
	for (r = 0; r < reps; r++) {
		snap(&s0);
		t0 = now();
		for (i = 0; i < nstreams; i++) {
			a[i].bytes = each;
			a[i].secs = -1;
			if (pthread_create(&t[i], NULL, cc_thread, &a[i]))
				a[i].secs = -EAGAIN;
		}
		ok = 0;
		for (i = 0; i < nstreams; i++) {
			if (a[i].secs != -EAGAIN)
				pthread_join(t[i], NULL);
			ok += a[i].secs > 0;
		}
		t1 = now() - t0;
		snap(&s1);
		if (ok < nstreams) {
			emit_error("concurrent-16", 65536, "a stream failed", EIO);
			continue;
		}
		total = (double)each * nstreams;
		emit("concurrent-16", "throughput", 65536, r,
		     total * 8 / t1 / 1e6, "Mbit/s", total, t1, &s0, &s1, NULL);
	}
}

/* ---------- scale: held connections ---------- */

static int *hfd;
static int nh;

static void release_all(void)
{
	uint32_t n;
	int fd, i;

	for (i = 0; i < nh; i++)
		close(hfd[i]);
	nh = 0;
	fd = conn_open(T_RELEASE, 0, 0, 0);
	if (fd >= 0) {
		if (read_full(fd, &n, sizeof(n)) != 1)
			n = 0;
		close(fd);
	}
	sleep(2);	/* let both ends finish tearing down */
}

/* Opens connections up to n; returns 0 or the errno that stopped it. */
static int hold_to(int n, double deadline, char *why, size_t whylen)
{
	struct info li, ri;

	while (nh < n) {
		if (now() > deadline) {
			snprintf(why, whylen, "time bound reached (%d connections held)",
				 nh);
			return ETIME;
		}
		int fd = conn_open(T_HOLD, 0, 0, 0);

		if (fd < 0) {
			snprintf(why, whylen, "connect failed: %s",
				 strerror(-fd));
			return -fd;
		}
		hfd[nh++] = fd;
		if (nh % 200 == 0) {
			/* stop before the OOM killer picks a process */
			local_info(&li);
			if (li.memavail_kb && li.memavail_kb < 64 * 1024) {
				snprintf(why, whylen, "%s MemAvailable below 64 MiB (%ld KiB)",
					 side_guest ? "guest" : "dom0",
					 li.memavail_kb);
				return ENOMEM;
			}
			if (!remote_info(&ri) && ri.memavail_kb &&
			    ri.memavail_kb < 128 * 1024) {
				snprintf(why, whylen, "dom0 MemAvailable below 128 MiB (%ld KiB)",
					 ri.memavail_kb);
				return ENOMEM;
			}
		}
	}
	return 0;
}

static double scale_secs = 60, scale_max_secs = 180;

static void test_scale(int n, int max)
{
	char why[256] = "", extra[1024];
	struct snap s0, s1;
	double t0, t;
	int r, err;

	hfd = calloc(max > n ? max : n, sizeof(*hfd));
	if (!hfd)
		return;
	for (r = 0; r < reps && n > 0; r++) {
		snap(&s0);
		t0 = now();
		err = hold_to(n, t0 + scale_secs, why, sizeof(why));
		t = now() - t0;
		sleep(1);
		snap(&s1);
		/* under emulation N may take too long: use what was reached */
		if (err && !(err == ETIME && nh >= 10)) {
			emit_error("scale", n, why, err);
			release_all();
			continue;
		}
		emit("scale", "connect-rate", 0, r, nh / t, "connections/s", 0,
		     t, NULL, NULL, NULL);
		/* MemFree drop and Slab growth per held connection */
		if (side_guest) {
			emit("scale", "mem-guest-memfree", nh, r,
			     (double)(s0.loc.memfree_kb - s1.loc.memfree_kb) / nh,
			     "KiB/connection", 0, t, NULL, NULL, NULL);
			emit("scale", "mem-guest-slab", nh, r,
			     (double)(s1.loc.slab_kb - s0.loc.slab_kb) / nh,
			     "KiB/connection", 0, t, NULL, NULL, NULL);
		}
		emit("scale", "mem-dom0-memfree", nh, r,
		     (double)(s0.rem.memfree_kb - s1.rem.memfree_kb) / nh,
		     "KiB/connection", 0, t, NULL, NULL, NULL);
		emit("scale", "mem-dom0-slab", nh, r,
		     (double)(s1.rem.slab_kb - s0.rem.slab_kb) / nh,
		     "KiB/connection", 0, t, NULL, NULL, NULL);
		release_all();
	}
	if (max <= 0)
		return;
	t0 = now();
	err = hold_to(max, t0 + scale_max_secs, why, sizeof(why));
	t = now() - t0;
	snap(&s1);
	if (!err)
		snprintf(why, sizeof(why), "reached the target (--scale-max %d)",
			 max);
	else if (err == ETIME)
		snprintf(why, sizeof(why),
			 "time bound (--scale-max-seconds %.0f) reached at %.1f connections/s, nothing refused",
			 scale_max_secs, nh / t);
	{
		size_t o = 0;
		int i;

		o += snprintf(extra + o, sizeof(extra) - o,
			      "\"limit\":\"%s\",\"stats_at_max\":{", why);
		for (i = 0; i < s1.rem.nkeys && o < sizeof(extra) - 64; i++)
			o += snprintf(extra + o, sizeof(extra) - o,
				      "%s\"back:%s\":%lld", i ? "," : "",
				      s1.rem.key[i], s1.rem.val[i]);
		for (i = 0; side_guest && i < s1.loc.nkeys &&
		     o < sizeof(extra) - 64; i++)
			o += snprintf(extra + o, sizeof(extra) - o,
				      "%s\"front:%s\":%lld",
				      (i || s1.rem.nkeys) ? "," : "",
				      s1.loc.key[i], s1.loc.val[i]);
		snprintf(extra + o, sizeof(extra) - o, "}");
	}
	emit("scale", "max-connections", max, 0, nh, "connections", 0, t,
	     NULL, NULL, extra);
	release_all();
}

/* ---------- main ---------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: pvbench server [--port P] [--max-seconds S]\n"
		"       pvbench client --family pvcalls|inet --addr A [--port P]\n"
		"               --transport NAME [--side guest|dom0] [--seconds S]\n"
		"               [--reps N] [--sizes a,b,..] [--tests LIST]\n"
		"               [--streams N] [--scale-n N] [--scale-max N]\n"
		"               [--scale-seconds S] [--scale-max-seconds S]\n"
		"               [--sockbuf BYTES] [--config NAME]\n"
		"       pvbench quit --family F --addr A [--port P]\n"
		"tests: stream-guest-to-dom0,stream-dom0-to-guest,rr,crr,\n"
		"       connect,concurrent,scale (default: all)\n"
		"--sockbuf BYTES: SO_SNDBUF and SO_RCVBUF of the stream tests'\n"
		"       sockets, set before connect(); their names get -bufNk/-bufNm\n"
		"--config NAME: \"config\":\"NAME\" in every result line\n");
	exit(2);
}

static int has_test(const char *list, const char *t)
{
	char buf[256], *p, *save;

	if (!list)
		return 1;
	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (!strcmp(p, t))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *addr = "127.0.0.1", *tests = NULL;
	const char *sizes = "64,1024,16384,65536,262144";
	int port = DEF_PORT, maxsec = 0, scale_n = 1000, scale_max = 10000;
	int streams = 16, i;
	char buf[256], *p, *save;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--family"))
			fam = !strcmp(v, "pvcalls") ? pvcalls_family() :
			      !strcmp(v, "inet") ? AF_INET : (usage(), 0);
		else if (!strcmp(o, "--addr"))
			addr = v;
		else if (!strcmp(o, "--port"))
			port = atoi(v);
		else if (!strcmp(o, "--transport"))
			transport = v;
		else if (!strcmp(o, "--side"))
			side_guest = !strcmp(v, "guest");
		else if (!strcmp(o, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(o, "--reps"))
			reps = atoi(v);
		else if (!strcmp(o, "--sizes"))
			sizes = v;
		else if (!strcmp(o, "--tests"))
			tests = v;
		else if (!strcmp(o, "--streams"))
			streams = atoi(v);
		else if (!strcmp(o, "--scale-n"))
			scale_n = atoi(v);
		else if (!strcmp(o, "--scale-max"))
			scale_max = atoi(v);
		else if (!strcmp(o, "--scale-seconds"))
			scale_secs = atof(v);
		else if (!strcmp(o, "--scale-max-seconds"))
			scale_max_secs = atof(v);
		else if (!strcmp(o, "--max-seconds"))
			maxsec = atoi(v);
		else if (!strcmp(o, "--sockbuf"))
			sockbuf = atoi(v);
		else if (!strcmp(o, "--config"))
			config = v;
		else
			usage();
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "server"))
		return server(port, maxsec);
	peer.sin_family = AF_INET;
	peer.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &peer.sin_addr) != 1)
		usage();
	if (!strcmp(mode, "quit")) {
		i = conn_open(T_QUIT, 0, 0, 0);
		return i < 0;
	}
	if (strcmp(mode, "client"))
		usage();
	if (reps < 1)
		reps = 1;
	if (sockbuf < 0)
		sockbuf = 0;
	fprintf(stderr, "pvbench: %s, family %d, %s:%d, %.1f s per figure, %d reps%s\n",
		transport, fam, addr, port, seconds, reps,
		sockbuf ? ", SO_SNDBUF/SO_RCVBUF set on stream sockets" : "");
	{
		struct info in;
		int err = remote_info(&in);

		if (err) {
			emit_error("all", 0,
				   "server unreachable: no figures for this transport",
				   -err);
			return 0;
		}
	}
	for (i = 0; i < 2; i++) {
		const char *name = i ? "stream-dom0-to-guest" :
				       "stream-guest-to-dom0";

		if (!has_test(tests, name))
			continue;
		snprintf(buf, sizeof(buf), "%s", sizes);
		for (p = strtok_r(buf, ",", &save); p;
		     p = strtok_r(NULL, ",", &save))
			if (atoi(p) > 0)
				test_stream(!i, atoi(p));
	}
	if (has_test(tests, "rr"))
		test_rr();
	if (has_test(tests, "crr"))
		test_crr();
	if (has_test(tests, "connect"))
		test_connect();
	if (has_test(tests, "concurrent"))
		test_concurrent(streams);
	if (has_test(tests, "scale"))
		test_scale(scale_n, scale_max);
	fprintf(stderr, "pvbench: %s done\n", transport);
	return 0;
}
