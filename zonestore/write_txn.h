#pragma once
// THE write transaction: every change to the store goes through one, and it is the one
// place that knows which tables a change touches.
//
//   change           tables
//   set (new)        ptr, meta, ids, dhcid; the zone's record count (zones); the total (info)
//   set (replace)    ptr, meta, dhcid
//   unset            ptr, meta, ids, dhcid; the zone's record count (zones); the total (info)
//   put_zone         zones
//   add_zone         zones; journal (any old entries of the apex go)
//   step_zone        zones: one serial step; journal: an entry without records, or
//                    cleared when the SOA or NS set changed
//   remove_zone      ptr, meta, ids, dhcid of every record in it; zones; journal; the total (info)
//   finish           zones: one serial step per touched zone; journal: one entry per
//                    step (in a group, kept for write_journal); info: the record count
//   write_journal    journal: the entries of a group's steps
//   commit           info: the catalog serial, one step, when the set of served zones
//                    changed (a zone added, removed, served again or no longer served)
//
// A zone touched by a record change is decoded once and kept (with its record count, the
// serial it steps to and the changes made in it) until finish() writes it with its serial
// step and its journal entry (zonestore/codec/journal_value.h), so each write steps each
// zone once and journals that step in the same transaction: a crash never keeps a change
// without its entry. Any failure throws before commit() and the destructor aborts:
// nothing is half-written.
#include <lmdb.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "zonestore/codec/journal_value.h"
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
  // The zone a record change touches first steps to serial::next(serial, policy, `now`)
  // of that change (the record's meta keeps that serial).
  //
  // Checks the op (address, host name, TTL, description, served zone, quotas) and
  // creates or replaces its record. Throws StoreError; the checks before the zone
  // lookup (bad_address, bad_name, bad_ttl, bad_description) and not_in_zone write
  // nothing. Adds the record to result() unless keep_records is false.
  void set(const SetOp& op, std::time_t now);
  // Removes the record at op.address. Throws bad_address, not_in_zone, not_found.
  void unset(const UnsetOp& op, std::time_t now);

  // ---- zones ----
  // Writes `after`, the stored zone `before` with other settings or flags, as given: no
  // serial step, the journal kept (e.g. served or not). When it serves the zone and
  // `before` did not, or the other way round, the catalog serial steps at commit().
  // Throws bad_name for a bad name.
  void put_zone(const std::string& apex_key, const Zone& before, const Zone& after);
  // Writes a new zone with an empty journal. Records set in it by this transaction (the
  // seeds of a config zone) belong to its first serial: finish() writes it with its
  // record count but no serial step and no journal entry. A served one steps the catalog
  // serial at commit().
  void add_zone(const std::string& apex_key, const Zone& zone);
  // Writes `after`, the stored zone `before` with new settings, one serial step on
  // (after.serial is set; the policy is after's). The journal holds no apex records, so
  // when the SOA fields or the NS set changed it is cleared (a transfer from before is a
  // full one); otherwise the step is journaled as an entry without records.
  void step_zone(const std::string& apex_key, const Zone& before, Zone& after, std::time_t now);
  // Removes the zone at `apex_key`, every record in its prefix and its journal; returns
  // how many records. A served one steps the catalog serial at commit().
  uint64_t remove_zone(const std::string& apex_key, const Zone& zone);

  // ---- group commit ----
  // A zone's journal limits (ZoneSettings::journal_max_depth, journal_max_size).
  struct JournalLimits {
    uint64_t depth, size;
  };
  // One serial step's journal entry, kept for the group (defer_journal).
  struct PendingEntry {
    std::string apex_key;
    JournalLimits limits;
    std::string value;
  };
  // For a transaction nested in a group: finish() keeps its journal entries instead of
  // writing them; take them after its commit (an op rolled back never hands its entry
  // on) and give them, in order, to write_journal of the group before the group commits.
  void defer_journal() noexcept { defer_journal_ = true; }
  std::vector<PendingEntry> take_journal() noexcept { return std::move(deferred_); }
  // Appends the entries of the group's steps, in order, and prunes each zone's journal.
  void write_journal(const std::vector<PendingEntry>& entries);

  // ---- the end ----
  // One serial step and journal entry per touched zone (result().serials) and the total
  // record count: everything but the commit.
  void finish();
  void step_serials();
  void write_record_count();
  // Steps the catalog serial (once, whatever the number of zones) if this transaction
  // changed the set of served zones, then commits.
  void commit();

  Txn& txn() noexcept { return txn_; }
  const Tables& tables() const noexcept { return t_; }
  WriteResult& result() noexcept { return result_; }
  bool keep_records = true;  // fill result().records

 private:
  struct Touched {
    Zone zone;             // as it will be written
    uint32_t next_serial;  // the serial finish() steps it to (its own for a new zone)
    bool step;             // false: a zone added by this transaction
    codec::JournalStepBuilder changes;
  };
  Touched& touched_zone(const names::IpAddress& addr, const std::string& owner_key,
                        std::time_t now);
  void check_quota(const Zone& zone) const;
  // SetOp's conditions (create_only, expect_id, move_from, quota).
  void check_conditions(const SetOp& op, const names::IpAddress& addr, const codec::Meta* old,
                        bool moving) const;
  codec::Meta take_moved(const SetOp& op, const names::IpAddress& from, std::time_t now);
  void check_range_quota(const SetOp& op) const;
  // The one place a record is written or erased (ptr, meta, and ids for a new one), and
  // its change noted for the zone's journal entry.
  void write_record(Touched& zone, const std::string& key, const codec::Meta& meta,
                    std::string_view target_wire, bool is_new);
  void erase_record(Touched& zone, const std::string& key, std::string_view id);
  // The one place a DHCID is written (`d`) or erased (nullptr), noted for the journal.
  void write_dhcid(Touched& zone, const std::string& key, const Dhcid* d);
  static void check_dhcid(const Dhcid& d);  // bad_dhcid
  void read_count();
  void write_zone(const std::string& apex_key, const Zone& zone);
  void step_catalog_serial();

  // ---- the journal (zonestore/codec/journal_value.h) ----
  // Appends the entry of one serial step and prunes the oldest entries to the limits.
  void append_journal(const std::string& apex_key, const ZoneSettings& settings,
                      const codec::JournalStepBuilder::Entry& entry);
  char* append_entry(const std::string& apex_key, codec::JournalHead& head,
                     const JournalLimits& limits, size_t size);
  void prune_journal(const std::string& apex_key, codec::JournalHead& head,
                     const JournalLimits& limits);
  codec::JournalHead read_journal_head(const std::string& apex_key);
  void put_journal_head(const std::string& apex_key, const codec::JournalHead& head);
  // Deletes the zone's entries (and its head too with `head`).
  void delete_journal(const std::string& apex_key, bool head);
  // Deletes the zone's entries, keeping its next sequence number.
  void clear_journal(const std::string& apex_key);

  Txn txn_;
  Tables t_;
  uint64_t max_records_;
  std::map<std::string, Touched> touched_;  // apex key -> zone as it will be written
  uint64_t records_before_ = 0;             // the store's record count when it began
  int64_t record_delta_ = 0;
  WriteResult result_;
  bool defer_journal_ = false;
  bool zone_set_changed_ = false;  // the catalog serial steps at commit()
  std::vector<PendingEntry> deferred_;
};

}  // namespace rdnsd::zonestore
