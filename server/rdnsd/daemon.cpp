#include "server/rdnsd/daemon.h"

#include <unistd.h>

namespace rdnsd::server {

zonestore::ZoneSettings zone_settings(const conf::ZoneConf& z) {
  zonestore::ZoneSettings s;
  s.prefix = z.prefix;
  s.ns = z.ns;
  s.soa.mname = z.soa.mname;
  s.soa.rname = z.soa.rname;
  s.soa.refresh = z.soa.refresh;
  s.soa.retry = z.soa.retry;
  s.soa.expire = z.soa.expire;
  s.soa.minimum = z.soa.minimum;
  s.soa.ttl = z.soa.ttl;
  s.default_ttl = z.ttl;
  s.policy = z.serial_policy;
  s.max_records = z.max_records;
  s.fcrdns = z.fcrdns;
  return s;
}

std::string reconcile_zones(zonestore::Store& store, const conf::Config& config, std::time_t now) {
  std::vector<zonestore::ZoneSettings> zones;
  std::vector<std::vector<zonestore::Store::Seed>> seeds;
  for (const auto& z : config.zones) {
    zones.push_back(zone_settings(z));
    auto& s = seeds.emplace_back();
    for (const auto& r : z.records) s.push_back({r.address, r.target});
  }
  auto report = store.reconcile(zones, seeds, now);
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? std::string("none") : out;
  };
  return "zones created: " + list(report.created) + "; updated: " + list(report.updated) +
         "; unchanged: " + std::to_string(report.unchanged.size()) +
         "; no longer served: " + list(report.unserved);
}

conf::Config load_config(const std::string& path) {
  if (!path.empty()) return conf::load_file(path);
  char cwd[4096];
  std::string base = getcwd(cwd, sizeof cwd) ? cwd : ".";
  return conf::load_string(conf::default_config_text(), "<built-in conf/rdnsd.yaml>", base);
}

}  // namespace rdnsd::server
