#pragma once
// One server's reply to one query, taken apart into named fields that can be compared
// (and that the allowed-differences rules name): the header bits, the RCODE with its
// EDNS extension, the question as sent back, the three record sections as sets of
// records, and the OPT record's fields and options.
// ldns/common.h #defines bool, true and false unless stdbool.h came first.
#include <stdbool.h>

#include <ldns/ldns.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/differential/queries.h"
#include "tests/e2e/support/e2e.h"

namespace rdnsd::e2e::diff {

using Lines = std::vector<std::string>;  // sorted records of one section

struct Outcome {
  bool replied = false;
  Bytes raw;
  std::map<std::string, std::string> fields;  // scalar fields
  std::map<std::string, Lines> sections;      // question, answer, authority, additional
  std::string text;                           // the whole reply for people
};

inline const std::vector<std::string>& section_names() {
  static const std::vector<std::string> names{"question", "answer", "authority", "additional"};
  return names;
}

inline std::string hex_dump(const Bytes& b) {
  std::ostringstream out;
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < b.size(); ++i) {
    out << hex[b[i] >> 4] << hex[b[i] & 0xF] << ((i % 16 == 15) ? "\n" : " ");
  }
  return out.str();
}

// Octets as hex without separators ("0064"), for option data in one word.
inline std::string hex_compact(const Bytes& b) {
  std::string out;
  static const char* hex = "0123456789abcdef";
  for (uint8_t c : b) {
    out += hex[c >> 4];
    out += hex[c & 0xF];
  }
  return out;
}

