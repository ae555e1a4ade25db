#pragma once
// The allowed differences (tests/e2e/differential/allowed.txt): each rule names the
// queries it is about (attributes of the query), ONE field of the reply, what values
// are allowed there, and why the RFCs allow it. A difference no rule explains fails the
// test.
//
// File format: blocks separated by blank lines; '#' starts a comment line.
//   rule:  a short name
//   when:  key=v1|v2 key!=v3 ...   (all must hold; keys are query attributes and
//                                    "transport"; "*" matches every query)
//   field: the reply fields the rule is about (rcode, flag.aa, answer, edns.size, reply,
//          ...; several separated by spaces)
//   allow: constraints, all must hold:
//            rdnsd=V1|V2         rdnsd's value of the field is one of these
//            ref=V1|V2           the reference's value is one of these
//            rdnsd.FIELD=V1|V2   rdnsd's value of another field is one of these
//            ref.FIELD=V1|V2     the same for the reference's reply
//            ignore-case         the values are equal but for ASCII case
//            zone-rrsets         rdnsd's answer is one or more whole RRsets that the
//                                zone holds at QNAME (RFC 8482 ANY)
//            nsd-agrees          rdnsd's value equals nsd's (for queries where knotd
//                                departs from the RFCs and nsd does not)
//            server-cookie       rdnsd's value is the query's client cookie
//                                (0102030405060708) and an RFC 9018 version 1 server
//                                cookie (version 1, reserved 0, timestamp, hash)
//          Values are written as the failure messages print them; "(absent)" and
//          "(empty)" stand for a missing field and an empty section.
//   why:   the reason, with the RFC section (may continue on indented lines)
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/e2e/differential/outcome.h"
#include "tests/e2e/differential/zones.h"

namespace rdnsd::e2e::diff {

struct Condition {
  std::string key;
  bool negate = false;
  std::set<std::string> values;
};

struct Rule {
  std::string name, why;
  std::set<std::string> fields;
  std::vector<Condition> when;
  std::vector<std::string> allow;
  int line = 0;
  mutable int used = 0;
};

inline std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

inline std::set<std::string> split_bar(const std::string& s) {
  std::set<std::string> out;
  size_t start = 0;
  for (size_t bar; (bar = s.find('|', start)) != std::string::npos; start = bar + 1)
    out.insert(s.substr(start, bar - start));
  out.insert(s.substr(start));
  return out;
}

inline Condition parse_condition(const std::string& word, int line) {
  size_t eq = word.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::runtime_error("allowed.txt:" + std::to_string(line) + ": bad condition " + word);
  Condition c;
  c.negate = word[eq - 1] == '!';
  c.key = word.substr(0, c.negate ? eq - 1 : eq);
  c.values = split_bar(word.substr(eq + 1));
  return c;
}

inline void check_rule(const Rule& r) {
  std::string where = "allowed.txt:" + std::to_string(r.line) + ": ";
  if (r.name.empty() || r.fields.empty() || r.allow.empty() || r.why.empty())
    throw std::runtime_error(where + "a rule needs rule, when, field, allow and why");
  for (const auto& a : r.allow) {
    bool known = a == "ignore-case" || a == "zone-rrsets" || a == "nsd-agrees" ||
                 a == "server-cookie" || a.rfind("rdnsd", 0) == 0 || a.rfind("ref", 0) == 0;
    bool value = a.rfind("rdnsd", 0) == 0 || a.rfind("ref", 0) == 0;
    if (!known || (value && a.find('=') == std::string::npos))
      throw std::runtime_error(where + "unknown constraint " + a);
  }
}

inline std::vector<Rule> parse_rules(const std::string& text) {
  std::vector<Rule> rules;
  Rule cur;
  bool open = false;
  std::string last_key;
  auto close = [&] {
    if (open) {
      check_rule(cur);
      rules.push_back(cur);
    }
    cur = Rule{};
    open = false;
  };
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (!line.empty() && line[0] == '#') continue;
    if (line.find_first_not_of(" \t") == std::string::npos) {
      close();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (last_key != "why")
        throw std::runtime_error("allowed.txt:" + std::to_string(n) + ": only 'why' may continue");
      cur.why += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos)
      throw std::runtime_error("allowed.txt:" + std::to_string(n) + ": expected key: value");
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (!open) cur.line = n;
    open = true;
    last_key = key;
    if (key == "rule")
      cur.name = value;
    else if (key == "field") {
      for (const auto& f : split_ws(value)) cur.fields.insert(f);
    } else if (key == "why")
      cur.why = value;
    else if (key == "allow")
      cur.allow = split_ws(value);
    else if (key == "when") {
      for (const auto& w : split_ws(value))
        if (w != "*") cur.when.push_back(parse_condition(w, n));
    } else {
      throw std::runtime_error("allowed.txt:" + std::to_string(n) + ": unknown key " + key);
    }
  }
  close();
  return rules;
}

