// Accumulators for count, sum, avg, min, max, first, last, collect_list, collect_set,
// count(DISTINCT ...) and approx_count_distinct.
#include "weir/exec/aggregates.h"

#include <absl/container/flat_hash_set.h>

#include <cmath>
#include <map>

#include "weir/base/error.h"
#include "weir/exec/key_encoder.h"
#include "weir/expr/hll.h"
#include "weir/expr/kernels.h"

namespace weir::exec {

using columnar::int128_t;
using columnar::Value;
using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

namespace {

bool argsValid(const std::vector<VectorPtr>& args, size_t i) {
  for (const auto& a : args) {
    if (a->typeId() == TypeId::kNull || a->isNull(i)) return false;
  }
  return true;
}

class CountAccumulator : public Accumulator {
 public:
  void resize(size_t groups) override { counts_.resize(groups, 0); }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    bool anyNullable = false;
    for (const auto& a : args) anyNullable |= a->mayHaveNulls() || a->typeId() == TypeId::kNull;
    if (!anyNullable) {
      for (size_t i = 0; i < n; ++i) ++counts_[g[i]];
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      if (argsValid(args, i)) ++counts_[g[i]];
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(DataType::longType());
    out->resize(groups);
    std::copy(counts_.begin(), counts_.begin() + groups, out->mutableValues<int64_t>());
    return out;
  }

 private:
  std::vector<int64_t> counts_;
};

class CountDistinctAccumulator : public Accumulator {
 public:
  void resize(size_t groups) override { counts_.resize(groups, 0); }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    auto keys = encodeKeys(args, n);
    std::string key;
    for (size_t i = 0; i < n; ++i) {
      if (keys.hasNull[i]) continue;
      key.assign(reinterpret_cast<const char*>(&g[i]), 4);
      key.append(keys.key(i));
      if (seen_.insert(key).second) ++counts_[g[i]];
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(DataType::longType());
    out->resize(groups);
    std::copy(counts_.begin(), counts_.begin() + groups, out->mutableValues<int64_t>());
    return out;
  }

 private:
  absl::flat_hash_set<std::string> seen_;
  std::vector<int64_t> counts_;
};

// sum and avg over numeric input: T is the accumulation type (int64_t, double or int128_t).
template <class T>
class SumAccumulator : public Accumulator {
 public:
  SumAccumulator(DataTypePtr resultType, bool average, int inputScale)
      : resultType_(std::move(resultType)), average_(average), inputScale_(inputScale) {}
  void resize(size_t groups) override {
    sums_.resize(groups, 0);
    counts_.resize(groups, 0);
  }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    const Vector& v = *args[0];
    if (v.typeId() == TypeId::kNull) return;
    auto add = [&](auto tag) {
      using In = typename decltype(tag)::type;
      const In* x = v.template values<In>();
      if (!v.mayHaveNulls()) {
        for (size_t i = 0; i < n; ++i) accumulate(g[i], x[i]);
      } else {
        for (size_t i = 0; i < n; ++i) {
          if (v.isValid(i)) accumulate(g[i], x[i]);
        }
      }
    };
    if (v.typeId() == TypeId::kDecimal) add(expr::TypeTag<int128_t>{});
    else expr::dispatchNumeric(v.typeId(), add);
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(resultType_);
    out->resize(groups);
    std::vector<uint8_t> nulls(groups, 0);
    for (size_t gi = 0; gi < groups; ++gi) {
      if (counts_[gi] == 0) {
        nulls[gi] = 1;
        continue;
      }
      if (!average_) {
        if constexpr (std::is_same_v<T, int128_t>) {
          int128_t limit = 1;
          for (int p = 0; p < resultType_->precision(); ++p) limit *= 10;
          if (sums_[gi] >= limit || sums_[gi] <= -limit) nulls[gi] = 1;
        }
        out->template mutableValues<T>()[gi] = sums_[gi];
      } else if (resultType_->id() == TypeId::kDecimal) {
        // avg(decimal(p, s)) -> decimal(p + 4, s + 4): scale the sum up by the scale difference.
        int128_t scaled = static_cast<int128_t>(sums_[gi]);
        for (int s = inputScale_; s < resultType_->scale(); ++s) scaled *= 10;
        int128_t q = scaled / counts_[gi], r = scaled % counts_[gi];
        if ((r < 0 ? -r : r) * 2 >= counts_[gi]) q += scaled < 0 ? -1 : 1;
        out->template mutableValues<int128_t>()[gi] = q;
      } else {
        out->template mutableValues<double>()[gi] = static_cast<double>(sums_[gi]) / static_cast<double>(counts_[gi]);
      }
    }
    out->setNullMask(nulls.data(), groups);
    return out;
  }

