#include <gtest/gtest.h>
TEST(Placeholder, string_functions_test) { EXPECT_TRUE(true); }
