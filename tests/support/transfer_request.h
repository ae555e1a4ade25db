#pragma once
// Shared by the transfer tests: a zone transfer request as a secondary sends it, built
// with ldns (an independent encoder), and the answer RRs of a reply as ldns prints them.
// Include it after every other header: ldns's `bool` macro breaks <optional> otherwise.
#include <doctest/doctest.h>
#include <ldns/ldns.h>
#include <stdlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rdnsd::testing {

// AXFR, or IXFR with the client's SOA serial in the authority section; with `edns`, an
// OPT RR asking for EDNS EXPIRE (RFC 7314). The message ID is 4242.
inline std::vector<uint8_t> transfer_request(const std::string& zone, ldns_rr_type type,
                                             std::optional<uint32_t> ixfr_serial = std::nullopt,
                                             bool edns = false) {
  ldns_rdf* name = ldns_dname_new_frm_str(zone.c_str());
  ldns_pkt* p = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(p, 4242);
  if (ixfr_serial) {
    ldns_rr* soa = nullptr;
    std::string text = zone + " 0 IN SOA ns. host. " + std::to_string(*ixfr_serial) + " 1 1 1 1";
    REQUIRE(ldns_rr_new_frm_str(&soa, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
    ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, soa);
  }
  if (edns) {
    ldns_pkt_set_edns_udp_size(p, 1232);
    ldns_pkt_set_edns_data(p, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, 4,
                                                    "\x00\x09\x00\x00"));  // EXPIRE, empty
  }
  uint8_t* wire = nullptr;
  size_t len = 0;
  REQUIRE(ldns_pkt2wire(&wire, p, &len) == LDNS_STATUS_OK);
  std::vector<uint8_t> out(wire, wire + len);
  free(wire);
  ldns_pkt_free(p);
  return out;
}

// Appends each answer RR of `p` to `out` as ldns prints it, without the newline.
inline void append_answer_rrs(ldns_pkt* p, std::vector<std::string>& out) {
  ldns_rr_list* an = ldns_pkt_answer(p);
  for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i) {
    char* s = ldns_rr2str(ldns_rr_list_rr(an, i));
    std::string text(s);
    free(s);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    out.push_back(text);
  }
}

}  // namespace rdnsd::testing
