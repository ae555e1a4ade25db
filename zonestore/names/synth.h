#pragma once
// Default (synthesized) PTR names for addresses without a record: a template such as
// "ip-{dashed}.dyn.example.net." made into the name of one address.
//
// Placeholders (anything else is copied as written):
//   {dashed}  the address with '.' or ':' turned into '-', exactly as Knot 3.2's
//             mod-synthrecord (type reverse, reverse-short) writes it: IPv4 192-0-2-7;
//             IPv6 groups in lower-case hex without leading zeros, the first run of two
//             or more zero groups that starts at group 3..6 compressed to "--" (never
//             the first two groups, never the last: 2001-db8-1234-5600--7,
//             2001-db8-1234-5600--0, 2001-db8-1234-5600-0-1-0-0)
//   {hex}     the address as hex digits, lower case: 8 for IPv4, 32 for IPv6
//   {1}..{4}  the IPv4 address's octets, in decimal ({1} is the first: 192)
// Pure and allocation-free: the answer path renders a name per query it synthesizes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zonestore/names/names.h"

namespace rdnsd::names {

// Longest template text kept (what the config and the store accept).
inline constexpr size_t kMaxSynthTemplate = 200;

// Writes the name `tmpl` makes of `addr` in wire form into out[0, cap). Returns its
// length, or 0 if it is no valid host name (a label empty or over 63 octets, the whole
// over 255, a placeholder the family has not: {1}..{4} of an IPv6 address).
size_t synth_wire(std::string_view tmpl, const IpAddress& addr, char* out, size_t cap) noexcept;

// The name as text (absolute), or "" when synth_wire gives 0.
std::string synth_text(std::string_view tmpl, const IpAddress& addr);

// Checks a template for a zone of `family` (4 or 6): text, absolute (ends in '.'), only
// the placeholders above (and {1}..{4} only for IPv4), and it makes a valid host name
// (RFC 1123 letters, digits, hyphens) for the family's lowest and highest addresses.
// Returns "" when good, else the reason.
std::string check_synth_template(std::string_view tmpl, uint8_t family);

// ---- the forward names (synthesize.forward), zonestore/names/synth_parse.cpp ----

// Whether `tmpl` names every bit of an address of `family`: it has {dashed} or {hex},
// or (IPv4) each of {1}..{4}. Only such a template can be read backwards.
bool synth_names_whole_address(std::string_view tmpl, uint8_t family) noexcept;

// The inverse of synth_wire: the address of `family` whose name `tmpl` makes is the wire
// name `wire` (compared without case), if there is one; then `out` is set. Only the
// canonical form counts (synth_wire of the address must give `wire` back), so
// "ip-192-0-2-07" or an uncompressed IPv6 form names nothing. Does not allocate.
bool synth_address(std::string_view tmpl, uint8_t family, std::string_view wire,
                   IpAddress& out) noexcept;

}  // namespace rdnsd::names
