// What an operator sees: rdnsctl set/unset/show/list/zones, the serial stepping with
// every write, and every kind of bad input refused with nothing changed.
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV4b = "100.51.198.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The JSON that `rdnsctl --json ...` printed.
json json_out(const RunResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    FAIL("rdnsctl --json printed no JSON: " << std::string(e.what()) << "\n" << r.describe());
    return {};
  }
}

// Serials of the three default zones.
struct Serials {
  uint32_t v4, v4b, v6;
  bool operator==(const Serials&) const = default;
};
Serials serials(const Rdnsd& d) {
  return {d.serial(kV4), d.serial(kV4b), d.serial(kV6)};
}

// Everything an admin can see of the records (sorted list, with ids and times).
std::string records_snapshot(const Rdnsd& d) {
  auto r = d.rdnsctl({"--json", "list", "--limit", "1000"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  return r.out;
}

// One PTR answer with this target and TTL.
void check_ptr(const Rdnsd& d, const std::string& ip, const std::string& target, uint32_t ttl) {
  auto r = d.dig({"-x", ip});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  CHECK(r.has_flag("aa"));
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].type == "PTR");
  CHECK(r.answer[0].rdata == target);
  CHECK(r.answer[0].ttl == ttl);
}

void check_nxdomain(const Rdnsd& d, const std::string& ip) {
  auto r = d.dig({"-x", ip});
  INFO(r.describe());
  CHECK(r.status == "NXDOMAIN");
  CHECK(r.answer.empty());
}

}  // namespace

