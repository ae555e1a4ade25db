// Tests of the replication keys of the configuration: tsig-keys, each zone's secondaries,
// allow-transfer, journal and status-timeout over zone-defaults, the catalog, and every
// error with its line and reason.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"
#include "tests/support/tempdir.h"

namespace fs = std::filesystem;
using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;
using rdnsd::testing::TempDir;

namespace {

// "secret" in base64, and a key that uses it: lines 7..10 after kHead.
const std::string kKeys =
    "tsig-keys:\n"
    "  - name: xfr-key\n"
    "    algorithm: hmac-sha256\n"
    "    secret: c2VjcmV0\n";

// Zone settings that make `zones:` entries valid with only a prefix.
const std::string kZoneBase = "zone-defaults: {ns: [ns1.example.net.], soa: {rname: h.example.}}\n";

rdnsd::names::Prefix prefix(const std::string& text) {
  return *rdnsd::names::parse_prefix(text);
}

// `text` (conf/rdnsd.yaml) with its commented-out replication examples switched on: a
// comment "# KEY: ..." for one of the keys below, and the comment lines under it that
// are indented further, lose their "# ".
std::string with_examples_on(const std::string& text) {
  static const char* const keys[] = {
      "tsig-keys:", "secondaries:",    "allow-transfer:", "allow-update:",
      "journal:",   "status-timeout:", "catalog:"};
  std::istringstream in(text);
  std::string line, out;
  size_t indent = std::string::npos;  // of the example being switched on; npos: none
  while (std::getline(in, line)) {
    const size_t hash = line.find_first_not_of(' ');
    const bool comment = hash != std::string::npos && line.compare(hash, 2, "# ") == 0;
    const std::string body = comment ? line.substr(hash + 2) : "";
    bool on = false;
    for (const char* key : keys) on = on || body.rfind(key, 0) == 0;
    if (on)
      indent = hash;
    else if (!(comment && hash == indent && body.rfind("  ", 0) == 0))
      indent = std::string::npos;
    out += (indent != std::string::npos ? line.substr(0, hash) + body : line) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("replication defaults: nothing replicates unless the file says so") {
  const Config c = load(kHead + kZoneBase + "zones:\n  - prefix: 192.0.2.0/24\n");
  CHECK(c.tsig_keys.empty());
  CHECK(c.catalog == CatalogConf{});
  CHECK(c.catalog.zone.empty());
  CHECK(c.zone_defaults.secondaries.empty());
  CHECK(c.zone_defaults.allow_transfer.empty());
  CHECK(c.zone_defaults.journal.max_depth == 1000);
  CHECK(c.zone_defaults.journal.max_size == 100ull << 20);
  CHECK(c.zone_defaults.status_timeout_s == 60);
  REQUIRE(c.zones.size() == 1);
  CHECK(c.zones[0].secondaries.empty());
  CHECK(c.zones[0].allow_transfer.empty());
  CHECK(c.zones[0].journal == JournalConf{1000, 100ull << 20});
  CHECK(c.zones[0].status_timeout_s == 60);

  // Neither the shipped file nor its built-in copy turn any of it on.
  for (const Config& d : {load_file(RDNSD_SOURCE_DIR "/conf/rdnsd.yaml"), load_default()}) {
    CHECK(d.tsig_keys.empty());
    CHECK(d.catalog.zone.empty());
    CHECK(d.zone_defaults.secondaries.empty());
    CHECK(d.zone_defaults.allow_transfer.empty());
    for (const ZoneConf& z : d.zones) {
      CHECK(z.secondaries.empty());
      CHECK(z.allow_transfer.empty());
    }
  }
}

TEST_CASE("the commented-out examples in the default config file load as they say") {
  std::ifstream in(RDNSD_SOURCE_DIR "/conf/rdnsd.yaml", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string yaml = with_examples_on(text.str());
  REQUIRE(yaml != text.str());
  TempDir tmp{"conf"};
  tmp.write("xfr.key", "c2VjcmV0\n");
  const Config c = load_file(tmp.write("rdnsd.yaml", yaml));

  REQUIRE(c.tsig_keys.size() == 1);
  CHECK(c.tsig_keys[0] ==
        TsigKeyConf{"xfr-key.", TsigAlgorithm::HmacSha256, "secret", c.tsig_keys[0].line});
  const std::vector<SecondaryConf> secondaries = {
      {"192.0.2.53", 53, 4, "xfr-key.", "192.0.2.53"},
      {"2001:db8::53", 5353, 6, "xfr-key.", "[2001:db8::53]:5353"}};
  CHECK(c.zone_defaults.secondaries == secondaries);
  CHECK(c.zone_defaults.allow_transfer ==
        std::vector<TransferAclConf>{{prefix("198.51.100.0/24"), "xfr-key."}});
  CHECK(c.zone_defaults.allow_update ==
        std::vector<UpdateAclConf>{{prefix("127.0.0.1/32"), "xfr-key."}});
  CHECK(c.zone_defaults.journal == JournalConf{});
  CHECK(c.zone_defaults.status_timeout_s == 60);
  REQUIRE(c.zones.size() == 2);
  for (const ZoneConf& z : c.zones) CHECK(z.secondaries == secondaries);
  CHECK(c.catalog.zone == "catalog.rdnsd.");
  CHECK(c.catalog.secondaries_given);
  CHECK(c.catalog.secondaries == std::vector<SecondaryConf>{secondaries[0]});
}

TEST_CASE("tsig-keys: names, all six algorithms and inline secrets") {
  const Config c = load(kHead +
                        "tsig-keys:\n"
                        "  - name: XFR-Key\n"  // line 8
                        "    algorithm: hmac-sha256\n"
                        "    secret: c2VjcmV0\n"
                        "  - {name: k512.example., algorithm: hmac-sha512, secret: AAEC/w==}\n"
                        "  - {name: k384, algorithm: hmac-sha384, secret: \"+/+/\"}\n"
                        "  - {name: k224, algorithm: hmac-sha224, secret: YQ==}\n"
                        "  - {name: k1, algorithm: hmac-sha1, secret: YWI=}\n"
                        "  - {name: k.md5, algorithm: hmac-md5, secret: YWJj}\n");
  REQUIRE(c.tsig_keys.size() == 6);
  const TsigKeyConf& k = c.tsig_keys[0];
  CHECK(k.name == "xfr-key.");
  CHECK(k.algorithm == TsigAlgorithm::HmacSha256);
  CHECK(k.secret == "secret");
  CHECK(k.line == 8);
  CHECK(c.tsig_keys[1] == TsigKeyConf{"k512.example.", TsigAlgorithm::HmacSha512,
                                      std::string("\x00\x01\x02\xff", 4), 11});
  CHECK(c.tsig_keys[2] == TsigKeyConf{"k384.", TsigAlgorithm::HmacSha384, "\xfb\xff\xbf", 12});
  CHECK(c.tsig_keys[3] == TsigKeyConf{"k224.", TsigAlgorithm::HmacSha224, "a", 13});
  CHECK(c.tsig_keys[4] == TsigKeyConf{"k1.", TsigAlgorithm::HmacSha1, "ab", 14});
  CHECK(c.tsig_keys[5] == TsigKeyConf{"k.md5.", TsigAlgorithm::HmacMd5, "abc", 15});

  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacMd5) == "hmac-md5");
  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacSha1) == "hmac-sha1");
  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacSha224) == "hmac-sha224");
  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacSha256) == "hmac-sha256");
  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacSha384) == "hmac-sha384");
  CHECK(tsig_algorithm_name(TsigAlgorithm::HmacSha512) == "hmac-sha512");
  CHECK(load(kHead + "tsig-keys: []\n").tsig_keys.empty());
}

