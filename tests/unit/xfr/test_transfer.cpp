// The transfer side of the primary: what AXFR and IXFR requests get, message by message,
// read back with ldns (an independent parser): SOA first and last, every record once,
// messages within 64 KiB, compression, the snapshot kept while writes go on, and the
// refusals (NOTAUTH, REFUSED, FORMERR).
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/xfr/service.h"
#include "tests/support/store_fixture.h"
// Last: it includes ldns, whose `bool` macro breaks <optional> otherwise.
#include "tests/support/transfer_request.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using rdnsd::testing::transfer_request;

namespace {

struct Answer {
  std::vector<ldns_pkt*> messages;
  std::vector<size_t> sizes;
  std::vector<std::string> rrs;  // every answer RR as text, in order
  ~Answer() {
    for (ldns_pkt* p : messages) ldns_pkt_free(p);
  }
  ldns_pkt_rcode rcode() const { return ldns_pkt_get_rcode(messages.at(0)); }
};

void drain(xfr::Transfer& t, Answer& a) {
  std::vector<uint8_t> buf(65535);
  for (int guard = 0; guard < 100000; ++guard) {
    size_t n = t.next(buf.data(), buf.size());
    if (n == 0) return;
    ldns_pkt* p = nullptr;
    REQUIRE(ldns_wire2pkt(&p, buf.data(), n) == LDNS_STATUS_OK);
    a.messages.push_back(p);
    a.sizes.push_back(n);
    rdnsd::testing::append_answer_rrs(p, a.rrs);
  }
  FAIL("the transfer did not end");
}

xfr::TransferPolicy open_to_loopback() {
  xfr::TransferPolicy p;
  p.defaults.push_back({names::parse_prefix("127.0.0.0/8"), ""});
  return p;
}

struct XfrFixture : Fixture {
  std::vector<std::string> log;
  xfr::Service service{
      *store,
      open_to_loopback(),
      {},
      [this](logging::Level, const std::string& l, const logging::Fields&) { log.push_back(l); }};
  std::unique_ptr<xfr::Transfer> start(const std::vector<uint8_t>& req,
                                       const char* from = "127.0.0.1") {
    return service.start(req.data(), req.size(), ip(from));
  }
};

}  // namespace

TEST_CASE("AXFR: SOA first and last, NS, every PTR once in address order, one message") {
  XfrFixture f;
  f.store->set(set_op("192.0.2.10", "www.example.net."), T0);
  f.store->set(set_op("192.0.2.1", "gw.example.net.", 600), T0);
  const uint32_t serial = serial_of(*f.store, kV4);
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR));
  CHECK(std::string(t->kind()) == "AXFR");
  Answer a;
  drain(*t, a);
  REQUIRE(a.messages.size() == 1);
  CHECK(a.rcode() == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(a.messages[0]));
  CHECK(ldns_pkt_id(a.messages[0]) == 4242);
  CHECK(ldns_pkt_qdcount(a.messages[0]) == 1);
  const std::string soa = std::string(kV4) +
                          "\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. " +
                          std::to_string(serial) + " 3600 600 1209600 300";
  std::vector<std::string> want = {soa,
                                   std::string(kV4) + "\t3600\tIN\tNS\tns1.example.net.",
                                   std::string(kV4) + "\t3600\tIN\tNS\tns2.example.net.",
                                   "1.2.0.192.in-addr.arpa.\t600\tIN\tPTR\tgw.example.net.",
                                   "10.2.0.192.in-addr.arpa.\t7200\tIN\tPTR\twww.example.net.",
                                   soa};
  CHECK(a.rrs == want);
  CHECK(t->records() == 6);
}

