// Tests of the string functions against Spark 3.5's documented examples and edge cases: nulls,
// empty strings, UTF-8 characters, Java regular expressions and LIKE escapes.
#include <gtest/gtest.h>

#include "weir/expr/expr_test_support.h"

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"

namespace weir::expr {

using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::StructType;
using types::TypeId;

namespace {

using namespace testing;  // NOLINT


ExprPtr i32(int64_t v) { return literal(Value::integer(v), DataType::integer()); }
ExprPtr nullOf(const types::DataTypePtr& t) { return literal(Value::null(), t); }
ExprPtr bin(const std::string& v) { return literal(Value::binary(v), DataType::binary()); }

ExprPtr fn(const std::string& name, std::vector<ExprPtr> args) {
  return call(name, std::move(args));
}

// Rows: s, p (a pattern), n.
ColumnBatch sample() {
  auto schema = StructType::fromDDL("s STRING, p STRING, n INT");
  return ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::string("Spark SQL"), Value::string("S%"), Value::integer(1)}),
       Row({Value::null(), Value::string("%"), Value::integer(2)}),
       Row({Value::string(""), Value::null(), Value::null()}),
       Row({Value::string("héllo wörld"), Value::string("h_llo%"), Value::integer(-3)})});
}

ExprPtr bound(const ExprPtr& e, const ColumnBatch& batch) { return Binder(batch.schema()).bind(e); }


// Evaluates an expression over literals on a one-row batch.
columnar::VectorPtr evalVector(const ExprPtr& e) {
  ColumnBatch one(DataType::structOf({}), {}, 1);
  EvalContext ctx;
  return evaluate(*bound(e, one), one, ctx);
}



template <class E>
std::string errorClassOf(const ExprPtr& e) {
  try {
    evalOne(e);
  } catch (const E& error) {
    return error.errorClass();
  }
  return "no error";
}

}  // namespace

TEST(StringFunctions, LowerUpperAscii) {
  EXPECT_EQ(evalOne(fn("lower", {str("SparkSql")})), "sparksql");
  EXPECT_EQ(evalOne(fn("upper", {str("SparkSql")})), "SPARKSQL");
  auto batch = sample();
  EXPECT_EQ(eval(fn("upper", {column("s")}), batch),
            (Strings{"SPARK SQL", "null", "", "HÉLLO WÖRLD"}));
  EXPECT_EQ(eval(fn("lower", {column("s")}), batch),
            (Strings{"spark sql", "null", "", "héllo wörld"}));
  // Non-string arguments are cast to string first.
  EXPECT_EQ(evalOne(fn("upper", {i32(12)})), "12");
  EXPECT_EQ(evalOne(fn("lower", {nullOf(DataType::string())})), "null");
}

TEST(StringFunctions, CaseMappingFollowsJava) {
  EXPECT_EQ(evalOne(fn("upper", {str("straße")})), "STRASSE");
  EXPECT_EQ(evalOne(fn("upper", {str("ﬁne")})), "FINE");
  EXPECT_EQ(evalOne(fn("upper", {str("ǆemal ÿ")})), "ǄEMAL Ÿ");
  EXPECT_EQ(evalOne(fn("lower", {str("ÀÉÎÕÜ ΑΒΓ")})), "àéîõü αβγ");
  // Final sigma at the end of a word, medial sigma elsewhere.
  EXPECT_EQ(evalOne(fn("lower", {str("\u039F\u0394\u039F\u03A3 \u03A3\u039F\u03A6\u039F\u03A3.")})),
            "\u03BF\u03B4\u03BF\u03C2 \u03C3\u03BF\u03C6\u03BF\u03C2.");
  EXPECT_EQ(evalOne(fn("lower", {str("\u03A3")})), "\u03C3");
  // Capital I with dot above lowers to "i" and a combining dot in a non-Turkic locale.
  EXPECT_EQ(evalOne(fn("lower", {str("İ")})), "i\xCC\x87");
  EXPECT_EQ(evalOne(fn("upper", {str("\u1FB3")})), "\u0391\u0399");
  EXPECT_EQ(evalOne(fn("upper", {str("\u1F80")})), "\u1F08\u0399");
}

