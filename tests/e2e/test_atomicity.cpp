// All or nothing, seen from outside: a batch or an import with one bad op changes no
// record and no serial, and a write transaction that fails half-way (quota exceeded at
// op 5000 of 6000) leaves no trace in the store, also after rdnsd is killed and started
// again.
#include <sstream>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";
const char* const kBig = "30.10.in-addr.arpa.";  // 10.30.0.0/16, limit 5000

std::string ip_of(int n) {
  return "10.30." + std::to_string(n / 256) + "." + std::to_string(n % 256);
}

// Everything that can be seen: records (with ids and times), zones (serials, counts),
// quota usage.
std::string everything(const Rdnsd& d) {
  std::string out;
  for (uint64_t offset = 0;;) {
    json page = d.admin(json{{"op", "list"}, {"limit", 1000}, {"offset", offset}}.dump());
    REQUIRE(page["ok"] == true);
    out += page["records"].dump() + "\n";
    if (page["next_offset"].is_null()) break;
    offset = page["next_offset"];
  }
  out += d.admin(R"({"op":"zones"})").dump() + "\n";
  out += d.admin(R"({"op":"quota"})").dump() + "\n";
  return out;
}

void add_big_zone(const Rdnsd& d) {
  must(d.rdnsctl({"zone-add", "10.30.0.0/16", "--ns", "ns1.example.net.", "--rname",
                  "hostmaster.example.net.", "--max-records", "5000"}));
}

// 6000 sets of new records in 10.30.0.0/16 as CSV: the 5001st is over the zone's limit.
std::string six_thousand_csv() {
  std::string csv = "ip,name,ttl\n";
  for (int i = 0; i < 6000; ++i)
    csv += ip_of(i) + ",host-" + std::to_string(i) + ".example.com,300\n";
  return csv;
}

}  // namespace

TEST_CASE("a batch with one bad op changes nothing, serials included") {
  Rdnsd d;
  std::string before = everything(d);
  uint32_t v4 = d.serial(kV4), v6 = d.serial(kV6);
  for (const char* bad : {R"({"op":"set","ip":"203.0.113.9","name":"outside.example"})",
                          R"({"op":"set","ip":"192.0.2.99","name":"bad_name"})",
                          R"({"op":"unset","ip":"192.0.2.200"})",
                          R"({"op":"set","ip":"192.0.2.98","name":"x.example","ttl":-1})"}) {
    CAPTURE(bad);
    std::string text;
    for (int i = 0; i < 100; ++i) {
      if (i == 57) {
        text += std::string(bad) + "\n";
        continue;
      }
      text += (i % 2 ? "192.0.2." + std::to_string(100 + i) : "2001:db8::" + std::to_string(i)) +
              ",ok-" + std::to_string(i) + ".example\n";
    }
    std::string path = d.dir() + "/ops.txt";
    write_file(path, text);
    RunResult r = d.rdnsctl({"batch", path});
    INFO(r.describe());
    CHECK(r.status == 1);
    CHECK(r.err.find("(" + path + " line 58)") != std::string::npos);
  }
  CHECK(everything(d) == before);
  CHECK(d.serial(kV4) == v4);
  CHECK(d.serial(kV6) == v6);
  CHECK(d.dig({"-x", "192.0.2.101"}).status == "NXDOMAIN");
}

TEST_CASE("a batch that fails at op 5000 of 6000 leaves no trace, also after a restart") {
  Rdnsd d;
  add_big_zone(d);
  must(d.rdnsctl({"set", "10.30.255.1", "before.example.com"}));
  std::string before = everything(d);
  uint32_t serial = d.serial(kBig);

  std::string path = d.dir() + "/six-thousand.csv";
  write_file(path, six_thousand_csv());
  RunResult r = d.rdnsctl({"--json", "batch", path});
  INFO(r.describe());
  CHECK(r.status == 1);
  json a = json::parse(r.out);
  CHECK(a["error"]["code"] == "quota_exceeded");
  CHECK(a["error"]["index"] == 4999);  // the 5000th new record: one was there before
  CHECK(d.serial(kBig) == serial);
  CHECK(d.dig({"-x", ip_of(10)}).status == "NXDOMAIN");
  CHECK(everything(d) == before);

  // A crash right after, and a clean restart: the store holds what it held before.
  d.kill9();
  d.start();
  CHECK(everything(d) == before);
  CHECK(d.serial(kBig) == serial);
  json q = d.admin(R"({"op":"zone-show","zone":"10.30.0.0/16"})");
  CHECK(q["zone"]["records"] == 1);
  CHECK(d.admin(R"({"op":"quota"})")["global"]["used"] == 6);  // 5 seeds and one
  CHECK(d.dig({"-x", ip_of(4000)}).status == "NXDOMAIN");
  d.restart();
  CHECK(everything(d) == before);

  // And the zone still takes writes up to its limit.
  json ops = json::array();
  for (int i = 0; i < 4999; ++i)
    ops.push_back({{"op", "set"}, {"ip", ip_of(i)}, {"name", "fits.example.com"}});
  json ok = d.admin(json{{"op", "batch"}, {"ops", ops}}.dump());
  REQUIRE_MESSAGE(ok["ok"] == true, ok.dump().substr(0, 300));
  CHECK(d.serial(kBig) == serial + 1);
}

TEST_CASE("an import that fails at record 5000 of 6000 leaves no trace, also after a restart") {
  Rdnsd d;
  add_big_zone(d);
  std::string before = everything(d);
  uint32_t serial = d.serial(kBig);
  std::string zone = "$ORIGIN 30.10.in-addr.arpa.\n$TTL 300\n";
  for (int i = 0; i < 6000; ++i)
    zone += std::to_string(i % 256) + "." + std::to_string(i / 256) + " IN PTR host-" +
            std::to_string(i) + ".example.com.\n";
  std::string path = d.dir() + "/six-thousand.zone";
  write_file(path, zone);
  RunResult r = d.rdnsctl({"import", path});
  INFO(r.describe());
  CHECK(r.status == 1);
  CHECK(r.err.find("rdnsctl: error: quota_exceeded: ") == 0);
  CHECK(r.err.find("(" + path + " line 5003)") != std::string::npos);
  CHECK(d.serial(kBig) == serial);
  d.kill9();
  d.start();
  CHECK(everything(d) == before);
  CHECK(d.serial(kBig) == serial);
  CHECK(d.dig({"-x", ip_of(1)}).status == "NXDOMAIN");
}
