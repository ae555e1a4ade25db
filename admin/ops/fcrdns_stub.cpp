// The stub resolver of fcrdns.h: queries built and parsed with ldns, sent over connected
// UDP sockets that are polled together, TCP for truncated answers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "admin/ops/fcrdns.h"

// Last: ldns's common.h may define bool, true and false as macros, which breaks the
// standard headers included after it; C++ keeps its own afterwards.
#include <ldns/ldns.h>
#undef bool
#undef true
#undef false

namespace rdnsd::fcrdns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint16_t kUdpPayload = 1232;  // EDNS buffer size offered (DNS flag day 2020)

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;

// The socket address of a server; false if its host is not an IP address.
bool socket_address(const Server& s, sockaddr_storage& ss, socklen_t& len) {
  ss = {};
  if (s.host.find(':') == std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(s.port);
    len = sizeof *a;
    return inet_pton(AF_INET, s.host.c_str(), &a->sin_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(s.port);
  len = sizeof *a;
  return inet_pton(AF_INET6, s.host.c_str(), &a->sin6_addr) == 1;
}

// A non-blocking socket of `type` connected (or connecting, for TCP) to `s`; -1 with
// `why` on failure.
int open_socket(const Server& s, int type, std::string& why) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!socket_address(s, ss, len)) {
    why = "resolver " + s.text + " is not an IP address";
    return -1;
  }
  int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = "cannot open a socket to resolver " + s.text + ": " + std::strerror(errno);
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    why = "cannot reach resolver " + s.text + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

int millis_until(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return int(std::clamp<int64_t>(left, 0, 60000));
}

// Waits until `fd` is ready for `events` or `deadline` passes; false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, millis_until(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// One query over TCP with the RFC 1035 section 4.2.2 length prefix (RFC 7766), within
// `deadline`. The answer's bytes, or nullopt with `why`.
std::optional<std::string> tcp_exchange(const Server& s, const std::string& query,
                                        Clock::time_point deadline, std::string& why) {
  int fd = open_socket(s, SOCK_STREAM, why);
  if (fd < 0) return std::nullopt;
  std::string out = {char(query.size() >> 8), char(query.size() & 0xff)};
  out += query;
  std::string in;
  size_t sent = 0, want = 2;
  int err = 0;
  bool ok = true;
  while (ok && sent < out.size()) {
    ok = wait_fd(fd, POLLOUT, deadline);
    ssize_t n = ok ? send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL) : 0;
    if (n > 0) sent += size_t(n);
    if (ok && n < 0 && errno != EAGAIN && errno != EINTR) err = errno, ok = false;
  }
  while (ok && in.size() < want) {
    ok = wait_fd(fd, POLLIN, deadline);
    char buf[4096];
    ssize_t n = ok ? recv(fd, buf, std::min(sizeof buf, want - in.size()), 0) : 0;
    if (n > 0) in.append(buf, size_t(n));
    if (n > 0 && want == 2 && in.size() == 2)
      want = 2 + (size_t(uint8_t(in[0])) << 8 | uint8_t(in[1]));
    if (ok && n == 0) ok = false;  // closed before the whole answer came
    if (ok && n < 0 && errno != EAGAIN && errno != EINTR) err = errno, ok = false;
  }
  close(fd);
  if (in.size() == want && want > 2) return in.substr(2);
  why = err ? "resolver " + s.text + " over TCP: " + std::strerror(err)
            : "resolver " + s.text + " did not finish a truncated answer over TCP in time";
  return std::nullopt;
}

// The query for (`name`, `type`) with `id` and RD set, as wire bytes; empty on failure.
std::string build_query(const ldns_rdf* name, ldns_rr_type type, uint16_t id) {
  Pkt pkt(ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, LDNS_RD));
  if (!pkt) return {};
  ldns_pkt_set_id(pkt.get(), id);
  ldns_pkt_set_edns_udp_size(pkt.get(), kUdpPayload);
  uint8_t* wire = nullptr;
  size_t size = 0;
  std::string out;
  if (ldns_pkt2wire(&wire, pkt.get(), &size) == LDNS_STATUS_OK)
    out.assign(reinterpret_cast<char*>(wire), size);
  free(wire);
  return out;
}

// The reply to the query (`id`, `name`, `type`) in `data`, or null when the bytes are not
// one (malformed, another id or question: a stray or forged datagram).
Pkt parse_reply(const std::string& data, uint16_t id, const ldns_rdf* name, ldns_rr_type type) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, reinterpret_cast<const uint8_t*>(data.data()), data.size()) !=
      LDNS_STATUS_OK)
    return nullptr;
  Pkt p(raw);
  const ldns_rr_list* question = ldns_pkt_question(p.get());
  if (!ldns_pkt_qr(p.get()) || ldns_pkt_id(p.get()) != id || ldns_rr_list_rr_count(question) != 1)
    return nullptr;
  const ldns_rr* q = ldns_rr_list_rr(question, 0);
  if (ldns_rr_get_type(q) != type || ldns_rr_get_class(q) != LDNS_RR_CLASS_IN ||
      ldns_dname_compare(ldns_rr_owner(q), name) != 0)
    return nullptr;
  return p;
}

