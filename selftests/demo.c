// SPDX-License-Identifier: GPL-2.0
/*
 * pvcalls-demo: a plain socket program that happens to use PV Calls.
 *
 *   pvcalls-demo fetch [-f inet|pvcalls|N] [-p 8080] [-u /index.html] [-n TAP#]
 *	guest: GET a page from the web server in dom0 (busybox httpd on
 *	127.0.0.1:8080), print its first lines and the byte counts.
 *   pvcalls-demo serve [-f ...] [-p 8001] [-w SECS] [-n TAP#]
 *	guest: serve one HTTP request from a dom0 client (wget/nc).
 *
 * Each run prints one TAP line.  Every wait is bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "family.h"
#include "../tests/lib/tap.h"

#define FETCH	"demo_fetch_page_from_dom0_httpd"
#define SERVE	"demo_guest_server_answers_dom0_client"

static int family;

static int wait_io(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, ms) > 0;
}

/* Read until EOF or @cap bytes; every wait bounded by @ms. */
static ssize_t read_all(int fd, char *buf, size_t cap, int ms)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		if (!wait_io(fd, POLLIN, ms))
			return -1;
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += r;
	}
	return n;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t r;

	while (len) {
		if (!wait_io(fd, POLLOUT, 10000))
			return -1;
		r = write(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= r;
	}
	return 0;
}

static void print_lines(const char *prefix, const char *buf, size_t len,
			int max)
{
	const char *p = buf, *end = buf + len, *nl;
	int i;

	for (i = 0; i < max && p < end; i++) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		printf("%s%.*s\n", prefix, (int)(nl - p - (nl > p && nl[-1] == '\r')),
		       p);
		p = nl + 1;
	}
}

static int fetch(int port, const char *url)
{
	static char buf[1 << 20];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[256];
	struct timeval tmo = { 30, 0 };
	struct timespec t0, t1;
	const char *body;
	ssize_t n;
	int fd, status = 0;
	double dt;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	printf("# demo: guest connecting to dom0's http server 127.0.0.1:%d (family %d)\n",
	       port, family);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = socket(family, SOCK_STREAM, 0);
	/* bounds a blocking connect: a dead transport must not hang us */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		tap_fail(FETCH, "connect 127.0.0.1:%d: %s", port,
			 strerror(errno));
		return 1;
	}
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: pvcalls-demo\r\n\r\n",
		     url);
	if (write_all(fd, req, n)) {
		tap_fail(FETCH, "send: %s", strerror(errno));
		return 1;
	}
	n = read_all(fd, buf, sizeof(buf) - 1, 30000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	if (n <= 0) {
		tap_fail(FETCH, "no response");
		return 1;
	}
	buf[n] = 0;
	if (sscanf(buf, "HTTP/%*s %d", &status) != 1)
		status = 0;
	body = strstr(buf, "\r\n\r\n");
	body = body ? body + 4 : buf + n;
	dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# demo: guest fetched http://127.0.0.1:%d%s from dom0 over %s (family %d)\n",
	       port, url, family == AF_INET ? "TCP (inet mode)" : "PV Calls",
	       family);
	printf("# demo: sent %zu bytes, received %zd bytes (headers %zd, body %zd) in %.3f s\n",
	       strlen(req), n, body - buf, n - (body - buf), dt);
	print_lines("# demo:   | ", buf, n, 12);
	if (status != 200) {
		tap_fail(FETCH, "HTTP status %d", status);
		return 1;
	}
	tap_ok(FETCH, NULL);
	return 0;
}

static int serve(int port, int wait_secs)
{
	static const char page[] =
		"Hello from the PV Calls guest!\n"
		"This page was served by a socket in a Xen PV guest;\n"
		"the bytes crossed to dom0 over a PV Calls data ring.\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char req[4096], resp[512];
	int lfd, fd, one = 1;
	ssize_t n, m;

	a.sin_addr.s_addr = htonl(INADDR_ANY);
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		goto err;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4))
		goto err;
	printf("# demo: guest serving http on 0.0.0.0:%d for a dom0 client (%d s)\n",
	       port, wait_secs);
	fflush(stdout);
	if (!wait_io(lfd, POLLIN, wait_secs * 1000)) {
		tap_fail(SERVE, "no client in %d s", wait_secs);
		return 1;
	}
	fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (fd < 0)
		goto err;
	/* read the request head: until a blank line, bounded */
	n = 0;
	while (n < (ssize_t)sizeof(req) - 1 && wait_io(fd, POLLIN, 10000)) {
		m = read(fd, req + n, sizeof(req) - 1 - n);
		if (m <= 0)
			break;
		n += m;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n > 0 ? n : 0] = 0;
	m = snprintf(resp, sizeof(resp),
		     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     sizeof(page) - 1, page);
	if (write_all(fd, resp, m))
		goto err;
	shutdown(fd, SHUT_WR);
	close(fd);
	close(lfd);
	printf("# demo: client %s:%d sent %zd bytes, got %zd bytes back\n",
	       inet_ntoa(peer.sin_addr), ntohs(peer.sin_port), n, m);
	print_lines("# demo:   > ", req, n, 3);
	if (n <= 0) {
		tap_fail(SERVE, "empty request");
		return 1;
	}
	tap_ok(SERVE, NULL);
	return 0;
err:
	tap_fail(SERVE, "%s", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *url = "/index.html", *fam = "pvcalls";
	int port = 0, wait_secs = 180, c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress shows as it happens */
	if (argc < 2) {
		fprintf(stderr, "usage: %s fetch|serve %s\n", argv[0],
			"[-f fam] [-p port] [-u url] [-w secs] [-n tap]");
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "f:p:u:w:n:")) != -1) {
		switch (c) {
		case 'f':
			fam = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			url = optarg;
			break;
		case 'w':
			wait_secs = atoi(optarg);
			break;
		case 'n':
			tap_next(atoi(optarg));
			break;
		default:
			return 2;
		}
	}
	family = !strcmp(fam, "inet") ? AF_INET :
		 !strcmp(fam, "pvcalls") ? pvcalls_family() : atoi(fam);
	if (!strcmp(argv[1], "fetch"))
		rc = fetch(port ? port : 8080, url);
	else if (!strcmp(argv[1], "serve"))
		rc = serve(port ? port : 8001, wait_secs);
	else
		return 2;
	fflush(stdout);
	return rc;
}
