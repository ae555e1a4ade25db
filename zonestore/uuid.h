#pragma once
// Record ids: RFC 9562 version 7 UUIDs (Unix ms first, then random bits), stored as
// their 16 raw bytes (the `ids` key and the first field of a `meta` value).
#include <optional>
#include <string>
#include <string_view>

namespace rdnsd::zonestore::codec {

// A new id, 16 raw bytes. Throws StoreError("internal") if the kernel gives no random bits.
std::string new_uuid();
std::string uuid_text(std::string_view raw);                 // 8-4-4-4-12 lower-case hex
std::optional<std::string> uuid_raw(std::string_view text);  // nullopt: not a UUID

}  // namespace rdnsd::zonestore::codec
