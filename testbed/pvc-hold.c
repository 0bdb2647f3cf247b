// SPDX-License-Identifier: GPL-2.0
/*
 * pvc-hold: the test bed's helper for its fault checks (dom0-init.sh,
 * guest-init.sh).
 *
 *   pvc-hold [hold]          guest: open PV Calls sockets of every kind
 *                            the backend tracks (a listener, a connected
 *                            client, the accepted peer), say "ready",
 *                            sleep until killed or destroyed
 *   pvc-hold flow PORT N     guest: the same, plus N connections to a
 *                            dom0 sink on 127.0.0.1:PORT carrying data
 *                            both ways without end (xl destroy
 *                            mid-transfer)
 *   pvc-hold sink PORT N     dom0 (AF_INET): accepts N connections on
 *                            127.0.0.1:PORT, reads everything, echoes
 *                            part of it; writes "open N ended N resets N
 *                            eofs N in BYTES out BYTES" to STATUS_FILE
 *                            about every second; exits once all N
 *                            ended or after an idle 10 minutes
 *   pvc-hold trio            guest: the listener, client and accepted
 *                            peer of hold, no data, then close them all
 *                            and exit
 *   pvc-hold check           guest: one connection through dom0 to its
 *                            own listener, 64 KiB each way, checked;
 *                            exit 0 and "pvc-hold: check ok" if good
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/pvcalls.h"
#include "../selftests/sock.h"

#define HOLD_PORT 8999
#define CHECK_PORT 8998
#define STATUS_FILE "/tmp/pvc-sink.status"
#define MAXC 4096

static int listener(int fam, int port)
{
	struct sockaddr_in a = lo_addr(port);

	return sock_listen(fam, &a, 128);
}

static int connect_lo(int fam, int port)
{
	struct sockaddr_in a = lo_addr(port);

	return sock_connect(fam, &a);
}

static void more_fds(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The listener, client and accepted trio of the plain hold; with @data
 * the client sends a few bytes too.
 */
static void hold_trio(int fam, int data)
{
	int l, c, s = -1;

	l = listener(fam, HOLD_PORT);
	if (l < 0)
		perror("pvc-hold: listener");
	c = connect_lo(fam, HOLD_PORT);
	if (c < 0)
		perror("pvc-hold: connect");
	else if (l >= 0)
		s = accept(l, NULL, NULL);
	if (data && c >= 0 && write(c, "hold", 4) != 4)
		perror("pvc-hold: write");
	printf("pvc-hold: trio family %d listener %d client %d accepted %d\n",
	       fam, l, c, s);
}

static int flow(int port, int n)
{
	static struct pollfd p[MAXC];
	static char buf[4096];
	int fam = pvcalls_family(), i, k;

	hold_trio(fam, 1);
	for (i = 0; i < n; i++) {
		p[i].fd = connect_lo(fam, port);
		if (p[i].fd < 0) {
			printf("pvc-hold: flow connection %d: %s\n", i,
			       strerror(errno));
			return 1;
		}
		fcntl(p[i].fd, F_SETFL, O_NONBLOCK);
		p[i].events = POLLIN | POLLOUT;
	}
	printf("pvc-hold: ready: %d connections to 127.0.0.1:%d, data flowing\n",
	       n, port);
	fflush(stdout);
	memset(buf, 'f', sizeof(buf));
	for (;;) {
		if (poll(p, n, 1000) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < n; i++) {
			if (p[i].revents & POLLIN)
				k = read(p[i].fd, buf, sizeof(buf));
			if (p[i].revents & POLLOUT)
				k = send(p[i].fd, buf, 1024, MSG_NOSIGNAL);
			(void)k;
		}
	}
}

static void sink_status(int open, int ended, int resets, int eofs,
			unsigned long long in, unsigned long long out)
{
	FILE *f = fopen(STATUS_FILE ".tmp", "w");

	if (!f)
		return;
	fprintf(f, "open %d ended %d resets %d eofs %d in %llu out %llu\n",
		open, ended, resets, eofs, in, out);
	fclose(f);
	rename(STATUS_FILE ".tmp", STATUS_FILE);
}

