// Tests of the configuration loader: the default file, path resolution, and every error
// with its line and reason.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"
#include "tests/support/tempdir.h"

namespace fs = std::filesystem;
using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;
using rdnsd::testing::TempDir;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1-based number of the first line of `text` that starts with `start`, 0 if none.
int line_starting(const std::string& text, const std::string& start) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.rfind(start, 0) == 0) return n;
  return 0;
}

}  // namespace

TEST_CASE("the default config file loads with exactly what it says") {
  const std::string file = RDNSD_SOURCE_DIR "/conf/rdnsd.yaml";
  const std::string text = read_text(file);
  REQUIRE(!text.empty());
  CHECK(default_config_text() == text);

  const Config c = load_file(file);
  const std::string dir = RDNSD_SOURCE_DIR "/conf";
  CHECK(c.file == file);
  CHECK(c.base_dir == dir);
  REQUIRE(c.server.listen.size() == 2);
  CHECK(c.server.listen[0].host == "127.0.0.1");
  CHECK(c.server.listen[0].port == 5353);
  CHECK(c.server.listen[0].family == 4);
  CHECK(c.server.listen[0].text == "127.0.0.1:5353");
  CHECK(c.server.listen[1].host == "::1");
  CHECK(c.server.listen[1].port == 5353);
  CHECK(c.server.listen[1].family == 6);
  CHECK(c.server.listen[1].text == "[::1]:5353");
  CHECK(c.server.workers == 2);
  CHECK(c.server.identity_enabled);
  CHECK(c.server.identity == "ns1.example.net");
  CHECK(c.server.version_enabled);
  CHECK(c.server.version == "rdnsd 0.1.0");
  CHECK_FALSE(c.server.nsid_enabled);
  CHECK(c.server.nsid.empty());
  CHECK(c.server.udp_payload == 1232);
  CHECK(c.server.tcp_idle_timeout_ms == 10000);
  CHECK(c.server.tcp_max_connections == 1024);
  CHECK(c.server.tcp_max_per_client == 16);
  CHECK(c.server.tcp_io_timeout_ms == 2000);
  CHECK(c.store.path == dir + "/var/rdnsd.mdb");
  CHECK(c.store.map_size == 64ull << 30);
  CHECK(c.admin.socket == dir + "/var/rdnsd.sock");
  CHECK(c.admin.mode == 0660);
  CHECK(c.admin.max_connections == 64);
  CHECK(c.admin.idle_timeout_s == 300);
  CHECK(c.max_records == 0);

  const std::vector<std::string> ns = {"ns1.example.net.", "ns2.example.net."};
  CHECK(c.zone_defaults.ns == ns);
  CHECK(c.zone_defaults.soa.mname == "ns1.example.net.");
  CHECK(c.zone_defaults.soa.rname == "hostmaster.example.net.");
  CHECK(c.zone_defaults.ttl == 3600);
  CHECK(c.zone_defaults.serial_policy == rdnsd::serial::Policy::Increment);
  CHECK(c.zone_defaults.fcrdns == rdnsd::fcrdns::Mode::Off);
  REQUIRE(c.fcrdns.resolvers.size() == 1);
  CHECK(c.fcrdns.resolvers[0].text == "127.0.0.1:53");
  CHECK(c.fcrdns.timeout_ms == 2000);

  REQUIRE(c.zones.size() == 2);
  const ZoneConf& v4 = c.zones[0];
  CHECK(v4.prefix_text == "192.0.2.0/24");
  CHECK(v4.prefix.length == 24);
  CHECK(v4.apex == "2.0.192.in-addr.arpa.");
  CHECK(v4.ns == ns);
  CHECK(v4.soa.mname == "ns1.example.net.");
  CHECK(v4.soa.rname == "hostmaster.example.net.");
  CHECK(v4.soa.refresh == 3600);
  CHECK(v4.soa.retry == 600);
  CHECK(v4.soa.expire == 1209600);
  CHECK(v4.soa.minimum == 300);
  CHECK(v4.soa.ttl == 3600);
  CHECK(v4.ttl == 3600);
  CHECK(v4.serial_policy == rdnsd::serial::Policy::Increment);
  CHECK(v4.max_records == 0);
  CHECK(v4.line == line_starting(text, "  - prefix: 192.0.2.0/24"));
  const std::vector<SeedRecord> seeds4 = {{"192.0.2.1", "gw.example.net."},
                                          {"192.0.2.2", "mail.example.net."},
                                          {"192.0.2.10", "www.example.net."}};
  CHECK(v4.records == seeds4);

  const ZoneConf& v6 = c.zones[1];
  CHECK(v6.prefix_text == "2001:db8::/32");
  CHECK(v6.apex == "8.b.d.0.1.0.0.2.ip6.arpa.");
  CHECK(v6.ns == ns);
  CHECK(v6.soa.minimum == 300);
  CHECK(v6.soa.ttl == 3600);
  CHECK(v6.line == line_starting(text, "  - prefix: 2001:db8::/32"));
  const std::vector<SeedRecord> seeds6 = {{"2001:db8::1", "gw6.example.net."},
                                          {"2001:db8::25", "mail.example.net."}};
  CHECK(v6.records == seeds6);
}

