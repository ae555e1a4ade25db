#include "zonestore/write_txn.h"

#include <algorithm>
#include <cstring>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/dhcid_value.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/codec/journal_value.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/records.h"
#include "zonestore/store.h"
#include "zonestore/uuid.h"
#include "zonestore/validate.h"

namespace rdnsd::zonestore {

using codec::val;
using codec::view;
using Rr = codec::JournalStepBuilder::Rr;

namespace {

std::string not_in_zone_message(const names::IpAddress& addr) {
  return names::format_ip(addr) + " is not in any zone this server serves";
}

}  // namespace

WriteTxn::WriteTxn(MDB_env* env, const Tables& tables, uint64_t max_records)
    : txn_(env, true), t_(tables), max_records_(max_records) {
  read_count();
}

WriteTxn::WriteTxn(MDB_env* env, const Tables& tables, uint64_t max_records, MDB_txn* parent)
    : txn_(env, parent), t_(tables), max_records_(max_records) {
  read_count();
}

void WriteTxn::read_count() {
  if (auto v = txn_.find(t_.info, codec::kInfoRecords))
    records_before_ = codec::decode_record_count(*v).value_or(0);
}

// The served zone of `addr`, decoded once per transaction, and the serial it steps to:
// known from its first change on, so that each record's meta can keep it.
WriteTxn::Touched& WriteTxn::touched_zone(const names::IpAddress& addr, const std::string& okey,
                                          std::time_t now) {
  Cursor cur(txn_.get(), t_.zones);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.get(), okey, apex_key, value))
    throw StoreError("not_in_zone", not_in_zone_message(addr));
  auto it = touched_.find(std::string(apex_key));
  if (it != touched_.end()) return it->second;
  Zone z = codec::decode_zone(apex_key, value);
  if (!z.served) throw StoreError("not_in_zone", not_in_zone_message(addr));
  const uint32_t next = serial::next(z.serial, z.settings.policy, now);
  return touched_.emplace(std::string(apex_key), Touched{std::move(z), next, true, {}})
      .first->second;
}

// Refuses a new record in `z` beyond its limit or the store's.
void WriteTxn::check_quota(const Zone& z) const {
  if (z.settings.max_records > 0 && z.record_count >= z.settings.max_records)
    throw StoreError("quota_exceeded", "zone " + z.apex + " is at its limit of " +
                                           std::to_string(z.settings.max_records) + " records");
  if (max_records_ > 0 && int64_t(records_before_) + record_delta_ >= int64_t(max_records_))
    throw StoreError("quota_exceeded",
                     "the server is at its limit of " + std::to_string(max_records_) + " records");
}

namespace {

// The raw id an op expects (an id that is no UUID matches no record).
std::string expected_raw(const std::string& id) {
  return codec::uuid_raw(id).value_or(std::string());
}

std::string conflict_message(const names::IpAddress& addr, const codec::Meta& m) {
  return names::format_ip(addr) + " already has a record (id " + codec::uuid_text(m.id) + ")";
}

}  // namespace

// The conditions of a set on the record now at its address (`old`, null: none). A move
// is checked by take_moved.
void WriteTxn::check_conditions(const SetOp& op, const names::IpAddress& addr,
                                const codec::Meta* old, bool moving) const {
  if (old && (op.create_only || moving)) throw StoreError("conflict", conflict_message(addr, *old));
  if (!op.expect_id || moving) return;
  if (!old || old->id != expected_raw(*op.expect_id))
    throw StoreError("not_found", "no record with id " + *op.expect_id);
}

// The record a set moves (SetOp::move_from), erased from its old address; its meta keeps
// id, created time and creator for the new one.
codec::Meta WriteTxn::take_moved(const SetOp& op, const names::IpAddress& from, std::time_t now) {
  std::string okey = codec::owner_key(from), mkey = codec::meta_key(from);
  auto old = txn_.find(t_.meta, mkey);
  codec::Meta m;
  if (old) m = codec::decode_meta(*old);
  if (!old || m.id != expected_raw(op.expect_id.value_or("")))
    throw StoreError("not_found", "no record with id " + op.expect_id.value_or("") + " at " +
                                      names::format_ip(from));
  Touched& t = touched_zone(from, okey, now);
  erase_record(t, mkey, m.id);
  write_dhcid(t, mkey, nullptr);  // a DHCID belongs to its address, not to the record
  --t.zone.record_count;
  --record_delta_;
  return m;
}

