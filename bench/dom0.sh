# SPDX-License-Identifier: GPL-2.0
# Sourced by the bed's dom0 init (testbed/dom0-init.sh) for scenario
# bench: uses its say/tap_fail/expect/guest_start/guest_end (testbed/dom0/).
# Starts the pvbench server (dom0 is always the server side); first the
# defaults pass (every module, Xen and xl setting at its default: dom0
# loopback with a dom0 client, then a guest with the bed's default
# configuration), then raises the limits (the backend's max_page_order,
# Xen's gnttab_max_frames) and measures dom0 loopback again and the bench
# guest (more memory, more event channels and grant frames) whose client
# measures pvcalls, netfront and pvcalls-v1 against this server.
# Result lines ("BENCH {json}") land in the logs; bench/report.py reads them.
B=/opt/pvcalls/bench
. $B/knobs.env
BENCH_PORT=7900
BACK_PARAMS=/sys/module/xen_pvcalls_back/parameters
BED_CONF=/etc/modprobe.d/xen-pvcalls-bed.conf
ulimit -n 65536
modprobe xen-netback || tap_fail "modprobe xen-netback"
# the server outlives both passes (it is killed at the end)
$B/pvbench server --port $BENCH_PORT --max-seconds $((2 * GUEST_TIMEOUT)) \
	> /tmp/pvbench-server.log 2>&1 &
BENCH_SRV=$!
sleep 1

note() {	# note CONFIG TRANSPORT TEXT
	echo "BENCH-NOTE {\"config\":\"$1\",\"transport\":\"$2\",\"note\":\"$3\"}"
}
params() {	# params DIR: "a=1 b=Y ..." of a module's parameters
	for p in "$1"/*; do
		[ -e "$p" ] || continue
		printf '%s=%s ' "${p##*/}" "$(cat "$p" 2>&1)"
	done
}
# What Xen runs with: its command line, and gnttab_max_frames where
# hypfs can read it.
# dom0_client TAG EXTRA...: the dom0-loopback client, between the
# "@@@ BEGIN/END TAG" lines the report reads, with EXTRA pvbench options.
dom0_client() {
	tag=$1
	shift
	echo "@@@ BEGIN $tag"
	# shellcheck disable=SC2086
	timeout "$BENCH_CLIENT_TIMEOUT" $B/pvbench client --family inet \
		--addr 127.0.0.1 --port $BENCH_PORT --transport dom0-loopback \
		--side dom0 $BENCH_ARGS "$@" 2>&1
	echo "@@@ END $tag"
}
xen_cmdline() { xl info 2>/dev/null | sed -n 's/^xen_commandline *: //p'; }
gnttab_now() {
	v=$(xenhypfs cat /params/gnttab_max_frames 2>/dev/null) &&
		echo "reads $v" && return
	echo "not read back (no xenhypfs in dom0)"
}

