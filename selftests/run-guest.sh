#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of a scenario (busybox sh).  SCENARIO comes from the first
# argument, else from pvcalls_scenario= on the kernel command line.
#   suite   the selftest suite; pvcalls_big=BYTES and pvcalls_only=a,b on
#           the kernel command line (or PVCALLS_TEST_ARGS) tune it
#   quick   the suite with small sizes (4 MiB transfers, 300 sockets),
#           for a fast look under a slow emulator
#   demo    fetch a page from dom0's httpd, then serve one to dom0's wget
#   pvcalls-run  unmodified programs under pvcalls-run
#           (tools/pvcalls-run/test-guest.sh, in the image as test-guest.sh)
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

case "$SCENARIO" in
suite)
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 $ARGS
	;;
quick)
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --big 4M --max-writes 20000 \
		--wrap-n 512 --max-sockets 300 $ARGS
	;;
demo)
	"$D/pvcalls-demo" fetch -f "$FAM" -p 8080 -u /index.html -n 1
	"$D/pvcalls-demo" serve -f "$FAM" -p 8001 -w 120 -n 2
	;;
pvcalls-run)
	exec "$D/test-guest.sh"
	;;
*)
	echo "# run-guest.sh: unknown scenario '$SCENARIO'"
	exit 2
	;;
esac
