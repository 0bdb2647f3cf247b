#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test bed's dom0 (busybox).  Brings up the Xen toolstack,
# loads the PV Calls backend, then drives the scenario named on the
# kernel command line (pvcalls_scenario=NAME):
#   suite  the guest suite, then the lifecycle checks (xl destroy with
#          sockets open, rmmod/modprobe of the backend, a second guest
#          that connects and unloads its frontend), then unmodified
#          programs under pvcalls-run (tools/pvcalls-run/test-*.sh), then
#          a hostile guest (tests/hostile) and the leak checks after it,
#          then a guest whose frontend faces tests/hostile's hostile
#          backend, then the data tests with the frontend's and then the
#          backend's notify_mitigation=0 (interop with a v1 peer each way),
#          then a guest whose frontend faces Linux's own pvcalls-back, one
#          that runs the selftests against that backend with the EOI fix
#          of testbed/upstream-pvcalls.sh, and one whose Linux
#          pvcalls-front faces our backend
#   hostile  the hostile guests (frontend, backend) and their checks alone
#   vs-upstream  those last three guests alone
#   upstream-eoifix  the selftests against Linux's pvcalls-back with the
#          EOI fix alone (the suite's upstream-back-eoifix guest)
#   upstream  the same selftests against the unmodified pvcalls-back (not
#          in the suite: its data path loses events, see
#          Documentation/pvcalls.rst)
#   other  one guest run with that scenario (e.g. demo)
# Each scenario is a function in testbed/dom0/ (in /bed/dom0/ here),
# with what they share in testbed/dom0/lib.sh.
# Its own checks are printed as "@@@ BED ok|not ok NAME"; guest consoles,
# run-dom0.sh output and dom0's kernel log between "@@@ BEGIN/END" lines.
# The host harness (testbed/run.sh) parses all of it.
export PATH=/opt/pvcalls:/usr/lib/xen/bin:/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
# Only emergencies live on the console: the full log is printed at the end.
dmesg -n 1
. /bed/env
export KVER
. /bed/init-lib.sh

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
SCENARIO=$(arg pvcalls_scenario)
SCENARIO=${SCENARIO:-suite}
GUEST_TIMEOUT=$(arg pvcalls_guest_timeout)
GUEST_TIMEOUT=${GUEST_TIMEOUT:-600}
# The guest half of the selftests that the suite scenario runs: "quick"
# (small transfers, fits a TCG run) or "suite" (the full sizes).
SUITE=$(arg pvcalls_suite)
SUITE=${SUITE:-quick}
# pvcalls_only=a,b: the suite guest runs only these selftests (debugging)
ONLY=$(arg pvcalls_only | tr : ,)	# (run.sh passes a:b)
# pvcalls_gargs=k=v:k=v: more kernel arguments for that guest (run.sh's
# GUEST_ARGS, e.g. the selftests' sizes: see selftests/run-guest.sh)
GARGS=$(arg pvcalls_gargs | tr : ' ')
# pvcalls_slow=N (make check-debug): the debug kernel boots and runs
# several times slower, so the bed's own fixed waits are multiplied by N.
SLOW=$(arg pvcalls_slow)
SLOW=${SLOW:-1}
export PVCALLS_TEST_SLOW=$SLOW
# pvcalls_kargs=k=v:k=v: kernel arguments every guest gets too (run.sh's
# SLOW_KARGS for the debug kernel)
KARGS=$(arg pvcalls_kargs | tr : ' ')
BED_GUEST_TIMEOUT=$((300 * SLOW))	# the bed's own short guests (hold, lifecycle)
PVCALLS_RUN_TIMEOUT=$((420 * SLOW))	# the pvcalls-run guest (its own waits: 300 s)
DATA_GUEST_TIMEOUT=$((420 * SLOW))	# the notify-mitigation interop guests (data tests)
UPSTREAM_SELFTESTS_TIMEOUT=$((900 * SLOW))	# the selftests against Linux's backend
export SCENARIO PVCALLS_SCENARIO=$SCENARIO
STATS=/sys/kernel/debug/xen-pvcalls-back/stats
T0=$(cut -d. -f1 /proc/uptime)

# The scenarios' code: testbed/dom0/*.sh.
for f in /bed/dom0/*.sh; do
	. "$f"
done

# ---- Xen toolstack ----
say "dom0 up, kernel $KVER, scenario $SCENARIO"
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
	modprobe $m || tap_fail "modprobe $m"
done
mkdir -p /proc/xen /run/xenstored /run/xen /var/lib/xen /var/lib/xenstored \
	/var/log/xen/console
mount -t xenfs xenfs /proc/xen
xenstored --pid-file=/run/xenstored.pid
if ! wait_for $((30 * SLOW)) xenstore-ls /; then
	tap_fail "xenstored up"
	the_end
fi
xen-init-dom0 >/dev/null
xenconsoled --log=guest --log-dir=/var/log/xen/console \
	--pid-file=/run/xenconsoled.pid
ip link set lo up
say "xen toolstack up"

# ---- backend ----
# Rings up to order 9 for the sockets that ask for them with SO_SNDBUF or
# SO_RCVBUF (the module's default offer is 4): every modprobe of the
# backend below takes it.  pvcalls_max_page_order=N on the command line
# offers another.
MAX_PAGE_ORDER=$(arg pvcalls_max_page_order)
mkdir -p /etc/modprobe.d
# Cached rings live 5 s per unit of slowness: the hostile guest's reuse
# case names them again after a few commands.
echo "options xen_pvcalls_back max_page_order=${MAX_PAGE_ORDER:-9} ring_cache_ms=$((5000 * SLOW))" \
	> /etc/modprobe.d/xen-pvcalls-bed.conf
expect "modprobe xen-pvcalls-back" -- modprobe xen-pvcalls-back

case $SCENARIO in
suite)		scenario_suite ;;
hostile)	scenario_hostile ;;
vs-upstream)	scenario_vs_upstream ;;
upstream-eoifix) scenario_upstream_eoifix ;;
upstream)	scenario_upstream ;;
bench)		. /opt/pvcalls/bench/dom0.sh ;;	# make bench: see bench/dom0.sh
*)		scenario_one_guest ;;
esac
the_end
