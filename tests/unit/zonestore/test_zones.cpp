// Unit tests of zone headers (zonestore/zones.cpp): reconcile with the config, add and remove,
// lookup by apex, prefix or key, and the raw `zones` values the answer path reads.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <string>
#include <vector>

#include "tests/support/raw_read.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("reconcile creates config zones with their seeds") {
  TempDir dir;
  auto s = Store::open({dir.path});
  ZoneSettings v4 = zone_settings("192.0.2.0/24");
  ZoneSettings v6 = zone_settings("2001:db8::/32");
  v6.policy = serial::Policy::DateSerial;
  std::vector<std::vector<Store::Seed>> seeds = {
      {{"192.0.2.1", "gw.example.net"}, {"192.0.2.2", "ns.example.net."}},
      {{"2001:db8::53", "ns.example.net"}}};
  ReconcileReport rep = s->reconcile({v4, v6}, seeds, T0);
  CHECK(rep.created.size() == 2);
  CHECK(std::find(rep.created.begin(), rep.created.end(), kV4) != rep.created.end());
  CHECK(std::find(rep.created.begin(), rep.created.end(), kV6) != rep.created.end());
  CHECK(rep.updated.empty());
  CHECK(rep.unchanged.empty());
  CHECK(rep.unserved.empty());

  auto z4 = s->zone(kV4);
  REQUIRE(z4);
  CHECK(z4->apex == kV4);
  CHECK(z4->settings == v4);
  CHECK(z4->served);
  CHECK(z4->origin == ZoneOrigin::Config);
  CHECK(z4->record_count == 2);
  CHECK(z4->serial == serial::initial(serial::Policy::Increment, T0));  // seeds: no step
  auto z6 = s->zone("2001:db8::/32");
  REQUIRE(z6);
  CHECK(z6->record_count == 1);
  CHECK(z6->serial == 2023111400u);
  CHECK(s->record_count() == 3);
  CHECK(s->zones().size() == 2);

  auto gw = s->get("192.0.2.1");
  REQUIRE(gw);
  CHECK(gw->target == "gw.example.net.");
  CHECK(gw->ttl == 7200);
  CHECK(gw->created_by == "config");
  CHECK(gw->zone == kV4);
  CHECK(s->get("2001:db8::53")->zone == kV6);
}

TEST_CASE("reconcile with identical settings changes nothing") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 10);
  std::string before = dump(*fx.store);
  ReconcileReport rep = fx.store->reconcile(
      {zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, {}, T0 + 100);
  CHECK(rep.unchanged.size() == 2);
  CHECK(rep.created.empty());
  CHECK(rep.updated.empty());
  CHECK(rep.unserved.empty());
  CHECK(dump(*fx.store) == before);

  // Seeds of an existing zone are not applied again.
  std::vector<std::vector<Store::Seed>> seeds(1);
  seeds[0].push_back({"192.0.2.99", "seed.example."});
  fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, seeds,
                      T0 + 200);
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("reconcile treats relative and absolute names in settings alike") {
  TempDir dir;
  auto s = Store::open({dir.path});
  ZoneSettings z = zone_settings("192.0.2.0/24");
  z.ns = {"ns1.example.net", "ns2.example.net"};
  z.soa.mname = "ns1.example.net";
  z.soa.rname = "hostmaster.example.net";
  s->reconcile({z}, {}, T0);
  uint32_t serial = serial_of(*s, kV4);
  CHECK(s->zone(kV4)->settings.soa.mname == "ns1.example.net.");
  ReconcileReport rep = s->reconcile({z}, {}, T0 + 1);
  CHECK(rep.unchanged.size() == 1);
  CHECK(serial_of(*s, kV4) == serial);
  rep = s->reconcile({zone_settings("192.0.2.0/24")}, {}, T0 + 2);  // the same, absolute
  CHECK(rep.unchanged.size() == 1);
  CHECK(serial_of(*s, kV4) == serial);
}

