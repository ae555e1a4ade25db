// Unit tests of the conditions of a write (SetOp / UnsetOp: create only, expected id,
// move, range quota), checked in the write's own transaction, and of record pages and
// tokens (zonestore/pages.cpp, zonestore/tokens.cpp).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

TEST_CASE("create_only refuses an address that has a record, and writes nothing") {
  Fixture fx;
  Record r = fx.store->set(set_op("192.0.2.1", "one.example."), T0).records.at(0);
  const std::string before = dump(*fx.store);
  SetOp again = set_op("192.0.2.1", "two.example.");
  again.create_only = true;
  try {
    fx.store->set(again, T0 + 1);
    FAIL("replaced");
  } catch (const StoreError& e) {
    CHECK(e.code() == "conflict");
    CHECK(std::string(e.what()).find(r.id) != std::string::npos);
  }
  CHECK(dump(*fx.store) == before);
  again.address = "192.0.2.2";
  CHECK(fx.store->set(again, T0 + 1).created == 1);
}

TEST_CASE("expect_id: a replace or unset of another record is not_found") {
  Fixture fx;
  Record r = fx.store->set(set_op("192.0.2.1", "one.example."), T0).records.at(0);
  SetOp s = set_op("192.0.2.1", "two.example.");
  s.expect_id = "01890000-0000-7000-8000-000000000000";
  CHECK(error_code([&] { fx.store->set(s, T0 + 1); }) == "not_found");
  s.expect_id = "junk";
  CHECK(error_code([&] { fx.store->set(s, T0 + 1); }) == "not_found");
  s.address = "192.0.2.9";  // no record there at all
  s.expect_id = r.id;
  CHECK(error_code([&] { fx.store->set(s, T0 + 1); }) == "not_found");
  CHECK(!fx.store->get("192.0.2.9"));
  s.address = "192.0.2.1";
  CHECK(fx.store->set(s, T0 + 1).records.at(0).id == r.id);
  UnsetOp u{"192.0.2.1", "x", std::string("01890000-0000-7000-8000-000000000000")};
  CHECK(error_code([&] { fx.store->unset(u, T0 + 2); }) == "not_found");
  CHECK(fx.store->get("192.0.2.1"));
  u.expect_id = r.id;
  CHECK(fx.store->unset(u, T0 + 2).removed == 1);
}

TEST_CASE("move_from: same id and created time, both zones step once, counts kept") {
  Fixture fx;
  Record r = fx.store->set(set_op("192.0.2.1", "one.example."), T0).records.at(0);
  const uint32_t s4 = serial_of(*fx.store, kV4), s6 = serial_of(*fx.store, kV6);
  SetOp m = set_op("2001:db8::7", "moved.example.");
  m.move_from = "192.0.2.1";
  m.expect_id = r.id;
  WriteResult w = fx.store->set(m, T0 + 50);
  REQUIRE(w.records.size() == 1);
  CHECK(w.records[0].id == r.id);
  CHECK(w.records[0].created == T0);
  CHECK(w.records[0].modified == T0 + 50);
  CHECK(w.serials.size() == 2);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
  CHECK(serial_of(*fx.store, kV6) == s6 + 1);
  CHECK(!fx.store->get("192.0.2.1"));
  CHECK(fx.store->get_by_id(r.id)->target == "moved.example.");
  CHECK(names::format_ip(fx.store->get_by_id(r.id)->address) == "2001:db8::7");
  CHECK(fx.store->record_count() == 1);
  CHECK(fx.store->zone(kV4)->record_count == 0);
  CHECK(fx.store->zone(kV6)->record_count == 1);
  // Onto an address that has a record: conflict, nothing changes.
  fx.store->set(set_op("192.0.2.5", "five.example."), T0 + 60);
  const std::string before = dump(*fx.store);
  SetOp clash = set_op("192.0.2.5", "x.example.");
  clash.move_from = "2001:db8::7";
  clash.expect_id = r.id;
  CHECK(error_code([&] { fx.store->set(clash, T0 + 70); }) == "conflict");
  // From an address whose record has another id: not_found.
  clash.address = "192.0.2.6";
  clash.expect_id = fx.store->get("192.0.2.5")->id;
  CHECK(error_code([&] { fx.store->set(clash, T0 + 70); }) == "not_found");
  CHECK(dump(*fx.store) == before);
}

