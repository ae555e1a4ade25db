#pragma once
// One rdnsd with three TSIG-keyed secondaries of both test zones: knotd, nsd and named.
#include <memory>
#include <string>
#include <vector>

#include "tests/interop/support/interop.h"

namespace rdnsd::interop {

struct ThreeSecondaries {
  Knotd knotd;
  Nsd nsd;
  Named named;
  Replication replication;
  std::unique_ptr<Rdnsd> rdnsd;

  // Starts rdnsd (SOA refresh `refresh` seconds), then the three secondaries, all with
  // `key` (none: no TSIG anywhere, transfers allowed by address).
  explicit ThreeSecondaries(uint32_t refresh = 2, std::optional<TsigKey> key = test_key());
  std::vector<Secondary*> all() { return {&knotd, &nsd, &named}; }
  // True when `s` serves both zones with rdnsd's serials.
  bool in_sync(const Secondary& s) const;
  // Waits up to `timeout` for each secondary in turn; the names of those not in sync.
  std::vector<std::string> wait_in_sync(Millis timeout);
  std::string logs() const { return all_logs(*rdnsd, {&knotd, &nsd, &named}); }
};

}  // namespace rdnsd::interop
