// A store that runs out of room: the LMDB map (it grows up to store.map-size-max, then
// writes are refused with store_full) and the disk under it (a small tmpfs). Queries go
// on throughout, nothing acknowledged is lost, records can still be removed, and writes
// work again once there is room, without a restart.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

std::string config(const std::string& store_lines) {
  return std::string(
             "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 2\n") +
         "store:\n" + store_lines + "admin:\n  socket: {DIR}/admin.sock\nzones:\n" + kDefaultZones;
}

std::string v6(int i) {  // 2001:db8::1:2345 (decimal digits in two groups)
  return "2001:db8::" + std::to_string(1 + i / 10000) + ":" + std::to_string(i % 10000);
}

std::string target(int i) {
  return "a-long-target-name-" + std::to_string(i) + ".example.net.";
}

// One batch of `n` sets from `from`, each with a 200-byte description.
json batch(int from, int n) {
  json ops = json::array();
  for (int i = from; i < from + n; ++i)
    ops.push_back({{"op", "set"},
                   {"ip", v6(i)},
                   {"name", target(i)},
                   {"description", std::string(200, 'd')}});
  return {{"op", "batch"}, {"ops", ops}};
}

// Asks for 192.0.2.1's PTR over UDP until stopped, counting answers with the right
// target and anything else.
struct QueryLoop {
  explicit QueryLoop(uint16_t port) : thread([this, port] { run(port); }) {}
  ~QueryLoop() { finish(); }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  void run(uint16_t port) {
    wire::UdpClient udp(port);
    for (uint16_t id = 1; !stop; ++id) {
      wire::Query q;
      q.name = "1.2.0.192.in-addr.arpa.";
      q.qtype = wire::rr::PTR;
      q.id = id;
      auto reply = udp.exchange(wire::build(q), Millis(1000));
      if (reply && reply->id == id && reply->rcode == 0 && reply->an == 1)
        ++good;
      else
        ++bad;
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<long> good{0}, bad{0};
  std::thread thread;
};

}  // namespace

TEST_CASE("a tiny map grows to store.map-size-max, then store_full while queries go on") {
  RdnsdOptions o;
  o.config = config("  path: {DIR}/store\n  map-size: 1M\n  map-size-max: 3M\n");
  Rdnsd d(o);
  QueryLoop queries(d.port());
  // More than the first map holds: the map grows and the batch lands whole.
  json a = d.admin(batch(0, 3000).dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
  CHECK(a["created"] == 3000);
  // Batches until the store is full at its limit.
  int next = 3000;
  json refused;
  for (int round = 0; round < 40 && refused.is_null(); ++round, next += 500) {
    json r = d.admin(batch(next, 500).dump());
    if (r["ok"] != true) refused = r;
  }
  REQUIRE_MESSAGE(!refused.is_null(), "3 MiB never filled");
  CHECK(refused["error"]["code"] == "store_full");
  CHECK(refused["error"]["message"].get<std::string>().find("store.map-size-max (3 MiB)") !=
        std::string::npos);
  const int stored = next - 500;
  // Nothing of the refused batch is there; everything before it is.
  CHECK(d.admin(json{{"op", "show"}, {"ip", v6(next - 500)}}.dump())["error"]["code"] ==
        "not_found");
  // Single sets fill what is left, then are refused the same way, through rdnsctl too.
  int singles = 0;
  for (; singles < 3000; ++singles) {
    json r = d.admin(
        json{{"op", "set"}, {"ip", v6(200000 + singles)}, {"name", target(singles)}}.dump());
    if (r["ok"] != true) {
      CHECK(r["error"]["code"] == "store_full");
      break;
    }
  }
  REQUIRE(singles < 3000);
  // rdnsctl says so too (pages freed by the last commits may still let a set or two in,
  // as readers move on from older snapshots: until one is refused).
  RunResult one;
  uint32_t serial = 0;
  for (int i = 0; i < 50; ++i) {
    serial = d.serial("8.b.d.0.1.0.0.2.ip6.arpa.");
    one = d.rdnsctl({"set", v6(300000 + i), target(300000 + i)});
    if (one.status != 0) break;
  }
  CHECK(one.status == 1);
  CHECK(one.text().find("store_full") != std::string::npos);
  CHECK(one.text().find("store.map-size-max") != std::string::npos);
  CHECK(d.serial("8.b.d.0.1.0.0.2.ip6.arpa.") == serial);
  CHECK(d.admin(json{{"op", "show"}, {"ip", v6(200000 + singles - 1)}}.dump())["ok"] == true);
  // Removing works when full, and frees room for sets again: no restart.
  for (int i = 0; i < 40; ++i) must(d.rdnsctl({"unset", v6(i)}));
  must(d.rdnsctl({"set", v6(100000), "x.example.net."}));
  DigResult r = d.dig({"-x", v6(100000)});
  REQUIRE(r.answers("PTR").size() == 1);
  CHECK(r.answers("PTR")[0].rdata == "x.example.net.");
  CHECK(d.dig({"-x", v6(stored - 1)}).answers("PTR").size() == 1);
  CHECK(d.dig({"-x", v6(0)}).status == "NXDOMAIN");
  queries.finish();
  INFO("answered " << queries.good << ", other " << queries.bad);
  CHECK(queries.good > 0);
  CHECK(queries.bad == 0);
  // After a restart the store opens with everything (the map at least as large as the data).
  d.restart();
  CHECK(d.dig({"-x", v6(stored - 1)}).answers("PTR").size() == 1);
  CHECK(d.dig({"-x", v6(100000)}).answers("PTR").size() == 1);
}

namespace {

// A small tmpfs of its own, unmounted (and its folder removed) at the end.
struct SmallDisk {
  explicit SmallDisk(const std::string& size) {
    char tmpl[] = "/tmp/rdnsd-disk-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
    mounted = mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    error = errno;
  }
  ~SmallDisk() {
    if (mounted) umount2(path.c_str(), MNT_DETACH);
    std::filesystem::remove_all(path);
  }
  std::string path;
  bool mounted = false;
  int error = 0;
};

}  // namespace

TEST_CASE("a full disk: writes refused with a clear error, nothing lost, then writes again") {
  SmallDisk disk("3M");
  if (!disk.mounted) {
    // Mounting needs CAP_SYS_ADMIN (root, outside a restricted container).
    MESSAGE("cannot mount a tmpfs (" << std::strerror(disk.error) << "): not tested here");
    return;
  }
  // Ballast to free later: what a full disk's operator would delete.
  write_file(disk.path + "/ballast", std::string(1 << 20, 'b'));
  RdnsdOptions o;
  o.config = config("  path: " + disk.path + "/store\n  map-size: 64M\n");
  Rdnsd d(o);
  QueryLoop queries(d.port());
  int next = 0;
  json refused;
  for (int round = 0; round < 40 && refused.is_null(); ++round, next += 500) {
    json r = d.admin(batch(next, 500).dump());
    if (r["ok"] != true) refused = r;
  }
  REQUIRE_MESSAGE(!refused.is_null(), "the disk never filled");
  const int acked = next - 500;
  INFO("acknowledged " << acked << ", refused: " << refused.dump());
  CHECK(refused["error"]["code"] == "internal");
  CHECK(refused["error"]["message"].get<std::string>().find("No space left on device") !=
        std::string::npos);
  // Queries go on, the refused batch left nothing, and every acknowledged record is there.
  CHECK(d.admin(json{{"op", "show"}, {"ip", v6(acked)}}.dump())["error"]["code"] == "not_found");
  json zone = d.admin(R"({"op":"zone-show","zone":"2001:db8::/32"})");
  CHECK(zone["zone"]["records"] == acked + 2);  // and the two seeds
  CHECK(d.dig({"-x", v6(acked - 1)}).answers("PTR").size() == 1);
  // Room again: the same batch lands, no restart.
  std::filesystem::remove(disk.path + "/ballast");
  json again = d.admin(batch(acked, 500).dump());
  CHECK_MESSAGE(again["ok"] == true, again.dump());
  CHECK(d.dig({"-x", v6(acked + 499)}).answers("PTR").size() == 1);
  queries.finish();
  INFO("answered " << queries.good << ", other " << queries.bad);
  CHECK(queries.good > 0);
  CHECK(queries.bad == 0);
  // The store is whole: after a kill and a start every acknowledged record is there.
  d.kill9();
  d.start();
  zone = d.admin(R"({"op":"zone-show","zone":"2001:db8::/32"})");
  CHECK(zone["zone"]["records"] == acked + 500 + 2);
  CHECK(d.dig({"-x", v6(0)}).answers("PTR").size() == 1);
  CHECK(d.dig({"-x", v6(acked + 499)}).answers("PTR").size() == 1);
}
