// Unit tests of zonestore/store.h: zones, records, batches, quotas, listing, reopening,
// and the raw LMDB view the answer path reads.
#include <doctest/doctest.h>
#include <lmdb.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("open creates the environment") {
  TempDir dir;
  std::string path = dir.path + "/a/b/store";
  {
    auto s = Store::open({path});
    REQUIRE(s);
    CHECK(s->env() != nullptr);
    CHECK(s->zones().empty());
    CHECK(s->record_count() == 0);
    CHECK(s->max_records() == 0);
  }
  CHECK(std::filesystem::exists(path + "/data.mdb"));
  auto again = Store::open({path});  // an existing store opens again
  CHECK(again->zones().empty());
}

TEST_CASE("open refuses another schema version") {
  TempDir dir;
  std::string path = dir.path + "/db";
  Store::open({path}).reset();

  auto write_schema = [&](std::string value) {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0640) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi info;
    REQUIRE(mdb_dbi_open(txn, "info", 0, &info) == 0);
    MDB_val k{6, const_cast<char*>("schema")}, v{value.size(), value.data()};
    REQUIRE(mdb_put(txn, info, &k, &v, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  };

  write_schema("\0\0\0\3"s);  // a later version than this rdnsd knows
  try {
    Store::open({path});
    FAIL("a store with schema version 3 was opened");
  } catch (const StoreError& e) {
    CHECK(e.code() == "internal");
    CHECK(std::string(e.what()).find("schema version 3") != std::string::npos);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  write_schema("\0\0\2"s);  // malformed
  CHECK(error_code([&] { Store::open({path}); }) == "internal");
  write_schema("\0\0\0\2"s);  // the right one again
  auto s = Store::open({path});
  CHECK(s);
  CHECK(s->migrated_from() == 0);
}

TEST_CASE("open migrates a schema 1 store: records keyed by owner name become keyed by address") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "A.example.", 60, "first", "alice"), T0 + 1);
  fx.store->set(set_op("192.0.2.200", "b.example."), T0 + 2);
  fx.store->set(set_op("2001:db8::1", "v6.example."), T0 + 3);
  fx.store->set(set_op("2001:db8:ffff::42", "w6.example."), T0 + 4);
  std::string before = dump(*fx.store);
  std::string path = fx.dir.path + "/db";
  fx.store.reset();

  // Rewrite it as schema 1 had it: `rr` keyed by the owner name's key, no `ptr`.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0640) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi ptr, rr, info;
    REQUIRE(mdb_dbi_open(txn, "ptr", 0, &ptr) == 0);
    REQUIRE(mdb_dbi_open(txn, "rr", MDB_CREATE, &rr) == 0);
    REQUIRE(mdb_dbi_open(txn, "info", 0, &info) == 0);
    MDB_cursor* cur = nullptr;
    REQUIRE(mdb_cursor_open(txn, ptr, &cur) == 0);
    MDB_val k, v;
    int moved = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      auto addr = codec::address_of_meta_key({static_cast<char*>(k.mv_data), k.mv_size});
      std::string okey = key_of(names::reverse_name(addr));
      MDB_val ok{okey.size(), okey.data()};
      REQUIRE(mdb_put(txn, rr, &ok, &v, 0) == 0);
      ++moved;
    }
    mdb_cursor_close(cur);
    CHECK(moved == 4);
    REQUIRE(mdb_drop(txn, ptr, 1) == 0);
    std::string one = "\0\0\0\1"s;
    MDB_val sk{6, const_cast<char*>("schema")}, sv{one.size(), one.data()};
    REQUIRE(mdb_put(txn, info, &sk, &sv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }

  fx.reopen();
  CHECK(fx.store->migrated_from() == 1);
  CHECK(dump(*fx.store) == before);
  CHECK(entries(*fx.store, "ptr") == 4);
  CHECK(fx.store->get("192.0.2.1")->target == "A.example.");
  // The answer path's reads find the moved records, with the target's case and TTL.
  {
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(fx.store->env(), nullptr, MDB_RDONLY, &txn) == 0);
    MDB_dbi rr;
    CHECK(mdb_dbi_open(txn, "rr", 0, &rr) == MDB_NOTFOUND);  // gone
    std::string k1 = codec::meta_key(ip("192.0.2.1"));
    MDB_val k{k1.size(), k1.data()}, v;
    REQUIRE(mdb_get(txn, fx.store->ptr_dbi(), &k, &v) == 0);
    std::string_view value(static_cast<char*>(v.mv_data), v.mv_size);
    CHECK(value.substr(0, 4) == "\0\0\0\x3c"s);
    CHECK(names::wire_to_text(value.substr(4)) == "A.example.");
    mdb_txn_abort(txn);
  }
  // Writes go on; the next open needs no migration.
  fx.store->unset({"192.0.2.200"}, T0 + 5);
  fx.store->set(set_op("192.0.2.2", "c.example."), T0 + 6);
  CHECK(entries(*fx.store, "ptr") == 4);
  fx.reopen();
  CHECK(fx.store->migrated_from() == 0);
  CHECK(fx.store->get("192.0.2.2")->target == "c.example.");
}

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

