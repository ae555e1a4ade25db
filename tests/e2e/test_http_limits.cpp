// The HTTP server's limits, HTTPS, the collection's pages under concurrent writes, and
// HTTP and rdnsctl writers at once (one history, one serial sequence).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/e2e/support/e2e.h"
#include "tests/e2e/support/http.h"

using namespace rdnsd::e2e;
using nlohmann::json;

namespace {

struct Server {
  uint16_t http_port = free_port();
  Rdnsd d;
  std::string admin;
  explicit Server(const std::vector<std::string>& http_lines = {})
      : d(http_options(http_port, http_lines)) {
    wait_http(d, http_port);
    admin = add_token(d, "ops", {"--scope", "admin"});
  }
  HttpClient http() const { return HttpClient("http://127.0.0.1:" + std::to_string(http_port)); }
};

// A TCP connection to 127.0.0.1:port that sends `bytes` and reads the first reply line
// ("" if the server closes first or says nothing within 3 s).
struct RawConnection {
  int fd = -1;
  explicit RawConnection(uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConnection() {
    if (fd >= 0) close(fd);
  }
  void send(const std::string& bytes) {
    (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("http limits: 413 for a large body, 414 and 431 for a long URL or headers") {
  Server s;
  HttpClient http = s.http();
  const uint32_t serial = s.d.serial("2.0.192.in-addr.arpa.");
  // Content-Length over 1 MiB: refused before the body is read.
  const std::string big = record_body("192.0.2.3", "a.example.com",
                                      "\"description\":\"" + std::string(1100000, 'x') + "\"");
  HttpReply r = http.call("POST", "/reverserecords", s.admin, big);
  CHECK(r.status == 413);
  CHECK(r.code() == "too_large");
  // The same without a length (chunked): refused once it passes 1 MiB.
  RawConnection chunked(s.http_port);
  std::string head = "POST /reverserecords HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     s.admin + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  chunked.send(head);
  const std::string piece(64 * 1024, 'x');
  char size[16];
  snprintf(size, sizeof size, "%zx\r\n", piece.size());
  for (int i = 0; i < 20; ++i) chunked.send(size + piece + "\r\n");
  chunked.send("0\r\n\r\n");
  CHECK(chunked.read_all().rfind("HTTP/1.1 413", 0) == 0);
  // A body of exactly 1 MiB is read (and refused for its JSON, not its size).
  std::string exact = record_body("192.0.2.3", "a.example.com", "\"description\":\"");
  exact += std::string((1u << 20) - exact.size() - 3, 'x') + "\"}}";
  REQUIRE(exact.size() == 1u << 20);
  CHECK(http.call("POST", "/reverserecords", s.admin, exact).status == 400);
  CHECK(s.d.serial("2.0.192.in-addr.arpa.") == serial);
  // A 64 KiB URL, and 64 KiB of headers.
  RawConnection url(s.http_port);
  url.send("GET /reverserecords?filter.name=" + std::string(65536, 'a') +
           " HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(url.read_all().rfind("HTTP/1.1 414", 0) == 0);
  RawConnection headers(s.http_port);
  headers.send("GET /quota HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(65536, 'a') + "\r\n\r\n");
  CHECK(headers.read_all().rfind("HTTP/1.1 431", 0) == 0);
  // The server still answers.
  CHECK(http.get("/quota", s.admin).status == 200);
}

TEST_CASE("http limits: max-connections gets 503, idle connections are closed") {
  Server s({"max-connections: 2", "idle-timeout: 1"});
  HttpClient http = s.http();
  {
    RawConnection a(s.http_port), b(s.http_port);
    a.send("G");  // open, not finished
    b.send("G");
    usleep(200 * 1000);
    HttpReply busy = http.get("/quota", s.admin);
    CHECK(busy.status == 503);
    CHECK(busy.code() == "busy");
    // Idle past idle-timeout: closed by the server, and then there is room again.
    const auto start = std::chrono::steady_clock::now();
    CHECK(a.read_all().empty());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
  usleep(200 * 1000);
  CHECK(http.get("/quota", s.admin).status == 200);
}

TEST_CASE("https: a self-signed certificate, checked by curl") {
  const std::string dir = make_temp_dir("rdnsd-tls");
  RunResult gen =
      run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
           "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"});
  REQUIRE_MESSAGE(gen.ok(), gen.describe());
  Server s({"tls: { cert: " + dir + "/cert.pem, key: " + dir + "/key.pem }"});
  const std::string base = "https://127.0.0.1:" + std::to_string(s.http_port);
  HttpClient https(base, {"--cacert", dir + "/cert.pem"});
  HttpReply r =
      https.call("POST", "/reverserecords", s.admin, record_body("192.0.2.44", "tls.example.com"));
  CHECK(r.status == 200);
  CHECK(s.d.dig({"-x", "192.0.2.44"}).answer.at(0).rdata == "tls.example.com.");
  // curl refuses it without the certificate (unknown issuer); plain HTTP gets no answer.
  CHECK(HttpClient(base).get("/quota", s.admin).status == 0);
  CHECK(s.http().get("/quota", s.admin).status == 0);
  run({"rm", "-rf", dir});
}

TEST_CASE("http: the collection walked by its next links while records are added and removed") {
  Server s;
  HttpClient http = s.http();
  std::string batch;
  for (int i = 100; i < 160; ++i)
    batch += "192.0.2." + std::to_string(i) + ",h" + std::to_string(i) + ".example.com\n";
  RunResult b = run({RDNSCTL_BIN, "--socket", s.d.socket_path(), "batch", "-"}, with_input(batch));
  REQUIRE_MESSAGE(b.ok(), b.describe());
  std::atomic<bool> stop{false};
  // Meanwhile: new records below and above the walk's position, and removals of others.
  std::thread writer([&] {
    for (int i = 0; i < 40 && !stop; ++i) {
      run({RDNSCTL_BIN, "--socket", s.d.socket_path(), "set", "192.0.2." + std::to_string(20 + i),
           "new.example.com"});
      run({RDNSCTL_BIN, "--socket", s.d.socket_path(), "set", "192.0.2." + std::to_string(200 + i),
           "new.example.com"});
    }
  });
  std::vector<std::string> seen;
  std::string next = "/reverserecords?limit=7&filter.recordIp=192.0.2.0/24";
  for (int pages = 0; !next.empty() && pages < 200; ++pages) {
    HttpReply page = http.get(next, s.admin);
    REQUIRE_MESSAGE(page.status == 200, page.body);
    for (const auto& item : page.json["items"]) seen.push_back(item["properties"]["ip"]);
    next = page.json["_links"].contains("next")
               ? page.json["_links"]["next"]["href"].get<std::string>()
               : "";
    usleep(20 * 1000);
  }
  stop = true;
  writer.join();
  // Every record that was there all along is seen exactly once, in address order.
  std::set<std::string> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  for (int i = 100; i < 160; ++i) CHECK(unique.count("192.0.2." + std::to_string(i)) == 1);
  for (size_t i = 1; i < seen.size(); ++i) {
    in_addr x, y;
    inet_pton(AF_INET, seen[i - 1].c_str(), &x);
    inet_pton(AF_INET, seen[i].c_str(), &y);
    CHECK(ntohl(x.s_addr) < ntohl(y.s_addr));
  }
  // The prev link of a later page leads back to the page before it.
  HttpReply second = http.get("/reverserecords?limit=5&after=192.0.2.104", s.admin);
  REQUIRE(second.json["_links"].contains("prev"));
  HttpReply back = http.get(second.json["_links"]["prev"]["href"], s.admin);
  REQUIRE(back.json["items"].size() == 5);
  CHECK(back.json["items"][4]["properties"]["ip"] == "192.0.2.104");
  // filter.name, filter.zone and limit bounds.
  HttpReply named = http.get("/reverserecords?filter.name=H15&limit=1000", s.admin);
  CHECK(named.json["items"].size() == 10);  // h150..h159
  HttpReply zone = http.get("/reverserecords?filter.zone=198.51.100.0/24", s.admin);
  CHECK(zone.json["items"].size() == 1);
  CHECK(http.get("/reverserecords?filter.zone=203.0.113.0/24", s.admin).json["items"].empty());
}

TEST_CASE("http and rdnsctl writers at once: every write committed, one serial step each") {
  Server s;
  const std::string apex = "2.0.192.in-addr.arpa.";
  const uint32_t before = s.d.serial(apex);
  constexpr int kHttp = 8, kCtl = 4, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kHttp; ++t)
    threads.emplace_back([&, t] {
      HttpClient http = s.http();
      for (int i = 0; i < kEach; ++i) {
        const std::string ip = "192.0.2." + std::to_string(20 + t * kEach + i);
        if (http.call("POST", "/reverserecords", s.admin, record_body(ip, "http.example.com"))
                .status != 200)
          ++failures;
      }
    });
  for (int t = 0; t < kCtl; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string ip = "192.0.2." + std::to_string(150 + t * kEach + i);
        if (!run({RDNSCTL_BIN, "--socket", s.d.socket_path(), "set", ip, "ctl.example.com"}).ok())
          ++failures;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(s.d.serial(apex) == before + uint32_t((kHttp + kCtl) * kEach));
  HttpReply all = s.http().get("/reverserecords?filter.zone=" + apex + "&limit=1000", s.admin);
  CHECK(all.json["items"].size() == size_t((kHttp + kCtl) * kEach + 2));  // and the two seeds
  // The export agrees with what HTTP lists.
  RunResult exported = s.d.rdnsctl({"export", apex});
  size_t ptrs = 0;
  for (size_t at = 0; (at = exported.out.find("\tPTR\t", at)) != std::string::npos; ++at) ++ptrs;
  CHECK(ptrs == all.json["items"].size());
}

TEST_CASE("http: /openapi.yaml is the document in docs/, /health says serving") {
  Server s;
  HttpReply health = s.http().get("/health", "");
  CHECK(health.status == 200);
  CHECK(health.json == json{{"status", "serving"}});
  HttpReply r = s.http().get("/openapi.yaml", "");
  CHECK(r.status == 200);
  CHECK(r.body == read_file(RDNSD_SOURCE_DIR "/docs/openapi.yaml"));
}

TEST_CASE("http: 422 when forward confirmation refuses the name") {
  // 203.0.113.0/24 requires forward confirmation; the resolver never answers, so no name
  // can be confirmed.
  const uint16_t http_port = free_port(), silent = free_port();
  RdnsdOptions o = http_options(http_port);
  o.config +=
      "  - prefix: 203.0.113.0/24\n    ns: [ns1.example.net.]\n"
      "    soa: { mname: ns1.example.net., rname: hostmaster.example.net. }\n"
      "    fcrdns: require\n"
      "fcrdns:\n  resolver: [\"127.0.0.1:" +
      std::to_string(silent) + "\"]\n  timeout: 200\n";
  Rdnsd d(o);
  wait_http(d, http_port);
  const std::string admin = add_token(d, "ops", {"--scope", "admin"});
  HttpClient http("http://127.0.0.1:" + std::to_string(http_port));
  HttpReply r =
      http.call("POST", "/reverserecords", admin, record_body("203.0.113.5", "mail.example.com"));
  CHECK(r.status == 422);
  CHECK(r.code() == "fcrdns_failed");
  CHECK(d.dig({"-x", "203.0.113.5"}).status == "NXDOMAIN");
  // Zones without it take the same name.
  CHECK(http.call("POST", "/reverserecords", admin, record_body("192.0.2.5", "mail.example.com"))
            .status == 200);
}

namespace {

// The value of the sample line that starts with `series` ("" if none).
std::string sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  at += series.size() + 2;
  return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("http: /metrics in the Prometheus text format, following commits") {
  Server s;
  HttpClient http = s.http();
  HttpReply m = http.get("/metrics", "");
  REQUIRE(m.status == 200);
  RunResult check =
      run({"python3", RDNSD_SOURCE_DIR "/tests/e2e/support/prom_check.py"}, with_input(m.body));
  CHECK_MESSAGE(check.ok(), check.describe());
  const std::string apex = "2.0.192.in-addr.arpa.";
  const std::string serial = "rdnsd_zone_serial{zone=\"" + apex + "\"}";
  const std::string records = "rdnsd_zone_records{zone=\"" + apex + "\"}";
  CHECK(sample(m.body, serial) == std::to_string(s.d.serial(apex)));
  CHECK(sample(m.body, records) == "2");
  RunResult version = run({RDNSD_BIN, "-V"});
  CHECK(m.body.find("rdnsd_build_info{version=\"" + version.out.substr(6, version.out.size() - 7) +
                    "\"} 1") != std::string::npos);
  CHECK(std::stoull(sample(m.body, "rdnsd_store_bytes")) > 0);
  REQUIRE(http.call("POST", "/reverserecords", s.admin, record_body("192.0.2.77", "m.example.com"))
              .status == 200);
  HttpReply after = http.get("/metrics", "");
  CHECK(sample(after.body, serial) == std::to_string(s.d.serial(apex)));
  CHECK(sample(after.body, records) == "3");
  CHECK(sample(after.body, "rdnsd_records") == "6");
  // The writer's counts: the token-add and the HTTP set, and one commit at least.
  CHECK(sample(after.body, "rdnsd_admin_ops_total{op=\"set\",result=\"ok\"}") == "1");
  CHECK(sample(after.body, "rdnsd_admin_ops_total{op=\"token-add\",result=\"ok\"}") == "1");
  CHECK(std::stoull(sample(after.body, "rdnsd_commit_duration_seconds_count")) >= 1);
  CHECK(sample(after.body, "rdnsd_commit_duration_seconds_bucket{le=\"+Inf\"}") ==
        sample(after.body, "rdnsd_commit_duration_seconds_count"));
  RunResult recheck =
      run({"python3", RDNSD_SOURCE_DIR "/tests/e2e/support/prom_check.py"}, with_input(after.body));
  CHECK_MESSAGE(recheck.ok(), recheck.describe());
  CHECK(http.call("POST", "/metrics", "", "{}").status == 405);
}
