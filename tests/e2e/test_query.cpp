// What a resolver or a person with dig sees: positive, negative and refused answers over
// UDP and TCP, the question echoed as sent, EDNS.
#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

const char* const kV4Apex = "2.0.192.in-addr.arpa.";
const char* const kV6Apex = "8.b.d.0.1.0.0.2.ip6.arpa.";
const char* const kV6Host5 =
    "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";

// An authoritative answer with exactly one PTR record.
void check_ptr(const DigResult& r, const std::string& owner, uint32_t ttl,
               const std::string& target) {
  INFO(r.describe());
  REQUIRE(r.answered);
  CHECK(r.status == "NOERROR");
  CHECK(r.has_flag("qr"));
  CHECK(r.has_flag("aa"));
  CHECK_FALSE(r.has_flag("ra"));
  CHECK_FALSE(r.has_flag("tc"));
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].name == owner);
  CHECK(r.answer[0].ttl == ttl);
  CHECK(r.answer[0].cls == "IN");
  CHECK(r.answer[0].type == "PTR");
  CHECK(r.answer[0].rdata == target);
}

// A negative answer (NXDOMAIN or NODATA per `status`) with the zone's SOA, and only it,
// in the authority section, at the RFC 2308 negative TTL.
void check_negative(const DigResult& r, const std::string& status, const std::string& apex,
                    uint32_t negative_ttl) {
  INFO(r.describe());
  REQUIRE(r.answered);
  CHECK(r.status == status);
  CHECK(r.has_flag("aa"));
  CHECK_FALSE(r.has_flag("ra"));
  CHECK(r.answer.empty());
  REQUIRE(r.authority.size() == 1);
  const auto& soa = r.authority[0];
  CHECK(soa.type == "SOA");
  CHECK(soa.name == apex);
  CHECK(soa.ttl == negative_ttl);
}

void check_refused(const DigResult& r) {
  INFO(r.describe());
  REQUIRE(r.answered);
  CHECK(r.status == "REFUSED");
  CHECK_FALSE(r.has_flag("aa"));  // not an authority for the name (RFC 1035 4.1.1)
  CHECK(r.answer.empty());
  CHECK(r.authority.empty());
}

}  // namespace

TEST_CASE("dig -x an IPv4 address gives its PTR, authoritative, at the record's TTL") {
  Rdnsd d;
  check_ptr(d.dig({"-x", "192.0.2.1"}), "1.2.0.192.in-addr.arpa.", 3600, "gw.example.net.");
  check_ptr(d.dig({"-x", "192.0.2.10"}), "10.2.0.192.in-addr.arpa.", 3600, "www.example.net.");
  // Another zone, whose default record TTL is 60.
  check_ptr(d.dig({"-x", "198.51.100.7"}), "7.100.51.198.in-addr.arpa.", 60, "seven.example.org.");
}

TEST_CASE("dig -x an IPv6 address over IPv6 gives its PTR") {
  Rdnsd d;
  check_ptr(d.dig({"-x", "2001:db8::1"}, true),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", 7200,
            "gw6.example.net.");
  check_ptr(d.dig({"-x", "2001:db8:1:2::5"}, true), kV6Host5, 7200, "host5.example.net.");
  // And the same over IPv4 transport.
  check_ptr(d.dig({"-x", "2001:db8:1:2::5"}), kV6Host5, 7200, "host5.example.net.");
}

TEST_CASE("the RD bit is copied and RA is never set") {
  Rdnsd d;
  auto rd = d.dig({"-x", "192.0.2.1"});
  INFO(rd.describe());
  CHECK(rd.has_flag("rd"));
  CHECK_FALSE(rd.has_flag("ra"));
  auto nord = d.dig({"+norecurse", "-x", "192.0.2.1"});
  INFO(nord.describe());
  CHECK(nord.status == "NOERROR");
  CHECK_FALSE(nord.has_flag("rd"));
  CHECK_FALSE(nord.has_flag("ra"));
}

