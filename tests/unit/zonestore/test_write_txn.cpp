// Unit tests of the write transaction (zonestore/write_txn.cpp): set and unset with their checks,
// quotas, descriptions, record ids, and a reader seeing a record and its serial change
// together.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/raw_read.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("set creates a record") {
  Fixture fx;
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w = fx.store->set(
      set_op("192.0.2.10", "Host10.Example.COM", std::nullopt, "rack 4", "alice"), T0 + 10);
  CHECK(w.created == 1);
  CHECK(w.replaced == 0);
  CHECK(w.removed == 0);
  REQUIRE(w.records.size() == 1);
  REQUIRE(w.serials.size() == 1);
  CHECK(w.serials[0].zone == kV4);
  CHECK(w.serials[0].serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);

  const Record& r = w.records[0];
  CHECK(r.address == ip("192.0.2.10"));
  CHECK(r.owner == "10.2.0.192.in-addr.arpa.");
  CHECK(r.target == "Host10.Example.COM.");
  CHECK(r.ttl == 7200);  // the zone's default
  CHECK(r.description == "rack 4");
  CHECK(std::regex_match(
      r.id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(r.created == T0 + 10);
  CHECK(r.modified == T0 + 10);
  CHECK(r.created_by == "alice");
  CHECK(r.modified_by == "alice");
  CHECK(r.zone == kV4);

  auto g = fx.store->get("192.0.2.10");
  REQUIRE(g);
  CHECK(describe(*g) == describe(r));
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);

  // An explicit TTL, an IPv6 address written the long way, and distinct ids.
  WriteResult w6 =
      fx.store->set(set_op("2001:0DB8:0000::0001", "six.example.", 60, "", "bob"), T0 + 20);
  CHECK(w6.records.at(0).ttl == 60);
  CHECK(names::format_ip(w6.records[0].address) == "2001:db8::1");
  CHECK(w6.records[0].id != r.id);
  CHECK(fx.store->get("2001:db8::1"));
  CHECK(fx.store->record_count() == 2);
  CHECK(fx.store->set(set_op("192.0.2.11", "z.example.", 0), T0).records.at(0).ttl == 0);
  CHECK(fx.store->set(set_op("192.0.2.12", "z.example.", 2147483647), T0).records.at(0).ttl ==
        2147483647u);
}

TEST_CASE("set again replaces the record and keeps its identity") {
  Fixture fx;
  Record first = fx.store->set(set_op("192.0.2.10", "old.example.", 300, "first", "alice"), T0 + 10)
                     .records.at(0);
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w =
      fx.store->set(set_op("192.0.2.10", "new.example.", std::nullopt, "second", "bob"), T0 + 50);
  CHECK(w.created == 0);
  CHECK(w.replaced == 1);
  const Record& r = w.records.at(0);
  CHECK(r.id == first.id);
  CHECK(r.created == T0 + 10);
  CHECK(r.created_by == "alice");
  CHECK(r.modified == T0 + 50);
  CHECK(r.modified_by == "bob");
  CHECK(r.target == "new.example.");
  CHECK(r.ttl == 7200);  // no TTL given: the zone's default again
  CHECK(r.description == "second");
  CHECK(w.serials.at(0).serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);
  CHECK(describe(*fx.store->get("192.0.2.10")) == describe(r));
  CHECK(describe(*fx.store->get_by_id(first.id)) == describe(r));
}

