#include "zonestore/store.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "zonestore/codec.h"

namespace rdnsd::zonestore {

using codec::check;
using codec::val;
using codec::view;

// A move-only LMDB transaction whose destructor aborts unless committed.
class Store::Txn {
 public:
  Txn(MDB_env* env, bool write) {
    check(mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn_), "begin transaction");
  }
  // A write transaction nested in `parent` (no MDB_WRITEMAP, so LMDB allows it): its
  // commit hands its changes to the parent, its abort drops only them.
  Txn(MDB_env* env, MDB_txn* parent) {
    check(mdb_txn_begin(env, parent, 0, &txn_), "begin nested transaction");
  }
  ~Txn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  void commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;
    check(mdb_txn_commit(t), "commit");
  }
  MDB_txn* get() const { return txn_; }

  std::optional<std::string_view> find(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = val(key), v;
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "read");
    return view(v);
  }
  void put(MDB_dbi dbi, std::string_view key, std::string_view value) {
    MDB_val k = val(key), v = val(value);
    check(mdb_put(txn_, dbi, &k, &v, 0), "write");
  }
  void del(MDB_dbi dbi, std::string_view key) {
    MDB_val k = val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "delete");
  }

 private:
  MDB_txn* txn_ = nullptr;
};

namespace {

// RAII cursor.
struct Cursor {
  MDB_cursor* c = nullptr;
  Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &c), "open cursor"); }
  ~Cursor() { mdb_cursor_close(c); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
};

void make_dirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos == path.size() || path[pos] == '/') {
      std::string part = path.substr(0, pos);
      if (mkdir(part.c_str(), 0750) != 0 && errno != EEXIST)
        throw StoreError("internal", "cannot create " + part + ": " + std::strerror(errno));
    }
  }
}

std::string apex_key_of(const ZoneSettings& s) {
  std::string why;
  auto apex = names::zone_apex(s.prefix, &why);
  if (!apex) throw StoreError("bad_request", why);
  return codec::key_of_text(*apex);
}

names::IpAddress parse_address(std::string_view text) {
  auto addr = names::parse_ip(text);
  if (!addr) throw StoreError("bad_address", "'" + std::string(text) + "' is not an IP address");
  return *addr;
}

std::string owner_key(const names::IpAddress& addr) {
  return codec::key_of_text(names::reverse_name(addr));
}

// RFC 3629 UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) without
// control characters (C0, DEL, C1) other than tab.
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

uint32_t checked_ttl(std::optional<int64_t> ttl, uint32_t fallback) {
  if (!ttl) return fallback;
  if (*ttl < 0 || *ttl > int64_t(kMaxTtl))
    throw StoreError("bad_ttl",
                     "TTL " + std::to_string(*ttl) + " is outside 0.." + std::to_string(kMaxTtl));
  return uint32_t(*ttl);
}

Record make_record(const names::IpAddress& addr, const codec::Meta& m, const std::string& zone) {
  Record r;
  r.address = addr;
  r.owner = names::reverse_name(addr);
  r.target = m.target;
  r.ttl = m.ttl;
  r.description = m.description;
  r.id = codec::uuid_text(m.id);
  r.created = m.created;
  r.modified = m.modified;
  r.created_by = m.created_by;
  r.modified_by = m.modified_by;
  r.zone = zone;
  return r;
}

}  // namespace

// The state of one write transaction: the zones it touched, decoded once.
struct Store::Batch {
  Txn txn;
  std::map<std::string, Zone> touched;  // apex key -> zone as it will be written
  uint64_t records_before = 0;          // the store's record count when the batch began
  int64_t record_delta = 0;
  WriteResult result;
  bool keep_records = true;  // fill result.records
  Batch(MDB_env* env, MDB_dbi info) : txn(env, true) { read_count(info); }
  // A batch nested in the write transaction `parent` (apply_each).
  Batch(MDB_env* env, MDB_dbi info, MDB_txn* parent) : txn(env, parent) { read_count(info); }

 private:
  void read_count(MDB_dbi info) {
    if (auto v = txn.find(info, "records"); v && v->size() == 8)
      records_before = codec::get_be(*v, 0, 8);
  }
};

