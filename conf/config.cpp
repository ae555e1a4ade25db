// The loader's entry points and the server, store and admin sections.
#include "conf/config.h"

#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "conf/sections.h"
#include "conf/yaml_reader.h"

namespace rdnsd::conf {
namespace detail {

// ---- addresses: server.listen, fcrdns.resolver, secondaries --------------------------

std::optional<ListenAddr> parse_address(const std::string& text, uint16_t default_port,
                                        std::string& why) {
  ListenAddr out;
  out.text = text;
  std::optional<std::string> port;  // as written; std::nullopt when left out
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    const bool bare = close != std::string::npos && close + 1 == text.size() && default_port;
    if (close == std::string::npos ||
        (!bare && (close + 1 >= text.size() || text[close + 1] != ':'))) {
      why = "'" + text + "' must be [IPV6-ADDRESS]" +
            (default_port ? " or [IPV6-ADDRESS]:PORT" : ":PORT");
      return std::nullopt;
    }
    out.host = text.substr(1, close - 1);
    out.family = 6;
    if (!bare) port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    // More than one colon: an IPv6 address, which may stand bare only without a port.
    const bool v6 = colon != std::string::npos && text.find(':') != colon;
    if (v6 && !default_port) {
      why = "'" + text + "': write IPv6 addresses in brackets, e.g. [::1]:53";
      return std::nullopt;
    }
    if (colon == std::string::npos && !default_port) {
      why = "'" + text + "' has no port (expected ADDRESS:PORT, e.g. 127.0.0.1:53)";
      return std::nullopt;
    }
    out.family = v6 ? 6 : 4;
    out.host = v6 || colon == std::string::npos ? text : text.substr(0, colon);
    if (!v6 && colon != std::string::npos) port = text.substr(colon + 1);
  }
  unsigned char buf[16];
  if (inet_pton(out.family == 4 ? AF_INET : AF_INET6, out.host.c_str(), buf) != 1) {
    why = "'" + out.host + "'" + (out.host == text ? "" : " in '" + text + "'") + " is not an IPv" +
          std::to_string(out.family) + " address";
    return std::nullopt;
  }
  out.port = default_port;
  if (!port) return out;
  const bool digits = !port->empty() && port->size() <= 5 &&
                      port->find_first_not_of("0123456789") == std::string::npos;
  const unsigned long value = digits ? std::stoul(*port) : 0;
  if (value < 1 || value > 65535) {
    why = "port '" + *port + "' in '" + text + "' must be 1..65535";
    return std::nullopt;
  }
  out.port = uint16_t(value);
  return out;
}

}  // namespace detail

namespace {

using detail::child;
using detail::line_of;
using detail::Reader;

std::string error_text(const std::string& file, int line, const std::string& reason) {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + reason : file + ": " + reason;
}

// ---- server.listen -------------------------------------------------------------------

// The address and port in binary, to find the same socket written twice.
std::string listen_identity(const ListenAddr& a) {
  unsigned char buf[16] = {};
  inet_pton(a.family == 4 ? AF_INET : AF_INET6, a.host.c_str(), buf);
  return std::to_string(a.family) + ":" + std::string(reinterpret_cast<char*>(buf), 16) + ":" +
         std::to_string(a.port);
}

// A list of ADDRESS:PORT entries at `path` (server.listen, fcrdns.resolver).
std::vector<ListenAddr> parse_listen(const Reader& r, const YAML::Node& node,
                                     const std::string& path) {
  std::vector<ListenAddr> out;
  std::vector<std::pair<std::string, int>> seen;
  const auto entries = r.strings(node, path);
  if (entries.empty()) r.fail(node, path + " must list at least one ADDRESS:PORT");
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [text, line] = entries[i];
    std::string why;
    auto addr = detail::parse_address(text, 0, why);
    if (!addr) r.fail(line, path + "[" + std::to_string(i) + "]: " + why);
    const std::string id = listen_identity(*addr);
    for (const auto& [other, other_line] : seen)
      if (other == id)
        r.fail(line,
               path + ": '" + text + "' is already listed on line " + std::to_string(other_line));
    seen.emplace_back(id, line);
    out.push_back(std::move(*addr));
  }
  return out;
}

// ---- server --------------------------------------------------------------------------

std::string default_identity() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  return buf;
}

