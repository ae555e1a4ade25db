// A bad config stops rdnsd at start with "FILE:LINE: reason" and exit code 2, and leaves
// nothing running; a good one is read the way conf/rdnsd.yaml says.
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;

namespace {

// A scratch folder for config files, removed at the end.
struct TempDir {
  std::string path = make_temp_dir("rdnsd-conf-");
  ~TempDir() { remove_tree(path); }
};

// A minimal valid config, line by line (line N of the file is lines[N-1]).
std::vector<std::string> base_lines(const std::string& dir, uint16_t port) {
  return {
      "server:",                                                               // 1
      "  listen: [\"127.0.0.1:" + std::to_string(port) + "\"]",                // 2
      "  workers: 1",                                                          // 3
      "store:",                                                                // 4
      "  path: " + dir + "/store",                                             // 5
      "admin:",                                                                // 6
      "  socket: " + dir + "/admin.sock",                                      // 7
      "zones:",                                                                // 8
      "  - prefix: 192.0.2.0/24",                                              // 9
      "    ns: [ns1.example.net.]",                                            // 10
      "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }",  // 11
  };
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Runs rdnsd on `text` and checks the refusal: exit 2, not running, and stderr naming
// the file, one of `lines` and a reason containing one of `words` (lower case).
void check_refused(const std::string& text, std::set<int> lines, std::vector<std::string> words) {
  TempDir dir;
  std::string path = dir.path + "/bad.yaml";
  write_file(path, text);
  auto r = run({RDNSD_BIN, "-c", path}, {Millis(10000), "", dir.path});
  INFO("config:\n" << text);
  INFO(r.describe());
  CHECK_FALSE(r.timed_out);  // it did not keep running
  CHECK(r.status == 2);
  bool located = false;
  for (int line : lines)
    located = located || r.err.find(path + ":" + std::to_string(line) + ": ") != std::string::npos;
  CHECK_MESSAGE(located, "no '" << path << ":LINE: ' with LINE among the expected ones");
  std::string err = r.err;
  for (auto& c : err) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool said = words.empty();
  for (const auto& w : words) said = said || err.find(w) != std::string::npos;
  CHECK_MESSAGE(said, "the reason names none of the expected words");
  // Nothing listens on its admin socket.
  CHECK_FALSE(std::filesystem::exists(dir.path + "/admin.sock"));
}

// base_lines with line `n` (1-based) replaced by `with` (several lines allowed).
std::string edit(int n, const std::string& with) {
  auto lines = base_lines("/tmp/rdnsd-conf-unused", free_port());
  lines[static_cast<size_t>(n - 1)] = with;
  return join(lines);
}

std::string append(const std::string& more) {
  return join(base_lines("/tmp/rdnsd-conf-unused", free_port())) + more;
}

}  // namespace

TEST_CASE("the base config of these tests is valid") {
  TempDir dir;
  std::string path = dir.path + "/good.yaml";
  write_file(path, join(base_lines(dir.path, free_port())));
  auto r = run({RDNSD_BIN, "--check", "-c", path});
  INFO(r.describe());
  CHECK(r.status == 0);
}

TEST_CASE("unknown keys are refused with their line") {
  check_refused(append("colour: blue\n"), {12}, {"colour"});
  check_refused(edit(3, "  wokers: 1"), {3}, {"wokers"});
  check_refused(edit(10, "    ns: [ns1.example.net.]\n    tll: 60"), {11}, {"tll"});
  check_refused(edit(11, "    soa: { mname: ns1.example.net., rname: h.example.net., serial: 5 }"),
                {11}, {"serial"});
}

TEST_CASE("bad prefixes are refused with their line") {
  check_refused(edit(9, "  - prefix: 192.0.2.0/33"), {9}, {"192.0.2.0/33", "33"});
  check_refused(edit(9, "  - prefix: 192.0.2.1/24"), {9}, {"192.0.2.1/24"});
  check_refused(edit(9, "  - prefix: 192.0.2.0/23"), {9}, {"192.0.2.0/23"});
  check_refused(edit(9, "  - prefix: not-a-prefix"), {9}, {"not-a-prefix"});
  check_refused(edit(9, "  - prefix: \"2001:db8::/30\""), {9}, {"2001:db8::/30"});
  check_refused(edit(9, "  - prefix: 300.0.2.0/24"), {9}, {"300.0.2.0"});
}

TEST_CASE("overlapping zones are refused") {
  check_refused(append("  - prefix: 192.0.0.0/16\n"
                       "    ns: [ns1.example.net.]\n"
                       "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"),
                {9, 12}, {"overlap"});
  check_refused(append("  - prefix: 192.0.2.0/24\n"
                       "    ns: [ns1.example.net.]\n"
                       "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"),
                {9, 12}, {"overlap", "duplicate", "twice"});
}

TEST_CASE("a zone without name servers is refused") {
  check_refused(edit(10, "    ttl: 60"), {9, 10, 11}, {"ns"});
  check_refused(edit(10, "    ns: []"), {9, 10}, {"ns"});
}

TEST_CASE("bad values are refused with their line") {
  check_refused(edit(2, "  listen: [\"127.0.0.1\"]"), {2}, {"127.0.0.1"});
  check_refused(edit(2, "  listen: [\"[::1]:99999\"]"), {2}, {"99999"});
  check_refused(edit(3, "  workers: many"), {3}, {"workers", "many"});
  check_refused(edit(3, "  udp-receive-buffer: 1000"), {3}, {"udp-receive-buffer", "64k"});
  check_refused(edit(10, "    ns: [\"not a name\"]"), {10}, {"not a name"});
  check_refused(append("    ttl: -5\n"), {12}, {"ttl", "-5"});
  check_refused(append("    ttl: 2147483648\n"), {12}, {"ttl", "2147483648"});
  check_refused(append("    records:\n      - { ip: 10.0.0.1, name: x.example.net. }\n"), {13},
                {"10.0.0.1"});
  check_refused(append("    records:\n      - { ip: 192.0.2.1, name: \"bad name\" }\n"), {13},
                {"bad name"});
}

TEST_CASE("broken YAML is refused with its line") {
  check_refused(edit(3, "  workers: [1, 2"), {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {});
  check_refused(edit(5, "\tpath: /tmp/x"), {5}, {});
}

TEST_CASE("an unreadable or empty config file is refused") {
  TempDir dir;
  for (std::string path : {dir.path + "/missing.yaml", dir.path}) {
    auto r = run({RDNSD_BIN, "-c", path});
    INFO(r.describe());
    CHECK_FALSE(r.timed_out);
    CHECK(r.status == 2);
    CHECK(r.err.find(path + ": ") != std::string::npos);
  }
  std::string empty = dir.path + "/empty.yaml";
  write_file(empty, {});
  auto r = run({RDNSD_BIN, "--config", empty});
  INFO(r.describe());
  CHECK(r.status == 2);
  CHECK(r.err.find(empty + ":") != std::string::npos);
}

TEST_CASE("relative paths in the config resolve against the config file's folder") {
  RdnsdOptions o;
  o.config =
      "server:\n"
      "  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n"
      "  workers: 1\n"
      "store:\n"
      "  path: ./data/rdnsd.mdb\n"
      "admin:\n"
      "  socket: ./ctl.sock\n"
      "zones:\n" +
      std::string(kDefaultZones);
  o.cwd = "/";  // not the config's folder
  Rdnsd d(o);
  for (int i = 0; i < 100 && !std::filesystem::exists(d.dir() + "/ctl.sock"); ++i)
    std::this_thread::sleep_for(Millis(20));
  CHECK(std::filesystem::exists(d.dir() + "/ctl.sock"));
  CHECK(std::filesystem::exists(d.dir() + "/data"));
  auto r = d.dig({"-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  auto ctl = run({RDNSCTL_BIN, "--socket", d.dir() + "/ctl.sock", "zones"});
  INFO(ctl.describe());
  CHECK(ctl.ok());
}

TEST_CASE("server.udp-receive-buffer: rdnsd logs the buffer it got, and answers") {
  RdnsdOptions o;
  o.server = {"udp-receive-buffer: 2M"};
  Rdnsd d(o);
  auto r = d.dig({"-x", "192.0.2.1"});
  INFO(r.describe());
  CHECK(r.status == "NOERROR");
  // With CAP_NET_ADMIN the buffer is forced to 2 MiB; without, net.core.rmem_max caps it
  // and the line says so.
  const std::string logs = d.stderr_text();
  INFO(logs);
  const std::string line = "udp 127.0.0.1:" + std::to_string(d.port()) + ": receive buffer ";
  const bool full = logs.find(line + "2097152 bytes\n") != std::string::npos;
  const bool capped = logs.find(" bytes, not the 2097152 asked for") != std::string::npos &&
                      logs.find(line) != std::string::npos;
  CHECK((full || capped));
  CHECK(logs.find("ready: answering on") != std::string::npos);
}
