// The admin handler on a real LMDB store in a temporary folder.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <lmdb.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "admin/ops/handler.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
using testing::TempDir;

namespace {

constexpr const char* kV4 = "2.0.192.in-addr.arpa.";
constexpr const char* kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

using zonestore::testing::config_zone;

struct Fixture {
  TempDir dir{"admin"};
  std::time_t now = 1795000000;
  admin::Peer peer{"alice"};
  uint64_t global_limit = 0;
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;
  int writes = 0;
  std::vector<std::vector<zonestore::ZoneSerial>> written;  // Response::change of each write

  Fixture() {
    open();
    store->reconcile({config_zone("192.0.2.0/24"), config_zone("2001:db8::/32")}, {}, now);
  }

  void open() {
    handler.reset();
    store.reset();
    store = zonestore::testing::open_store(dir.path, global_limit);
    admin::HandlerOptions h;
    h.clock = [this] { return now; };
    h.zone_defaults.ns = {"ns1.example.net.", "ns2.example.net."};
    h.zone_defaults.soa.rname = "hostmaster.example.net.";
    handler = std::make_unique<admin::Handler>(*store, h);
  }

  // handle_line, but what the request committed is counted in writes / written.
  std::string answer_line(const std::string& line) {
    admin::Response r = handler->respond(line, peer);
    if (r.change.writes > 0) {
      writes += int(r.change.writes);
      written.push_back(r.change.serials);
    }
    std::string out = std::move(r.line);
    if (r.stream)
      while (r.stream->next(out, size_t(1) << 20)) {
      }
    return out;
  }
  Json call(const std::string& line) { return Json::parse(answer_line(line)); }
  Json ok(const std::string& line) {
    Json a = call(line);
    INFO(line << " -> " << a.dump());
    REQUIRE(a["ok"] == true);
    return a;
  }
  std::string refused(const std::string& line) {
    Json a = call(line);
    INFO(line << " -> " << a.dump());
    REQUIRE(a["ok"] == false);
    return a["error"]["code"].get<std::string>();
  }
  uint32_t serial(const char* zone) { return store->zone(zone)->serial; }
  Json set(const std::string& ip, const std::string& name) {
    return ok(R"({"op":"set","ip":")" + ip + R"(","name":")" + name + R"("})");
  }
};

}  // namespace

TEST_CASE("set creates a record and steps the serial by one") {
  Fixture f;
  uint32_t before = f.serial(kV4);
  Json a = f.ok(
      R"({"op":"set","ip":"192.0.2.2","name":"Mail.Example.com","ttl":600,"description":"mail","tag":"t1"})");
  CHECK(a["created"] == true);
  CHECK(a["zone"] == kV4);
  CHECK(a["serial"] == before + 1);
  CHECK(a["serials"] == Json::array({{{"zone", kV4}, {"serial", before + 1}}}));
  CHECK(a["tag"] == "t1");
  const Json& r = a["record"];
  CHECK(r["ip"] == "192.0.2.2");
  CHECK(r["name"] == "2.2.0.192.in-addr.arpa.");
  CHECK(r["ptr"] == "Mail.Example.com.");
  CHECK(r["ttl"] == 600);
  CHECK(r["description"] == "mail");
  CHECK(r["zone"] == kV4);
  CHECK(r["created"] == "2026-11-18T11:06:40Z");
  CHECK(r["modified"] == r["created"]);
  CHECK(r["created_by"] == "alice");
  CHECK(r["modified_by"] == "alice");
  CHECK(r["status"] == "active");
  CHECK(r["id"].get<std::string>().size() == 36);
  CHECK(f.serial(kV4) == before + 1);
  CHECK(f.writes == 1);
  // Keys come in the documented order.
  CHECK(a.begin().key() == "ok");
}

TEST_CASE("set replaces: same id, new target, serial +1, default TTL, actor") {
  Fixture f;
  Json first = f.set("192.0.2.2", "a.example.com");
  CHECK(first["record"]["ttl"] == 3600);  // the zone's default
  f.now += 60;
  Json second =
      f.ok(R"({"op":"set","ip":"192.0.2.2","name":"b.example.com.","actor":"provisioner"})");
  CHECK(second["created"] == false);
  CHECK(second["serial"] == first["serial"].get<uint32_t>() + 1);
  CHECK(second["record"]["id"] == first["record"]["id"]);
  CHECK(second["record"]["ptr"] == "b.example.com.");
  CHECK(second["record"]["created"] == first["record"]["created"]);
  CHECK(second["record"]["modified"] != first["record"]["modified"]);
  CHECK(second["record"]["created_by"] == "alice");
  CHECK(second["record"]["modified_by"] == "provisioner");
}

