// Unit tests of the store's environment (zonestore/env.cpp): open creates it, a reopen keeps
// everything.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/store_fixture.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;
using namespace std::string_literals;

TEST_CASE("open creates the environment") {
  TempDir dir;
  std::string path = dir.path + "/a/b/store";
  {
    auto s = Store::open({path});
    REQUIRE(s);
    CHECK(s->env() != nullptr);
    CHECK(s->zones().empty());
    CHECK(s->record_count() == 0);
    CHECK(s->max_records() == 0);
  }
  CHECK(std::filesystem::exists(path + "/data.mdb"));
  auto again = Store::open({path});  // an existing store opens again
  CHECK(again->zones().empty());
}

TEST_CASE("reopening the store keeps everything") {
  Fixture fx;
  fx.store->add_zone(zone_settings("10.0.0.0/8", 50), T0);
  std::vector<std::string> ids;
  for (std::string a : {"192.0.2.1", "192.0.2.2", "2001:db8::1", "10.1.2.3"})
    ids.push_back(
        fx.store->set(set_op(a, "h.example.", 99, "d " + a, "carol"), T0 + 1).records.at(0).id);
  fx.store->unset({"192.0.2.2"}, T0 + 2);
  std::string before = dump(*fx.store);
  fx.reopen();
  CHECK(dump(*fx.store) == before);
  CHECK(fx.store->get_by_id(ids[0])->target == "h.example.");
  CHECK_FALSE(fx.store->get_by_id(ids[1]));
  CHECK(fx.store->get_by_id(ids[3])->description == "d 10.1.2.3");
  CHECK(fx.store->zone("10.0.0.0/8")->settings.max_records == 50);
  CHECK(fx.store->zone("10.0.0.0/8")->origin == ZoneOrigin::Admin);
  CHECK(fx.store->record_count() == 3);
  // And writes go on from where they were.
  uint32_t s4 = serial_of(*fx.store, kV4);
  fx.store->set(set_op("192.0.2.2", "back.example."), T0 + 3);
  CHECK(serial_of(*fx.store, kV4) == s4 + 1);
}

TEST_CASE("a store is opened by one Store at a time: a second open is refused, naming the pid") {
  TempDir dir;
  const std::string path = dir.path + "/store";
  auto first = Store::open({path});
  std::string why;
  try {
    Store::open({path});
  } catch (const StoreError& e) {
    CHECK(e.code() == "internal");
    why = e.what();
  }
  CHECK(why == "store " + path + " is in use by another process (pid " + std::to_string(getpid()) +
                   "): is rdnsd already running on it?");
  // The refused open changed nothing, and once the first is closed the store opens again.
  first->add_zone(zone_settings("10.0.0.0/8"), T0);
  first.reset();
  auto again = Store::open({path});
  CHECK(again->zones().size() == 1);
}
