#include "server/net/lmdb_source.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/dhcid_value.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/codec/ptr_value.h"
#include "zonestore/codec/zone_value.h"
#include "zonestore/names/catalog.h"
#include "zonestore/names/synth.h"

namespace rdnsd::server {

using zonestore::codec::view;

LmdbSource::LmdbSource(const zonestore::Store& store)
    : store_(store), gate_(zonestore::gate_of(store.env())), walker_(store.ptr_dbi()) {
  slot_in_gate_ = gate_.enroll();
  gate_.enter(*slot_in_gate_);
  int rc = mdb_txn_begin(store.env(), nullptr, MDB_RDONLY, &txn_);
  if (rc == 0) rc = mdb_cursor_open(txn_, store.zones_dbi(), &zones_);
  if (rc == 0) rc = mdb_cursor_open(txn_, store.ptr_dbi(), &ptr_);
  if (rc != 0) {
    if (txn_) mdb_txn_abort(txn_);
    gate_.leave(*slot_in_gate_);
    gate_.retire(slot_in_gate_);
    throw zonestore::StoreError("internal", std::string("read transaction: ") + mdb_strerror(rc));
  }
  mdb_txn_reset(txn_);
  gate_.leave(*slot_in_gate_);
}

LmdbSource::~LmdbSource() {
  if (zones_) mdb_cursor_close(zones_);
  if (ptr_) mdb_cursor_close(ptr_);
  if (txn_) mdb_txn_abort(txn_);
  if (active_) gate_.leave(*slot_in_gate_);
  gate_.retire(slot_in_gate_);
}

bool LmdbSource::begin() noexcept {
  if (active_) return true;
  gate_.enter(*slot_in_gate_);
  // After a remap the map may have moved: the walker finds it again.
  if (const uint64_t g = gate_.generation(); g != generation_) {
    walker_.forget_map();
    generation_ = g;
  }
  if (mdb_txn_renew(txn_) != 0) {
    gate_.leave(*slot_in_gate_);
    return false;
  }
  if (mdb_cursor_renew(txn_, zones_) != 0 || mdb_cursor_renew(txn_, ptr_) != 0) {
    mdb_txn_reset(txn_);
    gate_.leave(*slot_in_gate_);
    return false;
  }
  active_ = true;
  txn_id_ = mdb_txn_id(txn_);
  return true;
}

void LmdbSource::end() noexcept {
  prefetched_ = 0;
  hint_ = nullptr;
  if (!active_) return;
  mdb_txn_reset(txn_);
  active_ = false;
  gate_.leave(*slot_in_gate_);
}

bool LmdbSource::cached(std::string_view qkey, dns::ZoneView& zone,
                        dns::FindZone& result) const noexcept {
  if (cache_.txn_id == 0 || cache_.txn_id != txn_id_ || qkey.size() < cache_.apex_len ||
      std::memcmp(qkey.data(), cache_.apex, cache_.apex_len) != 0)
    return false;
  zone = cache_.zone;
  result = cache_.result;
  return true;
}

void LmdbSource::remember(std::string_view apex_key, dns::FindZone result,
                          const dns::ZoneView& zone) noexcept {
  cache_.txn_id = 0;
  const size_t names = zone.mname.size() + zone.rname.size() + zone.ns_block.size();
  if (apex_key.size() > sizeof cache_.apex || names > sizeof cache_.names) return;
  std::memcpy(cache_.apex, apex_key.data(), apex_key.size());
  cache_.apex_len = apex_key.size();
  char* p = cache_.names;
  auto copy = [&p](std::string_view from) {
    std::memcpy(p, from.data(), from.size());
    std::string_view to(p, from.size());
    p += from.size();
    return to;
  };
  cache_.zone = zone;
  cache_.zone.mname = copy(zone.mname);
  cache_.zone.rname = copy(zone.rname);
  cache_.zone.ns_block = copy(zone.ns_block);
  cache_.result = result;
  remember_synth();
  cache_.txn_id = txn_id_;
}

void LmdbSource::remember_synth() noexcept {
  cache_.synth_len = std::min(synth_.size(), sizeof cache_.synth);
  std::memcpy(cache_.synth, synth_.data(), cache_.synth_len);
  cache_.synth_ttl = synth_ttl_;
  if (synth_.size() > sizeof cache_.synth) cache_.txn_id = 0;  // never: templates are short
}

// A full address without a record in a zone that synthesizes: its default name.
dns::FindNode LmdbSource::synthesized(const names::AddressKey& a, dns::PtrView& ptr,
                                      bool& has_ptr) noexcept {
  if (synth_.empty()) return dns::FindNode::NxDomain;
  names::IpAddress addr;
  addr.family = a.bytes[0];
  std::memcpy(addr.bytes.data(), a.bytes + 1, size_t(a.size) - 1);
  const size_t n = names::synth_wire(synth_, addr, synth_name_, sizeof synth_name_);
  if (n == 0) return dns::FindNode::NxDomain;
  ptr.ttl = synth_ttl_;
  ptr.target = std::string_view(synth_name_, n);
  has_ptr = true;
  return dns::FindNode::Exists;
}

dns::FindZone LmdbSource::find_zone(std::string_view qkey, dns::ZoneView& zone) noexcept {
  dns::FindZone result;
  if (active_ && cached(qkey, zone, result)) {
    apex_key_len_ = cache_.apex_len;
    synth_ = std::string_view(cache_.synth, cache_.synth_len);
    synth_ttl_ = cache_.synth_ttl;
    return result;
  }
  synth_ = {};
  std::string_view apex_key, value;
  zonestore::codec::ZoneWire w;
  if (!active_ || !zonestore::find_zone_for_key(zones_, qkey, apex_key, value) ||
      !zonestore::codec::decode_zone_wire(value, w))
    return dns::FindZone::None;
  zone.apex_key_len = apex_key.size();
  zone.serial = w.serial;
  zone.soa_ttl = w.soa_ttl;
  zone.ns_ttl = w.ns_ttl;
  zone.refresh = w.refresh;
  zone.retry = w.retry;
  zone.expire = w.expire;
  zone.minimum = w.minimum;
  zone.mname = w.mname;
  zone.rname = w.rname;
  zone.ns_count = w.ns_count;
  zone.ns_block = w.ns_block;
  apex_key_len_ = apex_key.size();
  result = w.flags.served() ? dns::FindZone::Found : dns::FindZone::NotServed;
  synth_ = w.synth_template;
  synth_ttl_ = w.synth_ttl;
  remember(apex_key, result, zone);
  return result;
}

dns::FindNode LmdbSource::find_node(std::string_view qkey, dns::PtrView& ptr,
                                    bool& has_ptr) noexcept {
  has_ptr = false;
  if (qkey.size() == apex_key_len_) return dns::FindNode::Exists;
  // Records are keyed by address: a name that is not an address or an address prefix
  // (a label that is no canonical octet or nibble) holds nothing and has nothing below.
  names::AddressKey a;
  if (!active_ || !names::key_to_address_key(qkey, a)) return dns::FindNode::NxDomain;
  MDB_val k{a.size, a.bytes}, v;
  if (a.units == a.full) {
    // The batch's walk found it already (use()), or LMDB looks it up now.
    std::string_view value;
    if (hint_ && hint_->key.view() == a.view()) {
      if (hint_->found == zonestore::PtrWalker::Found::Yes) value = hint_->value;
    } else if (mdb_cursor_get(ptr_, &k, &v, MDB_SET) == 0) {
      value = view(v);
    }
    zonestore::codec::PtrValue record;
    if (!zonestore::codec::decode_ptr_value(value, record)) return synthesized(a, ptr, has_ptr);
    ptr.ttl = record.ttl;
    ptr.target = record.target;
    has_ptr = true;
    return dns::FindNode::Exists;
  }
  // A shorter name: any record below it makes it an empty non-terminal (RFC 8020).
  if (mdb_cursor_get(ptr_, &k, &v, MDB_SET_RANGE) == 0 && names::address_key_covers(a, view(k)))
    return dns::FindNode::EmptyNonTerminal;
  // In a zone that synthesizes, every address has a name: every address prefix is an
  // empty non-terminal (RFC 8020), as knotd's mod-synthrecord answers it.
  return synth_.empty() ? dns::FindNode::NxDomain : dns::FindNode::EmptyNonTerminal;
}

bool LmdbSource::find_dhcid(std::string_view qkey, uint32_t& ttl,
                            std::string_view& rdata) noexcept {
  names::AddressKey a;
  if (!active_ || !names::key_to_address_key(qkey, a) || a.units != a.full) return false;
  MDB_val k{a.size, a.bytes}, v;
  zonestore::codec::DhcidValue d;
  if (mdb_get(txn_, store_.dhcid_dbi(), &k, &v) != 0 ||
      !zonestore::codec::decode_dhcid_value(view(v), d))
    return false;
  ttl = d.ttl;
  rdata = d.rdata;
  return true;
}

bool LmdbSource::forward_address(std::string_view tmpl, std::string_view qname,
                                 dns::ForwardAddress& out) noexcept {
  for (uint8_t family : {uint8_t{4}, uint8_t{6}}) {
    names::IpAddress addr;
    if (!names::synth_address(tmpl, family, qname, addr)) continue;
    char key[names::kMaxOwnerKey];
    const std::string_view k(key, names::owner_key(addr, key));
    dns::ZoneView zone;
    dns::PtrView ptr;
    bool has_ptr = false;
    if (find_zone(k, zone) != dns::FindZone::Found ||
        find_node(k, ptr, has_ptr) != dns::FindNode::Exists || !has_ptr ||
        ptr.target.size() != qname.size() ||
        strncasecmp(ptr.target.data(), qname.data(), qname.size()) != 0)
      continue;
    out.family = family;
    std::memcpy(out.bytes, addr.bytes.data(), addr.size());
    out.ttl = ptr.ttl;
    return true;
  }
  return false;
}

bool LmdbSource::catalog_serial(uint32_t& serial) noexcept {
  if (!active_) return false;
  const std::string_view key = zonestore::codec::kInfoCatalogSerial;
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  if (mdb_get(txn_, store_.info_dbi(), &k, &v) != 0) return false;
  auto s = zonestore::codec::decode_catalog_serial(view(v));
  if (!s) return false;
  serial = *s;
  return true;
}

bool LmdbSource::catalog_member(std::string_view id, std::string_view& apex) noexcept {
  if (!active_ || id.size() != names::kCatalogIdLen) return false;
  MDB_val k, v;
  for (int rc = mdb_cursor_get(zones_, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(zones_, &k, &v, MDB_NEXT)) {
    zonestore::codec::ZoneWire w;
    char zone_id[names::kCatalogIdLen];
    if (!zonestore::codec::decode_zone_wire(view(v), w) || !w.flags.served() ||
        !names::catalog_member_id_of_key(view(k), zone_id) ||
        std::memcmp(zone_id, id.data(), sizeof zone_id) != 0)
      continue;
    const size_t len = names::key_to_wire_into(view(k), member_);
    if (len == 0) return false;
    apex = std::string_view(member_, len);
    return true;
  }
  return false;
}

void LmdbSource::prefetch(const names::AddressKey* keys, const bool* wanted, size_t n) noexcept {
  prefetched_ = 0;
  hint_ = nullptr;
  if (!active_ || !walker_.snapshot(txn_)) return;
  n = std::min(n, kMaxPrefetch);
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    slot_[i] = -1;
    if (!wanted[i]) continue;
    lookups_[count].key = keys[i];
    slot_[i] = int8_t(count++);
  }
  walker_.find(lookups_.data(), count);
  prefetched_ = n;
}

void LmdbSource::use(size_t i) noexcept {
  hint_ = nullptr;
  if (i < prefetched_ && slot_[i] >= 0) {
    const auto& l = lookups_[size_t(slot_[i])];
    if (l.found != zonestore::PtrWalker::Found::Unknown) hint_ = &l;
  }
}

}  // namespace rdnsd::server
