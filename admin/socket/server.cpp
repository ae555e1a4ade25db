#include "admin/socket/server.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace rdnsd::admin {
namespace {

constexpr size_t kReadBuffer = 64 * 1024;
constexpr size_t kMaxQueued = 4 << 20;  // pause reading while this much waits to be sent
// A streamed answer is made this much at a time, while less than twice as much waits.
constexpr size_t kStreamPiece = 256 * 1024;
// How long (ms) a connection counts as streaming after the last sign of it: requests
// of a streaming connection may wait `commit_wait` for others to share their commit.
constexpr uint64_t kStreamingMemory = 1000;

std::runtime_error sys_error(const std::string& what, const std::string& path, int err) {
  return std::runtime_error("admin socket " + path + ": " + what + ": " + std::strerror(err));
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path)
    throw std::runtime_error("admin socket path '" + path + "' must be 1.." +
                             std::to_string(sizeof sa.sun_path - 1) + " bytes");
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// Makes room for a new socket at `path`: a socket nobody answers on is removed; a
// listening socket or any other kind of file is refused.
void clear_stale_socket(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw sys_error("cannot inspect", path, errno);
  }
  if (!S_ISSOCK(st.st_mode))
    throw std::runtime_error("admin socket " + path + ": the path exists and is not a socket");
  sockaddr_un sa = unix_address(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket", path, errno);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = errno;
  close(fd);
  if (rc == 0)
    throw std::runtime_error("admin socket " + path +
                             ": another process is listening on it (is rdnsd already running?)");
  if (err != ECONNREFUSED && err != ENOENT) throw sys_error("cannot probe", path, err);
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    throw sys_error("cannot remove the stale socket", path, errno);
}

int listening_socket(const std::string& path, uint32_t mode, std::optional<uint32_t> group) {
  sockaddr_un sa = unix_address(path);
  clear_stale_socket(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket", path, errno);
  auto fail = [&](const char* what, bool bound) {
    int err = errno;
    close(fd);
    if (bound) unlink(path.c_str());
    return sys_error(what, path, err);
  };
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw fail("cannot bind", false);
  if (chmod(path.c_str(), mode_t(mode)) != 0) throw fail("cannot chmod", true);
  if (group && chown(path.c_str(), uid_t(-1), gid_t(*group)) != 0)
    throw fail("cannot give the socket its group (admin.group)", true);
  if (listen(fd, 128) != 0) throw fail("cannot listen", true);
  return fd;
}

// Whether the peer of `fd` may use the socket (AdminServerOptions::allow_uids/gids).
bool peer_allowed(int fd, const AdminServerOptions& o) {
  if (o.allow_uids.empty() && o.allow_gids.empty()) return true;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  auto listed = [](const std::vector<uint32_t>& ids, uint32_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  if (cred.uid == 0 || cred.uid == geteuid() || listed(o.allow_uids, cred.uid) ||
      listed(o.allow_gids, cred.gid))
    return true;
  if (o.allow_gids.empty()) return false;
  gid_t groups[256];
  len = sizeof groups;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) return false;
  for (size_t i = 0; i < len / sizeof(gid_t); ++i)
    if (listed(o.allow_gids, groups[i])) return true;
  return false;
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

// "pid P, uid U" of the peer of a connected Unix socket, for log lines (no passwd lookup:
// a flood of refused connections must stay cheap).
std::string peer_ids(uv_pipe_t* pipe) {
  uv_os_fd_t fd;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(pipe), &fd) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return "an unknown peer";
  return "pid " + std::to_string(cred.pid) + ", uid " + std::to_string(cred.uid);
}

std::string plural(uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string peer_user(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "unknown";
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? size_t(size) : 16384);
  passwd pw, *found = nullptr;
  if (getpwuid_r(cred.uid, &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_name)
    return pw.pw_name;
  return "uid:" + std::to_string(cred.uid);
}

// Root and rdnsd's own user may record any actor (they could write the store anyway);
// other users' actors are recorded under their user name (Peer::names_actor).
static bool peer_is_trusted(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  return cred.uid == 0 || cred.uid == geteuid();
}

// ---- the loop side ----

struct AdminServer::Impl {
  // A connection is the submitter of its requests to the commit scheduler.
  struct Connection final : Submitter {
    uv_pipe_t pipe;
    uv_shutdown_t shutdown;
    Impl* server = nullptr;
    Peer peer;
    std::string buffer;  // received bytes not yet making a whole line
    size_t scanned = 0;  // bytes of `buffer` known to hold no newline
    bool closing = false, paused = false;
    bool eof = false;  // the client half-closed: finish once the answers are out
    // An answer being written a piece at a time; later lines wait until it is done.
    std::unique_ptr<AnswerStream> stream;
    size_t pending = 0;        // requests submitted and not yet answered
    std::string out;           // answers given and not yet sent (delivered() sends them)
    bool counted = false;      // admitted: counts against max_connections
    uint64_t last_active = 0;  // loop time (ms) of its last byte in or out
    // Loop time (ms) until which the connection counts as streaming: at the last commit
    // that answered it, it had already sent more (it does not wait for each answer).
    uint64_t streaming_until = 0;

    bool streaming() const override { return streaming_until > uv_now(&server->loop); }
    void answer(Response response) override;
    void delivered(bool group) override;
  };
  struct Write {
    uv_write_t req;
    std::string data;
    Connection* conn;
  };

  std::string path;
  uint32_t mode;
  AdminServerOptions options;
  uv_loop_t loop;
  uv_pipe_t listener;
  uv_async_t wakeup;
  std::thread thread;
  std::mutex mutex;  // guards started / stopped
  bool started = false, stopped = false;
  std::unordered_set<Connection*> connections;
  std::vector<char> read_buffer = std::vector<char>(kReadBuffer);
  // Every request goes to the scheduler, which holds the writes for their group commit
  // and answers each connection through its Submitter side.
  CommitScheduler scheduler;
  // Limits. `admitted` connections count against max_connections. The sweeper closes
  // connections idle since before the last poll began (`polled_at`, set by `poller`):
  // what a client did while a long request held the loop is not seen as idleness.
  size_t admitted = 0;
  uv_timer_t sweeper;
  uv_timer_t heartbeat;  // options.heartbeat's timer
  uv_prepare_t poller;
  // Connections whose answer stream has nothing yet (a backup being copied): `waker`
  // pumps them again every 10 ms while there are any.
  uv_timer_t waker;
  std::unordered_set<Connection*> waiting;
  uint64_t polled_at = 0;
  uint64_t refusals = 0;           // not yet logged
  uint64_t refusal_logged_at = 0;  // loop time of the last refusal line; 0: none yet
  std::string last_refused;        // the peer of the last refused connection
  std::string last_reason;         // and why

  Impl(Handler& h, std::string p, uint32_t m, AdminServerOptions o)
      : path(std::move(p)),
        mode(m),
        options(std::move(o)),
        scheduler(h, CommitSchedulerOptions{options.commit_wait}) {
    if (options.max_connections == 0) options.max_connections = 1;
  }

  static Connection* conn_of(uv_handle_t* h) { return static_cast<Connection*>(h->data); }
  static Impl* impl_of(uv_handle_t* h) { return static_cast<Impl*>(h->data); }

  void accept();
  void refuse(Connection* c, const char* error_code, std::string reason);
  std::string busy_reason() const {
    return "too many admin connections (limit " + std::to_string(options.max_connections) + ")";
  }
  void log_refusals(bool force);
  void touch(Connection* c);
  uint64_t sweep_interval() const;
  void sweep();
  void start_reading(Connection* c);
  void on_read(Connection* c, ssize_t nread);
  void take_lines(Connection* c);
  void answer(Connection* c, std::string_view line);
  void note_streaming(Connection* c);
  void send(Connection* c, std::string data);
  void pump(Connection* c);             // writes more of c->stream while the queue is short
  void resume(Connection* c);           // reads again once nothing holds the connection back
  void wait_for_stream(Connection* c);  // pumped again by `waker`
  void finish(Connection* c);           // close after the queued answers went out
  void release_slot(Connection* c);
  void close_connection(Connection* c);
  void shut_down();
};

void AdminServer::Impl::accept() {
  auto* c = new Connection;
  c->server = this;
  uv_pipe_init(&loop, &c->pipe, 0);
  c->pipe.data = c;
  connections.insert(c);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener),
                reinterpret_cast<uv_stream_t*>(&c->pipe)) != 0) {
    close_connection(c);
    return;
  }
  touch(c);
  if (options.idle_timeout.count() > 0 && !uv_is_active(reinterpret_cast<uv_handle_t*>(&sweeper)))
    uv_timer_start(
        &sweeper, [](uv_timer_t* t) { impl_of(reinterpret_cast<uv_handle_t*>(t))->sweep(); },
        sweep_interval(), sweep_interval());
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c->pipe), &fd) != 0) return close_connection(c);
  if (!peer_allowed(fd, options))
    return refuse(c, code::kForbidden,
                  "this user may not use the admin socket (admin.allow-users, admin.allow-groups)");
  if (admitted >= options.max_connections) return refuse(c, code::kBusy, busy_reason());
  c->counted = true;
  ++admitted;
  c->peer.user = peer_user(fd);
  c->peer.names_actor = peer_is_trusted(fd);
  start_reading(c);
}

