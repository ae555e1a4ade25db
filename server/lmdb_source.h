#pragma once
// The answer core's RecordSource over the LMDB store: one per worker thread. It holds
// one read transaction that begin() renews and end() resets, so a batch of queries sees
// one consistent snapshot and the next batch sees every commit made before it (LMDB
// MVCC: no cache, nothing stale). Nothing here allocates after construction.
#include <lmdb.h>

#include "answer.h"
#include "store.h"

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

 private:
  const zonestore::Store& store_;
  MDB_txn* txn_ = nullptr;
  MDB_cursor* zones_ = nullptr;
  MDB_cursor* rr_ = nullptr;
  bool active_ = false;
  size_t apex_key_len_ = 0;  // of the zone found last
};

}  // namespace rdnsd::server
