// SPDX-License-Identifier: GPL-2.0
/* The usual openings and endings and dom0 peers shared by many test pairs. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include "common.h"

int accept4_timeout(int lfd, int ms, int flags)
{
	int r = wait_fd(lfd, POLLIN, ms);

	if (r <= 0) {
		errno = r ? errno : ETIMEDOUT;
		return -1;
	}
	return accept4(lfd, NULL, NULL, flags);
}

int dom0_accept_one(struct tctx *t)
{
	int lfd = listen_on(0, INADDR_LOOPBACK, t->port_d, 16), fd;

	if (lfd < 0) {
		fail("dom0 listen on %d: %s", t->port_d, errname(errno));
		return -1;
	}
	if (ctl_signal("listening", 0)) {
		close(lfd);
		return -1;
	}
	fd = accept_timeout(lfd, SYNC_MS);
	if (fd < 0)
		fail("dom0 accept: %s", errname(errno));
	close(lfd);
	return fd;
}

int guest_connect_dom0(struct tctx *t)
{
	int fd;

	if (ctl_wait("listening", NULL, SYNC_MS))
		return -1;
	fd = connect_to(1, t->port_d);
	if (fd < 0)
		fail("connect to dom0 port %d: %s", t->port_d, errname(errno));
	return fd;
}

int guest_listen(struct tctx *t)
{
	int lfd = listen_on(1, INADDR_ANY, t->port_g, 128);

	if (lfd < 0) {
		fail("guest listen on %d: %s", t->port_g, errname(errno));
		return -1;
	}
	if (ctl_signal("listening", 0)) {
		close(lfd);
		return -1;
	}
	return lfd;
}

int dom0_connect_guest(struct tctx *t)
{
	int fd;

	if (ctl_wait("listening", NULL, SYNC_MS))
		return -1;
	fd = connect_to(0, t->port_g);
	if (fd < 0)
		fail("dom0 connect to guest port %d: %s", t->port_g,
		     errname(errno));
	return fd;
}

int send_eof_and_hash(int fd, uint64_t hash)
{
	CHECK(!shutdown(fd, SHUT_WR), "shutdown: %s", errname(errno));
	if (ctl_signal("hash", hash) || ctl_wait("got", NULL, 120000))
		return T_FAIL;
	close(fd);
	return T_PASS;
}

int echo_and_close(int fd, size_t len, size_t chunk, uint64_t seed)
{
	int rc = echo_exchange(fd, len, chunk, seed, SYNC_MS);
	char c;

	if (recv(fd, &c, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		rc = fail("extra data after the echo");
	close(fd);
	return rc;
}

int check_peer_hash(uint64_t hash, const char *what, const char *peer)
{
	uint64_t want;

	if (ctl_wait("hash", &want, SYNC_MS))
		return T_FAIL;
	CHECK(hash == want, "%s %016llx, %s sent %016llx", what,
	      (unsigned long long)hash, peer, (unsigned long long)want);
	return 0;
}

int dom0_echo(struct tctx *t)
{
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = echo_until_eof(fd, SYNC_MS);
	close(fd);
	return rc;
}

int dom0_hold(struct tctx *t)
{
	int fd = dom0_accept_one(t), rc;

	if (fd < 0)
		return T_FAIL;
	rc = ctl_wait("done", NULL, 60000);
	if (rc && shm->peer_done[0]) {
		/* the guest finished without a "done": fine for a holder */
		shm->reason[0] = 0;
		rc = T_PASS;
	}
	close(fd);
	return rc;
}
