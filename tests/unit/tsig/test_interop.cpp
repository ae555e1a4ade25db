// Signing and verifying against independent implementations: ldns (signs and verifies in
// the test) for MD5, SHA-1, SHA-256 and SHA-512, and messages captured from kdig (Knot
// 3.2.6) and dig (BIND 9.18) for SHA-224 and SHA-384, which ldns 1.8.3 lacks.
#include <doctest/doctest.h>

#include "tests/support/tsig_fixture.h"

using namespace rdnsd::tsig;
using namespace rdnsd::tsig::testing;

TEST_CASE("a request ldns signs verifies with ours, for every algorithm ldns has") {
  const Keyring ring = all_keys();
  for (Algorithm a : kLdnsAlgorithms) {
    CAPTURE(ldns_name_of(a));
    const Bytes signed_query = sign_ldns(query(), key_name_for(a), a);
    REQUIRE(!signed_query.empty());
    const Verified v = verify_request(signed_query.data(), signed_query.size(), ring, wall_clock());
    CHECK(v.status == Status::Ok);
    CHECK(v.error == error::kNone);
    REQUIRE(v.key != nullptr);
    CHECK(v.key->algorithm == a);
    CHECK(v.mac_len == mac_size(a));
    CHECK(Bytes(v.mac, v.mac + v.mac_len) == tsig_mac_of(signed_query));
    CHECK(v.located.original_id == 0x4242);
    CHECK(v.located.fudge == 300);
  }
}

TEST_CASE("a request we sign verifies with ldns, and the key name's case does not matter") {
  for (Algorithm a : kLdnsAlgorithms) {
    CAPTURE(ldns_name_of(a));
    const Key key = make_key(key_name_for(a), a, kSecret);
    const Bytes signed_query = sign_ours(query(), key, wall_clock());
    REQUIRE(signed_query.size() == query().size() + signed_size(key));
    CHECK(verify_ldns(signed_query, key_name_for(a)));
    CHECK_FALSE(verify_ldns(signed_query, "other-key."));
    // ldns digests the key name it is given in canonical (lower) case, as we do.
    std::string upper = key_name_for(a);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(verify_ldns(signed_query, upper));
  }
  // A request ldns signs with an upper-case key name: found and verified.
  const Keyring ring = all_keys();
  const Bytes upper = sign_ldns(query(), "K-SHA256.", Algorithm::HmacSha256);
  CHECK(verify_request(upper.data(), upper.size(), ring, wall_clock()).status == Status::Ok);
}

TEST_CASE("our answer to an ldns request verifies with ldns, and ldns's answer with ours") {
  const Keyring ring = all_keys();
  for (Algorithm a : kLdnsAlgorithms) {
    CAPTURE(ldns_name_of(a));
    const Bytes request = sign_ldns(query(), key_name_for(a), a);
    const Verified v = verify_request(request.data(), request.size(), ring, wall_clock());
    REQUIRE(v.status == Status::Ok);
    Bytes answer = answer_to(request);
    const size_t len = answer.size();
    answer.resize(len + answer_size(v));
    const size_t n = sign_answer(answer.data(), len, answer.size(), v, wall_clock());
    REQUIRE(n == answer.size());
    CHECK(verify_ldns(answer, key_name_for(a), v.request_mac()));
    // Without the request MAC in the digest it is another MAC.
    CHECK_FALSE(verify_ldns(answer, key_name_for(a)));

    // The other way: we sign the request, ldns the answer.
    const Key& key = *v.key;
    Mac request_mac;
    const Bytes ours = sign_ours(query(), key, wall_clock(), {}, false, &request_mac);
    const Bytes ldns_answer = sign_ldns(answer_to(ours), key_name_for(a), a, request_mac.view());
    REQUIRE(!ldns_answer.empty());
    const Verified r = verify_response(ldns_answer.data(), ldns_answer.size(), key,
                                       request_mac.view(), wall_clock());
    CHECK(r.status == Status::Ok);
    CHECK(r.key == &key);
    const Bytes wrong(request_mac.len, 0);
    CHECK(
        verify_response(ldns_answer.data(), ldns_answer.size(), key, wrong, wall_clock()).status ==
        Status::BadSig);
  }
}