bool same_name(const ldns_rdf* a, const ldns_rdf* b) {
  return ldns_dname_compare(a, b) == 0;
}

// The `type` addresses of `name` in the answer section, following its CNAME chain.
std::vector<names::IpAddress> answer_addresses(const ldns_pkt* p, const ldns_rdf* name,
                                               ldns_rr_type type) {
  const ldns_rr_list* an = ldns_pkt_answer(p);
  const size_t count = ldns_rr_list_rr_count(an);
  std::vector<const ldns_rdf*> chain{name};
  for (size_t step = 0; step < count; ++step) {  // each step adds one CNAME or stops
    const ldns_rdf* next = nullptr;
    for (size_t i = 0; i < count && !next; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(an, i);
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1 &&
          same_name(ldns_rr_owner(rr), chain.back()))
        next = ldns_rr_rdf(rr, 0);
    }
    if (!next || std::any_of(chain.begin(), chain.end(),
                             [&](const ldns_rdf* n) { return same_name(n, next); }))
      break;
    chain.push_back(next);
  }
  std::vector<names::IpAddress> out;
  const size_t size = type == LDNS_RR_TYPE_A ? 4 : 16;
  for (size_t i = 0; i < count; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(an, i);
    if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
        ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(ldns_rr_rdf(rr, 0)) != size)
      continue;
    if (std::none_of(chain.begin(), chain.end(),
                     [&](const ldns_rdf* n) { return same_name(n, ldns_rr_owner(rr)); }))
      continue;
    names::IpAddress addr;
    addr.family = size == 4 ? 4 : 6;
    std::memcpy(addr.bytes.data(), ldns_rdf_data(ldns_rr_rdf(rr, 0)), size);
    if (std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(addr);
  }
  return out;
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  const ldns_lookup_table* t = ldns_lookup_by_id(ldns_rcodes, int(rcode));
  return t ? t->name : "rcode " + std::to_string(int(rcode));
}

// One (name, type) question on its way through the servers.
struct Query {
  size_t name = 0;  // index into the names
  ldns_rr_type type = LDNS_RR_TYPE_A;
  size_t server = 0;  // the server being asked
  uint16_t id = 0;
  std::string wire;
  int fd = -1;
  Clock::time_point deadline;
  bool heard = false;               // some server answered it (with anything)
  std::vector<std::string> errors;  // one per server that failed it
};

// One resolve() call: every query, the ones in flight, and the results.
class Run {
 public:
  Run(const StubOptions& o, std::mt19937& rng, const std::vector<std::string>& names);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  std::vector<Forward> go();

 private:
  void launch(size_t i);
  void poll_active();
  void read_reply(size_t i);
  void on_reply(size_t i, const ldns_pkt* p);
  void server_failed(size_t i, std::string error, bool answered);
  void finish(size_t i, Answer a);
  Answer& slot(const Query& q) {
    return q.type == LDNS_RR_TYPE_A ? results_[q.name].a : results_[q.name].aaaa;
  }

  const StubOptions& o_;
  std::mt19937& rng_;
  std::vector<Rdf> names_;
  std::vector<std::string> texts_;
  std::vector<Query> queries_;
  std::vector<size_t> active_;  // indices of queries in flight
  std::vector<Forward> results_;
  bool answered_any_ = false;        // some server answered some query in this run
  std::optional<std::string> dead_;  // set when no server answers at all
};

Run::Run(const StubOptions& o, std::mt19937& rng, const std::vector<std::string>& names)
    : o_(o), rng_(rng), texts_(names), results_(names.size()) {
  for (size_t i = 0; i < names.size(); ++i) {
    names_.emplace_back(ldns_dname_new_frm_str(names[i].c_str()));
    for (ldns_rr_type t : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
      Query q;
      q.name = i;
      q.type = t;
      queries_.push_back(std::move(q));
    }
  }
}

Run::~Run() {
  for (size_t i : active_)
    if (queries_[i].fd >= 0) close(queries_[i].fd);
}

std::vector<Forward> Run::go() {
  size_t next = 0;
  while (next < queries_.size() || !active_.empty()) {
    while (active_.size() < std::max<size_t>(o_.window, 1) && next < queries_.size())
      launch(next++);
    if (!active_.empty()) poll_active();
  }
  return std::move(results_);
}