TEST_CASE("find_key: case-insensitive, the trailing dot optional") {
  const Config c =
      load(kHead + kKeys + "  - {name: Other.Example, algorithm: hmac-sha1, " + "secret: YQ==}\n");
  REQUIRE(find_key(c, "xfr-key") == &c.tsig_keys[0]);
  CHECK(find_key(c, "xfr-key.") == &c.tsig_keys[0]);
  CHECK(find_key(c, "XFR-KEY.") == &c.tsig_keys[0]);
  CHECK(find_key(c, "other.example.") == &c.tsig_keys[1]);
  CHECK(find_key(c, "OTHER.example") == &c.tsig_keys[1]);
  CHECK(find_key(c, "xfr") == nullptr);
  CHECK(find_key(c, "xfr-key.example.") == nullptr);
  CHECK(find_key(c, "") == nullptr);
  CHECK(find_key(c, "a..b") == nullptr);
  CHECK(find_key(Config{}, "xfr-key") == nullptr);
}

TEST_CASE("tsig-keys: secret-file, relative to the config file's folder") {
  TempDir tmp{"conf"};
  // base64(1) wraps at 76 columns: 64 bytes take two lines. Line breaks and the blanks
  // around are dropped.
  const std::string bytes64(64, 'Z');
  const std::string wrapped =
      "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWg==";
  REQUIRE(wrapped.size() == 88);
  tmp.write("etc/keys/xfr.b64", "  " + wrapped.substr(0, 76) + "\n" + wrapped.substr(76) + "\n\n");
  tmp.write("abs.b64", "c2VjcmV0\n");
  const std::string abs = (fs::path(tmp.path) / "abs.b64").string();
  const std::string file = tmp.write("etc/rdnsd.yaml", kHead +
                                                           "tsig-keys:\n"
                                                           "  - name: xfr\n"
                                                           "    algorithm: hmac-sha512\n"
                                                           "    secret-file: keys/xfr.b64\n"
                                                           "  - name: abs\n"
                                                           "    algorithm: hmac-sha256\n"
                                                           "    secret-file: " +
                                                           abs + "\n");
  const Config c = load_file(file);
  REQUIRE(c.tsig_keys.size() == 2);
  CHECK(c.tsig_keys[0].secret == bytes64);
  CHECK(c.tsig_keys[0].algorithm == TsigAlgorithm::HmacSha512);
  CHECK(c.tsig_keys[1].secret == "secret");

  // The errors name the resolved path and the system's reason.
  const std::string dir = (fs::path(tmp.path) / "etc").string();
  auto error = [&](const std::string& yaml) {
    try {
      load_string(yaml, "t.yaml", dir);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string key = kHead + "tsig-keys:\n  - name: k\n    algorithm: hmac-sha256\n";
  CHECK(error(key + "    secret-file: keys/none.b64\n") ==
        "t.yaml:10: tsig-keys[0].secret-file " + dir +
            "/keys/none.b64: cannot open: No such file or directory");
  CHECK(error(key + "    secret-file: keys\n") ==
        "t.yaml:10: tsig-keys[0].secret-file " + dir + "/keys: cannot read: Is a directory");
  tmp.write("etc/blank.b64", " \n\t\n");
  CHECK(error(key + "    secret-file: blank.b64\n") ==
        "t.yaml:10: tsig-keys[0].secret-file " + dir + "/blank.b64 holds no secret");
  tmp.write("etc/bad.b64", "c2VjcmV0!\n");
  CHECK(error(key + "    secret-file: bad.b64\n") ==
        "t.yaml:10: tsig-keys[0].secret-file " + dir +
            "/bad.b64 is not valid base64: 9 characters, not a multiple of 4");
  tmp.write("etc/big.b64", std::string(65 << 10, 'A'));
  CHECK(error(key + "    secret-file: big.b64\n") ==
        "t.yaml:10: tsig-keys[0].secret-file " + dir + "/big.b64: is larger than 64 KiB");
  if (geteuid() != 0) {  // root reads everything
    const std::string locked = tmp.write("etc/locked.b64", "c2VjcmV0\n");
    REQUIRE(chmod(locked.c_str(), 0) == 0);
    CHECK(error(key + "    secret-file: locked.b64\n") ==
          "t.yaml:10: tsig-keys[0].secret-file " + locked + ": cannot open: Permission denied");
  }
}

TEST_CASE("errors in tsig-keys") {
  const std::string keys = kHead + "tsig-keys:\n";
  check_error(kHead + "tsig-keys: {name: k}\n", 7, "tsig-keys must be a list");
  check_error(keys + "  - xfr-key\n", 8, "tsig-keys[0] must be a map of keys");
  check_error(keys + "  - {name: k, algorithm: hmac-sha256, secret: YQ==, ttl: 5}\n", 8,
              "unknown key 'ttl' in tsig-keys[0] (expected name, algorithm, secret, secret-file)");
  check_error(keys + "  - {algorithm: hmac-sha256, secret: YQ==}\n", 8,
              "tsig-keys[0].name is required");
  check_error(keys + "  - {name: \"a..b\", algorithm: hmac-sha256, secret: YQ==}\n", 8,
              "tsig-keys[0].name 'a..b' is not a valid domain name");
  check_error(
      keys + "  - {name: \"" + std::string(64, 'k') + "\", algorithm: hmac-sha256, secret: YQ==}\n",
      8, "is not a valid domain name");
  check_error(keys + "  - {name: ., algorithm: hmac-sha256, secret: YQ==}\n", 8,
              "tsig-keys[0].name must not be the root");
  check_error(keys + "  - {name: k, secret: YQ==}\n", 8,
              "tsig-keys[0].algorithm is required (e.g. algorithm: hmac-sha256)");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha3\n    secret: YQ==\n", 9,
              "tsig-keys[0].algorithm must be hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, "
              "hmac-sha1 or hmac-md5, got 'hmac-sha3'");
  check_error(keys + "  - {name: k, algorithm: HMAC-SHA256, secret: YQ==}\n", 8,
              "got 'HMAC-SHA256'");
  check_error(keys + "  - {name: k, algorithm: hmac-sha256}\n", 8,
              "tsig-keys[0] needs a secret (base64) or a secret-file");
  check_error(keys +
                  "  - name: k\n    algorithm: hmac-sha256\n    secret: YQ==\n"
                  "    secret-file: k.b64\n",
              11, "tsig-keys[0] gives both secret and secret-file; keep one");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: \"\"\n", 10,
              "tsig-keys[0].secret must not be empty");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: c2VjcmV0!\n", 10,
              "tsig-keys[0].secret is not valid base64: 9 characters, not a multiple of 4");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: \"c2Vj cmV0\"\n", 10,
              "tsig-keys[0].secret is not valid base64: 9 characters");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: \"c2V!\"\n", 10,
              "tsig-keys[0].secret is not valid base64: '!' at offset 3 is not a base64 character");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: YR==\n", 10,
              "the last character before the padding has bits set that padding drops");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret: [YQ==]\n", 10,
              "tsig-keys[0].secret must be a string");
  check_error(keys + "  - name: k\n    algorithm: hmac-sha256\n    secret-file: [a]\n", 10,
              "tsig-keys[0].secret-file must be a string");
  check_error(keys +
                  "  - {name: xfr-key, algorithm: hmac-sha256, secret: YQ==}\n"
                  "  - {name: other, algorithm: hmac-sha256, secret: YQ==}\n"
                  "  - {name: XFR-KEY., algorithm: hmac-sha1, secret: YQ==}\n",
              10, "tsig-keys[2]: key xfr-key. is already defined on line 8");
}

