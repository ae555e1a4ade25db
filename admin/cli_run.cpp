// rdnsctl's program flow: arguments -> request -> socket -> answer -> output, and the
// batch-file reader.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli.h"

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

Json read_batch(std::istream& in, const std::string& name, std::vector<size_t>* lines) {
  Json ops = Json::array();
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
      Json op = Json::parse(text, nullptr, false);
      if (op.is_discarded() || !op.is_object()) throw fail("not a JSON object");
      ops.push_back(std::move(op));
    } else {
      Json op = csv_op(text, why);
      if (!why.empty()) throw fail(why);
      if (first && lower(op["ip"].get<std::string>()) == "ip") {
        first = false;
        continue;
      }
      ops.push_back(std::move(op));
    }
    first = false;
    if (lines) lines->push_back(n);
  }
  if (in.bad()) throw UsageError("cannot read " + name);
  if (ops.empty()) throw UsageError(name + ": no operations in it");
  return ops;
}

namespace {

// Fills in the batch's ops from its file; returns the file's name for messages.
std::string load_batch(Invocation& inv, std::istream& in, std::vector<size_t>& lines) {
  if (inv.batch_file == "-") {
    inv.request["ops"] = read_batch(in, "<stdin>", &lines);
    return "<stdin>";
  }
  std::ifstream file(inv.batch_file);
  if (!file) throw UsageError("cannot read " + inv.batch_file + ": " + std::strerror(errno));
  inv.request["ops"] = read_batch(file, inv.batch_file, &lines);
  return inv.batch_file;
}

void print_refusal(const Error& e, const std::string& file, const std::vector<size_t>& lines,
                   std::ostream& err) {
  err << "rdnsctl: error: " << e.code << ": " << e.message;
  if (e.index && *e.index < lines.size()) err << " (" << file << " line " << lines[*e.index] << ")";
  err << "\n";
}

}  // namespace

int run(const std::vector<std::string>& args, const char* env_socket, std::istream& in,
        std::ostream& out, std::ostream& err) {
  Invocation inv;
  std::vector<size_t> lines;
  std::string file;
  try {
    inv = parse_args(args, env_socket);
    if (inv.command == "help") {
      out << usage(inv.help_topic);
      return kOk;
    }
    if (inv.command == "batch") file = load_batch(inv, in, lines);
  } catch (const UsageError& e) {
    err << "rdnsctl: " << e.what() << "\nTry 'rdnsctl --help' for more information.\n";
    return kUsage;
  }
  std::string request = inv.request.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (request.size() > kMaxLine) {
    err << "rdnsctl: the request is " << request.size() << " bytes, more than the " << kMaxLine
        << " bytes the server takes in one request; split the batch\n";
    return kUsage;
  }
  std::string line;
  try {
    line = round_trip(inv.socket, request);
  } catch (const ConnectError& e) {
    err << "rdnsctl: " << e.what() << "\n";
    return kUnreachable;
  }
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
  if (!inv.json) print_answer(inv.command, answer->body, out);
  return kOk;
}

}  // namespace rdnsd::admin::cli