void WriteTxn::check_range_quota(const SetOp& op) const {
  if (!op.quota || op.quota->max == 0) return;
  if (count_in_ranges(txn_.get(), t_.meta, op.quota->ranges, op.quota->max) >= op.quota->max)
    throw StoreError("quota_exceeded", "the token's prefixes are at their limit of " +
                                           std::to_string(op.quota->max) + " records");
}

void WriteTxn::set(const SetOp& op, std::time_t now) {
  names::IpAddress addr = parse_address(op.address);
  std::string target = checked_target(op.target);
  check_description(op.description);
  if (op.ttl) checked_ttl(op.ttl, 0);
  if (op.dhcid) check_dhcid(*op.dhcid);
  std::optional<names::IpAddress> from;
  if (op.move_from) {
    from = parse_address(*op.move_from);
    if (*from == addr) from.reset();  // the same address: a replace
  }
  std::string okey = codec::owner_key(addr), mkey = codec::meta_key(addr);
  Touched& t = touched_zone(addr, okey, now);
  Zone& z = t.zone;
  uint32_t ttl = checked_ttl(op.ttl, z.settings.default_ttl);

  codec::Meta m;
  auto old = txn_.find(t_.meta, mkey);
  if (old) m = codec::decode_meta(*old);
  check_conditions(op, addr, old ? &m : nullptr, from.has_value());
  const bool is_new = !old;
  if (is_new) {
    if (from) {
      m = take_moved(op, *from, now);  // std::map: `t` stays valid
    } else {
      m.id = codec::new_uuid();
      m.created = now;
      m.created_by = op.actor;
    }
    check_quota(z);
    check_range_quota(op);
    ++z.record_count;
    ++record_delta_;
  }
  m.modified = now;
  m.modified_by = op.actor;
  m.ttl = ttl;
  m.target = target;
  if (op.description) m.description = *op.description;  // else: empty, or the old one kept
  m.serial = t.next_serial;
  write_record(t, mkey, m, *names::text_to_wire(target), is_new);
  if (op.dhcid)
    write_dhcid(t, mkey, &*op.dhcid);
  else if (op.drop_dhcid)
    write_dhcid(t, mkey, nullptr);
  if (keep_records) {
    result_.records.push_back(make_record(addr, m, z.apex));
    result_.records.back().dhcid = read_dhcid(txn_, t_, mkey);
  }
  ++(old || from ? result_.replaced : result_.created);
}

void WriteTxn::unset(const UnsetOp& op, std::time_t now) {
  names::IpAddress addr = parse_address(op.address);
  std::string okey = codec::owner_key(addr), mkey = codec::meta_key(addr);
  Touched& t = touched_zone(addr, okey, now);
  auto old = txn_.find(t_.meta, mkey);
  if (!old) throw StoreError("not_found", "no record for " + names::format_ip(addr));
  const std::string id = codec::decode_meta(*old).id;
  if (op.expect_id && id != expected_raw(*op.expect_id))
    throw StoreError("not_found", "no record with id " + *op.expect_id);
  erase_record(t, mkey, id);
  write_dhcid(t, mkey, nullptr);  // a DHCID goes with its PTR
  --t.zone.record_count;
  --record_delta_;
  ++result_.removed;
}

namespace {

WriteTxn::JournalLimits limits_of(const ZoneSettings& s) {
  return {s.journal_max_depth, s.journal_max_size};
}

// Whether the record changes of a touched zone are noted for its journal: not in a zone
// that keeps none, nor in a zone added by this transaction (its seeds are its first
// serial's content, not a step).
bool journaled(bool step, const Zone& z) {
  return step && z.settings.journal_max_depth > 0;
}

// The PTR at `key` as it is before the change (copied by the journal before the write).
std::optional<Rr> ptr_before(const Txn& txn, MDB_dbi ptr, const std::string& key) {
  auto v = txn.find(ptr, key);
  codec::PtrValue p;
  if (!v || !codec::decode_ptr_value(*v, p)) return std::nullopt;
  return Rr{p.ttl, p.target};
}

// The DHCID at `key` as it is before the change.
std::optional<Rr> dhcid_before(const Txn& txn, MDB_dbi dhcid, const std::string& key) {
  auto v = txn.find(dhcid, key);
  codec::DhcidValue d;
  if (!v || !codec::decode_dhcid_value(*v, d)) return std::nullopt;
  return Rr{d.ttl, d.rdata};
}

}  // namespace

