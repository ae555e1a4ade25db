#include "zonestore/codec.h"

#include <sys/random.h>

#include <array>
#include <cstring>
#include <ctime>

namespace rdnsd::zonestore::codec {

void check(int rc, const char* what) {
  if (rc == 0) return;
  std::string reason = mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) reason += " (raise store.map-size in the configuration)";
  throw StoreError("internal", std::string(what) + ": " + reason);
}

std::string key_of_text(std::string_view text) {
  std::string why;
  auto wire = names::text_to_wire(text, &why);
  if (!wire) throw StoreError("bad_name", "'" + std::string(text) + "': " + why);
  return names::wire_to_key(*wire);
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

namespace {

void put_name(std::string& out, std::string_view text) {
  auto wire = names::text_to_wire(text);
  if (!wire) throw StoreError("bad_name", "'" + std::string(text) + "' is not a domain name");
  out += char(wire->size());
  out += *wire;
}

// Reads one length-prefixed field; `len_bytes` is 1 or 2.
std::string_view take(std::string_view value, size_t& off, int len_bytes) {
  if (off + size_t(len_bytes) > value.size())
    throw StoreError("internal", "corrupt value in store");
  size_t len = get_be(value, off, len_bytes);
  off += size_t(len_bytes);
  if (off + len > value.size()) throw StoreError("internal", "corrupt value in store");
  std::string_view out = value.substr(off, len);
  off += len;
  return out;
}

}  // namespace

std::string encode_zone(const Zone& z) {
  const ZoneSettings& s = z.settings;
  std::string out;
  out.reserve(128);
  for (uint32_t v : {z.serial, s.soa.ttl, s.soa.refresh, s.soa.retry, s.soa.expire, s.soa.minimum,
                     s.default_ttl})
    put_be(out, v, 4);
  out += char((z.served ? 1 : 0) | (z.origin == ZoneOrigin::Admin ? 2 : 0) |
              (uint8_t(s.fcrdns) & 3) << 2);
  out += char(s.policy);
  out += char(s.prefix.addr.family);
  out += char(s.prefix.length);
  out.append(reinterpret_cast<const char*>(s.prefix.addr.bytes.data()), 16);
  put_be(out, s.max_records, 8);
  put_be(out, z.record_count, 8);
  put_name(out, s.soa.mname);
  put_name(out, s.soa.rname);
  out += char(s.ns.size());
  for (const auto& ns : s.ns) put_name(out, ns);
  return out;
}

Zone decode_zone(std::string_view apex_key, std::string_view value) {
  ZoneWire w;
  if (!decode_zone_wire(value, w)) throw StoreError("internal", "corrupt zone in store");
  Zone z;
  z.apex = names::wire_to_text(names::key_to_wire(apex_key));
  z.serial = w.serial;
  ZoneSettings& s = z.settings;
  s.soa.ttl = w.soa_ttl;
  s.soa.refresh = w.refresh;
  s.soa.retry = w.retry;
  s.soa.expire = w.expire;
  s.soa.minimum = w.minimum;
  s.default_ttl = w.default_ttl;
  z.served = w.flags & 1;
  z.origin = (w.flags & 2) ? ZoneOrigin::Admin : ZoneOrigin::Config;
  const uint8_t mode = (w.flags >> 2) & 3;
  if (mode > uint8_t(fcrdns::Mode::Require)) throw StoreError("internal", "corrupt zone in store");
  s.fcrdns = fcrdns::Mode(mode);
  s.policy = serial::Policy(uint8_t(value[29]));
  s.prefix.addr.family = uint8_t(value[30]);
  s.prefix.length = uint8_t(value[31]);
  std::memcpy(s.prefix.addr.bytes.data(), value.data() + 32, 16);
  s.max_records = get_be(value, 48, 8);
  z.record_count = get_be(value, 56, 8);
  s.soa.mname = names::wire_to_text(w.mname);
  s.soa.rname = names::wire_to_text(w.rname);
  size_t off = 0;
  for (uint8_t i = 0; i < w.ns_count; ++i)
    s.ns.push_back(names::wire_to_text(take(w.ns_block, off, 1)));
  return z;
}

std::string encode_meta(const Meta& m) {
  std::string out = m.id;
  put_be(out, uint64_t(m.created), 8);
  put_be(out, uint64_t(m.modified), 8);
  put_be(out, m.ttl, 4);
  for (const std::string* s : {&m.target, &m.description, &m.created_by, &m.modified_by}) {
    put_be(out, s->size(), 2);
    out += *s;
  }
  return out;
}

Meta decode_meta(std::string_view value) {
  if (value.size() < 36) throw StoreError("internal", "corrupt record metadata in store");
  Meta m;
  m.id = std::string(value.substr(0, 16));
  m.created = int64_t(get_be(value, 16, 8));
  m.modified = int64_t(get_be(value, 24, 8));
  m.ttl = uint32_t(get_be(value, 32, 4));
  size_t off = 36;
  for (std::string* s : {&m.target, &m.description, &m.created_by, &m.modified_by})
    *s = std::string(take(value, off, 2));
  return m;
}

std::string encode_rr(uint32_t ttl, std::string_view target_wire) {
  std::string out;
  put_be(out, ttl, 4);
  out += target_wire;
  return out;
}

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

namespace rdnsd::zonestore {

bool decode_zone_wire(std::string_view v, ZoneWire& w) noexcept {
  using codec::get_be;
  if (v.size() < kZoneFixed + 3) return false;
  w.serial = uint32_t(get_be(v, 0, 4));
  w.soa_ttl = uint32_t(get_be(v, 4, 4));
  w.refresh = uint32_t(get_be(v, 8, 4));
  w.retry = uint32_t(get_be(v, 12, 4));
  w.expire = uint32_t(get_be(v, 16, 4));
  w.minimum = uint32_t(get_be(v, 20, 4));
  w.default_ttl = uint32_t(get_be(v, 24, 4));
  w.flags = uint8_t(v[28]);
  size_t off = kZoneFixed;
  size_t m = uint8_t(v[off]);
  if (off + 1 + m + 1 > v.size()) return false;
  w.mname = v.substr(off + 1, m);
  off += 1 + m;
  size_t r = uint8_t(v[off]);
  if (off + 1 + r + 1 > v.size()) return false;
  w.rname = v.substr(off + 1, r);
  off += 1 + r;
  w.ns_count = uint8_t(v[off]);
  w.ns_block = v.substr(off + 1);
  // Validate the NS block once so readers can walk it without checks.
  size_t p = 0;
  for (uint8_t i = 0; i < w.ns_count; ++i) {
    if (p >= w.ns_block.size()) return false;
    p += 1 + uint8_t(w.ns_block[p]);
  }
  return p == w.ns_block.size();
}

bool find_zone_for_key(MDB_cursor* cur, std::string_view key, std::string_view& apex_key,
                       std::string_view& value) noexcept {
  MDB_val k = codec::val(key), v;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && codec::view(k) == key) {
    apex_key = codec::view(k);
    value = codec::view(v);
    return true;
  }
  rc = mdb_cursor_get(cur, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
  if (rc != 0) return false;
  std::string_view found = codec::view(k);
  if (found.size() > key.size() || key.substr(0, found.size()) != found) return false;
  apex_key = found;
  value = codec::view(v);
  return true;
}

}  // namespace rdnsd::zonestore
