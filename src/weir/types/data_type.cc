// Data types: construction, DDL and JSON parsing and printing.
#include "weir/types/data_type.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "weir/base/error.h"
#include "weir/base/text.h"

namespace weir::types {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool needsQuoting(const std::string& name) {
  if (name.empty()) return true;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return true;
  }
  return false;
}

std::string quoteName(const std::string& name) {
  if (!needsQuoting(name)) return name;
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += "``";
    else out += c;
  }
  return out + "`";
}

[[noreturn]] void parseFail(std::string_view text, size_t pos, const std::string& why) {
  throw weir::InvalidInputError(
      "PARSE_SYNTAX_ERROR", "Cannot parse the data type or schema '" + std::string(text) +
                                "' at position " + std::to_string(pos) + ": " + why +
                                ". Write it as DDL, e.g. 'id STRING, ts TIMESTAMP, tags ARRAY<STRING>'.");
}

// Recursive-descent parser for Spark's DDL type and schema syntax.
class DdlParser {
 public:
  explicit DdlParser(std::string_view text) : text_(text) {}

  DataTypePtr parseSchema() {
    std::vector<Field> fields;
    skipSpace();
    if (atEnd()) return DataType::structOf({});
    for (;;) {
      fields.push_back(parseField(false));
      skipSpace();
      if (atEnd()) break;
      expect(',');
    }
    return DataType::structOf(std::move(fields));
  }

  DataTypePtr parseSingleType() {
    auto type = parseType();
    skipSpace();
    if (!atEnd()) parseFail(text_, pos_, "unexpected text after the type");
    return type;
  }

  bool atEnd() {
    skipSpace();
    return pos_ >= text_.size();
  }

