// What survives a restart, a crash and a config change: records, serials, and which
// zones are served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

const char* const kV4 = "2.0.192.in-addr.arpa.";
const char* const kV4b = "100.51.198.in-addr.arpa.";
const char* const kV6 = "8.b.d.0.1.0.0.2.ip6.arpa.";

// The default zones with `from` replaced by `to` (which must occur exactly once).
std::string edited_zones(const std::string& from, const std::string& to) {
  std::string z = kDefaultZones;
  auto at = z.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  REQUIRE(z.find(from, at + 1) == std::string::npos);
  return z.replace(at, from.size(), to);
}

// The default zones without 192.0.2.0/24.
std::string zones_without_v4() {
  std::string z = kDefaultZones;
  auto end = z.find("  - prefix: 198.51.100.0/24");
  REQUIRE(end != std::string::npos);
  return z.substr(end);
}

// The first zone's SOA/TTL lines, to edit.
const char* const kV4Soa =
    "soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 3600, minimum: 300 }\n"
    "    ttl: 3600\n";

RdnsdOptions with_zones(std::string zones) {
  RdnsdOptions o;
  o.zones = std::move(zones);
  return o;
}

std::string ptr_of(const Rdnsd& d, const std::string& ip) {
  auto r = d.dig({"-x", ip});
  INFO(r.describe());
  if (r.status != "NOERROR" || r.answer.size() != 1) return r.status;
  return r.answer[0].rdata;
}

}  // namespace

TEST_CASE("a restart keeps records, their metadata and the serials") {
  Rdnsd d;
  must(d.rdnsctl(
      {"set", "192.0.2.2", "mail.example.com.", "--ttl", "900", "--description", "mail"}));
  must(d.rdnsctl({"set", "2001:db8:5::9", "nine.example.net."}));
  must(d.rdnsctl({"unset", "192.0.2.10"}));
  uint32_t v4 = d.serial(kV4), v4b = d.serial(kV4b), v6 = d.serial(kV6);
  auto show_before = d.rdnsctl({"--json", "show", "192.0.2.2"});
  REQUIRE(show_before.ok());

  d.restart();

  CHECK(ptr_of(d, "192.0.2.2") == "mail.example.com.");
  CHECK(ptr_of(d, "2001:db8:5::9") == "nine.example.net.");
  CHECK(ptr_of(d, "192.0.2.1") == "gw.example.net.");
  CHECK(ptr_of(d, "192.0.2.10") == "NXDOMAIN");
  CHECK(d.serial(kV4) == v4);
  CHECK(d.serial(kV4b) == v4b);
  CHECK(d.serial(kV6) == v6);
  auto show_after = d.rdnsctl({"--json", "show", "192.0.2.2"});
  INFO(show_after.describe());
  CHECK(show_after.out == show_before.out);  // id, description, times, TTL all kept
  auto r = d.dig({"-x", "192.0.2.2"});
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].ttl == 900);
}

TEST_CASE("seed records are written only when the zone is first created") {
  Rdnsd d;
  must(d.rdnsctl({"unset", "192.0.2.1"}));
  must(d.rdnsctl({"set", "192.0.2.10", "changed.example.net."}));
  uint32_t v4 = d.serial(kV4);
  d.restart();
  CHECK(ptr_of(d, "192.0.2.1") == "NXDOMAIN");
  CHECK(ptr_of(d, "192.0.2.10") == "changed.example.net.");
  CHECK(d.serial(kV4) == v4);
}

TEST_CASE("a write acknowledged by rdnsctl survives SIGKILL") {
  Rdnsd d;
  must(d.rdnsctl({"set", "192.0.2.44", "durable.example.net."}));
  uint32_t v4 = d.serial(kV4);
  d.kill9();
  CHECK_FALSE(d.alive());
  d.start();
  CHECK(ptr_of(d, "192.0.2.44") == "durable.example.net.");
  CHECK(d.serial(kV4) == v4);
}

