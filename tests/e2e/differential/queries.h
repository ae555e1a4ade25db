#pragma once
// The differential test's queries, generated from a fixed seed: names in and out of the
// zones, every common type, EDNS variants, CHAOS, odd opcodes and header bits, transfers
// and malformed packets. Each query carries attributes ("kind", "qtype", "edns", ...)
// that the allowed-differences rules select on.
// ldns/common.h #defines bool, true and false unless stdbool.h came first.
#include <stdbool.h>

#include <ldns/ldns.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/differential/zones.h"
#include "tests/e2e/support/e2e.h"

namespace rdnsd::e2e::diff {

using wire::Bytes;

struct Spec {
  std::string what;  // one line for people: kind, name, type, class, options
  Bytes packet;
  std::map<std::string, std::string> attrs;
  std::string qname;  // lower case, when the packet has a plain question
};

inline std::string type_name(uint16_t t) {
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(t));
  std::string out = s ? s : "TYPE" + std::to_string(t);
  std::free(s);
  return out;
}

inline std::string class_name(uint16_t c) {
  char* s = ldns_rr_class2str(static_cast<ldns_rr_class>(c));
  std::string out = s ? s : "CLASS" + std::to_string(c);
  std::free(s);
  return out;
}

inline std::string opcode_name(int op) {
  static const char* names[] = {"QUERY", "IQUERY", "STATUS", "OPCODE3", "NOTIFY", "UPDATE", "DSO"};
  return op < 7 ? names[op] : "OPCODE" + std::to_string(op);
}

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Random 0x20 case on the letters of a name (what resolvers do to add entropy).
inline std::string mix_case(const std::string& name, Rng& rng) {
  std::string out = name;
  for (auto& c : out)
    if (std::isalpha(static_cast<unsigned char>(c)) && rng.chance(50))
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// EDNS options as raw TLVs.
inline Bytes option(uint16_t code, const Bytes& data = {}) {
  Bytes b;
  wire::put16(b, code);
  wire::put16(b, static_cast<uint16_t>(data.size()));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}
namespace opt {
constexpr uint16_t NSID = 3, ECS = 8, COOKIE = 10, KEEPALIVE = 11, PADDING = 12, UNKNOWN = 65001;
}

// One query to build: wire::Query plus the header bits it cannot set.
struct Q {
  wire::Query q;
  uint8_t byte2_or = 0;  // AA (0x04), TC (0x02) in the query
  uint8_t byte3_or = 0;  // RA (0x80), Z (0x40), AD (0x20), CD (0x10), RCODE
  std::map<std::string, std::string> attrs;
  std::string note;  // extra words for `what`
};

class QueryList {
 public:
  explicit QueryList(uint32_t seed) : rng_(seed) {}
  Rng& rng() { return rng_; }
  std::vector<Spec>& specs() { return specs_; }

  // A query with a question; `kind` says what the name is.
  void add(Q x, const std::string& kind) {
    wire::Query& q = x.q;
    q.id = static_cast<uint16_t>(0x1000 + specs_.size());
    Bytes p = wire::build(q);
    if (q.name == ".") p.erase(p.begin() + 12);  // encode_name(".") writes two root labels
    p[2] |= x.byte2_or;
    p[3] |= x.byte3_or;
    Spec s;
    s.packet = std::move(p);
    s.qname = lower(q.name);
    s.attrs = std::move(x.attrs);
    s.attrs["kind"] = kind;
    s.attrs["qtype"] = type_name(q.qtype);
    s.attrs["qclass"] = class_name(q.qclass);
    s.attrs["opcode"] = opcode_name(q.opcode);
    s.attrs["edns"] = q.edns ? std::to_string(q.edns_version) : "none";
    if (q.edns) s.attrs["do"] = q.do_bit ? "1" : "0";
    if (q.edns) s.attrs["bufsize"] = std::to_string(q.udp_size);
    s.attrs["case"] = lower(q.name) == q.name ? "lower" : "mixed";
    s.what = kind + ": " + q.name + " " + s.attrs["qclass"] + " " + s.attrs["qtype"];
    if (q.opcode) s.what += " opcode " + s.attrs["opcode"];
    if (q.rd) s.what += " +rd";
    if (q.edns) {
      s.what += " +edns(v" + std::to_string(q.edns_version) + ", " + std::to_string(q.udp_size) +
                (q.do_bit ? ", DO" : "") + ")";
    }
    if (!x.note.empty()) s.what += " " + x.note;
    specs_.push_back(std::move(s));
  }

  // A hand-made packet (malformed or without a plain question).
  void add_raw(Bytes packet, const std::string& kind, const std::string& what,
               std::map<std::string, std::string> attrs = {}) {
    Spec s;
    s.packet = std::move(packet);
    s.attrs = std::move(attrs);
    s.attrs["kind"] = kind;
    if (!s.attrs.count("opcode")) s.attrs["opcode"] = "QUERY";
    s.what = kind + ": " + what;
    specs_.push_back(std::move(s));
  }

  // Most queries get an EDNS variant at random, in roughly the mix resolvers send.
  Q plain(const std::string& name, uint16_t type) {
    Q x;
    x.q.name = rng_.chance(30) ? mix_case(name, rng_) : name;
    x.q.qtype = type;
    x.q.rd = rng_.chance(20);
    uint32_t v = rng_.below(100);
    if (v < 25) return x;  // no EDNS
    x.q.edns = true;
    x.q.udp_size = v < 85 ? 1232 : (v < 92 ? 4096 : 512);
    x.q.do_bit = rng_.chance(30);
    if (rng_.chance(8)) {
      x.q.edns_options = option(opt::NSID);
      x.attrs["nsid"] = "1";
      x.note += " +nsid";
    }
    return x;
  }

 private:
  Rng rng_;
  std::vector<Spec> specs_;
};

}  // namespace rdnsd::e2e::diff
