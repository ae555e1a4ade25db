#pragma once
// Exact lookups in the `ptr` tree read straight from LMDB's pages, many keys at once.
//
// LMDB looks a key up alone: one dependent memory access after another, page by page
// and probe by probe. In a store far larger than the CPU caches most of those accesses
// miss, and the answer path spends its time waiting for memory. The walker takes the keys
// of a batch of queries and walks them down the tree together: each pass over the batch
// takes every key one step (open a page, or one probe of its binary search) and
// prefetches what that key's next step will read, so the memory accesses of one pass are
// independent of each other and overlap, and each has a whole pass to arrive.
//
// It reads LMDB's data file format (liblmdb 0.9, data version 1: page header, nodes,
// meta pages) through the read-only map LMDB itself made, from the root that the read
// transaction's snapshot holds. It never writes and never trusts what it reads: every
// page number is checked against the snapshot's last page, every offset against the page,
// and every walk against the tree's depth; anything unexpected makes that lookup
// Unknown, and the caller asks LMDB instead. snapshot() refuses a store whose map or meta
// pages do not look as expected, so a different LMDB only turns the walker off.
#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "zonestore/names/names.h"

namespace rdnsd::zonestore {

class PtrWalker {
 public:
  enum class Found : uint8_t { Unknown, Yes, No };
  struct Lookup {
    names::AddressKey key;  // a full address (5 or 17 bytes)
    Found found = Found::Unknown;
    std::string_view value;  // Yes: the record's value (TTL, target), in the map
    // The walk's state (internal): the current page, its node count, the binary
    // search's bounds and best branch node so far, the tree level and the step.
    uint64_t pgno = 0;
    uint16_t count = 0, lo = 0, hi = 0, pick = 0;
    uint8_t level = 0, step = 0;
  };

  // For the `ptr` DB (Store::ptr_dbi()). The map is found by the first snapshot() of a
  // store with records; a page size other than 4096 makes every snapshot() false.
  explicit PtrWalker(MDB_dbi ptr_dbi) noexcept : dbi_(ptr_dbi) {}

  // Takes the root of `ptr` in the snapshot of the read transaction `txn`. False if the
  // walker cannot be used with it (then find() must not be called until the next true).
  bool snapshot(MDB_txn* txn) noexcept;
  // Finds the map again at the next snapshot() (after the store was remapped).
  void forget_map() noexcept { map_ = nullptr; }

  // Looks up every key of `lookups`, setting found (and value). Values stay valid while
  // the transaction of the last snapshot() is.
  void find(Lookup* lookups, size_t n) const noexcept;

 private:
  const char* map_ = nullptr;  // LMDB's read-only map of data.mdb (found on first use)
  MDB_dbi dbi_;
  // Of the current snapshot:
  uint64_t root_ = 0;
  uint64_t last_page_ = 0;
  unsigned depth_ = 0;
  bool ready_ = false;

  const char* page(uint64_t pgno) const noexcept { return map_ + pgno * 4096; }
  // The steps of snapshot().
  bool find_map(MDB_txn* txn) noexcept;
  bool read_meta(uint64_t txnid, uint64_t& main_root) noexcept;
  const char* ptr_record(uint64_t main_root) const noexcept;
};

}  // namespace rdnsd::zonestore
