// Routing, authorization and the reads of the REST API; the collection is in
// collection.cpp.
#include "admin/http/api.h"

#include "admin/http/metrics.h"
#include "admin/http/rest_json.h"
#include "admin/ops/tokens.h"

namespace rdnsd::admin::http {

namespace {

constexpr std::string_view kRecords = "/reverserecords";

Reply method_not_allowed(const char* allow) {
  Reply r = error_reply(405, code::kBadRequest,
                        "method not allowed here (allowed: " + std::string(allow) + ")");
  r.headers.emplace_back("Allow", allow);
  return r;
}

Reply unauthorized(const char* why) {
  Reply r = error_reply(401, "unauthorized", why);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rdnsd\"");
  return r;
}

// An admin answer line that is an error, as the reply of the same code.
Reply answer_error(const Answer& a) {
  return error_reply(status_of(a.error.code), a.error.code, a.error.message);
}

std::optional<Answer> parsed_answer(const std::string& line, Reply& error) {
  std::string why;
  auto a = parse_answer(line, &why);
  if (!a) error = error_reply(500, code::kInternal, "the writer's answer did not parse: " + why);
  return a;
}

}  // namespace

Reply error_reply(unsigned status, const std::string& code, const std::string& message) {
  return json_reply(
      status, Json{{"httpStatus", status},
                   {"messages", Json::array({Json{{"errorCode", code}, {"message", message}}})}});
}

unsigned status_of(const std::string& c) {
  if (c == code::kNotFound) return 404;
  if (c == code::kConflict) return 409;
  if (c == code::kQuotaExceeded) return 429;
  if (c == code::kFcrdnsFailed) return 422;
  if (c == code::kBusy) return 503;
  if (c == code::kInternal) return 500;
  if (c == code::kForbidden) return 403;
  return 400;
}

Api::Api(const zonestore::Store& store, const Authenticator& auth, ApiOptions options)
    : store_(store), auth_(auth), options_(std::move(options)) {}

std::string Api::status(const zonestore::Record& r) const {
  if (!options_.replication) return "active";
  return options_.replication->status(r.zone, r.serial, r.modified);
}

Outcome Api::handle(const Request& r) const {
  if (r.path == "/openapi.yaml") {
    if (r.method != "GET" && r.method != "HEAD") return method_not_allowed("GET");
    Reply out;
    out.content_type = "application/yaml";
    out.body = options_.openapi;
    return out;
  }
  if (r.path == "/" || r.path == "/index.html") {
    if (r.method != "GET" && r.method != "HEAD") return method_not_allowed("GET");
    Reply out;
    out.content_type = "text/html; charset=utf-8";
    out.body = options_.page;
    out.headers.emplace_back("X-Content-Type-Options", "nosniff");
    out.headers.emplace_back("X-Frame-Options", "DENY");
    return out;
  }
  if (r.path == "/health") return health();
  if (r.path == "/metrics") {
    if (r.method != "GET" && r.method != "HEAD") return method_not_allowed("GET");
    Reply out;
    out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    out.body = metrics_text(store_, options_.replication.get(), options_.version, options_.started,
                            options_.scheduler);
    return out;
  }
  const bool records_path = r.path.compare(0, kRecords.size(), kRecords) == 0 &&
                            (r.path.size() == kRecords.size() || r.path[kRecords.size()] == '/');
  if (!records_path && r.path != "/quota" && r.path != "/token")
    return error_reply(404, code::kNotFound, "no such resource: " + r.path);
  Caller caller;
  const auto result = auth_.check(r.authorization, caller);
  if (result != Authenticator::Result::Ok) return unauthorized(Authenticator::reason(result));
  if (r.path == "/token") {
    if (r.method != "GET") return method_not_allowed("GET");
    return whoami(caller);
  }
  if (r.path == "/quota") {
    if (r.method != "GET") return method_not_allowed("GET");
    if (!caller.may_read()) return error_reply(403, code::kForbidden, "the token may not read");
    return quota(caller);
  }
  if (r.path.size() <= kRecords.size() + 1) return records(r, caller);
  return record(r, caller, r.path.substr(kRecords.size() + 1));
}

Outcome Api::records(const Request& r, const Caller& c) const {
  if (r.method == "GET") {
    if (!c.may_read()) return error_reply(403, code::kForbidden, "the token may not read");
    return list(r, c);
  }
  if (r.method == "POST") {
    if (!c.may_write()) return error_reply(403, code::kForbidden, "the token may not write");
    return create(r, c);
  }
  return method_not_allowed("GET, POST");
}

Outcome Api::record(const Request& r, const Caller& c, const std::string& id) const {
  const bool read = r.method == "GET";
  if (!read && r.method != "PUT" && r.method != "DELETE")
    return method_not_allowed("GET, PUT, DELETE");
  if (read ? !c.may_read() : !c.may_write())
    return error_reply(403, code::kForbidden,
                       read ? "the token may not read" : "the token may not write");
  auto rec = store_.get_by_id(id);
  // A record outside the token's prefixes does not exist for it.
  if (!rec || !c.covers(rec->address))
    return error_reply(404, code::kNotFound, "no reverse record with id " + id);
  if (read) return json_reply(200, rest_record(*rec, status(*rec)));
  if (r.method == "PUT") return replace(r, c, *rec);
  return remove(c, *rec);
}

