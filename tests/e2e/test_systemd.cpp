// rdnsd under a service manager (sd_notify(3)): the test is the manager, with its own
// NOTIFY_SOCKET. READY=1 comes only once every listener answers, RELOADING=1 and READY=1
// frame a SIGHUP, STOPPING=1 a SIGTERM, STATUS= counts zones and records, and WATCHDOG=1
// comes at half of WATCHDOG_USEC.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

using Clock = std::chrono::steady_clock;

// The service manager's end: a datagram socket in its own folder.
class NotifySocket {
 public:
  NotifySocket() : dir_(make_temp_dir("rdnsd-notify-")) {
    path_ = dir_ + "/notify.sock";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot bind " + path_);
  }
  ~NotifySocket() {
    close(fd_);
    remove_tree(dir_);
  }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }

  // The next message, or "" when none comes within `timeout`.
  std::string next(Millis timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, int(timeout.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, size_t(n)) : "";
  }
  // Messages until one holds `field` ("READY=1"); all of them, in order. Throws after
  // `timeout`.
  std::vector<std::string> until(const std::string& field, Millis timeout) {
    std::vector<std::string> seen;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      std::string m = next(std::chrono::duration_cast<Millis>(deadline - Clock::now()));
      if (m.empty()) continue;
      seen.push_back(m);
      if (has(m, field)) return seen;
    }
    std::string all;
    for (const auto& m : seen) all += "[" + m + "] ";
    throw std::runtime_error("no " + field + " within the time; got " + all);
  }
  static bool has(const std::string& message, const std::string& field) {
    return ("\n" + message + "\n").find("\n" + field + "\n") != std::string::npos;
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

RdnsdOptions managed(const NotifySocket& n, std::vector<std::string> env = {}) {
  RdnsdOptions o;
  o.env = std::move(env);
  o.env.push_back(n.env());
  o.wait = false;
  return o;
}

// One SOA query over UDP, no retry.
bool answers_udp(uint16_t port, bool v6) {
  wire::UdpClient c(port, v6);
  wire::Query q;
  q.name = "2.0.192.in-addr.arpa.";
  q.qtype = wire::rr::SOA;
  auto r = c.exchange(wire::build(q), Millis(1000));
  return r && r->rcode == wire::rcode::NOERROR && r->an == 1;
}

}  // namespace

TEST_CASE("READY=1 comes once every listener and the admin socket answer, with the counts") {
  NotifySocket n;
  Rdnsd d(managed(n));
  auto seen = n.until("READY=1", Millis(10000));
  // Asked at once, with no retry: a READY=1 sent before a bind would fail here.
  CHECK(answers_udp(d.port(), false));
  CHECK(answers_udp(d.port(), true));
  CHECK_NOTHROW(wire::TcpClient(d.port(), false));
  CHECK_NOTHROW(wire::TcpClient(d.port(), true));
  CHECK(d.admin("{\"op\":\"zones\"}").value("ok", false));
  REQUIRE(seen.size() == 1);  // nothing before READY=1
  // The default zones: three, with 2 + 1 + 2 records.
  CHECK(NotifySocket::has(seen[0], "STATUS=serving 3 zones, 5 records"));
}

TEST_CASE("no READY=1 when a listener cannot be bound: rdnsd exits 1") {
  NotifySocket n;
  Rdnsd first;  // holds the port
  RdnsdOptions o = managed(n);
  o.config = "server:\n  listen: [\"127.0.0.1:" + std::to_string(first.port()) +
             "\"]\nstore:\n  path: {DIR}/store\nadmin:\n  socket: {DIR}/admin.sock\n";
  Rdnsd d(o);
  auto status = d.wait_exit(Millis(10000));
  REQUIRE(status);
  CHECK(describe_status(*status) == "exit 1");
  CHECK(n.next(Millis(200)) == "");
}

TEST_CASE("SIGHUP is framed by RELOADING=1 and READY=1, SIGTERM sends STOPPING=1") {
  NotifySocket n;
  Rdnsd d(managed(n));
  n.until("READY=1", Millis(10000));
  RdnsdOptions more = managed(n);
  more.zones =
      std::string(kDefaultZones) + zone_yaml("203.0.113.0/24",
                                             "    ns: [ns1.example.net.]\n    soa: { mname: "
                                             "ns1.example.net., rname: "
                                             "hostmaster.example.net. }\n");
  d.rewrite_config(more);
  d.send_signal(SIGHUP);
  auto seen = n.until("READY=1", Millis(5000));
  REQUIRE(seen.size() == 2);
  CHECK(NotifySocket::has(seen[0], "RELOADING=1"));
  CHECK(seen[0].find("\nMONOTONIC_USEC=") != std::string::npos);
  CHECK(NotifySocket::has(seen[1], "STATUS=serving 4 zones, 5 records"));
  CHECK(d.serial("113.0.203.in-addr.arpa.") > 0);
  d.send_signal(SIGTERM);
  auto last = n.until("STOPPING=1", Millis(5000));
  CHECK(NotifySocket::has(last.back(), "STATUS=stopping on Terminated"));
  auto status = d.wait_exit(Millis(5000));
  REQUIRE(status);
  CHECK(describe_status(*status) == "exit 0");
}

TEST_CASE("WATCHDOG=1 comes at half of WATCHDOG_USEC, and not for another WATCHDOG_PID") {
  NotifySocket n;
  Rdnsd d(managed(n, {"WATCHDOG_USEC=300000"}));
  n.until("READY=1", Millis(10000));
  const auto start = Clock::now();
  int pings = 0;
  while (Clock::now() - start < Millis(1000))
    if (NotifySocket::has(n.next(Millis(200)), "WATCHDOG=1")) ++pings;
  // One every 150 ms: about 6 in a second; a loaded machine may lose one or two.
  CHECK(pings >= 4);
  CHECK(pings <= 8);

  NotifySocket other;
  Rdnsd e(managed(other, {"WATCHDOG_USEC=300000", "WATCHDOG_PID=1"}));
  other.until("READY=1", Millis(10000));
  CHECK(other.next(Millis(600)) == "");
}