TEST_CASE("IPv6 records and show by address or id") {
  Fixture f;
  Json a = f.set("2001:DB8:0:0::1", "v6.example.net");
  CHECK(a["zone"] == kV6);
  CHECK(a["record"]["ip"] == "2001:db8::1");
  std::string id = a["record"]["id"];
  Json by_ip = f.ok(R"({"op":"show","ip":"2001:db8::1"})");
  CHECK(by_ip["record"] == a["record"]);
  Json by_id = f.ok(R"({"op":"show","id":")" + id + R"("})");
  CHECK(by_id["record"] == a["record"]);
  CHECK(f.refused(R"({"op":"show","ip":"2001:db8::2"})") == "not_found");
  CHECK(f.refused(R"({"op":"show","id":"00000000-0000-4000-8000-000000000000"})") == "not_found");
  CHECK(f.refused(R"({"op":"show","id":"not-a-uuid"})") == "not_found");
  CHECK(f.refused(R"({"op":"show","ip":"2001:db8::zz"})") == "bad_address");
}

TEST_CASE("unset removes with one serial step, unsetting nothing is not_found") {
  Fixture f;
  f.set("192.0.2.2", "a.example.com");
  uint32_t before = f.serial(kV4);
  Json a = f.ok(R"({"op":"unset","ip":"192.0.2.2"})");
  CHECK(a["ip"] == "192.0.2.2");
  CHECK(a["zone"] == kV4);
  CHECK(a["serial"] == before + 1);
  CHECK(a["serials"].size() == 1);
  CHECK(f.refused(R"({"op":"show","ip":"192.0.2.2"})") == "not_found");
  CHECK(f.refused(R"({"op":"unset","ip":"192.0.2.2"})") == "not_found");
  CHECK(f.serial(kV4) == before + 1);
}

TEST_CASE("a refused write changes nothing") {
  Fixture f;
  Json rec = f.set("192.0.2.2", "keep.example.com")["record"];
  uint32_t v4 = f.serial(kV4), v6 = f.serial(kV6);
  const std::pair<const char*, const char*> cases[] = {
      {R"({"op":"set","ip":"192.0.2.300","name":"x.example"})", "bad_address"},
      {R"({"op":"set","ip":"not-an-ip","name":"x.example"})", "bad_address"},
      {R"({"op":"set","ip":"198.51.100.1","name":"x.example"})", "not_in_zone"},
      {R"({"op":"set","ip":"2001:db9::1","name":"x.example"})", "not_in_zone"},
      {R"({"op":"set","ip":"192.0.2.2","name":"bad_name!.example"})", "bad_name"},
      {R"({"op":"set","ip":"192.0.2.2","name":"-x.example"})", "bad_name"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example","ttl":-1})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example","ttl":2147483648})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example","ttl":"60"})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example","description":"a\u0001b"})",
       "bad_description"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example","extra":1})", "bad_request"},
      {R"({"op":"sett","ip":"192.0.2.2","name":"x.example"})", "bad_request"},
      {R"({"op":"set","ip":"192.0.2.2","name":"x.example")", "bad_request"},
      {R"({"op":"unset","ip":"192.0.2.9"})", "not_found"},
  };
  for (const auto& [line, code] : cases) {
    INFO(line);
    CHECK(f.refused(line) == code);
  }
  CHECK(f.serial(kV4) == v4);
  CHECK(f.serial(kV6) == v6);
  CHECK(f.ok(R"({"op":"show","ip":"192.0.2.2"})")["record"] == rec);
  CHECK(f.store->record_count() == 1);
  CHECK(f.writes == 1);
}