TEST_CASE("secondaries, allow-transfer, journal and status-timeout in zone-defaults") {
  const Config c = load(kHead + kKeys +
                        "  - {name: other, algorithm: hmac-sha512, secret: YQ==}\n"
                        "zone-defaults:\n"
                        "  secondaries:\n"
                        "    - { address: \"192.0.2.53:53\", key: xfr-key }\n"
                        "    - { address: \"192.0.2.54\" }\n"
                        "    - { address: \"192.0.2.54:5353\", key: OTHER. }\n"
                        "    - { address: \"[2001:DB8::53]:5300\" }\n"
                        "    - { address: \"[2001:db8::54]\" }\n"
                        "    - { address: \"2001:db8::55\", key: xfr-key. }\n"
                        "  allow-transfer:\n"
                        "    - { from: \"198.51.100.0/24\", key: xfr-key }\n"
                        "    - { from: 203.0.113.7 }\n"
                        "    - { from: \"2001:db8:1::/48\" }\n"
                        "    - { from: \"2001:db8::1\" }\n"
                        "    - { key: other }\n"
                        "  journal: { max-depth: 10000000, max-size: 64G }\n"
                        "  status-timeout: 86400\n");
  const ZoneDefaults& d = c.zone_defaults;
  const std::vector<SecondaryConf> secondaries = {
      {"192.0.2.53", 53, 4, "xfr-key.", "192.0.2.53:53"},
      {"192.0.2.54", 53, 4, "", "192.0.2.54"},
      {"192.0.2.54", 5353, 4, "other.", "192.0.2.54:5353"},
      {"2001:db8::53", 5300, 6, "", "[2001:DB8::53]:5300"},
      {"2001:db8::54", 53, 6, "", "[2001:db8::54]"},
      {"2001:db8::55", 53, 6, "xfr-key.", "2001:db8::55"}};
  CHECK(d.secondaries == secondaries);
  const std::vector<TransferAclConf> acl = {{prefix("198.51.100.0/24"), "xfr-key."},
                                            {prefix("203.0.113.7/32"), ""},
                                            {prefix("2001:db8:1::/48"), ""},
                                            {prefix("2001:db8::1/128"), ""},
                                            {std::nullopt, "other."}};
  CHECK(d.allow_transfer == acl);
  CHECK(d.journal == JournalConf{10000000, 64ull << 30});
  CHECK(d.status_timeout_s == 86400);

  const Config low = load(kHead +
                          "zone-defaults:\n"
                          "  journal: { max-depth: 1, max-size: 64K }\n"
                          "  status-timeout: 1\n");
  CHECK(low.zone_defaults.journal == JournalConf{1, 64 << 10});
  CHECK(low.zone_defaults.status_timeout_s == 1);
  CHECK(load(kHead + "zone-defaults: {journal: {max-size: 1048576}}\n").zone_defaults.journal ==
        JournalConf{1000, 1 << 20});
  CHECK(load(kHead + "zone-defaults: {journal: {max-size: 2gib}}\n").zone_defaults.journal ==
        JournalConf{1000, 2ull << 30});
}

