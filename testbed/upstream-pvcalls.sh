#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds Linux's own PV Calls modules, for the bed's interoperability
# tests only, from Debian's linux-source tarball (the newest
# /usr/src/linux-source-*.tar.xz), against the headers our modules are
# built with:
#   pvcalls-back.ko          Linux's backend (dom0 serves our frontend
#                            with it)
#   pvcalls-upfront-test.ko  Linux's frontend linked with our test
#                            driver, tests/upstream/upfront_test.c (Linux
#                            6.1 exports none of the frontend's calls;
#                            its init_module is renamed for the driver's
#                            init to call it)
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

if [ ! -e "$OUT/.from" ] || [ "$(cat "$OUT/.from")" != "$TARBALL $KVER" ]; then
	rm -rf "$OUT"
	mkdir -p "$OUT/src"
	# shellcheck disable=SC2086
	tar -xJf "$TARBALL" -C "$OUT/src" --strip-components=1 \
		$(for f in $FILES; do echo "$SRC/$f"; done)
	mkdir -p "$OUT/include/xen/interface/io"
	mv "$OUT/src/include/xen/interface/io/pvcalls.h" "$OUT/include/xen/interface/io/"
	cp "$OUT"/src/drivers/xen/* "$OUT/"
	rm -rf "$OUT/src"
	cat > "$OUT/Kbuild" <<'EOF'
obj-m := pvcalls-back.o pvcalls-upfront-test.o
pvcalls-upfront-test-y := pvcalls-front.o upfront_test.o
ccflags-y := -I$(src)/include
CFLAGS_pvcalls-front.o := -Dinit_module=pvc_upstream_init_module
EOF
	echo "$TARBALL $KVER" > "$OUT/.from"
fi
cmp -s "$TOP/tests/upstream/upfront_test.c" "$OUT/upfront_test.c" ||
	cp "$TOP/tests/upstream/upfront_test.c" "$OUT/"
make -s -C "$KDIR" M="$OUT" modules >&2
for m in pvcalls-back pvcalls-upfront-test; do
	[ -e "$OUT/$m.ko" ] || { echo "upstream-pvcalls.sh: $m.ko not built" >&2; exit 1; }
done
echo "$OUT"
