// Spark SQL string functions (lower, trim, substring, concat, split, regexp_*, like, ...) over
// whole string vectors, with Spark 3.5's non-ANSI results, UTF-8 characters and Java regexes run by
// RE2.
#include <locale.h>
#include <re2/re2.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/expr/binder.h"
#include "weir/base/utf8.h"
#include "weir/expr/evaluator.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

using columnar::Value;

// ===== argument checks

[[noreturn]] void throwWrongArgCount(const Expr& call, const std::string& expected, size_t actual) {
  throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                      "The `" + call.name + "` requires " + expected +
                          " parameters but the actual number is " + std::to_string(actual) + ".");
}

void checkArgCount(const Expr& call, const std::vector<ExprPtr>& args, size_t min, size_t max) {
  if (args.size() >= min && args.size() <= max) return;
  std::string expected = std::to_string(min);
  if (max != min) {
    expected = max == std::numeric_limits<size_t>::max()
                   ? ">= " + expected
                   : "[" + expected + ", " + std::to_string(max) + "]";
  }
  throwWrongArgCount(call, expected, args.size());
}

[[noreturn]] void throwMismatch(const Expr& call, size_t index, const ExprPtr& arg,
                                const std::string& expected) {
  throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                      "Cannot resolve \"" + call.display +
                          "\" due to data type mismatch: Parameter " + std::to_string(index + 1) +
                          " requires the " + expected + " type, however \"" + arg->display +
                          "\" has the type \"" + arg->type->sql() + "\".");
}

[[noreturn]] void throwInvalidParameter(const std::string& subclass, const std::string& parameter,
                                        const std::string& function, const std::string& reason) {
  throw InvalidInputError(
      "INVALID_PARAMETER_VALUE." + subclass,
      "The value of parameter(s) `" + parameter + "` in `" + function + "` is invalid: " + reason);
}


// Spark's implicit cast to STRING: any atomic type (and NULL) converts; nested types do not.
ExprPtr stringArg(const Expr& call, const ExprPtr& arg, size_t index) {
  if (arg->type->id() == TypeId::kString) return arg;
  if (arg->type->isNested()) throwMismatch(call, index, arg, "\"STRING\"");
  return castIfNeeded(arg, DataType::string());
}

// STRING or BINARY kept as they are; other atomic types become STRING.
ExprPtr stringOrBinaryArg(const Expr& call, const ExprPtr& arg, size_t index) {
  if (arg->type->id() == TypeId::kBinary) return arg;
  return stringArg(call, arg, index);
}

ExprPtr intArg(const Expr& call, const ExprPtr& arg, size_t index) {
  TypeId id = arg->type->id();
  if (id == TypeId::kInteger) return arg;
  if (id == TypeId::kNull || id == TypeId::kString || arg->type->isNumeric()) {
    return castIfNeeded(arg, DataType::integer());
  }
  throwMismatch(call, index, arg, "\"INT\"");
}

bool anyNullable(const std::vector<ExprPtr>& args) {
  return std::any_of(args.begin(), args.end(), [](const ExprPtr& a) { return a->nullable; });
}

// ===== UTF-8

// Bytes of the character that starts with `lead`, counted as Spark's UTF8String does: bytes that
// cannot start a character count as one-byte characters.
inline size_t charWidth(uint8_t lead) {
  if (lead < 0xC2) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF5) return 4;
  return 1;
}

inline size_t nextChar(std::string_view s, size_t at) {
  return std::min(s.size(), at + charWidth(static_cast<uint8_t>(s[at])));
}

size_t numChars(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); i = nextChar(s, i)) ++count;
  return count;
}

// Byte offset after skipping `chars` characters from byte `from` (clamped to the end).
size_t skipChars(std::string_view s, size_t from, int64_t chars) {
  size_t i = from;
  for (int64_t c = 0; c < chars && i < s.size(); ++c) i = nextChar(s, i);
  return i;
}

bool isAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the character at s[i] and advances i; malformed bytes decode to U+FFFD one at a time,
// as Java's decoder replaces them when Spark turns bytes into a String.
char32_t decodeChar(std::string_view s, size_t& i) {
  uint8_t b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t width = charWidth(b0);
  if (width == 1 || i + width > s.size()) {
    ++i;
    return kReplacementChar;
  }
  char32_t cp = b0 & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < width; ++k) {
    uint8_t b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacementChar;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  bool overlong = (width == 3 && cp < 0x800) || (width == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacementChar;
  }
  i += width;
  return cp;
}


// ===== case mapping (Java's String.toUpperCase / toLowerCase in a non-Turkic locale)

// The C.UTF-8 locale gives Unicode's simple case mappings; created once, never freed.
locale_t unicodeLocale() {
  static const locale_t locale =
      newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return locale;
}

char32_t simpleLower(char32_t c) {
  locale_t l = unicodeLocale();
  return l ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), l))
           : static_cast<char32_t>(towlower(static_cast<wint_t>(c)));
}

char32_t simpleUpper(char32_t c) {
  locale_t l = unicodeLocale();
  return l ? static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), l))
           : static_cast<char32_t>(towupper(static_cast<wint_t>(c)));
}

// Unicode SpecialCasing.txt's unconditional upper-case mappings to more than one character.
struct SpecialUpper {
  char32_t from;
  char32_t to[3];
};
constexpr SpecialUpper kSpecialUpper[] = {
    {0x00DF, {0x53, 0x53}},          {0x0149, {0x2BC, 0x4E}},
    {0x01F0, {0x4A, 0x30C}},         {0x0390, {0x399, 0x308, 0x301}},
    {0x03B0, {0x3A5, 0x308, 0x301}}, {0x0587, {0x535, 0x552}},
    {0x1E96, {0x48, 0x331}},         {0x1E97, {0x54, 0x308}},
    {0x1E98, {0x57, 0x30A}},         {0x1E99, {0x59, 0x30A}},
    {0x1E9A, {0x41, 0x2BE}},         {0x1F50, {0x3A5, 0x313}},
    {0x1F52, {0x3A5, 0x313, 0x300}}, {0x1F54, {0x3A5, 0x313, 0x301}},
    {0x1F56, {0x3A5, 0x313, 0x342}}, {0x1FB2, {0x1FBA, 0x399}},
    {0x1FB3, {0x391, 0x399}},        {0x1FB4, {0x386, 0x399}},
    {0x1FB6, {0x391, 0x342}},        {0x1FB7, {0x391, 0x342, 0x399}},
    {0x1FBC, {0x391, 0x399}},        {0x1FC2, {0x1FCA, 0x399}},
    {0x1FC3, {0x397, 0x399}},        {0x1FC4, {0x389, 0x399}},
    {0x1FC6, {0x397, 0x342}},        {0x1FC7, {0x397, 0x342, 0x399}},
    {0x1FCC, {0x397, 0x399}},        {0x1FD2, {0x399, 0x308, 0x300}},
    {0x1FD3, {0x399, 0x308, 0x301}}, {0x1FD6, {0x399, 0x342}},
    {0x1FD7, {0x399, 0x308, 0x342}}, {0x1FE2, {0x3A5, 0x308, 0x300}},
    {0x1FE3, {0x3A5, 0x308, 0x301}}, {0x1FE4, {0x3A1, 0x313}},
    {0x1FE6, {0x3A5, 0x342}},        {0x1FE7, {0x3A5, 0x308, 0x342}},
    {0x1FF2, {0x1FFA, 0x399}},       {0x1FF3, {0x3A9, 0x399}},
    {0x1FF4, {0x38F, 0x399}},        {0x1FF6, {0x3A9, 0x342}},
    {0x1FF7, {0x3A9, 0x342, 0x399}}, {0x1FFC, {0x3A9, 0x399}},
    {0xFB00, {0x46, 0x46}},          {0xFB01, {0x46, 0x49}},
    {0xFB02, {0x46, 0x4C}},          {0xFB03, {0x46, 0x46, 0x49}},
    {0xFB04, {0x46, 0x46, 0x4C}},    {0xFB05, {0x53, 0x54}},
    {0xFB06, {0x53, 0x54}},          {0xFB13, {0x544, 0x546}},
    {0xFB14, {0x544, 0x535}},        {0xFB15, {0x544, 0x53B}},
    {0xFB16, {0x54E, 0x546}},        {0xFB17, {0x544, 0x53D}},
};