Store::Store(const StoreOptions& options) : options_(options) {}

Store::~Store() {
  if (env_) mdb_env_close(env_);
}

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

namespace {

// madvise(MADV_HUGEPAGE) on this process's mappings of `file` (LMDB's map; its address
// is not exposed by the API, so it is found in /proc/self/maps).
void advise_huge_pages(const std::string& file) {
  char* real = realpath(file.c_str(), nullptr);
  if (!real) return;
  std::string want = real;
  free(real);
  FILE* maps = fopen("/proc/self/maps", "re");
  if (!maps) return;
  char line[4096];
  while (fgets(line, sizeof line, maps)) {
    unsigned long start = 0, end = 0;
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &path_at) < 2 || path_at == 0)
      continue;
    std::string_view path(line + path_at);
    while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.remove_suffix(1);
    if (path == want) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  }
  fclose(maps);
}

// Schema 1 kept the PTR records in `rr`, keyed by the owner name's key (names.h). Schema 2
// keys them by address (`ptr`: family + address bytes, as `meta`), which makes the keys
// 5 or 17 bytes instead of up to 73, and the answer path's B-tree half the size. Moves
// every record over in the open transaction and drops `rr`.
void migrate_from_v1(MDB_txn* txn, MDB_dbi ptr) {
  MDB_dbi rr;
  int rc = mdb_dbi_open(txn, "rr", 0, &rr);
  if (rc == MDB_NOTFOUND) return;
  check(rc, "open rr (schema 1)");
  {
    Cursor cur(txn, rr);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur.c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT)) {
      names::AddressKey a;
      if (!names::key_to_address_key(view(k), a) || a.units != a.full) continue;
      MDB_val nk{a.size, a.bytes};
      check(mdb_put(txn, ptr, &nk, &v, 0), "migrate record");
    }
    if (rc != MDB_NOTFOUND) check(rc, "scan rr (schema 1)");
  }
  check(mdb_drop(txn, rr, 1), "drop rr (schema 1)");
}

}  // namespace

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  std::unique_ptr<Store> s(new Store(options));
  make_dirs(options.path);
  check(mdb_env_create(&s->env_), "create environment");
  check(mdb_env_set_maxdbs(s->env_, 8), "set maxdbs");
  check(mdb_env_set_mapsize(s->env_, options.map_size), "set map size");
  check(mdb_env_set_maxreaders(s->env_, options.max_readers), "set max readers");
  int rc = mdb_env_open(s->env_, options.path.c_str(), MDB_NOTLS, 0640);
  if (rc != 0)
    throw StoreError("internal", "cannot open store " + options.path + ": " + mdb_strerror(rc));
  // Lookups touch pages all over a large store: where the kernel can back the map with
  // huge pages (file-backed large folios read in through faults), one TLB entry covers
  // 2 MiB instead of 4 KiB. Measured: +8% answers per CPU-s at 1M and 10M records.
  advise_huge_pages(options.path + "/data.mdb");
  Txn txn(s->env_, true);
  check(mdb_dbi_open(txn.get(), "zones", MDB_CREATE, &s->zones_), "open zones");
  check(mdb_dbi_open(txn.get(), "ptr", MDB_CREATE, &s->rr_), "open ptr");
  check(mdb_dbi_open(txn.get(), "meta", MDB_CREATE, &s->meta_), "open meta");
  check(mdb_dbi_open(txn.get(), "ids", MDB_CREATE, &s->ids_), "open ids");
  check(mdb_set_compare(txn.get(), s->rr_, compare_address_keys), "compare ptr");
  check(mdb_set_compare(txn.get(), s->meta_, compare_address_keys), "compare meta");
  check(mdb_dbi_open(txn.get(), "info", MDB_CREATE, &s->info_), "open info");
  if (auto v = txn.find(s->info_, "schema")) {
    uint32_t version = v->size() == 4 ? uint32_t(codec::get_be(*v, 0, 4)) : 0;
    if (version == 1) {
      migrate_from_v1(txn.get(), s->rr_);
      s->migrated_from_ = 1;
      version = kSchemaVersion;
      std::string v2;
      codec::put_be(v2, kSchemaVersion, 4);
      txn.put(s->info_, "schema", v2);
    }
    if (version != kSchemaVersion)
      throw StoreError("internal", "store " + options.path + " has schema version " +
                                       std::to_string(version) + ", this rdnsd needs " +
                                       std::to_string(kSchemaVersion));
  } else {
    std::string version;
    codec::put_be(version, kSchemaVersion, 4);
    txn.put(s->info_, "schema", version);
  }
  txn.commit();
  return s;
}

