#include "zonestore/codec/keys.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "zonestore/types.h"

namespace rdnsd::zonestore {

int compare_address_keys(const MDB_val* a, const MDB_val* b) {
  const auto* x = static_cast<const unsigned char*>(a->mv_data);
  const auto* y = static_cast<const unsigned char*>(b->mv_data);
  auto word = [](const unsigned char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
  };
  if (a->mv_size == 17 && b->mv_size == 17) {
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    uint64_t u = word(x + 1), v = word(y + 1);
    if (u == v) u = word(x + 9), v = word(y + 9);
    return u < v ? -1 : u > v ? 1 : 0;
  }
  if (a->mv_size == 5 && b->mv_size == 5) {
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    uint32_t u, v;
    std::memcpy(&u, x + 1, 4);
    std::memcpy(&v, y + 1, 4);
    u = __builtin_bswap32(u), v = __builtin_bswap32(v);
    return u < v ? -1 : u > v ? 1 : 0;
  }
  size_t n = std::min(a->mv_size, b->mv_size);
  int c = n ? std::memcmp(x, y, n) : 0;
  if (c != 0) return c;
  return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size ? 1 : 0;
}

namespace codec {

std::string key_of_text(std::string_view text) {
  std::string why;
  auto wire = names::text_to_wire(text, &why);
  if (!wire) throw StoreError("bad_name", "'" + std::string(text) + "': " + why);
  return names::wire_to_key(*wire);
}

std::string owner_key(const names::IpAddress& addr) {
  char key[names::kMaxOwnerKey];
  return std::string(key, names::owner_key(addr, key));
}

std::string meta_key(const names::IpAddress& addr) {
  std::string key(1, char(addr.family));
  key.append(reinterpret_cast<const char*>(addr.bytes.data()), addr.size());
  return key;
}

names::IpAddress address_of_meta_key(std::string_view key) {
  names::IpAddress addr;
  addr.family = uint8_t(key[0]);
  std::memcpy(addr.bytes.data(), key.data() + 1, std::min<size_t>(key.size() - 1, 16));
  return addr;
}

}  // namespace codec
}  // namespace rdnsd::zonestore