// identity / version / nsid: a string, or true (the fallback; an error if there is
// none) or false (off). Absent keeps `enabled` as it is and sets the fallback.
void parse_info(const Reader& r, const YAML::Node& server, const char* key, bool& enabled,
                std::string& value, const std::string& fallback) {
  const std::string path = std::string("server.") + key;
  auto node = child(server, key);
  if (!node) {
    value = enabled ? fallback : "";
    return;
  }
  if (auto b = r.boolean(*node)) {
    if (*b && fallback.empty()) r.fail(*node, path + " must be a string or false");
    enabled = *b;
    value = *b ? fallback : "";
    return;
  }
  value = r.string(*node, path);
  if (value.size() > kMaxInfoString)
    r.fail(*node, path + " is " + std::to_string(value.size()) + " bytes long, more than " +
                      std::to_string(kMaxInfoString));
  enabled = true;
}

ServerConf parse_server(const Reader& r, const YAML::Node& node) {
  r.check_map(node, "server", Section::Server);
  ServerConf s;
  auto listen = child(node, "listen");
  if (!listen) r.fail(node, "server.listen is required (e.g. listen: [\"127.0.0.1:53\"])");
  s.listen = parse_listen(r, *listen, "server.listen");
  if (auto v = child(node, "workers"))
    s.workers = unsigned(r.integer(*v, "server.workers", 0, 256));
  parse_info(r, node, "identity", s.identity_enabled, s.identity, default_identity());
  parse_info(r, node, "version", s.version_enabled, s.version, "rdnsd " RDNSD_VERSION);
  parse_info(r, node, "nsid", s.nsid_enabled, s.nsid, "");
  if (auto v = child(node, "udp-payload"))
    s.udp_payload = uint16_t(r.integer(*v, "server.udp-payload", 512, 4096));
  if (auto v = child(node, "udp-receive-buffer")) {
    s.udp_receive_buffer = r.size(*v, "server.udp-receive-buffer", 0, 1ull << 30);
    if (s.udp_receive_buffer != 0 && s.udp_receive_buffer < (64u << 10))
      r.fail(*v, "server.udp-receive-buffer must be 0 (the system's default) or 64K..1G");
  }
  if (auto v = child(node, "tcp-idle-timeout"))
    s.tcp_idle_timeout_ms = uint32_t(r.integer(*v, "server.tcp-idle-timeout", 1, 3600000));
  if (auto v = child(node, "tcp-max-connections"))
    s.tcp_max_connections = uint32_t(r.integer(*v, "server.tcp-max-connections", 1, 1000000));
  if (auto v = child(node, "tcp-max-per-client"))
    s.tcp_max_per_client = uint32_t(r.integer(*v, "server.tcp-max-per-client", 0, 1000000));
  if (auto v = child(node, "tcp-io-timeout"))
    s.tcp_io_timeout_ms = uint32_t(r.integer(*v, "server.tcp-io-timeout", 1, 3600000));
  if (auto v = child(node, "rrl")) s.rrl = detail::parse_rrl(r, *v);
  if (auto v = child(node, "cookie-secret")) s.cookie_secrets = detail::parse_cookie_secrets(r, *v);
  return s;
}

// ---- store, admin --------------------------------------------------------------------

StoreConf parse_store(const Reader& r, const YAML::Node& node, const std::string& base_dir) {
  r.check_map(node, "store", Section::Store);
  StoreConf s;
  auto path = child(node, "path");
  if (!path) r.fail(node, "store.path is required (e.g. path: ./var/rdnsd.mdb)");
  s.path = detail::resolve_path(base_dir, r.string(*path, "store.path"));
  if (auto v = child(node, "map-size"))
    s.map_size = r.size(*v, "store.map-size", 1ull << 20, 1ull << 46);
  if (auto v = child(node, "map-size-max")) {
    s.map_size_max = r.size(*v, "store.map-size-max", 1ull << 20, 1ull << 46);
    if (s.map_size_max < s.map_size)
      r.fail(*v, "store.map-size-max must be at least store.map-size");
  }
  return s;
}

