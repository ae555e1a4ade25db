// The admin protocol codec: requests in, answers out, no store and no sockets.
#include <doctest/doctest.h>

#include <string>

#include "admin/protocol/protocol.h"

using namespace rdnsd::admin;

namespace {

Parsed parse(const std::string& line) {
  return parse_request(line);
}

// The error code of a line that must be refused.
std::string refused(const std::string& line) {
  Parsed p = parse(line);
  REQUIRE_MESSAGE(!p.request, line);
  return p.error.code;
}

template <typename T>
T accepted(const std::string& line) {
  Parsed p = parse(line);
  INFO(line << " -> " << p.error.code << ": " << p.error.message);
  REQUIRE(p.request);
  REQUIRE(std::holds_alternative<T>(*p.request));
  return std::get<T>(*p.request);
}

}  // namespace

TEST_CASE("set requests parse with their optional fields") {
  auto r = accepted<SetRequest>(
      R"({"op":"set","ip":"192.0.2.2","name":"mail.example.com","ttl":3600,"description":"mail","actor":"ops-bot"})");
  CHECK(r.ip == "192.0.2.2");
  CHECK(r.name == "mail.example.com");
  CHECK(r.ttl == 3600u);
  CHECK(r.description == "mail");
  CHECK(r.actor == "ops-bot");
  auto bare = accepted<SetRequest>(R"({"op":"set","ip":"2001:db8::1","name":"h.example."})");
  CHECK(!bare.ttl);
  CHECK(!bare.description);
  CHECK(!bare.actor);
  CHECK(accepted<SetRequest>(R"({"op":"set","ip":"192.0.2.2","name":"a.b","ttl":0})").ttl == 0u);
  CHECK(
      accepted<SetRequest>(R"({"op":"set","ip":"192.0.2.2","name":"a.b","ttl":2147483647})").ttl ==
      2147483647u);
}

TEST_CASE("every op parses") {
  CHECK(accepted<UnsetRequest>(R"({"op":"unset","ip":"192.0.2.2"})").ip == "192.0.2.2");
  CHECK(accepted<ShowRequest>(R"({"op":"show","ip":"192.0.2.2"})").ip == "192.0.2.2");
  CHECK(accepted<ShowRequest>(R"({"op":"show","id":"x"})").id == "x");
  auto l = accepted<ListRequest>(R"({"op":"list"})");
  CHECK(l.offset == 0);
  CHECK(l.limit == kDefaultLimit);
  l = accepted<ListRequest>(
      R"({"op":"list","zone":"2.0.192.in-addr.arpa.","prefix":"192.0.2.0/28","name":"mail","offset":5,"limit":1000})");
  CHECK(l.zone == "2.0.192.in-addr.arpa.");
  CHECK(l.prefix == "192.0.2.0/28");
  CHECK(l.name == "mail");
  CHECK(l.offset == 5);
  CHECK(l.limit == 1000);
  accepted<ZonesRequest>(R"({"op":"zones"})");
  CHECK(accepted<ZoneShowRequest>(R"({"op":"zone-show","zone":"192.0.2.0/24"})").zone ==
        "192.0.2.0/24");
  auto za = accepted<ZoneAddRequest>(
      R"({"op":"zone-add","prefix":"10.1.16.0/20","ns":["ns1.example.","ns2.example."],"mname":"ns1.example.","rname":"hostmaster.example.","ttl":600,"serial_policy":"dateserial","max_records":50,"refresh":1,"retry":2,"expire":3,"minimum":4,"soa_ttl":5})");
  CHECK(za.ns->size() == 2);
  CHECK(za.serial_policy == rdnsd::serial::Policy::DateSerial);
  CHECK(za.max_records == 50u);
  CHECK(za.soa_ttl == 5u);
  auto zr = accepted<ZoneRemoveRequest>(R"({"op":"zone-remove","zone":"x.","force":true})");
  CHECK(zr.force);
  CHECK_FALSE(accepted<ZoneRemoveRequest>(R"({"op":"zone-remove","zone":"x."})").force);
  auto b = accepted<BatchRequest>(
      R"({"op":"batch","actor":"import","ops":[{"op":"set","ip":"192.0.2.1","name":"a.example"},{"op":"unset","ip":"192.0.2.2"}]})");
  REQUIRE(b.ops.size() == 2);
  CHECK(std::holds_alternative<SetRequest>(b.ops[0]));
  CHECK(std::holds_alternative<UnsetRequest>(b.ops[1]));
  CHECK(b.actor == "import");
  accepted<QuotaRequest>(R"({"op":"quota"})");
  CHECK(std::string(op_name(*parse(R"({"op":"zone-add","prefix":"10.0.0.0/8"})").request)) ==
        "zone-add");
}

