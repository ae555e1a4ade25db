#pragma once
// What the record reads (zonestore/records.cpp) share with the writes and the export.
// Internal to zonestore.
#include <lmdb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "zonestore/codec/meta_value.h"
#include "zonestore/env.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore {

// The Record of the address `addr` with the metadata `m`, in the zone `zone` (apex text).
Record make_record(const names::IpAddress& addr, const codec::Meta& m, const std::string& zone);
// The DHCID at the record key `key`, if there is one.
std::optional<Dhcid> read_dhcid(const Txn& txn, const Tables& t, std::string_view key);

// How many `meta` keys fall inside any of `ranges` (overlapping ranges counted once per
// record), counting no further than `cap` (0: no cap). Throws StoreError on LMDB failure.
uint64_t count_in_ranges(MDB_txn* txn, MDB_dbi meta, const std::vector<names::Prefix>& ranges,
                         uint64_t cap);

}  // namespace rdnsd::zonestore
