#pragma once
// Limits of the data model, shared by every layer that checks them (the config loader,
// the admin protocol codec, the store): one definition each.
#include <cstddef>
#include <cstdint>

namespace rdnsd::limits {

// Largest TTL of any record (RFC 2181 section 8: a TTL is an unsigned 31-bit number).
constexpr uint32_t kMaxTtl = 2147483647u;
// Longest description of a record, in bytes of UTF-8.
constexpr size_t kMaxDescription = 255;
// Records of one list page: the default, and the largest.
constexpr uint64_t kDefaultListLimit = 100;
constexpr uint64_t kMaxListLimit = 1000;

}  // namespace rdnsd::limits
