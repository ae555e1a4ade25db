// A TCP loop's life: its thread (named, and of lower priority for the transfer loop), its
// listeners, the connections handed to it by another loop, and its orderly stop.
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <stdexcept>

#include "server/net/worker.h"

namespace rdnsd::server {

namespace {

void on_tcp_connection(uv_stream_t* server, int status) {
  auto* listener = static_cast<TcpListener*>(server->data);
  if (status == 0) listener->loop->accept_tcp(*listener);
}

}  // namespace

TcpLoop::TcpLoop(Worker& worker, const zonestore::Store& store, const char* thread_name, int nice)
    : worker_(worker),
      options_(worker.options()),
      thread_name_(thread_name),
      nice_(nice),
      source_(store),
      answerer_(options_.answer, source_),
      tcp_tx_(2 + Worker::kTcpMax) {}

TcpLoop::~TcpLoop() {
  stop();
  for (int fd : listen_fds_) close(fd);
}

void TcpLoop::start() {
  if (uv_loop_init(&loop_) != 0) throw std::runtime_error("uv_loop_init failed");
  stop_async_.data = this;
  uv_async_init(&loop_, &stop_async_,
                [](uv_async_t* a) { static_cast<TcpLoop*>(a->data)->shutdown(); });
  update_async_.data = this;
  uv_async_init(&loop_, &update_async_,
                [](uv_async_t* a) { static_cast<TcpLoop*>(a->data)->tcp_update_answers(); });
  {
    std::lock_guard lock(update_link_->mutex);
    update_link_->async = &update_async_;
  }
  handoff_async_.data = this;
  uv_async_init(&loop_, &handoff_async_,
                [](uv_async_t* a) { static_cast<TcpLoop*>(a->data)->take_handoffs(); });
  for (int fd : listen_fds_) {
    auto listener = std::make_unique<TcpListener>();
    listener->loop = this;
    listener->tcp.data = listener.get();
    uv_tcp_init(&loop_, &listener->tcp);
    int rc = uv_tcp_open(&listener->tcp, fd);
    if (rc == 0)
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener->tcp), 1024, on_tcp_connection);
    if (rc != 0) throw std::runtime_error(std::string("tcp listen: ") + uv_strerror(rc));
    tcp_.push_back(std::move(listener));
  }
  listen_fds_.clear();  // owned by libuv now
  thread_ = std::thread([this] { run(); });
}

void TcpLoop::run() {
  // Named so that an operator (or bench/) can pin the answering threads apart from the
  // others: ps -L, taskset -p TID. A nice value applies to this thread only (Linux).
  pthread_setname_np(pthread_self(), thread_name_);
  if (nice_ != 0 && setpriority(PRIO_PROCESS, id_t(gettid()), nice_) != 0) {
    // Without the lower priority, transfers compete with the answers as equals: still
    // correct, so go on.
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void TcpLoop::stop() {
  if (!thread_.joinable()) return;
  update_link_->close();  // no UPDATE answer uses the loop from here on
  uv_async_send(&stop_async_);
  thread_.join();
}

void TcpLoop::adopt(TcpHandoff handoff) {
  {
    std::lock_guard lock(handoff_mutex_);
    if (!handoffs_closed_) {
      handoffs_.push_back(std::move(handoff));
      uv_async_send(&handoff_async_);
      return;
    }
  }
  close(handoff.fd);
  release_slots(handoff.counted, handoff.client);
}

void TcpLoop::release_slots(bool counted, const std::string& client) {
  if (counted) worker_.tcp_connections().fetch_sub(1);
  if (!client.empty()) worker_.tcp_clients().release(client);
}

// On the loop's thread: close every handle; the loop ends when all close callbacks ran.
void TcpLoop::shutdown() {
  for (auto& listener : tcp_) uv_close(reinterpret_cast<uv_handle_t*>(&listener->tcp), nullptr);
  std::vector<TcpConn*> open(conns_.begin(), conns_.end());
  for (TcpConn* conn : open) tcp_close(*conn);
  std::vector<TcpHandoff> pending;
  {
    std::lock_guard lock(handoff_mutex_);
    handoffs_closed_ = true;
    pending.swap(handoffs_);
  }
  for (TcpHandoff& h : pending) {
    close(h.fd);
    release_slots(h.counted, h.client);
  }
  update_link_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&update_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&handoff_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_async_), nullptr);
}

}  // namespace rdnsd::server
