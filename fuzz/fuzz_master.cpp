// libFuzzer target for master-file import (rdnsctl import, admin/cli/cli_import.cpp):
// input is an RFC 1035 master file. Reading must never crash or hang; it either gives
// the records of an import request (each with a name, type, class, TTL, data and line)
// or throws UsageError "fuzz.zone:LINE: reason"; any other exception escapes and
// libFuzzer reports it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "admin/cli/cli.h"

using namespace rdnsd::admin;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  text.push_back('\0');  // fmemopen wants a buffer of at least one byte
  std::FILE* in = fmemopen(text.data(), size, "r");
  if (!in) return 0;
  try {
    const Json records = cli::read_master_file(in, "fuzz.zone", "2.0.192.in-addr.arpa.", {});
    check(records.is_array() && !records.empty());
    for (const Json& r : records) {
      check(r.at("name").is_string() && r.at("type").is_string() && r.at("data").is_string());
      check(r.at("ttl").is_number_integer() && r.at("line").is_number_integer());
      check(r.at("line").get<int64_t>() >= 1);
    }
  } catch (const cli::UsageError& e) {
    check(std::string(e.what()).rfind("fuzz.zone:", 0) == 0);
  }
  std::fclose(in);
  return 0;
}
