#pragma once
// The end-to-end fixture: one real rdnsd on a free loopback port, with its own temporary
// folder (config, store, admin socket, logs), started from RDNSD_BIN and stopped by its
// own PID.
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/support/dig.h"
#include "tests/e2e/support/process.h"
#include "tests/e2e/support/wire.h"

namespace rdnsd::e2e {

// The zones every test starts with unless it says otherwise (the `zones:` list items,
// indented by two spaces):
//   192.0.2.0/24     SOA TTL 3600, minimum 300, record TTL 3600;
//                    192.0.2.1 -> gw.example.net., 192.0.2.10 -> www.example.net.
//   198.51.100.0/24  SOA TTL 120, minimum 600 (negative TTL 120), record TTL 60;
//                    198.51.100.7 -> seven.example.org.
//   2001:db8::/32    SOA TTL 3600, minimum 300, record TTL 7200;
//                    2001:db8::1 -> gw6.example.net., 2001:db8:1:2::5 -> host5.example.net.
extern const char* const kDefaultZones;

// Text of one zone of the config.
std::string zone_yaml(const std::string& prefix, const std::string& body);

struct RdnsdOptions {
  // Lines added under `server:` ("identity: ns1"), indented by the fixture.
  std::vector<std::string> server;
  // The items of `zones:` (YAML, each line indented by two spaces).
  std::string zones = kDefaultZones;
  // When not empty, the whole config file instead; "{PORT}" and "{DIR}" are replaced.
  std::string config;
  // Arguments instead of "-c CONFIG" ("{CONFIG}" and "{DIR}" are replaced).
  std::vector<std::string> args;
  std::string cwd;  // the daemon's working folder (default: the temporary folder)
  // Added to the daemon's environment ("NAME=VALUE"; "{DIR}" is replaced).
  std::vector<std::string> env;
  // False: the constructor and start() return once the process runs, without waiting
  // for it to answer (the test watches the start itself).
  bool wait = true;
};

class Rdnsd {
 public:
  // Starts rdnsd and waits until it answers a SOA query over UDP and its admin socket
  // accepts connections. Throws std::runtime_error with the daemon's stderr if it does not.
  explicit Rdnsd(RdnsdOptions options = {});
  // Stops the daemon (SIGTERM, then SIGKILL) and removes the folder; a failed check or
  // RDNSD_E2E_KEEP=1 keeps the folder for a look.
  ~Rdnsd();
  Rdnsd(const Rdnsd&) = delete;
  Rdnsd& operator=(const Rdnsd&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/rdnsd.yaml"; }
  std::string socket_path() const { return dir_ + "/admin.sock"; }
  bool alive() { return process_.running(); }

  // SIGTERM and wait; returns the wait status (checked by the caller).
  int stop();
  // SIGKILL and wait (a crash, as far as the store can tell).
  void kill9();
  // Stops and starts again on the same port and folder (the store is kept). With new
  // options, the config is rewritten first.
  void restart();
  void restart(RdnsdOptions options);
  // Starts the stopped daemon again (after stop() or kill9()).
  void start();
  // Rewrites the config file with new options (for SIGHUP or the next start).
  void rewrite_config(RdnsdOptions options);
  // Sends a signal to the daemon's PID, and waits for it to exit.
  void send_signal(int sig) { process_.signal(sig); }
  std::optional<int> wait_exit(Millis timeout) { return process_.wait_for(timeout); }

  // dig @127.0.0.1 -p PORT +tries=1 +time=2 ARGS... (@::1 when v6).
  DigResult dig(const std::vector<std::string>& args, bool v6 = false) const;
  // RDNSCTL_BIN --socket SOCKET ARGS...
  RunResult rdnsctl(const std::vector<std::string>& args) const;
  // The serial in the SOA at `apex` ("2.0.192.in-addr.arpa."), read with dig. Throws if
  // there is no SOA answer.
  uint32_t serial(const std::string& apex) const;
  // One line to the admin socket, one line back (without the newline).
  std::string admin_raw(const std::string& line) const;
  // admin_raw, parsed. Throws when the answer is not JSON.
  nlohmann::json admin(const std::string& line) const;
  // The daemon's output so far.
  std::string stderr_text() const { return read_file(dir_ + "/stderr.log"); }
  std::string stdout_text() const { return read_file(dir_ + "/stdout.log"); }
  std::string logs() const;
  // Waits (at most 10 s) until the daemon answers a SOA query and its admin socket
  // accepts; throws with its logs when it exits or does not.
  void wait_ready();

 private:
  std::string render_config(const RdnsdOptions& o) const;
  std::vector<std::string> command() const;

  RdnsdOptions options_;
  std::string dir_;
  uint16_t port_ = 0;
  Process process_;
};

// A loopback port that is free for UDP and TCP on 127.0.0.1 and ::1 right now.
uint16_t free_port();

// The Unix-socket exchange, for a socket path not owned by a fixture.
std::string unix_request(const std::string& path, const std::string& line, Millis timeout);

}  // namespace rdnsd::e2e