// A user or group by name or numeric id, as this system knows it.
uint32_t parse_id(const Reader& r, const YAML::Node& node, const std::string& path, bool group) {
  const std::string text = r.string(node, path);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    return uint32_t(r.integer(node, path, 0, 4294967294u));
  std::vector<char> buf(16384);
  if (group) {
    ::group gr, *found = nullptr;
    if (getgrnam_r(text.c_str(), &gr, buf.data(), buf.size(), &found) == 0 && found)
      return found->gr_gid;
    r.fail(node, path + ": no group '" + text + "' on this system");
  }
  passwd pw, *found = nullptr;
  if (getpwnam_r(text.c_str(), &pw, buf.data(), buf.size(), &found) == 0 && found)
    return found->pw_uid;
  r.fail(node, path + ": no user '" + text + "' on this system");
}

std::vector<uint32_t> parse_ids(const Reader& r, const YAML::Node& node, const std::string& path,
                                bool group) {
  std::vector<uint32_t> out;
  if (node.IsScalar()) {
    out.push_back(parse_id(r, node, path, group));
    return out;
  }
  if (!node.IsSequence()) r.fail(node, path + " must be a name, an id, or a list of them");
  for (const auto& item : node) out.push_back(parse_id(r, item, path, group));
  return out;
}

AdminConf parse_admin(const Reader& r, const YAML::Node& node, const std::string& base_dir) {
  r.check_map(node, "admin", Section::Admin);
  AdminConf a;
  auto socket = child(node, "socket");
  if (!socket) r.fail(node, "admin.socket is required (e.g. socket: ./var/rdnsd.sock)");
  a.socket = detail::resolve_path(base_dir, r.string(*socket, "admin.socket"));
  if (a.socket.size() > kMaxSocketPath)
    r.fail(*socket, "admin.socket resolves to " + a.socket + ", which is " +
                        std::to_string(a.socket.size()) + " bytes long; a Unix socket path " +
                        "may have at most " + std::to_string(kMaxSocketPath));
  if (auto v = child(node, "mode")) a.mode = r.mode(*v, "admin.mode");
  if (auto v = child(node, "max-connections"))
    a.max_connections = uint32_t(r.integer(*v, "admin.max-connections", 1, kMaxAdminConnections));
  if (auto v = child(node, "idle-timeout"))
    a.idle_timeout_s = uint32_t(r.integer(*v, "admin.idle-timeout", 0, kMaxAdminIdleTimeout));
  if (auto v = child(node, "commit-wait"))
    a.commit_wait_ms = uint32_t(r.integer(*v, "admin.commit-wait", 0, kMaxAdminCommitWait));
  if (auto v = child(node, "allow-users"))
    a.allow_uids = parse_ids(r, *v, "admin.allow-users", false);
  if (auto v = child(node, "allow-groups"))
    a.allow_gids = parse_ids(r, *v, "admin.allow-groups", true);
  if (auto v = child(node, "group")) a.group = parse_id(r, *v, "admin.group", true);
  return a;
}

// ---- log -----------------------------------------------------------------------------

LogConf parse_log(const Reader& r, const YAML::Node& node) {
  r.check_map(node, "log", Section::Log);
  LogConf l;
  if (auto v = child(node, "level")) {
    auto level = logging::parse_level(r.string(*v, "log.level"));
    if (!level) r.fail(*v, "log.level must be error, warning, notice, info or debug");
    l.level = *level;
  }
  if (auto v = child(node, "format")) {
    auto format = logging::parse_format(r.string(*v, "log.format"));
    if (!format) r.fail(*v, "log.format must be text or json");
    l.format = *format;
  }
  return l;
}

// ---- fcrdns --------------------------------------------------------------------------

FcrdnsConf parse_fcrdns(const Reader& r, const YAML::Node& node) {
  r.check_map(node, "fcrdns", Section::Fcrdns);
  FcrdnsConf f;
  if (auto v = child(node, "resolver")) f.resolvers = parse_listen(r, *v, "fcrdns.resolver");
  if (auto v = child(node, "timeout"))
    f.timeout_ms = uint32_t(r.integer(*v, "fcrdns.timeout", 1, 60000));
  return f;
}

// The resolver forward confirmation uses when the config names none.
ListenAddr default_resolver() {
  return ListenAddr{"127.0.0.1", 53, 4, "127.0.0.1:53"};
}

// ---- the document --------------------------------------------------------------------

