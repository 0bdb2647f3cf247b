# SPDX-License-Identifier: GPL-2.0
# Sourced by the bed's dom0 init (testbed/dom0-init.sh) for scenario
# bench: uses its say/tap_fail/guest_start/guest_end (testbed/dom0/).  Starts the pvbench
# server (dom0 is always the server side), measures dom0 loopback with a
# dom0 client, then boots the bench guest (more memory, a vif) whose
# client measures pvcalls, netfront and pvcalls-v1 against this server.
# Result lines ("BENCH {json}") land in the logs; bench/report.py reads them.
B=/opt/pvcalls/bench
. $B/knobs.env
BENCH_PORT=7900
ulimit -n 65536
modprobe xen-netback || tap_fail "modprobe xen-netback"
# The bed's dom0 init loaded the backend with max_page_order from
# bench/run.sh (BENCH_MAX_PAGE_ORDER, for the rings of the --sockbuf
# streams); a backend that allows less clamps it silently, so say what it
# reads (a note in results.json).
echo "@@@ BEGIN bench-backend"
echo "BENCH-NOTE {\"transport\":\"dom0\",\"note\":\"backend max_page_order reads $(cat /sys/module/xen_pvcalls_back/parameters/max_page_order 2>&1)\"}"
echo "@@@ END bench-backend"
$B/pvbench server --port $BENCH_PORT --max-seconds "$GUEST_TIMEOUT" \
	> /tmp/pvbench-server.log 2>&1 &
BENCH_SRV=$!
# The iperf3 cross-check (bench/iperf3.sh): iperf3 -s on its own port for
# every transport; the guest gets iperf3 and pvcalls-run from the
# pvcalls-run guest's extra archive (guest_start appends
# /guest/extra-SCENARIO.cpio.gz).  Without iperf3 the run notes it and the
# guest is told (bench_iperf=0 on its command line).
. $B/iperf3.sh
IPERF_SRV=
echo "@@@ BEGIN bench-iperf3-dom0"
if [ "${BENCH_IPERF:-1}" != 1 ]; then
	G_ARGS="bench_iperf=0"
elif ! command -v iperf3 >/dev/null 2>&1; then
	iperf3_note dom0 "no iperf3 in dom0: no iperf3 cross-check"
	G_ARGS="bench_iperf=0"
else
	timeout "$GUEST_TIMEOUT" iperf3 -s -p $IPERF_PORT \
		> /tmp/iperf3-server.log 2>&1 &
	IPERF_SRV=$!
	if [ -e /guest/extra-pvcalls-run.cpio.gz ]; then
		ln -sf extra-pvcalls-run.cpio.gz /guest/extra-bench.cpio.gz
	else
		iperf3_note pvcalls "no /guest/extra-pvcalls-run.cpio.gz: the bench guest has no iperf3 or pvcalls-run"
	fi
fi
echo "@@@ END bench-iperf3-dom0"
sleep 1
case ",$BENCH_TRANSPORTS," in
*,dom0-loopback,*)
	say "bench: dom0-loopback"
	echo "@@@ BEGIN bench-dom0"
	# shellcheck disable=SC2086
	timeout "$BENCH_CLIENT_TIMEOUT" $B/pvbench client --family inet \
		--addr 127.0.0.1 --port $BENCH_PORT --transport dom0-loopback \
		--side dom0 $BENCH_ARGS 2>&1
	echo "@@@ END bench-dom0"
	if [ -n "$IPERF_SRV" ]; then
		echo "@@@ BEGIN bench-iperf3-dom0-loopback"
		r=1
		while [ $r -le "$BENCH_REPS" ]; do
			iperf3_run dom0-loopback 127.0.0.1 $r none
			r=$((r + 1))
		done
		echo "@@@ END bench-iperf3-dom0-loopback"
	fi
	;;
esac
# dom0's TCP counters around the guest (delayed ACKs, window probes...)
echo "@@@ BEGIN bench-netstat-before"
grep TcpExt: /proc/net/netstat
echo "@@@ END bench-netstat-before"
G_MEMORY=$BENCH_GUEST_MEMORY
G_CFG_EXTRA="vif = [ \"script=$B/vif-bench\" ]
max_event_channels = 16384
max_grant_frames = 512"
guest_start bench bench
guest_end bench
G_ARGS=
kill $BENCH_SRV 2>/dev/null
[ -z "$IPERF_SRV" ] || kill "$IPERF_SRV" 2>/dev/null
echo "@@@ BEGIN bench-netstat-after"
grep TcpExt: /proc/net/netstat
echo "@@@ END bench-netstat-after"
echo "@@@ BEGIN bench-server"
cat /tmp/pvbench-server.log
echo "@@@ END bench-server"
if [ -n "$IPERF_SRV" ]; then
	echo "@@@ BEGIN bench-iperf3-server"
	cat /tmp/iperf3-server.log
	echo "@@@ END bench-iperf3-server"
fi
say "backend counters after the bench: $(tr '\n' ' ' < $STATS 2>&1)"