// The query as rules see it: its attributes plus the transport.
using Attrs = std::map<std::string, std::string>;

inline bool selects(const Rule& r, const Attrs& attrs) {
  for (const auto& c : r.when) {
    auto it = attrs.find(c.key);
    bool in = it != attrs.end() && c.values.count(it->second);
    if (in == c.negate) return false;
  }
  return true;
}

// RFC 8482 section 4: rdnsd's answer to ANY holds one or more whole RRsets of QNAME's
// node, each exactly as the zone has it.
inline bool whole_rrsets(const Lines& answer, const std::string& qname,
                         const std::multiset<std::string>& held) {
  if (answer.empty()) return false;
  std::map<std::string, int> types_seen, types_held;
  for (const auto& l : held) types_held[split_ws(l)[2]]++;
  std::multiset<std::string> pool = held;
  for (const auto& l : answer) {
    auto words = split_ws(l);
    if (words.size() < 4 || words[0] != qname) return false;
    std::string rest = l.substr(words[0].size() + 1);
    auto it = pool.find(rest);
    if (it == pool.end()) return false;
    pool.erase(it);
    types_seen[words[3]]++;
  }
  for (const auto& [type, count] : types_seen)
    if (types_held[type] != count) return false;
  return true;
}

using ZoneLookup = std::function<std::multiset<std::string>(const std::string& qname)>;

// What a rule can look at for one difference.
struct Context {
  const Outcome& mine;
  const Outcome& ref;
  std::function<const Outcome&()> nsd;  // asks nsd on first use
  std::string qname;
  ZoneLookup zone_rrs;
};

// "rdnsd=V", "ref.rcode=V": which reply, which field (empty: the rule's), which values.
inline bool value_constraint(const std::string& c, const std::string& field, const Context& x) {
  size_t eq = c.find('=');
  std::string who = c.substr(0, eq);
  std::string other;
  size_t dot = who.find('.');
  if (dot != std::string::npos) {
    other = who.substr(dot + 1);
    who = who.substr(0, dot);
  }
  const Outcome& o = who == "rdnsd" ? x.mine : x.ref;
  return split_bar(c.substr(eq + 1)).count(field_text(o, other.empty() ? field : other)) != 0;
}

inline bool allows(const Rule& r, const std::string& field, const Context& x) {
  if (!r.fields.count(field)) return false;
  const std::string a = field_text(x.mine, field), b = field_text(x.ref, field);
  for (const auto& c : r.allow) {
    if (c == "ignore-case") {
      if (lower(a) != lower(b)) return false;
    } else if (c == "zone-rrsets") {
      auto s = x.mine.sections.find(field);
      if (s == x.mine.sections.end() || !whole_rrsets(s->second, x.qname, x.zone_rrs(x.qname)))
        return false;
    } else if (c == "nsd-agrees") {
      if (field_text(x.nsd(), field) != a) return false;
    } else if (c == "server-cookie") {
      if (a.size() != 48 || a.rfind("010203040506070801000000", 0) != 0) return false;
    } else if (!value_constraint(c, field, x)) {
      return false;
    }
  }
  return true;
}

// The rule that explains a difference in `field`, or nullptr.
inline const Rule* explain(const std::vector<Rule>& rules, const Attrs& attrs,
                           const std::string& field, const Context& x) {
  for (const auto& r : rules)
    if (selects(r, attrs) && allows(r, field, x)) return &r;
  return nullptr;
}

}  // namespace rdnsd::e2e::diff
