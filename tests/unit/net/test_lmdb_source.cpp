// The answer path's view of the LMDB store: which names exist, which are empty
// non-terminals, which do not exist, and that a commit is seen by the next batch.
#include "server/net/lmdb_source.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/store_fixture.h"
#include "zonestore/names/catalog.h"
#include "zonestore/names/names.h"

using namespace rdnsd;
using namespace rdnsd::zonestore;
using namespace rdnsd::zonestore::testing;

namespace {

struct Looked {
  dns::FindZone zone = dns::FindZone::None;
  dns::FindNode node = dns::FindNode::NxDomain;
  std::string target;  // text, when there is a PTR
  uint32_t ttl = 0;
};

Looked look(server::LmdbSource& src, std::string_view name) {
  Looked out;
  std::string qkey = key_of(name);
  dns::ZoneView zone;
  out.zone = src.find_zone(qkey, zone);
  if (out.zone != dns::FindZone::Found) return out;
  dns::PtrView ptr;
  bool has_ptr = false;
  out.node = src.find_node(qkey, ptr, has_ptr);
  if (has_ptr) {
    out.target = names::wire_to_text(ptr.target);
    out.ttl = ptr.ttl;
  }
  return out;
}

std::string rev(std::string_view address) {
  return names::reverse_name(ip(address));
}

// The i-th of a spread of IPv6 addresses in 2001:db8::/32.
std::string address(uint32_t i) {
  char text[64];
  const uint32_t h = i * 2654435761u;
  snprintf(text, sizeof text, "2001:db8:%x:%x::%x", h >> 16, h & 0xffff, i);
  return std::string(text);
}

}  // namespace

