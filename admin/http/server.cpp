#include "admin/http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace rdnsd::admin::http {

namespace {

int kOverLimit;  // its address marks a connection accepted over max_connections

// One request, from its headers to its reply (MHD's con_cls).
struct Exchange {
  std::string method, path, body;
  bool too_big = false;
  size_t discarded = 0;
  bool waiting = false;  // a write is with the scheduler, the connection suspended
  std::string line;      // the writer's answer, set before the connection is resumed
  std::function<Reply(const std::string&)> finish;
};

// A write's submitter: the answer line is kept and the connection resumed.
class Waiter final : public Submitter {
 public:
  Waiter(MHD_Connection* c, Exchange* e) : conn_(c), ex_(e) {}
  bool streaming() const override { return false; }
  void answer(Response r) override {
    ex_->line = std::move(r.line);
    MHD_resume_connection(conn_);  // after this, ex_ belongs to the HTTP thread again
  }
  void delivered(bool) override {}

 private:
  MHD_Connection* conn_;
  Exchange* ex_;
};

MHD_Result send(MHD_Connection* conn, const Reply& r, bool close = false) {
  MHD_Response* resp = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  if (close) MHD_add_response_header(resp, "Connection", "close");
  MHD_Result rc = MHD_queue_response(conn, r.status, resp);
  MHD_destroy_response(resp);
  return rc;
}

MHD_Result add_arg(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Request*>(cls)->query.emplace_back(key ? key : "", value ? value : "");
  return MHD_YES;
}

}  // namespace

struct HttpServer::Impl {
  const Api& api;
  CommitScheduler& scheduler;
  HttpServerOptions options;
  std::vector<MHD_Daemon*> daemons;
  std::vector<MHD_socket> quiesced;
  std::atomic<uint32_t> open{0};  // connections of all daemons
  bool stopped = false;

  Impl(const Api& a, CommitScheduler& s, HttpServerOptions o)
      : api(a), scheduler(s), options(std::move(o)) {}

  MHD_Result on_request(MHD_Connection* conn, const char* url, const char* method,
                        const char* upload, size_t* upload_size, void** con_cls);
  MHD_Result first(MHD_Connection* conn, Exchange* ex);
  MHD_Result complete(MHD_Connection* conn, Exchange* ex);
  MHD_Daemon* start_one(const conf::ListenAddr& at);
};

MHD_Result HttpServer::Impl::first(MHD_Connection* conn, Exchange* ex) {
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (ci && ci->socket_context == &kOverLimit)
    return send(conn,
                error_reply(503, code::kBusy,
                            "too many connections (http.max-connections is " +
                                std::to_string(options.max_connections) + ")"),
                true);
  if (const char* cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length")) {
    errno = 0;
    char* end = nullptr;
    unsigned long long n = std::strtoull(cl, &end, 10);
    if (errno != 0 || n > options.max_body) ex->too_big = true;
  }
  if (ex->too_big)
    return send(
        conn,
        error_reply(413, "too_large",
                    "the body is larger than " + std::to_string(options.max_body) + " bytes"),
        true);
  return MHD_YES;
}