TEST_CASE("a multi-message answer: our prior-MAC chain verifies with ldns, timers only") {
  const Keyring ring = all_keys();
  for (Algorithm a : kLdnsAlgorithms) {
    CAPTURE(ldns_name_of(a));
    const Bytes request = sign_ldns(query("2.0.192.in-addr.arpa.", 252), key_name_for(a), a);
    const Verified v = verify_request(request.data(), request.size(), ring, wall_clock());
    REQUIRE(v.status == Status::Ok);
    Signer signer(v);
    std::vector<Bytes> messages;
    for (int i = 0; i < 3; ++i) {
      Bytes m = answer_to(request);
      add_rr(m, 6, 12, wire_name("host-" + std::to_string(i) + ".example."));
      const size_t len = m.size();
      m.resize(len + signed_size(*v.key));
      REQUIRE(signer.sign(m.data(), len, m.size(), wall_clock()) == m.size());
      CHECK(Bytes(signer.mac().begin(), signer.mac().end()) == tsig_mac_of(m));
      messages.push_back(m);
    }
    CHECK(signer.signed_messages() == 3);
    // Message 1: the request MAC and every variable; 2 and 3: the previous MAC, timers only.
    CHECK(verify_ldns(messages[0], key_name_for(a), v.request_mac()));
    CHECK(verify_ldns(messages[1], key_name_for(a), tsig_mac_of(messages[0]), true));
    CHECK(verify_ldns(messages[2], key_name_for(a), tsig_mac_of(messages[1]), true));
    // Not with all variables, nor chained to the wrong message.
    CHECK_FALSE(verify_ldns(messages[1], key_name_for(a), tsig_mac_of(messages[0]), false));
    CHECK_FALSE(verify_ldns(messages[2], key_name_for(a), tsig_mac_of(messages[0]), true));

    // Our own verify_response() reads the same chain.
    const Key& key = *v.key;
    CHECK(
        verify_response(messages[0].data(), messages[0].size(), key, v.request_mac(), wall_clock())
            .status == Status::Ok);
    const Bytes mac0 = tsig_mac_of(messages[0]);
    const Bytes mac1 = tsig_mac_of(messages[1]);
    CHECK(verify_response(messages[1].data(), messages[1].size(), key, mac0, wall_clock(), true)
              .status == Status::Ok);
    CHECK(verify_response(messages[2].data(), messages[2].size(), key, mac1, wall_clock(), true)
              .status == Status::Ok);
    CHECK(verify_response(messages[1].data(), messages[1].size(), key, mac0, wall_clock(), false)
              .status == Status::BadSig);
  }
}

TEST_CASE("a multi-message stream ldns signs verifies with ours") {
  const Key key = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  Mac request_mac;
  const Bytes request = sign_ours(query(), key, wall_clock(), {}, false, &request_mac);
  Bytes prior(request_mac.bytes, request_mac.bytes + request_mac.len);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    Bytes m = answer_to(request);
    add_rr(m, 6, 12, wire_name("h" + std::to_string(i) + ".example."));
    const Bytes s = sign_ldns(m, "k-sha256.", Algorithm::HmacSha256, prior, i > 0);
    REQUIRE(!s.empty());
    CHECK(verify_response(s.data(), s.size(), key, prior, wall_clock(), i > 0).status ==
          Status::Ok);
    prior = tsig_mac_of(s);
  }
}