TEST_CASE("errors echo the tag and unexpected exceptions become internal") {
  Fixture f;
  Json a = f.call(R"({"op":"unset","ip":"192.0.2.9","tag":[1,2]})");
  CHECK(a["error"]["code"] == "not_found");
  CHECK(a["tag"] == Json::array({1, 2}));
  admin::HandlerOptions h;
  h.clock = []() -> std::time_t { throw std::runtime_error("clock broke"); };
  admin::Handler broken(*f.store, h);
  a = Json::parse(
      broken.handle_line(R"({"op":"set","ip":"192.0.2.2","name":"a.b","tag":7})", f.peer));
  CHECK(a["ok"] == false);
  CHECK(a["error"]["code"] == "internal");
  CHECK(a["error"]["message"] == "internal error: clock broke");
  CHECK(a["tag"] == 7);
}

TEST_CASE("list: numeric order, filters, paging") {
  Fixture f;
  for (int i : {10, 9, 2, 100})
    f.set("192.0.2." + std::to_string(i), "host" + std::to_string(i) + ".example.com");
  f.set("2001:db8::5", "six.example.org");
  Json all = f.ok(R"({"op":"list"})");
  CHECK(all["total"] == 5);
  CHECK(all["offset"] == 0);
  CHECK(all["limit"] == 100);
  CHECK(all["next_offset"].is_null());
  std::vector<std::string> ips;
  for (const auto& r : all["records"]) ips.push_back(r["ip"]);
  CHECK(ips == std::vector<std::string>{"192.0.2.2", "192.0.2.9", "192.0.2.10", "192.0.2.100",
                                        "2001:db8::5"});
  Json page = f.ok(R"({"op":"list","offset":1,"limit":2})");
  CHECK(page["records"].size() == 2);
  CHECK(page["records"][0]["ip"] == "192.0.2.9");
  CHECK(page["next_offset"] == 3);
  CHECK(page["total"] == 5);
  CHECK(f.ok(R"({"op":"list","offset":3,"limit":2})")["next_offset"].is_null());
  CHECK(f.ok(R"({"op":"list","zone":"8.b.d.0.1.0.0.2.ip6.arpa"})")["total"] == 1);
  CHECK(f.ok(R"({"op":"list","zone":"192.0.2.0/24"})")["total"] == 4);
  CHECK(f.ok(R"({"op":"list","prefix":"192.0.2.8/29"})")["total"] == 2);  // .9 and .10
  CHECK(f.ok(R"({"op":"list","name":"HOST1"})")["total"] == 2);           // 10 and 100
  CHECK(f.refused(R"({"op":"list","limit":1001})") == "bad_request");
  CHECK(f.refused(R"({"op":"list","prefix":"192.0.2.1/24"})") == "bad_address");
  CHECK(f.refused(R"({"op":"list","zone":"10.0.0.0/8"})") == "not_found");
}

TEST_CASE("zones and zone-show") {
  Fixture f;
  f.set("192.0.2.2", "a.example.com");
  Json a = f.ok(R"({"op":"zones"})");
  REQUIRE(a["zones"].size() == 2);
  const Json& z = a["zones"][0];
  CHECK(z["zone"] == kV4);
  CHECK(z["prefix"] == "192.0.2.0/24");
  CHECK(z["served"] == true);
  CHECK(z["origin"] == "config");
  CHECK(z["records"] == 1);
  CHECK(z["ns"] == Json::array({"ns1.example.net."}));
  CHECK(z["soa"]["rname"] == "hostmaster.example.net.");
  CHECK(z["soa"]["minimum"] == 300);
  CHECK(z["ttl"] == 3600);
  CHECK(z["serial_policy"] == "increment");
  CHECK(z["max_records"].is_null());
  // zone-show: the same, and what the IXFR journal holds (one entry: the set above).
  Json shown = f.ok(R"({"op":"zone-show","zone":"192.0.2.0/24"})")["zone"];
  CHECK(shown["journal"]["entries"] == 1);
  CHECK(shown["journal"]["last_serial"] == z["serial"]);
  CHECK(shown["journal"]["max_depth"] == 1000);
  shown.erase("journal");
  CHECK(shown == z);
  shown = f.ok(R"({"op":"zone-show","zone":"2.0.192.in-addr.arpa"})")["zone"];
  shown.erase("journal");
  CHECK(shown == z);
  CHECK(f.refused(R"({"op":"zone-show","zone":"10.0.0.0/8"})") == "not_found");
  CHECK(f.refused(R"({"op":"zone-show","zone":"10.0.0.1/8"})") == "bad_address");
}