void appendUpper(char32_t c, std::string& out) {
  // Greek letters with ypogegrammeni or prosgegrammeni: capital letter followed by IOTA.
  if (c >= 0x1F80 && c <= 0x1FAF) {
    char32_t capital = c < 0x1F90 ? 0x1F08 : (c < 0x1FA0 ? 0x1F28 : 0x1F68);
    base::appendUtf8(out, static_cast<uint32_t>(capital + (c & 7)));
    base::appendUtf8(out, static_cast<uint32_t>(0x399));
    return;
  }
  auto it = std::lower_bound(std::begin(kSpecialUpper), std::end(kSpecialUpper), c,
                             [](const SpecialUpper& s, char32_t v) { return s.from < v; });
  if (it != std::end(kSpecialUpper) && it->from == c) {
    for (char32_t t : it->to) {
      if (t) base::appendUtf8(out, static_cast<uint32_t>(t));
    }
    return;
  }
  base::appendUtf8(out, static_cast<uint32_t>(simpleUpper(c)));
}

bool isCased(char32_t c) { return simpleLower(c) != c || simpleUpper(c) != c; }

// Case-ignorable characters of Unicode's Final_Sigma rule: apostrophes, periods, modifiers and
// combining marks.
bool isCaseIgnorable(char32_t c) {
  switch (c) {
    case '\'':
    case '.':
    case ':':
    case '^':
    case '`':
    case 0xAD:
    case 0xB7:
    case 0x2018:
    case 0x2019:
    case 0x2024:
      return true;
    default:
      break;
  }
  return (c >= 0x2B0 && c <= 0x36F) || (c >= 0x483 && c <= 0x489) || (c >= 0x591 && c <= 0x5BD) ||
         (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

void lowerSlow(std::string_view s, std::string& out) {
  std::u32string chars;
  for (size_t i = 0; i < s.size();) chars.push_back(decodeChar(s, i));
  for (size_t k = 0; k < chars.size(); ++k) {
    char32_t c = chars[k];
    if (c == 0x130) {  // capital I with dot above: "i" + combining dot above
      out += 'i';
      base::appendUtf8(out, static_cast<uint32_t>(0x307));
      continue;
    }
    if (c == 0x3A3) {  // capital sigma: final form at the end of a word
      bool casedBefore = false, casedAfter = false;
      for (size_t j = k; j-- > 0;) {
        if (isCaseIgnorable(chars[j])) continue;
        casedBefore = isCased(chars[j]);
        break;
      }
      for (size_t j = k + 1; j < chars.size(); ++j) {
        if (isCaseIgnorable(chars[j])) continue;
        casedAfter = isCased(chars[j]);
        break;
      }
      base::appendUtf8(out, static_cast<uint32_t>(casedBefore && !casedAfter ? 0x3C2 : 0x3C3));
      continue;
    }
    base::appendUtf8(out, static_cast<uint32_t>(simpleLower(c)));
  }
}

void upperSlow(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size();) appendUpper(decodeChar(s, i), out);
}

VectorPtr changeCase(const Vector& in, bool upper, size_t n) {
  const uint32_t* offsets = in.offsets();
  std::string_view all(in.bytes().data() + offsets[0], offsets[n] - offsets[0]);
  if (isAscii(all)) {
    // Whole-batch fast path: byte lengths do not change, so the offsets carry over.
    auto out = Vector::make(DataType::string());
    auto& bytes = out->mutableBytes();
    bytes.assign(all.data(), all.size());
    for (char& c : bytes) {
      if (upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      } else if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c + 32);
      }
    }
    auto& outOffsets = out->offsetsVector();
    outOffsets.resize(n + 1);
    for (size_t i = 0; i <= n; ++i) outOffsets[i] = offsets[i] - offsets[0];
    out->setSizeUnchecked(n);
    out->setValidityFrom({&in});
    return out;
  }
  StringWriter w(DataType::string(), n);
  std::string scratch;  // one non-ASCII value, case-mapped
  for (size_t i = 0; i < n; ++i) {
    if (in.isNull(i)) {
      w.appendNull();
      continue;
    }
    std::string_view s = in.stringAt(i);
    auto& buf = w.buffer();
    if (isAscii(s)) {
      size_t at = buf.size();
      buf.append(s.data(), s.size());
      for (size_t k = at; k < buf.size(); ++k) {
        char c = buf[k];
        if (upper && c >= 'a' && c <= 'z') buf[k] = static_cast<char>(c - 32);
        if (!upper && c >= 'A' && c <= 'Z') buf[k] = static_cast<char>(c + 32);
      }
    } else {
      scratch.clear();
      if (upper) {
        upperSlow(s, scratch);
      } else {
        lowerSlow(s, scratch);
      }
      buf.append(scratch);
    }
    w.finishRow();
  }
  return w.finish();
}

// ===== trim

enum class TrimSide { kBoth, kLeft, kRight };

// Spark's UTF8String.trim(): only the ASCII space (0x20) is removed.
std::string_view trimSpaces(std::string_view s, TrimSide side) {
  if (side != TrimSide::kRight) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  }
  if (side != TrimSide::kLeft) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  return s;
}

// Removes characters that occur in `chars` (compared as whole UTF-8 characters).
std::string_view trimChars(std::string_view s, std::string_view chars, TrimSide side) {
  auto contains = [&](std::string_view ch) { return chars.find(ch) != std::string_view::npos; };
  if (side != TrimSide::kRight) {
    while (!s.empty()) {
      size_t w = nextChar(s, 0);
      if (!contains(s.substr(0, w))) break;
      s.remove_prefix(w);
    }
  }
  if (side != TrimSide::kLeft) {
    while (!s.empty()) {
      // Find the start of the last character by walking forward (Spark's character widths).
      size_t last = 0;
      for (size_t i = 0; i < s.size(); i = nextChar(s, i)) last = i;
      if (!contains(s.substr(last))) break;
      s.remove_suffix(s.size() - last);
    }
  }
  return s;
}

void registerTrim(FunctionRegistry& r, const std::string& name, TrimSide side) {
  r.add(name, [side](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1, 2);
    for (size_t i = 0; i < args.size(); ++i) args[i] = stringArg(call, args[i], i);
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), DataType::string(),
        [side](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& str = *in[0];
          const Vector* chars = in.size() > 1 ? in[1].get() : nullptr;
          StringWriter w(DataType::string(), n);
          for (size_t i = 0; i < n; ++i) {
            if (str.isNull(i) || (chars && chars->isNull(i))) {
              w.appendNull();
              continue;
            }
            w.append(chars ? trimChars(str.stringAt(i), chars->stringAt(i), side)
                           : trimSpaces(str.stringAt(i), side));
          }
          return w.finish();
        },
        nullable);
  });
}

// ===== substring

