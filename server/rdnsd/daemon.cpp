#include "server/rdnsd/daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

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
  s.journal_max_depth = z.journal.max_depth;
  s.journal_max_size = z.journal.max_size;
  s.default_ttl = z.ttl;
  s.ns_ttl = z.ns_ttl;
  if (z.synthesize)
    s.synth =
        zonestore::SynthSettings{z.synthesize->tmpl, z.synthesize->ttl, z.synthesize->in_transfer};
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

namespace rdnsd::server {
namespace {

xfr::AclRule secondary_rule(const conf::SecondaryConf& s) {
  xfr::AclRule rule;
  names::Prefix p;
  p.addr = *names::parse_ip(s.host);  // canonical text, checked by the loader
  p.length = p.addr.family == 4 ? 32 : 128;
  rule.from = p;
  rule.key = s.key;
  return rule;
}

std::vector<xfr::AclRule> rules(const std::vector<conf::SecondaryConf>& secondaries,
                                const std::vector<conf::TransferAclConf>& allow) {
  std::vector<xfr::AclRule> out;
  for (const auto& s : secondaries) out.push_back(secondary_rule(s));
  for (const auto& a : allow) out.push_back({a.from, a.key});
  return out;
}

xfr::ZoneReplication replication(const std::vector<conf::SecondaryConf>& secondaries,
                                 uint32_t status_timeout_s) {
  xfr::ZoneReplication r;
  r.status_timeout = std::chrono::seconds(status_timeout_s);
  for (const auto& s : secondaries) {
    xfr::SecondaryPeer peer;
    peer.text = s.text;
    peer.key = s.key;
    if (s.family == 4) {
      auto* a = reinterpret_cast<sockaddr_in*>(&peer.address);
      a->sin_family = AF_INET;
      a->sin_port = htons(s.port);
      inet_pton(AF_INET, s.host.c_str(), &a->sin_addr);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&peer.address);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(s.port);
      inet_pton(AF_INET6, s.host.c_str(), &a->sin6_addr);
    }
    r.secondaries.push_back(std::move(peer));
  }
  return r;
}

}  // namespace

std::shared_ptr<const tsig::Keyring> keyring(const conf::Config& config) {
  auto ring = std::make_shared<tsig::Keyring>();
  for (const conf::TsigKeyConf& k : config.tsig_keys) {
    tsig::Algorithm a = tsig::Algorithm::HmacSha256;
    switch (k.algorithm) {
      case conf::TsigAlgorithm::HmacMd5:
        a = tsig::Algorithm::HmacMd5;
        break;
      case conf::TsigAlgorithm::HmacSha1:
        a = tsig::Algorithm::HmacSha1;
        break;
      case conf::TsigAlgorithm::HmacSha224:
        a = tsig::Algorithm::HmacSha224;
        break;
      case conf::TsigAlgorithm::HmacSha256:
        a = tsig::Algorithm::HmacSha256;
        break;
      case conf::TsigAlgorithm::HmacSha384:
        a = tsig::Algorithm::HmacSha384;
        break;
      case conf::TsigAlgorithm::HmacSha512:
        a = tsig::Algorithm::HmacSha512;
        break;
    }
    ring->add(tsig::make_key(k.name, a, k.secret));
  }
  return ring;
}

xfr::TransferPolicy transfer_policy(const conf::Config& config) {
  xfr::TransferPolicy p;
  p.defaults = rules(config.zone_defaults.secondaries, config.zone_defaults.allow_transfer);
  for (const auto& z : config.zones) p.zones[z.apex] = rules(z.secondaries, z.allow_transfer);
  if (!config.catalog.zone.empty())
    p.zones[config.catalog.zone] =
        rules(config.catalog.secondaries, config.zone_defaults.allow_transfer);
  return p;
}

update::Policy update_policy(const conf::Config& config) {
  auto rules = [](const std::vector<conf::UpdateAclConf>& allow) {
    std::vector<update::Rule> out;
    for (const auto& a : allow) out.push_back({a.from, a.key});
    return out;
  };
  update::Policy p;
  p.defaults = rules(config.zone_defaults.allow_update);
  for (const auto& z : config.zones) p.zones[z.apex] = rules(z.allow_update);
  return p;
}

xfr::ReplicationPolicy replication_policy(const conf::Config& config) {
  xfr::ReplicationPolicy p;
  p.defaults = replication(config.zone_defaults.secondaries, config.zone_defaults.status_timeout_s);
  for (const auto& z : config.zones)
    p.zones[z.apex] = replication(z.secondaries, z.status_timeout_s);
  if (!config.catalog.zone.empty())
    p.zones[config.catalog.zone] =
        replication(config.catalog.secondaries, config.zone_defaults.status_timeout_s);
  return p;
}

