// TCP (RFC 1035 section 4.2.2, RFC 7766): 2-byte length framing, pipelined queries
// answered in order as soon as each is complete, messages split across reads, an idle
// timeout, a connection limit over all workers and one per client address, and
// back-pressure: while a client does not read its answers, we stop reading its queries,
// and the idle timer still runs, so a stuck client holds nothing but its own connection.
// A message must arrive whole within tcp-io-timeout of its first byte: its bytes do not
// restart that clock, so a client sending a byte a second cannot hold a slot.
//
// An UPDATE (server/update) is answered once the writer has committed it: like a
// transfer, it holds the queries behind it until its answer is appended.
//
// A zone transfer request (server/xfr) gets its answer one message at a time: the next
// messages are made only when the client has taken the earlier ones (below the high
// water mark), so one transfer never holds more than a few messages in memory and other
// connections on the loop are served between them. Queries pipelined behind it wait
// until it is complete (answers go out in order). A client that stops reading is
// closed by the idle timer, which restarts at each write it takes. When the worker has a
// transfer loop (tcp_loop.cpp), the connection goes there with the request, once the
// answers before it are written, and stays there.
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

#include "server/net/worker.h"

namespace rdnsd::server {

struct TcpConn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t write_req;
  TcpLoop* loop = nullptr;
  std::vector<uint8_t> in;  // unparsed bytes; grows to hold one whole message
  size_t in_len = 0;
  std::vector<uint8_t> out;       // framed answers not yet handed to libuv
  std::vector<uint8_t> inflight;  // framed answers libuv is writing
  bool writing = false;
  bool reading = false;
  bool closing = false;
  bool counted = false;          // holds one of the connection-limit slots
  std::string client;            // family + address bytes, when counted against its client's limit
  uint64_t message_started = 0;  // loop time of the first byte of an incomplete message
  int open_handles = 0;
  names::IpAddress peer;                    // family 0 when unknown
  std::unique_ptr<xfr::Transfer> transfer;  // the zone transfer being sent
  uint64_t id = 0;                          // unique in its worker (UpdateLink::TcpAnswer)
  bool updating = false;                    // an UPDATE's answer is owed: what came after it waits
  bool handing_off = false;                 // a transfer request is next: goes to the transfer loop
};

namespace {

constexpr size_t kInitialIn = 4096;
constexpr size_t kOutHighWater = 256 * 1024;  // stop reading above this much unsent

void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<TcpConn*>(handle->data);
  buf->base = reinterpret_cast<char*>(c->in.data() + c->in_len);
  buf->len = c->in.size() - c->in_len;
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<TcpConn*>(stream->data);
  c->loop->tcp_read(*c, nread);
}

void on_idle(uv_timer_t* timer) {
  auto* c = static_cast<TcpConn*>(timer->data);
  c->loop->tcp_close(*c);
}

void on_closed(uv_handle_t* handle) {
  auto* c = static_cast<TcpConn*>(handle->data);
  if (--c->open_handles == 0) c->loop->tcp_forget(c);
}

void on_written(uv_write_t* req, int status) {
  auto* c = static_cast<TcpConn*>(req->data);
  c->writing = false;
  c->inflight.clear();
  if (status != 0) {
    c->loop->tcp_close(*c);
    return;
  }
  c->loop->tcp_flush(*c);
}

// The peer's address without its port (family, then the address bytes); empty if unknown.
std::string client_address(uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return std::string(1, '4') + std::string(reinterpret_cast<const char*>(&a->sin_addr), 4);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    return std::string(1, '6') + std::string(reinterpret_cast<const char*>(&a->sin6_addr), 16);
  }
  return {};
}

void start_reading(TcpConn& c) {
  if (c.reading || c.closing) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&c.tcp), on_alloc, on_read) == 0)
    c.reading = true;
}

void stop_reading(TcpConn& c) {
  if (!c.reading) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c.tcp));
  c.reading = false;
}

}  // namespace

