# SPDX-License-Identifier: GPL-2.0
# Sourced by the bed's dom0 init (testbed/dom0-init.sh) for scenario
# bench: uses its say/bed/guest_start/guest_end.  Starts the pvbench
# server (dom0 is always the server side), measures dom0 loopback with a
# dom0 client, then boots the bench guest (more memory, a vif) whose
# client measures pvcalls, netfront and pvcalls-v1 against this server.
# Result lines ("BENCH {json}") land in the logs; bench/report.py reads them.
B=/opt/pvcalls/bench
. $B/knobs.env
BENCH_PORT=7900
ulimit -n 65536
modprobe xen-netback || bed FAIL "modprobe xen-netback"
$B/pvbench server --port $BENCH_PORT --max-seconds "$GUEST_TIMEOUT" \
	> /tmp/pvbench-server.log 2>&1 &
BENCH_SRV=$!
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
kill $BENCH_SRV 2>/dev/null
echo "@@@ BEGIN bench-netstat-after"
grep TcpExt: /proc/net/netstat
echo "@@@ END bench-netstat-after"
echo "@@@ BEGIN bench-server"
cat /tmp/pvbench-server.log
echo "@@@ END bench-server"
say "backend counters after the bench: $(tr '\n' ' ' < $STATS 2>&1)"
