#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Events per MiB and throughput of the bulk transfer tests, per guest of a
# bed run, from the "# events NAME: ..." and "# NAME: T s" lines the guest
# runner prints (frontend counters: events sent plus received on the
# socket's data ring, both directions of the stream).  Compares the suite
# guest (notify-mitigation on) with the interop guests (one side v1).
#   testbed/nm-report.sh [LOGDIR]   (default build/logs/suite)
. "$(dirname "$0")/lib.sh"
DIR=${1:-$BUILD/logs/suite}
printf '%-12s %-34s %9s %9s %9s %10s %8s\n' guest test MiB ev_sent ev_recv events/MiB Mbit/s
for f in "$DIR"/guest-log-*.txt; do
	[ -e "$f" ] || continue
	g=${f##*/guest-log-}
	g=${g%.txt}
	tr -d '\r' < "$f" | awk -v g="$g" '
		/^# xfer_[a-z0-9_]+: [0-9.]+ s$/ { t = $2; sub(/:$/, "", t); secs[t] = $3 }
		/^# events xfer_/ {
			t = $3; sub(/:$/, "", t)
			for (i = 4; i < NF; i += 2) v[$i] = $(i + 1)
			b = (t ~ /guest_to_dom0/) ? v["bytes_sent"] : v["bytes_received"]
			if (b <= 0)
				next
			mib = b / 1048576
			ev = v["data_events_sent"] + v["data_events_received"]
			mbit = secs[t] > 0 ? b * 8 / secs[t] / 1e6 : 0
			printf "%-12s %-34s %9.2f %9d %9d %10.1f %8.2f\n", g, t, mib,
				v["data_events_sent"], v["data_events_received"],
				ev / mib, mbit
		}'
done
