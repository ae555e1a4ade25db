#include "admin/protocol/protocol.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>

namespace rdnsd::admin {
namespace {

// Thrown inside the codec only; parse_request turns it into Parsed::error.
struct Refused {
  Error error;
};

[[noreturn]] void refuse(const char* code, std::string message) {
  throw Refused{Error{code, std::move(message), std::nullopt}};
}

// The elements of the request's top-level "ops" or "records" list, each read into its
// request type as soon as the JSON parser has it and then dropped from the document: a
// batch of 100,000 ops never sits in memory as 100,000 JSON objects at once.
struct Streamed {
  size_t count = 0;  // elements in the list (a key given twice is refused after the parse)
  std::vector<std::variant<SetRequest, UnsetRequest>> ops;
  std::vector<ImportRecord> records;
  std::optional<Refused> first_error;  // of the element with the lowest index
  // The first key that appeared twice in one object. Parsing goes on, so that the tag
  // (wherever it stands) comes back with the refusal.
  std::optional<std::string> repeated_key;
};

// Reads the fields of one request object. `where` prefixes every message ("ops[3]: ")
// so that a refusal inside a batch says which op it is about.
class Fields {
 public:
  Fields(const Json& object, std::string where, Streamed* streamed = nullptr)
      : object_(object), where_(std::move(where)), streamed_(streamed) {}

  // The streamed elements of the top-level list (parse_request always streams them).
  Streamed& streamed() const { return *streamed_; }

  // Refuses any field not in `names` ("op" is always allowed, "tag" only at top level).
  void allow(std::initializer_list<std::string_view> names, bool tag) const {
    for (const auto& [key, value] : object_.items()) {
      if (key == "op" || (tag && key == "tag")) continue;
      if (std::find(names.begin(), names.end(), key) == names.end())
        fail(code::kBadRequest, "unknown field '" + key + "'");
    }
  }

  const Json* find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::optional<std::string> text(const char* key, size_t max,
                                  const char* too_long = code::kBadRequest) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(code::kBadRequest, "'" + std::string(key) + "' must be a string");
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max)
      fail(too_long, "'" + std::string(key) + "' is longer than " + std::to_string(max) + " bytes");
    return s;
  }

  std::string required_text(const char* key, size_t max = kMaxText) const {
    auto s = text(key, max);
    if (!s) fail(code::kBadRequest, "missing field '" + std::string(key) + "'");
    if (s->empty()) fail(code::kBadRequest, "'" + std::string(key) + "' must not be empty");
    return *s;
  }

  // Any value that is not an integer in min..max is refused with `code`.
  std::optional<int64_t> integer(const char* key, int64_t min, int64_t max,
                                 const char* error_code = code::kBadRequest) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    bool in_range = false;
    int64_t n = 0;
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      in_range = u <= uint64_t(max) && int64_t(u) >= min;
      n = in_range ? int64_t(u) : 0;
    } else if (v->is_number_integer()) {
      n = v->get<int64_t>();
      in_range = n >= min && n <= max;
    }
    if (!in_range)
      fail(error_code, "'" + std::string(key) + "' must be an integer " + std::to_string(min) +
                           ".." + std::to_string(max));
    return n;
  }

  std::optional<uint32_t> ttl(const char* key) const {
    auto n = integer(key, 0, kMaxTtl, code::kBadTtl);
    return n ? std::optional<uint32_t>(uint32_t(*n)) : std::nullopt;
  }

  std::optional<bool> boolean(const char* key) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean())
      fail(code::kBadRequest, "'" + std::string(key) + "' must be true or false");
    return v->get<bool>();
  }

  // 1..kMaxActor bytes, no control characters.
  std::optional<std::string> actor() const {
    auto a = text("actor", kMaxActor);
    if (!a) return a;
    if (a->empty()) fail(code::kBadRequest, "'actor' must not be empty");
    for (char c : *a)
      if (uint8_t(c) < 0x20 || c == 0x7f)
        fail(code::kBadRequest, "'actor' must not contain control characters");
    return a;
  }

  [[noreturn]] void fail(const char* error_code, const std::string& message) const {
    refuse(error_code, where_ + message);
  }

 private:
  const Json& object_;
  std::string where_;
  Streamed* streamed_;
};

SetRequest parse_set(const Fields& f, bool top) {
  f.allow({"ip", "name", "ttl", "description", "actor"}, top);
  SetRequest r;
  r.ip = f.required_text("ip");
  r.name = f.required_text("name");
  r.ttl = f.ttl("ttl");
  r.description = f.text("description", kMaxDescription, code::kBadDescription);
  r.actor = f.actor();
  return r;
}

