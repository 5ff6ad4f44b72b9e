// The JSON SQL functions: from_json, to_json, get_json_object and json_tuple, with Spark 3.5's
// semantics (JsonToStructs, StructsToJson, GetJsonObject and JsonTuple).
#include <cctype>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/json_reader.h"
#include "weir/expr/json_writer.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

using types::Field;

// Spark reads JSON into the nullable form of the schema (JsonToStructs.nullableSchema).
DataTypePtr asNullable(const DataTypePtr& t) {
  switch (t->id()) {
    case TypeId::kStruct: {
      std::vector<Field> fields;
      for (const auto& f : t->fields())
        fields.push_back({f.name, asNullable(f.type), true, f.metadata});
      return DataType::structOf(std::move(fields));
    }
    case TypeId::kArray:
      return DataType::array(asNullable(t->elementType()), true);
    case TypeId::kMap:
      return DataType::map(t->keyType(), asNullable(t->valueType()), true);
    default:
      return t;
  }
}

void checkArgCount(const Expr& call, const std::vector<ExprPtr>& args, size_t expected) {
  if (args.size() != expected) {
    throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                        "The `" + call.name + "` requires " + std::to_string(expected) +
                            " parameters but the actual number is " + std::to_string(args.size()) +
                            ".");
  }
}

bool isStringLike(const DataTypePtr& t) {
  return t->id() == TypeId::kString || t->id() == TypeId::kNull;
}

// ----- JSON paths (GetJsonObject)

/// One step of a parsed JSON path, as Spark's PathInstruction.
struct PathStep {
  enum class Kind : uint8_t { kSubscript, kWildcard, kKey, kIndex, kNamed };
  explicit PathStep(Kind k, int64_t i = 0, std::string n = {})
      : kind(k), index(i), name(std::move(n)) {}
  Kind kind;
  int64_t index;
  std::string name;
};
using Path = std::vector<PathStep>;

/// Spark's JsonPathParser: "$" followed by ".name", "['name']", "[n]", "[*]", ".*" or "['*']".
/// White space before each token is skipped, as RegexParsers do.
class PathParser {
 public:
  explicit PathParser(std::string_view text) : s_(text) {}

  std::optional<Path> parse() {
    skipSpace();
    if (!literal("$")) return std::nullopt;
    Path path;
    while (true) {
      size_t mark = pos_;
      if (wildcard(path) || named(path) || subscript(path)) continue;
      pos_ = mark;
      break;
    }
    skipSpace();
    if (pos_ != s_.size()) return std::nullopt;
    return path;
  }

 private:
  void skipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool literal(std::string_view lit) {
    size_t save = pos_;
    skipSpace();
    if (s_.substr(pos_, lit.size()) == lit) {
      pos_ += lit.size();
      return true;
    }
    pos_ = save;
    return false;
  }

  bool wildcard(Path& path) {
    size_t save = pos_;
    if (literal(".*") || (pos_ = save, literal("['*']"))) {
      path.emplace_back(PathStep::Kind::kWildcard);
      return true;
    }
    pos_ = save;
    return false;
  }

  bool named(Path& path) {
    size_t save = pos_;
    if (literal(".")) {
      skipSpace();
      size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '[') ++pos_;
      if (pos_ > start) {
        path.emplace_back(PathStep::Kind::kKey);
        path.emplace_back(PathStep::Kind::kNamed, 0, std::string(s_.substr(start, pos_ - start)));
        return true;
      }
    }
    pos_ = save;
    if (literal("['")) {
      skipSpace();
      size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != '\'') ++pos_;
      if (pos_ > start) {
        std::string name(s_.substr(start, pos_ - start));
        if (literal("']")) {
          path.emplace_back(PathStep::Kind::kKey);
          path.emplace_back(PathStep::Kind::kNamed, 0, std::move(name));
          return true;
        }
      }
    }
    pos_ = save;
    return false;
  }

  bool subscript(Path& path) {
    size_t save = pos_;
    if (literal("[")) {
      if (literal("*")) {
        if (literal("]")) {
          path.emplace_back(PathStep::Kind::kSubscript);
          path.emplace_back(PathStep::Kind::kWildcard);
          return true;
        }
      } else {
        skipSpace();
        size_t start = pos_;
        int64_t value = 0;
        bool overflow = false;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
          if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) overflow = true;
          value = overflow ? value : value * 10 + (s_[pos_] - '0');
          ++pos_;
        }
        if (pos_ > start && !overflow && literal("]")) {
          path.emplace_back(PathStep::Kind::kSubscript);
          path.emplace_back(PathStep::Kind::kIndex, value);
          return true;
        }
      }
    }
    pos_ = save;
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

