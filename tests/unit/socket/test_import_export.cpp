// import and export: the handler on a real store, the streamed answer over a real
// socket, and rdnsctl's master-file reader.
#include <doctest/doctest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "admin/cli/cli.h"
#include "admin/ops/handler.h"
#include "admin/ops/master_file.h"
#include "admin/socket/server.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
using testing::TempDir;

namespace {

constexpr const char* kV4 = "2.0.192.in-addr.arpa.";
constexpr const char* kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

// The exports below list two NS names.
zonestore::ZoneSettings config_zone(const char* prefix, uint64_t max_records = 0) {
  return zonestore::testing::config_zone(prefix, {"ns1.example.net.", "ns2.example.net."},
                                         max_records);
}

struct Fixture {
  TempDir dir{"transfer"};
  admin::Peer peer{"alice"};
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;

  explicit Fixture(uint64_t v4_limit = 0) {
    store = zonestore::testing::open_store(dir.path);
    store->reconcile({config_zone("192.0.2.0/24", v4_limit), config_zone("2001:db8::/32")}, {},
                     1795000000);
    admin::HandlerOptions h;
    h.clock = [] { return std::time_t(1795000100); };
    handler = std::make_unique<admin::Handler>(*store, h);
  }
  Json call(const Json& request) { return Json::parse(handler->handle_line(request.dump(), peer)); }
  Json ok(const Json& request) {
    Json a = call(request);
    INFO(request.dump() << " -> " << a.dump());
    REQUIRE(a["ok"] == true);
    return a;
  }
  uint32_t serial(const char* zone) { return store->zone(zone)->serial; }
  std::string dump() {
    Json out = ok({{"op", "zones"}})["zones"];
    out.push_back(ok({{"op", "list"}, {"limit", 1000}})["records"]);
    return out.dump();
  }
};

Json rr(const std::string& name, const std::string& type, const std::string& data, int line,
        int64_t ttl = 3600) {
  return Json{{"name", name}, {"type", type}, {"class", "IN"},
              {"ttl", ttl},   {"data", data}, {"line", line}};
}

Json import_request(Json records) {
  return Json{{"op", "import"}, {"records", std::move(records)}};
}

// A master file with something wrong in about every other line.
Json messy_records() {
  return Json::array({
      rr(kV4, "SOA", "ns1.example.net. hostmaster.example.net. 7 3600 600 1209600 300", 3),
      rr(kV4, "NS", "ns1.example.net.", 4),
      rr("1.2.0.192.in-addr.arpa.", "PTR", "gw.example.net.", 5, 600),
      rr("20.2.0.192.in-addr.arpa.", "PTR", "host20.example.com.", 6),
      rr("22.2.0.192.in-addr.arpa.", "A", "192.0.2.22", 7),
      rr("23.2.0.192.in-addr.arpa.", "PTR", "bad_name!.example.com.", 8),
      rr("7.100.51.198.in-addr.arpa.", "PTR", "outside.example.org.", 10),
      rr("2.0.192.in-addr.arpa.", "PTR", "short.example.net.", 12),
      rr("20.2.0.192.in-addr.arpa.", "PTR", "again.example.com.", 13),
      rr("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "PTR",
         "v6.example.net.", 15, 7200),
      rr("24.2.0.192.in-addr.arpa.", "PTR", "big-ttl.example.", 16, 2147483648),
  });
}

}  // namespace

