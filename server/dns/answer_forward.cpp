// Forward zones of synthesized PTR names (forward.h): asked only for names outside the
// reverse zones, so a reverse answer pays one test of an empty vector for them.
#include <algorithm>

#include "server/dns/answer.h"

namespace rdnsd::dns {

// The forward zone whose apex is QNAME or a whole-label suffix of it, or nullptr.
const ForwardZone* Answerer::forward_zone(std::string_view key) const noexcept {
  for (const ForwardZone& f : config_.forward) {
    const std::string& apex = f.apex_key;
    if (key.size() >= apex.size() && key.compare(0, apex.size(), apex) == 0 &&
        on_label_boundary(key, apex.size()))
      return &f;
  }
  return nullptr;
}

// Like the catalog's: SOA and NS at the apex, then the names stage_forward() finds.
void Answerer::answer_forward(const ForwardZone& f, Transport transport) noexcept {
  zone_.apex_key_len = f.apex_key.size();
  zone_.serial = f.serial;
  zone_.soa_ttl = f.soa_ttl;
  zone_.ns_ttl = f.ns_ttl;
  zone_.refresh = f.refresh;
  zone_.retry = f.retry;
  zone_.expire = f.expire;
  zone_.minimum = f.minimum;
  zone_.mname = f.mname;
  zone_.rname = f.rname;
  zone_.ns_count = f.ns_count;
  zone_.ns_block = f.ns_block;
  const std::string_view key = query_.key();
  const bool at_apex = key.size() == f.apex_key.size();
  const uint16_t qtype = query_.qtype;
  expire_out_ = expire_room_ && at_apex && (qtype == rrtype::kSoa || qtype == rrtype::kIxfr);
  if (qtype == rrtype::kAxfr || qtype == rrtype::kIxfr) {
    answer_transfer(transport, at_apex);
    return;
  }
  response_.set_aa(true);
  const bool positive = at_apex ? stage_answer(true, false) : stage_forward(f, key);
  if (!positive) stage_negative();
}

// A name below the apex: the address record of a synthesized name (false: NODATA, or
// NXDOMAIN with the RCODE set).
bool Answerer::stage_forward(const ForwardZone& f, std::string_view key) noexcept {
  const std::string_view qname(
      reinterpret_cast<const char*>(response_.wire().data()) + MessageWriter::kQnameOffset,
      query_.qname_len);
  ForwardAddress a;
  for (const std::string& tmpl : f.templates) {
    if (!source_.forward_address(tmpl, qname, a)) continue;
    const uint16_t qtype = query_.qtype;
    const uint16_t type = a.family == 4 ? rrtype::kA : rrtype::kAaaa;
    if (qtype != type && qtype != rrtype::kAny) return false;
    response_.rr_begin(MessageWriter::kQnameOffset, type, rrclass::kIn, a.ttl);
    response_.wire().bytes(a.bytes, a.family == 4 ? 4 : 16);
    response_.rr_end(Section::Answer);
    return true;
  }
  if (std::find(f.empty_keys.begin(), f.empty_keys.end(), key) == f.empty_keys.end())
    response_.set_rcode(rcode::kNxDomain);
  return false;
}

}  // namespace rdnsd::dns
