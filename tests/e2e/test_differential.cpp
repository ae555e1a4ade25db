// Differential test: rdnsd and a reference server (knotd, or nsd with
// RDNSD_DIFF_REFERENCE=nsd) serve the same two reverse zones; the same few hundred
// generated queries go to both over UDP and TCP, and every field of the two replies is
// compared. A difference passes only when a rule of tests/e2e/differential/allowed.txt
// explains it; any other fails with the query and both replies, plus nsd's reply as a
// tiebreaker. See docs/CONFORMANCE.md.
//
// Environment: RDNSD_DIFF_REFERENCE=knotd|nsd (default knotd), RDNSD_DIFF_VERBOSE=1
// (print every allowed difference too), RDNSD_DIFF_SEED=N (another data set and query
// mix; the default seed is the one CI runs).
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/differential/generate_raw.h"
#include "tests/e2e/differential/invariants.h"
#include "tests/e2e/differential/outcome.h"
#include "tests/e2e/differential/rules.h"
#include "tests/e2e/differential/servers.h"
#include "tests/e2e/differential/zones.h"
#include "tests/e2e/support/e2e.h"

namespace rdnsd::e2e::diff {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kDefaultSeed = 20260523;
constexpr Millis kFirstWait{300};  // loopback answers take well under a millisecond
constexpr Millis kRetryWait{700};  // a silent side is asked once more before it counts

uint16_t query_id(const Bytes& p) {
  return p.size() >= 2 ? static_cast<uint16_t>(p[0] << 8 | p[1]) : 0;
}

Millis left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
  return left.count() > 0 ? left : Millis(0);
}

// Sends `packet` to every port at once over `transport` and collects the replies.
std::vector<std::optional<Bytes>> exchange(const std::string& transport, const Bytes& packet,
                                           const std::vector<uint16_t>& ports, Millis wait) {
  std::vector<std::optional<Bytes>> replies(ports.size());
  auto deadline = Clock::now() + wait;
  if (transport == "udp") {
    std::vector<std::unique_ptr<wire::UdpClient>> clients;
    for (uint16_t port : ports) {
      clients.push_back(std::make_unique<wire::UdpClient>(port));
      clients.back()->send(packet);
    }
    for (size_t i = 0; i < ports.size(); ++i)
      replies[i] = clients[i]->receive(left_until(deadline));
    return replies;
  }
  std::vector<std::unique_ptr<wire::TcpClient>> clients;
  for (uint16_t port : ports) {
    clients.push_back(std::make_unique<wire::TcpClient>(port));
    clients.back()->send_message(packet);
  }
  for (size_t i = 0; i < ports.size(); ++i)
    replies[i] = clients[i]->receive_message(left_until(deadline));
  return replies;
}

// Both replies; a side that stayed silent while the other answered is asked once more.
std::pair<Outcome, Outcome> ask_both(const std::string& transport, const Bytes& packet,
                                     uint16_t mine, uint16_t ref) {
  auto replies = exchange(transport, packet, {mine, ref}, kFirstWait);
  for (size_t i = 0; i < 2; ++i) {
    if (!replies[i] && replies[1 - i])
      replies[i] = exchange(transport, packet, {i == 0 ? mine : ref}, kRetryWait)[0];
  }
  uint16_t id = query_id(packet);
  return {make_outcome(replies[0], id), make_outcome(replies[1], id)};
}

Outcome ask_one(const std::string& transport, const Bytes& packet, uint16_t port) {
  return make_outcome(exchange(transport, packet, {port}, kRetryWait)[0], query_id(packet));
}

std::string indent(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) out += "    " + line + "\n";
  return out;
}

// Everything the comparison loop needs.
struct Run {
  std::vector<Rule> rules;
  std::string ref_name;
  uint16_t mine_port, ref_port;
  std::unique_ptr<RefServer> tiebreaker;  // nsd, started at the first unexplained difference
  std::vector<const Zone*> zones;
  bool verbose = false;
  int compared = 0, identical = 0, allowed = 0, truncated = 0;
  std::vector<std::string> failures;

  std::multiset<std::string> zone_rrs(const std::string& qname) const {
    for (const Zone* z : zones) {
      auto held = rrs_at(*z, qname);
      if (!held.empty()) return held;
    }
    return {};
  }

  // nsd's reply, for rules that defer to it and for failure messages.
  const Outcome& nsd_outcome(const std::string& transport, const Bytes& packet,
                             std::optional<Outcome>& cache, const Outcome& ref) {
    if (ref_name == "nsd") return ref;
    if (!cache) {
      try {
        if (!tiebreaker) tiebreaker = start_nsd(zones);
        cache = ask_one(transport, packet, tiebreaker->port());
      } catch (const std::exception& e) {
        cache = Outcome{};
        cache->fields["reply"] = "none";
        cache->text = std::string("(nsd could not be asked: ") + e.what() + ")\n";
      }
    }
    return *cache;
  }