TEST_CASE("rdnsctl set: dig shows the new target and the zone serial is +1 at once") {
  Rdnsd d;
  Serials before = serials(d);
  check_nxdomain(d, "192.0.2.2");

  auto r = d.rdnsctl(
      {"set", "192.0.2.2", "mail.example.com.", "--ttl", "3600", "--description", "mail"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  check_ptr(d, "192.0.2.2", "mail.example.com.", 3600);
  Serials after = serials(d);
  CHECK(after.v4 == before.v4 + 1);
  CHECK(after.v4b == before.v4b);
  CHECK(after.v6 == before.v6);

  // The write answer says the new serial too.
  auto j = d.rdnsctl({"--json", "set", "192.0.2.3", "three.example.com."});
  REQUIRE_MESSAGE(j.ok(), j.describe());
  json answer = json_out(j);
  INFO(j.describe());
  CHECK(answer.at("ok") == true);
  CHECK(answer.at("serial") == before.v4 + 2);
  CHECK(d.serial(kV4) == before.v4 + 2);
  check_ptr(d, "192.0.2.3", "three.example.com.", 3600);
}

TEST_CASE("every write steps the serial by exactly one, and dig sees both together") {
  Rdnsd d;
  uint32_t s0 = d.serial(kV4);
  for (int i = 1; i <= 10; ++i) {
    std::string target = "h" + std::to_string(i) + ".example.com.";
    auto r = d.rdnsctl({"set", "192.0.2.77", target});
    REQUIRE_MESSAGE(r.ok(), r.describe());
    check_ptr(d, "192.0.2.77", target, 3600);
    CHECK(d.serial(kV4) == s0 + static_cast<uint32_t>(i));
  }
}

TEST_CASE("a reader sees a record and its serial together or neither") {
  // While one address is set and unset in turn, every negative answer for it carries the
  // zone's SOA: NXDOMAIN must come with a serial of an "absent" state, NODATA (the name
  // exists, no TXT) with a serial of a "present" state.
  Rdnsd d;
  const uint32_t s0 = d.serial(kV4);
  std::atomic<bool> done{false};
  int seen = 0, torn = 0;
  std::string example;
  std::thread reader([&] {
    wire::UdpClient udp(d.port());
    wire::Query q;
    q.name = "50.2.0.192.in-addr.arpa.";
    q.qtype = wire::rr::TXT;
    for (uint16_t id = 1; !done; ++id) {
      q.id = id;
      auto r = udp.exchange(wire::build(q), Millis(1000));
      if (!r) continue;
      auto serial = r->authority_soa_serial();
      if (!serial) continue;
      bool present_state = (*serial - s0) % 2 == 1;  // odd steps are sets
      bool present_answer = r->rcode == wire::rcode::NOERROR;
      ++seen;
      if (present_state != present_answer) {
        ++torn;
        example = "serial " + std::to_string(*serial) + " with rcode " + std::to_string(r->rcode);
      }
    }
  });
  for (int i = 1; i <= 30; ++i) {
    auto r = i % 2 ? d.rdnsctl({"set", "192.0.2.50", "flip.example.net."})
                   : d.rdnsctl({"unset", "192.0.2.50"});
    CHECK_MESSAGE(r.ok(), r.describe());
  }
  done = true;
  reader.join();
  CHECK(d.serial(kV4) == s0 + 30);
  CHECK(seen > 30);
  CHECK_MESSAGE(torn == 0, torn << " of " << seen << " answers mixed states, e.g. " << example);
}

TEST_CASE("rdnsctl set replaces an existing record") {
  Rdnsd d;
  uint32_t s0 = d.serial(kV4);
  check_ptr(d, "192.0.2.1", "gw.example.net.", 3600);
  auto r = d.rdnsctl({"set", "192.0.2.1", "router.example.net.", "--ttl", "600"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  check_ptr(d, "192.0.2.1", "router.example.net.", 600);
  CHECK(d.serial(kV4) == s0 + 1);
}

TEST_CASE("TTLs: the zone default when none is given, and the bounds 0 and 2147483647") {
  Rdnsd d;
  must(d.rdnsctl({"set", "198.51.100.8", "eight.example.org."}));
  check_ptr(d, "198.51.100.8", "eight.example.org.", 60);
  must(d.rdnsctl({"set", "192.0.2.20", "zero.example.net.", "--ttl", "0"}));
  check_ptr(d, "192.0.2.20", "zero.example.net.", 0);
  must(d.rdnsctl({"set", "192.0.2.21", "max.example.net.", "--ttl", "2147483647"}));
  check_ptr(d, "192.0.2.21", "max.example.net.", 2147483647);
}

TEST_CASE("a target without the trailing dot is taken as absolute") {
  Rdnsd d;
  auto r = d.rdnsctl({"set", "192.0.2.30", "mail.example.com"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  check_ptr(d, "192.0.2.30", "mail.example.com.", 3600);
}

TEST_CASE("IPv6: set and unset one /128, with its empty non-terminals") {
  Rdnsd d;
  Serials before = serials(d);
  const std::string ent = "d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa.";
  CHECK(d.dig({ent, "PTR"}).status == "NXDOMAIN");

  // Non-canonical text is accepted and means the same address.
  auto r = d.rdnsctl({"set", "2001:DB8:ABCD:0::42", "v6host.example.net."});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  check_ptr(d, "2001:db8:abcd::42", "v6host.example.net.", 7200);
  Serials mid = serials(d);
  CHECK(mid.v6 == before.v6 + 1);
  CHECK(mid.v4 == before.v4);
  auto e = d.dig({ent, "PTR"});
  INFO(e.describe());
  CHECK(e.status == "NOERROR");  // now an empty non-terminal (RFC 8020)
  CHECK(e.answer.empty());

  r = d.rdnsctl({"unset", "2001:db8:abcd::42"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  check_nxdomain(d, "2001:db8:abcd::42");
  CHECK(d.dig({ent, "PTR"}).status == "NXDOMAIN");  // nothing below it any more
  CHECK(d.serial(kV6) == before.v6 + 2);
}

TEST_CASE("rdnsctl unset gives NXDOMAIN and serial +1 and unsetting again is not_found") {
  Rdnsd d;
  uint32_t s0 = d.serial(kV4);
  auto r = d.rdnsctl({"unset", "192.0.2.10"});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  auto nx = d.dig({"-x", "192.0.2.10"});
  INFO(nx.describe());
  CHECK(nx.status == "NXDOMAIN");
  // The SOA of the negative answer already carries the new serial.
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].fields().at(2) == std::to_string(s0 + 1));
  CHECK(d.serial(kV4) == s0 + 1);

  auto again = d.rdnsctl({"--json", "unset", "192.0.2.10"});
  INFO(again.describe());
  CHECK(again.status == 1);
  CHECK(json_out(again).at("error").at("code") == "not_found");
  CHECK(d.serial(kV4) == s0 + 1);
  // The other record is untouched.
  check_ptr(d, "192.0.2.1", "gw.example.net.", 3600);
}

TEST_CASE("rdnsctl show, list and zones, for people and with --json") {
  Rdnsd d;
  must(d.rdnsctl(
      {"set", "192.0.2.2", "mail.example.com.", "--ttl", "1234", "--description", "mail server"}));

  auto show = d.rdnsctl({"show", "192.0.2.2"});
  INFO(show.describe());
  CHECK(show.ok());
  CHECK(show.out.find("mail.example.com.") != std::string::npos);
  CHECK(show.out.find("1234") != std::string::npos);
  CHECK(show.out.find("mail server") != std::string::npos);

  auto sj = d.rdnsctl({"--json", "show", "192.0.2.2"});
  INFO(sj.describe());
  REQUIRE(sj.ok());
  json rec = json_out(sj).at("record");
  CHECK(rec.at("ip") == "192.0.2.2");
  CHECK(rec.at("name") == "2.2.0.192.in-addr.arpa.");
  CHECK(rec.at("ptr") == "mail.example.com.");
  CHECK(rec.at("ttl") == 1234);
  CHECK(rec.at("description") == "mail server");
  CHECK(rec.at("zone") == kV4);
  CHECK_FALSE(rec.at("id").get<std::string>().empty());
  CHECK_FALSE(rec.at("created").get<std::string>().empty());

  auto missing = d.rdnsctl({"show", "192.0.2.99"});
  INFO(missing.describe());
  CHECK(missing.status == 1);
  CHECK_FALSE(missing.err.empty());

  auto list = d.rdnsctl({"list"});
  INFO(list.describe());
  CHECK(list.ok());
  for (const char* s : {"192.0.2.1", "192.0.2.2", "mail.example.com.", "198.51.100.7",
                        "2001:db8::1", "gw6.example.net.", "2001:db8:1:2::5"})
    CHECK_MESSAGE(list.out.find(s) != std::string::npos, std::string(s));

  auto zone_list = d.rdnsctl({"list", "--zone", "192.0.2.0/24"});
  INFO(zone_list.describe());
  CHECK(zone_list.ok());
  CHECK(zone_list.out.find("192.0.2.2") != std::string::npos);
  CHECK(zone_list.out.find("2001:db8") == std::string::npos);
  CHECK(zone_list.out.find("198.51.100") == std::string::npos);

  auto lj = d.rdnsctl({"--json", "list", "--zone", kV6});
  INFO(lj.describe());
  REQUIRE(lj.ok());
  json records = json_out(lj).at("records");
  REQUIRE(records.size() == 2);
  std::set<std::string> ips;
  for (const auto& r : records) ips.insert(r.at("ip").get<std::string>());
  CHECK(ips == std::set<std::string>{"2001:db8::1", "2001:db8:1:2::5"});

  auto zones = d.rdnsctl({"zones"});
  INFO(zones.describe());
  CHECK(zones.ok());
  for (const char* s : {"192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"})
    CHECK_MESSAGE(zones.out.find(s) != std::string::npos, std::string(s));
  CHECK(zones.out.find(std::to_string(d.serial(kV4))) != std::string::npos);

  auto zj = d.rdnsctl({"--json", "zones"});
  INFO(zj.describe());
  REQUIRE(zj.ok());
  json zl = json_out(zj).at("zones");
  REQUIRE(zl.size() == 3);
  for (const auto& z : zl) {
    std::string apex = z.at("zone");
    CHECK(z.at("serial") == d.serial(apex));
  }
}

TEST_CASE("rdnsctl refuses every bad input with a clear error, and nothing changes") {
  Rdnsd d;
  Serials before = serials(d);
  std::string snapshot = records_snapshot(d);

  struct Case {
    std::vector<std::string> args;
    const char* code;
    const char* word;  // the message mentions this (case-insensitive)
  };
  const std::string long_label(64, 'a');
  std::string long_name;  // 4 labels of 63: 257 octets in wire form, over the 255 allowed
  for (char c : {'a', 'b', 'c', 'd'}) long_name += std::string(63, c) + ".";
  const std::vector<Case> cases = {
      {{"set", "192.0.2.300", "x.example.net."}, "bad_address", "address"},
      {{"set", "not-an-address", "x.example.net."}, "bad_address", "address"},
      {{"set", "192.0.2.5/32", "x.example.net."}, "bad_address", "address"},
      {{"set", "2001:db8::g", "x.example.net."}, "bad_address", "address"},
      {{"set", "10.0.0.1", "x.example.net."}, "not_in_zone", "zone"},
      {{"set", "192.0.3.1", "x.example.net."}, "not_in_zone", "zone"},
      {{"set", "2001:db9::1", "x.example.net."}, "not_in_zone", "zone"},
      {{"set", "192.0.2.5", "bad name!.example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", "--", "-leading.example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", "trailing-.example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", "a..b.example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", "under_score.example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", long_label + ".example.net."}, "bad_name", "name"},
      {{"set", "192.0.2.5", long_name}, "bad_name", "name"},
      {{"set", "192.0.2.5", "x.example.net.", "--description", std::string(256, 'd')},
       "bad_description",
       "description"},
      {{"set", "192.0.2.5", "x.example.net.", "--ttl", "-1"}, "bad_ttl", "ttl"},
      {{"set", "192.0.2.5", "x.example.net.", "--ttl", "2147483648"}, "bad_ttl", "ttl"},
      {{"set", "192.0.2.5", "x.example.net.", "--ttl", "99999999999999999999"}, "bad_ttl", "ttl"},
      {{"set", "192.0.2.5", "x.example.net.", "--ttl", "abc"}, "bad_ttl", "ttl"},
      {{"set", "192.0.2.1", "x.example.net.", "--ttl", "-1"}, "bad_ttl", "ttl"},
      {{"unset", "192.0.2.99"}, "not_found", "192.0.2.99"},
      {{"unset", "nonsense"}, "bad_address", "address"},
      {{"unset", "10.0.0.1"}, nullptr, "10.0.0.1"},
  };
  for (const auto& c : cases) {
    auto r = d.rdnsctl(c.args);
    INFO(r.describe());
    CHECK(r.status == 1);  // the server refused it
    CHECK_FALSE(r.err.empty());
    CHECK(lower(r.err).find(lower(c.word)) != std::string::npos);
    auto args = c.args;
    args.insert(args.begin(), "--json");
    auto j = d.rdnsctl(args);
    INFO(j.describe());
    CHECK(j.status == 1);
    json answer = json_out(j);
    CHECK(answer.at("ok") == false);
    if (c.code) CHECK(answer.at("error").at("code") == c.code);
    CHECK_FALSE(answer.at("error").at("message").get<std::string>().empty());
  }
  CHECK(serials(d) == before);
  CHECK(records_snapshot(d) == snapshot);
  check_ptr(d, "192.0.2.1", "gw.example.net.", 3600);
  check_nxdomain(d, "192.0.2.5");
}

TEST_CASE("the admin socket answers bad lines with a stable error code, and nothing changes") {
  Rdnsd d;
  Serials before = serials(d);
  std::string snapshot = records_snapshot(d);

  struct Case {
    std::string line;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"{not json", "bad_request"},
      {"[1,2,3]", "bad_request"},
      {"\"set\"", "bad_request"},
      {"{}", "bad_request"},
      {R"({"op":5})", "bad_request"},
      {R"({"op":"frobnicate"})", "bad_request"},
      {R"({"op":"set","ip":"192.0.2.5","name":"x.example.net.","colour":"red"})", "bad_request"},
      {R"({"op":"set","ip":"192.0.2.5"})", "bad_request"},
      {R"({"op":"set","name":"x.example.net."})", "bad_request"},
      {R"({"op":"set","ip":5,"name":"x.example.net."})", "bad_request"},
      {R"({"op":"set","ip":"192.0.2.300","name":"x.example.net."})", "bad_address"},
      {R"({"op":"set","ip":"10.0.0.1","name":"x.example.net."})", "not_in_zone"},
      {R"({"op":"set","ip":"192.0.2.5","name":"bad name."})", "bad_name"},
      {R"({"op":"set","ip":"192.0.2.5","name":"x.example.net.","ttl":-1})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.5","name":"x.example.net.","ttl":2147483648})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.5","name":"x.example.net.","ttl":1.5})", "bad_ttl"},
      {R"({"op":"set","ip":"192.0.2.5","name":"x.example.net.","ttl":"3600"})", "bad_ttl"},
      {R"({"op":"unset","ip":"192.0.2.99"})", "not_found"},
      {R"({"op":"unset","ip":"192.0.2.1","extra":true})", "bad_request"},
      {R"({"op":"zones","verbose":true})", "bad_request"},
  };
  for (const auto& c : cases) {
    INFO("request: " << c.line);
    std::string raw = d.admin_raw(c.line);
    INFO("answer: " << raw);
    json answer;
    REQUIRE_NOTHROW(answer = json::parse(raw));
    CHECK(answer.at("ok") == false);
    CHECK(answer.at("error").at("code") == c.code);
    CHECK(answer.at("error").at("message").is_string());
    CHECK_FALSE(answer.at("error").at("message").get<std::string>().empty());
  }
  CHECK(serials(d) == before);
  CHECK(records_snapshot(d) == snapshot);
  CHECK(d.alive());

  // A good line on the same socket still works, and says the new serial.
  json ok = d.admin(R"({"op":"set","ip":"192.0.2.5","name":"five.example.net.","ttl":300})");
  INFO(ok.dump());
  CHECK(ok.at("ok") == true);
  CHECK(ok.at("serial") == before.v4 + 1);
  check_ptr(d, "192.0.2.5", "five.example.net.", 300);
}

TEST_CASE("rdnsctl without a reachable daemon says so and fails") {
  auto r = run({RDNSCTL_BIN, "--socket", "/nonexistent/rdnsd.sock", "zones"});
  INFO(r.describe());
  CHECK(r.status != 0);
  CHECK(r.err.find("/nonexistent/rdnsd.sock") != std::string::npos);
}

TEST_CASE("the admin socket has the configured permission bits") {
  Rdnsd d;  // admin.mode defaults to 0660
  struct stat st {};
  REQUIRE(stat(d.socket_path().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0660);
  // The longest description allowed is 255 bytes.
  auto r =
      d.rdnsctl({"set", "192.0.2.5", "x.example.net.", "--description", std::string(255, 'd')});
  CHECK_MESSAGE(r.ok(), r.describe());
}

namespace {

// A raw admin connection: connect, then read whatever arrives until EOF or `timeout`.
struct RawAdmin {
  int fd = -1;
  explicit RawAdmin(const std::string& path) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawAdmin() { close(fd); }
  // False when the server has closed the connection already (a refused one, say).
  bool send(const std::string& line) const {
    return ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == ssize_t(line.size());
  }
  // Reads until EOF (true) or until `timeout` passes without it (false); `got` collects.
  bool read_to_eof(std::string& got, Millis timeout) const {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return true;
      got.append(buf, size_t(n));
    }
    return false;
  }
};

}  // namespace

TEST_CASE("the daemon applies admin.max-connections and admin.idle-timeout from its config") {
  RdnsdOptions o;
  o.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
      "store:\n  path: {DIR}/store\n"
      "admin:\n  socket: {DIR}/admin.sock\n  max-connections: 1\n  idle-timeout: 1\n"
      "zones:\n" +
      std::string(kDefaultZones);
  Rdnsd d(o);
  // The fixture's own readiness probe may still hold the one slot for a moment: retry
  // until a connection is served (bounded).
  std::unique_ptr<RawAdmin> first;
  std::string got;
  for (int attempt = 0; attempt < 100 && got.find("\"ok\":true") == std::string::npos; ++attempt) {
    first = std::make_unique<RawAdmin>(d.socket_path());
    got.clear();
    if (!first->send("{\"op\":\"zones\"}\n")) {  // refused busy and closed: again
      std::this_thread::sleep_for(Millis(20));
      continue;
    }
    for (int i = 0; i < 50 && got.find('\n') == std::string::npos; ++i)
      if (first->read_to_eof(got, Millis(20))) break;
  }
  REQUIRE(got.find("\"ok\":true") != std::string::npos);
  // A second connection gets `busy` and EOF at once.
  {
    RawAdmin second(d.socket_path());
    std::string refused;
    CHECK(second.read_to_eof(refused, Millis(3000)));
    CHECK(refused.find("\"code\":\"busy\"") != std::string::npos);
    CHECK(refused.find("limit 1") != std::string::npos);
  }
  // Silent from now on: closed by the server after about a second.
  std::string rest;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(first->read_to_eof(rest, Millis(4000)));
  CHECK(std::chrono::steady_clock::now() - t0 >= Millis(700));
  CHECK(rest.empty());
  CHECK(d.stderr_text().find("idle") != std::string::npos);
  // And the slot is free again.
  CHECK(d.rdnsctl({"zones"}).ok());
}

// The PTR of `ip` as dig sees it, or the rcode when there is none.
static std::string ptr_of(const Rdnsd& d, const std::string& ip) {
  auto r = d.dig({"-x", ip});
  if (r.status != "NOERROR" || r.answer.size() != 1) return r.status;
  return r.answer[0].rdata;
}

TEST_CASE("admin.allow-users and allow-groups: other local users get forbidden, and are logged") {
  // nobody (65534) runs rdnsctl through setpriv; the socket's mode lets anyone connect.
  auto as_nobody = [](const Rdnsd& d, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"setpriv",   "--reuid=65534", "--regid=65534", "--clear-groups",
                                  RDNSCTL_BIN, "--socket",      d.socket_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions ro;
    ro.timeout = Millis(10000);
    return run(argv, ro);
  };
  auto config = [](const std::string& admin_lines) {
    RdnsdOptions o;
    o.config =
        "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\n"
        "store:\n  path: {DIR}/store\n"
        "admin:\n  socket: {DIR}/admin.sock\n  mode: \"0666\"\n" +
        admin_lines + "zones:\n" + std::string(kDefaultZones);
    return o;
  };
  {
    Rdnsd d(config("  allow-users: [root]\n  group: nogroup\n"));
    REQUIRE(chmod(d.dir().c_str(), 0755) == 0);  // let nobody reach the socket file
    struct stat st {};
    REQUIRE(stat(d.socket_path().c_str(), &st) == 0);
    CHECK(st.st_gid == 65534);  // admin.group
    auto refused = as_nobody(d, {"set", "192.0.2.66", "evil.example.net."});
    INFO(refused.text());
    CHECK(refused.status == 1);
    CHECK(refused.err.find("forbidden") != std::string::npos);
    CHECK(ptr_of(d, "192.0.2.66") == "NXDOMAIN");
    CHECK(d.rdnsctl({"set", "192.0.2.66", "ok.example.net."}).ok());  // root may
    CHECK(d.stderr_text().find("uid 65534") != std::string::npos);
    CHECK(d.stderr_text().find("may not use the admin socket") != std::string::npos);
  }
  {
    Rdnsd d(config("  allow-users: [root]\n  allow-groups: [nogroup]\n"));
    REQUIRE(chmod(d.dir().c_str(), 0755) == 0);
    auto allowed = as_nobody(d, {"set", "192.0.2.67", "group.example.net."});
    INFO(allowed.text());
    CHECK(allowed.ok());
    CHECK(ptr_of(d, "192.0.2.67") == "group.example.net.");
    // An allowed user cannot write in another's name: its actor is recorded under its
    // own user name; root's is recorded as given.
    CHECK(as_nobody(d, {"set", "192.0.2.68", "a.example.net.", "--actor", "root"}).ok());
    auto shown = d.admin(R"({"op":"show","ip":"192.0.2.68"})");
    CHECK(shown["record"]["created_by"] == "nobody/root");
    CHECK(as_nobody(d, {"set", "192.0.2.68", "b.example.net.", "--actor", "nobody"}).ok());
    CHECK(d.admin(R"({"op":"show","ip":"192.0.2.68"})")["record"]["modified_by"] == "nobody");
    CHECK(as_nobody(d, {"unset", "192.0.2.67"}).ok());
    CHECK(d.rdnsctl({"set", "192.0.2.69", "c.example.net.", "--actor", "ipam-sync"}).ok());
    CHECK(d.admin(R"({"op":"show","ip":"192.0.2.69"})")["record"]["created_by"] == "ipam-sync");
  }
  {
    Rdnsd d(config(""));  // no lists: whoever can open the socket file, as before
    REQUIRE(chmod(d.dir().c_str(), 0755) == 0);
    CHECK(as_nobody(d, {"zones"}).ok());
  }
}