void WriteTxn::check_dhcid(const Dhcid& d) {
  if (d.rdata.size() < codec::kMinDhcidRdata || d.rdata.size() > codec::kMaxDhcidRdata)
    throw StoreError("bad_dhcid", "a DHCID's RDATA must have 3.." +
                                      std::to_string(codec::kMaxDhcidRdata) + " octets, not " +
                                      std::to_string(d.rdata.size()));
  if (d.ttl > kMaxTtl)
    throw StoreError("bad_dhcid", "a DHCID's TTL must be 0.." + std::to_string(kMaxTtl));
}

// Puts (`d`) or removes (nullptr) the DHCID at `key`, noted for the journal; nothing
// when it is already so.
void WriteTxn::write_dhcid(Touched& t, const std::string& key, const Dhcid* d) {
  const std::optional<Rr> before = dhcid_before(txn_, t_.dhcid, key);
  if (!d && !before) return;
  if (d && before && before->ttl == d->ttl && before->rdata == d->rdata) return;
  if (journaled(t.step, t.zone))
    t.changes.note(key, codec::kTypeDhcid, before,
                   d ? std::optional<Rr>(Rr{d->ttl, d->rdata}) : std::nullopt);
  if (d)
    txn_.put(t_.dhcid, key, codec::encode_dhcid_value(d->ttl, d->rdata));
  else
    txn_.del(t_.dhcid, key);
}

void WriteTxn::write_record(Touched& t, const std::string& key, const codec::Meta& m,
                            std::string_view target_wire, bool is_new) {
  if (journaled(t.step, t.zone))
    t.changes.note(key, codec::kTypePtr, is_new ? std::nullopt : ptr_before(txn_, t_.ptr, key),
                   Rr{m.ttl, target_wire});
  txn_.put(t_.ptr, key, codec::encode_ptr_value(m.ttl, target_wire));
  txn_.put(t_.meta, key, codec::encode_meta(m));
  if (is_new) txn_.put(t_.ids, m.id, key);
}

void WriteTxn::erase_record(Touched& t, const std::string& key, std::string_view id) {
  if (journaled(t.step, t.zone))
    t.changes.note(key, codec::kTypePtr, ptr_before(txn_, t_.ptr, key), std::nullopt);
  txn_.del(t_.ids, id);
  txn_.del(t_.meta, key);
  txn_.del(t_.ptr, key);
}

void WriteTxn::write_zone(const std::string& apex_key, const Zone& zone) {
  txn_.put(t_.zones, apex_key, codec::encode_zone(zone));
}

void WriteTxn::put_zone(const std::string& apex_key, const Zone& before, const Zone& after) {
  if (before.served != after.served) zone_set_changed_ = true;
  write_zone(apex_key, after);
}

void WriteTxn::add_zone(const std::string& apex_key, const Zone& zone) {
  if (zone.served) zone_set_changed_ = true;
  write_zone(apex_key, zone);
  delete_journal(apex_key, true);  // nothing, unless a damaged store left entries behind
  touched_.insert_or_assign(apex_key, Touched{zone, zone.serial, false, {}});
}

void WriteTxn::step_zone(const std::string& apex_key, const Zone& before, Zone& after,
                         std::time_t now) {
  after.serial = serial::next(before.serial, after.settings.policy, now);
  if (before.served != after.served) zone_set_changed_ = true;
  const std::string value = codec::encode_zone(after);
  txn_.put(t_.zones, apex_key, value);
  // Compared as stored: "ns1.example.net" in the config is the stored "ns1.example.net.".
  const ZoneSettings stored = codec::decode_zone(apex_key, value).settings;
  if (!(stored.soa == before.settings.soa) || stored.ns != before.settings.ns ||
      stored.ns_ttl != before.settings.ns_ttl) {
    clear_journal(apex_key);
    return;
  }
  const codec::JournalStepBuilder no_records;
  const auto entry = no_records.entry(before.serial, after.serial);
  append_journal(apex_key, stored, entry);
}

