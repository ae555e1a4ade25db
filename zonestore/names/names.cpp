#include "zonestore/names/names.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <vector>

namespace rdnsd::names {
namespace {

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The value of a label that is a canonical decimal octet ("0".."255", no leading zero),
// or -1.
int octet_value(std::string_view l) {
  if (l.empty() || l.size() > 3 || (l.size() > 1 && l[0] == '0')) return -1;
  int v = 0;
  for (char c : l) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v > 255 ? -1 : v;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Splits an absolute-or-relative text name into labels, without escapes.
template <typename F>
void for_each_label(std::string_view text, F&& f) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    f(text.substr(start, dot - start));
    start = dot + 1;
  }
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  // A NUL would end the C string early and let "1.2.3.4\0junk" through.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  IpAddress addr;
  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only the strict dotted quad, which is what we want.
    if (inet_pton(AF_INET, buf, addr.bytes.data()) != 1) return std::nullopt;
    addr.family = 4;
  } else {
    if (inet_pton(AF_INET6, buf, addr.bytes.data()) != 1) return std::nullopt;
    addr.family = 6;
  }
  return addr;
}

std::string format_ip(const IpAddress& addr) {
  char buf[INET6_ADDRSTRLEN];
  if (addr.family == 4) {
    inet_ntop(AF_INET, addr.bytes.data(), buf, sizeof buf);
    return buf;
  }
  // RFC 5952 by hand: glibc's inet_ntop writes deprecated IPv4-compatible addresses in
  // dotted form ("::2:3" becomes "::0.2.0.3"); section 5 keeps that for IPv4-mapped only.
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(addr.bytes.data(), kMapped, sizeof kMapped) == 0) {
    inet_ntop(AF_INET, addr.bytes.data() + 12, buf, sizeof buf);
    return std::string("::ffff:") + buf;
  }
  uint16_t words[8];
  for (int i = 0; i < 8; ++i) words[i] = uint16_t(addr.bytes[2 * i] << 8 | addr.bytes[2 * i + 1]);
  // The first longest run of two or more zero words becomes "::" (section 4.2).
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", unsigned(words[i]));
    out += buf;
  }
  return out;
}

std::optional<Prefix> parse_prefix(std::string_view text, std::string* why) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_why(why, "'" + std::string(text) + "' is not a prefix (expected ADDRESS/LENGTH)");
    return std::nullopt;
  }
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr) {
    set_why(why, "'" + std::string(text.substr(0, slash)) + "' is not an IP address");
    return std::nullopt;
  }
  std::string_view len_text = text.substr(slash + 1);
  unsigned len = 0;
  if (len_text.empty() || len_text.size() > 3) len = 999;
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      len = 999;
      break;
    }
    len = len * 10 + unsigned(c - '0');
  }
  unsigned max = addr->family == 4 ? 32 : 128;
  if (len > max) {
    set_why(why, "prefix length '" + std::string(len_text) + "' must be 0.." + std::to_string(max));
    return std::nullopt;
  }
  Prefix p{*addr, len};
  for (unsigned bit = len; bit < max; ++bit) {
    if (p.addr.bytes[bit / 8] & (0x80 >> (bit % 8))) {
      set_why(why, "'" + std::string(text) + "' has host bits set (did you mean " + format_ip([&] {
                     IpAddress a = *addr;
                     for (unsigned b = len; b < max; ++b) a.bytes[b / 8] &= ~(0x80 >> (b % 8));
                     return a;
                   }()) +
                       "/" + std::to_string(len) + "?)");
      return std::nullopt;
    }
  }
  return p;
}

std::string format_prefix(const Prefix& prefix) {
  return format_ip(prefix.addr) + "/" + std::to_string(prefix.length);
}

