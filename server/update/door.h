#pragma once
// The UPDATE door (RFC 2136, docs/UPDATE.md): what a DNS listener does with an UPDATE
// message, UDP or TCP alike. In RFC 8945 and RFC 2136 order:
//
//   request                                       answer
//   a TSIG that does not verify                   NOTAUTH with BADKEY/BADSIG (unsigned) or
//                                                 BADTIME/BADTRUNC (signed); malformed: FORMERR
//   refused by the parser (server/update/plan.h)  its RCODE (FORMERR, NOTAUTH, NOTZONE, REFUSED)
//   zone not served here (or not its apex)        NOTAUTH
//   no allow-update rule lets the peer/key in     REFUSED
//   otherwise                                     the plan goes to the writer, whose Outcome
//                                                 is the answer (after the durable commit)
//
// Every refusal is logged with the peer and the reason. An answer to a signed request
// is signed with the request's MAC (Kea's D2 drops unsigned ones); one that cannot be
// signed is not sent.
//
// The door never writes: the writer is a function the rdnsd main wires to the admin
// side's commit scheduler (server/ never includes admin/). Thread-safe: every worker's
// UDP and TCP threads call handle(); set_policy() may come from any thread (SIGHUP).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "logging/log.h"
#include "server/tsig/tsig.h"
#include "server/update/plan.h"
#include "zonestore/names/names.h"
#include "zonestore/store.h"

namespace rdnsd::update {

// One allow-update entry: the peer must be inside `from` (if given) and the request
// signed with `key` (if given).
struct Rule {
  std::optional<names::Prefix> from;
  std::string key;  // absolute, lower case ("ddns-key."); empty: signed or not
};

struct Policy {
  // By zone apex (absolute text, lower case); zones not listed use `defaults`.
  std::unordered_map<std::string, std::vector<Rule>> zones;
  std::vector<Rule> defaults;
  const std::vector<Rule>& rules_for(const std::string& apex) const;
};

// Whether `rules` let `address`, with a request signed by `key` (empty: unsigned), in.
bool allowed(const std::vector<Rule>& rules, const names::IpAddress& address,
             const std::string& key);

// What the writer decided: the answer's RCODE, and why (for the log) when it is not
// NOERROR.
struct Outcome {
  Rcode rcode = Rcode::ServFail;
  std::string reason;
};
// Takes the writer's outcome, once, on the writer's thread.
using Reply = std::function<void(Outcome)>;
// Checks the plan's prerequisites and applies its updates in one transaction (or not at
// all), then calls the Reply once it is durable (or failed). Called on a listener's
// thread: it must hand the plan to the writer's thread.
using Writer = std::function<void(Plan, Reply)>;
// Sends one answer (a whole DNS message) to the peer that asked; called at most once per
// request, on the listener's thread (an answer given at once) or on the writer's.
using Send = std::function<void(const uint8_t* msg, size_t len)>;

class Door : public std::enable_shared_from_this<Door> {
 public:
  using Log = logging::Sink;  // (level, message, fields)
  // `store` (for the served zones) must outlive the door; `writer` null: every UPDATE
  // that passes the checks is answered SERVFAIL.
  Door(const zonestore::Store& store, Policy policy, std::shared_ptr<const tsig::Keyring> keys,
       Writer writer, Log log);

  // Handles one UPDATE message (update::is_update) of `len` octets from `peer`. `send`
  // gets its answer: before handle() returns for a refusal, later for a plan the writer
  // answers. The message is copied; the caller's buffer may be reused at once.
  void handle(const uint8_t* msg, size_t len, const names::IpAddress& peer, Send send);

  void set_policy(Policy policy);
  // Seconds since the epoch for TSIG; empty: the system clock. Set before use (tests).
  std::function<uint64_t()> clock;

 private:
  struct Request;
  void answer(Request& request, Outcome outcome) const;
  uint64_t now() const;

  const zonestore::Store& store_;
  std::shared_ptr<const tsig::Keyring> keys_;
  Writer writer_;
  Log log_;
  mutable std::mutex policy_mutex_;
  std::shared_ptr<const Policy> policy_;
};

}  // namespace rdnsd::update
