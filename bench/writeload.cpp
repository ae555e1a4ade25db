// writeload: paced single-record sets over rdnsd's admin socket, from one thread.
//
//   writeload -S SOCKET -r RATE -l SECONDS [-s SEED] [-p NAMEPREFIX]
//
// Connects once to the admin Unix socket SOCKET and, for SECONDS, sends RATE `set`
// requests per second, one JSON object per line:
//   {"op":"set","ip":"ADDRESS","name":"NAMEPREFIX<n>.example.com."}
// Request n is due at start + n/RATE; whatever is due goes out at once, several lines in
// one write, so a late wake-up catches up instead of lowering the rate. It never waits for
// an answer before sending the next request: the answers (one JSON object per line, in
// request order) are read as they arrive, so the rate does not depend on how quickly the
// server's admin thread gets its core back. Between due times it sleeps in ppoll() on the
// socket; it never spins. After SECONDS, or at SIGINT or SIGTERM (whichever comes first:
// a caller that measures something else stops it when that ends), it stops sending and
// waits (at most 30 s) for the answers still outstanding.
//
// Every address is new: 2001:db8:1000:: plus 80 random bits from a std::mt19937_64 seeded
// with SEED (default 7), the /48 of the standard dataset's IPv6 records, whose 2^80 space
// they do not collide with. NAMEPREFIX (default "q") is letters, digits and '-'.
//
// The query-rate-under-writes test of run_writes.py runs its writer on the load
// generator's core. A writer in Python (two threads) took 12-18% of a core at 1,000 sets
// per second, CPU taken from the load generator it shares that core with; this one takes
// 2-4%, most of it the kernel's cost of one sleep and wake-up per request.
//
// Prints key=value lines: sent (requests written), answered, ok (answers with "ok":true),
// failed (the other answers), unanswered, seconds (the sending time), writes_per_s
// (answers read during the sending time per second of it), latency figures in
// microseconds (request written to its answer read). Exit status 0; 1 when the socket
// cannot be connected or the server closes it before every request is answered; 2 on bad
// arguments.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr uint64_t kDrainNs = 30'000'000'000ull;  // longest wait for answers after the run
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kShowFailures = 3;  // refused sets printed on stderr

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

struct Options {
  std::string socket;
  double rate = 0;
  double seconds = 0;
  uint64_t seed = 7;
  std::string prefix = "q";
};

[[noreturn]] void usage() {
  fprintf(stderr, "usage: writeload -S SOCKET -r RATE -l SECONDS [-s SEED] [-p NAMEPREFIX]\n");
  exit(2);
}

bool parse_double(const char* s, double& out) {
  char* end;
  errno = 0;
  out = strtod(s, &end);
  return errno == 0 && end != s && *end == '\0' && std::isfinite(out);
}

Options parse_args(int argc, char** argv) {
  Options o;
  int c;
  while ((c = getopt(argc, argv, "S:r:l:s:p:")) != -1) {
    switch (c) {
      case 'S':
        o.socket = optarg;
        break;
      case 'r':
        if (!parse_double(optarg, o.rate)) usage();
        break;
      case 'l':
        if (!parse_double(optarg, o.seconds)) usage();
        break;
      case 's': {
        char* end;
        errno = 0;
        o.seed = strtoull(optarg, &end, 10);
        if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-') usage();
        break;
      }
      case 'p':
        o.prefix = optarg;
        break;
      default:
        usage();
    }
  }
  bool prefix_ok = !o.prefix.empty() && o.prefix.size() <= 40 &&
                   std::all_of(o.prefix.begin(), o.prefix.end(), [](unsigned char ch) {
                     return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                            (ch >= '0' && ch <= '9') || ch == '-';
                   });
  if (optind != argc || o.socket.empty() || o.socket.size() >= sizeof(sockaddr_un::sun_path) ||
      !(o.rate > 0) || o.rate > 1e6 || !(o.seconds > 0) || o.seconds > 3600 || !prefix_ok)
    usage();
  return o;
}

int connect_admin(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    fprintf(stderr, "writeload: cannot connect to %s: %s\n", path.c_str(), strerror(errno));
    exit(1);
  }
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    perror("writeload: fcntl");
    exit(1);
  }
  return fd;
}

