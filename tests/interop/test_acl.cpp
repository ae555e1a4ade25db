// Who may transfer from rdnsd, asked the way secondaries ask: kdig +tcp AXFR with and
// without a key, and raw TSIG-signed requests (RFC 8945) for the header and TSIG error
// fields kdig does not print. The secondary entry is a port nobody listens on: only its
// address and key matter here.
#include <cstdio>
#include <string>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;
using rdnsd::e2e::RunResult;
namespace wire = rdnsd::e2e::wire;

namespace {

constexpr int kNotAuth = 9;
constexpr int kBadSig = 16, kBadKey = 17;

Replication acl_replication() {
  Replication r;
  r.secondaries = {rdnsd::e2e::free_port()};
  r.allow_transfer = {"{ from: \"127.0.0.3\" }"};
  return r;
}

// kdig prints a failed transfer's rcode, or its TSIG error when there is one, as
// ";; ERROR: server replied with error 'X'".
bool kdig_error(const RunResult& r, const std::string& what) {
  return !r.ok() && r.err.find("error '" + what + "'") != std::string::npos;
}

TsigKey unknown_key() {
  TsigKey k = test_key();
  k.name = "other-key";
  return k;
}

}  // namespace

TEST_CASE("the secondary's key from its address gets the zone, every message signed") {
  Rdnsd d(rdnsd_options(acl_replication()));
  INFO(d.logs());
  // Enough records for a transfer of many messages: kdig checks the TSIG of each.
  std::string csv;
  for (int i = 1; i <= 3000; ++i) {
    char ip[64];
    std::snprintf(ip, sizeof ip, "2001:db8:a::%x", i);
    csv += std::string(ip) + ",host-" + std::to_string(i) + ".a-rather-long-name.example.net.\n";
  }
  rdnsd::e2e::write_file(d.dir() + "/many.csv", csv);
  must(d.rdnsctl({"batch", d.dir() + "/many.csv"}));

  for (const char* zone : {kV4, kV6}) {
    RunResult r = kdig_axfr(d, zone, test_key());
    INFO(r.describe());
    CHECK(r.ok());
    CHECK(r.err.find("ERROR") == std::string::npos);
    CHECK(r.err.find("WARNING") == std::string::npos);
    const PtrSet got = parse_ptrs(r.out), want = exported_ptrs(d, zone);
    CHECK_MESSAGE(got == want, ptr_diff(got, want));
  }
  RunResult big = kdig_axfr(d, kV6, test_key());
  INFO(big.describe());
  CHECK(big.out.find(" messages, ") != std::string::npos);
  CHECK(big.out.find("(1 messages,") == std::string::npos);
  CHECK(parse_ptrs(big.out).size() == 3002);
}

TEST_CASE("a wrong secret gets NOTAUTH with BADSIG and an unknown key NOTAUTH with BADKEY") {
  Rdnsd d(rdnsd_options(acl_replication()));
  INFO(d.logs());
  RunResult bad_sig = kdig_axfr(d, kV4, wrong_secret_key());
  INFO(bad_sig.describe());
  CHECK(kdig_error(bad_sig, "BADSIG"));
  RunResult bad_key = kdig_axfr(d, kV4, unknown_key());
  INFO(bad_key.describe());
  CHECK(kdig_error(bad_key, "BADKEY"));

  for (bool tcp : {true, false}) {
    // Over UDP the SOA query, as named sends its refresh query.
    const uint16_t qtype = tcp ? wire::rr::AXFR : wire::rr::SOA;
    SignedReply s = signed_request(d.port(), kV4, qtype, wrong_secret_key(), tcp);
    INFO((tcp ? "AXFR over TCP\n" : "SOA over UDP\n") << s.text);
    CHECK(s.answered);
    CHECK(s.rcode == kNotAuth);
    CHECK(s.has_tsig);
    CHECK(s.tsig_error == kBadSig);
    SignedReply k = signed_request(d.port(), kV4, qtype, unknown_key(), tcp);
    INFO(k.text);
    CHECK(k.rcode == kNotAuth);
    CHECK(k.tsig_error == kBadKey);
  }
}

TEST_CASE("an unsigned transfer, or one from an address not allowed, is REFUSED") {
  Rdnsd d(rdnsd_options(acl_replication()));
  INFO(d.logs());
  // 127.0.0.1 is the secondary's address, but its entry wants the key.
  RunResult unsigned_xfr = kdig_axfr(d, kV4, std::nullopt);
  INFO(unsigned_xfr.describe());
  CHECK(kdig_error(unsigned_xfr, "REFUSED"));
  wire::TcpClient tcp(d.port());
  wire::Query q;
  q.name = kV4;
  q.qtype = wire::rr::AXFR;
  auto reply = tcp.exchange(wire::build(q));
  REQUIRE(reply);
  CHECK(reply->rcode == wire::rcode::REFUSED);

  // allow-transfer lets 127.0.0.3 in without a key, and nobody else.
  RunResult allowed = kdig_axfr(d, kV4, std::nullopt, "127.0.0.3");
  INFO(allowed.describe());
  CHECK(allowed.ok());
  const PtrSet got = parse_ptrs(allowed.out), want = exported_ptrs(d, kV4);
  CHECK_MESSAGE(got == want, ptr_diff(got, want));
  RunResult other = kdig_axfr(d, kV4, std::nullopt, "127.0.0.4");
  INFO(other.describe());
  CHECK(kdig_error(other, "REFUSED"));
  // The refusals are logged with the peer.
  CHECK(d.stderr_text().find("127.0.0.4") != std::string::npos);
}

TEST_CASE("a signed SOA query over UDP or TCP gets a signed answer that verifies") {
  Rdnsd d(rdnsd_options(acl_replication()));
  INFO(d.logs());
  const TsigKey key = test_key();
  for (bool tcp : {false, true}) {
    SignedReply s = signed_request(d.port(), kV4, wire::rr::SOA, key, tcp);
    INFO(s.text);
    CHECK(s.rcode == 0);
    CHECK(s.has_tsig);
    CHECK(s.tsig_error == 0);
    // dig checks the answer's MAC.
    std::vector<std::string> args{"-y", key.algorithm + ":" + key.name + ":" + key.secret, kV4,
                                  "SOA"};
    if (tcp) args.push_back("+tcp");
    auto r = d.dig(args);
    INFO(r.describe());
    CHECK(r.status == "NOERROR");
    CHECK(r.run.text().find("TSIG PSEUDOSECTION") != std::string::npos);
    CHECK(r.run.text().find("Couldn't verify") == std::string::npos);
    CHECK(r.run.text().find("could not be validated") == std::string::npos);
  }
}
