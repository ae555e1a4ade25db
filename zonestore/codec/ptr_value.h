#pragma once
// The `ptr` value: exactly what the answer path needs to answer a PTR query.
//
// key = record key (zonestore/codec/keys.h: family + address, the same key as `meta`);
// value:
//   off size field
//   0   4    TTL, big-endian
//   4   ..   PTR target in wire form (RFC 1035 labels, case as given), at least 1 byte
//
// (Schema 1 called the table `rr` and keyed it by owner key; zonestore/schema.cpp
// migrates it.) decode_ptr_value is on the answer path: inline, noexcept, no allocation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zonestore/codec/bytes.h"

namespace rdnsd::zonestore::codec {

inline constexpr size_t kPtrTtlAt = 0, kPtrTargetAt = 4;
inline constexpr size_t kPtrMinSize = kPtrTargetAt + 1;  // the root name is 1 byte

struct PtrValue {
  uint32_t ttl = 0;
  std::string_view target;  // wire form, pointing into the value
};

// False (and `out` untouched) for a value too short to hold a TTL and a target.
inline bool decode_ptr_value(std::string_view value, PtrValue& out) noexcept {
  if (value.size() < kPtrMinSize) return false;
  out.ttl = get_be32(value, kPtrTtlAt);
  out.target = value.substr(kPtrTargetAt);
  return true;
}

inline std::string encode_ptr_value(uint32_t ttl, std::string_view target_wire) {
  std::string out;
  out.reserve(kPtrTargetAt + target_wire.size());
  put_be(out, ttl, 4);
  out += target_wire;
  return out;
}

}  // namespace rdnsd::zonestore::codec
