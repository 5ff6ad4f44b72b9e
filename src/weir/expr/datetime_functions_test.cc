#include <gtest/gtest.h>
TEST(Placeholder, datetime_functions_test) { EXPECT_TRUE(true); }
