#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of the pvcalls-run test (busybox sh), with the frontend
# loaded and connected and test-dom0.sh running in dom0.  Unmodified
# programs, run under pvcalls-run, reach dom0's loopback:
#   busybox wget and nc (static), socat and curl (dynamic), iperf3 -c;
# serve dom0 (busybox httpd, iperf3 -s); keep their UDP and Unix sockets
# on the guest's own stack.  Then the launcher's own failure: without the
# frontend module it says so and exits non-zero.
# Every test through PV Calls also asserts that the frontend carried the
# data (/sys/kernel/debug/xen-pvcalls-front/stats: bytes_sent,
# bytes_received, commands grew by at least what the program moved).
# pvcalls-run is looked up next to this script, then in PATH.
# Prints TAP lines "ok N name" / "not ok N name # reason" and "# " notes.
# PVCALLS_RUN_WAIT: seconds to wait for dom0 (default 300).
# PVCALLS_RUN_IPERF_TIME: seconds of each iperf3 run (default 3).
# PVCALLS_RUN_BIG_KIB: size of dom0's big.bin (default 2048).
# PVCALLS_RUN: the launcher command, e.g. for a dry run of both halves on
# one Linux host: PVCALLS_RUN="pvcalls-run --substitute-family inet"
# (no frontend there: the counter checks and the unload test are left out).
# Every time limit is scaled by pvcalls_slow (test-lib.sh's slow()).

D=$(cd "$(dirname "$0")" && pwd)
PATH=$D:$PATH
. "$D/test-lib.sh"
WAIT=${PVCALLS_RUN_WAIT:-$(slow 300)}
SECS=${PVCALLS_RUN_IPERF_TIME:-3}
BIG=$((${PVCALLS_RUN_BIG_KIB:-2048} * 1024))
BB=busybox
RUN=${PVCALLS_RUN:-pvcalls-run}
DOM0=http://127.0.0.1:7501
T=/tmp/pvcalls-run-guest
FSTATS=/sys/kernel/debug/xen-pvcalls-front/stats
n=0
pass=0
fail=0
pids=""

tap() {	# tap 0|1 name [reason]; a note with the time since the start first
	n=$((n + 1))
	echo "# [$(($(now) - T0))s]"
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n $2"
	else
		fail=$((fail + 1))
		echo "not ok $n $2${3:+ # $3}"
	fi
}

# moved LOG: pvcalls-run -v logged at least one moved socket
moved() {
	grep -q "moved to family" "$1"
}

# The frontend's counters.  mark remembers them before a test; over_pv
# SENT RECEIVED then checks that the frontend sent and received at least
# that many bytes and processed commands since.  unused checks that it
# processed no command at all.  Both are true in a dry run (no frontend).
fstat() {
	$BB awk -v k="$1" '$1 == k { print $2 }' $FSTATS 2>/dev/null
}
mark() {
	s0=$(fstat bytes_sent)
	r0=$(fstat bytes_received)
	c0=$(fstat commands)
}
delta() {	# for reasons: what the frontend did since mark
	echo "frontend: sent +$(($(fstat bytes_sent) - s0))" \
		"received +$(($(fstat bytes_received) - r0))" \
		"commands +$(($(fstat commands) - c0))"
}
over_pv() {
	[ -r $FSTATS ] || return 0
	[ $(($(fstat bytes_sent) - s0)) -ge "$1" ] &&
		[ $(($(fstat bytes_received) - r0)) -ge "$2" ] &&
		[ "$(fstat commands)" -gt "$c0" ]
}
unused() {
	[ -r $FSTATS ] || return 0
	[ "$(fstat commands)" = "$c0" ]
}

get() {	# get URL FILE [LOG]: busybox wget under pvcalls-run, bounded
	$BB timeout $(slow 60) $RUN -v -- $BB wget -q -O "$2" "$1" 2>"${3:-/dev/null}"
}

trap stop EXIT
trap 'exit 1' INT TERM

