// named 9.18 as a secondary of rdnsd.
#include <sstream>

#include "tests/interop/support/secondary.h"

namespace rdnsd::interop {

Named::Named() : Secondary("named") {}

std::string Named::config_text() const {
  std::ostringstream c;
  // Everything named would write elsewhere by default (pid, session key, managed keys,
  // the rndc channel on port 953) goes to the folder or is switched off, so that it runs
  // as any user and beside other nameds. notify no: it would try to resolve the zone's
  // NS names to notify them.
  c << "options {\n"
    << "  directory \"" << dir_ << "\";\n"
    << "  pid-file \"" << dir_ << "/named.pid\";\n"
    << "  session-keyfile \"" << dir_ << "/session.key\";\n"
    << "  managed-keys-directory \"" << dir_ << "\";\n"
    << "  listen-on port " << port_ << " { 127.0.0.1; };\n"
    << "  listen-on-v6 { none; };\n"
    << "  recursion no;\n  dnssec-validation no;\n  notify no;\n"
    << "  allow-transfer { 127.0.0.1; };\n"
    << "  min-refresh-time 1;\n  min-retry-time 1;\n  max-retry-time 2;\n";
  // Members of the catalog: rdnsd is their primary, they live in memory only.
  if (!options_.catalog.empty())
    c << "  catalog-zones {\n    zone \"" << options_.catalog << "\" default-primaries { "
      << primary() << " } in-memory yes min-update-interval 1;\n  };\n";
  c << "};\n"
    << "controls { };\n";
  if (options_.key)
    c << "key \"" << options_.key->name << "\" {\n  algorithm " << options_.key->algorithm
      << ";\n  secret \"" << options_.key->secret << "\";\n};\n";
  std::vector<std::string> zones = options_.zones;
  if (!options_.catalog.empty()) zones.push_back(options_.catalog);
  for (const auto& z : zones)
    c << "zone \"" << z << "\" {\n  type secondary;\n  primaries { " << primary()
      << " };\n  file \"" << z << "zone\";\n};\n";
  return c.str();
}

std::string Named::primary() const {
  std::string p = "127.0.0.1 port " + std::to_string(options_.primary_port);
  if (options_.key) p += " key \"" + options_.key->name + "\"";
  return p + ";";
}

std::vector<std::string> Named::command() const {
  // -g: foreground, every log line to stderr. No -u: it stays the user who runs the
  // tests (root in CI may run it so too: the folder is its own).
  return {"named", "-g", "-d", "3", "-c", dir_ + "/named.conf"};
}

TransferKinds Named::transfers() const {
  // "transfer of 'Z/IN' from 127.0.0.1#P: got incremental response" (debug level 3), or
  // "got nonincremental response" for AXFR and AXFR-style IXFR.
  TransferKinds k;
  k.known = true;
  std::istringstream in(stderr_text());
  for (std::string line; std::getline(in, line);) {
    if (line.find("got incremental response") != std::string::npos)
      ++k.ixfr;
    else if (line.find("got nonincremental response") != std::string::npos)
      ++k.axfr;
    else
      continue;
    k.lines.push_back(line);
  }
  return k;
}

}  // namespace rdnsd::interop
