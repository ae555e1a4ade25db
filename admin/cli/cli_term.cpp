// rdnsctl on a terminal: the pager for long output and the progress bar of an import.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <ostream>

#include "admin/cli/cli.h"

namespace rdnsd::admin::cli {

bool should_page(const Terminal& term, size_t lines) {
  // One line stays free for the shell prompt; an unknown screen size never pages.
  return term.out_tty && term.rows > 0 && lines >= size_t(term.rows);
}

std::string pager_command(const char* env_pager) {
  return env_pager && *env_pager ? env_pager : "less -FRX";
}

bool page(const std::string& text, const std::string& command) {
  std::fflush(stdout);
  std::FILE* pager = popen(command.c_str(), "w");
  if (!pager) return false;
  // A pager that quits before reading everything must not kill rdnsctl with SIGPIPE.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  std::fwrite(text.data(), 1, text.size(), pager);
  int status = pclose(pager);
  sigaction(SIGPIPE, &old, nullptr);
  // The shell says 127 when the command does not exist: print without a pager then.
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
}

ProgressBar::ProgressBar(std::ostream& err, std::string label, uint64_t total, int columns)
    : err_(err), label_(std::move(label)), total_(total), columns_(columns > 0 ? columns : 80) {}

ProgressBar::~ProgressBar() {
  clear();
}

namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1 << 20));
  return buf;
}

uint64_t now_ms() {
  using namespace std::chrono;
  return uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace

void ProgressBar::update(uint64_t bytes, size_t records) {
  uint64_t t = now_ms();
  if (shown_ && t - last_ms_ < 100 && bytes < total_) return;  // ten redraws a second at most
  last_ms_ = t;
  std::string counts = "  " + std::to_string(records) + " records";
  std::string line = label_ + " ";
  if (total_ > 0) {
    unsigned pct = unsigned(std::min<uint64_t>(100, bytes * 100 / total_));
    int width = std::max(10, std::min(40, columns_ - int(label_.size() + counts.size()) - 30));
    int filled = int(uint64_t(width) * pct / 100);
    line += "[" + std::string(size_t(filled), '#') + std::string(size_t(width - filled), '.') +
            "] " + std::to_string(pct) + "%  " + mib(bytes) + " of " + mib(total_);
  } else {
    line += mib(bytes);
  }
  draw(line + counts);
}

void ProgressBar::status(const std::string& text) {
  draw(label_ + " " + text);
}

void ProgressBar::clear() {
  if (!shown_) return;
  err_ << "\r\033[K" << std::flush;
  shown_ = false;
}

void ProgressBar::draw(const std::string& line) {
  std::string text = line.substr(0, size_t(std::max(1, columns_ - 1)));
  err_ << "\r\033[K" << text << std::flush;
  shown_ = true;
}

}  // namespace rdnsd::admin::cli
