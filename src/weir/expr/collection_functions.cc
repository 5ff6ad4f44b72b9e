// Spark's struct, array and map functions: the constructors (struct, named_struct, array, map),
// size, array_contains, element_at, and the extractors behind Column::getItem and getField.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/cast.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

void checkArgCount(const Expr& call, size_t actual, size_t min, size_t max) {
  if (actual >= min && actual <= max) return;
  std::string expected = min == max ? std::to_string(min)
                                    : "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                      "The `" + call.name + "` requires " + expected +
                          " parameters but the actual number is " + std::to_string(actual) + ".");
}

// DATATYPE_MISMATCH naming the bound argument's type (the call's own children are unbound).
[[noreturn]] void mismatch(const Expr& call, const std::vector<ExprPtr>& args, size_t i,
                           const std::string& expected) {
  Expr typed = call;
  typed.children = args;
  throwTypeMismatch(typed, i, expected);
}

std::string typeList(const std::vector<ExprPtr>& args) {
  std::string out = "[";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += "\"" + args[i]->type->sql() + "\"";
  }
  return out + "]";
}

bool isStringLiteral(const Expr& e) {
  return e.kind == ExprKind::kLiteral && !e.value.isNull() && e.type &&
         e.type->id() == TypeId::kString;
}

// The name Spark's CreateStruct gives argument `index`: a column's last name part, an alias, an
// extracted field's name (getField/getItem with a string), else "col<index + 1>".
std::string structFieldName(const Expr& arg, size_t index) {
  switch (arg.kind) {
    case ExprKind::kColumn:
    case ExprKind::kAlias:
    case ExprKind::kBoundColumn:
    case ExprKind::kGetField:
      return outputName(arg);
    case ExprKind::kCall:
      if ((arg.name == "get_field" || arg.name == "get_item") && arg.children.size() == 2 &&
          isStringLiteral(*arg.children[1])) {
        return arg.children[1]->value.asString();
      }
      break;
    default:
      break;
  }
  return "col" + std::to_string(index + 1);
}

// Spark's findTightestCommonType: the same type, or a widening without loss (no string promotion).
DataTypePtr tightestCommonType(const DataTypePtr& a, const DataTypePtr& b) {
  if (a->equals(*b, true)) return a;
  if (a->id() == TypeId::kNull) return b;
  if (b->id() == TypeId::kNull) return a;
  if (a->isNumeric() && b->isNumeric()) {
    bool decA = a->id() == TypeId::kDecimal, decB = b->id() == TypeId::kDecimal;
    if (!decA && !decB) return widerType(a, b);
    if (decA && decB) return nullptr;
    const DataTypePtr& decimal = decA ? a : b;
    const DataTypePtr& other = decA ? b : a;
    if (!other->isIntegral()) return nullptr;
    DataTypePtr wide = widerType(a, b);
    return wide && wide->equals(*decimal, true) ? decimal : nullptr;
  }
  bool aTime =
      a->id() == TypeId::kDate || a->id() == TypeId::kTimestamp || a->id() == TypeId::kTimestampNtz;
  bool bTime =
      b->id() == TypeId::kDate || b->id() == TypeId::kTimestamp || b->id() == TypeId::kTimestampNtz;
  if (aTime && bTime) return widerType(a, b);
  return nullptr;
}

template <class T>
bool sameValue(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  }
  return a == b;
}

// Calls body(eq) once with eq(k, i) telling whether haystack row k equals needles row i (both of
// one type), so the per-element loop in `body` is compiled per type. NaN equals NaN, as Spark's
// ordering; nested values compare as values.
template <class Body>
void withEquality(const Vector& haystack, const Vector& needles, Body&& body) {
  switch (haystack.typeId()) {
    case TypeId::kNull:
      body([](size_t, size_t) { return false; });
      return;
    case TypeId::kString:
    case TypeId::kBinary:
      body([&](size_t k, size_t i) { return haystack.stringAt(k) == needles.stringAt(i); });
      return;
    case TypeId::kStruct:
    case TypeId::kArray:
    case TypeId::kMap:
      body([&](size_t k, size_t i) { return haystack.getValue(k) == needles.getValue(i); });
      return;
    default:
      dispatchFixed(haystack.typeId(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* h = haystack.values<T>();
        const T* v = needles.values<T>();
        body([h, v](size_t k, size_t i) { return sameValue<T>(h[k], v[i]); });
      });
  }
}

