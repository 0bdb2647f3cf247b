#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Server and client of pvbench on this host over loopback TCP (short
# figures): checks the program, not a transport.  Raw lines to stdout.
D=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-17900}
"$D/pvbench" server --port "$PORT" --max-seconds 300 &
srv=$!
sleep 0.5
timeout 280 "$D/pvbench" client --family inet --addr 127.0.0.1 --port "$PORT" \
	--transport host-loopback --side guest --seconds 0.3 --reps 3 \
	--sizes 64,1024,65536 --scale-n 200 --scale-max 2000
rc=$?
"$D/pvbench" quit --family inet --addr 127.0.0.1 --port "$PORT"
wait $srv 2>/dev/null
exit $rc
