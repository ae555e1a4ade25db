// Zone transfers from clients that try to hurt the server: one that asks for a 50,000
// record zone and never reads, requests cut short or padded to 64 KiB, IXFRs with a bogus
// SOA, AXFR of names that are not a zone's apex, several big transfers at once while
// queries come in, and queries pipelined behind a transfer. Each ends with the same PID
// still answering.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

// Last: its headers define bool as a macro, which breaks <compare> in the C++ headers.
#include <ldns/ldns.h>

using namespace rdnsd::e2e;
using wire::Bytes;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kBig = "18.198.in-addr.arpa.";
constexpr const char* kSmall = "2.0.192.in-addr.arpa.";
constexpr int kBigRecords = 50000;
constexpr int kNotAuth = 9;
// The big zone's AXFR: the SOA twice, its NS, and every PTR.
constexpr uint64_t kBigAxfrRecords = kBigRecords + 3;

// The default zones, a /16 for the big transfers, and transfers allowed from loopback.
// tcp-max-per-client is off: some cases open a hundred connections at once from 127.0.0.1.
RdnsdOptions abuse_options(unsigned idle_ms) {
  RdnsdOptions o;
  o.server = {"tcp-idle-timeout: " + std::to_string(idle_ms), "tcp-max-per-client: 0"};
  o.zones = std::string(kDefaultZones) +
            "  - prefix: 198.18.0.0/16\n"
            "    ns: [ns1.example.net.]\n"
            "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
            "    ttl: 300\n"
            "zone-defaults:\n"
            "  allow-transfer: [{from: 127.0.0.0/8}]\n";
  return o;
}

// 50,000 PTRs in 198.18.0.0/16, loaded with one `rdnsctl batch` from a generated file.
// Each target starts with a 60-byte label of its own (no compression can share it), so
// that the AXFR (about 4 MB) is larger than what the kernel buffers for one loopback
// connection (about 2.3 MB here): a client that does not read then really holds the
// server's writes.
void load_big_zone(const Rdnsd& d) {
  std::string csv;
  csv.reserve(kBigRecords * 100);
  for (int i = 0; i < kBigRecords; ++i) {
    std::string label = "h-" + std::to_string(i) + "-";
    label.resize(60, 'x');
    csv += "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "," + label +
           ".example.net.\n";
  }
  const std::string path = d.dir() + "/big.csv";
  write_file(path, csv);
  must(d.rdnsctl({"batch", path}));
}

wire::Query transfer_query(const std::string& zone, uint16_t id, uint16_t type = wire::rr::AXFR) {
  wire::Query q;
  q.name = zone;
  q.qtype = type;
  q.id = id;
  return q;
}

wire::Query ptr_query(uint16_t id) {
  wire::Query q;
  q.name = "1.2.0.192.in-addr.arpa.";
  q.id = id;
  return q;
}

