#pragma once
// rdnsctl: the operator CLI over the admin socket. Argument parsing, batch-file reading
// and output formatting are plain functions here so that they can be tested without a
// server; run() is the whole program.
//
// Exit codes: 0 success; 1 the server refused the request; 2 usage error (bad arguments,
// unreadable or malformed batch file); 3 the socket cannot be reached or the connection
// broke before an answer came.
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol.h"

namespace rdnsd::admin::cli {

enum Exit : int { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3 };

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
  std::string socket;      // --socket, else $RDNSD_SOCKET, else kDefaultSocket
  bool json = false;       // --json: print the server's answer line unchanged
  std::string command;     // "set", "list", ...; "help" for --help / help
  std::string help_topic;  // help COMMAND
  Json request;            // the request object to send (batch: without "ops" yet)
  std::string batch_file;  // batch: the FILE argument ("-" = standard input)
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
// Throws UsageError("NAME:LINE: reason").
Json read_batch(std::istream& in, const std::string& name, std::vector<size_t>* lines);

// Prints a successful answer for people (tables, key: value lines, one-line summaries).
void print_answer(const std::string& command, const Json& answer, std::ostream& out);

// Sends one request line to the socket at `path` and returns the answer line.
// Throws ConnectError.
std::string round_trip(const std::string& path, const std::string& line);

// The whole program (without argv[0]); returns the exit code.
int run(const std::vector<std::string>& args, const char* env_socket, std::istream& in,
        std::ostream& out, std::ostream& err);

}  // namespace rdnsd::admin::cli
