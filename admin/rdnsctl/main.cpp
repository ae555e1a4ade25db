// rdnsctl: the operator CLI of rdnsd (admin/cli.h).
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "admin/cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  rdnsd::admin::cli::Terminal term;
  term.out_tty = isatty(STDOUT_FILENO) == 1;
  term.err_tty = isatty(STDERR_FILENO) == 1;
  winsize ws{};
  int tty = term.out_tty ? STDOUT_FILENO : STDERR_FILENO;
  if (ioctl(tty, TIOCGWINSZ, &ws) == 0) {
    term.rows = ws.ws_row;
    term.columns = ws.ws_col;
  }
  return rdnsd::admin::cli::run(args, std::getenv("RDNSD_SOCKET"), std::cin, std::cout, std::cerr,
                                term);
}