// The zone's records are one range of `ptr` keys (and the same range of `meta` keys),
// erased through the `ptr` cursor that walks it.
uint64_t WriteTxn::remove_zone(const std::string& apex_key, const Zone& z) {
  uint64_t removed = 0;
  {
    Cursor cur(txn_.get(), t_.ptr);
    const std::string start = codec::meta_key(z.settings.prefix.addr);
    for (;;) {
      MDB_val k = val(start), v;
      int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
      if (rc == MDB_NOTFOUND) break;
      check(rc, "scan records");
      names::IpAddress addr = codec::address_of_meta_key(view(k));
      if (view(k).size() != 1 + addr.size() || !names::prefix_contains(z.settings.prefix, addr))
        break;
      std::string mkey(view(k));
      if (auto m = txn_.find(t_.meta, mkey)) txn_.del(t_.ids, codec::decode_meta(*m).id);
      txn_.del(t_.meta, mkey);
      txn_.del(t_.dhcid, mkey);
      check(mdb_cursor_del(cur.get(), 0), "delete record");
      ++removed;
    }
  }
  txn_.del(t_.zones, apex_key);
  delete_journal(apex_key, true);
  touched_.erase(apex_key);
  if (z.served) zone_set_changed_ = true;
  // The total never goes below zero, whatever a damaged count said.
  uint64_t count = uint64_t(int64_t(records_before_) + record_delta_);
  record_delta_ -= int64_t(std::min(count, removed));
  return removed;
}

void WriteTxn::step_serials() {
  for (auto& [key, t] : touched_) {
    Zone& z = t.zone;
    if (!t.step) {
      write_zone(key, z);  // a new zone: its record count
      continue;
    }
    const uint32_t from = z.serial;
    z.serial = t.next_serial;
    write_zone(key, z);
    result_.serials.push_back({z.apex, z.serial});
    const auto entry = t.changes.entry(from, z.serial);
    if (defer_journal_)
      deferred_.push_back({key, limits_of(z.settings), entry.str()});
    else
      append_journal(key, z.settings, entry);
  }
}

void WriteTxn::write_record_count() {
  txn_.put(t_.info, codec::kInfoRecords,
           codec::encode_record_count(uint64_t(int64_t(records_before_) + record_delta_)));
}

void WriteTxn::finish() {
  step_serials();
  write_record_count();
}

// In the transaction that changes the zone set, so that a crash never leaves a catalog
// whose serial says nothing changed (its secondaries would keep the old member list).
void WriteTxn::step_catalog_serial() {
  uint32_t now = 0;
  if (auto v = txn_.find(t_.info, codec::kInfoCatalogSerial))
    now = codec::decode_catalog_serial(*v).value_or(0);
  txn_.put(t_.info, codec::kInfoCatalogSerial, codec::encode_catalog_serial(serial::add(now, 1)));
}

void WriteTxn::commit() {
  if (zone_set_changed_) step_catalog_serial();
  zone_set_changed_ = false;
  txn_.commit();
}

// ---- the journal ----

codec::JournalHead WriteTxn::read_journal_head(const std::string& apex_key) {
  codec::JournalHead head;
  auto v = txn_.find(t_.journal, codec::journal_key(apex_key, codec::kJournalHeadSeq));
  if (v && !codec::decode_journal_head(*v, head)) {
    // A damaged head costs the zone its journal (its transfers are full ones until new
    // entries come), not its writes.
    delete_journal(apex_key, true);
    head = {};
  }
  return head;
}

// Appends the step's entry, then drops the oldest entries until both limits hold.
void WriteTxn::append_journal(const std::string& apex_key, const ZoneSettings& s,
                              const codec::JournalStepBuilder::Entry& entry) {
  const codec::JournalHead before = read_journal_head(apex_key);
  codec::JournalHead head = before;
  const JournalLimits limits = limits_of(s);
  if (char* out = append_entry(apex_key, head, limits, entry.size())) entry.write(out);
  prune_journal(apex_key, head, limits);
  if (!(head == before)) put_journal_head(apex_key, head);
}