Bytes framed(const Bytes& message) {
  Bytes out;
  wire::put16(out, uint16_t(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

// One transfer's answer as it came: the messages, the records they hold, and whether it
// ended the way RFC 5936 section 2.2 says (a second SOA closing the last message).
struct Received {
  std::vector<Bytes> messages;
  uint64_t records = 0;
  bool complete = false;
  int rcode = -1;          // of the first message
  Millis longest_wait{0};  // between two messages, for failure messages
  std::string why;         // what went wrong, for failure messages
  Bytes stream() const {
    Bytes all;
    for (const auto& m : messages) all.insert(all.end(), m.begin(), m.end());
    return all;
  }
};

// Reads a transfer's messages from `c` until the closing SOA, an error, or `timeout`.
Received read_transfer(wire::TcpClient& c, Millis timeout) {
  Received out;
  const auto deadline = Clock::now() + timeout;
  while (!out.complete) {
    const auto asked = Clock::now();
    auto left = std::chrono::duration_cast<Millis>(deadline - asked);
    auto m = c.receive_message(std::max(left, Millis(0)));
    out.longest_wait =
        std::max(out.longest_wait, std::chrono::duration_cast<Millis>(Clock::now() - asked));
    if (!m) {
      out.why = "no message " + std::to_string(out.messages.size() + 1) + " (timeout or closed)";
      return out;
    }
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, m->data(), m->size()) != LDNS_STATUS_OK) {
      out.why = "message " + std::to_string(out.messages.size() + 1) + " does not parse";
      return out;
    }
    Pkt p(raw);
    if (out.messages.empty()) out.rcode = ldns_pkt_get_rcode(p.get());
    out.messages.push_back(std::move(*m));
    if (ldns_pkt_get_rcode(p.get()) != LDNS_RCODE_NOERROR) {
      out.why = "rcode " + std::to_string(ldns_pkt_get_rcode(p.get()));
      return out;
    }
    const ldns_rr_list* an = ldns_pkt_answer(p.get());
    const size_t n = ldns_rr_list_rr_count(an);
    if (out.records == 0 &&
        (n == 0 || ldns_rr_get_type(ldns_rr_list_rr(an, 0)) != LDNS_RR_TYPE_SOA)) {
      out.why = "the first record is not the SOA";
      return out;
    }
    out.records += n;
    if (out.records > 1 && n > 0 &&
        ldns_rr_get_type(ldns_rr_list_rr(an, n - 1)) == LDNS_RR_TYPE_SOA)
      out.complete = true;
  }
  return out;
}

Received axfr(uint16_t port, const std::string& zone, uint16_t id = 0x0a0f,
              Millis timeout = Millis(20000)) {
  wire::TcpClient c(port);
  if (!c.send_message(wire::build(transfer_query(zone, id)))) return {};
  return read_transfer(c, timeout);
}

std::string describe(const Received& r) {
  return std::to_string(r.messages.size()) + " messages, " + std::to_string(r.records) +
         " records, " + (r.complete ? "complete" : "incomplete: " + r.why) +
         "; longest wait for a message " + std::to_string(r.longest_wait.count()) + " ms";
}

// A client that asks for a transfer and then reads nothing: its receive buffer is made
// small before it connects, so that the server's writes to it stop at once.
class StuckClient {
 public:
  explicit StuckClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    int small = 2048;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~StuckClient() { ::close(fd_); }
  StuckClient(const StuckClient&) = delete;
  StuckClient& operator=(const StuckClient&) = delete;

  bool send(const Bytes& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }
  // True once the server has reset the connection (it closed it with our query still
  // unread, so the kernel sends RST), checked without reading anything.
  bool reset_within(Millis timeout) {
    pollfd p{fd_, POLLRDHUP, 0};
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
      if (poll(&p, 1, int(std::max<int64_t>(left.count(), 1))) > 0 &&
          (p.revents & (POLLERR | POLLHUP | POLLRDHUP)))
        return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
};

// What rdnsd does with one request on its own connection: the reply's RCODE, or -1 when
// it closed the connection without one, or -2 when it did neither within `timeout`.
int outcome(wire::TcpClient& c, Millis timeout) {
  auto m = c.receive_message(timeout);
  if (m) {
    auto r = wire::parse_reply(*m);
    return r ? r->rcode : -3;
  }
  return c.closed_by_peer(Millis(0)) ? -1 : -2;
}

// An SOA RR for the authority section of an IXFR: owner a pointer to the question name,
// root mname and rname, `serial`, then refresh, retry, expire and minimum.
Bytes soa_rr(uint32_t serial, uint16_t type = wire::rr::SOA) {
  Bytes b{0xC0, 0x0C};
  wire::put16(b, type);
  wire::put16(b, 1);
  wire::put32(b, 0);
  wire::put16(b, 22);
  b.push_back(0);
  b.push_back(0);
  wire::put32(b, serial);
  for (int i = 0; i < 4; ++i) wire::put32(b, 3600);
  return b;
}

// An IXFR request for `zone` with `authority` as its authority section (one RR).
Bytes ixfr_request(const std::string& zone, uint16_t id, const Bytes& authority) {
  Bytes b = wire::header(id, 0, 1, 0, 1, 0);
  Bytes name = wire::encode_name(zone);
  b.insert(b.end(), name.begin(), name.end());
  wire::put16(b, wire::rr::IXFR);
  wire::put16(b, 1);
  b.insert(b.end(), authority.begin(), authority.end());
  return b;
}

// True once rdnsd's log holds `text`, polled for up to `timeout`.
bool wait_until_logged(const Rdnsd& d, const std::string& text, Millis timeout = Millis(3000)) {
  const auto deadline = Clock::now() + timeout;
  while (d.stderr_text().find(text) == std::string::npos) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(50));
  }
  return true;
}

