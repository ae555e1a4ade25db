#pragma once
// The answer being written: header, echoed question, resource records with name
// compression, and the cut back to the question when something does not fit (NSD's
// rewind-and-TC). One per Answerer, reset per query; nothing is allocated.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/dns/query.h"
#include "server/dns/wire.h"

namespace rdnsd::dns {

enum class Section : uint8_t { Answer = 0, Authority = 1, Additional = 2 };

// True if `name` is exactly one uncompressed wire name: labels of at most 63 octets,
// a final root label, at most 255 octets in all (RFC 1035 section 3.1).
bool valid_wire_name(std::string_view name) noexcept;

class MessageWriter {
 public:
  // Offsets of names already in the answer, for RFC 1035 section 4.1.4 compression.
  // 128 slots hold every suffix of the longest ip6.arpa QNAME (34 labels) and plenty
  // of RDATA names; when they run out, later names are written without being remembered.
  static constexpr size_t kCompressSlots = 128;
  // Compression pointers hold 14 bits (RFC 1035 section 4.1.4).
  static constexpr size_t kMaxPointer = 0x3FFF;
  static constexpr uint16_t kQnameOffset = kHeaderSize;

  // Starts an answer to `query` (at least a header) in `out`: ID, OPCODE, RD and CD
  // copied, QR set, everything else clear. False if `cap` cannot hold a header.
  bool begin(const uint8_t* query, uint8_t* out, size_t cap) noexcept;
  // Copies the question bytes exactly as sent (0x20 case kept) and remembers every
  // suffix of QNAME. False if the question does not fit `cap`.
  bool put_question(const uint8_t* query, const Query& q) noexcept;

  void set_rcode(uint8_t rcode) noexcept;
  void set_aa(bool on) noexcept;
  void clear_cd() noexcept;  // the CD bit begin() copied from the query
  void set_tc() noexcept;
  uint8_t rcode() const noexcept;
  uint16_t count(Section section) const noexcept { return counts_[size_t(section)]; }
  bool truncated() const noexcept { return (w_.data()[2] & flag::kTc) != 0; }

  WireWriter& wire() noexcept { return w_; }
  bool ok() const noexcept { return w_.ok() && !bad_data_; }
  // Set when the record source handed over a malformed name or NS block.
  bool bad_data() const noexcept { return bad_data_; }
  void mark_bad_data() noexcept;
  size_t question_end() const noexcept { return question_end_; }

  // One RR whose owner is a compression pointer to `owner` (QNAME or one of its
  // suffixes). RDATA follows through wire() and rr_name(); rr_end() fills RDLENGTH and
  // counts the RR in `section` if everything fitted.
  void rr_begin(uint16_t owner, uint16_t type, uint16_t cls, uint32_t ttl) noexcept;
  // The OPT pseudo-RR's fixed part (RFC 6891 section 6.1.2), owner root.
  void opt_begin(uint16_t payload, uint32_t ttl) noexcept;
  // A name inside RDATA, compressed against the names already written.
  void rr_name(std::string_view wire_name) noexcept;
  void rr_end(Section section) noexcept;

  // Removes every RR after the question and clears the error and the bad-data flag.
  void cut_to_question() noexcept;
  // Writes the section counts into the header; returns the answer's length.
  size_t finish() noexcept;

 private:
  bool suffix_at(size_t offset, const uint8_t* name, size_t len) const noexcept;
  size_t find_suffix(const uint8_t* name, size_t len) const noexcept;
  // `rest` is the uncompressed length of the name from `offset` on (root included).
  void remember(size_t offset, size_t rest) noexcept;

  WireWriter w_;
  size_t question_end_ = kHeaderSize;
  size_t rdlen_at_ = 0;
  uint16_t qdcount_ = 0;
  uint16_t counts_[3] = {0, 0, 0};
  bool bad_data_ = false;
  size_t table_len_ = 0;
  uint16_t table_[kCompressSlots];
  // Uncompressed length of the name at table_[i]: only a name of the same length can be
  // a match, so most entries are skipped without reading the answer.
  uint8_t table_rest_[kCompressSlots];
  // Bit L set: some entry has table_rest_ == L. A name whose length no entry has (a PTR
  // target after a reverse question, most often) is rejected without a scan.
  uint64_t rest_seen_[4] = {0, 0, 0, 0};
  void note_rest(uint8_t rest) noexcept { rest_seen_[rest >> 6] |= uint64_t(1) << (rest & 63); }
  bool rest_possible(size_t rest) const noexcept {
    return rest <= UINT8_MAX && (rest_seen_[rest >> 6] >> (rest & 63)) & 1;
  }
};

}  // namespace rdnsd::dns
