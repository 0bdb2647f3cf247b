// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls_test: the PV Calls selftest suite, guest or dom0 side.
 *
 *   dom0:  pvcalls_test --side dom0
 *   guest: pvcalls_test --side guest [--family pvcalls|inet|N]
 *
 * With --family inet both sides can run on one Linux host over loopback:
 * that checks the tests themselves against real TCP, and gives the
 * baseline for comparisons.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "family.h"

struct options opt = {
	.side = SIDE_GUEST,
	.ctl_addr = "127.0.0.1",
	.ctl_port = 7000,
	.big = 64ull << 20,
	.max_writes = 200000,
	.stream = 1ull << 30,
	.wrap_n = 4096,
	.max_sockets = 3000,
	.cycles = 10000,
	.load_conns = 1000,
	.wait_secs = 600,
	.slow = 1,
};

static void help(void)
{
	fprintf(stderr,
		"usage: pvcalls_test --side guest|dom0 [options]\n"
		"  --family pvcalls|inet|N  guest socket family (default pvcalls)\n"
		"  --big BYTES              bytes per large transfer (default 64M;\n"
		"                           env PVCALLS_TEST_BIG; K/M/G suffixes)\n"
		"  env PVCALLS_TEST_SLOW=N  in-test waits N times longer (debug kernels)\n"
		"  --huge                   1 GiB each way (the issue's full size)\n"
		"  --max-writes N           cap write calls per transfer (200000)\n"
		"  --stream BYTES           bytes of each random-size stream (1G)\n"
		"  --seed N                 seed of the streams' sizes (default:\n"
		"                           from the clock, printed)\n"
		"  --wrap-n N               ring wrap sweep lengths 1..N (4096)\n"
		"  --max-sockets N          cap of the ENOBUFS test (3000)\n"
		"  --cycles N               connect/transfer/close cycles (10000)\n"
		"  --load-conns N           concurrent connections of the load test (1000)\n"
		"  --only a,b,c             run only these tests\n"
		"  --v1                     only the tests a plain v1 backend can\n"
		"                           carry (with --list: the others and why)\n"
		"  --list                   list the tests\n"
		"  --port P / --addr A      control endpoint (127.0.0.1:7000)\n"
		"  --wait SECS              how long to wait for the peer (600)\n"
		"  -v                       diagnostics on stderr\n");
	exit(2);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end == 'G' || *end == 'g')
		return v << 30;
	if (*end == 'M' || *end == 'm')
		return v << 20;
	if (*end == 'K' || *end == 'k')
		return v << 10;
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "side", 1, 0, 's' }, { "family", 1, 0, 'f' },
		{ "big", 1, 0, 'b' }, { "huge", 0, 0, 'H' },
		{ "max-writes", 1, 0, 'w' }, { "wrap-n", 1, 0, 'n' },
		{ "max-sockets", 1, 0, 'S' }, { "only", 1, 0, 'o' },
		{ "v1", 0, 0, 'V' },
		{ "cycles", 1, 0, 'C' }, { "load-conns", 1, 0, 'L' },
		{ "stream", 1, 0, 'B' }, { "seed", 1, 0, 'E' },
		{ "list", 0, 0, 'l' }, { "port", 1, 0, 'p' },
		{ "addr", 1, 0, 'a' }, { "wait", 1, 0, 'W' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct rlimit rl;
	const char *fam = "pvcalls", *env;
	int c, i, list = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	env = getenv("PVCALLS_TEST_BIG");
	if (env && *env)
		opt.big = parse_size(env);
	env = getenv("PVCALLS_TEST_SLOW");
	if (env && atoi(env) > 1)
		opt.slow = atoi(env) > 20 ? 20 : atoi(env);
	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "dom0"))
				opt.side = SIDE_DOM0;
			else if (strcmp(optarg, "guest"))
				help();
			break;
		case 'f':
			fam = optarg;
			break;
		case 'b':
			opt.big = parse_size(optarg);
			break;
		case 'H':
			opt.big = 1ull << 30;
			opt.max_writes = 1ull << 31;
			break;
		case 'w':
			opt.max_writes = parse_size(optarg);
			break;
		case 'B':
			opt.stream = parse_size(optarg);
			break;
		case 'E':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opt.wrap_n = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			opt.max_sockets = atoi(optarg);
			break;
		case 'C':
			opt.cycles = atoi(optarg);
			break;
		case 'L':
			opt.load_conns = atoi(optarg);
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'p':
			opt.ctl_port = atoi(optarg);
			break;
		case 'a':
			opt.ctl_addr = optarg;
			break;
		case 'W':
			opt.wait_secs = atoi(optarg);
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'V':
			opt.v1_only = 1;
			break;
		case 'l':
			list = 1;
			break;
		default:
			help();
		}
	}
	if (list) {
		for (i = 0; i < test_count; i++)
			if (!opt.v1_only)
				printf("%s\n", test_table[i].name);
			else if (test_table[i].not_v1)
				printf("%s: %s\n", test_table[i].name,
				       test_table[i].not_v1);
		return 0;
	}
	if (!strcmp(fam, "inet"))
		opt.family = AF_INET;
	else if (!strcmp(fam, "pvcalls"))
		opt.family = pvcalls_family();
	else
		opt.family = atoi(fam);
	opt.inet_mode = opt.family == AF_INET;
	opt.loopback = !opt.inet_mode && loopback_family();

	/* the socket-count and concurrency tests need many descriptors */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (opt.side == SIDE_DOM0)
		return run_dom0();
	/* the guest picks the seed; dom0 gets it in each stream test */
	if (!opt.seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt.seed = ((uint64_t)ts.tv_sec << 20) ^ ts.tv_nsec ^ getpid();
	}
	printf("# pvcalls_test guest side, family %d%s, big %llu, stream %llu, seed %llu\n",
	       opt.family,
	       opt.inet_mode ? " (inet)" : opt.loopback ? " (pvcalls-loopback)" : "",
	       (unsigned long long)opt.big, (unsigned long long)opt.stream,
	       (unsigned long long)opt.seed);
	return run_guest();
}
