#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Exhaustive spin runs of pvcalls_notify.pml, one TAP line each.
# "pass" runs must explore the whole state space with no error; "catch"
# runs are deliberately broken variants and pass only when spin finds the
# expected violation, so the suite cannot pass vacuously.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
MODEL=pvcalls_notify.pml	# changed below for the several-waiters model
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
n=0
failed=0
passed=0

# run EXPECT NAME SPIN-FLAGS...
run() {
	expect=$1 name=$2
	shift 2
	n=$((n + 1))
	rm -f "$WORK"/pan* "$WORK"/*.trail
	cp "$DIR"/*.pml "$WORK/"
	cp "$DIR/$MODEL" "$WORK/m.pml"
	if ! (cd "$WORK" && "$SPIN" "$@" -a m.pml >spin.log 2>&1 &&
	      "$CC" -O0 -w -DSAFETY -DMEMLIM=2048 -o pan pan.c); then
		echo "not ok $n $name # spin or cc failed"
		failed=$((failed + 1))
		return
	fi
	start=$(date +%s.%N)
	(cd "$WORK" && timeout 300 ./pan -m500000 >pan.log 2>&1)
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	log=$WORK/pan.log
	errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log")
	states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$log")
	info="$states states, $(printf %.2f "$secs")s"
	ok=0
	case $expect in
	pass)
		# complete search: no error, depth limit never hit
		if [ "$errs" = 0 ] && ! grep -q 'max search depth' "$log"; then
			ok=1
		fi ;;
	lost)
		# the lost-wakeup monitor fires
		grep -q 'assertion violated 0' "$log" && ok=1 ;;
	stuck)
		# both sides wait for each other: invalid end state
		grep -q 'invalid end state (' "$log" && ok=1 ;;
	data)
		# a byte arrives wrong or out of order
		grep -q 'assertion violated (v==expect)' "$log" && ok=1 ;;
	esac
	if [ $ok = 1 ]; then
		echo "ok $n $name # $info"
		passed=$((passed + 1))
	else
		echo "not ok $n $name # errors=$errs $info"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..32"
run pass "v1: both sides notify always"           -DBACK_EN=0 -DFRONT_EN=0
run pass "mitigation: both sides enabled"         -DBACK_EN=1 -DFRONT_EN=1
run pass "mitigation: indexes from 0, no wrap"    -DSTART=0
run pass "mitigation: 6 items, 2-slot ring"       -DN=6 -DRS=2
run pass "mitigation: 6 items, 4-slot ring"       -DN=6 -DRS=4
run pass "mitigation: producer waits for 2 slots" -DWANT=2
run pass "mitigation: consumer waits for 2 items" -DNEED=2 -DN=4
run pass "mitigation: want 2 + need 2 in 4 slots"  -DRS=4 -DN=5 -DWANT=2 -DNEED=2
run pass "mitigation: want 3 + need 2 in 4 slots"  -DRS=4 -DN=5 -DWANT=3 -DNEED=2
run pass "mitigation: consumer error after 1"     -DCERR=1 -DN=4
run pass "mitigation: consumer error after 2"     -DCERR=2 -DN=4
run pass "v1: consumer error after 2"             -DCERR=2 -DN=4 -DBACK_EN=0
run pass "interop: backend enabled, frontend v1"  -DBACK_EN=1 -DFRONT_EN=0
run pass "interop: frontend enabled, backend v1"  -DBACK_EN=0 -DFRONT_EN=1
run lost "broken: no MB P1 (prod -> prod_event) is caught" -DNO_MB_P1
run lost "broken: no MB C2 (prod_event -> prod) is caught" -DNO_MB_C2
run lost "broken: no MB C1 (cons -> cons_event) is caught" -DNO_MB_C1
run lost "broken: no MB P2 (cons_event -> cons) is caught" -DNO_MB_P2
run data "broken: no WMB (data -> prod) is caught"         -DNO_WMB
run data "broken: no RMB (prod -> data) is caught"         -DNO_RMB
run data "broken: no CM (data -> cons) is caught"          -DNO_CM
run lost "broken: no event after in_error is caught"       -DNO_ERR_EVENT
run lost "broken: no event after out_error is caught" -DNO_ERR_EVENT -DCERR=1 -DN=4
run stuck "broken: want 3 + need 3 in 4 slots deadlock is caught" -DRS=4 -DN=5 -DWANT=3 -DNEED=3
run pass "looker: need 4 (whole ring) + want 2 in 4 slots, looks signal" -DRS=4 -DN=6 -DWANT=2 -DNEED=4 -DLOOKER
run pass "looker: need 3 + want 3 in 4 slots, looks signal" -DRS=4 -DN=5 -DWANT=3 -DNEED=3 -DLOOKER
run stuck "broken: looker without the look signal deadlock is caught" -DRS=4 -DN=6 -DWANT=2 -DNEED=4 -DLOOKER -DNO_LOOK_SIGNAL
run lost "broken: consumer mitigates alone is caught" -DUNILATERAL_C -DSTART=0
run lost "broken: producer mitigates alone is caught" -DUNILATERAL_P -DSTART=0

# several waiters on the consumer side (a low-water reader and a poller)
MODEL=pvcalls_notify_waiters.pml
run pass "waiters: next-byte arming, reader (low mark 2) + poller"
run lost "broken waiters: no wake-all when overwriting a reached index is caught" -DNO_WAKE_RULE
run lost "broken waiters: sleeping after prod moved during arming is caught" -DNO_REARM
echo "$passed passed, $failed failed"
[ $failed = 0 ]
