// The JSON and text views of records: base64 (a DHCID's presentation form) against ldns
// as an independent encoder, and a record's "dhcid" member.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "admin/ops/master_file.h"
#include "admin/ops/views.h"

// Last: ldns may define bool/true/false as macros.
#include <ldns/ldns.h>
#undef bool
#undef true
#undef false

using namespace rdnsd;

namespace {

std::string ldns_base64(const std::string& bytes) {
  ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, bytes.size(), bytes.data());
  REQUIRE(rdf != nullptr);
  char* text = ldns_rdf2str(rdf);
  std::string out = text ? text : "";
  free(text);
  ldns_rdf_deep_free(rdf);
  return out;
}

}  // namespace

TEST_CASE("base64 agrees with ldns on every length up to 100 and random bytes") {
  CHECK(admin::base64("") == "");
  CHECK(admin::base64("a") == "YQ==");
  CHECK(admin::base64("ab") == "YWI=");
  CHECK(admin::base64("abc") == "YWJj");
  std::mt19937 rng(7);
  for (size_t n = 1; n <= 100; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = char(rng() & 0xFF);
    CAPTURE(n);
    CHECK(admin::base64(bytes) == ldns_base64(bytes));
  }
}

TEST_CASE("a record's DHCID in JSON and as a master-file line") {
  zonestore::Record r;
  r.address = *names::parse_ip("192.0.2.9");
  r.owner = "9.2.0.192.in-addr.arpa.";
  r.target = "h.example.";
  r.ttl = 300;
  CHECK_FALSE(admin::record_json(r).contains("dhcid"));
  r.dhcid = zonestore::Dhcid{900, std::string("\x00\x02\x01", 3) + "0123456789"};
  const admin::Json j = admin::record_json(r);
  CHECK(j["dhcid"]["ttl"] == 900);
  CHECK(j["dhcid"]["rdata"] == "AAIBMDEyMzQ1Njc4OQ==");
  CHECK(admin::master_file::dhcid_line(r) ==
        "9.2.0.192.in-addr.arpa.\t900\tIN\tDHCID\tAAIBMDEyMzQ1Njc4OQ==");
}
