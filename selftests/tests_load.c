// SPDX-License-Identifier: GPL-2.0
/*
 * Load and faults: many concurrent connections,
 * many connect/transfer/close cycles, and a dom0 peer killed in the
 * middle of a transfer.
 *
 * The load tests print the memory of the kernel they run on before and
 * after (/proc/meminfo Slab, MemFree, VmallocUsed and the PV Calls
 * counters of debugfs) and assert that it came back: the counters
 * exactly, Slab, MemFree (and dom0's VmallocUsed, where the backend maps
 * rings) within a stated tolerance.  Each connection holds a ring of 16
 * pages and an indexes page (68 KiB) on both sides, so one connection in
 * 100 not given back would already exceed the MemFree tolerance after
 * 10 000 cycles.  Caches are shrunk before each snapshot so
 * that freed objects in partly used slabs count as little as possible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common.h"
#include "tests.h"

#define BACK_STATS "/sys/kernel/debug/xen-pvcalls-back/stats"

/* Tolerances, in KiB, of "memory back to baseline". */
#define SLAB_TOL_KB	2048
#define MEMFREE_TOL_KB	8192
#define VMALLOC_TOL_KB	512

struct memfig {
	long long slab, memfree, vmalloc;	/* KiB */
	long long socks;	/* frontend sockets / backend active+passive */
	long long rings;	/* frontend rings / backend mapped_rings */
	long long evtchns;	/* backend only */
};

static long long meminfo(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		diag("write %s: %s", path, errname(errno));
	close(fd);
}

static int on_pvcalls_guest(void)
{
	return opt.side == SIDE_GUEST && !opt.inet_mode;
}

static int on_pvcalls_dom0(void)
{
	struct stat st;

	return opt.side == SIDE_DOM0 && !stat("/sys/module/xen_pvcalls_back", &st);
}

/*
 * Give freed memory back before measuring: reclaimable slab (dentries,
 * inodes) and SLUB's empty slabs.  Best effort (root only).
 */
static void settle_memory(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	if (!on_pvcalls_guest() && !on_pvcalls_dom0())
		return;	/* not in the bed: leave the host alone */
	sync();
	write_file("/proc/sys/vm/drop_caches", "2");
	d = opendir("/sys/kernel/slab");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		write_file(path, "1");
	}
	closedir(d);
}

static void counters(struct memfig *m)
{
	struct stat st;
	int i;

	m->socks = m->rings = m->evtchns = 0;
	if (on_pvcalls_guest()) {
		if (stat(FRONT_STATS, &st))
			mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		m->socks = read_stat(FRONT_STATS, "sockets");
		for (i = 1; i <= PVC_MAX_RING_ORDER; i++)
			m->rings += front_rings(i);
	} else if (on_pvcalls_dom0()) {
		if (stat(BACK_STATS, &st))
			mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		m->socks = read_stat(BACK_STATS, "active_sockets") +
			   read_stat(BACK_STATS, "passive_sockets");
		long long cached = read_stat(BACK_STATS, "cached_rings");

		/* idle rings kept for reuse expire on their own: not ours */
		if (cached < 0)
			cached = 0;
		m->rings = read_stat(BACK_STATS, "mapped_rings") - 2 * cached;
		m->evtchns = read_stat(BACK_STATS, "evtchns") - cached;
	}
}

static void snapshot(struct memfig *m, int settle)
{
	if (settle)
		settle_memory();
	m->slab = meminfo("Slab");
	m->memfree = meminfo("MemFree");
	m->vmalloc = meminfo("VmallocUsed");
	counters(m);
}

static const char *side_name(void)
{
	return opt.side == SIDE_GUEST ? "guest" : "dom0";
}

static void print_fig(const char *test, const char *when,
		      const struct memfig *m)
{
	printf("# %s %s %s: Slab %lld kB, MemFree %lld kB, VmallocUsed %lld kB, %s %lld, %s %lld%s",
	       test, side_name(), when, m->slab, m->memfree, m->vmalloc,
	       opt.side == SIDE_GUEST ? "sockets" : "backend sockets",
	       m->socks, opt.side == SIDE_GUEST ? "rings" : "mapped_rings",
	       m->rings, opt.side == SIDE_GUEST ? "\n" : "");
	if (opt.side == SIDE_DOM0)
		printf(", evtchns %lld\n", m->evtchns);
	fflush(stdout);
}

/*
 * After a load test: wait (bounded) for the PV Calls counters to be back
 * where they were, then compare the memory figures.  Returns T_PASS or
 * fails the test naming what did not come back.
 */
