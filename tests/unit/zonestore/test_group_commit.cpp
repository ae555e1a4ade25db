// Unit tests of apply_each, the store's group commit: each op behaves as a set() or
// unset() of its own (its own serial step, counts and quota checks, its own failure), and
// the whole group is one durable LMDB commit.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <regex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

// The id of the last committed write transaction; nested transactions do not move it.
size_t last_txnid(const Store& s) {
  MDB_envinfo info{};
  REQUIRE(mdb_env_info(s.env(), &info) == 0);
  return info.me_last_txnid;
}

const WriteResult& applied(const GroupItem& item) {
  const auto* w = std::get_if<WriteResult>(&item);
  if (!w)
    FAIL("refused: " << std::get<StoreError>(item).code() << ": "
                     << std::get<StoreError>(item).what());
  return *w;
}

std::string refused(const GroupItem& item) {
  const auto* e = std::get_if<StoreError>(&item);
  return e ? e->code() : "(applied)";
}

// The serial the op left its zone at (it touched exactly one zone).
uint32_t serial_after(const GroupItem& item) {
  const WriteResult& w = applied(item);
  REQUIRE(w.serials.size() == 1);
  return w.serials[0].serial;
}

// What a write returned or threw, as text.
std::string outcome(const WriteResult& w) {
  return "ok created=" + std::to_string(w.created) + " replaced=" + std::to_string(w.replaced) +
         " removed=" + std::to_string(w.removed) + " " + w.serials.at(0).zone + "=" +
         std::to_string(w.serials.at(0).serial) +
         (w.records.empty()
              ? ""
              : " " + w.records[0].target + " ttl=" + std::to_string(w.records[0].ttl) + " " +
                    w.records[0].description);
}
std::string outcome(const StoreError& e) {
  return e.code() + ": " + e.what();
}

// A dump without the random parts (record ids), to compare two stores.
std::string without_ids(const std::string& dump) {
  return std::regex_replace(dump, std::regex(" id=[0-9a-f-]+"), " id=*");
}

}  // namespace

TEST_CASE("apply_each: a failing op in the middle changes nothing, the others are kept") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.9", "nine.example."), T0);
  uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
  size_t txn = last_txnid(*fx.store);
  std::vector<Op> ops = {
      op_set(set_op("192.0.2.1", "one.example.")),         // 0 applied
      op_set(set_op("192.0.2.300", "bad.example.")),       // 1 bad_address
      op_set(set_op("2001:db8::2", "two.example.")),       // 2 applied, the other zone
      op_unset("192.0.2.7"),                               // 3 not_found
      op_set(set_op("192.0.2.3", "not a name")),           // 4 bad_name
      op_set(set_op("198.51.100.1", "outside.example.")),  // 5 not_in_zone
      op_set(set_op("192.0.2.4", "four.example.", -1)),    // 6 bad_ttl
      op_unset("192.0.2.9"),                               // 7 applied
      op_set(set_op("192.0.2.5", "five.example.")),        // 8 applied
  };
  std::vector<GroupItem> items = fx.store->apply_each(ops, T0 + 10);
  REQUIRE(items.size() == ops.size());
  CHECK(last_txnid(*fx.store) == txn + 1);  // one commit for the whole group

  CHECK(refused(items[1]) == "bad_address");
  CHECK(refused(items[3]) == "not_found");
  CHECK(refused(items[4]) == "bad_name");
  CHECK(refused(items[5]) == "not_in_zone");
  CHECK(refused(items[6]) == "bad_ttl");
  // One serial step per applied op of its zone, in order; each answer names its own.
  CHECK(serial_after(items[0]) == s4 + 1);
  CHECK(serial_after(items[2]) == s6 + 1);
  CHECK(serial_after(items[7]) == s4 + 2);
  CHECK(serial_after(items[8]) == s4 + 3);
  CHECK(applied(items[0]).created == 1);
  CHECK(applied(items[0]).records.at(0).target == "one.example.");
  CHECK(applied(items[7]).removed == 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 3);
  CHECK(serial_of(*fx.store, kV6) == s6 + 1);

  CHECK(fx.store->get("192.0.2.1"));
  CHECK(fx.store->get("2001:db8::2"));
  CHECK(fx.store->get("192.0.2.5"));
  CHECK_FALSE(fx.store->get("192.0.2.9"));
  CHECK_FALSE(fx.store->get("192.0.2.3"));
  CHECK_FALSE(fx.store->get("192.0.2.4"));
  CHECK(fx.store->record_count() == 3);
  CHECK(fx.store->zone(kV4)->record_count == 2);
  CHECK(fx.store->zone(kV6)->record_count == 1);
  for (const char* db : {"ptr", "meta", "ids"}) CHECK(entries(*fx.store, db) == 3);
}

