// Synthesized PTR names (docs/UPDATE.md "Default PTR names"): rdnsd with `synthesize`
// and knotd with mod-synthrecord (type reverse, reverse-short, the same prefix, origin
// and TTL) serve the same zones and records; the same queries go to both and the
// answers (RCODE, AA, the answer records with their TTLs, the authority count) must be
// equal: records win, the apex and empty non-terminals stay as they are, and every
// other address gets the same synthesized name from both. Then `rdnsctl show` of an
// unset address names its synthesized PTR.
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV6 = "6.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.";  // 2001:db8:1234:5600::/56

RdnsdOptions options() {
  RdnsdOptions o;
  o.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
      "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
      "zone-defaults:\n"
      "  ns: [ns1.example.net.]\n"
      "  soa: { rname: hostmaster.example.net., mname: ns1.example.net., ttl: 3600, minimum: 300 "
      "}\n"
      "  synthesize: { template: \"ip-{dashed}.dyn.example.net.\", ttl: 300 }\n"
      "zones:\n"
      "  - prefix: 192.0.2.0/24\n"
      "    records:\n"
      "      - { ip: 192.0.2.1, name: gw.example.net. }\n"
      "      - { ip: 192.0.2.77, name: mail.example.net. }\n"
      "  - prefix: 2001:db8:1234:5600::/56\n"
      "    records:\n"
      "      - { ip: \"2001:db8:1234:5600::1\", name: host1.example.net. }\n"
      "      - { ip: \"2001:db8:1234:56ff:1::\", name: deep.example.net. }\n";
  return o;
}

// knotd serving the same data, the synthesis by mod-synthrecord.
class Knotd {
 public:
  Knotd() : dir_(make_temp_dir("rdnsd-synth-knotd-")), port_(free_port()) {
    const std::string soa =
        " 3600 IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 1209600 300\n";
    write_file(dir_ + "/v4.zone", std::string(kV4) + soa + kV4 +
                                      " 3600 IN NS ns1.example.net.\n"
                                      "1.2.0.192.in-addr.arpa. 3600 IN PTR gw.example.net.\n"
                                      "77.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.net.\n");
    write_file(dir_ + "/v6.zone", std::string(kV6) + soa + kV6 + " 3600 IN NS ns1.example.net.\n" +
                                      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + kV6 +
                                      " 3600 IN PTR host1.example.net.\n" +
                                      "0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.f.f." + kV6 +
                                      " 3600 IN PTR deep.example.net.\n");
    std::string conf =
        "server:\n  listen: 127.0.0.1@" + std::to_string(port_) +
        "\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
        "  rundir: " +
        dir_ + "\ndatabase:\n  storage: " + dir_ +
        "/db\nmod-synthrecord:\n"
        "  - id: v4\n    type: reverse\n    prefix: ip-\n    origin: dyn.example.net\n"
        "    ttl: 300\n    network: 192.0.2.0/24\n"
        "  - id: v6\n    type: reverse\n    prefix: ip-\n    origin: dyn.example.net\n"
        "    ttl: 300\n    network: 2001:db8:1234:5600::/56\n"
        "template:\n  - id: default\n    storage: " +
        dir_ +
        "\n    zonefile-sync: -1\n    journal-content: none\n"
        "zone:\n"
        "  - domain: " +
        kV4 +
        "\n    file: v4.zone\n    module: mod-synthrecord/v4\n"
        "  - domain: " +
        kV6 +
        "\n    file: v6.zone\n    module: mod-synthrecord/v6\n"
        "log:\n  - target: stderr\n    any: warning\n";
    write_file(dir_ + "/knot.conf", conf);
    process_ = Process::spawn({"/usr/sbin/knotd", "-c", dir_ + "/knot.conf"}, dir_ + "/out.log",
                              dir_ + "/err.log", dir_);
    for (int i = 0; i < 200 && !serving(); ++i) std::this_thread::sleep_for(Millis(50));
    REQUIRE_MESSAGE(serving(), read_file(dir_ + "/err.log"));
  }
  ~Knotd() {
    process_.terminate(Millis(5000));
    if (!std::getenv("RDNSD_E2E_KEEP")) remove_tree(dir_);
  }
  DigResult dig(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"dig",      "@127.0.0.1", "-p", std::to_string(port_),
                                  "+tries=1", "+time=2"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_dig(run(argv));
  }

 private:
  bool serving() const {
    DigResult a = dig({kV4, "SOA"}), b = dig({kV6, "SOA"});
    return a.answered && a.status == "NOERROR" && b.answered && b.status == "NOERROR";
  }
  std::string dir_;
  uint16_t port_;
  Process process_;
};

