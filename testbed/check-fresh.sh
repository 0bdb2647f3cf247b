#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-fresh: the README's commands as a new user runs them, each in
# a fresh Debian bookworm root that holds only what a new machine of this
# project has (minbase, gcc, make, git) and a clean clone of the tree:
#   demo root   make demo; make install, then the installed pvcalls-run
#               (its host tests), man page and <pvcalls.h> (a program
#               compiled against it) are used; make uninstall removes them
#   check root  make check, up to and with the test bed images
#               (FRESH_BED=1: the bed boot too; the host's own make check
#               boots the same bed, so CI leaves it out here)
# Each command has to install what it needs itself.  Prints result lines
# and "N passed, N failed"; exits non-zero if anything failed.
#
# The roots live under FRESH_TMP (default /var/tmp) and are removed with
# rm --one-file-system.  Every mount (proc, sys, a private /dev with the
# usual nodes and links, the apt cache) is made inside "unshare --mount
# --propagation private --pid", so it vanishes with the root's last
# process and never reaches the host.
# Cached outside the repository, under PVC_CACHE (~/.cache/xen-pvcalls):
#   fresh-root/base-KEY.tar.gz  the debootstrapped base; KEY hashes all
#               that decides its content (suite, variant, packages, apt
#               sources, debootstrap's version, this script's base
#               recipe); rebuilt after FRESH_BASE_DAYS (7) days
#   fresh-root/apt-archives/    downloaded .deb files, so a root downloads
#               each package once; what is installed is still decided
#               in the root, by the project's own commands
# FRESH_ROOTS="demo check" picks the roots (both by default).
# FRESH_REV=REV tests another commit (default HEAD: the committed tree,
# not the working tree's changes); FRESH_ENV="K=V ..." adds to the
# environment of the commands in the roots (e.g. QEMU_TIMEOUT=).
# Logs: build/logs/fresh/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"
T0=$(date +%s)
step() { echo "==> [$(($(date +%s) - T0))s] $*" >&2; }

CACHE=${PVC_CACHE:-${HOME:-/root}/.cache/xen-pvcalls}/fresh-root
TMPROOT=${FRESH_TMP:-/var/tmp}
REV=${FRESH_REV:-HEAD}
SUITE=bookworm
INCLUDE=gcc,make,git
LOGS=$BUILD/logs/fresh
RES=$BUILD/results/fresh
rm -rf "$LOGS" "$RES"
mkdir -p "$LOGS" "$RES" "$CACHE/apt-archives/partial"

if [ "$(id -u)" != 0 ]; then
	echo "check-fresh: needs root (debootstrap, chroot, mounts)" >&2
	exit 1
fi
step "host packages (debootstrap)"
testbed/deps.sh debootstrap || exit 1

# The host's Debian apt sources, as they are configured here: the root
# uses the same ones (no mirror is named in this script).
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -qE "\b$SUITE\b" "$f" && echo "$f"
	done
}
# The first URI of a "deb" source for $SUITE itself (debootstrap's mirror).
mirror() {
	local f
	for f in $(apt_sources); do
		case $f in
		*.sources)
			awk -v s="$SUITE" '
				/^[ \t]*$/ { if (deb && suite && uri) { print uri; exit }
					     deb = suite = 0; uri = ""; next }
				/^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
				/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
				/^URIs:/ { uri = $2 }
				END { if (deb && suite && uri) print uri }' "$f" ;;
		*)
			awk -v s="$SUITE" '$1 == "deb" {
				i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++
				if ($i ~ /^\[/ || $i ~ /\]$/) i++
				if ($(i + 1) == s) { print $i; exit } }' "$f" ;;
		esac
	done | head -n 1
}
MIRROR=$(mirror)
if [ -z "$MIRROR" ]; then
	echo "check-fresh: no apt source for $SUITE in /etc/apt" >&2
	exit 1
fi

