// The answer core and malformed or unusual queries: drops, NOTIMP, FORMERR, skipped
// sections, zone transfers.
#include <doctest/doctest.h>

#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

TEST_CASE("dropped: QR set, or shorter than a header") {
  Fixture f;
  QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
  b.qr = true;
  CHECK(f.ask(b).empty());
  auto query = q("2.2.0.192.in-addr.arpa.").build();
  for (size_t len = 0; len < 12; ++len) {
    std::vector<uint8_t> part(query.begin(), query.begin() + static_cast<long>(len));
    CHECK(f.ask_raw(part).empty());
  }
  // An output buffer without room for the question.
  CHECK(f.ask(q("2.2.0.192.in-addr.arpa."), Transport::Udp, 20).empty());
  CHECK(f.ask(q("2.2.0.192.in-addr.arpa."), Transport::Udp, 11).empty());
}

TEST_CASE("opcodes other than QUERY are NOTIMP") {
  Fixture f;
  for (uint8_t opcode : {1, 2, 4, 5, 6, 15}) {
    CAPTURE(int{opcode});
    QueryBuilder b = q("2.0.192.in-addr.arpa.", kSoa);
    b.opcode = opcode;
    b.cd = true;
    auto query = b.build();
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
    CHECK(r.opcode() == opcode);
    // Of the flags, only RD is copied (CD belongs to QUERY, RFC 4035 section 3.1.6).
    CHECK(ldns_pkt_rd(r.pkt.get()));
    CHECK_FALSE(ldns_pkt_cd(r.pkt.get()));
    CHECK_FALSE(r.aa());
    CHECK(r.qd() == 1);
    CHECK(r.an() == 0);
    CHECK(question_echoed(r, query));
  }
  // No parsable question: header only.
  QueryBuilder b = q("2.0.192.in-addr.arpa.", kSoa);
  b.opcode = 4;
  b.qdcount = 0;
  Reply r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
  CHECK(r.bytes.size() == 12);
  // NOTIMP keeps the OPT.
  b.qdcount = 1;
  b.with_edns();
  r = f.ask(b);
  CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
  CHECK(r.has_opt());
}

TEST_CASE("QDCOUNT other than 1 is FORMERR without a question") {
  Fixture f;
  QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
  b.qdcount = 0;
  Reply r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.qd() == 0);
  CHECK(r.bytes.size() == 12);

  b.qdcount = 2;
  r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.qd() == 0);
  CHECK(r.id() == 0xBEEF);

  // No question but an OPT (a server-cookie request): the FORMERR carries an OPT
  // (RFC 6891 section 6.1.1).
  const std::vector<uint8_t> cookie_only = {0x30, 0x02, 0,    0,    0,    0, 0, 0, 0, 0, 0, 1,
                                            0,    0,    0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
  r = f.ask_raw(cookie_only);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
  CHECK(r.qd() == 0);
  CHECK(r.has_opt());

  // A bare header.
  std::vector<uint8_t> header(12, 0);
  r = f.ask_raw(header);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_FORMERR);
}

