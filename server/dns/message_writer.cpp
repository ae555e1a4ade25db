#include "server/dns/message_writer.h"

namespace rdnsd::dns {
namespace {

constexpr size_t kNotFound = SIZE_MAX;
// More pointer hops than a name has labels means a loop (cannot happen in what we write,
// but the walk stays bounded regardless).
constexpr int kMaxHops = 128;

uint8_t ascii_lower(uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool labels_equal(const uint8_t* a, const uint8_t* b, size_t len) noexcept {
  for (size_t i = 0; i < len; ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool valid_wire_name(std::string_view name) noexcept {
  const auto* p = reinterpret_cast<const uint8_t*>(name.data());
  const size_t len = name.size();
  if (len == 0 || len > kMaxWireName) return false;
  size_t pos = 0;
  while (pos < len) {
    const uint8_t label = p[pos];
    if (label == 0) return pos + 1 == len;
    if (label > 63) return false;
    pos += 1 + label;
  }
  return false;
}

bool MessageWriter::begin(const uint8_t* query, uint8_t* out, size_t cap) noexcept {
  if (cap < kHeaderSize) return false;
  w_.reset(out, cap);
  question_end_ = kHeaderSize;
  qdcount_ = 0;
  counts_[0] = counts_[1] = counts_[2] = 0;
  bad_data_ = false;
  table_len_ = 0;
  rest_seen_[0] = rest_seen_[1] = rest_seen_[2] = rest_seen_[3] = 0;
  const uint8_t header[kHeaderSize] = {
      query[0], query[1], static_cast<uint8_t>(flag::kQr | (query[2] & (0x78 | flag::kRd))),
      static_cast<uint8_t>(query[3] & flag::kCd)};
  w_.bytes(header, sizeof header);
  return w_.ok();
}

bool MessageWriter::put_question(const uint8_t* query, const Query& q) noexcept {
  w_.bytes(query + kHeaderSize, q.question_end - kHeaderSize);
  if (!w_.ok()) return false;
  question_end_ = w_.pos();
  qdcount_ = 1;
  const uint8_t* name = w_.data() + kHeaderSize;
  for (size_t s = 0; name[s] != 0; s += 1 + name[s]) remember(kHeaderSize + s, q.qname_len - s);
  return true;
}

void MessageWriter::set_rcode(uint8_t rcode) noexcept {
  uint8_t* h = w_.data();
  h[3] = static_cast<uint8_t>((h[3] & 0xF0) | (rcode & 0x0F));
}

void MessageWriter::set_aa(bool on) noexcept {
  uint8_t* h = w_.data();
  h[2] = static_cast<uint8_t>(on ? h[2] | flag::kAa : h[2] & ~flag::kAa);
}

void MessageWriter::clear_cd() noexcept {
  w_.data()[3] &= static_cast<uint8_t>(~flag::kCd);
}

void MessageWriter::set_tc() noexcept {
  w_.data()[2] |= flag::kTc;
}

uint8_t MessageWriter::rcode() const noexcept {
  return w_.data()[3] & 0x0F;
}

void MessageWriter::mark_bad_data() noexcept {
  bad_data_ = true;
  w_.fail();
}

void MessageWriter::rr_begin(uint16_t owner, uint16_t type, uint16_t cls, uint32_t ttl) noexcept {
  w_.u16(static_cast<uint16_t>(0xC000 | owner));
  w_.u16(type);
  w_.u16(cls);
  w_.u32(ttl);
  rdlen_at_ = w_.pos();
  w_.u16(0);
}

void MessageWriter::opt_begin(uint16_t payload, uint32_t ttl) noexcept {
  w_.u8(0);
  w_.u16(rrtype::kOpt);
  w_.u16(payload);
  w_.u32(ttl);
  rdlen_at_ = w_.pos();
  w_.u16(0);
}

void MessageWriter::rr_end(Section section) noexcept {
  if (!w_.ok()) return;
  const size_t rdlen = w_.pos() - rdlen_at_ - 2;
  if (rdlen > UINT16_MAX) {
    w_.fail();
    return;
  }
  w_.patch_u16(rdlen_at_, static_cast<uint16_t>(rdlen));
  ++counts_[static_cast<size_t>(section)];
}

// Writes the labels before the longest suffix already in the answer, then a pointer to
// it (or the root label if none matched), and remembers the labels written literally.
void MessageWriter::rr_name(std::string_view wire_name) noexcept {
  if (!valid_wire_name(wire_name)) {
    mark_bad_data();
    return;
  }
  const auto* name = reinterpret_cast<const uint8_t*>(wire_name.data());
  const size_t len = wire_name.size();
  size_t literal = 0;
  size_t target = kNotFound;
  for (; name[literal] != 0; literal += 1 + name[literal]) {
    target = find_suffix(name + literal, len - literal);
    if (target != kNotFound) break;
  }
  const size_t start = w_.pos();
  w_.bytes(name, literal);
  if (target != kNotFound) {
    w_.u16(static_cast<uint16_t>(0xC000 | target));
  } else {
    w_.u8(0);
  }
  if (!w_.ok()) return;
  for (size_t s = 0; s < literal; s += 1 + name[s]) remember(start + s, len - s);
}

// Whether the name written at `offset` (labels, possibly ending in a pointer) equals the
// uncompressed `name`, ignoring ASCII case. Only bytes already written are read, and a
// pointer must point backwards, so the walk ends.
bool MessageWriter::suffix_at(size_t offset, const uint8_t* name, size_t len) const noexcept {
  const uint8_t* buf = w_.data();
  const size_t end = w_.pos();
  size_t p = offset;
  size_t n = 0;
  for (int hops = 0; hops <= kMaxHops;) {
    if (p >= end || n >= len) return false;
    const uint8_t label = buf[p];
    if ((label & 0xC0) == 0xC0) {
      if (p + 1 >= end) return false;
      const size_t to = static_cast<size_t>(label & 0x3F) << 8 | buf[p + 1];
      if (to >= p) return false;
      p = to;
      ++hops;
      continue;
    }
    if (label != name[n] || label > 63) return false;
    if (label == 0) return true;
    if (end - p - 1 < label || len - n - 1 < label) return false;
    if (!labels_equal(buf + p + 1, name + n + 1, label)) return false;
    p += 1 + label;
    n += 1 + label;
  }
  return false;
}

size_t MessageWriter::find_suffix(const uint8_t* name, size_t len) const noexcept {
  if (!rest_possible(len)) return kNotFound;
  for (size_t i = 0; i < table_len_; ++i) {
    if (table_rest_[i] == len && suffix_at(table_[i], name, len)) return table_[i];
  }
  return kNotFound;
}

void MessageWriter::remember(size_t offset, size_t rest) noexcept {
  if (table_len_ < kCompressSlots && offset <= kMaxPointer && rest <= UINT8_MAX) {
    table_rest_[table_len_] = static_cast<uint8_t>(rest);
    table_[table_len_++] = static_cast<uint16_t>(offset);
    note_rest(static_cast<uint8_t>(rest));
  }
}

void MessageWriter::cut_to_question() noexcept {
  w_.rewind(question_end_);
  counts_[0] = counts_[1] = counts_[2] = 0;
  bad_data_ = false;
  size_t kept = 0;
  rest_seen_[0] = rest_seen_[1] = rest_seen_[2] = rest_seen_[3] = 0;
  for (size_t i = 0; i < table_len_; ++i) {
    if (table_[i] < question_end_) {
      table_rest_[kept] = table_rest_[i];
      table_[kept++] = table_[i];
      note_rest(table_rest_[i]);
    }
  }
  table_len_ = kept;
}

size_t MessageWriter::finish() noexcept {
  uint8_t* h = w_.data();
  const uint16_t counts[4] = {qdcount_, counts_[0], counts_[1], counts_[2]};
  for (size_t i = 0; i < 4; ++i) {
    h[4 + 2 * i] = static_cast<uint8_t>(counts[i] >> 8);
    h[5 + 2 * i] = static_cast<uint8_t>(counts[i]);
  }
  return w_.pos();
}

}  // namespace rdnsd::dns
