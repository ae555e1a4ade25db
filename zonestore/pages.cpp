// Record pages for the HTTP API: address-ordered walks over the union of prefixes, by
// bound (after / before an address) or by offset, and counts within prefixes (quotas).
#include <algorithm>
#include <cctype>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/keys.h"
#include "zonestore/records.h"
#include "zonestore/store.h"

namespace rdnsd::zonestore {

using codec::val;
using codec::view;

namespace {

// One key range [lo, hi) of `meta`; an empty `hi` has no end.
struct Range {
  std::string lo, hi;
};

names::IpAddress last_address(const names::Prefix& p) {
  names::IpAddress a = p.addr;
  const unsigned bits = unsigned(a.size()) * 8;
  for (unsigned i = p.length; i < bits; ++i) a.bytes[i / 8] |= uint8_t(0x80u >> (i % 8));
  return a;
}

// The key ranges of `prefixes`, disjoint and in key order: a prefix inside another is
// dropped (prefixes nest or are disjoint). None given: one range over every key.
std::vector<Range> key_ranges(const std::vector<names::Prefix>& prefixes) {
  if (prefixes.empty()) return {Range{}};
  std::vector<names::Prefix> kept;
  for (const auto& p : prefixes) {
    bool inside = false;
    for (const auto& q : prefixes)
      if (!(q == p) && q.length <= p.length && names::prefixes_overlap(p, q)) inside = true;
    if (!inside && std::find(kept.begin(), kept.end(), p) == kept.end()) kept.push_back(p);
  }
  std::vector<Range> out;
  for (const auto& p : kept)
    out.push_back({codec::meta_key(p.addr), codec::meta_key(last_address(p)) + '\0'});
  std::sort(out.begin(), out.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
  return out;
}

// Calls f(key, value) for each record inside `ranges` after (`forward`) or before
// `from` (empty: from the first or the last; `from` itself only when `inclusive`), in
// that order, until f says stop.
template <class F>
void walk(MDB_txn* txn, MDB_dbi meta, const std::vector<Range>& ranges, std::string from,
          bool forward, F&& f, bool inclusive = false) {
  // The least key above `from` is `from` + NUL: keys of one family have one length.
  if (!from.empty() && (forward != inclusive)) from += '\0';
  Cursor cur(txn, meta);
  MDB_val k, v;
  for (size_t n = 0; n < ranges.size(); ++n) {
    const Range& r = ranges[forward ? n : ranges.size() - 1 - n];
    int rc;
    if (forward) {
      std::string start = from.empty() ? r.lo : std::max(r.lo, from);
      k = val(start);
      rc = mdb_cursor_get(cur.get(), &k, &v, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
    } else {
      std::string bound = from.empty() ? r.hi : r.hi.empty() ? from : std::min(r.hi, from);
      k = val(bound);
      rc = bound.empty() ? MDB_NOTFOUND : mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
      rc = rc == 0 ? mdb_cursor_get(cur.get(), &k, &v, MDB_PREV)
                   : mdb_cursor_get(cur.get(), &k, &v, MDB_LAST);
    }
    for (; rc == 0; rc = mdb_cursor_get(cur.get(), &k, &v, forward ? MDB_NEXT : MDB_PREV)) {
      const std::string_view key = view(k);
      if (forward ? (!r.hi.empty() && key >= r.hi) : key < r.lo) break;
      if (!f(key, view(v))) return;
    }
    if (rc != 0 && rc != MDB_NOTFOUND) check(rc, "walk records");
  }
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b));
  });
  return it != hay.end();
}

std::string zone_of(MDB_cursor* zones, std::string_view okey) {
  std::string_view apex_key, value;
  if (!find_zone_for_key(zones, okey, apex_key, value)) return "";
  return names::wire_to_text(names::key_to_wire(apex_key));
}

// One direction of a page: up to `limit` matches after skipping `skip`, then whether one
// more follows.
struct Taken {
  std::vector<std::pair<std::string, codec::Meta>> items;  // in walk order
  bool more = false;
};

Taken take(MDB_txn* txn, MDB_dbi meta, const std::vector<Range>& ranges, const RecordPageQuery& q,
           const std::string& from, bool forward, bool inclusive = false) {
  Taken t;
  uint64_t skipped = 0;
  walk(
      txn, meta, ranges, from, forward,
      [&](std::string_view key, std::string_view value) {
        codec::Meta m = codec::decode_meta(value);
        if (q.name_contains && !contains_nocase(m.target, *q.name_contains)) return true;
        if (skipped < q.skip) return ++skipped, true;
        if (t.items.size() >= q.limit) return t.more = true, false;
        t.items.emplace_back(std::string(key), std::move(m));
        return true;
      },
      inclusive);
  return t;
}

// Whether a match lies beyond `from` in that direction (or at it, when `inclusive`).
bool any_beyond(MDB_txn* txn, MDB_dbi meta, const std::vector<Range>& ranges,
                const RecordPageQuery& q, const std::string& from, bool forward,
                bool inclusive = false) {
  RecordPageQuery one = q;
  one.skip = 0;
  one.limit = 0;
  return take(txn, meta, ranges, one, from, forward, inclusive).more;
}

}  // namespace

uint64_t count_in_ranges(MDB_txn* txn, MDB_dbi meta, const std::vector<names::Prefix>& prefixes,
                         uint64_t cap) {
  uint64_t n = 0;
  walk(txn, meta, key_ranges(prefixes), "", true,
       [&](std::string_view, std::string_view) { return ++n < cap || cap == 0; });
  return n;
}

uint64_t Store::count_in(const std::vector<names::Prefix>& prefixes) const {
  Txn txn(env_.get(), false);
  return count_in_ranges(txn.get(), tables_.meta, prefixes, 0);
}

RecordPage Store::page(const RecordPageQuery& q) const {
  if (q.limit == 0 || q.limit > limits::kMaxListLimit)
    throw StoreError("bad_request", "limit must be 1.." + std::to_string(limits::kMaxListLimit));
  const std::vector<Range> ranges = key_ranges(q.ranges);
  Txn txn(env_.get(), false);
  const bool forward = !q.before;
  const std::string from = q.before  ? codec::meta_key(*q.before)
                           : q.after ? codec::meta_key(*q.after)
                                     : std::string();
  Taken t = take(txn.get(), tables_.meta, ranges, q, from, forward);
  if (!forward) std::reverse(t.items.begin(), t.items.end());
  RecordPage out;
  Cursor zcur(txn.get(), tables_.zones);
  for (auto& [key, m] : t.items) {
    names::IpAddress addr = codec::address_of_meta_key(key);
    out.records.push_back(make_record(addr, m, zone_of(zcur.get(), codec::owner_key(addr))));
  }
  MDB_txn* x = txn.get();
  if (forward) {
    out.more_after = t.more;
    // Before the first item; on an empty page, at or before its start.
    out.more_before =
        t.items.empty()
            ? (!from.empty() && any_beyond(x, tables_.meta, ranges, q, from, false, true)) ||
                  (from.empty() && q.skip > 0 && any_beyond(x, tables_.meta, ranges, q, "", true))
            : any_beyond(x, tables_.meta, ranges, q, t.items.front().first, false);
  } else {
    out.more_before = t.more;
    // `before` itself and what follows it are the next page.
    out.more_after = any_beyond(x, tables_.meta, ranges, q, from, true, true);
  }
  return out;
}

}  // namespace rdnsd::zonestore
