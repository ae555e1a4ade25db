// rdnsctl status and reload, for people.
#include <cstdio>
#include <ostream>
#include <string>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {
namespace {

std::string text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? "-" : text(*it);
}

// "3d 4h 5m 6s", down to the largest unit that is not zero.
std::string duration(uint64_t s) {
  std::string out;
  const std::pair<uint64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}};
  for (const auto& [size, name] : units)
    if (s >= size || !out.empty()) {
      out += std::to_string(s / size) + name + " ";
      s %= size;
    }
  return out + std::to_string(s) + "s";
}

// "12.3 MiB"
std::string bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

void print_zone_lines(const Json& zones, std::ostream& out) {
  out << "zones: " << zones.size() << "\n";
  for (const Json& z : zones) {
    out << "  " << field(z, "zone") << "  " << field(z, "prefix") << "  serial "
        << field(z, "serial") << "  " << field(z, "records") << " records";
    if (z.value("served", true) == false) out << "  (not served)";
    if (z.contains("status")) out << "  " << field(z, "status");
    out << "\n";
    for (const Json& s : z.value("secondaries", Json::array())) {
      out << "    secondary " << field(s, "address") << "  serial " << field(s, "serial");
      if (s.contains("error")) out << "  error: " << field(s, "error");
      out << "\n";
    }
  }
}

}  // namespace

void print_status(const Json& a, std::ostream& out) {
  if (a.contains("version")) {
    out << "version: " << field(a, "version") << "\n";
    out << "started: " << field(a, "started") << " (up " << duration(a.value("uptime", uint64_t(0)))
        << ")\n";
    out << "config: " << field(a, "config") << "\n";
    out << "workers: " << field(a, "workers") << "\n";
    std::string listen;
    for (const Json& l : a.value("listeners", Json::array())) listen += " " + text(l);
    out << "listeners:" << (listen.empty() ? " -" : listen) << " (udp+tcp)\n";
    out << "admin socket: " << field(a, "admin_socket") << "\n";
  }
  const Json s = a.value("store", Json::object());
  char use[32];
  std::snprintf(use, sizeof use, "%.2f%%", s.value("map_use_percent", 0.0));
  out << "store: " << field(s, "path") << "  " << bytes(s.value("size", uint64_t(0)))
      << " on disk, map " << bytes(s.value("map_used", uint64_t(0))) << " of "
      << bytes(s.value("map_size", uint64_t(0))) << " used (" << use << "), " << field(s, "records")
      << " records\n";
  print_zone_lines(a.value("zones", Json::array()), out);
}

void print_reload(const Json& a, std::ostream& out) {
  out << "reloaded\n";
  for (const Json& c : a.value("changes", Json::array())) out << "  " << text(c) << "\n";
}

}  // namespace rdnsd::admin::cli
