#include "tests/interop/support/secondary.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/support/rdnsd.h"
#include "tests/e2e/support/wire.h"

namespace rdnsd::interop {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kStartLimit{10000};
constexpr Millis kStopGrace{5000};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Any answer at all (SERVFAIL for a zone not loaded yet counts): the server is up.
bool answers(uint16_t port, const std::string& zone) {
  try {
    e2e::wire::UdpClient udp(port);
    e2e::wire::Query q;
    q.name = zone;
    q.qtype = e2e::wire::rr::SOA;
    q.id = 0x5ec0;
    return udp.exchange(e2e::wire::build(q), Millis(100)).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TsigKey test_key() {
  return {"xfr-key", "hmac-sha256", "KoxiZSt1JGPLODuNmy6fu1GLRr82aahe76XTuO/P/HM="};
}

TsigKey wrong_secret_key() {
  return {"xfr-key", "hmac-sha256", "aHHS7U8vzUJ4B/zKRhakPOcuwiJbNrN+SUEQujHU4TY="};
}

PtrSet parse_ptrs(const std::string& text) {
  PtrSet out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    // owner TTL class PTR target (dig, kdig and rdnsctl export all write the TTL).
    if (f.size() == 5 && f[3] == "PTR") out.emplace(lower(f[0]), lower(f[4]));
  }
  return out;
}

std::string ptr_diff(const PtrSet& got, const PtrSet& want) {
  std::string out;
  for (const auto& r : want)
    if (!got.count(r)) out += "missing: " + r.first + " PTR " + r.second + "\n";
  for (const auto& r : got)
    if (!want.count(r)) out += "extra:   " + r.first + " PTR " + r.second + "\n";
  return out;
}

bool wait_until(const std::function<bool()>& done, Millis timeout, Millis step) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

Secondary::Secondary(std::string name) : name_(std::move(name)) {
  dir_ = e2e::make_temp_dir("rdnsd-interop-" + name_ + "-");
  port_ = e2e::free_port();
}

Secondary::~Secondary() {
  process_.terminate(kStopGrace);
  if (std::getenv("RDNSD_E2E_KEEP"))
    MESSAGE(name_ << " folder kept: " << dir_);
  else
    e2e::remove_tree(dir_);
}

void Secondary::start(SecondaryOptions options) {
  options_ = std::move(options);
  start();
}

void Secondary::start() {
  e2e::write_file(dir_ + "/" + name_ + ".conf", config_text());
  process_ = e2e::Process::spawn(command(), dir_ + "/stdout.log", dir_ + "/stderr.log", dir_);
  wait_ready();
}

void Secondary::wait_ready() {
  const std::string zone = options_.zones.empty() ? "." : options_.zones.front();
  const auto deadline = Clock::now() + kStartLimit;
  while (Clock::now() < deadline) {
    if (!process_.running())
      throw std::runtime_error(name_ + " exited at start (" +
                               e2e::describe_status(*process_.wait_status()) + ")\n" + logs());
    if (answers(port_, zone)) return;
    std::this_thread::sleep_for(Millis(20));
  }
  throw std::runtime_error(name_ + " did not answer within 10 s (pid " +
                           std::to_string(process_.pid()) + ")\n" + logs());
}

int Secondary::stop() {
  return process_.terminate(kStopGrace);
}

e2e::DigResult Secondary::dig(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"dig",      "@127.0.0.1", "-p", std::to_string(port_),
                                "+tries=1", "+time=1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return e2e::parse_dig(e2e::run(argv, {Millis(10000), "", ""}));
}

std::optional<uint32_t> Secondary::serial(const std::string& zone, bool tcp) const {
  std::vector<std::string> args{zone, "SOA"};
  if (tcp) args.push_back("+tcp");
  auto soa = dig(args).answers("SOA");
  if (soa.size() != 1 || soa[0].fields().size() != 7) return std::nullopt;
  try {
    return static_cast<uint32_t>(std::stoul(soa[0].fields()[2]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Secondary::ptr(const std::string& address) const {
  auto r = dig({"-x", address});
  if (r.status != "NOERROR") return r.answered ? r.status : "no answer";
  auto answers = r.answers("PTR");
  if (answers.size() != 1) return "NOERROR with " + std::to_string(answers.size()) + " PTR";
  return answers[0].rdata;
}

std::optional<PtrSet> Secondary::ptrs(const std::string& zone) const {
  auto r = e2e::run({"kdig", "@127.0.0.1", "-p", std::to_string(port_), "+tcp", "AXFR", zone},
                    {Millis(10000), "", ""});
  if (!r.ok() || r.err.find("ERROR") != std::string::npos) return std::nullopt;
  return parse_ptrs(r.out);
}

bool Secondary::wait_for(const std::function<bool()>& done, Millis timeout) const {
  return wait_until(done, timeout);
}

std::string Secondary::stderr_text() const {
  return e2e::read_file(dir_ + "/stderr.log");
}

std::string Secondary::logs() const {
  std::string out = "--- " + name_ + " (port " + std::to_string(port_) + ", " + dir_ +
                    ") stderr ---\n" + stderr_text() + "--- " + name_ + " stdout ---\n" +
                    e2e::read_file(dir_ + "/stdout.log");
  if (!log_file().empty()) out += "--- " + name_ + " log ---\n" + e2e::read_file(log_file());
  return out;
}

}  // namespace rdnsd::interop
