// rdnsctl status and rdnsctl reload against a real rdnsd: what an operator sees, in text
// and JSON, and a reload that applies, one that needs a restart, and one refused with
// FILE:LINE while the running configuration keeps serving.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kNew = "113.0.203.in-addr.arpa.";

std::string new_zone() {
  return zone_yaml("203.0.113.0/24",
                   "    ns: [ns1.example.net.]\n"
                   "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n");
}

json status_json(const Rdnsd& d) {
  auto r = d.rdnsctl({"--json", "status"});
  INFO(r.describe());
  REQUIRE(r.ok());
  return json::parse(r.out);
}

json zone_of(const json& status, const std::string& apex) {
  for (const auto& z : status["zones"])
    if (z["zone"] == apex) return z;
  return nullptr;
}

}  // namespace

TEST_CASE("rdnsctl status --json: version, uptime, workers, listeners, store, zones") {
  Rdnsd d;
  REQUIRE(d.rdnsctl({"set", "192.0.2.2", "mail.example.com."}).ok());
  json s = status_json(d);
  INFO(s.dump(2));
  const auto version = run({RDNSD_BIN, "--version"});
  CHECK(version.out == "rdnsd " + s["version"].get<std::string>() + "\n");
  CHECK(s["uptime"].get<int64_t>() >= 0);
  CHECK(s["uptime"].get<int64_t>() < 60);
  CHECK(s["workers"] == 2);
  CHECK(s["listeners"] == json::array({"127.0.0.1:" + std::to_string(d.port()),
                                       "[::1]:" + std::to_string(d.port())}));
  CHECK(s["config"] == d.config_path());
  CHECK(s["admin_socket"] == d.socket_path());
  const json store = s["store"];
  CHECK(store["path"] == d.dir() + "/store");
  CHECK(store["size"].get<uint64_t>() > 0);
  CHECK(store["map_used"].get<uint64_t>() > 0);
  CHECK(store["map_used"].get<uint64_t>() <= store["size"].get<uint64_t>());
  CHECK(store["map_used"].get<uint64_t>() < store["map_size"].get<uint64_t>());
  CHECK(store["records"] == 6);
  REQUIRE(s["zones"].size() == 3);
  const json v4 = zone_of(s, kV4);
  CHECK(v4["serial"] == d.serial(kV4));
  CHECK(v4["records"] == 3);
  CHECK(zone_of(s, "100.51.198.in-addr.arpa.")["records"] == 1);
  CHECK(zone_of(s, "8.b.d.0.1.0.0.2.ip6.arpa.")["records"] == 2);
}

TEST_CASE("rdnsctl status for people names each part on its own line") {
  Rdnsd d;
  auto r = d.rdnsctl({"status"});
  INFO(r.describe());
  REQUIRE(r.ok());
  CHECK(r.out.rfind("version: ", 0) == 0);
  CHECK(r.out.find("\nworkers: 2\n") != std::string::npos);
  CHECK(r.out.find("listeners: 127.0.0.1:" + std::to_string(d.port())) != std::string::npos);
  CHECK(r.out.find("\nzones: 3\n") != std::string::npos);
  CHECK(r.out.find("  " + std::string(kV4) + "  192.0.2.0/24  serial " +
                   std::to_string(d.serial(kV4)) + "  2 records") != std::string::npos);
  CHECK(r.out.find(" records\n") != std::string::npos);
  CHECK(r.out.find("map ") != std::string::npos);
}

TEST_CASE("status lists each zone's secondaries with the serial they answered") {
  const uint16_t quiet = free_port();  // nothing answers there
  RdnsdOptions o;
  o.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\nstore:\n  path: "
      "{DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\nzone-defaults:\n  secondaries:\n"
      "    - { address: \"127.0.0.1:" +
      std::to_string(quiet) + "\" }\nzones:\n" + kDefaultZones;
  Rdnsd d(o);
  json s = status_json(d);
  const json v4 = zone_of(s, kV4);
  INFO(v4.dump(2));
  REQUIRE(v4["secondaries"].size() == 1);
  CHECK(v4["secondaries"][0]["address"] == "127.0.0.1:" + std::to_string(quiet));
  CHECK(v4["secondaries"][0]["serial"].is_null());
  CHECK(v4["status"] == "pending");
  auto text = d.rdnsctl({"status"});
  CHECK(text.out.find("    secondary 127.0.0.1:" + std::to_string(quiet) + "  serial -") !=
        std::string::npos);
}

TEST_CASE("rdnsctl reload applies a new zone and says what changed") {
  Rdnsd d;
  RdnsdOptions o;
  o.zones = std::string(kDefaultZones) + new_zone();
  d.rewrite_config(o);
  auto r = d.rdnsctl({"reload"});
  INFO(r.describe());
  REQUIRE(r.ok());
  CHECK(r.out.rfind("reloaded\n", 0) == 0);
  CHECK(r.out.find("zones created: " + std::string(kNew)) != std::string::npos);
  CHECK(d.serial(kNew) > 0);
  auto j = d.rdnsctl({"--json", "reload"});  // nothing new the second time
  REQUIRE(j.ok());
  const json a = json::parse(j.out);
  REQUIRE(a["changes"].size() == 1);
  CHECK(a["changes"][0].get<std::string>().find("zones created: none") == 0);
  CHECK(d.stderr_text().find("notice: reload: zones created: " + std::string(kNew)) !=
        std::string::npos);
}

TEST_CASE("rdnsctl reload says which changes wait for a restart") {
  Rdnsd d;
  RdnsdOptions o;
  o.server = {"tcp-idle-timeout: 3000"};
  d.rewrite_config(o);
  auto r = d.rdnsctl({"reload"});
  INFO(r.describe());
  REQUIRE(r.ok());
  CHECK(r.out.find("server changed; the running settings stay until rdnsd is restarted") !=
        std::string::npos);
}

TEST_CASE("rdnsctl reload of a bad file: FILE:LINE, exit 1, the running config kept") {
  Rdnsd d;
  const uint32_t before = d.serial(kV4);
  RdnsdOptions o;
  o.zones = std::string(kDefaultZones) + new_zone() + "    ttl: many\n";
  d.rewrite_config(o);
  auto r = d.rdnsctl({"reload"});
  INFO(r.describe());
  CHECK(r.status == 1);
  CHECK(r.err.find("bad_config") != std::string::npos);
  // The file and the line of the bad value (its last line).
  const std::string text = read_file(d.config_path());
  const int last = int(std::count(text.begin(), text.end(), '\n'));
  CHECK(r.err.find(d.config_path() + ":" + std::to_string(last) + ": ") != std::string::npos);
  // Nothing of it applied: the new zone is not served, the old ones are as they were.
  CHECK(d.dig({kNew, "SOA"}).status == "REFUSED");
  CHECK(d.serial(kV4) == before);
  CHECK(d.dig({"-x", "192.0.2.1"}).answer.size() == 1);
  CHECK(d.stderr_text().find("reload refused, keeping the running configuration: " +
                             d.config_path() + ":") != std::string::npos);
  auto raw = d.admin(R"({"op":"reload","extra":1})");
  CHECK(raw["error"]["code"] == "bad_request");
}
