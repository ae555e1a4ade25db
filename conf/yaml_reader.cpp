#include "conf/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

namespace rdnsd::conf::detail {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

std::string list_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// Parses all of `text` as a decimal uint64; false if it is not one (or overflows, in
// which case `overflow` is set).
bool parse_decimal(std::string_view text, uint64_t& value, bool& overflow) {
  overflow = false;
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    overflow = ptr == text.data() + text.size();
    return false;
  }
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Multiplier of a size suffix ("", "k", "kib", "m", ...), 0 if unknown.
uint64_t size_unit(std::string_view suffix) {
  static const std::map<std::string, uint64_t> units = {{"", 1},
                                                        {"k", 1ull << 10},
                                                        {"kib", 1ull << 10},
                                                        {"m", 1ull << 20},
                                                        {"mib", 1ull << 20},
                                                        {"g", 1ull << 30},
                                                        {"gib", 1ull << 30},
                                                        {"t", 1ull << 40},
                                                        {"tib", 1ull << 40}};
  auto it = units.find(lower(suffix));
  return it == units.end() ? 0 : it->second;
}

std::string range_text(uint64_t min, uint64_t max) {
  return std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

int line_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? 0 : mark.line + 1;
}

void Reader::fail(int line, const std::string& reason) const {
  throw ConfigError(file_, line, reason);
}

void Reader::check_map(const YAML::Node& node, const std::string& path,
                       const std::vector<std::string_view>& allowed) const {
  if (!node.IsMap())
    fail(node, path.empty() ? "the configuration must be a map of sections (server:, store:, ...)"
                            : path + " must be a map of keys");
  std::map<std::string, int> seen;
  for (const auto& kv : node) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar())
      fail(key, "keys must be plain strings" + (path.empty() ? "" : " in " + path));
    const std::string name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      fail(key, "unknown key '" + name + "' " +
                    (path.empty() ? std::string("at the top level") : "in " + path) +
                    " (expected " + list_keys(allowed) + ")");
    }
    auto [it, fresh] = seen.emplace(name, line_of(key));
    if (!fresh)
      fail(key, "key '" + name + "' appears twice" + (path.empty() ? "" : " in " + path) +
                    " (first on line " + std::to_string(it->second) + ")");
  }
}

void Reader::check_sequence(const YAML::Node& node, const std::string& path) const {
  if (!node.IsSequence()) fail(node, path + " must be a list");
}

std::string Reader::string(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) fail(node, path + " must be a string");
  if (node.Scalar().empty()) fail(node, path + " must not be empty");
  return node.Scalar();
}

uint64_t Reader::integer(const YAML::Node& node, const std::string& path, uint64_t min,
                         uint64_t max) const {
  const std::string text = node.IsScalar() ? node.Scalar() : std::string();
  uint64_t value = 0;
  bool overflow = false;
  if (!parse_decimal(text, value, overflow)) {
    const bool negative = text.size() > 1 && text[0] == '-' && all_digits(text.substr(1));
    if (overflow || negative)
      fail(node, path + " must be " + range_text(min, max) + ", got " + text);
    fail(node, path + " must be an integer" + (node.IsScalar() ? ", got '" + text + "'" : ""));
  }
  if (value < min || value > max)
    fail(node, path + " must be " + range_text(min, max) + ", got " + text);
  return value;
}

uint64_t Reader::size(const YAML::Node& node, const std::string& path, uint64_t min, uint64_t max,
                      std::string_view range) const {
  const std::string text = node.IsScalar() ? node.Scalar() : std::string();
  const size_t digits = text.find_first_not_of("0123456789");
  const std::string number = text.substr(0, digits);
  const uint64_t unit = size_unit(digits == std::string::npos ? "" : text.substr(digits));
  uint64_t value = 0;
  bool overflow = false;
  const bool ok = unit != 0 && parse_decimal(number, value, overflow);
  if (!ok && !overflow)
    fail(node, path + " must be a size in bytes (a number, optionally with K, M, G or T), got '" +
                   text + "'");
  if (overflow || value > max / unit || value * unit < min)
    fail(node, path + " must be " +
                   (range.empty() ? range_text(min, max) + " bytes" : std::string(range)) +
                   ", got " + text);
  return value * unit;
}

uint32_t Reader::mode(const YAML::Node& node, const std::string& path) const {
  std::string text = node.IsScalar() ? node.Scalar() : std::string();
  std::string_view digits = text;
  if (digits.size() > 2 && (digits.substr(0, 2) == "0o" || digits.substr(0, 2) == "0O"))
    digits.remove_prefix(2);
  uint32_t value = 0;
  bool ok = !digits.empty() && digits.size() <= 4;
  for (char c : digits) {
    ok = ok && c >= '0' && c <= '7';
    value = value * 8 + uint32_t(c - '0');
  }
  if (!ok || value > 0777)
    fail(node, path + " must be octal permission bits like \"0660\", got '" + text + "'");
  return value;
}

std::optional<bool> Reader::boolean(const YAML::Node& node) const {
  // Only the YAML 1.2 core-schema spellings, and only unquoted: `identity: no` stays
  // the string "no".
  if (!node.IsScalar() || node.Tag() != "?") return std::nullopt;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::vector<std::pair<std::string, int>> Reader::strings(const YAML::Node& node,
                                                         const std::string& path) const {
  std::vector<std::pair<std::string, int>> out;
  if (node.IsScalar()) {
    out.emplace_back(string(node, path), line_of(node));
    return out;
  }
  check_sequence(node, path);
  for (size_t i = 0; i < node.size(); ++i)
    out.emplace_back(string(node[i], index_path(path, i)), line_of(node[i]));
  return out;
}

std::optional<YAML::Node> child(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  if (!value.IsDefined() || value.IsNull()) return std::nullopt;
  return value;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  return p.lexically_normal().string();
}

}  // namespace rdnsd::conf::detail