 private:
  template <class In>
  void accumulate(uint32_t group, In value) {
    if constexpr (std::is_same_v<T, int64_t>) {
      sums_[group] = static_cast<int64_t>(static_cast<uint64_t>(sums_[group]) + static_cast<uint64_t>(value));
    } else {
      sums_[group] += static_cast<T>(value);
    }
    ++counts_[group];
  }

  DataTypePtr resultType_;
  bool average_;
  int inputScale_;
  std::vector<T> sums_;
  std::vector<int64_t> counts_;
};

// min and max over fixed-width types.
template <class T>
class FixedMinMaxAccumulator : public Accumulator {
 public:
  FixedMinMaxAccumulator(DataTypePtr type, bool isMax) : type_(std::move(type)), isMax_(isMax) {}
  void resize(size_t groups) override {
    values_.resize(groups);
    set_.resize(groups, 0);
  }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    const Vector& v = *args[0];
    if (v.typeId() == TypeId::kNull) return;
    const T* x = v.values<T>();
    for (size_t i = 0; i < n; ++i) {
      if (v.isNull(i)) continue;
      uint32_t gi = g[i];
      if (!set_[gi] || better(x[i], values_[gi])) {
        values_[gi] = x[i];
        set_[gi] = 1;
      }
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(type_);
    out->resize(groups);
    std::vector<uint8_t> nulls(groups);
    for (size_t gi = 0; gi < groups; ++gi) {
      out->mutableValues<T>()[gi] = values_[gi];
      nulls[gi] = !set_[gi];
    }
    out->setNullMask(nulls.data(), groups);
    return out;
  }

 private:
  bool better(T candidate, T current) const {
    if constexpr (std::is_floating_point_v<T>) {
      // NaN is the largest value in Spark.
      if (std::isnan(candidate) || std::isnan(current)) {
        return isMax_ ? std::isnan(candidate) && !std::isnan(current) : !std::isnan(candidate) && std::isnan(current);
      }
    }
    return isMax_ ? current < candidate : candidate < current;
  }

  DataTypePtr type_;
  bool isMax_;
  std::vector<T> values_;
  std::vector<uint8_t> set_;
};

// min and max over strings, binary and nested values, by their sort encoding.
class EncodedMinMaxAccumulator : public Accumulator {
 public:
  EncodedMinMaxAccumulator(DataTypePtr type, bool isMax) : type_(std::move(type)), isMax_(isMax) {}
  void resize(size_t groups) override {
    best_.resize(groups);
    values_.resize(groups);
    set_.resize(groups, 0);
  }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    const Vector& v = *args[0];
    if (v.typeId() == TypeId::kNull) return;
    auto keys = encodeSortKeys({args[0]}, {SortKey{true, true}}, n);
    for (size_t i = 0; i < n; ++i) {
      if (v.isNull(i)) continue;
      uint32_t gi = g[i];
      auto k = keys.key(i);
      if (!set_[gi] || (isMax_ ? k > std::string_view(best_[gi]) : k < std::string_view(best_[gi]))) {
        best_[gi].assign(k);
        values_[gi] = v.getValue(i);
        set_[gi] = 1;
      }
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(type_, groups);
    for (size_t gi = 0; gi < groups; ++gi) out->appendValue(set_[gi] ? values_[gi] : Value::null());
    return out;
  }

