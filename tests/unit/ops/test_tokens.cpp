// Tests of the HTTP API tokens: the helpers (admin/ops/tokens.h) and the handler's
// token-add, token-list and token-revoke; and the codec's bounded JSON.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "admin/ops/handler.h"
#include "admin/ops/tokens.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
namespace tokens = admin::tokens;

TEST_CASE("token helpers: secrets, hashes, names, times") {
  std::set<std::string> secrets;
  for (int i = 0; i < 100; ++i) {
    std::string s = tokens::new_secret();
    CHECK(s.size() == 43);
    CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    secrets.insert(s);
  }
  CHECK(secrets.size() == 100);
  const std::string h = tokens::hash("abc");
  CHECK(h.size() == 32);
  CHECK(uint8_t(h[0]) == 0xba);  // SHA-256("abc") = ba7816bf...
  CHECK(uint8_t(h[31]) == 0xad);
  CHECK(tokens::matches("abc", h));
  CHECK(!tokens::matches("abd", h));
  CHECK(!tokens::matches("abc", h.substr(1)));
  std::string_view name, secret;
  CHECK(tokens::split("a.b.c", name, secret));
  CHECK(name == "a.b");
  CHECK(secret == "c");
  CHECK(!tokens::split("abc", name, secret));
  CHECK(!tokens::split(".abc", name, secret));
  CHECK(!tokens::split("abc.", name, secret));
  CHECK(tokens::valid_name("tenant-42_a"));
  CHECK(!tokens::valid_name(""));
  CHECK(!tokens::valid_name("a.b"));
  CHECK(!tokens::valid_name(std::string(65, 'a')));
  CHECK(tokens::parse_time("2027-01-31") == 1801353600);
  CHECK(tokens::parse_time("2027-01-31T12:00:00Z") == 1801353600 + 43200);
  CHECK(tokens::parse_time("2027-01-31T12:00:00+02:00") == 1801353600 + 36000);
  CHECK(!tokens::parse_time("2027-13-01"));
  CHECK(!tokens::parse_time("2027-01-31T25:00:00Z"));
  CHECK(!tokens::parse_time("2027-01-31T12:00:00"));
  CHECK(!tokens::parse_time("tomorrow"));
  CHECK(tokens::scope_names(tokens::kRead | tokens::kAdmin) ==
        std::vector<std::string>{"read", "admin"});
  CHECK(tokens::scope_bit("fly") == 0);
}

TEST_CASE("token-add, token-list, token-revoke through the handler") {
  rdnsd::testing::TempDir dir("tokens");
  auto store = zonestore::testing::open_store(dir.path);
  store->reconcile({zonestore::testing::config_zone("192.0.2.0/24")}, {}, 1795000000);
  admin::HandlerOptions o;
  o.clock = [] { return std::time_t(1795000000); };
  admin::Handler h(*store, o);
  admin::Peer peer{"alice"};
  auto call = [&](const std::string& line) { return Json::parse(h.handle_line(line, peer)); };
  Json a = call(
      R"({"op":"token-add","name":"t1","scopes":["write"],"prefixes":["192.0.2.0/26"],"quota":5,"expires":"2030-01-01"})");
  REQUIRE(a["ok"] == true);
  const std::string secret = a["secret"];
  CHECK(secret.rfind("t1.", 0) == 0);
  auto stored = store->token("t1");
  REQUIRE(stored);
  CHECK(tokens::matches(secret.substr(3), stored->hash));
  CHECK(stored->created_by == "alice");
  CHECK(a["token"]["expires"] == "2030-01-01T00:00:00Z");
  // The secret is in no later answer.
  Json list = call(R"({"op":"token-list"})");
  CHECK(list["tokens"].size() == 1);
  CHECK(list["tokens"][0]["records"] == 0);
  CHECK(list.dump().find(secret.substr(3)) == std::string::npos);
  auto code = [&](const std::string& line) {
    Json r = call(line);
    return r["ok"] == true ? std::string("ok") : r["error"]["code"].get<std::string>();
  };
  CHECK(code(R"({"op":"token-add","name":"t1","scopes":["read"],"prefixes":["192.0.2.0/26"]})") ==
        "conflict");
  CHECK(code(R"({"op":"token-add","name":"t2","scopes":[],"prefixes":["192.0.2.0/26"]})") ==
        "bad_request");
  CHECK(code(R"({"op":"token-add","name":"t2","scopes":["write"]})") == "bad_request");
  CHECK(code(R"({"op":"token-add","name":"t2","scopes":["write"],"prefixes":["x"]})") ==
        "bad_address");
  CHECK(
      code(
          R"({"op":"token-add","name":"t2","scopes":["write"],"prefixes":["192.0.2.0/26"],"expires":"2020-01-01"})") ==
      "bad_request");
  CHECK(
      code(
          R"({"op":"token-add","name":"t2","scopes":["write"],"prefixes":["192.0.2.0/26"],"quota":-1})") ==
      "bad_request");
  CHECK(code(R"({"op":"token-add","name":"t2","scopes":["admin"]})") == "ok");
  CHECK(code(R"({"op":"token-revoke","name":"t1"})") == "ok");
  CHECK(code(R"({"op":"token-revoke","name":"t1"})") == "not_found");
  CHECK(!store->token("t1"));
}

TEST_CASE("parse_bounded_json: the request line's bounds for other doors") {
  admin::Error e;
  CHECK(admin::parse_bounded_json(R"({"a":[1,2,{"b":null}]})", e));
  CHECK(!admin::parse_bounded_json(R"({"a":1,"a":2})", e));
  CHECK(e.message.find("appears twice") != std::string::npos);
  CHECK(!admin::parse_bounded_json(std::string(33, '[') + std::string(33, ']'), e));
  CHECK(e.message.find("deeper") != std::string::npos);
  CHECK(!admin::parse_bounded_json("{", e));
  CHECK(e.code == "bad_request");
  CHECK(e.message.find("malformed JSON") != std::string::npos);
  std::string many = "[";
  for (int i = 0; i < 100001; ++i) many += i ? ",0" : "0";
  CHECK(!admin::parse_bounded_json(many + "]", e));
}