UnsetRequest parse_unset(const Fields& f, bool top) {
  f.allow({"ip", "actor"}, top);
  return UnsetRequest{f.required_text("ip"), f.actor()};
}

RequestBody parse_show(const Fields& f) {
  f.allow({"ip", "id"}, true);
  ShowRequest r;
  if (f.find("ip")) r.ip = f.required_text("ip");
  if (f.find("id")) r.id = f.required_text("id");
  if (r.ip.has_value() == r.id.has_value())
    f.fail(code::kBadRequest, "show needs exactly one of 'ip' and 'id'");
  return r;
}

RequestBody parse_list(const Fields& f) {
  f.allow({"zone", "prefix", "name", "offset", "limit"}, true);
  ListRequest r;
  r.zone = f.text("zone", kMaxText);
  r.prefix = f.text("prefix", kMaxText);
  r.name = f.text("name", kMaxText);
  r.offset = uint64_t(f.integer("offset", 0, INT64_MAX).value_or(0));
  r.limit = uint64_t(f.integer("limit", 1, int64_t(kMaxLimit)).value_or(int64_t(kDefaultLimit)));
  return r;
}

RequestBody parse_zones(const Fields& f) {
  f.allow({}, true);
  return ZonesRequest{};
}

RequestBody parse_status(const Fields& f) {
  f.allow({}, true);
  return StatusRequest{};
}

RequestBody parse_reload(const Fields& f) {
  f.allow({}, true);
  return ReloadRequest{};
}

RequestBody parse_zone_show(const Fields& f) {
  f.allow({"zone"}, true);
  return ZoneShowRequest{f.required_text("zone")};
}

std::vector<std::string> parse_ns(const Fields& f) {
  const Json& v = *f.find("ns");
  if (!v.is_array() || v.empty() || v.size() > 32)
    f.fail(code::kBadRequest, "'ns' must be a list of 1..32 host names");
  std::vector<std::string> out;
  for (const Json& item : v) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty())
      f.fail(code::kBadRequest, "'ns' must be a list of 1..32 host names");
    out.push_back(item.get<std::string>());
  }
  return out;
}

RequestBody parse_zone_add(const Fields& f) {
  f.allow({"prefix", "ns", "mname", "rname", "ttl", "soa_ttl", "ns_ttl", "refresh", "retry",
           "expire", "minimum", "serial_policy", "max_records", "fcrdns"},
          true);
  ZoneAddRequest r;
  r.prefix = f.required_text("prefix");
  if (f.find("ns")) r.ns = parse_ns(f);
  r.mname = f.text("mname", kMaxText);
  r.rname = f.text("rname", kMaxText);
  r.ttl = f.ttl("ttl");
  r.soa_ttl = f.ttl("soa_ttl");
  r.ns_ttl = f.ttl("ns_ttl");
  r.refresh = f.ttl("refresh");
  r.retry = f.ttl("retry");
  r.expire = f.ttl("expire");
  r.minimum = f.ttl("minimum");
  if (auto p = f.text("serial_policy", kMaxText)) {
    r.serial_policy = serial::parse_policy(*p);
    if (!r.serial_policy)
      f.fail(code::kBadRequest, "'serial_policy' must be increment, unixtime or dateserial");
  }
  if (auto n = f.integer("max_records", 0, INT64_MAX)) r.max_records = uint64_t(*n);
  if (auto m = f.text("fcrdns", kMaxText)) {
    r.fcrdns = fcrdns::parse_mode(*m);
    if (!r.fcrdns) f.fail(code::kBadRequest, "'fcrdns' must be off, warn or require");
  }
  return r;
}

RequestBody parse_zone_remove(const Fields& f) {
  f.allow({"zone", "force"}, true);
  return ZoneRemoveRequest{f.required_text("zone"), f.boolean("force").value_or(false)};
}

// One op of a batch; refusals carry its index.
std::variant<SetRequest, UnsetRequest> parse_batch_op(const Json& item, size_t i) {
  std::string where = "ops[" + std::to_string(i) + "]: ";
  try {
    if (!item.is_object()) refuse(code::kBadRequest, where + "an op must be a JSON object");
    Fields f(item, where);
    auto op = f.text("op", kMaxText);
    if (!op) f.fail(code::kBadRequest, "missing field 'op'");
    if (*op == "set") return parse_set(f, false);
    if (*op == "unset") return parse_unset(f, false);
    f.fail(code::kBadRequest, "op must be set or unset in a batch, not '" + *op + "'");
  } catch (Refused& r) {
    r.error.index = i;
    throw;
  }
}

