// Forward confirmation in the admin handler, on a real LMDB store with a resolver that
// answers from a table: require refuses and changes nothing, warn stores and warns, off
// never asks; the check op; the zone mode through zone-add and the store.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>

#include "admin/ops/handler.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
using testing::TempDir;

namespace {

constexpr const char* kRequire = "2.0.192.in-addr.arpa.";  // 192.0.2.0/24
constexpr const char* kWarn = "100.51.198.in-addr.arpa.";  // 198.51.100.0/24
constexpr const char* kOff = "113.0.203.in-addr.arpa.";    // 203.0.113.0/24

// Answers from a table (lower-case names); names not in it are NXDOMAIN. Records every
// call.
struct TableResolver : fcrdns::Resolver {
  std::map<std::string, fcrdns::Forward> table;
  std::vector<std::vector<std::string>> calls;
  bool down = false;

  std::vector<fcrdns::Forward> resolve(const std::vector<std::string>& names) override {
    calls.push_back(names);
    std::vector<fcrdns::Forward> out;
    for (const auto& n : names) {
      const fcrdns::Answer nx{fcrdns::Answer::Status::NoName, {}, ""};
      const fcrdns::Answer failed{fcrdns::Answer::Status::Failed,
                                  {},
                                  "resolver 127.0.0.1:5300 did not answer within 2000 ms"};
      std::string key = n;
      for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
      auto it = table.find(key);
      out.push_back(down                ? fcrdns::Forward{failed, failed}
                    : it == table.end() ? fcrdns::Forward{nx, nx}
                                        : it->second);
    }
    return out;
  }
  void add(const std::string& name, std::vector<std::string> addresses) {
    fcrdns::Forward f{{fcrdns::Answer::Status::Ok, {}, ""}, {fcrdns::Answer::Status::Ok, {}, ""}};
    for (const auto& a : addresses) {
      auto addr = *names::parse_ip(a);
      (addr.family == 4 ? f.a : f.aaaa).addresses.push_back(addr);
    }
    table[name] = f;
  }
};

zonestore::ZoneSettings zone(const char* prefix, fcrdns::Mode mode) {
  zonestore::ZoneSettings s;
  s.prefix = *names::parse_prefix(prefix);
  s.ns = {"ns1.example.net."};
  s.soa.mname = "ns1.example.net.";
  s.soa.rname = "hostmaster.example.net.";
  s.fcrdns = mode;
  return s;
}

struct Fixture {
  TempDir dir{"fcrdns"};
  std::time_t now = 1795000000;
  admin::Peer peer{"alice"};
  std::shared_ptr<TableResolver> resolver = std::make_shared<TableResolver>();
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;

  Fixture() {
    store = zonestore::testing::open_store(dir.path);
    store->reconcile(
        {zone("192.0.2.0/24", fcrdns::Mode::Require), zone("198.51.100.0/24", fcrdns::Mode::Warn),
         zone("203.0.113.0/24", fcrdns::Mode::Off), zone("2001:db8::/32", fcrdns::Mode::Require)},
        {}, now);
    admin::HandlerOptions h;
    h.clock = [this] { return now; };
    h.zone_defaults.ns = {"ns1.example.net."};
    h.zone_defaults.soa.rname = "hostmaster.example.net.";
    h.resolver = resolver;
    handler = std::make_unique<admin::Handler>(*store, h);
    resolver->add("mail.example.test.", {"192.0.2.25", "198.51.100.25", "2001:db8::25"});
    resolver->add("bad.example.test.", {"192.0.2.99"});
    resolver->add("v4only.example.test.", {"192.0.2.30"});
  }

