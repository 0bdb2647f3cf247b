#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dom0 half of the pvcalls-run test (busybox sh).  Start it in dom0
# before the guest runs test-guest.sh.  It
#   1. serves on dom0's loopback, for the guest's clients:
#        127.0.0.1:7501  busybox httpd (page.html, big.bin, ready)
#        127.0.0.1:7502  line echo: answers "echo:LINE" and closes
#        127.0.0.1:7503  iperf3 -s
#   2. waits (bounded) until the guest's servers are up, then as a
#      client of them (through dom0's loopback, where the backend
#      listens for the guest):
#        127.0.0.1:8502  busybox httpd in the guest, under pvcalls-run
#        127.0.0.1:8501  iperf3 -s -1 in the guest, under pvcalls-run
#   3. tells the guest it is done (creates "done" for its httpd), waits
#      until the guest has stopped its servers, stops its own and exits.
# Prints TAP lines "ok N name" / "not ok N name # reason" and "# " notes.
# PVCALLS_RUN_WAIT: seconds to wait for the guest (default 300).
# PVCALLS_RUN_IPERF_TIME: seconds of each iperf3 run (default 3).

WAIT=${PVCALLS_RUN_WAIT:-300}
SECS=${PVCALLS_RUN_IPERF_TIME:-3}
BB=busybox
WWW=/tmp/pvcalls-run-dom0
n=0
pids=""

tap() {	# tap 0|1 name [reason]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n pvcalls-run-dom0-$2"
	else
		echo "not ok $n pvcalls-run-dom0-$2${3:+ # $3}"
	fi
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# The same page as test-guest.sh generates, to compare checksums.
mkpage() {
	i=0
	while [ $i -lt 2000 ]; do
		echo "line $i of the PV Calls page: the quick brown fox jumps over the lazy dog"
		i=$((i + 1))
	done
}

stop() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap stop EXIT

mkdir -p "$WWW"
mkpage >"$WWW/page.html"
echo ready >"$WWW/ready"
$BB dd if=/dev/zero of="$WWW/big.bin" bs=1024 count=8192 2>/dev/null

# 1. servers for the guest's clients, loopback only
$BB httpd -f -p 127.0.0.1:7501 -h "$WWW" &
pids="$pids $!"
cat >/tmp/pvcalls-run-echo1 <<'EOF'
#!/bin/sh
read -r line
echo "echo:$line"
EOF
chmod +x /tmp/pvcalls-run-echo1
if have socat; then
	socat TCP-LISTEN:7502,bind=127.0.0.1,reuseaddr,fork \
		EXEC:/tmp/pvcalls-run-echo1 &
	pids="$pids $!"
else
	# busybox nc cannot bind to an address; dom0 has only lo here
	$BB nc -ll -p 7502 -e /tmp/pvcalls-run-echo1 &
	pids="$pids $!"
fi
if have iperf3; then
	iperf3 -s -B 127.0.0.1 -p 7503 >/tmp/pvcalls-run-iperf3-s.log 2>&1 &
	pids="$pids $!"
fi
echo "# pvcalls-run dom0: servers up on 127.0.0.1:7501-7503"

# 2. wait for the guest's servers, then be their client
up=0
t=0
while [ $t -lt "$WAIT" ]; do
	if $BB timeout 10 $BB wget -q -O /tmp/pvcalls-run-gready \
		http://127.0.0.1:8502/ready 2>/dev/null; then
		up=1
		break
	fi
	sleep 1
	t=$((t + 1))
done
if [ $up = 0 ]; then
	tap 1 guest-servers-up "nothing on 127.0.0.1:8502 after ${WAIT}s"
	exit 0
fi
tap 0 guest-servers-up

rm -f /tmp/pvcalls-run-gpage
if $BB timeout 60 $BB wget -q -O /tmp/pvcalls-run-gpage \
	http://127.0.0.1:8502/page.html 2>/tmp/pvcalls-run-gpage.err &&
	[ "$(mkpage | $BB md5sum | cut -d' ' -f1)" = \
	  "$($BB md5sum </tmp/pvcalls-run-gpage | cut -d' ' -f1)" ]; then
	tap 0 wget-guest-busybox-httpd
else
	sed 's/^/# wget: /' /tmp/pvcalls-run-gpage.err
	got=$($BB wc -c </tmp/pvcalls-run-gpage 2>/dev/null)
	raw=$(printf 'GET /page.html HTTP/1.0\r\n\r\n' |
		$BB timeout 60 $BB nc 127.0.0.1 8502 | $BB wc -c)
	tap 1 wget-guest-busybox-httpd \
		"got ${got:-no} bytes of $(mkpage | $BB wc -c); raw GET: $raw bytes"
fi

if have iperf3; then
	if $BB timeout $((SECS + 60)) iperf3 -4 -c 127.0.0.1 -p 8501 -t "$SECS" \
		>/tmp/pvcalls-run-iperf3-c.log 2>&1; then
		rate=$($BB awk '/receiver/ { print $(NF - 2), $(NF - 1) }' \
			/tmp/pvcalls-run-iperf3-c.log)
		echo "# pvcalls-run dom0: iperf3 dom0 -> guest server: $rate"
		tap 0 iperf3-client-of-guest-server
	else
		sed 's/^/# /' /tmp/pvcalls-run-iperf3-c.log
		tap 1 iperf3-client-of-guest-server "iperf3 -c failed"
	fi
else
	n=$((n + 1))
	echo "ok $n pvcalls-run-dom0-iperf3-client-of-guest-server # SKIP no iperf3"
fi

# 3. tell the guest we are done (it polls for this file), then wait
#    until it has stopped its httpd, so ours stays up while it looks
echo done >"$WWW/done"
i=0
while [ $i -lt 60 ] && $BB timeout 10 $BB wget -q -O /dev/null \
	http://127.0.0.1:8502/ready 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
exit 0