TEST(StringFunctions, TrimOnlyRemovesSpaces) {
  EXPECT_EQ(evalOne(fn("trim", {str("    SparkSQL   ")})), "SparkSQL");
  EXPECT_EQ(evalOne(fn("ltrim", {str("    SparkSQL   ")})), "SparkSQL   ");
  EXPECT_EQ(evalOne(fn("rtrim", {str("    SparkSQL   ")})), "    SparkSQL");
  // Spark's trim removes the space character only, not tabs or newlines.
  EXPECT_EQ(evalOne(fn("trim", {str("\t a \n")})), "\t a \n");
  EXPECT_EQ(evalOne(fn("trim", {str("   ")})), "");
  EXPECT_EQ(evalOne(fn("trim", {str("")})), "");
  EXPECT_EQ(evalOne(fn("trim", {nullOf(DataType::string())})), "null");
  // With a set of characters to remove (compared as whole UTF-8 characters).
  EXPECT_EQ(evalOne(fn("trim", {str("SSparkSQLS"), str("SL")})), "parkSQ");
  EXPECT_EQ(evalOne(fn("ltrim", {str("ééaé"), str("é")})), "aé");
  EXPECT_EQ(evalOne(fn("rtrim", {str("ééaé"), str("é")})), "ééa");
}

TEST(StringFunctions, LengthCountsCharactersOrBytes) {
  EXPECT_EQ(evalOne(fn("length", {str("Spark SQL ")})), "10");
  EXPECT_EQ(evalOne(fn("length", {bin("Spark SQL")})), "9");
  EXPECT_EQ(evalOne(fn("length", {str("δοκιμή")})), "6");
  EXPECT_EQ(evalOne(fn("length", {bin("δοκιμή")})), "12");
  EXPECT_EQ(evalOne(fn("length", {str("😀x")})), "2");
  EXPECT_EQ(evalOne(fn("length", {i32(12345)})), "5");
  EXPECT_EQ(eval(fn("length", {column("s")}), sample()), (Strings{"9", "null", "0", "11"}));
  EXPECT_EQ(typeOf(fn("length", {str("a")}))->id(), TypeId::kInteger);
}

TEST(StringFunctions, SubstringIsOneBasedOnCharacters) {
  EXPECT_EQ(evalOne(fn("substring", {str("Spark SQL"), i32(5)})), "k SQL");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark SQL"), i32(-3)})), "SQL");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark SQL"), i32(5), i32(1)})), "k");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark SQL"), i32(0), i32(3)})), "Spa");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark SQL"), i32(1), i32(3)})), "Spa");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark"), i32(-10), i32(3)})), "");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark"), i32(-10), i32(7)})), "Sp");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark"), i32(2), i32(-1)})), "");
  EXPECT_EQ(evalOne(fn("substring", {str("Spark"), i32(10), i32(2)})), "");
  EXPECT_EQ(evalOne(fn("substring", {str("héllo wörld"), i32(2), i32(4)})), "éllo");
  EXPECT_EQ(evalOne(fn("substring", {str("日本語テキスト"), i32(-3)})), "キスト");
  EXPECT_EQ(evalOne(fn("substring", {str("abc"), nullOf(DataType::integer()), i32(1)})), "null");
  // Binary values are cut by bytes and stay binary.
  auto b = fn("substring", {bin("Spark"), i32(2), i32(3)});
  EXPECT_EQ(typeOf(b)->id(), TypeId::kBinary);
  EXPECT_EQ(evalOne(callWithOptions("cast", {b}, {}, DataType::string())), "par");
  // Positions from columns, row by row.
  EXPECT_EQ(eval(fn("substring", {column("s"), column("n"), i32(3)}), sample()),
            (Strings{"Spa", "null", "null", "rld"}));
}

TEST(StringFunctions, ConcatPropagatesNulls) {
  EXPECT_EQ(evalOne(fn("concat", {str("Spark"), str("SQL")})), "SparkSQL");
  EXPECT_EQ(evalOne(fn("concat", {str("a"), i32(1), str("")})), "a1");
  EXPECT_EQ(evalOne(fn("concat", {str("a"), nullOf(DataType::string())})), "null");
  EXPECT_EQ(evalOne(fn("concat", {})), "");
  EXPECT_EQ(eval(fn("concat", {column("s"), str("-"), column("n")}), sample()),
            (Strings{"Spark SQL-1", "null", "null", "héllo wörld--3"}));
  // Binary with binary stays binary.
  EXPECT_EQ(typeOf(fn("concat", {bin("a"), bin("b")}))->id(), TypeId::kBinary);
  // Arrays concatenate element-wise.
  auto intArray = DataType::array(DataType::integer());
  auto arr = [&](std::vector<Value> v) { return literal(Value::array(std::move(v)), intArray); };
  EXPECT_EQ(evalOne(fn("concat",
                       {arr({Value::integer(1), Value::integer(2), Value::integer(3)}),
                        arr({Value::integer(4), Value::integer(5)}), arr({Value::integer(6)})})),
            "[1, 2, 3, 4, 5, 6]");
}

