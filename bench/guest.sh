#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of scenario bench (run by testbed/guest-init.sh with the
# frontend loaded and connected).  One pvbench client per transport,
# against dom0's pvbench server on port 7900:
#   pvcalls     PV Calls family, 127.0.0.1 (dom0's loopback, via the backend)
#   netfront    AF_INET over xen-netfront/xen-netback, 192.0.2.1
#   pvcalls-v1  PV Calls with notify_mitigation=0 in_order=0 (frontend
#               reloaded), when the frontend has those parameters
# The transports alternate, one repetition per round, after one untimed
# warm-up run of each (see below).
# With BENCH_SOCKBUF > 0 each round (and netfront) then runs the stream
# tests again at BENCH_SOCKBUF_SIZES with pvbench --sockbuf (SO_SNDBUF and
# SO_RCVBUF before connect(): a frontend may size the ring from them).
# Then the iperf3 cross-check (bench/iperf3.sh): iperf3 -c against dom0's
# iperf3 -s, under pvcalls-run for pvcalls, plain over netfront.
# The defaults pass (bench_pass=defaults on the command line, a guest of
# its own that dom0 starts first) measures pvcalls with the frontend as
# the guest's init loaded it and netfront, the tests and sizes of
# BENCH_DEFAULTS_ARGS, and nothing else.
#
# Order.  Right after boot, and on the first use of a code path, a guest
# under TCG runs slower (code not yet translated, boot work still
# settling): whichever transport ran first paid for it, by up to an
# order of magnitude in the first repetitions.  So every transport first
# runs once untimed (warm_up: a short run of its tests, output dropped),
# and then the transports take turns, one repetition per round, so that
# whatever else the host does meanwhile weighs on all of them alike.
B=/opt/pvcalls/bench
. $B/knobs.env
PORT=7900
FRONT=/sys/bus/xen/devices/pvcalls-0
NM=/sys/module/xen_pvcalls_front/parameters/notify_mitigation
ulimit -n 65536
. $B/iperf3.sh
PVCALLS_RUN=/opt/pvcalls/pvcalls-run

CFG=	# "defaults" in the defaults pass: the notes say so
note() {
	echo "BENCH-NOTE {${CFG:+\"config\":\"$CFG\",}\"transport\":\"$1\",\"note\":\"$2\"}"
}
has() { case ",$BENCH_TRANSPORTS," in *,$1,*) return 0 ;; esac; return 1; }
client() {	# client TRANSPORT FAMILY ADDR
	echo "@@@ bench: $1 start $(cut -d' ' -f1 /proc/uptime)"
	# shellcheck disable=SC2086
	timeout "$BENCH_CLIENT_TIMEOUT" $B/pvbench client --family "$2" \
		--addr "$3" --port $PORT --transport "$1" --side guest \
		$BENCH_ARGS $CLIENT_EXTRA 2>&1
	echo "@@@ bench: $1 end $(cut -d' ' -f1 /proc/uptime)"
}
# warm_up TRANSPORT FAMILY ADDR TESTS-AND-SIZES: one short run, not
# reported
warm_up() {
	# shellcheck disable=SC2086
	timeout "$BENCH_CLIENT_TIMEOUT" $B/pvbench client --family "$2" \
		--addr "$3" --port $PORT --transport "$1" --side guest \
		--seconds 0.5 --reps 1 $4 > /dev/null 2>&1 ||
		note "$1" "warm-up run failed (exit $?)"
}
connected() {
	i=0
	until [ "$(cat $FRONT/state 2>/dev/null)" = Connected ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.2
	done
}

# eth0 over netfront, 192.0.2.2 against dom0's 192.0.2.1; nf_up=1 if the
# link works
netfront_up() {
	modprobe xen-netfront
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
		sleep 0.3
		i=$((i + 1))
	done
	ip addr add 192.0.2.2/24 dev eth0 && ip link set eth0 up
	# the link needs a moment (netback connect, carrier)
	i=0
	until ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 30 ] || break
	done
	if [ $i -lt 30 ]; then
		nf_up=1
	else
		note netfront "no link to 192.0.2.1: eth0 $(cat /sys/class/net/eth0/operstate 2>&1)"
		return 1
	fi
}

