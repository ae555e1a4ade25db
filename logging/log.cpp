#include "logging/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace rdnsd::logging {
namespace {

std::atomic<uint8_t> g_level{uint8_t(Level::Notice)};
std::atomic<uint8_t> g_format{uint8_t(Format::Text)};

// Whether stderr is the journal, decided once (the stream does not change under us).
bool journal() {
  static const bool is = stderr_is_journal();
  return is;
}

constexpr const char* kNames[] = {"error", "warning", "notice", "info", "debug"};

// "2026-12-04T21:05:00.123Z"
std::string timestamp(int64_t now_ms) {
  const std::time_t secs = std::time_t(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(now_ms % 1000));
  return buf;
}

// A field's value in text lines: as it is, or quoted (JSON style) when it has spaces,
// quotes, '=' or control characters, or is empty, so that a line splits unambiguously.
std::string text_value(const std::string& v) {
  bool plain = !v.empty();
  for (unsigned char c : v) plain = plain && c > ' ' && c != '"' && c != '=' && c != 0x7f;
  return plain ? v
               : nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  for (uint8_t i = 0; i < 5; ++i)
    if (name == kNames[i]) return Level(i + 3);
  return std::nullopt;
}

const char* level_name(Level level) {
  const unsigned i = unsigned(level) - 3;
  return i < 5 ? kNames[i] : "debug";
}

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::Text;
  if (name == "json") return Format::Json;
  return std::nullopt;
}

void configure(Level level, Format format) {
  g_level = uint8_t(level);
  g_format = uint8_t(format);
}

bool enabled(Level level) {
  return uint8_t(level) <= g_level.load(std::memory_order_relaxed);
}

bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

std::string format_line(Level level, std::string_view message, const Fields& fields, Format format,
                        bool journal, int64_t now_ms) {
  std::string line;
  if (journal) line = "<" + std::to_string(unsigned(level)) + ">";
  if (format == Format::Json) {
    nlohmann::ordered_json j;
    j["time"] = timestamp(now_ms);
    j["level"] = level_name(level);
    j["message"] = std::string(message);
    for (const auto& [k, v] : fields) j[k] = v;
    line += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    if (!journal) line += timestamp(now_ms) + " ";
    line += level_name(level);
    line += ": ";
    line += message;
    for (const auto& [k, v] : fields) line += " " + k + "=" + text_value(v);
  }
  // One event, one line: a newline inside a message would split it.
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  line += '\n';
  return line;
}

void write(Level level, std::string_view message, const Fields& fields) {
  if (!enabled(level)) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string line =
      format_line(level, message, fields, Format(g_format.load()), journal(), now);
  // One write(2) per line, so lines of different threads never interleave.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += size_t(n);
  }
}

Sink sink() {
  return [](Level level, const std::string& message, const Fields& fields) {
    write(level, message, fields);
  };
}

}  // namespace rdnsd::logging
