#include "weir/io/fault_injecting_file_system.h"

#include "weir/base/error.h"

namespace weir::io {

void FaultInjectingFileSystem::failWrite(int64_t n, bool afterWrite) {
  std::lock_guard lock(mutex_);
  failAt_ = n;
  afterWrite_ = afterWrite;
  failed_ = false;
}

bool FaultInjectingFileSystem::writeAtomic(const std::string& path, std::string_view data, bool overwrite) {
  bool fail, after;
  {
    std::lock_guard lock(mutex_);
    int64_t index = writes_++;
    fail = index == failAt_;
    after = afterWrite_;
  }
  if (!fail) return base_->writeAtomic(path, data, overwrite);
  failed_ = true;
  if (after) base_->writeAtomic(path, data, overwrite);
  throw IoError("INJECTED_FAULT", std::string("Injected failure ") + (after ? "after" : "before") + " writing " +
                                      path + ".");
}

}  // namespace weir::io
