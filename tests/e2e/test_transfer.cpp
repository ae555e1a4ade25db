// rdnsctl import and export against a real rdnsd: a hand-edited master file with mistakes
// in it, a file that does not parse, and export -> kzonecheck / named-checkzone -> import
// into a fresh rdnsd -> export again.
#include <algorithm>
#include <regex>
#include <sstream>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV4b = "100.51.198.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

// A customer's reverse zone as people keep them: $ORIGIN and $TTL, relative owners, an
// SOA over two lines, and mistakes: an A record, a TXT at the apex, a name with an
// underscore... and records that belong elsewhere.
const char* const kMessy = R"(; reverse zone for 192.0.2.0/24, kept by hand
$TTL 7200
$ORIGIN 2.0.192.in-addr.arpa.
@	IN	SOA	ns1.example.net. hostmaster.example.net. (
		2024010101 3600 600 1209600 300 )
	IN	NS	ns1.example.net.
	IN	NS	ns2.example.net.
1	IN	PTR	gw.example.net.
20	600	IN	PTR	host20.example.com.
21		IN	PTR	host21.example.com.
22		IN	A	192.0.2.22
23		IN	PTR	bad_name.example.com.
@		IN	TXT	"do not edit by hand"
21		IN	PTR	host21-second.example.com.

$ORIGIN 113.0.203.in-addr.arpa.
5		IN	PTR	elsewhere.example.org.
$ORIGIN 0.192.in-addr.arpa.
2		IN	PTR	short-owner.example.net.
$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 3600 IN PTR v6-five.example.net.
)";

std::string records_snapshot(const Rdnsd& d) {
  return must(d.rdnsctl({"--json", "list", "--limit", "1000"})).out;
}

std::string write_temp(const Rdnsd& d, const std::string& name, const std::string& text) {
  std::string path = d.dir() + "/" + name;
  write_file(path, text);
  return path;
}

// The export with the SOA serial taken out (the one field that may differ between two
// servers holding the same records).
std::string without_serial(const std::string& text) {
  static const std::regex soa(R"((\tSOA\t\S+ \S+ )\d+ )");
  return std::regex_replace(text, soa, "$1SERIAL ");
}

void zone_checkers_accept(const std::string& apex, const std::string& path) {
  RunResult k = run({"kzonecheck", "-o", apex, path});
  INFO(k.describe());
  CHECK(k.ok());
  CHECK(k.text().find("rror") == std::string::npos);
  CHECK(k.text().find("arning") == std::string::npos);
  RunResult n = run({"named-checkzone", apex, path});
  INFO(n.describe());
  CHECK(n.ok());
  CHECK(n.out.find("OK") != std::string::npos);
  CHECK(n.text().find("arning") == std::string::npos);
  CHECK(n.text().find("ignoring") == std::string::npos);
}

}  // namespace

