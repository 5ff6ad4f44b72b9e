// Input path expansion and output directory preparation.
#include "weir/formats/file_listing.h"

#include <glob.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "weir/base/error.h"
#include "weir/base/text.h"

namespace weir::formats {
namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && (name[0] == '_' || name[0] == '.');
}

void addDirectory(const fs::path& dir, std::vector<std::string>& out) {
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path().string());
  }
}

}  // namespace

std::vector<std::string> listDataFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      out.push_back(path);
      continue;
    }
    if (fs::is_directory(path, ec)) {
      if (fs::is_directory(fs::path(path) / "_spark_metadata", ec)) {
        auto logged = listSinkLogFiles(path);
        out.insert(out.end(), logged.begin(), logged.end());
      } else {
        addDirectory(path, out);
      }
      continue;
    }
    glob_t g{};
    int rc = ::glob(path.c_str(), 0, nullptr, &g);
    size_t before = out.size();
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        fs::path match = g.gl_pathv[i];
        if (fs::is_directory(match, ec)) addDirectory(match, out);
        else if (fs::is_regular_file(match, ec)) out.push_back(match.string());
      }
    }
    globfree(&g);
    if (out.size() == before) {
      throw AnalysisError("PATH_NOT_FOUND", "Path does not exist: " + path +
                                                ". Check the path, or create the input before reading it.");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> listSinkLogFiles(const std::string& dir) {
  const fs::path log = fs::path(dir) / "_spark_metadata";
  std::error_code ec;
  int64_t compact = -1;
  std::vector<int64_t> plain;
  for (const auto& e : fs::directory_iterator(log, ec)) {
    std::string name = e.path().filename().string();
    bool isCompact = name.size() > 8 && name.substr(name.size() - 8) == ".compact";
    std::string stem = isCompact ? name.substr(0, name.size() - 8) : name;
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    int64_t id = std::stoll(stem);
    if (isCompact) compact = std::max(compact, id);
    else plain.push_back(id);
  }
  std::sort(plain.begin(), plain.end());
  std::vector<std::string> files;
  auto read = [&](const fs::path& file) {
    std::string text = readFile(file.string());
    size_t start = 0;
    bool first = true;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      if (first) {
        first = false;
        if (line != "v1") {
          throw CorruptionError("SINK_LOG_CORRUPT", "The file sink log " + file.string() +
                                                        " does not start with v1. Restore it, or remove the "
                                                        "directory's _spark_metadata to read every file.");
        }
        continue;
      }
      auto at = line.find("\"path\":\"");
      if (at == std::string::npos) continue;
      at += 8;
      auto end = line.find('"', at);
      std::string p = line.substr(at, end - at);
      if (p.rfind("file://", 0) == 0) p = p.substr(7);
      if (line.find("\"action\":\"delete\"") != std::string::npos) {
        files.erase(std::remove(files.begin(), files.end(), p), files.end());
      } else {
        files.push_back(p);
      }
    }
  };
  if (compact >= 0) read(log / (std::to_string(compact) + ".compact"));
  for (int64_t id : plain) {
    if (id > compact) read(log / std::to_string(id));
  }
  std::vector<std::string> out;
  for (const auto& f : files) {
    if (fs::is_regular_file(f, ec)) out.push_back(f);
  }
  return out;
}

SaveMode parseSaveMode(const std::string& mode) {
  std::string m = mode;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (m == "error" || m == "errorifexists" || m == "default") return SaveMode::kErrorIfExists;
  if (m == "append") return SaveMode::kAppend;
  if (m == "overwrite") return SaveMode::kOverwrite;
  if (m == "ignore") return SaveMode::kIgnore;
  throw InvalidInputError("INVALID_SAVE_MODE", "Unknown save mode '" + mode +
                                                   "'. Accepted save modes are 'overwrite', 'append', "
                                                   "'ignore', 'error', 'errorifexists', 'default'.");
}

bool prepareOutputDirectory(const std::string& dir, SaveMode mode) {
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  if (exists) {
    switch (mode) {
      case SaveMode::kErrorIfExists:
        throw AnalysisError("PATH_ALREADY_EXISTS", "Path " + dir +
                                                       " already exists. Set mode as \"overwrite\" to "
                                                       "overwrite the existing path, or \"append\" to add to it.");
      case SaveMode::kIgnore:
        return false;
      case SaveMode::kOverwrite:
        fs::remove_all(dir, ec);
        if (ec) throw IoError("IO_ERROR", "Cannot remove " + dir + " to overwrite it: " + ec.message());
        break;
      case SaveMode::kAppend:
        break;
    }
  }
  fs::create_directories(dir, ec);
  if (ec) throw IoError("IO_ERROR", "Cannot create directory " + dir + ": " + ec.message());
  return true;
}

std::string partFileName(size_t partition, const std::string& uuid, const std::string& extension) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05zu-", partition);
  return std::string(buf) + uuid + "-c000." + extension;
}

std::string randomUuid() { return base::randomUuid(); }

void writeFileAtomically(const std::string& path, const std::string& contents) {
  std::string tmp = (fs::path(path).parent_path() / ("." + fs::path(path).filename().string() + ".tmp")).string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("IO_ERROR", "Cannot open " + tmp + " for writing");
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) throw IoError("IO_ERROR", "Cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError("IO_ERROR", "Cannot rename " + tmp + " to " + path + ": " + ec.message());
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw IoError("IO_ERROR", "Cannot read " + path);
  return buf.str();
}

}  // namespace weir::formats
