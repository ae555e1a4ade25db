#pragma once
// One query worker: its own sockets, and two threads (three when it serves zone
// transfers), each with its own buffers, answer core and read transaction. The UDP thread
// drains the UDP sockets in batches and sleeps in poll() only when they are all empty;
// the TCP thread runs a uv_loop_t, and so does the transfer thread. Internal to the
// server component.
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
  // From here on answers are dropped (the loop or the worker is stopping).
  void close() {
    std::lock_guard lock(mutex);
    closed = true;
    async = nullptr;
    tcp.clear();
  }
};

struct TcpLoop;

struct TcpListener {
  uv_tcp_t tcp;
  TcpLoop* loop = nullptr;
};

// A connection moved from one TCP loop to another (a zone transfer request goes to the
// worker's transfer loop): its socket (a dup of the one the first loop closed), the
// bytes it sent that were not answered yet (the transfer request first), and the limit
// slots it holds, which move with it.
struct TcpHandoff {
  int fd = -1;
  std::vector<uint8_t> input;
  std::string client;  // family + address bytes, when counted against its client's limit
  bool counted = false;
};

class Worker;

// One thread's TCP connections (tcp.cpp, tcp_loop.cpp): a uv_loop_t with its own answer
// core, LMDB read transaction and scratch buffer. A worker has one for its listeners and,
// when it serves zone transfers, a second one on a thread of lower priority (nice 19):
// a connection that asks for AXFR or IXFR is handed to it, so transfers take what CPU
// the answering threads leave, and a worker's UDP and TCP answers do not wait behind them.
class TcpLoop {
 public:
  TcpLoop(Worker& worker, const zonestore::Store& store, const char* thread_name, int nice);
  ~TcpLoop();
  TcpLoop(const TcpLoop&) = delete;
  TcpLoop& operator=(const TcpLoop&) = delete;

  // Before start: listen on this socket (owned by the loop from here on).
  void listen(int fd) { listen_fds_.push_back(fd); }
  // Transfer requests are handed to `to` (which must outlive this loop's thread).
  void hand_transfers_to(TcpLoop* to) { transfers_to_ = to; }
  // The link UPDATE answers come back by (shared with the worker's UDP thread for the
  // first loop); call before start.
  void use_update_link(std::shared_ptr<UpdateLink> link) { update_link_ = std::move(link); }
  void start();
  void stop();  // thread-safe; joins
  // Thread-safe: takes over a connection from another loop; closed at once if this loop
  // is stopping.
  void adopt(TcpHandoff handoff);

  // On the loop's thread.
  void accept_tcp(TcpListener& listener);
  void tcp_read(TcpConn& conn, ssize_t nread);
  void tcp_process(TcpConn& conn);
  void tcp_pump(TcpConn& conn);
  void tcp_flush(TcpConn& conn);
  void tcp_close(TcpConn& conn);
  void tcp_arm_timer(TcpConn& conn, bool completed);
  void tcp_forget(TcpConn* conn);
  void tcp_update(TcpConn& conn, const uint8_t* msg, size_t len);
  void tcp_update_answers();

 private:
  void run();
  void shutdown();
  void take_handoffs();
  void hand_off(TcpConn& conn);
  TcpConn* new_conn();
  void open_conn(TcpConn& conn, std::string client);
  void release_slots(bool counted, const std::string& client);
  size_t answer_tcp(const uint8_t* query, size_t len, TcpConn& conn);

  Worker& worker_;
  const ServerOptions& options_;
  const char* thread_name_;
  const int nice_;
  std::vector<int> listen_fds_;
  TcpLoop* transfers_to_ = nullptr;
  LmdbSource source_;
  dns::Answerer answerer_;
  uv_loop_t loop_;
  uv_async_t stop_async_;
  std::thread thread_;
  std::vector<std::unique_ptr<TcpListener>> tcp_;
  std::unordered_set<TcpConn*> conns_;
  uint64_t next_conn_id_ = 0;
  std::shared_ptr<UpdateLink> update_link_ = std::make_shared<UpdateLink>();
  uv_async_t update_async_;
  // Connections handed to this loop, waiting for it to take them.
  std::mutex handoff_mutex_;
  std::vector<TcpHandoff> handoffs_;
  bool handoffs_closed_ = false;
  uv_async_t handoff_async_;
  // Answer scratch (2-byte length prefix + message), made once.
  std::vector<uint8_t> tcp_tx_;
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
  // UPDATE (server/update), on the UDP thread
  void udp_update(UdpSocket& sock, msghdr& query, const uint8_t* msg, size_t len);

  const ServerOptions& options() const { return options_; }
  std::atomic<uint32_t>& tcp_connections() { return tcp_connections_; }
  TcpClients& tcp_clients() { return tcp_clients_; }

 private:
  const ServerOptions& options_;
  std::atomic<uint32_t>& tcp_connections_;
  TcpClients& tcp_clients_;

  // The TCP loops: the listeners' one, and the transfers' one (when transfers are served).
  std::unique_ptr<TcpLoop> xfr_;
  TcpLoop tcp_;
  std::shared_ptr<UpdateLink> update_link_ = std::make_shared<UpdateLink>();

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
};

}  // namespace rdnsd::server
