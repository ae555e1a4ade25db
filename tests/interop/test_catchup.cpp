// A secondary stopped while rdnsd keeps changing catches up when it starts again, from
// the state it kept (knotd: its journal; named: its zone file; nsd: nothing, it transfers
// anew).
#include <string>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;

TYPE_TO_STRING(Knotd);
TYPE_TO_STRING(Nsd);
TYPE_TO_STRING(Named);

namespace {

bool in_sync(const Secondary& s, const Rdnsd& d) {
  return s.serial(kV4) == d.serial(kV4) && s.serial(kV6) == d.serial(kV6);
}

void changes(const Rdnsd& d, int from, int count) {
  for (int i = from; i < from + count; ++i) {
    must(d.rdnsctl(
        {"set", "192.0.2." + std::to_string(100 + i), "c-" + std::to_string(i) + ".example.net."}));
    if (i % 4 == 3) must(d.rdnsctl({"unset", "192.0.2." + std::to_string(100 + i - 2)}));
    if (i % 5 == 0) must(d.rdnsctl({"set", "2001:db8:c::" + std::to_string(i), "c6.example.net."}));
  }
}

}  // namespace

TEST_CASE_TEMPLATE("a secondary stopped during changes catches up when restarted", S, Knotd, Nsd,
                   Named) {
  S s;
  Replication r;
  r.secondaries = {s.port()};
  Rdnsd d(rdnsd_options(r));
  INFO(all_logs(d, {&s}));
  s.start(secondary_options(d, r));
  REQUIRE_MESSAGE(s.wait_for([&] { return in_sync(s, d); }, Millis(10000)), "no first transfer");
  changes(d, 0, 10);
  REQUIRE(s.wait_for([&] { return in_sync(s, d); }, Millis(15000)));
  const uint32_t before = *s.serial(kV4);

  s.stop();
  changes(d, 10, 30);
  REQUIRE(d.serial(kV4) != before);
  s.start();
  CHECK(s.wait_for([&] { return in_sync(s, d); }, Millis(15000)));
  for (const char* zone : {kV4, kV6}) {
    INFO(zone);
    auto got = s.ptrs(zone);
    REQUIRE(got);
    const PtrSet want = exported_ptrs(d, zone);
    CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  }
  // The changes while it was down, and one after it is back.
  must(d.rdnsctl({"set", "192.0.2.250", "back.example.net."}));
  CHECK(s.wait_for([&] { return s.ptr("192.0.2.250") == "back.example.net."; }, Millis(15000)));
}
