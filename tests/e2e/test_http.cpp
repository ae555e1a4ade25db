// The REST API over HTTP (docs/HTTP-API.md), driven with curl against a real rdnsd:
// every endpoint, every error, tokens with and without their scopes, and dig seeing
// each write.
#include <doctest/doctest.h>

#include "tests/e2e/support/e2e.h"
#include "tests/e2e/support/http.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

constexpr const char* kTenantArgs[] = {"--scope",      "write",    "--prefix",
                                       "192.0.2.0/26", "--prefix", "2001:db8:1234:5600::/56"};

struct Api {
  uint16_t http_port = free_port();
  Rdnsd d;
  HttpClient http;
  std::string tenant;  // write token for 192.0.2.0/26 and 2001:db8:1234:5600::/56

  explicit Api(const std::vector<std::string>& http_lines = {})
      : d(http_options(http_port, http_lines)),
        http("http://127.0.0.1:" + std::to_string(http_port), {}, d.dir() + "/exchanges.jsonl") {
    wait_http(d, http_port);
    tenant = add_token(d, "tenant", {std::begin(kTenantArgs), std::end(kTenantArgs)});
  }
  // Every answer this case got matches docs/openapi.yaml.
  ~Api() {
    if (read_file(d.dir() + "/exchanges.jsonl").empty()) return;
    RunResult r = run({"/usr/bin/python3", RDNSD_SOURCE_DIR "/tests/e2e/support/openapi_check.py",
                       RDNSD_SOURCE_DIR "/docs/openapi.yaml", d.dir() + "/exchanges.jsonl"});
    CHECK_MESSAGE(r.ok(), r.describe());
  }
  std::string http_base() const { return "http://127.0.0.1:" + std::to_string(http_port); }
  std::string ptr(const std::string& ip) {
    DigResult r = d.dig({"-x", ip});
    return r.answer.empty() ? "" : r.answer[0].rdata;
  }
};

}  // namespace

