// Spark SQL functions, spelled as Spark spells them (weir::functions::col, lit, window, ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "weir/api/column.h"

namespace weir::functions {

using Options = std::map<std::string, std::string>;

// ----- columns and literals
Column col(const std::string& name);
Column column(const std::string& name);
Column lit(const Column& value);
Column lit(const char* value);
Column lit(const std::string& value);
Column typedLit(const Column& value, const DataTypePtr& type);
Column expr_null(const DataTypePtr& type);

// ----- conditionals
Column when(const Column& condition, const Column& value);
Column coalesce(const std::vector<Column>& columns);
template <class... C>
Column coalesce(const Column& first, const C&... rest) {
  return coalesce(std::vector<Column>{first, Column(rest)...});
}
Column isnull(const Column& c);
Column isnotnull(const Column& c);
Column isnan(const Column& c);
Column not_(const Column& c);

// ----- strings
Column lower(const Column& c);
Column upper(const Column& c);
Column trim(const Column& c);
Column ltrim(const Column& c);
Column rtrim(const Column& c);
Column length(const Column& c);
/// 1-based position as in Spark; negative counts from the end.
Column substring(const Column& c, int pos, int len);
Column concat(const std::vector<Column>& columns);
template <class... C>
Column concat(const Column& first, const C&... rest) {
  return concat(std::vector<Column>{first, Column(rest)...});
}
Column concat_ws(const std::string& separator, const std::vector<Column>& columns);
template <class... C>
Column concat_ws(const std::string& separator, const Column& first, const C&... rest) {
  return concat_ws(separator, std::vector<Column>{first, Column(rest)...});
}
Column split(const Column& c, const std::string& pattern, int limit = -1);
Column regexp_extract(const Column& c, const std::string& pattern, int group);
Column regexp_replace(const Column& c, const std::string& pattern, const std::string& replacement);
Column like(const Column& c, const std::string& pattern);
Column rlike(const Column& c, const std::string& pattern);
Column contains(const Column& c, const Column& other);
Column startswith(const Column& c, const Column& other);
Column endswith(const Column& c, const Column& other);

// ----- math
Column abs(const Column& c);
Column round(const Column& c, int scale = 0);
Column bround(const Column& c, int scale = 0);
Column floor(const Column& c);
Column ceil(const Column& c);
Column sqrt(const Column& c);
Column pow(const Column& base, const Column& exponent);
Column exp(const Column& c);
Column log(const Column& c);
Column pmod(const Column& a, const Column& b);
Column greatest(const std::vector<Column>& columns);
Column least(const std::vector<Column>& columns);

// ----- date and time (UTC)
Column to_timestamp(const Column& c);
Column to_timestamp(const Column& c, const std::string& format);
Column to_date(const Column& c);
Column to_date(const Column& c, const std::string& format);
Column date_format(const Column& c, const std::string& format);
/// Truncates a timestamp to "year", "quarter", "month", "week", "day", "hour", "minute", "second".
Column date_trunc(const std::string& unit, const Column& c);
Column year(const Column& c);
Column quarter(const Column& c);
Column month(const Column& c);
Column dayofmonth(const Column& c);
Column dayofweek(const Column& c);
Column dayofyear(const Column& c);
Column hour(const Column& c);
Column minute(const Column& c);
Column second(const Column& c);
Column unix_timestamp();
Column unix_timestamp(const Column& c);
Column unix_timestamp(const Column& c, const std::string& format);
Column from_unixtime(const Column& c, const std::string& format = "yyyy-MM-dd HH:mm:ss");
Column timestamp_seconds(const Column& c);
Column current_timestamp();
Column current_date();
Column date_add(const Column& c, int days);
Column date_sub(const Column& c, int days);
Column datediff(const Column& end, const Column& start);

// ----- time windows
Column window(const Column& timeColumn, const std::string& windowDuration);
Column window(const Column& timeColumn, const std::string& windowDuration, const std::string& slideDuration);
Column window(const Column& timeColumn, const std::string& windowDuration, const std::string& slideDuration,
              const std::string& startTime);
Column window_time(const Column& windowColumn);
Column session_window(const Column& timeColumn, const std::string& gapDuration);
Column session_window(const Column& timeColumn, const Column& gapDuration);
inline Column session_window(const Column& timeColumn, const char* gapDuration) {
  return session_window(timeColumn, std::string(gapDuration));
}

// ----- hashing
Column hash(const std::vector<Column>& columns);
template <class... C>
Column hash(const Column& first, const C&... rest) {
  return hash(std::vector<Column>{first, Column(rest)...});
}
Column xxhash64(const std::vector<Column>& columns);
template <class... C>
Column xxhash64(const Column& first, const C&... rest) {
  return xxhash64(std::vector<Column>{first, Column(rest)...});
}
Column md5(const Column& c);
Column sha1(const Column& c);
Column sha2(const Column& c, int numBits);
Column crc32(const Column& c);

// ----- structs, arrays and maps
Column struct_(const std::vector<Column>& columns);
template <class... C>
Column struct_(const Column& first, const C&... rest) {
  return struct_(std::vector<Column>{first, Column(rest)...});
}
Column named_struct(const std::vector<std::pair<std::string, Column>>& fields);
Column array(const std::vector<Column>& columns);
template <class... C>
Column array(const Column& first, const C&... rest) {
  return array(std::vector<Column>{first, Column(rest)...});
}
Column size(const Column& c);
Column array_contains(const Column& c, const Column& value);
Column element_at(const Column& c, const Column& key);
/// Generators: one output row per element (explode_outer keeps rows with empty or null input).
Column explode(const Column& c);
Column explode_outer(const Column& c);
Column posexplode(const Column& c);

// ----- JSON
/// Options: mode (PERMISSIVE or FAILFAST; DROPMALFORMED is refused, as Spark's from_json does),
/// columnNameOfCorruptRecord, timestampFormat, dateFormat, allowComments, ...
Column from_json(const Column& c, const StructType& schema, const Options& options = {});
Column from_json(const Column& c, const DataTypePtr& schema, const Options& options = {});
Column to_json(const Column& c, const Options& options = {});
Column get_json_object(const Column& c, const std::string& path);
/// Returns a struct<c0: string, c1: string, ...>; select(json_tuple(...)) expands it to columns.
Column json_tuple(const Column& c, const std::vector<std::string>& fields);

// ----- aggregates
Column count(const Column& c);
Column count(const std::string& columnName);
inline Column count(const char* columnName) { return count(std::string(columnName)); }
Column countDistinct(const std::vector<Column>& columns);
template <class... C>
Column countDistinct(const Column& first, const C&... rest) {
  return countDistinct(std::vector<Column>{first, Column(rest)...});
}
Column count_distinct(const std::vector<Column>& columns);
Column sum(const Column& c);
Column sum(const std::string& columnName);
inline Column sum(const char* columnName) { return sum(std::string(columnName)); }
Column avg(const Column& c);
Column avg(const std::string& columnName);
inline Column avg(const char* columnName) { return avg(std::string(columnName)); }
Column mean(const Column& c);
Column min(const Column& c);
Column min(const std::string& columnName);
inline Column min(const char* columnName) { return min(std::string(columnName)); }
Column max(const Column& c);
Column max(const std::string& columnName);
inline Column max(const char* columnName) { return max(std::string(columnName)); }
Column first(const Column& c, bool ignoreNulls = false);
Column last(const Column& c, bool ignoreNulls = false);
Column collect_list(const Column& c);
Column collect_set(const Column& c);
Column approx_count_distinct(const Column& c, double rsd = 0.05);

// ----- sort orders
Column asc(const std::string& columnName);
Column desc(const std::string& columnName);
Column asc_nulls_first(const std::string& columnName);
Column asc_nulls_last(const std::string& columnName);
Column desc_nulls_first(const std::string& columnName);
Column desc_nulls_last(const std::string& columnName);

}  // namespace weir::functions
