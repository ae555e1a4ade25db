// backup: the store copied on a thread of its own (Store::backup), the answer line
// streamed once it is done, so that the admin thread goes on with other requests and
// writes meanwhile.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "admin/ops/handler.h"

namespace rdnsd::admin {

namespace {

class BackupStream final : public AnswerStream {
 public:
  BackupStream(const zonestore::Store& store, std::string path, std::optional<Json> tag) {
    thread_ = std::thread([this, &store, path = std::move(path), tag = std::move(tag)] {
      const auto started = std::chrono::steady_clock::now();
      try {
        const uint64_t bytes = store.backup(path);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        line_ = encode_ok(Json{{"path", path}, {"bytes", bytes}, {"seconds", seconds}}, tag);
      } catch (const zonestore::StoreError& e) {
        line_ = encode_error(Error{e.code(), e.what(), std::nullopt}, tag);
      } catch (const std::exception& e) {
        line_ = encode_error(
            Error{code::kInternal, std::string("internal error: ") + e.what(), std::nullopt}, tag);
      }
      done_.store(true, std::memory_order_release);
    });
  }
  // A connection closed during the copy waits for it here (the copy reads the store).
  ~BackupStream() override {
    if (thread_.joinable()) thread_.join();
  }
  // Nothing until the copy is done (the transport looks again a little later), then
  // the whole line.
  bool next(std::string& out, size_t) override {
    if (!done_.load(std::memory_order_acquire)) return true;
    if (thread_.joinable()) thread_.join();
    out += line_;
    return false;
  }

 private:
  std::atomic<bool> done_{false};
  std::string line_;  // written by the thread before done_
  std::thread thread_;
};

}  // namespace

std::unique_ptr<AnswerStream> Handler::backup(const BackupRequest& r, std::optional<Json> tag) {
  return std::make_unique<BackupStream>(store_, r.path, std::move(tag));
}

Json Handler::backup_now(const BackupRequest& r) {
  return Json{{"path", r.path}, {"bytes", store_.backup(r.path)}};
}

}  // namespace rdnsd::admin
