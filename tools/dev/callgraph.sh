#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# File-level call graph of a module's objects, from their symbol tables:
# an edge a.o -> b.o when a.o references a global function that b.o
# defines.  Calls through function pointers (ops tables, callbacks) make
# no edge, so upcalls registered as callbacks are not counted as calls;
# nor do references to data (module parameters, workqueue pointers).
#   tools/dev/callgraph.sh [-v] DIR...
# DIR holds the built objects (run make first).  Prints one result line
# per DIR: "ok callgraph: DIR has no file-level call cycle", or "not ok"
# with the files on a cycle.  -v also prints the edges.
set -euo pipefail
verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [-v] DIR..." >&2; exit 2; }
status=0
for dir in "$@"; do
	dir=${dir%/}
	objs=()
	for o in "$dir"/*.o; do
		case $o in *.mod.o | */.*) continue ;; esac
		# a module's link result (foo.o made of foo-y objects) is
		# not a source file of its own
		[ -e "${o%.o}.c" ] && objs+=("$o")
	done
	if [ ${#objs[@]} -eq 0 ]; then
		echo "not ok callgraph: $dir # no objects: build first"
		status=1
		continue
	fi
	defs=$(mktemp) edges=$(mktemp)
	for o in "${objs[@]}"; do
		nm --defined-only -g "$o" |
			awk -v f="$(basename "$o" .o)" '$2 ~ /^[TW]$/ { print $3, f }'
	done | sort -u > "$defs"
	for o in "${objs[@]}"; do
		f=$(basename "$o" .o)
		nm -u "$o" | awk '{ print $2 }' | sort -u |
			join - "$defs" | awk -v f="$f" '$2 != f { print f, $2 }'
	done | sort -u > "$edges"
	[ $verbose = 1 ] && sed 's/^/# /; s/ / -> /2' "$edges" | sed "s|^# |# $dir: |"
	# strip files with no caller or no callee until none is left: what
	# remains lies on a cycle or between two
	loop=$(awk '{ e[NR] = $1 " " $2 }
		END {
			do {
				changed = 0
				delete outd; delete ind
				for (i in e) { split(e[i], p); outd[p[1]]++; ind[p[2]]++ }
				for (i in e) {
					split(e[i], p)
					if (!(p[2] in outd) || !(p[1] in ind)) { delete e[i]; changed = 1 }
				}
			} while (changed)
			for (i in e) { split(e[i], p); n[p[1]] = 1 }
			for (f in n) printf "%s ", f
		}' "$edges")
	if [ -z "$loop" ]; then
		echo "ok callgraph: $dir has no file-level call cycle"
	else
		echo "not ok callgraph: $dir has a call cycle # files on it: $loop"
		status=1
	fi
	rm -f "$defs" "$edges"
done
exit $status
