// list paging while records are written (docs/ADMIN-PROTOCOL.md, "Paging across
// concurrent writes"), and rdnsctl list through a pager on a terminal only.
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

const char* const kZone = "10.20.0.0/16";

std::string ip_of(int n) {
  return "10.20." + std::to_string(n / 256) + "." + std::to_string(n % 256);
}

json set_op(int n, const std::string& name) {
  return {{"op", "set"}, {"ip", ip_of(n)}, {"name", name}};
}

// The zone 10.20.0.0/16 with records at 10.20.x.y for every n in `numbers`.
void fill(const Rdnsd& d, const std::vector<int>& numbers) {
  must(d.rdnsctl({"zone-add", kZone, "--ns", "ns1.example.net.", "--rname", "h.example.net."}));
  json ops = json::array();
  for (int n : numbers) ops.push_back(set_op(n, "start-" + std::to_string(n) + ".example"));
  json a = d.admin(json{{"op", "batch"}, {"ops", ops}}.dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
}

json page(const Rdnsd& d, uint64_t offset, uint64_t limit) {
  json a =
      d.admin(json{{"op", "list"}, {"zone", kZone}, {"offset", offset}, {"limit", limit}}.dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
  return a;
}

// What a walk saw: how often each address came, in the order of the pages.
struct Walk {
  std::map<std::string, int> seen;
  std::vector<std::string> order;
  int duplicates() const {
    int n = 0;
    for (const auto& [ip, count] : seen) n += count - 1;
    return n;
  }
  int missing(const std::set<std::string>& expected) const {
    int n = 0;
    for (const auto& ip : expected) n += seen.count(ip) ? 0 : 1;
    return n;
  }
};

// Pages through the zone; `between` runs after every page.
template <class F>
Walk walk(const Rdnsd& d, uint64_t limit, F&& between) {
  Walk w;
  uint64_t offset = 0;
  for (;;) {
    json a = page(d, offset, limit);
    for (const json& r : a["records"]) {
      std::string ip = r["ip"];
      if (w.seen[ip]++ == 0) w.order.push_back(ip);
    }
    if (a["next_offset"].is_null()) return w;
    offset = a["next_offset"];
    between(w);
  }
}

std::set<std::string> ips(const std::vector<int>& numbers) {
  std::set<std::string> out;
  for (int n : numbers) out.insert(ip_of(n));
  return out;
}

std::vector<int> even(int count) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(2 * i);
  return out;
}

}  // namespace

TEST_CASE("paging: writes above the cursor cause neither duplicates nor skips") {
  Rdnsd d;
  std::vector<int> start = even(1000);
  fill(d, start);
  int added = 0;
  Walk w = walk(d, 100, [&](const Walk&) {
    // Far above every record read so far (and above the start set).
    for (int k = 0; k < 5; ++k, ++added)
      REQUIRE(d.admin(set_op(40000 + added, "late.example").dump())["ok"] == true);
  });
  CHECK(w.duplicates() == 0);
  CHECK(w.missing(ips(start)) == 0);
  // The records added during the walk are all past the cursor: it reads them too.
  CHECK(w.order.size() == start.size() + size_t(added));
}

TEST_CASE("paging: each create below the cursor repeats one record, never skips one") {
  Rdnsd d;
  std::vector<int> start = even(1000);
  fill(d, start);
  int created = 0;
  Walk w = walk(d, 100, [&](const Walk&) {
    // Fill a hole at the very beginning: every later record moves one place on.
    REQUIRE(d.admin(set_op(2 * created + 1, "below.example").dump())["ok"] == true);
    ++created;
  });
  CHECK(created > 5);
  CHECK(w.missing(ips(start)) == 0);
  CHECK(w.duplicates() == created);
}

TEST_CASE("paging: each removal below the cursor skips one record, never repeats one") {
  Rdnsd d;
  std::vector<int> start = even(1000);
  fill(d, start);
  int removed = 0;
  std::set<std::string> gone;
  Walk w = walk(d, 100, [&](const Walk&) {
    std::string ip = ip_of(2 * removed);  // the lowest records, read long ago
    REQUIRE(d.admin(json{{"op", "unset"}, {"ip", ip}}.dump())["ok"] == true);
    gone.insert(ip);
    ++removed;
  });
  CHECK(removed > 5);
  CHECK(w.duplicates() == 0);
  std::set<std::string> kept;
  for (const auto& ip : ips(start))
    if (!gone.count(ip)) kept.insert(ip);
  CHECK(w.missing(kept) == removed);
}

