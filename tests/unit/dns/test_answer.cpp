// The answer core against an in-memory source, with ldns parsing the answers:
// zone semantics, CHAOS, classes, source errors.
#include <doctest/doctest.h>

#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

TEST_CASE("PTR answers for IPv4 and IPv6 owners") {
  Fixture f;
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  CHECK(r.id() == 0xBEEF);
  CHECK(r.qr());
  CHECK(r.aa());
  CHECK(r.rd());
  CHECK_FALSE(r.ra());
  CHECK_FALSE(r.ad());
  CHECK_FALSE(r.tc());
  CHECK(r.rcode() == 0);
  CHECK(r.qd() == 1);
  CHECK(r.an() == 1);
  CHECK(r.ns() == 0);
  CHECK(r.ar() == 0);
  CHECK(r.answer(0) == "2.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.");

  r = f.ask(q(kV6Host));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == kV6Host + " 7200 IN PTR host1.example.com.");
}

TEST_CASE("SOA, NS and PTR at the apex") {
  Fixture f;
  Reply r = f.ask(q("2.0.192.in-addr.arpa.", kSoa));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  CHECK(r.ns() == 0);
  CHECK(r.answer(0) ==
        "2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. "
        "2024010101 7200 3600 1209600 300");
  // header 12 + question 26 + SOA (owner pointer, 10 fixed, mname 17, rname 11 + pointer,
  // 20 bytes of numbers): the rname shares example.net. with the mname.
  CHECK(r.bytes.size() == 12 + 26 + 2 + 10 + 17 + 13 + 20);

  r = f.ask(q("2.0.192.in-addr.arpa.", kNs));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  REQUIRE(r.an() == 2);
  CHECK(r.ns() == 0);
  CHECK(r.ar() == 0);
  CHECK(r.answer(0) == "2.0.192.in-addr.arpa. 3600 IN NS ns1.example.net.");
  CHECK(r.answer(1) == "2.0.192.in-addr.arpa. 3600 IN NS ns2.example.net.");
  // The second NS is "ns2" plus a pointer to the first one's example.net.
  CHECK(r.bytes.size() == 12 + 26 + (12 + 17) + (12 + 6));

  r = f.ask(q("2.0.192.in-addr.arpa.", kPtr));
  REQUIRE(r.parsed());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "2.0.192.in-addr.arpa. 1200 IN PTR apex.example.com.");

  r = f.ask(q(kV6Apex, kSoa));
  REQUIRE(r.parsed());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0).rfind(kV6Apex + " 3600 IN SOA", 0) == 0);
}

TEST_CASE("NXDOMAIN carries the SOA with the negative TTL") {
  Fixture f;
  Reply r = f.ask(q("99.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
  CHECK(r.aa());
  CHECK(r.an() == 0);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kSoaV4);

  // Below an existing record.
  r = f.ask(q("x.2.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kSoaV4);

  // IPv6: the owner of the SOA is the apex, a pointer into the question.
  r = f.ask(q(v6_owner("20010db8000000020000000000000001")));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0).rfind(kV6Apex + " 300 IN SOA", 0) == 0);
}

TEST_CASE("negative TTL is the smaller of SOA TTL and MINIMUM") {
  Fixture f;
  f.source.zone(0).soa_ttl = 120;
  Reply r = f.ask(q("99.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0).rfind("2.0.192.in-addr.arpa. 120 IN SOA", 0) == 0);
}

TEST_CASE("NODATA: existing name without the type") {
  Fixture f;
  for (uint16_t type : {kA, kTxt, kSoa, kNs, uint16_t{28}}) {
    CAPTURE(type);
    Reply r = f.ask(q("2.2.0.192.in-addr.arpa.", type));
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.aa());
    CHECK(r.an() == 0);
    REQUIRE(r.ns() == 1);
    CHECK(r.authority(0) == kSoaV4);
  }
  // The apex has no TXT either.
  Reply r = f.ask(q("2.0.192.in-addr.arpa.", kTxt));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  CHECK(r.ns() == 1);
}

TEST_CASE("empty non-terminals are NODATA, not NXDOMAIN (RFC 8020)") {
  Fixture f;
  for (size_t labels = 11; labels < 32; ++labels) {
    // Every ancestor of kV6Host between the apex (10 nibbles) and the host.
    const std::string name = kV6Host.substr(2 * (32 - labels));
    CAPTURE(name);
    Reply r = f.ask(q(name));
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.aa());
    CHECK(r.an() == 0);
    REQUIRE(r.ns() == 1);
    CHECK(r.authority(0).rfind(kV6Apex + " 300 IN SOA", 0) == 0);
  }
  // A sibling branch of the ENT does not exist.
  Reply r = f.ask(q("2." + kV6Ent));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
}

TEST_CASE("REFUSED outside served zones") {
  Fixture f;
  for (const char* name :
       {"1.1.1.1.in-addr.arpa.", "example.com.", ".", "in-addr.arpa.", "0.192.in-addr.arpa.",
        "5.3.0.192.in-addr.arpa.", "3.0.192.in-addr.arpa."}) {
    CAPTURE(name);
    auto query = q(name).build();
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_REFUSED);
    CHECK_FALSE(r.aa());
    CHECK(r.qd() == 1);
    CHECK(r.an() == 0);
    CHECK(r.ns() == 0);
    CHECK(r.ar() == 0);
    CHECK(question_echoed(r, query));
  }
  Reply r = f.ask(q("example.com.").with_edns());
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_REFUSED);
  CHECK(r.has_opt());
  CHECK(r.ar() == 1);
}

