// axfr_reader: asks a server for a zone transfer over TCP and reads it to the end, as
// fast as the server sends it, without printing the records (a client that formats
// them, such as kdig, measures itself). Counts bytes, messages and records, checks the
// answer's shape, and prints one line of figures per transfer.
//
//   axfr_reader -p PORT -z ZONE [-s SERIAL] [-l SECONDS] [-T TIMEOUT_S]
//
// Without -s: AXFR. With -s: IXFR from SERIAL (RFC 1995; the question plus the client's
// SOA in the authority section). With -l: transfers one after another, each on a new
// connection, until SECONDS have passed (the last one is finished, not cut).
//
// The end of an answer (RFC 5936 section 2.2, RFC 1995 section 4): the first record is
// the zone's SOA, serial N. AXFR, or an IXFR answered AXFR-style, ends with the second
// SOA of serial N; an incremental IXFR (its second record is an SOA too) ends with the
// third; an IXFR answered with that one SOA (the client is current) ends there.
//
// Output, one line per transfer:
//   ms=12.3 bytes=N messages=N records=N serial=N rcode=0 kind=AXFR|IXFR|IXFR-AXFR|SOA
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dnswire.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  std::string zone;
  bool ixfr = false;
  uint32_t serial = 0;
  double seconds = 0;
  int timeout_s = 600;
};

struct Result {
  uint64_t bytes = 0, messages = 0, records = 0;
  uint32_t serial = 0;
  int rcode = 0;
  std::string kind = "?";
  std::string error;
};

// The query: header, question (ZONE, AXFR or IXFR, IN) and for IXFR the client's SOA in
// the authority section (RFC 1995 section 3: names and timers do not matter, the serial
// does).
std::string make_request(const Options& o) {
  std::string q(12, '\0');
  q[0] = 0x58, q[1] = 0x46;  // ID
  q[5] = 1;                  // QDCOUNT
  if (o.ixfr) q[9] = 1;      // NSCOUNT
  bench::append_name(q, o.zone);
  const uint16_t type = o.ixfr ? 251 : 252;
  q += {char(type >> 8), char(type & 0xFF), 0, 1};
  if (o.ixfr) {
    bench::append_name(q, o.zone);
    q += {0, 6, 0, 1, 0, 0, 0, 0, 0, 22};  // SOA IN, TTL 0, RDLENGTH 22
    q += {0, 0};                            // mname ".", rname "."
    for (int shift = 24; shift >= 0; shift -= 8) q.push_back(char(o.serial >> shift));
    q.append(16, '\0');  // refresh, retry, expire, minimum
  }
  uint16_t len = uint16_t(q.size());
  return std::string{char(len >> 8), char(len & 0xFF)} + q;
}

// Skips a (possibly compressed) name at pos; returns the position after it, or 0.
size_t skip_name(const uint8_t* m, size_t len, size_t pos) {
  while (pos < len) {
    uint8_t l = m[pos];
    if (l == 0) return pos + 1;
    if ((l & 0xC0) == 0xC0) return pos + 2 <= len ? pos + 2 : 0;
    if (l & 0xC0) return 0;
    pos += 1 + l;
  }
  return 0;
}

bool read_full(int fd, uint8_t* buf, size_t n) {
  while (n) {
    ssize_t r = recv(fd, buf, n, 0);
    if (r <= 0) return false;
    buf += r, n -= size_t(r);
  }
  return true;
}

// State of one answer as its records go by.
struct Walk {
  bool ixfr = false;
  uint64_t records = 0;
  uint32_t serial = 0;
  int soa_n = 0;  // SOAs with serial N seen
  bool second_is_soa = false;
  bool done = false;
};

