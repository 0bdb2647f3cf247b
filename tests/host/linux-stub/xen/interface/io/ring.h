/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of Xen's ring.h, in userspace, for Linux's
 * <xen/interface/io/pvcalls.h> to compile in test_linux_wire.c: the
 * index type, and no ring types (only the structs are compared).
 */
#ifndef PVC_HOST_STUB_RING_H
#define PVC_HOST_STUB_RING_H

#include <stdint.h>
#include <xen/interface/grant_table.h>

typedef unsigned int RING_IDX;

#define DEFINE_RING_TYPES(name, req, rsp) \
	extern int pvc_host_stub_ring_##name
#define DEFINE_XEN_FLEX_RING(name) \
	extern int pvc_host_stub_flex_ring_##name

#endif
