// NOTIFY (RFC 1996) from rdnsd to its secondaries after each change. SOA refresh is an
// hour here: a secondary that is in sync within 2 s was told, it did not poll.
#include <chrono>
#include <string>
#include <vector>

#include "tests/interop/support/three.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;

namespace {

constexpr Millis kNotifyLimit{2000};

std::string describe(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// For a failure message (evaluated only then): whether those behind catch up later all
// the same (a NOTIFY lost or ignored, then a refresh or a retry) or not at all.
std::string late(ThreeSecondaries& t) {
  auto behind = t.wait_in_sync(Millis(10000));
  return behind.empty() ? " (all in sync within 10 s more)"
                        : " (still behind 10 s later: " + describe(behind) + ")";
}

}  // namespace

TEST_CASE("NOTIFY: knotd, nsd and named serve a change within 2 s of rdnsctl set") {
  ThreeSecondaries t(3600);
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  for (int round = 0; round < 2; ++round) {
    const std::string ip = "192.0.2." + std::to_string(50 + round);
    const std::string name = "notified-" + std::to_string(round) + ".example.net.";
    must(t.rdnsd->rdnsctl({"set", ip, name}));
    must(t.rdnsd->rdnsctl({"set", "2001:db8:9::" + std::to_string(round), name}));
    auto behind = t.wait_in_sync(kNotifyLimit);
    CHECK_MESSAGE(behind.empty(),
                  "round " << round << ", not in sync after 2 s: " << describe(behind) << late(t));
    for (Secondary* s : t.all()) CHECK_MESSAGE(s->ptr(ip) == name, s->name());
  }
  // Each one says it was notified, with the key (knotd's ACL wants the key on NOTIFY).
  CHECK(t.knotd.logs().find("notify, incoming, remote 127.0.0.1") != std::string::npos);
  CHECK(t.knotd.logs().find("denied") == std::string::npos);
  CHECK(t.named.logs().find("received notify for zone '2.0.192.in-addr.arpa': TSIG 'xfr-key'") !=
        std::string::npos);
  CHECK(t.nsd.logs().find("notify for 2.0.192.in-addr.arpa. from 127.0.0.1") != std::string::npos);
}

TEST_CASE("NOTIFY: after 50 quick changes knotd, nsd and named are in sync within 2 s") {
  ThreeSecondaries t(3600);
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  for (int i = 0; i < 50; ++i)
    must(t.rdnsd->rdnsctl({"set", "192.0.2." + std::to_string(100 + i),
                           "quick-" + std::to_string(i) + ".example.net."}));
  auto behind = t.wait_in_sync(kNotifyLimit);
  CHECK_MESSAGE(behind.empty(),
                "not in sync 2 s after the last change: " << describe(behind) << late(t));
  for (Secondary* s : t.all()) {
    INFO(s->name());
    auto got = s->ptrs(kV4);
    REQUIRE(got);
    const PtrSet want = exported_ptrs(*t.rdnsd, kV4);
    CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  }
}

// NOTIFY unsigned, to secondaries without a key: tells a TSIG failure from a NOTIFY one.
TEST_CASE("NOTIFY without TSIG: knotd, nsd and named serve a change within 2 s") {
  ThreeSecondaries t(3600, std::nullopt);
  INFO(t.logs());
  REQUIRE_MESSAGE(t.wait_in_sync(Millis(10000)).empty(), "no first transfer");
  must(t.rdnsd->rdnsctl({"set", "192.0.2.60", "unsigned-notify.example.net."}));
  auto behind = t.wait_in_sync(kNotifyLimit);
  CHECK_MESSAGE(behind.empty(), "not in sync after 2 s: " << describe(behind) << late(t));
  for (Secondary* s : t.all())
    CHECK_MESSAGE(s->ptr("192.0.2.60") == "unsigned-notify.example.net.", s->name());
}