TEST_CASE("http: POST, GET, PUT and DELETE a record, dig following each write") {
  Api a;
  const uint32_t s4 = a.d.serial("2.0.192.in-addr.arpa.");
  const uint32_t s6 = a.d.serial("8.b.d.0.1.0.0.2.ip6.arpa.");

  HttpReply created =
      a.http.call("POST", "/reverserecords", a.tenant,
                  record_body("192.0.2.2", "mail.example.com", "\"description\":\"mail\""));
  REQUIRE_MESSAGE(created.status == 200, created.body);
  const json& rec = created.json;
  const std::string id = rec["id"];
  CHECK(id.size() == 36);
  CHECK(rec["type"] == "reverserecord");
  CHECK(rec["href"] == "/reverserecords/" + id);
  CHECK(rec["properties"] == json{{"name", "mail.example.com"},
                                  {"description", "mail"},
                                  {"ip", "192.0.2.2"},
                                  {"ttl", 3600}});
  CHECK(rec["metadata"]["createdBy"] == "tenant");
  CHECK(rec["metadata"]["status"] == "ACTIVE");  // no secondaries: live at once
  CHECK(rec["metadata"]["action"] == "NONE");
  const std::string created_date = rec["metadata"]["createdDate"];
  CHECK(created_date.size() == 20);
  CHECK(created_date.back() == 'Z');
  CHECK(a.ptr("192.0.2.2") == "mail.example.com.");
  CHECK(a.d.serial("2.0.192.in-addr.arpa.") == s4 + 1);

  // A second POST for the address: 409 with the id it has; nothing changes.
  HttpReply again = a.http.call("POST", "/reverserecords", a.tenant,
                                record_body("192.0.2.2", "other.example.com"));
  CHECK(again.status == 409);
  CHECK(again.code() == "conflict");
  CHECK(again.json["id"] == id);
  CHECK(a.ptr("192.0.2.2") == "mail.example.com.");
  CHECK(a.d.serial("2.0.192.in-addr.arpa.") == s4 + 1);

  HttpReply got = a.http.get("/reverserecords/" + id, a.tenant);
  CHECK(got.status == 200);
  CHECK(got.json == rec);

  // PUT replaces name, TTL and description (absent: emptied).
  HttpReply put = a.http.call("PUT", "/reverserecords/" + id, a.tenant,
                              "{\"properties\":{\"name\":\"mx.example.com\",\"ttl\":60}}");
  REQUIRE_MESSAGE(put.status == 200, put.body);
  CHECK(put.json["id"] == id);
  CHECK(put.json["properties"]["ttl"] == 60);
  CHECK(put.json["properties"]["description"] == "");
  CHECK(put.json["metadata"]["createdDate"] == created_date);
  CHECK(a.ptr("192.0.2.2") == "mx.example.com.");
  DigResult ttl = a.d.dig({"-x", "192.0.2.2"});
  REQUIRE(!ttl.answer.empty());
  CHECK(ttl.answer[0].ttl == 60);

  // PUT with a new ip (IPv6 written long) moves it: same id and createdDate, one
  // transaction, both zones step once.
  HttpReply moved = a.http.call(
      "PUT", "/reverserecords/" + id, a.tenant,
      "{\"properties\":{\"name\":\"mx.example.com\",\"ip\":\"2001:0db8:1234:5600:0:0:0:0001\"}}");
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  CHECK(moved.json["id"] == id);
  CHECK(moved.json["properties"]["ip"] == "2001:db8:1234:5600::1");
  CHECK(moved.json["properties"]["ttl"] == 7200);  // the new zone's default
  CHECK(moved.json["metadata"]["createdDate"] == created_date);
  CHECK(a.ptr("192.0.2.2") == "");
  CHECK(a.d.dig({"-x", "192.0.2.2"}).status == "NXDOMAIN");
  CHECK(a.ptr("2001:db8:1234:5600::1") == "mx.example.com.");
  CHECK(a.d.serial("2.0.192.in-addr.arpa.") == s4 + 3);
  CHECK(a.d.serial("8.b.d.0.1.0.0.2.ip6.arpa.") == s6 + 1);
  CHECK(a.http.get("/reverserecords/" + id, a.tenant).json["properties"]["ip"] ==
        "2001:db8:1234:5600::1");

  HttpReply del = a.http.call("DELETE", "/reverserecords/" + id, a.tenant);
  CHECK(del.status == 202);
  CHECK(del.json["id"] == id);
  CHECK(a.http.get("/reverserecords/" + id, a.tenant).status == 404);
  CHECK(a.d.dig({"-x", "2001:db8:1234:5600::1"}).status == "NXDOMAIN");
  CHECK(a.d.serial("8.b.d.0.1.0.0.2.ip6.arpa.") == s6 + 2);
  // Deleting again: the id is gone.
  CHECK(a.http.call("DELETE", "/reverserecords/" + id, a.tenant).status == 404);
}

