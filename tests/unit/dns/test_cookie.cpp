// DNS Cookies (RFC 7873) with RFC 9018 server cookies: SipHash-2-4 against OpenSSL's,
// the construction against RFC 9018's test vectors (Appendix A), and the answer core's
// handling: cookies answered, echoed, renewed, refused (FORMERR, BADCOOKIE) as the RFCs
// say; what the rate limiter reads of an answer (outcome) and the slipped form (slip).
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <string>
#include <vector>

#include "server/dns/answer.h"
#include "server/dns/cookie.h"
#include "server/dns/siphash.h"
#include "tests/support/answer_fixture.h"

using namespace rdnsd::dns;
using namespace rdnsd::dns::testing;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

cookie::Secret secret_of(std::string_view hex32) {
  const std::string raw = unhex(hex32);
  cookie::Secret s{};
  std::memcpy(s.data(), raw.data(), s.size());
  return s;
}

// An address as bytes, kept alive by the caller.
std::vector<uint8_t> ip_bytes(const char* text) {
  std::vector<uint8_t> b(16);
  if (inet_pton(AF_INET, text, b.data()) == 1) {
    b.resize(4);
  } else {
    REQUIRE(inet_pton(AF_INET6, text, b.data()) == 1);
  }
  return b;
}

ClientIp client_of(const std::vector<uint8_t>& b) {
  return {b.data(), uint8_t(b.size())};
}

// OpenSSL's SipHash-2-4 (EVP_MAC "SIPHASH", 8-byte output), the independent oracle.
uint64_t openssl_siphash(const uint8_t key[16], const uint8_t* in, size_t len) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  REQUIRE(mac != nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_end()};
  REQUIRE(EVP_MAC_init(ctx, key, 16, params) == 1);
  REQUIRE(EVP_MAC_update(ctx, in, len) == 1);
  uint8_t out[16];
  size_t out_len = 0;
  REQUIRE(EVP_MAC_final(ctx, out, &out_len, sizeof out) == 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  REQUIRE(out_len == 8);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | out[i];
  return v;
}

// A fixture whose answerer has a fixed clock and the given configured secrets.
struct CookieFixture {
  TestSource source;
  AnswerConfig config = standard_config();
  uint64_t now = 1559731985;
  Answerer answerer{config, source};
  CookieFixture() {
    fill_standard(source);
    config.clock = [this] { return now; };
  }
  // The answer is made in `out`, which the fixture keeps: outcome() reads it.
  std::vector<uint8_t> out = std::vector<uint8_t>(65535);
  Reply ask(const QueryBuilder& b, ClientIp client, Transport t = Transport::Udp) {
    const std::vector<uint8_t> query = b.build();
    const size_t n = answerer.answer(query.data(), query.size(), out.data(), out.size(), t, client);
    return parse_reply(std::vector<uint8_t>(out.begin(), out.begin() + long(n)));
  }
  static Reply parse_reply(std::vector<uint8_t> bytes) {
    Reply r;
    r.bytes = std::move(bytes);
    ldns_pkt* p = nullptr;
    if (!r.bytes.empty()) r.status = ldns_wire2pkt(&p, r.bytes.data(), r.bytes.size());
    if (r.status == LDNS_STATUS_OK) r.pkt.reset(p);
    return r;
  }
};

// The COOKIE option of a reply, as hex; empty when there is none.
std::string cookie_hex(const Reply& r) {
  for (const EdnsOption& o : r.options())
    if (o.code == 10) return hex(o.data);
  return "";
}

// The 12-bit RCODE: the header's 4 bits and the OPT's upper 8 (RFC 6891 section 6.1.3).
unsigned full_rcode(const Reply& r) {
  return unsigned(ldns_pkt_edns_extended_rcode(r.pkt.get())) << 4 | r.rcode();
}

QueryBuilder ptr_with_cookie(std::string_view cookie_hex_text) {
  return q("2.2.0.192.in-addr.arpa.").option(10, unhex(cookie_hex_text));
}

const char* kSecretA = "e5e973e5a6b2a43f48e7dc849e37bfcf";

}  // namespace

