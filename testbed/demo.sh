#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: installs the Debian packages it lacks (testbed/deps.sh demo),
# builds the modules and the test bed, boots Xen + dom0 + one PV
# guest (scenario "demo") under QEMU, and shows in a few lines what
# happened: the xenbus handshake, the guest's demo program
# (/opt/pvcalls/pvcalls-demo via run-guest.sh), the dom0 side
# (run-dom0.sh demo) and the backend's counters.  Full log:
# build/logs/demo/qemu.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"
t0=$(date +%s)
# Packages first: the kernel tree and Xen are detected only afterwards.
testbed/deps.sh demo || { echo "demo: could not install the needed packages" >&2; exit 1; }
echo "demo: building the modules and the test bed images..."
mkdir -p "$BUILD/logs"
make -s > "$BUILD/logs/demo-build.log" 2>&1 || { cat "$BUILD/logs/demo-build.log"; exit 1; }
BED_UPSTREAM=0 testbed/mkimage.sh > "$BUILD/logs/demo-mkimage.log" 2>&1 ||
	{ tail -n 5 "$BUILD/logs/demo-mkimage.log"; echo "demo: testbed/mkimage.sh failed" >&2; exit 1; }
echo "demo: booting Xen, dom0 and a PV guest under QEMU (TCG: 1-5 minutes, depending on the machine)..."
BED_QUIET=1 GUEST_TIMEOUT=${GUEST_TIMEOUT:-300} testbed/run.sh demo
L=$BUILD/logs/demo
echo
echo "== dom0"
tr -d '\r' < "$L/qemu.log" | sed -n 's/^@@@ \[\([0-9]*s\)\] \(pvcalls.*\|backend.*\|xl create.*\)/  [\1] \2/p'
echo "== guest (console)"
grep -vE '^\[ *[0-9]+\.[0-9]+\]|^@@@|^$' "$L/guest-log-demo.txt" 2>/dev/null | sed 's/^/  /' |
	head -n 40 || true
if [ -s "$L/dom0-run-demo.txt" ]; then
	echo "== dom0 peer (run-dom0.sh demo)"
	grep -v '^$' "$L/dom0-run-demo.txt" | sed 's/^/  /' | head -n 20
fi
echo "== checks"
if grep -q '^not ok' "$BUILD/results/bed-demo.tap"; then
	grep '^not ok' "$BUILD/results/bed-demo.tap" | sed 's/^/  /'
	rc=1
else
	echo "  $(grep -c '^ok' "$BUILD/results/bed-demo.tap") checks ok (kernel logs clean, no taint but O/E)"
	rc=0
fi
echo "demo: $(($(date +%s) - t0)) s in all; full log $L/qemu.log"
exit $rc