/// Aborts an evaluation on a syntax error (Spark returns null on JsonProcessingException).
struct JsonSyntaxError {};

/// A minimal Jackson JsonGenerator: tracks array contexts to place separators.
class Generator {
 public:
  std::string out;

  void beforeValue() {
    if (contexts_.empty()) {
      if (rootValues_++ > 0) out += ' ';
      return;
    }
    if (contexts_.back()++ > 0) out += ',';
  }
  void writeStartArray() {
    beforeValue();
    out += '[';
    contexts_.push_back(0);
  }
  void writeEndArray() {
    if (contexts_.empty()) throw JsonSyntaxError{};
    contexts_.pop_back();
    out += ']';
  }
  void writeRaw(std::string_view text) { out += text; }
  void writeRawValue(std::string_view text) {
    beforeValue();
    out += text;
  }
  void copyCurrentStructure(JsonTokenizer& p) {
    JsonToken t = p.current();
    if (t == JsonToken::kEndArray || t == JsonToken::kEndObject || t == JsonToken::kFieldName ||
        t == JsonToken::kEnd || t == JsonToken::kError) {
      throw JsonSyntaxError{};
    }
    beforeValue();
    if (!copyJsonStructure(p, out)) throw JsonSyntaxError{};
  }

 private:
  std::vector<int> contexts_;
  int rootValues_ = 0;
};

enum class WriteStyle : uint8_t { kRaw, kQuoted, kFlatten };

JsonFeatures sharedFactoryFeatures() {
  // Spark's SharedFactory for get_json_object and json_tuple (Hive compatible).
  JsonFeatures f;
  f.allowUnquotedControlChars = true;
  f.allowSingleQuotes = true;
  f.allowNonNumericNumbers = false;
  f.replaceInvalidUtf8 = true;
  return f;
}

JsonToken nextToken(JsonTokenizer& p) {
  JsonToken t = p.next();
  if (t == JsonToken::kError || t == JsonToken::kEnd) throw JsonSyntaxError{};
  return t;
}

void skipChildren(JsonTokenizer& p) {
  if (!p.skipChildren()) throw JsonSyntaxError{};
}

bool evaluatePath(JsonTokenizer& p, Generator& g, WriteStyle style, const PathStep* path, size_t n);

bool arrayIndex(JsonTokenizer& p, int64_t pos, const std::function<bool()>& f) {
  while (true) {
    if (pos == 0) return f();
    if (pos > 0 && p.current() != JsonToken::kEndArray) {
      skipChildren(p);
      nextToken(p);
      --pos;
      continue;
    }
    return false;
  }
}

bool isKind(const PathStep* path, size_t n, size_t i, PathStep::Kind kind) {
  return i < n && path[i].kind == kind;
}

