// Robustness of the answer core: every prefix of valid queries and random mutations of
// them (fixed seed) must give either no answer or one that ldns parses.
#include <doctest/doctest.h>

#include <array>
#include <random>

#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

// Valid queries of every kind the core distinguishes.
std::vector<std::vector<uint8_t>> seed_queries() {
  std::vector<QueryBuilder> b;
  auto add = [&](std::string name, uint16_t type) -> QueryBuilder& {
    QueryBuilder q;
    q.qname = std::move(name);
    q.qtype = type;
    b.push_back(q);
    return b.back();
  };
  add("2.2.0.192.in-addr.arpa.", 12);
  add("2.2.0.192.In-Addr.Arpa.", 12).with_edns(4096).option(3).option(11);
  add(kV6Host, 12).with_edns(512).do_bit = true;
  add(kV6Ent, 12);
  add("2.0.192.in-addr.arpa.", 6).with_edns();
  add("2.0.192.in-addr.arpa.", 2);
  add("100.51.198.in-addr.arpa.", 2).with_edns(512);
  add("100.51.198.in-addr.arpa.", 255);
  add("99.2.0.192.in-addr.arpa.", 12).with_edns().option(65000, "abcdef");
  add("example.com.", 1);
  add("3.0.192.in-addr.arpa.", 6);
  add("2.0.192.in-addr.arpa.", 252);
  add("id.server.", 16).cls(3);
  add("version.bind.", 16).cls(3).with_edns();
  add("2.2.0.192.in-addr.arpa.", 12).cls(255);
  add("2.2.0.192.in-addr.arpa.", 12).with_edns().version = 1;
  add("2.0.192.in-addr.arpa.", 6).opcode = 4;
  {
    QueryBuilder& q = add("2.2.0.192.in-addr.arpa.", 12);
    q.extra = {3, 'f', 'o', 'o', 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4};
    q.ancount = 1;
    q.with_edns();
  }
  std::vector<std::vector<uint8_t>> out;
  for (const auto& q : b) out.push_back(q.build());
  return out;
}

// Answers `query` and checks the invariants; returns false on the first violation.
// `n` gets the answer's length.
bool check_answer(Answerer& answerer, const std::vector<uint8_t>& query, Transport t, size_t cap,
                  std::vector<uint8_t>& out, size_t& n) {
  n = answerer.answer(query.data(), query.size(), out.data(), cap, t);
  if (n == 0) return true;
  if (n > cap || n < 12) return false;
  if (t == Transport::Udp && n > 1232) return false;
  if (out[0] != query[0] || out[1] != query[1] || (out[2] & 0x80) == 0) return false;
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, out.data(), n) != LDNS_STATUS_OK) return false;
  const bool sane = ldns_pkt_qdcount(pkt) <= 1;
  ldns_pkt_free(pkt);
  return sane;
}

void mutate(std::vector<uint8_t>& q, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    if (q.empty()) return;
    const size_t at = rng() % q.size();
    switch (rng() % 6) {
      case 0:
        q[at] = static_cast<uint8_t>(rng());
        break;
      case 1:
        q[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 2:
        q.insert(q.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        break;
      case 3:
        q.erase(q.begin() + static_cast<long>(at));
        break;
      case 4:
        q.resize(at);
        break;
      default:  // an interesting byte: pointers, label types, OPT
        q[at] = std::array<uint8_t, 6>{0xC0, 0x0C, 0x40, 0x3F, 0x29, 0x00}[rng() % 6];
        break;
    }
  }
}

}  // namespace

TEST_CASE("every prefix of a valid query is dropped or answered parseably") {
  Fixture f;
  std::vector<uint8_t> out(65535);
  size_t answered = 0;
  for (const auto& seed : seed_queries()) {
    for (size_t len = 0; len <= seed.size(); ++len) {
      std::vector<uint8_t> part(seed.begin(), seed.begin() + static_cast<long>(len));
      for (Transport t : {Transport::Udp, Transport::Tcp}) {
        CAPTURE(len);
        size_t n = 0;
        REQUIRE(check_answer(f.answerer, part, t, out.size(), out, n));
        answered += n > 0;
      }
    }
  }
  CHECK(answered > 0);
}

TEST_CASE("random mutations of valid queries never break the answer") {
  Fixture f;
  std::mt19937 rng(20240501);
  std::vector<uint8_t> out(65535);
  const auto seeds = seed_queries();
  size_t answered = 0;
  constexpr int kIterations = 250000;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<uint8_t> q = seeds[static_cast<size_t>(i) % seeds.size()];
    mutate(q, rng);
    const Transport t = (rng() & 1) ? Transport::Tcp : Transport::Udp;
    const size_t cap = (rng() % 4 == 0) ? 512 : out.size();
    size_t n = 0;
    if (!check_answer(f.answerer, q, t, cap, out, n)) {
      CAPTURE(i);
      FAIL("bad answer");
    }
    answered += n > 0;
  }
  CHECK(answered > 0);
}

TEST_CASE("random garbage after a valid header") {
  Fixture f;
  std::mt19937 rng(7);
  std::vector<uint8_t> out(65535);
  for (int i = 0; i < 50000; ++i) {
    std::vector<uint8_t> q(12 + rng() % 300);
    for (auto& b : q) b = static_cast<uint8_t>(rng());
    q[2] &= 0x7F;
    q[4] = 0;
    q[5] = 1;
    size_t n = 0;
    if (!check_answer(f.answerer, q, Transport::Udp, out.size(), out, n)) {
      CAPTURE(i);
      FAIL("bad answer");
    }
  }
}
