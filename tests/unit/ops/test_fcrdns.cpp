// Forward confirmation without the handler: judge() on hand-made answers, and the stub
// resolver against small DNS servers in this process (UDP and TCP on loopback).
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "admin/ops/fcrdns.h"

// Last: ldns may define bool/true/false as macros (see admin/fcrdns_stub.cpp).
#include <ldns/ldns.h>
#undef bool
#undef true
#undef false

using namespace rdnsd;
using fcrdns::Answer;
using fcrdns::Forward;
using fcrdns::State;

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

names::IpAddress ip(const char* text) {
  auto a = names::parse_ip(text);
  REQUIRE(a);
  return *a;
}

Answer ok(std::vector<const char*> addresses) {
  Answer a{Answer::Status::Ok, {}, ""};
  for (const char* t : addresses) a.addresses.push_back(ip(t));
  return a;
}

const Answer kNoName{Answer::Status::NoName, {}, ""};
const Answer kDown{Answer::Status::Failed, {}, "resolver 127.0.0.1:9 did not answer within 5 ms"};

// ---- a DNS server in this process ----

// What the test server answers for one name (any type not listed: NOERROR, no data).
struct Reply {
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  std::vector<std::string> records;  // "name TTL IN TYPE DATA"
  bool truncate = false;             // over UDP: TC and no records (TCP gets them)
};

// UDP and TCP on one loopback port, answering from a table, counting queries.
class TestServer {
 public:
  explicit TestServer(std::map<std::string, Reply> table) : table_(std::move(table)) {
    // The kernel picks a free UDP port; the same TCP port may be taken (by another
    // test's connection), so try again with another UDP port, a bounded number of times.
    for (int attempt = 0; attempt < 100 && tcp_ < 0; ++attempt) {
      udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof a;
      if (bind(udp_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
          getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("cannot bind the test server");
      port_ = ntohs(a.sin_port);
      int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(tcp, 8) == 0) {
        tcp_ = tcp;
      } else {
        close(tcp);
        close(udp_);
      }
    }
    if (tcp_ < 0) throw std::runtime_error("cannot listen on the test server's TCP port");
    thread_ = std::thread([this] { loop(); });
  }
  ~TestServer() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
  }
  uint16_t port() const { return port_; }
  fcrdns::Server server() const {
    return {"127.0.0.1", port_, "127.0.0.1:" + std::to_string(port_)};
  }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }
  int rd_queries() const { return rd_queries_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (poll(p, 2, 20) <= 0) continue;
      if (p[0].revents) serve_udp();
      if (p[1].revents) serve_tcp();
    }
  }

  void serve_udp() {
    uint8_t buf[4096];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    ++udp_queries_;
    std::string out = answer(buf, size_t(n), true);
    sendto(udp_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }

  void serve_tcp() {
    int fd = accept(tcp_, nullptr, nullptr);
    if (fd < 0) return;
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t head[2], buf[4096];
    if (recv(fd, head, 2, MSG_WAITALL) == 2) {
      size_t want = size_t(head[0]) << 8 | head[1];
      if (want <= sizeof buf && recv(fd, buf, want, MSG_WAITALL) == ssize_t(want)) {
        ++tcp_queries_;
        std::string out = answer(buf, want, false);
        std::string framed = {char(out.size() >> 8), char(out.size() & 0xff)};
        framed += out;
        send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
      }
    }
    close(fd);
  }

  std::string answer(const uint8_t* data, size_t size, bool udp) {
    ldns_pkt* q = nullptr;
    if (ldns_wire2pkt(&q, data, size) != LDNS_STATUS_OK) return "";
    if (ldns_pkt_rd(q)) ++rd_queries_;
    ldns_pkt* a = ldns_pkt_new();
    ldns_pkt_set_id(a, ldns_pkt_id(q));
    ldns_pkt_set_qr(a, true);
    ldns_pkt_set_rd(a, ldns_pkt_rd(q));
    ldns_pkt_set_ra(a, true);
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    char* text = ldns_rdf2str(ldns_rr_owner(question));
    std::string owner = text ? text : "";
    free(text);
    for (char& c : owner) c = char(std::tolower(static_cast<unsigned char>(c)));
    auto it = table_.find(owner);
    if (it == table_.end()) {
      ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
    } else if (udp && it->second.truncate) {
      ldns_pkt_set_tc(a, true);
    } else {
      ldns_pkt_set_rcode(a, it->second.rcode);
      for (const std::string& text : it->second.records) {
        ldns_rr* rr = nullptr;
        if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK) continue;
        bool wanted = ldns_rr_get_type(rr) == ldns_rr_get_type(question) ||
                      ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME;
        if (wanted)
          ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
        else
          ldns_rr_free(rr);
      }
    }
    uint8_t* wire = nullptr;
    size_t len = 0;
    std::string out;
    if (ldns_pkt2wire(&wire, a, &len) == LDNS_STATUS_OK)
      out.assign(reinterpret_cast<char*>(wire), len);
    free(wire);
    ldns_pkt_free(a);
    ldns_pkt_free(q);
    return out;
  }

  std::map<std::string, Reply> table_;
  int udp_ = -1, tcp_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udp_queries_{0}, tcp_queries_{0}, rd_queries_{0};
  std::thread thread_;
};

