#include "conf/base64.h"

#include <cstdint>

namespace rdnsd::conf::detail {
namespace {

// The 6-bit value of a base64 character, -1 for any other.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> failed(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

std::string shown(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return "byte " + std::to_string(u);
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text, std::string* why) {
  if (text.size() % 4 != 0)
    return failed(why, std::to_string(text.size()) + " characters, not a multiple of 4");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  const size_t data = text.size() - pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int held = 0;  // bits in `bits` not yet written out
  for (size_t i = 0; i < data; ++i) {
    const int v = sextet(text[i]);
    if (v < 0) {
      const char* where = text[i] == '=' ? " (padding only at the end)" : "";
      return failed(why, shown(text[i]) + " at offset " + std::to_string(i) +
                             " is not a base64 character" + where);
    }
    bits = (bits << 6) | uint32_t(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(char((bits >> held) & 0xff));
    }
  }
  // One '=' leaves 2 bits over, two leave 4; an encoder writes them as zero, so others
  // mean the text was not made by one (or was cut or edited).
  if (held > 0 && (bits & ((1u << held) - 1)) != 0)
    return failed(why, "the last character before the padding has bits set that padding drops");
  return out;
}

}  // namespace rdnsd::conf::detail
