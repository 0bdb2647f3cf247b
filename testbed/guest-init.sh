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
. /bed/init-lib.sh
TAP_NUMBER=1

SCENARIO=$(sed -n 's/.*pvcalls_scenario=\([^ ]*\).*/\1/p' /proc/cmdline)
SCENARIO=${SCENARIO:-suite}
export SCENARIO PVCALLS_SCENARIO=$SCENARIO
# pvcalls_slow=N (make check-debug's slow kernel): fixed waits times N
SLOW=$(sed -n 's/.*pvcalls_slow=\([0-9]*\).*/\1/p' /proc/cmdline)
SLOW=${SLOW:-1}
export PVCALLS_TEST_SLOW=$SLOW
CONNECT_WAIT=$((60 * SLOW))
HOSTILE_WAIT=$((${HOSTILE_WAIT:-480} * SLOW))
FRONT=/sys/bus/xen/devices/pvcalls-0
FSTATS=/sys/kernel/debug/xen-pvcalls-front/stats
# Frontend module parameters (pvcalls_front_opts=a=1,b=2) and whether
# notify-mitigation and in-order must end up in use
# (pvcalls_expect_notify=0|1, pvcalls_expect_in_order=0|1).
FRONT_OPTS=$(sed -n 's/.*pvcalls_front_opts=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
EXPECT_NOTIFY=$(sed -n 's/.*pvcalls_expect_notify=\([^ ]*\).*/\1/p' /proc/cmdline)
EXPECT_IN_ORDER=$(sed -n 's/.*pvcalls_expect_in_order=\([^ ]*\).*/\1/p' /proc/cmdline)

echo "@@@ guest up: scenario $SCENARIO, kernel $(uname -r)"

# Waits up to $CONNECT_WAIT s (by the clock) for the frontend's xenbus
# state to be 4.
connected() {
	c_end=$(($(cut -d. -f1 /proc/uptime) + CONNECT_WAIT))
	until [ "$(cat $FRONT/state 2>/dev/null)" = Connected ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $c_end ] || return 1
		sleep 0.2
	done
}

# The kernel log and taint, which the host harness checks.
kernel_log() {
	echo "@@@ guest kernel log"
	dmesg
	echo "@@@ guest taint $(cat /proc/sys/kernel/tainted)"
}

finish() {
	echo "@@@ guest frontend stats: $(tr '\n' ' ' < $FSTATS 2>&1)"
	kmemleak_check
	kernel_log
	echo "@@@ guest done"
	sync
	poweroff -f
}

# The hostile scenario: tests/hostile's module binds the pvcalls device
# instead of our frontend, speaks raw PV Calls to the backend and reports
# one result line per case; dom0 checks what the backend kept afterwards.
if [ "$SCENARIO" = hostile ]; then
	R=/sys/kernel/debug/pvcalls-hostile/results
	if insmod /bed/pvcalls-hostile-front.ko slow="$SLOW"; then
		tap_ok "insmod pvcalls-hostile-front (instead of xen-pvcalls-front)"
	else
		tap_fail "insmod pvcalls-hostile-front (instead of xen-pvcalls-front)"
		finish
	fi
	h_end=$(($(cut -d. -f1 /proc/uptime) + $HOSTILE_WAIT))
	until grep -q '^# done' $R 2>/dev/null; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $h_end ] || break
		sleep 1
	done
	cat $R
	if grep -q '^# done' $R 2>/dev/null; then
		tap_ok "hostile frontend ran all its cases"
	else
		tap_fail "hostile frontend ran all its cases" "not done in ${HOSTILE_WAIT}s"
	fi
	finish
fi

# Linux's own frontend (pvcalls-upfront-test.ko: pvcalls-front.c from
# linux-source linked with tests/upstream/upfront_test.c) binds the
# pvcalls device instead of ours and drives dom0's backend, ours; dom0
# checks what our backend kept afterwards.
if [ "$SCENARIO" = upfront ]; then
	R=/sys/kernel/debug/pvcalls-upfront
	if insmod /bed/pvcalls-upfront-test.ko; then
		tap_ok "insmod Linux's pvcalls-front with the test driver (instead of xen-pvcalls-front)"
	else
		tap_fail "insmod Linux's pvcalls-front with the test driver (instead of xen-pvcalls-front)"
		finish
	fi
	if connected; then
		tap_ok "Linux's frontend connected to our backend (xenbus state 4)"
	else
		tap_fail "Linux's frontend connected to our backend (xenbus state 4)" \
			"state $(cat $FRONT/state 2>/dev/null) after ${CONNECT_WAIT}s"
		finish
	fi
	echo run > $R/run
	cat $R/results
	if grep -q '^# done' $R/results; then
		tap_ok "Linux's frontend ran all its cases"
	else
		tap_fail "Linux's frontend ran all its cases"
	fi
	finish
