// Unit tests of the catalog member ids (zonestore/names/catalog.h).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "zonestore/names/catalog.h"
#include "zonestore/names/names.h"

using namespace rdnsd;

TEST_CASE("a member id is one label of 16 hex digits, the same for the same apex") {
  const std::string wire = *names::text_to_wire("2.0.192.in-addr.arpa.");
  const std::string id = names::catalog_member_id(wire);
  CHECK(id.size() == names::kCatalogIdLen);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(names::catalog_member_id(wire) == id);
  // FNV-1a 64 of the wire name: a fixed value, so that ids never change between versions
  // (a consumer would take a new id for a zone reset).
  CHECK(id == "97b090e2ba700a42");
}

TEST_CASE("the id of an apex key is the id of its wire name") {
  for (const char* apex : {"2.0.192.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.", "arpa."}) {
    const std::string wire = *names::text_to_wire(apex);
    char id[names::kCatalogIdLen];
    REQUIRE(names::catalog_member_id_of_key(names::wire_to_key(wire), id));
    CHECK(std::string(id, sizeof id) == names::catalog_member_id(wire));
    char back[255];
    const size_t len = names::key_to_wire_into(names::wire_to_key(wire), back);
    CHECK(std::string(back, len) == wire);
  }
  char id[names::kCatalogIdLen];
  CHECK_FALSE(names::catalog_member_id_of_key(std::string("\5ab", 3), id));  // label overruns
}

TEST_CASE("the ids of many zones differ") {
  std::set<std::string> ids;
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 16; ++b) {
      const std::string apex = std::to_string(b) + "." + std::to_string(a) + ".10.in-addr.arpa.";
      ids.insert(names::catalog_member_id(*names::text_to_wire(apex)));
    }
  CHECK(ids.size() == 256 * 16);
}
