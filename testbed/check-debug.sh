#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the test bed's suite with a debug kernel as dom0 and
# guest kernel (lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_OBJECTS;
# no KASAN: 6.1 cannot run it as a Xen PV kernel, see debug-xen.config),
# then the loopback VM (testbed/loopback-vm.sh) on a kernel with the same
# options and KASAN, which a plain VM can run.  Both kernels are built
# from Debian's linux-source by testbed/debug-kernel.sh (xen, kasan) and
# cached outside the repository.  The modules are rebuilt against each;
# the bed and the VM then run as in make check (their kernel-log checks
# catch every report; kmemleak gets its own result lines).  Logs:
# build-debug/logs/.  Ends with "N passed, N failed".
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
SRC=$(testbed/debug-kernel.sh xen) || { echo "check-debug: kernel build failed" >&2; exit 1; }
export KDIR=$SRC
export VMLINUZ=$SRC/arch/x86/boot/bzImage
export MODROOT=$CACHE/root

rm -rf "$BUILD"
mkdir -p "$BUILD/logs" "$BUILD/results"
RES=$BUILD/results
# build_tap KDIR LOG WHAT TAP: our modules against KDIR, W=1, into
# logs/LOG.log; one result line "build: WHAT" in results/TAP.tap
build_tap() {
	if make KDIR="$1" W=1 > "$BUILD/logs/$2.log" 2>&1 &&
	   ! grep -qE 'warning:|error:' "$BUILD/logs/$2.log"; then
		echo "ok build: $3, W=1 clean"
	else
		echo "not ok build: $3 # see $BUILD/logs/$2.log"
	fi > "$RES/$4.tap"
	cat "$RES/$4.tap" >&2
}
step "modules against $(cat "$SRC/include/config/kernel.release")"
make -s clean > /dev/null 2>&1 || true
build_tap "$KDIR" build "modules against the debug kernel" 10-build

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

# The family again, without Xen, on a KASAN kernel: only pvcalls-loopback
# builds against it (Kbuild).  Debug kernels are slow: a generous bound.
KCACHE=${PVC_CACHE:-$HOME/.cache/xen-pvcalls}/kasan-kernel
step "KASAN kernel (cached in $KCACHE; the first build takes long)"
if KSRC=$(testbed/debug-kernel.sh kasan 2> "$BUILD/logs/kasan-kernel.log"); then
	step "modules against $(cat "$KSRC/include/config/kernel.release")"
	build_tap "$KSRC" build-kasan "pvcalls-loopback against the KASAN kernel" 60-build-kasan
	step "loopback VM on the KASAN kernel"
	KDIR=$KSRC VMLINUZ=$KSRC/arch/x86/boot/bzImage MODROOT=$KCACHE/root \
		LOOPBACK_TAG=loopback-kasan QEMU_TIMEOUT=${LOOPBACK_TIMEOUT:-5400} BED_SLOW=${BED_SLOW:-3} \
		testbed/loopback-vm.sh || echo "not ok loopback-kasan: testbed/loopback-vm.sh ran # exit $?" \
		>> "$BUILD/results/loopback-kasan.tap"
	cp "$BUILD/results/loopback-kasan.tap" "$RES/70-loopback-kasan.tap"
	make -s clean > /dev/null 2>&1 || true
else
	echo "not ok build: the KASAN kernel # $(tail -n 1 "$BUILD/logs/kasan-kernel.log")" \
		> "$RES/60-build-kasan.tap"
fi

step "results"
exec testbed/report.sh "$RES"/[0-9]*.tap
