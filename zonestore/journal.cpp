// The IXFR journal's read side: a zone's changes since a serial, and its stats (for the
// transfer server, and Store::journal_stats for the admin side). The entries are written
// by WriteTxn (zonestore/write_txn.cpp).
#include "zonestore/journal.h"

#include <algorithm>
#include <vector>

#include "zonestore/codec/bytes.h"
#include "zonestore/codec/journal_value.h"
#include "zonestore/store.h"
#include "zonestore/zones.h"

namespace rdnsd::zonestore {

namespace {

using codec::val;
using codec::view;

bool valid_apex_key(std::string_view apex_key) noexcept {
  return !apex_key.empty() && apex_key.size() <= 255;
}

// The value at the journal key of (`apex_key`, `seq`); false if none or on an error.
bool get_entry(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key, uint64_t seq,
               std::string_view& out) noexcept {
  // The key on the stack: journal_stats allocates nothing.
  char key[1 + 255 + codec::kJournalSeqSize];
  key[0] = char(apex_key.size());
  std::copy(apex_key.begin(), apex_key.end(), key + 1);
  for (size_t i = 0; i < codec::kJournalSeqSize; ++i)
    key[1 + apex_key.size() + i] = char(seq >> (8 * (codec::kJournalSeqSize - 1 - i)));
  MDB_val k{1 + apex_key.size() + codec::kJournalSeqSize, key}, v;
  if (mdb_get(txn, journal, &k, &v) != 0) return false;
  out = view(v);
  return true;
}

// The zone's journal head; an empty journal if there is none or it is unreadable.
codec::JournalHead read_head(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key) noexcept {
  codec::JournalHead head;
  std::string_view v;
  if (get_entry(txn, journal, apex_key, codec::kJournalHeadSeq, v) &&
      !codec::decode_journal_head(v, head))
    head = {};
  return head;
}

// One RR of the entries read, in the order read: each entry's removed RRs, then its added.
struct Seen {
  codec::JournalRrView rr;
  bool added;
};

// Appends the RRs of `e` to `seen`; false if the entry is malformed.
bool collect(const codec::JournalEntryView& e, std::vector<Seen>& seen) {
  std::string_view rest = e.rrs;
  for (uint64_t i = 0; i < uint64_t(e.removed) + e.added; ++i) {
    codec::JournalRrView rr;
    if (!codec::next_journal_rr(rest, rr)) return false;
    seen.push_back({rr, i >= e.removed});
  }
  return rest.empty();
}

JournalRr owned(const codec::JournalRrView& rr) {
  return JournalRr{std::string(rr.key), rr.type, rr.ttl, std::string(rr.rdata)};
}

// Per RR: its state before its first change (if that change removed it, it existed) and
// after its last (if that one added it).
void condense(std::vector<Seen>& seen, JournalDiff& diff) {
  auto less = [](const Seen& a, const Seen& b) {
    const int c = a.rr.key.compare(b.rr.key);
    return c < 0 || (c == 0 && a.rr.type < b.rr.type);
  };
  std::stable_sort(seen.begin(), seen.end(), less);
  for (size_t i = 0; i < seen.size();) {
    size_t j = i + 1;
    while (j < seen.size() && !less(seen[i], seen[j])) ++j;
    const Seen& first = seen[i];
    const Seen& last = seen[j - 1];
    i = j;
    const bool had = !first.added, has = last.added;
    if (had && has && first.rr.ttl == last.rr.ttl && first.rr.rdata == last.rr.rdata) continue;
    if (had) diff.removed.push_back(owned(first.rr));
    if (has) diff.added.push_back(owned(last.rr));
  }
}

// Closes the cursor when the scan ends, however it ends.
struct CursorCloser {
  MDB_cursor* c = nullptr;
  ~CursorCloser() {
    if (c) mdb_cursor_close(c);
  }
};

}  // namespace

std::optional<JournalDiff> journal_diff(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key,
                                        uint32_t from_serial) {
  if (!valid_apex_key(apex_key)) return std::nullopt;
  const codec::JournalHead head = read_head(txn, journal, apex_key);
  if (head.entries == 0) return std::nullopt;
  CursorCloser cur;
  if (mdb_cursor_open(txn, journal, &cur.c) != 0) return std::nullopt;
  const std::string start = codec::journal_key(apex_key, head.first_seq());
  MDB_val k = val(start), v;
  int rc = mdb_cursor_get(cur.c, &k, &v, MDB_SET_KEY);
  // The entries from the first to the newest, in order and without a gap; the diff
  // starts at the (oldest) one that starts at from_serial.
  std::vector<Seen> seen;
  JournalDiff diff;
  bool started = false;
  uint64_t expect = head.first_seq();
  for (; rc == 0; rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT)) {
    const auto seq = codec::journal_seq_of(view(k), apex_key);
    if (!seq || *seq >= head.next_seq) break;
    if (*seq != expect++) return std::nullopt;
    codec::JournalEntryView e;
    if (!codec::decode_journal_entry(view(v), e)) return std::nullopt;
    if (!started) {
      if (e.from_serial != from_serial) continue;
      started = true;
      diff.from_serial = from_serial;
    } else if (e.from_serial != diff.to_serial) {
      return std::nullopt;
    }
    diff.to_serial = e.to_serial;
    if (!collect(e, seen)) return std::nullopt;
  }
  if ((rc != 0 && rc != MDB_NOTFOUND) || !started || expect != head.next_seq) return std::nullopt;
  condense(seen, diff);
  return diff;
}

JournalStats journal_stats(MDB_txn* txn, MDB_dbi journal, std::string_view apex_key) noexcept {
  JournalStats out;
  if (!valid_apex_key(apex_key)) return out;
  const codec::JournalHead head = read_head(txn, journal, apex_key);
  if (head.entries == 0) return out;
  std::string_view first, last;
  codec::JournalEntryView f, l;
  if (!get_entry(txn, journal, apex_key, head.first_seq(), first) ||
      !get_entry(txn, journal, apex_key, head.next_seq - 1, last) ||
      !codec::decode_journal_entry(first, f) || !codec::decode_journal_entry(last, l))
    return out;
  out.entries = head.entries;
  out.bytes = head.bytes;
  out.first_serial = f.from_serial;
  out.last_serial = l.to_serial;
  return out;
}

std::optional<JournalStats> Store::journal_stats(std::string_view name) const {
  const std::string key = zone_key(name);
  Txn txn(env_.get(), false);
  if (!txn.find(tables_.zones, key)) return std::nullopt;
  return zonestore::journal_stats(txn.get(), tables_.journal, key);
}

}  // namespace rdnsd::zonestore