Outcome Api::create(const Request& r, const Caller& c) const {
  Reply error;
  auto p = read_properties(r.body, error);
  if (!p) return error;
  if (!p->ip) return error_reply(400, code::kBadAddress, "properties.ip is required");
  if (!p->name) return error_reply(400, code::kBadName, "properties.name is required");
  auto addr = names::parse_ip(*p->ip);
  if (!addr) return error_reply(400, code::kBadAddress, "'" + *p->ip + "' is not an IP address");
  if (!c.covers(*addr))
    return error_reply(403, code::kForbidden,
                       names::format_ip(*addr) + " is outside the token's prefixes");
  SetRequest s;
  s.ip = names::format_ip(*addr);
  s.name = *p->name;
  s.ttl = p->ttl;
  s.description = p->description;
  s.actor = c.name;
  s.create_only = true;
  if (!c.admin() && c.quota > 0) {
    s.quota_ranges = c.prefixes;
    s.quota_max = c.quota;
  }
  Write w;
  w.request.peer.user = c.name;
  w.request.parsed.request = std::move(s);
  const zonestore::Store* store = &store_;
  const std::string ip = names::format_ip(*addr);
  w.finish = [store, ip](const std::string& line) {
    Reply out;
    auto a = parsed_answer(line, out);
    if (!a) return out;
    if (!a->ok) {
      out = answer_error(*a);
      if (a->error.code == code::kConflict) {
        auto existing = store->get(ip);
        Json body = Json::parse(out.body);
        if (existing) body["id"] = existing->id;
        out.body = body.dump();
      }
      return out;
    }
    return json_reply(200, rest_record(a->body["record"]));
  };
  return w;
}

Outcome Api::replace(const Request& r, const Caller& c, const zonestore::Record& old) const {
  Reply error;
  auto p = read_properties(r.body, error);
  if (!p) return error;
  if (!p->name) return error_reply(400, code::kBadName, "properties.name is required");
  names::IpAddress to = old.address;
  if (p->ip) {
    auto addr = names::parse_ip(*p->ip);
    if (!addr) return error_reply(400, code::kBadAddress, "'" + *p->ip + "' is not an IP address");
    if (!c.covers(*addr))
      return error_reply(403, code::kForbidden,
                         names::format_ip(*addr) + " is outside the token's prefixes");
    to = *addr;
  }
  SetRequest s;
  s.ip = names::format_ip(to);
  s.name = *p->name;
  s.ttl = p->ttl;  // absent: the zone's default (a PUT replaces)
  s.description = p->description.value_or("");
  s.actor = c.name;
  s.expect_id = old.id;
  if (!(to == old.address)) s.move_from = names::format_ip(old.address);
  Write w;
  w.request.peer.user = c.name;
  w.request.parsed.request = std::move(s);
  w.finish = [](const std::string& line) {
    Reply out;
    auto a = parsed_answer(line, out);
    if (!a) return out;
    if (!a->ok) return answer_error(*a);
    return json_reply(200, rest_record(a->body["record"]));
  };
  return w;
}

Outcome Api::remove(const Caller& c, const zonestore::Record& old) const {
  UnsetRequest u;
  u.ip = names::format_ip(old.address);
  u.actor = c.name;
  u.expect_id = old.id;
  Write w;
  w.request.peer.user = c.name;
  w.request.parsed.request = std::move(u);
  auto replication = options_.replication;
  auto clock = options_.clock;
  w.finish = [old, replication, clock, name = c.name](const std::string& line) {
    Reply out;
    auto a = parsed_answer(line, out);
    if (!a) return out;
    if (!a->ok) return answer_error(*a);
    zonestore::Record gone = old;
    gone.modified = clock();
    gone.modified_by = name;
    std::string status = "active";
    if (replication && a->body.contains("serial"))
      status = replication->status(a->body.value("zone", old.zone),
                                   a->body["serial"].get<uint32_t>(), gone.modified);
    return json_reply(202, rest_record(gone, status, status == "active" ? "NONE" : "DELETE"));
  };
  return w;
}

// The calling token as the page needs it: its name, scopes and prefixes.
Reply Api::whoami(const Caller& c) const {
  Json prefixes = Json::array();
  for (const auto& p : c.prefixes) prefixes.push_back(names::format_prefix(p));
  return json_reply(200, Json{{"name", c.name},
                              {"scopes", tokens::scope_names(c.scopes)},
                              {"prefixes", std::move(prefixes)},
                              {"quota", c.quota ? Json(c.quota) : Json(nullptr)}});
}

// Serving while the store can be read (rdnsd starts HTTP once everything else runs).
Reply Api::health() const {
  try {
    store_.record_count();
  } catch (const std::exception& e) {
    return json_reply(503, Json{{"status", "unavailable"}, {"reason", e.what()}});
  }
  return json_reply(200, Json{{"status", "serving"}});
}

Reply Api::quota(const Caller& c) const {
  Json limits, usage;
  if (c.admin()) {
    limits["reverseRecords"] = store_.max_records() ? Json(store_.max_records()) : Json(nullptr);
    usage["reverseRecords"] = store_.record_count();
  } else {
    limits["reverseRecords"] = c.quota ? Json(c.quota) : Json(nullptr);
    usage["reverseRecords"] = c.prefixes.empty() ? 0 : store_.count_in(c.prefixes);
  }
  return json_reply(200, Json{{"quotaLimits", limits}, {"quotaUsage", usage}});
}

}  // namespace rdnsd::admin::http
