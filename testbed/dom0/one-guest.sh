# SPDX-License-Identifier: GPL-2.0
# Sourced by dom0's /init: any other scenario (demo, load, ...) is one
# guest run with that scenario; its results are its own lines.

scenario_one_guest() {
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
}