// GetJsonObject.evaluatePath, case by case.
bool evaluatePath(JsonTokenizer& p, Generator& g, WriteStyle style, const PathStep* path,
                  size_t n) {
  using K = PathStep::Kind;
  JsonToken token = p.current();
  if (n == 0) {
    if (token == JsonToken::kString && style == WriteStyle::kRaw) {
      g.writeRaw(p.text());
      return true;
    }
    if (token == JsonToken::kStartArray && style == WriteStyle::kFlatten) {
      bool dirty = false;
      while (nextToken(p) != JsonToken::kEndArray) dirty |= evaluatePath(p, g, style, path, 0);
      return dirty;
    }
    g.copyCurrentStructure(p);
    return true;
  }
  if (token == JsonToken::kStartObject && path[0].kind == K::kKey) {
    bool dirty = false;
    while (nextToken(p) != JsonToken::kEndObject) {
      if (dirty) {
        skipChildren(p);
      } else {
        dirty = evaluatePath(p, g, style, path + 1, n - 1);
      }
    }
    return dirty;
  }
  if (token == JsonToken::kStartArray && path[0].kind == K::kSubscript) {
    if (isKind(path, n, 1, K::kWildcard) && isKind(path, n, 2, K::kSubscript) &&
        isKind(path, n, 3, K::kWildcard)) {
      // Hive's non-structure-preserving double wildcard.
      bool dirty = false;
      g.writeStartArray();
      while (nextToken(p) != JsonToken::kEndArray) {
        dirty |= evaluatePath(p, g, WriteStyle::kFlatten, path + 4, n - 4);
      }
      g.writeEndArray();
      return dirty;
    }
    if (isKind(path, n, 1, K::kWildcard) && style != WriteStyle::kQuoted) {
      WriteStyle nextStyle = style == WriteStyle::kRaw ? WriteStyle::kQuoted : WriteStyle::kFlatten;
      Generator buffer;
      buffer.writeStartArray();
      int dirty = 0;
      while (nextToken(p) != JsonToken::kEndArray) {
        dirty += evaluatePath(p, buffer, nextStyle, path + 2, n - 2) ? 1 : 0;
      }
      buffer.writeEndArray();
      if (dirty > 1) {
        g.writeRawValue(buffer.out);
      } else if (dirty == 1) {
        g.writeRawValue(std::string_view(buffer.out).substr(1, buffer.out.size() - 2));
      }
      return dirty > 0;
    }
    if (isKind(path, n, 1, K::kWildcard)) {
      bool dirty = false;
      g.writeStartArray();
      while (nextToken(p) != JsonToken::kEndArray) {
        dirty |= evaluatePath(p, g, WriteStyle::kQuoted, path + 2, n - 2);
      }
      g.writeEndArray();
      return dirty;
    }
    if (isKind(path, n, 1, K::kIndex)) {
      int64_t index = path[1].index;
      nextToken(p);
      if (isKind(path, n, 2, K::kSubscript) && isKind(path, n, 3, K::kWildcard)) {
        return arrayIndex(p, index,
                          [&] { return evaluatePath(p, g, WriteStyle::kQuoted, path + 2, n - 2); });
      }
      return arrayIndex(p, index, [&] { return evaluatePath(p, g, style, path + 2, n - 2); });
    }
  }
  if (token == JsonToken::kFieldName && path[0].kind == K::kNamed && p.text() == path[0].name) {
    if (nextToken(p) != JsonToken::kNull) return evaluatePath(p, g, style, path + 1, n - 1);
    return false;
  }
  if (token == JsonToken::kFieldName && path[0].kind == K::kWildcard) {
    nextToken(p);
    return evaluatePath(p, g, style, path + 1, n - 1);
  }
  skipChildren(p);
  return false;
}

/// get_json_object of one text; nullopt for null.
std::optional<std::string> getJsonObject(std::string_view json, const Path& path) {
  try {
    JsonTokenizer p(json, sharedFactoryFeatures());
    Generator g;
    p.next();
    if (p.current() == JsonToken::kError) return std::nullopt;
    if (p.current() == JsonToken::kEnd) {
      // An empty input: Jackson has no current token; only the empty path copies "nothing".
      return std::nullopt;
    }
    if (!evaluatePath(p, g, WriteStyle::kRaw, path.data(), path.size())) return std::nullopt;
    return std::move(g.out);
  } catch (const JsonSyntaxError&) {
    return std::nullopt;
  }
}

/// json_tuple of one text: the requested fields, or every field null.
void jsonTuple(std::string_view json, const std::vector<std::optional<std::string>>& names,
               std::vector<std::optional<std::string>>& values) {
  for (auto& v : values) v.reset();
  JsonTokenizer p(json, sharedFactoryFeatures());
  if (p.next() != JsonToken::kStartObject) return;
  std::vector<std::optional<std::string>> row(names.size());
  while (true) {
    JsonToken t = p.next();
    if (t == JsonToken::kEndObject) break;
    if (t == JsonToken::kError || t == JsonToken::kEnd) return;
    if (t == JsonToken::kFieldName) {
      std::string field(p.text());
      bool wanted = false;
      for (const auto& name : names) wanted |= name && *name == field;
      if (wanted) {
        JsonToken v = p.next();
        if (v == JsonToken::kError || v == JsonToken::kEnd) return;
        if (v != JsonToken::kNull) {
          std::string text;
          if (v == JsonToken::kString) {
            text = p.text();
          } else if (!copyJsonStructure(p, text)) {
            return;
          }
          for (size_t i = 0; i < names.size(); ++i) {
            if (names[i] && *names[i] == field) row[i] = text;
          }
        }
      }
    }
    if (!p.skipChildren()) return;
  }
  values = std::move(row);
}

std::optional<std::string> stringAt(const Vector& v, size_t row) {
  if (v.typeId() == TypeId::kNull || v.isNull(row)) return std::nullopt;
  return std::string(v.stringAt(row));
}

}  // namespace