TEST_CASE("changing a zone's SOA settings bumps its serial by one and keeps its records") {
  Rdnsd d;
  must(d.rdnsctl({"set", "192.0.2.2", "mail.example.com."}));
  uint32_t v4 = d.serial(kV4), v4b = d.serial(kV4b), v6 = d.serial(kV6);

  auto options = with_zones(edited_zones(
      kV4Soa,
      "soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 3600, minimum: 900 }\n"
      "    ttl: 3600\n"));
  d.restart(options);
  CHECK(d.serial(kV4) == v4 + 1);
  CHECK(d.serial(kV4b) == v4b);
  CHECK(d.serial(kV6) == v6);
  auto soa = d.dig({kV4, "SOA"});
  INFO(soa.describe());
  REQUIRE(soa.answer.size() == 1);
  CHECK(soa.answer[0].fields().at(6) == "900");
  // The negative TTL follows: min(3600, 900).
  auto nx = d.dig({"-x", "192.0.2.99"});
  INFO(nx.describe());
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].ttl == 900);
  CHECK(ptr_of(d, "192.0.2.2") == "mail.example.com.");
  CHECK(ptr_of(d, "192.0.2.1") == "gw.example.net.");

  // The same config again changes nothing.
  d.restart(options);
  CHECK(d.serial(kV4) == v4 + 1);

  // A new NS set is a change too.
  d.restart(
      with_zones(edited_zones("ns: [ns1.example.net., ns2.example.net.]\n    soa: { mname: "
                              "ns1.example.net., rname: hostmaster.example.net., ttl: 3600, "
                              "minimum: 300 }\n    ttl: 3600\n",
                              "ns: [ns1.example.net., ns2.example.net., ns3.example.net.]\n"
                              "    soa: { mname: ns1.example.net., rname: "
                              "hostmaster.example.net., ttl: 3600, minimum: 900 }\n"
                              "    ttl: 3600\n")));
  CHECK(d.serial(kV4) == v4 + 2);
  auto ns = d.dig({kV4, "NS"});
  INFO(ns.describe());
  CHECK(ns.answer.size() == 3);
  CHECK(ptr_of(d, "192.0.2.2") == "mail.example.com.");
}

TEST_CASE("a zone removed from the config is REFUSED and when added back its records return") {
  Rdnsd d;
  must(d.rdnsctl({"set", "192.0.2.2", "mail.example.com."}));
  uint32_t v4 = d.serial(kV4), v6 = d.serial(kV6);

  d.restart(with_zones(zones_without_v4()));
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.99"}) {
    auto r = d.dig({"-x", ip});
    INFO(r.describe());
    CHECK(r.status == "REFUSED");
    CHECK_FALSE(r.has_flag("aa"));
  }
  CHECK(d.dig({kV4, "SOA"}).status == "REFUSED");
  auto refused = d.rdnsctl({"--json", "set", "192.0.2.3", "x.example.net."});
  INFO(refused.describe());
  CHECK(refused.status == 1);
  CHECK(refused.out.find("not_in_zone") != std::string::npos);
  // The other zones are untouched.
  CHECK(ptr_of(d, "2001:db8::1") == "gw6.example.net.");
  CHECK(d.serial(kV6) == v6);

  d.restart(RdnsdOptions{});
  CHECK(ptr_of(d, "192.0.2.1") == "gw.example.net.");
  CHECK(ptr_of(d, "192.0.2.2") == "mail.example.com.");
  CHECK(ptr_of(d, "192.0.2.3") == "NXDOMAIN");
  CHECK(d.serial(kV4) >= v4);  // a serial never goes back (RFC 1982)
}

TEST_CASE("SIGHUP re-reads the zones and a bad config on SIGHUP keeps the running one") {
  Rdnsd d;
  uint32_t v4 = d.serial(kV4);
  auto options = with_zones(std::string(kDefaultZones) +
                            zone_yaml("203.0.113.0/24",
                                      "    ns: [ns1.example.net.]\n"
                                      "    soa: { mname: ns1.example.net., rname: "
                                      "hostmaster.example.net. }\n"
                                      "    records:\n"
                                      "      - { ip: 203.0.113.5, name: five.example.net. }\n"));
  CHECK(d.dig({"-x", "203.0.113.5"}).status == "REFUSED");
  d.rewrite_config(options);
  d.send_signal(SIGHUP);
  std::string answer;
  for (int i = 0; i < 100 && answer != "five.example.net."; ++i) {
    answer = ptr_of(d, "203.0.113.5");
    if (answer != "five.example.net.") std::this_thread::sleep_for(Millis(50));
  }
  CHECK(answer == "five.example.net.");
  CHECK(d.serial(kV4) == v4);

  write_file(d.config_path(), "server: [this is not\n");
  d.send_signal(SIGHUP);
  std::this_thread::sleep_for(Millis(300));
  CHECK(d.alive());
  CHECK(ptr_of(d, "203.0.113.5") == "five.example.net.");
  CHECK(ptr_of(d, "192.0.2.1") == "gw.example.net.");
}

