#pragma once
// DNS queries over TCP on a libuv loop, for the notifier's SOA polls of secondaries that
// answer a zone over TCP only: each connects, sends its framed message (RFC 1035 4.2.2)
// and hands the first whole answer to its callback, then closes. One that fails or is
// still open at its deadline closes without an answer. On the loop's thread only.
#include <netinet/in.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <unordered_set>

namespace rdnsd::xfr {

class TcpQueries {
 public:
  using Answer = std::function<void(const uint8_t* msg, size_t len, const sockaddr* from)>;
  explicit TcpQueries(uv_loop_t* loop) : loop_(loop) {}
  // Frees what is left; call once the loop has ended (handles closed by a walk over the
  // loop get no close callback).
  ~TcpQueries();
  TcpQueries(const TcpQueries&) = delete;
  TcpQueries& operator=(const TcpQueries&) = delete;

  // Starts a query to `to`, given up at loop time `deadline` (ms); 0 or a libuv error.
  int start(const sockaddr_storage& to, const uint8_t* msg, size_t len, uint64_t deadline,
            Answer answer);
  // Closes the queries past their deadline.
  void expire(uint64_t now);

 private:
  struct Query;
  void connected(Query* q, int status);
  void read(Query* q, ssize_t nread, const uv_buf_t* buf);
  void close(Query* q);

  uv_loop_t* loop_;
  std::unordered_set<Query*> open_;
};

}  // namespace rdnsd::xfr
