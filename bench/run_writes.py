#!/usr/bin/env python3
"""The write path: rdnsd's durable single-record sets and batches beside knotc, and the
query rate while writes are applied.

    bench/run_writes.sh [--rounds 3] [--ops 2000] [--ctl-runs 200] [--batch 100000]
                        [--pipelined-ops 20000] [--window 64]
                        [--knot-tx 10] [--knot-batch 10000] [--qps-seconds 10]
                        [--pin]
    bench/run_writes.sh --report RESULTS.json

rdnsd runs unpinned, as deployed, for tests 1-3: a durable set waits for the disk twice,
and its thread wakes fastest on the core that takes the disk's interrupts. With --pin
the whole process is held on core SERVER_CPU as in the query benchmarks (on a VM whose
disk interrupts go to the other core that halves single-set throughput; see
bench/RESULTS.md). Test 5 places its threads itself either way.

On the standard set (a copy of rdnsd's store made for this run; knotd on the same zone
files, zonefile-sync: -1):
 1. single: --ops sequential `set` requests over ONE admin connection, each waiting for
    its answer (each is one durable LMDB transaction), new IPv6 addresses; every 10th
    set is followed at once by a UDP query for the new name, which must return the new
    target (visibility of a commit to the very next query). --rounds rounds.
 1b. sync: the fsync/fdatasync/msync/write calls rdnsd makes for 200 sets (strace -c),
    to show that each set is flushed to disk before it is answered.
 1c. pipelined: --pipelined-ops durable `set` requests over ONE admin connection that
    keeps --window of them outstanding (sends more as answers come back): the sets that
    wait together are applied with one commit (group commit), each still answered after
    its commit. Sets per second and per-request latency (sent to answered). --rounds.
 2. rdnsctl: --ctl-runs `rdnsctl set` processes, one after another.
 3. batch: --batch new records (a) as one `rdnsctl batch FILE`, (b) as one batch request
    line on the socket, (c) as batch requests of at most 1 MiB (the admin line limit),
    each one transaction, sent back to back over one connection.
 4. knotc: --knot-tx single-record transactions (zone-begin, zone-set, zone-commit, each
    a knotc run), and one transaction of --knot-batch zone-set lines piped into one knotc.
 5. queries under writes: rdnsd (1 worker, core SERVER_CPU) measured with loadgen while
    idle of writes and while writeload applies --rate (1,000) sets per second (paced, one
    connection, one thread, on the load core; its CPU time is reported), interleaved,
    --rounds times each.
"""
import argparse
import collections
import datetime
import ipaddress
import json
import os
import random
import shutil
import socket
import signal
import subprocess
import sys
import time

import benchlib as B
import run_qps

PINNED_BEFORE_THE_OPTION = "core 0 (a run from before --pin)"
SPLIT_BYTES = 1 << 20  # batch size of test 3c, for comparison with one big transaction
V6_BASE = int(ipaddress.ip_address("2001:db8:1000::"))


