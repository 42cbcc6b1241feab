// Running an operator hook: a command (RunCommand) or one HTTP call (CallHttpHook). A pure
// library: plain specs in, result structs out; it knows nothing of the config, the control API
// or how results are shown.
//
// A command runs without a shell (argv as given), in its own process group, with stdin from
// /dev/null, stdout and stderr merged into one pipe, no inherited file descriptors beyond 0-2,
// default signal dispositions and an empty signal mask (the daemon blocks SIGTERM in its
// threads; a hook must not inherit that), and a clean environment: PATH=kHookPath, LANG=C.UTF-8
// and the caller's variables, never the exporter's own (it holds API keys).
//
// Its end: at the deadline, or when the deadline's cancel flag is raised, the whole process
// group gets SIGTERM, then SIGKILL kill_grace later if the command has not finished. When the
// command exits on its own, what it left running in its group is stopped before the command is
// reaped (SIGTERM then SIGKILL if it still holds the output pipe, else SIGKILL): a hook leaves
// nothing behind. A process that moved itself out of the group (setsid, setpgid) escapes the
// group's signals; its output is read for at most 100 ms after the kill. With
// AdoptOrphanedHookProcesses() such a process becomes this process's child once its parent in
// the hook has died, and is killed then (below). The working directory, umask and resource
// limits are the exporter's.
//
// Output (both kinds of hook): the first max_output bytes are kept, the rest read and counted
// (a child never blocks on a full pipe). Bytes that are ASCII control characters other than
// \n and \t, or not part of valid UTF-8, are replaced by '?', one for one, so the text is safe
// to log and to put in JSON.
//
// Thread-safe: calls may run at once from several threads. RunCommand uses posix_spawn (never
// fork) and descriptors opened with O_CLOEXEC. It waits for its own child by pid; the process
// must not reap children it did not start (SIGCHLD ignored, waitpid(-1)), and once it adopts
// orphans it must start no children of its own but through RunCommand.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "common/secret.h"
#include "common/status.h"
#include "sources/http_client.h"

namespace usdcop {

// The child's PATH, and the only directories where a bare argv[0] is looked up.
inline constexpr const char* kHookPath = "/usr/local/bin:/usr/bin:/bin";
inline constexpr size_t kDefaultHookMaxOutput = 4096;

struct CommandSpec {
  // argv[0] is an absolute path or a bare name looked up in kHookPath; "dir/name" is refused.
  std::vector<std::string> argv;
  // Added to PATH and LANG. Names match [A-Z_][A-Z0-9_]*, are unique and are not PATH or LANG;
  // values hold no NUL.
  std::vector<std::pair<std::string, std::string>> env;
  size_t max_output = kDefaultHookMaxOutput;
  std::chrono::milliseconds kill_grace{1000};  // SIGTERM to SIGKILL
};

struct CommandResult {
  std::optional<int> exit_code;  // set when the command exited
  std::optional<int> signal;     // set when a signal ended it
  bool timed_out = false;        // the deadline passed and we stopped it
  bool cancelled = false;        // the cancel flag was raised and we stopped it
  std::string output;            // stdout and stderr as they interleaved, cleaned, <= max_output
  std::uint64_t output_truncated_bytes = 0;  // read beyond max_output and dropped
  double duration_seconds = 0;               // from spawn to reap

  bool success() const { return exit_code == 0 && !timed_out && !cancelled; }
};

// Runs spec.argv until it exits or the deadline stops it. A command that ran has a result
// whatever its ending; an error Status means it did not run: an invalid spec (internal), a
// program that is missing or not executable (io, naming argv[0] and the errno text), a deadline
// already past (timeout) or cancelled (cancelled).
Result<CommandResult> RunCommand(const CommandSpec& spec, const Deadline& deadline);

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER; on:
// false undoes it). A hook's process that left the command's group (setsid, setpgid, a double
// fork) is then re-parented to this process when its parent dies, and after each command ends
// RunCommand sends SIGKILL to, and reaps, every child of this process that is not a command
// still running, for up to a second while the ended command's group still has members (they
// orphan more as they die). Call it at start, in a process that starts no other children (they
// would be taken for escapees). False, errno set, where the kernel refuses: escapees then
// outlive their hook.
bool AdoptOrphanedHookProcesses(bool on = true);

struct HttpHookSpec {
  std::string method = "POST";  // GET, POST, PUT, PATCH or DELETE
  std::string url;
  std::string json_body;  // sent as application/json; "" sends no body. Must be valid JSON.
  std::optional<Secret> bearer_token;
  std::string ca_file;  // https: trust this PEM bundle instead of the system's; "" = the system's
  size_t max_output = kDefaultHookMaxOutput;
};

struct HttpHookResult {
  long status = 0;
  std::string body;  // cleaned and cut as a command's output
  std::uint64_t body_truncated_bytes = 0;
  double duration_seconds = 0;

  bool success() const { return status >= 200 && status <= 299; }
};

// One request through `http` within the deadline. Any HTTP status is a result (success() tells
// 2xx); an error Status is an invalid spec (internal) or the client's own (connect, timeout,
// tls, cancelled, ...). The bearer token travels in the Authorization header only.
Result<HttpHookResult> CallHttpHook(HttpClient& http, const HttpHookSpec& spec,
                                    const Deadline& deadline);

// Keeps the first `max` bytes of a stream and counts the rest; Text() is the kept bytes with
// control characters (but \n, \t) and invalid UTF-8 replaced by '?'. Exposed for tests. A
// value; not synchronised.
class CappedOutput {
 public:
  explicit CappedOutput(size_t max) : max_(max) {}
  void Append(const char* data, size_t n);
  std::string Text() const;
  std::uint64_t dropped_bytes() const { return dropped_; }

 private:
  size_t max_;
  std::string kept_;
  std::uint64_t dropped_ = 0;
};

}  // namespace usdcop
