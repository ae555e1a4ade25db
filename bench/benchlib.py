"""Shared pieces of the rdnsd benchmarks: finding binaries, writing server configs,
starting and stopping servers by PID, reading /proc, running the load generators, and
summarising figures. Everything listens on 127.0.0.1 only."""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SCRATCH = os.path.join(BENCH, "scratch")
TICK = os.sysconf("SC_CLK_TCK")

# Cores: servers on SERVER_CPU, load generators on LOAD_CPU.
SERVER_CPU = os.environ.get("SERVER_CPU", "0")
LOAD_CPU = os.environ.get("LOAD_CPU", "1")

# Priority of everything measured (servers, load generators, startwait): the machine is
# shared, and at nice -19 other work on the same cores gets about 1% of them while ours
# runs. BENCH_NICE="" runs at normal priority.
NICE = os.environ.get("BENCH_NICE", "-19")


def prio():
    return ["nice", "-n", NICE] if NICE else []


def raise_priority():
    """With autogroup scheduling (kernel.sched_autogroup_enabled=1) a nice value only
    counts inside its session's group, and groups share the CPU equally: so the runner
    makes its own session and gives that group the nice value too. Returns the group's
    line from /proc/self/autogroup (or why it could not be set)."""
    if not NICE:
        return "normal priority"
    try:
        os.setsid()
    except OSError:
        pass  # already a session or group leader: keep the group we are in
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(NICE)
        with open("/proc/self/autogroup") as f:
            return f.read().strip()
    except OSError as e:
        return "autogroup not changed: %s" % e


# Queries outstanding at once (loadgen -w, dnsperf -q): small enough that a server's
# default socket receive buffer (212992 bytes) never overflows, large enough to keep a
# server's recvmmsg batches full.
WINDOW = int(os.environ.get("WINDOW", "64"))

PORTS = {"rdnsd": 45353, "knotd": 45354, "nsd": 45355, "echo": 45356, "rdnsd-2w": 45357,
         "rdnsd-base": 45358, "rdnsd-rrl": 45359}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---- binaries ----

def _first(paths):
    for p in paths:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def _build_dirs():
    dirs = [os.environ.get("RDNSD_BUILD"), os.path.join(ROOT, "build-bench"), os.path.join(ROOT, "build")]
    return [d for d in dirs if d]


def rdnsd_bin():
    p = _first([os.environ.get("RDNSD")] + [os.path.join(d, "server", "rdnsd") for d in _build_dirs()])
    if not p:
        sys.exit("rdnsd not found: build it (cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release"
                 " && cmake --build build-bench -j2) or set RDNSD=/path/to/rdnsd")
    return p


def rdnsctl_bin():
    cands = [os.environ.get("RDNSCTL")]
    for d in _build_dirs():
        cands += [os.path.join(d, "admin", "rdnsctl"), os.path.join(d, "rdnsctl")]
    return _first(cands)