// ---- zones ----

namespace {

std::vector<Zone> all_zones(MDB_txn* txn, MDB_dbi zones) {
  Cursor cur(txn, zones);
  std::vector<Zone> out;
  MDB_val k, v;
  int rc = mdb_cursor_get(cur.c, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT))
    out.push_back(codec::decode_zone(view(k), view(v)));
  if (rc != MDB_NOTFOUND) check(rc, "scan zones");
  return out;
}

std::optional<Zone> overlapping(MDB_txn* txn, MDB_dbi zones, const names::Prefix& prefix,
                                std::string_view skip_key) {
  Cursor cur(txn, zones);
  MDB_val k, v;
  int rc = mdb_cursor_get(cur.c, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT)) {
    if (view(k) == skip_key) continue;
    Zone z = codec::decode_zone(view(k), view(v));
    if (names::prefixes_overlap(z.settings.prefix, prefix)) return z;
  }
  if (rc != MDB_NOTFOUND) check(rc, "scan zones");
  return std::nullopt;
}

// `s` as it reads back from the store: names absolute and in wire_to_text's form, so
// that "ns1.example.net" in the config matches the stored "ns1.example.net.".
ZoneSettings as_stored(const ZoneSettings& s) {
  Zone z;
  z.settings = s;
  return codec::decode_zone("", codec::encode_zone(z)).settings;
}

// The apex key of a zone named by its apex or its prefix text.
std::string zone_key(std::string_view name) {
  if (name.find('/') == std::string_view::npos) return codec::key_of_text(name);
  std::string why;
  auto prefix = names::parse_prefix(name, &why);
  if (!prefix) throw StoreError("bad_request", why);
  auto apex = names::zone_apex(*prefix, &why);
  if (!apex) throw StoreError("bad_request", why);
  return codec::key_of_text(*apex);
}

// A seed belongs to the zone it is listed under. Elsewhere it would change another zone
// without a serial step (seeds take none), so it is refused.
void check_seed(const names::Prefix& prefix, const std::string& apex, const Store::Seed& seed) {
  auto addr = names::parse_ip(seed.address);
  if (addr && !names::prefix_contains(prefix, *addr))
    throw StoreError("not_in_zone", "seed " + seed.address + " is not in zone " + apex + " (" +
                                        names::format_prefix(prefix) + ")");
}

}  // namespace

