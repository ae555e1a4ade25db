#pragma once
// The reference servers of the differential test, knotd and nsd, each run from its own
// temporary folder on a free loopback port with the same zones, identity, version and
// NSID as rdnsd, and stopped by its own PID.
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/differential/zones.h"
#include "tests/e2e/support/e2e.h"

namespace rdnsd::e2e::diff {

// What every server says about itself (CHAOS TXT and NSID), the same everywhere so that
// those answers are comparable byte for byte.
inline const std::string kIdentity = "ns1.diff.example.net";
inline const std::string kVersion = "reverse-dns 1.0";
inline const std::string kNsid = "diff-ns1";

inline std::string hex_of(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += hex[c >> 4];
    out += hex[c & 0xF];
  }
  return out;
}

inline std::string zone_file_name(const Zone& z) {
  return z.apex + "zone";
}

// A reference server: a folder, a port, a process.
class RefServer {
 public:
  RefServer(std::string name, std::vector<std::string> argv_tail, std::string dir, uint16_t port)
      : name_(std::move(name)), dir_(std::move(dir)), port_(port) {
    std::vector<std::string> argv = std::move(argv_tail);
    process_ = Process::spawn(argv, dir_ + "/stdout.log", dir_ + "/stderr.log", dir_);
  }
  ~RefServer() {
    if (process_.running()) process_.terminate(Millis(5000));
    if (!std::getenv("RDNSD_E2E_KEEP")) remove_tree(dir_);
  }
  RefServer(const RefServer&) = delete;
  RefServer& operator=(const RefServer&) = delete;

  const std::string& name() const { return name_; }
  uint16_t port() const { return port_; }
  std::string logs() const {
    return "--- " + name_ + " (" + dir_ + ") ---\n" + read_file(dir_ + "/stderr.log") +
           read_file(dir_ + "/stdout.log");
  }

  // Waits until the server answers a SOA query for `apex` with NOERROR and `serial`.
  void wait_serving(const std::vector<const Zone*>& zones, Millis limit = Millis(15000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (const Zone* z : zones) {
      for (;;) {
        if (!process_.running()) throw std::runtime_error(name_ + " exited at start\n" + logs());
        if (serves(*z)) break;
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error(name_ + " does not serve " + z->apex + "\n" + logs());
        std::this_thread::sleep_for(Millis(50));
      }
    }
  }

 private:
  bool serves(const Zone& z) {
    try {
      wire::UdpClient udp(port_);
      wire::Query q;
      q.name = z.apex;
      q.qtype = wire::rr::SOA;
      q.id = 0x7001;
      auto r = udp.exchange(wire::build(q), Millis(200));
      return r && r->rcode == wire::rcode::NOERROR && r->an == 1;
    } catch (const std::exception&) {
      return false;
    }
  }

  std::string name_, dir_;
  uint16_t port_;
  Process process_;
};

inline void write_zone_files(const std::string& folder, const std::vector<const Zone*>& zones) {
  for (const Zone* z : zones) write_file(folder + "/" + zone_file_name(*z), master_file(*z));
}

// knotd per the facts of shared/REFERENCE-SERVERS.md: one worker of each kind, rundir and
// storage in the temporary folder, no zone file sync. No ACL: it refuses transfers,
// NOTIFY and UPDATE.
inline std::unique_ptr<RefServer> start_knotd(const std::vector<const Zone*>& zones) {
  std::string dir = make_temp_dir("rdnsd-diff-knotd-");
  uint16_t port = free_port();
  write_zone_files(dir, zones);
  std::string conf = "server:\n  listen: 127.0.0.1@" + std::to_string(port) +
                     "\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
                     "  rundir: " +
                     dir + "\n  identity: \"" + kIdentity +
                     "\"\n"
                     "  version: \"" +
                     kVersion + "\"\n  nsid: \"" + kNsid +
                     "\"\n"
                     "  tcp-idle-timeout: 10s\n  udp-max-payload: 1232\n"
                     "database:\n  storage: " +
                     dir +
                     "/db\n"
                     "template:\n  - id: default\n    storage: " +
                     dir +
                     "\n    zonefile-sync: -1\n    journal-content: none\n"
                     "zone:\n";
  for (const Zone* z : zones)
    conf += "  - domain: " + z->apex + "\n    file: " + zone_file_name(*z) + "\n";
  conf += "log:\n  - target: stderr\n    any: warning\n";
  write_file(dir + "/knot.conf", conf);
  auto server = std::make_unique<RefServer>(
      "knotd", std::vector<std::string>{"/usr/sbin/knotd", "-c", dir + "/knot.conf"}, dir, port);
  server->wait_serving(zones);
  return server;
}

// nsd per shared/REFERENCE-SERVERS.md: foreground, one server process, no database, no
// rate limiting.
inline std::unique_ptr<RefServer> start_nsd(const std::vector<const Zone*>& zones) {
  std::string dir = make_temp_dir("rdnsd-diff-nsd-");
  uint16_t port = free_port();
  write_zone_files(dir, zones);
  std::string conf =
      "server:\n  port: " + std::to_string(port) +
      "\n  ip-address: 127.0.0.1\n  server-count: 1\n  zonesdir: \"" + dir + "\"\n  pidfile: \"" +
      dir + "/nsd.pid\"\n  xfrdfile: \"" + dir + "/xfrd.state\"\n  zonelistfile: \"" + dir +
      "/zone.list\"\n  database: \"\"\n  username: \"\"\n  chroot: \"\"\n"
      "  rrl-ratelimit: 0\n  minimal-responses: yes\n  verbosity: 0\n  identity: \"" +
      kIdentity + "\"\n  version: \"" + kVersion + "\"\n  nsid: \"" + hex_of(kNsid) +
      "\"\n  tcp-timeout: 10\nremote-control:\n  control-enable: no\n";
  for (const Zone* z : zones)
    conf += "zone:\n  name: \"" + z->apex + "\"\n  zonefile: \"" + zone_file_name(*z) + "\"\n";
  write_file(dir + "/nsd.conf", conf);
  auto server = std::make_unique<RefServer>(
      "nsd", std::vector<std::string>{"/usr/sbin/nsd", "-d", "-c", dir + "/nsd.conf"}, dir, port);
  server->wait_serving(zones);
  return server;
}

}  // namespace rdnsd::e2e::diff
