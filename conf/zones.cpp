// The zone-defaults and zones sections.
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "conf/sections.h"
#include "zonestore/names/synth.h"

namespace rdnsd::conf::detail {
namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

uint32_t ttl_value(const Reader& r, const YAML::Node& node, const std::string& path) {
  return uint32_t(r.integer(node, path, 0, kMaxTtl));
}

// A host name at `line`, made absolute.
std::string host_name(const Reader& r, const std::string& text, int line, const std::string& path) {
  std::string why;
  auto name = names::normalize_hostname(text, &why);
  if (!name) r.fail(line, path + " '" + text + "' is not a valid host name: " + why);
  return *name;
}

std::string host_name(const Reader& r, const YAML::Node& node, const std::string& path) {
  return host_name(r, r.string(node, path), line_of(node), path);
}

// A domain name (the SOA RNAME mailbox), absolute, in canonical text form.
std::string domain_name(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  std::string why;
  auto wire = names::text_to_wire(text, &why);
  if (!wire) r.fail(node, path + " '" + text + "' is not a valid domain name: " + why);
  if (wire->size() <= 1)
    r.fail(node, path + " must be a mailbox name like hostmaster.example.net., not the root");
  return names::wire_to_text(*wire);
}

serial::Policy policy_value(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  auto policy = serial::parse_policy(text);
  if (!policy)
    r.fail(node, path + " must be increment, unixtime or dateserial, got '" + text + "'");
  return *policy;
}

fcrdns::Mode fcrdns_value(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  auto mode = fcrdns::parse_mode(text);
  if (!mode) r.fail(node, path + " must be off, warn or require, got '" + text + "'");
  return *mode;
}

constexpr size_t kMaxNs = 32;

// A list of NS host names (a single name is a list of one), none repeated, at most kMaxNs.
std::vector<std::string> ns_list(const Reader& r, const YAML::Node& node, const std::string& path) {
  const auto entries = r.strings(node, path);
  if (entries.empty()) r.fail(node, path + " must list at least one name server");
  // As the admin socket's zone-add allows; a referral to more would not fit a UDP answer.
  if (entries.size() > kMaxNs)
    r.fail(node, path + " lists " + std::to_string(entries.size()) + " name servers, more than " +
                     std::to_string(kMaxNs));
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [text, line] = entries[i];
    const std::string name = host_name(r, text, line, index_path(path, i));
    auto [it, fresh] = seen.emplace(lower(name), line);
    if (!fresh)
      r.fail(line,
             path + " lists " + name + " twice (first on line " + std::to_string(it->second) + ")");
    out.push_back(name);
  }
  return out;
}

// The `soa:` map over `base`: every field given replaces the one in base.
SoaConf soa_value(const Reader& r, const YAML::Node& node, const std::string& path, SoaConf base) {
  r.check_map(node, path, Section::Soa);
  if (auto v = child(node, "mname")) base.mname = host_name(r, *v, join(path, "mname"));
  if (auto v = child(node, "rname")) base.rname = domain_name(r, *v, join(path, "rname"));
  const std::pair<const char*, uint32_t*> timers[] = {{"refresh", &base.refresh},
                                                      {"retry", &base.retry},
                                                      {"expire", &base.expire},
                                                      {"minimum", &base.minimum},
                                                      {"ttl", &base.ttl}};
  for (const auto& [key, field] : timers)
    if (auto v = child(node, key)) *field = ttl_value(r, *v, join(path, key));
  return base;
}

// ---- one zone ------------------------------------------------------------------------

void zone_prefix(const Reader& r, const YAML::Node& zone, const std::string& path, ZoneConf& z) {
  auto node = child(zone, "prefix");
  if (!node) r.fail(zone, path + ".prefix is required (e.g. prefix: 192.0.2.0/24)");
  const std::string text = r.string(*node, path + ".prefix");
  std::string why;
  auto prefix = names::parse_prefix(text, &why);
  if (!prefix) r.fail(*node, path + ".prefix: " + why);
  auto apex = names::zone_apex(*prefix, &why);
  if (!apex) r.fail(*node, path + ".prefix: " + why);
  z.prefix = *prefix;
  z.prefix_text = names::format_prefix(*prefix);
  z.apex = *apex;
}

void zone_names(const Reader& r, const YAML::Node& zone, const std::string& path,
                const ZoneDefaults& d, ZoneConf& z) {
  auto ns = child(zone, "ns");
  z.ns = ns ? ns_list(r, *ns, path + ".ns") : d.ns;
  if (z.ns.empty())
    r.fail(zone, "zone " + z.prefix_text + " has no NS names (set ns or zone-defaults.ns)");
  auto soa = child(zone, "soa");
  z.soa = soa ? soa_value(r, *soa, path + ".soa", d.soa) : d.soa;
  if (z.soa.mname.empty()) z.soa.mname = z.ns.front();
  if (z.soa.rname.empty())
    r.fail(soa ? *soa : zone, "zone " + z.prefix_text +
                                  " has no SOA rname (set soa.rname or zone-defaults.soa.rname)");
}