TEST_CASE("batch: one transaction, one serial step per touched zone") {
  Fixture f;
  f.set("192.0.2.9", "old.example.com");
  uint32_t v4 = f.serial(kV4), v6 = f.serial(kV6);
  Json a = f.ok(R"({"op":"batch","actor":"importer","ops":[
      {"op":"set","ip":"192.0.2.1","name":"a.example"},
      {"op":"set","ip":"192.0.2.2","name":"b.example","ttl":60},
      {"op":"set","ip":"2001:db8::1","name":"c.example","actor":"someone"},
      {"op":"unset","ip":"192.0.2.9"}]})");
  CHECK(a["ops"] == 4);
  CHECK(a["created"] == 3);
  CHECK(a["replaced"] == 0);
  CHECK(a["removed"] == 1);
  CHECK(a["serials"].size() == 2);
  CHECK(f.serial(kV4) == v4 + 1);
  CHECK(f.serial(kV6) == v6 + 1);
  CHECK(f.ok(R"({"op":"show","ip":"192.0.2.1"})")["record"]["created_by"] == "importer");
  CHECK(f.ok(R"({"op":"show","ip":"2001:db8::1"})")["record"]["created_by"] == "someone");
  CHECK(f.ok(R"({"op":"show","ip":"192.0.2.2"})")["record"]["ttl"] == 60);
}

TEST_CASE("a batch with one bad op changes nothing and names the op") {
  Fixture f;
  Json kept = f.set("192.0.2.9", "old.example.com")["record"];
  uint32_t v4 = f.serial(kV4), v6 = f.serial(kV6);
  Json a = f.call(R"({"op":"batch","ops":[
      {"op":"set","ip":"192.0.2.1","name":"a.example"},
      {"op":"unset","ip":"192.0.2.9"},
      {"op":"set","ip":"2001:db8::1","name":"c.example"},
      {"op":"set","ip":"198.51.100.7","name":"d.example"}]})");
  CHECK(a["ok"] == false);
  CHECK(a["error"]["code"] == "not_in_zone");
  CHECK(a["error"]["index"] == 3);
  a = f.call(
      R"({"op":"batch","ops":[{"op":"unset","ip":"192.0.2.9"},{"op":"unset","ip":"192.0.2.9"}]})");
  CHECK(a["error"]["code"] == "not_found");
  CHECK(a["error"]["index"] == 1);
  a = f.call(
      R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.example","ttl":1.5}]})");
  CHECK(a["error"]["code"] == "bad_ttl");
  CHECK(a["error"]["index"] == 0);
  CHECK(f.serial(kV4) == v4);
  CHECK(f.serial(kV6) == v6);
  CHECK(f.store->record_count() == 1);
  CHECK(f.ok(R"({"op":"show","ip":"192.0.2.9"})")["record"] == kept);
  CHECK(f.refused(R"({"op":"show","ip":"192.0.2.1"})") == "not_found");
}

TEST_CASE("quota: limits, usage and quota_exceeded") {
  Fixture f;
  f.global_limit = 3;
  f.open();
  f.ok(R"({"op":"zone-add","prefix":"198.51.100.0/24","max_records":1})");
  f.set("198.51.100.1", "one.example");
  uint32_t serial = f.serial("100.51.198.in-addr.arpa.");
  CHECK(f.refused(R"({"op":"set","ip":"198.51.100.2","name":"two.example"})") == "quota_exceeded");
  CHECK(f.serial("100.51.198.in-addr.arpa.") == serial);
  f.set("198.51.100.1", "replaced.example");  // a replace needs no room
  f.set("192.0.2.1", "a.example");
  f.set("192.0.2.2", "b.example");
  CHECK(f.refused(R"({"op":"set","ip":"192.0.2.3","name":"c.example"})") == "quota_exceeded");
  Json q = f.ok(R"({"op":"quota"})");
  CHECK(q["global"] == Json{{"limit", 3}, {"used", 3}});
  REQUIRE(q["zones"].size() == 3);
  bool seen = false;
  for (const auto& z : q["zones"]) {
    if (z["zone"] != "100.51.198.in-addr.arpa.") continue;
    CHECK(z["limit"] == 1);
    CHECK(z["used"] == 1);
    seen = true;
  }
  CHECK(seen);
  CHECK(Fixture().ok(R"({"op":"quota"})")["global"]["limit"].is_null());
}