TEST_CASE("reconcile with changed SOA settings steps the serial once and keeps records") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 10);
  fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 10);
  uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
  ZoneSettings changed = zone_settings("192.0.2.0/24");
  changed.soa.refresh = 1800;
  changed.soa.rname = "dns-admin.example.net.";
  ReconcileReport rep =
      fx.store->reconcile({changed, zone_settings("2001:db8::/32")}, {}, T0 + 100);
  CHECK(rep.updated == std::vector<std::string>{kV4});
  CHECK(rep.unchanged == std::vector<std::string>{kV6});
  auto z = fx.store->zone(kV4);
  CHECK(z->serial == s4 + 1);
  CHECK(z->settings.soa.refresh == 1800);
  CHECK(z->settings.soa.rname == "dns-admin.example.net.");
  CHECK(z->record_count == 2);
  CHECK(serial_of(*fx.store, kV6) == s6);
  CHECK(fx.store->get("192.0.2.1")->target == "a.example.");
  CHECK(fx.store->record_count() == 2);
  // The same change again is no change.
  fx.store->reconcile({changed, zone_settings("2001:db8::/32")}, {}, T0 + 200);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
}

TEST_CASE("a zone dropped from the config is not served until it comes back") {
  Fixture fx;
  auto rec = fx.store->set(set_op("2001:db8::1", "six.example."), T0 + 10).records.at(0);
  uint32_t s6 = serial_of(*fx.store, kV6);
  ReconcileReport rep = fx.store->reconcile({zone_settings("192.0.2.0/24")}, {}, T0 + 100);
  CHECK(rep.unserved == std::vector<std::string>{kV6});
  auto z = fx.store->zone(kV6);
  REQUIRE(z);  // still stored
  CHECK_FALSE(z->served);
  CHECK(z->record_count == 1);
  CHECK(fx.store->get("2001:db8::1")->id == rec.id);  // records stay
  CHECK(fx.store->record_count() == 1);

  std::string before = dump(*fx.store);
  CHECK(error_code([&] { fx.store->set(set_op("2001:db8::2", "x.example."), T0 + 200); }) ==
        "not_in_zone");
  CHECK(error_code([&] { fx.store->set(set_op("2001:db8::1", "x.example."), T0 + 200); }) ==
        "not_in_zone");
  CHECK(error_code([&] { fx.store->unset({"2001:db8::1"}, T0 + 200); }) == "not_in_zone");
  CHECK(dump(*fx.store) == before);
  // Dropping it again reports nothing new.
  CHECK(fx.store->reconcile({zone_settings("192.0.2.0/24")}, {}, T0 + 250).unserved.empty());

  rep = fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, {},
                            T0 + 300);
  CHECK(rep.updated == std::vector<std::string>{kV6});
  z = fx.store->zone(kV6);
  CHECK(z->served);
  CHECK(z->serial == s6);  // neither the settings nor the records changed
  CHECK(z->record_count == 1);
  CHECK(fx.store->get("2001:db8::1")->id == rec.id);
  auto w = fx.store->set(set_op("2001:db8::2", "x.example."), T0 + 400);
  CHECK(w.serials.at(0).serial == s6 + 1);
}

TEST_CASE("reconcile refuses overlapping zones") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "a.example."), T0 + 10);
  std::string before = dump(*fx.store);
  // Two config zones that overlap each other.
  CHECK(error_code([&] {
          fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("10.0.0.0/8"),
                               zone_settings("10.1.0.0/16")},
                              {}, T0 + 100);
        }) == "conflict");
  CHECK(dump(*fx.store) == before);
  // A config zone that overlaps an admin zone.
  fx.store->add_zone(zone_settings("198.51.0.0/16"), T0 + 110);
  before = dump(*fx.store);
  try {
    fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32"),
                         zone_settings("198.51.100.0/24")},
                        {}, T0 + 120);
    FAIL("no conflict");
  } catch (const StoreError& e) {
    CHECK(e.code() == "conflict");
    CHECK(std::string(e.what()).find("51.198.in-addr.arpa.") != std::string::npos);
  }
  CHECK(dump(*fx.store) == before);
  // A zone the config does not allow.
  CHECK(error_code([&] { fx.store->reconcile({zone_settings("192.0.2.0/25")}, {}, T0); }) ==
        "bad_request");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("reconcile refuses seeds outside their zone") {
  Fixture fx;
  std::string before = dump(*fx.store);
  // 192.0.2.7 lies in a stored zone, but it is not a record of the new zone.
  std::vector<std::vector<Store::Seed>> seeds(3);
  seeds[2].push_back({"198.51.100.1", "fine.example."});
  seeds[2].push_back({"192.0.2.7", "stray.example."});
  CHECK(error_code([&] {
          fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32"),
                               zone_settings("198.51.100.0/24")},
                              seeds, T0 + 100);
        }) == "not_in_zone");
  CHECK(dump(*fx.store) == before);
  seeds[2].back() = {"198.51.100.2", "bad_name"};
  CHECK(error_code([&] {
          fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32"),
                               zone_settings("198.51.100.0/24")},
                              seeds, T0 + 100);
        }) == "bad_name");
  CHECK(dump(*fx.store) == before);
  seeds[2].pop_back();
  fx.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32"),
                       zone_settings("198.51.100.0/24")},
                      seeds, T0 + 100);
  CHECK(fx.store->get("198.51.100.1"));
  CHECK(fx.store->zone("198.51.100.0/24")->record_count == 1);
}

