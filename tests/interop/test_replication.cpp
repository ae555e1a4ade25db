// knotd, nsd and named as TSIG-keyed secondaries of one rdnsd: the first transfer,
// following rdnsctl's changes, and holding exactly what rdnsd exports after many of them.
// SOA refresh is 2 s here, so that these hold with or without NOTIFY (test_notify.cpp
// is the one that needs it).
#include <iostream>
#include <string>
#include <vector>

#include "tests/interop/support/three.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;

namespace {

// Polling alone: a refresh every 2 s (named adds jitter), plus the transfer.
constexpr Millis kPollLimit{15000};

std::string describe(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

std::string kinds(const Secondary& s) {
  TransferKinds k = s.transfers();
  std::string out = s.name() + ": " + std::to_string(k.lines.size()) + " transfers";
  if (k.known)
    out += " (" + std::to_string(k.ixfr) + " IXFR, " + std::to_string(k.axfr) + " AXFR)";
  else
    out += " (its log does not say IXFR or AXFR)";
  for (const auto& l : k.lines) out += "\n  " + l;
  return out;
}

// Straight to stdout: doctest's MESSAGE would repeat the logs of the INFO in scope.
void print_kinds(const Secondary& s) {
  std::cout << "[" << doctest::getContextOptions()->currentTest->m_name << "] " << kinds(s)
            << std::endl;
}

// 100 changes over both zones: new records, replacements, and removals of earlier ones.
void hundred_changes(const Rdnsd& d) {
  std::vector<std::string> added;  // the new IPv4 records, oldest first, to unset some
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 9 && !added.empty()) {
      must(d.rdnsctl({"unset", added.front()}));
      added.erase(added.begin());
    } else if (i % 7 == 0) {
      must(d.rdnsctl({"set", "192.0.2.1", "gw-" + std::to_string(i) + ".example.net."}));
    } else if (i % 3 == 0) {
      must(d.rdnsctl({"set", "2001:db8:5::" + std::to_string(i),
                      "v6-" + std::to_string(i) + ".example.net."}));
    } else {
      added.push_back("192.0.2." + std::to_string(100 + i));
      must(d.rdnsctl({"set", added.back(), "host-" + std::to_string(i) + ".example.net."}));
    }
  }
  must(d.rdnsctl({"unset", "2001:db8:1:2::5"}));
}

}  // namespace

TEST_CASE("knotd, nsd and named transfer both zones from rdnsd with TSIG at start") {
  ThreeSecondaries t;
  INFO(t.logs());
  auto behind = t.wait_in_sync(Millis(10000));
  REQUIRE_MESSAGE(behind.empty(), "not in sync: " << describe(behind));
  for (Secondary* s : t.all()) {
    INFO(s->name());
    CHECK(s->serial(kV4) == t.rdnsd->serial(kV4));
    CHECK(s->serial(kV6) == t.rdnsd->serial(kV6));
    CHECK(s->ptr("192.0.2.1") == "gw.example.net.");
    CHECK(s->ptr("192.0.2.10") == "www.example.net.");
    CHECK(s->ptr("2001:db8:1:2::5") == "host5.example.net.");
    CHECK(s->ptr("192.0.2.99") == "NXDOMAIN");
    auto got = s->ptrs(kV4);
    REQUIRE(got);
    const PtrSet want = exported_ptrs(*t.rdnsd, kV4);
    CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  }
}

TEST_CASE("knotd, nsd and named answer a record set, replaced and unset by rdnsctl") {
  ThreeSecondaries t;
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  must(t.rdnsd->rdnsctl({"set", "192.0.2.77", "seventy-seven.example.net."}));
  must(t.rdnsd->rdnsctl({"set", "192.0.2.1", "new-gw.example.net."}));
  must(t.rdnsd->rdnsctl({"unset", "192.0.2.10"}));
  must(t.rdnsd->rdnsctl({"set", "2001:db8:7::7", "seven6.example.net."}));
  auto behind = t.wait_in_sync(kPollLimit);
  REQUIRE_MESSAGE(behind.empty(), "not in sync: " << describe(behind));
  for (Secondary* s : t.all()) {
    INFO(s->name());
    CHECK(s->ptr("192.0.2.77") == "seventy-seven.example.net.");
    CHECK(s->ptr("192.0.2.1") == "new-gw.example.net.");
    CHECK(s->ptr("192.0.2.10") == "NXDOMAIN");
    CHECK(s->ptr("2001:db8:7::7") == "seven6.example.net.");
  }
}

TEST_CASE("after 100 changes knotd, nsd and named hold exactly what rdnsctl export holds") {
  ThreeSecondaries t;
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  hundred_changes(*t.rdnsd);
  auto behind = t.wait_in_sync(kPollLimit);
  REQUIRE_MESSAGE(behind.empty(), "not in sync: " << describe(behind));
  for (const char* zone : {kV4, kV6}) {
    const PtrSet want = exported_ptrs(*t.rdnsd, zone);
    CHECK(want.size() > 2);
    for (Secondary* s : t.all()) {
      INFO(s->name() << " " << zone);
      auto got = s->ptrs(zone);
      REQUIRE(got);
      CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
    }
  }
  for (Secondary* s : t.all()) print_kinds(*s);
}

// Needs the IXFR journal: until then every change comes as an AXFR-style answer.
TEST_CASE("IXFR journal: knotd and named get a change after the first transfer as IXFR") {
  ThreeSecondaries t;
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  must(t.rdnsd->rdnsctl({"set", "192.0.2.55", "fifty-five.example.net."}));
  must(t.rdnsd->rdnsctl({"unset", "192.0.2.10"}));
  REQUIRE(t.wait_in_sync(kPollLimit).empty());
  for (Secondary* s : {static_cast<Secondary*>(&t.knotd), static_cast<Secondary*>(&t.named)}) {
    INFO(kinds(*s));
    TransferKinds k = s->transfers();
    CHECK(k.ixfr >= 1);
    CHECK(s->ptr("192.0.2.55") == "fifty-five.example.net.");
    CHECK(s->ptr("192.0.2.10") == "NXDOMAIN");
  }
  print_kinds(t.nsd);
}

// The same without TSIG (secondaries allowed by address): tells a TSIG failure above from
// one of the transfers themselves.
TEST_CASE("without TSIG: knotd, nsd and named transfer, follow 100 changes and match the export") {
  ThreeSecondaries t(2, std::nullopt);
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  hundred_changes(*t.rdnsd);
  auto behind = t.wait_in_sync(kPollLimit);
  REQUIRE_MESSAGE(behind.empty(), "not in sync: " << describe(behind));
  for (const char* zone : {kV4, kV6}) {
    const PtrSet want = exported_ptrs(*t.rdnsd, zone);
    for (Secondary* s : t.all()) {
      INFO(s->name() << " " << zone);
      auto got = s->ptrs(zone);
      REQUIRE(got);
      CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
    }
  }
  for (Secondary* s : t.all()) print_kinds(*s);
}
