#pragma once
// Private to the conf library: typed, validating reads of yaml-cpp nodes. Every failure
// throws ConfigError with the node's line, so the section parsers stay short.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/config.h"
#include "conf/keys.h"

namespace rdnsd::conf::detail {

// 1-based line of a node, 0 if yaml-cpp has no position for it.
int line_of(const YAML::Node& node);

// The file being read. Paths ("server.workers", "zones[0].soa") name values in messages.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(int line, const std::string& reason) const;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& reason) const {
    fail(line_of(at), reason);
  }

  // Throws unless `node` is a map; then throws on keys outside `allowed` and on repeated
  // keys. `path` is empty for the top level.
  void check_map(const YAML::Node& node, const std::string& path,
                 const std::vector<std::string_view>& allowed) const;
  // The same with the keys conf/keys.h lists for `section`.
  void check_map(const YAML::Node& node, const std::string& path, Section section) const {
    check_map(node, path, keys_of(section));
  }
  // Throws unless `node` is a sequence.
  void check_sequence(const YAML::Node& node, const std::string& path) const;

  // A scalar as text, non-empty.
  std::string string(const YAML::Node& node, const std::string& path) const;
  // A non-negative decimal integer within [min, max].
  uint64_t integer(const YAML::Node& node, const std::string& path, uint64_t min,
                   uint64_t max) const;
  // Byte count with an optional K/M/G/T suffix (powers of 1024), within [min, max].
  // `range`, if given, names the bounds in messages ("64K..64G") instead of the numbers.
  uint64_t size(const YAML::Node& node, const std::string& path, uint64_t min, uint64_t max,
                std::string_view range = {}) const;
  // Permission bits, always read as octal.
  uint32_t mode(const YAML::Node& node, const std::string& path) const;
  // A plain (unquoted) true/false scalar, else std::nullopt.
  std::optional<bool> boolean(const YAML::Node& node) const;
  // A list of non-empty strings (a single scalar counts as a list of one).
  std::vector<std::pair<std::string, int>> strings(const YAML::Node& node,
                                                   const std::string& path) const;

 private:
  std::string file_;
};

// map[key] if present and not null (an empty value counts as absent).
std::optional<YAML::Node> child(const YAML::Node& map, const char* key);
// "a.b" or "b" when a is empty.
std::string join(const std::string& path, std::string_view key);
// "a[i]": the path of a list's entry.
std::string index_path(const std::string& path, size_t i);
// `path` made absolute against `base_dir` and lexically normalized.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace rdnsd::conf::detail