TEST_CASE("SipHash-2-4: the paper's vector and OpenSSL's results for every length to 64") {
  uint8_t key[16], in[64];
  for (int i = 0; i < 16; ++i) key[i] = uint8_t(i);
  for (int i = 0; i < 64; ++i) in[i] = uint8_t(i);
  CHECK(siphash24(key, in, 15) == 0xa129ca6149be45e5ull);  // the paper's Appendix A
  std::mt19937 rng(7);
  for (size_t len = 0; len <= 64; ++len) {
    for (auto& k : key) k = uint8_t(rng());
    for (auto& b : in) b = uint8_t(rng());
    CHECK_MESSAGE(siphash24(key, in, len) == openssl_siphash(key, in, len), "length ", len);
  }
}

TEST_CASE("RFC 9018 Appendix A: the server cookies of the four examples") {
  struct Vector {
    const char* secret;
    const char* client;
    const char* ip;
    uint32_t at;
    const char* server;
  };
  const Vector vectors[] = {
      {kSecretA, "2464c4abcf10c957", "198.51.100.100", 1559731985,
       "010000005cf79f111f8130c3eee29480"},
      {kSecretA, "2464c4abcf10c957", "198.51.100.100", 1559734385,
       "010000005cf7a871d4a564a1442aca77"},
      {kSecretA, "fc93fc62807ddb86", "203.0.113.203", 1559734700,
       "010000005cf7a9acf73a7810aca2381e"},
      {"445536bcd2513298075a5d379663c962", "22681ab97d52c298", "2001:db8:220:1:59de:d0f4:8769:82b8",
       1559741961, "010000005cf7c609a6bb79d16625507a"},
  };
  for (const Vector& v : vectors) {
    const auto ip = ip_bytes(v.ip);
    const std::string client = unhex(v.client);
    uint8_t out[cookie::kServerLen];
    cookie::make(secret_of(v.secret), reinterpret_cast<const uint8_t*>(client.data()), v.at,
                 client_of(ip), out);
    CHECK(hex(std::string_view(reinterpret_cast<char*>(out), sizeof out)) == v.server);
    CHECK(cookie::hash_matches(secret_of(v.secret), reinterpret_cast<const uint8_t*>(client.data()),
                               out, client_of(ip)));
  }
  // A.3's query: reserved octets the client set are hashed as received.
  const std::string a3 = unhex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
  const auto* a3b = reinterpret_cast<const uint8_t*>(a3.data());
  const auto a3ip = ip_bytes("203.0.113.203");
  CHECK(cookie::hash_matches(secret_of(kSecretA), a3b, a3b + 8, client_of(a3ip)));
  const auto other = ip_bytes("203.0.113.204");
  CHECK_FALSE(cookie::hash_matches(secret_of(kSecretA), a3b, a3b + 8, client_of(other)));
}

TEST_CASE("RFC 9018 section 4.3: an hour of life, five minutes of skew, renewed at half an hour") {
  const uint32_t now = 1559731985;
  CHECK(cookie::usable(now, now));
  CHECK(cookie::usable(now - 3600, now));
  CHECK_FALSE(cookie::usable(now - 3601, now));
  CHECK(cookie::usable(now + 300, now));
  CHECK_FALSE(cookie::usable(now + 301, now));
  CHECK_FALSE(cookie::worn(now - 1799, now));
  CHECK(cookie::worn(now - 1800, now));
  CHECK(cookie::usable(4294964696u, 1000));  // an hour old across the 2^32 wrap
  CHECK(cookie::worn(4294964696u, 1000));
}