TEST_CASE("the built-in default resolves paths against the working directory") {
  const Config c = load_default();
  const std::string cwd = fs::current_path().string();
  CHECK(c.file == kDefaultConfigName);
  CHECK(c.base_dir == cwd);
  CHECK(c.store.path == cwd + "/var/rdnsd.mdb");
  CHECK(c.admin.socket == cwd + "/var/rdnsd.sock");
  CHECK(c.zones.size() == 2);
}

TEST_CASE("relative paths resolve against the config file's folder") {
  TempDir tmp{"conf"};
  const std::string file = tmp.write("etc/rdnsd/rdnsd.yaml",
                                     "server: {listen: [\"127.0.0.1:53\"]}\n"
                                     "store: {path: ./var/../data/x.mdb}\n"
                                     "admin: {socket: ../run/s.sock}\n");
  const Config c = load_file(file);
  const std::string base = (fs::path(tmp.path) / "etc/rdnsd").string();
  CHECK(c.base_dir == base);
  CHECK(c.store.path == base + "/data/x.mdb");
  CHECK(c.admin.socket == (fs::path(tmp.path) / "etc/run/s.sock").string());

  // Absolute paths stay as they are.
  const Config abs = load(
      "server: {listen: [\"127.0.0.1:53\"]}\n"
      "store: {path: /srv/db.mdb}\n"
      "admin: {socket: /run/rdnsd.sock}\n");
  CHECK(abs.store.path == "/srv/db.mdb");
  CHECK(abs.admin.socket == "/run/rdnsd.sock");
  CHECK(abs.base_dir == "/base");

  // A relative or slash-ended base_dir is made absolute and clean.
  CHECK(load_string(kHead, "t", "rel/dir/").base_dir == fs::current_path().string() + "/rel/dir");
  CHECK(load_string(kHead, "t", "/a/b/").store.path == "/a/b/db");
}

TEST_CASE("a minimal config gets the documented defaults") {
  const Config c = load(kHead);
  CHECK(c.file == "t.yaml");
  CHECK(c.server.workers == 0);
  CHECK(c.server.identity_enabled);
  CHECK(!c.server.identity.empty());
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) CHECK(c.server.identity == host);
  CHECK(c.server.version_enabled);
  CHECK(c.server.version.rfind("rdnsd ", 0) == 0);
  CHECK_FALSE(c.server.nsid_enabled);
  CHECK(c.server.udp_payload == 1232);
  CHECK(c.server.tcp_idle_timeout_ms == 10000);
  CHECK(c.server.tcp_max_connections == 1024);
  CHECK(c.store.path == "/base/db");
  CHECK(c.store.map_size == 64ull << 30);
  CHECK(c.admin.socket == "/base/sock");
  CHECK(c.admin.mode == 0660);
  CHECK(c.admin.max_connections == 64);
  CHECK(c.admin.idle_timeout_s == 300);
  CHECK(c.max_records == 0);
  CHECK(c.zone_defaults.ns.empty());
  CHECK(c.zone_defaults.ttl == 3600);
  CHECK(c.zones.empty());
  // An empty value counts as absent.
  CHECK(load(kHead + "zones:\nmax-records:\n").zones.empty());
}

TEST_CASE("server options") {
  const Config c = load(
      "server:\n"
      "  listen: \"[2001:db8::53]:53\"\n"
      "  workers: 256\n"
      "  identity: false\n"
      "  version: \"no\"\n"
      "  nsid: ns1\n"
      "  udp-payload: 4096\n"
      "  tcp-idle-timeout: 3600000\n"
      "  tcp-max-connections: 1\n"
      "  tcp-max-per-client: 0\n"
      "  tcp-io-timeout: 3600000\n"
      "  udp-receive-buffer: 4M\n"
      "store: {path: db, map-size: 1G}\n"
      "admin: {socket: sock, mode: 600}\n");
  REQUIRE(c.server.listen.size() == 1);
  CHECK(c.server.listen[0].host == "2001:db8::53");
  CHECK(c.server.listen[0].port == 53);
  CHECK(c.server.workers == 256);
  CHECK_FALSE(c.server.identity_enabled);
  CHECK(c.server.identity.empty());
  CHECK(c.server.version_enabled);
  CHECK(c.server.version == "no");
  CHECK(c.server.nsid_enabled);
  CHECK(c.server.nsid == "ns1");
  CHECK(c.server.udp_payload == 4096);
  CHECK(c.server.tcp_idle_timeout_ms == 3600000);
  CHECK(c.server.tcp_max_connections == 1);
  CHECK(c.server.tcp_max_per_client == 0);
  CHECK(c.server.tcp_io_timeout_ms == 3600000);
  CHECK(c.server.udp_receive_buffer == 4u << 20);
  CHECK(c.store.map_size == 1ull << 30);
  CHECK(c.admin.mode == 0600);

  const std::string tail = "store: {path: db}\nadmin: {socket: sock, mode: \"0o640\"}\n";
  const Config d =
      load("server: {listen: [\"0.0.0.0:53\"], identity: true, version: false}\n" + tail);
  CHECK(d.server.identity_enabled);
  CHECK(!d.server.identity.empty());
  CHECK_FALSE(d.server.version_enabled);
  CHECK(d.admin.mode == 0640);

  // Only unquoted true/false are switches; quoted they are strings.
  const Config e = load("server: {listen: [\"0.0.0.0:53\"], identity: \"false\"}\n" + tail);
  CHECK(e.server.identity_enabled);
  CHECK(e.server.identity == "false");
}