TEST_CASE("apply_each leaves the store as the same ops one request at a time would") {
  std::vector<Op> ops = {
      op_set(set_op("192.0.2.1", "one.example.", 60, "first")),
      op_set(set_op("192.0.2.1", "one-again.example.")),  // a replace of the op before
      op_unset("192.0.2.2"),                              // not_found
      op_set(set_op("2001:db8::1", "six.example.")),
      op_set(set_op("192.0.2.2", "two.example.")),
      op_unset("192.0.2.1"),
      op_set(set_op("192.0.2.1", "one-new.example.")),  // created again
      op_set(set_op("192.0.2.x", "x.example.")),        // bad_address
  };
  Fixture alone, group;
  std::vector<std::string> one_by_one;
  for (const Op& op : ops) {
    try {
      WriteResult w = op.kind == Op::Kind::Set ? alone.store->set(op.set, T0 + 5)
                                               : alone.store->unset(op.unset, T0 + 5);
      one_by_one.push_back(outcome(w));
    } catch (const StoreError& e) {
      one_by_one.push_back(outcome(e));
    }
  }
  std::vector<GroupItem> items = group.store->apply_each(ops, T0 + 5);
  REQUIRE(items.size() == ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    INFO("op " << i);
    CHECK(std::visit([](const auto& x) { return outcome(x); }, items[i]) == one_by_one[i]);
  }
  CHECK(without_ids(dump(*group.store)) == without_ids(dump(*alone.store)));
}

TEST_CASE("apply_each to one zone gives consecutive serials, in order") {
  Fixture fx;
  uint32_t s4 = serial_of(*fx.store, kV4);
  std::vector<Op> ops;
  for (int i = 1; i <= 200; ++i)
    ops.push_back(
        op_set(set_op("192.0.2." + std::to_string(i), "host" + std::to_string(i) + ".example.")));
  size_t txn = last_txnid(*fx.store);
  std::vector<GroupItem> items = fx.store->apply_each(ops, T0 + 1);
  CHECK(last_txnid(*fx.store) == txn + 1);
  REQUIRE(items.size() == 200);
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("op " << i);
    CHECK(serial_after(items[i]) == s4 + 1 + i);
  }
  CHECK(serial_of(*fx.store, kV4) == s4 + 200);
  CHECK(fx.store->record_count() == 200);
  CHECK(fx.store->zone(kV4)->record_count == 200);
}

TEST_CASE("apply_each: a quota of N with N+2 new records refuses exactly the last two") {
  SUBCASE("global") {
    StoreOptions o;
    o.max_records = 5;
    Fixture fx(o);
    fx.store->set(set_op("2001:db8::1", "before.example."), T0);  // one of the five
    std::vector<Op> ops;
    for (int i = 1; i <= 6; ++i)
      ops.push_back(op_set(set_op("192.0.2." + std::to_string(i), "h.example.")));
    std::vector<GroupItem> items = fx.store->apply_each(ops, T0 + 1);
    REQUIRE(items.size() == 6);
    for (size_t i = 0; i < 4; ++i) CHECK(std::holds_alternative<WriteResult>(items[i]));
    CHECK(refused(items[4]) == "quota_exceeded");
    CHECK(refused(items[5]) == "quota_exceeded");
    CHECK(fx.store->record_count() == 5);
    CHECK_FALSE(fx.store->get("192.0.2.5"));
  }
  SUBCASE("per zone, and an unset in the group makes room") {
    TempDir dir;
    auto s = Store::open({dir.path});
    s->reconcile({zone_settings("192.0.2.0/24", 3), zone_settings("2001:db8::/32")}, {}, T0);
    uint32_t s4 = serial_of(*s, kV4);
    std::vector<Op> ops;
    for (int i = 1; i <= 5; ++i)
      ops.push_back(op_set(set_op("192.0.2." + std::to_string(i), "h.example.")));
    ops.push_back(op_set(set_op("192.0.2.1", "replaced.example.")));  // a replace fits
    ops.push_back(op_unset("192.0.2.2"));
    ops.push_back(op_set(set_op("192.0.2.5", "now-fits.example.")));
    std::vector<GroupItem> items = s->apply_each(ops, T0 + 1);
    REQUIRE(items.size() == 8);
    for (size_t i : {0, 1, 2, 5, 6, 7}) {
      INFO("op " << i);
      CHECK(std::holds_alternative<WriteResult>(items[i]));
    }
    CHECK(refused(items[3]) == "quota_exceeded");
    CHECK(refused(items[4]) == "quota_exceeded");
    CHECK(serial_after(items[7]) == s4 + 6);
    CHECK(s->zone(kV4)->record_count == 3);
    CHECK(s->get("192.0.2.5")->target == "now-fits.example.");
    CHECK_FALSE(s->get("192.0.2.4"));
  }
}