TEST_CASE("a second rdnsd on the same store is refused before it changes anything") {
  Rdnsd first;
  CHECK(first.rdnsctl({"set", "192.0.2.77", "first.example.net."}).ok());
  const uint32_t v4 = first.serial(kV4);
  // Another config (other ports, socket and zones) on the first one's store.
  RdnsdOptions other;
  other.config =
      "server:\n  listen: [\"127.0.0.1:{PORT}\"]\n  workers: 1\nstore:\n  path: " + first.dir() +
      "/store\nadmin:\n  socket: {DIR}/admin.sock\nzones:\n" +
      zone_yaml("203.0.113.0/24",
                "    ns: [ns1.example.net.]\n"
                "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n");
  std::string refused;
  try {
    Rdnsd second(other);
  } catch (const std::exception& e) {
    refused = e.what();
  }
  INFO(refused);
  CHECK(refused.find("is in use by another process (pid " + std::to_string(first.pid()) + ")") !=
        std::string::npos);
  // The first one serves as before: its zones, records and serials are untouched.
  CHECK(ptr_of(first, "192.0.2.77") == "first.example.net.");
  CHECK(first.serial(kV4) == v4);
  CHECK(first.dig({"-x", "203.0.113.5"}).status == "REFUSED");
  // The other order: once the first has stopped, the other config has the store, and
  // the first is refused in turn.
  CHECK(describe_status(first.stop()) == "exit 0");
  {
    Rdnsd second(other);
    CHECK(second.dig({"-x", "203.0.113.5"}).status == "NXDOMAIN");
    CHECK_THROWS(first.start());
  }
  first.start();
  CHECK(ptr_of(first, "192.0.2.77") == "first.example.net.");
}

TEST_CASE("SIGTERM and SIGINT stop rdnsd cleanly with exit code 0") {
  Rdnsd d;
  int status = d.stop();
  CHECK_MESSAGE(describe_status(status) == "exit 0", d.logs());
  d.start();
  d.send_signal(SIGINT);
  auto s = d.wait_exit(Millis(10000));
  REQUIRE(s);
  CHECK_MESSAGE(describe_status(*s) == "exit 0", d.logs());
}

TEST_CASE("SIGUSR1 and SIGUSR2 are ignored, SIGQUIT stops rdnsd cleanly") {
  Rdnsd d;
  for (int sig : {SIGUSR1, SIGUSR2, SIGUSR1}) {
    d.send_signal(sig);
    std::this_thread::sleep_for(Millis(100));
    REQUIRE_MESSAGE(d.alive(), d.logs());
    CHECK(ptr_of(d, "192.0.2.1") == "gw.example.net.");
  }
  CHECK(d.stderr_text().find("ignoring User defined signal 1") != std::string::npos);
  CHECK(d.rdnsctl({"set", "192.0.2.77", "usr.example.net."}).ok());
  d.send_signal(SIGQUIT);
  auto s = d.wait_exit(Millis(10000));
  REQUIRE(s);
  CHECK_MESSAGE(describe_status(*s) == "exit 0", d.logs());
  d.start();
  CHECK(ptr_of(d, "192.0.2.77") == "usr.example.net.");
}

TEST_CASE("SIGTERM stops rdnsd promptly while UDP queries keep arriving") {
  Rdnsd d;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> sent{0};
  // A flood of queries, faster than one worker answers, that never waits for a reply:
  // the UDP thread finds its socket full at every turn. Bounded to 30 s.
  std::thread flood([&] {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(d.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    wire::Query q;
    q.name = "1.2.0.192.in-addr.arpa.";
    const wire::Bytes packet = wire::build(q);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    // sendmmsg batches: the kernel's cost per datagram is about a third of what
    // answering one costs rdnsd.
    std::vector<iovec> iov(64, iovec{const_cast<uint8_t*>(packet.data()), packet.size()});
    std::vector<mmsghdr> msgs(64);
    for (size_t i = 0; i < msgs.size(); ++i) {
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_name = &to;
      msgs[i].msg_hdr.msg_namelen = sizeof to;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (!done && std::chrono::steady_clock::now() < until) {
      int n = sendmmsg(fd, msgs.data(), unsigned(msgs.size()), 0);
      if (n > 0) sent += uint64_t(n);
    }
    close(fd);
  });
  for (int i = 0; i < 500 && sent < 50000; ++i) std::this_thread::sleep_for(Millis(10));
  CHECK(sent >= 50000);
  const auto t0 = std::chrono::steady_clock::now();
  d.send_signal(SIGTERM);
  auto status = d.wait_exit(Millis(5000));
  const auto took = std::chrono::steady_clock::now() - t0;
  done = true;
  flood.join();
  REQUIRE_MESSAGE(status, "rdnsd did not stop within 5 s of SIGTERM under load");
  CHECK_MESSAGE(describe_status(*status) == "exit 0", d.logs());
  CHECK(took < std::chrono::seconds(5));
}