// One gather of `source` rows, one per output row; a negative pick makes the row null.
VectorPtr gatherOrNull(const Vector& source, const std::vector<int64_t>& picks,
                       const DataTypePtr& type) {
  size_t n = picks.size();
  if (source.size() == 0 || source.typeId() == TypeId::kNull) return Vector::nulls(type, n);
  std::vector<uint32_t> rows(n);
  bool anyNull = false;
  for (size_t i = 0; i < n; ++i) {
    anyNull |= picks[i] < 0;
    rows[i] = picks[i] < 0 ? 0 : static_cast<uint32_t>(picks[i]);
  }
  auto out = Vector::make(type, n);
  out->appendSelected(source, rows.data(), n);
  if (anyNull) {
    for (size_t i = 0; i < n; ++i) {
      if (picks[i] < 0) out->setNull(i);
    }
  }
  return out;
}

// `field` with the rows where `parent` is null made null too (a field of a null struct is null).
VectorPtr withParentNulls(const VectorPtr& field, const Vector& parent) {
  if (!parent.mayHaveNulls()) return field;
  auto out = Vector::make(field->type(), field->size());
  out->appendRange(*field, 0, field->size());
  for (size_t i = 0; i < parent.size(); ++i) {
    if (parent.isNull(i)) out->setNull(i);
  }
  return out;
}

// Writes the k argument vectors row-major into `child`: row i's elements at i*k .. i*k+k-1.
void interleave(Vector& child, const std::vector<VectorPtr>& in, size_t begin, size_t step,
                size_t k, size_t n) {
  const DataTypePtr& type = child.type();
  int width = type->fixedWidth();
  if (width > 0 && type->id() != TypeId::kNull) {
    child.resize(n * k);
    uint8_t* dst = child.valuesVector().data();
    std::vector<uint8_t> nulls(n * k, 0);
    bool anyNull = false;
    for (size_t j = 0; j < k; ++j) {
      const Vector& arg = *in[begin + j * step];
      const uint8_t* src = arg.values<uint8_t>();
      for (size_t i = 0; i < n; ++i) std::memcpy(dst + (i * k + j) * width, src + i * width, width);
      if (arg.mayHaveNulls()) {
        for (size_t i = 0; i < n; ++i) {
          if (arg.isNull(i)) nulls[i * k + j] = 1, anyNull = true;
        }
      }
    }
    if (anyNull) child.setNullMask(nulls.data(), n * k);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < k; ++j) child.appendFrom(*in[begin + j * step], i);
  }
}

void setListOffsets(Vector& out, size_t k, size_t n) {
  auto& offsets = out.offsetsVector();
  offsets.resize(n + 1);
  for (size_t i = 0; i <= n; ++i) offsets[i] = static_cast<uint32_t>(i * k);
  out.setSizeUnchecked(n);
}

// The struct shares the argument vectors as its fields: vectors are immutable once built.
VectorPtr makeStruct(const std::vector<VectorPtr>& in, const Expr& self, size_t n) {
  auto out = Vector::make(self.type);
  for (size_t j = 0; j < in.size(); ++j) out->setChild(j, std::const_pointer_cast<Vector>(in[j]));
  out->resize(n);
  return out;
}

DataTypePtr commonElementType(const Expr& call, const std::vector<ExprPtr>& values) {
  DataTypePtr common = DataType::null();
  for (const auto& v : values) {
    DataTypePtr w = widerType(common, v->type);
    if (!w) {
      throw AnalysisError("DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                          "Cannot resolve \"" + call.display +
                              "\" due to data type mismatch: Input to `" + call.name +
                              "` should all be the same type, but it's " + typeList(values) + ".");
    }
    common = w;
  }
  return common;
}

