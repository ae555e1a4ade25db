// The token operations of the handler: token-add, token-list, token-revoke.
#include "admin/ops/handler.h"
#include "admin/ops/tokens.h"
#include "admin/ops/views.h"

namespace rdnsd::admin {

using zonestore::StoreError;

namespace {

Json token_json(const zonestore::Token& t) {
  Json prefixes = Json::array();
  for (const auto& p : t.prefixes) prefixes.push_back(names::format_prefix(p));
  return Json{{"name", t.name},
              {"scopes", tokens::scope_names(t.scopes)},
              {"prefixes", std::move(prefixes)},
              {"quota", limit_json(t.quota)},
              {"expires", t.expires ? Json(rfc3339(t.expires)) : Json(nullptr)},
              {"created", rfc3339(t.created)},
              {"created_by", t.created_by}};
}

uint8_t scopes_of(const std::vector<std::string>& names) {
  if (names.empty()) throw StoreError(code::kBadRequest, "a token needs at least one scope");
  uint8_t bits = 0;
  for (const auto& n : names) {
    const uint8_t b = tokens::scope_bit(n);
    if (!b)
      throw StoreError(code::kBadRequest,
                       "unknown scope '" + n + "' (read, write, admin or metrics)");
    bits |= b;
  }
  return bits;
}

}  // namespace

Json Handler::token_add(const TokenAddRequest& r, const Peer& peer) {
  if (!tokens::valid_name(r.name))
    throw StoreError(code::kBadRequest,
                     "token name '" + r.name + "' must be 1..64 of A-Z a-z 0-9 _ -");
  zonestore::Token t;
  t.name = r.name;
  t.scopes = scopes_of(r.scopes);
  for (const auto& text : r.prefixes) {
    std::string why;
    auto p = names::parse_prefix(text, &why);
    if (!p) throw StoreError(code::kBadAddress, "'" + text + "': " + why);
    t.prefixes.push_back(*p);
  }
  if (t.prefixes.empty() && !(t.scopes & tokens::kAdmin) && (t.scopes & ~tokens::kMetrics))
    throw StoreError(code::kBadRequest,
                     "a token without the admin scope needs at least one prefix");
  t.quota = r.quota.value_or(0);
  t.created = options_.clock();
  if (r.expires) {
    auto when = tokens::parse_time(*r.expires);
    if (!when)
      throw StoreError(code::kBadRequest, "expires '" + *r.expires +
                                              "' is not a date (2027-01-31) or an RFC 3339 "
                                              "time (2027-01-31T12:00:00Z)");
    if (*when <= t.created)
      throw StoreError(code::kBadRequest, "expires '" + *r.expires + "' is in the past");
    t.expires = *when;
  }
  t.created_by = actor_of(std::nullopt, peer);
  const std::string secret = tokens::new_secret();
  t.hash = tokens::hash(secret);
  store_.add_token(t);
  Json out;
  out["token"] = token_json(t);
  out["secret"] = t.name + "." + secret;
  return out;
}

Json Handler::token_list(const TokenListRequest&) {
  Json list = Json::array();
  for (const auto& t : store_.tokens()) {
    Json j = token_json(t);
    j["records"] =
        (t.scopes & tokens::kAdmin) ? store_.record_count() : store_.count_in(t.prefixes);
    list.push_back(std::move(j));
  }
  return Json{{"tokens", std::move(list)}};
}

Json Handler::token_revoke(const TokenRevokeRequest& r) {
  store_.remove_token(r.name);
  return Json{{"name", r.name}};
}

}  // namespace rdnsd::admin
