#!/usr/bin/env python3
"""Replication benchmarks: rdnsd as a primary beside knotd.

    bench/run_xfr.sh [all|propagation|axfr|qps|fanout] [--quick] [options]
    bench/run_xfr.sh --report RESULTS.json

  propagation  rdnsd and knotd as primaries, each with a knotd, an nsd and a named
               secondary (TSIG, NOTIFY-driven, SOA refresh 3600 s). --changes changes
               (new PTRs, one serial step each) at --rate per second, in --blocks blocks
               that alternate between the two primaries; then --bursts bursts of --burst
               changes as fast as each primary takes them (rdnsd: all sets pipelined on
               one admin connection; knotd: one knotc run with one transaction per
               change). A change's time runs from the answer to its write (the `set`
               answer read from the admin socket; knotc's exit after zone-commit) to
               the first SOA answer of the secondary with the change's serial or later
               (UDP, every --interval ms while changes are outstanding), after which a
               PTR query checks that the new PTR is answered.
  axfr         zones of --sizes records (random addresses in 10.0.0.0/8, one zone
               10.in-addr.arpa.), rdnsd (store loaded with rdnsctl batch) and knotd (zone
               file) pinned to SERVER_CPU: AXFR by bench/axfr_reader (reads and walks
               every record, prints nothing) --rounds times, interleaved; kdig +tcp AXFR
               once each as a cross-check; IXFR after 10 changes (10 serial steps, and one
               step of 10); peak RSS (VmHWM) after start and after the transfers, CPU
               time per transfer.
  qps          rdnsd on the largest zone, its answering threads on SERVER_CPU, answered
               QPS (bench/loadgen -b, as run_qps) idle and while --transfers AXFRs of the
               zone run back to back, interleaved --rounds times.
  fanout       rdnsd with --fanout-secondaries knotd secondaries (TSIG), --fanout-rate
               changes/s for --fanout-seconds; propagation to every secondary; rdnsd's CPU
               time per change (/proc/PID/stat), against the same writes with no
               secondaries.

--quick: small sizes for trying the scripts (100 changes, bursts of 50, a 20,000-record
zone, 8 s fan-out): figures from it are labelled quick in the JSON and the tables.

Results: bench/scratch/results/xfr-TIME.json and .md. Every run records the machine's
load average and steal (/proc/stat). Everything listens on 127.0.0.1 (ports 45360-45389)
and every process started is stopped by its PID.
"""
import argparse
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time

import benchlib as B
import xfrlib as X

BENCH = B.BENCH
sys.path.insert(0, BENCH)
import gen_dataset as G  # noqa: E402

PROP_ZONE, PROP_PREFIX = "1.10.in-addr.arpa.", "10.1.0.0/16"
FAN_ZONE, FAN_PREFIX = "2.10.in-addr.arpa.", "10.2.0.0/16"
BIG_ZONE = "10.in-addr.arpa."
PORT = {"rdnsd": 45360, "knotd": 45361, "rdnsd-big": 45368, "knotd-big": 45369, "rdnsd-fan": 45380,
        "rdnsd-base": 45381}
SEC_PORTS = {"rdnsd": {"knotd": 45362, "nsd": 45363, "named": 45364},
             "knotd": {"knotd": 45365, "nsd": 45366, "named": 45367}}
FAN_PORT0 = 45370
RUN = os.path.join(B.SCRATCH, "run", "xfr")


def state():
    """Load average and the cumulative CPU counters, for steal over a run."""
    return {"load1": os.getloadavg()[0], "cpu": B.cpu_times(), "t": time.time()}


def steal_between(a, b):
    return {"steal_pct": B.steal_pct(a["cpu"], b["cpu"]), "busy_pct": B.busy_pct(a["cpu"], b["cpu"]),
            "load1_before": a["load1"], "load1_after": b["load1"], "seconds": b["t"] - a["t"]}


def wait_load(max_load, max_wait):
    """Waits until the 1-minute load average is below max_load (at most max_wait s)."""
    t0 = time.time()
    while os.getloadavg()[0] >= max_load and time.time() - t0 < max_wait:
        time.sleep(5)
    return {"waited_s": time.time() - t0, "load1": os.getloadavg()[0]}


def address(g, second_octet):
    return "10.%d.%d.%d" % (second_octet, (g >> 8) & 255, g & 255)


# ---- propagation ----