TEST_CASE("set creates a record") {
  Fixture fx;
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w = fx.store->set(
      set_op("192.0.2.10", "Host10.Example.COM", std::nullopt, "rack 4", "alice"), T0 + 10);
  CHECK(w.created == 1);
  CHECK(w.replaced == 0);
  CHECK(w.removed == 0);
  REQUIRE(w.records.size() == 1);
  REQUIRE(w.serials.size() == 1);
  CHECK(w.serials[0].zone == kV4);
  CHECK(w.serials[0].serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);

  const Record& r = w.records[0];
  CHECK(r.address == ip("192.0.2.10"));
  CHECK(r.owner == "10.2.0.192.in-addr.arpa.");
  CHECK(r.target == "Host10.Example.COM.");
  CHECK(r.ttl == 7200);  // the zone's default
  CHECK(r.description == "rack 4");
  CHECK(std::regex_match(
      r.id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(r.created == T0 + 10);
  CHECK(r.modified == T0 + 10);
  CHECK(r.created_by == "alice");
  CHECK(r.modified_by == "alice");
  CHECK(r.zone == kV4);

  auto g = fx.store->get("192.0.2.10");
  REQUIRE(g);
  CHECK(describe(*g) == describe(r));
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);

  // An explicit TTL, an IPv6 address written the long way, and distinct ids.
  WriteResult w6 =
      fx.store->set(set_op("2001:0DB8:0000::0001", "six.example.", 60, "", "bob"), T0 + 20);
  CHECK(w6.records.at(0).ttl == 60);
  CHECK(names::format_ip(w6.records[0].address) == "2001:db8::1");
  CHECK(w6.records[0].id != r.id);
  CHECK(fx.store->get("2001:db8::1"));
  CHECK(fx.store->record_count() == 2);
  CHECK(fx.store->set(set_op("192.0.2.11", "z.example.", 0), T0).records.at(0).ttl == 0);
  CHECK(fx.store->set(set_op("192.0.2.12", "z.example.", 2147483647), T0).records.at(0).ttl ==
        2147483647u);
}

TEST_CASE("set again replaces the record and keeps its identity") {
  Fixture fx;
  Record first = fx.store->set(set_op("192.0.2.10", "old.example.", 300, "first", "alice"), T0 + 10)
                     .records.at(0);
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w =
      fx.store->set(set_op("192.0.2.10", "new.example.", std::nullopt, "second", "bob"), T0 + 50);
  CHECK(w.created == 0);
  CHECK(w.replaced == 1);
  const Record& r = w.records.at(0);
  CHECK(r.id == first.id);
  CHECK(r.created == T0 + 10);
  CHECK(r.created_by == "alice");
  CHECK(r.modified == T0 + 50);
  CHECK(r.modified_by == "bob");
  CHECK(r.target == "new.example.");
  CHECK(r.ttl == 7200);  // no TTL given: the zone's default again
  CHECK(r.description == "second");
  CHECK(w.serials.at(0).serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);
  CHECK(describe(*fx.store->get("192.0.2.10")) == describe(r));
  CHECK(describe(*fx.store->get_by_id(first.id)) == describe(r));
}

TEST_CASE("unset removes the record") {
  Fixture fx;
  Record r = fx.store->set(set_op("192.0.2.10", "a.example."), T0).records.at(0);
  fx.store->set(set_op("192.0.2.11", "b.example."), T0);
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w = fx.store->unset({"192.0.2.10"}, T0 + 10);
  CHECK(w.removed == 1);
  CHECK(w.records.empty());
  CHECK(w.serials.at(0).serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK_FALSE(fx.store->get("192.0.2.10"));
  CHECK_FALSE(fx.store->get_by_id(r.id));
  CHECK(fx.store->get("192.0.2.11"));
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);

  std::string before = dump(*fx.store);
  try {
    fx.store->unset({"192.0.2.10"}, T0 + 20);
    FAIL("unset of a missing record succeeded");
  } catch (const StoreError& e) {
    CHECK(e.code() == "not_found");
    CHECK(std::string(e.what()).find("192.0.2.10") != std::string::npos);
  }
  CHECK(dump(*fx.store) == before);
  CHECK(error_code([&] { fx.store->unset({"192.0.2.300"}, T0); }) == "bad_address");
  CHECK(error_code([&] { fx.store->unset({"198.51.100.1"}, T0); }) == "not_in_zone");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("bad input is refused and changes nothing") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "keep.example.", 600, "kept", "alice"), T0);
  std::string before = dump(*fx.store);
  struct Case {
    SetOp op;
    const char* code;
  };
  const std::vector<Case> cases = {
      {set_op("192.0.2.256", "x.example."), "bad_address"},
      {set_op("", "x.example."), "bad_address"},
      {set_op("192.0.2.0/24", "x.example."), "bad_address"},
      {set_op("fe80::1%eth0", "x.example."), "bad_address"},
      {set_op("192.0.2.1 ", "x.example."), "bad_address"},
      {set_op("198.51.100.1", "x.example."), "not_in_zone"},
      {set_op("2001:db9::1", "x.example."), "not_in_zone"},
      {set_op("::ffff:192.0.2.1", "x.example."), "not_in_zone"},
      {set_op("192.0.2.1", "bad_name.example."), "bad_name"},
      {set_op("192.0.2.1", ""), "bad_name"},
      {set_op("192.0.2.1", "-x.example."), "bad_name"},
      {set_op("192.0.2.1", "x..example."), "bad_name"},
      {set_op("192.0.2.1", std::string(254, 'a')), "bad_name"},
      {set_op("192.0.2.1", "x.example.", -1), "bad_ttl"},
      {set_op("192.0.2.1", "x.example.", 2147483648ll), "bad_ttl"},
      {set_op("192.0.2.2", "x.example.", -1), "bad_ttl"},
      {set_op("192.0.2.1", "x.example.", std::nullopt, std::string(256, 'd')), "bad_description"},
      {set_op("192.0.2.1", "x.example.", std::nullopt, std::string(128, '\xc3') + "\xa9"),
       "bad_description"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.op.address);
    CAPTURE(c.op.target);
    CHECK(error_code([&] { fx.store->set(c.op, T0 + 100); }) == c.code);
  }
  const std::vector<std::string> not_utf8 = {
      "\xff",
      "caf\xc3",
      "\x80",
      "a\x80z",
      "\xc0\xaf",
      "\xc1\xbf",
      "\xe0\x80\xaf",
      "\xed\xa0\x80",
      "\xf0\x80\x80\xaf",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",
      "\xe2\x82",
      "tab\tok\x01no",
      "nul\0"s,
      "del\x7f",
      "c1\xc2\x85",
      "line\nbreak",
  };
  for (const std::string& d : not_utf8) {
    CAPTURE(d);
    CHECK(error_code([&] {
            fx.store->set(set_op("192.0.2.1", "x.example.", std::nullopt, d), T0 + 100);
          }) == "bad_description");
  }
  CHECK(dump(*fx.store) == before);

  // Limits that are allowed.
  CHECK(error_code([&] {
          fx.store->set(set_op("192.0.2.3", "x.example.", std::nullopt, std::string(255, 'd')), T0);
        }) == "");
  std::string utf8 = "Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\ttab";
  auto r = fx.store->set(set_op("192.0.2.4", "x.example.", std::nullopt, utf8), T0);
  CHECK(r.records.at(0).description == utf8);
  CHECK(fx.store->get("192.0.2.4")->description == utf8);
}

