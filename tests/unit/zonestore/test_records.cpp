// Unit tests of record reads (zonestore/records.cpp): get_by_id and list.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("get_by_id") {
  Fixture fx;
  Record r = fx.store->set(set_op("2001:db8::42", "x.example."), T0).records.at(0);
  auto g = fx.store->get_by_id(r.id);
  REQUIRE(g);
  CHECK(describe(*g) == describe(r));
  std::string upper = r.id;
  for (char& c : upper) c = char(std::toupper(uint8_t(c)));
  CHECK(fx.store->get_by_id(upper));
  CHECK_FALSE(fx.store->get_by_id("00000000-0000-4000-8000-000000000000"));
  CHECK_FALSE(fx.store->get_by_id(""));
  CHECK_FALSE(fx.store->get_by_id("not-an-id"));
  CHECK_FALSE(fx.store->get_by_id(r.id.substr(1)));
  CHECK_FALSE(fx.store->get_by_id(r.id + "0"));
  CHECK_FALSE(fx.store->get("192.0.2.200"));
  CHECK_FALSE(fx.store->get("198.51.100.1"));  // outside every zone: just not there
  CHECK(error_code([&] { fx.store->get("nope"); }) == "bad_address");
}

TEST_CASE("list") {
  Fixture fx;
  fx.store->add_zone(zone_settings("10.0.0.0/8"), T0);
  for (std::string_view a : {"2001:db8::10", "192.0.2.10", "10.0.0.1", "192.0.2.2", "2001:db8::2",
                             "192.0.2.100", "10.200.0.1"})
    fx.store->set(set_op(std::string(a), a.find(':') == a.npos ? "host-four.Example.NET."
                                                               : "host-six.Example.NET."),
                  T0);
  fx.store->set(set_op("192.0.2.10", "Mail.Example.NET."), T0);

  ListFilter f;
  ListResult all = fx.store->list(f);
  CHECK(addresses(all) == std::vector<std::string>{"10.0.0.1", "10.200.0.1", "192.0.2.2",
                                                   "192.0.2.10", "192.0.2.100", "2001:db8::2",
                                                   "2001:db8::10"});
  CHECK(all.total == 7);
  CHECK_FALSE(all.next_offset);
  CHECK(all.records.at(0).zone == "10.in-addr.arpa.");
  CHECK(all.records.at(3).zone == kV4);
  CHECK(all.records.at(6).zone == kV6);

  SUBCASE("by zone") {
    for (std::string z : {"2.0.192.in-addr.arpa.", "2.0.192.IN-ADDR.ARPA", "192.0.2.0/24"}) {
      CAPTURE(z);
      f.zone = z;
      ListResult r = fx.store->list(f);
      CHECK(addresses(r) == std::vector<std::string>{"192.0.2.2", "192.0.2.10", "192.0.2.100"});
      CHECK(r.total == 3);
    }
    f.zone = "2001:db8::/32";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2", "2001:db8::10"});
    f.zone = "198.51.100.0/24";
    CHECK(error_code([&] { fx.store->list(f); }) == "not_found");
    f.zone = "192.0.2.1/24";
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
    f.zone = kV4;
    f.prefix = pfx("192.0.2.0/28");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.2", "192.0.2.10"});
    f.prefix = pfx("10.0.0.0/8");  // disjoint from the zone
    ListResult none = fx.store->list(f);
    CHECK(none.records.empty());
    CHECK(none.total == 0);
  }
  SUBCASE("by prefix") {
    f.prefix = pfx("192.0.2.0/28");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.2", "192.0.2.10"});
    f.prefix = pfx("10.0.0.0/16");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"10.0.0.1"});
    f.prefix = pfx("0.0.0.0/0");
    CHECK(fx.store->list(f).total == 5);
    f.prefix = pfx("::/0");
    CHECK(fx.store->list(f).total == 2);
    f.prefix = pfx("2001:db8::/124");
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2"});
    f.prefix = pfx("203.0.113.0/24");
    CHECK(fx.store->list(f).total == 0);
  }
  SUBCASE("by name") {
    f.name_contains = "MAIL";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"192.0.2.10"});
    f.name_contains = "host-six.example.net";
    CHECK(addresses(fx.store->list(f)) == std::vector<std::string>{"2001:db8::2", "2001:db8::10"});
    f.name_contains = "example.net.";
    CHECK(fx.store->list(f).total == 7);
    f.name_contains = "nowhere";
    CHECK(fx.store->list(f).total == 0);
    f.name_contains = "four";
    f.prefix = pfx("10.0.0.0/8");
    CHECK(fx.store->list(f).total == 2);
  }
  SUBCASE("pages") {
    f.limit = 3;
    ListResult p1 = fx.store->list(f);
    CHECK(addresses(p1) == std::vector<std::string>{"10.0.0.1", "10.200.0.1", "192.0.2.2"});
    CHECK(p1.total == 7);
    REQUIRE(p1.next_offset);
    CHECK(*p1.next_offset == 3);
    f.offset = 3;
    ListResult p2 = fx.store->list(f);
    CHECK(addresses(p2) == std::vector<std::string>{"192.0.2.10", "192.0.2.100", "2001:db8::2"});
    CHECK(p2.next_offset == uint64_t(6));
    f.offset = 6;
    ListResult p3 = fx.store->list(f);
    CHECK(addresses(p3) == std::vector<std::string>{"2001:db8::10"});
    CHECK(p3.total == 7);
    CHECK_FALSE(p3.next_offset);
    f.offset = 50;
    ListResult past = fx.store->list(f);
    CHECK(past.records.empty());
    CHECK(past.total == 7);
    CHECK_FALSE(past.next_offset);
    f.offset = 0;
    f.limit = 1000;
    CHECK(fx.store->list(f).records.size() == 7);
    f.limit = 1001;
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
    f.limit = 0;
    CHECK(error_code([&] { fx.store->list(f); }) == "bad_request");
  }
}