// Sends query `i` to its current server, or finishes it when that cannot be done.
void Run::launch(size_t i) {
  Query& q = queries_[i];
  if (std::find(active_.begin(), active_.end(), i) == active_.end()) active_.push_back(i);
  if (dead_) return finish(i, Answer{Answer::Status::Failed, {}, *dead_});
  if (!names_[q.name])
    return finish(i, Answer{Answer::Status::Failed, {}, "'" + texts_[q.name] + "' is not a name"});
  if (o_.servers.empty())
    return finish(i, Answer{Answer::Status::Failed, {}, "no resolver is configured"});
  const Server& s = o_.servers[q.server];
  q.id = uint16_t(rng_());
  q.wire = build_query(names_[q.name].get(), q.type, q.id);
  std::string why;
  q.fd = open_socket(s, SOCK_DGRAM, why);
  if (q.fd >= 0 && send(q.fd, q.wire.data(), q.wire.size(), 0) < 0)
    why = "cannot send to resolver " + s.text + ": " + std::strerror(errno);
  q.deadline = Clock::now() + o_.timeout;
  if (!why.empty()) server_failed(i, why, false);
}

// Waits for the first reply or deadline among the queries in flight and handles it.
void Run::poll_active() {
  std::vector<pollfd> fds;
  Clock::time_point first = Clock::time_point::max();
  for (size_t i : active_) {
    fds.push_back(pollfd{queries_[i].fd, POLLIN, 0});
    first = std::min(first, queries_[i].deadline);
  }
  int n = poll(fds.data(), fds.size(), millis_until(first));
  if (n < 0 && errno != EINTR) n = 0;
  std::vector<size_t> ready, current = active_;
  for (size_t k = 0; k < fds.size(); ++k)
    if (fds[k].revents) ready.push_back(current[k]);
  for (size_t i : ready)
    if (std::find(active_.begin(), active_.end(), i) != active_.end()) read_reply(i);
  const auto now = Clock::now();
  current = active_;
  for (size_t i : current) {
    const Query& q = queries_[i];
    if (std::find(active_.begin(), active_.end(), i) != active_.end() && q.deadline <= now)
      server_failed(i,
                    "resolver " + o_.servers[q.server].text + " did not answer within " +
                        std::to_string(o_.timeout.count()) + " ms",
                    false);
  }
}

// Drains the datagrams of query `i`'s socket; an answer that matches ends the wait.
void Run::read_reply(size_t i) {
  static thread_local std::string buf(65535, '\0');
  for (;;) {
    Query& q = queries_[i];
    ssize_t n = recv(q.fd, buf.data(), buf.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
      // ECONNREFUSED: an ICMP port unreachable came back, nothing listens there.
      const Server& s = o_.servers[q.server];
      return server_failed(i, "resolver " + s.text + " is unreachable: " + std::strerror(errno),
                           false);
    }
    Pkt p = parse_reply(buf.substr(0, size_t(n)), q.id, names_[q.name].get(), q.type);
    if (p) return on_reply(i, p.get());
  }
}

void Run::on_reply(size_t i, const ldns_pkt* p) {
  Query& q = queries_[i];
  const Server& s = o_.servers[q.server];
  answered_any_ = q.heard = true;
  Pkt tcp;
  if (ldns_pkt_tc(p)) {
    std::string why;
    auto bytes = tcp_exchange(s, q.wire, Clock::now() + o_.timeout, why);
    if (bytes) tcp = parse_reply(*bytes, q.id, names_[q.name].get(), q.type);
    if (!tcp)
      return server_failed(i, why.empty() ? "resolver " + s.text + " sent a bad TCP answer" : why,
                           true);
    p = tcp.get();
  }
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(p);
  if (rcode == LDNS_RCODE_NOERROR)
    return finish(
        i, Answer{Answer::Status::Ok, answer_addresses(p, names_[q.name].get(), q.type), ""});
  if (rcode == LDNS_RCODE_NXDOMAIN) return finish(i, Answer{Answer::Status::NoName, {}, ""});
  server_failed(i, "resolver " + s.text + " answered " + rcode_name(rcode), true);
}

// The current server of query `i` failed it: ask the next one, or give up. When no
// server has answered anything in this run, every other query gives up too.
void Run::server_failed(size_t i, std::string error, bool answered) {
  Query& q = queries_[i];
  if (q.fd >= 0) close(q.fd);
  q.fd = -1;
  q.errors.push_back(std::move(error));
  q.heard = q.heard || answered;
  if (++q.server < o_.servers.size()) return launch(i);
  std::string text;
  for (const auto& e : q.errors) text += (text.empty() ? "" : "; ") + e;
  if (!answered_any_ && !q.heard) dead_ = text;
  finish(i, Answer{Answer::Status::Failed, {}, text});
  if (!dead_) return;
  for (size_t k : std::vector<size_t>(active_))
    finish(k, Answer{Answer::Status::Failed, {}, *dead_});
}

void Run::finish(size_t i, Answer a) {
  Query& q = queries_[i];
  if (q.fd >= 0) close(q.fd);
  q.fd = -1;
  slot(q) = std::move(a);
  active_.erase(std::remove(active_.begin(), active_.end(), i), active_.end());
}

}  // namespace

StubResolver::StubResolver(StubOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {}

std::vector<Forward> StubResolver::resolve(const std::vector<std::string>& names) {
  Run run(options_, rng_, names);
  return run.go();
}

}  // namespace rdnsd::fcrdns
