#pragma once
// JSON views of store objects, as the admin protocol shows them (docs/ADMIN-PROTOCOL.md).
#include <ctime>
#include <string>
#include <vector>

#include "admin/protocol/protocol.h"
#include "zonestore/store.h"

namespace rdnsd::admin {

// RFC 3339 UTC with a "Z" suffix: "2026-11-23T14:07:29Z".
std::string rfc3339(std::time_t t);

// RFC 4648 section 4 base64 of `bytes` (with padding): a DHCID's presentation form
// (RFC 4701 section 3.4).
std::string base64(std::string_view bytes);

// {"id","ip","name","ptr","ttl","description","zone","created","modified",
//  "created_by","modified_by","status"}, and "dhcid": {"ttl","rdata" (base64)} when the
// address has a DHCID
Json record_json(const zonestore::Record& record);
// {"zone","prefix","serial","served","origin","records","ns","soa":{...},"ttl","ns_ttl",
//  "serial_policy","max_records","fcrdns"}
Json zone_json(const zonestore::Zone& zone);
// [{"zone","serial"}, ...]
Json serials_json(const std::vector<zonestore::ZoneSerial>& serials);
// The store's zones, IPv4 before IPv6, each in address order.
std::vector<zonestore::Zone> sorted_zones(const zonestore::Store& store);
// A limit of 0 means "none": JSON null.
Json limit_json(uint64_t limit);

}  // namespace rdnsd::admin
