#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the BENCH lines of a bench run into results.json, results.md and
throughput.png.

    bench/report.py LOGDIR OUTDIR

LOGDIR is build/logs/bench (the bed's sections: bench-dom0.txt holds the
dom0-loopback client, guest-log-bench.txt the guest's clients).  Every
figure is the median of the repetitions, with min and max.  Missing or
failed figures are left out (and listed under "errors"), never fatal.
The iperf3 cross-check (tests iperf3-*, bench/iperf3.sh) goes to a list
of its own, "iperf3", beside "results" (the pvbench tests).
The streams of pvbench --sockbuf (stream-guest-to-dom0-buf1m, ...) are
rows of their own, each right after its default test of the same size.
Every entry has a "config": "defaults" for the defaults pass (pvbench
--config defaults: every module, Xen and xl setting at its default; a
section of its own in results.md), "raised" for the rest.
"""
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

TRANSPORTS = ["pvcalls", "pvcalls-v1", "netfront", "dom0-loopback"]
TESTS = ["stream-guest-to-dom0", "stream-dom0-to-guest", "rr", "crr",
         "connect", "concurrent-16"]
PVCALLS = ("pvcalls", "pvcalls-v1")
IPERF = ["iperf3-guest-to-dom0", "iperf3-dom0-to-guest"]
# "config" of the lines: the defaults pass says so, the rest is measured
# with raised limits
DEFAULTS, RAISED = "defaults", "raised"
GIB = float(1 << 30)
MIB = float(1 << 20)

# pvbench --sockbuf BYTES: the stream tests with SO_SNDBUF/SO_RCVBUF set,
# named after the default ones with a suffix (stream-guest-to-dom0-buf1m)
BUFTEST = re.compile(r"^(.*)-buf(\d+)([km]?)$")

SENT = re.compile(r"sent|tx|send|kick|raised|notif(y|ies)$")
RECV = re.compile(r"recv|rx|received|irq|handled|^events$")


def read_lines(logdir):
    rows, errors, notes = [], [], []
    files = sorted(glob.glob(os.path.join(logdir, "*.txt")))
    for f in files:
        with open(f, errors="replace") as fh:
            for line in fh:
                line = line.strip().replace("\r", "")
                for tag, out in (("BENCH ", rows), ("BENCH-ERROR ", errors),
                                 ("BENCH-NOTE ", notes)):
                    i = line.find(tag + "{")
                    if i < 0:
                        continue
                    try:
                        out.append(json.loads(line[i + len(tag):]))
                    except ValueError:
                        pass
                    break
    return rows, errors, notes


def stat(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def events_dir(ev, mib):
    """Events per MiB each way, from the front/back debugfs counters."""
    if not ev:
        return None
    f2b = b2f = None
    # The sender's own count first, else the receiver's.
    for side, d in (("front", "f2b"), ("back", "b2f")):
        for k, v in ev.items():
            s, name = k.split(":", 1)
            if s == side and SENT.search(name):
                if d == "f2b":
                    f2b = (f2b or 0) + v
                else:
                    b2f = (b2f or 0) + v
    for side, d in (("back", "f2b"), ("front", "b2f")):
        for k, v in ev.items():
            s, name = k.split(":", 1)
            if s == side and RECV.search(name) and not SENT.search(name):
                if d == "f2b" and f2b is None:
                    f2b = v
                elif d == "b2f" and b2f is None:
                    b2f = v
    return {"guest_to_dom0": None if f2b is None else f2b / mib,
            "dom0_to_guest": None if b2f is None else b2f / mib,
            "raw_per_mib": {k: v / mib for k, v in ev.items()}}


def test_order(test):
    """Where a test's rows go: the order of TESTS, each --sockbuf variant
    (smallest buffer first) right after its default test of the same
    size."""
    m = BUFTEST.match(test)
    base, buf = (m.group(1), int(m.group(2)) *
                 {"": 1, "k": 1024, "m": 1 << 20}[m.group(3)]) \
        if m else (test, 0)
    return (TESTS.index(base) if base in TESTS else 99, buf, test)


def config(r):
    return r.get("config") or RAISED


def aggregate(rows):
    groups = {}
    for r in rows:
        if r["test"] == "scale":
            continue
        key = (config(r), r["transport"], r["test"], r["metric"],
               r["msg_size"])
        groups.setdefault(key, []).append(r)
    out = []
    for (cf, tr, test, metric, size), rs in groups.items():
        s = stat([r["value"] for r in rs])
        e = {"config": cf, "transport": tr, "test": test, "metric": metric,
             "msg_size": size, "median": s["median"], "min": s["min"],
             "max": s["max"], "reps": s["n"], "unit": rs[0]["unit"]}
        if any("samples" in r for r in rs):
            # connect: how many connections each repetition timed
            e["samples"] = stat([r.get("samples") for r in rs])
        if metric == "throughput":
            for side in ("guest", "dom0"):
                k = "cpu_%s_s" % side
                e["cpu_%s_s_per_gib" % side] = stat(
                    [r[k] / (r["bytes"] / GIB) for r in rs
                     if k in r and r["bytes"] > 0])
        if any("sockbuf" in r for r in rs):
            # --sockbuf: asked for, and what getsockopt() read back
            e["sockbuf"] = rs[0].get("sockbuf")
            for k in ("so_sndbuf", "so_rcvbuf"):
                e[k] = stat([r.get(k) for r in rs])
        if tr in PVCALLS:
            evs = [events_dir(r.get("events"), r["bytes"] / MIB)
                   for r in rs if r.get("bytes")]
            evs = [x for x in evs if x]
            # events_per_mib is one figure, the events sent
            # both ways per MiB (median); the split and the raw counter
            # deltas (EOIs, work runs...) are kept beside it
            tot = [x["guest_to_dom0"] + x["dom0_to_guest"] for x in evs
                   if x["guest_to_dom0"] is not None and
                   x["dom0_to_guest"] is not None]
            e["events_per_mib"] = (statistics.median(tot) if tot
                                   else None)
            if evs:
                e["events_per_mib_by_direction"] = {
                    d: stat([x[d] for x in evs])
                    for d in ("guest_to_dom0", "dom0_to_guest")}
                e["events_per_mib_by_direction"]["raw"] = \
                    evs[0]["raw_per_mib"]
        out.append(e)

    def order(e):
        t = TRANSPORTS.index(e["transport"]) \
            if e["transport"] in TRANSPORTS else 99
        k = test_order(e["test"])
        return (k[0], e["msg_size"], k[1:], e["metric"], t, e["config"])
    out.sort(key=order)
    return out


def aggregate_iperf(rows):
    """The iperf3 cross-check: one entry per transport and direction."""
    groups = {}
    for r in rows:
        if r["test"] in IPERF:
            groups.setdefault((r["transport"], r["test"]), []).append(r)
    out = []
    for (tr, test), rs in groups.items():
        s = stat([r["value"] for r in rs])
        e = {"config": RAISED, "transport": tr, "test": test,
             "metric": "throughput",
             "msg_size": rs[0]["msg_size"], "median": s["median"],
             "min": s["min"], "max": s["max"], "reps": s["n"],
             "unit": rs[0]["unit"], "tool": "iperf3",
             "via": rs[0].get("via")}
        for k in ("sender_mbit_s", "retransmits", "cpu_client_pct",
                  "cpu_server_pct", "moved_sockets", "front_bytes_sent",
                  "front_bytes_received"):
            if any(k in r for r in rs):
                e[k] = stat([r.get(k) for r in rs])
        errs = sorted({r["iperf3_error"] for r in rs if "iperf3_error" in r})
        if errs:
            e["iperf3_errors"] = errs
        out.append(e)

    def order(e):
        return (IPERF.index(e["test"]),
                TRANSPORTS.index(e["transport"])
                if e["transport"] in TRANSPORTS else 99)
    out.sort(key=order)
    return out


def rcell(s):
    """A count: median (min-max) without decimals."""
    if not s:
        return "-"
    return "%g (%g-%g)" % (s["median"], s["min"], s["max"])


def iperf_table(iperf, res, notes):
    """results.md: iperf3 beside pvbench's nearest streams."""
    L = ["", "## iperf3 cross-check", "",
         "iperf3 -c in the guest (pvcalls: under pvcalls-run, the "
         "frontend in its default configuration; netfront: plain, to "
         "192.0.2.1) against iperf3 -s in dom0; dom0-loopback: both in "
         "dom0.  %s-byte writes, Mbit/s received, median (min-max) of the "
         "runs; TCP retransmits of the sending socket (none for a PV Calls "
         "socket: it has no TCP_INFO); beside it pvbench's stream of the "
         "same direction and transport at 64 KiB and 256 KiB." % (
             iperf[0]["msg_size"] if iperf else "131072"), ""]
    if not iperf:
        why = [n.get("note") for n in notes if n.get("test") == "iperf3"]
        L.append("No iperf3 figures in this run%s." % (
            ": " + "; ".join(why) if why else " (see notes and errors)"))
        return L
    L += ["| test | transport | iperf3 Mbit/s | TCP retransmits | "
          "pvbench 64 KiB | pvbench 256 KiB |", "|---|---|---|---|---|---|"]
    byk = {(e["test"], e["msg_size"], e["transport"]): e for e in res
           if e["metric"] == "throughput"}
    for e in iperf:
        st = "stream-" + e["test"][len("iperf3-"):]
        L.append("| %s | %s%s | %s | %s | %s | %s |" % (
            e["test"], e["transport"],
            " (%s)" % e["via"] if e.get("via") not in (None, "none") else "",
            cell(e), rcell(e.get("retransmits")),
            cell(byk.get((st, 65536, e["transport"]))),
            cell(byk.get((st, 262144, e["transport"])))))
    return L


def aggregate_scale(rows):
    groups = {}
    for r in rows:
        if r["test"] != "scale":
            continue
        groups.setdefault((r["transport"], r["metric"]), []).append(r)
    out = []
    for (tr, metric), rs in sorted(groups.items()):
        s = stat([r["value"] for r in rs])
        e = {"config": RAISED, "transport": tr, "metric": metric,
             "median": s["median"],
             "min": s["min"], "max": s["max"], "reps": s["n"],
             "unit": rs[0]["unit"], "connections": rs[0]["msg_size"]}
        if metric == "max-connections":
            e["limit"] = rs[0].get("limit")
            e["stats_at_max"] = rs[0].get("stats_at_max")
            e["seconds"] = rs[0].get("secs")
        out.append(e)
    return out


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cell(s):
    if not s:
        return "-"
    return "%s (%s-%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def size_name(n):
    if n >= 1024 and n % 1024 == 0:
        return "%d KiB" % (n // 1024)
    return "%d B" % n


def machine_line(m):
    """Where and when, and whether the machine was quiet."""
    if not m:
        return "machine: unknown"
    quiet = m.get("quiet")
    return ("%s UTC on %s (%s cores, host kernel %s); host load before/"
            "after %s / %s; other QEMU test beds seen during the run: %s "
            "(%s)" % (m.get("date", "?"), m.get("cpu", "?"),
                      m.get("cores", "?"), m.get("host_kernel", "?"),
                      m.get("load_before", "?"), m.get("load_after", "?"),
                      m.get("other_beds_max", "?"),
                      "a quiet run" if quiet == "yes" else
                      "NOT a quiet run: figures shared the CPUs"))


def throughput_table(res, transports):
    """The stream table: one row per direction and size."""
    L = ["| test | size | " + " | ".join(transports) + " |",
         "|" + "---|" * (2 + len(transports))]
    byk = {(e["test"], e["msg_size"], e["transport"]): e
           for e in res if e["metric"] == "throughput"}
    keys = []
    for e in res:
        k = (e["test"], e["msg_size"])
        if e["metric"] == "throughput" and k not in keys:
            keys.append(k)
    for k in keys:
        L.append("| %s | %s | " % (k[0], size_name(k[1])) +
                 " | ".join(cell(byk.get(k + (t,))) for t in transports) +
                 " |")
    return L


def figure_head(transports):
    """The header and separator lines of a per-transport table."""
    return ["| test | size | metric | " + " | ".join(transports) + " |",
            "|" + "---|" * (3 + len(transports))]


def figure_index(res):
    """The entries by (test, size, metric, transport), and the
    (test, size, metric) keys in the order they first come."""
    byk = {(e["test"], e["msg_size"], e["metric"], e["transport"]): e
           for e in res}
    keys = []
    for e in res:
        k = (e["test"], e["msg_size"], e["metric"])
        if k not in keys:
            keys.append(k)
    return byk, keys


def figure_table(res, transports):
    """Throughput, latency and rate rows: one per test, size and metric."""
    L = figure_head(transports)
    byk, keys = figure_index(res)
    for k in keys:
        unit = next(e["unit"] for e in res if (e["test"], e["msg_size"],
                                                e["metric"]) == k)
        row = ["%s" % k[0], size_name(k[1]) if k[1] else "-",
               "%s [%s]" % (k[2], unit)]
        for t in transports:
            row.append(cell(byk.get(k + (t,))))
        L.append("| " + " | ".join(row) + " |")
    return L


def defaults_section(dres, notes, errors, transports):
    """results.md: the defaults pass."""
    L = ["## Defaults: every module, Xen and xl setting at its default", "",
         "Measured first, before anything is raised (dom0-loopback in dom0, "
         "pvcalls and netfront in a guest of its own): "
         "xen-pvcalls-back and xen-netback loaded without options "
         "(max_page_order 4), the frontend and xen-netfront as the guest's "
         "init loads them (pvcalls: notify-mitigation and in-order on, ring "
         "order 4), "
         "Xen with nothing of the bench on its command line "
         "(gnttab_max_frames 64), the guest without max_event_channels or "
         "max_grant_frames (xl's defaults: 1023 event channels, Xen's 64 "
         "grant frames) and with the bed's guest memory, no sysctl raised.  "
         "pvcalls-v1 (notify_mitigation=0 in_order=0) is not a default: not "
         "measured "
         "here.  connect: socket() to connect() returning, each connection "
         "timed alone.  What the domains read, and what is the bed's own "
         "rather than a default:", ""]
    for n in notes:
        L.append("- **%s**: %s" % (n.get("transport"), n.get("note")))
    if not dres:
        L += ["", "No figures of the defaults pass in this run%s." % (
            " (see errors)" if errors else " (BENCH_DEFAULTS=0, or none "
            "of its tests in BENCH_TESTS)")]
        return L
    seen = {e["transport"] for e in dres} | \
        {x.get("transport") for x in errors}
    L += [""] + figure_table(dres, [t for t in transports if t in seen])
    return L


def markdown(res, scale, notes, errors, transports, src=None, machine=None,
             iperf=()):
    dres = [e for e in res if e["config"] == DEFAULTS]
    res = [e for e in res if e["config"] != DEFAULTS]
    dnotes = [n for n in notes if n.get("config") == DEFAULTS]
    notes = [n for n in notes if n.get("config") != DEFAULTS]
    L = ["# PV Calls bench: results", "",
         "Measured tree: %s" % (src or "unknown"), "",
         "When and where: %s." % machine_line(machine), "",
         "Test bed: Xen + dom0 + PV guest under QEMU TCG (software "
         "emulation). Only ratios between transports of the same run "
         "mean anything. Each cell: median (min-max) of the repetitions.",
         ""]
    for n in notes:
        L.append("- **%s**%s: %s" % (
            n.get("transport"),
            " (raised)" if n.get("config") == RAISED else "", n.get("note")))
    L.append("")
    byk, keys = figure_index(res)

    L += defaults_section(dres, dnotes,
                          [x for x in errors if x.get("config") == DEFAULTS],
                          transports)
    L += ["", "## Throughput, latency, rates", "",
          "This section and the ones below are measured after the defaults "
          "pass, with the limits raised that the scale test and the "
          "big-buffer streams need (the notes marked raised above say what "
          "the domains read).  connect: socket() to connect() returning, "
          "each connection timed alone; crr: whole connect/request/close "
          "cycles.", ""]
    L += figure_table(res, transports)

    L += ["", "## CPU seconds per GiB moved (guest / dom0)", "",
          "Busy time of the whole domain from /proc/stat (user + nice + "
          "system + irq + softirq, all vCPUs) between snapshots taken "
          "just before and after each transfer; dom0's snapshot comes "
          "from the server over a short INFO connection.  It includes the "
          "benchmark processes, the PV Calls frontend/backend or "
          "netfront/netback work and anything else the domain ran.  "
          "dom0-loopback: both ends are in dom0, so only dom0 is given.",
          ""] + figure_head(transports)
    for k in keys:
        if k[2] != "throughput":
            continue
        row = [k[0], size_name(k[1]), "guest / dom0 s/GiB"]
        for t in transports:
            e = byk.get(k + (t,))
            if not e:
                row.append("-")
                continue
            g = e.get("cpu_guest_s_per_gib")
            d = e.get("cpu_dom0_s_per_gib")
            row.append("%s / %s" % (fmt(g["median"]) if g else "-",
                                    fmt(d["median"]) if d else "-"))
        L.append("| " + " | ".join(row) + " |")

    L += ["", "## Events per MiB (PV Calls)", ""]
    evs = [e for e in res if e.get("events_per_mib_by_direction")]
    if not evs:
        L.append("null: neither /sys/kernel/debug/xen-pvcalls-front/stats "
                 "nor /sys/kernel/debug/xen-pvcalls-back/stats exposes an "
                 "event counter in this build, so events_per_mib is null.")
    else:
        L += ["Notifications sent per MiB moved: guest->dom0 is the "
              "frontend's `data_events_sent`, dom0->guest the backend's "
              "`data_events_sent` (debugfs stats; where a build lacks them, "
              "the receiving side's interrupt count).  Both directions "
              "count for either stream: data one way, freed space the "
              "other.  Each delta also holds the data connection's set-up "
              "and about one short INFO connection (a handful of events).",
              "The last column: the backend's late EOIs per MiB, all / "
              "flagged spurious / delayed by Linux (a spurious one right "
              "after a spurious one), from the first repetition.",
              "", "| transport | test | size | guest->dom0 | dom0->guest "
              "| both (events_per_mib) | backend EOIs all / spurious / "
              "delayed |", "|---|---|---|---|---|---|---|"]
        for e in evs:
            x = e["events_per_mib_by_direction"]
            raw = x.get("raw") or {}
            eois = " / ".join(fmt(raw.get("back:" + k)) for k in
                              ("data_eois", "spurious_eois", "delayed_eois"))
            L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                e["transport"], e["test"], size_name(e["msg_size"]),
                cell(x.get("guest_to_dom0")), cell(x.get("dom0_to_guest")),
                fmt(e.get("events_per_mib")), eois))

    L += ["", "## Scale: held connections", "",
          "Memory per connection: MemFree drop and Slab growth in each "
          "domain while N connections are held open (both ends of every "
          "connection are in dom0 for dom0-loopback), divided by N.", "",
          "| transport | metric | N | median (min-max) | unit |",
          "|---|---|---|---|---|"]
    for e in scale:
        if e["metric"] == "max-connections":
            continue
        L.append("| %s | %s | %s | %s | %s |" % (
            e["transport"], e["metric"], e["connections"] or "-",
            cell(e), e["unit"]))
    L += ["", "| transport | largest number of concurrent connections | "
          "what stopped it |", "|---|---|---|"]
    for e in scale:
        if e["metric"] == "max-connections":
            L.append("| %s | %d (target %d) | %s |" % (
                e["transport"], e["median"], e["connections"], e["limit"]))
    L += iperf_table(list(iperf), res, notes)
    if errors:
        L += ["", "## Errors", ""]
        for x in errors:
            L.append("- %s%s %s %s: %s: %s" % (
                "[defaults] " if x.get("config") == DEFAULTS else "",
                x.get("transport"), x.get("test"), x.get("msg_size"),
                x.get("what"), x.get("error")))
    L.append("")
    return "\n".join(L)


