// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of the shared PV Calls headers (and, when present,
 * the backend's pure validation code). Exit status 0 only if all pass.
 */
#include "host.h"

int main(void)
{
	test_wire();
	test_dring();
	test_copy();
	test_linux_wire();
#ifdef HAVE_NOTIFY
	test_notify();
#endif
#ifdef HAVE_VALIDATE
	test_validate();
#endif
	return tap_done("host");
}
