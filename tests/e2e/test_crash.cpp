// Crash consistency: writes streamed through the admin socket (single requests,
// pipelined ones on two connections, and batches over two zones) while rdnsd is killed
// with SIGKILL at random moments, more than 100 times. After each restart:
//   - every request whose answer was received is in the store;
//   - of the requests sent but not answered, exactly a prefix of each connection's
//     requests was committed (answers on one connection come in order, and a batch is
//     all or nothing), so the store equals the state after some number p of that
//     connection's requests, acked <= p <= sent;
//   - each zone's serial moved by exactly p (each request is one serial step of the
//     zones it touches, policy increment): the serial says which p, and the records must
//     then be exactly the state after p requests;
//   - the IXFR journal agrees: `zone-show` names the serial as its last, and an IXFR
//     from the serial before the cycle gives exactly the records removed and added.
// Each connection writes only its own zone(s), so its state does not depend on the
// others, while its requests still share group commits with theirs.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

struct ZoneDef {
  std::string prefix, apex;
  std::string ip(int host) const;  // the host-th address of the zone
};

std::string ZoneDef::ip(int host) const {
  const std::string base = prefix.substr(0, prefix.find('/'));
  if (base.find(':') != std::string::npos) return base + std::to_string(host + 1);  // "fd43::"
  return base.substr(0, base.rfind('.') + 1) + std::to_string(host + 1);
}

const ZoneDef kSingle{"10.40.0.0/24", "0.40.10.in-addr.arpa."};
const ZoneDef kPipe4{"10.41.0.0/24", "0.41.10.in-addr.arpa."};
const ZoneDef kPipe6{"fd43::/48", "0.0.0.0.0.0.0.0.3.4.d.f.ip6.arpa."};
const ZoneDef kBatch4{"10.42.0.0/24", "0.42.10.in-addr.arpa."};
const ZoneDef kBatch6{"fd42::/48", "0.0.0.0.0.0.0.0.2.4.d.f.ip6.arpa."};

std::string zones_yaml() {
  std::string out = kDefaultZones;
  for (const ZoneDef* z : {&kSingle, &kPipe4, &kPipe6, &kBatch4, &kBatch6})
    out += zone_yaml(z->prefix,
                     "    ns: [ns1.example.net.]\n"
                     "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
                     "    allow-transfer: [{ from: 127.0.0.1 }]\n"
                     "    journal: { max-depth: 1000000 }\n");
  return out;
}