TEST_CASE("AXFR of 20,000 records: many messages, each at most 64 KiB, compressed, all there") {
  XfrFixture f;
  std::vector<Op> ops;
  for (int i = 0; i < 20000; ++i) {
    char addr[64];
    snprintf(addr, sizeof addr, "2001:db8:0:%x::%x", i / 256, i % 256 + 1);
    ops.push_back(op_set(set_op(addr, "host" + std::to_string(i) + ".customers.example.net.")));
  }
  f.store->apply(ops, T0);
  auto t = f.start(transfer_request(kV6, LDNS_RR_TYPE_AXFR));
  Answer a;
  drain(*t, a);
  CHECK(a.messages.size() > 1);
  size_t total = 0;
  for (size_t i = 0; i < a.sizes.size(); ++i) {
    CHECK(a.sizes[i] <= 65535);
    CHECK(ldns_pkt_qdcount(a.messages[i]) == (i == 0 ? 1 : 0));
    total += a.sizes[i];
  }
  REQUIRE(a.rrs.size() == 20000 + 2 + 2);
  CHECK(a.rrs.front() == a.rrs.back());
  std::set<std::string> owners;
  for (size_t i = 3; i + 1 < a.rrs.size(); ++i)
    owners.insert(a.rrs[i].substr(0, a.rrs[i].find('\t')));
  CHECK(owners.size() == 20000);
  // Uncompressed, each RR's owner alone is 74 bytes and its target about 33.
  MESSAGE("AXFR of 20,000 ip6.arpa PTRs: " << total << " bytes in " << a.messages.size()
                                           << " messages");
  CHECK(total < 20000 * 80);
}

TEST_CASE("AXFR reads one snapshot: writes made while it is sent are not in it") {
  XfrFixture f;
  std::vector<Op> ops;
  for (int i = 1; i <= 250; ++i)
    ops.push_back(
        op_set(set_op("192.0.2." + std::to_string(i), "h" + std::to_string(i) + ".example.net.")));
  f.store->apply(ops, T0);
  const uint32_t serial = serial_of(*f.store, kV4);
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR));
  std::vector<uint8_t> buf(600);  // small messages, so the transfer takes many
  size_t n = t->next(buf.data(), buf.size());
  REQUIRE(n > 0);
  f.store->unset({"192.0.2.200"}, T0);
  f.store->set(set_op("192.0.2.251", "late.example.net."), T0);
  Answer a;
  ldns_pkt* first = nullptr;
  REQUIRE(ldns_wire2pkt(&first, buf.data(), n) == LDNS_STATUS_OK);
  a.messages.push_back(first);
  drain(*t, a);
  size_t ptrs = 0;
  bool saw_200 = false, saw_251 = false;
  for (ldns_pkt* p : a.messages) {
    ldns_rr_list* an = ldns_pkt_answer(p);
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(an, i);
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_PTR) {
        ++ptrs;
        char* o = ldns_rdf2str(ldns_rr_owner(rr));
        std::string owner(o);
        free(o);
        saw_200 |= owner == "200.2.0.192.in-addr.arpa.";
        saw_251 |= owner == "251.2.0.192.in-addr.arpa.";
      }
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
        CHECK(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)) == serial);
    }
  }
  CHECK(ptrs == 250);
  CHECK(saw_200);
  CHECK_FALSE(saw_251);
}

TEST_CASE("IXFR from the current serial (or a newer one): the SOA alone") {
  XfrFixture f;
  f.store->set(set_op("192.0.2.1", "gw.example.net."), T0);
  const uint32_t serial = serial_of(*f.store, kV4);
  for (uint32_t s : {serial, serial + 5}) {
    auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_IXFR, s));
    Answer a;
    drain(*t, a);
    REQUIRE(a.rrs.size() == 1);
    CHECK(a.rrs[0].find("\tSOA\t") != std::string::npos);
    CHECK(a.rrs[0].find(" " + std::to_string(serial) + " ") != std::string::npos);
  }
}

TEST_CASE("IXFR from a serial the journal does not reach: the whole zone, AXFR-style") {
  XfrFixture f;
  f.store->set(set_op("192.0.2.1", "gw.example.net."), T0);
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_IXFR, 1));
  Answer a;
  drain(*t, a);
  CHECK(a.rcode() == LDNS_RCODE_NOERROR);
  REQUIRE(a.rrs.size() == 5);  // SOA NS NS PTR SOA
  CHECK(a.rrs[3].find("gw.example.net.") != std::string::npos);
}