// One error line, then the connection is closed; nothing it sends is read.
void AdminServer::Impl::refuse(Connection* c, const char* error_code, std::string reason) {
  send(c, encode_error({error_code, reason, std::nullopt}, std::nullopt) + "\n");
  ++refusals;
  last_reason = std::move(reason);
  if (options.log) last_refused = peer_ids(&c->pipe);
  log_refusals(refusal_logged_at == 0);
  finish(c);
}

// Later refusals are told at most once a second, as a count.
void AdminServer::Impl::log_refusals(bool force) {
  if (refusals == 0) return;
  const uint64_t now = std::max<uint64_t>(uv_now(&loop), 1);
  if (!force && now - refusal_logged_at < 1000) return;
  if (options.log)
    options.log(logging::Level::Warning,
                "admin socket: refused " + plural(refusals, "connection") + " (the last from " +
                    last_refused + "): " + last_reason,
                {});
  refusals = 0;
  refusal_logged_at = now;
}

void AdminServer::Impl::touch(Connection* c) {
  if (options.idle_timeout.count() == 0) return;
  uv_update_time(&loop);  // a request may have held the loop since this iteration began
  c->last_active = uv_now(&loop);
}

// A quarter of the timeout, within 50 ms..5 s: a connection is closed at most two such
// intervals after its timeout (the sweep, and the poll that `polled_at` stands for).
uint64_t AdminServer::Impl::sweep_interval() const {
  const uint64_t quarter = uint64_t(options.idle_timeout.count()) / 4;
  return std::clamp<uint64_t>(quarter, 50, 5000);
}