T0=$(now)
rm -rf "$T"
mkdir -p "$T/www"
mkpage >"$T/www/page.html"
echo ready >"$T/www/ready"
PAGE_MD5=$(md5 <"$T/www/page.html")
PAGE_SIZE=$($BB wc -c <"$T/www/page.html")
cat >"$T/echo1" <<'EOF'
#!/bin/sh
read -r line
echo "echo:$line"
EOF
chmod +x "$T/echo1"

# 0. the tool and the frontend
FAM=$(cat /sys/module/xen_pvcalls_front/parameters/family 2>/dev/null)
if $RUN -v -- true 2>"$T/l0"; then
	tap 0 launcher-starts "family ${FAM:-none}"
else
	tap 1 launcher-starts "$(head -n 2 "$T/l0" | tr '\n' ' ')"
	echo "# pvcalls-run guest: $pass passed, $fail failed in $(($(now) - T0))s"
	exit 0
fi

# Without pvcalls-run nothing answers on the guest's own loopback.
if [ -z "$PVCALLS_RUN" ]; then
	if $BB timeout $(slow 10) $BB wget -q -O /dev/null "$DOM0/ready" 2>/dev/null; then
		tap 1 plain-socket-does-not-reach-dom0 "reached 7501 without PV Calls"
	else
		tap 0 plain-socket-does-not-reach-dom0
	fi
fi

# Wait (bounded) for dom0's servers.
end=$(($(now) + WAIT))
until get "$DOM0/ready" /dev/null; do
	if [ "$(now)" -ge $end ]; then
		tap 1 dom0-servers-up "nothing on 127.0.0.1:7501 after ${WAIT}s"
		echo "# pvcalls-run guest: $pass passed, $fail failed in $(($(now) - T0))s"
		exit 0
	fi
	sleep 1
done
tap 0 dom0-servers-up

# 1. clients of dom0's servers
mark
if get "$DOM0/page.html" "$T/page" "$T/l1" &&
	[ "$(md5 <"$T/page")" = "$PAGE_MD5" ] && moved "$T/l1" &&
	over_pv 1 "$PAGE_SIZE"; then
	tap 0 busybox-wget-static-md5
else
	tap 1 busybox-wget-static-md5 "$(tail -n 1 "$T/l1"); $(delta)"
fi

# busybox nc: dom0 -> guest (dom0's nc sends the page) ...
mark
if $BB timeout $(slow 60) $RUN -v -- $BB nc 127.0.0.1 7504 </dev/null \
	>"$T/ncpage" 2>"$T/l2" && [ "$(md5 <"$T/ncpage")" = "$PAGE_MD5" ] &&
	moved "$T/l2" && over_pv 0 "$PAGE_SIZE"; then
	tap 0 busybox-nc-static-from-dom0-md5
else
	tap 1 busybox-nc-static-from-dom0-md5 \
		"$($BB wc -c <"$T/ncpage") of $PAGE_SIZE bytes; $(delta)"
fi

# ... and guest -> dom0 (dom0's nc reads the page, answers its md5sum)
mark
out=$($BB timeout $(slow 60) $RUN -v -- $BB nc 127.0.0.1 7505 <"$T/www/page.html" \
	2>"$T/l3")
if [ "$out" = "$PAGE_MD5" ] && moved "$T/l3" && over_pv "$PAGE_SIZE" 32; then
	tap 0 busybox-nc-static-to-dom0-md5
else
	tap 1 busybox-nc-static-to-dom0-md5 "dom0 got md5 '$out'; $(delta)"
fi

if have socat; then
	# -t 30: wait that long for the answer after our end of input
	mark
	out=$(echo socat | $BB timeout $(slow 60) $RUN -v -- socat -t $(slow 30) - \
		TCP:127.0.0.1:7502 2>"$T/l4")
	if [ "$out" = "echo:socat" ] && moved "$T/l4" && over_pv 6 11; then
		tap 0 socat-dynamic
	else
		sed 's/^/# /' "$T/l4" | tail -n 5
		tap 1 socat-dynamic "got '$out'; $(delta)"
	fi
else
	tap 1 socat-dynamic "no socat in the guest"
fi

