#pragma once
// THE write transaction: every change to the store goes through one, and it is the one
// place that knows which tables a change touches.
//
//   change           tables
//   set (new)        ptr, meta, ids; the zone's record count (zones); the total (info)
//   set (replace)    ptr, meta
//   unset            ptr, meta, ids; the zone's record count (zones); the total (info)
//   put_zone         zones
//   remove_zone      ptr, meta, ids of every record in it; zones; the total (info)
//   finish           zones: one serial step per touched zone; info: the record count
//
// A zone touched by a record change is decoded once and kept (with its record count)
// until finish() writes it with its serial step, so each write steps each zone once.
// Any failure throws before commit() and the destructor aborts: nothing is half-written.
// (The IXFR journal belongs here too: write_record / erase_record / step_serials are
// where each change and each new serial are known.)
#include <lmdb.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <string>

#include "zonestore/codec/meta_value.h"
#include "zonestore/env.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore {

class WriteTxn {
 public:
  // A write transaction of its own (waits for LMDB's writer lock). `max_records` is the
  // store's global limit (0: none).
  WriteTxn(MDB_env* env, const Tables& tables, uint64_t max_records);
  // One nested in the write transaction `parent` (group commit): its commit hands its
  // changes to the parent, its abort (the destructor) drops only them.
  WriteTxn(MDB_env* env, const Tables& tables, uint64_t max_records, MDB_txn* parent);
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // ---- records ----
  // Checks the op (address, host name, TTL, description, served zone, quotas) and
  // creates or replaces its record. Throws StoreError; the checks before the zone
  // lookup (bad_address, bad_name, bad_ttl, bad_description) and not_in_zone write
  // nothing. Adds the record to result() unless keep_records is false.
  void set(const SetOp& op, std::time_t now);
  // Removes the record at op.address. Throws bad_address, not_in_zone, not_found.
  void unset(const UnsetOp& op);

  // ---- zones ----
  // Writes a zone header as given (no serial step). Throws bad_name for a bad name.
  void put_zone(const std::string& apex_key, const Zone& zone);
  // Removes the zone at `apex_key` and every record in its prefix; returns how many.
  uint64_t remove_zone(const std::string& apex_key, const Zone& zone);
  // Writes the zones touched so far (their record counts) without a serial step, and
  // forgets them: the seeds of a new zone belong to its first serial.
  void write_zones_unstepped();

  // ---- the end ----
  // One serial step per touched zone (result().serials) and the total record count:
  // everything but the commit.
  void finish(std::time_t now);
  void step_serials(std::time_t now);
  void write_record_count();
  void commit() { txn_.commit(); }

  Txn& txn() noexcept { return txn_; }
  const Tables& tables() const noexcept { return t_; }
  WriteResult& result() noexcept { return result_; }
  bool keep_records = true;  // fill result().records

 private:
  Zone& touched_zone(const names::IpAddress& addr, const std::string& owner_key);
  void check_quota(const Zone& zone) const;
  // The one place a record is written or erased (ptr, meta, and ids for a new one).
  void write_record(const std::string& key, const codec::Meta& meta, std::string_view target_wire,
                    bool is_new);
  void erase_record(const std::string& key, std::string_view id);
  void read_count();

  Txn txn_;
  Tables t_;
  uint64_t max_records_;
  std::map<std::string, Zone> touched_;  // apex key -> zone as it will be written
  uint64_t records_before_ = 0;          // the store's record count when it began
  int64_t record_delta_ = 0;
  WriteResult result_;
};

}  // namespace rdnsd::zonestore
