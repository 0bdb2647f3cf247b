# SPDX-License-Identifier: GPL-2.0
# Sourced by dom0's /init (testbed/dom0-init.sh; mkimage.sh puts the
# testbed/dom0/ files in /bed/dom0/): what every scenario uses.  Logging,
# waits, the end of the run, the backend's counters, the hold guest's
# dom0 sink, the notify-mitigation keys, and starting and ending guests.

say() { echo "@@@ [$(($(cut -d. -f1 /proc/uptime) - T0))s] $*"; }
# dom0's result lines: "@@@ BED ok|not ok NAME" (tap_ok, tap_fail,
# expect: testbed/tap.sh).
TAP_PREFIX='@@@ BED '
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

stat_of() { awk -v k="$1" '$1 == k { print $2 }' $STATS 2>/dev/null; }

# The backend holds nothing: every per-guest counter reads 0.
stats_zero() {
	[ -r $STATS ] || return 1
	for k in frontends active_sockets passive_sockets mapped_rings evtchns cached_rings; do
		[ "$(stat_of $k)" = 0 ] || return 1
	done
}
check_stats_zero() {	# check_stats_zero NAME: waits up to 30 s
	expect -r "tr '\n' ' ' < \$STATS 2>/dev/null || echo \"no \$STATS\"" "$1" -- \
		wait_for $((30 * SLOW)) stats_zero
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
nm_is() {	# nm_is DOMID EXPECTED: once the guest is connected
	wait_for $((300 * SLOW)) both_connected "$1" && [ "$(nm_keys "$1")" = "$2" ]
}
check_nm() {
	# shellcheck disable=SC2034 # read by expect's -r string
	nm_dom=$2
	expect -r 'echo "got $(nm_keys "$nm_dom"), $(states "$nm_dom")"' "$1: $3" -- \
		nm_is "$2" "$3"
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
	# shellcheck disable=SC2034 # read by expect's -r string
	g_id=$1
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
	# (xl create leaves a process watching the guest, holding its
	# output: to a file, not to expect's pipe)
	expect -r 'tail -n 1 /tmp/xl-$g_id.log' "xl create guest $1" -- \
		eval 'xl create -q /tmp/$g_name.cfg > /tmp/xl-$g_id.log 2>&1'
	DOMID=$(xl domid $g_name 2>/dev/null)
}

# guest_end NAME [destroy]: waits (bounded) for the guest to power off,
# or destroys it; prints its console log and the dom0 peer's output.
guest_end() {
	g_name=pvc-$1
	if [ "$2" = destroy ]; then
		expect "xl destroy guest $1" -- xl destroy $g_name
	fi
	if wait_for "$G_TIMEOUT" domain_gone $g_name; then
		[ "$2" = destroy ] || tap_ok "guest $1 finished in time"
	else
		tap_fail "guest $1 finished in time" "not done after ${G_TIMEOUT}s"
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
