// Response rate limiting and DNS Cookies on a real rdnsd: a UDP flood from one /24 gets
// its burst and then slipped (TC) and dropped answers, while another /24 and TCP are
// answered in full and the log counts what was limited; dig +cookie gets a server cookie,
// a valid one exempts its client from the limit, a configured secret outlives restarts.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
namespace w = rdnsd::e2e::wire;

namespace {

using Clock = std::chrono::steady_clock;

// A UDP socket bound to the loopback address `source` (127.0.0.1, 127.0.1.1, ::1: all of
// 127.0.0.0/8 is on the loopback interface) and connected to rdnsd's port.
class SourcedUdp {
 public:
  SourcedUdp(const char* source, uint16_t port) {
    const bool v6 = std::strchr(source, ':') != nullptr;
    fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    int rcvbuf = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_storage from{}, to{};
    socklen_t len = 0;
    if (v6) {
      auto* f = reinterpret_cast<sockaddr_in6*>(&from);
      auto* t = reinterpret_cast<sockaddr_in6*>(&to);
      f->sin6_family = t->sin6_family = AF_INET6;
      inet_pton(AF_INET6, source, &f->sin6_addr);
      inet_pton(AF_INET6, "::1", &t->sin6_addr);
      t->sin6_port = htons(port);
      len = sizeof(sockaddr_in6);
    } else {
      auto* f = reinterpret_cast<sockaddr_in*>(&from);
      auto* t = reinterpret_cast<sockaddr_in*>(&to);
      f->sin_family = t->sin_family = AF_INET;
      inet_pton(AF_INET, source, &f->sin_addr);
      inet_pton(AF_INET, "127.0.0.1", &t->sin_addr);
      t->sin_port = htons(port);
      len = sizeof(sockaddr_in);
    }
    if (bind(fd_, reinterpret_cast<sockaddr*>(&from), len) != 0)
      throw std::runtime_error(std::string("bind ") + source + ": " + std::strerror(errno));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&to), len) != 0)
      throw std::runtime_error("connect");
  }
  ~SourcedUdp() { close(fd_); }
  void send(const w::Bytes& b) { (void)::send(fd_, b.data(), b.size(), 0); }
  // Every reply that arrives until `quiet` passes without one, added to `out`.
  std::vector<w::Reply> collect(Millis quiet, std::vector<w::Reply> out = {}) {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, int(quiet.count())) <= 0) return out;
      uint8_t buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      if (auto r = w::parse_reply(w::Bytes(buf, buf + n))) out.push_back(*r);
    }
  }
  // Sends `n` queries made by `make(i)` in bursts of 10 a millisecond apart, reading the
  // replies as they come (so that neither side's socket buffer overflows), then the last
  // ones; the time the sending took goes to `seconds`.
  template <class Make>
  std::vector<w::Reply> flood(int n, Make make, double& seconds) {
    std::vector<w::Reply> out;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      send(make(i));
      if (i % 10 == 9) out = collect(Millis(1), std::move(out));
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return collect(Millis(300), std::move(out));
  }

 private:
  int fd_ = -1;
};

struct Counts {
  int full = 0, truncated = 0, badcookie = 0;
};

Counts count(const std::vector<w::Reply>& replies) {
  Counts c;
  for (const w::Reply& r : replies) {
    if (r.full_rcode().value_or(r.rcode) == 23)
      ++c.badcookie;
    else if (r.tc)
      ++c.truncated;
    else if (r.an == 1)
      ++c.full;
  }
  return c;
}

w::Bytes ptr_query(uint16_t id, const w::Bytes& cookie = {}) {
  w::Query q;
  q.name = "1.2.0.192.in-addr.arpa.";
  q.id = id;
  if (!cookie.empty()) {
    q.edns = true;
    w::put16(q.edns_options, 10);
    w::put16(q.edns_options, uint16_t(cookie.size()));
    q.edns_options.insert(q.edns_options.end(), cookie.begin(), cookie.end());
  }
  return w::build(q);
}

// The COOKIE option of a reply (client and server cookie), or empty.
w::Bytes cookie_of(const w::Reply& r) {
  const auto options = r.opt_options();
  if (!options) return {};
  for (const auto& [code, data] : *options)
    if (code == 10) return data;
  return {};
}

// The last "rrl: limited=N slipped=N dropped=N" line of the log, waited for up to 3 s.
std::optional<std::array<long, 3>> rrl_counters(const Rdnsd& d) {
  const std::regex line("rrl: limited=([0-9]+) slipped=([0-9]+) dropped=([0-9]+)");
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  do {
    const std::string log = d.stderr_text();
    std::optional<std::array<long, 3>> last;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it)
      last = {std::stol((*it)[1]), std::stol((*it)[2]), std::stol((*it)[3])};
    if (last) return last;
    std::this_thread::sleep_for(Millis(100));
  } while (Clock::now() < deadline);
  return std::nullopt;
}

