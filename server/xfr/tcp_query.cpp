#include "server/xfr/tcp_query.h"

#include <cstring>
#include <vector>

namespace rdnsd::xfr {

struct TcpQueries::Query {
  TcpQueries* owner = nullptr;
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  sockaddr_storage to{};
  std::vector<uint8_t> out, in;
  uint64_t deadline = 0;
  Answer answer;
};

TcpQueries::~TcpQueries() {
  for (Query* q : open_) delete q;
}

int TcpQueries::start(const sockaddr_storage& to, const uint8_t* msg, size_t len, uint64_t deadline,
                      Answer answer) {
  auto* q = new Query;
  q->owner = this;
  q->to = to;
  q->deadline = deadline;
  q->answer = std::move(answer);
  q->out.resize(2 + len);
  q->out[0] = uint8_t(len >> 8);
  q->out[1] = uint8_t(len);
  std::memcpy(q->out.data() + 2, msg, len);
  uv_tcp_init(loop_, &q->tcp);
  q->tcp.data = q;
  q->connect.data = q;
  q->write.data = q;
  open_.insert(q);
  const int rc = uv_tcp_connect(&q->connect, &q->tcp, reinterpret_cast<const sockaddr*>(&q->to),
                                [](uv_connect_t* req, int status) {
                                  auto* query = static_cast<Query*>(req->data);
                                  query->owner->connected(query, status);
                                });
  if (rc != 0) close(q);
  return rc;
}

void TcpQueries::expire(uint64_t now) {
  for (Query* q : open_)
    if (now >= q->deadline) close(q);  // erased from open_ by its close callback, later
}

void TcpQueries::connected(Query* q, int status) {
  if (status != 0) {
    close(q);
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&q->tcp);
  uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(q->out.data()), unsigned(q->out.size()));
  const int rc = uv_write(&q->write, stream, &b, 1, [](uv_write_t* req, int st) {
    if (st != 0) {
      auto* query = static_cast<Query*>(req->data);
      query->owner->close(query);
    }
  });
  if (rc != 0 || uv_read_start(
                     stream,
                     [](uv_handle_t*, size_t, uv_buf_t* buf) {
                       static thread_local char space[65536];
                       *buf = uv_buf_init(space, sizeof space);
                     },
                     [](uv_stream_t* st, ssize_t nread, const uv_buf_t* buf) {
                       auto* query = static_cast<Query*>(st->data);
                       query->owner->read(query, nread, buf);
                     }) != 0)
    close(q);
}

void TcpQueries::read(Query* q, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    close(q);
    return;
  }
  q->in.insert(q->in.end(), buf->base, buf->base + nread);
  if (q->in.size() < 2) return;
  const size_t len = size_t(q->in[0]) << 8 | q->in[1];
  if (q->in.size() < 2 + len) return;
  q->answer(q->in.data() + 2, len, reinterpret_cast<const sockaddr*>(&q->to));
  close(q);
}

void TcpQueries::close(Query* q) {
  auto* h = reinterpret_cast<uv_handle_t*>(&q->tcp);
  if (uv_is_closing(h)) return;
  uv_close(h, [](uv_handle_t* handle) {
    auto* query = static_cast<Query*>(handle->data);
    query->owner->open_.erase(query);
    delete query;
  });
}

}  // namespace rdnsd::xfr