void registerConstructors(FunctionRegistry& r) {
  // struct(a, b AS x, 1) -> struct<a, x, col3>. A bound call keeps its type in schemaArg, so
  // binding it again keeps the names.
  r.add("struct", [](const Expr& call, std::vector<ExprPtr> args) {
    std::vector<types::Field> fields;
    bool rebind = call.kernel && call.schemaArg && call.schemaArg->fields().size() == args.size();
    for (size_t i = 0; i < args.size(); ++i) {
      std::string name =
          rebind ? call.schemaArg->fields()[i].name : structFieldName(*call.children[i], i);
      fields.push_back({name, args[i]->type, args[i]->nullable, "{}"});
    }
    DataTypePtr type = DataType::structOf(std::move(fields));
    auto bound = std::const_pointer_cast<Expr>(boundCall(
        call, std::move(args), type,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) {
          return makeStruct(in, self, n);
        },
        false));
    bound->schemaArg = type;
    return bound;
  });

  // named_struct(name1, value1, ...): names are non-null string literals. The bound call keeps only
  // the values; its type (in schemaArg) keeps the names for binding again.
  r.add("named_struct", [](const Expr& call, std::vector<ExprPtr> args) {
    std::vector<types::Field> fields;
    std::vector<ExprPtr> values;
    if (call.kernel && call.schemaArg && call.schemaArg->fields().size() == args.size()) {
      for (size_t i = 0; i < args.size(); ++i) {
        fields.push_back(
            {call.schemaArg->fields()[i].name, args[i]->type, args[i]->nullable, "{}"});
      }
      values = std::move(args);
    } else {
      if (args.empty() || args.size() % 2 != 0) {
        throw AnalysisError(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            "The `named_struct` requires 2n (n > 0) parameters but the actual number is " +
                std::to_string(args.size()) + ".");
      }
      for (size_t i = 0; i < args.size(); i += 2) {
        const Expr& name = *args[i];
        if (name.kind != ExprKind::kLiteral ||
            (name.type->id() != TypeId::kString && name.type->id() != TypeId::kNull)) {
          throw AnalysisError(
              "DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
              "Cannot resolve \"" + call.display +
                  "\" due to data type mismatch: Only foldable `STRING` expressions are "
                  "allowed to appear at odd position, but they are [\"" +
                  name.display + "\"].");
        }
        if (name.value.isNull()) {
          throw AnalysisError(
              "DATATYPE_MISMATCH.UNEXPECTED_NULL",
              "Cannot resolve \"" + call.display +
                  "\" due to data type mismatch: the field names of `named_struct` must "
                  "not be null.");
        }
        fields.push_back({name.value.asString(), args[i + 1]->type, args[i + 1]->nullable, "{}"});
        values.push_back(args[i + 1]);
      }
    }
    DataTypePtr type = DataType::structOf(std::move(fields));
    auto bound = std::const_pointer_cast<Expr>(boundCall(
        call, std::move(values), type,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) {
          return makeStruct(in, self, n);
        },
        false));
    bound->schemaArg = type;
    return bound;
  });

  // array(e1, e2, ...): the elements widen to one type (strings win, as non-ANSI Spark).
  r.add("array", [](const Expr& call, std::vector<ExprPtr> args) {
    DataTypePtr element = commonElementType(call, args);
    bool containsNull = false;
    for (auto& a : args) {
      containsNull |= a->nullable;
      a = castIfNeeded(a, element);
    }
    return boundCall(
        call, std::move(args), DataType::array(element, containsNull),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
           size_t n) -> VectorPtr {
          auto out = Vector::make(self.type);
          interleave(out->mutableChild(0), in, 0, 1, in.size(), n);
          setListOffsets(*out, in.size(), n);
          return out;
        },
        false);
  });

  // map(k1, v1, ...): a null key or a repeated key fails the query (mapKeyDedupPolicy=EXCEPTION).
  r.add("map", [](const Expr& call, std::vector<ExprPtr> args) {
    if (args.size() % 2 != 0) {
      throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                          "The `map` requires 2n (n > 0) parameters but the actual number is " +
                              std::to_string(args.size()) + ".");
    }
    std::vector<ExprPtr> keys, values;
    for (size_t i = 0; i < args.size(); i += 2) {
      keys.push_back(args[i]);
      values.push_back(args[i + 1]);
    }
    DataTypePtr keyType = commonElementType(call, keys);
    DataTypePtr valueType = commonElementType(call, values);
    if (keyType->id() == TypeId::kMap) {
      throw AnalysisError("DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE",
                          "Cannot resolve \"" + call.display +
                              "\" due to data type mismatch: The key of map "
                              "cannot be/contain \"" +
                              keyType->sql() + "\".");
    }
    bool valueContainsNull = false;
    for (size_t i = 0; i < args.size(); i += 2) {
      valueContainsNull |= args[i + 1]->nullable;
      args[i] = castIfNeeded(args[i], keyType);
      args[i + 1] = castIfNeeded(args[i + 1], valueType);
    }
    return boundCall(
        call, std::move(args), DataType::map(keyType, valueType, valueContainsNull),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
           size_t n) -> VectorPtr {
          size_t k = in.size() / 2;
          auto out = Vector::make(self.type);
          interleave(out->mutableChild(0), in, 0, 2, k, n);
          interleave(out->mutableChild(1), in, 1, 2, k, n);
          setListOffsets(*out, k, n);
          const Vector& keyVector = out->child(0);
          for (size_t e = 0; e < n * k; ++e) {
            if (keyVector.typeId() == TypeId::kNull || keyVector.isNull(e)) {
              throw InvalidInputError("NULL_MAP_KEY",
                                      "Cannot use null as map key in " + self.display + ".");
            }
          }
          withEquality(keyVector, keyVector, [&](auto eq) {
            for (size_t i = 0; i < n; ++i) {
              for (size_t a = 1; a < k; ++a) {
                for (size_t b = 0; b < a; ++b) {
                  if (!eq(i * k + b, i * k + a)) continue;
                  throw InvalidInputError(
                      "DUPLICATED_MAP_KEY",
                      "Duplicate map key " + keyVector.toString(i * k + a) +
                          " was found, please check the input data. If you want to remove the "
                          "duplicated keys, you can set spark.sql.mapKeyDedupPolicy to "
                          "\"LAST_WIN\" "
                          "so that the key inserted at last takes precedence.");
                }
              }
            }
          });
          return out;
        },
        false);
  });
}

