// The replication keys: tsig-keys, catalog, and each zone's secondaries, allow-transfer,
// journal and status-timeout; and allow-update, which names tsig-keys the same way.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "conf/base64.h"
#include "conf/sections.h"

namespace rdnsd::conf {
namespace {

struct AlgorithmName {
  TsigAlgorithm algorithm;
  std::string_view name;
};
// In the order the error message lists them: the usual choice first.
constexpr AlgorithmName kAlgorithms[] = {
    {TsigAlgorithm::HmacSha256, "hmac-sha256"}, {TsigAlgorithm::HmacSha512, "hmac-sha512"},
    {TsigAlgorithm::HmacSha384, "hmac-sha384"}, {TsigAlgorithm::HmacSha224, "hmac-sha224"},
    {TsigAlgorithm::HmacSha1, "hmac-sha1"},     {TsigAlgorithm::HmacMd5, "hmac-md5"}};

// A DNS name made absolute and lower case in text form, so that one name has one
// spelling ("XFR-Key" and "xfr-key." are the same key). std::nullopt with `why`.
std::optional<std::string> normalized_name(std::string_view text, std::string* why) {
  auto wire = names::text_to_wire(text, why);
  if (!wire) return std::nullopt;
  // Lowering the whole wire form is safe: length octets are at most 63, below 'A'.
  for (char& c : *wire)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return names::wire_to_text(*wire);
}

}  // namespace

std::string_view tsig_algorithm_name(TsigAlgorithm algorithm) {
  for (const auto& a : kAlgorithms)
    if (a.algorithm == algorithm) return a.name;
  return "?";
}

const TsigKeyConf* find_key(const Config& config, std::string_view name) {
  return detail::find_key(config.tsig_keys, name);
}

namespace detail {
namespace {

// A DNS name other than the root, normalized (see normalized_name).
std::string dns_name(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  std::string why;
  auto name = normalized_name(text, &why);
  if (!name) r.fail(node, path + " '" + text + "' is not a valid domain name: " + why);
  if (*name == ".") r.fail(node, path + " must not be the root");
  return *name;
}

// ---- tsig-keys -----------------------------------------------------------------------

TsigAlgorithm algorithm_value(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  std::string list;
  for (size_t i = 0; i < std::size(kAlgorithms); ++i) {
    if (kAlgorithms[i].name == text) return kAlgorithms[i].algorithm;
    list += (i == 0 ? "" : i + 1 == std::size(kAlgorithms) ? " or " : ", ");
    list += kAlgorithms[i].name;
  }
  r.fail(node, path + " must be " + list + ", got '" + text + "'");
}

// Reads a secret file: at most this much, so a wrong path (/dev/zero) cannot hang the
// load; real ones are some dozens of bytes.
constexpr size_t kMaxSecretFile = 64 << 10;

// The file's bytes, or std::nullopt with the reason in `why`.
std::optional<std::string> read_secret_file(const std::string& path, std::string& why) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    why = std::string("cannot open: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string text(kMaxSecretFile + 1, '\0');
  const size_t n = std::fread(text.data(), 1, text.size(), f);
  const int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err != 0) {
    why = std::string("cannot read: ") + std::strerror(err);
    return std::nullopt;
  }
  if (n > kMaxSecretFile) {
    why = "is larger than " + std::to_string(kMaxSecretFile / 1024) + " KiB";
    return std::nullopt;
  }
  text.resize(n);
  return text;
}

// Line breaks and blanks go: base64(1) wraps at 76 columns, so a 64-byte hmac-sha512
// secret written by it spans two lines.
std::string without_whitespace(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') out += c;
  return out;
}

// The decoded secret of `secret:` or `secret-file:` (exactly one is given).
std::string secret_value(const Reader& r, const YAML::Node& entry, const std::string& path,
                         const std::string& base_dir) {
  auto inline_secret = child(entry, "secret");
  auto file = child(entry, "secret-file");
  if (inline_secret && file) r.fail(*file, path + " gives both secret and secret-file; keep one");
  if (!inline_secret && !file) r.fail(entry, path + " needs a secret (base64) or a secret-file");
  std::string text, where, why;
  const YAML::Node& node = inline_secret ? *inline_secret : *file;
  if (inline_secret) {
    text = r.string(node, path + ".secret");
    where = path + ".secret";
  } else {
    const std::string name = detail::resolve_path(base_dir, r.string(node, path + ".secret-file"));
    auto content = read_secret_file(name, why);
    if (!content) r.fail(node, path + ".secret-file " + name + ": " + why);
    text = without_whitespace(*content);
    where = path + ".secret-file " + name;
    if (text.empty()) r.fail(node, where + " holds no secret");
  }
  auto secret = decode_base64(text, &why);
  if (!secret) r.fail(node, where + " is not valid base64: " + why);
  return *secret;
}

TsigKeyConf tsig_key(const Reader& r, const YAML::Node& entry, const std::string& path,
                     const std::string& base_dir) {
  r.check_map(entry, path, Section::TsigKey);
  TsigKeyConf k;
  k.line = line_of(entry);
  auto name = child(entry, "name");
  if (!name) r.fail(entry, path + ".name is required (e.g. name: xfr-key)");
  k.name = dns_name(r, *name, path + ".name");
  auto algorithm = child(entry, "algorithm");
  if (!algorithm) r.fail(entry, path + ".algorithm is required (e.g. algorithm: hmac-sha256)");
  k.algorithm = algorithm_value(r, *algorithm, path + ".algorithm");
  k.secret = secret_value(r, entry, path, base_dir);
  return k;
}

// ---- references to keys, secondaries, allow-transfer ---------------------------------

// The normalized name of the tsig-keys entry that `node` names.
std::string key_ref(const Reader& r, const YAML::Node& node, const std::string& path,
                    const KeyList& keys) {
  const std::string text = r.string(node, path);
  if (const TsigKeyConf* key = find_key(keys, text)) return key->name;
  std::string known;
  for (const TsigKeyConf& k : keys) known += (known.empty() ? "" : ", ") + k.name;
  r.fail(node, path + " '" + text + "' is not in tsig-keys" +
                   (keys.empty() ? " (there are none)" : " (" + known + ")"));
}

SecondaryConf secondary(const Reader& r, const YAML::Node& entry, const std::string& path,
                        const KeyList& keys) {
  r.check_map(entry, path, Section::Secondary);
  auto address = child(entry, "address");
  if (!address) r.fail(entry, path + ".address is required (e.g. address: \"192.0.2.53:53\")");
  const std::string text = r.string(*address, path + ".address");
  std::string why;
  auto parsed = parse_address(text, 53, why);
  if (!parsed) r.fail(*address, path + ".address: " + why);
  SecondaryConf s;
  // Canonical, so that one server written two ways is found twice and compares equal on
  // reload. parse_address has checked the address already.
  s.host = names::format_ip(*names::parse_ip(parsed->host));
  s.port = parsed->port;
  s.family = parsed->family;
  s.text = text;
  if (auto key = child(entry, "key")) s.key = key_ref(r, *key, path + ".key", keys);
  return s;
}

}  // namespace

names::Prefix from_value(const Reader& r, const YAML::Node& node, const std::string& path) {
  const std::string text = r.string(node, path);
  if (text.find('/') == std::string::npos) {
    auto addr = names::parse_ip(text);
    if (!addr)
      r.fail(node, path + " '" + text + "' is not an address or a prefix (ADDRESS/LENGTH)");
    return names::Prefix{*addr, addr->family == 4 ? 32u : 128u};
  }
  std::string why;
  auto prefix = names::parse_prefix(text, &why);
  if (!prefix) r.fail(node, path + ": " + why);
  return *prefix;
}

namespace {

TransferAclConf acl_entry(const Reader& r, const YAML::Node& entry, const std::string& path,
                          const KeyList& keys) {
  r.check_map(entry, path, Section::Acl);
  TransferAclConf a;
  auto from = child(entry, "from");
  auto key = child(entry, "key");
  // An entry with neither would let everyone transfer; say so with `from: 0.0.0.0/0`.
  if (!from && !key) r.fail(entry, path + " must give from, key or both");
  if (from) a.from = from_value(r, *from, path + ".from");
  if (key) a.key = key_ref(r, *key, path + ".key", keys);
  return a;
}

// ---- catalog -------------------------------------------------------------------------

// The catalog zone's name. It must stay out of the reverse trees: a catalog at or below
// in-addr.arpa. or ip6.arpa. could be a served zone or sit inside one, and one above them
// (arpa.) would cover every served zone.
std::string catalog_zone(const Reader& r, const YAML::Node& node) {
  const std::string name = dns_name(r, node, "catalog.zone");
  const std::string key = names::wire_to_key(*names::text_to_wire(name));
  for (const char* tree : {"in-addr.arpa.", "ip6.arpa."}) {
    const std::string tree_key = names::wire_to_key(*names::text_to_wire(tree));
    const char* where = key == tree_key               ? " is "
                        : key.rfind(tree_key, 0) == 0 ? " is inside "
                        : tree_key.rfind(key, 0) == 0 ? " is above "
                                                      : nullptr;
    if (where)
      r.fail(node, "catalog.zone " + name + where + tree +
                       ", where the reverse zones are; use a name like catalog.rdnsd.");
  }
  return name;
}

}  // namespace

const TsigKeyConf* find_key(const KeyList& keys, std::string_view name) {
  auto normal = normalized_name(name, nullptr);
  if (!normal) return nullptr;
  for (const TsigKeyConf& k : keys)
    if (k.name == *normal) return &k;
  return nullptr;
}

KeyList parse_tsig_keys(const Reader& r, const YAML::Node& node, const std::string& base_dir) {
  r.check_sequence(node, "tsig-keys");
  KeyList keys;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    TsigKeyConf k = tsig_key(r, node[i], index_path("tsig-keys", i), base_dir);
    auto [it, fresh] = seen.emplace(k.name, k.line);
    if (!fresh)
      r.fail(k.line, index_path("tsig-keys", i) + ": key " + k.name +
                         " is already defined on line " + std::to_string(it->second));
    keys.push_back(std::move(k));
  }
  return keys;
}