TEST(StringFunctions, ConcatWsSkipsNulls) {
  EXPECT_EQ(evalOne(fn("concat_ws", {str(" "), str("Spark"), str("SQL")})), "Spark SQL");
  EXPECT_EQ(evalOne(fn("concat_ws", {str("s")})), "");
  EXPECT_EQ(
      evalOne(fn("concat_ws", {str("/"), str("foo"), nullOf(DataType::string()), str("bar")})),
      "foo/bar");
  EXPECT_EQ(evalOne(fn("concat_ws", {nullOf(DataType::string()), str("Spark"), str("SQL")})),
            "null");
  auto strArray = DataType::array(DataType::string());
  auto words =
      literal(Value::array({Value::string("a"), Value::null(), Value::string("b")}), strArray);
  EXPECT_EQ(evalOne(fn("concat_ws", {str(","), words, str("c"), i32(7)})), "a,b,c,7");
  EXPECT_EQ(eval(fn("concat_ws", {str("-"), column("s"), column("n")}), sample()),
            (Strings{"Spark SQL-1", "2", "", "héllo wörld--3"}));
}

TEST(StringFunctions, SplitKeepsTrailingEmptyStrings) {
  EXPECT_EQ(evalOne(fn("split", {str("oneAtwoBthreeC"), str("[ABC]")})), "[one, two, three, ]");
  EXPECT_EQ(evalOne(fn("split", {str("oneAtwoBthreeC"), str("[ABC]"), i32(-1)})),
            "[one, two, three, ]");
  EXPECT_EQ(evalOne(fn("split", {str("oneAtwoBthreeC"), str("[ABC]"), i32(2)})),
            "[one, twoBthreeC]");
  EXPECT_EQ(evalOne(fn("split", {str("oneAtwoBthreeC"), str("[ABC]"), i32(0)})),
            "[one, two, three, ]");
  EXPECT_EQ(evalOne(fn("split", {str("a,b,,"), str(",")})), "[a, b, , ]");
  EXPECT_EQ(evalOne(fn("split", {str(",a"), str(",")})), "[, a]");
  // An empty string splits into one empty string, not into an empty array.
  EXPECT_EQ(evalVector(fn("split", {str(""), str(",")}))->listSize(0), 1u);
  EXPECT_EQ(evalVector(fn("split", {str(""), str("")}))->listSize(0), 1u);
  EXPECT_EQ(evalOne(fn("split", {str("abc"), str("")})), "[a, b, c]");
  // Spark 3.5 keeps only the first `limit` characters when the pattern is empty.
  EXPECT_EQ(evalOne(fn("split", {str("abc"), str(""), i32(2)})), "[a, b]");
  EXPECT_EQ(evalOne(fn("split", {str("1A2A3A4"), str(""), i32(3)})), "[1, A, 2]");
  EXPECT_EQ(evalOne(fn("split", {str("1A2A3A4"), str("A"), i32(3)})), "[1, 2, 3A4]");
  EXPECT_EQ(evalOne(fn("split", {str("abc"), str(""), i32(-1)})), "[a, b, c]");
  EXPECT_EQ(evalOne(fn("split", {str("aé日"), str("")})), "[a, é, 日]");
  EXPECT_EQ(evalOne(fn("split", {str("a1b22c"), str("\\d+"), i32(1)})), "[a1b22c]");
  EXPECT_EQ(evalOne(fn("split", {str("abc"), str("x")})), "[abc]");
  EXPECT_EQ(evalOne(fn("split", {nullOf(DataType::string()), str(",")})), "null");
  EXPECT_EQ(typeOf(fn("split", {str("a"), str(",")}))->sql(), "ARRAY<STRING>");
  // A pattern per row.
  auto batch = ColumnBatch::fromRows(StructType::fromDDL("s STRING, p STRING").type(),
                                     {Row({Value::string("a.b"), Value::string("\\.")}),
                                      Row({Value::string("a-b-c"), Value::string("-")}),
                                      Row({Value::string("a b"), Value::null()})});
  EXPECT_EQ(eval(fn("split", {column("s"), column("p")}), batch),
            (Strings{"[a, b]", "[a, b, c]", "null"}));
}

