// JSON functions of weir::functions: from_json, to_json, get_json_object and json_tuple, each a
// call of the expression registered in expr/json_functions.cc, named as Spark names the column.
#include "weir/api/functions.h"

namespace weir::functions {

Column from_json(const Column& c, const StructType& schema, const Options& options) {
  return from_json(c, schema.type(), options);
}

Column from_json(const Column& c, const DataTypePtr& schema, const Options& options) {
  return Column(expr::callWithOptions("from_json", {c.expr()}, options, schema,
                                      "from_json(" + c.expr()->display + ")"));
}

Column to_json(const Column& c, const Options& options) {
  return Column(expr::callWithOptions("to_json", {c.expr()}, options, nullptr,
                                      "to_json(" + c.expr()->display + ")"));
}

Column get_json_object(const Column& c, const std::string& path) {
  return Column(expr::callWithOptions("get_json_object", {c.expr(), Column(path).expr()}, {},
                                      nullptr,
                                      "get_json_object(" + c.expr()->display + ", " + path + ")"));
}

Column json_tuple(const Column& c, const std::vector<std::string>& fields) {
  std::vector<expr::ExprPtr> args{c.expr()};
  std::string display = "json_tuple(" + c.expr()->display;
  for (const auto& f : fields) {
    args.push_back(Column(f).expr());
    display += ", " + f;
  }
  display += ")";
  return Column(expr::callWithOptions("json_tuple", std::move(args), {}, nullptr, display));
}

}  // namespace weir::functions
