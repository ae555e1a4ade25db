// The answer core and EDNS (RFC 6891): OPT, BADVERS, NSID, keepalive, EXPIRE, and
// truncation.
#include <doctest/doctest.h>

#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

TEST_CASE("EDNS: OPT with our payload, DO copied, version 0") {
  Fixture f;
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").with_edns(4096));
  REQUIRE(r.parsed());
  CHECK(r.ar() == 1);
  CHECK(ldns_pkt_edns_udp_size(r.pkt.get()) == 1232);
  CHECK(ldns_pkt_edns_version(r.pkt.get()) == 0);
  CHECK(ldns_pkt_edns_extended_rcode(r.pkt.get()) == 0);
  CHECK_FALSE(ldns_pkt_edns_do(r.pkt.get()));
  CHECK(r.options().empty());

  QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns(1232);
  b.do_bit = true;
  r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(ldns_pkt_edns_do(r.pkt.get()));

  // No OPT in, no OPT out.
  r = f.ask(q("2.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  CHECK(r.ar() == 0);
  CHECK_FALSE(r.has_opt());

  // Unknown options are ignored and not echoed; the OPT also rides on NXDOMAIN.
  r = f.ask(q("99.2.0.192.in-addr.arpa.").option(65001, "xyz").option(65002, "12345678"));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
  CHECK(r.ar() == 1);
  CHECK(r.options().empty());
}

TEST_CASE("EDNS: BADVERS for version > 0") {
  Fixture f;
  QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
  b.version = 1;
  auto query = b.build();
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(ldns_pkt_edns_extended_rcode(r.pkt.get()) == 1);  // 16 >> 4
  CHECK(ldns_pkt_edns_version(r.pkt.get()) == 0);
  CHECK(r.qd() == 1);
  CHECK(r.an() == 0);
  CHECK(r.ns() == 0);
  CHECK(r.ar() == 1);
  CHECK(question_echoed(r, query));
}

TEST_CASE("EDNS: malformed OPT placement and options are FORMERR") {
  Fixture f;
  SUBCASE("two OPTs") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    b.append_opt(b.extra);
    b.arcount = 1;
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK_FALSE(r.has_opt());
    CHECK(r.an() == 0);
  }
  SUBCASE("OPT in the answer section") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    b.append_opt(b.extra);
    b.ancount = 1;
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK(r.qd() == 1);
  }
  SUBCASE("OPT in the authority section") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    b.append_opt(b.extra);
    b.nscount = 1;
    CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("OPT owned by a non-root name") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    std::vector<uint8_t> opt;
    b.append_opt(opt);
    b.extra = {3, 'f', 'o', 'o'};
    b.extra.insert(b.extra.end(), opt.begin(), opt.end());
    b.arcount = 1;
    CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("option longer than RDATA") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    std::vector<uint8_t> query = b.build();
    // RDLENGTH 4: one option header claiming 8 bytes of data.
    query.resize(query.size() - 2);
    put16(query, 4);
    put16(query, 3);
    put16(query, 8);
    Reply r = f.ask_raw(query);
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("truncated option header") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    std::vector<uint8_t> query = b.build();
    query.resize(query.size() - 2);
    put16(query, 3);
    put16(query, 3);
    query.push_back(0);
    CHECK(f.ask_raw(query).rcode() == LDNS_RCODE_FORMERR);
  }
}

TEST_CASE("NSID when asked and switched on") {
  Fixture f;
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").option(3));
  REQUIRE(r.parsed());
  auto opts = r.options();
  REQUIRE(opts.size() == 1);
  CHECK(opts[0].code == 3);
  CHECK(opts[0].data == "ns1");

  // Not asked: not sent.
  r = f.ask(q("2.2.0.192.in-addr.arpa.").with_edns());
  CHECK(r.options().empty());

  // Switched off.
  f.config.nsid_enabled = false;
  r = f.ask(q("2.2.0.192.in-addr.arpa.").option(3));
  REQUIRE(r.parsed());
  CHECK(r.has_opt());
  CHECK(r.options().empty());
}

