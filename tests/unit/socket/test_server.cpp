// The admin socket over a real Unix socket in a temporary folder, and rdnsctl against it.
#include <doctest/doctest.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "admin/cli/cli.h"
#include "admin/socket/server.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tempdir.h"
#include "zonestore/store.h"

using namespace rdnsd;
using admin::Json;
using testing::TempDir;

namespace {

sockaddr_un address(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// A plain client connection with a line reader that gives up after kWaitMs (generous:
// sanitizer builds are slow).
constexpr int kWaitMs = 30000;
struct Conn {
  int fd = -1;
  std::string buf;

  explicit Conn(const std::string& path) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa = address(path);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  }
  ~Conn() { close_now(); }
  void close_now() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  // Sends what it can; a server that already closed is not an error here.
  void send_text(const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += size_t(n);
    }
  }
  // Reads more bytes; false on end of input or timeout.
  bool fill() {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kWaitMs) != 1) return false;
    char tmp[65536];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf.append(tmp, size_t(n));
    return true;
  }
  std::optional<std::string> line() {
    for (;;) {
      if (auto nl = buf.find('\n'); nl != std::string::npos) {
        std::string out = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return out;
      }
      if (!fill()) return std::nullopt;
    }
  }
  Json answer() {
    auto l = line();
    REQUIRE(l);
    return Json::parse(*l);
  }
  bool at_eof() {
    while (buf.empty()) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, kWaitMs) != 1) return false;
      char c;
      ssize_t n = read(fd, &c, 1);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0) return false;
      buf += c;
    }
    return false;
  }
};

using zonestore::testing::config_zone;

struct Fixture {
  TempDir dir{"admin"};
  std::string socket_path = dir.path + "/admin.sock";
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;
  std::unique_ptr<admin::AdminServer> server;

  // `on_commit`, if set, is subscribed to the server's commit scheduler before it starts.
  explicit Fixture(admin::HandlerOptions options = {}, admin::AdminServerOptions limits = {},
                   admin::CommitListener on_commit = {}) {
    store = zonestore::testing::open_store(dir.path);
    store->reconcile({config_zone("192.0.2.0/24"), config_zone("2001:db8::/32")}, {},
                     std::time(nullptr));
    handler = std::make_unique<admin::Handler>(*store, std::move(options));
    server = std::make_unique<admin::AdminServer>(*handler, socket_path, 0600, std::move(limits));
    if (on_commit) server->scheduler().subscribe(std::move(on_commit));
    server->start();
  }
  ~Fixture() { server->stop(); }

  // rdnsctl's whole program against this server.
  int ctl(const std::vector<std::string>& args, std::string* out = nullptr,
          std::string* err = nullptr, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream o, e;
    std::vector<std::string> full = {"--socket", socket_path};
    full.insert(full.end(), args.begin(), args.end());
    int rc = admin::cli::run(full, nullptr, in, o, e);
    if (out) *out = o.str();
    if (err) *err = e.str();
    return rc;
  }
};

// The id of the last committed write transaction: one per durable commit.
size_t last_txnid(const zonestore::Store& s) {
  MDB_envinfo info{};
  REQUIRE(mdb_env_info(s.env(), &info) == 0);
  return info.me_last_txnid;
}

std::string set_line(const std::string& ip, const std::string& name, const Json& tag) {
  return R"({"op":"set","ip":")" + ip + R"(","name":")" + name + R"(","tag":)" + tag.dump() + "}\n";
}

