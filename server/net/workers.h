#pragma once
// The query side of rdnsd: `workers` workers, each with its own UDP socket and TCP
// listener on every listen address (bound with SO_REUSEPORT, so the kernel spreads
// queries and connections over the workers) and two threads: one answers UDP, one runs a
// uv_loop_t for TCP, each with its own answer buffers and LMDB read transaction. Threads
// share nothing but the store and an atomic count of TCP connections.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "conf/config.h"
#include "server/dns/answer.h"
#include "server/rrl/limiter.h"
#include "server/update/door.h"
#include "server/xfr/service.h"
#include "zonestore/store.h"

namespace rdnsd::server {

struct ServerOptions {
  std::vector<conf::ListenAddr> listen;
  unsigned workers = 1;
  dns::AnswerConfig answer;
  uint32_t tcp_idle_timeout_ms = 10000;  // RFC 7766 section 6.2.3
  uint32_t tcp_max_connections = 1024;   // over all workers
  uint32_t tcp_max_per_client = 16;      // from one client address, over all workers; 0: none
  uint32_t tcp_io_timeout_ms = 2000;     // to receive one whole message from its first byte
  size_t udp_receive_buffer = 0;         // SO_RCVBUF of each UDP socket; 0: the system's
  // Response rate limiting of UDP answers; rate 0: off. Each worker's UDP thread has a
  // limiter of its own, with `shares` = workers.
  rrl::Options rrl;
  // Answers AXFR and IXFR over TCP; null: they go to the answer core like any query.
  std::shared_ptr<xfr::Service> transfers;
  // Answers DNS UPDATE (RFC 2136) over UDP and TCP, handing plans to the writer; null:
  // UPDATE goes to the answer core (NOTIMP).
  std::shared_ptr<update::Door> updates;
};

ServerOptions server_options(const conf::Config& config);

class Worker;

// The open TCP connections of each client address, over all workers (a client's
// connections land on different workers). Taken at accept and close only.
class TcpClients {
 public:
  explicit TcpClients(uint32_t max_per_client) : max_(max_per_client) {}
  // Counts one more connection from `address` (family and address bytes, no port), or
  // returns false when it already holds the limit.
  bool admit(const std::string& address);
  void release(const std::string& address);

 private:
  const uint32_t max_;
  std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> open_;
};

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
  // The rate limiters' counters, summed over the workers (zero when RRL is off). From
  // the thread that started the workers, while they run.
  rrl::Stats rrl_stats() const;

 private:
  const zonestore::Store& store_;
  ServerOptions options_;
  std::atomic<uint32_t> tcp_connections_{0};
  TcpClients tcp_clients_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::string> notes_;
};

}  // namespace rdnsd::server