TEST_CASE("zones take replication settings from zone-defaults unless they give their own") {
  const Config c = load(kHead + kKeys +
                        "zone-defaults:\n"
                        "  ns: [ns1.example.net.]\n"
                        "  soa: {rname: h.example.}\n"
                        "  secondaries: [{ address: \"192.0.2.53\", key: xfr-key }]\n"
                        "  allow-transfer: [{ from: 198.51.100.0/24 }]\n"
                        "  journal: { max-depth: 50, max-size: 1M }\n"
                        "  status-timeout: 30\n"
                        "zones:\n"
                        "  - prefix: 10.0.0.0/8\n"
                        "  - prefix: 172.16.0.0/16\n"
                        "    secondaries:\n"
                        "      - { address: \"192.0.2.99:5353\" }\n"
                        "      - { address: \"192.0.2.53\" }\n"
                        "    allow-transfer: [{ key: xfr-key }]\n"
                        "    journal: { max-depth: 7 }\n"
                        "    status-timeout: 600\n"
                        "  - prefix: 192.168.0.0/16\n"
                        "    secondaries: []\n"
                        "    allow-transfer: []\n"
                        "    journal: { max-size: 64K }\n"
                        "  - prefix: 198.18.0.0/16\n"
                        "    secondaries:\n"  // empty: counts as absent
                        "    journal:\n");
  REQUIRE(c.zones.size() == 4);
  const ZoneDefaults& d = c.zone_defaults;
  REQUIRE(d.secondaries.size() == 1);
  CHECK(d.secondaries[0] == SecondaryConf{"192.0.2.53", 53, 4, "xfr-key.", "192.0.2.53"});

  const ZoneConf& inherits = c.zones[0];
  CHECK(inherits.secondaries == d.secondaries);
  CHECK(inherits.allow_transfer == d.allow_transfer);
  CHECK(inherits.journal == JournalConf{50, 1 << 20});
  CHECK(inherits.status_timeout_s == 30);

  // A list replaces the default list as a whole; journal goes field by field.
  const ZoneConf& own = c.zones[1];
  const std::vector<SecondaryConf> secondaries = {{"192.0.2.99", 5353, 4, "", "192.0.2.99:5353"},
                                                  {"192.0.2.53", 53, 4, "", "192.0.2.53"}};
  CHECK(own.secondaries == secondaries);
  CHECK(own.allow_transfer == std::vector<TransferAclConf>{{std::nullopt, "xfr-key."}});
  CHECK(own.journal == JournalConf{7, 1 << 20});
  CHECK(own.status_timeout_s == 600);

  const ZoneConf& none = c.zones[2];
  CHECK(none.secondaries.empty());
  CHECK(none.allow_transfer.empty());
  CHECK(none.journal == JournalConf{50, 64 << 10});
  CHECK(none.status_timeout_s == 30);

  CHECK(c.zones[3].secondaries == d.secondaries);
  CHECK(c.zones[3].journal == d.journal);
}

