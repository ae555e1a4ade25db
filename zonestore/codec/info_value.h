#pragma once
// The `info` table: a few named counters of the whole store.
//
//   key        value
//   "schema"   4 bytes, big-endian: the schema version (zonestore/schema.h)
//   "records"  8 bytes, big-endian: the total record count (the global quota)
//   "catalog"  4 bytes, big-endian: the catalog zone's SOA serial (RFC 9432): steps by one
//              in every write transaction that changes the set of served zones; written
//              at open when missing (zonestore/store.cpp)
// A value of any other length reads as absent (decode_* return nullopt).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zonestore/codec/bytes.h"

namespace rdnsd::zonestore::codec {

inline constexpr std::string_view kInfoSchema = "schema";
inline constexpr std::string_view kInfoRecords = "records";
inline constexpr std::string_view kInfoCatalogSerial = "catalog";

inline std::string encode_schema_version(uint32_t version) {
  std::string out;
  put_be(out, version, 4);
  return out;
}
inline std::optional<uint32_t> decode_schema_version(std::string_view value) noexcept {
  if (value.size() != 4) return std::nullopt;
  return uint32_t(get_be(value, 0, 4));
}

inline std::string encode_record_count(uint64_t count) {
  std::string out;
  put_be(out, count, 8);
  return out;
}
inline std::optional<uint64_t> decode_record_count(std::string_view value) noexcept {
  if (value.size() != 8) return std::nullopt;
  return get_be(value, 0, 8);
}

inline std::string encode_catalog_serial(uint32_t serial) {
  std::string out;
  put_be(out, serial, 4);
  return out;
}
inline std::optional<uint32_t> decode_catalog_serial(std::string_view value) noexcept {
  if (value.size() != 4) return std::nullopt;
  return uint32_t(get_be(value, 0, 4));
}

}  // namespace rdnsd::zonestore::codec
