#pragma once
// The commit scheduler: every door that changes data (the admin socket, and HTTP and
// DNS UPDATE to come) submits its requests here, and only here is the Handler (the
// store's single writer) called. It decides which writes wait to share one durable
// commit, for how long, and when they are committed (group commit,
// docs/ADMIN-PROTOCOL.md "Pipelining and group commit"), answers every request after
// its commit, and tells on-commit listeners (NOTIFY, replication status, metrics) what
// each commit changed.
//
// The policy. A set, an unset or a line refused as it stands (Handler::groupable) waits
// in the group; any other request first commits the group (so that it sees those
// writes) and is then answered alone. The group is committed after the poll phase of
// the loop turn that added to it (a uv_check_t), unless every request in it came from
// a streaming submitter: then it waits until commit_wait has passed since its first
// request (a uv_timer_t), or until hurry() or another request needs it. A group of
// kMaxGroup requests is committed at once.
//
// Threading: everything but post() runs on the thread of the loop given to start(),
// which must be the only thread that uses the Handler. Listeners are subscribed before
// start() or on that thread. Errors: the Handler answers every failure as an error
// line; nothing here throws but std::bad_alloc.
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "admin/ops/handler.h"

namespace rdnsd::admin {

// Who sent requests, and where their answers go: a connection of a transport, one HTTP
// request, a DNS UPDATE message. Called on the loop thread only.
class Submitter {
 public:
  virtual ~Submitter() = default;
  // Whether its client sends more before its answers come (it pipelines, or writes at
  // its own pace): then its writes may wait commit_wait for others to share their
  // commit. A client that waits for each answer: false. Asked as each write is submitted.
  virtual bool streaming() const = 0;
  // The answer to one submitted request, in the order they were submitted.
  virtual void answer(Response response) = 0;
  // Every answer given since the last call may go out now (in one write). `group`: they
  // are a group commit's, given after its durable commit (before them, a transport can
  // look whether its client sent more meanwhile); false: one request answered alone.
  virtual void delivered(bool group) = 0;
};

// Told after each durable commit (on the loop thread, before the answers of that
// commit are given): the serial of each zone whose records changed, and whether the set
// of zones changed. Never for a request that committed nothing. Must not throw (what
// it throws is dropped), and should be quick: the writer waits for it.
using CommitListener = std::function<void(const Change&)>;

struct CommitSchedulerOptions {
  // Longest wait of a write from a streaming submitter for others to share its commit.
  // Zero: every group is committed in the loop turn that made it.
  std::chrono::milliseconds commit_wait{5};
};

// What the scheduler has done since start, for GET /metrics: answers per op and result
// ("ok" or "error"), and how long its durable commits took (a histogram over
// kCommitBuckets, in seconds, cumulative as Prometheus wants; the last bucket is +Inf).
struct SchedulerStats {
  static constexpr double kCommitBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                              0.05,   0.1,   0.25,   0.5,   1.0};
  std::vector<std::pair<std::pair<std::string, std::string>, uint64_t>> ops;  // (op, result)
  std::vector<uint64_t> commit_buckets = std::vector<uint64_t>(std::size(kCommitBuckets) + 1);
  double commit_seconds = 0;
  uint64_t commits = 0;
};

class CommitScheduler {
 public:
  // Most requests of one group commit: bounds the time the first of them waits.
  static constexpr size_t kMaxGroup = 1000;

  // `handler` must outlive the scheduler.
  explicit CommitScheduler(Handler& handler, CommitSchedulerOptions options = {});
  // Once started, close() must have been called (and the loop run until its handles
  // closed) first.
  ~CommitScheduler() = default;
  CommitScheduler(const CommitScheduler&) = delete;
  CommitScheduler& operator=(const CommitScheduler&) = delete;

  const CommitSchedulerOptions& options() const { return options_; }
  void subscribe(CommitListener listener);
  // A copy of the counts so far. Thread-safe (the HTTP threads read it).
  SchedulerStats stats() const;

  // Makes its check, timer and async handles on `loop` (which must outlive them). Once.
  void start(uv_loop_t& loop);

  // Answers `request` from `from` (after start()): now (a request that is not
  // groupable, after the group), or after the commit of the group it joins. `from` must stay valid
  // until all its answers are given: a submitter that goes away with answers owed calls flush()
  // first (its answers are then given to it; its writes are applied).
  void submit(Submitter& from, Prepared request);
  // submit() from any thread, once start() has returned: queued and submitted on the
  // loop thread (uv_async). The scheduler keeps `from` until its answer is given, on the
  // loop thread (`from` hands it to its own thread). Returns false (and drops the
  // request) once close() has begun.
  bool post(std::shared_ptr<Submitter> from, Prepared request);

  // The group waiting now is committed at the next check, without waiting commit_wait
  // (e.g. a submitter with writes in it will send no more).
  void hurry();
  // Commits the group waiting now and gives its answers.
  void flush();
  // Submits what was posted, commits the group, and closes the handles (the loop must
  // then run until their close callbacks ran). Later post()s are refused. Once.
  void close();

 private:
  void take_posted();
  void check();  // after each poll phase: commit now, or wait for the group's time
  void tell(const Change& change);
  // Counts one answer and, for a commit, its time (seconds).
  void count(const char* op, const std::string& line);
  void count_commit(double seconds);

  Handler& handler_;
  CommitSchedulerOptions options_;
  std::vector<CommitListener> listeners_;
  uv_loop_t* loop_ = nullptr;
  // The groupable requests submitted since the last flush, in order, and whose each is.
  std::vector<Prepared> group_;
  std::vector<Submitter*> from_;
  std::vector<std::shared_ptr<Submitter>> kept_;  // posted submitters in the group
  uint64_t group_since_ = 0;                      // loop time of the group's first request
  bool urgent_ = false;  // a request of the group came from a non-streaming submitter
  bool closed_ = false;
  uv_check_t checker_;
  uv_timer_t lingerer_;  // the wait of a group of streaming submitters
  uv_async_t poster_;
  std::mutex posted_mutex_;  // guards posted_ and refusing_
  std::vector<std::pair<std::shared_ptr<Submitter>, Prepared>> posted_;
  bool refusing_ = false;
  mutable std::mutex stats_mutex_;  // guards stats_ (written on the loop thread only)
  SchedulerStats stats_;
};

}  // namespace rdnsd::admin
