// A real resolver in front of rdnsd: unbound (iterator only, no validation) with a stub
// zone per reverse zone pointing at rdnsd. `dig -x` through unbound must return rdnsd's
// PTR records for IPv4 and IPv6 and NXDOMAIN for a missing address, and a change made
// with rdnsctl must reach unbound's answers once the cached TTL (2 s for records, 1 s
// for negative answers) has run out. unbound's qname minimisation walks the IPv6 tree
// label by label, so the empty non-terminals must be NODATA (RFC 8020) for it to work.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/support/e2e.h"

namespace rdnsd::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kV6Apex = "6.5.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.";

// Two zones with short TTLs: records 2 s, negative answers min(SOA TTL 1, MINIMUM 1).
std::string short_ttl_zones() {
  return R"(  - prefix: 192.0.2.0/24
    ns: [ns1.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 1, minimum: 1 }
    ttl: 2
    records:
      - { ip: 192.0.2.2, name: mail.example.com. }
      - { ip: 192.0.2.3, name: www.example.com. }
  - prefix: "2001:db8:1234:5600::/56"
    ns: [ns1.example.net.]
    soa: { mname: ns1.example.net., rname: hostmaster.example.net., ttl: 1, minimum: 1 }
    ttl: 2
    records:
      - { ip: "2001:db8:1234:5600::2", name: v6host.example.com. }
      - { ip: "2001:db8:1234:56ff:1:2:3:4", name: deep.example.com. }
)";
}

// unbound on a free loopback port, from its own folder, stopped by its PID.
class Unbound {
 public:
  explicit Unbound(uint16_t rdnsd_port) {
    dir_ = make_temp_dir("rdnsd-e2e-unbound-");
    port_ = free_port();
    std::string stub = "127.0.0.1@" + std::to_string(rdnsd_port);
    std::string conf =
        "server:\n"
        "  interface: 127.0.0.1@" +
        std::to_string(port_) +
        "\n"
        "  access-control: 127.0.0.0/8 allow\n"
        "  do-ip6: no\n"
        "  do-not-query-localhost: no\n"
        "  module-config: \"iterator\"\n"
        "  chroot: \"\"\n"
        "  username: \"\"\n"
        "  directory: \"" +
        dir_ +
        "\"\n"
        "  pidfile: \"" +
        dir_ +
        "/unbound.pid\"\n"
        "  use-syslog: no\n"
        "  logfile: \"\"\n"
        "  verbosity: 1\n"
        "  num-threads: 1\n"
        "  qname-minimisation: yes\n"
        // unbound serves the documentation ranges as empty local zones by default.
        "  local-zone: \"2.0.192.in-addr.arpa.\" nodefault\n"
        "  local-zone: \"8.b.d.0.1.0.0.2.ip6.arpa.\" nodefault\n"
        "remote-control:\n"
        "  control-enable: no\n"
        "stub-zone:\n"
        "  name: \"2.0.192.in-addr.arpa.\"\n"
        "  stub-addr: " +
        stub +
        "\n"
        "stub-zone:\n"
        "  name: \"" +
        std::string(kV6Apex) +
        "\"\n"
        "  stub-addr: " +
        stub + "\n";
    write_file(dir_ + "/unbound.conf", conf);
    process_ = Process::spawn({"/usr/sbin/unbound", "-d", "-c", dir_ + "/unbound.conf"},
                              dir_ + "/stdout.log", dir_ + "/stderr.log", dir_);
    wait_ready();
  }
  ~Unbound() {
    if (process_.running()) process_.terminate(Millis(5000));
    if (!std::getenv("RDNSD_E2E_KEEP")) remove_tree(dir_);
  }
  Unbound(const Unbound&) = delete;
  Unbound& operator=(const Unbound&) = delete;

  // dig -x ADDRESS through unbound (recursion desired, as a stub resolver asks).
  DigResult dig_x(const std::string& address) const {
    return parse_dig(run(
        {"dig", "@127.0.0.1", "-p", std::to_string(port_), "+tries=1", "+time=3", "-x", address},
        {Millis(15000), "", ""}));
  }
  std::string logs() const {
    return "--- unbound (" + dir_ + ") ---\n" + read_file(dir_ + "/stderr.log") +
           read_file(dir_ + "/stdout.log");
  }
  bool alive() { return process_.running(); }

 private:
  // Ready when it answers anything over UDP (a REFUSED or SERVFAIL will do).
  void wait_ready() {
    auto deadline = Clock::now() + Millis(10000);
    while (Clock::now() < deadline) {
      if (!process_.running()) throw std::runtime_error("unbound exited at start\n" + logs());
      try {
        wire::UdpClient udp(port_);
        wire::Query q;
        q.name = "2.0.192.in-addr.arpa.";
        q.qtype = wire::rr::SOA;
        q.rd = true;
        if (udp.exchange(wire::build(q), Millis(200))) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(Millis(50));
    }
    throw std::runtime_error("unbound did not answer within 10 s\n" + logs());
  }

  std::string dir_;
  uint16_t port_ = 0;
  Process process_;
};

// The PTR targets in an answer.
std::vector<std::string> ptr_targets(const DigResult& r) {
  std::vector<std::string> out;
  for (const auto& rr : r.answers("PTR")) out.push_back(rr.rdata);
  return out;
}

// Asks unbound until the answer for `address` is exactly `target` (or NXDOMAIN when
// `target` is empty); false after `limit`.
bool wait_for_answer(const Unbound& unbound, const std::string& address, const std::string& target,
                     Millis limit, DigResult& last) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    last = unbound.dig_x(address);
    bool done = target.empty()
                    ? last.status == "NXDOMAIN"
                    : last.status == "NOERROR" && ptr_targets(last) == std::vector{target};
    if (done) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(Millis(250));
  }
}

}  // namespace

