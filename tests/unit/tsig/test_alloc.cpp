// Locating, verifying and signing allocate nothing of their own: global operator new is
// replaced by a counting one. OpenSSL takes its context with malloc, which this does not
// count (and the brief for these paths allows).
#include <doctest/doctest.h>

#include "tests/support/counting_allocator.h"
#include "tests/support/tsig_fixture.h"

using namespace rdnsd::tsig;
using namespace rdnsd::tsig::testing;

TEST_CASE("verify and sign allocate nothing") {
  constexpr uint64_t kNow = 1'800'000'000;
  const Keyring ring = all_keys();
  std::vector<Bytes> requests;
  for (Algorithm a : kAllAlgorithms) {
    requests.push_back(sign_ours(query(), make_key(key_name_for(a), a, kSecret), kNow));
  }
  Bytes answer(4096);
  const Bytes bare = answer_to(requests[0]);
  size_t total = 0;
  const unsigned long before = g_allocations.load();
  for (int round = 0; round < 100; ++round) {
    for (const Bytes& r : requests) {
      const Verified v = verify_request(r.data(), r.size(), ring, kNow + round);
      std::copy(bare.begin(), bare.end(), answer.begin());
      total += sign_answer(answer.data(), bare.size(), answer.size(), v, kNow);
      Signer s(v);
      const size_t n = s.sign(answer.data(), bare.size(), answer.size(), kNow);
      total += n;
      total += verify_response(answer.data(), n, *v.key, v.request_mac(), kNow).mac_len;
      const Verified bad = verify_request(r.data(), r.size(), Keyring{}, kNow);
      total +=
          append_unsigned_error(answer.data(), bare.size(), answer.size(), bad.located, bad.error);
    }
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(total > 0);
}