TcpConn* TcpLoop::new_conn() {
  auto* c = new TcpConn;
  c->loop = this;
  c->tcp.data = c;
  c->timer.data = c;
  c->write_req.data = c;
  c->id = ++next_conn_id_;
  uv_tcp_init(&loop_, &c->tcp);
  uv_timer_init(&loop_, &c->timer);
  c->open_handles = 2;
  conns_.insert(c);
  return c;
}

// A connection that holds its limit slots: its peer, buffers and timers, then reading.
void TcpLoop::open_conn(TcpConn& c, std::string client) {
  if (client.size() == 5 || client.size() == 17) {
    c.peer.family = client[0] == '4' ? 4 : 6;
    std::memcpy(c.peer.bytes.data(), client.data() + 1, client.size() - 1);
  }
  c.client = std::move(client);
  if (c.in.size() < kInitialIn) c.in.resize(kInitialIn);
  uv_tcp_nodelay(&c.tcp, 1);
  uv_timer_start(&c.timer, on_idle, options_.tcp_idle_timeout_ms, 0);
}

void TcpLoop::accept_tcp(TcpListener& listener) {
  TcpConn* c = new_conn();
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener.tcp),
                reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    tcp_close(*c);
    return;
  }
  std::atomic<uint32_t>& connections = worker_.tcp_connections();
  if (connections.fetch_add(1) >= options_.tcp_max_connections) {
    connections.fetch_sub(1);
    tcp_close(*c);  // over the limit: close at once (RFC 7766 section 6.2.2)
    return;
  }
  c->counted = true;
  std::string client = client_address(&c->tcp);
  if (!client.empty() && !worker_.tcp_clients().admit(client)) {
    tcp_close(*c);  // this client holds its share of the connections already
    return;
  }
  open_conn(*c, std::move(client));
  start_reading(*c);
}

void TcpLoop::tcp_read(TcpConn& c, ssize_t nread) {
  if (nread < 0) {
    tcp_close(c);
    return;
  }
  c.in_len += size_t(nread);
  tcp_process(c);
}

// Answers the whole messages in the input, in order, up to a zone transfer request
// (which then owns the connection's output until it is complete).
void TcpLoop::tcp_process(TcpConn& c) {
  size_t pos = 0;
  bool snapshot = false;
  while (!c.transfer && !c.updating && !c.handing_off && c.in_len - pos >= 2) {
    size_t len = size_t(c.in[pos]) << 8 | c.in[pos + 1];
    if (len == 0) {
      // A zero-length message is no DNS message: the stream is not DNS, close it (as
      // knotd and nsd do). Answers the socket takes at once go out before it closes.
      if (snapshot) source_.end();
      c.in_len = 0;
      tcp_flush(c);
      tcp_close(c);
      return;
    }
    if (c.in_len - pos - 2 < len) break;
    const uint8_t* msg = c.in.data() + pos + 2;
    if (options_.transfers && xfr::Service::is_transfer(msg, len)) {
      if (transfers_to_) {
        // The transfer loop takes the connection from this request on, once the
        // answers before it are written.
        c.handing_off = true;
        break;
      }
      c.transfer = options_.transfers->start(msg, len, c.peer);
    } else if (options_.updates && update::is_update(msg, len)) {
      tcp_update(c, msg, len);
    } else {
      if (!snapshot) snapshot = source_.begin();
      if (snapshot) answer_tcp(msg, len, c);
    }
    pos += 2 + len;
  }
  if (snapshot) source_.end();
  if (pos > 0) {
    std::memmove(c.in.data(), c.in.data() + pos, c.in_len - pos);
    c.in_len -= pos;
  }
  tcp_arm_timer(c, pos > 0);
  // Make room for the whole of the next message (at most 2 + 65535 bytes).
  if (c.in_len >= 2) {
    size_t need = 2 + (size_t(c.in[0]) << 8 | c.in[1]);
    if (need > c.in.size()) c.in.resize(need);
  }
  tcp_flush(c);
}

