#pragma once
// The store's schema version, checked (and an older store migrated) when it is opened.
#include <cstdint>
#include <string>

#include "zonestore/env.h"

namespace rdnsd::zonestore {

// Version 1: records in `rr`, keyed by owner key. Version 2: records in `ptr`, keyed by
// address (zonestore/codec/keys.h). Version 3: the `journal` table (IXFR), each zone's
// journal limits after its names, each record's serial at the end of its `meta` value
// (values of version 2 read with the defaults; zonestore/codec/).
constexpr uint32_t kSchemaVersion = 3;

// In the opening write transaction (after open_tables, which creates the missing
// tables): stamps a new store with kSchemaVersion, migrates a store of schema 1 or 2, and
// refuses any other version with both versions in the message (StoreError "internal";
// `path` names the store). Returns the version it migrated from, 0 if none.
uint32_t check_schema(Txn& txn, const Tables& tables, const std::string& path);

}  // namespace rdnsd::zonestore
