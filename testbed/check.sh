#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the project's whole test suite (what .ci/run runs).
#   1. installs the Debian packages it lacks (testbed/deps.sh)
#   2. builds the modules with W=1: any warning fails
#   3. host unit tests (make -C tests/host check, if present)
#   4. dkms add/build/remove against the installed headers
#   5. builds the test bed images and boots Xen + dom0 + PV guests under
#      QEMU: guest suite, dom0 peers, lifecycle checks, kernel log checks
# Then prints every result line, numbered, and "N passed, N failed";
# exits non-zero if anything failed.  Logs: build/logs/, build/results/.
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
for m in frontend/xen-pvcalls-front.ko backend/xen-pvcalls-back.ko; do
	if [ -e "$m" ]; then echo "ok build: $m built"; else echo "not ok build: $m built"; fi
done >> "$RES/10-build.tap"

if [ -f tests/host/Makefile ]; then
	step "host unit tests"
	timeout 900 make -C tests/host check > "$BUILD/logs/host-tests.log" 2>&1
	rc=$?
	tap_of "$BUILD/logs/host-tests.log" host > "$RES/20-host.tap"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$RES/20-host.tap"; then
		echo "not ok host: make -C tests/host check # exit $rc" >> "$RES/20-host.tap"
	elif [ ! -s "$RES/20-host.tap" ]; then
		echo "not ok host: make -C tests/host check # no result lines" >> "$RES/20-host.tap"
	fi
fi

step "dkms"
testbed/dkms-test.sh > "$RES/30-dkms.tap"
cat "$RES/30-dkms.tap" >&2

step "test bed images"
if testbed/mkimage.sh > "$BUILD/logs/mkimage.log" 2>&1; then
	echo "ok bed: images built" > "$RES/40-images.tap"
	step "test bed boot (Xen + dom0 + guests under QEMU/TCG)"
	testbed/run.sh suite
	cp "$BUILD/results/bed-suite.tap" "$RES/50-bed.tap"
	rm -f "$BUILD/results/bed-suite.tap"
else
	echo "not ok bed: images built # $(tail -n 1 "$BUILD/logs/mkimage.log")" > "$RES/40-images.tap"
fi

step "results (total time so far)"
exec testbed/report.sh "$RES"/[0-9]*.tap
