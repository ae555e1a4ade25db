// RFC behaviour a resolver relies on, as dig and raw packets see it: EDNS (RFC 6891),
// truncation, NSID (RFC 5001) and CHAOS identity, TCP (RFC 7766, RFC 7828), ANY
// (RFC 8482), header handling and zone-transfer requests.
#include <set>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using wire::Bytes;

namespace {

const char* const kV4Apex = "2.0.192.in-addr.arpa.";

wire::Query ptr_query(uint16_t id, const std::string& name = "1.2.0.192.in-addr.arpa.") {
  wire::Query q;
  q.name = name;
  q.id = id;
  return q;
}

// A zone whose NS set (32 long names, the most a zone may list, that share no suffix, so
// compression cannot shrink them) does not fit in 1232 bytes.
constexpr size_t kBigNs = 32;
std::string big_ns_zone() {
  std::string ns = "[";
  for (size_t i = 0; i < kBigNs; ++i) {
    if (i) ns += ", ";
    ns += "ns" + std::to_string(i) + "." + std::string(50, static_cast<char>('a' + i % 26)) +
          ".example" + std::to_string(i) + ".";
  }
  ns += "]";
  return zone_yaml("203.0.113.0/24", "    ns: " + ns +
                                         "\n    soa: { mname: ns0.example.net., rname: "
                                         "hostmaster.example.net. }\n");
}

}  // namespace

