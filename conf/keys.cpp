#include "conf/keys.h"

#include <stdexcept>

namespace rdnsd::conf {
namespace {

// One key of a map; `child` when its value is a map (or, with `list`, a list of maps).
struct Key {
  std::string_view name;
  Section child = Section::Root;  // Root: a plain value
  bool list = false;
};

struct Shape {
  Section section;
  std::vector<Key> keys;
};

const std::vector<Shape>& shapes() {
  using S = Section;
  static const std::vector<Shape> table = {
      {S::Root,
       {{"server", S::Server},
        {"store", S::Store},
        {"admin", S::Admin},
        {"log", S::Log},
        {"max-records"},
        {"fcrdns", S::Fcrdns},
        {"tsig-keys", S::TsigKey, true},
        {"zone-defaults", S::ZoneDefaults},
        {"zones", S::Zone, true},
        {"catalog", S::Catalog},
        {"http", S::Http}}},
      {S::Http,
       {{"listen"}, {"tls", S::HttpTls}, {"max-connections"}, {"idle-timeout"}, {"tokens-file"}}},
      {S::HttpTls, {{"cert"}, {"key"}}},
      {S::Server,
       {{"listen"},
        {"workers"},
        {"identity"},
        {"version"},
        {"nsid"},
        {"udp-payload"},
        {"udp-receive-buffer"},
        {"tcp-idle-timeout"},
        {"tcp-max-connections"},
        {"tcp-max-per-client"},
        {"tcp-io-timeout"},
        {"rrl", S::Rrl},
        {"cookie-secret"}}},
      {S::Rrl,
       {{"rate"},
        {"slip"},
        {"ipv4-prefix"},
        {"ipv6-prefix"},
        {"window"},
        {"table-size"},
        {"whitelist"}}},
      {S::Synthesize, {{"template"}, {"ttl"}, {"in-transfer"}, {"forward"}}},
      {S::Store, {{"path"}, {"map-size"}, {"map-size-max"}}},
      {S::Admin,
       {{"socket"},
        {"mode"},
        {"max-connections"},
        {"idle-timeout"},
        {"commit-wait"},
        {"allow-users"},
        {"allow-groups"},
        {"group"}}},
      {S::Log, {{"level"}, {"format"}}},
      {S::Fcrdns, {{"resolver"}, {"timeout"}}},
      {S::TsigKey, {{"name"}, {"algorithm"}, {"secret"}, {"secret-file"}}},
      {S::Secondary, {{"address"}, {"key"}}},
      {S::Acl, {{"from"}, {"key"}}},
      {S::Journal, {{"max-depth"}, {"max-size"}}},
      {S::Catalog, {{"zone"}, {"secondaries", S::Secondary, true}}},
      {S::Soa, {{"mname"}, {"rname"}, {"refresh"}, {"retry"}, {"expire"}, {"minimum"}, {"ttl"}}},
      {S::Record, {{"ip"}, {"name"}}},
      {S::Zone,
       {{"prefix"},
        {"ns"},
        {"soa", S::Soa},
        {"ttl"},
        {"ns-ttl"},
        {"serial-policy"},
        {"max-records"},
        {"fcrdns"},
        {"records", S::Record, true},
        {"secondaries", S::Secondary, true},
        {"allow-transfer", S::Acl, true},
        {"allow-update", S::Acl, true},
        {"journal", S::Journal},
        {"status-timeout"},
        {"synthesize", S::Synthesize}}},
      {S::ZoneDefaults,
       {{"ns"},
        {"soa", S::Soa},
        {"ttl"},
        {"ns-ttl"},
        {"serial-policy"},
        {"fcrdns"},
        {"secondaries", S::Secondary, true},
        {"allow-transfer", S::Acl, true},
        {"allow-update", S::Acl, true},
        {"journal", S::Journal},
        {"status-timeout"},
        {"synthesize", S::Synthesize}}},
  };
  return table;
}

const Shape& shape(Section section) {
  for (const Shape& s : shapes())
    if (s.section == section) return s;
  throw std::logic_error("conf: no key table for a section");
}

void walk(Section section, const std::string& prefix, std::vector<std::string>& out) {
  for (const Key& k : shape(section).keys) {
    const std::string path =
        prefix.empty() ? std::string(k.name) : prefix + "." + std::string(k.name);
    out.push_back(path);
    if (k.child != Section::Root) walk(k.child, k.list ? path + "[]" : path, out);
  }
}

}  // namespace

const std::vector<std::string_view>& keys_of(Section section) {
  // Made once per section from the table above.
  static const auto names = [] {
    std::vector<std::vector<std::string_view>> all;
    for (const Shape& s : shapes()) {
      if (all.size() <= size_t(s.section)) all.resize(size_t(s.section) + 1);
      for (const Key& k : s.keys) all[size_t(s.section)].push_back(k.name);
    }
    return all;
  }();
  return names.at(size_t(section));
}

std::vector<std::string> known_keys() {
  std::vector<std::string> out;
  walk(Section::Root, "", out);
  return out;
}

}  // namespace rdnsd::conf
