#pragma once
// Shared by the config tests: loading YAML text and checking the error it gives.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"

namespace rdnsd::conf::testing {

// The smallest valid configuration: 6 lines, so additions start on line 7.
inline const std::string kHead =
    "server:\n"
    "  listen: [\"127.0.0.1:5353\"]\n"
    "store:\n"
    "  path: db\n"
    "admin:\n"
    "  socket: sock\n";

// `yaml` loaded as the file t.yaml in the folder /base.
inline Config load(const std::string& yaml) {
  return load_string(yaml, "t.yaml", "/base");
}

// The what() of the ConfigError that loading `yaml` throws ("" if it does not throw).
inline std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Loading `yaml` fails on `line` (0: no line) with a reason containing `reason`.
inline void check_error(const std::string& yaml, int line, const std::string& reason) {
  const std::string what = error_of(yaml);
  const std::string where = line > 0 ? "t.yaml:" + std::to_string(line) + ": " : "t.yaml: ";
  INFO("yaml:\n" << yaml);
  INFO("error: " << what);
  CHECK(what.rfind(where, 0) == 0);
  CHECK(what.find(reason) != std::string::npos);
}

}  // namespace rdnsd::conf::testing