if grep -q 'bench_pass=defaults' /proc/cmdline; then
	CFG=defaults
	P=/sys/module/xen_pvcalls_front/parameters
	note guest "frontend parameters: $(for p in "$P"/*; do printf '%s=%s ' "${p##*/}" "$(cat "$p" 2>&1)"; done)"
	note guest "net.core.wmem_max=$(cat /proc/sys/net/core/wmem_max) rmem_max=$(cat /proc/sys/net/core/rmem_max), $(grep MemTotal /proc/meminfo | tr -s ' ')"
	nf=
	has netfront && netfront_up && nf=1
	has pvcalls && warm_up pvcalls pvcalls 127.0.0.1 "$BENCH_DEFAULTS_ARGS"
	[ -n "$nf" ] && warm_up netfront inet 192.0.2.1 "$BENCH_DEFAULTS_ARGS"
	CLIENT_EXTRA="$BENCH_DEFAULTS_ARGS --reps 1"
	r=1
	while [ $r -le "$BENCH_REPS" ]; do
		has pvcalls && client pvcalls pvcalls 127.0.0.1
		[ -n "$nf" ] && client netfront inet 192.0.2.1
		r=$((r + 1))
	done
	exit 0
fi

# The --sockbuf streams: the stream tests of BENCH_TESTS again, at
# BENCH_SOCKBUF_SIZES, with SO_SNDBUF and SO_RCVBUF of BENCH_SOCKBUF bytes
# (tests stream-*-bufNk / -bufNm).  Linux stores twice the value, capped by
# net.core.wmem_max / rmem_max (208 KiB by default): raised to
# BENCH_SOCKBUF so that the sockets get what was asked for.
SB_TESTS=
if [ "${BENCH_SOCKBUF:-0}" -gt 0 ] 2>/dev/null; then
	for t in stream-guest-to-dom0 stream-dom0-to-guest; do
		case ",$BENCH_TESTS," in
		*,$t,*) SB_TESTS=${SB_TESTS:+$SB_TESTS,}$t ;;
		esac
	done
fi
SB_ARGS=
if [ -n "$SB_TESTS" ]; then
	SB_ARGS="--tests $SB_TESTS --sizes ${BENCH_SOCKBUF_SIZES:-16384,65536} --sockbuf $BENCH_SOCKBUF"
	for f in wmem_max rmem_max; do
		[ "$(cat /proc/sys/net/core/$f)" -ge "$BENCH_SOCKBUF" ] ||
			echo "$BENCH_SOCKBUF" > /proc/sys/net/core/$f
	done
	note guest "--sockbuf $BENCH_SOCKBUF streams: net.core.wmem_max=$(cat /proc/sys/net/core/wmem_max) rmem_max=$(cat /proc/sys/net/core/rmem_max)"
fi

# Load the frontend with notify_mitigation=$1 (and in_order=$1, where
# the frontend has that parameter: both extensions on, or a plain v1
# peer) unless it already is, and wait for it to connect.
frontend_mode() {
	[ "$(cat $NM 2>/dev/null)" = "$( [ "$1" = 1 ] && echo Y || echo N)" ] &&
		return 0
	io=
	[ -r "${NM%/*}/in_order" ] && io="in_order=$1"
	echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind
	rmmod xen_pvcalls_front
	# shellcheck disable=SC2086
	modprobe xen-pvcalls-front notify_mitigation="$1" $io && connected
}

# round_tests ROUND: BENCH_TESTS, without the scale test after round 1
round_tests() {
	if [ "$1" = 1 ]; then
		echo "$BENCH_TESTS"
	else
		echo ",$BENCH_TESTS," | sed 's/,scale,/,/; s/^,//; s/,$//'
	fi
}

