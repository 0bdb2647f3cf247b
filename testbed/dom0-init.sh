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

say() { echo "@@@ [$(($(cut -d. -f1 /proc/uptime) - T0))s] $*"; }
# dom0's result lines: "@@@ BED ok|not ok NAME" (testbed/tap.sh).
TAP_PREFIX='@@@ BED '
bed() { tap_result "$@"; }	# bed OK|FAIL name [reason]
check() {	# check name command...: a BED line from the command's status
	name=$1
	shift
	expect "$name" -- "$@"
}
# wait_for SECONDS command...: polls the command until it succeeds or the
# time (by the clock, not by a count: commands are slow under emulation)
# is up.
now() { cut -d. -f1 /proc/uptime; }
wait_for() {
	w_end=$(($(now) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now)" -lt "$w_end" ] || return 1
		sleep 0.3
	done
}

the_end() {
	kmemleak_check
	say "dom0 kernel log"
	echo "@@@ BEGIN dom0-dmesg"
	dmesg
	echo "@@@ END dom0-dmesg"
	echo "@@@ dom0 taint $(cat /proc/sys/kernel/tainted)"
	say "done"
	echo "@@@ DONE"
	sync
	poweroff -f
	sleep 10
	echo o > /proc/sysrq-trigger
}

# ---- Xen toolstack ----
say "dom0 up, kernel $KVER, scenario $SCENARIO"
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
	modprobe $m || bed FAIL "modprobe $m"
done
mkdir -p /proc/xen /run/xenstored /run/xen /var/lib/xen /var/lib/xenstored \
	/var/log/xen/console
mount -t xenfs xenfs /proc/xen
xenstored --pid-file=/run/xenstored.pid
if ! wait_for $((30 * SLOW)) xenstore-ls /; then
	bed FAIL "xenstored up"
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
echo "options xen_pvcalls_back max_page_order=${MAX_PAGE_ORDER:-9}" \
	> /etc/modprobe.d/xen-pvcalls-bed.conf
if modprobe xen-pvcalls-back; then
	bed OK "modprobe xen-pvcalls-back"
else
	bed FAIL "modprobe xen-pvcalls-back"
fi

stat_of() { awk -v k="$1" '$1 == k { print $2 }' $STATS 2>/dev/null; }

# The backend holds nothing: every per-guest counter reads 0.
stats_zero() {
	[ -r $STATS ] || return 1
	for k in frontends active_sockets passive_sockets mapped_rings evtchns; do
		[ "$(stat_of $k)" = 0 ] || return 1
	done
}
check_stats_zero() {	# check_stats_zero NAME: waits up to 30 s
	if wait_for $((30 * SLOW)) stats_zero; then
		bed OK "$1"
	else
		bed FAIL "$1" "$(tr '\n' ' ' < $STATS 2>/dev/null || echo "no $STATS")"
	fi
}

# Both xenbus ends of the guest's pvcalls device in state 4 (Connected).
both_connected() {
	[ "$(xenstore-read /local/domain/$1/device/pvcalls/0/state)" = 4 ] &&
	[ "$(xenstore-read /local/domain/0/backend/pvcalls/$1/0/state)" = 4 ]
}
states() {
	echo "frontend $(xenstore-read /local/domain/$1/device/pvcalls/0/state 2>&1)" \
	     "backend $(xenstore-read /local/domain/0/backend/pvcalls/$1/0/state 2>&1)"
}

# A destroyed domain whose pages are still mapped by dom0 lingers as a
# dying "(null)" domain in xl list.
no_dying_domain() { ! xl list | grep -q '(null)'; }
domain_gone() { ! xl domid "$1" >/dev/null 2>&1; }
has_sockets() { [ "$(stat_of active_sockets)" -gt 0 ] 2>/dev/null; }

# The dom0 sink of the hold guest (pvc-hold sink): its status file says
# "open N ended N resets N eofs N in BYTES out BYTES".
FLOW_PORT=7990
FLOW_N=100
SINK_STATUS=/tmp/pvc-sink.status
sink_field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' \
	$SINK_STATUS 2>/dev/null; }
sink_open() { [ "$(sink_field open)" = "$1" ]; }
sink_all_ended() { [ "$(sink_field ended)" = "$1" ] && [ "$(sink_field open)" = 0 ]; }
# Bytes in and out both grow within 20 s.
flow_grew() { [ "$(sink_field in)" -gt "$f_in" ] && [ "$(sink_field out)" -gt "$f_out" ]; }
data_flows() {
	f_in=$(sink_field in)
	f_out=$(sink_field out)
	wait_for $((20 * SLOW)) flow_grew
}
# Grant frames of the grants guest: 4 frames, 2048 v1 entries.
GRANT_FRAMES=4
# checks_done NAME N: N "pvc-hold: check ok" lines in the guest's console.
checks_done() {
	[ "$(grep -c 'pvc-hold: check ok' /var/log/xen/console/guest-pvc-$1.log 2>/dev/null)" -ge "$2" ]
}
new_instance() {
	n_id=$(xl domid "$1" 2>/dev/null) && [ -n "$n_id" ] && [ "$n_id" != "$2" ]
}

# ---- notify-mitigation negotiation (Documentation/notify-mitigation.rst) ----
# nm_keys DOMID: "offer=1|- accept=1|- in_force=N" from xenstore and the
# backend's stats, while the guest is connected.
nm_keys() {
	o=$(xenstore-read /local/domain/0/backend/pvcalls/$1/0/feature-notify-mitigation 2>/dev/null || echo -)
	a=$(xenstore-read /local/domain/$1/device/pvcalls/0/notify-mitigation 2>/dev/null || echo -)
	echo "offer=$o accept=$a in_force=$(stat_of notify_mitigation)"
}
# check_nm NAME DOMID EXPECTED: a BED line; EXPECTED as nm_keys prints it.
check_nm() {
	if wait_for $((300 * SLOW)) both_connected "$2" && [ "$(nm_keys "$2")" = "$3" ]; then
		bed OK "$1: $3"
	else
		bed FAIL "$1: $3" "got $(nm_keys "$2"), $(states "$2")"
	fi
}

# ---- guests ----
# live_start NAME / live_stop: copies the guest's console to dom0's, each
# line as "@@@ live NAME: ...", while it runs (progress for the host; the
# harness takes results only from the full log printed after the guest).
live_start() {
	l_log=/var/log/xen/console/guest-pvc-$1.log
	touch "$l_log"
	rm -f /tmp/live.fifo
	mkfifo /tmp/live.fifo
	tail -f "$l_log" > /tmp/live.fifo &
	LIVE_TAIL=$!
	while IFS= read -r l; do echo "@@@ live $1: $l"; done < /tmp/live.fifo &
	LIVE_READ=$!
}
live_stop() {
	kill "$LIVE_TAIL" 2>/dev/null
	wait "$LIVE_TAIL" "$LIVE_READ" 2>/dev/null
}

# guest_start NAME SCENARIO [TIMEOUT]: xl create; sets DOMID, G_TIMEOUT.
# A scenario with programs of its own (/guest/extra-SCENARIO.cpio.gz, see
# mkimage.sh) boots the guest image with that archive appended: the
# kernel unpacks concatenated cpio archives one after the other.  They
# are concatenated uncompressed: Xen's domain builder gunzips a PV
# guest's ramdisk itself and would keep only the first gzip member.
guest_start() {
	g_name=pvc-$1
	G_TIMEOUT=${3:-$GUEST_TIMEOUT}
	g_ramdisk=/guest/initrd.gz
	if [ -e /guest/extra-$2.cpio.gz ]; then
		g_ramdisk=/tmp/initrd-$1.cpio
		zcat /guest/initrd.gz /guest/extra-$2.cpio.gz > $g_ramdisk
	fi
	cat > /tmp/$g_name.cfg <<CFG
name = "$g_name"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "$g_ramdisk"
memory = ${G_MEMORY:-256}
vcpus = 2
extra = "console=hvc0 loglevel=5 ${KARGS:+$KARGS }pvcalls_scenario=$2 pvcalls_slow=$SLOW ${G_ARGS:-}"
pvcalls = [ "backend=0" ]
on_poweroff = "destroy"
on_reboot = "${G_ON_REBOOT:-destroy}"
on_crash = "destroy"
${G_CFG_EXTRA:-}
CFG
	rm -f /tmp/dom0-$1.log
	if [ -x /opt/pvcalls/run-dom0.sh ]; then
		timeout "$G_TIMEOUT" /opt/pvcalls/run-dom0.sh "$2" \
			> /tmp/dom0-$1.log 2>&1 &
		DOM0_PID=$!
	else
		DOM0_PID=
	fi
	say "xl create $g_name (scenario $2)"
	live_start "$1"
	if xl create -q /tmp/$g_name.cfg > /tmp/xl-$1.log 2>&1; then
		bed OK "xl create guest $1"
	else
		bed FAIL "xl create guest $1" "$(tail -n 1 /tmp/xl-$1.log)"
	fi
	DOMID=$(xl domid $g_name 2>/dev/null)
}

# guest_end NAME [destroy]: waits (bounded) for the guest to power off,
# or destroys it; prints its console log and the dom0 peer's output.
guest_end() {
	g_name=pvc-$1
	if [ "$2" = destroy ]; then
		check "xl destroy guest $1" xl destroy $g_name
	fi
	if wait_for "$G_TIMEOUT" domain_gone $g_name; then
		[ "$2" = destroy ] || bed OK "guest $1 finished in time"
	else
		bed FAIL "guest $1 finished in time" "not done after ${G_TIMEOUT}s"
		xl destroy $g_name
		wait_for $((30 * SLOW)) domain_gone $g_name
	fi
	say "guest $1 gone"
	rm -f /tmp/initrd-$1.cpio
	sleep 1
	live_stop
	echo "@@@ BEGIN guest-log $1"
	cat /var/log/xen/console/guest-$g_name.log 2>/dev/null
	echo
	echo "@@@ END guest-log $1"
	if [ -n "$DOM0_PID" ]; then
		# run-dom0.sh exits by itself when the guest side is done.
		wait_for $((30 * SLOW)) eval "! kill -0 $DOM0_PID"
		kill $DOM0_PID 2>/dev/null
		wait $DOM0_PID
		echo "@@@ BEGIN dom0-run $1"
		cat /tmp/dom0-$1.log
		echo
		echo "@@@ END dom0-run $1"
	fi
}

# A guest whose pvcalls device is driven by tests/hostile's module (raw,
# malformed PV Calls) instead of our frontend.  Its cases report in its
# console log; here: the backend holds nothing once it is gone, and dom0's
# unreclaimable slab memory is back near where it was before the guest
# (figures printed; tolerance SLAB_SLACK_KB for the caches' own noise).
meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
SLAB_SLACK_KB=1024
# Its cases reconnect and write xenstore often, slow in a loaded TCG bed
# (also the hostile backend's guest: it waits for its closes to drain).
HOSTILE_GUEST_TIMEOUT=$((600 * SLOW))
# The hostile guest writes its xenbus state 10 000 times, reconnects 12
# times and breaks rules in every way it can: the backend logs a bounded
# number of lines about it whatever the guest does, 10 per 10 minutes
# per device and one line at remove for the rest.  The bound: 10 for
# each 10 minutes the guest can live, and 10 more as the guest's life
# need not start with an interval.
HOSTILE_LOG_MAX=$(((HOSTILE_GUEST_TIMEOUT / 600 + 1) * 10 + 1))
hostile_guest() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	h_slab0=$(meminfo_kb Slab) h_unrec0=$(meminfo_kb SUnreclaim)
	h_mark="bed: hostile guest starts $(cut -d' ' -f1 /proc/uptime)"
	echo "$h_mark" > /dev/kmsg
	guest_start hostile hostile $HOSTILE_GUEST_TIMEOUT
	h_dom=$DOMID
	guest_end hostile
	check_stats_zero "backend holds nothing after the hostile guest"
	# the backend's lines about this guest's device, pvcalls-DOMID-0
	if dmesg | grep -qF "$h_mark"; then
		h_lines=$(dmesg | awk -v m="$h_mark" -v p=" pvcalls-$h_dom-" \
			'index($0, m) { on = 1 } on && index($0, p) { n++ }
			 END { print n + 0 }')
		if [ "$h_lines" -le $HOSTILE_LOG_MAX ]; then
			bed OK "dom0 log: $h_lines lines about the hostile guest (at most $HOSTILE_LOG_MAX)"
		else
			bed FAIL "dom0 log: at most $HOSTILE_LOG_MAX lines about the hostile guest" \
				"$h_lines lines"
		fi
	else
		bed FAIL "dom0 log: at most $HOSTILE_LOG_MAX lines about the hostile guest" \
			"the log wrapped past the mark set before the guest"
	fi
	if wait_for $((30 * SLOW)) no_dying_domain; then
		bed OK "hostile guest fully released (no dying domain)"
	else
		bed FAIL "hostile guest fully released (no dying domain)" \
			"$(xl list | grep '(null)')"
	fi
	say "backend counters after the hostile guest: $(tr '\n' ' ' < $STATS 2>&1)"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 2
	h_slab1=$(meminfo_kb Slab) h_unrec1=$(meminfo_kb SUnreclaim)
	h_fig="Slab ${h_slab0} -> ${h_slab1} kB, SUnreclaim ${h_unrec0} -> ${h_unrec1} kB"
	say "dom0 slab around the hostile guest: $h_fig"
	if [ $((h_unrec1 - h_unrec0)) -le $SLAB_SLACK_KB ]; then
		bed OK "dom0 slab back near baseline after the hostile guest # $h_fig"
	else
		bed FAIL "dom0 slab back near baseline after the hostile guest" \
			"$h_fig, tolerance $SLAB_SLACK_KB kB"
	fi
}

# A guest whose real frontend talks to tests/hostile's hostile backend
# (pvcalls-hostile-back.ko) in place of ours, which is unloaded meanwhile.
# The guest program checks its sockets fail with EIO and nothing hangs.
hostile_back_guest() {
	check "rmmod xen_pvcalls_back for the hostile backend" rmmod xen_pvcalls_back
	check "insmod pvcalls-hostile-back" insmod /bed/pvcalls-hostile-back.ko
	guest_start hostile-back hostile-back $HOSTILE_GUEST_TIMEOUT
	guest_end hostile-back
	# every byte of a request the command gives no meaning must be 0
	hb_dirty=$(dmesg | grep -c "pvcalls_hostile_back: .*nonzero unused bytes")
	if [ "$hb_dirty" = 0 ]; then
		bed OK "every request of the frontend had its unused bytes cleared"
	else
		bed FAIL "every request of the frontend had its unused bytes cleared" \
			"$hb_dirty requests with nonzero unused bytes"
	fi
	check "rmmod pvcalls_hostile_back" rmmod pvcalls_hostile_back
	check "modprobe xen-pvcalls-back after the hostile backend" modprobe xen-pvcalls-back
}

# Our frontend against Linux's own backend (pvcalls-back.ko, built from
# linux-source by testbed/upstream-pvcalls.sh), which replaces ours
# meanwhile.  upstream_back_guest SCENARIO [MODULE GUEST]: the guest's
# scenario is vs-upstream (guest-init.sh: the commands and the teardown,
# what the unmodified backend carries reliably) or upstream
# (run-guest.sh: the selftests that a v1 backend can carry).  MODULE is
# the backend's file in /bed/ without .ko: pvcalls-back (the default),
# or pvcalls-back-eoifix, the same with the one-line EOI fix of
# upstream-pvcalls.sh, without which the data path loses events
# (Documentation/pvcalls.rst, "Linux's pair").  The result lines carry
# the guest's name, GUEST (default front-vs-upstream).
upstream_back_guest() {
	ub_mod=${2:-pvcalls-back}
	ub_name=${3:-front-vs-upstream}
	ub_loaded=$(echo "$ub_mod" | tr - _)	# the module's name once loaded
	ub_tag=
	[ "$ub_mod" = pvcalls-back ] || ub_tag=" ($ub_mod)"
	check "rmmod xen_pvcalls_back for upstream's backend$ub_tag" rmmod xen_pvcalls_back
	check "insmod upstream $ub_mod" insmod "/bed/$ub_mod.ko"
	G_ARGS="pvcalls_expect_notify=0 $G_ARGS"
	ub_timeout=$DATA_GUEST_TIMEOUT
	[ "$1" = upstream ] && ub_timeout=$UPSTREAM_SELFTESTS_TIMEOUT
	guest_start "$ub_name" "$1" $ub_timeout
	G_ARGS=
	if wait_for "$G_TIMEOUT" both_connected "$DOMID"; then
		bed OK "$ub_name: connected to upstream's backend (xenbus state 4 both ends)"
	else
		bed FAIL "$ub_name: connected to upstream's backend (xenbus state 4 both ends)" \
			"$(states "$DOMID")"
	fi
	guest_end "$ub_name"
	check "rmmod upstream $ub_loaded" rmmod "$ub_loaded"
	check "modprobe xen-pvcalls-back after upstream's backend$ub_tag" modprobe xen-pvcalls-back
}

# Linux's own frontend (with the test driver tests/upstream/upfront_test.c)
# against our backend: the guest prints its cases; here, our backend
# holds nothing once it is gone.
upstream_front_guest() {
	guest_start upfront-vs-ours upfront $BED_GUEST_TIMEOUT
	guest_end upfront-vs-ours
	check_stats_zero "backend holds nothing after Linux's frontend (upfront-vs-ours)"
}

case $SCENARIO in
suite)
	G_ARGS="pvcalls_expect_notify=1${ONLY:+ pvcalls_only=$ONLY} $GARGS"
	guest_start suite "$SUITE"
	G_ARGS=
	check_nm "notify-mitigation negotiated with both sides default" "$DOMID" \
		"offer=1 accept=1 in_force=1"
	guest_end suite
	check_stats_zero "backend holds nothing after the suite guest's poweroff"

	# Faults.  The hold guest opens FLOW_N connections
	# to a dom0 sink with data flowing both ways, plus a listener, a
	# client and its accepted peer.  While they flow, the backend is
	# asked to unload; then the guest is destroyed mid-transfer.
	/bed/pvc-hold sink $FLOW_PORT $FLOW_N > /tmp/sink.log 2>&1 &
	SINK_PID=$!
	G_ARGS="pvcalls_flow=$FLOW_PORT,$FLOW_N"
	guest_start hold hold $BED_GUEST_TIMEOUT
	G_ARGS=
	if wait_for "$G_TIMEOUT" both_connected "$DOMID"; then
		bed OK "hold guest connected (xenbus state 4 both ends)"
	else
		bed FAIL "hold guest connected (xenbus state 4 both ends)" "$(states "$DOMID")"
	fi
	if wait_for $((180 * SLOW)) sink_open $FLOW_N; then
		bed OK "hold guest: $FLOW_N connections to a dom0 peer open"
	else
		bed FAIL "hold guest: $FLOW_N connections to a dom0 peer open" \
			"sink: $(cat $SINK_STATUS 2>&1)"
	fi
	say "backend counters with the hold guest: $(tr '\n' ' ' < $STATS)"
	if [ "$(stat_of active_sockets)" -ge $((FLOW_N + 2)) ] 2>/dev/null &&
	   [ "$(stat_of passive_sockets)" -ge 1 ] 2>/dev/null; then
		bed OK "backend sees the hold guest's sockets (active >= $((FLOW_N + 2)), passive >= 1)"
	else
		bed FAIL "backend sees the hold guest's sockets (active >= $((FLOW_N + 2)), passive >= 1)" \
			"$(tr '\n' ' ' < $STATS 2>&1)"
	fi
	if data_flows; then
		bed OK "data flows on the hold guest's connections"
	else
		bed FAIL "data flows on the hold guest's connections" "sink: $(cat $SINK_STATUS 2>&1)"
	fi
	# Unloading the backend under a connected guest: the xenbus core
	# holds a reference on the driver's module for each bound device,
	# so rmmod must be refused, and nothing may change for the guest.
	if out=$(rmmod xen_pvcalls_back 2>&1); then
		bed FAIL "rmmod xen_pvcalls_back refused while a guest is connected" \
			"rmmod succeeded"
	else
		say "rmmod with a guest connected: $out"
		case $out in
		*"in use"*|*busy*|*Busy*|*unavailable*)	# EBUSY, EAGAIN (busybox)
			bed OK "rmmod xen_pvcalls_back refused while a guest is connected (in use)" ;;
		*)
			bed FAIL "rmmod xen_pvcalls_back refused while a guest is connected (in use)" "$out" ;;
		esac
	fi
	if [ -e /sys/module/xen_pvcalls_back ] && [ "$(stat_of frontends)" = 1 ] &&
	   both_connected "$DOMID" && data_flows; then
		bed OK "after the refused rmmod: backend loaded, guest connected, data still flows"
	else
		bed FAIL "after the refused rmmod: backend loaded, guest connected, data still flows" \
			"$(states "$DOMID"); sink: $(cat $SINK_STATUS 2>&1)"
	fi
	guest_end hold destroy
	check_stats_zero "backend counters all 0 after xl destroy mid-transfer ($FLOW_N connections)"
	if wait_for $((30 * SLOW)) no_dying_domain; then
		bed OK "destroyed guest fully released (no dying domain)"
	else
		bed FAIL "destroyed guest fully released (no dying domain)" \
			"$(xl list | grep '(null)')"
	fi
	# The dom0 peers see every connection end (EOF or reset), none hang.
	if wait_for $((30 * SLOW)) sink_all_ended $FLOW_N; then
		bed OK "dom0 peer sees all $FLOW_N connections end after the destroy"
	else
		bed FAIL "dom0 peer sees all $FLOW_N connections end after the destroy" \
			"sink: $(cat $SINK_STATUS 2>&1)"
	fi
	say "dom0 sink after the destroy: $(cat $SINK_STATUS 2>&1)"
	kill $SINK_PID 2>/dev/null
	wait $SINK_PID 2>/dev/null
	check "rmmod xen_pvcalls_back with no guest" rmmod xen_pvcalls_back
	check "modprobe xen-pvcalls-back again" modprobe xen-pvcalls-back

	# A new guest connects to the reloaded backend, then unloads its
	# frontend (guest scenario lifecycle).
	guest_start lifecycle lifecycle $BED_GUEST_TIMEOUT
	if wait_for "$G_TIMEOUT" both_connected "$DOMID"; then
		bed OK "second xl create connects again (xenbus state 4 both ends)"
	else
		bed FAIL "second xl create connects again (xenbus state 4 both ends)" \
			"$(states "$DOMID")"
	fi
	guest_end lifecycle
	check_stats_zero "backend holds nothing after frontend rmmod and poweroff"

	# Guest reboot (xl reboot, on_reboot=restart): the new instance of
	# the same guest reconnects and a socket works.
	G_ON_REBOOT=restart
	guest_start reboot reboot $BED_GUEST_TIMEOUT
	G_ON_REBOOT=
	old=$DOMID
	if wait_for "$G_TIMEOUT" both_connected "$old" &&
	   wait_for $((120 * SLOW)) checks_done reboot 1; then
		bed OK "reboot guest: first boot connected, socket works"
	else
		bed FAIL "reboot guest: first boot connected, socket works" "$(states "$old")"
	fi
	check "xl reboot of a connected guest" xl reboot pvc-reboot
	if wait_for $((120 * SLOW)) new_instance pvc-reboot "$old"; then
		DOMID=$(xl domid pvc-reboot)
		bed OK "rebooted guest restarted (domain $old -> $DOMID)"
	else
		bed FAIL "rebooted guest restarted" "$(xl list 2>&1 | tr '\n' ' ')"
	fi
	if wait_for "$G_TIMEOUT" both_connected "$DOMID"; then
		bed OK "rebooted guest reconnects (xenbus state 4 both ends)"
	else
		bed FAIL "rebooted guest reconnects (xenbus state 4 both ends)" "$(states "$DOMID")"
	fi
	if wait_for $((120 * SLOW)) checks_done reboot 2; then
		bed OK "socket works in the rebooted guest"
	else
		bed FAIL "socket works in the rebooted guest" \
			"$(grep -c 'pvc-hold: check ok' /var/log/xen/console/guest-pvc-reboot.log) checks passed"
	fi
	guest_end reboot destroy
	check_stats_zero "backend holds nothing after the rebooted guest's destroy"
	if wait_for $((30 * SLOW)) no_dying_domain; then
		bed OK "rebooted guest fully released (no dying domain)"
	else
		bed FAIL "rebooted guest fully released (no dying domain)" \
			"$(xl list | grep '(null)')"
	fi

	# Grant exhaustion: a guest with few grant frames
	# opens sockets until ENOBUFS, twice (selftest
	# sockets_until_enobufs_then_all_freed).
	G_CFG_EXTRA="max_grant_frames = $GRANT_FRAMES"
	guest_start grants grants $BED_GUEST_TIMEOUT
	G_CFG_EXTRA=
	guest_end grants
	check_stats_zero "backend holds nothing after the grants guest"

	# Unmodified programs (busybox wget/nc/httpd, socat, iperf3) under
	# pvcalls-run in the guest, against dom0 peers (run-dom0.sh
	# pvcalls-run); the guest unloads its frontend at the end.
	guest_start pvcalls-run pvcalls-run $PVCALLS_RUN_TIMEOUT
	guest_end pvcalls-run
	check_stats_zero "backend holds nothing after the pvcalls-run guest"

	hostile_guest
	hostile_back_guest

	# notify-mitigation interop: the data tests with one side a plain
	# v1 peer (its notify_mitigation=0), each way.
	G_ARGS="pvcalls_front_opts=notify_mitigation=0 pvcalls_expect_notify=0"
	guest_start front-v1 data $DATA_GUEST_TIMEOUT
	check_nm "frontend notify_mitigation=0: backend offers, nothing accepted" \
		"$DOMID" "offer=1 accept=- in_force=0"
	guest_end front-v1
	check_stats_zero "backend holds nothing after the front-v1 guest"
	check "rmmod xen_pvcalls_back for notify_mitigation=0" rmmod xen_pvcalls_back
	check "modprobe xen-pvcalls-back notify_mitigation=0" \
		modprobe xen-pvcalls-back notify_mitigation=0
	G_ARGS="pvcalls_expect_notify=0"
	guest_start back-v1 data $DATA_GUEST_TIMEOUT
	check_nm "backend notify_mitigation=0: nothing offered or accepted" \
		"$DOMID" "offer=- accept=- in_force=0"
	guest_end back-v1
	G_ARGS=
	check_stats_zero "backend holds nothing after the back-v1 guest"

	# Our frontend against Linux's own backend, unmodified and with the
	# EOI fix, and Linux's frontend against our backend.
	upstream_back_guest vs-upstream
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
	upstream_front_guest
	check "rmmod xen_pvcalls_back at the end" rmmod xen_pvcalls_back
	;;
