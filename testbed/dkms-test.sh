#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS test: "dkms add" and "dkms build" of this tree against the installed
# headers, in a private dkms/source tree under /tmp (the system's own DKMS
# state is left alone), then "dkms remove".  Prints one result line:
#   ok dkms add/build/remove of xen-pvcalls VERSION for KVER
set -uo pipefail
. "$(dirname "$0")/lib.sh"
KDIR=$(bed_find_kdir)
KVER=$(bed_kver "$KDIR")
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
NAME="dkms add/build/remove of xen-pvcalls $VER for ${KVER:-?}"
LOG=$BUILD/logs/dkms.log
mkdir -p "$BUILD/logs"

fail() { echo "not ok $NAME # $1 (see $LOG)"; rm -rf "$tmp"; exit 1; }
tmp=$(mktemp -d /tmp/xen-pvcalls-dkms.XXXXXX)
[ -n "$KVER" ] || fail "no kernel headers (apt-get install linux-headers-amd64)"
command -v dkms > /dev/null || fail "dkms not installed"

# A clean copy of the sources, as a package would ship them.
src=$tmp/src/xen-pvcalls-$VER
mkdir -p "$src" "$tmp/tree" "$tmp/inst"
(cd "$TOP" && cp -a Makefile Kbuild dkms.conf frontend backend include "$src/") 2>/dev/null ||
	fail "copying the sources"
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \) -delete

d() { timeout 600 dkms --sourcetree "$tmp/src" --dkmstree "$tmp/tree" \
	--installtree "$tmp/inst" "$@" >> "$LOG" 2>&1; }
: > "$LOG"
d add -m xen-pvcalls -v "$VER" || fail "dkms add"
d build -m xen-pvcalls -v "$VER" -k "$KVER" || fail "dkms build"
for m in xen-pvcalls-front xen-pvcalls-back pvcalls-loopback; do
	ls "$tmp/tree/xen-pvcalls/$VER/$KVER"/*/module/$m.ko* > /dev/null 2>&1 ||
		fail "dkms build made no $m.ko"
done
d remove -m xen-pvcalls -v "$VER" --all || fail "dkms remove"
[ -e "$tmp/tree/xen-pvcalls/$VER" ] && fail "dkms remove left the build"
rm -rf "$tmp"
echo "ok $NAME"
