#pragma once
// The LMDB store: zones, reverse records and their metadata in one environment.
//
// One Store per process. Reads may happen on any thread (each opens its own read
// transaction); all writes go through the Store's write methods, which each run ONE
// write transaction: a record, its metadata, its id index entry and the zone's SOA serial
// commit together or not at all. Commits are durable (no MDB_NOSYNC).
//
// Errors: control-plane failures (bad input, quota, not found) throw StoreError with a
// stable machine code; LMDB failures (map full, corruption, I/O) throw StoreError with
// code "internal". "Not found" on a read is std::nullopt.
#include <lmdb.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zonestore/names/fcrdns_mode.h"
#include "zonestore/names/limits.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"

namespace rdnsd::zonestore {

constexpr uint32_t kSchemaVersion = 2;
using limits::kMaxDescription;
using limits::kMaxTtl;

class StoreError : public std::runtime_error {
 public:
  StoreError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct SoaSettings {
  std::string mname;  // text, absolute
  std::string rname;  // text, absolute (hostmaster.example.net.)
  uint32_t refresh = 3600;
  uint32_t retry = 600;
  uint32_t expire = 1209600;
  uint32_t minimum = 300;  // negative-caching TTL bound (RFC 2308)
  uint32_t ttl = 3600;     // TTL of the SOA and NS records
  bool operator==(const SoaSettings&) const = default;
};

// What a zone is made from: the config file or an admin zone-add.
enum class ZoneOrigin : uint8_t { Config = 0, Admin = 1 };

// Settings of a zone, as given by the config or zone-add.
struct ZoneSettings {
  names::Prefix prefix;
  std::vector<std::string> ns;  // text, absolute
  SoaSettings soa;
  uint32_t default_ttl = 3600;  // of PTR records set without a TTL
  serial::Policy policy = serial::Policy::Increment;
  uint64_t max_records = 0;                 // 0: no per-zone limit
  fcrdns::Mode fcrdns = fcrdns::Mode::Off;  // forward confirmation of PTR targets on set
  bool operator==(const ZoneSettings&) const = default;
};

struct Zone {
  std::string apex;  // text, absolute, lower case
  ZoneSettings settings;
  uint32_t serial = 0;
  bool served = true;
  ZoneOrigin origin = ZoneOrigin::Config;
  uint64_t record_count = 0;
};

struct Record {
  names::IpAddress address;
  std::string owner;   // text, absolute
  std::string target;  // text, absolute
  uint32_t ttl = 0;
  std::string description;
  std::string id;  // UUID text (RFC 9562 version 7)
  std::time_t created = 0;
  std::time_t modified = 0;
  std::string created_by;
  std::string modified_by;
  std::string zone;  // apex of the zone that holds it
};

// One change in a write: set (create or replace) or unset.
struct SetOp {
  std::string address;         // text, as the client gave it
  std::string target;          // host name, trailing dot optional
  std::optional<int64_t> ttl;  // nullopt: the zone's default
  // nullopt: a new record gets an empty description, a replaced one keeps its own.
  std::optional<std::string> description;
  std::string actor;  // who makes the change (created_by / modified_by)
};
struct UnsetOp {
  std::string address;
  std::string actor = {};  // who removes it (passed for a future journal; not stored)
};
struct Op {
  enum class Kind { Set, Unset } kind = Kind::Set;
  SetOp set;
  UnsetOp unset;
};

// Result of a write: the record after a set (absent after an unset), whether it
// replaced an existing one, and the new serial of every zone the write touched.
struct ZoneSerial {
  std::string zone;
  uint32_t serial;
};
struct WriteResult {
  std::vector<Record> records;  // one per set, in order (none from apply without keep_records)
  std::vector<ZoneSerial> serials;
  size_t created = 0, replaced = 0, removed = 0, skipped = 0;
};

// Decides, for an op of apply() that failed its checks, whether the write skips that op
// (true) or fails as a whole (false). It is only asked about failures that happen before
// the op has written anything: bad_address, bad_name, bad_ttl, bad_description and
// not_in_zone; any other failure always fails the write.
using SkipOp = std::function<bool(size_t index, const StoreError& error)>;

// Thrown by apply() when one op of a batch fails: nothing was written.
class BatchError : public StoreError {
 public:
  BatchError(size_t index, const StoreError& cause)
      : StoreError(cause.code(), cause.what()), index_(index) {}
  size_t index() const { return index_; }