  Json call(const std::string& line) { return Json::parse(handler->handle_line(line, peer)); }
  Json ok(const std::string& line) {
    Json a = call(line);
    INFO(line << " -> " << a.dump());
    REQUIRE(a["ok"] == true);
    return a;
  }
  Json refused(const std::string& line, const std::string& code) {
    Json a = call(line);
    INFO(line << " -> " << a.dump());
    REQUIRE(a["ok"] == false);
    CHECK(a["error"]["code"] == code);
    return a["error"];
  }
  static std::string set(const std::string& ip, const std::string& name) {
    return R"({"op":"set","ip":")" + ip + R"(","name":")" + name + R"("})";
  }
  uint32_t serial(const char* apex) { return store->zone(apex)->serial; }
};

}  // namespace

TEST_CASE("require: a target that points back is stored, with no warnings") {
  Fixture f;
  Json a = f.ok(Fixture::set("192.0.2.25", "Mail.Example.Test"));
  CHECK(a["record"]["ptr"] == "Mail.Example.Test.");
  CHECK_FALSE(a.contains("warnings"));
  REQUIRE(f.resolver->calls.size() == 1);
  CHECK(f.resolver->calls[0] == std::vector<std::string>{"Mail.Example.Test."});
  // IPv6: the AAAA record confirms.
  CHECK_FALSE(f.ok(Fixture::set("2001:db8::25", "mail.example.test")).contains("warnings"));
}

TEST_CASE("require: a target that does not point back is refused and nothing changes") {
  Fixture f;
  f.ok(Fixture::set("192.0.2.25", "mail.example.test"));
  const uint32_t serial = f.serial(kRequire);
  const Json before = f.ok(R"({"op":"show","ip":"192.0.2.25"})")["record"];
  Json e = f.refused(Fixture::set("192.0.2.25", "bad.example.test"), "fcrdns_failed");
  CHECK(e["message"] ==
        "forward confirmation of 192.0.2.25 failed: bad.example.test. resolves to 192.0.2.99, "
        "not to 192.0.2.25");
  e = f.refused(Fixture::set("192.0.2.25", "missing.example.test."), "fcrdns_failed");
  CHECK(e["message"] ==
        "forward confirmation of 192.0.2.25 failed: missing.example.test. does not resolve "
        "(NXDOMAIN)");
  e = f.refused(Fixture::set("2001:db8::30", "v4only.example.test"), "fcrdns_failed");
  CHECK(e["message"] ==
        "forward confirmation of 2001:db8::30 failed: v4only.example.test. resolves to "
        "192.0.2.30, not to 2001:db8::30");
  f.resolver->down = true;
  e = f.refused(Fixture::set("192.0.2.25", "mail.example.test"), "fcrdns_failed");
  CHECK(e["message"] ==
        "forward confirmation of 192.0.2.25 failed: cannot resolve mail.example.test.: resolver "
        "127.0.0.1:5300 did not answer within 2000 ms");
  CHECK(f.serial(kRequire) == serial);
  CHECK(f.ok(R"({"op":"show","ip":"192.0.2.25"})")["record"] == before);
  CHECK(f.store->record_count() == 1);
}

TEST_CASE("warn: stored with a warning, off: never resolved") {
  Fixture f;
  Json a = f.ok(Fixture::set("198.51.100.7", "bad.example.test"));
  CHECK(a["record"]["ptr"] == "bad.example.test.");
  CHECK(a["warnings"] ==
        Json::array({"198.51.100.7 is not forward-confirmed: bad.example.test. resolves to "
                     "192.0.2.99, not to 198.51.100.7"}));
  CHECK_FALSE(f.ok(Fixture::set("198.51.100.25", "mail.example.test")).contains("warnings"));
  f.resolver->down = true;
  a = f.ok(Fixture::set("198.51.100.8", "mail.example.test"));
  CHECK(a["warnings"][0].get<std::string>().find("did not answer within 2000 ms") !=
        std::string::npos);
  const size_t calls = f.resolver->calls.size();
  CHECK(f.ok(Fixture::set("203.0.113.5", "nowhere.example.test"))["created"] == true);
  CHECK(f.resolver->calls.size() == calls);
  // Requests the store refuses anyway do not resolve either.
  f.refused(Fixture::set("192.0.2.300", "mail.example.test"), "bad_address");
  f.refused(Fixture::set("10.0.0.1", "mail.example.test"), "not_in_zone");
  f.refused(Fixture::set("192.0.2.25", "bad_name!"), "bad_name");
  CHECK(f.resolver->calls.size() == calls);
}