// The nice value of each of rdnsd's threads named `name` (from /proc/PID/task/*/stat).
std::vector<int> thread_nices(pid_t pid, const std::string& name) {
  std::vector<int> nices;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string thread;
    std::getline(comm, thread);
    if (thread != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
    // After "pid (comm) ": state is field 3, nice field 19.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
    }
    nices.push_back(std::stoi(field));
  }
  return nices;
}

}  // namespace

TEST_CASE("an AXFR client that never reads holds nothing up and is closed after the idle timeout") {
  Rdnsd d(abuse_options(1500));
  INFO(d.logs());
  load_big_zone(d);

  StuckClient stuck(d.port());
  REQUIRE(stuck.send(framed(wire::build(transfer_query(kBig, 0x5700)))));
  std::this_thread::sleep_for(Millis(100));
  // Sent while rdnsd is busy with the transfer (it reads nothing until the transfer is
  // done), so that its close resets the connection instead of waiting for us to read.
  REQUIRE(stuck.send(framed(wire::build(ptr_query(0x5701)))));
  const auto stuck_since = Clock::now();

  auto udp = d.dig({"-x", "192.0.2.1"});
  auto tcp = d.dig({"+tcp", "-x", "192.0.2.1"});
  INFO(udp.describe());
  INFO(tcp.describe());
  CHECK(udp.answer.size() == 1);
  CHECK(tcp.answer.size() == 1);
  Received other = axfr(d.port(), kBig);
  INFO(describe(other));
  CHECK(other.complete);
  CHECK(other.records == kBigAxfrRecords);
  const auto checks_took = Clock::now() - stuck_since;
  // All of that happened while the stuck transfer was still open: rdnsd logs a broken
  // transfer only when it closes it.
  CHECK(checks_took < Millis(1500));
  CHECK(d.stderr_text().find("broken off") == std::string::npos);

  CHECK(stuck.reset_within(Millis(5000)));
  const auto closed_after = Clock::now() - stuck_since;
  CHECK(closed_after >= Millis(1000));
  CHECK(closed_after < Millis(4000));
  // The log says the transfer was cut short, with how far it got.
  CHECK(wait_until_logged(d, "broken off after"));
  CHECK(d.dig({"-x", "192.0.2.10"}).answer.size() == 1);
  CHECK(d.alive());
}

// Transfers run on a thread of their own at nice 19 (one per worker), so that they take
// the CPU the answering threads leave; the UDP and TCP answering threads stay at 0.
TEST_CASE("transfers are served by the rdnsd-xfr thread at nice 19, answers at nice 0") {
  Rdnsd d(abuse_options(3000));
  INFO(d.logs());
  load_big_zone(d);
  StuckClient stuck(d.port());
  REQUIRE(stuck.send(framed(wire::build(transfer_query(kBig, 0x5710)))));
  // The fixture's config has two workers.
  CHECK(thread_nices(d.pid(), "rdnsd-xfr") == std::vector<int>{19, 19});
  CHECK(thread_nices(d.pid(), "rdnsd-tcp") == std::vector<int>{0, 0});
  CHECK(thread_nices(d.pid(), "rdnsd-udp") == std::vector<int>{0, 0});
  // The stuck transfer is on that thread: the TCP thread still answers at once.
  auto tcp = d.dig({"+tcp", "-x", "192.0.2.1"});
  INFO(tcp.describe());
  CHECK(tcp.answer.size() == 1);
  Received other = axfr(d.port(), kBig);
  CHECK(other.complete);
  CHECK(other.records == kBigAxfrRecords);
  CHECK(d.alive());
}

// The idle timer is restarted at each write the client takes. A client that takes every
// write at once must get the whole zone however long the transfer lasts, even past
// tcp-idle-timeout (small here, so that a 4 MB transfer outlasts it).
TEST_CASE(
    "a client that reads at once gets the whole AXFR even when it outlasts the idle timeout") {
  Rdnsd d(abuse_options(100));
  INFO(d.logs());
  load_big_zone(d);
  for (int round = 0; round < 3; ++round) {
    Received r = axfr(d.port(), kBig);
    INFO("round " << round << ": " << describe(r));
    CHECK(r.complete);
    CHECK(r.records == kBigAxfrRecords);
  }
}

