// Map growth (zonestore/growth.cpp, zonestore/reader_gate.h): a write that finds the map
// full runs again in a larger map up to map_size_max; at the limit writes are refused
// with store_full and change nothing, removals still work (the reserve), and adds work
// again in the room they freed. Readers are never inside a remap: a snapshot held
// elsewhere makes the growth wait and then refuse, and readers on other threads keep
// reading correct data while the map grows under them.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <atomic>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

std::unique_ptr<Store> tiny_store(const std::string& dir, uint64_t max) {
  StoreOptions o;
  o.path = dir + "/db";
  o.map_size = kMiB;  // 256 pages
  o.map_size_max = max;
  auto s = Store::open(o);
  s->reconcile({zone_settings("2001:db8::/32")}, {}, T0);
  return s;
}

std::string addr(int i) {  // decimal digits in two groups: 2001:db8::1:2345
  return "2001:db8::" + std::to_string(i / 10000) + ":" + std::to_string(i % 10000);
}

SetOp big_set(int i) {
  return set_op(addr(i), "a-long-target-name-" + std::to_string(i) + ".example.", std::nullopt,
                std::string(200, 'd'));
}

// Sets until the store refuses one (groups of 50 while they fit, then one at a time);
// the number that went in.
int fill(Store& s, int from) {
  int i = from;
  for (;; i += 50) {
    std::vector<Op> ops;
    for (int j = i; j < i + 50; ++j) ops.push_back(op_set(big_set(j)));
    if (std::holds_alternative<StoreError>(s.apply_each(ops, T0).front())) break;
  }
  for (;; ++i) {
    try {
      s.set(big_set(i), T0);
    } catch (const StoreError& e) {
      CHECK(e.code() == "store_full");
      CHECK(std::string(e.what()).find("store.map-size-max") != std::string::npos);
      return i - from;
    }
    REQUIRE(i < from + 100000);
  }
}

}  // namespace

TEST_CASE("a full map grows up to map_size_max and every write lands") {
  TempDir dir;
  auto s = tiny_store(dir.path, 16 * kMiB);
  CHECK(s->map_size() == kMiB);
  // One batch and one group, each larger than the first map, and single sets.
  std::vector<Op> ops;
  for (int i = 0; i < 6000; ++i) ops.push_back(op_set(big_set(i)));
  WriteResult batch = s->apply(ops, T0);
  CHECK(batch.created == 6000);
  ops.clear();
  for (int i = 6000; i < 12000; ++i) ops.push_back(op_set(big_set(i)));
  for (const GroupItem& item : s->apply_each(ops, T0))
    CHECK(std::holds_alternative<WriteResult>(item));
  for (int i = 12000; i < 12300; ++i) s->set(big_set(i), T0);
  CHECK(s->record_count() == 12300);
  CHECK(s->map_size() > kMiB);
  CHECK(s->map_size() <= 16 * kMiB);
  for (int i : {0, 5999, 6000, 11999, 12299}) {
    auto r = s->get(addr(i));
    REQUIRE(r);
    CHECK(r->target == "a-long-target-name-" + std::to_string(i) + ".example.");
  }
  CHECK(s->zone("2001:db8::/32")->serial == 1 + 1 + 6000 + 300);
}

TEST_CASE("at map_size_max: store_full, nothing changed, unsets work, sets reuse their room") {
  TempDir dir;
  auto s = tiny_store(dir.path, 2 * kMiB);
  const int n = fill(*s, 0);
  REQUIRE(n > 100);
  CHECK(s->record_count() == uint64_t(n));
  const uint32_t serial = s->zone("2001:db8::/32")->serial;
  // A batch and a group of sets are refused whole, and so is a zone-add.
  std::vector<Op> ops;
  for (int i = n; i < n + 50; ++i) ops.push_back(op_set(big_set(i)));
  CHECK_THROWS_WITH_AS(s->apply(ops, T0), doctest::Contains("store.map-size-max"), StoreError);
  for (const GroupItem& item : s->apply_each(ops, T0)) {
    REQUIRE(std::holds_alternative<StoreError>(item));
    CHECK(std::get<StoreError>(item).code() == "store_full");
  }
  CHECK(s->record_count() == uint64_t(n));
  CHECK(s->zone("2001:db8::/32")->serial == serial);
  CHECK_FALSE(s->get(addr(n)));
  // Every record can be removed, one at a time, in a batch and in a group with sets
  // (whose sets are refused).
  for (int i = 0; i < 20; ++i) CHECK(s->unset({addr(i)}, T0).removed == 1);
  ops.clear();
  for (int i = 20; i < 40; ++i) ops.push_back(op_unset(addr(i)));
  CHECK(s->apply(ops, T0).removed == 20);
  ops.clear();
  for (int i = 40; i < 60; ++i) ops.push_back(op_unset(addr(i)));
  for (const GroupItem& item : s->apply_each(ops, T0))
    CHECK(std::holds_alternative<WriteResult>(item));
  CHECK(s->record_count() == uint64_t(n - 60));
  CHECK(s->map_size() <= 2 * kMiB + kMiB);  // the reserve: 1 MiB
  // Sets go in again, in the pages the removals freed, and the store is full again at
  // about the same count: the reserve was not given to them.
  const int again = fill(*s, 100000);
  CHECK(again >= 30);
  CHECK(s->record_count() <= uint64_t(n) + 60);
  CHECK(s->map_size() <= 2 * kMiB + 64 * 1024);
  for (int i = 60; i < 260; ++i) REQUIRE(s->unset({addr(i)}, T0).removed == 1);
}

TEST_CASE(
    "a snapshot held elsewhere makes growth wait, then refuse, and once released the write lands") {
  TempDir dir;
  auto s = tiny_store(dir.path, 8 * kMiB);
  int i = 0;
  for (; s->map_size() == kMiB; ++i) s->set(big_set(i), T0);  // grows early when it can
  const uint64_t size = s->map_size();
  {
    auto reader = s->read_zone("2001:db8::/32");  // an export's snapshot
    REQUIRE(reader);
    int refused_at = -1;
    for (int j = i; j < i + 100000 && refused_at < 0; ++j) {
      try {
        s->set(big_set(j), T0);
      } catch (const StoreError& e) {
        CHECK(e.code() == "store_full");
        CHECK(std::string(e.what()).find("try again") != std::string::npos);
        refused_at = j;
      }
    }
    REQUIRE(refused_at >= 0);
    CHECK(s->map_size() == size);  // never remapped under the snapshot
    Record r;
    CHECK(reader->next(r));  // and the snapshot still reads
    i = refused_at;
  }
  s->set(big_set(i), T0);
  CHECK(s->map_size() > size);
  CHECK(s->get(addr(i)));
}

TEST_CASE("readers on other threads read correct records while the map grows") {
  TempDir dir;
  auto s = tiny_store(dir.path, 64 * kMiB);
  s->set(big_set(0), T0);
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      while (!stop) {
        auto r = s->get(addr(0));
        if (!r || r->target != "a-long-target-name-0.example.") ++wrong;
        ++reads;
      }
    });
  for (int i = 1; i < 40000; i += 100) {
    std::vector<Op> ops;
    for (int j = i; j < i + 100; ++j) ops.push_back(op_set(big_set(j)));
    s->apply(ops, T0);
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(s->map_size() > 8 * kMiB);
  CHECK(reads > 0);
  CHECK(wrong == 0);
  CHECK(s->record_count() == 40001);
}