bool prefix_contains(const Prefix& prefix, const IpAddress& addr) {
  if (prefix.addr.family != addr.family) return false;
  unsigned full = prefix.length / 8, rest = prefix.length % 8;
  if (std::memcmp(prefix.addr.bytes.data(), addr.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = uint8_t(0xff << (8 - rest));
  return (prefix.addr.bytes[full] & mask) == (addr.bytes[full] & mask);
}

bool prefixes_overlap(const Prefix& a, const Prefix& b) {
  if (a.addr.family != b.addr.family) return false;
  return a.length <= b.length ? prefix_contains(a, b.addr) : prefix_contains(b, a.addr);
}

std::string reverse_name(const IpAddress& addr) {
  std::string out;
  if (addr.family == 4) {
    for (int i = 3; i >= 0; --i) out += std::to_string(addr.bytes[i]) + ".";
    return out + "in-addr.arpa.";
  }
  static const char hex[] = "0123456789abcdef";
  out.reserve(73);
  for (int i = 15; i >= 0; --i) {
    out += hex[addr.bytes[i] & 0xf];
    out += '.';
    out += hex[addr.bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa.";
}

std::optional<IpAddress> address_from_reverse(std::string_view name) {
  std::vector<std::string_view> labels;
  for_each_label(name, [&](std::string_view l) { labels.push_back(l); });
  IpAddress addr;
  size_t n = labels.size();
  if (n == 6 && equals_nocase(labels[4], "in-addr") && equals_nocase(labels[5], "arpa")) {
    addr.family = 4;
    for (int i = 0; i < 4; ++i) {
      int v = octet_value(labels[i]);
      if (v < 0) return std::nullopt;
      addr.bytes[3 - i] = uint8_t(v);
    }
    return addr;
  }
  if (n == 34 && equals_nocase(labels[32], "ip6") && equals_nocase(labels[33], "arpa")) {
    addr.family = 6;
    for (int i = 0; i < 32; ++i) {
      if (labels[i].size() != 1) return std::nullopt;
      int v = hex_value(labels[i][0]);
      if (v < 0) return std::nullopt;
      int byte = 15 - i / 2;
      addr.bytes[byte] |= (i % 2 == 0) ? uint8_t(v) : uint8_t(v << 4);
    }
    return addr;
  }
  return std::nullopt;
}

std::optional<std::string> zone_apex(const Prefix& prefix, std::string* why) {
  const IpAddress& a = prefix.addr;
  if (a.family == 4) {
    if (prefix.length == 0 || prefix.length > 24 || prefix.length % 8 != 0) {
      set_why(why, "IPv4 zone prefix " + format_prefix(prefix) +
                       " is not on an octet boundary (use /8, /16 or /24)");
      return std::nullopt;
    }
    std::string out;
    for (int i = int(prefix.length / 8) - 1; i >= 0; --i) out += std::to_string(a.bytes[i]) + ".";
    return out + "in-addr.arpa.";
  }
  if (prefix.length == 0 || prefix.length > 124 || prefix.length % 4 != 0) {
    set_why(why, "IPv6 zone prefix " + format_prefix(prefix) +
                     " is not on a nibble boundary (use a multiple of 4 from /4 to /124)");
    return std::nullopt;
  }
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int n = int(prefix.length / 4) - 1; n >= 0; --n) {
    uint8_t byte = a.bytes[n / 2];
    out += hex[(n % 2 == 0) ? (byte >> 4) : (byte & 0xf)];
    out += '.';
  }
  return out + "ip6.arpa.";
}

std::optional<Prefix> prefix_from_apex(std::string_view apex) {
  std::vector<std::string_view> labels;
  for_each_label(apex, [&](std::string_view l) { labels.push_back(l); });
  size_t n = labels.size();
  Prefix p;
  if (n >= 3 && n <= 5 && equals_nocase(labels[n - 2], "in-addr") &&
      equals_nocase(labels[n - 1], "arpa")) {
    p.addr.family = 4;
    size_t octets = n - 2;
    for (size_t i = 0; i < octets; ++i) {
      int v = octet_value(labels[octets - 1 - i]);
      if (v < 0) return std::nullopt;
      p.addr.bytes[i] = uint8_t(v);
    }
    p.length = unsigned(octets * 8);
    return p;
  }
  if (n >= 3 && n <= 33 && equals_nocase(labels[n - 2], "ip6") &&
      equals_nocase(labels[n - 1], "arpa")) {
    p.addr.family = 6;
    size_t nibbles = n - 2;
    for (size_t i = 0; i < nibbles; ++i) {
      std::string_view l = labels[nibbles - 1 - i];
      if (l.size() != 1 || hex_value(l[0]) < 0) return std::nullopt;
      uint8_t v = uint8_t(hex_value(l[0]));
      p.addr.bytes[i / 2] |= (i % 2 == 0) ? uint8_t(v << 4) : v;
    }
    p.length = unsigned(nibbles * 4);
    return p;
  }
  return std::nullopt;
}

std::optional<std::string> text_to_wire(std::string_view text, std::string* why) {
  if (text.empty()) {
    set_why(why, "empty name");
    return std::nullopt;
  }
  std::string wire;
  if (text == ".") return std::string(1, '\0');
  std::string label;
  auto flush = [&]() -> bool {
    if (label.empty()) {
      set_why(why, "empty label in '" + std::string(text) + "'");
      return false;
    }
    if (label.size() > kMaxLabel) {
      set_why(why, "label '" + label.substr(0, 20) + "...' is longer than 63 octets");
      return false;
    }
    wire += char(label.size());
    wire += label;
    label.clear();
    return true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 3 < text.size() && std::isdigit((unsigned char)text[i + 1]) &&
          std::isdigit((unsigned char)text[i + 2]) && std::isdigit((unsigned char)text[i + 3])) {
        int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) {
          set_why(why, "bad escape in '" + std::string(text) + "'");
          return std::nullopt;
        }
        label += char(v);
        i += 3;
      } else if (i + 1 < text.size()) {
        label += text[++i];
      } else {
        set_why(why, "dangling backslash in '" + std::string(text) + "'");
        return std::nullopt;
      }
    } else if (c == '.') {
      if (!flush()) return std::nullopt;
    } else {
      label += c;
    }
  }
  if (!label.empty() && !flush()) return std::nullopt;
  wire += '\0';
  if (wire.size() > kMaxWireName) {
    set_why(why, "name is longer than 255 octets");
    return std::nullopt;
  }
  return wire;
}

