#pragma once
// The `journal` table: each zone's IXFR journal (RFC 1995), one entry per serial step.
//
// key (one zone's keys are one contiguous range, its head first):
//   off   size field
//   0     1    apex key length L (1..255)
//   1     L    apex key (the zone's `zones` key, zonestore/codec/keys.h)
//   1+L   8    sequence number, big-endian: 0 is the zone's head, 1.. its entries, oldest
//              first. Serials wrap (RFC 1982), so they are not keys; a sequence number is
//              never reused while the zone exists (clearing the journal keeps the head).
//
// head value (seq 0; absent: an empty journal whose next entry is seq 1):
//   off size field
//   0   8    next sequence number
//   8   8    entry count N: the entries are the seqs next-N .. next-1, with no gap
//   16  8    total bytes: the sum of the entries' value sizes
//
// entry value (integers big-endian):
//   off size field
//   0   4    from serial (the zone's serial before the step)
//   4   4    to serial (after it)
//   8   4    removed count R
//   12  4    added count A
//   16  ..   R removed RRs, then A added RRs, each list sorted by (record key, type):
//              1  record key length K
//              K  record key (the `ptr` / `meta` key, zonestore/codec/keys.h)
//              2  type (12 PTR; other types, e.g. DHCID 49, keep this form)
//              4  TTL
//              2  rdata length D
//              D  rdata in wire form (a PTR's: its target name, case as given)
// A step's entry is condensed: a record changed twice in the step is in it once (removed:
// its state before the step, added: its state after), and not at all if the two agree.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rdnsd::zonestore::codec {

inline constexpr uint16_t kTypePtr = 12;
inline constexpr uint64_t kJournalHeadSeq = 0;
inline constexpr size_t kJournalSeqSize = 8;
inline constexpr size_t kJournalHeadSize = 24;
inline constexpr size_t kJournalEntryFixed = 16;
inline constexpr size_t kJournalRrFixed = 1 + 2 + 4 + 2;  // key length, type, TTL, rdata length

// The key of `seq` in the journal of the zone at `apex_key`; throws StoreError("internal")
// unless the apex key has 1..255 bytes (a zone key always has).
std::string journal_key(std::string_view apex_key, uint64_t seq);
// The sequence number of `key` if it belongs to the zone at `apex_key`.
std::optional<uint64_t> journal_seq_of(std::string_view key, std::string_view apex_key) noexcept;

struct JournalHead {
  uint64_t next_seq = 1, entries = 0, bytes = 0;
  uint64_t first_seq() const noexcept { return next_seq - entries; }
  bool operator==(const JournalHead&) const = default;
};
std::string encode_journal_head(const JournalHead& head);
// False for a value that is not 24 bytes or whose count runs below seq 1.
bool decode_journal_head(std::string_view value, JournalHead& out) noexcept;

// The fixed part of an entry; `rrs` views the RRs after it.
struct JournalEntryView {
  uint32_t from_serial = 0, to_serial = 0, removed = 0, added = 0;
  std::string_view rrs;
};
// False for a value shorter than the fixed part.
bool decode_journal_entry(std::string_view value, JournalEntryView& out) noexcept;

struct JournalRrView {
  std::string_view key;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string_view rdata;
};
// Reads the RR at the start of `rest` and moves `rest` past it; false (and `rest`
// untouched) if `rest` does not start with a whole RR.
bool next_journal_rr(std::string_view& rest, JournalRrView& out) noexcept;

// The record changes of one zone in one write transaction, in the order they were made,
// and the journal entry they condense to. The changes' bytes go into large blocks that
// never move (a batch of 100,000 sets makes 100,000 changes, not 300,000 strings or a
// buffer copied each time it grows), and the entry is written where the caller reserved
// room for it (the LMDB value itself: a 100,000-set entry is 5 MB).
class JournalStepBuilder {
 public:
  // An RR's state: absent, or its TTL and rdata.
  struct Rr {
    uint32_t ttl = 0;
    std::string_view rdata;
  };
  // The RR (`key`, `type`) went from `before` to `after` (nullopt: absent). Throws
  // StoreError("internal") for a key over 255 bytes or rdata over 65,535.
  void note(std::string_view key, uint16_t type, const std::optional<Rr>& before,
            const std::optional<Rr>& after);
  bool empty() const noexcept { return changes_.empty(); }

  class Entry;
  // The entry of the changes so far, from `from_serial` to `to_serial` (condensed as the
  // table says). It refers to this builder, which must outlive it and not change.
  Entry entry(uint32_t from_serial, uint32_t to_serial) const;

 private:
  // One change: its key, then its before state (TTL + rdata, `before` bytes; -1 absent),
  // then its after state, at `at`.
  struct Change {
    const char* at;
    uint16_t type;
    uint8_t key_size;
    int32_t before, after;
    std::string_view key() const noexcept { return {at, key_size}; }
    std::string_view before_state() const noexcept;
    std::string_view after_state() const noexcept;
  };
  static bool precedes(const Change& a, const Change& b) noexcept;
  char* room(size_t size);

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0, block_size_ = 0;
  std::vector<Change> changes_;
  bool sorted_ = true;  // each change's (key, type) after the one before's: no repeats
};

// A step's entry, condensed: its size, and its bytes written on demand.
class JournalStepBuilder::Entry {
 public:
  size_t size() const noexcept { return size_; }
  void write(char* out) const noexcept;  // exactly size() bytes
  std::string str() const;

 private:
  friend class JournalStepBuilder;
  // Calls f(first, last) for the first and last change of each RR that changed, in
  // (key, type) order.
  template <typename F>
  void each(F&& f) const;

  const JournalStepBuilder* b_ = nullptr;
  uint32_t from_ = 0, to_ = 0, removed_ = 0, added_ = 0;
  size_t size_ = kJournalEntryFixed;
  // The (first, last) change indices of each RR that changed, unless the changes are in
  // order without repeats (the usual case): then each change is its own.
  std::vector<std::pair<size_t, size_t>> net_;
};

}  // namespace rdnsd::zonestore::codec