// Spark's substringSQL on characters (or bytes for binary): 1-based, 0 acts as 1, negative counts
// from the end; the result is clamped to the value.
std::string_view substringSql(std::string_view s, int32_t pos, int32_t len, bool binary) {
  int64_t total = binary ? static_cast<int64_t>(s.size()) : -1;
  if (pos < 0 && total < 0) total = static_cast<int64_t>(numChars(s));
  int64_t start = pos > 0 ? pos - 1 : (pos < 0 ? total + pos : 0);
  int64_t end = std::clamp<int64_t>(start + len, std::numeric_limits<int32_t>::min(),
                                    std::numeric_limits<int32_t>::max());
  start = std::max<int64_t>(start, 0);
  if (start >= end) return {};
  if (binary) {
    size_t b = std::min<size_t>(static_cast<size_t>(start), s.size());
    size_t e = std::min<size_t>(static_cast<size_t>(end), s.size());
    return s.substr(b, e - b);
  }
  size_t b = skipChars(s, 0, start);
  size_t e = skipChars(s, b, end - start);
  return s.substr(b, e - b);
}

// ===== Java regular expressions on RE2

bool isHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string hexEscape(char32_t cp) {
  static const char* kHex = "0123456789ABCDEF";
  std::string digits;
  do {
    digits.insert(digits.begin(), kHex[cp & 15]);
    cp >>= 4;
  } while (cp);
  return "\\x{" + digits + "}";
}

// Rewrites a Java regular expression into RE2 syntax. Returns an error text for Java features
// RE2 does not have.
class JavaRegexTranslator {
 public:
  explicit JavaRegexTranslator(std::string_view pattern) : in_(pattern) {}

  std::optional<std::string> translate(std::string& out) {
    dotAll_ = hasDotAllFlag();
    while (i_ < in_.size() && !error_) {
      if (inClass_) {
        classChar(out);
      } else {
        plainChar(out);
      }
    }
    return error_;
  }

 private:
  static constexpr const char* kLineTerminators = "\\n\\r\\x{85}\\x{2028}\\x{2029}";
  static constexpr const char* kJavaSpaces = "\\t\\n\\x0B\\f\\r ";
  static constexpr const char* kHorizontalSpaces =
      " \\t\\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}";
  static constexpr const char* kVerticalSpaces = "\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}";

  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

  // Whether an inline flag group turns on DOTALL somewhere; then '.' is left to RE2's (?s).
  bool hasDotAllFlag() const {
    for (size_t k = 0; k + 2 < in_.size(); ++k) {
      if (in_[k] == '\\') {
        ++k;
        continue;
      }
      if (in_[k] != '(' || in_[k + 1] != '?') continue;
      for (size_t j = k + 2; j < in_.size() && std::isalpha(static_cast<unsigned char>(in_[j]));
           ++j) {
        if (in_[j] == 's') return true;
      }
    }
    return false;
  }

  void plainChar(std::string& out) {
    char c = in_[i_];
    switch (c) {
      case '\\':
        escape(out, false);
        lastQuantifier_ = false;
        return;
      case '[':
        ++i_;
        out += '[';
        inClass_ = true;
        droppedBrackets_ = 0;
        if (i_ < in_.size() && in_[i_] == '^') out += in_[i_++];
        if (i_ < in_.size() && in_[i_] == ']') {
          out += "\\]";
          ++i_;
        }
        lastQuantifier_ = false;
        return;
      case '.':
        ++i_;
        out += dotAll_ ? std::string(".") : std::string("[^") + kLineTerminators + "]";
        lastQuantifier_ = false;
        return;
      case '(':
        group(out);
        lastQuantifier_ = false;
        return;
      case '*':
      case '+':
      case '?':
        ++i_;
        if (lastQuantifier_ && c == '+') {
          fail("possessive quantifiers (such as \"a*+\") are not supported");
          return;
        }
        out += c;
        // A '?' after a quantifier makes it lazy; anything after that is a new token.
        lastQuantifier_ = !(lastQuantifier_ && c == '?');
        return;
      case '{': {
        size_t close = in_.find('}', i_);
        std::string_view body = close == std::string_view::npos
                                    ? std::string_view()
                                    : in_.substr(i_ + 1, close - i_ - 1);
        bool valid = !body.empty() && std::isdigit(static_cast<unsigned char>(body[0]));
        for (char b : body)
          valid = valid && (std::isdigit(static_cast<unsigned char>(b)) || b == ',');
        if (!valid || std::count(body.begin(), body.end(), ',') > 1) {
          fail("illegal repetition near index " + std::to_string(i_));
          return;
        }
        out.append(in_.substr(i_, close - i_ + 1));
        i_ = close + 1;
        if (i_ < in_.size() && in_[i_] == '+') {
          fail("possessive quantifiers (such as \"a{2}+\") are not supported");
          return;
        }
        lastQuantifier_ = true;
        return;
      }
      default:
        out += c;
        ++i_;
        lastQuantifier_ = false;
        return;
    }
  }

  void classChar(std::string& out) {
    char c = in_[i_];
    switch (c) {
      case '\\':
        escape(out, true);
        return;
      case '[':
        // Java's nested class is a union: [a[bc]] is [abc].
        if (i_ + 1 < in_.size() && in_[i_ + 1] == '^') {
          fail("negated nested character classes (such as \"[a[^b]]\") are not supported");
          return;
        }
        ++droppedBrackets_;
        ++i_;
        return;
      case ']':
        ++i_;
        if (droppedBrackets_ > 0) {
          --droppedBrackets_;
        } else {
          out += ']';
          inClass_ = false;
        }
        return;
      case '&':
        if (i_ + 1 < in_.size() && in_[i_ + 1] == '&') {
          fail("character class intersections (\"&&\") are not supported");
          return;
        }
        out += c;
        ++i_;
        return;
      default:
        out += c;
        ++i_;
        return;
    }
  }

  void group(std::string& out) {
    ++i_;  // '('
    if (i_ >= in_.size() || in_[i_] != '?') {
      out += '(';
      return;
    }
    char kind = i_ + 1 < in_.size() ? in_[i_ + 1] : '\0';
    switch (kind) {
      case ':':
        out += "(?:";
        i_ += 2;
        return;
      case '=':
      case '!':
        fail("lookahead groups (\"(?=\" and \"(?!\") are not supported");
        return;
      case '>':
        fail("atomic groups (\"(?>\") are not supported");
        return;
      case '<': {
        char next = i_ + 2 < in_.size() ? in_[i_ + 2] : '\0';
        if (next == '=' || next == '!') {
          fail("lookbehind groups (\"(?<=\" and \"(?<!\") are not supported");
          return;
        }
        out += "(?P<";
        i_ += 2;
        return;
      }
      default:
        break;
    }
    // Inline flags: (?imsux-imsux) or (?flags:...).
    size_t j = i_ + 1;
    std::string flags;
    while (j < in_.size() && (std::isalpha(static_cast<unsigned char>(in_[j])) || in_[j] == '-')) {
      char f = in_[j++];
      switch (f) {
        case 'i':
        case 'm':
        case 's':
        case '-':
          flags += f;
          break;
        case 'u':  // UNICODE_CASE: RE2 already folds case over Unicode
          break;
        case 'x':
          fail("the COMMENTS flag (?x) is not supported");
          return;
        case 'd':
          fail("the UNIX_LINES flag (?d) is not supported");
          return;
        case 'U':
          fail("the UNICODE_CHARACTER_CLASS flag (?U) is not supported");
          return;
        default:
          fail(std::string("unknown inline flag '") + f + "'");
          return;
      }
    }
    if (j >= in_.size() || (in_[j] != ')' && in_[j] != ':')) {
      fail("unknown group type near index " + std::to_string(i_ - 1));
      return;
    }
    while (!flags.empty() && flags.back() == '-') flags.pop_back();
    if (in_[j] == ':') {
      out += flags.empty() ? "(?:" : "(?" + flags + ":";
    } else if (!flags.empty()) {
      out += "(?" + flags + ")";
    }
    i_ = j + 1;
  }