// Reads the answer records of one message; false when it does not parse.
bool walk_message(const uint8_t* m, size_t len, Walk& w) {
  if (len < 12) return false;
  size_t qd = bench::get16(m + 4), an = bench::get16(m + 6), pos = 12;
  for (size_t i = 0; i < qd; ++i) {
    pos = skip_name(m, len, pos);
    if (!pos || pos + 4 > len) return false;
    pos += 4;
  }
  for (size_t i = 0; i < an && !w.done; ++i) {
    size_t at = skip_name(m, len, pos);
    if (!at || at + 10 > len) return false;
    uint16_t type = bench::get16(m + at), rdlen = bench::get16(m + at + 8);
    size_t rdata = at + 10;
    if (rdata + rdlen > len) return false;
    ++w.records;
    if (type == 6) {
      size_t s = skip_name(m, len, skip_name(m, len, rdata));
      if (!s || s + 4 > len) return false;
      uint32_t serial = uint32_t(m[s]) << 24 | uint32_t(m[s + 1]) << 16 | uint32_t(m[s + 2]) << 8 | m[s + 3];
      if (w.records == 1) w.serial = serial;
      if (w.records == 2) w.second_is_soa = true;
      if (serial == w.serial) ++w.soa_n;
      int want = w.second_is_soa ? 3 : 2;
      if (w.records > 1 && w.soa_n >= want) w.done = true;
    }
    pos = rdata + rdlen;
  }
  return true;
}

Result transfer(const Options& o) {
  Result r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(o.port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{o.timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    r.error = std::string("connect: ") + strerror(errno);
    close(fd);
    return r;
  }
  std::string req = make_request(o);
  if (send(fd, req.data(), req.size(), 0) != ssize_t(req.size())) r.error = "send";
  Walk w;
  w.ixfr = o.ixfr;
  std::vector<uint8_t> buf(65536);
  while (r.error.empty() && !w.done) {
    uint8_t lenb[2];
    if (!read_full(fd, lenb, 2)) {
      r.error = "connection closed before the end";
      break;
    }
    size_t len = bench::get16(lenb);
    if (!read_full(fd, buf.data(), len)) {
      r.error = "connection closed in a message";
      break;
    }
    r.bytes += 2 + len;
    ++r.messages;
    r.rcode = len >= 4 ? buf[3] & 15 : -1;
    if (r.rcode != 0) {
      r.error = "rcode " + std::to_string(r.rcode);
      break;
    }
    if (!walk_message(buf.data(), len, w)) r.error = "message does not parse";
    if (w.records == 1 && o.ixfr && bench::get16(buf.data() + 6) == 1) w.done = true;  // current
  }
  close(fd);
  r.records = w.records;
  r.serial = w.serial;
  if (!o.ixfr)
    r.kind = "AXFR";
  else if (w.records == 1)
    r.kind = "SOA";
  else
    r.kind = w.second_is_soa ? "IXFR" : "IXFR-AXFR";
  return r;
}

void usage() {
  fprintf(stderr, "usage: axfr_reader -p PORT -z ZONE [-s SERIAL] [-l SECONDS] [-T TIMEOUT_S]\n");
  exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int c;
  while ((c = getopt(argc, argv, "p:z:s:l:T:")) != -1) {
    switch (c) {
      case 'p': o.port = atoi(optarg); break;
      case 'z': o.zone = optarg; break;
      case 's': o.ixfr = true, o.serial = uint32_t(strtoul(optarg, nullptr, 10)); break;
      case 'l': o.seconds = atof(optarg); break;
      case 'T': o.timeout_s = atoi(optarg); break;
      default: usage();
    }
  }
  if (!o.port || o.zone.empty()) usage();
  const auto start = Clock::now();
  int failures = 0;
  do {
    const auto t = Clock::now();
    Result r = transfer(o);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    printf("ms=%.3f bytes=%llu messages=%llu records=%llu serial=%u rcode=%d kind=%s%s%s\n", ms,
           (unsigned long long)r.bytes, (unsigned long long)r.messages, (unsigned long long)r.records,
           r.serial, r.rcode, r.kind.c_str(), r.error.empty() ? "" : " error=", r.error.c_str());
    fflush(stdout);
    if (!r.error.empty() && ++failures > 3) return 1;
  } while (std::chrono::duration<double>(Clock::now() - start).count() < o.seconds);
  return failures ? 1 : 0;
}