TEST_CASE("http: bad requests are 400 with a clear message and change nothing") {
  Api a;
  const uint32_t s4 = a.d.serial("2.0.192.in-addr.arpa.");
  struct Case {
    std::string body, code, says;
  };
  const std::vector<Case> cases = {
      {"{\"properties\":{\"ip\":\"192.0.2.3\",\"name\":\"a.example.com\",}}", "bad_request",
       "malformed JSON"},
      {"[1,2]", "bad_request", "JSON object"},
      {"{\"properties\":{\"ip\":\"192.0.2.3\",\"ip\":\"192.0.2.4\",\"name\":\"a.example.com\"}}",
       "bad_request", "appears twice"},
      {std::string(40, '[') + std::string(40, ']'), "bad_request", "deeper than"},
      {"{\"properties\":{\"ip\":\"192.0.2.3\"}}", "bad_name", "name is required"},
      {"{\"properties\":{\"name\":\"a.example.com\"}}", "bad_address", "ip is required"},
      {record_body("192.0.2.999", "a.example.com"), "bad_address", "not an IP address"},
      {record_body("192.0.2.3", "bad..name"), "bad_name", ""},
      {record_body("192.0.2.3", "a.example.com", "\"ttl\":-1"), "bad_ttl", "0..2147483647"},
      {record_body("192.0.2.3", "a.example.com", "\"ttl\":1.5"), "bad_ttl", ""},
      {record_body("192.0.2.3", "a.example.com", "\"ttl\":2147483648"), "bad_ttl", ""},
      {record_body("192.0.2.3", "a.example.com", "\"ttl\":1e999"), "bad_request", "malformed"},
      {record_body("192.0.2.3", "a.example.com",
                   "\"description\":\"" + std::string(300, 'x') + "\""),
       "bad_description", "longer than"},
      {record_body("192.0.2.3", "a.example.com", "\"colour\":\"red\""), "bad_request",
       "unknown field 'properties.colour'"},
      {"{\"props\":{}}", "bad_request", "unknown field 'props'"},
      {"", "bad_request", "JSON body"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body.substr(0, 80));
    HttpReply r = a.http.call("POST", "/reverserecords", a.tenant, c.body.empty() ? " " : c.body);
    CHECK(r.status == 400);
    CHECK(r.json["httpStatus"] == 400);
    CHECK(r.code() == c.code);
    CHECK(r.body.find(c.says) != std::string::npos);
  }
  CHECK(a.ptr("192.0.2.3") == "");
  CHECK(a.d.serial("2.0.192.in-addr.arpa.") == s4);
  // Query parameters are checked too.
  for (const char* q : {"?limit=0", "?limit=1001", "?limit=x", "?offset=-1", "?colour=red",
                        "?limit=5&limit=6", "?filter.recordIp=nonsense", "?after=x"}) {
    CAPTURE(q);
    HttpReply r = a.http.get(std::string("/reverserecords") + q, a.tenant);
    CHECK(r.status == 400);
    CHECK(!r.code().empty());
  }
  CHECK(a.http.get("/nothing", a.tenant).status == 404);
  HttpReply wrong = a.http.call("PATCH", "/reverserecords", a.tenant, "{}");
  CHECK(wrong.status == 405);
  CHECK(a.http.call("POST", "/quota", a.tenant, "{}").status == 405);
}

