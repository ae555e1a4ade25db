// Unit tests of batches (zonestore/batch.cpp): apply is all or nothing, skips ops on request, and
// writes a large batch without records in address order with the same outcome.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("apply is all or nothing") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "one.example."), T0);
  fx.store->set(set_op("2001:db8::1", "six.example."), T0);
  std::string before = dump(*fx.store);

  SUBCASE("one bad op at index k") {
    for (size_t k = 0; k < 4; ++k) {
      CAPTURE(k);
      std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")), op_unset("192.0.2.1"),
                             op_set(set_op("2001:db8::5", "five6.example.")),
                             op_set(set_op("192.0.2.6", "six.example."))};
      ops[k] = k % 2 ? op_unset("192.0.2.99") : op_set(set_op("192.0.2.7", "bad_name"));
      try {
        fx.store->apply(ops, T0 + 100);
        FAIL("the batch was applied");
      } catch (const BatchError& e) {
        CHECK(e.index() == k);
        CHECK(e.code() == (k % 2 ? "not_found" : "bad_name"));
      }
      CHECK(dump(*fx.store) == before);
    }
  }
  SUBCASE("a good batch over two zones steps each serial once") {
    uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
    std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")),
                           op_set(set_op("192.0.2.6", "six.example.")),
                           op_set(set_op("2001:db8::5", "five6.example.")), op_unset("192.0.2.1"),
                           op_set(set_op("192.0.2.5", "five-again.example."))};
    WriteResult w = fx.store->apply(ops, T0 + 100);
    CHECK(w.created == 3);
    CHECK(w.replaced == 1);
    CHECK(w.removed == 1);
    CHECK(w.records.size() == 4);
    REQUIRE(w.serials.size() == 2);
    for (const ZoneSerial& zs : w.serials) CHECK(zs.serial == (zs.zone == kV4 ? s4 : s6) + 1);
    CHECK(serial_of(*fx.store, kV4) == s4 + 1);
    CHECK(serial_of(*fx.store, kV6) == s6 + 1);
    CHECK(fx.store->get("192.0.2.5")->target == "five-again.example.");
    CHECK(fx.store->get("192.0.2.5")->id == w.records[0].id);
    CHECK_FALSE(fx.store->get("192.0.2.1"));
    CHECK(fx.store->record_count() == 4);
    CHECK(fx.store->zone(kV4)->record_count == 2);
    CHECK(fx.store->zone(kV6)->record_count == 2);
  }
  SUBCASE("set and unset of one address in one batch") {
    WriteResult w = fx.store->apply(
        {op_set(set_op("192.0.2.9", "tmp.example.")), op_unset("192.0.2.9")}, T0 + 100);
    CHECK(w.created == 1);
    CHECK(w.removed == 1);
    CHECK_FALSE(fx.store->get("192.0.2.9"));
    CHECK_FALSE(fx.store->get_by_id(w.records.at(0).id));
    CHECK(fx.store->record_count() == 2);
    CHECK(entries(*fx.store, "ids") == 2);
  }
  SUBCASE("an empty batch changes nothing") {
    WriteResult w = fx.store->apply({}, T0 + 100);
    CHECK(w.serials.empty());
    CHECK(dump(*fx.store) == before);
  }
}

TEST_CASE("apply with skip leaves out ops that fail their checks, and only those") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "one.example."), T0);
  uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
  std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")),
                         op_set(set_op("198.51.100.1", "outside.example.")),
                         op_set(set_op("192.0.2.6", "bad_name")),
                         op_set(set_op("192.0.2.7", "seven.example.", int64_t(1) << 31)),
                         op_set(set_op("192.0.2.1", "one-again.example."))};
  std::vector<std::pair<size_t, std::string>> seen;
  auto skip = [&](size_t i, const StoreError& e) {
    seen.emplace_back(i, e.code());
    return true;
  };
  SUBCASE("skipped ops leave no trace; the others are written") {
    WriteResult w = fx.store->apply(ops, T0 + 10, skip);
    CHECK(seen == std::vector<std::pair<size_t, std::string>>{
                      {1, "not_in_zone"}, {2, "bad_name"}, {3, "bad_ttl"}});
    CHECK(w.skipped == 3);
    CHECK(w.created == 1);
    CHECK(w.replaced == 1);
    REQUIRE(w.serials.size() == 1);  // the IPv6 zone was not touched
    CHECK(serial_of(*fx.store, kV4) == s4 + 1);
    CHECK(serial_of(*fx.store, kV6) == s6);
    CHECK(fx.store->record_count() == 2);
    CHECK_FALSE(fx.store->get("192.0.2.6"));
  }
  SUBCASE("a failure that is not skippable still fails the whole write") {
    std::string before = dump(*fx.store);
    ops.push_back(op_unset("192.0.2.99"));  // not_found: never skipped
    try {
      fx.store->apply(ops, T0 + 10, skip);
      FAIL("applied");
    } catch (const BatchError& e) {
      CHECK(e.index() == 5);
      CHECK(e.code() == "not_found");
    }
    CHECK(dump(*fx.store) == before);
  }
  SUBCASE("a skip function that says no fails the write") {
    std::string before = dump(*fx.store);
    CHECK(error_code([&] {
            fx.store->apply(ops, T0 + 10, [](size_t, const StoreError&) { return false; });
          }) == "not_in_zone");
    CHECK(dump(*fx.store) == before);
  }
  SUBCASE("a dry run counts and changes nothing") {
    std::string before = dump(*fx.store);
    WriteResult w = fx.store->apply(ops, T0 + 10, skip, true);
    CHECK(w.created == 1);
    CHECK(w.replaced == 1);
    CHECK(w.skipped == 3);
    REQUIRE(w.serials.size() == 1);
    CHECK(w.serials[0].serial == s4 + 1);
    CHECK(dump(*fx.store) == before);
  }
}

