// UniqueFd: the one owner of a POSIX file descriptor.
#ifndef PERISCOPE_CORE_UNIQUE_FD_H_
#define PERISCOPE_CORE_UNIQUE_FD_H_

#include <string_view>

#include "core/status.h"

namespace periscope {

// Owns one file descriptor (or none: -1) and closes it when destroyed or reset.
// Move-only; a moved-from UniqueFd owns nothing. Any negative value passed in
// (a failed open(), socket(), ...) is stored as "none", so
// `UniqueFd fd(::open(...)); if (!fd.valid()) ...` is the usual pattern.
// Closing ignores errors; call Close() where a failed close() matters (data
// written to a file: close() may report a deferred write error).
// Not thread-safe: one owner at a time, like the descriptor itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd < 0 ? -1 : fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  // The descriptor, still owned; -1 when none.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing; returns the descriptor (-1 when none).
  [[nodiscard]] int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Closes the owned descriptor (ignoring errors) and takes `fd` instead.
  void reset(int fd = -1);

  // Closes the owned descriptor and reports close()'s error, naming `what`
  // ("<what>: close: <strerror>", Unavailable). Owns nothing afterwards, even
  // on error (the descriptor is released by the kernel either way; it is not
  // retried). Ok when nothing was owned.
  Status Close(std::string_view what);

 private:
  int fd_ = -1;
};

}  // namespace periscope

#endif  // PERISCOPE_CORE_UNIQUE_FD_H_