fi

# shellcheck disable=SC2086
if modprobe xen-pvcalls-front $FRONT_OPTS; then
	tap_ok "modprobe xen-pvcalls-front${FRONT_OPTS:+ $FRONT_OPTS}"
else
	tap_fail "modprobe xen-pvcalls-front${FRONT_OPTS:+ $FRONT_OPTS}"
	finish
fi
if connected; then
	tap_ok "frontend connected (xenbus state 4)"
else
	tap_fail "frontend connected (xenbus state 4)" \
		"state $(cat $FRONT/state 2>/dev/null) after ${CONNECT_WAIT}s"
	finish
fi

# "expect_front_stat NAME WANT": the frontend's debugfs NAME is WANT
# (nothing checked when WANT is empty).
expect_front_stat() {
	[ -n "$2" ] || return 0
	got=$(awk -v n="$1" '$1 == n { print $2 }' $FSTATS 2>/dev/null)
	if [ "$got" = "$2" ]; then
		tap_ok "frontend debugfs $1 is $2"
	else
		tap_fail "frontend debugfs $1 is $2" "got '$got'"
	fi
}
expect_front_stat notify_mitigation "$EXPECT_NOTIFY"
expect_front_stat in_order "$EXPECT_IN_ORDER"

case $SCENARIO in
hold)
	# Open sockets and stay until dom0 destroys the domain.  The kernel
	# log is printed first: there is no "after" for a destroyed guest.
	# pvcalls_flow=PORT,N: also N connections to a dom0 sink on PORT
	# with data flowing both ways (xl destroy mid-transfer).
	kernel_log
	flow=$(sed -n 's/.*pvcalls_flow=\([0-9]*\),\([0-9]*\).*/\1 \2/p' /proc/cmdline)
	if [ -n "$flow" ]; then
		# shellcheck disable=SC2086
		/bed/pvc-hold flow $flow
	else
		/bed/pvc-hold
	fi
	sleep 3600
	;;
