// SPDX-License-Identifier: GPL-2.0
/*
 * Guest half of the hostile-backend test (see hb_main.c for the
 * script dom0's pvcalls-hostile-back follows).  One socket per case, in
 * the script's order; every blocking call is bounded by alarm() so a
 * hang is reported as a failure instead of stalling the bed.  Prints
 * one result line per case: "ok N name" / "not ok N name # why".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "../../include/uapi/pvcalls.h"
#include "../lib/tap.h"

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* socket + connect to 127.0.0.1:7999, bounded by @secs. */
static int open_connect(int *fd, unsigned int secs)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(7999) };
	int ret;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(pvcalls_family(), SOCK_STREAM, 0);
	if (*fd < 0)
		return -errno;
	alarmed = 0;
	alarm(secs);
	ret = connect(*fd, (struct sockaddr *)&sin, sizeof(sin));
	alarm(0);
	return ret ? -errno : 0;
}

/* One recv into @b, bounded: the bytes received, or -errno. */
static int do_recv(int fd, char *b, size_t len)
{
	ssize_t r;

	alarm(10);
	r = recv(fd, b, len, 0);
	alarm(0);
	return r < 0 ? -errno : (int)r;
}

static int do_send(int fd)
{
	ssize_t r;

	alarm(10);
	r = send(fd, "x", 1, MSG_NOSIGNAL);
	alarm(0);
	return r < 0 ? -errno : (int)r;
}

#define UNANSWERED	7
#define FIRST_PAIR	16	/* the in-order pairs' cases: 16-19 */
#define RSP_FAR		20
#define FRONT_STATS	"/sys/kernel/debug/xen-pvcalls-front/stats"

