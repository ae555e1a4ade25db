// The log's lines: text and JSON, the journal's "<N>" prefix, levels, JOURNAL_STREAM.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "logging/log.h"

using namespace rdnsd::logging;

namespace {

// 2026-12-04T21:05:07.042Z
constexpr int64_t kNow = 1796418307042;

// Runs `body` with fd 2 going to a temporary file and returns what was written there.
template <class F>
std::string captured_stderr(F body) {
  char path[] = "/tmp/rdnsd-log-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const int saved = dup(2);
  dup2(fd, 2);
  body();
  dup2(saved, 2);
  close(saved);
  std::string out;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  close(fd);
  unlink(path);
  return out;
}

}  // namespace

TEST_CASE("a text line starts with the time, then the level, message and fields") {
  CHECK(format_line(Level::Notice, "ready", {}, Format::Text, false, kNow) ==
        "2026-12-04T21:05:07.042Z notice: ready\n");
  CHECK(format_line(Level::Info, "set 192.0.2.2: ok",
                    {{"actor", "alice"}, {"op", "set"}, {"serial", "5"}}, Format::Text, false,
                    kNow) ==
        "2026-12-04T21:05:07.042Z info: set 192.0.2.2: ok actor=alice op=set "
        "serial=5\n");
}

TEST_CASE("text field values with spaces, quotes or nothing are quoted") {
  const auto line = format_line(Level::Info, "m", {{"a", "two words"}, {"b", ""}, {"c", "x=\"y\""}},
                                Format::Text, true, kNow);
  CHECK(line == "<6>info: m a=\"two words\" b=\"\" c=\"x=\\\"y\\\"\"\n");
}

TEST_CASE("under the journal a line starts with its syslog priority and has no time") {
  CHECK(format_line(Level::Error, "x", {}, Format::Text, true, kNow) == "<3>error: x\n");
  CHECK(format_line(Level::Warning, "x", {}, Format::Text, true, kNow) == "<4>warning: x\n");
  CHECK(format_line(Level::Notice, "x", {}, Format::Text, true, kNow) == "<5>notice: x\n");
  CHECK(format_line(Level::Info, "x", {}, Format::Text, true, kNow) == "<6>info: x\n");
  CHECK(format_line(Level::Debug, "x", {}, Format::Text, true, kNow) == "<7>debug: x\n");
}

TEST_CASE("a json line is one object: time, level, message, then the fields in order") {
  const auto line = format_line(Level::Info, "set 192.0.2.2: ok",
                                {{"actor", "al\"ice"}, {"op", "set"}}, Format::Json, false, kNow);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto j = nlohmann::ordered_json::parse(line);
  CHECK(
      j.dump() ==
      R"({"time":"2026-12-04T21:05:07.042Z","level":"info","message":"set 192.0.2.2: ok","actor":"al\"ice","op":"set"})");
  // Under the journal the priority comes first, the object after it.
  const auto journal = format_line(Level::Warning, "x", {}, Format::Json, true, kNow);
  CHECK(journal.rfind("<4>{", 0) == 0);
}

TEST_CASE("a newline in a message or a field cannot split the line") {
  // In the message it becomes a space; in a field value it is quoted and escaped.
  CHECK(format_line(Level::Info, "a\nb\r", {{"k", "c\nd"}}, Format::Text, true, kNow) ==
        "<6>info: a b  k=\"c\\nd\"\n");
}

TEST_CASE("level and format names") {
  CHECK(parse_level("error") == Level::Error);
  CHECK(parse_level("warning") == Level::Warning);
  CHECK(parse_level("notice") == Level::Notice);
  CHECK(parse_level("info") == Level::Info);
  CHECK(parse_level("debug") == Level::Debug);
  CHECK_FALSE(parse_level("warn"));
  CHECK_FALSE(parse_level("INFO"));
  CHECK_FALSE(parse_level(""));
  CHECK(std::string(level_name(Level::Warning)) == "warning");
  CHECK(parse_format("text") == Format::Text);
  CHECK(parse_format("json") == Format::Json);
  CHECK_FALSE(parse_format("syslog"));
}

TEST_CASE("lines below the configured level are dropped") {
  const std::string out = captured_stderr([] {
    configure(Level::Notice, Format::Text);
    write(Level::Info, "not this one");
    write(Level::Debug, "nor this one");
    write(Level::Notice, "this one");
    write(Level::Error, "and this one");
    configure(Level::Debug, Format::Json);
    write(Level::Debug, "now debug", {{"k", "v"}});
    configure(Level::Notice, Format::Text);
  });
  CHECK(out.find("not this one") == std::string::npos);
  CHECK(out.find("nor this one") == std::string::npos);
  CHECK(out.find("notice: this one\n") != std::string::npos);
  CHECK(out.find("error: and this one\n") != std::string::npos);
  CHECK(out.find(R"("level":"debug","message":"now debug","k":"v"})") != std::string::npos);
}

TEST_CASE("JOURNAL_STREAM names stderr only when device and inode both match") {
  struct stat st {};
  REQUIRE(fstat(2, &st) == 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(stderr_is_journal());
  setenv("JOURNAL_STREAM", mine.c_str(), 1);
  CHECK(stderr_is_journal());
  setenv("JOURNAL_STREAM",
         (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
  CHECK_FALSE(stderr_is_journal());
  setenv("JOURNAL_STREAM", (mine + "x").c_str(), 1);
  CHECK_FALSE(stderr_is_journal());
  setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK_FALSE(stderr_is_journal());
  unsetenv("JOURNAL_STREAM");
}