TEST_CASE("import of a hand-kept master file: what was added, replaced and skipped, and why") {
  Rdnsd d;
  must(d.rdnsctl({"set", "192.0.2.1", "old-gw.example.net.", "--description", "core router"}));
  uint32_t v4 = d.serial(kV4), v4b = d.serial(kV4b), v6 = d.serial(kV6);
  std::string path = write_temp(d, "customer.zone", kMessy);

  RunResult r = must(d.rdnsctl({"import", path, "--actor", "migration"}));
  CHECK(r.err.empty());  // stderr is no terminal: no progress bar
  std::istringstream out(r.out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(out, l);) lines.push_back(l);
  INFO(r.out);
  REQUIRE(lines.size() == 14);
  CHECK(lines[0] == "import: 13 records read: 3 added, 1 replaced, 9 skipped");
  CHECK(lines[1] == "skipped: 5 not_ptr, 1 bad_name, 1 duplicate, 1 not_in_zone, 1 not_address");
  // One line per skipped record: the file line, the owner, the type, the reason.
  auto row = [&](size_t i) {
    std::istringstream in(lines[i]);
    std::string line, name, type, reason;
    in >> line >> name >> type >> reason;
    return line + " " + name + " " + type + " " + reason;
  };
  CHECK(lines[2].find("LINE") == 0);
  std::vector<std::string> rows;
  for (size_t i = 3; i < 12; ++i) rows.push_back(row(i));
  CHECK(rows == std::vector<std::string>{
                    "4 2.0.192.in-addr.arpa. SOA not_ptr",
                    "6 2.0.192.in-addr.arpa. NS not_ptr",
                    "7 2.0.192.in-addr.arpa. NS not_ptr",
                    "11 22.2.0.192.in-addr.arpa. A not_ptr",
                    "12 23.2.0.192.in-addr.arpa. PTR bad_name",
                    "13 2.0.192.in-addr.arpa. TXT not_ptr",
                    "14 21.2.0.192.in-addr.arpa. PTR duplicate",
                    "17 5.113.0.203.in-addr.arpa. PTR not_in_zone",
                    "19 2.0.192.in-addr.arpa. PTR not_address",
                });
  CHECK(lines[12].find("zone ") == 0);  // the serials follow
  CHECK(lines[13].find("zone ") == 0);
  CHECK(r.out.find("zone 2.0.192.in-addr.arpa. serial " + std::to_string(v4 + 1)) !=
        std::string::npos);
  CHECK(r.out.find("zone 8.b.d.0.1.0.0.2.ip6.arpa. serial " + std::to_string(v6 + 1)) !=
        std::string::npos);

  // Served at once, with the file's TTLs; one serial step per touched zone.
  CHECK(d.serial(kV4) == v4 + 1);
  CHECK(d.serial(kV6) == v6 + 1);
  CHECK(d.serial(kV4b) == v4b);
  auto dig20 = d.dig({"-x", "192.0.2.20"});
  REQUIRE(dig20.answer.size() == 1);
  CHECK(dig20.answer[0].rdata == "host20.example.com.");
  CHECK(dig20.answer[0].ttl == 600);
  auto dig21 = d.dig({"-x", "192.0.2.21"});
  REQUIRE(dig21.answer.size() == 1);
  CHECK(dig21.answer[0].rdata == "host21.example.com.");  // the first of the two
  CHECK(dig21.answer[0].ttl == 7200);
  CHECK(d.dig({"-x", "192.0.2.23"}).status == "NXDOMAIN");
  CHECK(d.dig({"-x", "2001:db8::5"}).answer.at(0).rdata == "v6-five.example.net.");
  // The replaced record keeps its id and description; the actor is the one given.
  json gw = json::parse(must(d.rdnsctl({"--json", "show", "192.0.2.1"})).out)["record"];
  CHECK(gw["ptr"] == "gw.example.net.");
  CHECK(gw["description"] == "core router");
  CHECK(gw["modified_by"] == "migration");

  // --json: the whole answer, with the reasons counted and each skip's message.
  json a = json::parse(must(d.rdnsctl({"--json", "import", path, "--dry-run"})).out);
  CHECK(a["dry_run"] == true);
  CHECK(a["added"] == 0);
  CHECK(a["replaced"] == 4);
  CHECK(a["reasons"] == json{{"not_ptr", 5},
                             {"bad_name", 1},
                             {"duplicate", 1},
                             {"not_in_zone", 1},
                             {"not_address", 1}});
  CHECK(a["skips"][4]["message"].get<std::string>().find("bad_name.example.com.") !=
        std::string::npos);
  CHECK(d.serial(kV4) == v4 + 1);  // the dry run changed nothing
}

TEST_CASE("a master file that does not parse changes nothing") {
  Rdnsd d;
  std::string before = records_snapshot(d);
  uint32_t v4 = d.serial(kV4);
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::string>>{
           {"$ORIGIN 2.0.192.in-addr.arpa.\n30 IN PTR a.example.\n31 IN PTR\n", ":3: "},
           {"$ORIGIN 2.0.192.in-addr.arpa.\n30 IN PTR a.example.\n31 IN BOGUS x.\n", ":3: "},
           {"$ORIGIN 2.0.192.in-addr.arpa.\n30 IN PTR a.example.\n\n\n31 IN A 1.2.3\n", ":5: "},
           {"30.2.0.192.in-addr.arpa. IN PTR a.example.\n$INCLUDE more.zone\n", ":2: "},
           {"30 IN PTR a.example.\n", ":1: "},  // relative, and no $ORIGIN
       }) {
    CAPTURE(text);
    std::string path = write_temp(d, "broken.zone", text);
    RunResult r = d.rdnsctl({"import", path});
    INFO(r.describe());
    CHECK(r.status == 2);
    CHECK(r.err.find("rdnsctl: " + path + line) == 0);
    CHECK(r.out.empty());
  }
  CHECK(d.rdnsctl({"import", d.dir() + "/missing.zone"}).status == 2);
  CHECK(records_snapshot(d) == before);
  CHECK(d.serial(kV4) == v4);
}