TEST_CASE("a reload sees every replication change") {
  const std::string zone = kHead + kKeys + kZoneBase + "zones:\n  - prefix: 192.0.2.0/24\n";
  const Config base = load(zone + "    secondaries: [{address: 192.0.2.53}]\n");
  CHECK(base == load(zone + "    secondaries: [{address: 192.0.2.53}]\n"));
  for (const char* changed :
       {"    secondaries: [{address: \"192.0.2.53:54\"}]\n",
        "    secondaries: [{address: 192.0.2.53, key: xfr-key}]\n",
        "    secondaries: [{address: 192.0.2.53}]\n    allow-transfer: [{key: xfr-key}]\n",
        "    secondaries: [{address: 192.0.2.53}]\n    journal: {max-depth: 999}\n",
        "    secondaries: [{address: 192.0.2.53}]\n    status-timeout: 61\n"}) {
    const Config other = load(zone + changed);
    INFO(changed);
    CHECK_FALSE(other.zones[0] == base.zones[0]);
    CHECK_FALSE(other == base);
  }
  // A new secret is a change too, though the key keeps its name.
  std::string secret = zone + "    secondaries: [{address: 192.0.2.53}]\n";
  secret.replace(secret.find("c2VjcmV0"), 8, "c2VjcmV1");
  CHECK_FALSE(load(secret) == base);
}

