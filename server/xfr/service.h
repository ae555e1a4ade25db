#pragma once
// The transfer side of the primary: decides what to answer an AXFR or IXFR request
// received over TCP (RFC 5936, RFC 1995) and makes the Transfer that answers it.
//
//   request                                   answer
//   malformed, no question, bogus IXFR SOA    FORMERR
//   a TSIG that does not verify               NOTAUTH with BADKEY/BADSIG (unsigned) or
//                                             BADTIME/BADTRUNC (signed), RFC 8945 5.2
//   zone not served here (or not its apex)    NOTAUTH (as knotd)
//   peer or key not allowed for the zone      REFUSED, logged with the peer address
//   over the limit of transfers at once       SERVFAIL (the secondary retries)
//   AXFR                                      the zone, from one snapshot
//   IXFR, client current (or ahead)           the zone's SOA alone (RFC 1995 section 2)
//   IXFR, the journal reaches its serial      the condensed difference
//   IXFR, anything else                       the zone, AXFR-style: never NOTIMP or an
//                                             error (nsd stops asking for IXFR for 48 h)
//
// The catalog zone (server/dns/catalog.h, set_catalog) is not in the store's `zones`
// table; it is answered from a snapshot of the catalog serial and the served zones, with
// the same checks. It keeps no journal: an IXFR from an older serial gets it AXFR-style
// (it holds one PTR per served zone, so that is small).
//
// Who may transfer: a zone's rules (its secondaries with their key, and its
// allow-transfer entries), else the defaults. A rule matches when its `from` (if any)
// holds the peer address and its key (if any) signed the request. No rule: nobody.
//
// A request signed with a good key is answered with every message signed (RFC 8945
// 5.3.1) and may match a rule that names that key.
//
// Thread-safe: every worker's TCP thread calls start(); set_policy() may come from any
// thread (SIGHUP).
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "logging/log.h"
#include "server/dns/catalog.h"
#include "server/tsig/tsig.h"
#include "server/xfr/transfer.h"
#include "zonestore/names/names.h"
#include "zonestore/store.h"

namespace rdnsd::xfr {

struct AclRule {
  std::optional<names::Prefix> from;  // none: any address
  std::string key;                    // the key's name (absolute, lower case); empty: any
};

struct TransferPolicy {
  // By zone apex (absolute text, lower case); zones not listed use `defaults`.
  std::unordered_map<std::string, std::vector<AclRule>> zones;
  std::vector<AclRule> defaults;
  const std::vector<AclRule>& rules_for(const std::string& apex) const;
};

// Whether `rules` let `address`, with a request signed by `key` (empty: unsigned), in.
bool allowed(const std::vector<AclRule>& rules, const names::IpAddress& address,
             const std::string& key);

struct TransferLimits {
  unsigned max_transfers = 64;  // at once, over all workers (each holds a reader slot)
};

class Service {
 public:
  using Log = logging::Sink;  // (level, message, fields)
  Service(const zonestore::Store& store, TransferPolicy policy, TransferLimits limits, Log log,
          std::shared_ptr<const tsig::Keyring> keys = nullptr);

  // Whether `msg` asks for a zone transfer (QUERY, one question of type AXFR or IXFR):
  // then start() answers it instead of the answer core. Never reads past `len`.
  static bool is_transfer(const uint8_t* msg, size_t len) noexcept;

  // The answer to the transfer request `msg` from `peer`. Never null.
  std::unique_ptr<Transfer> start(const uint8_t* msg, size_t len, const names::IpAddress& peer);

  // The connection that sent `t` has sent all of it (or closed early: `complete` false):
  // logs it and tells the on_done hook.
  void finished(const Transfer& t, bool complete);
  // Told of every transfer of a zone sent whole (the replication status shows what
  // each secondary pulled last). Set before the workers start.
  std::function<void(const Transfer&)> on_done;

  void set_policy(TransferPolicy policy);
  // The catalog zone to answer transfers of (disabled: none). Any thread.
  void set_catalog(dns::CatalogZone catalog);
  void set_keys(std::shared_ptr<const tsig::Keyring> keys);
  unsigned active() const { return active_.load(); }

 private:
  std::shared_ptr<const TransferPolicy> policy() const;
  std::unique_ptr<Transfer> start_catalog(const dns::CatalogZone& catalog, RequestEcho echo,
                                          bool ixfr, uint32_t client_serial,
                                          const names::IpAddress& peer, const std::string& key_name,
                                          std::unique_ptr<MessageSigner> signer);

  const zonestore::Store& store_;
  TransferLimits limits_;
  Log log_;
  mutable std::mutex policy_mutex_;
  std::shared_ptr<const TransferPolicy> policy_;
  std::shared_ptr<const tsig::Keyring> keys_;        // guarded by policy_mutex_ too
  std::shared_ptr<const dns::CatalogZone> catalog_;  // guarded by policy_mutex_ too
  std::atomic<unsigned> active_{0};
};

}  // namespace rdnsd::xfr
