// Zone headers: reconcile with the config, add, remove, look up.
#include "zonestore/zones.h"

#include <map>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/keys.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/store.h"
#include "zonestore/validate.h"
#include "zonestore/write_txn.h"

namespace rdnsd::zonestore {

using codec::view;

std::string zone_key(std::string_view name) {
  if (name.find('/') == std::string_view::npos) return codec::key_of_text(name);
  std::string why;
  auto prefix = names::parse_prefix(name, &why);
  if (!prefix) throw StoreError("bad_request", why);
  auto apex = names::zone_apex(*prefix, &why);
  if (!apex) throw StoreError("bad_request", why);
  return codec::key_of_text(*apex);
}

bool find_zone_for_key(MDB_cursor* cur, std::string_view key, std::string_view& apex_key,
                       std::string_view& value) noexcept {
  MDB_val k = codec::val(key), v;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && view(k) == key) {
    apex_key = view(k);
    value = view(v);
    return true;
  }
  rc = mdb_cursor_get(cur, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
  if (rc != 0) return false;
  std::string_view found = view(k);
  if (found.size() > key.size() || key.substr(0, found.size()) != found) return false;
  apex_key = found;
  value = view(v);
  return true;
}

namespace {

std::string apex_key_of(const ZoneSettings& s) {
  std::string why;
  auto apex = names::zone_apex(s.prefix, &why);
  if (!apex) throw StoreError("bad_request", why);
  return codec::key_of_text(*apex);
}

std::vector<Zone> all_zones(MDB_txn* txn, MDB_dbi zones) {
  Cursor cur(txn, zones);
  std::vector<Zone> out;
  MDB_val k, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT))
    out.push_back(codec::decode_zone(view(k), view(v)));
  if (rc != MDB_NOTFOUND) check(rc, "scan zones");
  return out;
}

std::optional<Zone> overlapping(MDB_txn* txn, MDB_dbi zones, const names::Prefix& prefix,
                                std::string_view skip_key) {
  Cursor cur(txn, zones);
  MDB_val k, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    if (view(k) == skip_key) continue;
    Zone z = codec::decode_zone(view(k), view(v));
    if (names::prefixes_overlap(z.settings.prefix, prefix)) return z;
  }
  if (rc != MDB_NOTFOUND) check(rc, "scan zones");
  return std::nullopt;
}

// `s` as it reads back from the store: names absolute and in wire_to_text's form, so
// that "ns1.example.net" in the config matches the stored "ns1.example.net.".
ZoneSettings as_stored(const ZoneSettings& s) {
  Zone z;
  z.settings = s;
  return codec::decode_zone("", codec::encode_zone(z)).settings;
}

// A seed belongs to the zone it is listed under. Elsewhere it would change another zone
// without a serial step (seeds take none), so it is refused.
void check_seed(const names::Prefix& prefix, const std::string& apex, const Store::Seed& seed) {
  auto addr = names::parse_ip(seed.address);
  if (addr && !names::prefix_contains(prefix, *addr))
    throw StoreError("not_in_zone", "seed " + seed.address + " is not in zone " + apex + " (" +
                                        names::format_prefix(prefix) + ")");
}

// Config zones no longer in the config stop being served; their records stay.
void unserve_dropped(WriteTxn& w, const std::map<std::string, size_t>& wanted,
                     ReconcileReport& report) {
  for (const Zone& z : all_zones(w.txn().get(), w.tables().zones)) {
    std::string key = codec::key_of_text(z.apex);
    if (z.origin == ZoneOrigin::Config && z.served && !wanted.count(key)) {
      Zone off = z;
      off.served = false;
      w.put_zone(key, z, off);
      report.unserved.push_back(z.apex);
    }
  }
}

// Makes the config zone `s` at `key` served with these settings; a new one gets `seeds`.
void reconcile_zone(WriteTxn& w, const std::string& key, const ZoneSettings& s,
                    const std::vector<Store::Seed>* seeds, std::time_t now,
                    ReconcileReport& report) {
  const MDB_dbi zones = w.tables().zones;
  std::string apex = *names::zone_apex(s.prefix);
  if (auto other = overlapping(w.txn().get(), zones, s.prefix, key))
    throw StoreError("conflict", "zone " + names::format_prefix(s.prefix) +
                                     " overlaps the stored zone " + other->apex + " (" +
                                     names::format_prefix(other->settings.prefix) +
                                     "); remove that zone first");
  if (auto v = w.txn().find(zones, key)) {
    Zone z = codec::decode_zone(key, *v);
    bool changed = !(z.settings == as_stored(s));
    if (!changed && z.served && z.origin == ZoneOrigin::Config) {
      report.unchanged.push_back(apex);
      return;
    }
    Zone after = z;
    after.settings = s;
    after.served = true;
    after.origin = ZoneOrigin::Config;
    if (changed)
      w.step_zone(key, z, after, now);
    else
      w.put_zone(key, z, after);  // served again, or taken over by the config: no step
    report.updated.push_back(apex);
    return;
  }
  Zone z;
  z.apex = apex;
  z.settings = s;
  z.serial = serial::initial(s.policy, now);
  w.add_zone(key, z);
  report.created.push_back(apex);
  if (seeds)
    for (const Store::Seed& seed : *seeds) {
      check_seed(s.prefix, apex, seed);
      w.set(SetOp{seed.address, seed.target, std::nullopt, "", "config"}, now);
    }
}

}  // namespace

