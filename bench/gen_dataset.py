#!/usr/bin/env python3
"""Fixed-seed benchmark datasets for rdnsd, knotd and nsd.

    bench/gen_dataset.py [--set standard|1m|10m] [--out DIR] [--seed N] [--queries N]

Writes into DIR (default bench/scratch/<set>/):

  zones.json            the zones (apex, prefix, zone file name), record counts, and a
                        probe question (an existing IPv6 PTR, the last record written)
  rdnsd.yaml.in         rdnsd config; @PORT@, @DIR@ and @WORKERS@ are filled in by the runners
  batch/NNN.jsonl       set ops for `rdnsctl batch` / bench/admin_client.py, 100,000 per file
                        ({"op":"set","ip":...,"name":...} one per line)
  zones/<apex>zone      RFC 1035 master files (same SOA, NS, TTLs) for knotd and nsd
  queries.txt           dnsperf query file ("NAME TYPE" per line)
  queries.expect        expected rcode of each line of queries.txt (NOERROR / NXDOMAIN)

Sets:
  standard  65,536 IPv4 PTRs (all of 10.0.0.0/16, zone 0.10.in-addr.arpa.) and 100,000
            IPv6 PTRs (random /128s in 2001:db8:1000::/48)
  1m, 10m   40% IPv4 (random distinct addresses in 10.0.0.0/8, zone 10.in-addr.arpa.) and
            60% IPv6 (random /128s in 2001:db8:1000::/48)

Query mix (fixed seed): 80% existing PTRs (uniform over all records), 10% missing
addresses (NXDOMAIN), 5% empty non-terminals (ancestors of records, NODATA), 5% SOA/NS at
the apexes. In the standard set the IPv4 /16 is full, so every missing address is IPv6.
"""
import argparse
import ipaddress
import json
import os
import random
import sys

SETS = {
    "standard": {"v4": 65536, "v6": 100000, "v4_prefix": "10.0.0.0/16"},
    "1m": {"v4": 400000, "v6": 600000, "v4_prefix": "10.0.0.0/8"},
    "10m": {"v4": 4000000, "v6": 6000000, "v4_prefix": "10.0.0.0/8"},
}
V6_PREFIX = "2001:db8:1000::/48"
NS = ["ns1.example.net.", "ns2.example.net."]
MNAME, RNAME = "ns1.example.net.", "hostmaster.example.net."
SOA_TIMERS = (3600, 600, 1209600, 300)  # refresh retry expire minimum
TTL = 3600
BATCH = 100000


