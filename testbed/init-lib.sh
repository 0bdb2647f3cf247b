# SPDX-License-Identifier: GPL-2.0
# Sourced by both /init scripts of the test bed (busybox sh): dom0's
# (testbed/dom0-init.sh) and the guest's (testbed/guest-init.sh).
# testbed/mkimage.sh puts it in /bed/ of both images.

# kmemleak, present in make check-debug's kernel only: a scan, then a
# result line counting the suspected leaks allocated through PV Calls
# code (other suspects are printed, not judged: they are not ours).
# RESULT-FUNCTION is the caller's "F OK|FAIL name [reason]".
kmemleak_check() {	# kmemleak_check RESULT-FUNCTION
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
		$1 OK "kmemleak: no leak through PV Calls code ($total other suspects)"
	else
		$1 FAIL "kmemleak: no leak through PV Calls code" "$ours leaks"
	fi
}