TEST_CASE(
    "four AXFRs of a 50,000 record zone at once, with queries meanwhile: all whole and equal") {
  Rdnsd d(abuse_options(10000));
  INFO(d.logs());
  load_big_zone(d);

  std::atomic<bool> done{false};
  int asked = 0, answered = 0;
  std::thread queries([&] {
    for (int i = 0; !done.load() || asked < 5; ++i) {
      auto r = d.dig({i % 2 ? "+tcp" : "+notcp", "-x", "192.0.2.1"});
      ++asked;
      if (r.answer.size() == 1 && r.answer[0].rdata == "gw.example.net.") ++answered;
    }
  });
  std::vector<Received> got(4);
  std::vector<std::thread> transfers;
  for (size_t i = 0; i < got.size(); ++i)
    transfers.emplace_back([&, i] { got[i] = axfr(d.port(), kBig); });
  for (auto& t : transfers) t.join();
  done = true;
  queries.join();

  CHECK(asked >= 5);
  CHECK(answered == asked);
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("transfer " << i << ": " << describe(got[i]));
    CHECK(got[i].complete);
    CHECK(got[i].records == kBigAxfrRecords);
    // The same zone at the same serial for the same question: the same bytes.
    CHECK(got[i].stream() == got[0].stream());
  }
  CHECK(d.alive());
}

TEST_CASE("queries pipelined behind an AXFR on its connection are answered after it, in order") {
  Rdnsd d(abuse_options(10000));
  INFO(d.logs());
  // The big zone's transfer goes out in many messages, a few at a time as the client
  // takes them: the queries behind it wait for all of them.
  std::string csv;
  for (int i = 0; i < 3000; ++i)
    csv += "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
           ",a-rather-long-host-name-" + std::to_string(i) + ".example.net.\n";
  write_file(d.dir() + "/some.csv", csv);
  must(d.rdnsctl({"batch", d.dir() + "/some.csv"}));

  for (const char* zone : {kSmall, kBig}) {
    INFO(zone);
    wire::TcpClient c(d.port());
    Bytes burst = framed(wire::build(transfer_query(zone, 0x7000)));
    for (uint16_t id = 0x7001; id <= 0x7003; ++id) {
      Bytes q = framed(wire::build(ptr_query(id)));
      burst.insert(burst.end(), q.begin(), q.end());
    }
    REQUIRE(c.send_raw(burst));
    Received t = read_transfer(c, Millis(10000));
    INFO(describe(t));
    CHECK(t.complete);
    for (const auto& m : t.messages) CHECK(wire::parse_reply(m)->id == 0x7000);
    if (std::string(zone) == kBig) CHECK(t.messages.size() > 1);
    for (uint16_t id = 0x7001; id <= 0x7003; ++id) {
      auto m = c.receive_message(Millis(2000));
      REQUIRE(m);
      auto r = wire::parse_reply(*m);
      REQUIRE(r);
      CHECK(r->id == id);
      CHECK(r->an == 1);
    }
  }
}

TEST_CASE("a transfer request cut at any length gets FORMERR or is closed, never more") {
  Rdnsd d(abuse_options(1000));
  INFO(d.logs());
  // An AXFR with an OPT RR and an IXFR with its SOA: every prefix of each, as a whole
  // message (a correct length prefix), on its own connection, all at once.
  wire::Query axfr_q = transfer_query(kSmall, 0x6a00);
  axfr_q.edns = true;
  const std::vector<Bytes> requests = {wire::build(axfr_q),
                                       ixfr_request(kSmall, 0x6b00, soa_rr(1))};
  for (const Bytes& full : requests) {
    std::vector<std::unique_ptr<wire::TcpClient>> conns;
    for (size_t len = 1; len < full.size(); ++len) {
      conns.push_back(std::make_unique<wire::TcpClient>(d.port()));
      REQUIRE(conns.back()->send_message(Bytes(full.begin(), full.begin() + ptrdiff_t(len))));
    }
    std::string seen;
    for (size_t len = 1; len < full.size(); ++len) {
      // The idle timeout (1 s) closes any connection left without an answer.
      const int o = outcome(*conns[len - 1], Millis(3000));
      seen += std::to_string(len) + ":" + std::to_string(o) + " ";
      INFO("cut at " << len << " of " << full.size() << " (-1 closed, -2 neither)");
      CHECK((o == wire::rcode::FORMERR || o == -1));
    }
    MESSAGE(seen);
  }
  // The whole requests are still fine.
  Received whole = axfr(d.port(), kSmall);
  CHECK(whole.complete);
  CHECK(d.alive());
}

