#pragma once
// The answer core's RecordSource over the LMDB store: one per answering thread (a
// worker's UDP and TCP threads have one each). It holds one read transaction that
// begin() renews and end() resets, so a batch of queries sees one consistent snapshot
// and the next batch sees every commit made before it (LMDB MVCC: no cache, nothing
// stale). Nothing here allocates after construction. Between begin() and end() it is
// inside its slot of the store's reader gate (zonestore/reader_gate.h), so the map is
// never remapped under a batch; begin() waits while a remap is under way.
#include <lmdb.h>

#include <array>

#include "server/dns/answer.h"
#include "zonestore/ptr_walk.h"
#include "zonestore/reader_gate.h"
#include "zonestore/store.h"

namespace rdnsd::server {

class LmdbSource final : public dns::RecordSource {
 public:
  // Throws zonestore::StoreError if a read transaction cannot be made.
  explicit LmdbSource(const zonestore::Store& store);
  ~LmdbSource() override;
  LmdbSource(const LmdbSource&) = delete;
  LmdbSource& operator=(const LmdbSource&) = delete;

  bool begin() noexcept override;
  void end() noexcept override;
  dns::FindZone find_zone(std::string_view qkey, dns::ZoneView& zone) noexcept override;
  dns::FindNode find_node(std::string_view qkey, dns::PtrView& ptr,
                          bool& has_ptr) noexcept override;
  bool find_dhcid(std::string_view qkey, uint32_t& ttl, std::string_view& rdata) noexcept override;
  // The catalog (server/dns/catalog.h): its serial from `info`, its members the served
  // zones of `zones`, found by id with a walk over that table (catalog queries are
  // rare: consumers transfer the catalog).
  // A forward name: read backwards by the template (names::synth_address), then the
  // address's reverse name looked up as a query would be.
  bool forward_address(std::string_view tmpl, std::string_view qname,
                       dns::ForwardAddress& out) noexcept override;
  bool catalog_serial(uint32_t& serial) noexcept override;
  bool catalog_member(std::string_view id, std::string_view& apex) noexcept override;

  // For a batch of queries inside begin()/end(): looks up the PTR records of the full
  // addresses `keys[i]` (where `wanted[i]`) all together, their walks down the tree
  // interleaved (zonestore::PtrWalker), so that their memory misses overlap. Before the
  // i-th query is answered, use(i) makes find_node() take that result instead of its own
  // lookup. A lookup the walker could not make is made by LMDB as before.
  static constexpr size_t kMaxPrefetch = 64;
  void prefetch(const names::AddressKey* keys, const bool* wanted, size_t n) noexcept;
  void use(size_t i) noexcept;

 private:
  const zonestore::Store& store_;
  zonestore::ReaderGate& gate_;
  zonestore::ReaderGate::Slot* slot_in_gate_ = nullptr;
  uint64_t generation_ = 0;  // of the gate, when the walker last found the map
  MDB_txn* txn_ = nullptr;
  MDB_cursor* zones_ = nullptr;
  MDB_cursor* ptr_ = nullptr;
  bool active_ = false;
  size_t apex_key_len_ = 0;  // of the zone found last
  size_t txn_id_ = 0;        // of the snapshot begin() took

  zonestore::PtrWalker walker_;
  std::array<zonestore::PtrWalker::Lookup, kMaxPrefetch> lookups_;
  std::array<int8_t, kMaxPrefetch> slot_{};             // query -> lookups_ index, or -1
  size_t prefetched_ = 0;                               // queries prefetch() covered
  const zonestore::PtrWalker::Lookup* hint_ = nullptr;  // the result use() chose
  char member_[255];  // the apex (wire) catalog_member() found last

  // The synthesis of the zone found last (names/synth.h): its template (empty: none,
  // pointing into the snapshot or the cache) and TTL, and the name made last.
  std::string_view synth_;
  uint32_t synth_ttl_ = 0;
  char synth_name_[255];
  dns::FindNode synthesized(const names::AddressKey& a, dns::PtrView& ptr, bool& has_ptr) noexcept;

  // The zone found last, copied out of the map, valid while the snapshot's transaction
  // id is the same (no commit since): most queries of a batch hit the same few zones,
  // and this saves their two cursor operations.
  struct ZoneCache {
    size_t txn_id = 0;  // 0: empty
    dns::FindZone result = dns::FindZone::None;
    dns::ZoneView zone;
    size_t apex_len = 0;
    char apex[256];
    char names[2048];  // mname, rname and the NS block
    char synth[255];   // the synthesis template
    size_t synth_len = 0;
    uint32_t synth_ttl = 0;
  } cache_;
  bool cached(std::string_view qkey, dns::ZoneView& zone, dns::FindZone& result) const noexcept;
  void remember(std::string_view apex_key, dns::FindZone result,
                const dns::ZoneView& zone) noexcept;
  void remember_synth() noexcept;
};

}  // namespace rdnsd::server
