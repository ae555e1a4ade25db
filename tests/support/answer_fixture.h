#pragma once
// Shared by the answer-core tests: an in-memory RecordSource whose lookups do not
// allocate (sorted vectors searched with string_views), a hand-made query builder that
// can produce any malformation, and an ldns-parsed view of an answer (the oracle).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/dns/answer.h"
#include "server/dns/source.h"

// After the standard headers (and ours, which include some): ldns may define bool as a
// macro, and with clang and libstdc++ 12 it first breaks <algorithm>.
#include <ldns/ldns.h>

namespace rdnsd::dns::testing {

// Text name ("Foo.example." or "." ) -> wire, case kept. No escapes.
inline std::string to_wire(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    if (dot > start) {
      out.push_back(static_cast<char>(dot - start));
      out.append(text.substr(start, dot - start));
    }
    start = dot + 1;
  }
  out.push_back('\0');
  return out;
}

// Wire -> key (zonestore/names.h): reversed labels, ASCII lower-cased, no root label.
inline std::string wire_to_key(std::string_view wire) {
  std::vector<std::string_view> labels;
  for (size_t p = 0; p < wire.size() && wire[p] != 0; p += 1 + static_cast<uint8_t>(wire[p])) {
    labels.push_back(wire.substr(p, 1 + static_cast<uint8_t>(wire[p])));
  }
  std::string key;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) key.append(*it);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

inline std::string to_key(std::string_view text) {
  return wire_to_key(to_wire(text));
}

// The ip6.arpa owner of a 32-hex-digit address.
inline std::string v6_owner(std::string_view hex32) {
  std::string name;
  for (auto it = hex32.rbegin(); it != hex32.rend(); ++it) {
    name.push_back(*it);
    name.push_back('.');
  }
  return name + "ip6.arpa.";
}

struct TestZone {
  std::string apex;  // text
  bool served = true;
  uint32_t serial = 2024010101, soa_ttl = 3600, refresh = 7200, retry = 3600, expire = 1209600,
           minimum = 300;
  uint32_t ns_ttl = 0;  // 0: the SOA TTL
  std::string mname = "ns1.example.net.", rname = "hostmaster.example.net.";
  std::vector<std::string> ns = {"ns1.example.net.", "ns2.example.net."};
  // Derived by TestSource::add_zone.
  std::string key, mname_wire, rname_wire, ns_block;
};

inline TestZone zone_at(std::string apex, bool served = true) {
  TestZone z;
  z.apex = std::move(apex);
  z.served = served;
  return z;
}

struct TestPtr {
  std::string key;
  uint32_t ttl;
  std::string target_wire;
};

class TestSource : public RecordSource {
 public:
  void add_zone(TestZone zone) {
    zone.key = to_key(zone.apex);
    zone.mname_wire = to_wire(zone.mname);
    zone.rname_wire = to_wire(zone.rname);
    for (const auto& ns : zone.ns) {
      const std::string wire = to_wire(ns);
      zone.ns_block.push_back(static_cast<char>(wire.size()));
      zone.ns_block += wire;
    }
    zones_.push_back(std::move(zone));
  }
  void add_ptr(std::string_view owner, std::string_view target, uint32_t ttl) {
    ptrs_.push_back({to_key(owner), ttl, to_wire(target)});
    std::sort(ptrs_.begin(), ptrs_.end(),
              [](const TestPtr& a, const TestPtr& b) { return a.key < b.key; });
  }
  // A PTR whose target bytes are given as is (to feed the core malformed data).
  void add_raw_ptr(std::string_view owner, std::string target_wire, uint32_t ttl) {
    ptrs_.push_back({to_key(owner), ttl, std::move(target_wire)});
    std::sort(ptrs_.begin(), ptrs_.end(),
              [](const TestPtr& a, const TestPtr& b) { return a.key < b.key; });
  }
  TestZone& zone(size_t i) { return zones_[i]; }
  // A DHCID RDATA at a full address name (kept beside its PTR, as the store does).
  void add_dhcid(std::string_view owner, std::string rdata, uint32_t ttl) {
    dhcids_.push_back({to_key(owner), ttl, std::move(rdata)});
  }
  bool find_dhcid(std::string_view qkey, uint32_t& ttl, std::string_view& rdata) noexcept override {
    for (const TestPtr& d : dhcids_)
      if (d.key == qkey) {
        ttl = d.ttl;
        rdata = d.target_wire;
        return true;
      }
    return false;
  }

