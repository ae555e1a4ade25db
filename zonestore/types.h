#pragma once
// The store's value types: what its API takes and returns (zones, records, write ops
// and their results), and StoreError. No LMDB here; zonestore/store.h is the API.
//
// Errors: control-plane failures (bad input, quota, not found) throw StoreError with a
// stable machine code; LMDB failures (map full, corruption, I/O) throw StoreError with
// code "internal". "Not found" on a read is std::nullopt.
#include <cstdint>
#include <ctime>
#include <functional>
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
  uint32_t ttl = 3600;     // TTL of the SOA record (and of the NS RRset unless ns_ttl says)
  bool operator==(const SoaSettings&) const = default;
};

// What a zone is made from: the config file or an admin zone-add.
enum class ZoneOrigin : uint8_t { Config = 0, Admin = 1 };

// Default PTR names for the zone's addresses without a record (zonestore/names/synth.h).
struct SynthSettings {
  std::string tmpl;  // "ip-{dashed}.dyn.example.net."
  uint32_t ttl = 300;
  bool in_transfer = false;  // IPv4 zones: the synthesized PTRs in AXFR too
  bool operator==(const SynthSettings&) const = default;
};

// Settings of a zone, as given by the config or zone-add.
struct ZoneSettings {
  names::Prefix prefix;
  std::vector<std::string> ns;  // text, absolute
  SoaSettings soa;
  uint32_t default_ttl = 3600;  // of PTR records set without a TTL
  serial::Policy policy = serial::Policy::Increment;
  uint64_t max_records = 0;                 // 0: no per-zone limit
  fcrdns::Mode fcrdns = fcrdns::Mode::Off;  // forward confirmation of PTR targets on set
  // The IXFR journal keeps at most this many serial steps (0: none, every transfer is
  // full) and at most this many bytes of them, dropping the oldest first.
  uint64_t journal_max_depth = 1000;
  uint64_t journal_max_size = 100ull << 20;
  // The TTL of the apex's NS RRset; nullopt: the SOA's TTL (soa.ttl).
  std::optional<uint32_t> ns_ttl;
  uint32_t ns_ttl_or_soa() const { return ns_ttl.value_or(soa.ttl); }
  std::optional<SynthSettings> synth;  // nullopt: addresses without a record are NXDOMAIN
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

// The DHCID RR (RFC 4701) of an address, kept beside its PTR: the TTL and the RDATA as
// received (wire form; identifier type, digest type, digest). One per address; an
// address has one only while it has a PTR (zonestore/codec/dhcid_value.h).
struct Dhcid {
  uint32_t ttl = 0;
  std::string rdata;
  bool operator==(const Dhcid&) const = default;
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
  // The zone's serial after the write that last changed the record (0: written before
  // the store kept it): the record is live on a secondary once it has this serial.
  uint32_t serial = 0;
  std::optional<Dhcid> dhcid;  // the address's DHCID, if it has one
};

// A record limit over a set of address ranges (an HTTP token's prefixes and quota): a
// set that would create a record inside `ranges` when they already hold `max` is
// refused with quota_exceeded.
struct RangeQuota {
  std::vector<names::Prefix> ranges;
  uint64_t max = 0;
};

// One change in a write: set (create or replace) or unset.
struct SetOp {
  std::string address;         // text, as the client gave it
  std::string target;          // host name, trailing dot optional
  std::optional<int64_t> ttl;  // nullopt: the zone's default
  // nullopt: a new record gets an empty description, a replaced one keeps its own.
  std::optional<std::string> description;
  std::string actor;  // who makes the change (created_by / modified_by)
  // The address's DHCID: set to `dhcid` when given, else removed with `drop_dhcid`, else
  // kept as it is (bad_dhcid for RDATA outside 3..1024 octets or a TTL over kMaxTtl).
  std::optional<Dhcid> dhcid = std::nullopt;
  bool drop_dhcid = false;
  // Conditions checked in the write's own transaction, so that no other write can come
  // between the check and the change (the HTTP API's; the admin protocol sets none):
  // create only: "conflict" when the address already has a record.
  bool create_only = false;
  // replace only the record with this id (UUID text): "not_found" otherwise.
  std::optional<std::string> expect_id = {};
  // The record with `expect_id` at this address moves to `address`: the same id,
  // created time and creator, the old address removed in the same transaction (both
  // zones step). "conflict" when `address` holds another record.
  std::optional<std::string> move_from = {};
  std::optional<RangeQuota> quota = {};  // checked when the set creates a record
};
// Removes the address's record: its PTR and its DHCID.
struct UnsetOp {
  std::string address;
  std::string actor = {};  // who removes it (passed for a future journal; not stored)
  std::optional<std::string> expect_id = {};  // remove only the record with this id (not_found)
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
// A page of records in address order (the HTTP API's collection): the records inside
// any of `ranges` (none: every record) whose target contains `name_contains`, starting
// after the address `after` (or, with `before`, the last `limit` ones before it), else
// after skipping `skip` of them. Pages walked by their `after` / `before` bounds never
// show a record twice or skip one that stayed, whatever is written meanwhile.
struct RecordPageQuery {
  std::vector<names::Prefix> ranges;
  std::optional<std::string> name_contains;
  std::optional<names::IpAddress> after, before;
  uint64_t skip = 0;
  uint64_t limit = limits::kDefaultListLimit;
};
struct RecordPage {
  std::vector<Record> records;  // in address order
  bool more_before = false;     // a matching record comes before the first one
  bool more_after = false;      // a matching record comes after the last one
};

// An HTTP API token (the `tokens` table). Only the SHA-256 of its secret is kept.
struct Token {
  std::string name;
  std::string hash;                     // 32 bytes: SHA-256 of the secret
  uint8_t scopes = 0;                   // bits: 1 read, 2 write, 4 admin, 8 metrics
  std::vector<names::Prefix> prefixes;  // what it may touch; admin: everything
  uint64_t quota = 0;                   // records inside its prefixes; 0: no limit
  std::time_t expires = 0;              // 0: never
  std::time_t created = 0;
  std::string created_by;
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

// One RR of a zone's IXFR journal (zonestore/journal.h).
struct JournalRr {
  std::string key;    // record key (zonestore/codec/keys.h): family + address bytes
  uint16_t type = 0;  // 12 PTR
  uint32_t ttl = 0;
  std::string rdata;  // wire form (a PTR's: its target name)
  bool operator==(const JournalRr&) const = default;
};
// The changes of a zone from one serial to another (RFC 1995), condensed: per RR (key,
// type), `removed` holds its state at from_serial and `added` its state at to_serial,
// and neither holds an RR that is the same in both. Each list is sorted by (key, type).
struct JournalDiff {
  uint32_t from_serial = 0, to_serial = 0;
  std::vector<JournalRr> removed, added;
};
// What a zone's journal holds: `entries` serial steps, from first_serial to last_serial
// (both 0 when empty), `bytes` the size of their stored values.
struct JournalStats {
  uint64_t entries = 0, bytes = 0;
  uint32_t first_serial = 0, last_serial = 0;
  bool operator==(const JournalStats&) const = default;
};

struct ReconcileReport {
  std::vector<std::string> created, updated, unchanged, unserved;
};

struct StoreOptions {
  std::string path;                 // a directory (created if missing)
  uint64_t map_size = 64ull << 30;  // virtual address space reserved for the map at open
  // The map grows (doubling) up to this when it is full (Store, zonestore/growth.cpp);
  // 0 or less than map_size: map_size, no growth.
  uint64_t map_size_max = 0;
  uint64_t max_records = 0;  // global limit, 0: none
  unsigned max_readers = 256;
};

}  // namespace rdnsd::zonestore
