#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of pvcalls-run, without Xen: the test mode
# --substitute-family inet moves sockets to plain AF_INET sockets marked
# with priority 5, so interception, fd passing, flags, threads, children,
# static and dynamic programs and selection are all exercised for real.
# Servers listen on 127.0.0.1 only.  Prints TAP lines and a summary.
#
# Needs: busybox (static); uses curl, socat, iperf3 and Go (golang-go,
# to build a static Go program) when installed, and skips what is missing.
# PORT_BASE (default 27100) picks the ports, 30 of them: below Linux's
# ephemeral range (32768-60999), where any outgoing connection of the host
# could hold one of them (iperf3-client once failed so, "Address already
# in use", while a benchmark made thousands of connections).

cd "$(dirname "$0")" || exit 1
make -s all || { echo "not ok 1 build"; echo "0 passed, 1 failed"; exit 1; }

# PVCALLS_RUN=PATH tests that binary (an installed one) instead of the
# one built here.
BIN=${PVCALLS_RUN:-$PWD/pvcalls-run}
RUN="$BIN --substitute-family inet"
PROBE="$PWD/tests/probe"
P=${PORT_BASE:-27100}
T=$(mktemp -d /tmp/pvcalls-run-test.XXXXXX)
. ../../testbed/tap.sh
TAP_NUMBER=1
PASS=0
FAIL=0
PIDS=()

cleanup() {
	local p

	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

result() {	# result STATUS NAME [REASON]
	if [ "$1" = 0 ]; then
		PASS=$((PASS + 1))
		tap_ok "$2"
	else
		FAIL=$((FAIL + 1))
		tap_fail "$2" "${3:-}"
	fi
}

skip() {	# skip NAME WHY
	PASS=$((PASS + 1))
	tap_skip "$1" "$2"
}

# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	local name=$1

	shift
	if "$@" >"$T/out" 2>&1; then
		result 0 "$name"
	else
		result 1 "$name" "$(tr '\n' ' ' <"$T/out" | cut -c1-200)"
	fi
}

# has OUTPUT LINE...: every LINE occurs in OUTPUT
has() {
	local out=$1 l

	shift
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || { echo "missing: $l"; echo "$out"; return 1; }
	done
}

listening() {	# listening PORT: waits until something listens there
	local hex i

	hex=$(printf '%04X' "$1")
	for i in $(seq 50); do
		awk -v h=":$hex" '$2 ~ h"$" && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/tcp && return 0
		sleep 0.1
	done
	return 1
}

bg() {	# bg COMMAND...: starts a server, remembers it
	"$@" &
	PIDS+=($!)
}

echo "# pvcalls-run host tests, $(uname -r)"

# 1. socket()-time mode, flags carried over
t_flags() {
	has "$($RUN -- "$PROBE" flags)" \
		"plain moved=1 nonblock=0 cloexec=0" \
		"tcp moved=1 nonblock=0 cloexec=0" \
		"nonblock moved=1 nonblock=1 cloexec=0" \
		"cloexec moved=1 nonblock=0 cloexec=1" \
		"both moved=1 nonblock=1 cloexec=1"
}
check "socket-mode-moves-ipv4-tcp-with-flags" t_flags

t_others() {
	has "$($RUN -- "$PROBE" others)" \
		"udp moved=0 nonblock=0 cloexec=0" \
		"raw-proto errno=EPROTONOSUPPORT" \
		"inet6 moved=0 nonblock=0 cloexec=0" \
		"inet6-udp moved=0 nonblock=0 cloexec=0" \
		"unix moved=0 nonblock=0 cloexec=0" \
		"socketpair moved=0 nonblock=0 cloexec=0" \
		"mptcp errno=EPROTONOSUPPORT" \
		"uring errno=ENOSYS"
}
check "udp-ipv6-unix-untouched-mptcp-uring-refused" t_others

