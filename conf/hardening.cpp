// The server's defences against abuse: `server.rrl` (response rate limiting) and
// `server.cookie-secret` (DNS Cookies).
#include <string>
#include <vector>

#include "conf/sections.h"
#include "conf/yaml_reader.h"

namespace rdnsd::conf::detail {
namespace {

constexpr size_t kCookieSecretBytes = 16;
constexpr size_t kMaxCookieSecrets = 8;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One secret: exactly 32 hex digits, as its 16 bytes.
std::string cookie_secret(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  std::string out;
  bool hex = text.size() == 2 * kCookieSecretBytes;
  for (size_t i = 0; hex && i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    hex = hi >= 0 && lo >= 0;
    out.push_back(char(hi << 4 | lo));
  }
  if (!hex)
    r.fail(node, path +
                     " must be 32 hex digits (16 bytes, e.g. from `openssl rand -hex 16`), not '" +
                     text + "'");
  return out;
}

}  // namespace

RrlConf parse_rrl(const Reader& r, const YAML::Node& node) {
  r.check_map(node, "server.rrl", Section::Rrl);
  RrlConf c;
  if (auto v = child(node, "rate")) c.rate = uint32_t(r.integer(*v, "server.rrl.rate", 0, 1000000));
  if (auto v = child(node, "slip")) c.slip = uint32_t(r.integer(*v, "server.rrl.slip", 0, 10));
  if (auto v = child(node, "ipv4-prefix"))
    c.ipv4_prefix = uint32_t(r.integer(*v, "server.rrl.ipv4-prefix", 0, 32));
  if (auto v = child(node, "ipv6-prefix"))
    c.ipv6_prefix = uint32_t(r.integer(*v, "server.rrl.ipv6-prefix", 0, 128));
  if (auto v = child(node, "window"))
    c.window = uint32_t(r.integer(*v, "server.rrl.window", 1, 3600));
  if (auto v = child(node, "table-size"))
    c.table_size = uint32_t(r.integer(*v, "server.rrl.table-size", 1024, 16777216));
  if (auto v = child(node, "whitelist")) {
    if (!v->IsSequence() && !v->IsScalar())
      r.fail(*v, "server.rrl.whitelist must be a prefix or a list of prefixes");
    std::vector<YAML::Node> items;
    if (v->IsScalar()) {
      items.push_back(*v);
    } else {
      for (const auto& item : *v) items.push_back(item);
    }
    for (size_t i = 0; i < items.size(); ++i)
      c.whitelist.push_back(from_value(r, items[i], index_path("server.rrl.whitelist", i)));
  }
  return c;
}

std::vector<std::string> parse_cookie_secrets(const Reader& r, const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(cookie_secret(r, node, "server.cookie-secret"));
    return out;
  }
  if (!node.IsSequence() || node.size() == 0)
    r.fail(node, "server.cookie-secret must be 32 hex digits or a list of them");
  if (node.size() > kMaxCookieSecrets)
    r.fail(node, "server.cookie-secret lists " + std::to_string(node.size()) +
                     " secrets, more than " + std::to_string(kMaxCookieSecrets));
  for (size_t i = 0; i < node.size(); ++i)
    out.push_back(cookie_secret(r, node[i], index_path("server.cookie-secret", i)));
  return out;
}

}  // namespace rdnsd::conf::detail