# pvcalls and pvcalls-v1 differ by module parameters: each round reloads
# the frontend for the one it measures.
pv_round() {	# pv_round TRANSPORT ROUND
	if [ "$1" = pvcalls ]; then mode=1; else mode=0; fi
	if [ ! -r $NM ]; then
		[ "$2" = 1 ] && note "$1" "the frontend has no notify_mitigation parameter: measured in the default configuration"
	elif ! frontend_mode $mode; then
		note "$1" "frontend reload with notify_mitigation=$mode failed: state $(cat $FRONT/state 2>&1)"
		return
	elif [ "$2" = 1 ]; then
		note "$1" "frontend notify_mitigation=$(cat $NM) in_order=$(cat "${NM%/*}/in_order" 2>/dev/null)"
		note "$1" "frontend ring_order=$(cat /sys/module/xen_pvcalls_front/parameters/ring_order 2>/dev/null)"
	fi
	tests=$(round_tests "$2")
	[ -n "$tests" ] || return
	CLIENT_EXTRA="--reps 1 --tests $tests"
	client "$1" pvcalls 127.0.0.1
	if [ -n "$SB_TESTS" ]; then
		CLIENT_EXTRA="--reps 1 $SB_ARGS"
		client "$1" pvcalls 127.0.0.1
	fi
	CLIENT_EXTRA=
}
nf_round() {	# nf_round ROUND
	tests=$(round_tests "$1")
	[ -n "$tests" ] || return
	CLIENT_EXTRA="--reps 1 --tests $tests"
	client netfront inet 192.0.2.1
	CLIENT_EXTRA=
}

nf=
has netfront && netfront_up && nf=1
warm="--tests $(round_tests 2) --sizes 65536"
if has pvcalls || has pvcalls-v1; then
	warm_up pvcalls pvcalls 127.0.0.1 "$warm"
fi
[ -n "$nf" ] && warm_up netfront inet 192.0.2.1 "$warm"
r=1
while [ $r -le "$BENCH_REPS" ]; do
	for p in pvcalls pvcalls-v1; do
		has $p && pv_round $p $r
	done
	[ -n "$nf" ] && nf_round $r
	r=$((r + 1))
done
# netfront's --sockbuf streams once, for reference
if [ -n "$nf" ] && [ -n "$SB_TESTS" ]; then
	CLIENT_EXTRA=$SB_ARGS
	client netfront inet 192.0.2.1
	CLIENT_EXTRA=
fi

# The iperf3 cross-check: pvcalls (the default configuration, under
# pvcalls-run) and netfront alternate, both directions per round, against
# dom0's iperf3 -s.  What is missing is noted, never fatal.
iperf_pv=
iperf_nf=
if [ "${BENCH_IPERF:-1}" != 1 ]; then
	:
elif grep -q 'bench_iperf=0' /proc/cmdline; then
	iperf3_note guest "dom0 runs no iperf3 server: no iperf3 cross-check"
elif ! command -v iperf3 >/dev/null 2>&1; then
	iperf3_note guest "no iperf3 in the guest: no iperf3 cross-check"
else
	if ! has pvcalls; then
		:
	elif [ ! -x $PVCALLS_RUN ]; then
		iperf3_note pvcalls "no $PVCALLS_RUN in the guest: no iperf3 over PV Calls"
	elif [ -r $NM ] && ! frontend_mode 1; then
		iperf3_note pvcalls "frontend reload with notify_mitigation=1 failed: no iperf3 over PV Calls"
	else
		iperf_pv=1
	fi
	if has netfront && [ -n "${nf_up:-}" ]; then
		iperf_nf=1
	elif has netfront; then
		iperf3_note netfront "no link to 192.0.2.1: no iperf3 over netfront"
	fi
fi
r=1
while [ -n "$iperf_pv$iperf_nf" ] && [ $r -le "$BENCH_REPS" ]; do
	[ -z "$iperf_pv" ] || iperf3_run pvcalls 127.0.0.1 $r pvcalls-run $PVCALLS_RUN -v --
	[ -z "$iperf_nf" ] || iperf3_run netfront 192.0.2.1 $r none
	r=$((r + 1))
done
