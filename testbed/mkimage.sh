#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the test bed's boot files under $BUILD (default build/):
#   xen            the decompressed hypervisor (QEMU's multiboot -kernel)
#   vmlinuz        the Debian kernel, dom0 and guest alike
#   guest.cpio.gz  guest initramfs: busybox, the modules, /opt/pvcalls
#   dom0.cpio.gz   dom0 initramfs: busybox, the Xen toolstack and its
#                  libraries, Xen and PV Calls modules (Linux's own
#                  pvcalls-back.ko too, testbed/upstream-pvcalls.sh),
#                  /opt/pvcalls, and the guest's kernel and initramfs
#                  under /guest
#   guest-pvcalls-run.cpio.gz
#                  what only the pvcalls-run guest needs (pvcalls-run,
#                  iperf3, socat and their libraries): dom0 has it as
#                  /guest/extra-pvcalls-run.cpio.gz and appends it to
#                  that guest's initramfs
# The modules must be built first (make).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bed_detect

MODDIR=/lib/modules/$KVER
mkdir -p "$BUILD"

# Copy one host file into root $1 at the same path (following links).
put() {
	local root=$1 f=$2
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
}

# Copy an executable and every shared library ldd lists for it.
put_exe() {
	local root=$1 exe=$2 dst=${3:-$2} lib
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$exe" "$root$dst"
	for lib in $(ldd "$exe" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || put "$root" "$lib"
	done
}

# Kernel modules with their dependencies, resolved on the host's tree.
put_kmods() {
	local root=$1 m ko
	shift
	for m in "$@"; do
		for ko in $(modprobe ${MODROOT:+-d "$MODROOT"} -S "$KVER" \
				--show-depends "$m" |
			    awk '$1 == "insmod" { print $2 }'); do
			ko=${ko#"$MODROOT"}
			[ -e "$root$ko" ] || {
				mkdir -p "$root$(dirname "$ko")"
				cp -L "$MODROOT$ko" "$root$ko"
			}
		done
	done
}

# Skeleton shared by both images: busybox and its applets, our modules,
# /opt/pvcalls.
skeleton() {
	local root=$1 a ko
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,opt/pvcalls,bed}
	mkdir -p "$root"/usr/{bin,sbin} "$root$MODDIR/extra"
	mkdir -p "$root/var/log" "$root/var/lib"
	ln -s ../run "$root/var/run"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	for ko in "$TOP"/frontend/*.ko "$TOP"/backend/*.ko; do
		[ -e "$ko" ] && cp "$ko" "$root$MODDIR/extra/"
	done
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -e "$MODROOT$MODDIR/$f" ] && cp "$MODROOT$MODDIR/$f" "$root$MODDIR/"
	done
	[ -d "$BUILD/opt" ] && cp -a "$BUILD/opt/." "$root/opt/pvcalls/"
	cp "$BUILD/pvc-hold" "$root/bed/"
	cp "$TOP/testbed/init-lib.sh" "$TOP/testbed/tap.sh" "$root/bed/"
	echo "KVER=$KVER" > "$root/bed/env"
}

pack() {
	local root=$1 out=$2
	[ -d "$root$MODDIR" ] && depmod -b "$root" "$KVER"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -6 > "$out.tmp"
	mv "$out.tmp" "$out"
}

# /opt/pvcalls: what selftests/ builds (static programs) and its run-*.sh.
rm -rf "$BUILD/opt"
mkdir -p "$BUILD/opt"
if [ -f "$TOP/selftests/Makefile" ]; then
	make -s -C "$TOP/selftests" >&2
	find "$TOP/selftests" -maxdepth 2 -type f \( -name 'run-*.sh' -o -perm -u+x \) \
	     ! -name '*.o' ! -name '*.c' ! -name '*.h' -print |
	while read -r f; do
		case $f in
		*.sh) cp "$f" "$BUILD/opt/" ;;
		*) [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			cp "$f" "$BUILD/opt/" || true ;;
		esac
	done
	chmod +x "$BUILD"/opt/* 2>/dev/null || true
fi

# The bench (bench/, make bench): pvbench and its scripts.
if [ -f "$TOP/bench/Makefile" ]; then
	make -s -C "$TOP/bench" bed DEST="$BUILD/opt/bench" >&2
fi

# pvcalls-run's bed test: tools/pvcalls-run/image-extras.txt lists what
# each image needs.  extras IMAGE ROOT copies it into ROOT.
make -s -C "$TOP/tools/pvcalls-run" pvcalls-run >&2
extras() {
	local img kind src dst
	grep -v '^#' "$TOP/tools/pvcalls-run/image-extras.txt" |
	while read -r img kind src dst; do
		[ "$img" = "$1" ] || continue
		case $kind in
		file)	mkdir -p "$2$(dirname "$dst")"
			cp "$TOP/$src" "$2$dst" ;;
		exe)	put_exe "$2" "$src" ;;
		*)	echo "image-extras.txt: unknown kind '$kind'" >&2
			return 1 ;;
		esac
	done
}

# The bed's own guest helper: holds sockets open for the xl destroy check.
gcc -static -O2 -Wall -Werror -o "$BUILD/pvc-hold" "$TOP/testbed/pvc-hold.c" \
	"$TOP/selftests/sock.c"

# The hostile frontend and backend (tests/hostile, test-only): in /bed/ of
# the guest and dom0, outside /lib/modules, so nothing loads them but the
# hostile scenarios.
[ -e "$TOP/tests/hostile/pvcalls-hostile-front.ko" ] &&
	[ -e "$TOP/tests/hostile/pvcalls-hostile-back.ko" ] ||
	make -s -C "$KDIR" M="$TOP/tests/hostile" modules >&2
# ... and the hostile backend's guest half (dom0 gets the module).
gcc -static -O2 -Wall -Werror -o "$BUILD/hb-guest" "$TOP/tests/hostile/hb_guest.c" \
	"$TOP/tests/lib/tap.c"

# Linux's own PV Calls modules, built from linux-source (test-only, in
# /bed/ like the hostile modules): the backend in dom0 for the bed's
# front-vs-upstream guest, and its variant with the EOI fix for the
# upstream-back-eoifix guest, the frontend with its test driver in the
# guest for upfront-vs-ours.  Only the suite scenario uses them, and
# they need linux-source: make demo and make bench, which install less
# than make check, leave them out with BED_UPSTREAM=0.
UPSTREAM=
if [ "${BED_UPSTREAM:-1}" != 0 ]; then
	UPSTREAM=$("$TOP/testbed/upstream-pvcalls.sh")
fi

zcat "$XEN_GZ" > "$BUILD/xen"
cp "$VMLINUZ" "$BUILD/vmlinuz"

# Guest image.
G=$BUILD/guest-root
skeleton "$G"
cp "$TOP/testbed/guest-init.sh" "$G/init"
cp "$TOP/tests/hostile/pvcalls-hostile-front.ko" "$G/bed/"
if [ -n "$UPSTREAM" ]; then
	cp "$UPSTREAM/pvcalls-upfront-test.ko" "$G/bed/"
fi
cp "$BUILD/hb-guest" "$G/bed/"
[ -d "$BUILD/opt/bench" ] && put_kmods "$G" xen-netfront	# bench: netfront
# The grant exhaustion selftest holds grant references through gntalloc.
put_kmods "$G" xen-gntalloc
chmod +x "$G/init"
pack "$G" "$BUILD/guest.cpio.gz"

# The pvcalls-run guest's extra archive (no modules, no depmod).
X=$BUILD/guest-pvcalls-run-root
rm -rf "$X"
mkdir -p "$X"
extras guest "$X"
pack "$X" "$BUILD/guest-pvcalls-run.cpio.gz"

# dom0 image.
D=$BUILD/dom0-root
skeleton "$D"
cp "$TOP/testbed/dom0-init.sh" "$D/init"
mkdir -p "$D/bed/dom0"	# the scenarios, which /init sources
cp "$TOP"/testbed/dom0/*.sh "$D/bed/dom0/"
cp "$TOP/tests/hostile/pvcalls-hostile-back.ko" "$D/bed/"
if [ -n "$UPSTREAM" ]; then
	cp "$UPSTREAM/pvcalls-back.ko" "$UPSTREAM/pvcalls-back-eoifix.ko" "$D/bed/"
fi
chmod +x "$D/init"
put_kmods "$D" xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc
[ -d "$BUILD/opt/bench" ] && put_kmods "$D" xen-netback	# bench: netback
for t in xl xenstored xenconsoled xen-init-dom0; do
	put_exe "$D" "$XENBIN/$t" "/usr/lib/xen/bin/$t"
done
put_exe "$D" /usr/bin/xenstore
for t in read write ls exists rm list watch chmod; do
	ln -s xenstore "$D/usr/bin/xenstore-$t"
done
# xl aborts without libgcc_s (pthread_cancel loads it at run time).
put "$D" /lib/x86_64-linux-gnu/libgcc_s.so.1
mkdir -p "$D/etc/xen" "$D/guest"
cp /etc/xen/xl.conf "$D/etc/xen/"
cp "$BUILD/vmlinuz" "$D/guest/vmlinuz"
cp "$BUILD/guest.cpio.gz" "$D/guest/initrd.gz"
cp "$BUILD/guest-pvcalls-run.cpio.gz" "$D/guest/extra-pvcalls-run.cpio.gz"
extras dom0 "$D"
pack "$D" "$BUILD/dom0.cpio.gz"

ls -l "$BUILD"/xen "$BUILD"/vmlinuz "$BUILD"/guest.cpio.gz \
	"$BUILD"/guest-pvcalls-run.cpio.gz "$BUILD"/dom0.cpio.gz >&2