TEST_CASE("paging while another client writes at random: within the documented bounds") {
  Rdnsd d;
  std::vector<int> start = even(2000);
  fill(d, start);
  std::atomic<bool> stop{false};
  std::atomic<int> creates{0}, removes{0};
  std::thread writer([&] {
    // Creates at odd numbers and removals of even ones above 2000 (not in the start
    // set), anywhere in the zone: some below the cursor, some above.
    for (int k = 0; !stop; ++k) {
      json a = d.admin(set_op(2 * (k * 7919 % 2000) + 1, "w.example").dump());
      if (a["ok"] == true && a["created"] == true) ++creates;
      if (k % 3 == 0 &&
          d.admin(json{{"op", "unset"}, {"ip", ip_of(2 * (k * 7919 % 2000) + 1)}}.dump())["ok"] ==
              true)
        ++removes;
    }
  });
  Walk w = walk(d, 50, [](const Walk&) {});
  stop = true;
  writer.join();
  // Creations can only repeat records, removals only hide them; the start set is never
  // removed, so a start record can only be missed if it moved back past the cursor.
  CHECK(w.duplicates() <= creates.load());
  CHECK(w.missing(ips(start)) <= removes.load());
  MESSAGE("walk: " << w.duplicates() << " duplicates, " << w.missing(ips(start))
                   << " start records missed; writer: " << creates.load() << " creates, "
                   << removes.load() << " removes");
}

// ---- rdnsctl list and the pager ----

namespace {

// Runs rdnsctl on a pseudo-terminal of `rows` lines with $PAGER set; returns what the
// terminal showed.
std::string on_terminal(const Rdnsd& d, unsigned short rows, const std::string& pager,
                        const std::vector<std::string>& args) {
  winsize ws{};
  ws.ws_row = rows;
  ws.ws_col = 120;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("PAGER", pager.c_str(), 1);
    std::vector<std::string> full = {RDNSCTL_BIN, "--socket", d.socket_path()};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string shown;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child is gone
    shown.append(buf, size_t(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return shown;
}

}  // namespace

TEST_CASE("rdnsctl list pages on a terminal when the output is longer than the screen") {
  Rdnsd d;
  fill(d, even(40));
  std::string paged = d.dir() + "/paged.txt";
  std::string pager = "cat > " + paged;

  // Longer than a 10-line screen: through the pager, nothing straight to the terminal.
  std::string shown = on_terminal(d, 10, pager, {"list", "--zone", kZone});
  CHECK(shown.find("start-2.example") == std::string::npos);
  std::string text = read_file(paged);
  CHECK(text.find("IP  ") == 0);
  CHECK(text.find("10.20.0.78  start-78.example.") != std::string::npos);
  CHECK(text.find("records 1-40 of 40\n") != std::string::npos);

  // It fits on the screen: no pager.
  unlink(paged.c_str());
  shown = on_terminal(d, 60, pager, {"list", "--zone", kZone});
  CHECK(shown.find("records 1-40 of 40") != std::string::npos);
  CHECK(access(paged.c_str(), F_OK) != 0);

  // Not a terminal: never a pager, however long.
  RunResult r = run(
      {"env", "PAGER=" + pager, RDNSCTL_BIN, "--socket", d.socket_path(), "list", "--zone", kZone});
  CHECK(r.ok());
  CHECK(r.out.find("records 1-40 of 40\n") != std::string::npos);
  CHECK(access(paged.c_str(), F_OK) != 0);

  // A pager that does not exist: the list is printed anyway.
  shown = on_terminal(d, 10, "no-such-pager-here", {"list", "--zone", kZone});
  CHECK(shown.find("records 1-40 of 40") != std::string::npos);
}

TEST_CASE("rdnsctl import draws its progress on a terminal's stderr, and only there") {
  Rdnsd d;
  std::string zone = "$ORIGIN 2.0.192.in-addr.arpa.\n";
  for (int i = 2; i < 250; ++i)
    zone += std::to_string(i) + " IN PTR h" + std::to_string(i) + ".example.\n";
  std::string path = d.dir() + "/progress.zone";
  write_file(path, zone);
  std::string shown = on_terminal(d, 40, "cat", {"import", path});
  CHECK(shown.find("reading " + path + " [") != std::string::npos);
  CHECK(shown.find("100%") != std::string::npos);
  CHECK(shown.find("\033[K") != std::string::npos);
  CHECK(shown.find("import: 248 records read: 247 added, 1 replaced, 0 skipped") !=
        std::string::npos);
  RunResult r = must(d.rdnsctl({"import", path}));
  CHECK(r.err.empty());
}