TEST_CASE("a transfer request padded with 64 KiB of junk additional records gets FORMERR") {
  Rdnsd d(abuse_options(1000));
  INFO(d.logs());
  std::mt19937 rng(1234);
  for (uint16_t type : {wire::rr::AXFR, wire::rr::IXFR}) {
    INFO("type " << type);
    Bytes m = wire::header(0x6c00, 0, 1, 0, 0, 0xffff);
    Bytes name = wire::encode_name(kSmall);
    m.insert(m.end(), name.begin(), name.end());
    wire::put16(m, type);
    wire::put16(m, 1);
    while (m.size() < 65535) m.push_back(uint8_t(rng()));
    wire::TcpClient c(d.port());
    REQUIRE(c.send_message(m));
    CHECK(outcome(c, Millis(3000)) == wire::rcode::FORMERR);
  }
  CHECK(axfr(d.port(), kSmall).complete);
  CHECK(d.alive());
}

TEST_CASE("an IXFR whose authority SOA is bogus gets FORMERR") {
  Rdnsd d(abuse_options(1000));
  INFO(d.logs());
  const uint32_t serial = d.serial(kSmall);
  Bytes short_rdata = soa_rr(serial);
  short_rdata.resize(short_rdata.size() - 8);  // refresh .. minimum cut to two fields
  short_rdata[10] = 0;
  short_rdata[11] = 14;  // and RDLENGTH says so
  Bytes lying_length = soa_rr(serial);
  lying_length.resize(lying_length.size() - 8);  // RDLENGTH still says 22
  const std::vector<std::pair<std::string, Bytes>> cases = {
      {"SOA RDATA cut short", short_rdata},
      {"RDLENGTH past the end", lying_length},
      {"an A record instead of the SOA",
       [] {
         Bytes b{0xC0, 0x0C};
         wire::put16(b, wire::rr::A);
         wire::put16(b, 1);
         wire::put32(b, 0);
         wire::put16(b, 4);
         for (uint8_t x : {192, 0, 2, 1}) b.push_back(x);
         return b;
       }()},
      {"a PTR-typed record with SOA RDATA", soa_rr(serial, wire::rr::PTR)},
  };
  for (const auto& [what, authority] : cases) {
    INFO(what);
    wire::TcpClient c(d.port());
    REQUIRE(c.send_message(ixfr_request(kSmall, 0x6d00, authority)));
    CHECK(outcome(c, Millis(3000)) == wire::rcode::FORMERR);
  }
  // The same request with a good SOA is answered (the client is current: the SOA alone).
  wire::TcpClient c(d.port());
  REQUIRE(c.send_message(ixfr_request(kSmall, 0x6d01, soa_rr(serial))));
  CHECK(outcome(c, Millis(3000)) == wire::rcode::NOERROR);
  CHECK(d.alive());
}

TEST_CASE("AXFR of a name that is not a zone's apex is NOTAUTH") {
  Rdnsd d(abuse_options(1000));
  INFO(d.logs());
  for (const char* name : {"1.2.0.192.in-addr.arpa.", "0.192.in-addr.arpa.",
                           "0.18.198.in-addr.arpa.", "in-addr.arpa.", "example.com.", ""}) {
    INFO("'" << name << "' (empty: the root)");
    wire::TcpClient c(d.port());
    auto r = c.exchange(wire::build(transfer_query(name, 0x6e00)));
    REQUIRE(r);
    CHECK(r->rcode == kNotAuth);
    CHECK(r->an == 0);
  }
  CHECK(axfr(d.port(), kSmall).complete);
}
