// The forward names of synthesized PTRs (docs/SYNTHESIS.md "Forward names"): with
// `synthesize.forward: dyn.example.net.` rdnsd is authoritative for that zone and
// answers A/AAAA for the synthesized name of every served address without a record, so
// that `dig -x` and then `dig` of the name it gives round trip (forward-confirmed reverse
// DNS). An address with its own record has no forward name; names that are not the
// canonical rendering of an address, and addresses outside the served zones, are
// NXDOMAIN; other types at a forward name are NODATA with the zone's SOA.
#include <string>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

RdnsdOptions options() {
  RdnsdOptions o;
  o.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
      "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
      "zone-defaults:\n"
      "  ns: [ns1.example.net.]\n"
      "  soa: { rname: hostmaster.example.net., mname: ns1.example.net., ttl: 3600, minimum: 300 "
      "}\n"
      "  synthesize: { template: \"ip-{dashed}.dyn.example.net.\", ttl: 300, forward: "
      "dyn.example.net. }\n"
      "zones:\n"
      "  - prefix: 192.0.2.0/24\n"
      "    records:\n"
      "      - { ip: 192.0.2.1, name: gw.example.net. }\n"
      "  - prefix: 2001:db8:1234:5600::/56\n";
  return o;
}

}  // namespace

TEST_CASE("the synthesized PTR of an unset address round trips through its forward name") {
  Rdnsd d{options()};
  for (const std::string ip : {"192.0.2.7", "2001:db8:1234:5600::7"}) {
    DigResult r = d.dig({"-x", ip});
    INFO(r.describe());
    REQUIRE(r.answers("PTR").size() == 1);
    const std::string name = r.answers("PTR")[0].rdata;
    const std::string type = ip.find(':') == std::string::npos ? "A" : "AAAA";
    DigResult f = d.dig({name, type});
    INFO(f.describe());
    CHECK(f.status == "NOERROR");
    CHECK(f.has_flag("aa"));
    REQUIRE(f.answers(type).size() == 1);
    CHECK(f.answers(type)[0].rdata == ip);
    CHECK(f.answers(type)[0].ttl == 300);
  }
  // Owner names in any case.
  DigResult upper = d.dig({"IP-192-0-2-7.DYN.EXAMPLE.NET.", "A"});
  INFO(upper.describe());
  REQUIRE(upper.answers("A").size() == 1);
  CHECK(upper.answers("A")[0].rdata == "192.0.2.7");
}

TEST_CASE("the forward zone has its SOA and NS, other types and the other family are NODATA") {
  Rdnsd d{options()};
  DigResult soa = d.dig({"dyn.example.net.", "SOA"});
  INFO(soa.describe());
  REQUIRE(soa.answers("SOA").size() == 1);
  CHECK(soa.has_flag("aa"));
  DigResult ns = d.dig({"dyn.example.net.", "NS"});
  INFO(ns.describe());
  REQUIRE(ns.answers("NS").size() == 1);
  CHECK(ns.answers("NS")[0].rdata == "ns1.example.net.");
  for (const auto& q :
       std::vector<std::vector<std::string>>{{"ip-192-0-2-7.dyn.example.net.", "AAAA"},
                                             {"ip-192-0-2-7.dyn.example.net.", "MX"},
                                             {"ip-2001-db8-1234-5600--7.dyn.example.net.", "A"}}) {
    DigResult r = d.dig(q);
    INFO(r.describe());
    CHECK(r.status == "NOERROR");
    CHECK(r.answer.empty());
    REQUIRE(r.authority.size() == 1);
    CHECK(r.authority[0].type == "SOA");
  }
}

TEST_CASE("addresses with a record, unserved addresses and non-canonical names are NXDOMAIN") {
  Rdnsd d{options()};
  for (const std::string name :
       {"ip-192-0-2-1.dyn.example.net.",                   // has its own PTR
        "ip-198-51-100-7.dyn.example.net.",                // no zone serves it
        "ip-192-0-2-07.dyn.example.net.",                  // a leading zero
        "ip-2001-db8-1234-5600-0-0-0-7.dyn.example.net.",  // not as {dashed} writes it
        "mail.dyn.example.net."}) {
    DigResult r = d.dig({name, "A"});
    INFO(r.describe());
    CHECK(r.status == "NXDOMAIN");
    CHECK(r.has_flag("aa"));
  }
  // Set, the forward name goes; unset, it comes back.
  must(d.rdnsctl({"set", "192.0.2.7", "seven.example.net."}));
  CHECK(d.dig({"ip-192-0-2-7.dyn.example.net.", "A"}).status == "NXDOMAIN");
  must(d.rdnsctl({"unset", "192.0.2.7"}));
  DigResult back = d.dig({"ip-192-0-2-7.dyn.example.net.", "A"});
  INFO(back.describe());
  REQUIRE(back.answers("A").size() == 1);
}
