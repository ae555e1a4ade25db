#pragma once
// What the interop tests share besides the secondaries: rdnsd's config for replication,
// its zones, transfers asked by hand (kdig, and raw TSIG-signed requests), and the logs
// of everyone involved for failure messages.
#include <doctest/doctest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/support/e2e.h"
#include "tests/interop/support/secondary.h"

namespace rdnsd::interop {

using e2e::Rdnsd;

// The zones of these tests: 192.0.2.0/24 and 2001:db8::/32, each with two seed records
// and short SOA timers (refresh 2 s, retry 1 s, expire 600 s) so that a secondary without
// NOTIFY still polls within seconds.
extern const char* const kV4;  // "2.0.192.in-addr.arpa."
extern const char* const kV6;  // "8.b.d.0.1.0.0.2.ip6.arpa."

struct Replication {
  // Ports of the secondaries at 127.0.0.1 (each gets NOTIFY and may transfer).
  std::vector<uint16_t> secondaries;
  // The key of every secondary entry, and the one tsig-keys entry; none: no TSIG.
  std::optional<TsigKey> key = test_key();
  // `allow-transfer` entries, as YAML flow maps ("{ from: \"127.0.0.3\" }").
  std::vector<std::string> allow_transfer;
  uint32_t refresh = 2;  // SOA refresh of both zones, seconds
  // zone-defaults' status-timeout in seconds; 0: rdnsd's default.
  uint32_t status_timeout = 0;
  // More items of `zones:` after the two above (YAML, indented by two spaces).
  std::string more_zones;
  // A catalog zone for rdnsd to serve ("catalog.rdnsd."; empty: none), replicated to the
  // secondaries above. zone-defaults then have NS and SOA names too (zone-add needs
  // them), with this refresh.
  std::string catalog;
};

// rdnsd's options for `r`: the zones above, then tsig-keys and zone-defaults.
e2e::RdnsdOptions rdnsd_options(const Replication& r);
// The options of a secondary of both zones at rdnsd's port, with the key of `r`.
SecondaryOptions secondary_options(const Rdnsd& d, const Replication& r);

// `rdnsctl export ZONE`, as PTR records.
PtrSet exported_ptrs(const Rdnsd& d, const std::string& zone);

// rdnsd's log and each secondary's, one after the other.
std::string all_logs(const Rdnsd& d, std::initializer_list<const Secondary*> secondaries);

// kdig +tcp AXFR ZONE from rdnsd, signed with `key` when there is one, from `source`
// (a loopback address; kdig -b).
e2e::RunResult kdig_axfr(const Rdnsd& d, const std::string& zone, const std::optional<TsigKey>& key,
                         const std::string& source = "");

// The first reply to a TSIG-signed request sent by hand over TCP (or UDP), for the header
// and TSIG fields that kdig and dig do not print for transfers.
struct SignedReply {
  bool answered = false;
  int rcode = -1;         // header RCODE
  bool has_tsig = false;  // a TSIG RR is in the additional section
  int tsig_error = -1;    // its error field (16 BADSIG, 17 BADKEY, 18 BADTIME)
  std::string text;       // the reply as ldns prints it, for failure messages
};
SignedReply signed_request(uint16_t port, const std::string& zone, uint16_t qtype,
                           const TsigKey& key, bool tcp);

}  // namespace rdnsd::interop
