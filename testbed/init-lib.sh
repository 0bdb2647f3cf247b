# SPDX-License-Identifier: GPL-2.0
# Sourced by the /init scripts of the test bed (busybox sh): dom0's
# (testbed/dom0-init.sh), the guest's (testbed/guest-init.sh) and the
# loopback VM's (testbed/loopback-init.sh).  testbed/mkimage.sh and
# testbed/loopback-vm.sh put it in /bed/, with tap.sh.

# Result lines: tap_ok, tap_fail, expect (testbed/tap.sh).  The caller
# sets TAP_NUMBER or TAP_PREFIX for its form.
. /bed/tap.sh

# kmemleak, present in make check-debug's kernel only: a scan, then a
# result line counting the suspected leaks allocated through PV Calls
# code (other suspects are printed, not judged: they are not ours).
kmemleak_check() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || return 0
	echo scan > $k
	sleep 5
	echo scan > $k
	total=$(grep -c '^unreferenced object' $k)
	ours=$(awk '/^unreferenced object/ { seen = 0 }
		    /pvcalls/ && !seen { n++; seen = 1 }
		    END { print n + 0 }' $k)
	echo "@@@ kmemleak: $total suspected leaks, $ours through PV Calls code"
	head -n 200 $k
	if [ "$ours" = 0 ]; then
		tap_ok "kmemleak: no leak through PV Calls code ($total other suspects)"
	else
		tap_fail "kmemleak: no leak through PV Calls code" "$ours leaks"
	fi
}
