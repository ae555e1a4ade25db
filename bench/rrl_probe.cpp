// The cost of the response rate limiter's accounting, without the network: one
// Limiter::account() per answer, for NAMES distinct answer names (reverse names of
// distinct addresses) and 64 types, asked in a scattered order from one client, in a
// table of TABLE_SIZE buckets, at a rate no bucket reaches (nothing is limited, as in a
// benchmark without a flood). Prints ns per account() and per SipHash-2-4 of a name.
//
//   bench/rrl_probe [NAMES [TABLE_SIZE [MILLIONS]]]     defaults: 4096 65536 3
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/dns/siphash.h"
#include "server/rrl/limiter.h"

using namespace rdnsd;

namespace {

// The lookup key of 10.C.B.A.in-addr.arpa. for address i: "arpa", "in-addr", then the
// octets from the top (server/dns/query.h's key form).
std::string key_of(uint32_t i) {
  std::string k(
      "\x04"
      "arpa\x07"
      "in-addr",
      13);
  for (uint32_t octet : {10u, (i >> 16) & 255, (i >> 8) & 255, i & 255}) {
    const std::string text = std::to_string(octet);
    k += char(text.size());
    k += text;
  }
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t names = argc > 1 ? uint32_t(std::atol(argv[1])) : 4096;
  const uint32_t table = argc > 2 ? uint32_t(std::atol(argv[2])) : 65536;
  const uint64_t n = (argc > 3 ? uint64_t(std::atol(argv[3])) : 3) * 1000000;
  if (names == 0 || table < 1024) return 2;
  // The keys side by side in one block, each in a 32-byte slot (no allocation per key).
  std::vector<char> block(size_t(names) * 32);
  std::vector<uint8_t> lens(names);
  for (uint32_t i = 0; i < names; ++i) {
    const std::string k = key_of(i * 7919u);
    std::copy(k.begin(), k.end(), block.begin() + ptrdiff_t(i) * 32);
    lens[i] = uint8_t(k.size());
  }
  rrl::Options o;
  o.rate = 1000000;
  o.table_size = table;
  const uint8_t seed[16] = {7};
  rrl::Limiter limiter(o, seed);
  const uint8_t ip[4] = {127, 0, 0, 1};
  uint64_t sink = 0;
  auto name = [&](uint64_t i) {
    const uint32_t at = uint32_t((i * 2654435761u) % names);
    return std::string_view(block.data() + size_t(at) * 32, lens[at]);
  };
  // Answer names and types together make names * kTypes distinct buckets (the table's
  // misses), while the names themselves stay in the cache, as the query being answered is.
  constexpr uint64_t kTypes = 64;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    const std::string_view k = name(i);
    sink += dns::siphash24(seed, reinterpret_cast<const uint8_t*>(k.data()), k.size()) & 1;
  }
  const auto t1 = Clock::now();
  for (uint64_t i = 0; i < n; ++i)
    sink += uint64_t(
        limiter.account({ip, 4}, dns::AnswerKind::Normal, name(i), uint16_t(i % kTypes), i / 200));
  const auto t2 = Clock::now();
  auto ns = [&](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::nano>(b - a).count() / double(n);
  };
  std::printf(
      "%llu buckets in a table of %u: account %.1f ns, SipHash-2-4 of the name alone %.1f "
      "ns; limited %llu (%llu)\n",
      static_cast<unsigned long long>(names * kTypes), table, ns(t1, t2), ns(t0, t1),
      static_cast<unsigned long long>(limiter.stats().limited),
      static_cast<unsigned long long>(sink & 1));
  return 0;
}
