#pragma once
// Shared by the store tests: reading a store as the answer path does, with raw LMDB and
// the zonestore codecs, in a read transaction of the test's own.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <optional>
#include <string>
#include <string_view>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/bytes.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/store.h"

namespace rdnsd::zonestore::testing {

// What a reader sees for `address` in its own read transaction, as the answer path reads
// it: the zone by find_zone_for_key and the PTR from the ptr DB.
struct Seen {
  bool zone = false;
  uint32_t serial = 0;
  std::optional<std::string> target;  // text
  uint32_t ttl = 0;
};

inline Seen read_in(const Store& s, MDB_txn* txn, std::string_view address) {
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

}  // namespace rdnsd::zonestore::testing
