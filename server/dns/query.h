#pragma once
// Query parsing for the answer core: the header, the one question (with the lookup key
// built on the way) and a bounded walk over the other sections to find the OPT RR and
// the TSIG RR.
// Nothing here allocates or throws; every read is bounded by the packet.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rdnsd::dns {

// RFC 1035 section 4.1.1 header: ID, flags (2 bytes), QD/AN/NS/ARCOUNT.
constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxWireName = 255;  // RFC 1035 section 2.3.4, root label included
constexpr size_t kMaxKey = kMaxWireName - 1;

// Flag bits of header byte 2 (QR|OPCODE|AA|TC|RD) and byte 3 (RA|Z|AD|CD|RCODE).
namespace flag {
constexpr uint8_t kQr = 0x80, kAa = 0x04, kTc = 0x02, kRd = 0x01;
constexpr uint8_t kCd = 0x10;
}  // namespace flag

namespace rrtype {
constexpr uint16_t kA = 1, kNs = 2, kSoa = 6, kPtr = 12, kTxt = 16, kAaaa = 28, kOpt = 41,
                   kTsig = 250;
constexpr uint16_t kIxfr = 251, kAxfr = 252, kMailb = 253, kMaila = 254, kAny = 255;
constexpr uint16_t kDhcid = 49;  // RFC 4701
}  // namespace rrtype

namespace rrclass {
constexpr uint16_t kIn = 1, kCh = 3;
}  // namespace rrclass

namespace rcode {
constexpr uint8_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4,
                  kRefused = 5, kNotAuth = 9;
constexpr uint16_t kBadVers = 16;    // extended (RFC 6891 section 6.1.3)
constexpr uint16_t kBadCookie = 23;  // extended (RFC 7873 section 8)
}  // namespace rcode

namespace ednsopt {
constexpr uint16_t kNsid = 3;           // RFC 5001
constexpr uint16_t kExpire = 9;         // RFC 7314
constexpr uint16_t kCookie = 10;        // RFC 7873
constexpr uint16_t kTcpKeepalive = 11;  // RFC 7828
}  // namespace ednsopt

// What the query's OPT RR said (RFC 6891 section 6.1.2). present == false: no OPT.
struct Edns {
  bool present = false;
  uint16_t payload = 0;  // requestor's UDP payload size (the OPT CLASS)
  uint8_t version = 0;
  bool do_bit = false;     // RFC 3225
  bool nsid = false;       // NSID option present
  bool keepalive = false;  // edns-tcp-keepalive option present
  bool expire = false;     // EDNS EXPIRE option present
  // The first COOKIE option's data (RFC 7873 section 4): a client cookie of 8 bytes and
  // a server cookie of 8..32 or none; a COOKIE of any other length fails the parse
  // (FORMERR, section 5.2.2). Points into the query; null: none.
  const uint8_t* cookie = nullptr;
  uint8_t cookie_len = 0;
};

// The parsed query. The key buffer is filled from the end (labels arrive in wire order
// and are stored reversed), so key() is a view of its tail.
struct Query {
  uint8_t opcode = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  size_t qname_len = 0;  // QNAME's wire length, root label included
  uint16_t qtype = 0, qclass = 0;
  size_t question_end = 0;  // offset just past QCLASS
  Edns edns;
  bool edns_known = false;  // the sections parsed, so `edns` is what the query said
  // Offset of the TSIG RR (RFC 8945), 0 if there is none. Set only when the query parsed
  // (ParseResult::Ok): a TSIG anywhere but last in the additional section is BadSections.
  size_t tsig_at = 0;
  size_t key_len = 0;
  uint8_t key_buf[kMaxKey];

  // The lookup key (zonestore/names.h): reversed labels, lower-cased, no root label.
  std::string_view key() const noexcept {
    return {reinterpret_cast<const char*>(key_buf + kMaxKey - key_len), key_len};
  }
};

enum class ParseResult : uint8_t {
  Ok,
  NoQuestion,   // QDCOUNT != 1
  BadQuestion,  // the question is malformed (pointer, bad label type, overrun, > 255)
  BadSections,  // the question is fine, the rest is not (overrun, misplaced/double OPT,
                // a TSIG that is not the last RR, RFC 8945 5.2)
};

// Parses `len` bytes (len >= kHeaderSize). Fields after the failing stage are unset.
ParseResult parse_query(const uint8_t* data, size_t len, Query& query) noexcept;

// Reads only what a lookup needs ahead of the answer: the key of the one question's name
// (query.key()) and its type. False for anything parse_query would not take as far.
bool peek_question(const uint8_t* data, size_t len, Query& query) noexcept;

}  // namespace rdnsd::dns
