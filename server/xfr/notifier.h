#pragma once
// The primary's side of keeping secondaries current: NOTIFY (RFC 1996) to every
// secondary of a zone after each committed change and at start, and SOA queries that
// learn which serial each secondary serves, from which each record's and zone's
// replication status follows (pending until every secondary serves the serial of the
// change, then active; error when one stays behind past the zone's status timeout).
//
// NOTIFY is coalesced: at most one in flight per secondary and zone; a change while one
// is in flight sends one more after it is answered. An unanswered NOTIFY is sent again
// after 1, 2, 4 ... 60 s until it is answered. After a NOTIFY is answered (the
// secondary then transfers), and while a secondary is behind, its SOA is polled on a
// short timer (100 ms doubling to 2 s, then every 5 s), so that the status does not wait
// for the secondary's refresh timer. NOTIFY and SOA queries are TSIG-signed when the
// secondary has a key, and the answers to them are checked (Signer).
//
// Runs its own libuv loop on its own thread; changed() and status() are thread-safe.
#include <netinet/in.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "logging/log.h"

namespace rdnsd::xfr {

// Signs a request to a secondary and checks the answer's signature (TSIG, RFC 8945).
class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  virtual size_t reserve() const = 0;
  // Appends the signature to the request in `msg`; returns the new length, 0 on failure.
  virtual size_t sign(uint8_t* msg, size_t len, size_t cap) = 0;
  // Whether the answer to the request signed last is signed correctly.
  virtual bool verify(const uint8_t* msg, size_t len) = 0;
};
using SignerFactory = std::function<std::unique_ptr<RequestSigner>(const std::string& key)>;

struct SecondaryPeer {
  std::string text;  // as configured ("127.0.0.1:5300")
  sockaddr_storage address{};
  std::string key;  // TSIG key name; empty: unsigned
};

struct ZoneReplication {
  std::vector<SecondaryPeer> secondaries;
  std::chrono::seconds status_timeout{60};
};

struct ReplicationPolicy {
  std::map<std::string, ZoneReplication> zones;  // by apex (absolute, lower case)
  ZoneReplication defaults;                      // zones not listed (zone-add)
  const ZoneReplication& for_zone(const std::string& apex) const;
};

enum class Status { Active, Pending, Error };
const char* status_name(Status s);

// What one secondary was last seen to serve.
struct SecondaryState {
  std::string address;
  std::optional<uint32_t> serial;  // from its last SOA answer
  std::time_t answered = 0;        // when it last answered an SOA query (0: never)
  std::time_t notified = 0;        // when it last answered a NOTIFY
  std::time_t behind_since = 0;    // since when it is behind the zone's serial (0: not)
  std::string error;               // the last failure (timeout, bad signature, rcode)
  std::string transfer;            // what it pulled last ("IXFR", "AXFR", ...); empty: none
  uint32_t transfer_serial = 0;
  std::time_t transferred = 0;
};

class Notifier {
 public:
  using Log = logging::Sink;  // (level, message, fields)
  using Clock = std::function<std::time_t()>;
  Notifier(ReplicationPolicy policy, SignerFactory signers, Log log);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Opens the UDP sockets and starts the thread; `zones` are the served zones and
  // their serials, each notified at once. Throws std::runtime_error if no socket opens.
  void start(const std::vector<std::pair<std::string, uint32_t>>& zones);
  void stop();

  // A commit made `apex` serve `serial`: NOTIFY its secondaries. Any thread.
  void changed(const std::string& apex, uint32_t serial);
  // The zone is no longer served: forget it.
  void removed(const std::string& apex);
  void set_policy(ReplicationPolicy policy);
  void set_signers(SignerFactory signers);  // the keys changed (SIGHUP)
  // A transfer of `apex` at `serial` of kind `kind` was sent whole to `peer` (each
  // secondary at that address records it).
  void transferred(const std::string& apex, const sockaddr* peer, const std::string& kind,
                   uint32_t serial);
  // The status of the zone itself: its current serial against every secondary's.
  Status zone_status(const std::string& apex, std::time_t now) const;

  // The status of a change that made `apex` serve `serial` at time `when`.
  Status status(const std::string& apex, uint32_t serial, std::time_t when, std::time_t now) const;
  // Each secondary of `apex` as last seen.
  std::vector<SecondaryState> secondaries(const std::string& apex) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdnsd::xfr