 private:
  DataTypePtr type_;
  bool isMax_;
  std::vector<std::string> best_;
  std::vector<Value> values_;
  std::vector<uint8_t> set_;
};

class FirstLastAccumulator : public Accumulator {
 public:
  FirstLastAccumulator(DataTypePtr type, bool last, bool ignoreNulls)
      : type_(std::move(type)), last_(last), ignoreNulls_(ignoreNulls) {}
  void resize(size_t groups) override {
    values_.resize(groups);
    set_.resize(groups, 0);
  }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    const Vector& v = *args[0];
    for (size_t i = 0; i < n; ++i) {
      uint32_t gi = g[i];
      if (set_[gi] && !last_) continue;
      bool isNull = v.typeId() == TypeId::kNull || v.isNull(i);
      if (isNull && ignoreNulls_) continue;
      values_[gi] = isNull ? Value::null() : v.getValue(i);
      set_[gi] = 1;
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(type_, groups);
    for (size_t gi = 0; gi < groups; ++gi) out->appendValue(values_[gi]);
    return out;
  }

 private:
  DataTypePtr type_;
  bool last_;
  bool ignoreNulls_;
  std::vector<Value> values_;
  std::vector<uint8_t> set_;
};

class CollectAccumulator : public Accumulator {
 public:
  CollectAccumulator(DataTypePtr resultType, bool distinct) : resultType_(std::move(resultType)), distinct_(distinct) {}
  void resize(size_t groups) override { lists_.resize(groups); }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    const Vector& v = *args[0];
    if (v.typeId() == TypeId::kNull) return;
    EncodedKeys keys;
    if (distinct_) keys = encodeKeys({args[0]}, n);
    std::string key;
    for (size_t i = 0; i < n; ++i) {
      if (v.isNull(i)) continue;
      if (distinct_) {
        key.assign(reinterpret_cast<const char*>(&g[i]), 4);
        key.append(keys.key(i));
        if (!seen_.insert(key).second) continue;
      }
      lists_[g[i]].push_back(v.getValue(i));
    }
  }
  VectorPtr finish(size_t groups) override {
    auto out = Vector::make(resultType_, groups);
    for (size_t gi = 0; gi < groups; ++gi) out->appendValue(Value::array(lists_[gi]));
    return out;
  }

 private:
  DataTypePtr resultType_;
  bool distinct_;
  std::vector<std::vector<Value>> lists_;
  absl::flat_hash_set<std::string> seen_;
};

// HyperLogLog with 2^p registers per group (expr/hll.h). As a sketch (a streaming query's partial
// value), each group's registers are the result, as binary.
class ApproxCountDistinctAccumulator : public Accumulator {
 public:
  ApproxCountDistinctAccumulator(double rsd, bool sketch)
      : p_(expr::hllPrecision(rsd)), m_(size_t{1} << p_), sketch_(sketch) {}
  void resize(size_t groups) override { registers_.resize(groups * m_, 0); }
  void update(const std::vector<VectorPtr>& args, const uint32_t* g, size_t n) override {
    auto keys = encodeKeys(args, n);
    for (size_t i = 0; i < n; ++i) {
      if (keys.hasNull[i]) continue;
      expr::hllAdd(registers_.data() + g[i] * m_, p_, keys.hashes[i]);
    }
  }
  VectorPtr finish(size_t groups) override {
    if (sketch_) {
      auto out = Vector::make(DataType::binary());
      for (size_t gi = 0; gi < groups; ++gi) {
        out->appendString(std::string_view(reinterpret_cast<const char*>(registers_.data() + gi * m_), m_));
      }
      return out;
    }
    auto out = Vector::make(DataType::longType());
    out->resize(groups);
    for (size_t gi = 0; gi < groups; ++gi) {
      out->mutableValues<int64_t>()[gi] = expr::hllEstimate(registers_.data() + gi * m_, m_);
    }
    return out;
  }

 private:
  int p_;
  size_t m_;
  bool sketch_;
  std::vector<uint8_t> registers_;
};

[[noreturn]] void wrongType(const std::string& function, const DataTypePtr& type, const std::string& expected) {
  throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                      "Cannot resolve \"" + function + "\" due to data type mismatch: the input requires " +
                          expected + " type, however it is of " + type->sql() + " type.");
}

}  // namespace

bool isAggregateFunction(const std::string& f) {
  static const char* kNames[] = {"count", "sum", "avg", "min", "max", "first", "last", "collect_list",
                                 "collect_set", "approx_count_distinct"};
  for (const char* n : kNames) {
    if (f == n) return true;
  }
  return false;
}

