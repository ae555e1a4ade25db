// Transfers asked for by hand with kdig and dig, TSIG-signed, read record by record:
// an AXFR of many messages (SOA first and last, every message's MAC checked by kdig),
// and IXFR from an older serial after three changes (the condensed difference of RFC
// 1995 section 4, exactly) or from the current one (the SOA alone). The secondary entry
// is a port nobody listens on: only its address and key matter here.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;
using rdnsd::e2e::RunResult;

namespace {

Replication keyed() {
  Replication r;
  r.secondaries = {rdnsd::e2e::free_port()};
  return r;
}

// One record line of kdig or dig: owner, type and the rest (TTL and class left out), in
// lower case as both print names.
struct Rr {
  std::string owner, type, rdata;
  bool operator==(const Rr&) const = default;
};

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The records of a transfer as printed, in order; TSIG records (dig prints them) left
// out.
std::vector<Rr> records(const std::string& text) {
  std::vector<Rr> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream f(line);
    std::string owner, ttl, cls, type, word, rdata;
    if (!(f >> owner >> ttl >> cls >> type)) continue;
    while (f >> word) rdata += (rdata.empty() ? "" : " ") + word;
    if (type == "TSIG") continue;
    out.push_back({lower(owner), type, lower(rdata)});
  }
  return out;
}

// The serial of an SOA record's RDATA (mname rname serial ...).
uint32_t soa_serial(const Rr& r) {
  std::istringstream f(r.rdata);
  std::string mname, rname;
  uint32_t serial = 0;
  f >> mname >> rname >> serial;
  return serial;
}

std::string text_of(const std::vector<Rr>& rrs) {
  std::string out;
  for (const Rr& r : rrs) out += r.owner + " " + r.type + " " + r.rdata + "\n";
  return out;
}

std::string key_arg(const TsigKey& k) {
  return k.algorithm + ":" + k.name + ":" + k.secret;
}

RunResult kdig_ixfr(const Rdnsd& d, uint32_t serial) {
  return rdnsd::e2e::run({"kdig", "@127.0.0.1", "-p", std::to_string(d.port()), "+tcp",
                          "IXFR=" + std::to_string(serial), kV4, "-y", key_arg(test_key())},
                         {Millis(10000), "", ""});
}

RunResult dig_ixfr(const Rdnsd& d, uint32_t serial) {
  return rdnsd::e2e::run(
      {"dig", "@127.0.0.1", "-p", std::to_string(d.port()), "+tcp", "+tries=1", "+time=3",
       "IXFR=" + std::to_string(serial), kV4, "-y", key_arg(test_key())},
      {Millis(10000), "", ""});
}

// Neither kdig nor dig complained: no error, no warning, no signature it could not check.
void check_clean(const RunResult& r) {
  INFO(r.describe());
  CHECK(r.ok());
  // (TSIG records print their error field as NOERROR: look for the complaint lines.)
  CHECK(r.text().find(";; WARNING") == std::string::npos);
  CHECK(r.text().find(";; ERROR") == std::string::npos);
  CHECK(r.text().find("Couldn't verify") == std::string::npos);
  CHECK(r.text().find("tsig verify failure") == std::string::npos);
}

Rr ptr(const std::string& owner, const std::string& target) {
  return {owner, "PTR", target};
}

}  // namespace