TEST_CASE("apply is all or nothing") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "one.example."), T0);
  fx.store->set(set_op("2001:db8::1", "six.example."), T0);
  std::string before = dump(*fx.store);

  SUBCASE("one bad op at index k") {
    for (size_t k = 0; k < 4; ++k) {
      CAPTURE(k);
      std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")), op_unset("192.0.2.1"),
                             op_set(set_op("2001:db8::5", "five6.example.")),
                             op_set(set_op("192.0.2.6", "six.example."))};
      ops[k] = k % 2 ? op_unset("192.0.2.99") : op_set(set_op("192.0.2.7", "bad_name"));
      try {
        fx.store->apply(ops, T0 + 100);
        FAIL("the batch was applied");
      } catch (const BatchError& e) {
        CHECK(e.index() == k);
        CHECK(e.code() == (k % 2 ? "not_found" : "bad_name"));
      }
      CHECK(dump(*fx.store) == before);
    }
  }
  SUBCASE("a good batch over two zones steps each serial once") {
    uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
    std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")),
                           op_set(set_op("192.0.2.6", "six.example.")),
                           op_set(set_op("2001:db8::5", "five6.example.")), op_unset("192.0.2.1"),
                           op_set(set_op("192.0.2.5", "five-again.example."))};
    WriteResult w = fx.store->apply(ops, T0 + 100);
    CHECK(w.created == 3);
    CHECK(w.replaced == 1);
    CHECK(w.removed == 1);
    CHECK(w.records.size() == 4);
    REQUIRE(w.serials.size() == 2);
    for (const ZoneSerial& zs : w.serials) CHECK(zs.serial == (zs.zone == kV4 ? s4 : s6) + 1);
    CHECK(serial_of(*fx.store, kV4) == s4 + 1);
    CHECK(serial_of(*fx.store, kV6) == s6 + 1);
    CHECK(fx.store->get("192.0.2.5")->target == "five-again.example.");
    CHECK(fx.store->get("192.0.2.5")->id == w.records[0].id);
    CHECK_FALSE(fx.store->get("192.0.2.1"));
    CHECK(fx.store->record_count() == 4);
    CHECK(fx.store->zone(kV4)->record_count == 2);
    CHECK(fx.store->zone(kV6)->record_count == 2);
  }
  SUBCASE("set and unset of one address in one batch") {
    WriteResult w = fx.store->apply(
        {op_set(set_op("192.0.2.9", "tmp.example.")), op_unset("192.0.2.9")}, T0 + 100);
    CHECK(w.created == 1);
    CHECK(w.removed == 1);
    CHECK_FALSE(fx.store->get("192.0.2.9"));
    CHECK_FALSE(fx.store->get_by_id(w.records.at(0).id));
    CHECK(fx.store->record_count() == 2);
    CHECK(entries(*fx.store, "ids") == 2);
  }
  SUBCASE("an empty batch changes nothing") {
    WriteResult w = fx.store->apply({}, T0 + 100);
    CHECK(w.serials.empty());
    CHECK(dump(*fx.store) == before);
  }
}