// What the two answers must agree on.
std::string outcome(const DigResult& r) {
  std::string out =
      r.status + (r.has_flag("aa") ? " aa" : "") + " ns=" + std::to_string(r.authority.size());
  for (const auto& rr : r.answer)
    out += " | " + rr.name + " " + std::to_string(rr.ttl) + " " + rr.type + " " + rr.rdata;
  return out;
}

}  // namespace

TEST_CASE("synthesized PTRs equal knotd's mod-synthrecord, records win, apex and ENTs unchanged") {
  Rdnsd d{options()};
  Knotd k;
  std::vector<std::vector<std::string>> queries;
  for (const char* ip :
       {"192.0.2.1", "192.0.2.77", "192.0.2.0", "192.0.2.7", "192.0.2.255", "192.0.2.100",
        "2001:db8:1234:5600::1", "2001:db8:1234:5600::7",
        "2001:db8:1234:5600::", "2001:db8:1234:5600:0:1:0:0", "2001:db8:1234:5600:1::",
        "2001:db8:1234:56ff:1::", "2001:db8:1234:5600:abcd:ef01:2345:6789",
        "2001:db8:1234:5601:0:0:1:0", "2001:db8:1234:56aa:0:0:0:1", "2001:db8:1234:5600:0:0:1:0"})
    queries.push_back({"-x", ip});
  std::mt19937 rng(20261204);
  for (int i = 0; i < 20; ++i) {
    queries.push_back({"-x", "192.0.2." + std::to_string(rng() % 256)});
    char v6[64];
    snprintf(v6, sizeof v6, "2001:db8:1234:56%02x:%x:%x:%x:%x", unsigned(rng() % 256),
             unsigned(rng() % 3 == 0 ? 0 : rng() % 65536), unsigned(rng() % 2 ? 0 : rng() % 65536),
             unsigned(rng() % 2 ? 0 : rng() % 65536), unsigned(rng() % 3 == 0 ? 0 : rng() % 65536));
    queries.push_back({"-x", v6});
  }
  // The apex, names above a record, a shorter address name without records, types.
  for (std::string name :
       {std::string(kV4), std::string(kV6), std::string("7.2.0.192.in-addr.arpa."),
        std::string("0.0.") + kV6, std::string("f.f.") + kV6, std::string("1.0.0.0.f.f.") + kV6,
        std::string("x.7.2.0.192.in-addr.arpa.")})
    for (const char* type : {"PTR", "SOA", "NS", "TXT"}) queries.push_back({name, type});
  for (const auto& q : queries) {
    const DigResult a = d.dig(q), b = k.dig(q);
    CAPTURE(q.back());
    INFO("rdnsd: " << a.describe());
    INFO("knotd: " << b.describe());
    REQUIRE(a.answered);
    REQUIRE(b.answered);
    CHECK(outcome(a) == outcome(b));
  }
}

TEST_CASE("rdnsctl show of an unset address names its synthesized PTR, a set one wins") {
  Rdnsd d{options()};
  RunResult shown = d.rdnsctl({"show", "192.0.2.9"});
  INFO(shown.describe());
  CHECK_FALSE(shown.ok());
  CHECK(shown.text().find("ip-192-0-2-9.dyn.example.net.") != std::string::npos);
  json j = d.admin(R"({"op":"show","ip":"2001:db8:1234:5600::7"})");
  INFO(j.dump());
  CHECK(j["ok"] == false);
  CHECK(j["error"]["code"] == "not_found");
  CHECK(j["error"]["message"].get<std::string>().find(
            "synthesized PTR ip-2001-db8-1234-5600--7.dyn.example.net. (TTL 300)") !=
        std::string::npos);
  must(d.rdnsctl({"set", "192.0.2.9", "nine.example.net."}));
  DigResult r = d.dig({"-x", "192.0.2.9"});
  REQUIRE(r.answers("PTR").size() == 1);
  CHECK(r.answers("PTR")[0].rdata == "nine.example.net.");
  must(d.rdnsctl({"unset", "192.0.2.9"}));
  r = d.dig({"-x", "192.0.2.9"});
  REQUIRE(r.answers("PTR").size() == 1);
  CHECK(r.answers("PTR")[0].rdata == "ip-192-0-2-9.dyn.example.net.");
  CHECK(r.answers("PTR")[0].ttl == 300);
  CHECK(r.has_flag("aa"));
}
