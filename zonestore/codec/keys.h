#pragma once
// The keys of the store's tables.
//
// zones: the apex's name key (zonestore/names/names.h: reversed labels, each
//   <len><bytes>, lower case), so the zone of a name is the greatest zone key <= the
//   name's key that is a prefix of it.
// ptr, meta: the record key, family then address bytes:
//   off size field
//   0   1    family (4 or 6)
//   1   4/16 address, network order
//   5 or 17 bytes, so IPv4 sorts before IPv6 and both in numeric order (names::AddressKey
//   is the same key, built without allocating on the answer path).
// ids: the 16 raw bytes of the record's UUID (zonestore/uuid.h).
#include <lmdb.h>

#include <string>
#include <string_view>

#include "zonestore/names/names.h"

namespace rdnsd::zonestore {

// The order of `ptr` and `meta` keys (family + 4 or 16 address bytes): exactly LMDB's
// default order (memcmp over the shorter key, then the shorter one first), so mdb_dump,
// mdb_load and mdb_stat read the store as it is, but with whole-word compares instead of
// a memcmp call for 17-byte keys (the answer path makes ~18 compares per lookup).
int compare_address_keys(const MDB_val* a, const MDB_val* b);

namespace codec {

// Key of a text name. Throws StoreError("bad_name") if the text is not a domain name.
std::string key_of_text(std::string_view text);
// Key of the reverse name of `addr` (2.2.0.192.in-addr.arpa.): what a zone key prefixes.
std::string owner_key(const names::IpAddress& addr);
// The record key of `addr` in `ptr` and `meta`.
std::string meta_key(const names::IpAddress& addr);
// The address of a record key (the key was made by meta_key, or read from the store).
names::IpAddress address_of_meta_key(std::string_view key);

}  // namespace codec
}  // namespace rdnsd::zonestore