// A hint for the most common syntax error: a tab in the indentation of `line` (1-based).
std::string tab_hint(const std::string& yaml, int line) {
  size_t start = 0;
  for (int n = 1; n < line && start != std::string::npos; ++n) {
    start = yaml.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return "";
  const size_t text = yaml.find_first_not_of(" \t", start);
  const size_t tab = yaml.find('\t', start);
  return tab < text ? " (indent with spaces: YAML does not allow tabs there)" : "";
}

// The one document of the file; syntax errors keep yaml-cpp's position.
YAML::Node parse_document(const Reader& r, const std::string& yaml) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    r.fail(line, "YAML syntax error: " + e.msg + (line > 0 ? tab_hint(yaml, line) : ""));
  }
  if (docs.size() > 1) r.fail(line_of(docs[1]), "the file holds more than one YAML document");
  if (docs.empty() || docs[0].IsNull()) r.fail(0, "the configuration is empty");
  return docs[0];
}

// A section that must be there; errors without a line, since it is missing.
YAML::Node section(const Reader& r, const YAML::Node& root, const char* key) {
  auto node = child(root, key);
  if (!node) r.fail(0, std::string("the '") + key + "' section is missing");
  return *node;
}

Config build(const Reader& r, const YAML::Node& root, Config c) {
  r.check_map(root, "", Section::Root);
  c.server = parse_server(r, section(r, root, "server"));
  c.store = parse_store(r, section(r, root, "store"), c.base_dir);
  c.admin = parse_admin(r, section(r, root, "admin"), c.base_dir);
  if (auto v = child(root, "log")) c.log = parse_log(r, *v);
  if (auto v = child(root, "max-records"))
    c.max_records = r.integer(*v, "max-records", 0, std::numeric_limits<uint64_t>::max());
  if (auto v = child(root, "fcrdns")) c.fcrdns = parse_fcrdns(r, *v);
  if (c.fcrdns.resolvers.empty()) c.fcrdns.resolvers.push_back(default_resolver());
  // Keys first: zone-defaults, the zones and the catalog name them.
  if (auto v = child(root, "tsig-keys")) c.tsig_keys = detail::parse_tsig_keys(r, *v, c.base_dir);
  if (auto v = child(root, "zone-defaults"))
    c.zone_defaults = detail::parse_zone_defaults(r, *v, c.tsig_keys);
  if (auto v = child(root, "zones"))
    c.zones = detail::parse_zones(r, *v, c.zone_defaults, c.max_records, c.tsig_keys);
  if (auto v = child(root, "catalog"))
    c.catalog = detail::parse_catalog(r, *v, c.tsig_keys, c.zone_defaults);
  if (auto v = child(root, "http")) c.http = detail::parse_http(r, *v, c.base_dir);
  return c;
}

std::string absolute_dir(const std::string& dir) {
  std::filesystem::path p = dir.empty() ? std::filesystem::current_path()
                                        : std::filesystem::absolute(dir).lexically_normal();
  if (!p.has_filename() && p.has_relative_path()) p = p.parent_path();  // drop a trailing '/'
  return p.string();
}

std::string read_whole_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw ConfigError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err != 0) throw ConfigError(path, 0, std::string("cannot read: ") + std::strerror(err));
  return text;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string reason)
    : std::runtime_error(error_text(file, line, reason)),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)) {}

Config load_string(const std::string& yaml, const std::string& name, const std::string& base_dir) {
  const Reader r(name);
  Config c;
  c.file = name;
  try {
    c.base_dir = absolute_dir(base_dir);
  } catch (const std::filesystem::filesystem_error& e) {
    r.fail(0, "cannot resolve the base directory '" + base_dir + "': " + e.code().message());
  }
  const YAML::Node root = parse_document(r, yaml);
  try {
    return build(r, root, std::move(c));
  } catch (const YAML::Exception& e) {
    // A safety net: the section parsers check types before they read, so this is not
    // expected; if it happens it still points at the right place.
    r.fail(e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
  }
}

Config load_file(const std::string& path) {
  const std::string text = read_whole_file(path);
  std::string dir;
  try {
    dir = std::filesystem::absolute(path).lexically_normal().parent_path().string();
  } catch (const std::filesystem::filesystem_error& e) {
    throw ConfigError(path, 0, "cannot resolve the file's directory: " + e.code().message());
  }
  return load_string(text, path, dir);
}

Config load_default() {
  return load_string(default_config_text(), kDefaultConfigName, "");
}

}  // namespace rdnsd::conf
