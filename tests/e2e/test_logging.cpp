// What rdnsd writes on stderr: one line per event, with the journal's "<N>" priority when
// JOURNAL_STREAM names its stderr, else a time stamp; log.level and log.format; every
// write with actor, op, address, result and serial; refusals as warnings; no line per
// query.
#include <sys/stat.h>

#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Lines holding `part`.
std::vector<std::string> grep(const std::string& text, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(text))
    if (l.find(part) != std::string::npos) out.push_back(l);
  return out;
}

RdnsdOptions with_log(const std::string& log_lines) {
  RdnsdOptions o;
  o.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 1\n"
      "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n" +
      log_lines + "zones:\n" + kDefaultZones;
  return o;
}

// A TCP AXFR from 127.0.0.1, which no allow-transfer permits.
void refused_axfr(const Rdnsd& d) {
  auto r = d.dig({"+tcp", "AXFR", "2.0.192.in-addr.arpa."});
  INFO(r.describe());
}

}  // namespace

TEST_CASE("under the journal every line starts with its syslog priority and has no time") {
  Rdnsd d;
  d.stop();
  struct stat st {};
  REQUIRE(stat((d.dir() + "/stderr.log").c_str(), &st) == 0);
  const size_t before = d.stderr_text().size();
  RdnsdOptions o;
  o.env = {"JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)};
  d.rewrite_config(o);
  d.start();
  REQUIRE(d.rdnsctl({"set", "192.0.2.2", "mail.example.com."}).ok());
  refused_axfr(d);
  const std::string serial = std::to_string(d.serial("2.0.192.in-addr.arpa."));
  d.stop();
  const std::string text = d.stderr_text().substr(before);
  INFO(text);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() >= 4);
  for (const auto& l : lines) CHECK(std::regex_match(l, std::regex("<[3-7]>[a-z]+: .*")));
  CHECK(grep(text, "<5>notice: starting rdnsd").size() == 1);
  CHECK(grep(text, "<5>notice: ready: answering on").size() == 1);
  const auto set = grep(text, "<6>info: set 192.0.2.2: ok");
  REQUIRE(set.size() == 1);
  CHECK(set[0].find(" op=set address=192.0.2.2 result=ok serial=" + serial) != std::string::npos);
  CHECK(set[0].find(" actor=") != std::string::npos);
  CHECK(grep(text, "<4>warning: AXFR of 2.0.192.in-addr.arpa. to 127.0.0.1").size() == 1);
  CHECK(grep(text, "<5>notice: stopping on Terminated").size() == 1);
  CHECK(grep(text, "<5>notice: stopped").size() == 1);
}

TEST_CASE("without the journal each line starts with an RFC 3339 UTC time stamp") {
  Rdnsd d;
  d.stop();
  const auto lines = lines_of(d.stderr_text());
  REQUIRE(lines.size() >= 3);
  for (const auto& l : lines)
    CHECK(std::regex_match(
        l,
        std::regex("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z "
                   "(error|warning|notice|info|debug): .*")));
}

TEST_CASE("log.format json writes one object per line, writes with their fields") {
  Rdnsd d(with_log("log: { format: json }\n"));
  REQUIRE(d.rdnsctl({"set", "192.0.2.2", "mail.example.com.", "--ttl", "60"}).ok());
  REQUIRE_FALSE(d.rdnsctl({"set", "203.0.113.5", "x.example.com."}).ok());
  const std::string serial = std::to_string(d.serial("2.0.192.in-addr.arpa."));
  d.stop();
  nlohmann::json set, refused;
  for (const auto& l : lines_of(d.stderr_text())) {
    INFO(l);
    nlohmann::json j;
    REQUIRE_NOTHROW(j = nlohmann::json::parse(l));
    CHECK(j.contains("time"));
    CHECK(j.contains("level"));
    CHECK(j.contains("message"));
    if (j.value("op", "") == "set" && j.value("address", "") == "192.0.2.2") set = j;
    if (j.value("op", "") == "set" && j.value("address", "") == "203.0.113.5") refused = j;
  }
  REQUIRE(set.is_object());
  CHECK(set["level"] == "info");
  CHECK(set["result"] == "ok");
  CHECK(set["serial"] == serial);
  CHECK_FALSE(set["actor"].get<std::string>().empty());
  REQUIRE(refused.is_object());
  CHECK(refused["result"] == "not_in_zone");
}

TEST_CASE("log.level warning keeps warnings and errors only, SIGHUP applies a new level") {
  Rdnsd d(with_log("log: { level: warning }\n"));
  REQUIRE(d.rdnsctl({"set", "192.0.2.2", "mail.example.com."}).ok());
  refused_axfr(d);
  std::string text = d.stderr_text();
  INFO(text);
  CHECK(grep(text, "info: ").empty());
  CHECK(grep(text, "notice: ").empty());
  CHECK(grep(text, "warning: AXFR of 2.0.192.in-addr.arpa.").size() == 1);

  d.rewrite_config(with_log("log: { level: info }\n"));
  d.send_signal(SIGHUP);
  for (int i = 0; i < 100 && grep(d.stderr_text(), "notice: reload: log.level").empty(); ++i)
    std::this_thread::sleep_for(Millis(20));
  REQUIRE(d.rdnsctl({"unset", "192.0.2.2"}).ok());
  text = d.stderr_text();
  CHECK(grep(text, "notice: reload: zones created: none;").size() == 1);
  CHECK(grep(text, "notice: reload: log.level: warning -> info").size() == 1);
  CHECK(grep(text, "info: unset 192.0.2.2: ok").size() == 1);
}

TEST_CASE("queries write no log lines, at the debug level too") {
  Rdnsd d(with_log("log: { level: debug }\n"));
  const size_t before = lines_of(d.stderr_text()).size();
  for (int i = 0; i < 20; ++i) {
    d.dig({"-x", "192.0.2.1"});
    d.dig({"-x", "192.0.2.77"});
    d.dig({"+tcp", "-x", "2001:db8::1"});
  }
  CHECK(lines_of(d.stderr_text()).size() == before);
}