void AdminServer::Impl::sweep() {
  log_refusals(false);
  if (connections.empty()) {
    uv_timer_stop(&sweeper);  // started again by the next connection
    return;
  }
  const uint64_t timeout = uint64_t(options.idle_timeout.count());
  std::vector<Connection*> idle;
  for (Connection* c : connections) {
    // A connection whose requests wait for the commit is waiting for the server.
    if (c->pending > 0 || uv_is_closing(reinterpret_cast<uv_handle_t*>(&c->pipe))) continue;
    if (c->last_active < polled_at && polled_at - c->last_active >= timeout) idle.push_back(c);
  }
  for (Connection* c : idle) {
    if (options.log)
      options.log(logging::Level::Notice,
                  "admin socket: closed the connection of " + peer_ids(&c->pipe) + ", idle for " +
                      plural((polled_at - c->last_active) / 1000, "second") +
                      (c->stream ? " in the middle of an export" : ""),
                  {});
    close_connection(c);
  }
}

void AdminServer::Impl::start_reading(Connection* c) {
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->pipe),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        Impl* self = conn_of(h)->server;
        *buf = uv_buf_init(self->read_buffer.data(), unsigned(self->read_buffer.size()));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
        Connection* c = conn_of(reinterpret_cast<uv_handle_t*>(s));
        c->server->on_read(c, nread);
      });
}