TEST(StringFunctions, RegexpExtract) {
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("100-200"), str("(\\d+)-(\\d+)"), i32(1)})), "100");
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("100-200"), str("(\\d+)-(\\d+)"), i32(2)})), "200");
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("100-200"), str("(\\d+)-(\\d+)"), i32(0)})),
            "100-200");
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("foo"), str("(\\d+)"), i32(1)})), "");
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("ab"), str("(a)|(b)"), i32(2)})), "");
  EXPECT_EQ(evalOne(fn("regexp_extract", {str("x=日本"), str("=(\\p{L}+)"), i32(1)})), "日本");
  EXPECT_EQ(evalOne(fn("regexp_extract", {nullOf(DataType::string()), str("a"), i32(0)})), "null");
  EXPECT_EQ(errorClassOf<InvalidInputError>(fn("regexp_extract", {str("a"), str("(a)"), i32(2)})),
            "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX");
  EXPECT_EQ(errorClassOf<InvalidInputError>(fn("regexp_extract", {str("a"), str("(a)"), i32(-1)})),
            "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX");
  EXPECT_EQ(eval(fn("regexp_extract", {column("s"), str("(\\w+) (\\w+)"), i32(2)}), sample()),
            (Strings{"SQL", "null", "", "w"}));
}

TEST(StringFunctions, RegexpReplaceUsesJavaReplacement) {
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("100-200"), str("(\\d+)"), str("num")})), "num-num");
  EXPECT_EQ(evalOne(fn("regexp_replace",
                       {str("2024-01-15"), str("(\\d+)-(\\d+)-(\\d+)"), str("$3/$2/$1")})),
            "15/01/2024");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("a.b.c"), str("\\."), str("\\$")})), "a$b$c");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("john smith"), str("(?<first>\\w+) (?<last>\\w+)"),
                                          str("${last}, ${first}")})),
            "smith, john");
  // "$10" is group 1 followed by "0" when there are fewer than ten groups.
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("ab"), str("(a)"), str("$10")})), "a0b");
  // Empty matches between every character, as Java's replaceAll.
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("abc"), str(""), str("-")})), "-a-b-c-");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("abc"), str("x*"), str("-")})), "-a-b-c-");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("héllo"), str("[éo]"), str("_")})), "h_ll_");
  // Position: the search starts at that character; what comes before is kept.
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("aaaa"), str("a"), str("b"), i32(3)})), "aabb");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("aaaa"), str("^a"), str("b"), i32(3)})), "aaba");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("aaaa"), str("a"), str("b"), i32(9)})), "aaaa");
  EXPECT_EQ(evalOne(fn("regexp_replace", {str("abc"), nullOf(DataType::string()), str("x")})),
            "null");
  EXPECT_EQ(
      errorClassOf<InvalidInputError>(fn("regexp_replace", {str("a"), str("(a)"), str("$2")})),
      "INVALID_PARAMETER_VALUE.PATTERN");
  EXPECT_EQ(errorClassOf<InvalidInputError>(fn("regexp_replace", {str("a"), str("a"), str("x\\")})),
            "INVALID_PARAMETER_VALUE.PATTERN");
  EXPECT_EQ(
      errorClassOf<AnalysisError>(fn("regexp_replace", {str("a"), str("a"), str("b"), i32(0)})),
      "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE");
  EXPECT_EQ(eval(fn("regexp_replace", {column("s"), str("[lL]"), str("L")}), sample()),
            (Strings{"Spark SQL", "null", "", "héLLo wörLd"}));
}

