#pragma once
// The query side of rdnsd: `workers` workers, each with its own UDP socket and TCP
// listener on every listen address (bound with SO_REUSEPORT, so the kernel spreads
// queries and connections over the workers) and two threads: one answers UDP, one runs a
// uv_loop_t for TCP, each with its own answer buffers and LMDB read transaction. Threads
// share nothing but the store and an atomic count of TCP connections.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "server/dns/answer.h"
#include "zonestore/store.h"

namespace rdnsd::server {

struct ServerOptions {
  std::vector<conf::ListenAddr> listen;
  unsigned workers = 1;
  dns::AnswerConfig answer;
  uint32_t tcp_idle_timeout_ms = 10000;  // RFC 7766 section 6.2.3
  uint32_t tcp_max_connections = 1024;   // over all workers
  size_t udp_receive_buffer = 0;         // SO_RCVBUF of each UDP socket; 0: the system's
};

ServerOptions server_options(const conf::Config& config);

class Worker;

class Workers {
 public:
  Workers(const zonestore::Store& store, ServerOptions options);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Binds every socket of every worker, then starts the threads. Throws
  // std::runtime_error naming the address and the reason if a socket cannot be bound
  // (e.g. the port is taken by another process).
  void start();
  // Stops every worker: each closes its handles and its loop ends; then joins. Safe to
  // call more than once.
  void stop();
  // For the log: the UDP receive buffer each listen address got, when one was asked for.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  const zonestore::Store& store_;
  ServerOptions options_;
  std::atomic<uint32_t> tcp_connections_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::string> notes_;
};

}  // namespace rdnsd::server
