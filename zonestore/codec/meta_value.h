#pragma once
// The `meta` value: the cold part of a record, for the admin side; and the `ids` value.
//
// meta: key = record key (zonestore/codec/keys.h); value (integers big-endian):
//   off size field
//   0   16   id (UUID bytes, zonestore/uuid.h)
//   16  8    created (Unix seconds, signed)
//   24  8    modified (Unix seconds, signed)
//   32  4    TTL
//   36  ..   four strings, each a 2-byte length and its bytes: target (text),
//            description, created_by, modified_by
//   ..  4    serial: the zone's serial after the write that last wrote the record
//            (absent in a schema 2 value, which reads as 0)
// ids: key = the 16 UUID bytes; value = the record key (the `meta` key).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rdnsd::zonestore::codec {

inline constexpr size_t kMetaIdAt = 0, kMetaIdSize = 16, kMetaCreatedAt = 16, kMetaModifiedAt = 24,
                        kMetaTtlAt = 32, kMetaStringsAt = 36;

struct Meta {
  std::string id;  // 16 raw bytes
  int64_t created = 0, modified = 0;
  uint32_t ttl = 0;
  std::string target, description, created_by, modified_by;
  uint32_t serial = 0;  // 0: written before the store kept it
};
std::string encode_meta(const Meta& meta);
// Throws StoreError("internal") if corrupt: too short, a string running past the end, or
// anything after the strings but a 4-byte serial.
Meta decode_meta(std::string_view value);

}  // namespace rdnsd::zonestore::codec
