#include "weir/runtime/checkpoint/offset_log.h"

#include <nlohmann/json.hpp>

#include "weir/base/error.h"

namespace weir::runtime {

namespace {

[[noreturn]] void corrupt(const std::string& file, const std::string& what) {
  throw CorruptionError("CHECKPOINT_CORRUPT",
                        "The offset log file " + file + " is corrupt: " + what +
                            ". Restore it from a backup, or delete the checkpoint directory to start the query "
                            "from scratch.");
}

std::vector<std::string> splitLines(const std::string& bytes) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(bytes.substr(start));
      break;
    }
    lines.push_back(bytes.substr(start, nl - start));
    start = nl + 1;
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // a trailing newline
  return lines;
}

}  // namespace

std::string serializeOffsetSeq(const OffsetSeq& seq) {
  nlohmann::ordered_json meta;
  meta["batchWatermarkMs"] = seq.metadata.batchWatermarkMs;
  meta["batchTimestampMs"] = seq.metadata.batchTimestampMs;
  nlohmann::ordered_json conf = nlohmann::ordered_json::object();
  for (const auto& [k, v] : seq.metadata.conf) conf[k] = v;
  meta["conf"] = conf;
  std::string out = "v1\n" + meta.dump();
  for (const auto& o : seq.sourceOffsets) out += "\n" + (o ? *o : std::string("-"));
  return out;
}

OffsetSeq parseOffsetSeq(const std::string& bytes, const std::string& file) {
  auto lines = splitLines(bytes);
  if (lines.empty() || lines[0].empty() || lines[0][0] != 'v') corrupt(file, "it does not start with a version line");
  int version = 0;
  try {
    version = std::stoi(lines[0].substr(1));
  } catch (const std::exception&) {
    corrupt(file, "the version line \"" + lines[0] + "\" is not v<number>");
  }
  if (version != 1) {
    if (version > 1) {
      throw CorruptionError("CHECKPOINT_UNSUPPORTED_VERSION",
                            "The offset log file " + file + " has version v" + std::to_string(version) +
                                ", written by a newer engine; this version of Weir reads v1. Run the query with "
                                "the engine that wrote the checkpoint, or start from a new checkpoint.");
    }
    corrupt(file, "version " + lines[0] + " is not valid");
  }
  OffsetSeq seq;
  if (lines.size() >= 2 && !lines[1].empty()) {
    auto meta = nlohmann::json::parse(lines[1], nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) corrupt(file, "the metadata line is not a JSON object");
    try {
      if (meta.contains("batchWatermarkMs")) seq.metadata.batchWatermarkMs = meta.at("batchWatermarkMs").get<int64_t>();
      if (meta.contains("batchTimestampMs")) seq.metadata.batchTimestampMs = meta.at("batchTimestampMs").get<int64_t>();
      if (meta.contains("conf")) {
        for (const auto& [k, v] : meta.at("conf").items()) seq.metadata.conf[k] = v.get<std::string>();
      }
    } catch (const nlohmann::json::exception& e) {
      corrupt(file, std::string("the metadata has a wrong type (") + e.what() + ")");
    }
  }
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i] == "-") {
      seq.sourceOffsets.push_back(std::nullopt);
      continue;
    }
    if (nlohmann::json::parse(lines[i], nullptr, false).is_discarded()) {
      corrupt(file, "the offset of source " + std::to_string(i - 2) + " is not JSON");
    }
    seq.sourceOffsets.push_back(lines[i]);
  }
  return seq;
}

std::optional<OffsetSeq> OffsetLog::get(int64_t batchId) const {
  auto bytes = log_.get(batchId);
  if (!bytes) return std::nullopt;
  return parseOffsetSeq(*bytes, log_.pathOf(batchId));
}

}  // namespace weir::runtime
