// TCP clients that try to hold the server's connection slots: slow senders (a byte at a
// time, each restarting no clock), one address opening many connections, and thousands
// of idle connections and slow senders while dnsperf queries over UDP.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using wire::Bytes;

namespace {

wire::Query ptr_query(uint16_t id) {
  wire::Query q;
  q.name = "1.2.0.192.in-addr.arpa.";
  q.id = id;
  return q;
}

Bytes framed(const Bytes& message) {
  Bytes out(2 + message.size());
  out[0] = uint8_t(message.size() >> 8);
  out[1] = uint8_t(message.size());
  std::copy(message.begin(), message.end(), out.begin() + 2);
  return out;
}

// A new connection that is answered within `timeout`, or nullopt.
std::optional<wire::Reply> try_query(uint16_t port, bool v6, uint16_t id, Millis timeout) {
  try {
    wire::TcpClient c(port, v6);
    return c.exchange(wire::build(ptr_query(id)), timeout);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

TEST_CASE("a TCP client that sends its query a byte at a time is closed after tcp-io-timeout") {
  RdnsdOptions o;
  o.server = {"tcp-io-timeout: 400", "tcp-idle-timeout: 10000"};
  Rdnsd d(o);
  const Bytes query = framed(wire::build(ptr_query(0x5101)));
  wire::TcpClient slow(d.port());
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  // One byte every 100 ms: the whole query would take seconds, the idle timeout is 10 s.
  for (size_t i = 0; i + 1 < query.size() && !closed; ++i) {
    if (!slow.send_raw(Bytes{query[i]})) break;
    closed = slow.closed_by_peer(Millis(100));
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(closed);
  CHECK(waited >= Millis(350));
  CHECK(waited < Millis(2500));
  // A query split over a few quick writes is still answered, and so is the next one on
  // the same connection after a pause longer than tcp-io-timeout (no message was pending).
  wire::TcpClient ok(d.port());
  REQUIRE(ok.send_raw(Bytes(query.begin(), query.begin() + 1)));
  std::this_thread::sleep_for(Millis(50));
  REQUIRE(ok.send_raw(Bytes(query.begin() + 1, query.end())));
  auto first = ok.receive_message(Millis(2000));
  CHECK(first);
  std::this_thread::sleep_for(Millis(600));
  auto second = ok.exchange(wire::build(ptr_query(0x5102)));
  REQUIRE(second);
  CHECK(second->id == 0x5102);
  CHECK(second->an == 1);
}

TEST_CASE("tcp-max-per-client limits the connections of one client address, not of others") {
  RdnsdOptions o;
  o.server = {"tcp-max-per-client: 2", "tcp-max-connections: 100"};
  Rdnsd d(o);
  std::vector<std::unique_ptr<wire::TcpClient>> held;
  for (uint16_t i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<wire::TcpClient>(d.port()));
    REQUIRE(held.back()->exchange(wire::build(ptr_query(0x5200 + i))));
  }
  // A third from 127.0.0.1 is closed unanswered; one from ::1 is another client.
  CHECK_FALSE(try_query(d.port(), false, 0x5202, Millis(1000)));
  auto v6 = try_query(d.port(), true, 0x5203, Millis(2000));
  REQUIRE(v6);
  CHECK(v6->an == 1);
  // UDP is not limited.
  auto udp = d.dig({"-x", "192.0.2.1"});
  INFO(udp.describe());
  CHECK(udp.answer.size() == 1);
  // Once one of the two closes, 127.0.0.1 may connect again.
  held.pop_back();
  std::optional<wire::Reply> later;
  for (int i = 0; i < 20 && !later; ++i) {
    later = try_query(d.port(), false, 0x5204, Millis(500));
    if (!later) std::this_thread::sleep_for(Millis(50));
  }
  CHECK(later);
}

TEST_CASE("a zero-length TCP message closes the connection, as knotd and nsd do") {
  Rdnsd d;
  wire::TcpClient c(d.port());
  auto first = c.exchange(wire::build(ptr_query(0x5301)));
  REQUIRE(first);
  CHECK(first->an == 1);
  REQUIRE(c.send_raw(Bytes{0, 0}));
  CHECK(c.closed_by_peer(Millis(2000)));
  // The server goes on serving other connections.
  wire::TcpClient other(d.port());
  auto r = other.exchange(wire::build(ptr_query(0x5302)));
  REQUIRE(r);
  CHECK(r->an == 1);
}

namespace {

// Raises this process's open-file limit (rdnsd, started after, inherits it) to `want`.
void raise_file_limit(rlim_t want) {
  rlimit r{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &r) == 0);
  if (r.rlim_cur >= want) return;
  REQUIRE_MESSAGE(r.rlim_max >= want,
                  "the hard open-file limit " << r.rlim_max << " is below " << want);
  r.rlim_cur = want;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &r) == 0);
}

// dnsperf's "Queries sent/completed/lost" lines.
struct Perf {
  long sent = -1, completed = -1, lost = -1;
};
Perf parse_dnsperf(const std::string& out) {
  Perf p;
  auto number = [&](const std::string& label) {
    const size_t at = out.find(label);
    return at == std::string::npos ? -1L : std::stol(out.substr(at + label.size()));
  };
  p.sent = number("Queries sent:");
  p.completed = number("Queries completed:");
  p.lost = number("Queries lost:");
  return p;
}

}  // namespace

