// What verification says about requests that are not right, in RFC 8945 5.2's order, and
// the error answers: BADKEY/BADSIG unsigned, BADTIME/BADTRUNC signed.
#include <doctest/doctest.h>

#include "tests/support/tsig_fixture.h"

using namespace rdnsd::tsig;
using namespace rdnsd::tsig::testing;

namespace {

constexpr uint64_t kNow = 1'800'000'000;

const Key& sha256_key() {
  static const Key key = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  return key;
}

Bytes signed_query(uint64_t when = kNow) {
  return sign_ours(query(), sha256_key(), when);
}

Verified check(const Bytes& msg, uint64_t now = kNow) {
  static const Keyring ring = all_keys();
  return verify_request(msg.data(), msg.size(), ring, now);
}

}  // namespace

TEST_CASE("an unsigned message is None, and a signed one is Ok") {
  CHECK(check(query()).status == Status::None);
  const Verified v = check(signed_query());
  CHECK(v.status == Status::Ok);
  REQUIRE(v.key != nullptr);
  CHECK(v.key->name == "k-sha256.");
  CHECK(v.time_signed == kNow);
}

TEST_CASE("unknown key: BadKey, no key, and the answer's TSIG is unsigned") {
  const Key stranger = make_key("stranger.", Algorithm::HmacSha256, kSecret);
  const Bytes msg = sign_ours(query(), stranger, kNow);
  const Verified v = check(msg);
  CHECK(v.status == Status::BadKey);
  CHECK(v.error == error::kBadKey);
  CHECK(v.key == nullptr);
  // An empty keyring knows no key either.
  const Keyring none;
  CHECK(verify_request(msg.data(), msg.size(), none, kNow).status == Status::BadKey);

  // The error answer: NOTAUTH is the caller's; the TSIG echoes the key and algorithm
  // names and the request's time, with an empty MAC and BADKEY.
  Bytes answer = answer_to(msg);
  const size_t len = answer.size();
  answer.resize(len + answer_size(v));
  REQUIRE(answer_size(v) == unsigned_error_size(v.located));
  REQUIRE(append_unsigned_error(answer.data(), len, answer.size(), v.located, v.error) ==
          answer.size());
  CHECK(sign_answer(answer.data(), len, answer.size(), v, kNow) == 0);  // never signed
  const Located t = locate(answer.data(), answer.size());
  REQUIRE(t.found == Found::Ok);
  CHECK(t.mac_len == 0);
  CHECK(t.error == error::kBadKey);
  CHECK(t.time_signed == kNow);
  CHECK(t.original_id == 0x4242);
  CHECK(Bytes(t.key_name, t.key_name + t.key_name_len) == wire_name("stranger."));
  CHECK(Bytes(t.algorithm, t.algorithm + t.algorithm_len) == wire_name("hmac-sha256."));
  // ldns parses it and, having no MAC to check, does not accept it as signed.
  Pkt p = parse(answer);
  REQUIRE(p);
  REQUIRE(ldns_pkt_tsig(p.get()) != nullptr);
  CHECK_FALSE(verify_ldns(answer, "stranger.", v.request_mac()));
  // As a client we read it as the other side's BADKEY.
  CHECK(verify_response(answer.data(), answer.size(), stranger, v.request_mac(), kNow).status ==
        Status::BadKey);
}

TEST_CASE("an algorithm other than the key's is BadKey") {
  // The name of our SHA-256 key, signed with SHA-1 (by ldns, so with its own clock).
  const Bytes msg = sign_ldns(query(), "k-sha256.", Algorithm::HmacSha1);
  REQUIRE(!msg.empty());
  const Verified v = check(msg, wall_clock());
  CHECK(v.status == Status::BadKey);
  CHECK(v.key == nullptr);
  // An algorithm nobody knows, same key name: BadKey too.
  Bytes odd = signed_query();
  const Located t = locate(odd.data(), odd.size());
  const size_t alg_at = t.offset + t.key_name_len + 10;
  odd[alg_at + 10] = '9';  // hmac-sha296.
  CHECK(check(odd).status == Status::BadKey);
}

TEST_CASE("one flipped bit anywhere the MAC covers is BadSig") {
  const Bytes msg = signed_query();
  const Located t = locate(msg.data(), msg.size());
  REQUIRE(t.last());
  const size_t mac_at = static_cast<size_t>(t.mac - msg.data());
  // The MAC itself (first and last octet), a header flag, the question, Time Signed's
  // low octet, the Fudge, the Original ID, the Error.
  for (size_t at :
       {mac_at, mac_at + 31, size_t{3}, size_t{13}, mac_at - 5, mac_at - 3, t.end - 6, t.end - 4}) {
    CAPTURE(at);
    Bytes bad = msg;
    bad[at] ^= 0x01;
    const Verified v = check(bad);
    CHECK(v.status == Status::BadSig);
    CHECK(v.error == error::kBadSig);
    CHECK(v.key == nullptr);
    CHECK(answer_size(v) == unsigned_error_size(v.located));
  }
  // The header's ID is not covered (the Original ID is): a forwarder may change it.
  Bytes new_id = msg;
  new_id[0] ^= 0xFF;
  CHECK(check(new_id).status == Status::Ok);
  // The key name's case is not covered either: the digest takes it lower case.
  Bytes upper = msg;
  upper[t.offset + 1] = 'K';
  CHECK(check(upper).status == Status::Ok);
}

