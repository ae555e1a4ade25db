#pragma once
// The HTTP(S) server of the REST API (docs/HTTP-API.md), on libmicrohttpd.
//
// One libmicrohttpd daemon per listen address, each with one internal thread that polls
// all its connections with epoll (MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD; no
// thread per connection). Reads are answered on that thread from the store. A write is
// posted to the commit scheduler (CommitScheduler::post) and its connection suspended;
// the scheduler's thread (the single writer) hands back the answer line after the
// durable commit and resumes it, and the HTTP thread writes the reply. So parsing, TLS
// and JSON stay off the writer's thread, which only commits.
//
// Limits: a body over max_body gets 413 (at once when Content-Length says so); a request
// line and headers over max_header get 414 / 431 (libmicrohttpd's own); a connection
// idle for idle_timeout is closed; a connection beyond max_connections gets 503 and is
// closed (and beyond max_connections + kSpare none are accepted at all).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/http/api.h"
#include "admin/ops/commit_scheduler.h"
#include "conf/config.h"

namespace rdnsd::admin::http {

struct HttpServerOptions {
  std::vector<conf::ListenAddr> listen;
  std::string tls_cert, tls_key;  // PEM text; both empty: plain HTTP
  uint32_t max_connections = 256;
  std::chrono::seconds idle_timeout{30};
  size_t max_body = 1u << 20;
  size_t max_header = 32u << 10;
  std::function<void(const std::string&)> log;  // start and stop lines; may be empty
};

class HttpServer {
 public:
  // Connections accepted beyond max_connections, to be told 503 (more are refused).
  static constexpr uint32_t kSpare = 64;

  // `api` and `scheduler` must outlive the server.
  HttpServer(const Api& api, CommitScheduler& scheduler, HttpServerOptions options);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every address and starts the threads. Throws std::runtime_error naming the
  // address and the reason.
  void start();
  // Stops accepting new connections; open ones go on (their writes are answered). Call
  // before the scheduler closes, then stop() after it closed.
  void quiesce();
  // Closes every connection and ends the threads. Every suspended request must have
  // been answered (the scheduler closed after quiesce()).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdnsd::admin::http