TEST_CASE("malformed lines are bad_request") {
  CHECK(refused("") == code::kBadRequest);
  CHECK(refused("{") == code::kBadRequest);
  CHECK(refused(R"({"op":"zones",})") == code::kBadRequest);
  CHECK(refused("not json") == code::kBadRequest);
  CHECK(refused("[1,2]") == code::kBadRequest);
  CHECK(refused("\"zones\"") == code::kBadRequest);
  CHECK(refused("42") == code::kBadRequest);
  CHECK(refused("{} {}") == code::kBadRequest);
  CHECK(parse("{").error.message.find("malformed JSON") == 0);
  CHECK(parse("[]").error.message == "a request must be a JSON object");
}

TEST_CASE("op must be present, a string and known") {
  CHECK(refused(R"({})") == code::kBadRequest);
  CHECK(parse(R"({})").error.message == "missing field 'op'");
  CHECK(refused(R"({"op":5})") == code::kBadRequest);
  CHECK(refused(R"({"op":"frobnicate"})") == code::kBadRequest);
  CHECK(parse(R"({"op":"frobnicate"})").error.message == "unknown op 'frobnicate'");
  CHECK(refused(R"({"op":"SET","ip":"192.0.2.1","name":"a."})") == code::kBadRequest);
}

TEST_CASE("unknown fields are refused by name") {
  Parsed p = parse(R"({"op":"set","ip":"192.0.2.1","name":"a.example","colour":"red"})");
  REQUIRE(!p.request);
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message == "unknown field 'colour'");
  CHECK(refused(R"({"op":"zones","zone":"x"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"quota","x":1})") == code::kBadRequest);
  CHECK(refused(R"({"op":"unset","ip":"192.0.2.1","ttl":60})") == code::kBadRequest);
  CHECK(accepted<UnsetRequest>(R"({"op":"unset","ip":"192.0.2.1","actor":"me"})").actor == "me");
  CHECK(refused(R"({"op":"list","limits":5})") == code::kBadRequest);
}

TEST_CASE("missing and ill-typed fields are bad_request") {
  CHECK(refused(R"({"op":"set","name":"a.example"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"","name":"a.example"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":3221225985,"name":"a.example"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":["a"]})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","description":5})") ==
        code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","actor":""})") == code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","actor":"a\nb"})") ==
        code::kBadRequest);
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","actor":")" + std::string(65, 'a') +
                R"("})") == code::kBadRequest);
  CHECK(refused(R"({"op":"show"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"show","ip":"192.0.2.1","id":"x"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"zone-remove","zone":"x.","force":"yes"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ns":"ns1.example."})") ==
        code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ns":[]})") == code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ns":[1]})") == code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","serial_policy":"weekly"})") ==
        code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","max_records":-1})") ==
        code::kBadRequest);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","max_records":1.5})") ==
        code::kBadRequest);
}

