#pragma once
// knotd as the primary in rdnsd's place, for the fixtures' own test: what knotd, nsd and
// named do with a primary known to work (NOTIFY, IXFR from its journal, TSIG). When an
// rdnsd test fails and this one passes, the difference is rdnsd's.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/e2e/support/process.h"
#include "tests/interop/support/secondary.h"

namespace rdnsd::interop {

class KnotPrimary {
 public:
  // Serves `zone` (a /24 of in-addr.arpa) with serial 1 and `owner -> target` PTRs,
  // refresh 3600, NOTIFY to each of `secondaries` at 127.0.0.1, transfers for `key`.
  // Returns once it answers; throws with its log when it does not.
  KnotPrimary(const std::string& zone, std::vector<uint16_t> secondaries, const TsigKey& key);
  ~KnotPrimary();  // stops it by PID and removes the folder
  KnotPrimary(const KnotPrimary&) = delete;
  KnotPrimary& operator=(const KnotPrimary&) = delete;

  uint16_t port() const { return port_; }
  // One knotc transaction: the PTR of `owner` (relative to the zone) becomes `target`;
  // the serial goes up by one and the secondaries are notified.
  void set(const std::string& owner, const std::string& target);
  uint32_t serial() const;
  std::string logs() const;

 private:
  std::string knotc(const std::vector<std::string>& args) const;

  std::string zone_, dir_;
  uint16_t port_ = 0;
  e2e::Process process_;
};

}  // namespace rdnsd::interop
