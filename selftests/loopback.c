// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests that do not apply when the family is pvcalls-loopback's
 * (Documentation/loopback.rst): they check what only the Xen transport
 * has, the data rings and grants.  The guest skips them, with the reason.
 */
#include <string.h>
#include <sys/stat.h>
#include "common.h"

static const struct {
	const char *name, *why;
} loopback_excluded[] = {
	{ "so_sndbuf_sizes_the_ring_echo_8mib",
	  "SO_SNDBUF sizes a Xen data ring; TCP has none" },
	{ "so_rcvbuf_of_listener_sizes_accepted_rings",
	  "SO_RCVBUF sizes Xen data rings; TCP has none" },
	{ "stream_dom0_to_guest_random_sizes_hash",
	  "its reads sweep the offsets of the Xen data ring; TCP has none" },
	{ "full_ring_is_not_an_error",
	  "TCP may take a byte after poll() said no room (AF_INET fails it too)" },
	{ "sockets_until_enobufs_then_all_freed",
	  "runs out of Xen grant references; TCP uses none" },
};

int loopback_family(void)
{
	struct stat st;

	return !stat("/sys/module/pvcalls_loopback", &st);
}

const char *loopback_skip(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(loopback_excluded); i++)
		if (!strcmp(loopback_excluded[i].name, name))
			return loopback_excluded[i].why;
	return NULL;
}
