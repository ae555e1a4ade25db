#pragma once
// The rdnsd configuration: the typed model and the YAML loader.
//
// The loader either returns a complete, validated Config or throws ConfigError; nothing
// is ever half-applied. Every error names the file, the 1-based line (when there is one)
// and the reason, so a bad config can be refused at start (or on SIGHUP) with a message
// that points at the mistake.
//
// YAML shape (keys are lower case, multiword keys use hyphens); see conf/rdnsd.yaml for a
// commented example. Unknown keys are errors at every level. A key whose value is empty
// (`workers:`) counts as absent.
//
// Every struct compares with == so that a reload can tell what changed.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "logging/log.h"
#include "zonestore/names/fcrdns_mode.h"
#include "zonestore/names/limits.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"

namespace rdnsd::conf {

// Inclusive upper bound of TTLs and SOA timers (RFC 2181 section 8).
using limits::kMaxTtl;
// Longest identity / version / NSID string (one RFC 1035 character-string).
constexpr size_t kMaxInfoString = 255;
// Longest admin socket path (sockaddr_un.sun_path less its NUL).
constexpr size_t kMaxSocketPath = 107;
// Largest admin.max-connections and admin.idle-timeout (seconds: one day).
constexpr uint32_t kMaxAdminConnections = 65535;
constexpr uint32_t kMaxAdminIdleTimeout = 86400;
// Largest admin.commit-wait (milliseconds).
constexpr uint32_t kMaxAdminCommitWait = 1000;
// Bounds of a zone's journal (`journal.max-depth` in entries, `journal.max-size` in
// bytes) and of `status-timeout` (seconds: one day).
constexpr uint64_t kMaxJournalDepth = 10000000;
constexpr uint64_t kMinJournalSize = 64ull << 10;
constexpr uint64_t kMaxJournalSize = 64ull << 30;
constexpr uint32_t kMaxStatusTimeout = 86400;

// One `server.listen` (or `fcrdns.resolver`) entry: "ADDR:PORT", IPv6 in brackets
// ("[::1]:5353").
struct ListenAddr {
  std::string host;   // the address without brackets, as written ("::1")
  uint16_t port = 0;  // 1..65535
  int family = 0;     // 4 or 6
  std::string text;   // the entry as written ("[::1]:5353")

  bool operator==(const ListenAddr&) const = default;
};

// ---- replication (AXFR/IXFR, NOTIFY, TSIG) --------------------------------------------

// The MAC algorithms of a TSIG key (RFC 8945 section 6).
enum class TsigAlgorithm { HmacMd5, HmacSha1, HmacSha224, HmacSha256, HmacSha384, HmacSha512 };
// The config spelling: "hmac-md5", "hmac-sha1", ... "hmac-sha512". All but hmac-md5 are
// also the algorithm's DNS name without its trailing dot; hmac-md5's DNS name is
// HMAC-MD5.SIG-ALG.REG.INT.
std::string_view tsig_algorithm_name(TsigAlgorithm algorithm);

// One `tsig-keys:` entry. Names are unique (compared after normalization).
struct TsigKeyConf {
  std::string name;  // `name`: a DNS name, absolute, lower case, with the trailing dot
  TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;  // `algorithm`: required
  // The decoded raw bytes (never empty) of `secret` (base64), or of the base64 in the
  // file `secret-file` (relative paths resolve against base_dir; whitespace is ignored).
  // Exactly one of the two is given.
  std::string secret;
  int line = 0;  // line of the entry in the file

  bool operator==(const TsigKeyConf&) const = default;
};

// One `secondaries:` entry `{address: ..., key: ...}`: a server that gets NOTIFY, may
// transfer the zone, and is polled for its status.
struct SecondaryConf {
  // `address`: "ADDR:PORT" or "ADDR" (port 53); IPv6 as "[ADDR]:PORT", "[ADDR]" or bare
  // "ADDR" (then without a port). No two entries of one list share host and port.
  std::string host;    // canonical text (names::format_ip), no brackets
  uint16_t port = 53;  // 1..65535
  int family = 0;      // 4 or 6
  std::string key;     // `key`: a TsigKeyConf::name of tsig-keys; empty: no TSIG
  std::string text;    // the address as written

