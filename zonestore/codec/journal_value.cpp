#include "zonestore/codec/journal_value.h"

#include <algorithm>
#include <numeric>

#include "zonestore/codec/bytes.h"
#include "zonestore/types.h"

namespace rdnsd::zonestore::codec {

std::string journal_key(std::string_view apex_key, uint64_t seq) {
  if (apex_key.empty() || apex_key.size() > 255)
    throw StoreError(
        "internal", "zone key of " + std::to_string(apex_key.size()) + " bytes has no journal key");
  std::string out;
  out.reserve(1 + apex_key.size() + kJournalSeqSize);
  out += char(apex_key.size());
  out += apex_key;
  put_be(out, seq, kJournalSeqSize);
  return out;
}

std::optional<uint64_t> journal_seq_of(std::string_view key, std::string_view apex_key) noexcept {
  if (key.size() != 1 + apex_key.size() + kJournalSeqSize || uint8_t(key[0]) != apex_key.size() ||
      key.substr(1, apex_key.size()) != apex_key)
    return std::nullopt;
  return get_be(key, 1 + apex_key.size(), kJournalSeqSize);
}

std::string encode_journal_head(const JournalHead& h) {
  std::string out;
  out.reserve(kJournalHeadSize);
  put_be(out, h.next_seq, 8);
  put_be(out, h.entries, 8);
  put_be(out, h.bytes, 8);
  return out;
}

bool decode_journal_head(std::string_view v, JournalHead& out) noexcept {
  if (v.size() != kJournalHeadSize) return false;
  JournalHead h{get_be(v, 0, 8), get_be(v, 8, 8), get_be(v, 16, 8)};
  if (h.next_seq < 1 || h.entries > h.next_seq - 1) return false;
  out = h;
  return true;
}

bool decode_journal_entry(std::string_view v, JournalEntryView& out) noexcept {
  if (v.size() < kJournalEntryFixed) return false;
  out.from_serial = get_be32(v, 0);
  out.to_serial = get_be32(v, 4);
  out.removed = get_be32(v, 8);
  out.added = get_be32(v, 12);
  out.rrs = v.substr(kJournalEntryFixed);
  return true;
}

bool next_journal_rr(std::string_view& rest, JournalRrView& out) noexcept {
  if (rest.empty()) return false;
  const size_t k = uint8_t(rest[0]);
  if (rest.size() < kJournalRrFixed + k) return false;
  const size_t d = get_be(rest, 1 + k + 6, 2);
  const size_t size = kJournalRrFixed + k + d;
  if (rest.size() < size) return false;
  out.key = rest.substr(1, k);
  out.type = uint16_t(get_be(rest, 1 + k, 2));
  out.ttl = get_be32(rest, 1 + k + 2);
  out.rdata = rest.substr(kJournalRrFixed + k, d);
  rest.remove_prefix(size);
  return true;
}

void JournalStepBuilder::note(std::string_view key, uint16_t type, const std::optional<Rr>& before,
                              const std::optional<Rr>& after) {
  if (key.size() > 255 || (before && before->rdata.size() > 0xffff) ||
      (after && after->rdata.size() > 0xffff))
    throw StoreError("internal", "a record too large for the journal");
  // Appends a state (TTL, rdata) and returns its size, -1 for none.
  auto put_state = [this](const std::optional<Rr>& s) -> int64_t {
    if (!s) return -1;
    put_be(bytes_, s->ttl, 4);
    bytes_ += s->rdata;
    return int64_t(4 + s->rdata.size());
  };
  Change c{bytes_.size(), type, uint8_t(key.size()), -1, -1};
  bytes_ += key;
  c.before = put_state(before);
  c.after = put_state(after);
  changes_.push_back(c);
}

std::string_view JournalStepBuilder::before(const Change& c) const noexcept {
  if (c.before < 0) return {};
  return {bytes_.data() + c.at + c.key_size, size_t(c.before)};
}

std::string_view JournalStepBuilder::after(const Change& c) const noexcept {
  if (c.after < 0) return {};
  return {bytes_.data() + c.at + c.key_size + size_t(std::max<int64_t>(c.before, 0)),
          size_t(c.after)};
}

bool JournalStepBuilder::precedes(const Change& a, const Change& b) const noexcept {
  const int c = key(a).compare(key(b));
  return c < 0 || (c == 0 && a.type < b.type);
}

namespace {

// One RR of an entry: key, type, then the state's TTL and rdata (`state`: 4 bytes of TTL,
// then the rdata).
void put_rr(std::string& out, std::string_view key, uint16_t type, std::string_view state) {
  out += char(key.size());
  out += key;
  put_be(out, type, 2);
  out.append(state.substr(0, 4));
  put_be(out, state.size() - 4, 2);
  out.append(state.substr(4));
}

}  // namespace

std::string JournalStepBuilder::entry(uint32_t from_serial, uint32_t to_serial) const {
  // The changes in (key, type) order, each RR's changes in the order made. A single set or
  // a batch written in address order is in that order already, without duplicates.
  std::vector<size_t> order(changes_.size());
  std::iota(order.begin(), order.end(), size_t(0));
  bool sorted = true;
  for (size_t i = 1; i < changes_.size() && sorted; ++i)
    sorted = precedes(changes_[i - 1], changes_[i]);
  if (!sorted)
    std::stable_sort(order.begin(), order.end(),
                     [this](size_t a, size_t b) { return precedes(changes_[a], changes_[b]); });
  // Each RR: its state before its first change and after its last.
  struct Net {
    const Change* first;
    const Change* last;
  };
  std::vector<Net> net;
  net.reserve(order.size());
  uint32_t removed = 0, added = 0;
  size_t bytes = kJournalEntryFixed;
  for (size_t i = 0; i < order.size();) {
    const Change& first = changes_[order[i]];
    size_t j = i + 1;
    while (j < order.size() && !precedes(first, changes_[order[j]])) ++j;
    const Change& last = changes_[order[j - 1]];
    i = j;
    const bool had = first.before >= 0, has = last.after >= 0;
    if (had == has && (!had || before(first) == after(last))) continue;  // no net change
    net.push_back({&first, &last});
    for (auto [present, state] : {std::pair{had, before(first)}, std::pair{has, after(last)}})
      if (present) bytes += kJournalRrFixed + first.key_size + state.size() - 4;
    removed += had;
    added += has;
  }
  std::string out;
  out.reserve(bytes);
  for (uint32_t v : {from_serial, to_serial, removed, added}) put_be(out, v, 4);
  for (const Net& n : net)
    if (n.first->before >= 0) put_rr(out, key(*n.first), n.first->type, before(*n.first));
  for (const Net& n : net)
    if (n.last->after >= 0) put_rr(out, key(*n.last), n.last->type, after(*n.last));
  return out;
}

}  // namespace rdnsd::zonestore::codec
