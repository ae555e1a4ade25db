#include "zonestore/names/catalog.h"

#include <cstdint>

namespace rdnsd::names {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
constexpr size_t kMaxLabels = 128;

}  // namespace

void catalog_member_id(std::string_view wire, char (&out)[kCatalogIdLen]) noexcept {
  uint64_t h = kFnvOffset;
  for (char c : wire) {
    h ^= uint8_t(c);
    h *= kFnvPrime;
  }
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < kCatalogIdLen; ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 15];
}

std::string catalog_member_id(std::string_view apex_wire) {
  char id[kCatalogIdLen];
  catalog_member_id(apex_wire, id);
  return std::string(id, kCatalogIdLen);
}

size_t key_to_wire_into(std::string_view key, char (&out)[255]) noexcept {
  if (key.size() + 1 > sizeof out) return 0;
  size_t offsets[kMaxLabels];
  size_t n = 0, i = 0;
  while (i < key.size()) {
    if (n == kMaxLabels) return 0;
    offsets[n++] = i;
    i += uint8_t(key[i]) + 1;
  }
  if (i != key.size()) return 0;
  size_t len = 0;
  while (n > 0) {
    const size_t off = offsets[--n];
    const size_t label = uint8_t(key[off]) + 1;
    for (size_t j = 0; j < label; ++j) out[len++] = key[off + j];
  }
  out[len++] = '\0';
  return len;
}

bool catalog_member_id_of_key(std::string_view apex_key, char (&out)[kCatalogIdLen]) noexcept {
  char wire[255];
  const size_t len = key_to_wire_into(apex_key, wire);
  if (len == 0) return false;
  catalog_member_id(std::string_view(wire, len), out);
  return true;
}

}  // namespace rdnsd::names
