// The "DNS Reverse" page in a real browser: headless Chromium driven by Selenium
// (tests/e2e/support/web_check.py) against a real rdnsd.
#include <doctest/doctest.h>

#include "tests/e2e/support/e2e.h"
#include "tests/e2e/support/http.h"

using namespace rdnsd::e2e;

TEST_CASE("the DNS Reverse page: sign in, set, see Active and dig, edit, detail, unset, errors") {
  const uint16_t http_port = free_port();
  Rdnsd d(http_options(http_port));
  wait_http(d, http_port);
  const std::string token =
      add_token(d, "tenant", {"--scope", "write", "--prefix", "192.0.2.0/26"});
  RunOptions ro;
  ro.timeout = Millis(90000);
  RunResult r =
      run({"/usr/bin/python3", RDNSD_SOURCE_DIR "/tests/e2e/support/web_check.py",
           "http://127.0.0.1:" + std::to_string(http_port), token, std::to_string(d.port())},
          ro);
  CHECK_MESSAGE(r.ok(), r.describe());
  // What the page did is what the server holds.
  CHECK(d.dig({"-x", "192.0.2.5"}).status == "NXDOMAIN");
  CHECK(d.dig({"-x", "192.0.2.200"}).status == "NXDOMAIN");
}