TEST(StringFunctions, RegexpReplacePerRowPatterns) {
  auto batch = ColumnBatch::fromRows(
      StructType::fromDDL("s STRING, p STRING, r STRING").type(),
      {Row({Value::string("a1b2"), Value::string("\\d"), Value::string("#")}),
       Row({Value::string("a1b2"), Value::string("([a-z])"), Value::string("<$1>")}),
       Row({Value::string("x"), Value::string("x"), Value::string("$0$0")}),
       Row({Value::string("x"), Value::null(), Value::string("y")}),
       Row({Value::string("b"), Value::string("(b)"), Value::string("[$1]")})});
  EXPECT_EQ(eval(fn("regexp_replace", {column("s"), column("p"), column("r")}), batch),
            (Strings{"a#b#", "<a>1<b>2", "xx", "null", "[b]"}));
  EXPECT_EQ(eval(fn("regexp_extract", {column("s"), column("p"), i32(0)}), batch),
            (Strings{"1", "a", "x", "null", "b"}));
}

TEST(StringFunctions, JavaRegexSyntaxIsTranslated) {
  auto rlike = [](const std::string& s, const std::string& p) {
    return evalOne(fn("rlike", {str(s), str(p)}));
  };
  EXPECT_EQ(rlike("%SystemDrive%\\Users\\John", "%SystemDrive%\\\\Users.*"), "true");
  EXPECT_EQ(rlike("Spark", "ar"), "true");
  EXPECT_EQ(rlike("Spark", "^ar"), "false");
  EXPECT_EQ(rlike("abc", "\\p{Lower}+"), "true");
  EXPECT_EQ(rlike("ABC", "^\\p{Lower}+$"), "false");
  EXPECT_EQ(rlike("x", "[a-c[x-z]]"), "true");
  EXPECT_EQ(rlike("\x0B", "^\\s$"), "true");  // Java's \s includes the vertical tab
  EXPECT_EQ(rlike("A", "\\u0041"), "true");
  EXPECT_EQ(rlike("a+b", "\\Qa+b\\E"), "true");
  EXPECT_EQ(rlike("aab", "\\Qa+b\\E"), "false");
  EXPECT_EQ(rlike("\x1b", "\\e"), "true");
  // '.' does not match line terminators unless DOTALL is on.
  EXPECT_EQ(rlike("a\rb", "a.b"), "false");
  EXPECT_EQ(rlike("a\nb", "a.b"), "false");
  EXPECT_EQ(rlike("a\nb", "(?s)a.b"), "true");
  EXPECT_EQ(rlike("ABC", "(?i)abc"), "true");
  EXPECT_EQ(rlike("", ".*"), "true");
  // Unsupported Java features are refused with a clear error.
  for (const char* pattern :
       {"(?=a)", "(?<=a)b", "(a)\\1", "a*+", "(?>a)", "[a&&b]", "\\p{InGreek}", "a{", "(?x)a"}) {
    EXPECT_EQ(errorClassOf<InvalidInputError>(fn("rlike", {str("a"), str(pattern)})),
              "INVALID_PARAMETER_VALUE.PATTERN")
        << pattern;
  }
  try {
    evalOne(fn("rlike", {str("a"), str("(?=a)")}));
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_NE(std::string(e.what()).find("lookahead"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("`rlike`"), std::string::npos) << e.what();
  }
  EXPECT_EQ(errorClassOf<InvalidInputError>(fn("rlike", {str("a"), str("(a")})),
            "INVALID_PARAMETER_VALUE.PATTERN");
}

TEST(StringFunctions, RlikeOverColumns) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("rlike", {column("s"), str("o\\s?w")}), batch),
            (Strings{"false", "null", "false", "true"}));
  auto patterns = ColumnBatch::fromRows(StructType::fromDDL("s STRING, p STRING").type(),
                                        {Row({Value::string("abc"), Value::string("b")}),
                                         Row({Value::string("abc"), Value::string("^b")}),
                                         Row({Value::string("abc"), Value::string("^b")}),
                                         Row({Value::string("abc"), Value::null()})});
  EXPECT_EQ(eval(fn("rlike", {column("s"), column("p")}), patterns),
            (Strings{"true", "false", "false", "null"}));
}

