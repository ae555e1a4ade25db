// Unit tests of the schema version (zonestore/schema.cpp): another version is refused, schemas 1
// and 2 are migrated at open.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <string>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

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

  write_schema("\0\0\0\4"s);  // a later version than this rdnsd knows
  try {
    Store::open({path});
    FAIL("a store with schema version 4 was opened");
  } catch (const StoreError& e) {
    CHECK(e.code() == "internal");
    CHECK(std::string(e.what()).find("schema version 4") != std::string::npos);
    CHECK(std::string(e.what()).find("needs 3") != std::string::npos);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  write_schema("\0\0\3"s);  // malformed
  CHECK(error_code([&] { Store::open({path}); }) == "internal");
  write_schema("\0\0\0\3"s);  // the right one again
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
  CHECK(fx.store->journal_stats(kV4)->last_serial == serial_of(*fx.store, kV4));
  fx.reopen();
  CHECK(fx.store->migrated_from() == 0);
  CHECK(fx.store->get("192.0.2.2")->target == "c.example.");
}

TEST_CASE("open migrates a schema 2 store: an empty journal, old zone and meta values read") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "a.example.", 60, "first", "alice"), T0 + 1);
  fx.store->set(set_op("2001:db8::1", "v6.example."), T0 + 2);
  fx.store->unset({"192.0.2.1"}, T0 + 3);
  fx.store->set(set_op("192.0.2.2", "b.example."), T0 + 4);
  REQUIRE(entries(*fx.store, "journal") > 0);
  const uint32_t s4 = serial_of(*fx.store, kV4);
  std::string path = fx.dir.path + "/db";
  fx.store.reset();

  // Rewrite it as schema 2 had it: no `journal`, zone values ending after the NS names,
  // meta values after the four strings.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0640) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi journal, zones, meta, info;
    REQUIRE(mdb_dbi_open(txn, "journal", 0, &journal) == 0);
    REQUIRE(mdb_drop(txn, journal, 1) == 0);
    REQUIRE(mdb_dbi_open(txn, "zones", 0, &zones) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    REQUIRE(mdb_set_compare(txn, meta, compare_address_keys) == 0);
    REQUIRE(mdb_dbi_open(txn, "info", 0, &info) == 0);
    for (auto [dbi, cut] :
         {std::pair{zones, codec::kZoneTrailer + codec::kZoneNsTtlSize + codec::kZoneSynthFixed},
          std::pair{meta, size_t(4)}}) {
      MDB_cursor* cur = nullptr;
      REQUIRE(mdb_cursor_open(txn, dbi, &cur) == 0);
      MDB_val k, v;
      int cut_n = 0;
      for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
           rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        // Copies: a put that resizes the value moves the page's bytes under k and v.
        std::string key(static_cast<char*>(k.mv_data), k.mv_size);
        std::string shorter(static_cast<char*>(v.mv_data), v.mv_size - cut);
        MDB_val nk{key.size(), key.data()}, nv{shorter.size(), shorter.data()};
        REQUIRE(mdb_cursor_put(cur, &nk, &nv, MDB_CURRENT) == 0);
        ++cut_n;
      }
      mdb_cursor_close(cur);
      CHECK(cut_n == 2);
    }
    std::string two = "\0\0\0\2"s;
    MDB_val sk{6, const_cast<char*>("schema")}, sv{two.size(), two.data()};
    REQUIRE(mdb_put(txn, info, &sk, &sv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }

  fx.reopen();
  CHECK(fx.store->migrated_from() == 2);
  CHECK(entries(*fx.store, "journal") == 0);
  auto z = fx.store->zone(kV4);
  REQUIRE(z);
  CHECK(fx.store->journal_stats(kV4) == JournalStats{});
  CHECK(z->serial == s4);
  CHECK(z->record_count == 1);
  CHECK(z->settings == zone_settings("192.0.2.0/24"));  // the journal limits' defaults
  auto r = fx.store->get("192.0.2.2");
  REQUIRE(r);
  CHECK(r->target == "b.example.");
  CHECK(r->serial == 0);  // not known for a record written before
  CHECK(fx.store->get("2001:db8::1")->serial == 0);
  // Writes go on, journaled; the next open needs no migration.
  WriteResult w = fx.store->set(set_op("192.0.2.3", "c.example."), T0 + 5);
  CHECK(w.records.at(0).serial == s4 + 1);
  JournalStats st = *fx.store->journal_stats(kV4);
  CHECK(st.entries == 1);
  CHECK(st.first_serial == s4);
  CHECK(st.last_serial == s4 + 1);
  fx.reopen();
  CHECK(fx.store->migrated_from() == 0);
  CHECK(fx.store->get("192.0.2.3")->serial == s4 + 1);
  CHECK(fx.store->journal_stats(kV4)->entries == 1);
}