TEST_CASE("time: within the fudge is Ok, 301 s off with fudge 300 is BadTime, signed") {
  const Bytes msg = signed_query(kNow);
  CHECK(check(msg, kNow + 300).status == Status::Ok);
  CHECK(check(msg, kNow - 300).status == Status::Ok);
  for (uint64_t now : {kNow + 301, kNow - 301}) {
    CAPTURE(now);
    const Verified v = check(msg, now);
    CHECK(v.status == Status::BadTime);
    CHECK(v.error == error::kBadTime);
    REQUIRE(v.key != nullptr);  // the MAC was good: the answer is signed
    CHECK(v.mac_len == 32);
    // The BADTIME answer: the request's Time Signed, our clock in Other Data, signed
    // with the request's MAC (ldns checks the MAC, not the time).
    Bytes answer = answer_to(msg);
    const size_t len = answer.size();
    answer.resize(len + answer_size(v));
    CHECK(answer_size(v) == signed_size(*v.key, 6));
    REQUIRE(sign_answer(answer.data(), len, answer.size(), v, now) == answer.size());
    CHECK(verify_ldns(answer, "k-sha256.", v.request_mac()));
    const Located t = locate(answer.data(), answer.size());
    REQUIRE(t.last());
    CHECK(t.error == error::kBadTime);
    CHECK(t.time_signed == kNow);
    REQUIRE(t.other_len == 6);
    uint64_t server_time = 0;
    for (size_t i = 0; i < 6; ++i) server_time = server_time << 8 | t.other[i];
    CHECK(server_time == now);
    // The client reads it as BADTIME (its own clock agrees with the echoed time).
    const Verified r = verify_response(answer.data(), answer.size(), *v.key, v.request_mac(), kNow);
    CHECK(r.status == Status::BadTime);
    CHECK(r.error == error::kBadTime);
  }
}

TEST_CASE("MAC sizes: truncation as RFC 8945 5.2.2.1 and 5.2.4 say") {
  const Bytes msg = signed_query();  // SHA-256: 32 octets
  SUBCASE("allowed truncation that verifies: BadTrunc, and the answer is signed") {
    for (size_t keep : {16, 20, 31}) {
      CAPTURE(keep);
      const Verified v = check(truncate_mac(msg, keep));
      CHECK(v.status == Status::BadTrunc);
      CHECK(v.error == error::kBadTrunc);
      REQUIRE(v.key != nullptr);
      CHECK(v.mac_len == keep);  // the truncated MAC is the answer's prior MAC
      CHECK(answer_size(v) == signed_size(*v.key));
    }
  }
  SUBCASE("allowed truncation that does not verify: BadSig") {
    Bytes t = truncate_mac(msg, 16);
    const Located l = locate(t.data(), t.size());
    t[static_cast<size_t>(l.mac - t.data()) + 15] ^= 0x80;
    CHECK(check(t).status == Status::BadSig);
  }
  SUBCASE("shorter than max(10, hash/2), or longer than the hash: FormErr") {
    for (size_t keep : {15, 10, 1, 0}) {
      CAPTURE(keep);
      const Verified v = check(truncate_mac(msg, keep));
      CHECK(v.status == Status::FormErr);
      CHECK(answer_size(v) == 0);
    }
    Bytes longer(33, 0xAB);
    CHECK(check(replace_mac(msg, longer)).status == Status::FormErr);
  }
  SUBCASE("the 10-octet floor for short hashes: MD5 and SHA-1") {
    for (Algorithm a : {Algorithm::HmacMd5, Algorithm::HmacSha1}) {
      CAPTURE(static_cast<int>(a));
      const Key key = make_key(key_name_for(a), a, kSecret);
      const Bytes m = sign_ours(query(), key, kNow);
      CHECK(check(truncate_mac(m, 10)).status == Status::BadTrunc);
      CHECK(check(truncate_mac(m, 9)).status == Status::FormErr);
    }
  }
}

