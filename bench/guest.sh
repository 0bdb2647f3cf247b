#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of scenario bench (run by testbed/guest-init.sh with the
# frontend loaded and connected).  One pvbench client per transport,
# against dom0's pvbench server on port 7900:
#   pvcalls     PV Calls family, 127.0.0.1 (dom0's loopback, via the backend)
#   netfront    AF_INET over xen-netfront/xen-netback, 192.0.2.1
#   pvcalls-v1  PV Calls with notify_mitigation=0 (frontend reloaded), when
#               the frontend has that parameter
B=/opt/pvcalls/bench
. $B/knobs.env
PORT=7900
FRONT=/sys/bus/xen/devices/pvcalls-0
NM=/sys/module/xen_pvcalls_front/parameters/notify_mitigation
ulimit -n 65536

note() { echo "BENCH-NOTE {\"transport\":\"$1\",\"note\":\"$2\"}"; }
client() {	# client TRANSPORT FAMILY ADDR
	echo "@@@ bench: $1 start $(cut -d' ' -f1 /proc/uptime)"
	# shellcheck disable=SC2086
	timeout "$BENCH_CLIENT_TIMEOUT" $B/pvbench client --family "$2" \
		--addr "$3" --port $PORT --transport "$1" --side guest \
		$BENCH_ARGS 2>&1
	echo "@@@ bench: $1 end $(cut -d' ' -f1 /proc/uptime)"
}
connected() {
	i=0
	until [ "$(cat $FRONT/state 2>/dev/null)" = Connected ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.2
	done
}

for t in $(echo "$BENCH_TRANSPORTS" | tr ',' ' '); do
	case $t in
	pvcalls)
		if [ -r $NM ]; then
			note pvcalls "frontend notify_mitigation=$(cat $NM)"
		else
			note pvcalls "default module configuration: the frontend has no notify_mitigation parameter (extension not implemented)"
		fi
		note pvcalls "frontend ring_order=$(cat /sys/module/xen_pvcalls_front/parameters/ring_order 2>/dev/null)"
		client pvcalls pvcalls 127.0.0.1
		;;
	netfront)
		modprobe xen-netfront
		i=0
		while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
			sleep 0.3
			i=$((i + 1))
		done
		ip addr add 192.0.2.2/24 dev eth0 && ip link set eth0 up
		# the link needs a moment (netback connect, carrier)
		i=0
		until ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -lt 30 ] || break
		done
		if [ $i -lt 30 ]; then
			client netfront inet 192.0.2.1
		else
			note netfront "no link to 192.0.2.1: eth0 $(cat /sys/class/net/eth0/operstate 2>&1)"
		fi
		;;
	pvcalls-v1)
		if [ ! -r $NM ]; then
			note pvcalls-v1 "the frontend has no notify_mitigation parameter: measured in the default configuration, same as pvcalls (a run-to-run comparison)"
			client pvcalls-v1 pvcalls 127.0.0.1
			continue
		fi
		# reload the frontend with the extension off
		echo pvcalls-0 > /sys/bus/xen/drivers/pvcalls/unbind
		rmmod xen_pvcalls_front
		if modprobe xen-pvcalls-front notify_mitigation=0 && connected; then
			note pvcalls-v1 "frontend reloaded with notify_mitigation=$(cat $NM)"
			client pvcalls-v1 pvcalls 127.0.0.1
		else
			note pvcalls-v1 "frontend reload with notify_mitigation=0 failed: state $(cat $FRONT/state 2>&1)"
		fi
		;;
	esac
done