// Thousands of idle connections and slow senders hold TCP slots, not the UDP answer path:
// dnsperf's queries over UDP are all answered meanwhile; the slow senders are closed by
// tcp-io-timeout; the idle connections stay usable, and new TCP queries are answered.
// (The UDP rate beside an unloaded run is measured in bench/run_tcp_load.py.)
TEST_CASE("5,000 idle TCP connections and 200 slow senders: every UDP query of dnsperf answered") {
  constexpr int kIdle = 5000, kSlow = 200;
  raise_file_limit(3 * (kIdle + kSlow));
  RdnsdOptions o;
  o.server = {"tcp-max-connections: 6000", "tcp-max-per-client: 0", "tcp-idle-timeout: 60000",
              "tcp-io-timeout: 1000"};
  Rdnsd d(o);
  INFO(d.logs());
  std::vector<std::unique_ptr<wire::TcpClient>> idle, slow;
  for (int i = 0; i < kIdle; ++i)
    idle.push_back(std::make_unique<wire::TcpClient>(d.port(), i % 2));
  const Bytes query = framed(wire::build(ptr_query(0x5300)));
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<wire::TcpClient>(d.port()));
    REQUIRE(slow.back()->send_raw(Bytes{query[0]}));
  }
  // The slow senders go on, a byte every 200 ms each, while dnsperf runs.
  std::atomic<bool> done{false};
  std::thread dribble([&] {
    for (size_t byte = 1; byte + 1 < query.size() && !done; ++byte) {
      for (auto& c : slow) c->send_raw(Bytes{query[byte]});
      std::this_thread::sleep_for(Millis(200));
    }
  });
  const std::string queries = d.dir() + "/queries.txt";
  {
    std::ofstream q(queries);
    for (int i = 1; i <= 200; ++i) q << i << ".2.0.192.in-addr.arpa. PTR\n";
  }
  RunOptions perf_options;
  perf_options.timeout = Millis(20000);
  RunResult perf = run({"dnsperf", "-s", "127.0.0.1", "-p", std::to_string(d.port()), "-d", queries,
                        "-l", "4", "-Q", "10000", "-t", "2"},
                       perf_options);
  done = true;
  dribble.join();
  INFO(perf.out);
  const Perf p = parse_dnsperf(perf.out);
  CHECK(p.sent >= 30000);
  CHECK(p.lost == 0);
  CHECK(p.completed == p.sent);
  // Each slow sender was closed by tcp-io-timeout (its query never completed).
  int closed = 0;
  for (auto& c : slow) closed += c->closed_by_peer(Millis(100));
  CHECK(closed == kSlow);
  // The idle connections still answer, and a new one is answered too.
  for (int i : {0, 1, kIdle / 2, kIdle - 1}) {
    auto r = idle[size_t(i)]->exchange(wire::build(ptr_query(uint16_t(0x5400 + i))));
    CHECK_MESSAGE(r, "idle connection " << i);
  }
  auto fresh = d.dig({"+tcp", "-x", "192.0.2.1"});
  INFO(fresh.describe());
  CHECK(fresh.answer.size() == 1);
  CHECK(d.alive());
}

// rdnsd raises its open-file limit to what its connection limits need (here from a soft
// limit of 512, well below tcp-max-connections), so that accept does not fail first.
TEST_CASE("rdnsd raises a low open-file limit to what tcp-max-connections needs") {
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  REQUIRE(saved.rlim_max >= 8000);
  rlimit low = saved;
  low.rlim_cur = 512;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  RdnsdOptions o;
  o.server = {"tcp-max-connections: 6000"};
  std::optional<Rdnsd> d;
  d.emplace(o);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);  // this process's own limit back
  std::ifstream limits("/proc/" + std::to_string(d->pid()) + "/limits");
  std::string line, soft;
  while (std::getline(limits, line))
    if (line.rfind("Max open files", 0) == 0) soft = line.substr(26, 21);
  INFO(soft);
  CHECK(std::stol(soft) >= 6000 + 64);
  CHECK(d->stderr_text().find("open files limit") == std::string::npos);
}