TEST_CASE("a client cookie alone gets RFC 9018's A.1 server cookie in the answer") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of(kSecretA)};
  const auto ip = ip_bytes("198.51.100.100");
  Reply r = f.ask(ptr_with_cookie("2464c4abcf10c957"), client_of(ip));
  REQUIRE(r.parsed());
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 1);
  CHECK(cookie_hex(r) == "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
  CHECK(f.answerer.outcome().cookie == CookieState::ClientOnly);
  // Over TCP too.
  r = f.ask(ptr_with_cookie("2464c4abcf10c957"), client_of(ip), Transport::Tcp);
  CHECK(cookie_hex(r) == "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
}

TEST_CASE("a valid server cookie: echoed while young, renewed after half an hour (A.2, A.3)") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of(kSecretA)};
  const auto ip = ip_bytes("198.51.100.100");
  const char* a1 = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
  f.now = 1559731985 + 600;
  Reply r = f.ask(ptr_with_cookie(a1), client_of(ip));
  CHECK(cookie_hex(r) == a1);
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  f.now = 1559734385;  // A.2: 40 minutes on
  r = f.ask(ptr_with_cookie(a1), client_of(ip));
  CHECK(cookie_hex(r) == "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  // A.3: another client whose cookie has reserved octets set gets a clean one. (The
  // example's cookie is 1 h 52 min old there, past the hour of section 4.3, so it is no
  // longer valid; the fresh cookie is the example's either way.)
  const auto ip3 = ip_bytes("203.0.113.203");
  const char* a3 = "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5";
  f.now = 1559734700;
  r = f.ask(ptr_with_cookie(a3), client_of(ip3));
  CHECK(f.answerer.outcome().cookie == CookieState::Invalid);
  CHECK(cookie_hex(r) == "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");
  f.now = 1559727985 + 60;  // a minute after it was made: valid, renewed for its reserved
  r = f.ask(ptr_with_cookie(a3), client_of(ip3));
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  CHECK(cookie_hex(r).substr(16, 8) == "01000000");
}

TEST_CASE("A.4: after a rollover the old secret is accepted and the new one makes the cookie") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of("445536bcd2513298075a5d379663c962"),
                                 secret_of("dd3bdf9344b678b185a6f5cb60fca715")};
  const auto ip = ip_bytes("2001:db8:220:1:59de:d0f4:8769:82b8");
  f.now = 1559741961;
  Reply r =
      f.ask(ptr_with_cookie("22681ab97d52c298010000005cf7c57926556bd0934c72f8"), client_of(ip));
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  CHECK(cookie_hex(r) == "22681ab97d52c298010000005cf7c609a6bb79d16625507a");
  // Without the old secret the same cookie is not ours: answered, with a fresh cookie.
  f.config.cookies.configured.pop_back();
  r = f.ask(ptr_with_cookie("22681ab97d52c298010000005cf7c57926556bd0934c72f8"), client_of(ip));
  CHECK(r.rcode() == 0);
  CHECK(r.an() == 1);
  CHECK(f.answerer.outcome().cookie == CookieState::Invalid);
  CHECK(cookie_hex(r) == "22681ab97d52c298010000005cf7c609a6bb79d16625507a");
}

TEST_CASE("cookies that are not valid: another address, too old, from the future, not ours") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of(kSecretA)};
  const char* a1 = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
  const auto ip = ip_bytes("198.51.100.100");
  const auto other = ip_bytes("198.51.100.101");
  auto state = [&](const char* cookie, ClientIp client) {
    Reply r = f.ask(ptr_with_cookie(cookie), client);
    CHECK(r.rcode() == 0);  // answered normally (RFC 7873 section 5.2.4)
    CHECK(cookie_hex(r).substr(0, 16) == std::string(cookie).substr(0, 16));
    return f.answerer.outcome().cookie;
  };
  CHECK(state(a1, client_of(other)) == CookieState::Invalid);
  f.now = 1559731985 + 3601;
  CHECK(state(a1, client_of(ip)) == CookieState::Invalid);
  f.now = 1559731985 - 301;
  CHECK(state(a1, client_of(ip)) == CookieState::Invalid);
  f.now = 1559731985 + 3600;
  CHECK(state(a1, client_of(ip)) == CookieState::Valid);
  f.now = 1559731985;
  // An 8-byte or 32-byte server cookie of some other server's making.
  CHECK(state("2464c4abcf10c9570102030405060708", client_of(ip)) == CookieState::Invalid);
  CHECK(state("2464c4abcf10c957000000005cf79f111f8130c3eee29480", client_of(ip)) ==
        CookieState::Invalid);  // version 0
}

