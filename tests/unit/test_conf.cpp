#include <doctest/doctest.h>

#include "config.h"

TEST_CASE("placeholder") {
  CHECK(!rdnsd::conf::default_config_text().empty());
}
