#pragma once
// The differential test's data: an IPv4 /24 and an IPv6 /56 reverse zone generated from a
// fixed seed, written three ways from the same values: rdnsd's config plus one admin
// batch, and master files for knotd and nsd.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rdnsd::e2e::diff {

// A reproducible generator. std::mt19937's output is fixed by the standard; the standard
// distributions are not, so values are taken by modulo.
class Rng {
 public:
  explicit Rng(uint32_t seed) : g_(seed) {}
  uint32_t below(size_t n) { return static_cast<uint32_t>(g_() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937 g_;
};

struct PtrRecord {
  std::string ip;             // canonical text
  std::string owner;          // reverse name, lower case, absolute
  std::string target;         // PTR target as set (case kept)
  uint32_t ttl = 0;           // the TTL served
  bool explicit_ttl = false;  // false: the zone's default TTL (no "ttl" in the admin op)
};

struct Zone {
  std::string prefix;  // "192.0.2.0/24"
  std::string apex;    // lower case, absolute
  bool v6 = false;
  std::vector<std::string> ns;
  std::string mname, rname;
  uint32_t soa_ttl = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  uint32_t serial = 0;  // rdnsd's serial after the load; the master files use it
  uint32_t ttl = 0;     // default PTR TTL
  std::vector<PtrRecord> ptrs;
  std::map<std::string, size_t> by_owner;  // owner -> index in ptrs
  std::set<std::string> ents;              // empty non-terminals strictly below the apex

  uint32_t negative_ttl() const { return std::min(soa_ttl, minimum); }  // RFC 2308 s5
};

// "4.3.2.1.in-addr.arpa." for 1.2.3.4; 32 nibbles + "ip6.arpa." for IPv6.
inline std::string reverse_name(const std::array<uint8_t, 16>& a, bool v6) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  if (!v6) {
    for (int i = 3; i >= 0; --i) out += std::to_string(a[i]) + ".";
    return out + "in-addr.arpa.";
  }
  for (int i = 15; i >= 0; --i) {
    out += hex[a[i] & 0xF];
    out += '.';
    out += hex[a[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa.";
}

inline std::string ip_text(const std::array<uint8_t, 16>& a, bool v6) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.data(), buf, sizeof buf);
  return buf;
}

// The name with its first `n` labels removed.
inline std::string strip_labels(const std::string& name, size_t n) {
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) at = name.find('.', at) + 1;
  return name.substr(at);
}

inline size_t label_count(const std::string& name) {
  return static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
}

inline void add_ptr(Zone& z, const std::array<uint8_t, 16>& a, std::string target, Rng& rng) {
  PtrRecord r;
  r.ip = ip_text(a, z.v6);
  r.owner = reverse_name(a, z.v6);
  if (z.by_owner.count(r.owner)) return;
  r.target = std::move(target);
  // A third of the records carry their own TTL; the rest take the zone's default.
  static const std::vector<uint32_t> ttls{1, 60, 300, 86400, 604800};
  r.explicit_ttl = rng.chance(33);
  r.ttl = r.explicit_ttl ? rng.pick(ttls) : z.ttl;
  z.by_owner[r.owner] = z.ptrs.size();
  z.ptrs.push_back(std::move(r));
}

// A host name; now and then in mixed case, to see how each server keeps RDATA case.
inline std::string target_name(size_t i, const char* family, Rng& rng) {
  if (rng.chance(8)) return "Mail-" + std::to_string(i) + "." + family + ".Example.NET.";
  return "host-" + std::to_string(i) + "." + family + ".example.net.";
}

// Fills in the empty non-terminals: every name strictly between the apex and an owner.
inline void compute_ents(Zone& z) {
  size_t apex_labels = label_count(z.apex);
  for (const auto& r : z.ptrs) {
    size_t labels = label_count(r.owner);
    for (size_t cut = 1; labels - cut > apex_labels; ++cut) {
      std::string name = strip_labels(r.owner, cut);
      if (!z.by_owner.count(name)) z.ents.insert(name);
    }
  }
}

// 192.0.2.0/24: ~100 PTRs at random host numbers; SOA TTL 3600 > MINIMUM 300.
inline Zone make_v4_zone(Rng& rng) {
  Zone z;
  z.prefix = "192.0.2.0/24";
  z.apex = "2.0.192.in-addr.arpa.";
  z.ns = {"ns1.example.net.", "ns2.example.net."};
  z.mname = "ns1.example.net.";
  z.rname = "hostmaster.example.net.";
  z.soa_ttl = 3600, z.refresh = 7200, z.retry = 900, z.expire = 1209600, z.minimum = 300;
  z.ttl = 3600;
  while (z.ptrs.size() < 100) {
    std::array<uint8_t, 16> a{192, 0, 2, static_cast<uint8_t>(1 + rng.below(254))};
    add_ptr(z, a, target_name(z.ptrs.size(), "v4", rng), rng);
  }
  compute_ents(z);
  return z;
}

// 2001:db8:1234:5600::/56: 300 PTRs, a third anywhere in the /56 and the rest clustered
// in a few /64s with small host parts (as SLAAC-less allocations look), so that the tree
// has empty non-terminals at every depth. SOA TTL 900 < MINIMUM 3600. Eight long NS names
// make the NS RRset larger than 512 octets (truncation without EDNS).
inline Zone make_v6_zone(Rng& rng) {
  Zone z;
  z.prefix = "2001:db8:1234:5600::/56";
  z.apex = "6.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.";
  z.v6 = true;
  // Each name differs in its first two labels, so compression cannot share them.
  for (int i = 1; i <= 8; ++i) {
    std::string n = std::to_string(i);
    z.ns.push_back("ns" + n + "-anycast-node-" + n + "-with-a-rather-long-label.pop-" + n +
                   "-in-a-city-with-a-long-name.example.net.");
  }
  z.mname = z.ns[0];
  z.rname = "hostmaster.example.net.";
  z.soa_ttl = 900, z.refresh = 3600, z.retry = 600, z.expire = 604800, z.minimum = 3600;
  z.ttl = 7200;
  const std::array<uint8_t, 7> base{0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56};
  std::vector<std::array<uint8_t, 16>> subnets;
  for (int i = 0; i < 6; ++i) {
    std::array<uint8_t, 16> s{};
    std::copy(base.begin(), base.end(), s.begin());
    s[7] = static_cast<uint8_t>(rng.below(256));
    subnets.push_back(s);
  }
  while (z.ptrs.size() < 300) {
    std::array<uint8_t, 16> a{};
    if (rng.chance(33)) {
      std::copy(base.begin(), base.end(), a.begin());
      for (int i = 7; i < 16; ++i) a[i] = static_cast<uint8_t>(rng.below(256));
    } else {
      a = rng.pick(subnets);
      a[15] = static_cast<uint8_t>(rng.below(256));
      if (rng.chance(30)) a[14] = static_cast<uint8_t>(rng.below(16));
    }
    add_ptr(z, a, target_name(z.ptrs.size(), "v6", rng), rng);
  }
  compute_ents(z);
  return z;
}

// rdnsd's `zones:` item for the zone (no seed records: the data comes in one batch).
inline std::string rdnsd_zone_yaml(const Zone& z) {
  std::string ns;
  for (const auto& n : z.ns) ns += (ns.empty() ? "" : ", ") + n;
  return "  - prefix: \"" + z.prefix + "\"\n    ns: [" + ns + "]\n    soa: { mname: " + z.mname +
         ", rname: " + z.rname + ", ttl: " + std::to_string(z.soa_ttl) +
         ", refresh: " + std::to_string(z.refresh) + ", retry: " + std::to_string(z.retry) +
         ", expire: " + std::to_string(z.expire) + ", minimum: " + std::to_string(z.minimum) +
         " }\n    ttl: " + std::to_string(z.ttl) + "\n";
}

// One admin batch with every record of every zone: one transaction, one serial step per
// zone.
inline std::string rdnsd_batch(const std::vector<const Zone*>& zones) {
  nlohmann::json ops = nlohmann::json::array();
  for (const Zone* z : zones) {
    for (const auto& r : z->ptrs) {
      nlohmann::json op{{"op", "set"}, {"ip", r.ip}, {"name", r.target}};
      if (r.explicit_ttl) op["ttl"] = r.ttl;
      ops.push_back(op);
    }
  }
  return nlohmann::json{{"op", "batch"}, {"ops", ops}}.dump();
}

// The same zone as an RFC 1035 master file (for knotd and nsd). The NS TTL is the SOA
// TTL, as rdnsd serves it.
inline std::string master_file(const Zone& z) {
  std::string out = "$ORIGIN " + z.apex + "\n";
  out += "@ " + std::to_string(z.soa_ttl) + " IN SOA " + z.mname + " " + z.rname + " " +
         std::to_string(z.serial) + " " + std::to_string(z.refresh) + " " +
         std::to_string(z.retry) + " " + std::to_string(z.expire) + " " +
         std::to_string(z.minimum) + "\n";
  for (const auto& n : z.ns) out += "@ " + std::to_string(z.soa_ttl) + " IN NS " + n + "\n";
  for (const auto& r : z.ptrs)
    out += r.owner + " " + std::to_string(r.ttl) + " IN PTR " + r.target + "\n";
  return out;
}

// The RRs the zone holds at `name` (lower case), as "TYPE rdata" lines with the TTL:
// what an ANY answer may be made of.
inline std::multiset<std::string> rrs_at(const Zone& z, const std::string& name) {
  std::multiset<std::string> out;
  if (name == z.apex) {
    out.insert(std::to_string(z.soa_ttl) + " IN SOA " + z.mname + " " + z.rname + " " +
               std::to_string(z.serial) + " " + std::to_string(z.refresh) + " " +
               std::to_string(z.retry) + " " + std::to_string(z.expire) + " " +
               std::to_string(z.minimum));
    for (const auto& n : z.ns) out.insert(std::to_string(z.soa_ttl) + " IN NS " + n);
  }
  auto it = z.by_owner.find(name);
  if (it != z.by_owner.end()) {
    const auto& r = z.ptrs[it->second];
    out.insert(std::to_string(r.ttl) + " IN PTR " + r.target);
  }
  return out;
}

}  // namespace rdnsd::e2e::diff
