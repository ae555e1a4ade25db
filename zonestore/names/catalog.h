#pragma once
// The names of a catalog zone (RFC 9432, schema version 2) that rdnsd makes up itself:
// the member id of each zone it lists. Pure functions, no allocation.
#include <cstddef>
#include <string>
#include <string_view>

namespace rdnsd::names {

// A member id is this many lower-case hex digits: one label (RFC 9432 section 4.4.1
// wants a unique label, at most 63 octets).
inline constexpr size_t kCatalogIdLen = 16;

// The member id of the zone whose apex is `apex_wire` (wire form, lower case): the 64-bit
// FNV-1a hash of the wire name, in hex. It depends on the name alone, so a zone keeps its
// id across restarts, reloads and stores (a consumer takes a changed id for a zone
// whose state is reset, RFC 9432 section 5, and would drop its data). Two apexes
// sharing a hash is a 2^-64 chance per pair; the catalog does not check for it.
void catalog_member_id(std::string_view apex_wire, char (&out)[kCatalogIdLen]) noexcept;
std::string catalog_member_id(std::string_view apex_wire);

// The same for an apex given as its key (names.h: reversed labels): the id of the wire
// name the key stands for. False if the key does not parse or is longer than a name.
bool catalog_member_id_of_key(std::string_view apex_key, char (&out)[kCatalogIdLen]) noexcept;

// Writes the wire name of `key` into `out` (at most 255 bytes); returns its length, or 0
// if the key does not parse or the name would be longer. Does not allocate.
size_t key_to_wire_into(std::string_view key, char (&out)[255]) noexcept;

}  // namespace rdnsd::names
