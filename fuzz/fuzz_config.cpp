// libFuzzer target for the config loader (conf/): input is a YAML config file. Loading
// must never crash or hang; it either gives a Config or throws ConfigError whose text
// is "FILE:LINE: reason" (or "FILE: reason") for this file; any other exception escapes
// and libFuzzer reports it. A config that loads loads the same again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "conf/config.h"

using namespace rdnsd::conf;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Relative paths (store, socket, secret files) resolve against a folder that is not
// there, so nothing the input names is ever read.
constexpr const char* kBase = "/nonexistent/rdnsd-fuzz";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    const Config c = load_string(yaml, "fuzz.yaml", kBase);
    check(load_string(yaml, "fuzz.yaml", kBase) == c);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    check(what.rfind("fuzz.yaml:", 0) == 0);
    check(e.file() == "fuzz.yaml");
    check(!e.reason().empty());
  }
  return 0;
}
