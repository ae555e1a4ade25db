// The handler's DNS UPDATE semantics (RFC 2136 sections 3.2 and 3.4) on a real store:
// every prerequisite, the updates applied in order with one serial step, nothing
// changed when a prerequisite or a write fails, and no serial step when nothing changes.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "admin/ops/handler.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"

using namespace rdnsd;
using admin::Json;
using admin::UpdateRequest;
using Pre = UpdateRequest::Prerequisite;
using Upd = UpdateRequest::Update;

namespace {

constexpr const char* kV4 = "2.0.192.in-addr.arpa.";
constexpr const char* kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

struct Fixture {
  testing::TempDir dir{"update"};
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;

  Fixture(uint64_t max_records = 0) {
    store = zonestore::testing::open_store(dir.path);
    store->reconcile(
        {zonestore::testing::config_zone("192.0.2.0/24", {"ns1.example.net."}, max_records),
         zonestore::testing::config_zone("2001:db8::/32")},
        {}, 1795000000);
    admin::HandlerOptions h;
    h.clock = [] { return std::time_t(1795000000); };
    handler = std::make_unique<admin::Handler>(*store, h);
    store->set({"192.0.2.1", "gw.example.net.", 600, "the gateway", "alice"}, 1795000000);
  }

  // The answer's fields: {"ok": true, "rcode": ..., ...} or the error line's.
  Json run(UpdateRequest r, admin::Change* change = nullptr) {
    if (r.zone.empty()) r.zone = kV4;
    if (r.actor.empty()) r.actor = "update:ddns-key";
    admin::Prepared p;
    p.parsed.request = std::move(r);
    CHECK_FALSE(admin::Handler::groupable(p));
    admin::Response resp = handler->respond(std::move(p));
    if (change) *change = resp.change;
    return Json::parse(resp.line);
  }
  std::string rcode(UpdateRequest r) {
    Json a = run(std::move(r));
    INFO(a.dump());
    REQUIRE(a["ok"] == true);
    return a["rcode"].get<std::string>();
  }
  uint32_t serial() const { return zonestore::testing::serial_of(*store, kV4); }
  std::string dump() const { return zonestore::testing::dump(*store); }
};

Upd add(std::string ip, std::string target, uint32_t ttl = 300) {
  Upd u;
  u.kind = Upd::Kind::Add;
  u.ip = std::move(ip);
  u.ttl = ttl;
  u.target = std::move(target);
  return u;
}
Upd del(Upd::Kind kind, std::string ip, std::string target = "") {
  Upd u;
  u.kind = kind;
  u.ip = std::move(ip);
  u.target = std::move(target);
  if (kind == Upd::Kind::DeleteName) u.type = 0;
  return u;
}
Pre pre(Pre::Kind kind, std::string ip, uint16_t type = 12, std::vector<std::string> values = {}) {
  Pre p;
  p.kind = kind;
  p.owner = names::reverse_name(*names::parse_ip(ip));
  p.ip = std::move(ip);
  p.type = kind == Pre::Kind::NameInUse || kind == Pre::Kind::NameNotInUse ? 0 : type;
  p.values = std::move(values);
  return p;
}
Pre apex(Pre::Kind kind, uint16_t type) {
  Pre p;
  p.kind = kind;
  p.owner = kV4;
  p.apex = true;
  p.type = type;
  return p;
}

}  // namespace

TEST_CASE("an add creates, a second add replaces, one serial step per UPDATE") {
  Fixture f;
  const uint32_t s0 = f.serial();
  admin::Change change;
  Json a =
      f.run({kV4, {}, {add("192.0.2.5", "five.example.net.", 120)}, "update:ddns-key"}, &change);
  CHECK(a["rcode"] == "NOERROR");
  CHECK(a["created"] == 1);
  CHECK(f.serial() == s0 + 1);
  REQUIRE(change.serials.size() == 1);
  CHECK(change.serials[0].serial == s0 + 1);
  auto r = f.store->get("192.0.2.5");
  REQUIRE(r);
  CHECK(r->target == "five.example.net.");
  CHECK(r->ttl == 120);
  CHECK(r->created_by == "update:ddns-key");
  // Kea's reverse add: delete the PTR RRset, then add. One step, a replace.
  a = f.run({kV4,
             {},
             {del(Upd::Kind::DeleteRrset, "192.0.2.1"), add("192.0.2.1", "new.example.net.")},
             "update:192.0.2.99"});
  CHECK(a["rcode"] == "NOERROR");
  CHECK(a["replaced"] == 1);
  CHECK(f.serial() == s0 + 2);
  r = f.store->get("192.0.2.1");
  CHECK(r->target == "new.example.net.");
  CHECK(r->created_by == "alice");
  CHECK(r->modified_by == "update:192.0.2.99");
  CHECK(r->description == "the gateway");  // kept on replace
}

