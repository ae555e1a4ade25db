#include "admin/ops/commit_scheduler.h"

#include <chrono>
#include <unordered_set>
#include <utility>

namespace rdnsd::admin {
namespace {

CommitScheduler* owner(void* data) {
  return static_cast<CommitScheduler*>(data);
}

}  // namespace

CommitScheduler::CommitScheduler(Handler& handler, CommitSchedulerOptions options)
    : handler_(handler), options_(options) {}

SchedulerStats CommitScheduler::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void CommitScheduler::count(const char* op, const std::string& line) {
  const char* result = line.rfind("{\"ok\":true", 0) == 0 ? "ok" : "error";
  std::lock_guard lock(stats_mutex_);
  for (auto& [key, n] : stats_.ops)
    if (key.first == op && key.second == result) return void(++n);
  stats_.ops.push_back({{op, result}, 1});
}

void CommitScheduler::count_commit(double seconds) {
  std::lock_guard lock(stats_mutex_);
  size_t i = 0;
  while (i < std::size(SchedulerStats::kCommitBuckets) &&
         seconds > SchedulerStats::kCommitBuckets[i])
    ++i;
  for (; i < stats_.commit_buckets.size(); ++i) ++stats_.commit_buckets[i];
  stats_.commit_seconds += seconds;
  ++stats_.commits;
}

void CommitScheduler::subscribe(CommitListener listener) {
  listeners_.push_back(std::move(listener));
}

void CommitScheduler::start(uv_loop_t& loop) {
  loop_ = &loop;
  checker_.data = lingerer_.data = poster_.data = this;
  uv_check_init(loop_, &checker_);
  uv_check_start(&checker_, [](uv_check_t* h) { owner(h->data)->check(); });
  uv_timer_init(loop_, &lingerer_);
  uv_async_init(loop_, &poster_, [](uv_async_t* h) { owner(h->data)->take_posted(); });
}

void CommitScheduler::submit(Submitter& from, Prepared request) {
  if (!Handler::groupable(request)) {
    flush();
    const auto started = std::chrono::steady_clock::now();
    const char* op = request.parsed.request ? op_name(*request.parsed.request) : "invalid";
    Response r = handler_.respond(std::move(request));
    if (!r.change.empty())
      count_commit(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    count(op, r.stream ? std::string("{\"ok\":true") : r.line);
    if (!r.change.empty()) tell(r.change);
    from.answer(std::move(r));
    from.delivered(false);
    return;
  }
  const uint64_t now = uv_now(loop_);
  if (group_.empty()) group_since_ = now;
  if (!from.streaming()) urgent_ = true;  // its client waits for the answer
  group_.push_back(std::move(request));
  from_.push_back(&from);
  if (group_.size() >= kMaxGroup) flush();
}

bool CommitScheduler::post(std::shared_ptr<Submitter> from, Prepared request) {
  {
    std::lock_guard lock(posted_mutex_);
    if (refusing_) return false;
    posted_.emplace_back(std::move(from), std::move(request));
  }
  uv_async_send(&poster_);
  return true;
}

void CommitScheduler::take_posted() {
  std::vector<std::pair<std::shared_ptr<Submitter>, Prepared>> posted;
  {
    std::lock_guard lock(posted_mutex_);
    posted.swap(posted_);
  }
  // `posted` keeps each submitter through its submit(); one whose request joins the
  // group is kept until that group is answered.
  for (auto& [from, request] : posted) {
    if (Handler::groupable(request)) kept_.push_back(from);
    submit(*from, std::move(request));
  }
}

void CommitScheduler::hurry() {
  if (!group_.empty()) urgent_ = true;
}

// A client that sends one write and waits for its answer gets it after the next commit,
// at once. Writes from streaming submitters wait up to commit_wait for more to share
// their commit: on a virtualized disk a commit costs the writer about 210 us of CPU,
// most of it the kernel's, and each write in it about 75 us more (bench/RESULTS.md).
// With commit_wait zero, every group is committed here in the loop turn that made it.
void CommitScheduler::check() {
  if (group_.empty()) return;
  const auto wait = uint64_t(options_.commit_wait.count());
  const uint64_t now = uv_now(loop_);
  if (urgent_ || now >= group_since_ + wait) return flush();
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&lingerer_)))
    uv_timer_start(
        &lingerer_, [](uv_timer_t* t) { owner(t->data)->flush(); }, group_since_ + wait - now, 0);
}

// One durable commit for the whole group, the listeners, then every answer in request
// order, and each submitter told once that its answers of this commit are all given.
void CommitScheduler::flush() {
  if (loop_) uv_timer_stop(&lingerer_);
  urgent_ = false;
  if (group_.empty()) return;
  std::vector<Prepared> requests = std::move(group_);
  std::vector<Submitter*> from = std::move(from_);
  std::vector<std::shared_ptr<Submitter>> kept = std::move(kept_);
  group_.clear();
  from_.clear();
  kept_.clear();
  Change change;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> answers = handler_.respond_group(requests, &change);
  if (!change.empty())
    count_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  for (size_t i = 0; i < requests.size(); ++i)
    count(requests[i].parsed.request ? op_name(*requests[i].parsed.request) : "invalid",
          answers[i]);
  if (!change.empty()) tell(change);
  std::vector<Submitter*> answered;
  std::unordered_set<Submitter*> seen;
  for (size_t i = 0; i < from.size(); ++i) {
    if (seen.insert(from[i]).second) answered.push_back(from[i]);
    from[i]->answer(Response{std::move(answers[i]), nullptr, {}});
  }
  for (Submitter* s : answered) s->delivered(true);
}

void CommitScheduler::tell(const Change& change) {
  for (const auto& listener : listeners_) {
    try {
      listener(change);
    } catch (...) {
      // A listener must not throw; the commit and its answers stand regardless.
    }
  }
}

void CommitScheduler::close() {
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard lock(posted_mutex_);
    refusing_ = true;
  }
  if (!loop_) return;
  take_posted();
  flush();  // requests submitted whole are applied
  uv_close(reinterpret_cast<uv_handle_t*>(&checker_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&lingerer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&poster_), nullptr);
}

}  // namespace rdnsd::admin
