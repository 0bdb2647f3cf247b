#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the test bed's suite with a debug kernel as dom0 and
# guest kernel (lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_OBJECTS;
# no KASAN: 6.1 cannot run it as a Xen PV kernel, see debug.config),
# built from Debian's linux-source by testbed/debug-kernel.sh and cached
# outside the repository.  The modules are rebuilt against that kernel;
# the bed then runs as in make check (its kernel-log checks catch every
# report; kmemleak gets its own result lines).  Logs: build-debug/logs/.
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
export BUILD=$TOP/build-debug
CACHE=${PVC_CACHE:-$HOME/.cache/xen-pvcalls}/debug-kernel
T0=$(date +%s)
step() { echo "==> [$(($(date +%s) - T0))s] $*" >&2; }

step "packages"
testbed/deps.sh || exit 1
step "debug kernel (cached in $CACHE; the first build takes long)"
SRC=$(testbed/debug-kernel.sh) || { echo "check-debug: kernel build failed" >&2; exit 1; }
export KDIR=$SRC
export VMLINUZ=$SRC/arch/x86/boot/bzImage
export MODROOT=$CACHE/root

rm -rf "$BUILD"
mkdir -p "$BUILD/logs" "$BUILD/results"
RES=$BUILD/results
step "modules against $(cat "$SRC/include/config/kernel.release")"
make -s clean > /dev/null 2>&1 || true
if make KDIR="$KDIR" W=1 > "$BUILD/logs/build.log" 2>&1 &&
   ! grep -qE 'warning:|error:' "$BUILD/logs/build.log"; then
	echo "ok build: modules against the debug kernel, W=1 clean"
else
	echo "not ok build: modules against the debug kernel # see $BUILD/logs/build.log"
fi > "$RES/10-build.tap"
cat "$RES/10-build.tap" >&2

step "test bed images"
if testbed/mkimage.sh > "$BUILD/logs/mkimage.log" 2>&1; then
	echo "ok bed: images built" > "$RES/40-images.tap"
	step "test bed boot (debug kernels are slow: generous timeouts)"
	# The debug kernel moves about 1 MiB/s under TCG: the suite guest's
	# streams and load tests at sizes that cover their paths, not their
	# volume (make check's bed has the full sizes).
	GUEST_ARGS=${GUEST_ARGS:-pvcalls_stream=64M pvcalls_cycles=1000 pvcalls_conns=200} \
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-5400} BED_SLOW=${BED_SLOW:-3} testbed/run.sh suite
	cp "$BUILD/results/bed-suite.tap" "$RES/50-bed.tap"
else
	echo "not ok bed: images built # $(tail -n 1 "$BUILD/logs/mkimage.log")" > "$RES/40-images.tap"
fi
# the tree's modules were built for the debug kernel: leave none behind
make -s clean > /dev/null 2>&1 || true

step "results"
exec testbed/report.sh "$RES"/[0-9]*.tap
