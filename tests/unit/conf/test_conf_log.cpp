// The `log` section: level and format, their defaults, and every bad value refused with
// its line.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"

using namespace rdnsd;
using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;

TEST_CASE("without a log section rdnsd logs text at info") {
  Config c = load(kHead);
  CHECK(c.log.level == logging::Level::Info);
  CHECK(c.log.format == logging::Format::Text);
  // The shipped file says the same.
  CHECK(load_default().log == c.log);
}

TEST_CASE("log.level and log.format take every documented value") {
  const std::pair<const char*, logging::Level> levels[] = {{"error", logging::Level::Error},
                                                           {"warning", logging::Level::Warning},
                                                           {"notice", logging::Level::Notice},
                                                           {"info", logging::Level::Info},
                                                           {"debug", logging::Level::Debug}};
  for (const auto& [name, level] : levels) {
    CAPTURE(name);
    CHECK(load(kHead + "log:\n  level: " + name + "\n").log.level == level);
  }
  CHECK(load(kHead + "log: {format: json}\n").log.format == logging::Format::Json);
  CHECK(load(kHead + "log: {format: text, level: warning}\n").log ==
        LogConf{logging::Level::Warning, logging::Format::Text});
}

TEST_CASE("bad log values are refused with their line") {
  check_error(kHead + "log:\n  level: verbose\n", 8,
              "log.level must be error, warning, notice, info or debug");
  check_error(kHead + "log:\n  level: INFO\n", 8, "log.level must be");
  check_error(kHead + "log:\n  level: [info]\n", 8, "log.level must be a string");
  check_error(kHead + "log:\n  format: syslog\n", 8, "log.format must be text or json");
  check_error(kHead + "log:\n  levl: info\n", 8,
              "unknown key 'levl' in log (expected level, format)");
  check_error(kHead + "log: info\n", 7, "log must be a map of keys");
}