TEST_CASE("zone-add takes defaults, expands prefixes and refuses overlaps") {
  Fixture f;
  Json a =
      f.ok(R"({"op":"zone-add","prefix":"198.51.100.0/24","ttl":900,"serial_policy":"unixtime"})");
  REQUIRE(a["zones"].size() == 1);
  const Json& z = a["zones"][0];
  CHECK(z["zone"] == "100.51.198.in-addr.arpa.");
  CHECK(z["origin"] == "admin");
  CHECK(z["ns"] == Json::array({"ns1.example.net.", "ns2.example.net."}));
  CHECK(z["soa"]["mname"] == "ns1.example.net.");
  CHECK(z["soa"]["rname"] == "hostmaster.example.net.");
  CHECK(z["ttl"] == 900);
  CHECK(z["serial_policy"] == "unixtime");
  CHECK(z["serial"] == f.now);
  CHECK(!a.contains("expanded_from"));

  a = f.ok(
      R"({"op":"zone-add","prefix":"10.1.16.0/20","ns":["a.example."],"rname":"dns.example"})");
  CHECK(a["expanded_from"] == "10.1.16.0/20");
  REQUIRE(a["zones"].size() == 16);
  CHECK(a["zones"][0]["zone"] == "16.1.10.in-addr.arpa.");
  CHECK(a["zones"][15]["zone"] == "31.1.10.in-addr.arpa.");
  CHECK(a["zones"][15]["prefix"] == "10.1.31.0/24");
  CHECK(a["zones"][3]["soa"]["rname"] == "dns.example.");
  f.set("10.1.20.5", "in.example");

  Json v6 = f.ok(R"({"op":"zone-add","prefix":"2001:dbc::/30"})");
  REQUIRE(v6["zones"].size() == 4);
  CHECK(v6["zones"][3]["prefix"] == "2001:dbf::/32");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"2001:db8::/32"})") == "conflict");
}

TEST_CASE("zone-add refusals leave the zones as they were") {
  Fixture f;
  size_t before = f.store->zones().size();
  CHECK(f.refused(R"({"op":"zone-add","prefix":"192.0.2.128/25"})") == "bad_address");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"10.0.0.0/7"})") == "bad_address");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"10.0.0.1/8"})") == "bad_address");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"192.0.0.0/16"})") == "conflict");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"192.0.2.0/24"})") == "conflict");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ns":["bad name"]})") == "bad_name");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ns":["a.example","a.example."]})") ==
        "bad_request");
  CHECK(f.refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","rname":"a..b"})") == "bad_name");
  admin::HandlerOptions bare;
  admin::Handler no_defaults(*f.store, bare);
  Json a =
      Json::parse(no_defaults.handle_line(R"({"op":"zone-add","prefix":"10.0.0.0/8"})", f.peer));
  CHECK(a["error"]["code"] == "bad_request");
  CHECK(f.store->zones().size() == before);
}

TEST_CASE("zone-remove: records need force, served config zones stay") {
  Fixture f;
  f.ok(R"({"op":"zone-add","prefix":"198.51.100.0/24"})");
  f.set("198.51.100.1", "one.example");
  CHECK(f.refused(R"({"op":"zone-remove","zone":"198.51.100.0/24"})") == "conflict");
  CHECK(f.ok(R"({"op":"show","ip":"198.51.100.1"})")["record"]["ptr"] == "one.example.");
  Json a = f.ok(R"({"op":"zone-remove","zone":"100.51.198.in-addr.arpa.","force":true})");
  CHECK(a["zone"] == "100.51.198.in-addr.arpa.");
  CHECK(a["prefix"] == "198.51.100.0/24");
  CHECK(a["removed_records"] == 1);
  CHECK(f.refused(R"({"op":"show","ip":"198.51.100.1"})") == "not_found");
  CHECK(f.refused(R"({"op":"zone-remove","zone":"198.51.100.0/24"})") == "not_found");
  CHECK(f.refused(R"({"op":"zone-remove","zone":"192.0.2.0/24","force":true})") == "conflict");
  f.ok(R"({"op":"zone-add","prefix":"203.0.113.0/24"})");
  CHECK(f.ok(R"({"op":"zone-remove","zone":"203.0.113.0/24"})")["removed_records"] == 0);
}