TEST_CASE("a COOKIE of a length RFC 7873 section 5.2.2 forbids is FORMERR") {
  CookieFixture f;
  const auto ip = ip_bytes("192.0.2.7");
  for (size_t len : {0, 1, 7, 9, 12, 15, 41, 60}) {
    Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").option(10, std::string(len, 'x')), client_of(ip));
    CHECK_MESSAGE(r.rcode() == 1, "length ", len);
    CHECK(r.an() == 0);
  }
  for (size_t len : {8, 16, 40}) {
    Reply r = f.ask(q("2.2.0.192.in-addr.arpa.").option(10, std::string(len, 'x')), client_of(ip));
    CHECK_MESSAGE(r.rcode() == 0, "length ", len);
    CHECK(r.an() == 1);
    CHECK(cookie_hex(r).size() == 48);
  }
}

// A QUERY with no question and an OPT holding `options` (raw option bytes).
std::vector<uint8_t> no_question(const std::string& cookie) {
  std::vector<uint8_t> b = {0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  put16(b, 41);
  put16(b, 1232);
  put32(b, 0);
  if (cookie.empty()) {
    put16(b, 0);
    return b;
  }
  put16(b, uint16_t(4 + cookie.size()));
  put16(b, 10);
  put16(b, uint16_t(cookie.size()));
  b.insert(b.end(), cookie.begin(), cookie.end());
  return b;
}

TEST_CASE("RFC 7873 section 5.4: no question and a COOKIE asks for a server cookie") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of(kSecretA)};
  const auto ip = ip_bytes("198.51.100.100");
  auto ask_bytes = [&](const std::vector<uint8_t>& bytes) {
    const size_t n = f.answerer.answer(bytes.data(), bytes.size(), f.out.data(), 512,
                                       Transport::Udp, client_of(ip));
    return CookieFixture::parse_reply(std::vector<uint8_t>(f.out.begin(), f.out.begin() + long(n)));
  };
  const char* a1 = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
  Reply r = ask_bytes(no_question(unhex("2464c4abcf10c957")));
  REQUIRE(r.parsed());
  CHECK(full_rcode(r) == 0);
  CHECK((r.qd() == 0 && r.an() == 0 && r.ns() == 0));
  CHECK(cookie_hex(r) == a1);
  CHECK(f.answerer.outcome().kind == AnswerKind::Error);
  // With our valid server cookie: NOERROR; with a bad one: BADCOOKIE and a fresh one.
  r = ask_bytes(no_question(unhex(a1)));
  CHECK(full_rcode(r) == 0);
  CHECK(cookie_hex(r) == a1);
  std::string bad = unhex(a1);
  bad.back() ^= 1;
  r = ask_bytes(no_question(bad));
  CHECK(full_rcode(r) == 23);
  CHECK(cookie_hex(r) == a1);  // a fresh one: the same at the same second
  // No COOKIE: FORMERR, as before.
  CHECK(ask_bytes(no_question("")).rcode() == 1);
}

TEST_CASE("generated secrets: a cookie holds across a rotation, and the master is not used") {
  CookieFixture f;  // no configured secret: a master, derived per kRotation seconds
  f.config.cookies.master = secret_of("00112233445566778899aabbccddeeff");
  const auto ip = ip_bytes("192.0.2.9");
  f.now = uint64_t(cookie::kRotation) * 20000 - 10;  // ten seconds before a rotation
  Reply r = f.ask(ptr_with_cookie("0102030405060708"), client_of(ip));
  const std::string first = cookie_hex(r);
  REQUIRE(first.size() == 48);
  const std::string raw = unhex(first);
  uint8_t with_master[cookie::kServerLen];
  cookie::make(f.config.cookies.master, reinterpret_cast<const uint8_t*>(raw.data()),
               uint32_t(f.now), client_of(ip), with_master);
  CHECK(hex(std::string_view(reinterpret_cast<char*>(with_master), 16)) != first.substr(16));
  f.now += 5;  // the same period: sent back as it came
  r = f.ask(ptr_with_cookie(first), client_of(ip));
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  CHECK(cookie_hex(r) == first);
  f.now += 95;  // the next period: the previous secret is still accepted, and renewed
  r = f.ask(ptr_with_cookie(first), client_of(ip));
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  const std::string renewed = cookie_hex(r);
  CHECK(renewed != first);
  r = f.ask(ptr_with_cookie(renewed), client_of(ip));
  CHECK(f.answerer.outcome().cookie == CookieState::Valid);
  CHECK(cookie_hex(r) == renewed);
  f.now += cookie::kRotation;  // two periods on (and past the hour): not valid
  f.ask(ptr_with_cookie(first), client_of(ip));
  CHECK(f.answerer.outcome().cookie == CookieState::Invalid);
}