// Latencies in microseconds: exact below 1024, within 1/64 above.
class Histogram {
 public:
  void add(uint64_t us) {
    ++counts_[bucket(us)];
    ++n_;
    sum_ += us;
    max_ = std::max(max_, us);
  }
  uint64_t count() const { return n_; }
  double avg() const { return n_ ? double(sum_) / double(n_) : 0; }
  uint64_t max() const { return max_; }
  uint64_t percentile(double p) const {
    uint64_t want = uint64_t(p * double(n_)), seen = 0;
    for (size_t b = 0; b < counts_.size(); ++b) {
      seen += counts_[b];
      if (seen > want) return std::min(lower(b), max_);
    }
    return max_;
  }

 private:
  static size_t bucket(uint64_t v) {
    if (v < 1024) return size_t(v);
    int e = std::bit_width(v) - 1;  // 10..63
    return 1024 + size_t(e - 10) * 64 + size_t((v >> (e - 6)) & 63);
  }
  static uint64_t lower(size_t b) {
    if (b < 1024) return b;
    size_t e = 10 + (b - 1024) / 64, sub = (b - 1024) % 64;
    return uint64_t(64 + sub) << (e - 6);
  }

  std::vector<uint64_t> counts_ = std::vector<uint64_t>(1024 + 54 * 64);
  uint64_t n_ = 0, sum_ = 0, max_ = 0;
};

volatile sig_atomic_t g_stop = 0;  // SIGINT or SIGTERM: stop sending

class Writer {
 public:
  Writer(const Options& o, int fd)
      : o_(o), fd_(fd), rng_(o.seed), total_(uint64_t(std::ceil(o.seconds * o.rate))) {}

  // Sends for the run's time, then collects the outstanding answers. Returns false when
  // the server closed the connection early (the reason is on stderr).
  bool run() {
    start_ = now_ns();
    const uint64_t end = start_ + uint64_t(o_.seconds * 1e9);
    for (;;) {
      uint64_t now = now_ns();
      queue_due(now);
      const bool running = now < end && !g_stop;
      if (!flush() || !read_answers(running)) {
        run_ns_ = now_ns() - start_;
        return false;
      }
      if (!running) break;
      uint64_t next = queued_ < total_ ? std::min(due_ns(queued_), end) : end;
      wait(next);
    }
    run_ns_ = now_ns() - start_;
    const uint64_t until = now_ns() + kDrainNs;
    while (!out_.empty() || sent_at_.size() > 0) {
      if (now_ns() >= until) {
        fprintf(stderr, "writeload: %zu requests unanswered after 30 s\n",
                sent_at_.size() +
                    size_t(std::count(out_.begin() + std::ptrdiff_t(out_off_), out_.end(), '\n')));
        break;
      }
      if (!flush() || !read_answers(false)) return false;
      if (!out_.empty() || sent_at_.size() > 0) wait(until);
    }
    return true;
  }

  void report() const {
    double secs = double(run_ns_) / 1e9;
    printf("sent=%llu\nanswered=%llu\nok=%llu\nfailed=%llu\nunanswered=%llu\n", ull(sent_),
           ull(answered_), ull(ok_), ull(answered_ - ok_), ull(sent_ - std::min(sent_, answered_)));
    printf("seconds=%.3f\n", secs);
    printf("writes_per_s=%.1f\n", secs > 0 ? double(answered_in_run_) / secs : 0.0);
    if (lat_.count()) {
      printf("lat_avg_us=%.1f\nlat_p50_us=%llu\nlat_p99_us=%llu\nlat_max_us=%llu\n", lat_.avg(),
             ull(lat_.percentile(0.5)), ull(lat_.percentile(0.99)), ull(lat_.max()));
    }
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

  uint64_t due_ns(uint64_t i) const { return start_ + uint64_t(double(i) * 1e9 / o_.rate); }

  // Appends the request lines due by `now` to the output.
  void queue_due(uint64_t now) {
    while (queued_ < total_ && due_ns(queued_) <= now) {
      uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x10, 0x00};
      uint64_t low = rng_(), high = rng_();
      a[6] = uint8_t(high >> 8);
      a[7] = uint8_t(high);
      for (int i = 0; i < 8; ++i) a[8 + i] = uint8_t(low >> (56 - 8 * i));
      char ip[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, a, ip, sizeof ip);
      char line[192];
      int n = snprintf(line, sizeof line,
                       "{\"op\":\"set\",\"ip\":\"%s\",\"name\":\"%s%llu.example.com.\"}\n", ip,
                       o_.prefix.c_str(), ull(queued_));
      out_.append(line, size_t(n));
      ++queued_;
    }
  }