TEST_CASE("SOA at the apex carries the configured names, TTL and minimum") {
  Rdnsd d;
  struct Case {
    const char* apex;
    uint32_t ttl;
    const char* minimum;
  };
  for (auto c : {Case{kV4Apex, 3600, "300"}, Case{"100.51.198.in-addr.arpa.", 120, "600"},
                 Case{kV6Apex, 3600, "300"}}) {
    auto r = d.dig({c.apex, "SOA"});
    INFO(r.describe());
    CHECK(r.status == "NOERROR");
    CHECK(r.has_flag("aa"));
    REQUIRE(r.answer.size() == 1);
    const auto& soa = r.answer[0];
    CHECK(soa.name == c.apex);
    CHECK(soa.type == "SOA");
    CHECK(soa.ttl == c.ttl);
    auto f = soa.fields();
    REQUIRE(f.size() == 7);
    CHECK(f[0] == "ns1.example.net.");
    CHECK(f[1] == "hostmaster.example.net.");
    CHECK(std::stoul(f[2]) > 0);
    CHECK(f[6] == c.minimum);
  }
}

TEST_CASE("NS at the apex lists the configured name servers") {
  Rdnsd d;
  auto r = d.dig({kV4Apex, "NS"});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  CHECK(r.has_flag("aa"));
  REQUIRE(r.answer.size() == 2);
  std::set<std::string> targets;
  for (const auto& ns : r.answer) {
    CHECK(ns.name == kV4Apex);
    CHECK(ns.type == "NS");
    CHECK(ns.ttl == 3600);
    targets.insert(ns.rdata);
  }
  CHECK(targets == std::set<std::string>{"ns1.example.net.", "ns2.example.net."});

  auto v6 = d.dig({kV6Apex, "NS"}, true);
  INFO(v6.describe());
  CHECK(v6.status == "NOERROR");
  CHECK(v6.answer.size() == 2);
}

TEST_CASE("a missing address is NXDOMAIN with the SOA at the negative TTL (RFC 2308)") {
  Rdnsd d;
  // SOA TTL 3600, minimum 300: negative TTL 300.
  check_negative(d.dig({"-x", "192.0.2.99"}), "NXDOMAIN", kV4Apex, 300);
  check_negative(d.dig({"-x", "2001:db8::99"}, true), "NXDOMAIN", kV6Apex, 300);
  // SOA TTL 120, minimum 600: negative TTL 120.
  check_negative(d.dig({"-x", "198.51.100.99"}), "NXDOMAIN", "100.51.198.in-addr.arpa.", 120);
  // The SOA in a negative answer keeps its MINIMUM field as configured.
  auto r = d.dig({"-x", "192.0.2.99"});
  REQUIRE(r.authority.size() == 1);
  CHECK(r.authority[0].fields().at(6) == "300");
}

TEST_CASE("a name below an existing record, with nothing under it, is NXDOMAIN") {
  Rdnsd d;
  check_negative(d.dig({"x.1.2.0.192.in-addr.arpa.", "PTR"}), "NXDOMAIN", kV4Apex, 300);
  check_negative(d.dig({std::string("0.") + kV6Host5, "PTR"}), "NXDOMAIN", kV6Apex, 300);
}

TEST_CASE("another type at an existing name is NODATA with the SOA") {
  Rdnsd d;
  for (const char* type : {"TXT", "A", "AAAA", "SOA", "NS", "MX"})
    check_negative(d.dig({"1.2.0.192.in-addr.arpa.", type}), "NOERROR", kV4Apex, 300);
  check_negative(d.dig({kV6Host5, "TXT"}), "NOERROR", kV6Apex, 300);
  check_negative(d.dig({"7.100.51.198.in-addr.arpa.", "TXT"}), "NOERROR",
                 "100.51.198.in-addr.arpa.", 120);
  // The apex exists but has no PTR.
  check_negative(d.dig({kV4Apex, "PTR"}), "NOERROR", kV4Apex, 300);
  check_negative(d.dig({kV4Apex, "TXT"}), "NOERROR", kV4Apex, 300);
}

