// The answer path allocates nothing: global operator new is replaced by a counting one,
// and answering queries of every kind must leave the count where it was. (The test
// source's lookups are string_view searches of sorted vectors, so they do not allocate
// either.)
#include <doctest/doctest.h>

#include <deque>

#include "tests/support/answer_fixture.h"
#include "tests/support/counting_allocator.h"
#include "tests/support/tsig_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

struct Case {
  std::vector<uint8_t> query;
  Transport transport;
};

std::vector<Case> every_kind() {
  std::deque<std::pair<QueryBuilder, Transport>> b;
  auto add = [&](std::string name, uint16_t type, Transport t = Transport::Udp) -> QueryBuilder& {
    b.emplace_back(QueryBuilder{}, t);
    b.back().first.qname = std::move(name);
    b.back().first.qtype = type;
    return b.back().first;
  };
  add("2.2.0.192.in-addr.arpa.", 12);
  add("2.2.0.192.In-Addr.ARPA.", 12).with_edns().option(3);
  add(kV6Host, 12, Transport::Tcp).option(11);
  add(kV6Ent, 12);
  add(v6_owner("20010db8000000020000000000000001"), 12).with_edns();
  add("2.0.192.in-addr.arpa.", 6);
  add("2.0.192.in-addr.arpa.", 2).with_edns();
  add("2.0.192.in-addr.arpa.", 255);
  add("100.51.198.in-addr.arpa.", 2).with_edns(512);   // TC
  add("100.51.198.in-addr.arpa.", 2, Transport::Tcp);  // 40 NS, compressed
  add("99.2.0.192.in-addr.arpa.", 12);                 // NXDOMAIN
  add("2.2.0.192.in-addr.arpa.", 16);                  // NODATA
  add("example.com.", 1).with_edns();                  // REFUSED
  add("5.3.0.192.in-addr.arpa.", 12);                  // not served
  add("2.0.192.in-addr.arpa.", 252);                   // AXFR over UDP
  add("2.0.192.in-addr.arpa.", 252, Transport::Tcp);
  add("id.server.", 16).cls(3);
  add("version.bind.", 16).cls(3).with_edns();
  add("nothing.bind.", 16).cls(3);
  add("2.2.0.192.in-addr.arpa.", 12).cls(255);
  add("2.2.0.192.in-addr.arpa.", 12).with_edns().version = 1;  // BADVERS
  add("2.0.192.in-addr.arpa.", 6).opcode = 4;                  // NOTIFY
  add("2.0.192.in-addr.arpa.", 6).qdcount = 0;                 // FORMERR
  QueryBuilder& two_opt = add("2.2.0.192.in-addr.arpa.", 12).with_edns();
  two_opt.append_opt(two_opt.extra);
  two_opt.arcount = 1;
  add("x", 12).raw_qname = std::string(
      "\x01"
      "2\xC0\x0C",
      4);                                        // pointer in QNAME
  add("2.2.0.192.in-addr.arpa.", 12).qr = true;  // dropped
  std::vector<Case> cases;
  for (const auto& [builder, transport] : b) cases.push_back({builder.build(), transport});
  return cases;
}

}  // namespace

TEST_CASE("the counting allocator counts") {
  const unsigned long before = g_allocations.load();
  void* p = ::operator new(16);  // a call, not a new-expression: cannot be elided
  ::operator delete(p);
  CHECK(g_allocations.load() == before + 1);
}

TEST_CASE("answering queries of every kind allocates nothing") {
  Fixture f;
  const std::vector<Case> cases = every_kind();
  std::vector<uint8_t> out(65535);
  // Warm-up outside the measured window, and a look at what the cases produce.
  size_t answered = 0;
  for (const Case& c : cases) {
    answered +=
        f.answerer.answer(c.query.data(), c.query.size(), out.data(), out.size(), c.transport) > 0;
  }
  REQUIRE(answered == cases.size() - 1);  // all but the QR=1 one

  constexpr int kRounds = 10000;
  size_t total_bytes = 0;
  const unsigned long before = g_allocations.load();
  for (int round = 0; round < kRounds; ++round) {
    for (const Case& c : cases) {
      total_bytes +=
          f.answerer.answer(c.query.data(), c.query.size(), out.data(), out.size(), c.transport);
    }
  }
  const unsigned long after = g_allocations.load();
  CHECK(after - before == 0);
  CHECK(total_bytes > 0);
}

TEST_CASE("signed queries allocate nothing either (OpenSSL's mallocs aside)") {
  namespace tt = rdnsd::tsig::testing;
  Fixture f;
  f.config.keys = std::make_shared<const rdnsd::tsig::Keyring>(tt::all_keys());
  std::vector<std::vector<uint8_t>> queries;
  for (auto a : tt::kLdnsAlgorithms) {
    queries.push_back(tt::sign_ldns(q("2.2.0.192.in-addr.arpa.").build(), tt::key_name_for(a), a));
  }
  // BADKEY and BADSIG answers.
  queries.push_back(tt::sign_ldns(q("2.2.0.192.in-addr.arpa.").build(), "other.",
                                  rdnsd::tsig::Algorithm::HmacSha256));
  queries.push_back(queries[0]);
  queries.back()[queries.back().size() - 10] ^= 1;
  std::vector<uint8_t> out(65535);
  size_t total_bytes = 0;
  const unsigned long before = g_allocations.load();
  for (int round = 0; round < 200; ++round) {
    for (const auto& query : queries) {
      total_bytes +=
          f.answerer.answer(query.data(), query.size(), out.data(), out.size(), Transport::Udp);
    }
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(total_bytes > 0);
}

TEST_CASE("queries with DNS Cookies allocate nothing: client only, valid, bad, slipped") {
  Fixture f;
  f.config.clock = [] { return uint64_t(1559731985); };
  const uint8_t ip[4] = {198, 51, 100, 100};
  const ClientIp client{ip, 4};
  const std::string client_cookie("\x24\x64\xc4\xab\xcf\x10\xc9\x57", 8);
  // A valid server cookie: the first answer's.
  std::vector<uint8_t> out(65535);
  const std::vector<uint8_t> first = q("2.2.0.192.in-addr.arpa.").option(10, client_cookie).build();
  const size_t n =
      f.answerer.answer(first.data(), first.size(), out.data(), out.size(), Transport::Udp, client);
  REQUIRE(n > 28);
  const std::string full(reinterpret_cast<const char*>(out.data()) + n - 24, 24);
  std::string bad = full;
  bad.back() ^= 1;
  const std::vector<std::vector<uint8_t>> queries = {
      first, q("2.2.0.192.in-addr.arpa.").option(10, full).build(),
      q("2.2.0.192.in-addr.arpa.").option(10, bad).build(),
      q("99.2.0.192.in-addr.arpa.").option(10, full).build()};
  size_t total_bytes = 0;
  const unsigned long before = g_allocations.load();
  for (int round = 0; round < 1000; ++round) {
    for (const auto& query : queries) {
      total_bytes += f.answerer.answer(query.data(), query.size(), out.data(), out.size(),
                                       Transport::Udp, client);
      total_bytes += f.answerer.outcome().name.size();
      total_bytes += f.answerer.slip();
    }
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(total_bytes > 0);
}
