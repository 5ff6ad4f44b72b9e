// Spark SQL hash functions: hash (Murmur3) and xxhash64 chained over columns with seed 42, and
// the digests md5, sha1, sha2 and crc32, each over whole vectors with Spark 3.5's exact results.
#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/base/hashing.h"
#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/hll.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

// ===== argument checks

[[noreturn]] void throwMismatch(const Expr& call, size_t index, const ExprPtr& arg,
                                const std::string& expected) {
  throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                      "Cannot resolve \"" + call.display +
                          "\" due to data type mismatch: Parameter " + std::to_string(index + 1) +
                          " requires the " + expected + " type, however \"" + arg->display +
                          "\" has the type \"" + arg->type->sql() + "\".");
}

void checkArgCount(const Expr& call, const std::vector<ExprPtr>& args, size_t count) {
  if (args.size() == count) return;
  throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                      "The `" + call.name + "` requires " + std::to_string(count) +
                          " parameters but the actual number is " + std::to_string(args.size()) +
                          ".");
}

// Digests take BINARY; Spark casts STRING (and NULL) to it implicitly.
ExprPtr binaryArg(const Expr& call, const ExprPtr& arg, size_t index) {
  TypeId id = arg->type->id();
  if (id == TypeId::kBinary) return arg;
  if (id == TypeId::kString || id == TypeId::kNull) return castIfNeeded(arg, DataType::binary());
  throwMismatch(call, index, arg, "\"BINARY\"");
}

// ===== hash and xxhash64

struct Murmur3 {
  using Hash = uint32_t;
  static Hash ofInt(int32_t v, Hash seed) { return base::murmur3Int(v, seed); }
  static Hash ofLong(int64_t v, Hash seed) { return base::murmur3Long(v, seed); }
  static Hash ofBytes(std::string_view v, Hash seed) { return base::murmur3Bytes(v, seed); }
};

struct XxHash64 {
  using Hash = uint64_t;
  static Hash ofInt(int32_t v, Hash seed) { return base::xxhash64Int(v, seed); }
  static Hash ofLong(int64_t v, Hash seed) { return base::xxhash64Long(v, seed); }
  static Hash ofBytes(std::string_view v, Hash seed) { return base::xxhash64Bytes(v, seed); }
};

// Spark hashes floats by their bits after mapping -0.0 to 0.0 (and NaN to Java's canonical NaN).
inline int32_t floatBits(float f) {
  if (f == 0.0f) return 0;
  if (std::isnan(f)) return 0x7fc00000;
  int32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

inline int64_t doubleBits(double d) {
  if (d == 0.0) return 0;
  if (std::isnan(d)) return 0x7ff8000000000000LL;
  int64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

// BigInteger.toByteArray(): the shortest big-endian two's complement form.
std::string_view bigIntegerBytes(int128_t v, std::array<char, 16>& buf) {
  auto u = static_cast<unsigned __int128>(v);
  for (int i = 15; i >= 0; --i) {
    buf[i] = static_cast<char>(static_cast<uint8_t>(u & 0xFF));
    u >>= 8;
  }
  size_t start = 0;
  while (start < 15) {
    auto b0 = static_cast<uint8_t>(buf[start]), b1 = static_cast<uint8_t>(buf[start + 1]);
    bool redundant = (b0 == 0x00 && !(b1 & 0x80)) || (b0 == 0xFF && (b1 & 0x80));
    if (!redundant) break;
    ++start;
  }
  return std::string_view(buf.data() + start, 16 - start);
}

template <class H>
typename H::Hash hashDecimal(int128_t unscaled, int precision, typename H::Hash seed) {
  if (precision <= 18) return H::ofLong(static_cast<int64_t>(unscaled), seed);
  std::array<char, 16> buf;
  return H::ofBytes(bigIntegerBytes(unscaled, buf), seed);
}

// The hash of one non-null value at `row` (any type), chained from `seed`.
template <class H>
typename H::Hash hashValue(const Vector& v, size_t row, typename H::Hash seed) {
  if (v.typeId() == TypeId::kNull || v.isNull(row)) return seed;
  switch (v.typeId()) {
    case TypeId::kBoolean:
      return H::ofInt(v.valueAt<uint8_t>(row) ? 1 : 0, seed);
    case TypeId::kByte:
      return H::ofInt(v.valueAt<int8_t>(row), seed);
    case TypeId::kShort:
      return H::ofInt(v.valueAt<int16_t>(row), seed);
    case TypeId::kInteger:
    case TypeId::kDate:
      return H::ofInt(v.valueAt<int32_t>(row), seed);
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return H::ofLong(v.valueAt<int64_t>(row), seed);
    case TypeId::kFloat:
      return H::ofInt(floatBits(v.valueAt<float>(row)), seed);
    case TypeId::kDouble:
      return H::ofLong(doubleBits(v.valueAt<double>(row)), seed);
    case TypeId::kDecimal:
      return hashDecimal<H>(v.valueAt<int128_t>(row), v.type()->precision(), seed);
    case TypeId::kString:
    case TypeId::kBinary:
      return H::ofBytes(v.stringAt(row), seed);
    case TypeId::kStruct:
      for (size_t f = 0; f < v.numChildren(); ++f) seed = hashValue<H>(v.child(f), row, seed);
      return seed;
    case TypeId::kArray: {
      const Vector& elements = v.child(0);
      for (uint32_t e = v.offsets()[row]; e < v.offsets()[row + 1]; ++e) {
        seed = hashValue<H>(elements, e, seed);
      }
      return seed;
    }
    case TypeId::kMap: {
      const Vector& keys = v.child(0);
      const Vector& values = v.child(1);
      for (uint32_t e = v.offsets()[row]; e < v.offsets()[row + 1]; ++e) {
        seed = hashValue<H>(keys, e, seed);
        seed = hashValue<H>(values, e, seed);
      }
      return seed;
    }
    default:
      return seed;
  }
}

// Applies fn(i) to every non-null row.
template <class F>
void forValid(const Vector& v, size_t n, F fn) {
  if (!v.mayHaveNulls()) {
    for (size_t i = 0; i < n; ++i) fn(i);
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (v.isValid(i)) fn(i);
    }
  }
}

// Chains one column into the per-row hashes: a type switch per batch, a tight loop per type.
template <class H>
void hashColumn(const Vector& v, typename H::Hash* hashes, size_t n) {
  switch (v.typeId()) {
    case TypeId::kNull:
      return;
    case TypeId::kBoolean: {
      const uint8_t* x = v.values<uint8_t>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofInt(x[i] ? 1 : 0, hashes[i]); });
      return;
    }
    case TypeId::kByte: {
      const int8_t* x = v.values<int8_t>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofInt(x[i], hashes[i]); });
      return;
    }
    case TypeId::kShort: {
      const int16_t* x = v.values<int16_t>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofInt(x[i], hashes[i]); });
      return;
    }
    case TypeId::kInteger:
    case TypeId::kDate: {
      const int32_t* x = v.values<int32_t>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofInt(x[i], hashes[i]); });
      return;
    }
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      const int64_t* x = v.values<int64_t>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofLong(x[i], hashes[i]); });
      return;
    }
    case TypeId::kFloat: {
      const float* x = v.values<float>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofInt(floatBits(x[i]), hashes[i]); });
      return;
    }
    case TypeId::kDouble: {
      const double* x = v.values<double>();
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofLong(doubleBits(x[i]), hashes[i]); });
      return;
    }
    case TypeId::kString:
    case TypeId::kBinary:
      forValid(v, n, [&](size_t i) { hashes[i] = H::ofBytes(v.stringAt(i), hashes[i]); });
      return;
    default:
      forValid(v, n, [&](size_t i) { hashes[i] = hashValue<H>(v, i, hashes[i]); });
      return;
  }
}