inline std::string take_str(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

// One record as "owner ttl class type rdata", single spaces, owner in lower case (names
// compare case-insensitively, RFC 4343 section 3); RDATA keeps its case.
inline std::string rr_line(const ldns_rr* rr) {
  std::string owner = lower(take_str(ldns_rdf2str(ldns_rr_owner(rr))));
  std::string text = take_str(ldns_rr2str(rr));
  // Skip the owner field of ldns's text, then squeeze the white space.
  size_t at = text.find_first_of(" \t");
  std::string rest = at == std::string::npos ? "" : text.substr(at);
  std::string out = owner;
  bool space = false;
  for (char c : rest) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The question lines keep their order and the owner's case as sent back.
inline std::string question_line(const ldns_rr* rr) {
  std::string name = take_str(ldns_rdf2str(ldns_rr_owner(rr)));
  return name + " " + take_str(ldns_rr_class2str(ldns_rr_get_class(rr))) + " " +
         take_str(ldns_rr_type2str(ldns_rr_get_type(rr)));
}

// Offset past a name at `at` without following pointers; 0 when malformed.
inline size_t skip_wire_name(const Bytes& b, size_t at) {
  while (at < b.size()) {
    uint8_t len = b[at];
    if (len == 0) return at + 1;
    if ((len & 0xC0) == 0xC0) return at + 2 <= b.size() ? at + 2 : 0;
    if (len & 0xC0) return 0;
    at += 1 + len;
  }
  return 0;
}

inline uint16_t get16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

// Finds OPT records in the raw reply (ldns folds the OPT away): fills the edns.* fields
// and checks there is at most one, in the additional section, owned by the root.
inline void read_opt(const Bytes& b, Outcome& o) {
  o.fields["edns"] = "none";
  size_t at = 12;
  uint16_t counts[4] = {get16(b, 4), get16(b, 6), get16(b, 8), get16(b, 10)};
  for (uint16_t i = 0; i < counts[0]; ++i) {
    at = skip_wire_name(b, at);
    if (at == 0 || at + 4 > b.size()) return;
    at += 4;
  }
  int opts = 0;
  for (int section = 1; section < 4; ++section) {
    for (uint16_t i = 0; i < counts[section]; ++i) {
      size_t owner = at;
      at = skip_wire_name(b, at);
      if (at == 0 || at + 10 > b.size()) return;
      uint16_t type = get16(b, at), cls = get16(b, at + 2), rdlen = get16(b, at + 8);
      if (at + 10 + rdlen > b.size()) return;
      if (type == 41) {
        ++opts;
        if (section != 3 || at != owner + 1 || b[owner] != 0) o.fields["edns.placement"] = "bad";
        o.fields["edns"] = "v" + std::to_string(b[at + 5]);
        o.fields["edns.size"] = std::to_string(cls);
        o.fields["edns.do"] = (b[at + 6] & 0x80) ? "1" : "0";
        o.fields["edns.z"] = std::to_string(get16(b, at + 6) & 0x7FFF);
        std::set<std::string> others;
        size_t p = at + 10, end = at + 10 + rdlen;
        while (p + 4 <= end) {
          uint16_t code = get16(b, p), len = get16(b, p + 2);
          std::string data = p + 4 + len <= end
                                 ? hex_compact(Bytes(b.begin() + p + 4, b.begin() + p + 4 + len))
                                 : "<overrun>";
          if (code == opt::NSID)
            o.fields["edns.nsid"] = data;
          else if (code == opt::KEEPALIVE)
            o.fields["edns.keepalive"] = data;
          else if (code == opt::COOKIE)
            o.fields["edns.cookie"] = data;
          else
            others.insert(std::to_string(code) + "=" + data);
          p += 4 + len;
        }
        std::string joined;
        for (const auto& s : others) joined += (joined.empty() ? "" : " ") + s;
        if (!joined.empty()) o.fields["edns.options"] = joined;
      }
      at += 10 + rdlen;
    }
  }
  if (opts > 1) o.fields["edns.placement"] = std::to_string(opts) + " OPT records";
}

inline std::string rcode_name(int rcode) {
  static const std::map<int, std::string> names{
      {0, "NOERROR"},  {1, "FORMERR"},  {2, "SERVFAIL"},  {3, "NXDOMAIN"}, {4, "NOTIMP"},
      {5, "REFUSED"},  {6, "YXDOMAIN"}, {7, "YXRRSET"},   {8, "NXRRSET"},  {9, "NOTAUTH"},
      {10, "NOTZONE"}, {16, "BADVERS"}, {23, "BADCOOKIE"}};
  auto it = names.find(rcode);
  return it != names.end() ? it->second : "RCODE" + std::to_string(rcode);
}

inline Outcome make_outcome(const std::optional<Bytes>& reply, uint16_t query_id) {
  Outcome o;
  if (!reply) {
    o.fields["reply"] = "none";
    o.text = "(no reply)\n";
    return o;
  }
  o.replied = true;
  o.raw = *reply;
  const Bytes& b = o.raw;
  o.fields["reply"] = "answered";
  if (b.size() < 12) {
    o.fields["parse"] = "short (" + std::to_string(b.size()) + " octets)";
    o.text = hex_dump(b);
    return o;
  }
  o.fields["id"] = get16(b, 0) == query_id ? "same" : "different";
  const char* bits[] = {"qr", "", "", "", "", "aa", "tc", "rd"};
  for (int i : {0, 5, 6, 7})
    o.fields[std::string("flag.") + bits[i]] = (b[2] >> (7 - i)) & 1 ? "1" : "0";
  o.fields["flag.ra"] = (b[3] & 0x80) ? "1" : "0";
  o.fields["flag.z"] = (b[3] & 0x40) ? "1" : "0";
  o.fields["flag.ad"] = (b[3] & 0x20) ? "1" : "0";
  o.fields["flag.cd"] = (b[3] & 0x10) ? "1" : "0";
  o.fields["opcode"] = opcode_name((b[2] >> 3) & 0xF);
  read_opt(b, o);
  int rcode = b[3] & 0xF;
  if (o.fields["edns"] != "none") {
    // The extended RCODE lives in the OPT TTL's first octet (RFC 6891 section 6.1.3).
    auto w = wire::parse_reply(b);
    if (w && w->full_rcode()) rcode = *w->full_rcode();
  }
  o.fields["rcode"] = rcode_name(rcode);

  ldns_pkt* pkt = nullptr;
  ldns_status st = ldns_wire2pkt(&pkt, b.data(), b.size());
  if (st != LDNS_STATUS_OK) {
    o.fields["parse"] = ldns_get_errorstr_by_id(st);
    o.text = "(ldns cannot parse: " + o.fields["parse"] + ")\n" + hex_dump(b);
    return o;
  }
  o.fields["parse"] = "ok";
  ldns_rr_list* lists[] = {ldns_pkt_question(pkt), ldns_pkt_answer(pkt), ldns_pkt_authority(pkt),
                           ldns_pkt_additional(pkt)};
  for (int s = 0; s < 4; ++s) {
    Lines lines;
    for (size_t i = 0; i < ldns_rr_list_rr_count(lists[s]); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(lists[s], i);
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) continue;
      lines.push_back(s == 0 ? question_line(rr) : rr_line(rr));
    }
    if (s != 0) std::sort(lines.begin(), lines.end());
    o.sections[section_names()[s]] = lines;
  }
  // ldns's dig-like text, less the lines about a query it did not make.
  std::istringstream text(take_str(ldns_pkt2str(pkt)));
  for (std::string line; std::getline(text, line);)
    if (line.rfind(";; Query time", 0) != 0 && line.rfind(";; WHEN", 0) != 0) o.text += line + "\n";
  ldns_pkt_free(pkt);
  return o;
}

// A field's value as text, for comparisons and messages ("" when absent).
inline std::string field_text(const Outcome& o, const std::string& field) {
  auto s = o.sections.find(field);
  if (s != o.sections.end()) {
    std::string out;
    for (const auto& l : s->second) out += l + "\n";
    return out.empty() ? "(empty)" : out;
  }
  auto f = o.fields.find(field);
  return f == o.fields.end() ? "(absent)" : f->second;
}

// The names of the fields in which two replies differ. A missing reply differs only in
// "reply"; an unparsable one compares as its raw octets.
inline std::vector<std::string> differing_fields(const Outcome& a, const Outcome& b) {
  if (a.fields.at("reply") != b.fields.at("reply")) return {"reply"};
  if (!a.replied) return {};
  std::set<std::string> names;
  for (const auto& [k, v] : a.fields) names.insert(k);
  for (const auto& [k, v] : b.fields) names.insert(k);
  for (const auto& n : section_names()) names.insert(n);
  std::vector<std::string> out;
  for (const auto& n : names)
    if (field_text(a, n) != field_text(b, n)) out.push_back(n);
  if (out.empty() && a.fields.at("parse") != "ok" && a.raw != b.raw) out.push_back("raw");
  return out;
}

}  // namespace rdnsd::e2e::diff
