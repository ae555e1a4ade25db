// The `http:` section and its tokens file.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "conf/sections.h"
#include "zonestore/names/names.h"

namespace rdnsd::conf::detail {

namespace {

std::string read_text(const Reader& r, const YAML::Node& at, const std::string& path,
                      const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) r.fail(at, what + ": cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<ListenAddr> http_listen(const Reader& r, const YAML::Node& node) {
  std::vector<ListenAddr> out;
  if (node.IsScalar() && node.Scalar() == "none") return out;
  if (node.IsSequence() && node.size() == 0) return out;
  const auto entries = r.strings(node, "http.listen");
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string why;
    auto addr = parse_address(entries[i].first, 0, why);
    if (!addr) r.fail(entries[i].second, "http.listen[" + std::to_string(i) + "]: " + why);
    for (const auto& seen : out)
      if (seen.host == addr->host && seen.port == addr->port)
        r.fail(entries[i].second, "http.listen: '" + entries[i].first + "' is listed twice");
    out.push_back(std::move(*addr));
  }
  return out;
}

std::string unhex(const Reader& r, const YAML::Node& at, const std::string& path) {
  const std::string text = r.string(at, path);
  if (text.size() != 64) r.fail(at, path + " must be 64 hex digits (SHA-256 of the secret)");
  std::string out;
  for (size_t i = 0; i < 64; i += 2) {
    auto digit = [&](char c) -> int {
      if (!std::isxdigit(uint8_t(c))) r.fail(at, path + " must be 64 hex digits");
      return std::isdigit(uint8_t(c)) ? c - '0' : (std::tolower(uint8_t(c)) - 'a' + 10);
    };
    out += char(digit(text[i]) * 16 + digit(text[i + 1]));
  }
  return out;
}

std::vector<std::string> texts(const Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& [text, line] : r.strings(node, path)) out.push_back(text);
  return out;
}

// The file's list; what a token means (scopes, prefixes, dates) is checked where tokens
// are made (the admin side), with the same rules as rdnsctl token add.
std::vector<HttpTokenConf> parse_tokens_file(const std::string& path, const std::string& text) {
  Reader r(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    r.fail(e.mark.is_null() ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg);
  }
  std::vector<HttpTokenConf> out;
  if (root.IsNull()) return out;
  r.check_sequence(root, "tokens");
  for (size_t i = 0; i < root.size(); ++i) {
    const YAML::Node& n = root[i];
    const std::string at = index_path("tokens", i);
    r.check_map(n, at, {"name", "sha256", "scopes", "prefixes", "quota", "expires"});
    HttpTokenConf t;
    auto name = child(n, "name");
    auto hash = child(n, "sha256");
    auto scopes = child(n, "scopes");
    if (!name || !hash || !scopes) r.fail(n, at + " needs name, sha256 and scopes");
    t.name = r.string(*name, join(at, "name"));
    for (const auto& other : out)
      if (other.name == t.name) r.fail(*name, at + ": token '" + t.name + "' is listed twice");
    t.sha256 = unhex(r, *hash, join(at, "sha256"));
    t.scopes = texts(r, *scopes, join(at, "scopes"));
    for (const auto& scope : t.scopes)
      if (scope != "read" && scope != "write" && scope != "admin" && scope != "metrics")
        r.fail(*scopes, join(at, "scopes") + ": unknown scope '" + scope +
                            "' (read, write, admin or metrics)");
    if (auto v = child(n, "prefixes")) {
      t.prefixes = texts(r, *v, join(at, "prefixes"));
      for (const auto& text : t.prefixes) {
        std::string why;
        if (!names::parse_prefix(text, &why))
          r.fail(*v, join(at, "prefixes") + ": '" + text + "': " + why);
      }
    }
    if (t.prefixes.empty() &&
        std::find(t.scopes.begin(), t.scopes.end(), "admin") == t.scopes.end())
      r.fail(n, at + ": a token without the admin scope needs prefixes");
    if (auto v = child(n, "quota")) t.quota = r.integer(*v, join(at, "quota"), 0, UINT32_MAX);
    if (auto v = child(n, "expires")) {
      t.expires = r.string(*v, join(at, "expires"));
      static const std::regex kDate(
          R"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|z|[+-]\d{2}:\d{2}))?)");
      if (!std::regex_match(t.expires, kDate))
        r.fail(*v, join(at, "expires") + " must be a date (2027-01-31) or an RFC 3339 time");
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

HttpConf parse_http(const Reader& r, const YAML::Node& node, const std::string& base_dir) {
  r.check_map(node, "http", Section::Http);
  HttpConf h;
  if (auto v = child(node, "listen")) h.listen = http_listen(r, *v);
  if (auto v = child(node, "tls")) {
    r.check_map(*v, "http.tls", Section::HttpTls);
    auto cert = child(*v, "cert"), key = child(*v, "key");
    if (!cert || !key) r.fail(*v, "http.tls needs both cert and key (PEM files)");
    h.tls_cert = resolve_path(base_dir, r.string(*cert, "http.tls.cert"));
    h.tls_key = resolve_path(base_dir, r.string(*key, "http.tls.key"));
    read_text(r, *cert, h.tls_cert, "http.tls.cert");
    read_text(r, *key, h.tls_key, "http.tls.key");
  }
  if (auto v = child(node, "max-connections"))
    h.max_connections = uint32_t(r.integer(*v, "http.max-connections", 1, 65535));
  if (auto v = child(node, "idle-timeout"))
    h.idle_timeout_s = uint32_t(r.integer(*v, "http.idle-timeout", 1, 3600));
  if (auto v = child(node, "tokens-file")) {
    h.tokens_file = resolve_path(base_dir, r.string(*v, "http.tokens-file"));
    h.tokens =
        parse_tokens_file(h.tokens_file, read_text(r, *v, h.tokens_file, "http.tokens-file"));
  }
  return h;
}

}  // namespace rdnsd::conf::detail