TEST_CASE("unset removes the record") {
  Fixture fx;
  Record r = fx.store->set(set_op("192.0.2.10", "a.example."), T0).records.at(0);
  fx.store->set(set_op("192.0.2.11", "b.example."), T0);
  uint32_t s4 = serial_of(*fx.store, kV4);
  WriteResult w = fx.store->unset({"192.0.2.10"}, T0 + 10);
  CHECK(w.removed == 1);
  CHECK(w.records.empty());
  CHECK(w.serials.at(0).serial == s4 + 1);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK_FALSE(fx.store->get("192.0.2.10"));
  CHECK_FALSE(fx.store->get_by_id(r.id));
  CHECK(fx.store->get("192.0.2.11"));
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 1);

  std::string before = dump(*fx.store);
  try {
    fx.store->unset({"192.0.2.10"}, T0 + 20);
    FAIL("unset of a missing record succeeded");
  } catch (const StoreError& e) {
    CHECK(e.code() == "not_found");
    CHECK(std::string(e.what()).find("192.0.2.10") != std::string::npos);
  }
  CHECK(dump(*fx.store) == before);
  CHECK(error_code([&] { fx.store->unset({"192.0.2.300"}, T0); }) == "bad_address");
  CHECK(error_code([&] { fx.store->unset({"198.51.100.1"}, T0); }) == "not_in_zone");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("bad input is refused and changes nothing") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "keep.example.", 600, "kept", "alice"), T0);
  std::string before = dump(*fx.store);
  struct Case {
    SetOp op;
    const char* code;
  };
  const std::vector<Case> cases = {
      {set_op("192.0.2.256", "x.example."), "bad_address"},
      {set_op("", "x.example."), "bad_address"},
      {set_op("192.0.2.0/24", "x.example."), "bad_address"},
      {set_op("fe80::1%eth0", "x.example."), "bad_address"},
      {set_op("192.0.2.1 ", "x.example."), "bad_address"},
      {set_op("198.51.100.1", "x.example."), "not_in_zone"},
      {set_op("2001:db9::1", "x.example."), "not_in_zone"},
      {set_op("::ffff:192.0.2.1", "x.example."), "not_in_zone"},
      {set_op("192.0.2.1", "bad_name.example."), "bad_name"},
      {set_op("192.0.2.1", ""), "bad_name"},
      {set_op("192.0.2.1", "-x.example."), "bad_name"},
      {set_op("192.0.2.1", "x..example."), "bad_name"},
      {set_op("192.0.2.1", std::string(254, 'a')), "bad_name"},
      {set_op("192.0.2.1", "x.example.", -1), "bad_ttl"},
      {set_op("192.0.2.1", "x.example.", 2147483648ll), "bad_ttl"},
      {set_op("192.0.2.2", "x.example.", -1), "bad_ttl"},
      {set_op("192.0.2.1", "x.example.", std::nullopt, std::string(256, 'd')), "bad_description"},
      {set_op("192.0.2.1", "x.example.", std::nullopt, std::string(128, '\xc3') + "\xa9"),
       "bad_description"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.op.address);
    CAPTURE(c.op.target);
    CHECK(error_code([&] { fx.store->set(c.op, T0 + 100); }) == c.code);
  }
  const std::vector<std::string> not_utf8 = {
      "\xff",
      "caf\xc3",
      "\x80",
      "a\x80z",
      "\xc0\xaf",
      "\xc1\xbf",
      "\xe0\x80\xaf",
      "\xed\xa0\x80",
      "\xf0\x80\x80\xaf",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",
      "\xe2\x82",
      "tab\tok\x01no",
      "nul\0"s,
      "del\x7f",
      "c1\xc2\x85",
      "line\nbreak",
  };
  for (const std::string& d : not_utf8) {
    CAPTURE(d);
    CHECK(error_code([&] {
            fx.store->set(set_op("192.0.2.1", "x.example.", std::nullopt, d), T0 + 100);
          }) == "bad_description");
  }
  CHECK(dump(*fx.store) == before);

  // Limits that are allowed.
  CHECK(error_code([&] {
          fx.store->set(set_op("192.0.2.3", "x.example.", std::nullopt, std::string(255, 'd')), T0);
        }) == "");
  std::string utf8 = "Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\ttab";
  auto r = fx.store->set(set_op("192.0.2.4", "x.example.", std::nullopt, utf8), T0);
  CHECK(r.records.at(0).description == utf8);
  CHECK(fx.store->get("192.0.2.4")->description == utf8);
}