SeedRecord seed_record(const Reader& r, const YAML::Node& node, const std::string& path,
                       const ZoneConf& z) {
  r.check_map(node, path, Section::Record);
  auto ip = child(node, "ip");
  if (!ip) r.fail(node, path + ".ip is required");
  auto name = child(node, "name");
  if (!name) r.fail(node, path + ".name is required");
  const std::string text = r.string(*ip, path + ".ip");
  auto addr = names::parse_ip(text);
  if (!addr) r.fail(*ip, path + ".ip '" + text + "' is not an IP address");
  if (!names::prefix_contains(z.prefix, *addr))
    r.fail(*ip, path + ".ip " + text + " is outside the zone's prefix " + z.prefix_text);
  return SeedRecord{names::format_ip(*addr), host_name(r, *name, path + ".name")};
}

void zone_records(const Reader& r, const YAML::Node& node, const std::string& path, ZoneConf& z) {
  r.check_sequence(node, path);
  std::map<std::string, int> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item = index_path(path, i);
    SeedRecord rec = seed_record(r, node[i], item, z);
    auto [it, fresh] = seen.emplace(rec.address, line_of(node[i]));
    if (!fresh)
      r.fail(node[i], item + ": " + rec.address + " is already listed on line " +
                          std::to_string(it->second));
    z.records.push_back(std::move(rec));
  }
  if (z.max_records != 0 && z.records.size() > z.max_records)
    r.fail(node, path + " lists " + std::to_string(z.records.size()) +
                     " records, more than the zone's max-records " + std::to_string(z.max_records));
}

// `synthesize.forward`: a domain name outside the reverse trees that the template ends in,
// below it by at least one label.
std::string forward_value(const Reader& r, const YAML::Node& node, const std::string& path,
                          const std::string& tmpl) {
  std::string text = r.string(node, path);
  std::string why;
  auto wire = names::text_to_wire(text, &why);
  if (!wire || *wire == std::string(1, '\0'))
    r.fail(node, path + " '" + text + "' is no domain name" + (why.empty() ? "" : ": " + why));
  text = names::wire_to_text(*wire);
  for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
  auto ends_in = [&](const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0 &&
           (text.size() == suffix.size() || text[text.size() - suffix.size() - 1] == '.');
  };
  if (ends_in("in-addr.arpa.") || ends_in("ip6.arpa.") || text == "arpa.")
    r.fail(node, path + " '" + text + "' is a reverse name; the forward zone holds host names");
  std::string lower_tmpl = tmpl;
  for (char& c : lower_tmpl) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (lower_tmpl.size() <= text.size() + 1 ||
      lower_tmpl.compare(lower_tmpl.size() - text.size(), text.size(), text) != 0 ||
      lower_tmpl[lower_tmpl.size() - text.size() - 1] != '.')
    r.fail(node, path + " '" + text + "': the template '" + tmpl +
                     "' must be a name below it (end in ." + text + ")");
  return text;
}

// `synthesize:` a map, or false (off). The template's placeholders are checked here for
// both families; zone_synthesize checks it against the zone's.
std::optional<SynthConf> synth_value(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  if (auto b = r.boolean(node)) {
    if (*b) r.fail(node, path + " must be a map (template, ttl, in-transfer) or false");
    return std::nullopt;
  }
  r.check_map(node, path, Section::Synthesize);
  SynthConf s;
  auto t = child(node, "template");
  if (!t) r.fail(node, path + " has no template");
  s.tmpl = r.string(*t, path + ".template");
  std::string why = names::check_synth_template(s.tmpl, 4);
  if (!why.empty() && s.tmpl.find('{') != std::string::npos &&
      names::check_synth_template(s.tmpl, 6).empty())
    why.clear();  // an IPv6-only template ({1}..{4} are IPv4's): checked per zone
  if (!why.empty()) r.fail(*t, path + ".template '" + s.tmpl + "': " + why);
  if (auto v = child(node, "ttl")) s.ttl = ttl_value(r, *v, path + ".ttl");
  if (auto v = child(node, "in-transfer")) {
    auto b = r.boolean(*v);
    if (!b) r.fail(*v, path + ".in-transfer must be true or false");
    s.in_transfer = *b;
  }
  if (auto v = child(node, "forward")) s.forward = forward_value(r, *v, path + ".forward", s.tmpl);
  return s;
}

