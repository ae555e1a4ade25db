#pragma once
// rdnsd's log: one line per event on stderr. When stderr is the journal (JOURNAL_STREAM
// names its device and inode, sd-daemon(3)) each line starts with the syslog priority
// "<N>" and carries no time stamp (the journal adds one); else it starts with the time
// (RFC 3339, UTC, milliseconds). `text` lines are "LEVEL: MESSAGE key=value ...";
// `json` lines are one object: {"time", "level", "message", then the fields}.
//
// Process-wide: configure() once the config is read (and again on reload); write() is
// thread-safe (each line is one write(2) of the whole line) and drops lines below the
// configured level without formatting them. Nothing here is on the answer path: rdnsd
// logs no line per query.
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rdnsd::logging {

// The syslog priorities (RFC 5424 severity numbers).
enum class Level : uint8_t { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };
enum class Format : uint8_t { Text, Json };

// An event's fields, in order ("actor", "op", "address", "result", "serial").
using Fields = std::vector<std::pair<std::string, std::string>>;

// What libraries are given to log with (a component never writes stderr itself).
using Sink = std::function<void(Level, const std::string& message, const Fields& fields)>;

// "error", "warning", "notice", "info", "debug"; std::nullopt for anything else.
std::optional<Level> parse_level(std::string_view name);
const char* level_name(Level level);
std::optional<Format> parse_format(std::string_view name);

// Lines below `level` are dropped. Until called: notice, text.
void configure(Level level, Format format);
bool enabled(Level level);
// Writes one line (see above) if `level` is enabled.
void write(Level level, std::string_view message, const Fields& fields = {});
// A Sink that writes here.
Sink sink();

// True when fd 2 is the stream JOURNAL_STREAM names ("DEV:INODE", decimal).
bool stderr_is_journal();

// One line as write() makes it, with its newline: `journal` picks the "<N>" prefix,
// else `now` (milliseconds since the epoch) is the time stamp.
std::string format_line(Level level, std::string_view message, const Fields& fields, Format format,
                        bool journal, int64_t now_ms);

}  // namespace rdnsd::logging