class PropServers:
    """Both primaries of the propagation zone and their three secondaries each."""

    def __init__(self):
        self.procs = []
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        d = B.fresh_dir(os.path.join(RUN, "prop"))
        conf = X.rdnsd_small_conf(os.path.join(d, "rdnsd"), PORT["rdnsd"], PROP_PREFIX,
                                  list(SEC_PORTS["rdnsd"].values()))
        self.rdnsd = self._keep(X.start_rdnsd_plain(os.path.join(d, "rdnsd"), conf))
        zf = os.path.join(d, "knotd-primary", "zone", PROP_ZONE + "zone")
        os.makedirs(os.path.dirname(zf))
        with open(zf, "w") as f:
            f.write(X.zone_file_text(PROP_ZONE))
        self.knotd = self._keep(X.knotd_primary(os.path.join(d, "knotd-primary"), PORT["knotd"], PROP_ZONE, zf,
                                                list(SEC_PORTS["knotd"].values())))
        for prim in ("rdnsd", "knotd"):
            if X.wait_serial(PORT[prim], PROP_ZONE, None, 30) is None:
                raise RuntimeError("%s (primary) does not answer" % prim)
        self.secondaries = {}
        for prim, ports in SEC_PORTS.items():
            for kind, port in ports.items():
                p = X.SECONDARY_KINDS[kind](os.path.join(d, "%s-of-%s" % (kind, prim)), port, PROP_ZONE, PORT[prim])
                self.secondaries[(prim, kind)] = self._keep(p)
        for (prim, kind), p in self.secondaries.items():
            want = X.ask_soa(PORT[prim], PROP_ZONE)
            if X.wait_serial(SEC_PORTS[prim][kind], PROP_ZONE, want, 60) is None:
                raise RuntimeError("%s secondary of %s did not get the zone:\n%s" % (kind, prim, p.log()[-3000:]))
        self.writers = {"rdnsd": X.RdnsdWriter(self.rdnsd.sock, PROP_ZONE),
                        "knotd": X.KnotWriter(self.knotd.ctl, PORT["knotd"], PROP_ZONE)}
        self.next = {"rdnsd": 0, "knotd": 0}

    def _keep(self, p):
        self.procs.append(p)
        return p

    def items(self, prim, n, tag):
        out = []
        for _ in range(n):
            g = self.next[prim]
            self.next[prim] += 1
            out.append((address(g, 1), "%s-%d.%s.example.com." % (tag, g, prim)))
        return out

    def check_alive(self):
        for p in self.procs:
            if not p.alive():
                raise RuntimeError("%s exited:\n%s" % (p.name, p.log()[-3000:]))

    def stop(self):
        for w in getattr(self, "writers", {}).values():
            w.close()
        for p in reversed(self.procs):
            rc = p.stop()
            if rc not in (0, None, -15):
                B.log("  %s exited with %s (log %s)" % (p.name, rc, p.logfile))


def secondaries_of(prim):
    return [("%s" % k, p) for k, p in SEC_PORTS[prim].items()]


def rate_block(srv, prim, n, rate, interval):
    poller = X.Poller(secondaries_of(prim), PROP_ZONE, interval)
    poller.start()
    writer = srv.writers[prim]
    st0, cpu0 = state(), (srv.rdnsd if prim == "rdnsd" else srv.knotd).cpu()
    changes, late = [], 0
    t0 = time.perf_counter()
    for i, (addr, target) in enumerate(srv.items(prim, n, "r")):
        due = t0 + i / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        elif now - due > 1.0 / rate:
            late += 1
        serial, t = writer.change(addr, target)
        ch = X.Change(i, addr, target, serial, t)
        changes.append(ch)
        poller.add(ch)
    wall = time.perf_counter() - t0
    poller.finish()
    st1, cpu1 = state(), (srv.rdnsd if prim == "rdnsd" else srv.knotd).cpu()
    out = {"primary": prim, "kind": "rate", "n": n, "rate": rate, "achieved_rate": n / wall, "late_writes": late,
           "primary_cpu_s": cpu1 - cpu0, "poll_queries": poller.queries, "machine": steal_between(st0, st1),
           "secondaries": {}, "lat_ms": {}}
    for sec, _ in secondaries_of(prim):
        out["secondaries"][sec] = X.latency_summary(changes, sec)
        out["lat_ms"][sec] = [round((ch.seen[sec] - ch.t_answer) * 1000, 3) if sec in ch.seen else None
                              for ch in changes]
    return out


def burst_block(srv, prim, n, interval):
    poller = X.Poller(secondaries_of(prim), PROP_ZONE, interval)
    poller.start()
    st0 = state()
    items = srv.items(prim, n, "b")
    t_first = time.perf_counter()
    answers = srv.writers[prim].burst(items)
    changes = [X.Change(i, a, t, s, ta) for i, ((a, t), (s, ta)) in enumerate(zip(items, answers))]
    # Only the last change is watched: a secondary that has it has every one before.
    poller.add(changes[-1])
    poller.finish()
    st1 = state()
    last = changes[-1]
    out = {"primary": prim, "kind": "burst", "n": n, "write_s": last.t_answer - t_first,
           "writes_per_s": n / max(1e-9, last.t_answer - t_first), "machine": steal_between(st0, st1),
           "secondaries": {}}
    for sec, _ in secondaries_of(prim):
        seen = last.seen.get(sec)
        out["secondaries"][sec] = {
            "after_last_answer_ms": (seen - last.t_answer) * 1000 if seen else None,
            "after_first_write_ms": (seen - t_first) * 1000 if seen else None,
            "ptr_ok": last.verified.get(sec) is True}
    return out


