# SPDX-License-Identifier: GPL-2.0
# Sourced by dom0's /init: the hostile guests (scenario hostile, and the
# suite).

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
			tap_ok "dom0 log: $h_lines lines about the hostile guest (at most $HOSTILE_LOG_MAX)"
		else
			tap_fail "dom0 log: at most $HOSTILE_LOG_MAX lines about the hostile guest" \
				"$h_lines lines"
		fi
	else
		tap_fail "dom0 log: at most $HOSTILE_LOG_MAX lines about the hostile guest" \
			"the log wrapped past the mark set before the guest"
	fi
	expect -r "xl list | grep '(null)'" "hostile guest fully released (no dying domain)" -- \
		wait_for $((30 * SLOW)) no_dying_domain
	say "backend counters after the hostile guest: $(tr '\n' ' ' < $STATS 2>&1)"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 2
	h_slab1=$(meminfo_kb Slab) h_unrec1=$(meminfo_kb SUnreclaim)
	h_fig="Slab ${h_slab0} -> ${h_slab1} kB, SUnreclaim ${h_unrec0} -> ${h_unrec1} kB"
	say "dom0 slab around the hostile guest: $h_fig"
	if [ $((h_unrec1 - h_unrec0)) -le $SLAB_SLACK_KB ]; then
		tap_ok "dom0 slab back near baseline after the hostile guest # $h_fig"
	else
		tap_fail "dom0 slab back near baseline after the hostile guest" \
			"$h_fig, tolerance $SLAB_SLACK_KB kB"
	fi
}

# A guest whose real frontend talks to tests/hostile's hostile backend
# (pvcalls-hostile-back.ko) in place of ours, which is unloaded meanwhile.
# The guest program checks its sockets fail with EIO and nothing hangs.
hostile_back_guest() {
	expect "rmmod xen_pvcalls_back for the hostile backend" -- rmmod xen_pvcalls_back
	expect "insmod pvcalls-hostile-back" -- insmod /bed/pvcalls-hostile-back.ko
	guest_start hostile-back hostile-back $HOSTILE_GUEST_TIMEOUT
	guest_end hostile-back
	# every byte of a request the command gives no meaning must be 0
	hb_dirty=$(dmesg | grep -c "pvcalls_hostile_back: .*nonzero unused bytes")
	expect -r 'echo "$hb_dirty requests with nonzero unused bytes"' \
		"every request of the frontend had its unused bytes cleared" -- \
		[ "$hb_dirty" = 0 ]
	expect "rmmod pvcalls_hostile_back" -- rmmod pvcalls_hostile_back
	expect "modprobe xen-pvcalls-back after the hostile backend" -- modprobe xen-pvcalls-back
}

# The fast loop of the hostile guests alone.
scenario_hostile() {
	hostile_guest
	hostile_back_guest
}