void AdminServer::Impl::on_read(Connection* c, ssize_t nread) {
  if (c->closing) return;
  touch(c);
  if (nread > 0) {
    c->buffer.append(read_buffer.data(), size_t(nread));
    take_lines(c);
    if (c->stream) pump(c);
  } else if (nread == UV_EOF) {
    // A clean end of input: a last line without its newline still counts.
    if (!blank(c->buffer) && c->buffer.size() <= kMaxLine + 1) answer(c, c->buffer);
    c->buffer.clear();
    c->eof = true;
    if (c->pending > 0) scheduler.hurry();  // nothing more comes from it
    if (c->stream)
      pump(c);
    else if (c->pending == 0)
      finish(c);  // else delivered() does, once the answers owed are sent
  } else if (nread < 0) {
    close_connection(c);  // reset by the peer: nothing more to say
  }
}

// Answers every whole line in the buffer, in order; stops at a streamed answer (the
// rest waits in the buffer until it has been written).
void AdminServer::Impl::take_lines(Connection* c) {
  size_t start = 0;
  bool too_long = false;
  while (!c->stream) {
    size_t nl = c->buffer.find('\n', std::max(start, c->scanned));
    if (nl == std::string::npos) break;
    std::string_view line(c->buffer.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if ((too_long = line.size() > kMaxLine)) break;
    answer(c, line);
    start = nl + 1;
  }
  c->buffer.erase(0, start);
  // A large line is gone: give its memory back rather than hold it for the connection's
  // life (up to kMaxLine per connection).
  if (c->buffer.capacity() > 16 * kReadBuffer && c->buffer.size() < kReadBuffer)
    c->buffer.shrink_to_fit();
  c->scanned = c->stream ? 0 : c->buffer.size();
  if (!c->stream && (too_long || c->buffer.size() > kMaxLine + 1)) {
    scheduler.flush();  // answers owed to this connection first (its earlier lines)
    send(c, encode_error({code::kBadRequest,
                          "request line is longer than " + std::to_string(kMaxLine) +
                              " bytes; closing the connection",
                          std::nullopt},
                         std::nullopt) +
                "\n");
    finish(c);
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&c->pipe);
  if (!c->paused && (c->stream || uv_stream_get_write_queue_size(stream) > kMaxQueued)) {
    uv_read_stop(stream);
    c->paused = true;
  }
}

// Every request goes to the scheduler: a set, an unset or a malformed line waits for its
// group commit; any other request is answered at once, after the group.
void AdminServer::Impl::answer(Connection* c, std::string_view line) {
  if (blank(line)) return;
  try {
    Prepared request = Handler::prepare(line, c->peer);
    ++c->pending;
    scheduler.submit(*c, std::move(request));
  } catch (const std::exception& e) {
    send(c, encode_error({code::kInternal, std::string("internal error: ") + e.what(), {}}, {}) +
                "\n");
  }
}

// A streamed answer (export) is taken here; take_lines stops at it and the caller pumps.
void AdminServer::Impl::Connection::answer(Response response) {
  --pending;
  if (response.stream) {
    stream = std::move(response.stream);
    return;
  }
  out += response.line;
  out += '\n';
}

// A group's answers go out after the streaming check, in one write. Connections that
// closed meanwhile still had their writes applied (their lines had arrived whole), but
// get no answer.
void AdminServer::Impl::Connection::delivered(bool group) {
  if (closing) {
    out.clear();
    return;
  }
  if (group && server->scheduler.options().commit_wait.count() > 0) server->note_streaming(this);
  if (!out.empty()) server->send(this, std::exchange(out, {}));
  if (group && eof && pending == 0 && !stream) server->finish(this);  // it half-closed
}

// Bytes that arrived while the connection's requests were being committed (or a partial
// line left from the read that brought them) were sent before their answers: the client
// streams its writes.
void AdminServer::Impl::note_streaming(Connection* c) {
  uv_os_fd_t fd;
  int pending = 0;
  if (!c->buffer.empty() || (uv_fileno(reinterpret_cast<uv_handle_t*>(&c->pipe), &fd) == 0 &&
                             ioctl(fd, FIONREAD, &pending) == 0 && pending > 0)) {
    uv_update_time(&loop);
    c->streaming_until = uv_now(&loop) + kStreamingMemory;
  }
}

// Each piece goes out as the client reads; the write callback calls back here. A stream
// that fails half-way cannot be completed as one line: the connection is closed, and
// the client sees an answer without its end.
void AdminServer::Impl::pump(Connection* c) {
  auto* s = reinterpret_cast<uv_stream_t*>(&c->pipe);
  while (!c->closing) {
    if (!c->stream) {
      if (c->eof) return finish(c);
      take_lines(c);  // the lines that waited behind the stream; stops at the next one
      if (!c->stream) return resume(c);
      continue;
    }
    if (uv_stream_get_write_queue_size(s) >= 2 * kStreamPiece) return;  // write callback
    std::string piece;
    bool more = false;
    try {
      more = c->stream->next(piece, kStreamPiece);
    } catch (const std::exception&) {
      c->stream.reset();
      close_connection(c);
      return;
    }
    if (more && piece.empty()) return wait_for_stream(c);
    if (!more) {
      piece += '\n';
      c->stream.reset();
    }
    send(c, std::move(piece));
  }
}

// The connection is waiting for the server, not idle: touched at each look.
void AdminServer::Impl::wait_for_stream(Connection* c) {
  waiting.insert(c);
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&waker))) return;
  uv_timer_start(
      &waker,
      [](uv_timer_t* t) {
        Impl* self = impl_of(reinterpret_cast<uv_handle_t*>(t));
        std::unordered_set<Connection*> again;
        again.swap(self->waiting);
        for (Connection* c : again) {
          if (c->closing) continue;
          self->touch(c);
          self->pump(c);
        }
        if (self->waiting.empty()) uv_timer_stop(t);
      },
      10, 10);
}

