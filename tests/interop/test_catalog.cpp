// The catalog zone (RFC 9432, schema version 2): knotd (catalog-role: interpret) and
// named (catalog-zones) consume rdnsd's catalog over TSIG and serve its members with no
// zone of theirs configured; a zone-add appears on both, a zone-remove goes from both,
// with no change to their configs. SOA refresh is an hour: they move on NOTIFY.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;
using rdnsd::e2e::RunResult;

namespace {

constexpr const char* kCatalog = "catalog.rdnsd.";
constexpr const char* kAdded = "0.18.198.in-addr.arpa.";
constexpr Millis kFirstLimit{20000};
constexpr Millis kChangeLimit{10000};

struct CatalogSetup {
  Knotd knotd;
  Named named;
  Replication replication;
  std::unique_ptr<Rdnsd> rdnsd;

  CatalogSetup() {
    replication.secondaries = {knotd.port(), named.port()};
    replication.refresh = 3600;
    replication.catalog = kCatalog;
    rdnsd = std::make_unique<Rdnsd>(rdnsd_options(replication));
    SecondaryOptions o;
    o.primary_port = rdnsd->port();
    o.key = replication.key;
    o.catalog = kCatalog;
    for (Secondary* s : all()) s->start(o);
  }
  std::vector<Secondary*> all() { return {&knotd, &named}; }
  std::string logs() const { return all_logs(*rdnsd, {&knotd, &named}); }
  bool serves(const Secondary& s, const std::string& zone) const {
    return s.serial(zone) == rdnsd->serial(zone);
  }
  // Over TCP: knotd refuses UDP queries for a catalog it interprets.
  bool has_catalog(const Secondary& s) const {
    return s.serial(kCatalog, true) == rdnsd->serial(kCatalog);
  }
};

std::string ms(std::chrono::steady_clock::time_point since) {
  const auto d = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - since);
  return std::to_string(d.count()) + " ms";
}

}  // namespace

TEST_CASE("catalog: knotd and named follow zone-add and zone-remove with no config change") {
  CatalogSetup t;
  INFO(t.logs());
  // The catalog and both of its first members, from nothing but the catalog.
  auto start = std::chrono::steady_clock::now();
  for (Secondary* s : t.all()) {
    REQUIRE_MESSAGE(
        s->wait_for([&] { return t.has_catalog(*s) && t.serves(*s, kV4) && t.serves(*s, kV6); },
                    kFirstLimit),
        s->name() << " does not serve the catalog and its members");
    CHECK(s->ptr("192.0.2.1") == "gw.example.net.");
  }
  std::string timings = "catalog and members on both after " + ms(start);

  must(t.rdnsd->rdnsctl({"zone-add", "198.18.0.0/24"}));
  must(t.rdnsd->rdnsctl({"set", "198.18.0.5", "added.example.net."}));
  start = std::chrono::steady_clock::now();
  for (Secondary* s : t.all()) {
    CHECK_MESSAGE(
        s->wait_for(
            [&] { return t.serves(*s, kAdded) && s->ptr("198.18.0.5") == "added.example.net."; },
            kChangeLimit),
        s->name() << " does not serve the added zone with its PTR");
  }
  timings += ", zone-add served with its PTR after " + ms(start);

  must(t.rdnsd->rdnsctl({"zone-remove", "198.18.0.0/24", "--force"}));
  start = std::chrono::steady_clock::now();
  for (Secondary* s : t.all()) {
    CHECK_MESSAGE(s->wait_for([&] { return !s->serial(kAdded); }, kChangeLimit),
                  s->name() << " still serves the removed zone");
    CHECK_MESSAGE(t.serves(*s, kV4), s->name());
    CHECK_MESSAGE(t.has_catalog(*s), s->name());
  }
  timings += ", zone-remove gone after " + ms(start);
  // On stdout rather than in a MESSAGE, which would print the logs above with it.
  std::printf("interop_catalog: %s\n", timings.c_str());
  // The catalog's own status: rdnsd polls knotd's serial of it over TCP (knotd refuses
  // the SOA query over UDP), so it turns active like any zone's.
  RunResult w = t.rdnsd->rdnsctl({"wait", kCatalog, "--timeout", "10"});
  CHECK_MESSAGE(w.status == 0, w.out << w.err);
  const nlohmann::json zone =
      nlohmann::json::parse(must(t.rdnsd->rdnsctl({"--json", "zone-show", kCatalog})).out)["zone"];
  INFO(zone.dump());
  CHECK(zone.value("status", "") == "active");
  const uint32_t serial = t.rdnsd->serial(kCatalog);
  CHECK(zone.value("secondaries", nlohmann::json::array()).size() == 2);
  for (const auto& e : zone.value("secondaries", nlohmann::json::array())) {
    CHECK(e.value("serial", 0u) == serial);
    CHECK(!e.contains("error"));
  }
  const std::string text = must(t.rdnsd->rdnsctl({"zone-show", kCatalog})).out;
  CHECK(text.find("status:") != std::string::npos);
  CHECK(text.find("active") != std::string::npos);
  CHECK(text.find("catalog:") != std::string::npos);
  const size_t line = text.find("secondary 127.0.0.1:" + std::to_string(t.knotd.port()) + ":");
  REQUIRE(line != std::string::npos);
  const std::string knotd_line = text.substr(line, text.find('\n', line) - line);
  CHECK(knotd_line.find("serial " + std::to_string(serial)) != std::string::npos);
  CHECK(knotd_line.find("error") == std::string::npos);
  // The catalog was transferred with the key: rdnsd logged transfers of it to both.
  CHECK(t.rdnsd->stderr_text().find("of catalog.rdnsd. serial") != std::string::npos);
}
