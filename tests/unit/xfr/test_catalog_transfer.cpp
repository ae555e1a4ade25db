// Transfers of the catalog zone (server/dns/catalog.h) from the transfer service, read
// back with ldns: SOA first and last, NS invalid., the version TXT, one PTR per served
// zone at its member id, the IXFR of a current client (the SOA alone) and of an older one
// (AXFR-style), the catalog's own ACL, and the members following zone-add and remove.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "server/xfr/service.h"
#include "tests/support/store_fixture.h"
#include "zonestore/names/catalog.h"
// Last: it includes ldns, whose `bool` macro breaks <optional> otherwise.
#include "tests/support/transfer_request.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using rdnsd::testing::transfer_request;

namespace {

constexpr const char* kCatalog = "catalog.rdnsd.";

struct Answer {
  std::vector<std::string> rrs;  // every answer RR as text, in order
  int messages = 0;
  int rcode = -1;
  bool aa = false;
};

Answer drain(xfr::Transfer& t) {
  Answer a;
  std::vector<uint8_t> buf(65535);
  for (int guard = 0; guard < 1000; ++guard) {
    const size_t n = t.next(buf.data(), buf.size());
    if (n == 0) return a;
    ldns_pkt* p = nullptr;
    REQUIRE(ldns_wire2pkt(&p, buf.data(), n) == LDNS_STATUS_OK);
    if (a.messages++ == 0) {
      a.rcode = ldns_pkt_get_rcode(p);
      a.aa = ldns_pkt_aa(p);
    }
    rdnsd::testing::append_answer_rrs(p, a.rrs);
    ldns_pkt_free(p);
  }
  FAIL("the transfer did not end");
  return a;
}

dns::CatalogZone catalog_zone() {
  dns::CatalogZone c;
  c.apex_wire = *names::text_to_wire(kCatalog);
  c.apex_key = names::wire_to_key(c.apex_wire);
  c.mname = *names::text_to_wire("ns1.example.net.");
  c.rname = *names::text_to_wire("hostmaster.example.net.");
  c.ttl = 3600;
  c.refresh = 3600;
  c.retry = 600;
  c.expire = 1209600;
  c.minimum = 300;
  return c;
}

// Zones from 127.0.0.0/8; the catalog from 127.0.0.2 only.
xfr::TransferPolicy policy() {
  xfr::TransferPolicy p;
  p.defaults.push_back({names::parse_prefix("127.0.0.0/8"), ""});
  p.zones[kCatalog] = {{names::parse_prefix("127.0.0.2/32"), ""}};
  return p;
}

struct CatalogXfr : Fixture {
  std::vector<std::string> log;
  xfr::Service service{
      *store, policy(), {}, [this](logging::Level, const std::string& l, const logging::Fields&) {
        log.push_back(l);
      }};
  CatalogXfr() { service.set_catalog(catalog_zone()); }
  std::unique_ptr<xfr::Transfer> start(const std::vector<uint8_t>& req,
                                       const char* from = "127.0.0.2") {
    return service.start(req.data(), req.size(), ip(from));
  }
};

std::string soa(uint32_t serial) {
  return std::string(kCatalog) + "\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. " +
         std::to_string(serial) + " 3600 600 1209600 300";
}

std::string member(const std::string& apex) {
  const std::string id = names::catalog_member_id(*names::text_to_wire(apex));
  return id + ".zones." + kCatalog + "\t3600\tIN\tPTR\t" + apex;
}

}  // namespace

TEST_CASE("AXFR of the catalog: SOA, NS invalid., version \"2\", a PTR per served zone, SOA") {
  CatalogXfr f;
  const uint32_t serial = f.store->catalog_serial();
  auto t = f.start(transfer_request(kCatalog, LDNS_RR_TYPE_AXFR));
  CHECK(std::string(t->kind()) == "AXFR");
  Answer a = drain(*t);
  CHECK(a.rcode == LDNS_RCODE_NOERROR);
  CHECK(a.aa);
  CHECK(a.messages == 1);
  REQUIRE(a.rrs.size() == 6);
  CHECK(a.rrs.front() == soa(serial));
  CHECK(a.rrs.back() == soa(serial));
  CHECK(a.rrs[1] == std::string(kCatalog) + "\t3600\tIN\tNS\tinvalid.");
  CHECK(a.rrs[2] == std::string("version.") + kCatalog + "\t3600\tIN\tTXT\t\"2\"");
  std::vector<std::string> members(a.rrs.begin() + 3, a.rrs.end() - 1);
  std::sort(members.begin(), members.end());
  std::vector<std::string> want = {member(kV4), member(kV6)};
  std::sort(want.begin(), want.end());
  CHECK(members == want);
  CHECK(t->records() == 6);
  f.service.finished(*t, true);
  REQUIRE_FALSE(f.log.empty());
  CHECK(f.log.back().find("AXFR of catalog.rdnsd. serial " + std::to_string(serial)) == 0);
}

TEST_CASE("the catalog's members follow zone-add, zone-remove and zones no longer served") {
  CatalogXfr f;
  f.store->add_zone(zone_settings("198.18.0.0/24"), T0);
  Answer a = drain(*f.start(transfer_request(kCatalog, LDNS_RR_TYPE_AXFR)));
  CHECK(a.rrs.front() == soa(f.store->catalog_serial()));
  CHECK(std::count(a.rrs.begin(), a.rrs.end(), member("0.18.198.in-addr.arpa.")) == 1);
  CHECK(a.rrs.size() == 7);

  f.store->remove_zone("198.18.0.0/24", false);
  f.store->reconcile({zone_settings("192.0.2.0/24")}, {}, T0);  // the IPv6 zone unserved
  a = drain(*f.start(transfer_request(kCatalog, LDNS_RR_TYPE_AXFR)));
  REQUIRE(a.rrs.size() == 5);
  CHECK(a.rrs[3] == member(kV4));
}

TEST_CASE("IXFR of the catalog: the SOA alone when current, else the whole catalog") {
  CatalogXfr f;
  const uint32_t serial = f.store->catalog_serial();
  auto t = f.start(transfer_request(kCatalog, LDNS_RR_TYPE_IXFR, serial));
  CHECK(std::string(t->kind()) == "SOA");
  Answer a = drain(*t);
  CHECK(a.rrs == std::vector<std::string>{soa(serial)});
  t = f.start(transfer_request(kCatalog, LDNS_RR_TYPE_IXFR, serial - 1));
  CHECK(std::string(t->kind()) == "IXFR (AXFR-style)");
  a = drain(*t);
  REQUIRE(a.rrs.size() == 6);
  CHECK(a.rrs.front() == soa(serial));
  CHECK(a.rrs.back() == soa(serial));
}

TEST_CASE("the catalog has its own ACL, and without a catalog its name is no zone here") {
  CatalogXfr f;
  auto t = f.start(transfer_request(kCatalog, LDNS_RR_TYPE_AXFR), "127.0.0.1");
  Answer a = drain(*t);
  CHECK(a.rcode == LDNS_RCODE_REFUSED);
  CHECK(a.rrs.empty());
  CHECK(f.log.back().find("refused: not allowed") != std::string::npos);
  // 127.0.0.1 may transfer the reverse zones (the defaults).
  a = drain(*f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR), "127.0.0.1"));
  CHECK(a.rcode == LDNS_RCODE_NOERROR);

  f.service.set_catalog({});
  a = drain(*f.start(transfer_request(kCatalog, LDNS_RR_TYPE_AXFR)));
  CHECK(a.rcode == LDNS_RCODE_NOTAUTH);
}