RequestBody parse_batch(const Fields& f) {
  f.allow({"ops", "actor"}, true);
  const Json* ops = f.find("ops");
  if (!ops) f.fail(code::kBadRequest, "missing field 'ops'");
  if (!ops->is_array()) f.fail(code::kBadRequest, "'ops' must be a list of ops");
  Streamed& s = f.streamed();
  if (s.count == 0) f.fail(code::kBadRequest, "'ops' is empty");
  if (s.count > kMaxBatch)
    f.fail(code::kBadRequest, "'ops' holds more than " + std::to_string(kMaxBatch) + " ops");
  BatchRequest r;
  r.actor = f.actor();
  if (s.first_error) throw *s.first_error;
  r.ops = std::move(s.ops);
  return r;
}

RequestBody parse_quota(const Fields& f) {
  f.allow({}, true);
  return QuotaRequest{};
}

RequestBody parse_check(const Fields& f) {
  f.allow({"ip", "zone"}, true);
  CheckRequest r;
  if (f.find("ip")) r.ip = f.required_text("ip");
  if (f.find("zone")) r.zone = f.required_text("zone");
  if (r.ip.has_value() == r.zone.has_value())
    f.fail(code::kBadRequest, "check needs exactly one of 'ip' and 'zone'");
  return r;
}

// One record of an import; refusals carry its index like a batch op's.
ImportRecord parse_import_record(const Json& item, size_t i) {
  std::string where = "records[" + std::to_string(i) + "]: ";
  try {
    if (!item.is_object()) refuse(code::kBadRequest, where + "a record must be a JSON object");
    Fields f(item, where);
    f.allow({"name", "type", "class", "ttl", "data", "line"}, false);
    if (f.find("op")) f.fail(code::kBadRequest, "unknown field 'op'");
    ImportRecord r;
    r.name = f.required_text("name");
    r.type = f.required_text("type");
    if (f.find("class")) r.cls = f.required_text("class");
    auto ttl = f.integer("ttl", 0, UINT32_MAX);
    if (!ttl) f.fail(code::kBadRequest, "missing field 'ttl'");
    r.ttl = *ttl;
    r.data = f.text("data", kMaxText).value_or("");
    if (auto line = f.integer("line", 0, INT64_MAX)) r.line = uint64_t(*line);
    return r;
  } catch (Refused& r) {
    r.error.index = i;
    throw;
  }
}

RequestBody parse_import(const Fields& f) {
  f.allow({"records", "actor", "dry_run"}, true);
  const Json* records = f.find("records");
  if (!records) f.fail(code::kBadRequest, "missing field 'records'");
  if (!records->is_array()) f.fail(code::kBadRequest, "'records' must be a list of records");
  Streamed& s = f.streamed();
  if (s.count == 0) f.fail(code::kBadRequest, "'records' is empty");
  if (s.count > kMaxBatch)
    f.fail(code::kBadRequest,
           "'records' holds more than " + std::to_string(kMaxBatch) + " records");
  ImportRequest r;
  r.actor = f.actor();
  r.dry_run = f.boolean("dry_run").value_or(false);
  if (s.first_error) throw *s.first_error;
  r.records = std::move(s.records);
  return r;
}

RequestBody parse_export(const Fields& f) {
  f.allow({"zone"}, true);
  return ExportRequest{f.required_text("zone")};
}

RequestBody parse_backup(const Fields& f) {
  f.allow({"path"}, true);
  std::string path = f.required_text("path");
  if (path.empty() || path[0] != '/') f.fail(code::kBadRequest, "'path' must be an absolute path");
  return BackupRequest{std::move(path)};
}

