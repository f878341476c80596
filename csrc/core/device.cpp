#include "core/device.h"
#include "core/errors.h"

namespace pydl {

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device{DeviceType::CPU, 0};
  if (s == "cuda") return Device{DeviceType::CUDA, 0};
  if (s.rfind("cuda:", 0) == 0) {
    try {
      size_t used = 0;
      int idx = std::stoi(s.substr(5), &used);
      if (used == s.size() - 5 && idx >= 0) return Device{DeviceType::CUDA, idx};
    } catch (...) {}
  }
  throw ValueError(str_cat("unknown device '", s, "' (expected 'cpu', 'cuda' or 'cuda:N')"));
}

}  // namespace pydl