ReconcileReport Store::reconcile(const std::vector<ZoneSettings>& zones,
                                 const std::vector<std::vector<Seed>>& seeds, std::time_t now) {
  ReconcileReport report;
  Batch b(env_, info_);
  std::map<std::string, size_t> wanted;  // apex key -> index in `zones`
  for (size_t i = 0; i < zones.size(); ++i) wanted[apex_key_of(zones[i])] = i;

  // Config zones no longer in the config stop being served; their records stay.
  for (const Zone& z : all_zones(b.txn.get(), zones_)) {
    std::string key = codec::key_of_text(z.apex);
    if (z.origin == ZoneOrigin::Config && z.served && !wanted.count(key)) {
      Zone off = z;
      off.served = false;
      b.txn.put(zones_, key, codec::encode_zone(off));
      report.unserved.push_back(z.apex);
    }
  }
  for (const auto& [key, index] : wanted) {
    const ZoneSettings& s = zones[index];
    std::string apex = *names::zone_apex(s.prefix);
    if (auto other = overlapping(b.txn.get(), zones_, s.prefix, key))
      throw StoreError("conflict", "zone " + names::format_prefix(s.prefix) +
                                       " overlaps the stored zone " + other->apex + " (" +
                                       names::format_prefix(other->settings.prefix) +
                                       "); remove that zone first");
    if (auto v = b.txn.find(zones_, key)) {
      Zone z = codec::decode_zone(key, *v);
      bool changed = !(z.settings == as_stored(s));
      if (!changed && z.served && z.origin == ZoneOrigin::Config) {
        report.unchanged.push_back(apex);
        continue;
      }
      if (changed) z.serial = serial::next(z.serial, s.policy, now);
      z.settings = s;
      z.served = true;
      z.origin = ZoneOrigin::Config;
      b.txn.put(zones_, key, codec::encode_zone(z));
      report.updated.push_back(apex);
    } else {
      Zone z;
      z.apex = apex;
      z.settings = s;
      z.serial = serial::initial(s.policy, now);
      b.txn.put(zones_, key, codec::encode_zone(z));
      report.created.push_back(apex);
      if (index < seeds.size())
        for (const Seed& seed : seeds[index]) {
          check_seed(s.prefix, apex, seed);
          apply_set(b, SetOp{seed.address, seed.target, std::nullopt, "", "config"}, now);
        }
    }
  }
  // Seeds of a new zone belong to its first serial: no serial step for them.
  for (auto& [key, z] : b.touched) b.txn.put(zones_, key, codec::encode_zone(z));
  b.touched.clear();
  finish(b, now);
  return report;
}

Zone Store::add_zone(const ZoneSettings& settings, std::time_t now) {
  return add_zones({settings}, now).front();
}

// Each zone is checked against the stored ones, including those written earlier in the
// same transaction, so two zones of the list that overlap are refused too.
std::vector<Zone> Store::add_zones(const std::vector<ZoneSettings>& settings, std::time_t now) {
  Txn txn(env_, true);
  std::vector<Zone> added;
  added.reserve(settings.size());
  for (const ZoneSettings& s : settings) {
    std::string key = apex_key_of(s);
    if (auto other = overlapping(txn.get(), zones_, s.prefix, ""))
      throw StoreError("conflict", "zone " + names::format_prefix(s.prefix) + " overlaps zone " +
                                       other->apex + " (" +
                                       names::format_prefix(other->settings.prefix) + ")");
    Zone z;
    z.apex = *names::zone_apex(s.prefix);
    z.settings = s;
    z.serial = serial::initial(s.policy, now);
    z.origin = ZoneOrigin::Admin;
    txn.put(zones_, key, codec::encode_zone(z));
    added.push_back(std::move(z));
  }
  txn.commit();
  return added;
}

uint64_t Store::remove_zone(std::string_view name, bool force) {
  std::string apex_key = zone_key(name);
  // The record count is checked in the write transaction that deletes: a record set
  // between a separate check and the delete would go without force.
  Txn txn(env_, true);
  auto value = txn.find(zones_, apex_key);
  if (!value) throw StoreError("not_found", "no zone " + std::string(name));
  Zone z = codec::decode_zone(apex_key, *value);
  if (z.record_count > 0 && !force)
    throw StoreError("conflict", "zone " + z.apex + " still holds " +
                                     std::to_string(z.record_count) +
                                     " records; remove them first or use force");
  // The zone's records are one range of `ptr` keys (and the same range of `meta` keys).
  uint64_t removed = 0;
  {
    Cursor cur(txn.get(), rr_);
    const std::string start = codec::meta_key(z.settings.prefix.addr);
    for (;;) {
      MDB_val k = val(start), v;
      int rc = mdb_cursor_get(cur.c, &k, &v, MDB_SET_RANGE);
      if (rc == MDB_NOTFOUND) break;
      check(rc, "scan records");
      names::IpAddress addr = codec::address_of_meta_key(view(k));
      if (view(k).size() != 1 + addr.size() || !names::prefix_contains(z.settings.prefix, addr))
        break;
      std::string mkey(view(k));
      if (auto m = txn.find(meta_, mkey)) txn.del(ids_, codec::decode_meta(*m).id);
      txn.del(meta_, mkey);
      check(mdb_cursor_del(cur.c, 0), "delete record");
      ++removed;
    }
  }
  txn.del(zones_, apex_key);
  uint64_t before = 0;
  if (auto v = txn.find(info_, "records"); v && v->size() == 8) before = codec::get_be(*v, 0, 8);
  std::string count;
  codec::put_be(count, before - std::min(before, removed), 8);
  txn.put(info_, "records", count);
  txn.commit();
  return removed;
}

