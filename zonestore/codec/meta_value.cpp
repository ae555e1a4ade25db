#include "zonestore/codec/meta_value.h"

#include "zonestore/codec/bytes.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore::codec {

namespace {

// Reads one string: a 2-byte length and its bytes.
std::string_view take(std::string_view value, size_t& off) {
  if (off + 2 > value.size()) throw StoreError("internal", "corrupt value in store");
  size_t len = get_be(value, off, 2);
  off += 2;
  if (off + len > value.size()) throw StoreError("internal", "corrupt value in store");
  std::string_view out = value.substr(off, len);
  off += len;
  return out;
}

}  // namespace

std::string encode_meta(const Meta& m) {
  std::string out = m.id;
  put_be(out, uint64_t(m.created), 8);
  put_be(out, uint64_t(m.modified), 8);
  put_be(out, m.ttl, 4);
  for (const std::string* s : {&m.target, &m.description, &m.created_by, &m.modified_by}) {
    put_be(out, s->size(), 2);
    out += *s;
  }
  put_be(out, m.serial, 4);
  return out;
}

Meta decode_meta(std::string_view value) {
  if (value.size() < kMetaStringsAt)
    throw StoreError("internal", "corrupt record metadata in store");
  Meta m;
  m.id = std::string(value.substr(kMetaIdAt, kMetaIdSize));
  m.created = int64_t(get_be(value, kMetaCreatedAt, 8));
  m.modified = int64_t(get_be(value, kMetaModifiedAt, 8));
  m.ttl = uint32_t(get_be(value, kMetaTtlAt, 4));
  size_t off = kMetaStringsAt;
  for (std::string* s : {&m.target, &m.description, &m.created_by, &m.modified_by})
    *s = std::string(take(value, off));
  if (value.size() == off + 4)
    m.serial = get_be32(value, off);
  else if (value.size() != off)
    throw StoreError("internal", "corrupt record metadata in store");
  return m;
}

}  // namespace rdnsd::zonestore::codec
