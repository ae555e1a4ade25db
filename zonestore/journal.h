#pragma once
// Reading a zone's IXFR journal (RFC 1995), for the transfer server: in a read
// transaction of the caller's own (the one its answer is built from), with the table
// handle from Store::journal_dbi().
//
// The journal holds one entry per serial step of the zone, written by WriteTxn in the
// transaction of the step (layout: zonestore/codec/journal_value.h), and pruned there to
// the zone's journal_max_depth and journal_max_size, oldest first. It is cleared when the
// zone's SOA fields or NS set change (the journal holds no apex records) and when the
// zone is removed; a new zone starts with an empty one.
//
// Neither function throws StoreError: an LMDB error or a malformed entry reads as a
// journal that cannot serve the request (nullopt, or empty stats), which the caller
// answers with a full transfer. journal_diff may throw std::bad_alloc.
#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "zonestore/types.h"

namespace rdnsd::zonestore {

// The changes of the zone at `apex_key` (its `zones` key) from `from_serial` to its newest
// journaled serial, condensed (JournalDiff): an RR set and unset in between is not in it,
// one set twice is in `added` once, with its last state. nullopt when no entry starts at
// `from_serial` (an unknown or pruned serial, or the zone's current one: the caller
// answers "current" itself) or the entries after it do not chain (each starting where the
// one before it ended). The diff may be empty (the changes cancelled out): the client
// still needs the new serial.
std::optional<JournalDiff> journal_diff(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key,
                                        uint32_t from_serial);

// What the journal of the zone at `apex_key` holds; empty for a zone without one.
JournalStats journal_stats(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key) noexcept;

}  // namespace rdnsd::zonestore