void AdminServer::Impl::resume(Connection* c) {
  auto* s = reinterpret_cast<uv_stream_t*>(&c->pipe);
  if (c->paused && !c->closing && !c->stream &&
      uv_stream_get_write_queue_size(s) < kMaxQueued / 2) {
    c->paused = false;
    start_reading(c);  // uv_read_stop forgot the callbacks
  }
}

void AdminServer::Impl::send(Connection* c, std::string data) {
  touch(c);  // the server had something to say: the idle time starts now
  auto* w = new Write{{}, std::move(data), c};
  uv_buf_t buf = uv_buf_init(w->data.data(), unsigned(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->pipe), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* w = reinterpret_cast<Write*>(req);
                      Connection* c = w->conn;
                      delete w;
                      if (status < 0) return c->server->close_connection(c);
                      c->server->touch(c);  // the client took bytes
                      if (c->stream)
                        c->server->pump(c);
                      else
                        c->server->resume(c);
                    });
  if (rc != 0) {
    delete w;
    close_connection(c);
  }
}

// A connection that is closing no longer counts against max_connections: its client may
// see the end of the stream (and connect again) before the close callback runs.
void AdminServer::Impl::release_slot(Connection* c) {
  if (!c->counted) return;
  c->counted = false;
  --admitted;
}

void AdminServer::Impl::finish(Connection* c) {
  if (c->closing) return;
  c->closing = true;
  release_slot(c);
  auto* stream = reinterpret_cast<uv_stream_t*>(&c->pipe);
  uv_read_stop(stream);
  c->shutdown.data = c;
  if (uv_shutdown(&c->shutdown, stream, [](uv_shutdown_t* req, int) {
        Connection* c = static_cast<Connection*>(req->data);
        c->server->close_connection(c);
      }) != 0)
    close_connection(c);
}

