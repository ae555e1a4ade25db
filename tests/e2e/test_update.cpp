// DNS UPDATE (RFC 2136) with the real nsupdate against a real rdnsd: add, replace,
// delete, prerequisites failing with their RCODEs, a message that fails half-way, who
// may update (allow-update, TSIG), over UDP and TCP; checked with dig, the admin socket
// (the actor update:KEYNAME) and the zone's serial, which steps once per UPDATE that
// changes something.
#include <string>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";
// "ddns-secret-for-the-tests-0123456789" in base64.
const char* const kSecret = "ZGRucy1zZWNyZXQtZm9yLXRoZS10ZXN0cy0wMTIzNDU2Nzg5";
const char* const kWrong = "d3Jvbmctc2VjcmV0LWZvci10aGUtdGVzdHMtOTg3NjU0MzIx";

// Updates signed with ddns-key from 127.0.0.1; unsigned ones only from 192.0.2.0/24
// (never a loopback peer).
std::string config() {
  return std::string(
             "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 2\n"
             "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
             "tsig-keys:\n  - { name: ddns-key, algorithm: hmac-sha256, secret: ") +
         kSecret +
         " }\n"
         "  - { name: other-key, algorithm: hmac-sha256, secret: " +
         kWrong +
         " }\n"
         "zone-defaults:\n"
         "  ns: [ns1.example.net.]\n"
         "  soa: { rname: hostmaster.example.net., mname: ns1.example.net. }\n"
         "  allow-update:\n"
         "    - { from: 127.0.0.1, key: ddns-key }\n"
         "    - { from: 192.0.2.0/24 }\n"
         "  allow-transfer: [{ from: 127.0.0.1 }]\n"
         "zones:\n"
         "  - prefix: 192.0.2.0/24\n"
         "    records: [{ ip: 192.0.2.1, name: gw.example.net. }]\n"
         "  - prefix: 2001:db8::/32\n";
}

RdnsdOptions options() {
  RdnsdOptions o;
  o.config = config();
  return o;
}

struct Fixture {
  Rdnsd d{options()};

  // nsupdate with `script` (after a `server` line); its result.
  RunResult nsupdate(const std::string& script,
                     const std::string& key = std::string("ddns-key:") + kSecret, bool tcp = false,
                     const std::string& server = "127.0.0.1") const {
    std::vector<std::string> argv{"nsupdate"};
    if (tcp) argv.push_back("-v");
    if (!key.empty()) {
      argv.push_back("-y");
      argv.push_back("hmac-sha256:" + key);
    }
    RunOptions o;
    o.input = "server " + server + " " + std::to_string(d.port()) + "\n" + script + "send\n";
    o.timeout = Millis(20000);
    return run(argv, o);
  }
  std::vector<std::string> ptr(const std::string& ip) const {
    DigResult r = d.dig({"-x", ip});
    REQUIRE_MESSAGE(r.answered, r.describe());
    std::vector<std::string> out;
    for (const auto& rr : r.answers("PTR")) out.push_back(rr.rdata);
    return out;
  }
  json show(const std::string& ip) const {
    return d.admin(R"({"op":"show","ip":")" + ip + R"("})");
  }
  std::string failure(const RunResult& r) const {
    INFO(r.describe());
    CHECK_FALSE(r.ok());
    const std::string marker = "update failed: ";
    const size_t at = r.text().find(marker);
    if (at == std::string::npos) return r.text();
    const size_t end = r.text().find('\n', at);
    return r.text().substr(at + marker.size(), end - at - marker.size());
  }
};

}  // namespace

