// The response rate limiter with a fake clock: a flood from one client block gets its
// burst and then `rate` a second, every slip-th of the rest slipped; other blocks, other
// answers and whitelisted clients are unaffected; nothing is allocated per answer.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "server/rrl/limiter.h"
#include "tests/support/counting_allocator.h"

using rdnsd::dns::AnswerKind;
using rdnsd::dns::ClientIp;
using rdnsd::rrl::Limiter;
using rdnsd::rrl::Options;
using rdnsd::rrl::Verdict;

namespace {

const uint8_t kSeed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const std::string kName =
    "\x04"
    "arpa\x07"
    "in-addr\x03"
    "192\x01"
    "0\x01"
    "2\x01"
    "7";
const std::string kZone =
    "\x04"
    "arpa\x07"
    "in-addr\x03"
    "192\x01"
    "0\x01"
    "2";

struct Addr {
  uint8_t bytes[16] = {};
  uint8_t len = 4;
  ClientIp ip() const { return {bytes, len}; }
};

Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Addr x;
  x.bytes[0] = a;
  x.bytes[1] = b;
  x.bytes[2] = c;
  x.bytes[3] = d;
  return x;
}

Addr v6(std::initializer_list<uint8_t> head) {
  Addr x;
  x.len = 16;
  std::memcpy(x.bytes, head.begin(), head.size());
  return x;
}

struct Tally {
  int answered = 0, slipped = 0, dropped = 0;
  void add(Verdict v) {
    (v == Verdict::Answer ? answered : v == Verdict::Slip ? slipped : dropped)++;
  }
};

Options options(uint32_t rate, uint32_t window, uint32_t slip) {
  Options o;
  o.rate = rate;
  o.window = window;
  o.slip = slip;
  o.table_size = 4096;
  return o;
}

rdnsd::names::Prefix prefix(uint8_t family, std::initializer_list<uint8_t> bytes, unsigned length) {
  rdnsd::names::Prefix p;
  p.addr.family = family;
  std::memcpy(p.addr.bytes.data(), bytes.begin(), bytes.size());
  p.length = length;
  return p;
}

}  // namespace

TEST_CASE("a flood from one /24 gets burst + rate*T answers and every slip-th of the rest") {
  Limiter l(options(10, 2, 2), kSeed);  // burst 20, then 10 a second
  const int n = 1000;
  const uint64_t t_ms = 5000;
  Tally flood;
  for (int i = 0; i < n; ++i) {
    // Many source addresses of one /24 (a spoofed flood), one answer.
    const Addr a = v4(192, 0, 2, uint8_t(i));
    flood.add(l.account(a.ip(), AnswerKind::Normal, kName, 12, uint64_t(i) * t_ms / n));
  }
  const int expected = 20 + 10 * 5;
  CHECK(flood.answered >= expected - 2);
  CHECK(flood.answered <= expected + 1);
  CHECK(flood.slipped == doctest::Approx((n - flood.answered) / 2.0).epsilon(0.01));
  CHECK(flood.slipped + flood.dropped == n - flood.answered);
  const auto s = l.stats();
  CHECK(s.limited == uint64_t(n - flood.answered));
  CHECK(s.slipped == uint64_t(flood.slipped));
  CHECK(s.dropped == uint64_t(flood.dropped));
}

TEST_CASE("a second /24 at a low rate is never limited while the first floods") {
  Limiter l(options(5, 15, 2), kSeed);
  Tally flood, quiet;
  for (int ms = 0; ms < 20000; ms += 2) {
    flood.add(l.account(v4(198, 51, 100, 7).ip(), AnswerKind::Normal, kName, 12, uint64_t(ms)));
    if (ms % 500 == 0)  // two a second
      quiet.add(l.account(v4(203, 0, 113, 9).ip(), AnswerKind::Normal, kName, 12, uint64_t(ms)));
  }
  CHECK(flood.answered < 5 * 15 + 5 * 20 + 2);
  CHECK(flood.slipped > 4000);
  CHECK(quiet.answered == 40);
  CHECK(quiet.slipped + quiet.dropped == 0);
}

TEST_CASE("whitelisted clients are never limited, the rest of their /24 is") {
  Options o = options(1, 1, 2);
  o.whitelist = {prefix(4, {192, 0, 2, 128}, 25), prefix(6, {0x20, 0x01, 0x0d, 0xb8}, 32)};
  Limiter l(o, kSeed);
  Tally listed, listed6, other;
  for (int i = 0; i < 200; ++i) {
    listed.add(l.account(v4(192, 0, 2, 200).ip(), AnswerKind::Normal, kName, 12, 0));
    listed6.add(l.account(v6({0x20, 0x01, 0x0d, 0xb8, 9}).ip(), AnswerKind::Error, {}, 0, 0));
    other.add(l.account(v4(192, 0, 2, 5).ip(), AnswerKind::Normal, kName, 12, 0));
  }
  CHECK(listed.answered == 200);
  CHECK(listed6.answered == 200);
  CHECK(other.answered == 1);
  CHECK(l.whitelisted(v4(192, 0, 2, 128).ip()));
  CHECK_FALSE(l.whitelisted(v4(192, 0, 2, 127).ip()));
  CHECK(l.stats().limited == 199);
}