TEST_CASE("import: every record is added, replaced or skipped with its reason") {
  Fixture f;
  f.ok({{"op", "set"}, {"ip", "192.0.2.1"}, {"name", "old.example"}, {"description", "rack 4"}});
  uint32_t v4 = f.serial(kV4), v6 = f.serial(kV6);
  Json a = f.ok(import_request(messy_records()));
  CHECK(a["records"] == 11);
  CHECK(a["added"] == 2);     // 192.0.2.20, 2001:db8::1
  CHECK(a["replaced"] == 1);  // 192.0.2.1
  CHECK(a["skipped"] == 8);
  CHECK(a["reasons"] == Json{{"not_ptr", 3},
                             {"bad_name", 1},
                             {"not_in_zone", 1},
                             {"not_address", 1},
                             {"duplicate", 1},
                             {"bad_ttl", 1}});
  std::vector<std::pair<int, std::string>> skipped;
  for (const Json& s : a["skips"]) skipped.emplace_back(s["line"], s["reason"]);
  CHECK(skipped == std::vector<std::pair<int, std::string>>{{3, "not_ptr"},
                                                            {4, "not_ptr"},
                                                            {7, "not_ptr"},
                                                            {8, "bad_name"},
                                                            {10, "not_in_zone"},
                                                            {12, "not_address"},
                                                            {13, "duplicate"},
                                                            {16, "bad_ttl"}});
  CHECK(a["skips"][0]["index"] == 0);
  CHECK(a["skips"][0]["name"] == kV4);
  CHECK(a["skips"][0]["type"] == "SOA");
  CHECK(a["skips"][6]["message"].get<std::string>().find("record 3") != std::string::npos);
  CHECK(a["dry_run"] == false);
  // One serial step per touched zone; the TTL is the record's; a replace keeps the
  // description (a master file has none) and the id.
  CHECK(a["serials"].size() == 2);
  CHECK(f.serial(kV4) == v4 + 1);
  CHECK(f.serial(kV6) == v6 + 1);
  Json one = f.ok({{"op", "show"}, {"ip", "192.0.2.1"}})["record"];
  CHECK(one["ptr"] == "gw.example.net.");
  CHECK(one["ttl"] == 600);
  CHECK(one["description"] == "rack 4");
  CHECK(one["modified_by"] == "alice");
  CHECK(f.ok({{"op", "show"}, {"ip", "192.0.2.20"}})["record"]["ptr"] == "host20.example.com.");
  CHECK(f.ok({{"op", "show"}, {"ip", "2001:db8::1"}})["record"]["ttl"] == 7200);
  CHECK(f.call({{"op", "show"}, {"ip", "192.0.2.23"}})["error"]["code"] == "not_found");
}

TEST_CASE("import: a dry run reports the same and changes nothing") {
  Fixture f;
  std::string before = f.dump();
  Json request = import_request(messy_records());
  request["dry_run"] = true;
  request["actor"] = "ipam";
  Json a = f.ok(request);
  CHECK(a["added"] == 3);
  CHECK(a["skipped"] == 8);
  CHECK(a["dry_run"] == true);
  CHECK(a["serials"].size() == 2);
  CHECK(f.dump() == before);
}

TEST_CASE("import: nothing to write leaves the serials alone") {
  Fixture f;
  std::string before = f.dump();
  Json a = f.ok(import_request(Json::array({rr(kV4, "NS", "ns1.example.net.", 1)})));
  CHECK(a["added"] == 0);
  CHECK(a["skipped"] == 1);
  CHECK(a["serials"] == Json::array());
  CHECK(f.dump() == before);
}

TEST_CASE("import: a quota failure fails the whole import, naming the record") {
  Fixture f(2);
  f.ok({{"op", "set"}, {"ip", "192.0.2.1"}, {"name", "one.example"}});
  std::string before = f.dump();
  Json records = Json::array({rr("9.9.9.in-addr.arpa.", "PTR", "x.example.", 1),
                              rr("2.2.0.192.in-addr.arpa.", "PTR", "two.example.", 2),
                              rr("1.2.0.192.in-addr.arpa.", "PTR", "one-again.example.", 3),
                              rr("3.2.0.192.in-addr.arpa.", "PTR", "three.example.", 4)});
  Json a = f.call(import_request(records));
  CHECK(a["ok"] == false);
  CHECK(a["error"]["code"] == "quota_exceeded");
  CHECK(a["error"]["index"] == 3);
  CHECK(f.dump() == before);
}

TEST_CASE("import: malformed requests are refused by the codec") {
  Fixture f;
  auto code = [&](const Json& r) { return f.call(r)["error"]["code"].get<std::string>(); };
  CHECK(code(import_request(Json::array())) == "bad_request");
  CHECK(code({{"op", "import"}}) == "bad_request");
  Json no_ttl = rr("1.2.0.192.in-addr.arpa.", "PTR", "a.example.", 1);
  no_ttl.erase("ttl");
  Json a = f.call(import_request(Json::array({rr(kV4, "NS", "n.example.", 1), no_ttl})));
  CHECK(a["error"]["code"] == "bad_request");
  CHECK(a["error"]["index"] == 1);
  CHECK(code(import_request(Json::array({rr(kV4, "PTR", "a.", 1, 4294967296)}))) == "bad_request");
  Json with_op = rr(kV4, "PTR", "a.", 1);
  with_op["op"] = "set";
  CHECK(code(import_request(Json::array({with_op}))) == "bad_request");
  Json extra = rr(kV4, "PTR", "a.", 1);
  extra["description"] = "x";
  CHECK(code(import_request(Json::array({extra}))) == "bad_request");
  CHECK(code({{"op", "import"}, {"records", Json::array({1})}}) == "bad_request");
}