TEST_CASE("deletes: RRset, name, one RR, and a delete of nothing is NOERROR without a step") {
  Fixture f;
  const uint32_t s0 = f.serial();
  const std::string before = f.dump();
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteRrset, "192.0.2.77")}, ""}) == "NOERROR");
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteName, "192.0.2.77")}, ""}) == "NOERROR");
  // A delete-RR whose value is not the record's changes nothing.
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteRr, "192.0.2.1", "other.example.")}, ""}) ==
        "NOERROR");
  // An add of exactly what is there changes nothing either.
  CHECK(f.rcode({kV4, {}, {add("192.0.2.1", "GW.example.net.", 600)}, ""}) == "NOERROR");
  CHECK(f.dump() == before);
  CHECK(f.serial() == s0);
  // Added and deleted in one UPDATE: nothing to write.
  CHECK(f.rcode({kV4,
                 {},
                 {add("192.0.2.8", "x.example."), del(Upd::Kind::DeleteName, "192.0.2.8")},
                 ""}) == "NOERROR");
  CHECK(f.dump() == before);
  // The delete-RR that names the record (any case) removes it.
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteRr, "192.0.2.1", "Gw.Example.Net.")}, ""}) ==
        "NOERROR");
  CHECK_FALSE(f.store->get("192.0.2.1"));
  CHECK(f.serial() == s0 + 1);
}

TEST_CASE("prerequisites, each with the RCODE of its failure, checked before any change") {
  Fixture f;
  const std::string before = f.dump();
  auto with = [](Pre p) {
    return UpdateRequest{kV4, {std::move(p)}, {add("192.0.2.9", "nine.example.")}, "update:k"};
  };
  using K = Pre::Kind;
  CHECK(f.rcode(with(pre(K::NameInUse, "192.0.2.2"))) == "NXDOMAIN");
  CHECK(f.rcode(with(pre(K::NameNotInUse, "192.0.2.1"))) == "YXDOMAIN");
  CHECK(f.rcode(with(pre(K::RrsetExists, "192.0.2.2"))) == "NXRRSET");
  CHECK(f.rcode(with(pre(K::RrsetExists, "192.0.2.1", 49))) == "NXRRSET");  // DHCID
  CHECK(f.rcode(with(pre(K::RrsetAbsent, "192.0.2.1"))) == "YXRRSET");
  CHECK(f.rcode(with(pre(K::RrsetEquals, "192.0.2.1", 12, {"other.example."}))) == "NXRRSET");
  CHECK(f.rcode(with(pre(K::RrsetEquals, "192.0.2.1", 12, {"gw.example.net.", "b.example."}))) ==
        "NXRRSET");
  CHECK(f.rcode(with(apex(K::RrsetExists, 1))) == "NXRRSET");
  CHECK(f.rcode(with(apex(K::RrsetAbsent, 2))) == "YXRRSET");
  CHECK(f.rcode(with(apex(K::NameNotInUse, 0))) == "YXDOMAIN");
  Pre ent;
  ent.kind = K::NameInUse;
  ent.owner = "0.2.0.192.in-addr.arpa.";  // no address: holds nothing
  CHECK(f.rcode(with(ent)) == "NXDOMAIN");
  CHECK(f.dump() == before);
  // All hold: the update is applied.
  UpdateRequest good{kV4,
                     {pre(K::NameInUse, "192.0.2.1"), pre(K::NameNotInUse, "192.0.2.9"),
                      pre(K::RrsetExists, "192.0.2.1"), pre(K::RrsetAbsent, "192.0.2.9"),
                      pre(K::RrsetEquals, "192.0.2.1", 12, {"gw.example.net."}),
                      apex(K::RrsetExists, 6), apex(K::NameInUse, 0)},
                     {add("192.0.2.9", "nine.example.")},
                     "update:k"};
  CHECK(f.rcode(good) == "NOERROR");
  CHECK(f.store->get("192.0.2.9"));
}