// ----- extraction (Spark's ExtractValue, GetArrayItem, GetMapValue, ElementAt)

size_t findField(const Expr& call, const DataType& type, const std::string& name) {
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<size_t> found;
  size_t matches = 0;
  std::string names;
  for (size_t i = 0; i < type.fields().size(); ++i) {
    std::string candidate = type.fields()[i].name;
    names += (i ? ", `" : "`") + candidate + "`";
    for (char& c : candidate) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (candidate == lower) found = i, ++matches;
  }
  if (matches > 1) {
    throw AnalysisError("AMBIGUOUS_REFERENCE_TO_FIELDS",
                        "Ambiguous reference to the field `" + name + "` in \"" + call.display +
                            "\". It appears " + std::to_string(matches) + " times in the schema.");
  }
  if (!found) {
    throw AnalysisError("FIELD_NOT_FOUND", "No such struct field `" + name + "` in " + names +
                                               " (in \"" + call.display + "\").");
  }
  return *found;
}

// Row-wise lookup of `keys` in each map row; the picked value rows (or -1).
std::vector<int64_t> mapLookup(const Vector& map, const Vector& keys) {
  size_t n = map.size();
  std::vector<int64_t> picks(n, -1);
  const uint32_t* offsets = map.offsets();
  const Vector& mapKeys = map.child(0);
  withEquality(mapKeys, keys, [&](auto eq) {
    for (size_t i = 0; i < n; ++i) {
      if (map.isNull(i) || keys.isNull(i)) continue;
      for (uint32_t k = offsets[i]; k < offsets[i + 1]; ++k) {
        if (eq(k, i)) {
          picks[i] = k;
          break;
        }
      }
    }
  });
  return picks;
}

// map[key]: the key casts to the map's key type; a missing key gives null.
ExprPtr bindMapValue(const Expr& call, std::vector<ExprPtr> args) {
  const DataTypePtr& keyType = args[0]->type->keyType();
  if (!canCast(*args[1]->type, *keyType)) mismatch(call, args, 1, "\"" + keyType->sql() + "\"");
  args[1] = castIfNeeded(args[1], keyType);
  DataTypePtr valueType = args[0]->type->valueType();
  return boundCall(
      call, std::move(args), valueType,
      [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
        return gatherOrNull(in[0]->child(1), mapLookup(*in[0], *in[1]), self.type);
      });
}

