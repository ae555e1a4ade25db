// The lookup key has two builders: the answer core makes it from the question's wire
// bytes while it parses them (dns::parse_query, no allocation), and names::wire_to_key
// makes it for the store (zones, migration). The store finds what the answer core asks
// for only if both give the same bytes for every name: checked here on hand-picked and
// on random names (the answer core's fuzzer checks the same on its inputs).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/dns/query.h"
#include "zonestore/names/names.h"

using namespace rdnsd;

namespace {

// A query with one question for `wire` (PTR IN), no other sections.
std::vector<uint8_t> query_for(const std::string& wire) {
  std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  q.insert(q.end(), wire.begin(), wire.end());
  q.insert(q.end(), {0, 12, 0, 1});
  return q;
}

std::string parsed_key(const std::string& wire) {
  std::vector<uint8_t> q = query_for(wire);
  dns::Query query;
  REQUIRE(dns::parse_query(q.data(), q.size(), query) == dns::ParseResult::Ok);
  return std::string(query.key());
}

std::string random_wire(std::mt19937& rng) {
  static const char kAlphabet[] = "0123456789abcdefABCDEFxyzXYZ-_.\\ ";
  std::uniform_int_distribution<int> labels(0, 40), len(1, 63), byte(0, 255),
      pick(0, sizeof kAlphabet - 2), kind(0, 3);
  std::string wire;
  const int n = labels(rng);
  for (int i = 0; i < n; ++i) {
    // Mostly short labels of reverse-name characters, sometimes any byte at all.
    const int l = kind(rng) == 0 ? len(rng) : 1 + len(rng) % 3;
    if (wire.size() + 1 + size_t(l) + 1 > 255) break;
    wire += char(l);
    for (int j = 0; j < l; ++j) wire += kind(rng) == 0 ? char(byte(rng)) : kAlphabet[pick(rng)];
  }
  wire += '\0';
  return wire;
}

}  // namespace

TEST_CASE("the answer core's lookup key is the store's key of the same name") {
  for (const char* text :
       {".", "arpa.", "in-addr.arpa.", "2.0.192.in-addr.arpa.", "1.2.0.192.IN-ADDR.ARPA.",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
        "0.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa.",
        "www.Example.NET.", "a\\.b.c.", "\\000.\\255.x."}) {
    CAPTURE(text);
    auto wire = names::text_to_wire(text);
    REQUIRE(wire);
    CHECK(parsed_key(*wire) == names::wire_to_key(*wire));
  }
}

TEST_CASE("the two key builders agree on 100,000 random names") {
  std::mt19937 rng(20261203);
  for (int i = 0; i < 100000; ++i) {
    const std::string wire = random_wire(rng);
    const std::string want = names::wire_to_key(wire);
    const std::string got = parsed_key(wire);
    if (got != want) {
      CAPTURE(names::wire_to_text(wire));
      CHECK(got == want);
      break;
    }
  }
}
