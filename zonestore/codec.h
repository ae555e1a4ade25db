#pragma once
// Fixed-layout codecs of the store's values (layouts documented in store.h) and the
// small helpers the store is built from. Internal to zonestore.
#include <lmdb.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "zonestore/store.h"

namespace rdnsd::zonestore::codec {

inline void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += char((v >> (8 * i)) & 0xff);
}
inline uint64_t get_be(std::string_view in, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | uint8_t(in[off + size_t(i)]);
  return v;
}

inline MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Throws StoreError("internal") with `what` and LMDB's reason unless rc is 0.
void check(int rc, const char* what);

// Key of a text name (names.h). Throws bad_name if the text is not a domain name.
std::string key_of_text(std::string_view text);
std::string meta_key(const names::IpAddress& addr);
names::IpAddress address_of_meta_key(std::string_view key);

std::string encode_zone(const Zone& zone);
Zone decode_zone(std::string_view apex_key, std::string_view value);  // throws internal

struct Meta {
  std::string id;  // 16 raw bytes
  int64_t created = 0, modified = 0;
  uint32_t ttl = 0;
  std::string target, description, created_by, modified_by;
};
std::string encode_meta(const Meta& meta);
Meta decode_meta(std::string_view value);  // throws internal

std::string encode_rr(uint32_t ttl, std::string_view target_wire);

std::string new_uuid();  // RFC 9562 version 7: Unix ms, then random bits
std::string uuid_text(std::string_view raw);
std::optional<std::string> uuid_raw(std::string_view text);

}  // namespace rdnsd::zonestore::codec