t_ipv6() {
	has "$($RUN --no-ipv6 -- "$PROBE" others)" \
		"inet6 errno=EAFNOSUPPORT" \
		"inet6-udp moved=0 nonblock=0 cloexec=0"
}
check "no-ipv6-refuses-ipv6-tcp-only" t_ipv6

t_uring() {
	$RUN --allow-io-uring -- "$PROBE" others | grep -q '^uring errno=EFAULT$'
}
check "allow-io-uring" t_uring

if "$PROBE" i386 | grep -q '^i386-unix ok=1$'; then
	t_i386() {
		has "$($RUN -- "$PROBE" i386)" "i386 errno=EAFNOSUPPORT" \
			"i386-unix ok=1"
	}
	check "i386-abi-ipv4-tcp-refused-others-pass" t_i386
else
	skip "i386-abi-ipv4-tcp-refused-others-pass" "no i386 emulation"
fi

t_threads() {
	has "$($RUN -- "$PROBE" threads 16)" "threads moved=800 of=800"
}
check "threads-800-sockets" t_threads

t_fork() {
	has "$($RUN -- "$PROBE" fork)" \
		"child moved=1 nonblock=0 cloexec=0" \
		"grandchild moved=1 nonblock=0 cloexec=0"
}
check "fork-children-and-grandchildren" t_fork

t_nofdleak() {
	local a b

	a=$(busybox sh -c 'ls /proc/$$/fd' | sort | tr '\n' ' ')
	b=$($RUN -- busybox sh -c 'ls /proc/$$/fd' | sort | tr '\n' ' ')
	[ "$a" = "$b" ] || { echo "without: $a with: $b"; return 1; }
}
check "no-fd-leaks-into-program" t_nofdleak

# 2. real programs against servers on 127.0.0.1
echo "hello from httpd" >"$T/index.html"
bg busybox httpd -f -p 127.0.0.1:$((P + 1)) -h "$T"
bg "$PROBE" echoserver $((P + 2))
listening $((P + 1))
listening $((P + 2))

t_nc() {
	# busybox nc -l cannot bind to 127.0.0.1 only: socat is the server
	bg socat -u TCP-LISTEN:$((P + 3)),bind=127.0.0.1,reuseaddr \
		OPEN:"$T/nc.out",creat
	listening $((P + 3)) || return 1
	echo "hello nc" | $RUN -v -- busybox nc 127.0.0.1 $((P + 3)) 2>"$T/nc.log"
	sleep 0.2
	grep -q "moved" "$T/nc.log" && [ "$(cat "$T/nc.out")" = "hello nc" ] ||
		{ cat "$T/nc.log" "$T/nc.out"; return 1; }
}
if command -v socat >/dev/null; then
	check "static-busybox-nc-client" t_nc
else
	skip "static-busybox-nc-client" "socat not installed (the server)"
fi

