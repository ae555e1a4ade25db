// Unit tests of the store's whole-zone and many-record paths: add_zones, descriptions
// kept on replace, apply with skipped ops, dry runs and without records, record ids, and
// read_zone's snapshot.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "zonestore/store.h"
#include "tests/support/store_fixture.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

TEST_CASE("add_zones adds all of a list in one transaction, or none") {
  Fixture fx;
  std::vector<ZoneSettings> list = {zone_settings("10.1.16.0/24"), zone_settings("10.1.17.0/24"),
                                    zone_settings("10.1.18.0/24")};
  std::vector<Zone> added = fx.store->add_zones(list, T0 + 5);
  REQUIRE(added.size() == 3);
  CHECK(added[0].apex == "16.1.10.in-addr.arpa.");
  CHECK(added[2].apex == "18.1.10.in-addr.arpa.");
  for (const Zone& z : added) {
    CHECK(z.origin == ZoneOrigin::Admin);
    CHECK(fx.store->zone(z.apex));
  }
  std::string before = dump(*fx.store);
  // The last one overlaps a stored zone: the first two are not kept either.
  std::vector<ZoneSettings> clash = {zone_settings("10.2.0.0/24"), zone_settings("10.2.1.0/24"),
                                     zone_settings("192.0.0.0/8")};
  CHECK(error_code([&] { fx.store->add_zones(clash, T0); }) == "conflict");
  // Two of the list overlapping each other.
  std::vector<ZoneSettings> twice = {zone_settings("10.3.0.0/24"), zone_settings("10.3.0.0/24")};
  CHECK(error_code([&] { fx.store->add_zones(twice, T0); }) == "conflict");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("a replace without a description keeps the old one, an empty one clears it") {
  Fixture fx;
  SetOp op = set_op("192.0.2.1", "a.example.", std::nullopt, "rack 4");
  fx.store->set(op, T0);
  op.description.reset();
  op.target = "b.example.";
  CHECK(fx.store->set(op, T0 + 1).records.at(0).description == "rack 4");
  CHECK(fx.store->get("192.0.2.1")->description == "rack 4");
  op.description = "";
  CHECK(fx.store->set(op, T0 + 2).records.at(0).description == "");
  // A new record without one gets an empty description.
  op.address = "192.0.2.2";
  op.description.reset();
  CHECK(fx.store->set(op, T0 + 3).records.at(0).description == "");
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

TEST_CASE("600 records get 600 distinct version 7 UUIDs that carry their creation time") {
  Fixture fx;
  const auto ms_now = [] {
    return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count());
  };
  const uint64_t before = ms_now();
  std::vector<Op> ops;
  for (int i = 0; i < 600; ++i)
    ops.push_back(op_set(set_op("2001:db8::" + std::to_string(i + 1), "h.example.")));
  WriteResult w = fx.store->apply(ops, T0 + 10);
  const uint64_t after = ms_now();
  REQUIRE(w.records.size() == 600);
  std::set<std::string> ids;
  for (const auto& r : w.records) {
    REQUIRE(r.id.size() == 36);
    CHECK(r.id[14] == '7');                                          // version 7
    CHECK(std::string("89ab").find(r.id[19]) != std::string::npos);  // RFC 9562 variant
    // The first 48 bits: Unix time in ms, when the record was made.
    const uint64_t ms = std::stoull(r.id.substr(0, 8) + r.id.substr(9, 4), nullptr, 16);
    CHECK(ms >= before);
    CHECK(ms <= after);
    ids.insert(r.id);
  }
  CHECK(ids.size() == 600);
}

TEST_CASE("read_zone: the zone and its records in address order, from one snapshot") {
  Fixture fx;
  for (const char* ip : {"192.0.2.200", "192.0.2.3", "192.0.2.20", "2001:db8::1"})
    fx.store->set(set_op(ip, "h.example."), T0);
  auto reader = fx.store->read_zone("192.0.2.0/24");
  REQUIRE(reader);
  uint32_t serial = reader->zone().serial;
  CHECK(reader->zone().record_count == 3);
  // A write after the snapshot began is not seen by it.
  fx.store->set(set_op("192.0.2.4", "later.example."), T0 + 1);
  fx.store->unset({"192.0.2.20"}, T0 + 2);
  std::vector<std::string> seen;
  Record r;
  while (reader->next(r)) {
    seen.push_back(names::format_ip(r.address));
    CHECK(r.zone == kV4);
  }
  CHECK(seen == std::vector<std::string>{"192.0.2.3", "192.0.2.20", "192.0.2.200"});
  CHECK_FALSE(reader->next(r));
  CHECK(reader->zone().serial == serial);
  CHECK(serial_of(*fx.store, kV4) == serial + 2);
  reader.reset();

  CHECK_FALSE(fx.store->read_zone("198.51.100.0/24"));
  CHECK(error_code([&] { fx.store->read_zone("198.51.0.0/20"); }) == "bad_request");
  auto v6 = fx.store->read_zone("8.B.D.0.1.0.0.2.ip6.arpa");
  REQUIRE(v6);
  REQUIRE(v6->next(r));
  CHECK(r.target == "h.example.");
  CHECK_FALSE(v6->next(r));
  // An empty zone has no records.
  fx.store->add_zone(zone_settings("203.0.113.0/24"), T0);
  auto empty = fx.store->read_zone("203.0.113.0/24");
  REQUIRE(empty);
  CHECK_FALSE(empty->next(r));
}
