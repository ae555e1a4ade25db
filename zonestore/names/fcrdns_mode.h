#pragma once
// The forward-confirmation (FCrDNS) mode of a zone: whether a record's PTR target must
// resolve back to the record's address (A for IPv4, AAAA for IPv6) before it is stored.
// Stored with the zone (flags bits 2-3, store.h); the checks themselves are admin/fcrdns.h.
#include <cstdint>
#include <optional>
#include <string_view>

namespace rdnsd::fcrdns {

// off: nothing is resolved. warn: the record is stored and the answer says when it is
// not confirmed. require: a record that is not confirmed is refused (fcrdns_failed).
enum class Mode : uint8_t { Off = 0, Warn = 1, Require = 2 };

// "off", "warn", "require" (exact, lower case); nullopt otherwise.
inline std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "off") return Mode::Off;
  if (text == "warn") return Mode::Warn;
  if (text == "require") return Mode::Require;
  return std::nullopt;
}

inline const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Warn:
      return "warn";
    case Mode::Require:
      return "require";
    default:
      return "off";
  }
}

}  // namespace rdnsd::fcrdns
