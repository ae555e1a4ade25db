// The zone operations of the handler: zones, zone-show, zone-add, zone-remove, quota.
#include <algorithm>
#include <cctype>
#include <tuple>

#include "admin/ops/handler.h"
#include "admin/ops/views.h"
#include "zonestore/names/synth.h"

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

// Sets the `count` bits of `p.addr` that follow bit `from` to the low bits of `value`.
void set_bits(names::Prefix& p, unsigned from, unsigned count, size_t value) {
  for (unsigned b = 0; b < count; ++b) {
    unsigned pos = from + b;
    uint8_t mask = uint8_t(0x80u >> (pos % 8));
    if ((value >> (count - 1 - b)) & 1)
      p.addr.bytes[pos / 8] |= mask;
    else
      p.addr.bytes[pos / 8] &= uint8_t(~mask);
  }
}

// A host name made absolute (NS, mname); bad_name otherwise.
std::string hostname(const std::string& text, const char* what) {
  std::string why;
  auto name = names::normalize_hostname(text, &why);
  if (!name) throw StoreError(code::kBadName, std::string(what) + " '" + text + "': " + why);
  return *name;
}

// Any domain name made absolute (rname is a mailbox and may hold other characters).
std::string domain_name(const std::string& text, const char* what) {
  std::string why;
  auto wire = names::text_to_wire(text, &why);
  if (!wire || wire->size() <= 1)
    throw StoreError(code::kBadName, std::string(what) + " '" + text +
                                         "': " + (why.empty() ? "not a domain name" : why));
  return names::wire_to_text(*wire);
}

std::optional<zonestore::Zone> find_zone(zonestore::Store& store, const std::string& name) {
  check_zone_name(name);
  return store.zone(name);
}

zonestore::Zone existing_zone(zonestore::Store& store, const std::string& name) {
  auto z = find_zone(store, name);
  if (!z) throw StoreError(code::kNotFound, "no zone " + name);
  return *z;
}

}  // namespace

std::vector<names::Prefix> covering_zones(const names::Prefix& prefix, std::string* why) {
  bool v4 = prefix.addr.family == 4;
  unsigned step = v4 ? 8 : 4, min = v4 ? 8 : 1, max = v4 ? 24 : 124;
  if (prefix.length < min || prefix.length > max) {
    set_why(
        why,
        v4 ? "an IPv4 zone prefix must be /8 to /24 (got /" + std::to_string(prefix.length) + ")"
           : "an IPv6 zone prefix must be /1 to /124 (got /" + std::to_string(prefix.length) + ")");
    return {};
  }
  unsigned aligned = (prefix.length + step - 1) / step * step;
  unsigned extra = aligned - prefix.length;
  std::vector<names::Prefix> out;
  for (size_t i = 0; i < (size_t(1) << extra); ++i) {
    names::Prefix p = prefix;
    p.length = aligned;
    set_bits(p, prefix.length, extra, i);
    out.push_back(p);
  }
  return out;
}

zonestore::ZoneSettings Handler::zone_settings(const ZoneAddRequest& r) const {
  conf::ZoneDefaults d;
  {
    std::lock_guard lock(defaults_mutex_);
    d = options_.zone_defaults;
  }
  zonestore::ZoneSettings s;
  for (const std::string& n : r.ns ? *r.ns : d.ns) {
    std::string name = hostname(n, "NS name");
    if (std::find(s.ns.begin(), s.ns.end(), name) != s.ns.end())
      throw StoreError(code::kBadRequest, "NS name " + name + " is given twice");
    s.ns.push_back(name);
  }
  if (s.ns.empty())
    throw StoreError(code::kBadRequest, "no NS names: give 'ns' (zone-defaults has none)");
  std::string mname = r.mname ? *r.mname : d.soa.mname.empty() ? s.ns.front() : d.soa.mname;
  s.soa.mname = hostname(mname, "mname");
  std::string rname = r.rname ? *r.rname : d.soa.rname;
  if (rname.empty())
    throw StoreError(code::kBadRequest, "no SOA rname: give 'rname' (zone-defaults has none)");
  s.soa.rname = domain_name(rname, "rname");
  s.soa.refresh = r.refresh.value_or(d.soa.refresh);
  s.soa.retry = r.retry.value_or(d.soa.retry);
  s.soa.expire = r.expire.value_or(d.soa.expire);
  s.soa.minimum = r.minimum.value_or(d.soa.minimum);
  s.soa.ttl = r.soa_ttl.value_or(d.soa.ttl);
  s.ns_ttl = r.ns_ttl ? r.ns_ttl : d.ns_ttl;
  if (d.synthesize)
    s.synth =
        zonestore::SynthSettings{d.synthesize->tmpl, d.synthesize->ttl, d.synthesize->in_transfer};
  s.default_ttl = r.ttl.value_or(d.ttl);
  s.policy = r.serial_policy.value_or(d.serial_policy);
  s.max_records = r.max_records.value_or(0);
  s.fcrdns = r.fcrdns.value_or(d.fcrdns);
  s.journal_max_depth = d.journal.max_depth;
  s.journal_max_size = d.journal.max_size;
  return s;
}

