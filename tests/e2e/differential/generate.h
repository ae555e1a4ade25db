#pragma once
// Which queries the differential test sends (see queries.h for how they are built).
#include <string>
#include <vector>

#include "tests/e2e/differential/queries.h"
#include "tests/e2e/differential/zones.h"

namespace rdnsd::e2e::diff {

namespace t {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, HINFO = 13, MX = 15, TXT = 16, AAAA = 28,
                   SRV = 33, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, NSEC3PARAM = 51,
                   HTTPS = 65, SPF = 99, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254,
                   ANY = 255, CAA = 257, PRIVATE = 65534, PTR = 12, NULLT = 10;
}
namespace cls {
constexpr uint16_t IN = 1, CS = 2, CH = 3, HS = 4, NONE = 254, ANY = 255;
}

// What `name` (lower case) is in the zone: apex, existing, ent, below (under a record),
// or missing.
inline std::string classify(const Zone& z, const std::string& name) {
  if (name == z.apex) return "apex";
  if (z.by_owner.count(name)) return "existing";
  if (z.ents.count(name)) return "ent";
  for (size_t cut = 1; label_count(name) - cut > label_count(z.apex); ++cut)
    if (z.by_owner.count(strip_labels(name, cut))) return "below";
  return "missing";
}

// A name in the IPv6 zone at random: a record's owner with one nibble changed at a
// random depth, optionally cut to that depth (an ENT or a missing node).
inline std::string v6_variant(const Zone& z, Rng& rng, bool cut) {
  std::string owner = rng.pick(z.ptrs).owner;
  size_t free_labels = label_count(owner) - label_count(z.apex);  // 18 nibbles
  size_t depth = rng.below(free_labels);                          // label index
  std::string name = owner;
  const char* hex = "0123456789abcdef";
  name[depth * 2] = hex[rng.below(16)];
  return cut ? strip_labels(name, depth) : name;
}

inline void gen_zone_names(QueryList& L, const Zone& v4, const Zone& v6) {
  Rng& rng = L.rng();
  // Existing PTRs.
  for (int i = 0; i < 20; ++i) {
    const auto& r = rng.pick(v4.ptrs);
    L.add(L.plain(r.owner, t::PTR), "existing");
  }
  for (int i = 0; i < 30; ++i) {
    const auto& r = rng.pick(v6.ptrs);
    L.add(L.plain(r.owner, t::PTR), "existing");
  }
  // Other types at record owners.
  const std::vector<uint16_t> types{
      t::A,    t::NS,     t::CNAME, t::SOA, t::MX,  t::TXT,     t::AAAA,  t::SRV,   t::DS, t::RRSIG,
      t::NSEC, t::DNSKEY, t::HTTPS, t::CAA, t::ANY, t::PRIVATE, t::NULLT, t::HINFO, t::SPF};
  for (int i = 0; i < 4; ++i) {
    const Zone& z = i % 2 ? v6 : v4;
    const auto& r = rng.pick(z.ptrs);
    for (uint16_t type : types) L.add(L.plain(r.owner, type), "existing");
  }
  // Missing addresses (NXDOMAIN).
  for (int i = 0; i < 15; ++i) {
    int host = 1 + static_cast<int>(rng.below(254));
    std::string name = std::to_string(host) + ".2.0.192.in-addr.arpa.";
    L.add(L.plain(name, rng.chance(80) ? t::PTR : t::ANY), classify(v4, name));
  }
  for (auto name : {"0.2.0.192.in-addr.arpa.", "255.2.0.192.in-addr.arpa."})
    L.add(L.plain(name, t::PTR), classify(v4, name));
  for (int i = 0; i < 25; ++i) {
    std::string name = v6_variant(v6, rng, false);
    L.add(L.plain(name, rng.chance(80) ? t::PTR : t::AAAA), classify(v6, name));
  }
  // Empty non-terminals at every depth, and missing nodes at partial depths.
  std::vector<std::string> ents(v6.ents.begin(), v6.ents.end());
  for (size_t depth = 1; depth < 18; ++depth) {
    std::vector<std::string> at_depth;
    for (const auto& e : ents)
      if (label_count(e) == label_count(v6.apex) + depth) at_depth.push_back(e);
    if (at_depth.empty()) continue;
    for (int i = 0; i < 2; ++i) {
      const std::vector<uint16_t> ent_types{t::PTR, t::PTR, t::ANY, t::NS, t::SOA, t::A};
      L.add(L.plain(rng.pick(at_depth), rng.pick(ent_types)), "ent");
    }
  }
  for (int i = 0; i < 15; ++i) {
    std::string name = v6_variant(v6, rng, true);
    L.add(L.plain(name, t::PTR), classify(v6, name));
  }
  // Below a record: one and two labels more (NXDOMAIN).
  for (int i = 0; i < 4; ++i) {
    const auto& r4 = rng.pick(v4.ptrs);
    L.add(L.plain("x." + r4.owner, t::PTR), "below");
    L.add(L.plain("1.0." + r4.owner, t::ANY), "below");
    const auto& r6 = rng.pick(v6.ptrs);
    L.add(L.plain("f." + r6.owner, t::PTR), "below");
    L.add(L.plain("_tcp.0." + r6.owner, t::SRV), "below");
  }
  // The apexes.
  const std::vector<uint16_t> apex_types{t::SOA,   t::NS,  t::ANY,        t::TXT,    t::A,
                                         t::AAAA,  t::PTR, t::DS,         t::DNSKEY, t::MX,
                                         t::CNAME, t::CAA, t::NSEC3PARAM, t::RRSIG};
  for (const Zone* z : {&v4, &v6})
    for (uint16_t type : apex_types) L.add(L.plain(z->apex, type), "apex");
}

inline void gen_outside(QueryList& L) {
  const std::vector<std::pair<std::string, uint16_t>> names{
      {"example.com.", t::A},
      {".", t::SOA},
      {".", t::NS},
      {"arpa.", t::NS},
      {"in-addr.arpa.", t::SOA},
      {"ip6.arpa.", t::SOA},
      {"0.192.in-addr.arpa.", t::SOA},     // the parent of the zone
      {"12.0.192.in-addr.arpa.", t::SOA},  // shares the apex's text as a suffix
      {"1.12.0.192.in-addr.arpa.", t::PTR},
      {"1.2.0.193.in-addr.arpa.", t::PTR},
      {"1.0.0.127.in-addr.arpa.", t::PTR},
      {"10.100.51.198.in-addr.arpa.", t::PTR},
      {"5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.", t::SOA},    // parent of the /56
      {"7.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.", t::SOA},  // sibling /56
      {"1.0.0.0.7.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.", t::PTR},
      {"2.0.192.in-addr.arpa.example.com.", t::PTR},
      {"localhost.", t::A},
      {"version.bind.", t::TXT},  // CHAOS name asked in class IN
  };
  for (const auto& [name, type] : names) L.add(L.plain(name, type), "outside");
}

// EDNS (RFC 6891, 3225, 5001, 7828) on a fixed record and on the v6 apex.
inline void gen_edns(QueryList& L, const Zone& v4, const Zone& v6) {
  const std::string owner = v4.ptrs.front().owner;
  struct Variant {
    const char* name;
    bool edns;
    uint8_t version;
    uint16_t size;
    bool do_bit;
    Bytes options;
    std::map<std::string, std::string> attrs;
  };
  Bytes cookie{1, 2, 3, 4, 5, 6, 7, 8};
  Bytes ecs{0, 1, 24, 0, 192, 0, 2};
  std::vector<Variant> variants{
      {"no EDNS", false, 0, 0, false, {}, {}},
      {"EDNS0", true, 0, 1232, false, {}, {}},
      {"EDNS0 DO", true, 0, 1232, true, {}, {}},
      {"EDNS1", true, 1, 1232, false, {}, {}},
      {"EDNS1 DO", true, 1, 1232, true, {}, {}},
      {"EDNS255", true, 255, 4096, false, {}, {}},
      {"NSID", true, 0, 1232, false, option(opt::NSID), {{"nsid", "1"}}},
      {"NSID with data", true, 0, 1232, false, option(opt::NSID, {1, 2}), {{"nsid", "1"}}},
      {"keepalive", true, 0, 1232, false, option(opt::KEEPALIVE), {{"keepalive", "1"}}},
      {"unknown option", true, 0, 1232, false, option(opt::UNKNOWN, {9, 9, 9}), {}},
      {"cookie", true, 0, 1232, false, option(opt::COOKIE, cookie), {{"cookie", "1"}}},
      {"client subnet", true, 0, 1232, false, option(opt::ECS, ecs), {{"ecs", "1"}}},
      {"padding", true, 0, 1232, false, option(opt::PADDING, Bytes(20, 0)), {}},
      {"NSID+keepalive+unknown",
       true,
       0,
       1232,
       true,
       [] {
         Bytes b = option(opt::NSID);
         Bytes k = option(opt::KEEPALIVE);
         Bytes u = option(opt::UNKNOWN);
         b.insert(b.end(), k.begin(), k.end());
         b.insert(b.end(), u.begin(), u.end());
         return b;
       }(),
       {{"nsid", "1"}, {"keepalive", "1"}}},
      {"bufsize 0", true, 0, 0, false, {}, {}},
      {"bufsize 100", true, 0, 100, false, {}, {}},
      {"bufsize 511", true, 0, 511, false, {}, {}},
      {"bufsize 512", true, 0, 512, false, {}, {}},
      {"bufsize 65535", true, 0, 65535, false, {}, {}},
  };
  for (const auto& v : variants) {
    for (auto [name, type] :
         {std::pair{owner, t::PTR}, std::pair{v6.apex, t::SOA}, std::pair{v6.apex, t::NS}}) {
      Q x;
      x.q.name = name;
      x.q.qtype = type;
      x.q.edns = v.edns;
      x.q.edns_version = v.version;
      x.q.udp_size = v.size;
      x.q.do_bit = v.do_bit;
      x.q.edns_options = v.options;
      x.attrs = v.attrs;
      x.note = std::string("[") + v.name + "]";
      L.add(x, "edns");
    }
  }
  // Unassigned OPT flag bits (Z) must be ignored and cleared (RFC 6891 section 6.1.4).
  Q z;
  z.q.name = owner;
  z.q.edns = true;
  z.note = "[OPT Z bits set]";
  L.add(z, "edns");
  wire::Bytes& p = L.specs().back().packet;
  p[p.size() - 3] |= 0x7F;  // TTL low byte of the OPT (RDLENGTH 0 follows)
  p[p.size() - 4] |= 0x01;
  L.specs().back().attrs["optz"] = "1";
}

// CHAOS TXT identity and version names (RFC 4892), and what is not one.
inline void gen_chaos(QueryList& L) {
  const std::vector<std::pair<std::string, uint16_t>> names{
      {"id.server.", t::TXT},    {"hostname.bind.", t::TXT},
      {"version.bind.", t::TXT}, {"version.server.", t::TXT},
      {"ID.Server.", t::TXT},    {"authors.bind.", t::TXT},
      {"id.server.", t::A},      {"id.server.", t::ANY},
      {"version.bind.", t::SOA}, {"2.0.192.in-addr.arpa.", t::SOA},
      {"x.id.server.", t::TXT},  {"bind.", t::TXT}};
  for (const auto& [name, type] : names) {
    for (bool edns : {false, true}) {
      Q x;
      x.q.name = name;
      x.q.qtype = type;
      x.q.qclass = cls::CH;
      x.q.edns = edns;
      L.add(x, "chaos");
    }
  }
}

// Classes other than IN and CH on served names.
inline void gen_classes(QueryList& L, const Zone& v4, const Zone& v6) {
  for (uint16_t c : {cls::CS, cls::HS, cls::NONE, cls::ANY, uint16_t{42}}) {
    for (auto [name, type] : {std::pair{v4.apex, t::SOA}, std::pair{v6.ptrs[0].owner, t::PTR}}) {
      Q x;
      x.q.name = name;
      x.q.qtype = type;
      x.q.qclass = c;
      x.q.edns = true;
      L.add(x, "class");
    }
  }
}

}  // namespace rdnsd::e2e::diff