TEST_CASE("store sizes take K, M, G and T suffixes") {
  auto size_of = [](const std::string& v) {
    return load("server: {listen: [\"127.0.0.1:53\"]}\nstore: {path: db, map-size: " + v +
                "}\nadmin: {socket: sock}\n")
        .store.map_size;
  };
  CHECK(size_of("1048576") == 1048576);
  CHECK(size_of("2048K") == 2048ull << 10);
  CHECK(size_of("512M") == 512ull << 20);
  CHECK(size_of("64GiB") == 64ull << 30);
  CHECK(size_of("2t") == 2ull << 40);
}

TEST_CASE("store.map-size-max: the limit of map growth, at least map-size") {
  const std::string head = "server: {listen: [\"127.0.0.1:53\"]}\n";
  CHECK(load(head + "store: {path: db}\nadmin: {socket: sock}\n").store.map_size_max == 1ull << 40);
  const Config c =
      load(head + "store: {path: db, map-size: 1M, map-size-max: 8M}\nadmin: {socket: sock}\n");
  CHECK(c.store.map_size == 1ull << 20);
  CHECK(c.store.map_size_max == 8ull << 20);
  check_error(
      head + "store:\n  path: db\n  map-size: 2G\n  map-size-max: 1G\nadmin: {socket: sock}\n", 5,
      "store.map-size-max must be at least store.map-size");
  check_error(head + "store:\n  path: db\n  map-size-max: 12Q\nadmin: {socket: sock}\n", 4,
              "store.map-size-max must be a size in bytes");
}

TEST_CASE("errors in the YAML itself") {
  check_error("", 0, "the configuration is empty");
  check_error("# only a comment\n\n", 0, "the configuration is empty");
  check_error("server:\n  listen: [\"127.0.0.1:53\"\nstore: {path: db}\n", 3, "YAML syntax error");
  check_error("server:\n\tlisten: [\"127.0.0.1:53\"]\n", 2,
              "YAML syntax error: illegal map value (indent with spaces: YAML does not allow tabs");
  check_error("- a\n- b\n", 1, "must be a map of sections");
  check_error(kHead + "---\nserver: {}\n", 8, "more than one YAML document");
  check_error(kHead + "zonez: []\n", 7, "unknown key 'zonez' at the top level");
  check_error(kHead + "server: {workers: 2}\n", 7, "key 'server' appears twice (first on line 1)");
}

TEST_CASE("errors in the server section") {
  const std::string tail = "store: {path: db}\nadmin: {socket: sock}\n";
  auto server = [&](const std::string& body) { return "server:\n" + body + tail; };
  check_error(tail, 0, "the 'server' section is missing");
  check_error(server("  listn: [\"127.0.0.1:53\"]\n"), 2,
              "unknown key 'listn' in server (expected listen, workers,");
  check_error(server("  workers: 2\n"), 2, "server.listen is required");
  check_error("server: [1]\n" + tail, 1, "server must be a map");

  const std::string listen = "  listen: [\"127.0.0.1:53\"]\n";
  check_error(server(listen + "  workers: two\n"), 3,
              "server.workers must be an integer, got 'two'");
  check_error(server(listen + "  workers: [1]\n"), 3, "server.workers must be an integer");
  check_error(server(listen + "  workers: 257\n"), 3, "server.workers must be 0..256, got 257");
  check_error(server(listen + "  workers: -1\n"), 3, "server.workers must be 0..256, got -1");
  check_error(server(listen + "  workers: 2.5\n"), 3, "must be an integer, got '2.5'");
  check_error(server(listen + "  workers: 99999999999999999999999\n"), 3, "must be 0..256");
  check_error(server(listen + "  workers: 1\n  workers: 2\n"), 4,
              "key 'workers' appears twice in server (first on line 3)");
  check_error(server(listen + "  identity: \"\"\n"), 3, "server.identity must not be empty");
  check_error(server(listen + "  version: " + std::string(256, 'v') + "\n"), 3,
              "server.version is 256 bytes long, more than 255");
  check_error(server(listen + "  nsid: true\n"), 3, "server.nsid must be a string or false");
  check_error(server(listen + "  nsid: {hex: 6e73}\n"), 3, "server.nsid must be a string");
  check_error(server(listen + "  udp-payload: 511\n"), 3, "server.udp-payload must be 512..4096");
  check_error(server(listen + "  udp-payload: 4097\n"), 3, "server.udp-payload must be 512..4096");
  check_error(server(listen + "  tcp-idle-timeout: 0\n"), 3,
              "server.tcp-idle-timeout must be 1..3600000, got 0");
  check_error(server(listen + "  tcp-max-connections: 1000001\n"), 3,
              "server.tcp-max-connections must be 1..1000000");
  check_error(server(listen + "  tcp-max-per-client: -1\n"), 3,
              "server.tcp-max-per-client must be 0..1000000, got -1");
  check_error(server(listen + "  tcp-io-timeout: 0\n"), 3,
              "server.tcp-io-timeout must be 1..3600000, got 0");
  check_error(server(listen + "  tcp-io-timeout: soon\n"), 3, "server.tcp-io-timeout must be");
  CHECK(load(server(listen + "  udp-receive-buffer: 0\n")).server.udp_receive_buffer == 0);
  CHECK(load(server(listen)).server.udp_receive_buffer == 0);
  check_error(server(listen + "  udp-receive-buffer: 1000\n"), 3,
              "server.udp-receive-buffer must be 0 (the system's default) or 64K..1G");
  check_error(server(listen + "  udp-receive-buffer: 2G\n"), 3, "server.udp-receive-buffer");
  check_error(server(listen + "  udp-receive-buffer: lots\n"), 3, "server.udp-receive-buffer");
}