  bool begin() noexcept override { return true; }
  void end() noexcept override {}

  FindZone find_zone(std::string_view qkey, ZoneView& view) noexcept override {
    for (const TestZone& z : zones_) {
      if (qkey.substr(0, z.key.size()) != z.key) continue;
      if (!z.served) return FindZone::NotServed;
      view.apex_key_len = z.key.size();
      view.serial = z.serial;
      view.soa_ttl = z.soa_ttl;
      view.ns_ttl = z.ns_ttl ? z.ns_ttl : z.soa_ttl;
      view.refresh = z.refresh;
      view.retry = z.retry;
      view.expire = z.expire;
      view.minimum = z.minimum;
      view.mname = z.mname_wire;
      view.rname = z.rname_wire;
      view.ns_count = static_cast<uint8_t>(z.ns.size());
      view.ns_block = z.ns_block;
      return FindZone::Found;
    }
    return FindZone::None;
  }

  FindNode find_node(std::string_view qkey, PtrView& ptr, bool& has_ptr) noexcept override {
    has_ptr = false;
    auto it = std::lower_bound(ptrs_.begin(), ptrs_.end(), qkey,
                               [](const TestPtr& p, std::string_view k) { return p.key < k; });
    if (it != ptrs_.end() && it->key == qkey) {
      has_ptr = true;
      ptr.ttl = it->ttl;
      ptr.target = it->target_wire;
      return FindNode::Exists;
    }
    if (it != ptrs_.end() && std::string_view(it->key).substr(0, qkey.size()) == qkey) {
      return FindNode::EmptyNonTerminal;
    }
    return FindNode::NxDomain;
  }

  // The catalog: its serial (none: unreadable) and members by id, as the test sets them.
  std::optional<uint32_t> catalog_serial_value;
  void add_catalog_member(std::string id, std::string_view apex) {
    members_.emplace_back(std::move(id), to_wire(apex));
  }
  bool catalog_serial(uint32_t& serial) noexcept override {
    if (!catalog_serial_value) return false;
    serial = *catalog_serial_value;
    return true;
  }
  bool catalog_member(std::string_view id, std::string_view& apex) noexcept override {
    for (const auto& [member_id, wire] : members_)
      if (member_id == id) {
        apex = wire;
        return true;
      }
    return false;
  }

 private:
  std::vector<TestZone> zones_;
  std::vector<TestPtr> ptrs_;
  std::vector<TestPtr> dhcids_;                               // key, TTL, RDATA
  std::vector<std::pair<std::string, std::string>> members_;  // id, apex wire
};

// Addresses used across the tests.
inline const std::string kV6Host = v6_owner("20010db8000000010000000000000001");
inline const std::string kV6Other = v6_owner("20010db8000000010000000000000abc");
inline const std::string kV6Apex = "0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
// An empty non-terminal on the way to kV6Host: its first 16 nibbles (2001:db8:0:1::/64).
inline const std::string kV6Ent = kV6Host.substr(2 * 16);

// The standard data set: two served zones with PTRs, one stored but not served, and a
// zone with many long NS names (for truncation).
inline void fill_standard(TestSource& src) {
  src.add_zone(zone_at("2.0.192.in-addr.arpa."));
  src.add_zone(zone_at(kV6Apex));
  src.add_zone(zone_at("3.0.192.in-addr.arpa.", false));
  TestZone big = zone_at("100.51.198.in-addr.arpa.");
  big.ns.clear();
  for (int i = 0; i < 40; ++i) {
    big.ns.push_back("nameserver-" + std::to_string(i) + ".provider-" + std::to_string(i) +
                     ".example.org.");
  }
  src.add_zone(big);
  src.add_ptr("1.2.0.192.in-addr.arpa.", "router.example.com.", 3600);
  src.add_ptr("2.2.0.192.in-addr.arpa.", "mail.example.com.", 86400);
  src.add_ptr("10.2.0.192.in-addr.arpa.", "www.example.com.", 600);
  src.add_ptr("2.0.192.in-addr.arpa.", "apex.example.com.", 1200);
  src.add_ptr(kV6Host, "host1.example.com.", 7200);
  src.add_ptr(kV6Other, "other.example.com.", 7200);
  src.add_ptr("1.100.51.198.in-addr.arpa.", "one.example.com.", 60);
}