TEST_CASE("any ttl that is not an integer 0..2147483647 is bad_ttl") {
  for (const char* ttl : {"-1", "2147483648", "18446744073709551615", "-9223372036854775808",
                          "\"3600\"", "3600.0", "1e3", "true", "null", "[3600]", "{}"}) {
    INFO(ttl);
    CHECK(refused(std::string(R"({"op":"set","ip":"192.0.2.1","name":"a.b","ttl":)") + ttl + "}") ==
          code::kBadTtl);
  }
  CHECK(parse(R"({"op":"set","ip":"192.0.2.1","name":"a.b","ttl":-1})").error.message ==
        "'ttl' must be an integer 0..2147483647");
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","refresh":-5})") == code::kBadTtl);
  CHECK(refused(R"({"op":"zone-add","prefix":"10.0.0.0/8","ttl":"x"})") == code::kBadTtl);
}

TEST_CASE("a description longer than 255 bytes is bad_description") {
  std::string ok(255, 'd'), tall(256, 'd');
  accepted<SetRequest>(R"({"op":"set","ip":"192.0.2.1","name":"a.b","description":")" + ok +
                       R"("})");
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","description":")" + tall + R"("})") ==
        code::kBadDescription);
  // 128 two-byte characters: 256 bytes.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "\xc3\xa9";
  CHECK(refused(R"({"op":"set","ip":"192.0.2.1","name":"a.b","description":")" + wide + R"("})") ==
        code::kBadDescription);
}

TEST_CASE("list paging bounds") {
  CHECK(refused(R"({"op":"list","limit":1001})") == code::kBadRequest);
  CHECK(refused(R"({"op":"list","limit":0})") == code::kBadRequest);
  CHECK(refused(R"({"op":"list","offset":-1})") == code::kBadRequest);
  CHECK(refused(R"({"op":"list","offset":"10"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"list","zone":7})") == code::kBadRequest);
}

TEST_CASE("batch refusals carry the index of the op") {
  CHECK(refused(R"({"op":"batch"})") == code::kBadRequest);
  CHECK(refused(R"({"op":"batch","ops":{}})") == code::kBadRequest);
  CHECK(refused(R"({"op":"batch","ops":[]})") == code::kBadRequest);
  Parsed p = parse(
      R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.b"},{"op":"unset","ip":"192.0.2.2"},{"op":"set","ip":"192.0.2.3","name":"c.d","ttl":-4}]})");
  REQUIRE(!p.request);
  CHECK(p.error.code == code::kBadTtl);
  CHECK(p.error.index == 2u);
  CHECK(p.error.message.find("ops[2]: ") == 0);
  p = parse(R"({"op":"batch","ops":[{"op":"show","ip":"192.0.2.1"}]})");
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.index == 0u);
  p = parse(R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.b"}, 5]})");
  CHECK(p.error.index == 1u);
  p = parse(R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.b","tag":1}]})");
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message == "ops[0]: unknown field 'tag'");
  p = parse(R"({"op":"batch","ops":[{"ip":"192.0.2.1","name":"a.b"}]})");
  CHECK(p.error.index == 0u);
}