TEST_CASE("errors in listen addresses") {
  const std::string tail = "store: {path: db}\nadmin: {socket: sock}\n";
  auto listen = [&](const std::string& list) { return "server:\n  listen:\n" + list + tail; };
  check_error("server: {listen: []}\n" + tail, 1, "server.listen must list at least one");
  check_error(listen("    - 127.0.0.1\n"), 3, "server.listen[0]: '127.0.0.1' has no port");
  check_error(listen("    - \"127.0.0.1:53\"\n    - \"::1:53\"\n"), 4,
              "server.listen[1]: '::1:53': write IPv6 addresses in brackets");
  check_error(listen("    - \"[::1]53\"\n"), 3, "'[::1]53' must be [IPV6-ADDRESS]:PORT");
  check_error(listen("    - \"[::1\"\n"), 3, "must be [IPV6-ADDRESS]:PORT");
  check_error(listen("    - \"300.0.0.1:53\"\n"), 3,
              "'300.0.0.1' in '300.0.0.1:53' is not an IPv4 address");
  check_error(listen("    - \"[192.0.2.1]:53\"\n"), 3, "is not an IPv6 address");
  check_error(listen("    - \"localhost:53\"\n"), 3, "is not an IPv4 address");
  check_error(listen("    - \"127.0.0.1:0\"\n"), 3, "port '0' in '127.0.0.1:0' must be 1..65535");
  check_error(listen("    - \"127.0.0.1:65536\"\n"), 3, "must be 1..65535");
  check_error(listen("    - \"127.0.0.1:\"\n"), 3, "must be 1..65535");
  check_error(listen("    - \"127.0.0.1:http\"\n"), 3, "port 'http'");
  check_error(listen("    - [\"127.0.0.1:53\"]\n"), 3, "server.listen[0] must be a string");
  check_error(listen("    - \"[::1]:53\"\n    - \"127.0.0.1:53\"\n    - \"[0::1]:053\"\n"), 5,
              "'[0::1]:053' is already listed on line 3");
}

TEST_CASE("errors in the store and admin sections") {
  const std::string server = "server: {listen: [\"127.0.0.1:53\"]}\n";
  check_error(server + "admin: {socket: sock}\n", 0, "the 'store' section is missing");
  check_error(server + "store:\nadmin: {socket: sock}\n", 0, "the 'store' section is missing");
  check_error(server + "store: {path: db}\n", 0, "the 'admin' section is missing");
  check_error(server + "store:\n  map-size: 1G\nadmin: {socket: sock}\n", 3,
              "store.path is required");
  check_error(server + "store: {path: [a]}\nadmin: {socket: sock}\n", 2,
              "store.path must be a string");
  check_error(server + "store: {path: db, pth: x}\nadmin: {socket: sock}\n", 2,
              "unknown key 'pth' in store (expected path, map-size, map-size-max)");
  check_error(server + "store:\n  path: db\n  map-size: 64X\nadmin: {socket: sock}\n", 4,
              "store.map-size must be a size in bytes");
  check_error(server + "store:\n  path: db\n  map-size: 1000\nadmin: {socket: sock}\n", 4,
              "store.map-size must be 1048576..70368744177664 bytes, got 1000");
  check_error(server + "store:\n  path: db\n  map-size: 65T\nadmin: {socket: sock}\n", 4,
              "got 65T");
  check_error(server +
                  "store:\n  path: db\n  map-size: 99999999999999999999999\n"
                  "admin: {socket: sock}\n",
              4, "store.map-size must be");

  const std::string store = server + "store: {path: db}\n";
  check_error(store + "admin:\n  mode: \"0600\"\n", 4, "admin.socket is required");
  check_error(store + "admin:\n  socket: sock\n  mode: \"0999\"\n", 5,
              "admin.mode must be octal permission bits like \"0660\", got '0999'");
  check_error(store + "admin:\n  socket: sock\n  mode: 1777\n", 5, "got '1777'");
  check_error(store + "admin:\n  socket: sock\n  mode: rw\n", 5, "got 'rw'");
  check_error(store + "admin:\n  socket: " + std::string(120, 's') + "\n", 4,
              "a Unix socket path may have at most 107");
  check_error(store + "admin: {socket: sock}\nmax-records: lots\n", 4,
              "max-records must be an integer, got 'lots'");
}

