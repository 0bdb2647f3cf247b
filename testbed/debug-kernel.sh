#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds a kernel of make check-debug from Debian's linux-source-6.1 and
# caches it outside the repository.  Two flavours, both with lockdep,
# DEBUG_ATOMIC_SLEEP, kmemleak and DEBUG_OBJECTS (testbed/debug.config):
#   testbed/debug-kernel.sh [xen]  the test bed's kernel: Xen dom0 and PV
#       guest, no KASAN (x86_64_defconfig + xen.config + debug.config +
#       debug-xen.config), in ${PVC_CACHE:-~/.cache/xen-pvcalls}/debug-kernel/
#   testbed/debug-kernel.sh kasan  the loopback VM's kernel: no Xen, KASAN
#       (x86_64_defconfig + debug.config + debug-kasan.config), in
#       ${PVC_CACHE:-~/.cache/xen-pvcalls}/kasan-kernel/
# Each cache holds
#   linux-source-*/         the tree (KDIR for our modules)
#   root/lib/modules/KVER/  its modules
# testbed/debug-kernel.patch is applied to the tree first.  A cache is
# reused as long as the source tarball, the configuration fragments and
# the patch are unchanged.  Prints the tree's path on success.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
FLAVOUR=${1:-xen}
case $FLAVOUR in
xen)	CACHE=${PVC_CACHE:-$HOME/.cache/xen-pvcalls}/debug-kernel
	BASE=(x86_64_defconfig xen.config)
	FRAGS=("$TOP/testbed/debug.config" "$TOP/testbed/debug-xen.config") ;;
kasan)	CACHE=${PVC_CACHE:-$HOME/.cache/xen-pvcalls}/kasan-kernel
	BASE=(x86_64_defconfig)
	FRAGS=("$TOP/testbed/debug.config" "$TOP/testbed/debug-kasan.config") ;;
*)	echo "usage: debug-kernel.sh [xen|kasan]" >&2; exit 2 ;;
esac
TARBALL=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$TARBALL" ]; then
	echo "debug-kernel.sh: no /usr/src/linux-source-*.tar.xz; apt-get install linux-source-6.1" >&2
	exit 1
fi
SRC=$CACHE/$(basename "$TARBALL" .tar.xz)
# contents only: the same tarball and configuration give the same stamp
# wherever the repository is checked out
STAMP=$(cat "$TARBALL" "${FRAGS[@]}" "$TOP/testbed/debug-kernel.patch" |
	sha256sum | cut -c1-16)
JOBS=${JOBS:-$(nproc)}
"$TOP/testbed/deps.sh" flex bison bc libelf-dev libssl-dev patch >&2

if [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$STAMP" ] &&
   [ -e "$SRC/arch/x86/boot/bzImage" ]; then
	echo "$SRC"
	exit 0
fi

mkdir -p "$CACHE"
rm -rf "$CACHE/root" "$CACHE/stamp"
# An interrupted or older build is continued: make rebuilds what the
# configuration below changes.  A new tarball starts from scratch.
if [ "$(cat "$CACHE/tarball" 2>/dev/null)" != "$(sha256sum < "$TARBALL")" ]; then
	rm -rf "$SRC"
	echo "debug-kernel.sh: unpacking $TARBALL" >&2
	tar xJf "$TARBALL" -C "$CACHE"
	sha256sum < "$TARBALL" > "$CACHE/tarball"
fi
cd "$SRC"
# Fixes to the kernel itself that the debug options would otherwise
# report before any of our code runs (lockdep turns itself off after its
# first report).  Applied once; make then rebuilds what they touch.
if ! patch -p1 -R -s -f --dry-run < "$TOP/testbed/debug-kernel.patch" > /dev/null 2>&1; then
	patch -p1 -s -f < "$TOP/testbed/debug-kernel.patch" >&2
fi
make -s "${BASE[@]}" >&2
scripts/kconfig/merge_config.sh -m .config "${FRAGS[@]}" >&2
make -s olddefconfig >&2
# every option we asked for must have survived olddefconfig
miss=0
while IFS= read -r l; do
	case $l in
	CONFIG_*=n) o=${l%=n}; grep -q "^$o=" .config && { echo "debug-kernel.sh: $o still set" >&2; miss=1; } ;;
	CONFIG_*) grep -qx "$l" .config || { echo "debug-kernel.sh: $l did not take" >&2; miss=1; } ;;
	esac
done < <(cat "${FRAGS[@]}")
[ $miss = 0 ] || exit 1
echo "debug-kernel.sh: building $FLAVOUR with $JOBS jobs at idle priority (a first build takes an hour or more on 2 busy cores)" >&2
chrt -i 0 nice make -s -j"$JOBS" bzImage modules >&2
make -s modules_install INSTALL_MOD_PATH="$CACHE/root" INSTALL_MOD_STRIP=1 >&2
echo "$STAMP" > "$CACHE/stamp"
echo "$SRC"
