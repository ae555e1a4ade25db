#include "tests/interop/support/three.h"

#include <chrono>

namespace rdnsd::interop {

ThreeSecondaries::ThreeSecondaries(uint32_t refresh, std::optional<TsigKey> key) {
  replication.secondaries = {knotd.port(), nsd.port(), named.port()};
  replication.refresh = refresh;
  replication.key = std::move(key);
  rdnsd = std::make_unique<Rdnsd>(rdnsd_options(replication));
  for (Secondary* s : all()) s->start(secondary_options(*rdnsd, replication));
}

bool ThreeSecondaries::in_sync(const Secondary& s) const {
  for (const char* zone : {kV4, kV6})
    if (s.serial(zone) != rdnsd->serial(zone)) return false;
  return true;
}

std::vector<std::string> ThreeSecondaries::wait_in_sync(Millis timeout) {
  // One deadline for all: they transfer at the same time, so waiting for each in turn
  // does not add up.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> behind;
  for (Secondary* s : all()) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (!wait_until([&] { return in_sync(*s); }, std::max(left, Millis(0))))
      behind.push_back(s->name());
  }
  return behind;
}

}  // namespace rdnsd::interop
