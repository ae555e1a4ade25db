#pragma once
// What the zone-header code (zonestore/zones.cpp) shares with the rest of zonestore.
#include <string>
#include <string_view>

#include "zonestore/types.h"

namespace rdnsd::zonestore {

// The apex key of a zone named by its apex ("2.0.192.in-addr.arpa", dot optional) or
// its prefix text ("192.0.2.0/24"). Throws bad_request or bad_name.
std::string zone_key(std::string_view apex_or_prefix);

}  // namespace rdnsd::zonestore
