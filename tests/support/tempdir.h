#pragma once
// A fresh folder under /tmp for one test, removed with everything in it at the end.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace rdnsd::testing {

struct TempDir {
  std::string path;
  // `what` names the folder (/tmp/rdnsd-WHAT-XXXXXX), so a leftover says whose it is.
  explicit TempDir(const std::string& what = "test") {
    std::string tmpl = "/tmp/rdnsd-" + what + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  // Writes `text` to the file `name` inside the folder (making its folders); its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = std::filesystem::path(path) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace rdnsd::testing