class Addresses:
    """New IPv6 addresses in the standard set's /48 (a seed the dataset does not use);
    a 2^80 space, so they never collide with the dataset's records."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def next(self):
        a = V6_BASE + self.rng.getrandbits(80)
        return str(ipaddress.ip_address(a)), a

    @staticmethod
    def owner(a):
        return ".".join(reversed("%032x" % a)) + ".ip6.arpa."


def dns_query(sock, name, qtype=12):
    """One UDP query on a connected socket; returns (rcode, first answer's PTR target)."""
    qid = random.getrandbits(16)
    msg = qid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    msg += b"\x00" + qtype.to_bytes(2, "big") + b"\x00\x01"
    sock.send(msg)
    while True:
        ans = sock.recv(4096)
        if ans[:2] == msg[:2]:
            break
    rcode = ans[3] & 15
    if int.from_bytes(ans[6:8], "big") == 0:
        return rcode, None
    pos = len(msg)  # question echoed: the answer RR starts after it
    pos += 2 + 2 + 2 + 4  # name pointer, type, class, ttl
    rdlen = int.from_bytes(ans[pos:pos + 2], "big")
    rdata = ans[pos + 2:pos + 2 + rdlen]
    labels, i = [], 0
    while i < len(rdata) and rdata[i]:
        labels.append(rdata[i + 1:i + 1 + rdata[i]].decode())
        i += 1 + rdata[i]
    return rcode, ".".join(labels) + "."


def udp_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    return s


def single_sets(sock_path, port, n, addrs):
    c = B.AdminClient(sock_path)
    u = udp_socket(port)
    lat, stale, failed, checked = [], 0, 0, 0
    t0 = time.time()
    for i in range(n):
        ip, a = addrs.next()
        target = "w%d.example.com." % i
        t = time.perf_counter()
        r = c.request({"op": "set", "ip": ip, "name": target})
        lat.append((time.perf_counter() - t) * 1e6)
        if not r.get("ok"):
            failed += 1
            if failed < 5:
                B.log("  set refused: %s" % r)
            continue
        if i % 10 == 0:
            checked += 1
            rcode, got = dns_query(u, Addresses.owner(a))
            if rcode != 0 or got != target:
                stale += 1
                if stale < 5:
                    B.log("  stale answer right after commit: %s -> rcode %d %s" % (ip, rcode, got))
    secs = time.time() - t0
    c.close()
    u.close()
    lat.sort()
    return {"ops": n, "seconds": secs, "ops_per_s": n / secs, "failed": failed,
            "lat_p50_us": lat[len(lat) // 2], "lat_p99_us": lat[int(len(lat) * 0.99)],
            "visibility_checked": checked, "visibility_stale": stale}


def pipelined_sets(sock_path, n, window, addrs):
    """n sets over one admin connection with up to `window` of them unanswered: after
    each read, every answer already received is taken and the window refilled with one
    send. Latency is from the send of a request to the arrival of its answer."""
    c = B.AdminClient(sock_path)
    sent_at = collections.deque()
    lat, failed, sent, done = [], 0, 0, 0

    def refill():
        nonlocal sent
        k = min(window - (sent - done), n - sent)
        if k <= 0:
            return
        lines = []
        for _ in range(k):
            ip, _ = addrs.next()
            lines.append('{"op":"set","ip":"%s","name":"p%d.example.com."}\n' % (ip, sent))
            sent += 1
        now = time.perf_counter()
        sent_at.extend([now] * k)
        c.send("".join(lines))

    t0 = time.perf_counter()
    refill()
    while done < n:
        a = c.read_answer()
        while True:
            lat.append((time.perf_counter() - sent_at.popleft()) * 1e6)
            done += 1
            if not a.get("ok"):
                failed += 1
                if failed < 5:
                    B.log("  set refused: %s" % a)
            if b"\n" not in c.buf:
                break
            a = c.read_answer()
        refill()
    secs = time.perf_counter() - t0
    c.close()
    lat.sort()
    return {"ops": n, "window": window, "seconds": secs, "ops_per_s": n / secs, "failed": failed,
            "lat_p50_us": lat[len(lat) // 2], "lat_p99_us": lat[int(len(lat) * 0.99)]}


def rdnsctl_sets(sock_path, n, addrs):
    ctl = B.rdnsctl_bin()
    if not ctl:
        return {"error": "rdnsctl not built"}
    t0 = time.time()
    failed, first_err = 0, None
    for i in range(n):
        ip, _ = addrs.next()
        r = subprocess.run([ctl, "--socket", sock_path, "set", ip, "c%d.example.com." % i],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failed += 1
            first_err = first_err or ("exit %d: %s" % (r.returncode, r.stderr.strip()[:300]))
    secs = time.time() - t0
    return {"ops": n, "seconds": secs, "ops_per_s": n / secs, "failed": failed, "first_error": first_err}


def batch_ops(n, addrs, tag):
    ops = []
    for i in range(n):
        ip, _ = addrs.next()
        ops.append('{"op":"set","ip":"%s","name":"%s%d.example.com."}' % (ip, tag, i))
    return ops


def batch_tests(sock_path, n, addrs, workdir, rounds=1):
    out = {}
    # (a) rdnsctl batch FILE, `rounds` times with new addresses each time
    ctl = B.rdnsctl_bin()
    if ctl:
        out["rdnsctl_runs"] = []
        for rnd in range(rounds):
            path = os.path.join(workdir, "batch-%d-%d.jsonl" % (n, rnd))
            with open(path, "w") as f:
                f.write("\n".join(batch_ops(n, addrs, "ba%d-" % rnd)) + "\n")
            B.wait_quiet()
            t = time.time()
            r = subprocess.run([ctl, "--socket", sock_path, "batch", path], capture_output=True, text=True)
            out["rdnsctl_runs"].append({"seconds": time.time() - t, "exit": r.returncode,
                                        "output": (r.stdout + r.stderr).strip()[-400:]})
            os.unlink(path)
        out["rdnsctl"] = out["rdnsctl_runs"][-1]
    # (b) one request line on the socket
    ops = batch_ops(n, addrs, "bb")
    line = B.admin_batch_line(ops)
    c = B.AdminClient(sock_path)
    t = time.time()
    try:
        a = c.request_raw(line)
        out["one_line"] = {"seconds": time.time() - t, "bytes": len(line), "ok": a.get("ok"),
                           "answer": json.dumps(a)[:400]}
    except (OSError, RuntimeError, ValueError) as e:
        out["one_line"] = {"seconds": time.time() - t, "bytes": len(line), "ok": False, "answer": repr(e)[:400]}
    c.close()
    # (c) 1 MiB batches back to back
    ops = batch_ops(n, addrs, "bc")
    t = time.time()
    chunks = 0
    c = B.AdminClient(sock_path)
    chunk, size = [], 0
    for op in ops + [None]:
        if op is None or size + len(op) + 64 > SPLIT_BYTES:
            a = c.request_raw(B.admin_batch_line(chunk))
            chunks += 1
            if not a.get("ok"):
                out["split"] = {"error": json.dumps(a)[:400]}
                break
            chunk, size = [], 0
            if op is None:
                break
        chunk.append(op)
        size += len(op) + 1
    c.close()
    out.setdefault("split", {"seconds": time.time() - t, "requests": chunks, "records": n,
                             "records_per_s": n / (time.time() - t)})
    return out


def knot_tests(data, n_tx, n_batch, addrs, timeout):
    d = B.fresh_dir(os.path.join(B.SCRATCH, "run", "writes", "knotd"))
    s = B.start_knotd(d, data, B.PORTS["knotd"])
    sock = os.path.join(d, "knot.sock")
    zone = data["zones"][1]["apex"]
    out = {"start_ms": s.start_ms}

    def knotc(*args, stdin=None):
        return subprocess.run(["knotc", "-s", sock, "-t", str(timeout)] + list(args), input=stdin,
                              capture_output=True, text=True, timeout=timeout + 30)
    try:
        times = []
        t_all = time.time()
        for i in range(n_tx):
            ip, a = addrs.next()
            t = time.time()
            ok = knotc("zone-begin", zone).returncode == 0
            ok &= knotc("zone-set", zone, Addresses.owner(a), "3600", "PTR", "k%d.example.com." % i).returncode == 0
            ok &= knotc("zone-commit", zone).returncode == 0
            times.append(time.time() - t)
            if not ok:
                out["single_error"] = "knotc failed at transaction %d" % i
                break
            if time.time() - t_all > timeout:
                break
        out["single"] = {"tx": len(times), "seconds": sum(times), "tx_per_s": len(times) / sum(times),
                         "tx_seconds": times}
        lines = ["zone-begin %s" % zone]
        for i in range(n_batch):
            ip, a = addrs.next()
            lines.append("zone-set %s %s 3600 PTR kb%d.example.com." % (zone, Addresses.owner(a), i))
        lines.append("zone-commit %s" % zone)
        t = time.time()
        try:
            r = knotc(stdin="\n".join(lines) + "\n")
            out["batch"] = {"records": n_batch, "seconds": time.time() - t, "exit": r.returncode,
                            "errors": sum(1 for l in r.stdout.splitlines() if l.strip() and l.strip() != "OK")}
        except subprocess.TimeoutExpired:
            out["batch"] = {"records": n_batch, "seconds": time.time() - t, "error": "timed out"}
        out["hwm_kb"] = s.hwm_kb()
    finally:
        out["exit"] = s.stop(timeout=120)
    return out


def sync_calls(rdnsd, sock_path, n, addrs):
    """Counts the sync system calls rdnsd makes for n single-record sets (strace -c)."""
    if not shutil.which("strace"):
        return {"error": "strace not installed"}
    out = os.path.join(B.SCRATCH, "run", "writes", "strace.txt")
    st = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-e",
                           "trace=fsync,fdatasync,msync,sync_file_range,pwrite64,pwritev,write",
                           "-p", str(rdnsd.pid)], stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    c = B.AdminClient(sock_path)
    for i in range(n):
        ip, _ = addrs.next()
        c.request({"op": "set", "ip": ip, "name": "s%d.example.com." % i})
    c.close()
    time.sleep(0.5)
    st.send_signal(2)
    st.wait(30)
    calls = {}
    for line in open(out):
        parts = line.split()
        if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync", "msync", "sync_file_range", "pwrite64",
                                               "pwritev", "write"):
            calls[parts[-1]] = int(parts[3])
    return {"sets": n, "calls": calls}


class Writer:
    """writeload (bench/writeload.cpp) applying `rate` sets per second over one admin
    connection for at most `seconds`, or until stopped with SIGINT, paced and without
    waiting for each answer, so that the rate
    does not depend on how quickly the server's admin thread gets the shared core back.
    It runs on the load core at the load generator's priority; one thread, sleeping in
    ppoll() between requests."""

    def __init__(self, binary, sock_path, rate, seconds, seed):
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            B.prio() + ["taskset", "-c", B.LOAD_CPU, binary, "-S", sock_path, "-r", str(rate),
                        "-l", "%.2f" % seconds, "-s", str(seed)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running(self):
        """Whether writeload has not ended yet (without reaping it: finish() needs its
        resource usage)."""
        return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None

    def finish(self):
        """Waits for writeload to end (after SIGINT it stops sending and collects the
        answers still outstanding); returns its key=value figures, with its
        exit status, its CPU time (user+sys, from wait4) and its wall time added. nice and
        taskset exec it, so the child's PID is writeload's."""
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        _, status, ru = os.wait4(self.proc.pid, 0)
        wall = time.time() - self.t0
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.proc.stdout.close()
        self.proc.stderr.close()
        figures = {}
        for line in out.splitlines():
            k, _, v = line.partition("=")
            try:
                figures[k] = float(v)
            except ValueError:
                figures[k] = v
        figures.update({"exit": self.proc.returncode, "stderr": err.strip()[-1000:],
                        "cpu_s": ru.ru_utime + ru.ru_stime, "wall_s": wall})
        return figures


def probed_rounds(rounds, run, describe):
    """`rounds` runs of run() (a dict of figures), each between two fdatasync probes of the
    disk, each logged as describe(round, figures)."""
    out = []
    for rnd in range(1, rounds + 1):
        B.wait_quiet()
        r = {"fsync_before": B.fsync_probe()}
        r.update(run())
        r["fsync_after"] = B.fsync_probe()
        B.log(describe(rnd, r))
        out.append(r)
    return out


def queries_under_writes(rdnsd, data, sock_path, rounds, seconds, rate, addrs, window):
    """Query rate with and without `rate` sets per second. The answering threads
    (rdnsd-udp, rdnsd-tcp) have the server core to themselves, as in the query benchmark; the admin
    thread, which applies the writes, runs on the load core beside the load generator
    and the writing client (writeload), as an operator would deploy it (workers on their
    cores, the control plane elsewhere). So the load generator shares its core with the
    admin thread and the writing client; with 64 queries outstanding it then stalls
    whenever they run and cannot keep the worker busy, so this test keeps `window` queries
    outstanding (default 256) in both modes. writeload starts 0.5 s before the load
    generator and is stopped (SIGINT) when the load generator is done, so that it covers
    the whole measurement; each run of it writes new addresses (a seed drawn from
    `addrs`)."""
    pinned = B.pin_rdnsd_threads(rdnsd.pid)
    B.log("    threads pinned: %s" % ", ".join("%s on CPU %s" % kv for kv in sorted(pinned.items())))
    writeload = B.tool("writeload")
    runs = []
    for rnd in range(1, rounds + 1):
        for mode in ("idle", "writes"):
            B.wait_quiet()
            writer = None
            if mode == "writes":
                writer = Writer(writeload, sock_path, rate, seconds + 60, addrs.rng.getrandbits(63))
                time.sleep(0.5)
            w0 = B.thread_cpu_seconds(rdnsd.pid, B.ANSWER_THREADS)
            a0 = B.thread_cpu_seconds(rdnsd.pid, "rdnsd-admin")
            res = B.measure(rdnsd, lambda: B.run_loadgen(rdnsd.port, data, seconds, window=window))
            res["window"] = window
            res["worker_cpu_s"] = B.thread_cpu_seconds(rdnsd.pid, B.ANSWER_THREADS) - w0
            res["admin_cpu_s"] = B.thread_cpu_seconds(rdnsd.pid, "rdnsd-admin") - a0
            res["qps_per_worker_cpu"] = (res.get("answered", 0) / res["worker_cpu_s"]
                                         if res["worker_cpu_s"] > 0 else 0)
            res["pinned"] = pinned
            if writer:
                res["writer_covered"] = writer.running()
                writer.proc.send_signal(signal.SIGINT)  # stop sending; it drains and reports
            res["fsync_after"] = B.fsync_probe(20)
            if writer:
                w = writer.finish()
                res["writer"] = w
                res["writes_per_s"] = w.get("writes_per_s", 0.0)
                res["writes"] = int(w.get("answered", 0))
                res["writes_sent"] = int(w.get("sent", 0))
                res["writes_failed"] = int(w.get("failed", 0))
                res["writer_cpu_s"] = w["cpu_s"]
            res.update({"server": "rdnsd", "tool": "loadgen", "mode": mode, "round": rnd})
            run_qps.show(res, rnd)
            if writer:
                B.log("      writes applied: %.0f/s (%d sent, %d answered, %d refused); writeload CPU %.3f s"
                      " (%.1f%% of its %.1f s), exit %d" % (
                          res["writes_per_s"], res["writes_sent"], res["writes"], res["writes_failed"],
                          w["cpu_s"], 100.0 * w["cpu_s"] / w["wall_s"], w["wall_s"], w["exit"]))
                if w["exit"] != 0 or w["stderr"]:
                    B.log("      writeload: %s" % w["stderr"][-400:])
                if not res["writer_covered"]:
                    B.log("      writeload ended before the load generator did: the writes did not"
                          " cover the whole measurement")
            runs.append(res)
    return runs


def summarize(doc):
    out = ["rdnsd's CPUs for the write tests: %s" % doc.get("rdnsd_cpus", PINNED_BEFORE_THE_OPTION)]
    if doc.get("commit_wait_ms") is not None:
        out.append("rdnsd's admin.commit-wait: %d ms" % doc["commit_wait_ms"])
    out.append("")
    rows = []
    s = doc.get("single", [])
    if s:
        rows.append(["sets over one admin connection (%d per round, %d rounds)" % (s[0]["ops"], len(s)),
                     B.span([r["ops_per_s"] for r in s]),
                     "p50 %s us, p99 %s us" % (B.span([r["lat_p50_us"] for r in s]),
                                               B.span([r["lat_p99_us"] for r in s])),
                     "%d of %d stale" % (sum(r["visibility_stale"] for r in s),
                                         sum(r["visibility_checked"] for r in s)),
                     B.span([r["fsync_before"]["p50_us"] for r in s if "fsync_before" in r]
                            + [r["fsync_after"]["p50_us"] for r in s if "fsync_after" in r])])
    p = doc.get("pipelined", [])
    if p:
        rows.append(["sets pipelined over one admin connection, %d outstanding (%d per round, %d rounds)" % (
                         p[0]["window"], p[0]["ops"], len(p)),
                     B.span([r["ops_per_s"] for r in p]),
                     "p50 %s us, p99 %s us" % (B.span([r["lat_p50_us"] for r in p]),
                                               B.span([r["lat_p99_us"] for r in p])),
                     "-",
                     B.span([r["fsync_before"]["p50_us"] for r in p if "fsync_before" in r]
                            + [r["fsync_after"]["p50_us"] for r in p if "fsync_after" in r])])
    c = doc.get("rdnsctl")
    if c:
        rows.append(["separate `rdnsctl set` runs (%d)" % c.get("ops", 0),
                     "%.1f" % c["ops_per_s"] if not c.get("failed") else "failed %d of %d: %s" % (
                         c["failed"], c["ops"], c.get("first_error")), "-", "-", "-"])
    k = doc.get("knot", {})
    if k.get("single"):
        rows.append(["knotc zone-begin/zone-set/zone-commit (%d tx)" % k["single"]["tx"],
                     "%.2f tx/s" % k["single"]["tx_per_s"],
                     "per tx %s s" % B.span(k["single"]["tx_seconds"], "{:.2f}"), "-", "-"])
    out.append(B.markdown_table(["single-record writes", "per second median (min-max)", "latency", "visibility",
                                 "disk: 4 KiB fdatasync p50 us, probes between rounds"], rows))
    out.append("")
    if doc.get("sync", {}).get("calls") is not None:
        out.append("System calls of rdnsd during %d single-record sets (strace -f -c): %s\n" % (
            doc["sync"]["sets"], ", ".join("%s %d" % kv for kv in sorted(doc["sync"]["calls"].items()))))
    b = doc.get("batch", {})
    rows = []
    if "rdnsctl" in b:
        runs = b.get("rdnsctl_runs", [b["rdnsctl"]])
        rows.append(["rdnsctl batch FILE (%d records, %d runs)" % (doc["batch_records"], len(runs)),
                     B.span([r["seconds"] for r in runs], "{:.2f}"),
                     "exit %s: %s" % (",".join(str(r["exit"]) for r in runs),
                                      b["rdnsctl"]["output"][-200:].replace("\n", "; "))])
    if "one_line" in b:
        rows.append(["one batch request line, %d bytes" % b["one_line"]["bytes"], "%.2f" % b["one_line"]["seconds"],
                     "ok" if b["one_line"]["ok"] else "refused: " + b["one_line"]["answer"][:200]])
    if "split" in b and "seconds" in b["split"]:
        rows.append(["%d batch requests of <= 1 MiB (one transaction each), one connection" % b["split"]["requests"],
                     "%.2f" % b["split"]["seconds"], "%.0f records/s" % b["split"]["records_per_s"]])
    if k.get("batch"):
        rows.append(["knotc: one transaction of %d zone-set" % k["batch"]["records"],
                     "%.1f" % k["batch"]["seconds"], k["batch"].get("error", "exit %s, %s errors" % (
                         k["batch"].get("exit"), k["batch"].get("errors")))])
    out.append(B.markdown_table(["batch", "seconds", "result"], rows))
    out.append("")
    q = doc.get("under_writes", [])
    if q:
        rows = []
        for mode in ("idle", "writes"):
            rs = [r for r in q if r["mode"] == mode]
            rows.append([mode, B.span([r["qps"] for r in rs]), B.span([r["qps_per_cpu"] for r in rs]),
                         B.span([r.get("qps_per_worker_cpu") for r in rs]),
                         B.span([100.0 * r["worker_cpu_s"] / r["duration"] for r in rs if "worker_cpu_s" in r]),
                         B.span([100.0 * r["admin_cpu_s"] / r["duration"] for r in rs if "admin_cpu_s" in r]),
                         B.span([r["cpu_util_pct"] for r in rs]),
                         B.span([r.get("writes_per_s") for r in rs]) if mode == "writes" else "-",
                         sum(int(r.get("unexpected_rcode", 0) or 0) for r in rs),
                         B.span([r["steal_server_cpu_pct"] for r in rs], "{:.1f}"),
                         B.span([r["fsync_after"]["p50_us"] for r in rs if "fsync_after" in r])])
        idle = B.med([r["qps"] for r in q if r["mode"] == "idle"])
        busy = B.med([r["qps"] for r in q if r["mode"] == "writes"])
        pins = q[0].get("pinned")
        if pins:
            out.append("Threads: " + ", ".join("%s on CPU %s" % kv for kv in sorted(pins.items())) +
                       "; loadgen on CPU %s with %s queries outstanding\n" % (B.LOAD_CPU, q[0].get("window", B.WINDOW)))
        out.append(B.markdown_table(["rdnsd, 1 worker", "QPS", "QPS per CPU-s (process)", "QPS per worker CPU-s",
                                     "worker CPU %", "admin CPU %", "process CPU %", "writes/s applied",
                                     "unexpected rcodes", "steal %", "fdatasync p50 us after"], rows))
        if idle:
            out.append("\nQPS under writes / QPS without: %.2f" % (busy / idle))
        wl = [r for r in q if r.get("writer_cpu_s") is not None and r.get("writer", {}).get("wall_s")]
        if wl:
            out.append("Writing client (writeload, on the load core): %s%% of a core" % B.span(
                [100.0 * r["writer_cpu_s"] / r["writer"]["wall_s"] for r in wl], "{:.1f}"))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ops", type=int, default=2000)
    ap.add_argument("--pipelined-ops", type=int, default=20000)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--ctl-runs", type=int, default=200)
    ap.add_argument("--batch", type=int, default=100000)
    ap.add_argument("--knot-tx", type=int, default=10)
    ap.add_argument("--knot-batch", type=int, default=10000)
    ap.add_argument("--knot-timeout", type=int, default=900)
    ap.add_argument("--qps-seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--qps-window", type=int, default=256,
                    help="queries outstanding in the query-rate-under-writes test")
    ap.add_argument("--skip", default="", help="comma list of: single,sync,pipelined,rdnsctl,batch,knot,qps")
    ap.add_argument("--commit-wait", type=int, default=None,
                    help="rdnsd's admin.commit-wait in ms (default: rdnsd's own default)")
    ap.add_argument("--pin", action="store_true",
                    help="hold rdnsd on core SERVER_CPU for tests 1-3 (default: unpinned)")
    ap.add_argument("--report")
    args = ap.parse_args()
    if not args.report:
        B.log("priority: %s" % B.raise_priority())
    if args.report:
        print(summarize(json.load(open(args.report))))
        return
    skip = set(args.skip.split(","))
    data = B.dataset("standard")
    addrs = Addresses(7)
    base = os.path.join(B.SCRATCH, "store", "standard")
    B.load_rdnsd(base, data)
    store = os.path.join(B.SCRATCH, "store", "writes")
    if os.path.exists(store):
        shutil.rmtree(store)
    shutil.copytree(base, store)  # the writes must not change the store of the query runs
    doc = {"machine": B.machine(), "priority": B.raise_priority(), "argv": sys.argv, "batch_records": args.batch,
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    wd = B.fresh_dir(os.path.join(B.SCRATCH, "run", "writes", "rdnsd"))
    doc["rdnsd_cpus"] = B.SERVER_CPU if args.pin else "any"
    doc["commit_wait_ms"] = args.commit_wait
    rdnsd = B.start_rdnsd(wd, data, B.PORTS["rdnsd"], workers=1, store_dir=store,
                          cpus=B.SERVER_CPU if args.pin else None,
                          admin=None if args.commit_wait is None else {"commit-wait": args.commit_wait})
    sock = os.path.join(wd, "rdnsd.sock")
    try:
        if "single" not in skip:
            doc["single"] = probed_rounds(
                args.rounds, lambda: single_sets(sock, rdnsd.port, args.ops, addrs),
                lambda rnd, r: "single sets round %d: %.0f/s, p50 %.0f us, stale %d/%d; fdatasync p50 %.0f/%.0f us" % (
                    rnd, r["ops_per_s"], r["lat_p50_us"], r["visibility_stale"], r["visibility_checked"],
                    r["fsync_before"]["p50_us"], r["fsync_after"]["p50_us"]))
        if "pipelined" not in skip:
            doc["pipelined"] = probed_rounds(
                args.rounds, lambda: pipelined_sets(sock, args.pipelined_ops, args.window, addrs),
                lambda rnd, r: "pipelined sets round %d (window %d): %.0f/s, p50 %.0f us, p99 %.0f us, %d refused" % (
                    rnd, args.window, r["ops_per_s"], r["lat_p50_us"], r["lat_p99_us"], r["failed"]))
        if "sync" not in skip:
            doc["sync"] = sync_calls(rdnsd, sock, 200, addrs)
            B.log("sync calls for 200 sets: %s" % doc["sync"])
        if "rdnsctl" not in skip:
            B.wait_quiet()
            doc["rdnsctl"] = rdnsctl_sets(sock, args.ctl_runs, addrs)
            B.log("rdnsctl sets: %s" % {k: v for k, v in doc["rdnsctl"].items()})
        if "batch" not in skip:
            B.wait_quiet()
            doc["batch"] = batch_tests(sock, args.batch, addrs, wd, args.rounds)
            B.log("batch: %s" % json.dumps(doc["batch"])[:800])
        if "qps" not in skip:
            doc["under_writes"] = queries_under_writes(rdnsd, data, sock, args.rounds, args.qps_seconds,
                                                       args.rate, addrs, args.qps_window)
    finally:
        doc["rdnsd_exit"] = rdnsd.stop()
    if "knot" not in skip:
        B.wait_quiet()
        doc["knot"] = knot_tests(data, args.knot_tx, args.knot_batch, addrs, args.knot_timeout)
        B.log("knot: %s" % json.dumps(doc["knot"])[:600])
    res_dir = os.path.join(B.SCRATCH, "results")
    os.makedirs(res_dir, exist_ok=True)
    stem = os.path.join(res_dir, "writes-%s" % time.strftime("%Y%m%d-%H%M%S"))
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    text = summarize(doc)
    with open(stem + ".md", "w") as f:
        f.write(text + "\n")
    print(text)
    print("results: %s.json" % stem)


if __name__ == "__main__":
    main()
