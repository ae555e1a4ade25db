#pragma once
// What the record reads (zonestore/records.cpp) share with the writes and the export.
// Internal to zonestore.
#include <string>

#include "zonestore/codec/meta_value.h"
#include "zonestore/env.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore {

// The Record of the address `addr` with the metadata `m`, in the zone `zone` (apex text).
Record make_record(const names::IpAddress& addr, const codec::Meta& m, const std::string& zone);
// The DHCID at the record key `key`, if there is one.
std::optional<Dhcid> read_dhcid(const Txn& txn, const Tables& t, std::string_view key);

}  // namespace rdnsd::zonestore
