#include "zonestore/names/serial.h"

namespace rdnsd::serial {

std::optional<Policy> parse_policy(std::string_view text) {
  if (text == "increment") return Policy::Increment;
  if (text == "unixtime") return Policy::UnixTime;
  if (text == "dateserial") return Policy::DateSerial;
  return std::nullopt;
}

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::Increment:
      return "increment";
    case Policy::UnixTime:
      return "unixtime";
    case Policy::DateSerial:
      return "dateserial";
  }
  return "increment";
}

namespace {

uint32_t date_serial(std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  return uint32_t(tm.tm_year + 1900) * 1000000u + uint32_t(tm.tm_mon + 1) * 10000u +
         uint32_t(tm.tm_mday) * 100u;
}

}  // namespace

uint32_t next(uint32_t s, Policy policy, std::time_t now) {
  uint32_t candidate = add(s, 1);
  if (policy == Policy::UnixTime) candidate = uint32_t(now);
  if (policy == Policy::DateSerial) candidate = date_serial(now);
  // Only move forward (RFC 1982); otherwise fall back to a plain increment.
  return less(s, candidate) ? candidate : add(s, 1);
}

uint32_t initial(Policy policy, std::time_t now) {
  switch (policy) {
    case Policy::UnixTime:
      return uint32_t(now);
    case Policy::DateSerial:
      return date_serial(now);
    case Policy::Increment:
      break;
  }
  return 1;
}

}  // namespace rdnsd::serial
