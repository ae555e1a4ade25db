#!/usr/bin/env python3
"""DNS UPDATE messages per second beside admin-socket sets, into one rdnsd.

Each UPDATE is what `nsupdate -y` sends for one address: TSIG-signed (hmac-sha256) over
UDP, zone 2001:db8:1000::/48, "update delete OWNER PTR" and "update add OWNER 300 PTR
hostN.example.net." for a new address each time. Each set is the admin protocol's
{"op":"set"} of a new address, over one connection. Both are measured with one request
in flight and with 16 (UPDATEs on one UDP socket, each answered by its ID; sets
pipelined on the connection), for SECONDS each, every answer checked (NOERROR, ok).
Prints one JSON object per measurement: messages/s, latency p50/p99, rdnsd CPU ms per
message.

    bench/run_update.py [--seconds 5] [--out FILE]
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SECRET = b"update-bench-secret-0123456789abcdef"
KEY = "bench-key."


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def owner_of(n):
    """The ip6.arpa name of 2001:db8:1000::N (N < 2^32)."""
    nibbles = "%08x" % n
    return ".".join(reversed(nibbles)) + "." + ".".join(["0"] * 12) + ".0.0.0.1.8.b.d.0.1.0.0.2.ip6.arpa."


ZONE = "0.0.0.1.8.b.d.0.1.0.0.2.ip6.arpa."


def sign(msg, msg_id):
    """Appends a TSIG RR (RFC 8945, hmac-sha256) to the message `msg`."""
    alg = wire_name("hmac-sha256.")
    now = int(time.time())
    t48 = struct.pack(">HI", now >> 32, now & 0xFFFFFFFF)
    variables = wire_name(KEY) + struct.pack(">HI", 255, 0) + alg + t48 + struct.pack(">HHH", 300, 0, 0)
    mac = hmac.new(SECRET, msg + variables, hashlib.sha256).digest()
    rdata = alg + t48 + struct.pack(">HH", 300, len(mac)) + mac + struct.pack(">HHH", msg_id, 0, 0)
    rr = wire_name(KEY) + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata
    arcount = struct.unpack(">H", msg[10:12])[0] + 1
    return msg[:10] + struct.pack(">H", arcount) + msg[12:] + rr


def update_message(msg_id, n):
    owner = wire_name(owner_of(n))
    target = wire_name("host%d.example.net." % n)
    msg = struct.pack(">HHHHHH", msg_id, 5 << 11, 1, 0, 2, 0)
    msg += wire_name(ZONE) + struct.pack(">HH", 6, 1)
    msg += owner + struct.pack(">HHIH", 12, 255, 0, 0)  # delete the PTR RRset
    msg += owner + struct.pack(">HHIH", 12, 1, 300, len(target)) + target
    return sign(msg, msg_id)


def run_updates(port, seconds, window, first):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(5)
    sent_at, lat, n, bad = {}, [], first, 0
    end = time.monotonic() + seconds
    next_id = 1
    while time.monotonic() < end or sent_at:
        while len(sent_at) < window and time.monotonic() < end:
            msg_id = next_id
            next_id = next_id % 65535 + 1
            sock.send(update_message(msg_id, n))
            sent_at[msg_id] = time.perf_counter()
            n += 1
        reply = sock.recv(4096)
        msg_id, flags = struct.unpack(">HH", reply[:4])
        if msg_id in sent_at:
            lat.append(time.perf_counter() - sent_at.pop(msg_id))
            if flags & 0xF != 0:
                bad += 1
    return lat, bad, n


def run_sets(sock_path, seconds, window, first):
    c = benchlib.AdminClient(sock_path)
    sent, lat, n, bad = [], [], first, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end or sent:
        while len(sent) < window and time.monotonic() < end:
            c.send(json.dumps({"op": "set", "ip": "2001:db8:1000::%x" % n,
                               "name": "host%d.example.net." % n}) + "\n")
            sent.append(time.perf_counter())
            n += 1
        a = c.read_answer()
        lat.append(time.perf_counter() - sent.pop(0))
        if not a.get("ok"):
            bad += 1
    c.close()
    return lat, bad, n


def summary(name, window, lat, bad, cpu_s, seconds):
    lat.sort()
    return {"test": name, "in_flight": window, "messages": len(lat), "failed": bad,
            "per_s": round(len(lat) / seconds), "p50_ms": round(lat[len(lat) // 2] * 1e3, 2),
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1e3, 2),
            "rdnsd_cpu_ms_per_msg": round(cpu_s * 1e3 / max(1, len(lat)), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scratch", "run", "update")
    benchlib.fresh_dir(work)
    port = 45390
    conf = os.path.join(work, "rdnsd.yaml")
    with open(conf, "w") as f:
        f.write("server:\n  listen: [\"127.0.0.1:%d\"]\n  workers: 1\n" % port +
                "store:\n  path: %s/store\nadmin:\n  socket: %s/admin.sock\n" % (work, work) +
                "tsig-keys:\n  - { name: bench-key, algorithm: hmac-sha256, secret: %s }\n"
                % base64.b64encode(SECRET).decode() +
                "zone-defaults:\n  ns: [ns1.example.net.]\n"
                "  soa: { rname: hostmaster.example.net., mname: ns1.example.net. }\n"
                "  allow-update: [{ from: 127.0.0.1, key: bench-key }]\n"
                "zones:\n  - prefix: 2001:db8:1000::/48\n")
    proc = subprocess.Popen([benchlib.rdnsd_bin(), "-c", conf], stdout=open(work + "/out.log", "w"),
                            stderr=subprocess.STDOUT)
    sock_path = work + "/admin.sock"
    for _ in range(200):
        if os.path.exists(sock_path):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    results, n = [], 1
    steal0 = benchlib.cpu_times()
    try:
        for name, fn, arg in (("update", run_updates, port), ("set", run_sets, sock_path)):
            for window in (1, 16):
                cpu0 = benchlib.cpu_seconds(proc.pid)
                lat, bad, n = fn(arg, args.seconds, window, n)
                cpu = benchlib.cpu_seconds(proc.pid) - cpu0
                results.append(summary(name, window, lat, bad, cpu, args.seconds))
                print(json.dumps(results[-1]), flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    info = {"machine": benchlib.machine(), "steal_pct": benchlib.steal_pct(steal0, benchlib.cpu_times()),
            "rdnsd": benchlib.rdnsd_bin(), "seconds": args.seconds, "results": results}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(info, f, indent=1)
    print(json.dumps({"steal_pct": info["steal_pct"]}))


if __name__ == "__main__":
    main()
