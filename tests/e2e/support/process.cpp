#include "tests/e2e/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

extern char** environ;

namespace rdnsd::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// A test must not die from writing to a peer that went away.
const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::runtime_error errno_error(const std::string& what, int err) {
  return std::runtime_error(what + ": " + std::strerror(err));
}

// Owns the posix_spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;

  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    // The child starts with no blocked signals and default dispositions (this process
    // ignores SIGPIPE; the child must not inherit that).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  void chdir_to(const std::string& cwd) {
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  }
};

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// This process's environment with `extra` ("NAME=VALUE") added, each replacing a
// variable of its name.
std::vector<std::string> environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out(extra);
  for (char** e = environ; *e; ++e) {
    const std::string_view var(*e);
    const auto name = var.substr(0, var.find('=') + 1);
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || x.rfind(name, 0) == 0;
    if (!replaced) out.emplace_back(var);
  }
  return out;
}

pid_t start(SpawnSetup& setup, const std::vector<std::string>& argv,
            const std::vector<std::string>& env = {}) {
  if (argv.empty()) throw std::runtime_error("run: empty argv");
  auto args = c_argv(argv);
  const auto vars = environment(env);
  auto envp = c_argv(vars);
  pid_t pid = -1;
  int rc = argv[0].find('/') == std::string::npos
               ? posix_spawnp(&pid, argv[0].c_str(), &setup.actions, &setup.attr, args.data(),
                              envp.data())
               : posix_spawn(&pid, argv[0].c_str(), &setup.actions, &setup.attr, args.data(),
                             envp.data());
  if (rc != 0) throw errno_error("cannot start " + argv[0], rc);
  return pid;
}

// Waits for `pid` until `deadline`; nullopt when it is still running then.
std::optional<int> reap_until(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(5));
  }
}

void fill_status(RunResult& result, int status) {
  if (WIFEXITED(status)) {
    result.status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
}

// Moves bytes between the child's pipes and the result until both outputs are closed or
// the deadline passes. Returns false on timeout.
// Closes each descriptor it is done with and sets it to -1.
bool pump(int& in_fd, int& out_fd, int& err_fd, const std::string& input, RunResult& result,
          Clock::time_point deadline) {
  size_t written = 0;
  if (input.empty() && in_fd >= 0) {
    close(in_fd);
    in_fd = -1;
  }
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int n = poll(fds, 3, static_cast<int>(left));
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fd);
        fd = -1;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      ssize_t put = write(in_fd, input.data() + written, input.size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if (put < 0 || written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  in_fd = -1;
  return true;
}

void close_all(std::initializer_list<int*> fds) {
  for (int* fd : fds) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

}  // namespace

std::string RunResult::describe() const {
  std::ostringstream os;
  os << "$";
  for (const auto& a : argv) os << " '" << a << "'";
  os << "\n["
     << (timed_out ? "timed out"
         : signal  ? "signal " + std::to_string(signal)
                   : "exit " + std::to_string(status))
     << "]\n--- stdout ---\n"
     << out << "--- stderr ---\n"
     << err;
  return os.str();
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  result.argv = argv;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    throw errno_error("pipe", errno);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err[1], 2);
  setup.chdir_to(options.cwd);
  pid_t pid = -1;
  try {
    pid = start(setup, argv);
  } catch (...) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    throw;
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  auto deadline = Clock::now() + options.timeout;
  bool finished = pump(in[1], out[0], err[0], options.input, result, deadline);
  close_all({&in[1], &out[0], &err[0]});
  std::optional<int> status;
  if (finished) status = reap_until(pid, deadline);
  if (!status) {
    // Past the limit: kill it, then close whatever pipes pump() left open.
    kill(pid, SIGKILL);
    status = reap_until(pid, Clock::now() + Millis(5000));
    result.timed_out = true;
  }
  if (status && !result.timed_out) fill_status(result, *status);
  return result;
}

Process::~Process() {
  if (pid_ > 0 && !status_) terminate(Millis(0));
}

Process::Process(Process&& other) noexcept {
  *this = std::move(other);
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) terminate(Millis(0));
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
    other.status_.reset();
  }
  return *this;
}

Process Process::spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
                       const std::string& stderr_path, const std::string& cwd,
                       const std::vector<std::string>& env) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&setup.actions, 2, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  setup.chdir_to(cwd);
  Process p;
  p.pid_ = start(setup, argv, env);
  return p;
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return !status_;
}

std::optional<int> Process::wait_for(Millis timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (!status_) status_ = reap_until(pid_, Clock::now() + timeout);
  return status_;
}

void Process::signal(int sig) {
  if (running()) kill(pid_, sig);
}

int Process::terminate(Millis grace) {
  if (pid_ <= 0) return -1;
  if (running()) {
    kill(pid_, SIGTERM);
    if (!wait_for(grace)) {
      kill(pid_, SIGKILL);
      wait_for(Millis(10000));
    }
  }
  return status_.value_or(-1);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "wait status " + std::to_string(status);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "XXXXXX";
  if (!mkdtemp(tmpl.data())) throw errno_error("mkdtemp " + tmpl, errno);
  return tmpl;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace rdnsd::e2e
