// Column buffers that grow without zero-filling. std::vector and std::string write every new
// element on resize; a column builder that grows ahead and then writes each value pays for the
// bytes twice, and for a fresh page's fault on top of the first write. These buffers leave grown
// elements uninitialized: whoever grows them writes what it keeps. Growth is a realloc, which for
// large blocks remaps pages instead of copying them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace weir::base {

/// A vector of trivially copyable values (fixed-width column values, offsets, string bytes) with
/// the std::vector operations columns use. resize(n) leaves new elements uninitialized;
/// resize(n, value) fills them.
template <class T>
class PodVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  PodVector() = default;
  PodVector(size_t n, T fill) { resize(n, fill); }
  PodVector(const T* first, const T* last) { assign(first, last); }
  PodVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  PodVector(const PodVector& o) { assign(o.begin(), o.end()); }
  PodVector(PodVector&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  PodVector& operator=(const PodVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  PodVector& operator=(PodVector&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  ~PodVector() { std::free(data_); }

  T* data() { return data_ ? data_ : none(); }
  const T* data() const { return data_ ? data_ : none(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void reserve(size_t n) {
    if (n > capacity_) reallocate(n);
  }
  /// Grows (new elements uninitialized) or shrinks to n elements.
  void resize(size_t n) {
    if (n > capacity_) reallocate(std::max(n, capacity_ + capacity_ / 2));
    size_ = n;
  }
  void resize(size_t n, T fill) {
    size_t old = size_;
    resize(n);
    if (n > old) std::fill(data_ + old, data_ + n, fill);
  }
  void clear() { size_ = 0; }
  void shrink_to_fit() {
    if (size_ == 0) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
    } else if (size_ < capacity_) {
      reallocate(size_);
    }
  }
  void push_back(T v) {
    if (size_ == capacity_) reallocate(std::max<size_t>(capacity_ * 2, 64 / sizeof(T) + 1));
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  void append(const T* p, size_t n) {
    if (n == 0) return;
    if (size_ + n > capacity_) reallocate(std::max(size_ + n, capacity_ * 2));
    std::memcpy(data_ + size_, p, n * sizeof(T));
    size_ += n;
  }
  /// Appends [first, last) at the end (the only insert position columns use).
  void insert(T* pos, const T* first, const T* last) {
    if (pos != end()) throw std::logic_error("PodVector inserts only at the end");
    append(first, static_cast<size_t>(last - first));
  }
  void assign(const T* first, const T* last) {
    size_ = 0;
    append(first, static_cast<size_t>(last - first));
  }
  void assign(size_t n, T fill) {
    size_ = 0;
    resize(n, fill);
  }

 private:
  static T* none() {
    alignas(16) static T placeholder[1] = {};
    return placeholder;
  }
  void reallocate(size_t n) {
    auto* p = static_cast<T*>(std::realloc(data_, n * sizeof(T)));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    capacity_ = n;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

/// The bytes of a string or binary column: a PodVector of chars with the std::string operations
/// that builders of string columns use.
class ByteBuffer : public PodVector<char> {
 public:
  using PodVector<char>::PodVector;
  using PodVector<char>::append;
  using PodVector<char>::assign;
  explicit ByteBuffer(std::string_view s) { assign(s); }

  void append(std::string_view s) { append(s.data(), s.size()); }
  void append(size_t n, char c) { resize(size() + n, c); }
  void assign(const char* p, size_t n) { assign(p, p + n); }
  void assign(std::string_view s) { assign(s.data(), s.data() + s.size()); }
  ByteBuffer& operator+=(char c) {
    push_back(c);
    return *this;
  }
  ByteBuffer& operator+=(std::string_view s) {
    append(s);
    return *this;
  }
  operator std::string_view() const { return std::string_view(data(), size()); }  // NOLINT
};

}  // namespace weir::base
