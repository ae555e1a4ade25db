// ISC Kea's DHCP-DDNS server (kea-dhcp-ddns 2.2, Debian kea-dhcp-ddns-server) against a
// real rdnsd: no DHCP server, but the name-change requests (NCRs) a Kea DHCP server
// would send, as JSON on D2's UDP listener. D2 turns each into a TSIG-signed UPDATE of
// the reverse zone (for an add: delete the PTR RRset, delete the DHCID RRset, add the
// PTR, add the DHCID; for a remove: the PTR and the DHCID deleted) and drops any answer
// that is not signed. Checked with dig (PTR and DHCID) and the admin socket, for a v4
// and a v6 lease.
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

// "ddns-secret-for-the-tests-0123456789" in base64.
const char* const kSecret = "ZGRucy1zZWNyZXQtZm9yLXRoZS10ZXN0cy0wMTIzNDU2Nzg5";

RdnsdOptions options() {
  RdnsdOptions o;
  o.config = std::string(
                 "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
                 "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
                 "tsig-keys:\n  - { name: ddns-key, algorithm: hmac-sha256, secret: ") +
             kSecret +
             " }\n"
             "zone-defaults:\n"
             "  ns: [ns1.example.net.]\n"
             "  soa: { rname: hostmaster.example.net., mname: ns1.example.net. }\n"
             "  allow-update: [{ from: 127.0.0.1, key: ddns-key }]\n"
             "zones:\n  - prefix: 192.0.2.0/24\n  - prefix: 2001:db8::/32\n";
  return o;
}

