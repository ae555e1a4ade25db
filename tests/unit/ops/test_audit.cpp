// The log line of every write: actor, op, address, result, serial; none for reads.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "admin/ops/handler.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using rdnsd::testing::TempDir;

namespace {

struct Line {
  logging::Level level;
  std::string message;
  logging::Fields fields;
  std::string field(const std::string& k) const {
    for (const auto& [key, v] : fields)
      if (key == k) return v;
    return "<none>";
  }
};

struct Fixture {
  TempDir dir{"audit"};
  std::time_t now = 1795000000;
  admin::Peer peer{"alice"};
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;
  std::vector<Line> lines;

  Fixture() {
    store = zonestore::testing::open_store(dir.path, 0);
    store->reconcile({zonestore::testing::config_zone("192.0.2.0/24"),
                      zonestore::testing::config_zone("2001:db8::/32")},
                     {}, now);
    admin::HandlerOptions h;
    h.clock = [this] { return now; };
    h.zone_defaults.ns = {"ns1.example.net."};
    h.zone_defaults.soa.rname = "hostmaster.example.net.";
    h.log = [this](logging::Level l, const std::string& m, const logging::Fields& f) {
      lines.push_back({l, m, f});
    };
    handler = std::make_unique<admin::Handler>(*store, h);
  }
  std::string call(const std::string& line) { return handler->handle_line(line, peer); }
  uint32_t serial(const char* zone) { return store->zone(zone)->serial; }
};

const char* const kV4 = "2.0.192.in-addr.arpa.";

}  // namespace

TEST_CASE("a set and an unset are logged at info with actor, op, address, result and serial") {
  Fixture f;
  f.call(R"({"op":"set","ip":"192.0.2.2","name":"mail.example.com"})");
  REQUIRE(f.lines.size() == 1);
  const Line& set = f.lines[0];
  CHECK(set.level == logging::Level::Info);
  CHECK(set.message == "set 192.0.2.2: ok");
  CHECK(set.fields == logging::Fields{{"actor", "alice"},
                                      {"op", "set"},
                                      {"address", "192.0.2.2"},
                                      {"result", "ok"},
                                      {"serial", std::to_string(f.serial(kV4))}});
  f.call(R"({"op":"unset","ip":"192.0.2.2","actor":"ipam"})");
  REQUIRE(f.lines.size() == 2);
  CHECK(f.lines[1].field("actor") == "ipam");
  CHECK(f.lines[1].field("op") == "unset");
  CHECK(f.lines[1].field("serial") == std::to_string(f.serial(kV4)));
}

TEST_CASE("a refused write is logged with its error code and no serial") {
  Fixture f;
  f.call(R"({"op":"set","ip":"198.51.100.1","name":"x.example.com"})");
  f.call(R"({"op":"unset","ip":"192.0.2.99"})");
  REQUIRE(f.lines.size() == 2);
  CHECK(f.lines[0].message == "set 198.51.100.1: not_in_zone");
  CHECK(f.lines[0].field("result") == "not_in_zone");
  CHECK(f.lines[0].field("serial") == "");
  CHECK(f.lines[1].field("result") == "not_found");
}

TEST_CASE("reads, dry runs and lines that do not parse are not logged") {
  Fixture f;
  f.call(R"({"op":"show","ip":"192.0.2.1"})");
  f.call(R"({"op":"list"})");
  f.call(R"({"op":"zones"})");
  f.call(R"({"op":"quota"})");
  f.call(R"({"op":"import","dry_run":true,"records":[]})");
  f.call("not json");
  CHECK(f.lines.empty());
}

TEST_CASE("a batch names every zone's serial, zone-add and zone-remove are notices") {
  Fixture f;
  f.call(
      R"({"op":"batch","actor":"sync","ops":[{"op":"set","ip":"192.0.2.10","name":"a.example."},{"op":"set","ip":"2001:db8::10","name":"b.example."}]})");
  REQUIRE(f.lines.size() == 1);
  CHECK(f.lines[0].message == "batch: ok");
  CHECK(f.lines[0].field("actor") == "sync");
  CHECK(f.lines[0].field("address") == "");
  const std::string serials = f.lines[0].field("serial");
  CHECK(serials.find(std::string(kV4) + "=" + std::to_string(f.serial(kV4))) != std::string::npos);
  CHECK(serials.find("8.b.d.0.1.0.0.2.ip6.arpa.=") != std::string::npos);

  f.call(R"({"op":"zone-add","prefix":"203.0.113.0/24"})");
  REQUIRE(f.lines.size() == 2);
  CHECK(f.lines[1].level == logging::Level::Notice);
  CHECK(f.lines[1].message == "zone-add 203.0.113.0/24: ok");
  CHECK(f.lines[1].field("actor") == "alice");
  f.call(R"({"op":"zone-remove","zone":"113.0.203.in-addr.arpa."})");
  REQUIRE(f.lines.size() == 3);
  CHECK(f.lines[2].level == logging::Level::Notice);
  CHECK(f.lines[2].field("op") == "zone-remove");
}

TEST_CASE("writes answered together (group commit) are logged one line each") {
  Fixture f;
  std::vector<admin::Prepared> group;
  for (const char* ip : {"192.0.2.20", "192.0.2.21", "198.51.100.9"})
    group.push_back(admin::Handler::prepare(
        std::string(R"({"op":"set","ip":")") + ip + R"(","name":"g.example."})", f.peer));
  f.handler->respond_group(group);
  REQUIRE(f.lines.size() == 3);
  CHECK(f.lines[0].field("address") == "192.0.2.20");
  CHECK(f.lines[1].field("result") == "ok");
  CHECK(f.lines[2].field("result") == "not_in_zone");
}