# curl is not in the bed's image (its libraries double the guest image):
# socat is the dynamic client there.  Run it where it is installed.
if have curl; then
	mark
	if $BB timeout $(slow 60) $RUN -v -- curl -sS -o "$T/cpage" "$DOM0/page.html" \
		2>"$T/l5" && [ "$(md5 <"$T/cpage")" = "$PAGE_MD5" ] &&
		moved "$T/l5" && over_pv 1 "$PAGE_SIZE"; then
		tap 0 curl-dynamic-md5
	else
		tap 1 curl-dynamic-md5 "$(tail -n 1 "$T/l5"); $(delta)"
	fi
fi

# selection mode: only dom0's httpd moves, at connect() time
if $BB timeout $(slow 60) $RUN -v --only 127.0.0.1:7501 -- $BB wget -q -O "$T/opage" \
	"$DOM0/page.html" 2>"$T/l6" && [ "$(md5 <"$T/opage")" = "$PAGE_MD5" ] &&
	grep -q "connect(.*moved" "$T/l6"; then
	tap 0 only-selects-at-connect
else
	tap 1 only-selects-at-connect "$(tail -n 1 "$T/l6")"
fi

# bulk through busybox wget
mark
start=$(now)
if $BB timeout $(slow 300) $RUN -- $BB wget -q -O "$T/big" "$DOM0/big.bin" &&
	[ "$($BB wc -c <"$T/big")" = $BIG ] && over_pv 1 $BIG; then
	echo "# pvcalls-run guest: wget $BIG bytes from dom0 in $(($(now) - start))s"
	tap 0 busybox-wget-big
else
	tap 1 busybox-wget-big "$($BB wc -c <"$T/big" 2>/dev/null) of $BIG bytes; $(delta)"
fi
rm -f "$T/big"

if have iperf3; then
	for dir in "" -R; do
		name=iperf3-client${dir:+-reverse}
		# at least 64 KiB went the way of the test's data
		if [ -z "$dir" ]; then want="65536 1"; else want="1 65536"; fi
		mark
		if $BB timeout $((SECS + $(slow 60))) $RUN -- iperf3 -4 -c 127.0.0.1 \
			-p 7503 -t "$SECS" $dir >"$T/l7" 2>&1 && over_pv $want; then
			rate=$($BB awk '/receiver/ { print $(NF - 2), $(NF - 1) }' "$T/l7")
			echo "# pvcalls-run guest: iperf3 -c dom0 ${dir:-(guest sends)}: $rate"
			tap 0 "$name"
		else
			sed 's/^/# /' "$T/l7" | tail -n 5
			tap 1 "$name" "$(delta)"
		fi
	done
else
	tap 1 iperf3-client "no iperf3 in the guest"
fi

# 2. what is not IPv4 TCP stays on the guest's own stack, untouched: a
#    Unix stream socket and UDP, each program under pvcalls-run.  The
#    frontend sees no command meanwhile.
if have socat; then
	$RUN -- socat UNIX-LISTEN:"$T/u.sock",fork EXEC:"$T/echo1" \
		2>"$T/l8" &
	upid=$!
	$RUN -- socat -u UDP4-RECV:9001,bind=127.0.0.1 \
		OPEN:"$T/udp.out",creat,append 2>"$T/l9" &
	dpid=$!
	pids="$pids $upid $dpid"
	end=$(($(now) + $(slow 30)))
	until [ -S "$T/u.sock" ] || [ "$(now)" -ge $end ]; do
		sleep 0.2
	done
	mark
	out=$(echo unix | $BB timeout $(slow 30) $RUN -v -- socat -t $(slow 20) - \
		UNIX-CONNECT:"$T/u.sock" 2>"$T/l10")
	if [ "$out" = "echo:unix" ] && ! moved "$T/l10" && unused; then
		tap 0 unix-socket-untouched
	else
		tap 1 unix-socket-untouched "got '$out'; $(tail -n 1 "$T/l10"); $(delta)"
	fi
	# UDP has no connection: send until the receiver has one datagram
	# (it may not have bound yet), bounded.
	mark
	end=$(($(now) + $(slow 30)))
	until grep -q '^udp$' "$T/udp.out" 2>/dev/null || [ "$(now)" -ge $end ]; do
		echo udp | $BB timeout $(slow 10) $RUN -v -- socat -u - \
			UDP4-SENDTO:127.0.0.1:9001 2>>"$T/l11"
		sleep 0.5
	done
	if grep -q '^udp$' "$T/udp.out" 2>/dev/null && ! moved "$T/l11" &&
		! moved "$T/l9" && unused; then
		tap 0 udp-socket-untouched
	else
		tap 1 udp-socket-untouched "$(tail -n 1 "$T/l11"); $(delta)"
	fi
	kill "$upid" "$dpid" 2>/dev/null
	wait "$upid" "$dpid" 2>/dev/null
