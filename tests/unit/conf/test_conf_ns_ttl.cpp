// Tests of ns-ttl (the apex NS RRset's TTL): absent means the SOA TTL, zone-defaults'
// value is inherited, a zone's own wins, and bad values fail with their line.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;

TEST_CASE("ns-ttl: absent, inherited from zone-defaults, or the zone's own") {
  const Config none = load(kHead +
                           "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example., "
                           "ttl: 900}}\nzones:\n  - prefix: 192.0.2.0/24\n");
  CHECK_FALSE(none.zone_defaults.ns_ttl);
  REQUIRE(none.zones.size() == 1);
  CHECK_FALSE(none.zones[0].ns_ttl);
  CHECK(none.zones[0].soa.ttl == 900);

  const Config c = load(kHead +
                        "zone-defaults:\n"
                        "  ns: [ns1.example.net.]\n"
                        "  soa: {rname: h.example., ttl: 900}\n"
                        "  ns-ttl: 3600\n"
                        "zones:\n"
                        "  - prefix: 192.0.2.0/24\n"
                        "  - prefix: 198.51.100.0/24\n"
                        "    ns-ttl: 86400\n"
                        "  - prefix: 203.0.113.0/24\n"
                        "    ns-ttl: 0\n");
  CHECK(c.zone_defaults.ns_ttl == 3600u);
  REQUIRE(c.zones.size() == 3);
  CHECK(c.zones[0].ns_ttl == 3600u);
  CHECK(c.zones[1].ns_ttl == 86400u);
  CHECK(c.zones[2].ns_ttl == 0u);
  CHECK(c.zones[0].soa.ttl == 900);
}

TEST_CASE("ns-ttl: bad values are refused with their line") {
  const std::string d = kHead + "zone-defaults:\n  ns: [ns1.example.net.]\n  soa: {rname: h.}\n";
  check_error(d + "  ns-ttl: -1\n", 10, "zone-defaults.ns-ttl must be");
  check_error(d + "  ns-ttl: 2147483648\n", 10, "zone-defaults.ns-ttl must be");
  check_error(d + "  ns-ttl: an hour\n", 10, "zone-defaults.ns-ttl must be an integer");
  check_error(d + "zones:\n  - prefix: 192.0.2.0/24\n    ns-ttl: [1]\n", 12,
              "zones[0].ns-ttl must be an integer");
  check_error(d + "zones:\n  - prefix: 192.0.2.0/24\n    ns_ttl: 60\n", 12, "unknown key 'ns_ttl'");
}
