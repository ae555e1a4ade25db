#pragma once
// The checks a write's input goes through before it touches a table. Each throws
// StoreError with the code a client sees (bad_address, bad_name, bad_ttl,
// bad_description). Internal to zonestore.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zonestore/types.h"

namespace rdnsd::zonestore {

names::IpAddress parse_address(std::string_view text);  // bad_address
// The host name in its stored form (absolute, as names::normalize_hostname gives it).
std::string checked_target(const std::string& text);  // bad_name
// `ttl` if given and in 0..kMaxTtl, else `fallback`.
uint32_t checked_ttl(std::optional<int64_t> ttl, uint32_t fallback);  // bad_ttl
// At most kMaxDescription bytes of UTF-8 text without control characters but tab.
void check_description(const std::optional<std::string>& description);  // bad_description

// RFC 3629 UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) without
// control characters (C0, DEL, C1) other than tab.
bool valid_utf8(std::string_view s);

}  // namespace rdnsd::zonestore
