#pragma once
// Bounded wire reader and writer with a sticky error (the Knot wire_ctx shape): after the
// first out-of-bounds access every later call does nothing and returns zero, so a caller
// runs a sequence of reads or writes and checks ok() once. Neither allocates nor throws.
// Integers are big-endian (network order, RFC 1035 section 2.3.2).
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rdnsd::dns {

// Reads from a byte range it does not own.
class WireReader {
 public:
  WireReader(const uint8_t* data, size_t len) noexcept : data_(data), len_(len) {}

  bool ok() const noexcept { return ok_; }
  void fail() noexcept { ok_ = false; }
  size_t pos() const noexcept { return pos_; }
  size_t remaining() const noexcept { return ok_ ? len_ - pos_ : 0; }

  uint8_t u8() noexcept {
    const uint8_t* p = take(1);
    return p ? p[0] : 0;
  }
  uint16_t u16() noexcept {
    const uint8_t* p = take(2);
    return p ? static_cast<uint16_t>(p[0] << 8 | p[1]) : 0;
  }
  uint32_t u32() noexcept {
    const uint8_t* p = take(4);
    if (!p) return 0;
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  }
  void skip(size_t n) noexcept { take(n); }
  // Skips a name (an owner, or a name in RDATA) without following its pointer: labels up
  // to the root label or a compression pointer, at most 128 of them. False (the error
  // set) if it is malformed or runs past the end.
  bool skip_name() noexcept {
    for (int labels = 0; labels < 128; ++labels) {
      const uint8_t len = u8();
      if (!ok_) return false;
      if ((len & 0xC0) == 0xC0) {
        skip(1);
        return ok_;
      }
      if ((len & 0xC0) != 0 || len == 0) {
        if (len != 0) ok_ = false;
        return ok_;
      }
      skip(len);
    }
    ok_ = false;
    return false;
  }
  // The next `n` bytes, consumed; nullptr (and the error set) when fewer remain.
  const uint8_t* take(size_t n) noexcept {
    if (!ok_ || n > len_ - pos_) {
      ok_ = false;
      return nullptr;
    }
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

 private:
  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Writes into a buffer it does not own, never past `limit` (which never exceeds the
// buffer's capacity). rewind() returns to an earlier mark and clears the error, which
// is how an answer that does not fit is cut back to its question (NSD's truncation).
class WireWriter {
 public:
  void reset(uint8_t* data, size_t cap) noexcept {
    data_ = data;
    cap_ = cap;
    limit_ = cap;
    pos_ = 0;
    ok_ = true;
  }

  bool ok() const noexcept { return ok_; }
  void fail() noexcept { ok_ = false; }
  size_t pos() const noexcept { return pos_; }
  size_t limit() const noexcept { return limit_; }
  size_t cap() const noexcept { return cap_; }
  uint8_t* data() const noexcept { return data_; }

  // Lowers or raises the limit; never above the capacity nor below what is written.
  void set_limit(size_t limit) noexcept {
    if (limit > cap_) limit = cap_;
    limit_ = limit < pos_ ? pos_ : limit;
  }
  void rewind(size_t mark) noexcept {
    if (mark <= pos_) pos_ = mark;
    ok_ = true;
  }

  void u8(uint8_t v) noexcept {
    if (room(1)) data_[pos_++] = v;
  }
  void u16(uint16_t v) noexcept {
    if (!room(2)) return;
    data_[pos_++] = static_cast<uint8_t>(v >> 8);
    data_[pos_++] = static_cast<uint8_t>(v);
  }
  void u32(uint32_t v) noexcept {
    if (!room(4)) return;
    for (int shift = 24; shift >= 0; shift -= 8) data_[pos_++] = static_cast<uint8_t>(v >> shift);
  }
  void bytes(const void* src, size_t n) noexcept {
    if (!room(n) || n == 0) return;
    std::memcpy(data_ + pos_, src, n);
    pos_ += n;
  }
  // Overwrites two bytes already written (a count or an RDLENGTH).
  void patch_u16(size_t at, uint16_t v) noexcept {
    if (at > pos_ || pos_ - at < 2) return;
    data_[at] = static_cast<uint8_t>(v >> 8);
    data_[at + 1] = static_cast<uint8_t>(v);
  }

 private:
  bool room(size_t n) noexcept {
    if (!ok_ || n > limit_ - pos_) {
      ok_ = false;
      return false;
    }
    return true;
  }

  uint8_t* data_ = nullptr;
  size_t cap_ = 0;
  size_t limit_ = 0;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace rdnsd::dns