TEST_CASE("add_zone and remove_zone") {
  Fixture fx;
  Zone z = fx.store->add_zone(zone_settings("198.51.100.0/24"), T0 + 5);
  CHECK(z.apex == "100.51.198.in-addr.arpa.");
  CHECK(z.origin == ZoneOrigin::Admin);
  CHECK(z.served);
  CHECK(z.serial == 1);
  CHECK(z.record_count == 0);
  auto stored = fx.store->zone("198.51.100.0/24");
  REQUIRE(stored);
  CHECK(stored->origin == ZoneOrigin::Admin);
  CHECK(stored->settings == z.settings);
  CHECK(fx.store->zones().size() == 3);

  std::string before = dump(*fx.store);
  for (std::string_view p :
       {"198.51.100.0/24", "198.0.0.0/8", "192.0.2.0/24", "2001:db8:1::/48", "2000::/4"}) {
    CAPTURE(p);
    CHECK(error_code([&] { fx.store->add_zone(zone_settings(p), T0); }) == "conflict");
  }
  CHECK(error_code([&] { fx.store->add_zone(zone_settings("198.51.0.0/20"), T0); }) ==
        "bad_request");
  ZoneSettings no_mname = zone_settings("203.0.113.0/24");
  no_mname.soa.mname = "";
  CHECK(error_code([&] { fx.store->add_zone(no_mname, T0); }) == "bad_name");
  CHECK(dump(*fx.store) == before);

  Record a = fx.store->set(set_op("198.51.100.1", "a.example."), T0 + 10).records.at(0);
  Record b = fx.store->set(set_op("198.51.100.2", "b.example."), T0 + 10).records.at(0);
  fx.store->set(set_op("192.0.2.1", "keep.example."), T0 + 10);
  CHECK(fx.store->record_count() == 3);
  before = dump(*fx.store);
  CHECK(error_code([&] { fx.store->remove_zone("100.51.198.in-addr.arpa.", false); }) ==
        "conflict");
  CHECK(dump(*fx.store) == before);

  CHECK(fx.store->remove_zone("100.51.198.IN-ADDR.ARPA", true) == 2);
  CHECK_FALSE(fx.store->zone("198.51.100.0/24"));
  CHECK(fx.store->zones().size() == 2);
  CHECK_FALSE(fx.store->get("198.51.100.1"));
  CHECK_FALSE(fx.store->get_by_id(a.id));
  CHECK_FALSE(fx.store->get_by_id(b.id));
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->get("192.0.2.1"));
  CHECK(entries(*fx.store, "ptr") == 1);
  CHECK(entries(*fx.store, "meta") == 1);
  CHECK(entries(*fx.store, "ids") == 1);
  CHECK(error_code([&] { fx.store->set(set_op("198.51.100.1", "a.example."), T0); }) ==
        "not_in_zone");

  CHECK(error_code([&] { fx.store->remove_zone("198.51.100.0/24", true); }) == "not_found");
  // An empty zone goes without force; re-adding a removed zone starts empty.
  fx.store->add_zone(zone_settings("198.51.100.0/24"), T0 + 20);
  CHECK(fx.store->zone("198.51.100.0/24")->record_count == 0);
  ListFilter in_zone;
  in_zone.zone = "198.51.100.0/24";
  CHECK(fx.store->list(in_zone).total == 0);
  CHECK(fx.store->remove_zone("198.51.100.0/24", false) == 0);
  CHECK(fx.store->zones().size() == 2);
}

