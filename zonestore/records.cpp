// Record reads: one record by address or id, a filtered page of records, the count.
#include "zonestore/records.h"

#include <algorithm>
#include <cctype>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/dhcid_value.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/codec/keys.h"
#include "zonestore/store.h"
#include "zonestore/uuid.h"
#include "zonestore/validate.h"

namespace rdnsd::zonestore {

using codec::val;
using codec::view;

Record make_record(const names::IpAddress& addr, const codec::Meta& m, const std::string& zone) {
  Record r;
  r.address = addr;
  r.owner = names::reverse_name(addr);
  r.target = m.target;
  r.ttl = m.ttl;
  r.description = m.description;
  r.id = codec::uuid_text(m.id);
  r.created = m.created;
  r.modified = m.modified;
  r.created_by = m.created_by;
  r.modified_by = m.modified_by;
  r.zone = zone;
  r.serial = m.serial;
  return r;
}

std::optional<Dhcid> read_dhcid(const Txn& txn, const Tables& t, std::string_view key) {
  auto v = txn.find(t.dhcid, key);
  codec::DhcidValue d;
  if (!v || !codec::decode_dhcid_value(*v, d)) return std::nullopt;
  return Dhcid{d.ttl, std::string(d.rdata)};
}

namespace {

// The apex (text) of the zone holding `okey`, or "" if none.
std::string zone_of(MDB_cursor* zones, std::string_view okey) {
  std::string_view apex_key, value;
  if (!find_zone_for_key(zones, okey, apex_key, value)) return "";
  return names::wire_to_text(names::key_to_wire(apex_key));
}

std::string zone_of(MDB_txn* txn, MDB_dbi zones, std::string_view okey) {
  Cursor cur(txn, zones);
  return zone_of(cur.get(), okey);
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b));
  });
  return it != hay.end();
}

// The narrower of two prefixes if one holds the other; nullopt if they are disjoint.
std::optional<names::Prefix> intersect(const names::Prefix& a, const names::Prefix& b) {
  if (!names::prefixes_overlap(a, b)) return std::nullopt;
  return a.length >= b.length ? a : b;
}

}  // namespace

std::optional<Record> Store::get(std::string_view address) const {
  names::IpAddress addr = parse_address(address);
  Txn txn(env_.get(), false);
  const std::string key = codec::meta_key(addr);
  auto m = txn.find(tables_.meta, key);
  if (!m) return std::nullopt;
  Record r = make_record(addr, codec::decode_meta(*m),
                         zone_of(txn.get(), tables_.zones, codec::owner_key(addr)));
  r.dhcid = read_dhcid(txn, tables_, key);
  return r;
}

std::optional<Record> Store::get_by_id(std::string_view id) const {
  auto raw = codec::uuid_raw(id);
  if (!raw) return std::nullopt;
  Txn txn(env_.get(), false);
  auto mkey = txn.find(tables_.ids, *raw);
  if (!mkey) return std::nullopt;
  auto m = txn.find(tables_.meta, *mkey);
  if (!m) return std::nullopt;
  names::IpAddress addr = codec::address_of_meta_key(*mkey);
  Record r = make_record(addr, codec::decode_meta(*m),
                         zone_of(txn.get(), tables_.zones, codec::owner_key(addr)));
  r.dhcid = read_dhcid(txn, tables_, *mkey);
  return r;
}

uint64_t Store::record_count() const {
  Txn txn(env_.get(), false);
  auto v = txn.find(tables_.info, codec::kInfoRecords);
  return v ? codec::decode_record_count(*v).value_or(0) : 0;
}

ListResult Store::list(const ListFilter& f) const {
  // A zero limit would return an empty page with next_offset == offset: a pager loops.
  if (f.limit == 0 || f.limit > limits::kMaxListLimit)
    throw StoreError("bad_request", "limit must be 1.." + std::to_string(limits::kMaxListLimit));
  std::optional<names::Prefix> range = f.prefix;
  if (f.zone) {
    auto z = zone(*f.zone);
    if (!z) throw StoreError("not_found", "no zone " + *f.zone);
    range = range ? intersect(*range, z->settings.prefix) : z->settings.prefix;
    if (!range) return {};
  }
  ListResult out;
  Txn txn(env_.get(), false);
  Cursor cur(txn.get(), tables_.meta);
  Cursor zcur(txn.get(), tables_.zones);
  MDB_val k, v;
  int rc;
  if (range) {
    std::string start = codec::meta_key(range->addr);
    k = val(start);
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  } else {
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST);
  }
  for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    names::IpAddress addr = codec::address_of_meta_key(view(k));
    if (range && !names::prefix_contains(*range, addr)) break;
    codec::Meta m = codec::decode_meta(view(v));
    if (f.name_contains && !contains_nocase(m.target, *f.name_contains)) continue;
    ++out.total;
    if (out.total <= f.offset || out.records.size() >= f.limit) continue;
    out.records.push_back(make_record(addr, m, zone_of(zcur.get(), codec::owner_key(addr))));
    out.records.back().dhcid = read_dhcid(txn, tables_, view(k));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) check(rc, "list records");
  if (f.offset + out.records.size() < out.total) out.next_offset = f.offset + out.records.size();
  return out;
}

}  // namespace rdnsd::zonestore
