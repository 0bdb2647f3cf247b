#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dom0 half of a scenario (busybox sh).  The bed starts this in the
# background before creating the guest; it exits by itself when the
# guest is done or after a bounded time.
#   run-dom0.sh suite   the dom0 peers of the selftest suite (control :7000)
#   run-dom0.sh demo    busybox httpd on 127.0.0.1:8080, then a dom0 client
#                       (wget) of the guest's server on 127.0.0.1:8001
#   run-dom0.sh pvcalls-run  the dom0 peers of tools/pvcalls-run/test-guest.sh
#                       (test-dom0.sh: httpd, nc -ll, iperf3 -s, clients)
# Options for the suite may come in PVCALLS_TEST_ARGS.
D=$(cd "$(dirname "$0")" && pwd)
SCENARIO=${1:-suite}
BB=busybox

case "$SCENARIO" in
suite | quick | data | upstream | grants | load)
	# (the guest sends the sizes: quick needs nothing else here)
	# shellcheck disable=SC2086
	exec "$D/pvcalls_test" --side dom0 --wait 600 $PVCALLS_TEST_ARGS
	;;
timeo)
	# one dom0 side per round of the guest's timeo scenario
	for i in $(seq 20); do
		# shellcheck disable=SC2086
		"$D/pvcalls_test" --side dom0 --wait 120 $PVCALLS_TEST_ARGS
	done
	;;
demo)
	WWW=/tmp/pvcalls-www
	mkdir -p "$WWW"
	{
		echo "<html><head><title>dom0 says hello</title></head><body>"
		echo "<h1>Hello from dom0</h1>"
		echo "<p>This page lives in dom0 and was fetched by a PV guest"
		echo "through a PV Calls socket: no network device involved.</p>"
		i=0
		while [ $i -lt 64 ]; do
			echo "<p>line $i: the quick brown fox jumps over the lazy dog</p>"
			i=$((i + 1))
		done
		echo "</body></html>"
	} > "$WWW/index.html"
	$BB httpd -f -p 127.0.0.1:8080 -h "$WWW" &
	httpd=$!
	echo "# dom0 demo: httpd on 127.0.0.1:8080 (pid $httpd), $(wc -c < "$WWW/index.html") byte page"
	# The guest fetches first, then serves on 8001: poll for it, bounded.
	ok=0
	i=0
	while [ $i -lt 240 ]; do
		# (busybox 1.35's wget -T crashes: bound it with timeout)
		if $BB timeout 20 $BB wget -q -O /tmp/pvcalls-guest-page \
			http://127.0.0.1:8001/ 2>/dev/null; then
			ok=1
			break
		fi
		sleep 1
		i=$((i + 1))
	done
	if [ $ok = 1 ]; then
		echo "# dom0 demo: wget http://127.0.0.1:8001/ (a server in the guest):" \
			"$(wc -c < /tmp/pvcalls-guest-page) bytes"
		sed 's/^/# dom0 demo:   | /' /tmp/pvcalls-guest-page
		echo "ok 1 demo_dom0_client_reaches_guest_server"
	else
		echo "not ok 1 demo_dom0_client_reaches_guest_server # no answer on 127.0.0.1:8001 in 240 s"
	fi
	sleep 2
	kill $httpd 2>/dev/null
	wait $httpd 2>/dev/null
	;;
pvcalls-run)
	exec "$D/test-dom0.sh"
	;;
*)
	echo "# run-dom0.sh: nothing to do for scenario '$SCENARIO'"
	;;
esac
exit 0
