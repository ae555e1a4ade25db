// The answer core against an in-memory source, with ldns parsing the answers.
#include <doctest/doctest.h>

#include <cstring>

#include "test_answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

constexpr uint16_t kA = 1, kNs = 2, kSoa = 6, kPtr = 12, kTxt = 16, kOpt = 41, kIxfr = 251,
                   kAxfr = 252, kMailb = 253, kAny = 255;
constexpr uint16_t kClassCh = 3, kClassHs = 4, kClassAny = 255;

const char* const kSoaV4 =
    "2.0.192.in-addr.arpa. 300 IN SOA ns1.example.net. hostmaster.example.net. 2024010101 "
    "7200 3600 1209600 300";

QueryBuilder q(std::string name, uint16_t type = kPtr) {
  QueryBuilder b;
  b.qname = std::move(name);
  b.qtype = type;
  return b;
}

// The question section of `r` is byte-identical to the query's.
bool question_echoed(const Reply& r, const std::vector<uint8_t>& query) {
  size_t end = 12;
  while (end < query.size() && query[end] != 0) end += 1 + query[end];
  end += 5;
  return r.bytes.size() >= end &&
         std::memcmp(r.bytes.data() + 12, query.data() + 12, end - 12) == 0;
}

}  // namespace

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
  r = f.ask(q("99.2.0.192.in-addr.arpa.").option(65001, "xyz").option(10, "12345678"));
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
    auto query = b.build();
    Reply r = f.ask_raw(query);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
    CHECK(r.opcode() == opcode);
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
  SUBCASE("compressed names and TSIG-like records in the additional section") {
    QueryBuilder b = q("2.2.0.192.in-addr.arpa.").with_edns();
    auto a = rr({3, 'f', 'o', 'o', 0xC0, 12}, kA, 4);
    auto tsig = rr({0}, 250, 20);
    b.extra = a;
    b.extra.insert(b.extra.end(), tsig.begin(), tsig.end());
    b.nscount = 1;
    b.arcount = 1;
    Reply r = f.ask(b);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 0);
    CHECK(r.has_opt());
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

TEST_CASE("zone transfers and MAILA/MAILB") {
  Fixture f;
  for (uint16_t type : {kAxfr, kIxfr}) {
    CAPTURE(type);
    Reply r = f.ask(q("2.0.192.in-addr.arpa.", type), Transport::Udp);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_FORMERR);
    CHECK(r.an() == 0);
    r = f.ask(q("2.0.192.in-addr.arpa.", type), Transport::Tcp);
    REQUIRE(r.parsed());
    CHECK(r.rcode() == LDNS_RCODE_REFUSED);
    CHECK(r.an() == 0);
  }
  // Outside our zones a transfer is simply refused.
  CHECK(f.ask(q("example.com.", kAxfr)).rcode() == LDNS_RCODE_REFUSED);
  for (uint16_t type : {kMailb, uint16_t{254}}) {
    Reply r = f.ask(q("2.2.0.192.in-addr.arpa.", type));
    CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
  }
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
