// libFuzzer target for the admin protocol codec. Input: one request line.
// Parsing must never crash, hang or grow without bound (JSON bounds in protocol.h);
// every line gets exactly one outcome (a request, or an error with a code), and its
// answer, success or error with the echoed tag, must encode as one line that
// parse_answer reads back with the same ok and code; anything else aborts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "admin/protocol/protocol.h"

using namespace rdnsd::admin;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  Parsed p = parse_request(line);
  check(p.request.has_value() == p.error.code.empty());
  if (p.request) check(op_name(*p.request) != nullptr);
  const std::string out =
      p.request ? encode_ok(Json::object(), p.tag) : encode_error(p.error, p.tag);
  check(out.find('\n') == std::string::npos);
  std::string why;
  auto answer = parse_answer(out, &why);
  check(answer.has_value());
  check(answer->ok == p.request.has_value());
  if (!answer->ok) check(answer->error.code == p.error.code);
  return 0;
}