TEST_CASE("admin connection limit and idle timeout") {
  const std::string head = "server: {listen: [\"127.0.0.1:53\"]}\nstore: {path: db}\n";
  const Config c = load(head +
                        "admin:\n  socket: sock\n  max-connections: 1\n"
                        "  idle-timeout: 0\n");
  CHECK(c.admin.max_connections == 1);
  CHECK(c.admin.idle_timeout_s == 0);
  const Config d = load(head +
                        "admin:\n  socket: sock\n  max-connections: 65535\n"
                        "  idle-timeout: 86400\n");
  CHECK(d.admin.max_connections == 65535);
  CHECK(d.admin.idle_timeout_s == 86400);
  CHECK(load(head + "admin: {socket: sock, max-connections: 2, idle-timeout: 1}\n").admin ==
        AdminConf{"/base/sock", 0660, 2, 1, 5, {}, {}, std::nullopt});
  CHECK(load(head + "admin: {socket: sock, commit-wait: 0}\n").admin.commit_wait_ms == 0);
  CHECK(load(head + "admin: {socket: sock, commit-wait: 1000}\n").admin.commit_wait_ms == 1000);
  // Empty values count as absent: the defaults.
  const Config e = load(head + "admin:\n  socket: sock\n  max-connections:\n  idle-timeout:\n");
  CHECK(e.admin.max_connections == 64);
  CHECK(e.admin.idle_timeout_s == 300);
  CHECK(e.admin.commit_wait_ms == 5);

  const std::string admin = head + "admin:\n  socket: sock\n";
  check_error(admin + "  max-connections: 0\n", 5, "admin.max-connections must be 1..65535, got 0");
  check_error(admin + "  max-connections: -1\n", 5,
              "admin.max-connections must be 1..65535, got -1");
  check_error(admin + "  max-connections: 65536\n", 5,
              "admin.max-connections must be 1..65535, got 65536");
  check_error(admin + "  max-connections: lots\n", 5,
              "admin.max-connections must be an integer, got 'lots'");
  check_error(admin + "  max-connections: [1]\n", 5, "admin.max-connections must be an integer");
  check_error(admin + "  idle-timeout: -5\n", 5, "admin.idle-timeout must be 0..86400, got -5");
  check_error(admin + "  idle-timeout: 86401\n", 5,
              "admin.idle-timeout must be 0..86400, got 86401");
  check_error(admin + "  idle-timeout: 1.5\n", 5,
              "admin.idle-timeout must be an integer, got '1.5'");
  check_error(admin + "  idle-timeout: 5m\n", 5, "admin.idle-timeout must be an integer, got '5m'");
  check_error(admin + "  commit-wait: 1001\n", 5, "admin.commit-wait must be 0..1000, got 1001");
  check_error(admin + "  commit-wait: -1\n", 5, "admin.commit-wait must be 0..1000, got -1");
  check_error(admin + "  commit-wait: 2ms\n", 5, "admin.commit-wait must be an integer, got '2ms'");
  check_error(admin + "  idle: 5\n", 5,
              "unknown key 'idle' in admin (expected socket, mode, max-connections, idle-timeout, "
              "commit-wait, allow-users, allow-groups, group)");
}

TEST_CASE("errors in zone prefixes") {
  auto zone = [](const std::string& prefix) {
    return kHead + "zones:\n  - prefix: " + prefix + "\n    ns: [ns1.example.net.]\n" +
           "    soa: {rname: hostmaster.example.net.}\n";
  };
  check_error(zone("192.0.2.0/33"), 8, "zones[0].prefix: prefix length '33' must be 0..32");
  check_error(zone("banana"), 8, "zones[0].prefix: 'banana' is not a prefix");
  check_error(zone("192.0.2.1/24"), 8, "zones[0].prefix: '192.0.2.1/24' has host bits set");
  check_error(zone("10.0.0.0/12"), 8, "zones[0].prefix: IPv4 zone prefix 10.0.0.0/12");
  check_error(zone("\"2001:db8::/30\""), 8, "zones[0].prefix: IPv6 zone prefix 2001:db8::/30");
  check_error(kHead + "zones:\n  - ns: [ns1.example.net.]\n", 8, "zones[0].prefix is required");
  check_error(kHead + "zones: {prefix: 192.0.2.0/24}\n", 7, "zones must be a list");
  check_error(kHead + "zones:\n  - prefix: 192.0.2.0/24\n    nss: [a.b.]\n", 9,
              "unknown key 'nss' in zones[0]");

  const std::string two = kHead +
                          "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example.net.}}\n"
                          "zones:\n"
                          "  - prefix: 192.0.0.0/16\n"
                          "  - prefix: 198.51.100.0/24\n"
                          "  - prefix: 192.0.2.0/24\n";
  check_error(two, 11, "zone 192.0.2.0/24 overlaps zone 192.0.0.0/16 (line 9)");
  const std::string same = kHead +
                           "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example.net.}}\n"
                           "zones:\n"
                           "  - prefix: \"2001:db8::/32\"\n"
                           "  - prefix: \"2001:DB8::/32\"\n";
  check_error(same, 10, "zone 2001:db8::/32 overlaps zone 2001:db8::/32 (line 9)");
}