  // Appends text from \Q...\E with every character literal.
  void quoted(std::string& out) {
    size_t end = in_.find("\\E", i_);
    std::string_view body =
        in_.substr(i_, end == std::string_view::npos ? std::string_view::npos : end - i_);
    for (char c : body) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x80 && std::ispunct(u)) out += '\\';
      out += c;
    }
    i_ = end == std::string_view::npos ? in_.size() : end + 2;
  }

  void property(std::string& out, bool negated, bool inClass) {
    std::string name;
    if (i_ < in_.size() && in_[i_] == '{') {
      size_t close = in_.find('}', i_);
      if (close == std::string_view::npos) {
        fail("unclosed character family");
        return;
      }
      name = std::string(in_.substr(i_ + 1, close - i_ - 1));
      i_ = close + 1;
    } else if (i_ < in_.size()) {
      name = std::string(1, in_[i_++]);
    }
    static const std::map<std::string, std::string> kPosix = {
        {"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"},
        {"Digit", "digit"}, {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"},
        {"Print", "print"}, {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"},
        {"Space", "space"}};
    if (auto it = kPosix.find(name); it != kPosix.end()) {
      std::string cls = std::string("[:") + (negated ? "^" : "") + it->second + ":]";
      out += inClass ? cls : "[" + cls + "]";
      return;
    }
    if (name == "javaLowerCase") name = "Ll";
    if (name == "javaUpperCase") name = "Lu";
    for (const char* prefix : {"general_category=", "gc=", "script=", "sc="}) {
      if (name.rfind(prefix, 0) == 0) name = name.substr(std::strlen(prefix));
    }
    if (name.rfind("In", 0) == 0 || name.rfind("block=", 0) == 0 || name.rfind("blk=", 0) == 0) {
      fail("Unicode blocks (\\p{" + name + "}) are not supported");
      return;
    }
    if (name.rfind("Is", 0) == 0) name = name.substr(2);
    if (name.rfind("java", 0) == 0) {
      fail("the character class \\p{" + name + "} is not supported");
      return;
    }
    out += negated ? "\\P{" : "\\p{";
    out += name + "}";
  }

  void escape(std::string& out, bool inClass) {
    ++i_;  // '\'
    if (i_ >= in_.size()) {
      fail("unexpected internal error: the pattern ends with '\\'");
      return;
    }
    char c = in_[i_++];
    auto set = [&](const std::string& items, bool negated) {
      if (inClass) {
        out += items;
      } else {
        out += (negated ? "[^" : "[") + items + "]";
      }
    };
    switch (c) {
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        fail("backreferences (\\" + std::string(1, c) + ") are not supported");
        return;
      case 'k':
        fail("named backreferences (\\k<name>) are not supported");
        return;
      case 'G':
        fail("the end-of-previous-match anchor \\G is not supported");
        return;
      case 'X':
        fail("grapheme clusters (\\X) are not supported");
        return;
      case '0': {
        // Octal: \0n, \0nn, \0mnn (m <= 3).
        char32_t value = 0;
        int digits = 0;
        while (i_ < in_.size() && digits < 3 && in_[i_] >= '0' && in_[i_] <= '7') {
          char32_t next = value * 8 + static_cast<char32_t>(in_[i_] - '0');
          if (next > 0377) break;
          value = next;
          ++i_;
          ++digits;
        }
        if (digits == 0) {
          fail("illegal octal escape sequence");
          return;
        }
        out += hexEscape(value);
        return;
      }
      case 'u': {
        if (i_ + 4 > in_.size() ||
            !std::all_of(in_.begin() + i_, in_.begin() + i_ + 4, isHexDigit)) {
          fail("illegal Unicode escape sequence");
          return;
        }
        char32_t value =
            static_cast<char32_t>(std::stoul(std::string(in_.substr(i_, 4)), nullptr, 16));
        i_ += 4;
        // A surrogate pair written as two \u escapes is one character.
        if (value >= 0xD800 && value <= 0xDBFF && i_ + 6 <= in_.size() && in_[i_] == '\\' &&
            in_[i_ + 1] == 'u' &&
            std::all_of(in_.begin() + i_ + 2, in_.begin() + i_ + 6, isHexDigit)) {
          char32_t low =
              static_cast<char32_t>(std::stoul(std::string(in_.substr(i_ + 2, 4)), nullptr, 16));
          if (low >= 0xDC00 && low <= 0xDFFF) {
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
            i_ += 6;
          }
        }
        out += hexEscape(value);
        return;
      }
      case 'x': {
        out += "\\x";
        if (i_ < in_.size() && in_[i_] == '{') {
          size_t close = in_.find('}', i_);
          if (close == std::string_view::npos) {
            fail("unclosed hexadecimal escape sequence");
            return;
          }
          out.append(in_.substr(i_, close - i_ + 1));
          i_ = close + 1;
        } else {
          out.append(in_.substr(i_, 2));
          i_ += 2;
        }
        return;
      }
      case 'c':
        if (i_ >= in_.size()) {
          fail("illegal control escape sequence");
          return;
        }
        out += hexEscape(static_cast<char32_t>(static_cast<unsigned char>(in_[i_++]) ^ 64));
        return;
      case 'e':
        out += "\\x{1B}";
        return;
      case 's':
        set(kJavaSpaces, false);
        return;
      case 'S':
        if (inClass) {
          out += "\\S";
        } else {
          set(kJavaSpaces, true);
        }
        return;
      case 'h':
        set(kHorizontalSpaces, false);
        return;
      case 'H':
        if (inClass) {
          fail("\\H inside a character class is not supported");
          return;
        }
        set(kHorizontalSpaces, true);
        return;
      case 'v':
        set(kVerticalSpaces, false);
        return;
      case 'V':
        if (inClass) {
          fail("\\V inside a character class is not supported");
          return;
        }
        set(kVerticalSpaces, true);
        return;
      case 'R':
        if (inClass) {
          fail("\\R inside a character class is not allowed");
          return;
        }
        out += std::string("(?:\\r\\n|[") + kVerticalSpaces + "])";
        return;
      case 'Z':
        out += "\\z";
        return;
      case 'Q':
        quoted(out);
        return;
      case 'E':
        return;
      case 'p':
      case 'P':
        property(out, c == 'P', inClass);
        return;
      default:
        out += '\\';
        out += c;
        return;
    }
  }

  std::string_view in_;
  size_t i_ = 0;
  bool inClass_ = false;
  int droppedBrackets_ = 0;
  bool lastQuantifier_ = false;
  bool dotAll_ = false;
  std::optional<std::string> error_;
};

using RegexPtr = std::shared_ptr<const RE2>;

// Compiles a Java regular expression; throws INVALID_PARAMETER_VALUE.PATTERN naming the function
// when the pattern is invalid or uses a feature RE2 does not support.
RegexPtr compileJavaRegex(std::string_view pattern, const std::string& function) {
  std::string translated;
  if (auto error = JavaRegexTranslator(pattern).translate(translated)) {
    throwInvalidParameter("PATTERN", "regexp", function,
                          "'" + std::string(pattern) + "': " + *error +
                              " (Weir evaluates regular expressions with RE2).");
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<RE2>(re2::StringPiece(translated.data(), translated.size()), options);
  if (!re->ok()) {
    throwInvalidParameter("PATTERN", "regexp", function,
                          "'" + std::string(pattern) + "': " + re->error() + ".");
  }
  return re;
}

inline re2::StringPiece piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// Compiles per-row patterns, reusing the previous one while the pattern repeats (one per kernel
// call, so it is never shared across threads).
class RegexCache {
 public:
  RegexCache(RegexPtr constant, std::string function)
      : constant_(std::move(constant)), function_(std::move(function)) {}
  const RE2& get(const Vector& patterns, size_t row) {
    if (constant_) return *constant_;
    std::string_view p = patterns.stringAt(row);
    if (!last_ || p != lastPattern_) {
      last_ = compileJavaRegex(p, function_);
      lastPattern_.assign(p.data(), p.size());
      ++generation_;
    }
    return *last_;
  }
  /// Changes whenever get() compiled a new pattern.
  uint64_t generation() const { return generation_; }

 private:
  RegexPtr constant_;
  std::string function_;
  RegexPtr last_;
  std::string lastPattern_;
  uint64_t generation_ = 0;
};

// Visits the matches Java's Matcher.find() loop yields over `text`: after an empty match the next
// search starts one character later. fn(submatches) returns false to stop.
template <class F>
void forEachMatch(const RE2& re, std::string_view text, re2::StringPiece* groups, int numGroups,
                  F fn) {
  size_t from = 0;
  while (from <= text.size()) {
    if (!re.Match(piece(text), from, text.size(), RE2::UNANCHORED, groups, numGroups)) return;
    size_t start = static_cast<size_t>(groups[0].data() - text.data());
    size_t end = start + groups[0].size();
    if (!fn(start, end)) return;
    from = end == start ? (end < text.size() ? nextChar(text, end) : end + 1) : end;
  }
}

// Java's String.split(regex, limit) as Spark calls it (limit 0 behaves as -1), including Spark
// 3.5's special case of an empty pattern: the first `limit` characters, one per element (the rest
// of the text is dropped, as before SPARK-49968).
void splitJava(const RE2& re, bool emptyPattern, std::string_view text, int32_t limit,
               std::vector<std::string_view>& parts) {
  parts.clear();
  if (emptyPattern && !text.empty()) {
    int64_t chars = static_cast<int64_t>(numChars(text));
    int64_t count = (limit <= 0 || limit > chars) ? chars : limit;
    size_t at = 0;
    for (int64_t k = 0; k < count; ++k) {
      size_t next = nextChar(text, at);
      parts.push_back(text.substr(at, next - at));
      at = next;
    }
    return;
  }
  if (limit == 0) limit = -1;
  bool limited = limit > 0;
  size_t index = 0;
  re2::StringPiece match[1];
  forEachMatch(re, text, match, 1, [&](size_t start, size_t end) {
    if (!limited || parts.size() < static_cast<size_t>(limit - 1)) {
      if (index == 0 && start == 0 && start == end) return true;  // no leading empty string
      parts.push_back(text.substr(index, start - index));
      index = end;
    } else if (parts.size() == static_cast<size_t>(limit - 1)) {
      parts.push_back(text.substr(index));
      index = end;
    }
    return true;
  });
  if (index == 0) {
    parts.assign(1, text);
    return;
  }
  if (!limited || parts.size() < static_cast<size_t>(limit)) parts.push_back(text.substr(index));
}

// A replacement string in Java's Matcher.appendReplacement syntax: "$1", "${name}", "\$".
struct Replacement {
  struct Part {
    std::string literal;
    int group = -1;
  };
  std::vector<Part> parts;
  int maxGroup = 0;
};

Replacement parseReplacement(std::string_view rep, const RE2& re) {
  auto fail = [&](const std::string& reason) -> void {
    throwInvalidParameter("PATTERN", "replacement", "regexp_replace",
                          "'" + std::string(rep) + "': " + reason + ".");
  };
  Replacement out;
  std::string literal;
  int groupCount = re.NumberOfCapturingGroups();
  auto flush = [&] {
    if (!literal.empty()) out.parts.push_back({std::move(literal), -1});
    literal.clear();
  };
  for (size_t i = 0; i < rep.size();) {
    char c = rep[i];
    if (c == '\\') {
      if (++i >= rep.size()) fail("character to be escaped is missing");
      literal += rep[i++];
    } else if (c == '$') {
      if (++i >= rep.size()) fail("Illegal group reference: group index is missing");
      int group = 0;
      if (rep[i] == '{') {
        size_t close = rep.find('}', i);
        if (close == std::string_view::npos) fail("named capturing group is missing trailing '}'");
        std::string name(rep.substr(i + 1, close - i - 1));
        if (name.empty()) fail("named capturing group has 0 length name");
        const auto& named = re.NamedCapturingGroups();
        auto it = named.find(name);
        if (it == named.end()) fail("No group with name {" + name + "}");
        group = it->second;
        i = close + 1;
      } else {
        if (rep[i] < '0' || rep[i] > '9') fail("Illegal group reference");
        group = rep[i++] - '0';
        while (i < rep.size() && rep[i] >= '0' && rep[i] <= '9') {
          int next = group * 10 + (rep[i] - '0');
          if (next > groupCount) break;
          group = next;
          ++i;
        }
        if (group > groupCount) fail("No group " + std::to_string(group));
      }
      flush();
      out.parts.push_back({"", group});
      out.maxGroup = std::max(out.maxGroup, group);
    } else {
      literal += c;
      ++i;
    }
  }
  flush();
  return out;
}

void appendReplaced(const RE2& re, const Replacement& rep, std::string_view text,
                    columnar::ByteBuffer& out) {
  int numGroups = rep.maxGroup + 1;
  std::vector<re2::StringPiece> groups(numGroups);
  size_t copied = 0;
  forEachMatch(re, text, groups.data(), numGroups, [&](size_t start, size_t end) {
    out.append(text.substr(copied, start - copied));
    for (const auto& part : rep.parts) {
      if (part.group < 0) {
        out += part.literal;
      } else if (groups[part.group].data() != nullptr) {
        out.append(groups[part.group].data(), groups[part.group].size());
      }
    }
    copied = end;
    return true;
  });
  out.append(text.substr(copied));
}

// ===== LIKE

// A LIKE pattern compiled into per-character tokens: a literal character, '_' (any one character)
// or '%' (any sequence).
class LikePattern {
 public:
  enum class Kind : uint8_t { kLiteral, kOne, kMany };
  struct Token {
    Kind kind;
    std::string_view text;  // the literal character's bytes (into text_)
  };

  // Parses with Spark's escapeLikeRegex rules; throws INVALID_FORMAT on a misplaced escape.
  LikePattern(std::string_view pattern, char32_t escape) : text_(pattern) {
    std::string_view p = text_;
    for (size_t i = 0; i < p.size();) {
      size_t start = i;
      char32_t c = decodeChar(p, i);
      if (c == escape) {
        if (i >= p.size()) {
          throw AnalysisError("INVALID_FORMAT.ESC_AT_THE_END",
                              "The format is invalid: '" + text_ +
                                  "'. The escape character is not allowed to end with.");
        }
        size_t next = i;
        char32_t e = decodeChar(p, i);
        if (e != '_' && e != '%' && e != escape) {
          throw AnalysisError("INVALID_FORMAT.ESC_IN_THE_MIDDLE",
                              "The format is invalid: '" + text_ +
                                  "'. The escape character is not allowed to precede '" +
                                  std::string(p.substr(next, i - next)) + "'.");
        }
        tokens_.push_back({Kind::kLiteral, p.substr(next, i - next)});
      } else if (c == '_') {
        tokens_.push_back({Kind::kOne, {}});
      } else if (c == '%') {
        if (tokens_.empty() || tokens_.back().kind != Kind::kMany)
          tokens_.push_back({Kind::kMany, {}});
      } else {
        tokens_.push_back({Kind::kLiteral, p.substr(start, i - start)});
      }
    }
    classify();
  }
  LikePattern(const LikePattern&) = delete;
  LikePattern& operator=(const LikePattern&) = delete;

  bool matches(std::string_view s) const {
    switch (shape_) {
      case Shape::kExact:
        return s == literal_;
      case Shape::kPrefix:
        return s.substr(0, literal_.size()) == literal_;
      case Shape::kSuffix:
        return s.size() >= literal_.size() && s.substr(s.size() - literal_.size()) == literal_;
      case Shape::kContains:
        return s.find(literal_) != std::string_view::npos;
      case Shape::kAny:
        return true;
      case Shape::kGeneral:
        return matchGeneral(s);
    }
    return false;
  }

 private:
  enum class Shape : uint8_t { kExact, kPrefix, kSuffix, kContains, kAny, kGeneral };

  void classify() {
    size_t n = tokens_.size();
    bool leadingMany = n > 0 && tokens_.front().kind == Kind::kMany;
    bool trailingMany = n > 0 && tokens_.back().kind == Kind::kMany;
    size_t begin = leadingMany ? 1 : 0, end = trailingMany && n > begin ? n - 1 : n;
    for (size_t k = begin; k < end; ++k) {
      if (tokens_[k].kind != Kind::kLiteral) {
        shape_ = Shape::kGeneral;
        return;
      }
      literal_.append(tokens_[k].text);
    }
    if (leadingMany && trailingMany) {
      shape_ = literal_.empty() ? Shape::kAny : Shape::kContains;
    } else if (leadingMany) {
      shape_ = Shape::kSuffix;
    } else {
      shape_ = trailingMany ? Shape::kPrefix : Shape::kExact;
    }
  }

  // Wildcard matching with backtracking to the last '%'.
  bool matchGeneral(std::string_view s) const {
    size_t t = 0, p = 0, starP = std::string_view::npos, starT = 0;
    while (t < s.size()) {
      if (p < tokens_.size() && tokens_[p].kind == Kind::kMany) {
        starP = p++;
        starT = t;
        continue;
      }
      if (p < tokens_.size()) {
        const Token& tok = tokens_[p];
        if (tok.kind == Kind::kOne) {
          t = nextChar(s, t);
          ++p;
          continue;
        }
        if (s.substr(t, tok.text.size()) == tok.text) {
          t += tok.text.size();
          ++p;
          continue;
        }
      }
      if (starP == std::string_view::npos) return false;
      p = starP + 1;
      starT = nextChar(s, starT);
      t = starT;
    }
    while (p < tokens_.size() && tokens_[p].kind == Kind::kMany) ++p;
    return p == tokens_.size();
  }

  std::string text_;
  std::vector<Token> tokens_;
  Shape shape_ = Shape::kGeneral;
  std::string literal_;
};

char32_t likeEscapeOf(const Expr& call, const std::vector<ExprPtr>& args) {
  if (args.size() < 3) return '\\';
  auto value = constantValue(args[2]);
  if (!value || value->isNull()) {
    throw AnalysisError(
        "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
        "Cannot resolve \"" + call.display +
            "\" due to data type mismatch: the escape character must be a constant string.");
  }
  const std::string& text = value->asString();
  size_t i = 0;
  char32_t c = text.empty() ? 0 : decodeChar(text, i);
  if (text.empty() || i != text.size()) {
    throw AnalysisError(
        "INVALID_ESCAPE_CHAR",
        "The escape character of LIKE must be a string literal of length one, got '" + text + "'.");
  }
  return c;
}

// ===== boolean string predicates

enum class Predicate { kContains, kStartsWith, kEndsWith };

bool testPredicate(Predicate p, std::string_view s, std::string_view x) {
  switch (p) {
    case Predicate::kContains:
      return s.find(x) != std::string_view::npos;
    case Predicate::kStartsWith:
      return s.substr(0, x.size()) == x;
    case Predicate::kEndsWith:
      return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
  }
  return false;
}

void registerPredicate(FunctionRegistry& r, const std::string& name, Predicate p) {
  r.add(name, [p](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 2);
    bool binary = args[0]->type->id() == TypeId::kBinary && args[1]->type->id() == TypeId::kBinary;
    if (!binary) {
      args[0] = stringArg(call, args[0], 0);
      args[1] = stringArg(call, args[1], 1);
    }
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), DataType::boolean(),
        [p](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          auto out = Vector::make(DataType::boolean());
          out->resize(n);
          uint8_t* dst = out->mutableValues<uint8_t>();
          const Vector& s = *in[0];
          const Vector& x = *in[1];
          for (size_t i = 0; i < n; ++i) dst[i] = testPredicate(p, s.stringAt(i), x.stringAt(i));
          out->setValidityFrom({&s, &x});
          return out;
        },
        nullable);
  });
}