TEST_CASE("export passes kzonecheck and named-checkzone, import into a fresh rdnsd, same export") {
  Rdnsd a;
  // A few thousand records in all three zones, with assorted TTLs and letter case.
  json ops = json::array();
  for (int i = 0; i < 256; ++i)
    ops.push_back({{"op", "set"},
                   {"ip", "192.0.2." + std::to_string(i)},
                   {"name", "Host-" + std::to_string(i) + ".Example.com"},
                   {"ttl", 60 * (i % 7)}});
  for (int i = 1; i < 200; i += 3)
    ops.push_back({{"op", "set"},
                   {"ip", "198.51.100." + std::to_string(i)},
                   {"name", "cust" + std::to_string(i) + ".example.org"}});
  for (int i = 0; i < 3000; ++i) {
    char ip[64];
    std::snprintf(ip, sizeof ip, "2001:db8:%x:%x::%x", i / 1000, i % 97, i);
    ops.push_back(
        {{"op", "set"}, {"ip", ip}, {"name", "v6-" + std::to_string(i) + ".example.net"}});
  }
  json done = a.admin(json{{"op", "batch"}, {"ops", ops}}.dump());
  REQUIRE_MESSAGE(done["ok"] == true, done.dump());

  Rdnsd b;
  std::map<std::string, std::string> first;
  for (const char* apex : {kV4, kV4b, kV6}) {
    CAPTURE(apex);
    RunResult e = must(a.rdnsctl({"export", apex}));
    first[apex] = e.out;
    std::string path = write_temp(a, std::string(apex) + "zone", e.out);
    zone_checkers_accept(apex, path);
    // The fresh server has the same zones (and seeds); the import adds the rest.
    RunResult imported = must(b.rdnsctl({"--json", "import", path}));
    json summary = json::parse(imported.out);
    CHECK(summary["skipped"] == summary["reasons"]["not_ptr"]);  // only the SOA and NS
  }
  for (const char* apex : {kV4, kV4b, kV6}) {
    CAPTURE(apex);
    std::string again = must(b.rdnsctl({"export", apex})).out;
    CHECK(without_serial(again) == without_serial(first[apex]));
  }
  // The same answers from both servers.
  for (const char* ip : {"192.0.2.77", "198.51.100.4", "2001:db8:2:3c::7d0"}) {
    auto x = a.dig({"-x", ip}), y = b.dig({"-x", ip});
    REQUIRE(x.answer.size() == 1);
    REQUIRE(y.answer.size() == 1);
    CHECK(x.answer[0].rdata == y.answer[0].rdata);
    CHECK(x.answer[0].ttl == y.answer[0].ttl);
  }
}

TEST_CASE("export: SOA first, then NS, then PTR records in address order, --json, refusals") {
  Rdnsd d;
  for (const char* ip : {"192.0.2.200", "192.0.2.3", "192.0.2.30"})
    must(d.rdnsctl({"set", ip, "h.example.com."}));
  RunResult r = must(d.rdnsctl({"export", "192.0.2.0/24"}));
  std::vector<std::string> owners;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    if (l[0] == ';') continue;
    std::istringstream fields(l);
    std::string owner, ttl, cls, type;
    fields >> owner >> ttl >> cls >> type;
    owners.push_back(owner + " " + type);
  }
  CHECK(owners ==
        std::vector<std::string>{"2.0.192.in-addr.arpa. SOA", "2.0.192.in-addr.arpa. NS",
                                 "2.0.192.in-addr.arpa. NS", "1.2.0.192.in-addr.arpa. PTR",
                                 "3.2.0.192.in-addr.arpa. PTR", "10.2.0.192.in-addr.arpa. PTR",
                                 "30.2.0.192.in-addr.arpa. PTR", "200.2.0.192.in-addr.arpa. PTR"});
  CHECK(r.out.find("\tSOA\tns1.example.net. hostmaster.example.net. " +
                   std::to_string(d.serial(kV4)) + " ") != std::string::npos);
  json j = json::parse(must(d.rdnsctl({"--json", "export", kV4})).out);
  CHECK(j["records"] == 5);
  CHECK(j["lines"].size() == 9);
  RunResult missing = d.rdnsctl({"export", "203.0.113.0/24"});
  CHECK(missing.status == 1);
  CHECK(missing.err.find("rdnsctl: error: not_found: ") == 0);
  CHECK(missing.out.empty());
}