TEST_CASE("an empty non-terminal in ip6.arpa is NODATA, not NXDOMAIN (RFC 8020)") {
  Rdnsd d;
  // 2001:db8:1:2::5 makes every name between it and the apex an empty non-terminal.
  for (const char* ent :
       {"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        // and 2001:db8::1 those above it.
        "0.8.b.d.0.1.0.0.2.ip6.arpa."}) {
    check_negative(d.dig({ent, "PTR"}), "NOERROR", kV6Apex, 300);
    check_negative(d.dig({ent, "NS"}), "NOERROR", kV6Apex, 300);
  }
  // Siblings of those nodes do not exist.
  for (const char* nx : {"3.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "f.8.b.d.0.1.0.0.2.ip6.arpa.",
                         "1.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."})
    check_negative(d.dig({nx, "PTR"}), "NXDOMAIN", kV6Apex, 300);
}

TEST_CASE("names outside every served zone are REFUSED") {
  Rdnsd d;
  check_refused(d.dig({"example.com.", "A"}));
  check_refused(d.dig({"-x", "10.0.1.1"}));
  check_refused(d.dig({"-x", "192.0.3.1"}));
  check_refused(d.dig({"-x", "2001:db9::1"}, true));
  // Parents of the zones are not served either.
  check_refused(d.dig({"0.192.in-addr.arpa.", "NS"}));
  check_refused(d.dig({"in-addr.arpa.", "SOA"}));
  check_refused(d.dig({"ip6.arpa.", "PTR"}));
  check_refused(d.dig({".", "NS"}));
}

