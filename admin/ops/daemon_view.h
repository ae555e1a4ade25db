#pragma once
// What only the rdnsd main knows, for the `status` and `reload` ops: the version, when
// it started, its workers and listeners, and the reload that SIGHUP also runs. The main
// implements it; without one, status shows the store and zones alone and reload is
// refused.
#include <ctime>
#include <string>
#include <vector>

namespace rdnsd::admin {

struct DaemonInfo {
  std::string version;
  std::time_t started = 0;  // seconds since the epoch
  unsigned workers = 0;
  std::vector<std::string> listeners;  // "127.0.0.1:53", as configured
  std::string config;                  // the config file read ("<built-in ...>" if none)
  std::string admin_socket;
};

// What a reload did: the config refused (`error`: FILE:LINE: reason; nothing of it was
// applied), or applied, with one line per change and per setting that needs a restart.
struct ReloadOutcome {
  bool ok = false;
  std::string error;
  std::vector<std::string> changes;
};

class DaemonView {
 public:
  virtual ~DaemonView() = default;
  virtual DaemonInfo info() const = 0;
  // Re-reads the config file and applies what a reload applies. Thread-safe (a SIGHUP
  // may run one at the same time; they take turns).
  virtual ReloadOutcome reload() = 0;
};

}  // namespace rdnsd::admin