def propagation(args, doc):
    res = doc.setdefault("propagation", {"blocks": [], "bursts": []})
    per_block = max(1, args.changes // args.blocks)
    res.update({"changes": per_block * args.blocks, "rate": args.rate, "blocks": res["blocks"],
                "interval_ms": args.interval, "burst": args.burst, "n_bursts": args.bursts})
    srv = PropServers()
    try:
        res["versions"] = versions()
        for b in range(args.blocks):
            for prim in ("rdnsd", "knotd") if b % 2 == 0 else ("knotd", "rdnsd"):
                B.wait_quiet()
                srv.check_alive()
                r = rate_block(srv, prim, per_block, args.rate, args.interval / 1000.0)
                r["block"] = b
                res["blocks"].append(r)
                B.log("  block %d %-5s %s  steal %.1f%% load %.2f" % (
                    b, prim, "  ".join("%s p50 %.1f p99 %.1f max %.1f ms lost %d" % (
                        s, v["p50_ms"] or -1, v["p99_ms"] or -1, v["max_ms"] or -1, v["lost"])
                        for s, v in r["secondaries"].items()), r["machine"]["steal_pct"], r["machine"]["load1_after"]))
        for b in range(args.bursts):
            for prim in ("rdnsd", "knotd") if b % 2 == 0 else ("knotd", "rdnsd"):
                B.wait_quiet()
                srv.check_alive()
                r = burst_block(srv, prim, args.burst, args.interval / 1000.0)
                r["block"] = b
                res["bursts"].append(r)
                B.log("  burst %d %-5s writes %.0f/s in %.2f s; %s" % (
                    b, prim, r["writes_per_s"], r["write_s"], "  ".join(
                        "%s +%.0f ms" % (s, v["after_last_answer_ms"] or -1) for s, v in r["secondaries"].items())))
        res["transfer_log"] = transfer_kinds(srv)
    finally:
        srv.stop()


def transfer_kinds(srv):
    """How the secondaries got their changes (IXFR or AXFR), from their logs."""
    out = {}
    for (prim, kind), p in srv.secondaries.items():
        text = p.log()
        if kind == "knotd":
            out["%s<-%s" % (kind, prim)] = transfer_counts(text)
        elif kind == "named":
            out["%s<-%s" % (kind, prim)] = {"IXFR": text.count("Transfer completed") , "note": "named -g: 'Transfer completed' lines"}
        else:
            own = os.path.join(p.workdir, "nsd-own.log")
            t = open(own, errors="replace").read() if os.path.exists(own) else ""
            out["%s<-%s" % (kind, prim)] = {"updates": t.count("received update"), "note": "nsd does not log the kind"}
    return out


def transfer_counts(knotd_log):
    """Finished incoming transfers in a knotd secondary's log, by kind."""
    out = {"IXFR": 0, "AXFR": 0}
    for line in knotd_log.splitlines():
        m = re.search(r"\] (IXFR|AXFR), incoming, remote [^,]+, finished", line)
        if m:
            out[m.group(1)] += 1
    return out


def rdnsd_sent(log):
    """What rdnsd's log says it sent: transfers by kind, with records and bytes."""
    out = {}
    for m in re.finditer(r"rdnsd: (IXFR \(AXFR-style\)|IXFR|AXFR|SOA) of \S+ serial \d+ to \S+: (\d+) records, "
                         r"(\d+) messages, (\d+) bytes", log):
        k = out.setdefault(m.group(1), {"n": 0, "records": 0, "bytes": 0})
        k["n"] += 1
        k["records"] += int(m.group(2))
        k["bytes"] += int(m.group(4))
    return out


def versions():
    out = {}
    for name, cmd in (("knotd", ["knotd", "-V"]), ("nsd", ["nsd", "-v"]), ("named", ["named", "-v"])):
        r = subprocess.run(cmd, capture_output=True, text=True)
        out[name] = (r.stdout + r.stderr).strip().splitlines()[0]
    return out


# ---- the big zone ----

def big_dataset(n, seed=20261204, queries=200000):
    """One zone, 10.in-addr.arpa., of n random addresses in 10.0.0.0/8 (fixed seed), for
    rdnsd (batch files) and knotd (a zone file), plus a query file for loadgen."""
    name = "xfr-%d" % n
    d = os.path.join(B.SCRATCH, name)
    meta_path = os.path.join(d, "zones.json")
    if not os.path.exists(meta_path):
        B.log("generating %s ..." % name)
        os.makedirs(os.path.join(d, "zones"), exist_ok=True)
        rng = random.Random(seed)
        fam = G.Family(4, "10.0.0.0/8", n, rng)
        G.write_zone_file(os.path.join(d, "zones", fam.apex + "zone"), fam)
        G.write_batches(d, [fam])
        G.write_rdnsd_config(os.path.join(d, "rdnsd.yaml.in"), [fam])
        with open(os.path.join(d, "rdnsd.yaml.in"), "a") as f:
            f.write(X.rdnsd_replication_yaml([]))
        counts = G.write_queries(d, [fam], queries, random.Random(seed + 1))
        meta = {"set": name, "seed": seed, "records": n, "queries": counts,
                "zones": [{"apex": fam.apex, "prefix": "10.0.0.0/8", "file": fam.apex + "zone", "records": n}],
                "probe": "%s PTR" % fam.owner(fam.addrs[-1]), "free": [fam.text(fam.missing(rng)) for _ in range(2000)]}
        with open(meta_path, "w") as f:
            json.dump(meta, f)
    with open(meta_path) as f:
        meta = json.load(f)
    meta["dir"] = d
    meta["queries_file"] = os.path.join(d, "queries.txt")
    meta["expect_file"] = os.path.join(d, "queries.expect")
    return meta


def reader(port, serial=None, seconds=None, cpus=B.LOAD_CPU):
    cmd = B.prio() + ["taskset", "-c", cpus, B.tool("axfr_reader"), "-p", str(port), "-z", BIG_ZONE]
    if serial is not None:
        cmd += ["-s", str(serial)]
    if seconds:
        cmd += ["-l", str(seconds)]
    return cmd


def parse_reader(text):
    out = []
    for line in text.splitlines():
        rec = {}
        head, _, err = line.partition(" error=")
        for kv in head.split():
            k, _, v = kv.partition("=")
            try:
                rec[k] = float(v) if k == "ms" else int(v)
            except ValueError:
                rec[k] = v
        if err:
            rec["error"] = err
        out.append(rec)
    return out


def one_transfer(server, port, serial=None):
    st0, c0 = state(), server.cpu()
    r = subprocess.run(reader(port, serial), capture_output=True, text=True, timeout=900)
    st1, c1 = state(), server.cpu()
    recs = parse_reader(r.stdout)
    rec = recs[-1] if recs else {"error": "no output: " + r.stderr[-300:]}
    rec.update({"server_cpu_s": c1 - c0, "machine": steal_between(st0, st1), "hwm_kb": server.hwm_kb(),
                "rss_anon_kb": B.status_kb(server.pid, "RssAnon"), "rss_file_kb": B.status_kb(server.pid, "RssFile")})
    return rec


def kdig_axfr(port):
    t = time.perf_counter()
    p = subprocess.Popen(B.prio() + ["taskset", "-c", B.LOAD_CPU, "kdig", "@127.0.0.1", "-p", str(port), "+tcp",
                                     "AXFR", BIG_ZONE], stdout=subprocess.PIPE, text=True)
    records, tail = 0, []
    for line in p.stdout:
        if line and line[0] not in ";\n":
            records += 1
        elif line.startswith(";;"):
            tail.append(line.strip())
    p.wait()
    return {"wall_s": time.perf_counter() - t, "records": records, "exit": p.returncode, "summary": tail[-4:]}


class BigServers:
    """rdnsd and knotd serving the same zone of n records, both on SERVER_CPU."""

    def __init__(self, data, with_knotd=True):
        self.data, self.procs = data, {}
        try:
            self._start(with_knotd)
        except BaseException:
            self.stop()
            raise

    def _start(self, with_knotd):
        data = self.data
        d = os.path.join(RUN, "big-%d" % data["records"])
        os.makedirs(d, exist_ok=True)
        store = os.path.join(B.SCRATCH, "store", data["set"])
        t = time.time()
        self.load = B.load_rdnsd(store, data) or {"note": "store kept from an earlier run"}
        self.load["wall_s"] = time.time() - t
        B.log("  rdnsd store loaded (%s)" % self.load)
        self.rdnsd = B.start_rdnsd(B.fresh_dir(os.path.join(d, "rdnsd")), data, PORT["rdnsd-big"], workers=1,
                                   store_dir=store)
        self.procs["rdnsd"] = self.rdnsd
        self.start = {"rdnsd": {"start_ms": self.rdnsd.start_ms, "hwm_kb": self.rdnsd.hwm_kb(),
                                "rss_anon_kb": B.status_kb(self.rdnsd.pid, "RssAnon")}}
        self.knotd = None
        if with_knotd:
            kd = B.fresh_dir(os.path.join(d, "knotd"))
            t = time.time()
            self.knotd = X.knotd_primary(kd, PORT["knotd-big"], BIG_ZONE,
                                         os.path.join(data["dir"], "zones", data["zones"][0]["file"]), [],
                                         cpus=B.SERVER_CPU)
            self.procs["knotd"] = self.knotd
            if X.wait_serial(PORT["knotd-big"], BIG_ZONE, None, 900) is None:
                raise RuntimeError("knotd did not load the zone:\n" + self.knotd.log()[-3000:])
            self.start["knotd"] = {"start_ms": (time.time() - t) * 1000, "hwm_kb": self.knotd.hwm_kb(),
                                   "rss_anon_kb": B.status_kb(self.knotd.pid, "RssAnon")}
        B.log("  started: %s" % self.start)

    def stop(self):
        for p in self.procs.values():
            p.stop(120)


def ixfr_changes(bs, name, free, steps):
    """Ten new PTRs: `steps` 10 (one serial step each) or 1 (one step of ten)."""
    items = [(free.pop(), "ixfr-%d.example.com." % random.getrandbits(32)) for _ in range(10)]
    if name == "rdnsd":
        c = B.AdminClient(os.path.join(bs.rdnsd.workdir, "rdnsd.sock"))
        try:
            if steps == 10:
                for a, t in items:
                    assert c.request({"op": "set", "ip": a, "name": t}).get("ok")
            else:
                ops = [{"op": "set", "ip": a, "name": t} for a, t in items]
                r = c.request({"op": "batch", "ops": ops})
                assert r.get("ok"), r
        finally:
            c.close()
    else:
        w = X.KnotWriter(bs.knotd.ctl, PORT["knotd-big"], BIG_ZONE)
        if steps == 10:
            for a, t in items:
                w.change(a, t)
        else:
            lines = ["zone-begin %s" % BIG_ZONE] + ["zone-set %s %s 3600 PTR %s" % (BIG_ZONE, X.v4_owner(a), t)
                                                     for a, t in items] + ["zone-commit %s" % BIG_ZONE]
            w.knotc(stdin="\n".join(lines) + "\n")


def axfr(args, doc):
    res = doc.setdefault("axfr", {"sizes": {}})
    for n in args.sizes:
        data = big_dataset(n)
        B.wait_quiet()
        bs = BigServers(data)
        out = res["sizes"][str(n)] = {"records": n, "load": bs.load, "start": bs.start, "axfr": [], "ixfr": [],
                                      "kdig": {}}
        ports = {"rdnsd": PORT["rdnsd-big"], "knotd": PORT["knotd-big"]}
        servers = {"rdnsd": bs.rdnsd, "knotd": bs.knotd}
        try:
            for rnd in range(args.rounds):
                for name in ("rdnsd", "knotd") if rnd % 2 == 0 else ("knotd", "rdnsd"):
                    B.wait_quiet()
                    rec = one_transfer(servers[name], ports[name])
                    rec.update({"server": name, "round": rnd})
                    out["axfr"].append(rec)
                    B.log("  %d: AXFR %-5s %8.1f ms %10d bytes %8s records cpu %.2f s hwm %d MiB (anon %d) steal %.1f%% %s"
                          % (n, name, rec.get("ms", -1), rec.get("bytes", 0), rec.get("records"), rec["server_cpu_s"],
                             rec["hwm_kb"] // 1024, rec["rss_anon_kb"] // 1024, rec["machine"]["steal_pct"],
                             rec.get("error", "")))
            for name in ("rdnsd", "knotd"):
                out["kdig"][name] = kdig_axfr(ports[name])
                B.log("  %d: kdig %s %s" % (n, name, out["kdig"][name]))
            free = list(data["free"])
            for rnd in range(args.ixfr_rounds):
                for steps in (10, 1):
                    for name in ("rdnsd", "knotd"):
                        s0 = X.ask_soa(ports[name], BIG_ZONE)
                        t = time.perf_counter()
                        ixfr_changes(bs, name, free, steps)
                        write_s = time.perf_counter() - t
                        X.wait_serial(ports[name], BIG_ZONE, s0 + steps, 30)
                        rec = one_transfer(servers[name], ports[name], serial=s0)
                        rec.update({"server": name, "round": rnd, "steps": steps, "from_serial": s0, "write_s": write_s})
                        out["ixfr"].append(rec)
                        B.log("  %d: IXFR %-5s %d step(s): %.2f ms %d bytes %s records kind %s (writes took %.2f s)"
                              % (n, name, steps, rec.get("ms", -1), rec.get("bytes", 0), rec.get("records"),
                                 rec.get("kind"), write_s))
            out["end"] = {name: {"hwm_kb": servers[name].hwm_kb(), "rss_anon_kb": B.status_kb(servers[name].pid, "RssAnon"),
                                 "rss_file_kb": B.status_kb(servers[name].pid, "RssFile")} for name in servers}
        finally:
            bs.stop()


# ---- query rate under transfers ----

def qps(args, doc):
    n = max(args.sizes)
    data = big_dataset(n)
    res = doc.setdefault("qps", {"records": n, "transfers": args.transfers, "seconds": args.qps_seconds, "runs": []})
    bs = BigServers(data, with_knotd=False)
    try:
        res["threads"] = B.pin_rdnsd_threads(bs.rdnsd.pid)
        B.run_loadgen(bs.rdnsd.port, data, 2, expect=False)  # warm-up
        # One transfer first, so that the whole store is in the page cache for both kinds of run.
        subprocess.run(reader(bs.rdnsd.port), capture_output=True)
        modes = ["idle", "axfr", "axfr-split"]
        for rnd in range(args.rounds):
            for mode in modes if rnd % 2 == 0 else modes[::-1]:
                B.wait_quiet()
                # axfr: rdnsd-xfr (which serves the transfers, at nice 19) and rdnsd-tcp beside
                # rdnsd-udp on the server core (one worker, one core); axfr-split: those two on
                # the load core, with the load generator.
                tcp_cpu = B.LOAD_CPU if mode == "axfr-split" else B.SERVER_CPU
                for tid, comm in B.threads(bs.rdnsd.pid).items():
                    if comm in ("rdnsd-tcp", "rdnsd-xfr"):
                        subprocess.run(["taskset", "-p", "-c", tcp_cpu, str(tid)], check=True, capture_output=True)
                readers = []
                if mode != "idle":
                    readers = [subprocess.Popen(reader(bs.rdnsd.port, seconds=args.qps_seconds + 1),
                                                stdout=subprocess.PIPE, text=True) for _ in range(args.transfers)]
                    time.sleep(0.3)
                w0 = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-udp")
                t0 = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-tcp")
                x0 = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-xfr")
                r = B.measure(bs.rdnsd, lambda: B.run_loadgen(bs.rdnsd.port, data, args.qps_seconds, extra=["-b"]))
                r["udp_thread_cpu_s"] = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-udp") - w0
                r["tcp_thread_cpu_s"] = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-tcp") - t0
                r["xfr_thread_cpu_s"] = B.thread_cpu_seconds(bs.rdnsd.pid, "rdnsd-xfr") - x0
                r["load1"] = os.getloadavg()[0]
                xfers = []
                for p in readers:
                    outp, _ = p.communicate(timeout=900)
                    xfers += parse_reader(outp)
                r.update({"mode": mode, "round": rnd, "transfers": xfers,
                          "transfers_done": sum(1 for x in xfers if not x.get("error")),
                          "transfer_bytes": sum(x.get("bytes", 0) for x in xfers)})
                res["runs"].append(r)
                B.log("  qps r%d %-10s %8.0f QPS, %8.0f per CPU-s, udp thread %.1f s, tcp thread %.1f s, "
                      "xfr thread %.1f s, %d transfers (median %s ms), steal %.1f%% unexpected %s" % (
                          rnd, mode, r.get("qps", 0), r["qps_per_cpu"], r["udp_thread_cpu_s"], r["tcp_thread_cpu_s"],
                          r["xfr_thread_cpu_s"],
                          r["transfers_done"], B.med([x.get("ms") for x in xfers]),
                          r["steal_server_cpu_pct"], r.get("unexpected_rcode")))
    finally:
        bs.stop()


# ---- fan-out ----

def fanout(args, doc):
    res = doc.setdefault("fanout", {"secondaries": args.fanout_secondaries, "rate": args.fanout_rate,
                                    "seconds": args.fanout_seconds, "runs": []})
    d = B.fresh_dir(os.path.join(RUN, "fanout"))
    for rnd in range(args.rounds_fanout):
        for mode in ("none", "fanout") if rnd % 2 == 0 else ("fanout", "none"):
            B.wait_quiet()
            res["runs"].append(fanout_run(args, os.path.join(d, "%s-%d" % (mode, rnd)), mode))
            res["runs"][-1]["round"] = rnd


def thread_cpu(pid):
    by = {}
    for tid, comm in B.threads(pid).items():
        try:
            with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            by[comm] = by.get(comm, 0) + (int(fields[11]) + int(fields[12])) / B.TICK
        except OSError:
            pass
    return by


def fanout_run(args, d, mode):
    ports = [FAN_PORT0 + i for i in range(args.fanout_secondaries)] if mode == "fanout" else []
    port = PORT["rdnsd-fan"] if mode == "fanout" else PORT["rdnsd-base"]
    conf = X.rdnsd_small_conf(os.path.join(d, "rdnsd"), port, FAN_PREFIX, ports)
    procs = []
    try:
        rd = X.start_rdnsd_plain(os.path.join(d, "rdnsd"), conf)
        procs.append(rd)
        X.wait_serial(port, FAN_ZONE, None, 30)
        secs = []
        for i, p in enumerate(ports):
            k = X.knotd_secondary(os.path.join(d, "knotd-%d" % i), p, FAN_ZONE, port)
            procs.append(k)
            secs.append(("knotd-%d" % i, p))
        want = X.ask_soa(port, FAN_ZONE)
        for name, p in secs:
            if X.wait_serial(p, FAN_ZONE, want, 60) is None:
                raise RuntimeError("%s did not get the zone" % name)
        time.sleep(3)  # let the start-up NOTIFYs and polls settle
        w = X.RdnsdWriter(rd.sock, FAN_ZONE)
        poller = X.Poller(secs, FAN_ZONE, args.interval / 1000.0) if secs else None
        if poller:
            poller.start()
        n = int(args.fanout_rate * args.fanout_seconds)
        st0, c0, th0 = state(), rd.cpu(), thread_cpu(rd.pid)
        log0 = len(rd.log())
        changes = []
        t0 = time.perf_counter()
        for i in range(n):
            due = t0 + i / args.fanout_rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            addr, target = address(i, 2), "f%d.example.com." % i
            serial, t = w.change(addr, target)
            ch = X.Change(i, addr, target, serial, t)
            changes.append(ch)
            if poller:
                poller.add(ch)
        wall = time.perf_counter() - t0
        if poller:
            poller.finish()
        caught_up = time.perf_counter() - t0
        st1, c1, th1 = state(), rd.cpu(), thread_cpu(rd.pid)
        w.close()
        log = rd.log()[log0:]
        out = {"mode": mode, "secondaries": len(secs), "changes": n, "achieved_rate": n / wall,
               "until_all_caught_up_s": caught_up, "rdnsd_cpu_s": c1 - c0,
               "cpu_per_change_us": (c1 - c0) / n * 1e6,
               "threads_cpu_s": {k: th1.get(k, 0) - th0.get(k, 0) for k in th1},
               "machine": steal_between(st0, st1), "log_lines": log.count("\n"),
               "sent": rdnsd_sent(log), "log_sample": log.splitlines()[-5:]}
        if poller:
            allv = [ch for ch in changes]
            per = {name: X.latency_summary(allv, name) for name, _ in secs}
            pooled = sorted((ch.seen[name] - ch.t_answer) * 1000 for ch in allv for name, _ in secs if name in ch.seen)
            out.update({"per_secondary": per, "poll_queries": poller.queries,
                        "pooled": {"n": len(pooled), "p50_ms": X.percentile(pooled, 50),
                                   "p99_ms": X.percentile(pooled, 99), "max_ms": pooled[-1] if pooled else None},
                        "lost": sum(v["lost"] for v in per.values()),
                        "ptr_mismatch": sum(v["ptr_mismatch"] for v in per.values())})
            kinds = {"IXFR": 0, "AXFR": 0}
            for p in procs[1:]:
                t = p.log()
                for k, v in transfer_counts(t).items():
                    kinds[k] += v
            out["secondary_transfers"] = kinds
        B.log("  fanout %-6s %d changes at %.0f/s: rdnsd CPU %.2f s = %.0f us/change; %s" % (
            mode, n, out["achieved_rate"], out["rdnsd_cpu_s"], out["cpu_per_change_us"],
            ("p50 %.1f p99 %.1f max %.1f ms, transfers %s" % (out["pooled"]["p50_ms"], out["pooled"]["p99_ms"],
                                                              out["pooled"]["max_ms"], out["secondary_transfers"]))
            if poller else "no secondaries"))
        return out
    finally:
        for p in reversed(procs):
            p.stop()


# ---- report ----

def fmt(v, f="{:.1f}"):
    return "-" if v is None else f.format(v)


def summarize(doc):
    out = []
    label = " (QUICK sizes: trying the scripts, not the measurement)" if doc.get("quick") else ""
    p = doc.get("propagation")
    if p and p.get("blocks"):
        out.append("### Propagation, %d changes at %s/s in %d blocks per primary%s\n"
                   % (p["changes"], p["rate"], len(p["blocks"]) // 2, label))
        rows = []
        for prim in ("rdnsd", "knotd"):
            blocks = [b for b in p["blocks"] if b["primary"] == prim]
            for sec in ("knotd", "nsd", "named"):
                lat = sorted(v for b in blocks for v in b["lat_ms"][sec] if v is not None)
                meds = [b["secondaries"][sec]["p50_ms"] for b in blocks]
                p99s = [b["secondaries"][sec]["p99_ms"] for b in blocks]
                rows.append([prim, sec, len(lat), fmt(X.percentile(lat, 50)), B.span(meds, "{:.1f}"),
                             fmt(X.percentile(lat, 99)), B.span(p99s, "{:.1f}"), fmt(lat[-1] if lat else None),
                             sum(b["secondaries"][sec]["lost"] for b in blocks),
                             sum(b["secondaries"][sec]["ptr_mismatch"] for b in blocks),
                             sum(b["secondaries"][sec].get("ptr_after_soa", 0) for b in blocks),
                             B.span([b["machine"]["steal_pct"] for b in blocks], "{:.1f}"),
                             B.span([b["machine"]["load1_after"] for b in blocks], "{:.2f}")])
        out.append(B.markdown_table(["primary", "secondary", "changes", "p50 ms", "block p50s ms", "p99 ms",
                                     "block p99s ms", "max ms", "lost", "PTR never answered",
                                     "PTR after the SOA", "steal %", "load1"], rows))
        out.append("")
    if p and p.get("bursts"):
        out.append("### Burst of %d changes, %d bursts per primary%s\n" % (p["burst"], len(p["bursts"]) // 2, label))
        rows = []
        for prim in ("rdnsd", "knotd"):
            bs = [b for b in p["bursts"] if b["primary"] == prim]
            row = [prim, B.span([b["writes_per_s"] for b in bs]), B.span([b["write_s"] * 1000 for b in bs])]
            for sec in ("knotd", "nsd", "named"):
                row.append(B.span([b["secondaries"][sec]["after_last_answer_ms"] for b in bs]))
            rows.append(row)
        out.append(B.markdown_table(["primary", "writes/s", "writing ms", "knotd has the last, ms after its answer",
                                     "nsd", "named"], rows))
        out.append("")
    a = doc.get("axfr")
    if a:
        for n, s in sorted(a["sizes"].items(), key=lambda kv: int(kv[0])):
            out.append("### AXFR and IXFR, %s records%s\n" % (n, label))
            rows = []
            for name in ("rdnsd", "knotd"):
                rs = [r for r in s["axfr"] if r["server"] == name and not r.get("error")]
                if not rs:
                    continue
                ix10 = [r for r in s["ixfr"] if r["server"] == name and r["steps"] == 10]
                ix1 = [r for r in s["ixfr"] if r["server"] == name and r["steps"] == 1]
                st, end = s["start"].get(name, {}), s.get("end", {}).get(name, {})
                rows.append([name, len(rs), B.span([r["ms"] for r in rs]), B.span([r["bytes"] / 1e6 for r in rs], "{:.2f}"),
                             rs[0]["records"], B.span([r["server_cpu_s"] for r in rs], "{:.2f}"),
                             "%.0f / %.0f" % (st.get("hwm_kb", 0) / 1024, end.get("hwm_kb", 0) / 1024),
                             "%.0f / %.0f" % (st.get("rss_anon_kb", 0) / 1024, end.get("rss_anon_kb", 0) / 1024),
                             "%.2f s" % s["kdig"][name]["wall_s"] if name in s.get("kdig", {}) else "-",
                             "%s ms, %s B, %s" % (B.span([r.get("ms") for r in ix10], "{:.2f}"),
                                                  B.span([r.get("bytes") for r in ix10]), ix10[0].get("kind") if ix10 else "-"),
                             "%s ms, %s B, %s" % (B.span([r.get("ms") for r in ix1], "{:.2f}"),
                                                  B.span([r.get("bytes") for r in ix1]), ix1[0].get("kind") if ix1 else "-"),
                             B.span([r["machine"]["steal_pct"] for r in rs], "{:.1f}")])
            out.append(B.markdown_table(["server", "AXFRs", "AXFR ms", "MB", "records", "server CPU s",
                                         "VmHWM MiB start / end", "anon MiB start / end", "kdig wall",
                                         "IXFR after 10 steps", "IXFR after 1 step of 10", "steal %"], rows))
            out.append("")
    q = doc.get("qps")
    if q and q.get("runs"):
        out.append("### rdnsd's query rate during %d AXFRs of %d records%s\n" % (q["transfers"], q["records"], label))
        rows = []
        meds = {}
        for mode in ("idle", "axfr", "axfr-split"):
            rs = [r for r in q["runs"] if r["mode"] == mode]
            if not rs:
                continue
            meds[mode] = B.med([r.get("qps") for r in rs])
            rows.append([mode, len(rs), B.span([r.get("qps") for r in rs]), B.span([r["qps_per_cpu"] for r in rs]),
                         B.span([r.get("answered", 0) / r["udp_thread_cpu_s"] if r["udp_thread_cpu_s"] else None for r in rs]),
                         B.span([100 * r["tcp_thread_cpu_s"] / r["duration"] if r.get("duration") else None for r in rs]),
                         B.span([100 * r.get("xfr_thread_cpu_s", 0) / r["duration"] if r.get("duration") else None
                                 for r in rs]),
                         sum(r["transfers_done"] for r in rs),
                         B.span([B.med([x.get("ms") for x in r["transfers"]]) for r in rs if r["transfers"]]),
                         sum(int(r.get("unexpected_rcode", 0) or 0) for r in rs), sum(int(r.get("lost", 0)) for r in rs),
                         B.span([r["steal_server_cpu_pct"] for r in rs], "{:.1f}")])
        out.append(B.markdown_table(["mode", "runs", "QPS", "QPS per process CPU-s", "QPS per UDP-thread CPU-s",
                                     "TCP thread % of a core", "transfer thread % of a core", "transfers done", "AXFR ms (median)", "unexpected rcodes",
                                     "lost", "steal %"], rows))
        if meds.get("idle"):
            out.append("\nQPS during transfers / idle: %s\n" % ", ".join(
                "%s %.2f" % (m, meds[m] / meds["idle"]) for m in ("axfr", "axfr-split") if meds.get(m)))
    f = doc.get("fanout")
    if f and f.get("runs"):
        out.append("### Fan-out: %d knotd secondaries, %s changes/s for %s s%s\n"
                   % (f["secondaries"], f["rate"], f["seconds"], label))
        rows = []
        for mode in ("none", "fanout"):
            rs = [r for r in f["runs"] if r["mode"] == mode]
            if not rs:
                continue
            rows.append([mode, len(rs), B.span([r["achieved_rate"] for r in rs]),
                         B.span([r["cpu_per_change_us"] for r in rs]),
                         B.span([r.get("pooled", {}).get("p50_ms") for r in rs], "{:.1f}"),
                         B.span([r.get("pooled", {}).get("p99_ms") for r in rs], "{:.1f}"),
                         B.span([r.get("pooled", {}).get("max_ms") for r in rs], "{:.1f}"),
                         sum(r.get("lost", 0) for r in rs),
                         "/".join(str(r.get("sent", {}).get("IXFR", {}).get("n", 0)) for r in rs),
                         B.span([r.get("sent", {}).get("IXFR", {}).get("bytes", 0) / r["changes"] for r in rs]),
                         B.span([r["machine"]["steal_pct"] for r in rs], "{:.1f}")])
        out.append(B.markdown_table(["secondaries", "runs", "changes/s", "rdnsd CPU us per change",
                                     "propagation p50 ms", "p99 ms", "max ms", "lost", "IXFRs sent (per run)",
                                     "IXFR bytes per change", "steal %"],
                                    rows))
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=["all", "propagation", "axfr", "qps", "fanout"])
    ap.add_argument("--quick", action="store_true", help="small sizes, to try the scripts")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--blocks", type=int, default=10, help="blocks per primary, alternating")
    ap.add_argument("--interval", type=float, default=2.0, help="ms between SOA polls of a secondary")
    ap.add_argument("--burst", type=int, default=200)
    ap.add_argument("--bursts", type=int, default=3)
    ap.add_argument("--sizes", default="100000,1000000", help="records of the AXFR zones")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ixfr-rounds", type=int, default=2)
    ap.add_argument("--transfers", type=int, default=4)
    ap.add_argument("--qps-seconds", type=int, default=10)
    ap.add_argument("--fanout-secondaries", type=int, default=10)
    ap.add_argument("--fanout-rate", type=float, default=100.0)
    ap.add_argument("--fanout-seconds", type=float, default=30.0)
    ap.add_argument("--rounds-fanout", type=int, default=2)
    ap.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    ap.add_argument("--max-wait", type=float, default=600, help="seconds to wait for it at most")
    ap.add_argument("--report")
    args = ap.parse_args()
    if args.report:
        print(summarize(json.load(open(args.report))))
        return
    if args.quick:
        args.changes, args.blocks, args.burst, args.bursts = min(args.changes, 100), 2, 50, 2
        args.sizes, args.rounds, args.qps_seconds = "20000", 2, 4
        args.fanout_seconds, args.rounds_fanout = 8, 1
    args.sizes = [int(s) for s in args.sizes.split(",")]
    prio = B.raise_priority()
    doc = {"quick": args.quick, "argv": sys.argv, "priority": prio, "machine": B.machine(),
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "rdnsd": B.rdnsd_bin(), "commit": subprocess.run(["git", "-C", B.ROOT, "rev-parse", "--short", "HEAD"],
                                                           capture_output=True, text=True).stdout.strip(),
           "load_wait": wait_load(args.max_load, args.max_wait), "uptime_before": open("/proc/loadavg").read().strip()}
    B.log("priority: %s; load %s" % (prio, doc["uptime_before"]))
    parts = ["propagation", "axfr", "qps", "fanout"] if args.what == "all" else [args.what]
    res_dir = os.path.join(B.SCRATCH, "results")
    os.makedirs(res_dir, exist_ok=True)
    stem = os.path.join(res_dir, "xfr-%s%s" % ("quick-" if args.quick else "", time.strftime("%Y%m%d-%H%M%S")))
    try:
        for part in parts:
            B.log("== %s" % part)
            t = time.time()
            doc.setdefault("part_load_wait", {})[part] = wait_load(args.max_load, args.max_wait)
            globals()[part](args, doc)
            doc.setdefault("part_seconds", {})[part] = time.time() - t
    finally:
        doc["uptime_after"] = open("/proc/loadavg").read().strip()
        with open(stem + ".json", "w") as f:
            json.dump(doc, f, indent=1)
        text = summarize(doc)
        with open(stem + ".md", "w") as f:
            f.write(text + "\n")
        print(text)
        print("results: %s.json" % stem)


if __name__ == "__main__":
    main()
