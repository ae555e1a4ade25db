#pragma once
// Small helpers shared by the bench tools: building DNS queries from "NAME TYPE" lines
// and reading the few answer fields the tools check. Not used by rdnsd itself.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

// Query types the query files use.
inline std::optional<uint16_t> qtype_code(std::string_view t) {
  if (t == "A") return 1;
  if (t == "NS") return 2;
  if (t == "SOA") return 6;
  if (t == "PTR") return 12;
  if (t == "TXT") return 16;
  if (t == "AAAA") return 28;
  if (t == "ANY") return 255;
  return std::nullopt;
}

// Appends NAME in wire form; false if a label is empty or too long.
inline bool append_name(std::string& out, std::string_view name) {
  if (name == ".") {
    out.push_back(0);
    return true;
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t start = out.size();
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return false;
    out.push_back(char(label.size()));
    out.append(label);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  out.push_back(0);
  return out.size() - start <= 255;
}

// A DNS query (header + one question) for "NAME TYPE", ID 0, RD clear; with `edns`, an
// OPT RR advertising 1232 bytes (RFC 6891).
inline std::optional<std::string> make_query(std::string_view line, bool edns) {
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string_view::npos) return std::nullopt;
  std::string_view name = line.substr(0, sp);
  std::string_view type = line.substr(line.find_first_not_of(" \t", sp));
  while (!type.empty() && (type.back() == '\r' || type.back() == ' ')) type.remove_suffix(1);
  auto code = qtype_code(type);
  if (!code) return std::nullopt;
  std::string q(12, '\0');
  q[5] = 1;             // QDCOUNT
  if (edns) q[11] = 1;  // ARCOUNT
  if (!append_name(q, name)) return std::nullopt;
  q.push_back(char(*code >> 8));
  q.push_back(char(*code & 0xFF));
  q.push_back(0);
  q.push_back(1);  // IN
  if (edns) {
    const char opt[] = {0, 0, 41, 0x04, static_cast<char>(0xD0), 0, 0, 0, 0, 0, 0};
    q.append(opt, sizeof opt);
  }
  return q;
}

inline uint16_t get16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}

// Length of the question section of a message whose question starts at offset 12, or 0
// if it does not parse (uncompressed names only, as in a query echo).
inline size_t question_length(const uint8_t* msg, size_t len) {
  size_t pos = 12;
  while (pos < len) {
    uint8_t l = msg[pos];
    if (l == 0) return pos + 1 + 4 <= len ? pos + 1 + 4 - 12 : 0;
    if (l > 63) return 0;
    pos += 1 + l;
  }
  return 0;
}

inline const char* rcode_name(unsigned rc) {
  static const char* names[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
                                "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RC11",
                                "RC12",     "RC13",    "RC14",     "RC15"};
  return names[rc & 15];
}

inline int rcode_number(std::string_view s) {
  for (unsigned i = 0; i < 16; ++i)
    if (s == rcode_name(i)) return int(i);
  return -1;
}

}  // namespace bench
