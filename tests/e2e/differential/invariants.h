#pragma once
// Checks of rdnsd's replies that need no reference server: what the RFCs require of every
// answer whatever the other server does. They run on every exchange of the differential
// test, so an identical mistake in both servers would still be caught.
#include <string>
#include <vector>

#include "tests/e2e/differential/outcome.h"
#include "tests/e2e/differential/queries.h"
#include "tests/e2e/differential/zones.h"

namespace rdnsd::e2e::diff {

constexpr size_t kServerPayload = 1232;  // rdnsd's configured udp-payload in this test

// The question's length in `q` (name + type + class) when it is one plain question.
inline size_t plain_question_length(const Bytes& q) {
  if (q.size() < 12 || get16(q, 4) != 1) return 0;
  size_t at = 12;
  while (at < q.size() && q[at] != 0) {
    if (q[at] & 0xC0) return 0;
    at += 1 + q[at];
  }
  if (at + 5 > q.size()) return 0;
  return at + 5 - 12;
}

inline const Zone* zone_of(const std::vector<const Zone*>& zones, const std::string& qname) {
  for (const Zone* z : zones) {
    if (qname.size() >= z->apex.size() &&
        qname.compare(qname.size() - z->apex.size(), z->apex.size(), z->apex) == 0 &&
        (qname.size() == z->apex.size() || qname[qname.size() - z->apex.size() - 1] == '.'))
      return z;
  }
  return nullptr;
}

inline void check_header(const Spec& spec, const Outcome& o, std::vector<std::string>& bad) {
  const Bytes& q = spec.packet;
  const Bytes& r = o.raw;
  if (q.size() >= 2 && (r[0] != q[0] || r[1] != q[1])) bad.push_back("ID not copied");
  if (!(r[2] & 0x80)) bad.push_back("QR not set");
  if (q.size() >= 3 && ((r[2] ^ q[2]) & 0x78)) bad.push_back("OPCODE not copied");
  if (q.size() >= 3 && ((r[2] ^ q[2]) & 0x01)) bad.push_back("RD not copied (RFC 1035 4.1.1)");
  // CD belongs to QUERY (RFC 4035 3.1.6); other opcodes get NOTIMP with RD alone copied.
  const bool query_opcode = q.size() >= 3 && (q[2] & 0x78) == 0;
  if (q.size() >= 4 && query_opcode && ((r[3] ^ q[3]) & 0x10))
    bad.push_back("CD not copied (RFC 4035 3.1.6)");
  if (!query_opcode && (r[3] & 0x10)) bad.push_back("CD copied into a NOTIMP answer");
  if (r[3] & 0x80) bad.push_back("RA set by an authoritative-only server");
  if (r[3] & 0x40) bad.push_back("Z set (RFC 1035 4.1.1: must be zero)");
  if (r[3] & 0x20) bad.push_back("AD set without DNSSEC");
}

inline void check_size(const Spec& spec, const std::string& transport, const Outcome& o,
                       std::vector<std::string>& bad) {
  if (transport == "tcp") {
    if (o.raw[2] & 0x02) bad.push_back("TC set over TCP");
    return;
  }
  auto e = spec.attrs.find("edns");
  size_t limit = kServerPayload;
  if (e == spec.attrs.end() || e->second == "none") limit = 512;
  auto b = spec.attrs.find("bufsize");
  if (b != spec.attrs.end())
    limit = std::max<size_t>(512, std::min<size_t>(std::stoul(b->second), kServerPayload));
  if (o.raw.size() > limit)
    bad.push_back("UDP reply of " + std::to_string(o.raw.size()) + " octets over the limit of " +
                  std::to_string(limit) + " (RFC 6891 6.2.5)");
}

// RFC 6891 6.1.1: an OPT in the reply exactly when the request had one (a FORMERR for a
// malformed request may leave it out); the DO bit copied (RFC 3225 3).
inline void check_edns(const Spec& spec, const Outcome& o, std::vector<std::string>& bad) {
  auto e = spec.attrs.find("edns");
  if (e == spec.attrs.end() || spec.attrs.at("kind") == "malformed") return;
  const std::string& got = o.fields.at("edns");
  if (e->second == "none") {
    if (got != "none") bad.push_back("OPT in the reply to a query without one");
    return;
  }
  if (got == "none") {
    bad.push_back("no OPT in the reply to a query with one (RFC 6891 6.1.1)");
    return;
  }
  if (got != "v0") bad.push_back("OPT version " + got + " (we implement 0)");
  auto d = spec.attrs.find("do");
  if (d != spec.attrs.end() && o.fields.at("edns.do") != d->second)
    bad.push_back("DO bit not copied (RFC 3225 3)");
  if (o.fields.count("edns.placement")) bad.push_back("OPT " + o.fields.at("edns.placement"));
  if (o.fields.count("edns.z") && o.fields.at("edns.z") != "0")
    bad.push_back("OPT Z flags not cleared (RFC 6891 6.1.4)");
}

// RFC 2308 3 and 5: NXDOMAIN and NODATA carry the zone's SOA in the authority section
// with TTL min(SOA TTL, MINIMUM); answers from a served zone have AA (RFC 1035 4.1.1).
inline void check_negative(const Spec& spec, const Outcome& o, const Zone& z,
                           std::vector<std::string>& bad) {
  const std::string rcode = o.fields.at("rcode");
  if (rcode != "NOERROR" && rcode != "NXDOMAIN") return;
  if (o.fields.at("flag.tc") == "1") return;
  if (o.fields.at("flag.aa") != "1") bad.push_back("AA not set in an answer from " + z.apex);
  if (rcode == "NOERROR" && !o.sections.at("answer").empty()) return;
  const Lines& auth = o.sections.at("authority");
  std::string want = z.apex + " " + std::to_string(z.negative_ttl()) + " IN SOA ";
  if (auth.size() != 1 || auth[0].rfind(want, 0) != 0)
    bad.push_back("negative answer without the SOA at TTL " + std::to_string(z.negative_ttl()) +
                  " in the authority section (RFC 2308 3, 5)");
  (void)spec;
}

inline std::vector<std::string> check_invariants(const Spec& spec, const std::string& transport,
                                                 const Outcome& o,
                                                 const std::vector<const Zone*>& zones) {
  std::vector<std::string> bad;
  if (!o.replied || o.raw.size() < 12) return bad;
  check_header(spec, o, bad);
  check_size(spec, transport, o, bad);
  if (o.fields.at("parse") != "ok") {
    bad.push_back("reply does not parse: " + o.fields.at("parse"));
    return bad;
  }
  size_t qlen = plain_question_length(spec.packet);
  if (qlen && get16(o.raw, 4) == 1 &&
      (o.raw.size() < 12 + qlen ||
       !std::equal(spec.packet.begin() + 12, spec.packet.begin() + 12 + qlen, o.raw.begin() + 12)))
    bad.push_back("question not echoed octet for octet");
  const std::string rcode = o.fields.at("rcode");
  if (rcode != "NOERROR" && rcode != "NXDOMAIN" && rcode != "BADVERS" &&
      (!o.sections.at("answer").empty() || !o.sections.at("authority").empty()))
    bad.push_back("records in a " + rcode + " reply");
  if (rcode != "FORMERR") check_edns(spec, o, bad);
  if (o.fields.count("edns.size") && o.fields.at("edns.size") != std::to_string(kServerPayload))
    bad.push_back("OPT advertises " + o.fields.at("edns.size") + ", not the configured payload");
  auto cls = spec.attrs.find("qclass");
  if (cls != spec.attrs.end() && cls->second == "IN" && spec.attrs.at("opcode") == "QUERY") {
    if (const Zone* z = zone_of(zones, spec.qname)) check_negative(spec, o, *z, bad);
  }
  return bad;
}

}  // namespace rdnsd::e2e::diff
