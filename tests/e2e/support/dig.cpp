#include "tests/e2e/support/dig.h"

#include <regex>
#include <sstream>

namespace rdnsd::e2e {
namespace {

enum class Section { None, Opt, Question, Answer, Authority, Additional };

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void parse_header(const std::string& line, DigResult& r) {
  static const std::regex re(R"(opcode: (\S+), status: (\S+), id: (\d+))");
  std::smatch m;
  if (std::regex_search(line, m, re)) {
    r.opcode = m[1];
    r.status = m[2];
    r.id = std::stoi(m[3]);
  }
}

void parse_flags(const std::string& line, DigResult& r) {
  // ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1"
  auto colon = line.find(':');
  auto semi = line.find(';', colon);
  if (colon == std::string::npos || semi == std::string::npos) return;
  for (const auto& f : split_ws(line.substr(colon + 1, semi - colon - 1))) r.flags.insert(f);
  static const std::regex re(R"(QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+))");
  std::smatch m;
  if (std::regex_search(line, m, re)) {
    r.qdcount = std::stoi(m[1]);
    r.ancount = std::stoi(m[2]);
    r.nscount = std::stoi(m[3]);
    r.arcount = std::stoi(m[4]);
  }
}

void parse_opt(const std::string& line, DigResult& r) {
  // "; EDNS: version: 0, flags: do; udp: 1232"; other lines are options.
  std::string body = trim(line.substr(line.find_first_not_of(';')));
  static const std::regex re(R"(EDNS: version: (\d+), flags:([^;]*); (?:MBZ: [^,]+, )?udp: (\d+))");
  std::smatch m;
  if (std::regex_search(body, m, re)) {
    r.edns = true;
    r.edns_version = std::stoi(m[1]);
    for (const auto& f : split_ws(m[2])) r.edns_flags.insert(f);
    r.udp_size = std::stoi(m[3]);
  } else if (!body.empty()) {
    r.opt_lines.push_back(body);
  }
}

bool parse_record(const std::string& line, DigRecord& rec) {
  std::istringstream in(line);
  std::string ttl;
  if (!(in >> rec.name >> ttl >> rec.cls >> rec.type)) return false;
  try {
    rec.ttl = static_cast<uint32_t>(std::stoul(ttl));
  } catch (...) {
    return false;
  }
  std::string rest;
  std::getline(in, rest);
  std::string joined;
  // Keep quoted strings intact but collapse the white space between fields.
  bool quoted = false;
  bool space = false;
  for (char c : trim(rest)) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == ' ' || c == '\t')) {
      space = true;
      continue;
    }
    if (space && !joined.empty()) joined += ' ';
    space = false;
    joined += c;
  }
  rec.rdata = joined;
  return true;
}

void parse_question(const std::string& line, DigResult& r) {
  auto words = split_ws(line.substr(1));  // drop the leading ';'
  if (words.size() >= 3) r.question.push_back({words[0], words[1], words[2]});
}

Section section_of(const std::string& line) {
  if (line.rfind(";; OPT PSEUDOSECTION", 0) == 0) return Section::Opt;
  if (line.rfind(";; QUESTION SECTION", 0) == 0) return Section::Question;
  if (line.rfind(";; ANSWER SECTION", 0) == 0) return Section::Answer;
  if (line.rfind(";; AUTHORITY SECTION", 0) == 0) return Section::Authority;
  if (line.rfind(";; ADDITIONAL SECTION", 0) == 0) return Section::Additional;
  return Section::None;
}

void parse_line(const std::string& line, Section section, DigResult& r) {
  switch (section) {
    case Section::Opt:
      parse_opt(line, r);
      break;
    case Section::Question:
      parse_question(line, r);
      break;
    case Section::Answer:
    case Section::Authority:
    case Section::Additional: {
      if (line[0] == ';') return;
      DigRecord rec;
      if (!parse_record(line, rec)) return;
      auto& list = section == Section::Answer      ? r.answer
                   : section == Section::Authority ? r.authority
                                                   : r.additional;
      list.push_back(rec);
      break;
    }
    case Section::None:
      break;
  }
}

}  // namespace

std::vector<std::string> DigRecord::fields() const {
  return split_ws(rdata);
}

std::string DigResult::option(const std::string& name) const {
  for (const auto& l : opt_lines)
    if (l.rfind(name, 0) == 0) return l;
  return "";
}

std::vector<DigRecord> DigResult::answers(const std::string& type) const {
  std::vector<DigRecord> out;
  for (const auto& r : answer)
    if (r.type == type) out.push_back(r);
  return out;
}

DigResult parse_dig(RunResult run) {
  DigResult r;
  std::istringstream in(run.out);
  Section section = Section::None;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find("->>HEADER<<-") != std::string::npos) {
      DigResult fresh;  // a later reply replaces an earlier one
      r = fresh;
      r.answered = true;
      parse_header(line, r);
      section = Section::None;
      continue;
    }
    if (line.rfind(";; flags:", 0) == 0) {
      parse_flags(line, r);
      continue;
    }
    if (line.empty()) {
      section = Section::None;
      continue;
    }
    if (Section s = section_of(line); s != Section::None) {
      section = s;
      continue;
    }
    parse_line(line, section, r);
  }
  r.run = std::move(run);
  return r;
}

}  // namespace rdnsd::e2e