TEST_CASE("a range quota counts the records inside the ranges, in the same transaction") {
  Fixture fx;
  fx.store->set(set_op("192.0.2.1", "one.example."), T0);
  fx.store->set(set_op("192.0.2.200", "outside.example."), T0);
  auto limited = [](std::string ip) {
    SetOp s = set_op(std::move(ip), "q.example.");
    s.quota = RangeQuota{{pfx("192.0.2.0/26"), pfx("2001:db8:1234:5600::/56")}, 3};
    return s;
  };
  CHECK(fx.store->set(limited("192.0.2.2"), T0).created == 1);
  CHECK(fx.store->set(limited("2001:db8:1234:5600::1"), T0).created == 1);
  CHECK(error_code([&] { fx.store->set(limited("192.0.2.3"), T0); }) == "quota_exceeded");
  CHECK(fx.store->set(limited("192.0.2.2"), T0).replaced == 1);  // a replace is no new record
  // In one group commit, an op sees the ops before it.
  fx.store->unset({"192.0.2.2"}, T0);
  std::vector<Op> ops = {op_set(limited("192.0.2.4")), op_set(limited("192.0.2.5"))};
  std::vector<GroupItem> items = fx.store->apply_each(ops, T0);
  CHECK(std::holds_alternative<WriteResult>(items[0]));
  REQUIRE(std::holds_alternative<StoreError>(items[1]));
  CHECK(std::get<StoreError>(items[1]).code() == "quota_exceeded");
  CHECK(fx.store->count_in({pfx("192.0.2.0/26"), pfx("2001:db8:1234:5600::/56")}) == 3);
  CHECK(fx.store->count_in({pfx("192.0.2.0/24"), pfx("192.0.2.0/26")}) == 3);  // nested: once
}

TEST_CASE("pages: by offset, after and before, within ranges and by name") {
  Fixture fx;
  std::vector<std::string> ips;
  for (int i = 1; i <= 20; ++i) ips.push_back("192.0.2." + std::to_string(i * 10));
  for (const auto& ip : ips) fx.store->set(set_op(ip, "h" + ip.substr(8) + ".example."), T0);
  fx.store->set(set_op("2001:db8::1", "six.example."), T0);
  auto shown = [](const RecordPage& p) {
    std::vector<std::string> out;
    for (const auto& r : p.records) out.push_back(names::format_ip(r.address));
    return out;
  };
  RecordPageQuery q;
  q.limit = 5;
  RecordPage first = fx.store->page(q);
  CHECK(shown(first) == std::vector<std::string>(ips.begin(), ips.begin() + 5));
  CHECK(!first.more_before);
  CHECK(first.more_after);
  q.after = ip("192.0.2.50");
  RecordPage second = fx.store->page(q);
  CHECK(shown(second) == std::vector<std::string>(ips.begin() + 5, ips.begin() + 10));
  CHECK(second.more_before);
  q.after.reset();
  q.before = ip("192.0.2.60");
  CHECK(shown(fx.store->page(q)) == std::vector<std::string>(ips.begin(), ips.begin() + 5));
  q.before = ip("192.0.2.30");
  RecordPage head = fx.store->page(q);
  CHECK(shown(head) == std::vector<std::string>{"192.0.2.10", "192.0.2.20"});
  CHECK(!head.more_before);
  CHECK(head.more_after);
  q.before.reset();
  q.skip = 18;
  RecordPage tail = fx.store->page(q);
  CHECK(shown(tail) == std::vector<std::string>{"192.0.2.190", "192.0.2.200", "2001:db8::1"});
  CHECK(!tail.more_after);
  CHECK(tail.more_before);
  RecordPageQuery in;
  in.ranges = {pfx("2001:db8::/32"), pfx("192.0.2.64/26"), pfx("192.0.2.96/27")};
  in.limit = 100;
  CHECK(shown(fx.store->page(in)) ==
        std::vector<std::string>{"192.0.2.70", "192.0.2.80", "192.0.2.90", "192.0.2.100",
                                 "192.0.2.110", "192.0.2.120", "2001:db8::1"});
  in.name_contains = "H1";
  CHECK(shown(fx.store->page(in)) ==
        std::vector<std::string>{"192.0.2.100", "192.0.2.110", "192.0.2.120"});
  in.limit = 0;
  CHECK(error_code([&] { fx.store->page(in); }) == "bad_request");
}

TEST_CASE("tokens: add, find, list, remove") {
  Fixture fx;
  Token t;
  t.name = "tenant";
  t.hash = std::string(32, '\x11');
  t.scopes = 2;
  t.prefixes = {pfx("192.0.2.0/26"), pfx("2001:db8:1234:5600::/56")};
  t.quota = 7;
  t.expires = T0 + 86400;
  t.created = T0;
  t.created_by = "root";
  fx.store->add_token(t);
  CHECK(error_code([&] { fx.store->add_token(t); }) == "conflict");
  fx.reopen();
  auto got = fx.store->token("tenant");
  REQUIRE(got);
  CHECK(got->hash == t.hash);
  CHECK(got->scopes == 2);
  CHECK(got->prefixes == t.prefixes);
  CHECK(got->quota == 7);
  CHECK(got->expires == T0 + 86400);
  CHECK(got->created_by == "root");
  CHECK(fx.store->tokens().size() == 1);
  CHECK(!fx.store->token("other"));
  fx.store->remove_token("tenant");
  CHECK(!fx.store->token("tenant"));
  CHECK(error_code([&] { fx.store->remove_token("tenant"); }) == "not_found");
}
