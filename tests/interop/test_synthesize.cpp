// A zone whose synthesized PTR names go out in its transfers (`synthesize.in-transfer`,
// docs/SYNTHESIS.md), replicated to knotd and nsd, which cannot synthesize them
// themselves: each secondary answers the synthesized name of an unset address, the
// record once one is set (the zone's IXFR is answered AXFR-style), and the synthesized
// name again once it is unset.
#include <string>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;

namespace {

constexpr const char* kPool = "100.51.198.in-addr.arpa.";  // 198.51.100.0/24
constexpr Millis kSync{15000};

struct PoolSecondaries {
  Knotd knotd;
  Nsd nsd;
  Replication replication;
  std::unique_ptr<Rdnsd> rdnsd;

  PoolSecondaries() {
    replication.secondaries = {knotd.port(), nsd.port()};
    replication.more_zones =
        "  - prefix: 198.51.100.0/24\n"
        "    ns: [ns1.example.net., ns2.example.net.]\n"
        "    soa: { mname: ns1.example.net., rname: hostmaster.example.net., refresh: 2, "
        "retry: 1, expire: 600, minimum: 60, ttl: 60 }\n"
        "    synthesize: { template: \"host-{4}.pool.example.net.\", ttl: 120, in-transfer: "
        "true }\n"
        "    records:\n"
        "      - { ip: 198.51.100.1, name: gw.example.net. }\n";
    rdnsd = std::make_unique<Rdnsd>(rdnsd_options(replication));
    SecondaryOptions o = secondary_options(*rdnsd, replication);
    o.zones.push_back(kPool);
    knotd.start(o);
    nsd.start(o);
  }
  std::string logs() const { return all_logs(*rdnsd, {&knotd, &nsd}); }
  bool in_sync() const {
    const uint32_t want = rdnsd->serial(kPool);
    return knotd.serial(kPool) == want && nsd.serial(kPool) == want;
  }
};

}  // namespace

TEST_CASE("knotd and nsd serve an in-transfer zone's synthesized names, then the records") {
  PoolSecondaries t;
  INFO(t.logs());
  REQUIRE(wait_until([&] { return t.in_sync(); }, kSync));

  for (Secondary* s : {static_cast<Secondary*>(&t.knotd), static_cast<Secondary*>(&t.nsd)}) {
    INFO(s->name());
    CHECK(s->ptr("198.51.100.1") == "gw.example.net.");
    CHECK(s->ptr("198.51.100.7") == "host-7.pool.example.net.");
    CHECK(s->ptr("198.51.100.0") == "host-0.pool.example.net.");
    CHECK(s->ptr("198.51.100.255") == "host-255.pool.example.net.");
    // The TTL the secondary got is the synthesized one.
    auto r = s->dig({"-x", "198.51.100.7"});
    REQUIRE(r.answer.size() == 1);
    CHECK(r.answer[0].ttl == 120);
    auto got = s->ptrs(kPool);
    REQUIRE(got);
    CHECK(got->size() == 256);  // every address once: the record hides its synthesized name
    CHECK(got->count({"1.100.51.198.in-addr.arpa.", "gw.example.net."}) == 1);
    CHECK(got->count({"1.100.51.198.in-addr.arpa.", "host-1.pool.example.net."}) == 0);
  }

  // A record set by rdnsctl replaces the synthesized name on both secondaries.
  must(t.rdnsd->rdnsctl({"set", "198.51.100.7", "printer.example.net."}));
  REQUIRE(wait_until([&] { return t.in_sync(); }, kSync));
  for (Secondary* s : {static_cast<Secondary*>(&t.knotd), static_cast<Secondary*>(&t.nsd)}) {
    INFO(s->name());
    CHECK(s->ptr("198.51.100.7") == "printer.example.net.");
    auto got = s->ptrs(kPool);
    REQUIRE(got);
    CHECK(got->size() == 256);
    CHECK(got->count({"7.100.51.198.in-addr.arpa.", "host-7.pool.example.net."}) == 0);
  }

  // Unset: the synthesized name comes back, and no address is left without a name.
  must(t.rdnsd->rdnsctl({"unset", "198.51.100.7"}));
  REQUIRE(wait_until([&] { return t.in_sync(); }, kSync));
  for (Secondary* s : {static_cast<Secondary*>(&t.knotd), static_cast<Secondary*>(&t.nsd)}) {
    INFO(s->name());
    CHECK(s->ptr("198.51.100.7") == "host-7.pool.example.net.");
    auto got = s->ptrs(kPool);
    REQUIRE(got);
    CHECK(got->size() == 256);
  }
  // knotd logs the kind of each transfer: the changes came AXFR-style, as the docs say.
  TransferKinds k = t.knotd.transfers();
  INFO(k.lines.size() << " transfers");
  CHECK(k.ixfr == 0);
}