TEST_CASE("no resolver: require refuses, warn warns") {
  Fixture f;
  f.handler->set_resolver(nullptr);
  Json e = f.refused(Fixture::set("192.0.2.25", "mail.example.test"), "fcrdns_failed");
  CHECK(e["message"] ==
        "forward confirmation of 192.0.2.25 failed: cannot resolve mail.example.test.: no "
        "resolver is configured");
  CHECK(f.ok(Fixture::set("198.51.100.1", "mail.example.test"))["warnings"].size() == 1);
}

TEST_CASE("batch: the first unconfirmed set in a require zone fails the whole batch") {
  Fixture f;
  f.ok(Fixture::set("192.0.2.25", "mail.example.test"));
  const uint32_t s4 = f.serial(kRequire), s_warn = f.serial(kWarn), s_off = f.serial(kOff);
  Json e = f.refused(R"({"op":"batch","ops":[)"
                     R"({"op":"set","ip":"203.0.113.1","name":"anything.example"},)"
                     R"({"op":"set","ip":"192.0.2.25","name":"mail.example.test"},)"
                     R"({"op":"unset","ip":"192.0.2.25"},)"
                     R"({"op":"set","ip":"192.0.2.26","name":"bad.example.test"},)"
                     R"({"op":"set","ip":"192.0.2.27","name":"missing.example.test"}]})",
                     "fcrdns_failed");
  CHECK(e["index"] == 3);
  CHECK(e["message"] ==
        "forward confirmation of 192.0.2.26 failed: bad.example.test. resolves to 192.0.2.99, "
        "not to 192.0.2.26");
  CHECK(f.serial(kRequire) == s4);
  CHECK(f.serial(kWarn) == s_warn);
  CHECK(f.serial(kOff) == s_off);
  CHECK(f.store->record_count() == 1);
  // An earlier op with a malformed address is reported first, as the store sees it.
  e = f.refused(R"({"op":"batch","ops":[)"
                R"({"op":"set","ip":"192.0.2.999","name":"mail.example.test"},)"
                R"({"op":"set","ip":"192.0.2.26","name":"bad.example.test"}]})",
                "bad_address");
  CHECK(e["index"] == 0);
}

TEST_CASE("batch: warnings name their op, each distinct target is resolved once") {
  Fixture f;
  const size_t calls = f.resolver->calls.size();
  Json a = f.ok(R"({"op":"batch","ops":[)"
                R"({"op":"set","ip":"198.51.100.1","name":"mail.example.test"},)"
                R"({"op":"set","ip":"198.51.100.2","name":"bad.example.test"},)"
                R"({"op":"set","ip":"192.0.2.25","name":"MAIL.example.test"},)"
                R"({"op":"set","ip":"198.51.100.25","name":"mail.example.test."}]})");
  CHECK(a["created"] == 4);
  CHECK(a["warnings"] == Json::array({"ops[0]: 198.51.100.1 is not forward-confirmed: "
                                      "mail.example.test. resolves to 192.0.2.25, "
                                      "198.51.100.25, 2001:db8::25, not to 198.51.100.1",
                                      "ops[1]: 198.51.100.2 is not forward-confirmed: "
                                      "bad.example.test. resolves to 192.0.2.99, not to "
                                      "198.51.100.2"}));
  REQUIRE(f.resolver->calls.size() == calls + 1);
  CHECK(f.resolver->calls.back() ==
        std::vector<std::string>{"mail.example.test.", "bad.example.test."});
  // A batch with nothing to confirm does not resolve.
  f.ok(R"({"op":"batch","ops":[{"op":"set","ip":"203.0.113.9","name":"x.example"}]})");
  CHECK(f.resolver->calls.size() == calls + 1);
}