TEST_CASE("placement (RFC 8945 5.2): only one TSIG, the last RR, else FormErr") {
  const Bytes msg = signed_query();
  SUBCASE("a record after the TSIG") {
    Bytes after = msg;
    add_rr(after, 10, 1, {192, 0, 2, 1});
    CHECK(locate(after.data(), after.size()).found == Found::Misplaced);
    CHECK(check(after).status == Status::FormErr);
  }
  SUBCASE("two TSIGs") {
    const Located t = locate(msg.data(), msg.size());
    Bytes two = msg;
    two.insert(two.end(), msg.begin() + static_cast<long>(t.offset), msg.end());
    set16(two, 10, 2);
    CHECK(locate(two.data(), two.size()).found == Found::Misplaced);
    CHECK(check(two).status == Status::FormErr);
  }
  SUBCASE("the TSIG in the answer or authority section") {
    for (size_t count_at : {size_t{6}, size_t{8}}) {
      Bytes moved = msg;
      set16(moved, 10, 0);
      set16(moved, count_at, 1);
      CHECK(locate(moved.data(), moved.size()).found == Found::Misplaced);
      CHECK(check(moved).status == Status::FormErr);
    }
  }
  SUBCASE("a truncated TSIG RR, cut anywhere") {
    const Located t = locate(msg.data(), msg.size());
    for (size_t len = t.offset; len < msg.size(); ++len) {
      CAPTURE(len);
      const Bytes cut(msg.begin(), msg.begin() + static_cast<long>(len));
      const Verified v = check(cut);
      CHECK(v.status == Status::FormErr);
      CHECK(answer_size(v) == 0);
    }
  }
  SUBCASE("RDATA whose fields do not fill RDLENGTH exactly") {
    const Located t = locate(msg.data(), msg.size());
    Bytes longer = msg;
    longer.push_back(0);
    const size_t rdlen_at = t.offset + t.key_name_len + 8;
    set16(longer, rdlen_at, static_cast<uint16_t>(get16(longer, rdlen_at) + 1));
    CHECK(locate(longer.data(), longer.size()).found == Found::Malformed);
    CHECK(check(longer).status == Status::FormErr);
    // Other Len claiming more than there is.
    Bytes other = msg;
    set16(other, other.size() - 2, 1);
    CHECK(check(other).status == Status::FormErr);
  }
  SUBCASE("counts larger than the message") {
    // The TSIG is then not the last RR counted.
    Bytes lying = msg;
    set16(lying, 10, 2);
    CHECK(locate(lying.data(), lying.size()).found == Found::Misplaced);
    CHECK(check(lying).status == Status::FormErr);
    // No TSIG, and a record counted that is not there: the walk fails.
    Bytes unsigned_lying = query();
    set16(unsigned_lying, 10, 1);
    CHECK(locate(unsigned_lying.data(), unsigned_lying.size()).found == Found::Unparsable);
    CHECK(check(unsigned_lying).status == Status::FormErr);
  }
}

TEST_CASE("a compressed key name in the TSIG owner is followed") {
  // The question name is the key's name: the TSIG's owner can point at it.
  const Bytes msg = sign_ours(query("k-sha256."), sha256_key(), kNow);
  const Located t = locate(msg.data(), msg.size());
  Bytes compressed(msg.begin(), msg.begin() + static_cast<long>(t.offset));
  compressed.push_back(0xC0);
  compressed.push_back(0x0C);
  compressed.insert(compressed.end(), msg.begin() + static_cast<long>(t.offset + t.key_name_len),
                    msg.end());
  const Located c = locate(compressed.data(), compressed.size());
  REQUIRE(c.found == Found::Ok);
  CHECK(Bytes(c.key_name, c.key_name + c.key_name_len) == wire_name("k-sha256."));
  CHECK(check(compressed).status == Status::Ok);
  // A pointer forwards (or to itself) is refused.
  Bytes forward = compressed;
  forward[t.offset + 1] = static_cast<uint8_t>(t.offset);
  CHECK(check(forward).status == Status::FormErr);
}

TEST_CASE("sign refuses what does not fit and leaves the buffer alone") {
  Bytes msg = query();
  const size_t len = msg.size();
  const size_t need = signed_size(sha256_key());
  msg.resize(len + need);
  const Bytes before = msg;
  SignSpec spec;
  spec.key = &sha256_key();
  spec.time_signed = kNow;
  CHECK(sign(msg.data(), len, len + need - 1, spec) == 0);
  CHECK(msg == before);
  spec.key = nullptr;
  CHECK(sign(msg.data(), len, msg.size(), spec) == 0);
  spec.key = &sha256_key();
  CHECK(sign(msg.data(), 11, msg.size(), spec) == 0);
  CHECK(sign(msg.data(), len, msg.size(), spec) == len + need);
  CHECK(get16(msg, 10) == 1);
  // The Original ID may be set apart from the header's (and the MAC digests it).
  Bytes other_id = query();
  other_id.resize(len + need);
  spec.original_id = 0x1234;
  REQUIRE(sign(other_id.data(), len, other_id.size(), spec) == len + need);
  const Located t = locate(other_id.data(), other_id.size());
  CHECK(t.original_id == 0x1234);
  CHECK(check(other_id).status == Status::Ok);
}