TEST_CASE("answer classes: names apart, NXDOMAIN per zone, errors per block") {
  Limiter l(options(1, 1, 1), kSeed);  // one answer per bucket at t = 0
  const Addr a = v4(192, 0, 2, 1);
  int answered = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string name = kZone + "\x02" + std::to_string(10 + i);
    answered += l.account(a.ip(), AnswerKind::Normal, name, 12, 0) == Verdict::Answer;
  }
  CHECK(answered == 50);  // fifty names, fifty buckets
  CHECK(l.account(a.ip(), AnswerKind::Normal, kName, 12, 0) == Verdict::Answer);
  CHECK(l.account(a.ip(), AnswerKind::Normal, kName, 6, 0) == Verdict::Answer);  // other type
  CHECK(l.account(a.ip(), AnswerKind::Normal, kName, 12, 0) == Verdict::Slip);
  // NXDOMAIN and NODATA are counted per zone (the name given is the apex), so random
  // names under one zone share one bucket.
  CHECK(l.account(a.ip(), AnswerKind::NxDomain, kZone, 0, 0) == Verdict::Answer);
  CHECK(l.account(a.ip(), AnswerKind::NxDomain, kZone, 0, 0) == Verdict::Slip);
  CHECK(l.account(a.ip(), AnswerKind::NoData, kZone, 0, 0) == Verdict::Answer);
  // Errors (REFUSED, FORMERR, ...) are limited too.
  CHECK(l.account(a.ip(), AnswerKind::Error, {}, 0, 0) == Verdict::Answer);
  CHECK(l.account(a.ip(), AnswerKind::Error, {}, 0, 0) == Verdict::Slip);
}

TEST_CASE("slip 0 drops every limited answer, slip 1 truncates every one, slip 3 one in three") {
  for (uint32_t slip : {0u, 1u, 3u}) {
    Limiter l(options(1, 1, slip), kSeed);
    Tally t;
    for (int i = 0; i < 301; ++i)
      t.add(l.account(v4(10, 0, 0, 1).ip(), AnswerKind::Normal, kName, 12, 0));
    CHECK(t.answered == 1);
    CHECK(t.slipped == (slip == 0 ? 0 : 300 / int(slip)));
    CHECK(t.dropped == 300 - t.slipped);
  }
}

TEST_CASE("client blocks: ipv4-prefix and ipv6-prefix bits") {
  Options o = options(1, 1, 0);
  o.ipv4_prefix = 16;
  o.ipv6_prefix = 56;
  Limiter l(o, kSeed);
  auto first = [&](const Addr& a) {
    return l.account(a.ip(), AnswerKind::Normal, kName, 12, 0) == Verdict::Answer;
  };
  CHECK(first(v4(192, 0, 2, 1)));
  CHECK_FALSE(first(v4(192, 0, 200, 1)));  // the same /16
  CHECK(first(v4(192, 1, 2, 1)));
  CHECK(first(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x12, 0x00})));
  CHECK_FALSE(first(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x12, 0xff, 0xaa})));  // same /56
  CHECK(first(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x13, 0x00})));
}

TEST_CASE("the credit refills: after window quiet seconds a bucket is full again") {
  Limiter l(options(4, 3, 2), kSeed);  // burst 12
  auto burst_at = [&](uint64_t ms) {
    int answered = 0;
    for (int i = 0; i < 100; ++i)
      answered +=
          l.account(v4(192, 0, 2, 1).ip(), AnswerKind::Normal, kName, 12, ms) == Verdict::Answer;
    return answered;
  };
  CHECK(burst_at(1000) == 12);
  CHECK(burst_at(1500) == 2);   // half a second: two more
  CHECK(burst_at(4500) == 12);  // three seconds: full (not more)
}

TEST_CASE("with shares (workers) each limiter allows its part of the rate") {
  Options o = options(10, 2, 2);
  o.shares = 2;
  Limiter l(o, kSeed);
  Tally t;
  for (int ms = 0; ms < 10000; ms += 5)
    t.add(l.account(v4(192, 0, 2, 1).ip(), AnswerKind::Normal, kName, 12, uint64_t(ms)));
  CHECK(t.answered >= 10 + 50 - 2);  // burst 20/2 and 5 a second for 10 s
  CHECK(t.answered <= 10 + 50 + 1);
}

TEST_CASE("a full table: many clients at once, and the flood is still limited") {
  Options o = options(2, 10, 2);
  o.table_size = 1024;
  Limiter l(o, kSeed);
  Tally flood;
  for (int round = 0; round < 100; ++round) {
    for (int c = 0; c < 3000; ++c) {
      const Addr a = v4(10, uint8_t(c >> 8), uint8_t(c), 1);
      l.account(a.ip(), AnswerKind::Normal, kName, 12, uint64_t(round) * 10);
    }
    for (int i = 0; i < 10; ++i)
      flood.add(
          l.account(v4(192, 0, 2, 1).ip(), AnswerKind::Normal, kName, 12, uint64_t(round) * 10));
  }
  // The others' buckets are fuller than the flood's, so they are the ones replaced:
  // the flood keeps its empty bucket and gets its burst and its rate (2 a second, 1 s).
  CHECK(flood.answered >= 20);
  CHECK(flood.answered <= 23);
}

TEST_CASE("accounting allocates nothing") {
  Limiter l(options(10, 1, 2), kSeed);
  const unsigned long before = g_allocations.load();
  uint64_t limited = 0;
  for (int i = 0; i < 100000; ++i) {
    const Addr a = v4(192, 0, uint8_t(i), uint8_t(i >> 8));
    limited +=
        l.account(a.ip(), AnswerKind(i % 4), kName, 12, uint64_t(i / 100)) != Verdict::Answer;
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(limited > 0);
}
