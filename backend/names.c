// SPDX-License-Identifier: GPL-2.0
/*
 * The socket-names extension (Documentation/pvcalls.rst): v1 cannot tell
 * the frontend the local name of a connected socket, the peer of an
 * accepted one or the port of a bind to port 0.  When the frontend asked
 * for the extension, the backend writes them into the indexes page before
 * it answers CONNECT or ACCEPT, and puts the bound port in the BIND
 * answer's pad field.  Nothing here is read back from the guest.
 */
#include <linux/net.h>
#include <linux/in.h>

#include "pvcalls-back.h"

/* @sock's own (@peer 0) or peer's name; false unless a full AF_INET one. */
static bool pvcb_sock_name(struct socket *sock, int peer,
			   struct sockaddr_in *sin)
{
	int len;

	memset(sin, 0, sizeof(*sin));
	len = peer ? kernel_getpeername(sock, (struct sockaddr *)sin) :
		     kernel_getsockname(sock, (struct sockaddr *)sin);
	return len >= (int)sizeof(*sin) && sin->sin_family == AF_INET;
}

static void pvcb_name_fill(struct socket *sock, int peer,
			   struct pvc_name *name)
{
	struct sockaddr_in sin;

	if (!pvcb_sock_name(sock, peer, &sin)) {
		WRITE_ONCE(name->family, 0);	/* unknown */
		return;
	}
	WRITE_ONCE(name->port, (__force u16)sin.sin_port);
	WRITE_ONCE(name->addr, (__force u32)sin.sin_addr.s_addr);
	WRITE_ONCE(name->family, PVC_AF_INET);
}

/*
 * @s just became active (connect or accept succeeded) and its indexes page
 * is mapped.  The answer that follows is pushed with the command ring's
 * virt_wmb() (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY), which orders these
 * stores before it; it pairs with the frontend's virt_rmb() after it reads
 * rsp_prod, before it reads the names.
 */
void pvcb_names_publish(struct pvcb_sock *s)
{
	struct pvc_indexes *intf = s->ring.intf;

	if (!s->fe->socket_names || !intf)
		return;
	pvcb_name_fill(s->sock, 0, &intf->local_name);
	pvcb_name_fill(s->sock, 1, &intf->peer_name);
}

/* The port @s is bound to, in network byte order, for a BIND answer. */
int pvcb_names_bound_port(struct pvcb_sock *s, u32 *port)
{
	struct sockaddr_in sin;

	if (!pvcb_sock_name(s->sock, 0, &sin))
		return -EINVAL;
	*port = (__force u16)sin.sin_port;
	return 0;
}
