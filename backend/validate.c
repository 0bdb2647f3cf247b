// SPDX-License-Identifier: GPL-2.0
/*
 * Pure request validation; see validate.h.  Compiles in userspace too:
 * no kernel-only headers and no kernel helpers.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "validate.h"

int pvcb_check_cmd(__u32 cmd)
{
	return cmd <= PVC_CMD_MAX ? 0 : -EOPNOTSUPP;
}

int pvcb_check_socket(__u32 domain, __u32 type, __u32 protocol)
{
	if (domain != PVC_AF_INET)
		return -EAFNOSUPPORT;
	if (type != PVC_SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != PVCB_IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	return 0;
}

int pvcb_parse_inet_addr(const __u8 *addr, __u32 len,
			 struct pvcb_inet_addr *out)
{
	unsigned short family;

	if (len < PVCB_SOCKADDR_IN_LEN || len > PVC_ADDR_MAX)
		return -EINVAL;
	/* sockaddr_in: u16 family (host order), u16 port, u32 addr */
	memcpy(&family, addr, sizeof(family));
	if (family != PVC_AF_INET)
		return -EAFNOSUPPORT;
	memcpy(&out->port, addr + 2, sizeof(out->port));
	memcpy(&out->addr, addr + 4, sizeof(out->addr));
	return 0;
}

int pvcb_check_ring_order(__u32 order, __u32 max_order)
{
	if (max_order > PVC_MAX_RING_ORDER)
		max_order = PVC_MAX_RING_ORDER;
	if (order < 1 || order > max_order)
		return -EINVAL;
	return 0;
}

int pvcb_clamp_backlog(__u32 backlog, __u32 max)
{
	if (max < 1)
		max = 1;
	if (max > 65535)
		max = 65535;
	if (backlog < 1)
		return 1;
	if (backlog > max)
		return (int)max;
	return (int)backlog;
}

unsigned int pvcb_clamp_max_page_order(unsigned int order)
{
	if (order < 1)
		return 1;
	if (order > PVC_MAX_RING_ORDER)
		return PVC_MAX_RING_ORDER;
	return order;
}

int pvcb_parse_version(const char *s)
{
	if (!s || strcmp(s, "1") != 0)
		return -EPROTONOSUPPORT;
	return 0;
}