 private:
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  void expect(char c) {
    skipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) {
      parseFail(text_, pos_, std::string("expected '") + c + "'");
    }
    ++pos_;
  }

  bool accept(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::string identifier() {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '`') {
      std::string out;
      ++pos_;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '`') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '`') {
            out += '`';
            pos_ += 2;
            continue;
          }
          ++pos_;
          return out;
        }
        out += text_[pos_++];
      }
      parseFail(text_, pos_, "unterminated back-quoted name");
    }
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    if (start == pos_) parseFail(text_, pos_, "expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string stringLiteral() {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      parseFail(text_, pos_, "expected a quoted string");
    }
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) parseFail(text_, pos_, "unterminated string");
    ++pos_;
    return out;
  }

  int integer() {
    skipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_) parseFail(text_, pos_, "expected a number");
    return std::stoi(std::string(text_.substr(start, pos_ - start)));
  }

  Field parseField(bool nested) {
    Field field;
    field.name = identifier();
    if (nested) {
      accept(':');
    } else {
      skipSpace();
      if (pos_ < text_.size() && text_[pos_] == ':') ++pos_;
    }
    field.type = parseType();
    // Optional NOT NULL and COMMENT 'text'.
    for (;;) {
      skipSpace();
      size_t save = pos_;
      if (pos_ >= text_.size() || !std::isalpha(static_cast<unsigned char>(text_[pos_]))) break;
      std::string word = upper(identifier());
      if (word == "NOT") {
        if (upper(identifier()) != "NULL") parseFail(text_, pos_, "expected NULL after NOT");
        field.nullable = false;
      } else if (word == "COMMENT") {
        nlohmann::json meta = {{"comment", stringLiteral()}};
        field.metadata = meta.dump();
      } else {
        pos_ = save;
        break;
      }
    }
    return field;
  }

  DataTypePtr parseType() {
    size_t start = pos_;
    std::string name = upper(identifier());
    if (name == "BOOLEAN" || name == "BOOL") return DataType::boolean();
    if (name == "TINYINT" || name == "BYTE") return DataType::byte();
    if (name == "SMALLINT" || name == "SHORT") return DataType::shortType();
    if (name == "INT" || name == "INTEGER") return DataType::integer();
    if (name == "BIGINT" || name == "LONG") return DataType::longType();
    if (name == "FLOAT" || name == "REAL") return DataType::floatType();
    if (name == "DOUBLE") return DataType::doubleType();
    if (name == "STRING") return DataType::string();
    if (name == "VARCHAR" || name == "CHAR") {
      if (accept('(')) {
        integer();
        expect(')');
      }
      return DataType::string();
    }
    if (name == "BINARY") return DataType::binary();
    if (name == "DATE") return DataType::date();
    if (name == "TIMESTAMP" || name == "TIMESTAMP_LTZ") return DataType::timestamp();
    if (name == "TIMESTAMP_NTZ") return DataType::timestampNtz();
    if (name == "VOID" || name == "NULL") return DataType::null();
    if (name == "DECIMAL" || name == "DEC" || name == "NUMERIC") {
      int precision = 10, scale = 0;
      if (accept('(')) {
        precision = integer();
        if (accept(',')) scale = integer();
        expect(')');
      }
      return DataType::decimal(precision, scale);
    }
    if (name == "ARRAY") {
      expect('<');
      auto element = parseType();
      expect('>');
      return DataType::array(element);
    }
    if (name == "MAP") {
      expect('<');
      auto key = parseType();
      expect(',');
      auto value = parseType();
      expect('>');
      return DataType::map(key, value);
    }
    if (name == "STRUCT") {
      expect('<');
      std::vector<Field> fields;
      if (!accept('>')) {
        for (;;) {
          fields.push_back(parseField(true));
          if (accept('>')) break;
          expect(',');
        }
      }
      return DataType::structOf(std::move(fields));
    }
    parseFail(text_, start, "unknown data type '" + name + "'");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

DataTypePtr fromJsonValue(const nlohmann::json& j);

Field fieldFromJson(const nlohmann::json& j) {
  Field f;
  f.name = j.at("name").get<std::string>();
  f.type = fromJsonValue(j.at("type"));
  f.nullable = j.value("nullable", true);
  if (j.contains("metadata")) f.metadata = j.at("metadata").dump();
  return f;
}

DataTypePtr fromJsonValue(const nlohmann::json& j) {
  if (j.is_string()) {
    std::string name = j.get<std::string>();
    if (name.rfind("decimal", 0) == 0) return DataType::fromDDL(name);
    static const std::pair<const char*, DataTypePtr (*)()> kAtomic[] = {
        {"null", &DataType::null},           {"boolean", &DataType::boolean},
        {"byte", &DataType::byte},           {"short", &DataType::shortType},
        {"integer", &DataType::integer},     {"long", &DataType::longType},
        {"float", &DataType::floatType},     {"double", &DataType::doubleType},
        {"string", &DataType::string},       {"binary", &DataType::binary},
        {"date", &DataType::date},           {"timestamp", &DataType::timestamp},
        {"timestamp_ntz", &DataType::timestampNtz}};
    for (const auto& [n, make] : kAtomic) {
      if (name == n) return make();
    }
    if (name.rfind("varchar", 0) == 0 || name.rfind("char", 0) == 0) return DataType::string();
    throw weir::InvalidInputError("INVALID_JSON_SCHEMA", "Unknown data type '" + name + "' in schema JSON");
  }
  std::string type = j.at("type").get<std::string>();
  if (type == "struct") {
    std::vector<Field> fields;
    for (const auto& f : j.at("fields")) fields.push_back(fieldFromJson(f));
    return DataType::structOf(std::move(fields));
  }
  if (type == "array") {
    return DataType::array(fromJsonValue(j.at("elementType")), j.value("containsNull", true));
  }
  if (type == "map") {
    return DataType::map(fromJsonValue(j.at("keyType")), fromJsonValue(j.at("valueType")),
                         j.value("valueContainsNull", true));
  }
  throw weir::InvalidInputError("INVALID_JSON_SCHEMA", "Unknown data type '" + type + "' in schema JSON");
}

nlohmann::ordered_json toJsonValue(const DataType& t);

nlohmann::ordered_json fieldToJson(const Field& f) {
  nlohmann::ordered_json j;
  j["name"] = f.name;
  j["type"] = toJsonValue(*f.type);
  j["nullable"] = f.nullable;
  j["metadata"] = nlohmann::ordered_json::parse(f.metadata.empty() ? "{}" : f.metadata);
  return j;
}

nlohmann::ordered_json toJsonValue(const DataType& t) {
  switch (t.id()) {
    case TypeId::kStruct: {
      nlohmann::ordered_json j;
      j["type"] = "struct";
      j["fields"] = nlohmann::ordered_json::array();
      for (const auto& f : t.fields()) j["fields"].push_back(fieldToJson(f));
      return j;
    }
    case TypeId::kArray: {
      nlohmann::ordered_json j;
      j["type"] = "array";
      j["elementType"] = toJsonValue(*t.elementType());
      j["containsNull"] = t.containsNull();
      return j;
    }
    case TypeId::kMap: {
      nlohmann::ordered_json j;
      j["type"] = "map";
      j["keyType"] = toJsonValue(*t.keyType());
      j["valueType"] = toJsonValue(*t.valueType());
      j["valueContainsNull"] = t.containsNull();
      return j;
    }
    default:
      return typeName(t);
  }
}

void appendTree(const DataType& t, const std::string& prefix, std::string& out);

void appendFieldTree(const std::string& name, const DataType& t, const std::string& nullability,
                     const std::string& prefix, std::string& out) {
  out += prefix + "-- " + name + ": " + typeName(t) + " (" + nullability + ")\n";
  appendTree(t, prefix + "    |", out);
}

void appendTree(const DataType& t, const std::string& prefix, std::string& out) {
  switch (t.id()) {
    case TypeId::kStruct:
      for (const auto& f : t.fields()) {
        appendFieldTree(f.name, *f.type, f.nullable ? "nullable = true" : "nullable = false",
                        prefix, out);
      }
      break;
    case TypeId::kArray:
      appendFieldTree("element", *t.elementType(),
                      t.containsNull() ? "containsNull = true" : "containsNull = false", prefix,
                      out);
      break;
    case TypeId::kMap:
      out += prefix + "-- key: " + typeName(*t.keyType()) + "\n";
      appendTree(*t.keyType(), prefix + "    |", out);
      appendFieldTree("value", *t.valueType(),
                      t.containsNull() ? "valueContainsNull = true" : "valueContainsNull = false",
                      prefix, out);
      break;
    default:
      break;
  }
}

}  // namespace

