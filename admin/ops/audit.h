#pragma once
// The log line of every write, whichever door it came through (admin socket, DNS UPDATE,
// HTTP): one line at info with who (actor), what (op, address), the outcome (result:
// "ok", the error code, or the UPDATE's RCODE) and the zone serial(s) it made; zone-add
// and zone-remove at notice (a change of the served zones). Reads are not logged.
#include <optional>
#include <string>

#include "admin/ops/handler.h"
#include "logging/log.h"

namespace rdnsd::admin {

struct AuditEntry {
  logging::Level level = logging::Level::Info;
  std::string message;  // "set 192.0.2.2: ok"
  logging::Fields fields;
};

// The entry of `request` answered with `answer_line`; std::nullopt for a request that
// writes nothing (a read, a dry run, a line that did not parse).
std::optional<AuditEntry> audit_entry(const Prepared& request, const std::string& answer_line);

}  // namespace rdnsd::admin
