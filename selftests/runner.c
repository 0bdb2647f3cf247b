// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the test table on one side.  The guest side drives: for each test
 * it sends READY, both sides run their function in a forked child with a
 * hard time limit, then both exchange DONE with their result.  Only the
 * guest prints TAP lines for pairs, combining both halves' results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common.h"
#include "../tests/lib/tap.h"

struct shared *shm;

static int test_timeout(const struct test_pair *tp)
{
	int t = tp->timeout_s ? tp->timeout_s : 30;

	if (tp->big == 1)	/* generous: TCG can be slow */
		t += (int)(opt.big >> 20) * 4;
	else if (tp->big == 2)	/* 3 s per MiB: 1 GiB at 0.33 MiB/s */
		t += (int)(opt.stream >> 20) * 3;
	return t * opt.slow;	/* as SYNC_MS: a debug kernel is slower */
}

static int selected(const struct test_pair *tp)
{
	const char *p = opt.only, *name = tp->name;
	size_t n = strlen(name);

	if (opt.v1_only && tp->not_v1)
		return 0;
	if (!p)
		return 1;
	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/*
 * Has the peer already reported a failed DONE for @name?  Peeks at the
 * control socket without consuming: the child may still read the line.
 */
static int peer_failed_early(const char *name)
{
	char buf[200], want[160];
	int n = snprintf(want, sizeof(want), "DONE %s %d", name, T_FAIL);
	ssize_t r = recv(ctl_fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return r >= n && !strncmp(buf, want, n);
}

/* Run one side's function in a child; returns T_* and fills shm. */
static int run_child(const struct test_pair *tp, int idx)
{
	test_fn fn = opt.side == SIDE_GUEST ? tp->run_guest : tp->run_dom0;
	struct tctx t = {
		.name = tp->name, .index = idx,
		.port_d = 7001 + idx, .port_g = 8001 + idx,
		.arg = tp->arg,
	};
	double end = now_sec() + test_timeout(tp), stop = 0;
	int status, rc;
	pid_t pid;

	if (!fn)
		return T_PASS;
	/* harness self-test: PVCALLS_TEST_FAIL=name fails this side at once */
	if (getenv("PVCALLS_TEST_FAIL") &&
	    !strcmp(getenv("PVCALLS_TEST_FAIL"), tp->name))
		return fail("failure injected by PVCALLS_TEST_FAIL");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", errname(errno));
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		rc = fn(&t);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return fail("waitpid: %s", errname(errno));
		if (now_sec() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return fail("timed out after %d s", test_timeout(tp));
		}
		/*
		 * The peer's half failed and it moved on to DONE: ours may be
		 * waiting for something that will never come.  Give it a
		 * moment to notice by itself, then stop it, so one failure
		 * costs seconds, not a full time limit.
		 */
		if (!stop && peer_failed_early(tp->name))
			stop = now_sec() + 3;
		if (stop && now_sec() > stop) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return fail("stopped: the peer's half failed");
		}
		sleep_ms(5);
	}
	if (WIFSIGNALED(status))
		return fail("killed by signal %d", WTERMSIG(status));
	rc = WEXITSTATUS(status);
	if (rc != T_PASS && rc != T_SKIP && rc != T_FAIL)
		return fail("exit status %d", rc);
	return rc;
}

/*
 * Wait for the peer's "DONE name rc reason" (or take the one a child
 * already consumed).  Skips SYNC lines a still-running peer child sends.
 */
static int peer_done(const char *name, int ms, char *reason, size_t len)
{
	char line[512], want[160];
	size_t n = snprintf(want, sizeof(want), "DONE %s ", name);
	int rc = T_FAIL, pos = 0;

	if (shm->peer_done[0]) {
		snprintf(line, sizeof(line), "%s", shm->peer_done);
	} else {
		for (;;) {
			if (ctl_readline(line, sizeof(line), ms)) {
				snprintf(reason, len, "no DONE from peer");
				return -1;
			}
			if (!strncmp(line, want, n))
				break;
		}
	}
	if (strncmp(line, want, n) || sscanf(line + n, "%d %n", &rc, &pos) < 1) {
		snprintf(reason, len, "bad DONE line '%.80s'", line);
		return T_FAIL;
	}
	snprintf(reason, len, "%s", line + n + pos);
	return rc;
}

