#pragma once
// A stored zone as RFC 1035 section 5 master-file text, one record per line: the lines
// of an export. Every line is complete on its own (absolute owner, TTL, class), so the
// file needs no $ORIGIN or $TTL and any slice of it keeps its meaning. Fields are
// separated by tabs; names are absolute text as the store holds them (names.h).
#include <string>

#include "zonestore/store.h"

namespace rdnsd::admin::master_file {

// "; zone 2.0.192.in-addr.arpa. (192.0.2.0/24), 3 records"
std::string header_line(const zonestore::Zone& zone);
// "2.0.192.in-addr.arpa.\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. 7 3600 600
// 1209600 300" (one line): the SOA takes the zone's SOA TTL, the NS records its NS TTL
// (ns-ttl, by default the SOA TTL).
std::string soa_line(const zonestore::Zone& zone);
std::string ns_line(const zonestore::Zone& zone, const std::string& ns);
// "2.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\tmail.example.com."
std::string ptr_line(const zonestore::Record& record);
// "2.2.0.192.in-addr.arpa.\t300\tIN\tDHCID\tAAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="
// (RFC 4701 section 3.4: the RDATA in base64), for a record that has a DHCID.
std::string dhcid_line(const zonestore::Record& record);

}  // namespace rdnsd::admin::master_file
