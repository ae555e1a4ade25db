#pragma once
// Keeps this process's read transactions out of the way while the writer remaps the
// store (map growth). LMDB's rule for mdb_env_set_mapsize: no transaction of this
// process may be active, since the map may move and every pointer into it (values,
// cursor pages, PtrWalker's map) would dangle.
//
// Two kinds of readers:
//   - answering threads (LmdbSource): one Slot each, entered per batch of queries and
//     left after it. Entering is one store and one load of the slot's own cache line and
//     of a flag that only a remap writes: no lock, nothing shared is written.
//   - every other read transaction (the Store's reads, exports, transfers): counted
//     under a mutex; entering waits while a remap is under way.
// The writer's exclusive() closes the gate, waits (bounded) until no reader is inside,
// runs the remap and opens the gate again. A reader that is already inside a slot on its
// thread never waits at the gate (it could not leave its slot while it waits).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace rdnsd::zonestore {

class ReaderGate {
 public:
  struct alignas(64) Slot {
    std::atomic<bool> active{false};
    bool used = false;  // handed out by enroll() (under the gate's mutex)
  };

  // A slot for one answering thread's reader, stable until retire().
  Slot* enroll();
  void retire(Slot* slot);

  // Enters `slot`: waits while a remap is under way. Never fails.
  void enter(Slot& slot) noexcept;
  void leave(Slot& slot) noexcept;

  // Any other read transaction: waits while a remap is under way (unless this thread is
  // inside a slot).
  void enter_shared();
  void leave_shared() noexcept;

  // The writer: waits until no reader is inside (at most `wait` for the counted readers,
  // which may hold long snapshots: transfers and exports; then at most 100 ms for the
  // rest), keeping new readers out meanwhile, and runs `remap`. False (and `remap` not
  // run) if the readers did not leave in time. `remap` must not throw.
  bool exclusive(std::chrono::milliseconds wait, const std::function<void()>& remap);

  // Counts remaps: a reader that keeps addresses in the map across transactions
  // (PtrWalker's map) finds them again when this changed.
  uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  // Read transactions counted by enter_shared() now (for tests and messages).
  uint64_t shared_readers() const;

 private:
  bool readers_out() const;  // under mutex_

  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::condition_variable opened_, left_;
  uint64_t shared_ = 0;
  std::deque<Slot> slots_;
};

}  // namespace rdnsd::zonestore
