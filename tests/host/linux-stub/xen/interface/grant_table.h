/* SPDX-License-Identifier: GPL-2.0 */
/* The grant reference type, for test_linux_wire.c (see io/ring.h). */
#ifndef PVC_HOST_STUB_GRANT_TABLE_H
#define PVC_HOST_STUB_GRANT_TABLE_H

#include <stdint.h>

typedef uint32_t grant_ref_t;

#endif