TEST_CASE("quotas") {
  SUBCASE("global") {
    StoreOptions o;
    o.max_records = 3;
    Fixture fx(o);
    CHECK(fx.store->max_records() == 3);
    fx.store->set(set_op("192.0.2.1", "a.example."), T0);
    fx.store->set(set_op("192.0.2.2", "b.example."), T0);
    fx.store->set(set_op("2001:db8::3", "c.example."), T0);
    std::string before = dump(*fx.store);
    CHECK(error_code([&] { fx.store->set(set_op("192.0.2.4", "d.example."), T0 + 1); }) ==
          "quota_exceeded");
    CHECK(error_code([&] {
            fx.store->apply({op_set(set_op("192.0.2.2", "b2.example.")),
                             op_set(set_op("192.0.2.4", "d.example."))},
                            T0 + 1);
          }) == "quota_exceeded");
    CHECK(dump(*fx.store) == before);
    // At the limit a replace is allowed, and so is a set after an unset.
    fx.store->set(set_op("192.0.2.1", "a2.example."), T0 + 2);
    CHECK(fx.store->get("192.0.2.1")->target == "a2.example.");
    fx.store->apply({op_unset("192.0.2.2"), op_set(set_op("192.0.2.4", "d.example."))}, T0 + 3);
    CHECK(fx.store->record_count() == 3);
    // The limit holds across reopening.
    fx.reopen(o);
    CHECK(error_code([&] { fx.store->set(set_op("192.0.2.5", "e.example."), T0 + 4); }) ==
          "quota_exceeded");
  }
  SUBCASE("per zone") {
    TempDir dir;
    auto s = Store::open({dir.path});
    s->reconcile({zone_settings("192.0.2.0/24", 2), zone_settings("2001:db8::/32")}, {}, T0);
    s->set(set_op("192.0.2.1", "a.example."), T0);
    s->set(set_op("192.0.2.2", "b.example."), T0);
    std::string before = dump(*s);
    try {
      s->set(set_op("192.0.2.3", "c.example."), T0 + 1);
      FAIL("the zone quota was not enforced");
    } catch (const StoreError& e) {
      CHECK(e.code() == "quota_exceeded");
      CHECK(std::string(e.what()).find(kV4) != std::string::npos);
    }
    CHECK(dump(*s) == before);
    s->set(set_op("192.0.2.2", "b2.example."), T0 + 2);  // a replace at the limit
    s->set(set_op("2001:db8::1", "other-zone.example."), T0 + 2);
    CHECK(s->record_count() == 3);
  }
}