// ===== concat and concat_ws

VectorPtr concatStrings(const std::vector<VectorPtr>& in, const DataTypePtr& type, size_t n) {
  StringWriter w(type, n);
  for (size_t i = 0; i < n; ++i) {
    bool null = false;
    for (const auto& v : in) null = null || v->isNull(i);
    if (null) {
      w.appendNull();
      continue;
    }
    auto& buf = w.buffer();
    for (const auto& v : in) {
      std::string_view s = v->stringAt(i);
      buf.append(s.data(), s.size());
    }
    w.finishRow();
  }
  return w.finish();
}

VectorPtr concatArrays(const std::vector<VectorPtr>& in, const DataTypePtr& type, size_t n) {
  auto out = Vector::make(type, n);
  for (size_t i = 0; i < n; ++i) {
    bool null = false;
    for (const auto& v : in) null = null || v->isNull(i);
    if (null) {
      out->appendNull();
      continue;
    }
    for (const auto& v : in) {
      uint32_t b = v->offsets()[i], e = v->offsets()[i + 1];
      out->mutableChild(0).appendRange(v->child(0), b, e - b);
    }
    out->appendListEnd();
  }
  return out;
}

VectorPtr concatWs(const std::vector<VectorPtr>& in, size_t n) {
  StringWriter w(DataType::string(), n);
  const Vector& sep = *in[0];
  for (size_t i = 0; i < n; ++i) {
    if (sep.isNull(i)) {
      w.appendNull();
      continue;
    }
    std::string_view separator = sep.stringAt(i);
    auto& buf = w.buffer();
    bool first = true;
    auto add = [&](std::string_view s) {
      if (!first) buf.append(separator.data(), separator.size());
      buf.append(s.data(), s.size());
      first = false;
    };
    for (size_t k = 1; k < in.size(); ++k) {
      const Vector& v = *in[k];
      if (v.isNull(i)) continue;
      if (v.typeId() == TypeId::kArray) {
        const Vector& elements = v.child(0);
        for (uint32_t e = v.offsets()[i]; e < v.offsets()[i + 1]; ++e) {
          if (!elements.isNull(e)) add(elements.stringAt(e));
        }
      } else {
        add(v.stringAt(i));
      }
    }
    w.finishRow();
  }
  return w.finish();
}