TEST_CASE("unbound resolves rdnsd's PTR records and sees updates after the TTL") {
  RdnsdOptions options;
  options.zones = short_ttl_zones();
  Rdnsd rdnsd(options);
  Unbound unbound(rdnsd.port());

  SUBCASE("IPv4 and IPv6 PTR records and NXDOMAIN come through the resolver") {
    DigResult v4 = unbound.dig_x("192.0.2.2");
    CHECK_MESSAGE(v4.status == "NOERROR", v4.describe() << unbound.logs());
    CHECK_MESSAGE(ptr_targets(v4) == std::vector<std::string>{"mail.example.com."}, v4.describe());
    CHECK(v4.has_flag("ra"));
    for (const auto& rr : v4.answers("PTR")) CHECK(rr.ttl <= 2);

    DigResult v6 = unbound.dig_x("2001:db8:1234:5600::2");
    CHECK_MESSAGE(v6.status == "NOERROR", v6.describe() << unbound.logs());
    CHECK_MESSAGE(ptr_targets(v6) == std::vector<std::string>{"v6host.example.com."},
                  v6.describe());
    DigResult deep = unbound.dig_x("2001:db8:1234:56ff:1:2:3:4");
    CHECK_MESSAGE(ptr_targets(deep) == std::vector<std::string>{"deep.example.com."},
                  deep.describe());

    DigResult missing4 = unbound.dig_x("192.0.2.77");
    CHECK_MESSAGE(missing4.status == "NXDOMAIN", missing4.describe());
    DigResult missing6 = unbound.dig_x("2001:db8:1234:5600::77");
    CHECK_MESSAGE(missing6.status == "NXDOMAIN", missing6.describe());
    // A sibling of an existing record below a shared empty non-terminal: the resolver
    // must still find the record after the NXDOMAIN (RFC 8020 done right on both sides).
    DigResult again = unbound.dig_x("2001:db8:1234:5600::2");
    CHECK_MESSAGE(ptr_targets(again) == std::vector<std::string>{"v6host.example.com."},
                  again.describe());
  }

  SUBCASE("a change made with rdnsctl reaches the resolver once the TTL has run out") {
    DigResult last;
    REQUIRE_MESSAGE(wait_for_answer(unbound, "192.0.2.3", "www.example.com.", Millis(0), last),
                    last.describe());
    RunResult set = rdnsd.rdnsctl({"set", "192.0.2.3", "web.example.org.", "--ttl", "2"});
    REQUIRE_MESSAGE(set.ok(), set.describe());
    CHECK_MESSAGE(wait_for_answer(unbound, "192.0.2.3", "web.example.org.", Millis(10000), last),
                  "unbound never showed the new target:\n"
                      << last.describe() << unbound.logs());

    // A missing address cached as NXDOMAIN (negative TTL 1 s) appears once set.
    REQUIRE_MESSAGE(wait_for_answer(unbound, "192.0.2.99", "", Millis(0), last), last.describe());
    set = rdnsd.rdnsctl({"set", "192.0.2.99", "new.example.org."});
    REQUIRE_MESSAGE(set.ok(), set.describe());
    CHECK_MESSAGE(wait_for_answer(unbound, "192.0.2.99", "new.example.org.", Millis(10000), last),
                  "the NXDOMAIN stayed cached:\n"
                      << last.describe() << unbound.logs());

    // The same for IPv6, and an unset that becomes NXDOMAIN.
    set = rdnsd.rdnsctl({"set", "2001:db8:1234:5600::2", "moved.example.com.", "--ttl", "2"});
    REQUIRE_MESSAGE(set.ok(), set.describe());
    CHECK_MESSAGE(wait_for_answer(unbound, "2001:db8:1234:5600::2", "moved.example.com.",
                                  Millis(10000), last),
                  last.describe() << unbound.logs());
    RunResult unset = rdnsd.rdnsctl({"unset", "2001:db8:1234:56ff:1:2:3:4"});
    REQUIRE_MESSAGE(unset.ok(), unset.describe());
    CHECK_MESSAGE(wait_for_answer(unbound, "2001:db8:1234:56ff:1:2:3:4", "", Millis(10000), last),
                  last.describe() << unbound.logs());
  }

  CHECK_MESSAGE(unbound.alive(), unbound.logs());
}

}  // namespace rdnsd::e2e