TEST_CASE("errors in secondaries") {
  const std::string d = kHead + kKeys + "zone-defaults:\n  secondaries:\n";  // entries on 13
  check_error(kHead + "zone-defaults:\n  secondaries: 192.0.2.53\n", 8,
              "zone-defaults.secondaries must be a list");
  check_error(d + "    - 192.0.2.53\n", 13, "zone-defaults.secondaries[0] must be a map of keys");
  check_error(d + "    - { key: xfr-key }\n", 13,
              "zone-defaults.secondaries[0].address is required");
  check_error(d + "    - { address: 192.0.2.53, tsig: xfr-key }\n", 13,
              "unknown key 'tsig' in zone-defaults.secondaries[0] (expected address, key)");
  check_error(d + "    - { address: 192.0.2.53, key: nokey }\n", 13,
              "zone-defaults.secondaries[0].key 'nokey' is not in tsig-keys (xfr-key.)");
  check_error(kHead + "zone-defaults:\n  secondaries:\n    - { address: 192.0.2.53, key: k }\n", 9,
              "zone-defaults.secondaries[0].key 'k' is not in tsig-keys (there are none)");
  check_error(d + "    - { address: 192.0.2.53, key: \"\" }\n", 13,
              "zone-defaults.secondaries[0].key must not be empty");
  check_error(d + "    - { address: ns2.example.net }\n", 13,
              "zone-defaults.secondaries[0].address: 'ns2.example.net' is not an IPv4 address");
  check_error(d + "    - { address: \"300.0.0.1:53\" }\n", 13,
              "'300.0.0.1' in '300.0.0.1:53' is not an IPv4 address");
  check_error(d + "    - { address: \"[192.0.2.1]:53\" }\n", 13, "is not an IPv6 address");
  check_error(d + "    - { address: \"2001:db8::zz\" }\n", 13,
              "'2001:db8::zz' is not an IPv6 address");
  check_error(d + "    - { address: \"[2001:db8::1]53\" }\n", 13,
              "'[2001:db8::1]53' must be [IPV6-ADDRESS] or [IPV6-ADDRESS]:PORT");
  check_error(d + "    - { address: \"[2001:db8::1\" }\n", 13, "must be [IPV6-ADDRESS]");
  check_error(d + "    - { address: \"192.0.2.53:0\" }\n", 13,
              "zone-defaults.secondaries[0].address: port '0' in '192.0.2.53:0' must be 1..65535");
  check_error(d + "    - { address: \"[2001:db8::1]:65536\" }\n", 13,
              "port '65536' in '[2001:db8::1]:65536' must be 1..65535");
  check_error(d + "    - { address: \"192.0.2.53:\" }\n", 13, "port '' in");
  check_error(d + "    - { address: \"192.0.2.53:domain\" }\n", 13, "port 'domain'");
  check_error(d + "    - { address: \"192.0.2.53\" }\n"
                  "    - { address: \"192.0.2.53:5353\" }\n"
                  "    - { address: \"192.0.2.53:53\", key: xfr-key }\n",
              15, "zone-defaults.secondaries[2]: 192.0.2.53:53 is already listed on line 13");
  check_error(d + "    - { address: \"2001:db8::53\" }\n"
                  "    - { address: \"[2001:DB8:0::53]:53\" }\n",
              14, "[2001:DB8:0::53]:53 is already listed on line 13");
  // In a zone, the path names the zone.
  check_error(kHead + kKeys + kZoneBase +
                  "zones:\n  - prefix: 192.0.2.0/24\n    secondaries: [{address: 1.2.3}]\n",
              14, "zones[0].secondaries[0].address: '1.2.3' is not an IPv4 address");
}

TEST_CASE("errors in allow-transfer") {
  const std::string d = kHead + kKeys + "zone-defaults:\n  allow-transfer:\n";  // entries on 13
  check_error(kHead + "zone-defaults:\n  allow-transfer: {from: 192.0.2.0/24}\n", 8,
              "zone-defaults.allow-transfer must be a list");
  check_error(d + "    - 192.0.2.0/24\n", 13, "zone-defaults.allow-transfer[0] must be a map");
  check_error(d + "    - {}\n", 13, "zone-defaults.allow-transfer[0] must give from, key or both");
  check_error(d + "    - { from: , key: }\n", 13, "must give from, key or both");
  check_error(d + "    - { from: 192.0.2.0/24, address: 192.0.2.1 }\n", 13,
              "unknown key 'address' in zone-defaults.allow-transfer[0] (expected from, key)");
  check_error(d + "    - { from: 192.0.2.1/24 }\n", 13,
              "zone-defaults.allow-transfer[0].from: '192.0.2.1/24' has host bits set");
  check_error(d + "    - { from: 192.0.2.0/33 }\n", 13,
              "zone-defaults.allow-transfer[0].from: prefix length '33' must be 0..32");
  check_error(d + "    - { from: \"banana/8\" }\n", 13, "'banana' is not an IP address");
  check_error(d + "    - { from: example.net }\n", 13,
              "zone-defaults.allow-transfer[0].from 'example.net' is not an address or a prefix");
  check_error(d + "    - { from: \"[2001:db8::1]\" }\n", 13, "is not an address or a prefix");
  check_error(d + "    - { from: 192.0.2.0/24 }\n    - { key: none }\n", 14,
              "zone-defaults.allow-transfer[1].key 'none' is not in tsig-keys (xfr-key.)");
  check_error(kHead + kKeys + kZoneBase +
                  "zones:\n  - prefix: 192.0.2.0/24\n    allow-transfer:\n      - {from: x}\n",
              15, "zones[0].allow-transfer[0].from 'x' is not an address or a prefix");
}

