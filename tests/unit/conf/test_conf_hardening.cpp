// Tests of server.rrl (response rate limiting) and server.cookie-secret (DNS Cookies):
// defaults, every key, and each error with its line and reason.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;

namespace {

// A config whose server section has `lines` after listen (line 3 on).
std::string with_server(const std::string& lines) {
  return "server:\n"
         "  listen: [\"127.0.0.1:5353\"]\n" +
         lines +
         "store:\n"
         "  path: db\n"
         "admin:\n"
         "  socket: sock\n";
}

}  // namespace

TEST_CASE("rrl is off and cookies use a generated secret unless the file says otherwise") {
  const Config c = load(kHead);
  CHECK(c.server.rrl.rate == 0);
  CHECK(c.server.rrl.slip == 2);
  CHECK(c.server.rrl.ipv4_prefix == 24);
  CHECK(c.server.rrl.ipv6_prefix == 56);
  CHECK(c.server.rrl.window == 15);
  CHECK(c.server.rrl.table_size == 65536);
  CHECK(c.server.rrl.whitelist.empty());
  CHECK(c.server.cookie_secrets.empty());
  // The built-in config says the same.
  const Config d = load_default();
  CHECK(d.server.rrl == RrlConf{});
  CHECK(d.server.cookie_secrets.empty());
}

TEST_CASE("every rrl key") {
  const Config c =
      load(with_server("  rrl:\n"
                       "    rate: 20\n"
                       "    slip: 0\n"
                       "    ipv4-prefix: 32\n"
                       "    ipv6-prefix: 64\n"
                       "    window: 5\n"
                       "    table-size: 1024\n"
                       "    whitelist: [192.0.2.0/24, \"2001:db8::1\", 10.1.2.3]\n"));
  const RrlConf& r = c.server.rrl;
  CHECK(r.rate == 20);
  CHECK(r.slip == 0);
  CHECK(r.ipv4_prefix == 32);
  CHECK(r.ipv6_prefix == 64);
  CHECK(r.window == 5);
  CHECK(r.table_size == 1024);
  REQUIRE(r.whitelist.size() == 3);
  CHECK(r.whitelist[0] == *rdnsd::names::parse_prefix("192.0.2.0/24"));
  CHECK(r.whitelist[1] == *rdnsd::names::parse_prefix("2001:db8::1/128"));
  CHECK(r.whitelist[2] == *rdnsd::names::parse_prefix("10.1.2.3/32"));
  // A single whitelist entry may stand alone.
  const Config one = load(with_server("  rrl: {rate: 5, whitelist: 198.51.100.0/24}\n"));
  CHECK(one.server.rrl.whitelist.size() == 1);
}

TEST_CASE("errors in server.rrl, with their lines") {
  check_error(with_server("  rrl:\n    rate: 5\n    burst: 3\n"), 5, "burst");
  check_error(with_server("  rrl:\n    rate: -1\n"), 4, "server.rrl.rate");
  check_error(with_server("  rrl:\n    rate: 1000001\n"), 4, "server.rrl.rate");
  check_error(with_server("  rrl:\n    slip: 11\n"), 4, "server.rrl.slip");
  check_error(with_server("  rrl:\n    ipv4-prefix: 33\n"), 4, "server.rrl.ipv4-prefix");
  check_error(with_server("  rrl:\n    ipv6-prefix: 129\n"), 4, "server.rrl.ipv6-prefix");
  check_error(with_server("  rrl:\n    window: 0\n"), 4, "server.rrl.window");
  check_error(with_server("  rrl:\n    table-size: 100\n"), 4, "server.rrl.table-size");
  check_error(with_server("  rrl:\n    whitelist:\n      - 192.0.2.0/24\n      - 192.0.2.1/24\n"),
              6, "server.rrl.whitelist[1]");
  check_error(with_server("  rrl:\n    whitelist: [mail.example.com]\n"), 4,
              "is not an address or a prefix");
  check_error(with_server("  rrl:\n    whitelist: {a: 1}\n"), 4, "server.rrl.whitelist");
  check_error(with_server("  rrl: 5\n"), 3, "server.rrl");
}

TEST_CASE("cookie-secret: one secret, or a list whose first makes the cookies") {
  const Config c = load(with_server("  cookie-secret: E5E973E5A6B2A43F48E7DC849E37BFCF\n"));
  REQUIRE(c.server.cookie_secrets.size() == 1);
  CHECK(c.server.cookie_secrets[0] ==
        std::string("\xe5\xe9\x73\xe5\xa6\xb2\xa4\x3f\x48\xe7\xdc\x84\x9e\x37\xbf\xcf", 16));
  const Config two =
      load(with_server("  cookie-secret:\n"
                       "    - 445536bcd2513298075a5d379663c962\n"
                       "    - dd3bdf9344b678b185a6f5cb60fca715\n"));
  REQUIRE(two.server.cookie_secrets.size() == 2);
  CHECK(two.server.cookie_secrets[1][0] == '\xdd');
}

TEST_CASE("errors in server.cookie-secret, with their lines") {
  check_error(with_server("  cookie-secret: e5e973e5a6b2a43f48e7dc849e37bf\n"), 3,
              "server.cookie-secret must be 32 hex digits");
  check_error(with_server("  cookie-secret: e5e973e5a6b2a43f48e7dc849e37bfcf00\n"), 3,
              "32 hex digits");
  check_error(with_server("  cookie-secret: g5e973e5a6b2a43f48e7dc849e37bfcf\n"), 3,
              "32 hex digits");
  check_error(with_server("  cookie-secret:\n    - e5e973e5a6b2a43f48e7dc849e37bfcf\n    - x\n"), 5,
              "server.cookie-secret[1] must be 32 hex digits");
  check_error(with_server("  cookie-secret: []\n"), 3, "a list of them");
  check_error(with_server("  cookie-secret: {a: b}\n"), 3, "a list of them");
}