// array[index] with a 0-based integral index (Column::getItem): out of range gives null.
ExprPtr bindArrayItem(const Expr& call, std::vector<ExprPtr> args) {
  TypeId id = args[1]->type->id();
  if (id != TypeId::kNull && !args[1]->type->isIntegral()) mismatch(call, args, 1, "\"INTEGRAL\"");
  args[1] = castIfNeeded(args[1], DataType::longType());
  DataTypePtr element = args[0]->type->elementType();
  return boundCall(
      call, std::move(args), element,
      [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) -> VectorPtr {
        const Vector& array = *in[0];
        const Vector& index = *in[1];
        const int64_t* ix = index.values<int64_t>();
        std::vector<int64_t> picks(n, -1);
        for (size_t i = 0; i < n; ++i) {
          if (array.isNull(i) || index.isNull(i)) continue;
          if (ix[i] >= 0 && static_cast<uint64_t>(ix[i]) < array.listSize(i)) {
            picks[i] = array.offsets()[i] + ix[i];
          }
        }
        return gatherOrNull(array.child(0), picks, self.type);
      });
}

// getField/getItem with a string on a struct (GetStructField) or an array of structs
// (GetArrayStructFields), else array item or map value, as Spark's ExtractValue.
ExprPtr bindExtract(const Expr& call, std::vector<ExprPtr> args) {
  checkArgCount(call, args.size(), 2, 2);
  const DataTypePtr& base = args[0]->type;
  bool stringKey = isStringLiteral(*args[1]);
  if (base->id() == TypeId::kStruct) {
    if (!stringKey) {
      throw AnalysisError("INVALID_EXTRACT_FIELD_TYPE",
                          "Field name should be a non-null string literal, but it's " +
                              args[1]->display + " (in \"" + call.display + "\").");
    }
    size_t ordinal = findField(call, *base, args[1]->value.asString());
    const types::Field& field = base->fields()[ordinal];
    bool nullable = args[0]->nullable || field.nullable;
    return boundCall(
        call, std::move(args), field.type,
        [ordinal](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) {
          return withParentNulls(in[0]->childPtr(ordinal), *in[0]);
        },
        nullable);
  }
  if (base->id() == TypeId::kArray && base->elementType()->id() == TypeId::kStruct && stringKey) {
    const DataTypePtr& element = base->elementType();
    size_t ordinal = findField(call, *element, args[1]->value.asString());
    const types::Field& field = element->fields()[ordinal];
    DataTypePtr type = DataType::array(field.type, base->containsNull() || field.nullable);
    bool nullable = args[0]->nullable;
    return boundCall(
        call, std::move(args), type,
        [ordinal](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                  size_t n) -> VectorPtr {
          const Vector& array = *in[0];
          const Vector& structs = array.child(0);
          VectorPtr values = withParentNulls(structs.childPtr(ordinal), structs);
          auto out = Vector::make(self.type);
          out->setChild(0, std::const_pointer_cast<Vector>(values));
          out->offsetsVector().assign(array.offsets(), array.offsets() + n + 1);
          out->setSizeUnchecked(n);
          out->setValidityFrom({&array});
          return out;
        },
        nullable);
  }
  if (base->id() == TypeId::kArray) return bindArrayItem(call, std::move(args));
  if (base->id() == TypeId::kMap) return bindMapValue(call, std::move(args));
  throw AnalysisError("INVALID_EXTRACT_BASE_FIELD_TYPE",
                      "Can't extract a value from \"" + args[0]->display +
                          "\". Need a complex type [STRUCT, ARRAY, MAP] but got \"" + base->sql() +
                          "\".");
}

