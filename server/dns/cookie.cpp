#include "server/dns/cookie.h"

#include <cstring>

#include "server/dns/siphash.h"

namespace rdnsd::dns::cookie {
namespace {

// Client Cookie | Version | Reserved | Timestamp | Client-IP: at most 8 + 8 + 16 bytes.
constexpr size_t kHashInputMax = kClientLen + 8 + 16;

uint64_t cookie_hash(const Secret& secret, const uint8_t* client, const uint8_t* head,
                     ClientIp ip) noexcept {
  uint8_t in[kHashInputMax];
  std::memcpy(in, client, kClientLen);
  std::memcpy(in + kClientLen, head, 8);  // version, reserved, timestamp
  const size_t ip_len = ip.len <= 16 ? ip.len : 0;
  if (ip_len != 0) std::memcpy(in + kClientLen + 8, ip.bytes, ip_len);
  return siphash24(secret.data(), in, kClientLen + 8 + ip_len);
}

// SipHash's output bytes, least significant first (the reference implementation's).
void put_le64(uint64_t v, uint8_t* out) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = uint8_t(v >> (8 * i));
}

}  // namespace

Secret derive(const Secret& master, uint64_t epoch) noexcept {
  Secret s;
  uint8_t in[9];
  for (int i = 0; i < 8; ++i) in[i] = uint8_t(epoch >> (8 * i));
  for (uint8_t half = 0; half < 2; ++half) {
    in[8] = half;
    put_le64(siphash24(master.data(), in, sizeof in), s.data() + 8 * half);
  }
  return s;
}

void make(const Secret& secret, const uint8_t* client, uint32_t timestamp, ClientIp ip,
          uint8_t out[kServerLen]) noexcept {
  out[0] = kVersion;
  out[1] = out[2] = out[3] = 0;
  for (int i = 0; i < 4; ++i) out[4 + i] = uint8_t(timestamp >> (24 - 8 * i));
  put_le64(cookie_hash(secret, client, out, ip), out + 8);
}

bool hash_matches(const Secret& secret, const uint8_t* client, const uint8_t* server,
                  ClientIp ip) noexcept {
  if (server[0] != kVersion) return false;
  uint8_t want[8];
  put_le64(cookie_hash(secret, client, server, ip), want);
  uint8_t diff = 0;
  for (int i = 0; i < 8; ++i) diff |= uint8_t(want[i] ^ server[8 + i]);
  return diff == 0;
}

bool usable(uint32_t timestamp, uint32_t now) noexcept {
  const int64_t age = int32_t(now - timestamp);  // RFC 1982: the nearer way round
  return age <= int64_t(kLifetime) && age >= -int64_t(kFutureSkew);
}

bool worn(uint32_t timestamp, uint32_t now) noexcept {
  return int32_t(now - timestamp) >= int32_t(kRenewAge);
}

uint32_t timestamp_of(const uint8_t* server) noexcept {
  return uint32_t{server[4]} << 24 | uint32_t{server[5]} << 16 | uint32_t{server[6]} << 8 |
         server[7];
}

}  // namespace rdnsd::dns::cookie
