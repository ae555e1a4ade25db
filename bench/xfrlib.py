"""Pieces of the replication benchmarks (run_xfr.py): configs for rdnsd, knotd, nsd and
named as primaries and secondaries on loopback with TSIG, the writers that change a
primary (rdnsd's admin socket, knotc), a poller that watches secondaries over UDP, and
small DNS message helpers. The secondaries' configs follow tests/interop/support/."""
import collections
import os
import random
import select
import socket
import subprocess
import threading
import time

import benchlib as B

# The key of the interop tests (tests/interop/support/secondary.cpp), a bench-only secret.
KEY = {"name": "xfr-key", "algorithm": "hmac-sha256",
       "secret": "KoxiZSt1JGPLODuNmy6fu1GLRr82aahe76XTuO/P/HM="}
NS = "ns1.example.net."


# ---- DNS messages ----

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def query(name, qtype, qid):
    return qid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" + encode_name(name) + \
        qtype.to_bytes(2, "big") + b"\x00\x01"


def skip_name(m, pos):
    while pos < len(m):
        l = m[pos]
        if l == 0:
            return pos + 1
        if l & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + l
    raise ValueError("name runs past the message")


def read_name(m, pos):
    labels, hops = [], 0
    while True:
        l = m[pos]
        if l == 0:
            return ".".join(labels) + "."
        if l & 0xC0 == 0xC0:
            pos = ((l & 0x3F) << 8) | m[pos + 1]
            hops += 1
            if hops > 20:
                raise ValueError("pointer loop")
            continue
        labels.append(m[pos + 1:pos + 1 + l].decode("ascii", "replace"))
        pos += 1 + l


def first_answer(m):
    """(id, rcode, type, rdata offset, rdlength) of the first answer RR, or type None."""
    qid, rcode, an = int.from_bytes(m[0:2], "big"), m[3] & 15, int.from_bytes(m[6:8], "big")
    pos = 12
    for _ in range(int.from_bytes(m[4:6], "big")):
        pos = skip_name(m, pos) + 4
    if an == 0:
        return qid, rcode, None, 0, 0
    pos = skip_name(m, pos)
    rtype = int.from_bytes(m[pos:pos + 2], "big")
    rdlen = int.from_bytes(m[pos + 8:pos + 10], "big")
    return qid, rcode, rtype, pos + 10, rdlen


def soa_serial(m):
    """The serial of an SOA answer, or None."""
    try:
        _, rcode, rtype, rd, _ = first_answer(m)
        if rcode != 0 or rtype != 6:
            return None
        s = skip_name(m, skip_name(m, rd))
        return int.from_bytes(m[s:s + 4], "big")
    except (ValueError, IndexError):
        return None


def ptr_target(m):
    """(id, target or None) of a PTR answer."""
    try:
        qid, rcode, rtype, rd, _ = first_answer(m)
        if rcode != 0 or rtype != 12:
            return qid, None
        return qid, read_name(m, rd).lower()
    except (ValueError, IndexError):
        return int.from_bytes(m[0:2], "big"), None


