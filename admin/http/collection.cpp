// GET /reverserecords: a page of the records the token may see, in address order, with
// links to the pages around it. The links carry the page's bounds (`after` the last
// address shown, `before` the first), so a walk along them shows every record that stays
// exactly once however many are written meanwhile; `offset` alone is a position for
// people (it skips that many from the start).
#include <charconv>

#include "admin/http/api.h"
#include "admin/http/rest_json.h"

namespace rdnsd::admin::http {

namespace {

struct Query {
  uint64_t offset = 0, limit = kDefaultLimit;
  std::optional<std::string> ip, name, zone;
  std::optional<names::IpAddress> after, before;
};

bool number(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 15) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool read_query(const Request& r, Query& q, Reply& error) {
  auto fail = [&](const char* c, const std::string& m) {
    error = error_reply(400, c, m);
    return false;
  };
  std::vector<std::string> seen;
  for (const auto& [key, value] : r.query) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return fail(code::kBadRequest, "query parameter '" + key + "' is given twice");
    seen.push_back(key);
    if (key == "offset") {
      if (!number(value, q.offset))
        return fail(code::kBadRequest, "offset must be an integer 0 or more");
    } else if (key == "limit") {
      if (!number(value, q.limit) || q.limit < 1 || q.limit > kMaxLimit)
        return fail(code::kBadRequest, "limit must be an integer 1.." + std::to_string(kMaxLimit));
    } else if (key == "filter.recordIp") {
      q.ip = value;
    } else if (key == "filter.name") {
      q.name = value;
    } else if (key == "filter.zone") {
      q.zone = value;
    } else if (key == "after" || key == "before") {
      auto a = names::parse_ip(value);
      if (!a) return fail(code::kBadAddress, key + " must be an IP address");
      (key == "after" ? q.after : q.before) = a;
    } else {
      return fail(code::kBadRequest, "unknown query parameter '" + key + "'");
    }
  }
  if (q.after && q.before) return fail(code::kBadRequest, "give after or before, not both");
  return true;
}

// The ranges that are inside one of `a` and one of `b`; nullopt stands for everything.
std::optional<std::vector<names::Prefix>> intersect(
    const std::optional<std::vector<names::Prefix>>& a, const names::Prefix& b) {
  if (!a) return std::vector<names::Prefix>{b};
  std::vector<names::Prefix> out;
  for (const auto& p : *a)
    if (names::prefixes_overlap(p, b)) out.push_back(p.length >= b.length ? p : b);
  return out;
}

std::string href(const Query& q, uint64_t offset, const char* bound,
                 const std::optional<names::IpAddress>& at) {
  std::string out =
      "/reverserecords?offset=" + std::to_string(offset) + "&limit=" + std::to_string(q.limit);
  if (q.ip) out += "&filter.recordIp=" + url_encode(*q.ip);
  if (q.name) out += "&filter.name=" + url_encode(*q.name);
  if (q.zone) out += "&filter.zone=" + url_encode(*q.zone);
  if (at) out += std::string("&") + bound + "=" + names::format_ip(*at);
  return out;
}

}  // namespace

Reply Api::list(const Request& r, const Caller& c) const {
  Query q;
  Reply error;
  if (!read_query(r, q, error)) return error;
  std::optional<std::vector<names::Prefix>> ranges;
  if (!c.admin()) ranges = c.prefixes;
  if (q.ip) {
    std::optional<names::Prefix> p = names::parse_prefix(*q.ip);
    if (auto a = names::parse_ip(*q.ip)) p = names::Prefix{*a, unsigned(a->size() * 8)};
    if (!p)
      return error_reply(400, code::kBadAddress,
                         "filter.recordIp must be an IP address or a prefix (CIDR)");
    ranges = intersect(ranges, *p);
  }
  if (q.zone) {
    auto z = store_.zone(*q.zone);
    ranges = z ? intersect(ranges, z->settings.prefix) : std::vector<names::Prefix>{};
  }
  zonestore::RecordPage page;
  if (!ranges || !ranges->empty()) {
    zonestore::RecordPageQuery pq;
    if (ranges) pq.ranges = *ranges;
    pq.name_contains = q.name;
    pq.after = q.after;
    pq.before = q.before;
    pq.skip = q.after || q.before ? 0 : q.offset;
    pq.limit = q.limit;
    page = store_.page(pq);
  }
  Json items = Json::array();
  for (const auto& rec : page.records) items.push_back(rest_record(rec, status(rec)));
  Json links;
  if (page.more_before) {
    const uint64_t back = q.offset > q.limit ? q.offset - q.limit : 0;
    std::optional<names::IpAddress> first;
    if (!page.records.empty()) first = page.records.front().address;
    links["prev"] = {{"href", href(q, back, "before", first)}};
  }
  const char* bound = q.after ? "after" : q.before ? "before" : nullptr;
  links["self"] = {{"href", href(q, q.offset, bound ? bound : "", q.after ? q.after : q.before)}};
  if (page.more_after && !page.records.empty())
    links["next"] = {
        {"href", href(q, q.offset + page.records.size(), "after", page.records.back().address)}};
  Json body = {{"type", "collection"},      {"href", links["self"]["href"]},
               {"items", std::move(items)}, {"offset", q.offset},
               {"limit", q.limit},          {"_links", links}};
  return json_reply(200, body);
}

}  // namespace rdnsd::admin::http
