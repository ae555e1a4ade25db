// NOTIFY and SOA polls against a secondary played by a UDP socket of the test (and a TCP
// listener, for polls it refuses over UDP): what it receives (coalesced NOTIFYs, retries,
// SOA queries once a NOTIFY is answered) and the status that follows from the serials it
// answers.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/xfr/notifier.h"

using namespace rdnsd;
using namespace std::chrono_literals;

namespace {

const std::string kZone = "2.0.192.in-addr.arpa.";

struct FakeSecondary {
  int fd = -1;
  uint16_t port = 0;
  FakeSecondary() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~FakeSecondary() { close(fd); }
  struct Got {
    std::vector<uint8_t> msg;
    sockaddr_in from{};
    uint8_t opcode() const { return (msg[2] >> 3) & 15; }
  };
  // The next request within `wait`.
  std::optional<Got> receive(std::chrono::milliseconds wait) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, int(wait.count())) <= 0) return std::nullopt;
    Got g;
    g.msg.resize(4096);
    socklen_t len = sizeof g.from;
    ssize_t n =
        recvfrom(fd, g.msg.data(), g.msg.size(), 0, reinterpret_cast<sockaddr*>(&g.from), &len);
    g.msg.resize(size_t(std::max<ssize_t>(n, 0)));
    return g;
  }
  // The next request of `opcode`, skipping others.
  std::optional<Got> receive_op(uint8_t opcode, std::chrono::milliseconds wait) {
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      auto g = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now()));
      if (g && g->opcode() == opcode) return g;
    }
    return std::nullopt;
  }
  void answer(const Got& g, std::optional<uint32_t> soa_serial = std::nullopt) {
    std::vector<uint8_t> out = build_answer(g, soa_serial);
    sendto(fd, out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&g.from),
           sizeof g.from);
  }
  std::vector<uint8_t> build_answer(const Got& g, std::optional<uint32_t> soa_serial) {
    std::vector<uint8_t> out = g.msg;
    out[2] |= 0x80;
    if (soa_serial) {
      out[7] = 1;  // ANCOUNT
      const uint8_t rr[] = {0xC0,
                            12,
                            0,
                            6,
                            0,
                            1,
                            0,
                            0,
                            0,
                            60,
                            0,
                            22,
                            0,
                            0,
                            uint8_t(*soa_serial >> 24),
                            uint8_t(*soa_serial >> 16),
                            uint8_t(*soa_serial >> 8),
                            uint8_t(*soa_serial),
                            0,
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            1};
      out.insert(out.end(), rr, rr + sizeof rr);
    }
    return out;
  }
  // Answers whatever comes for `wait`: NOTIFYs, and SOA queries with `serial`.
  int serve(uint32_t serial, std::chrono::milliseconds wait) {
    int notifies = 0;
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      auto g = receive(50ms);
      if (!g) continue;
      if (g->opcode() == 4) {
        ++notifies;
        answer(*g);
      } else {
        answer(*g, serial);
      }
    }
    return notifies;
  }
};

xfr::ReplicationPolicy policy_for(const FakeSecondary& s, std::chrono::seconds timeout = 60s) {
  xfr::SecondaryPeer peer;
  peer.text = "127.0.0.1:" + std::to_string(s.port);
  auto* a = reinterpret_cast<sockaddr_in*>(&peer.address);
  a->sin_family = AF_INET;
  a->sin_port = htons(s.port);
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  xfr::ReplicationPolicy p;
  p.zones[kZone].secondaries.push_back(peer);
  p.zones[kZone].status_timeout = timeout;
  return p;
}

}  // namespace

TEST_CASE("NOTIFY at start: opcode NOTIFY, AA, the zone's SOA question") {
  FakeSecondary sec;
  xfr::Notifier n(policy_for(sec), nullptr,
                  [](logging::Level, const std::string&, const logging::Fields&) {});
  n.start({{kZone, 7}});
  auto g = sec.receive_op(4, 2000ms);
  REQUIRE(g);
  CHECK((g->msg[2] & 0x04) != 0);         // AA
  CHECK(g->msg[5] == 1);                  // one question
  CHECK(g->msg[12] == 1);                 // "2" of 2.0.192.in-addr.arpa.
  CHECK(g->msg[g->msg.size() - 3] == 6);  // QTYPE SOA
  n.stop();
}

