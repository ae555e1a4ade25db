#pragma once
// Every key the config loader accepts, in one table: the section parsers check each map
// against it (unknown keys are refused with FILE:LINE), and known_keys() lists it whole
// for the documentation check (rdnsd.yaml(5) must describe exactly these keys).
#include <string>
#include <string_view>
#include <vector>

namespace rdnsd::conf {

// The maps of the file, by the shape they have (soa is the same in a zone and in
// zone-defaults; a secondary is the same in a zone, zone-defaults and the catalog).
enum class Section {
  Root,
  Server,
  Store,
  Admin,
  Log,
  Fcrdns,
  TsigKey,
  Secondary,
  Acl,  // allow-transfer and allow-update entries
  Journal,
  Catalog,
  Soa,
  Record,
  Zone,
  ZoneDefaults,
  Rrl,         // server.rrl
  Synthesize,  // a zone's or zone-defaults' synthesize
  Http,
  HttpTls,
};

// The keys a map of `section` may hold, in the order the documentation lists them.
const std::vector<std::string_view>& keys_of(Section section);

// Every key as a path from the top: "server.listen", "zones[].soa.mname",
// "zone-defaults.secondaries[].address"; "[]" marks the entries of a list. Sections are
// listed too ("zones", "zones[].soa").
std::vector<std::string> known_keys();

}  // namespace rdnsd::conf