TEST_CASE(
    "http: tokens: 401 without one, 403 outside the prefixes or scope, 404 for ids out of scope") {
  Api a;
  const std::string body = record_body("192.0.2.5", "five.example.com");
  HttpReply none = a.http.call("POST", "/reverserecords", "", body);
  CHECK(none.status == 401);
  CHECK(none.code() == "unauthorized");
  CHECK(a.http.call("POST", "/reverserecords", "tenant.wrongsecret", body).status == 401);
  CHECK(a.http.call("POST", "/reverserecords", "nobody.x", body).status == 401);
  CHECK(a.http.call("POST", "/reverserecords", "garbage", body).status == 401);
  CHECK(a.http.get("/quota", "").status == 401);
  // The scheme is case-insensitive; anything but Bearer is not.
  CHECK(HttpClient(a.http_base(), {"-H", "Authorization: bearer " + a.tenant})
            .get("/quota", "")
            .status == 200);
  CHECK(HttpClient(a.http_base(), {"-H", "Authorization: Basic " + a.tenant})
            .get("/quota", "")
            .status == 401);

  // Outside the token's prefixes: 403, nothing written.
  HttpReply outside =
      a.http.call("POST", "/reverserecords", a.tenant, record_body("192.0.2.64", "x.example.com"));
  CHECK(outside.status == 403);
  CHECK(outside.code() == "forbidden");
  CHECK(a.ptr("192.0.2.64") == "");

  // A read token may read, not write.
  const std::string reader =
      add_token(a.d, "reader", {"--scope", "read", "--prefix", "192.0.2.0/26"});
  CHECK(a.http.call("POST", "/reverserecords", reader, body).status == 403);
  CHECK(a.http.get("/reverserecords", reader).status == 200);

  // The seed 192.0.2.10 is inside the tenant's /26; 198.51.100.7 is not: its id is 404
  // for the tenant (not 403), and visible to an admin token.
  const std::string admin = add_token(a.d, "ops", {"--scope", "admin"});
  HttpReply all = a.http.get("/reverserecords?filter.recordIp=198.51.100.7", admin);
  REQUIRE(all.status == 200);
  REQUIRE(all.json["items"].size() == 1);
  const std::string foreign = all.json["items"][0]["id"];
  CHECK(a.http.get("/reverserecords/" + foreign, a.tenant).status == 404);
  CHECK(a.http.call("DELETE", "/reverserecords/" + foreign, a.tenant).status == 404);
  CHECK(a.http
            .call("PUT", "/reverserecords/" + foreign, a.tenant,
                  record_body("192.0.2.7", "x.example.com"))
            .status == 404);
  CHECK(a.ptr("198.51.100.7") == "seven.example.org.");
  CHECK(a.http.get("/reverserecords/" + foreign, admin).status == 200);
  // The tenant's collection holds only its own records.
  HttpReply mine = a.http.get("/reverserecords", a.tenant);
  for (const auto& item : mine.json["items"])
    CHECK(item["properties"]["ip"].get<std::string>().rfind("192.0.2.", 0) == 0);
  // Moving a record out of the prefixes: 403.
  HttpReply seed = a.http.get("/reverserecords?filter.recordIp=192.0.2.10", a.tenant);
  REQUIRE(seed.json["items"].size() == 1);
  const std::string seed_id = seed.json["items"][0]["id"];
  CHECK(a.http
            .call("PUT", "/reverserecords/" + seed_id, a.tenant,
                  record_body("192.0.2.200", "www.example.net"))
            .status == 403);
  CHECK(a.ptr("192.0.2.10") == "www.example.net.");

  // Revoked: 401 from the next request on.
  CHECK(a.d.rdnsctl({"token", "revoke", "reader"}).ok());
  CHECK(a.http.get("/reverserecords", reader).status == 401);
  CHECK(a.d.rdnsctl({"token", "revoke", "reader"}).status == 1);
}

TEST_CASE("http: quota: GET /quota and 429 past the token's limit") {
  Api a;
  // The seeds 192.0.2.1 and 192.0.2.10 count: two of three used.
  const std::string small =
      add_token(a.d, "small", {"--scope", "write", "--prefix", "192.0.2.0/26", "--quota", "3"});
  HttpReply q = a.http.get("/quota", small);
  CHECK(q.status == 200);
  CHECK(q.json ==
        json{{"quotaLimits", {{"reverseRecords", 3}}}, {"quotaUsage", {{"reverseRecords", 2}}}});
  CHECK(a.http.call("POST", "/reverserecords", small, record_body("192.0.2.20", "a.example.com"))
            .status == 200);
  HttpReply over =
      a.http.call("POST", "/reverserecords", small, record_body("192.0.2.21", "b.example.com"));
  CHECK(over.status == 429);
  CHECK(over.code() == "quota_exceeded");
  CHECK(a.ptr("192.0.2.21") == "");
  // Replacing within the quota still works (PUT of an existing record).
  HttpReply page = a.http.get("/reverserecords?filter.recordIp=192.0.2.20", small);
  const std::string id = page.json["items"][0]["id"];
  CHECK(a.http
            .call("PUT", "/reverserecords/" + id, small,
                  "{\"properties\":{\"name\":\"c.example.com\"}}")
            .status == 200);
  CHECK(a.http.get("/quota", small).json["quotaUsage"]["reverseRecords"] == 3);
  const std::string admin = add_token(a.d, "ops", {"--scope", "admin"});
  HttpReply total = a.http.get("/quota", admin);
  CHECK(total.json["quotaUsage"]["reverseRecords"] == 6);  // 5 seeds and the new one
  CHECK(total.json["quotaLimits"]["reverseRecords"].is_null());
}