namespace {

// Captured from kdig 3.2.6 and dig 9.18 querying a test server with the keys of
// all_keys(): each request (time signed 1796407782), and the answer our signer made for
// it, which that client then accepted (and rejected with one MAC octet flipped).
struct Capture {
  const char* client;
  Algorithm algorithm;
  const char* request;
  const char* answer;
};

const Capture kCaptures[] = {
    {"kdig", Algorithm::HmacSha224,
     "ae3801200001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3232340000fa00ff0000000000390b686d61632d7368613232340000006b1301e6012c001c09ac28f5847acc"
     "56e97b87a76ca6e1566d1f65bb245af2da5725848dae3800000000",
     "ae3885000001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3232340000fa00ff0000000000390b686d61632d7368613232340000006b1301e6012c001cbd37a4d753d2c8"
     "d9137140e8ef09230f26dd78199d492fa0a3923cf6ae3800000000"},
    {"kdig", Algorithm::HmacSha384,
     "893401200001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3338340000fa00ff00000000004d0b686d61632d7368613338340000006b1301e6012c003070f686029f54d3"
     "cdb3a434c05fb4b3faaaede89f89ed0b6b558120147631143fa540a5196b7afe7248a17347a4710496893400"
     "000000",
     "893485000001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3338340000fa00ff00000000004d0b686d61632d7368613338340000006b1301e6012c00306bed57084d8eee"
     "a69d06cd78d94129f2556b82001f99c7811ee0cce1053890a7a26d4eafc9e6703ee2529702a03a37d9893400"
     "000000"},
    {"dig", Algorithm::HmacSha224,
     "ab5501200001000000000002013201300331393207696e2d616464720461727061000006000100002904d000"
     "000000000c000a0008060b604742292378086b2d7368613232340000fa00ff0000000000390b686d61632d73"
     "68613232340000006b1301e6012c001cb35457338a12bcdc8430b2c205d27af80f40789394ab6a7ba89fafcd"
     "ab5500000000",
     "ab5585000001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3232340000fa00ff0000000000390b686d61632d7368613232340000006b1301e6012c001c690597dd649ac7"
     "1c915a14f9e63fdd26c0478a68ade6d27e7f72bdafab5500000000"},
    {"dig", Algorithm::HmacSha384,
     "5a3f01200001000000000002013201300331393207696e2d616464720461727061000006000100002904d000"
     "000000000c000a0008dcbe1e9a500c8eaf086b2d7368613338340000fa00ff00000000004d0b686d61632d73"
     "68613338340000006b1301e6012c00301d059e7b4b84358b605089fd3e1484d62d9d44d270026473d18ed10f"
     "6c02e55a5c6d0b927fd0895b88258c631063d6615a3f00000000",
     "5a3f85000001000000000001013201300331393207696e2d6164647204617270610000060001086b2d736861"
     "3338340000fa00ff00000000004d0b686d61632d7368613338340000006b1301e6012c0030a3c1d507145fae"
     "5cbd48148508141d17333e29fe87410421087d349dc1032f0f1f701e0ae6b144a96b2c3de5ecdc2e0f5a3f00"
     "000000"},
};

constexpr uint64_t kCaptureTime = 1796407782;

}  // namespace

TEST_CASE(
    "SHA-224 and SHA-384: kdig's and dig's requests verify, our answers are the ones they took") {
  const Keyring ring = all_keys();
  for (const Capture& c : kCaptures) {
    CAPTURE(c.client);
    CAPTURE(ldns_name_of(c.algorithm));
    const Bytes request = from_hex(c.request);
    const Verified v = verify_request(request.data(), request.size(), ring, kCaptureTime);
    REQUIRE(v.status == Status::Ok);
    CHECK(v.key->algorithm == c.algorithm);
    CHECK(v.located.time_signed == kCaptureTime);
    // The same request an hour later is out of its fudge; with a flipped MAC octet, bad.
    CHECK(verify_request(request.data(), request.size(), ring, kCaptureTime + 3600).status ==
          Status::BadTime);
    Bytes flipped = request;
    flipped[static_cast<size_t>(v.located.mac - request.data())] ^= 0x01;
    CHECK(verify_request(flipped.data(), flipped.size(), ring, kCaptureTime).status ==
          Status::BadSig);

    // Our answer now is byte for byte the one the client accepted.
    Bytes answer = answer_to(request);
    const size_t len = answer.size();
    answer.resize(len + answer_size(v));
    REQUIRE(sign_answer(answer.data(), len, answer.size(), v, kCaptureTime) == answer.size());
    CHECK(answer == from_hex(c.answer));
    CHECK(verify_response(answer.data(), answer.size(), *v.key, v.request_mac(), kCaptureTime)
              .status == Status::Ok);
  }
}
