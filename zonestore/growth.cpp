// Map growth (zonestore/store.h, "A full map"): a write that finds the map full runs
// again in a larger map, up to StoreOptions::map_size_max; removals may go on in a
// reserve beyond it.
#include <sys/statvfs.h>

#include <algorithm>
#include <string>

#include "zonestore/store.h"

namespace rdnsd::zonestore {

namespace {

constexpr uint64_t kMiB = 1ull << 20;
// How long a write that needs a larger map waits for transfers and exports to release
// their snapshots (LMDB cannot remap under a live read transaction).
constexpr std::chrono::milliseconds kGrowWait{200};

std::string mib(uint64_t bytes) {
  return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB";
}

bool is_full(const StoreError& e) {
  return e.code() == "store_full";
}

}  // namespace

void Store::with_room(bool removal, const std::function<void()>& write) {
  if (!removal) leave_reserve();
  for (;;) {
    try {
      write();
      break;
    } catch (const StoreError& e) {
      if (e.code() == "internal") explain_disk_full(e);
      if (!is_full(e)) throw;
      grow(removal);  // the write's transaction is gone: the map may be remapped
    }
  }
  grow_early();
}

// A commit whose page writes fail on a full disk reports EIO (a short write) or ENOSPC:
// when the store's file system is (nearly) full, say so.
void Store::explain_disk_full(const StoreError& e) const {
  struct statvfs fs;
  if (statvfs(options_.path.c_str(), &fs) != 0) return;
  const uint64_t free = uint64_t(fs.f_bavail) * fs.f_frsize;
  if (free >= 16 * kMiB) return;
  throw StoreError("internal", std::string(e.what()) + ": No space left on device for the store (" +
                                   options_.path + ": " + std::to_string(free) +
                                   " bytes free); nothing was written");
}

void Store::grow(bool removal) {
  const uint64_t now = env_.map_size();
  const uint64_t limit = removal ? max_map_ + reserve_ : max_map_;
  if (now >= limit)
    throw StoreError("store_full", "the store is full: its map has reached store.map-size-max (" +
                                       mib(max_map_) +
                                       "); unset records or raise store.map-size-max");
  const uint64_t cap = now < max_map_ ? max_map_ : limit;
  const uint64_t next = std::min(cap, std::max(now * 2, now + kMiB));
  if (!env_.resize(next, kGrowWait))
    throw StoreError("store_full", "the store's map is full and cannot grow while " +
                                       std::to_string(env_.gate().shared_readers()) +
                                       " transfers or exports hold snapshots; try again");
  if (env_.map_size() > max_map_) in_reserve_ = true;
}

// Sets (and everything but removals) run in a map of at most max_map_: after removals
// used the reserve, the map goes back to the limit (LMDB keeps it at least as large as
// the data), so adds reuse only the pages the removals freed.
void Store::leave_reserve() {
  if (!in_reserve_) return;
  if (env_.resize(max_map_, kGrowWait)) in_reserve_ = false;
}

// Grows the map before it is full when that costs no wait (no transfer or export holds a
// snapshot), so that a write seldom has to wait for one: at three quarters of the map.
void Store::grow_early() {
  if (in_reserve_) return;
  MDB_envinfo info;
  MDB_stat stat;
  if (mdb_env_info(env_.get(), &info) != 0 || mdb_env_stat(env_.get(), &stat) != 0) return;
  const uint64_t used = (uint64_t(info.me_last_pgno) + 1) * stat.ms_psize;
  if (info.me_mapsize >= max_map_ || used * 4 < uint64_t(info.me_mapsize) * 3) return;
  env_.resize(std::min(max_map_, std::max(uint64_t(info.me_mapsize) * 2, info.me_mapsize + kMiB)),
              std::chrono::milliseconds(0));
}

}  // namespace rdnsd::zonestore