def serial_ge(a, b):
    """a >= b in serial number arithmetic (RFC 1982)."""
    return a == b or ((a - b) & 0xFFFFFFFF) < 0x80000000


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def ask_soa(port, zone, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        s.send(query(zone, 6, random.getrandbits(16)))
        return soa_serial(s.recv(4096))
    except OSError:
        return None
    finally:
        s.close()


def wait_serial(port, zone, serial, timeout):
    """Waits until the server at port answers the zone's SOA with `serial` or later."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        got = ask_soa(port, zone, 0.5)
        if got is not None and (serial is None or serial_ge(got, serial)):
            return got
        time.sleep(0.05)
    return None


# ---- servers ----

class Proc(B.Process):
    """A server process in the foreground, its output in a log, stopped by its PID."""

    def __init__(self, name, argv, workdir, cpus=None):
        self.name, self.workdir = name, workdir
        self.logfile = os.path.join(workdir, name + ".log")
        cmd = B.prio() + ["taskset", "-c", cpus or "0-%d" % (os.cpu_count() - 1)] + argv
        self.proc = subprocess.Popen(cmd, stdout=open(self.logfile, "w"), stderr=subprocess.STDOUT,
                                     cwd=workdir, start_new_session=True)
        self.pid = self.proc.pid  # taskset and nice exec: the PID is the server's

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def knot_key_block():
    return ["key:", "  - id: %s" % KEY["name"], "    algorithm: %s" % KEY["algorithm"],
            "    secret: %s" % KEY["secret"]]


def knotd_secondary(workdir, port, zone, primary_port):
    """knotd 3.2 as a secondary (the interop tests' config): SOA query then IXFR from the
    primary with the key, NOTIFY accepted from 127.0.0.1 signed with it, the zone in its
    journal only."""
    B.fresh_dir(workdir)
    c = ["server:", "  listen: 127.0.0.1@%d" % port, "  rundir: %s" % workdir,
         "  udp-workers: 1", "  tcp-workers: 1", "  background-workers: 1",
         "log:", "  - target: stderr", "    any: info", "database:", "  storage: %s" % workdir]
    c += knot_key_block()
    c += ["remote:", "  - id: primary", "    address: 127.0.0.1@%d" % primary_port, "    key: %s" % KEY["name"],
          "acl:", "  - id: notify-from-primary", "    address: 127.0.0.1", "    action: notify",
          "    key: %s" % KEY["name"],
          "template:", "  - id: default", "    storage: %s" % workdir, "    zonefile-sync: -1",
          "    zonefile-load: none", "    journal-content: all",
          "zone:", "  - domain: %s" % zone, "    master: primary", "    acl: notify-from-primary"]
    conf = os.path.join(workdir, "knotd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    return Proc("knotd", ["/usr/sbin/knotd", "-c", conf], workdir)


def nsd_secondary(workdir, port, zone, primary_port):
    """nsd 4.6 as a secondary: request-xfr and allow-notify with the key. Its
    xfrd-reload-timeout (default 1 s: at most one reload a second) is set to 0, so that
    each transfer is served as soon as it is in."""
    B.fresh_dir(workdir)
    c = ["server:", "  ip-address: 127.0.0.1", "  port: %d" % port, "  do-ip6: no", "  server-count: 1",
         '  username: ""', '  chroot: ""', '  database: ""', "  zonesdir: %s" % workdir,
         "  xfrdir: %s" % workdir, "  pidfile: %s/nsd.pid" % workdir, "  xfrdfile: %s/xfrd.state" % workdir,
         "  zonelistfile: %s/zone.list" % workdir, "  logfile: %s/nsd-own.log" % workdir,
         "  verbosity: 1", "  rrl-ratelimit: 0", "  xfrd-reload-timeout: 0",
         "remote-control:", "  control-enable: no",
         "key:", "  name: %s" % KEY["name"], "  algorithm: %s" % KEY["algorithm"], '  secret: "%s"' % KEY["secret"],
         "zone:", "  name: %s" % zone, "  request-xfr: 127.0.0.1@%d %s" % (primary_port, KEY["name"]),
         "  allow-notify: 127.0.0.1 %s" % KEY["name"]]
    conf = os.path.join(workdir, "nsd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    return Proc("nsd", ["/usr/sbin/nsd", "-d", "-c", conf], workdir)


def named_secondary(workdir, port, zone, primary_port):
    """named 9.18 as a secondary: primaries with the key, its files in the folder, no
    rndc, in the foreground (-g)."""
    B.fresh_dir(workdir)
    c = ["options {", '  directory "%s";' % workdir, '  pid-file "%s/named.pid";' % workdir,
         '  session-keyfile "%s/session.key";' % workdir, '  managed-keys-directory "%s";' % workdir,
         "  listen-on port %d { 127.0.0.1; };" % port, "  listen-on-v6 { none; };",
         "  recursion no;", "  dnssec-validation no;", "  notify no;", "};", "controls { };",
         'key "%s" { algorithm %s; secret "%s"; };' % (KEY["name"], KEY["algorithm"], KEY["secret"]),
         'zone "%s" {' % zone, "  type secondary;",
         '  primaries { 127.0.0.1 port %d key "%s"; };' % (primary_port, KEY["name"]),
         '  file "%szone";' % zone, "};"]
    conf = os.path.join(workdir, "named.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    return Proc("named", ["/usr/sbin/named", "-g", "-c", conf], workdir)


SECONDARY_KINDS = {"knotd": knotd_secondary, "nsd": nsd_secondary, "named": named_secondary}


def zone_file_text(zone, serial=1, records=()):
    lines = ["$ORIGIN %s" % zone, "$TTL 3600",
             "@ 3600 IN SOA %s hostmaster.example.net. %d 3600 600 1209600 300" % (NS, serial),
             "@ 3600 IN NS %s" % NS]
    lines += ["%s PTR %s" % r for r in records]
    return "\n".join(lines) + "\n"


def knotd_primary(workdir, port, zone, zone_file, secondary_ports, cpus=None):
    """knotd as a primary: the zone from a file, transfers for the key (and unsigned to
    127.0.0.1, for the bench's own reader), NOTIFY (signed) to each secondary port."""
    os.makedirs(workdir, exist_ok=True)
    c = ["server:", "  listen: 127.0.0.1@%d" % port, "  rundir: %s" % workdir,
         "  udp-workers: 1", "  tcp-workers: 1", "  background-workers: 1",
         "log:", "  - target: stderr", "    any: info", "database:", "  storage: %s/db" % workdir,
         "control:", "  listen: %s/knot.sock" % workdir]
    c += knot_key_block()
    c += ["acl:", "  - id: transfer-key", "    address: 127.0.0.1", "    key: %s" % KEY["name"], "    action: transfer",
          "  - id: transfer", "    address: 127.0.0.1", "    action: transfer"]
    if secondary_ports:
        c += ["remote:"]
        for i, p in enumerate(secondary_ports):
            c += ["  - id: s%d" % i, "    address: 127.0.0.1@%d" % p, "    key: %s" % KEY["name"]]
    c += ["template:", "  - id: default", "    storage: %s" % os.path.dirname(zone_file),
          "    zonefile-sync: -1", "    semantic-checks: off",
          "zone:", "  - domain: %s" % zone, "    file: %s" % os.path.basename(zone_file), "    acl: [transfer-key, transfer]"]
    if secondary_ports:
        c += ["    notify: [%s]" % ", ".join("s%d" % i for i in range(len(secondary_ports)))]
    os.makedirs(os.path.join(workdir, "db"), exist_ok=True)
    conf = os.path.join(workdir, "knotd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(c) + "\n")
    p = Proc("knotd-primary", ["/usr/sbin/knotd", "-c", conf], workdir, cpus)
    p.ctl = os.path.join(workdir, "knot.sock")
    return p


def rdnsd_replication_yaml(secondary_ports, allow_local=True):
    """The top-level keys rdnsd needs to replicate: the key, its secondaries, and an
    unsigned transfer rule for 127.0.0.1 (the bench's own AXFR reader)."""
    y = ["tsig-keys:", '  - { name: %s, algorithm: %s, secret: "%s" }' % (KEY["name"], KEY["algorithm"], KEY["secret"]),
         "zone-defaults:"]
    if secondary_ports:
        y += ["  secondaries:"]
        y += ['    - { address: "127.0.0.1:%d", key: %s }' % (p, KEY["name"]) for p in secondary_ports]
    if allow_local:
        y += ["  allow-transfer:", '    - { from: "127.0.0.1" }']
    return "\n".join(y) + "\n"


def rdnsd_small_conf(workdir, port, prefix, secondary_ports, soa_refresh=3600, commit_wait=None):
    """rdnsd with one zone (`prefix`), one worker, its store and socket in workdir."""
    os.makedirs(workdir, exist_ok=True)
    y = ["server:", '  listen: ["127.0.0.1:%d"]' % port, "  workers: 1", "  nsid: false",
         "store:", "  path: %s/rdnsd.mdb" % workdir, "  map-size: 4G",
         "admin:", "  socket: %s/rdnsd.sock" % workdir]
    if commit_wait is not None:
        y += ["  commit-wait: %d" % commit_wait]
    y += ["max-records: 0", "zones:", "  - prefix: %s" % prefix, "    ns: [%s]" % NS,
          "    soa: { mname: %s, rname: hostmaster.example.net., refresh: %d, retry: 600, expire: 1209600, minimum: 300, ttl: 3600 }"
          % (NS, soa_refresh), "    ttl: 3600"]
    conf = os.path.join(workdir, "rdnsd.yaml")
    with open(conf, "w") as f:
        f.write("\n".join(y) + "\n" + rdnsd_replication_yaml(secondary_ports))
    return conf


def start_rdnsd_plain(workdir, conf, cpus=None):
    p = Proc("rdnsd", [B.rdnsd_bin(), "-c", conf], workdir, cpus)
    p.sock = os.path.join(workdir, "rdnsd.sock")
    for _ in range(1000):
        if os.path.exists(p.sock) or not p.alive():
            break
        time.sleep(0.01)
    if not p.alive():
        raise RuntimeError("rdnsd did not start:\n" + p.log()[-2000:])
    return p


# ---- writers: one change = one serial step with one new PTR ----

def v4_owner(addr):
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa."


class RdnsdWriter:
    """Sets over one admin connection, one JSON line per set; the answer carries the
    zone's new serial."""
    name = "rdnsd"

    def __init__(self, sock_path, zone):
        self.c = B.AdminClient(sock_path)
        self.zone = zone

    def _serial(self, a):
        if not a.get("ok"):
            raise RuntimeError("set refused: %s" % a)
        return [s["serial"] for s in a["serials"] if s["zone"] == self.zone][0]

    def change(self, addr, target):
        """One set, waited for: (serial, time its answer was read)."""
        a = self.c.request({"op": "set", "ip": addr, "name": target})
        return self._serial(a), time.perf_counter()

    def burst(self, items):
        """All sets pipelined on the connection, then every answer read: [(serial, time)]."""
        self.c.send("".join('{"op":"set","ip":"%s","name":"%s"}\n' % it for it in items))
        out = []
        for _ in items:
            out.append((self._serial(self.c.read_answer()), time.perf_counter()))
        return out

    def close(self):
        self.c.close()


class KnotWriter:
    """knotc zone-begin / zone-set / zone-commit, one knotc run each (knotc reads piped
    commands only to the end of its input); after the commit an SOA query to knotd
    gives the new serial."""
    name = "knotd"

    def __init__(self, ctl, port, zone):
        self.ctl, self.port, self.zone = ctl, port, zone

    def knotc(self, *args, stdin=None):
        r = subprocess.run(["knotc", "-s", self.ctl] + list(args), input=stdin, capture_output=True, text=True,
                           timeout=600)
        if r.returncode != 0:
            raise RuntimeError("knotc %s: %s %s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def change(self, addr, target):
        self.knotc("zone-begin", self.zone)
        self.knotc("zone-set", self.zone, v4_owner(addr), "3600", "PTR", target)
        self.knotc("zone-commit", self.zone)
        t = time.perf_counter()
        return ask_soa(self.port, self.zone), t

    def burst(self, items):
        """One knotc run whose input holds one transaction per item: the fastest way
        through knotd's control socket from the command line."""
        s0 = ask_soa(self.port, self.zone)
        lines = []
        for addr, target in items:
            lines += ["zone-begin %s" % self.zone, "zone-set %s %s 3600 PTR %s" % (self.zone, v4_owner(addr), target),
                      "zone-commit %s" % self.zone]
        self.knotc(stdin="\n".join(lines) + "\n")
        t = time.perf_counter()
        return [((s0 + i + 1) & 0xFFFFFFFF, t) for i in range(len(items))]

    def close(self):
        pass


# ---- the poller ----

class Change:
    __slots__ = ("i", "addr", "owner", "target", "serial", "t_answer", "seen", "verified", "late")

    def __init__(self, i, addr, target, serial, t_answer):
        self.i, self.addr, self.owner, self.target = i, addr, v4_owner(addr), target.lower()
        self.serial, self.t_answer, self.seen, self.verified, self.late = serial, t_answer, {}, {}, {}


class Poller(threading.Thread):
    """Watches secondaries: to each one with changes outstanding, an SOA query for the
    zone every `interval` seconds over UDP. A transfer is applied atomically by each of
    these servers, so an SOA answer with serial S at time t means every change of
    serial <= S is answered by then: the change's time is that of the first such answer.
    Then one PTR query per change checks that the new PTR is indeed answered (counted in
    `verified`: True, or the target answered instead)."""

    def __init__(self, secondaries, zone, interval=0.002, give_up=60.0):
        super().__init__(daemon=True)
        self.secs = [{"name": n, "port": p, "soa": udp(p), "ptr": udp(p), "pending": collections.deque(),
                      "last": 0.0, "checks": {}, "recheck": []} for n, p in secondaries]
        self.zone, self.interval, self.give_up = zone, interval, give_up
        self.lock = threading.Lock()
        self.incoming = []
        self.stopping = False
        self.queries = 0
        self.lost = []

    def add(self, change):
        with self.lock:
            self.incoming.append(change)

    def finish(self, timeout=120):
        self.stopping = True
        self.join(timeout)

    def _take_new(self):
        with self.lock:
            new, self.incoming = self.incoming, []
        for ch in new:
            for s in self.secs:
                s["pending"].append(ch)

    def _send_soa(self, s, now):
        try:
            s["soa"].send(query(self.zone, 6, random.getrandbits(16)))
            self.queries += 1
        except BlockingIOError:
            pass
        s["last"] = now

    def _on_soa(self, s, msg, now):
        serial = soa_serial(msg)
        if serial is None:
            return
        pend = s["pending"]
        while pend and serial_ge(serial, pend[0].serial):
            ch = pend.popleft()
            ch.seen[s["name"]] = now
            self._check(s, ch, now, 0)

    def _check(self, s, ch, now, tries):
        qid = random.getrandbits(16)
        s["checks"][qid] = (ch, now, tries)
        try:
            s["ptr"].send(query(ch.owner, 12, qid))
        except BlockingIOError:
            pass

    def _on_ptr(self, s, msg, now):
        qid, target = ptr_target(msg)
        entry = s["checks"].pop(qid, None)
        if entry is None:
            return
        ch, name = entry[0], s["name"]
        if target == ch.target:
            if name in ch.verified:  # answered only now, after an SOA that had it
                ch.seen[name] = now
                ch.late[name] = True
            ch.verified[name] = True
            return
        # The SOA had the serial but the PTR is not answered yet (nsd: its old server
        # process answers for a moment during a reload): the change counts from when
        # it is; asked again every interval.
        ch.verified.setdefault(name, target or "no PTR")
        if now - ch.t_answer < self.give_up:
            s["recheck"].append((now + self.interval, ch))

    def run(self):
        socks = {}
        for s in self.secs:
            socks[s["soa"].fileno()] = (s, "soa")
            socks[s["ptr"].fileno()] = (s, "ptr")
        while True:
            self._take_new()
            now = time.perf_counter()
            busy = False
            wait = 0.005
            for s in self.secs:
                pend = s["pending"]
                while pend and now - pend[0].t_answer > self.give_up:
                    self.lost.append((s["name"], pend.popleft().i))
                if pend:
                    busy = True
                    if now - s["last"] >= self.interval:
                        self._send_soa(s, now)
                    wait = min(wait, max(0.0, s["last"] + self.interval - now))
                if s["checks"] or s["recheck"]:
                    busy = True
                due = [r for r in s["recheck"] if r[0] <= now]
                if due:
                    s["recheck"] = [r for r in s["recheck"] if r[0] > now]
                    for _, ch in due:
                        self._check(s, ch, now, 0)
            if self.stopping and not busy:
                with self.lock:
                    if not self.incoming:
                        return
            ready, _, _ = select.select(list(socks), [], [], wait)
            now = time.perf_counter()
            for fd in ready:
                s, kind = socks[fd]
                while True:
                    try:
                        msg = (s["soa"] if kind == "soa" else s["ptr"]).recv(4096)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    if kind == "soa":
                        self._on_soa(s, msg, now)
                    else:
                        self._on_ptr(s, msg, now)
            # a PTR check unanswered for a second is sent again (three times at most)
            for s in self.secs:
                for qid, (ch, sent, tries) in list(s["checks"].items()):
                    if now - sent > 1.0:
                        s["checks"].pop(qid)
                        if tries < 3:
                            self._check(s, ch, now, tries + 1)


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def latency_summary(changes, sec):
    """Propagation to one secondary, ms: n, median, p99, max, lost, PTR checks failed."""
    lat = sorted((ch.seen[sec] - ch.t_answer) * 1000 for ch in changes if sec in ch.seen)
    bad = sum(1 for ch in changes if sec in ch.verified and ch.verified[sec] is not True)
    late = sum(1 for ch in changes if ch.late.get(sec))
    unchecked = sum(1 for ch in changes if sec in ch.seen and sec not in ch.verified)
    return {"n": len(lat), "lost": len(changes) - len(lat), "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99), "max_ms": lat[-1] if lat else None,
            "min_ms": lat[0] if lat else None, "ptr_mismatch": bad, "ptr_after_soa": late, "ptr_unchecked": unchecked}