TEST_CASE("apply without keep_records writes the same and returns no records") {
  Fixture fx;
  std::vector<Op> ops = {op_set(set_op("192.0.2.5", "five.example.")),
                         op_set(set_op("2001:db8::5", "five6.example.")),
                         op_set(set_op("192.0.2.6", "six.example."))};
  WriteResult with = fx.store->apply(ops, T0 + 10);
  CHECK(with.records.size() == 3);
  std::vector<Op> again = {op_set(set_op("192.0.2.5", "five-b.example.")),
                           op_set(set_op("192.0.2.7", "seven.example."))};
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w = fx.store->apply(again, T0 + 20, {}, false, /*keep_records=*/false);
  CHECK(w.records.empty());
  CHECK(w.created == 1);
  CHECK(w.replaced == 1);
  REQUIRE(w.serials.size() == 1);
  CHECK(w.serials[0].serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK(fx.store->record_count() == 4);
  auto five = fx.store->get("192.0.2.5");
  REQUIRE(five);
  CHECK(five->target == "five-b.example.");
  CHECK(five->id == with.records[0].id);  // a replace keeps the record's id
  auto seven = fx.store->get("192.0.2.7");
  REQUIRE(seven);
  CHECK(seven->id.size() == 36);
  CHECK(seven->id != five->id);
}

namespace {

// dump() without the record ids, which are random.
std::string dump_without_ids(const Store& s) {
  std::string out = dump(s);
  for (size_t at = out.find(" id="); at != std::string::npos; at = out.find(" id=", at))
    out.erase(at, 4 + 36);
  return out;
}

// The index and code of the op that a batch without records is refused for.
std::pair<size_t, std::string> refusal(Store& s, const std::vector<Op>& ops) {
  try {
    s.apply(ops, T0 + 20, {}, false, /*keep_records=*/false);
  } catch (const BatchError& e) {
    return {e.index(), e.code()};
  }
  FAIL("applied");
  return {};
}

// 600 sets over both zones in no particular order, one address twice.
std::vector<Op> shuffled_sets() {
  std::vector<Op> ops;
  for (int i = 0; i < 600; ++i) {
    int n = (i * 7919) % 600;
    std::string address =
        n % 2 ? "192.0.2." + std::to_string(n % 250 + 1) : "2001:db8::" + std::to_string(n + 1);
    ops.push_back(op_set(set_op(address, "h" + std::to_string(i) + ".example.")));
  }
  ops.push_back(op_set(set_op("2001:db8::1", "last.example.")));
  return ops;
}

}  // namespace

TEST_CASE("a large batch without records, written in address order, ends as in the given order") {
  std::vector<Op> ops = shuffled_sets();
  Fixture given, sorted;
  WriteResult a = given.store->apply(ops, T0 + 10);  // with records: in the given order
  WriteResult b = sorted.store->apply(ops, T0 + 10, {}, false, /*keep_records=*/false);
  CHECK(b.created == a.created);
  CHECK(b.replaced == a.replaced);
  std::set<std::string> distinct;
  for (const Op& op : ops) distinct.insert(op.set.address);
  CHECK(a.created == distinct.size());
  CHECK(a.replaced == ops.size() - distinct.size());
  CHECK(dump_without_ids(*sorted.store) == dump_without_ids(*given.store));
  CHECK(sorted.store->get("2001:db8::1")->target == "last.example.");

  SUBCASE("a refusal names the first failing op in the given order") {
    std::string before = dump(*sorted.store);
    ops[450].set.target = "bad_name";
    ops[30].set.address = "192.0.2.300";   // bad_address
    ops[520].set.address = "203.0.113.1";  // not_in_zone
    CHECK(refusal(*sorted.store, ops) == std::pair<size_t, std::string>{30, "bad_address"});
    ops[30].set.address = "192.0.2.30";
    CHECK(refusal(*sorted.store, ops) == std::pair<size_t, std::string>{450, "bad_name"});
    CHECK(dump(*sorted.store) == before);
  }
  SUBCASE("a quota is refused at the op that crosses it in the given order") {
    StoreOptions o;
    o.max_records = 400;
    Fixture limited(o);
    std::string before = dump(*limited.store);
    // The given order's 401st new record.
    size_t created = 0, crossing = 0;
    std::set<std::string> seen;
    for (size_t i = 0; i < ops.size(); ++i)
      if (seen.insert(ops[i].set.address).second && ++created == 401) crossing = i;
    REQUIRE(crossing > 0);
    CHECK(refusal(*limited.store, ops) ==
          std::pair<size_t, std::string>{crossing, "quota_exceeded"});
    CHECK(dump(*limited.store) == before);
  }
}
