// Reading a synthesized name backwards (synth.h): the template is matched against the
// name with each placeholder taking a run of the characters it can write, trying the
// possible run lengths in turn (templates are short, so this is a handful of tries), and
// the address the runs spell is rendered again to check it is the canonical name.
#include <arpa/inet.h>

#include <cstring>

#include "zonestore/names/synth.h"

namespace rdnsd::names {
namespace {

enum class Kind : uint8_t { Dashed, Hex, Octet };

struct Run {
  Kind kind;
  uint8_t octet;  // Kind::Octet: 0..3
  size_t at, len;
};

constexpr size_t kMaxRuns = 16;

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}
bool digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool hex_digit(char c) noexcept {
  return digit(c) || (c >= 'a' && c <= 'f');
}

int hex_value(char c) noexcept {
  return digit(c) ? c - '0' : c - 'a' + 10;
}

// A decimal octet without leading zeros (canonical: what Text::dec writes).
bool decimal(const char* p, size_t len, uint8_t& out) noexcept {
  if (len == 0 || len > 3 || (len > 1 && p[0] == '0')) return false;
  unsigned v = 0;
  for (size_t i = 0; i < len; ++i) {
    if (!digit(p[i])) return false;
    v = v * 10 + unsigned(p[i] - '0');
  }
  if (v > 255) return false;
  out = uint8_t(v);
  return true;
}

struct Matcher {
  std::string_view tmpl;
  const char* name;  // lower case text, absolute
  size_t name_len;
  uint8_t family;
  std::string_view wire;
  Run runs[kMaxRuns];
  size_t nruns = 0;
  IpAddress* out;

  // The placeholder at tmpl[ti] ('{'): its kind, and the index past its '}'.
  bool placeholder(size_t ti, Kind& kind, uint8_t& octet, size_t& next) const noexcept {
    const size_t close = tmpl.find('}', ti);
    if (close == std::string_view::npos) return false;
    const std::string_view p = tmpl.substr(ti + 1, close - ti - 1);
    next = close + 1;
    if (p == "dashed") {
      kind = Kind::Dashed;
    } else if (p == "hex") {
      kind = Kind::Hex;
    } else if (p.size() == 1 && p[0] >= '1' && p[0] <= '4' && family == 4) {
      kind = Kind::Octet;
      octet = uint8_t(p[0] - '1');
    } else {
      return false;
    }
    return true;
  }

  bool allowed(Kind kind, char c) const noexcept {
    switch (kind) {
      case Kind::Dashed:
        return family == 4 ? digit(c) || c == '-' : hex_digit(c) || c == '-';
      case Kind::Hex:
        return hex_digit(c);
      case Kind::Octet:
        return digit(c);
    }
    return false;
  }

  bool match(size_t ti, size_t ni) noexcept {
    if (ti == tmpl.size()) return ni == name_len && decode();
    if (tmpl[ti] != '{') {
      return ni < name_len && lower(tmpl[ti]) == name[ni] && match(ti + 1, ni + 1);
    }
    Kind kind;
    uint8_t octet = 0;
    size_t next = 0;
    if (nruns == kMaxRuns || !placeholder(ti, kind, octet, next)) return false;
    const size_t max = kind == Kind::Octet ? 3 : kind == Kind::Hex ? 32 : 39;
    for (size_t len = 1; len <= max && ni + len <= name_len; ++len) {
      if (!allowed(kind, name[ni + len - 1])) break;
      if (kind == Kind::Hex && len != (family == 4 ? 8u : 32u)) continue;
      runs[nruns++] = Run{kind, octet, ni, len};
      if (match(next, ni + len)) return true;
      --nruns;
    }
    return false;
  }

  // The address the runs spell, checked by rendering it again.
  bool decode() noexcept {
    IpAddress a;
    a.family = family;
    unsigned known = 0;  // bit per byte of the address
    const unsigned all = family == 4 ? 0xFu : 0xFFFFu;
    for (size_t r = 0; r < nruns; ++r) {
      const Run& run = runs[r];
      const char* p = name + run.at;
      if (run.kind == Kind::Octet) {
        if (!decimal(p, run.len, a.bytes[run.octet])) return false;
        known |= 1u << run.octet;
      } else if (run.kind == Kind::Hex) {
        for (size_t i = 0; i < a.size(); ++i)
          a.bytes[i] = uint8_t(hex_value(p[2 * i]) << 4 | hex_value(p[2 * i + 1]));
        known = all;
      } else if (!dashed(p, run.len, a)) {
        return false;
      } else {
        known = all;
      }
    }
    if (known != all) return false;
    char again[kMaxWireName];
    const size_t n = synth_wire(tmpl, a, again, sizeof again);
    if (n != wire.size()) return false;
    for (size_t i = 0; i < n; ++i)
      if (lower(again[i]) != lower(wire[i])) return false;
    *out = a;
    return true;
  }

  // {dashed}: 192-0-2-7, or the IPv6 groups with '-' for ':' (inet_pton reads them).
  bool dashed(const char* p, size_t len, IpAddress& a) const noexcept {
    if (family == 4) {
      size_t start = 0;
      for (int octet = 0; octet < 4; ++octet) {
        size_t end = start;
        while (end < len && p[end] != '-') ++end;
        if (!decimal(p + start, end - start, a.bytes[size_t(octet)])) return false;
        if ((octet < 3) != (end < len)) return false;
        start = end + 1;
      }
      return true;
    }
    char text[40];
    if (len >= sizeof text) return false;
    for (size_t i = 0; i < len; ++i) text[i] = p[i] == '-' ? ':' : p[i];
    text[len] = '\0';
    return inet_pton(AF_INET6, text, a.bytes.data()) == 1;
  }
};

}  // namespace

bool synth_names_whole_address(std::string_view tmpl, uint8_t family) noexcept {
  if (tmpl.find("{dashed}") != std::string_view::npos ||
      tmpl.find("{hex}") != std::string_view::npos)
    return true;
  if (family != 4) return false;
  for (const char* octet : {"{1}", "{2}", "{3}", "{4}"})
    if (tmpl.find(octet) == std::string_view::npos) return false;
  return true;
}

bool synth_address(std::string_view tmpl, uint8_t family, std::string_view wire,
                   IpAddress& out) noexcept {
  if ((family != 4 && family != 6) || wire.size() > kMaxWireName) return false;
  // The wire name as lower-case text; a label with anything a template cannot write
  // (a dot, an escape) names nothing.
  char text[kMaxWireName + 1];
  size_t len = 0, at = 0;
  while (at < wire.size() && wire[at] != 0) {
    const size_t label = uint8_t(wire[at]);
    if (label > kMaxLabel || at + 1 + label > wire.size()) return false;
    for (size_t i = 0; i < label; ++i) {
      const char c = lower(wire[at + 1 + i]);
      if (!(digit(c) || (c >= 'a' && c <= 'z') || c == '-')) return false;
      text[len++] = c;
    }
    text[len++] = '.';
    at += 1 + label;
  }
  if (len == 0) return false;
  Matcher m{tmpl, text, len, family, wire, {}, 0, &out};
  return m.match(0, 0);
}

}  // namespace rdnsd::names
