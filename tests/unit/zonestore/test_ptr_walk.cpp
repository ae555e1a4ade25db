// The ptr walker reads LMDB's pages itself: every result must be what LMDB's own lookup
// gives in the same snapshot, for keys that are there and keys that are not, in trees of
// more than two levels, in old snapshots after later commits, and in an empty tree.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/keys.h"
#include "zonestore/ptr_walk.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

names::AddressKey key_of(const std::string& raw) {
  names::AddressKey k;
  REQUIRE((raw.size() == 5 || raw.size() == 17));
  std::memcpy(k.bytes, raw.data(), raw.size());
  k.size = uint8_t(raw.size());
  k.full = k.units = raw.size() == 5 ? 4 : 32;
  return k;
}

std::string v6_key(std::mt19937_64& rng) {
  std::string k(17, '\0');
  k[0] = 6;
  k[1] = 0x20, k[2] = 0x01, k[3] = 0x0d, k[4] = char(0xb8);  // 2001:db8::/32
  for (size_t i = 5; i < 17; ++i) k[i] = char(rng());
  return k;
}

std::string text_of(const std::string& raw) {
  return names::format_ip(codec::address_of_meta_key(raw));
}

struct ReadTxn {
  MDB_txn* txn = nullptr;
  explicit ReadTxn(const Store& s) {
    REQUIRE(mdb_txn_begin(s.env(), nullptr, MDB_RDONLY, &txn) == 0);
  }
  ~ReadTxn() { mdb_txn_abort(txn); }
};

// Walks `keys` in batches of `batch` in the snapshot of `txn` and checks each result
// against mdb_get in the same transaction. Returns how many were found.
size_t check_against_lmdb(const Store& s, MDB_txn* txn, PtrWalker& w,
                          const std::vector<std::string>& keys, size_t batch) {
  size_t found = 0, unknown = 0, wrong = 0;
  std::vector<PtrWalker::Lookup> lookups;
  for (size_t at = 0; at < keys.size(); at += batch) {
    lookups.clear();
    for (size_t i = at; i < keys.size() && i < at + batch; ++i) {
      PtrWalker::Lookup l;
      l.key = key_of(keys[i]);
      lookups.push_back(l);
    }
    w.find(lookups.data(), lookups.size());
    for (size_t i = 0; i < lookups.size(); ++i) {
      MDB_val k{keys[at + i].size(), const_cast<char*>(keys[at + i].data())}, v;
      int rc = mdb_get(txn, s.ptr_dbi(), &k, &v);
      const auto& l = lookups[i];
      if (l.found == PtrWalker::Found::Unknown) {
        ++unknown;
      } else if (rc == 0) {
        bool same = l.found == PtrWalker::Found::Yes &&
                    l.value == std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
        wrong += !same;
        found += same;
      } else {
        wrong += !(rc == MDB_NOTFOUND && l.found == PtrWalker::Found::No);
      }
    }
  }
  CHECK(unknown == 0);
  CHECK(wrong == 0);
  return found;
}

// 60,000 IPv6 records (a tree of three levels) and 200 IPv4 ones; returns their keys.
std::vector<std::string> fill(Store& s, std::mt19937_64& rng) {
  std::vector<std::string> keys;
  std::vector<Op> ops;
  for (int i = 0; i < 60000; ++i) {
    keys.push_back(v6_key(rng));
    ops.push_back(op_set(set_op(text_of(keys.back()), "host-" + std::to_string(i) + ".example.")));
  }
  for (int i = 1; i <= 200; ++i) {
    keys.push_back(codec::meta_key(ip("192.0.2." + std::to_string(i % 254 + 1))));
    ops.push_back(op_set(set_op(text_of(keys.back()), "v4-" + std::to_string(i) + ".example.")));
  }
  s.apply(ops, T0, {}, false, /*keep_records=*/false);
  return keys;
}

}  // namespace

TEST_CASE("the walker finds what LMDB finds, and nothing else") {
  Fixture fx;
  std::mt19937_64 rng(11);
  std::vector<std::string> present = fill(*fx.store, rng);
  std::vector<std::string> absent;
  for (int i = 0; i < 20000; ++i) absent.push_back(v6_key(rng));
  for (const char* a : {"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::",
                        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "0.0.0.0",
                        "192.0.2.0", "192.0.2.255", "255.255.255.255", "10.0.0.1"})
    absent.push_back(codec::meta_key(ip(a)));

  ReadTxn r(*fx.store);
  MDB_stat st;
  REQUIRE(mdb_stat(r.txn, fx.store->ptr_dbi(), &st) == 0);
  CHECK(st.ms_depth >= 3);
  PtrWalker w(fx.store->ptr_dbi());
  REQUIRE(w.snapshot(r.txn));
  for (size_t batch : {size_t(1), size_t(16), size_t(64)}) {
    CAPTURE(batch);
    CHECK(check_against_lmdb(*fx.store, r.txn, w, present, batch) == 60200);
    CHECK(check_against_lmdb(*fx.store, r.txn, w, absent, batch) == 0);
  }
}

TEST_CASE("an old snapshot keeps its tree while later commits change the store") {
  Fixture fx;
  std::mt19937_64 rng(12);
  std::vector<std::string> keys = fill(*fx.store, rng);
  ReadTxn old(*fx.store);
  PtrWalker w_old(fx.store->ptr_dbi()), w_new(fx.store->ptr_dbi());
  REQUIRE(w_old.snapshot(old.txn));
  // More commits than LMDB has meta pages: the old snapshot's meta page is rewritten.
  std::vector<std::string> added;
  for (int c = 0; c < 4; ++c) {
    std::vector<Op> ops;
    for (int i = 0; i < 500; ++i) {
      added.push_back(v6_key(rng));
      ops.push_back(op_set(set_op(text_of(added.back()), "new.example.")));
    }
    ops.push_back(op_unset(text_of(keys[size_t(c)])));
    fx.store->apply(ops, T0 + c + 1);
  }
  std::vector<std::string> all = keys;
  all.insert(all.end(), added.begin(), added.end());
  CHECK(check_against_lmdb(*fx.store, old.txn, w_old, all, 32) == 60200);
  ReadTxn now(*fx.store);
  REQUIRE(w_new.snapshot(now.txn));
  CHECK(check_against_lmdb(*fx.store, now.txn, w_new, all, 32) == 60200 + 2000 - 4);
  // The same walker, moved to the new snapshot.
  REQUIRE(w_old.snapshot(now.txn));
  CHECK(check_against_lmdb(*fx.store, now.txn, w_old, all, 7) == 60200 + 2000 - 4);
}

TEST_CASE("the walker declines an empty tree and answers Unknown") {
  Fixture fx;
  ReadTxn r(*fx.store);
  PtrWalker w(fx.store->ptr_dbi());
  CHECK_FALSE(w.snapshot(r.txn));
  PtrWalker::Lookup l;
  l.key = key_of(codec::meta_key(ip("192.0.2.1")));
  w.find(&l, 1);
  CHECK(l.found == PtrWalker::Found::Unknown);
}