TEST_CASE("malformed question names are FORMERR") {
  Fixture f;
  auto formerr = [&](std::string raw) {
    QueryBuilder b;
    b.raw_qname = std::move(raw);
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK(r.qd() == 0);
    CHECK(r.bytes.size() == 12);
  };
  SUBCASE("compression pointer") {
    formerr(
        std::string("\x01"
                    "2\xC0\x0C",
                    4));
  }
  SUBCASE("pointer as the whole name") {
    formerr(std::string("\xC0\x0C", 2));
  }
  SUBCASE("extended label type 0x40") {
    formerr(
        std::string("\x41"
                    "abc",
                    4));
  }
  SUBCASE("label type 0x80") {
    formerr(
        std::string("\x81"
                    "a\x00",
                    3));
  }
  SUBCASE("name longer than 255") {
    std::string name;
    for (int i = 0; i < 4; ++i) name += std::string(1, '\x3f') + std::string(63, 'a');
    name.push_back('\0');  // 4 x 64 + 1 = 257
    formerr(name);
  }
  SUBCASE("label running past the packet") {
    std::vector<uint8_t> query = q("2.2.0.192.in-addr.arpa.").build();
    query.resize(12);
    query.push_back(40);
    query.push_back('a');
    CHECK(f.ask_raw(query).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("no room for type and class") {
    std::vector<uint8_t> query = q("2.2.0.192.in-addr.arpa.").build();
    query.resize(query.size() - 1);
    CHECK(f.ask_raw(query).rcode() == LDNS_RCODE_FORMERR);
  }
}

TEST_CASE("names of exactly 255 octets are fine") {
  Fixture f;
  std::string name;
  for (int i = 0; i < 3; ++i) name += std::string(1, '\x3f') + std::string(63, 'a');
  name += std::string(1, '\x3d') + std::string(61, 'b');
  name.push_back('\0');
  REQUIRE(name.size() == 255);
  QueryBuilder b;
  b.raw_qname = name;
  Reply r = f.ask(b);
  REQUIRE(r.parsed());
  CHECK(r.rcode() == LDNS_RCODE_REFUSED);
  CHECK(r.qd() == 1);
}

TEST_CASE("other sections are skipped, bounded by the packet") {
  Fixture f;
  auto rr = [](std::vector<uint8_t> owner, uint16_t type, uint16_t rdlen) {
    std::vector<uint8_t> b = std::move(owner);
    put16(b, type);
    put16(b, 1);
    put32(b, 60);
    put16(b, rdlen);
    b.insert(b.end(), rdlen, 0xAB);
    return b;
  };
  SUBCASE("a self-referencing pointer is skipped, not followed") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    const size_t at = 12 + to_wire(b.qname).size() + 4;
    b.extra = rr({0xC0, static_cast<uint8_t>(at)}, kA, 4);
    b.ancount = 1;
    Reply r = f.ask(b);
    REQUIRE(!r.empty());
    CHECK(r.rcode() == 0);
    CHECK(r.an() == 1);
  }
  SUBCASE("compressed names in skipped records") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    b.extra = rr({3, 'f', 'o', 'o', 0xC0, 12}, kA, 4);
    b.nscount = 1;
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.has_opt());
  }
  SUBCASE("a TSIG that is not the last record is FORMERR (RFC 8945 5.2)") {
    // Before the OPT, in the authority or answer section, or two of them.
    QueryBuilder before_opt = q("2.2.0.192.in-addr.arpa.").with_edns();
    before_opt.extra = rr({0}, 250, 20);
    before_opt.arcount = 1;
    CHECK(f.ask(before_opt).rcode() == LDNS_RCODE_FORMERR);
    for (int section = 0; section < 2; ++section) {
      QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
      b.extra = rr({0}, 250, 20);
      (section == 0 ? b.ancount : b.nscount) = 1;
      CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
    }
    QueryBuilder two = q("2.2.0.192.in-addr.arpa.");
    two.extra = rr({0}, 250, 20);
    const auto second = rr({0}, 250, 20);
    two.extra.insert(two.extra.end(), second.begin(), second.end());
    two.arcount = 2;
    CHECK(f.ask(two).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("a last record of type TSIG whose RDATA is no TSIG is FORMERR") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    b.extra = rr({0}, 250, 20);
    b.arcount = 1;
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK(r.ar() == 0);  // FORMERR answers are unsigned
  }
  SUBCASE("bad label type in a skipped name") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    b.extra = rr({0x41, 'x', 0}, kA, 4);
    b.ancount = 1;
    CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("RDATA past the end") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
    b.extra = rr({0}, kA, 4);
    b.extra.resize(b.extra.size() - 1);
    b.ancount = 1;
    CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("counts larger than the packet") {
    for (int section = 0; section < 3; ++section) {
      QueryBuilder b = q("2.2.0.192.in-addr.arpa.");
      (section == 0 ? b.ancount : section == 1 ? b.nscount : b.arcount) = 65535;
      auto query = b.build();
      Reply r = f.ask_raw(query);
      REQUIRE(r.parsed());
      CHECK(r.rcode() == LDNS_RCODE_FORMERR);
      CHECK(r.qd() == 1);
      CHECK(r.an() == 0);
      CHECK(question_echoed(r, query));
    }
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    b.arcount = 2;  // one OPT present, two more claimed
    CHECK(f.ask(b).rcode() == LDNS_RCODE_FORMERR);
  }
  SUBCASE("trailing bytes after the counted records are ignored") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    auto query = b.build();
    query.insert(query.end(), {1, 2, 3, 4, 5, 0xC0});
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.an() == 1);
  }
}

