// ns-ttl: the apex NS RRset's TTL apart from the SOA's, as dig, AXFR, export and
// zone-show see it; inherited from zone-defaults, a zone's own, or (absent) the SOA TTL;
// a SIGHUP that changes it steps the serial; zone-add --ns-ttl.
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

std::string config(const std::string& v6_ns_ttl) {
  return "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
         "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
         "zone-defaults:\n"
         "  ns: [ns1.example.net., ns2.example.net.]\n"
         "  soa: { rname: hostmaster.example.net., mname: ns1.example.net., ttl: 900 }\n"
         "  ns-ttl: 3600\n"
         "  allow-transfer: [{ from: 127.0.0.1 }]\n"
         "zones:\n"
         "  - prefix: 192.0.2.0/24\n"
         "  - prefix: 198.51.100.0/24\n"
         "    ns-ttl: 86400\n"
         "  - prefix: 2001:db8::/32\n" +
         v6_ns_ttl;
}

RdnsdOptions options(const std::string& v6_ns_ttl) {
  RdnsdOptions o;
  o.config = config(v6_ns_ttl);
  return o;
}

std::vector<uint32_t> ttls(const DigResult& r, const std::string& type) {
  std::vector<uint32_t> out;
  for (const auto& rr : r.answers(type)) out.push_back(rr.ttl);
  return out;
}

}  // namespace

TEST_CASE("ns-ttl sets the NS RRset's TTL in answers, transfers, export and zone-show") {
  Rdnsd d{options("    soa: { ttl: 600 }\n")};  // no ns-ttl of its own: zone-defaults'
  CHECK(ttls(d.dig({"2.0.192.in-addr.arpa.", "NS"}), "NS") == std::vector<uint32_t>{3600, 3600});
  CHECK(ttls(d.dig({"2.0.192.in-addr.arpa.", "SOA"}), "SOA") == std::vector<uint32_t>{900});
  CHECK(ttls(d.dig({"100.51.198.in-addr.arpa.", "NS"}), "NS") ==
        std::vector<uint32_t>{86400, 86400});
  CHECK(ttls(d.dig({"8.b.d.0.1.0.0.2.ip6.arpa.", "NS"}), "NS") ==
        std::vector<uint32_t>{3600, 3600});
  CHECK(ttls(d.dig({"8.b.d.0.1.0.0.2.ip6.arpa.", "SOA"}), "SOA") == std::vector<uint32_t>{600});

  // AXFR: the NS records with their own TTL, the SOA with its own.
  RunResult axfr = run({"dig", "@127.0.0.1", "-p", std::to_string(d.port()), "AXFR",
                        "100.51.198.in-addr.arpa.", "+nocmd", "+nostats"});
  INFO(axfr.describe());
  CHECK(axfr.text().find("100.51.198.in-addr.arpa. 86400\tIN\tNS\tns1.example.net.") !=
        std::string::npos);
  CHECK(axfr.text().find("100.51.198.in-addr.arpa. 900\tIN\tSOA") != std::string::npos);

  RunResult exported = must(d.rdnsctl({"export", "198.51.100.0/24"}));
  CHECK(exported.text().find("100.51.198.in-addr.arpa.\t86400\tIN\tNS\tns2.example.net.") !=
        std::string::npos);
  CHECK(exported.text().find("100.51.198.in-addr.arpa.\t900\tIN\tSOA") != std::string::npos);

  json z = d.admin(R"({"op":"zone-show","zone":"198.51.100.0/24"})");
  INFO(z.dump());
  CHECK(z["zone"]["ns_ttl"] == 86400);
  CHECK(z["zone"]["soa"]["ttl"] == 900);
  RunResult shown = must(d.rdnsctl({"zone-show", "198.51.100.0/24"}));
  CHECK(shown.text().find("ns_ttl:") != std::string::npos);

  // zone-add: its own, or zone-defaults'.
  must(d.rdnsctl({"zone-add", "203.0.113.0/24", "--ns-ttl", "7200"}));
  CHECK(ttls(d.dig({"113.0.203.in-addr.arpa.", "NS"}), "NS") == std::vector<uint32_t>{7200, 7200});
  must(d.rdnsctl({"zone-add", "198.18.0.0/24"}));
  CHECK(ttls(d.dig({"0.18.198.in-addr.arpa.", "NS"}), "NS") == std::vector<uint32_t>{3600, 3600});
  RunResult bad = d.rdnsctl({"zone-add", "198.18.1.0/24", "--ns-ttl", "2147483648"});
  CHECK_FALSE(bad.ok());
  CHECK(d.dig({"1.18.198.in-addr.arpa.", "SOA"}).status == "REFUSED");
}

TEST_CASE(
    "a SIGHUP that changes ns-ttl steps the zone's serial once, and without ns-ttl the SOA TTL "
    "counts") {
  Rdnsd d{options("    ns-ttl: 120\n")};
  const std::string v6 = "8.b.d.0.1.0.0.2.ip6.arpa.";
  CHECK(ttls(d.dig({v6, "NS"}), "NS") == std::vector<uint32_t>{120, 120});
  const uint32_t s6 = d.serial(v6), s4 = d.serial("2.0.192.in-addr.arpa.");
  // The v6 zone loses its ns-ttl and zone-defaults' goes: both v4 and v6 follow the SOA.
  std::string cfg = config("");
  cfg.replace(cfg.find("  ns-ttl: 3600\n"), 15, "");
  RdnsdOptions o;
  o.config = cfg;
  d.rewrite_config(o);
  d.send_signal(SIGHUP);
  std::vector<uint32_t> now;
  for (int i = 0; i < 100 && now != std::vector<uint32_t>{900, 900}; ++i) {
    now = ttls(d.dig({v6, "NS"}), "NS");
    if (now != std::vector<uint32_t>{900, 900}) std::this_thread::sleep_for(Millis(50));
  }
  CHECK(now == std::vector<uint32_t>{900, 900});
  CHECK(d.serial(v6) == s6 + 1);
  CHECK(d.serial("2.0.192.in-addr.arpa.") == s4 + 1);
  CHECK(ttls(d.dig({"2.0.192.in-addr.arpa.", "NS"}), "NS") == std::vector<uint32_t>{900, 900});
  // The 198.51.100.0/24 zone keeps its own 86400: unchanged, no step.
  CHECK(ttls(d.dig({"100.51.198.in-addr.arpa.", "NS"}), "NS") ==
        std::vector<uint32_t>{86400, 86400});
}