TEST_CASE("errors in zone names and SOA") {
  const std::string z = kHead + "zones:\n  - prefix: 192.0.2.0/24\n";
  const std::string soa = "    soa: {rname: hostmaster.example.net.}\n";
  check_error(z + soa, 8, "zone 192.0.2.0/24 has no NS names (set ns or zone-defaults.ns)");
  check_error(z + "    ns: []\n" + soa, 9, "zones[0].ns must list at least one name server");
  std::string many = "    ns: [";
  for (int i = 0; i < 33; ++i) many += (i ? ", ns" : "ns") + std::to_string(i) + ".example.net.";
  check_error(z + many + "]\n" + soa, 9, "zones[0].ns lists 33 name servers, more than 32");
  check_error(z + "    ns: [ns1.example.net., ns_2.example.net.]\n" + soa, 9,
              "zones[0].ns[1] 'ns_2.example.net.' is not a valid host name");
  check_error(z + "    ns:\n      - ns1.example.net\n      - NS1.example.net.\n" + soa, 11,
              "zones[0].ns lists NS1.example.net. twice (first on line 10)");
  check_error(z + "    ns: [ns1.example.net.]\n", 8,
              "zone 192.0.2.0/24 has no SOA rname (set soa.rname or zone-defaults.soa.rname)");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      mname: -bad.example.net.\n", 11,
              "zones[0].soa.mname '-bad.example.net.' is not a valid host name");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      rname: host..example.net.\n", 11,
              "zones[0].soa.rname 'host..example.net.' is not a valid domain name");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      rname: .\n", 11, "not the root");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      rname: h.example.\n"
                  "      refresh: -5\n",
              12, "zones[0].soa.refresh must be 0..2147483647, got -5");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      rname: h.example.\n"
                  "      ttl: 2147483648\n",
              12, "zones[0].soa.ttl must be 0..2147483647, got 2147483648");
  check_error(z + "    ns: [ns1.example.net.]\n    soa:\n      rname: h.example.\n"
                  "      serial: 1\n",
              12, "unknown key 'serial' in zones[0].soa");
  const std::string ok = z + "    ns: [ns1.example.net.]\n" + soa;
  check_error(ok + "    ttl: 2147483648\n", 11, "zones[0].ttl must be 0..2147483647");
  check_error(ok + "    serial-policy: weekly\n", 11,
              "zones[0].serial-policy must be increment, unixtime or dateserial, got 'weekly'");
  check_error(ok + "    max-records: many\n", 11, "zones[0].max-records must be an integer");
}

TEST_CASE("errors in zone-defaults") {
  check_error(kHead + "zone-defaults:\n  ns: [bad_name.]\n", 8,
              "zone-defaults.ns[0] 'bad_name.' is not a valid host name");
  check_error(kHead + "zone-defaults:\n  soa: {retry: x}\n", 8,
              "zone-defaults.soa.retry must be an integer, got 'x'");
  check_error(kHead + "zone-defaults:\n  serial-policy: daily\n", 8,
              "zone-defaults.serial-policy must be increment, unixtime or dateserial");
  check_error(kHead + "zone-defaults:\n  max-records: 5\n", 8,
              "unknown key 'max-records' in zone-defaults (expected ns, soa, ttl, ns-ttl, "
              "serial-policy, fcrdns, secondaries, allow-transfer, allow-update, journal, "
              "status-timeout, synthesize)");
}

TEST_CASE("zones take what they do not set from zone-defaults, field by field") {
  const Config c = load(kHead +
                        "zone-defaults:\n"
                        "  ns: ns9.example.net\n"
                        "  soa: {rname: dns.example.org, refresh: 7200, ttl: 600}\n"
                        "  ttl: 900\n"
                        "  serial-policy: unixtime\n"
                        "zones:\n"
                        "  - prefix: 10.0.0.0/8\n"
                        "  - prefix: 172.16.0.0/16\n"
                        "    ns: [a.example.net, b.example.net.]\n"
                        "    soa: {mname: m.example.net, retry: 60}\n"
                        "    ttl: 0\n"
                        "    serial-policy: dateserial\n"
                        "    max-records: 7\n");
  REQUIRE(c.zones.size() == 2);
  const ZoneConf& a = c.zones[0];
  CHECK(a.line == 13);
  CHECK(a.apex == "10.in-addr.arpa.");
  CHECK(a.ns == std::vector<std::string>{"ns9.example.net."});
  CHECK(a.soa.mname == "ns9.example.net.");  // the first NS name
  CHECK(a.soa.rname == "dns.example.org.");
  CHECK(a.soa.refresh == 7200);
  CHECK(a.soa.retry == 600);
  CHECK(a.soa.ttl == 600);
  CHECK(a.ttl == 900);
  CHECK(a.serial_policy == rdnsd::serial::Policy::UnixTime);
  CHECK(a.max_records == 0);
  const ZoneConf& b = c.zones[1];
  CHECK(b.line == 14);
  CHECK(b.ns == std::vector<std::string>{"a.example.net.", "b.example.net."});
  CHECK(b.soa.mname == "m.example.net.");
  CHECK(b.soa.rname == "dns.example.org.");
  CHECK(b.soa.refresh == 7200);
  CHECK(b.soa.retry == 60);
  CHECK(b.soa.ttl == 600);
  CHECK(b.ttl == 0);
  CHECK(b.serial_policy == rdnsd::serial::Policy::DateSerial);
  CHECK(b.max_records == 7);
}

