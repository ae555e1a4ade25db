#pragma once
// The LMDB store: zones, reverse records and their metadata in one environment.
//
// One Store per process. Reads may happen on any thread (each opens its own read
// transaction); all writes go through the Store's write methods, which each run ONE
// write transaction (zonestore/write_txn.h): a record, its metadata, its id index entry,
// the zone's SOA serial and the zone's IXFR journal entry commit together or not at all. Commits
// are durable (no MDB_NOSYNC).
//
// The Store is a facade; each job is one file of zonestore/: env.cpp (the environment),
// schema.cpp (version, migration), zones.cpp (zone headers), records.cpp (record reads),
// write_txn.cpp (the write transaction, the IXFR journal's writes included), batch.cpp
// (set/unset/apply/apply_each), export.cpp (ZoneReader), journal.cpp (the journal's
// reads). The stored values' layouts and codecs are in zonestore/codec/.
//
// Errors: control-plane failures (bad input, quota, not found) throw StoreError with a
// stable machine code; LMDB failures (corruption, I/O) throw StoreError with code
// "internal". "Not found" on a read is std::nullopt.
//
// A full map (zonestore/growth.cpp): a write that finds the map full is rolled back,
// the map grows (doubling, up to StoreOptions::map_size_max; every read transaction of
// the process is kept out while it is remapped, zonestore/reader_gate.h) and the write
// runs again. At the limit the write fails with StoreError("store_full") and nothing
// changes. A write that only removes (unset, a batch of unsets, zone-remove) may still
// use a reserve beyond the limit (1/64 of it, 1 MiB..1 GiB), since LMDB needs free pages
// to delete (copy-on-write): records can always be removed to make room. The next write
// that adds maps the store back to the limit, so only the pages those removals freed are
// reused.
#include <lmdb.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonestore/codec/keys.h"
#include "zonestore/env.h"
#include "zonestore/schema.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore {

class Store {
 public:
  // Opens (creating if needed) the environment at options.path and checks the schema
  // version. Throws StoreError("internal", ...) with the path and LMDB's reason.
  static std::unique_ptr<Store> open(const StoreOptions& options);
  ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- zones ----
  // Makes the zones of the config served: creates missing ones (with `seed` records,
  // applied only at creation), updates changed settings with one serial step, and marks
  // config zones that are no longer listed as not served (their records stay).
  // A config zone overlapping another stored zone throws StoreError("conflict").
  struct Seed {
    std::string address, target;
  };
  ReconcileReport reconcile(const std::vector<ZoneSettings>& zones,
                            const std::vector<std::vector<Seed>>& seeds, std::time_t now);
  // Adds one served zone (origin Admin). Throws "conflict" if it overlaps a stored zone.
  Zone add_zone(const ZoneSettings& settings, std::time_t now);
  // Adds several served zones (origin Admin, e.g. the covering set of one prefix) in ONE
  // write transaction: all of them or none. Throws "conflict" if one overlaps a stored
  // zone or another one of the list. Returns the zones in the order given.
  std::vector<Zone> add_zones(const std::vector<ZoneSettings>& settings, std::time_t now);
  // Removes a zone; with records in it only if `force` (then they go too).
  // Throws "not_found", or "conflict" (records present, no force).
  uint64_t remove_zone(std::string_view zone, bool force);
  std::vector<Zone> zones() const;  // every stored zone, served or not
  // Finds a zone by apex ("2.0.192.in-addr.arpa", dot optional) or prefix text.
  std::optional<Zone> zone(std::string_view apex_or_prefix) const;
  // The stored zone (served or not) holding `address`; nullopt if none. Throws
  // bad_address if the text is not an IP address.
  std::optional<Zone> zone_for_address(std::string_view address) const;

  // ---- records ----
  WriteResult set(const SetOp& op, std::time_t now);
  WriteResult unset(const UnsetOp& op, std::time_t now);
  // All ops in one transaction: all or nothing, one serial step per touched zone.
  // Throws BatchError with the index of the first failing op. With `skip`, an op that
  // fails its checks may be left out instead (see SkipOp); `skipped` counts them. With
  // `dry_run`, everything is checked and counted and then nothing is written (no
  // serial step; `serials` holds the serials the write would have made). Without
  // `keep_records`, `records` stays empty: for callers that answer with counts only (a
  // batch of 100,000 sets would otherwise build and drop 100,000 Records).
  WriteResult apply(const std::vector<Op>& ops, std::time_t now, const SkipOp& skip = {},
                    bool dry_run = false, bool keep_records = true);
  // Group commit: each op as if it were a set() or unset() of its own, in order, but
  // all in ONE write transaction with ONE durable commit. Each op runs in its own nested
  // transaction: it steps its zone's serial once, updates the record counts, and sees
  // the ops before it (quotas included). An op that fails is rolled back alone and its
  // item holds the StoreError it would have thrown; the others are kept. Returns one
  // item per op, in order, after the commit. If the transaction cannot begin or commit,
  // nothing is written and every item is that StoreError ("internal"). Does not throw
  // StoreError; other exceptions (std::bad_alloc) leave nothing written.
  std::vector<GroupItem> apply_each(const std::vector<Op>& ops, std::time_t now);
  std::optional<Record> get(std::string_view address) const;  // throws bad_address
  std::optional<Record> get_by_id(std::string_view id) const;
  ListResult list(const ListFilter& filter) const;
  // A page of records (zonestore/pages.cpp). Throws bad_request for a limit outside
  // 1..kMaxListLimit.
  RecordPage page(const RecordPageQuery& query) const;
  // The records inside any of `prefixes` (none: all of them).
  uint64_t count_in(const std::vector<names::Prefix>& prefixes) const;

