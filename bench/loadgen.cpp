// loadgen: a UDP DNS load generator that can outrun dnsperf on one core.
//
//   loadgen -p PORT -d QUERYFILE [-x EXPECTFILE] [-s ADDRESS] [-l SECONDS] [-c SOCKETS]
//           [-w WINDOW] [-Q QPS] [-t TIMEOUT_MS] [-e] [-b]
//
// Replays QUERYFILE ("NAME TYPE" per line, dnsperf's format) in a loop for at most
// SECONDS (default 10, at most 3600), keeping at most WINDOW queries outstanding (default
// 64) spread over SOCKETS connected UDP sockets (default 4), sending in sendmmsg batches
// and receiving in recvmmsg batches of 64. With -Q it sends at most QPS queries per
// second. Every answer is checked: its ID must belong to an outstanding query on that
// socket, QR must be set and the question must be the one sent; with EXPECTFILE (one
// rcode name per line, parallel to QUERYFILE) the rcode must be the expected one.
// A query unanswered after TIMEOUT_MS (default 1000) counts as lost.
//
// With -b it never sleeps: it polls its sockets in a loop on its own core, so the server
// under test never has to wake it. On loopback a server's send runs the client's receive
// path, wake-up included, on the server's CPU; over a network that work is the client
// machine's, so -b keeps it out of the server's CPU time.
//
// Prints key=value lines: qps (answers per second during the run), sent, answered, lost,
// bad_id, bad_question, unexpected_rcode, truncated, rcode_<NAME>, latency figures in
// microseconds. Exit status 0, or 2 on bad arguments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dnswire.h"

namespace {

constexpr int kBatch = 64;
constexpr size_t kMaxMsg = 4096;
constexpr size_t kLatBuckets = 1 << 17;  // 1 us each, the last one collects the rest

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

struct Options {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string queries, expect;
  double seconds = 10;
  int sockets = 4;
  int window = 64;
  double qps = 0;
  int timeout_ms = 1000;
  bool edns = false;
  bool spin = false;  // -b: poll the sockets without sleeping
};

// The query file, built once: the wire form of every query and its question length.
struct QuerySet {
  std::vector<std::string> wire;
  std::vector<uint16_t> qlen;
  std::vector<int8_t> expect;  // rcode number, or -1 when not given
};

struct Slot {
  uint64_t sent_ns = 0;
  uint32_t query = 0;
  uint32_t gen = 0;
  bool used = false;
};

// Send order, for finding timed-out queries: (socket, id, generation) entries.
struct Pending {
  uint32_t key;  // socket << 16 | id
  uint32_t gen;
};

struct Stats {
  uint64_t sent = 0, answered = 0, answered_in_run = 0, lost = 0;
  uint64_t bad_id = 0, bad_question = 0, unexpected = 0, truncated = 0, short_msg = 0;
  uint64_t rcodes[16] = {};
  std::vector<uint32_t> lat = std::vector<uint32_t>(kLatBuckets);
  uint64_t lat_sum_ns = 0, lat_max_ns = 0;
};

[[noreturn]] void usage() {
  fprintf(stderr,
          "usage: loadgen -p PORT -d QUERYFILE [-x EXPECTFILE] [-s ADDRESS] [-l SECONDS]\n"
          "               [-c SOCKETS] [-w WINDOW] [-Q QPS] [-t TIMEOUT_MS] [-e] [-b]\n");
  exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  int c;
  while ((c = getopt(argc, argv, "s:p:d:x:l:c:w:Q:t:eb")) != -1) {
    switch (c) {
      case 's':
        o.address = optarg;
        break;
      case 'p':
        o.port = atoi(optarg);
        break;
      case 'd':
        o.queries = optarg;
        break;
      case 'x':
        o.expect = optarg;
        break;
      case 'l':
        o.seconds = atof(optarg);
        break;
      case 'c':
        o.sockets = atoi(optarg);
        break;
      case 'w':
        o.window = atoi(optarg);
        break;
      case 'Q':
        o.qps = atof(optarg);
        break;
      case 't':
        o.timeout_ms = atoi(optarg);
        break;
      case 'e':
        o.edns = true;
        break;
      case 'b':
        o.spin = true;
        break;
      default:
        usage();
    }
  }
  if (o.port <= 0 || o.port > 65535 || o.queries.empty() || o.seconds <= 0 || o.seconds > 3600 ||
      o.sockets < 1 || o.sockets > 256 || o.window < 1 || o.window > 60000 * o.sockets ||
      o.timeout_ms < 1)
    usage();
  return o;
}

QuerySet load_queries(const Options& o) {
  QuerySet qs;
  std::ifstream in(o.queries);
  if (!in) {
    fprintf(stderr, "loadgen: cannot read %s\n", o.queries.c_str());
    exit(2);
  }
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    auto q = bench::make_query(line, o.edns);
    if (!q) {
      fprintf(stderr, "loadgen: %s:%zu: cannot parse '%s'\n", o.queries.c_str(), n, line.c_str());
      exit(2);
    }
    qs.qlen.push_back(
        uint16_t(bench::question_length(reinterpret_cast<const uint8_t*>(q->data()), q->size())));
    qs.wire.push_back(std::move(*q));
  }
  if (qs.wire.empty()) {
    fprintf(stderr, "loadgen: no queries in %s\n", o.queries.c_str());
    exit(2);
  }
  if (!o.expect.empty()) {
    std::ifstream ex(o.expect);
    while (std::getline(ex, line) && qs.expect.size() < qs.wire.size())
      qs.expect.push_back(int8_t(bench::rcode_number(line)));
    if (qs.expect.size() != qs.wire.size()) {
      fprintf(stderr, "loadgen: %s has %zu lines for %zu queries\n", o.expect.c_str(),
              qs.expect.size(), qs.wire.size());
      exit(2);
    }
  }
  return qs;
}