TEST_CASE("http: rdnsctl token add, list and revoke, bad token requests refused") {
  Api a;
  RunResult list = a.d.rdnsctl({"token", "list"});
  CHECK(list.ok());
  CHECK(list.out.find("tenant") != std::string::npos);
  CHECK(list.out.find("192.0.2.0/26") != std::string::npos);
  CHECK(list.out.find(a.tenant.substr(a.tenant.find('.') + 1)) == std::string::npos);
  RunResult shown = a.d.rdnsctl({"token", "add", "shown", "--scope", "read", "--prefix",
                                 "192.0.2.0/24", "--expires", "2099-01-01"});
  CHECK(shown.ok());
  CHECK(shown.out.find("shown.") != std::string::npos);  // the secret, once
  CHECK(a.d.rdnsctl({"token", "list"}).out.find("2099-01-01T00:00:00Z") != std::string::npos);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"token", "add", "tenant", "--scope", "write", "--prefix",
                                 "192.0.2.0/26"},
        {"token", "add", "x", "--scope", "fly", "--prefix", "192.0.2.0/26"},
        {"token", "add", "x", "--scope", "write"},
        {"token", "add", "x", "--scope", "write", "--prefix", "192.0.2.0/33"},
        {"token", "add", "x y", "--scope", "write", "--prefix", "192.0.2.0/26"},
        {"token", "add", "x", "--scope", "write", "--prefix", "192.0.2.0/26", "--expires",
         "2001-01-01"},
        {"token", "add", "x", "--scope", "write", "--prefix", "192.0.2.0/26", "--expires",
         "soon"}}) {
    CAPTURE(bad[3]);
    RunResult r = a.d.rdnsctl(bad);
    CHECK(r.status == 1);
    CHECK(!r.err.empty());
  }
  CHECK(a.d.rdnsctl({"token", "list"}).out.find("\nx ") == std::string::npos);
  CHECK(a.d.rdnsctl({"token", "fly"}).status == 2);
}

TEST_CASE("http: a token of the tokens-file, its secret checked against the file's sha256") {
  const std::string dir = make_temp_dir("rdnsd-tokens");
  const std::string secret = "file-secret-0123456789";
  RunResult sum = run({"sha256sum"}, with_input(secret));
  REQUIRE(sum.ok());
  write_file(dir + "/tokens.yaml", "- name: filed\n  sha256: " + sum.out.substr(0, 64) +
                                       "\n  scopes: [write]\n  prefixes: [198.51.100.0/25]\n"
                                       "  quota: 2\n");
  Api a({"tokens-file: " + dir + "/tokens.yaml"});
  const std::string token = "filed." + secret;
  HttpReply r = a.http.call("POST", "/reverserecords", token,
                            record_body("198.51.100.8", "eight.example.org"));
  CHECK(r.status == 200);
  CHECK(r.json["metadata"]["createdBy"] == "filed");
  CHECK(a.ptr("198.51.100.8") == "eight.example.org.");
  CHECK(a.http.get("/quota", token).json["quotaUsage"]["reverseRecords"] == 2);  // and seven
  CHECK(a.http.call("POST", "/reverserecords", token, record_body("198.51.100.9", "x.example.org"))
            .status == 429);
  CHECK(a.http.get("/quota", "filed.wrong").status == 401);
  CHECK(a.http.call("POST", "/reverserecords", token, record_body("192.0.2.9", "x.example.org"))
            .status == 403);
  run({"rm", "-rf", dir});
}
