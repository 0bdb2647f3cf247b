/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvcalls-run: run an unmodified program with its IPv4 TCP sockets moved
 * to the PV Calls socket family, by seccomp user notification.
 */
#ifndef PVCALLS_RUN_H
#define PVCALLS_RUN_H

#include <stdbool.h>
#include <linux/types.h>
#include <sys/types.h>
#include <netinet/in.h>

/* Exit statuses of the launcher itself, as env(1) and timeout(1). */
#define EXIT_LAUNCHER	125	/* pvcalls-run failed, or is not usable here */
#define EXIT_CANNOT_RUN	126	/* PROGRAM found but could not be executed */
#define EXIT_NOT_FOUND	127	/* PROGRAM not found */

#define MAX_RULES	32

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __noreturn	__attribute__((noreturn))

/* One --only/--except selector: ADDR[/PREFIX][:PORT]. */
struct rule {
	__be32 addr;		/* already masked */
	__be32 mask;
	__u16 port;		/* host byte order, 0 = any */
};

struct config {
	int family;		/* family the moved sockets are created in */
	bool substitute;	/* test mode: family is AF_INET, mark sockets */
	bool verbose;
	bool keep;		/* serve descendants after PROGRAM exits */
	bool no_ipv6;		/* IPv6 TCP socket() fails with EAFNOSUPPORT */
	bool allow_io_uring;	/* do not refuse io_uring_setup() */
	int n_only, n_except;
	struct rule only[MAX_RULES];
	struct rule except[MAX_RULES];
};

/* Socket priority that marks a moved socket in the test mode. */
#define SUBSTITUTE_MARK	5

/* True when sockets are chosen at connect()/bind() time. */
static inline bool cfg_by_address(const struct config *cfg)
{
	return cfg->n_only || cfg->n_except;
}

/* filter.c */
int install_filter(const struct config *cfg);

/* select.c */
int parse_rule(const char *spec, struct rule *r);
bool select_address(const struct config *cfg, const struct sockaddr_in *sin);

/* supervise.c */
int probe_listener(int listener);
int supervise(const struct config *cfg, int listener, pid_t child,
	      int sigfd);

/* move.c */
int new_socket(const struct config *cfg, int flags);
void handle_socket(const struct config *cfg, int listener,
		   const void *req);
void handle_connect_bind(const struct config *cfg, int listener,
			 const void *req);

/* log.c */
__printf(1, 2) void warnx_(const char *fmt, ...);
__printf(2, 3) void vlog(const struct config *cfg, const char *fmt, ...);

#endif /* PVCALLS_RUN_H */
