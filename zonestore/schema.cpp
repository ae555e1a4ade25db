#include "zonestore/schema.h"

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/info_value.h"

namespace rdnsd::zonestore {

namespace {

using codec::view;

// Schema 1 kept the PTR records in `rr`, keyed by the owner name's key (names.h). Schema 2
// keys them by address (`ptr`: family + address bytes, as `meta`), which makes the keys
// 5 or 17 bytes instead of up to 73, and the answer path's B-tree half the size. Moves
// every record over in the open transaction and drops `rr`.
void migrate_from_v1(MDB_txn* txn, MDB_dbi ptr) {
  MDB_dbi rr;
  int rc = mdb_dbi_open(txn, "rr", 0, &rr);
  if (rc == MDB_NOTFOUND) return;
  check(rc, "open rr (schema 1)");
  {
    Cursor cur(txn, rr);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
      names::AddressKey a;
      if (!names::key_to_address_key(view(k), a) || a.units != a.full) continue;
      MDB_val nk{a.size, a.bytes};
      check(mdb_put(txn, ptr, &nk, &v, 0), "migrate record");
    }
    if (rc != MDB_NOTFOUND) check(rc, "scan rr (schema 1)");
  }
  check(mdb_drop(txn, rr, 1), "drop rr (schema 1)");
}

}  // namespace

uint32_t check_schema(Txn& txn, const Tables& t, const std::string& path) {
  auto stored = txn.find(t.info, codec::kInfoSchema);
  if (!stored) {
    txn.put(t.info, codec::kInfoSchema, codec::encode_schema_version(kSchemaVersion));
    return 0;
  }
  const uint32_t version = codec::decode_schema_version(*stored).value_or(0);
  if (version == kSchemaVersion) return 0;
  if (version == 1) migrate_from_v1(txn.get(), t.ptr);
  // 2 -> 3: the `journal` table, which open_tables has created (every zone's journal
  // starts empty: transfers from before the migration are full ones); the zone and meta
  // values of schema 2 read as they are.
  if (version == 1 || version == 2) {
    txn.put(t.info, codec::kInfoSchema, codec::encode_schema_version(kSchemaVersion));
    return version;
  }
  throw StoreError("internal", "store " + path + " has schema version " + std::to_string(version) +
                                   ", this rdnsd needs " + std::to_string(kSchemaVersion));
}

}  // namespace rdnsd::zonestore
