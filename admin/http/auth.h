#pragma once
// Who an HTTP request comes from: its bearer token ("Authorization: Bearer NAME.SECRET",
// admin/ops/tokens.h), looked up by name among the tokens of the config's tokens-file
// and those rdnsctl keeps in the store, the secret checked against the stored hash in
// constant time. Thread-safe (store reads only); a token revoked in the store is
// refused from the next request on.
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "zonestore/store.h"

namespace rdnsd::admin::http {

// The caller of one request.
struct Caller {
  std::string name;
  uint8_t scopes = 0;  // tokens::Scope bits
  std::vector<names::Prefix> prefixes;
  uint64_t quota = 0;  // 0: none
  bool admin() const;
  bool may_read() const;   // read, write or admin
  bool may_write() const;  // write or admin
  // Whether the caller may touch `addr`: an admin anything, others inside a prefix.
  bool covers(const names::IpAddress& addr) const;
};

class Authenticator {
 public:
  // `file_tokens` (the config's tokens-file) must be checked already (conf/). Throws
  // std::invalid_argument for a token whose scopes, prefixes or expiry do not parse.
  Authenticator(
      const zonestore::Store& store, const std::vector<conf::HttpTokenConf>& file_tokens,
      std::function<std::time_t()> clock = [] { return std::time(nullptr); });

  enum class Result { Ok, Missing, Malformed, Unknown, Expired };
  // The caller of an Authorization header's value (nullptr: none was sent).
  Result check(const char* authorization, Caller& out) const;
  static const char* reason(Result r);

 private:
  std::optional<zonestore::Token> find(std::string_view name) const;

  const zonestore::Store& store_;
  std::vector<zonestore::Token> file_tokens_;
  std::function<std::time_t()> clock_;
};

}  // namespace rdnsd::admin::http