ReconcileReport Store::reconcile(const std::vector<ZoneSettings>& zones,
                                 const std::vector<std::vector<Seed>>& seeds, std::time_t now) {
  ReconcileReport report;
  with_room(false, [&] {
    report = {};
    WriteTxn w(env_.get(), tables_, options_.max_records);
    std::map<std::string, size_t> wanted;  // apex key -> index in `zones`
    for (size_t i = 0; i < zones.size(); ++i) wanted[apex_key_of(zones[i])] = i;
    unserve_dropped(w, wanted, report);
    for (const auto& [key, index] : wanted)
      reconcile_zone(w, key, zones[index], index < seeds.size() ? &seeds[index] : nullptr, now,
                     report);
    // Seeds of a new zone belong to its first serial: add_zone made it take no step.
    w.finish();
    w.commit();
  });
  return report;
}

Zone Store::add_zone(const ZoneSettings& settings, std::time_t now) {
  return add_zones({settings}, now).front();
}

// Each zone is checked against the stored ones, including those written earlier in the
// same transaction, so two zones of the list that overlap are refused too.
std::vector<Zone> Store::add_zones(const std::vector<ZoneSettings>& settings, std::time_t now) {
  std::vector<Zone> added;
  with_room(false, [&] {
    added.clear();
    add_zones_once(settings, now, added);
  });
  return added;
}

void Store::add_zones_once(const std::vector<ZoneSettings>& settings, std::time_t now,
                           std::vector<Zone>& added) {
  WriteTxn w(env_.get(), tables_, options_.max_records);
  added.reserve(settings.size());
  for (const ZoneSettings& s : settings) {
    std::string key = apex_key_of(s);
    if (auto other = overlapping(w.txn().get(), tables_.zones, s.prefix, ""))
      throw StoreError("conflict", "zone " + names::format_prefix(s.prefix) + " overlaps zone " +
                                       other->apex + " (" +
                                       names::format_prefix(other->settings.prefix) + ")");
    Zone z;
    z.apex = *names::zone_apex(s.prefix);
    z.settings = s;
    z.serial = serial::initial(s.policy, now);
    z.origin = ZoneOrigin::Admin;
    w.add_zone(key, z);
    added.push_back(std::move(z));
  }
  w.commit();
}

uint64_t Store::remove_zone(std::string_view name, bool force) {
  std::string apex_key = zone_key(name);
  // The record count is checked in the write transaction that deletes: a record set
  // between a separate check and the delete would go without force.
  uint64_t removed = 0;
  with_room(true, [&] {
    WriteTxn w(env_.get(), tables_, options_.max_records);
    auto value = w.txn().find(tables_.zones, apex_key);
    if (!value) throw StoreError("not_found", "no zone " + std::string(name));
    Zone z = codec::decode_zone(apex_key, *value);
    if (z.record_count > 0 && !force)
      throw StoreError("conflict", "zone " + z.apex + " still holds " +
                                       std::to_string(z.record_count) +
                                       " records; remove them first or use force");
    removed = w.remove_zone(apex_key, z);
    w.write_record_count();
    w.commit();
  });
  return removed;
}

std::vector<Zone> Store::zones() const {
  Txn txn(env_.get(), false);
  return all_zones(txn.get(), tables_.zones);
}

std::optional<Zone> Store::zone(std::string_view name) const {
  std::string key = zone_key(name);
  Txn txn(env_.get(), false);
  auto v = txn.find(tables_.zones, key);
  if (!v) return std::nullopt;
  return codec::decode_zone(key, *v);
}

std::optional<Zone> Store::zone_for_address(std::string_view address) const {
  std::string okey = codec::owner_key(parse_address(address));
  Txn txn(env_.get(), false);
  Cursor cur(txn.get(), tables_.zones);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.get(), okey, apex_key, value)) return std::nullopt;
  return codec::decode_zone(apex_key, value);
}

}  // namespace rdnsd::zonestore