std::vector<std::string> text_list(const Fields& f, const char* key, size_t max_items) {
  std::vector<std::string> out;
  const Json* v = f.find(key);
  if (!v) return out;
  if (!v->is_array()) f.fail(code::kBadRequest, "'" + std::string(key) + "' must be a list");
  if (v->size() > max_items)
    f.fail(code::kBadRequest,
           "'" + std::string(key) + "' holds more than " + std::to_string(max_items) + " items");
  for (const auto& item : *v) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty() ||
        item.get_ref<const std::string&>().size() > kMaxText)
      f.fail(code::kBadRequest, "'" + std::string(key) + "' must hold non-empty strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

RequestBody parse_token_add(const Fields& f) {
  f.allow({"name", "scopes", "prefixes", "quota", "expires"}, true);
  TokenAddRequest r;
  r.name = f.required_text("name", 64);
  r.scopes = text_list(f, "scopes", 8);
  r.prefixes = text_list(f, "prefixes", 255);
  if (auto q = f.integer("quota", 0, INT64_MAX)) r.quota = uint64_t(*q);
  r.expires = f.text("expires", 64);
  return r;
}

RequestBody parse_token_list(const Fields& f) {
  f.allow({}, true);
  return TokenListRequest{};
}

RequestBody parse_token_revoke(const Fields& f) {
  f.allow({"name"}, true);
  return TokenRevokeRequest{f.required_text("name", 64)};
}

using OpParser = std::function<RequestBody(const Fields&)>;

const std::map<std::string, OpParser, std::less<>>& op_parsers() {
  static const std::map<std::string, OpParser, std::less<>> parsers = {
      {"set", [](const Fields& f) -> RequestBody { return parse_set(f, true); }},
      {"unset", [](const Fields& f) -> RequestBody { return parse_unset(f, true); }},
      {"show", parse_show},
      {"list", parse_list},
      {"zones", parse_zones},
      {"zone-show", parse_zone_show},
      {"zone-add", parse_zone_add},
      {"zone-remove", parse_zone_remove},
      {"batch", parse_batch},
      {"quota", parse_quota},
      {"check", parse_check},
      {"import", parse_import},
      {"export", parse_export},
      {"status", parse_status},
      {"reload", parse_reload},
      {"backup", parse_backup},
      {"token-add", parse_token_add},
      {"token-list", parse_token_list},
      {"token-revoke", parse_token_revoke},
  };
  return parsers;
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string short_json_error(const std::string& what) {
  auto pos = what.find("] ");
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

RequestBody parse_object(const Json& object, Streamed& streamed) {
  Fields f(object, "", &streamed);
  auto op = f.text("op", kMaxText);
  if (!op) f.fail(code::kBadRequest, "missing field 'op'");
  auto it = op_parsers().find(*op);
  if (it == op_parsers().end()) f.fail(code::kBadRequest, "unknown op '" + *op + "'");
  return it->second(f);
}

// What the parser callback checks of the JSON itself, at every depth: nesting and the
// number of values (refused at once), and keys that appear twice in one object (noted
// in `repeated`, refused after the parse: the last one would silently win).
class JsonBounds {
 public:
  using Event = Json::parse_event_t;
  // `in_element`: the event belongs to an element of a streamed list (counted apart,
  // from the element's start).
  void check(int depth, Event event, const Json& parsed, bool in_element,
             std::optional<std::string>& repeated) {
    const bool opens = event == Event::object_start || event == Event::array_start;
    if (opens && size_t(depth) + 1 > kMaxDepth)
      refuse(code::kBadRequest,
             "the request nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (opens || event == Event::value) {
      size_t& n = in_element ? element_values_ : values_;
      if (++n > kMaxValues)
        refuse(code::kBadRequest,
               std::string(in_element ? "an element of the list" : "the request") +
                   " holds more than " + std::to_string(kMaxValues) + " values");
    }
    if (event == Event::object_start) {
      if (open_ == keys_.size()) keys_.emplace_back();
      keys_[open_++].clear();
    } else if (event == Event::object_end) {
      --open_;
    } else if (event == Event::key) {
      auto& seen = keys_[open_ - 1];
      const auto& key = parsed.get_ref<const std::string&>();
      if (std::find(seen.begin(), seen.end(), key) == seen.end())
        seen.push_back(key);
      else if (!repeated)
        repeated = key;
    }
  }
  void element_done() { element_values_ = 0; }

 private:
  size_t values_ = 0, element_values_ = 0;
  std::vector<std::vector<std::string>> keys_;  // of each open object, reused
  size_t open_ = 0;
};

// The parser callback that streams the elements of a top-level "ops" or "records" list
// into `s` (the list stays in the document, empty), and checks the JSON's bounds.
// Depths as nlohmann reports them: the request object starts at 0, its keys and lists
// are at 1, the lists' elements end at 2.
Json::parser_callback_t stream_lists(Streamed& s) {
  enum class List { None, Ops, Records };
  return [&s, key = std::string(), list = List::None, bounds = JsonBounds()](
             int depth, Json::parse_event_t event, Json& parsed) mutable {
    using Event = Json::parse_event_t;
    bounds.check(depth, event, parsed, list != List::None && depth >= 2, s.repeated_key);
    if (depth == 1) {
      if (event == Event::key) {
        key = parsed.get<std::string>();
      } else if (event == Event::array_start) {
        list = key == "ops" ? List::Ops : key == "records" ? List::Records : List::None;
      } else if (event == Event::array_end) {
        list = List::None;
      }
      return true;
    }
    bool element = depth == 2 && (event == Event::object_end || event == Event::array_end ||
                                  event == Event::value);
    if (!element || list == List::None) return true;
    bounds.element_done();
    size_t i = s.count++;
    if (s.first_error || i >= kMaxBatch) return false;  // refused anyway: only counted
    try {
      if (list == List::Ops)
        s.ops.push_back(parse_batch_op(parsed, i));
      else
        s.records.push_back(parse_import_record(parsed, i));
    } catch (const Refused& r) {
      s.first_error = r;
    }
    return false;
  };
}

}  // namespace

Parsed parse_request(std::string_view line) {
  Parsed out;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  try {
    if (line.size() > kMaxLine)
      refuse(code::kBadRequest,
             "request line is longer than " + std::to_string(kMaxLine) + " bytes");
    Json object;
    Streamed streamed;
    try {
      object = Json::parse(line, stream_lists(streamed));
    } catch (const Json::exception& e) {
      // parse_error, and out_of_range for a number that overflows (1e999).
      refuse(code::kBadRequest, "malformed JSON: " + short_json_error(e.what()));
    }
    if (!object.is_object()) refuse(code::kBadRequest, "a request must be a JSON object");
    if (auto it = object.find("tag"); it != object.end()) out.tag = *it;
    if (streamed.repeated_key)
      refuse(code::kBadRequest, "key '" + *streamed.repeated_key + "' appears twice in one object");
    out.request = parse_object(object, streamed);
  } catch (const Refused& r) {
    out.error = r.error;
  }
  return out;
}

std::optional<Json> parse_bounded_json(std::string_view text, Error& error) {
  try {
    std::optional<std::string> repeated;
    JsonBounds bounds;
    Json doc;
    try {
      doc = Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
        bounds.check(depth, event, parsed, false, repeated);
        return true;
      });
    } catch (const Json::exception& e) {
      refuse(code::kBadRequest, "malformed JSON: " + short_json_error(e.what()));
    }
    if (repeated) refuse(code::kBadRequest, "key '" + *repeated + "' appears twice in one object");
    return doc;
  } catch (const Refused& r) {
    error = r.error;
    return std::nullopt;
  }
}

