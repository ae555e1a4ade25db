#pragma once
// The `dhcid` value: the DHCID RR (RFC 4701) an address has beside its PTR (DHCP
// servers' DDNS clients add one with every reverse PTR, RFC 4703).
//
// key = record key (zonestore/codec/keys.h: family + address, the same key as `ptr` and
// `meta`); a key is in `dhcid` only while it is in `ptr` (a DHCID goes with its PTR).
// value:
//   off size field
//   0   4    TTL, big-endian
//   4   ..   RDATA as received (identifier type, digest type, digest), 1..kMaxDhcidRdata
//
// Inline and allocation-free to decode: the answer path reads it for DHCID queries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zonestore/codec/bytes.h"

namespace rdnsd::zonestore::codec {

inline constexpr uint16_t kTypeDhcid = 49;
inline constexpr size_t kDhcidTtlAt = 0, kDhcidRdataAt = 4;
// RFC 4701 3.3: two octets of identifier type, one of digest type, then the digest (32
// octets of SHA-256); anything from three octets up to this bound is kept as sent.
inline constexpr size_t kMinDhcidRdata = 3, kMaxDhcidRdata = 1024;

struct DhcidValue {
  uint32_t ttl = 0;
  std::string_view rdata;  // pointing into the value
};

// False (and `out` untouched) for a value too short to hold a TTL and one octet.
inline bool decode_dhcid_value(std::string_view value, DhcidValue& out) noexcept {
  if (value.size() < kDhcidRdataAt + 1) return false;
  out.ttl = get_be32(value, kDhcidTtlAt);
  out.rdata = value.substr(kDhcidRdataAt);
  return true;
}

inline std::string encode_dhcid_value(uint32_t ttl, std::string_view rdata) {
  std::string out;
  out.reserve(kDhcidRdataAt + rdata.size());
  put_be(out, ttl, 4);
  out += rdata;
  return out;
}

}  // namespace rdnsd::zonestore::codec