lifecycle)
	# Unloading the frontend.  With sockets open, rmmod
	# must be refused: each socket holds a reference on the module, as
	# does the xenbus core for the bound device.  Unbinding the device
	# under the open sockets takes the connection down (they fail), and
	# rmmod is still refused while they are open; once they are closed,
	# it succeeds.
	# One module at a time holds the family: pvcalls-loopback (in the
	# image beside it) must be refused while xen-pvcalls-front has it.
	if out=$(modprobe pvcalls-loopback 2>&1); then
		tap_fail "modprobe pvcalls-loopback refused beside xen-pvcalls-front" "it loaded"
		rmmod pvcalls_loopback
	elif echo "$out" | grep -qi busy; then
		tap_ok "modprobe pvcalls-loopback refused beside xen-pvcalls-front (EBUSY)"
	else
		tap_fail "modprobe pvcalls-loopback refused beside xen-pvcalls-front" \
			"not with EBUSY: $out"
	fi
	/bed/pvc-hold hold > /tmp/hold.log 2>&1 &
	hold=$!
	h_end=$(($(cut -d. -f1 /proc/uptime) + 60))
	until grep -q 'pvc-hold: ready' /tmp/hold.log; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $h_end ] || break
		sleep 0.2
	done
	cat /tmp/hold.log
	ref_open=$(cat /sys/module/xen_pvcalls_front/refcnt)
	if grep -q 'accepted [0-9]' /tmp/hold.log && ! grep -q 'accepted -1' /tmp/hold.log; then
		tap_ok "sockets open for the unload checks"
	else
		tap_fail "sockets open for the unload checks" "$(tail -n 1 /tmp/hold.log)"
	fi
	sleep "${HOLD:-10}"	# dom0 checks both ends connected meanwhile
	if out=$(rmmod xen_pvcalls_front 2>&1); then
		tap_fail "rmmod xen_pvcalls_front refused with sockets open" "it succeeded"
	else
		tap_ok "rmmod xen_pvcalls_front refused with sockets open (refcnt $ref_open: $out)"
	fi
	if echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind; then
		tap_ok "unbind pvcalls-0 from the frontend with sockets open"
	else
		tap_fail "unbind pvcalls-0 from the frontend with sockets open"
	fi
	ref_unbound=$(cat /sys/module/xen_pvcalls_front/refcnt)
	if out=$(rmmod xen_pvcalls_front 2>&1); then
		tap_fail "rmmod still refused after unbind while sockets are open" "it succeeded"
	else
		tap_ok "rmmod still refused after unbind while sockets are open (refcnt $ref_unbound)"
	fi
	kill $hold
	wait $hold 2>/dev/null
	# The sockets' release is asynchronous: wait (bounded) for refcnt 0.
	r_end=$(($(cut -d. -f1 /proc/uptime) + 30))
	until [ "$(cat /sys/module/xen_pvcalls_front/refcnt)" = 0 ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $r_end ] || break
		sleep 0.2
	done
	if out=$(rmmod xen_pvcalls_front 2>&1); then
		tap_ok "rmmod xen_pvcalls_front after the sockets closed and unbind"
	else
		tap_fail "rmmod xen_pvcalls_front after the sockets closed and unbind" \
			"$out (refcnt $(cat /sys/module/xen_pvcalls_front/refcnt 2>&1))"
	fi
	if [ -e /sys/module/xen_pvcalls_front ]; then
		tap_fail "frontend module gone after rmmod"
	else
		tap_ok "frontend module gone after rmmod"
	fi
	# Loading it again (other parameters, as make bench does) binds the
	# device that the unload left Closed: it must connect again.
	if modprobe xen-pvcalls-front notify_mitigation=0 && connected; then
		tap_ok "frontend reloaded: connected again"
	else
		tap_fail "frontend reloaded: connected again" \
			"state $(cat $FRONT/state 2>/dev/null)"
	fi
	if out=$(/bed/pvc-hold check 2>&1); then
		tap_ok "socket works after the reload"
	else
		tap_fail "socket works after the reload" "$out"
	fi
	echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind
	rmmod xen_pvcalls_front
	;;
reboot)
	# Each boot checks that a socket works; dom0 reboots the first
	# instance (xl reboot, on_reboot=restart) and destroys the second.
	if out=$(/bed/pvc-hold check 2>&1); then
		tap_ok "socket works after this boot"
	else
		tap_fail "socket works after this boot" "$out"
	fi
	echo "$out"
	kernel_log
	sleep 150
	;;
vs-upstream)
	# dom0 serves us with Linux's own pvcalls-back (the bed's
	# front-vs-upstream guest).  Its data path loses our events
	# (Documentation/pvcalls.rst, "Linux's pair"), so this checks what
	# it carries reliably: the commands (socket, bind, listen, connect,
	# accept, release) and the teardown.
	timeout $((60 * SLOW)) /bed/pvc-hold trio > /tmp/hold.log 2>&1
	cat /tmp/hold.log
	if grep -q 'listener [0-9]* client [0-9]* accepted [0-9]' /tmp/hold.log; then
		tap_ok "bind, listen, connect and accept against upstream's backend"
	else
		tap_fail "bind, listen, connect and accept against upstream's backend" \
			"$(grep trio /tmp/hold.log || tail -n 1 /tmp/hold.log)"
	fi
	# every RELEASE answered: the frontend holds no socket (bounded)
	r_end=$(($(cut -d. -f1 /proc/uptime) + 30 * SLOW))
	until [ "$(awk '$1 == "sockets" { print $2 }' $FSTATS)" = 0 ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $r_end ] || break
		sleep 0.2
	done
	if [ "$(awk '$1 == "sockets" { print $2 }' $FSTATS)" = 0 ]; then
		tap_ok "sockets closed: upstream's backend answered every release"
	else
		tap_fail "sockets closed: upstream's backend answered every release" \
			"$(grep '^sockets' $FSTATS)"
	fi
	if echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind &&
	   rmmod xen_pvcalls_front; then
		tap_ok "frontend unbinds from upstream's backend and unloads"
	else
		tap_fail "frontend unbinds from upstream's backend and unloads"
	fi
	;;