TEST_CASE("the question comes back byte for byte (0x20 case)") {
  Fixture f;
  auto query = q("2.2.0.192.In-AdDr.ArPA.").build();
  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(question_echoed(r, query));
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "2.2.0.192.In-AdDr.ArPA. 86400 IN PTR mail.example.com.");

  query = q("99.2.0.192.IN-ADDR.arpa.").build();
  r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
  CHECK(question_echoed(r, query));
  CHECK(r.authority(0).rfind("2.0.192.IN-ADDR.arpa. 300 IN SOA", 0) == 0);
}

TEST_CASE("header bits: ID and RD and CD copied, RA and AD never set") {
  Fixture f;
  QueryBuilder b = q("1.2.0.192.in-addr.arpa.");
  b.id = 0x0102;
  b.rd = false;
  b.cd = true;
  Reply r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(r.id() == 0x0102);
  CHECK_FALSE(r.rd());
  CHECK(r.cd());
  CHECK_FALSE(r.ra());
  CHECK_FALSE(r.ad());
  CHECK(r.answer(0) == "1.2.0.192.in-addr.arpa. 3600 IN PTR router.example.com.");
}

TEST_CASE("CHAOS identity and version") {
  Fixture f;
  auto txt = [&](const char* name, uint16_t type = kTxt) {
    return f.ask(q(name, type).cls(kClassCh));
  };
  for (const char* name : {"id.server.", "hostname.bind.", "ID.Server."}) {
    CAPTURE(name);
    Reply r = txt(name);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.aa());
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == std::string(name) + " 0 CH TXT \"ns1.test.example\"");
  }
  for (const char* name : {"version.bind.", "version.server."}) {
    Reply r = txt(name);
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == std::string(name) + " 0 CH TXT \"rdnsd 0.1.0\"");
  }
  Reply r = txt("version.bind.", kAny);
  REQUIRE(r.an() == 1);

  CHECK(txt("version.bind.", kA).rcode() == LDNS_RCODE_REFUSED);
  CHECK(txt("authors.bind.").rcode() == LDNS_RCODE_REFUSED);
  CHECK(txt("bind.").rcode() == LDNS_RCODE_REFUSED);
  CHECK(txt("x.id.server.").rcode() == LDNS_RCODE_REFUSED);

  f.config.identity_enabled = false;
  r = txt("id.server.");
  CHECK(r.rcode() == LDNS_RCODE_REFUSED);
  CHECK_FALSE(r.aa());
  CHECK(txt("hostname.bind.").rcode() == LDNS_RCODE_REFUSED);
  CHECK(txt("version.bind.").rcode() == 0);
  f.config.version_enabled = false;
  CHECK(txt("version.bind.").rcode() == LDNS_RCODE_REFUSED);
  CHECK(txt("version.server.").rcode() == LDNS_RCODE_REFUSED);
}

TEST_CASE("CHAOS TXT longer than 255 octets is split into strings") {
  Fixture f;
  f.config.identity = std::string(600, 'x');
  Reply r = f.ask(q("id.server.", kTxt).cls(kClassCh));
  CHECK(r.tc());  // over 512 octets
  r = f.ask(q("id.server.", kTxt).cls(kClassCh), Transport::Tcp);
  REQUIRE(r.parsed());
  REQUIRE(r.an() == 1);
  const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(r.pkt.get()), 0);
  REQUIRE(ldns_rr_rd_count(rr) == 3);
  CHECK(ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 256);
  CHECK(ldns_rdf_size(ldns_rr_rdf(rr, 1)) == 256);
  CHECK(ldns_rdf_size(ldns_rr_rdf(rr, 2)) == 91);

  f.config.identity.clear();
  r = f.ask(q("id.server.", kTxt).cls(kClassCh));
  REQUIRE(r.parsed());
  CHECK(r.answer(0) == "id.server. 0 CH TXT \"\"");
}

TEST_CASE("classes other than IN and CH are REFUSED") {
  Fixture f;
  for (uint16_t cls : {kClassAny, kClassHs, uint16_t{254}, uint16_t{0}}) {
    CAPTURE(cls);
    Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").cls(cls));
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_REFUSED);
    CHECK_FALSE(r.aa());
    CHECK(r.an() == 0);
  }
}

