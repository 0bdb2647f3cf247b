#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test bed's PV guest (busybox).  Loads the frontend, waits
# (bounded) for it to connect, runs the scenario named on the kernel
# command line (pvcalls_scenario=NAME), prints its kernel log and taint,
# and powers off.  Everything goes to the console (hvc0), which dom0's
# xenconsoled logs and prints between markers.
export PATH=/opt/pvcalls:/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up 2>/dev/null
. /bed/env
export KVER

SCENARIO=$(sed -n 's/.*pvcalls_scenario=\([^ ]*\).*/\1/p' /proc/cmdline)
SCENARIO=${SCENARIO:-suite}
export SCENARIO PVCALLS_SCENARIO=$SCENARIO
CONNECT_WAIT=60
FRONT=/sys/bus/xen/devices/pvcalls-0

echo "@@@ guest up: scenario $SCENARIO, kernel $(uname -r)"

n=0
tap() {	# tap OK|FAIL name [reason]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ # $3}"
	fi
}

# Waits up to $CONNECT_WAIT s (by the clock) for the frontend's xenbus
# state to be 4.
connected() {
	c_end=$(($(cut -d. -f1 /proc/uptime) + CONNECT_WAIT))
	until [ "$(cat $FRONT/state 2>/dev/null)" = Connected ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $c_end ] || return 1
		sleep 0.2
	done
}

finish() {
	echo "@@@ guest kernel log"
	dmesg
	echo "@@@ guest taint $(cat /proc/sys/kernel/tainted)"
	echo "@@@ guest done"
	sync
	poweroff -f
}

# The hostile scenario: tests/hostile's module binds the pvcalls device
# instead of our frontend, speaks raw PV Calls to the backend and reports
# one result line per case; dom0 checks what the backend kept afterwards.
if [ "$SCENARIO" = hostile ]; then
	R=/sys/kernel/debug/pvcalls-hostile/results
	if insmod /bed/pvcalls-hostile-front.ko; then
		tap OK "insmod pvcalls-hostile-front (instead of xen-pvcalls-front)"
	else
		tap FAIL "insmod pvcalls-hostile-front (instead of xen-pvcalls-front)"
		finish
	fi
	h_end=$(($(cut -d. -f1 /proc/uptime) + ${HOSTILE_WAIT:-150}))
	until grep -q '^# done' $R 2>/dev/null; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $h_end ] || break
		sleep 1
	done
	cat $R
	if grep -q '^# done' $R 2>/dev/null; then
		tap OK "hostile frontend ran all its cases"
	else
		tap FAIL "hostile frontend ran all its cases" "not done in ${HOSTILE_WAIT:-150}s"
	fi
	finish
fi

if modprobe xen-pvcalls-front; then
	tap OK "modprobe xen-pvcalls-front"
else
	tap FAIL "modprobe xen-pvcalls-front"
	finish
fi
if connected; then
	tap OK "frontend connected (xenbus state 4)"
else
	tap FAIL "frontend connected (xenbus state 4)" \
		"state $(cat $FRONT/state 2>/dev/null) after ${CONNECT_WAIT}s"
	finish
fi

case $SCENARIO in
hold)
	# Open sockets and stay until dom0 destroys the domain.  The kernel
	# log is printed first: there is no "after" for a destroyed guest.
	echo "@@@ guest kernel log"
	dmesg
	echo "@@@ guest taint $(cat /proc/sys/kernel/tainted)"
	/bed/pvc-hold
	sleep 3600
	;;
lifecycle)
	# Give dom0 time to see both ends connected.  Then unload with no
	# socket open: the xenbus core holds a reference on the driver's
	# module for each bound device, so the device is unbound first (the
	# frontend's remove path: it closes the connection), then rmmod.
	sleep "${HOLD:-15}"
	if echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind; then
		tap OK "unbind pvcalls-0 from the frontend"
	else
		tap FAIL "unbind pvcalls-0 from the frontend"
	fi
	if out=$(rmmod xen_pvcalls_front 2>&1); then
		tap OK "rmmod xen_pvcalls_front with no open sockets"
	else
		tap FAIL "rmmod xen_pvcalls_front with no open sockets" "$out"
	fi
	if [ -e /sys/module/xen_pvcalls_front ]; then
		tap FAIL "frontend module gone after rmmod"
	else
		tap OK "frontend module gone after rmmod"
	fi
	;;
bench)
	/opt/pvcalls/bench/guest.sh 2>&1	# make bench
	;;
hostile-back)
	# dom0 runs tests/hostile's hostile backend instead of ours
	/bed/hb-guest 2>&1
	;;
*)
	if [ -x /opt/pvcalls/run-guest.sh ]; then
		/opt/pvcalls/run-guest.sh "$SCENARIO" 2>&1
	elif [ "$SCENARIO" = demo ]; then
		echo "demo: frontend $(cat $FRONT/nodename) is $(cat $FRONT/state)," \
		     "socket family $(cat /sys/module/xen_pvcalls_front/parameters/family 2>/dev/null || echo '?')"
	else
		echo "@@@ guest: no /opt/pvcalls/run-guest.sh, scenario $SCENARIO skipped"
	fi
	;;
esac
finish