TEST_CASE("a group of sets: each judged alone, every lookup in one resolve, before the write") {
  const std::vector<std::string> lines = {
      Fixture::set("192.0.2.25", "mail.example.test"),      // require, confirmed
      Fixture::set("192.0.2.26", "Mail.Example.Test"),      // require, points elsewhere
      Fixture::set("198.51.100.7", "bad.example.test"),     // warn: stored, warned
      Fixture::set("203.0.113.1", "bad.example.test"),      // off: not looked up
      Fixture::set("192.0.2.27", "nowhere.example.test"),   // require, NXDOMAIN
      Fixture::set("192.0.2.300", "mail.example.test"),     // bad_address, not looked up
      Fixture::set("192.0.2.28", "bad_name!"),              // bad_name, not looked up
      R"({"op":"unset","ip":"192.0.2.25"})",                // the first set's record
      Fixture::set("198.51.100.25", "mail.example.test."),  // warn, confirmed
  };
  Fixture alone, group;
  std::vector<std::string> expected;
  for (const auto& l : lines) expected.push_back(alone.handler->handle_line(l, alone.peer));
  std::vector<admin::Prepared> requests;
  for (const auto& l : lines) requests.push_back(admin::Handler::prepare(l, group.peer));
  std::vector<std::string> got = group.handler->respond_group(requests);
  REQUIRE(got.size() == lines.size());
  auto without_ids = [](const std::string& line) {  // ids are random
    return std::regex_replace(line, std::regex(R"("id":"[0-9a-f-]{36}")"), R"("id":"*")");
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(without_ids(got[i]) == without_ids(expected[i]));
  }
  CHECK(Json::parse(got[1])["error"]["code"] == "fcrdns_failed");
  CHECK(Json::parse(got[2])["warnings"].size() == 1);
  CHECK(Json::parse(got[4])["error"]["code"] == "fcrdns_failed");
  CHECK(Json::parse(got[7])["ok"] == true);
  CHECK(alone.resolver->calls.size() == 5);
  REQUIRE(group.resolver->calls.size() == 1);
  CHECK(group.resolver->calls[0] == std::vector<std::string>{"mail.example.test.",
                                                             "bad.example.test.",
                                                             "nowhere.example.test."});
  CHECK(group.serial(kRequire) == alone.serial(kRequire));
  CHECK(group.serial(kWarn) == alone.serial(kWarn));
  CHECK(group.store->record_count() == 3);
}

TEST_CASE("check: one record") {
  Fixture f;
  f.ok(Fixture::set("198.51.100.7", "bad.example.test"));
  Json a = f.ok(R"({"op":"check","ip":"198.51.100.7"})");
  CHECK(a == Json::parse(R"({"ok":true,"ip":"198.51.100.7","ptr":"bad.example.test.",)"
                         R"("zone":"100.51.198.in-addr.arpa.","a":["192.0.2.99"],"aaaa":[],)"
                         R"("confirmed":false,"state":"unconfirmed","reason":"bad.example.test. )"
                         R"(resolves to 192.0.2.99, not to 198.51.100.7","fcrdns":"warn"})"));
  f.resolver->add("bad.example.test.", {"198.51.100.7"});
  a = f.ok(R"({"op":"check","ip":"198.51.100.7"})");
  CHECK(a["confirmed"] == true);
  CHECK(a["state"] == "confirmed");
  f.refused(R"({"op":"check","ip":"198.51.100.8"})", "not_found");
  f.refused(R"({"op":"check","ip":"nope"})", "bad_address");
  f.refused(R"({"op":"check"})", "bad_request");
  f.refused(R"({"op":"check","ip":"198.51.100.7","zone":"198.51.100.0/24"})", "bad_request");
}