RdnsdOptions limited(const std::string& rrl) {
  RdnsdOptions o;
  o.server = {"rrl: " + rrl};  // the fixture runs one worker
  return o;
}

// dig's COOKIE line: "COOKIE: <48 hex> (good)".
std::string dig_cookie(const DigResult& r) {
  const std::string line = r.option("COOKIE");
  const size_t colon = line.find(": ");
  return colon == std::string::npos ? "" : line.substr(colon + 2, 48);
}

}  // namespace

TEST_CASE("a UDP flood from one /24 is limited, another /24 and TCP are not, the log counts it") {
  // The fixture runs two workers, each with half the rate; one source port's datagrams
  // all reach one of them: a burst of 20, then 20 a second.
  Rdnsd d(limited("{rate: 40, window: 1, slip: 2}"));
  SourcedUdp flood("127.0.0.1", d.port());
  SourcedUdp other("127.0.1.1", d.port());
  const int n = 600;
  double seconds = 0;
  const Counts c = count(flood.flood(
      n, [](int i) { return ptr_query(uint16_t(i)); }, seconds));
  INFO("sent " << n << " in " << seconds << " s: " << c.full << " full, " << c.truncated
               << " truncated; " << d.logs());
  CHECK(c.full >= 20);
  CHECK(c.full <= 20 + int(20 * (seconds + 0.3)) + 1);
  CHECK(c.truncated == doctest::Approx((n - c.full) / 2.0).epsilon(0.02));
  // Another /24 asks now and then, while the first is still in debt: all answered.
  int other_full = 0;
  for (int i = 0; i < 5; ++i) {
    flood.send(ptr_query(uint16_t(1000 + i)));  // the flood goes on, slowly
    other.send(ptr_query(uint16_t(2000 + i)));
    other_full += count(other.collect(Millis(150))).full;
  }
  CHECK(other_full == 5);
  // So does a client over IPv6.
  SourcedUdp v6("::1", d.port());
  for (int i = 0; i < 5; ++i) v6.send(ptr_query(uint16_t(2500 + i)));
  CHECK(count(v6.collect(Millis(300))).full == 5);
  // TCP from the flooding address is never limited.
  w::TcpClient tcp(d.port());
  int tcp_full = 0;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(tcp.send_message(ptr_query(uint16_t(3000 + i))));
    auto reply = tcp.receive_message(Millis(2000));
    REQUIRE(reply);
    auto r = w::parse_reply(*reply);
    tcp_full += r && !r->tc && r->an == 1;
  }
  CHECK(tcp_full == 50);
  // And dig from there still gets its answer over TCP after a truncated one.
  const DigResult dig = d.dig({"-x", "192.0.2.1"});
  CHECK(dig.status == "NOERROR");
  auto counters = rrl_counters(d);
  REQUIRE(counters);
  const long limited = (*counters)[0], slipped = (*counters)[1], dropped = (*counters)[2];
  CHECK(limited == slipped + dropped);
  CHECK(limited >= n - c.full);
  CHECK(slipped >= c.truncated);
}

TEST_CASE("errors are limited too: a REFUSED flood gets the same treatment") {
  // Per worker 5 a second with a burst of 5; slip 0: limited answers are dropped.
  Rdnsd d(limited("{rate: 10, window: 1, slip: 0}"));
  SourcedUdp flood("127.0.0.1", d.port());
  double seconds = 0;
  const auto replies = flood.flood(
      200,
      [](int i) {
        w::Query q;
        q.name = "www.example.com.";
        q.qtype = w::rr::A;
        q.id = uint16_t(i);
        return w::build(q);
      },
      seconds);
  INFO("sent in " << seconds << " s");
  CHECK(replies.size() >= 5);
  CHECK(replies.size() <= 5 + size_t(5 * (seconds + 0.3)) + 1);
  for (const auto& r : replies) CHECK(r.rcode == w::rcode::REFUSED);
}

TEST_CASE("the whitelist is never limited") {
  Rdnsd d(limited("{rate: 2, window: 1, whitelist: [127.0.0.0/24]}"));
  SourcedUdp listed("127.0.0.1", d.port());
  SourcedUdp other("127.0.1.1", d.port());
  double seconds = 0;
  auto query = [](int i) { return ptr_query(uint16_t(i)); };
  CHECK(count(listed.flood(100, query, seconds)).full == 100);
  CHECK(count(other.flood(100, query, seconds)).full <= 1 + 1);
}

