#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: builds the modules and images, boots the test bed once with
# scenario bench (dom0 loopback, then a guest measuring pvcalls, netfront
# and pvcalls-v1 against dom0's pvbench server), and turns the "BENCH"
# lines of the logs into bench/results.json, bench/results.md and
# bench/throughput.png.  Knobs (environment): see bench/README.md.
# Never fails on figures: only on a bed that did not boot or run.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BUILD=${BUILD:-$TOP/build}
export BUILD

# Packages first (gnuplot and python3 for the report too): the kernel tree
# and Xen are detected only afterwards.
testbed/deps.sh bench
make -s modules >&2
BED_UPSTREAM=0 testbed/mkimage.sh
# Quiet run: the figures are only worth publishing when no other QEMU
# test bed shares the CPUs.  BENCH_QUIET_WAIT=S waits up to S seconds for
# that before booting (0, the default: do not wait); either way the run
# records how many other beds it saw, and the report says so.
beds() { pgrep -c qemu-system-x86 || true; }
waited=0
while [ "$(beds)" -gt 0 ] && [ "$waited" -lt "${BENCH_QUIET_WAIT:-0}" ]; do
	sleep 10
	waited=$((waited + 10))
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
others=$(beds)
# our own bed is one qemu-system-x86_64: count the others while it runs
( while sleep 10; do echo $(($(beds) - 1)); done ) > "$BUILD/bench-beds" &
sampler=$!
# the whole guest run is bounded: each client has BENCH_CLIENT_TIMEOUT
export GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-3000}
# Memory for the bench guest (BENCH_GUEST_MEMORY, room for the scale
# test's connections: about 70 KiB of guest memory each) beside dom0's
# 1 GiB.  Xen's command line stays the bed's own: the defaults pass runs
# first with every Xen setting at its default; bench/dom0.sh raises
# gnttab_max_frames (a run-time parameter) and the guest's limits after
# it.
export QEMU_MEMORY=${BENCH_QEMU_MEMORY:-3072}
# Rings above order 4 for sockets that ask for big buffers (the
# --sockbuf streams): dom0 loads the backend with max_page_order (the
# bed's default, 9; a backend that allows less clamps it, and
# bench/dom0.sh notes what it reads).  (bench/Makefile writes the same
# default into knobs.env.)
BENCH_MAX_PAGE_ORDER=${BENCH_MAX_PAGE_ORDER:-9}
export BENCH_MAX_PAGE_ORDER BED_MAX_PAGE_ORDER=$BENCH_MAX_PAGE_ORDER
t0=$(date +%s)
testbed/run.sh bench || { kill $sampler; exit 1; }
kill $sampler 2>/dev/null || true
echo "bench: bed run took $(($(date +%s) - t0)) s" >&2
max=$others
for n in $(cat "$BUILD/bench-beds"); do [ "$n" -gt "$max" ] && max=$n; done
{ echo "date=$(date -u '+%Y-%m-%d %H:%M')"
  echo "cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
  echo "cores=$(nproc)"
  echo "host_kernel=$(uname -r)"
  echo "load_before=$load_before"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "other_beds_max=$max"
  echo "quiet=$([ "$max" -eq 0 ] && echo yes || echo no)"
} > "$BUILD/logs/bench/machine"
# which tree was measured (uncommitted changes included: "dirty")
{ git log -1 --format='%h %s' 2>/dev/null
  git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo dirty
} > "$BUILD/logs/bench/source" || true
python3 bench/report.py "$BUILD/logs/bench" bench
