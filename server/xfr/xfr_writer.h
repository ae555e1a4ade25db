#pragma once
// One message of a zone transfer being written (RFC 5936 section 2.2): header, the
// question (first message only), answer RRs with name compression, room kept at the end
// for what the caller appends (OPT, TSIG). Compression remembers each name suffix
// written within pointer reach (the first 16 KiB), so later owners and targets point at
// them: a reverse zone's owners share their zone's labels and most targets share a few
// domains, which roughly halves a transfer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rdnsd::xfr {

class XfrWriter {
 public:
  static constexpr size_t kHeader = 12;
  static constexpr size_t kMaxPointer = 0x3FFF;

  // Starts a message in `buf` of which `limit` bytes may hold header, question and RRs.
  // `flags` are header bytes 2 and 3 (QR, AA, RD, RCODE).
  void begin(uint8_t* buf, size_t limit, uint16_t id, uint16_t flags);
  // The question as sent (QNAME, QTYPE, QCLASS bytes; QNAME uncompressed).
  bool put_question(std::string_view question, size_t qname_len);
  // One RR: owner (wire, uncompressed), type, class IN, TTL, then RDATA made of
  // `names` (each compressed, as RFC 3597 allows for SOA, NS and PTR) and then `tail`
  // (raw bytes). False, with nothing written, if it does not fit.
  bool put_rr(std::string_view owner, uint16_t type, uint32_t ttl,
              std::initializer_list<std::string_view> names, std::string_view tail);
  // An RR whose RDATA is raw bytes only (no compression inside it).
  bool put_raw_rr(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
    return put_rr(owner, type, ttl, {}, rdata);
  }
  uint16_t answers() const { return ancount_; }
  size_t size() const { return pos_; }
  // Writes the counts; returns the message length. ARCOUNT stays 0 (the caller adds
  // OPT and TSIG after it and bumps it).
  size_t finish();

 private:
  // Appends `name` compressed; pending suffixes are remembered by commit().
  bool put_name(std::string_view name);
  void commit();

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  uint8_t* buf_ = nullptr;
  size_t limit_ = 0, pos_ = 0;
  uint16_t qdcount_ = 0, ancount_ = 0;
  std::unordered_map<std::string, uint16_t, Hash, std::equal_to<>> suffixes_;
  std::vector<std::pair<std::string_view, uint16_t>> pending_;
};

}  // namespace rdnsd::xfr
