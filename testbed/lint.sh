#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: checkpatch.pl --strict over every .c/.h of frontend/, backend/,
# include/, tests/hostile/ and tests/upstream/, and sparse (make C=2) over
# the modules and the test-only tests/hostile module.  Any finding fails.
# checkpatch.pl, spelling.txt and const_structs.checkpatch come from
# Debian's linux-source tarball, extracted once into a cache directory
# outside the tree (LINT_CACHE, default ~/.cache/xen-pvcalls-lint).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"
CACHE=${LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-pvcalls-lint}
fail=0
testbed/deps.sh lint || exit 1

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "lint: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)" >&2
	exit 1
fi
base=$(basename "$tarball" .tar.xz)
CP=$CACHE/$base/scripts/checkpatch.pl
if [ ! -x "$CP" ] || [ "$CP" -ot "$tarball" ]; then
	echo "lint: extracting checkpatch.pl from $tarball" >&2
	mkdir -p "$CACHE"
	tar -xJf "$tarball" -C "$CACHE" "$base/scripts/checkpatch.pl" \
		"$base/scripts/spelling.txt" "$base/scripts/const_structs.checkpatch" ||
		exit 1
	touch "$CP"
fi

# (tests/hostile/hb_guest.c is a user program, not kernel code)
files=$(find frontend backend include tests/hostile tests/upstream -name '*.[ch]' ! -name '*.mod.c' \
	! -name hb_guest.c 2>/dev/null | sort)
if [ -z "$files" ]; then
	echo "lint: no sources under frontend/ backend/ include/" >&2
	exit 1
fi
KDIR=$(bed_find_kdir)
if [ -z "$KDIR" ]; then
	echo "lint: no kernel headers (apt-get install linux-headers-amd64)" >&2
	exit 1
fi
# --strict flags CamelCase unless the name is declared in the kernel's
# include/ (Xen's XenbusState* are): checkpatch learns those names from
# --root's include/ when it runs outside a git tree, and caches them in its
# working directory, so it runs in the cache directory.
KVER=$(bed_kver "$KDIR")
hdrs=$KDIR
for d in "$KDIR/source" "/lib/modules/$KVER/source"; do
	[ -d "$d/include/xen/interface" ] && hdrs=$(readlink -f "$d") && break
done

# Its seeding misses enum constants, so the CamelCase ones of Xen's
# interface headers (XenbusStateConnected...) are added to its cache.
seed=$CACHE/seed.c
printf '// SPDX-License-Identifier: GPL-2.0\nint f(void)\n{\n\treturn SeedCamelCase;\n}\n' > "$seed"
(cd "$CACHE" && GIT_DIR=/nonexistent "$CP" --strict --no-tree --root="$hdrs" \
	-q -f "$seed" > /dev/null 2>&1)
for c in "$CACHE"/.checkpatch-camelcase.*; do
	[ -f "$c" ] || continue
	grep -qx XenbusStateConnected "$c" && continue
	grep -rhoE '^[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=' \
		"$hdrs/include/xen/interface" | tr -d ' \t=' |
		grep -E '[a-z][A-Z]|[A-Z][a-z]' | sort -u >> "$c"
done

echo "== checkpatch.pl --strict ($(echo "$files" | wc -l) files)"
for f in $files; do
	out=$(cd "$CACHE" && GIT_DIR=/nonexistent "$CP" --strict --no-tree \
		--root="$hdrs" --terse --show-types -f "$TOP/$f" 2>&1) || {
		echo "$out" | grep -v '^total:' | sed "s|^$TOP/||"
		fail=1
	}
done

echo "== sparse (make C=2)"
for m in "$TOP" "$TOP/tests/hostile"; do
	out=$(make -C "$KDIR" M="$m" C=2 modules 2>&1)
	if [ $? -ne 0 ] || echo "$out" | grep -qE 'warning:|error:'; then
		echo "$out" | grep -E 'warning:|error:|Error'
		fail=1
	fi
done

if [ $fail -eq 0 ]; then
	echo "lint: no findings"
else
	echo "lint: findings above" >&2
fi
exit $fail