TEST_CASE("status: pending until the secondary answers the new serial, then active") {
  FakeSecondary sec;
  xfr::Notifier n(policy_for(sec), nullptr,
                  [](logging::Level, const std::string&, const logging::Fields&) {});
  n.start({{kZone, 7}});
  const std::time_t now = std::time(nullptr);
  CHECK(n.status(kZone, 7, now, now) == xfr::Status::Pending);
  sec.serve(6, 500ms);  // still behind
  CHECK(n.status(kZone, 7, now, std::time(nullptr)) == xfr::Status::Pending);
  sec.serve(7, 700ms);
  CHECK(n.status(kZone, 7, now, std::time(nullptr)) == xfr::Status::Active);
  auto states = n.secondaries(kZone);
  REQUIRE(states.size() == 1);
  CHECK(states[0].serial == 7u);
  CHECK(states[0].answered != 0);
  // A later change: pending again until it is served too.
  n.changed(kZone, 8);
  auto g = sec.receive_op(4, 2000ms);
  REQUIRE(g);
  sec.answer(*g);
  CHECK(n.status(kZone, 8, std::time(nullptr), std::time(nullptr)) == xfr::Status::Pending);
  CHECK(n.status(kZone, 7, now, std::time(nullptr)) == xfr::Status::Active);
  sec.serve(8, 700ms);
  CHECK(n.status(kZone, 8, std::time(nullptr), std::time(nullptr)) == xfr::Status::Active);
  n.stop();
}

TEST_CASE("status: error once a secondary stays behind past the zone's status timeout") {
  FakeSecondary sec;
  xfr::Notifier n(policy_for(sec, 1s), nullptr,
                  [](logging::Level, const std::string&, const logging::Fields&) {});
  n.start({{kZone, 7}});
  const std::time_t t0 = std::time(nullptr);
  sec.serve(6, 300ms);
  CHECK(n.status(kZone, 7, t0, t0) == xfr::Status::Pending);
  CHECK(n.status(kZone, 7, t0, t0 + 2) == xfr::Status::Error);
  n.stop();
}

TEST_CASE("NOTIFY is coalesced: changes while one is in flight make one more after its answer") {
  FakeSecondary sec;
  xfr::Notifier n(policy_for(sec), nullptr,
                  [](logging::Level, const std::string&, const logging::Fields&) {});
  n.start({{kZone, 7}});
  auto first = sec.receive_op(4, 2000ms);
  REQUIRE(first);
  for (uint32_t s = 8; s < 18; ++s) n.changed(kZone, s);
  std::this_thread::sleep_for(200ms);
  // Nothing new while the first is unanswered (a retry comes only after 1 s).
  auto early = sec.receive_op(4, 300ms);
  CHECK_FALSE(early);
  sec.answer(*first);
  auto second = sec.receive_op(4, 1000ms);
  REQUIRE(second);
  sec.answer(*second);
  // ... and no third: the ten changes were one.
  CHECK_FALSE(sec.receive_op(4, 500ms));
  n.stop();
}

TEST_CASE("an unanswered NOTIFY is sent again after about a second, then with backoff") {
  FakeSecondary sec;
  xfr::Notifier n(policy_for(sec), nullptr,
                  [](logging::Level, const std::string&, const logging::Fields&) {});
  const auto t0 = std::chrono::steady_clock::now();
  n.start({{kZone, 7}});
  REQUIRE(sec.receive_op(4, 1000ms));
  REQUIRE(sec.receive_op(4, 2000ms));
  const auto t1 = std::chrono::steady_clock::now();
  CHECK(t1 - t0 >= 900ms);
  REQUIRE(sec.receive_op(4, 3000ms));  // the second retry waits 2 s
  CHECK(std::chrono::steady_clock::now() - t1 >= 1800ms);
  n.stop();
}