  bool operator==(const SecondaryConf&) const = default;
};

// One `allow-transfer:` entry `{from: ..., key: ...}`: another client that may AXFR/IXFR
// the zone (no NOTIFY, no status). At least one of the two is given; a request must
// match every one given.
struct TransferAclConf {
  // `from`: a prefix ("198.51.100.0/24", host bits zero) or one address (a /32 or /128).
  std::optional<names::Prefix> from;
  std::string key;  // `key`: a TsigKeyConf::name of tsig-keys; empty: any or none

  bool operator==(const TransferAclConf&) const = default;
};

// One `allow-update:` entry `{from: ..., key: ...}`: who may change the zone's records
// by DNS UPDATE (RFC 2136, docs/UPDATE.md). The same shape and matching as
// allow-transfer: at least one of the two is given, and an UPDATE must match every one
// given (`key`: it was signed with that key).
using UpdateAclConf = TransferAclConf;

// `synthesize:` of a zone: default PTR names for its addresses without a record
// (zonestore/names/synth.h).
struct SynthConf {
  std::string tmpl;          // `template`: "ip-{dashed}.dyn.example.net."
  uint32_t ttl = 300;        // `ttl`: 0..kMaxTtl
  bool in_transfer = false;  // `in-transfer`: IPv4 zones of /16 or longer only
  // `forward`: the zone of the synthesized names (absolute, lower case), served too: their
  // A/AAAA records (server/dns/forward.h). Empty: none. The template ends in it and names
  // the whole address.
  std::string forward;

  bool operator==(const SynthConf&) const = default;
};

// `journal:` of a zone: how much change history IXFR can answer from. The older entries
// go when either bound is passed.
struct JournalConf {
  uint64_t max_depth = 1000;         // `max-depth`: entries, 1..kMaxJournalDepth
  uint64_t max_size = 100ull << 20;  // `max-size`: bytes (K/M/G suffixes), 64K..64G

  bool operator==(const JournalConf&) const = default;
};

// `catalog:`: a catalog zone (RFC 9432) listing the served zones, for the secondaries to
// pick them up.
struct CatalogConf {
  // `zone`: its name, absolute, lower case; neither at, inside nor above in-addr.arpa. or
  // ip6.arpa. (so never a served zone). Empty: no catalog.
  std::string zone;
  // `secondaries`: as a zone's; when not given, those of zone-defaults.
  std::vector<SecondaryConf> secondaries;
  bool secondaries_given = false;  // whether `secondaries` was in the file (even as [])

  bool operator==(const CatalogConf&) const = default;
};

// SOA fields of a zone (RFC 1035 section 3.3.13). Names are absolute text.
struct SoaConf {
  std::string mname;          // host name; in a zone it defaults to the zone's first NS name
  std::string rname;          // mailbox as a domain name (hostmaster.example.net.); required
  uint32_t refresh = 3600;    // 0..kMaxTtl
  uint32_t retry = 600;       // 0..kMaxTtl
  uint32_t expire = 1209600;  // 0..kMaxTtl
  uint32_t minimum = 300;     // 0..kMaxTtl; negative-caching bound (RFC 2308)
  uint32_t ttl = 3600;        // 0..kMaxTtl; TTL of the SOA and NS records

  bool operator==(const SoaConf&) const = default;
};

// An initial record of a zone (`records:` entry `{ip: ..., name: ...}`).
struct SeedRecord {
  std::string address;  // canonical text (names::format_ip); inside the zone's prefix
  std::string target;   // host name, absolute