std::string wire_to_text(std::string_view wire) {
  std::string out;
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    size_t len = uint8_t(wire[i]);
    for (size_t j = 1; j <= len && i + j < wire.size(); ++j) {
      unsigned char c = uint8_t(wire[i + j]);
      if (c == '.' || c == '\\') {
        out += '\\';
        out += char(c);
      } else if (c <= 32 || c >= 127) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += char(c);
      }
    }
    out += '.';
    i += len + 1;
  }
  return out.empty() ? "." : out;
}

std::string wire_to_key(std::string_view wire) {
  // Collect label offsets, then emit them from the last (TLD) to the first.
  size_t offsets[128];
  size_t n = 0, i = 0;
  while (i < wire.size() && wire[i] != 0 && n < 128) {
    offsets[n++] = i;
    i += uint8_t(wire[i]) + 1;
  }
  std::string key;
  key.reserve(wire.size());
  while (n > 0) {
    size_t off = offsets[--n];
    size_t len = uint8_t(wire[off]);
    key += char(len);
    for (size_t j = 1; j <= len; ++j) key += lower(wire[off + j]);
  }
  return key;
}

std::string key_to_wire(std::string_view key) {
  size_t offsets[128];
  size_t n = 0, i = 0;
  while (i < key.size() && n < 128) {
    offsets[n++] = i;
    i += uint8_t(key[i]) + 1;
  }
  std::string wire;
  wire.reserve(key.size() + 1);
  while (n > 0) {
    size_t off = offsets[--n];
    wire.append(key.substr(off, uint8_t(key[off]) + 1));
  }
  wire += '\0';
  return wire;
}

size_t owner_key(const IpAddress& addr, char* out) noexcept {
  size_t n = 0;
  auto label = [&](std::string_view l) {
    out[n++] = char(l.size());
    std::memcpy(out + n, l.data(), l.size());
    n += l.size();
  };
  label("arpa");
  if (addr.family == 4) {
    label("in-addr");
    for (size_t i = 0; i < 4; ++i) {
      char d[3];
      size_t len = 0;
      const unsigned v = addr.bytes[i];
      if (v >= 100) d[len++] = char('0' + v / 100);
      if (v >= 10) d[len++] = char('0' + v / 10 % 10);
      d[len++] = char('0' + v % 10);
      label({d, len});
    }
  } else {
    label("ip6");
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; ++i) {
      const char nibble = kHex[(addr.bytes[i / 2] >> (i % 2 ? 0 : 4)) & 15];
      label({&nibble, 1});
    }
  }
  return n;
}

