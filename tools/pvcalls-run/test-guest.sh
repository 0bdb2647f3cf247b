#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of the pvcalls-run test (busybox sh), with the frontend
# loaded and connected and test-dom0.sh running in dom0.  Unmodified
# programs, run under pvcalls-run, reach dom0's loopback:
#   busybox wget, busybox nc (static), curl, socat (dynamic), iperf3 -c
# and serve dom0 (busybox httpd, iperf3 -s), then wait for dom0's "done".
# pvcalls-run is looked up next to this script, then in PATH.
# Prints TAP lines "ok N name" / "not ok N name # reason" and "# " notes.
# PVCALLS_RUN_WAIT: seconds to wait for dom0 (default 300).
# PVCALLS_RUN_IPERF_TIME: seconds of each iperf3 run (default 3).

D=$(cd "$(dirname "$0")" && pwd)
PATH=$D:$PATH
WAIT=${PVCALLS_RUN_WAIT:-300}
SECS=${PVCALLS_RUN_IPERF_TIME:-3}
BB=busybox
# PVCALLS_RUN overrides the launcher, e.g. for a dry run of both halves
# on one Linux host: PVCALLS_RUN="pvcalls-run --substitute-family inet".
RUN=${PVCALLS_RUN:-pvcalls-run}
DOM0=http://127.0.0.1:7501
T=/tmp/pvcalls-run-guest
n=0
pass=0
fail=0
pids=""

tap() {	# tap 0|1 name [reason]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n pvcalls-run-guest-$2"
	else
		fail=$((fail + 1))
		echo "not ok $n pvcalls-run-guest-$2${3:+ # $3}"
	fi
}