bool containsMap(const DataType& t) {
  switch (t.id()) {
    case TypeId::kMap:
      return true;
    case TypeId::kArray:
      return containsMap(*t.elementType());
    case TypeId::kStruct:
      for (const auto& f : t.fields()) {
        if (containsMap(*f.type)) return true;
      }
      return false;
    default:
      return false;
  }
}

template <class H>
void registerChainedHash(FunctionRegistry& r, const std::string& name, DataTypePtr resultType) {
  r.add(name, [resultType](const Expr& call, std::vector<ExprPtr> args) {
    if (args.empty()) {
      throw AnalysisError(
          "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
          "The `" + call.name + "` requires > 0 parameters but the actual number is 0.");
    }
    for (const auto& a : args) {
      if (containsMap(*a->type)) {
        throw AnalysisError(
            "DATATYPE_MISMATCH.HASH_MAP_TYPE",
            "Cannot resolve \"" + call.display +
                "\" due to data type mismatch: Input to the function `" + call.name +
                "` cannot contain elements of the \"MAP\" type. In Spark, same maps may have "
                "different hashcode, thus hash expressions are prohibited on \"MAP\" elements. To "
                "restore previous behavior set \"spark.sql.legacy.allowHashOnMapType\" to "
                "\"true\".");
      }
    }
    return boundCall(
        call, std::move(args), resultType,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
           size_t n) -> VectorPtr {
          using Hash = typename H::Hash;
          std::vector<Hash> hashes(n, static_cast<Hash>(base::kSparkHashSeed));
          for (const auto& v : in) hashColumn<H>(*v, hashes.data(), n);
          auto out = Vector::make(self.type);
          out->resize(n);
          if constexpr (sizeof(Hash) == 4) {
            int32_t* dst = out->mutableValues<int32_t>();
            for (size_t i = 0; i < n; ++i) dst[i] = static_cast<int32_t>(hashes[i]);
          } else {
            int64_t* dst = out->mutableValues<int64_t>();
            for (size_t i = 0; i < n; ++i) dst[i] = static_cast<int64_t>(hashes[i]);
          }
          return out;
        },
        false);
  });
}

// ===== digests

template <class Out>
void appendHex(const unsigned char* bytes, size_t size, Out& out) {
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
}

