#!/usr/bin/env python3
"""Query throughput of rdnsd beside knotd, nsd and a bare echo responder.

    bench/run_qps.sh [--set standard] [--rounds 3] [--seconds 12] [--tools loadgen-b,loadgen,dnsperf]
                     [--servers rdnsd,knotd,nsd,echo] [--no-2w] [--steal-max 10]
    RDNSD_BASE=OTHER/rdnsd bench/run_qps.sh --servers rdnsd,rdnsd-base ...   (before/after)
    bench/run_qps.sh --servers rdnsd,rdnsd-rrl ...   (response rate limiting off and on)
    bench/run_qps.sh --report RESULTS.json      (print the tables of an earlier run again)

Every server runs with one worker pinned to core SERVER_CPU (default 0), on its own
port on 127.0.0.1, with the same zones; the load generators are pinned to LOAD_CPU
(default 1). Runs are interleaved: for each round and each tool, every server in turn.
Servers and load generators run at nice -19 (BENCH_NICE) so that other work on a shared
machine barely touches their cores; before each run the runner also waits (QUIET_MAX
seconds at most, default 30) for the machine to be idle apart from the servers. A run
whose server core had more than --steal-max percent steal is run again (twice at most;
the last attempt counts, the earlier ones are kept in the JSON as "discarded"). The CPU
time other processes used on the server's core is recorded per run.
Then rdnsd runs with two workers on both cores (the load generator still on LOAD_CPU).

Per run: answers per second, the server's CPU seconds (utime+stime of its process tree
from /proc/PID/stat), answers per server CPU-second, latency, rcode counts, lost
queries, steal (/proc/stat), peak RSS (VmHWM, the largest process of the tree).
Results: bench/scratch/results/qps-SET-TIME.json and .md; the table goes to stdout.
"""
import argparse
import datetime
import json
import os
import shutil
import sys
import time

import benchlib as B

# rdnsd-base: another rdnsd binary ($RDNSD_BASE, e.g. a build of an earlier commit) on
# a copy of the same store, interleaved with the others: a before/after comparison.
# rdnsd-rrl: the same rdnsd with response rate limiting on at a rate no client of the
# benchmark reaches (nothing is limited, every answer is accounted): its cost.
ORDER = ["rdnsd", "rdnsd-rrl", "rdnsd-base", "knotd", "nsd", "echo"]
RRL_ON = {"rrl": "{rate: 1000000}"}
# loadgen-b never sleeps (-b): on loopback a server's send runs the client's receive path,
# and with a sleeping client its wake-up too, which over a network is the client
# machine's work. loadgen sleeps in poll() when it has nothing to do, as dnsperf does.
TOOLS = ("loadgen-b", "loadgen", "dnsperf")
TOOL_TITLES = {"loadgen-b": "bench/loadgen -b (never sleeps)", "loadgen": "bench/loadgen (sleeps in poll)",
               "dnsperf": "dnsperf"}


def start_servers(names, data, run_dir, store_dir):
    servers = {}
    for name in names:
        d = B.fresh_dir(os.path.join(run_dir, name))
        port = B.PORTS[name]
        B.log("starting %s on port %d ..." % (name, port))
        if name == "rdnsd":
            servers[name] = B.start_rdnsd(d, data, port, workers=1, store_dir=store_dir)
        elif name == "rdnsd-rrl":
            servers[name] = B.start_rdnsd(d, data, port, workers=1, store_dir=store_dir + "-rrl",
                                          name=name, server=RRL_ON)
        elif name == "rdnsd-base":
            servers[name] = B.start_rdnsd(d, data, port, workers=1, store_dir=store_dir + "-base",
                                          name=name, binary=os.environ["RDNSD_BASE"])
        elif name == "knotd":
            servers[name] = B.start_knotd(d, data, port)
        elif name == "nsd":
            servers[name] = B.start_nsd(d, data, port)
        elif name == "echo":
            servers[name] = B.start_echo(d, data, port)
        B.log("  %s pid %d, first answer after %s ms" % (name, servers[name].pid, servers[name].start_ms))
    return servers


