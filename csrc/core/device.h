// Where a tensor's memory lives. Every tensor has one; kernels are registered per device type.
#pragma once
#include <cstdint>
#include <string>

namespace pydl {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };
constexpr int kNumDeviceTypes = 2;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool is_cpu() const { return type == DeviceType::CPU; }
  std::string str() const {
    if (type == DeviceType::CPU) return "cpu";
    return "cuda:" + std::to_string(index);
  }
};

// Parses "cpu", "cuda", "cuda:1"; throws ValueError otherwise.
Device parse_device(const std::string& s);
inline const char* device_type_name(DeviceType t) { return t == DeviceType::CPU ? "cpu" : "cuda"; }

}  // namespace pydl
