#pragma once
// dig's text output, parsed: the header line, flags, the OPT pseudo-section and the four
// sections as records. This is what a person sees, so the tests read it the same way.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/support/process.h"

namespace rdnsd::e2e {

struct DigRecord {
  std::string name;  // as printed (absolute, case kept)
  uint32_t ttl = 0;
  std::string cls;                          // IN, CH
  std::string type;                         // PTR, SOA, ...
  std::string rdata;                        // the rest of the line, fields separated by one space
  std::vector<std::string> fields() const;  // rdata split on white space
};

struct DigQuestion {
  std::string name, cls, type;
};

struct DigResult {
  RunResult run;
  bool answered = false;  // a header was printed (dig got a reply)
  std::string opcode, status;
  int id = -1;
  std::set<std::string> flags;  // qr aa tc rd ra ad cd
  int qdcount = -1, ancount = -1, nscount = -1, arcount = -1;
  std::vector<DigQuestion> question;
  std::vector<DigRecord> answer, authority, additional;
  bool edns = false;
  int edns_version = -1;
  std::set<std::string> edns_flags;  // do
  int udp_size = -1;
  std::vector<std::string> opt_lines;  // "NSID: 72 64 ... (\"x\")", "COOKIE: ..."

  bool has_flag(const std::string& f) const { return flags.count(f) != 0; }
  // The first option line that starts with `name` ("NSID", "TCP KEEPALIVE"), or "".
  std::string option(const std::string& name) const;
  // The answer records of one type.
  std::vector<DigRecord> answers(const std::string& type) const;
  // Full command and output, for failure messages.
  std::string describe() const { return run.describe(); }
};

// Parses dig's default output. When dig printed several replies (a retry after TC or
// BADVERS), the last one wins.
DigResult parse_dig(RunResult run);

}  // namespace rdnsd::e2e