/* A counter of the frontend's debugfs stats, or -1 if there is none. */
static long long front_stat(const char *name)
{
	char key[64];
	long long v, ret = -1;
	FILE *f = fopen(FRONT_STATS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * close(*@fd), bounded, then wait (bounded) until the frontend holds no
 * more sockets than @before, the count before *@fd was made: its
 * RELEASE was sent and answered, its rings freed.  One result line,
 * @name; *@fd is -1 afterwards.
 */
static void close_freed(int *fd, long long before, const char *name)
{
	long long n = -1;
	int r, i;

	alarmed = 0;
	alarm(10);
	r = close(*fd);
	alarm(0);
	*fd = -1;
	if (r || alarmed) {
		tap_result(0, name, "close: %s",
			   alarmed ? "hung" : strerror(errno));
		return;
	}
	for (i = 0; i < 150; i++) {
		n = front_stat("sockets");
		if (n >= 0 && n <= before) {
			tap_result(1, name, NULL);
			return;
		}
		usleep(200000);
	}
	tap_result(0, name, "frontend sockets %lld, %lld before", n, before);
}

int main(void)
{
	struct sigaction sa;
	int fd[RSP_FAR + 2], r, i, intr = 0, closed = 0;
	long long spur0, spur1, s0, pipe0, pipe1;
	char b[64];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: EINTR */
	sigaction(SIGALRM, &sa, NULL);
	printf("# hostile backend: socket family %d\n", pvcalls_family());
	for (i = 0; i < RSP_FAR + 2; i++)
		fd[i] = -1;
	r = (int)front_stat("in_order");
	tap_result(r == 1,
		   "the frontend uses the in-order extension the hostile backend offers",
		   "in_order %d", r);

	for (i = 1; i <= UNANSWERED; i++) {
		r = open_connect(&fd[i], 2);
		if (r == -EINTR && alarmed)
			intr++;
		alarmed = 0;
		alarm(10);
		if (!close(fd[i]) && !alarmed)
			closed++;
		alarm(0);
		fd[i] = -1;
	}
	tap_result(intr == UNANSWERED && closed == UNANSWERED,
		   "7 connects never answered: each interrupted by a signal (no hang), close returns",
		   "%d interrupted", intr);

	r = open_connect(&fd[8], 20);
	tap_result(!r,
		   "connect works although 7 forged, stale and duplicate responses came around the real one",
		   "errno %d", -r);
	r = r ? r : do_recv(fd[8], b, sizeof(b));
	tap_result(r == -EIO, "recv with in_prod more than a ring ahead fails with EIO",
		   "got %d", r);

	r = open_connect(&fd[9], 20);
	r = r ? r : do_recv(fd[9], b, sizeof(b));
	tap_result(r == -EIO, "recv with in_error 5 (not an errno) fails with EIO",
		   "got %d", r);

	r = open_connect(&fd[10], 20);
	r = r ? r : do_send(fd[10]);
	tap_result(r == -EIO, "send with out_cons ahead of out_prod fails with EIO",
		   "got %d", r);

	r = open_connect(&fd[11], 20);
	r = r ? r : do_send(fd[11]);
	tap_result(r == -EIO, "send with out_error INT_MIN fails with EIO", "got %d",
		   r);

	r = open_connect(&fd[12], 20);
	tap_result(r == -EIO, "connect answered with ret 12345 fails with EIO",
		   "got %d", r);

	r = open_connect(&fd[13], 20);
	r = r ? r : do_send(fd[13]);
	tap_result(r == 1,
		   "send works although the backend rewrote out_prod (ours) to say out[] is full",
		   "got %d", r);

	r = open_connect(&fd[14], 20);
	r = r ? r : do_recv(fd[14], b, sizeof(b));
	tap_result(r == 2 && !memcmp(b, "ab", 2),
		   "recv gets the 2 bytes sent although the backend moved in_cons (ours) a ring back",
		   "got %d", r);

	spur0 = front_stat("spurious_eois");
	r = open_connect(&fd[15], 20);
	sleep(3);	/* the storm follows the answer */
	spur1 = front_stat("spurious_eois");
	tap_result(!r && spur0 >= 0 && spur1 > spur0,
		   "a storm of empty events is throttled: the frontend counts spurious EOIs",
		   "connect %d", r);
	printf("# spurious_eois %lld -> %lld\n", spur0, spur1);
	r = r ? r : do_send(fd[15]);
	tap_result(r == 1, "the socket still works after the storm", "got %d", r);

	/* in-order: each connect below goes with its SOCKET */
	pipe0 = front_stat("commands_pipelined");

	s0 = front_stat("sockets");
	r = open_connect(&fd[FIRST_PAIR], 20);
	tap_result(r == -ENOMEM,
		   "SOCKET failed (ENOMEM), the CONNECT sent with it ENOENT: connect fails with SOCKET's ENOMEM",
		   "got %d", r);
	close_freed(&fd[FIRST_PAIR], s0,
		    "close of it returns and the frontend frees the socket");

	s0 = front_stat("sockets");
	r = open_connect(&fd[FIRST_PAIR + 1], 20);
	tap_result(!r || r == -ENOMEM,
		   "SOCKET failed (ENOMEM), the CONNECT sent with it succeeded: connect gives one of the two",
		   "got %d", r);
	printf("# connect after the lie: %d\n", r);
	close_freed(&fd[FIRST_PAIR + 1], s0,
		    "close of it returns and the frontend frees the socket and its rings (RELEASE answered)");

	s0 = front_stat("sockets");
	r = open_connect(&fd[FIRST_PAIR + 2], 20);
	memset(b, 0, sizeof(b));
	r = r ? r : do_recv(fd[FIRST_PAIR + 2], b, sizeof(b));
	tap_result(r == 2 && !memcmp(b, "io", 2),
		   "CONNECT answered before the SOCKET sent with it: connect works, recv gets the 2 bytes",
		   "got %d", r);
	close_freed(&fd[FIRST_PAIR + 2], s0,
		    "close of it returns and the frontend frees the socket");

	s0 = front_stat("sockets");
	r = open_connect(&fd[FIRST_PAIR + 3], 20);
	tap_result(r == -ECONNREFUSED,
		   "CONNECT refused before the SOCKET sent with it failed (ENOMEM): connect fails with ECONNREFUSED",
		   "got %d", r);
	close_freed(&fd[FIRST_PAIR + 3], s0,
		    "close of it returns and the frontend frees the socket");

	pipe1 = front_stat("commands_pipelined");
	tap_result(pipe0 >= 0 && pipe1 - pipe0 == 4,
		   "each of these 4 connects went with its SOCKET",
		   "commands_pipelined %lld -> %lld", pipe0, pipe1);

	alarmed = 0;
	r = open_connect(&fd[RSP_FAR], 20);
	tap_result(r == -EIO || r == -ENETDOWN,
		   "connect fails with EIO when the backend moves rsp_prod past our requests",
		   alarmed ? "hung until SIGALRM (20 s): got %d" : "got %d", r);
	r = open_connect(&fd[RSP_FAR + 1], 5);
	tap_result(r == -EIO || r == -ENETDOWN,
		   "the next connect fails at once after that", "got %d", r);

	for (i = UNANSWERED + 1; i <= RSP_FAR + 1; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return tap_done("hostile backend");
}
