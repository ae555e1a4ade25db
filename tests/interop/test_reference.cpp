// The fixtures' own test: knotd, nsd and named as secondaries of knotd, a primary known to
// work. It shows what the rdnsd tests expect of each secondary (first transfer, NOTIFY
// within 2 s, IXFR, the log lines the fixtures read), so that a failure there points at
// rdnsd and not at the fixtures.
#include <string>

#include "tests/interop/support/interop.h"
#include "tests/interop/support/knot_primary.h"

using namespace rdnsd::interop;

namespace {

const char* const kZone = "2.0.192.in-addr.arpa.";

}  // namespace

TEST_CASE("reference: knotd, nsd and named follow knotd as primary by NOTIFY and IXFR") {
  Knotd knotd;
  Nsd nsd;
  Named named;
  Secondary* all[] = {&knotd, &nsd, &named};
  KnotPrimary primary(kZone, {knotd.port(), nsd.port(), named.port()}, test_key());
  INFO(primary.logs() << knotd.logs() << nsd.logs() << named.logs());
  for (Secondary* s : all) s->start({{kZone}, primary.port(), test_key(), ""});
  for (Secondary* s : all) {
    INFO(s->name());
    CHECK(s->wait_for([&] { return s->serial(kZone) == 1u; }, Millis(10000)));
    CHECK(s->ptr("192.0.2.1") == "gw.example.net.");
  }
  for (uint32_t serial = 2; serial <= 3; ++serial) {
    const std::string name = "changed-" + std::to_string(serial) + ".example.net.";
    primary.set("1", name);
    REQUIRE(primary.serial() == serial);
    for (Secondary* s : all) {
      INFO(s->name() << " serial " << serial);
      // Refresh is an hour: only NOTIFY brings the change this soon.
      CHECK(s->wait_for([&] { return s->serial(kZone) == serial; }, Millis(2000)));
      CHECK(s->ptr("192.0.2.1") == name);
    }
  }
  for (Secondary* s : {static_cast<Secondary*>(&knotd), static_cast<Secondary*>(&named)}) {
    TransferKinds k = s->transfers();
    INFO(s->name());
    CHECK(k.known);
    CHECK(k.axfr == 1);  // the first one
    CHECK(k.ixfr == 2);
  }
  CHECK(nsd.transfers().lines.size() == 3);
  for (Secondary* s : all) {
    INFO(s->name());
    auto got = s->ptrs(kZone);
    REQUIRE(got);
    const PtrSet want{{"1.2.0.192.in-addr.arpa.", "changed-3.example.net."}};
    CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  }
}
