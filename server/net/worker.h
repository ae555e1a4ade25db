#pragma once
// One query worker: its own sockets, and two threads, each with its own buffers, answer
// core and read transaction. The UDP thread drains the UDP sockets in batches and sleeps
// in poll() only when they are all empty; the TCP thread runs a uv_loop_t. Internal to
// the server component.
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "server/net/lmdb_source.h"
#include "server/net/workers.h"

namespace rdnsd::server {

struct TcpConn;

// A UDP socket, drained by the worker's UDP thread in recvmmsg/sendmmsg batches.
struct UdpSocket {
  int fd = -1;
  bool pktinfo = false;  // wildcard address: replies name their source (IP_PKTINFO)
};

// Where the answers to UPDATEs go when the writer gives them, on its own thread: a UDP
// one is sent on the socket at once (sendmsg may be called from any thread), a TCP one
// is queued for the worker's loop, which appends it to its connection in order. Shared
// with those answers, so it outlives a worker that stops while UPDATEs are in flight;
// once `closed` (the worker is stopping, its sockets and loop about to go) answers are
// dropped.
struct UpdateLink {
  struct TcpAnswer {
    TcpConn* conn;
    uint64_t id;  // the connection's id: a closed one's address may be reused
    std::vector<uint8_t> message;
  };
  std::mutex mutex;  // guards everything below, and each UDP send
  bool closed = false;
  uv_async_t* async = nullptr;  // wakes the worker's loop
  std::vector<TcpAnswer> tcp;
};

struct TcpListener {
  uv_tcp_t tcp;
  Worker* worker = nullptr;
};

class Worker {
 public:
  static constexpr int kBatch = 64;  // datagrams per recvmmsg/sendmmsg
  static_assert(size_t(kBatch) <= LmdbSource::kMaxPrefetch);
  static constexpr size_t kRxSize = 4096;   // largest UDP query we read
  static constexpr size_t kTcpMax = 65535;  // largest DNS message

  Worker(const zonestore::Store& store, const ServerOptions& options,
         std::atomic<uint32_t>& tcp_connections, TcpClients& tcp_clients);
  ~Worker();
  // Opens this worker's sockets (throws std::runtime_error) on the caller's thread; adds
  // to `notes` the receive buffer each UDP socket got, when one was asked for.
  void open_sockets(std::vector<std::string>& notes);
  void start();
  void stop();  // thread-safe; joins

  // UDP (udp.cpp), on the UDP thread
  void run_udp();
  bool drain_udp(UdpSocket& sock);   // false if nothing was waiting
  int receive_udp(UdpSocket& sock);  // the steps of one drain_udp round
  void prefetch_udp(int n);
  int answer_udp(UdpSocket& sock, int n);
  void send_udp(UdpSocket& sock, int out);
  size_t limit_udp(dns::ClientIp client, size_t len, uint64_t now_ms);
  rrl::Stats rrl_stats() const { return limiter_ ? limiter_->stats() : rrl::Stats{}; }
  // TCP (tcp.cpp)
  void accept_tcp(TcpListener& listener);
  void tcp_read(TcpConn& conn, ssize_t nread);
  void tcp_process(TcpConn& conn);
  void tcp_pump(TcpConn& conn);
  void tcp_flush(TcpConn& conn);
  void tcp_close(TcpConn& conn);
  void tcp_arm_timer(TcpConn& conn, bool completed);
  void tcp_forget(TcpConn* conn);
  // UPDATE (server/update), on the UDP thread and on the TCP loop
  void udp_update(UdpSocket& sock, msghdr& query, const uint8_t* msg, size_t len);
  void tcp_update(TcpConn& conn, const uint8_t* msg, size_t len);
  void tcp_update_answers();

  const ServerOptions& options() const { return options_; }
  uv_loop_t* loop() { return &loop_; }

 private:
  void run();
  void shutdown();
  size_t answer_tcp(const uint8_t* query, size_t len, TcpConn& conn);

  const ServerOptions& options_;
  std::atomic<uint32_t>& tcp_connections_;
  TcpClients& tcp_clients_;
  std::vector<int> tcp_fds_;

  // The TCP thread's loop, answer core and read transaction.
  LmdbSource source_;
  dns::Answerer answerer_;
  uv_loop_t loop_;
  uv_async_t stop_async_;
  bool loop_ready_ = false;
  std::thread thread_;
  std::vector<std::unique_ptr<TcpListener>> tcp_;
  std::unordered_set<TcpConn*> conns_;
  uint64_t next_conn_id_ = 0;
  std::shared_ptr<UpdateLink> update_link_ = std::make_shared<UpdateLink>();
  uv_async_t update_async_;
  void close_update_link();

  // The UDP thread's sockets, answer core, read transaction and batch buffers, made
  // once. An eventfd wakes its poll() to stop.
  std::vector<UdpSocket> udp_;
  LmdbSource udp_source_;
  dns::Answerer udp_answerer_;
  std::thread udp_thread_;
  int udp_stop_fd_ = -1;
  std::atomic<bool> udp_stopping_{false};
  size_t tx_size_;
  std::vector<uint8_t> rx_, tx_;
  std::vector<mmsghdr> rmsgs_, smsgs_;
  std::vector<iovec> riov_, siov_;
  std::vector<sockaddr_storage> peers_;
  std::vector<std::array<char, 64>> rctl_, sctl_;
  // A batch's lookup keys, read ahead of its answers (LmdbSource::prefetch).
  dns::Query peek_;
  std::array<names::AddressKey, kBatch> keys_;
  std::array<bool, kBatch> wanted_{};
  // The UDP thread's rate limiter; null when RRL is off.
  std::unique_ptr<rrl::Limiter> limiter_;
  // TCP answer scratch (2-byte length prefix + message), made once.
  std::vector<uint8_t> tcp_tx_;
};

}  // namespace rdnsd::server