  // ---- HTTP API tokens (zonestore/tokens.cpp), keyed by name ----
  // Throws "conflict" if a token of that name exists.
  void add_token(const Token& token);
  // Throws "not_found" if there is none.
  void remove_token(std::string_view name);
  std::optional<Token> token(std::string_view name) const;
  std::vector<Token> tokens() const;  // by name
  // A snapshot of one zone (apex or prefix text) to read whole; nullptr if there is no
  // such zone. Throws bad_request for a prefix that names no zone.
  std::unique_ptr<ZoneReader> read_zone(std::string_view apex_or_prefix) const;
  uint64_t record_count() const;
  uint64_t max_records() const { return options_.max_records; }
  // What the IXFR journal of a zone (apex or prefix text) holds; nullopt if there is no
  // such zone. Throws bad_request / bad_name for a bad name.
  std::optional<JournalStats> journal_stats(std::string_view apex_or_prefix) const;

  // The catalog zone's serial (RFC 9432): it steps by one in every write transaction
  // that changes the set of served zones (zone add and remove, a reconcile that creates,
  // unserves or serves again), and only then; kept in `info`, so it survives restarts.
  uint32_t catalog_serial() const;

  // ---- for the answer path and the transfer server (zonestore/journal.h) ----
  MDB_env* env() const { return env_.get(); }
  MDB_dbi zones_dbi() const { return tables_.zones; }
  MDB_dbi ptr_dbi() const { return tables_.ptr; }
  MDB_dbi meta_dbi() const { return tables_.meta; }
  MDB_dbi journal_dbi() const { return tables_.journal; }
  MDB_dbi dhcid_dbi() const { return tables_.dhcid; }  // codec/dhcid_value.h
  MDB_dbi info_dbi() const { return tables_.info; }  // the catalog serial: codec/info_value.h
  // Writes a compacted copy of the store (LMDB's MDB_CP_COMPACT: one snapshot, free
  // pages left out) to the file `path` (absolute; it must not exist), made durable and
  // put in place by a rename, so `path` is whole or absent; returns its size in bytes.
  // Writes go on meanwhile (the copy is a read transaction). To restore, stop rdnsd and
  // copy the file over data.mdb in store.path. Thread-safe; may take long on a large
  // store. Throws StoreError: bad_request (relative path), conflict (path exists),
  // internal (I/O, with the reason).
  uint64_t backup(const std::string& path) const;

  // The schema version this open migrated the store from (0: none was needed).
  uint32_t migrated_from() const { return migrated_from_; }
  // The map's size now, and the most it may grow to (map growth above).
  uint64_t map_size() const { return env_.map_size(); }
  uint64_t map_size_max() const { return max_map_; }

 private:
  explicit Store(const StoreOptions& options) : options_(options) {}

  // Runs `write` (one whole write transaction), growing the map and running it again
  // when it finds the map full; `removal`: the write only removes (may use the reserve).
  void with_room(bool removal, const std::function<void()>& write);
  void grow(bool removal);  // throws StoreError("store_full") when it cannot
  void leave_reserve();
  void grow_early();
  void explain_disk_full(const StoreError& e) const;  // throws the clearer error, if so
  void add_zones_once(const std::vector<ZoneSettings>& settings, std::time_t now,
                      std::vector<Zone>& added);
  WriteResult apply_once(const std::vector<Op>& ops, std::time_t now, const SkipOp& skip,
                         bool dry_run, bool keep_records);
  std::vector<GroupItem> apply_each_once(const std::vector<Op>& ops, std::time_t now,
                                         const StoreError* refuse_sets);

  StoreOptions options_;
  uint64_t max_map_ = 0, reserve_ = 0;
  bool in_reserve_ = false;  // mapped beyond max_map_ for removals
  Env env_;
  Tables tables_;
  uint32_t migrated_from_ = 0;
};

// The stored zone whose apex key is a prefix of `key` (zones never nest, so it is the
// greatest zone key <= `key`). On success `apex_key` and `value` (a `zones` value,
// zonestore/codec/zone_value.h) point into the map. Does not allocate; returns false if
// there is none or on an LMDB error.
bool find_zone_for_key(MDB_cursor* zones_cursor, std::string_view key, std::string_view& apex_key,
                       std::string_view& value) noexcept;

}  // namespace rdnsd::zonestore