  bool operator==(const SeedRecord&) const = default;
};

// One `zones:` entry. Fields not given fall back to `zone-defaults`, then to the defaults
// shown here.
struct ZoneConf {
  names::Prefix prefix;         // `prefix`, required; octet (IPv4) or nibble (IPv6) aligned
  std::string prefix_text;      // canonical text of prefix (names::format_prefix)
  std::string apex;             // names::zone_apex(prefix)
  std::vector<std::string> ns;  // `ns`: host names, absolute, non-empty, no repeats
  SoaConf soa;                  // `soa`: field by field over zone-defaults.soa
  uint32_t ttl = 3600;          // `ttl`: default PTR TTL, 0..kMaxTtl
  // `ns-ttl`: the apex NS RRset's TTL, 0..kMaxTtl; absent (here and in zone-defaults):
  // the SOA TTL (soa.ttl).
  std::optional<uint32_t> ns_ttl;
  // `synthesize`: replaces zone-defaults' as a whole; `synthesize: false` switches it off.
  std::optional<SynthConf> synthesize;
  serial::Policy serial_policy = serial::Policy::Increment;  // `serial-policy`
  uint64_t max_records = 0;                                  // `max-records`: 0 = no per-zone limit
  fcrdns::Mode fcrdns = fcrdns::Mode::Off;                   // `fcrdns`: off | warn | require
  // `records`: applied only when the zone is first created; addresses are unique and
  // their count is within max_records and the global max-records.
  std::vector<SeedRecord> records;
  // `secondaries`, `allow-transfer`, `journal`, `status-timeout`: each one given
  // replaces zone-defaults' as a whole (lists are not merged); journal goes field by
  // field, as soa does.
  std::vector<SecondaryConf> secondaries;
  std::vector<TransferAclConf> allow_transfer;
  // `allow-update`: replaces zone-defaults' as a whole; empty: no UPDATE is accepted.
  std::vector<UpdateAclConf> allow_update;
  JournalConf journal;
  // `status-timeout`: seconds, 1..kMaxStatusTimeout, that a secondary may stay behind
  // the zone's serial before its status is error.
  uint32_t status_timeout_s = 60;
  int line = 0;  // line of the zone entry in the file

  bool operator==(const ZoneConf&) const = default;
};

// `zone-defaults`: what zones (from the file or from an admin zone-add) get when they do
// not say. ns and soa.mname/soa.rname may be empty here (then every zone must set them).
struct ZoneDefaults {
  std::vector<std::string> ns;
  SoaConf soa;
  uint32_t ttl = 3600;
  std::optional<uint32_t> ns_ttl;       // `ns-ttl`
  std::optional<SynthConf> synthesize;  // `synthesize`
  int synthesize_line = 0;
  serial::Policy serial_policy = serial::Policy::Increment;
  fcrdns::Mode fcrdns = fcrdns::Mode::Off;
  std::vector<SecondaryConf> secondaries;
  std::vector<TransferAclConf> allow_transfer;
  std::vector<UpdateAclConf> allow_update;
  JournalConf journal;
  uint32_t status_timeout_s = 60;

  bool operator==(const ZoneDefaults&) const = default;
};

// `server.rrl`: response rate limiting of UDP answers (docs/HARDENING.md). TCP answers
// and whitelisted clients are never limited.
struct RrlConf {
  // `rate`: answers a second per client block and answer class, 0..1000000; 0 (the
  // default): off.
  uint32_t rate = 0;
  // `slip`: 0..10; every slip-th limited answer goes out truncated (TC=1), the others are
  // dropped; 0: all dropped, 1: all truncated.
  uint32_t slip = 2;
  uint32_t ipv4_prefix = 24;  // `ipv4-prefix`: 0..32 bits of a client block
  uint32_t ipv6_prefix = 56;  // `ipv6-prefix`: 0..128
  uint32_t window = 15;       // `window`: 1..3600 seconds of answers a full bucket holds
  // `table-size`: buckets of each worker's table, 1024..16777216 (32 bytes each).
  uint32_t table_size = 65536;
  // `whitelist`: prefixes or addresses never limited.
  std::vector<names::Prefix> whitelist;