TEST_CASE("a write that fails half-way changes nothing") {
  Fixture f(2);  // the zone holds at most two records; it has one
  const std::string before = f.dump();
  Json a = f.run({kV4,
                  {},
                  {add("192.0.2.20", "a.example."), add("192.0.2.21", "b.example."),
                   del(Upd::Kind::DeleteName, "192.0.2.1")},
                  ""});
  INFO(a.dump());
  CHECK(a["rcode"] == "REFUSED");
  CHECK(a["reason"].get<std::string>().find("quota_exceeded") != std::string::npos);
  CHECK(f.dump() == before);
}

TEST_CASE("an UPDATE of a zone not served, and of both families") {
  Fixture f;
  CHECK(f.rcode({"0.192.in-addr.arpa.", {}, {add("192.0.0.5", "x.example.")}, ""}) == "NOTAUTH");
  const uint32_t s6 = zonestore::testing::serial_of(*f.store, kV6);
  CHECK(f.rcode({kV6, {}, {add("2001:db8::5", "six.example.")}, ""}) == "NOERROR");
  CHECK(zonestore::testing::serial_of(*f.store, kV6) == s6 + 1);
}

// ---- DHCID (RFC 4701) beside the PTR ----

namespace {

// A DHCID RDATA as Kea makes one: identifier type 0x0002 (DUID), digest type 1 (SHA-256),
// 32 octets of digest (here: `fill`).
std::string dhcid_rdata(char fill) {
  return std::string("\x00\x02\x01", 3) + std::string(32, fill);
}
Upd add_dhcid(std::string ip, std::string rdata, uint32_t ttl = 300) {
  Upd u;
  u.kind = Upd::Kind::Add;
  u.ip = std::move(ip);
  u.type = 49;
  u.ttl = ttl;
  u.rdata = std::move(rdata);
  return u;
}
Upd del_dhcid(Upd::Kind kind, std::string ip, std::string rdata = "") {
  Upd u = del(kind, std::move(ip));
  u.type = 49;
  u.rdata = std::move(rdata);
  return u;
}
// Kea D2's reverse add (RFC 4703 5.4 without conflict resolution on the reverse side):
// delete the PTR RRset, delete the DHCID RRset, add the PTR, add the DHCID.
UpdateRequest kea_add(std::string ip, std::string fqdn, std::string rdata) {
  return UpdateRequest{kV4,
                       {},
                       {del(Upd::Kind::DeleteRrset, ip), del_dhcid(Upd::Kind::DeleteRrset, ip),
                        add(ip, fqdn, 900), add_dhcid(ip, std::move(rdata), 900)},
                       "update:ddns-key"};
}

}  // namespace

TEST_CASE("Kea's reverse add stores the PTR and the DHCID in one step, and again replaces both") {
  Fixture f;
  const uint32_t s0 = f.serial();
  CHECK(f.rcode(kea_add("192.0.2.40", "host40.example.com.", dhcid_rdata('a'))) == "NOERROR");
  CHECK(f.serial() == s0 + 1);
  auto r = f.store->get("192.0.2.40");
  REQUIRE(r);
  CHECK(r->target == "host40.example.com.");
  REQUIRE(r->dhcid);
  CHECK(r->dhcid->ttl == 900);
  CHECK(r->dhcid->rdata == dhcid_rdata('a'));
  // The same lease again: nothing changes, no step.
  CHECK(f.rcode(kea_add("192.0.2.40", "host40.example.com.", dhcid_rdata('a'))) == "NOERROR");
  CHECK(f.serial() == s0 + 1);
  // Another client takes the address: both replaced, one step.
  CHECK(f.rcode(kea_add("192.0.2.40", "other.example.com.", dhcid_rdata('b'))) == "NOERROR");
  CHECK(f.serial() == s0 + 2);
  r = f.store->get("192.0.2.40");
  CHECK(r->target == "other.example.com.");
  CHECK(r->dhcid->rdata == dhcid_rdata('b'));
  // The journal has the step's DHCID change, removed and added.
  auto stats = f.store->journal_stats(kV4);
  REQUIRE(stats);
  CHECK(stats->last_serial == s0 + 2);
}