 private:
  size_t index_;
};

// The outcome of one op of apply_each(): what the op alone would have returned
// (WriteResult) or thrown (StoreError, with its code and message).
using GroupItem = std::variant<WriteResult, StoreError>;

struct ListFilter {
  std::optional<std::string> zone;           // apex (text) or prefix of a zone
  std::optional<names::Prefix> prefix;       // addresses inside this prefix
  std::optional<std::string> name_contains;  // substring of the target, case-insensitive
  uint64_t offset = 0;
  uint64_t limit = limits::kDefaultListLimit;
};
struct ListResult {
  std::vector<Record> records;  // sorted by address (IPv4 first, numeric order)
  uint64_t total = 0;           // records matching the filter
  std::optional<uint64_t> next_offset;
};

// One zone read whole (export): the zone, then its records in address order, all from
// ONE read transaction (a consistent snapshot: the records belong to the serial shown),
// fetched one at a time so that a large zone never sits in memory. Holds an LMDB reader
// slot until destroyed; use it from one thread at a time (the environment is MDB_NOTLS,
// so that thread may also write meanwhile). Must not outlive its Store.
class ZoneReader {
 public:
  virtual ~ZoneReader() = default;
  virtual const Zone& zone() const = 0;
  // The next record in address order; false after the last. Throws StoreError
  // ("internal") on an LMDB failure.
  virtual bool next(Record& out) = 0;
};

struct ReconcileReport {
  std::vector<std::string> created, updated, unchanged, unserved;
};

struct StoreOptions {
  std::string path;                 // a directory (created if missing)
  uint64_t map_size = 64ull << 30;  // virtual address space reserved for the map
  uint64_t max_records = 0;         // global limit, 0: none
  unsigned max_readers = 256;
};

class Store {
 public:
  // Opens (creating if needed) the environment at options.path and checks the schema
  // version. Throws StoreError("internal", ...) with the path and LMDB's reason.
  static std::unique_ptr<Store> open(const StoreOptions& options);
  ~Store();
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
  // A snapshot of one zone (apex or prefix text) to read whole; nullptr if there is no
  // such zone. Throws bad_request for a prefix that names no zone.
  std::unique_ptr<ZoneReader> read_zone(std::string_view apex_or_prefix) const;
  uint64_t record_count() const;
  uint64_t max_records() const { return options_.max_records; }

  // ---- for the answer path ----
  MDB_env* env() const { return env_; }
  MDB_dbi zones_dbi() const { return zones_; }
  MDB_dbi rr_dbi() const { return rr_; }  // the `ptr` database
  // The schema version this open migrated the store from (0: none was needed).
  uint32_t migrated_from() const { return migrated_from_; }

 private:
  explicit Store(const StoreOptions& options);
  class Txn;
  struct Batch;
  void apply_set(Batch& b, const SetOp& op, std::time_t now) const;
  void apply_unset(Batch& b, const UnsetOp& op) const;
  void finish(Batch& b, std::time_t now, bool dry_run = false) const;

  StoreOptions options_;
  MDB_env* env_ = nullptr;
  MDB_dbi zones_ = 0, rr_ = 0, meta_ = 0, ids_ = 0, info_ = 0;
  uint32_t migrated_from_ = 0;
};

// ---- on-disk codecs, shared with the answer path ----
//
// zones: key = apex key (names.h), value (all integers big-endian):
//   off size field
//   0   4    serial
//   4   4    SOA TTL (also the NS TTL)
//   8   4    refresh
//   12  4    retry
//   16  4    expire
//   20  4    minimum
//   24  4    default PTR TTL
//   28  1    flags: bit 0 served, bit 1 origin admin, bits 2-3 FCrDNS mode
//            (fcrdns::Mode: 0 off, 1 warn, 2 require), bits 4-7 zero
//   29  1    serial policy
//   30  1    prefix family (4 or 6)
//   31  1    prefix length
//   32  16   prefix address
//   48  8    max records (0: none)
//   56  8    record count
//   64  1    mname wire length M, then M bytes of wire name
//   ..  1    rname wire length R, then R bytes
//   ..  1    NS count N, then N x (1 length L, L bytes of wire name)
// ptr: key = family (1) + address (4 or 16), the same key as meta (names::AddressKey);
//   value: 0 4 TTL | 4 .. PTR target in wire form (case as given). What the answer path
//   reads. (Schema 1 called it `rr` and keyed it by owner key; open() migrates it.)
// meta: key = family (1) + address (4 or 16), so IPv4 sorts before IPv6 and both in
//   numeric order; value: 0 16 id (UUID bytes) | 16 8 created | 24 8 modified |
//   32 4 TTL | 36 .. four strings, each a 2-byte length and its bytes: target (text),
//   description, created_by, modified_by
// ids: key = 16 bytes of UUID, value = meta key
// info: "schema" -> 4 bytes version; "records" -> 8 bytes total record count
struct ZoneWire {
  uint32_t serial, soa_ttl, refresh, retry, expire, minimum, default_ttl;
  uint8_t flags;
  std::string_view mname, rname;  // wire names, pointing into the value
  std::string_view ns_block;      // N x (len, wire) after the NS count byte
  uint8_t ns_count;
};
constexpr size_t kZoneFixed = 64;
// Decodes a zone value without allocating; false if it is malformed.
bool decode_zone_wire(std::string_view value, ZoneWire& out) noexcept;

// The order of `ptr` and `meta` keys (family + 4 or 16 address bytes): exactly LMDB's
// default order (memcmp over the shorter key, then the shorter one first), so mdb_dump,
// mdb_load and mdb_stat read the store as it is, but with whole-word compares instead of
// a memcmp call for 17-byte keys (the answer path makes ~18 compares per lookup).
int compare_address_keys(const MDB_val* a, const MDB_val* b);

// The stored zone whose apex key is a prefix of `key` (zones never nest, so it is the
// greatest zone key <= `key`). On success `apex_key` and `value` point into the map.
// Does not allocate; returns false if there is none or on an LMDB error.
bool find_zone_for_key(MDB_cursor* zones_cursor, std::string_view key, std::string_view& apex_key,
                       std::string_view& value) noexcept;

}  // namespace rdnsd::zonestore
