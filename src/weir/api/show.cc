// Spark's showString.
#include "weir/api/show.h"

#include <algorithm>

namespace weir::api {
namespace {

// Width in characters (UTF-8 code points).
size_t displayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `chars` characters of s.
std::string prefixChars(const std::string& s, size_t chars) {
  size_t count = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == chars) break;
      ++count;
    }
  }
  return s.substr(0, i);
}

std::string cell(const columnar::Value& v, int truncate) {
  std::string s = v.toString();
  if (truncate > 0 && displayWidth(s) > static_cast<size_t>(truncate)) {
    if (truncate < 4) return prefixChars(s, truncate);
    return prefixChars(s, truncate - 3) + "...";
  }
  return s;
}

std::string pad(const std::string& s, size_t width, bool left) {
  size_t w = displayWidth(s);
  if (w >= width) return s;
  std::string fill(width - w, ' ');
  return left ? fill + s : s + fill;
}

}  // namespace

std::string formatShow(const types::DataTypePtr& schema, const std::vector<columnar::Row>& rows, int n,
                       int truncate, bool vertical) {
  size_t numRows = std::max(0, n);
  bool hasMore = rows.size() > numRows;
  size_t shown = std::min(rows.size(), numRows);
  const auto& fields = schema->fields();
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header;
  for (const auto& f : fields) header.push_back(cell(columnar::Value::string(f.name), truncate));
  table.push_back(header);
  for (size_t r = 0; r < shown; ++r) {
    std::vector<std::string> line;
    for (size_t c = 0; c < fields.size(); ++c) line.push_back(cell(rows[r][c], truncate));
    table.push_back(line);
  }
  std::string out;
  if (!vertical) {
    std::vector<size_t> widths(fields.size(), 3);
    for (const auto& line : table) {
      for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], displayWidth(line[c]));
    }
    std::string sep = "+";
    for (size_t w : widths) sep += std::string(w, '-') + "+";
    sep += "\n";
    out += sep;
    for (size_t r = 0; r < table.size(); ++r) {
      out += "|";
      for (size_t c = 0; c < fields.size(); ++c) out += pad(table[r][c], widths[c], truncate > 0) + "|";
      out += "\n";
      if (r == 0) out += sep;
    }
    out += sep;
  } else {
    size_t nameWidth = 0, valueWidth = 0;
    for (const auto& h : header) nameWidth = std::max(nameWidth, displayWidth(h));
    for (size_t r = 1; r < table.size(); ++r) {
      for (const auto& v : table[r]) valueWidth = std::max(valueWidth, displayWidth(v));
    }
    size_t total = nameWidth + valueWidth + 3;
    for (size_t r = 1; r < table.size(); ++r) {
      std::string title = "-RECORD " + std::to_string(r - 1);
      out += title + std::string(total > displayWidth(title) ? total - displayWidth(title) : 0, '-') + "\n";
      for (size_t c = 0; c < fields.size(); ++c) {
        out += " " + pad(header[c], nameWidth, false) + " | " + pad(table[r][c], valueWidth, false) + " \n";
      }
    }
    if (shown == 0) out += "(0 rows)\n";
  }
  if (hasMore) out += "only showing top " + std::to_string(numRows) + (numRows == 1 ? " row\n" : " rows\n");
  return out;
}

}  // namespace weir::api
