#include "actions/hook_runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>

#include "common/fd.h"
#include "common/mutex.h"
#include "common/units.h"

namespace usdcop {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often a running command's cancel flag is looked at.
constexpr milliseconds kCancelTick{50};
// Without a pidfd (kernels before 5.3, some sandboxes) an exit is noticed by polling this often.
constexpr milliseconds kExitTick{10};
// After SIGKILL, how long output from processes that left the group is still read.
constexpr milliseconds kDrainAfterKill{100};
// After a command ended, how long its escapees are looked for, and how often.
constexpr milliseconds kEscapeeSweep{1000};
constexpr milliseconds kEscapeeTick{10};

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37): the system call directly.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// --- The spec -------------------------------------------------------------------------------

bool ValidEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status ValidateCommand(const CommandSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty())
    return Status(Reason::kInternal, "hook command: empty argv");
  for (const std::string& arg : spec.argv) {
    if (arg.find('\0') != std::string::npos)
      return Status(Reason::kInternal,
                    "hook command \"" + spec.argv[0] + "\": an argument holds a NUL byte");
  }
  std::set<std::string_view> seen;
  for (const auto& [name, value] : spec.env) {
    const std::string what = "hook command \"" + spec.argv[0] + "\": environment variable ";
    if (!ValidEnvName(name))
      return Status(Reason::kInternal, what + "name \"" + name + "\" is not [A-Z_][A-Z0-9_]*");
    if (name == "PATH" || name == "LANG")
      return Status(Reason::kInternal, what + name + " is set by the runner");
    if (!seen.insert(name).second)
      return Status(Reason::kInternal, what + name + " is given twice");
    if (value.find('\0') != std::string::npos)
      return Status(Reason::kInternal, what + name + " holds a NUL byte");
  }
  return Status::Ok();
}

// The program to execute: argv[0] itself when absolute, else the first executable regular
// file of that name in kHookPath (as execvp, but in our PATH only and before the spawn).
Result<std::string> ResolveProgram(const std::string& name) {
  if (name[0] == '/') return name;
  if (name.find('/') != std::string::npos)
    return Status(Reason::kInternal,
                  "hook command \"" + name + "\": give an absolute path or a bare name");
  int err = ENOENT;
  std::string_view dirs = kHookPath;
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string path = std::string(dirs.substr(0, colon)) + "/" + name;
    dirs.remove_prefix(colon == std::string_view::npos ? dirs.size() : colon + 1);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    if (S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0) return path;
    err = EACCES;
  }
  return Status(Reason::kIo, "cannot run \"" + name + "\": " + ErrnoText(err) + " (looked in " +
                                 kHookPath + ")");
}

std::vector<std::string> ChildEnvironment(const CommandSpec& spec) {
  std::vector<std::string> env = {std::string("PATH=") + kHookPath, "LANG=C.UTF-8"};
  for (const auto& [name, value] : spec.env) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// --- Starting the child ---------------------------------------------------------------------

struct SpawnAttributes {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnAttributes() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttributes() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

// stdin /dev/null, stdout and stderr to `out`, nothing else open; own process group; default
// dispositions and an empty mask for every signal.
int PrepareSpawn(SpawnAttributes& s, int out) {
  int rc = 0;
  auto step = [&rc](int r) { rc = rc != 0 ? rc : r; };
  step(posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0));
  step(posix_spawn_file_actions_adddup2(&s.actions, out, 1));
  step(posix_spawn_file_actions_adddup2(&s.actions, out, 2));
  step(posix_spawn_file_actions_addclosefrom_np(&s.actions, 3));
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  step(posix_spawnattr_setsigmask(&s.attr, &none));
  step(posix_spawnattr_setsigdefault(&s.attr, &all));
  step(posix_spawnattr_setpgroup(&s.attr, 0));
  step(posix_spawnattr_setflags(
      &s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  return rc;
}

struct Child {
  pid_t pid = -1;
  Fd output;  // read end, non-blocking
};

Result<Child> SpawnChild(const std::string& program, const CommandSpec& spec) {
  const std::string what = "cannot run \"" + spec.argv[0] + "\": ";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status(Reason::kIo, what + "pipe: " + ErrnoText(errno));
  Child child;
  child.output.Reset(fds[0]);
  Fd write_end(fds[1]);
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
    return Status(Reason::kIo, what + "fcntl: " + ErrnoText(errno));

  SpawnAttributes attributes;
  if (int rc = PrepareSpawn(attributes, write_end.get()); rc != 0)
    return Status(Reason::kIo, what + "posix_spawn attributes: " + ErrnoText(rc));
  std::vector<std::string> env = ChildEnvironment(spec);
  std::vector<char*> argv = CStrings(spec.argv), envp = CStrings(env);
  int rc = ::posix_spawn(&child.pid, program.c_str(), &attributes.actions, &attributes.attr,
                         argv.data(), envp.data());
  if (rc != 0) return Status(Reason::kIo, what + ErrnoText(rc));
  return child;
}

// The pids of this process's children (ppid in /proc/<pid>/stat), zombies included.
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // gone meanwhile
    const size_t paren = line.rfind(')');     // the name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 4 > line.size()) continue;
    if (std::strtol(line.c_str() + paren + 4, nullptr, 10) == parent)
      children.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return children;
}

// The commands running now, by pid: every other child of this process, once it adopts
// orphans, escaped a hook. A pid stays registered from its spawn (under the lock, so that no
// sweep sees it unregistered) until after it is reaped (a multiset: another thread may spawn
// the reused pid before the first one forgets it).
class RunningCommands {
 public:
  Result<Child> Spawn(const std::string& program, const CommandSpec& spec) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Result<Child> child = SpawnChild(program, spec);
    if (child.ok()) pids_.insert(child->pid);
    return child;
  }
  void Reaped(pid_t pid) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (auto it = pids_.find(pid); it != pids_.end()) pids_.erase(it);
  }
  // SIGKILL to each child that is not a running command, reaping those already dead; how many
  // there were.
  size_t KillEscapees() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    size_t found = 0;
    for (pid_t pid : ChildrenOf(::getpid())) {
      if (pids_.contains(pid)) continue;
      ++found;
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, WNOHANG);
    }
    return found;
  }

 private:
  Mutex mu_;
  std::multiset<pid_t> pids_ GUARDED_BY(mu_);
};

