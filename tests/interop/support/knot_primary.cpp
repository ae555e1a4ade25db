#include "tests/interop/support/knot_primary.h"

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "tests/e2e/support/rdnsd.h"

namespace rdnsd::interop {

KnotPrimary::KnotPrimary(const std::string& zone, std::vector<uint16_t> secondaries,
                         const TsigKey& key)
    : zone_(zone) {
  dir_ = e2e::make_temp_dir("rdnsd-interop-primary-");
  port_ = e2e::free_port();
  e2e::write_file(dir_ + "/zone", "$ORIGIN " + zone +
                                      "\n$TTL 60\n"
                                      "@ SOA ns1.example.net. hostmaster.example.net. 1 3600 1 "
                                      "600 60\n"
                                      "@ NS ns1.example.net.\n"
                                      "1 PTR gw.example.net.\n");
  std::ostringstream c;
  c << "server:\n  listen: 127.0.0.1@" << port_ << "\n  rundir: " << dir_
    << "\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
    << "log:\n  - target: stderr\n    any: info\n"
    << "database:\n  storage: " << dir_ << "\n"
    << "key:\n  - id: " << key.name << "\n    algorithm: " << key.algorithm
    << "\n    secret: " << key.secret << "\n"
    << "acl:\n  - id: secondaries\n    address: 127.0.0.1\n    key: " << key.name
    << "\n    action: transfer\n"
    << "remote:\n";
  std::string ids;
  for (size_t i = 0; i < secondaries.size(); ++i) {
    c << "  - id: s" << i << "\n    address: 127.0.0.1@" << secondaries[i]
      << "\n    key: " << key.name << "\n";
    ids += (i ? ", s" : "s") + std::to_string(i);
  }
  c << "template:\n  - id: default\n    storage: " << dir_ << "\n    zonefile-sync: -1\n"
    << "zone:\n  - domain: " << zone << "\n    file: " << dir_ << "/zone\n    acl: secondaries\n"
    << "    notify: [" << ids << "]\n";
  e2e::write_file(dir_ + "/knotd.conf", c.str());
  process_ = e2e::Process::spawn({"knotd", "-c", dir_ + "/knotd.conf"}, dir_ + "/stdout.log",
                                 dir_ + "/stderr.log", dir_);
  if (!wait_until([&] { return !process_.running() || serial() == 1; }, Millis(10000)) ||
      !process_.running())
    throw std::runtime_error("knotd (primary) did not start\n" + logs());
}

KnotPrimary::~KnotPrimary() {
  process_.terminate(Millis(5000));
  if (!std::getenv("RDNSD_E2E_KEEP")) e2e::remove_tree(dir_);
}

std::string KnotPrimary::knotc(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"knotc", "-s", dir_ + "/knot.sock"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = e2e::run(argv, {Millis(10000), "", ""});
  if (!r.ok()) throw std::runtime_error("knotc failed\n" + r.describe() + logs());
  return r.out;
}

void KnotPrimary::set(const std::string& owner, const std::string& target) {
  knotc({"zone-begin", zone_});
  knotc({"zone-unset", zone_, owner, "PTR"});
  knotc({"zone-set", zone_, owner, "60", "PTR", target});
  knotc({"zone-commit", zone_});
}

uint32_t KnotPrimary::serial() const {
  auto r = e2e::parse_dig(e2e::run(
      {"dig", "@127.0.0.1", "-p", std::to_string(port_), "+tries=1", "+time=1", zone_, "SOA"},
      {Millis(5000), "", ""}));
  auto soa = r.answers("SOA");
  if (soa.size() != 1 || soa[0].fields().size() != 7) return 0;
  return static_cast<uint32_t>(std::stoul(soa[0].fields()[2]));
}

std::string KnotPrimary::logs() const {
  return "--- knotd (primary, port " + std::to_string(port_) + ", " + dir_ + ") ---\n" +
         e2e::read_file(dir_ + "/stderr.log");
}

}  // namespace rdnsd::interop
