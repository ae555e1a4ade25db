// Unit tests of zonestore/serial.h: RFC 1982 arithmetic and the serial policies.
#include <doctest/doctest.h>

#include <cstdint>

#include "zonestore/names/serial.h"

using namespace rdnsd::serial;

namespace {

constexpr std::time_t kMarch15Noon = 1710504000;  // 2024-03-15 12:00:00 UTC
constexpr std::time_t kMarch15Last = 1710547199;  // 2024-03-15 23:59:59 UTC
constexpr std::time_t kMarch16 = 1710547200;      // 2024-03-16 00:00:00 UTC
constexpr std::time_t kLastDay2099 = 4102358400;  // 2099-12-31 00:00:00 UTC
constexpr uint32_t kMarch15Serial = 2024031500u;

}  // namespace

TEST_CASE("add wraps modulo 2^32") {
  CHECK(add(0, 1) == 1);
  CHECK(add(41, 1) == 42);
  CHECK(add(0xffffffffu, 1) == 0);
  CHECK(add(0xffffffffu, 2) == 1);
  CHECK(add(0x80000000u, 0x7fffffffu) == 0xffffffffu);
  CHECK(add(0x80000001u, 0x7fffffffu) == 0);
  CHECK(add(5, 0) == 5);
}

TEST_CASE("less follows RFC 1982 section 3.2") {
  CHECK(less(0, 1));
  CHECK_FALSE(less(1, 0));
  CHECK(less(1, 2));
  CHECK_FALSE(less(7, 7));
  CHECK_FALSE(less(0, 0));

  // Across the wrap.
  CHECK(less(0xffffffffu, 0));
  CHECK_FALSE(less(0, 0xffffffffu));
  CHECK(less(0xfffffff0u, 0x10u));
  CHECK_FALSE(less(0x10u, 0xfffffff0u));

  // The largest forward step, 2^31 - 1, is still "greater".
  CHECK(less(0, 0x7fffffffu));
  CHECK_FALSE(less(0x7fffffffu, 0));
  CHECK(less(0x80000000u, 0xffffffffu));
  CHECK(less(0xffffffffu, 0x7ffffffeu));

  // Distance exactly 2^31: undefined, so neither is less.
  for (uint32_t s : {0u, 1u, 12345u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    CAPTURE(s);
    uint32_t t = s + 0x80000000u;
    CHECK_FALSE(less(s, t));
    CHECK_FALSE(less(t, s));
  }

  // Just past 2^31 the order flips.
  CHECK_FALSE(less(0, 0x80000001u));
  CHECK(less(0x80000001u, 0));

  // For any s and 1 <= n <= 2^31 - 1: s < s + n.
  for (uint32_t s : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu})
    for (uint32_t n : {1u, 2u, 1000u, 0x40000000u, 0x7fffffffu}) {
      CAPTURE(s);
      CAPTURE(n);
      CHECK(less(s, add(s, n)));
      CHECK_FALSE(less(add(s, n), s));
    }
}

TEST_CASE("policy names") {
  CHECK(parse_policy("increment") == Policy::Increment);
  CHECK(parse_policy("unixtime") == Policy::UnixTime);
  CHECK(parse_policy("dateserial") == Policy::DateSerial);
  CHECK_FALSE(parse_policy(""));
  CHECK_FALSE(parse_policy("Increment"));
  CHECK_FALSE(parse_policy("date"));
  for (Policy p : {Policy::Increment, Policy::UnixTime, Policy::DateSerial})
    CHECK(parse_policy(policy_name(p)) == p);
}

TEST_CASE("next under increment") {
  CHECK(next(0, Policy::Increment, kMarch15Noon) == 1);
  CHECK(next(1, Policy::Increment, kMarch15Noon) == 2);
  CHECK(next(2024031500u, Policy::Increment, kMarch15Noon) == 2024031501u);
  CHECK(next(0x7fffffffu, Policy::Increment, 0) == 0x80000000u);
  CHECK(next(0xffffffffu, Policy::Increment, kMarch15Noon) == 0);
  // The time does not matter.
  CHECK(next(10, Policy::Increment, 0) == 11);
  CHECK(next(10, Policy::Increment, kLastDay2099) == 11);
}