  bool operator==(const RrlConf&) const = default;
};

struct ServerConf {
  std::vector<ListenAddr> listen;  // `listen`: at least one, no repeats
  // `workers`: 0..256. 0 (or absent) means one per core; the loader keeps 0 and the
  // daemon resolves it with std::thread::hardware_concurrency().
  unsigned workers = 0;
  // `identity`: a string, or false to switch id.server/hostname.bind off. Absent or
  // true: gethostname(). 1..kMaxInfoString bytes.
  bool identity_enabled = true;
  std::string identity;
  // `version`: a string, or false to switch version.bind/version.server off. Absent or
  // true: "rdnsd <version>". 1..kMaxInfoString bytes.
  bool version_enabled = true;
  std::string version;
  // `nsid`: a string sent as raw bytes in the RFC 5001 NSID option; absent or false: off.
  // 1..kMaxInfoString bytes.
  bool nsid_enabled = false;
  std::string nsid;
  uint16_t udp_payload = 1232;           // `udp-payload`: 512..4096 (RFC 6891)
  uint32_t tcp_idle_timeout_ms = 10000;  // `tcp-idle-timeout`: ms, 1..3600000
  uint32_t tcp_max_connections = 1024;   // `tcp-max-connections`: 1..1000000
  // `tcp-max-per-client`: connections one client address may hold open, 0..1000000
  // (0: no such limit).
  uint32_t tcp_max_per_client = 16;
  // `tcp-io-timeout`: ms a client may take to send one whole message once its first
  // byte came, 1..3600000 (slow senders are closed; bytes do not restart this clock).
  uint32_t tcp_io_timeout_ms = 2000;
  // `udp-receive-buffer`: bytes (K/M/G suffixes), 64 KiB..1 GiB, or 0 for the system's
  // default (net.core.rmem_default).
  uint64_t udp_receive_buffer = 0;
  RrlConf rrl;  // `rrl`
  // `cookie-secret`: the DNS Cookies server secret (RFC 9018), 16 bytes as 32 hex digits,
  // or a list of them: the first makes server cookies, all are accepted (a rollover).
  // Each entry is held as its 16 raw bytes. Empty: a random secret made at start,
  // replaced daily (the one before stays accepted).
  std::vector<std::string> cookie_secrets;

  bool operator==(const ServerConf&) const = default;
};

struct StoreConf {
  std::string path;  // `path`: required; absolute (relative ones resolve against base_dir)
  // `map-size`: bytes, 1 MiB..64 TiB; an integer, or with a K/M/G/T suffix (powers of
  // 1024, "64G", "64GiB").
  uint64_t map_size = 64ull << 30;
  // `map-size-max`: the map grows (doubling) up to this when it is full, then writes are
  // refused with store_full; same range and form, at least map-size. Unset: 1 TiB, or
  // map-size if that is larger.
  uint64_t map_size_max = 1ull << 40;

  bool operator==(const StoreConf&) const = default;
};

struct AdminConf {
  // `socket`: required; absolute (relative ones resolve against base_dir), at most
  // kMaxSocketPath bytes.
  std::string socket;
  // `mode`: permission bits of the socket, 0..0777. Always read as octal, whether it is
  // written as a string ("0660") or as a plain number (0660 or 660).
  uint32_t mode = 0660;
  // `max-connections`: connections open at once, 1..65535; one more gets a `busy`
  // answer and is closed.
  uint32_t max_connections = 64;
  // `idle-timeout`: seconds, 0..kMaxAdminIdleTimeout; a connection that neither sends a
  // byte nor takes any of its pending answer for this long is closed. 0: never.
  uint32_t idle_timeout_s = 300;
  // `commit-wait`: ms, 0..kMaxAdminCommitWait; how long a set or unset from a client that
  // streams its writes (sends more before its answers come) may wait for others to share
  // its durable commit. A client that waits for each answer is never delayed. 0: never.
  uint32_t commit_wait_ms = 5;

  // `allow-users` / `allow-groups`: who may use the socket, by the peer's credentials
  // (SO_PEERCRED) at accept: a user in allow-users, or a member of a group in
  // allow-groups (its primary group or a supplementary one). Names or numeric ids,
  // resolved when the config is read (an unknown name is an error). Both empty: anyone
  // who can open the socket file. root and rdnsd's own user are always allowed.
  std::vector<uint32_t> allow_uids, allow_gids;
  // `group`: the group (name or id) the socket file is given; none: the process's.
  std::optional<uint32_t> group;

