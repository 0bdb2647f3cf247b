# SPDX-License-Identifier: GPL-2.0
# Result lines of the test bed's shell scripts, written in one place.
# Sourced by the host scripts (bash: testbed/run.sh, loopback-vm.sh) and
# by the /init scripts of dom0, the guests and the loopback VM (busybox
# sh, from /bed/tap.sh).  POSIX sh; safe under bash's set -eu.
#
# A line is "ok NAME" or "not ok NAME # WHY", shaped by three settings:
#   TAP_NUMBER=1    numbered, "ok 3 NAME" (the guests and the loopback VM:
#                   the harness takes their lines by "ok N")
#   TAP_PREFIX=STR  written before every line (dom0: "@@@ BED ")
#   TAP_OUT=FILE    appended to FILE instead of printed
# The harness (testbed/run.sh, loopback-vm.sh, report.sh) reads exactly
# these forms: change them there too, or not at all.

tap_n=0
tap_result() {	# tap_result OK|FAIL NAME [WHY]
	tap_n=$((tap_n + 1))
	t_num=
	if [ "${TAP_NUMBER:-0}" = 1 ]; then
		t_num="$tap_n "
	fi
	if [ "$1" = OK ]; then
		t_line="ok $t_num$2"
	else
		t_line="not ok $t_num$2${3:+ # $3}"
	fi
	if [ -n "${TAP_OUT:-}" ]; then
		printf '%s\n' "${TAP_PREFIX:-}$t_line" >> "$TAP_OUT"
	else
		printf '%s\n' "${TAP_PREFIX:-}$t_line"
	fi
}
tap_ok() { tap_result OK "$@"; }		# tap_ok NAME
tap_fail() { tap_result FAIL "$@"; }		# tap_fail NAME [WHY]
tap_skip() { tap_result OK "$1 # SKIP $2"; }	# tap_skip NAME WHY

# expect [-r WHY-COMMAND] NAME -- COMMAND...: runs COMMAND (in a
# subshell: it cannot set the caller's variables) and prints ok NAME if
# it succeeds, else not ok NAME with the last line of its output as the
# reason, or with what WHY-COMMAND (a shell string, evaluated only on a
# failure) prints.  Returns COMMAND's status (under set -e: expect ...
# || true).
expect() {
	e_why=
	if [ "$1" = -r ]; then
		e_why=$2
		shift 2
	fi
	e_name=$1
	shift
	[ "${1:-}" = -- ] && shift
	if e_out=$("$@" 2>&1); then
		tap_ok "$e_name"
		return 0
	else
		e_rc=$?
	fi
	if [ -n "$e_why" ]; then
		tap_fail "$e_name" "$(eval "$e_why" 2>&1)"
	else
		tap_fail "$e_name" "$(printf '%s\n' "$e_out" | tail -n 1)"
	fi
	return $e_rc
}