def tool(name):
    """A bench tool (loadgen, echo_responder, startwait, writeload), built on demand."""
    cands = [os.path.join(d, "bench", name) for d in _build_dirs()]
    cands.append(os.path.join(SCRATCH, "build", name))
    p = _first(cands)
    if p and os.path.getmtime(p) >= os.path.getmtime(os.path.join(BENCH, name + ".cpp")):
        return p
    out = os.path.join(SCRATCH, "build")
    subprocess.run(["cmake", "-S", BENCH, "-B", out, "-DCMAKE_BUILD_TYPE=Release"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", out, "-j2", "--target", name], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, name)


# ---- datasets ----

def dataset(name):
    d = os.path.join(SCRATCH, name)
    meta_path = os.path.join(d, "zones.json")
    if not os.path.exists(meta_path):
        log("generating dataset %s ..." % name)
        subprocess.run([sys.executable, os.path.join(BENCH, "gen_dataset.py"), "--set", name],
                       check=True, stdout=subprocess.DEVNULL)
    with open(meta_path) as f:
        meta = json.load(f)
    meta["dir"] = d
    meta["queries_file"] = os.path.join(d, "queries.txt")
    meta["expect_file"] = os.path.join(d, "queries.expect")
    return meta


# ---- /proc ----

def tree_pids(pid):
    """pid and all its descendants (nsd forks its server and xfrd processes)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def cpu_seconds(pid):
    """utime + stime of the process tree, in seconds (all threads)."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / TICK


def threads(pid):
    """{tid: name} of every thread of the process."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                out[int(t)] = f.read().strip()
        except OSError:
            pass
    return out


def thread_cpu_seconds(pid, names):
    """utime + stime of the threads of `pid` called `names` (a name or a tuple of them),
    in seconds."""
    names = (names,) if isinstance(names, str) else tuple(names)
    total = 0
    for tid, comm in threads(pid).items():
        if comm not in names:
            continue
        try:
            with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / TICK


ANSWER_THREADS = ("rdnsd-udp", "rdnsd-tcp", "rdnsd-xfr")


def pin_rdnsd_threads(pid, worker_cpus=SERVER_CPU, other_cpus=LOAD_CPU):
    """Pins rdnsd's answering threads (ANSWER_THREADS) to worker_cpus and every other
    thread (main, admin, libuv's) to other_cpus. Returns {name: cpus} as pinned."""
    pinned = {}
    for tid, comm in threads(pid).items():
        cpus = worker_cpus if comm in ANSWER_THREADS else other_cpus
        subprocess.run(["taskset", "-p", "-c", cpus, str(tid)], check=True, capture_output=True)
        pinned.setdefault(comm, cpus)
    return pinned


def status_kb(pid, key):
    """The largest `key` (VmHWM, VmRSS) over the process tree, in KiB."""
    best = 0
    for p in tree_pids(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith(key + ":"):
                        best = max(best, int(line.split()[1]))
        except OSError:
            pass
    return best


def udp_errors():
    """(RcvbufErrors, SndbufErrors) from /proc/net/snmp: datagrams dropped on full buffers."""
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    d = dict(zip(rows[0][1:], rows[1][1:]))
    return int(d["RcvbufErrors"]), int(d["SndbufErrors"])


def cpu_times():
    """{cpuN: (steal, total, busy)} jiffies from /proc/stat; busy = not idle, not iowait,
    not steal."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu"):
                parts = line.split()
                vals = [int(v) for v in parts[1:9]]
                busy = sum(vals) - vals[3] - vals[4] - vals[7]
                out[parts[0]] = (vals[7], sum(vals), busy)
    return out


def steal_pct(before, after, cpu="cpu"):
    s = after[cpu][0] - before[cpu][0]
    t = after[cpu][1] - before[cpu][1]
    return 100.0 * s / t if t else 0.0


def busy_pct(before, after, cpu="cpu"):
    b = after[cpu][2] - before[cpu][2]
    t = after[cpu][1] - before[cpu][1]
    return 100.0 * b / t if t else 0.0


def on_sigterm(*_):
    raise SystemExit(143)


# A SIGTERM to a runner unwinds it, so that its `finally` blocks stop every server.
signal.signal(signal.SIGTERM, on_sigterm)

QUIET_MAX = float(os.environ.get("QUIET_MAX", "30"))


def wait_quiet(threshold=15.0, max_wait=QUIET_MAX, sample=1.0):
    """Waits (at most max_wait seconds) until the machine is idle apart from us: the busy
    share of all cores under `threshold` percent over one sample. Returns the seconds
    waited and the last busy figure."""
    t0 = time.time()
    while True:
        a = cpu_times()
        time.sleep(sample)
        b = cpu_times()
        busy = busy_pct(a, b)
        if busy < threshold or time.time() - t0 > max_wait:
            return time.time() - t0, busy
        time.sleep(4)


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release, "mem_mib": mem}


def fsync_probe(n=50, directory=None):
    """Latency of a 4 KiB pwrite + fdatasync on the scratch disk, in microseconds:
    the floor of any durable commit (LMDB flushes twice per commit: the data pages with
    fdatasync, then the meta page through an O_DSYNC descriptor)."""
    path = os.path.join(directory or SCRATCH, ".fsync-probe")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    lat = []
    try:
        for i in range(n):
            os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            lat.append((time.perf_counter() - t) * 1e6)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    return {"n": n, "p50_us": lat[n // 2], "p90_us": lat[int(n * 0.9)], "max_us": lat[-1]}


# ---- servers ----

class Process:
    """What every measured server process offers: `pid` is the server itself, `proc` the
    Popen that waits for it (the server, or startwait in front of it)."""

    def cpu(self):
        return cpu_seconds(self.pid)

    def hwm_kb(self):
        return status_kb(self.pid, "VmHWM")

    def rss_kb(self):
        return status_kb(self.pid, "VmRSS")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
        return self.proc.returncode


class Server(Process):
    """A server started through startwait: `pid` is the server, `start_ms` the time from
    exec to its first correct answer."""

    def __init__(self, name, port, argv, workdir, probe, cpus, timeout=600):
        self.name, self.port, self.workdir = name, port, workdir
        self.logfile = os.path.join(workdir, name + ".log")
        cmd = [tool("startwait"), "-p", str(port), "-q", probe, "-t", str(timeout), "-o", self.logfile, "--"]
        cmd += prio()
        # Without `cpus` the server may run on every core: said explicitly, or it would
        # inherit startwait's load core.
        cmd += ["taskset", "-c", cpus or "0-%d" % (os.cpu_count() - 1)]
        cmd += argv
        self.cmd = argv
        # startwait itself polls from the load core so it does not compete with the server.
        self.proc = subprocess.Popen(prio() + ["taskset", "-c", LOAD_CPU] + cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"pid=(\d+) ms=([\d.]+)", line)
        if not m:
            self.proc.wait()
            tail = open(self.logfile).read()[-2000:] if os.path.exists(self.logfile) else ""
            raise RuntimeError("%s did not start: %s\n%s" % (name, line.strip(), tail))
        self.pid, self.start_ms = int(m.group(1)), float(m.group(2))


def fresh_dir(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def write_knot_conf(workdir, data, port, zonefile_sync="-1"):
    lines = [
        "server:",
        "    rundir: %s" % workdir,
        "    listen: 127.0.0.1@%d" % port,
        "    udp-workers: 1",
        "    tcp-workers: 1",
        "    background-workers: 1",
        "database:",
        "    storage: %s/db" % workdir,
        "control:",
        "    listen: %s/knot.sock" % workdir,
        "log:",
        "  - target: stderr",
        "    any: warning",
        "template:",
        "  - id: default",
        "    storage: %s/zones" % data["dir"],
        "    zonefile-sync: %s" % zonefile_sync,
        "zone:",
    ]
    for z in data["zones"]:
        lines += ["  - domain: %s" % z["apex"], "    file: %s" % z["file"]]
    path = os.path.join(workdir, "knot.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def write_nsd_conf(workdir, data, port):
    lines = [
        "server:",
        "    port: %d" % port,
        "    ip-address: 127.0.0.1",
        "    server-count: 1",
        "    zonesdir: %s/zones" % data["dir"],
        "    pidfile: %s/nsd.pid" % workdir,
        "    xfrdfile: %s/xfrd.state" % workdir,
        "    zonelistfile: %s/zone.list" % workdir,
        '    database: ""',
        '    username: ""',
        '    chroot: ""',
        "    logfile: %s/nsd.log" % workdir,
        "    rrl-ratelimit: 0",
        "    verbosity: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for z in data["zones"]:
        lines += ["zone:", "    name: %s" % z["apex"], "    zonefile: %s" % z["file"]]
    path = os.path.join(workdir, "nsd.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def write_rdnsd_conf(workdir, data, port, workers, store_dir=None, admin=None, server=None):
    """rdnsd's config for `data`; `admin`, `server`: more settings ({"commit-wait": 5})."""
    with open(os.path.join(data["dir"], "rdnsd.yaml.in")) as f:
        text = f.read()
    for key, value in (admin or {}).items():
        text = text.replace("\nadmin:\n", "\nadmin:\n  %s: %s\n" % (key, value), 1)
    for key, value in (server or {}).items():
        text = text.replace("server:\n", "server:\n  %s: %s\n" % (key, value), 1)
    text = text.replace("@PORT@", str(port)).replace("@WORKERS@", str(workers))
    text = text.replace("@DIR@/rdnsd.mdb", os.path.join(store_dir or workdir, "rdnsd.mdb"))
    text = text.replace("@DIR@", workdir)
    path = os.path.join(workdir, "rdnsd.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_knotd(workdir, data, port, cpus=SERVER_CPU, zonefile_sync="-1", timeout=600):
    os.makedirs(os.path.join(workdir, "db"), exist_ok=True)
    conf = write_knot_conf(workdir, data, port, zonefile_sync)
    return Server("knotd", port, ["/usr/sbin/knotd", "-c", conf], workdir, data["probe"], cpus, timeout)


def start_nsd(workdir, data, port, cpus=SERVER_CPU, timeout=600):
    conf = write_nsd_conf(workdir, data, port)
    return Server("nsd", port, ["/usr/sbin/nsd", "-d", "-c", conf], workdir, data["probe"], cpus, timeout)


def start_rdnsd(workdir, data, port, workers=1, cpus=SERVER_CPU, store_dir=None, name="rdnsd", timeout=600,
                admin=None, binary=None, server=None):
    conf = write_rdnsd_conf(workdir, data, port, workers, store_dir, admin, server)
    return Server(name, port, [binary or rdnsd_bin(), "-c", conf], workdir, data["probe"], cpus, timeout)


def start_echo(workdir, data, port, cpus=SERVER_CPU):
    # The echo answers with the query itself: zero answer RRs, so probe with any query
    # and accept... startwait needs an answer RR, hence a tiny wait loop of our own.
    cmd = prio() + (["taskset", "-c", cpus] if cpus else [])
    cmd += [tool("echo_responder"), "127.0.0.1", str(port)]
    return EchoServer(cmd, port, workdir)


class EchoServer(Server):
    def __init__(self, cmd, port, workdir):
        self.name, self.port, self.workdir, self.start_ms = "echo", port, workdir, None
        self.logfile = os.path.join(workdir, "echo.log")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.logfile, "w"))
        self.pid = self.proc.pid
        for _ in range(200):
            if os.path.exists(self.logfile) and "ready" in open(self.logfile).read():
                return
            time.sleep(0.01)
        raise RuntimeError("echo_responder did not start")


# ---- rdnsd admin ----

class AdminClient:
    """One connection to rdnsd's admin socket; one JSON object per line each way."""

    def __init__(self, path, timeout=600):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send(self, line):
        try:
            self.sock.sendall(line if isinstance(line, bytes) else line.encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse a request and close before reading all of it

    def read_answer(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("admin socket closed")
            self.buf += chunk
        answer, self.buf = self.buf.split(b"\n", 1)
        return json.loads(answer)

    def request_raw(self, line):
        self.send(line)
        return self.read_answer()

    def request(self, obj):
        return self.request_raw(json.dumps(obj, separators=(",", ":")) + "\n")

    def close(self):
        self.sock.close()


def batch_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def admin_batch_line(ops_lines):
    """A batch request line made of already-encoded op objects."""
    return '{"op":"batch","ops":[' + ",".join(ops_lines) + "]}\n"


def _max_line():
    """kMaxLine of admin/protocol/protocol.h: the longest admin request line rdnsd takes."""
    try:
        with open(os.path.join(ROOT, "admin", "protocol", "protocol.h")) as f:
            m = re.search(r"kMaxLine\s*=\s*(\d+)u?(?:\s*<<\s*(\d+))?", f.read())
        return int(m.group(1)) << int(m.group(2) or 0)
    except (OSError, AttributeError):
        return 1 << 20


MAX_LINE = _max_line()


def store_schema():
    """The store schema version this source tree's rdnsd writes (zonestore/schema.h)."""
    with open(os.path.join(ROOT, "zonestore", "schema.h")) as f:
        m = re.search(r"kSchemaVersion = (\d+);", f.read())
    return int(m.group(1))


def load_rdnsd(workdir, data, via="auto"):
    """Loads the dataset into a fresh rdnsd store in workdir (not timed as a start).
    via: "rdnsctl" (rdnsctl batch FILE per 100k file), "socket" (batch requests of at
    most 1 MiB per line over one admin connection), or "auto" (rdnsctl if built)."""
    # A store is kept while it holds the same data in the same schema: a new rdnsd
    # binary of the same schema reads it as it is (loading 10M records takes minutes).
    stamp = os.path.join(workdir, "loaded.json")
    want = {"set": data["set"], "seed": data["seed"], "records": data["records"],
            "schema": store_schema()}
    if os.path.exists(stamp):
        have = json.load(open(stamp))
        have.pop("rdnsd", None)
        if "rdnsd_mtime" in have:  # a stamp from before the schema was in it: schema 2
            have.pop("rdnsd_mtime")
            have["schema"] = 2
        if have == want:
            return None
    fresh_dir(workdir)
    port = 45399
    conf = write_rdnsd_conf(workdir, data, port, 1)
    proc = subprocess.Popen([rdnsd_bin(), "-c", conf], stdout=open(os.path.join(workdir, "load.log"), "w"),
                            stderr=subprocess.STDOUT)
    sock = os.path.join(workdir, "rdnsd.sock")
    try:
        for _ in range(6000):
            if os.path.exists(sock) or proc.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(0.1)
        if proc.poll() is not None:
            raise RuntimeError("rdnsd exited while loading: " + open(os.path.join(workdir, "load.log")).read())
        ctl = rdnsctl_bin()
        if via == "auto":
            via = "rdnsctl" if rdnsctl_works(sock) else "socket"
            log("  loading through %s" % via)
        files = sorted(os.listdir(os.path.join(data["dir"], "batch")))
        t0 = time.time()
        timings = []
        for fname in files:
            path = os.path.join(data["dir"], "batch", fname)
            t = time.time()
            if via == "rdnsctl":
                for chunk in split_batch_file(path, os.path.join(workdir, "chunks")):
                    r = subprocess.run([ctl, "--socket", sock, "batch", chunk], capture_output=True, text=True)
                    if r.returncode != 0:
                        raise RuntimeError("rdnsctl batch %s failed: %s %s" % (chunk, r.stdout[-500:], r.stderr[-500:]))
                    os.unlink(chunk)
            else:
                socket_batches(sock, batch_lines(path))
            timings.append(time.time() - t)
            log("  loaded %s in %.2f s" % (fname, timings[-1]))
        total = time.time() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    json.dump(want, open(stamp, "w"))
    return {"via": via, "seconds": total, "per_file": timings}


def rdnsctl_works(sock):
    ctl = rdnsctl_bin()
    if not ctl:
        return False
    r = subprocess.run([ctl, "--socket", sock, "--json", "zones"], capture_output=True, text=True)
    if r.returncode != 0:
        log("  rdnsctl does not work (%s zones: exit %d: %s)" % (ctl, r.returncode, r.stderr.strip()[:200]))
    return r.returncode == 0


def split_batch_file(path, outdir, max_bytes=MAX_LINE - 4096):
    """Splits a JSON-lines batch file into files whose batch request fits one admin line."""
    os.makedirs(outdir, exist_ok=True)
    out, chunk, size = [], [], 0
    base = os.path.basename(path)
    for op in batch_lines(path) + [None]:
        if op is None or size + len(op) + 1 > max_bytes:
            name = os.path.join(outdir, "%s.%03d" % (base, len(out)))
            with open(name, "w") as f:
                f.write("\n".join(chunk) + "\n")
            out.append(name)
            chunk, size = [], 0
            if op is None:
                break
        chunk.append(op)
        size += len(op) + 1
    return out


def socket_batches(sock_path, ops, max_line=MAX_LINE):
    """Sends ops (encoded JSON objects) as batch requests that each fit one line."""
    c = AdminClient(sock_path)
    try:
        chunk, size = [], 0
        for op in ops + [None]:
            if op is None or size + len(op) + 64 > max_line:
                if chunk:
                    a = c.request_raw(admin_batch_line(chunk))
                    if not a.get("ok"):
                        raise RuntimeError("batch refused: %s" % a)
                chunk, size = [], 0
                if op is None:
                    break
            chunk.append(op)
            size += len(op) + 1
    finally:
        c.close()


# ---- load generators ----

def run_loadgen(port, data, seconds, extra=(), cpus=LOAD_CPU, expect=True, window=None):
    """loadgen's figures; with `expect`, every rcode is checked against queries.expect."""
    cmd = prio() + ["taskset", "-c", cpus, tool("loadgen"), "-p", str(port), "-d", data["queries_file"],
           "-l", str(seconds), "-w", str(window or WINDOW), "-t", "500"] + (["-x", data["expect_file"]] if expect else []) + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition("=")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    out["stderr"] = r.stderr.strip()[-1000:]
    out["rcodes"] = {k[6:]: int(v) for k, v in out.items() if k.startswith("rcode_")}
    return out


def run_dnsperf(port, data, seconds, extra=(), cpus=LOAD_CPU):
    cmd = prio() + ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", data["queries_file"],
           "-l", str(seconds), "-c", "4", "-q", str(WINDOW), "-t", "1"] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    text = r.stdout
    out = {"stderr": r.stderr.strip()[-500:]}
    m = re.search(r"Queries sent:\s+(\d+)", text)
    out["sent"] = float(m.group(1)) if m else 0
    m = re.search(r"Queries completed:\s+(\d+)", text)
    out["answered"] = float(m.group(1)) if m else 0
    m = re.search(r"Queries lost:\s+(\d+)", text)
    out["lost"] = float(m.group(1)) if m else 0
    m = re.search(r"Queries per second:\s+([\d.]+)", text)
    out["qps"] = float(m.group(1)) if m else 0
    m = re.search(r"Run time \(s\):\s+([\d.]+)", text)
    out["duration"] = float(m.group(1)) if m else seconds
    m = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)", text)
    if m:
        out["lat_avg_us"] = float(m.group(1)) * 1e6
        out["lat_max_us"] = float(m.group(3)) * 1e6
    m = re.search(r"Response codes:\s+(.*)", text)
    out["rcodes"] = {}
    if m:
        for name, n in re.findall(r"([A-Z]+) (\d+) \(", m.group(1)):
            out["rcodes"][name] = int(n)
    return out


def measure(server, fn):
    """Runs fn() and adds the server's CPU time, CPU use, steal and peak RSS to its result."""
    u0, c0, s0, t0 = udp_errors(), server.cpu(), cpu_times(), time.time()
    res = fn()
    u1, c1, s1, t1 = udp_errors(), server.cpu(), cpu_times(), time.time()
    res["udp_rcvbuf_errors"] = u1[0] - u0[0]
    res["udp_sndbuf_errors"] = u1[1] - u0[1]
    res["server_cpu_s"] = c1 - c0
    res["wall_s"] = t1 - t0
    answered = res.get("answered", 0)
    res["qps_per_cpu"] = answered / res["server_cpu_s"] if res["server_cpu_s"] > 0 else 0
    res["cpu_util_pct"] = 100.0 * res["server_cpu_s"] / res.get("duration", t1 - t0)
    res["steal_pct"] = steal_pct(s0, s1)
    res["steal_server_cpu_pct"] = steal_pct(s0, s1, "cpu" + SERVER_CPU.split(",")[0])
    res["server_core_busy_pct"] = busy_pct(s0, s1, "cpu" + SERVER_CPU.split(",")[0])
    # Work on the server's core that was not the server's: other processes, interrupts.
    res["other_on_server_core_pct"] = max(0.0, res["server_core_busy_pct"] - res["cpu_util_pct"])
    res["load_core_busy_pct"] = busy_pct(s0, s1, "cpu" + LOAD_CPU.split(",")[0])
    res["hwm_kb"] = server.hwm_kb()
    res["rss_anon_kb"] = status_kb(server.pid, "RssAnon")
    res["rss_file_kb"] = status_kb(server.pid, "RssFile")
    return res


# ---- summaries ----

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def span(values, fmt="{:.0f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1:
        return fmt.format(m)
    return (fmt + " ({}-{})").format(m, fmt.format(min(values)), fmt.format(max(values)))


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)
