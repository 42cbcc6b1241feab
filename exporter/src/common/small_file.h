// Reading a whole small file whose path comes from outside (a secret, a status or flag file, a
// manifest, a PEM file, the config itself), whatever the path leads to: the one way the exporter
// reads such a file.
//
// The file is opened O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, so that a FIFO cannot block the
// open or the read (nor a reload that holds the reload lock), a terminal never becomes the
// controlling one, and a descriptor never leaks into a hook's child. It must be a regular file
// (checked on the open descriptor, so a swap after a check cannot fool it: /dev/zero, a FIFO, a
// directory are refused), no larger than a cap; at most cap + 1 bytes are ever read, so a file
// that grows meanwhile cannot grow the process either. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace usdcop {

// A PEM file of certificates (a CA bundle, a certificate chain) is a regular file of at most this.
inline constexpr std::size_t kMaxPemFileBytes = 4 << 20;

// Whether the file itself may be a symlink (the directories on the way always may).
enum class FinalSymlink { kFollow, kRefuse };

// The bytes of the file at `path`, at most `max_bytes`. The error names the file:
//   Reason::kIo     it cannot be opened or read: "PATH: No such file or directory";
//   Reason::kParse  it is not a small regular file: "PATH: not a regular file (a FIFO)" (a
//                   character device, a directory, ...), "PATH: larger than 64 KiB", and with
//                   FinalSymlink::kRefuse "PATH: a symlink".
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes,
                                  FinalSymlink symlink = FinalSymlink::kFollow);

// A byte count as the messages above give it: "64 KiB", "4 MiB", "10 bytes".
std::string ByteCountText(std::size_t bytes);

}  // namespace usdcop