// Makes the transfer's next messages while the client keeps up; at its end, goes on
// with the queries that came behind it.
void TcpLoop::tcp_pump(TcpConn& c) {
  while (c.transfer && c.out.size() + c.inflight.size() < kOutHighWater) {
    const size_t n = c.transfer->next(tcp_tx_.data() + 2, Worker::kTcpMax);
    if (n == 0) {
      if (c.transfer->failed()) {
        tcp_close(c);  // logs it as broken off
        return;
      }
      options_.transfers->finished(*c.transfer, true);
      c.transfer.reset();
      tcp_process(c);
      return;
    }
    ++c.transfer->messages;
    c.transfer->bytes += n;
    tcp_tx_[0] = uint8_t(n >> 8);
    tcp_tx_[1] = uint8_t(n);
    c.out.insert(c.out.end(), tcp_tx_.begin(), tcp_tx_.begin() + ptrdiff_t(n + 2));
  }
}

// Answers one query and appends it, framed, to the connection's output.
size_t TcpLoop::answer_tcp(const uint8_t* query, size_t len, TcpConn& c) {
  dns::ClientIp client;
  if (c.peer.family == 4 || c.peer.family == 6) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    const uint8_t* a = c.peer.bytes.data();
    const bool mapped = c.peer.family == 6 && std::memcmp(a, kMapped, sizeof kMapped) == 0;
    client = mapped ? dns::ClientIp{a + 12, 4} : dns::ClientIp{a, uint8_t(c.peer.size())};
  }
  size_t n = answerer_.answer(query, len, tcp_tx_.data() + 2, Worker::kTcpMax, dns::Transport::Tcp, client);
  if (n == 0) return 0;
  tcp_tx_[0] = uint8_t(n >> 8);
  tcp_tx_[1] = uint8_t(n);
  c.out.insert(c.out.end(), tcp_tx_.begin(), tcp_tx_.begin() + ptrdiff_t(n + 2));
  return n;
}

void TcpLoop::tcp_flush(TcpConn& c) {
  if (c.closing) return;
  if (c.transfer) {
    tcp_pump(c);
    if (c.closing) return;
    // From the time now, not the loop's cached time: a client that keeps up makes a
    // chain of write callbacks in which the cached time can stand still for a second,
    // and a timer set from it fires early (broke off fast transfers).
    if (c.transfer) {
      uv_update_time(&loop_);
      uv_timer_start(&c.timer, on_idle, options_.tcp_idle_timeout_ms, 0);
    }
  }
  if (!c.writing && !c.out.empty()) {
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(c.out.data()), unsigned(c.out.size()));
    // A transfer's messages always go through uv_write: its callback makes the next
    // ones, so a fast client still gets them one loop turn at a time, between the
    // other connections' answers.
    int sent = c.transfer ? 0 : uv_try_write(reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1);
    size_t done = sent > 0 ? size_t(sent) : 0;
    if (sent < 0 && sent != UV_EAGAIN) {
      tcp_close(c);
      return;
    }
    if (done < c.out.size()) {
      c.inflight.assign(c.out.begin() + ptrdiff_t(done), c.out.end());
      uv_buf_t rest =
          uv_buf_init(reinterpret_cast<char*>(c.inflight.data()), unsigned(c.inflight.size()));
      c.writing = true;
      uv_write(&c.write_req, reinterpret_cast<uv_stream_t*>(&c.tcp), &rest, 1, on_written);
    }
    c.out.clear();
  }
  if (c.handing_off) {
    stop_reading(c);
    if (!c.writing && c.out.empty()) hand_off(c);
    return;
  }
  if (c.transfer || c.updating || (c.writing && c.out.size() + c.inflight.size() > kOutHighWater))
    stop_reading(c);
  else
    start_reading(c);
}

// After a read: with no incomplete message left, the idle timeout starts again; an
// incomplete one must be whole within tcp-io-timeout of its first byte. `completed`: the
// read finished a message, so what is left began in this read.
void TcpLoop::tcp_arm_timer(TcpConn& c, bool completed) {
  if (c.in_len == 0) {
    c.message_started = 0;
    uv_timer_start(&c.timer, on_idle, options_.tcp_idle_timeout_ms, 0);
    return;
  }
  const uint64_t now = uv_now(&loop_);
  if (completed || c.message_started == 0) c.message_started = now;
  const uint64_t deadline = c.message_started + options_.tcp_io_timeout_ms;
  uv_timer_start(&c.timer, on_idle, deadline > now ? deadline - now : 0, 0);
}