inline AnswerConfig standard_config() {
  AnswerConfig c;
  c.udp_payload = 1232;
  c.identity = "ns1.test.example";
  c.version = "rdnsd 0.1.0";
  c.nsid_enabled = true;
  c.nsid = "ns1";
  c.tcp_idle_timeout_ms = 30000;
  return c;
}

inline void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

struct EdnsOption {
  uint16_t code;
  std::string data;
};

// Builds a query field by field. Sections beyond the question are raw bytes appended
// after it, with the counts given explicitly (so they can lie).
struct QueryBuilder {
  uint16_t id = 0xBEEF;
  uint8_t opcode = 0;
  bool rd = true, cd = false, qr = false;
  uint16_t qdcount = 1, ancount = 0, nscount = 0, arcount = 0;
  std::string qname = "2.2.0.192.in-addr.arpa.";
  std::string raw_qname;  // if set, used instead of qname (wire bytes as is)
  uint16_t qtype = 12, qclass = 1;
  bool edns = false;
  uint16_t payload = 1232;
  uint8_t version = 0;
  bool do_bit = false;
  std::vector<EdnsOption> options;
  std::vector<uint8_t> extra;  // appended after the question (before the OPT)

  QueryBuilder& name(std::string n) {
    qname = std::move(n);
    return *this;
  }
  QueryBuilder& type(uint16_t t) {
    qtype = t;
    return *this;
  }
  QueryBuilder& cls(uint16_t c) {
    qclass = c;
    return *this;
  }
  QueryBuilder& with_edns(uint16_t size = 1232) {
    edns = true;
    payload = size;
    return *this;
  }
  QueryBuilder& option(uint16_t code, std::string data = {}) {
    edns = true;
    options.push_back({code, std::move(data)});
    return *this;
  }

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> b;
    put16(b, id);
    b.push_back(static_cast<uint8_t>((qr ? 0x80 : 0) | (opcode & 0x0F) << 3 | (rd ? 1 : 0)));
    b.push_back(cd ? 0x10 : 0);
    put16(b, qdcount);
    put16(b, ancount);
    put16(b, nscount);
    put16(b, static_cast<uint16_t>(arcount + (edns ? 1 : 0)));
    const std::string wire = raw_qname.empty() ? to_wire(qname) : raw_qname;
    b.insert(b.end(), wire.begin(), wire.end());
    put16(b, qtype);
    put16(b, qclass);
    b.insert(b.end(), extra.begin(), extra.end());
    if (edns) append_opt(b);
    return b;
  }

  void append_opt(std::vector<uint8_t>& b) const {
    b.push_back(0);
    put16(b, 41);
    put16(b, payload);
    put32(b, uint32_t{version} << 16 | (do_bit ? 0x8000u : 0u));
    std::vector<uint8_t> rdata;
    for (const auto& o : options) {
      put16(rdata, o.code);
      put16(rdata, static_cast<uint16_t>(o.data.size()));
      rdata.insert(rdata.end(), o.data.begin(), o.data.end());
    }
    put16(b, static_cast<uint16_t>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
  }
};

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

inline std::string rr_text(const ldns_rr* rr) {
  char* s = ldns_rr2str(rr);
  std::string out = s ? s : "";
  free(s);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  for (char& c : out) {
    if (c == '\t') c = ' ';
  }
  return out;
}

// An answer as bytes plus its ldns parse.
struct Reply {
  std::vector<uint8_t> bytes;
  std::unique_ptr<ldns_pkt, PktDeleter> pkt;
  ldns_status status = LDNS_STATUS_ERR;