TEST_CASE("batch and import lists are read element by element, with the same answers") {
  // The first refused op is the one named, also when later ones are refused too.
  Parsed p = parse(
      R"({"op":"batch","ops":[{"op":"set","ip":"192.0.2.1","name":"a.b"},[1],{"op":"show"},7]})");
  REQUIRE(!p.request);
  CHECK(p.error.index == 1u);
  CHECK(p.error.message == "ops[1]: an op must be a JSON object");
  // Request-level refusals come before any op's.
  p = parse(R"({"op":"batch","ops":[5],"bogus":1})");
  CHECK(p.error.message == "unknown field 'bogus'");
  CHECK_FALSE(p.error.index);
  p = parse(R"({"op":"batch","actor":"","ops":[5]})");
  CHECK(p.error.message == "'actor' must not be empty");
  // A key given twice is refused, as for any other field.
  p = parse(
      R"({"op":"batch","ops":[{"op":"unset","ip":"192.0.2.9"},5],"ops":[{"op":"unset","ip":"192.0.2.1"},{"op":"unset","ip":"192.0.2.2"}]})");
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message == "key 'ops' appears twice in one object");
  CHECK(refused(R"({"op":"batch","ops":[{"op":"unset","ip":"192.0.2.1"}],"ops":7})") ==
        code::kBadRequest);
  // Lists deeper in the request are not ops: the tag comes back whole.
  p = parse(R"({"op":"batch","tag":{"ops":[1,2]},"ops":[{"op":"unset","ip":"192.0.2.1"}]})");
  REQUIRE(p.request);
  CHECK(*p.tag == Json{{"ops", {1, 2}}});
  // "ops" on a request that takes none is an unknown field, as before.
  p = parse(R"({"op":"zones","ops":[{"op":"unset","ip":"192.0.2.1"}]})");
  CHECK(p.error.message == "unknown field 'ops'");
  // Too many ops: refused as such, whatever the ops are.
  std::string many = R"({"op":"batch","ops":[)";
  for (size_t i = 0; i <= kMaxBatch; ++i) many += i ? ",1" : "1";
  p = parse(many + "]}");
  CHECK(p.error.message == "'ops' holds more than " + std::to_string(kMaxBatch) + " ops");
  CHECK_FALSE(p.error.index);
  // An import's records, the same way.
  auto im = accepted<ImportRequest>(
      R"({"op":"import","records":[{"name":"1.2.0.192.in-addr.arpa.","type":"PTR","ttl":60,"data":"a.example."}]})");
  REQUIRE(im.records.size() == 1);
  CHECK(im.records[0].data == "a.example.");
  p = parse(
      R"({"op":"import","records":[{"name":"x.","type":"PTR","ttl":60},{"name":"y.","type":"PTR"}]})");
  CHECK(p.error.index == 1u);
  CHECK(p.error.message == "records[1]: missing field 'ttl'");
  CHECK(refused(R"({"op":"import","records":[]})") == code::kBadRequest);
}

TEST_CASE("the tag is kept on success and on refusal") {
  Parsed p = parse(R"({"op":"zones","tag":{"req":17,"who":["a"]}})");
  REQUIRE(p.request);
  REQUIRE(p.tag);
  CHECK((*p.tag)["req"] == 17);
  p = parse(R"({"op":"zones","tag":null})");
  REQUIRE(p.tag);
  CHECK(p.tag->is_null());
  p = parse(R"({"op":"zones","tag":"t-1","bogus":1})");
  REQUIRE(!p.request);
  CHECK(p.tag == Json("t-1"));
  CHECK(!parse(R"({"op":"zones"})").tag);

  std::string ok = encode_ok(Json{{"serial", 5}}, Json("t-1"));
  CHECK(ok == R"({"ok":true,"serial":5,"tag":"t-1"})");
  std::string err = encode_error({code::kNotFound, "no record", std::nullopt}, Json(42));
  CHECK(err == R"({"ok":false,"error":{"code":"not_found","message":"no record"},"tag":42})");
}

TEST_CASE("answers encode as one line and parse back") {
  CHECK(encode_ok(Json::object(), std::nullopt) == R"({"ok":true})");
  std::string line = encode_error({code::kConflict, "x\ny", size_t(3)}, std::nullopt);
  CHECK(line.find('\n') == std::string::npos);
  auto a = parse_answer(line);
  REQUIRE(a);
  CHECK_FALSE(a->ok);
  CHECK(a->error.code == "conflict");
  CHECK(a->error.message == "x\ny");
  CHECK(a->error.index == 3u);
  a = parse_answer(encode_ok(Json{{"zones", Json::array()}}, std::nullopt));
  REQUIRE(a);
  CHECK(a->ok);
  CHECK(a->body["zones"].is_array());
  std::string why;
  CHECK(!parse_answer("[]", &why));
  CHECK(!parse_answer(R"({"ok":false})", &why));
  CHECK(!parse_answer(R"({"ok":"yes"})", &why));
  // Text that is not UTF-8 (from the store, say) must not break the answer.
  std::string bad = encode_ok(Json{{"description", std::string("a\xff"
                                                               "b")}},
                              std::nullopt);
  CHECK(parse_answer(bad));
}

