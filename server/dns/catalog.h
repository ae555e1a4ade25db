#pragma once
// The catalog zone (RFC 9432, schema version 2) as the answer core and the transfer code
// serve it. Its records are made, not stored:
//
//   <apex>                 SOA   mname rname <catalog serial> refresh retry expire minimum
//   <apex>                 NS    invalid.            (section 4.1: a catalog is no zone
//                                                     to resolve through)
//   version.<apex>         TXT   "2"                 (section 4.2)
//   zones.<apex>                                     an empty non-terminal
//   <id>.zones.<apex>      PTR   <member apex>       one per served zone (section 4.3)
//
// The serial and the members come from the store (RecordSource::catalog_serial and
// catalog_member); what is fixed comes from the config (zone-defaults' SOA fields).
#include <cstdint>
#include <string>
#include <string_view>

namespace rdnsd::dns {

struct CatalogZone {
  std::string apex_key;      // the apex as a key (reversed labels, lower case); empty: none
  std::string apex_wire;     // the same name in wire form
  std::string mname, rname;  // wire
  uint32_t ttl = 0;          // of every catalog RR
  uint32_t refresh = 0, retry = 0, expire = 0, minimum = 0;

  bool enabled() const noexcept { return !apex_key.empty(); }
  bool operator==(const CatalogZone&) const = default;
};

namespace catalog {
// The NS target (section 4.1), wire, and as the answer core's NS block (length, name).
inline constexpr std::string_view kNsWire{"\7invalid\0", 9};
inline constexpr std::string_view kNsBlock{"\x09\7invalid\0", 10};
// The labels below the apex, as key bytes (one label each).
inline constexpr std::string_view kVersionLabel{"\7version", 8};
inline constexpr std::string_view kZonesLabel{"\5zones", 6};
// The version TXT's RDATA: one character-string, "2" (section 4.2).
inline constexpr std::string_view kVersionRdata{
    "\1"
    "2",
    2};
}  // namespace catalog

}  // namespace rdnsd::dns
