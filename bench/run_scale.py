#!/usr/bin/env python3
"""Start time, memory and query rate as the dataset grows (165k, 1M, 10M records).

    bench/run_scale.sh [--sets standard,1m,10m] [--starts 3] [--rounds 3] [--seconds 10]
                       [--servers rdnsd,knotd,nsd] [--max-start 300] [--tool loadgen-b]
    bench/run_scale.sh --report RESULTS.json

For each set: rdnsd's store is loaded first through the admin socket (batches of at most
1 MiB, each one transaction; timed, but not part of the start). Then each server is
started --starts times (A B C A B C), each time with its data evicted from the page cache
first (posix_fadvise DONTNEED on the LMDB file or the zone files: a cold start) and, for
rdnsd, once more without eviction (warm). Start time = exec to the first correct answer
(a NOERROR PTR answer for an existing IPv6 record, polled over UDP every <= 1 ms by
bench/startwait). After the last start the servers stay up and are measured with
bench/loadgen (--tool: loadgen-b never sleeps, loadgen sleeps in poll; see run_qps.py),
interleaved, --rounds times.

A peer is skipped at a set when its figures at the previous set, scaled by the record
count, predict more than --max-start seconds to start or more memory than the machine
has; it is also given up on when it does not answer within --max-start seconds.
"""
import argparse
import datetime
import json
import os
import sys
import time

import benchlib as B
import run_qps

SERVERS = ["rdnsd", "knotd", "nsd"]


def evict(paths):
    """Drops the files' pages from the page cache (only these files)."""
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def store_files(store_dir):
    d = os.path.join(store_dir, "rdnsd.mdb")
    if os.path.isdir(d):
        return [os.path.join(d, f) for f in os.listdir(d)]
    return [d, d + "-lock"]


def zone_files(data):
    return [os.path.join(data["dir"], "zones", z["file"]) for z in data["zones"]]


def du_mib(paths):
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p)) / 2**20


def start(name, data, run_dir, store_dir, timeout, warm=False):
    d = B.fresh_dir(os.path.join(run_dir, name))
    port = B.PORTS[name]
    if name == "rdnsd":
        if not warm:
            evict(store_files(store_dir))
        return B.start_rdnsd(d, data, port, workers=1, store_dir=store_dir, timeout=timeout)
    evict(zone_files(data))
    if name == "knotd":
        return B.start_knotd(d, data, port, timeout=timeout)
    return B.start_nsd(d, data, port, timeout=timeout)


def skip_reason(name, data, prev, max_start, mem_kb):
    """Why `name` should not be run on `data`, from its figures on a smaller set."""
    if name == "rdnsd" or name not in prev:
        return None
    p = prev[name]
    if p.get("skipped"):
        return "skipped at the smaller set already (%s)" % p["skipped"]
    factor = data["records"] / p["records"]
    start_s = p["start_ms"] / 1000 * factor
    mem = p["hwm_kb"] * factor
    if start_s > max_start:
        return "predicted start %.0f s (%.1f s at %d records, x%.0f) > %d s" % (
            start_s, p["start_ms"] / 1000, p["records"], factor, max_start)
    if mem > 0.9 * mem_kb:
        return "predicted memory %.1f GiB (%.2f GiB at %d records, x%.0f) > 90%% of the machine's %.1f GiB" % (
            mem / 2**20, p["hwm_kb"] / 2**20, p["records"], factor, mem_kb / 2**20)
    return None