TEST_CASE("errors in journal and status-timeout") {
  const std::string d = kHead + "zone-defaults:\n";
  check_error(d + "  journal: 1000\n", 8, "zone-defaults.journal must be a map of keys");
  check_error(d + "  journal: { depth: 5 }\n", 8,
              "unknown key 'depth' in zone-defaults.journal (expected max-depth, max-size)");
  check_error(d + "  journal: { max-depth: 0 }\n", 8,
              "zone-defaults.journal.max-depth must be 1..10000000, got 0");
  check_error(d + "  journal: { max-depth: 10000001 }\n", 8,
              "zone-defaults.journal.max-depth must be 1..10000000, got 10000001");
  check_error(d + "  journal: { max-depth: -1 }\n", 8, "must be 1..10000000, got -1");
  check_error(d + "  journal: { max-depth: lots }\n", 8,
              "zone-defaults.journal.max-depth must be an integer, got 'lots'");
  check_error(d + "  journal: { max-size: 63K }\n", 8,
              "zone-defaults.journal.max-size must be 64K..64G, got 63K");
  check_error(d + "  journal: { max-size: 65535 }\n", 8, "must be 64K..64G, got 65535");
  CHECK(load(d + "  journal: { max-size: 65536 }\n").zone_defaults.journal.max_size == 65536);
  check_error(d + "  journal: { max-size: 65G }\n", 8, "must be 64K..64G, got 65G");
  check_error(d + "  journal: { max-size: 1T }\n", 8, "must be 64K..64G, got 1T");
  check_error(d + "  journal: { max-size: 0 }\n", 8, "must be 64K..64G, got 0");
  check_error(d + "  journal: { max-size: 100MB }\n", 8,
              "zone-defaults.journal.max-size must be a size in bytes");
  check_error(d + "  journal: { max-size: 99999999999999999999999 }\n", 8,
              "zone-defaults.journal.max-size must be");
  check_error(d + "  status-timeout: 0\n", 8,
              "zone-defaults.status-timeout must be 1..86400, got 0");
  check_error(d + "  status-timeout: 86401\n", 8,
              "zone-defaults.status-timeout must be 1..86400, got 86401");
  check_error(d + "  status-timeout: 1m\n", 8,
              "zone-defaults.status-timeout must be an integer, got '1m'");
  const std::string z = kHead + kZoneBase + "zones:\n  - prefix: 192.0.2.0/24\n";
  check_error(z + "    journal: { max-depth: 0 }\n", 10,
              "zones[0].journal.max-depth must be 1..10000000, got 0");
  check_error(z + "    journal:\n      max-size: 1K\n", 11,
              "zones[0].journal.max-size must be 64K..64G, got 1K");
  check_error(z + "    status-timeout: 0\n", 10, "zones[0].status-timeout must be 1..86400, got 0");
  check_error(z + "    journal: { max-depth: 1, max-depth: 2 }\n", 10,
              "key 'max-depth' appears twice in zones[0].journal");
  check_error(z + "    replicas: []\n", 10,
              "unknown key 'replicas' in zones[0] (expected prefix, ns, soa, ttl, ns-ttl, "
              "serial-policy, max-records, fcrdns, records, secondaries, allow-transfer, "
              "allow-update, journal, status-timeout, synthesize)");
}