else
	tap 1 unix-and-udp-untouched "no socat in the guest"
fi

# 3. servers for dom0's clients (bound to dom0's loopback via PV Calls)
mark
iperf=""
if have iperf3; then
	$BB timeout "$WAIT" $RUN -v --no-ipv6 -- iperf3 -s -1 -B 127.0.0.1 \
		-p 8501 >"$T/l12" 2>&1 &
	iperf=$!
fi
$RUN -v -- $BB httpd -f -p 127.0.0.1:8502 -h "$T/www" 2>"$T/l13" &
httpd=$!
pids="$pids $httpd"
echo "# pvcalls-run guest: servers up on 127.0.0.1:8501-8502, waiting for dom0"

# Wait (bounded) for dom0 to say it is done.
end=$(($(now) + WAIT))
until get "$DOM0/done" /dev/null; do
	[ "$(now)" -lt $end ] || break
	sleep 2
done
if [ "$(now)" -lt $end ]; then
	tap 0 dom0-done
else
	tap 1 dom0-done "no word from dom0 in ${WAIT}s"
fi

kill "$httpd" 2>/dev/null
wait "$httpd" 2>/dev/null
# dom0's wget fetched the page from this httpd: the frontend sent it
if moved "$T/l13" && over_pv "$PAGE_SIZE" 0; then
	tap 0 busybox-httpd-server
else
	tap 1 busybox-httpd-server "$(tail -n 1 "$T/l13"); $(delta)"
fi
if [ -n "$iperf" ]; then
	# dom0's iperf3 -c sent to this server: the frontend received it
	if wait "$iperf" && moved "$T/l12" && over_pv 1 65536; then
		tap 0 iperf3-server
	else
		sed 's/^/# /' "$T/l12" | tail -n 5
		tap 1 iperf3-server "$(delta)"
	fi
fi

if [ -r $FSTATS ]; then
	sed 's/^/# frontend stats: /' $FSTATS
fi

# 4. the launcher without the frontend module: a clear message, exit
#    status not 0.  The device is unbound first (the xenbus core holds
#    the module while a device is bound); the module may stay busy for a
#    moment while the last sockets close.
if [ -z "$PVCALLS_RUN" ] && [ -e /sys/module/xen_pvcalls_front ]; then
	echo pvcalls-0 >/sys/bus/xen/drivers/pvcalls/unbind 2>/dev/null
	end=$(($(now) + $(slow 30)))
	until rmmod xen_pvcalls_front 2>"$T/rmmod" || [ "$(now)" -ge $end ]; do
		sleep 1
	done
	$RUN -- true 2>"$T/l14"
	rc=$?
	if [ -e /sys/module/xen_pvcalls_front ]; then
		tap 1 launcher-without-frontend "rmmod: $(cat "$T/rmmod")"
	elif [ $rc != 0 ] && grep -q "frontend is not loaded" "$T/l14"; then
		sed 's/^/# /' "$T/l14"
		tap 0 launcher-without-frontend "exit $rc"
	else
		tap 1 launcher-without-frontend "exit $rc: $(head -n 1 "$T/l14")"
	fi
fi
echo "# pvcalls-run guest: $pass passed, $fail failed in $(($(now) - T0))s"
exit 0