bench)
	/opt/pvcalls/bench/guest.sh 2>&1	# make bench
	;;
hostile-back)
	# dom0 runs tests/hostile's hostile backend instead of ours
	/bed/hb-guest 2>&1
	# Its sockets are closed: bytes they left in out[] (the hostile
	# backend takes none) hold a close for its drain time, 30 s at most;
	# then the frontend holds nothing.
	i=0
	while [ $i -lt $((45 * SLOW)) ] &&
		! awk '($1 == "sockets" || $1 ~ /^rings_order/) && $2 != 0 { bad = 1 }
		       END { exit bad }' $FSTATS; do
		sleep 1
		i=$((i + 1))
	done
	if awk '($1 == "sockets" || $1 ~ /^rings_order/) && $2 != 0 { bad = 1 }
		END { exit bad }' $FSTATS; then
		tap_ok "frontend holds no socket and no ring after the hostile backend"
	else
		tap_fail "frontend holds no socket and no ring after the hostile backend" \
			"$(tr '\n' ' ' < $FSTATS)"
	fi
	;;
*)
	if [ -x /opt/pvcalls/run-guest.sh ]; then
		/opt/pvcalls/run-guest.sh "$SCENARIO" 2>&1
		# in-order in use: the sockets' first commands went with SOCKET
		piped=$(awk '$1 == "commands_pipelined" { print $2 }' $FSTATS 2>/dev/null)
		case $EXPECT_IN_ORDER:$piped in
		1:[1-9]*|0:0)
			tap_ok "frontend pipelined commands with in_order $EXPECT_IN_ORDER ($piped)" ;;
		1:*|0:*)
			tap_fail "frontend pipelined commands with in_order $EXPECT_IN_ORDER" \
				"commands_pipelined '$piped'" ;;
		esac
		# ring reuse: with a pool, closed sockets' rings served new ones
		pool=$(cat /sys/module/xen_pvcalls_front/parameters/ring_pool 2>/dev/null)
		reused=$(awk '$1 == "rings_reused" { print $2 }' $FSTATS 2>/dev/null)
		# skipped when only some selftests ran, or the frontend is gone
		{ grep -q pvcalls_only= /proc/cmdline || [ -z "$pool" ]; } &&
			reused=${reused:-0}x
		case $pool:$reused in
		*x)	;;	# a few selftests alone may never reconnect
		0:0|[1-9]*:[1-9]*)
			tap_ok "frontend reused rings with ring_pool $pool ($reused)" ;;
		*)
			tap_fail "frontend reused rings with ring_pool $pool" \
				"rings_reused '$reused'" ;;
		esac
		# blocking connects, binds and listens: their waiting tasks
		# reaped answers themselves, with no switch to the command work
		direct=$(awk '$1 == "answers_direct" { print $2 }' $FSTATS 2>/dev/null)
		reaped=$(awk '$1 == "answers_reaped_by_waiter" { print $2 }' $FSTATS 2>/dev/null)
		echo "# answers_direct ${direct:-?} answers_reaped_by_waiter ${reaped:-?}"
		# skipped when only some selftests ran, or the frontend is gone
		if ! grep -q pvcalls_only= /proc/cmdline && [ -n "$direct" ]; then
			case $direct:$reaped in
			[1-9]*:[1-9]*)
				tap_ok "waiting tasks reaped their answers ($reaped)" ;;
			*)
				tap_fail "waiting tasks reaped their answers" \
					"answers_direct '$direct' answers_reaped_by_waiter '$reaped'" ;;
			esac
		fi
	elif [ "$SCENARIO" = demo ]; then
		echo "demo: frontend $(cat $FRONT/nodename) is $(cat $FRONT/state)," \
		     "socket family $(cat /sys/module/xen_pvcalls_front/parameters/family 2>/dev/null || echo '?')"
	else
		echo "@@@ guest: no /opt/pvcalls/run-guest.sh, scenario $SCENARIO skipped"
	fi
	;;
esac
finish
