#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The PV Calls family without Xen: boots a plain Linux VM under QEMU/TCG
# whose /init (testbed/loopback-init.sh) loads pvcalls-loopback and runs
# the selftest suite with both halves in the VM, over 127.0.0.1.
#   testbed/loopback-vm.sh
# Needs the modules built (make).  Writes:
#   build/loopback.cpio.gz           the VM's initramfs
#   build/logs/loopback/console.log  everything the VM printed
#   build/logs/loopback/*.txt        selftests, dom0 half, kernel log
#   build/results/loopback.tap       result lines, "ok loopback: NAME"
# Environment: KDIR=, VMLINUZ= and MODROOT= (make check-debug's KASAN
# kernel: its tree, its image and the root its modules are installed
# under; default the host's), ONLY=a,b (only these selftests),
# LOOPBACK_ARGS (the suite's options, default sizes for a short run),
# QEMU_TIMEOUT (s), LOOPBACK_TAG (the result prefix, default loopback,
# also names the logs' directory), BED_SLOW=N (a debug kernel: the
# kernel arguments of a slow bed, lib.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=$(bed_find_kdir)
KVER=$(bed_kver "$KDIR")
VMLINUZ=${VMLINUZ:-/boot/vmlinuz-$KVER}
MODROOT=${MODROOT:-}
TAG=${LOOPBACK_TAG:-loopback}
# Short, as make check wants it: the transfers and load tests at sizes
# that run in a few minutes under TCG (both TCP stacks are this VM's).
LOOPBACK_ARGS=${LOOPBACK_ARGS:---big 4M --max-writes 20000 --wrap-n 512 --max-sockets 100 --stream 256M --load-conns 1000 --cycles 2000}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900}
SLOW_KARGS=$(bed_slow_kargs "${BED_SLOW:-1}")
LOGS=$BUILD/logs/$TAG
RES=$BUILD/results/$TAG.tap
LOG=$LOGS/console.log
KO=$TOP/frontend/pvcalls-loopback.ko
for f in "$VMLINUZ" "$KO"; do
	[ -e "$f" ] || { echo "loopback-vm.sh: $f missing (make first)" >&2; exit 1; }
done
rm -rf "$LOGS"
mkdir -p "$LOGS" "$BUILD/results"
: > "$RES"

# The initramfs: busybox, the module, the selftests, the init scripts.
R=$BUILD/loopback-root
MODDIR=/lib/modules/$KVER
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,bed,opt/pvcalls} "$R$MODDIR/extra"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
cp "$KO" "$R$MODDIR/extra/"
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -e "$MODROOT$MODDIR/$f" ] && cp "$MODROOT$MODDIR/$f" "$R$MODDIR/"
done
depmod -b "$R" "$KVER"
make -s -C "$TOP/selftests" pvcalls_test >&2
cp "$TOP/selftests/pvcalls_test" "$R/opt/pvcalls/"
cp "$TOP/testbed/loopback-init.sh" "$R/init"
cp "$TOP/testbed/init-lib.sh" "$TOP/testbed/tap.sh" "$R/bed/"
echo "KVER=$KVER" > "$R/bed/env"
chmod +x "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -6 > "$BUILD/loopback.cpio.gz"

t0=$(bed_now)
# No network device: the VM's own loopback is all the suite uses.
timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
	-accel tcg -cpu qemu64 -m 1024 -smp 2 -nographic -no-reboot -nic none \
	-kernel "$VMLINUZ" -initrd "$BUILD/loopback.cpio.gz" \
	-append "console=ttyS0 loglevel=5 panic=-1${SLOW_KARGS:+ $SLOW_KARGS} pvcalls_args=${LOOPBACK_ARGS// /:}${ONLY:+ pvcalls_only=${ONLY//,/:}}" \
	< /dev/null > "$LOG" 2>&1 && rc=0 || rc=$?
secs=$(($(bed_now) - t0))
echo "$secs" > "$LOGS/seconds"

tr -d '\r' < "$LOG" > "$LOGS/console.txt"
sed -n '/^@@@ BEGIN dom0/,/^@@@ END dom0/p' "$LOGS/console.txt" > "$LOGS/dom0.txt"
sed -n '/^@@@ kernel log/,/^@@@ taint/p' "$LOGS/console.txt" |
	grep -E '^\[ *[0-9]+\.[0-9]+\]' > "$LOGS/kernel.txt" || true
. "$TOP/testbed/tap.sh"
TAP_OUT=$RES
result() { tap_result "$1" "$TAG: $2" "${3:-}"; }	# result OK|FAIL name [reason]
if grep -q '^@@@ DONE' "$LOGS/console.txt"; then
	result OK "VM booted, ran the suite and powered off (${secs}s)"
else
	result FAIL "VM booted, ran the suite and powered off" \
		"no DONE after ${secs}s, qemu exit $rc (see $LOG)"
fi
# The VM's result lines (its own and the selftests'), in order.
sed '/^@@@ BEGIN dom0/,/^@@@ END dom0/d' "$LOGS/console.txt" |
	grep -E '^(not )?ok [0-9]+' |
	sed -E "s/^(not ok|ok) [0-9]+ *(- )?/\1 $TAG: /" >> "$RES" || true
bad=$(grep -E "$BED_BAD_LOG" "$LOGS/console.txt" | grep -E '^\[ *[0-9]+\.[0-9]+\]' |
	head -n 1 || true)
if [ ! -s "$LOGS/kernel.txt" ]; then
	result FAIL "kernel log clean" "no kernel log"
elif [ -n "$bad" ]; then
	result FAIL "kernel log clean" "$bad"
else
	result OK "kernel log clean"
fi
taint=$(sed -n 's/^@@@ taint //p' "$LOGS/console.txt" | tail -n 1)
# Only O (out-of-tree, 4096) and E (unsigned, 8192) are allowed.
if [ -n "$taint" ] && [ $((taint & ~(4096 | 8192))) -eq 0 ]; then
	result OK "kernel not tainted (but O/E)"
else
	result FAIL "kernel not tainted (but O/E)" "tainted=${taint:-?}"
fi
echo "loopback-vm.sh: ${secs}s, $(grep -c '^ok' "$RES") ok, $(grep -c '^not ok' "$RES") not ok ($RES)" >&2
exit 0