TEST_CASE("get_by_id") {
  Fixture fx;
  Record r = fx.store->set(set_op("2001:db8::42", "x.example."), T0).records.at(0);
  auto g = fx.store->get_by_id(r.id);
  REQUIRE(g);
  CHECK(describe(*g) == describe(r));
  std::string upper = r.id;
  for (char& c : upper) c = char(std::toupper(uint8_t(c)));
  CHECK(fx.store->get_by_id(upper));
  CHECK_FALSE(fx.store->get_by_id("00000000-0000-4000-8000-000000000000"));
  CHECK_FALSE(fx.store->get_by_id(""));
  CHECK_FALSE(fx.store->get_by_id("not-an-id"));
  CHECK_FALSE(fx.store->get_by_id(r.id.substr(1)));
  CHECK_FALSE(fx.store->get_by_id(r.id + "0"));
  CHECK_FALSE(fx.store->get("192.0.2.200"));
  CHECK_FALSE(fx.store->get("198.51.100.1"));  // outside every zone: just not there
  CHECK(error_code([&] { fx.store->get("nope"); }) == "bad_address");
}

TEST_CASE("list") {
  Fixture fx;
  fx.store->add_zone(zone_settings("10.0.0.0/8"), T0);
  for (std::string_view a : {"2001:db8::10", "192.0.2.10", "10.0.0.1", "192.0.2.2", "2001:db8::2",
                             "192.0.2.100", "10.200.0.1"})
    fx.store->set(set_op(std::string(a), a.find(':') == a.npos ? "host-four.Example.NET."
                                                               : "host-six.Example.NET."),
                  T0);
  fx.store->set(set_op("192.0.2.10", "Mail.Example.NET."), T0);

  ListFilter f;
  ListResult all = fx.store->list(f);
  CHECK(addresses(all) == std::vector<std::string>{"10.0.0.1", "10.200.0.1", "192.0.2.2",
                                                   "192.0.2.10", "192.0.2.100", "2001:db8::2",
                                                   "2001:db8::10"});
  CHECK(all.total == 7);
  CHECK_FALSE(all.next_offset);
  CHECK(all.records.at(0).zone == "10.in-addr.arpa.");
  CHECK(all.records.at(3).zone == kV4);
  CHECK(all.records.at(6).zone == kV6);

  SUBCASE("by zone") {
    for (std::string z : {"2.0.192.in-addr.arpa.", "2.0.192.IN-ADDR.ARPA", "192.0.2.0/24"}) {
      CAPTURE(z);
      f.zone = z;
      ListResult r = fx.store->list(f);
      CHECK(addresses(r) == std::vector<std::string>{"192.0.2.2", "192.0.2.10", "192.0.2.100"});
      CHECK(r.total == 3);
    }
    f.zone = "2001:db8::/32";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2", "2001:db8::10"});
    f.zone = "198.51.100.0/24";
    CHECK(error_code([&] { fx.store->list(f); }) == "not_found");
    f.zone = "192.0.2.1/24";
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
    f.zone = kV4;
    f.prefix = pfx("192.0.2.0/28");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.2", "192.0.2.10"});
    f.prefix = pfx("10.0.0.0/8");  // disjoint from the zone
    ListResult none = fx.store->list(f);
    CHECK(none.records.empty());
    CHECK(none.total == 0);
  }
  SUBCASE("by prefix") {
    f.prefix = pfx("192.0.2.0/28");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.2", "192.0.2.10"});
    f.prefix = pfx("10.0.0.0/16");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"10.0.0.1"});
    f.prefix = pfx("0.0.0.0/0");
    CHECK(fx.store->list(f).total == 5);
    f.prefix = pfx("::/0");
    CHECK(fx.store->list(f).total == 2);
    f.prefix = pfx("2001:db8::/124");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2"});
    f.prefix = pfx("203.0.113.0/24");
    CHECK(fx.store->list(f).total == 0);
  }
  SUBCASE("by name") {
    f.name_contains = "MAIL";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.10"});
    f.name_contains = "host-six.example.net";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2", "2001:db8::10"});
    f.name_contains = "example.net.";
    CHECK(fx.store->list(f).total == 7);
    f.name_contains = "nowhere";
    CHECK(fx.store->list(f).total == 0);
    f.name_contains = "four";
    f.prefix = pfx("10.0.0.0/8");
    CHECK(fx.store->list(f).total == 2);
  }
  SUBCASE("pages") {
    f.limit = 3;
    ListResult p1 = fx.store->list(f);
    CHECK(addresses(p1) == std::vector<std::string>{"10.0.0.1", "10.200.0.1", "192.0.2.2"});
    CHECK(p1.total == 7);
    REQUIRE(p1.next_offset);
    CHECK(*p1.next_offset == 3);
    f.offset = 3;
    ListResult p2 = fx.store->list(f);
    CHECK(addresses(p2) == std::vector<std::string>{"192.0.2.10", "192.0.2.100", "2001:db8::2"});
    CHECK(p2.next_offset == uint64_t(6));
    f.offset = 6;
    ListResult p3 = fx.store->list(f);
    CHECK(addresses(p3) == std::vector<std::string>{"2001:db8::10"});
    CHECK(p3.total == 7);
    CHECK_FALSE(p3.next_offset);
    f.offset = 50;
    ListResult past = fx.store->list(f);
    CHECK(past.records.empty());
    CHECK(past.total == 7);
    CHECK_FALSE(past.next_offset);
    f.offset = 0;
    f.limit = 1000;
    CHECK(fx.store->list(f).records.size() == 7);
    f.limit = 1001;
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
    f.limit = 0;
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
  }
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

