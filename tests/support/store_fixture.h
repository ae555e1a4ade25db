#pragma once
// Shared by the store tests: a temporary folder, a store with two config zones, op
// builders, and a text dump of everything a user can see of a store (to check that a
// refused write changed nothing).
#include <doctest/doctest.h>
#include <lmdb.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/tempdir.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"
#include "zonestore/store.h"

namespace rdnsd::zonestore::testing {

inline constexpr std::time_t T0 = 1700000000;  // 2023-11-14 22:13:20 UTC

using rdnsd::testing::TempDir;

inline names::Prefix pfx(std::string_view text) {
  auto p = names::parse_prefix(text);
  REQUIRE(p);
  return *p;
}

inline names::IpAddress ip(std::string_view text) {
  auto a = names::parse_ip(text);
  REQUIRE(a);
  return *a;
}

inline ZoneSettings zone_settings(std::string_view prefix, uint64_t max_records = 0) {
  ZoneSettings s;
  s.prefix = pfx(prefix);
  s.ns = {"ns1.example.net.", "ns2.example.net."};
  s.soa.mname = "ns1.example.net.";
  s.soa.rname = "hostmaster.example.net.";
  s.default_ttl = 7200;
  s.max_records = max_records;
  return s;
}

// A config zone with the SOA names of example.net. and the NS names given: what the
// admin tests serve.
inline ZoneSettings config_zone(std::string_view prefix,
                                std::vector<std::string> ns = {"ns1.example.net."},
                                uint64_t max_records = 0) {
  ZoneSettings s;
  s.prefix = pfx(prefix);
  s.ns = std::move(ns);
  s.soa.mname = "ns1.example.net.";
  s.soa.rname = "hostmaster.example.net.";
  s.max_records = max_records;
  return s;
}

// A fresh store in `dir`/db with a 256 MiB map and the given global record limit.
inline std::unique_ptr<Store> open_store(const std::string& dir, uint64_t max_records = 0) {
  StoreOptions o;
  o.path = dir + "/db";
  o.map_size = 1ull << 28;
  o.max_records = max_records;
  return Store::open(o);
}

inline SetOp set_op(std::string address, std::string target,
                    std::optional<int64_t> ttl = std::nullopt, std::string description = "",
                    std::string actor = "alice") {
  return SetOp{std::move(address), std::move(target), ttl, std::move(description),
               std::move(actor)};
}

inline Op op_set(SetOp s) {
  Op op;
  op.kind = Op::Kind::Set;
  op.set = std::move(s);
  return op;
}

inline Op op_unset(std::string address) {
  Op op;
  op.kind = Op::Kind::Unset;
  op.unset.address = std::move(address);
  return op;
}

// Entries in one named DB, read with raw LMDB.
inline size_t entries(const Store& s, const char* db) {
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(s.env(), nullptr, MDB_RDONLY, &txn) == 0);
  MDB_dbi dbi;
  MDB_stat st{};
  int rc = mdb_dbi_open(txn, db, 0, &dbi);
  if (rc == 0) rc = mdb_stat(txn, dbi, &st);
  mdb_txn_abort(txn);
  REQUIRE(rc == 0);
  return st.ms_entries;
}

inline std::string describe(const Record& r) {
  return names::format_ip(r.address) + " " + r.owner + " PTR " + r.target +
         " ttl=" + std::to_string(r.ttl) + " id=" + r.id + " created=" + std::to_string(r.created) +
         "/" + r.created_by + " modified=" + std::to_string(r.modified) + "/" + r.modified_by +
         " zone=" + r.zone + " serial=" + std::to_string(r.serial) + " desc=" + r.description +
         (r.dhcid ? " dhcid=" + std::to_string(r.dhcid->ttl) + "/" + r.dhcid->rdata : "");
}

// Everything a user can see of the store, as text, to check that nothing changed (the
// journal as its entry count).
inline std::string dump(const Store& s) {
  std::string out;
  for (const Zone& z : s.zones())
    out += "zone " + z.apex + " serial=" + std::to_string(z.serial) +
           " served=" + std::to_string(z.served) + " origin=" + std::to_string(int(z.origin)) +
           " count=" + std::to_string(z.record_count) + "\n";
  ListFilter f;
  f.limit = 1000;
  for (;;) {
    ListResult page = s.list(f);
    for (const Record& r : page.records) out += describe(r) + "\n";
    if (!page.next_offset) break;
    f.offset = *page.next_offset;
  }
  out += "records=" + std::to_string(s.record_count());
  for (const char* db : {"zones", "ptr", "meta", "ids", "journal", "dhcid"})
    out += " " + std::string(db) + "=" + std::to_string(entries(s, db));
  return out + "\n";
}

inline uint32_t serial_of(const Store& s, std::string_view zone) {
  auto z = s.zone(zone);
  REQUIRE(z);
  return z->serial;
}

inline std::vector<std::string> addresses(const ListResult& r) {
  std::vector<std::string> out;
  for (const Record& rec : r.records) out.push_back(names::format_ip(rec.address));
  return out;
}

inline std::string key_of(std::string_view text) {
  auto wire = names::text_to_wire(text);
  REQUIRE(wire);
  return names::wire_to_key(*wire);
}

// Calls f and returns the StoreError code it threw ("" if none).
template <typename F>
inline std::string error_code(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.code();
  }
  return "";
}

inline constexpr const char* kV4 = "2.0.192.in-addr.arpa.";
inline constexpr const char* kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

// A store with 192.0.2.0/24 and 2001:db8::/32 made by the config.
struct Fixture {
  TempDir dir{"store-test"};
  std::unique_ptr<Store> store;
  explicit Fixture(StoreOptions options = {}) {
    options.path = dir.path + "/db";
    store = Store::open(options);
    store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, {}, T0);
  }
  void reopen(StoreOptions options = {}) {
    store.reset();
    options.path = dir.path + "/db";
    store = Store::open(options);
  }
};

}  // namespace rdnsd::zonestore::testing
