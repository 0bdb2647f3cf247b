#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian (bookworm) packages a target needs, only those
# missing: one "apt-get update", then one install.  Needs root when
# something is missing.  Every target that needs packages runs this
# before it detects anything (kernel tree, Xen version).
#   testbed/deps.sh GROUP|PACKAGE...
# GROUP: build (the modules and the static programs), demo (build and
# boot the test bed), check (make check), bench, lint, fuzz.  Other
# arguments are package names (check-debug's kernel build adds its own).
set -euo pipefail

BUILD_PKGS="gcc make libc6-dev kmod linux-headers-amd64"
# The test bed: Xen, dom0 and guest kernel, QEMU, the images' contents.
BED_PKGS="$BUILD_PKGS qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17
	  xenstore-utils linux-image-amd64 busybox-static cpio gzip xz-utils
	  iperf3 socat procps"
LINT_PKGS="$BUILD_PKGS sparse perl linux-source-6.1 xz-utils"
FUZZ_PKGS="make clang libclang-rt-14-dev"
# make check: the bed, the lint tools' sources (checkpatch), DKMS, the
# host suites (ASan/TSan/libFuzzer with clang, spin, pvcalls-run's host
# tests with curl, socat, iperf3, Go and ss) and the bed's own helpers.
CHECK_PKGS="$BED_PKGS $LINT_PKGS $FUZZ_PKGS dkms openssl coreutils grep sed iproute2
	    spin curl golang-go"
BENCH_PKGS="$BED_PKGS python3 gnuplot-nox"

PKGS=
for a in "${@:-check}"; do
	case $a in
	build)	PKGS="$PKGS $BUILD_PKGS" ;;
	demo)	PKGS="$PKGS $BED_PKGS" ;;
	check)	PKGS="$PKGS $CHECK_PKGS" ;;
	bench)	PKGS="$PKGS $BENCH_PKGS" ;;
	lint)	PKGS="$PKGS $LINT_PKGS" ;;
	fuzz)	PKGS="$PKGS $FUZZ_PKGS" ;;
	*)	PKGS="$PKGS $a" ;;
	esac
done

missing=
for p in $(echo $PKGS | tr ' ' '\n' | sort -u); do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present" >&2
	exit 0
fi
echo "deps: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
timeout 900 apt-get update -q >&2
# shellcheck disable=SC2086
timeout 2400 apt-get install -y -q --no-install-recommends $missing >&2
