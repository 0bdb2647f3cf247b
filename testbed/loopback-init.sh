#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the loopback VM (testbed/loopback-vm.sh, busybox): a plain
# Linux VM, no Xen.  Loads pvcalls-loopback, runs the selftests' two
# halves side by side over 127.0.0.1 (the dom0 half on AF_INET, the
# guest half on the PV Calls family, which this kernel's TCP serves),
# unloads the module, prints the kernel log and taint, powers off.
# Kernel command line: pvcalls_args=a:b (the suite's options, ':' for
# ' '), pvcalls_only=a:b (only these selftests).
export PATH=/opt/pvcalls:/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up
. /bed/env
. /bed/init-lib.sh
TAP_NUMBER=1

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
ARGS=$(arg pvcalls_args | tr : ' ')
ONLY=$(arg pvcalls_only | tr : ,)

finish() {
	kmemleak_check
	echo "@@@ kernel log"
	dmesg
	echo "@@@ taint $(cat /proc/sys/kernel/tainted)"
	echo "@@@ DONE"
	sync
	poweroff -f
}

echo "@@@ loopback VM up: kernel $(uname -r)"
if modprobe pvcalls-loopback; then
	tap_ok "modprobe pvcalls-loopback (family $(cat /sys/module/pvcalls_loopback/parameters/family))"
else
	tap_fail "modprobe pvcalls-loopback"
	finish
fi

echo "@@@ BEGIN selftests"
# shellcheck disable=SC2086
pvcalls_test --side dom0 --wait 120 $ARGS > /tmp/dom0.log 2>&1 &
dom0=$!
# shellcheck disable=SC2086
pvcalls_test --side guest --family pvcalls --wait 120 $ARGS ${ONLY:+--only $ONLY}
wait $dom0
echo "@@@ END selftests"
echo "@@@ BEGIN dom0"
cat /tmp/dom0.log
echo "@@@ END dom0"

# Every socket closed: the module must go (nothing left holding it).
if out=$(rmmod pvcalls_loopback 2>&1); then
	tap_ok "rmmod pvcalls_loopback after the suite"
else
	tap_fail "rmmod pvcalls_loopback after the suite" "$out"
fi
finish