static int back_to_baseline(const char *test, const struct memfig *before,
			    const struct memfig *peak)
{
	struct memfig after;
	/*
	 * With pvcalls-loopback both halves run in one kernel: each side's
	 * figures hold the other's sockets and the TCP caches both warm,
	 * given back on their own time.
	 */
	int share = loopback_family() ? 2 : 1;
	int slab_tol = share * SLAB_TOL_KB, memfree_tol = share * MEMFREE_TOL_KB;
	int i;

	for (i = 0; i < 300; i++) {
		counters(&after);
		if (after.socks == before->socks &&
		    after.rings == before->rings &&
		    after.evtchns == before->evtchns)
			break;
		sleep_ms(100);
	}
	snapshot(&after, 1);
	if (peak)
		print_fig(test, "peak", peak);
	print_fig(test, "after", &after);
	printf("# %s %s: Slab %+lld kB, MemFree %+lld kB, VmallocUsed %+lld kB (tolerance: Slab +%d kB, MemFree -%d kB%s)\n",
	       test, side_name(), after.slab - before->slab,
	       after.memfree - before->memfree,
	       after.vmalloc - before->vmalloc, slab_tol, memfree_tol,
	       opt.side == SIDE_DOM0 ? ", VmallocUsed +512 kB" : "");
	fflush(stdout);
	CHECK(after.socks == before->socks && after.rings == before->rings &&
	      after.evtchns == before->evtchns,
	      "%s counters not back after 30 s: sockets %lld->%lld rings %lld->%lld evtchns %lld->%lld",
	      side_name(), before->socks, after.socks, before->rings,
	      after.rings, before->evtchns, after.evtchns);
	CHECK(after.slab - before->slab <= slab_tol,
	      "%s Slab grew by %lld kB (tolerance %d kB)", side_name(),
	      after.slab - before->slab, slab_tol);
	CHECK(before->memfree - after.memfree <= memfree_tol,
	      "%s MemFree fell by %lld kB (tolerance %d kB)", side_name(),
	      before->memfree - after.memfree, memfree_tol);
	CHECK(opt.side != SIDE_DOM0 ||
	      after.vmalloc - before->vmalloc <= VMALLOC_TOL_KB,
	      "dom0 VmallocUsed grew by %lld kB (tolerance %d kB)",
	      after.vmalloc - before->vmalloc, VMALLOC_TOL_KB);
	return T_PASS;
}

/*
 * dom0 closes its end of a test connection after the guest's EOF with
 * SO_LINGER 0: a reset instead of a FIN, so the backend's orphaned
 * socket does not sit in TIME_WAIT for a minute holding slab memory and
 * a port (10 000 cycles would otherwise leave 10 000 of them).
 */
static void close_reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

#define LOAD_BYTES 1024

/*
 * opt.load_conns (1 000) concurrent connections: all open at once, each carries
 * 1 KiB each way (echo, hash checked) while all are open, then all close.
 */
