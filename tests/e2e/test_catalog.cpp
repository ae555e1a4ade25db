// The catalog zone (RFC 9432) of a real rdnsd: its records by query and by AXFR, its
// serial stepping once for each change of the set of served zones (zone-add, zone-remove,
// a SIGHUP reconcile) and not for record writes, and kept across a restart.
#include <signal.h>

#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

constexpr const char* kCatalog = "catalog.rdnsd.";
const char* const kCatalogConfig =
    "zone-defaults:\n"
    "  ns: [ns1.example.net.]\n"
    "  soa: { rname: hostmaster.example.net., ttl: 60 }\n"
    "  allow-transfer: [{ from: 127.0.0.1 }]\n"
    "catalog:\n"
    "  zone: catalog.rdnsd.\n";

RdnsdOptions catalog_options(std::string zones = kDefaultZones) {
  RdnsdOptions o;
  o.zones = zones + kCatalogConfig;
  return o;
}

// The member apexes of the catalog, by kdig +tcp AXFR (with the member PTRs' owners
// checked to be under zones.).
std::set<std::string> members(const Rdnsd& d) {
  RunResult r =
      run({"kdig", "@127.0.0.1", "-p", std::to_string(d.port()), "+tcp", "AXFR", kCatalog});
  INFO(r.describe());
  REQUIRE(r.ok());
  REQUIRE(r.err.find("ERROR") == std::string::npos);
  std::set<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string owner, ttl, cls, type, target;
    if (!(f >> owner >> ttl >> cls >> type >> target) || type != "PTR") continue;
    CHECK(owner.size() == 16 + std::string(".zones.").size() + std::string(kCatalog).size());
    CHECK(owner.find(std::string(".zones.") + kCatalog) == 16);
    out.insert(target);
  }
  return out;
}

bool wait_serial(const Rdnsd& d, uint32_t want) {
  for (int i = 0; i < 100; ++i) {
    if (d.serial(kCatalog) == want) return true;
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

}  // namespace

TEST_CASE("the catalog answers its SOA, NS, version and members, authoritative over UDP and TCP") {
  Rdnsd d(catalog_options());
  INFO(d.logs());
  for (bool tcp : {false, true}) {
    std::vector<std::string> args{kCatalog, "SOA"};
    if (tcp) args.push_back("+tcp");
    auto soa = d.dig(args);
    INFO(soa.describe());
    CHECK(soa.status == "NOERROR");
    CHECK(soa.has_flag("aa"));
    REQUIRE(soa.answers("SOA").size() == 1);
    CHECK(soa.answers("SOA")[0].fields()[0] == "ns1.example.net.");
  }
  auto ns = d.dig({kCatalog, "NS"});
  REQUIRE(ns.answers("NS").size() == 1);
  CHECK(ns.answers("NS")[0].rdata == "invalid.");
  auto version = d.dig({std::string("version.") + kCatalog, "TXT"});
  REQUIRE(version.answers("TXT").size() == 1);
  CHECK(version.answers("TXT")[0].rdata == "\"2\"");
  auto ent = d.dig({std::string("zones.") + kCatalog, "PTR"});
  CHECK(ent.status == "NOERROR");
  CHECK(ent.answer.empty());
  auto nx = d.dig({std::string("nothing.zones.") + kCatalog, "PTR"});
  CHECK(nx.status == "NXDOMAIN");
  CHECK(nx.has_flag("aa"));
  CHECK(members(d) == std::set<std::string>{"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
                                            "8.b.d.0.1.0.0.2.ip6.arpa."});
}

TEST_CASE(
    "the catalog serial steps once per zone-set change, not for records, and survives restarts") {
  Rdnsd d(catalog_options());
  INFO(d.logs());
  const uint32_t s0 = d.serial(kCatalog);
  must(d.rdnsctl({"set", "192.0.2.77", "seventy-seven.example.net."}));
  CHECK(d.serial(kCatalog) == s0);

  must(d.rdnsctl({"zone-add", "203.0.113.0/24"}));
  CHECK(d.serial(kCatalog) == s0 + 1);
  CHECK(members(d).count("113.0.203.in-addr.arpa.") == 1);
  must(d.rdnsctl({"zone-remove", "203.0.113.0/24"}));
  CHECK(d.serial(kCatalog) == s0 + 2);
  CHECK(members(d).count("113.0.203.in-addr.arpa.") == 0);

  // A reload that stops serving 198.51.100.0/24: one more step.
  std::string zones = kDefaultZones;
  const auto from = zones.find("  - prefix: 198.51.100.0/24");
  const auto to = zones.find("  - prefix: \"2001:db8::/32\"");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  zones.erase(from, to - from);
  d.rewrite_config(catalog_options(zones));
  d.send_signal(SIGHUP);
  CHECK(wait_serial(d, s0 + 3));
  CHECK(members(d).count("100.51.198.in-addr.arpa.") == 0);

  d.restart();
  CHECK(d.serial(kCatalog) == s0 + 3);
  d.restart(catalog_options());  // served again
  CHECK(d.serial(kCatalog) == s0 + 4);
  CHECK(members(d).count("100.51.198.in-addr.arpa.") == 1);
}