TEST_CASE("ANY gets one RRset (RFC 8482)") {
  Fixture f;
  Reply r = f.ask(q("2.0.192.in-addr.arpa.", kAny));
  REQUIRE(r.parsed());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0).find(" IN SOA ") != std::string::npos);

  for (Transport t : {Transport::Udp, Transport::Tcp}) {
    r = f.ask(q("2.2.0.192.in-addr.arpa.", kAny), t);
    REQUIRE(r.parsed());
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == "2.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.");
  }
  r = f.ask(q(kV6Ent, kAny));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  CHECK(r.ns() == 1);
  r = f.ask(q("77.2.0.192.in-addr.arpa.", kAny));
  CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
}

TEST_CASE("malformed source data is SERVFAIL") {
  Fixture f;
  f.source.add_raw_ptr("66.2.0.192.in-addr.arpa.",
                       std::string("\x05"
                                   "abc",
                                   4),
                       60);
  f.source.add_raw_ptr("67.2.0.192.in-addr.arpa.",
                       std::string("\x03"
                                   "abc\x00\x00",
                                   6),
                       60);
  f.source.add_raw_ptr("68.2.0.192.in-addr.arpa.", std::string("\xC0\x0C", 2), 60);
  f.source.add_raw_ptr("69.2.0.192.in-addr.arpa.", std::string(), 60);
  for (const char* name : {"66.2.0.192.in-addr.arpa.", "67.2.0.192.in-addr.arpa.",
                           "68.2.0.192.in-addr.arpa.", "69.2.0.192.in-addr.arpa."}) {
    CAPTURE(name);
    Reply r = f.ask(q(name).with_edns());
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_SERVFAIL);
    CHECK_FALSE(r.aa());
    CHECK(r.an() == 0);
    CHECK(r.has_opt());
  }
  // A broken NS block.
  f.source.zone(0).ns_block = std::string("\x09\x03ns1\x00", 6);
  Reply r = f.ask(q("2.0.192.in-addr.arpa.", kNs));
  CHECK(r.rcode() == LDNS_RCODE_SERVFAIL);
}

TEST_CASE("a query built by ldns") {
  Fixture f;
  ldns_rdf* name = ldns_dname_new_frm_str("10.2.0.192.in-addr.arpa.");
  ldns_pkt* pkt = ldns_pkt_query_new(name, LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, LDNS_RD);
  ldns_pkt_set_id(pkt, 4242);
  ldns_pkt_set_edns_udp_size(pkt, 4096);
  ldns_pkt_set_edns_do(pkt, true);
  uint8_t* wire = nullptr;
  size_t size = 0;
  REQUIRE(ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK);
  std::vector<uint8_t> query(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);

  Reply r = f.ask_raw(query);
  REQUIRE(r.parsed());
  CHECK(r.id() == 4242);
  CHECK(ldns_pkt_edns_do(r.pkt.get()));
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "10.2.0.192.in-addr.arpa. 600 IN PTR www.example.com.");
}

TEST_CASE("RDATA names compress against each other and the question") {
  Fixture f;
  // A PTR pointing into its own zone compresses to a pointer into the question.
  f.source.add_ptr("20.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.", 60);
  Reply r = f.ask(q("20.2.0.192.in-addr.arpa."));
  REQUIRE(r.parsed());
  CHECK(r.answer(0) == "20.2.0.192.in-addr.arpa. 60 IN PTR 2.0.192.in-addr.arpa.");
  const size_t question = 12 + to_wire("20.2.0.192.in-addr.arpa.").size() + 4;
  CHECK(r.bytes.size() == question + 12 + 2);
  // Mixed case in the question does not prevent it; the target is what the source says.
  r = f.ask(q("20.2.0.192.IN-ADDR.ARPA."));
  REQUIRE(r.parsed());
  CHECK(r.bytes.size() == question + 12 + 2);
}

TEST_CASE("DHCID: answered at an address that has one, NODATA at one that does not") {
  Fixture f;
  f.source.add_dhcid("2.2.0.192.in-addr.arpa.", std::string("\x00\x02\x01", 3) + "0123456789", 900);
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa.", 49));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  // RFC 4701 3.4: the RDATA in base64, as ldns prints it.
  CHECK(r.answer(0) == "2.2.0.192.in-addr.arpa. 900 IN DHCID AAIBMDEyMzQ1Njc4OQ==");
  CHECK(r.ns() == 0);
  // A PTR query there still gets the PTR alone; ANY the PTR (RFC 8482: one RRset).
  r = f.ask(q("2.2.0.192.in-addr.arpa.", kPtr));
  CHECK(r.an() == 1);
  r = f.ask(q("2.2.0.192.in-addr.arpa.", kAny));
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0).find(" PTR ") != std::string::npos);
  // An address with a PTR and no DHCID: NODATA with the SOA.
  r = f.ask(q("1.2.0.192.in-addr.arpa.", 49));
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kSoaV4);
  // No address: NXDOMAIN.
  r = f.ask(q("77.2.0.192.in-addr.arpa.", 49));
  CHECK(r.rcode() == 3);
}
