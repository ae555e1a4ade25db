// The forward-confirmation parts of the handler: the check before a set or batch is
// written, and the check op (docs/ADMIN-PROTOCOL.md).
#include <algorithm>
#include <map>

#include "admin/ops/handler.h"
#include "admin/ops/views.h"

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

// A set whose target must be confirmed, with what it needs for that.
struct Pending {
  size_t index;  // of the op in the request
  names::IpAddress address;
  std::string target;  // absolute host name
  fcrdns::Mode mode;   // warn or require
};

// The served zones with forward confirmation on: the zone of a single set (one lookup),
// or every such zone for a batch.
std::vector<zonestore::Zone> checked_zones(const zonestore::Store& store,
                                           const std::vector<const SetRequest*>& sets) {
  std::vector<zonestore::Zone> zones;
  if (sets.size() == 1 && sets[0]) {
    if (!names::parse_ip(sets[0]->ip)) return {};
    if (auto z = store.zone_for_address(sets[0]->ip)) zones.push_back(std::move(*z));
  } else {
    zones = store.zones();
  }
  std::erase_if(zones, [](const zonestore::Zone& z) {
    return !z.served || z.settings.fcrdns == fcrdns::Mode::Off;
  });
  return zones;
}

// The sets to confirm, in op order. Stops at the first op with a malformed address or
// target: the store refuses that op, and no later op may be reported before it.
std::vector<Pending> pending_sets(const std::vector<zonestore::Zone>& zones,
                                  const std::vector<const SetRequest*>& sets) {
  std::vector<Pending> out;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (!sets[i]) continue;
    auto addr = names::parse_ip(sets[i]->ip);
    if (!addr) break;
    auto zone = std::find_if(zones.begin(), zones.end(), [&](const zonestore::Zone& z) {
      return names::prefix_contains(z.settings.prefix, *addr);
    });
    if (zone == zones.end()) continue;
    auto target = names::normalize_hostname(sets[i]->name);
    if (!target) break;
    out.push_back(Pending{i, *addr, *target, zone->settings.fcrdns});
  }
  return out;
}

// A pending set whose target did not confirm, as its answer will say it.
struct Unconfirmed {
  size_t index;  // of the op in the request
  bool refused;  // in a `require` zone: the set is refused (fcrdns_failed)
  std::string text;
};

// The pending sets (in order) whose forward lookups `found` do not confirm them.
std::vector<Unconfirmed> unconfirmed(const std::vector<Pending>& pending,
                                     const std::vector<fcrdns::Forward>& found) {
  std::vector<Unconfirmed> out;
  for (size_t k = 0; k < pending.size(); ++k) {
    const Pending& p = pending[k];
    fcrdns::Verdict v = fcrdns::judge(p.address, p.target, found[k]);
    if (v.state == fcrdns::State::Confirmed) continue;
    const std::string ip = names::format_ip(p.address);
    if (p.mode == fcrdns::Mode::Require)
      out.push_back({p.index, true, "forward confirmation of " + ip + " failed: " + v.reason});
    else
      out.push_back({p.index, false, ip + " is not forward-confirmed: " + v.reason});
  }
  return out;
}

std::vector<std::string> targets_of(const std::vector<Pending>& pending) {
  std::vector<std::string> targets;
  for (const auto& p : pending) targets.push_back(p.target);
  return targets;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// Each distinct name once (names compare case-insensitively); `slot` maps the i-th
// input name to its index in the returned list.
std::vector<std::string> distinct(const std::vector<std::string>& names,
                                  std::vector<size_t>& slot) {
  std::vector<std::string> out;
  std::map<std::string, size_t> seen;
  for (const auto& n : names) {
    auto [it, fresh] = seen.emplace(lower(n), out.size());
    if (fresh) out.push_back(n);
    slot.push_back(it->second);
  }
  return out;
}

Json addresses_json(const fcrdns::Answer& a) {
  Json out = Json::array();
  for (const auto& addr : a.addresses) out.push_back(names::format_ip(addr));
  return out;
}

// One record's check: {"ip","ptr","zone","a","aaaa","confirmed","state","reason"}.
Json check_json(const zonestore::Record& r, const fcrdns::Forward& f, const fcrdns::Verdict& v) {
  Json out;
  out["ip"] = names::format_ip(r.address);
  out["ptr"] = r.target;
  out["zone"] = r.zone;
  out["a"] = addresses_json(f.a);
  out["aaaa"] = addresses_json(f.aaaa);
  out["confirmed"] = v.state == fcrdns::State::Confirmed;
  out["state"] = fcrdns::state_name(v.state);
  out["reason"] = v.reason;
  return out;
}

// Every record of the zone with apex `apex`, in address order.
std::vector<zonestore::Record> zone_records(const zonestore::Store& store,
                                            const std::string& apex) {
  std::vector<zonestore::Record> out;
  zonestore::ListFilter f;
  f.zone = apex;
  f.limit = limits::kMaxListLimit;
  for (;;) {
    zonestore::ListResult page = store.list(f);
    std::move(page.records.begin(), page.records.end(), std::back_inserter(out));
    if (!page.next_offset) return out;
    f.offset = *page.next_offset;
  }
}

}  // namespace