int g_load_concurrent(struct tctx *t)
{
	static char out[LOAD_BYTES], in[LOAD_BYTES];
	struct memfig before, peak;
	int n = opt.load_conns, i, *fds = calloc(n, sizeof(int));
	char c;

	CHECK(fds, "calloc");
	snapshot(&before, 1);
	print_fig(t->name, "before", &before);
	if (ctl_signal("count", n) || ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	for (i = 0; i < n; i++) {
		fds[i] = connect_to(1, t->port_d);
		CHECK(fds[i] >= 0, "connection %d of %d: %s", i, n,
		      errname(errno));
	}
	for (i = 0; i < n; i++) {
		pattern(out, sizeof(out), 0, 5000 + i);
		CHECK(send_all(fds[i], out, sizeof(out), SYNC_MS) == sizeof(out),
		      "send on connection %d: %s", i, errname(errno));
	}
	snapshot(&peak, 0);
	printf("# %s: %d connections open at once\n", t->name, n);
	for (i = 0; i < n; i++) {
		pattern(out, sizeof(out), 0, 5000 + i);
		CHECK(recv_all(fds[i], in, sizeof(in), SYNC_MS) == sizeof(in),
		      "echo on connection %d: %s", i, errname(errno));
		CHECK(!memcmp(in, out, sizeof(in)),
		      "connection %d: echo differs", i);
		CHECK(recv(fds[i], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		      "connection %d: more echo than sent", i);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	if (ctl_signal("closed", n))
		return T_FAIL;
	return back_to_baseline(t->name, &before, &peak);
}

int d_load_concurrent(struct tctx *t)
{
	static char buf[LOAD_BYTES * 4];
	struct memfig before, peak;
	int n, i, open, r, lfd;
	struct pollfd *p;
	uint64_t count;
	ssize_t k;

	/* the guest says how many (--load-conns) */
	if (ctl_wait("count", &count, SYNC_MS))
		return T_FAIL;
	n = (int)count;
	p = calloc(n, sizeof(*p));
	CHECK(p, "calloc");
	snapshot(&before, 1);
	print_fig(t->name, "before", &before);
	lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 1024);
	CHECK(lfd >= 0, "listen: %s", errname(errno));
	if (ctl_signal("listening", 0))
		return T_FAIL;
	for (i = 0; i < n; i++) {
		p[i].fd = accept_timeout(lfd, SYNC_MS);
		p[i].events = POLLIN;
		CHECK(p[i].fd >= 0, "accept %d of %d: %s", i, n, errname(errno));
	}
	close(lfd);
	snapshot(&peak, 0);
	for (open = n; open;) {
		r = poll(p, n, SYNC_MS);
		CHECK(r > 0, "echo stalled with %d connections open", open);
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			k = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (k < 0 && errno == EAGAIN)
				continue;
			CHECK(k >= 0, "recv: %s", errname(errno));
			if (k == 0) {
				close_reset(p[i].fd);
				p[i].fd = -1;
				open--;
				continue;
			}
			CHECK(send_all(p[i].fd, buf, k, SYNC_MS) == k,
			      "echo send: %s", errname(errno));
		}
	}
	free(p);
	if (ctl_wait("closed", NULL, SYNC_MS))
		return T_FAIL;
	return back_to_baseline(t->name, &before, &peak);
}

#define CYCLE_BYTES 256

/*
 * opt.cycles times: connect, 256 bytes each way (echo, checked), close.
 * One connection at a time; a leak of anything per connection shows as
 * counters or memory that do not come back.
 */
int g_load_cycles(struct tctx *t)
{
	char out[CYCLE_BYTES], in[CYCLE_BYTES];
	struct memfig before, mid;
	double t0;
	int i, fd;

	snapshot(&before, 1);
	print_fig(t->name, "before", &before);
	if (ctl_wait("listening", NULL, SYNC_MS))
		return T_FAIL;
	t0 = now_sec();
	for (i = 0; i < opt.cycles; i++) {
		fd = connect_to(1, t->port_d);
		CHECK(fd >= 0, "cycle %d: connect: %s", i, errname(errno));
		pattern(out, sizeof(out), i, 77);
		CHECK(send_all(fd, out, sizeof(out), SYNC_MS) == sizeof(out),
		      "cycle %d: send: %s", i, errname(errno));
		CHECK(recv_all(fd, in, sizeof(in), SYNC_MS) == sizeof(in),
		      "cycle %d: echo: %s", i, errname(errno));
		CHECK(!memcmp(in, out, sizeof(in)), "cycle %d: echo differs", i);
		close(fd);
		if (i == opt.cycles / 2) {
			snapshot(&mid, 0);
			print_fig(t->name, "halfway", &mid);
		}
	}
	printf("# %s: %d connect/transfer/close cycles in %.0f s\n", t->name,
	       opt.cycles, now_sec() - t0);
	if (ctl_signal("cycles", opt.cycles))
		return T_FAIL;
	return back_to_baseline(t->name, &before, NULL);
}

int d_load_cycles(struct tctx *t)
{
	char buf[CYCLE_BYTES * 2];
	struct memfig before;
	uint64_t want;
	int lfd, fd, done = 0;
	ssize_t k;

	snapshot(&before, 1);
	print_fig(t->name, "before", &before);
	lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 64);
	CHECK(lfd >= 0, "listen: %s", errname(errno));
	if (ctl_signal("listening", 0))
		return T_FAIL;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = ctl_fd, .events = POLLIN },
		};

		CHECK(poll(p, 2, SYNC_MS) > 0,
		      "no connection for %d s after %d cycles", SYNC_MS / 1000,
		      done);
		if (!(p[0].revents & POLLIN))
			break;		/* the guest is done: "cycles" */
		fd = accept(lfd, NULL, NULL);
		CHECK(fd >= 0, "accept: %s", errname(errno));
		for (;;) {
			CHECK(wait_fd(fd, POLLIN, SYNC_MS) > 0,
			      "cycle %d: no data or EOF", done);
			k = recv(fd, buf, sizeof(buf), 0);
			CHECK(k >= 0, "cycle %d: recv: %s", done, errname(errno));
			if (!k)
				break;
			CHECK(send_all(fd, buf, k, SYNC_MS) == k,
			      "cycle %d: echo: %s", done, errname(errno));
		}
		close_reset(fd);
		done++;
	}
	close(lfd);
	if (ctl_wait("cycles", &want, SYNC_MS))
		return T_FAIL;
	CHECK((int)want == done, "dom0 served %d connections, guest made %d",
	      done, (int)want);
	printf("# %s dom0: served %d connections\n", t->name, done);
	return back_to_baseline(t->name, &before, NULL);
}