// ===== registration of the regex functions

// The compiled pattern when the pattern argument is constant (nullptr when it is null).
struct PatternArg {
  bool constant = false;
  RegexPtr regex;
  std::string text;
};

PatternArg patternArg(const ExprPtr& arg, const std::string& function) {
  PatternArg out;
  if (auto value = constantValue(arg)) {
    out.constant = true;
    if (!value->isNull()) {
      out.text = value->asString();
      out.regex = compileJavaRegex(out.text, function);
    }
  }
  return out;
}

void registerRegexFunctions(FunctionRegistry& r) {
  r.add("rlike", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 2);
    args[0] = stringArg(call, args[0], 0);
    args[1] = stringArg(call, args[1], 1);
    PatternArg pattern = patternArg(args[1], "rlike");
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), DataType::boolean(),
        [pattern](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                  size_t n) -> VectorPtr {
          if (pattern.constant && !pattern.regex) return Vector::nulls(DataType::boolean(), n);
          const Vector& s = *in[0];
          const Vector& p = *in[1];
          RegexCache cache(pattern.regex, "rlike");
          FixedWriter<uint8_t> w(DataType::boolean(), n);
          for (size_t i = 0; i < n; ++i) {
            if (s.isNull(i) || p.isNull(i)) {
              w.setNull(i);
              continue;
            }
            w.set(i, RE2::PartialMatch(piece(s.stringAt(i)), cache.get(p, i)));
          }
          return w.finish();
        },
        nullable);
  });

  r.add("like", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 3);
    char32_t escape = likeEscapeOf(call, args);
    args[0] = stringArg(call, args[0], 0);
    args[1] = stringArg(call, args[1], 1);
    std::shared_ptr<const LikePattern> constant;
    bool constantNull = false;
    if (auto value = constantValue(args[1])) {
      if (value->isNull()) {
        constantNull = true;
      } else {
        constant = std::make_shared<const LikePattern>(value->asString(), escape);
      }
    }
    bool nullable = args[0]->nullable || args[1]->nullable;
    return boundCall(
        call, std::move(args), DataType::boolean(),
        [constant, constantNull, escape](const std::vector<VectorPtr>& in, const Expr&,
                                         EvalContext&, size_t n) -> VectorPtr {
          if (constantNull) return Vector::nulls(DataType::boolean(), n);
          const Vector& s = *in[0];
          const Vector& p = *in[1];
          auto out = Vector::make(DataType::boolean());
          out->resize(n);
          uint8_t* dst = out->mutableValues<uint8_t>();
          if (constant) {
            for (size_t i = 0; i < n; ++i) dst[i] = constant->matches(s.stringAt(i));
          } else {
            std::unique_ptr<LikePattern> last;
            std::string lastText;
            for (size_t i = 0; i < n; ++i) {
              if (s.isNull(i) || p.isNull(i)) continue;
              std::string_view text = p.stringAt(i);
              if (!last || text != lastText) {
                last = std::make_unique<LikePattern>(text, escape);
                lastText.assign(text.data(), text.size());
              }
              dst[i] = last->matches(s.stringAt(i));
            }
          }
          out->setValidityFrom({&s, &p});
          return out;
        },
        nullable);
  });

  r.add("regexp_extract", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 3);
    args[0] = stringArg(call, args[0], 0);
    args[1] = stringArg(call, args[1], 1);
    if (args.size() == 2) args.push_back(literal(Value::integer(1), DataType::integer()));
    args[2] = intArg(call, args[2], 2);
    PatternArg pattern = patternArg(args[1], "regexp_extract");
    std::optional<Value> index = constantValue(args[2]);
    auto checkIndex = [](int64_t idx, int groups) {
      if (idx < 0) {
        throwInvalidParameter("REGEX_GROUP_INDEX", "idx", "regexp_extract",
                              "Expects group index >= 0, but got " + std::to_string(idx) + ".");
      }
      if (idx > groups) {
        throwInvalidParameter("REGEX_GROUP_INDEX", "idx", "regexp_extract",
                              "Expects group index between 0 and " + std::to_string(groups) +
                                  ", but got " + std::to_string(idx) + ".");
      }
    };
    if (pattern.regex && index && !index->isNull()) {
      checkIndex(index->asLong(), pattern.regex->NumberOfCapturingGroups());
    }
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), DataType::string(),
        [pattern, checkIndex](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                              size_t n) -> VectorPtr {
          if (pattern.constant && !pattern.regex) return Vector::nulls(DataType::string(), n);
          const Vector& s = *in[0];
          const Vector& p = *in[1];
          const Vector& idx = *in[2];
          RegexCache cache(pattern.regex, "regexp_extract");
          StringWriter w(DataType::string(), n);
          std::vector<re2::StringPiece> groups;
          for (size_t i = 0; i < n; ++i) {
            if (s.isNull(i) || p.isNull(i) || idx.isNull(i)) {
              w.appendNull();
              continue;
            }
            const RE2& re = cache.get(p, i);
            int32_t group = idx.valueAt<int32_t>(i);
            std::string_view text = s.stringAt(i);
            groups.resize(static_cast<size_t>(std::max(group, 0)) + 1);
            bool found = false;
            if (group >= 0 && group <= re.NumberOfCapturingGroups()) {
              found = re.Match(piece(text), 0, text.size(), RE2::UNANCHORED, groups.data(),
                               static_cast<int>(groups.size()));
            } else if (re.Match(piece(text), 0, text.size(), RE2::UNANCHORED, nullptr, 0)) {
              checkIndex(group, re.NumberOfCapturingGroups());
            }
            if (found && groups[group].data() != nullptr) {
              w.append(std::string_view(groups[group].data(), groups[group].size()));
            } else {
              w.append({});
            }
          }
          return w.finish();
        },
        nullable);
  });

  r.add("regexp_replace", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 3, 4);
    for (size_t i = 0; i < 3; ++i) args[i] = stringArg(call, args[i], i);
    if (args.size() == 3) args.push_back(literal(Value::integer(1), DataType::integer()));
    args[3] = intArg(call, args[3], 3);
    auto position = constantValue(args[3]);
    if (!position) {
      throw AnalysisError(
          "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
          "Cannot resolve \"" + call.display +
              "\" due to data type mismatch: the input `position` should be a foldable "
              "\"INT\" expression; however, got \"" +
              args[3]->display + "\".");
    }
    if (!position->isNull() && position->asLong() <= 0) {
      throw AnalysisError("DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                          "Cannot resolve \"" + call.display +
                              "\" due to data type mismatch: The `position` must be between 1 and "
                              "2147483647 (current value = " +
                              std::to_string(position->asLong()) + ").");
    }
    int64_t pos = position->isNull() ? -1 : position->asLong();
    PatternArg pattern = patternArg(args[1], "regexp_replace");
    std::shared_ptr<const Replacement> replacement;
    auto rep = constantValue(args[2]);
    if (pattern.regex && rep && !rep->isNull()) {
      replacement =
          std::make_shared<const Replacement>(parseReplacement(rep->asString(), *pattern.regex));
    }
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), DataType::string(),
        [pattern, replacement, pos](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                                    size_t n) -> VectorPtr {
          if ((pattern.constant && !pattern.regex) || pos < 0)
            return Vector::nulls(DataType::string(), n);
          const Vector& s = *in[0];
          const Vector& p = *in[1];
          const Vector& r = *in[2];
          RegexCache cache(pattern.regex, "regexp_replace");
          std::optional<Replacement> rowReplacement;
          uint64_t rowGeneration = 0;
          std::string lastRep;
          StringWriter w(DataType::string(), n);
          for (size_t i = 0; i < n; ++i) {
            if (s.isNull(i) || p.isNull(i) || r.isNull(i)) {
              w.appendNull();
              continue;
            }
            const RE2& re = cache.get(p, i);
            const Replacement* rep = replacement.get();
            if (!rep) {
              std::string_view text = r.stringAt(i);
              if (!rowReplacement || rowGeneration != cache.generation() || text != lastRep) {
                rowReplacement = parseReplacement(text, re);
                rowGeneration = cache.generation();
                lastRep.assign(text.data(), text.size());
              }
              rep = &*rowReplacement;
            }
            std::string_view text = s.stringAt(i);
            size_t start = skipChars(text, 0, pos - 1);
            if (pos > 1 && start >= text.size()) {
              w.append(text);
              continue;
            }
            auto& buf = w.buffer();
            buf.append(text.data(), start);
            appendReplaced(re, *rep, text.substr(start), buf);
            w.finishRow();
          }
          return w.finish();
        },
        nullable);
  });

  r.add("split", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 3);
    args[0] = stringArg(call, args[0], 0);
    args[1] = stringArg(call, args[1], 1);
    if (args.size() == 2) args.push_back(literal(Value::integer(-1), DataType::integer()));
    args[2] = intArg(call, args[2], 2);
    PatternArg pattern = patternArg(args[1], "split");
    bool nullable = anyNullable(args);
    DataTypePtr type = DataType::array(DataType::string(), false);
    return boundCall(
        call, std::move(args), type,
        [pattern](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                  size_t n) -> VectorPtr {
          if (pattern.constant && !pattern.regex) return Vector::nulls(self.type, n);
          const Vector& s = *in[0];
          const Vector& p = *in[1];
          const Vector& limit = *in[2];
          RegexCache cache(pattern.regex, "split");
          auto out = Vector::make(self.type, n);
          Vector& elements = out->mutableChild(0);
          std::vector<std::string_view> parts;
          for (size_t i = 0; i < n; ++i) {
            if (s.isNull(i) || p.isNull(i) || limit.isNull(i)) {
              out->appendNull();
              continue;
            }
            bool emptyPattern = pattern.constant ? pattern.text.empty() : p.stringAt(i).empty();
            splitJava(cache.get(p, i), emptyPattern, s.stringAt(i), limit.valueAt<int32_t>(i),
                      parts);
            for (auto part : parts) elements.appendString(part);
            out->appendListEnd();
          }
          return out;
        },
        nullable);
  });
}

}  // namespace