TEST_CASE("LmdbSource: records, empty non-terminals and names that hold nothing") {
  Fixture fx;  // zones 192.0.2.0/24 and 2001:db8::/32
  fx.store->add_zone(zone_settings("2001:db9:f000::/36"), T0);  // an apex of 9 nibbles
  fx.store->set(set_op("2001:db9:f000::5", "odd.example."), T0);
  fx.store->set(set_op("192.0.2.1", "One.example.", 60), T0);
  fx.store->set(set_op("192.0.2.200", "two.example."), T0);
  fx.store->set(set_op("2001:db8::1", "v6.example."), T0);
  fx.store->set(set_op("2001:db8:abc0::7", "deep.example."), T0);

  server::LmdbSource src(*fx.store);
  REQUIRE(src.begin());

  Looked l = look(src, rev("192.0.2.1"));
  CHECK(l.zone == dns::FindZone::Found);
  CHECK(l.node == dns::FindNode::Exists);
  CHECK(l.target == "One.example.");
  CHECK(l.ttl == 60);
  CHECK(look(src, "1.2.0.192.IN-ADDR.ARPA.").target == "One.example.");
  CHECK(look(src, rev("2001:db8::1")).target == "v6.example.");

  // The apex exists; a missing address does not; names that are no address at all
  // (leading zero, over 255, letters, below a full address) do not either.
  CHECK(look(src, "2.0.192.in-addr.arpa.").node == dns::FindNode::Exists);
  CHECK(look(src, "2.0.192.in-addr.arpa.").target.empty());
  for (std::string_view t :
       {"3.2.0.192.in-addr.arpa.", "01.2.0.192.in-addr.arpa.", "001.2.0.192.in-addr.arpa.",
        "256.2.0.192.in-addr.arpa.", "www.2.0.192.in-addr.arpa.", "x.1.2.0.192.in-addr.arpa.",
        "1.1.2.0.192.in-addr.arpa.",
        "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "g.8.b.d.0.1.0.0.2.ip6.arpa.", "1.8.b.d.0.1.0.0.2.ip6.arpa."}) {
    CAPTURE(t);
    CHECK(look(src, t).zone == dns::FindZone::Found);
    CHECK(look(src, t).node == dns::FindNode::NxDomain);
  }

  // Empty non-terminals: every ancestor of a record below the apex, on any nibble.
  for (std::string_view t :
       {"0.8.b.d.0.1.0.0.2.ip6.arpa.", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",  // 31 nibbles
        "a.8.b.d.0.1.0.0.2.ip6.arpa.", "b.a.8.b.d.0.1.0.0.2.ip6.arpa.",
        "c.b.a.8.b.d.0.1.0.0.2.ip6.arpa.", "0.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa."}) {
    CAPTURE(t);
    CHECK(look(src, t).node == dns::FindNode::EmptyNonTerminal);
  }
  // Below an apex of an odd nibble count.
  CHECK(look(src, "0.f.9.b.d.0.1.0.0.2.ip6.arpa.").node == dns::FindNode::EmptyNonTerminal);
  CHECK(look(src, "1.f.9.b.d.0.1.0.0.2.ip6.arpa.").node == dns::FindNode::NxDomain);
  CHECK(look(src, rev("2001:db9:f000::5")).target == "odd.example.");
  // Beside them, nothing.
  for (std::string_view t : {"b.8.b.d.0.1.0.0.2.ip6.arpa.", "c.a.8.b.d.0.1.0.0.2.ip6.arpa.",
                             "1.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa."}) {
    CAPTURE(t);
    CHECK(look(src, t).node == dns::FindNode::NxDomain);
  }

  // Not served: outside every zone.
  CHECK(look(src, rev("198.51.100.1")).zone == dns::FindZone::None);
  src.end();

  // A commit is seen by the next batch, not by the current one.
  REQUIRE(src.begin());
  fx.store->set(set_op("192.0.2.3", "three.example."), T0 + 1);
  CHECK(look(src, rev("192.0.2.3")).node == dns::FindNode::NxDomain);
  src.end();
  REQUIRE(src.begin());
  CHECK(look(src, rev("192.0.2.3")).target == "three.example.");
  fx.store->unset({"192.0.2.1"}, T0 + 2);
  src.end();
  REQUIRE(src.begin());
  CHECK(look(src, rev("192.0.2.1")).node == dns::FindNode::NxDomain);
  src.end();
}

TEST_CASE("LmdbSource: lookups in a store of many pages, before and after writes") {
  Fixture fx;  // zones 192.0.2.0/24 and 2001:db8::/32
  // 20,000 IPv6 records spread over the zone: a tree of three levels, hundreds of pages.
  constexpr uint32_t kRecords = 20000;
  std::vector<Op> ops;
  for (uint32_t i = 0; i < kRecords; ++i)
    ops.push_back(op_set(set_op(address(i), "h" + std::to_string(i) + ".example.")));
  fx.store->apply(ops, T0);
  for (uint32_t i = 1; i < 256; i += 2)
    fx.store->set(set_op("192.0.2." + std::to_string(i), "v4-" + std::to_string(i) + ".example."),
                  T0);

  server::LmdbSource src(*fx.store);
  REQUIRE(src.begin());
  for (uint32_t i = 0; i < kRecords; i += 7) {
    CAPTURE(i);
    REQUIRE(look(src, rev(address(i))).target == "h" + std::to_string(i) + ".example.");
  }
  for (uint32_t i = 0; i < 256; ++i) {
    CAPTURE(i);
    const std::string target = i % 2 ? "v4-" + std::to_string(i) + ".example." : "";
    REQUIRE(look(src, rev("192.0.2." + std::to_string(i))).target == target);
  }
  CHECK(look(src, rev("2001:db8:1:2:3::1")).node == dns::FindNode::NxDomain);
  src.end();

  for (uint32_t i = 0; i < kRecords; i += 97) fx.store->unset({address(i)}, T0 + 1);
  fx.store->set(set_op(address(kRecords), "new.example."), T0 + 1);
  REQUIRE(src.begin());
  for (uint32_t i = 0; i < kRecords; i += 97) {
    CAPTURE(i);
    CHECK(look(src, rev(address(i))).node == dns::FindNode::NxDomain);
    CHECK(look(src, rev(address(i + 1))).target == "h" + std::to_string(i + 1) + ".example.");
  }
  CHECK(look(src, rev(address(kRecords))).target == "new.example.");
  src.end();
}

TEST_CASE("LmdbSource: a batch's lookups made ahead give the answers of lookups made alone") {
  Fixture fx;  // zones 192.0.2.0/24 and 2001:db8::/32
  std::vector<Op> ops;
  for (uint32_t i = 0; i < 20000; i += 2)  // even i only: odd i are missing addresses
    ops.push_back(op_set(set_op(address(i), "h" + std::to_string(i) + ".example.")));
  fx.store->apply(ops, T0);
  fx.store->set(set_op("192.0.2.7", "seven.example.", 70), T0);

  server::LmdbSource ahead(*fx.store), alone(*fx.store);
  // A batch of 64: records, missing addresses, an IPv4 record, and queries that are no
  // full address (not prefetched).
  std::vector<std::string> names;
  for (uint32_t i = 0; names.size() < 60; i += 333) names.push_back(rev(address(i)));
  names.push_back(rev("192.0.2.7"));
  names.push_back(rev("192.0.2.8"));
  names.push_back("8.b.d.0.1.0.0.2.ip6.arpa.");  // an empty non-terminal
  names.push_back("2.0.192.in-addr.arpa.");      // the apex
  std::vector<names::AddressKey> keys(names.size());
  bool wanted[server::LmdbSource::kMaxPrefetch] = {};
  for (size_t i = 0; i < names.size(); ++i)
    wanted[i] =
        names::key_to_address_key(key_of(names[i]), keys[i]) && keys[i].units == keys[i].full;
  CHECK(std::count(wanted, wanted + names.size(), true) == 62);

  auto same_answers = [&](const char* what) {
    CAPTURE(what);
    REQUIRE(ahead.begin());
    REQUIRE(alone.begin());
    ahead.prefetch(keys.data(), wanted, names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      CAPTURE(names[i]);
      ahead.use(i);
      Looked a = look(ahead, names[i]), b = look(alone, names[i]);
      CHECK(a.node == b.node);
      CHECK(a.target == b.target);
      CHECK(a.ttl == b.ttl);
    }
    // A query answered with another's result slot falls back to its own lookup.
    ahead.use(0);
    CHECK(look(ahead, names[1]).target == look(alone, names[1]).target);
    ahead.end();
    alone.end();
  };
  same_answers("as stored");
  // After a commit the next batch sees it, ahead as alone.
  fx.store->unset({address(0)}, T0 + 1);
  fx.store->set(set_op(address(333), "changed.example."), T0 + 1);
  same_answers("after a commit");
  REQUIRE(ahead.begin());
  ahead.prefetch(keys.data(), wanted, names.size());
  ahead.use(0);
  CHECK(look(ahead, names[0]).node == dns::FindNode::NxDomain);
  ahead.use(1);
  CHECK(look(ahead, names[1]).target == "changed.example.");
  ahead.end();
}

TEST_CASE("the catalog's serial and members as the answer path reads them") {
  Fixture f;
  f.store->reconcile({zone_settings("192.0.2.0/24"), zone_settings("2001:db8::/32")}, {}, T0);
  f.store->add_zone(zone_settings("198.51.100.0/24"), T0);
  server::LmdbSource src(*f.store);
  auto id_of = [](const std::string& apex) {
    return names::catalog_member_id(*names::text_to_wire(apex));
  };
  REQUIRE(src.begin());
  uint32_t serial = 0;
  REQUIRE(src.catalog_serial(serial));
  CHECK(serial == f.store->catalog_serial());
  for (const char* apex : {"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa."}) {
    std::string_view wire;
    REQUIRE(src.catalog_member(id_of(apex), wire));
    CHECK(names::wire_to_text(wire) == apex);
  }
  std::string_view wire;
  CHECK_FALSE(src.catalog_member("0000000000000000", wire));
  CHECK_FALSE(src.catalog_member("short", wire));
  // The lookups that follow still find their zones (the walk moved the zones cursor).
  CHECK(look(src, "1.2.0.192.in-addr.arpa.").zone == dns::FindZone::Found);
  src.end();

  // A zone no longer served is no member; the next snapshot sees the step.
  f.store->reconcile({zone_settings("192.0.2.0/24")}, {}, T0);
  REQUIRE(src.begin());
  CHECK_FALSE(src.catalog_member(id_of("8.b.d.0.1.0.0.2.ip6.arpa."), wire));
  REQUIRE(src.catalog_serial(serial));
  CHECK(serial == f.store->catalog_serial());
  src.end();
  CHECK_FALSE(src.catalog_serial(serial));  // outside a batch: no snapshot
}