std::vector<Zone> Store::zones() const {
  Txn txn(env_, false);
  return all_zones(txn.get(), zones_);
}

std::optional<Zone> Store::zone(std::string_view name) const {
  std::string key = zone_key(name);
  Txn txn(env_, false);
  auto v = txn.find(zones_, key);
  if (!v) return std::nullopt;
  return codec::decode_zone(key, *v);
}

std::optional<Zone> Store::zone_for_address(std::string_view address) const {
  std::string okey = owner_key(parse_address(address));
  Txn txn(env_, false);
  Cursor cur(txn.get(), zones_);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.c, okey, apex_key, value)) return std::nullopt;
  return codec::decode_zone(apex_key, value);
}

// ---- records ----

namespace {

// The apex (text) of the zone holding `okey`, or "" if none.
std::string zone_of(MDB_txn* txn, MDB_dbi zones, std::string_view okey) {
  Cursor cur(txn, zones);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.c, okey, apex_key, value)) return "";
  return names::wire_to_text(names::key_to_wire(apex_key));
}

std::string not_in_zone_message(const names::IpAddress& addr) {
  return names::format_ip(addr) + " is not in any zone this server serves";
}

}  // namespace

// Finds the served zone of `addr` in the batch, decoding it once per batch.
static Zone& touched_zone(MDB_txn* txn, MDB_dbi zones, std::map<std::string, Zone>& touched,
                          const names::IpAddress& addr, const std::string& okey) {
  Cursor cur(txn, zones);
  std::string_view apex_key, value;
  if (!find_zone_for_key(cur.c, okey, apex_key, value))
    throw StoreError("not_in_zone", not_in_zone_message(addr));
  auto it = touched.find(std::string(apex_key));
  if (it != touched.end()) return it->second;
  Zone z = codec::decode_zone(apex_key, value);
  if (!z.served) throw StoreError("not_in_zone", not_in_zone_message(addr));
  return touched.emplace(std::string(apex_key), std::move(z)).first->second;
}

void Store::apply_set(Batch& b, const SetOp& op, std::time_t now) const {
  names::IpAddress addr = parse_address(op.address);
  std::string why;
  auto target = names::normalize_hostname(op.target, &why);
  if (!target) throw StoreError("bad_name", "'" + op.target + "' is not a valid host name: " + why);
  if (op.description && op.description->size() > kMaxDescription)
    throw StoreError("bad_description", "description is longer than 255 bytes");
  if (op.description && !valid_utf8(*op.description))
    throw StoreError("bad_description", "description is not valid UTF-8 text");
  if (op.ttl) checked_ttl(op.ttl, 0);
  std::string okey = owner_key(addr), mkey = codec::meta_key(addr);
  Zone& z = touched_zone(b.txn.get(), zones_, b.touched, addr, okey);
  uint32_t ttl = checked_ttl(op.ttl, z.settings.default_ttl);

  codec::Meta m;
  auto old = b.txn.find(meta_, mkey);
  if (old) {
    m = codec::decode_meta(*old);
  } else {
    if (z.settings.max_records > 0 && z.record_count >= z.settings.max_records)
      throw StoreError("quota_exceeded", "zone " + z.apex + " is at its limit of " +
                                             std::to_string(z.settings.max_records) + " records");
    if (options_.max_records > 0 &&
        int64_t(b.records_before) + b.record_delta >= int64_t(options_.max_records))
      throw StoreError("quota_exceeded", "the server is at its limit of " +
                                             std::to_string(options_.max_records) + " records");
    m.id = codec::new_uuid();
    m.created = now;
    m.created_by = op.actor;
    ++z.record_count;
    ++b.record_delta;
  }
  m.modified = now;
  m.modified_by = op.actor;
  m.ttl = ttl;
  m.target = *target;
  if (op.description) m.description = *op.description;  // else: empty, or the old one kept
  b.txn.put(rr_, mkey, codec::encode_rr(ttl, *names::text_to_wire(*target)));
  b.txn.put(meta_, mkey, codec::encode_meta(m));
  if (!old) b.txn.put(ids_, m.id, mkey);
  if (b.keep_records) b.result.records.push_back(make_record(addr, m, z.apex));
  ++(old ? b.result.replaced : b.result.created);
}

