#include "zonestore/ptr_walk.h"

#include <atomic>
#include <cstring>

#include "zonestore/store.h"

namespace rdnsd::zonestore {
namespace {

// LMDB 0.9's data format (mdb.c): what the walker reads of it.
constexpr size_t kPageSize = 4096;
constexpr size_t kPageHeader = 16;  // pgno (8), pad (2), flags (2), lower (2), upper (2)
constexpr size_t kNodeHeader = 8;   // lo (2), hi (2), flags (2), key size (2)
constexpr uint16_t kBranch = 0x01, kLeaf = 0x02, kMetaPage = 0x08, kLeaf2 = 0x20;
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
// Offsets in a meta page, after the page header: magic (4), version (4), address (8),
// map size (8), the free and main DB records (48 each), last page (8), txn id (8).
constexpr size_t kMetaMagic = 0, kMetaVersion = 4, kMetaDbs = 24, kMetaLastPage = 120,
                 kMetaTxnId = 128;
constexpr size_t kDbRecord = 48;
// Offsets in a DB record: pad (4), flags (2), depth (2), branch, leaf and overflow pages,
// entries, root (8 each).
constexpr size_t kDbPad = 0, kDbDepth = 6, kDbBranch = 8, kDbLeaf = 16, kDbOverflow = 24,
                 kDbEntries = 32, kDbRoot = 40;
constexpr unsigned kMaxDepth = 32;

uint16_t u16(const char* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t u32(const char* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t u64(const char* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// One page's nodes, every read checked against the page.
struct Page {
  const char* p;
  uint16_t flags;
  size_t count;

  static bool open(const char* p, Page& out) noexcept {
    uint16_t lower = u16(p + 12), upper = u16(p + 14);
    if (lower < kPageHeader || lower > upper || upper > kPageSize) return false;
    out = {p, u16(p + 10), (lower - kPageHeader) / 2};
    return true;
  }
  // Node i's start, or nullptr if its header or key would leave the page.
  const char* node(size_t i) const noexcept {
    size_t at = u16(p + kPageHeader + 2 * i);
    if (at < kPageHeader || at + kNodeHeader > kPageSize) return nullptr;
    if (at + kNodeHeader + u16(p + at + 6) > kPageSize) return nullptr;
    return p + at;
  }
};

std::string_view node_key(const char* node) noexcept {
  return {node + kNodeHeader, u16(node + 6)};
}
uint64_t node_child(const char* node) noexcept {
  return uint64_t(u16(node)) | uint64_t(u16(node + 2)) << 16 | uint64_t(u16(node + 4)) << 32;
}
int compare(std::string_view a, std::string_view b) noexcept {
  MDB_val x{a.size(), const_cast<char*>(a.data())}, y{b.size(), const_cast<char*>(b.data())};
  return compare_address_keys(&x, &y);
}
// LMDB's default order (the main DB's): bytes, then length.
int compare_bytes(std::string_view a, std::string_view b) noexcept {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c : a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// Lookups in the main DB (the named DBs' records, in LMDB's default order), for
// snapshot(); find() walks `ptr` in steps of its own.
// In a branch page: the child to descend to for `key` (the last node whose key is <= it;
// node 0 stands for everything below node 1), as LMDB's mdb_page_search_root picks it.
bool branch_child(const Page& pg, std::string_view key, uint64_t& child) noexcept {
  if (pg.count == 0) return false;
  size_t lo = 1, hi = pg.count, pick = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char* n = pg.node(mid);
    if (!n) return false;
    if (compare_bytes(node_key(n), key) <= 0) {
      pick = mid;
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const char* n = pg.node(pick);
  if (!n) return false;
  child = node_child(n);
  return true;
}

// In a leaf page: the node whose key is `key`. Returns false if the page cannot be read;
// `node` is nullptr when the key is not there.
bool leaf_node(const Page& pg, std::string_view key, const char*& node) noexcept {
  node = nullptr;
  size_t lo = 0, hi = pg.count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char* n = pg.node(mid);
    if (!n) return false;
    int c = compare_bytes(node_key(n), key);
    if (c == 0) {
      node = n;
      return true;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return true;
}

}  // namespace

// The map's start, from any record's page less its page number; its first meta page
// must look as expected.
bool PtrWalker::find_map(MDB_txn* txn) noexcept {
  MDB_cursor* cur = nullptr;
  MDB_val k, v;
  bool got = mdb_cursor_open(txn, dbi_, &cur) == 0 && mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
  if (cur) mdb_cursor_close(cur);
  if (!got) return false;
  const char* pg = reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(v.mv_data) &
                                                 ~uintptr_t(kPageSize - 1));
  uint64_t pgno = u64(pg);
  if (pgno == 0 || pgno > (uint64_t(1) << 40)) return false;
  const char* base = pg - pgno * kPageSize;
  const char* meta = base + kPageHeader;
  if ((u16(base + 10) & kMetaPage) == 0 || u32(meta + kMetaMagic) != kMagic ||
      u32(meta + kMetaVersion) != kDataVersion ||
      u32(meta + kMetaDbs + kDbPad) != kPageSize)  // the free DB's pad is the page size
    return false;
  map_ = base;
  return true;
}

// The meta page of this snapshot: the one that has its transaction id. A writer
// rewrites it only two commits later; reading its id before and after the fields tells
// that they belong together. Sets last_page_ and the main DB's root.
bool PtrWalker::read_meta(uint64_t txnid, uint64_t& main_root) noexcept {
  for (int m = 0; m < 2; ++m) {
    const char* meta = page(uint64_t(m)) + kPageHeader;
    if (u64(meta + kMetaTxnId) != txnid) continue;
    std::atomic_thread_fence(std::memory_order_acquire);
    main_root = u64(meta + kMetaDbs + kDbRecord + kDbRoot);
    last_page_ = u64(meta + kMetaLastPage);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (u64(meta + kMetaTxnId) != txnid) return false;
    return main_root >= 2 && main_root <= last_page_;
  }
  return false;
}

// The `ptr` DB record in the main DB (the names of the named DBs, in LMDB's default
// order), or nullptr.
const char* PtrWalker::ptr_record(uint64_t main_root) const noexcept {
  uint64_t pgno = main_root;
  for (unsigned level = 0; level < kMaxDepth; ++level) {
    Page pg;
    if (pgno < 2 || pgno > last_page_ || !Page::open(page(pgno), pg)) return nullptr;
    if (pg.flags & kBranch) {
      if (!branch_child(pg, "ptr", pgno)) return nullptr;
      continue;
    }
    if ((pg.flags & (kLeaf | kLeaf2)) != kLeaf) return nullptr;
    const char* n = nullptr;
    if (!leaf_node(pg, "ptr", n) || !n) return nullptr;
    constexpr uint16_t kSubDb = 0x02;  // the node's data is a DB record
    size_t at = size_t(n - pg.p) + kNodeHeader + u16(n + 6);
    if ((u16(n + 4) & kSubDb) == 0 || u16(n) != kDbRecord || u16(n + 2) != 0 ||
        at + kDbRecord > kPageSize)
      return nullptr;
    return pg.p + at;
  }
  return nullptr;
}

bool PtrWalker::snapshot(MDB_txn* txn) noexcept {
  ready_ = false;
  MDB_stat st;
  if (mdb_stat(txn, dbi_, &st) != 0 || st.ms_psize != kPageSize || st.ms_depth == 0 ||
      st.ms_depth > kMaxDepth)
    return false;
  if (!map_ && !find_map(txn)) return false;
  uint64_t main_root = 0;
  if (!read_meta(mdb_txn_id(txn), main_root)) return false;
  const char* record = ptr_record(main_root);
  if (!record) return false;
  // It must be the record the transaction itself holds.
  if (u16(record + kDbDepth) != st.ms_depth || u64(record + kDbBranch) != st.ms_branch_pages ||
      u64(record + kDbLeaf) != st.ms_leaf_pages ||
      u64(record + kDbOverflow) != st.ms_overflow_pages ||
      u64(record + kDbEntries) != st.ms_entries)
    return false;
  root_ = u64(record + kDbRoot);
  if (root_ < 2 || root_ > last_page_) return false;
  depth_ = st.ms_depth;
  ready_ = true;
  return true;
}

namespace {

enum Step : uint8_t { kOpen, kFirstProbe, kProbe, kDone };

void prefetch_node(const Page& pg, size_t i) noexcept {
  size_t at = u16(pg.p + kPageHeader + 2 * i);
  if (at + 32 <= kPageSize) {
    __builtin_prefetch(pg.p + at);
    __builtin_prefetch(pg.p + at + 31);  // a node's header and key may cross a line
  }
}

// The tree of one snapshot, as the steps of a walk read it.
struct Tree {
  const char* map;
  uint64_t last_page;
  unsigned depth;
  const char* page(uint64_t pgno) const noexcept { return map + pgno * kPageSize; }
};

// Ends a lookup; true, for the callers' `return`.
inline bool finish(PtrWalker::Lookup& q, PtrWalker::Found found) noexcept {
  q.found = found;
  q.step = kDone;
  return true;
}

// The first step on a page: its header was prefetched with it; now its node offsets,
// and the node a branch falls back to.
inline bool open_page(PtrWalker::Lookup& q, const Page& pg, bool leaf) noexcept {
  if ((pg.flags & (kBranch | kLeaf | kLeaf2)) != (leaf ? kLeaf : kBranch) ||
      (!leaf && pg.count == 0) || pg.count > 0xffff)
    return finish(q, PtrWalker::Found::Unknown);
  q.count = uint16_t(pg.count);
  q.lo = leaf ? 0 : 1;
  q.hi = q.count;
  q.pick = 0;
  for (size_t at = 64; at < kPageHeader + 2 * pg.count; at += 64) __builtin_prefetch(pg.p + at);
  if (!leaf) prefetch_node(pg, 0);
  q.step = kFirstProbe;
  return false;
}

// The probe whose node the last step prefetched: narrows the search, or finds the key
// in a leaf (then the lookup is done).
inline bool probe(PtrWalker::Lookup& q, const Page& pg, bool leaf) noexcept {
  size_t mid = q.lo + (q.hi - q.lo) / 2u;
  const char* node = pg.node(mid);
  if (!node) return finish(q, PtrWalker::Found::Unknown);
  int c = compare(node_key(node), q.key.view());
  if (leaf && c == 0) {
    // A plain value in the page (no overflow page, no duplicates, no sub-DB).
    size_t size = size_t(u16(node)) | size_t(u16(node + 2)) << 16;
    size_t at = size_t(node - pg.p) + kNodeHeader + u16(node + 6);
    if (u16(node + 4) != 0 || at + size > kPageSize) return finish(q, PtrWalker::Found::Unknown);
    q.value = std::string_view(pg.p + at, size);
    __builtin_prefetch(pg.p + at + size - 1);  // the answer reads all of it
    return finish(q, PtrWalker::Found::Yes);
  }
  if (leaf ? c < 0 : c <= 0) {
    if (!leaf) q.pick = uint16_t(mid);
    q.lo = uint16_t(mid + 1);
  } else {
    q.hi = uint16_t(mid);
  }
  return false;
}

// After a probe: the next probe (its node arrives while the other lookups step), or,
// the search over, the child page of a branch (or not found in a leaf).
inline bool next(const Tree& t, PtrWalker::Lookup& q, const Page& pg, bool leaf) noexcept {
  if (q.lo < q.hi) {
    prefetch_node(pg, q.lo + (q.hi - q.lo) / 2u);
    q.step = kProbe;
    return false;
  }
  if (leaf) return finish(q, PtrWalker::Found::No);
  const char* node = pg.node(q.pick);
  uint64_t child = node ? node_child(node) : 0;
  if (child < 2 || child > t.last_page) return finish(q, PtrWalker::Found::Unknown);
  q.pgno = child;
  ++q.level;
  q.step = kOpen;
  __builtin_prefetch(t.page(child));
  __builtin_prefetch(t.page(child) + 64);
  return false;
}

// One step of one lookup (open a page, or one probe of its binary search); true once
// the lookup is done.
inline bool advance(const Tree& t, PtrWalker::Lookup& q) noexcept {
  const bool leaf = unsigned(q.level) + 1 == t.depth;
  Page pg;
  if (!Page::open(t.page(q.pgno), pg)) return finish(q, PtrWalker::Found::Unknown);
  if (q.step == kOpen) return open_page(q, pg, leaf);
  if (q.count != pg.count)  // the page is not what it was a step ago
    return finish(q, PtrWalker::Found::Unknown);
  if (q.step == kProbe && probe(q, pg, leaf)) return true;
  return next(t, q, pg, leaf);
}

}  // namespace

void PtrWalker::find(Lookup* lookups, size_t n) const noexcept {
  for (size_t i = 0; i < n; ++i) {
    Lookup& q = lookups[i];
    q.found = Found::Unknown;
    q.value = {};
    q.pgno = root_;
    q.level = 0;
    q.step = ready_ ? kOpen : kDone;
  }
  if (!ready_) return;
  const Tree tree{map_, last_page_, depth_};
  // Each pass takes every lookup that is not done one step.
  for (size_t active = n; active > 0;)
    for (size_t i = 0; i < n; ++i)
      if (lookups[i].step != kDone && advance(tree, lookups[i])) --active;
}

}  // namespace rdnsd::zonestore
