// rdnsctl backup PATH: a consistent, compacted copy of the live store, written while
// writes go on. Restoring is copying the file over data.mdb of a stopped rdnsd: the
// restored server exports exactly what the live one did at the copy's moment.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/e2e/support/e2e.h"

using namespace rdnsd::e2e;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const kZones[] = {"192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"};
const char* const kV6Apex = "8.b.d.0.1.0.0.2.ip6.arpa.";

std::string bulk_ip(int i) {
  return "2001:db8:7::" + std::to_string(i / 10000) + ":" + std::to_string(i % 10000);
}
std::string stream_ip(int i) {
  return "2001:db8:5::" + std::to_string(i / 10000) + ":" + std::to_string(i % 10000);
}

// Every zone as rdnsctl exports it.
std::string exports(const Rdnsd& d) {
  std::string out;
  for (const char* z : kZones) out += must(d.rdnsctl({"export", z})).out;
  return out;
}

void bulk(const Rdnsd& d, const char* op, int from, int to) {
  std::string path = d.dir() + "/bulk.jsonl";
  std::string text;
  for (int i = from; i < to; ++i)
    text += std::string(R"({"op":")") + op + R"(","ip":")" + bulk_ip(i) + "\"" +
            (op[0] == 's' ? R"(,"name":"bulk-)" + std::to_string(i) + R"(.example.net.")" : "") +
            "}\n";
  write_file(path, text);
  must(d.rdnsctl({"batch", path}));
}

// Pipelined sets of new addresses, 16 outstanding, until stopped; counts the answers.
struct Writer {
  explicit Writer(const std::string& socket) : thread([this, socket] { run(socket); }) {}
  ~Writer() { finish(); }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  void run(const std::string& socket) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, socket.c_str(), socket.size() + 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    std::string buffer;
    int sent = 0;
    while (!stop || sent > acked) {
      while (!stop && sent - acked < 16) {
        std::string line = json{{"op", "set"},
                                {"ip", stream_ip(sent)},
                                {"name", "w" + std::to_string(sent) + ".example.net."}}
                               .dump() +
                           "\n";
        if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) break;
        ++sent;
      }
      char chunk[4096];
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, size_t(n));
      for (size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
        if (json::parse(buffer.substr(0, nl))["ok"] != true) failed = true;
        ++acked;
      }
    }
    close(fd);
  }
  std::atomic<bool> stop{false}, failed{false};
  std::atomic<int> acked{0};
  std::thread thread;
};

// A stopped-state store folder holding `backup` as its data.mdb, removed at the end.
struct RestoredStore {
  explicit RestoredStore(const std::string& backup) {
    char tmpl[] = "/tmp/rdnsd-restore-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    fs::copy_file(backup, dir + "/data.mdb");
  }
  ~RestoredStore() { fs::remove_all(dir); }
  RdnsdOptions options() const {
    RdnsdOptions o;
    o.config =
        "server:\n  listen: [\"127.0.0.1:{PORT}\", \"[::1]:{PORT}\"]\n  workers: 2\n"
        "store:\n  path: " +
        dir + "\nadmin:\n  socket: {DIR}/admin.sock\nzones:\n" + kDefaultZones;
    return o;
  }
  std::string dir;
};

}  // namespace

TEST_CASE("rdnsctl backup while writes go on: the copy restores to one moment, exactly") {
  Rdnsd d;
  bulk(d, "set", 0, 100000);
  const uint32_t base = d.serial(kV6Apex);
  Writer writer(d.socket_path());
  while (writer.acked < 50) std::this_thread::sleep_for(Millis(5));
  const int before = writer.acked;
  const std::string path = d.dir() + "/during.mdb";
  RunResult r = must(d.rdnsctl({"backup", path}));
  const int after = writer.acked;
  CHECK(r.out.find("backup written to " + path) != std::string::npos);
  writer.finish();
  CHECK_FALSE(writer.failed);
  MESSAGE("writes answered while the backup ran: " << after - before);
  CHECK(after > before);  // the writer was not stopped
  // The copy is one snapshot: the streamed sets in it are exactly the first k, and the
  // zone's serial is k steps on.
  RestoredStore restored(path);
  Rdnsd copy(restored.options());
  const uint32_t serial = copy.serial(kV6Apex);
  const int k = int(serial - base);
  INFO("k = " << k << ", acked before " << before << ", after " << after);
  CHECK(k >= before);
  CHECK(k <= writer.acked);
  json listed = copy.admin(R"({"op":"list","prefix":"2001:db8:5::/48","limit":1})");
  CHECK(listed["total"] == k);
  CHECK(copy.dig({"-x", stream_ip(k - 1)}).answers("PTR").size() == 1);
  CHECK(copy.dig({"-x", stream_ip(k)}).status == "NXDOMAIN");
  CHECK(copy.dig({"-x", bulk_ip(99999)}).answers("PTR").size() == 1);
}

TEST_CASE("rdnsctl backup of a quiet store: restored, every export is the same, and it is compacted") {
  Rdnsd d;
  bulk(d, "set", 0, 60000);
  bulk(d, "unset", 0, 50000);  // free pages in the live file, none in the copy
  must(d.rdnsctl({"set", "192.0.2.77", "seventy-seven.example.net.", "--ttl", "60"}));
  const std::string path = d.dir() + "/quiet.mdb";
  json a = d.admin(json{{"op", "backup"}, {"path", path}, {"tag", 7}}.dump());
  REQUIRE_MESSAGE(a["ok"] == true, a.dump());
  CHECK(a["path"] == path);
  CHECK(a["tag"] == 7);
  const auto live_size = fs::file_size(d.dir() + "/store/data.mdb");
  CHECK(a["bytes"] == fs::file_size(path));
  MESSAGE("live data.mdb " << live_size << " bytes, backup " << fs::file_size(path));
  CHECK(fs::file_size(path) < live_size);
  const std::string live = exports(d);
  RestoredStore restored(path);
  Rdnsd copy(restored.options());
  CHECK(exports(copy) == live);
}

TEST_CASE("rdnsctl backup refuses an existing file, a relative path and a missing folder") {
  Rdnsd d;
  const std::string path = d.dir() + "/b.mdb";
  write_file(path, "keep me");
  RunResult exists = d.rdnsctl({"backup", path});
  CHECK(exists.status == 1);
  CHECK(exists.err.find("exists") != std::string::npos);
  CHECK(read_file(path) == "keep me");
  json rel = d.admin(R"({"op":"backup","path":"rel.mdb"})");
  CHECK(rel["error"]["code"] == "bad_request");
  CHECK(rel["error"]["message"] == "'path' must be an absolute path");
  json missing = d.admin(json{{"op", "backup"}, {"path", d.dir() + "/no/such/dir/b.mdb"}}.dump());
  CHECK(missing["error"]["code"] == "internal");
  CHECK(missing["error"]["message"].get<std::string>().find("No such file or directory") !=
        std::string::npos);
  for (const auto& e : fs::directory_iterator(d.dir()))
    CHECK(e.path().string().find(".partial") == std::string::npos);
  // rdnsctl makes a relative path one from its own folder.
  RunOptions ro;
  ro.cwd = d.dir();
  RunResult here = run({RDNSCTL_BIN, "--socket", d.socket_path(), "backup", "here.mdb"}, ro);
  CHECK_MESSAGE(here.ok(), here.describe());
  CHECK(fs::exists(d.dir() + "/here.mdb"));
}
