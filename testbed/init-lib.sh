# SPDX-License-Identifier: GPL-2.0
# Sourced by the /init scripts of the test bed (busybox sh): dom0's
# (testbed/dom0-init.sh), the guest's (testbed/guest-init.sh) and the
# loopback VM's (testbed/loopback-init.sh).  testbed/mkimage.sh and
# testbed/loopback-vm.sh put it in /bed/.

# A numbered result line, for the guests and the loopback VM.
n=0
tap() {	# tap OK|FAIL name [reason]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ # $3}"
	fi
}

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
