// Dims: a list of int64 (a shape, strides, axes) that keeps up to kInline entries in the object itself and only goes
// to the heap beyond that. Every tensor carries two (shape and strides) and every op makes several; as std::vector
// they were about half of the allocations of a small training step. The interface is the subset of std::vector the
// code uses, with the same meaning.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <vector>

namespace pydl {

class Dims {
 public:
  using value_type = int64_t;
  using size_type = size_t;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  static constexpr size_t kInline = 6;

  Dims() = default;
  explicit Dims(size_t n, int64_t v = 0) { assign(n, v); }
  Dims(std::initializer_list<int64_t> l) { assign(l.begin(), l.end()); }
  template <typename It, typename = std::enable_if_t<!std::is_integral<It>::value>>
  Dims(It first, It last) {
    assign(first, last);
  }
  Dims(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: a vector converts implicitly
  Dims(const Dims& o) { assign(o.begin(), o.end()); }
  Dims(Dims&& o) noexcept { take(o); }
  ~Dims() { release(); }
  Dims& operator=(const Dims& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  Dims& operator=(Dims&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  Dims& operator=(std::initializer_list<int64_t> l) {
    assign(l.begin(), l.end());
    return *this;
  }
  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }  // NOLINT

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t* data() { return ptr(); }
  const int64_t* data() const { return ptr(); }
  int64_t& operator[](size_t i) { return ptr()[i]; }
  const int64_t& operator[](size_t i) const { return ptr()[i]; }
  int64_t& front() { return ptr()[0]; }
  const int64_t& front() const { return ptr()[0]; }
  int64_t& back() { return ptr()[size_ - 1]; }
  const int64_t& back() const { return ptr()[size_ - 1]; }
  iterator begin() { return ptr(); }
  iterator end() { return ptr() + size_; }
  const_iterator begin() const { return ptr(); }
  const_iterator end() const { return ptr() + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void reserve(size_t n) {
    if (n <= cap_) return;
    int64_t* p = new int64_t[n];
    if (size_) std::memcpy(p, ptr(), size_ * sizeof(int64_t));
    release();
    heap_ = p;
    cap_ = n;
  }
  void clear() { size_ = 0; }
  void resize(size_t n, int64_t v = 0) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) ptr()[i] = v;
    size_ = n;
  }
  void assign(size_t n, int64_t v) {
    size_ = 0;
    resize(n, v);
  }
  template <typename It>
  void assign(It first, It last) {
    const size_t n = static_cast<size_t>(std::distance(first, last));
    size_ = 0;
    reserve(n);
    std::copy(first, last, ptr());
    size_ = n;
  }
  void push_back(int64_t v) {
    if (size_ == cap_) reserve(cap_ * 2);
    ptr()[size_++] = v;
  }
  void emplace_back(int64_t v) { push_back(v); }
  void pop_back() { --size_; }
  iterator insert(const_iterator pos, int64_t v) { return insert(pos, &v, &v + 1); }
  iterator insert(const_iterator pos, std::initializer_list<int64_t> l) { return insert(pos, l.begin(), l.end()); }
  template <typename It, typename = std::enable_if_t<!std::is_integral<It>::value>>
  iterator insert(const_iterator pos, It first, It last) {
    const size_t at = static_cast<size_t>(pos - begin()), n = static_cast<size_t>(std::distance(first, last));
    Dims tail(begin() + at, end());  // `first..last` may point into this list
    Dims mid(first, last);
    reserve(size_ + n);
    std::copy(mid.begin(), mid.end(), ptr() + at);
    std::copy(tail.begin(), tail.end(), ptr() + at + n);
    size_ += n;
    return begin() + at;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_t at = static_cast<size_t>(first - begin()), n = static_cast<size_t>(last - first);
    std::copy(begin() + at + n, end(), begin() + at);
    size_ -= n;
    return begin() + at;
  }

  friend bool operator==(const Dims& a, const Dims& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Dims& a, const Dims& b) { return !(a == b); }
  friend bool operator<(const Dims& a, const Dims& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  int64_t* ptr() { return heap_ ? heap_ : inline_; }
  const int64_t* ptr() const { return heap_ ? heap_ : inline_; }
  void release() {
    delete[] heap_;
    heap_ = nullptr;
    cap_ = kInline;
  }
  void take(Dims& o) {
    size_ = o.size_;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
      o.cap_ = kInline;
    } else {
      std::memcpy(inline_, o.inline_, size_ * sizeof(int64_t));
    }
    o.size_ = 0;
  }

  int64_t* heap_ = nullptr;
  size_t size_ = 0, cap_ = kInline;
  int64_t inline_[kInline];
};

}  // namespace pydl
