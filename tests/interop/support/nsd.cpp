// nsd 4.6 as a secondary of rdnsd.
#include <sstream>

#include "tests/interop/support/secondary.h"

namespace rdnsd::interop {

Nsd::Nsd() : Secondary("nsd") {}

std::string Nsd::config_text() const {
  const std::string primary = "127.0.0.1@" + std::to_string(options_.primary_port);
  const std::string key = options_.key ? options_.key->name : "NOKEY";
  std::ostringstream c;
  c << "server:\n"
    << "  ip-address: 127.0.0.1\n  port: " << port_ << "\n  do-ip6: no\n"
    << "  server-count: 1\n  username: \"\"\n  chroot: \"\"\n  database: \"\"\n"
    << "  zonesdir: " << dir_ << "\n  xfrdir: " << dir_ << "\n"
    << "  pidfile: " << dir_ << "/nsd.pid\n  xfrdfile: " << dir_ << "/xfrd.state\n"
    << "  zonelistfile: " << dir_ << "/zone.list\n  logfile: " << log_file() << "\n"
    << "  verbosity: 2\n  rrl-ratelimit: 0\n"
    << "remote-control:\n  control-enable: no\n";
  if (options_.key)
    c << "key:\n  name: " << options_.key->name << "\n  algorithm: " << options_.key->algorithm
      << "\n  secret: \"" << options_.key->secret << "\"\n";
  for (const auto& z : options_.zones)
    c << "zone:\n  name: " << z << "\n"
      << "  request-xfr: " << primary << " " << key << "\n"
      << "  allow-notify: 127.0.0.1 " << key << "\n"
      << "  provide-xfr: 127.0.0.1 NOKEY\n"
      // The zone's own SOA timers (short in these tests) rule, not nsd's floors.
      << "  min-refresh-time: 1\n  min-retry-time: 1\n  max-retry-time: 2\n";
  return c.str();
}

std::vector<std::string> Nsd::command() const {
  return {"nsd", "-d", "-c", dir_ + "/nsd.conf"};
}

TransferKinds Nsd::transfers() const {
  // nsd prints "received update to serial N ... from 127.0.0.1@P TSIG verified with key
  // K" for IXFR and AXFR alike: count them, the kind stays unknown.
  TransferKinds k;
  std::istringstream in(e2e::read_file(log_file()));
  for (std::string line; std::getline(in, line);) {
    if (line.find("xfrd: zone") == std::string::npos ||
        line.find("committed \"received update") == std::string::npos)
      continue;
    k.lines.push_back(line);
  }
  return k;
}

}  // namespace rdnsd::interop