  bool empty() const { return bytes.empty(); }
  bool parsed() const { return pkt != nullptr; }
  uint16_t id() const { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }
  uint8_t rcode() const { return bytes[3] & 0x0F; }
  uint8_t opcode() const { return (bytes[2] >> 3) & 0x0F; }
  bool qr() const { return bytes[2] & 0x80; }
  bool aa() const { return bytes[2] & 0x04; }
  bool tc() const { return bytes[2] & 0x02; }
  bool rd() const { return bytes[2] & 0x01; }
  bool ra() const { return bytes[3] & 0x80; }
  bool ad() const { return bytes[3] & 0x20; }
  bool cd() const { return bytes[3] & 0x10; }
  uint16_t count(int i) const {
    return static_cast<uint16_t>(bytes[4 + 2 * i] << 8 | bytes[5 + 2 * i]);
  }
  uint16_t qd() const { return count(0); }
  uint16_t an() const { return count(1); }
  uint16_t ns() const { return count(2); }
  uint16_t ar() const { return count(3); }

  std::string answer(size_t i) const {
    return rr_text(ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), i));
  }
  std::string authority(size_t i) const {
    return rr_text(ldns_rr_list_rr(ldns_pkt_authority(pkt.get()), i));
  }
  bool has_opt() const { return pkt && ldns_pkt_edns_udp_size(pkt.get()) != 0; }
  // The OPT options as (code, data) pairs.
  std::vector<EdnsOption> options() const {
    std::vector<EdnsOption> out;
    const ldns_rdf* rdf = ldns_pkt_edns_data(pkt.get());
    if (!rdf) return out;
    const uint8_t* d = ldns_rdf_data(rdf);
    size_t n = ldns_rdf_size(rdf);
    for (size_t p = 0; p + 4 <= n;) {
      const uint16_t code = static_cast<uint16_t>(d[p] << 8 | d[p + 1]);
      const uint16_t len = static_cast<uint16_t>(d[p + 2] << 8 | d[p + 3]);
      out.push_back({code, std::string(reinterpret_cast<const char*>(d + p + 4), len)});
      p += 4 + len;
    }
    return out;
  }
};

inline Reply ask(Answerer& answerer, const std::vector<uint8_t>& query,
                 Transport transport = Transport::Udp, size_t cap = 65535) {
  std::vector<uint8_t> out(cap);
  const size_t n = answerer.answer(query.data(), query.size(), out.data(), cap, transport);
  Reply r;
  out.resize(n);
  r.bytes = std::move(out);
  if (n > 0) {
    ldns_pkt* p = nullptr;
    r.status = ldns_wire2pkt(&p, r.bytes.data(), r.bytes.size());
    if (r.status == LDNS_STATUS_OK) r.pkt.reset(p);
  }
  return r;
}

// A source, a config and an answerer over the standard data set.
struct Fixture {
  TestSource source;
  AnswerConfig config = standard_config();
  Answerer answerer{config, source};

  Fixture() { fill_standard(source); }
  Reply ask(const QueryBuilder& q, Transport t = Transport::Udp, size_t cap = 65535) {
    return testing::ask(answerer, q.build(), t, cap);
  }
  Reply ask_raw(const std::vector<uint8_t>& q, Transport t = Transport::Udp, size_t cap = 65535) {
    return testing::ask(answerer, q, t, cap);
  }
};

// Record types and classes the tests use.
constexpr uint16_t kA = 1, kNs = 2, kSoa = 6, kPtr = 12, kTxt = 16, kIxfr = 251, kAxfr = 252,
                   kMailb = 253, kAny = 255;
constexpr uint16_t kClassCh = 3, kClassHs = 4, kClassAny = 255;

// The negative-answer SOA of 2.0.192.in-addr.arpa., as ldns prints it.
inline const char* const kSoaV4 =
    "2.0.192.in-addr.arpa. 300 IN SOA ns1.example.net. hostmaster.example.net. 2024010101 "
    "7200 3600 1209600 300";

inline QueryBuilder q(std::string name, uint16_t type = kPtr) {
  QueryBuilder b;
  b.qname = std::move(name);
  b.qtype = type;
  return b;
}

// The question section of `r` is byte-identical to the query's.
inline bool question_echoed(const Reply& r, const std::vector<uint8_t>& query) {
  size_t end = 12;
  while (end < query.size() && query[end] != 0) end += 1 + query[end];
  end += 5;
  return r.bytes.size() >= end &&
         std::memcmp(r.bytes.data() + 12, query.data() + 12, end - 12) == 0;
}

}  // namespace rdnsd::dns::testing
