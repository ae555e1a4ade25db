#pragma once
// The service manager's side of rdnsd (sd_notify(3), sd_watchdog_enabled(3)): readiness,
// reloading and stopping, a status line, and the watchdog. Every call does nothing when
// NOTIFY_SOCKET is not set (rdnsd not started by systemd), so the main calls them
// unconditionally. Thread-safe (each call is one datagram).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace rdnsd::server::systemd {

// READY=1 with the STATUS= line: every listener is bound and the store is open.
void ready(const std::string& status);
// RELOADING=1 (with MONOTONIC_USEC, as systemd 253 asks) before a SIGHUP's re-read;
// ready() again after it, whatever its outcome.
void reloading();
// STOPPING=1 once a stop signal came.
void stopping(const std::string& status);
// STATUS=... alone.
void status(const std::string& text);

// How often to send watchdog(): half of WATCHDOG_USEC when the service manager asked
// for pings (and WATCHDOG_PID, if set, is this process); std::nullopt otherwise.
std::optional<std::chrono::milliseconds> watchdog_interval();
// WATCHDOG=1.
void watchdog();

// "serving Z zones, R records" for STATUS= lines.
std::string zones_status(size_t zones, uint64_t records);

}  // namespace rdnsd::server::systemd