const char* op_name(const RequestBody& request) {
  static const char* const names[] = {
      "set",   "unset", "show",  "list",   "zones",  "zone-show", "zone-add", "zone-remove",
      "batch", "quota", "check", "import", "export", "update",    "status",   "reload", "backup",
      "token-add", "token-list", "token-revoke"};
  return names[request.index()];
}

namespace {

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string encode_ok(const Json& body, const std::optional<Json>& tag) {
  Json out = {{"ok", true}};
  for (const auto& [key, value] : body.items())
    if (key != "ok" && key != "tag") out[key] = value;
  if (tag) out["tag"] = *tag;
  return dump(out);
}

std::string encode_error(const Error& error, const std::optional<Json>& tag) {
  Json e = {{"code", error.code}, {"message", error.message}};
  if (error.index) e["index"] = *error.index;
  Json out = {{"ok", false}, {"error", std::move(e)}};
  if (tag) out["tag"] = *tag;
  return dump(out);
}

std::optional<Answer> parse_answer(std::string_view line, std::string* why) {
  auto fail = [&](std::string text) -> std::optional<Answer> {
    if (why) *why = std::move(text);
    return std::nullopt;
  };
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Answer a;
  try {
    a.body = Json::parse(line);
  } catch (const Json::parse_error& e) {
    return fail("malformed JSON: " + short_json_error(e.what()));
  }
  if (!a.body.is_object()) return fail("the answer is not a JSON object");
  auto ok = a.body.find("ok");
  if (ok == a.body.end() || !ok->is_boolean()) return fail("the answer has no 'ok'");
  a.ok = ok->get<bool>();
  if (a.ok) return a;
  auto e = a.body.find("error");
  if (e == a.body.end() || !e->is_object()) return fail("the error answer has no 'error'");
  auto code = e->find("code"), message = e->find("message"), index = e->find("index");
  if (code == e->end() || !code->is_string() || message == e->end() || !message->is_string())
    return fail("the error answer has no code or message");
  a.error.code = code->get<std::string>();
  a.error.message = message->get<std::string>();
  if (index != e->end() && index->is_number_unsigned()) a.error.index = index->get<size_t>();
  return a;
}

}  // namespace rdnsd::admin