TEST_CASE("apply_each: a group of only refused ops, and an empty group, write nothing") {
  Fixture fx;
  std::string before = dump(*fx.store);
  size_t txn = last_txnid(*fx.store);
  CHECK(fx.store->apply_each({}, T0).empty());
  std::vector<GroupItem> items =
      fx.store->apply_each({op_unset("192.0.2.1"), op_set(set_op("nope", "a.example."))}, T0);
  CHECK(refused(items[0]) == "not_found");
  CHECK(refused(items[1]) == "bad_address");
  CHECK(dump(*fx.store) == before);
  CHECK(last_txnid(*fx.store) == txn);
}

TEST_CASE("apply_each: a group that fills the map at its limit is refused whole with store_full") {
  TempDir dir;
  StoreOptions o;
  o.path = dir.path + "/db";
  o.map_size = 1 << 20;  // 256 pages: 6,000 records with 200-byte descriptions (1.2 MB) do not fit
  auto s = Store::open(o);
  s->reconcile({zone_settings("2001:db8::/32")}, {}, T0);
  std::string before = dump(*s);
  auto group = [](int from, int to) {
    std::vector<Op> ops;
    for (int i = from; i < to; ++i)
      ops.push_back(op_set(set_op("2001:db8::" + std::to_string(i),
                                  "a-long-target-name-" + std::to_string(i) + ".example.",
                                  std::nullopt, std::string(200, 'd'))));
    return ops;
  };
  std::vector<Op> ops = group(0, 6000);
  std::vector<GroupItem> items = s->apply_each(ops, T0);
  REQUIRE(items.size() == ops.size());
  // Each op is applied as if alone: where LMDB runs out of pages inside an op, that op
  // (and every later one that needs a page) is refused and the ones before it commit;
  // where it runs out in the group's commit, every op is refused and nothing is written.
  size_t applied_n = 0, refused_n = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("op " << i);
    if (std::holds_alternative<WriteResult>(items[i])) {
      ++applied_n;
      continue;
    }
    ++refused_n;
    CHECK(refused(items[i]) == "store_full");
    CHECK(std::string(std::get<StoreError>(items[i]).what()).find("store.map-size-max") !=
          std::string::npos);
  }
  CHECK(refused_n > 0);  // they cannot all fit
  CHECK(s->record_count() == applied_n);
  ListFilter all;
  all.limit = 1000;
  CHECK(s->list(all).total == applied_n);
  if (applied_n == 0) {
    CHECK(dump(*s) == before);
    // The store is still usable: a group that fits is written whole.
    ops = group(0, 500);
    items = s->apply_each(ops, T0);
    for (const GroupItem& item : items) CHECK(std::holds_alternative<WriteResult>(item));
    CHECK(s->record_count() == 500);
    CHECK(s->get("2001:db8::499"));
  } else {
    // What was applied reads back. A full map refuses even an unset (copy-on-write needs
    // pages); then it changes nothing and says what to do.
    CHECK(s->get("2001:db8::0"));
    try {
      WriteResult w = s->unset({"2001:db8::0"}, T0 + 1);
      CHECK(w.removed == 1);
      CHECK(s->record_count() == applied_n - 1);
    } catch (const StoreError& e) {
      CHECK(e.code() == "store_full");
      CHECK(std::string(e.what()).find("store.map-size") != std::string::npos);
      CHECK(s->record_count() == applied_n);
      CHECK(s->get("2001:db8::0"));
    }
  }
}