TEST_CASE("everything is still there after the store is reopened") {
  Fixture f;
  f.set("192.0.2.2", "a.example.com");
  Json rec = f.set("2001:db8::1", "b.example.com")["record"];
  f.ok(R"({"op":"zone-add","prefix":"198.51.100.0/24"})");
  f.ok(R"({"op":"unset","ip":"192.0.2.2"})");
  Json zones = f.ok(R"({"op":"zones"})");
  f.open();
  CHECK(f.ok(R"({"op":"zones"})") == zones);
  CHECK(f.ok(R"({"op":"show","ip":"2001:db8::1"})")["record"] == rec);
  CHECK(f.refused(R"({"op":"show","ip":"192.0.2.2"})") == "not_found");
  CHECK(f.ok(R"({"op":"quota"})")["global"]["used"] == 1);
}

TEST_CASE("covering_zones splits prefixes on octet and nibble boundaries") {
  std::string why;
  auto v4 = admin::covering_zones(*names::parse_prefix("10.0.0.0/9"), &why);
  REQUIRE(v4.size() == 128);
  CHECK(names::format_prefix(v4[0]) == "10.0.0.0/16");
  CHECK(names::format_prefix(v4[127]) == "10.127.0.0/16");
  CHECK(admin::covering_zones(*names::parse_prefix("10.0.0.0/8"), &why).size() == 1);
  CHECK(admin::covering_zones(*names::parse_prefix("10.0.0.0/23"), &why).size() == 2);
  auto v6 = admin::covering_zones(*names::parse_prefix("2001:db8:1234:5600::/57"), &why);
  REQUIRE(v6.size() == 8);
  CHECK(names::format_prefix(v6[7]) == "2001:db8:1234:5670::/60");
  CHECK(admin::covering_zones(*names::parse_prefix("10.0.0.0/25"), &why).empty());
  CHECK(why.find("/8 to /24") != std::string::npos);
  CHECK(admin::covering_zones(*names::parse_prefix("2001:db8::/126"), &why).empty());
}

namespace {

// Answer lines with the record ids (random UUIDs) masked, to compare two stores.
std::string without_ids(std::string line) {
  return std::regex_replace(line, std::regex(R"("id":"[0-9a-f-]{36}")"), R"("id":"*")");
}

std::vector<admin::Prepared> prepared(const std::vector<std::string>& lines,
                                      const admin::Peer& peer) {
  std::vector<admin::Prepared> out;
  for (const auto& l : lines) {
    out.push_back(admin::Handler::prepare(l, peer));
    CHECK(admin::Handler::groupable(out.back()));
  }
  return out;
}

size_t last_txnid(const zonestore::Store& s) {
  MDB_envinfo info{};
  REQUIRE(mdb_env_info(s.env(), &info) == 0);
  return info.me_last_txnid;
}

}  // namespace