TEST_CASE("nsupdate adds, replaces and deletes PTRs, and the serial steps once per UPDATE") {
  Fixture f;
  uint32_t serial = f.d.serial(kV4);
  // No `zone` line: nsupdate finds the zone with a SOA query for the owner first.
  must(f.nsupdate("update add 5.2.0.192.in-addr.arpa. 300 PTR five.example.net.\n"));
  CHECK(f.ptr("192.0.2.5") == std::vector<std::string>{"five.example.net."});
  CHECK(f.d.serial(kV4) == ++serial);
  json rec = f.show("192.0.2.5");
  INFO(rec.dump());
  CHECK(rec["record"]["created_by"] == "update:ddns-key");
  CHECK(rec["record"]["ttl"] == 300);

  // Kea's reverse add: delete the owner's PTRs, then add; an add alone also replaces.
  must(
      f.nsupdate("zone 2.0.192.in-addr.arpa.\n"
                 "update delete 5.2.0.192.in-addr.arpa. PTR\n"
                 "update add 5.2.0.192.IN-ADDR.ARPA. 600 PTR Five-New.example.net.\n"));
  CHECK(f.ptr("192.0.2.5") == std::vector<std::string>{"Five-New.example.net."});
  CHECK(f.d.serial(kV4) == ++serial);
  must(f.nsupdate("update add 5.2.0.192.in-addr.arpa. 600 PTR third.example.net.\n"));
  CHECK(f.ptr("192.0.2.5") == std::vector<std::string>{"third.example.net."});
  CHECK(f.d.serial(kV4) == ++serial);

  // Delete one RR (with its value), the RRset, the name; a delete of nothing: NOERROR,
  // no serial step.
  must(f.nsupdate("update delete 5.2.0.192.in-addr.arpa. PTR third.example.net.\n"));
  CHECK(f.ptr("192.0.2.5").empty());
  CHECK(f.d.serial(kV4) == ++serial);
  must(f.nsupdate("update delete 1.2.0.192.in-addr.arpa. PTR\n"));
  CHECK(f.ptr("192.0.2.1").empty());
  CHECK(f.d.serial(kV4) == ++serial);
  must(f.nsupdate("update delete 1.2.0.192.in-addr.arpa.\n"));
  CHECK(f.d.serial(kV4) == serial);

  // Several updates in one message: one step.
  must(
      f.nsupdate("update add 6.2.0.192.in-addr.arpa. 60 PTR six.example.net.\n"
                 "update add 7.2.0.192.in-addr.arpa. 60 PTR seven.example.net.\n"));
  CHECK(f.d.serial(kV4) == ++serial);
  CHECK(f.ptr("192.0.2.7") == std::vector<std::string>{"seven.example.net."});
}

TEST_CASE("IPv6 owners in upper case, over TCP") {
  Fixture f;
  const uint32_t serial = f.d.serial(kV6);
  must(f.nsupdate(
      "update add 5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA. 900 "
      "PTR v6.example.net.\n",
      std::string("ddns-key:") + kSecret, true));
  CHECK(f.ptr("2001:db8::5") == std::vector<std::string>{"v6.example.net."});
  CHECK(f.d.serial(kV6) == serial + 1);
}

TEST_CASE("prerequisites that fail answer their RCODE and change nothing") {
  Fixture f;
  const uint32_t serial = f.d.serial(kV4);
  const std::string add = "update add 9.2.0.192.in-addr.arpa. 60 PTR nine.example.net.\n";
  CHECK(f.failure(f.nsupdate("prereq yxdomain 2.2.0.192.in-addr.arpa.\n" + add)) == "NXDOMAIN");
  CHECK(f.failure(f.nsupdate("prereq nxdomain 1.2.0.192.in-addr.arpa.\n" + add)) == "YXDOMAIN");
  CHECK(f.failure(f.nsupdate("prereq yxrrset 2.2.0.192.in-addr.arpa. PTR\n" + add)) == "NXRRSET");
  CHECK(f.failure(f.nsupdate("prereq nxrrset 1.2.0.192.in-addr.arpa. PTR\n" + add)) == "YXRRSET");
  CHECK(f.failure(f.nsupdate("prereq yxrrset 1.2.0.192.in-addr.arpa. PTR other.example.\n" +
                             add)) == "NXRRSET");
  CHECK(f.ptr("192.0.2.9").empty());
  CHECK(f.d.serial(kV4) == serial);
  // All hold: applied.
  must(
      f.nsupdate("prereq yxdomain 1.2.0.192.in-addr.arpa.\n"
                 "prereq nxdomain 9.2.0.192.in-addr.arpa.\n"
                 "prereq yxrrset 1.2.0.192.in-addr.arpa. PTR gw.example.net.\n"
                 "prereq nxrrset 9.2.0.192.in-addr.arpa. PTR\n" +
                 add));
  CHECK(f.ptr("192.0.2.9") == std::vector<std::string>{"nine.example.net."});
  CHECK(f.d.serial(kV4) == serial + 1);
}

