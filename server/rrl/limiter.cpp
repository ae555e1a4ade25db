#include "server/rrl/limiter.h"

#include <algorithm>
#include <cstring>

#include "server/dns/siphash.h"

namespace rdnsd::rrl {
namespace {

constexpr uint64_t kUnit = 1000;  // tokens per answer of one share; refills are per ms

// The first `bits` bits of `len` address bytes into `out`, the rest cleared.
void mask_into(const uint8_t* addr, size_t len, uint32_t bits, uint8_t* out) noexcept {
  for (size_t i = 0; i < len; ++i) {
    const uint32_t at = uint32_t(i) * 8;
    if (bits >= at + 8) {
      out[i] = addr[i];
    } else if (bits > at) {
      out[i] = uint8_t(addr[i] & (0xFF << (8 - (bits - at))));
    } else {
      out[i] = 0;
    }
  }
}

bool prefix_holds(const names::Prefix& p, dns::ClientIp client) noexcept {
  if (client.len != (p.addr.family == 4 ? 4 : 16)) return false;
  uint8_t masked[16];
  mask_into(client.bytes, client.len, p.length, masked);
  return std::memcmp(masked, p.addr.bytes.data(), client.len) == 0;
}

}  // namespace

Limiter::Limiter(const Options& options, const uint8_t seed[16])
    : options_(options),
      cost_(kUnit * std::max<uint32_t>(1, options.shares)),
      cap_(uint64_t(options.rate) * options.window * kUnit),
      idle_ms_(uint64_t(options.window) * 1000),
      table_(std::max<uint32_t>(kProbe, options.table_size)) {
  std::memcpy(seed_, seed, sizeof seed_);
}

bool Limiter::whitelisted(dns::ClientIp client) const noexcept {
  for (const names::Prefix& p : options_.whitelist)
    if (prefix_holds(p, client)) return true;
  return false;
}

Verdict Limiter::account(dns::ClientIp client, dns::AnswerKind kind, std::string_view name,
                         uint16_t qtype, uint64_t now_ms) noexcept {
  if (!options_.whitelist.empty() && whitelisted(client)) return Verdict::Answer;
  Bucket& b = find(key_of(client, kind, name, qtype), now_ms);
  refill(b, now_ms);
  if (b.tokens >= cost_) {
    b.tokens -= cost_;
    return Verdict::Answer;
  }
  return limit(b);
}

Stats Limiter::stats() const noexcept {
  return {limited_.load(std::memory_order_relaxed), slipped_.load(std::memory_order_relaxed),
          dropped_.load(std::memory_order_relaxed)};
}

// SipHash-2-4 under the seed of: the client block (its length byte, then the address
// cut to the prefix), the class, the type and the name. Never 0 (a free slot).
uint64_t Limiter::key_of(dns::ClientIp client, dns::AnswerKind kind, std::string_view name,
                         uint16_t qtype) const noexcept {
  uint8_t in[1 + 16 + 1 + 2 + 255];
  const size_t len = client.len <= 16 ? client.len : 0;
  in[0] = uint8_t(len);
  mask_into(client.bytes, len, len == 4 ? options_.ipv4_prefix : options_.ipv6_prefix, in + 1);
  size_t n = 1 + len;
  in[n++] = uint8_t(kind);
  in[n++] = uint8_t(qtype >> 8);
  in[n++] = uint8_t(qtype);
  const size_t name_len = std::min<size_t>(name.size(), 255);
  if (name_len != 0) std::memcpy(in + n, name.data(), name_len);
  return dns::siphash24(seed_, in, n + name_len) | 1;
}

// The key's bucket: in one of kProbe slots from its home slot, or a new full one in the
// slot there whose bucket holds the most credit now (a free slot first). A full bucket
// is as good as a new one, so replacing the fullest forgets the least: the buckets of
// clients being limited (empty ones) stay, however many others come and go.
Limiter::Bucket& Limiter::find(uint64_t key, uint64_t now_ms) noexcept {
  const size_t size = table_.size();
  size_t slot = size_t((static_cast<unsigned __int128>(key) * size) >> 64);
  Bucket* victim = nullptr;
  uint64_t victim_credit = 0;
  for (size_t i = 0; i < kProbe; ++i, slot = slot + 1 == size ? 0 : slot + 1) {
    Bucket& b = table_[slot];
    if (b.key == key) return b;
    const uint64_t credit = b.key == 0 ? UINT64_MAX : credit_of(b, now_ms);
    if (victim == nullptr || credit > victim_credit) {
      victim = &b;
      victim_credit = credit;
    }
  }
  *victim = Bucket{key, cap_, now_ms, 0, 0};
  return *victim;
}

// The tokens `b` holds at `now_ms`, refilled.
uint64_t Limiter::credit_of(const Bucket& b, uint64_t now_ms) const noexcept {
  const uint64_t elapsed = now_ms > b.last_ms ? now_ms - b.last_ms : 0;
  return elapsed >= idle_ms_ ? cap_ : std::min(cap_, b.tokens + elapsed * options_.rate);
}

void Limiter::refill(Bucket& b, uint64_t now_ms) const noexcept {
  if (now_ms <= b.last_ms) return;
  b.tokens = credit_of(b, now_ms);
  b.last_ms = now_ms;
}

Verdict Limiter::limit(Bucket& b) noexcept {
  bump(limited_);
  const uint32_t slip = options_.slip;
  if (slip != 0 && ++b.limited % slip == 0) {
    bump(slipped_);
    return Verdict::Slip;
  }
  bump(dropped_);
  return Verdict::Drop;
}

}  // namespace rdnsd::rrl