def one_run(server, tool, data, seconds, steal_max):
    attempts = []
    for _ in range(3):
        waited, busy = B.wait_quiet()
        if waited > 5:
            B.log("  waited %.0f s for other work on the machine to end (busy %.0f%%)" % (waited, busy))
        if tool.startswith("loadgen"):
            spin = ["-b"] if tool == "loadgen-b" else []
            fn = lambda: B.run_loadgen(server.port, data, seconds, extra=spin, expect=server.name != "echo")
        else:
            fn = lambda: B.run_dnsperf(server.port, data, seconds)
        res = B.measure(server, fn)
        res["server"], res["tool"] = server.name, tool
        res["quiet_wait_s"], res["busy_before_pct"] = waited, busy
        attempts.append(res)
        if res["steal_server_cpu_pct"] <= steal_max:
            break
        B.log("  steal %.1f%% on the server core: running again" % res["steal_server_cpu_pct"])
    final = attempts[-1]
    final["discarded"] = attempts[:-1]
    return final


def show(res, rnd):
    rc = res.get("rcodes", {})
    B.log("  r%d %-8s %-8s qps %8.0f  cpu %5.2fs (%3.0f%%)  q/cpu-s %8.0f  lat %6.0fus  steal %4.1f%%  "
          "lost %d  unexpected %s  rcodes %s  hwm %d MiB"
          % (rnd, res["server"], res["tool"], res.get("qps", 0), res["server_cpu_s"], res["cpu_util_pct"],
             res["qps_per_cpu"], res.get("lat_avg_us", 0), res["steal_server_cpu_pct"], res.get("lost", 0),
             res.get("unexpected_rcode", "-"), rc, res["hwm_kb"] // 1024))


def summarize(doc):
    """Markdown tables: per tool, per server, medians and min-max of the rounds."""
    runs = doc["runs"]
    out = []
    tools = [t for t in TOOLS if any(r["tool"] == t for r in runs)]
    servers = [s for s in ORDER + ["rdnsd-2w"] if any(r["server"] == s for r in runs)]
    meds = {}
    for tool in tools:
        rows = []
        for s in servers:
            rs = [r for r in runs if r["tool"] == tool and r["server"] == s]
            if not rs:
                continue
            meds[(tool, s)] = {k: B.med([r.get(k) for r in rs]) for k in ("qps", "qps_per_cpu", "hwm_kb")}
            rc = {}
            for r in rs:
                for k, v in r.get("rcodes", {}).items():
                    rc[k] = rc.get(k, 0) + v
            total = sum(rc.values()) or 1
            rcs = ", ".join("%s %.1f%%" % (k, 100.0 * v / total) for k, v in sorted(rc.items()))
            unexpected = sum(int(r.get("unexpected_rcode", 0) or 0) for r in rs) if tool.startswith("loadgen") else "-"
            rows.append([
                s, len(rs), B.span([r.get("qps") for r in rs]), B.span([r["qps_per_cpu"] for r in rs]),
                B.span([r["cpu_util_pct"] for r in rs]),
                B.span([r.get("lat_avg_us") for r in rs]),
                B.span([r.get("lat_p99_us") for r in rs]) if tool.startswith("loadgen") else "-",
                rcs, unexpected, sum(int(r.get("lost", 0)) for r in rs),
                B.span([r["steal_server_cpu_pct"] for r in rs], "{:.1f}"),
                B.span([r.get("other_on_server_core_pct") for r in rs]) if s != "rdnsd-2w" else "-",
                "%.0f" % (max(r["hwm_kb"] for r in rs) / 1024),
                "%.0f / %.0f" % (max(r.get("rss_anon_kb", 0) for r in rs) / 1024,
                                 max(r.get("rss_file_kb", 0) for r in rs) / 1024),
            ])
        out.append("### %s, %s set (%d rounds of %d s)\n" % (tool, doc["set"], doc["rounds"], doc["seconds"]))
        out.append(B.markdown_table(
            ["server", "runs", "QPS median (min-max)", "QPS per server CPU-s", "server CPU %", "latency avg us",
             "latency p99 us", "rcodes", "unexpected rcode", "lost", "steal % (server core)", "other work % (server core)", "peak RSS MiB", "RSS anon / file MiB"],
            rows))
        out.append("")
        ratio_rows = []
        r = meds.get((tool, "rdnsd"))
        for peer in ("rdnsd-rrl", "knotd", "nsd", "echo"):
            p = meds.get((tool, peer))
            if r and p and p["qps"] and p["qps_per_cpu"]:
                ratio_rows.append(["rdnsd / " + peer, "%.2f" % (r["qps"] / p["qps"]),
                                   "%.2f" % (r["qps_per_cpu"] / p["qps_per_cpu"]),
                                   "%.2f" % (r["hwm_kb"] / p["hwm_kb"]) if p["hwm_kb"] else "-"])
        if ratio_rows:
            out.append(B.markdown_table(["ratio of medians", "QPS", "QPS per CPU-s", "peak RSS"], ratio_rows))
            out.append("")
    return "\n".join(out)


def plot(doc, png):
    """Clustered bars of answers per server CPU-second, one cluster per server, one bar
    per load generator: median with min-max error bars."""
    work = os.path.join(B.SCRATCH, "results")
    os.makedirs(work, exist_ok=True)
    dat = os.path.join(work, os.path.basename(png)[:-4] + ".dat")
    tools = [t for t in TOOLS if any(r["tool"] == t for r in doc["runs"])]
    with open(dat, "w") as f:
        f.write("# server, then per tool (%s): median min max answers per server CPU-second\n"
                % " ".join(tools))
        for s in ORDER + ["rdnsd-2w"]:
            cols = []
            for t in tools:
                vals = [r["qps_per_cpu"] for r in doc["runs"] if r["server"] == s and r["tool"] == t]
                cols += ["%.0f %.0f %.0f" % (B.med(vals), min(vals), max(vals)) if vals else "NaN NaN NaN"]
            if any(c != "NaN NaN NaN" for c in cols):
                label = {"echo": "echo ceiling", "rdnsd-2w": "rdnsd, 2 workers"}.get(s, s)
                f.write('"%s" %s\n' % (label, " ".join(cols)))
    plots = []
    for i, t in enumerate(tools):
        c = 2 + 3 * i
        plots.append('"%s" using %d:%d:%d%s title "%s"' % (dat, c, c + 1, c + 2, ":xtic(1)" if i == 0 else "",
                                                             TOOL_TITLES[t]))
    script = """
set terminal pngcairo size 960,540 font "sans,11"
set output "%s"
set title "Answers per second of server CPU time (%s set, %d records; median, bars min-max of %d rounds)"
set ylabel "answers per server CPU-second"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set grid ytics
set yrange [0:*]
set format y "%%.0f"
set key top left
plot %s
""" % (png, doc["set"], doc.get("records", 0), doc["rounds"], ", ".join(plots))
    gp = dat[:-4] + ".gp"
    with open(gp, "w") as f:
        f.write(script)
    B.subprocess.run(["gnuplot", gp], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="standard")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=12)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--servers", default="rdnsd,knotd,nsd,echo")
    ap.add_argument("--no-2w", action="store_true", help="skip the run with rdnsd on two workers")
    ap.add_argument("--steal-max", type=float, default=10.0)
    ap.add_argument("--report", help="summarize an earlier results JSON and exit")
    ap.add_argument("--png", default=os.path.join(B.BENCH, "qps_per_cpu.png"))
    args = ap.parse_args()
    if not args.report:
        B.log("priority: %s" % B.raise_priority())
    if args.report:
        doc = json.load(open(args.report))
        print(summarize(doc))
        if args.png:
            plot(doc, args.png)
        return
    if not 1 <= args.rounds <= 20 or not 1 <= args.seconds <= 120:
        sys.exit("rounds 1..20 and seconds 1..120")

    data = B.dataset(args.set)
    names = [s for s in ORDER if s in args.servers.split(",")]
    tools = args.tools.split(",")
    if any(t not in TOOLS for t in tools):
        sys.exit("tools: %s" % ", ".join(TOOLS))
    run_dir = os.path.join(B.SCRATCH, "run", "qps-" + args.set)
    os.makedirs(run_dir, exist_ok=True)
    store_dir = os.path.join(B.SCRATCH, "store", args.set)
    doc = {"set": args.set, "rounds": args.rounds, "seconds": args.seconds, "machine": B.machine(), "priority": B.raise_priority(),
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "argv": sys.argv, "records": data["records"], "runs": [], "starts": {}}
    if "rdnsd" in names:
        rdnsd = B.rdnsd_bin()
        doc["rdnsd"] = rdnsd
        B.log("loading %d records into %s ..." % (data["records"], store_dir))
        doc["load"] = B.load_rdnsd(store_dir, data)
    if "rdnsd-rrl" in names:
        shutil.rmtree(store_dir + "-rrl", ignore_errors=True)
        shutil.copytree(store_dir, store_dir + "-rrl")
    if "rdnsd-base" in names:
        if not os.environ.get("RDNSD_BASE"):
            sys.exit("--servers rdnsd-base needs RDNSD_BASE=/path/to/another/rdnsd")
        doc["rdnsd-base"] = os.environ["RDNSD_BASE"]
        shutil.rmtree(store_dir + "-base", ignore_errors=True)
        shutil.copytree(store_dir, store_dir + "-base")
    servers = {}
    try:
        servers = start_servers(names, data, run_dir, store_dir)
        doc["starts"] = {n: s.start_ms for n, s in servers.items()}
        for s in servers.values():  # warm-up, not recorded
            B.run_loadgen(s.port, data, 2, expect=False)
        for rnd in range(1, args.rounds + 1):
            for tool in tools:
                for name in names:
                    res = one_run(servers[name], tool, data, args.seconds, args.steal_max)
                    res["round"] = rnd
                    doc["runs"].append(res)
                    show(res, rnd)
        if "rdnsd" in servers and not args.no_2w:
            servers.pop("rdnsd").stop()
            d = B.fresh_dir(os.path.join(run_dir, "rdnsd-2w"))
            both = "%s,%s" % (B.SERVER_CPU, B.LOAD_CPU)
            s2 = B.start_rdnsd(d, data, B.PORTS["rdnsd-2w"], workers=2, cpus=both, store_dir=store_dir,
                               name="rdnsd-2w")
            servers["rdnsd-2w"] = s2
            B.run_loadgen(s2.port, data, 2)
            for rnd in range(1, args.rounds + 1):
                for tool in tools:
                    res = one_run(s2, tool, data, args.seconds, 1e9)
                    res["round"] = rnd
                    doc["runs"].append(res)
                    show(res, rnd)
    finally:
        for s in servers.values():
            rc = s.stop()
            if rc not in (0, None):
                B.log("%s exited with status %s (log: %s)" % (s.name, rc, s.logfile))
    res_dir = os.path.join(B.SCRATCH, "results")
    os.makedirs(res_dir, exist_ok=True)
    stem = os.path.join(res_dir, "qps-%s-%s" % (args.set, time.strftime("%Y%m%d-%H%M%S")))
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    text = summarize(doc)
    with open(stem + ".md", "w") as f:
        f.write(text + "\n")
    print(text)
    print("results: %s.json" % stem)
    if args.png:
        plot(doc, args.png)
        print("chart: %s" % args.png)


if __name__ == "__main__":
    main()