namespace {

// Forward answers from a table: a name maps to its addresses; other names are NXDOMAIN.
struct TableResolver : fcrdns::Resolver {
  std::map<std::string, std::vector<std::string>> table;
  size_t calls = 0;
  std::vector<fcrdns::Forward> resolve(const std::vector<std::string>& names) override {
    ++calls;
    std::vector<fcrdns::Forward> out;
    for (const auto& n : names) {
      fcrdns::Forward f{{fcrdns::Answer::Status::NoName, {}, ""},
                        {fcrdns::Answer::Status::NoName, {}, ""}};
      if (auto it = table.find(n); it != table.end()) {
        f.a.status = f.aaaa.status = fcrdns::Answer::Status::Ok;
        for (const auto& a : it->second) {
          auto addr = *names::parse_ip(a);
          (addr.family == 4 ? f.a : f.aaaa).addresses.push_back(addr);
        }
      }
      out.push_back(f);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("import: forward confirmation skips in require zones and warns in warn zones") {
  Fixture f;
  auto resolver = std::make_shared<TableResolver>();
  resolver->table["good.example."] = {"10.7.0.1", "10.8.0.1"};
  resolver->table["elsewhere.example."] = {"192.0.2.99"};
  f.handler->set_resolver(resolver);
  for (const char* p : {"10.7.0.0/16", "10.8.0.0/16"})
    f.ok({{"op", "zone-add"},
          {"prefix", p},
          {"ns", {"ns1.example.net."}},
          {"rname", "h.example.net."},
          {"fcrdns", std::string(p) == "10.7.0.0/16" ? "require" : "warn"}});
  Json a = f.ok(import_request(Json::array({
      rr("1.0.7.10.in-addr.arpa.", "PTR", "good.example.", 1),
      rr("2.0.7.10.in-addr.arpa.", "PTR", "elsewhere.example.", 2),
      rr("3.0.7.10.in-addr.arpa.", "PTR", "missing.example.", 3),
      rr("1.0.8.10.in-addr.arpa.", "PTR", "good.example.", 4),
      rr("2.0.8.10.in-addr.arpa.", "PTR", "missing.example.", 5),
      rr("3.0.7.10.in-addr.arpa.", "PTR", "bad_name.example.", 6),  // a duplicate, not looked up
      rr("5.2.0.192.in-addr.arpa.", "PTR", "missing.example.", 7),  // fcrdns off
  })));
  CHECK(resolver->calls == 1);  // all names in one round
  CHECK(a["added"] == 4);
  CHECK(a["reasons"] == Json{{"fcrdns_failed", 2}, {"duplicate", 1}});
  CHECK(a["skips"][0]["line"] == 2);
  CHECK(a["skips"][0]["message"].get<std::string>().find("10.7.0.2 is not forward-confirmed") == 0);
  CHECK(a["skips"][1]["line"] == 3);
  REQUIRE(a["warnings"].size() == 1);
  CHECK(a["warnings"][0].get<std::string>().find("line 5: 10.8.0.2 is not forward-confirmed") == 0);
  CHECK(f.call({{"op", "show"}, {"ip", "10.7.0.2"}})["error"]["code"] == "not_found");
  CHECK(f.ok({{"op", "show"}, {"ip", "10.8.0.2"}})["record"]["ptr"] == "missing.example.");
}

TEST_CASE("export: header, SOA, NS, then the PTR records in address order") {
  Fixture f;
  for (const char* ip : {"192.0.2.100", "192.0.2.2", "192.0.2.10", "2001:db8::1"})
    f.ok({{"op", "set"}, {"ip", ip}, {"name", std::string("h") + ip[strlen(ip) - 1] + ".example"}});
  Json a = f.ok({{"op", "export"}, {"zone", "192.0.2.0/24"}, {"tag", 7}});
  CHECK(a["zone"] == kV4);
  CHECK(a["prefix"] == "192.0.2.0/24");
  CHECK(a["serial"] == f.serial(kV4));
  CHECK(a["records"] == 3);
  CHECK(a["tag"] == 7);
  std::string serial = std::to_string(f.serial(kV4));
  CHECK(a["lines"] == Json::array({
                          "; zone 2.0.192.in-addr.arpa. (192.0.2.0/24), 3 records",
                          "2.0.192.in-addr.arpa.\t3600\tIN\tSOA\tns1.example.net. "
                          "hostmaster.example.net. " +
                              serial + " 3600 600 1209600 300",
                          "2.0.192.in-addr.arpa.\t3600\tIN\tNS\tns1.example.net.",
                          "2.0.192.in-addr.arpa.\t3600\tIN\tNS\tns2.example.net.",
                          "2.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\th2.example.",
                          "10.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\th0.example.",
                          "100.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\th0.example.",
                      }));
  // The streamed line is the same line, tag last.
  std::string line =
      f.handler->handle_line(R"({"op":"export","zone":"2001:db8::/32","tag":"t"})", f.peer);
  CHECK(line.find(R"({"ok":true,"zone":"8.b.d.0.1.0.0.2.ip6.arpa.",)") == 0);
  CHECK(line.substr(line.size() - 12) == R"(],"tag":"t"})");
  CHECK(Json::parse(line)["lines"].size() == 5);

  auto code = [&](const Json& r) { return f.call(r)["error"]["code"].get<std::string>(); };
  CHECK(code({{"op", "export"}, {"zone", "198.51.100.0/24"}}) == "not_found");
  CHECK(code({{"op", "export"}, {"zone", "198.51.100.0/33"}}) == "bad_address");
  CHECK(code({{"op", "export"}}) == "bad_request");
  CHECK(code({{"op", "export"}, {"zone", "x"}, {"ttl", 1}}) == "bad_request");
}

TEST_CASE("export then import into a fresh store gives the same export") {
  Fixture a, b;
  Json ops = Json::array();
  for (int i = 1; i <= 300; ++i)  // some addresses twice: the later op replaces
    ops.push_back({{"op", "set"},
                   {"ip", "192.0.2." + std::to_string(i % 256)},
                   {"name", "host-" + std::to_string(i) + ".example.com"},
                   {"ttl", i}});
  a.ok({{"op", "batch"}, {"ops", ops}});
  Json first = a.ok({{"op", "export"}, {"zone", kV4}});
  Json records = Json::array();
  for (const Json& l : first["lines"]) {
    std::string text = l.get<std::string>();
    if (text[0] == ';') continue;
    std::istringstream in(text);
    std::string name, ttl, cls, type, data;
    in >> name >> ttl >> cls >> type;
    std::getline(in >> std::ws, data);
    records.push_back(rr(name, type, data, 0, std::stoll(ttl)));
  }
  Json imported = b.ok(import_request(records));
  CHECK(imported["added"] == 256);
  CHECK(imported["skipped"] == 3);  // SOA and two NS
  Json second = b.ok({{"op", "export"}, {"zone", kV4}});
  first["lines"].erase(1);  // the SOA: only its serial may differ
  second["lines"].erase(1);
  CHECK(first["lines"] == second["lines"]);
  CHECK(first["records"] == second["records"]);
}

TEST_CASE("set without a description keeps the old one, unset takes an actor") {
  Fixture f;
  f.ok({{"op", "set"}, {"ip", "192.0.2.5"}, {"name", "a.example"}, {"description", "d"}});
  Json r = f.ok({{"op", "set"}, {"ip", "192.0.2.5"}, {"name", "b.example"}})["record"];
  CHECK(r["description"] == "d");
  r = f.ok(
      {{"op", "set"}, {"ip", "192.0.2.5"}, {"name", "b.example"}, {"description", ""}})["record"];
  CHECK(r["description"] == "");
  f.ok({{"op", "unset"}, {"ip", "192.0.2.5"}, {"actor", "ipam"}});
  Json batch =
      f.ok({{"op", "batch"},
            {"ops", Json::array({{{"op", "set"}, {"ip", "192.0.2.6"}, {"name", "c.ex"}},
                                 {{"op", "unset"}, {"ip", "192.0.2.6"}, {"actor", "x"}}})}});
  CHECK(batch["removed"] == 1);
}

TEST_CASE("zone-add of an unaligned prefix adds every zone, or none") {
  Fixture f;
  f.ok({{"op", "zone-add"},
        {"prefix", "10.1.17.0/24"},
        {"ns", {"ns1.example.net."}},
        {"rname", "h.example.net."}});
  size_t zones = f.ok({{"op", "zones"}})["zones"].size();
  Json a = f.call({{"op", "zone-add"},
                   {"prefix", "10.1.16.0/22"},
                   {"ns", {"ns1.example.net."}},
                   {"rname", "h.example.net."}});
  CHECK(a["error"]["code"] == "conflict");
  CHECK(f.ok({{"op", "zones"}})["zones"].size() == zones);
  a = f.ok({{"op", "zone-add"},
            {"prefix", "10.1.20.0/22"},
            {"ns", {"ns1.example.net."}},
            {"rname", "h.example.net."}});
  CHECK(a["zones"].size() == 4);
  CHECK(a["expanded_from"] == "10.1.20.0/22");
  CHECK(f.ok({{"op", "zones"}})["zones"].size() == zones + 4);
}

// ---- the streamed answer over a real socket ----

namespace {

struct Conn {
  int fd = -1;
  std::string buf;
  explicit Conn(const std::string& path) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  }
  ~Conn() { close(fd); }
  void send_text(const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += size_t(n);
    }
  }
  // One answer line; `chunk` bytes per read (a slow reader with small chunks).
  std::optional<std::string> line(size_t chunk = 65536) {
    std::vector<char> tmp(chunk);
    for (;;) {
      if (auto nl = buf.find('\n'); nl != std::string::npos) {
        std::string out = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return out;
      }
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 30000) != 1) return std::nullopt;
      ssize_t n = read(fd, tmp.data(), tmp.size());
      if (n <= 0) return std::nullopt;
      buf.append(tmp.data(), size_t(n));
    }
  }
  bool at_eof() {
    char c;
    pollfd p{fd, POLLIN, 0};
    return buf.empty() && poll(&p, 1, 30000) == 1 && read(fd, &c, 1) == 0;
  }
};

struct Served : Fixture {
  std::string socket_path = dir.path + "/admin.sock";
  std::unique_ptr<admin::AdminServer> server;
  Served() {
    server = std::make_unique<admin::AdminServer>(*handler, socket_path, 0600);
    server->start();
  }
  ~Served() { server->stop(); }
};

// A /16 zone with `n` records, written in one batch.
void fill(Served& f, int n) {
  f.ok({{"op", "zone-add"},
        {"prefix", "10.9.0.0/16"},
        {"ns", {"ns1.example.net."}},
        {"rname", "h.example.net."}});
  Json ops = Json::array();
  for (int i = 0; i < n; ++i)
    ops.push_back({{"op", "set"},
                   {"ip", "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256)},
                   {"name", "a-rather-long-host-name-" + std::to_string(i) + ".example.com"}});
  f.ok({{"op", "batch"}, {"ops", ops}});
}

}  // namespace

TEST_CASE("a large export streams from one snapshot while other clients write") {
  Served f;
  fill(f, 30000);  // about 2 MB of answer
  Conn slow(f.socket_path), writer(f.socket_path);
  slow.send_text(R"({"op":"export","zone":"10.9.0.0/16","tag":"e"})"
                 "\n"
                 R"({"op":"show","ip":"10.9.0.1","tag":"after"})"
                 "\n");
  // Read a little of the export, then write through another connection: the writer is
  // answered at once, and the export still shows the zone as it was when it began.
  std::vector<char> first(4096);
  pollfd p{slow.fd, POLLIN, 0};
  REQUIRE(poll(&p, 1, 30000) == 1);
  ssize_t n = read(slow.fd, first.data(), first.size());
  REQUIRE(n > 0);
  slow.buf.assign(first.data(), size_t(n));
  writer.send_text(R"({"op":"unset","ip":"10.9.0.1"})"
                   "\n"
                   R"({"op":"set","ip":"10.9.200.1","name":"new.example"})"
                   "\n");
  REQUIRE(writer.line());
  REQUIRE(writer.line());
  auto line = slow.line(4096);
  REQUIRE(line);
  Json a = Json::parse(*line);
  CHECK(a["tag"] == "e");
  CHECK(a["records"] == 30000);
  REQUIRE(a["lines"].size() == 30000 + 3);
  CHECK(a["lines"][3] ==
        "0.0.9.10.in-addr.arpa.\t3600\tIN\tPTR\ta-rather-long-host-name-0.example.com.");
  CHECK(a["lines"][4].get<std::string>().find("1.0.9.10.in-addr.arpa.") == 0);
  CHECK(a["lines"].back().get<std::string>().find("47.117.9.10.in-addr.arpa.") == 0);
  // The line that waited behind the export is answered after it, and sees the unset.
  auto after = slow.line();
  REQUIRE(after);
  CHECK(Json::parse(*after)["tag"] == "after");
  CHECK(Json::parse(*after)["error"]["code"] == "not_found");
}

TEST_CASE("exports pipelined with a half-close are all answered, then the connection ends") {
  Served f;
  fill(f, 3000);
  Conn c(f.socket_path);
  std::string req = R"({"op":"export","zone":"2.0.192.in-addr.arpa."})"
                    "\n";
  c.send_text(req +
              R"({"op":"export","zone":"10.9.0.0/16"})"
              "\n" +
              req +
              R"({"op":"zones"})"
              "\n" +
              R"({"op":"export","zone":"10.9.0.0/16"})");  // the last one without newline
  shutdown(c.fd, SHUT_WR);
  std::vector<size_t> sizes;
  for (int i = 0; i < 5; ++i) {
    auto line = c.line();
    REQUIRE(line);
    Json a = Json::parse(*line);
    CHECK(a["ok"] == true);
    sizes.push_back(a.contains("lines") ? a["lines"].size() : 0);
  }
  CHECK(sizes == std::vector<size_t>{4, 3003, 4, 0, 3003});
  CHECK(c.at_eof());
}

TEST_CASE("rdnsctl export and import against a running server") {
  Served f;
  fill(f, 500);
  auto ctl = [&](std::vector<std::string> args, std::string& out, std::string& err) {
    std::istringstream in;
    std::ostringstream o, e;
    args.insert(args.begin(), {"--socket", f.socket_path});
    int rc = admin::cli::run(args, nullptr, in, o, e);
    out = o.str();
    err = e.str();
    return rc;
  };
  std::string out, err;
  REQUIRE(ctl({"export", "10.9.0.0/16"}, out, err) == 0);
  CHECK(err.empty());
  CHECK(out.find("; zone 9.10.in-addr.arpa. (10.9.0.0/16), 500 records\n9.10.in-addr.arpa.\t") ==
        0);
  CHECK(std::count(out.begin(), out.end(), '\n') == 503);
  std::string text = out;
  REQUIRE(ctl({"--json", "export", "10.9.0.0/16"}, out, err) == 0);
  Json a = Json::parse(out);
  CHECK(a["lines"].size() == 503);
  CHECK(out.back() == '\n');
  CHECK(ctl({"export", "10.10.0.0/16"}, out, err) == 1);
  CHECK(err.find("rdnsctl: error: not_found: ") == 0);
  CHECK(out.empty());

  // The export, changed a little, imported back.
  std::string path = f.dir.path + "/zone.txt";
  size_t at = text.find("a-rather-long-host-name-7.example.com.");
  text.replace(at, 38, "seven.example.com.");
  text += "this line is not a record\n";
  std::FILE* fp = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), fp);
  std::fclose(fp);
  uint32_t serial = f.serial("9.10.in-addr.arpa.");
  CHECK(ctl({"import", path}, out, err) == 2);
  INFO(err);
  INFO(out);
  CHECK(err.find(path + ":504: ") != std::string::npos);
  CHECK(f.serial("9.10.in-addr.arpa.") == serial);
  text.resize(text.size() - std::strlen("this line is not a record\n"));
  fp = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), fp);
  std::fclose(fp);
  REQUIRE(ctl({"import", path, "--actor", "restore"}, out, err) == 0);
  CHECK(out.find("import: 502 records read: 0 added, 500 replaced, 2 skipped\n") == 0);
  CHECK(out.find("skipped: 2 not_ptr\n") != std::string::npos);
  CHECK(out.find("3     9.10.in-addr.arpa.  NS    not_ptr") != std::string::npos);
  CHECK(f.serial("9.10.in-addr.arpa.") == serial + 1);
  Json seven = f.ok({{"op", "show"}, {"ip", "10.9.0.7"}})["record"];
  CHECK(seven["ptr"] == "seven.example.com.");
  CHECK(seven["modified_by"] == "restore");
}