// The owner name of an address, as dig prints it.
std::string owner_of(const std::string& ip) {
  unsigned char b[16];
  std::string out;
  if (inet_pton(AF_INET, ip.c_str(), b) == 1) {
    for (int i = 3; i >= 0; --i) out += std::to_string(b[i]) + ".";
    return out + "in-addr.arpa.";
  }
  REQUIRE(inet_pton(AF_INET6, ip.c_str(), b) == 1);
  const char* hex = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out += hex[b[i] & 15];
    out += '.';
    out += hex[b[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa.";
}

using State = std::map<std::string, std::string>;  // address -> PTR target

struct Op {
  std::string ip, target;  // target empty: unset
};
using Request = std::vector<Op>;  // one op: a set or unset line; more: a batch

void apply_request(State& s, const Request& r) {
  for (const Op& op : r) {
    if (op.target.empty())
      s.erase(op.ip);
    else
      s[op.ip] = op.target;
  }
}

std::string line_of(const Request& r) {
  auto one = [](const Op& op) {
    json j{{"op", op.target.empty() ? "unset" : "set"}, {"ip", op.ip}};
    if (!op.target.empty()) j["name"] = op.target;
    return j;
  };
  if (r.size() == 1) return one(r[0]).dump() + "\n";
  json ops = json::array();
  for (const Op& op : r) ops.push_back(one(op));
  return json{{"op", "batch"}, {"ops", ops}}.dump() + "\n";
}

// One writer connection: its zones, how many requests it keeps outstanding, whether it
// sends batches, and everything it knows about its requests.
struct Stream {
  std::string name;
  std::vector<const ZoneDef*> zones;
  size_t window = 1;
  bool batches = false;
  std::mt19937 rng;
  uint64_t counter = 0;

  State confirmed;                // the state after every request known to be committed
  std::vector<Request> inflight;  // sent in this cycle, in order
  size_t acked = 0;               // of `inflight`, answered
  std::string error;              // an answer that was not ok (a test failure)

  // Totals over all cycles.
  uint64_t total_acked = 0, total_ops_acked = 0, doubt_committed = 0, doubt_lost = 0;

  State future() const {  // the state if every request sent commits
    State s = confirmed;
    for (const Request& r : inflight) apply_request(s, r);
    return s;
  }
  Request next(const State& fut);
  void run(const std::string& socket_path);
};

Request Stream::next(const State& fut) {
  auto op_in = [&](const ZoneDef& z, std::set<std::string>& used) {
    for (;;) {
      std::string ip = z.ip(int(rng() % 48));
      if (!used.insert(ip).second) continue;
      bool exists = fut.count(ip) != 0;
      if (exists && rng() % 3 == 0) return Op{ip, ""};
      return Op{ip, name + "-" + std::to_string(++counter) + ".example.net."};
    }
  };
  std::set<std::string> used;
  Request r;
  if (!batches) {
    r.push_back(op_in(*zones[rng() % zones.size()], used));
    return r;
  }
  // A batch touches both of its zones (so each commit steps both serials once).
  const size_t n = 2 + rng() % 30;
  for (size_t i = 0; i < n; ++i) r.push_back(op_in(*zones[i % zones.size()], used));
  return r;
}

int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Writes requests and reads answers until the connection breaks (the daemon was killed).
void Stream::run(const std::string& socket_path) {
  int fd = connect_to(socket_path);
  if (fd < 0) return;
  State fut = future();
  std::string buffer;
  for (;;) {
    while (inflight.size() - acked < window) {
      Request r = next(fut);
      const std::string line = line_of(r);
      apply_request(fut, r);
      inflight.push_back(std::move(r));  // sent, or maybe sent (a write cut by the kill)
      if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
        close(fd);
        return;
      }
    }
    size_t nl;
    while ((nl = buffer.find('\n')) == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      char chunk[65536];
      ssize_t n = poll(&p, 1, 10000) == 1 ? recv(fd, chunk, sizeof chunk, 0) : -1;
      if (n <= 0) {
        close(fd);
        return;
      }
      buffer.append(chunk, size_t(n));
    }
    json answer = json::parse(buffer.substr(0, nl), nullptr, false);
    buffer.erase(0, nl + 1);
    if (answer.is_discarded() || answer.value("ok", false) != true) {
      error = "answer to request " + std::to_string(acked) + ": " + answer.dump();
      close(fd);
      return;
    }
    ++acked;
  }
}

uint32_t zone_serial(const Rdnsd& d, const ZoneDef& z, json* journal = nullptr) {
  json a = d.admin(json{{"op", "zone-show"}, {"zone", z.prefix}}.dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
  if (journal) *journal = a["zone"]["journal"];
  return a["zone"]["serial"].get<uint32_t>();
}

State stored(const Rdnsd& d, const ZoneDef& z) {
  State s;
  json a = d.admin(json{{"op", "list"}, {"zone", z.prefix}, {"limit", 1000}}.dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
  for (const json& r : a["records"]) s[r["ip"]] = r["ptr"];
  return s;
}

State in_zone(const State& s, const ZoneDef& z) {
  State out;
  const std::string stem = z.ip(0).substr(0, z.ip(0).size() - 1);
  for (const auto& [ip, target] : s)
    if (ip.compare(0, stem.size(), stem) == 0) out.emplace(ip, target);
  return out;
}

// The records of an IXFR from `from` (dig's lines: owner, TTL, class, type, rdata).
std::vector<std::vector<std::string>> ixfr(const Rdnsd& d, const ZoneDef& z, uint32_t from) {
  RunResult r = run({"dig", "@127.0.0.1", "-p", std::to_string(d.port()), "+tcp", "+tries=1",
                     "+time=5", "+noall", "+answer", "IXFR=" + std::to_string(from), z.apex},
                    {Millis(15000), "", ""});
  REQUIRE_MESSAGE(r.ok(), r.describe());
  std::vector<std::vector<std::string>> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.size() >= 5) out.push_back(w);
  }
  return out;
}

// The IXFR from `from` to `to` must be exactly the difference of the two states.
void check_ixfr(const Rdnsd& d, const ZoneDef& z, uint32_t from, uint32_t to, const State& before,
                const State& after) {
  const auto rrs = ixfr(d, z, from);
  auto soa_serial = [&](size_t i) { return rrs.at(i).at(3) == "SOA" ? rrs[i].at(6) : ""; };
  REQUIRE(!rrs.empty());
  REQUIRE(soa_serial(0) == std::to_string(to));
  std::set<std::string> removed, added, want_removed, want_added;
  if (from != to) {
    REQUIRE(rrs.size() >= 3);
    REQUIRE(soa_serial(1) == std::to_string(from));  // incremental, not AXFR-style
    std::set<std::string>* into = &removed;
    for (size_t i = 2; i + 1 < rrs.size(); ++i) {
      if (rrs[i][3] == "SOA") {
        REQUIRE(into == &removed);
        into = &added;
        continue;
      }
      into->insert(rrs[i][0] + " " + rrs[i][3] + " " + rrs[i][4]);
    }
  }
  for (const auto& [ip, target] : before)
    if (!after.count(ip) || after.at(ip) != target)
      want_removed.insert(owner_of(ip) + " PTR " + target);
  for (const auto& [ip, target] : after)
    if (!before.count(ip) || before.at(ip) != target)
      want_added.insert(owner_of(ip) + " PTR " + target);
  CHECK(removed == want_removed);
  CHECK(added == want_added);
}

// After a restart: which prefix of the stream's requests committed, and is the store
// exactly that?
void settle(const Rdnsd& d, Stream& s, std::map<std::string, uint32_t>& serials) {
  INFO("stream " << s.name);
  REQUIRE_MESSAGE(s.error.empty(), s.error);
  std::optional<size_t> p;
  for (const ZoneDef* z : s.zones) {
    const uint32_t now = zone_serial(d, *z);
    const size_t moved = size_t(now - serials[z->apex]);
    if (p) CHECK_MESSAGE(moved == *p, "a batch stepped " << z->apex << " alone");
    p = moved;
  }
  CHECK_MESSAGE(*p >= s.acked, "acknowledged requests lost: " << s.acked - *p);
  CHECK_MESSAGE(*p <= s.inflight.size(), "more serial steps than requests sent");
  REQUIRE(*p <= s.inflight.size());
  State before = s.confirmed;
  for (size_t i = 0; i < *p; ++i) apply_request(s.confirmed, s.inflight[i]);
  for (const ZoneDef* z : s.zones) {
    const State want = in_zone(s.confirmed, *z);
    CHECK(stored(d, *z) == want);
    json journal;
    const uint32_t now = zone_serial(d, *z, &journal);
    if (journal["last_serial"].is_null())  // no step yet since the zone was made
      CHECK(journal["entries"] == 0);
    else
      CHECK(journal["last_serial"] == now);
    check_ixfr(d, *z, serials[z->apex], now, in_zone(before, *z), want);
    serials[z->apex] = now;
  }
  s.total_acked += s.acked;
  for (size_t i = 0; i < s.acked; ++i) s.total_ops_acked += s.inflight[i].size();
  s.doubt_committed += *p - s.acked;
  s.doubt_lost += s.inflight.size() - *p;
  s.inflight.clear();
  s.acked = 0;
}

}  // namespace

