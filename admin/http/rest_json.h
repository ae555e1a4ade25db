#pragma once
// The JSON shapes of the REST API (docs/HTTP-API.md): a record as the API shows it, the
// body of a POST or PUT read and checked, and the query of a collection. Private to
// admin/http.
#include <optional>
#include <string>

#include "admin/http/api.h"
#include "admin/protocol/protocol.h"

namespace rdnsd::admin::http {

// A record: id, type, href, metadata (createdDate, createdBy, lastModifiedDate,
// lastModifiedBy, status ACTIVE|PENDING|ERROR, action CREATE|UPDATE|DELETE|NONE),
// properties (name, description, ip, ttl). `status` is the admin side's word (active,
// pending, error); `action` overrides the one derived from it (DELETE).
Json rest_record(const zonestore::Record& r, const std::string& status,
                 const char* action = nullptr);
// The same from the "record" object of an admin answer (admin/ops/views.h).
Json rest_record(const Json& admin_record);

// The "properties" of a POST or PUT body. Absent fields are nullopt.
struct Properties {
  std::optional<std::string> name, description, ip;
  std::optional<uint32_t> ttl;
};
// Parses and checks a body ({"properties":{...}}, optionally "type":"reverserecord"):
// bounded JSON, known fields, JSON types, the TTL's range, the description's length.
// On failure returns nullopt and sets `error` (its status 400).
std::optional<Properties> read_properties(const std::string& body, Reply& error);

// A reply with `body` as its JSON.
Reply json_reply(unsigned status, const Json& body);

// %-encodes a query value.
std::string url_encode(const std::string& text);

}  // namespace rdnsd::admin::http
