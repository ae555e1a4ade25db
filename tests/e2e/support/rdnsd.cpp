#include "tests/e2e/support/rdnsd.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

namespace rdnsd::e2e {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kStartLimit{10000};
constexpr Millis kStopLimit{10000};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// Binds `type` on the loopback address of `family` at `port`; true when that worked.
bool can_bind(int family, int type, uint16_t port) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET6) {
    int one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  close(fd);
  return ok;
}

// A SOA query for the first zone of the default config, to see that the daemon answers.
bool answers_soa(uint16_t port) {
  try {
    wire::UdpClient udp(port);
    wire::Query q;
    q.name = "2.0.192.in-addr.arpa.";
    q.qtype = wire::rr::SOA;
    q.id = 0x5e1f;
    return udp.exchange(wire::build(q), Millis(100)).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

// Answers anything at all on UDP (for configs without the default zones).
bool answers_anything(uint16_t port) {
  try {
    wire::UdpClient udp(port);
    wire::Query q;
    q.name = "example.com.";
    q.qtype = wire::rr::A;
    q.id = 0x5e20;
    return udp.exchange(wire::build(q), Millis(100)).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    close(fd);
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

const char* const kDefaultZones = R"(  - prefix: 192.0.2.0/24
    ns: [ns1.example.net., ns2.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 3600, minimum: 300 }
    ttl: 3600
    records:
      - { ip: 192.0.2.1, name: gw.example.net. }
      - { ip: 192.0.2.10, name: www.example.net. }
  - prefix: 198.51.100.0/24
    ns: [ns1.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 120, minimum: 600 }
    ttl: 60
    records:
      - { ip: 198.51.100.7, name: seven.example.org. }
  - prefix: "2001:db8::/32"
    ns: [ns1.example.net., ns2.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 3600, minimum: 300 }
    ttl: 7200
    records:
      - { ip: "2001:db8::1", name: gw6.example.net. }
      - { ip: "2001:db8:1:2::5", name: host5.example.net. }
)";

std::string zone_yaml(const std::string& prefix, const std::string& body) {
  return "  - prefix: \"" + prefix + "\"\n" + body;
}

uint16_t free_port() {
  static std::mt19937 rng(static_cast<uint32_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count() ^ (getpid() << 16)));
  std::uniform_int_distribution<int> dist(20000, 60000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<uint16_t>(dist(rng));
    if (can_bind(AF_INET, SOCK_DGRAM, port) && can_bind(AF_INET, SOCK_STREAM, port) &&
        can_bind(AF_INET6, SOCK_DGRAM, port) && can_bind(AF_INET6, SOCK_STREAM, port))
      return port;
  }
  throw std::runtime_error("no free loopback port found");
}

Rdnsd::Rdnsd(RdnsdOptions options) : options_(std::move(options)) {
  dir_ = make_temp_dir("rdnsd-e2e-");
  // Two tries: another process may take the port between the check and the bind.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    write_file(config_path(), render_config(options_));
    try {
      start();
      return;
    } catch (const std::exception&) {
      bool port_taken = stderr_text().find("in use") != std::string::npos;
      if (attempt == 0 && port_taken) continue;
      process_.terminate(Millis(1000));
      if (!std::getenv("RDNSD_E2E_KEEP")) remove_tree(dir_);
      throw;
    }
  }
}

Rdnsd::~Rdnsd() {
  // A daemon that is still running must stop cleanly on SIGTERM; a sanitizer report
  // anywhere in its output is a failure too.
  if (process_.running()) {
    int status = process_.terminate(kStopLimit);
    CHECK_MESSAGE(status == 0, "rdnsd did not stop cleanly on SIGTERM: " << describe_status(status)
                                                                         << "\n"
                                                                         << logs());
  }
  std::string err = stderr_text();
  for (const char* bad : {"AddressSanitizer", "LeakSanitizer", "runtime error:"}) {
    CHECK_MESSAGE(err.find(bad) == std::string::npos, "sanitizer report from rdnsd:\n" << logs());
  }
  bool keep = std::getenv("RDNSD_E2E_KEEP") != nullptr;
  if (keep)
    MESSAGE("rdnsd folder kept: " << dir_);
  else
    remove_tree(dir_);
}

std::string Rdnsd::render_config(const RdnsdOptions& o) const {
  std::string text = o.config;
  if (text.empty()) {
    text = "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 2\n";
    for (const auto& line : o.server) text += "  " + line + "\n";
    text += "store:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\nzones:\n";
    text += o.zones;
  }
  replace_all(text, "{PORT}", std::to_string(port_));
  replace_all(text, "{DIR}", dir_);
  return text;
}

std::vector<std::string> Rdnsd::command() const {
  std::vector<std::string> argv{RDNSD_BIN};
  if (options_.args.empty()) {
    argv.push_back("-c");
    argv.push_back(config_path());
  }
  for (auto a : options_.args) {
    replace_all(a, "{CONFIG}", config_path());
    replace_all(a, "{DIR}", dir_);
    argv.push_back(a);
  }
  return argv;
}

void Rdnsd::start() {
  std::string cwd = options_.cwd.empty() ? dir_ : options_.cwd;
  std::vector<std::string> env = options_.env;
  for (auto& e : env) replace_all(e, "{DIR}", dir_);
  process_ = Process::spawn(command(), dir_ + "/stdout.log", dir_ + "/stderr.log", cwd, env);
  if (options_.wait) wait_ready();
}

void Rdnsd::wait_ready() {
  auto deadline = Clock::now() + kStartLimit;
  bool default_zones = options_.config.empty() && options_.zones == kDefaultZones;
  bool dns_up = false;
  while (Clock::now() < deadline) {
    if (!process_.running()) {
      throw std::runtime_error("rdnsd exited at start (" +
                               describe_status(*process_.wait_status()) + ")\n" + logs());
    }
    if (!dns_up) dns_up = default_zones ? answers_soa(port_) : answers_anything(port_);
    if (dns_up) {
      int fd = connect_unix(socket_path());
      if (fd >= 0 || !options_.config.empty()) {
        if (fd >= 0) close(fd);
        return;
      }
    }
    std::this_thread::sleep_for(Millis(20));
  }
  throw std::runtime_error("rdnsd did not answer within 10 s (pid " +
                           std::to_string(process_.pid()) + ")\n" + logs());
}

int Rdnsd::stop() {
  return process_.terminate(kStopLimit);
}

void Rdnsd::kill9() {
  process_.signal(SIGKILL);
  process_.wait_for(kStopLimit);
}

void Rdnsd::restart() {
  int status = stop();
  CHECK_MESSAGE(status == 0, "rdnsd did not stop cleanly on SIGTERM: " << describe_status(status)
                                                                       << "\n"
                                                                       << logs());
  start();
}

void Rdnsd::restart(RdnsdOptions options) {
  int status = stop();
  CHECK_MESSAGE(status == 0, "rdnsd did not stop cleanly on SIGTERM: " << describe_status(status)
                                                                       << "\n"
                                                                       << logs());
  rewrite_config(std::move(options));
  start();
}

void Rdnsd::rewrite_config(RdnsdOptions options) {
  options_ = std::move(options);
  write_file(config_path(), render_config(options_));
}

DigResult Rdnsd::dig(const std::vector<std::string>& args, bool v6) const {
  std::vector<std::string> argv{
      "dig", v6 ? "@::1" : "@127.0.0.1", "-p", std::to_string(port_), "+tries=1", "+time=2"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_dig(run(argv, {Millis(15000), "", ""}));
}

RunResult Rdnsd::rdnsctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{RDNSCTL_BIN, "--socket", socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {Millis(15000), "", ""});
}

uint32_t Rdnsd::serial(const std::string& apex) const {
  DigResult r = dig({apex, "SOA"});
  auto soa = r.answers("SOA");
  if (soa.size() != 1 || soa[0].fields().size() != 7)
    throw std::runtime_error("no SOA answer for " + apex + "\n" + r.describe());
  return static_cast<uint32_t>(std::stoul(soa[0].fields()[2]));
}

std::string unix_request(const std::string& path, const std::string& line, Millis timeout) {
  int fd = connect_unix(path);
  if (fd < 0) throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
  std::string out = line + "\n";
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (reply.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto nl = reply.find('\n');
  return nl == std::string::npos ? reply : reply.substr(0, nl);
}

std::string Rdnsd::admin_raw(const std::string& line) const {
  return unix_request(socket_path(), line, Millis(5000));
}

nlohmann::json Rdnsd::admin(const std::string& line) const {
  std::string reply = admin_raw(line);
  try {
    return nlohmann::json::parse(reply);
  } catch (const std::exception& e) {
    throw std::runtime_error("admin answer is not JSON: '" + reply + "' (" + e.what() + ")");
  }
}

std::string Rdnsd::logs() const {
  return "--- rdnsd stderr (" + dir_ + ") ---\n" + stderr_text() + "--- rdnsd stdout ---\n" +
         stdout_text();
}

}  // namespace rdnsd::e2e
