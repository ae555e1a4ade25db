#include "zonestore/validate.h"

namespace rdnsd::zonestore {

names::IpAddress parse_address(std::string_view text) {
  auto addr = names::parse_ip(text);
  if (!addr) throw StoreError("bad_address", "'" + std::string(text) + "' is not an IP address");
  return *addr;
}

std::string checked_target(const std::string& text) {
  std::string why;
  auto target = names::normalize_hostname(text, &why);
  if (!target) throw StoreError("bad_name", "'" + text + "' is not a valid host name: " + why);
  return *target;
}

uint32_t checked_ttl(std::optional<int64_t> ttl, uint32_t fallback) {
  if (!ttl) return fallback;
  if (*ttl < 0 || *ttl > int64_t(kMaxTtl))
    throw StoreError("bad_ttl",
                     "TTL " + std::to_string(*ttl) + " is outside 0.." + std::to_string(kMaxTtl));
  return uint32_t(*ttl);
}

void check_description(const std::optional<std::string>& description) {
  if (description && description->size() > kMaxDescription)
    throw StoreError("bad_description", "description is longer than 255 bytes");
  if (description && !valid_utf8(*description))
    throw StoreError("bad_description", "description is not valid UTF-8 text");
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      ++i;
      continue;
    }
    // Continuation bytes after the lead byte; 0 for a stray continuation or a 5+ lead.
    size_t n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    if (n == 0 || n >= s.size() - i) return false;
    static const uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};  // shortest form of each length
    uint32_t min = kMin[n], cp = c & (0x3fu >> n);
    for (size_t j = 1; j <= n; ++j) {
      uint8_t cc = uint8_t(s[i + j]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp < 0xa0) return false;  // C1 controls U+0080..U+009F
    i += n + 1;
  }
  return true;
}

}  // namespace rdnsd::zonestore
