// What one record lookup costs in rdnsd's store, without the network: opens an LMDB
// store read-only, takes the full-address PTR queries of a dnsperf query file, and times
// one exact lookup (MDB_SET on the `ptr` database, as the answer path does) per query,
// in random order, in one read transaction, with the map advised to huge pages as rdnsd
// does. Then measures this machine's memory
// latency with a dependent pointer chase over a buffer far larger than the caches, so a
// lookup's cost can be read as "N memory misses".
//
//   lookup_probe STORE_DIR QUERY_FILE [SECONDS [WALK_BATCH]]
//
// With WALK_BATCH (> 0) the lookups are made as the answer path makes them for a batch
// of UDP queries: WALK_BATCH keys at a time through zonestore::PtrWalker, each result
// checked against LMDB's first (walk_mismatches must be 0).
//
// Prints: store=... lookups=... ns_per_lookup=... found=... ptr_pages=...
//         chase_mib=... ns_per_miss=... misses_per_lookup=...
#include <lmdb.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "zonestore/ptr_walk.h"

namespace {

using Clock = std::chrono::steady_clock;

// "4.3.2.1.in-addr.arpa." or 32 nibbles + "ip6.arpa." -> family + address bytes.
bool address_key(const std::string& name, std::string& key) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    labels.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  if (labels.size() == 6 && labels[4] == "in-addr" && labels[5] == "arpa") {
    key.assign(1, '\x04');
    for (int i = 3; i >= 0; --i) key += char(std::stoi(labels[size_t(i)]));
    return true;
  }
  if (labels.size() == 34 && labels[32] == "ip6" && labels[33] == "arpa") {
    key.assign(17, '\0');
    key[0] = '\x06';
    for (int i = 0; i < 32; ++i) {
      int v = std::stoi(labels[size_t(31 - i)], nullptr, 16);
      key[size_t(1 + i / 2)] = char(uint8_t(key[size_t(1 + i / 2)]) | (i % 2 == 0 ? v << 4 : v));
    }
    return true;
  }
  return false;
}