  bool operator==(const AdminConf&) const = default;
};

// `fcrdns:`: the resolvers that forward confirmation (a zone's `fcrdns: warn|require`)
// asks for the A and AAAA records of PTR targets.
struct FcrdnsConf {
  // `resolver`: one or more "ADDR:PORT" (IPv6 in brackets), no repeats; asked in order,
  // the next one when a resolver does not answer. Default: 127.0.0.1:53.
  std::vector<ListenAddr> resolvers;
  // `timeout`: ms to wait for one resolver's answer, 1..60000. Default 2000.
  uint32_t timeout_ms = 2000;

  bool operator==(const FcrdnsConf&) const = default;
};

// `log`: what rdnsd writes on stderr (logging/log.h).
struct LogConf {
  logging::Level level = logging::Level::Info;  // `level`: error | warning | notice | info | debug
  logging::Format format = logging::Format::Text;  // `format`: text | json

  bool operator==(const LogConf&) const = default;
};

// `http:` (docs/HTTP-API.md): the REST API, on libmicrohttpd. No `listen`: off.
struct HttpTokenConf {  // one entry of `tokens-file`
  std::string name;
  std::string sha256;  // 32 raw bytes: SHA-256 of the secret
  std::vector<std::string> scopes;
  std::vector<std::string> prefixes;  // CIDR text
  uint64_t quota = 0;                 // 0: none
  std::string expires;                // as written; empty: never
  bool operator==(const HttpTokenConf&) const = default;
};
struct HttpConf {
  // `listen`: "ADDR:PORT" entries (IPv6 in brackets); empty or `none`: HTTP off.
  std::vector<ListenAddr> listen;
  // `tls: {cert, key}`: PEM files (relative ones resolve against base_dir); both or none.
  std::string tls_cert, tls_key;
  // `max-connections`: 1..65535; a connection over it gets 503 and is closed.
  uint32_t max_connections = 256;
  // `idle-timeout`: seconds, 1..3600; a connection idle this long is closed.
  uint32_t idle_timeout_s = 30;
  // `tokens-file`: a YAML list of tokens (name, sha256, scopes, prefixes, quota,
  // expires), read with the config; beside those that rdnsctl keeps in the store.
  std::string tokens_file;
  std::vector<HttpTokenConf> tokens;
  bool operator==(const HttpConf&) const = default;
};

struct Config {
  std::string file;      // the path given to load_file, or the name given to load_string
  std::string base_dir;  // absolute; relative paths in the file resolve against it
  ServerConf server;
  StoreConf store;
  AdminConf admin;
  LogConf log;
  uint64_t max_records = 0;  // `max-records`: global record limit, 0 = none
  FcrdnsConf fcrdns;
  ZoneDefaults zone_defaults;
  std::vector<ZoneConf> zones;         // in file order; pairwise non-overlapping; may be empty
  std::vector<TsigKeyConf> tsig_keys;  // `tsig-keys`: in file order
  CatalogConf catalog;                 // `catalog`
  HttpConf http;                       // `http`

  bool operator==(const Config&) const = default;
};

// The key of `config.tsig_keys` called `name` (case-insensitive, trailing dot optional,
// escapes as in master files), or nullptr. The pointer lives as long as `config`.
const TsigKeyConf* find_key(const Config& config, std::string_view name);

// A configuration that cannot be used. what() is "FILE:LINE: REASON", or "FILE: REASON"
// when the error has no line (unreadable or empty file).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string reason);
  const std::string& file() const { return file_; }
  int line() const { return line_; }  // 1-based; 0 if none
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string reason_;
};

// Reads and validates the file at `path`; base_dir is the file's own directory. Throws
// ConfigError, also when the file cannot be read.
Config load_file(const std::string& path);
// Validates `yaml`. `name` stands for the file in errors and in Config::file; relative
// paths resolve against `base_dir` (made absolute against the working directory; empty
// means the working directory). Throws ConfigError.
Config load_string(const std::string& yaml, const std::string& name, const std::string& base_dir);
// The built-in copy of conf/rdnsd.yaml, byte for byte.
const std::string& default_config_text();
// load_string(default_config_text(), kDefaultConfigName, <working directory>).
Config load_default();
inline constexpr const char* kDefaultConfigName = "<built-in rdnsd.yaml>";

}  // namespace rdnsd::conf
