// sd_notify through libsystemd: it knows the socket address forms (a path, an abstract
// name, vsock) and the credentials systemd checks.
#include "server/rdnsd/systemd.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>

namespace rdnsd::server::systemd {
namespace {

void send(const std::string& text) {
  sd_notify(0, text.c_str());
}

}  // namespace

void ready(const std::string& status) {
  send("READY=1\nSTATUS=" + status);
}

void reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec = uint64_t(now.tv_sec) * 1000000 + uint64_t(now.tv_nsec) / 1000;
  send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + std::to_string(usec));
}

void stopping(const std::string& status) {
  send("STOPPING=1\nSTATUS=" + status);
}

void status(const std::string& text) {
  send("STATUS=" + text);
}

std::optional<std::chrono::milliseconds> watchdog_interval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::milliseconds(std::max<uint64_t>(1, usec / 2000));
}

void watchdog() {
  send("WATCHDOG=1");
}

std::string zones_status(size_t zones, uint64_t records) {
  return "serving " + std::to_string(zones) + (zones == 1 ? " zone, " : " zones, ") +
         std::to_string(records) + (records == 1 ? " record" : " records");
}

}  // namespace rdnsd::server::systemd
