#pragma once
// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// 64-bit hash of short inputs, the hash of RFC 9018 server cookies, and the hash of the
// response rate limiter's table (keyed with a secret, so that no client can aim queries
// at one slot).
//
// Written here rather than taken from OpenSSL (EVP_MAC "SIPHASH"): on these machines one
// 32-byte input costs about 29 ns here against 68-78 ns through EVP_MAC_init/update/final,
// and it sits on the answer path. Checked against the reference vectors of the paper and
// RFC 9018's cookies (tests/unit/dns/test_cookie.cpp). No allocation, no state.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rdnsd::dns {

namespace siphash_detail {

inline uint64_t rotl(uint64_t x, int b) noexcept {
  return (x << b) | (x >> (64 - b));
}
inline uint64_t load_le64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

struct State {
  uint64_t v0, v1, v2, v3;
  void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace siphash_detail

// SipHash-2-4 of `len` bytes under the 16-byte `key`. The result's bytes, least
// significant first, are the 8-byte output of the reference implementation.
inline uint64_t siphash24(const uint8_t key[16], const uint8_t* in, size_t len) noexcept {
  using namespace siphash_detail;
  const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
  State s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
          k1 ^ 0x7465646279746573ull};
  const size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) s.absorb(load_le64(in + i));
  uint64_t last = uint64_t(len) << 56;
  for (size_t i = 0; i < len % 8; ++i) last |= uint64_t(in[whole + i]) << (8 * i);
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace rdnsd::dns