TEST_CASE("seed records") {
  const std::string z = kHead +
                        "zones:\n"
                        "  - prefix: \"2001:db8:1234::/48\"\n"
                        "    ns: [ns1.example.net.]\n"
                        "    soa: {rname: hostmaster.example.net.}\n";
  const Config c = load(z +
                        "    records:\n"
                        "      - {ip: \"2001:DB8:1234:0::1\", name: Host.Example.net}\n"
                        "      - {ip: \"2001:db8:1234:ffff::2\", name: b.example.net.}\n");
  REQUIRE(c.zones.size() == 1);
  const std::vector<SeedRecord> seeds = {{"2001:db8:1234::1", "Host.Example.net."},
                                         {"2001:db8:1234:ffff::2", "b.example.net."}};
  CHECK(c.zones[0].records == seeds);

  check_error(z + "    records: {ip: x}\n", 11, "zones[0].records must be a list");
  check_error(z + "    records:\n      - {ip: \"2001:db8:1235::1\", name: a.example.}\n", 12,
              "zones[0].records[0].ip 2001:db8:1235::1 is outside the zone's prefix "
              "2001:db8:1234::/48");
  check_error(z + "    records:\n      - {ip: 192.0.2.1, name: a.example.}\n", 12,
              "is outside the zone's prefix");
  check_error(z + "    records:\n      - {ip: \"2001:db8:1234::g\", name: a.example.}\n", 12,
              "zones[0].records[0].ip '2001:db8:1234::g' is not an IP address");
  check_error(z + "    records:\n      - {ip: \"2001:db8:1234::1\", name: \"a b.example.\"}\n", 12,
              "zones[0].records[0].name 'a b.example.' is not a valid host name");
  check_error(z + "    records:\n      - {ip: \"2001:db8:1234::1\"}\n", 12,
              "zones[0].records[0].name is required");
  check_error(z + "    records:\n      - {name: a.example.}\n", 12,
              "zones[0].records[0].ip is required");
  check_error(z + "    records:\n      - {ip: \"2001:db8:1234::1\", name: a.example., ttl: 5}\n",
              12, "unknown key 'ttl' in zones[0].records[0] (expected ip, name)");
  check_error(z + "    records:\n"
                  "      - {ip: \"2001:db8:1234::1\", name: a.example.}\n"
                  "      - {ip: \"2001:db8:1234:0:0::1\", name: b.example.}\n",
              13, "zones[0].records[1]: 2001:db8:1234::1 is already listed on line 12");
  check_error(z + "    max-records: 1\n    records:\n"
                  "      - {ip: \"2001:db8:1234::1\", name: a.example.}\n"
                  "      - {ip: \"2001:db8:1234::2\", name: b.example.}\n",
              13, "zones[0].records lists 2 records, more than the zone's max-records 1");
  check_error("max-records: 1\n" + z +
                  "    records:\n"
                  "      - {ip: \"2001:db8:1234::1\", name: a.example.}\n"
                  "      - {ip: \"2001:db8:1234::2\", name: b.example.}\n",
              9, "the zones list 2 records in all, more than max-records 1");
}

TEST_CASE("ConfigError carries file, line and reason") {
  try {
    load(kHead + "bogus: 1\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "t.yaml");
    CHECK(e.line() == 7);
    CHECK(e.reason().rfind("unknown key 'bogus'", 0) == 0);
    CHECK(std::string(e.what()) == "t.yaml:7: " + e.reason());
  }
  const ConfigError no_line("f.yaml", 0, "broken");
  CHECK(std::string(no_line.what()) == "f.yaml: broken");
}

TEST_CASE("a config file that cannot be read") {
  TempDir tmp{"conf"};
  const std::string missing = (fs::path(tmp.path) / "nope.yaml").string();
  try {
    load_file(missing);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) == missing + ": cannot open: No such file or directory");
  }
  CHECK_THROWS_WITH_AS(load_file(tmp.path), (tmp.path + ": cannot read: Is a directory").c_str(),
                       ConfigError);
  const std::string empty = tmp.write("empty.yaml", "");
  CHECK_THROWS_WITH_AS(load_file(empty), (empty + ": the configuration is empty").c_str(),
                       ConfigError);
  const std::string bad = tmp.write("bad.yaml", kHead + "  mode: 99\n");
  CHECK_THROWS_WITH_AS(load_file(bad), doctest::Contains((bad + ":7: admin.mode").c_str()),
                       ConfigError);
  if (geteuid() != 0) {  // root reads everything
    const std::string locked = tmp.write("locked.yaml", kHead);
    REQUIRE(chmod(locked.c_str(), 0) == 0);
    CHECK_THROWS_WITH_AS(load_file(locked), (locked + ": cannot open: Permission denied").c_str(),
                         ConfigError);
  }
}

TEST_CASE("loading is deterministic") {
  const std::string file = RDNSD_SOURCE_DIR "/conf/rdnsd.yaml";
  const Config a = load_file(file);
  const Config b = load_file(file);
  CHECK(a == b);
  CHECK(load_default() == load_default());
  const std::string bad = kHead + "zones:\n  - prefix: 192.0.2.0/23\n";
  CHECK(error_of(bad) == error_of(bad));
  CHECK(!error_of(bad).empty());
}

