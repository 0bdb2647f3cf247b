#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of a scenario (busybox sh).  SCENARIO comes from the first
# argument, else from pvcalls_scenario= on the kernel command line.
#   suite   the selftest suite; pvcalls_big=BYTES and pvcalls_only=a,b on
#           the kernel command line (or PVCALLS_TEST_ARGS) tune it
#   quick   the suite as make check runs it: small sizes for the fixed
#           size transfers (4 MiB, 100 sockets), full ones for the GiB
#           streams (1 GiB each way) and the load tests (1 000
#           concurrent connections, 10 000 connect/transfer/close
#           cycles); pvcalls_stream=, pvcalls_cycles=, pvcalls_conns=
#           on the kernel command line shrink them for a fast look
#   grants  only the ENOBUFS test (the bed's guest with few grant frames)
#   load    the load, fault and ENOBUFS tests at full counts
#   demo    fetch a page from dom0's httpd, then serve one to dom0's wget
#   pvcalls-run  unmodified programs under pvcalls-run
#           (tools/pvcalls-run/test-guest.sh, in the image as test-guest.sh)
#   data    the data tests of the suite only, small sizes (the bed's
#           notify-mitigation interop guests run it)
#   upstream  the tests a backend without extensions can carry (the
#           selftest table's not_v1), against Linux's own backend
#   timeo   the socket timeout tests alone, 20 rounds (verbose: each
#           prints both clocks it measured; run-dom0.sh does 20)
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
# sizes of the load tests and of the GiB streams, and the streams' seed
# (pvcalls_cycles=N pvcalls_conns=N pvcalls_stream=BYTES pvcalls_seed=N)
for o in cycles:--cycles conns:--load-conns stream:--stream seed:--seed; do
	v=$(cmdline_arg "pvcalls_${o%%:*}")
	[ -n "$v" ] && ARGS="$ARGS ${o#*:} $v"
done

# quick: the full counts of the load tests.  Measured under TCG (one
# bed alone): 1 000 concurrent in 10 s, 1 000 cycles
# in 13 s; the 1 GiB streams at 15-18 MiB/s, about 1 min each.  With
# other beds on the machine, 5-40 times slower (selftests/README.md).
QUICK_CONNS=1000
QUICK_CYCLES=10000
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
		--load-conns $QUICK_CONNS --stream 1G $ARGS
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
data)
	# Every test that moves data or waits on the data ring.
	tests=connect_blocking_echo_1mib_hash,dom0_client_guest_server_echo_1mib
	tests=$tests,io_send_recv_write_read_sendmsg_recvmsg_writev_readv
	tests=$tests,recv_msg_peek,recv_msg_waitall_gathers_pieces
	tests=$tests,msg_dontwait_eagain,so_sndtimeo_full_ring_eagain
	tests=$tests,so_rcvlowat_poll_and_recv,poll_select_level_triggered
	tests=$tests,epoll_level_and_edge_triggered,epoll_rdhup_then_hup
	tests=$tests,recv_econnreset_on_peer_reset,close_with_unread_data
	tests=$tests,close_while_blocked_in_recv,eof_not_before_ring_drained
	tests=$tests,close_after_send_delivers_all_data,full_ring_is_not_an_error
	tests=$tests,ring_wrap_every_offset
	tests=$tests,xfer_guest_to_dom0_writes_1b,xfer_guest_to_dom0_writes_1kib
	tests=$tests,xfer_guest_to_dom0_writes_64kib,xfer_dom0_to_guest_writes_1b
	tests=$tests,xfer_dom0_to_guest_writes_1kib,xfer_dom0_to_guest_writes_64kib
	tests=$tests,concurrent_100_connections_hash
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --big 2M --max-writes 5000 \
		--wrap-n 64 --max-sockets 300 --only "$tests" $ARGS
	;;
upstream)
	# Against Linux's own v1 backend (the bed's guests
	# upstream-back-eoifix and, not in the suite, front-vs-upstream of
	# testbed/run.sh upstream): every test that a backend offering no
	# extension can carry (--v1: the table's not_v1), at the data
	# guest's sizes, and the load tests at small counts.
	# shellcheck disable=SC2086
	"$D/pvcalls_test" --side guest --wait 120 --v1 --big 2M --max-writes 5000 \
		--wrap-n 64 --max-sockets 100 --stream 16M --cycles 200 \
		--load-conns 100 $ARGS
	;;
timeo)
	for i in $(seq 20); do
		echo "# timeo round $i"
		# shellcheck disable=SC2086
		"$D/pvcalls_test" --side guest --wait 120 -v \
			--only so_rcvtimeo_eagain_after_timeout,so_sndtimeo_full_ring_eagain \
			$ARGS
	done
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