MHD_Result HttpServer::Impl::on_request(MHD_Connection* conn, const char* url, const char* method,
                                        const char* upload, size_t* upload_size, void** con_cls) {
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (!ex) {
    ex = new Exchange;
    *con_cls = ex;
    ex->method = method;
    ex->path = url;
    return first(conn, ex);
  }
  if (*upload_size > 0) {
    if (ex->too_big || ex->body.size() + *upload_size > options.max_body) {
      ex->too_big = true;
      ex->discarded += *upload_size;
      if (ex->discarded > 16 * options.max_body) return MHD_NO;  // a flood: close
    } else {
      ex->body.append(upload, *upload_size);
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (ex->too_big)
    return send(
        conn,
        error_reply(413, "too_large",
                    "the body is larger than " + std::to_string(options.max_body) + " bytes"),
        true);
  if (ex->waiting) {
    ex->waiting = false;
    Reply r;
    try {
      r = ex->finish(ex->line);
    } catch (const std::exception& e) {
      r = error_reply(500, code::kInternal, e.what());
    }
    return send(conn, r);
  }
  return complete(conn, ex);
}

MHD_Result HttpServer::Impl::complete(MHD_Connection* conn, Exchange* ex) {
  Request req;
  req.method = ex->method;
  req.path = ex->path;
  req.body = std::move(ex->body);
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &req);
  req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  Outcome out;
  try {
    out = api.handle(req);
  } catch (const zonestore::StoreError& e) {
    out = error_reply(status_of(e.code()), e.code(), e.what());
  } catch (const std::exception& e) {
    out = error_reply(500, code::kInternal, e.what());
  }
  if (auto* reply = std::get_if<Reply>(&out)) return send(conn, *reply);
  Write& w = std::get<Write>(out);
  ex->finish = std::move(w.finish);
  ex->waiting = true;
  MHD_suspend_connection(conn);
  if (!scheduler.post(std::make_shared<Waiter>(conn, ex), std::move(w.request))) {
    ex->line = encode_error(Error{code::kBusy, "rdnsd is stopping", std::nullopt}, std::nullopt);
    MHD_resume_connection(conn);
  }
  return MHD_YES;
}

MHD_Daemon* HttpServer::Impl::start_one(const conf::ListenAddr& at) {
  sockaddr_storage ss{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
  if (at.family == 4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(at.port);
    inet_pton(AF_INET, at.host.c_str(), &a->sin_addr);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(at.port);
    inet_pton(AF_INET6, at.host.c_str(), &a->sin6_addr);
    flags |= MHD_USE_IPv6;
  }
  const bool tls = !options.tls_cert.empty();
  if (tls) flags |= MHD_USE_TLS;
  auto handler = [](void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                    const char* upload, size_t* size, void** con_cls) {
    return static_cast<Impl*>(cls)->on_request(c, url, method, upload, size, con_cls);
  };
  auto done = [](void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<Exchange*>(*con_cls);
    *con_cls = nullptr;
  };
  auto notify = [](void* cls, MHD_Connection*, void** socket_context,
                   MHD_ConnectionNotificationCode code) {
    Impl* self = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      if (self->open.fetch_add(1) + 1 > self->options.max_connections)
        *socket_context = &kOverLimit;
    } else {
      self->open.fetch_sub(1);
    }
  };
  MHD_Daemon* d =
      MHD_start_daemon(flags, 0, nullptr, nullptr, +handler, this, MHD_OPTION_SOCK_ADDR,
                       reinterpret_cast<sockaddr*>(&ss), MHD_OPTION_CONNECTION_LIMIT,
                       unsigned(options.max_connections + kSpare), MHD_OPTION_CONNECTION_TIMEOUT,
                       unsigned(options.idle_timeout.count()), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                       size_t(options.max_header), MHD_OPTION_NOTIFY_COMPLETED, +done, nullptr,
                       MHD_OPTION_NOTIFY_CONNECTION, +notify, this, MHD_OPTION_HTTPS_MEM_CERT,
                       tls ? options.tls_cert.c_str() : nullptr, MHD_OPTION_HTTPS_MEM_KEY,
                       tls ? options.tls_key.c_str() : nullptr, MHD_OPTION_END);
  if (!d)
    throw std::runtime_error("http: cannot listen on " + at.text + ": " + std::strerror(errno) +
                             (tls ? " (or the TLS certificate or key is not usable)" : ""));
  return d;
}

HttpServer::HttpServer(const Api& api, CommitScheduler& scheduler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(api, scheduler, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  if (!impl_->options.tls_cert.empty() && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
    throw std::runtime_error("http: this libmicrohttpd has no TLS support");
  try {
    for (const auto& at : impl_->options.listen) impl_->daemons.push_back(impl_->start_one(at));
  } catch (...) {
    stop();
    throw;
  }
}

void HttpServer::quiesce() {
  for (MHD_Daemon* d : impl_->daemons) {
    MHD_socket s = MHD_quiesce_daemon(d);
    if (s != MHD_INVALID_SOCKET) impl_->quiesced.push_back(s);  // closed after stop
  }
}

void HttpServer::stop() {
  for (MHD_Daemon* d : impl_->daemons) MHD_stop_daemon(d);
  impl_->daemons.clear();
  for (MHD_socket s : impl_->quiesced) ::close(s);
  impl_->quiesced.clear();
}

}  // namespace rdnsd::admin::http