TEST(StringFunctions, LikeWithWildcardsAndEscapes) {
  auto like = [](const std::string& s, const std::string& p) {
    return evalOne(fn("like", {str(s), str(p)}));
  };
  EXPECT_EQ(like("Spark", "_park"), "true");
  EXPECT_EQ(like("%SystemDrive%\\Users\\John", "\\%SystemDrive\\%\\\\Users%"), "true");
  EXPECT_EQ(like("Spark", "Spark"), "true");
  EXPECT_EQ(like("Spark", "spark"), "false");
  EXPECT_EQ(like("Spark", "S%"), "true");
  EXPECT_EQ(like("Spark", "%k"), "true");
  EXPECT_EQ(like("Spark", "%pa%"), "true");
  EXPECT_EQ(like("Spark", "%"), "true");
  EXPECT_EQ(like("", "%"), "true");
  EXPECT_EQ(like("", "_"), "false");
  EXPECT_EQ(like("", ""), "true");
  EXPECT_EQ(like("abc", "a%c%"), "true");
  EXPECT_EQ(like("abcbc", "a%bc"), "true");
  EXPECT_EQ(like("abcbd", "a%b_"), "true");
  EXPECT_EQ(like("abcbd", "a%c_e"), "false");
  EXPECT_EQ(like("a\nb", "a_b"), "true");  // '_' and '%' match line breaks
  EXPECT_EQ(like("é", "_"), "true");       // one character, two bytes
  EXPECT_EQ(like("日本語", "_本%"), "true");
  EXPECT_EQ(like("50%", "50\\%"), "true");
  EXPECT_EQ(like("500", "50\\%"), "false");
  EXPECT_EQ(like("a_b", "a\\_b"), "true");
  EXPECT_EQ(like("axb", "a\\_b"), "false");
  EXPECT_EQ(like("a.b", "a.b"), "true");
  EXPECT_EQ(like("axb", "a.b"), "false");  // regex characters are literal
  EXPECT_EQ(evalOne(fn("like", {str("a!%"), str("a!!!%"), str("!")})), "true");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("like", {str("a"), str("a\\b")})),
            "INVALID_FORMAT.ESC_IN_THE_MIDDLE");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("like", {str("a"), str("a\\")})),
            "INVALID_FORMAT.ESC_AT_THE_END");
  EXPECT_EQ(evalOne(fn("like", {str("a"), nullOf(DataType::string())})), "null");
  EXPECT_EQ(eval(fn("like", {column("s"), column("p")}), sample()),
            (Strings{"true", "null", "null", "true"}));
  EXPECT_EQ(eval(fn("like", {column("s"), str("%l%")}), sample()),
            (Strings{"false", "null", "false", "true"}));
}

TEST(StringFunctions, ContainsStartsWithEndsWith) {
  EXPECT_EQ(evalOne(fn("contains", {str("Spark SQL"), str("Spark")})), "true");
  EXPECT_EQ(evalOne(fn("contains", {str("Spark SQL"), str("SPARK")})), "false");
  EXPECT_EQ(evalOne(fn("contains", {str("Spark SQL"), nullOf(DataType::string())})), "null");
  EXPECT_EQ(evalOne(fn("contains", {bin("Spark SQL"), bin("Spark")})), "true");
  EXPECT_EQ(evalOne(fn("contains", {str("abc"), str("")})), "true");
  EXPECT_EQ(evalOne(fn("startswith", {str("Spark SQL"), str("Spark")})), "true");
  EXPECT_EQ(evalOne(fn("startswith", {str("Spark SQL"), str("SQL")})), "false");
  EXPECT_EQ(evalOne(fn("startswith", {str("Spark SQL"), nullOf(DataType::string())})), "null");
  EXPECT_EQ(evalOne(fn("startswith", {bin("Spark SQL"), bin("Spark")})), "true");
  EXPECT_EQ(evalOne(fn("endswith", {str("Spark SQL"), str("SQL")})), "true");
  EXPECT_EQ(evalOne(fn("endswith", {str("Spark SQL"), str("Spark")})), "false");
  EXPECT_EQ(evalOne(fn("endswith", {bin("Spark SQL"), bin("SQL")})), "true");
  EXPECT_EQ(evalOne(fn("endswith", {str("a"), str("ba")})), "false");
  EXPECT_EQ(evalOne(fn("contains", {i32(12345), str("234")})), "true");
  EXPECT_EQ(eval(fn("endswith", {column("s"), str("ld")}), sample()),
            (Strings{"false", "null", "false", "true"}));
}

TEST(StringFunctions, BindErrorsNameTheProblem) {
  auto intArray = DataType::array(DataType::integer());
  auto arr = literal(Value::array({Value::integer(1)}), intArray);
  try {
    evalOne(fn("lower", {arr}));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
    EXPECT_NE(std::string(e.what()).find("\"STRING\""), std::string::npos) << e.what();
  }
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("lower", {str("a"), str("b")})),
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("concat", {str("a"), arr})),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

}  // namespace weir::expr