double chase_ns(size_t bytes, double seconds) {
  // A random cyclic permutation of cache-line-sized slots: every step is a dependent load
  // from a line (and usually a page) the previous steps did not warm.
  const size_t slots = bytes / 64;
  std::vector<uint64_t> order(slots);
  for (size_t i = 0; i < slots; ++i) order[i] = i;
  std::mt19937_64 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  auto* buf = static_cast<uint64_t*>(
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (buf == MAP_FAILED) return 0;
  madvise(buf, bytes, MADV_HUGEPAGE);  // as rdnsd maps its store
  for (size_t i = 0; i < slots; ++i) buf[order[i] * 8] = order[(i + 1) % slots] * 8;
  uint64_t p = order[0] * 8, steps = 0;
  const auto t0 = Clock::now();
  const auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    for (int i = 0; i < 100000; ++i) p = buf[p];
    steps += 100000;
  }
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(steps);
  if (p == 1) std::puts("");  // keep the chase
  munmap(buf, bytes);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s STORE_DIR QUERY_FILE [SECONDS]\n", argv[0]);
    return 2;
  }
  const double seconds = argc > 3 ? std::atof(argv[3]) : 5.0;
  std::vector<std::string> keys;
  std::ifstream in(argv[2]);
  std::string name, type, key;
  while (in >> name >> type) {
    if (type != "PTR") continue;
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (address_key(name, key)) keys.push_back(key);
  }
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(1));

  MDB_env* env = nullptr;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  MDB_cursor* cur = nullptr;
  if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
      mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0) ||
      mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) || mdb_dbi_open(txn, "ptr", 0, &dbi) ||
      mdb_cursor_open(txn, dbi, &cur)) {
    std::fprintf(stderr, "cannot open the ptr database of %s\n", argv[1]);
    return 1;
  }
  MDB_stat st;
  mdb_stat(txn, dbi, &st);
  // As rdnsd does (zonestore/env.cpp): huge pages for the map where the kernel can.
  if (FILE* maps = std::fopen("/proc/self/maps", "re")) {
    char line[4096];
    while (std::fgets(line, sizeof line, maps)) {
      unsigned long lo = 0, hi = 0;
      if (std::strstr(line, "/data.mdb") && std::sscanf(line, "%lx-%lx", &lo, &hi) == 2)
        madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    }
    std::fclose(maps);
  }
  // One pass to bring the store into memory (as a server that has been answering).
  size_t found = 0;
  for (const auto& k : keys) {
    MDB_val kv{k.size(), const_cast<char*>(k.data())}, v;
    found += mdb_cursor_get(cur, &kv, &v, MDB_SET) == 0;
  }
  const size_t walk_batch = argc > 4 ? size_t(std::atoi(argv[4])) : 0;
  rdnsd::zonestore::PtrWalker walker(dbi);
  std::vector<rdnsd::zonestore::PtrWalker::Lookup> batch(walk_batch);
  auto fill = [&](size_t from, size_t n) {
    for (size_t j = 0; j < n; ++j) {
      const auto& k = keys[(from + j) % keys.size()];
      auto& key = batch[j].key;
      std::memcpy(key.bytes, k.data(), k.size());
      key.size = uint8_t(k.size());
      key.units = key.full = k.size() == 5 ? 4 : 32;
    }
  };
  size_t mismatches = 0;
  if (walk_batch > 0) {
    if (!walker.snapshot(txn)) {
      std::fprintf(stderr, "the walker cannot read this store\n");
      return 1;
    }
    for (size_t i = 0; i < keys.size(); i += walk_batch) {
      size_t n = std::min(walk_batch, keys.size() - i);
      fill(i, n);
      walker.find(batch.data(), n);
      for (size_t j = 0; j < n; ++j) {
        MDB_val kv{keys[i + j].size(), const_cast<char*>(keys[i + j].data())}, v;
        bool have = mdb_cursor_get(cur, &kv, &v, MDB_SET) == 0;
        const auto& l = batch[j];
        using F = rdnsd::zonestore::PtrWalker::Found;
        bool same =
            have ? l.found == F::Yes &&
                       l.value == std::string_view(static_cast<const char*>(v.mv_data), v.mv_size)
                 : l.found == F::No;
        mismatches += !same;
      }
    }
  }
  uint64_t lookups = 0;
  const auto t0 = Clock::now();
  const auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    for (size_t i = 0; i < keys.size() && i < 100000; ++i) {
      if (walk_batch > 0) {
        size_t n = std::min(walk_batch, std::min<size_t>(keys.size(), 100000) - i);
        fill(lookups + i, n);
        walker.find(batch.data(), n);
        i += n - 1;
        continue;
      }
      const auto& k = keys[(lookups + i) % keys.size()];
      MDB_val kv{k.size(), const_cast<char*>(k.data())}, v;
      mdb_cursor_get(cur, &kv, &v, MDB_SET);
    }
    lookups += std::min<size_t>(keys.size(), 100000);
  }
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(lookups);
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  mdb_env_close(env);

  const size_t chase_bytes = size_t(2) << 30;
  double miss = chase_ns(chase_bytes, std::min(seconds, 3.0));
  std::printf(
      "store=%s\nkeys=%zu\nfound=%zu\nptr_depth=%u\nptr_leaf_pages=%zu\nptr_branch_pages=%zu\n"
      "lookups=%llu\nns_per_lookup=%.1f\nchase_mib=%zu\nns_per_miss=%.1f\n"
      "misses_per_lookup=%.2f\nwalk_batch=%zu\nwalk_mismatches=%zu\n",
      argv[1], keys.size(), found, st.ms_depth, size_t(st.ms_leaf_pages),
      size_t(st.ms_branch_pages), static_cast<unsigned long long>(lookups), ns, chase_bytes >> 20,
      miss, miss > 0 ? ns / miss : 0.0, walk_batch, mismatches);
  return 0;
}
