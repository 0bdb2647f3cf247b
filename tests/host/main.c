// SPDX-License-Identifier: GPL-2.0
/* Host-side unit tests of the shared PV Calls headers (and, when present,
 * the backend's pure validation code). Exit status 0 only if all pass.
 */
#include "tap.h"

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
	printf("# %d tests, %d passed, %d failed\n", tap_count,
	       tap_count - tap_failures, tap_failures);
	return tap_failures ? 1 : 0;
}