TEST_CASE("kill -9 at random moments during streamed writes: nothing acknowledged lost") {
  const int cycles = 110;
  RdnsdOptions options;
  options.zones = zones_yaml();
  Rdnsd d(options);
  std::mt19937 rng(std::random_device{}());
  std::vector<Stream> streams(4);
  streams[0].name = "single";
  streams[0].zones = {&kSingle};
  streams[1].name = "pipelined-v4";
  streams[1].zones = {&kPipe4};
  streams[1].window = 32;
  streams[2].name = "pipelined-v6";
  streams[2].zones = {&kPipe6};
  streams[2].window = 8;
  streams[3].name = "batches";
  streams[3].zones = {&kBatch4, &kBatch6};
  streams[3].window = 2;
  streams[3].batches = true;
  for (Stream& s : streams) s.rng.seed(rng());

  std::map<std::string, uint32_t> serials;
  for (const Stream& s : streams)
    for (const ZoneDef* z : s.zones) serials[z->apex] = zone_serial(d, *z);

  const auto started = std::chrono::steady_clock::now();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle);
    std::vector<std::thread> writers;
    for (Stream& s : streams) writers.emplace_back([&s, path = d.socket_path()] { s.run(path); });
    // Mostly in the middle of a stream; sometimes right after the connections open.
    const int wait_ms = rng() % 8 == 0 ? int(rng() % 5) : 20 + int(rng() % 250);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    d.kill9();
    for (std::thread& t : writers) t.join();
    d.start();
    for (Stream& s : streams) settle(d, s, serials);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  uint64_t acked = 0, ops = 0, committed = 0, lost = 0;
  for (const Stream& s : streams) {
    acked += s.total_acked;
    ops += s.total_ops_acked;
    committed += s.doubt_committed;
    lost += s.doubt_lost;
    MESSAGE(s.name << ": " << s.total_acked << " acknowledged requests, " << s.doubt_committed
                   << " unanswered but committed, " << s.doubt_lost
                   << " unanswered, not committed");
  }
  MESSAGE(cycles << " kills in " << seconds << " s: " << acked << " acknowledged requests (" << ops
                 << " ops), 0 lost; in doubt at the kill: " << committed << " committed, " << lost
                 << " not");
  CHECK(acked > 0);
}