TEST_CASE("line limits and line endings") {
  accepted<ZonesRequest>("{\"op\":\"zones\"}\r");
  std::string big = R"({"op":"set","ip":"192.0.2.1","name":"a.b","actor":")" +
                    std::string(kMaxLine, 'x') + R"("})";
  Parsed p = parse(big);
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message.find("longer than " + std::to_string(kMaxLine)) != std::string::npos);
  // Exactly at the limit is still parsed (and refused for the actor's length instead).
  std::string edge = R"({"op":"set","ip":"192.0.2.1","name":"a.b","description":")";
  edge += std::string(kMaxLine - edge.size() - 2, 'x') + "\"}";
  REQUIRE(edge.size() == kMaxLine);
  CHECK(refused(edge) == code::kBadDescription);
}

TEST_CASE("the JSON of a request is bounded: nesting, values, repeated keys, huge numbers") {
  // A tag nested 75,000 deep once overflowed the stack when it was echoed back.
  const std::string deep =
      R"({"op":"zones","tag":)" + std::string(75000, '[') + std::string(75000, ']') + "}";
  Parsed p = parse(deep);
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message == "the request nests deeper than 32 levels");
  CHECK(refused(std::string(1 << 20, '[')) == code::kBadRequest);
  // 32 levels in all are fine (the request object is the first), 33 are not.
  auto nested = [](size_t lists) {
    return R"({"op":"zones","tag":)" + std::string(lists, '[') + std::string(lists, ']') + "}";
  };
  CHECK(parse(nested(31)).request);
  CHECK(refused(nested(32)) == code::kBadRequest);
  // Values held in the document: a tag of kMaxValues values is refused, a large batch
  // is not (its ops are read one at a time).
  std::string wide = R"({"op":"zones","tag":[)";
  for (size_t i = 0; i < kMaxValues; ++i) wide += i ? ",1" : "1";
  wide += "]}";
  p = parse(wide);
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message == "the request holds more than 100000 values");
  std::string batch = R"({"op":"batch","ops":[)";
  for (size_t i = 0; i < 2 * kMaxValues / 3; ++i)
    batch += std::string(i ? "," : "") + R"({"op":"unset","ip":"192.0.2.1"})";
  batch += "]}";
  CHECK(accepted<BatchRequest>(batch).ops.size() == 2 * kMaxValues / 3);
  // A repeated key, at the top or further in, and the tag comes back with the refusal.
  p = parse(R"({"op":"set","ip":"192.0.2.1","name":"a.b","ip":"192.0.2.2","tag":7})");
  CHECK(p.error.message == "key 'ip' appears twice in one object");
  REQUIRE(p.tag);
  CHECK(*p.tag == 7);
  CHECK(refused(R"({"op":"zones","tag":{"a":1,"b":{"c":1,"c":2}}})") == code::kBadRequest);
  CHECK(refused(R"({"op":"batch","ops":[{"op":"unset","ip":"192.0.2.1","ip":"192.0.2.2"}]})") ==
        code::kBadRequest);
  // The same key in two objects is no repetition.
  CHECK(parse(R"({"op":"zones","tag":[{"a":1},{"a":2}]})").request);
  // Numbers that overflow are bad_request, not an internal error.
  p = parse(R"({"op":"set","ip":"192.0.2.1","name":"a.b","ttl":1e999})");
  CHECK(p.error.code == code::kBadRequest);
  CHECK(p.error.message.find("malformed JSON: number overflow") == 0);
  CHECK(refused(R"({"op":"zones","tag":-1e400})") == code::kBadRequest);
}
