# SPDX-License-Identifier: GPL-2.0
# Sourced by dom0's /init: scenario suite, the whole bed (see the header
# of testbed/dom0-init.sh for its order).  Each step is a function.

# The selftests in the suite guest, both sides at their defaults.
suite_guest() {
	G_ARGS="pvcalls_expect_notify=1 pvcalls_expect_in_order=1${ONLY:+ pvcalls_only=$ONLY} $GARGS"
	guest_start suite "$SUITE"
	G_ARGS=
	check_nm "notify-mitigation negotiated with both sides default" "$DOMID" \
		"offer=1 accept=1 in_force=1"
	guest_end suite
	check_stats_zero "backend holds nothing after the suite guest's poweroff"
	# both sides at their defaults reuse rings (Documentation/pvcalls.rst)
	[ -n "$ONLY" ] ||
	expect -r 'echo "rings_reused $(stat_of rings_reused)"' \
		"backend reused released rings for the suite guest" -- \
		test "$(stat_of rings_reused)" -gt 0
}

# The backend counts at least the hold guest's FLOW_N connections, its
# listener, client and accepted peer, and one passive socket.
hold_sockets_seen() {
	[ "$(stat_of active_sockets)" -ge $((FLOW_N + 2)) ] 2>/dev/null &&
	[ "$(stat_of passive_sockets)" -ge 1 ] 2>/dev/null
}
# After a refused rmmod nothing changed for the hold guest.
hold_unchanged() {
	[ -e /sys/module/xen_pvcalls_back ] && [ "$(stat_of frontends)" = 1 ] &&
	both_connected "$DOMID" && data_flows
}

# Faults.  The hold guest opens FLOW_N connections to a dom0 sink with
# data flowing both ways, plus a listener, a client and its accepted
# peer.  While they flow, the backend is asked to unload; then the guest
# is destroyed mid-transfer.
hold_guest() {
	/bed/pvc-hold sink $FLOW_PORT $FLOW_N > /tmp/sink.log 2>&1 &
	SINK_PID=$!
	G_ARGS="pvcalls_flow=$FLOW_PORT,$FLOW_N"
	guest_start hold hold $BED_GUEST_TIMEOUT
	G_ARGS=
	expect -r 'states "$DOMID"' "hold guest connected (xenbus state 4 both ends)" -- \
		wait_for "$G_TIMEOUT" both_connected "$DOMID"
	expect -r 'echo "sink: $(cat $SINK_STATUS 2>&1)"' \
		"hold guest: $FLOW_N connections to a dom0 peer open" -- \
		wait_for $((180 * SLOW)) sink_open $FLOW_N
	say "backend counters with the hold guest: $(tr '\n' ' ' < $STATS)"
	expect -r "tr '\n' ' ' < \$STATS" \
		"backend sees the hold guest's sockets (active >= $((FLOW_N + 2)), passive >= 1)" -- \
		hold_sockets_seen
	expect -r 'echo "sink: $(cat $SINK_STATUS 2>&1)"' \
		"data flows on the hold guest's connections" -- data_flows
	# Unloading the backend under a connected guest: the xenbus core
	# holds a reference on the driver's module for each bound device,
	# so rmmod must be refused, and nothing may change for the guest.
	if out=$(rmmod xen_pvcalls_back 2>&1); then
		tap_fail "rmmod xen_pvcalls_back refused while a guest is connected" \
			"rmmod succeeded"
	else
		say "rmmod with a guest connected: $out"
		case $out in
		*"in use"*|*busy*|*Busy*|*unavailable*)	# EBUSY, EAGAIN (busybox)
			tap_ok "rmmod xen_pvcalls_back refused while a guest is connected (in use)" ;;
		*)
			tap_fail "rmmod xen_pvcalls_back refused while a guest is connected (in use)" "$out" ;;
		esac
	fi
	expect -r 'echo "$(states "$DOMID"); sink: $(cat $SINK_STATUS 2>&1)"' \
		"after the refused rmmod: backend loaded, guest connected, data still flows" -- \
		hold_unchanged
	guest_end hold destroy
	check_stats_zero "backend counters all 0 after xl destroy mid-transfer ($FLOW_N connections)"
	expect -r "xl list | grep '(null)'" "destroyed guest fully released (no dying domain)" -- \
		wait_for $((30 * SLOW)) no_dying_domain
	# The dom0 peers see every connection end (EOF or reset), none hang.
	expect -r 'echo "sink: $(cat $SINK_STATUS 2>&1)"' \
		"dom0 peer sees all $FLOW_N connections end after the destroy" -- \
		wait_for $((30 * SLOW)) sink_all_ended $FLOW_N
	say "dom0 sink after the destroy: $(cat $SINK_STATUS 2>&1)"
	kill $SINK_PID 2>/dev/null
	wait $SINK_PID 2>/dev/null
	expect "rmmod xen_pvcalls_back with no guest" -- rmmod xen_pvcalls_back
	expect "modprobe xen-pvcalls-back again" -- modprobe xen-pvcalls-back
}