DataTypePtr aggregateResultType(const std::string& f, const std::vector<DataTypePtr>& argTypes, bool distinct) {
  if (f == "count" || f == "approx_count_distinct") return DataType::longType();
  if (argTypes.size() != 1) {
    throw AnalysisError("WRONG_NUM_ARGS", "The function `" + f + "` requires 1 parameter but " +
                                              std::to_string(argTypes.size()) + " were given.");
  }
  const auto& t = argTypes[0];
  if (f == "sum" || f == "avg") {
    TypeId id = t->id();
    if (id == TypeId::kString || id == TypeId::kNull) return DataType::doubleType();
    if (!t->isNumeric()) wrongType(f, t, "\"NUMERIC\"");
    if (id == TypeId::kDecimal) {
      if (f == "sum") return DataType::decimal(std::min(38, t->precision() + 10), t->scale());
      return DataType::decimal(std::min(38, t->precision() + 4), std::min(38, t->scale() + 4));
    }
    if (f == "avg") return DataType::doubleType();
    return t->isIntegral() ? DataType::longType() : DataType::doubleType();
  }
  if (f == "min" || f == "max" || f == "first" || f == "last") {
    if (f != "first" && f != "last" && t->id() == TypeId::kMap) wrongType(f, t, "an orderable");
    return t;
  }
  if (f == "collect_list" || f == "collect_set") return DataType::array(t, false);
  throw AnalysisError("UNRESOLVED_ROUTINE", "Cannot resolve aggregate function `" + f + "`.");
}

std::vector<expr::ExprPtr> accumulatorArgs(const plan::AggregateCall& call) {
  if (call.function != "count" || call.distinct) return call.args;
  std::vector<expr::ExprPtr> args;
  for (const auto& a : call.args) {
    if (a->kind != expr::ExprKind::kLiteral || a->value.isNull()) args.push_back(a);
  }
  return args;
}

std::unique_ptr<Accumulator> makeAccumulator(const plan::AggregateCall& call) {
  const std::string& f = call.function;
  if (f == "count") {
    if (call.distinct) return std::make_unique<CountDistinctAccumulator>();
    return std::make_unique<CountAccumulator>();
  }
  const DataTypePtr& in = call.args.empty() ? call.resultType : call.args[0]->type;
  if (f == "approx_count_distinct" || f == "weir_hll_sketch") {
    double rsd = call.params.empty() ? 0.05 : call.params[0].asDouble();
    return std::make_unique<ApproxCountDistinctAccumulator>(rsd, f == "weir_hll_sketch");
  }
  if (f == "sum" || f == "avg") {
    bool average = f == "avg";
    if (in->id() == TypeId::kDecimal) {
      return std::make_unique<SumAccumulator<int128_t>>(call.resultType, average, in->scale());
    }
    if (in->isIntegral() && !average) return std::make_unique<SumAccumulator<int64_t>>(call.resultType, false, 0);
    return std::make_unique<SumAccumulator<double>>(call.resultType, average, 0);
  }
  if (f == "min" || f == "max") {
    bool isMax = f == "max";
    int width = in->fixedWidth();
    if (width > 0 && in->id() != TypeId::kNull) {
      return expr::dispatchFixed(in->id(), [&](auto tag) -> std::unique_ptr<Accumulator> {
        using T = typename decltype(tag)::type;
        return std::make_unique<FixedMinMaxAccumulator<T>>(call.resultType, isMax);
      });
    }
    return std::make_unique<EncodedMinMaxAccumulator>(call.resultType, isMax);
  }
  if (f == "first" || f == "last") {
    bool ignoreNulls = !call.params.empty() && call.params[0].asBool();
    return std::make_unique<FirstLastAccumulator>(call.resultType, f == "last", ignoreNulls);
  }
  if (f == "collect_list" || f == "collect_set") {
    return std::make_unique<CollectAccumulator>(call.resultType, f == "collect_set");
  }
  throw InternalError("INTERNAL_ERROR", "no accumulator for " + f);
}

}  // namespace weir::exec