TEST_CASE("EDNS version 1 gets BADVERS with an OPT of version 0 and no records") {
  Rdnsd d;
  auto r = d.dig({"+edns=1", "+noednsnegotiation", "-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.status == "BADVERS");
  CHECK(r.edns);
  CHECK(r.edns_version == 0);
  CHECK(r.answer.empty());
  CHECK(r.authority.empty());
}

TEST_CASE("the DO bit is echoed only when it was set (RFC 3225)") {
  Rdnsd d;
  auto with = d.dig({"+dnssec", "-x", "192.0.2.1"});
  INFO(with.describe());
  CHECK(with.status == "NOERROR");
  CHECK(with.edns_flags.count("do") == 1);
  auto without = d.dig({"-x", "192.0.2.1"});
  INFO(without.describe());
  CHECK(without.edns_flags.count("do") == 0);
}

TEST_CASE("the advertised UDP payload is the configured one") {
  RdnsdOptions o;
  o.server = {"udp-payload: 1400"};
  Rdnsd d(o);
  auto r = d.dig({"-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.udp_size == 1400);
}

TEST_CASE("an answer that does not fit is truncated with the question kept, and TCP has it all") {
  RdnsdOptions o;
  o.zones = std::string(kDefaultZones) + big_ns_zone();
  Rdnsd d(o);
  const char* apex = "113.0.203.in-addr.arpa.";
  for (std::vector<std::string> limit :
       {std::vector<std::string>{"+noedns"}, {"+bufsize=512"}, {"+bufsize=4096"}}) {
    auto args = limit;
    args.insert(args.end(), {"+ignore", apex, "NS"});
    auto r = d.dig(args);
    INFO(r.describe());
    REQUIRE(r.answered);
    CHECK(r.status == "NOERROR");
    CHECK(r.has_flag("tc"));
    CHECK(r.has_flag("aa"));
    REQUIRE(r.question.size() == 1);
    CHECK(r.question[0].name == apex);
    CHECK(r.answer.size() < kBigNs);
  }
  // The raw size of a truncated UDP answer stays within the limit.
  wire::UdpClient udp(d.port());
  wire::Query q = ptr_query(0x7c01, apex);
  q.qtype = wire::rr::NS;
  auto plain = udp.exchange(wire::build(q));
  REQUIRE(plain);
  CHECK(plain->tc);
  CHECK(plain->bytes.size() <= 512);
  q.edns = true;
  q.udp_size = 4096;
  q.id = 0x7c02;
  auto edns = udp.exchange(wire::build(q));
  REQUIRE(edns);
  CHECK(edns->tc);
  CHECK(edns->bytes.size() <= 1232);
  CHECK(edns->opt_udp_size() == 1232);

  auto tcp = d.dig({"+tcp", apex, "NS"});
  INFO(tcp.describe());
  CHECK(tcp.status == "NOERROR");
  CHECK_FALSE(tcp.has_flag("tc"));
  CHECK(tcp.answer.size() == kBigNs);
  // dig retries over TCP by itself after TC.
  auto retried = d.dig({apex, "NS"});
  INFO(retried.describe());
  CHECK(retried.answer.size() == kBigNs);
}

TEST_CASE("more than one OPT, or an OPT outside the additional section, is FORMERR") {
  Rdnsd d;
  wire::UdpClient udp(d.port());
  Bytes question = wire::encode_name("1.2.0.192.in-addr.arpa.");
  question.insert(question.end(), {0, wire::rr::PTR, 0, 1});
  Bytes opt = wire::opt_rr(1232);

  Bytes two = wire::header(0x0701, 0, 1, 0, 0, 2);
  two.insert(two.end(), question.begin(), question.end());
  two.insert(two.end(), opt.begin(), opt.end());
  two.insert(two.end(), opt.begin(), opt.end());
  auto r = udp.exchange(two);
  REQUIRE(r);
  CHECK(r->rcode == wire::rcode::FORMERR);

  for (int section : {0, 1}) {
    Bytes misplaced = wire::header(0x0702, 0, 1, section == 0 ? 1 : 0, section == 1 ? 1 : 0, 0);
    misplaced.insert(misplaced.end(), question.begin(), question.end());
    misplaced.insert(misplaced.end(), opt.begin(), opt.end());
    auto m = udp.exchange(misplaced);
    INFO("OPT in section " << section);
    REQUIRE(m);
    CHECK(m->rcode == wire::rcode::FORMERR);
  }
}

TEST_CASE("NSID is sent when configured and asked for (RFC 5001)") {
  RdnsdOptions o;
  o.server = {"nsid: e2e-node-7"};
  Rdnsd d(o);
  auto asked = d.dig({"+nsid", "-x", "192.0.2.1"});
  INFO(asked.describe());
  CHECK(asked.option("NSID").find("(\"e2e-node-7\")") != std::string::npos);
  auto not_asked = d.dig({"-x", "192.0.2.1"});
  INFO(not_asked.describe());
  CHECK(not_asked.option("NSID").empty());
}

TEST_CASE("no NSID when it is switched off") {
  RdnsdOptions o;
  o.server = {"nsid: false"};
  Rdnsd d(o);
  auto r = d.dig({"+nsid", "-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  CHECK(r.option("NSID").empty());
}

TEST_CASE("CHAOS TXT id.server, hostname.bind, version.bind and version.server") {
  RdnsdOptions o;
  o.server = {"identity: ns-e2e.example.net", "version: \"rdnsd-e2e 1\""};
  Rdnsd d(o);
  struct Case {
    const char* name;
    const char* text;
  };
  for (auto c :
       {Case{"id.server.", "\"ns-e2e.example.net\""},
        Case{"hostname.bind.", "\"ns-e2e.example.net\""}, Case{"version.bind.", "\"rdnsd-e2e 1\""},
        Case{"version.server.", "\"rdnsd-e2e 1\""}}) {
    auto r = d.dig({"-c", "CH", "-t", "TXT", c.name});
    INFO(r.describe());
    CHECK(r.status == "NOERROR");
    REQUIRE(r.answer.size() == 1);
    CHECK(r.answer[0].cls == "CH");
    CHECK(r.answer[0].type == "TXT");
    CHECK(r.answer[0].rdata == c.text);
  }
  auto other = d.dig({"-c", "CH", "-t", "TXT", "authors.bind."});
  INFO(other.describe());
  CHECK(other.status == "REFUSED");
}

TEST_CASE("CHAOS names switched off in the config are REFUSED") {
  RdnsdOptions o;
  o.server = {"identity: false", "version: false"};
  Rdnsd d(o);
  for (const char* name : {"id.server.", "hostname.bind.", "version.bind.", "version.server."}) {
    auto r = d.dig({"-c", "CH", "-t", "TXT", name});
    INFO(r.describe());
    CHECK(r.status == "REFUSED");
    CHECK(r.answer.empty());
  }
}

TEST_CASE("TCP: pipelined queries are all answered, and a message may arrive in pieces") {
  Rdnsd d;
  wire::TcpClient tcp(d.port());
  Bytes burst;
  std::set<uint16_t> ids;
  for (uint16_t id = 0x100; id < 0x100 + 20; ++id) {
    Bytes q =
        wire::build(ptr_query(id, id % 2 ? "1.2.0.192.in-addr.arpa." : "99.2.0.192.in-addr.arpa."));
    wire::put16(burst, static_cast<uint16_t>(q.size()));
    burst.insert(burst.end(), q.begin(), q.end());
    ids.insert(id);
  }
  REQUIRE(tcp.send_raw(burst));
  std::set<uint16_t> got;
  for (int i = 0; i < 20; ++i) {
    auto m = tcp.receive_message(Millis(2000));
    REQUIRE(m);
    auto r = wire::parse_reply(*m);
    REQUIRE(r);
    CHECK(r->rcode == (r->id % 2 ? wire::rcode::NOERROR : wire::rcode::NXDOMAIN));
    got.insert(r->id);
  }
  CHECK(got == ids);

  // One message in three writes: half the length prefix, the rest of it with part of
  // the message, then the remainder.
  Bytes q = wire::build(ptr_query(0x0333));
  Bytes framed;
  wire::put16(framed, static_cast<uint16_t>(q.size()));
  framed.insert(framed.end(), q.begin(), q.end());
  REQUIRE(tcp.send_raw(Bytes(framed.begin(), framed.begin() + 1)));
  std::this_thread::sleep_for(Millis(50));
  REQUIRE(tcp.send_raw(Bytes(framed.begin() + 1, framed.begin() + 9)));
  std::this_thread::sleep_for(Millis(50));
  REQUIRE(tcp.send_raw(Bytes(framed.begin() + 9, framed.end())));
  auto m = tcp.receive_message(Millis(2000));
  REQUIRE(m);
  auto r = wire::parse_reply(*m);
  REQUIRE(r);
  CHECK(r->id == 0x0333);
  CHECK(r->an == 1);
}

TEST_CASE("a TCP client that never reads does not hold up anyone else") {
  Rdnsd d;
  wire::TcpClient greedy(d.port());
  Bytes q = wire::build(ptr_query(0x4444));
  Bytes burst;
  for (int i = 0; i < 5000; ++i) {
    wire::put16(burst, static_cast<uint16_t>(q.size()));
    burst.insert(burst.end(), q.begin(), q.end());
  }
  // The send may block once the buffers are full; do it on the side.
  std::thread writer([&] { greedy.send_raw(burst); });
  std::this_thread::sleep_for(Millis(200));
  auto start = std::chrono::steady_clock::now();
  auto udp = d.dig({"-x", "192.0.2.1"});
  auto tcp = d.dig({"+tcp", "-x", "192.0.2.1"});
  auto took = std::chrono::steady_clock::now() - start;
  INFO(udp.describe());
  INFO(tcp.describe());
  CHECK(udp.answer.size() == 1);
  CHECK(tcp.answer.size() == 1);
  CHECK(took < std::chrono::seconds(2));
  greedy.close();  // unblocks the writer
  writer.join();
  CHECK(d.alive());
}

TEST_CASE("TCP idle connections are closed after tcp-idle-timeout, announced by keepalive") {
  RdnsdOptions o;
  o.server = {"tcp-idle-timeout: 300"};
  Rdnsd d(o);
  auto ka = d.dig({"+tcp", "+keepalive", "-x", "192.0.2.1"});
  INFO(ka.describe());
  CHECK(ka.option("TCP KEEPALIVE").find("0.3 secs") != std::string::npos);
  // Never over UDP (RFC 7828 section 3.2.1).
  auto udp = d.dig({"+keepalive", "-x", "192.0.2.1"});
  INFO(udp.describe());
  CHECK(udp.option("TCP KEEPALIVE").empty());

  wire::TcpClient idle(d.port());
  auto first = idle.exchange(wire::build(ptr_query(0x0101)));
  REQUIRE(first);
  auto start = std::chrono::steady_clock::now();
  CHECK(idle.closed_by_peer(Millis(3000)));
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= Millis(200));
  CHECK(waited < Millis(2000));
}

TEST_CASE("tcp-max-connections limits open TCP connections, not UDP") {
  RdnsdOptions o;
  o.server = {"tcp-max-connections: 3"};
  Rdnsd d(o);
  std::vector<std::unique_ptr<wire::TcpClient>> held;
  for (uint16_t i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<wire::TcpClient>(d.port()));
    auto r = held.back()->exchange(wire::build(ptr_query(0x0900 + i)));
    REQUIRE(r);
  }
  // A fourth connection is not served while three are open.
  std::optional<wire::Reply> fourth;
  try {
    wire::TcpClient extra(d.port());
    fourth = extra.exchange(wire::build(ptr_query(0x0904)), Millis(1000));
  } catch (const std::exception&) {
  }
  CHECK_FALSE(fourth);
  auto udp = d.dig({"-x", "192.0.2.1"});
  INFO(udp.describe());
  CHECK(udp.answer.size() == 1);
  // Once one closes, a new connection is served.
  held.pop_back();
  std::optional<wire::Reply> later;
  for (int i = 0; i < 20 && !later; ++i) {
    try {
      wire::TcpClient again(d.port());
      later = again.exchange(wire::build(ptr_query(0x0905)), Millis(500));
    } catch (const std::exception&) {
    }
    if (!later) std::this_thread::sleep_for(Millis(50));
  }
  CHECK(later);
}

TEST_CASE("ANY gets a non-empty authoritative answer (RFC 8482)") {
  Rdnsd d;
  for (bool tcp : {false, true}) {
    for (const char* name : {"1.2.0.192.in-addr.arpa.", kV4Apex}) {
      std::vector<std::string> args{name, "ANY"};
      if (tcp) args.insert(args.begin(), "+tcp");
      auto r = d.dig(args);
      INFO(r.describe());
      CHECK(r.status == "NOERROR");
      CHECK(r.has_flag("aa"));
      CHECK_FALSE(r.answer.empty());
    }
  }
  auto nx = d.dig({"99.2.0.192.in-addr.arpa.", "ANY"});
  INFO(nx.describe());
  CHECK(nx.status == "NXDOMAIN");
}

TEST_CASE(
    "opcodes other than QUERY and UPDATE get NOTIMP, an UPDATE whose zone type is not SOA "
    "FORMERR, and QDCOUNT other than 1 gets FORMERR") {
  Rdnsd d;
  wire::UdpClient udp(d.port());
  for (uint8_t opcode : {1, 2, 4, 5, 6, 15}) {
    wire::Query q = ptr_query(static_cast<uint16_t>(0x0500 + opcode));
    q.opcode = opcode;
    Bytes packet = wire::build(q);
    packet[2] |= 0x01;  // RD
    packet[3] |= 0x10;  // CD
    auto r = udp.exchange(packet);
    INFO("opcode " << int(opcode));
    REQUIRE(r);
    CHECK(r->qr);
    CHECK(r->opcode == opcode);
    // RFC 2136 section 3.1.1: the zone section of an UPDATE names an SOA.
    CHECK(r->rcode == (opcode == 5 ? wire::rcode::FORMERR : wire::rcode::NOTIMP));
    // Only RD is copied (ISC genreport's opcodeflg test).
    CHECK(r->rd);
    CHECK((r->bytes[3] & 0x10) == 0);
  }
  auto none = udp.exchange(wire::header(0x0600, 0x0100, 0, 0, 0, 0));
  REQUIRE(none);
  CHECK(none->rcode == wire::rcode::FORMERR);
  Bytes two = wire::header(0x0601, 0x0100, 2, 0, 0, 0);
  for (int i = 0; i < 2; ++i) {
    Bytes n = wire::encode_name("1.2.0.192.in-addr.arpa.");
    two.insert(two.end(), n.begin(), n.end());
    two.insert(two.end(), {0, wire::rr::PTR, 0, 1});
  }
  auto r = udp.exchange(two);
  REQUIRE(r);
  CHECK(r->rcode == wire::rcode::FORMERR);
}

TEST_CASE(
    "AXFR over UDP is NOTIMP, IXFR over UDP the SOA alone; over TCP, REFUSED without an ACL, "
    "and FORMERR for an IXFR without its SOA") {
  Rdnsd d;
  wire::UdpClient udp(d.port());
  for (uint16_t type : {wire::rr::AXFR, wire::rr::IXFR}) {
    wire::Query q = ptr_query(0x0a00 + type, kV4Apex);
    q.qtype = type;
    auto r = udp.exchange(wire::build(q));
    INFO("type " << type << " over UDP");
    REQUIRE(r);
    if (type == wire::rr::AXFR) {
      // RFC 5936 section 4.2: AXFR is TCP-only.
      CHECK(r->rcode == wire::rcode::NOTIMP);
      CHECK(r->an == 0);
    } else {
      // RFC 1995 section 4: the current SOA tells the client to use TCP (or that it is
      // current).
      CHECK(r->rcode == wire::rcode::NOERROR);
      CHECK(r->aa);
      CHECK(r->an == 1);
      CHECK(r->ns == 0);
    }
    wire::TcpClient tcp(d.port());
    q.id++;
    auto t = tcp.exchange(wire::build(q));
    INFO("type " << type << " over TCP");
    REQUIRE(t);
    CHECK(t->rcode == (type == wire::rr::IXFR ? wire::rcode::FORMERR : wire::rcode::REFUSED));
  }
}

TEST_CASE("answers compress their owner names against the question") {
  Rdnsd d;
  wire::UdpClient udp(d.port());
  auto r = udp.exchange(wire::build(ptr_query(0x0c0c)));
  REQUIRE(r);
  REQUIRE(r->an == 1);
  REQUIRE(r->question_end > 0);
  REQUIRE(r->bytes.size() > r->question_end + 2);
  // The PTR's owner is a pointer to the question name at offset 12.
  CHECK(r->bytes[r->question_end] == 0xC0);
  CHECK(r->bytes[r->question_end + 1] == 12);
}
