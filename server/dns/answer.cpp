// The answer core, in stages like Knot's internet.c: the query is parsed and checked
// (its TSIG verified, if it has one), the class decides who answers (IN: the record
// source; CH: the server's identity), the answer and authority stages write RRs,
// finish() handles truncation and the OPT RR, and append_tsig() signs.
#include "server/dns/answer.h"

#include <algorithm>
#include <ctime>

namespace rdnsd::dns {
namespace {

constexpr size_t kMinUdpPayload = 512;  // RFC 1035 section 4.2.1, RFC 6891 section 6.2.5
constexpr size_t kMaxTcpMessage = 65535;
constexpr size_t kOptFixed = 11;  // root owner, TYPE, CLASS, TTL, RDLENGTH
constexpr size_t kOptionHeader = 4;
constexpr size_t kMaxTxtString = 255;

// The keys when none are configured: every signed query is then BADKEY.
const tsig::Keyring kNoKeys{};

// CHAOS names as keys (reversed labels, lower case); octal escapes, because a hex escape
// would swallow the "b" of "bind".
constexpr std::string_view kIdServer{"\6server\2id"};
constexpr std::string_view kHostnameBind{"\4bind\10hostname"};
constexpr std::string_view kVersionBind{"\4bind\7version"};
constexpr std::string_view kVersionServer{"\6server\7version"};

}  // namespace

bool on_label_boundary(std::string_view key, size_t prefix_len) noexcept {
  if (prefix_len > key.size()) return false;
  size_t p = 0;
  while (p < prefix_len) p += 1 + static_cast<uint8_t>(key[p]);
  return p == prefix_len;
}

Answerer::Answerer(const AnswerConfig& config, RecordSource& source) noexcept
    : config_(config), source_(source) {}

size_t Answerer::answer(const uint8_t* query, size_t query_len, uint8_t* out, size_t out_cap,
                        Transport transport, ClientIp client) noexcept {
  if (query == nullptr || out == nullptr || query_len < kHeaderSize) return 0;
  if ((query[2] & flag::kQr) != 0) return 0;  // never answer an answer
  if (!response_.begin(query, out, out_cap)) return 0;
  const ParseResult parsed = parse_query(query, query_len, query_);
  const bool has_question = parsed == ParseResult::Ok || parsed == ParseResult::BadSections;
  if (has_question && !response_.put_question(query, query_)) return 0;
  edns_out_ = query_.edns_known && query_.edns.present;
  ext_rcode_ = 0;
  client_ = client;
  cookie_ = CookieState::None;
  if (edns_out_ && query_.edns.cookie != nullptr) [[unlikely]] {
    check_cookie();
  }
  // All that TSIG costs an unsigned query: this test (parse_query found none in place).
  if (query_.tsig_at != 0) [[unlikely]] {
    return answer_signed(query, query_len, out_cap, transport, parsed);
  }
  plan_limits(transport, size_limit(transport, out_cap));
  return respond(parsed, transport);
}

// A signed query: verified first, its answer (or the TSIG error answer) made in a limit
// that keeps room at its end for the TSIG RR (so a truncated answer is signed too), then
// the TSIG appended. When not even the question and the TSIG fit, the query is dropped:
// it must not get an unsigned answer. (The question fits the buffer, begin() and
// put_question() checked, and is below 512 octets.)
size_t Answerer::answer_signed(const uint8_t* query, size_t query_len, size_t out_cap,
                               Transport transport, ParseResult parsed) noexcept {
  const bool good = check_tsig(query, query_len);
  const size_t limit = size_limit(transport, out_cap);
  if (tsig_room_ > limit - response_.question_end()) return 0;
  plan_limits(transport, limit - tsig_room_);
  const size_t len = good ? respond(parsed, transport) : finish();
  if (len == 0 || tsig_room_ == 0) return len;
  return append_tsig(len);
}

// Decides the answer by opcode, parse result, EDNS version and class, and finishes it.
// Inlined into both callers: as a call, it cost the unsigned path about 14 instructions
// a query (callgrind).
[[gnu::always_inline]] inline size_t Answerer::respond(ParseResult parsed,
                                                       Transport transport) noexcept {
  if (query_.opcode != 0) {
    // RFC 1035 section 4.1.1. CD belongs to QUERY (RFC 4035 section 3.1.6): of the
    // query's flags only RD is copied, as knotd and nsd answer.
    response_.set_rcode(rcode::kNotImp);
    response_.clear_cd();
  } else if (parsed != ParseResult::Ok) {
    if (parsed == ParseResult::NoQuestion && query_.qdcount == 0 && cookie_ != CookieState::None)
      answer_cookie_query();
    else
      response_.set_rcode(rcode::kFormErr);
  } else if (query_.edns.present && query_.edns.version != 0) {
    // RFC 6891 section 6.1.3: BADVERS, our highest version (0) in the OPT, no records.
    if (!edns_out_) return 0;
    response_.set_rcode(rcode::kBadVers & 0x0F);
    ext_rcode_ = static_cast<uint8_t>(rcode::kBadVers >> 4);
  } else {
    answer_class(transport);
  }
  return finish();
}

// Verifies the query's TSIG (RFC 8945 5.2). True when it is good: the answer is made as
// usual and signed. Otherwise the RCODE of the error answer is set: FORMERR, or NOTAUTH
// with the TSIG error that append_tsig() adds (tsig_room_ holds its size either way).
bool Answerer::check_tsig(const uint8_t* query, size_t query_len) noexcept {
  now_ = config_.clock ? config_.clock() : static_cast<uint64_t>(std::time(nullptr));
  tsig_ = tsig::verify_request(query, query_len, config_.keys ? *config_.keys : kNoKeys, now_);
  tsig_room_ = tsig::answer_size(tsig_);
  switch (tsig_.status) {
    case tsig::Status::Ok:
      return true;
    case tsig::Status::BadKey:
    case tsig::Status::BadSig:
    case tsig::Status::BadTime:
    case tsig::Status::BadTrunc:
      response_.set_rcode(rcode::kNotAuth);
      return false;
    case tsig::Status::None:  // parse_query saw a TSIG that the TSIG walk did not
    case tsig::Status::FormErr:
      break;
  }
  tsig_room_ = 0;
  response_.set_rcode(rcode::kFormErr);
  return false;
}

// The size limit of the answer: RFC 6891 section 6.2.5 for UDP, RFC 1035 section 4.2.2
// for TCP, and never more than the buffer. Inlined, as respond() is.
[[gnu::always_inline]] inline size_t Answerer::size_limit(Transport transport,
                                                          size_t out_cap) const noexcept {
  size_t limit = kMaxTcpMessage;
  if (transport == Transport::Udp) {
    const size_t client =
        edns_out_ ? std::max<size_t>(kMinUdpPayload, query_.edns.payload) : kMinUdpPayload;
    const size_t server = std::max<size_t>(kMinUdpPayload, config_.udp_payload);
    limit = std::min(client, server);
  }
  return std::min(limit, out_cap);
}

// Sets the limit for records and the OPT RR (what a signed query's TSIG leaves of the
// size limit) and keeps room for the OPT RR, so that a truncated answer still carries
// it. Options that cannot fit are left out, then the OPT itself (only with a tiny
// `out_cap`).
void Answerer::plan_limits(Transport transport, size_t limit) noexcept {
  limit_ = limit;
  nsid_out_ = edns_out_ && query_.edns.nsid && config_.nsid_enabled;
  keepalive_out_ = edns_out_ && query_.edns.keepalive && transport == Transport::Tcp;
  expire_room_ = edns_out_ && query_.edns.expire;
  expire_out_ = false;
  cookie_out_ = edns_out_ && cookie_ != CookieState::None;
  size_t opt = edns_out_ ? kOptFixed : 0;
  if (nsid_out_) opt += kOptionHeader + config_.nsid.size();
  if (keepalive_out_) opt += kOptionHeader + 2;
  if (expire_room_) opt += kOptionHeader + 4;
  if (cookie_out_) opt += kOptionHeader + cookie::kClientLen + cookie::kServerLen;
  const size_t room = limit_ - response_.question_end();
  if (opt > room) {
    nsid_out_ = keepalive_out_ = expire_room_ = cookie_out_ = false;
    opt = kOptFixed;
  }
  if (opt > room) {
    edns_out_ = false;
    opt = 0;
  }
  response_.wire().set_limit(limit_ - opt);
}

void Answerer::answer_class(Transport transport) noexcept {
  switch (query_.qclass) {
    case rrclass::kIn:
      answer_internet(transport);
      break;
    case rrclass::kCh:
      answer_chaos();
      break;
    default:  // ANY, NONE, HS: nothing served there
      response_.set_rcode(rcode::kRefused);
      break;
  }
}

// The text for a CHAOS name that is switched on, or nullptr.
const std::string* Answerer::chaos_text() const noexcept {
  const std::string_view key = query_.key();
  if (config_.identity_enabled && (key == kIdServer || key == kHostnameBind)) {
    return &config_.identity;
  }
  if (config_.version_enabled && (key == kVersionBind || key == kVersionServer)) {
    return &config_.version;
  }
  return nullptr;
}

// CH TXT (or ANY) for the server's identity and version: one TXT RR, TTL 0, the text
// split into character-strings of at most 255 octets (RFC 1035 section 3.3.14).
void Answerer::answer_chaos() noexcept {
  const std::string* text = chaos_text();
  const uint16_t qtype = query_.qtype;
  if (text == nullptr || (qtype != rrtype::kTxt && qtype != rrtype::kAny)) {
    response_.set_rcode(rcode::kRefused);
    return;
  }
  response_.set_aa(true);
  response_.rr_begin(MessageWriter::kQnameOffset, rrtype::kTxt, rrclass::kCh, 0);
  WireWriter& w = response_.wire();
  size_t done = 0;
  do {
    const size_t chunk = std::min(kMaxTxtString, text->size() - done);
    w.u8(static_cast<uint8_t>(chunk));
    w.bytes(text->data() + done, chunk);
    done += chunk;
  } while (done < text->size() && w.ok());
  response_.rr_end(Section::Answer);
}

// Class IN: find the zone, then the node; refuse what we do not serve or implement.
void Answerer::answer_internet(Transport transport) noexcept {
  const std::string_view key = query_.key();
  const uint16_t qtype = query_.qtype;
  if (qtype == rrtype::kAxfr && transport == Transport::Udp) {
    // AXFR is TCP-only (RFC 5936 section 4.2); NOTIMP whatever the name, as knotd and nsd
    // answer.
    response_.set_rcode(rcode::kNotImp);
    return;
  }
  zone_ = ZoneView{};
  const FindZone found = source_.find_zone(key, zone_);
  if (found != FindZone::Found) {
    // The catalog is asked only here, where no reverse zone holds the name: the reverse
    // zones' answers pay nothing for it.
    if (found == FindZone::None && in_catalog(key)) {
      answer_catalog(transport);
      return;
    }
    if (found == FindZone::None && !config_.forward.empty()) [[unlikely]] {
      if (const ForwardZone* f = forward_zone(key)) {
        answer_forward(*f, transport);
        return;
      }
    }
    response_.set_rcode(rcode::kRefused);
    return;
  }
  if (!on_label_boundary(key, zone_.apex_key_len)) {
    response_.mark_bad_data();
    return;
  }
  const bool at_apex = key.size() == zone_.apex_key_len;
  // RFC 7314 section 3: a primary answers EXPIRE with the SOA EXPIRE field, so that a
  // secondary of a secondary expires the zone when the primary is gone long enough.
  expire_out_ = expire_room_ && at_apex && (qtype == rrtype::kSoa || qtype == rrtype::kIxfr);
  if (qtype == rrtype::kAxfr || qtype == rrtype::kIxfr) {
    answer_transfer(transport, at_apex);
    return;
  }
  ptr_ = PtrView{};
  bool has_ptr = false;
  FindNode node = source_.find_node(key, ptr_, has_ptr);
  if (at_apex) node = FindNode::Exists;  // the apex always has SOA and NS
  response_.set_aa(true);
  if (node == FindNode::NxDomain) response_.set_rcode(rcode::kNxDomain);
  // Empty non-terminals and nodes without the type are NODATA (RFC 8020, RFC 2308).
  if (node != FindNode::Exists || !stage_answer(at_apex, has_ptr && node == FindNode::Exists)) {
    stage_negative();
  }
}

// AXFR over TCP and IXFR. Transfers over TCP are answered by the transfer code before
// the core is asked, so one that reaches it is refused. IXFR over UDP (RFC 1995 section
// 4) gets the zone's current SOA alone: the client sees it is current, or retries over
// TCP. Below the apex there is no zone of that name to transfer: NOTAUTH, as knotd
// answers (RFC 5936 section 2.2.1 says so for AXFR).
void Answerer::answer_transfer(Transport transport, bool at_apex) noexcept {
  if (transport == Transport::Tcp) {
    response_.set_rcode(rcode::kRefused);
    return;
  }
  if (!at_apex) {
    response_.set_rcode(rcode::kNotAuth);
    return;
  }
  response_.set_aa(true);
  put_soa(MessageWriter::kQnameOffset, zone_.soa_ttl, Section::Answer);
}

// Whether QNAME is the catalog's apex or below it (whole labels).
bool Answerer::in_catalog(std::string_view key) const noexcept {
  const std::string& apex = config_.catalog.apex_key;
  return !apex.empty() && key.size() >= apex.size() && key.compare(0, apex.size(), apex) == 0 &&
         on_label_boundary(key, apex.size());
}

// A name of the catalog zone (server/dns/catalog.h), answered like a zone's: its SOA and
// NS at the apex, the version TXT, the member PTRs, NODATA at zones. (an empty
// non-terminal) and NXDOMAIN for anything else, with the catalog's SOA.
void Answerer::answer_catalog(Transport transport) noexcept {
  const CatalogZone& c = config_.catalog;
  uint32_t serial = 0;
  if (!source_.catalog_serial(serial)) {
    response_.mark_bad_data();
    return;
  }
  zone_.apex_key_len = c.apex_key.size();
  zone_.serial = serial;
  zone_.soa_ttl = c.ttl;
  zone_.ns_ttl = c.ttl;
  zone_.refresh = c.refresh;
  zone_.retry = c.retry;
  zone_.expire = c.expire;
  zone_.minimum = c.minimum;
  zone_.mname = c.mname;
  zone_.rname = c.rname;
  zone_.ns_count = 1;
  zone_.ns_block = catalog::kNsBlock;
  const std::string_view below = query_.key().substr(c.apex_key.size());
  const uint16_t qtype = query_.qtype;
  expire_out_ = expire_room_ && below.empty() && (qtype == rrtype::kSoa || qtype == rrtype::kIxfr);
  if (qtype == rrtype::kAxfr || qtype == rrtype::kIxfr) {
    answer_transfer(transport, below.empty());
    return;
  }
  response_.set_aa(true);
  if (!stage_catalog(below)) stage_negative();
}

// The catalog's answer section for the name `below` its apex (key bytes, top label
// first); false when it is negative (the RCODE set for NXDOMAIN).
bool Answerer::stage_catalog(std::string_view below) noexcept {
  const uint16_t qtype = query_.qtype;
  const bool any = qtype == rrtype::kAny;
  if (below.empty()) return stage_answer(true, false);
  if (below == catalog::kVersionLabel) {
    if (qtype != rrtype::kTxt && !any) return false;
    response_.rr_begin(MessageWriter::kQnameOffset, rrtype::kTxt, rrclass::kIn, zone_.soa_ttl);
    response_.wire().bytes(catalog::kVersionRdata.data(), catalog::kVersionRdata.size());
    response_.rr_end(Section::Answer);
    return true;
  }
  if (below == catalog::kZonesLabel) return false;  // an empty non-terminal: NODATA
  const size_t zones = catalog::kZonesLabel.size();
  std::string_view apex;
  if (below.size() > zones + 1 && below.compare(0, zones, catalog::kZonesLabel) == 0 &&
      size_t(1 + uint8_t(below[zones])) == below.size() - zones &&
      source_.catalog_member(below.substr(zones + 1), apex)) {
    if (qtype != rrtype::kPtr && !any) return false;
    ptr_ = PtrView{zone_.soa_ttl, apex};
    put_ptr();
    return true;
  }
  response_.set_rcode(rcode::kNxDomain);
  return false;
}

// The answer section; false if the node has nothing of the type asked (NODATA).
// ANY (RFC 8482 section 4.1) gets one RRset, the same over UDP and TCP: the SOA at the
// apex (small, and what a resolver needs for negative caching), else the PTR.
bool Answerer::stage_answer(bool at_apex, bool has_ptr) noexcept {
  const uint16_t qtype = query_.qtype;
  if (at_apex && (qtype == rrtype::kSoa || qtype == rrtype::kAny)) {
    put_soa(MessageWriter::kQnameOffset, zone_.soa_ttl, Section::Answer);
    return true;
  }
  if (at_apex && qtype == rrtype::kNs && zone_.ns_count > 0) {
    put_ns_set();
    return true;
  }
  if (has_ptr && (qtype == rrtype::kPtr || qtype == rrtype::kAny)) {
    put_ptr();
    return true;
  }
  if (has_ptr && qtype == rrtype::kDhcid) return put_dhcid();
  return false;
}

// The address's DHCID, if it has one (false: NODATA).
bool Answerer::put_dhcid() noexcept {
  uint32_t ttl = 0;
  std::string_view rdata;
  if (!source_.find_dhcid(query_.key(), ttl, rdata)) return false;
  response_.rr_begin(MessageWriter::kQnameOffset, rrtype::kDhcid, rrclass::kIn, ttl);
  response_.wire().bytes(rdata.data(), rdata.size());
  response_.rr_end(Section::Answer);
  return true;
}

// NXDOMAIN and NODATA: the zone's SOA in the authority section, owned by the apex (a
// suffix of QNAME, so a pointer into the question), with the negative TTL
// min(SOA TTL, MINIMUM) of RFC 2308 sections 3 and 5.
void Answerer::stage_negative() noexcept {
  const size_t apex_offset = kHeaderSize + query_.qname_len - (zone_.apex_key_len + 1);
  put_soa(static_cast<uint16_t>(apex_offset), std::min(zone_.soa_ttl, zone_.minimum),
          Section::Authority);
}

void Answerer::put_soa(uint16_t owner, uint32_t ttl, Section section) noexcept {
  response_.rr_begin(owner, rrtype::kSoa, rrclass::kIn, ttl);
  response_.rr_name(zone_.mname);
  response_.rr_name(zone_.rname);
  WireWriter& w = response_.wire();
  w.u32(zone_.serial);
  w.u32(zone_.refresh);
  w.u32(zone_.retry);
  w.u32(zone_.expire);
  w.u32(zone_.minimum);
  response_.rr_end(section);
}

// Every NS name of the zone, from the source's block of (length, wire name) entries.
void Answerer::put_ns_set() noexcept {
  const auto* block = reinterpret_cast<const uint8_t*>(zone_.ns_block.data());
  const size_t size = zone_.ns_block.size();
  size_t pos = 0;
  for (unsigned i = 0; i < zone_.ns_count && response_.ok(); ++i) {
    if (pos >= size || size - pos - 1 < block[pos]) {
      response_.mark_bad_data();
      return;
    }
    const std::string_view name = zone_.ns_block.substr(pos + 1, block[pos]);
    response_.rr_begin(MessageWriter::kQnameOffset, rrtype::kNs, rrclass::kIn, zone_.ns_ttl);
    response_.rr_name(name);
    response_.rr_end(Section::Answer);
    pos += 1 + name.size();
  }
}

void Answerer::put_ptr() noexcept {
  response_.rr_begin(MessageWriter::kQnameOffset, rrtype::kPtr, rrclass::kIn, ptr_.ttl);
  response_.rr_name(ptr_.target);
  response_.rr_end(Section::Answer);
}

// The OPT RR of RFC 6891 section 6.1: our payload size, the extended RCODE, version 0,
// DO copied (RFC 3225 section 3), then NSID (RFC 5001), keepalive (RFC 7828) and EXPIRE
// (RFC 7314), and COOKIE (RFC 7873).
void Answerer::put_opt() noexcept {
  WireWriter& w = response_.wire();
  w.set_limit(limit_);
  const size_t mark = w.pos();
  const uint32_t ttl = uint32_t{ext_rcode_} << 24 | (query_.edns.do_bit ? 0x8000u : 0u);
  response_.opt_begin(std::max<uint16_t>(kMinUdpPayload, config_.udp_payload), ttl);
  if (nsid_out_) {
    w.u16(ednsopt::kNsid);
    w.u16(static_cast<uint16_t>(config_.nsid.size()));
    w.bytes(config_.nsid.data(), config_.nsid.size());
  }
  if (keepalive_out_) {
    const uint32_t tenths = config_.tcp_idle_timeout_ms / 100;
    w.u16(ednsopt::kTcpKeepalive);
    w.u16(2);
    w.u16(static_cast<uint16_t>(std::min<uint32_t>(tenths, UINT16_MAX)));
  }
  if (expire_out_) {
    w.u16(ednsopt::kExpire);
    w.u16(4);
    w.u32(zone_.expire);
  }
  if (cookie_out_) put_cookie();
  response_.rr_end(Section::Additional);
  if (!w.ok()) w.rewind(mark);  // cannot happen: plan_limits kept the room
}

// Source trouble becomes SERVFAIL; an answer that did not fit is cut back to the
// question with TC set (RFC 2181 section 9); then the OPT RR goes in.
size_t Answerer::finish() noexcept {
  if (response_.bad_data()) {
    response_.cut_to_question();
    response_.set_aa(false);
    response_.set_rcode(rcode::kServFail);
  } else if (!response_.ok()) {
    response_.cut_to_question();
    response_.set_tc();
  }
  if (edns_out_) put_opt();
  return response_.finish();
}

// Appends the signed query's TSIG RR to the finished answer, in the room plan_limits()
// kept after limit_: signed with the query's MAC, or unsigned for BADKEY and BADSIG (RFC
// 8945 5.3.2). 0 (drop) if it cannot be: the answer must not go out unsigned.
size_t Answerer::append_tsig(size_t len) noexcept {
  uint8_t* out = response_.wire().data();
  const size_t cap = limit_ + tsig_room_;
  if (tsig_.status == tsig::Status::BadKey || tsig_.status == tsig::Status::BadSig) {
    return tsig::append_unsigned_error(out, len, cap, tsig_.located, tsig_.error);
  }
  return tsig::sign_answer(out, len, cap, tsig_, now_);
}

}  // namespace rdnsd::dns