TEST_CASE("reopening the store keeps everything") {
  Fixture fx;
  fx.store->add_zone(zone_settings("10.0.0.0/8", 50), T0);
  std::vector<std::string> ids;
  for (std::string a : {"192.0.2.1", "192.0.2.2", "2001:db8::1", "10.1.2.3"})
    ids.push_back(
        fx.store->set(set_op(a, "h.example.", 99, "d " + a, "carol"), T0 + 1).records.at(0).id);
  fx.store->unset({"192.0.2.2"}, T0 + 2);
  std::string before = dump(*fx.store);
  fx.reopen();
  CHECK(dump(*fx.store) == before);
  CHECK(fx.store->get_by_id(ids[0])->target == "h.example.");
  CHECK_FALSE(fx.store->get_by_id(ids[1]));
  CHECK(fx.store->get_by_id(ids[3])->description == "d 10.1.2.3");
  CHECK(fx.store->zone("10.0.0.0/8")->settings.max_records == 50);
  CHECK(fx.store->zone("10.0.0.0/8")->origin == ZoneOrigin::Admin);
  CHECK(fx.store->record_count() == 3);
  // And writes go on from where they were.
  uint32_t s4 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.2", "back.example."), T0 + 3);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
}

namespace {

// What a reader sees for `address` in its own read transaction, as the answer path reads
// it: the zone by find_zone_for_key and the PTR from the ptr DB.
struct Seen {
  bool zone = false;
  uint32_t serial = 0;
  std::optional<std::string> target;  // text
  uint32_t ttl = 0;
};

Seen read_in(const Store& s, MDB_txn* txn, std::string_view address) {
  Seen out;
  std::string qkey = key_of(names::reverse_name(ip(address)));
  MDB_cursor* cur = nullptr;
  REQUIRE(mdb_cursor_open(txn, s.zones_dbi(), &cur) == 0);
  std::string_view apex_key, value;
  out.zone = find_zone_for_key(cur, qkey, apex_key, value);
  if (out.zone) {
    codec::ZoneWire w;
    REQUIRE(codec::decode_zone_wire(value, w));
    out.serial = w.serial;
  }
  mdb_cursor_close(cur);
  std::string pkey = codec::meta_key(ip(address));
  MDB_val k{pkey.size(), pkey.data()}, v;
  if (mdb_get(txn, s.ptr_dbi(), &k, &v) == 0) {
    codec::PtrValue rr;
    REQUIRE(codec::decode_ptr_value(codec::view(v), rr));
    out.ttl = rr.ttl;
    out.target = names::wire_to_text(rr.target);
  }
  return out;
}

struct ReadTxn {
  MDB_txn* txn = nullptr;
  explicit ReadTxn(const Store& s) {
    REQUIRE(mdb_txn_begin(s.env(), nullptr, MDB_RDONLY, &txn) == 0);
  }
  ~ReadTxn() { mdb_txn_abort(txn); }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
};

}  // namespace