void registerStringFunctions(FunctionRegistry& r) {
  for (bool upper : {false, true}) {
    r.add(upper ? "upper" : "lower", [upper](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args, 1, 1);
      args[0] = stringArg(call, args[0], 0);
      bool nullable = args[0]->nullable;
      return boundCall(
          call, std::move(args), DataType::string(),
          [upper](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) {
            return changeCase(*in[0], upper, n);
          },
          nullable);
    });
  }
  r.add("ucase", *r.find("upper"));
  r.add("lcase", *r.find("lower"));

  registerTrim(r, "trim", TrimSide::kBoth);
  registerTrim(r, "ltrim", TrimSide::kLeft);
  registerTrim(r, "rtrim", TrimSide::kRight);

  r.add("length", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1, 1);
    args[0] = stringOrBinaryArg(call, args[0], 0);
    bool nullable = args[0]->nullable;
    return boundCall(
        call, std::move(args), DataType::integer(),
        [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
          const Vector& s = *in[0];
          auto out = Vector::make(DataType::integer());
          out->resize(n);
          int32_t* dst = out->mutableValues<int32_t>();
          const uint32_t* offsets = s.offsets();
          if (s.typeId() == TypeId::kBinary) {
            for (size_t i = 0; i < n; ++i)
              dst[i] = static_cast<int32_t>(offsets[i + 1] - offsets[i]);
          } else {
            for (size_t i = 0; i < n; ++i) dst[i] = static_cast<int32_t>(numChars(s.stringAt(i)));
          }
          out->setValidityFrom({&s});
          return out;
        },
        nullable);
  });
  r.add("char_length", *r.find("length"));
  r.add("character_length", *r.find("length"));

  auto substring = [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 2, 3);
    args[0] = stringOrBinaryArg(call, args[0], 0);
    if (args.size() == 2) {
      args.push_back(
          literal(Value::integer(std::numeric_limits<int32_t>::max()), DataType::integer()));
    }
    args[1] = intArg(call, args[1], 1);
    args[2] = intArg(call, args[2], 2);
    DataTypePtr type = args[0]->type;
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), type,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
           size_t n) -> VectorPtr {
          const Vector& s = *in[0];
          const Vector& pos = *in[1];
          const Vector& len = *in[2];
          bool binary = self.type->id() == TypeId::kBinary;
          StringWriter w(self.type, n);
          for (size_t i = 0; i < n; ++i) {
            if (s.isNull(i) || pos.isNull(i) || len.isNull(i)) {
              w.appendNull();
              continue;
            }
            w.append(substringSql(s.stringAt(i), pos.valueAt<int32_t>(i), len.valueAt<int32_t>(i),
                                  binary));
          }
          return w.finish();
        },
        nullable);
  };
  r.add("substring", substring);
  r.add("substr", substring);

  r.add("concat", [](const Expr& call, std::vector<ExprPtr> args) {
    bool allBinary = !args.empty();
    bool anyArray = false;
    for (const auto& a : args) {
      allBinary = allBinary && a->type->id() == TypeId::kBinary;
      anyArray = anyArray || a->type->id() == TypeId::kArray;
    }
    DataTypePtr type = allBinary ? DataType::binary() : DataType::string();
    if (anyArray) {
      // concat of arrays: every argument an array of one common element type.
      type = nullptr;
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i]->type->id() == TypeId::kNull) continue;
        if (args[i]->type->id() != TypeId::kArray) throwMismatch(call, i, args[i], "\"ARRAY\"");
        type = type ? widerType(type, args[i]->type) : args[i]->type;
        if (!type) {
          throw AnalysisError(
              "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
              "Cannot resolve \"" + call.display +
                  "\" due to data type mismatch: Input to `concat` should all be the "
                  "same type.");
        }
      }
      for (auto& a : args) a = castIfNeeded(a, type);
    } else if (!allBinary) {
      for (size_t i = 0; i < args.size(); ++i) args[i] = stringArg(call, args[i], i);
    }
    bool nullable = anyNullable(args);
    return boundCall(
        call, std::move(args), type,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
           size_t n) -> VectorPtr {
          if (self.type->id() == TypeId::kArray) return concatArrays(in, self.type, n);
          return concatStrings(in, self.type, n);
        },
        nullable);
  });

  r.add("concat_ws", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args, 1, std::numeric_limits<size_t>::max());
    args[0] = stringArg(call, args[0], 0);
    for (size_t i = 1; i < args.size(); ++i) {
      const auto& t = args[i]->type;
      if (t->id() == TypeId::kArray) {
        if (t->elementType()->isNested())
          throwMismatch(call, i, args[i], "(\"ARRAY<STRING>\" or \"STRING\")");
        args[i] = castIfNeeded(args[i], DataType::array(DataType::string(), t->containsNull()));
      } else if (t->isNested()) {
        throwMismatch(call, i, args[i], "(\"ARRAY<STRING>\" or \"STRING\")");
      } else {
        args[i] = castIfNeeded(args[i], DataType::string());
      }
    }
    bool nullable = args[0]->nullable;
    return boundCall(
        call, std::move(args), DataType::string(),
        [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) {
          return concatWs(in, n);
        },
        nullable);
  });

  registerRegexFunctions(r);

  registerPredicate(r, "contains", Predicate::kContains);
  registerPredicate(r, "startswith", Predicate::kStartsWith);
  registerPredicate(r, "endswith", Predicate::kEndsWith);
}

}  // namespace weir::expr
