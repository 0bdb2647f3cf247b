#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds Linux's own PV Calls modules, for the bed's interoperability
# tests only, from Debian's linux-source tarball (the newest
# /usr/src/linux-source-*.tar.xz), against the headers our modules are
# built with:
#   pvcalls-back.ko          Linux's backend (dom0 serves our frontend
#                            with it)
#   pvcalls-back-eoifix.ko   the same backend with one condition changed
#                            here, at build time: its worker sends the
#                            late EOI of a socket's event channel
#                            whenever it took an event, not only when no
#                            write is pending (Documentation/pvcalls.rst,
#                            "Linux's pair": without it the channel
#                            stays masked and the data path stalls)
#   pvcalls-upfront-test.ko  Linux's frontend linked with our test
#                            driver, tests/upstream/upfront_test.c (Linux
#                            6.1 exports none of the frontend's calls;
#                            its init_module is renamed for the driver's
#                            init to call it), with its socket_lock made
#                            a mutex here, at build time: connect and
#                            accept bind an event channel, which may
#                            sleep, under that lock, and nothing takes
#                            it in atomic context (Documentation/
#                            pvcalls.rst, "Linux's pair")
# Debian's kernel builds neither, and its headers package lacks
# include/xen/interface/io/pvcalls.h, so only those files are extracted,
# at build time, into $BUILD/upstream-pvcalls/ (nothing of them is kept
# in the repository).  Prints the directory of the .ko files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bed_detect

TARBALL=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$TARBALL" ]; then
	echo "upstream-pvcalls.sh: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)" >&2
	exit 1
fi
SRC=$(basename "$TARBALL" .tar.xz)
OUT=$BUILD/upstream-pvcalls
FILES="drivers/xen/pvcalls-back.c drivers/xen/pvcalls-front.c
       drivers/xen/pvcalls-front.h include/xen/interface/io/pvcalls.h"

FROM="$TARBALL $KVER eoifix lockfix"
if [ ! -e "$OUT/.from" ] || [ "$(cat "$OUT/.from")" != "$FROM" ]; then
	rm -rf "$OUT"
	mkdir -p "$OUT/src"
	# shellcheck disable=SC2086
	tar -xJf "$TARBALL" -C "$OUT/src" --strip-components=1 \
		$(for f in $FILES; do echo "$SRC/$f"; done)
	mkdir -p "$OUT/include/xen/interface/io"
	mv "$OUT/src/include/xen/interface/io/pvcalls.h" "$OUT/include/xen/interface/io/"
	cp "$OUT"/src/drivers/xen/* "$OUT/"
	rm -rf "$OUT/src"
	# The EOI fix: exactly one line may change, the worker's condition
	# for the late EOI, which loses its "no write pending" part.
	sed 's/^\(\t*if (atomic_read(&map->eoi) > 0\) \&\& !atomic_read(&map->write)) {$/\1) {/' \
		"$OUT/pvcalls-back.c" > "$OUT/pvcalls-back-eoifix.c"
	changed=$(diff "$OUT/pvcalls-back.c" "$OUT/pvcalls-back-eoifix.c" | grep -c '^>' || true)
	if [ "$changed" != 1 ] ||
	   ! grep -q '^\s*if (atomic_read(&map->eoi) > 0) {$' "$OUT/pvcalls-back-eoifix.c"; then
		echo "upstream-pvcalls.sh: the EOI fix does not apply to $SRC's" \
		     "drivers/xen/pvcalls-back.c ($changed lines changed, want 1):" \
		     "its worker's late-EOI condition is not the one expected" >&2
		rm -rf "$OUT"
		exit 1
	fi
	# The lock fix: every use of the frontend's socket_lock, and only
	# those, turns from spinlock to mutex.
	sed -e 's/^\(\t*\)spinlock_t socket_lock;$/\1struct mutex socket_lock;/' \
	    -e 's/\bspin_\(lock\|unlock\)(&bedata->socket_lock);/mutex_\1(\&bedata->socket_lock);/' \
	    -e 's/\bspin_lock_init(&bedata->socket_lock);/mutex_init(\&bedata->socket_lock);/' \
		"$OUT/pvcalls-front.c" > "$OUT/pvcalls-front-lockfix.c"
	uses=$(grep -c 'socket_lock' "$OUT/pvcalls-front.c" || true)
	changed=$(diff "$OUT/pvcalls-front.c" "$OUT/pvcalls-front-lockfix.c" | grep -c '^>' || true)
	if [ "$uses" = 0 ] || [ "$changed" != "$uses" ] ||
	   grep -q 'spin.*socket_lock' "$OUT/pvcalls-front-lockfix.c"; then
		echo "upstream-pvcalls.sh: the lock fix does not apply to $SRC's" \
		     "drivers/xen/pvcalls-front.c ($changed of $uses uses of" \
		     "socket_lock changed)" >&2
		rm -rf "$OUT"
		exit 1
	fi
	cat > "$OUT/Kbuild" <<'EOF'
obj-m := pvcalls-back.o pvcalls-back-eoifix.o pvcalls-upfront-test.o
pvcalls-upfront-test-y := pvcalls-front-lockfix.o upfront_test.o
ccflags-y := -I$(src)/include
CFLAGS_pvcalls-front-lockfix.o := -Dinit_module=pvc_upstream_init_module
EOF
	echo "$FROM" > "$OUT/.from"
fi
cmp -s "$TOP/tests/upstream/upfront_test.c" "$OUT/upfront_test.c" ||
	cp "$TOP/tests/upstream/upfront_test.c" "$OUT/"
make -s -C "$KDIR" M="$OUT" modules >&2
for m in pvcalls-back pvcalls-back-eoifix pvcalls-upfront-test; do
	[ -e "$OUT/$m.ko" ] || { echo "upstream-pvcalls.sh: $m.ko not built" >&2; exit 1; }
done
echo "$OUT"
