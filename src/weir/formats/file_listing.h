// Expansion of user-given input paths (files, directories, glob patterns) into data files, and
// output directory handling shared by the file formats.
#pragma once

#include <string>
#include <vector>

namespace weir::formats {

/// Expands each path: a file is itself; a directory gives its data files (recursively, skipping
/// names starting with '_' or '.', as Spark does); a glob pattern gives its matches. Sorted.
/// Throws AnalysisError PATH_NOT_FOUND when a path matches nothing.
/// A directory written by a streaming file sink (it has _spark_metadata) gives only the files its
/// metadata log lists: the committed batches, never the files of a failed attempt.
std::vector<std::string> listDataFiles(const std::vector<std::string>& paths);

/// The files the streaming file sink log of `dir` lists (dir/_spark_metadata: the newest
/// N.compact and the plain entries after it), in log order; files that no longer exist are left
/// out.
std::vector<std::string> listSinkLogFiles(const std::string& dir);

/// Spark's save modes for file writers.
enum class SaveMode { kErrorIfExists, kAppend, kOverwrite, kIgnore };
SaveMode parseSaveMode(const std::string& mode);

/// Prepares `dir` for writing under `mode`. Returns false when nothing should be written
/// (kIgnore on an existing path). Throws PATH_ALREADY_EXISTS for kErrorIfExists.
bool prepareOutputDirectory(const std::string& dir, SaveMode mode);

/// A new part file name: "part-00003-<uuid>-c000.<extension>".
std::string partFileName(size_t partition, const std::string& uuid, const std::string& extension);
/// A random version 4 UUID string.
std::string randomUuid();

/// Writes `contents` to `path` atomically (temporary file, then rename).
void writeFileAtomically(const std::string& path, const std::string& contents);
/// Reads a whole file; throws IoError naming the path on failure.
std::string readFile(const std::string& path);

}  // namespace weir::formats
