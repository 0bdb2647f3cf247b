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

make -s modules >&2
testbed/mkimage.sh
# the whole guest run is bounded: each client has BENCH_CLIENT_TIMEOUT
export GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-3000}
t0=$(date +%s)
testbed/run.sh bench
echo "bench: bed run took $(($(date +%s) - t0)) s" >&2
# which tree was measured (uncommitted changes included: "dirty")
{ git log -1 --format='%h %s' 2>/dev/null
  git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo dirty
} > "$BUILD/logs/bench/source" || true
python3 bench/report.py "$BUILD/logs/bench" bench