/*
 * The dom0 peer process is killed (SIGKILL) while data flows both ways.
 * As with a Linux TCP socket, the guest then sees ECONNRESET (the dead
 * peer had unread data, so its kernel reset the connection) or EOF,
 * from recv or send, in bounded time; it never hangs.
 */
#define KILL_AFTER (256 * 1024)

int g_peer_killed(struct tctx *t)
{
	static char buf[16384];
	int fd = guest_connect_dom0(t), got_err = 0, eof = 0;
	uint64_t in = 0, out = 0;
	double end = 0;
	ssize_t k;

	if (fd < 0)
		return T_FAIL;
	CHECK(!set_nonblock(fd, 1), "O_NONBLOCK: %s", errname(errno));
	memset(buf, 'g', sizeof(buf));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		CHECK(poll(&p, 1, SYNC_MS) > 0,
		      "stalled: %llu bytes in, %llu out, no event",
		      (unsigned long long)in, (unsigned long long)out);
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			k = recv(fd, buf, sizeof(buf), 0);
			if (k == 0) {
				eof = 1;
				break;
			}
			if (k < 0 && errno != EAGAIN) {
				got_err = errno;
				break;
			}
			if (k > 0)
				in += k;
		}
		if (p.revents & POLLOUT) {
			k = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
			if (k < 0 && errno != EAGAIN) {
				got_err = errno;
				break;
			}
			if (k > 0)
				out += k;
		}
		if (!end && in >= KILL_AFTER && out >= KILL_AFTER) {
			if (ctl_signal("flowing", in))
				return T_FAIL;
			end = now_sec() + 30;
		}
		CHECK(!end || now_sec() < end,
		      "no EOF or error 30 s after dom0's peer was killed");
	}
	CHECK(end, "%s before the peer was killed (%llu in, %llu out)",
	      eof ? "EOF" : errname(got_err), (unsigned long long)in,
	      (unsigned long long)out);
	printf("# %s: %s after %llu bytes in, %llu out\n", t->name,
	       eof ? "EOF" : errname(got_err), (unsigned long long)in,
	       (unsigned long long)out);
	CHECK(eof || got_err == ECONNRESET || got_err == EPIPE,
	      "got %s, want ECONNRESET, EPIPE or EOF", errname(got_err));
	if (eof) {
		/* the peer is gone: writing now fails, as on TCP */
		end = now_sec() + 30;
		for (;;) {
			k = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
			if (k < 0 && errno != EAGAIN)
				break;
			CHECK(now_sec() < end, "send after EOF still works after 30 s");
			sleep_ms(50);
		}
		CHECK(errno == ECONNRESET || errno == EPIPE,
		      "send after EOF: %s, want EPIPE or ECONNRESET",
		      errname(errno));
	}
	close(fd);
	/* the transport still works */
	return ctl_signal("closed", 0);
}

int d_peer_killed(struct tctx *t)
{
	int lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 4), status;
	pid_t pid;

	CHECK(lfd >= 0, "listen: %s", errname(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		static char buf[16384];
		int fd = accept_timeout(lfd, SYNC_MS);

		if (fd < 0)
			_exit(1);
		memset(buf, 'd', sizeof(buf));
		set_nonblock(fd, 1);
		/* stream both ways until killed; read only half of it */
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

			if (poll(&p, 1, SYNC_MS) <= 0)
				_exit(1);
			if (p.revents & POLLOUT &&
			    send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN)
				_exit(1);
			if (p.revents & POLLIN &&
			    recv(fd, buf, sizeof(buf) / 2, 0) <= 0 &&
			    errno != EAGAIN)
				_exit(1);
		}
	}
	close(lfd);
	if (ctl_signal("listening", 0) || ctl_wait("flowing", NULL, SYNC_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return T_FAIL;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "the peer process ended before it was killed (status %#x)",
	      status);
	return ctl_wait("closed", NULL, SYNC_MS) ? T_FAIL : T_PASS;
}
