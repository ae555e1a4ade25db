// Malformed and hostile packets: each one is answered FORMERR or dropped, never crashes
// or stalls the server, and a normal query is answered afterwards by the same process.
#include <random>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using wire::Bytes;

namespace {

constexpr uint16_t kProbeId = 0xBEEF;

Bytes probe() {
  wire::Query q;
  q.name = "1.2.0.192.in-addr.arpa.";
  q.id = kProbeId;
  return wire::build(q);
}

// Sends `bad`, then a normal query on the same socket, and returns every reply that came
// before the normal one's (the server's answers to `bad`). The normal query must be
// answered.
std::vector<wire::Reply> replies_to(const Rdnsd& d, const Bytes& bad) {
  wire::UdpClient udp(d.port());
  udp.send(bad);
  udp.send(probe());
  std::vector<wire::Reply> others;
  bool probed = false;
  for (int i = 0; i < 20 && !probed; ++i) {
    auto got = udp.receive(Millis(2000));
    if (!got) break;
    auto r = wire::parse_reply(*got);
    if (r && r->id == kProbeId && r->qr && r->rcode == wire::rcode::NOERROR && r->an == 1) {
      probed = true;
    } else if (r) {
      others.push_back(*r);
    } else {
      FAIL_CHECK("a reply shorter than a DNS header (" << got->size() << " bytes)");
    }
  }
  CHECK_MESSAGE(probed, "no answer to a normal query sent right after the bad packet");
  // A late answer to the bad packet would show up here.
  while (auto got = udp.receive(Millis(50)))
    if (auto r = wire::parse_reply(*got); r && r->id != kProbeId) others.push_back(*r);
  return others;
}

// `bad` gets FORMERR (same ID, QR set) or no answer at all.
void check_formerr_or_dropped(const Rdnsd& d, const Bytes& bad, const std::string& what) {
  INFO(what);
  auto replies = replies_to(d, bad);
  CHECK(replies.size() <= 1);
  for (const auto& r : replies) {
    CHECK(r.qr);
    CHECK(r.rcode == wire::rcode::FORMERR);
    if (bad.size() >= 2) CHECK(r.id == (bad[0] << 8 | bad[1]));
  }
}

void check_dropped(const Rdnsd& d, const Bytes& bad, const std::string& what) {
  INFO(what);
  auto replies = replies_to(d, bad);
  CHECK_MESSAGE(replies.empty(), "the server answered a packet it must drop");
}

// The same process still answers over UDP and TCP.
void check_still_serving(Rdnsd& d, pid_t pid) {
  CHECK(d.alive());
  CHECK(d.pid() == pid);
  auto udp = d.dig({"-x", "192.0.2.1"});
  INFO(udp.describe());
  CHECK(udp.status == "NOERROR");
  CHECK(udp.answer.size() == 1);
  auto tcp = d.dig({"+tcp", "-x", "2001:db8::1"});
  INFO(tcp.describe());
  CHECK(tcp.status == "NOERROR");
  CHECK(tcp.answer.size() == 1);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes type_class() {
  return {0, wire::rr::PTR, 0, 1};
}

}  // namespace

TEST_CASE("short and truncated headers") {
  Rdnsd d;
  pid_t pid = d.pid();
  check_formerr_or_dropped(d, {}, "empty datagram");
  check_formerr_or_dropped(d, {0x12}, "1 byte");
  check_formerr_or_dropped(d, {0x12, 0x34, 0x01, 0x00, 0x00}, "5 bytes");
  check_formerr_or_dropped(d, {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0}, "11 bytes");
  check_formerr_or_dropped(d, wire::header(0x1201, 0x0100, 1, 0, 0, 0),
                           "header with QDCOUNT 1 and no question");
  Bytes q = probe();
  q[0] = 0x12;
  for (size_t cut : {size_t{13}, size_t{20}, q.size() - 4, q.size() - 1}) {
    Bytes part(q.begin(), q.begin() + static_cast<long>(cut));
    check_formerr_or_dropped(d, part, "query cut to " + std::to_string(cut) + " bytes");
  }
  check_still_serving(d, pid);
}

TEST_CASE("packets with QR=1 get no answer") {
  Rdnsd d;
  pid_t pid = d.pid();
  wire::Query q;
  q.name = "1.2.0.192.in-addr.arpa.";
  q.id = 0x0a0a;
  Bytes response = wire::build(q);
  response[2] |= 0x80;  // QR
  check_dropped(d, response, "a well-formed query with QR=1");
  Bytes answered = response;
  answered[2] |= 0x04;  // AA
  answered[3] = 0x03;   // NXDOMAIN
  check_dropped(d, answered, "a response-looking packet");
  Bytes garbage = wire::header(0x0b0b, 0x8000, 0xffff, 0xffff, 0xffff, 0xffff);
  garbage.resize(40, 0xff);
  check_dropped(d, garbage, "QR=1 with garbage after the header");
  check_dropped(d, wire::header(0x0c0c, 0x8000, 0, 0, 0, 0), "a bare QR=1 header");

  // Over TCP too: no answer, and the connection keeps working.
  wire::TcpClient tcp(d.port());
  REQUIRE(tcp.send_message(response));
  auto next = tcp.exchange(probe());
  REQUIRE(next);
  CHECK(next->id == kProbeId);
  check_still_serving(d, pid);
}

TEST_CASE("bad names: label lengths, compression loops, pointers out of bounds") {
  Rdnsd d;
  pid_t pid = d.pid();
  auto h = [](uint16_t id) { return wire::header(id, 0x0100, 1, 0, 0, 0); };
  check_formerr_or_dropped(d, cat({h(0x2001), {63, 'a', 'b', 'c'}, type_class()}),
                           "label length past the end");
  check_formerr_or_dropped(d, cat({h(0x2002), {0x41, 'a'}, type_class()}),
                           "label type 01 (reserved)");
  check_formerr_or_dropped(d, cat({h(0x2003), {0x81, 'a', 0}, type_class()}),
                           "label type 10 (reserved)");
  check_formerr_or_dropped(d, cat({h(0x2004), {0xC0, 12}, type_class()}),
                           "compression pointer to itself");
  check_formerr_or_dropped(d, cat({h(0x2005), {0xC0, 14, 0xC0, 12}, type_class()}),
                           "two pointers in a loop");
  check_formerr_or_dropped(d, cat({h(0x2006), {1, 'x', 0xC0, 12}, type_class()}),
                           "label then pointer back to the start");
  check_formerr_or_dropped(d, cat({h(0x2007), {0xC0, 0xFF}, type_class()}), "pointer past the end");
  check_formerr_or_dropped(d, cat({h(0x2008), {0xFF, 0xFF}, type_class()}),
                           "pointer to offset 16383");
  check_formerr_or_dropped(d, cat({h(0x2009), {0xC0, 2}, type_class()}), "pointer into the header");
  check_formerr_or_dropped(d, cat({h(0x200a), {3, 'a', 'b', 'c', 3, 'd', 'e', 'f'}}),
                           "name without its root label");
  check_formerr_or_dropped(d, cat({h(0x200b), {0xC0}}), "half a pointer");
  check_formerr_or_dropped(d, cat({h(0x200c), wire::encode_name("1.2.0.192.in-addr.arpa.")}),
                           "no type and class");
  check_formerr_or_dropped(d, cat({h(0x200d), wire::encode_name("1.2.0.192.in-addr.arpa."), {0}}),
                           "half a type");
  // A name of 5 x 63-octet labels (321 octets) is longer than the 255 allowed.
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(63, 'a' + i) + ".";
  check_formerr_or_dropped(d, cat({h(0x200e), wire::encode_name(long_name), type_class()}),
                           "name over 255 octets");
  // Bytes after the last section that the counts do not cover: the RFCs say nothing
  // (knotd answers FORMERR, nsd ignores them), so any answer or none is fine here; the
  // server only has to survive it.
  replies_to(d, cat({h(0x200f), {1, 'a', 0, 1, 'b', 0}, type_class()}));
  replies_to(
      d, cat({h(0x2010), wire::encode_name("1.2.0.192.in-addr.arpa."), type_class(), {'j', 'u'}}));
  check_still_serving(d, pid);
}

TEST_CASE("counts larger than the packet, huge QDCOUNT") {
  Rdnsd d;
  pid_t pid = d.pid();
  Bytes question = cat({wire::encode_name("1.2.0.192.in-addr.arpa."), type_class()});
  check_formerr_or_dropped(d, cat({wire::header(0x3001, 0x0100, 1, 5, 0, 0), question}),
                           "ANCOUNT 5, no answers");
  check_formerr_or_dropped(d, cat({wire::header(0x3002, 0x0100, 1, 0, 7, 0), question}),
                           "NSCOUNT 7, no records");
  check_formerr_or_dropped(d, cat({wire::header(0x3003, 0x0100, 1, 0, 0, 3), question}),
                           "ARCOUNT 3, no records");
  check_formerr_or_dropped(d,
                           cat({wire::header(0x3004, 0x0100, 1, 0xffff, 0xffff, 0xffff), question}),
                           "every count 65535");
  check_formerr_or_dropped(d, cat({wire::header(0x3005, 0x0100, 0xffff, 0, 0, 0), question}),
                           "QDCOUNT 65535 with one question");
  check_formerr_or_dropped(d, cat({wire::header(0x3006, 0x0100, 2, 0, 0, 0), question}),
                           "QDCOUNT 2 with one question");
  check_formerr_or_dropped(d, wire::header(0x3007, 0x0100, 0, 0, 0, 0), "QDCOUNT 0");
  // An OPT whose RDLENGTH runs past the end.
  Bytes opt = wire::opt_rr(1232);
  opt[opt.size() - 1] = 200;
  check_formerr_or_dropped(d, cat({wire::header(0x3008, 0x0100, 1, 0, 0, 1), question, opt}),
                           "OPT RDLENGTH past the end");
  Bytes cut_opt = wire::opt_rr(1232);
  cut_opt.resize(5);
  check_formerr_or_dropped(d, cat({wire::header(0x3009, 0x0100, 1, 0, 0, 1), question, cut_opt}),
                           "OPT cut in its fixed part");
  // The largest UDP payload there is, most of it junk after a valid question.
  Bytes big = cat({wire::header(0x300a, 0x0100, 1, 0, 0, 1), question});
  big.resize(65507, 0xAB);
  check_formerr_or_dropped(d, big, "65507-byte datagram with junk after the question");
  check_still_serving(d, pid);
}

TEST_CASE("a burst of random garbage over UDP, then normal queries") {
  Rdnsd d;
  pid_t pid = d.pid();
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  wire::UdpClient udp(d.port());
  wire::UdpClient udp6(d.port(), true);
  Bytes good = probe();
  for (int i = 0; i < 4000; ++i) {
    Bytes p;
    int kind = i % 4;
    if (kind == 0) {
      // Pure noise of any length.
      p.resize(rng() % 600);
      for (auto& b : p) b = static_cast<uint8_t>(rng());
    } else if (kind == 1) {
      // A query with bytes flipped at random.
      p = good;
      for (int k = 0; k < 3; ++k) p[rng() % p.size()] = static_cast<uint8_t>(rng());
    } else if (kind == 2) {
      // A plausible header, then noise.
      p = wire::header(static_cast<uint16_t>(rng()), static_cast<uint16_t>(rng() & 0x7fff),
                       static_cast<uint16_t>(rng() % 3), static_cast<uint16_t>(rng() % 3),
                       static_cast<uint16_t>(rng() % 3), static_cast<uint16_t>(rng() % 3));
      p.resize(12 + rng() % 300);
      for (size_t k = 12; k < p.size(); ++k) p[k] = static_cast<uint8_t>(rng() % 70);
    } else {
      // A query cut anywhere.
      p.assign(good.begin(), good.begin() + static_cast<long>(rng() % good.size()));
    }
    (i % 2 ? udp6 : udp).send(p);
    if (i % 500 == 0) {
      udp.drain();
      udp6.drain();
    }
  }
  udp.drain();
  udp6.drain();
  check_still_serving(d, pid);
  // And it still answers right, not just something.
  auto r = d.dig({"-x", "192.0.2.99"});
  INFO(r.describe());
  CHECK(r.status == "NXDOMAIN");
}

TEST_CASE("bad TCP clients: zero length, short reads, junk, a length prefix and no more") {
  Rdnsd d;
  pid_t pid = d.pid();
  {
    // A zero-length message.
    wire::TcpClient tcp(d.port());
    tcp.send_raw({0, 0});
    auto r = tcp.exchange(probe(), Millis(2000));
    if (r) CHECK(r->id == kProbeId);  // answered, or the connection was closed
  }
  {
    // A message shorter than a header, then a good one.
    wire::TcpClient tcp(d.port());
    tcp.send_message({0x12, 0x34, 0x01});
    auto r = tcp.exchange(probe(), Millis(2000));
    if (r) CHECK(r->id == kProbeId);
  }
  {
    // Promises 65535 bytes, sends 10, and hangs up.
    wire::TcpClient tcp(d.port());
    tcp.send_raw({0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
  {
    // Sends junk framed as messages.
    wire::TcpClient tcp(d.port());
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
      Bytes junk(rng() % 100);
      for (auto& b : junk) b = static_cast<uint8_t>(rng());
      if (!tcp.send_message(junk)) break;
    }
  }
  // One byte of a length prefix, held open while others are served.
  wire::TcpClient half(d.port());
  half.send_raw({0x00});
  check_still_serving(d, pid);
  wire::TcpClient other(d.port());
  auto r = other.exchange(probe(), Millis(2000));
  REQUIRE(r);
  CHECK(r->an == 1);
}
