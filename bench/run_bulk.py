#!/usr/bin/env python3
"""Bulk writes: the wall time of `rdnsctl import` of a master file of N PTR records and of
`rdnsctl batch` of a CSV file of N set ops, each into a fresh rdnsd (so every record is
new: N creations in one durable write transaction).

    bench/run_bulk.py [--records 100000] [--runs 3] [--build DIR] [--append RESULTS.md]

Each run starts rdnsd on a new store (one config zone, 10.0.0.0/8), runs the command
and stops rdnsd; the figure is the median of --runs. Also timed: rdnsctl reading and
converting the master file alone (import against a socket that does not exist, which
fails after the file has been read: exit 3). Prints a Markdown section; --append adds
it to the end of a file (creating it if needed).
"""
import argparse
import datetime
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)

CONFIG = """server:
  listen: ["127.0.0.1:{port}"]
  workers: 1
store:
  path: {dir}/store
admin:
  socket: {dir}/admin.sock
zones:
  - prefix: 10.0.0.0/8
    ns: [ns1.example.net.]
    soa: {{ mname: ns1.example.net., rname: hostmaster.example.net. }}
"""


def address(n):
    return "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)


def write_inputs(folder, records):
    """The master file (relative owners under $ORIGIN 10.in-addr.arpa.) and the CSV."""
    zone = os.path.join(folder, "bulk.zone")
    csv = os.path.join(folder, "bulk.csv")
    with open(zone, "w") as z, open(csv, "w") as c:
        z.write("$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n")
        c.write("ip,name,ttl\n")
        for n in range(records):
            host = "host-%d.example.com." % n
            z.write("%d.%d.%d\tIN\tPTR\t%s\n" % (n & 255, (n >> 8) & 255, (n >> 16) & 255, host))
            c.write("%s,%s,3600\n" % (address(n), host))
    return zone, csv


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """rdnsd on a fresh store in its own folder; stopped by its PID."""

    def __init__(self, build, parent):
        self.dir = tempfile.mkdtemp(prefix="bulk-", dir=parent)
        self.socket = os.path.join(self.dir, "admin.sock")
        config = os.path.join(self.dir, "rdnsd.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(port=free_port(), dir=self.dir))
        self.log = open(os.path.join(self.dir, "rdnsd.log"), "w")
        self.proc = subprocess.Popen([os.path.join(build, "server", "rdnsd"), "-c", config],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("rdnsd exited: see " + self.log.name)
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.socket)
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("rdnsd did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()
        shutil.rmtree(self.dir)


def raise_priority(nice):
    """Runs everything at `nice` (children inherit it). With autogroup scheduling a nice
    value only counts inside the session's group, so the runner makes its own session
    and gives the group the same value. Returns what was done, for the record."""
    if not nice:
        return "normal priority"
    try:
        os.setsid()
    except OSError:
        pass
    try:
        os.nice(int(nice))
        with open("/proc/self/autogroup", "w") as f:
            f.write(nice)
        return "nice %s (process and autogroup)" % nice
    except OSError as e:
        return "normal priority (%s)" % e


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(argv):
    """Wall time and CPU time (user + system) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done


def one_run(build, parent, args_for):
    """(wall, rdnsctl CPU, rdnsd CPU, first output line)."""
    server = Server(build, parent)
    try:
        server_cpu = cpu_seconds(server.proc.pid)
        wall, cpu, done = timed(args_for(server.socket))
        server_cpu = cpu_seconds(server.proc.pid) - server_cpu
    finally:
        server.stop()
    if done.returncode != 0:
        raise RuntimeError("%s failed: %s%s" % (" ".join(done.args), done.stdout, done.stderr))
    return wall, cpu, server_cpu, done.stdout.splitlines()[0]


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "%s, %d CPUs, Linux %s" % (cpu, os.cpu_count(), platform.release())


def build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip() + " build"
    except OSError:
        pass
    return "build type unknown"


def filesystem(path):
    out = subprocess.run(["df", "-T", path], capture_output=True, text=True).stdout.splitlines()
    return out[-1].split()[1] if len(out) > 1 else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.environ.get("RDNSD_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--scratch", default=os.path.join(BENCH, "scratch", "bulk"))
    ap.add_argument("--append", help="add the section to the end of this file")
    ap.add_argument("--nice", default=os.environ.get("BENCH_NICE", "-19"),
                    help="priority of the runs ('' for normal)")
    args = ap.parse_args()
    priority = raise_priority(args.nice)
    ctl = os.path.join(args.build, "admin", "rdnsctl")
    os.makedirs(args.scratch, exist_ok=True)
    zone, csv = write_inputs(args.scratch, args.records)
    load_before = os.getloadavg()[0]

    results = {}
    plans = {
        "import": lambda sock: [ctl, "--socket", sock, "import", zone],
        "batch": lambda sock: [ctl, "--socket", sock, "batch", csv],
    }
    for name, plan in plans.items():
        results[name] = []
        for i in range(args.runs):
            wall, cpu, server_cpu, first = one_run(args.build, args.scratch, plan)
            print("%s run %d: %.2f s wall, rdnsctl %.2f s CPU, rdnsd %.2f s CPU  (%s)"
                  % (name, i + 1, wall, cpu, server_cpu, first), file=sys.stderr)
            results[name].append((wall, cpu, server_cpu))
    results["parse"] = []
    for i in range(args.runs):
        wall, cpu, done = timed([ctl, "--socket", os.path.join(args.scratch, "none.sock"), "import", zone])
        if done.returncode != 3:
            raise RuntimeError("expected exit 3 without a server: " + done.stderr)
        results["parse"].append((wall, cpu, 0.0))
    load_after = os.getloadavg()[0]

    size = os.path.getsize(zone) / 2**20
    med = lambda rs, k: "%.2f s" % statistics.median(r[k] for r in rs)
    runs = lambda rs: ", ".join("%.2f" % r[0] for r in rs)
    row = lambda what, command, rs, server=True: "| %s | `%s` | %s | %s | %s | %s |" % (
        what, command, med(rs, 0), runs(rs), med(rs, 1), med(rs, 2) if server else "-")
    n = "{:,}".format(args.records)
    section = "\n".join([
        "## Bulk writes",
        "",
        "%s new PTR records into a fresh rdnsd (one config zone, 10.0.0.0/8), each as ONE "
        "durable write transaction with one serial step; wall time of the whole rdnsctl "
        "command (read the file, send one request, wait for the answer), median of %d runs, "
        "each on a new store. CPU columns: user + system seconds of rdnsctl and of rdnsd "
        "during the command (medians). Measured %s with `bench/run_bulk.py --records %d "
        "--runs %d` (%s; store on %s; %s; %s; load average %.1f before, %.1f after: "
        "the machine was shared, so wall times above the CPU times are time spent waiting for "
        "a core)." % (n, args.runs, datetime.date.today().isoformat(), args.records, args.runs,
                      build_type(args.build), filesystem(args.scratch), machine(),
                      priority, load_before, load_after),
        "",
        "| what | command | median wall | runs (s) | rdnsctl CPU | rdnsd CPU |",
        "| --- | --- | --- | --- | --- | --- |",
        row("import of a %.1f MiB master file" % size, "rdnsctl import bulk.zone", results["import"]),
        row("batch of a CSV file (%.1f MiB)" % (os.path.getsize(csv) / 2**20),
            "rdnsctl batch bulk.csv", results["batch"]),
        row("of which: rdnsctl reading the master file (with no server to send it to)",
            "rdnsctl import bulk.zone", results["parse"], False),
        "",
    ])
    print(section)
    if args.append:
        with open(args.append, "a") as f:
            if f.tell() > 0:
                f.write("\n")
            f.write(section)


if __name__ == "__main__":
    main()