TEST_CASE("catalog: its zone and secondaries") {
  const std::string defaults = kHead + kKeys +
                               "zone-defaults:\n"
                               "  secondaries: [{ address: \"192.0.2.53\", key: xfr-key }]\n";
  const Config own = load(defaults +
                          "catalog:\n"
                          "  zone: Catalog.RDNSD\n"
                          "  secondaries:\n"
                          "    - { address: \"[2001:db8::53]:5353\", key: xfr-key }\n"
                          "    - { address: \"192.0.2.54\" }\n");
  CHECK(own.catalog.zone == "catalog.rdnsd.");
  CHECK(own.catalog.secondaries_given);
  const std::vector<SecondaryConf> secondaries = {
      {"2001:db8::53", 5353, 6, "xfr-key.", "[2001:db8::53]:5353"},
      {"192.0.2.54", 53, 4, "", "192.0.2.54"}};
  CHECK(own.catalog.secondaries == secondaries);

  // Without its own secondaries, the catalog goes where zone-defaults sends zones.
  const Config inherited = load(defaults + "catalog: { zone: catalog.example.net. }\n");
  CHECK(inherited.catalog.zone == "catalog.example.net.");
  CHECK_FALSE(inherited.catalog.secondaries_given);
  CHECK(inherited.catalog.secondaries == inherited.zone_defaults.secondaries);
  CHECK(inherited.catalog.secondaries.size() == 1);

  const Config none = load(defaults + "catalog: { zone: cat., secondaries: [] }\n");
  CHECK(none.catalog.secondaries_given);
  CHECK(none.catalog.secondaries.empty());
  CHECK(load(defaults + "catalog:\n").catalog == CatalogConf{});
  // Names other than host names are fine for a zone: "_catalog" is a common one.
  CHECK(load(kHead + "catalog: { zone: _catalog.example. }\n").catalog.zone == "_catalog.example.");
}

TEST_CASE("errors in catalog") {
  check_error(kHead + "catalog: catalog.rdnsd.\n", 7, "catalog must be a map of keys");
  check_error(kHead + "catalog:\n  secondaries: []\n", 8,
              "catalog.zone is required (e.g. zone: catalog.rdnsd.)");
  check_error(kHead + "catalog:\n  zone: catalog.rdnsd.\n  members: []\n", 9,
              "unknown key 'members' in catalog (expected zone, secondaries)");
  check_error(kHead + "catalog:\n  zone: \"a..b\"\n", 8,
              "catalog.zone 'a..b' is not a valid domain name");
  check_error(kHead + "catalog:\n  zone: .\n", 8, "catalog.zone must not be the root");
  check_error(kHead + "catalog:\n  zone: [a]\n", 8, "catalog.zone must be a string");
  check_error(kHead + "catalog:\n  zone: catalog.in-addr.arpa\n", 8,
              "catalog.zone catalog.in-addr.arpa. is inside in-addr.arpa., where the reverse "
              "zones are");
  check_error(kHead + "catalog:\n  zone: IN-ADDR.ARPA.\n", 8,
              "catalog.zone in-addr.arpa. is in-addr.arpa., where the reverse zones are");
  check_error(kHead + "catalog:\n  zone: cat.IP6.arpa\n", 8,
              "catalog.zone cat.ip6.arpa. is inside ip6.arpa.");
  check_error(kHead + "catalog:\n  zone: arpa\n", 8, "catalog.zone arpa. is above in-addr.arpa.");
  // A served zone is inside the reverse trees, so it is refused as such.
  check_error(kHead + kZoneBase + "zones:\n  - prefix: 192.0.2.0/24\ncatalog:\n" +
                  "  zone: 2.0.192.in-addr.arpa.\n",
              11, "catalog.zone 2.0.192.in-addr.arpa. is inside in-addr.arpa.");
  check_error(kHead + "catalog:\n  zone: cat.\n  secondaries:\n    - { address: \"1.2.3.4:0\" }\n",
              10, "catalog.secondaries[0].address: port '0' in '1.2.3.4:0' must be 1..65535");
  check_error(
      kHead + "catalog:\n  zone: cat.\n  secondaries:\n    - { address: 1.2.3.4, key: k }\n", 10,
      "catalog.secondaries[0].key 'k' is not in tsig-keys (there are none)");
  check_error(kHead +
                  "catalog:\n  zone: cat.\n  secondaries:\n"
                  "    - { address: 1.2.3.4 }\n    - { address: \"1.2.3.4:53\" }\n",
              11, "catalog.secondaries[1]: 1.2.3.4:53 is already listed on line 10");
}

TEST_CASE("the order of the sections in the file does not matter") {
  // Keys are defined after the zones that name them, the catalog first.
  const Config c = load(
      "catalog: { zone: cat. }\n" + kHead + kZoneBase +
      "zones:\n  - prefix: 192.0.2.0/24\n    secondaries: [{address: 192.0.2.53, key: xfr-key}]\n" +
      kKeys);
  REQUIRE(c.zones.size() == 1);
  CHECK(c.zones[0].secondaries[0].key == "xfr-key.");
  CHECK(c.catalog.zone == "cat.");
}