TEST_CASE("kdig AXFR with the key: SOA first and last, every message signed and checked") {
  Rdnsd d(rdnsd_options(keyed()));
  INFO(d.logs());
  std::string csv;
  for (int i = 1; i <= 2000; ++i)
    csv += "192.0.2." + std::to_string(i % 200 + 20) + ",h" + std::to_string(i % 200) +
           ".example.net.\n";
  for (int i = 1; i <= 3000; ++i) {
    char ip[64];
    std::snprintf(ip, sizeof ip, "2001:db8:a::%x", i);
    csv += std::string(ip) + ",host-" + std::to_string(i) + ".a-rather-long-name.example.net.\n";
  }
  rdnsd::e2e::write_file(d.dir() + "/many.csv", csv);
  must(d.rdnsctl({"batch", d.dir() + "/many.csv"}));

  RunResult r = kdig_axfr(d, kV6, test_key());
  check_clean(r);
  const std::vector<Rr> rrs = records(r.out);
  REQUIRE(rrs.size() > 2);
  CHECK(rrs.front().type == "SOA");
  CHECK(rrs.back().type == "SOA");
  CHECK(rrs.front() == rrs.back());
  CHECK(soa_serial(rrs.front()) == d.serial(kV6));
  // No SOA between them; the NS and every PTR of the export.
  for (size_t i = 1; i + 1 < rrs.size(); ++i) CHECK(rrs[i].type != "SOA");
  const PtrSet got = parse_ptrs(r.out), want = exported_ptrs(d, kV6);
  CHECK_MESSAGE(got == want, ptr_diff(got, want));
  CHECK(got.size() == 3002);
  // Many messages, each signed: kdig prints the TSIG check it failed otherwise.
  CHECK(r.out.find("(1 messages,") == std::string::npos);
  CHECK(r.out.find(" messages, ") != std::string::npos);
}

TEST_CASE("kdig and dig IXFR with the key: the condensed difference after three changes") {
  Rdnsd d(rdnsd_options(keyed()));
  INFO(d.logs());
  const uint32_t n = d.serial(kV4);
  must(d.rdnsctl({"set", "192.0.2.1", "new-gw.example.net."}));  // replaces gw
  must(d.rdnsctl({"set", "192.0.2.50", "fifty.example.net."}));  // new
  must(d.rdnsctl({"unset", "192.0.2.10"}));                      // www goes
  const uint32_t now = d.serial(kV4);
  REQUIRE(now == n + 3);

  const Rr gw = ptr("1.2.0.192.in-addr.arpa.", "gw.example.net.");
  const Rr www = ptr("10.2.0.192.in-addr.arpa.", "www.example.net.");
  const Rr new_gw = ptr("1.2.0.192.in-addr.arpa.", "new-gw.example.net.");
  const Rr fifty = ptr("50.2.0.192.in-addr.arpa.", "fifty.example.net.");

  for (bool bind_dig : {false, true}) {
    INFO((bind_dig ? "dig" : "kdig"));
    RunResult r = bind_dig ? dig_ixfr(d, n) : kdig_ixfr(d, n);
    check_clean(r);
    const std::vector<Rr> rrs = records(r.out);
    INFO(text_of(rrs));
    // RFC 1995 section 4: new SOA, old SOA, the removed records, new SOA, the added ones,
    // new SOA. Within each list the order is the server's: compare them as sets.
    REQUIRE(rrs.size() == 8);
    for (size_t i : {0, 1, 4, 7}) CHECK(rrs[i].type == "SOA");
    CHECK(soa_serial(rrs[0]) == now);
    CHECK(soa_serial(rrs[1]) == n);
    CHECK(soa_serial(rrs[4]) == now);
    CHECK(soa_serial(rrs[7]) == now);
    const std::vector<Rr> removed(rrs.begin() + 2, rrs.begin() + 4);
    const std::vector<Rr> added(rrs.begin() + 5, rrs.begin() + 7);
    CHECK(((removed == std::vector<Rr>{gw, www}) || (removed == std::vector<Rr>{www, gw})));
    CHECK(((added == std::vector<Rr>{new_gw, fifty}) || (added == std::vector<Rr>{fifty, new_gw})));
  }

  // From the serial after the first change: only the last two.
  RunResult two = kdig_ixfr(d, n + 1);
  check_clean(two);
  const std::vector<Rr> rrs = records(two.out);
  INFO(text_of(rrs));
  REQUIRE(rrs.size() == 6);
  CHECK(soa_serial(rrs[1]) == n + 1);
  CHECK(rrs[2] == www);
  CHECK(rrs[4] == fifty);

  // From the current serial: the SOA alone.
  for (bool bind_dig : {false, true}) {
    INFO((bind_dig ? "dig" : "kdig"));
    RunResult r = bind_dig ? dig_ixfr(d, now) : kdig_ixfr(d, now);
    check_clean(r);
    const std::vector<Rr> soa = records(r.out);
    INFO(text_of(soa));
    REQUIRE(soa.size() == 1);
    CHECK(soa[0].type == "SOA");
    CHECK(soa_serial(soa[0]) == now);
  }
}
