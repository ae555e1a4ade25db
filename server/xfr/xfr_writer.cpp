#include "server/xfr/xfr_writer.h"

#include <cstring>

namespace rdnsd::xfr {

void XfrWriter::begin(uint8_t* buf, size_t limit, uint16_t id, uint16_t flags) {
  buf_ = buf;
  limit_ = limit;
  std::memset(buf_, 0, kHeader);
  buf_[0] = uint8_t(id >> 8);
  buf_[1] = uint8_t(id);
  buf_[2] = uint8_t(flags >> 8);
  buf_[3] = uint8_t(flags);
  pos_ = kHeader;
  qdcount_ = ancount_ = 0;
  suffixes_.clear();
  pending_.clear();
}

bool XfrWriter::put_question(std::string_view q, size_t qname_len) {
  if (pos_ + q.size() > limit_) return false;
  if (q.empty()) return true;  // a request without a parsable question: none echoed
  std::memcpy(buf_ + pos_, q.data(), q.size());
  // The question's name suffixes are pointer targets like any other.
  std::string_view name = q.substr(0, qname_len);
  for (size_t at = 0; at < name.size() && name[at] != 0; at += 1 + uint8_t(name[at]))
    suffixes_.emplace(std::string(name.substr(at)), uint16_t(pos_ + at));
  pos_ += q.size();
  ++qdcount_;
  return true;
}

bool XfrWriter::put_name(std::string_view name) {
  size_t at = 0;
  while (at < name.size() && name[at] != 0) {
    auto it = suffixes_.find(name.substr(at));
    if (it != suffixes_.end()) {
      if (pos_ + at + 2 > limit_) return false;
      std::memcpy(buf_ + pos_, name.data(), at);
      if (pos_ <= kMaxPointer)
        for (size_t l = 0; l < at; l += 1 + uint8_t(name[l]))
          if (pos_ + l <= kMaxPointer) pending_.emplace_back(name.substr(l), uint16_t(pos_ + l));
      pos_ += at;
      buf_[pos_++] = uint8_t(0xC0 | it->second >> 8);
      buf_[pos_++] = uint8_t(it->second);
      return true;
    }
    at += 1 + uint8_t(name[at]);
  }
  if (pos_ + name.size() > limit_) return false;
  std::memcpy(buf_ + pos_, name.data(), name.size());
  for (size_t l = 0; l + 1 < name.size(); l += 1 + uint8_t(name[l]))
    if (pos_ + l <= kMaxPointer) pending_.emplace_back(name.substr(l), uint16_t(pos_ + l));
  pos_ += name.size();
  return true;
}

void XfrWriter::commit() {
  for (auto& [s, off] : pending_) suffixes_.emplace(std::string(s), off);
  pending_.clear();
}

bool XfrWriter::put_rr(std::string_view owner, uint16_t type, uint32_t ttl,
                       std::initializer_list<std::string_view> names, std::string_view tail) {
  const size_t mark = pos_;
  pending_.clear();
  auto fail = [&] {
    pos_ = mark;
    pending_.clear();
    return false;
  };
  if (!put_name(owner)) return fail();
  if (pos_ + 10 > limit_) return fail();
  uint8_t* f = buf_ + pos_;
  f[0] = uint8_t(type >> 8);
  f[1] = uint8_t(type);
  f[2] = 0;
  f[3] = 1;  // IN
  f[4] = uint8_t(ttl >> 24);
  f[5] = uint8_t(ttl >> 16);
  f[6] = uint8_t(ttl >> 8);
  f[7] = uint8_t(ttl);
  const size_t rdlen_at = pos_ + 8;
  pos_ += 10;
  for (std::string_view n : names)
    if (!put_name(n)) return fail();
  if (pos_ + tail.size() > limit_) return fail();
  if (!tail.empty()) std::memcpy(buf_ + pos_, tail.data(), tail.size());  // {} has no data
  pos_ += tail.size();
  const size_t rdlen = pos_ - rdlen_at - 2;
  if (rdlen > 0xFFFF) return fail();
  buf_[rdlen_at] = uint8_t(rdlen >> 8);
  buf_[rdlen_at + 1] = uint8_t(rdlen);
  commit();
  ++ancount_;
  return true;
}

size_t XfrWriter::finish() {
  buf_[4] = uint8_t(qdcount_ >> 8);
  buf_[5] = uint8_t(qdcount_);
  buf_[6] = uint8_t(ancount_ >> 8);
  buf_[7] = uint8_t(ancount_);
  return pos_;
}

}  // namespace rdnsd::xfr