t_wget() {
	local out

	out=$($RUN -v -- busybox wget -q -O - http://127.0.0.1:$((P + 1))/ 2>"$T/w.log")
	[ "$out" = "hello from httpd" ] && grep -q moved "$T/w.log" ||
		{ cat "$T/w.log"; return 1; }
}
check "static-busybox-wget" t_wget

t_httpd() {
	local out pid

	$RUN -v -- busybox httpd -f -p 127.0.0.1:$((P + 4)) -h "$T" 2>"$T/h.log" &
	pid=$!
	PIDS+=($pid)
	listening $((P + 4)) || return 1
	out=$(busybox wget -q -O - http://127.0.0.1:$((P + 4))/)
	kill "$pid"
	wait "$pid"
	[ "$out" = "hello from httpd" ] && grep -q moved "$T/h.log" ||
		{ cat "$T/h.log"; return 1; }
}
check "static-busybox-httpd-server" t_httpd

if command -v curl >/dev/null; then
	t_curl() {
		local out

		out=$($RUN -v -- curl -sS http://127.0.0.1:$((P + 1))/ 2>"$T/c.log")
		[ "$out" = "hello from httpd" ] && grep -q moved "$T/c.log" ||
			{ cat "$T/c.log"; return 1; }
	}
	check "dynamic-curl" t_curl
else
	skip "dynamic-curl" "curl not installed"
fi

if command -v socat >/dev/null; then
	t_socat() {
		local out

		out=$(echo "socat echo" | $RUN -v -- socat - TCP:127.0.0.1:$((P + 2)) 2>"$T/s.log")
		[ "$out" = "socat echo" ] && grep -q moved "$T/s.log" ||
			{ cat "$T/s.log"; return 1; }
	}
	check "dynamic-socat-client" t_socat
	t_socat_server() {
		local out pid

		$RUN -v -- socat TCP-LISTEN:$((P + 5)),bind=127.0.0.1,reuseaddr EXEC:cat 2>"$T/ss.log" &
		pid=$!
		PIDS+=($pid)
		listening $((P + 5)) || return 1
		out=$(echo "to server" | socat -t 1 - TCP:127.0.0.1:$((P + 5)))
		wait "$pid"
		[ "$out" = "to server" ] && grep -q moved "$T/ss.log" ||
			{ cat "$T/ss.log"; return 1; }
	}
	check "dynamic-socat-server-fork-exec" t_socat_server
else
	skip "dynamic-socat-client" "socat not installed"
	skip "dynamic-socat-server-fork-exec" "socat not installed"
fi

if command -v iperf3 >/dev/null; then
	t_iperf() {
		bg iperf3 -s -1 -B 127.0.0.1 -p $((P + 6))
		listening $((P + 6)) || return 1
		$RUN -v -- iperf3 -4 -c 127.0.0.1 -p $((P + 6)) -t 1 -i 0 \
			>"$T/i.out" 2>"$T/i.log" &&
			grep -q receiver "$T/i.out" && grep -q moved "$T/i.log" ||
			{ cat "$T/i.out" "$T/i.log"; return 1; }
	}
	check "iperf3-client" t_iperf
else
	skip "iperf3-client" "iperf3 not installed"
fi

if command -v go >/dev/null &&
	GOCACHE="$T/gocache" GO111MODULE=off CGO_ENABLED=0 \
	go build -o tests/goprobe-bin ./tests/goprobe 2>"$T/go.log"; then
	t_go_client() {
		local out

		out=$($RUN -v -- tests/goprobe-bin get http://127.0.0.1:$((P + 1))/ 2>"$T/g.log")
		[ "$out" = "hello from httpd" ] &&
			grep -q "SOCK_NONBLOCK|SOCK_CLOEXEC) = .*moved" "$T/g.log" ||
			{ cat "$T/g.log"; return 1; }
	}
	check "static-go-client" t_go_client
	t_go_server() {
		local out pid

		$RUN -v --no-ipv6 -- tests/goprobe-bin serve 127.0.0.1:$((P + 8)) 2>"$T/gs.log" &
		pid=$!
		PIDS+=($pid)
		listening $((P + 8)) || return 1
		out=$(busybox wget -q -O - http://127.0.0.1:$((P + 8))/)
		kill "$pid"
		wait "$pid"
		[ "$out" = "hello from go" ] && grep -q moved "$T/gs.log" ||
			{ cat "$T/gs.log"; return 1; }
	}
	check "static-go-server-no-ipv6" t_go_server
else
	skip "static-go-client" "no Go toolchain"
	skip "static-go-server-no-ipv6" "no Go toolchain"
fi

# 3. address mode: --only / --except, decided at connect()/bind()
t_only() {
	has "$($RUN --only 127.0.0.1:$((P + 2)) -- "$PROBE" connect 127.0.0.1 $((P + 2)))" \
		"connect moved=1 fd=3 rcvtimeo=7 nodelay=1 tos=16 reply=ping" &&
	has "$($RUN --only 127.0.0.1:$((P + 1)) -- "$PROBE" connect 127.0.0.1 $((P + 2)))" \
		"connect moved=0 fd=3 rcvtimeo=7 nodelay=1 tos=16 reply=ping"
}
check "only-selects-by-address-and-keeps-options" t_only

t_except() {
	has "$($RUN --except :$((P + 2)) -- "$PROBE" connect 127.0.0.1 $((P + 2)))" \
		"connect moved=0 fd=3 rcvtimeo=7 nodelay=1 tos=16 reply=ping" &&
	has "$($RUN --except 10.0.0.0/8 -- "$PROBE" connect 127.0.0.1 $((P + 2)))" \
		"connect moved=1 fd=3 rcvtimeo=7 nodelay=1 tos=16 reply=ping" &&
	has "$($RUN --only 127.0.0.0/8 --except 127.0.0.1/32:$((P + 2)) -- "$PROBE" connect 127.0.0.1 $((P + 2)))" \
		"connect moved=0 fd=3 rcvtimeo=7 nodelay=1 tos=16 reply=ping"
}
check "except-and-prefixes" t_except

t_nb() {
	has "$($RUN --only 127.0.0.0/8 -- "$PROBE" nbconnect 127.0.0.1 $((P + 2)))" \
		"nbconnect moved=1 nonblock=1 result=ok"
}
check "only-nonblocking-connect" t_nb

t_bound() {
	has "$($RUN --only 127.0.0.1:$((P + 2)) -- "$PROBE" bindconnect 127.0.0.1 $((P + 2)))" \
		"bindconnect errno=EOPNOTSUPP"
}
check "only-bound-then-connect-is-EOPNOTSUPP" t_bound

t_tfo() {
	has "$($RUN --only 127.0.0.0/8 -- "$PROBE" tfo 127.0.0.1 $((P + 2)))" \
		"tfo-sendto errno=EOPNOTSUPP" "tfo-connect errno=ENOPROTOOPT"
}
check "only-refuses-tcp-fast-open" t_tfo

t_only_curl() {
	local out

	out=$($RUN -v --only :$((P + 1)) -- curl -sS http://127.0.0.1:$((P + 1))/ 2>"$T/oc.log")
	[ "$out" = "hello from httpd" ] && grep -q "connect(.*moved" "$T/oc.log" || return 1
	out=$($RUN -v --except :$((P + 1)) -- curl -sS http://127.0.0.1:$((P + 1))/ 2>"$T/oc.log")
	[ "$out" = "hello from httpd" ] && ! grep -q moved "$T/oc.log"
}
if command -v curl >/dev/null; then
	check "only-except-with-curl" t_only_curl
else
	skip "only-except-with-curl" "curl not installed"
fi

t_only_httpd() {
	local out pid

	$RUN -v --only 127.0.0.1:$((P + 7)) -- busybox httpd -f -p 127.0.0.1:$((P + 7)) -h "$T" 2>"$T/oh.log" &
	pid=$!
	PIDS+=($pid)
	listening $((P + 7)) || return 1
	out=$(busybox wget -q -O - http://127.0.0.1:$((P + 7))/)
	kill "$pid"
	wait "$pid"
	[ "$out" = "hello from httpd" ] && grep -q "bind(.*moved" "$T/oh.log" ||
		{ cat "$T/oh.log"; return 1; }
}
check "only-bind-moves-a-server" t_only_httpd

# 4. exit status, signals, failures of the launcher itself
t_status() {
	local rc

	$RUN -- busybox sh -c 'exit 3'; rc=$?
	[ $rc = 3 ] || { echo "exit 3 gave $rc"; return 1; }
	$RUN -- busybox sh -c 'kill -TERM $$'; rc=$?
	[ $rc = 143 ] || { echo "SIGTERM gave $rc"; return 1; }
	$RUN -- /nonexistent/prog 2>/dev/null; rc=$?
	[ $rc = 127 ] || { echo "not found gave $rc"; return 1; }
	echo "not a program" >"$T/noexec"
	$RUN -- "$T/noexec" 2>/dev/null; rc=$?
	[ $rc = 126 ] || { echo "not executable gave $rc"; return 1; }
	$RUN --bogus -- true 2>/dev/null; rc=$?
	[ $rc = 125 ] || { echo "bad option gave $rc"; return 1; }
	$RUN --only 300.1.1.1 -- true 2>/dev/null; rc=$?
	[ $rc = 125 ] || { echo "bad selector gave $rc"; return 1; }
}
check "exit-status-125-126-127-and-program-status" t_status

if [ ! -e /sys/module/xen_pvcalls_front/parameters/family ]; then
	t_nomodule() {
		local rc

		"$BIN" -- true 2>"$T/nm.log"; rc=$?
		[ $rc = 125 ] && grep -q "frontend is not loaded" "$T/nm.log" ||
			{ echo "rc $rc"; cat "$T/nm.log"; return 1; }
		"$BIN" --family 77 -- true 2>"$T/nm.log"; rc=$?
		[ $rc = 125 ] && grep -q "family 77" "$T/nm.log" ||
			{ echo "rc $rc"; cat "$T/nm.log"; return 1; }
	}
	check "no-frontend-module-exits-125-saying-so" t_nomodule
else
	skip "no-frontend-module-exits-125-saying-so" "frontend is loaded"
fi

t_signal() {
	local pid rc start

	start=$SECONDS
	$RUN -- sleep 30 &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"; rc=$?
	[ $rc = 143 ] && [ $((SECONDS - start)) -lt 10 ] || { echo "rc $rc"; return 1; }
	$RUN -- busybox sh -c 'trap "exit 42" USR1; sleep 30 & wait' &
	pid=$!
	sleep 0.3
	kill -USR1 "$pid"
	wait "$pid"; rc=$?
	[ $rc = 42 ] || { echo "USR1: rc $rc"; return 1; }
}
check "signals-forwarded" t_signal

t_death() {
	local i out

	for i in 1 2 3 4 5; do
		out=$($RUN -- busybox sh -c "$PROBE spam & sleep 0.3; kill -9 \$!; wait; $PROBE flags" 2>&1) ||
			{ echo "$out"; return 1; }
		has "$out" "both moved=1 nonblock=1 cloexec=1" >/dev/null ||
			{ echo "$out"; return 1; }
		! grep -q '^pvcalls-run:' <<<"$out" || { echo "$out"; return 1; }
	done
}
check "target-killed-mid-call-supervisor-carries-on" t_death

t_keep() {
	local out

	# without --keep the supervisor leaves with PROGRAM: a late socket() fails
	$RUN -- busybox sh -c "(sleep 0.5; $PROBE flags >$T/late1) &"
	sleep 1
	grep -q "^plain errno=ENOSYS$" "$T/late1" || { cat "$T/late1"; return 1; }
	$RUN -k -- busybox sh -c "(sleep 0.5; $PROBE flags >$T/late2) &"
	grep -q "^plain moved=1" "$T/late2" || { cat "$T/late2"; return 1; }
}
check "keep-serves-descendants" t_keep

t_daemon() {
	local out pid dpid

	# busybox httpd without -f forks into the background and its parent
	# exits: --keep serves it, and ends when it does.
	$RUN -k -v -- busybox httpd -p 127.0.0.1:$((P + 9)) -h "$T" 2>"$T/dm.log" &
	pid=$!
	PIDS+=($pid)
	listening $((P + 9)) || return 1
	out=$(busybox wget -q -O - http://127.0.0.1:$((P + 9))/)
	kill -0 "$pid" || { echo "launcher left before the daemon"; return 1; }
	dpid=$(ss -Hltnp "sport = :$((P + 9))" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
	[ -n "$dpid" ] && kill "$dpid"
	wait "$pid" || { echo "launcher exit $?"; return 1; }
	[ "$out" = "hello from httpd" ] && grep -q moved "$T/dm.log" ||
		{ cat "$T/dm.log"; return 1; }
}
if command -v ss >/dev/null; then
	check "keep-serves-a-daemon-until-it-exits" t_daemon
else
	skip "keep-serves-a-daemon-until-it-exits" "no ss to find the daemon"
fi

echo "1..$tap_n"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