RunningCommands& Running() {
  static RunningCommands running;
  return running;
}

std::atomic<bool> adopting{false};

// After the command that led `group` was reaped: its escapees, re-parented to us as their
// parents die, killed and reaped until none is left and the group is empty, for at most
// kEscapeeSweep.
void StopEscapees(pid_t group) {
  if (!adopting) return;
  const auto until = SteadyClock::now() + kEscapeeSweep;
  while (true) {
    const size_t found = Running().KillEscapees();
    const bool group_left = ::kill(-group, 0) == 0;
    if ((found == 0 && !group_left) || SteadyClock::now() >= until) return;
    std::this_thread::sleep_for(kEscapeeTick);
  }
}

// --- Watching it ----------------------------------------------------------------------------

// The running child's output pipe and exit, noticed with poll on the pipe and a pidfd. The
// child stays unreaped (a zombie at worst) until Reap(), so its pid, which is also its process
// group's id, cannot be reused while we signal the group.
class ChildWatch {
 public:
  ChildWatch(Child child, CappedOutput& out)
      : pid_(child.pid),
        output_(std::move(child.output)),
        pidfd_(PidfdOpen(child.pid)),
        out_(out) {}
  ChildWatch(const ChildWatch&) = delete;
  ChildWatch& operator=(const ChildWatch&) = delete;

  bool exited() const { return exited_; }
  bool eof() const { return eof_; }
  // The group, or the child alone if the group cannot be signalled (it always can: the child
  // leads it and stays unreaped; this is so that a surprise cannot leave Reap() waiting).
  void SignalGroup(int sig) const {
    if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
  }

  // Reads what the pipe holds and notes an exit, waiting at most `wait` for either.
  void Pump(milliseconds wait) {
    if (pidfd_.get() < 0) wait = std::min(wait, kExitTick);
    std::array<pollfd, 2> fds = {pollfd{eof_ ? -1 : output_.get(), POLLIN, 0},
                                 pollfd{exited_ ? -1 : pidfd_.get(), POLLIN, 0}};
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max(wait, milliseconds(0)).count()));
    if (!eof_) ReadAvailable();
    if (!exited_) {
      siginfo_t info{};
      exited_ =
          ::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
    }
  }
  // Pumps until the child has exited and closed its output, or until `until`.
  void PumpUntilDone(SteadyClock::time_point until) {
    while (!(exited_ && eof_) && SteadyClock::now() < until)
      Pump(std::chrono::ceil<milliseconds>(until - SteadyClock::now()));
  }
  // Reads until EOF or `until`, whether or not the child has exited.
  void DrainUntil(SteadyClock::time_point until) {
    while (!eof_ && SteadyClock::now() < until)
      Pump(std::chrono::ceil<milliseconds>(until - SteadyClock::now()));
  }
  // Waits for the child (it must be dying) and returns its wait status.
  int Reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

 private:
  // At most 16 reads: a writer faster than us must not keep us from the deadline.
  void ReadAvailable() {
    char buf[65536];
    for (int reads = 0; reads < 16; ++reads) {
      ssize_t n = ::read(output_.get(), buf, sizeof buf);
      if (n > 0) {
        out_.Append(buf, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n == 0 || errno != EAGAIN) eof_ = true;
        return;
      }
    }
  }

  const pid_t pid_;
  Fd output_;
  Fd pidfd_;  // -1 when pidfd_open is not available
  CappedOutput& out_;
  bool exited_ = false;
  bool eof_ = false;
};

