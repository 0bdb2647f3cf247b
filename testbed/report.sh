#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prints the result lines of the given files ("ok NAME", "not ok NAME # why"),
# numbered, then "N passed, N failed" (", N skipped" when some were
# "# SKIP"ped: those count as neither); exits 1 if any failed or if there
# was no result at all.
cat "$@" | awk '
	/^not ok / { n++; sub(/^not ok +/, ""); printf "not ok %d %s\n", n, $0; f++; next }
	/^ok /     { n++; sub(/^ok +/, ""); printf "ok %d %s\n", n, $0
		     if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; else p++; next }
	END {
		if (s) printf "%d passed, %d failed, %d skipped\n", p, f, s
		else printf "%d passed, %d failed\n", p, f
		exit (f > 0 || n == 0) ? 1 : 0
	}'