static void report(const char *name, int mine, int peer,
		   const char *peer_reason)
{
	if (mine == T_FAIL && (peer == T_FAIL || peer < 0))
		tap_fail(name, "%s; dom0: %s", shm->reason, peer_reason);
	else if (mine == T_FAIL)
		tap_fail(name, "%s", shm->reason);
	else if (peer == T_FAIL || peer < 0)
		tap_fail(name, "dom0: %s", peer_reason);
	else if (mine == T_SKIP)
		tap_skip(name, "%s", shm->reason);
	else if (peer == T_SKIP)
		tap_skip(name, "dom0: %s", peer_reason);
	else
		tap_ok(name, NULL);
}

static void map_shared(void)
{
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
}

#define BACK_STATS "/sys/kernel/debug/xen-pvcalls-back/stats"

static void mount_debugfs(const char *stats)
{
	struct stat st;

	if (stat(stats, &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/*
 * Guest-only check after the suite, control socket closed too: the
 * frontend must hold no socket any more.
 */
static void check_front_released(void)
{
	long long n = -1;
	int i;

	mount_debugfs(FRONT_STATS);
	for (i = 0; i < 100; i++) {
		n = read_stat(FRONT_STATS, "sockets");
		if (n == 0)
			break;
		sleep_ms(100);
	}
	if (n == 0) {
		tap_ok("frontend_sockets_zero_after_suite", NULL);
		return;
	}
	tap_fail("frontend_sockets_zero_after_suite", "%s%s",
		 n < 0 ? "no 'sockets' in " : "sockets not 0",
		 n < 0 ? FRONT_STATS : "");
	if (n > 0)
		tap_diag("frontend still counts %lld sockets", n);
}

/* dom0-only check after the guest left: the backend holds no socket. */
static void check_back_released(void)
{
	long long act = -1, pas = -1;
	struct stat st;
	int i;

	if (stat("/sys/module/xen_pvcalls_back", &st))
		return;	/* not a PV Calls dom0 (host inet mode) */
	mount_debugfs(BACK_STATS);
	for (i = 0; i < 300; i++) {
		act = read_stat(BACK_STATS, "active_sockets");
		pas = read_stat(BACK_STATS, "passive_sockets");
		if (act == 0 && pas == 0)
			break;
		sleep_ms(100);
	}
	tap_check(act == 0 && pas == 0,
		  "dom0_backend_sockets_released_after_suite",
		  "30 s after the guest left: active_sockets %lld passive_sockets %lld",
		  act, pas);
}

/*
 * The frontend's data-ring counters around each test (PV Calls only):
 * "# events NAME: ..." lines, from which the bed's report computes
 * events per MiB with and without notify-mitigation.
 */
static const char *const event_keys[] = {
	"bytes_sent", "bytes_received", "data_events_sent",
	"data_events_received",
};
#define NR_EVENT_KEYS	(sizeof(event_keys) / sizeof(event_keys[0]))

static void events_snap(long long *v)
{
	unsigned int k;

	for (k = 0; k < NR_EVENT_KEYS; k++)
		v[k] = opt.inet_mode ? -1 : read_stat(FRONT_STATS, event_keys[k]);
}

static void events_report(const char *name, const long long *before)
{
	long long after[NR_EVENT_KEYS];
	unsigned int k;

	events_snap(after);
	for (k = 0; k < NR_EVENT_KEYS; k++)
		if (before[k] < 0 || after[k] < 0)
			return;
	printf("# events %s:", name);
	for (k = 0; k < NR_EVENT_KEYS; k++)
		printf(" %s %lld", event_keys[k], after[k] - before[k]);
	printf("\n");
}

int run_guest(void)
{
	int i, planned = 0;
	char line[512], want[160], peer_reason[300];
	long long ev[NR_EVENT_KEYS];
	int lost = 0;
	double t0;

	map_shared();
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < test_count; i++)
		planned += selected(&test_table[i]);
	tap_plan(planned + !opt.inet_mode);
	if (ctl_open_guest(opt.wait_secs)) {
		printf("# control connection to %s:%d failed: %s\n",
		       opt.ctl_addr, opt.ctl_port, errname(errno));
		lost = 1;
	} else if (ctl_printf("HELLO big=%llu max_writes=%llu wrap_n=%u max_sockets=%d stream=%llu",
			      (unsigned long long)opt.big,
			      (unsigned long long)opt.max_writes, opt.wrap_n,
			      opt.max_sockets, (unsigned long long)opt.stream) ||
		   ctl_readline(line, sizeof(line), 30000) ||
		   strncmp(line, "HELLO", 5)) {
		printf("# no HELLO from dom0\n");
		lost = 1;
	}
	for (i = 0; i < test_count; i++) {
		const struct test_pair *tp = &test_table[i];
		int mine, peer, ms = (test_timeout(tp) + 15) * 1000;

		if (!selected(tp))
			continue;
		if (opt.loopback && loopback_skip(tp->name)) {
			tap_skip(tp->name, "pvcalls-loopback: %s",
				 loopback_skip(tp->name));
			continue;
		}
		memset(shm, 0, sizeof(*shm));
		if (lost) {
			tap_fail(tp->name, "control connection lost");
			continue;
		}
		snprintf(want, sizeof(want), "READY %s", tp->name);
		if (ctl_printf("%s", want) || ctl_readline(line, sizeof(line), 30000) ||
		    strcmp(line, want)) {
			lost = 1;
			i--;
			continue;
		}
		t0 = now_sec();
		events_snap(ev);
		mine = run_child(tp, i);
		if (ctl_printf("DONE %s %d %s", tp->name, mine, shm->reason))
			lost = 1;
		peer = peer_done(tp->name, ms, peer_reason, sizeof(peer_reason));
		if (peer < 0)
			lost = 1;
		report(tp->name, mine, peer, peer_reason);
		printf("# %s: %.2f s\n", tp->name, now_sec() - t0);
		events_report(tp->name, ev);
	}
	if (!lost)
		ctl_printf("BYE");
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (!opt.inet_mode)
		check_front_released();
	return tap_done("guest");
}

static const struct test_pair *find_test(const char *name, int *idx)
{
	int i;

	for (i = 0; i < test_count; i++)
		if (!strcmp(test_table[i].name, name)) {
			*idx = i;
			return &test_table[i];
		}
	return NULL;
}

static void parse_hello(const char *line)
{
	const char *p;

	p = strstr(line, "big=");
	if (p)
		opt.big = strtoull(p + 4, NULL, 10);
	p = strstr(line, "max_writes=");
	if (p)
		opt.max_writes = strtoull(p + 11, NULL, 10);
	p = strstr(line, "wrap_n=");
	if (p)
		opt.wrap_n = strtoul(p + 7, NULL, 10);
	p = strstr(line, "max_sockets=");
	if (p)
		opt.max_sockets = atoi(p + 12);
	p = strstr(line, "stream=");
	if (p)
		opt.stream = strtoull(p + 7, NULL, 10);
}

int run_dom0(void)
{
	char line[512], reason[300];
	int lfd, idx, rc, tests = 0, failed = 0;
	const struct test_pair *tp;

	map_shared();
	signal(SIGPIPE, SIG_IGN);
	lfd = ctl_listen_dom0();
	if (lfd < 0) {
		printf("# dom0: cannot listen on %s:%d: %s\n", opt.ctl_addr,
		       opt.ctl_port, errname(errno));
		return 1;
	}
	fprintf(stderr, "# dom0: control listening on %s:%d\n", opt.ctl_addr,
		opt.ctl_port);
	if (ctl_accept_dom0(lfd, opt.wait_secs)) {
		printf("# dom0: no guest connected within %d s\n", opt.wait_secs);
		return 1;
	}
	close(lfd);
	if (ctl_readline(line, sizeof(line), 30000) || strncmp(line, "HELLO", 5)) {
		printf("# dom0: no HELLO from guest\n");
		return 1;
	}
	parse_hello(line);
	ctl_printf("HELLO");
	/* The guest paces everything; it may take long between tests only
	 * while one of ours runs, so an idle hour means it is gone.
	 */
	while (!ctl_readline(line, sizeof(line), 3600 * 1000)) {
		if (!strcmp(line, "BYE"))
			break;
		if (strncmp(line, "READY ", 6))
			continue;	/* stray SYNC from a finished test */
		memset(shm, 0, sizeof(*shm));
		tp = find_test(line + 6, &idx);
		ctl_printf("%s", line);
		if (!tp) {
			ctl_printf("DONE %s %d unknown test on dom0", line + 6,
				   T_FAIL);
			peer_done(line + 6, 60000, reason, sizeof(reason));
			continue;
		}
		rc = run_child(tp, idx);
		tests++;
		failed += rc == T_FAIL;
		if (rc == T_FAIL)
			fprintf(stderr, "# dom0: %s failed: %s\n", tp->name,
				shm->reason);
		ctl_printf("DONE %s %d %s", tp->name, rc, shm->reason);
		if (peer_done(tp->name, (test_timeout(tp) + 15) * 1000, reason,
			      sizeof(reason)) < 0)
			break;
	}
	fprintf(stderr, "# dom0: session over: %d tests, %d failed on dom0\n",
		tests, failed);
	close(ctl_fd);
	check_back_released();
	return 0;
}