void Store::apply_unset(Batch& b, const UnsetOp& op) const {
  names::IpAddress addr = parse_address(op.address);
  std::string okey = owner_key(addr), mkey = codec::meta_key(addr);
  Zone& z = touched_zone(b.txn.get(), zones_, b.touched, addr, okey);
  auto old = b.txn.find(meta_, mkey);
  if (!old) throw StoreError("not_found", "no record for " + names::format_ip(addr));
  b.txn.del(ids_, codec::decode_meta(*old).id);
  b.txn.del(meta_, mkey);
  b.txn.del(rr_, mkey);
  --z.record_count;
  --b.record_delta;
  ++b.result.removed;
}

// One serial step per touched zone, the record count, and the commit (unless `dry_run`:
// then the transaction is dropped and nothing of it is kept).
void Store::finish(Batch& b, std::time_t now, bool dry_run) const {
  for (auto& [key, z] : b.touched) {
    z.serial = serial::next(z.serial, z.settings.policy, now);
    b.txn.put(zones_, key, codec::encode_zone(z));
    b.result.serials.push_back({z.apex, z.serial});
  }
  std::string count;
  codec::put_be(count, uint64_t(int64_t(b.records_before) + b.record_delta), 8);
  b.txn.put(info_, "records", count);
  if (!dry_run) b.txn.commit();
}

WriteResult Store::set(const SetOp& op, std::time_t now) {
  Batch b(env_, info_);
  apply_set(b, op, now);
  finish(b, now);
  return std::move(b.result);
}

WriteResult Store::unset(const UnsetOp& op, std::time_t now) {
  Batch b(env_, info_);
  apply_unset(b, op);
  finish(b, now);
  return std::move(b.result);
}

namespace {

// The failures apply_set / apply_unset raise before writing anything for the op.
bool skippable(const StoreError& e) {
  static const char* const codes[] = {"bad_address", "bad_name", "bad_ttl", "bad_description",
                                      "not_in_zone"};
  return std::find(std::begin(codes), std::end(codes), e.code()) != std::end(codes);
}

}  // namespace

namespace {

// The order in which apply() may write `ops` in address order instead of as given: a
// large batch of sets whose answer has no per-op part. Its outcome is the same in any
// order that keeps the ops of each address in theirs: each address's record depends on
// its own ops only, and, sets only ever adding records, a quota is exceeded in one order
// exactly when in any other. Inserting in key order keeps the B-tree paths of `ptr` and
// `meta` in the cache from one op to the next (a 100,000-set batch in random order: most
// of its time was LMDB walking cold pages). Empty when the ops go as given.
std::vector<uint32_t> address_order(const std::vector<Op>& ops, const SkipOp& skip,
                                    bool keep_records) {
  constexpr size_t kMinSorted = 256;
  if (skip || keep_records || ops.size() < kMinSorted || ops.size() > UINT32_MAX) return {};
  std::vector<std::pair<std::string, uint32_t>> keys;
  keys.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind != Op::Kind::Set) return {};
    auto addr = names::parse_ip(ops[i].set.address);
    if (!addr) return {};  // refused below, at its own index
    keys.emplace_back(codec::meta_key(*addr), uint32_t(i));
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint32_t> order;
  order.reserve(keys.size());
  for (const auto& k : keys) order.push_back(k.second);
  return order;
}

}  // namespace

