#pragma once
// HTTP API helpers for the end-to-end tests: an rdnsd config with `http:`, a curl client
// that parses the JSON answers, and tokens made with rdnsctl.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/support/rdnsd.h"

namespace rdnsd::e2e {

// The whole config (for RdnsdOptions::config) of an rdnsd with the default zones and
// `http:` listening on 127.0.0.1:`http_port`, plus the lines `http_lines` under it
// ("max-connections: 2").
std::string http_config(uint16_t http_port, const std::vector<std::string>& http_lines = {});

// RdnsdOptions with that config.
RdnsdOptions http_options(uint16_t http_port, const std::vector<std::string>& http_lines = {});
// RunOptions that write `input` to the command's stdin.
RunOptions with_input(std::string input);

struct HttpReply {
  int status = 0;  // 0: no HTTP answer (curl failed; see `error`)
  std::string body, error;
  nlohmann::json json;  // the body parsed, when it is JSON
  // The first message's errorCode of an error body, or "".
  std::string code() const;
};

class HttpClient {
 public:
  // `base`: "http://127.0.0.1:PORT" or "https://..."; `curl_args` are added to every
  // call (--cacert FILE). When `log` is set, every exchange is appended to that file
  // as a JSON line (method, path, status, body) for tests/e2e/support/openapi_check.py.
  explicit HttpClient(std::string base, std::vector<std::string> curl_args = {},
                      std::string log = "");
  HttpReply call(const std::string& method, const std::string& path, const std::string& token = "",
                 const std::string& body = "") const;
  HttpReply get(const std::string& path, const std::string& token) const {
    return call("GET", path, token);
  }

 private:
  std::string base_, log_;
  std::vector<std::string> curl_args_;
};

// Waits (at most 10 s) until `d`'s admin socket and 127.0.0.1:`http_port` accept
// connections: the fixture, given a whole config, waits only for DNS.
void wait_http(const Rdnsd& d, uint16_t http_port);

// `rdnsctl token add NAME ARGS...` on `d`; returns the secret (NAME.SECRET). Fails the
// test if rdnsctl refuses.
std::string add_token(const Rdnsd& d, const std::string& name,
                      const std::vector<std::string>& args);

// {"properties":{"name":..., "ip":...}} with the optional fields when not empty.
std::string record_body(const std::string& ip, const std::string& name,
                        const std::string& extra = "");

}  // namespace rdnsd::e2e