# ---- the defaults pass ----
# Everything at its default: Xen as the bed boots it (bench/run.sh puts
# nothing on its command line), the backend reloaded without the bed's
# options line (max_page_order 4), xen-netback as modprobe loads it, the
# guest with the bed's guest configuration (guest_start: 256 MiB, 2 vCPUs)
# and no max_event_channels / max_grant_frames lines, the frontend as the
# guest's init loads it, no sysctl raised.  The vif is there for netfront.
# Tests: those of BENCH_DEFAULTS_TESTS (knobs.env), at BENCH_DEFAULTS_SIZES.
if [ "${BENCH_DEFAULTS:-1}" = 1 ] && [ -n "${BENCH_DEFAULTS_TESTS:-}" ]; then
	say "bench: defaults pass"
	cp $BED_CONF /tmp/xen-pvcalls-bed.conf
	rm -f $BED_CONF
	expect "bench defaults: backend reloaded with its default parameters" -- \
		sh -c 'rmmod xen_pvcalls_back && modprobe xen-pvcalls-back'
	echo "@@@ BEGIN bench-defaults-config"
	note defaults dom0 "Xen command line: $(xen_cmdline) (the bed's own: serial console, dom0 memory fixed at 1 GiB, no boot scrubbing under TCG); gnttab_max_frames $(gnttab_now)"
	note defaults dom0 "machine: $(xl info 2>/dev/null | sed -n 's/^total_memory *: //p') MiB of memory (QEMU -m BENCH_QEMU_MEMORY, for the other sections' guest; no module, Xen or xl setting follows it)"
	note defaults dom0 "backend parameters: $(params $BACK_PARAMS)"
	note defaults dom0 "xen-netback parameters: $(params /sys/module/xen_netback/parameters)"
	echo "@@@ END bench-defaults-config"
	case ",$BENCH_TRANSPORTS," in
	*,dom0-loopback,*)
		say "bench: dom0-loopback (defaults)"
		# shellcheck disable=SC2086
		dom0_client bench-dom0-defaults $BENCH_DEFAULTS_ARGS
		;;
	esac
	G_MEMORY=
	G_CFG_EXTRA="vif = [ \"script=$B/vif-bench\" ]"
	G_ARGS="bench_pass=defaults"
	guest_start bench-defaults bench $((2 * BENCH_CLIENT_TIMEOUT))
	echo "@@@ BEGIN bench-defaults-guest-config"
	note defaults guest "xl configuration: $(grep -E '^(memory|vcpus|max_event_channels|max_grant_frames|vif) ' /tmp/pvc-bench-defaults.cfg | tr '\n"' '; ')"
	echo "@@@ END bench-defaults-guest-config"
	guest_end bench-defaults
	G_ARGS=
	G_CFG_EXTRA=
	cp /tmp/xen-pvcalls-bed.conf $BED_CONF
	expect "bench: backend reloaded with the bed's options ($(cat $BED_CONF))" -- \
		sh -c 'rmmod xen_pvcalls_back && modprobe xen-pvcalls-back'
fi

# ---- raised limits, for the other sections ----
# Room for the scale test's connections: each PV Calls socket of the
# guest costs an event channel (xl gives 1023 by default), up to 1 + 16
# grant entries (Xen allows 64 grant frames, 32 768 entries, by default)
# and about 70 KiB of guest memory.  Xen's gnttab_max_frames is a run-time
# parameter: raised here, after the defaults pass, so that the bench guest
# may ask for BENCH_GNTTAB_MAX_FRAMES (dom0's own table keeps the default
# it was created with: the backend maps grants, it grants nothing).
MAX_GRANT_LINE="max_grant_frames = $BENCH_GNTTAB_MAX_FRAMES"
if ! out=$(xl set-parameters "gnttab_max_frames=$BENCH_GNTTAB_MAX_FRAMES" 2>&1); then
	MAX_GRANT_LINE=
	note raised dom0 "xl set-parameters gnttab_max_frames=$BENCH_GNTTAB_MAX_FRAMES failed ($out): the bench guest keeps the default grant frames"
fi
# The bed's dom0 init loaded the backend with max_page_order from
# bench/run.sh (BENCH_MAX_PAGE_ORDER, for the rings of the --sockbuf
# streams); a backend that allows less clamps it silently, so say what it
# reads (a note in results.json).
echo "@@@ BEGIN bench-backend"
note raised dom0 "backend max_page_order reads $(cat $BACK_PARAMS/max_page_order 2>&1)"
[ -z "$MAX_GRANT_LINE" ] ||
	note raised dom0 "Xen gnttab_max_frames $(gnttab_now) after xl set-parameters gnttab_max_frames=$BENCH_GNTTAB_MAX_FRAMES"
note raised guest "xl configuration: memory = $BENCH_GUEST_MEMORY, max_event_channels = 16384${MAX_GRANT_LINE:+, $MAX_GRANT_LINE}"
echo "@@@ END bench-backend"
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
case ",$BENCH_TRANSPORTS," in
*,dom0-loopback,*)
	say "bench: dom0-loopback"
	dom0_client bench-dom0
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
$MAX_GRANT_LINE"
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