# The base: what the key hashes decides its content.
RECIPE="debootstrap --variant=minbase --include=$INCLUDE $SUITE; no .deb kept"
KEY=$({ echo "$RECIPE"; echo "$MIRROR"
	dpkg-query -W -f='${Version}\n' debootstrap
	cat $(apt_sources); } | sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY.tar.gz
if [ -f "$BASE" ] && [ -n "$(find "$BASE" -mtime +"${FRESH_BASE_DAYS:-7}")" ]; then
	rm -f "$BASE"
fi
if [ ! -f "$BASE" ]; then
	step "debootstrap $SUITE (minbase + $INCLUDE) into the cache"
	rm -f "$CACHE"/base-*.tar.gz
	b=$(mktemp -d "$TMPROOT/xen-pvcalls-base.XXXXXX")
	# debootstrap mounts proc and sys in the target: privately.
	if unshare --mount --propagation private -- \
		debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$b" "$MIRROR" \
		> "$LOGS/debootstrap.log" 2>&1 &&
	   rm -f "$b"/var/cache/apt/archives/*.deb &&
	   tar -C "$b" --one-file-system -czf "$BASE.tmp" . ; then
		mv "$BASE.tmp" "$BASE"
	else
		echo "not ok fresh: debootstrap of the base root # see $LOGS/debootstrap.log" \
			> "$RES/00-base.tap"
		rm -f "$BASE.tmp"
	fi
	rm -rf --one-file-system "$b"
	[ -f "$BASE" ] || exec testbed/report.sh "$RES"/*.tap
fi

# A root's namespace dies with its unshare (--kill-child); a root left
# by an interrupted run is removed on the way out.
NS_PID= ROOT=
cleanup() {
	[ -n "$NS_PID" ] && kill -9 "$NS_PID" 2>/dev/null && sleep 1
	if [ -n "$ROOT" ] && [ -d "$ROOT" ] && ! grep -qF " $ROOT" /proc/self/mounts; then
		rm -rf --one-file-system "$ROOT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fresh_root NAME SCRIPT: a new root from the base with a clean clone of
# the tree in /root/xen-pvcalls; SCRIPT runs there (bash, as root) and
# prints result lines.
fresh_root() {
	local name=$1 script=$2 root rc
	root=$(mktemp -d "$TMPROOT/xen-pvcalls-fresh.XXXXXX")
	ROOT=$root
	tar -C "$root" -xzf "$BASE" || return 1
	git clone -q "$TOP" "$root/root/xen-pvcalls" &&
		git -C "$root/root/xen-pvcalls" checkout -q "$(git rev-parse "$REV")" ||
		return 1
	local f k
	for f in $(apt_sources); do
		cp "$f" "$root$f"
		for k in $(sed -n 's/^Signed-By: *\(\/.*\)/\1/p; s/.*signed-by=\([^] ]*\).*/\1/p' "$f"); do
			[ -e "$root$k" ] || install -D -m 0644 "$k" "$root$k"
		done
	done
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	# Nothing installed in a root may start a service.
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	printf '%s\n' "$script" > "$root/root/fresh-script.sh"
	step "root $name: $root"
	# A private mount namespace and PID namespace: the mounts and every
	# process of the root end with it.
	unshare --mount --propagation private --pid --fork --kill-child -- \
		bash -euc '
		r=$1 cache=$2
		mount -t proc proc "$r/proc"
		mount -t sysfs -o ro sysfs "$r/sys"
		mount -t tmpfs -o mode=0755,nosuid tmpfs "$r/dev"
		for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
			IFS=: read -r d ma mi <<< "$n"
			mknod -m 0666 "$r/dev/$d" c "$ma" "$mi"
		done
		mkdir "$r/dev/pts" "$r/dev/shm"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
		ln -s pts/ptmx "$r/dev/ptmx"
		ln -s /proc/self/fd "$r/dev/fd"
		ln -s /proc/self/fd/0 "$r/dev/stdin"
		ln -s /proc/self/fd/1 "$r/dev/stdout"
		ln -s /proc/self/fd/2 "$r/dev/stderr"
		mount -t tmpfs tmpfs "$r/dev/shm"
		mount --bind "$cache" "$r/var/cache/apt/archives"
		exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${FRESH_ENV:-} bash /root/fresh-script.sh' \
		fresh "$root" "$CACHE/apt-archives" > "$LOGS/$name.log" 2>&1 &
	NS_PID=$!
	wait "$NS_PID"
	rc=$?
	NS_PID=
	sed -nE "s/^@@@ (not ok|ok) /\1 fresh($name): /p" "$LOGS/$name.log"
	[ $rc -eq 0 ] || echo "not ok fresh($name): the root's script exited $rc # see $LOGS/$name.log"
	mkdir -p "$LOGS/$name-build"
	cp -a "$root/root/xen-pvcalls/build/logs/." "$LOGS/$name-build/" 2>/dev/null || true
	if grep -qF " $root" /proc/self/mounts; then
		echo "not ok fresh($name): mounts left under $root (not removed)"
	else
		rm -rf --one-file-system "$root"
	fi
	ROOT=
}