#define WEIR_SINGLETON_TYPE(fn, id)                                          \
  DataTypePtr DataType::fn() {                                               \
    static const DataTypePtr instance(new DataType(TypeId::id));             \
    return instance;                                                         \
  }
WEIR_SINGLETON_TYPE(null, kNull)
WEIR_SINGLETON_TYPE(boolean, kBoolean)
WEIR_SINGLETON_TYPE(byte, kByte)
WEIR_SINGLETON_TYPE(shortType, kShort)
WEIR_SINGLETON_TYPE(integer, kInteger)
WEIR_SINGLETON_TYPE(longType, kLong)
WEIR_SINGLETON_TYPE(floatType, kFloat)
WEIR_SINGLETON_TYPE(doubleType, kDouble)
WEIR_SINGLETON_TYPE(string, kString)
WEIR_SINGLETON_TYPE(binary, kBinary)
WEIR_SINGLETON_TYPE(date, kDate)
WEIR_SINGLETON_TYPE(timestamp, kTimestamp)
WEIR_SINGLETON_TYPE(timestampNtz, kTimestampNtz)
#undef WEIR_SINGLETON_TYPE

DataTypePtr DataType::decimal(int precision, int scale) {
  if (precision < 1 || precision > kMaxDecimalPrecision || scale < 0 || scale > precision) {
    throw weir::InvalidInputError(
        "INVALID_DECIMAL", "decimal(" + std::to_string(precision) + "," + std::to_string(scale) +
                               ") is invalid: precision must be 1 to 38 and scale 0 to precision");
  }
  auto t = std::shared_ptr<DataType>(new DataType(TypeId::kDecimal));
  t->precision_ = precision;
  t->scale_ = scale;
  return t;
}

