#include <gtest/gtest.h>
TEST(Placeholder, json_functions_test) { EXPECT_TRUE(true); }