// One OpenSSL digest context reused across the rows of a batch. Not thread-safe; one per call.
class Digester {
 public:
  Digester() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!ctx_) throw InternalError("INTERNAL_ERROR", "OpenSSL could not allocate a digest context");
  }
  void appendHexDigest(const EVP_MD* md, std::string_view data, columnar::ByteBuffer& out) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_.get(), digest, &size) != 1) {
      throw InternalError("INTERNAL_ERROR", "OpenSSL digest failed");
    }
    appendHex(digest, size, out);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// The digest sha2 computes for a bit length (0 means 256); nullptr for unsupported lengths.
const EVP_MD* sha2Digest(int32_t bits) {
  switch (bits) {
    case 224:
      return EVP_sha224();
    case 0:
    case 256:
      return EVP_sha256();
    case 384:
      return EVP_sha384();
    case 512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

void registerDigest(FunctionRegistry& r, const std::string& name, const EVP_MD* (*md)()) {
  r.add(name, [md](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1);
    args[0] = binaryArg(call, args[0], 0);
    bool nullable = args[0]->nullable;
    return boundCall(
        call, std::move(args), DataType::string(),
        [md](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& v = *in[0];
          const EVP_MD* digest = md();
          Digester digester;
          StringWriter w(DataType::string(), n);
          for (size_t i = 0; i < n; ++i) {
            if (v.isNull(i)) {
              w.appendNull();
              continue;
            }
            digester.appendHexDigest(digest, v.stringAt(i), w.buffer());
            w.finishRow();
          }
          return w.finish();
        },
        nullable);
  });
}

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as java.util.zip.CRC32.
constexpr std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = makeCrcTable();

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void registerHllEstimate(FunctionRegistry& r) {
  // weir_hll_estimate(sketch): the count of a HyperLogLog sketch (registers as binary), which a
  // streaming approx_count_distinct keeps in state. Internal: the streaming planner inserts it.
  r.add("weir_hll_estimate", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1);
    return boundCall(
        call, std::move(args), DataType::longType(),
        [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& v = *in[0];
          auto out = Vector::make(DataType::longType());
          out->resize(n);
          int64_t* dst = out->mutableValues<int64_t>();
          for (size_t i = 0; i < n; ++i) {
            const auto bytes = v.isNull(i) ? std::string_view() : v.stringAt(i);
            dst[i] = bytes.empty() ? 0 : hllEstimate(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
          }
          return out;
        },
        false);
  });
}

}  // namespace

int hllPrecision(double rsd) {
  const int p = static_cast<int>(std::ceil(2.0 * std::log(1.106 / rsd) / std::log(2.0)));
  return std::max(4, std::min(p, 16));
}

int64_t hllEstimate(const uint8_t* registers, size_t m) {
  const double size = static_cast<double>(m);
  const double alpha = 0.7213 / (1.0 + 1.079 / size);
  double sum = 0;
  size_t zeros = 0;
  for (size_t k = 0; k < m; ++k) {
    sum += std::ldexp(1.0, -registers[k]);
    zeros += registers[k] == 0;
  }
  double estimate = alpha * size * size / sum;
  if (estimate <= 2.5 * size && zeros > 0) estimate = size * std::log(size / static_cast<double>(zeros));
  return static_cast<int64_t>(std::llround(estimate));
}

void registerHashFunctions(FunctionRegistry& r) {
  registerHllEstimate(r);
  registerChainedHash<Murmur3>(r, "hash", DataType::integer());
  registerChainedHash<XxHash64>(r, "xxhash64", DataType::longType());

  registerDigest(r, "md5", &EVP_md5);
  registerDigest(r, "sha1", &EVP_sha1);
  registerDigest(r, "sha", &EVP_sha1);

  r.add("sha2", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2);
    args[0] = binaryArg(call, args[0], 0);
    TypeId bitsType = args[1]->type->id();
    if (!(args[1]->type->isIntegral() || bitsType == TypeId::kNull ||
          bitsType == TypeId::kString)) {
      throwMismatch(call, 1, args[1], "\"INT\"");
    }
    args[1] = castIfNeeded(args[1], DataType::integer());
    return boundCall(
        call, std::move(args), DataType::string(),
        [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& v = *in[0];
          const Vector& bits = *in[1];
          Digester digester;
          StringWriter w(DataType::string(), n);
          for (size_t i = 0; i < n; ++i) {
            const EVP_MD* md =
                v.isNull(i) || bits.isNull(i) ? nullptr : sha2Digest(bits.valueAt<int32_t>(i));
            if (!md) {
              w.appendNull();
              continue;
            }
            digester.appendHexDigest(md, v.stringAt(i), w.buffer());
            w.finishRow();
          }
          return w.finish();
        });
  });

  r.add("crc32", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1);
    args[0] = binaryArg(call, args[0], 0);
    bool nullable = args[0]->nullable;
    return boundCall(
        call, std::move(args), DataType::longType(),
        [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& v = *in[0];
          auto out = Vector::make(DataType::longType());
          out->resize(n);
          int64_t* dst = out->mutableValues<int64_t>();
          forValid(v, n, [&](size_t i) { dst[i] = crc32(v.stringAt(i)); });
          out->setValidityFrom({&v});
          return out;
        },
        nullable);
  });
}

}  // namespace weir::expr
