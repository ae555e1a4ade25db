#include "admin/http/rest_json.h"

#include "admin/ops/views.h"

namespace rdnsd::admin::http {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(uint8_t(c)));
  return s;
}

// PTR targets are shown without their final dot ("mail.example.com").
std::string shown_name(std::string name) {
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  return name;
}

const char* action_of(const std::string& status, bool created) {
  if (status == "active") return "NONE";
  return created ? "CREATE" : "UPDATE";
}

struct Fields {
  std::string id, ip, target, description, created, created_by, modified, modified_by, status;
  uint32_t ttl = 0;
  bool fresh = false;  // created by its last write
};

Json make(const Fields& f, const char* action) {
  Json meta = {
      {"createdDate", f.created},       {"createdBy", f.created_by},
      {"lastModifiedDate", f.modified}, {"lastModifiedBy", f.modified_by},
      {"status", upper(f.status)},      {"action", action ? action : action_of(f.status, f.fresh)}};
  Json props = {
      {"name", shown_name(f.target)}, {"description", f.description}, {"ip", f.ip}, {"ttl", f.ttl}};
  return Json{{"id", f.id},
              {"type", "reverserecord"},
              {"href", "/reverserecords/" + f.id},
              {"metadata", std::move(meta)},
              {"properties", std::move(props)}};
}

}  // namespace

Json rest_record(const zonestore::Record& r, const std::string& status, const char* action) {
  Fields f;
  f.id = r.id;
  f.ip = names::format_ip(r.address);
  f.target = r.target;
  f.description = r.description;
  f.created = rfc3339(r.created);
  f.created_by = r.created_by;
  f.modified = rfc3339(r.modified);
  f.modified_by = r.modified_by;
  f.status = status;
  f.ttl = r.ttl;
  f.fresh = r.created == r.modified && r.created_by == r.modified_by;
  return make(f, action);
}

Json rest_record(const Json& a) {
  Fields f;
  f.id = a.value("id", "");
  f.ip = a.value("ip", "");
  f.target = a.value("ptr", "");
  f.description = a.value("description", "");
  f.created = a.value("created", "");
  f.created_by = a.value("created_by", "");
  f.modified = a.value("modified", "");
  f.modified_by = a.value("modified_by", "");
  f.status = a.value("status", "active");
  f.ttl = a.value("ttl", 0u);
  f.fresh = f.created == f.modified && f.created_by == f.modified_by;
  return make(f, nullptr);
}

namespace {

bool fail(Reply& error, const char* code, const std::string& message) {
  error = error_reply(400, code, message);
  return false;
}

bool read_text(const Json& props, const char* key, size_t max, const char* code,
               std::optional<std::string>& out, Reply& error) {
  auto it = props.find(key);
  if (it == props.end()) return true;
  if (!it->is_string())
    return fail(error, code, std::string("properties.") + key + " must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max)
    return fail(
        error, code,
        std::string("properties.") + key + " is longer than " + std::to_string(max) + " bytes");
  out = s;
  return true;
}

bool read_ttl(const Json& props, std::optional<uint32_t>& out, Reply& error) {
  auto it = props.find("ttl");
  if (it == props.end() || it->is_null()) return true;
  const std::string why = "properties.ttl must be an integer 0.." + std::to_string(kMaxTtl);
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > uint64_t(kMaxTtl)) return fail(error, code::kBadTtl, why);
    out = uint32_t(v);
    return true;
  }
  return fail(error, code::kBadTtl, why);
}

}  // namespace

std::optional<Properties> read_properties(const std::string& body, Reply& error) {
  Error e;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return fail(error, code::kBadRequest, "the request needs a JSON body"), std::nullopt;
  auto doc = parse_bounded_json(body, e);
  if (!doc) return fail(error, code::kBadRequest, e.message), std::nullopt;
  if (!doc->is_object())
    return fail(error, code::kBadRequest, "the body must be a JSON object"), std::nullopt;
  for (const auto& [key, value] : doc->items()) {
    if (key == "type") {
      if (value != "reverserecord")
        return fail(error, code::kBadRequest, "type must be \"reverserecord\""), std::nullopt;
    } else if (key != "properties") {
      return fail(error, code::kBadRequest, "unknown field '" + key + "'"), std::nullopt;
    }
  }
  auto it = doc->find("properties");
  if (it == doc->end() || !it->is_object())
    return fail(error, code::kBadRequest, "the body needs a \"properties\" object"), std::nullopt;
  for (const auto& [key, value] : it->items())
    if (key != "name" && key != "description" && key != "ip" && key != "ttl")
      return fail(error, code::kBadRequest, "unknown field 'properties." + key + "'"), std::nullopt;
  Properties p;
  if (!read_text(*it, "name", kMaxText, code::kBadName, p.name, error) ||
      !read_text(*it, "description", kMaxDescription, code::kBadDescription, p.description,
                 error) ||
      !read_text(*it, "ip", kMaxText, code::kBadAddress, p.ip, error) ||
      !read_ttl(*it, p.ttl, error))
    return std::nullopt;
  return p;
}

Reply json_reply(unsigned status, const Json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

std::string url_encode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace rdnsd::admin::http
