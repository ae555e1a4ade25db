#include "admin/ops/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <time.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace rdnsd::admin::tokens {

uint8_t scope_bit(std::string_view name) {
  if (name == "read") return kRead;
  if (name == "write") return kWrite;
  if (name == "admin") return kAdmin;
  if (name == "metrics") return kMetrics;
  return 0;
}

std::vector<std::string> scope_names(uint8_t scopes) {
  std::vector<std::string> out;
  for (const char* n : {"read", "write", "admin", "metrics"})
    if (scopes & scope_bit(n)) out.emplace_back(n);
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!(std::isalnum(uint8_t(c)) || c == '_' || c == '-')) return false;
  return true;
}

std::string new_secret() {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n <= 0) throw std::runtime_error("no random bytes from the kernel for a token");
    got += size_t(n);
  }
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string hash(std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(secret.data(), secret.size(), md, &n, EVP_sha256(), nullptr) != 1 || n != 32)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<char*>(md), n);
}

bool matches(std::string_view secret, std::string_view stored) {
  const std::string h = hash(secret);
  return stored.size() == h.size() && CRYPTO_memcmp(h.data(), stored.data(), h.size()) == 0;
}

bool split(std::string_view token, std::string_view& name, std::string_view& secret) {
  const size_t dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == token.size()) return false;
  name = token.substr(0, dot);
  secret = token.substr(dot + 1);
  return true;
}

std::optional<std::time_t> parse_time(std::string_view text) {
  const std::string s(text);
  int y, mo, d, h = 0, mi = 0, se = 0, consumed = 0;
  struct tm tm {};
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) == 3 &&
      consumed == 10) {
  } else if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
                         &consumed) == 6) {
    std::string_view rest = text.substr(size_t(consumed));
    int off = 0;
    if (rest == "Z" || rest == "z") {
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
      int oh = 0, om = 0;
      if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) return {};
      off = (oh * 60 + om) * 60 * (rest[0] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    if (h > 23 || mi > 59 || se > 60) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    return timegm(&tm) - off;
  } else {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  return timegm(&tm);
}

}  // namespace rdnsd::admin::tokens