std::vector<int> open_sockets(const Options& o) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, o.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(o.port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, o.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(o.port));
    len = sizeof *v6;
  } else {
    fprintf(stderr, "loadgen: bad address %s\n", o.address.c_str());
    exit(2);
  }
  std::vector<int> fds;
  for (int i = 0; i < o.sockets; ++i) {
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      perror("loadgen: socket");
      exit(1);
    }
    fds.push_back(fd);
  }
  return fds;
}

class Generator {
 public:
  Generator(const Options& o, const QuerySet& qs, std::vector<int> fds)
      : o_(o),
        qs_(qs),
        fds_(std::move(fds)),
        slots_(fds_.size() * 65536),
        next_id_(fds_.size(), 0),
        ring_(size_t(1) << 22) {
    for (int i = 0; i < kBatch; ++i) {
      send_iov_[i].iov_base = send_buf_[i];
      recv_iov_[i] = {recv_buf_[i], kMaxMsg};
    }
  }

  void run() {
    start_ = now_ns();
    const uint64_t end = start_ + uint64_t(o_.seconds * 1e9);
    uint64_t last_expire = start_;
    size_t turn = 0;
    for (;;) {
      uint64_t now = now_ns();
      if (now >= end) break;
      bool busy = false;
      busy |= send_some(turn++ % fds_.size(), now) > 0;
      for (size_t s = 0; s < fds_.size(); ++s) busy |= receive_all(s, true) > 0;
      if (now - last_expire > 20000000) {
        expire(now);
        last_expire = now;
      }
      if (!busy && !o_.spin) wait_readable(1);
    }
    run_ns_ = now_ns() - start_;
    drain();
  }

