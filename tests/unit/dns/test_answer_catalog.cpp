// The catalog zone (server/dns/catalog.h) in the answer core, against an in-memory
// source: SOA and NS at its apex, the version TXT, the member PTRs, NODATA at the empty
// non-terminal zones., NXDOMAIN elsewhere, AA over UDP and TCP, and the reverse zones
// unchanged beside it.
#include <doctest/doctest.h>

#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

constexpr uint32_t kSerial = 1796400000;
const char* const kCatalogSoa =
    "catalog.rdnsd. 60 IN SOA ns1.example.net. hostmaster.example.net. 1796400000 3600 600 "
    "1209600 300";
// The negative answers' SOA: TTL min(ttl, minimum) = 60.
const char* const kCatalogNegSoa = kCatalogSoa;

struct CatalogFixture : Fixture {
  CatalogFixture() {
    CatalogZone& c = config.catalog;
    c.apex_wire = to_wire("catalog.rdnsd.");
    c.apex_key = wire_to_key(c.apex_wire);
    c.mname = to_wire("ns1.example.net.");
    c.rname = to_wire("hostmaster.example.net.");
    c.ttl = 60;
    c.refresh = 3600;
    c.retry = 600;
    c.expire = 1209600;
    c.minimum = 300;
    source.catalog_serial_value = kSerial;
    source.add_catalog_member("97b090e2ba700a42", "2.0.192.in-addr.arpa.");
    source.add_catalog_member("0123456789abcdef", kV6Apex);
  }
};

}  // namespace

TEST_CASE("the catalog's apex has its SOA and NS invalid., authoritative over UDP and TCP") {
  CatalogFixture f;
  for (Transport t : {Transport::Udp, Transport::Tcp}) {
    Reply r = f.ask(q("catalog.rdnsd.", kSoa), t);
    REQUIRE(r.parsed());
    CHECK(r.aa());
    CHECK(r.rcode() == 0);
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == kCatalogSoa);
    r = f.ask(q("Catalog.RDNSD.", kNs), t);
    REQUIRE(r.parsed());
    CHECK(r.aa());
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == "Catalog.RDNSD. 60 IN NS invalid.");
    r = f.ask(q("catalog.rdnsd.", kAny), t);
    REQUIRE(r.an() == 1);
    CHECK(r.answer(0) == kCatalogSoa);
  }
  Reply r = f.ask(q("catalog.rdnsd.", kA));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kCatalogNegSoa);
}

TEST_CASE("version.<catalog> holds TXT \"2\" (schema version 2)") {
  CatalogFixture f;
  Reply r = f.ask(q("version.catalog.rdnsd.", kTxt));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "version.catalog.rdnsd. 60 IN TXT \"2\"");
  r = f.ask(q("version.catalog.rdnsd.", kPtr));
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kCatalogNegSoa);
}

TEST_CASE("each member is a PTR at <id>.zones.<catalog>, and zones. is an empty non-terminal") {
  CatalogFixture f;
  Reply r = f.ask(q("97b090e2ba700a42.zones.catalog.rdnsd."), Transport::Tcp);
  REQUIRE(r.parsed());
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "97b090e2ba700a42.zones.catalog.rdnsd. 60 IN PTR 2.0.192.in-addr.arpa.");
  r = f.ask(q("0123456789ABCDEF.zones.catalog.rdnsd.", kAny));
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "0123456789ABCDEF.zones.catalog.rdnsd. 60 IN PTR " + kV6Apex);
  r = f.ask(q("97b090e2ba700a42.zones.catalog.rdnsd.", kTxt));
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 0);
  CHECK(r.ns() == 1);

  r = f.ask(q("zones.catalog.rdnsd."));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  CHECK(r.rcode() == 0);  // NODATA (RFC 8020)
  CHECK(r.an() == 0);
  REQUIRE(r.ns() == 1);
  CHECK(r.authority(0) == kCatalogNegSoa);
}

TEST_CASE("other names under the catalog are NXDOMAIN with its SOA") {
  CatalogFixture f;
  for (const char* name :
       {"ffffffffffffffff.zones.catalog.rdnsd.", "x.97b090e2ba700a42.zones.catalog.rdnsd.",
        "a.version.catalog.rdnsd.", "other.catalog.rdnsd.", "zones.zones.catalog.rdnsd."}) {
    INFO(name);
    Reply r = f.ask(q(name));
    REQUIRE(r.parsed());
    CHECK(r.aa());
    CHECK(r.rcode() == 3);
    REQUIRE(r.ns() == 1);
    CHECK(r.authority(0) == kCatalogNegSoa);
  }
}

TEST_CASE("names beside the catalog stay REFUSED, and the reverse zones answer as before") {
  CatalogFixture f;
  for (const char* name : {"rdnsd.", "xcatalog.rdnsd.", "catalog.rdnsd.example."}) {
    INFO(name);
    Reply r = f.ask(q(name, kSoa));
    REQUIRE(r.parsed());
    CHECK(r.rcode() == 5);
    CHECK_FALSE(r.aa());
  }
  Reply r = f.ask(q("2.2.0.192.in-addr.arpa."));
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == "2.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.");
  // Without a catalog configured its name is REFUSED like any other.
  Fixture plain;
  r = plain.ask(q("catalog.rdnsd.", kSoa));
  CHECK(r.rcode() == 5);
}

TEST_CASE("transfers of the catalog in the core: IXFR over UDP gets the SOA, AXFR NOTIMP") {
  CatalogFixture f;
  Reply r = f.ask(q("catalog.rdnsd.", kIxfr));
  REQUIRE(r.parsed());
  CHECK(r.aa());
  REQUIRE(r.an() == 1);
  CHECK(r.answer(0) == kCatalogSoa);
  r = f.ask(q("catalog.rdnsd.", kAxfr));
  CHECK(r.rcode() == 4);
  // Over TCP the transfer service answers first; one that reaches the core is refused.
  r = f.ask(q("catalog.rdnsd.", kAxfr), Transport::Tcp);
  CHECK(r.rcode() == 5);
  r = f.ask(q("zones.catalog.rdnsd.", kIxfr));
  CHECK(r.rcode() == 9);
}

TEST_CASE("a catalog serial the source cannot read is SERVFAIL") {
  CatalogFixture f;
  f.source.catalog_serial_value.reset();
  Reply r = f.ask(q("catalog.rdnsd.", kSoa));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 2);
  CHECK_FALSE(r.aa());
}

TEST_CASE("EDNS EXPIRE (RFC 7314) at the catalog's apex, as at a zone's") {
  CatalogFixture f;
  Reply r = f.ask(q("catalog.rdnsd.", kSoa).option(9));
  REQUIRE(r.parsed());
  auto opts = r.options();
  REQUIRE(opts.size() == 1);
  CHECK(opts[0].code == 9);
  CHECK(opts[0].data == std::string("\x00\x12\x75\x00", 4));  // 1209600
  r = f.ask(q("version.catalog.rdnsd.", kTxt).option(9));
  CHECK(r.options().empty());
}