void TcpLoop::tcp_close(TcpConn& c) {
  if (c.closing) return;
  c.closing = true;
  if (c.transfer) {
    options_.transfers->finished(*c.transfer, false);
    c.transfer.reset();  // its snapshot and its slot go at once
  }
  stop_reading(c);
  uv_timer_stop(&c.timer);
  release_slots(c.counted, c.client);
  uv_close(reinterpret_cast<uv_handle_t*>(&c.tcp), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c.timer), on_closed);
}

// The door's answer, whenever it comes (at once, or on the writer's thread), is queued
// on the link and appended on this loop.
void TcpLoop::tcp_update(TcpConn& c, const uint8_t* msg, size_t len) {
  c.updating = true;
  std::shared_ptr<UpdateLink> link = update_link_;
  TcpConn* conn = &c;
  const uint64_t id = c.id;
  options_.updates->handle(msg, len, c.peer, [link, conn, id](const uint8_t* answer, size_t n) {
    std::lock_guard lock(link->mutex);
    if (link->closed) return;
    link->tcp.push_back({conn, id, std::vector<uint8_t>(answer, answer + n)});
    uv_async_send(link->async);
  });
}

// On the loop: each answer goes to its connection, if it is still open, which then goes
// on with what its client sent after the UPDATE.
void TcpLoop::tcp_update_answers() {
  std::vector<UpdateLink::TcpAnswer> answers;
  {
    std::lock_guard lock(update_link_->mutex);
    answers.swap(update_link_->tcp);
  }
  for (UpdateLink::TcpAnswer& a : answers) {
    if (!conns_.count(a.conn) || a.conn->id != a.id || a.conn->closing) continue;
    TcpConn& c = *a.conn;
    const size_t n = a.message.size();
    const uint8_t prefix[2] = {uint8_t(n >> 8), uint8_t(n)};
    c.out.insert(c.out.end(), prefix, prefix + 2);
    c.out.insert(c.out.end(), a.message.begin(), a.message.end());
    c.updating = false;
    tcp_process(c);
  }
}

void TcpLoop::tcp_forget(TcpConn* c) {
  conns_.erase(c);
  delete c;
}

// Moves the connection to the transfer loop: a dup of its socket, the input not yet
// answered (the transfer request first) and its limit slots; this loop's handle closes
// (libuv takes the socket out of this loop's epoll set before closing its descriptor).
void TcpLoop::hand_off(TcpConn& c) {
  uv_os_fd_t fd = -1;
  TcpHandoff h;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c.tcp), &fd) == 0)
    h.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (h.fd < 0) {
    tcp_close(c);
    return;
  }
  h.input.assign(c.in.begin(), c.in.begin() + ptrdiff_t(c.in_len));
  h.client = std::move(c.client);
  h.counted = c.counted;
  c.client.clear();
  c.counted = false;
  tcp_close(c);
  transfers_to_->adopt(std::move(h));
}

// On the loop: each connection handed over goes on from its first unanswered message.
void TcpLoop::take_handoffs() {
  std::vector<TcpHandoff> taken;
  {
    std::lock_guard lock(handoff_mutex_);
    taken.swap(handoffs_);
  }
  for (TcpHandoff& h : taken) {
    TcpConn* c = new_conn();
    c->counted = h.counted;
    c->client = std::move(h.client);
    if (uv_tcp_open(&c->tcp, h.fd) != 0) {
      close(h.fd);
      tcp_close(*c);
      continue;
    }
    c->in = std::move(h.input);
    c->in_len = c->in.size();
    open_conn(*c, std::move(c->client));
    tcp_process(*c);
  }
}

}  // namespace rdnsd::server
