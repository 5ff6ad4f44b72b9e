// CSV writer: one part file per partition, quoting and escaping values as Spark's univocity
// CsvWriter does, optionally gzip- or deflate-compressed, then an empty _SUCCESS marker.
#include <zlib.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <filesystem>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"
#include "weir/expr/json_writer.h"
#include "weir/formats/compressed_file.h"
#include "weir/formats/csv/csv_dialect.h"
#include "weir/formats/csv/csv_format.h"
#include "weir/formats/file_listing.h"

namespace weir::formats {
namespace {

using columnar::int128_t;
using columnar::Vector;
using types::DataTypePtr;
using types::TypeId;


struct WriteOptions {
  CsvDialect dialect;
  bool header = false;
  bool quoteAll = false;
  bool escapeQuotes = true;
  bool ignoreLeading = true;
  bool ignoreTrailing = true;
  std::string nullValue;
  std::string emptyValue;
  std::string timestampFormat;
  std::string timestampNtzFormat;
  std::string dateFormat;
  std::string lineSep;
  /// univocity quotes a first value starting with the comment character ('#' unless set).
  char comment = '#';
  Compression compression = Compression::kNone;
};

// Formatting has no use for optional sections: every field of a timestamp is available, so
// "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]" prints as if the brackets were not there.
std::string withoutOptionalSections(const std::string& pattern) {
  std::string out;
  bool quoted = false;
  for (char c : pattern) {
    if (c == '\'') quoted = !quoted;
    if (!quoted && (c == '[' || c == ']')) continue;
    out += c;
  }
  return out;
}

WriteOptions parseWriteOptions(const plan::Options& o) {
  WriteOptions w;
  w.dialect = parseCsvDialect(o);
  w.header = o.getBool("header", false);
  w.quoteAll = o.getBool("quoteAll", false);
  w.escapeQuotes = o.getBool("escapeQuotes", true);
  w.ignoreLeading = o.getBool("ignoreLeadingWhiteSpace", true);
  w.ignoreTrailing = o.getBool("ignoreTrailingWhiteSpace", true);
  w.nullValue = o.get("nullValue", "");
  w.emptyValue = o.get("emptyValue", "\"\"");
  w.timestampFormat =
      withoutOptionalSections(o.get("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
  w.timestampNtzFormat =
      withoutOptionalSections(o.get("timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS"));
  w.dateFormat = withoutOptionalSections(o.get("dateFormat", "yyyy-MM-dd"));
  w.lineSep = w.dialect.lineSep.empty() ? "\n" : w.dialect.lineSep;
  if (w.dialect.commentSet) w.comment = w.dialect.comment;
  w.compression = parseCompression(o, "CSV");
  std::string encoding =
      base::asciiLower(o.has("encoding") ? o.get("encoding") : o.get("charset", "UTF-8"));
  if (encoding != "utf-8" && encoding != "utf8") {
    throw UnsupportedOperationError(
        "UNSUPPORTED_ENCODING",
        "The CSV writer writes UTF-8 only, got encoding '" + encoding + "'.");
  }
  return w;
}


/// Renders rows as CSV text with univocity's writer rules as Spark configures them. One per task.
class CsvRowWriter {
 public:
  explicit CsvRowWriter(const WriteOptions& options) : o_(options) {
    // univocity's quotation triggers: line breaks, the line separator, the quote when quotes are
    // escaped, and the first character of the separator (checked in full when met).
    triggers_.fill(false);
    triggers_['\n'] = triggers_['\r'] = true;
    for (char c : o_.lineSep) triggers_[static_cast<unsigned char>(c)] = true;
    if (o_.escapeQuotes) triggers_[static_cast<unsigned char>(o_.dialect.quote)] = true;
    triggers_[static_cast<unsigned char>(o_.dialect.delimiter[0])] = true;
  }

  void writeHeader(const types::DataType& schema, std::string& out) {
    const auto& fields = schema.fields();
    for (size_t c = 0; c < fields.size(); ++c) {
      if (c > 0) out += o_.dialect.delimiter;
      writeValue(fields[c].name, c, out);
    }
    out += o_.lineSep;
  }

  void writeRow(const columnar::ColumnBatch& batch, size_t row, std::string& out) {
    for (size_t c = 0; c < batch.numColumns(); ++c) {
      if (c > 0) out += o_.dialect.delimiter;
      const Vector& v = *batch.column(c);
      if (v.isNull(row) || v.typeId() == TypeId::kNull) {
        writeNull(out);
        continue;
      }
      format(v, row, value_);
      writeValue(value_, c, out);
    }
    out += o_.lineSep;
  }

 private:
  // The text Spark's UnivocityGenerator hands to univocity for a non-null value.
  void format(const Vector& v, size_t row, std::string& text) const {
    char buf[48];
    auto integral = [&](int64_t x) {
      auto r = std::to_chars(buf, buf + sizeof buf, x);
      text.assign(buf, r.ptr);
    };
    switch (v.typeId()) {
      case TypeId::kBoolean:
        text = v.valueAt<uint8_t>(row) ? "true" : "false";
        return;
      case TypeId::kByte:
        integral(v.valueAt<int8_t>(row));
        return;
      case TypeId::kShort:
        integral(v.valueAt<int16_t>(row));
        return;
      case TypeId::kInteger:
        integral(v.valueAt<int32_t>(row));
        return;
      case TypeId::kLong:
        integral(v.valueAt<int64_t>(row));
        return;
      case TypeId::kFloat:
        text = columnar::formatFloat(v.valueAt<float>(row));
        return;
      case TypeId::kDouble:
        text = columnar::formatDouble(v.valueAt<double>(row));
        return;
      case TypeId::kDecimal:
        text = expr::decimalToJavaString(v.valueAt<int128_t>(row), v.type()->scale());
        return;
      case TypeId::kString:
      case TypeId::kBinary:
        text.assign(v.stringAt(row));
        return;
      case TypeId::kDate:
        text = base::formatWithPattern(
            static_cast<int64_t>(v.valueAt<int32_t>(row)) * base::kMicrosPerDay, o_.dateFormat);
        return;
      case TypeId::kTimestamp:
        text = base::formatWithPattern(v.valueAt<int64_t>(row), o_.timestampFormat);
        return;
      case TypeId::kTimestampNtz:
        text = base::formatWithPattern(v.valueAt<int64_t>(row), o_.timestampNtzFormat);
        return;
      default:
        break;
    }
    throw InternalError("INTERNAL_ERROR", "CSV value of unsupported type " + v.type()->sql());
  }

  void writeNull(std::string& out) const {
    // The null value is written as is; quoteAll still quotes it.
    writeSpecial(o_.nullValue, o_.quoteAll, out);
  }

  // A configured null or empty value: written as is when it is already quoted.
  void writeSpecial(const std::string& value, bool quoted, std::string& out) const {
    bool startsWithQuote = !value.empty() && value[0] == o_.dialect.quote;
    if (quoted || startsWithQuote) {
      if (value.size() >= 2 && startsWithQuote && value.back() == o_.dialect.quote) {
        out += value;
      } else {
        appendQuoted(value, out);
      }
      return;
    }
    out += value;
  }

  void writeValue(std::string_view value, size_t column, std::string& out) const {
    size_t start = 0, end = value.size();
    if (o_.ignoreLeading) {
      while (start < end && static_cast<unsigned char>(value[start]) <= ' ') ++start;
    }
    if (o_.ignoreTrailing) {
      while (end > start && static_cast<unsigned char>(value[end - 1]) <= ' ') --end;
    }
    if (start == end) {
      // Empty, or only whitespace that was trimmed away: the empty value stands in.
      writeSpecial(o_.emptyValue, o_.quoteAll, out);
      return;
    }
    std::string_view body = value.substr(start, end - start);
    bool quoted = o_.quoteAll || body[0] == o_.dialect.quote ||
                  (column == 0 && value[0] == o_.comment) || needsQuotes(body);
    if (quoted)
      appendQuoted(body, out);
    else
      out += body;
  }

  bool needsQuotes(std::string_view body) const {
    const std::string& sep = o_.dialect.delimiter;
    for (size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (!triggers_[static_cast<unsigned char>(c)]) continue;
      if (c != sep[0] || sep.size() == 1 || body.compare(i, sep.size(), sep) == 0) return true;
      // The first character of a longer separator: a trigger only if it is one on its own.
      if (c == '\n' || c == '\r' || o_.lineSep.find(c) != std::string::npos ||
          (o_.escapeQuotes && c == o_.dialect.quote)) {
        return true;
      }
    }
    return false;
  }

  void appendQuoted(std::string_view body, std::string& out) const {
    const char quote = o_.dialect.quote, escape = o_.dialect.escape,
               escapeEscape = o_.dialect.escapeEscape;
    out += quote;
    for (char c : body) {
      if (c == quote) {
        if (escape != '\0') out += escape;
      } else if (c == escape && escapeEscape != '\0') {
        out += escapeEscape;
      }
      out += c;
    }
    out += quote;
  }

  const WriteOptions& o_;
  std::array<bool, 256> triggers_;
  std::string value_;
};

constexpr size_t kFlushBytes = 1 << 20;

void writePartition(const plan::Partition& partition, const types::DataType& schema,
                    const std::string& path, const WriteOptions& options) {
  PartFileWriter file(path, options.compression);
  CsvRowWriter writer(options);
  std::string buffer;
  if (options.header) writer.writeHeader(schema, buffer);
  for (const auto& batch : partition) {
    for (size_t row = 0; row < batch.numRows(); ++row) {
      writer.writeRow(batch, row, buffer);
      if (buffer.size() >= kFlushBytes) {
        file.write(buffer);
        buffer.clear();
      }
    }
  }
  file.write(buffer);
  file.close();
}

}  // namespace

void writeCsvFiles(const plan::Partitions& data, const types::DataTypePtr& schema,
                   const std::string& dir, const plan::Options& options) {
  for (const auto& f : schema->fields()) {
    if (f.type->isNested()) {
      throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                          "The CSV datasource doesn't support the column `" + f.name +
                              "` of the type \"" + f.type->sql() + "\".");
    }
  }
  WriteOptions o = parseWriteOptions(options);
  std::string extension = compressedExtension("csv", o.compression);
  std::string uuid = randomUuid();
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t i) {
    std::string path = (std::filesystem::path(dir) / partFileName(i, uuid, extension)).string();
    writePartition(data[i], *schema, path, o);
  });
  writeFileAtomically((std::filesystem::path(dir) / "_SUCCESS").string(), "");
}

}  // namespace weir::formats
