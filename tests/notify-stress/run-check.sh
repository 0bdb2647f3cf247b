#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the TSan and the plain build, one TAP stream, one summary line.
# TSan findings make the TSan run exit non-zero (halt_on_error).
BYTES=${1:-1048576} RING=${2:-32} TIMEOUT=${3:-10}
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0 failed=0
echo "TAP version 13"
for bin in ./notify-stress-tsan ./notify-stress; do
	timeout 600 "$bin" -n "$BYTES" -s "$RING" -t "$TIMEOUT" >"$out" 2>&1
	rc=$?
	tag=${bin#./}
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			st=${line%% [0-9]*}
			rest=${line#"$st" [0-9]* }
			[ "$st" = "not ok" ] && failed=$((failed + 1))
			echo "$st $n $tag: $rest" ;;
		"#"*) echo "$line" ;;
		"TAP"*|"1.."*|*" passed, "*) ;;
		*) echo "# $line" ;;
		esac
	done <"$out"
	n=$((n + 1))
	if [ $rc = 0 ]; then
		echo "ok $n $tag: exit status 0"
	else
		failed=$((failed + 1))
		echo "not ok $n $tag: exit status $rc"
	fi
done
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ $failed = 0 ]