WriteResult Store::apply(const std::vector<Op>& ops, std::time_t now, const SkipOp& skip,
                         bool dry_run, bool keep_records) {
  if (std::vector<uint32_t> order = address_order(ops, skip, keep_records); !order.empty()) {
    try {
      Batch b(env_, info_);
      b.keep_records = false;
      for (uint32_t i : order) apply_set(b, ops[i].set, now);
      finish(b, now, dry_run);
      return std::move(b.result);
    } catch (const StoreError&) {
      // Nothing was written. The ops go again as given, so that the refusal names the
      // first failing op in the client's order, not in address order.
    }
  }
  Batch b(env_, info_);
  b.keep_records = keep_records;
  for (size_t i = 0; i < ops.size(); ++i) {
    try {
      if (ops[i].kind == Op::Kind::Set)
        apply_set(b, ops[i].set, now);
      else
        apply_unset(b, ops[i].unset);
    } catch (const BatchError&) {
      throw;
    } catch (const StoreError& e) {
      if (!skip || !skippable(e) || !skip(i, e)) throw BatchError(i, e);
      ++b.result.skipped;
    }
  }
  finish(b, now, dry_run);
  return std::move(b.result);
}

// Each op is a Batch of its own on a nested transaction, so apply_set, apply_unset and
// finish give it exactly the checks, serial step and counts of set() / unset().
std::vector<GroupItem> Store::apply_each(const std::vector<Op>& ops, std::time_t now) {
  if (ops.empty()) return {};  // no write transaction (it would wait for the writer lock)
  std::vector<GroupItem> out;
  out.reserve(ops.size());
  auto all_failed = [&](const StoreError& e) {
    return std::vector<GroupItem>(ops.size(), GroupItem(e));
  };
  try {
    Txn group(env_, true);
    for (const Op& op : ops) {
      Batch b(env_, info_, group.get());
      try {
        if (op.kind == Op::Kind::Set)
          apply_set(b, op.set, now);
        else
          apply_unset(b, op.unset);
        finish(b, now, /*dry_run=*/true);  // everything but the commit, which is ours
      } catch (const StoreError& e) {
        out.emplace_back(e);  // ~Batch aborts the nested transaction: this op alone
        continue;
      }
      // A nested commit that fails may have left the parent half-merged: give it up.
      b.txn.commit();
      out.emplace_back(std::move(b.result));
    }
    group.commit();
  } catch (const StoreError& e) {
    return all_failed(e);
  }
  return out;
}

std::optional<Record> Store::get(std::string_view address) const {
  names::IpAddress addr = parse_address(address);
  Txn txn(env_, false);
  auto m = txn.find(meta_, codec::meta_key(addr));
  if (!m) return std::nullopt;
  return make_record(addr, codec::decode_meta(*m), zone_of(txn.get(), zones_, owner_key(addr)));
}

std::optional<Record> Store::get_by_id(std::string_view id) const {
  auto raw = codec::uuid_raw(id);
  if (!raw) return std::nullopt;
  Txn txn(env_, false);
  auto mkey = txn.find(ids_, *raw);
  if (!mkey) return std::nullopt;
  auto m = txn.find(meta_, *mkey);
  if (!m) return std::nullopt;
  names::IpAddress addr = codec::address_of_meta_key(*mkey);
  return make_record(addr, codec::decode_meta(*m), zone_of(txn.get(), zones_, owner_key(addr)));
}

uint64_t Store::record_count() const {
  Txn txn(env_, false);
  auto v = txn.find(info_, "records");
  return v && v->size() == 8 ? codec::get_be(*v, 0, 8) : 0;
}

namespace {

bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b));
  });
  return it != hay.end();
}

// The narrower of two prefixes if one holds the other; nullopt if they are disjoint.
std::optional<names::Prefix> intersect(const names::Prefix& a, const names::Prefix& b) {
  if (!names::prefixes_overlap(a, b)) return std::nullopt;
  return a.length >= b.length ? a : b;
}

}  // namespace