bool key_to_address_key(std::string_view key, AddressKey& out) noexcept {
  static constexpr std::string_view kV4(
      "\x04"
      "arpa"
      "\x07"
      "in-addr",
      13);
  static constexpr std::string_view kV6(
      "\x04"
      "arpa"
      "\x03"
      "ip6",
      9);
  std::memset(out.bytes, 0, sizeof out.bytes);
  out.units = 0;
  size_t i;
  if (key.substr(0, kV4.size()) == kV4) {
    out.bytes[0] = 4, out.size = 5, out.full = 4, i = kV4.size();
    while (i < key.size()) {
      size_t len = uint8_t(key[i]);
      if (out.units == 4 || i + 1 + len > key.size()) return false;
      int v = octet_value(key.substr(i + 1, len));
      if (v < 0) return false;
      out.bytes[1 + out.units++] = uint8_t(v);
      i += 1 + len;
    }
    return true;
  }
  if (key.substr(0, kV6.size()) == kV6) {
    out.bytes[0] = 6, out.size = 17, out.full = 32, i = kV6.size();
    // Every label is "\x01" and one lower-case hex digit (the key is lower case).
    static constexpr auto kNibble = [] {
      std::array<uint8_t, 256> t{};
      t.fill(0xff);
      for (int c = 0; c < 10; ++c) t['0' + c] = uint8_t(c);
      for (int c = 0; c < 6; ++c) t['a' + c] = uint8_t(10 + c);
      return t;
    }();
    const size_t rest = key.size() - i;
    if (rest % 2 != 0 || rest > 64) return false;
    const auto* p = reinterpret_cast<const uint8_t*>(key.data()) + i;
    for (size_t n = 0; n < rest / 2; ++n) {
      uint8_t v = kNibble[p[2 * n + 1]];
      if (p[2 * n] != 1 || v == 0xff) return false;
      out.bytes[1 + n / 2] |= (n % 2 == 0) ? uint8_t(v << 4) : v;
    }
    out.units = uint8_t(rest / 2);
    return true;
  }
  return false;
}

bool address_key_covers(const AddressKey& name, std::string_view stored) noexcept {
  if (stored.size() != name.size || uint8_t(stored[0]) != name.bytes[0]) return false;
  // Whole octets (IPv4: every unit; IPv6: pairs of nibbles), then a last high nibble.
  size_t whole = name.bytes[0] == 4 ? name.units : name.units / 2u;
  if (std::memcmp(stored.data() + 1, name.bytes + 1, whole) != 0) return false;
  if (name.bytes[0] == 6 && name.units % 2 == 1)
    return (uint8_t(stored[1 + whole]) & 0xf0) == name.bytes[1 + whole];
  return true;
}

bool is_hostname(std::string_view text, std::string* why) {
  if (text.empty() || text == ".") {
    set_why(why, "empty host name");
    return false;
  }
  if (text.size() > 254 || (text.size() == 254 && text.back() != '.')) {
    set_why(why, "host name is longer than 253 characters");
    return false;
  }
  bool ok = true;
  for_each_label(text, [&](std::string_view l) {
    if (!ok) return;
    if (l.empty()) {
      set_why(why, "'" + std::string(text) + "' has an empty label");
      ok = false;
    } else if (l.size() > kMaxLabel) {
      set_why(why, "label '" + std::string(l.substr(0, 20)) + "...' is longer than 63 characters");
      ok = false;
    } else if (l.front() == '-' || l.back() == '-') {
      set_why(why, "label '" + std::string(l) + "' starts or ends with a hyphen");
      ok = false;
    } else {
      for (char c : l) {
        bool good =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!good) {
          set_why(why, "label '" + std::string(l) +
                           "' has a character other than letters, digits and hyphens");
          ok = false;
          return;
        }
      }
    }
  });
  if (!ok) return false;
  // RFC 1123 section 2.1: the top label is never all digits, so a host name can not look
  // like a dotted quad ("192.0.2.1" as a PTR target is an address typed in the wrong place).
  std::string_view top = text.back() == '.' ? text.substr(0, text.size() - 1) : text;
  top = top.substr(top.rfind('.') + 1);
  if (top.find_first_not_of("0123456789") == std::string_view::npos) {
    set_why(why, "'" + std::string(text) + "' ends in the all-numeric label '" + std::string(top) +
                     "'; a host name's last label has a letter");
    return false;
  }
  return true;
}

std::optional<std::string> normalize_hostname(std::string_view text, std::string* why) {
  if (!is_hostname(text, why)) return std::nullopt;
  std::string out(text);
  if (out.back() != '.') out += '.';
  return out;
}

}  // namespace rdnsd::names