  void compare(const Spec& spec, const std::string& transport) {
    auto [mine, ref] = ask_both(transport, spec.packet, mine_port, ref_port);
    ++compared;
    if (mine.replied && mine.fields.count("flag.tc") && mine.fields.at("flag.tc") == "1")
      ++truncated;
    std::string bad;
    for (const auto& v : check_invariants(spec, transport, mine, zones))
      bad += "  rdnsd: " + v + "\n";
    auto fields = differing_fields(mine, ref);
    if (fields.empty() && bad.empty()) {
      ++identical;
      return;
    }
    Attrs attrs = spec.attrs;
    attrs["transport"] = transport;
    std::optional<Outcome> nsd_cache;
    Context ctx{
        mine, ref,
        [&]() -> const Outcome& { return nsd_outcome(transport, spec.packet, nsd_cache, ref); },
        spec.qname, [this](const std::string& q) { return zone_rrs(q); }};
    std::string ok;
    for (const auto& f : fields) {
      const Rule* rule = explain(rules, attrs, f, ctx);
      std::string line =
          "  " + f + ": rdnsd " + field_text(mine, f) + " | " + ref_name + " " + field_text(ref, f);
      if (rule) {
        rule->used++;
        ok += line + "   [allowed: " + rule->name + "]\n";
      } else {
        bad += line + "\n";
      }
    }
    if (bad.empty()) {
      ++allowed;
      if (verbose) MESSAGE(transport << " " << spec.what << "\n" << ok);
      return;
    }
    std::string msg = "DIFFERENCE over " + transport + " for " + spec.what + "\n" + bad;
    if (!ok.empty()) msg += "also (allowed):\n" + ok;
    msg += "query octets:\n" + indent(hex_dump(spec.packet));
    msg += "--- rdnsd ---\n" + indent(mine.text) + "--- " + ref_name + " ---\n" + indent(ref.text);
    if (ref_name != "nsd") msg += "--- nsd (tiebreaker) ---\n" + indent(ctx.nsd().text);
    failures.push_back(msg);
  }
};

uint32_t seed_from_env() {
  const char* s = std::getenv("RDNSD_DIFF_SEED");
  return s ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10)) : kDefaultSeed;
}

RdnsdOptions rdnsd_options(const Zone& v4, const Zone& v6) {
  RdnsdOptions o;
  o.server = {"identity: \"" + kIdentity + "\"", "version: \"" + kVersion + "\"",
              "nsid: \"" + kNsid + "\"", "udp-payload: 1232", "tcp-idle-timeout: 10000"};
  o.zones = rdnsd_zone_yaml(v4) + rdnsd_zone_yaml(v6);
  return o;
}

}  // namespace

TEST_CASE("rdnsd answers the generated queries like the reference server") {
  const auto started = Clock::now();
  const uint32_t seed = seed_from_env();
  Rng rng(seed);
  Zone v4 = make_v4_zone(rng);
  Zone v6 = make_v6_zone(rng);

  Rdnsd rdnsd(rdnsd_options(v4, v6));
  // All records in one batch: one transaction, one serial step per zone. The reference
  // zone files are written afterwards with the serials rdnsd reports, so the SOA records
  // are equal by construction.
  auto loaded = rdnsd.admin(rdnsd_batch({&v4, &v6}));
  REQUIRE_MESSAGE(loaded.value("ok", false), "batch refused: " << loaded.dump());
  v4.serial = rdnsd.serial(v4.apex);
  v6.serial = rdnsd.serial(v6.apex);

  Run run;
  run.zones = {&v4, &v6};
  run.verbose = std::getenv("RDNSD_DIFF_VERBOSE") != nullptr;
  const char* which = std::getenv("RDNSD_DIFF_REFERENCE");
  run.ref_name = which ? which : "knotd";
  REQUIRE_MESSAGE((run.ref_name == "knotd" || run.ref_name == "nsd"),
                  "RDNSD_DIFF_REFERENCE must be knotd or nsd");
  std::unique_ptr<RefServer> reference =
      run.ref_name == "nsd" ? start_nsd(run.zones) : start_knotd(run.zones);
  run.rules =
      parse_rules(read_file(std::string(RDNSD_SOURCE_DIR) + "/tests/e2e/differential/allowed.txt"));
  run.mine_port = rdnsd.port();
  run.ref_port = reference->port();

  const auto specs = generate_queries(v4, v6, seed);
  for (const auto& spec : specs)
    for (const char* transport : {"udp", "tcp"}) run.compare(spec, transport);

  const auto seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count() /
      1000.0;
  std::ostringstream summary;
  summary << specs.size() << " queries, " << run.compared << " exchanges with rdnsd and "
          << run.ref_name << " (seed " << seed << ", " << seconds << " s): " << run.identical
          << " identical, " << run.allowed << " with allowed differences only, "
          << run.failures.size() << " with other differences; " << run.truncated
          << " of rdnsd's replies truncated\n";
  for (const auto& r : run.rules)
    summary << "  rule " << r.name << ": " << r.used << (r.used ? "" : "  (not needed now)")
            << "\n";
  MESSAGE(summary.str());
  // The data must keep exercising truncation (the IPv6 zone's NS RRset is over 512 octets).
  CHECK_MESSAGE(run.truncated > 0, "no truncated answer among the exchanges");
  for (const auto& f : run.failures) FAIL_CHECK(f);
  CHECK_MESSAGE(rdnsd.alive(), "rdnsd died during the run\n" << rdnsd.logs());
  if (!run.failures.empty()) MESSAGE(reference->logs());
}

}  // namespace rdnsd::e2e::diff