TEST_CASE("dig +cookie: a server cookie, echoed while valid, good for dig") {
  Rdnsd d;
  const DigResult first = d.dig({"+cookie", "-x", "192.0.2.1"});
  REQUIRE(first.status == "NOERROR");
  const std::string cookie = dig_cookie(first);
  INFO(first.describe());
  REQUIRE(cookie.size() == 48);
  CHECK(first.option("COOKIE").find("(good)") != std::string::npos);
  CHECK(cookie.substr(16, 8) == "01000000");  // RFC 9018 version 1, reserved zero
  const DigResult again = d.dig({"+cookie=" + cookie, "-x", "192.0.2.1"});
  CHECK(again.status == "NOERROR");
  CHECK(dig_cookie(again) == cookie);
  CHECK(again.answers("PTR").size() == 1);
  // No question, only a cookie (RFC 7873 section 5.4): NOERROR with a server cookie.
  const DigResult header = d.dig({"+cookie", "+header-only"});
  CHECK(header.status == "NOERROR");
  CHECK(dig_cookie(header).size() == 48);
  // Over IPv6 and TCP too.
  const DigResult v6 = d.dig({"+cookie", "+tcp", "-x", "2001:db8::1"}, true);
  CHECK(v6.status == "NOERROR");
  CHECK(v6.option("COOKIE").find("(good)") != std::string::npos);
}

TEST_CASE(
    "a valid server cookie exempts its client from the limit, a client cookie gets BADCOOKIE") {
  Rdnsd d(limited("{rate: 4, window: 1, slip: 1}"));  // 2 a second per worker
  SourcedUdp udp("127.0.0.1", d.port());
  const w::Bytes client = {1, 2, 3, 4, 5, 6, 7, 8};
  udp.send(ptr_query(1, client));
  auto first = udp.collect(Millis(300));
  REQUIRE(first.size() == 1);
  const w::Bytes full = cookie_of(first[0]);
  REQUIRE(full.size() == 24);
  // Flooding with the valid cookie: every answer in full.
  double seconds = 0;
  auto valid = [&](int i) { return ptr_query(uint16_t(100 + i), full); };
  CHECK(count(udp.flood(100, valid, seconds)).full == 100);
  // With the client cookie alone, limited answers are BADCOOKIE with a server cookie
  // (slip 1: every one), not TC.
  auto client_only = [&](int i) { return ptr_query(uint16_t(300 + i), client); };
  const auto replies = udp.flood(50, client_only, seconds);
  const Counts c = count(replies);
  CHECK(c.full <= 2 + 1);
  CHECK(c.badcookie >= 50 - 3);
  CHECK(c.truncated == 0);
  for (const auto& r : replies) CHECK(cookie_of(r).size() == 24);
}

TEST_CASE("a configured cookie-secret keeps cookies valid across a restart, a generated one not") {
  RdnsdOptions o;
  o.server = {"cookie-secret: e5e973e5a6b2a43f48e7dc849e37bfcf"};
  Rdnsd d(o);
  const std::string cookie = dig_cookie(d.dig({"+cookie", "-x", "192.0.2.1"}));
  REQUIRE(cookie.size() == 48);
  d.restart();
  CHECK(dig_cookie(d.dig({"+cookie=" + cookie, "-x", "192.0.2.1"})) == cookie);
  d.restart(RdnsdOptions{});  // no secret: a new random one
  const DigResult after = d.dig({"+cookie=" + cookie, "-x", "192.0.2.1"});
  CHECK(after.status == "NOERROR");
  CHECK(dig_cookie(after).substr(0, 16) == cookie.substr(0, 16));
  CHECK(dig_cookie(after) != cookie);
}

TEST_CASE("rdnsd --check refuses a bad rrl or cookie-secret with FILE:LINE") {
  for (const std::string& bad :
       {std::string("rrl: {rate: 5, slip: 20}"), std::string("cookie-secret: 1234")}) {
    const std::string dir = make_temp_dir("rdnsd-check-");
    const std::string path = dir + "/bad.yaml";
    write_file(path, "server:\n  listen: [\"127.0.0.1:5353\"]\n  " + bad +
                         "\nstore: {path: db}\nadmin: {socket: sock}\n");
    const RunResult r = run({RDNSD_BIN, "--check", "-c", path});
    INFO(r.describe());
    CHECK(r.status == 2);
    CHECK(r.err.find(path + ":3: ") != std::string::npos);
    remove_tree(dir);
  }
}
