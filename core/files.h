// File helpers with explicit size bounds and atomic replacement.
#ifndef PERISCOPE_CORE_FILES_H_
#define PERISCOPE_CORE_FILES_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace periscope {

// Reads a whole file. Fails with ResourceExhausted when it holds more than
// `max_bytes` (the file is not read beyond that), NotFound when it is missing.
Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes);

// The directory part of `path` ("." when it has none, "/" for "/x").
std::string DirName(const std::string& path);

// `path` resolved against `base_dir` when it is relative; empty and absolute
// paths unchanged.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// Replaces `path` with `content` atomically: writes "<path>.tmp", fsyncs it,
// renames it over `path` and fsyncs the directory. A crash leaves either the old
// or the new content, never a mix.
Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace periscope

#endif  // PERISCOPE_CORE_FILES_H_
