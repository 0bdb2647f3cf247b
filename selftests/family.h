/* SPDX-License-Identifier: GPL-2.0 */
/* pvcalls_family(): the frontend's program header, as programs use it. */
#ifndef PVC_SELFTEST_FAMILY_H
#define PVC_SELFTEST_FAMILY_H

#include "../include/uapi/pvcalls.h"

#endif
