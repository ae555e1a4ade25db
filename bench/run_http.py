#!/usr/bin/env python3
"""Durable sets per second through the REST API (docs/HTTP-API.md).

    bench/run_http.py [--build build] [--sets 2000] [--clients 1,16]

Starts rdnsd (from BUILD) on a fresh store in a temporary folder with one 10.0.0.0/16
zone and the HTTP API on a free loopback port, makes an admin token with rdnsctl, then
for each client count runs that many keep-alive HTTP/1.1 clients (Python http.client,
one thread each), each POSTing new records one at a time and waiting for each answer
(200: committed durably). Prints sets/s, p50 and p99 latency per client count, and the
same number of `rdnsctl set`-style single sets over one admin connection for comparison.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

CONFIG = """server:
  listen: ["127.0.0.1:{dns}"]
  workers: 1
store:
  path: {dir}/store
admin:
  socket: {dir}/admin.sock
http:
  listen: ["127.0.0.1:{http}"]
zones:
  - prefix: 10.0.0.0/16
    ns: [ns1.example.net.]
    soa: {{ mname: ns1.example.net., rname: hostmaster.example.net. }}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, limit=10):
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("rdnsd did not open its HTTP port")


def client(port, token, addresses, latencies):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    for ip in addresses:
        body = json.dumps({"properties": {"ip": ip, "name": "h.example.com"}})
        t = time.perf_counter()
        conn.request("POST", "/reverserecords", body, headers)
        r = conn.getresponse()
        r.read()
        latencies.append(time.perf_counter() - t)
        if r.status != 200:
            raise RuntimeError(f"POST {ip}: {r.status}")
    conn.close()


def run(port, token, clients, sets, base):
    per = sets // clients
    lat = []
    threads = []
    for c in range(clients):
        ips = [f"10.0.{(base + c * per + i) // 256 % 256}.{(base + c * per + i) % 256}"
               for i in range(per)]
        threads.append(threading.Thread(target=client, args=(port, token, ips, lat)))
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    lat.sort()
    return per * clients / elapsed, lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3


def admin_sets(path, sets, base):
    """Single sets over one admin connection, each waited for (what rdnsctl set does)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rwb")
    lat = []
    t0 = time.perf_counter()
    for i in range(sets):
        ip = f"10.0.{(base + i) // 256 % 256}.{(base + i) % 256}"
        t = time.perf_counter()
        f.write((json.dumps({"op": "set", "ip": ip, "name": "a.example.com"}) + "\n").encode())
        f.flush()
        if not json.loads(f.readline())["ok"]:
            raise RuntimeError("admin set refused")
        lat.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - t0
    s.close()
    lat.sort()
    return sets / elapsed, lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--sets", type=int, default=2000)
    ap.add_argument("--clients", default="1,16")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="rdnsd-bench-http-")
    dns, port = free_port(), free_port()
    open(f"{d}/rdnsd.yaml", "w").write(CONFIG.format(dns=dns, http=port, dir=d))
    proc = subprocess.Popen([f"{a.build}/server/rdnsd", "-c", f"{d}/rdnsd.yaml"],
                            stderr=open(f"{d}/stderr.log", "w"))
    try:
        wait_port(port)
        time.sleep(0.2)
        out = subprocess.run([f"{a.build}/admin/rdnsctl", "--socket", f"{d}/admin.sock", "--json",
                              "token", "add", "bench", "--scope", "admin"],
                             check=True, capture_output=True, text=True).stdout
        token = json.loads(out)["secret"]
        base = 0
        for n in [int(x) for x in a.clients.split(",")]:
            rate, p50, p99 = run(port, token, n, a.sets, base)
            base += a.sets
            print(f"HTTP POST, {n:2d} keep-alive client(s): {rate:8.0f} sets/s  "
                  f"p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        rate, p50, p99 = admin_sets(f"{d}/admin.sock", a.sets, base)
        print(f"admin socket, one connection, one at a time: {rate:8.0f} sets/s  "
              f"p50 {p50:.2f} ms  p99 {p99:.2f} ms")
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
