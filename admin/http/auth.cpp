#include "admin/http/auth.h"

#include <cctype>
#include <stdexcept>

#include "admin/ops/tokens.h"

namespace rdnsd::admin::http {

bool Caller::admin() const {
  return scopes & tokens::kAdmin;
}
bool Caller::may_read() const {
  return scopes & (tokens::kRead | tokens::kWrite | tokens::kAdmin);
}
bool Caller::may_write() const {
  return scopes & (tokens::kWrite | tokens::kAdmin);
}
bool Caller::covers(const names::IpAddress& addr) const {
  if (admin()) return true;
  for (const auto& p : prefixes)
    if (names::prefix_contains(p, addr)) return true;
  return false;
}

namespace {

zonestore::Token from_conf(const conf::HttpTokenConf& c) {
  zonestore::Token t;
  t.name = c.name;
  t.hash = c.sha256;
  for (const auto& s : c.scopes) {
    const uint8_t b = tokens::scope_bit(s);
    if (!b) throw std::invalid_argument("token " + c.name + ": unknown scope '" + s + "'");
    t.scopes |= b;
  }
  for (const auto& text : c.prefixes) {
    std::string why;
    auto p = names::parse_prefix(text, &why);
    if (!p) throw std::invalid_argument("token " + c.name + ": '" + text + "': " + why);
    t.prefixes.push_back(*p);
  }
  t.quota = c.quota;
  if (!c.expires.empty()) {
    auto when = tokens::parse_time(c.expires);
    if (!when) throw std::invalid_argument("token " + c.name + ": bad expires '" + c.expires + "'");
    t.expires = *when;
  }
  return t;
}

}  // namespace

Authenticator::Authenticator(const zonestore::Store& store,
                             const std::vector<conf::HttpTokenConf>& file_tokens,
                             std::function<std::time_t()> clock)
    : store_(store), clock_(std::move(clock)) {
  for (const auto& c : file_tokens) file_tokens_.push_back(from_conf(c));
}

std::optional<zonestore::Token> Authenticator::find(std::string_view name) const {
  for (const auto& t : file_tokens_)
    if (t.name == name) return t;
  return store_.token(name);
}

Authenticator::Result Authenticator::check(const char* authorization, Caller& out) const {
  if (!authorization || !*authorization) return Result::Missing;
  std::string_view h(authorization);
  // The scheme is case-insensitive (RFC 9110 section 11.1).
  constexpr std::string_view kBearer = "bearer ";
  if (h.size() <= kBearer.size()) return Result::Malformed;
  for (size_t i = 0; i < kBearer.size(); ++i)
    if (std::tolower(uint8_t(h[i])) != kBearer[i]) return Result::Malformed;
  std::string_view name, secret;
  if (!tokens::split(h.substr(kBearer.size()), name, secret)) return Result::Malformed;
  auto t = find(name);
  // An unknown name costs a hash too, so that timing does not tell names apart.
  if (!t) {
    tokens::matches(secret, std::string(32, '\0'));
    return Result::Unknown;
  }
  if (!tokens::matches(secret, t->hash)) return Result::Unknown;
  if (t->expires != 0 && t->expires <= clock_()) return Result::Expired;
  out.name = t->name;
  out.scopes = t->scopes;
  out.prefixes = t->prefixes;
  out.quota = t->quota;
  return Result::Ok;
}

const char* Authenticator::reason(Result r) {
  switch (r) {
    case Result::Ok:
      return "ok";
    case Result::Missing:
      return "no token: send Authorization: Bearer TOKEN";
    case Result::Malformed:
      return "the Authorization header is not 'Bearer NAME.SECRET'";
    case Result::Unknown:
      return "the token is not valid";
    case Result::Expired:
      return "the token has expired";
  }
  return "";
}

}  // namespace rdnsd::admin::http