TEST_CASE("outcome: the answer's class and name for the rate limiter") {
  CookieFixture f;
  const auto ip = ip_bytes("192.0.2.9");
  f.ask(q("2.2.0.192.in-addr.arpa."), client_of(ip));
  Answerer::Outcome o = f.answerer.outcome();
  CHECK(o.kind == AnswerKind::Normal);
  CHECK(o.name == to_key("2.2.0.192.in-addr.arpa."));
  CHECK(o.qtype == kPtr);
  CHECK(o.cookie == CookieState::None);
  f.ask(q("99.2.0.192.IN-ADDR.arpa."), client_of(ip));  // NXDOMAIN, any case
  o = f.answerer.outcome();
  CHECK(o.kind == AnswerKind::NxDomain);
  CHECK(o.name == to_key("2.0.192.in-addr.arpa."));
  f.ask(q("2.2.0.192.in-addr.arpa.", kTxt), client_of(ip));  // NODATA
  o = f.answerer.outcome();
  CHECK(o.kind == AnswerKind::NoData);
  CHECK(o.name == to_key("2.0.192.in-addr.arpa."));
  f.ask(q("example.com.", kA), client_of(ip));  // REFUSED
  CHECK(f.answerer.outcome().kind == AnswerKind::Error);
  CHECK(f.answerer.outcome().name.empty());
  QueryBuilder bad = q("2.2.0.192.in-addr.arpa.");
  bad.ancount = 3;  // lying count: FORMERR
  f.ask(bad, client_of(ip));
  CHECK(f.answerer.outcome().kind == AnswerKind::Error);
}

TEST_CASE("slip: the question with TC, or BADCOOKIE to a client cookie") {
  CookieFixture f;
  f.config.cookies.configured = {secret_of(kSecretA)};
  const auto ip = ip_bytes("198.51.100.100");
  const std::vector<uint8_t> query = q("2.2.0.192.in-addr.arpa.").with_edns().build();
  std::vector<uint8_t> out(1232);
  REQUIRE(f.answerer.answer(query.data(), query.size(), out.data(), out.size(), Transport::Udp,
                            client_of(ip)) > 0);
  size_t n = f.answerer.slip();
  Reply r = CookieFixture::parse_reply(std::vector<uint8_t>(out.begin(), out.begin() + long(n)));
  REQUIRE(r.parsed());
  CHECK(r.tc());
  CHECK(r.rcode() == 0);
  CHECK((r.qd() == 1 && r.an() == 0 && r.ns() == 0 && r.ar() == 1));
  CHECK(question_echoed(r, query));
  CHECK(r.options().empty());  // no NSID in a slipped answer
  const std::vector<uint8_t> with_cookie = ptr_with_cookie("2464c4abcf10c957").build();
  REQUIRE(f.answerer.answer(with_cookie.data(), with_cookie.size(), out.data(), out.size(),
                            Transport::Udp, client_of(ip)) > 0);
  n = f.answerer.slip();
  r = CookieFixture::parse_reply(std::vector<uint8_t>(out.begin(), out.begin() + long(n)));
  CHECK_FALSE(r.tc());
  CHECK(full_rcode(r) == 23);
  CHECK(r.an() == 0);
  CHECK(cookie_hex(r) == "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
  // No EDNS: just the header and the question.
  const std::vector<uint8_t> plain = q("2.2.0.192.in-addr.arpa.").build();
  REQUIRE(f.answerer.answer(plain.data(), plain.size(), out.data(), out.size(), Transport::Udp,
                            client_of(ip)) > 0);
  CHECK(f.answerer.slip() == plain.size());
  CHECK((out[2] & 0x02) != 0);
}
