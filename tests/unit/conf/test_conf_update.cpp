// Tests of allow-update (DNS UPDATE, docs/UPDATE.md): zone-defaults and zones, the
// inheritance rule (a zone's list replaces the default list), and each error with its
// line and reason.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;

namespace {

// Lines 7..14 after kHead: two keys.
const std::string kKeys =
    "tsig-keys:\n"
    "  - name: ddns-key\n"
    "    algorithm: hmac-sha256\n"
    "    secret: c2VjcmV0\n"
    "  - name: Other.Key.\n"
    "    algorithm: hmac-sha512\n"
    "    secret: c2VjcmV0\n";

rdnsd::names::Prefix prefix(const std::string& text) {
  return *rdnsd::names::parse_prefix(text);
}

}  // namespace

TEST_CASE("allow-update: nobody may update unless the file says so") {
  const Config c = load(kHead +
                        "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example.}}\n"
                        "zones:\n  - prefix: 192.0.2.0/24\n");
  CHECK(c.zone_defaults.allow_update.empty());
  REQUIRE(c.zones.size() == 1);
  CHECK(c.zones[0].allow_update.empty());
}

TEST_CASE("allow-update in zone-defaults and zones: a zone's list replaces the default one") {
  const Config c = load(kHead + kKeys +
                        "zone-defaults:\n"
                        "  ns: [ns1.example.net.]\n"
                        "  soa: {rname: h.example.}\n"
                        "  allow-update:\n"
                        "    - { from: 127.0.0.1, key: ddns-key }\n"
                        "    - { from: \"2001:db8::/32\" }\n"
                        "zones:\n"
                        "  - prefix: 10.0.0.0/8\n"
                        "  - prefix: 172.16.0.0/16\n"
                        "    allow-update: [{ key: other.key }]\n"
                        "  - prefix: 192.168.0.0/16\n"
                        "    allow-update: []\n"
                        "  - prefix: 198.18.0.0/16\n"
                        "    allow-update:\n");  // empty: counts as absent
  const std::vector<UpdateAclConf> defaults = {{prefix("127.0.0.1/32"), "ddns-key."},
                                               {prefix("2001:db8::/32"), ""}};
  CHECK(c.zone_defaults.allow_update == defaults);
  REQUIRE(c.zones.size() == 4);
  CHECK(c.zones[0].allow_update == defaults);
  CHECK(c.zones[1].allow_update == std::vector<UpdateAclConf>{{std::nullopt, "other.key."}});
  CHECK(c.zones[2].allow_update.empty());
  CHECK(c.zones[3].allow_update == defaults);
  // allow-transfer is a list of its own: allow-update does not open transfers.
  for (const ZoneConf& z : c.zones) CHECK(z.allow_transfer.empty());
}

TEST_CASE("errors in allow-update, with their lines") {
  const std::string d = kHead + kKeys + "zone-defaults:\n  allow-update:\n";  // entries on 16
  check_error(kHead + "zone-defaults:\n  allow-update: {from: 192.0.2.0/24}\n", 8,
              "zone-defaults.allow-update must be a list");
  check_error(d + "    - 192.0.2.0/24\n", 16, "zone-defaults.allow-update[0] must be a map");
  check_error(d + "    - {}\n", 16, "zone-defaults.allow-update[0] must give from, key or both");
  check_error(d + "    - { from: 192.0.2.0/24, address: 192.0.2.1 }\n", 16,
              "unknown key 'address' in zone-defaults.allow-update[0] (expected from, key)");
  check_error(d + "    - { from: 192.0.2.1/24 }\n", 16,
              "zone-defaults.allow-update[0].from: '192.0.2.1/24' has host bits set");
  check_error(d + "    - { from: example.net }\n", 16,
              "zone-defaults.allow-update[0].from 'example.net' is not an address or a prefix");
  check_error(d + "    - { from: 192.0.2.0/24 }\n    - { key: none }\n", 17,
              "zone-defaults.allow-update[1].key 'none' is not in tsig-keys (ddns-key., "
              "other.key.)");
  check_error(kHead + "zone-defaults:\n  allow-update: [{key: k}]\n", 8,
              "zone-defaults.allow-update[0].key 'k' is not in tsig-keys (there are none)");
  check_error(kHead + kKeys +
                  "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example.}}\n"
                  "zones:\n  - prefix: 192.0.2.0/24\n    allow-update:\n      - {from: x}\n",
              18, "zones[0].allow-update[0].from 'x' is not an address or a prefix");
  check_error(kHead + "zone-defaults:\n  allow-updates: []\n", 8, "unknown key 'allow-updates'");
}