TEST_CASE(
    "refusals: not a served apex is NOTAUTH, another address REFUSED, IXFR without SOA FORMERR") {
  XfrFixture f;
  {
    auto t = f.start(transfer_request("1.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_AXFR));
    Answer a;
    drain(*t, a);
    CHECK(a.rcode() == LDNS_RCODE_NOTAUTH);
    CHECK(a.rrs.empty());
  }
  {
    auto t = f.start(transfer_request("example.com.", LDNS_RR_TYPE_AXFR));
    Answer a;
    drain(*t, a);
    CHECK(a.rcode() == LDNS_RCODE_NOTAUTH);
  }
  {
    auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR), "192.0.2.99");
    Answer a;
    drain(*t, a);
    CHECK(a.rcode() == LDNS_RCODE_REFUSED);
    REQUIRE_FALSE(f.log.empty());
    CHECK(f.log.back().find("192.0.2.99") != std::string::npos);
    CHECK(f.log.back().find("refused") != std::string::npos);
  }
  {
    auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_IXFR));
    Answer a;
    drain(*t, a);
    CHECK(a.rcode() == LDNS_RCODE_FORMERR);
  }
  {
    auto req = transfer_request(kV4, LDNS_RR_TYPE_IXFR, 5);
    req.resize(req.size() - 3);  // the authority SOA cut short
    auto t = f.start(req);
    Answer a;
    drain(*t, a);
    CHECK(a.rcode() == LDNS_RCODE_FORMERR);
  }
  CHECK(f.service.active() == 0);
}

TEST_CASE("EDNS: every message carries an OPT RR, with EXPIRE (RFC 7314) when asked for") {
  XfrFixture f;
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR, std::nullopt, true));
  Answer a;
  drain(*t, a);
  REQUIRE(a.messages.size() == 1);
  CHECK(ldns_pkt_edns(a.messages[0]));
  ldns_rdf* data = ldns_pkt_edns_data(a.messages[0]);
  REQUIRE(data != nullptr);
  REQUIRE(ldns_rdf_size(data) == 8);
  const uint8_t* d = ldns_rdf_data(data);
  CHECK(d[1] == 9);
  CHECK((uint32_t(d[4]) << 24 | d[5] << 16 | d[6] << 8 | d[7]) == 1209600);
}

TEST_CASE("the limit of transfers at once: one more gets SERVFAIL, a finished one frees its slot") {
  Fixture base;
  xfr::Service service{*base.store,
                       open_to_loopback(),
                       {2},
                       [](logging::Level, const std::string&, const logging::Fields&) {}};
  auto req = transfer_request(kV4, LDNS_RR_TYPE_AXFR);
  auto a = service.start(req.data(), req.size(), ip("127.0.0.1"));
  auto b = service.start(req.data(), req.size(), ip("127.0.0.1"));
  CHECK(service.active() == 2);
  {
    auto c = service.start(req.data(), req.size(), ip("127.0.0.1"));
    Answer ans;
    drain(*c, ans);
    CHECK(ans.rcode() == LDNS_RCODE_SERVFAIL);
  }
  a.reset();
  CHECK(service.active() == 1);
  auto d = service.start(req.data(), req.size(), ip("127.0.0.1"));
  CHECK(std::string(d->kind()) == "AXFR");
}

TEST_CASE("is_transfer: AXFR and IXFR queries only, never past the end") {
  auto axfr = transfer_request(kV4, LDNS_RR_TYPE_AXFR);
  auto soa = transfer_request(kV4, LDNS_RR_TYPE_SOA);
  CHECK(xfr::Service::is_transfer(axfr.data(), axfr.size()));
  CHECK_FALSE(xfr::Service::is_transfer(soa.data(), soa.size()));
  for (size_t n = 0; n < axfr.size() - 4; ++n)
    CHECK_FALSE(xfr::Service::is_transfer(axfr.data(), n));
}