TEST_CASE("quotas") {
  SUBCASE("global") {
    StoreOptions o;
    o.max_records = 3;
    Fixture fx(o);
    CHECK(fx.store->max_records() == 3);
    fx.store->set(set_op("192.0.2.1", "a.example."), T0);
    fx.store->set(set_op("192.0.2.2", "b.example."), T0);
    fx.store->set(set_op("2001:db8::3", "c.example."), T0);
    std::string before = dump(*fx.store);
    CHECK(error_code([&] { fx.store->set(set_op("192.0.2.4", "d.example."), T0 + 1); }) ==
          "quota_exceeded");
    CHECK(error_code([&] {
            fx.store->apply({op_set(set_op("192.0.2.2", "b2.example.")),
                             op_set(set_op("192.0.2.4", "d.example."))},
                            T0 + 1);
          }) == "quota_exceeded");
    CHECK(dump(*fx.store) == before);
    // At the limit a replace is allowed, and so is a set after an unset.
    fx.store->set(set_op("192.0.2.1", "a2.example."), T0 + 2);
    CHECK(fx.store->get("192.0.2.1")->target == "a2.example.");
    fx.store->apply({op_unset("192.0.2.2"), op_set(set_op("192.0.2.4", "d.example."))}, T0 + 3);
    CHECK(fx.store->record_count() == 3);
    // The limit holds across reopening.
    fx.reopen(o);
    CHECK(error_code([&] { fx.store->set(set_op("192.0.2.5", "e.example."), T0 + 4); }) ==
          "quota_exceeded");
  }
  SUBCASE("per zone") {
    TempDir dir;
    auto s = Store::open({dir.path});
    s->reconcile({zone_settings("192.0.2.0/24", 2), zone_settings("2001:db8::/32")}, {}, T0);
    s->set(set_op("192.0.2.1", "a.example."), T0);
    s->set(set_op("192.0.2.2", "b.example."), T0);
    std::string before = dump(*s);
    try {
      s->set(set_op("192.0.2.3", "c.example."), T0 + 1);
      FAIL("the zone quota was not enforced");
    } catch (const StoreError& e) {
      CHECK(e.code() == "quota_exceeded");
      CHECK(std::string(e.what()).find(kV4) != std::string::npos);
    }
    CHECK(dump(*s) == before);
    s->set(set_op("192.0.2.2", "b2.example."), T0 + 2);  // a replace at the limit
    s->set(set_op("2001:db8::1", "other-zone.example."), T0 + 2);
    CHECK(s->record_count() == 3);
  }
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

TEST_CASE("a reader sees a record and its serial change together") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "old.example.", 100), T0);
  uint32_t s4 = serial_of(*fx.store, kV4);

  ReadTxn before(*fx.store);
  fx.store->set(set_op("192.0.2.1", "New.Example.", 200), T0 + 1);
  fx.store->set(set_op("192.0.2.2", "added.example."), T0 + 1);
  ReadTxn after(*fx.store);

  Seen old1 = read_in(*fx.store, before.txn, "192.0.2.1");
  CHECK(old1.zone);
  CHECK(old1.serial == s4);
  CHECK(old1.target == "old.example.");
  CHECK(old1.ttl == 100);
  Seen old2 = read_in(*fx.store, before.txn, "192.0.2.2");
  CHECK(old2.serial == s4);
  CHECK_FALSE(old2.target);

  Seen new1 = read_in(*fx.store, after.txn, "192.0.2.1");
  CHECK(new1.serial == s4 + 2);
  CHECK(new1.target == "New.Example.");  // case as given
  CHECK(new1.ttl == 200);
  Seen new2 = read_in(*fx.store, after.txn, "192.0.2.2");
  CHECK(new2.serial == s4 + 2);
  CHECK(new2.target == "added.example.");
  CHECK(new2.ttl == 7200);

  fx.store->unset({"192.0.2.1"}, T0 + 2);
  CHECK(read_in(*fx.store, after.txn, "192.0.2.1").target == "New.Example.");
  ReadTxn last(*fx.store);
  Seen gone = read_in(*fx.store, last.txn, "192.0.2.1");
  CHECK_FALSE(gone.target);
  CHECK(gone.serial == s4 + 3);
}