# In a root: run NAME CMD... gives one result line ("@@@ ok NAME") for a
# command, with its time; all output goes to the root's log.
COMMON='
cd /root/xen-pvcalls
set -o pipefail
run() {
	local name=$1 t0=$(date +%s) rc
	shift
	echo "### $name"
	"$@" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "@@@ ok $name ($(($(date +%s) - t0)) s)"
	else
		echo "@@@ not ok $name # exit $rc after $(($(date +%s) - t0)) s"
	fi
	return $rc
}
'

DEMO_SCRIPT=$COMMON'
run "make demo" make demo || exit 1
run "make install" make install || exit 1
. testbed/lib.sh
kver=$(bed_kver "$(bed_find_kdir)")
run "installed modules found by modinfo ($kver)" \
	sh -c "modinfo -k $kver -n xen-pvcalls-front && modinfo -k $kver -n xen-pvcalls-back &&
	modinfo -k $kver -n pvcalls-loopback"
run "pvcalls-run on PATH is the installed one" \
	sh -c "[ \"\$(command -v pvcalls-run)\" = /usr/local/bin/pvcalls-run ]"
run "man page installed" test -s /usr/local/share/man/man1/pvcalls-run.1
cat > /tmp/family.c <<EOF
#include <pvcalls.h>
int main(void) { printf("family %d\n", pvcalls_family()); return 0; }
EOF
run "a program compiles against the installed <pvcalls.h>" \
	sh -c "cc -Wall -Werror -o /tmp/family /tmp/family.c && /tmp/family"
run "pvcalls-run host tests with the installed binary" \
	env PVCALLS_RUN=/usr/local/bin/pvcalls-run tools/pvcalls-run/test-host.sh
run "make uninstall" make uninstall
run "make uninstall removed them all" sh -c "! modinfo -k $kver xen-pvcalls-front &&
	! modinfo -k $kver xen-pvcalls-back && ! modinfo -k $kver pvcalls-loopback &&
	[ ! -e /usr/local/bin/pvcalls-run ] &&
	[ ! -e /usr/local/share/man/man1/pvcalls-run.1 ] &&
	[ ! -e /usr/local/include/pvcalls.h ]"
'

# (make check's own numbered result lines become result lines here too)
CHECK_SCRIPT=$COMMON'
run "make check" bash -o pipefail -c "CHECK_BED='"${FRESH_BED:-0}"' make check 2>&1 | tee /root/check.out"
sed -nE "s/^(not ok|ok) [0-9]+ /@@@ \1 make check: /p" /root/check.out
'

for r in ${FRESH_ROOTS:-demo check}; do
	case $r in
	demo)
		step "demo root: make demo, make install, the installed files, make uninstall"
		fresh_root demo "$DEMO_SCRIPT" > "$RES/10-demo.tap"
		cat "$RES/10-demo.tap" >&2 ;;
	check)
		step "check root: make check${FRESH_BED:+ (FRESH_BED=$FRESH_BED)}"
		fresh_root check "$CHECK_SCRIPT" > "$RES/20-check.tap"
		grep -E '^(not )?ok fresh\(check\): make check' "$RES/20-check.tap" >&2 ;;
	*)
		echo "not ok fresh: unknown root $r (FRESH_ROOTS: demo, check)" > "$RES/30-$r.tap" ;;
	esac
done
step "results"
exec testbed/report.sh "$RES"/*.tap
