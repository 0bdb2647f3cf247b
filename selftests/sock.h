/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plain socket set-up shared by the suite and the test bed's pvc-hold
 * (no dependency on the suite's options): any family, IPv4 addresses.
 */
#ifndef PVC_SELFTEST_SOCK_H
#define PVC_SELFTEST_SOCK_H

#include <netinet/in.h>

/* 127.0.0.1:@port */
struct sockaddr_in lo_addr(int port);
/* A stream socket of @family listening on @a (SO_REUSEADDR), or -1. */
int sock_listen(int family, const struct sockaddr_in *a, int backlog);
/* A stream socket of @family connected to @a, or -1. */
int sock_connect(int family, const struct sockaddr_in *a);

#endif