def run_set(setname, args, doc, prev):
    data = B.dataset(setname)
    run_dir = os.path.join(B.SCRATCH, "run", "scale-" + setname)
    os.makedirs(run_dir, exist_ok=True)
    store_dir = os.path.join(B.SCRATCH, "store", setname)
    entry = {"set": setname, "records": data["records"], "servers": {}, "runs": []}
    doc["sets"].append(entry)
    names = [s for s in SERVERS if s in args.servers.split(",")]
    mem_kb = B.machine()["mem_mib"] * 1024
    for n in list(names):
        why = skip_reason(n, data, prev, args.max_start, mem_kb)
        if why:
            B.log("%s: skipping %s: %s" % (setname, n, why))
            entry["servers"][n] = {"skipped": why, "records": data["records"]}
            prev[n] = entry["servers"][n]
            names.remove(n)
    if "rdnsd" in names:
        B.log("%s: loading %d records into rdnsd ..." % (setname, data["records"]))
        entry["load"] = B.load_rdnsd(store_dir, data)
        entry["store_mib"] = du_mib(store_files(store_dir))
    entry["zonefiles_mib"] = du_mib(zone_files(data))
    running = {}
    try:
        for i in range(args.starts):
            for n in names:
                info = entry["servers"].setdefault(n, {"records": data["records"], "starts": [], "warm_starts": []})
                if info.get("skipped"):
                    continue
                B.wait_quiet()
                try:
                    s = start(n, data, run_dir, store_dir, args.max_start)
                except RuntimeError as e:
                    info["skipped"] = "no correct answer within %d s: %s" % (args.max_start, str(e)[:200])
                    B.log("%s: %s: %s" % (setname, n, info["skipped"]))
                    continue
                info["starts"].append(s.start_ms)
                info.setdefault("rss_at_first_answer_kb", []).append(s.rss_kb())
                B.log("%s: %s start %d: %.1f ms, RSS %d MiB" % (setname, n, i + 1, s.start_ms, s.rss_kb() // 1024))
                if n == "rdnsd":  # the same again with the store in the page cache
                    s.stop()
                    s = start(n, data, run_dir, store_dir, args.max_start, warm=True)
                    info["warm_starts"].append(s.start_ms)
                    B.log("%s: %s warm start %d: %.1f ms" % (setname, n, i + 1, s.start_ms))
                if i + 1 < args.starts:
                    s.stop()
                else:
                    running[n] = s
        # Warm-up, not recorded: long enough for the queries to bring a cold store's
        # tree back into the page cache (at 10M, 2 s left the first round 20% low).
        warm_s = min(12, 2 + data["records"] // 1000000)
        for n, s in running.items():
            B.run_loadgen(s.port, data, warm_s)
        for rnd in range(1, args.rounds + 1):
            for n in names:
                if n not in running:
                    continue
                res = run_qps.one_run(running[n], args.tool, data, args.seconds, args.steal_max)
                res["round"] = rnd
                entry["runs"].append(res)
                run_qps.show(res, rnd)
        for n, s in running.items():
            info = entry["servers"][n]
            info["hwm_kb"] = s.hwm_kb()
            info["start_ms"] = B.med(info["starts"])
            prev[n] = info
    finally:
        for s in running.values():
            rc = s.stop(timeout=120)
            if rc not in (0, None):
                B.log("%s exited with status %s (log: %s)" % (s.name, rc, s.logfile))


def summarize(doc):
    rows = []
    base = {}
    for e in doc["sets"]:
        for n in SERVERS:
            info = e["servers"].get(n)
            if info is None:
                continue
            if info.get("skipped") and not info.get("starts"):
                rows.append([e["set"], e["records"], n, "skipped: " + info["skipped"], "-", "-", "-", "-", "-", "-", "-"])
                continue
            rs = [r for r in e["runs"] if r["server"] == n]
            qpc = B.med([r["qps_per_cpu"] for r in rs])
            if e["set"] == "standard" and qpc:
                base[n] = qpc
            vs = "%.0f%%" % (100.0 * qpc / base[n]) if qpc and n in base else "-"
            unexpected = sum(int(r.get("unexpected_rcode", 0) or 0) for r in rs)
            rows.append([
                e["set"], e["records"], n,
                B.span(info.get("starts", []), "{:.1f}"),
                B.span(info.get("warm_starts", []), "{:.1f}") if n == "rdnsd" else "-",
                "%.0f" % (B.med(info.get("rss_at_first_answer_kb", [0])) / 1024),
                "%.0f" % (info.get("hwm_kb", 0) / 1024),
                "%.0f / %.0f" % (max([r.get("rss_anon_kb", 0) for r in rs] or [0]) / 1024,
                                 max([r.get("rss_file_kb", 0) for r in rs] or [0]) / 1024),
                B.span([r.get("qps") for r in rs]), B.span([r["qps_per_cpu"] for r in rs]) + (" [%s]" % vs),
                "%d" % unexpected,
            ])
    out = [B.markdown_table(
        ["set", "records", "server", "start ms, cold (min-max)", "start ms, warm", "RSS at first answer MiB",
         "peak RSS MiB", "RSS anon / file MiB", "QPS (%s)" % doc.get("tool", "loadgen"), "QPS per CPU-s [vs standard set]", "unexpected rcodes"], rows), ""]
    loads = [[e["set"], e["load"]["via"], "%.1f" % e["load"]["seconds"],
              "%.0f" % (e["records"] / e["load"]["seconds"]), "%.0f" % e.get("store_mib", 0),
              "%.0f" % e.get("zonefiles_mib", 0)]
             for e in doc["sets"] if e.get("load")]
    if loads:
        out.append(B.markdown_table(["set", "rdnsd loaded via", "load s", "records/s", "LMDB MiB",
                                     "zone files MiB"], loads))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="standard,1m,10m")
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--max-start", type=int, default=300)
    ap.add_argument("--steal-max", type=float, default=10.0)
    ap.add_argument("--tool", default="loadgen-b", choices=["loadgen-b", "loadgen"],
                    help="load generator of the query runs (run_qps.TOOLS)")
    ap.add_argument("--report")
    args = ap.parse_args()
    if not args.report:
        B.log("priority: %s" % B.raise_priority())
    if args.report:
        print(summarize(json.load(open(args.report))))
        return
    doc = {"machine": B.machine(), "priority": B.raise_priority(), "argv": sys.argv, "sets": [], "tool": args.tool,
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    prev = {}
    res_dir = os.path.join(B.SCRATCH, "results")
    os.makedirs(res_dir, exist_ok=True)
    stem = os.path.join(res_dir, "scale-%s" % time.strftime("%Y%m%d-%H%M%S"))
    for s in args.sets.split(","):
        run_set(s, args, doc, prev)
        with open(stem + ".json", "w") as f:  # after every set: a partial run still counts
            json.dump(doc, f, indent=1)
    text = summarize(doc)
    with open(stem + ".md", "w") as f:
        f.write(text + "\n")
    print(text)
    print("results: %s.json" % stem)


if __name__ == "__main__":
    main()
