#!/bin/sh
# Run both halves of the suite on this host over loopback TCP (AF_INET on
# both sides): validates the tests against real Linux TCP semantics.
# Extra arguments go to both sides, e.g. --only NAME or --big 1M.
D=$(dirname "$0")
"$D/pvcalls_test" --side dom0 --wait 30 "$@" &
dom0=$!
"$D/pvcalls_test" --side guest --family inet --wait 30 "$@"
rc=$?
wait $dom0
exit $rc