TEST_CASE("owner names of record keys") {
  CHECK(names::wire_to_text(xfr::owner_of_key(codec::meta_key(ip("192.0.2.1")))) ==
        "1.2.0.192.in-addr.arpa.");
  CHECK(names::wire_to_text(xfr::owner_of_key(codec::meta_key(ip("2001:db8::1")))) ==
        names::reverse_name(ip("2001:db8::1")));
}

TEST_CASE(
    "IXFR from a journaled serial: SOA new, SOA old, the removed, SOA new, the added, SOA new, "
    "condensed") {
  XfrFixture f;
  f.store->set(set_op("192.0.2.1", "gw.example.net."), T0);
  f.store->set(set_op("192.0.2.2", "two.example.net."), T0);
  const uint32_t from = serial_of(*f.store, kV4);
  f.store->set(set_op("192.0.2.1", "gw2.example.net.", 600), T0);  // replaced
  f.store->unset({"192.0.2.2"}, T0);                               // removed
  f.store->set(set_op("192.0.2.3", "three.example.net."), T0);     // added
  f.store->set(set_op("192.0.2.4", "gone.example.net."), T0);      // added, then
  f.store->unset({"192.0.2.4"}, T0);                               // removed: not sent
  const uint32_t now = serial_of(*f.store, kV4);
  REQUIRE(now == from + 5);
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_IXFR, from));
  CHECK(std::string(t->kind()) == "IXFR");
  Answer a;
  drain(*t, a);
  REQUIRE(a.messages.size() == 1);
  auto soa = [&](uint32_t s) {
    return std::string(kV4) + "\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. " +
           std::to_string(s) + " 3600 600 1209600 300";
  };
  std::vector<std::string> want = {soa(now),
                                   soa(from),
                                   "1.2.0.192.in-addr.arpa.\t7200\tIN\tPTR\tgw.example.net.",
                                   "2.2.0.192.in-addr.arpa.\t7200\tIN\tPTR\ttwo.example.net.",
                                   soa(now),
                                   "1.2.0.192.in-addr.arpa.\t600\tIN\tPTR\tgw2.example.net.",
                                   "3.2.0.192.in-addr.arpa.\t7200\tIN\tPTR\tthree.example.net.",
                                   soa(now)};
  CHECK(a.rrs == want);
}

TEST_CASE("IXFR of many changes spans messages, each within 64 KiB") {
  XfrFixture f;
  const uint32_t from = serial_of(*f.store, kV6);
  std::vector<Op> ops;
  for (int i = 0; i < 5000; ++i) {
    char addr[64];
    snprintf(addr, sizeof addr, "2001:db8:0:%x::%x", i / 256, i % 256 + 1);
    ops.push_back(op_set(set_op(addr, "host" + std::to_string(i) + ".customers.example.net.")));
  }
  f.store->apply(ops, T0);
  auto t = f.start(transfer_request(kV6, LDNS_RR_TYPE_IXFR, from));
  CHECK(std::string(t->kind()) == "IXFR");
  Answer a;
  drain(*t, a);
  CHECK(a.messages.size() > 1);
  REQUIRE(a.rrs.size() == 5000 + 4);
  CHECK(a.rrs[0] == a.rrs[2]);
  CHECK(a.rrs[0] == a.rrs.back());
  for (size_t n : a.sizes) CHECK(n <= 65535);
}

