// Tests of `synthesize` (default PTR names): zone-defaults and zones, a zone's own
// replacing the default, `false` switching it off, and each error with its line.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;

namespace {

// Lines 7..9 after kHead.
const std::string kDefaults =
    "zone-defaults:\n"
    "  ns: [ns1.example.net.]\n"
    "  soa: {rname: h.example.}\n";

}  // namespace

TEST_CASE("synthesize: inherited, a zone's own, or switched off") {
  const Config c = load(kHead + kDefaults +
                        "  synthesize: { template: \"ip-{dashed}.dyn.example.net.\" }\n"
                        "zones:\n"
                        "  - prefix: 192.0.2.0/24\n"
                        "  - prefix: 198.51.100.0/24\n"
                        "    synthesize: { template: \"h{4}.pool.example.\", ttl: 60, in-transfer: "
                        "true }\n"
                        "  - prefix: 203.0.113.0/24\n"
                        "    synthesize: false\n"
                        "  - prefix: 2001:db8::/32\n");
  REQUIRE(c.zones.size() == 4);
  REQUIRE(c.zones[0].synthesize);
  CHECK(c.zones[0].synthesize->tmpl == "ip-{dashed}.dyn.example.net.");
  CHECK(c.zones[0].synthesize->ttl == 300);
  CHECK_FALSE(c.zones[0].synthesize->in_transfer);
  REQUIRE(c.zones[1].synthesize);
  CHECK(c.zones[1].synthesize->tmpl == "h{4}.pool.example.");
  CHECK(c.zones[1].synthesize->ttl == 60);
  CHECK(c.zones[1].synthesize->in_transfer);
  CHECK_FALSE(c.zones[2].synthesize);
  REQUIRE(c.zones[3].synthesize);
  CHECK(c.zones[3].synthesize->tmpl == "ip-{dashed}.dyn.example.net.");
  CHECK_FALSE(load(kHead + kDefaults + "zones:\n  - prefix: 192.0.2.0/24\n").zones[0].synthesize);
}

TEST_CASE("synthesize: bad templates and settings are refused with their line") {
  const std::string z = "zones:\n  - prefix: 192.0.2.0/24\n    synthesize:\n";
  check_error(kHead + kDefaults + z + "      template: \"ip-{dotted}.example.\"\n", 13,
              "unknown placeholder '{dotted}'");
  check_error(kHead + kDefaults + z + "      template: \"ip-{dashed}.example\"\n", 13,
              "must be an absolute name");
  check_error(kHead + kDefaults + z + "      template: \"ip_{dashed}.example.\"\n", 13,
              "valid host name");
  check_error(kHead + kDefaults + z + "      ttl: 60\n", 13, "has no template");
  check_error(kHead + kDefaults + z + "      { template: \"a{1}.example.\", bogus: x. }\n", 13,
              "unknown key 'bogus'");
  check_error(kHead + kDefaults + z + "      { template: \"a{1}.example.\", ttl: -5 }\n", 13,
              "zones[0].synthesize.ttl must be");
  check_error(kHead + kDefaults + "zones:\n  - prefix: 192.0.2.0/24\n    synthesize: true\n", 12,
              "must be a map");
  // An IPv4 octet in an IPv6 zone, inherited or its own.
  check_error(kHead + kDefaults + "  synthesize: { template: \"h{4}.example.\" }\n" +
                  "zones:\n  - prefix: 2001:db8::/32\n",
              10, "zone 2001:db8::/32: zone-defaults.synthesize.template: {4} names an IPv4 octet");
  check_error(kHead + kDefaults + "zones:\n  - prefix: 2001:db8::/32\n" +
                  "    synthesize: { template: \"h{1}.example.\" }\n",
              12, "IPv6 zone");
  // in-transfer: IPv4 zones of /16 or longer only.
  check_error(kHead + kDefaults + "zones:\n  - prefix: 2001:db8::/32\n" +
                  "    synthesize: { template: \"h{hex}.example.\", in-transfer: true }\n",
              12, "in-transfer needs an IPv4 zone of /16 or longer");
  check_error(kHead + kDefaults + "zones:\n  - prefix: 10.0.0.0/8\n" +
                  "    synthesize: { template: \"h{hex}.example.\", in-transfer: true }\n",
              12, "in-transfer needs an IPv4 zone");
}

TEST_CASE("synthesize.forward: the zone the template ends in, naming whole addresses") {
  const Config c = load(kHead + kDefaults +
                        "zones:\n  - prefix: 192.0.2.0/24\n"
                        "    synthesize: { template: \"ip-{dashed}.Dyn.Example.NET.\", forward: "
                        "Dyn.Example.NET. }\n");
  REQUIRE(c.zones[0].synthesize);
  CHECK(c.zones[0].synthesize->forward == "dyn.example.net.");
  const std::string z = "zones:\n  - prefix: 192.0.2.0/24\n    synthesize:\n";
  check_error(kHead + kDefaults + z +
                  "      { template: \"ip-{dashed}.dyn.example.net.\", forward: other.net. }\n",
              13, "must be a name below it (end in .other.net.)");
  check_error(kHead + kDefaults + z +
                  "      { template: \"ip-{dashed}.2.0.192.in-addr.arpa.\", forward: "
                  "2.0.192.in-addr.arpa. }\n",
              13, "is a reverse name");
  check_error(kHead + kDefaults + z +
                  "      { template: \"ip-{dashed}.dyn.example.net.\", forward: \"a..b.\" }\n",
              13, "is no domain name");
  // {4} alone does not name the whole address.
  check_error(kHead + kDefaults + z +
                  "      { template: \"h{4}.dyn.example.net.\", forward: dyn.example.net. }\n",
              13, ".forward needs a template that names the whole address");
}
