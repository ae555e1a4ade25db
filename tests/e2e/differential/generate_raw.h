#pragma once
// The differential test's header, opcode, QDCOUNT, transfer and malformed-packet cases.
#include <string>
#include <vector>

#include "tests/e2e/differential/generate.h"

namespace rdnsd::e2e::diff {

inline Bytes name_wire(const std::string& name) {
  return wire::encode_name(name);
}

inline void append(Bytes& b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
}

// QTYPE and QCLASS.
inline Bytes type_class(uint16_t type, uint16_t c = cls::IN) {
  Bytes b;
  wire::put16(b, type);
  wire::put16(b, c);
  return b;
}

// Opcodes other than QUERY, and header bits a query should not (or may) carry.
inline void gen_header(QueryList& L, const Zone& v4, const Zone& v6) {
  for (uint8_t op : {1, 2, 3, 4, 5, 6, 15}) {
    for (bool edns : {false, true}) {
      Q x;
      x.q.name = op == 4 || op == 5 ? v4.apex : v4.ptrs[1].owner;
      x.q.qtype = op == 4 || op == 5 ? t::SOA : t::PTR;
      x.q.opcode = op;
      x.q.edns = edns;
      if (op == 4) x.byte2_or = 0x04;  // NOTIFY is sent with AA (RFC 1996 section 3.7)
      L.add(x, "opcode");
    }
  }
  struct Bits {
    const char* name;
    uint8_t b2, b3;
    bool rd;
  };
  for (Bits bits : {Bits{"RD", 0, 0, true}, Bits{"CD", 0, 0x10, false}, Bits{"AD", 0, 0x20, false},
                    Bits{"Z", 0, 0x40, false}, Bits{"RA", 0, 0x80, false},
                    Bits{"AA", 0x04, 0, false}, Bits{"TC", 0x02, 0, false},
                    Bits{"RCODE=3", 0, 0x03, false}, Bits{"all", 0x06, 0xF3, true}}) {
    for (const std::string& name : {v6.ptrs[2].owner, std::string("nothing.example.")}) {
      Q x;
      x.q.name = name;
      x.q.rd = bits.rd;
      x.q.edns = true;
      x.byte2_or = bits.b2;
      x.byte3_or = bits.b3;
      x.note = std::string("[header bits ") + bits.name + "]";
      x.attrs["bits"] = bits.name;
      L.add(x, "header");
    }
  }
  // An answer (QR=1) is never answered.
  Q qr;
  qr.q.name = v4.apex;
  qr.q.qtype = t::SOA;
  qr.byte2_or = 0x80;
  qr.note = "[QR=1]";
  L.add(qr, "qr");
}

// Zone transfers (RFC 5936, RFC 1995): over UDP and TCP like everything else.
inline void gen_transfers(QueryList& L, const Zone& v4, const Zone& v6) {
  for (auto [name, type] :
       {std::pair{v4.apex, t::AXFR}, std::pair{v6.apex, t::AXFR}, std::pair{v4.apex, t::IXFR},
        std::pair{v4.ptrs[3].owner, t::AXFR}, std::pair{std::string("example.com."), t::AXFR},
        std::pair{v4.apex, t::MAILB}, std::pair{v4.apex, t::MAILA}}) {
    Q x;
    x.q.name = name;
    x.q.qtype = type;
    L.add(x, "transfer");
  }
  // IXFR with the client's SOA in the authority section (RFC 1995 section 3).
  for (uint32_t serial : {v6.serial - 1, v6.serial}) {
    Bytes p = wire::header(0x2000 + static_cast<uint16_t>(serial & 0xFF), 0, 1, 0, 1, 0);
    append(p, name_wire(v6.apex));
    append(p, type_class(t::IXFR));
    p.push_back(0xC0);
    p.push_back(0x0C);
    append(p, type_class(t::SOA));
    wire::put32(p, 0);
    wire::put16(p, 22);
    p.push_back(0);
    p.push_back(0);
    for (uint32_t v : {serial, 0u, 0u, 0u, 0u}) wire::put32(p, v);
    L.add_raw(p, "transfer",
              v6.apex + " IN IXFR serial " + std::to_string(serial) + " (SOA in authority)",
              {{"qtype", "IXFR"}, {"qclass", "IN"}});
    L.specs().back().qname = v6.apex;
  }
}

// Questions that are not exactly one (RFC 1035 section 4.1.2; RFC 7873 section 5.4).
inline void gen_qdcount(QueryList& L, const Zone& v4) {
  L.add_raw(wire::header(0x3001, 0, 0, 0, 0, 0), "qdcount", "QDCOUNT 0, nothing else",
            {{"qdcount", "0"}});
  Bytes p = wire::header(0x3002, 0, 0, 0, 0, 1);
  append(p, wire::opt_rr(1232));
  L.add_raw(p, "qdcount", "QDCOUNT 0 with an OPT", {{"qdcount", "0"}, {"edns", "0"}});
  p = wire::header(0x3003, 0, 0, 0, 0, 1);
  append(p, wire::opt_rr(1232, 0, false, option(opt::COOKIE, {1, 2, 3, 4, 5, 6, 7, 8})));
  L.add_raw(p, "qdcount", "QDCOUNT 0 with an OPT and a client COOKIE",
            {{"qdcount", "0"}, {"edns", "0"}, {"cookie", "1"}});
  p = wire::header(0x3004, 0, 2, 0, 0, 0);
  append(p, name_wire(v4.apex));
  append(p, type_class(t::SOA));
  append(p, name_wire(v4.ptrs[0].owner));
  append(p, type_class(t::PTR));
  L.add_raw(p, "qdcount", "QDCOUNT 2, two questions", {{"qdcount", "2"}});
  p = wire::header(0x3005, 0, 2, 0, 0, 0);
  append(p, name_wire(v4.apex));
  append(p, type_class(t::SOA));
  L.add_raw(p, "qdcount", "QDCOUNT 2, one question present", {{"qdcount", "2"}});
}

// A query for `name` with `tail` in place of QTYPE/QCLASS and the counts given.
inline Bytes raw_query(uint16_t id, const Bytes& qname, const Bytes& tail, uint16_t an = 0,
                       uint16_t ns = 0, uint16_t ar = 0) {
  Bytes p = wire::header(id, 0, 1, an, ns, ar);
  append(p, qname);
  append(p, tail);
  return p;
}

// A name of exactly `octets` wire octets under `base` (padding labels in front).
inline std::string name_of_length(const std::string& base, size_t octets) {
  size_t have = name_wire(base).size();
  std::string out = base;
  while (have < octets) {
    size_t label = std::min<size_t>(63, octets - have - 1);
    if (octets - have - (label + 1) == 1) --label;  // never leave a 1-octet gap
    out = std::string(label, 'p') + "." + out;
    have += label + 1;
  }
  return out;
}

inline void gen_malformed(QueryList& L, const Zone& v4, const Zone& v6) {
  const Bytes qn = name_wire(v4.ptrs[0].owner);
  const Bytes ptr_in = type_class(t::PTR);
  uint16_t id = 0x4000;
  // `tag` becomes the "malformed" attribute that rules select on.
  auto add = [&](Bytes p, const std::string& tag, const std::string& what) {
    L.add_raw(std::move(p), "malformed", what, {{"malformed", tag}});
  };

  Bytes p = wire::header(++id, 0, 1, 0, 0, 0);
  p.pop_back();
  add(p, "short-header", "11-octet header");
  add(wire::header(++id, 0, 1, 0, 0, 0), "no-question", "header only, QDCOUNT 1");
  add(raw_query(++id, {3, 'a', 'b', 'c'}, {}), "qname-unterminated",
      "QNAME without its root label");
  add(raw_query(++id, {63, 'a', 'b', 'c', 0}, ptr_in), "label-overrun",
      "label longer than the packet");
  add(raw_query(++id, {0xC0, 0x0C}, ptr_in), "qname-pointer", "QNAME is a pointer to itself");
  add(raw_query(++id, {1, 'a', 0xC0, 0x0C}, ptr_in), "pointer-loop",
      "pointer loop through a label");
  add(raw_query(++id, {0xC0, 0x12, 0, 0, 0, 0, 1, 'a', 0}, ptr_in), "forward-pointer",
      "forward pointer");
  add(raw_query(++id, {0xC0, 0xFF}, ptr_in), "pointer-out", "pointer past the end");
  add(raw_query(++id, {0x41, 0, 'x', 0}, ptr_in), "label-type-40", "extended label type 0x40");
  add(raw_query(++id, {0x81, 'x', 0}, ptr_in), "label-type-80", "reserved label type 0x80");
  add(raw_query(++id, name_wire(name_of_length(v6.ptrs[0].owner, 256)), ptr_in), "name-too-long",
      "QNAME of 256 octets");
  add(raw_query(++id, qn, {}), "no-qtype", "no QTYPE/QCLASS");
  add(raw_query(++id, qn, {0, 12, 0}), "qclass-short", "QCLASS cut short");
  add(raw_query(++id, qn, ptr_in, 1), "count-overrun", "ANCOUNT 1, no record");
  Bytes with_opt = raw_query(++id, qn, ptr_in, 0, 0, 2);
  append(with_opt, wire::opt_rr(1232));
  add(with_opt, "count-overrun", "ARCOUNT 2, one OPT");
  Bytes two_opt = raw_query(++id, qn, ptr_in, 0, 0, 2);
  append(two_opt, wire::opt_rr(1232));
  append(two_opt, wire::opt_rr(1232));
  add(two_opt, "opt-twice", "two OPT records");
  Bytes opt_an = raw_query(++id, qn, ptr_in, 1, 0, 0);
  append(opt_an, wire::opt_rr(1232));
  add(opt_an, "opt-in-answer", "OPT in the answer section");
  Bytes opt_ns = raw_query(++id, qn, ptr_in, 0, 1, 0);
  append(opt_ns, wire::opt_rr(1232));
  add(opt_ns, "opt-in-authority", "OPT in the authority section");
  Bytes opt_owner = raw_query(++id, qn, ptr_in, 0, 0, 1);
  Bytes o = wire::opt_rr(1232);
  o[0] = 1;  // owner "a." instead of the root
  o.insert(o.begin() + 1, {'a', 0});
  append(opt_owner, o);
  add(opt_owner, "opt-owner", "OPT owned by a.");
  Bytes opt_over = raw_query(++id, qn, ptr_in, 0, 0, 1);
  append(opt_over, wire::opt_rr(1232, 0, false, {0, 3, 0, 10, 1, 2}));
  add(opt_over, "opt-option-overrun", "OPT option longer than its RDATA");
  Bytes opt_cut = raw_query(++id, qn, ptr_in, 0, 0, 1);
  append(opt_cut, wire::opt_rr(1232, 0, false, option(opt::NSID)));
  opt_cut.resize(opt_cut.size() - 2);
  add(opt_cut, "opt-rdata-overrun", "OPT RDATA past the end of the packet");
  Bytes many = raw_query(++id, qn, ptr_in, 0, 0, 0xFFFF);
  append(many, wire::opt_rr(1232));
  add(many, "count-overrun", "ARCOUNT 65535, one OPT");
  Bytes trailing = raw_query(++id, qn, ptr_in);
  append(trailing, {0xDE, 0xAD, 0xBE, 0xEF});
  add(trailing, "trailing", "four octets after the question");
  add({}, "empty", "empty message");

  // Valid but unusual: a name of exactly 255 octets (below a record), and a TXT record in
  // the additional section (ignored).
  Q longest;
  longest.q.name = name_of_length(v6.ptrs[0].owner, 255);
  L.add(longest, "below");
  Bytes extra = raw_query(++id, qn, ptr_in, 0, 0, 1);
  append(extra, {0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 'x'});
  L.add_raw(extra, "sections", "PTR query with a TXT record in the additional section",
            {{"qtype", "PTR"}, {"qclass", "IN"}});
  L.specs().back().qname = v4.ptrs[0].owner;
}

inline std::vector<Spec> generate_queries(const Zone& v4, const Zone& v6, uint32_t seed) {
  QueryList L(seed);
  gen_zone_names(L, v4, v6);
  gen_outside(L);
  gen_edns(L, v4, v6);
  gen_chaos(L);
  gen_classes(L, v4, v6);
  gen_header(L, v4, v6);
  gen_transfers(L, v4, v6);
  gen_qdcount(L, v4);
  gen_malformed(L, v4, v6);
  return std::move(L.specs());
}

}  // namespace rdnsd::e2e::diff