def plot(res, transports, out):
    if not shutil.which("gnuplot"):
        print("report: no gnuplot (apt-get install gnuplot-nox): no plot",
              file=sys.stderr)
        return
    tmp = tempfile.mkdtemp()
    plots = {}
    for d in ("stream-guest-to-dom0", "stream-dom0-to-guest"):
        parts = []
        for t in transports:
            pts = sorted((e["msg_size"], e["median"], e["min"], e["max"])
                         for e in res if e["test"] == d and
                         e["transport"] == t and e["metric"] == "throughput")
            if not pts:
                continue
            fn = os.path.join(tmp, "%s-%s.dat" % (d, t))
            with open(fn, "w") as fh:
                for p in pts:
                    fh.write("%d %g %g %g\n" % p)
            parts.append("'%s' using 1:2:3:4 with yerrorlines lw 2 "
                         "pt 7 title '%s'" % (fn, t))
        plots[d] = parts
    script = ["set terminal pngcairo size 1400,560 font 'Sans,11'",
              "set output '%s'" % out,
              "set multiplot layout 1,2 title 'PV Calls bench under QEMU "
              "TCG: stream throughput (median, bars: min-max)'",
              "set logscale xy", "set grid",
              "set xlabel 'message size (bytes)'",
              "set ylabel 'Mbit/s'",
              "set key bottom right",
              "set xtics ('64' 64, '1K' 1024, '16K' 16384, '64K' 65536, "
              "'256K' 262144)", "set xrange [40:400000]"]
    for d, title in (("stream-guest-to-dom0", "guest -> dom0"),
                     ("stream-dom0-to-guest", "dom0 -> guest")):
        script.append("set title '%s'" % title)
        if plots.get(d):
            script.append("plot " + ", ".join(plots[d]))
        else:
            script.append("set label 1 'no data' at graph 0.5,0.5; "
                          "plot 1/0 notitle; unset label 1")
    script.append("unset multiplot")
    sf = os.path.join(tmp, "plot.gp")
    with open(sf, "w") as fh:
        fh.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", sf], check=False)
    shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    logdir, outdir = sys.argv[1], sys.argv[2]
    rows, errors, notes = read_lines(logdir)
    res = aggregate([r for r in rows if r["test"] not in IPERF])
    iperf = aggregate_iperf(rows)
    scale = aggregate_scale(rows)
    seen = {r["transport"] for r in rows + errors}
    # all four always: a transport without figures shows as "-" (see errors)
    transports = TRANSPORTS + sorted(seen - set(TRANSPORTS))
    knobs = {}
    kf = os.path.join(logdir, "..", "..", "opt", "bench", "knobs.env")
    if os.path.exists(kf):
        for line in open(kf):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                knobs[k] = v.strip('"')
    secs = None
    sf = os.path.join(logdir, "seconds")
    if os.path.exists(sf):
        secs = int(open(sf).read().strip() or 0)
    machine = {}
    mf = os.path.join(logdir, "machine")
    if os.path.exists(mf):
        for line in open(mf):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                machine[k] = v
    src = None
    sf = os.path.join(logdir, "source")
    if os.path.exists(sf):
        src = " ".join(open(sf).read().split("\n")).strip()
    doc = {
        "source": src,
        "date": machine.get("date"),
        "machine": machine,
        "bed": "Xen + dom0 + PV guest under QEMU TCG, -smp 2; "
               "figures are only comparable within one run",
        "bed_seconds": secs,
        "knobs": knobs,
        "cpu_measure": "busy jiffies of the whole domain from /proc/stat "
                       "(user+nice+system+irq+softirq, all vCPUs) between "
                       "snapshots just before and after each transfer, "
                       "per GiB moved; dom0's from the server via an INFO "
                       "connection; dom0-loopback has both ends in dom0",
        "events_measure": "deltas of counters whose names contain "
                          "event/notif/kick/irq in the frontend and backend "
                          "debugfs stats; null when none exist",
        "notes": notes,
        "results": res,
        "scale": scale,
        "iperf3_measure": "the cross-check: iperf3 -c (guest; under "
                          "pvcalls-run for pvcalls) against iperf3 -s in "
                          "dom0, -t BENCH_IPERF_SECONDS, both directions "
                          "(-R: dom0 sends); median/min/max of the "
                          "receiver's Mbit/s over the runs",
        "iperf3": iperf,
        "errors": errors,
    }
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "results.json"), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(outdir, "results.md"), "w") as fh:
        fh.write(markdown(res, scale, notes, errors, transports, src,
                          machine, iperf))
    plot([e for e in res if e["config"] != DEFAULTS], transports,
         os.path.join(outdir, "throughput.png"))
    print("report: %d figures, %d scale figures, %d iperf3 figures, %d "
          "errors -> %s/results.*" % (len(res), len(scale), len(iperf),
                                      len(errors), outdir), file=sys.stderr)


if __name__ == "__main__":
    main()
