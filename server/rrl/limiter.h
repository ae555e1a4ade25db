#pragma once
// Response rate limiting (RRL), as BIND's and Knot's: answers over UDP are counted per
// client block (the client's address cut to ipv4-prefix / ipv6-prefix bits) and answer
// class (server/dns/answer.h AnswerKind: the same name and type / NXDOMAIN or NODATA per
// zone / errors), each in a token bucket that refills `rate` answers a second and holds
// `window` seconds of them. An answer beyond its bucket is limited: every `slip`-th one
// of a bucket goes out slipped (truncated, so a real client retries over TCP), the others
// are dropped. A spoofed-source flood so gets a trickle of small answers, and the server
// cannot be used to amplify or reflect at someone else's address.
//
// One Limiter per UDP thread, used by that thread only: no locks, no shared atomics, no
// allocation after construction (the table is made once). Its counters are written by
// that thread and may be read by any (relaxed atomic loads and stores, never a
// read-modify-write). With N workers each limiter allows rate/N a second (`shares`),
// since the kernel spreads one client's queries over all workers' sockets.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "server/dns/answer.h"
#include "zonestore/names/names.h"

namespace rdnsd::rrl {

struct Options {
  uint32_t rate = 0;  // answers a second per client block and class; 0: off
  uint32_t slip = 2;  // every slip-th limited answer slips; 0: none (all dropped)
  uint32_t ipv4_prefix = 24, ipv6_prefix = 56;
  uint32_t window = 15;  // seconds of answers a bucket holds when full
  uint32_t table_size = 65536;
  std::vector<names::Prefix> whitelist;  // clients never limited
  uint32_t shares = 1;                   // how many limiters share `rate` (the workers)
};

enum class Verdict : uint8_t { Answer, Slip, Drop };

// Limited = slipped + dropped; all since start.
struct Stats {
  uint64_t limited = 0, slipped = 0, dropped = 0;
  Stats& operator+=(const Stats& o) {
    limited += o.limited;
    slipped += o.slipped;
    dropped += o.dropped;
    return *this;
  }
  bool operator==(const Stats&) const = default;
};

class Limiter {
 public:
  // `seed` keys the table's hash (random at start: no client can aim at one slot).
  Limiter(const Options& options, const uint8_t seed[16]);
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  // Counts one answer of `kind` for `name` (a lookup key) and `qtype` to `client` at
  // `now_ms` (any monotonic clock, milliseconds) and says what to send.
  Verdict account(dns::ClientIp client, dns::AnswerKind kind, std::string_view name, uint16_t qtype,
                  uint64_t now_ms) noexcept;
  // Whether `client` is in the whitelist.
  bool whitelisted(dns::ClientIp client) const noexcept;
  // The counters; from any thread.
  Stats stats() const noexcept;

 private:
  // One token bucket, 32 bytes. Tokens are in thousandths of an answer times `shares_`
  // (an answer costs cost_), refilled by `rate` per millisecond up to cap_.
  struct Bucket {
    uint64_t key = 0;  // the hash of block, class, name and type; 0: free
    uint64_t tokens = 0;
    uint64_t last_ms = 0;
    uint32_t limited = 0;  // limited answers in a row, for slip
    uint32_t pad = 0;
  };
  static constexpr size_t kProbe = 4;  // slots a key may sit in, from its home slot

  uint64_t key_of(dns::ClientIp client, dns::AnswerKind kind, std::string_view name,
                  uint16_t qtype) const noexcept;
  Bucket& find(uint64_t key, uint64_t now_ms) noexcept;
  uint64_t credit_of(const Bucket& b, uint64_t now_ms) const noexcept;
  void refill(Bucket& b, uint64_t now_ms) const noexcept;
  Verdict limit(Bucket& b) noexcept;
  static void bump(std::atomic<uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  Options options_;
  uint8_t seed_[16];
  uint64_t cost_;     // one answer, in tokens
  uint64_t cap_;      // a full bucket
  uint64_t idle_ms_;  // a bucket idle this long is full again, free to reuse
  std::vector<Bucket> table_;
  alignas(64) std::atomic<uint64_t> limited_{0}, slipped_{0}, dropped_{0};
};

}  // namespace rdnsd::rrl
