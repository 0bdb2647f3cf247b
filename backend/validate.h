/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure validation of what a PV Calls v1 frontend sends to the backend.
 *
 * Nothing here touches shared memory, sockets or kernel state: every
 * function takes values already copied out of the shared page into
 * private memory and returns 0 or a negative errno (the value the
 * backend then puts in the response).  The file compiles in the kernel
 * and in userspace, so the host unit tests and fuzzers exercise exactly
 * this code.
 */
#ifndef PVCALLS_BACK_VALIDATE_H
#define PVCALLS_BACK_VALIDATE_H

#include <xen-pvcalls/wire.h>

#ifndef __KERNEL__
#include <errno.h>
#include <stddef.h>
#endif

/* IPPROTO_TCP, accepted as a synonym of protocol 0 */
#define PVCB_IPPROTO_TCP	6
/* sizeof(struct sockaddr_in): the shortest AF_INET address */
#define PVCB_SOCKADDR_IN_LEN	16

/* An AF_INET address taken from a request, fields in network order. */
struct pvcb_inet_addr {
	__u32 addr;		/* sin_addr.s_addr, raw network order */
	unsigned short port;	/* sin_port, raw network order */
};

/*
 * pvcb_check_cmd() - is @cmd one of the v1 commands?
 * Returns 0, or -EOPNOTSUPP for anything else.
 */
int pvcb_check_cmd(__u32 cmd);

/*
 * pvcb_check_socket() - the arguments of PVC_CMD_SOCKET.
 * Only AF_INET, SOCK_STREAM, protocol 0 (or IPPROTO_TCP) are in v1.
 * Returns 0, -EAFNOSUPPORT (domain), -ESOCKTNOSUPPORT (type) or
 * -EPROTONOSUPPORT (protocol), checked in that order as Linux does.
 */
int pvcb_check_socket(__u32 domain, __u32 type, __u32 protocol);

/*
 * pvcb_parse_inet_addr() - an address of PVC_CMD_CONNECT or PVC_CMD_BIND.
 * @addr: the PVC_ADDR_MAX bytes of the request (a struct sockaddr_in in
 *        the guest's byte order, which is ours: x86 on both sides).
 * @len:  the length the frontend claims.
 * @out:  filled on success.
 * Returns 0, -EINVAL (len shorter than a sockaddr_in or longer than
 * PVC_ADDR_MAX) or -EAFNOSUPPORT (family not AF_INET).
 */
int pvcb_parse_inet_addr(const __u8 *addr, __u32 len,
			 struct pvcb_inet_addr *out);

/*
 * pvcb_check_ring_order() - ring_order read from an indexes page.
 * Valid: 1 <= @order <= @max_order (itself at most PVC_MAX_RING_ORDER).
 * Returns 0 or -EINVAL.
 */
int pvcb_check_ring_order(__u32 order, __u32 max_order);

/*
 * pvcb_clamp_backlog() - the backlog of PVC_CMD_LISTEN, clamped to
 * 1..@max (a huge or zero guest value must not reach the socket layer).
 */
int pvcb_clamp_backlog(__u32 backlog, __u32 max);

/*
 * pvcb_clamp_max_page_order() - the max_page_order module parameter
 * clamped to 1..PVC_MAX_RING_ORDER.
 */
unsigned int pvcb_clamp_max_page_order(unsigned int order);

/*
 * pvcb_parse_version() - the frontend's "version" xenstore value.
 * Returns 0 when @s is exactly "1", -EPROTONOSUPPORT otherwise
 * (including NULL).
 */
int pvcb_parse_version(const char *s);

#endif /* PVCALLS_BACK_VALIDATE_H */