static int sink(int port, int n)
{
	static struct pollfd p[MAXC + 1];
	static char buf[16384];
	unsigned long long in = 0, out = 0;
	int l = listener(AF_INET, port), i, k, open = 0, ended = 0;
	int resets = 0, eofs = 0;
	time_t last = 0, idle_since = time(NULL);

	if (l < 0 || n > MAXC) {
		perror("pvc-sink: listen");
		return 1;
	}
	p[n].fd = l;
	p[n].events = POLLIN;
	for (i = 0; i < n; i++)
		p[i].fd = -1;
	while (ended < n) {
		if (poll(p, n + 1, 1000) < 0 && errno != EINTR)
			return 1;
		if (p[n].revents & POLLIN && open + ended < n) {
			p[open + ended].fd = accept(l, NULL, NULL);
			if (p[open + ended].fd >= 0) {
				fcntl(p[open + ended].fd, F_SETFL, O_NONBLOCK);
				p[open + ended].events = POLLIN;
				open++;
			}
		}
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			k = read(p[i].fd, buf, sizeof(buf));
			if (k > 0) {
				in += k;
				idle_since = time(NULL);
				/* echo a quarter: data flows both ways */
				k = send(p[i].fd, buf, k / 4, MSG_NOSIGNAL);
				if (k > 0)
					out += k;
				continue;
			}
			if (k < 0 && errno == EAGAIN)
				continue;
			if (k < 0 && errno == ECONNRESET)
				resets++;
			else if (k == 0)
				eofs++;
			close(p[i].fd);
			p[i].fd = -1;
			open--;
			ended++;
		}
		if (time(NULL) != last) {
			last = time(NULL);
			sink_status(open, ended, resets, eofs, in, out);
		}
		if (time(NULL) - idle_since > 600)
			break;
	}
	sink_status(open, ended, resets, eofs, in, out);
	return 0;
}

static int check(void)
{
	static char out[65536], in[65536];
	int fam = pvcalls_family(), l, c, s, k, got;

	l = listener(fam, CHECK_PORT);
	c = l >= 0 ? connect_lo(fam, CHECK_PORT) : -1;
	s = c >= 0 ? accept(l, NULL, NULL) : -1;
	if (s < 0) {
		printf("pvc-hold: check failed: connect/accept: %s\n",
		       strerror(errno));
		return 1;
	}
	for (k = 0; k < (int)sizeof(out); k++)
		out[k] = (char)(k * 7 + 3);
	/* 4 KiB at a time, written then read: fits any ring order */
	for (got = 0; got < (int)sizeof(out); got += k) {
		k = write(c, out + got, 4096);
		if (k <= 0)
			break;
		if (recv(s, in + got, k, MSG_WAITALL) != k) {
			k = -1;
			break;
		}
	}
	if (got != (int)sizeof(out) || memcmp(in, out, sizeof(out))) {
		printf("pvc-hold: check failed: %d of %zu bytes through\n", got,
		       sizeof(out));
		return 1;
	}
	close(c);
	close(s);
	close(l);
	printf("pvc-hold: check ok: 64 KiB through dom0 and back, family %d\n",
	       fam);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hold";

	setvbuf(stdout, NULL, _IOLBF, 0);
	more_fds();
	if (!strcmp(mode, "flow") && argc == 4)
		return flow(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "sink") && argc == 4)
		return sink(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(mode, "check"))
		return check();
	if (!strcmp(mode, "trio")) {
		/* the trio without data, closed at once (exit closes it) */
		hold_trio(pvcalls_family(), 0);
		return 0;
	}
	if (strcmp(mode, "hold")) {
		fprintf(stderr, "usage: pvc-hold [hold | trio | flow PORT N | sink PORT N | check]\n");
		return 2;
	}
	hold_trio(pvcalls_family(), 1);
	printf("pvc-hold: ready\n");
	for (;;)
		pause();
	return 0;
}
