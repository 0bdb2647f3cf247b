#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of a scenario (busybox sh).  SCENARIO comes from the first
# argument, else from pvcalls_scenario= on the kernel command line.
#   suite   the selftest suite; pvcalls_big=BYTES and pvcalls_only=a,b on
#           the kernel command line (or PVCALLS_TEST_ARGS) tune it
#   quick   the suite with small sizes (4 MiB transfers, 100 sockets,
#           200 concurrent connections, 300 connect/close cycles), for
#           a fast look under TCG
#   grants  only the ENOBUFS test (the bed's guest with few grant frames)
#   load    the load, fault and ENOBUFS tests at full counts
#   demo    fetch a page from dom0's httpd, then serve one to dom0's wget
D=$(cd "$(dirname "$0")" && pwd)

cmdline_arg() {
	for w in $(cat /proc/cmdline 2>/dev/null); do
		case "$w" in
		"$1"=*) echo "${w#*=}" ;;
		esac
	done
}

SCENARIO=${1:-$(cmdline_arg pvcalls_scenario)}
SCENARIO=${SCENARIO:-suite}
# PVCALLS_FAMILY=inet runs the same programs over plain TCP (host checks)
FAM=${PVCALLS_FAMILY:-pvcalls}
ARGS="--family $FAM $PVCALLS_TEST_ARGS"
big=$(cmdline_arg pvcalls_big)
[ -n "$big" ] && ARGS="$ARGS --big $big"
only=$(cmdline_arg pvcalls_only)
[ -n "$only" ] && ARGS="$ARGS --only $only"

# quick: fewer connections than the full 1 000 concurrent / 10 000
# cycles: under TCG one connection costs about 0.3 s (measured: 1 000
# concurrent took 314 s), the full counts take about an hour.
QUICK_CONNS=200
QUICK_CYCLES=300
LOAD_TESTS=dom0_peer_killed_midtransfer_econnreset_or_eof,load_concurrent_connections_memory_back,load_connect_xfer_close_cycles_memory_back,sockets_until_enobufs_then_all_freed

case "$SCENARIO" in
suite)
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 $ARGS
	;;
quick)
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --big 4M --max-writes 20000 \
		--wrap-n 512 --max-sockets 100 --cycles $QUICK_CYCLES \
		--load-conns $QUICK_CONNS $ARGS
	;;
grants)
	# The bed's guest with few grant frames: sockets until ENOBUFS.
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --max-sockets 20000 \
		--only sockets_until_enobufs_then_all_freed $ARGS
	;;
load)
	# The full counts of the load and grant tests (a separate boot:
	# testbed/run.sh load).
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --max-sockets 20000 \
		--cycles 10000 --only $LOAD_TESTS $ARGS
	;;
demo)
	"$D/pvcalls-demo" fetch -f "$FAM" -p 8080 -u /index.html -n 1
	"$D/pvcalls-demo" serve -f "$FAM" -p 8001 -w 120 -n 2
	;;
*)
	echo "# run-guest.sh: unknown scenario '$SCENARIO'"
	exit 2
	;;
esac