ListResult Store::list(const ListFilter& f) const {
  // A zero limit would return an empty page with next_offset == offset: a pager loops.
  if (f.limit == 0 || f.limit > limits::kMaxListLimit)
    throw StoreError("bad_request", "limit must be 1.." + std::to_string(limits::kMaxListLimit));
  std::optional<names::Prefix> range = f.prefix;
  if (f.zone) {
    auto z = zone(*f.zone);
    if (!z) throw StoreError("not_found", "no zone " + *f.zone);
    range = range ? intersect(*range, z->settings.prefix) : z->settings.prefix;
    if (!range) return {};
  }
  ListResult out;
  Txn txn(env_, false);
  Cursor cur(txn.get(), meta_);
  Cursor zcur(txn.get(), zones_);
  MDB_val k, v;
  int rc;
  if (range) {
    std::string start = codec::meta_key(range->addr);
    k = val(start);
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_SET_RANGE);
  } else {
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_FIRST);
  }
  for (; rc == 0; rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT)) {
    names::IpAddress addr = codec::address_of_meta_key(view(k));
    if (range && !names::prefix_contains(*range, addr)) break;
    codec::Meta m = codec::decode_meta(view(v));
    if (f.name_contains && !contains_nocase(m.target, *f.name_contains)) continue;
    ++out.total;
    if (out.total <= f.offset || out.records.size() >= f.limit) continue;
    std::string okey = owner_key(addr);
    std::string_view apex_key, zvalue;
    std::string apex = find_zone_for_key(zcur.c, okey, apex_key, zvalue)
                           ? names::wire_to_text(names::key_to_wire(apex_key))
                           : "";
    out.records.push_back(make_record(addr, m, apex));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) check(rc, "list records");
  if (f.offset + out.records.size() < out.total) out.next_offset = f.offset + out.records.size();
  return out;
}

namespace {

// A zone's records from one read transaction: a meta cursor walking the zone's prefix.
class LmdbZoneReader : public ZoneReader {
 public:
  // The zone is read in the reader's own transaction, so that it and the records are one
  // snapshot. found() is false when there is no zone at `apex_key`.
  LmdbZoneReader(MDB_env* env, MDB_dbi zones, MDB_dbi meta, const std::string& apex_key) {
    check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_), "begin transaction");
    MDB_val k = val(apex_key), v;
    int rc = mdb_get(txn_, zones, &k, &v);
    if (rc == 0) {
      found_ = true;
      rc = mdb_cursor_open(txn_, meta, &cursor_);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
      mdb_txn_abort(txn_);
      check(rc, "read zone");
    }
    if (!found_) return;
    try {
      zone_ = codec::decode_zone(apex_key, view(v));
    } catch (...) {
      mdb_cursor_close(cursor_);
      mdb_txn_abort(txn_);
      throw;
    }
  }
  bool found() const { return found_; }
  ~LmdbZoneReader() override {
    if (cursor_) mdb_cursor_close(cursor_);
    mdb_txn_abort(txn_);
  }
  LmdbZoneReader(const LmdbZoneReader&) = delete;
  LmdbZoneReader& operator=(const LmdbZoneReader&) = delete;

  const Zone& zone() const override { return zone_; }

  bool next(Record& out) override {
    if (done_) return false;
    MDB_val k, v;
    int rc;
    if (!started_) {
      started_ = true;
      std::string start = codec::meta_key(zone_.settings.prefix.addr);
      k = val(start);
      rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
    } else {
      rc = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND) return !(done_ = true);
    check(rc, "read records");
    names::IpAddress addr = codec::address_of_meta_key(view(k));
    if (!names::prefix_contains(zone_.settings.prefix, addr)) return !(done_ = true);
    out = make_record(addr, codec::decode_meta(view(v)), zone_.apex);
    return true;
  }

 private:
  Zone zone_;
  MDB_txn* txn_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
  bool found_ = false, started_ = false, done_ = false;
};

}  // namespace

std::unique_ptr<ZoneReader> Store::read_zone(std::string_view name) const {
  auto reader = std::make_unique<LmdbZoneReader>(env_, zones_, meta_, zone_key(name));
  if (!reader->found()) return nullptr;
  return reader;
}

}  // namespace rdnsd::zonestore
