// SPDX-License-Identifier: GPL-2.0
/* Plain socket set-up: see sock.h.  Errors leave errno as the failed call set it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "sock.h"

struct sockaddr_in lo_addr(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* close(@fd) without losing errno; returns -1 */
static int close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

int sock_listen(int family, const struct sockaddr_in *a, int backlog)
{
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) ||
	    listen(fd, backlog))
		return close_keep_errno(fd);
	return fd;
}

int sock_connect(int family, const struct sockaddr_in *a)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)))
		return close_keep_errno(fd);
	return fd;
}
