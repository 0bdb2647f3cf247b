#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dom0 half of the pvcalls-run test (busybox sh).  The test bed starts it
# in dom0 (selftests/run-dom0.sh pvcalls-run) before it creates the guest
# that runs test-guest.sh.  It
#   1. serves on dom0's loopback, for the guest's clients:
#        127.0.0.1:7501  busybox httpd (page.html, big.bin, ready, done)
#        :7502           busybox nc -ll: answers "echo:LINE" to a line
#        :7503           iperf3 -s
#        :7504           busybox nc -ll: sends page.html
#        :7505           busybox nc -ll: reads page.html's size of bytes,
#                        answers their md5sum
#   2. waits (bounded) until the guest's servers are up, then is their
#      client (through dom0's loopback, where the backend listens for the
#      guest; dom0 has no other way into the guest):
#        127.0.0.1:8502  busybox httpd in the guest, under pvcalls-run
#        127.0.0.1:8501  iperf3 -s -1 in the guest, under pvcalls-run
#      Each client test also asserts that the backend processed commands
#      meanwhile (/sys/kernel/debug/xen-pvcalls-back/stats "commands").
#   3. tells the guest it is done (creates "done" for its wget), waits
#      (bounded) until the guest has stopped its servers, stops its own.
# Prints TAP lines "ok N name" / "not ok N name # reason" and "# " notes.
# PVCALLS_RUN_WAIT: seconds to wait for the guest (default 300).
# PVCALLS_RUN_IPERF_TIME: seconds of each iperf3 run (default 3).
# PVCALLS_RUN_BIG_KIB: size of big.bin (default 2048).

D=$(cd "$(dirname "$0")" && pwd)
. "$D/test-lib.sh"
WAIT=${PVCALLS_RUN_WAIT:-$(slow 300)}
SECS=${PVCALLS_RUN_IPERF_TIME:-3}
BIG_KIB=${PVCALLS_RUN_BIG_KIB:-2048}
BB=busybox
WWW=/tmp/pvcalls-run-dom0
T=/tmp/pvcalls-run-dom0.tmp
BSTATS=/sys/kernel/debug/xen-pvcalls-back/stats
n=0
pids=""

tap() {	# tap 0|1 name [reason]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ # $3}"
	fi
}

# The backend's command counter (0 in a dry run without the backend).
bcommands() {
	$BB awk '$1 == "commands" { print $2 }' $BSTATS 2>/dev/null || echo 0
}

# backend_worked BEFORE: the backend processed commands since BEFORE
# (always true in a dry run on one host, which has no backend)
backend_worked() {
	[ -r $BSTATS ] || return 0
	[ "$(bcommands)" -gt "$1" ]
}

get() {	# get URL FILE: busybox wget, bounded (its -T crashes in 1.35)
	$BB timeout $(slow 60) $BB wget -q -O "$2" "$1" 2>"$T/wget.err"
}

trap stop EXIT
# The bed stops this script only when the guest is gone before dom0 was
# done with it.
trap 'tap 1 finished "stopped before the guest was done"; exit 1' INT TERM

rm -rf "$WWW" "$T"
mkdir -p "$WWW" "$T"
mkpage >"$WWW/page.html"
PAGE_MD5=$(md5 <"$WWW/page.html")
PAGE_SIZE=$($BB wc -c <"$WWW/page.html")
echo ready >"$WWW/ready"
$BB dd if=/dev/zero of="$WWW/big.bin" bs=1024 count="$BIG_KIB" 2>/dev/null
B0=$(bcommands)

# 1. servers for the guest's clients.  busybox nc -ll forks a child per
#    connection and runs the script with the connection as its stdio.
cat >"$T/echo1" <<'EOF'
#!/bin/sh
read -r line
echo "echo:$line"
EOF
cat >"$T/sendpage" <<EOF
#!/bin/sh
exec cat "$WWW/page.html"
EOF
# No FIN comes from a PV Calls v1 client (no shutdown command): read
# exactly the page's size, bounded.
cat >"$T/recvpage" <<EOF
#!/bin/sh
$BB timeout $(slow 60) $BB head -c $PAGE_SIZE | $BB md5sum | cut -d' ' -f1
EOF
chmod +x "$T/echo1" "$T/sendpage" "$T/recvpage"

$BB httpd -f -p 127.0.0.1:7501 -h "$WWW" &
pids="$pids $!"
$BB nc -ll -p 7502 -e "$T/echo1" &
pids="$pids $!"
if have iperf3; then
	iperf3 -s -B 127.0.0.1 -p 7503 >"$T/iperf3-s.log" 2>&1 &
	pids="$pids $!"
fi
$BB nc -ll -p 7504 -e "$T/sendpage" &
pids="$pids $!"
$BB nc -ll -p 7505 -e "$T/recvpage" &
pids="$pids $!"
echo "# pvcalls-run dom0: servers up on 127.0.0.1:7501-7505," \
	"page $PAGE_SIZE bytes, md5 $PAGE_MD5"

# 2. wait (bounded) for the guest's servers, then be their client
end=$(($(now) + WAIT))
until get http://127.0.0.1:8502/ready "$T/gready"; do
	if [ "$(now)" -ge $end ]; then
		tap 1 guest-servers-up "nothing on 127.0.0.1:8502 after ${WAIT}s"
		exit 0
	fi
	sleep 1
done
tap 0 guest-servers-up

b=$(bcommands)
rm -f "$T/gpage"
if get http://127.0.0.1:8502/page.html "$T/gpage" &&
	[ "$(md5 <"$T/gpage")" = "$PAGE_MD5" ] && backend_worked "$b"; then
	tap 0 wget-of-guest-busybox-httpd
else
	sed 's/^/# wget: /' "$T/wget.err"
	tap 1 wget-of-guest-busybox-httpd "got $($BB wc -c <"$T/gpage" 2>/dev/null ||
		echo no) bytes of $PAGE_SIZE, backend commands $b -> $(bcommands)"
fi

if have iperf3; then
	b=$(bcommands)
	if $BB timeout $((SECS + $(slow 60))) iperf3 -4 -c 127.0.0.1 -p 8501 -t "$SECS" \
		>"$T/iperf3-c.log" 2>&1 && backend_worked "$b"; then
		rate=$($BB awk '/receiver/ { print $(NF - 2), $(NF - 1) }' \
			"$T/iperf3-c.log")
		echo "# pvcalls-run dom0: iperf3 -c of the guest's iperf3 -s: $rate"
		tap 0 iperf3-client-of-guest-server
	else
		sed 's/^/# iperf3: /' "$T/iperf3-c.log" | tail -n 5
		tap 1 iperf3-client-of-guest-server \
			"backend commands $b -> $(bcommands)"
	fi
else
	tap 1 iperf3-client-of-guest-server "no iperf3 in dom0"
fi

if [ -r $BSTATS ]; then
	if [ "$(bcommands)" -gt "$B0" ]; then
		tap 0 backend-carried-the-guest-programs "commands $B0 -> $(bcommands)"
	else
		tap 1 backend-carried-the-guest-programs "commands $B0 -> $(bcommands)"
	fi
	sed 's/^/# backend stats: /' $BSTATS
fi

# 3. tell the guest we are done (it polls for this file), then wait
#    until it has stopped its httpd, so ours stays up while it looks
echo done >"$WWW/done"
end=$(($(now) + 60))
while [ "$(now)" -lt $end ] && get http://127.0.0.1:8502/ready /dev/null; do
	sleep 1
done
exit 0
