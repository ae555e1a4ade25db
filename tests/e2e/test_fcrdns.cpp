// Forward confirmation end to end: knotd serves the forward zone example.test. on
// loopback and is the resolver rdnsd asks (`fcrdns.resolver`); rdnsctl set, batch and
// check go through the admin socket, dig sees what was stored.
//
// Zones of these tests: 192.0.2.0/24 and 2001:db8::/32 `require`, 198.51.100.0/24
// `warn`, 203.0.113.0/24 `off`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

const char* const kRequire = "2.0.192.in-addr.arpa.";
const char* const kWarn = "100.51.198.in-addr.arpa.";

const char* const kForwardZone = R"($ORIGIN example.test.
$TTL 60
@      IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@      IN NS    ns1.example.test.
ns1    IN A     127.0.0.1
mail   IN A     192.0.2.25
mail   IN AAAA  2001:db8::25
bad    IN A     192.0.2.99
www    IN A     198.51.100.80
alias  IN CNAME mail
)";

// knotd serving example.test. on a free loopback port (shared/REFERENCE-SERVERS.md: one
// worker of each kind, its own folder, no zone file sync), stopped by its PID.
class ForwardZone {
 public:
  ForwardZone() : dir_(make_temp_dir("rdnsd-fcrdns-knotd-")), port_(free_port()) {
    write_file(dir_ + "/example.test.zone", kForwardZone);
    write_file(dir_ + "/knot.conf",
               "server:\n  listen: 127.0.0.1@" + std::to_string(port_) +
                   "\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
                   "  rundir: " +
                   dir_ + "\ndatabase:\n  storage: " + dir_ +
                   "/db\ntemplate:\n  - id: default\n    storage: " + dir_ +
                   "\n    zonefile-sync: -1\n    journal-content: none\n"
                   "zone:\n  - domain: example.test.\n    file: example.test.zone\n"
                   "log:\n  - target: stderr\n    any: error\n");
    process_ = Process::spawn({"/usr/sbin/knotd", "-c", dir_ + "/knot.conf"}, dir_ + "/stdout.log",
                              dir_ + "/stderr.log", dir_);
    wait_serving();
  }
  ~ForwardZone() {
    process_.terminate(Millis(5000));
    if (!std::getenv("RDNSD_E2E_KEEP")) remove_tree(dir_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void wait_serving() {
    auto deadline = Clock::now() + Millis(10000);
    while (Clock::now() < deadline) {
      if (!process_.running())
        throw std::runtime_error("knotd exited at start\n" + read_file(dir_ + "/stderr.log"));
      wire::UdpClient udp(port_);
      wire::Query q;
      q.name = "example.test.";
      q.qtype = wire::rr::SOA;
      auto r = udp.exchange(wire::build(q), Millis(100));
      if (r && r->rcode == wire::rcode::NOERROR && r->an == 1) return;
      std::this_thread::sleep_for(Millis(20));
    }
    throw std::runtime_error("knotd does not serve example.test.\n" +
                             read_file(dir_ + "/stderr.log"));
  }

  std::string dir_;
  uint16_t port_;
  Process process_;
};

// A UDP socket on loopback that takes queries and never answers, so that the test can
// see whether anything was asked.
class SilentResolver {
 public:
  SilentResolver() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~SilentResolver() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Datagrams received so far (and drops them).
  int queries() {
    int n = 0;
    char buf[2048];
    while (recv(fd_, buf, sizeof buf, 0) >= 0) ++n;
    return n;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

std::string zone(const std::string& prefix, const std::string& mode) {
  return zone_yaml(prefix,
                   "    ns: [ns1.example.net.]\n"
                   "    soa: { rname: hostmaster.example.net. }\n"
                   "    fcrdns: " +
                       mode + "\n");
}

// The zones, then the top-level `fcrdns:` block (the fixture writes `zones:` last, so a
// top-level key can follow its items).
RdnsdOptions options(const std::string& resolver, int timeout_ms) {
  RdnsdOptions o;
  o.zones = zone("192.0.2.0/24", "require") + zone("198.51.100.0/24", "warn") +
            zone("203.0.113.0/24", "off") + zone("2001:db8::/32", "require") +
            "fcrdns:\n  resolver: \"" + resolver + "\"\n  timeout: " + std::to_string(timeout_ms) +
            "\n";
  return o;
}

json json_out(const RunResult& r) {
  INFO(r.describe());
  json j = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// The target of the PTR answer at `ip`, or "" for NXDOMAIN.
std::string ptr(const Rdnsd& d, const std::string& ip) {
  auto r = d.dig({"-x", ip});
  INFO(r.describe());
  if (r.status == "NXDOMAIN") return "";
  REQUIRE(r.status == "NOERROR");
  REQUIRE(r.answer.size() == 1);
  return r.answer[0].rdata;
}

// rdnsctl refused with fcrdns_failed and `message`; exit 1.
void check_refused(const RunResult& r, const std::string& message) {
  INFO(r.describe());
  CHECK(r.status == 1);
  CHECK(r.err == "rdnsctl: error: fcrdns_failed: " + message + "\n");
}

RunResult rdnsctl_stdin(const Rdnsd& d, const std::vector<std::string>& args,
                        const std::string& input) {
  std::vector<std::string> argv{RDNSCTL_BIN, "--socket", d.socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {Millis(15000), input, ""});
}

}  // namespace

TEST_CASE("require: a target that does not point back is refused and nothing changes") {
  ForwardZone fz;
  Rdnsd d(options(fz.address(), 2000));
  const uint32_t s0 = d.serial(kRequire);

  check_refused(d.rdnsctl({"set", "192.0.2.25", "bad.example.test"}),
                "forward confirmation of 192.0.2.25 failed: bad.example.test. resolves to "
                "192.0.2.99, not to 192.0.2.25");
  check_refused(d.rdnsctl({"set", "192.0.2.25", "missing.example.test."}),
                "forward confirmation of 192.0.2.25 failed: missing.example.test. does not "
                "resolve (NXDOMAIN)");
  CHECK(d.serial(kRequire) == s0);
  CHECK(ptr(d, "192.0.2.25") == "");
  CHECK(d.rdnsctl({"show", "192.0.2.25"}).status == 1);

  // The one that points back is stored; no warnings.
  auto ok = d.rdnsctl({"set", "192.0.2.25", "mail.example.test"});
  REQUIRE_MESSAGE(ok.ok(), ok.describe());
  CHECK(ok.err == "");
  CHECK(d.serial(kRequire) == s0 + 1);
  CHECK(ptr(d, "192.0.2.25") == "mail.example.test.");

  // A refused replace keeps the record and the serial.
  check_refused(d.rdnsctl({"set", "192.0.2.25", "bad.example.test"}),
                "forward confirmation of 192.0.2.25 failed: bad.example.test. resolves to "
                "192.0.2.99, not to 192.0.2.25");
  CHECK(ptr(d, "192.0.2.25") == "mail.example.test.");
  CHECK(d.serial(kRequire) == s0 + 1);

  // A CNAME to a name that points back confirms; IPv6 needs the AAAA record.
  auto alias = d.rdnsctl({"set", "192.0.2.25", "alias.example.test"});
  CHECK_MESSAGE(alias.ok(), alias.describe());
  auto v6 = d.rdnsctl({"set", "2001:db8::25", "mail.example.test"});
  CHECK_MESSAGE(v6.ok(), v6.describe());
  check_refused(d.rdnsctl({"set", "2001:db8::26", "mail.example.test"}),
                "forward confirmation of 2001:db8::26 failed: mail.example.test. resolves to "
                "192.0.2.25, 2001:db8::25, not to 2001:db8::26");

  // A batch with one unconfirmed set changes nothing, in any zone.
  const uint32_t s1 = d.serial(kRequire), w1 = d.serial(kWarn);
  auto batch = rdnsctl_stdin(d, {"batch", "-"},
                             "198.51.100.80,www.example.test\n"
                             "192.0.2.26,mail.example.test\n"
                             "192.0.2.25,mail.example.test\n");
  INFO(batch.describe());
  CHECK(batch.status == 1);
  CHECK(batch.err ==
        "rdnsctl: error: fcrdns_failed: forward confirmation of 192.0.2.26 failed: "
        "mail.example.test. resolves to 192.0.2.25, 2001:db8::25, not to 192.0.2.26 (<stdin> "
        "line 2)\n");
  CHECK(d.serial(kRequire) == s1);
  CHECK(d.serial(kWarn) == w1);
  CHECK(ptr(d, "198.51.100.80") == "");
  CHECK(ptr(d, "192.0.2.25") == "alias.example.test.");
}

TEST_CASE("warn stores with a warning, check reports one record and a whole zone") {
  ForwardZone fz;
  Rdnsd d(options(fz.address(), 2000));
  auto warned = d.rdnsctl({"set", "198.51.100.7", "bad.example.test"});
  INFO(warned.describe());
  CHECK(warned.status == 0);
  CHECK(warned.err ==
        "rdnsctl: warning: 198.51.100.7 is not forward-confirmed: bad.example.test. resolves to "
        "192.0.2.99, not to 198.51.100.7\n");
  CHECK(warned.out.rfind("set 198.51.100.7 -> bad.example.test. ", 0) == 0);
  CHECK(ptr(d, "198.51.100.7") == "bad.example.test.");
  auto j = d.rdnsctl({"--json", "set", "198.51.100.9", "missing.example.test"});
  CHECK(j.status == 0);
  CHECK(json_out(j)["warnings"] ==
        json::array({"198.51.100.9 is not forward-confirmed: missing.example.test. does not "
                     "resolve (NXDOMAIN)"}));
  auto quiet = d.rdnsctl({"set", "198.51.100.80", "www.example.test"});
  CHECK(quiet.ok());
  CHECK(quiet.err == "");

  auto one = d.rdnsctl({"check", "198.51.100.7"});
  INFO(one.describe());
  CHECK(one.status == 0);
  CHECK(one.out ==
        "ip:        198.51.100.7\n"
        "ptr:       bad.example.test.\n"
        "a:         192.0.2.99\n"
        "aaaa:      -\n"
        "confirmed: no\n"
        "reason:    bad.example.test. resolves to 192.0.2.99, not to 198.51.100.7\n"
        "zone:      100.51.198.in-addr.arpa.\n"
        "fcrdns:    warn\n");
  json good = json_out(d.rdnsctl({"--json", "check", "198.51.100.80"}));
  CHECK(good["confirmed"] == true);
  CHECK(good["state"] == "confirmed");
  CHECK(good["a"] == json::array({"198.51.100.80"}));
  CHECK(good["reason"] == "www.example.test. resolves to 198.51.100.80");

  auto all = d.rdnsctl({"check", "--zone", "198.51.100.0/24"});
  INFO(all.describe());
  CHECK(all.status == 0);
  CHECK(all.out ==
        "IP             PTR                    STATE         REASON\n"
        "198.51.100.7   bad.example.test.      unconfirmed   bad.example.test. resolves to "
        "192.0.2.99, not to 198.51.100.7\n"
        "198.51.100.9   missing.example.test.  unresolvable  missing.example.test. does not "
        "resolve (NXDOMAIN)\n"
        "198.51.100.80  www.example.test.      confirmed     www.example.test. resolves to "
        "198.51.100.80\n"
        "zone 100.51.198.in-addr.arpa. (fcrdns warn): 3 records, 1 confirmed, 1 unconfirmed, 1 "
        "unresolvable\n");
  json counts = json_out(d.rdnsctl({"--json", "check", "--zone", kWarn}));
  CHECK(counts["total"] == 3);
  CHECK(counts["confirmed"] == 1);
  CHECK(counts["unconfirmed"] == 1);
  CHECK(counts["unresolvable"] == 1);
  CHECK(d.rdnsctl({"check", "198.51.100.8"}).status == 1);  // not_found
}

TEST_CASE("off never asks, a resolver that is silent or down is named, in bounded time") {
  SilentResolver silent;
  Rdnsd d(options(silent.address(), 1500));
  // off: no query at all, so no wait for the silent resolver.
  auto start = Clock::now();
  auto off = d.rdnsctl({"set", "203.0.113.5", "nowhere.example.test"});
  CHECK_MESSAGE(off.ok(), off.describe());
  CHECK(off.err == "");
  CHECK(Clock::now() - start < Millis(1000));
  CHECK(silent.queries() == 0);

  // require: the silent resolver times out once (A and AAAA are asked together).
  const uint32_t s0 = d.serial(kRequire);
  start = Clock::now();
  check_refused(d.rdnsctl({"set", "192.0.2.5", "mail.example.test"}),
                "forward confirmation of 192.0.2.5 failed: cannot resolve mail.example.test.: "
                "resolver " +
                    silent.address() + " did not answer within 1500 ms");
  auto took = Clock::now() - start;
  CHECK(took >= Millis(1500));
  CHECK(took < Millis(3000));
  CHECK(silent.queries() == 2);
  CHECK(d.serial(kRequire) == s0);
  CHECK(ptr(d, "192.0.2.5") == "");

  // SIGHUP takes a new resolver: one where nothing listens fails at once.
  const std::string dead = "127.0.0.1:" + std::to_string(free_port());
  d.rewrite_config(options(dead, 1500));
  d.send_signal(SIGHUP);
  RunResult r;
  for (int i = 0; i < 100; ++i) {
    r = d.rdnsctl({"set", "192.0.2.5", "mail.example.test"});
    if (r.err.find(dead) != std::string::npos) break;
    std::this_thread::sleep_for(Millis(50));
  }
  check_refused(r,
                "forward confirmation of 192.0.2.5 failed: cannot resolve mail.example.test.: "
                "resolver " +
                    dead + " is unreachable: Connection refused");
  // warn with the resolver down: stored, and the warning says why.
  auto w = d.rdnsctl({"set", "198.51.100.5", "mail.example.test"});
  CHECK(w.status == 0);
  CHECK(w.err.find("rdnsctl: warning: 198.51.100.5 is not forward-confirmed: cannot resolve "
                   "mail.example.test.: resolver " +
                   dead) == 0);
  CHECK(d.serial(kRequire) == s0);
}
