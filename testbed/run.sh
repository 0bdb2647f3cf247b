#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boots the test bed (Xen + dom0 + PV guests under QEMU/TCG) for one
# scenario and turns what it printed into result lines.
#   testbed/run.sh [SCENARIO]      SCENARIO: suite (default), demo, ...
# Needs the modules built and the images made (testbed/mkimage.sh).
# Writes:
#   build/logs/SCENARIO/qemu.log   everything QEMU printed (the serial line)
#   build/logs/SCENARIO/*.txt      its sections: guest consoles, dom0 peers,
#                                  dom0's kernel log
#   build/results/bed-SCENARIO.tap result lines ("ok NAME", "not ok NAME # why")
# Environment: QEMU_TIMEOUT (s, whole boot), GUEST_TIMEOUT (s, each guest),
# SUITE (the selftests scenario of the suite guest: quick, the default, or
# suite for full-size transfers),
# ONLY=a,b (the suite guest runs only these selftests, for debugging;
# passed to dom0 as a:b, QEMU's -initrd list is comma-separated),
# GUEST_ARGS="k=v k=v" (more kernel arguments for the suite guest, or the
# one guest of another scenario, e.g. pvcalls_cycles=1000; no commas),
# BED_MAX_PAGE_ORDER=N (the backend's max_page_order in dom0; the bed's
# default is 9, see dom0-init.sh),
# BED_QUIET=1 to print nothing but the results.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bed_detect

SCENARIO=${1:-suite}
# (the suite guest: about 450 s in a quiet bed, 1 GiB each way and
# 10 000 connection cycles included; measured 5-30 times slower for
# those while two other QEMU beds shared the 2 cores)
GUEST_TIMEOUT=${GUEST_TIMEOUT:-2400}
# The suite guest, seven short guests of the bed (300 s each: hold,
# lifecycle, reboot twice, grants, upfront-vs-ours and more), the
# pvcalls-run guest, two notify-mitigation interop guests and the
# front-vs-upstream guest (420 s each), the upstream-back-eoifix guest
# (900 s), boot and end.
# BED_SLOW=N (make check-debug): the bed's own waits are N times longer.
BED_SLOW=${BED_SLOW:-1}
# Kernel arguments of a slow bed's dom0 and guests (lib.sh)
SLOW_KARGS=$(bed_slow_kargs "$BED_SLOW")
QEMU_TIMEOUT=${QEMU_TIMEOUT:-$((GUEST_TIMEOUT + BED_SLOW * (7 * 300 + 4 * 420 + 900 + 400)))}
LOGS=$BUILD/logs/$SCENARIO
RES=$BUILD/results/bed-$SCENARIO.tap
# BED_PARSE_ONLY=1: only re-read an existing qemu.log (harness debugging).
if [ "${BED_PARSE_ONLY:-0}" = 1 ]; then
	find "$LOGS" -name '*.txt' -delete
else
	rm -rf "$LOGS"
fi
mkdir -p "$LOGS" "$BUILD/results"
LOG=$LOGS/qemu.log
: > "$RES"

for f in xen vmlinuz dom0.cpio.gz; do
	[ -e "$BUILD/$f" ] || { echo "run.sh: $BUILD/$f missing: run testbed/mkimage.sh" >&2; exit 1; }
done

. "$TOP/testbed/tap.sh"
TAP_OUT=$RES
result() { tap_result "$@"; }	# result OK|FAIL name [reason]

# Live progress: dom0's "@@@ [Ns] ..." lines, its checks, and the guests'
# result lines as they come.
progress() {
	if [ "${BED_QUIET:-0}" = 1 ]; then
		cat > /dev/null
	else
		grep --line-buffered -E '^@@@ \[|^@@@ BED|^@@@ live [^:]*: (not )?ok ' |
			sed -u 's/\r$//; s/^@@@ /  bed: /' >&2 || true
	fi
}