// kea-dhcp-ddns with a config of its own in `dir`: the NCR listener on `ncr_port`, both
// reverse zones sent to rdnsd on `dns_port` with ddns-key. Its lock and pid files stay in
// `dir` (KEA_LOCKFILE_DIR, KEA_PIDFILE_DIR); stopped by PID.
class KeaD2 {
 public:
  KeaD2(const std::string& dir, uint16_t dns_port) : dir_(dir), port_(free_port()) {
    const std::string server =
        R"([{ "ip-address": "127.0.0.1", "port": )" + std::to_string(dns_port) + " }]";
    write_file(dir_ + "/d2.json", R"({ "DhcpDdns": { "ip-address": "127.0.0.1", "port": )" +
                                      std::to_string(port_) + R"(, "dns-server-timeout": 2000,
  "ncr-protocol": "UDP", "ncr-format": "JSON",
  "tsig-keys": [{ "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": ")" +
                                      kSecret + R"(" }],
  "forward-ddns": {},
  "reverse-ddns": { "ddns-domains": [
    { "name": "2.0.192.in-addr.arpa.", "key-name": "ddns-key", "dns-servers": )" +
                                      server + R"( },
    { "name": "8.b.d.0.1.0.0.2.ip6.arpa.", "key-name": "ddns-key", "dns-servers": )" +
                                      server + R"( } ] },
  "loggers": [{ "name": "kea-dhcp-ddns", "severity": "DEBUG", "debuglevel": 40,
                "output_options": [{ "output": ")" +
                                      dir_ + R"(/d2.log" }] }] } })");
    process_ = Process::spawn({"env", "KEA_LOCKFILE_DIR=" + dir_, "KEA_PIDFILE_DIR=" + dir_,
                               "/usr/sbin/kea-dhcp-ddns", "-c", dir_ + "/d2.json"},
                              dir_ + "/d2.out", dir_ + "/d2.err");
    // Ready when its log says the NCR listener is up.
    for (int i = 0; i < 100 && log().find("DHCP_DDNS_STARTED") == std::string::npos; ++i) {
      REQUIRE_MESSAGE(process_.running(), (std::string("kea-dhcp-ddns exited: ") + logs()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_MESSAGE(log().find("DHCP_DDNS_STARTED") != std::string::npos, logs());
  }
  ~KeaD2() { process_.terminate(Millis(3000)); }

  // One NCR (Kea's JSON format: a 2-octet length, then the JSON text) to the listener.
  void send(const json& ncr) {
    const std::string text = ncr.dump();
    const std::string framed = std::string{char(text.size() >> 8), char(text.size() & 0xFF)} + text;
    wire::UdpClient(port_).send(wire::Bytes(framed.begin(), framed.end()));
  }
  std::string log() const { return read_file(dir_ + "/d2.log"); }
  std::string logs() const {
    return log() + read_file(dir_ + "/d2.out") + read_file(dir_ + "/d2.err");
  }

 private:
  std::string dir_;
  uint16_t port_;
  Process process_;
};

// A name-change request for the reverse zone only (no forward-ddns configured).
json ncr(int change, const std::string& ip, const std::string& fqdn, const std::string& dhcid) {
  return json{{"change-type", change},
              {"forward-change", false},
              {"reverse-change", true},
              {"fqdn", fqdn},
              {"ip-address", ip},
              {"dhcid", dhcid},
              {"lease-expires-on", "20351231235959"},
              {"lease-length", 1200},
              {"use-conflict-resolution", true}};
}

// The DHCID RDATA of the NCRs (hex, as NCRs carry it): identifier type 2 (DUID), digest
// type 1, 32 octets; and the same in base64, as dig prints it.
const char* const kDhcidHex =
    "000201636FC0B8271C82825BB1AC5C41CF5351AA69B4FEBD94E8F17CDB95000DA48C40";
const char* const kDhcidB64 = "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=";

// Polls `ok` every 50 ms for up to 5 s (D2 works asynchronously).
template <typename F>
bool eventually(F&& ok) {
  for (int i = 0; i < 100; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ok();
}

std::vector<std::string> rdata_of(const DigResult& r, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& rr : r.answers(type)) out.push_back(rr.rdata);
  return out;
}

void lease_added_and_removed(const std::string& ip, const std::string& owner,
                             const std::string& zone) {
  Rdnsd d{options()};
  KeaD2 kea(d.dir(), d.port());
  INFO(kea.logs());
  const uint32_t s0 = d.serial(zone);
  kea.send(ncr(0, ip, "lease-host.example.com.", kDhcidHex));
  REQUIRE(eventually([&] {
    return rdata_of(d.dig({"-x", ip}), "PTR") ==
           std::vector<std::string>{"lease-host.example.com."};
  }));
  DigResult dh = d.dig({owner, "DHCID"});
  CHECK(rdata_of(dh, "DHCID") == std::vector<std::string>{kDhcidB64});
  CHECK(dh.answers("DHCID").at(0).ttl == 1200);
  CHECK(d.serial(zone) == s0 + 1);  // one UPDATE, one step
  json rec = d.admin(R"({"op":"show","ip":")" + ip + R"("})");
  INFO(rec.dump());
  CHECK(rec["record"]["ptr"] == "lease-host.example.com.");
  CHECK(rec["record"]["created_by"] == "update:ddns-key");
  CHECK(rec["record"]["dhcid"]["rdata"] == kDhcidB64);
  // D2 logged success: it took the signed answer.
  CHECK(eventually([&] { return kea.log().find("DHCP_DDNS_ADD_SUCCEEDED") != std::string::npos; }));

  // The lease ends: the PTR and the DHCID go, in one more step.
  kea.send(ncr(1, ip, "lease-host.example.com.", kDhcidHex));
  REQUIRE(eventually([&] { return d.dig({"-x", ip}).status == "NXDOMAIN"; }));
  CHECK(d.dig({owner, "DHCID"}).status == "NXDOMAIN");
  CHECK(d.serial(zone) == s0 + 2);
  CHECK(d.admin(R"({"op":"show","ip":")" + ip + R"("})")["ok"] == false);
  CHECK(eventually(
      [&] { return kea.log().find("DHCP_DDNS_REMOVE_SUCCEEDED") != std::string::npos; }));
  RunResult list = must(d.rdnsctl({"list", "--json"}));
  CHECK(list.text().find(ip) == std::string::npos);
}

}  // namespace

TEST_CASE("kea-dhcp-ddns adds and removes the PTR and DHCID of a v4 lease") {
  lease_added_and_removed("192.0.2.44", "44.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.");
}

TEST_CASE("kea-dhcp-ddns adds and removes the PTR and DHCID of a v6 lease") {
  lease_added_and_removed(
      "2001:db8::44", "4.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
      "8.b.d.0.1.0.0.2.ip6.arpa.");
}
