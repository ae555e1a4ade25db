#!/usr/bin/env python3
"""UDP query rate while TCP clients hold connections: rdnsd beside itself.

    bench/run_tcp_load.sh [--set standard] [--rounds 3] [--seconds 10] [--idle 5000] [--slow 200]

rdnsd (one worker, its answering threads pinned to SERVER_CPU) on the set's zones, with
tcp-max-connections 6000, tcp-max-per-client 0 (every client is 127.0.0.1 here) and
tcp-idle-timeout 60 s. Two modes, interleaved --rounds times: "quiet", dnsperf over UDP
alone; "tcp-load", the same while a holder process keeps --idle idle TCP connections
open and --slow slow senders (each sends a query a byte every 200 ms, and connects again
when rdnsd closes it after tcp-io-timeout). Per run: dnsperf's answered queries per second,
lost queries, rdnsd's CPU time, and how many slow senders rdnsd closed.
Results: bench/scratch/results/tcpload-TIME.json and .md.
"""
import argparse
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import time

import benchlib as B

PORT = 45390


def query_bytes(qid):
    name = b"".join(bytes([len(p)]) + p for p in b"1.2.0.192.in-addr.arpa".split(b".")) + b"\0"
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 12, 1)
    return struct.pack(">H", len(msg)) + msg


def hold(port, idle, slow, seconds):
    """The holder: opens the connections, dribbles the slow ones, prints counts as JSON."""
    idle_socks = []
    for _ in range(idle):
        s = socket.create_connection(("127.0.0.1", port))
        idle_socks.append(s)
    sel = selectors.DefaultSelector()
    q = query_bytes(0x5300)
    slow_state = {}

    def connect_slow():
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        slow_state[s] = 0
        sel.register(s, selectors.EVENT_READ)

    for _ in range(slow):
        connect_slow()
    closed = 0
    end = time.time() + seconds
    next_byte = time.time()
    print(json.dumps({"ready": True}), flush=True)
    while time.time() < end:
        for key, _ in sel.select(timeout=max(0.0, next_byte - time.time())):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                del slow_state[s]
                closed += 1
                connect_slow()
        if time.time() >= next_byte:
            next_byte += 0.2
            for s, sent in list(slow_state.items()):
                if sent + 1 < len(q):
                    try:
                        s.send(q[sent:sent + 1])
                        slow_state[s] = sent + 1
                    except OSError:
                        pass
    print(json.dumps({"idle": len(idle_socks), "slow": slow, "slow_closed": closed}), flush=True)


def run(args):
    data = B.dataset(args.set)
    work = B.fresh_dir(os.path.join(B.SCRATCH, "run", "tcpload"))
    B.load_rdnsd(work, data)
    conf = B.write_rdnsd_conf(work, data, PORT, 1)
    with open(conf) as f:
        text = f.read()
    text = text.replace("\nserver:\n", "\nserver:\n  tcp-max-connections: 6000\n  tcp-max-per-client: 0\n"
                        "  tcp-idle-timeout: 60000\n", 1)
    with open(conf, "w") as f:
        f.write(text)
    server = B.Server("rdnsd", PORT, [B.rdnsd_bin(), "-c", conf], work, data["probe"], B.SERVER_CPU, 600)
    doc = {"argv": sys.argv, "machine": B.machine(), "set": args.set, "runs": []}
    try:
        B.pin_rdnsd_threads(server.pid)
        B.run_dnsperf(PORT, data, 2)  # warm-up
        modes = ["quiet", "tcp-load"]
        for rnd in range(args.rounds):
            for mode in modes if rnd % 2 == 0 else modes[::-1]:
                B.wait_quiet()
                holder = None
                if mode == "tcp-load":
                    holder = subprocess.Popen(
                        ["taskset", "-c", B.LOAD_CPU, sys.executable, __file__, "--hold", str(PORT),
                         str(args.idle), str(args.slow), str(args.seconds + 3)],
                        stdout=subprocess.PIPE, text=True)
                    json.loads(holder.stdout.readline())  # connected
                r = B.measure(server, lambda: B.run_dnsperf(PORT, data, args.seconds))
                if holder:
                    held = json.loads(holder.stdout.readline())
                    holder.wait(timeout=60)
                    r.update(held)
                r.update({"mode": mode, "round": rnd, "load1": os.getloadavg()[0]})
                doc["runs"].append(r)
                B.log("  r%d %-8s %8.0f QPS, lost %d, rdnsd CPU %.1f s, slow senders closed %s, load %.1f" % (
                    rnd, mode, r.get("qps", 0), r.get("lost", 0), r["server_cpu_s"], r.get("slow_closed", "-"),
                    r["load1"]))
    finally:
        server.stop()
    return doc


def report(doc):
    rows, meds = [], {}
    for mode in ("quiet", "tcp-load"):
        rs = [r for r in doc["runs"] if r["mode"] == mode]
        if not rs:
            continue
        meds[mode] = B.med([r.get("qps") for r in rs])
        rows.append([mode, len(rs), B.span([r.get("qps") for r in rs]), sum(int(r.get("lost", 0)) for r in rs),
                     B.span([r["server_cpu_s"] for r in rs], "{:.1f}"),
                     B.span([r.get("slow_closed") for r in rs if "slow_closed" in r]) if mode != "quiet" else "-",
                     B.span([r.get("load1") for r in rs], "{:.1f}")])
    out = [B.markdown_table(["mode", "runs", "dnsperf QPS", "lost", "rdnsd CPU s", "slow senders closed",
                             "load average"], rows)]
    if meds.get("quiet") and meds.get("tcp-load"):
        out.append("\nUDP QPS with the TCP load / quiet: %.2f" % (meds["tcp-load"] / meds["quiet"]))
    return "\n".join(out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--hold":
        hold(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="standard")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--report")
    args = ap.parse_args()
    if args.report:
        with open(args.report) as f:
            print(report(json.load(f)))
        return
    B.log("priority: %s" % B.raise_priority())
    doc = run(args)
    res_dir = os.path.join(B.SCRATCH, "results")
    os.makedirs(res_dir, exist_ok=True)
    stem = os.path.join(res_dir, "tcpload-%s" % time.strftime("%Y%m%d-%H%M%S"))
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    text = report(doc)
    with open(stem + ".md", "w") as f:
        f.write(text + "\n")
    print(text)
    print("\nresults: %s.json" % stem)


if __name__ == "__main__":
    main()
