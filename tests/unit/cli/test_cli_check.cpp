// rdnsctl check: its arguments and its output for people.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "admin/cli/cli.h"

using namespace rdnsd;

namespace {

std::string printed(const std::string& answer) {
  std::ostringstream out;
  admin::cli::print_answer("check", admin::Json::parse(answer), out);
  return out.str();
}

}  // namespace

TEST_CASE("rdnsctl check: an IP or --zone, and the output for people") {
  using admin::Json;
  auto parse = [](const std::vector<std::string>& args) {
    return admin::cli::parse_args(args, nullptr);
  };
  CHECK(parse({"check", "192.0.2.25"}).request == Json{{"op", "check"}, {"ip", "192.0.2.25"}});
  CHECK(parse({"check", "--zone", "192.0.2.0/24"}).request ==
        Json{{"op", "check"}, {"zone", "192.0.2.0/24"}});
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"check"},
                                              {"check", "192.0.2.1", "--zone", "z."},
                                              {"check", "192.0.2.1", "192.0.2.2"}}) {
    CHECK_THROWS_AS(parse(bad), admin::cli::UsageError);
  }
  CHECK(parse({"zone-add", "10.0.0.0/8", "--fcrdns", "require"}).request["fcrdns"] == "require");

  CHECK(
      printed(
          R"({"ok":true,"ip":"192.0.2.25","ptr":"mail.example.test.","zone":"2.0.192.in-addr.arpa.","a":["192.0.2.25"],"aaaa":["2001:db8::25"],"confirmed":true,"state":"confirmed","reason":"r","fcrdns":"require"})") ==
      "ip:        192.0.2.25\n"
      "ptr:       mail.example.test.\n"
      "a:         192.0.2.25\n"
      "aaaa:      2001:db8::25\n"
      "confirmed: yes\n"
      "reason:    r\n"
      "zone:      2.0.192.in-addr.arpa.\n"
      "fcrdns:    require\n");
  CHECK(
      printed(
          R"({"ok":true,"zone":"2.0.192.in-addr.arpa.","fcrdns":"warn","records":[{"ip":"192.0.2.25","ptr":"mail.example.test.","state":"confirmed","reason":"ok"},{"ip":"192.0.2.26","ptr":"bad.example.test.","state":"unconfirmed","reason":"no"}],"total":2,"confirmed":1,"unconfirmed":1,"unresolvable":0})") ==
      "IP          PTR                 STATE        REASON\n"
      "192.0.2.25  mail.example.test.  confirmed    ok\n"
      "192.0.2.26  bad.example.test.   unconfirmed  no\n"
      "zone 2.0.192.in-addr.arpa. (fcrdns warn): 2 records, 1 confirmed, 1 unconfirmed, 0 "
      "unresolvable\n");
}
