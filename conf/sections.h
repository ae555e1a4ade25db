#pragma once
// Private to the conf library: the parsers of the sections of the file.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <vector>

#include "conf/config.h"
#include "conf/yaml_reader.h"

namespace rdnsd::conf::detail {

// `zone-defaults:`.
ZoneDefaults parse_zone_defaults(const Reader& r, const YAML::Node& node);
// `zones:`: every zone checked on its own, then against each other (overlaps) and against
// the global record limit `max_records` (0 = none).
std::vector<ZoneConf> parse_zones(const Reader& r, const YAML::Node& node,
                                  const ZoneDefaults& defaults, uint64_t max_records);

}  // namespace rdnsd::conf::detail