TEST_CASE("check: a whole zone, with counts") {
  Fixture f;
  for (const auto& [ip, name] :
       std::vector<std::pair<std::string, std::string>>{{"203.0.113.25", "mail.example.test"},
                                                        {"203.0.113.30", "v4only.example.test"},
                                                        {"203.0.113.99", "bad.example.test"},
                                                        {"203.0.113.1", "missing.example.test"}})
    f.ok(Fixture::set(ip, name));
  f.resolver->add("mail.example.test.", {"203.0.113.25"});
  f.resolver->add("v4only.example.test.", {"203.0.113.30"});
  Json a = f.ok(R"({"op":"check","zone":"203.0.113.0/24"})");
  CHECK(a["zone"] == kOff);
  CHECK(a["fcrdns"] == "off");
  CHECK(a["total"] == 4);
  CHECK(a["confirmed"] == 2);
  CHECK(a["unconfirmed"] == 1);
  CHECK(a["unresolvable"] == 1);
  REQUIRE(a["records"].size() == 4);
  CHECK(a["records"][0]["ip"] == "203.0.113.1");
  CHECK(a["records"][0]["state"] == "unresolvable");
  CHECK(a["records"][0]["reason"] == "missing.example.test. does not resolve (NXDOMAIN)");
  CHECK(a["records"][3]["ip"] == "203.0.113.99");
  CHECK(a["records"][3]["state"] == "unconfirmed");
  CHECK(f.ok(R"({"op":"check","zone":"2.0.192.in-addr.arpa"})")["total"] == 0);
  f.refused(R"({"op":"check","zone":"10.0.0.0/8"})", "not_found");
  f.refused(R"({"op":"check","zone":"10.0.0.1/8"})", "bad_address");
}

TEST_CASE("the zone mode: zone-add, zone-defaults, zone views, the store") {
  Fixture f;
  Json a = f.ok(R"({"op":"zone-add","prefix":"10.1.0.0/16","fcrdns":"require"})");
  CHECK(a["zones"][0]["fcrdns"] == "require");
  CHECK(f.ok(R"({"op":"zone-add","prefix":"10.2.0.0/16"})")["zones"][0]["fcrdns"] == "off");
  conf::ZoneDefaults d;
  d.ns = {"ns1.example.net."};
  d.soa.rname = "hostmaster.example.net.";
  d.fcrdns = fcrdns::Mode::Warn;
  f.handler->set_zone_defaults(d);
  CHECK(f.ok(R"({"op":"zone-add","prefix":"10.3.0.0/16"})")["zones"][0]["fcrdns"] == "warn");
  f.refused(R"({"op":"zone-add","prefix":"10.4.0.0/16","fcrdns":"strict"})", "bad_request");
  CHECK(f.ok(R"({"op":"zone-show","zone":"10.1.0.0/16"})")["zone"]["fcrdns"] == "require");
  f.refused(Fixture::set("10.1.0.1", "bad.example.test"), "fcrdns_failed");
  // Stored in the zone's flags next to served and origin; the answer path's decoder
  // reads the value as before.
  CHECK(f.store->zone("10.1.0.0/16")->settings.fcrdns == fcrdns::Mode::Require);
  CHECK(f.store->zone_for_address("10.1.2.3")->apex == "1.10.in-addr.arpa.");
  CHECK_FALSE(f.store->zone_for_address("10.9.0.1"));
  CHECK(f.store->zone(kWarn)->settings.fcrdns == fcrdns::Mode::Warn);
  // A changed mode in the config is a changed setting.
  auto report = f.store->reconcile(
      {zone("192.0.2.0/24", fcrdns::Mode::Off), zone("198.51.100.0/24", fcrdns::Mode::Warn),
       zone("203.0.113.0/24", fcrdns::Mode::Off), zone("2001:db8::/32", fcrdns::Mode::Require)},
      {}, f.now);
  CHECK(report.updated == std::vector<std::string>{kRequire});
  CHECK(f.store->zone(kRequire)->settings.fcrdns == fcrdns::Mode::Off);
  CHECK(f.store->zone(kRequire)->served);
}