// The lines the server logs (from its own thread).
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  logging::Sink sink() {
    return [this](logging::Level, const std::string& line, const logging::Fields&) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
  }
  bool has(const std::string& part) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
  // Waits (bounded) for a line holding `part`.
  bool wait_for(const std::string& part) {
    for (int waited = 0; waited < kWaitMs; waited += 10) {
      if (has(part)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

// Read transactions open in the store (LMDB reader slots holding a snapshot).
int open_snapshots(const zonestore::Store& s) {
  std::string text;
  mdb_reader_list(
      s.env(),
      [](const char* msg, void* ctx) {
        *static_cast<std::string*>(ctx) += msg;
        return 0;
      },
      &text);
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find("pid") == std::string::npos && line.find("no active") == std::string::npos &&
        !line.empty() && line.back() != '-')
      ++n;
  return n;
}

// A round trip of a `zones` request; false if the connection is closed or refused.
bool works(Conn& c) {
  c.send_text(R"({"op":"zones"})"
              "\n");
  auto l = c.line();
  return l && Json::parse(*l)["ok"] == true;
}

// Holds the server's thread in an on-commit listener after the first commit until
// `release` is set, so that what a client sends meanwhile waits in its socket.
struct HeldFirstWrite {
  std::promise<void> blocked, release;
  std::shared_future<void> go = release.get_future().share();
  int commits = 0;
  admin::CommitListener listener() {
    return [this](const admin::Change&) {
      if (++commits == 1) {
        blocked.set_value();
        go.wait();
      }
    };
  }
  bool wait_blocked() {
    return blocked.get_future().wait_for(std::chrono::milliseconds(kWaitMs)) ==
           std::future_status::ready;
  }
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string my_user() {
  passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : "uid:" + std::to_string(getuid());
}

}  // namespace

TEST_CASE("pipelined requests on one connection are answered in order") {
  Fixture f;
  Conn c(f.socket_path);
  c.send_text(R"({"op":"set","ip":"192.0.2.2","name":"mail.example.com","tag":1})"
              "\n"
              R"({"op":"show","ip":"192.0.2.2","tag":2})"
              "\n\n  \r\n"
              R"({"op":"unset","ip":"192.0.2.2","tag":3})"
              "\r\n"
              R"({"op":"show","ip":"192.0.2.2","tag":4})"
              "\n");
  Json a1 = c.answer(), a2 = c.answer(), a3 = c.answer(), a4 = c.answer();
  CHECK(a1["tag"] == 1);
  CHECK(a1["ok"] == true);
  CHECK(a1["record"]["created_by"] == my_user());
  CHECK(a2["tag"] == 2);
  CHECK(a2["record"]["ptr"] == "mail.example.com.");
  CHECK(a3["tag"] == 3);
  CHECK(a3["serial"] == a1["serial"].get<uint32_t>() + 1);
  CHECK(a4["tag"] == 4);
  CHECK(a4["error"]["code"] == "not_found");
}

TEST_CASE("two connections at once, one of them mid-line") {
  Fixture f;
  Conn a(f.socket_path), b(f.socket_path);
  a.send_text(R"({"op":"set","ip":"192.0.2.7",)");
  b.send_text(R"({"op":"zones","tag":"b"})"
              "\n");
  Json from_b = b.answer();
  CHECK(from_b["tag"] == "b");
  CHECK(from_b["zones"].size() == 2);
  a.send_text(R"("name":"seven.example","tag":"a"})"
              "\n");
  Json from_a = a.answer();
  CHECK(from_a["tag"] == "a");
  CHECK(from_a["record"]["ip"] == "192.0.2.7");
}

TEST_CASE("a client that disconnects mid-line leaves no trace") {
  Fixture f;
  {
    Conn c(f.socket_path);
    c.send_text(R"({"op":"set","ip":"192.0.2.5","name":"half.example")");
    c.close_now();
  }
  {
    Conn c(f.socket_path);
    c.send_text(R"({"op":"zones"})"
                "\n");
    c.close_now();  // gone before the answer is written
  }
  Conn c(f.socket_path);
  c.send_text(R"({"op":"show","ip":"192.0.2.5"})"
              "\n");
  CHECK(c.answer()["error"]["code"] == "not_found");
  CHECK(f.store->record_count() == 0);
}

TEST_CASE("a last line without newline is answered after a half-close") {
  Fixture f;
  Conn c(f.socket_path);
  c.send_text(R"({"op":"quota","tag":"last"})");
  shutdown(c.fd, SHUT_WR);
  CHECK(c.answer()["tag"] == "last");
  CHECK(c.at_eof());
}

TEST_CASE("a line over the line limit is refused and the connection closed") {
  Fixture f;
  SUBCASE("with its newline") {
    Conn c(f.socket_path);
    c.send_text(R"({"op":"zones","tag":0})"
                "\n" +
                std::string(admin::kMaxLine + 100, 'x') + "\n" + R"({"op":"zones"})" + "\n");
    CHECK(c.answer()["tag"] == 0);
    Json a = c.answer();
    CHECK(a["ok"] == false);
    CHECK(a["error"]["code"] == "bad_request");
    CHECK(c.at_eof());
  }
  SUBCASE("still coming") {
    Conn c(f.socket_path);
    c.send_text(std::string(admin::kMaxLine + 2, '{'));
    CHECK(c.answer()["error"]["code"] == "bad_request");
    CHECK(c.at_eof());
  }
  SUBCASE("a line of exactly the limit is a request") {
    Conn c(f.socket_path);
    std::string line = R"({"op":"zones","tag":")";
    line += std::string(admin::kMaxLine - line.size() - 2, 't') + "\"}";
    REQUIRE(line.size() == admin::kMaxLine);
    c.send_text(line + "\r\n");
    CHECK(c.answer()["ok"] == true);
  }
  Conn after(f.socket_path);
  after.send_text(R"({"op":"zones"})"
                  "\n");
  CHECK(after.answer()["ok"] == true);
}

TEST_CASE("a client that sends much and reads late gets every answer, in order") {
  Fixture f;
  Conn c(f.socket_path);
  constexpr int kRequests = 10000;  // about 8 MB of answers: reading pauses and resumes
  std::thread sender([&] {
    std::string chunk;
    for (int i = 0; i < kRequests; ++i) {
      chunk += R"({"op":"zones","tag":)" + std::to_string(i) + "}\n";
      if (chunk.size() > 16384 || i + 1 == kRequests) {
        c.send_text(chunk);
        chunk.clear();
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the answers pile up
  int in_order = 0;
  for (int i = 0; i < kRequests; ++i) {
    auto l = c.line();
    if (!l) break;
    if (Json::parse(*l)["tag"] == i) ++in_order;
  }
  sender.join();
  CHECK(in_order == kRequests);
}

TEST_CASE("many connections writing at once all get their serial step") {
  Fixture f;
  uint32_t before = f.store->zone("192.0.2.0/24")->serial;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 1; i <= 20; ++i)
    threads.emplace_back([&, i] {
      Conn c(f.socket_path);
      c.send_text(R"({"op":"set","ip":"192.0.2.)" + std::to_string(i) +
                  R"(","name":"h.example"})"
                  "\n");
      auto l = c.line();
      if (l && Json::parse(*l)["ok"] == true) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 20);
  CHECK(f.store->zone("192.0.2.0/24")->serial == before + 20);
}

TEST_CASE("the socket file: mode, stale files, a live server, stop") {
  Fixture f;
  struct stat st;
  REQUIRE(stat(f.socket_path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);

  admin::AdminServer second(*f.handler, f.socket_path, 0600);
  CHECK_THROWS_WITH_AS(second.start(), doctest::Contains("another process is listening"),
                       std::runtime_error);

  std::string file = f.dir.path + "/plain";
  std::ofstream(file) << "x";
  admin::AdminServer on_file(*f.handler, file, 0600);
  CHECK_THROWS_WITH_AS(on_file.start(), doctest::Contains("not a socket"), std::runtime_error);

  // A socket file nobody listens on any more is replaced.
  std::string stale = f.dir.path + "/stale.sock";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa = address(stale);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  close(fd);
  admin::AdminServer replacing(*f.handler, stale, 0660);
  replacing.start();
  REQUIRE(stat(stale.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  {
    Conn c(stale);
    c.send_text(R"({"op":"zones"})"
                "\n");
    CHECK(c.answer()["ok"] == true);
  }
  Conn open_client(stale);  // stop() closes connections that are still open
  replacing.stop();
  replacing.stop();
  CHECK(open_client.at_eof());
  CHECK(stat(stale.c_str(), &st) != 0);

  f.server->stop();
  CHECK(stat(f.socket_path.c_str(), &st) != 0);
}

TEST_CASE("rdnsctl against a running server") {
  Fixture f;
  std::string out, err;
  INFO(err);
  REQUIRE(f.ctl({"set", "192.0.2.2", "mail.example.com", "--ttl", "3600", "--description", "mail"},
                &out, &err) == 0);
  uint32_t serial = f.store->zone("192.0.2.0/24")->serial;
  CHECK(out == "set 192.0.2.2 -> mail.example.com. (ttl 3600) zone 2.0.192.in-addr.arpa. serial " +
                   std::to_string(serial) + "\n");
  CHECK(err.empty());

  CHECK(f.ctl({"--json", "show", "192.0.2.2"}, &out) == 0);
  Json shown = Json::parse(out);
  CHECK(shown["record"]["description"] == "mail");
  CHECK(out.find('\n') == out.size() - 1);
  CHECK(f.ctl({"show", shown["record"]["id"]}, &out) == 0);
  CHECK(out.find("ptr:         mail.example.com.\n") != std::string::npos);

  CHECK(f.ctl({"set", "198.51.100.1", "x.example"}, &out, &err) == 1);
  CHECK(err.find("rdnsctl: error: not_in_zone: ") == 0);
  CHECK(f.ctl({"set", "192.0.2.3", "x.example", "--ttl", "soon"}, &out, &err) == 1);
  CHECK(err.find("rdnsctl: error: bad_ttl: ") == 0);
  CHECK(f.ctl({"--json", "unset", "192.0.2.9"}, &out, &err) == 1);
  CHECK(Json::parse(out)["error"]["code"] == "not_found");

  CHECK(f.ctl({"batch", "-"}, &out, &err,
              "ip,name,ttl,description\n192.0.2.10,ten.example,60,\"a, b\"\n"
              "{\"op\":\"unset\",\"ip\":\"192.0.2.2\"}\n") == 0);
  CHECK(out.find("batch: 2 ops applied: 1 created, 0 replaced, 1 removed") == 0);
  CHECK(f.ctl({"batch", "-"}, &out, &err, "192.0.2.11,ok.example\n\n192.0.2.12,bad_name\n") == 1);
  CHECK(err.find("(<stdin> line 3)") != std::string::npos);
  CHECK(f.ctl({"list"}, &out) == 0);
  CHECK(out.find("192.0.2.10  ten.example.  60   a, b\n") != std::string::npos);
  CHECK(f.ctl({"zones"}, &out) == 0);
  CHECK(out.find("2.0.192.in-addr.arpa.") != std::string::npos);
  CHECK(f.ctl({"quota"}, &out) == 0);
  CHECK(out.find("(all zones)") != std::string::npos);

  CHECK(f.ctl({"bogus"}, &out, &err) == 2);
  f.server->stop();
  CHECK(f.ctl({"zones"}, &out, &err) == 3);
  CHECK(err.find("cannot connect to " + f.socket_path) != std::string::npos);
  CHECK(err.find("is rdnsd running?") != std::string::npos);
}

TEST_CASE("pipelined sets are applied in one commit and answered in order, each with its serial") {
  Fixture f;
  Conn c(f.socket_path);
  const uint32_t before = f.store->zone("192.0.2.0/24")->serial;
  const size_t txn = last_txnid(*f.store);
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += set_line("192.0.2." + std::to_string(i + 1), "h" + std::to_string(i) + ".example", i);
  text += R"({"op":"show","ip":"192.0.2.200","tag":"show"})"
          "\n"
          R"({"op":"list","zone":"192.0.2.0/24","limit":1000,"tag":"list"})"
          "\n";
  c.send_text(text);  // one write: the server reads it all at once
  for (int i = 0; i < 200; ++i) {
    Json a = c.answer();
    INFO(a.dump());
    REQUIRE(a["tag"] == i);
    CHECK(a["ok"] == true);
    CHECK(a["created"] == true);
    CHECK(a["record"]["ptr"] == "h" + std::to_string(i) + ".example.");
    CHECK(a["serial"] == before + 1 + uint32_t(i));  // one step per request, in order
  }
  Json shown = c.answer();
  CHECK(shown["tag"] == "show");
  CHECK(shown["record"]["ptr"] == "h199.example.");
  Json listed = c.answer();
  CHECK(listed["tag"] == "list");
  CHECK(listed["total"] == 200);
  const size_t commits = last_txnid(*f.store) - txn;
  MESSAGE(commits << " commits for 200 pipelined sets");
  CHECK(commits <= 5);  // 200 without group commit
  CHECK(f.store->zone("192.0.2.0/24")->serial == before + 200);
}

TEST_CASE("a malformed line among pipelined writes gets its error and the others are applied") {
  Fixture f;
  Conn c(f.socket_path);
  const size_t txn = last_txnid(*f.store);
  std::string text;
  for (int i = 0; i < 10; ++i) text += set_line("192.0.2." + std::to_string(i + 1), "a.example", i);
  text += "{not json\n";
  text += R"({"op":"unset","ip":"192.0.2.1","tag":"unset"})"
          "\n";
  text += set_line("192.0.2.300", "b.example", "bad address");
  text += R"({"op":"set","ip":"192.0.2.50","name":"c.example","colour":"red"})"
          "\n";
  text += R"({"op":"unset","ip":"192.0.2.99","tag":"absent"})"
          "\n";
  for (int i = 20; i < 30; ++i) text += set_line("2001:db8::" + std::to_string(i), "d.example", i);
  text += R"({"op":"set","ip":"192.0.2.60","name":"last.example","tag":"last"})";  // no newline
  c.send_text(text);
  shutdown(c.fd, SHUT_WR);  // the last line counts, and its answer comes before the end
  for (int i = 0; i < 10; ++i) CHECK(c.answer()["tag"] == i);
  Json a = c.answer();
  CHECK(a["error"]["code"] == "bad_request");
  CHECK(c.answer()["tag"] == "unset");
  a = c.answer();
  CHECK(a["tag"] == "bad address");
  CHECK(a["error"]["code"] == "bad_address");
  a = c.answer();
  CHECK(a["error"]["code"] == "bad_request");
  CHECK(a["error"]["message"].get<std::string>().find("colour") != std::string::npos);
  a = c.answer();
  CHECK(a["tag"] == "absent");
  CHECK(a["error"]["code"] == "not_found");
  for (int i = 20; i < 30; ++i) {
    a = c.answer();
    CHECK(a["tag"] == i);
    CHECK(a["ok"] == true);
  }
  a = c.answer();
  CHECK(a["tag"] == "last");
  CHECK(a["ok"] == true);
  CHECK(c.at_eof());
  CHECK(f.store->record_count() == 9 + 10 + 1);
  CHECK(last_txnid(*f.store) - txn <= 2);  // the last line may come with the end of input
}

TEST_CASE(
    "writes of two connections share a commit and each connection gets its answers in order") {
  // The first commit blocks the server's thread in its listener while both clients send,
  // so that both connections are ready when it reads again.
  std::promise<void> blocked, release;
  std::shared_future<void> go = release.get_future().share();
  std::vector<admin::Change> committed;
  Fixture f({}, {}, [&](const admin::Change& change) {
    committed.push_back(change);
    if (committed.size() == 1) {
      blocked.set_value();
      go.wait();
    }
  });
  const uint32_t before = f.store->zone("192.0.2.0/24")->serial;
  Conn a(f.socket_path), b(f.socket_path);
  a.send_text(set_line("2001:db8::1", "blocker.example", "blocker"));
  REQUIRE(blocked.get_future().wait_for(std::chrono::milliseconds(kWaitMs)) ==
          std::future_status::ready);
  const size_t txn = last_txnid(*f.store);
  for (int chunk = 0; chunk < 4; ++chunk) {
    std::string text;
    for (int i = chunk * 25; i < chunk * 25 + 25; ++i)
      text += set_line("192.0.2." + std::to_string(i + 1), "h.example", i);
    (chunk % 2 ? b : a).send_text(text);  // a: 0-24, 50-74; b: 25-49, 75-99
  }
  release.set_value();
  CHECK(a.answer()["tag"] == "blocker");
  std::vector<uint32_t> serials;
  for (Conn* c : {&a, &b}) {
    uint32_t last = 0;
    for (int k = 0; k < 50; ++k) {
      Json ans = c->answer();
      int i = ans["tag"].get<int>();
      CHECK(i == (c == &a ? (k < 25 ? k : k + 25) : (k < 25 ? k + 25 : k + 50)));
      CHECK(ans["ok"] == true);
      uint32_t serial = ans["serial"].get<uint32_t>();
      CHECK(serial > last);  // in request order on the connection
      last = serial;
      serials.push_back(serial);
    }
  }
  std::sort(serials.begin(), serials.end());
  for (size_t k = 0; k < serials.size(); ++k) CHECK(serials[k] == before + 1 + k);  // one each
  CHECK(last_txnid(*f.store) - txn == 1);  // both connections' 100 sets: one commit
  // The listener: once per commit, after it, with its writes and the zone's last serial.
  REQUIRE(committed.size() == 2);
  CHECK(committed[0].writes == 1);
  CHECK(committed[1].writes == 100);
  REQUIRE(committed[1].serials.size() == 1);
  CHECK(committed[1].serials[0].zone == "2.0.192.in-addr.arpa.");
  CHECK(committed[1].serials[0].serial == before + 100);
  b.send_text(R"({"op":"show","ip":"192.0.2.75"})"
              "\n");
  CHECK(b.answer()["record"]["ip"] == "192.0.2.75");
}

TEST_CASE(
    "a streaming client's writes wait commit-wait to share a commit, a waiting client's do not") {
  // The first commit is held in a listener while the client sends its next write, so that
  // the server sees bytes that came before their answer: the connection streams.
  HeldFirstWrite held;
  admin::AdminServerOptions o;
  o.commit_wait = std::chrono::milliseconds(400);
  Fixture f({}, o, held.listener());
  Conn a(f.socket_path), b(f.socket_path);
  a.send_text(set_line("192.0.2.1", "s0.example", 0));
  REQUIRE(held.wait_blocked());
  const auto sent = Clock::now();
  a.send_text(set_line("192.0.2.2", "s1.example", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // in the socket before the answer
  const size_t txn = last_txnid(*f.store);
  held.release.set_value();
  CHECK(a.answer()["tag"] == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  a.send_text(set_line("192.0.2.3", "s2.example", 2));  // joins the waiting group
  Json one = a.answer(), two = a.answer();
  const double waited = seconds_since(sent);
  CHECK(one["tag"] == 1);
  CHECK(two["tag"] == 2);
  CHECK(one["ok"] == true);
  CHECK(two["ok"] == true);
  CHECK(waited >= 0.35);                   // 20 ms before the release, then the 400 ms wait
  CHECK(last_txnid(*f.store) - txn == 1);  // s1 and s2: one commit (s0 was committed)

  // b waits for each answer: its writes are committed at once, a's wait does not apply.
  const auto started = Clock::now();
  for (int i = 0; i < 5; ++i) {
    b.send_text(set_line("192.0.2." + std::to_string(10 + i), "w.example", i));
    Json w = b.answer();
    CHECK(w["tag"] == i);
    CHECK(w["ok"] == true);
  }
  CHECK(seconds_since(started) < 1.0);  // 2 s if each had waited

  // A streamed write is committed early when another request needs it to be: b's show
  // right behind a's set sees it, long before a's wait is over.
  const auto shown_at = Clock::now();
  a.send_text(set_line("192.0.2.4", "s3.example", 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  b.send_text(R"({"op":"show","ip":"192.0.2.4"})"
              "\n");
  CHECK(b.answer()["record"]["ptr"] == "s3.example.");
  CHECK(a.answer()["tag"] == 3);
  CHECK(seconds_since(shown_at) < 0.3);
}

TEST_CASE("an overflowing number, a repeated key or a deep tag is bad_request, in order") {
  Fixture f;
  Conn c(f.socket_path);
  std::string text = set_line("192.0.2.1", "a.example", 1);
  text += R"({"op":"set","ip":"192.0.2.2","name":"b.example","ttl":1e999,"tag":2})"
          "\n";
  text += R"({"op":"set","ip":"192.0.2.3","ip":"192.0.2.4","name":"c.example","tag":3})"
          "\n";
  text += R"({"op":"zones","tag":)" + std::string(75000, '[') + std::string(75000, ']') + "}\n";
  text += set_line("192.0.2.5", "e.example", 5);
  c.send_text(text);
  CHECK(c.answer()["tag"] == 1);
  Json overflow = c.answer();  // the line does not parse: no tag to echo
  CHECK(overflow["error"]["code"] == "bad_request");
  CHECK(overflow["error"]["message"].get<std::string>().find("number overflow") !=
        std::string::npos);
  Json repeated = c.answer();
  CHECK(repeated["tag"] == 3);
  CHECK(repeated["error"]["message"] == "key 'ip' appears twice in one object");
  Json deep = c.answer();
  CHECK(deep["error"]["code"] == "bad_request");
  CHECK(deep["error"]["message"] == "the request nests deeper than 32 levels");
  CHECK(c.answer()["tag"] == 5);
  CHECK(f.store->record_count() == 2);
}

TEST_CASE("with commit-wait 0 a streaming client's writes are committed at once") {
  HeldFirstWrite held;
  admin::AdminServerOptions o;
  o.commit_wait = std::chrono::milliseconds(0);
  Fixture f({}, o, held.listener());
  Conn a(f.socket_path);
  a.send_text(set_line("192.0.2.1", "s0.example", 0));
  REQUIRE(held.wait_blocked());
  a.send_text(set_line("192.0.2.2", "s1.example", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  held.release.set_value();
  CHECK(a.answer()["tag"] == 0);
  const auto started = Clock::now();
  Json one = a.answer();  // s1: read after the first commit, applied at once
  CHECK(one["tag"] == 1);
  a.send_text(set_line("192.0.2.3", "s2.example", 2));
  CHECK(a.answer()["tag"] == 2);
  CHECK(seconds_since(started) < 0.3);
}

TEST_CASE("whole lines of a client that leaves at once are still applied") {
  Fixture f;
  {
    Conn c(f.socket_path);
    std::string text;
    for (int i = 0; i < 20; ++i)
      text += set_line("192.0.2." + std::to_string(i + 1), "g.example", i);
    c.send_text(text);
  }  // closed without reading an answer
  for (int waited = 0; f.store->record_count() < 20 && waited < kWaitMs; waited += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(f.store->record_count() == 20);
  Conn c(f.socket_path);
  c.send_text(R"({"op":"show","ip":"192.0.2.20"})"
              "\n");
  CHECK(c.answer()["ok"] == true);
}

TEST_CASE("a connection over max-connections gets busy and is closed, the others keep working") {
  LogLines log;
  admin::AdminServerOptions limits;
  limits.max_connections = 2;
  limits.log = log.sink();
  Fixture f({}, limits);
  auto a = std::make_unique<Conn>(f.socket_path);
  Conn b(f.socket_path);
  REQUIRE(works(*a));
  REQUIRE(works(b));
  Conn c(f.socket_path);
  auto l = c.line();
  REQUIRE(l);
  CHECK(
      *l ==
      R"x({"ok":false,"error":{"code":"busy","message":"too many admin connections (limit 2)"}})x");
  CHECK(c.at_eof());
  CHECK(log.wait_for("refused 1 connection (the last from pid " + std::to_string(getpid())));
  CHECK(log.has("too many admin connections (limit 2)"));
  // The two admitted ones are unaffected.
  CHECK(works(*a));
  CHECK(works(b));
  // Once one of them has gone, a new connection is admitted (the server learns of the
  // close asynchronously: a connection made before that may still be refused).
  a.reset();
  bool admitted = false;
  for (int waited = 0; !admitted && waited < kWaitMs; waited += 10) {
    Conn d(f.socket_path);
    admitted = works(d);
    if (admitted) CHECK(works(d));
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(admitted);
  CHECK(works(b));
}

TEST_CASE("an idle connection is closed after idle-timeout, a talking one is kept") {
  LogLines log;
  admin::AdminServerOptions limits;
  limits.idle_timeout = std::chrono::seconds(1);
  limits.log = log.sink();
  Fixture f({}, limits);
  Conn silent(f.socket_path), talker(f.socket_path);
  const auto start = Clock::now();
  double closed_after = -1;
  bool talker_ok = true;
  // The talker asks every 0.5 s for 2.5 s; meanwhile, watch the silent one for its end.
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    talker_ok = talker_ok && works(talker);
    pollfd p{silent.fd, POLLIN, 0};
    if (closed_after < 0 && poll(&p, 1, 0) == 1) {
      CHECK(silent.at_eof());
      closed_after = seconds_since(start);
    }
  }
  CHECK(talker_ok);
  CHECK(seconds_since(start) > 2.0);
  if (closed_after < 0 && silent.at_eof()) closed_after = seconds_since(start);
  INFO("the silent connection was closed after " << closed_after << " s");
  CHECK(closed_after >= 0.9);
  CHECK(closed_after <= 3.0);
  CHECK(log.wait_for("idle for 1 second"));
  CHECK(log.has("admin socket: closed the connection of pid " + std::to_string(getpid())));
  CHECK(works(talker));
}

TEST_CASE("a request that holds the server longer than idle-timeout does not make it idle") {
  admin::AdminServerOptions limits;
  limits.idle_timeout = std::chrono::seconds(1);
  Fixture f({}, limits, [](const admin::Change&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  });
  Conn c(f.socket_path);
  c.send_text(set_line("192.0.2.1", "slow.example", "slow"));
  Json a = c.answer();
  CHECK(a["tag"] == "slow");
  CHECK(a["ok"] == true);
  // Right after its answer the connection is not idle: the clock started at the answer.
  CHECK(works(c));
}

TEST_CASE("an export whose client stopped reading is closed after idle-timeout") {
  LogLines log;
  admin::AdminServerOptions limits;
  limits.idle_timeout = std::chrono::seconds(1);
  limits.log = log.sink();
  Fixture f({}, limits);
  {
    // 30,000 records: about 2 MB of export, far more than the socket buffers hold.
    Json ops = Json::array();
    for (int i = 0; i < 30000; ++i) {
      std::ostringstream ip;
      ip << "2001:db8::" << std::hex << (i + 1);
      ops.push_back({{"op", "set"},
                     {"ip", ip.str()},
                     {"name", "a-rather-long-host-name-" + std::to_string(i) + ".example.com"}});
    }
    Conn w(f.socket_path);
    w.send_text(Json{{"op", "batch"}, {"ops", ops}}.dump() + "\n");
    REQUIRE(w.answer()["ok"] == true);
  }
  CHECK(open_snapshots(*f.store) == 0);
  Conn exporter(f.socket_path);
  exporter.send_text(R"({"op":"export","zone":"2001:db8::/32"})"
                     "\n");
  REQUIRE(exporter.fill());  // the answer has begun; from now on the client reads nothing
  REQUIRE(exporter.buf.rfind(R"({"ok":true)", 0) == 0);
  const auto stopped = Clock::now();
  CHECK(open_snapshots(*f.store) == 1);
  // Others are served meanwhile.
  Conn other(f.socket_path);
  CHECK(works(other));
  // The server closes the exporter without the client reading: the peer's end shows as
  // a hang-up on poll.
  double closed_after = -1;
  while (closed_after < 0 && seconds_since(stopped) < 10) {
    pollfd p{exporter.fd, 0, 0};
    if (poll(&p, 1, 20) == 1 && (p.revents & POLLHUP)) closed_after = seconds_since(stopped);
    if (closed_after < 0) CHECK(works(other));  // keeps the other one busy, not idle
  }
  INFO("the exporter was closed after " << closed_after << " s");
  CHECK(closed_after >= 0.9);
  CHECK(closed_after <= 4.0);
  // The snapshot is released: no read transaction is left open.
  int snapshots = 1;
  for (int waited = 0; (snapshots = open_snapshots(*f.store)) > 0 && waited < kWaitMs; waited += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(snapshots == 0);
  CHECK(log.wait_for("in the middle of an export"));
  CHECK(works(other));
  // What the exporter got is an incomplete answer, then the end.
  while (exporter.fill()) {
  }
  CHECK(exporter.buf.find('\n') == std::string::npos);
}
