// The replication status as rdnsctl shows it, with knotd and nsd as TSIG-keyed
// secondaries and a status-timeout of 2 s: a change is pending until both serve its
// serial, then active; error when one stays behind past the timeout; `rdnsctl wait` exits
// 0 (active), 1 (error) or 4 (still pending at its --timeout); `zone-show` lists each
// secondary with the serial it answered and what it pulled last.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/interop/support/interop.h"

using namespace rdnsd::interop;
using rdnsd::e2e::must;
using rdnsd::e2e::RunResult;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kStatusTimeout = 2;
// A third zone with `secondaries: []`: replicated to nobody, so active at once.
constexpr const char* kAlone = "100.51.198.in-addr.arpa.";
constexpr int kExitRefused = 1, kExitTimedOut = 4;

// rdnsd with knotd and nsd as its secondaries of both test zones.
struct TwoSecondaries {
  Knotd knotd;
  Nsd nsd;
  Replication replication;
  std::unique_ptr<Rdnsd> rdnsd;

  TwoSecondaries() {
    replication.secondaries = {knotd.port(), nsd.port()};
    replication.status_timeout = kStatusTimeout;
    replication.more_zones =
        "  - prefix: 198.51.100.0/24\n"
        "    ns: [ns1.example.net.]\n"
        "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
        "    secondaries: []\n";
    rdnsd = std::make_unique<Rdnsd>(rdnsd_options(replication));
    for (Secondary* s : {static_cast<Secondary*>(&knotd), static_cast<Secondary*>(&nsd)})
      s->start(secondary_options(*rdnsd, replication));
  }
  std::string logs() const { return all_logs(*rdnsd, {&knotd, &nsd}); }
  // Both secondaries serve rdnsd's serial of the IPv4 zone.
  bool in_sync() const {
    const uint32_t want = rdnsd->serial(kV4);
    return knotd.serial(kV4) == want && nsd.serial(kV4) == want;
  }
  std::string port_of(const Secondary& s) const { return "127.0.0.1:" + std::to_string(s.port()); }
};

json json_of(const RunResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception&) {
    FAIL("not JSON: " << r.describe());
  }
  return {};
}

// `rdnsctl set IP NAME --json`: the serial the change made.
uint32_t set_serial(const Rdnsd& d, const std::string& ip, const std::string& name) {
  json a = json_of(must(d.rdnsctl({"--json", "set", ip, name})));
  REQUIRE_MESSAGE(a.contains("serial"), a.dump());
  return a["serial"].get<uint32_t>();
}

json show(const Rdnsd& d, const std::string& ip) {
  return json_of(must(d.rdnsctl({"--json", "show", ip})))["record"];
}

json zone_show(const Rdnsd& d, const std::string& zone) {
  return json_of(must(d.rdnsctl({"--json", "zone-show", zone})))["zone"];
}

// The entry of zone-show's "secondaries" whose address is `address`, or null.
json secondary_entry(const json& zone, const std::string& address) {
  for (const json& s : zone.value("secondaries", json::array()))
    if (s.value("address", "") == address) return s;
  return nullptr;
}

