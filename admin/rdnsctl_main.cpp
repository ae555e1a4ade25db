// rdnsctl: the operator CLI of rdnsd (admin/cli.h).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return rdnsd::admin::cli::run(args, std::getenv("RDNSD_SOCKET"), std::cin, std::cout, std::cerr);
}