TEST_CASE("TCP gives the same answers as UDP") {
  Rdnsd d;
  const std::vector<std::vector<std::string>> queries = {
      {"-x", "192.0.2.1"},
      {"-x", "192.0.2.99"},
      {"-x", "2001:db8:1:2::5"},
      {kV4Apex, "SOA"},
      {kV4Apex, "NS"},
      {"1.2.0.192.in-addr.arpa.", "TXT"},
      {"2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "PTR"},
      {"example.com.", "A"}};
  for (const auto& q : queries) {
    for (bool v6 : {false, true}) {
      auto udp = d.dig(q, v6);
      auto args = q;
      args.insert(args.begin(), "+tcp");
      auto tcp = d.dig(args, v6);
      INFO(udp.describe());
      INFO(tcp.describe());
      REQUIRE(tcp.answered);
      CHECK(tcp.run.out.find("(TCP)") != std::string::npos);
      CHECK(tcp.status == udp.status);
      CHECK(tcp.flags == udp.flags);
      REQUIRE(tcp.answer.size() == udp.answer.size());
      for (size_t i = 0; i < tcp.answer.size(); ++i) {
        CHECK(tcp.answer[i].name == udp.answer[i].name);
        CHECK(tcp.answer[i].ttl == udp.answer[i].ttl);
        CHECK(tcp.answer[i].type == udp.answer[i].type);
      }
      REQUIRE(tcp.authority.size() == udp.authority.size());
      for (size_t i = 0; i < tcp.authority.size(); ++i)
        CHECK(tcp.authority[i].rdata == udp.authority[i].rdata);
    }
  }
  check_ptr(d.dig({"+tcp", "-x", "192.0.2.10"}), "10.2.0.192.in-addr.arpa.", 3600,
            "www.example.net.");
}

TEST_CASE("the question comes back in the case it was sent") {
  Rdnsd d;
  auto r = d.dig({"1.2.0.192.IN-ADDR.ARPA.", "PTR"});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  REQUIRE(r.question.size() == 1);
  CHECK(r.question[0].name == "1.2.0.192.IN-ADDR.ARPA.");
  CHECK(r.answers("PTR").size() == 1);

  auto tcp = d.dig({"+tcp", "1.2.0.192.In-Addr.ArPa.", "PTR"});
  INFO(tcp.describe());
  REQUIRE(tcp.question.size() == 1);
  CHECK(tcp.question[0].name == "1.2.0.192.In-Addr.ArPa.");
  CHECK(tcp.answers("PTR").size() == 1);

  // Byte for byte, on the wire, for positive, negative and refused answers.
  wire::UdpClient udp(d.port());
  for (const char* name : {"1.2.0.192.iN-aDdR.aRpA.", "99.2.0.192.IN-addr.ARPA.",
                           "2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.", "ExAmPlE.CoM."}) {
    wire::Query q;
    q.name = name;
    q.id = 0x2020;
    auto sent = wire::build(q);
    auto reply = udp.exchange(sent);
    INFO(std::string(name));
    REQUIRE(reply);
    CHECK(reply->qd == 1);
    CHECK(reply->question() == wire::Bytes(sent.begin() + 12, sent.end()));
  }
}

TEST_CASE(
    "EDNS: the answer has an OPT with the server's 1232-byte payload when the query has one") {
  Rdnsd d;
  auto r = d.dig({"-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.edns);
  CHECK(r.edns_version == 0);
  CHECK(r.udp_size == 1232);

  // Whatever the client offers, the server advertises its own size.
  auto big = d.dig({"+bufsize=4096", "-x", "192.0.2.1"});
  INFO(big.describe());
  CHECK(big.edns);
  CHECK(big.udp_size == 1232);

  // Negative answers carry it too.
  auto nx = d.dig({"-x", "192.0.2.99"});
  INFO(nx.describe());
  CHECK(nx.edns);

  // No OPT in the query: none in the answer.
  auto plain = d.dig({"+noedns", "-x", "192.0.2.1"});
  INFO(plain.describe());
  CHECK(plain.status == "NOERROR");
  CHECK_FALSE(plain.edns);
  CHECK(plain.arcount == 0);
}

TEST_CASE("dig's COOKIE option and other unknown EDNS options are ignored") {
  Rdnsd d;
  auto r = d.dig({"+cookie", "+ednsopt=65001:c0ffee", "-x", "192.0.2.1"});
  check_ptr(r, "1.2.0.192.in-addr.arpa.", 3600, "gw.example.net.");
  CHECK(r.edns);
}

TEST_CASE("zones on other boundaries: an IPv4 /16 and an IPv6 /56, with their non-terminals") {
  RdnsdOptions o;
  o.zones = zone_yaml("172.16.0.0/16",
                      "    ns: [ns1.example.net.]\n"
                      "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
                      "    records:\n"
                      "      - { ip: 172.16.5.9, name: nine.example.net. }\n") +
            zone_yaml("2001:db8:1234:5600::/56",
                      "    ns: [ns1.example.net.]\n"
                      "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
                      "    records:\n"
                      "      - { ip: \"2001:db8:1234:56ab::1\", name: v6.example.net. }\n");
  Rdnsd d(o);
  check_ptr(d.dig({"-x", "172.16.5.9"}), "9.5.16.172.in-addr.arpa.", 3600, "nine.example.net.");
  check_ptr(d.dig({"-x", "2001:db8:1234:56ab::1"}, true),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.a.6.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.", 3600,
            "v6.example.net.");
  const char* v6apex = "6.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.";
  auto soa = d.dig({v6apex, "SOA"});
  INFO(soa.describe());
  CHECK(soa.status == "NOERROR");
  CHECK(soa.answers("SOA").size() == 1);
  // 5.16.172.in-addr.arpa. has a record below it: an empty non-terminal.
  check_negative(d.dig({"5.16.172.in-addr.arpa.", "PTR"}), "NOERROR", "16.172.in-addr.arpa.", 300);
  check_negative(d.dig({"6.16.172.in-addr.arpa.", "PTR"}), "NXDOMAIN", "16.172.in-addr.arpa.", 300);
  check_negative(d.dig({std::string("b.a.") + v6apex, "PTR"}), "NOERROR", v6apex, 300);
  check_negative(d.dig({std::string("c.a.") + v6apex, "PTR"}), "NXDOMAIN", v6apex, 300);
  // Just outside the /56.
  check_refused(d.dig({"-x", "2001:db8:1234:5700::1"}));
  check_refused(d.dig({"-x", "172.17.0.1"}));
}
