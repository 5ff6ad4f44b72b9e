#include "weir/runtime/checkpoint/batch_log.h"

#include <algorithm>

namespace weir::runtime {

int64_t parseBatchId(const std::string& name) {
  if (name.empty() || name.size() > 18) return -1;
  int64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

BatchLog::BatchLog(std::shared_ptr<io::FileSystem> fs, std::string directory)
    : fs_(std::move(fs)), directory_(std::move(directory)) {}

std::string BatchLog::pathOf(int64_t batchId) const { return io::joinPath(directory_, std::to_string(batchId)); }

bool BatchLog::add(int64_t batchId, const std::string& bytes) { return fs_->writeAtomic(pathOf(batchId), bytes, false); }

std::optional<std::string> BatchLog::get(int64_t batchId) const {
  const std::string path = pathOf(batchId);
  if (!fs_->exists(path)) return std::nullopt;
  return fs_->read(path);
}

std::vector<int64_t> BatchLog::ids() const {
  std::vector<int64_t> out;
  for (const auto& f : fs_->list(directory_)) {
    if (f.isDirectory) continue;
    int64_t id = parseBatchId(f.name);
    if (id >= 0) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<int64_t> BatchLog::latestId() const {
  auto all = ids();
  if (all.empty()) return std::nullopt;
  return all.back();
}

void BatchLog::purgeBefore(int64_t batchId) {
  for (int64_t id : ids()) {
    if (id < batchId) fs_->remove(pathOf(id));
  }
}

}  // namespace weir::runtime
