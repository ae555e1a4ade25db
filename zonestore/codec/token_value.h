#pragma once
// The `tokens` table: key = the token's name (1..64 bytes), value:
//
//   offset  size  field
//   0       1     version (1)
//   1       32    SHA-256 of the secret
//   33      1     scopes (bits: 1 read, 2 write, 4 admin, 8 metrics)
//   34      8     quota (records inside its prefixes; 0: none), big-endian
//   42      8     expires (seconds since the epoch; 0: never), big-endian
//   50      8     created (seconds since the epoch), big-endian
//   58      1     prefix count N
//   59      N*18  prefixes: family (4 or 6), length, 16 address bytes (IPv4: 4 used)
//   ...     rest  created_by (UTF-8, to the end)
#include <string>
#include <string_view>

#include "zonestore/types.h"

namespace rdnsd::zonestore::codec {

inline constexpr size_t kTokenHashSize = 32, kTokenFixedSize = 59, kTokenPrefixSize = 18;
inline constexpr size_t kMaxTokenPrefixes = 255;

std::string encode_token(const Token& token);
// Throws StoreError("internal") if the value is too short or of another version.
Token decode_token(std::string_view name, std::string_view value);

}  // namespace rdnsd::zonestore::codec
