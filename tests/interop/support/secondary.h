#pragma once
// Real secondaries of rdnsd for the interop tests: knotd, nsd and named, each with its own
// config, state and logs in a temporary folder, listening on its own free loopback port,
// in the foreground (never daemonized), started and stopped by its own PID.
//
// A secondary is made first (it picks its port), so that rdnsd's config can name it, and
// started once rdnsd runs (it needs rdnsd's port):
//
//   Knotd k;
//   Rdnsd d(options_naming(k.port()));
//   k.start({{"2.0.192.in-addr.arpa."}, d.port(), test_key()});
//   k.wait_for([&] { return k.serial(apex) == d.serial(apex); }, Millis(5000));
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/support/dig.h"
#include "tests/e2e/support/process.h"

namespace rdnsd::interop {

using e2e::Millis;

// A TSIG key as the three servers and rdnsd's config spell it (RFC 8945).
struct TsigKey {
  std::string name;       // "xfr-key" (no trailing dot: every server accepts that form)
  std::string algorithm;  // "hmac-sha256"
  std::string secret;     // base64
};
// The key the interop tests share; rdnsd and the secondaries are configured with it.
TsigKey test_key();
// The same name and algorithm with another secret: its MACs never verify.
TsigKey wrong_secret_key();

struct SecondaryOptions {
  std::vector<std::string> zones;  // apexes, absolute ("2.0.192.in-addr.arpa.")
  uint16_t primary_port = 0;       // rdnsd at 127.0.0.1
  // Signs SOA queries and transfers to rdnsd, and is required on NOTIFY from it.
  std::optional<TsigKey> key;
  // A catalog zone (RFC 9432) to consume from rdnsd, e.g. "catalog.rdnsd."; its members
  // are served with rdnsd as their primary (and the key), and come and go with the
  // catalog: nothing in the secondary's config names them. knotd and named only.
  std::string catalog;
};

// What the log says about incoming transfers (complete ones). `known` is false for a
// server that does not log the kind (nsd 4.6 prints the same line for both).
struct TransferKinds {
  bool known = false;
  int ixfr = 0;                    // incremental answers
  int axfr = 0;                    // full zones, asked as AXFR or answered AXFR-style to an IXFR
  std::vector<std::string> lines;  // the log lines counted, as printed
};

// One PTR record: owner and target, both absolute and lower case.
using PtrSet = std::set<std::pair<std::string, std::string>>;
// The PTR records in master-file or dig text (one record a line; others are skipped).
PtrSet parse_ptrs(const std::string& text);
// What `got` lacks and what it has too many of, against `want`, one record a line; "" when
// they are equal (doctest cannot print a set itself).
std::string ptr_diff(const PtrSet& got, const PtrSet& want);

// Polls `done` every `step` until it is true or `timeout` has passed; true when it was.
bool wait_until(const std::function<bool()>& done, Millis timeout, Millis step = Millis(50));

class Secondary {
 public:
  virtual ~Secondary();  // stops the server (SIGTERM, then SIGKILL) and removes the folder
  Secondary(const Secondary&) = delete;
  Secondary& operator=(const Secondary&) = delete;

  const std::string& name() const { return name_; }  // "knotd", "nsd", "named"
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return process_.pid(); }
  bool alive() { return process_.running(); }

  // Writes the config for `options` and starts the server; returns once it answers on
  // UDP. Throws std::runtime_error with its logs when it exits or does not answer in 10 s.
  void start(SecondaryOptions options);
  // Starts again with the last options and the folder as it is (state kept).
  void start();
  // SIGTERM, up to 5 s, then SIGKILL. Returns the wait status.
  int stop();

  // dig @127.0.0.1 -p PORT +tries=1 +time=1 ARGS...
  e2e::DigResult dig(const std::vector<std::string>& args) const;
  // The zone's SOA serial as this server answers it (over UDP, or TCP: knotd 3.2 answers
  // a catalog it interprets over TCP only, REFUSED over UDP); nullopt while it has no
  // zone (it answers SERVFAIL or not at all).
  std::optional<uint32_t> serial(const std::string& zone, bool tcp = false) const;
  // The PTR target of `address` ("192.0.2.1"), or the status ("NXDOMAIN", "SERVFAIL").
  std::string ptr(const std::string& address) const;
  // The zone's PTR records by AXFR from this server (each server lets 127.0.0.1 transfer
  // without a key). nullopt when the transfer fails.
  std::optional<PtrSet> ptrs(const std::string& zone) const;
  // Bounded polling of any condition (see wait_until).
  bool wait_for(const std::function<bool()>& done, Millis timeout) const;

  // What its log says about incoming transfers so far.
  virtual TransferKinds transfers() const = 0;
  // Everything it has printed, headed by its name and folder: for failure messages.
  std::string logs() const;

 protected:
  explicit Secondary(std::string name);
  virtual std::string config_text() const = 0;
  virtual std::vector<std::string> command() const = 0;
  // Its own log file, when it writes one besides stdout/stderr; "" when not.
  virtual std::string log_file() const { return ""; }
  std::string stderr_text() const;

  SecondaryOptions options_;
  std::string dir_;
  uint16_t port_ = 0;

 private:
  void wait_ready();

  std::string name_;
  e2e::Process process_;
};

// knotd 3.2: `master:` remote with the key, an `acl:` for NOTIFY (keyed when there is a
// key) and for transfers to 127.0.0.1, zone kept in its journal only (zonefile-sync -1,
// zonefile-load none, journal-content all), one thread of each kind. A catalog is a zone
// with `catalog-role: interpret` whose members get the template `catalog-member` (the
// same master, ACLs and storage).
class Knotd final : public Secondary {
 public:
  Knotd();
  TransferKinds transfers() const override;

 protected:
  std::string config_text() const override;
  std::vector<std::string> command() const override;
};

// nsd 4.6: `request-xfr` and `allow-notify` with the key, `provide-xfr` to 127.0.0.1, all
// of its files in the folder, no zone file (a restart transfers anew).
class Nsd final : public Secondary {
 public:
  Nsd();
  TransferKinds transfers() const override;

 protected:
  std::string config_text() const override;
  std::vector<std::string> command() const override;
  std::string log_file() const override { return dir_ + "/nsd.log"; }
};

// named 9.18: `type secondary` with `primaries { 127.0.0.1 port P key K; }`, a zone file
// in the folder, run as `named -g` (foreground, logs to stderr) at debug level 3, the
// lowest that says whether a transfer was incremental. A catalog is a secondary zone
// named in `catalog-zones` with the same primary as `default-primaries` and its members
// in memory, checked for updates at most every second (min-update-interval 1).
class Named final : public Secondary {
 public:
  Named();
  TransferKinds transfers() const override;

 protected:
  std::string config_text() const override;
  std::vector<std::string> command() const override;

 private:
  std::string primary() const;  // "127.0.0.1 port P key \"K\";"
};

}  // namespace rdnsd::interop
