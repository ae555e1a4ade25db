// TCP clients that try to hold the server's connection slots: slow senders (a byte at a
// time, each restarting no clock) and one address opening many connections.
#include <chrono>
#include <memory>
#include <optional>
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
  Bytes out{uint8_t(message.size() >> 8), uint8_t(message.size())};
  out.insert(out.end(), message.begin(), message.end());
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