TEST_CASE("edns-tcp-keepalive over TCP only") {
  Fixture f;
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").option(11), Transport::Tcp);
  REQUIRE(r.parsed());
  auto opts = r.options();
  REQUIRE(opts.size() == 1);
  CHECK(opts[0].code == 11);
  CHECK(opts[0].data == std::string("\x01\x2c", 2));  // 30000 ms = 300 x 100 ms

  r = f.ask(q("2.2.0.192.in-addr.arpa.").option(11), Transport::Udp);
  REQUIRE(r.parsed());
  CHECK(r.has_opt());
  CHECK(r.options().empty());

  // Both options together.
  r = f.ask(q("2.2.0.192.in-addr.arpa.").option(11).option(3), Transport::Tcp);
  opts = r.options();
  REQUIRE(opts.size() == 2);
  CHECK(opts[0].code == 3);
  CHECK(opts[1].code == 11);
}

TEST_CASE("EDNS EXPIRE (RFC 7314): the SOA EXPIRE field in answers to SOA and IXFR at the apex") {
  Fixture f;
  for (uint16_t type : {uint16_t(6), uint16_t(251)}) {
    Reply r = f.ask(q("2.0.192.in-addr.arpa.").type(type).option(9), Transport::Udp);
    REQUIRE(r.parsed());
    auto opts = r.options();
    REQUIRE(opts.size() == 1);
    CHECK(opts[0].code == 9);
    CHECK(opts[0].data == std::string("\x00\x12\x75\x00", 4));  // 1209600
  }
  // Not for other answers, and not unless asked.
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").option(9));
  REQUIRE(r.parsed());
  CHECK(r.has_opt());
  CHECK(r.options().empty());
  r = f.ask(q("2.0.192.in-addr.arpa.").type(6).with_edns());
  CHECK(r.options().empty());
}

TEST_CASE("TC when the answer does not fit, question and OPT kept") {
  Fixture f;
  const std::string apex = "100.51.198.in-addr.arpa.";
  SUBCASE("no EDNS: 512") {
    auto query = q(apex, kNs).build();
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.tc());
    CHECK(r.aa());
    CHECK(r.rcode() == 0);
    CHECK(r.qd() == 1);
    CHECK(r.an() == 0);
    CHECK(r.ns() == 0);
    CHECK(r.ar() == 0);
    CHECK(r.bytes.size() == 12 + to_wire(apex).size() + 4);
    CHECK(question_echoed(r, query));
  }
  SUBCASE("EDNS 512") {
    Reply r = f.ask(q(apex, kNs).with_edns(512));
    REQUIRE(r.parsed());
    CHECK(r.tc());
    CHECK(r.an() == 0);
    CHECK(r.ar() == 1);
    CHECK(r.has_opt());
  }
  SUBCASE("EDNS 4096 is capped by our 1232") {
    Reply r = f.ask(q(apex, kNs).with_edns(4096).option(3));
    REQUIRE(r.parsed());
    CHECK(r.tc());
    CHECK(r.ar() == 1);
    CHECK(r.options().size() == 1);  // NSID kept
  }
  SUBCASE("a larger server payload lets it through") {
    f.config.udp_payload = 4096;
    Reply r = f.ask(q(apex, kNs).with_edns(4096));
    REQUIRE(r.parsed());
    CHECK_FALSE(r.tc());
    CHECK(r.an() == 40);
    CHECK(ldns_pkt_edns_udp_size(r.pkt.get()) == 4096);
  }
  SUBCASE("a small output buffer truncates too") {
    f.config.udp_payload = 4096;
    Reply r = f.ask(q(apex, kNs).with_edns(4096), Transport::Udp, 600);
    REQUIRE(r.parsed());
    CHECK(r.tc());
    CHECK(r.bytes.size() <= 600);
  }
  SUBCASE("TCP gets everything") {
    Reply r = f.ask(q(apex, kNs), Transport::Tcp);
    REQUIRE(r.parsed());
    CHECK_FALSE(r.tc());
    REQUIRE(r.an() == 40);
    CHECK(r.answer(39) == apex + " 3600 IN NS nameserver-39.provider-39.example.org.");
  }
  SUBCASE("UDP answers that fit are not truncated") {
    Reply r = f.ask(q("1." + apex));
    REQUIRE(r.parsed());
    CHECK_FALSE(r.tc());
    CHECK(r.an() == 1);
  }
}
