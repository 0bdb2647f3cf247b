#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the project's whole test suite (what .ci/run runs).
#   1. installs the Debian packages it lacks (testbed/deps.sh)
#   2. builds the modules with W=1: any warning fails
#   3. host unit tests (make -C tests/host check, if present), the other
#      host suites, a short fuzzing run (tests/fuzz) and the modules'
#      call graph (tools/dev/callgraph.sh)
#   4. dkms add/build/remove against the installed headers
#   5. builds the test bed images and boots Xen + dom0 + PV guests under
#      QEMU: guest suite, dom0 peers, lifecycle checks, unmodified programs
#      under pvcalls-run (busybox, socat, iperf3), kernel log checks
#   6. boots a plain VM (no Xen) that runs the selftests against
#      pvcalls-loopback, the family over the VM's own TCP
#      (testbed/loopback-vm.sh)
# Then prints every result line, numbered, and "N passed, N failed";
# exits non-zero if anything failed.  Logs: build/logs/, build/results/.
# CHECK_BED=0 stops after building the images (make check-fresh uses it
# where the host's own make check boots the same bed).
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=$TOP/build
T0=$(date +%s)

step() { echo "==> [$(($(date +%s) - T0))s] $*" >&2; }

step "packages"
if ! testbed/deps.sh; then
	echo "check: could not install the needed packages" >&2
	deps_failed=1
fi

step "clean"
make -s clean > /dev/null 2>&1 || true
mkdir -p "$BUILD/logs" "$BUILD/results"
RES=$BUILD/results
echo "${deps_failed:+not }ok packages installed" > "$RES/00-deps.tap"

# Lines "ok N name" / "not ok N name" of a log, renamed "ok PREFIX: name".
tap_of() { grep -E '^(not )?ok [0-9]+' "$1" |
	sed -E "s/^(not ok|ok) [0-9]+ *(- )?/\1 $2: /"; }

step "build (W=1)"
if timeout 900 make W=1 > "$BUILD/logs/build.log" 2>&1; then
	if grep -E 'warning:|error:' "$BUILD/logs/build.log" > "$BUILD/logs/build-warnings.log"; then
		echo "not ok build: make W=1 without warnings # $(head -n 1 "$BUILD/logs/build-warnings.log")"
	else
		echo "ok build: make W=1 without warnings"
	fi
else
	echo "not ok build: make W=1 # $(grep -m1 -E 'error|Error' "$BUILD/logs/build.log")"
fi > "$RES/10-build.tap"
cat "$RES/10-build.tap" >&2
for m in frontend/xen-pvcalls-front.ko backend/xen-pvcalls-back.ko \
	 frontend/pvcalls-loopback.ko tests/hostile/pvcalls-hostile-front.ko; do
	if [ -e "$m" ]; then echo "ok build: $m built"; else echo "not ok build: $m built"; fi
done >> "$RES/10-build.tap"

# Host-side suites, each "make -C DIR check" printing result lines:
# the ring and protocol unit tests (ASan/UBSan), the notify-mitigation
# stress test (TSan), its spin model, pvcalls-run's host tests, and a
# short libFuzzer run (10 s per harness) of the validation and ring code.
n=20
for suite in tests/host:host tests/notify-stress:notify-stress tests/fuzz:fuzz \
	     model:model tools/pvcalls-run:pvcalls-run; do
	dir=${suite%%:*} name=${suite#*:}
	[ -f "$dir/Makefile" ] || continue
	step "host suite: $name"
	log=$BUILD/logs/$name.log
	timeout 1200 make -C "$dir" check > "$log" 2>&1
	rc=$?
	out=$RES/$n-$name.tap
	tap_of "$log" "$name" > "$out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok $name: make -C $dir check # exit $rc" >> "$out"
	elif [ ! -s "$out" ]; then
		echo "not ok $name: make -C $dir check # no result lines" >> "$out"
	fi
	n=$((n + 1))
done

# Dependencies run one way: no file-level call cycle among the objects
# of each directory below (tools/dev/callgraph.sh, reading the objects
# built above: "ok callgraph: DIR has no file-level call cycle").
CALLGRAPH_DIRS="frontend backend"
step "call graph: $CALLGRAPH_DIRS"
# shellcheck disable=SC2086 # one argument per directory
tools/dev/callgraph.sh $CALLGRAPH_DIRS > "$RES/$n-callgraph.tap" 2>&1
cat "$RES/$n-callgraph.tap" >&2
n=$((n + 1))

step "dkms"
testbed/dkms-test.sh > "$RES/30-dkms.tap"
cat "$RES/30-dkms.tap" >&2

step "test bed images"
if testbed/mkimage.sh > "$BUILD/logs/mkimage.log" 2>&1; then
	echo "ok bed: images built" > "$RES/40-images.tap"
	if [ "${CHECK_BED:-1}" != 0 ]; then
		step "test bed boot (Xen + dom0 + guests under QEMU/TCG)"
		testbed/run.sh suite
		cp "$BUILD/results/bed-suite.tap" "$RES/50-bed.tap"
		rm -f "$BUILD/results/bed-suite.tap"
	else
		step "test bed boot left out (CHECK_BED=0)"
	fi
else
	echo "not ok bed: images built # $(tail -n 1 "$BUILD/logs/mkimage.log")" > "$RES/40-images.tap"
fi

if [ "${CHECK_BED:-1}" != 0 ]; then
	step "loopback VM (the family over TCP, no Xen, under QEMU/TCG)"
	testbed/loopback-vm.sh ||
		echo "not ok loopback: testbed/loopback-vm.sh ran # exit $?" >> "$BUILD/results/loopback.tap"
	cp "$BUILD/results/loopback.tap" "$RES/60-loopback.tap"
fi

step "results (total time so far)"
exec testbed/report.sh "$RES"/[0-9]*.tap
