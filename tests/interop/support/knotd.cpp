// knotd 3.2 as a secondary of rdnsd.
#include <regex>
#include <sstream>

#include "tests/interop/support/secondary.h"

namespace rdnsd::interop {

Knotd::Knotd() : Secondary("knotd") {}

std::string Knotd::config_text() const {
  const std::string primary = "127.0.0.1@" + std::to_string(options_.primary_port);
  std::ostringstream c;
  c << "server:\n"
    << "  listen: 127.0.0.1@" << port_ << "\n"
    << "  rundir: " << dir_ << "\n"
    << "  pidfile: " << dir_ << "/knotd.pid\n"
    << "  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
    << "log:\n  - target: stderr\n    any: info\n"
    << "database:\n  storage: " << dir_ << "\n";
  if (options_.key)
    c << "key:\n  - id: " << options_.key->name << "\n    algorithm: " << options_.key->algorithm
      << "\n    secret: " << options_.key->secret << "\n";
  c << "remote:\n  - id: rdnsd\n    address: " << primary << "\n";
  if (options_.key) c << "    key: " << options_.key->name << "\n";
  // NOTIFY is accepted from rdnsd's address only, and only signed when there is a key:
  // an unsigned NOTIFY to a keyed secondary shows up as "denied" in the log.
  c << "acl:\n  - id: notify-from-rdnsd\n    address: 127.0.0.1\n    action: notify\n";
  if (options_.key) c << "    key: " << options_.key->name << "\n";
  c << "  - id: transfer-to-tests\n    address: 127.0.0.1\n    action: transfer\n";
  // knotd 3.2 answers queries for a catalog it interprets only over TCP and only to
  // clients its ACL allows to transfer it: rdnsd's signed SOA polls (its status of the
  // catalog) need this rule (an ACL rule without a key matches unsigned queries only).
  if (options_.key && !options_.catalog.empty())
    c << "  - id: status-from-rdnsd\n    address: 127.0.0.1\n    action: transfer\n"
      << "    key: " << options_.key->name << "\n";
  // The zone lives in the journal only: never written out as a file (zonefile-sync -1:
  // 3.2 crashed with 0 under many transactions), and loaded back from the journal on a
  // restart, so that a restarted knotd asks for IXFR from its last serial.
  const std::string storage = "    storage: " + dir_ + "\n" +
                              "    zonefile-sync: -1\n    zonefile-load: none\n"
                              "    journal-content: all\n"
                              "    refresh-min-interval: 2\n    retry-min-interval: 1\n"
                              "    retry-max-interval: 2\n";
  c << "template:\n  - id: default\n" << storage;
  // The members of a catalog are configured by this template alone (catalog-template).
  if (!options_.catalog.empty())
    c << "  - id: catalog-member\n"
      << storage << "    master: rdnsd\n    acl: [notify-from-rdnsd, transfer-to-tests]\n";
  c << "zone:\n";
  for (const auto& z : options_.zones)
    c << "  - domain: " << z << "\n    master: rdnsd\n"
      << "    acl: [notify-from-rdnsd, transfer-to-tests]\n";
  if (!options_.catalog.empty())
    c << "  - domain: " << options_.catalog << "\n    master: rdnsd\n"
      << "    acl: [notify-from-rdnsd, transfer-to-tests"
      << (options_.key ? ", status-from-rdnsd" : "") << "]\n"
      << "    catalog-role: interpret\n    catalog-template: catalog-member\n";
  return c.str();
}

std::vector<std::string> Knotd::command() const {
  return {"knotd", "-c", dir_ + "/knotd.conf"};
}

TransferKinds Knotd::transfers() const {
  // "[2.0.192.in-addr.arpa.] IXFR, incoming, remote 127.0.0.1@41000, finished, ..."
  static const std::regex done(R"(\] (IXFR|AXFR), incoming, remote [^,]+, finished)");
  TransferKinds k;
  k.known = true;
  std::istringstream in(stderr_text());
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, done)) continue;
    (m[1] == "IXFR" ? k.ixfr : k.axfr)++;
    k.lines.push_back(line);
  }
  return k;
}

}  // namespace rdnsd::interop