std::vector<SecondaryConf> parse_secondaries(const Reader& r, const YAML::Node& node,
                                             const std::string& path, const KeyList& keys) {
  r.check_sequence(node, path);
  std::vector<SecondaryConf> out;
  std::map<std::string, int> seen;  // family, host and port -> line
  for (size_t i = 0; i < node.size(); ++i) {
    SecondaryConf s = secondary(r, node[i], index_path(path, i), keys);
    const std::string id = std::to_string(s.family) + " " + s.host + " " + std::to_string(s.port);
    auto [it, fresh] = seen.emplace(id, line_of(node[i]));
    if (!fresh)
      r.fail(node[i], index_path(path, i) + ": " + s.text + " is already listed on line " +
                          std::to_string(it->second));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<TransferAclConf> parse_allow_transfer(const Reader& r, const YAML::Node& node,
                                                  const std::string& path, const KeyList& keys) {
  r.check_sequence(node, path);
  std::vector<TransferAclConf> out;
  for (size_t i = 0; i < node.size(); ++i)
    out.push_back(acl_entry(r, node[i], index_path(path, i), keys));
  return out;
}

std::vector<UpdateAclConf> parse_allow_update(const Reader& r, const YAML::Node& node,
                                              const std::string& path, const KeyList& keys) {
  r.check_sequence(node, path);
  std::vector<UpdateAclConf> out;
  for (size_t i = 0; i < node.size(); ++i)
    out.push_back(acl_entry(r, node[i], index_path(path, i), keys));
  return out;
}

JournalConf parse_journal(const Reader& r, const YAML::Node& node, const std::string& path,
                          JournalConf base) {
  r.check_map(node, path, Section::Journal);
  if (auto v = child(node, "max-depth"))
    base.max_depth = r.integer(*v, join(path, "max-depth"), 1, kMaxJournalDepth);
  if (auto v = child(node, "max-size"))
    base.max_size =
        r.size(*v, join(path, "max-size"), kMinJournalSize, kMaxJournalSize, "64K..64G");
  return base;
}

CatalogConf parse_catalog(const Reader& r, const YAML::Node& node, const KeyList& keys,
                          const ZoneDefaults& defaults) {
  r.check_map(node, "catalog", Section::Catalog);
  CatalogConf c;
  auto zone = child(node, "zone");
  if (!zone) r.fail(node, "catalog.zone is required (e.g. zone: catalog.rdnsd.)");
  c.zone = catalog_zone(r, *zone);
  if (auto v = child(node, "secondaries")) {
    c.secondaries = parse_secondaries(r, *v, "catalog.secondaries", keys);
    c.secondaries_given = true;
  } else {
    c.secondaries = defaults.secondaries;
  }
  return c;
}

}  // namespace detail
}  // namespace rdnsd::conf
