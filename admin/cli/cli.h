#pragma once
// rdnsctl: the operator CLI over the admin socket. Argument parsing, batch-file reading
// and output formatting are plain functions here so that they can be tested without a
// server; run() is the whole program.
//
// Exit codes: 0 success; 1 the server refused the request; 2 usage error (bad arguments,
// unreadable or malformed batch file); 3 the socket cannot be reached or the connection
// broke before an answer came; 4 `wait` gave up after its timeout.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "admin/protocol/protocol.h"

namespace rdnsd::admin::cli {

enum Exit : int { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3, kTimedOut = 4 };

constexpr const char* kDefaultSocket = "./var/rdnsd.sock";

// Bad command line or batch input; what() is the message without the "rdnsctl: " prefix.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The socket cannot be reached; what() says the path, the reason and a hint.
class ConnectError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Invocation {
  std::string socket;           // --socket, else $RDNSD_SOCKET, else kDefaultSocket
  bool json = false;            // --json: print the server's answer line unchanged
  std::string command;          // "set", "list", ...; "help" for --help / help
  std::string help_topic;       // help COMMAND
  Json request;                 // the request object to send (batch: without "ops")
  std::string ops;              // batch: the "ops" array as JSON text (read_batch)
  std::string batch_file;       // batch, import: the FILE argument ("-" = standard input)
  Json local = Json::object();  // options for rdnsctl itself, not sent (import --origin)
};

// What rdnsctl knows of its terminal (main fills it in; tests leave it empty).
struct Terminal {
  bool out_tty = false;  // standard output is a terminal: `list` may page
  bool err_tty = false;  // standard error is a terminal: `import` shows progress
  int rows = 0;          // lines on the screen (0: unknown)
  int columns = 0;       // characters per line (0: unknown)
};

// Parses the arguments after argv[0]. `env_socket` is $RDNSD_SOCKET (nullptr if unset).
// Options may come before or after positional arguments; "--" ends the options.
// Numeric option values that are not integers are passed on as strings, so the server
// refuses them with its own code (bad_ttl for a TTL). Throws UsageError.
Invocation parse_args(const std::vector<std::string>& args, const char* env_socket);

// The usage text (all commands, or one command's).
std::string usage(const std::string& command = "");

// Reads a batch: one op per line, either a JSON object ({"op":"set",...}) or CSV
// `ip,name[,ttl[,description]]` (a set; fields may be "quoted" with "" for a quote).
// Blank lines and lines starting with '#' are skipped, and so is a first CSV line whose
// first field is "ip" (a header). `lines` gets the 1-based line number of each op.
// Returns the ops as the text of one JSON array: a JSON line is checked and passed on as
// written (no parse into objects and dump again: a batch of 100,000 lines costs a tenth
// of the time), a CSV line becomes the set object it stands for.
// Throws UsageError("NAME:LINE: reason").
std::string read_batch(std::istream& in, const std::string& name, std::vector<size_t>* lines);

// Reads the resource records of an RFC 1035 master file with ldns ($ORIGIN and $TTL are
// honoured, $INCLUDE is refused) as the "records" of an import request: name, type,
// class, ttl, data (the RDATA text) and line (where the record ends). `origin` (may be
// empty) applies before any $ORIGIN; a relative name with no origin is an error.
// `progress`, if set, is called now and then with the bytes read so far. Reads to the end
// or throws UsageError("NAME:LINE: reason"); an empty file is an error too.
Json read_master_file(std::FILE* in, const std::string& name, const std::string& origin,
                      const std::function<void(uint64_t bytes, size_t records)>& progress);

// status and reload for people (cli_status.cpp).
void print_status(const Json& answer, std::ostream& out);
void print_reload(const Json& answer, std::ostream& out);

// Prints a successful answer for people (tables, key: value lines, one-line summaries).
void print_answer(const std::string& command, const Json& answer, std::ostream& out);

// Whether `lines` lines of output should go through a pager on this terminal: only when
// standard output is a terminal and they do not fit on one screen.
bool should_page(const Terminal& term, size_t lines);
// The pager command: $PAGER when set and not empty, else "less -FRX".
std::string pager_command(const char* env_pager);
// Writes `text` through the pager (popen); false if the pager could not be started.
bool page(const std::string& text, const std::string& command);

// A one-line progress bar on a terminal, redrawn at most ten times a second:
// "reading FILE [#####.....] 45%  12.3 MiB of 27.1 MiB  45000 records". The destructor
// clears the line.
class ProgressBar {
 public:
  // `total` bytes (0: unknown, the bar shows bytes only); `columns` of the terminal.
  ProgressBar(std::ostream& err, std::string label, uint64_t total, int columns);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(uint64_t bytes, size_t records);
  void status(const std::string& text);  // the label and a message instead of the bar
  void clear();

 private:
  void draw(const std::string& line);
  std::ostream& err_;
  std::string label_;
  uint64_t total_;
  int columns_;
  uint64_t last_ms_ = 0;
  bool shown_ = false;
};

// Connects to the admin socket at `path`; returns the descriptor. Throws ConnectError.
int connect_socket(const std::string& path);
// Sends one line, made of `pieces` one after another, and its newline on the connected
// socket `fd` (the pieces are not copied together first). Throws ConnectError.
void send_line(int fd, const std::string& path, std::initializer_list<std::string_view> pieces);
// Sends one request line (made of `pieces`) to the socket at `path` and returns the
// answer line. Throws ConnectError.
std::string round_trip(const std::string& path, std::initializer_list<std::string_view> pieces);

// export: sends the request and writes the zone's lines to `out` as they arrive (with
// `json`: the answer line unchanged), so that a large zone never sits in memory whole.
// Returns the exit code; refusals and broken connections are reported on `err`.
int run_export(const Invocation& inv, std::ostream& out, std::ostream& err);

// wait: asks for the record (an IP) or the zone every 200 ms until its status is
// active (kOk) or error (kRefused, 1), or the timeout passes (kTimedOut). Prints the
// status it ended on. `sleep` waits between asks (tests pass a fake).
int run_wait(const Invocation& inv, std::ostream& out, std::ostream& err,
             const std::function<void(int ms)>& sleep = {});

// The whole program (without argv[0]); returns the exit code.
int run(const std::vector<std::string>& args, const char* env_socket, std::istream& in,
        std::ostream& out, std::ostream& err, const Terminal& term = {});

}  // namespace rdnsd::admin::cli
