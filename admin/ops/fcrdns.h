#pragma once
// Forward confirmation of PTR targets (FCrDNS, "forward-confirmed reverse DNS"): the
// host name a PTR record points to must have an A (IPv4) or AAAA (IPv6) record holding
// the record's address again.
//
// Two parts: a Resolver that fetches the A and AAAA records of host names (the stub
// below asks the configured resolvers; tests use a fake), and judge(), a pure function
// that decides from those records whether one address is confirmed and says why.
//
// Blocking: resolve() waits for the network. Its only caller is the admin handler's
// thread, the store's single writer, so every wait is bounded by the timeout, and a
// resolver that does not answer at all stops the whole run after one timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "zonestore/names/fcrdns_mode.h"
#include "zonestore/names/names.h"

namespace rdnsd::fcrdns {

// What one resolver said about one (name, type) question.
struct Answer {
  enum class Status {
    Ok,      // NOERROR; `addresses` may be empty (no data, RFC 2308 NODATA)
    NoName,  // NXDOMAIN: the name does not exist
    Failed,  // no usable answer from any resolver; `error` says why, naming them
  };
  Status status = Status::Failed;
  std::vector<names::IpAddress> addresses;  // in the order the answer listed them
  std::string error;
};

// The A and AAAA records of one host name.
struct Forward {
  Answer a, aaaa;
};

// Fetches the forward records of host names.
class Resolver {
 public:
  virtual ~Resolver() = default;
  // One Forward per name (absolute text, "mail.example.com."), in the same order.
  // DNS failures are reported in the Answers, never thrown.
  virtual std::vector<Forward> resolve(const std::vector<std::string>& names) = 0;
};

// A resolver's address, as the config gives it ("127.0.0.1:53", "[::1]:53").
struct Server {
  std::string host;  // the address without brackets
  uint16_t port = 53;
  std::string text;  // for messages
};

struct StubOptions {
  std::vector<Server> servers;              // asked in order; at least one
  std::chrono::milliseconds timeout{2000};  // wait for one server's answer to one query
  size_t window = 32;                       // queries in flight at once
};

// A stub resolver (RFC 1035 section 7, built with ldns): A and AAAA queries with RD set
// over UDP, over TCP when the answer is truncated (RFC 7766), the next server when one
// does not answer in time or answers with another rcode than NOERROR/NXDOMAIN. Answers
// are matched by id, question and the server's address (a connected socket per query).
// CNAMEs in the answer section are followed; a chain that leaves the answer counts as
// no data (a recursive resolver answers the whole chain).
class StubResolver final : public Resolver {
 public:
  explicit StubResolver(StubOptions options);
  std::vector<Forward> resolve(const std::vector<std::string>& names) override;
  const StubOptions& options() const { return options_; }

 private:
  StubOptions options_;
  std::mt19937 rng_;  // query ids
};

// The outcome of checking one record.
enum class State {
  Confirmed,     // the target has the address among its A (IPv4) or AAAA (IPv6) records
  Unconfirmed,   // the target resolves, but not to the address
  Unresolvable,  // the target does not resolve (NXDOMAIN, no A/AAAA), or no resolver answered
};
const char* state_name(State s);  // "confirmed", "unconfirmed", "unresolvable"

struct Verdict {
  State state = State::Unresolvable;
  std::string reason;  // one sentence about the target, naming what it resolves to
};

// Whether `address` is confirmed by `target`'s records `f`. Pure.
Verdict judge(const names::IpAddress& address, const std::string& target, const Forward& f);

// Canonical text of addresses, comma-separated ("192.0.2.25, 2001:db8::25").
std::string join_addresses(const std::vector<names::IpAddress>& addresses);

}  // namespace rdnsd::fcrdns
