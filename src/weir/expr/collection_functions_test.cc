#include <gtest/gtest.h>
TEST(Placeholder, collection_functions_test) { EXPECT_TRUE(true); }