# A new guest connects to the reloaded backend, then unloads its
# frontend (guest scenario lifecycle).
lifecycle_guest() {
	guest_start lifecycle lifecycle $BED_GUEST_TIMEOUT
	expect -r 'states "$DOMID"' \
		"second xl create connects again (xenbus state 4 both ends)" -- \
		wait_for "$G_TIMEOUT" both_connected "$DOMID"
	guest_end lifecycle
	check_stats_zero "backend holds nothing after frontend rmmod and poweroff"
}

# Guest reboot (xl reboot, on_reboot=restart): the new instance of the
# same guest reconnects and a socket works.
reboot_guest() {
	G_ON_REBOOT=restart
	guest_start reboot reboot $BED_GUEST_TIMEOUT
	G_ON_REBOOT=
	old=$DOMID
	expect -r 'states "$old"' "reboot guest: first boot connected, socket works" -- \
		eval 'wait_for "$G_TIMEOUT" both_connected "$old" &&
		      wait_for $((120 * SLOW)) checks_done reboot 1'
	expect "xl reboot of a connected guest" -- xl reboot pvc-reboot
	if wait_for $((120 * SLOW)) new_instance pvc-reboot "$old"; then
		DOMID=$(xl domid pvc-reboot)
		tap_ok "rebooted guest restarted (domain $old -> $DOMID)"
	else
		tap_fail "rebooted guest restarted" "$(xl list 2>&1 | tr '\n' ' ')"
	fi
	expect -r 'states "$DOMID"' "rebooted guest reconnects (xenbus state 4 both ends)" -- \
		wait_for "$G_TIMEOUT" both_connected "$DOMID"
	expect -r 'echo "$(grep -c "pvc-hold: check ok" /var/log/xen/console/guest-pvc-reboot.log) checks passed"' \
		"socket works in the rebooted guest" -- \
		wait_for $((120 * SLOW)) checks_done reboot 2
	guest_end reboot destroy
	check_stats_zero "backend holds nothing after the rebooted guest's destroy"
	expect -r "xl list | grep '(null)'" "rebooted guest fully released (no dying domain)" -- \
		wait_for $((30 * SLOW)) no_dying_domain
}

# Grant exhaustion: a guest with few grant frames opens sockets until
# ENOBUFS, twice (selftest sockets_until_enobufs_then_all_freed).
grants_guest() {
	G_CFG_EXTRA="max_grant_frames = $GRANT_FRAMES"
	# its test counts the grants one closed socket gives back: no pool
	G_ARGS="pvcalls_front_opts=ring_pool=0"
	guest_start grants grants $BED_GUEST_TIMEOUT
	G_ARGS=
	G_CFG_EXTRA=
	guest_end grants
	check_stats_zero "backend holds nothing after the grants guest"
}

# Unmodified programs (busybox wget/nc/httpd, socat, iperf3) under
# pvcalls-run in the guest, against dom0 peers (run-dom0.sh
# pvcalls-run); the guest unloads its frontend at the end.
pvcalls_run_guest() {
	guest_start pvcalls-run pvcalls-run $PVCALLS_RUN_TIMEOUT
	guest_end pvcalls-run
	check_stats_zero "backend holds nothing after the pvcalls-run guest"
}

# Interop with a plain v1 peer: the data tests with one side's
# extensions notify-mitigation and in-order off, each way.
v1_peer_guests() {
	G_ARGS="pvcalls_front_opts=notify_mitigation=0,in_order=0 pvcalls_expect_notify=0 pvcalls_expect_in_order=0"
	guest_start front-v1 data $DATA_GUEST_TIMEOUT
	check_nm "frontend notify_mitigation=0: backend offers, nothing accepted" \
		"$DOMID" "offer=1 accept=- in_force=0"
	guest_end front-v1
	check_stats_zero "backend holds nothing after the front-v1 guest"
	expect "rmmod xen_pvcalls_back for notify_mitigation=0 in_order=0" -- \
		rmmod xen_pvcalls_back
	expect "modprobe xen-pvcalls-back notify_mitigation=0 in_order=0" -- \
		modprobe xen-pvcalls-back notify_mitigation=0 in_order=0
	G_ARGS="pvcalls_expect_notify=0 pvcalls_expect_in_order=0"
	guest_start back-v1 data $DATA_GUEST_TIMEOUT
	check_nm "backend notify_mitigation=0: nothing offered or accepted" \
		"$DOMID" "offer=- accept=- in_force=0"
	guest_end back-v1
	G_ARGS=
	check_stats_zero "backend holds nothing after the back-v1 guest"
}

scenario_suite() {
	suite_guest
	hold_guest
	lifecycle_guest
	reboot_guest
	grants_guest
	pvcalls_run_guest
	hostile_guest
	hostile_back_guest
	v1_peer_guests
	# Our frontend against Linux's own backend, unmodified and with the
	# EOI fix, and Linux's frontend against our backend.
	upstream_back_guest vs-upstream
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
	upstream_front_guest
	expect "rmmod xen_pvcalls_back at the end" -- rmmod xen_pvcalls_back
}