// Until the child exits, the deadline passes or the cancel flag rises.
void WaitForExit(ChildWatch& watch, const Deadline& deadline, CommandResult& r) {
  while (!watch.exited()) {
    if (deadline.Cancelled()) {
      r.cancelled = true;
      return;
    }
    if (deadline.Expired()) {
      r.timed_out = true;
      return;
    }
    watch.Pump(std::min(deadline.Remaining() + milliseconds(1), kCancelTick));
  }
}

// SIGTERM to the group while anything in it may still run, SIGKILL kill_grace later; SIGKILL
// to whatever remains of the group in any case.
void StopGroup(ChildWatch& watch, milliseconds kill_grace) {
  if (!(watch.exited() && watch.eof())) {
    watch.SignalGroup(SIGTERM);
    watch.PumpUntilDone(SteadyClock::now() + kill_grace);
  }
  watch.SignalGroup(SIGKILL);
  watch.DrainUntil(SteadyClock::now() + kDrainAfterKill);
}

// --- Output cleaning ------------------------------------------------------------------------

// The length of the valid UTF-8 sequence of two to four bytes at s[i], or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

void CappedOutput::Append(const char* data, size_t n) {
  size_t keep = std::min(n, max_ - kept_.size());
  kept_.append(data, keep);
  dropped_ += n - keep;
}

std::string CappedOutput::Text() const {
  std::string text = kept_;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) text[i] = '?';
      ++i;
    } else if (size_t len = Utf8SequenceLength(text, i); len > 0) {
      i += len;
    } else {
      text[i++] = '?';
    }
  }
  return text;
}

Result<CommandResult> RunCommand(const CommandSpec& spec, const Deadline& deadline) {
  if (Status s = ValidateCommand(spec); !s.ok()) return s;
  Result<std::string> program = ResolveProgram(spec.argv[0]);
  if (!program.ok()) return program.status();
  const std::string what = "hook command \"" + spec.argv[0] + "\"";
  if (deadline.Cancelled()) return Status(Reason::kCancelled, what + " not started: shutting down");
  if (deadline.Expired())
    return Status(Reason::kTimeout, what + " not started: no time left before the deadline");

  const auto start = SteadyClock::now();
  Result<Child> child = Running().Spawn(*program, spec);
  if (!child.ok()) return child.status();
  const pid_t pid = child->pid;

  CommandResult r;
  CappedOutput output(spec.max_output);
  ChildWatch watch(std::move(child).value(), output);
  WaitForExit(watch, deadline, r);
  StopGroup(watch, spec.kill_grace);
  const int status = watch.Reap();
  r.duration_seconds = SecondsSince(start);
  Running().Reaped(pid);
  StopEscapees(pid);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.output = output.Text();
  r.output_truncated_bytes = output.dropped_bytes();
  return r;
}

bool AdoptOrphanedHookProcesses(bool on) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) != 0) return false;
  adopting = on;
  return true;
}

Result<HttpHookResult> CallHttpHook(HttpClient& http, const HttpHookSpec& spec,
                                    const Deadline& deadline) {
  static const std::set<std::string, std::less<>> kMethods = {"GET", "POST", "PUT", "PATCH",
                                                              "DELETE"};
  if (!kMethods.contains(spec.method))
    return Status(Reason::kInternal, "hook call: method \"" + spec.method +
                                         "\" is not GET, POST, PUT, PATCH or DELETE");
  if (spec.url.empty()) return Status(Reason::kInternal, "hook call: empty url");
  if (!spec.json_body.empty() && spec.method == "GET")
    return Status(Reason::kInternal,
                  "hook call " + UrlPathForLog(spec.url) + ": a GET sends no body");
  if (!spec.json_body.empty() && !nlohmann::json::accept(spec.json_body))
    return Status(Reason::kInternal,
                  "hook call " + UrlPathForLog(spec.url) + ": the body is not valid JSON");

  HttpRequest request{
      .method = spec.method, .url = spec.url, .body = spec.json_body, .ca_file = spec.ca_file};
  if (!spec.json_body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.bearer_token = spec.bearer_token;

  const auto start = SteadyClock::now();
  Result<HttpResponse> response = http.Do(request, deadline);
  if (!response.ok()) return response.status();
  HttpHookResult r;
  r.duration_seconds = SecondsSince(start);
  r.status = response->status;
  CappedOutput body(spec.max_output);
  body.Append(response->body.data(), response->body.size());
  r.body = body.Text();
  r.body_truncated_bytes = body.dropped_bytes();
  return r;
}

}  // namespace usdcop
