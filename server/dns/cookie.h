#pragma once
// DNS Cookies (RFC 7873) with the interoperable server cookies of RFC 9018: the COOKIE
// option's layout, the server cookie's construction and checks, and the secrets. Pure
// functions; no allocation on the answer path.
//
// Server cookie (RFC 9018 section 4), 16 bytes:
//   offset 0  Version    1 byte, 1
//   offset 1  Reserved   3 bytes, 0 when made (hashed as received when checked)
//   offset 4  Timestamp  4 bytes, seconds since the epoch, big-endian, serial arithmetic
//   offset 8  Hash       8 bytes, SipHash-2-4 under the server secret of
//                        Client Cookie | Version | Reserved | Timestamp | Client-IP
// Client-IP is the 4 or 16 bytes of the client's address as the server sees it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rdnsd::dns {

// The client's address (no port) as cookies and the rate limiter see it: 4 or 16 bytes,
// an IPv4-mapped IPv6 address as its IPv4 address. len 0: unknown (then cookies hash no
// address). The bytes are the caller's and must outlive the call they are passed to.
struct ClientIp {
  const uint8_t* bytes = nullptr;
  uint8_t len = 0;
};

namespace cookie {

constexpr size_t kClientLen = 8;
constexpr size_t kServerLen = 16;  // ours (RFC 9018); others' may be 8..32 (RFC 7873)
constexpr size_t kMinServerLen = 8, kMaxServerLen = 32;
constexpr uint8_t kVersion = 1;
// RFC 9018 section 4.3: a server cookie is valid for an hour, may come from a clock up to
// five minutes ahead, and is renewed once it is half an hour old.
constexpr uint32_t kLifetime = 3600;
constexpr uint32_t kFutureSkew = 300;
constexpr uint32_t kRenewAge = 1800;
// A generated secret is replaced by the next one this often; the one before stays
// accepted, so a cookie made just before a rotation still holds for its hour.
constexpr uint32_t kRotation = 86400;

using Secret = std::array<uint8_t, 16>;

// The server's secrets. With `configured` secrets (server.cookie-secret), the first makes
// every cookie and all are accepted, so a secret shared by several servers (anycast, RFC
// 9018 section 5) can be rolled over by listing the new one first. Without them, `master`
// (random, made at start) derives one secret per kRotation seconds (derive()); the
// current and the previous one are accepted.
struct Secrets {
  std::vector<Secret> configured;
  Secret master{};
};

// The secret of rotation period `epoch` (time / kRotation) derived from `master`.
Secret derive(const Secret& master, uint64_t epoch) noexcept;

// Writes our server cookie for `client` (kClientLen bytes) at `timestamp` into `out`.
void make(const Secret& secret, const uint8_t* client, uint32_t timestamp, ClientIp ip,
          uint8_t out[kServerLen]) noexcept;
// Whether `server` (kServerLen bytes, version 1) carries the hash that `secret` gives for
// `client`, its own version, reserved bytes and timestamp, and `ip`. Constant time in the
// hash bytes.
bool hash_matches(const Secret& secret, const uint8_t* client, const uint8_t* server,
                  ClientIp ip) noexcept;
// RFC 9018 section 4.3 by serial arithmetic (RFC 1982) on the 32-bit timestamp: `usable`
// from kLifetime seconds before `now` to kFutureSkew after it; `worn` from kRenewAge old.
bool usable(uint32_t timestamp, uint32_t now) noexcept;
bool worn(uint32_t timestamp, uint32_t now) noexcept;
// The big-endian timestamp of a server cookie.
uint32_t timestamp_of(const uint8_t* server) noexcept;

}  // namespace cookie
}  // namespace rdnsd::dns