// A group's entries, zone by zone in the order given: each zone's head is read once and
// written once, and its oldest entries are pruned once, after its last append. None of
// this touches the pages of the group's nested transactions (each would copy the
// journal's pages from the parent again: a third more work per op than the op itself).
void WriteTxn::write_journal(const std::vector<PendingEntry>& entries) {
  struct Zone {
    codec::JournalHead before, head;
    JournalLimits limits;
  };
  std::map<std::string_view, Zone> zones;
  for (const PendingEntry& e : entries) {
    auto it = zones.find(e.apex_key);
    if (it == zones.end()) {
      const codec::JournalHead head = read_journal_head(e.apex_key);
      it = zones.emplace(e.apex_key, Zone{head, head, e.limits}).first;
    }
    it->second.limits = e.limits;
    if (char* out = append_entry(e.apex_key, it->second.head, e.limits, e.value.size()))
      std::memcpy(out, e.value.data(), e.value.size());
  }
  for (auto& [apex, z] : zones) {
    const std::string apex_key(apex);
    prune_journal(apex_key, z.head, z.limits);
    if (!(z.head == z.before)) put_journal_head(apex_key, z.head);
  }
}

// Room for the next entry of `size` bytes in the zone's journal (`head` updated), or
// nullptr when the entry is not written: the zone keeps no journal, or the entry is larger
// than its journal may be. Then the journal is emptied: a transfer from any serial before
// the entry could only be a full one. The caller writes the entry before the next change.
char* WriteTxn::append_entry(const std::string& apex_key, codec::JournalHead& head,
                             const JournalLimits& limits, size_t size) {
  if (limits.depth == 0 || size > limits.size) {
    if (head.entries > 0) delete_journal(apex_key, false);
    head.entries = head.bytes = 0;
    return nullptr;
  }
  char* out = txn_.put_reserved(t_.journal, codec::journal_key(apex_key, head.next_seq), size);
  ++head.next_seq;
  ++head.entries;
  head.bytes += size;
  return out;
}

// Drops the oldest entries until both limits hold. An entry is never larger than the size
// limit (append_entry), so the newest one always stays.
void WriteTxn::prune_journal(const std::string& apex_key, codec::JournalHead& head,
                             const JournalLimits& limits) {
  if (head.entries <= limits.depth && head.bytes <= limits.size) return;
  Cursor cur(txn_.get(), t_.journal);
  while (head.entries > 0 && (head.entries > limits.depth || head.bytes > limits.size)) {
    const std::string key = codec::journal_key(apex_key, head.first_seq());
    MDB_val k = val(key), v;
    const int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_KEY);
    size_t size = 0;
    if (rc == 0) {
      size = v.mv_size;
      check(mdb_cursor_del(cur.get(), 0), "prune journal");
    } else if (rc != MDB_NOTFOUND) {
      check(rc, "read journal");
    }
    --head.entries;
    head.bytes -= std::min<uint64_t>(head.bytes, size);
  }
}

void WriteTxn::put_journal_head(const std::string& apex_key, const codec::JournalHead& head) {
  txn_.put(t_.journal, codec::journal_key(apex_key, codec::kJournalHeadSeq),
           codec::encode_journal_head(head));
}

void WriteTxn::delete_journal(const std::string& apex_key, bool head) {
  Cursor cur(txn_.get(), t_.journal);
  const std::string start = codec::journal_key(apex_key, head ? codec::kJournalHeadSeq : 1);
  for (;;) {
    MDB_val k = val(start), v;
    const int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return;
    check(rc, "scan journal");
    if (!codec::journal_seq_of(view(k), apex_key)) return;
    check(mdb_cursor_del(cur.get(), 0), "delete journal");
  }
}

void WriteTxn::clear_journal(const std::string& apex_key) {
  codec::JournalHead head = read_journal_head(apex_key);
  if (head.entries == 0) return;
  delete_journal(apex_key, false);
  head.entries = head.bytes = 0;
  put_journal_head(apex_key, head);
}

}  // namespace rdnsd::zonestore
