// rdnsd.yaml(5) documents exactly the keys the loader accepts (conf/keys.h), and the
// loader accepts every one of them.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "conf/config.h"
#include "conf/keys.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd::conf;

namespace {

// The keys rdnsd.yaml(5) describes: its definition items, "*zones[].soa.mname*" alone
// on a line.
std::set<std::string> documented_keys() {
  std::ifstream in(std::string(RDNSD_SOURCE_DIR) + "/conf/rdnsd.yaml.5.scd");
  REQUIRE(in);
  std::set<std::string> out;
  const std::regex item(R"(\*([a-z][a-z0-9.\[\]-]*)\*)");
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_match(line, m, item)) CHECK_MESSAGE(out.insert(m[1]).second, m[1] << " twice");
  return out;
}

}  // namespace

TEST_CASE("rdnsd.yaml(5) describes every key the loader knows, and no other") {
  const std::set<std::string> documented = documented_keys();
  const auto known_list = known_keys();
  const std::set<std::string> known(known_list.begin(), known_list.end());
  REQUIRE(known.size() == known_list.size());
  for (const auto& k : known) CHECK_MESSAGE(documented.count(k), "not in rdnsd.yaml(5): " << k);
  for (const auto& k : documented)
    CHECK_MESSAGE(known.count(k), "rdnsd.yaml(5) describes an unknown key: " << k);
  CHECK(known.size() > 90);  // the table is not empty or cut short
}

TEST_CASE("the key table is what the loader checks: each listed key is accepted where listed") {
  // A key outside the table is refused, and its message lists the table's keys.
  const std::string e = testing::error_of(testing::kHead + "log: {colour: red}\n");
  CHECK(e.find("unknown key 'colour' in log (expected level, format)") != std::string::npos);
  const std::string s = testing::error_of(testing::kHead + "bogus: 1\n");
  std::string expected;
  for (auto k : keys_of(Section::Root)) expected += (expected.empty() ? "" : ", ") + std::string(k);
  CHECK(s.find("(expected " + expected + ")") != std::string::npos);
  // Every section's keys are accepted by the parser of that section: a file using many
  // of them at once loads.
  const std::string full = testing::kHead +
                           "log: {level: debug, format: json}\n"
                           "max-records: 10\n"
                           "fcrdns: {resolver: \"127.0.0.1:53\", timeout: 100}\n"
                           "tsig-keys:\n"
                           "  - {name: k, algorithm: hmac-sha256, secret: \"c2VjcmV0\"}\n"
                           "zone-defaults:\n"
                           "  ns: [ns1.example.]\n"
                           "  soa: {mname: ns1.example., rname: h.example., refresh: 1, retry: 1,"
                           " expire: 1, minimum: 1, ttl: 1}\n"
                           "  ttl: 5\n  serial-policy: unixtime\n  fcrdns: warn\n"
                           "  secondaries: [{address: 192.0.2.53, key: k}]\n"
                           "  allow-transfer: [{from: 192.0.2.0/24, key: k}]\n"
                           "  allow-update: [{from: 192.0.2.1, key: k}]\n"
                           "  journal: {max-depth: 5, max-size: 1M}\n"
                           "  status-timeout: 5\n"
                           "zones:\n"
                           "  - prefix: 192.0.2.0/24\n    max-records: 5\n"
                           "    records: [{ip: 192.0.2.1, name: a.example.}]\n"
                           "catalog: {zone: cat.example., secondaries: [{address: 192.0.2.54}]}\n";
  CHECK(testing::error_of(full) == "");
}
