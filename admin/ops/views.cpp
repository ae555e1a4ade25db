#include "admin/ops/views.h"

#include <algorithm>
#include <tuple>

#include <time.h>

#include <algorithm>

namespace rdnsd::admin {

std::string rfc3339(std::time_t t) {
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return "";
  char buf[32];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

Json limit_json(uint64_t limit) {
  return limit == 0 ? Json(nullptr) : Json(limit);
}

std::string base64(std::string_view bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (size_t j = 0; j < 3; ++j) v = v << 8 | (j < n ? uint8_t(bytes[i + j]) : 0);
    for (size_t j = 0; j < 4; ++j) out += j <= n ? kAlphabet[(v >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

Json record_json(const zonestore::Record& r) {
  Json out = Json{{"id", r.id},
                  {"ip", names::format_ip(r.address)},
                  {"name", r.owner},
                  {"ptr", r.target},
                  {"ttl", r.ttl},
                  {"description", r.description},
                  {"zone", r.zone},
                  {"created", rfc3339(r.created)},
                  {"modified", rfc3339(r.modified)},
                  {"created_by", r.created_by},
                  {"modified_by", r.modified_by},
                  {"status", "active"}};
  if (r.dhcid) out["dhcid"] = Json{{"ttl", r.dhcid->ttl}, {"rdata", base64(r.dhcid->rdata)}};
  return out;
}

Json zone_json(const zonestore::Zone& z) {
  const zonestore::ZoneSettings& s = z.settings;
  Json soa = {{"mname", s.soa.mname}, {"rname", s.soa.rname},   {"refresh", s.soa.refresh},
              {"retry", s.soa.retry}, {"expire", s.soa.expire}, {"minimum", s.soa.minimum},
              {"ttl", s.soa.ttl}};
  return Json{{"zone", z.apex},
              {"prefix", names::format_prefix(s.prefix)},
              {"serial", z.serial},
              {"served", z.served},
              {"origin", z.origin == zonestore::ZoneOrigin::Admin ? "admin" : "config"},
              {"records", z.record_count},
              {"ns", s.ns},
              {"soa", std::move(soa)},
              {"ttl", s.default_ttl},
              {"ns_ttl", s.ns_ttl_or_soa()},
              {"synthesize", s.synth ? Json{{"template", s.synth->tmpl},
                                            {"ttl", s.synth->ttl},
                                            {"in_transfer", s.synth->in_transfer}}
                                     : Json(nullptr)},
              {"serial_policy", serial::policy_name(s.policy)},
              {"max_records", limit_json(s.max_records)},
              {"fcrdns", fcrdns::mode_name(s.fcrdns)}};
}

Json serials_json(const std::vector<zonestore::ZoneSerial>& serials) {
  Json out = Json::array();
  for (const auto& s : serials) out.push_back(Json{{"zone", s.zone}, {"serial", s.serial}});
  return out;
}

std::vector<zonestore::Zone> sorted_zones(const zonestore::Store& store) {
  std::vector<zonestore::Zone> zones = store.zones();
  std::sort(zones.begin(), zones.end(), [](const auto& a, const auto& b) {
    const names::Prefix &p = a.settings.prefix, &q = b.settings.prefix;
    return std::tie(p.addr.family, p.addr.bytes, p.length) <
           std::tie(q.addr.family, q.addr.bytes, q.length);
  });
  return zones;
}

}  // namespace rdnsd::admin