skip() {
	n=$((n + 1))
	pass=$((pass + 1))
	echo "ok $n pvcalls-run-guest-$1 # SKIP $2"
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# The same page as test-dom0.sh serves.
mkpage() {
	i=0
	while [ $i -lt 2000 ]; do
		echo "line $i of the PV Calls page: the quick brown fox jumps over the lazy dog"
		i=$((i + 1))
	done
}

md5() {
	$BB md5sum | cut -d' ' -f1
}

# moved LOG: pvcalls-run -v logged at least one moved socket
moved() {
	grep -q "moved to family" "$1"
}

stop() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap stop EXIT

mkdir -p "$T/www"
PAGE_MD5=$(mkpage | md5)

# 0. the tool and the frontend
FAM=$(cat /sys/module/xen_pvcalls_front/parameters/family 2>/dev/null)
FAM=${FAM:-none}
if $RUN -v -- true 2>"$T/l0"; then
	tap 0 starts "family $FAM"
else
	tap 1 starts "$(head -n 2 "$T/l0" | tr '\n' ' ')"
	echo "# pvcalls-run guest: $pass passed, $fail failed"
	exit 0
fi

# Without pvcalls-run nothing listens on the guest's own loopback.
if [ -n "$PVCALLS_RUN" ]; then
	skip plain-socket-does-not-reach-dom0 "dry run on one host"
elif $BB timeout 10 $BB wget -q -O /dev/null "$DOM0/ready" 2>/dev/null; then
	tap 1 plain-socket-does-not-reach-dom0 "reached 7501 without PV Calls"
else
	tap 0 plain-socket-does-not-reach-dom0
fi

# Wait (bounded) for dom0's servers.
t=0
while [ $t -lt "$WAIT" ]; do
	$BB timeout 10 $RUN -- $BB wget -q -O /dev/null "$DOM0/ready" \
		2>/dev/null && break
	sleep 1
	t=$((t + 1))
done
[ $t -lt "$WAIT" ] && tap 0 dom0-servers-up ||
	tap 1 dom0-servers-up "nothing on 127.0.0.1:7501 after ${WAIT}s"

# 1. clients of dom0's servers
if $BB timeout 60 $RUN -v -- $BB wget -q -O "$T/page" "$DOM0/page.html" \
	2>"$T/l1" && [ "$(md5 <"$T/page")" = "$PAGE_MD5" ] && moved "$T/l1"; then
	tap 0 busybox-wget-static
else
	tap 1 busybox-wget-static "$(tail -n 1 "$T/l1")"
fi

out=$(echo hello | $BB timeout 30 $RUN -v -- $BB nc 127.0.0.1 7502 2>"$T/l2")
if [ "$out" = "echo:hello" ] && moved "$T/l2"; then
	tap 0 busybox-nc-static
else
	tap 1 busybox-nc-static "got '$out'"
fi

if have curl; then
	if $BB timeout 60 $RUN -v -- curl -sS -o "$T/cpage" "$DOM0/page.html" \
		2>"$T/l3" && [ "$(md5 <"$T/cpage")" = "$PAGE_MD5" ] &&
		moved "$T/l3"; then
		tap 0 curl-dynamic
	else
		tap 1 curl-dynamic "$(tail -n 1 "$T/l3")"
	fi
else
	skip curl-dynamic "no curl in the guest"
fi

if have socat; then
	# -t 30: wait that long for the answer after our end of input
	out=$(echo socat | $BB timeout 60 $RUN -v -- socat -t 30 - \
		TCP:127.0.0.1:7502 2>"$T/l4")
	if [ "$out" = "echo:socat" ] && moved "$T/l4"; then
		tap 0 socat-dynamic
	else
		sed 's/^/# /' "$T/l4" | tail -n 5
		tap 1 socat-dynamic "got '$out'"
	fi
else
	skip socat-dynamic "no socat in the guest"
fi

# selection mode: only dom0's httpd moves, at connect() time
if $BB timeout 60 $RUN -v --only 127.0.0.1:7501 -- $BB wget -q -O "$T/opage" \
	"$DOM0/page.html" 2>"$T/l5" && [ "$(md5 <"$T/opage")" = "$PAGE_MD5" ] &&
	grep -q "connect(.*moved" "$T/l5"; then
	tap 0 only-selects-at-connect
else
	tap 1 only-selects-at-connect "$(tail -n 1 "$T/l5")"
fi

# bulk: 8 MiB through busybox wget
start=$(date +%s)
if $BB timeout 300 $RUN -- $BB wget -q -O "$T/big" "$DOM0/big.bin" &&
	[ "$($BB wc -c <"$T/big")" = 8388608 ]; then
	secs=$(($(date +%s) - start))
	echo "# pvcalls-run guest: wget 8 MiB from dom0 in ${secs}s"
	tap 0 busybox-wget-8MiB
else
	tap 1 busybox-wget-8MiB
fi
rm -f "$T/big"

if have iperf3; then
	for dir in "" -R; do
		name=iperf3-client${dir:+-reverse}
		if $BB timeout $((SECS + 60)) $RUN -- iperf3 -4 -c 127.0.0.1 \
			-p 7503 -t "$SECS" $dir >"$T/l6" 2>&1; then
			rate=$($BB awk '/receiver/ { print $(NF - 2), $(NF - 1) }' "$T/l6")
			echo "# pvcalls-run guest: iperf3 -c dom0 ${dir:-(guest sends)}: $rate"
			tap 0 "$name"
		else
			sed 's/^/# /' "$T/l6" | tail -n 5
			tap 1 "$name"
		fi
	done
else
	skip iperf3-client "no iperf3 in the guest"
	skip iperf3-client-reverse "no iperf3 in the guest"
fi

# 2. servers for dom0's clients (bound to dom0's loopback via PV Calls)
mkpage >"$T/www/page.html"
echo ready >"$T/www/ready"
iperf=""
if have iperf3; then
	$BB timeout "$WAIT" $RUN -v --no-ipv6 -- iperf3 -s -1 -B 127.0.0.1 \
		-p 8501 >"$T/l7" 2>&1 &
	iperf=$!
fi
$RUN -v -- $BB httpd -f -p 127.0.0.1:8502 -h "$T/www" 2>"$T/l8" &
httpd=$!
pids="$pids $httpd"
echo "# pvcalls-run guest: servers up on 127.0.0.1:8501-8502, waiting for dom0"

# Wait (bounded) for dom0 to say it is done.
t=0
while [ $t -lt "$WAIT" ]; do
	$BB timeout 10 $RUN -- $BB wget -q -O /dev/null "$DOM0/done" \
		2>/dev/null && break
	sleep 2
	t=$((t + 2))
done
[ $t -lt "$WAIT" ] && tap 0 dom0-done || tap 1 dom0-done "no word from dom0"

kill "$httpd" 2>/dev/null
wait "$httpd" 2>/dev/null
if moved "$T/l8"; then
	tap 0 busybox-httpd-server
else
	tap 1 busybox-httpd-server "$(tail -n 1 "$T/l8")"
fi
if [ -n "$iperf" ]; then
	if wait "$iperf" && moved "$T/l7"; then
		tap 0 iperf3-server
	else
		sed 's/^/# /' "$T/l7" | tail -n 5
		tap 1 iperf3-server
	fi
else
	skip iperf3-server "no iperf3 in the guest"
fi

if [ -r /sys/kernel/debug/xen-pvcalls-front/stats ]; then
	sed 's/^/# frontend stats: /' /sys/kernel/debug/xen-pvcalls-front/stats
fi
echo "# pvcalls-run guest: $pass passed, $fail failed"
exit 0