  // Writes as much of the output as the socket takes; a request counts as sent when its
  // whole line is written. Returns false when the connection is gone.
  bool flush() {
    while (out_off_ < out_.size()) {
      ssize_t n = send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        const char* why = strerror(errno);
        readable_ = true;  // what the server said before it closed ("busy", say) goes first
        return read_answers(false) && closed(why);
      }
      uint64_t now = now_ns();
      const char* p = out_.data() + out_off_;
      for (const char* e = p + n; (p = static_cast<const char*>(memchr(p, '\n', size_t(e - p))));
           ++p) {
        sent_at_.push_back(now);
        ++sent_;
      }
      out_off_ += size_t(n);
    }
    if (out_off_ == out_.size()) {
      out_.clear();
      out_off_ = 0;
    } else if (out_off_ > (1u << 20)) {
      out_.erase(0, out_off_);
      out_off_ = 0;
    }
    return true;
  }

  // Reads every answer waiting on the socket, unless the last wait ended without the
  // socket readable. Returns false when the connection is gone.
  bool read_answers(bool in_run) {
    if (!readable_) return true;
    for (;;) {
      ssize_t n = recv(fd_, buf_, sizeof buf_, 0);
      if (n == 0) return closed("closed by the server");
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        return closed(strerror(errno));
      }
      uint64_t now = now_ns();
      const char* p = buf_;
      const char* e = buf_ + n;
      while (const char* nl = static_cast<const char*>(memchr(p, '\n', size_t(e - p)))) {
        if (partial_.empty()) {
          answer(std::string_view(p, size_t(nl - p)), now, in_run);
        } else {
          partial_.append(p, size_t(nl - p));
          answer(partial_, now, in_run);
          partial_.clear();
        }
        p = nl + 1;
      }
      partial_.append(p, size_t(e - p));
      if (size_t(n) < sizeof buf_) return true;
    }
  }

  void answer(std::string_view line, uint64_t now, bool in_run) {
    if (sent_at_.empty()) {  // not an answer to a request: "busy" before a close, say
      fprintf(stderr, "writeload: unrequested message: %.*s\n",
              int(std::min<size_t>(line.size(), 400)), line.data());
      return;
    }
    lat_.add((now - sent_at_.front()) / 1000);
    sent_at_.pop_front();
    ++answered_;
    if (in_run) ++answered_in_run_;
    if (line.find("\"ok\":true") != std::string_view::npos) {
      ++ok_;
    } else if (answered_ - ok_ <= kShowFailures) {
      fprintf(stderr, "writeload: set refused: %.*s\n", int(std::min<size_t>(line.size(), 400)),
              line.data());
    }
  }

  bool closed(const char* why) {
    fprintf(stderr, "writeload: admin socket %s: %s after %llu answers to %llu requests sent\n",
            o_.socket.c_str(), why, ull(answered_), ull(sent_));
    return false;
  }

  // Sleeps until `deadline` or until the socket is readable (or writable, with output
  // waiting); notes whether there may be something to read.
  void wait(uint64_t deadline) {
    uint64_t now = now_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    timespec ts{time_t(left / 1000000000u), long(left % 1000000000u)};
    pollfd p{fd_, short(POLLIN | (out_.size() > out_off_ ? POLLOUT : 0)), 0};
    readable_ = ppoll(&p, 1, &ts, nullptr) != 0 && (p.revents & ~POLLOUT) != 0;
  }

  const Options& o_;
  int fd_;
  std::mt19937_64 rng_;
  uint64_t total_;  // requests due during the run
  uint64_t start_ = 0, run_ns_ = 0;
  uint64_t queued_ = 0, sent_ = 0, answered_ = 0, answered_in_run_ = 0, ok_ = 0;
  std::string out_;  // request lines not yet written, from out_off_ on
  size_t out_off_ = 0;
  std::deque<uint64_t> sent_at_;  // send times of the unanswered requests, in order
  std::string partial_;           // an answer line not yet complete
  bool readable_ = true;          // false after a wait that ended without input
  char buf_[kReadChunk];
  Histogram lat_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = 1; };  // no SA_RESTART: ppoll returns at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  int fd = connect_admin(o.socket);
  Writer w(o, fd);
  bool ok = w.run();
  close(fd);
  w.report();
  return ok ? 0 : 1;
}