TEST_CASE("a message that fails half-way changes nothing, and who may update") {
  Fixture f;
  const uint32_t serial = f.d.serial(kV4);
  const std::string before = must(f.d.rdnsctl({"--json", "list"})).out;
  // A PTR add and an NS add at the apex: REFUSED as a whole, logged with the reason.
  CHECK(f.failure(f.nsupdate("zone 2.0.192.in-addr.arpa.\n"
                             "update add 4.2.0.192.in-addr.arpa. 60 PTR four.example.net.\n"
                             "update add 2.0.192.in-addr.arpa. 60 NS ns9.example.net.\n")) ==
        "REFUSED");
  CHECK(f.d.stderr_text().find("not a full /32 or /128 address name") != std::string::npos);
  CHECK(f.failure(f.nsupdate("update add 4.2.0.192.in-addr.arpa. 60 CNAME x.example.net.\n")) ==
        "REFUSED");
  // Unsigned, from an address no unsigned rule lets in.
  CHECK(f.failure(f.nsupdate("update add 4.2.0.192.in-addr.arpa. 60 PTR four.example.net.\n",
                             "")) == "REFUSED");
  // Signed with a good key, but from ::1, which the key's rule does not name.
  CHECK(f.failure(f.nsupdate("update add 4.2.0.192.in-addr.arpa. 60 PTR four.example.net.\n",
                             std::string("ddns-key:") + kSecret, false, "::1")) == "REFUSED");
  // A key rdnsd knows, but not the one the rule names.
  CHECK(f.failure(f.nsupdate("update add 4.2.0.192.in-addr.arpa. 60 PTR four.example.net.\n",
                             std::string("other-key:") + kWrong)) == "REFUSED");
  // The right key name with a wrong secret: NOTAUTH (BADSIG), as the log says.
  const RunResult wrong = f.nsupdate(
      "zone 2.0.192.in-addr.arpa.\nupdate add 4.2.0.192.in-addr.arpa. 60 PTR four.example.net.\n",
      std::string("ddns-key:") + kWrong);
  CHECK_FALSE(wrong.ok());
  CHECK(f.d.stderr_text().find("NOTAUTH (TSIG BADSIG)") != std::string::npos);
  // A zone not served here.
  CHECK(f.failure(f.nsupdate("zone 113.0.203.in-addr.arpa.\n"
                             "update add 4.113.0.203.in-addr.arpa. 60 PTR x.example.net.\n")) ==
        "NOTAUTH");
  CHECK(must(f.d.rdnsctl({"--json", "list"})).out == before);
  CHECK(f.d.serial(kV4) == serial);
}

