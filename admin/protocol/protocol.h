#pragma once
// The admin protocol codec: JSON lines <-> typed requests and answers, with no I/O.
//
// One JSON object per line each way (docs/ADMIN-PROTOCOL.md). A request names its
// operation in "op"; an answer is {"ok":true, ...} or
// {"ok":false,"error":{"code":CODE,"message":TEXT[,"index":I]}}. An optional "tag" in a
// request (any JSON value) is echoed in its answer.
//
// The codec checks shape and types only: unknown fields, missing fields, JSON types,
// integer ranges (TTL, offset, limit, max_records) and byte lengths. Whether an address
// parses or sits in a served zone, whether a name is a host name, is the store's call,
// so every write is judged by one rule set. Nothing here throws: failures come back as
// an Error with a stable code.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zonestore/names/fcrdns_mode.h"
#include "zonestore/names/limits.h"
#include "zonestore/names/names.h"
#include "zonestore/names/serial.h"

namespace rdnsd::admin {

// Answers keep the order their fields were written in ("ok" first).
using Json = nlohmann::ordered_json;

constexpr size_t kMaxLine = 64u << 20;  // bytes of one request line, newline excluded
constexpr size_t kMaxActor = 64;        // bytes of "actor"
using limits::kMaxDescription;          // bytes of "description" (UTF-8)
constexpr size_t kMaxText = 1024;       // bytes of any other string field
constexpr int64_t kMaxTtl = limits::kMaxTtl;
constexpr uint64_t kDefaultLimit = limits::kDefaultListLimit;  // when "limit" is absent
constexpr uint64_t kMaxLimit = limits::kMaxListLimit;          // largest list page
constexpr size_t kMaxBatch = 1000000;  // ops in one batch, records in one import
// Bounds on the JSON of one request line, so that no line can make the parser, the
// document or its serialization (an echoed "tag") grow without limit: objects and
// lists nest at most kMaxDepth deep (the request object is level 1), and the document
// holds at most kMaxValues values besides the elements of a batch's "ops" or an
// import's "records" list, which are read one at a time (each at most kMaxValues too).
constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxValues = 100000;

// The stable error codes (the "code" of an error answer).
namespace code {
inline constexpr const char* kBadRequest = "bad_request";
inline constexpr const char* kBadAddress = "bad_address";
inline constexpr const char* kNotInZone = "not_in_zone";
inline constexpr const char* kBadName = "bad_name";
inline constexpr const char* kBadTtl = "bad_ttl";
inline constexpr const char* kBadDescription = "bad_description";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kConflict = "conflict";
inline constexpr const char* kQuotaExceeded = "quota_exceeded";
inline constexpr const char* kFcrdnsFailed = "fcrdns_failed";
inline constexpr const char* kInternal = "internal";
// reload: the config file was refused (the message is FILE:LINE: reason); the running
// configuration stays.
inline constexpr const char* kBadConfig = "bad_config";
// The store's map is full at store.map-size-max (or could not grow now): nothing changed.
inline constexpr const char* kStoreFull = "store_full";
// Not an answer to a request: the line a connection over admin.max-connections gets
// before it is closed.
inline constexpr const char* kBusy = "busy";
// Not an answer either: the line a peer gets whose user is not allowed by
// admin.allow-users / admin.allow-groups, before it is closed.
inline constexpr const char* kForbidden = "forbidden";
}  // namespace code

struct Error {
  std::string code;
  std::string message;
  std::optional<size_t> index;  // the failing op of a batch
};

// ---- requests ----

struct SetRequest {
  std::string ip;               // as given; the store parses it (bad_address, not_in_zone)
  std::string name;             // PTR target as given (bad_name)
  std::optional<uint32_t> ttl;  // absent: the zone's default TTL
  std::optional<std::string> description;  // absent: empty when created, kept when replaced
  std::optional<std::string> actor;        // absent: the peer's user name
  // Conditions of the HTTP API's writes (zonestore::SetOp); never read from a line.
  bool create_only = false;
  std::optional<std::string> expect_id = {}, move_from = {};
  std::vector<names::Prefix> quota_ranges = {};  // a new record is refused when these hold
  uint64_t quota_max = 0;                        // quota_max records already (0: no limit)
};
struct UnsetRequest {
  std::string ip;
  std::optional<std::string> actor;           // absent: the peer's user name
  std::optional<std::string> expect_id = {};  // the HTTP API's condition; never from a line
};
struct ShowRequest {  // exactly one of the two
  std::optional<std::string> ip;
  std::optional<std::string> id;
};
struct ListRequest {
  std::optional<std::string> zone;    // apex or prefix of a zone
  std::optional<std::string> prefix;  // CIDR the addresses must fall in
  std::optional<std::string> name;    // substring of the target, case-insensitive
  uint64_t offset = 0;
  uint64_t limit = kDefaultLimit;
};
struct ZonesRequest {};
struct ZoneShowRequest {
  std::string zone;  // apex or prefix
};
struct ZoneAddRequest {
  std::string prefix;
  std::optional<std::vector<std::string>> ns;
  std::optional<std::string> mname, rname;
  std::optional<uint32_t> ttl;  // default PTR TTL of the zone
  std::optional<uint32_t> soa_ttl, refresh, retry, expire, minimum;
  std::optional<uint32_t> ns_ttl;  // the NS RRset's TTL; absent: zone-defaults' ns-ttl
  std::optional<serial::Policy> serial_policy;
  std::optional<uint64_t> max_records;  // 0: no limit
  std::optional<fcrdns::Mode> fcrdns;
};
struct ZoneRemoveRequest {
  std::string zone;
  bool force = false;
};
struct BatchRequest {
  std::vector<std::variant<SetRequest, UnsetRequest>> ops;
  std::optional<std::string> actor;  // for every set that names none
};
struct QuotaRequest {};
// One resource record of a master file, as rdnsctl import read it (text forms as ldns
// prints them). Whether it can become a record is the handler's call.
struct ImportRecord {
  std::string name;              // owner, absolute
  std::string type;              // "PTR", "A", ...
  std::string cls = "IN";        // "IN", "CH", ...
  int64_t ttl = 0;               // 0..4294967295 as read; the store wants 0..2147483647
  std::string data;              // RDATA text (the target of a PTR); may be empty
  std::optional<uint64_t> line;  // line in the file, echoed in skips
};
struct ImportRequest {
  std::vector<ImportRecord> records;
  std::optional<std::string> actor;  // absent: the peer's user name
  bool dry_run = false;              // check and count, change nothing
};
struct ExportRequest {
  std::string zone;  // apex or prefix
};
struct BackupRequest {
  std::string path;  // absolute, on the server's machine; must not exist
};
struct CheckRequest {               // exactly one of the two
  std::optional<std::string> ip;    // one record
  std::optional<std::string> zone;  // every record of a zone (apex or prefix)
};

// A DNS UPDATE (RFC 2136, docs/UPDATE.md) for the writer: the prerequisites to check
// and the updates to apply, all in one transaction, or none. Not a line of the JSON
// protocol: parse_request() never makes one; the rdnsd main builds it from the UPDATE
// door's plan (server/update/plan.h, whose types these mirror) and submits it to the
// commit scheduler. The answer's "rcode" is the UPDATE's RCODE name.
struct UpdateRequest {
  struct Prerequisite {
    enum class Kind : uint8_t { NameInUse, NameNotInUse, RrsetExists, RrsetEquals, RrsetAbsent };
    Kind kind = Kind::NameInUse;
    std::string owner;                // absolute, lower case
    std::optional<std::string> ip;    // set when the owner is a full address name
    bool apex = false;                // the owner is the zone's apex
    uint16_t type = 0;                // the RRset kinds
    std::vector<std::string> values;  // RrsetEquals; PTR: targets, absolute, lower case;
                                      // DHCID: RDATA octets
  };
  struct Update {
    enum class Kind : uint8_t { Add, DeleteRrset, DeleteName, DeleteRr };
    Kind kind = Kind::Add;
    std::string ip;      // the owner's address
    uint16_t type = 12;  // Add, DeleteRrset, DeleteRr: PTR (12) or DHCID (49)
    uint32_t ttl = 0;    // Add
    std::string target;  // Add, DeleteRr of a PTR
    std::string rdata;   // Add, DeleteRr of a DHCID: its RDATA octets
  };
  std::string zone;  // apex, absolute, lower case
  std::vector<Prerequisite> prerequisites;
  std::vector<Update> updates;
  std::string actor;  // created_by / modified_by: "update:KEYNAME" or "update:ADDRESS"
};

// The server as a whole: version, uptime, listeners, zones, store, secondaries.
struct StatusRequest {};
// Re-read the config file (what SIGHUP does), answering with what changed.
struct ReloadRequest {};
// HTTP API tokens (docs/HTTP-API.md): the store keeps only a hash of each secret.
struct TokenAddRequest {
  std::string name;                    // 1..64 of A-Z a-z 0-9 _ - (unique)
  std::vector<std::string> scopes;     // read, write, admin, metrics (at least one)
  std::vector<std::string> prefixes;   // CIDR; required unless the scope is admin
  std::optional<uint64_t> quota;       // records inside the prefixes; absent: no limit
  std::optional<std::string> expires;  // RFC 3339 time or YYYY-MM-DD (UTC midnight)
};
struct TokenListRequest {};
struct TokenRevokeRequest {
  std::string name;
};

using RequestBody =
    std::variant<SetRequest, UnsetRequest, ShowRequest, ListRequest, ZonesRequest, ZoneShowRequest,
                 ZoneAddRequest, ZoneRemoveRequest, BatchRequest, QuotaRequest, CheckRequest,
                 ImportRequest, ExportRequest, UpdateRequest, StatusRequest, ReloadRequest,
                 BackupRequest, TokenAddRequest, TokenListRequest, TokenRevokeRequest>;

// The result of parsing one line. `tag` is set whenever the line was a JSON object with
// a "tag", even if the rest of it was refused, so that the error answer echoes it too.
struct Parsed {
  std::optional<RequestBody> request;  // set on success
  Error error;                         // meaningful when !request
  std::optional<Json> tag;
};

// Parses a JSON document with the bounds of a request line (kMaxDepth, kMaxValues, no
// key twice in one object); nullopt with a bad_request Error otherwise. For other
// doors that take JSON (the HTTP API).
std::optional<Json> parse_bounded_json(std::string_view text, Error& error);

// Parses one request line (without its newline; a trailing '\r' is ignored).
Parsed parse_request(std::string_view line);

// The op names, in the order of RequestBody's alternatives.
const char* op_name(const RequestBody& request);

// ---- answers ----

// {"ok":true, <fields of body in order>, "tag":...} as one line without the newline.
// Strings that are not valid UTF-8 are written with U+FFFD in their place.
std::string encode_ok(const Json& body, const std::optional<Json>& tag);
// {"ok":false,"error":{...},"tag":...} as one line without the newline.
std::string encode_error(const Error& error, const std::optional<Json>& tag);

// An answer as a client reads it.
struct Answer {
  bool ok = false;
  Error error;  // when !ok
  Json body;    // the whole answer object
};
// Parses an answer line; nullopt (with `why`) if it is not an answer object.
std::optional<Answer> parse_answer(std::string_view line, std::string* why = nullptr);

}  // namespace rdnsd::admin
