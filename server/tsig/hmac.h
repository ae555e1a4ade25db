#pragma once
// Internal to rdns_tsig: the keyed hash (OpenSSL 3's EVP_MAC "HMAC") fed piece by piece,
// and the big-endian helpers the TSIG code reads and writes with. Not for other
// libraries: they go through tsig.h.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "server/tsig/tsig.h"

namespace rdnsd::tsig::detail {

inline uint16_t get16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t get32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t get48(const uint8_t* p) noexcept {
  return uint64_t{get16(p)} << 32 | get32(p + 2);
}
inline std::span<const uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline void put16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) noexcept {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
inline void put48(uint8_t* p, uint64_t v) noexcept {
  put16(p, static_cast<uint16_t>(v >> 32));
  put32(p + 2, static_cast<uint32_t>(v));
}

// One MAC computation with a sticky error: after the first OpenSSL failure the other
// calls do nothing and finish() returns false. One per message; not copyable.
class Hmac {
 public:
  explicit Hmac(const Key& key) noexcept;
  ~Hmac();
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  void add(const void* data, size_t len) noexcept;
  void add16(uint16_t v) noexcept;
  void add32(uint32_t v) noexcept;
  void add48(uint64_t v) noexcept;
  // A prior MAC as RFC 8945 4.3.1 digests it: MAC Size (u16), then the MAC.
  void add_prior(std::span<const uint8_t> mac) noexcept;
  // The message part of the digest (RFC 8945 4.3.2): the header with `id` and `arcount`
  // in place of its own, then msg[12, end).
  void add_message(const uint8_t* msg, size_t end, uint16_t id, uint16_t arcount) noexcept;
  // Writes mac_size(key.algorithm) octets to `out`.
  bool finish(uint8_t* out) noexcept;

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
  bool ok_ = false;
};

// The TSIG variables of RFC 8945 4.3.3 (all of them, or the timers of 5.3.1 only).
struct Variables {
  std::span<const uint8_t> key_name;  // canonical: lower case, uncompressed
  uint16_t rr_class = kClassAny;
  uint32_t ttl = 0;
  std::span<const uint8_t> algorithm;  // canonical
  uint64_t time_signed = 0;
  uint16_t fudge = 0;
  uint16_t error = 0;
  std::span<const uint8_t> other;
};

void add_variables(Hmac& h, const Variables& v, bool timers_only) noexcept;

constexpr size_t kHeaderSize = 12;

}  // namespace rdnsd::tsig::detail
