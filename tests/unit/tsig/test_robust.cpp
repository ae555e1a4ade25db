// Hostile input: truncations and random mutations of signed messages, and random bytes,
// never make locate, verify or sign read or write out of bounds (run under ASan with
// RDNSD_SANITIZE=ON to have that checked, not only survived), and what locate reports
// always lies inside the message.
#include <doctest/doctest.h>

#include <random>

#include "tests/support/tsig_fixture.h"

using namespace rdnsd::tsig;
using namespace rdnsd::tsig::testing;

namespace {

constexpr uint64_t kNow = 1'800'000'000;

// Everything the library does with a message, on an exact-size copy of it (so that ASan
// sees a read one past the end).
void exercise(const Bytes& input, const Keyring& ring, const Key& key) {
  const Bytes msg = input;
  const uint8_t* begin = msg.data();
  const uint8_t* end = msg.data() + msg.size();
  const Located t = locate(msg.data(), msg.size());
  if (t.found == Found::Ok) {
    CHECK(t.offset >= 12);
    CHECK(t.offset < t.end);
    CHECK(t.end <= msg.size());
    CHECK(t.key_name_len <= kMaxName);
    CHECK(t.algorithm_len <= kMaxName);
    CHECK((t.mac >= begin && t.mac + t.mac_len <= end));
    CHECK((t.other >= begin && t.other + t.other_len <= end));
  }
  const Verified v = verify_request(msg.data(), msg.size(), ring, kNow);
  CHECK(v.mac_len <= kMaxMac);
  CHECK((v.key == nullptr) ==
        (v.status != Status::Ok && v.status != Status::BadTime && v.status != Status::BadTrunc));
  const Verified r =
      verify_response(msg.data(), msg.size(), key, v.request_mac(), kNow, msg.size() % 2 == 0);
  CHECK(r.mac_len <= kMaxMac);
  // Answering it: the answer buffer holds exactly what answer_size() reserved.
  if (msg.size() >= 12) {
    Bytes answer(msg.begin(), msg.begin() + 12);
    const size_t room = answer_size(v);
    answer.resize(12 + room);
    size_t n = 0;
    if (v.status == Status::BadKey || v.status == Status::BadSig) {
      n = append_unsigned_error(answer.data(), 12, answer.size(), v.located, v.error);
    } else {
      n = sign_answer(answer.data(), 12, answer.size(), v, kNow);
    }
    CHECK(n == (room == 0 ? 0 : answer.size()));
  }
}

std::vector<Bytes> seeds() {
  std::vector<Bytes> out;
  for (Algorithm a : kAllAlgorithms) {
    const Key key = make_key(key_name_for(a), a, kSecret);
    Bytes q = query();
    add_rr(q, 8, 6, Bytes(22, 0));
    out.push_back(sign_ours(q, key, kNow));
  }
  // A request with a compressed owner, and an unsigned BADKEY answer.
  const Key k = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  Bytes c = sign_ours(query("k-sha256."), k, kNow);
  const Located t = locate(c.data(), c.size());
  Bytes compressed(c.begin(), c.begin() + static_cast<long>(t.offset));
  compressed.insert(compressed.end(), {0xC0, 0x0C});
  compressed.insert(compressed.end(), c.begin() + static_cast<long>(t.offset + t.key_name_len),
                    c.end());
  out.push_back(compressed);
  const Verified v = verify_request(c.data(), c.size(), Keyring{}, kNow);
  Bytes e = answer_to(c);
  const size_t len = e.size();
  e.resize(len + unsigned_error_size(v.located));
  append_unsigned_error(e.data(), len, e.size(), v.located, v.error);
  out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("every truncation of a signed message is handled") {
  const Keyring ring = all_keys();
  const Key key = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  for (const Bytes& s : seeds()) {
    for (size_t len = 0; len <= s.size(); ++len) {
      exercise(Bytes(s.begin(), s.begin() + static_cast<long>(len)), ring, key);
    }
  }
}

TEST_CASE("random mutations of signed messages never crash and never verify") {
  const Keyring ring = all_keys();
  const Key key = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  const std::vector<Bytes> base = seeds();
  std::mt19937 rng(8945);
  size_t verified = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes m = base[rng() % base.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // any octet
          m[rng() % m.size()] = static_cast<uint8_t>(rng());
          break;
        case 1:  // a count
          set16(m, 4 + 2 * (rng() % 4), static_cast<uint16_t>(rng() % 4));
          break;
        case 2:  // a length-like octet near the end (RDLENGTH, MAC Size, Other Len)
          m[m.size() - 1 - rng() % std::min<size_t>(m.size(), 80)] ^=
              static_cast<uint8_t>(1 << (rng() % 8));
          break;
        default:  // cut
          m.resize(rng() % (m.size() + 1));
          if (m.empty()) m.push_back(0);
          break;
      }
    }
    exercise(m, ring, key);
    if (verify_request(m.data(), m.size(), ring, kNow).status == Status::Ok) ++verified;
  }
  // A few edits leave the signed octets alone (a cut after the TSIG cannot happen, but a
  // byte written with its own value, or the header's ID, can).
  CHECK(verified < 20000 / 10);
}

TEST_CASE("random bytes are handled") {
  const Keyring ring = all_keys();
  const Key key = make_key("k-sha256.", Algorithm::HmacSha256, kSecret);
  std::mt19937 rng(2845);
  for (int round = 0; round < 5000; ++round) {
    Bytes m(rng() % 300);
    for (uint8_t& b : m) b = static_cast<uint8_t>(rng());
    // Often a plausible header: one question, one additional record.
    if (m.size() >= 12 && rng() % 2 == 0) {
      set16(m, 4, 1);
      set16(m, 6, 0);
      set16(m, 8, 0);
      set16(m, 10, 1);
    }
    exercise(m, ring, key);
  }
}

TEST_CASE("sign and append_unsigned_error never write past cap") {
  const Key key = make_key("k-sha512.", Algorithm::HmacSha512, kSecret);
  const Bytes q = query();
  const Bytes e = seeds().back();
  const Located t = locate(e.data(), e.size());
  REQUIRE(t.last());
  for (size_t cap = 0; cap < q.size() + signed_size(key) + 2; ++cap) {
    CAPTURE(cap);
    Bytes buf(q.begin(), q.end());
    buf.resize(std::max(cap, q.size()));
    const size_t len = std::min(q.size(), cap);
    Bytes exact(buf.begin(), buf.begin() + static_cast<long>(cap));
    SignSpec spec;
    spec.key = &key;
    spec.time_signed = kNow;
    const size_t n = sign(exact.data(), len, cap, spec);
    CHECK((n == 0 || n == q.size() + signed_size(key)));
    CHECK((n != 0) == (cap >= q.size() + signed_size(key)));
    Bytes exact2(buf.begin(), buf.begin() + static_cast<long>(cap));
    const size_t u = append_unsigned_error(exact2.data(), len, cap, t, error::kBadSig);
    CHECK((u != 0) == (cap >= q.size() + unsigned_error_size(t)));
  }
}