def v4_apex(net):
    octets = str(net.network_address).split(".")[: net.prefixlen // 8]
    return ".".join(reversed(octets)) + ".in-addr.arpa."


def v6_apex(net):
    nibbles = net.network_address.exploded.replace(":", "")[: net.prefixlen // 4]
    return ".".join(reversed(nibbles)) + ".ip6.arpa."


def v4_labels(addr_int):
    """Reverse labels of an IPv4 address, most specific first."""
    return [str((addr_int >> s) & 0xFF) for s in (0, 8, 16, 24)]


def v6_labels(addr_int):
    h = "%032x" % addr_int
    return list(reversed(h))


class Family:
    """One zone's records: addresses as ints, plus the helpers for names."""

    def __init__(self, kind, prefix, count, rng):
        self.kind = kind
        self.net = ipaddress.ip_network(prefix)
        self.bits = 32 if kind == 4 else 128
        self.host_bits = self.bits - self.net.prefixlen
        self.apex = v4_apex(self.net) if kind == 4 else v6_apex(self.net)
        self.label_bits = 8 if kind == 4 else 4
        self.apex_labels = self.net.prefixlen // self.label_bits
        self.total_labels = self.bits // self.label_bits
        base = int(self.net.network_address)
        space = 1 << self.host_bits
        if count > space:
            sys.exit("%d records do not fit in %s" % (count, prefix))
        if count == space:
            offsets = list(range(space))
            rng.shuffle(offsets)
        elif space <= 1 << 26:
            offsets = rng.sample(range(space), count)
        else:
            seen = set()
            offsets = []
            while len(offsets) < count:
                o = rng.getrandbits(self.host_bits)
                if o not in seen:
                    seen.add(o)
                    offsets.append(o)
        self.addrs = [base + o for o in offsets]
        self.present = set(self.addrs) if count < space else None
        self.base, self.space = base, space

    def labels(self, a):
        return v4_labels(a) if self.kind == 4 else v6_labels(a)

    def owner(self, a):
        return ".".join(self.labels(a)) + "." + ("in-addr.arpa." if self.kind == 4 else "ip6.arpa.")

    def relative(self, a):
        return ".".join(self.labels(a)[: self.total_labels - self.apex_labels])

    def text(self, a):
        return str(ipaddress.ip_address(a))

    def target(self, a):
        if self.kind == 4:
            return "h" + self.text(a).replace(".", "-") + ".v4.example.com."
        return "h%020x.v6.example.com." % (a - self.base)

    def missing(self, rng):
        if self.present is None:
            return None
        while True:
            a = self.base + rng.getrandbits(self.host_bits)
            if a not in self.present:
                return a

    def ent(self, rng):
        """A proper ancestor of a random record, strictly below the apex."""
        a = rng.choice(self.addrs)
        labels = self.labels(a)
        below = self.total_labels - self.apex_labels  # labels between apex and owner
        cut = rng.randint(1, below - 1)  # drop this many leaf labels
        return ".".join(labels[cut:]) + "." + ("in-addr.arpa." if self.kind == 4 else "ip6.arpa.")


def write_zone_file(path, fam):
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL %d\n" % (fam.apex, TTL))
        f.write("@ %d IN SOA %s %s 1 %d %d %d %d\n" % ((TTL, MNAME, RNAME) + SOA_TIMERS))
        for ns in NS:
            f.write("@ %d IN NS %s\n" % (TTL, ns))
        chunk = []
        for a in fam.addrs:
            chunk.append("%s PTR %s\n" % (fam.relative(a), fam.target(a)))
            if len(chunk) >= 65536:
                f.writelines(chunk)
                chunk.clear()
        f.writelines(chunk)


def write_batches(out, fams):
    os.makedirs(os.path.join(out, "batch"), exist_ok=True)
    n, idx, f = 0, 0, None
    for fam in fams:
        for a in fam.addrs:
            if n % BATCH == 0:
                if f:
                    f.close()
                f = open(os.path.join(out, "batch", "%03d.jsonl" % idx), "w")
                idx += 1
            f.write('{"op":"set","ip":"%s","name":"%s"}\n' % (fam.text(a), fam.target(a)))
            n += 1
    if f:
        f.close()
    return idx


def write_rdnsd_config(path, fams):
    lines = [
        "# Generated by bench/gen_dataset.py; @...@ are filled in by the bench runners.",
        "server:",
        '  listen: ["127.0.0.1:@PORT@"]',
        "  workers: @WORKERS@",
        "  nsid: false",
        "store:",
        "  path: @DIR@/rdnsd.mdb",
        "  map-size: 64G",
        "admin:",
        "  socket: @DIR@/rdnsd.sock",
        'max-records: 0',
        "zones:",
    ]
    for fam in fams:
        lines += [
            "  - prefix: %s" % fam.net,
            "    ns: [%s]" % ", ".join(NS),
            "    soa: { mname: %s, rname: %s, refresh: %d, retry: %d, expire: %d, minimum: %d, ttl: %d }"
            % ((MNAME, RNAME) + SOA_TIMERS + (TTL,)),
            "    ttl: %d" % TTL,
        ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_queries(out, fams, nq, rng):
    total = sum(len(f.addrs) for f in fams)
    weights = [len(f.addrs) / total for f in fams]
    nx_fams = [f for f in fams if f.present is not None]
    nx_total = sum(len(f.addrs) for f in nx_fams)
    nx_weights = [len(f.addrs) / nx_total for f in nx_fams]
    q = open(os.path.join(out, "queries.txt"), "w")
    e = open(os.path.join(out, "queries.expect"), "w")
    counts = {"ptr": 0, "nx": 0, "ent": 0, "apex": 0}
    for _ in range(nq):
        r = rng.random()
        if r < 0.80:
            fam = rng.choices(fams, weights)[0]
            name, qtype, rcode, kind = fam.owner(rng.choice(fam.addrs)), "PTR", "NOERROR", "ptr"
        elif r < 0.90:
            fam = rng.choices(nx_fams, nx_weights)[0]
            name, qtype, rcode, kind = fam.owner(fam.missing(rng)), "PTR", "NXDOMAIN", "nx"
        elif r < 0.95:
            fam = rng.choices(fams, weights)[0]
            name, qtype, rcode, kind = fam.ent(rng), "PTR", "NOERROR", "ent"
        else:
            fam = rng.choice(fams)
            name, qtype, rcode, kind = fam.apex, rng.choice(["SOA", "NS"]), "NOERROR", "apex"
        counts[kind] += 1
        q.write("%s %s\n" % (name, qtype))
        e.write(rcode + "\n")
    q.close()
    e.close()
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="standard", choices=sorted(SETS))
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--queries", type=int, default=1000000)
    args = ap.parse_args()
    spec = SETS[args.set]
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "scratch", args.set)
    os.makedirs(os.path.join(out, "zones"), exist_ok=True)
    rng = random.Random(args.seed)
    fams = [Family(4, spec["v4_prefix"], spec["v4"], rng), Family(6, V6_PREFIX, spec["v6"], rng)]
    zones = []
    for fam in fams:
        fname = fam.apex + "zone"
        write_zone_file(os.path.join(out, "zones", fname), fam)
        zones.append({"apex": fam.apex, "prefix": str(fam.net), "file": fname, "records": len(fam.addrs)})
    nbatch = write_batches(out, fams)
    write_rdnsd_config(os.path.join(out, "rdnsd.yaml.in"), fams)
    counts = write_queries(out, fams, args.queries, random.Random(args.seed + 1))
    meta = {"set": args.set, "seed": args.seed, "zones": zones, "batches": nbatch,
            "records": sum(z["records"] for z in zones), "queries": counts,
            "probe": "%s PTR" % fams[1].owner(fams[1].addrs[-1]),
            "probe_v4": "%s PTR" % fams[0].owner(fams[0].addrs[-1]),
            "ns": NS, "mname": MNAME, "rname": RNAME, "ttl": TTL, "soa_timers": SOA_TIMERS}
    with open(os.path.join(out, "zones.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
