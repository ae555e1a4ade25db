// Unit tests of the catalog zone's serial (`info`: "catalog"): it steps by one in exactly
// the write transactions that change the set of served zones, never for record writes,
// and survives a reopen.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/codec/info_value.h"
#include "zonestore/names/serial.h"
#include "zonestore/store.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

// A store with one served config zone (192.0.2.0/24), and its catalog serial after that.
struct CatalogFixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_store(dir.path);
  uint32_t start = 0;
  CatalogFixture() {
    store->reconcile({zone_settings("192.0.2.0/24")}, {}, T0);
    start = store->catalog_serial();
  }
  uint32_t steps() const { return store->catalog_serial() - start; }
};

}  // namespace

TEST_CASE("a new store starts its catalog serial at the time, and the first zone steps it") {
  TempDir dir;
  const std::time_t before = std::time(nullptr);
  auto s = open_store(dir.path);
  const uint32_t initial = s->catalog_serial();
  CHECK(initial >= uint32_t(before));
  CHECK(initial <= uint32_t(std::time(nullptr)));
  s->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, {}, T0);
  CHECK(s->catalog_serial() == initial + 1);  // two zones, one transaction: one step
}

TEST_CASE("zone-add and zone-remove step the catalog serial once each") {
  CatalogFixture fx;
  fx.store->add_zone(zone_settings("198.51.100.0/24"), T0);
  CHECK(fx.steps() == 1);
  fx.store->add_zones({zone_settings("203.0.113.0/24"), zone_settings("198.18.0.0/24")}, T0);
  CHECK(fx.steps() == 2);
  fx.store->remove_zone("198.51.100.0/24", false);
  CHECK(fx.steps() == 3);
}

TEST_CASE("a refused zone change leaves the catalog serial alone") {
  CatalogFixture fx;
  CHECK_THROWS_AS(fx.store->add_zone(zone_settings("192.0.2.0/25"), T0), StoreError);
  CHECK_THROWS_AS(
      fx.store->add_zones({zone_settings("198.51.100.0/24"), zone_settings("198.51.100.0/24")}, T0),
      StoreError);
  CHECK_THROWS_AS(fx.store->remove_zone("203.0.113.0/24", false), StoreError);
  fx.store->set(set_op("192.0.2.1", "gw.example.net."), T0);
  CHECK_THROWS_AS(fx.store->remove_zone("192.0.2.0/24", false), StoreError);  // not empty
  CHECK(fx.steps() == 0);
}

TEST_CASE("record writes and zone settings changes do not step the catalog serial") {
  CatalogFixture fx;
  fx.store->set(set_op("192.0.2.1", "gw.example.net."), T0);
  fx.store->set(set_op("192.0.2.1", "gw2.example.net."), T0);
  fx.store->unset(UnsetOp{"192.0.2.1", "alice"}, T0);
  fx.store->apply({op_set(set_op("192.0.2.2", "a.example.net.")),
                   op_set(set_op("192.0.2.3", "b.example.net."))},
                  T0);
  fx.store->apply_each({op_set(set_op("192.0.2.4", "c.example.net."))}, T0);
  CHECK(fx.steps() == 0);
  ZoneSettings changed = zone_settings("192.0.2.0/24");
  changed.default_ttl = 60;
  changed.soa.refresh = 1234;
  auto rep = fx.store->reconcile({changed}, {}, T0);
  CHECK(rep.updated.size() == 1);
  CHECK(fx.steps() == 0);
  fx.store->reconcile({changed}, {}, T0);  // unchanged
  CHECK(fx.steps() == 0);
}

TEST_CASE("reconcile steps it once for what it creates, unserves and serves again") {
  CatalogFixture fx;
  // One zone dropped from the config and another created: one transaction, one step.
  auto rep = fx.store->reconcile({zone_settings("2001:db8::/32")}, {}, T0);
  CHECK(rep.unserved.size() == 1);
  CHECK(rep.created.size() == 1);
  CHECK(fx.steps() == 1);
  // Served again, with settings unchanged (no zone serial step) and changed.
  fx.store->reconcile({zone_settings("2001:db8::/32"), zone_settings("192.0.2.0/24")}, {}, T0);
  CHECK(fx.steps() == 2);
  fx.store->reconcile({zone_settings("2001:db8::/32")}, {}, T0);
  CHECK(fx.steps() == 3);
  ZoneSettings changed = zone_settings("192.0.2.0/24");
  changed.default_ttl = 60;
  fx.store->reconcile({zone_settings("2001:db8::/32"), changed}, {}, T0);
  CHECK(fx.steps() == 4);
  // Removing a zone that is not served does not change the served set.
  fx.store->reconcile({changed}, {}, T0);
  CHECK(fx.steps() == 5);
  fx.store->remove_zone("2001:db8::/32", false);
  CHECK(fx.steps() == 5);
}

TEST_CASE("the catalog serial survives a reopen and wraps as RFC 1982 says") {
  TempDir dir;
  uint32_t kept = 0;
  {
    auto s = open_store(dir.path);
    s->add_zone(zone_settings("192.0.2.0/24"), T0);
    kept = s->catalog_serial();
  }
  {
    auto s = open_store(dir.path);
    CHECK(s->catalog_serial() == kept);
    // Near the top of the serial space: the next step wraps to 0.
    Txn txn(s->env(), true);
    txn.put(s->info_dbi(), codec::kInfoCatalogSerial, codec::encode_catalog_serial(0xFFFFFFFFu));
    txn.commit();
    s->add_zone(zone_settings("198.51.100.0/24"), T0);
    CHECK(s->catalog_serial() == 0);
    CHECK(serial::less(0xFFFFFFFFu, 0));
  }
  auto s = open_store(dir.path);
  CHECK(s->catalog_serial() == 0);
}
