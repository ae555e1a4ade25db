#pragma once
// What the rdnsd main wires together, as functions that tests can call too.
#include <ctime>
#include <string>
#include <vector>

#include "conf/config.h"
#include "server/dns/forward.h"
#include "server/tsig/tsig.h"
#include "server/update/door.h"
#include "server/xfr/notifier.h"
#include "server/xfr/service.h"
#include "zonestore/store.h"

namespace rdnsd::server {

// The store settings of a configured zone.
zonestore::ZoneSettings zone_settings(const conf::ZoneConf& zone);
// Makes the store serve exactly the config's zones (see Store::reconcile) and returns a
// one-line summary for the log. Throws zonestore::StoreError ("conflict" when a config
// zone overlaps a stored zone).
std::string reconcile_zones(zonestore::Store& store, const conf::Config& config, std::time_t now);
// Loads the config at `path`, or the built-in default config when `path` is empty
// (relative paths then resolve against the working directory). Throws conf::ConfigError.
conf::Config load_config(const std::string& path);

// Who may transfer each zone: its secondaries (each from its address, with its key) and
// its allow-transfer entries; zones not in the file (zone-add) get zone-defaults'.
xfr::TransferPolicy transfer_policy(const conf::Config& config);
// Who may UPDATE each zone: its allow-update entries; zone-add zones: zone-defaults'.
update::Policy update_policy(const conf::Config& config);
// The config's tsig-keys.
std::shared_ptr<const tsig::Keyring> keyring(const conf::Config& config);
// Whom each zone is replicated to, and its status timeout; zone-add zones: zone-defaults'.
// The catalog zone is replicated to its own secondaries (catalog.secondaries, else
// zone-defaults'), who may transfer it, as may zone-defaults' allow-transfer entries.
xfr::ReplicationPolicy replication_policy(const conf::Config& config);

// The catalog zone as the answer core and the transfer service serve it (disabled when
// `catalog.zone` is not set): SOA mname, rname, timers and TTL from zone-defaults; an
// mname left empty there is zone-defaults' first NS name, and a name still missing is
// "invalid." (RFC 9432 section 4.1: nobody resolves through a catalog).
dns::CatalogZone catalog_zone(const conf::Config& config);
// The forward zones of synthesized names (synthesize.forward, server/dns/forward.h): one
// per name, its SOA and NS from the first zone of the file that names it (or
// zone-defaults'), its templates those of every zone (and zone-defaults) that names it.
std::vector<dns::ForwardZone> forward_zones(const conf::Config& config);

// Raises the open-file limit (RLIMIT_NOFILE) to its hard limit, as far as the
// connection limits need (tcp-max-connections, admin.max-connections, the sockets of
// every worker and the store): a line for the log when even the hard limit is below
// that (connections past it would fail at accept), else empty.
std::string raise_file_limit(const conf::Config& config, unsigned workers);

}  // namespace rdnsd::server
