#pragma once
// SOA serial arithmetic (RFC 1982) and the serial policies of a zone.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace rdnsd::serial {

// RFC 1982 section 3.1: s + n for 0 <= n <= 2^31 - 1, modulo 2^32.
inline uint32_t add(uint32_t s, uint32_t n) {
  return s + n;
}
// RFC 1982 section 3.2: true if s1 is "less than" s2; undefined pairs (distance
// exactly 2^31) compare as neither less nor greater.
inline bool less(uint32_t s1, uint32_t s2) {
  return s1 != s2 && ((s1 < s2 && s2 - s1 < 0x80000000u) || (s1 > s2 && s1 - s2 > 0x80000000u));
}

enum class Policy : uint8_t { Increment = 0, UnixTime = 1, DateSerial = 2 };

std::optional<Policy> parse_policy(std::string_view text);
const char* policy_name(Policy p);

// The serial after one change under `policy` at time `now` (seconds since the epoch).
// increment: s + 1. unixtime: `now` if that is greater than s (RFC 1982), else s + 1.
// dateserial: YYYYMMDD00 of `now` if greater than s, else s + 1 (so the two-digit
// counter runs on past 99 into the next day's range, as other servers do).
// A policy that would move the serial backwards falls back to increment.
uint32_t next(uint32_t s, Policy policy, std::time_t now);
// The first serial of a new zone under `policy`.
uint32_t initial(Policy policy, std::time_t now);

}  // namespace rdnsd::serial
