#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh check|fuzz SECONDS HARNESS...: runs each libFuzzer harness for
# SECONDS and prints one result line per harness, "ok N fuzz_NAME # figures"
# or "not ok N fuzz_NAME # the broken invariant".  "check" works on a
# throw-away copy of the seeds; "fuzz" keeps the corpus it grows in
# ../../build/fuzz/corpus/HARNESS (the committed seeds stay as they are).
set -uo pipefail
cd "$(dirname "$0")"
mode=$1 secs=$2
shift 2
out=../../build/fuzz
mkdir -p "$out/artifacts" "$out/logs"
n=0 fail=0
for h in "$@"; do
	n=$((n + 1))
	if [ "$mode" = fuzz ]; then
		corpus=$out/corpus/$h
	else
		corpus=$(mktemp -d)
	fi
	mkdir -p "$corpus"
	log=$out/logs/$h.log
	# -timeout: one input taking 10 s is a hang; the limit on memory is
	# far above what these harnesses need.
	timeout -k 10 $((secs + 120)) "./$h" -max_total_time="$secs" \
		-print_final_stats=1 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$out/artifacts/$h-" "$corpus" "seeds/$h" \
		> "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
	size=$(ls "$corpus" | wc -l)
	[ "$mode" = fuzz ] || rm -rf "$corpus"
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		echo "ok $n $h # ${execs} execs in ${secs}s (${rate}/s), ${cov:-cov: ?}, corpus $size, no findings"
	else
		why=$(grep -m1 -E 'invariant broken|ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log")
		echo "not ok $n $h # exit $rc: ${why:-see tests/fuzz/$log}"
		grep -E 'Test unit written|invariant broken' "$log" >&2
		fail=1
	fi
done
exit $fail