TEST_CASE("fcrdns: per-zone modes over zone-defaults, and the resolver block") {
  const Config plain = load(kHead);
  REQUIRE(plain.fcrdns.resolvers.size() == 1);
  CHECK(plain.fcrdns.resolvers[0].text == "127.0.0.1:53");
  CHECK(plain.fcrdns.resolvers[0].host == "127.0.0.1");
  CHECK(plain.fcrdns.resolvers[0].port == 53);
  CHECK(plain.fcrdns.timeout_ms == 2000);
  CHECK(plain.zone_defaults.fcrdns == rdnsd::fcrdns::Mode::Off);

  const Config c = load(kHead +
                        "fcrdns:\n"
                        "  resolver: [\"192.0.2.53:5300\", \"[2001:db8::53]:53\"]\n"
                        "  timeout: 750\n"
                        "zone-defaults:\n"
                        "  ns: ns1.example.net\n"
                        "  soa: {rname: hostmaster.example.net}\n"
                        "  fcrdns: warn\n"
                        "zones:\n"
                        "  - prefix: 10.0.0.0/8\n"
                        "  - prefix: 172.16.0.0/16\n"
                        "    fcrdns: require\n"
                        "  - prefix: 192.168.0.0/16\n"
                        "    fcrdns: off\n");
  REQUIRE(c.fcrdns.resolvers.size() == 2);
  CHECK(c.fcrdns.resolvers[0].host == "192.0.2.53");
  CHECK(c.fcrdns.resolvers[0].port == 5300);
  CHECK(c.fcrdns.resolvers[1].host == "2001:db8::53");
  CHECK(c.fcrdns.resolvers[1].family == 6);
  CHECK(c.fcrdns.timeout_ms == 750);
  CHECK(c.zone_defaults.fcrdns == rdnsd::fcrdns::Mode::Warn);
  REQUIRE(c.zones.size() == 3);
  CHECK(c.zones[0].fcrdns == rdnsd::fcrdns::Mode::Warn);
  CHECK(c.zones[1].fcrdns == rdnsd::fcrdns::Mode::Require);
  CHECK(c.zones[2].fcrdns == rdnsd::fcrdns::Mode::Off);
  // One resolver may be written as a plain string; the timeout alone keeps the default.
  const Config one = load(kHead + "fcrdns: {resolver: \"[::1]:5353\"}\n");
  REQUIRE(one.fcrdns.resolvers.size() == 1);
  CHECK(one.fcrdns.resolvers[0].text == "[::1]:5353");
  CHECK(load(kHead + "fcrdns: {timeout: 1}\n").fcrdns.resolvers[0].text == "127.0.0.1:53");
}

TEST_CASE("errors in fcrdns settings") {
  check_error(kHead + "fcrdns:\n  resolvers: 127.0.0.1:53\n", 8,
              "unknown key 'resolvers' in fcrdns (expected resolver, timeout)");
  check_error(kHead + "fcrdns:\n  resolver: 127.0.0.1\n", 8,
              "fcrdns.resolver[0]: '127.0.0.1' has no port");
  check_error(kHead + "fcrdns:\n  resolver: [\"::1:53\"]\n", 8,
              "fcrdns.resolver[0]: '::1:53': write IPv6 addresses in brackets");
  check_error(kHead + "fcrdns:\n  resolver: []\n", 8,
              "fcrdns.resolver must list at least one ADDRESS:PORT");
  check_error(kHead + "fcrdns:\n  resolver:\n    - 127.0.0.1:53\n    - 127.0.0.1:53\n", 10,
              "fcrdns.resolver: '127.0.0.1:53' is already listed on line 9");
  check_error(kHead + "fcrdns:\n  timeout: 0\n", 8, "fcrdns.timeout must be 1..60000, got 0");
  check_error(kHead + "fcrdns:\n  timeout: 2s\n", 8, "fcrdns.timeout must be an integer, got '2s'");
  check_error(kHead + "fcrdns: require\n", 7, "fcrdns must be a map of keys");
  check_error(kHead + "zone-defaults:\n  fcrdns: strict\n", 8,
              "zone-defaults.fcrdns must be off, warn or require, got 'strict'");
  check_error(kHead +
                  "zones:\n  - prefix: 10.0.0.0/8\n    ns: a.example\n    soa: {rname: h.example}\n"
                  "    fcrdns: Require\n",
              11, "zones[0].fcrdns must be off, warn or require, got 'Require'");
}

TEST_CASE("admin.allow-users, allow-groups and group: names or ids, resolved at load") {
  const std::string head =
      "server: {listen: [\"127.0.0.1:53\"]}\nstore: {path: db}\nadmin:\n  socket: sock\n";
  Config c = load(head +
                  "  allow-users: [root, 65534, nobody]\n  allow-groups: nogroup\n"
                  "  group: 0\n");
  CHECK(c.admin.allow_uids == std::vector<uint32_t>{0, 65534, 65534});
  CHECK(c.admin.allow_gids == std::vector<uint32_t>{65534});
  REQUIRE(c.admin.group);
  CHECK(*c.admin.group == 0);
  c = load(head);
  CHECK(c.admin.allow_uids.empty());
  CHECK(c.admin.allow_gids.empty());
  CHECK_FALSE(c.admin.group);
  check_error(head + "  allow-users: [root, no-such-user-here]\n", 5,
              "admin.allow-users: no user 'no-such-user-here' on this system");
  check_error(head + "  allow-groups: [no-such-group-here]\n", 5,
              "admin.allow-groups: no group 'no-such-group-here' on this system");
  check_error(head + "  group: {name: x}\n", 5, "admin.group must be a string");
  check_error(head + "  allow-users: 99999999999\n", 5, "admin.allow-users must be 0..4294967294");
}
