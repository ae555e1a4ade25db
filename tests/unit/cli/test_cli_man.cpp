// rdnsctl(8) documents exactly the commands and options of `rdnsctl help`.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "admin/cli/cli.h"

using namespace rdnsd::admin;

namespace {

std::string man_page() {
  std::ifstream in(std::string(RDNSD_SOURCE_DIR) + "/admin/rdnsctl/rdnsctl.8.scd");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text between the line "# NAME" and the next "# " heading.
std::string section(const std::string& page, const std::string& name) {
  const auto start = page.find("\n# " + name + "\n");
  REQUIRE(start != std::string::npos);
  const auto end = page.find("\n# ", start + 1);
  return page.substr(start, end - start);
}

std::set<std::string> all(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("rdnsctl(8) lists the commands of rdnsctl help, and no others") {
  const std::string help = cli::usage();
  const auto from = help.find("commands:\n"), to = help.find("\noptions:");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::set<std::string> commands =
      all(help.substr(from, to - from), std::regex(R"(\n  ([a-z][a-z-]*))"));
  const std::set<std::string> documented =
      all(section(man_page(), "COMMANDS"), std::regex(R"(\n\*([a-z][a-z-]*)\*)"));
  CHECK(commands.count("status"));
  CHECK(commands.count("reload"));
  CHECK(commands == documented);
}

TEST_CASE("rdnsctl(8) names every option of rdnsctl help, and no others") {
  const std::set<std::string> options = all(cli::usage(), std::regex(R"((--[a-z][a-z-]*))"));
  const std::set<std::string> documented = all(man_page(), std::regex(R"(\*(--[a-z][a-z-]*)\*)"));
  CHECK(options.count("--socket"));
  CHECK(options.count("--ttl"));
  CHECK(options == documented);
  // Each command's own help names only options the page gives that command.
  for (const std::string c : {"set", "list", "zone-add", "import", "wait"}) {
    CAPTURE(c);
    const auto own = all(cli::usage(c), std::regex(R"((--[a-z][a-z-]*))"));
    const std::string page = section(man_page(), "COMMANDS");
    const auto at = page.find("\n*" + c + "*");
    REQUIRE(at != std::string::npos);
    const std::string entry = page.substr(at, page.find("\n\n", at) - at);
    for (const auto& o : own)
      if (o != "--socket" && o != "--json" && o != "--help")
        CHECK_MESSAGE(entry.find("*" + o + "*") != std::string::npos, o);
  }
}