t0=$(bed_now)
qemu_pid=
if [ "${BED_PARSE_ONLY:-0}" != 1 ]; then
cleanup() { [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true; }
trap cleanup EXIT

# Xen: serial console, dom0 memory fixed, no scrubbing (slow under TCG),
# no reboot on a crash (QEMU's -no-reboot makes a reboot exit QEMU).
# QEMU_MEMORY (MiB) and XEN_ARGS (more Xen options) are for make bench.
timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
	-accel tcg -cpu qemu64 -m "${QEMU_MEMORY:-2048}" -smp 2 -nographic \
	-no-reboot -nic none -kernel "$BUILD/xen" \
	-append "console=com1 dom0_mem=1024M,max:1024M bootscrub=0 ${XEN_ARGS:-}" \
	-initrd "$BUILD/vmlinuz console=hvc0 ${SLOW_KARGS:+$SLOW_KARGS pvcalls_kargs=${SLOW_KARGS// /:} }pvcalls_scenario=$SCENARIO pvcalls_guest_timeout=$GUEST_TIMEOUT pvcalls_suite=${SUITE:-quick} pvcalls_slow=$BED_SLOW${ONLY:+ pvcalls_only=${ONLY//,/:}}${GUEST_ARGS:+ pvcalls_gargs=${GUEST_ARGS// /:}}${BED_MAX_PAGE_ORDER:+ pvcalls_max_page_order=$BED_MAX_PAGE_ORDER},$BUILD/dom0.cpio.gz" \
	< /dev/null > "$LOG" 2>&1 &
qemu_pid=$!
tail -n +1 -F --pid="$qemu_pid" "$LOG" 2>/dev/null | progress &
tail_pid=$!

# QEMU exits when dom0 powers off; a Xen panic or a hang is cut short.
done_at=
while kill -0 "$qemu_pid" 2>/dev/null; do
	sleep 1
	if [ -z "$done_at" ] && grep -q '^@@@ DONE' "$LOG"; then
		done_at=$(bed_now)
	fi
	if [ -n "$done_at" ] && [ $(($(bed_now) - done_at)) -gt 30 ]; then
		echo "run.sh: QEMU still running 30 s after DONE, killing it" >&2
		kill "$qemu_pid" 2>/dev/null || true
	fi
	if grep -qE 'Panic on CPU|Manual reset required' "$LOG"; then
		sleep 2
		echo "run.sh: Xen panicked, killing QEMU" >&2
		kill "$qemu_pid" 2>/dev/null || true
	fi
done
wait "$qemu_pid" && rc=0 || rc=$?
qemu_pid=
wait "$tail_pid" 2>/dev/null || true
secs=$(($(bed_now) - t0))
echo "$secs" > "$LOGS/seconds"
fi
secs=$(cat "$LOGS/seconds")
rc=${rc:-0}

# Split the log into its sections, and take the result lines in the order
# they happened: dom0's own checks ("@@@ BED ok|not ok NAME"), and the TAP
# lines of each guest console and dom0 peer log ("ok N name").
tr -d '\r' < "$LOG" | awk -v dir="$LOGS" -v res="$RES.body" '
	function tap(prefix, line) {
		if (line !~ /^(not )?ok [0-9]+/)
			return
		sub(/ [0-9]+ *(- )?/, " " prefix ": ", line)
		print line > res
	}
	/^@@@ BEGIN / { sec = $3; name = (NF > 3 ? $4 : "")
			f = dir "/" sec (name != "" ? "-" name : "") ".txt"; next }
	/^@@@ END /   { f = ""; sec = ""; next }
	/^@@@ BED /   { sub(/^@@@ BED /, ""); print > (dir "/bed.txt")
			sub(/^ok /, "ok dom0: "); sub(/^not ok /, "not ok dom0: ")
			print > res; next }
	f != ""       { print > f
			if (sec == "guest-log") tap("guest(" name ")", $0)
			if (sec == "dom0-run") tap("dom0-peer(" name ")", $0) }
'
touch "$RES.body"

if grep -q '^@@@ DONE' "$LOG"; then
	result OK "bed $SCENARIO: boot and run completed (${secs}s)"
else
	result FAIL "bed $SCENARIO: boot and run completed" \
		"no DONE marker after ${secs}s, qemu exit $rc (see $LOG)"
fi
cat "$RES.body" >> "$RES"
rm -f "$RES.body"

# Kernel logs: no Oops, BUG, WARNING... (BED_BAD_LOG, lib.sh).
BAD=$BED_BAD_LOG
log_clean() {	# log_clean NAME FILE
	local bad
	if [ ! -s "$2" ]; then
		result FAIL "$1 kernel log clean" "no kernel log"
	elif bad=$(grep -E "$BAD" "$2" | head -n 1) && [ -n "$bad" ]; then
		result FAIL "$1 kernel log clean" "$bad"
	else
		result OK "$1 kernel log clean"
	fi
}
# Taint: only O (out-of-tree, 4096) and E (unsigned, 8192) are allowed.
taint_ok() {	# taint_ok NAME VALUE
	if [ -z "$2" ]; then
		result FAIL "$1 kernel not tainted (but O/E)" "no taint value"
	elif [ $(($2 & ~(4096 | 8192))) -eq 0 ]; then
		result OK "$1 kernel not tainted (but O/E)"
	else
		result FAIL "$1 kernel not tainted (but O/E)" "tainted=$2"
	fi
}
if grep -q '^@@@ DONE' "$LOG"; then
	log_clean dom0 "$LOGS/dom0-dmesg.txt"
	taint_ok dom0 "$(tr -d '\r' < "$LOG" | sed -n 's/^@@@ dom0 taint //p' | tail -n 1)"
else
	# dom0 never got to print its log: whatever reached the console.
	tr -d '\r' < "$LOG" | grep -E '^\[ *[0-9]+\.[0-9]+\]' > "$LOGS/dom0-console.txt" || true
	log_clean dom0 "$LOGS/dom0-console.txt"
fi
for f in "$LOGS"/guest-log-*.txt; do
	[ -e "$f" ] || continue
	g=${f##*/guest-log-}
	g=${g%.txt}
	# Kernel lines (timestamped) of the live console (loglevel=5: warnings
	# and worse) and of the dmesg dump the guest prints at its end.
	grep -E '^\[ *[0-9]+\.[0-9]+\]' "$f" > "$LOGS/guest-kernel-$g.txt" || true
	taint=$(sed -n 's/^@@@ guest taint //p' "$f" | tail -n 1)
	if grep -q '^@@@ guest kernel log' "$f"; then
		log_clean "guest($g)" "$LOGS/guest-kernel-$g.txt"
		taint_ok "guest($g)" "$taint"
	else
		# A guest that never got to its end (it stalled, and dom0 reported
		# that): only what its console showed live can be checked.
		if bad=$(grep -E "$BAD" "$LOGS/guest-kernel-$g.txt" | head -n 1) && [ -n "$bad" ]; then
			result FAIL "guest($g) kernel log clean" "$bad"
		else
			result OK "guest($g) kernel log clean # console only: the guest did not finish"
		fi
		tap_skip "guest($g) kernel not tainted (but O/E)" "the guest did not finish"
	fi
done
exit 0