namespace {

// RFC 4701 section 3.6's example DHCID (identifier type 2, digest type 1, 32 octets).
const char* const kDhcid = "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=";
const char* const kDhcid2 = "AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=";

// The lines of dig's output that hold `what` (a transfer's records, say).
std::vector<std::string> lines_with(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    if (line.find(what) != std::string::npos && line[0] != ';') out.push_back(line);
    at = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("DHCID beside the PTR: added, answered, transferred, exported, deleted with the name") {
  Fixture f;
  const uint32_t s0 = f.d.serial(kV4);
  const std::string owner = "9.2.0.192.in-addr.arpa.";
  must(f.nsupdate("update delete " + owner + " PTR\nupdate delete " + owner +
                  " DHCID\nupdate add " + owner + " 900 PTR lease9.example.com.\nupdate add " +
                  owner + " 900 DHCID " + kDhcid + "\n"));
  CHECK(f.d.serial(kV4) == s0 + 1);
  DigResult r = f.d.dig({owner, "DHCID"});
  REQUIRE_MESSAGE(r.answered, r.describe());
  CHECK(r.status == "NOERROR");
  CHECK(r.has_flag("aa"));
  REQUIRE(r.answers("DHCID").size() == 1);
  CHECK(r.answers("DHCID")[0].rdata == kDhcid);
  CHECK(r.answers("DHCID")[0].ttl == 900);
  CHECK(f.ptr("192.0.2.9") == std::vector<std::string>{"lease9.example.com."});
  // An address with a PTR and no DHCID: NODATA with the SOA.
  r = f.d.dig({"1.2.0.192.in-addr.arpa.", "DHCID"});
  CHECK(r.status == "NOERROR");
  CHECK(r.answer.empty());
  CHECK(r.authority.size() == 1);

  // rdnsctl shows it; the export has its line after the PTR's.
  json rec = f.show("192.0.2.9");
  INFO(rec.dump());
  CHECK(rec["record"]["dhcid"]["rdata"] == kDhcid);
  CHECK(rec["record"]["dhcid"]["ttl"] == 900);
  RunResult shown = f.d.rdnsctl({"show", "192.0.2.9"});
  CHECK(shown.text().find(std::string("dhcid:       ") + kDhcid + " (ttl 900)") !=
        std::string::npos);
  RunResult exported = must(f.d.rdnsctl({"export", "192.0.2.0/24"}));
  CHECK(exported.text().find(owner + "\t900\tIN\tPTR\tlease9.example.com.\n" + owner +
                             "\t900\tIN\tDHCID\t" + kDhcid + "\n") != std::string::npos);

  // The export imported again after an unset gives the DHCID back with the PTR.
  write_file(f.d.dir() + "/zone.txt", exported.text());
  must(f.d.rdnsctl({"unset", "192.0.2.9"}));
  CHECK(f.d.dig({owner, "DHCID"}).status == "NXDOMAIN");
  RunResult imported = must(f.d.rdnsctl({"import", f.d.dir() + "/zone.txt"}));
  INFO(imported.describe());
  CHECK(f.d.dig({owner, "DHCID"}).answers("DHCID").at(0).rdata == kDhcid);
  CHECK(f.show("192.0.2.9")["record"]["dhcid"]["ttl"] == 900);
  const uint32_t s_import = f.d.serial(kV4);

  // AXFR carries it; so does IXFR from the serial before.
  const std::string port = std::to_string(f.d.port());
  RunResult axfr = run({"dig", "@127.0.0.1", "-p", port, "AXFR", kV4, "+nocmd", "+nostats"});
  INFO(axfr.describe());
  CHECK(lines_with(axfr.text(), "DHCID").size() == 1);
  CHECK(lines_with(axfr.text(), kDhcid).size() == 1);
  RunResult ixfr = run(
      {"dig", "@127.0.0.1", "-p", port, "IXFR=" + std::to_string(s0), kV4, "+nocmd", "+nostats"});
  INFO(ixfr.describe());
  CHECK(lines_with(ixfr.text(), kDhcid).size() == 1);

  // A new lease of the address: the DHCID replaced with the PTR, one step.
  must(f.nsupdate("update delete " + owner + " PTR\nupdate delete " + owner +
                  " DHCID\nupdate add " + owner + " 900 PTR other.example.com.\nupdate add " +
                  owner + " 900 DHCID " + kDhcid2 + "\n"));
  CHECK(f.d.serial(kV4) == s_import + 1);
  CHECK(f.d.dig({owner, "DHCID"}).answers("DHCID").at(0).rdata == kDhcid2);
  ixfr = run({"dig", "@127.0.0.1", "-p", port, "IXFR=" + std::to_string(s_import), kV4, "+nocmd",
              "+nostats"});
  CHECK(lines_with(ixfr.text(), kDhcid).size() == 1);   // removed
  CHECK(lines_with(ixfr.text(), kDhcid2).size() == 1);  // added

  // A DHCID at an address without a PTR is refused; delete name takes both.
  CHECK(f.failure(f.nsupdate("update add 10.2.0.192.in-addr.arpa. 300 DHCID " +
                             std::string(kDhcid) + "\n")) == "REFUSED");
  must(f.nsupdate("update delete " + owner + "\n"));
  CHECK(f.d.serial(kV4) == s_import + 2);
  r = f.d.dig({owner, "DHCID"});
  CHECK(r.status == "NXDOMAIN");
  CHECK(f.show("192.0.2.9")["ok"] == false);
}
