# SPDX-License-Identifier: GPL-2.0
# Sourced by the test bed scripts (bash): finds the kernel, Xen and the
# build directory.  Nothing here is hard-coded to a version: the kernel is
# the newest one with headers (or KDIR=), Xen the newest /boot/xen-*.gz.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}

# Same choice as the Makefile: KDIR=, else the running kernel's headers,
# else the newest /lib/modules/*/build.
bed_find_kdir() {
	local d
	if [ -n "${KDIR:-}" ]; then echo "$KDIR"; return; fi
	d=/lib/modules/$(uname -r)/build
	if [ -e "$d/Makefile" ]; then echo "$d"; return; fi
	for d in $(ls -d /lib/modules/*/build 2>/dev/null | sort -V); do
		[ -e "$d/Makefile" ] && echo "$d"
	done | tail -n 1
}

# The release a kernel tree was built for (its /lib/modules directory name).
bed_kver() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

bed_detect() {
	KDIR=$(bed_find_kdir)
	if [ -z "$KDIR" ]; then
		echo "error: no kernel headers; apt-get install linux-headers-amd64" >&2
		return 1
	fi
	KVER=$(bed_kver "$KDIR")
	# make check-debug boots its own kernel: VMLINUZ= and MODROOT= (the
	# root its modules are installed under) point to it.
	VMLINUZ=${VMLINUZ:-/boot/vmlinuz-$KVER}
	MODROOT=${MODROOT:-}
	XEN_GZ=$(ls /boot/xen-*-amd64.gz 2>/dev/null | sort -V | tail -n 1)
	XENVER=${XEN_GZ#/boot/xen-}
	XENVER=${XENVER%-amd64.gz}
	XENBIN=/usr/lib/xen-$XENVER/bin
	export KDIR KVER VMLINUZ MODROOT XEN_GZ XENVER XENBIN TOP BUILD
	local f
	for f in "$VMLINUZ" "$XEN_GZ" "$XENBIN/xl" "$MODROOT/lib/modules/$KVER/kernel"; do
		if [ ! -e "$f" ]; then
			echo "error: $f missing (packages: linux-image-amd64" \
			     "xen-hypervisor-*-amd64 xen-utils-*; make deps)" >&2
			return 1
		fi
	done
}

# What must not be in a kernel log: Oops, BUG, WARNING, Call Trace, a
# lockdep/KASAN report...  Lockdep's reports start with WARNING:, BUG:
# or INFO:, and it says when it turns itself off; a debug kernel's "RCU
# lockdep checking is enabled" at boot is not a report.
BED_BAD_LOG='Oops|\bBUG\b|WARNING|Call Trace|\bINFO: |DEBUG_LOCKS_WARN_ON|lockdep is turned off|turning off the locking correctness validator|KASAN|UBSAN|possible (circular|recursive) locking|general protection fault|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|detected stall|kthread starved|list_(add|del) corruption|refcount_t:|kernel stack overflow|stack-protector'

# Kernel arguments of a debug kernel under TCG (make check-debug),
# "bed_slow_kargs N" for waits N times longer (nothing for N = 1): the
# debug kernel's boot-time work (the trace event eval map update) runs for
# minutes in one kworker; full preemption lets RCU's kthread run beside
# it, and the stall detector's 21 s assume real hardware, not TCG.
bed_slow_kargs() {
	[ "$1" -gt 1 ] || return 0
	echo "preempt=full rcupdate.rcu_cpu_stall_timeout=$((60 * $1 > 300 ? 300 : 60 * $1))"
}

# Seconds since the epoch, for timings.
bed_now() { date +%s; }
