// Refcounted, 64-byte-aligned memory on one device, or borrowed memory kept alive by a deleter.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include "core/device.h"

namespace pydl {

// A device allocator; the CPU one is built in, CUDA registers its own when compiled in.
struct Allocator {
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;  // nbytes: as given to allocate
};
void register_allocator(DeviceType t, Allocator* a);
Allocator* allocator_for(Device d);  // throws DeviceError when the device type has none

class Storage {
  struct Key {  // only Storage's factories can make one: the constructor is public for make_shared alone
    explicit Key() = default;
  };

 public:
  explicit Storage(Key) {}
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  // Borrowed memory (NumPy, DLPack): `release` runs once the last tensor using it is gone.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  char* data() const { return static_cast<char*>(data_); }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  // Bumped by every in-place write, so autograd can tell a saved tensor was modified.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  // Borrowed memory the owner does not let us write (a read-only NumPy array, an mmap, a bytes object).
  bool read_only() const { return read_only_; }
  // Memory from a pydl allocator (not borrowed from NumPy, DLPack or a file).
  bool owned() const { return allocator_ != nullptr; }
  void set_read_only(bool r) { read_only_ = r; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  Allocator* allocator_ = nullptr;      // set when we own the memory
  std::function<void()> release_;       // set when the memory is borrowed
  std::atomic<uint64_t> version_{0};
  bool read_only_ = false;
};

}  // namespace pydl