TEST_CASE("a DHCID alone: added beside a PTR, refused at an address without one") {
  Fixture f;
  const std::string before = f.dump();
  Json a = f.run({kV4, {}, {add_dhcid("192.0.2.50", dhcid_rdata('c'))}, ""});
  CHECK(a["rcode"] == "REFUSED");
  CHECK(a["reason"].get<std::string>().find("has no PTR") != std::string::npos);
  // Added with a PTR that a later update of the same message deletes: refused too.
  a = f.run({kV4,
             {},
             {add("192.0.2.50", "x.example."), add_dhcid("192.0.2.50", dhcid_rdata('c')),
              del(Upd::Kind::DeleteRrset, "192.0.2.50")},
             ""});
  CHECK(a["rcode"] == "REFUSED");
  CHECK(f.dump() == before);
  // Beside the existing PTR of 192.0.2.1: kept, the PTR and its description unchanged.
  const uint32_t s0 = f.serial();
  CHECK(f.rcode({kV4, {}, {add_dhcid("192.0.2.1", dhcid_rdata('d'), 60)}, ""}) == "NOERROR");
  CHECK(f.serial() == s0 + 1);
  auto r = f.store->get("192.0.2.1");
  CHECK(r->target == "gw.example.net.");
  CHECK(r->description == "the gateway");
  REQUIRE(r->dhcid);
  CHECK(r->dhcid->ttl == 60);
  // Delete-RR of another value: nothing; of its value: the DHCID goes, the PTR stays.
  CHECK(f.rcode({kV4, {}, {del_dhcid(Upd::Kind::DeleteRr, "192.0.2.1", dhcid_rdata('e'))}, ""}) ==
        "NOERROR");
  CHECK(f.serial() == s0 + 1);
  CHECK(f.rcode({kV4, {}, {del_dhcid(Upd::Kind::DeleteRr, "192.0.2.1", dhcid_rdata('d'))}, ""}) ==
        "NOERROR");
  CHECK(f.serial() == s0 + 2);
  r = f.store->get("192.0.2.1");
  CHECK(r->target == "gw.example.net.");
  CHECK_FALSE(r->dhcid);
}

TEST_CASE("a DHCID goes with its PTR: delete name, delete the PTR RRset") {
  Fixture f;
  REQUIRE(f.rcode(kea_add("192.0.2.60", "h60.example.com.", dhcid_rdata('f'))) == "NOERROR");
  REQUIRE(f.rcode(kea_add("192.0.2.61", "h61.example.com.", dhcid_rdata('g'))) == "NOERROR");
  CHECK(zonestore::testing::entries(*f.store, "dhcid") == 2);
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteName, "192.0.2.60")}, ""}) == "NOERROR");
  CHECK_FALSE(f.store->get("192.0.2.60"));
  // Deleting the PTR alone unsets the address: its DHCID is not left behind.
  CHECK(f.rcode({kV4, {}, {del(Upd::Kind::DeleteRrset, "192.0.2.61")}, ""}) == "NOERROR");
  CHECK_FALSE(f.store->get("192.0.2.61"));
  CHECK(zonestore::testing::entries(*f.store, "dhcid") == 0);
}

TEST_CASE("prerequisites on the DHCID RRset, as Kea's conflict resolution sends them") {
  Fixture f;
  REQUIRE(f.rcode(kea_add("192.0.2.70", "h70.example.com.", dhcid_rdata('h'))) == "NOERROR");
  using K = Pre::Kind;
  auto with = [](Pre p) {
    return UpdateRequest{
        kV4, {std::move(p)}, {del(Upd::Kind::DeleteName, "192.0.2.70")}, "update:k"};
  };
  const std::string before = f.dump();
  CHECK(f.rcode(with(pre(K::RrsetEquals, "192.0.2.70", 49, {dhcid_rdata('x')}))) == "NXRRSET");
  CHECK(f.rcode(with(pre(K::RrsetAbsent, "192.0.2.70", 49))) == "YXRRSET");
  CHECK(f.rcode(with(pre(K::RrsetExists, "192.0.2.1", 49))) == "NXRRSET");
  CHECK(f.dump() == before);
  CHECK(f.rcode(with(pre(K::RrsetExists, "192.0.2.70", 49))) == "NOERROR");
  CHECK_FALSE(f.store->get("192.0.2.70"));
  REQUIRE(f.rcode(kea_add("192.0.2.70", "h70.example.com.", dhcid_rdata('h'))) == "NOERROR");
  CHECK(f.rcode(with(pre(K::RrsetEquals, "192.0.2.70", 49, {dhcid_rdata('h')}))) == "NOERROR");
  CHECK_FALSE(f.store->get("192.0.2.70"));
}
