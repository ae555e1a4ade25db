// Unit tests of export (zonestore/export.cpp): read_zone reads a zone whole from one snapshot.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

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
