#include "zonestore/names/synth.h"

#include <cstring>

namespace rdnsd::names {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// A bounded text buffer with a sticky overflow.
struct Text {
  char* p;
  size_t cap, len = 0;
  bool ok = true;
  void put(char c) noexcept {
    if (len < cap)
      p[len++] = c;
    else
      ok = false;
  }
  void put(std::string_view s) noexcept {
    for (char c : s) put(c);
  }
  void dec(unsigned v) noexcept {
    char d[3];
    int n = 0;
    do {
      d[n++] = char('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < 3);
    while (n > 0) put(d[--n]);
  }
};

uint16_t group(const IpAddress& a, int i) noexcept {
  return uint16_t(a.bytes[size_t(2 * i)] << 8 | a.bytes[size_t(2 * i + 1)]);
}

// One IPv6 group without leading zeros (at least one digit), as Knot's block_write.
void put_group(Text& t, uint16_t g) noexcept {
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (g >> shift) & 15;
    if (nibble != 0 || started || shift == 0) {
      t.put(kHex[nibble]);
      started = true;
    }
  }
}

// Knot 3.2's reverse-short form (src/knot/modules/synthrecord): the compressed run
// starts at the first group i in 2..5 where groups i and i+1 are both zero and ends at
// the first group after it where that no longer holds (that group is left out too).
void put_dashed6(Text& t, const IpAddress& a) noexcept {
  int start = -1, end = -1;
  for (int i = 0; i < 8; ++i) {
    const bool pair = i > 1 && i < 6 && group(a, i) == 0 && group(a, i + 1) == 0;
    if (pair) {
      if (start == -1) start = i;
    } else if (start != -1 && end == -1) {
      end = i;
    }
  }
  for (int i = 0; i < 8; ++i) {
    if (start == -1 || i < start || i > end) {
      put_group(t, group(a, i));
      if (i < 7) t.put('-');
    } else if (i == end) {
      t.put('-');
    }
  }
}

void put_dashed(Text& t, const IpAddress& a) noexcept {
  if (a.family == 4) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) t.put('-');
      t.dec(a.bytes[size_t(i)]);
    }
    return;
  }
  put_dashed6(t, a);
}

// Renders the template as text into `t`; false on an unknown placeholder.
bool render(std::string_view tmpl, const IpAddress& a, Text& t) noexcept {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      t.put(tmpl[i]);
      continue;
    }
    const size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) return false;
    const std::string_view name = tmpl.substr(i + 1, close - i - 1);
    if (name == "dashed") {
      put_dashed(t, a);
    } else if (name == "hex") {
      for (size_t b = 0; b < a.size(); ++b) {
        t.put(kHex[a.bytes[b] >> 4]);
        t.put(kHex[a.bytes[b] & 15]);
      }
    } else if (name.size() == 1 && name[0] >= '1' && name[0] <= '4' && a.family == 4) {
      t.dec(a.bytes[size_t(name[0] - '1')]);
    } else {
      return false;
    }
    i = close;
  }
  return true;
}

bool host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

size_t synth_wire(std::string_view tmpl, const IpAddress& addr, char* out, size_t cap) noexcept {
  if (addr.family != 4 && addr.family != 6) return 0;
  char text[kMaxSynthTemplate + 64];
  Text t{text, sizeof text};
  if (!render(tmpl, addr, t) || !t.ok || t.len == 0 || text[t.len - 1] != '.') return 0;
  // Text to wire: each label's length, then its octets; host-name characters only, no
  // label starting or ending with '-'.
  size_t w = 0, label_at = 0;
  for (size_t i = 0; i <= t.len - 1; ++i) {
    if (i == 0 || text[i - 1] == '.') {
      label_at = w;
      if (w >= cap) return 0;
      out[w++] = 0;
    }
    const char c = text[i];
    if (c == '.') {
      const size_t len = w - label_at - 1;
      if (len == 0 || len > 63 || out[label_at + 1] == '-' || out[w - 1] == '-') return 0;
      out[label_at] = char(len);
      continue;
    }
    if (!host_char(c) || w >= cap) return 0;
    out[w++] = c;
  }
  if (w >= cap || w + 1 > kMaxWireName) return 0;
  out[w++] = 0;  // the root
  return w;
}

std::string synth_text(std::string_view tmpl, const IpAddress& addr) {
  char wire[kMaxWireName];
  const size_t n = synth_wire(tmpl, addr, wire, sizeof wire);
  if (n == 0) return "";
  return wire_to_text(std::string(wire, n));
}

std::string check_synth_template(std::string_view tmpl, uint8_t family) {
  if (tmpl.empty()) return "the template is empty";
  if (tmpl.size() > kMaxSynthTemplate)
    return "the template is longer than " + std::to_string(kMaxSynthTemplate) + " characters";
  if (tmpl.back() != '.') return "the template must be an absolute name (end in '.')";
  IpAddress low, high;
  low.family = high.family = family;
  for (size_t i = 0; i < low.size(); ++i) high.bytes[i] = 0xFF;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') continue;
    const size_t close = tmpl.find('}', i);
    const std::string_view name =
        close == std::string_view::npos ? tmpl.substr(i) : tmpl.substr(i + 1, close - i - 1);
    const bool known =
        name == "dashed" || name == "hex" || (name.size() == 1 && name[0] >= '1' && name[0] <= '4');
    if (close == std::string_view::npos || !known)
      return "unknown placeholder '" + std::string(tmpl.substr(i, close - i + 1)) +
             "' (use {dashed}, {hex}, {1}..{4})";
    if (name.size() == 1 && family != 4)
      return "{" + std::string(name) + "} names an IPv4 octet; this is an IPv6 zone";
    i = close;
  }
  char wire[kMaxWireName];
  for (const IpAddress& a : {low, high})
    if (synth_wire(tmpl, a, wire, sizeof wire) == 0)
      return "the template does not make a valid host name (e.g. for " + format_ip(a) + ")";
  return "";
}

}  // namespace rdnsd::names
