#include "zonestore/codec/token_value.h"

#include <cstring>

#include "zonestore/codec/bytes.h"

namespace rdnsd::zonestore::codec {

std::string encode_token(const Token& t) {
  std::string out;
  out += char(1);
  std::string hash = t.hash;
  hash.resize(kTokenHashSize, '\0');
  out += hash;
  out += char(t.scopes);
  put_be(out, t.quota, 8);
  put_be(out, uint64_t(int64_t(t.expires)), 8);
  put_be(out, uint64_t(int64_t(t.created)), 8);
  const size_t n = std::min(t.prefixes.size(), kMaxTokenPrefixes);
  out += char(n);
  for (size_t i = 0; i < n; ++i) {
    const names::Prefix& p = t.prefixes[i];
    out += char(p.addr.family);
    out += char(p.length);
    out.append(reinterpret_cast<const char*>(p.addr.bytes.data()), 16);
  }
  out += t.created_by;
  return out;
}

Token decode_token(std::string_view name, std::string_view v) {
  auto corrupt = [&] { return StoreError("internal", "corrupt token " + std::string(name)); };
  if (v.size() < kTokenFixedSize || v[0] != 1) throw corrupt();
  Token t;
  t.name = std::string(name);
  t.hash = std::string(v.substr(1, kTokenHashSize));
  t.scopes = uint8_t(v[33]);
  t.quota = get_be(v, 34, 8);
  t.expires = std::time_t(int64_t(get_be(v, 42, 8)));
  t.created = std::time_t(int64_t(get_be(v, 50, 8)));
  const size_t n = uint8_t(v[58]);
  if (v.size() < kTokenFixedSize + n * kTokenPrefixSize) throw corrupt();
  for (size_t i = 0; i < n; ++i) {
    const size_t at = kTokenFixedSize + i * kTokenPrefixSize;
    names::Prefix p;
    p.addr.family = uint8_t(v[at]);
    p.length = uint8_t(v[at + 1]);
    if (p.addr.family != 4 && p.addr.family != 6) throw corrupt();
    std::memcpy(p.addr.bytes.data(), v.data() + at + 2, 16);
    t.prefixes.push_back(p);
  }
  t.created_by = std::string(v.substr(kTokenFixedSize + n * kTokenPrefixSize));
  return t;
}

}  // namespace rdnsd::zonestore::codec
