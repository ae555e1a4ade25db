// A secondary stopped while rdnsd keeps changing catches up when it starts again, from
// the state it kept (knotd: its journal; named: its zone file; nsd: nothing, it transfers
// anew).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;

TYPE_TO_STRING(Knotd);
TYPE_TO_STRING(Nsd);
TYPE_TO_STRING(Named);

namespace {

bool in_sync(const Secondary& s, const Rdnsd& d) {
  return s.serial(kV4) == d.serial(kV4) && s.serial(kV6) == d.serial(kV6);
}

void changes(const Rdnsd& d, int from, int count) {
  for (int i = from; i < from + count; ++i) {
    must(d.rdnsctl(
        {"set", "192.0.2." + std::to_string(100 + i), "c-" + std::to_string(i) + ".example.net."}));
    if (i % 4 == 3) must(d.rdnsctl({"unset", "192.0.2." + std::to_string(100 + i - 2)}));
    if (i % 5 == 0) must(d.rdnsctl({"set", "2001:db8:c::" + std::to_string(i), "c6.example.net."}));
  }
}

// `count` sets, each its own write and serial step, pipelined on one admin connection
// (rdnsctl would take a process per change); returns the answers that were not ok.
int pipelined_sets(const Rdnsd& d, int count) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, d.socket_path().c_str(), sizeof a.sun_path - 1);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string lines;
  for (int i = 0; i < count; ++i)
    lines += R"({"op":"set","ip":"2001:db8:1000::)" + std::to_string(i % 400) + R"(","name":"p)" +
             std::to_string(i) + R"(.example.net."})" + "\n";
  for (size_t at = 0; at < lines.size();) {
    ssize_t n = write(fd, lines.data() + at, lines.size() - at);
    REQUIRE(n > 0);
    at += size_t(n);
  }
  int answers = 0, failed = 0;
  std::string got;
  char buf[65536];
  while (answers < count) {
    ssize_t n = read(fd, buf, sizeof buf);
    REQUIRE(n > 0);
    got.append(buf, size_t(n));
    for (size_t nl; (nl = got.find('\n')) != std::string::npos; got.erase(0, nl + 1)) {
      ++answers;
      if (got.compare(0, 10, R"({"ok":true)") != 0) ++failed;
    }
  }
  close(fd);
  return failed;
}

}  // namespace

TEST_CASE_TEMPLATE("a secondary stopped during 1,000 changes catches up by IXFR", S, Knotd, Named) {
  S s;
  Replication r;
  r.secondaries = {s.port()};
  Rdnsd d(rdnsd_options(r));
  INFO(all_logs(d, {&s}));
  s.start(secondary_options(d, r));
  REQUIRE_MESSAGE(s.wait_for([&] { return in_sync(s, d); }, Millis(10000)), "no first transfer");
  const size_t ixfr_before = s.transfers().ixfr;
  s.stop();
  const uint32_t before = d.serial(kV6);
  REQUIRE(pipelined_sets(d, 1000) == 0);
  REQUIRE(d.serial(kV6) == before + 1000);  // one serial step per change, all journaled
  s.start();
  CHECK(s.wait_for([&] { return in_sync(s, d); }, Millis(15000)));
  const PtrSet want = exported_ptrs(d, kV6);
  auto got = s.ptrs(kV6);
  REQUIRE(got);
  CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  // It asked from its own serial, and the journal reached back that far.
  CHECK(s.transfers().ixfr > ixfr_before);
}

TEST_CASE_TEMPLATE("a secondary stopped during changes catches up when restarted", S, Knotd, Nsd,
                   Named) {
  S s;
  Replication r;
  r.secondaries = {s.port()};
  Rdnsd d(rdnsd_options(r));
  INFO(all_logs(d, {&s}));
  s.start(secondary_options(d, r));
  REQUIRE_MESSAGE(s.wait_for([&] { return in_sync(s, d); }, Millis(10000)), "no first transfer");
  changes(d, 0, 10);
  REQUIRE(s.wait_for([&] { return in_sync(s, d); }, Millis(15000)));
  const uint32_t before = *s.serial(kV4);

  s.stop();
  changes(d, 10, 30);
  REQUIRE(d.serial(kV4) != before);
  s.start();
  CHECK(s.wait_for([&] { return in_sync(s, d); }, Millis(15000)));
  for (const char* zone : {kV4, kV6}) {
    INFO(zone);
    auto got = s.ptrs(zone);
    REQUIRE(got);
    const PtrSet want = exported_ptrs(d, zone);
    CHECK_MESSAGE(*got == want, ptr_diff(*got, want));
  }
  // The changes while it was down, and one after it is back.
  must(d.rdnsctl({"set", "192.0.2.250", "back.example.net."}));
  CHECK(s.wait_for([&] { return s.ptr("192.0.2.250") == "back.example.net."; }, Millis(15000)));
}
