#include "zonestore/codec/journal_value.h"

#include <algorithm>
#include <cstring>
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

namespace {

constexpr size_t kBlockSize = 256 << 10;

char* put_be_at(char* p, uint64_t v, int bytes) noexcept {
  for (int i = bytes - 1; i >= 0; --i) *p++ = char((v >> (8 * i)) & 0xff);
  return p;
}

char* put_bytes(char* p, std::string_view s) noexcept {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// One RR of an entry: key, type, then the state's TTL and rdata (`state`: 4 bytes of TTL,
// then the rdata).
char* put_rr(char* p, std::string_view key, uint16_t type, std::string_view state) noexcept {
  *p++ = char(key.size());
  p = put_bytes(p, key);
  p = put_be_at(p, type, 2);
  p = put_bytes(p, state.substr(0, 4));
  p = put_be_at(p, state.size() - 4, 2);
  return put_bytes(p, state.substr(4));
}

size_t rr_size(std::string_view key, std::string_view state) noexcept {
  return kJournalRrFixed + key.size() + state.size() - 4;
}

}  // namespace

std::string_view JournalStepBuilder::Change::before_state() const noexcept {
  if (before < 0) return {};
  return {at + key_size, size_t(before)};
}

std::string_view JournalStepBuilder::Change::after_state() const noexcept {
  if (after < 0) return {};
  return {at + key_size + size_t(std::max(before, 0)), size_t(after)};
}

bool JournalStepBuilder::precedes(const Change& a, const Change& b) noexcept {
  const int c = a.key().compare(b.key());
  return c < 0 || (c == 0 && a.type < b.type);
}

// `size` bytes in the current block, or in a new one; blocks never move.
char* JournalStepBuilder::room(size_t size) {
  if (blocks_.empty() || block_size_ - block_used_ < size) {
    block_size_ = std::max(kBlockSize, size);
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(block_size_));
    block_used_ = 0;
  }
  char* p = blocks_.back().get() + block_used_;
  block_used_ += size;
  return p;
}

void JournalStepBuilder::note(std::string_view key, uint16_t type, const std::optional<Rr>& before,
                              const std::optional<Rr>& after) {
  if (key.size() > 255 || (before && before->rdata.size() > 0xffff) ||
      (after && after->rdata.size() > 0xffff))
    throw StoreError("internal", "a record too large for the journal");
  auto state_size = [](const std::optional<Rr>& s) {
    return s ? int32_t(4 + s->rdata.size()) : -1;
  };
  Change c{nullptr, type, uint8_t(key.size()), state_size(before), state_size(after)};
  char* p = room(key.size() + size_t(std::max(c.before, 0)) + size_t(std::max(c.after, 0)));
  c.at = p;
  p = put_bytes(p, key);
  for (const std::optional<Rr>* s : {&before, &after})
    if (*s) p = put_bytes(put_be_at(p, (*s)->ttl, 4), (*s)->rdata);
  if (sorted_ && !changes_.empty()) sorted_ = precedes(changes_.back(), c);
  changes_.push_back(c);
}

JournalStepBuilder::Entry JournalStepBuilder::entry(uint32_t from_serial,
                                                    uint32_t to_serial) const {
  Entry e;
  e.b_ = this;
  e.from_ = from_serial;
  e.to_ = to_serial;
  if (!sorted_) {
    // In (key, type) order, each RR's changes in the order made; then each RR from its
    // state before its first change to its state after its last.
    std::vector<size_t> order(changes_.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [this](size_t a, size_t b) { return precedes(changes_[a], changes_[b]); });
    for (size_t i = 0; i < order.size();) {
      size_t j = i + 1;
      while (j < order.size() && !precedes(changes_[order[i]], changes_[order[j]])) ++j;
      e.net_.emplace_back(order[i], order[j - 1]);
      i = j;
    }
  }
  e.each([&e](const Change& first, const Change& last) {
    if (first.before >= 0) {
      ++e.removed_;
      e.size_ += rr_size(first.key(), first.before_state());
    }
    if (last.after >= 0) {
      ++e.added_;
      e.size_ += rr_size(last.key(), last.after_state());
    }
  });
  return e;
}

// An RR whose state after its last change is the one before its first did not change.
template <typename F>
void JournalStepBuilder::Entry::each(F&& f) const {
  auto visit = [&f](const Change& first, const Change& last) {
    const bool had = first.before >= 0, has = last.after >= 0;
    if (had == has && (!had || first.before_state() == last.after_state())) return;
    f(first, last);
  };
  if (b_->sorted_) {
    for (const Change& c : b_->changes_) visit(c, c);
  } else {
    for (const auto& [first, last] : net_) visit(b_->changes_[first], b_->changes_[last]);
  }
}

void JournalStepBuilder::Entry::write(char* out) const noexcept {
  char* p = out;
  for (uint32_t v : {from_, to_, removed_, added_}) p = put_be_at(p, v, 4);
  each([&p](const Change& first, const Change&) {
    if (first.before >= 0) p = put_rr(p, first.key(), first.type, first.before_state());
  });
  each([&p](const Change&, const Change& last) {
    if (last.after >= 0) p = put_rr(p, last.key(), last.type, last.after_state());
  });
}

std::string JournalStepBuilder::Entry::str() const {
  std::string out(size_, '\0');
  write(out.data());
  return out;
}

}  // namespace rdnsd::zonestore::codec
