# SPDX-License-Identifier: GPL-2.0
# The iperf3 cross-check of make bench, sourced by
# bench/dom0.sh and bench/guest.sh (busybox sh): iperf3 -c against dom0's
# iperf3 -s on port IPERF_PORT, its JSON summary turned into one
# "BENCH {json}" line per run in pvbench's shape (test iperf3-guest-to-dom0
# or iperf3-dom0-to-guest, metric throughput, Mbit/s = 10^6 bit/s of what
# the receiving end got), or a "BENCH-ERROR {json}" line.  Never fails.
# Knobs (knobs.env): BENCH_IPERF (1: run it), BENCH_IPERF_SECONDS (-t).
IPERF_PORT=7901
IPERF_LEN=131072	# iperf3's own default write size for TCP, made explicit
IPERF_SECS=${BENCH_IPERF_SECONDS:-5}
IPERF_FSTATS=/sys/kernel/debug/xen-pvcalls-front/stats

iperf3_note() {	# iperf3_note TRANSPORT TEXT
	echo "BENCH-NOTE {\"transport\":\"$1\",\"test\":\"iperf3\",\"note\":\"$2\"}"
}

# iperf3_line FILE TRANSPORT TEST REP VIA [EXTRA]: the BENCH line of one
# run from iperf3 -J output: the receiver's figure (sum_received) is the
# value; the sender's, TCP retransmits (unless VIA is pvcalls-run and the
# guest sends: a PV Calls socket has no TCP_INFO, so iperf3's count is
# not TCP's) and iperf3's CPU use of both ends go beside it, and EXTRA
# (more "key":value pairs).  iperf3 3.12 exits 0 even when it could not
# connect: a run without sum_received is an error, with iperf3's "error"
# text; an "error" beside a summary is kept as iperf3_error.
iperf3_line() {
	awk -v tr="$2" -v test="$3" -v rep="$4" -v via="$5" -v extra="${6:-}" \
	    -v len=$IPERF_LEN '
	function clean(s) { gsub(/["\\\t\r]/, "", s); return s }
	/"sum_sent"[ \t]*:/ { o = "s"; next }
	/"sum_received"[ \t]*:/ { o = "r"; next }
	/"cpu_utilization_percent"[ \t]*:/ { o = "c"; next }
	o != "" && /}/ { o = ""; next }
	o != "" && NF >= 2 { k = $1; gsub(/[":]/, "", k)
		v = $2; sub(/,$/, "", v); val[o "." k] = v; next }
	/^[ \t]*"error"[ \t]*:/ { e = $0; sub(/^[^:]*:[ \t]*/, "", e)
		sub(/,[ \t]*$/, "", e); if (err == "") err = clean(e); nerr++ }
	END {
		if (!("r.bits_per_second" in val)) {
			if (err == "")
				err = "no iperf3 summary (timed out or crashed?)"
			printf "BENCH-ERROR {\"transport\":\"%s\",\"test\":\"%s\"," \
			       "\"msg_size\":%d,\"what\":\"iperf3\",\"error\":\"%s\"}\n",
			       tr, test, len, err
			exit
		}
		printf "BENCH {\"transport\":\"%s\",\"test\":\"%s\"," \
		       "\"metric\":\"throughput\",\"msg_size\":%d,\"rep\":%d," \
		       "\"value\":%.6g,\"unit\":\"Mbit/s\",\"bytes\":%.0f," \
		       "\"secs\":%.6g,\"tool\":\"iperf3\",\"via\":\"%s\"",
		       tr, test, len, rep, val["r.bits_per_second"] / 1e6,
		       val["r.bytes"], val["r.seconds"], via
		if ("s.bits_per_second" in val)
			printf ",\"sender_mbit_s\":%.6g", val["s.bits_per_second"] / 1e6
		if ("s.retransmits" in val &&
		    !(via == "pvcalls-run" && test == "iperf3-guest-to-dom0"))
			printf ",\"retransmits\":%d", val["s.retransmits"]
		if ("c.host_total" in val)
			printf ",\"cpu_client_pct\":%.4g,\"cpu_server_pct\":%.4g",
			       val["c.host_total"], val["c.remote_total"]
		if (err != "")
			printf ",\"iperf3_error\":\"%s (%d times)\"", err, nerr
		if (extra != "")
			printf ",%s", extra
		printf "}\n"
	}' "$1"
}

iperf3_fstat() {	# iperf3_fstat NAME: a frontend counter (0 without)
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' \
		$IPERF_FSTATS 2>/dev/null || echo 0
}

# iperf3_run TRANSPORT ADDR REP VIA [LAUNCHER...]: both directions, once:
# the client sends (iperf3-guest-to-dom0; dom0's client for dom0-loopback
# is labelled the same way: client to server) and -R (the server sends).
# With VIA pvcalls-run (LAUNCHER: pvcalls-run -v --) the line also says
# how many sockets pvcalls-run moved (from its -v log) and how many bytes
# the frontend counted each way: a run that moved none is an error.
iperf3_run() {
	i_tr=$1 i_addr=$2 i_rep=$3 i_via=$4
	shift 4
	for i_dir in "" -R; do
		if [ -z "$i_dir" ]; then
			i_test=iperf3-guest-to-dom0
		else
			i_test=iperf3-dom0-to-guest
		fi
		echo "@@@ bench: $i_tr $i_test start $(cut -d' ' -f1 /proc/uptime)"
		i_s0=$(iperf3_fstat bytes_sent)
		i_r0=$(iperf3_fstat bytes_received)
		# shellcheck disable=SC2086
		timeout $((IPERF_SECS + 120)) "$@" iperf3 -4 -c "$i_addr" \
			-p $IPERF_PORT -t "$IPERF_SECS" -l $IPERF_LEN $i_dir -J \
			> /tmp/iperf3.json 2> /tmp/iperf3.err
		i_extra=
		if [ "$i_via" = pvcalls-run ]; then
			i_moved=$(grep -c "moved to family" /tmp/iperf3.err)
			i_extra="\"moved_sockets\":$i_moved"
			i_extra="$i_extra,\"front_bytes_sent\":$(($(iperf3_fstat bytes_sent) - i_s0))"
			i_extra="$i_extra,\"front_bytes_received\":$(($(iperf3_fstat bytes_received) - i_r0))"
		fi
		if [ "$i_via" = pvcalls-run ] && [ "$i_moved" = 0 ]; then
			echo "BENCH-ERROR {\"transport\":\"$i_tr\",\"test\":\"$i_test\",\"msg_size\":$IPERF_LEN,\"what\":\"pvcalls-run\",\"error\":\"moved no socket: not measured over PV Calls\"}"
		else
			iperf3_line /tmp/iperf3.json "$i_tr" "$i_test" "$i_rep" \
				"$i_via" "$i_extra"
		fi
		grep -v "moved to family" /tmp/iperf3.err | head -n 5 |
			sed 's/^/# iperf3 stderr: /'
		echo "@@@ bench: $i_tr $i_test end $(cut -d' ' -f1 /proc/uptime)"
	done
}