TEST_CASE("add_zones adds all of a list in one transaction, or none") {
  Fixture fx;
  std::vector<ZoneSettings> list = {zone_settings("10.1.16.0/24"), zone_settings("10.1.17.0/24"),
                                    zone_settings("10.1.18.0/24")};
  std::vector<Zone> added = fx.store->add_zones(list, T0 + 5);
  REQUIRE(added.size() == 3);
  CHECK(added[0].apex == "16.1.10.in-addr.arpa.");
  CHECK(added[2].apex == "18.1.10.in-addr.arpa.");
  for (const Zone& z : added) {
    CHECK(z.origin == ZoneOrigin::Admin);
    CHECK(fx.store->zone(z.apex));
  }
  std::string before = dump(*fx.store);
  // The last one overlaps a stored zone: the first two are not kept either.
  std::vector<ZoneSettings> clash = {zone_settings("10.2.0.0/24"), zone_settings("10.2.1.0/24"),
                                     zone_settings("192.0.0.0/8")};
  CHECK(error_code([&] { fx.store->add_zones(clash, T0); }) == "conflict");
  // Two of the list overlapping each other.
  std::vector<ZoneSettings> twice = {zone_settings("10.3.0.0/24"), zone_settings("10.3.0.0/24")};
  CHECK(error_code([&] { fx.store->add_zones(twice, T0); }) == "conflict");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("find_zone_for_key and decode_zone_wire on the stored zones") {
  TempDir dir;
  auto s = Store::open({dir.path});
  {
    ReadTxn empty(*s);
    CHECK_FALSE(read_in(*s, empty.txn, "192.0.2.1").zone);
  }
  ZoneSettings v4 = zone_settings("192.0.2.0/24");
  v4.soa = {"ns1.example.net.", "hostmaster.example.net.", 1000, 200, 30000, 400, 500};
  v4.default_ttl = 600;
  s->reconcile({v4, zone_settings("198.51.100.0/24"), zone_settings("10.0.0.0/8"),
                zone_settings("2001:db8::/32")},
               {}, T0);
  s->add_zone(zone_settings("172.16.0.0/16"), T0);
  s->reconcile({v4, zone_settings("198.51.100.0/24"), zone_settings("2001:db8::/32")}, {}, T0);

  ReadTxn rt(*s);
  MDB_cursor* cur = nullptr;
  REQUIRE(mdb_cursor_open(rt.txn, s->zones_dbi(), &cur) == 0);
  auto find = [&](std::string_view name) -> std::optional<std::string> {
    std::string_view apex_key, value;
    if (!find_zone_for_key(cur, key_of(name), apex_key, value)) return std::nullopt;
    codec::ZoneWire w;
    CHECK(codec::decode_zone_wire(value, w));
    return names::wire_to_text(names::key_to_wire(apex_key));
  };
  auto rev = [](std::string_view a) {
    auto addr = names::parse_ip(a);
    REQUIRE(addr);
    return names::reverse_name(*addr);
  };
  CHECK(find(rev("192.0.2.1")) == kV4);
  CHECK(find(rev("192.0.2.255")) == kV4);
  CHECK(find(rev("192.0.2.0")) == kV4);
  CHECK(find(kV4) == kV4);  // the apex itself
  CHECK(find("2.0.192.IN-ADDR.ARPA.") == kV4);
  CHECK(find(rev("198.51.100.7")) == "100.51.198.in-addr.arpa.");
  CHECK(find(rev("10.1.2.3")) == "10.in-addr.arpa.");  // not served, still stored
  CHECK(find(rev("172.16.5.5")) == "16.172.in-addr.arpa.");
  CHECK(find(rev("2001:db8::1")) == kV6);
  CHECK(find(rev("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")) == kV6);
  // Between zones, before the first, after the last, above an apex: none.
  for (std::string_view a : {"192.0.3.1", "192.0.20.1", "192.0.1.255", "0.0.0.1", "9.255.255.255",
                             "11.0.0.0", "172.17.0.1", "199.0.0.1", "255.255.255.255",
                             "2001:db9::1", "2001:db7::1", "::", "ffff::1"}) {
    CAPTURE(a);
    CHECK_FALSE(find(rev(a)));
  }
  CHECK_FALSE(find("0.192.in-addr.arpa."));
  CHECK_FALSE(find("in-addr.arpa."));
  CHECK_FALSE(find("ip6.arpa."));
  CHECK_FALSE(find("arpa."));
  CHECK_FALSE(find("."));  // the empty key
  CHECK_FALSE(find("example.com."));
  CHECK_FALSE(find("zzz.example."));

  // The fields of a stored zone as the answer path decodes them.
  std::string_view apex_key, value;
  REQUIRE(find_zone_for_key(cur, key_of(rev("192.0.2.9")), apex_key, value));
  codec::ZoneWire w{};
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.serial == serial_of(*s, kV4));
  CHECK(w.soa_ttl == 500);
  CHECK(w.refresh == 1000);
  CHECK(w.retry == 200);
  CHECK(w.expire == 30000);
  CHECK(w.minimum == 400);
  CHECK(w.default_ttl == 600);
  CHECK(w.flags.served());
  CHECK(w.flags.origin() == ZoneOrigin::Config);
  CHECK(w.mname == *names::text_to_wire("ns1.example.net."));
  CHECK(w.rname == *names::text_to_wire("hostmaster.example.net."));
  CHECK(w.ns_count == 2);
  std::string ns_block;
  for (std::string_view n : {"ns1.example.net.", "ns2.example.net."}) {
    std::string wire = *names::text_to_wire(n);
    ns_block += char(wire.size());
    ns_block += wire;
  }
  CHECK(w.ns_block == ns_block);
  // Every truncation is refused, not read past, but the one without the journal limits
  // (schema 2's form) and the ones without the NS TTL or the synthesis.
  std::string copy(value);
  for (size_t n = 0; n < copy.size(); ++n) {
    CAPTURE(n);
    codec::ZoneWire t;
    CHECK(
        codec::decode_zone_wire(std::string_view(copy).substr(0, n), t) ==
        (n == copy.size() - codec::kZoneTrailer - codec::kZoneNsTtlSize - codec::kZoneSynthFixed ||
         n == copy.size() - codec::kZoneNsTtlSize - codec::kZoneSynthFixed ||
         n == copy.size() - codec::kZoneSynthFixed));
  }
  std::string longer = copy + "x";
  CHECK_FALSE(codec::decode_zone_wire(longer, w));

  REQUIRE(find_zone_for_key(cur, key_of(rev("10.0.0.1")), apex_key, value));
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK_FALSE(w.flags.served());  // not served any more
  REQUIRE(find_zone_for_key(cur, key_of(rev("172.16.0.1")), apex_key, value));
  REQUIRE(codec::decode_zone_wire(value, w));
  CHECK(w.flags.served());  // served, from an admin
  CHECK(w.flags.origin() == ZoneOrigin::Admin);
  mdb_cursor_close(cur);
}

TEST_CASE("zone lookup by apex or prefix") {
  Fixture fx;
  CHECK(fx.store->zone(kV4));
  CHECK(fx.store->zone("2.0.192.in-addr.arpa"));
  CHECK(fx.store->zone("2.0.192.IN-ADDR.ARPA."));
  CHECK(fx.store->zone("192.0.2.0/24")->apex == kV4);
  CHECK(fx.store->zone("2001:DB8::/32")->apex == kV6);
  CHECK_FALSE(fx.store->zone("3.0.192.in-addr.arpa."));
  CHECK_FALSE(fx.store->zone("192.0.3.0/24"));
  CHECK_FALSE(fx.store->zone("1.2.0.192.in-addr.arpa."));  // a name inside, not an apex
  CHECK(error_code([&] { fx.store->zone("192.0.2.1/24"); }) == "bad_request");
  CHECK(error_code([&] { fx.store->zone("192.0.2.0/25"); }) == "bad_request");
  CHECK(error_code([&] { fx.store->zone("a..b"); }) == "bad_name");
}
