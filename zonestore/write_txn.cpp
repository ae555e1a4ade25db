#include "zonestore/write_txn.h"

#include <algorithm>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/info_value.h"
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

// The served zone of `addr`, decoded once per transaction.
Zone& WriteTxn::touched_zone(const names::IpAddress& addr, const std::string& okey) {
  Cursor cur(txn_.get(), t_.zones);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.get(), okey, apex_key, value))
    throw StoreError("not_in_zone", not_in_zone_message(addr));
  auto it = touched_.find(std::string(apex_key));
  if (it != touched_.end()) return it->second;
  Zone z = codec::decode_zone(apex_key, value);
  if (!z.served) throw StoreError("not_in_zone", not_in_zone_message(addr));
  return touched_.emplace(std::string(apex_key), std::move(z)).first->second;
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

void WriteTxn::set(const SetOp& op, std::time_t now) {
  names::IpAddress addr = parse_address(op.address);
  std::string target = checked_target(op.target);
  check_description(op.description);
  if (op.ttl) checked_ttl(op.ttl, 0);
  std::string okey = codec::owner_key(addr), mkey = codec::meta_key(addr);
  Zone& z = touched_zone(addr, okey);
  uint32_t ttl = checked_ttl(op.ttl, z.settings.default_ttl);

  codec::Meta m;
  auto old = txn_.find(t_.meta, mkey);
  if (old) {
    m = codec::decode_meta(*old);
  } else {
    check_quota(z);
    m.id = codec::new_uuid();
    m.created = now;
    m.created_by = op.actor;
    ++z.record_count;
    ++record_delta_;
  }
  m.modified = now;
  m.modified_by = op.actor;
  m.ttl = ttl;
  m.target = target;
  if (op.description) m.description = *op.description;  // else: empty, or the old one kept
  write_record(mkey, m, *names::text_to_wire(target), !old);
  if (keep_records) result_.records.push_back(make_record(addr, m, z.apex));
  ++(old ? result_.replaced : result_.created);
}

void WriteTxn::unset(const UnsetOp& op) {
  names::IpAddress addr = parse_address(op.address);
  std::string okey = codec::owner_key(addr), mkey = codec::meta_key(addr);
  Zone& z = touched_zone(addr, okey);
  auto old = txn_.find(t_.meta, mkey);
  if (!old) throw StoreError("not_found", "no record for " + names::format_ip(addr));
  erase_record(mkey, codec::decode_meta(*old).id);
  --z.record_count;
  --record_delta_;
  ++result_.removed;
}

void WriteTxn::write_record(const std::string& key, const codec::Meta& m,
                            std::string_view target_wire, bool is_new) {
  txn_.put(t_.ptr, key, codec::encode_ptr_value(m.ttl, target_wire));
  txn_.put(t_.meta, key, codec::encode_meta(m));
  if (is_new) txn_.put(t_.ids, m.id, key);
}

void WriteTxn::erase_record(const std::string& key, std::string_view id) {
  txn_.del(t_.ids, id);
  txn_.del(t_.meta, key);
  txn_.del(t_.ptr, key);
}

void WriteTxn::put_zone(const std::string& apex_key, const Zone& zone) {
  txn_.put(t_.zones, apex_key, codec::encode_zone(zone));
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
      check(mdb_cursor_del(cur.get(), 0), "delete record");
      ++removed;
    }
  }
  txn_.del(t_.zones, apex_key);
  touched_.erase(apex_key);
  // The total never goes below zero, whatever a damaged count said.
  uint64_t count = uint64_t(int64_t(records_before_) + record_delta_);
  record_delta_ -= int64_t(std::min(count, removed));
  return removed;
}

void WriteTxn::write_zones_unstepped() {
  for (auto& [key, z] : touched_) put_zone(key, z);
  touched_.clear();
}

void WriteTxn::step_serials(std::time_t now) {
  for (auto& [key, z] : touched_) {
    z.serial = serial::next(z.serial, z.settings.policy, now);
    put_zone(key, z);
    result_.serials.push_back({z.apex, z.serial});
  }
}

void WriteTxn::write_record_count() {
  txn_.put(t_.info, codec::kInfoRecords,
           codec::encode_record_count(uint64_t(int64_t(records_before_) + record_delta_)));
}

void WriteTxn::finish(std::time_t now) {
  step_serials(now);
  write_record_count();
}

}  // namespace rdnsd::zonestore