// A UDP socket that is bound and never answers: a resolver that is there but silent.
struct SilentServer {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;
  SilentServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { close(fd); }
  fcrdns::Server server() const { return {"127.0.0.1", port, "127.0.0.1:" + std::to_string(port)}; }
};

// A loopback UDP port where nothing listens (bound, learned, closed again).
uint16_t closed_port() {
  SilentServer s;
  return s.port;
}

const std::map<std::string, Reply> kZone = {
    {"mail.example.test.",
     {LDNS_RCODE_NOERROR,
      {"mail.example.test. 60 IN A 192.0.2.25", "mail.example.test. 60 IN AAAA 2001:db8::25"}}},
    {"bad.example.test.", {LDNS_RCODE_NOERROR, {"bad.example.test. 60 IN A 192.0.2.99"}}},
    {"alias.example.test.",
     {LDNS_RCODE_NOERROR,
      {"alias.example.test. 60 IN CNAME mail.example.test.",
       "mail.example.test. 60 IN A 192.0.2.25", "other.example.test. 60 IN A 192.0.2.77"}}},
    {"empty.example.test.", {LDNS_RCODE_NOERROR, {}}},
    {"broken.example.test.", {LDNS_RCODE_SERVFAIL, {}}},
    {"big.example.test.",
     {LDNS_RCODE_NOERROR, {"big.example.test. 60 IN A 192.0.2.50"}, /*truncate=*/true}},
};

fcrdns::StubResolver stub(std::vector<fcrdns::Server> servers, Millis timeout = Millis(2000)) {
  fcrdns::StubOptions o;
  o.servers = std::move(servers);
  o.timeout = timeout;
  return fcrdns::StubResolver(o);
}

}  // namespace

TEST_CASE("judge: the address among the records of its own family confirms") {
  const std::string t = "mail.example.test.";
  auto v = fcrdns::judge(ip("192.0.2.25"), t, Forward{ok({"192.0.2.25"}), ok({"2001:db8::25"})});
  CHECK(v.state == State::Confirmed);
  CHECK(v.reason == "mail.example.test. resolves to 192.0.2.25, 2001:db8::25");
  CHECK(fcrdns::judge(ip("2001:db8::25"), t, Forward{ok({}), ok({"2001:db8::1", "2001:db8::25"})})
            .state == State::Confirmed);
  // The AAAA lookup failing does not matter for an IPv4 address that its A confirms.
  CHECK(fcrdns::judge(ip("192.0.2.25"), t, Forward{ok({"192.0.2.25"}), kDown}).state ==
        State::Confirmed);
}

TEST_CASE("judge: other addresses, no addresses, no name, no resolver") {
  const std::string t = "bad.example.test.";
  auto other = fcrdns::judge(ip("192.0.2.25"), t, Forward{ok({"192.0.2.99"}), ok({})});
  CHECK(other.state == State::Unconfirmed);
  CHECK(other.reason == "bad.example.test. resolves to 192.0.2.99, not to 192.0.2.25");
  // An IPv4 address is not confirmed by an AAAA record with the mapped address, nor
  // the other way round.
  auto family = fcrdns::judge(ip("2001:db8::25"), t, Forward{ok({"192.0.2.25"}), ok({})});
  CHECK(family.state == State::Unconfirmed);
  CHECK(family.reason == "bad.example.test. resolves to 192.0.2.25, not to 2001:db8::25");
  auto nx = fcrdns::judge(ip("192.0.2.25"), t, Forward{kNoName, kNoName});
  CHECK(nx.state == State::Unresolvable);
  CHECK(nx.reason == "bad.example.test. does not resolve (NXDOMAIN)");
  auto none = fcrdns::judge(ip("192.0.2.25"), t, Forward{ok({}), ok({})});
  CHECK(none.state == State::Unresolvable);
  CHECK(none.reason == "bad.example.test. does not resolve (it has no A or AAAA records)");
  auto down = fcrdns::judge(ip("192.0.2.25"), t, Forward{kDown, ok({"2001:db8::25"})});
  CHECK(down.state == State::Unresolvable);
  CHECK(down.reason ==
        "cannot resolve bad.example.test.: resolver 127.0.0.1:9 did not answer within 5 ms");
  CHECK(std::string(fcrdns::state_name(State::Unconfirmed)) == "unconfirmed");
  CHECK(fcrdns::parse_mode("require") == fcrdns::Mode::Require);
  CHECK(fcrdns::parse_mode("Require") == std::nullopt);
  CHECK(std::string(fcrdns::mode_name(fcrdns::Mode::Warn)) == "warn");
}

