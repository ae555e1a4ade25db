// The admin socket over a real Unix socket in a temporary folder, and rdnsctl against it.
#include <doctest/doctest.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "server.h"
#include "store.h"

using namespace rdnsd;
using admin::Json;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/rdnsd-admin-XXXXXX";
    if (!mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

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

zonestore::ZoneSettings config_zone(const char* prefix) {
  zonestore::ZoneSettings s;
  s.prefix = *names::parse_prefix(prefix);
  s.ns = {"ns1.example.net."};
  s.soa.mname = "ns1.example.net.";
  s.soa.rname = "hostmaster.example.net.";
  return s;
}

struct Fixture {
  TempDir dir;
  std::string socket_path = dir.path + "/admin.sock";
  std::unique_ptr<zonestore::Store> store;
  std::unique_ptr<admin::Handler> handler;
  std::unique_ptr<admin::AdminServer> server;

  Fixture() {
    zonestore::StoreOptions o;
    o.path = dir.path + "/db";
    o.map_size = 1ull << 28;
    store = zonestore::Store::open(o);
    store->reconcile({config_zone("192.0.2.0/24"), config_zone("2001:db8::/32")}, {},
                     std::time(nullptr));
    handler = std::make_unique<admin::Handler>(*store);
    server = std::make_unique<admin::AdminServer>(*handler, socket_path, 0600);
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