TEST_CASE("AXFR sends each address's DHCID right after its PTR, across message boundaries") {
  XfrFixture f;
  std::vector<Op> ops;
  // 3,000 records, every other one with a DHCID of 900 octets: ~1.4 MB, so messages end
  // between a PTR and its DHCID as well as between records.
  for (int i = 0; i < 3000; ++i) {
    char addr[64];
    snprintf(addr, sizeof addr, "2001:db8:0:%x::%x", i / 256, i % 256 + 1);
    SetOp s = set_op(addr, "host" + std::to_string(i) + ".example.net.", 600);
    if (i % 2 == 0)
      s.dhcid = Dhcid{300, std::string(3, '\1') + std::string(897, char('a' + i % 26))};
    ops.push_back(op_set(std::move(s)));
  }
  f.store->apply(ops, T0);
  auto t = f.start(transfer_request(kV6, LDNS_RR_TYPE_AXFR));
  Answer a;
  drain(*t, a);
  CHECK(a.messages.size() > 20);
  REQUIRE(a.rrs.size() == 3000 + 1500 + 4);
  size_t dhcids = 0;
  for (size_t i = 3; i + 1 < a.rrs.size(); ++i) {
    const std::string& rr = a.rrs[i];
    if (rr.find("\tDHCID\t") == std::string::npos) continue;
    ++dhcids;
    // The RR before it is the PTR of the same owner.
    const std::string owner = rr.substr(0, rr.find('\t'));
    CHECK(a.rrs[i - 1].rfind(owner + "\t600\tIN\tPTR\t", 0) == 0);
    CHECK(rr.rfind(owner + "\t300\tIN\tDHCID\t", 0) == 0);
  }
  CHECK(dhcids == 1500);
  CHECK(t->records() == a.rrs.size());
}

TEST_CASE("synthesize.in-transfer: AXFR has every address, the stored records winning") {
  XfrFixture f;
  ZoneSettings v4 = zone_settings("192.0.2.0/24");
  v4.synth = SynthSettings{"ip-{dashed}.dyn.example.net.", 300, true};
  f.store->reconcile({v4, zone_settings("2001:db8::/32")}, {}, T0 + 1);
  SetOp with_dhcid = set_op("192.0.2.10", "www.example.net.", 600);
  with_dhcid.dhcid = Dhcid{60, "\1\2\3"};
  f.store->set(with_dhcid, T0 + 2);
  f.store->set(set_op("192.0.2.255", "last.example.net.", 600), T0 + 2);
  auto t = f.start(transfer_request(kV4, LDNS_RR_TYPE_AXFR));
  Answer a;
  drain(*t, a);
  REQUIRE(a.rrs.size() == 2 + 2 + 256 + 1);  // SOA, NS x2, 256 PTRs, the DHCID, SOA
  CHECK(a.rrs[3] == "0.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tip-192-0-2-0.dyn.example.net.");
  CHECK(a.rrs[3 + 9] == "9.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tip-192-0-2-9.dyn.example.net.");
  CHECK(a.rrs[3 + 10] == "10.2.0.192.in-addr.arpa.\t600\tIN\tPTR\twww.example.net.");
  CHECK(a.rrs[3 + 11].rfind("10.2.0.192.in-addr.arpa.\t60\tIN\tDHCID\t", 0) == 0);
  CHECK(a.rrs[3 + 12] == "11.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tip-192-0-2-11.dyn.example.net.");
  CHECK(a.rrs[a.rrs.size() - 2] == "255.2.0.192.in-addr.arpa.\t600\tIN\tPTR\tlast.example.net.");
  // IXFR from an older serial: the whole zone, AXFR-style (the journal has no synthesis).
  const uint32_t old = serial_of(*f.store, kV4) - 1;
  auto i = f.start(transfer_request(kV4, LDNS_RR_TYPE_IXFR, old));
  CHECK(std::string(i->kind()) == "IXFR (AXFR-style)");
  Answer b;
  drain(*i, b);
  CHECK(b.rrs == a.rrs);
  // The IPv6 zone's transfers have its records only.
  f.store->set(set_op("2001:db8::1", "v6.example.net."), T0 + 3);
  auto t6 = f.start(transfer_request(kV6, LDNS_RR_TYPE_AXFR));
  Answer c;
  drain(*t6, c);
  CHECK(c.rrs.size() == 2 + 2 + 1);
}