DataTypePtr DataType::structOf(std::vector<Field> fields) {
  auto t = std::shared_ptr<DataType>(new DataType(TypeId::kStruct));
  for (auto& f : fields) WEIR_CHECK(f.type != nullptr);
  t->fields_ = std::move(fields);
  return t;
}

DataTypePtr DataType::array(DataTypePtr element, bool containsNull) {
  WEIR_CHECK(element != nullptr);
  auto t = std::shared_ptr<DataType>(new DataType(TypeId::kArray));
  t->children_ = {std::move(element)};
  t->containsNull_ = containsNull;
  return t;
}

DataTypePtr DataType::map(DataTypePtr key, DataTypePtr value, bool valueContainsNull) {
  WEIR_CHECK(key != nullptr && value != nullptr);
  auto t = std::shared_ptr<DataType>(new DataType(TypeId::kMap));
  t->children_ = {std::move(key), std::move(value)};
  t->containsNull_ = valueContainsNull;
  return t;
}

DataTypePtr DataType::fromDDL(std::string_view ddl) {
  DdlParser parser(ddl);
  return parser.parseSingleType();
}

DataTypePtr DataType::fromJson(std::string_view json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw weir::InvalidInputError("INVALID_JSON_SCHEMA",
                                  "The schema JSON is malformed: " + std::string(e.what()));
  }
  try {
    return fromJsonValue(j);
  } catch (const nlohmann::json::exception& e) {
    throw weir::InvalidInputError("INVALID_JSON_SCHEMA",
                                  "The schema JSON is not a Spark data type: " + std::string(e.what()));
  }
}

std::optional<size_t> DataType::fieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  std::string target = base::asciiLower(name);
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (base::asciiLower(fields_[i].name) == target) return i;
  }
  return std::nullopt;
}

bool DataType::isNumeric() const {
  switch (id_) {
    case TypeId::kByte:
    case TypeId::kShort:
    case TypeId::kInteger:
    case TypeId::kLong:
    case TypeId::kFloat:
    case TypeId::kDouble:
    case TypeId::kDecimal:
      return true;
    default:
      return false;
  }
}

bool DataType::isIntegral() const {
  return id_ == TypeId::kByte || id_ == TypeId::kShort || id_ == TypeId::kInteger ||
         id_ == TypeId::kLong;
}

int DataType::fixedWidth() const {
  switch (id_) {
    case TypeId::kNull:
    case TypeId::kBoolean:
    case TypeId::kByte:
      return 1;
    case TypeId::kShort:
      return 2;
    case TypeId::kInteger:
    case TypeId::kFloat:
    case TypeId::kDate:
      return 4;
    case TypeId::kLong:
    case TypeId::kDouble:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return 8;
    case TypeId::kDecimal:
      return 16;
    default:
      return 0;
  }
}

std::string typeName(const DataType& t) {
  switch (t.id()) {
    case TypeId::kNull: return "void";
    case TypeId::kBoolean: return "boolean";
    case TypeId::kByte: return "byte";
    case TypeId::kShort: return "short";
    case TypeId::kInteger: return "integer";
    case TypeId::kLong: return "long";
    case TypeId::kFloat: return "float";
    case TypeId::kDouble: return "double";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(t.precision()) + "," + std::to_string(t.scale()) + ")";
    case TypeId::kString: return "string";
    case TypeId::kBinary: return "binary";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kTimestampNtz: return "timestamp_ntz";
    case TypeId::kStruct: return "struct";
    case TypeId::kArray: return "array";
    case TypeId::kMap: return "map";
  }
  return "unknown";
}

std::string DataType::simpleString() const {
  switch (id_) {
    case TypeId::kByte: return "tinyint";
    case TypeId::kShort: return "smallint";
    case TypeId::kInteger: return "int";
    case TypeId::kLong: return "bigint";
    case TypeId::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < fields_.size(); ++i) {
        if (i) out += ",";
        out += fields_[i].name + ":" + fields_[i].type->simpleString();
      }
      return out + ">";
    }
    case TypeId::kArray: return "array<" + elementType()->simpleString() + ">";
    case TypeId::kMap:
      return "map<" + keyType()->simpleString() + "," + valueType()->simpleString() + ">";
    default: return typeName(*this);
  }
}

