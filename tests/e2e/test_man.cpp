// The man pages as built: each renders with man -l and groff without a warning, and
// rdnsd(8) lists exactly the options `rdnsd --help` prints.
#include <regex>
#include <set>
#include <string>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

std::set<std::string> all(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("man -l renders rdnsd(8), rdnsctl(8) and rdnsd.yaml(5)") {
  const std::pair<const char*, const char*> pages[] = {
      {"rdnsd.8", "rdnsd - authoritative nameserver for reverse DNS"},
      {"rdnsctl.8", "rdnsctl - manage the reverse records of a running rdnsd"},
      {"rdnsd.yaml.5", "rdnsd.yaml - configuration file of the rdnsd reverse-DNS nameserver"}};
  for (const auto& [page, name] : pages) {
    CAPTURE(page);
    const std::string path = std::string(RDNSD_MAN_DIR) + "/" + page;
    auto r = run({"env", "MANPAGER=cat", "MANWIDTH=100", "man", "-l", path});
    INFO(r.describe());
    CHECK(r.ok());
    CHECK(r.out.find(name) != std::string::npos);
    CHECK(r.out.find("SEE ALSO") != std::string::npos);
    // groff's own warnings (-ww), output thrown away (-z).
    auto g = run({"groff", "-man", "-Tutf8", "-ww", "-z", path});
    CHECK(g.ok());
    CHECK(g.err == "");
  }
}

TEST_CASE("rdnsd(8) describes every option of rdnsd --help, and no other") {
  auto help = run({RDNSD_BIN, "--help"});
  REQUIRE(help.ok());
  // Options stand after a space, a '[' or a ',' ("built-in" is no option).
  const auto options = all(help.out, std::regex(R"((?:^|[\s\[,])(--?[a-zA-Z][a-z-]*))"));
  const std::string page = read_file(std::string(RDNSD_SOURCE_DIR) + "/server/rdnsd/rdnsd.8.scd");
  const auto from = page.find("\n# OPTIONS\n"), to = page.find("\n# ", from + 1);
  REQUIRE(from != std::string::npos);
  const auto documented =
      all(page.substr(from, to - from), std::regex(R"(\*(--?[a-zA-Z][a-z-]*)\*)"));
  CHECK(options.count("--check"));
  CHECK(options == documented);
}