TEST_CASE("respond_group answers each request byte for byte as respond would alone") {
  const std::vector<std::string> lines = {
      R"({"op":"set","ip":"192.0.2.1","name":"one.example","ttl":600,"description":"d","tag":1})",
      R"({"op":"set","ip":"192.0.2.1","name":"One.Example.","actor":"bob"})",  // replace
      R"({"op":"set","ip":"192.0.2.2")",                                       // not JSON
      R"({"op":"unset","ip":"192.0.2.3","tag":"x"})",                          // not_found
      R"({"op":"set","ip":"2001:DB8::1","name":"six.example"})",
      R"({"op":"set","ip":"192.0.2.4","name":"a.example","color":"red"})",     // unknown field
      R"({"op":"set","ip":"198.51.100.1","name":"out.example"})",              // not_in_zone
      R"({"op":"set","ip":"192.0.2.5","name":"bad_name!"})",                   // bad_name
      R"({"op":"unset","ip":"192.0.2.1","tag":[1,2]})",                        // the first one
      R"({"op":"set","ip":"192.0.2.6","name":"a.example","ttl":3000000000})",  // bad_ttl
      R"({"op":"bogus","tag":null})",                                          // unknown op
      R"({"op":"set","ip":"192.0.2.1","name":"again.example"})",               // created again
      R"({"op":"set","ip":"192.0.2.7","name":"seven.example"})",               // the third record
      R"({"op":"set","ip":"192.0.2.8","name":"eight.example"})",               // over the quota
      R"({"op":"set","ip":"192.0.2.7","name":"seven.example","description":"x"})",  // replace
  };
  Fixture alone, group;
  for (Fixture* f : {&alone, &group}) {
    f->global_limit = 3;
    f->open();
  }
  std::vector<std::string> expected;
  for (const auto& l : lines) expected.push_back(alone.answer_line(l));
  size_t txn = last_txnid(*group.store);
  admin::Change change;
  std::vector<std::string> got = group.handler->respond_group(prepared(lines, group.peer), &change);
  CHECK(last_txnid(*group.store) == txn + 1);  // one commit
  REQUIRE(got.size() == lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(without_ids(got[i]) == without_ids(expected[i]));
  }
  CHECK(Json::parse(got[13])["error"]["code"] == "quota_exceeded");  // the test covers it
  CHECK(Json::parse(got[2])["error"]["code"] == "bad_request");
  // The change: the seven applied writes, each zone's last serial, in first-touched order.
  CHECK(alone.writes == 7);
  CHECK(change.writes == 7);
  CHECK_FALSE(change.zones_changed);
  REQUIRE(change.serials.size() == 2);
  CHECK(change.serials[0].zone == kV4);
  CHECK(change.serials[0].serial == alone.serial(kV4));
  CHECK(change.serials[1].zone == kV6);
  CHECK(change.serials[1].serial == alone.serial(kV6));
  CHECK(alone.written.back().at(0).serial == alone.serial(kV4));
  CHECK(group.serial(kV4) == alone.serial(kV4));
  CHECK(group.serial(kV6) == alone.serial(kV6));
  CHECK(group.store->record_count() == 3);
}

TEST_CASE("respond_group: other requests, a broken clock, an empty group") {
  Fixture f;
  CHECK(f.handler->respond_group({}).empty());
  admin::Prepared show = admin::Handler::prepare(R"({"op":"zones","tag":4})", f.peer);
  CHECK_FALSE(admin::Handler::groupable(show));
  std::vector<admin::Prepared> group;
  group.push_back(std::move(show));
  Json a = Json::parse(f.handler->respond_group(group).at(0));
  CHECK(a["error"]["code"] == "internal");
  CHECK(a["tag"] == 4);

  admin::HandlerOptions h;
  h.clock = []() -> std::time_t { throw std::runtime_error("clock broke"); };
  admin::Handler broken(*f.store, h);
  std::vector<std::string> answers =
      broken.respond_group(prepared({R"({"op":"set","ip":"192.0.2.2","name":"a.b","tag":7})", "[]",
                                     R"({"op":"unset","ip":"192.0.2.2"})"},
                                    f.peer));
  REQUIRE(answers.size() == 3);
  for (size_t i : {0, 2}) {
    a = Json::parse(answers[i]);
    CHECK(a["error"]["code"] == "internal");
    CHECK(a["error"]["message"] == "internal error: clock broke");
  }
  CHECK(Json::parse(answers[0])["tag"] == 7);
  CHECK(Json::parse(answers[1])["error"]["code"] == "bad_request");
  CHECK(f.store->record_count() == 0);
}

TEST_CASE("actor_of: only a trusted peer's actor is recorded as given") {
  using admin::actor_of;
  using admin::Peer;
  Peer alice{"alice", false};
  CHECK(actor_of(std::nullopt, alice) == "alice");
  CHECK(actor_of(std::string("alice"), alice) == "alice");
  CHECK(actor_of(std::string("root"), alice) == "alice/root");
  CHECK(actor_of(std::string("ipam-sync"), alice) == "alice/ipam-sync");
  Peer root{"root", true};
  CHECK(actor_of(std::string("ipam-sync"), root) == "ipam-sync");
  CHECK(actor_of(std::nullopt, Peer{"", false}) == "unknown");
}