// The zone's own `synthesize`, or zone-defaults', checked against the zone's family.
void zone_synthesize(const Reader& r, const YAML::Node& node, const std::string& path,
                     const ZoneDefaults& d, ZoneConf& z) {
  z.synthesize = d.synthesize;
  int line = d.synthesize_line;
  std::string where = "zone-defaults.synthesize";
  if (auto v = child(node, "synthesize")) {
    z.synthesize = synth_value(r, *v, path + ".synthesize");
    line = line_of(*v);
    where = path + ".synthesize";
  }
  if (!z.synthesize) return;
  const std::string why = names::check_synth_template(z.synthesize->tmpl, z.prefix.addr.family);
  if (!why.empty()) r.fail(line, "zone " + z.prefix_text + ": " + where + ".template: " + why);
  if (z.synthesize->in_transfer && (z.prefix.addr.family != 4 || z.prefix.length < 16))
    r.fail(line, "zone " + z.prefix_text + ": " + where +
                     ".in-transfer needs an IPv4 zone of /16 or longer (an IPv6 zone would "
                     "hold 2^72 names and more; its secondaries must synthesize themselves)");
  if (!z.synthesize->forward.empty() &&
      !names::synth_names_whole_address(z.synthesize->tmpl, z.prefix.addr.family))
    r.fail(line, "zone " + z.prefix_text + ": " + where +
                     ".forward needs a template that names the whole address ({dashed}, {hex}" +
                     (z.prefix.addr.family == 4 ? ", or all of {1}..{4})" : ")") +
                     ", so that each forward name stands for one address");
}

ZoneConf zone_value(const Reader& r, const YAML::Node& node, const std::string& path,
                    const ZoneDefaults& d, const KeyList& keys) {
  r.check_map(node, path, Section::Zone);
  ZoneConf z;
  z.line = line_of(node);
  zone_prefix(r, node, path, z);
  zone_names(r, node, path, d, z);
  z.ttl = d.ttl;
  if (auto v = child(node, "ttl")) z.ttl = ttl_value(r, *v, path + ".ttl");
  z.ns_ttl = d.ns_ttl;
  if (auto v = child(node, "ns-ttl")) z.ns_ttl = ttl_value(r, *v, path + ".ns-ttl");
  zone_synthesize(r, node, path, d, z);
  z.serial_policy = d.serial_policy;
  if (auto v = child(node, "serial-policy"))
    z.serial_policy = policy_value(r, *v, path + ".serial-policy");
  if (auto v = child(node, "max-records"))
    z.max_records = r.integer(*v, path + ".max-records", 0, UINT64_MAX);
  z.fcrdns = d.fcrdns;
  if (auto v = child(node, "fcrdns")) z.fcrdns = fcrdns_value(r, *v, path + ".fcrdns");
  if (auto v = child(node, "records")) zone_records(r, *v, path + ".records", z);
  z.secondaries = d.secondaries;
  z.allow_transfer = d.allow_transfer;
  z.allow_update = d.allow_update;
  z.journal = d.journal;
  z.status_timeout_s = d.status_timeout_s;
  parse_replication(r, node, path, keys, z);
  return z;
}

}  // namespace

ZoneDefaults parse_zone_defaults(const Reader& r, const YAML::Node& node, const KeyList& keys) {
  const std::string path = "zone-defaults";
  r.check_map(node, path, Section::ZoneDefaults);
  ZoneDefaults d;
  if (auto v = child(node, "ns")) d.ns = ns_list(r, *v, path + ".ns");
  if (auto v = child(node, "soa")) d.soa = soa_value(r, *v, path + ".soa", d.soa);
  if (auto v = child(node, "ttl")) d.ttl = ttl_value(r, *v, path + ".ttl");
  if (auto v = child(node, "ns-ttl")) d.ns_ttl = ttl_value(r, *v, path + ".ns-ttl");
  if (auto v = child(node, "synthesize")) {
    d.synthesize = synth_value(r, *v, path + ".synthesize");
    d.synthesize_line = line_of(*v);
  }
  if (auto v = child(node, "serial-policy"))
    d.serial_policy = policy_value(r, *v, path + ".serial-policy");
  if (auto v = child(node, "fcrdns")) d.fcrdns = fcrdns_value(r, *v, path + ".fcrdns");
  parse_replication(r, node, path, keys, d);
  return d;
}

std::vector<ZoneConf> parse_zones(const Reader& r, const YAML::Node& node,
                                  const ZoneDefaults& defaults, uint64_t max_records,
                                  const KeyList& keys) {
  r.check_sequence(node, "zones");
  std::vector<ZoneConf> zones;
  uint64_t seeds = 0;
  for (size_t i = 0; i < node.size(); ++i) {
    ZoneConf z = zone_value(r, node[i], index_path("zones", i), defaults, keys);
    // Pairwise is fine: a config lists at most some thousands of zones, checked once.
    for (const ZoneConf& other : zones)
      if (names::prefixes_overlap(z.prefix, other.prefix))
        r.fail(z.line, "zone " + z.prefix_text + " overlaps zone " + other.prefix_text + " (line " +
                           std::to_string(other.line) + ")");
    seeds += z.records.size();
    zones.push_back(std::move(z));
  }
  if (max_records != 0 && seeds > max_records)
    r.fail(node, "the zones list " + std::to_string(seeds) +
                     " records in all, more than max-records " + std::to_string(max_records));
  return zones;
}

}  // namespace rdnsd::conf::detail