dns::CatalogZone catalog_zone(const conf::Config& config) {
  dns::CatalogZone c;
  if (config.catalog.zone.empty()) return c;
  const conf::ZoneDefaults& d = config.zone_defaults;
  auto wire = [](const std::string& text) {
    auto w = text.empty() ? std::nullopt : names::text_to_wire(text);
    return w ? *w : std::string(dns::catalog::kNsWire);
  };
  c.apex_wire = *names::text_to_wire(config.catalog.zone);  // checked by the loader
  c.apex_key = names::wire_to_key(c.apex_wire);
  c.mname = wire(!d.soa.mname.empty() ? d.soa.mname : d.ns.empty() ? "" : d.ns.front());
  c.rname = wire(d.soa.rname);
  c.ttl = d.soa.ttl;
  c.refresh = d.soa.refresh;
  c.retry = d.soa.retry;
  c.expire = d.soa.expire;
  c.minimum = d.soa.minimum;
  return c;
}

std::vector<dns::ForwardZone> forward_zones(const conf::Config& config) {
  std::vector<dns::ForwardZone> out;
  auto wire = [](const std::string& text) {
    auto w = text.empty() ? std::nullopt : names::text_to_wire(text);
    return w ? *w : std::string(1, '\0');
  };
  auto add = [&](const conf::SynthConf& s, const std::vector<std::string>& ns,
                 const conf::SoaConf& soa, std::optional<uint32_t> ns_ttl) {
    const std::string apex_wire = wire(s.forward);
    auto f = std::find_if(out.begin(), out.end(),
                          [&](const dns::ForwardZone& z) { return z.apex_wire == apex_wire; });
    if (f == out.end()) {
      dns::ForwardZone z;
      z.apex_wire = apex_wire;
      z.apex_key = names::wire_to_key(apex_wire);
      z.mname = wire(!soa.mname.empty() ? soa.mname : ns.empty() ? "" : ns.front());
      z.rname = wire(soa.rname);
      z.soa_ttl = soa.ttl;
      z.ns_ttl = ns_ttl.value_or(soa.ttl);
      z.refresh = soa.refresh;
      z.retry = soa.retry;
      z.expire = soa.expire;
      z.minimum = soa.minimum;
      for (const auto& n : ns) {
        if (z.ns_count == UINT8_MAX) break;
        const std::string w = wire(n);
        z.ns_block += char(w.size());
        z.ns_block += w;
        ++z.ns_count;
      }
      out.push_back(std::move(z));
      f = out.end() - 1;
    }
    std::string tmpl = s.tmpl;
    for (char& c : tmpl) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(f->templates.begin(), f->templates.end(), tmpl) == f->templates.end())
      f->templates.push_back(tmpl);
    // The labels between the apex and the template's first label with a placeholder are
    // empty non-terminals.
    std::string tail = tmpl.substr(0, tmpl.size() - s.forward.size());
    const size_t brace = tail.rfind('}');
    size_t at = brace == std::string::npos ? 0 : tail.find('.', brace);
    while (at != std::string::npos && at + 1 < tail.size()) {
      const std::string key = names::wire_to_key(wire(tail.substr(at + 1) + s.forward));
      if (std::find(f->empty_keys.begin(), f->empty_keys.end(), key) == f->empty_keys.end())
        f->empty_keys.push_back(key);
      at = tail.find('.', at + 1);
    }
  };
  for (const auto& z : config.zones)
    if (z.synthesize && !z.synthesize->forward.empty()) add(*z.synthesize, z.ns, z.soa, z.ns_ttl);
  const conf::ZoneDefaults& d = config.zone_defaults;
  if (d.synthesize && !d.synthesize->forward.empty()) add(*d.synthesize, d.ns, d.soa, d.ns_ttl);
  return out;
}

std::string raise_file_limit(const conf::Config& config, unsigned workers) {
  // Per worker: a UDP socket and a TCP listener per listen address, an eventfd and the
  // loops' descriptors; the store, logs, notifier sockets and the like: 64 more.
  const uint64_t need = uint64_t(config.server.tcp_max_connections) + config.admin.max_connections +
                        uint64_t(workers) * (2 * config.server.listen.size() + 16) + 64;
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return "";
  if (r.rlim_cur < need && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max == RLIM_INFINITY ? need : std::min<rlim_t>(r.rlim_max, need);
    setrlimit(RLIMIT_NOFILE, &r);
    getrlimit(RLIMIT_NOFILE, &r);
  }
  if (r.rlim_cur >= need) return "";
  return "open files limit is " + std::to_string(r.rlim_cur) + ", below the " +
         std::to_string(need) + " that tcp-max-connections (" +
         std::to_string(config.server.tcp_max_connections) +
         ") and admin.max-connections need: connections past it fail (raise LimitNOFILE or "
         "ulimit -n)";
}

}  // namespace rdnsd::server