TEST_CASE("stub: A and AAAA with RD, NXDOMAIN, no data, CNAME chains") {
  TestServer dns(kZone);
  auto r = stub({dns.server()});
  auto found = r.resolve({"mail.example.test.", "missing.example.test.", "empty.example.test.",
                          "alias.example.test.", "MAIL.Example.TEST."});
  REQUIRE(found.size() == 5);
  CHECK(found[0].a.status == Answer::Status::Ok);
  CHECK(fcrdns::join_addresses(found[0].a.addresses) == "192.0.2.25");
  CHECK(fcrdns::join_addresses(found[0].aaaa.addresses) == "2001:db8::25");
  CHECK(found[1].a.status == Answer::Status::NoName);
  CHECK(found[1].aaaa.status == Answer::Status::NoName);
  CHECK(found[2].a.status == Answer::Status::Ok);
  CHECK(found[2].a.addresses.empty());
  // Only the chain's records count, not other names in the answer section.
  CHECK(fcrdns::join_addresses(found[3].a.addresses) == "192.0.2.25");
  CHECK(found[3].aaaa.addresses.empty());
  // Names compare case-insensitively; the question is echoed as asked.
  CHECK(fcrdns::join_addresses(found[4].a.addresses) == "192.0.2.25");
  CHECK(dns.udp_queries() == 10);
  CHECK(dns.rd_queries() == 10);
}

TEST_CASE("stub: a truncated answer is asked again over TCP") {
  TestServer dns(kZone);
  auto found = stub({dns.server()}).resolve({"big.example.test."});
  CHECK(found[0].a.status == Answer::Status::Ok);
  CHECK(fcrdns::join_addresses(found[0].a.addresses) == "192.0.2.50");
  CHECK(dns.tcp_queries() == 2);
}

TEST_CASE("stub: the next resolver after SERVFAIL or silence") {
  TestServer first(kZone), second(kZone);
  auto found = stub({first.server(), second.server()}).resolve({"broken.example.test."});
  CHECK(found[0].a.status == Answer::Status::Failed);
  CHECK(found[0].a.error == "resolver " + first.server().text + " answered SERVFAIL; resolver " +
                                second.server().text + " answered SERVFAIL");
  SilentServer silent;
  auto start = Clock::now();
  found = stub({silent.server(), second.server()}, Millis(150)).resolve({"mail.example.test."});
  CHECK(Clock::now() - start < Millis(1000));
  CHECK(fcrdns::join_addresses(found[0].a.addresses) == "192.0.2.25");
  CHECK(fcrdns::join_addresses(found[0].aaaa.addresses) == "2001:db8::25");
}

TEST_CASE("stub: a resolver that never answers stops the run after one timeout") {
  SilentServer silent;
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) many.push_back("host" + std::to_string(i) + ".example.test.");
  auto start = Clock::now();
  auto found = stub({silent.server()}, Millis(200)).resolve(many);
  auto took = Clock::now() - start;
  CHECK(took >= Millis(200));
  CHECK(took < Millis(1500));
  REQUIRE(found.size() == 100);
  for (const auto& f : found) {
    CHECK(f.a.status == Answer::Status::Failed);
    CHECK(f.aaaa.error == "resolver " + silent.server().text + " did not answer within 200 ms");
  }
}

TEST_CASE("stub: nothing listening on the port fails at once and names the resolver") {
  uint16_t port = closed_port();
  auto start = Clock::now();
  auto found =
      stub({{"127.0.0.1", port, "127.0.0.1:" + std::to_string(port)}}).resolve({"a.example."});
  CHECK(Clock::now() - start < Millis(1000));
  CHECK(found[0].a.status == Answer::Status::Failed);
  CHECK(found[0].a.error.find("resolver 127.0.0.1:" + std::to_string(port) + " is unreachable") ==
        0);
  auto none = stub({}).resolve({"a.example."});
  CHECK(none[0].a.error == "no resolver is configured");
}
