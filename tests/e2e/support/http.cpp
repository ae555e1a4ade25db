#include "tests/e2e/support/http.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace rdnsd::e2e {

std::string http_config(uint16_t http_port, const std::vector<std::string>& http_lines) {
  std::string text =
      "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 2\n"
      "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n"
      "http:\n  listen: [\"127.0.0.1:" +
      std::to_string(http_port) + "\"]\n";
  for (const auto& line : http_lines) text += "  " + line + "\n";
  text += "zones:\n";
  text += kDefaultZones;
  return text;
}

RdnsdOptions http_options(uint16_t http_port, const std::vector<std::string>& http_lines) {
  RdnsdOptions o;
  o.config = http_config(http_port, http_lines);
  return o;
}

RunOptions with_input(std::string input) {
  RunOptions o;
  o.input = std::move(input);
  return o;
}

std::string HttpReply::code() const {
  if (!json.is_object() || !json.contains("messages") || json["messages"].empty()) return "";
  return json["messages"][0].value("errorCode", "");
}

HttpClient::HttpClient(std::string base, std::vector<std::string> curl_args, std::string log)
    : base_(std::move(base)), log_(std::move(log)), curl_args_(std::move(curl_args)) {}

HttpReply HttpClient::call(const std::string& method, const std::string& path,
                           const std::string& token, const std::string& body) const {
  std::vector<std::string> argv = {"curl",           "-sS",        "-X", method, "-o", "-", "-w",
                                   "\n%{http_code}", "--max-time", "10"};
  for (const auto& a : curl_args_) argv.push_back(a);
  if (!token.empty()) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
  RunOptions ro;
  if (!body.empty()) {
    argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", "@-"});
    ro.input = body;
  }
  argv.push_back(base_ + path);
  RunResult r = run(argv, ro);
  HttpReply out;
  const size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) {
    out.error = r.describe();
    return out;
  }
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  if (out.status == 0) out.error = r.describe();
  out.json = nlohmann::json::parse(out.body, nullptr, false);
  if (!log_.empty() && out.status != 0) {
    std::ofstream f(log_, std::ios::app);
    f << nlohmann::json{{"method", method},
                        {"path", path},
                        {"status", out.status},
                        {"body", out.body}}
             .dump()
      << "\n";
  }
  return out;
}

namespace {

bool accepts(int family, const void* addr, socklen_t len) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, static_cast<const sockaddr*>(addr), len) == 0;
  close(fd);
  return ok;
}

}  // namespace

void wait_http(const Rdnsd& d, uint16_t http_port) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, d.socket_path().c_str(), sizeof un.sun_path - 1);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(http_port);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(AF_UNIX, &un, sizeof un) && accepts(AF_INET, &in, sizeof in)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("rdnsd's admin socket or HTTP port did not accept within 10 s\n" << d.logs());
}

std::string add_token(const Rdnsd& d, const std::string& name,
                      const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"--json", "token", "add", name};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = d.rdnsctl(argv);
  REQUIRE_MESSAGE(r.ok(), r.describe());
  auto j = nlohmann::json::parse(r.out);
  return j.value("secret", "");
}

std::string record_body(const std::string& ip, const std::string& name, const std::string& extra) {
  return "{\"properties\":{\"ip\":\"" + ip + "\",\"name\":\"" + name + "\"" +
         (extra.empty() ? "" : "," + extra) + "}}";
}

}  // namespace rdnsd::e2e
