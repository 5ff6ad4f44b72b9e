#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a user program against it twice: with
# pkg-config and with find_package(Weir). Then runs both.
set -euo pipefail
build_dir=$1
source_dir=$2
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
cmake --install "$build_dir" --prefix "$prefix" > /dev/null
cat > "$work/hello.cc" <<'CC'
#include <weir/weir.h>
#include <iostream>
using namespace weir;
using namespace weir::functions;
int main() {
  auto spark = Session::builder().appName("hello").getOrCreate();
  auto df = spark.range(10).withColumn("sq", col("id") * col("id")).filter(col("id") % 2 == 0);
  std::cout << df.agg(sum("sq")).first().getLong(0) << std::endl;
}
CC
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig"
g++ -std=c++20 "$work/hello.cc" -o "$work/hello_pc" $(pkg-config --cflags --libs weir)
[ "$("$work/hello_pc")" = "120" ] || { echo "pkg-config build printed the wrong result"; exit 1; }
mkdir -p "$work/cm"
cat > "$work/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(hello CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Weir REQUIRED)
add_executable(hello ../hello.cc)
target_link_libraries(hello PRIVATE weir::weir)
CM
cmake -S "$work/cm" -B "$work/cm/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work/cm/build" > /dev/null
[ "$("$work/cm/build/hello")" = "120" ] || { echo "find_package build printed the wrong result"; exit 1; }
[ -x "$prefix/bin/weir" ] && "$prefix/bin/weir" --version | grep -q "weir 0.1.0"
# The golden query example builds on its own against the installed Weir, as its header says, and
# runs it once over a local broker.
g++ -std=c++20 "$source_dir/examples/golden_query.cc" -o "$work/golden_query" $(pkg-config --cflags --libs weir)
"$prefix/bin/weir" kafka-dev --topic events:2 --bootstrap-file "$work/bs" > "$work/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do [ -s "$work/bs" ] && break; sleep 0.1; done
"$prefix/bin/weir" generate --bootstrap "$(cat "$work/bs")" --topic events --count 5000 --users 50 --step-us 2000000 2> /dev/null
(cd "$work" && ./golden_query --bootstrap "$(cat bs)" --checkpoint ckpt --table table --trigger available-now > golden.log 2>&1) ||
  { kill $broker; cat "$work/golden.log"; echo "the installed golden query failed"; exit 1; }
kill -INT $broker; wait $broker || true
ls "$work"/table/window_start=* > /dev/null || { echo "the installed golden query wrote no windows"; exit 1; }
echo "install test passed"