  void report() const {
    double secs = double(run_ns_) / 1e9;
    printf("duration=%.3f\n", secs);
    printf("qps=%.0f\n", double(st_.answered_in_run) / secs);
    printf("sent=%llu\nanswered=%llu\nlost=%llu\n", ull(st_.sent), ull(st_.answered),
           ull(st_.lost));
    printf("bad_id=%llu\nbad_question=%llu\nshort=%llu\n", ull(st_.bad_id), ull(st_.bad_question),
           ull(st_.short_msg));
    printf("unexpected_rcode=%llu\ntruncated=%llu\n", ull(st_.unexpected), ull(st_.truncated));
    for (unsigned i = 0; i < 16; ++i)
      if (st_.rcodes[i]) printf("rcode_%s=%llu\n", bench::rcode_name(i), ull(st_.rcodes[i]));
    if (st_.answered) {
      printf("lat_avg_us=%.1f\n", double(st_.lat_sum_ns) / double(st_.answered) / 1000.0);
      printf("lat_p50_us=%u\nlat_p99_us=%u\nlat_p999_us=%u\n", percentile(0.5), percentile(0.99),
             percentile(0.999));
      printf("lat_max_us=%.0f\n", double(st_.lat_max_ns) / 1000.0);
    }
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

  unsigned percentile(double p) const {
    uint64_t want = uint64_t(p * double(st_.answered)), seen = 0;
    for (size_t i = 0; i < kLatBuckets; ++i) {
      seen += st_.lat[i];
      if (seen > want) return unsigned(i);
    }
    return unsigned(kLatBuckets - 1);
  }

  // How many queries may go out now under the window, the rate limit and the ring.
  size_t budget(uint64_t now) const {
    if (outstanding_ >= uint64_t(o_.window)) return 0;
    uint64_t b = uint64_t(o_.window) - outstanding_;
    if (o_.qps > 0) {
      double allowed = double(now - start_) / 1e9 * o_.qps - double(st_.sent);
      if (allowed < 1) return 0;
      b = std::min<uint64_t>(b, uint64_t(allowed));
    }
    if (ring_len_ + kBatch >= ring_.size()) return 0;
    return std::min<uint64_t>(b, kBatch);
  }

  // Claims a free ID on socket s; the window keeps most IDs free.
  int claim_id(size_t s) {
    for (int tries = 0; tries < 65536; ++tries) {
      uint16_t id = next_id_[s]++;
      if (!slots_[s * 65536 + id].used) return id;
    }
    return -1;
  }

  // Sends up to one batch on socket s; returns how many went out.
  int send_some(size_t s, uint64_t now) {
    size_t n = budget(now);
    int ids[kBatch];
    size_t built = 0;
    for (; built < n; ++built) {
      int id = claim_id(s);
      if (id < 0) break;
      uint32_t qi = uint32_t(next_query_);
      next_query_ = (next_query_ + 1) % qs_.wire.size();
      const std::string& q = qs_.wire[qi];
      memcpy(send_buf_[built], q.data(), q.size());
      send_buf_[built][0] = char(id >> 8);
      send_buf_[built][1] = char(id & 0xFF);
      send_iov_[built].iov_len = q.size();
      send_msg_[built].msg_hdr = {};
      send_msg_[built].msg_hdr.msg_iov = &send_iov_[built];
      send_msg_[built].msg_hdr.msg_iovlen = 1;
      Slot& slot = slots_[s * 65536 + id];
      slot = {now, qi, slot.gen + 1, true};
      ids[built] = id;
    }
    if (built == 0) return 0;
    int r = sendmmsg(fds_[s], send_msg_, unsigned(built), 0);
    int sent = r < 0 ? 0 : r;
    for (size_t i = 0; i < built; ++i) {
      Slot& slot = slots_[s * 65536 + ids[i]];
      if (int(i) >= sent) {  // not sent (EAGAIN, ECONNREFUSED): give the query back
        slot.used = false;
        continue;
      }
      ring_[(ring_head_ + ring_len_) % ring_.size()] = {uint32_t(s << 16 | unsigned(ids[i])),
                                                        slot.gen};
      ++ring_len_;
    }
    if (size_t(sent) < built)
      next_query_ = (next_query_ + qs_.wire.size() - (built - size_t(sent))) % qs_.wire.size();
    st_.sent += uint64_t(sent);
    outstanding_ += uint64_t(sent);
    return sent;
  }

  // Receives everything waiting on socket s; returns how many answers were read.
  int receive_all(size_t s, bool in_run) {
    int total = 0;
    for (;;) {
      for (int i = 0; i < kBatch; ++i) {
        recv_msg_[i].msg_hdr = {};
        recv_msg_[i].msg_hdr.msg_iov = &recv_iov_[i];
        recv_msg_[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(fds_[s], recv_msg_, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return total;
      uint64_t now = now_ns();
      for (int i = 0; i < n; ++i) check_answer(s, recv_buf_[i], recv_msg_[i].msg_len, now, in_run);
      total += n;
      if (n < kBatch) return total;
    }
  }

  void check_answer(size_t s, const uint8_t* m, size_t len, uint64_t now, bool in_run) {
    if (len < 12) {
      ++st_.short_msg;
      return;
    }
    uint16_t id = bench::get16(m);
    Slot& slot = slots_[s * 65536 + id];
    if (!slot.used || !(m[2] & 0x80)) {
      ++st_.bad_id;
      return;
    }
    const std::string& q = qs_.wire[slot.query];
    size_t ql = qs_.qlen[slot.query];
    if (ql == 0 || len < 12 + ql || bench::get16(m + 4) != 1 ||
        memcmp(m + 12, q.data() + 12, ql) != 0) {
      ++st_.bad_question;
      return;
    }
    slot.used = false;
    --outstanding_;
    unsigned rc = m[3] & 15;
    ++st_.rcodes[rc];
    if (m[2] & 0x02) ++st_.truncated;
    if (!qs_.expect.empty() && qs_.expect[slot.query] != int8_t(rc))
      note_unexpected(slot.query, rc);
    ++st_.answered;
    if (in_run) ++st_.answered_in_run;
    uint64_t lat = now - slot.sent_ns;
    st_.lat_sum_ns += lat;
    st_.lat_max_ns = std::max(st_.lat_max_ns, lat);
    ++st_.lat[std::min<uint64_t>(lat / 1000, kLatBuckets - 1)];
  }

  void note_unexpected(uint32_t query, unsigned rc) {
    if (st_.unexpected++ < 5)
      fprintf(stderr, "loadgen: query line %u: got %s, expected %s\n", query + 1,
              bench::rcode_name(rc), bench::rcode_name(unsigned(qs_.expect[query])));
  }

  // Drops answered entries from the front of the send ring and counts timed-out ones.
  void expire(uint64_t now) {
    uint64_t limit = uint64_t(o_.timeout_ms) * 1000000u;
    while (ring_len_ > 0) {
      const Pending& p = ring_[ring_head_];
      Slot& slot = slots_[size_t(p.key >> 16) * 65536 + (p.key & 0xFFFF)];
      if (slot.used && slot.gen == p.gen) {
        if (now - slot.sent_ns < limit) break;
        slot.used = false;
        --outstanding_;
        ++st_.lost;
      }
      ring_head_ = (ring_head_ + 1) % ring_.size();
      --ring_len_;
    }
  }

  void wait_readable(int ms) {
    pollfd pfds[256];
    for (size_t s = 0; s < fds_.size(); ++s) pfds[s] = {fds_[s], POLLIN, 0};
    poll(pfds, nfds_t(fds_.size()), ms);
  }

  // After the run: collect late answers until none is outstanding or the timeout passes.
  void drain() {
    uint64_t until = now_ns() + uint64_t(o_.timeout_ms) * 1000000u;
    while (outstanding_ > 0 && now_ns() < until) {
      int got = 0;
      for (size_t s = 0; s < fds_.size(); ++s) got += receive_all(s, false);
      if (!got) wait_readable(1);
    }
    expire(UINT64_MAX / 2);  // anything still outstanding is lost
  }

  const Options& o_;
  const QuerySet& qs_;
  std::vector<int> fds_;
  std::vector<Slot> slots_;
  std::vector<uint16_t> next_id_;
  std::vector<Pending> ring_;
  size_t ring_head_ = 0, ring_len_ = 0;
  size_t next_query_ = 0;
  uint64_t outstanding_ = 0;
  uint64_t start_ = 0, run_ns_ = 0;
  Stats st_;
  char send_buf_[kBatch][kMaxMsg];
  iovec send_iov_[kBatch];
  mmsghdr send_msg_[kBatch];
  uint8_t recv_buf_[kBatch][kMaxMsg];
  iovec recv_iov_[kBatch];
  mmsghdr recv_msg_[kBatch];
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  QuerySet qs = load_queries(o);
  auto gen = std::make_unique<Generator>(o, qs, open_sockets(o));
  gen->run();
  gen->report();
  return 0;
}