TEST_CASE("next under unixtime") {
  const uint32_t now = uint32_t(kMarch15Noon);
  CHECK(next(1, Policy::UnixTime, kMarch15Noon) == now);  // now > s: now
  CHECK(next(now - 1, Policy::UnixTime, kMarch15Noon) == now);
  CHECK(next(now, Policy::UnixTime, kMarch15Noon) == now + 1);        // now == s: s + 1
  CHECK(next(now + 50, Policy::UnixTime, kMarch15Noon) == now + 51);  // now < s: s + 1
  // Two changes in the same second still move forward.
  uint32_t s = next(100, Policy::UnixTime, kMarch15Noon);
  uint32_t s2 = next(s, Policy::UnixTime, kMarch15Noon);
  CHECK(less(s, s2));
  // A serial up to 2^31 - 1 ahead of now is greater: step by one.
  uint32_t ahead = now + 0x7fffffffu;
  CHECK(next(ahead, Policy::UnixTime, kMarch15Noon) == ahead + 1);
  // Exactly 2^31 away neither is greater: step by one, never jump.
  uint32_t opposite = now + 0x80000000u;
  CHECK(next(opposite, Policy::UnixTime, kMarch15Noon) == opposite + 1);
  // Just past that, now is greater again (the serial is "behind" across the wrap).
  uint32_t behind = now + 0x80000001u;
  CHECK(next(behind, Policy::UnixTime, kMarch15Noon) == now);
}

TEST_CASE("next under dateserial") {
  // A serial from before today: today's YYYYMMDD00.
  CHECK(next(1, Policy::DateSerial, kMarch15Noon) == kMarch15Serial);
  CHECK(next(2024031499u, Policy::DateSerial, kMarch15Noon) == kMarch15Serial);
  CHECK(next(2023123105u, Policy::DateSerial, kMarch15Noon) == kMarch15Serial);
  // Same day again: + 1.
  uint32_t s = next(kMarch15Serial, Policy::DateSerial, kMarch15Noon);
  CHECK(s == kMarch15Serial + 1);
  CHECK(next(s, Policy::DateSerial, kMarch15Last) == kMarch15Serial + 2);
  // The next day starts again at 00.
  CHECK(next(kMarch15Serial + 2, Policy::DateSerial, kMarch16) == 2024031600u);
  // The counter runs on past 99 into the next day's range.
  CHECK(next(kMarch15Serial + 99, Policy::DateSerial, kMarch15Noon) == 2024031600u);
  CHECK(next(2024031600u, Policy::DateSerial, kMarch15Noon) == 2024031601u);
  // A serial already larger than today's: + 1.
  CHECK(next(2030010100u, Policy::DateSerial, kMarch15Noon) == 2030010101u);
  // The last day of 2099 still fits in 32 bits.
  CHECK(next(1, Policy::DateSerial, kLastDay2099) == 2099123100u);
}

TEST_CASE("initial") {
  CHECK(initial(Policy::Increment, kMarch15Noon) == 1);
  CHECK(initial(Policy::Increment, 0) == 1);
  CHECK(initial(Policy::UnixTime, kMarch15Noon) == uint32_t(kMarch15Noon));
  CHECK(initial(Policy::DateSerial, kMarch15Noon) == kMarch15Serial);
  CHECK(initial(Policy::DateSerial, kMarch15Last) == kMarch15Serial);
  CHECK(initial(Policy::DateSerial, kMarch16) == 2024031600u);
  // The first change after creation moves forward under every policy.
  for (Policy p : {Policy::Increment, Policy::UnixTime, Policy::DateSerial}) {
    uint32_t s = initial(p, kMarch15Noon);
    CHECK(less(s, next(s, p, kMarch15Noon)));
  }
}