TEST_CASE("a zone without secondaries is active at once") {
  xfr::Notifier n({}, nullptr, [](logging::Level, const std::string&, const logging::Fields&) {});
  n.start({{kZone, 7}});
  const std::time_t now = std::time(nullptr);
  CHECK(n.status(kZone, 7, now, now) == xfr::Status::Active);
  CHECK(n.secondaries(kZone).empty());
  n.stop();
}

namespace {

// The secondary's TCP side on the same port: accepts one connection at a time and
// answers each framed SOA query with `serial`. Counts what it answered.
struct FakeTcpSide {
  int fd = -1;
  int answered = 0;
  explicit FakeTcpSide(uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd, 8) == 0;
  }
  bool bound = false;  // the port may be taken for TCP while free for UDP: try another
  ~FakeTcpSide() { close(fd); }
  // Serves connections for `wait`, answering through `udp` (which builds the answer).
  void serve(FakeSecondary& udp, uint32_t serial, std::chrono::milliseconds wait) {
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd, nullptr, nullptr);
      if (c < 0) continue;
      uint8_t head[2];
      FakeSecondary::Got g;
      if (recv(c, head, 2, MSG_WAITALL) == 2) {
        g.msg.resize(size_t(head[0]) << 8 | head[1]);
        if (recv(c, g.msg.data(), g.msg.size(), MSG_WAITALL) == ssize_t(g.msg.size())) {
          std::vector<uint8_t> out = udp.build_answer(g, serial);
          const uint8_t len[2] = {uint8_t(out.size() >> 8), uint8_t(out.size())};
          send(c, len, 2, 0);
          send(c, out.data(), out.size(), 0);
          ++answered;
        }
      }
      close(c);
    }
  }
};

}  // namespace

// knotd answers a catalog it interprets over TCP only (REFUSED over UDP); a truncated
// answer means the same. The poll is asked again over TCP, and the status follows.
TEST_CASE("an SOA poll refused or truncated over UDP is asked over TCP") {
  for (const uint8_t flags3 : {uint8_t(0x05), uint8_t(0x00)}) {  // REFUSED; NOERROR with TC
    CAPTURE(int(flags3));
    std::unique_ptr<FakeSecondary> udp;
    std::unique_ptr<FakeTcpSide> tcp_side;
    for (int attempt = 0; attempt < 20 && !(tcp_side && tcp_side->bound); ++attempt) {
      udp = std::make_unique<FakeSecondary>();
      tcp_side = std::make_unique<FakeTcpSide>(udp->port);
    }
    REQUIRE(tcp_side->bound);
    FakeSecondary& sec = *udp;
    FakeTcpSide& tcp = *tcp_side;
    xfr::Notifier n(policy_for(sec), nullptr,
                    [](logging::Level, const std::string&, const logging::Fields&) {});
    n.start({{kZone, 7}});
    // Over UDP: the NOTIFY is answered, every SOA query refused or truncated.
    auto until = std::chrono::steady_clock::now() + 600ms;
    while (std::chrono::steady_clock::now() < until) {
      auto g = sec.receive(50ms);
      if (!g) continue;
      if (g->opcode() == 4) {
        sec.answer(*g);
        continue;
      }
      std::vector<uint8_t> out = g->msg;
      out[2] |= 0x80;
      if (flags3 == 0) out[2] |= 0x02;  // TC
      out[3] = flags3;
      sendto(sec.fd, out.data(), out.size(), 0, reinterpret_cast<const sockaddr*>(&g->from),
             sizeof g->from);
    }
    tcp.serve(sec, 7, 800ms);
    CHECK(tcp.answered >= 1);
    CHECK(n.status(kZone, 7, std::time(nullptr), std::time(nullptr)) == xfr::Status::Active);
    auto states = n.secondaries(kZone);
    REQUIRE(states.size() == 1);
    CHECK(states[0].serial == 7u);
    CHECK(states[0].error.empty());
    n.stop();
  }
}
