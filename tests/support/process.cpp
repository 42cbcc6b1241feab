#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace usdcop::testing {
namespace {

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::string log_path, std::vector<std::string> env)
    : log_path_(std::move(log_path)) {
  std::vector<std::string> envp;
  for (char** e = environ; *e; ++e) envp.emplace_back(*e);
  for (std::string& e : env) envp.push_back(std::move(e));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // Children start with no blocked signals, whatever the test runner blocked.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  auto args = CStrings(argv);
  auto vars = CStrings(envp);
  int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), vars.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

Process::~Process() {
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    WaitExit(std::chrono::milliseconds(5000));
  }
}

std::string Process::Log() const { return ReadFile(log_path_); }

void Process::Signal(int sig) const {
  if (!exit_code_) ::kill(pid_, sig);
}

std::optional<int> Process::WaitExit(std::chrono::milliseconds limit) {
  if (exit_code_) return exit_code_;
  const auto end = std::chrono::steady_clock::now() + limit;
  do {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = DecodeStatus(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < end);
  return std::nullopt;
}

int Process::Stop(std::chrono::milliseconds limit) {
  Signal(SIGTERM);
  if (auto code = WaitExit(limit)) return *code;
  Signal(SIGKILL);
  return WaitExit(std::chrono::milliseconds(5000)).value_or(-1);
}

std::optional<std::string> Process::WaitForLog(const std::string& regex,
                                               std::chrono::milliseconds limit) const {
  std::regex re(regex);
  std::optional<std::string> found;
  Eventually(
      [&] {
        std::smatch m;
        std::string log = Log();
        if (!std::regex_search(log, m, re)) return false;
        found = m.size() > 1 ? m[1].str() : m[0].str();
        return true;
      },
      limit);
  return found;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::milliseconds limit) {
  char in_path[] = "/tmp/usdcop_cmd_in_XXXXXX";
  int fd = mkstemp(in_path);
  if (fd < 0 || ::write(fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
    throw std::runtime_error("cannot write command input");
  ::close(fd);
  std::string out_path = std::string(in_path) + ".out";
  std::vector<std::string> args = argv;
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path, O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  auto cargs = CStrings(args);
  int rc = posix_spawnp(&pid, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  CommandResult result;
  if (rc == 0) {
    const auto end = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.exit_code = DecodeStatus(status);
    result.output = ReadFile(out_path);
  } else {
    result.output = "cannot start " + argv[0] + ": " + std::strerror(rc);
  }
  ::unlink(in_path);
  ::unlink(out_path.c_str());
  return result;
}

const std::string& ExporterBinary() {
  static const std::string path = [] {
    const char* chosen = std::getenv("USDCOP_TEST_EXPORTER");
    return std::string(chosen && *chosen ? chosen : USDCOP_EXPORTER_BUILT_BIN);
  }();
  return path;
}

}  // namespace usdcop::testing