void AdminServer::Impl::close_connection(Connection* c) {
  c->closing = true;
  release_slot(c);
  auto* h = reinterpret_cast<uv_handle_t*>(&c->pipe);
  if (uv_is_closing(h)) return;
  uv_close(h, [](uv_handle_t* h) {
    Connection* c = conn_of(h);
    if (c->pending > 0) c->server->scheduler.flush();  // answers owed must not outlive it
    c->server->connections.erase(c);
    c->server->waiting.erase(c);
    delete c;
  });
}

void AdminServer::Impl::shut_down() {
  scheduler.close();  // requests read whole are applied
  uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweeper), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&heartbeat), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&poller), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&waker), nullptr);
  log_refusals(true);
  std::vector<Connection*> open(connections.begin(), connections.end());
  for (Connection* c : open) close_connection(c);
}

// ---- the public side ----

AdminServer::AdminServer(Handler& handler, std::string socket_path, uint32_t mode,
                         AdminServerOptions options)
    : impl_(std::make_unique<Impl>(handler, std::move(socket_path), mode, std::move(options))) {}

AdminServer::~AdminServer() {
  stop();
}

const std::string& AdminServer::socket_path() const {
  return impl_->path;
}

CommitScheduler& AdminServer::scheduler() {
  return impl_->scheduler;
}

void AdminServer::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (s.started) throw std::logic_error("AdminServer::start called twice");
  int fd = listening_socket(s.path, s.mode, s.options.group);
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&s.loop);
  uv_pipe_init(&s.loop, &s.listener, 0);
  s.listener.data = &s;
  s.wakeup.data = &s;
  s.scheduler.start(s.loop);
  s.sweeper.data = &s;
  uv_timer_init(&s.loop, &s.sweeper);  // started by the first connection
  s.heartbeat.data = &s;
  uv_timer_init(&s.loop, &s.heartbeat);
  if (s.options.heartbeat && s.options.heartbeat_interval.count() > 0) {
    const auto every = uint64_t(s.options.heartbeat_interval.count());
    uv_timer_start(
        &s.heartbeat,
        [](uv_timer_t* t) {
          Impl::impl_of(reinterpret_cast<uv_handle_t*>(t))->options.heartbeat();
        },
        every, every);
  }
  s.poller.data = &s;
  uv_prepare_init(&s.loop, &s.poller);
  s.waker.data = &s;
  uv_timer_init(&s.loop, &s.waker);
  if (s.options.idle_timeout.count() > 0)
    uv_prepare_start(&s.poller, [](uv_prepare_t* h) {
      Impl* self = Impl::impl_of(reinterpret_cast<uv_handle_t*>(h));
      uv_update_time(&self->loop);
      self->polled_at = uv_now(&self->loop);
    });
  int rc = uv_pipe_open(&s.listener, fd);
  if (rc == 0)
    rc =
        uv_listen(reinterpret_cast<uv_stream_t*>(&s.listener), 128, [](uv_stream_t* l, int status) {
          if (status == 0) Impl::impl_of(reinterpret_cast<uv_handle_t*>(l))->accept();
        });
  uv_async_init(&s.loop, &s.wakeup, [](uv_async_t* a) {
    Impl::impl_of(reinterpret_cast<uv_handle_t*>(a))->shut_down();
  });
  if (rc != 0) {
    s.shut_down();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    unlink(s.path.c_str());
    throw std::runtime_error("admin socket " + s.path + ": " + uv_strerror(rc));
  }
  s.started = true;
  s.thread = std::thread([&s] {
    pthread_setname_np(pthread_self(), "rdnsd-admin");
    uv_run(&s.loop, UV_RUN_DEFAULT);
  });
}

void AdminServer::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  uv_async_send(&s.wakeup);
  s.thread.join();
  uv_loop_close(&s.loop);
  unlink(s.path.c_str());
}

}  // namespace rdnsd::admin