TEST_CASE("a reader sees a record and its serial change together") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "old.example.", 100), T0);
  uint32_t s4 = serial_of(*fx.store, kV4);

  ReadTxn before(*fx.store);
  fx.store->set(set_op("192.0.2.1", "New.Example.", 200), T0 + 1);
  fx.store->set(set_op("192.0.2.2", "added.example."), T0 + 1);
  ReadTxn after(*fx.store);

  Seen old1 = read_in(*fx.store, before.txn, "192.0.2.1");
  CHECK(old1.zone);
  CHECK(old1.serial == s4);
  CHECK(old1.target == "old.example.");
  CHECK(old1.ttl == 100);
  Seen old2 = read_in(*fx.store, before.txn, "192.0.2.2");
  CHECK(old2.serial == s4);
  CHECK_FALSE(old2.target);

  Seen new1 = read_in(*fx.store, after.txn, "192.0.2.1");
  CHECK(new1.serial == s4 + 2);
  CHECK(new1.target == "New.Example.");  // case as given
  CHECK(new1.ttl == 200);
  Seen new2 = read_in(*fx.store, after.txn, "192.0.2.2");
  CHECK(new2.serial == s4 + 2);
  CHECK(new2.target == "added.example.");
  CHECK(new2.ttl == 7200);

  fx.store->unset({"192.0.2.1"}, T0 + 2);
  CHECK(read_in(*fx.store, after.txn, "192.0.2.1").target == "New.Example.");
  ReadTxn last(*fx.store);
  Seen gone = read_in(*fx.store, last.txn, "192.0.2.1");
  CHECK_FALSE(gone.target);
  CHECK(gone.serial == s4 + 3);
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
  // Every truncation is refused, not read past.
  std::string copy(value);
  for (size_t n = 0; n < copy.size(); ++n) {
    CAPTURE(n);
    codec::ZoneWire t;
    CHECK_FALSE(codec::decode_zone_wire(std::string_view(copy).substr(0, n), t));
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

TEST_CASE("compare_address_keys orders keys exactly as LMDB's default compare") {
  auto reference = [](std::string_view a, std::string_view b) {
    int c = a.substr(0, std::min(a.size(), b.size()))
                .compare(b.substr(0, std::min(a.size(), b.size())));
    if (c != 0) return c < 0 ? -1 : 1;
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
  };
  auto sign = [](int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; };
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto rnd = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  // Keys that share long prefixes and differ in one byte anywhere, high bits included.
  auto key = [&](size_t size, const std::string& like) {
    std::string k = like.substr(0, size);
    k.resize(size, '\0');
    if (size > 0 && rnd() % 2) k[rnd() % size] = char(rnd());
    return k;
  };
  const size_t sizes[] = {0, 1, 4, 5, 16, 17, 18};
  std::string base(17, '\0');
  for (int i = 0; i < 20000; ++i) {
    if (i % 100 == 0)
      for (char& c : base) c = char(rnd() % 3 == 0 ? 0xff : rnd());
    std::string a = key(sizes[rnd() % 7], base), b = key(sizes[rnd() % 7], base);
    if (rnd() % 4 == 0) b = a;
    MDB_val x{a.size(), a.data()}, y{b.size(), b.data()};
    CAPTURE(i);
    REQUIRE(sign(compare_address_keys(&x, &y)) == reference(a, b));
    REQUIRE(sign(compare_address_keys(&y, &x)) == reference(b, a));
  }
}