TEST_CASE("IXFR over UDP: the zone's current SOA alone (RFC 1995 section 4)") {
  Fixture f;
  const char* const soa =
      "2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. 2024010101 "
      "7200 3600 1209600 300";
  // As RFC 1995 section 3 sends it (the client's SOA in the authority section, older
  // and current), and bare.
  for (uint32_t serial : {2024010100u, 2024010101u, 0u}) {
    CAPTURE(serial);
    QueryBuilder b = q("2.0.192.in-addr.arpa.", kIxfr).with_edns();
    if (serial != 0) {
      b.extra = {0xC0, 0x0C, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0};
      for (uint32_t v : {serial, 0u, 0u, 0u, 0u}) put32(b.extra, v);
      b.nscount = 1;
    }
    auto query = b.build();
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOERROR);
    CHECK(r.aa());
    CHECK(question_echoed(r, query));
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == soa);
    CHECK(r.ns() == 0);
    CHECK(r.has_opt());
  }
  // The IPv6 zone, without EDNS.
  Reply v6 = f.ask(q(kV6Apex, kIxfr));
  REQUIRE(v6.parsed());
  CHECK(v6.rcode() == LDNS_RCODE_NOERROR);
  CHECK(v6.an() == 1);
  CHECK(v6.ar() == 0);
}

TEST_CASE("zone transfers, and MAILA/MAILB answered as ordinary types") {
  Fixture f;
  // AXFR over UDP is not defined (RFC 5936 section 4.2): NOTIMP for any name, as knotd
  // and nsd answer.
  for (const char* name : {"2.0.192.in-addr.arpa.", "1.2.0.192.in-addr.arpa.", "example.com."}) {
    CAPTURE(name);
    Reply r = f.ask(q(name, kAxfr).with_edns(), Transport::Udp);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
    CHECK(r.an() == 0);
    CHECK(r.has_opt());
  }
  // Over TCP the transfer code answers before the core; what reaches the core is refused.
  for (uint16_t type : {kAxfr, kIxfr}) {
    CAPTURE(type);
    Reply r = f.ask(q("2.0.192.in-addr.arpa.", type), Transport::Tcp);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_REFUSED);
    CHECK(r.an() == 0);
  }
  CHECK(f.ask(q("example.com.", kIxfr)).rcode() == LDNS_RCODE_REFUSED);
  // Below a zone's apex there is no zone to transfer.
  Reply below = f.ask(q("1.2.0.192.in-addr.arpa.", kIxfr));
  CHECK(below.rcode() == LDNS_RCODE_NOTAUTH);
  CHECK(below.an() == 0);
  CHECK_FALSE(below.aa());
  // MAILA and MAILB: no such records here, so NODATA (or NXDOMAIN) with the SOA, as
  // knotd and nsd answer; never NOTIMP.
  for (uint16_t type : {kMailb, uint16_t{254}}) {
    CAPTURE(type);
    for (const char* name : {"2.0.192.in-addr.arpa.", "1.2.0.192.in-addr.arpa."}) {
      Reply r = f.ask(q(name, type));
      REQUIRE(r.parsed());
      CHECK(r.rcode() == LDNS_RCODE_NOERROR);
      CHECK(r.aa());
      CHECK(r.an() == 0);
      CHECK(r.ns() == 1);
    }
    Reply nx = f.ask(q("77.2.0.192.in-addr.arpa.", type));
    CHECK(nx.rcode() == LDNS_RCODE_NXDOMAIN);
    CHECK(nx.ns() == 1);
  }
}