// The zone-show text line about `address` ("secondary 127.0.0.1:P ..."), or "".
std::string secondary_line(const std::string& text, const std::string& address) {
  const std::string head = "secondary " + address;
  for (size_t at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    const size_t end = text.find('\n', at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return "";
}

// Both secondaries in sync, and rdnsd has seen it: the zone's status is active.
void wait_settled(const TwoSecondaries& t) {
  REQUIRE_MESSAGE(wait_until([&] { return t.in_sync(); }, Millis(10000)), "no first transfer");
  RunResult w = t.rdnsd->rdnsctl({"wait", kV4, "--timeout", "10"});
  REQUIRE_MESSAGE(w.status == 0, w.describe());
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

TEST_CASE("status: a change is pending, then active once knotd and nsd serve its serial") {
  TwoSecondaries t;
  INFO(t.logs());
  wait_settled(t);
  const Rdnsd& d = *t.rdnsd;

  const uint32_t serial = set_serial(d, "192.0.2.77", "seventy-seven.example.net.");
  const std::string first = show(d, "192.0.2.77").value("status", "");
  CHECK((first == "pending" || first == "active"));

  RunResult w = d.rdnsctl({"wait", "192.0.2.77", "--timeout", "10"});
  INFO(w.describe());
  CHECK(w.status == 0);
  CHECK(w.out == "192.0.2.77: active (serial " + std::to_string(serial) + ")\n");
  json rec = show(d, "192.0.2.77");
  CHECK(rec.value("status", "") == "active");
  CHECK(rec.value("serial", 0u) == serial);

  json zone = zone_show(d, kV4);
  INFO(zone.dump(2));
  CHECK(zone.value("status", "") == "active");
  CHECK(zone["secondaries"].size() == 2);
  for (const Secondary* s :
       {static_cast<const Secondary*>(&t.knotd), static_cast<const Secondary*>(&t.nsd)}) {
    INFO(s->name());
    json e = secondary_entry(zone, t.port_of(*s));
    REQUIRE(e.is_object());
    CHECK(e.value("serial", 0u) == serial);
    CHECK(e["answered"].is_string());
    CHECK(e["notified"].is_string());
    // What it pulled last from this address (both secondaries are on 127.0.0.1, so
    // either one's transfer shows on both: docs/REPLICATION.md).
    REQUIRE(e["transfer"].is_string());
    const std::string kind = e["transfer"].get<std::string>();
    CHECK(kind != "");
    CHECK(e.value("transfer_serial", 0u) == serial);
    CHECK(!e.contains("error"));
    std::cout << "[status] zone-show says " << s->name() << " pulled " << kind << " of serial "
              << e.value("transfer_serial", 0u) << std::endl;
  }
  // With the journal, knotd gets the change as IXFR (its own log says so).
  TransferKinds k = t.knotd.transfers();
  INFO(k.lines.size() << " knotd transfers");
  CHECK(k.ixfr >= 1);

  // The text forms: one line per secondary, and wait's one line.
  RunResult text = must(d.rdnsctl({"zone-show", kV4}));
  INFO(text.out);
  for (const Secondary* s :
       {static_cast<const Secondary*>(&t.knotd), static_cast<const Secondary*>(&t.nsd)}) {
    const std::string line = secondary_line(text.out, t.port_of(*s));
    INFO(s->name() << ": " << line);
    CHECK(line.find("serial " + std::to_string(serial) + " at ") != std::string::npos);
    CHECK(line.find(", last pulled ") != std::string::npos);
    CHECK(line.find(" of " + std::to_string(serial) + " at ") != std::string::npos);
    CHECK(line.find("last error") == std::string::npos);
  }
  RunResult wz = d.rdnsctl({"wait", kV4, "--timeout", "10"});
  INFO(wz.describe());
  CHECK(wz.status == 0);
  CHECK(wz.out == std::string(kV4) + ": active (serial " + std::to_string(serial) + ")\n");
  // --json prints the last answer line as it came.
  RunResult wj = d.rdnsctl({"--json", "wait", "192.0.2.77", "--timeout", "10"});
  INFO(wj.describe());
  CHECK(wj.status == 0);
  CHECK(json_of(wj)["record"].value("status", "") == "active");
}

TEST_CASE("status: a zone without secondaries is active at once, and wait exits 0 at once") {
  TwoSecondaries t;
  INFO(t.logs());
  const Rdnsd& d = *t.rdnsd;
  const uint32_t serial = set_serial(d, "198.51.100.5", "five.example.org.");
  json rec = show(d, "198.51.100.5");
  CHECK(rec.value("status", "") == "active");
  const auto start = Clock::now();
  RunResult w = d.rdnsctl({"wait", "198.51.100.5", "--timeout", "10"});
  INFO(w.describe());
  CHECK(w.status == 0);
  CHECK(seconds_since(start) < 1.0);
  CHECK(w.out == "198.51.100.5: active (serial " + std::to_string(serial) + ")\n");
  RunResult wz = d.rdnsctl({"wait", kAlone, "--timeout", "10"});
  INFO(wz.describe());
  CHECK(wz.status == 0);
  json zone = zone_show(d, kAlone);
  INFO(zone.dump(2));
  CHECK(zone.value("status", "") == "active");
  CHECK(zone.value("secondaries", json::array()).empty());
}

TEST_CASE(
    "status: with nsd stopped a change turns error after status-timeout, then active once nsd is "
    "back") {
  TwoSecondaries t;
  INFO(t.logs());
  wait_settled(t);
  const Rdnsd& d = *t.rdnsd;
  const uint32_t before = d.serial(kV4);
  t.nsd.stop();

  const auto set_at = Clock::now();
  const uint32_t serial = set_serial(d, "192.0.2.78", "seventy-eight.example.net.");
  // Still within status-timeout: pending, and wait gives up at its own timeout.
  RunResult early = d.rdnsctl({"wait", "192.0.2.78", "--timeout", "1"});
  INFO(early.describe());
  CHECK(early.status == kExitTimedOut);
  CHECK(early.out == "192.0.2.78: still pending after 1 s\n");
  CHECK(seconds_since(set_at) < kStatusTimeout);

  RunResult late = d.rdnsctl({"wait", "192.0.2.78", "--timeout", "10"});
  INFO(late.describe());
  const double took = seconds_since(set_at);
  CHECK(late.status == kExitRefused);
  CHECK(late.out == "192.0.2.78: error (serial " + std::to_string(serial) + ")\n");
  // status-timeout counts whole seconds: "more than 2 s behind" is seen between 2 and 3 s.
  CHECK(took >= kStatusTimeout - 0.5);
  CHECK(took < kStatusTimeout + 2.5);
  std::cout << "[status] wait said error " << took << " s after the set" << std::endl;

  json zone = zone_show(d, kV4);
  INFO(zone.dump(2));
  CHECK(zone.value("status", "") == "error");
  json k = secondary_entry(zone, t.port_of(t.knotd));
  json n = secondary_entry(zone, t.port_of(t.nsd));
  REQUIRE(k.is_object());
  REQUIRE(n.is_object());
  CHECK(k.value("serial", 0u) == serial);
  CHECK(n.value("serial", 0u) == before);
  CHECK(n.value("error", "") != "");
  RunResult text = must(d.rdnsctl({"zone-show", kV4}));
  INFO(text.out);
  const std::string nsd_line = secondary_line(text.out, t.port_of(t.nsd));
  CHECK(nsd_line.find("serial " + std::to_string(before) + " at ") != std::string::npos);
  CHECK(nsd_line.find("last error: ") != std::string::npos);
  CHECK(secondary_line(text.out, t.port_of(t.knotd)).find("last error") == std::string::npos);

  // nsd back: it transfers, rdnsd sees its serial, the record is active.
  t.nsd.start();
  CHECK(wait_until([&] { return show(d, "192.0.2.78").value("status", "") == "active"; },
                   Millis(10000)));
  RunResult again = d.rdnsctl({"wait", "192.0.2.78", "--timeout", "10"});
  INFO(again.describe());
  CHECK(again.status == 0);
  json after = zone_show(d, kV4);
  INFO(after.dump(2));
  CHECK(after.value("status", "") == "active");
  CHECK(secondary_entry(after, t.port_of(t.nsd)).value("serial", 0u) == serial);
}

// zone-show's "transfer" is what was last pulled from the secondary's address: an IXFR
// that brought a change stays there when a later IXFR finds the secondary current (the
// SOA alone is no transfer). Both secondaries share 127.0.0.1 here, so only knotd's
// entry is checked while nsd is stopped (docs/REPLICATION.md says why).
TEST_CASE("status: zone-show keeps the IXFR that brought the change, not a later SOA alone") {
  TwoSecondaries t;
  INFO(t.logs());
  wait_settled(t);
  const Rdnsd& d = *t.rdnsd;
  t.nsd.stop();
  const uint32_t serial = set_serial(d, "192.0.2.79", "seventy-nine.example.net.");
  REQUIRE(wait_until([&] { return t.knotd.serial(kV4) == serial; }, Millis(5000)));
  // Long enough for knotd's next refresh (2 s) to find itself current.
  std::this_thread::sleep_for(Millis(2500));
  json zone = zone_show(d, kV4);
  INFO(zone.dump(2));
  json k = secondary_entry(zone, t.port_of(t.knotd));
  CHECK(k.value("transfer", "") == "IXFR");
  CHECK(k.value("transfer_serial", 0u) == serial);
}