// ---- rdnsctl's master-file reader ----

namespace {

Json read_text(const std::string& text, const std::string& origin = "") {
  std::FILE* fp = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
  REQUIRE(fp);
  try {
    Json out = admin::cli::read_master_file(fp, "z.txt", origin, nullptr);
    std::fclose(fp);
    return out;
  } catch (...) {
    std::fclose(fp);
    throw;
  }
}

std::string read_error(const std::string& text, const std::string& origin = "") {
  try {
    read_text(text, origin);
  } catch (const admin::cli::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("read_master_file: $ORIGIN, $TTL, relative and omitted owners, lines") {
  Json r = read_text(
      "; comment\n"
      "$TTL 300\n"
      "$ORIGIN 2.0.192.in-addr.arpa.\n"
      "@ IN SOA ns1.example.net. hostmaster.example.net. (\n"
      "    7 3600 600 1209600 300 )\n"
      "  IN NS ns1.example.net.\n"
      "1 600 IN PTR gw.example.net.\n"
      "\n"
      "2 PTR rel\n"
      "3.2.0.192.in-addr.arpa. 60 CH PTR x.example.\n");
  REQUIRE(r.size() == 5);
  CHECK(r[0]["type"] == "SOA");
  CHECK(r[0]["name"] == "2.0.192.in-addr.arpa.");
  CHECK(r[0]["line"] == 4);  // where the record begins
  CHECK(r[1] == Json{{"name", "2.0.192.in-addr.arpa."},
                     {"type", "NS"},
                     {"class", "IN"},
                     {"ttl", 300},
                     {"data", "ns1.example.net."},
                     {"line", 6}});
  CHECK(r[2]["ttl"] == 600);
  CHECK(r[2]["data"] == "gw.example.net.");
  CHECK(r[2]["line"] == 7);
  CHECK(r[3]["data"] == "rel.2.0.192.in-addr.arpa.");
  CHECK(r[3]["line"] == 9);
  CHECK(r[4]["class"] == "CH");
  CHECK(read_text("1 IN PTR a.example.\n", "2.0.192.in-addr.arpa")[0]["name"] ==
        "1.2.0.192.in-addr.arpa.");
  CHECK(read_text("1.2.0.192.in-addr.arpa. IN PTR a.example.")[0]["line"] == 1);  // no newline
}

TEST_CASE("read_master_file: errors name the line, nothing is returned") {
  CHECK(read_error("1 IN PTR a.example.\n") ==
        "z.txt:1: a relative name, and no $ORIGIN before it (or give --origin)");
  CHECK(read_error("1.2.0.192.in-addr.arpa. IN PTR target\n") ==
        "z.txt:1: a relative name, and no $ORIGIN before it (or give --origin)");
  CHECK(
      read_error("$ORIGIN 2.0.192.in-addr.arpa.\n1 IN PTR a.\n2 IN BOGUS x\n").find("z.txt:3: ") ==
      0);
  CHECK(read_error("$ORIGIN 2.0.192.in-addr.arpa.\n1 IN PTR a.\n2 IN A 300.1.1.1\n")
            .find("z.txt:3: ") == 0);
  CHECK(read_error("$INCLUDE other.zone\n") == "z.txt:1: $INCLUDE is not supported");
  CHECK(read_error("; only a comment\n\n") == "z.txt: no resource records in it");
  CHECK(read_error("x", "not a name..") == "z.txt: --origin 'not a name..' is not a domain name");
}

TEST_CASE("master_file lines") {
  zonestore::Zone z;
  z.apex = "2.0.192.in-addr.arpa.";
  z.settings = config_zone("192.0.2.0/24");
  z.serial = 42;
  z.record_count = 1;
  CHECK(admin::master_file::header_line(z) ==
        "; zone 2.0.192.in-addr.arpa. (192.0.2.0/24), 1 record");
  CHECK(admin::master_file::soa_line(z) ==
        "2.0.192.in-addr.arpa.\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. 42 3600 "
        "600 1209600 300");
  CHECK(admin::master_file::ns_line(z, "ns2.example.net.") ==
        "2.0.192.in-addr.arpa.\t3600\tIN\tNS\tns2.example.net.");
  zonestore::Record r;
  r.owner = "2.2.0.192.in-addr.arpa.";
  r.ttl = 0;
  r.target = "Mail.Example.com.";
  CHECK(admin::master_file::ptr_line(r) ==
        "2.2.0.192.in-addr.arpa.\t0\tIN\tPTR\tMail.Example.com.");
}
