// A little reader over a fuzzer's input bytes, for harnesses that build
// structured values (varbind lists, OIDs) from them. Past the end it yields
// zeros, so every input is valid. Plain C++ (no libFuzzer header), so the
// harnesses also compile with g++ for the regression replay.
#ifndef PERISCOPE_FUZZ_FUZZ_INPUT_H_
#define PERISCOPE_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace periscope::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return empty() ? 0 : size_ - pos_; }

  uint8_t Byte() { return empty() ? 0 : data_[pos_++]; }

  // `bytes` bytes, big-endian.
  uint64_t Uint(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | Byte();
    return v;
  }
  uint32_t Uint32() { return static_cast<uint32_t>(Uint(4)); }
  uint64_t Uint64() { return Uint(8); }

  // Up to `max` bytes, the length taken from the input.
  std::string String(size_t max) {
    size_t n = Byte() % (max + 1);
    if (n > remaining()) n = remaining();
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace periscope::fuzz

#endif  // PERISCOPE_FUZZ_FUZZ_INPUT_H_
