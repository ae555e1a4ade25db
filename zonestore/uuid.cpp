#include "zonestore/uuid.h"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "zonestore/types.h"

namespace rdnsd::zonestore::codec {

std::string new_uuid() {
  // RFC 9562 version 7: the creation time (Unix ms, 48 bits) first, then random bits. New
  // ids sort after the ids before them, so the `ids` entries of the writes of one commit
  // go to the same last leaf of the tree instead of one random leaf each (a commit's
  // pages are most of its cost). The random bits come from the kernel, fetched 4 KiB at
  // a time: one getrandom call per record was 3-4% of a 100,000-record batch. Each UUID
  // takes 10 bytes that no other gets.
  thread_local std::array<char, 4000> pool;
  thread_local size_t used = pool.size();
  if (used == pool.size()) {
    size_t got = 0;
    while (got < pool.size()) {
      ssize_t n = getrandom(pool.data() + got, pool.size() - got, 0);
      if (n < 0) throw StoreError("internal", "getrandom failed");
      got += size_t(n);
    }
    used = 0;
  }
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const uint64_t ms = uint64_t(ts.tv_sec) * 1000u + uint64_t(ts.tv_nsec) / 1000000u;
  std::string raw(16, '\0');
  for (int i = 0; i < 6; ++i) raw[size_t(i)] = char(ms >> (40 - 8 * i));
  std::memcpy(raw.data() + 6, pool.data() + used, 10);
  used += 10;
  raw[6] = char((uint8_t(raw[6]) & 0x0f) | 0x70);
  raw[8] = char((uint8_t(raw[8]) & 0x3f) | 0x80);
  return raw;
}

std::string uuid_text(std::string_view raw) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[uint8_t(raw[i]) >> 4];
    out += hex[uint8_t(raw[i]) & 0xf];
  }
  return out;
}

std::optional<std::string> uuid_raw(std::string_view text) {
  std::string raw;
  int hi = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) return std::nullopt;
    if (hi < 0) {
      hi = v;
    } else {
      raw += char(hi << 4 | v);
      hi = -1;
    }
  }
  if (raw.size() != 16 || hi >= 0) return std::nullopt;
  return raw;
}

}  // namespace rdnsd::zonestore::codec
