// Tests of the `http:` section and its tokens file.
#include <doctest/doctest.h>

#include <string>

#include "conf/config.h"
#include "tests/support/conf_fixture.h"
#include "tests/support/tempdir.h"

using namespace rdnsd::conf;
using namespace rdnsd::conf::testing;
using rdnsd::testing::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::fputs(text.c_str(), f);
  std::fclose(f);
}

}  // namespace

TEST_CASE("http is off by default and takes its documented defaults") {
  CHECK(load(kHead).http.listen.empty());
  CHECK(load(kHead + "http:\n  listen: none\n").http.listen.empty());
  CHECK(load(kHead + "http:\n  listen: []\n").http.listen.empty());
  Config c = load(kHead + "http:\n  listen: [\"127.0.0.1:8053\", \"[::1]:8053\"]\n");
  REQUIRE(c.http.listen.size() == 2);
  CHECK(c.http.listen[0].port == 8053);
  CHECK(c.http.listen[1].family == 6);
  CHECK(c.http.max_connections == 256);
  CHECK(c.http.idle_timeout_s == 30);
  CHECK(c.http.tls_cert.empty());
  Config d = load(kHead +
                  "http:\n  listen: [\"127.0.0.1:8053\"]\n  max-connections: 2\n"
                  "  idle-timeout: 5\n");
  CHECK(d.http.max_connections == 2);
  CHECK(d.http.idle_timeout_s == 5);
}

TEST_CASE("errors in the http section") {
  check_error(kHead + "http:\n  listen: [\"127.0.0.1\"]\n", 8, "http.listen[0]");
  check_error(kHead + "http:\n  listen: [\"127.0.0.1:80\", \"127.0.0.1:80\"]\n", 8, "twice");
  check_error(kHead + "http:\n  lisen: []\n", 8, "unknown key 'lisen' in http");
  check_error(kHead + "http:\n  max-connections: 0\n", 8, "http.max-connections");
  check_error(kHead + "http:\n  idle-timeout: 0\n", 8, "http.idle-timeout");
  check_error(kHead + "http:\n  tls: { cert: c.pem }\n", 8, "needs both cert and key");
  check_error(kHead + "http:\n  tls: { cert: /nonexistent/c.pem, key: /nonexistent/k.pem }\n", 8,
              "cannot read /nonexistent/c.pem");
  check_error(kHead + "http:\n  tokens-file: /nonexistent/tokens.yaml\n", 8,
              "cannot read /nonexistent/tokens.yaml");
}

TEST_CASE("the tokens file: entries and their errors with the file's own lines") {
  TempDir dir("conf-http");
  const std::string file = dir.path + "/tokens.yaml";
  const std::string hash(64, 'a');
  write(file, "- name: tenant\n  sha256: " + hash +
                  "\n  scopes: [write]\n  prefixes: [192.0.2.0/26, \"2001:db8::/56\"]\n"
                  "  quota: 5\n  expires: 2030-01-01\n- name: ops\n  sha256: " +
                  hash + "\n  scopes: admin\n");
  Config c = load(kHead + "http:\n  listen: [\"127.0.0.1:8053\"]\n  tokens-file: " + file + "\n");
  REQUIRE(c.http.tokens.size() == 2);
  CHECK(c.http.tokens[0].name == "tenant");
  CHECK(c.http.tokens[0].sha256 == std::string(32, '\xaa'));
  CHECK(c.http.tokens[0].prefixes.size() == 2);
  CHECK(c.http.tokens[0].quota == 5);
  CHECK(c.http.tokens[1].scopes == std::vector<std::string>{"admin"});

  auto file_error = [&](const std::string& text, int line, const std::string& reason) {
    write(file, text);
    const std::string what = error_of(kHead + "http:\n  tokens-file: " + file + "\n");
    INFO(what);
    CHECK(what.rfind(file + ":" + std::to_string(line) + ": ", 0) == 0);
    CHECK(what.find(reason) != std::string::npos);
  };
  file_error("- name: t\n  sha256: abc\n  scopes: [read]\n  prefixes: [192.0.2.0/24]\n", 2,
             "64 hex digits");
  file_error("- name: t\n  sha256: " + hash + "\n  scopes: [fly]\n  prefixes: [192.0.2.0/24]\n", 3,
             "unknown scope 'fly'");
  file_error("- name: t\n  sha256: " + hash + "\n  scopes: [read]\n  prefixes: [192.0.2.0/33]\n", 4,
             "192.0.2.0/33");
  file_error("- name: t\n  sha256: " + hash + "\n  scopes: [read]\n", 1, "needs prefixes");
  file_error("- name: t\n  sha256: " + hash + "\n  scopes: [admin]\n  expires: tomorrow\n", 4,
             "must be a date");
  file_error("- name: t\n  sha256: " + hash + "\n  scopes: [admin]\n- name: t\n  sha256: " + hash +
                 "\n  scopes: [admin]\n",
             4, "listed twice");
  file_error("- name: t\n  colour: red\n", 2, "unknown key 'colour'");
  file_error("- name: t\n", 1, "needs name, sha256 and scopes");
}
