#pragma once
// The byte helpers every codec of the store is made of: big-endian integers and views
// of LMDB values. Internal to zonestore (and the answer path's decoders).
#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace rdnsd::zonestore::codec {

inline void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += char((v >> (8 * i)) & 0xff);
}
// `bytes` big-endian bytes at `off`; the caller has checked that they are there.
inline uint64_t get_be(std::string_view in, size_t off, int bytes) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | uint8_t(in[off + size_t(i)]);
  return v;
}
inline uint32_t get_be32(std::string_view in, size_t off) noexcept {
  return uint32_t(uint8_t(in[off])) << 24 | uint32_t(uint8_t(in[off + 1])) << 16 |
         uint32_t(uint8_t(in[off + 2])) << 8 | uint32_t(uint8_t(in[off + 3]));
}

inline MDB_val val(std::string_view s) noexcept {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view(const MDB_val& v) noexcept {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace rdnsd::zonestore::codec
