#pragma once
// The admin socket: a Unix stream socket speaking the admin protocol (one JSON object per
// line each way, docs/ADMIN-PROTOCOL.md), served by a libuv loop on its own thread.
//
// The server is the transport only: every request goes to its CommitScheduler, on that
// thread, which calls the Handler (the store's single writer), applies sets and unsets
// waiting together, on one connection or several, with one durable commit (group
// commit, docs/ADMIN-PROTOCOL.md) and answers them after it. Requests on one connection
// are answered in order; any number of connections may be open at once. A line longer than kMaxLine
// gets a bad_request answer and the connection is closed. A client that disconnects mid-line leaves
// no trace; a last line without its newline before a clean end of input (shutdown(SHUT_WR)) is
// still answered.
//
// Limits: at most max_connections are open at once; one more gets a `busy` error line
// and is closed. A connection that has neither sent a byte nor taken any of its pending
// answer bytes for idle_timeout is closed (one periodic sweep checks them all), which
// also ends an export whose client stopped reading and releases its store snapshot.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/ops/commit_scheduler.h"
#include "admin/ops/handler.h"
#include "logging/log.h"

namespace rdnsd::admin {

struct AdminServerOptions {
  uint32_t max_connections = 64;  // connections open at once, at least 1
  // Close a connection idle this long; zero: never.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(300);
  // Longest wait of a set or unset from a streaming connection (one that sends more
  // before its answers come: pipelining, or writing at its own pace) for others to share
  // its durable commit. A client waiting for each answer is never made to wait. Zero:
  // every group is committed in the loop turn that read it.
  std::chrono::milliseconds commit_wait{5};
  // Told (on the server's thread) when a connection is refused for the limit or closed
  // for idleness; one line of text, without a newline. Refusals are told at most once a
  // second, with a count. Empty: not told.
  logging::Sink log;
  // Who may connect (admin.allow-users / admin.allow-groups): a peer whose uid is in
  // allow_uids, or whose primary or supplementary groups (SO_PEERCRED, SO_PEERGROUPS)
  // meet allow_gids. Both empty: anyone who can open the socket file. root and this
  // process's own user always may. Others get one `forbidden` line and are closed.
  std::vector<uint32_t> allow_uids, allow_gids;
  // The group the socket file is given (chown); none: the process's.
  std::optional<uint32_t> group;
  // Called on the server's thread every heartbeat_interval while its loop runs (the
  // systemd watchdog: a loop stuck in a request stops it). Zero or empty: never.
  std::function<void()> heartbeat;
  std::chrono::milliseconds heartbeat_interval{0};
};

class AdminServer {
 public:
  // `handler` must outlive the server. `mode` is the socket file's permission bits
  // (e.g. 0660).
  AdminServer(Handler& handler, std::string socket_path, uint32_t mode,
              AdminServerOptions options = {});
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Creates the socket and starts the loop thread. A socket file left behind by a dead
  // process (nothing answers on it) is replaced. Throws std::runtime_error naming the
  // path and the reason if the path exists and is not a socket, if another process is
  // listening on it, or if the socket cannot be made. Sets SIGPIPE to ignored if it was
  // at its default (a peer that goes away must not kill the daemon). Call once.
  void start();

  // Closes the listener and every connection, waits for the loop thread to end and
  // removes the socket file. Thread-safe and idempotent; must not be called from the
  // loop thread itself (i.e. not from a Handler callback).
  void stop();

  const std::string& socket_path() const;

  // The commit scheduler every request of this server goes through (made with
  // options.commit_wait). Subscribe on-commit listeners before start(); after start() it
  // belongs to the server's thread (only its post() is thread-safe). Lives as long as
  // the server.
  CommitScheduler& scheduler();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The user name of the peer of a connected Unix socket (SO_PEERCRED, getpwuid_r);
// "uid:N" when the uid has no passwd entry, "unknown" when the credentials are missing.
std::string peer_user(int fd);

}  // namespace rdnsd::admin