std::string DataType::sql() const {
  switch (id_) {
    case TypeId::kStruct: {
      std::string out = "STRUCT<";
      for (size_t i = 0; i < fields_.size(); ++i) {
        if (i) out += ", ";
        out += quoteName(fields_[i].name) + ": " + fields_[i].type->sql();
        if (!fields_[i].nullable) out += " NOT NULL";
      }
      return out + ">";
    }
    case TypeId::kArray: return "ARRAY<" + elementType()->sql() + ">";
    case TypeId::kMap: return "MAP<" + keyType()->sql() + ", " + valueType()->sql() + ">";
    case TypeId::kNull: return "VOID";
    default: return upper(simpleString());
  }
}

std::string DataType::json() const { return toJsonValue(*this).dump(); }

std::string DataType::toDDL() const {
  WEIR_CHECK(id_ == TypeId::kStruct);
  std::string out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ",";
    out += quoteName(fields_[i].name) + " " + fields_[i].type->sql();
    if (!fields_[i].nullable) out += " NOT NULL";
    auto meta = nlohmann::json::parse(fields_[i].metadata.empty() ? "{}" : fields_[i].metadata);
    if (meta.contains("comment") && meta["comment"].is_string()) {
      out += " COMMENT '" + meta["comment"].get<std::string>() + "'";
    }
  }
  return out;
}

std::string DataType::treeString() const {
  std::string out = "root\n";
  appendTree(*this, " |", out);
  return out;
}

bool DataType::equals(const DataType& other, bool ignoreNullability) const {
  if (id_ != other.id_) return false;
  switch (id_) {
    case TypeId::kDecimal:
      return precision_ == other.precision_ && scale_ == other.scale_;
    case TypeId::kStruct:
      if (fields_.size() != other.fields_.size()) return false;
      for (size_t i = 0; i < fields_.size(); ++i) {
        if (fields_[i].name != other.fields_[i].name) return false;
        if (!ignoreNullability && fields_[i].nullable != other.fields_[i].nullable) return false;
        if (!fields_[i].type->equals(*other.fields_[i].type, ignoreNullability)) return false;
      }
      return true;
    case TypeId::kArray:
    case TypeId::kMap:
      if (!ignoreNullability && containsNull_ != other.containsNull_) return false;
      for (size_t i = 0; i < children_.size(); ++i) {
        if (!children_[i]->equals(*other.children_[i], ignoreNullability)) return false;
      }
      return true;
    default:
      return true;
  }
}

bool operator==(const DataType& a, const DataType& b) { return a.equals(b); }

StructType::StructType(DataTypePtr type) : type_(std::move(type)) {
  if (type_->id() != TypeId::kStruct) {
    throw weir::InvalidInputError("INVALID_SCHEMA",
                                  "A schema must be a struct type, got " + type_->simpleString());
  }
}

StructType StructType::fromDDL(std::string_view ddl) {
  std::string_view trimmed = ddl;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  // "STRUCT<...>" is accepted as well as a field list.
  if (upper(trimmed.substr(0, 7)) == "STRUCT<") {
    return StructType(DataType::fromDDL(trimmed));
  }
  DdlParser parser(ddl);
  return StructType(parser.parseSchema());
}

StructType StructType::fromJson(std::string_view json) { return StructType(DataType::fromJson(json)); }

StructType StructType::add(const std::string& name, const std::string& type, bool nullable) const {
  return add(name, DataType::fromDDL(type), nullable);
}

StructType StructType::add(const std::string& name, DataTypePtr type, bool nullable) const {
  auto fields = type_->fields();
  fields.push_back(Field{name, std::move(type), nullable, "{}"});
  return StructType(DataType::structOf(std::move(fields)));
}

std::vector<std::string> StructType::fieldNames() const {
  std::vector<std::string> names;
  for (const auto& f : fields()) names.push_back(f.name);
  return names;
}

}  // namespace weir::types
