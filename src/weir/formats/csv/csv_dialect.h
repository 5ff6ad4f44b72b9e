// The CSV dialect shared by the reader and the writer: separator, quote, escape, comment and line
// separator, derived from Spark's option strings as CSVOptions does.
#pragma once

#include <string>

#include "weir/base/error.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats {

/// The characters that structure CSV text. A plain value; build it with parseCsvDialect.
struct CsvDialect {
  std::string delimiter = ",";
  char quote = '"';
  char escape = '\\';
  /// charToEscapeQuoteEscaping: escapes the escape character inside quoted values. Defaults to the
  /// escape character when it differs from the quote, else none ('\0').
  char escapeEscape = '\\';
  bool commentSet = false;
  char comment = '\0';
  /// Empty: any of \n, \r\n and \r when reading, \n when writing.
  std::string lineSep;
};

/// Spark's CSVExprUtils.toDelimiterStr: "\t", "\\", "\"" ... escapes, any number of characters.
inline std::string parseCsvDelimiter(const std::string& text) {
  if (text.empty()) throw InvalidInputError("INVALID_OPTION", "Delimiter cannot be empty string.");
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      out += text[i++];
      continue;
    }
    if (i + 1 >= text.size()) {
      throw InvalidInputError(
          "INVALID_OPTION",
          "Single backslash is prohibited. It has special meaning as beginning of "
          "an escape sequence. To get the backslash character, pass a string with "
          "two backslashes as the delimiter.");
    }
    switch (text[i + 1]) {
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        throw InvalidInputError(
            "INVALID_OPTION", "Unsupported special character for delimiter: " + text.substr(i, 2));
    }
    i += 2;
  }
  return out;
}

inline CsvDialect parseCsvDialect(const plan::Options& options) {
  CsvDialect d;
  d.delimiter =
      parseCsvDelimiter(options.has("sep") ? options.get("sep") : options.get("delimiter", ","));
  d.quote = options.getChar("quote", '"');
  d.escape = options.getChar("escape", '\\');
  std::string escapeEscape = options.get("charToEscapeQuoteEscaping");
  if (escapeEscape.size() > 1) {
    throw InvalidInputError(
        "INVALID_OPTION", "Option 'charToEscapeQuoteEscaping' cannot be more than one character.");
  }
  if (!escapeEscape.empty())
    d.escapeEscape = escapeEscape[0];
  else
    d.escapeEscape = d.escape == d.quote ? '\0' : d.escape;
  std::string comment = options.get("comment");
  d.commentSet = comment.size() == 1;
  d.comment = d.commentSet ? comment[0] : '\0';
  if (options.has("lineSep")) {
    d.lineSep = options.get("lineSep");
    if (d.lineSep.empty() || d.lineSep.size() > 2) {
      throw InvalidInputError(
          "INVALID_OPTION",
          "Option 'lineSep' must have one character (or \\r\\n), got '" + d.lineSep + "'.");
    }
  }
  return d;
}

}  // namespace weir::formats
