#include "zonestore/reader_gate.h"

#include <thread>

namespace rdnsd::zonestore {

namespace {
// Slots this thread is inside now (enter() without its leave()).
thread_local int tl_inside = 0;
}  // namespace

ReaderGate::Slot* ReaderGate::enroll() {
  std::lock_guard lock(mutex_);
  for (Slot& s : slots_)
    if (!s.used) {
      s.used = true;
      return &s;
    }
  slots_.emplace_back().used = true;
  return &slots_.back();
}

void ReaderGate::retire(Slot* slot) {
  if (!slot) return;
  std::lock_guard lock(mutex_);
  slot->active.store(false);
  slot->used = false;
}

void ReaderGate::enter(Slot& slot) noexcept {
  for (;;) {
    // Dekker with exclusive(): the reader stores `active` then loads `closed_`, the
    // writer stores `closed_` then loads every `active` (both sequentially consistent),
    // so at least one of them sees the other.
    slot.active.store(true, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst)) break;
    slot.active.store(false, std::memory_order_seq_cst);
    while (closed_.load(std::memory_order_acquire))
      std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  ++tl_inside;
}

void ReaderGate::leave(Slot& slot) noexcept {
  --tl_inside;
  slot.active.store(false, std::memory_order_release);
}

void ReaderGate::enter_shared() {
  std::unique_lock lock(mutex_);
  if (tl_inside == 0) opened_.wait(lock, [&] { return !closed_.load(); });
  ++shared_;
}

void ReaderGate::leave_shared() noexcept {
  std::lock_guard lock(mutex_);
  --shared_;
  left_.notify_all();
}

uint64_t ReaderGate::shared_readers() const {
  std::lock_guard lock(mutex_);
  return shared_;
}

bool ReaderGate::readers_out() const {
  if (shared_ != 0) return false;
  for (const Slot& s : slots_)
    if (s.active.load(std::memory_order_seq_cst)) return false;
  return true;
}

bool ReaderGate::exclusive(std::chrono::milliseconds wait, const std::function<void()>& remap) {
  std::unique_lock lock(mutex_);
  // The long readers first, with the gate open: answering goes on meanwhile.
  if (!left_.wait_for(lock, wait, [&] { return shared_ == 0; })) return false;
  closed_.store(true, std::memory_order_seq_cst);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  bool out = readers_out();
  while (!out && std::chrono::steady_clock::now() < deadline) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    lock.lock();
    out = readers_out();
  }
  if (out) {
    remap();
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  closed_.store(false, std::memory_order_seq_cst);
  opened_.notify_all();
  return out;
}

}  // namespace rdnsd::zonestore