hostile)
	# the fast loop of the hostile guests alone
	hostile_guest
	hostile_back_guest
	;;
vs-upstream)
	# the suite's steps with Linux's own modules alone
	upstream_back_guest vs-upstream
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
	upstream_front_guest
	;;
upstream-eoifix)
	# the suite's guest of the selftests against Linux's backend with
	# the EOI fix, alone
	G_ARGS="${ONLY:+pvcalls_only=$ONLY} $GARGS"
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
	;;
upstream)
	# the same selftests against Linux's unmodified backend (not in the
	# suite: its data path loses events)
	G_ARGS="${ONLY:+pvcalls_only=$ONLY} $GARGS"
	upstream_back_guest upstream
	;;
bench)
	# make bench: see bench/dom0.sh
	. /opt/pvcalls/bench/dom0.sh
	;;
*)
	# load: the full counts (1 000 connections, 10 000 cycles, sockets
	# until ENOBUFS with the default 64 grant frames: ~120 MiB of rings)
	[ "$SCENARIO" = load ] && G_MEMORY=768
	G_ARGS="${ONLY:+pvcalls_only=$ONLY} $GARGS"
	guest_start "$SCENARIO" "$SCENARIO"
	G_ARGS=
	if wait_for "$G_TIMEOUT" both_connected "$DOMID"; then
		say "pvcalls xenbus handshake: $(states "$DOMID") (4 = Connected)"
	else
		say "pvcalls xenbus handshake incomplete: $(states "$DOMID")"
	fi
	guest_end "$SCENARIO"
	say "backend counters after the guest: $(tr '\n' ' ' < $STATS 2>&1)"
	;;
esac
the_end
