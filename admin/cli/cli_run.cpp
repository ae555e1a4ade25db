// rdnsctl's program flow: arguments -> request -> socket -> answer -> output, and the
// batch-file reader.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

// RFC 4180 fields: separated by commas; a field that starts with '"' runs to the next
// lone '"', and "" inside it stands for one quote.
std::vector<std::string> split_csv(std::string_view line, std::string& why) {
  std::vector<std::string> fields(1);
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && trim(fields.back()).empty() && !was_quoted) {
      fields.back().clear();
      quoted = was_quoted = true;
    } else {
      fields.back() += c;
    }
  }
  if (quoted) why = "a quoted field is not closed";
  return fields;
}

Json number_or_text(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (!text.empty() && errno == 0 && end && *end == '\0') return int64_t(n);
  return text;
}

Json csv_op(std::string_view line, std::string& why) {
  std::vector<std::string> f = split_csv(line, why);
  if (!why.empty()) return nullptr;
  if (f.size() < 2 || f.size() > 4) {
    why = "expected ip,name[,ttl[,description]] (quote a description that holds commas)";
    return nullptr;
  }
  Json op = {{"op", "set"}, {"ip", trim(f[0])}, {"name", trim(f[1])}};
  if (f.size() >= 3 && !trim(f[2]).empty()) op["ttl"] = number_or_text(trim(f[2]));
  if (f.size() == 4) op["description"] = f[3];
  return op;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string read_batch(std::istream& in, const std::string& name, std::vector<size_t>* lines) {
  std::string ops = "[";
  std::string line;
  bool first = true;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    auto fail = [&](const std::string& why) {
      return UsageError(name + ":" + std::to_string(n) + ": " + why);
    };
    std::string why;
    if (text[0] == '{') {
      // A valid JSON text that starts with '{' is one object.
      if (!Json::accept(text)) throw fail("not a JSON object");
      if (ops.size() > 1) ops += ',';
      ops += text;
    } else {
      Json op = csv_op(text, why);
      if (!why.empty()) throw fail(why);
      if (first && lower(op["ip"].get<std::string>()) == "ip") {
        first = false;
        continue;
      }
      if (ops.size() > 1) ops += ',';
      ops += op.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    first = false;
    if (lines) lines->push_back(n);
  }
  if (in.bad()) throw UsageError("cannot read " + name);
  if (ops.size() == 1) throw UsageError(name + ": no operations in it");
  ops += ']';
  return ops;
}

namespace {

// Fills in the batch's ops from its file; returns the file's name for messages.
std::string load_batch(Invocation& inv, std::istream& in, std::vector<size_t>& lines) {
  if (inv.batch_file == "-") {
    inv.ops = read_batch(in, "<stdin>", &lines);
    return "<stdin>";
  }
  std::ifstream file(inv.batch_file);
  if (!file) throw UsageError("cannot read " + inv.batch_file + ": " + std::strerror(errno));
  inv.ops = read_batch(file, inv.batch_file, &lines);
  return inv.batch_file;
}

// Fills in the import's records from its master file (with a progress bar on a terminal);
// `lines` gets the file line of each record.
std::string load_import(Invocation& inv, std::vector<size_t>& lines, std::ostream& err,
                        const Terminal& term, std::unique_ptr<ProgressBar>& bar) {
  bool stdin_file = inv.batch_file == "-";
  std::string name = stdin_file ? "<stdin>" : inv.batch_file;
  std::FILE* in = stdin_file ? stdin : std::fopen(inv.batch_file.c_str(), "r");
  if (!in) throw UsageError("cannot read " + inv.batch_file + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(stdin_file ? nullptr : in, std::fclose);
  struct stat st {};
  uint64_t size = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? uint64_t(st.st_size) : 0;
  std::function<void(uint64_t, size_t)> progress;
  if (term.err_tty) {
    bar = std::make_unique<ProgressBar>(err, "reading " + name, size, term.columns);
    progress = [&](uint64_t bytes, size_t records) { bar->update(bytes, records); };
  }
  Json records = read_master_file(in, name, inv.local.value("origin", ""), progress);
  for (const Json& r : records) lines.push_back(r.value("line", size_t(0)));
  if (bar) bar->status("sending " + std::to_string(records.size()) + " records to rdnsd ...");
  inv.request["records"] = std::move(records);
  return name;
}

// Long output on a terminal goes through the pager.
void print_paged(const std::string& text, std::ostream& out, const Terminal& term) {
  size_t lines = size_t(std::count(text.begin(), text.end(), '\n'));
  if (should_page(term, lines) && page(text, pager_command(std::getenv("PAGER")))) return;
  out << text;
}

void print_refusal(const Error& e, const std::string& file, const std::vector<size_t>& lines,
                   std::ostream& err) {
  err << "rdnsctl: error: " << e.code << ": " << e.message;
  if (e.index && *e.index < lines.size()) err << " (" << file << " line " << lines[*e.index] << ")";
  err << "\n";
}

// What an invocation sends: a batch's line is the request object with its "ops" array as
// read_batch wrote it, i.e. `head`, then `inv.ops` and `tail`, sent one after another.
struct RequestParts {
  std::string head;
  std::string_view tail;
};

RequestParts request_parts(const Invocation& inv) {
  RequestParts parts{inv.request.dump(-1, ' ', false, Json::error_handler_t::replace), {}};
  if (!inv.ops.empty()) {
    parts.head.pop_back();
    parts.head += parts.head.size() > 1 ? ",\"ops\":" : "\"ops\":";
    parts.tail = "}";
  }
  return parts;
}

// Sends the request and reads the answer line into `line`; the progress bar (if any) is
// gone when it returns. Returns kOk, or the exit code of a request too large to send or
// a server that cannot be reached.
int send_request(const Invocation& inv, std::string& line, std::unique_ptr<ProgressBar>& bar,
                 std::ostream& err) {
  RequestParts parts = request_parts(inv);
  size_t size = parts.head.size() + inv.ops.size() + parts.tail.size();
  if (size > kMaxLine) {
    bar.reset();
    err << "rdnsctl: the request is " << size << " bytes, more than the " << kMaxLine
        << " bytes the server takes in one request; split the " << inv.command << "\n";
    return kUsage;
  }
  try {
    line = round_trip(inv.socket, {parts.head, inv.ops, parts.tail});
  } catch (const ConnectError& e) {
    bar.reset();
    err << "rdnsctl: " << e.what() << "\n";
    return kUnreachable;
  }
  bar.reset();
  return kOk;
}

// Prints the server's answer line (as JSON, or for people) and its warnings; returns
// the exit code. `file` and `lines` place a refused batch or import op in its file.
int report(const Invocation& inv, const std::string& line, const std::string& file,
           const std::vector<size_t>& lines, std::ostream& out, std::ostream& err,
           const Terminal& term) {
  std::string why;
  auto answer = parse_answer(line, &why);
  if (!answer) {
    err << "rdnsctl: the server's answer cannot be read: " << why << "\n";
    return kUnreachable;
  }
  if (inv.json) out << line << "\n";
  if (auto w = answer->body.find("warnings"); answer->ok && w != answer->body.end())
    for (const Json& text : *w)
      err << "rdnsctl: warning: " << (text.is_string() ? text.get<std::string>() : text.dump())
          << "\n";
  if (!answer->ok) {
    print_refusal(answer->error, file, lines, err);
    return kRefused;
  }
  if (inv.json) return kOk;
  if (inv.command != "list") {
    print_answer(inv.command, answer->body, out);
    return kOk;
  }
  std::ostringstream text;
  print_answer(inv.command, answer->body, text);
  print_paged(text.str(), out, term);
  return kOk;
}

}  // namespace

int run(const std::vector<std::string>& args, const char* env_socket, std::istream& in,
        std::ostream& out, std::ostream& err, const Terminal& term) {
  Invocation inv;
  std::vector<size_t> lines;
  std::string file;
  std::unique_ptr<ProgressBar> bar;
  try {
    inv = parse_args(args, env_socket);
    if (inv.command == "help") {
      out << usage(inv.help_topic);
      return kOk;
    }
    if (inv.command == "export") return run_export(inv, out, err);
    if (inv.command == "wait") return run_wait(inv, out, err);
    if (inv.command == "batch") file = load_batch(inv, in, lines);
    if (inv.command == "import") file = load_import(inv, lines, err, term, bar);
  } catch (const UsageError& e) {
    bar.reset();
    err << "rdnsctl: " << e.what() << "\nTry 'rdnsctl --help' for more information.\n";
    return kUsage;
  }
  std::string line;
  if (int rc = send_request(inv, line, bar, err); rc != kOk) return rc;
  return report(inv, line, file, lines, out, err, term);
}

}  // namespace rdnsd::admin::cli