void Handler::set_resolver(std::shared_ptr<fcrdns::Resolver> resolver) {
  std::lock_guard lock(defaults_mutex_);
  options_.resolver = std::move(resolver);
}

// Distinct names are resolved once; without a resolver every answer is a failure.
std::vector<fcrdns::Forward> Handler::resolve(const std::vector<std::string>& names) {
  std::shared_ptr<fcrdns::Resolver> resolver;
  {
    std::lock_guard lock(defaults_mutex_);
    resolver = options_.resolver;
  }
  std::vector<size_t> slot;
  std::vector<std::string> unique = distinct(names, slot);
  std::vector<fcrdns::Forward> found;
  if (resolver) found = resolver->resolve(unique);
  if (found.size() != unique.size()) {
    const fcrdns::Answer none{fcrdns::Answer::Status::Failed, {}, "no resolver is configured"};
    found.assign(unique.size(), fcrdns::Forward{none, none});
  }
  std::vector<fcrdns::Forward> out;
  out.reserve(names.size());
  for (size_t s : slot) out.push_back(found[s]);
  return out;
}

std::vector<std::string> Handler::confirm(const std::vector<const SetRequest*>& sets, bool batch) {
  std::vector<zonestore::Zone> zones = checked_zones(store_, sets);
  if (zones.empty()) return {};
  std::vector<Pending> pending = pending_sets(zones, sets);
  if (pending.empty()) return {};
  std::vector<std::string> warnings;
  for (Unconfirmed& u : unconfirmed(pending, resolve(targets_of(pending)))) {
    if (u.refused) {
      StoreError e(code::kFcrdnsFailed, u.text);
      if (batch) throw zonestore::BatchError(u.index, e);
      throw e;
    }
    warnings.push_back((batch ? "ops[" + std::to_string(u.index) + "]: " : std::string()) + u.text);
  }
  return warnings;
}

// Each set is judged alone (its own zone, no index in the messages); only the lookups
// are shared, so that a group of sets waits for one resolve() rather than one each.
std::vector<Handler::Confirmation> Handler::confirm_each(
    const std::vector<const SetRequest*>& sets) {
  std::vector<Confirmation> out(sets.size());
  std::vector<Pending> pending;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (!sets[i]) continue;
    std::vector<zonestore::Zone> zones = checked_zones(store_, {sets[i]});
    if (zones.empty()) continue;
    for (Pending& p : pending_sets(zones, {sets[i]})) {
      p.index = i;
      pending.push_back(std::move(p));
    }
  }
  if (pending.empty()) return out;
  for (Unconfirmed& u : unconfirmed(pending, resolve(targets_of(pending)))) {
    if (u.refused)
      out[u.index].error = StoreError(code::kFcrdnsFailed, u.text);
    else
      out[u.index].warnings.push_back(std::move(u.text));
  }
  return out;
}

Json Handler::check(const CheckRequest& r) {
  std::vector<zonestore::Record> records;
  std::optional<zonestore::Zone> zone;
  if (r.ip) {
    auto record = store_.get(*r.ip);
    if (!record) throw StoreError(code::kNotFound, "no record for " + *r.ip);
    zone = store_.zone(record->zone);
    records.push_back(std::move(*record));
  } else {
    check_zone_name(*r.zone);
    zone = store_.zone(*r.zone);
    if (!zone) throw StoreError(code::kNotFound, "no zone " + *r.zone);
    records = zone_records(store_, zone->apex);
  }
  std::vector<std::string> targets;
  for (const auto& rec : records) targets.push_back(rec.target);
  std::vector<fcrdns::Forward> found = resolve(targets);
  Json list = Json::array();
  size_t counts[3] = {0, 0, 0};
  for (size_t i = 0; i < records.size(); ++i) {
    fcrdns::Verdict v = fcrdns::judge(records[i].address, records[i].target, found[i]);
    ++counts[size_t(v.state)];
    list.push_back(check_json(records[i], found[i], v));
  }
  const char* mode = fcrdns::mode_name(zone ? zone->settings.fcrdns : fcrdns::Mode::Off);
  if (r.ip) {
    Json out = list.at(0);
    out["fcrdns"] = mode;
    return out;
  }
  Json out;
  out["zone"] = zone->apex;
  out["fcrdns"] = mode;
  out["records"] = std::move(list);
  out["total"] = records.size();
  out["confirmed"] = counts[size_t(fcrdns::State::Confirmed)];
  out["unconfirmed"] = counts[size_t(fcrdns::State::Unconfirmed)];
  out["unresolvable"] = counts[size_t(fcrdns::State::Unresolvable)];
  return out;
}

}  // namespace rdnsd::admin
