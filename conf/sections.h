#pragma once
// Private to the conf library: the parsers of the sections of the file.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "conf/yaml_reader.h"

namespace rdnsd::conf::detail {

using KeyList = std::vector<TsigKeyConf>;

// "ADDR:PORT" or "[ADDR]:PORT" (server.listen, fcrdns.resolver, secondaries). With a
// `default_port` (not 0) the port may be left out ("ADDR", "[ADDR]"), and then an IPv6
// address may also be written bare ("2001:db8::53"); with 0 the port is required and
// IPv6 must be in brackets. The host stays as written. std::nullopt with `why`.
std::optional<ListenAddr> parse_address(const std::string& text, uint16_t default_port,
                                        std::string& why);

// `from` of allow-transfer and allow-update, an entry of rrl.whitelist: a prefix, or one
// address as the prefix of its full length.
names::Prefix from_value(const Reader& r, const YAML::Node& node, const std::string& path);

// `server.rrl:` and `server.cookie-secret:` (conf/hardening.cpp).
RrlConf parse_rrl(const Reader& r, const YAML::Node& node);
std::vector<std::string> parse_cookie_secrets(const Reader& r, const YAML::Node& node);
// `http:`; paths resolve against `base_dir`; the tokens file is read here.
HttpConf parse_http(const Reader& r, const YAML::Node& node, const std::string& base_dir);

// `zone-defaults:`; `keys` are the tsig-keys its `key:` entries may name.
ZoneDefaults parse_zone_defaults(const Reader& r, const YAML::Node& node, const KeyList& keys);
// `zones:`: every zone checked on its own, then against each other (overlaps) and against
// the global record limit `max_records` (0 = none).
std::vector<ZoneConf> parse_zones(const Reader& r, const YAML::Node& node,
                                  const ZoneDefaults& defaults, uint64_t max_records,
                                  const KeyList& keys);

// `tsig-keys:`; secret-file paths resolve against `base_dir`.
KeyList parse_tsig_keys(const Reader& r, const YAML::Node& node, const std::string& base_dir);
// `catalog:`; without its own secondaries it takes those of `defaults`.
CatalogConf parse_catalog(const Reader& r, const YAML::Node& node, const KeyList& keys,
                          const ZoneDefaults& defaults);

// The replication keys of a zone or of zone-defaults; journal goes field by field over
// `base`.
std::vector<SecondaryConf> parse_secondaries(const Reader& r, const YAML::Node& node,
                                             const std::string& path, const KeyList& keys);
std::vector<TransferAclConf> parse_allow_transfer(const Reader& r, const YAML::Node& node,
                                                  const std::string& path, const KeyList& keys);
std::vector<UpdateAclConf> parse_allow_update(const Reader& r, const YAML::Node& node,
                                              const std::string& path, const KeyList& keys);
JournalConf parse_journal(const Reader& r, const YAML::Node& node, const std::string& path,
                          JournalConf base);

// secondaries, allow-transfer, allow-update, journal and status-timeout of a zone or of
// zone-defaults
// at `path`: each one given replaces the one in `z`, but journal only field by field.
template <class Z>
void parse_replication(const Reader& r, const YAML::Node& node, const std::string& path,
                       const KeyList& keys, Z& z) {
  if (auto v = child(node, "secondaries"))
    z.secondaries = parse_secondaries(r, *v, join(path, "secondaries"), keys);
  if (auto v = child(node, "allow-transfer"))
    z.allow_transfer = parse_allow_transfer(r, *v, join(path, "allow-transfer"), keys);
  if (auto v = child(node, "allow-update"))
    z.allow_update = parse_allow_update(r, *v, join(path, "allow-update"), keys);
  if (auto v = child(node, "journal"))
    z.journal = parse_journal(r, *v, join(path, "journal"), z.journal);
  if (auto v = child(node, "status-timeout"))
    z.status_timeout_s =
        uint32_t(r.integer(*v, join(path, "status-timeout"), 1, kMaxStatusTimeout));
}

// The key called `name` in `keys` (see conf::find_key), or nullptr.
const TsigKeyConf* find_key(const KeyList& keys, std::string_view name);

}  // namespace rdnsd::conf::detail
