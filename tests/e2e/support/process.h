#pragma once
// Child processes for the end-to-end tests: run a command to completion with a time limit
// (argv vector, no shell), or spawn a long-lived one (the daemon) whose output goes to
// files, and stop it by its own PID.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rdnsd::e2e {

using Millis = std::chrono::milliseconds;

// What a finished command did. `status` is the exit code, or -1 when it was killed by a
// signal (`signal` says which) or by the time limit (`timed_out`).
struct RunResult {
  std::vector<std::string> argv;
  int status = -1;
  int signal = 0;
  bool timed_out = false;
  std::string out, err;

  bool ok() const { return status == 0; }
  std::string text() const { return out + err; }
  // The command line and everything it printed, for failure messages.
  std::string describe() const;
};

struct RunOptions {
  Millis timeout{15000};
  std::string input;  // written to the child's stdin, then closed
  std::string cwd;    // empty: the current folder
};

// Runs argv[0] (searched in PATH when it has no slash). Throws std::runtime_error only if
// the command cannot be started at all.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// A long-lived child whose stdout and stderr are appended to files.
class Process {
 public:
  Process() = default;
  ~Process();  // kills the child if it still runs
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Throws std::runtime_error if the program cannot be started. `env` ("NAME=VALUE")
  // is added to this process's environment for the child.
  static Process spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
                       const std::string& stderr_path, const std::string& cwd = "",
                       const std::vector<std::string>& env = {});

  pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it when it has).
  bool running();
  // Waits up to `timeout` for the child to exit; returns its wait status.
  std::optional<int> wait_for(Millis timeout);
  // Sends `sig` to the child (only while it is running).
  void signal(int sig);
  // SIGTERM, waits up to `grace`, then SIGKILL. Returns the wait status.
  int terminate(Millis grace);
  // The wait status once the child has exited.
  std::optional<int> wait_status() const { return status_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// "exit 0", "exit 2", "signal 11 (Segmentation fault)".
std::string describe_status(int wait_status);

// Whole-file helpers.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// A fresh folder /tmp/<prefix>XXXXXX; removed (recursively) by remove_tree.
std::string make_temp_dir(const std::string& prefix);
void remove_tree(const std::string& path);

}  // namespace rdnsd::e2e