void registerJsonFunctions(FunctionRegistry& registry) {
  registry.add("from_json", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1);
    if (!call.schemaArg) {
      throw AnalysisError("INVALID_SCHEMA",
                          "from_json needs a schema: a struct, an array or a map.");
    }
    if (!isStringLike(args[0]->type)) throwTypeMismatch(call, 0, "\"STRING\"");
    DataTypePtr schema = asNullable(call.schemaArg);
    JsonReadOptions options = JsonReadOptions::fromMap(call.options);
    // from_json decodes its input through a java.io.Reader: invalid UTF-8 becomes U+FFFD.
    options.features.replaceInvalidUtf8 = true;
    if (options.mode == JsonParseMode::kDropMalformed) {
      throw AnalysisError("PARSE_MODE_UNSUPPORTED",
                          "from_json() doesn't support the DROPMALFORMED mode. Acceptable modes "
                          "are PERMISSIVE and FAILFAST.");
    }
    auto reader =
        std::make_shared<const JsonReader>(schema, std::move(options), JsonRecordMode::kFunction);
    return boundCall(call, std::move(args), schema,
                     [reader](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) {
                       return reader->parseColumn(*in[0]);
                     });
  });

  registry.add("to_json", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1);
    const DataTypePtr& type = args[0]->type;
    if (type->id() != TypeId::kStruct && type->id() != TypeId::kArray &&
        type->id() != TypeId::kMap) {
      throw AnalysisError("DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                          "Cannot resolve \"" + call.display +
                              "\" due to data type mismatch: Input schema " + type->sql() +
                              " must be a struct, an array or a map.");
    }
    auto writer = std::make_shared<const JsonWriter>(type, JsonWriteOptions::fromMap(call.options));
    return boundCall(call, std::move(args), DataType::string(),
                     [writer](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) {
                       return writer->toJson(*in[0]);
                     });
  });

  registry.add("get_json_object", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2);
    for (auto& a : args) a = castIfNeeded(a, DataType::string());
    std::shared_ptr<const std::optional<Path>> constantPath;
    if (args[1]->kind == ExprKind::kLiteral) {
      std::optional<Path> parsed;
      if (!args[1]->value.isNull()) parsed = PathParser(args[1]->value.asString()).parse();
      constantPath = std::make_shared<const std::optional<Path>>(std::move(parsed));
    }
    return boundCall(call, std::move(args), DataType::string(),
                     [constantPath](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                                    size_t n) -> VectorPtr {
                       StringWriter out(DataType::string(), n);
                       const Vector& json = *in[0];
                       const Vector& paths = *in[1];
                       for (size_t i = 0; i < n; ++i) {
                         auto text = stringAt(json, i);
                         std::optional<Path> rowPath;
                         const std::optional<Path>* path = constantPath.get();
                         if (!path) {
                           if (auto p = stringAt(paths, i)) rowPath = PathParser(*p).parse();
                           path = &rowPath;
                         }
                         std::optional<std::string> result;
                         if (text && path->has_value()) result = getJsonObject(*text, **path);
                         if (result) {
                           out.append(*result);
                         } else {
                           out.appendNull();
                         }
                       }
                       return out.finish();
                     });
  });

  registry.add("json_tuple", [](const Expr& call, std::vector<ExprPtr> args) {
    if (args.size() < 2) {
      throw AnalysisError(
          "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
          "The `json_tuple` requires at least 2 parameters but the actual number is " +
              std::to_string(args.size()) + ".");
    }
    for (auto& a : args) {
      if (!isStringLike(a->type)) a = castIfNeeded(a, DataType::string());
    }
    std::vector<Field> fields;
    for (size_t i = 1; i < args.size(); ++i) {
      fields.push_back({"c" + std::to_string(i - 1), DataType::string(), true, "{}"});
    }
    DataTypePtr type = DataType::structOf(std::move(fields));
    return boundCall(call, std::move(args), type,
                     [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                        size_t n) -> VectorPtr {
                       size_t width = in.size() - 1;
                       std::vector<StringWriter> columns;
                       columns.reserve(width);
                       for (size_t c = 0; c < width; ++c)
                         columns.emplace_back(DataType::string(), n);
                       std::vector<std::optional<std::string>> names(width), values(width);
                       for (size_t i = 0; i < n; ++i) {
                         for (size_t c = 0; c < width; ++c) names[c] = stringAt(*in[c + 1], i);
                         if (auto text = stringAt(*in[0], i)) {
                           jsonTuple(*text, names, values);
                         } else {
                           for (auto& v : values) v.reset();
                         }
                         for (size_t c = 0; c < width; ++c) {
                           if (values[c]) {
                             columns[c].append(*values[c]);
                           } else {
                             columns[c].appendNull();
                           }
                         }
                       }
                       auto out = Vector::make(self.type);
                       for (size_t c = 0; c < width; ++c) out->setChild(c, columns[c].finish());
                       out->resize(n);
                       return out;
                     });
  });
}

}  // namespace weir::expr