void registerAccessors(FunctionRegistry& r) {
  r.add("get_item", bindExtract);
  r.add("get_field", bindExtract);

  // element_at(array, index): 1-based, negative counts from the end, 0 fails, out of range is null.
  // element_at(map, key): the value, or null when the key is missing.
  r.add("element_at", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    TypeId id = args[0]->type->id();
    if (id == TypeId::kMap) return bindMapValue(call, std::move(args));
    if (id != TypeId::kArray) mismatch(call, args, 0, "(\"ARRAY\" or \"MAP\")");
    TypeId indexType = args[1]->type->id();
    if (indexType != TypeId::kNull && indexType != TypeId::kString && !args[1]->type->isNumeric()) {
      mismatch(call, args, 1, "\"INT\"");
    }
    args[1] = castIfNeeded(args[1], DataType::integer());
    DataTypePtr element = args[0]->type->elementType();
    return boundCall(call, std::move(args), element,
                     [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                        size_t n) -> VectorPtr {
                       const Vector& array = *in[0];
                       const Vector& index = *in[1];
                       const int32_t* ix = index.values<int32_t>();
                       std::vector<int64_t> picks(n, -1);
                       for (size_t i = 0; i < n; ++i) {
                         if (array.isNull(i) || index.isNull(i)) continue;
                         int64_t k = ix[i];
                         if (k == 0) {
                           throw InvalidInputError(
                               "INVALID_INDEX_OF_ZERO",
                               "The index 0 is invalid in " + self.display +
                                   ". An index shall be either < 0 or > 0 (the first "
                                   "element has index 1).");
                         }
                         auto size = static_cast<int64_t>(array.listSize(i));
                         int64_t position = k > 0 ? k - 1 : size + k;
                         if (position >= 0 && position < size)
                           picks[i] = array.offsets()[i] + position;
                       }
                       return gatherOrNull(array.child(0), picks, self.type);
                     });
  });

  // size(array | map): null gives -1 (spark.sql.legacy.sizeOfNull, the non-ANSI default).
  for (const char* name : {"size", "cardinality"}) {
    r.add(name, [](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 1, 1);
      TypeId id = args[0]->type->id();
      if (id != TypeId::kArray && id != TypeId::kMap && id != TypeId::kNull) {
        mismatch(call, args, 0, "(\"ARRAY\" or \"MAP\")");
      }
      return boundCall(
          call, std::move(args), DataType::integer(),
          [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
             size_t n) -> VectorPtr {
            const Vector& v = *in[0];
            auto out = Vector::make(self.type);
            out->resize(n);
            int32_t* dst = out->mutableValues<int32_t>();
            if (v.typeId() == TypeId::kNull) {
              std::fill(dst, dst + n, -1);
              return out;
            }
            const uint32_t* offsets = v.offsets();
            for (size_t i = 0; i < n; ++i) {
              dst[i] = v.isNull(i) ? -1 : static_cast<int32_t>(offsets[i + 1] - offsets[i]);
            }
            return out;
          },
          false);
    });
  }

  // array_contains(array, value): true when found; else null if the array holds a null; else false.
  r.add("array_contains", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    const DataTypePtr arrayType = args[0]->type;
    const DataTypePtr valueType = args[1]->type;
    if (valueType->id() == TypeId::kNull || arrayType->id() == TypeId::kNull) {
      throw AnalysisError(
          "DATATYPE_MISMATCH.NULL_TYPE",
          "Cannot resolve \"" + call.display +
              "\" due to data type mismatch: Null typed values cannot be used as arguments of "
              "`array_contains`.");
    }
    DataTypePtr common = arrayType->id() == TypeId::kArray
                             ? tightestCommonType(arrayType->elementType(), valueType)
                             : nullptr;
    if (!common) {
      throw AnalysisError(
          "DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES",
          "Cannot resolve \"" + call.display +
              "\" due to data type mismatch: Input to `array_contains` should have been "
              "\"ARRAY\" followed by a value with same element type, but it's " +
              typeList(args) + ".");
    }
    args[0] = castIfNeeded(args[0], DataType::array(common, arrayType->containsNull()));
    args[1] = castIfNeeded(args[1], common);
    return boundCall(call, std::move(args), DataType::boolean(),
                     [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                        size_t n) -> VectorPtr {
                       const Vector& array = *in[0];
                       const Vector& value = *in[1];
                       const Vector& elements = array.child(0);
                       const uint32_t* offsets = array.offsets();
                       FixedWriter<uint8_t> w(self.type, n);
                       withEquality(elements, value, [&](auto eq) {
                         for (size_t i = 0; i < n; ++i) {
                           if (array.isNull(i) || value.isNull(i)) {
                             w.setNull(i);
                             continue;
                           }
                           bool found = false, sawNull = false;
                           for (uint32_t k = offsets[i]; k < offsets[i + 1] && !found; ++k) {
                             if (elements.isNull(k)) {
                               sawNull = true;
                             } else {
                               found = eq(k, i);
                             }
                           }
                           if (found) {
                             w.set(i, 1);
                           } else if (sawNull) {
                             w.setNull(i);
                           } else {
                             w.set(i, 0);
                           }
                         }
                       });
                       return w.finish();
                     });
  });
}

}  // namespace

void registerCollectionFunctions(FunctionRegistry& registry) {
  registerConstructors(registry);
  registerAccessors(registry);
}

}  // namespace weir::expr
