# SPDX-License-Identifier: GPL-2.0
# Sourced by dom0's /init: Linux's own PV Calls modules against ours
# (scenarios vs-upstream, upstream-eoifix, upstream, and the suite).

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
	expect "rmmod xen_pvcalls_back for upstream's backend$ub_tag" -- rmmod xen_pvcalls_back
	expect "insmod upstream $ub_mod" -- insmod "/bed/$ub_mod.ko"
	G_ARGS="pvcalls_expect_notify=0 pvcalls_expect_in_order=0 $G_ARGS"
	ub_timeout=$DATA_GUEST_TIMEOUT
	[ "$1" = upstream ] && ub_timeout=$UPSTREAM_SELFTESTS_TIMEOUT
	guest_start "$ub_name" "$1" $ub_timeout
	G_ARGS=
	expect -r 'states "$DOMID"' \
		"$ub_name: connected to upstream's backend (xenbus state 4 both ends)" -- \
		wait_for "$G_TIMEOUT" both_connected "$DOMID"
	guest_end "$ub_name"
	expect "rmmod upstream $ub_loaded" -- rmmod "$ub_loaded"
	expect "modprobe xen-pvcalls-back after upstream's backend$ub_tag" -- modprobe xen-pvcalls-back
}

# Linux's own frontend (with the test driver tests/upstream/upfront_test.c)
# against our backend: the guest prints its cases; here, our backend
# holds nothing once it is gone.
upstream_front_guest() {
	guest_start upfront-vs-ours upfront $BED_GUEST_TIMEOUT
	guest_end upfront-vs-ours
	check_stats_zero "backend holds nothing after Linux's frontend (upfront-vs-ours)"
}

# The suite's steps with Linux's own modules alone.
scenario_vs_upstream() {
	upstream_back_guest vs-upstream
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
	upstream_front_guest
}

# The suite's guest of the selftests against Linux's backend with the
# EOI fix, alone.
scenario_upstream_eoifix() {
	G_ARGS="${ONLY:+pvcalls_only=$ONLY} $GARGS"
	upstream_back_guest upstream pvcalls-back-eoifix upstream-back-eoifix
}

# The same selftests against Linux's unmodified backend (not in the
# suite: its data path loses events).
scenario_upstream() {
	G_ARGS="${ONLY:+pvcalls_only=$ONLY} $GARGS"
	upstream_back_guest upstream
}