Json Handler::zones(const ZonesRequest&) {
  Json list = Json::array();
  for (const auto& z : sorted_zones(store_)) list.push_back(zone_view(z));
  return Json{{"zones", std::move(list)}};
}

// The catalog zone (RFC 9432) is not a zone of the store: its serial, status and
// secondaries, for zone-show and rdnsctl wait.
std::optional<Json> Handler::catalog_view(const std::string& zone) const {
  if (options_.catalog_zone.empty()) return std::nullopt;
  std::string apex = zone;
  for (char& c : apex) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (apex.empty() || apex.back() != '.') apex += '.';
  if (apex != options_.catalog_zone) return std::nullopt;
  Json out = {{"zone", apex}, {"catalog", true}, {"serial", store_.catalog_serial()}};
  out["status"] = options_.replication ? options_.replication->zone_status(apex) : "active";
  if (options_.replication) out["secondaries"] = secondaries_json(apex);
  return out;
}

Json Handler::zone_show(const ZoneShowRequest& r) {
  if (auto catalog = catalog_view(r.zone)) return Json{{"zone", std::move(*catalog)}};
  const zonestore::Zone z = existing_zone(store_, r.zone);
  Json out = zone_view(z);
  // What IXFR can answer from: the journal's reach and size, and its limits.
  const zonestore::JournalStats j =
      store_.journal_stats(z.apex).value_or(zonestore::JournalStats{});
  out["journal"] = {{"entries", j.entries},
                    {"bytes", j.bytes},
                    {"first_serial", j.entries ? Json(j.first_serial) : Json(nullptr)},
                    {"last_serial", j.entries ? Json(j.last_serial) : Json(nullptr)},
                    {"max_depth", z.settings.journal_max_depth},
                    {"max_size", z.settings.journal_max_size}};
  if (options_.replication) out["secondaries"] = secondaries_json(z.apex);
  return Json{{"zone", std::move(out)}};
}

// Several zones from one prefix, added in one write transaction: all or none.
Json Handler::zone_add(const ZoneAddRequest& r) {
  std::string why;
  auto prefix = names::parse_prefix(r.prefix, &why);
  if (!prefix) throw StoreError(code::kBadAddress, "'" + r.prefix + "': " + why);
  std::vector<names::Prefix> parts = covering_zones(*prefix, &why);
  if (parts.empty()) throw StoreError(code::kBadAddress, why);
  zonestore::ZoneSettings settings = zone_settings(r);
  for (const auto& z : store_.zones())
    if (names::prefixes_overlap(z.settings.prefix, *prefix))
      throw StoreError(code::kConflict, names::format_prefix(*prefix) + " overlaps zone " + z.apex +
                                            " (" + names::format_prefix(z.settings.prefix) + ")");
  std::vector<zonestore::ZoneSettings> all(parts.size(), settings);
  for (size_t i = 0; i < parts.size(); ++i) {
    all[i].prefix = parts[i];
    // zone-defaults' synthesis where its template suits the zone's family (one with IPv4
    // octets is left out of an IPv6 zone), in transfers only for IPv4 zones of /16 on.
    auto& synth = all[i].synth;
    if (synth && !names::check_synth_template(synth->tmpl, parts[i].addr.family).empty())
      synth.reset();
    if (synth && (parts[i].addr.family != 4 || parts[i].length < 16)) synth->in_transfer = false;
  }
  std::vector<zonestore::Zone> added = store_.add_zones(all, options_.clock());
  zones_changed();
  Json list = Json::array();
  for (const auto& z : added) list.push_back(zone_view(z));
  Json out;
  out["zones"] = std::move(list);
  if (parts.size() > 1) out["expanded_from"] = names::format_prefix(*prefix);
  return out;
}

Json Handler::zone_remove(const ZoneRemoveRequest& r) {
  zonestore::Zone z = existing_zone(store_, r.zone);
  if (z.origin == zonestore::ZoneOrigin::Config && z.served)
    throw StoreError(code::kConflict, "zone " + z.apex +
                                          " comes from the config file; take it out of the "
                                          "config and reload rdnsd first");
  uint64_t removed = store_.remove_zone(z.apex, r.force);
  zones_changed();
  Json out;
  out["zone"] = z.apex;
  out["prefix"] = names::format_prefix(z.settings.prefix);
  out["removed_records"] = removed;
  return out;
}

Json Handler::quota(const QuotaRequest&) {
  Json zones = Json::array();
  for (const auto& z : sorted_zones(store_))
    zones.push_back(Json{
        {"zone", z.apex}, {"limit", limit_json(z.settings.max_records)}, {"used", z.record_count}});
  Json out;
  out["global"] =
      Json{{"limit", limit_json(store_.max_records())}, {"used", store_.record_count()}};
  out["zones"] = std::move(zones);
  return out;
}

}  // namespace rdnsd::admin
