#pragma once
// What the admin side shows of replication: the status of a record's change and of a
// zone (pending until every secondary of the zone serves its serial, then active; error
// when one stays behind past the zone's status timeout; active at once without
// secondaries), and each secondary as last seen. The rdnsd main implements it over the
// notifier (server/xfr/notifier.h); without one, everything is active.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace rdnsd::admin {

struct SecondaryView {
  std::string address;
  std::optional<uint32_t> serial;  // the serial it answered last
  std::time_t answered = 0;        // when (0: never)
  std::time_t notified = 0;        // when it last answered a NOTIFY
  std::string transfer;            // what it pulled last (IXFR, AXFR...); empty: nothing yet
  uint32_t transfer_serial = 0;
  std::time_t transferred = 0;
  std::string error;  // the last failure talking to it
};

class ReplicationView {
 public:
  virtual ~ReplicationView() = default;
  // "active", "pending" or "error" for a change that made `zone` serve `serial` at
  // `when` (a record's last change).
  virtual std::string status(const std::string& zone, uint32_t serial, std::time_t when) const = 0;
  // The same for the zone's current serial.
  virtual std::string zone_status(const std::string& zone) const = 0;
  virtual std::vector<SecondaryView> secondaries(const std::string& zone) const = 0;
};

}  // namespace rdnsd::admin
