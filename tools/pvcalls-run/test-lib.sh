# SPDX-License-Identifier: GPL-2.0
# Sourced by both halves of the pvcalls-run test, test-dom0.sh and
# test-guest.sh (busybox sh), from their own directory.  Uses the
# caller's $BB (busybox) and $pids (its background servers).

have() {
	command -v "$1" >/dev/null 2>&1
}

now() {
	$BB date +%s
}

# Every time limit is multiplied by the kernel argument pvcalls_slow=N
# (make check-debug's slow kernels; dom0 and the guest both get it), 1
# when it is absent.  "slow N": N seconds of a limit, in this kernel's
# time.
SLOW=$(sed -n 's/.*pvcalls_slow=\([0-9][0-9]*\).*/\1/p' /proc/cmdline 2>/dev/null)
SLOW=${SLOW:-1}
slow() {
	echo $(($1 * SLOW))
}

# The page dom0 serves and the guest compares checksums of: both halves
# generate it here, so it is the same on both sides.
mkpage() {
	i=0
	while [ $i -lt 2000 ]; do
		echo "line $i of the PV Calls page: the quick brown fox jumps over the lazy dog"
		i=$((i + 1))
	done
}

md5() {
	$BB md5sum | cut -d' ' -f1
}

# Stops the caller's background servers.
stop() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
