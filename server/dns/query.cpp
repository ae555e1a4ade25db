#include "server/dns/query.h"

#include "server/dns/wire.h"

namespace rdnsd::dns {
namespace {

enum class Section : uint8_t { Answer, Authority, Additional };

uint8_t ascii_lower(uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

// Reads QNAME: plain labels only (RFC 1035 section 4.1.2 allows no compression here that
// we would follow, and RFC 6891 retired the extended label types), at most 255 octets.
// Each label is copied lower-cased into the key buffer at its mirrored position: a label
// at wire offset p with length L lands at [kMaxKey - (p + 1 + L), kMaxKey - p).
bool parse_qname(WireReader& r, Query& q) noexcept {
  size_t wire_len = 0;
  for (;;) {
    const uint8_t len = r.u8();
    if (!r.ok() || (len & 0xC0) != 0) return false;
    if (len == 0) break;
    if (wire_len + 1 + len > kMaxKey) return false;
    const uint8_t* label = r.take(len);
    if (label == nullptr) return false;
    uint8_t* dst = q.key_buf + kMaxKey - (wire_len + 1 + len);
    dst[0] = len;
    for (size_t i = 0; i < len; ++i) dst[1 + i] = ascii_lower(label[i]);
    wire_len += 1 + len;
  }
  q.key_len = wire_len;
  q.qname_len = wire_len + 1;
  return true;
}

// Skips an owner name without following pointers: labels up to a zero or a pointer.
// `is_root` tells whether the name was the single root label.
bool skip_name(WireReader& r, bool& is_root) noexcept {
  const size_t start = r.pos();
  for (;;) {
    const uint8_t len = r.u8();
    if (!r.ok()) return false;
    if ((len & 0xC0) == 0xC0) {
      r.skip(1);
      is_root = false;
      return r.ok();
    }
    if ((len & 0xC0) != 0) return false;
    if (len == 0) {
      is_root = r.pos() == start + 1;
      return true;
    }
    r.skip(len);
  }
}

// Reads the OPT RR's fields and options (RFC 6891 section 6.1.2). Options must exactly
// fill RDATA; unknown ones are ignored (section 6.1.2 "MUST be ignored").
bool parse_opt(uint16_t cls, uint32_t ttl, const uint8_t* rdata, uint16_t rdlen,
               Edns& edns) noexcept {
  edns.present = true;
  edns.payload = cls;
  edns.version = static_cast<uint8_t>(ttl >> 16);
  edns.do_bit = (ttl & 0x8000) != 0;
  WireReader r(rdata, rdlen);
  while (r.ok() && r.remaining() > 0) {
    const uint16_t code = r.u16();
    const uint16_t len = r.u16();
    r.skip(len);
    if (!r.ok()) return false;
    // NSID queries carry an empty option (RFC 5001 section 2.1) and keepalive queries
    // no TIMEOUT (RFC 7828 section 3.2.1); a non-empty one is tolerated, its data unused.
    if (code == ednsopt::kNsid) edns.nsid = true;
    if (code == ednsopt::kTcpKeepalive) edns.keepalive = true;
    if (code == ednsopt::kExpire) edns.expire = true;
    if (code == ednsopt::kCookie && edns.cookie == nullptr) {
      if (len < 8 || len > 40 || (len > 8 && len < 16)) return false;
      edns.cookie = rdata + r.pos() - len;
      edns.cookie_len = uint8_t(len);
    }
  }
  return r.ok();
}

// One resource record of the answer, authority or additional section. `last` says it
// is the last record counted.
bool parse_rr(WireReader& r, Section section, bool last, Query& q) noexcept {
  const size_t start = r.pos();
  bool root_owner = false;
  if (!skip_name(r, root_owner)) return false;
  const uint16_t type = r.u16();
  const uint16_t cls = r.u16();
  const uint32_t ttl = r.u32();
  const uint16_t rdlen = r.u16();
  const uint8_t* rdata = r.take(rdlen);
  if (!r.ok()) return false;
  if (type == rrtype::kOpt) {
    // RFC 6891 section 6.1.1: one OPT, in the additional section, owned by the root.
    if (section != Section::Additional || q.edns.present || !root_owner) return false;
    return parse_opt(cls, ttl, rdata, rdlen, q.edns);
  }
  if (type != rrtype::kTsig) return true;
  // RFC 8945 5.2: the last record of the additional section, so there is one at most.
  // Its contents are the TSIG code's (server/tsig/) to judge.
  if (section != Section::Additional || !last) return false;
  q.tsig_at = start;
  return true;
}

// Walks ANCOUNT + NSCOUNT + ARCOUNT records; bytes after them are ignored. Every record
// takes at least 11 bytes, so a count larger than the packet fails on the bytes.
bool parse_sections(WireReader& r, Query& q) noexcept {
  const uint32_t an_end = q.ancount;
  const uint32_t ns_end = an_end + q.nscount;
  const uint32_t total = ns_end + q.arcount;
  for (uint32_t i = 0; i < total; ++i) {
    const Section s = i < an_end   ? Section::Answer
                      : i < ns_end ? Section::Authority
                                   : Section::Additional;
    if (!parse_rr(r, s, i + 1 == total, q)) return false;
  }
  return true;
}

}  // namespace

bool peek_question(const uint8_t* data, size_t len, Query& q) noexcept {
  if (len < kHeaderSize || (data[2] & flag::kQr) != 0 || data[4] != 0 || data[5] != 1) return false;
  WireReader r(data + kHeaderSize, len - kHeaderSize);
  if (!parse_qname(r, q)) return false;
  q.qtype = r.u16();
  q.qclass = r.u16();
  return r.ok();
}

ParseResult parse_query(const uint8_t* data, size_t len, Query& q) noexcept {
  WireReader r(data, len);
  r.skip(2);  // ID
  r.u8();
  r.u8();
  q.opcode = static_cast<uint8_t>((data[2] >> 3) & 0x0F);
  q.qdcount = r.u16();
  q.ancount = r.u16();
  q.nscount = r.u16();
  q.arcount = r.u16();
  q.edns = Edns{};
  q.key_len = 0;
  q.qname_len = 0;
  q.question_end = 0;
  q.edns_known = false;
  q.tsig_at = 0;
  if (!r.ok()) return ParseResult::BadQuestion;
  if (q.qdcount == 0) {
    // No question, but the OPT still decides whether the FORMERR carries one
    // (RFC 6891 section 6.1.1; a server-cookie request, RFC 7873 section 5.4). The
    // FORMERR is unsigned, so a TSIG found on the way is forgotten.
    q.edns_known = parse_sections(r, q);
    q.tsig_at = 0;
    return ParseResult::NoQuestion;
  }
  if (q.qdcount != 1) return ParseResult::NoQuestion;
  if (!parse_qname(r, q)) return ParseResult::BadQuestion;
  q.qtype = r.u16();
  q.qclass = r.u16();
  if (!r.ok()) return ParseResult::BadQuestion;
  q.question_end = r.pos();
  if (!parse_sections(r, q)) return ParseResult::BadSections;
  q.edns_known = true;
  return ParseResult::Ok;
}

}  // namespace rdnsd::dns
